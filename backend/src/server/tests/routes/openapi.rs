//! The OpenAPI document's schemas against what the server really sends and accepts: every
//! `$ref` resolves and no schema is a placeholder; real responses of a run against the demo
//! target, error bodies and `shared::samples` validate against the schema the document gives
//! them; and a body that serde refuses is refused by the schema too. The validating is done by
//! the `jsonschema` crate (JSON Schema 2020-12, as OpenAPI 3.1 uses), not by code of ours.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::api::RunDetail;
use shared::metrics::MetricsSnapshot;
use shared::samples;
use shared::scenario::Scenario;
use shared::ws::ServerMsg;

use super::super::{Harness, Resp, collect_until_finished, quick_scenario};

/// The document as `GET /api/openapi.json` serves it, and checks against its schemas.
struct Contract {
    doc: Value,
}

impl Contract {
    async fn fetch(h: &Harness) -> Self {
        let doc = h
            .get("/api/openapi.json")
            .await
            .expect_status(StatusCode::OK)
            .json();
        Self { doc }
    }

    /// A validator of `schema`, with the document's components beside it so that its `$ref`s
    /// (`#/components/schemas/...`) resolve. Fails the test if the schema is not valid JSON
    /// Schema.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [schema],
            "components": self.doc["components"],
        });
        jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("not a usable schema ({e}): {schema}"))
    }

    /// Why `instance` does not match `schema` (empty when it does).
    fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(instance)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect()
    }

    #[track_caller]
    fn assert_valid(&self, what: &str, schema: &Value, instance: &Value) {
        let errors = self.errors(schema, instance);
        assert!(
            errors.is_empty(),
            "{what} does not match its schema: {errors:#?}\n{instance:#}"
        );
    }

    /// A `$ref` to the component `name`, which must exist.
    #[track_caller]
    fn component(&self, name: &str) -> Value {
        assert!(
            self.doc["components"]["schemas"][name].is_object(),
            "no component {name}"
        );
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let op = &self.doc["paths"][template][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        op
    }

    /// The schema the document gives the JSON body that `method template` answers with
    /// `status`: the status itself for successes (which must be documented), `4XX`/`5XX` for
    /// errors.
    #[track_caller]
    fn response_schema(&self, method: &str, template: &str, status: StatusCode) -> Value {
        let responses = &self.operation(method, template)["responses"];
        let code = status.as_str();
        let key = if status.is_client_error() || status.is_server_error() {
            format!("{}XX", &code[..1])
        } else {
            code.to_owned()
        };
        let schema = &responses[&key]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} documents no JSON body for {status}: {responses}"
        );
        schema.clone()
    }

    /// The schema of the JSON request body of `method template`.
    #[track_caller]
    fn request_schema(&self, method: &str, template: &str) -> Value {
        let schema = &self.operation(method, template)["requestBody"]["content"]["application/json"]
            ["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} documents no request body"
        );
        schema.clone()
    }

    /// Checks a real response against the operation's documented answer; returns its body.
    #[track_caller]
    fn check(&self, method: &str, template: &str, resp: &Resp) -> Value {
        let body: Value = resp.json();
        let schema = self.response_schema(method, template, resp.status);
        self.assert_valid(
            &format!("the answer of {method} {template} ({})", resp.status),
            &schema,
            &body,
        );
        body
    }

    /// Checks a request body against the operation's documented request schema.
    #[track_caller]
    fn check_request(&self, method: &str, template: &str, body: &Value) {
        let schema = self.request_schema(method, template);
        self.assert_valid(
            &format!("the request body of {method} {template}"),
            &schema,
            body,
        );
    }

    /// The schema of the live feed's messages (`GET /api/ws`).
    fn message_schema(&self) -> Value {
        let schema = &self.operation("GET", "/api/ws")["responses"]["101"]["x-message-schema"];
        assert!(schema.is_object(), "the live feed's message schema");
        schema.clone()
    }
}

