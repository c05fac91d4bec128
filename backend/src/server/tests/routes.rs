//! The route table against the router and the OpenAPI document; request validation; saved
//! scenarios and presets; everything that needs no run.

mod openapi;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use shared::api::{ErrorBody, HostResources, Preset, ScenarioCheck, ScenarioEntry};
use shared::metrics::ErrorKind;

use super::{DemoConfig, Harness, quick_scenario};
use crate::server::ROUTES;

/// A concrete path for a route template.
fn sample_path(template: &str) -> String {
    template
        .replace("{id}", "no-such-run")
        .replace("{name}", "sample")
        .replace("{report}", "report.json")
}

#[tokio::test]
async fn every_route_is_served_and_documented() {
    let h = Harness::new().await;

    // The fallbacks are recognisable, so "not the fallback" below means something: unknown API
    // paths (and non-GET requests) get a JSON 404, other GETs go to the web UI.
    let nope = h.get("/api/nope").await;
    assert!(nope.is_fallback(), "{nope:?}");
    let ui = h.get("/surely/not/a/route").await;
    let is_ui = |r: &super::Resp| r.status == ui.status && r.body == ui.body;
    // HEAD on a page gets the GET's status and headers, without the body.
    let head = h
        .request(Method::HEAD, "/surely/not/a/route", None, Body::empty())
        .await;
    assert_eq!(head.status, ui.status);
    assert_eq!(head.content_type(), ui.content_type());
    assert!(head.body.is_empty(), "{head:?}");
    assert_eq!(
        head.headers[axum::http::header::CONTENT_LENGTH],
        ui.body.len().to_string().as_str()
    );

    let mut seen = BTreeSet::new();
    for route in ROUTES.iter() {
        assert!(
            seen.insert((route.method, route.path)),
            "{} {} is registered twice",
            route.method,
            route.path
        );
        let method = Method::from_bytes(route.method.as_bytes()).expect("a valid method");
        let path = sample_path(route.path);
        let resp = h
            .request(method, &path, Some("application/json"), Body::empty())
            .await;
        assert!(
            !resp.is_fallback() && !is_ui(&resp),
            "{} {} ({path}) fell through to the fallback: {}",
            route.method,
            route.path,
            String::from_utf8_lossy(&resp.body)
        );
        assert_ne!(
            resp.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {path}",
            route.method
        );
    }

    let doc = h
        .get("/api/openapi.json")
        .await
        .expect_status(StatusCode::OK);
    assert!(doc.content_type().starts_with("application/json"));
    let doc: Value = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("`paths` is an object");
    for route in ROUTES.iter() {
        let method = route.method.to_ascii_lowercase();
        let op = &paths
            .get(route.path)
            .unwrap_or_else(|| panic!("{} is not documented", route.path))[&method];
        assert!(
            op.is_object(),
            "{} {} is not documented",
            route.method,
            route.path
        );
        assert_eq!(op["summary"], route.summary);
        // Path parameters are declared.
        for name in route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let params = op["parameters"].as_array().expect("parameters");
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path"),
                "{} {}: parameter {name} undeclared",
                route.method,
                route.path
            );
        }
    }
    let methods = ["get", "post", "put", "delete", "patch", "head", "options"];
    let mut operations = 0;
    for (path, item) in paths {
        for key in item.as_object().expect("a path item").keys() {
            assert!(methods.contains(&key.as_str()), "{path}: {key}");
            operations += 1;
        }
    }
    assert_eq!(
        operations,
        ROUTES.len(),
        "the document has operations the route table does not"
    );
}

#[tokio::test]
async fn health_and_unknown_paths() {
    let h = Harness::new().await;
    let health = h.get("/health").await.expect_status(StatusCode::OK);
    assert_eq!(health.json::<Value>(), json!({ "status": "ok" }));

    for path in ["/api/nope", "/api/runs/x/y/z", "/api"] {
        let err = h.get(path).await.error(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(err.detail, format!("no route for GET {path}"));
    }
    // Outside /api, only GET falls through to the web UI; other methods are JSON 404s.
    let err = h
        .post_empty("/nope")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(err.detail, "no route for POST /nope");
}

/// One rule for query parameters on every API route: one the route does not take is a 400
/// naming it (routes without a query ignored every parameter, so `/api/scenarios?x=1` was a 200
/// while `/api/runs?x=1` was a 400), and the cache-buster `_` is taken and ignored everywhere
/// (`/api/runs?_=123` was a 400). `/metrics` and `/health` read no query and refuse none.
#[tokio::test]
async fn query_parameters_follow_one_rule_on_every_route() {
    let h = Harness::new().await;
    for route in ROUTES.iter() {
        let method = Method::from_bytes(route.method.as_bytes()).expect("a valid method");
        let path = sample_path(route.path);
        let send = |query: &'static str| {
            let uri = format!("{path}?{query}");
            let method = method.clone();
            let h = &h;
            async move {
                h.request(method, &uri, Some("application/json"), Body::empty())
                    .await
            }
        };
        let unknown = send("bogus=1").await;
        if route.path.starts_with("/api/") {
            let err = unknown.error(StatusCode::BAD_REQUEST, "bad_request");
            assert!(
                err.detail.starts_with("query parameter bogus: "),
                "{} {path}: {err:?}",
                route.method
            );
        } else {
            assert_eq!(unknown.status, StatusCode::OK, "{} {path}", route.method);
        }
        for query in ["_=1700000000000", "_=1&_=2", "_"] {
            let busted = send(query).await;
            let said = serde_json::from_slice::<ErrorBody>(&busted.body)
                .map(|e| e.detail)
                .unwrap_or_default();
            assert!(
                !said.contains("query parameter"),
                "{} {path}?{query}: {said}",
                route.method
            );
        }
    }
    // The cache-buster next to parameters the route takes, and their errors as before.
    h.get("/api/runs?_=1&limit=1&_=2")
        .await
        .expect_status(StatusCode::OK);
    let err = h
        .get("/api/runs?_=1&limit=x")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(
        err.detail,
        r#"query parameter limit="x": expected a whole number"#
    );
    let err = h
        .get("/api/scenarios?x=1")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(
        err.detail,
        "query parameter x: GET /api/scenarios takes no query parameters"
    );
    h.get("/api/scenarios?_=123")
        .await
        .expect_status(StatusCode::OK);
    // A Prometheus job's `params:` reach /metrics.
    h.get("/metrics?module=http&target=a")
        .await
        .expect_status(StatusCode::OK);
}

