//! The route table. Every route is registered through [`Api`], which adds it to the router and
//! to the documentation at once, so `/api/openapi.json` lists exactly what the router serves.

mod monitoring;
mod openapi;
mod runs;
mod scenarios;
mod testing;
mod workload;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};

use super::AppState;
use super::error::ApiError;

/// One documented route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteDoc {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path in axum syntax (`/api/runs/{id}`).
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Tag (group) in the documentation.
    pub tag: &'static str,
    /// Request body schema name, if any.
    pub request: Option<&'static str>,
    /// Success response schema name, if JSON.
    pub response: Option<&'static str>,
}

struct Api {
    router: Router<AppState>,
    docs: Vec<RouteDoc>,
}

impl Api {
    fn add(mut self, doc: RouteDoc, handler: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(doc.path, handler);
        self.docs.push(doc);
        self
    }
}

macro_rules! route {
    ($api:ident, $m:ident $method:literal $path:literal, $tag:literal, $summary:literal, $req:expr, $resp:expr, $handler:expr) => {
        $api = $api.add(
            RouteDoc {
                method: $method,
                path: $path,
                summary: $summary,
                tag: $tag,
                request: $req,
                response: $resp,
            },
            $m($handler),
        );
    };
}

fn build() -> Api {
    let mut api = Api {
        router: Router::new(),
        docs: Vec::new(),
    };
    // The endpoints named in the product brief, exactly.
    route!(api, post "POST" "/api/workload/start", "workload", "Start a run of a scenario (inline, as text, or by name).", Some("StartRun"), Some("RunCreated"), workload::start);
    route!(api, post "POST" "/api/workload/stop", "workload", "Stop the run in progress (in-flight requests finish).", None, Some("RunInfo"), workload::stop);
    route!(api, get "GET" "/api/workload/status", "workload", "The current or most recent run and its latest snapshot.", None, Some("WorkloadStatus"), workload::status);
    route!(api, post "POST" "/api/workload/scenario", "workload", "Store or update a named scenario; validation errors carry field paths.", Some("SaveScenario"), Some("ScenarioEntry"), workload::save_scenario);
    route!(api, post "POST" "/api/testing/stress", "testing", "Start a stress test: ramp users from `users` up to `max_users`.", Some("StartTest"), Some("RunCreated"), testing::stress);
    route!(api, post "POST" "/api/testing/performance", "testing", "Start a performance test: steady users (or a steady rate) judged by thresholds.", Some("StartTest"), Some("RunCreated"), testing::performance);
    route!(api, post "POST" "/api/testing/scalability", "testing", "Start a scalability test: equal steps from `users` to `max_users`.", Some("StartTest"), Some("RunCreated"), testing::scalability);
    route!(api, get "GET" "/api/testing/results", "testing", "List and filter past runs (status, test_type, scenario, limit).", None, Some("RunInfo[]"), testing::results);
    route!(api, get "GET" "/api/monitoring/metrics", "monitoring", "Latest snapshot of the current run.", None, Some("MetricsSnapshot"), monitoring::metrics);
    route!(api, get "GET" "/api/monitoring/performance", "monitoring", "Throughput and latency percentiles over time for the current run.", None, Some("PerformanceSeries"), monitoring::performance);
    route!(api, get "GET" "/api/monitoring/errors", "monitoring", "Error statistics by kind, status and request name.", None, Some("ErrorStats"), monitoring::errors);
    route!(api, get "GET" "/api/monitoring/resources", "monitoring", "Generator host CPU, memory and network I/O.", None, Some("HostResources"), monitoring::resources);
    // The resource-oriented API underneath.
    route!(api, get "GET" "/api/runs", "runs", "List runs, newest first (status, test_type, scenario, limit).", None, Some("RunInfo[]"), runs::list);
    route!(api, post "POST" "/api/runs", "runs", "Start a run.", Some("StartRun"), Some("RunCreated"), runs::create);
    route!(api, get "GET" "/api/runs/{id}", "runs", "A run with its scenario, summary, alerts and latest snapshot.", None, Some("RunDetail"), runs::get);
    route!(api, delete "DELETE" "/api/runs/{id}", "runs", "Delete a run that has ended, with its intervals, alerts and reports (409 while it runs).", None, None, runs::delete);
    route!(api, post "POST" "/api/runs/{id}/stop", "runs", "Stop this run.", None, Some("RunInfo"), runs::stop);
    route!(api, get "GET" "/api/runs/{id}/series", "runs", "Every interval's snapshot of a run; `?per_request=false` leaves out the per-request stats.", None, Some("MetricsSnapshot[]"), runs::series);
    route!(api, get "GET" "/api/runs/{id}/{report}", "reports", "A report: report.json, report.html, report.junit.xml or report.csv.", None, None, runs::report);
    route!(api, get "GET" "/api/scenarios", "scenarios", "Saved scenarios.", None, Some("ScenarioEntry[]"), scenarios::list);
    route!(api, get "GET" "/api/scenarios/{name}", "scenarios", "One saved scenario.", None, Some("ScenarioEntry"), scenarios::get);
    route!(api, put "PUT" "/api/scenarios/{name}", "scenarios", "Save a scenario under a name (JSON, or YAML with a YAML content type).", Some("Scenario"), Some("ScenarioEntry"), scenarios::put);
    route!(api, delete "DELETE" "/api/scenarios/{name}", "scenarios", "Delete a saved scenario.", None, None, scenarios::delete);
    route!(api, post "POST" "/api/scenarios/validate", "scenarios", "Read (YAML/JSON text or a document), check and render a scenario as YAML; problems with field paths.", Some("ScenarioRef"), Some("ScenarioCheck"), scenarios::validate);
    route!(api, get "GET" "/api/presets", "scenarios", "Built-in scenario presets.", None, Some("Preset[]"), scenarios::presets);
    route!(api, get "GET" "/api/ws", "live", "WebSocket live feed of status, snapshots, alerts and summaries (ServerMsg JSON).", None, None, super::live::upgrade);
    route!(api, get "GET" "/api/openapi.json", "meta", "This document.", None, None, openapi::document);
    route!(api, get "GET" "/metrics", "meta", "Prometheus text exposition of the current run's live metrics.", None, None, prometheus);
    route!(api, get "GET" "/health", "meta", "Liveness.", None, None, health);
    api
}