/// Every `$ref` in `value`.
fn collect_refs<'a>(value: &'a Value, refs: &mut BTreeSet<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        refs.insert(r);
                    }
                    _ => collect_refs(v, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// True for a schema that says nothing about its instance's shape (such as the old
/// `{"type": "object", "description": "..."}` placeholders).
fn is_placeholder(schema: &Value) -> bool {
    const SHAPES: [&str; 11] = [
        "properties",
        "additionalProperties",
        "propertyNames",
        "oneOf",
        "anyOf",
        "allOf",
        "enum",
        "const",
        "$ref",
        "items",
        "prefixItems",
    ];
    let Some(object) = schema.as_object() else {
        return true;
    };
    let shaped = object.keys().any(|k| SHAPES.contains(&k.as_str()));
    match object.get("type") {
        Some(t) if t == "object" || t == "array" => !shaped,
        Some(_) => false,
        None => !shaped,
    }
}

#[tokio::test]
async fn every_ref_resolves_and_no_schema_is_a_placeholder() {
    let h = Harness::new().await;
    let c = Contract::fetch(&h).await;
    let schemas = c.doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas");

    let mut refs = BTreeSet::new();
    collect_refs(&c.doc, &mut refs);
    assert!(refs.len() > 20, "{refs:?}");
    // Doc comments' intra-doc links are plain code in the descriptions.
    let text = c.doc.to_string();
    assert!(
        text.contains("any `ErrorKind`"),
        "a linked description is kept"
    );
    assert!(
        !text.contains("[`"),
        "an intra-doc link is left in a description"
    );
    for r in &refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} does not point into components.schemas"));
        assert!(schemas.contains_key(name), "{r} points at nothing");
    }

    for (name, schema) in schemas {
        assert!(!is_placeholder(schema), "{name} is a placeholder: {schema}");
        assert!(
            !schema.to_string().contains("see the shared crate"),
            "{name}: {schema}"
        );
        // Each is valid JSON Schema (the validator checks it against the 2020-12 meta-schema).
        c.validator(&c.component(name));
    }
    // The old placeholder would be caught.
    assert!(is_placeholder(
        &json!({ "type": "object", "description": "The JSON form of shared::X." })
    ));

    // Every operation: JSON answers have a schema, errors are ErrorBody.
    let error = json!({ "$ref": "#/components/schemas/ErrorBody" });
    let paths = c.doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let responses = op["responses"].as_object().expect("responses");
            for (code, response) in responses {
                if let Some(json) = response["content"].get("application/json")
                    && !(path == "/api/openapi.json" || path.ends_with("/{report}"))
                {
                    assert!(
                        !is_placeholder(&json["schema"]),
                        "{method} {path} {code}: {json}"
                    );
                }
            }
            for code in ["4XX", "5XX"] {
                assert_eq!(
                    responses[code]["content"]["application/json"]["schema"], error,
                    "{method} {path} {code}"
                );
            }
        }
    }
    // The bodies named by the routes, under their Rust names.
    let named = |method: &str, path: &str, code: &str| {
        c.doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
            .clone()
    };
    assert_eq!(
        named("get", "/api/runs/{id}", "200"),
        c.component("RunDetail")
    );
    assert_eq!(
        named("post", "/api/workload/start", "201"),
        c.component("RunCreated")
    );
    assert_eq!(
        named("get", "/api/runs/{id}/series", "200"),
        json!({ "type": "array", "items": c.component("MetricsSnapshot") })
    );
    assert_eq!(
        named("put", "/api/scenarios/{name}", "201"),
        c.component("ScenarioEntry")
    );
    assert_eq!(
        named("put", "/api/scenarios/{name}", "200"),
        c.component("ScenarioEntry")
    );
    assert_eq!(c.message_schema(), c.component("ServerMsg"));
    assert_eq!(
        c.request_schema("PUT", "/api/scenarios/{name}"),
        c.component("Scenario")
    );
    // Query strings are documented field by field.
    let params = c.operation("GET", "/api/runs")["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().expect("a name"))
        .collect::<BTreeSet<_>>();
    assert_eq!(
        params,
        BTreeSet::from(["limit", "offset", "scenario", "status", "test_type"])
    );
}

