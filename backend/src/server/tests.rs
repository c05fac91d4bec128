//! In-process tests of the control server: every route, its error paths, runs against the
//! demo target, reports, monitoring and the live feed. The app is driven with
//! `tower::ServiceExt::oneshot`; runs go to a demo target on `127.0.0.1:0`. Waiting for a run is
//! done on the live feed (`RunManager::subscribe`), never by sleeping.
//!
//! Helpers live here; the tests are split by theme:
//! * `routes`: route table vs router vs OpenAPI, request validation, scenarios, presets,
//!   monitoring and `/metrics` before any run;
//! * `runs`: the workload lifecycle, a completed run's history, series and reports, the
//!   test-type endpoints, monitoring after a run, `/metrics` and alerts;
//! * `live`: the live feed's order and a mid-run join.

mod live;
mod mutations;
mod routes;
mod runs;

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::api::{ErrorBody, RunCreated};
use shared::metrics::RunSummary;
use shared::run::RunId;
use shared::ws::ServerMsg;
use tokio::sync::broadcast;
use tower::ServiceExt as _;

use super::{AppState, RunManager, ServerConfig, TestConfig, app};
use crate::demo_target::{DemoConfig, DemoServer};
use crate::store::Store;

/// Upper bound on how long any run in these tests may take to end. Runs last 0.5–1 s; this is
/// only there so a broken run fails the test instead of hanging it.
const RUN_DEADLINE: Duration = Duration::from_secs(20);

/// An app over an in-memory store, with its own demo target.
struct Harness {
    app: Router,
    runs: RunManager,
    demo: DemoServer,
}

/// A response with its body read.
#[derive(Debug)]
struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Harness {
    /// An instant demo target and the default test configuration.
    async fn new() -> Self {
        Self::with(DemoConfig::instant(), TestConfig::default()).await
    }

    /// A demo target configured as given, and this test configuration (alert limits).
    async fn with(demo: DemoConfig, test_config: TestConfig) -> Self {
        Self::configured(demo, |c| c.test_config = test_config).await
    }

    /// A demo target configured as given; the server configuration adjusted by `adjust`.
    async fn configured(demo: DemoConfig, adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let demo = DemoServer::start(demo)
            .await
            .expect("the demo target binds 127.0.0.1:0");
        let mut config = ServerConfig {
            interval: Duration::from_millis(100),
            demo_target_url: Some(demo.url()),
            ..Default::default()
        };
        adjust(&mut config);
        let store = Store::open_in_memory().expect("an in-memory store opens");
        let state = AppState::new(store, config);
        let runs = state.runs.clone();
        Self {
            app: app(state),
            runs,
            demo,
        }
    }

    /// Sends one request through the router and reads the whole response.
    async fn request(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        let request = builder.body(body.into()).expect("a valid request");
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the response body reads");
        Resp {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, uri: &str) -> Resp {
        self.request(Method::GET, uri, None, Body::empty()).await
    }

    async fn delete(&self, uri: &str) -> Resp {
        self.request(Method::DELETE, uri, None, Body::empty()).await
    }

    /// POST with a JSON document as the body.
    async fn post_json(&self, uri: &str, body: &Value) -> Resp {
        self.post_raw(uri, &body.to_string()).await
    }

    /// POST with this exact text as a JSON body.
    async fn post_raw(&self, uri: &str, body: &str) -> Resp {
        self.request(Method::POST, uri, Some("application/json"), body.to_owned())
            .await
    }

    /// POST without a body.
    async fn post_empty(&self, uri: &str) -> Resp {
        self.request(Method::POST, uri, None, Body::empty()).await
    }

    async fn put(&self, uri: &str, content_type: &str, body: &str) -> Resp {
        self.request(Method::PUT, uri, Some(content_type), body.to_owned())
            .await
    }

    /// Starts a run with this `StartRun` body on `uri`, expecting 201; returns its id.
    async fn start(&self, uri: &str, body: &Value) -> RunId {
        let created: RunCreated = self
            .post_json(uri, body)
            .await
            .expect_status(StatusCode::CREATED)
            .json();
        created.run_id
    }

    /// Starts `scenario` inline on `/api/workload/start` and waits until it has finished.
    async fn run_inline(&self, scenario: &Value) -> (RunId, RunSummary) {
        let (mut rx, _) = self.runs.subscribe();
        let id = self
            .start(
                "/api/workload/start",
                &json!({ "scenario": { "inline": scenario } }),
            )
            .await;
        let summary = wait_finished(&mut rx, &id).await;
        (id, summary)
    }
}

impl Resp {
    /// Checks the status, showing the body when it is not the expected one.
    #[track_caller]
    fn expect_status(self, expected: StatusCode) -> Self {
        assert_eq!(
            self.status,
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the body is UTF-8")
    }

    #[track_caller]
    fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body does not parse as {}: {e}; body: {}",
                std::any::type_name::<T>(),
                self.text()
            )
        })
    }

    /// The error body, checking the status and the machine-readable kind on the way.
    #[track_caller]
    fn error(&self, status: StatusCode, kind: &str) -> ErrorBody {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.content_type(),
            "application/json",
            "errors are JSON; body: {}",
            self.text()
        );
        let body: ErrorBody = self.json();
        assert_eq!(body.error, kind, "{body:?}");
        body
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().expect("an ASCII content type"))
            .unwrap_or("")
    }

    /// True when this is the router's fallback answer (no route matched).
    fn is_fallback(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
            && serde_json::from_slice::<ErrorBody>(&self.body)
                .is_ok_and(|e| e.error == "not_found" && e.detail.starts_with("no route for"))
    }
}