/// A path parameter whose percent-escapes are not UTF-8 (`%FF`) is the API's JSON 400 naming
/// the parameter, on every route that has one, not axum's plain-text rejection.
#[tokio::test]
async fn path_parameters_that_are_not_utf8_are_json_errors() {
    let h = Harness::new().await;
    let doc = quick_scenario("named", "GET /api/products/3", "1s").to_string();
    for (method, uri, parameter) in [
        (Method::GET, "/api/runs/%FF", "id"),
        (Method::DELETE, "/api/runs/%FF", "id"),
        (Method::POST, "/api/runs/%FF/stop", "id"),
        (Method::GET, "/api/runs/%FF/series", "id"),
        (Method::GET, "/api/runs/%FF/report.json", "id"),
        (Method::GET, "/api/runs/x/report%FF", "report"),
        (Method::GET, "/api/runs/%FF/compare/x", "baseline"),
        (
            Method::GET,
            "/api/runs/x/compare/%FF/report.junit.xml",
            "candidate",
        ),
        (Method::GET, "/api/scenarios/%FF", "name"),
        (Method::PUT, "/api/scenarios/%FF", "name"),
        (Method::DELETE, "/api/scenarios/%FF", "name"),
    ] {
        let resp = h
            .request(method.clone(), uri, Some("application/json"), doc.clone())
            .await;
        let err = resp.error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(
            err.detail.contains(&format!("path parameter {parameter}")),
            "{method} {uri}: {err:?}"
        );
    }
}

