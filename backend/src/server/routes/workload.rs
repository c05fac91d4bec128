//! `/api/workload/*`: the brief's workload endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::{
    RunCreated, RunInfo, SaveScenario, ScenarioEntry, ScenarioRef, StartRun, StopQuery,
    WorkloadStatus,
};

use crate::server::AppState;
use crate::server::error::{ApiError, blocking};
use crate::server::extract::{Body, MaybeBody, Params};

pub(super) async fn start(
    State(state): State<AppState>,
    Body(req): Body<StartRun>,
) -> Result<(StatusCode, Json<RunCreated>), ApiError> {
    let info = state.runs.start(req).await?;
    Ok((
        StatusCode::CREATED,
        Json(RunCreated {
            run_id: info.id,
            status: info.status,
        }),
    ))
}

pub(super) async fn stop(
    State(state): State<AppState>,
    Params(query): Params<StopQuery>,
    MaybeBody(body): MaybeBody<StopQuery>,
) -> Result<Json<RunInfo>, ApiError> {
    state
        .runs
        .stop(None, stop_now(&query, body.as_ref())?)
        .map(Json)
}

/// Whether a stop cuts the iterations in flight: `now` from the query (`?now=true`) or from a
/// JSON body (`{"now": true}`), as a client sends it; neither is a graceful stop. Given in both
/// places with different values, it is a 400 rather than one of them picked.
pub(super) fn stop_now(query: &StopQuery, body: Option<&StopQuery>) -> Result<bool, ApiError> {
    let from_body = body.and_then(|b| b.now);
    match (query.now, from_body) {
        (Some(q), Some(b)) if q != b => Err(ApiError::BadRequest(format!(
            "now: the query says now={q} and the body \"now\": {b}; give it in one place"
        ))),
        (q, b) => Ok(q.or(b).unwrap_or(false)),
    }
}

/// The current run, or else the most recent one in the history: after a restart, that is how a
/// client (the panel's live feed, a polling script) learns that the run it followed was
/// `interrupted`.
pub(super) async fn status(
    State(state): State<AppState>,
) -> Result<Json<WorkloadStatus>, ApiError> {
    let (run, latest) = match state.runs.status() {
        Some((run, latest)) => (Some(run), latest),
        None => {
            let store = state.runs.store().clone();
            blocking(move || store.latest_run())
                .await?
                .map_or((None, None), |(run, latest)| (Some(run), latest))
        }
    };
    Ok(Json(WorkloadStatus { run, latest }))
}

pub(super) async fn save_scenario(
    State(state): State<AppState>,
    Body(req): Body<SaveScenario>,
) -> Result<(StatusCode, Json<ScenarioEntry>), ApiError> {
    if let ScenarioRef::Name(name) = &req.scenario {
        return Err(ApiError::BadRequest(format!(
            "give the scenario itself (inline or text) to save; \"{name}\" is only a name"
        )));
    }
    let (scenario, source) = state.runs.resolve(&req.scenario).await?;
    state.runs.validate(&scenario, source.as_deref())?;
    let Some(name) = req.name else {
        // Saved under the document's own name, which the sender may not think of as one: a
        // refusal says where the name came from and how to give another.
        let name = scenario.name.clone();
        return super::scenarios::save(&state, name, scenario)
            .await
            .map_err(|e| match e {
                ApiError::BadRequest(why) => ApiError::BadRequest(own_name(&why)),
                ApiError::Conflict(why) => ApiError::Conflict(own_name(&why)),
                other => other,
            });
    };
    super::scenarios::save(&state, name, scenario).await
}

/// A refusal of the name a scenario is saved under when it is the document's own.
fn own_name(why: &str) -> String {
    format!(
        "no \"name\" was given, so the scenario would be saved under its own name, and {why}; \
         give \"name\" to save it under another"
    )
}

/// The current time, ms since the Unix epoch.
pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Saves a validated scenario; 201 when new, 200 when it replaced one.
pub(super) async fn store_scenario(
    state: &AppState,
    name: String,
    scenario: shared::scenario::Scenario,
) -> Result<(StatusCode, Json<ScenarioEntry>), ApiError> {
    let store = state.runs.store().clone();
    let now = now_ms();
    let entry = ScenarioEntry {
        name: name.clone(),
        updated_at_ms: now,
        scenario: scenario.clone(),
    };
    let existed = blocking(move || store.put_scenario(&name, &scenario, now)).await?;
    Ok((
        if existed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        Json(entry),
    ))
}
