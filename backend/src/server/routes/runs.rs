//! `/api/runs`: the resource-oriented API the panel uses.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::api::{
    CompareQuery, RunComparison, RunCreated, RunDetail, RunFilter, RunInfo, RunListing,
    SeriesQuery, StartRun, StopQuery,
};
use shared::compare::{self, Figures, Tolerance};
use shared::metrics::MetricsSnapshot;
use shared::run::RunId;

use crate::report::ReportFormat;
use crate::server::AppState;
use crate::server::error::{ApiError, blocking};
use crate::server::extract::{Body, MaybeBody, Params, Segments};

pub(super) async fn list(
    State(state): State<AppState>,
    Params(filter): Params<RunFilter>,
) -> Result<Json<Vec<RunListing>>, ApiError> {
    let store = state.runs.store().clone();
    // The run in progress as the server knows it, as the detail route shows it: a stop is
    // `stopping` from the moment it is accepted, before the engine's status reaches the store.
    // The store lists and filters it so, and pages with it.
    let live = state.runs.current_info();
    let runs = blocking(move || store.list_runs_as(&filter, live.as_ref())).await?;
    Ok(Json(runs))
}

pub(super) async fn create(
    state: State<AppState>,
    body: Body<StartRun>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    super::workload::start(state, body).await
}

/// A run from the store, with the live view of the current run laid over it.
pub(super) async fn detail(state: &AppState, id: &RunId) -> Result<RunDetail, ApiError> {
    let store = state.runs.store().clone();
    let key = id.clone();
    let mut detail = blocking(move || store.get_run(&key))
        .await?
        .ok_or_else(|| ApiError::no_run(id))?;
    if let Some((info, snapshots, alerts)) = state.runs.live(id)
        && !detail.info.status.is_terminal()
    {
        detail.info = info;
        detail.latest = snapshots.last().cloned();
        detail.alerts = alerts;
    }
    Ok(detail)
}

pub(super) async fn get(
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<RunDetail>, ApiError> {
    detail(&state, &RunId(id)).await.map(Json)
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, ApiError> {
    state.runs.delete(&RunId(id)).await?;
    Ok(super::no_content())
}

pub(super) async fn stop(
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Params(query): Params<StopQuery>,
    MaybeBody(body): MaybeBody<StopQuery>,
) -> Result<Json<RunInfo>, ApiError> {
    let now = super::workload::stop_now(&query, body.as_ref())?;
    let id = RunId(id);
    detail(&state, &id).await?;
    state.runs.stop(Some(&id), now).map(Json)
}

async fn series_of(state: &AppState, id: &RunId) -> Result<Vec<MetricsSnapshot>, ApiError> {
    let store = state.runs.store().clone();
    let key = id.clone();
    blocking(move || store.series(&key)).await
}

pub(super) async fn series(
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Params(query): Params<SeriesQuery>,
) -> Result<Json<Vec<MetricsSnapshot>>, ApiError> {
    let id = RunId(id);
    detail(&state, &id).await?;
    let mut series = series_of(&state, &id).await?;
    if query.per_request == Some(false) {
        for snapshot in &mut series {
            snapshot.per_request = Vec::new();
        }
    }
    Ok(Json(series))
}

/// `report.json`, `report.html`, `report.junit.xml`, `report.csv`.
pub(super) async fn report(
    State(state): State<AppState>,
    Segments((id, file)): Segments<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = match file.as_str() {
        "report.json" => ("application/json", "json", ReportFormat::Json),
        "report.html" => ("text/html; charset=utf-8", "html", ReportFormat::Html),
        "report.junit.xml" => ("application/xml", "junit.xml", ReportFormat::Junit),
        "report.csv" => ("text/csv; charset=utf-8", "csv", ReportFormat::Csv),
        other => {
            return Err(ApiError::NotFound(format!(
                "no report \"{other}\" (report.json, report.html, report.junit.xml, report.csv)"
            )));
        }
    };
    reports_enabled(&state)?;
    let id = RunId(id);
    let detail = detail(&state, &id).await?;
    let series = series_of(&state, &id).await?;
    let body = kind
        .2
        .render(&detail, &series)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(document(
        body,
        kind.0,
        &format!("stampede-{}.{}", id.0, kind.1),
    ))
}

/// Reports can be turned off (`--reports false`, `REPORT_GENERATION_ENABLED=false`).
fn reports_enabled(state: &AppState) -> Result<(), ApiError> {
    if state.runs.config().reports {
        Ok(())
    } else {
        Err(ApiError::NotFound(
            "report generation is disabled (REPORT_GENERATION_ENABLED=false)".into(),
        ))
    }
}

/// A report answered inline, with the file name a download keeps.
fn document(body: String, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Two runs compared: the candidate's figures against the baseline's.
pub(super) async fn compare(
    State(state): State<AppState>,
    Segments((baseline, candidate)): Segments<(String, String)>,
    Params(query): Params<CompareQuery>,
) -> Result<Json<RunComparison>, ApiError> {
    comparison(&state, baseline, candidate, &query)
        .await
        .map(Json)
}

/// The same comparison as JUnit XML, as `stampede compare --junit` writes it: one test case per
/// judged metric, failed where it regressed.
pub(super) async fn compare_junit(
    State(state): State<AppState>,
    Segments((baseline, candidate)): Segments<(String, String)>,
    Params(query): Params<CompareQuery>,
) -> Result<Response, ApiError> {
    reports_enabled(&state)?;
    let c = comparison(&state, baseline, candidate, &query).await?;
    let (a, b) = (&c.baseline.id.0, &c.candidate.id.0);
    let xml = crate::report::comparison_junit(&c, (a, b));
    let name = format!("stampede-compare-{a}-{b}.junit.xml");
    Ok(document(xml, "application/xml", &name))
}

/// Reads both runs and compares them; an unknown run is a 404, one without figures a 409, a
/// bad tolerance a 400.
async fn comparison(
    state: &AppState,
    baseline: String,
    candidate: String,
    query: &CompareQuery,
) -> Result<RunComparison, ApiError> {
    let tolerance = match query.tolerance {
        Some(p) => Tolerance::from_percent(p)
            .map_err(|e| ApiError::BadRequest(format!("tolerance: {e}")))?,
        None => Tolerance::DEFAULT,
    };
    let a = detail(state, &RunId(baseline)).await?;
    let b = detail(state, &RunId(candidate)).await?;
    // A run without a summary (running, or interrupted by a restart) is read as far as it got.
    fn figures(d: &RunDetail) -> Result<Figures<'_>, ApiError> {
        Figures::of_run(d).ok_or_else(|| {
            ApiError::Conflict(format!(
                "run \"{}\" has no figures yet (no snapshot was recorded)",
                d.info.id
            ))
        })
    }
    let rows = compare::compare(figures(&a)?, figures(&b)?, tolerance);
    let notes = compare::notes((&a).into(), (&b).into());
    Ok(RunComparison::new(
        (a.info, b.info),
        rows,
        notes,
        tolerance,
        query.total_only.unwrap_or(false),
    ))
}