#[tokio::test]
async fn start_requests_are_validated() {
    let h = Harness::new().await;

    // A semantically invalid inline scenario: 422 with field paths.
    let mut bad = quick_scenario("bad_inline", "GET product", "1s");
    bad["load"]["users"] = json!(0);
    bad["journeys"][0]["steps"][0]["request"]["path"] = json!("no-slash");
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": bad } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"load.users"), "{err:?}");
    assert!(
        paths.contains(&"journeys[0].steps[0].request.path"),
        "{err:?}"
    );
    assert!(
        err.problems.iter().all(|p| p.line.is_none()),
        "inline documents have no positions: {err:?}"
    );

    // A list where a mapping belongs is refused with its path, not read as the fields in order
    // (serde's derive would take `["5s", "1s"]` as a timeout and a graceful stop).
    let mut listed = quick_scenario("listed_inline", "GET product", "1s");
    listed["options"] = json!(["5s", "1s"]);
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": listed } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems.len(), 1, "{err:?}");
    assert_eq!(err.problems[0].path, "options", "{err:?}");
    assert!(
        err.problems[0]
            .message
            .starts_with("invalid type: sequence, expected a JSON object of fields"),
        "{err:?}"
    );
    // Every type error of an inline document at once, as for a document sent as text.
    let mut twice = quick_scenario("twice_inline", "GET product", "1s");
    twice["options"] = json!(["5s", "1s"]);
    twice["load"]["users"] = json!("five");
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": twice } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["load.users", "options"], "{err:?}");
    assert!(
        err.problems
            .iter()
            .all(|p| p.line.is_none() && p.message.ends_with("of the body")),
        "placed in the body, not as lines of a text: {err:?}"
    );
    // The same in the request's own fields.
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "name": "web_app" }, "overrides": ["2s"] }),
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        err.detail
            .starts_with("invalid JSON body: overrides: invalid type: sequence"),
        "{err:?}"
    );

    // The same mistake as text: the problem carries its line and column.
    let text = "name: bad_text\n\
                journeys:\n  \
                  - name: j\n    \
                    steps:\n      \
                      - request: { method: GET, path: /api/products/3 }\n\
                load:\n  \
                  type: constant_users\n  \
                  users: 0\n  \
                  duration: 1s\n";
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "text": text } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let users = err
        .problems
        .iter()
        .find(|p| p.path == "load.users")
        .unwrap_or_else(|| panic!("no load.users problem: {err:?}"));
    assert_eq!(users.line, Some(8), "{users:?}");
    assert_eq!(users.column, Some(10), "at the value: {users:?}");

    // A text syntax error is positioned too.
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "text": "name: x\njourneys: [\n  {name: j\n" } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert!(
        err.problems.iter().any(|p| p.line.is_some()),
        "syntax errors carry a position: {err:?}"
    );

    // Malformed JSON: 400 naming the position.
    let err = h
        .post_raw(
            "/api/workload/start",
            r#"{"scenario": {"name": "web_app"},"#,
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("line 1 column"), "{err:?}");
    let err = h
        .post_raw("/api/workload/start", "{\n  \"scenario\": nope\n}")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("line 2 column"), "{err:?}");

    // No body at all.
    let err = h
        .post_empty("/api/workload/start")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("JSON body"), "{err:?}");

    // Unknown fields are refused, with their name.
    for body in [
        json!({ "scenario": { "name": "web_app" }, "bogus": 1 }),
        json!({ "scenario": { "name": "web_app" }, "overrides": { "userz": 3 } }),
    ] {
        let err = h
            .post_json("/api/workload/start", &body)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(err.detail.contains("unknown field"), "{err:?}");
    }

    // An override the profile cannot take is a scenario problem.
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("q", "r", "1s") }, "overrides": { "rate": 5 } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems[0].path, "overrides.rate", "{err:?}");
    assert!(
        err.problems[0].message.contains("use overrides.users"),
        "{err:?}"
    );

    // Unknown preset or saved scenario.
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "name": "no_such_preset" } }),
        )
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    assert!(err.detail.contains("no_such_preset"), "{err:?}");
    h.post_json(
        "/api/runs",
        &json!({ "scenario": { "name": "no_such_preset" } }),
    )
    .await
    .error(StatusCode::NOT_FOUND, "not_found");

    // The test-type endpoints validate the same way.
    let err = h
        .post_json(
            "/api/testing/stress",
            &json!({ "scenario": { "name": "web_app" }, "users": 10, "max_users": 5 }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems.len(), 1, "{err:?}");
    assert_eq!(err.problems[0].path, "max_users");
    h.post_json(
        "/api/testing/scalability",
        &json!({ "scenario": { "name": "web_app" }, "users": 10, "max_users": 5 }),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let err = h
        .post_json(
            "/api/testing/performance",
            &json!({ "scenario": { "name": "web_app" }, "duration": "0s" }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems[0].path, "duration", "{err:?}");
    let err = h
        .post_json(
            "/api/testing/performance",
            &json!({ "scenario": { "name": "web_app" }, "userz": 2 }),
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("unknown field"), "{err:?}");
    h.post_empty("/api/testing/performance")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");

    // Nothing was started by any of this.
    h.post_empty("/api/workload/stop")
        .await
        .error(StatusCode::CONFLICT, "conflict");
    let status: Value = h
        .get("/api/workload/status")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(status, json!({}));
    let runs: Vec<Value> = h.get("/api/runs").await.json();
    assert!(
        runs.iter()
            .all(|r| r["status"] != "pending" && r["status"] != "running"),
        "{runs:?}"
    );
}

#[tokio::test]
async fn saved_scenarios_crud() {
    let h = Harness::new().await;
    let doc = quick_scenario("quick", "GET product", "500ms");

    let put = h
        .put("/api/scenarios/quick", "application/json", &doc.to_string())
        .await
        .expect_status(StatusCode::CREATED);
    let entry: ScenarioEntry = put.json();
    assert_eq!(entry.name, "quick");
    assert_eq!(entry.scenario.name, "quick");
    assert!(entry.updated_at_ms > 0);
    h.put("/api/scenarios/quick", "application/json", &doc.to_string())
        .await
        .expect_status(StatusCode::OK);

    // A preset's name is taken: a scenario saved under it would replace the preset for
    // start-by-name. The preset still starts by its name.
    for resp in [
        h.put(
            "/api/scenarios/web_app",
            "application/json",
            &doc.to_string(),
        )
        .await,
        h.post_json(
            "/api/workload/scenario",
            &json!({ "name": "web_app", "scenario": { "inline": doc } }),
        )
        .await,
    ] {
        let err = resp.error(StatusCode::CONFLICT, "conflict");
        assert!(err.detail.contains("built-in preset"), "{err:?}");
    }
    h.get("/api/scenarios/web_app")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // `/api/scenarios/validate` is a route of its own: a scenario saved as "validate" was
    // listed but answered 405 to GET and DELETE, so it could never be read or removed. The
    // name is refused, given or taken from the document.
    let named_validate = {
        let mut doc = doc.clone();
        doc["name"] = json!("validate");
        doc
    };
    for body in [
        json!({ "name": "validate", "scenario": { "inline": doc } }),
        json!({ "scenario": { "inline": named_validate } }),
    ] {
        let err = h
            .post_json("/api/workload/scenario", &body)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(
            err.detail
                .contains("\"validate\" is not a valid scenario name")
                && err.detail.contains("route"),
            "{err:?}"
        );
    }
    let names: Vec<String> = h
        .get("/api/scenarios")
        .await
        .json::<Vec<ScenarioEntry>>()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(!names.iter().any(|n| n == "validate"), "{names:?}");

    // Without "name", the document's own name is the one refused: the answer says so and how
    // to give another (it read as if the sender had given a bad name).
    for (own, status, kind) in [
        ("my checkout flow", StatusCode::BAD_REQUEST, "bad_request"),
        ("web_app", StatusCode::CONFLICT, "conflict"),
    ] {
        let mut named = doc.clone();
        named["name"] = json!(own);
        let err = h
            .post_json(
                "/api/workload/scenario",
                &json!({ "scenario": { "inline": named } }),
            )
            .await
            .error(status, kind);
        assert!(
            err.detail.contains("its own name") && err.detail.contains("give \"name\""),
            "{own}: {err:?}"
        );
        let err = h
            .post_json(
                "/api/workload/scenario",
                &json!({ "name": own, "scenario": { "inline": doc } }),
            )
            .await
            .error(status, kind);
        assert!(!err.detail.contains("its own name"), "{own}: {err:?}");
    }

    // YAML with a YAML content type; saved under the URL's name, not the document's.
    let yaml = "name: from_yaml\n\
                journeys:\n  \
                  - name: j\n    \
                    steps:\n      \
                      - request: { method: GET, path: /api/products/3 }\n\
                load: { type: constant_users, users: 1, duration: 1s }\n";
    let entry: ScenarioEntry = h
        .put("/api/scenarios/yamly", "application/yaml", yaml)
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(entry.name, "yamly");
    assert_eq!(entry.scenario.name, "from_yaml");
    // YAML under a JSON content type is not JSON.
    h.put("/api/scenarios/yamly", "application/json", yaml)
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");

    // Invalid YAML: 422 with line and column.
    let err = h
        .put(
            "/api/scenarios/broken",
            "application/yaml",
            "name: broken\njourneys:\n  - name: j\n    steps: [\n",
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert!(
        err.problems
            .iter()
            .any(|p| p.line.is_some() && p.column.is_some()),
        "{err:?}"
    );
    // Semantically invalid YAML: the problem is located in the text.
    let err = h
        .put(
            "/api/scenarios/broken",
            "application/x-yaml",
            &yaml.replace("users: 1", "users: 0"),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let p = err
        .problems
        .iter()
        .find(|p| p.path == "load.users")
        .unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(p.line, Some(6), "{p:?}");
    h.get("/api/scenarios/broken")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // Bad names.
    for name in ["a%20b", "a%22b", "%C3%A9t%C3%A9"] {
        let err = h
            .put(
                &format!("/api/scenarios/{name}"),
                "application/json",
                &doc.to_string(),
            )
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(err.detail.contains("not a valid scenario name"), "{err:?}");
        assert!(
            err.detail.contains("ASCII letter"),
            "states the rule: {err:?}"
        );
    }
    // Names that are only dots would be saved but never fetched again: a client resolves
    // `/api/scenarios/..` to `/api`. Sent encoded, they reach the handler and are refused.
    for name in ["%2E", "%2E%2E", ".%2E"] {
        let err = h
            .put(
                &format!("/api/scenarios/{name}"),
                "application/json",
                &doc.to_string(),
            )
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(err.detail.contains("only dots"), "{name}: {err:?}");
    }
    for name in [".", ".."] {
        let err = h
            .post_json(
                "/api/workload/scenario",
                &json!({ "name": name, "scenario": { "inline": doc } }),
            )
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert_eq!(
            err.detail,
            format!(
                "\"{name}\" is not a valid scenario name: it is only dots; a scenario name is 1 \
                 to 128 characters, each an ASCII letter, digit, '-', '_' or '.', and not only \
                 dots (\".\" and \"..\" do not survive in a URL path)"
            )
        );
    }
    let long = "x".repeat(129);
    h.put(
        &format!("/api/scenarios/{long}"),
        "application/json",
        &doc.to_string(),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "bad_request");

    // Listing and fetching.
    let list: Vec<ScenarioEntry> = h
        .get("/api/scenarios")
        .await
        .expect_status(StatusCode::OK)
        .json();
    let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["quick", "yamly"]);
    let one: ScenarioEntry = h
        .get("/api/scenarios/yamly")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(one.scenario.name, "from_yaml");

    // Deleting: 204, as documented.
    h.delete("/api/scenarios/quick")
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let openapi: Value = h.get("/api/openapi.json").await.json();
    let responses = &openapi["paths"]["/api/scenarios/{name}"]["delete"]["responses"];
    assert!(responses["204"].is_object(), "{responses}");
    assert!(responses["200"].is_null(), "{responses}");
    h.get("/api/scenarios/quick")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    h.delete("/api/scenarios/quick")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // POST /api/workload/scenario: inline (under its own name, or the one given) or text.
    let entry: ScenarioEntry = h
        .post_json(
            "/api/workload/scenario",
            &json!({ "scenario": { "inline": doc } }),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(entry.name, "quick");
    h.post_json(
        "/api/workload/scenario",
        &json!({ "scenario": { "inline": doc } }),
    )
    .await
    .expect_status(StatusCode::OK);
    let entry: ScenarioEntry = h
        .post_json(
            "/api/workload/scenario",
            &json!({ "name": "renamed", "scenario": { "text": yaml } }),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(
        (entry.name.as_str(), entry.scenario.name.as_str()),
        ("renamed", "from_yaml")
    );
    h.get("/api/scenarios/renamed")
        .await
        .expect_status(StatusCode::OK);
    let err = h
        .post_json(
            "/api/workload/scenario",
            &json!({ "scenario": { "name": "web_app" } }),
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("web_app"), "{err:?}");
    h.post_json(
        "/api/workload/scenario",
        &json!({ "name": "a b", "scenario": { "inline": doc } }),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "bad_request");
    let err = h
        .post_json(
            "/api/workload/scenario",
            &json!({ "scenario": { "text": yaml.replace("users: 1", "users: 0") } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert!(
        err.problems
            .iter()
            .any(|p| p.path == "load.users" && p.line == Some(6)),
        "{err:?}"
    );

    // A saved scenario can be started by name.
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "name": "quick" } }),
        )
        .await;
    let summary = super::wait_finished(&mut rx, &id).await;
    assert_eq!(summary.scenario, "quick");
    assert!(summary.total.requests > 0, "{summary:?}");
}

#[tokio::test]
async fn presets_aim_at_the_demo_target() {
    let h = Harness::new().await;
    let presets: Vec<Preset> = h
        .get("/api/presets")
        .await
        .expect_status(StatusCode::OK)
        .json();
    for name in ["web_app", "api_load"] {
        let p = presets
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("preset {name} missing"));
        assert_eq!(p.scenario.target.as_deref(), Some(h.demo.url().as_str()));
        assert!(p.description.is_some(), "{name}");
    }
    assert!(
        presets
            .iter()
            .all(|p| p.scenario.target.as_deref() == Some(h.demo.url().as_str()))
    );
}

/// Without the demo target (`--no-demo-target`), presets aim at `CLOUD_API_URL`, in the list
/// and when started by name; they named the demo target's default address, where nothing ran.
#[tokio::test]
async fn without_the_demo_target_presets_aim_at_cloud_api_url() {
    // The in-process demo target stands in for the platform at CLOUD_API_URL.
    let h = Harness::configured(DemoConfig::instant(), |c| {
        c.cloud_api_url = c.demo_target_url.take();
    })
    .await;
    let url = h.demo.url();
    let presets: Vec<Preset> = h
        .get("/api/presets")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(!presets.is_empty());
    for p in &presets {
        assert_eq!(
            p.scenario.target.as_deref(),
            Some(url.as_str()),
            "{}",
            p.name
        );
    }
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "name": "web_app" }, "overrides": { "duration": "1s" } }),
        )
        .await;
    let summary = super::wait_finished(&mut rx, &id).await;
    assert!(summary.total.requests > 0, "{summary:?}");
    assert_eq!(
        summary.total.errors_by_kind.get(&ErrorKind::ConnectRefused),
        None,
        "{summary:?}"
    );
}

