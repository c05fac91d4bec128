//! `/api/monitoring/*`: live views of the current run, and the generator host.

use axum::Json;
use axum::extract::State;
use shared::api::{ErrorStats, HostResources, PerformancePoint, PerformanceSeries, RequestErrors};
use shared::metrics::MetricsSnapshot;

use crate::server::AppState;
use crate::server::error::ApiError;

fn no_run() -> ApiError {
    ApiError::NotFound("no run has been started since the server started".into())
}

pub(super) async fn metrics(
    State(state): State<AppState>,
) -> Result<Json<MetricsSnapshot>, ApiError> {
    let (info, latest) = state.runs.status().ok_or_else(no_run)?;
    latest
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("run {} has no snapshot yet", info.id)))
}

pub(super) async fn performance(
    State(state): State<AppState>,
) -> Result<Json<PerformanceSeries>, ApiError> {
    let (info, _) = state.runs.status().ok_or_else(no_run)?;
    let (_, snapshots, _) = state.runs.live(&info.id).ok_or_else(no_run)?;
    let points = snapshots
        .iter()
        .map(|s| PerformancePoint {
            elapsed_ms: s.elapsed_ms,
            rps: s.interval.rps,
            p50_ms: s.interval.latency.p50_ms,
            p95_ms: s.interval.latency.p95_ms,
            p99_ms: s.interval.latency.p99_ms,
            active_users: s.active_users,
        })
        .collect();
    Ok(Json(PerformanceSeries {
        run_id: info.id,
        points,
    }))
}

pub(super) async fn errors(State(state): State<AppState>) -> Result<Json<ErrorStats>, ApiError> {
    let (info, _) = state.runs.status().ok_or_else(no_run)?;
    let (_, snapshots, _) = state.runs.live(&info.id).ok_or_else(no_run)?;
    let Some(last) = snapshots.last() else {
        return Err(ApiError::NotFound(format!(
            "run {} has no snapshot yet",
            info.id
        )));
    };
    Ok(Json(ErrorStats {
        run_id: info.id,
        requests: last.total.requests,
        errors: last.total.errors,
        error_rate: last.total.error_rate(),
        by_kind: last.total.errors_by_kind.clone(),
        by_status: last.total.status_counts.clone(),
        by_request: last
            .per_request
            .iter()
            .map(|r| RequestErrors {
                name: r.name.clone(),
                requests: r.requests,
                errors: r.errors,
                by_kind: r.errors_by_kind.clone(),
            })
            .collect(),
        over_time: snapshots
            .iter()
            .map(|s| (s.elapsed_ms, s.interval.errors))
            .collect(),
    }))
}

pub(super) async fn resources(State(state): State<AppState>) -> Json<HostResources> {
    Json(state.resources.sample())
}