#[tokio::test]
async fn samples_of_every_wire_type_match_the_schemas() {
    let h = Harness::new().await;
    let c = Contract::fetch(&h).await;
    let messages = samples::messages();
    let mut kinds = BTreeSet::new();
    for msg in &messages {
        let msg = value(msg);
        kinds.insert(msg["type"].as_str().expect("a tag").to_owned());
        c.assert_valid("a sample ServerMsg", &c.message_schema(), &msg);
    }
    assert_eq!(
        kinds.len(),
        8,
        "every kind of message is sampled: {kinds:?}"
    );

    let scenario = value(&samples::scenario());
    c.assert_valid("the sample scenario", &c.component("Scenario"), &scenario);
    c.check_request("PUT", "/api/scenarios/{name}", &scenario);
    c.check_request(
        "POST",
        "/api/workload/start",
        &json!({ "scenario": { "inline": scenario } }),
    );
    let detail = value(&samples::run_detail());
    c.assert_valid(
        "the sample RunDetail",
        &c.response_schema("GET", "/api/runs/{id}", StatusCode::OK),
        &detail,
    );
    c.assert_valid(
        "the sample RunInfo",
        &c.component("RunInfo"),
        &value(&samples::run_info()),
    );
    // A list with a run and a stored run this build cannot read, in its place.
    let listing = json!([
        value(&samples::run_info()),
        { "id": "r-2", "unreadable": "status: unknown value \"paused\"" },
    ]);
    for path in ["/api/runs", "/api/testing/results"] {
        c.assert_valid(
            "a sample run list",
            &c.response_schema("GET", path, StatusCode::OK),
            &listing,
        );
    }
    c.check_request("POST", "/api/workload/stop", &json!({ "now": true }));
    c.assert_valid(
        "the sample snapshot",
        &c.component("MetricsSnapshot"),
        &value(&samples::snapshot(3)),
    );
    c.assert_valid(
        "the sample summary",
        &c.component("RunSummary"),
        &value(&samples::summary()),
    );

    // What serde reads besides what it writes: the other forms of the hand-written types.
    let written = json!({
        "name": "by hand",
        "journeys": [{
            "name": "j",
            "steps": [
                { "request": {
                    "method": "POST",
                    "path": "/api/orders",
                    "body": { "payload": 2048 },
                    "checks": [{ "status": [201] }, { "latency_under": "1.5s" }]
                } },
                { "request": { "path": "/x", "body": { "payload": "10 KiB" } } },
                { "think": { "min": "100ms", "max": " 2 s " } },
                { "think": "250us" }
            ]
        }],
        "load": { "type": "random", "mean_rate": 2, "duration": "1m", "max_users": 3, "seed": null },
        "thresholds": ["p(95) < 200ms", { "expr": "rps > 1", "request": null }],
        "options": { "timeout": ".5s" }
    });
    let read: Scenario = serde_json::from_value(written.clone()).expect("serde reads it");
    c.assert_valid(
        "a scenario in the forms people write",
        &c.component("Scenario"),
        &written,
    );
    c.assert_valid(
        "that scenario as written back",
        &c.component("Scenario"),
        &value(&read),
    );
}

/// A sample as JSON.
fn value<T: Serialize>(sample: &T) -> Value {
    serde_json::to_value(sample).expect("a sample serializes")
}

/// A short run against the demo target with a successful and a failing request (404s count as
/// `http_4xx` errors, so the status and error-kind maps have entries), a think time and
/// thresholds.
fn contract_scenario() -> Value {
    let mut doc = quick_scenario("contract", "GET product", "500ms");
    doc["journeys"]
        .as_array_mut()
        .expect("journeys")
        .push(json!({
            "name": "missing",
            "steps": [
                { "request": { "name": "GET missing", "path": "/api/products/", "checks": [{ "status": [200] }] } },
                { "think": { "min": "1ms", "max": "5ms" } }
            ]
        }));
    doc["thresholds"] = json!([
        "p(95) < 10s",
        { "expr": "error_rate < 1%", "request": "GET missing" }
    ]);
    doc
}