#[tokio::test]
async fn monitoring_and_metrics_before_any_run() {
    let h = Harness::new().await;
    for path in [
        "/api/monitoring/metrics",
        "/api/monitoring/performance",
        "/api/monitoring/errors",
    ] {
        let err = h.get(path).await.error(StatusCode::NOT_FOUND, "not_found");
        assert!(err.detail.contains("no run"), "{path}: {err:?}");
    }

    let res: HostResources = h
        .get("/api/monitoring/resources")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(res.cores >= 1, "{res:?}");
    assert!(
        res.cpu_percent
            .is_none_or(|cpu| cpu.is_finite() && (0.0..=100.0).contains(&cpu)),
        "{res:?}"
    );
    if cfg!(target_os = "linux") {
        assert!(res.memory_total_bytes.is_some_and(|m| m > 0), "{res:?}");
        assert!(
            res.memory_available_bytes <= res.memory_total_bytes,
            "{res:?}"
        );
        assert!(res.process_rss_bytes.is_some_and(|m| m > 0), "{res:?}");
        assert!(res.net_rx_bytes.is_some(), "{res:?}");
    }

    let metrics = h.get("/metrics").await.expect_status(StatusCode::OK);
    assert!(
        metrics
            .content_type()
            .starts_with("text/plain; version=0.0.4"),
        "{}",
        metrics.content_type()
    );
    assert!(
        metrics.text().lines().any(|l| l == "stampede_up 1"),
        "{}",
        metrics.text()
    );
    assert!(
        !metrics.text().contains("stampede_run_info"),
        "{}",
        metrics.text()
    );

    // With nothing run, the workload status is empty and stop has nothing to stop.
    let status: Value = h.get("/api/workload/status").await.json();
    assert_eq!(status, json!({}));
    let err: ErrorBody = h
        .post_empty("/api/workload/stop")
        .await
        .error(StatusCode::CONFLICT, "conflict");
    assert!(err.run_id.is_none(), "{err:?}");
}

