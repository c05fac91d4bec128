//! Typed REST client: one async function per endpoint, shared DTOs only. Same origin as the
//! page, so paths are absolute (`/api/...`).

use gloo_net::http::Request;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{
    ErrorBody, Preset, RunCreated, RunDetail, RunFilter, RunInfo, RunListing, SaveScenario,
    ScenarioCheck, ScenarioEntry, ScenarioRef, StartRun, WorkloadStatus,
};
use shared::metrics::MetricsSnapshot;
use shared::run::RunId;

/// A failed call: the server's error body when it sent one, or what went wrong on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status (0 when the request never got an answer).
    pub status: u16,
    /// The server's `{error, detail, problems}`, when present (boxed: errors stay small).
    pub body: Option<Box<ErrorBody>>,
    /// A sentence for people.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn transport(e: gloo_net::Error) -> ApiError {
    ApiError {
        status: 0,
        body: None,
        message: format!("cannot reach the server: {e}"),
    }
}

/// One exchange with the server: a 2xx answer's status and body, or what went wrong. Not
/// generic, so the request's async code is in the wasm once, not once per endpoint's type.
async fn call(method: &str, path: &str, json: Option<String>) -> Result<(u16, String), ApiError> {
    let builder = match method {
        "POST" => Request::post(path),
        "DELETE" => Request::delete(path),
        _ => Request::get(path),
    };
    let req = match json {
        Some(json) => builder
            .header("content-type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(transport)?;
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    let text = resp.text().await.map_err(transport)?;
    if resp.ok() {
        Ok((status, text))
    } else {
        Err(failure(status, &text))
    }
}

/// A 2xx answer's body as `T`.
fn decode<T: DeserializeOwned>(answer: (u16, String)) -> Result<T, ApiError> {
    read(answer, crate::json::from_str)
}

/// A 2xx answer's body, read by `how`.
fn read<T>(
    (status, text): (u16, String),
    how: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ApiError> {
    how(&text).map_err(|e| ApiError {
        status,
        body: None,
        message: format!("unexpected answer from the server: {e}"),
    })
}

/// A non-2xx answer: the server's error body, when it sent one.
fn failure(status: u16, text: &str) -> ApiError {
    let body: Option<Box<ErrorBody>> = crate::json::from_str(text).ok();
    let message = body.as_ref().map_or_else(
        || format!("the server answered {status}"),
        |b| b.detail.clone(),
    );
    ApiError {
        status,
        body,
        message,
    }
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(call("GET", path, None).await?)
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let json = crate::json::to_string(body).map_err(|e| ApiError {
        status: 0,
        body: None,
        message: format!("cannot write the request: {e}"),
    })?;
    decode(call("POST", path, Some(json)).await?)
}

/// Presets (`web_app`, `api_load`, …).
pub async fn presets() -> Result<Vec<Preset>, ApiError> {
    get("/api/presets").await
}

/// Saved scenarios.
pub async fn scenarios() -> Result<Vec<ScenarioEntry>, ApiError> {
    get("/api/scenarios").await
}

/// Starts a run.
pub async fn start(req: &StartRun) -> Result<RunCreated, ApiError> {
    post("/api/runs", req).await
}

/// Stops a run.
pub async fn stop(id: &RunId, now: bool) -> Result<RunInfo, ApiError> {
    let query = if now { "?now=true" } else { "" };
    post(&format!("/api/runs/{}/stop{query}", id.0), &()).await
}

/// The current or most recent run.
pub async fn status() -> Result<WorkloadStatus, ApiError> {
    get("/api/workload/status").await
}

/// Runs, newest first (a stored run the server cannot read in its place, as such).
pub async fn runs(filter: &RunFilter) -> Result<Vec<RunListing>, ApiError> {
    let mut query = Vec::new();
    if let Some(s) = filter.status {
        query.push(format!("status={}", s.as_str()));
    }
    if let Some(t) = filter.test_type {
        query.push(format!("test_type={}", t.as_str()));
    }
    if let Some(n) = filter.limit {
        query.push(format!("limit={n}"));
    }
    if let Some(n) = filter.offset {
        query.push(format!("offset={n}"));
    }
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    read(
        call("GET", &format!("/api/runs{q}"), None).await?,
        crate::json::run_list,
    )
}

/// One run.
pub async fn run(id: &str) -> Result<RunDetail, ApiError> {
    get(&format!("/api/runs/{id}")).await
}

/// A run's snapshots, for its charts: without per-request stats, which are most of a long
/// run's series (the request table reads them from the summary or the latest snapshot).
pub async fn series(id: &str) -> Result<Vec<MetricsSnapshot>, ApiError> {
    get(&format!("/api/runs/{id}/series?per_request=false")).await
}

/// A run and its series, fetched side by side, with the series' newest snapshot complete (see
/// [`with_latest`]); each as its fetch went.
pub async fn run_and_series(
    id: &str,
) -> (
    Result<RunDetail, ApiError>,
    Result<Vec<MetricsSnapshot>, ApiError>,
) {
    let (detail, series) = futures_util::future::join(run(id), series(id)).await;
    let latest = detail.as_ref().ok().and_then(|d| d.latest.as_ref());
    let series = series.map(|series| with_latest(series, latest));
    (detail, series)
}

/// [`run_and_series`], with an empty series when it could not be fetched.
pub async fn run_with_series(id: &str) -> (Result<RunDetail, ApiError>, Vec<MetricsSnapshot>) {
    let (detail, series) = run_and_series(id).await;
    (detail, series.unwrap_or_default())
}

/// A series fetched by [`series`], with its newest snapshot complete again: the run's `latest`
/// (from [`run`]) replaces the snapshot of the same interval, or is added when it is newer.
fn with_latest(
    mut series: Vec<MetricsSnapshot>,
    latest: Option<&MetricsSnapshot>,
) -> Vec<MetricsSnapshot> {
    let Some(latest) = latest else {
        return series;
    };
    match series.last_mut() {
        Some(last) if last.seq > latest.seq => {}
        Some(last) if last.seq == latest.seq => *last = latest.clone(),
        _ => series.push(latest.clone()),
    }
    series
}

/// Reads and checks a scenario on the server (YAML or JSON text, or a document).
pub async fn check(scenario: &ScenarioRef) -> Result<ScenarioCheck, ApiError> {
    post("/api/scenarios/validate", scenario).await
}

/// Saves a scenario under a name.
pub async fn save(name: &str, scenario: ScenarioRef) -> Result<ScenarioEntry, ApiError> {
    post(
        "/api/workload/scenario",
        &SaveScenario {
            name: Some(name.to_owned()),
            scenario,
        },
    )
    .await
}

/// Deletes a saved scenario (404 when none has that name). Saved names are letters, digits,
/// `-`, `_` and `.`, so the name goes into the path as it is.
pub async fn delete_scenario(name: &str) -> Result<(), ApiError> {
    call("DELETE", &format!("/api/scenarios/{name}"), None)
        .await
        .map(drop)
}

/// Deletes an ended run with its series, alerts and reports (409 while it runs).
pub async fn delete_run(id: &str) -> Result<(), ApiError> {
    call("DELETE", &format!("/api/runs/{id}"), None)
        .await
        .map(drop)
}

/// Where a run's report is downloaded from.
pub fn report_url(id: &str, file: &str) -> String {
    format!("/api/runs/{id}/{file}")
}

#[cfg(test)]
mod tests {
    use super::with_latest;
    use crate::components::fixtures::{snapshot, stats};

    #[test]
    fn the_latest_snapshot_completes_a_slim_series() {
        let slim = |seq| {
            let mut s = snapshot(seq, 10.0, 100, 0);
            s.per_request.clear();
            s
        };
        let mut latest = slim(2);
        latest.per_request = vec![stats("GET /", 100, 0, 10.0)];
        let seqs = |s: &[shared::metrics::MetricsSnapshot]| {
            s.iter()
                .map(|s| (s.seq, s.per_request.len()))
                .collect::<Vec<_>>()
        };
        let cases = [
            (vec![], None, vec![]),
            (vec![slim(0), slim(1)], None, vec![(0, 0), (1, 0)]),
            // The same interval: replaced by the complete one.
            (
                vec![slim(0), slim(1), slim(2)],
                Some(&latest),
                vec![(0, 0), (1, 0), (2, 1)],
            ),
            // Newer than the series (it arrived in between): added.
            (
                vec![slim(0), slim(1)],
                Some(&latest),
                vec![(0, 0), (1, 0), (2, 1)],
            ),
            (vec![], Some(&latest), vec![(2, 1)]),
            // Older than the series: the series stands.
            (vec![slim(2), slim(3)], Some(&slim(1)), vec![(2, 0), (3, 0)]),
        ];
        for (series, latest, expected) in cases {
            assert_eq!(seqs(&with_latest(series, latest)), expected);
        }
    }
}
