//! Request bodies and query strings mutated at random (a seeded generator: every run sends the
//! same cases) on every endpoint that reads one. Whatever a client sends, the answer is the
//! endpoint's success or a JSON error with a 4xx status whose detail is written for people:
//! never a 5xx, never a panic, never a Rust type name. A long run holds the run slot, so a
//! mutated start that is still valid answers 409 instead of starting a run.

use axum::http::Method;
use serde_json::{Value, json};
use shared::api::ErrorBody;
use shared::plan::SplitMix64;

use super::{Harness, quick_scenario, wait_finished};

/// Mutated requests sent per seed request.
const CASES_PER_SEED: usize = 60;

const TOKENS: [&str; 22] = [
    "null",
    "-1",
    "0",
    "1e999",
    "99999999999999999999",
    "\"\"",
    "{}",
    "[]",
    "\"x\":",
    ",",
    "\\u0000",
    "\"1s\"",
    "\"-5s\"",
    "\"0s\"",
    "true",
    "\"load\"",
    "{\"inline\": 5}",
    "\"%\"",
    "&",
    "=",
    "%ZZ",
    "\u{e9}",
];

/// One mutation of `text`: a token inserted, a range deleted or repeated, the text cut short.
fn mutate(text: &str, dice: &mut SplitMix64) -> String {
    let at = text.floor_char_boundary(dice.below(text.len() + 1));
    let to = text.floor_char_boundary((at + 1 + dice.below(12)).min(text.len()));
    let mut out = text.to_owned();
    match dice.below(5) {
        0 | 1 => out.insert_str(at, TOKENS[dice.below(TOKENS.len())]),
        2 => out.replace_range(at..to, ""),
        3 => {
            let piece = text[at..to].to_owned();
            out.insert_str(at, &piece);
        }
        _ => out.truncate(at),
    }
    out
}

/// `query` with the bytes a URI cannot carry percent-encoded, as a client sends them; a `%`
/// stays as it is, so malformed escapes (`%ZZ`) reach the server.
fn uri_safe(query: &str) -> String {
    let mut out = String::new();
    for b in query.bytes() {
        if b.is_ascii_graphic() && !b"\"{}|\\^`<>#".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The words a detail must not use: Rust's types and debug output.
const RUST_WORDS: [&str; 10] = [
    "u32", "u64", "f64", "i64", "usize", "Some(", "None", "struct ", "enum ", "panicked",
];

#[tokio::test]
async fn mutated_requests_get_clear_answers_never_a_server_error() {
    let h = Harness::new().await;
    let mut long = quick_scenario("holder", "hold", "10m");
    long["journeys"][0]["steps"]
        .as_array_mut()
        .expect("steps")
        .push(json!({ "think": "1s" }));
    let (mut rx, _) = h.runs.subscribe();
    let holder = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": long } }),
        )
        .await;

    let quick = quick_scenario("mut", "m", "2s");
    let yaml = "name: mut\njourneys:\n  - name: j\n    steps:\n      - request: { path: / }\n\
                load: { type: constant_users, users: 2, duration: 2s }\n";
    let json_body = |v: Value| v.to_string();
    // (method, path, content type, body or query string)
    let seeds: Vec<(Method, String, Option<&str>, String)> = vec![
        (
            Method::POST,
            "/api/workload/start".into(),
            Some("application/json"),
            json_body(json!({
                "scenario": { "inline": quick },
                "overrides": { "users": 3, "duration": "2s" },
                "test_type": "load"
            })),
        ),
        (
            Method::POST,
            "/api/workload/start".into(),
            Some("application/json"),
            json_body(json!({ "scenario": { "text": yaml }, "overrides": { "max_users": 5 } })),
        ),
        (
            Method::POST,
            "/api/testing/stress".into(),
            Some("application/json"),
            json_body(
                json!({ "scenario": { "name": "web_app" }, "users": 10, "max_users": 20, "duration": "5s" }),
            ),
        ),
        (
            Method::POST,
            "/api/testing/performance".into(),
            Some("application/json"),
            json_body(json!({ "scenario": { "name": "api_load" }, "rate": 5, "duration": "5s" })),
        ),
        (
            Method::POST,
            "/api/testing/scalability".into(),
            Some("application/json"),
            json_body(json!({ "scenario": { "name": "web_app" }, "users": 2, "max_users": 8 })),
        ),
        (
            Method::POST,
            "/api/scenarios/validate".into(),
            Some("application/json"),
            json_body(json!({ "inline": quick })),
        ),
        (
            Method::POST,
            "/api/workload/scenario".into(),
            Some("application/json"),
            json_body(json!({ "name": "saved", "scenario": { "text": yaml } })),
        ),
        (
            Method::PUT,
            "/api/scenarios/mut".into(),
            Some("application/json"),
            json_body(quick.clone()),
        ),
        (
            Method::PUT,
            "/api/scenarios/mut".into(),
            Some("application/yaml"),
            yaml.into(),
        ),
        (
            Method::GET,
            "/api/runs".into(),
            None,
            "status=running&test_type=load&scenario=holder&limit=5&offset=0".into(),
        ),
        (
            Method::GET,
            "/api/testing/results".into(),
            None,
            "status=completed&limit=1000&offset=3".into(),
        ),
        (
            Method::GET,
            format!("/api/runs/{}/series", holder.0),
            None,
            "per_request=false".into(),
        ),
    ];

    let mut dice = SplitMix64(0xB0D1_E5C0_FFEE_0001);
    let mut failures = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for (method, path, content_type, original) in &seeds {
        for _ in 0..CASES_PER_SEED {
            let mut text = original.clone();
            for _ in 0..=dice.below(2) {
                text = mutate(&text, &mut dice);
            }
            let resp = if *method == Method::GET {
                h.get(&format!("{path}?{}", uri_safe(&text))).await
            } else {
                h.request(method.clone(), path, *content_type, text.clone())
                    .await
            };
            *statuses.entry(resp.status.as_u16()).or_default() += 1;
            let case = format!("{method} {path} {text:?}");
            if resp.status.is_server_error() {
                failures.push(format!("{case}: {} {}", resp.status, resp.text()));
                continue;
            }
            if resp.status.is_success() {
                continue;
            }
            if resp.content_type() != "application/json" {
                failures.push(format!("{case}: a {} that is not JSON", resp.status));
                continue;
            }
            let Ok(body) = serde_json::from_slice::<ErrorBody>(&resp.body) else {
                failures.push(format!("{case}: not an error body: {}", resp.text()));
                continue;
            };
            let words =
                std::iter::once(&body.detail).chain(body.problems.iter().map(|p| &p.message));
            for said in words {
                if said.trim().is_empty() {
                    failures.push(format!("{case}: an empty message in {body:?}"));
                }
                if let Some(word) = RUST_WORDS.iter().find(|w| said.contains(*w)) {
                    failures.push(format!("{case}: speaks Rust ({word}): {said}"));
                }
            }
        }
    }

    h.post_empty("/api/workload/stop").await;
    let summary = wait_finished(&mut rx, &holder).await;
    assert_eq!(summary.scenario, "holder");
    let cases = seeds.len() * CASES_PER_SEED;
    eprintln!("{cases} mutated requests: {statuses:?}");
    assert!(
        statuses.keys().any(|s| *s < 300) && statuses.keys().filter(|s| **s >= 400).count() >= 3,
        "the mutations should both keep some requests good and break others: {statuses:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