#[tokio::test]
async fn scenario_validate_endpoint() {
    let h = Harness::new().await;
    let check = |body: Value| {
        let h = &h;
        async move {
            h.post_json("/api/scenarios/validate", &body)
                .await
                .expect_status(StatusCode::OK)
                .json::<ScenarioCheck>()
        }
    };

    // A valid document comes back with its YAML, which reads back to the same document.
    let doc = quick_scenario("quick", "GET product", "500ms");
    let ok = check(json!({ "inline": doc })).await;
    assert!(ok.valid, "{ok:?}");
    assert!(ok.problems.is_empty());
    let yaml = ok.yaml.clone().expect("YAML for a readable document");
    assert!(yaml.contains("quick"), "{yaml}");
    let again = check(json!({ "text": yaml })).await;
    assert!(again.valid, "{again:?}");
    assert_eq!(again.scenario, ok.scenario, "the YAML round-trips");

    // Invalid but readable: the document and its located problems.
    let text = "name: bad\n\
                journeys:\n  \
                  - name: j\n    \
                    steps:\n      \
                      - request: { method: GET, path: /api/products/3 }\n\
                load: { type: constant_users, users: 0, duration: 1s }\n";
    let bad = check(json!({ "text": text })).await;
    assert!(!bad.valid);
    assert!(bad.scenario.is_some());
    assert!(
        bad.problems
            .iter()
            .any(|p| p.path == "load.users" && p.line == Some(6)),
        "{bad:?}"
    );

    // Unreadable for several reasons: every one of them at once, each at its line, as the
    // panel's text view shows them.
    let text = "name: bad\n\
                journeys:\n  \
                  - name: j\n    \
                    steps:\n      \
                      - request: { method: GETT, path: /a }\n      \
                      - request: { method: GET, path: /b, bogus: 1 }\n\
                load: { type: constant_users, users: many, duration: 1s }\n";
    let unread = check(json!({ "text": text })).await;
    assert!(!unread.valid && unread.scenario.is_none(), "{unread:?}");
    let placed: Vec<(&str, Option<u64>)> = unread
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.line))
        .collect();
    assert_eq!(
        placed,
        [
            ("journeys[0].steps[0].request.method", Some(5)),
            ("journeys[0].steps[1].request.bogus", Some(6)),
            ("load.users", Some(7)),
        ],
        "{unread:?}"
    );

    // Unreadable: problems only.
    let broken = check(json!({ "text": "name: x\njourneys: [\n" })).await;
    assert!(!broken.valid);
    assert!(
        broken.scenario.is_none() && broken.yaml.is_none(),
        "{broken:?}"
    );
    assert!(
        broken.problems.iter().any(|p| p.line.is_some()),
        "{broken:?}"
    );

    // By name: presets resolve, aimed at the demo target.
    let preset = check(json!({ "name": "web_app" })).await;
    assert!(preset.valid, "{preset:?}");
    assert_eq!(preset.scenario.and_then(|s| s.target), Some(h.demo.url()));
    h.post_json("/api/scenarios/validate", &json!({ "name": "no_such" }))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // Malformed requests.
    h.post_empty("/api/scenarios/validate")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    h.post_json("/api/scenarios/validate", &json!({ "bogus": 1 }))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    // No form, or two: the answer lists the forms, as it does for `scenario` in a start. It
    // said "expected a JSON value here (NaN, Infinity and bare words are not JSON)".
    for body in [
        json!({}),
        json!({ "name": "web_app", "text": "name: x" }),
        json!({ "inline": quick_scenario("q", "r", "1s"), "text": "name: x" }),
    ] {
        let err = h
            .post_json("/api/scenarios/validate", &body)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(
            err.detail.contains("expected exactly one of {\"name\": …}")
                && !err.detail.contains("NaN"),
            "{body}: {err:?}"
        );
    }
    // Nothing was saved.
    let saved: Vec<ScenarioEntry> = h.get("/api/scenarios").await.json();
    assert!(saved.is_empty(), "{saved:?}");
}

