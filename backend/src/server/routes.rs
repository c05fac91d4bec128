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
use schemars::{JsonSchema, Schema, SchemaGenerator};
use shared::api::{
    CompareQuery, ErrorStats, HostResources, PerformanceSeries, Preset, RunComparison, RunCreated,
    RunDetail, RunFilter, RunInfo, RunListing, SaveScenario, ScenarioCheck, ScenarioEntry,
    ScenarioRef, SeriesQuery, StartRun, StartTest, StopQuery, WorkloadStatus,
};
use shared::metrics::MetricsSnapshot;
use shared::scenario::Scenario;
use shared::ws::ServerMsg;

use super::AppState;
use super::error::ApiError;

/// Writes the JSON Schema of a body into the document's generator and returns it (a `$ref` to
/// `#/components/schemas/...` for named types). Routes name Rust types, never schema names, so
/// the document cannot refer to a schema that is not generated.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as the `SchemaFn` of a route.
fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A JSON request body of type `T`.
fn body<T: JsonSchema>() -> Option<RequestBody> {
    Some(RequestBody {
        schema: schema::<T>,
        media: &["application/json"],
        required: true,
    })
}

/// A JSON request body of type `T` that may be left out (an empty body).
fn optional_body<T: JsonSchema>() -> Option<RequestBody> {
    Some(RequestBody {
        schema: schema::<T>,
        media: &["application/json"],
        required: false,
    })
}

/// A request body of type `T`, as JSON or, with a YAML content type, as YAML.
fn json_or_yaml<T: JsonSchema>() -> Option<RequestBody> {
    Some(RequestBody {
        schema: schema::<T>,
        media: &["application/json", "application/yaml"],
        required: true,
    })
}

/// A request body: its type, and the media types it may be sent as (each read into that type).
#[derive(Debug, Clone, Copy)]
pub struct RequestBody {
    /// The body's type.
    pub schema: SchemaFn,
    /// Media types accepted.
    pub media: &'static [&'static str],
    /// Whether the body must be sent (otherwise an empty body is the default).
    pub required: bool,
}

/// `200 OK` with a JSON body of type `T`.
fn ok<T: JsonSchema>() -> Reply {
    Reply::Json(schema::<T>)
}

/// `201 Created` with a JSON body of type `T`.
fn created<T: JsonSchema>() -> Reply {
    Reply::Created(schema::<T>)
}

/// What a route answers when it succeeds.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    /// `200 OK` with a JSON body.
    Json(SchemaFn),
    /// `201 Created` with a JSON body.
    Created(SchemaFn),
    /// `201 Created` when new, `200 OK` when it replaced one; a JSON body either way.
    Saved(SchemaFn),
    /// `204 No Content`.
    NoContent,
    /// `101 Switching Protocols`, then WebSocket text messages, each a JSON document.
    WebSocket(SchemaFn),
    /// `200 OK` with a body of one of these media types, not described by a schema.
    Media(&'static [&'static str]),
}

/// One documented route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path in axum syntax (`/api/runs/{id}`).
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Tag (group) in the documentation.
    pub tag: &'static str,
    /// The query string's type: each of its fields is an optional query parameter.
    pub query: Option<SchemaFn>,
    /// The request body, if any.
    pub request: Option<RequestBody>,
    /// The answer on success.
    pub reply: Reply,
}

struct Api {
    router: Router<AppState>,
    docs: Vec<RouteDoc>,
}

impl Api {
    fn add(mut self, doc: RouteDoc, handler: MethodRouter<AppState>) -> Self {
        // An API route that takes no query refuses one, as a route with a query refuses a
        // parameter it does not take. `/metrics` and `/health` read none and refuse none: a
        // Prometheus job's `params:` and an uptime checker's own go to them.
        let handler = if doc.query.is_none() && doc.path.starts_with("/api/") {
            handler.route_layer(axum::middleware::from_fn(super::extract::no_query))
        } else {
            handler
        };
        self.router = self.router.route(doc.path, handler);
        self.docs.push(doc);
        self
    }
}