/// Every documented route (computed once).
pub static ROUTES: std::sync::LazyLock<Vec<RouteDoc>> = std::sync::LazyLock::new(|| build().docs);

pub(super) fn router(state: AppState) -> Router {
    let api = build();
    let origins = state.runs.config().embed_origins.clone();
    // Who may frame the panel: ourselves, plus the configured dashboard origins.
    let frame_ancestors = std::iter::once("'self'".to_owned())
        .chain(origins.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let csp = HeaderValue::from_str(&format!("frame-ancestors {frame_ancestors}"))
        .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"));
    let mut router = api
        .router
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(
            shared::scenario::MAX_SCENARIO_BYTES + 64 * 1024,
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ));
    if !origins.is_empty() {
        let allowed: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        router = router.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(allowed)
                .allow_methods([
                    axum::http::Method::GET,
                    axum::http::Method::POST,
                    axum::http::Method::PUT,
                    axum::http::Method::DELETE,
                ])
                .allow_headers([header::CONTENT_TYPE]),
        );
    }
    router.with_state(state)
}

async fn health() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        "{\"status\":\"ok\"}",
    )
}

async fn prometheus(State(state): State<AppState>) -> Response {
    let status = state.runs.status();
    let text = super::prometheus::render(status.as_ref().map(|(i, s)| (i, s.as_ref())));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path())).into_response()
}

/// Unknown API paths are JSON 404s; everything else is the web UI (its own routes included),
/// for GET and for HEAD (uptime checks and `curl -I`), which gets the same headers and no body.
async fn fallback(
    State(state): State<AppState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    use axum::http::Method;
    let head = method == Method::HEAD;
    if uri.path().starts_with("/api/") || uri.path() == "/api" || !(head || method == Method::GET) {
        return ApiError::NotFound(format!("no route for {} {}", method, uri.path()))
            .into_response();
    }
    let mut response = state.ui.serve(&uri, &headers);
    if head {
        use axum::body::HttpBody;
        if let Some(length) = response.body().size_hint().exact() {
            response
                .headers_mut()
                .insert(axum::http::header::CONTENT_LENGTH, length.into());
        }
        *response.body_mut() = axum::body::Body::empty();
    }
    response
}

/// A plain `204 No Content`.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