/// A document sent inline whose values have the wrong type gets the verdict, as the same
/// document sent as text does: 200, not valid, every problem with its field path. It was a
/// 400 naming only the first, although the endpoint answers a scenario's problems with 200.
#[tokio::test]
async fn validate_reads_an_inline_document_as_it_reads_text() {
    let h = Harness::new().await;
    let doc = json!({
        "name": "x",
        "journeys": [{ "name": "j", "weight": "heavy", "steps": [] }],
        "load": { "type": "constant_users", "users": "5", "duration": "1s" }
    });
    let mut paths = Vec::new();
    for body in [json!({ "text": doc.to_string() }), json!({ "inline": doc })] {
        let check: ScenarioCheck = h
            .post_json("/api/scenarios/validate", &body)
            .await
            .expect_status(StatusCode::OK)
            .json();
        assert!(!check.valid && check.scenario.is_none(), "{check:?}");
        paths.push(
            check
                .problems
                .iter()
                .map(|p| p.path.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(paths[0], ["journeys[0].weight", "load.users"], "{paths:?}");
    assert_eq!(paths[1], paths[0], "inline as text");
    // Not a scenario document's problem: still a malformed request.
    h.post_raw("/api/scenarios/validate", r#"{"text": 5}"#)
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
}

/// A key twice in one object of a JSON body or of a check's expected value is refused, in an
/// inline document as in text: serde_json kept the last one, so the request went out without
/// the first and the check compared with half of what was written, and nothing said so.
#[tokio::test]
async fn a_key_twice_in_a_json_value_is_refused() {
    let h = Harness::new().await;
    let doc = |request: &str| {
        format!(
            r#"{{"name": "x", "target": "http://127.0.0.1:1", "journeys": [{{"name": "j", "steps": [{{"request": {{"method": "POST", "path": "/", {request}}}}}]}}],
            "load": {{"type": "constant_users", "users": 1, "duration": "1s"}}}}"#
        )
    };
    for (request, path, key) in [
        (
            r#""body": {"json": {"a": 1, "b": [{"c": {"d": 1, "d": 2}}], "a": 3}}"#,
            "journeys[0].steps[0].request.body.json.b[0].c",
            "d",
        ),
        (
            r#""checks": [{"json": {"pointer": "/a", "equals": {"a": 1, "a": 1}}}]"#,
            "journeys[0].steps[0].request.checks[0].json.equals",
            "a",
        ),
    ] {
        let doc = doc(request);
        for body in [
            format!(r#"{{"inline": {doc}}}"#),
            json!({ "text": doc }).to_string(),
        ] {
            let check: ScenarioCheck = h
                .post_raw("/api/scenarios/validate", &body)
                .await
                .expect_status(StatusCode::OK)
                .json();
            assert!(!check.valid && check.scenario.is_none(), "{check:?}");
            let first = check.problems.first().expect("a problem");
            assert_eq!(first.path, path, "{body}: {check:?}");
            assert!(
                first.message.starts_with(&format!(
                    "duplicate key \"{key}\" (each key may appear once per mapping)"
                )),
                "{body}: {check:?}"
            );
        }
    }
}

/// A problem's column in scenario text counts characters, in JSON as in YAML, sent to be
/// checked or to be run (the panel puts its cursor by it): where serde_json placed a problem,
/// the column counted bytes, so each "é" before it on its line moved it on by one and each
/// "日" by two.
#[tokio::test]
async fn columns_in_scenario_text_count_characters() {
    let h = Harness::new().await;
    let load = r#""load": {"type": "constant_users", "users": 1, "duration": "1s"}"#;
    for (text, at) in [
        // A syntax error, and a repeated key, where serde_json stopped.
        (r#"{"name": "日本", "journeys": [}"#.to_owned(), (1, 29)),
        (
            format!(
                r#"{{"name": "é", "headers": {{"a": "b", "a": "c"}}, "journeys": [], {load}}}"#
            ),
            (1, 39),
        ),
        // YAML, where the document places it.
        (
            "name: 日本\njourneys: [{name: \"日本\", steps: [{request: {path: /, method: GETT}}]}]\n\
             load: {type: constant_users, users: 1, duration: 1s}\n"
                .to_owned(),
            (2, 61),
        ),
    ] {
        let check: ScenarioCheck = h
            .post_json("/api/scenarios/validate", &json!({ "text": text }))
            .await
            .expect_status(StatusCode::OK)
            .json();
        let first = check.problems.first().expect("a problem");
        assert_eq!((first.line, first.column), (Some(at.0), Some(at.1)), "{check:?}");
        let err = h
            .post_json(
                "/api/workload/start",
                &json!({ "scenario": { "text": text } }),
            )
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
        let first = err.problems.first().expect("a problem");
        assert_eq!((first.line, first.column), (Some(at.0), Some(at.1)), "{err:?}");
    }
}

/// Scenario text is YAML or JSON: YAML written in flow style (`{name: shop, …}`) starts with
/// `{` too, and is read as YAML when it is not JSON (it was refused: "key must be a string").
/// Text that is neither keeps JSON's words for what is wrong.
#[tokio::test]
async fn scenario_text_in_yaml_flow_style_reads() {
    let h = Harness::new().await;
    let flow = "{name: flow, journeys: [{name: j, steps: [{request: {path: /}}]}], \
                load: {type: constant_users, users: 1, duration: 1s}}";
    let check: ScenarioCheck = h
        .post_json("/api/scenarios/validate", &json!({ "text": flow }))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(check.valid, "{check:?}");
    assert_eq!(check.scenario.map(|s| s.name).as_deref(), Some("flow"));

    let broken = r#"{"name": "x", "journeys": [}"#;
    let check: ScenarioCheck = h
        .post_json("/api/scenarios/validate", &json!({ "text": broken }))
        .await
        .expect_status(StatusCode::OK)
        .json();
    let as_json = shared::scenario::parse_scenario(broken, shared::scenario::Format::Json)
        .expect_err("not JSON");
    let said: Vec<&str> = check.problems.iter().map(|p| p.message.as_str()).collect();
    let json_said: Vec<&str> = as_json.0.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(said, json_said, "{check:?}");
}

/// A problem at a field an override set names the override; one the override caused in
/// another field says which override was in effect.
#[tokio::test]
async fn override_problems_name_the_override() {
    let h = Harness::new().await;
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("q", "r", "1s") }, "overrides": { "users": 0 } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems.len(), 1, "{err:?}");
    assert_eq!(err.problems[0].path, "overrides.users", "{err:?}");
    assert_eq!(err.problems[0].message, "must be at least 1", "{err:?}");

    let spike = "name: s\njourneys: [{name: j, steps: [{request: {path: /}}]}]\nload: {type: spike, base_rate: 1, spike_rate: 5, spike_duration: 5s, period: 20s, duration: 60s, max_users: 5}\n";
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "text": spike }, "overrides": { "duration": "10s" } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems.len(), 1, "{err:?}");
    let p = &err.problems[0];
    assert_eq!(p.path, "load.period", "{err:?}");
    assert!(
        p.message.ends_with("(with overrides.duration = 10s)"),
        "{err:?}"
    );
    // The period itself is where the text says.
    assert_eq!(p.line, Some(3), "{err:?}");
}