macro_rules! route {
    ($api:ident, $m:ident $method:literal $path:literal, $tag:literal, $summary:literal, $req:expr, $reply:expr, $handler:expr $(; query $query:ty)?) => {
        $api = $api.add(
            RouteDoc {
                method: $method,
                path: $path,
                summary: $summary,
                tag: $tag,
                query: None $(.or(Some(schema::<$query> as SchemaFn)))?,
                request: $req,
                reply: $reply,
            },
            $m($handler),
        );
    };
}

/// The JSON answer of `/health`.
fn health_schema(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "properties": { "status": { "const": "ok" } },
        "required": ["status"],
        "additionalProperties": false,
    })
}

fn build() -> Api {
    let mut api = Api {
        router: Router::new(),
        docs: Vec::new(),
    };
    // The endpoints named in the product brief, exactly.
    route!(api, post "POST" "/api/workload/start", "workload", "Start a run of a scenario (inline, as text, or by name).", body::<StartRun>(), created::<RunCreated>(), workload::start);
    route!(api, post "POST" "/api/workload/stop", "workload", "Stop the run in progress (in-flight requests finish; `?now=true`, or a JSON body `{\"now\": true}`, cuts them, or cuts a graceful stop under way); answers with the run as `stopping` and its elapsed duration.", optional_body::<StopQuery>(), ok::<RunInfo>(), workload::stop; query StopQuery);
    route!(api, get "GET" "/api/workload/status", "workload", "The current or most recent run and its latest snapshot.", None, ok::<WorkloadStatus>(), workload::status);
    route!(api, post "POST" "/api/workload/scenario", "workload", "Store or update a named scenario; validation errors carry field paths.", body::<SaveScenario>(), Reply::Saved(schema::<ScenarioEntry>), workload::save_scenario);
    route!(api, post "POST" "/api/testing/stress", "testing", "Start a stress test: ramp users from `users` up to `max_users`.", body::<StartTest>(), created::<RunCreated>(), testing::stress);
    route!(api, post "POST" "/api/testing/performance", "testing", "Start a performance test: steady users (or a steady rate) judged by thresholds.", body::<StartTest>(), created::<RunCreated>(), testing::performance);
    route!(api, post "POST" "/api/testing/scalability", "testing", "Start a scalability test: equal steps from `users` to `max_users`.", body::<StartTest>(), created::<RunCreated>(), testing::scalability);
    route!(api, get "GET" "/api/testing/results", "testing", "List and filter past runs (status, test_type, scenario, limit, offset).", None, ok::<Vec<RunListing>>(), testing::results; query RunFilter);
    route!(api, get "GET" "/api/monitoring/metrics", "monitoring", "Latest snapshot of the current run.", None, ok::<MetricsSnapshot>(), monitoring::metrics);
    route!(api, get "GET" "/api/monitoring/performance", "monitoring", "Throughput and latency percentiles over time for the current run.", None, ok::<PerformanceSeries>(), monitoring::performance);
    route!(api, get "GET" "/api/monitoring/errors", "monitoring", "Error statistics by kind, status and request name.", None, ok::<ErrorStats>(), monitoring::errors);
    route!(api, get "GET" "/api/monitoring/resources", "monitoring", "Generator host CPU, memory and network I/O.", None, ok::<HostResources>(), monitoring::resources);
    // The resource-oriented API underneath.
    route!(api, get "GET" "/api/runs", "runs", "List runs, newest first (status, test_type, scenario, limit, offset).", None, ok::<Vec<RunListing>>(), runs::list; query RunFilter);
    route!(api, post "POST" "/api/runs", "runs", "Start a run.", body::<StartRun>(), created::<RunCreated>(), runs::create);
    route!(api, get "GET" "/api/runs/{id}", "runs", "A run with its scenario, alerts and summary (once ended); its latest snapshot only while it has no summary (in progress, or interrupted: its last stored one).", None, ok::<RunDetail>(), runs::get);
    route!(api, delete "DELETE" "/api/runs/{id}", "runs", "Delete a run that has ended, with its intervals, alerts and reports (409 while it runs).", None, Reply::NoContent, runs::delete);
    route!(api, post "POST" "/api/runs/{id}/stop", "runs", "Stop this run (in-flight requests finish; `?now=true`, or a JSON body `{\"now\": true}`, cuts them, or cuts a graceful stop under way); answers with it as `stopping` and its elapsed duration.", optional_body::<StopQuery>(), ok::<RunInfo>(), runs::stop; query StopQuery);
    route!(api, get "GET" "/api/runs/{id}/series", "runs", "Every interval's snapshot of a run; `?per_request=false` sends each snapshot's `per_request` as an empty list.", None, ok::<Vec<MetricsSnapshot>>(), runs::series; query SeriesQuery);
    route!(api, get "GET" "/api/runs/{baseline}/compare/{candidate}", "runs", "Compare two runs: the total and each request name side by side, every change read as a regression, an improvement or noise (`?tolerance=` percent, default 5).", None, ok::<RunComparison>(), runs::compare; query CompareQuery);
    route!(api, get "GET" "/api/runs/{baseline}/compare/{candidate}/report.junit.xml", "runs", "The comparison as JUnit XML: one test case per judged metric of the total and of each request name, failed where it regressed (same query as the comparison).", None, Reply::Media(&["application/xml"]), runs::compare_junit; query CompareQuery);
    route!(api, get "GET" "/api/runs/{id}/{report}", "reports", "A report: report.json, report.html, report.junit.xml or report.csv.", None, Reply::Media(&["application/json", "text/html", "application/xml", "text/csv"]), runs::report);
    route!(api, get "GET" "/api/scenarios", "scenarios", "Saved scenarios.", None, ok::<Vec<ScenarioEntry>>(), scenarios::list);
    route!(api, get "GET" "/api/scenarios/{name}", "scenarios", "One saved scenario.", None, ok::<ScenarioEntry>(), scenarios::get);
    route!(api, put "PUT" "/api/scenarios/{name}", "scenarios", "Save a scenario under a name (JSON, or YAML with a YAML content type; without a JSON or YAML content type, a body starting with `{` is JSON and any other YAML).", json_or_yaml::<Scenario>(), Reply::Saved(schema::<ScenarioEntry>), scenarios::put);
    route!(api, delete "DELETE" "/api/scenarios/{name}", "scenarios", "Delete a saved scenario.", None, Reply::NoContent, scenarios::delete);
    route!(api, post "POST" "/api/scenarios/validate", "scenarios", "Read (YAML/JSON text or a document), check and render a scenario as YAML; problems with field paths.", body::<ScenarioRef>(), ok::<ScenarioCheck>(), scenarios::validate);
    route!(api, get "GET" "/api/presets", "scenarios", "Built-in scenario presets.", None, ok::<Vec<Preset>>(), scenarios::presets);
    route!(api, get "GET" "/api/ws", "live", "WebSocket live feed of status, snapshots, alerts and summaries: each text message is a ServerMsg.", None, Reply::WebSocket(schema::<ServerMsg>), super::live::upgrade);
    route!(api, get "GET" "/api/openapi.json", "meta", "This document.", None, Reply::Media(&["application/json"]), openapi::document);
    route!(api, get "GET" "/metrics", "meta", "Prometheus text exposition of the current run's live metrics.", None, Reply::Media(&["text/plain"]), prometheus);
    route!(api, get "GET" "/health", "meta", "Liveness.", None, Reply::Json(health_schema), health);
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
        .fallback(get(ui_page).fallback(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(
            super::extract::MAX_BODY_BYTES,
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
                .allow_headers([header::CONTENT_TYPE])
                // A dashboard's script saves a report under the name the server gives it.
                .expose_headers([header::CONTENT_DISPOSITION]),
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

/// A page of the web UI (its own routes included). Routed with `get`, so axum answers HEAD
/// (uptime checks, `curl -I`) with the same headers and no body. Unknown API paths are JSON 404s.
async fn ui_page(
    State(state): State<AppState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        return not_found(method, uri).await;
    }
    state.ui.serve(&uri, &headers)
}

/// No route: a JSON 404 (also for methods other than GET and HEAD outside the API).
async fn not_found(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    ApiError::NotFound(format!("no route for {} {}", method, uri.path())).into_response()
}

/// A plain `204 No Content`.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
