//! The panel's code that only runs in WebAssembly, under Node.js (`make wasm-test`): its JSON
//! path (`JSON.parse`/`JSON.stringify` with serde-wasm-bindgen, `src/json.rs`), checked against
//! serde_json, which is what the server writes and reads with; [`fetched`]'s refetching; and
//! the charts' per-interval work for an hour-long run.
#![cfg(target_arch = "wasm32")]

use frontend::fetched::fetched;
use frontend::json;
use futures_channel::oneshot;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{RunInfo, RunListing, UnreadableRun, WorkloadStatus};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::samples;
use shared::scenario::Scenario;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

/// What the server sends, read by the panel.
fn from_server<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let text = serde_json::to_string(value).expect("the server writes it");
    let read: T = json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(&read, value, "{text}");
}

/// What the panel sends, read by the server.
fn to_server<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let text = json::to_string(value).expect("the panel writes it");
    let read: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(&read, value, "{text}");
}

/// The sample scenario, named with characters that JSON escapes.
fn scenario() -> Scenario {
    let mut s = samples::scenario();
    s.name = "shop \"quoted\" ✓".into();
    s
}

#[wasm_bindgen_test]
fn the_panel_reads_what_the_server_writes() {
    from_server(&samples::run_detail());
    from_server(&vec![samples::run_info(), samples::run_info()]);
    from_server(&samples::snapshot(7));
    from_server(&samples::summary());
    from_server(&scenario());
    from_server(&WorkloadStatus {
        run: Some(samples::run_info()),
        latest: Some(samples::snapshot(2)),
    });
}