/// A test-type run too short to send anything is refused at its `duration`, like a scenario
/// whose load is shorter than the minimum.
#[tokio::test]
async fn too_short_test_durations_are_refused() {
    let h = Harness::new().await;
    let quick = quick_scenario("q", "r", "1s");
    for kind in ["stress", "performance", "scalability"] {
        let err = h
            .post_json(
                &format!("/api/testing/{kind}"),
                &json!({ "scenario": { "inline": quick }, "duration": "2us" }),
            )
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
        assert_eq!(err.problems[0].path, "duration", "{kind}: {err:?}");
        assert!(
            err.problems[0].message.contains("at least 100ms"),
            "{kind}: {err:?}"
        );
    }
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick }, "overrides": { "duration": "2us" } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems[0].path, "overrides.duration", "{err:?}");
    assert!(h.runs.status().is_none(), "no run was created");
}

/// A YAML body without a content type is read as YAML (a JSON one still as JSON), and a plain
/// GET of the WebSocket endpoint answers with the API's JSON error, not plain text.
#[tokio::test]
async fn untyped_yaml_bodies_and_non_websocket_requests() {
    let h = Harness::new().await;
    let yaml = "name: untyped\njourneys:\n  - name: j\n    steps:\n      - request: { path: /api/products }\nload: { type: constant_users, users: 1, duration: 1s }\n";
    let saved: ScenarioEntry = h
        .request(Method::PUT, "/api/scenarios/untyped", None, yaml.to_owned())
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(saved.scenario.name, "untyped");
    let json_body = serde_json::to_string(&saved.scenario).expect("JSON");
    h.request(
        Method::PUT,
        "/api/scenarios/untyped",
        None,
        format!("  {json_body}"),
    )
    .await
    .expect_status(StatusCode::OK);
    // A YAML mistake is reported with YAML's position, not as bad JSON.
    let err = h
        .request(
            Method::PUT,
            "/api/scenarios/untyped",
            None,
            yaml.replace("users: 1", "users: two"),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    assert_eq!(err.problems[0].path, "load.users", "{err:?}");

    let err = h
        .get("/api/ws")
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(err.detail.contains("WebSocket"), "{err:?}");
}

/// A body over the size limit is the API's JSON 413 on every endpoint that takes one, the raw
/// scenario PUT included (it answered axum's plain-text rejection), and so is a body that is
/// not UTF-8 a JSON 400.
#[tokio::test]
async fn oversized_and_non_utf8_bodies_are_json_errors_everywhere() {
    let h = Harness::new().await;
    let huge = "x".repeat(shared::scenario::MAX_SCENARIO_BYTES + 128 * 1024);
    for (method, uri, content_type) in [
        (Method::PUT, "/api/scenarios/big", "application/yaml"),
        (Method::PUT, "/api/scenarios/big", "application/json"),
        (Method::POST, "/api/scenarios/validate", "application/json"),
        (Method::POST, "/api/workload/start", "application/json"),
    ] {
        let err = h
            .request(method.clone(), uri, Some(content_type), huge.clone())
            .await
            .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        // It says what the limit is, not only that it was crossed.
        assert!(
            err.detail.contains("too large")
                && err.detail.contains(&format!(
                    "at most {} bytes",
                    shared::scenario::MAX_SCENARIO_BYTES + 64 * 1024
                )),
            "{method} {uri}: {err:?}"
        );
    }
    let err = h
        .request(
            Method::PUT,
            "/api/scenarios/latin1",
            Some("application/yaml"),
            b"name: caf\xe9\n".to_vec(),
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(err.detail, "the body is not UTF-8");
}

/// A body saved by a Windows tool starts with a UTF-8 byte-order mark: it reads as the same
/// body without one, JSON and YAML alike, instead of a JSON body being refused as "not a JSON
/// object" (and a scenario PUT as JSON as "not a JSON object ({ … })"); positions in an error
/// count from the text after the mark.
#[tokio::test]
async fn a_body_starting_with_a_byte_order_mark_reads_as_without_it() {
    let h = Harness::new().await;
    let bom = |text: &str| format!("\u{feff}{text}");
    let document = quick_scenario("bom", "home", "1s");
    let json_text = document.to_string();
    for (name, content_type, text) in [
        ("bom-json", Some("application/json"), json_text.clone()),
        ("bom-untyped-json", None, json_text.clone()),
        (
            "bom-yaml",
            Some("application/yaml"),
            "name: bom\njourneys:\n  - name: j\n    steps:\n      - request: { path: /api/products }\nload: { type: constant_users, users: 1, duration: 1s }\n"
                .to_owned(),
        ),
    ] {
        let saved: ScenarioEntry = h
            .request(
                Method::PUT,
                &format!("/api/scenarios/{name}"),
                content_type,
                bom(&text),
            )
            .await
            .expect_status(StatusCode::CREATED)
            .json();
        assert_eq!(saved.scenario.name, "bom", "{name}");
    }
    let check: ScenarioCheck = h
        .request(
            Method::POST,
            "/api/scenarios/validate",
            Some("application/json"),
            bom(&json!({ "inline": document }).to_string()),
        )
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(check.valid, "{check:?}");
    let err = h
        .request(
            Method::POST,
            "/api/workload/start",
            Some("application/json"),
            bom(r#"{"scenario": {"name": "bom-json"}, "bogus": 1}"#),
        )
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        err.detail.contains("bogus") && err.detail.contains("line 1 column 42"),
        "{err:?}"
    );
}

/// A scenario sent as `"text"` reads the same with and without a leading byte-order mark (a
/// file saved by a Windows tool, read and sent as it is), as a body does: JSON text with the
/// mark did not start with `{`, so it was read as YAML, and its problems were told in YAML's
/// words; they are now JSON's, at the same lines and columns as without the mark.
#[tokio::test]
async fn a_scenario_text_starting_with_a_byte_order_mark_reads_as_without_it() {
    let h = Harness::new().await;
    let yaml = "name: bom\njourneys:\n  - name: j\n    steps:\n      - request: { path: /api/products }\nload: { type: constant_users, users: 1, duration: 1s }\n";
    let json_text = quick_scenario("bom", "home", "1s").to_string();
    let broken = yaml.replace("users: 1", "users: lots");
    let json_broken = json_text.replace("\"users\":2", "\"users\":\"lots\"");
    for text in [
        json_broken.as_str(),
        yaml,
        json_text.as_str(),
        broken.as_str(),
    ] {
        let h = &h;
        let check = |text: String| async move {
            h.post_json("/api/scenarios/validate", &json!({ "text": text }))
                .await
                .expect_status(StatusCode::OK)
                .json::<ScenarioCheck>()
        };
        let plain = check(text.to_owned()).await;
        let marked = check(format!("\u{feff}{text}")).await;
        assert_eq!(
            serde_json::to_value(&marked).expect("a check serialises"),
            serde_json::to_value(&plain).expect("a check serialises"),
            "{text}"
        );
        assert_eq!(
            plain.valid,
            text != broken && text != json_broken,
            "{plain:?}"
        );
    }
    // Saved and started from text with the mark, as the panel and scripts send it.
    h.post_json(
        "/api/workload/scenario",
        &json!({ "name": "bom-text", "scenario": { "text": format!("\u{feff}{yaml}") } }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let err = h
        .post_json(
            "/api/workload/start",
            &json!({ "scenario": { "text": format!("\u{feff}{broken}") } }),
        )
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_scenario");
    let problems = err.problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    let column = broken
        .lines()
        .nth(5)
        .and_then(|l| l.find("lots"))
        .expect("line 6")
        + 1;
    assert_eq!(
        (problems[0].line, problems[0].column),
        (Some(6), Some(column as u64)),
        "{problems:?}"
    );
}

/// A compressed body (`Content-Encoding: gzip`) is a 415 that names the encoding, on every
/// endpoint that takes a body. It was read as its compressed bytes: a JSON body was "not a
/// JSON object", a YAML one "not UTF-8", sending the client after a mistake that was not there.
#[tokio::test]
async fn a_compressed_body_is_a_415_naming_its_encoding() {
    use axum::http::{Request, header};
    use tower::ServiceExt as _;

    let h = Harness::new().await;
    for (method, uri, content_type, encoding) in [
        (Method::PUT, "/api/scenarios/gz", "application/yaml", "gzip"),
        (
            Method::POST,
            "/api/scenarios/validate",
            "application/json",
            "gzip",
        ),
        (
            Method::POST,
            "/api/workload/start",
            "application/json",
            "br",
        ),
        (
            Method::POST,
            "/api/workload/scenario",
            "application/json",
            "identity, deflate",
        ),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_ENCODING, encoding)
            .body(Body::from(&b"\x1f\x8b\x08\x00compressed"[..]))
            .expect("a request");
        let response = h.app.clone().oneshot(request).await.expect("a response");
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{method} {uri}"
        );
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        let err: ErrorBody = serde_json::from_slice(&bytes).expect("an error body");
        assert_eq!(err.error, "unsupported_media_type", "{err:?}");
        let named = encoding.rsplit(", ").next().unwrap_or(encoding);
        assert!(
            err.detail.contains(&format!("Content-Encoding {named}")),
            "{method} {uri}: {err:?}"
        );
    }
    // `identity` is no encoding at all.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/scenarios/validate")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "identity")
        .body(Body::from(r#"{"name": "web_app"}"#))
        .expect("a request");
    let response = h.app.clone().oneshot(request).await.expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(h.runs.status().is_none(), "no run was started");
}

/// A dashboard that embeds the panel (`--embed-origin`) calls the API from its own origin: CORS
/// allows it, and its script can read a report download's file name (`Content-Disposition`),
/// which a browser hides from a cross-origin script unless the server exposes it.
#[tokio::test]
async fn an_embedding_origin_reads_a_report_downloads_name() {
    use axum::http::{Request, header};
    use tower::ServiceExt as _;

    let dash = "http://dash.example.com";
    let h = Harness::configured(DemoConfig::instant(), |c| {
        c.embed_origins = vec![dash.to_owned()];
    })
    .await;
    let (id, _) = h
        .run_inline(&quick_scenario("embedded", "GET product", "300ms"))
        .await;
    let request = Request::get(format!("/api/runs/{}/report.json", id.0))
        .header(header::ORIGIN, dash)
        .body(Body::empty())
        .expect("a valid request");
    let response = h
        .app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    let header_text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header_text(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(dash));
    assert!(
        header_text(header::CONTENT_DISPOSITION).is_some_and(|v| v.contains("filename=")),
        "{headers:?}"
    );
    let exposed = header_text(header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap_or_default();
    assert!(
        exposed.eq_ignore_ascii_case("content-disposition"),
        "exposed: {exposed:?}"
    );
}