#[tokio::test]
async fn real_responses_match_the_schemas() {
    let h = Harness::new().await;
    let c = Contract::fetch(&h).await;

    // Before any run.
    c.check(
        "GET",
        "/api/workload/status",
        &h.get("/api/workload/status").await,
    );
    c.check(
        "GET",
        "/api/monitoring/metrics",
        &h.get("/api/monitoring/metrics").await,
    );
    c.check(
        "POST",
        "/api/workload/stop",
        &h.post_empty("/api/workload/stop").await,
    );
    c.check("GET", "/health", &h.get("/health").await);
    let presets = c.check("GET", "/api/presets", &h.get("/api/presets").await);
    assert!(!presets.as_array().expect("a list").is_empty());
    c.check(
        "GET",
        "/api/monitoring/resources",
        &h.get("/api/monitoring/resources").await,
    );

    // Scenarios: saved (201, then 200 when replaced), listed, read, validated.
    let scenario = contract_scenario();
    c.check_request("PUT", "/api/scenarios/{name}", &scenario);
    for expected in [StatusCode::CREATED, StatusCode::OK] {
        let resp = h
            .put(
                "/api/scenarios/contract",
                "application/json",
                &scenario.to_string(),
            )
            .await
            .expect_status(expected);
        c.check("PUT", "/api/scenarios/{name}", &resp);
    }
    // The same route documents YAML, with the same schema, and takes it.
    let put = c.operation("PUT", "/api/scenarios/{name}");
    assert_eq!(
        put["requestBody"]["content"]["application/yaml"]["schema"],
        c.component("Scenario")
    );
    let yaml = "name: yaml-put\njourneys: [{ name: j, steps: [{ request: { path: / } }] }]\nload: { type: constant_users, users: 1, duration: 1s }\n";
    let resp = h
        .put("/api/scenarios/yaml-put", "application/yaml", yaml)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        c.check("PUT", "/api/scenarios/{name}", &resp)["name"],
        "yaml-put"
    );
    let save = json!({ "name": "contract2", "scenario": { "text": "name: t\njourneys: [{ name: j, steps: [{ request: { path: / } }] }]\nload: { type: constant_users, users: 1, duration: 1s }\n" } });
    c.check_request("POST", "/api/workload/scenario", &save);
    c.check(
        "POST",
        "/api/workload/scenario",
        &h.post_json("/api/workload/scenario", &save)
            .await
            .expect_status(StatusCode::CREATED),
    );
    c.check("GET", "/api/scenarios", &h.get("/api/scenarios").await);
    c.check(
        "GET",
        "/api/scenarios/{name}",
        &h.get("/api/scenarios/contract").await,
    );
    for body in [
        json!({ "inline": scenario }),
        json!({ "name": "web_app" }),
        json!({ "text": "name: bad\njourneys: []\nload: { type: constant_users, users: 0, duration: 1s }\n" }),
        json!({ "text": "name: x\njourneys: [\n" }),
    ] {
        c.check_request("POST", "/api/scenarios/validate", &body);
        let resp = h
            .post_json("/api/scenarios/validate", &body)
            .await
            .expect_status(StatusCode::OK);
        c.check("POST", "/api/scenarios/validate", &resp);
    }

    // Error bodies: not found, an invalid scenario with its problems, a malformed request.
    let missing = h.get("/api/runs/no-such-run").await;
    missing.error(StatusCode::NOT_FOUND, "not_found");
    c.check("GET", "/api/runs/{id}", &missing);
    let mut bad = scenario.clone();
    bad["load"]["users"] = json!(0);
    let invalid = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": bad } }),
        )
        .await;
    let problems = c.check("POST", "/api/workload/start", &invalid)["problems"].clone();
    assert!(
        !problems.as_array().expect("problems").is_empty(),
        "{problems}"
    );
    c.check(
        "POST",
        "/api/workload/start",
        &h.post_json("/api/workload/start", &json!({ "bogus": 1 }))
            .await,
    );

    // A run: its 201, every feed message, then everything about it.
    let (mut rx, _) = h.runs.subscribe();
    let start = json!({ "scenario": { "inline": scenario }, "test_type": "performance" });
    c.check_request("POST", "/api/workload/start", &start);
    let created = h
        .post_json("/api/workload/start", &start)
        .await
        .expect_status(StatusCode::CREATED);
    let id = c.check("POST", "/api/workload/start", &created)["run_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let run_id = shared::run::RunId(id.clone());
    let messages = collect_until_finished(&mut rx, &run_id).await;
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, ServerMsg::Snapshot { .. })),
        "{messages:?}"
    );
    for msg in &messages {
        let msg = serde_json::to_value(msg).expect("serializes");
        c.assert_valid("a live feed message", &c.message_schema(), &msg);
    }

    let detail = c.check(
        "GET",
        "/api/runs/{id}",
        &h.get(&format!("/api/runs/{id}")).await,
    );
    assert!(detail["summary"].is_object(), "{detail}");
    let series = c.check(
        "GET",
        "/api/runs/{id}/series",
        &h.get(&format!("/api/runs/{id}/series")).await,
    );
    // The run saw 404s: the maps keyed by status code and error kind are not empty.
    let last = series.as_array().and_then(|s| s.last()).expect("snapshots");
    assert!(
        last["total"]["status_counts"]["404"].as_u64() > Some(0),
        "{last}"
    );
    assert!(
        last["total"]["errors_by_kind"]["http_4xx"].as_u64() > Some(0),
        "{last}"
    );
    c.check(
        "GET",
        "/api/runs/{id}/series",
        &h.get(&format!("/api/runs/{id}/series?per_request=false"))
            .await,
    );
    c.check("GET", "/api/runs", &h.get("/api/runs").await);
    c.check(
        "GET",
        "/api/testing/results",
        &h.get("/api/testing/results?test_type=performance&limit=5")
            .await,
    );
    c.check(
        "GET",
        "/api/workload/status",
        &h.get("/api/workload/status").await,
    );
    for path in [
        "/api/monitoring/metrics",
        "/api/monitoring/performance",
        "/api/monitoring/errors",
    ] {
        let resp = h.get(path).await.expect_status(StatusCode::OK);
        c.check("GET", path, &resp);
    }
    // Stopping a finished run is an error, with an ErrorBody.
    c.check(
        "POST",
        "/api/runs/{id}/stop",
        &h.post_empty(&format!("/api/runs/{id}/stop")).await,
    );
}