#[wasm_bindgen_test]
fn the_server_reads_what_the_panel_writes() {
    to_server(&scenario());
    // Status-code maps are JSON objects with string keys (the embed events carry a summary).
    to_server(&samples::summary());
    let text = json::to_string(&samples::summary()).expect("writes");
    assert!(
        text.contains(r#""status_counts":{"200":117,"503":2}"#),
        "{text}"
    );
    // The value posted to an embedding page is the same JSON.
    let posted = json::to_js(&samples::summary()).expect("a value");
    assert_eq!(
        js_sys::JSON::stringify(&posted).map(String::from).ok(),
        Some(text)
    );
}

/// A run list holding a stored run the server cannot read (`{id, unreadable}`) reads with that
/// run in its place, told apart by its `unreadable` key; the rest read as runs.
#[wasm_bindgen_test]
fn a_run_list_reads_an_unreadable_run_in_its_place() {
    let mut newer = samples::run_info();
    newer.id.0 = "newer".into();
    let list = vec![
        RunListing::Run(newer),
        RunListing::Unreadable(UnreadableRun {
            id: shared::run::RunId("odd".into()),
            unreadable: "status: unknown value \"paused\"".into(),
        }),
        RunListing::Run(samples::run_info()),
    ];
    let text = serde_json::to_string(&list).expect("the server writes it");
    assert_eq!(json::run_list(&text), Ok(list), "{text}");
    assert_eq!(json::run_list("[]"), Ok(Vec::new()));
    let not_a_list = json::run_list("{}").expect_err("an object is no list");
    assert!(not_a_list.contains("not a list"), "{not_a_list}");
    assert!(json::run_list("[3]").is_err(), "a number is no run");
    assert!(
        json::run_list(r#"[{"id": "x", "unreadable": 3}]"#).is_err(),
        "no reason"
    );
}

#[wasm_bindgen_test]
fn every_live_message_reads() {
    let messages = samples::messages();
    for msg in messages {
        let text = serde_json::to_string(&msg).expect("the server writes it");
        assert_eq!(json::server_msg(&text), Ok(msg), "{text}");
    }
    let unknown = json::server_msg(r#"{"type":"goodbye"}"#).expect_err("an unknown type");
    assert!(unknown.contains("unknown variant `goodbye`"), "{unknown}");
    assert!(json::server_msg(r#"{"skipped":1}"#).is_err(), "no type");
    assert!(json::server_msg("{").is_err(), "not JSON");
}

#[wasm_bindgen_test]
fn errors_say_what_is_wrong() {
    let syntax = json::from_str::<RunInfo>("{\"id\": ").expect_err("cut short");
    assert!(!syntax.is_empty());
    let wrong = json::from_str::<RunInfo>(r#"{"id": 3}"#).expect_err("a number is no id");
    assert!(wrong.contains("invalid type"), "{wrong}");
    let code = json::from_str::<RunSummary>(
        &serde_json::to_string(&samples::summary())
            .expect("writes")
            .replace(r#""503":2"#, r#""busy":2"#),
    )
    .expect_err("not a status code");
    assert!(
        code.contains("\"busy\" is not an HTTP status code"),
        "{code}"
    );
}

#[wasm_bindgen_test]
fn pretty_text_is_indented_and_reads_back() {
    let text = json::to_string_pretty(&scenario()).expect("writes");
    assert!(
        text.starts_with("{\n  \"name\": \"shop \\\"quoted\\\" ✓\",\n"),
        "{text}"
    );
    assert_eq!(
        serde_json::from_str::<Scenario>(&text).ok(),
        Some(scenario())
    );
}

/// Whether this JavaScript engine gives `JSON.parse` a number's source text and has
/// `JSON.rawJSON` (Chromium 114+, Node.js 21+; Node.js 20 with `--harmony-json-parse-with-source`,
/// which `make wasm-test` runs this file's large-number test under a second time).
fn json_source_text() -> bool {
    let json = js_sys::Reflect::get(&js_sys::global(), &"JSON".into()).expect("JSON");
    js_sys::Reflect::has(&json, &"rawJSON".into()).unwrap_or(false)
}

/// Whole numbers past 2^53 − 1 (a 64-bit id in a JSON body, a check's `equals`) are read and
/// written exact where the engine allows it, as serde_json on the server does; elsewhere they
/// are refused with a message that says why, never silently rounded.
#[wasm_bindgen_test]
fn large_whole_numbers_are_kept_exact_or_refused() {
    use shared::scenario::Body;
    let text = r#"{"json":{"id":12345678901234567890,"min":-9223372036854775808,"safe":9007199254740991,"float":1e20,"past_u64":123456789012345678901234567890,"list":[18446744073709551615]}}"#;
    let server: Body = serde_json::from_str(text).expect("the server reads it");
    console_log!("JSON source text: {}", json_source_text());
    if json_source_text() {
        let read: Body = json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, server);
        for written in [json::to_string(&read), json::to_string_pretty(&read)] {
            let written = written.expect("writes");
            assert!(written.contains("12345678901234567890"), "{written}");
            assert_eq!(
                serde_json::from_str::<Body>(&written).ok().as_ref(),
                Some(&server),
                "{written}"
            );
        }
        // (Not with non-ASCII text beside it here: Node.js 20's experimental `JSON.rawJSON`
        // garbles such output. Chromium's is whole; the browser tests send a scenario with both.)
    } else {
        let refused = json::from_str::<Body>(text).expect_err("not readable exactly");
        assert!(refused.contains("above 2^53 − 1"), "{refused}");
        let unwritable = json::to_string(&server).expect_err("not writable exactly");
        assert!(unwritable.contains("cannot write exactly"), "{unwritable}");
    }
    // Numbers a double holds exactly are read as before, by either engine.
    let small: Body =
        json::from_str(r#"{"json":{"id":9007199254740991,"f":1e20}}"#).expect("reads");
    assert_eq!(
        small,
        serde_json::from_str(r#"{"json":{"id":9007199254740991,"f":1e20}}"#).expect("reads")
    );
}

/// An hour of 1 s snapshots, as `GET /api/runs/{id}/series` sends it, with and without the
/// per-request stats (`?per_request=false`, which the panel asks for). Also prints how long the
/// browser's path and serde_json take to read each (figures, not limits).
#[wasm_bindgen_test]
fn an_hours_series_reads() {
    let full: Vec<MetricsSnapshot> = (0..3600).map(samples::snapshot).collect();
    let mut slim = full.clone();
    for s in &mut slim {
        s.per_request.clear();
    }
    for (what, series) in [("full", full), ("per_request=false", slim)] {
        let text = serde_json::to_string(&series).expect("writes");
        let t0 = js_sys::Date::now();
        let read: Vec<MetricsSnapshot> = json::from_str(&text).expect("reads");
        let t1 = js_sys::Date::now();
        let by_serde_json: Vec<MetricsSnapshot> = serde_json::from_str(&text).expect("reads");
        let t2 = js_sys::Date::now();
        assert_eq!(read, series);
        assert_eq!(by_serde_json, series);
        console_log!(
            "an hour's series, {what} ({} KB): JSON.parse + serde-wasm-bindgen {} ms, serde_json {} ms",
            text.len() / 1024,
            t1 - t0,
            t2 - t1
        );
    }
}

/// The fetches waiting to answer, by what they fetch.
type Gates = Rc<RefCell<Vec<(u32, oneshot::Sender<()>)>>>;

/// Lets the event loop run: spawned tasks and effects go as far as they can.
async fn settle() {
    for _ in 0..3 {
        TimeoutFuture::new(0).await;
    }
}

#[wasm_bindgen_test]
async fn fetched_follows_its_inputs_and_drops_overtaken_answers() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let wanted = RwSignal::new(1u32);
    // Each fetch answers when the test opens its gate.
    let gates: Gates = Rc::default();
    let open = |n: u32| {
        let mut gates = gates.borrow_mut();
        let at = gates
            .iter()
            .position(|(m, _)| *m == n)
            .expect("a fetch of n");
        let (_, gate) = gates.remove(at);
        gate.send(()).expect("the fetch waits");
    };
    let value = fetched({
        let gates = Rc::clone(&gates);
        move || {
            let n = wanted.get();
            let (gate, opened) = oneshot::channel();
            gates.borrow_mut().push((n, gate));
            async move {
                let _ = opened.await;
                n
            }
        }
    });
    settle().await;
    assert_eq!(
        value.get_untracked(),
        None,
        "nothing before the first answer"
    );
    wanted.set(2);
    settle().await;
    open(2);
    settle().await;
    assert_eq!(value.get_untracked(), Some(2));
    open(1);
    settle().await;
    assert_eq!(
        value.get_untracked(),
        Some(2),
        "the overtaken first answer is dropped"
    );
    wanted.set(3);
    settle().await;
    assert_eq!(
        value.get_untracked(),
        Some(2),
        "the last answer stays meanwhile"
    );
    open(3);
    settle().await;
    assert_eq!(value.get_untracked(), Some(3));
    drop(owner);
}

/// What the panel computes each interval of an hour-long run (3,600 snapshots): every chart's
/// series, layout (downsampled to the plot width) and SVG markup, and one hover read-out. Prints
/// the time per interval (a figure, not a limit; run it with `--profile wasm-release` for the
/// shipped code's speed) and checks that each line was downsampled to at most the plot's width.
#[wasm_bindgen_test]
fn an_hours_charts_redraw_within_an_interval() {
    use frontend::chart::{layout, plot_markup, readout};
    use frontend::components::run_view::{
        cpu_series, error_series, latency_series, rate_series, throughput_series, users_series,
    };
    let snaps: Vec<MetricsSnapshot> = (0..3600).map(samples::snapshot).collect();
    let rounds = 5;
    let t0 = js_sys::Date::now();
    let mut widest = 0;
    let mut markup = 0;
    for _ in 0..rounds {
        let charts = [
            (throughput_series(&snaps), Vec::new(), "req/s"),
            (latency_series(&snaps), Vec::new(), "ms"),
            (error_series(&snaps), Vec::new(), "errors/s"),
            (
                users_series(&snaps, None),
                rate_series(&snaps, None),
                "users",
            ),
            (cpu_series(&snaps), Vec::new(), "%"),
        ];
        for (left, right, unit) in &charts {
            let model = layout(left, right, true);
            assert!(!model.empty);
            widest = model
                .lines
                .iter()
                .map(|l| l.points)
                .fold(widest, usize::max);
            markup += plot_markup(&model, unit, "starts/s").len();
            assert!(readout(&model, left, right, 0.5, unit, "starts/s").is_some());
        }
    }
    let per_interval = (js_sys::Date::now() - t0) / f64::from(rounds);
    assert!(
        widest > 0 && widest <= frontend::chart::WIDTH as usize,
        "{widest} points"
    );
    console_log!(
        "an hour's five charts: {per_interval:.1} ms per interval, at most {widest} points a line, {} KB of SVG",
        markup / rounds as usize / 1024
    );
}

/// The generator's CPU and memory where the server could not measure them: `null`, which the
/// panel reads as unknown (not 0), as serde_json does.
#[wasm_bindgen_test]
fn the_panel_reads_unknown_generator_figures() {
    let mut snapshot = samples::snapshot(3);
    snapshot.generator.cpu_percent = None;
    snapshot.generator.rss_bytes = None;
    from_server(&snapshot);
    let mut summary = samples::summary();
    summary.generator.peak_cpu_percent = None;
    summary.generator.peak_rss_bytes = None;
    from_server(&summary);
}