/// A short closed-model scenario against the demo target (no `target`: a target-less scenario
/// goes to the demo target), 2 users for `duration`, one request named `request_name`.
fn quick_scenario(name: &str, request_name: &str, duration: &str) -> Value {
    json!({
        "name": name,
        "journeys": [{
            "name": "product",
            "steps": [{ "request": {
                "name": request_name,
                "method": "GET",
                "path": "/api/products/3",
                "checks": [{ "status": [200] }]
            }}]
        }],
        "load": { "type": "constant_users", "users": 2, "duration": duration },
        "options": { "timeout": "5s", "graceful_stop": "2s" }
    })
}

/// [`quick_scenario`] whose users think for 30 s after their request, with a graceful stop of a
/// minute: once stopped, the run stays `stopping` until a stop-now cuts it.
fn thinking_scenario(name: &str, duration: &str) -> Value {
    let mut scenario = quick_scenario(name, "GET product", duration);
    scenario["journeys"][0]["steps"]
        .as_array_mut()
        .expect("steps")
        .push(json!({ "think": "30s" }));
    scenario["options"]["graceful_stop"] = json!("60s");
    scenario
}

/// Receives feed messages until `Finished` for `id`; returns every message of that run, in
/// order, `Finished` last. Bounded by [`RUN_DEADLINE`].
pub(super) async fn collect_until_finished(
    rx: &mut broadcast::Receiver<ServerMsg>,
    id: &RunId,
) -> Vec<ServerMsg> {
    let collect = async {
        let mut out = Vec::new();
        loop {
            let msg = match rx.recv().await {
                Ok(msg) => msg,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    panic!("the test fell behind the feed by {n} messages")
                }
                Err(broadcast::error::RecvError::Closed) => panic!("the feed closed"),
            };
            let ours = match &msg {
                ServerMsg::RunStarted { run } | ServerMsg::History { run, .. } => run.id == *id,
                ServerMsg::Status { run_id, .. }
                | ServerMsg::Snapshot { run_id, .. }
                | ServerMsg::Alert { run_id, .. }
                | ServerMsg::Finished { run_id, .. } => run_id == id,
                ServerMsg::Hello { .. } | ServerMsg::Lagged { .. } => true,
            };
            if !ours {
                continue;
            }
            let done = matches!(msg, ServerMsg::Finished { .. });
            out.push(msg);
            if done {
                return out;
            }
        }
    };
    tokio::time::timeout(RUN_DEADLINE, collect)
        .await
        .unwrap_or_else(|_| panic!("run {id} did not finish within {RUN_DEADLINE:?}"))
}

/// Receives feed messages until `pick` takes one (returns `Some`); what it took. Bounded by
/// [`RUN_DEADLINE`]; `what` names the awaited message when it does not come.
pub(super) async fn wait_for<T>(
    rx: &mut broadcast::Receiver<ServerMsg>,
    what: &str,
    mut pick: impl FnMut(ServerMsg) -> Option<T>,
) -> T {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(msg) => {
                    if let Some(taken) = pick(msg) {
                        return taken;
                    }
                }
                Err(e) => panic!("feed: {e}"),
            }
        }
    };
    tokio::time::timeout(RUN_DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("{what} did not come within {RUN_DEADLINE:?}"))
}

/// Waits for `id`'s `Finished` message and returns its summary.
async fn wait_finished(rx: &mut broadcast::Receiver<ServerMsg>, id: &RunId) -> RunSummary {
    match collect_until_finished(rx, id).await.pop() {
        Some(ServerMsg::Finished { summary, .. }) => *summary,
        other => panic!("expected Finished last, got {other:?}"),
    }
}