/// `f` applied to a copy of `value`.
fn with(value: &Value, f: impl FnOnce(&mut Value)) -> Value {
    let mut value = value.clone();
    f(&mut value);
    value
}

#[track_caller]
fn assert_serde_refuses<T: DeserializeOwned>(what: &str, value: &Value) {
    assert!(
        serde_json::from_value::<T>(value.clone()).is_err(),
        "serde reads {what}, which the test expects to be wrong"
    );
}

#[tokio::test]
async fn bodies_serde_refuses_are_refused_by_the_schemas() {
    let h = Harness::new().await;
    let c = Contract::fetch(&h).await;
    let detail_schema = c.response_schema("GET", "/api/runs/{id}", StatusCode::OK);
    let detail = serde_json::to_value(samples::run_detail()).expect("serializes");
    assert!(c.errors(&detail_schema, &detail).is_empty());

    let wrong_details = [
        (
            "a duration_ms that is a string",
            with(&detail, |d| d["duration_ms"] = json!("soon")),
        ),
        (
            "a missing id",
            with(&detail, |d| {
                d.as_object_mut().map(|o| o.remove("id"));
            }),
        ),
        (
            "an unknown status",
            with(&detail, |d| d["status"] = json!("exploded")),
        ),
        (
            "an unknown load type",
            with(&detail, |d| {
                d["scenario_doc"]["load"] =
                    json!({ "type": "constant_vus", "users": 1, "duration": "1s" });
            }),
        ),
        (
            "a field another load type takes",
            with(&detail, |d| {
                d["scenario_doc"]["load"] =
                    json!({ "type": "constant_users", "users": 1, "duration": "1s", "rate": 5 });
            }),
        ),
        (
            "a load without its duration",
            with(&detail, |d| {
                d["scenario_doc"]["load"] = json!({ "type": "constant_users", "users": 1 });
            }),
        ),
        (
            "a timeout without a unit",
            with(&detail, |d| {
                d["scenario_doc"]["options"]["timeout"] = json!("30");
            }),
        ),
        (
            "a think time with an unknown field",
            with(&detail, |d| {
                d["scenario_doc"]["journeys"][0]["steps"] =
                    json!([{ "think": { "min": "1s", "max": "2s", "mean": "1s" } }]);
            }),
        ),
        (
            "a status code key that is not a number",
            with(&detail, |d| {
                d["summary"]["total"]["status_counts"] = json!({ "ok": 1 });
            }),
        ),
        (
            "an unknown error kind",
            with(&detail, |d| {
                d["summary"]["total"]["errors_by_kind"] = json!({ "gremlins": 1 });
            }),
        ),
    ];
    for (what, wrong) in &wrong_details {
        assert_serde_refuses::<RunDetail>(what, wrong);
        assert!(
            !c.errors(&detail_schema, wrong).is_empty(),
            "the schema accepts a RunDetail with {what}"
        );
    }

    // A snapshot with a wrong field type, and a live-feed message with one.
    let snapshot = serde_json::to_value(samples::snapshot(1)).expect("serializes");
    let wrong = with(&snapshot, |s| s["active_users"] = json!(-1));
    assert_serde_refuses::<MetricsSnapshot>("a negative count", &wrong);
    assert!(!c.errors(&c.component("MetricsSnapshot"), &wrong).is_empty());
    let hello = json!({ "type": "hello", "protocol": "1" });
    assert_serde_refuses::<ServerMsg>("a protocol that is a string", &hello);
    assert!(!c.errors(&c.message_schema(), &hello).is_empty());
}

/// The `{name}` of `/api/scenarios/{name}` as documented (a pattern) and as the server judges
/// it: a name the pattern refuses is refused with a 400, and one it accepts is saved, but for
/// names of only dots, which the parameter's description names as the one exception.
#[tokio::test]
async fn the_scenario_name_parameter_is_documented_as_the_server_judges_it() {
    let h = Harness::new().await;
    let contract = Contract::fetch(&h).await;
    let parameters = &contract.operation("PUT", "/api/scenarios/{name}")["parameters"];
    let schema = parameters
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "name"))
        .map(|p| p["schema"].clone())
        .expect("the name parameter");
    assert!(
        schema["description"]
            .as_str()
            .is_some_and(|d| d.contains("not only dots")),
        "{schema}"
    );
    let doc = quick_scenario("named", "GET /api/products/3", "1s").to_string();
    let long = "n".repeat(128);
    let too_long = "n".repeat(129);
    // (name as written in the URL path, the name itself)
    let names = [
        ("checkout", "checkout"),
        ("a.b-c_1", "a.b-c_1"),
        (long.as_str(), long.as_str()),
        (too_long.as_str(), too_long.as_str()),
        ("caf%C3%A9", "café"),
        ("a%20b", "a b"),
        ("a%2Fb", "a/b"),
        ("...", "..."),
    ];
    for (in_path, name) in names {
        let documented = contract.errors(&schema, &json!(name)).is_empty();
        let only_dots = name.chars().all(|c| c == '.');
        let status = h
            .put(
                &format!("/api/scenarios/{in_path}"),
                "application/json",
                &doc,
            )
            .await
            .status;
        if documented && !only_dots {
            assert!(status.is_success(), "{name:?}: {status}");
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}");
        }
    }
}
