use std::collections::BTreeMap;

use serde_json::json;
use shared::api::{Alert, AlertKind, RunDetail, RunInfo, RunTotals, TestType};
use shared::metrics::{
    CheckStats, ErrorKind, GeneratorHealth, GeneratorStats, LatencyStats, MetricsSnapshot,
    RequestStats, RunSummary,
};
use shared::report::rfc3339_utc;
use shared::run::{RunId, RunStatus};
use shared::scenario::Scenario;
use shared::threshold::ThresholdResult;

use super::{csv, html, json, junit};

const PRODUCTS: &str = "GET /products";
const CART: &str = "POST /cart";
/// 2026-03-14T09:26:53.589Z
const STARTED_MS: u64 = 1_773_480_413_589;

fn latency(p50: f64, p95: f64, p99: f64, max: f64, count: u64) -> LatencyStats {
    LatencyStats {
        count,
        avg_ms: p50 * 1.1,
        min_ms: p50 / 4.0,
        p50_ms: p50,
        p90_ms: (p50 + p95) / 2.0,
        p95_ms: p95,
        p99_ms: p99,
        p999_ms: max * 0.95,
        max_ms: max,
    }
}

fn add(into: &mut RequestStats, from: &RequestStats) {
    into.requests += from.requests;
    into.errors += from.errors;
    for (k, n) in &from.errors_by_kind {
        *into.errors_by_kind.entry(*k).or_default() += n;
    }
    for (k, n) in &from.status_counts {
        *into.status_counts.entry(*k).or_default() += n;
    }
    into.bytes_sent += from.bytes_sent;
    into.bytes_received += from.bytes_received;
    into.resent += from.resent;
}

/// One interval's figures for one request name.
fn interval_stats(name: &str, i: u64) -> RequestStats {
    let mut r = RequestStats {
        name: name.to_owned(),
        ..RequestStats::default()
    };
    if name == PRODUCTS {
        r.requests = 40 + i % 7;
        if (20..25).contains(&i) {
            r.errors = 2;
            r.errors_by_kind.insert(ErrorKind::Http5xx, 2);
            r.status_counts.insert(503, 2);
        }
        r.status_counts.insert(200, r.requests - r.errors);
        r.bytes_sent = r.requests * 120;
        r.bytes_received = r.requests * 2_048;
        r.resent = u64::from(i.is_multiple_of(20));
    } else {
        r.requests = 10 + i % 3;
        if i == 30 {
            r.errors = 3;
            r.errors_by_kind.insert(ErrorKind::Timeout, 3);
        }
        r.status_counts.insert(201, r.requests - r.errors);
        r.bytes_sent = r.requests * 512;
        r.bytes_received = r.requests * 64;
    }
    let spike = if i == 40 { 10.0 } else { 1.0 };
    let base = 20.0 + (i % 5) as f64;
    r.latency = latency(
        base,
        base * 4.0 * spike,
        base * 6.0 * spike,
        base * 8.0 * spike,
        r.requests,
    );
    r.service_time = r.latency;
    r.rps = r.requests as f64;
    r
}

/// A realistic 60-interval series of a closed-model run with two request names.
fn series() -> Vec<MetricsSnapshot> {
    let mut total = RequestStats {
        name: "*".into(),
        ..RequestStats::default()
    };
    let mut per: Vec<RequestStats> = [PRODUCTS, CART]
        .iter()
        .map(|n| RequestStats {
            name: (*n).to_owned(),
            ..RequestStats::default()
        })
        .collect();
    let mut out = Vec::new();
    let mut iterations = 0;
    for i in 0..60u64 {
        let mut interval = RequestStats {
            name: "*".into(),
            ..RequestStats::default()
        };
        let parts = [interval_stats(PRODUCTS, i), interval_stats(CART, i)];
        for (p, cum) in parts.iter().zip(per.iter_mut()) {
            add(&mut interval, p);
            add(cum, p);
            cum.latency = latency(22.0, 90.0, 140.0, 1_600.0, cum.requests);
            cum.rps = cum.requests as f64 / (i + 1) as f64;
        }
        interval.latency = parts[0].latency;
        interval.service_time = parts[0].latency;
        interval.rps = interval.requests as f64;
        add(&mut total, &interval);
        total.latency = latency(22.0, 95.0, 160.0, 1_600.0, total.requests);
        total.service_time = total.latency;
        total.rps = total.requests as f64 / (i + 1) as f64;
        iterations += interval.requests / 2;
        let users = ((i + 1) * 2).min(20);
        out.push(MetricsSnapshot {
            seq: i,
            elapsed_ms: (i + 1) * 1000,
            interval_ms: 1000,
            status: RunStatus::Running,
            interval,
            total: total.clone(),
            per_request: per.clone(),
            active_users: users,
            interval_peak_users: users + 1,
            target_users: users,
            target_rate: 0.0,
            iterations,
            dropped_iterations: 0,
            interrupted_iterations: 0,
            generator: GeneratorStats {
                cpu_percent: Some(20.0 + (i % 10) as f64),
                cores: 2,
                cpu_capacity: 2.0,
                rss_bytes: Some(40_000_000 + i * 100_000),
                max_schedule_lag_ms: 0.5 + (i % 4) as f64,
            },
        });
    }
    out
}

fn scenario_doc() -> Scenario {
    serde_json::from_value(json!({
        "name": "shop",
        "description": "Browse & buy",
        "target": "http://shop.test:8080",
        "journeys": [{
            "name": "browse",
            "steps": [
                { "request": { "method": "GET", "path": "/products", "checks": [{ "status": [200] }] } },
                { "think": "1s" },
                { "request": { "method": "POST", "path": "/cart", "checks": [{ "status": [201] }] } }
            ]
        }],
        "load": { "type": "constant_users", "users": 20, "duration": "60s" },
        "thresholds": [
            "p(95) < 200ms",
            { "expr": "error_rate < 1%", "request": "POST /cart" },
            "p(99) < 100ms"
        ]
    }))
    .expect("the fixture scenario is valid")
}

/// A finished run with a failed threshold, a failed check and an alert.
fn detail(series: &[MetricsSnapshot]) -> RunDetail {
    let last = series.last().expect("the fixture series is not empty");
    let cart = &last.per_request[1];
    let summary = RunSummary {
        scenario: "shop".into(),
        status: RunStatus::Completed,
        reason: None,
        aborted_by: None,
        aborted_by_request: None,
        started_at_ms: STARTED_MS,
        duration_ms: 60_000,
        planned_ms: 60_000,
        total: last.total.clone(),
        per_request: last.per_request.clone(),
        checks: vec![
            CheckStats {
                request: PRODUCTS.into(),
                check: "status in [200]".into(),
                passed: last.per_request[0].requests - 10,
                failed: 10,
            },
            CheckStats {
                request: CART.into(),
                check: "status in [201]".into(),
                passed: cart.requests - 3,
                failed: 0,
            },
        ],
        iterations: last.iterations,
        dropped_iterations: 0,
        interrupted_iterations: 0,
        peak_users: 20,
        thresholds: vec![
            ThresholdResult {
                expr: "p(95) < 200ms".into(),
                request: None,
                observed: Some(95.0),
                observed_text: "95.00ms".into(),
                passed: true,
            },
            ThresholdResult {
                expr: "error_rate < 1%".into(),
                request: Some(CART.into()),
                observed: Some(cart.error_rate()),
                observed_text: format!("{:.2}%", cart.error_rate() * 100.0),
                passed: true,
            },
            ThresholdResult {
                expr: "p(99) < 100ms".into(),
                request: None,
                observed: Some(160.0),
                observed_text: "160.00ms".into(),
                passed: false,
            },
        ],
        generator: GeneratorHealth {
            saturated: false,
            warnings: vec![],
            peak_cpu_percent: Some(29.0),
            cores: 2,
            max_schedule_lag_ms: 3.5,
            peak_rss_bytes: Some(45_900_000),
        },
    };
    RunDetail {
        info: RunInfo {
            id: RunId("run-42".into()),
            scenario: "shop".into(),
            test_type: TestType::Load,
            status: RunStatus::Completed,
            created_at_ms: STARTED_MS - 250,
            ended_at_ms: Some(STARTED_MS + 61_000),
            duration_ms: 60_000,
            totals: Some(RunTotals::of(&summary)),
            thresholds_passed: Some(false),
            interrupted_reason: None,
        },
        scenario_doc: scenario_doc(),
        summary: Some(summary),
        alerts: vec![Alert::new(
            AlertKind::ResponseTime,
            40,
            41_000,
            960.0,
            500.0,
        )],
        latest: None,
    }
}

fn fixture() -> (RunDetail, Vec<MetricsSnapshot>) {
    let s = series();
    (detail(&s), s)
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn json_report_matches_the_summary() {
    let (mut d, s) = fixture();
    if let Some(sum) = d.summary.as_mut() {
        (sum.iterations, sum.interrupted_iterations) = (1_200, 4);
        (sum.dropped_iterations, sum.peak_users) = (55, 17);
    }
    let r = json(&d, &s);
    let sum = d.summary.as_ref().expect("fixture has a summary");
    assert_eq!(r.test_id.0, "run-42");
    assert_eq!(r.scenario, "shop");
    assert_eq!(r.target.as_deref(), Some("http://shop.test:8080"));
    assert_eq!(r.load.as_ref(), Some(&d.scenario_doc.load));
    assert_eq!(r.test_type, TestType::Load);
    assert_eq!(r.status, RunStatus::Completed);
    assert!(!r.partial);
    assert_eq!(r.started_at, "2026-03-14T09:26:53.589Z");
    assert!((r.duration - 60.0).abs() < 1e-9);

    let t = &r.results;
    assert_eq!(t.total_requests, sum.total.requests);
    assert_eq!(t.failed_requests, sum.total.errors);
    assert_eq!(t.failed_requests, 13);
    assert_eq!(t.successful_requests, sum.total.requests - 13);
    assert!((t.error_rate - sum.total.error_rate()).abs() < 1e-12);
    assert_eq!(t.avg_response_time_ms, Some(sum.total.latency.avg_ms));
    assert_eq!(t.p50_response_time_ms, Some(sum.total.latency.p50_ms));
    assert_eq!(t.p95_response_time_ms, Some(sum.total.latency.p95_ms));
    assert_eq!(t.p99_response_time_ms, Some(sum.total.latency.p99_ms));
    assert_eq!(t.max_response_time_ms, Some(sum.total.latency.max_ms));
    // Every latency the summary has, p99.9 and the minimum included.
    assert_eq!(t.min_response_time_ms, Some(sum.total.latency.min_ms));
    assert_eq!(t.p90_response_time_ms, Some(sum.total.latency.p90_ms));
    assert_eq!(t.p999_response_time_ms, Some(sum.total.latency.p999_ms));
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(
        json["per_request"][0]["p999_response_time_ms"],
        json!(sum.per_request[0].latency.p999_ms)
    );
    assert_eq!(t.throughput_rps, sum.total.rps);
    assert_eq!(t.bytes_sent, sum.total.bytes_sent);
    assert_eq!(t.bytes_received, sum.total.bytes_received);
    assert_eq!(t.resent_requests, sum.total.resent);
    assert!(t.resent_requests > 0, "the fixture has re-sent requests");
    assert_eq!(
        t.errors_by_kind,
        BTreeMap::from([(ErrorKind::Timeout, 3), (ErrorKind::Http5xx, 10)])
    );
    assert_eq!(t.status_codes, sum.total.status_counts);
    assert_eq!(t.status_codes.get(&503), Some(&10));

    assert_eq!(r.per_request.len(), 2);
    assert_eq!(r.per_request[0].name, PRODUCTS);
    assert_eq!(r.per_request[1].name, CART);
    assert_eq!(r.per_request[1].results.failed_requests, 3);
    assert_eq!(
        r.per_request[0].results.total_requests,
        sum.per_request[0].requests
    );
    // What became of the iterations: an open-model run that dropped starts must say so.
    assert_eq!(
        (
            r.iterations.completed,
            r.iterations.interrupted,
            r.iterations.dropped
        ),
        (1_200, 4, 55)
    );
    assert_eq!(r.peak_users, 17);

    assert_eq!(r.thresholds, sum.thresholds);
    assert_eq!(r.thresholds_passed, Some(false));
    assert_eq!(r.checks, sum.checks);
    assert_eq!(
        r.resource_utilization.generator_peak_cpu_percent,
        Some(29.0)
    );
    assert_eq!(
        r.resource_utilization.generator_peak_memory_bytes,
        Some(45_900_000)
    );
    assert_eq!(r.resource_utilization.max_schedule_lag_ms, 3.5);
    assert!(!r.resource_utilization.saturated);
    assert_eq!(r.alerts, d.alerts);
    assert!(r.scaling_events.is_empty());

    // The wire shape.
    let v = serde_json::to_value(&r).expect("serializes");
    for key in [
        "test_id",
        "scenario",
        "test_type",
        "status",
        "started_at",
        "duration",
        "results",
        "per_request",
        "iterations",
        "peak_users",
        "thresholds",
        "checks",
        "resource_utilization",
        "alerts",
        "scaling_events",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["test_type"], "load");
    assert_eq!(v["target"], "http://shop.test:8080");
    // The load in the scenario's own form: a script reads it as it reads a scenario.
    assert_eq!(
        v["load"],
        json!({ "type": "constant_users", "users": 20, "duration": "1m" })
    );
    assert_eq!(v["status"], "completed");
    assert_eq!(v["results"]["errors_by_kind"]["http_5xx"], 10);
    assert_eq!(v["results"]["status_codes"]["503"], 10);
    assert_eq!(v["per_request"][1]["name"], CART);
    assert_eq!(
        v["resource_utilization"]["generator_peak_cpu_percent"],
        29.0
    );
    assert_eq!(v["scaling_events"], json!([]));
    let back: shared::report::JsonReport = serde_json::from_value(v).expect("parses back");
    assert_eq!(back, r);
}

/// A request name never sent (its journey not picked, or cut before it) has no latency:
/// `null` in the report, not a 0 ms that reads as measured. The total and the names that
/// were sent keep theirs.
#[test]
fn json_report_latencies_of_a_request_never_made_are_null() {
    let (mut d, s) = fixture();
    let never = RequestStats {
        name: "DELETE /cart".into(),
        ..RequestStats::default()
    };
    if let Some(sum) = d.summary.as_mut() {
        sum.per_request.push(never.clone());
    }
    let r = json(&d, &s);
    let row = &r.per_request[2];
    assert_eq!(row.name, "DELETE /cart");
    assert_eq!(row.results.total_requests, 0);
    let v = serde_json::to_value(&r).expect("serializes");
    for field in [
        "avg_response_time_ms",
        "min_response_time_ms",
        "p50_response_time_ms",
        "p90_response_time_ms",
        "p95_response_time_ms",
        "p99_response_time_ms",
        "p999_response_time_ms",
        "max_response_time_ms",
    ] {
        assert_eq!(
            v["per_request"][2][field],
            serde_json::Value::Null,
            "{field}"
        );
        assert!(v["per_request"][0][field].is_number(), "{field}");
        assert!(v["results"][field].is_number(), "{field}");
    }
    // Counts are still counts.
    assert_eq!(v["per_request"][2]["total_requests"], 0);
    assert_eq!(v["per_request"][2]["error_rate"], 0.0);
    let back: shared::report::JsonReport = serde_json::from_value(v).expect("parses back");
    assert_eq!(back, r);

    // A partial report, from the last snapshot, says the same.
    let mut series = s.clone();
    if let Some(last) = series.last_mut() {
        last.per_request.push(never);
    }
    d.summary = None;
    d.info.status = RunStatus::Interrupted;
    let r = json(&d, &series);
    assert_eq!(r.per_request[2].results.p95_response_time_ms, None);
    assert!(r.per_request[0].results.p95_response_time_ms.is_some());
}

/// A run without thresholds judged nothing: its report has no `thresholds_passed`, as its
/// listing has no verdict, rather than a vacuous `true`.
/// Where the generator could not measure its CPU or memory (no `/proc`: another OS, a locked-
/// down container), every report says unknown: `null` in JSON, an empty CSV cell, "unknown"
/// in the HTML, which then does not call the generator healthy (only its schedule was judged).
/// Neither is a 0 that reads as an idle generator.
#[test]
fn reports_say_unknown_for_generator_figures_that_could_not_be_measured() {
    let (mut d, mut s) = fixture();
    for snap in &mut s {
        (snap.generator.cpu_percent, snap.generator.rss_bytes) = (None, None);
    }
    if let Some(sum) = d.summary.as_mut() {
        sum.generator.peak_cpu_percent = None;
        sum.generator.peak_rss_bytes = None;
    }
    let r = json(&d, &s);
    let u = &r.resource_utilization;
    assert_eq!(
        (u.generator_peak_cpu_percent, u.generator_peak_memory_bytes),
        (None, None)
    );
    assert_eq!(u.generator_cores, 2, "the cores are still known");
    let v = serde_json::to_value(&r).expect("serializes");
    let v = &v["resource_utilization"];
    assert_eq!(v["generator_peak_cpu_percent"], json!(null), "{v}");
    assert_eq!(v["generator_peak_memory_bytes"], json!(null), "{v}");

    // A run without a summary gathers them from its snapshots: unknown there too, and the
    // peak of those that know when only some do.
    let mut partial = d.clone();
    partial.summary = None;
    let u = json(&partial, &s).resource_utilization;
    assert_eq!(
        (u.generator_peak_cpu_percent, u.generator_peak_memory_bytes),
        (None, None)
    );
    let mut some = s.clone();
    some[3].generator.cpu_percent = Some(12.0);
    some[4].generator.rss_bytes = Some(1 << 20);
    let u = json(&partial, &some).resource_utilization;
    assert_eq!(
        (u.generator_peak_cpu_percent, u.generator_peak_memory_bytes),
        (Some(12.0), Some(1 << 20))
    );

    let text = csv(&s);
    let lines: Vec<&str> = text.lines().collect();
    let column = csv::COLUMNS
        .iter()
        .position(|c| *c == "generator_cpu_percent")
        .expect("a CPU column");
    for line in &lines[1..] {
        assert_eq!(line.split(',').nth(column), Some(""), "{line}");
    }

    let page = html(&d, &s);
    let section = section_of(&page, "Load generator");
    let text = strip_tags(section);
    assert!(text.contains("Peak CPUunknown (2 cores)"), "{text}");
    assert!(text.contains("Peak memoryunknown"), "{text}");
    assert!(!text.contains("Healthy"), "{text}");
    assert!(text.contains("CPU use is unknown"), "{text}");
    assert!(!text.contains("0% of one core"), "{text}");
}

#[test]
fn json_report_of_a_run_without_thresholds_has_no_verdict() {
    let (mut d, s) = fixture();
    if let Some(sum) = d.summary.as_mut() {
        sum.thresholds.clear();
    }
    d.scenario_doc.thresholds.clear();
    let sum = d.summary.as_ref().expect("fixture has a summary");
    d.info.thresholds_passed = sum.verdict();
    assert_eq!(d.info.thresholds_passed, None);
    let r = json(&d, &s);
    assert_eq!(r.thresholds_passed, d.info.thresholds_passed);
    let v = serde_json::to_value(&r).expect("serializes");
    assert!(v.get("thresholds_passed").is_none(), "{v}");
    assert_eq!(v["thresholds"], json!([]));
    // The HTML report's badge agrees.
    let page = html(&d, &s);
    assert!(
        header_of(&page).contains("NO THRESHOLDS"),
        "{}",
        header_of(&page)
    );
}

#[test]
fn json_report_of_a_run_without_summary_uses_the_last_snapshot() {
    let (mut d, s) = fixture();
    d.summary = None;
    d.info.status = RunStatus::Interrupted;
    d.info.duration_ms = 0;
    d.info.interrupted_reason = Some("the server stopped".into());
    let r = json(&d, &s[..30]);
    assert!(r.partial);
    assert_eq!(r.status, RunStatus::Interrupted);
    assert_eq!(
        r.reason.as_deref(),
        Some("the server stopped"),
        "its history's reason"
    );
    assert_eq!(r.started_at, rfc3339_utc(STARTED_MS - 250));
    assert!((r.duration - 30.0).abs() < 1e-9);
    assert_eq!(r.results.total_requests, s[29].total.requests);
    assert_eq!(r.results.failed_requests, s[29].total.errors);
    assert_eq!(r.per_request.len(), 2);
    assert_eq!(r.iterations.completed, s[29].iterations);
    assert_eq!(r.iterations.dropped, s[29].dropped_iterations);
    // The most users at any moment: the intervals' peaks (the fixture's are one above their
    // last counts), not the counts at their ends.
    let peak = s[..30].iter().map(|s| s.interval_peak_users).max();
    assert_eq!(Some(r.peak_users), peak);
    assert!(r.peak_users > s[..30].iter().map(|s| s.active_users).max().unwrap_or(0));
    assert!(r.peak_users > 0, "the fixture has users");
    assert_eq!(r.thresholds_passed, None);
    assert!(r.thresholds.is_empty() && r.checks.is_empty());
    assert_eq!(
        r.resource_utilization.generator_peak_cpu_percent,
        Some(29.0)
    );
    assert_eq!(r.resource_utilization.generator_cores, 2);
    assert_eq!(
        r.resource_utilization.generator_peak_memory_bytes,
        Some(42_900_000)
    );

    // Only a `latest` snapshot, no series.
    let mut d2 = d.clone();
    d2.latest = Some(s[9].clone());
    let r2 = json(&d2, &[]);
    assert_eq!(r2.results.total_requests, s[9].total.requests);
    assert!((r2.duration - 10.0).abs() < 1e-9);

    // Nothing at all.
    let r3 = json(&d, &[]);
    assert_eq!(r3.results.total_requests, 0);
    assert!(r3.per_request.is_empty());
}

#[test]
fn rfc3339_conversion_of_known_instants() {
    assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339_utc(1_773_480_413_000), "2026-03-14T09:26:53Z");
    assert_eq!(rfc3339_utc(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    assert_eq!(rfc3339_utc(1_709_164_800_000), "2024-02-29T00:00:00Z");
}

// ---------------------------------------------------------------------------------------------
// HTML

#[test]
fn html_has_the_four_charts_and_the_tables() {
    let (d, s) = fixture();
    let page = html(&d, &s);
    assert!(page.starts_with("<!DOCTYPE html>"));
    for chart in ["throughput", "latency", "errors", "users"] {
        let needle = format!("<svg class=\"chart\" data-chart=\"{chart}\"");
        assert_eq!(page.matches(&needle).count(), 1, "chart {chart}");
    }
    assert_eq!(page.matches("<svg").count(), 4);
    assert!(page.contains("viewBox=\"0 0 760 "));
    assert!(page.contains(PRODUCTS) && page.contains(CART));
    assert!(page.contains(">FAIL<"), "verdict badge");
    assert!(
        page.contains("p(99) &lt; 100ms"),
        "threshold expression escaped"
    );
    assert!(page.contains("status in [200]"));
    assert!(
        page.contains("p95 latency 960 ms is above the 500 ms limit"),
        "alert listed"
    );
    // Error kinds in words, as the panel shows them, not their wire names.
    assert!(page.contains("></i>HTTP 5xx</td>") && page.contains(">503<"));
    assert!(!page.contains("http_5xx"), "wire name of an error kind");
    // Each share says what it is a share of.
    assert!(page.contains("<th class=\"n\">Of requests</th>"));
    assert!(page.contains("<th class=\"n\">Of responses</th>"));
    assert!(page.contains("Browse &amp; buy"));
    assert!(page.contains("<style>") && page.contains("@media print"));
    assert!(page.contains("break-inside:avoid"));
    // Both error kinds have their own line in the errors chart, plus the total.
    let errors_svg = svg_of(&page, "errors");
    assert!(errors_svg.contains(">timeout<") && errors_svg.contains(">HTTP 5xx<"));
    assert!(errors_svg.contains(">all errors<"));
    // The alert is marked on the latency chart.
    assert!(svg_of(&page, "latency").contains("class=\"marker\""));
    // Every chart is well-formed XML with labelled axes and hover read-outs.
    for chart in ["throughput", "latency", "errors", "users"] {
        let svg = svg_of(&page, chart);
        check_well_formed(svg).unwrap_or_else(|e| panic!("chart {chart}: {e}"));
        assert!(svg.contains("time into run (s)"), "chart {chart} x label");
        assert!(svg.contains("<title>"), "chart {chart} titles");
        assert!(svg.contains("class=\"legend\""), "chart {chart} legend");
    }
    assert_eq!(page.matches("<html").count(), 1);
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn html_traffic_line_names_re_sent_requests_when_there_are_some() {
    let traffic_of = |resent: u64| {
        let (mut d, s) = fixture();
        let sum = d.summary.as_mut().expect("fixture has a summary");
        (sum.total.bytes_sent, sum.total.bytes_received) = (2_048, 1 << 20);
        sum.total.resent = resent;
        let page = html(&d, &s);
        let at = page.find("<dt>Traffic</dt><dd>").expect("a traffic line");
        let rest = &page[at + "<dt>Traffic</dt><dd>".len()..];
        rest[..rest.find("</dd>").expect("closed")].to_owned()
    };
    assert_eq!(traffic_of(0), "2.0 KiB sent · 1.0 MiB received");
    assert_eq!(
        traffic_of(1),
        "2.0 KiB sent · 1.0 MiB received · 1 request re-sent on a new connection"
    );
    assert_eq!(
        traffic_of(12),
        "2.0 KiB sent · 1.0 MiB received · 12 requests re-sent on a new connection"
    );
}

#[test]
fn html_request_never_made_has_no_latency_not_zero() {
    let (mut d, s) = fixture();
    let sum = d.summary.as_mut().expect("fixture has a summary");
    sum.per_request.push(RequestStats {
        name: "never made".to_owned(),
        ..RequestStats::default()
    });
    let page = html(&d, &s);
    let at = page
        .find("<td class=\"name\">never made</td>")
        .expect("its row");
    let row = &page[at..at + page[at..].find("</tr>").expect("row ends")];
    assert_eq!(row.matches("<td class=\"n\">–</td>").count(), 5, "{row}");
    let total = &page[page.find("<tfoot>").expect("a total row")..];
    assert!(!total[..total.find("</tr>").expect("row ends")].contains('–'));
}

#[test]
fn html_run_without_requests_has_no_latency_in_its_tiles_either() {
    // Nothing was sent (every start dropped, or the run stopped at once): the tiles said
    // p50 0.00 ms above a table whose total row says `–`.
    let (mut d, s) = fixture();
    let sum = d.summary.as_mut().expect("fixture has a summary");
    sum.total = RequestStats {
        name: "*".to_owned(),
        ..RequestStats::default()
    };
    for r in &mut sum.per_request {
        *r = RequestStats {
            name: r.name.clone(),
            ..RequestStats::default()
        };
    }
    let page = html(&d, &s);
    for tile in ["p50", "p95", "p99"] {
        let key = format!("<div class=\"k\">{tile}</div><div class=\"v\">");
        let at = page.find(&key).expect("the tile") + key.len();
        let value = &page[at..at + page[at..].find("</div>").expect("tile ends")];
        assert_eq!(value, "–", "{tile}");
    }
    let total = &page[page.find("<tfoot>").expect("a total row")..];
    assert!(total[..total.find("</tr>").expect("row ends")].contains("<td class=\"n\">–</td>"));
}

#[test]
fn html_shows_interrupted_and_dropped_iterations_next_to_the_finished_ones() {
    let iterations_of = |interrupted: u64, dropped: u64| {
        let (mut d, s) = fixture();
        let sum = d.summary.as_mut().expect("fixture has a summary");
        sum.iterations = 1_200;
        sum.interrupted_iterations = interrupted;
        sum.dropped_iterations = dropped;
        let page = html(&d, &s);
        let at = page
            .find("<dt>Iterations</dt><dd>")
            .expect("an iterations line");
        let rest = &page[at + "<dt>Iterations</dt><dd>".len()..];
        rest[..rest.find("</dd>").expect("closed")].to_owned()
    };
    assert_eq!(iterations_of(0, 0), "1,200");
    assert_eq!(iterations_of(5, 0), "1,200 (5 interrupted)");
    assert_eq!(iterations_of(0, 190), "1,200 (190 dropped)");
    assert_eq!(
        iterations_of(5, 1_900),
        "1,200 (5 interrupted, 1,900 dropped)"
    );
}

#[test]
fn html_states_an_alert_once_in_the_alert_message_words() {
    let (mut d, s) = fixture();
    d.alerts = vec![Alert::new(AlertKind::ErrorRate, 2, 3000, 0.65, 0.05)];
    let page = html(&d, &s);
    let section = &page[page.find("<h2>Alerts</h2>").expect("alerts section")..];
    let section = &section[..section.find("</section>").expect("section end")];
    assert_eq!(
        section,
        "<h2>Alerts</h2><ol class=\"alerts\"><li><strong>t = 3 s</strong> \
         <span class=\"muted\">(on the Errors chart)</span>: error rate 65.00% is \
         above the 5% limit</li></ol>"
    );
}

#[test]
fn html_escapes_strings_from_the_data() {
    let (mut d, mut s) = fixture();
    let evil = "GET /x?<script>alert(1)</script>&\"'";
    d.info.scenario = "<b>shop</b>".into();
    d.scenario_doc.name = "<b>shop</b>".into();
    if let Some(sum) = d.summary.as_mut() {
        sum.per_request[0].name = evil.into();
        sum.checks[0].request = evil.into();
        sum.checks[0].check = "body contains \"<script>\"".into();
        sum.thresholds[0].request = Some(evil.into());
        sum.generator.warnings = vec!["<script>warn</script>".into()];
        sum.generator.saturated = true;
    }
    d.alerts[0].message = "<script>alert('x')</script>".into();
    for snap in &mut s {
        snap.per_request[0].name = evil.into();
    }
    let page = html(&d, &s);
    assert!(!page.contains("<script"), "unescaped script tag");
    assert!(!page.contains("<b>shop"));
    assert!(page.contains("GET /x?&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"));
    assert!(page.contains("&lt;b&gt;shop&lt;/b&gt;"));
    assert!(page.contains("&lt;script&gt;warn&lt;/script&gt;"));
    assert!(page.contains("was saturated"));
}

#[test]
fn html_refers_to_no_external_assets() {
    let (d, s) = fixture();
    let page = html(&d, &s);
    // The one link is the icon, inline: without it the browser asks for /favicon.ico (a 404).
    let icon = "<link rel=\"icon\" href=\"data:image/svg+xml,";
    let head = &page[..page.find("</head>").expect("head")];
    assert_eq!(head.matches(icon).count(), 1, "inline icon: {head}");
    let page = page.replace(super::html::FAVICON, "");
    for banned in [
        "src=", "href=", "url(", "@import", "<link", "<script", "<img", "<iframe",
    ] {
        assert!(!page.contains(banned), "page contains {banned}");
    }
    // The only URL is the scenario's target, shown as text.
    let target = "http://shop.test:8080";
    assert_eq!(
        page.matches("http://").count(),
        page.matches(target).count()
    );
    assert!(!page.contains("https://"));
}

#[test]
fn html_of_a_partial_run_and_of_an_empty_series() {
    let (mut d, s) = fixture();
    d.summary = None;
    d.info.status = RunStatus::Running;
    let page = html(&d, &s[..5]);
    assert!(page.contains("Partial results"));
    assert!(page.contains("NOT EVALUATED"));
    assert_eq!(page.matches("data-chart=").count(), 4);

    let empty = html(&d, &[]);
    assert_eq!(empty.matches("data-chart=").count(), 4);
    assert!(empty.contains("no data"));
    for chart in ["throughput", "latency", "errors", "users"] {
        check_well_formed(svg_of(&empty, chart)).unwrap_or_else(|e| panic!("{chart}: {e}"));
    }
}

#[test]
fn html_downsamples_long_series() {
    let base = series();
    let mut long = Vec::new();
    for i in 0..5_000u64 {
        let mut snap = base[(i % 60) as usize].clone();
        snap.seq = i;
        snap.elapsed_ms = (i + 1) * 1000;
        long.push(snap);
    }
    let (d, _) = fixture();
    let page = html(&d, &long);
    let svg = svg_of(&page, "throughput");
    let polyline = svg.split("<polyline").nth(1).expect("a throughput line");
    let points = polyline
        .split("points=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .expect("points");
    let n = points.split(' ').count();
    assert!(n <= 1000, "{n} points drawn");
    assert!(n >= 500, "{n} points drawn");
    assert!(svg.contains("time into run (min)"));
    check_well_formed(svg).expect("well-formed");
}

#[test]
fn html_rate_lines_leave_out_a_last_interval_too_short_to_measure() {
    let (d, mut s) = fixture();
    let points = |page: &str| {
        let svg = svg_of(page, "throughput");
        let polyline = svg.split("<polyline").nth(1).expect("a throughput line");
        polyline
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .expect("points")
            .split(' ')
            .count()
    };
    let full = points(&html(&d, &s));
    // The final tick: 1 request in 12 ms, which would read 83/s.
    let mut last = s.last().expect("a series").clone();
    last.seq += 1;
    last.elapsed_ms += 12;
    last.interval_ms = 12;
    last.interval.requests = 1;
    last.interval.rps = 1000.0 / 12.0;
    s.push(last);
    assert_eq!(points(&html(&d, &s)), full);
}

#[test]
fn write_sample_report_for_people() {
    let (d, s) = fixture();
    let page = html(&d, &s);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/report-sample.html");
    // Best effort: the sample is for looking at, not for the test.
    let _ = std::fs::write(path, page);
}

/// The `<svg …>…</svg>` element of one chart.
fn svg_of<'a>(page: &'a str, chart: &str) -> &'a str {
    let start = page
        .find(&format!("<svg class=\"chart\" data-chart=\"{chart}\""))
        .unwrap_or_else(|| panic!("no {chart} chart"));
    let len = page[start..].find("</svg>").expect("closed svg") + "</svg>".len();
    &page[start..start + len]
}

// ---------------------------------------------------------------------------------------------
// JUnit

#[test]
fn junit_lists_thresholds_and_checks() {
    let (d, _) = fixture();
    let xml = junit(&d);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    check_well_formed(&xml).expect("well-formed XML");
    // 3 thresholds + 2 checks + the run; one threshold and one check failed; the run
    // completed.
    assert_eq!(xml.matches("<testcase ").count(), 6);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(xml.contains(
        "<testsuite name=\"stampede.shop\" tests=\"6\" failures=\"2\" errors=\"0\" skipped=\"0\" time=\"60.000\">"
    ));
    assert!(xml.contains("<testsuites name=\"stampede\" tests=\"6\" failures=\"2\""));
    assert!(
        xml.contains("<testcase classname=\"thresholds\" name=\"p(95) &lt; 200ms\" time=\"0\"/>")
    );
    assert!(xml.contains(
        "<testcase classname=\"thresholds\" name=\"error_rate &lt; 1% [POST /cart]\" time=\"0\"/>"
    ));
    assert!(xml.contains(
        "<testcase classname=\"thresholds\" name=\"p(99) &lt; 100ms\" time=\"0\">\n      <failure message=\"observed 160.00ms\""
    ));
    let products = d.summary.as_ref().map_or(0, |s| s.per_request[0].requests);
    assert!(xml.contains(&format!(
        "<testcase classname=\"checks.GET /products\" name=\"status in [200]\" time=\"0\">\n      <failure message=\"10 of {products} failed\""
    )));
    assert!(xml.contains(
        "<testcase classname=\"checks.POST /cart\" name=\"status in [201]\" time=\"0\"/>"
    ));
    assert!(xml.contains("<testcase classname=\"run\" name=\"run\" time=\"0\"/>"));
    assert!(xml.contains("<property name=\"run_id\" value=\"run-42\"/>"));
    // Where the load went and how hard, for a CI job that runs against several environments.
    assert!(xml.contains("<property name=\"target\" value=\"http://shop.test:8080\"/>"));
    assert!(
        xml.contains("<property name=\"load\" value=\"constant_users: 20 users for 1 min 00 s\"/>")
    );
}

#[test]
fn a_check_that_never_ran_is_neither_passed_nor_at_zero_percent() {
    // A check on a request never made (its journey was not picked, or cut before it): 0 of 0.
    let (mut d, s) = fixture();
    let sum = d.summary.as_mut().expect("fixture has a summary");
    sum.checks.push(CheckStats {
        request: "DELETE /cart".into(),
        check: "status in [204]".into(),
        passed: 0,
        failed: 0,
    });
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    assert!(
        xml.contains(
            "<testcase classname=\"checks.DELETE /cart\" name=\"status in [204]\" time=\"0\">\n      <skipped message=\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"1\""),
        "{xml}"
    );

    let page = html(&d, &s);
    let at = page
        .find("<td class=\"name\">DELETE /cart</td>")
        .expect("its row");
    let row = &page[at..at + page[at..].find("</tr>").expect("row ends")];
    assert!(!row.contains("0.00%"), "{row}");
    assert!(!row.contains("pass"), "{row}");
    assert!(row.contains("<td class=\"n\">–</td>"), "{row}");
}

#[test]
fn junit_reports_a_failed_run_and_escapes() {
    let (mut d, _) = fixture();
    d.info.status = RunStatus::Failed;
    d.info.scenario = "a\"b<c>&'d".into();
    if let Some(s) = d.summary.as_mut() {
        s.reason = Some("threshold \"p(99) < 100ms\" failed & aborted\nthe run".into());
        s.checks[1].check = "body contains \"]]>\"".into();
    }
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    assert_eq!(xml.matches("<testcase ").count(), 6);
    assert_eq!(xml.matches("<failure ").count(), 3);
    assert!(xml.contains("tests=\"6\" failures=\"3\""));
    assert!(xml.contains("name=\"stampede.a&quot;b&lt;c&gt;&amp;&#39;d\""));
    assert!(xml.contains(
        "<testcase classname=\"run\" name=\"run\" time=\"0\">\n      <failure message=\"run failed: threshold &quot;p(99) &lt; 100ms&quot; failed &amp; aborted&#10;the run\""
    ));

    // An interrupted run without a summary: only the run case.
    d.summary = None;
    d.info.status = RunStatus::Interrupted;
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    assert_eq!(xml.matches("<testcase ").count(), 1);
    assert!(xml.contains("tests=\"1\" failures=\"1\""));
    assert!(xml.contains("run was interrupted (the process running it stopped)"));
    // With the reason its history keeps, that reason: the process did not always stop.
    d.info.interrupted_reason = Some("its end could not be stored".into());
    let xml = junit(&d);
    assert!(
        xml.contains("<failure message=\"run was interrupted: its end could not be stored\""),
        "{xml}"
    );
}

/// A run without thresholds and checks still has a test case, the run itself (Jenkins' `junit`
/// step refuses a report without any): passed when the run completed its schedule, as the
/// CLI's exit code 0 says, and failed when it did not.
#[test]
fn junit_of_a_run_without_thresholds_or_checks_has_the_run_as_its_case() {
    let (mut d, _) = fixture();
    if let Some(s) = d.summary.as_mut() {
        s.thresholds.clear();
        s.checks.clear();
    }
    d.scenario_doc.thresholds.clear();
    d.info.thresholds_passed = None;
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    assert!(
        xml.contains("<testsuites name=\"stampede\" tests=\"1\" failures=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"run\" name=\"run\" time=\"0\"/>"),
        "{xml}"
    );

    // Cancelled (Ctrl-C before the load ended: exit 130), failed and aborted runs fail it.
    for (status, message) in [
        (
            RunStatus::Cancelled,
            "run was cancelled before the end of its schedule",
        ),
        (RunStatus::Failed, "run failed: no reason recorded"),
    ] {
        d.info.status = status;
        let xml = junit(&d);
        check_well_formed(&xml).expect("well-formed XML");
        assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
        assert!(xml.contains("tests=\"1\" failures=\"1\""), "{xml}");
        assert!(
            xml.contains(&format!(
                "<testcase classname=\"run\" name=\"run\" time=\"0\">\n      <failure message=\"{message}\" type=\"run\">"
            )),
            "{status}: {xml}"
        );
    }
}

/// A comparison's JUnit: one case per judged metric (five per row), a failure exactly where
/// the comparison reads `worse`, request names in one run only skipped, and `--total-only`
/// skipping every request name.
#[test]
fn comparison_junit_fails_the_regressed_metrics_only() {
    use shared::compare::{self, Figures, Tolerance};

    use shared::api::RunComparison;

    use super::comparison_junit;

    let (d, _) = fixture();
    let baseline = d.summary.clone().expect("the fixture has a summary");
    let mut candidate = baseline.clone();
    candidate.total.latency.p95_ms *= 1.5;
    candidate.per_request[0].rps /= 2.0;
    candidate.per_request[1].name = "POST /cart?a=<b>&c=\"d\"".into();
    let rows = compare::compare(
        Figures::from(&baseline),
        Figures::from(&candidate),
        Tolerance::DEFAULT,
    );
    let names = ("base.json", "new & improved.json");
    let judged = |total_only| {
        let runs = (d.info.clone(), d.info.clone());
        let c = RunComparison::new(runs, rows.clone(), vec![], Tolerance::DEFAULT, total_only);
        comparison_junit(&c, names)
    };

    let xml = judged(false);
    check_well_formed(&xml).expect("well-formed XML");
    // Total, GET /products, POST /cart (baseline only), the renamed one (candidate only).
    assert_eq!(rows.len(), 4);
    assert_eq!(xml.matches("<testcase ").count(), 4 * 5, "{xml}");
    let (worse, _) = compare::tally(&rows);
    assert_eq!(worse, 2, "p95 of the total, throughput of GET /products");
    assert_eq!(xml.matches("<failure ").count(), worse, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 2 * 5, "{xml}");
    assert!(xml.contains("tests=\"20\" failures=\"2\" errors=\"0\" skipped=\"10\""));
    assert!(xml.contains(
        "<testcase classname=\"total\" name=\"Latency p95\" time=\"0\">\n      <failure message=\""
    ), "{xml}");
    assert!(xml.contains(
        "<testcase classname=\"request.GET /products\" name=\"Throughput\" time=\"0\">\n      <failure "
    ), "{xml}");
    assert!(xml.contains("<testcase classname=\"total\" name=\"Latency p50\" time=\"0\"/>"));
    assert!(xml.contains(
        "<testcase classname=\"request.POST /cart\" name=\"Error rate\" time=\"0\">\n      <skipped message=\"only in the baseline\"/>"
    ), "{xml}");
    assert!(
        xml.contains("classname=\"request.POST /cart?a=&lt;b&gt;&amp;c=&quot;d&quot;\""),
        "{xml}"
    );
    assert!(xml.contains("<property name=\"candidate\" value=\"new &amp; improved.json\"/>"));
    assert!(xml.contains("<property name=\"tolerance\" value=\"5%\"/>"));
    assert!(
        !xml.contains("name=\"Requests\""),
        "requests are not judged"
    );

    assert!(
        xml.contains("<system-out>2 regressions and 0 improvements beyond"),
        "{xml}"
    );

    // Only the total judged: one failure, the request names' cases skipped.
    let xml = judged(true);
    assert!(
        xml.contains(" Only the total was judged.</system-out>"),
        "{xml}"
    );
    check_well_formed(&xml).expect("well-formed XML");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 3 * 5, "{xml}");
    assert!(xml.contains(
        "<testcase classname=\"request.GET /products\" name=\"Throughput\" time=\"0\">\n      <skipped message=\"only the total is judged\"/>"
    ), "{xml}");
}

/// A small well-formedness checker: one root element, balanced and properly nested tags,
/// quoted attributes without `<`, no duplicate attributes, and only valid entity references.
fn check_well_formed(doc: &str) -> Result<(), String> {
    let mut rest = doc;
    if let Some(r) = rest.strip_prefix("<?xml") {
        let end = r.find("?>").ok_or("unterminated XML declaration")?;
        rest = &r[end + 2..];
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        check_text(&rest[..lt])?;
        if !rest[..lt].trim().is_empty() && stack.is_empty() {
            return Err(format!("text outside the root: {:?}", &rest[..lt]));
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').ok_or("unterminated end tag")?;
            let name = r[..end].trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            rest = &r[end + 1..];
            continue;
        }
        let r = &rest[1..];
        let name_len = r
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("unterminated start tag")?;
        let name = &r[..name_len];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_:.".contains(c))
        {
            return Err(format!("bad element name {name:?}"));
        }
        if stack.is_empty() {
            roots += 1;
        }
        let mut r = &r[name_len..];
        let mut seen = Vec::new();
        loop {
            r = r.trim_start();
            if let Some(after) = r.strip_prefix("/>") {
                r = after;
                break;
            }
            if let Some(after) = r.strip_prefix('>') {
                stack.push(name);
                r = after;
                break;
            }
            let eq = r
                .find('=')
                .ok_or_else(|| format!("attribute without value in <{name}>"))?;
            let attr = r[..eq].trim();
            if attr.is_empty()
                || !attr
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_:.".contains(c))
            {
                return Err(format!("bad attribute name {attr:?} in <{name}>"));
            }
            if seen.contains(&attr) {
                return Err(format!("duplicate attribute {attr} in <{name}>"));
            }
            seen.push(attr);
            let v = r[eq + 1..].trim_start();
            let quote = v
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| format!("unquoted attribute {attr} in <{name}>"))?;
            let end = v[1..]
                .find(quote)
                .ok_or_else(|| format!("unterminated attribute {attr} in <{name}>"))?;
            let value = &v[1..1 + end];
            if value.contains('<') {
                return Err(format!("'<' in attribute {attr} of <{name}>"));
            }
            check_text(value)?;
            r = &v[end + 2..];
        }
        rest = r;
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err("'<' in text".into());
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let r = &rest[amp + 1..];
        let end = r.find(';').ok_or("unterminated entity reference")?;
        let entity = &r[..end];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || entity
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("bad entity &{entity};"));
        }
        rest = &r[end + 1..];
    }
    Ok(())
}

#[test]
fn the_well_formedness_checker_rejects_broken_documents() {
    assert!(check_well_formed("<a><b x=\"1\"/></a>").is_ok());
    assert!(check_well_formed("<a><b></a>").is_err());
    assert!(check_well_formed("<a x=1></a>").is_err());
    assert!(check_well_formed("<a x=\"1\" x=\"2\"></a>").is_err());
    assert!(check_well_formed("<a>&nbsp;</a>").is_err());
    assert!(check_well_formed("<a>fish & chips</a>").is_err());
    assert!(check_well_formed("<a></a><b></b>").is_err());
    assert!(check_well_formed("<a>").is_err());
}

// ---------------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_has_a_header_and_one_row_per_snapshot() {
    let s = series();
    let text = csv(&s);
    assert!(text.ends_with("\r\n"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 61);
    assert_eq!(
        lines[0],
        "seq,elapsed_s,interval_s,requests,rps,errors,error_rate,p50_ms,p90_ms,p95_ms,p99_ms,\
         max_ms,active_users,target_users,target_rate,iterations_total,dropped_iterations_total,\
         interrupted_iterations_total,bytes_sent,bytes_received,generator_cpu_percent,resent,\
         peak_users"
    );
    for line in &lines {
        assert_eq!(line.split(',').count(), 23, "{line}");
    }
    let row = |i: usize| -> Vec<&str> { lines[i + 1].split(',').collect() };
    let r0 = row(0);
    assert_eq!(r0[0], "0");
    assert_eq!(r0[1], "1");
    assert_eq!(r0[2], "1");
    assert_eq!(r0[3], s[0].interval.requests.to_string());
    assert_eq!(r0[3], "50");
    assert_eq!(r0[4], "50");
    assert_eq!(r0[5], "0");
    assert_eq!(r0[6], "0");
    assert_eq!(r0[7], "20");
    assert_eq!(r0[12], "2");
    assert_eq!(r0[18], s[0].interval.bytes_sent.to_string());
    assert_eq!(r0[20], "20");
    assert_eq!(r0[21], s[0].interval.resent.to_string());
    assert_eq!(
        r0[22], "3",
        "the interval's peak, one above its last count in the fixture"
    );
    assert_eq!(r0[21], "1");
    assert_eq!(row(1)[21], "0");
    let r22 = row(22);
    assert_eq!(r22[0], "22");
    assert_eq!(r22[5], "2");
    let rate: f64 = r22[6].parse().expect("a number");
    assert!((rate - s[22].interval.error_rate()).abs() < 1e-6);
    let r40 = row(40);
    assert_eq!(
        r40[10].parse::<f64>().ok(),
        Some(s[40].interval.latency.p99_ms)
    );
    assert_eq!(
        r40[11].parse::<f64>().ok(),
        Some(s[40].interval.latency.max_ms)
    );
    let last = row(59);
    assert_eq!(last[1], "60");
    assert_eq!(last[15], s[59].iterations.to_string());
    assert_eq!(last[13], "20");

    assert_eq!(csv(&[]).lines().count(), 1);
}

#[test]
fn csv_leaves_the_rate_of_a_short_final_interval_empty() {
    let mut s = series();
    let mut tail = s[59].clone();
    tail.seq = 60;
    tail.elapsed_ms += 6;
    tail.interval_ms = 6;
    tail.interval.requests = 12;
    tail.interval.rps = 2000.0;
    s.push(tail);
    let text = csv(&s);
    let lines: Vec<&str> = text.lines().collect();
    let fields = |i: usize| -> Vec<&str> { lines[i].split(',').collect() };
    let last = fields(61);
    assert_eq!((last[2], last[3], last[4]), ("0.006", "12", ""));
    // Every whole interval keeps its rate, the one before the tail too.
    assert_eq!(fields(60)[4], s[59].interval.rps.to_string());
    // A last interval of normal length keeps its rate.
    let whole = csv(&s[..60]);
    assert_eq!(
        whole.lines().last().and_then(|l| l.split(',').nth(4)),
        Some(s[59].interval.rps.to_string().as_str())
    );
}

#[test]
fn csv_leaves_the_latency_of_an_interval_without_responses_empty() {
    // A target that hangs answers nothing for an interval: its latency is unknown, not 0 ms
    // (the charts leave a gap, the progress line and the summary show `–`).
    let mut s = series();
    s[30].interval = RequestStats {
        name: "*".into(),
        ..RequestStats::default()
    };
    let text = csv(&s);
    let lines: Vec<&str> = text.lines().collect();
    let idle: Vec<&str> = lines[31].split(',').collect();
    assert_eq!(idle.len(), 23, "{}", lines[31]);
    assert_eq!(
        (idle[3], idle[5], idle[6]),
        ("0", "0", "0"),
        "{}",
        lines[31]
    );
    assert_eq!(&idle[7..12], ["", "", "", "", ""], "{}", lines[31]);
    // Its neighbours keep theirs.
    let busy: Vec<&str> = lines[30].split(',').collect();
    assert!(busy[7..12].iter().all(|f| !f.is_empty()), "{}", lines[30]);
}

#[test]
fn csv_fields_are_quoted_when_needed() {
    assert_eq!(super::csv::field("plain"), "plain");
    assert_eq!(super::csv::field("12.5"), "12.5");
    assert_eq!(super::csv::field("a,b"), "\"a,b\"");
    assert_eq!(super::csv::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(super::csv::field("two\nlines"), "\"two\nlines\"");
    assert_eq!(super::csv::field(" padded"), "\" padded\"");
    assert_eq!(super::csv::field(""), "");
}

#[test]
fn users_chart_of_an_open_model_run_has_a_rate_axis() {
    let (d, mut s) = fixture();
    for (i, snap) in s.iter_mut().enumerate() {
        snap.target_users = 0;
        snap.target_rate = 5.0 + i as f64 * 0.5;
    }
    let page = html(&d, &s);
    let svg = svg_of(&page, "users");
    check_well_formed(svg).expect("well-formed");
    assert!(svg.contains(">target rate (starts/s)<"), "right axis label");
    assert!(svg.contains("target rate (starts/s, right axis)"), "legend");
    assert!(!svg.contains(">target users<"));
    assert!(
        legend_of(svg).contains("active users (peak)"),
        "the line is each interval's peak, and says so"
    );
    let _ = std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/report-sample-users-open.svg"
        ),
        svg,
    );
}

/// Where the load ended is marked on every time chart when the run went on past it (its
/// graceful stop), and only then.
#[test]
fn the_load_end_is_marked_when_a_graceful_stop_follows() {
    let (mut d, s) = fixture();
    let charts = ["throughput", "latency", "errors", "users"];
    // The fixture's load lasts its 60 s of snapshots: nothing follows it.
    let page = html(&d, &s);
    for chart in charts {
        assert!(!svg_of(&page, chart).contains("load ends"), "{chart}");
    }
    d.scenario_doc.load = serde_json::from_value(json!({
        "type": "constant_users", "users": 20, "duration": "55s"
    }))
    .expect("a valid profile");
    let page = html(&d, &s);
    for chart in charts {
        let svg = svg_of(&page, chart);
        check_well_formed(svg).expect("well-formed");
        let mark = &svg[svg.find("<g class=\"load-end\">").expect("a mark")..];
        assert!(mark.contains(">load ends</text>"), "{chart}: {mark}");
        // At 55 of 60 s along the plot (left edge 64, plot 676 wide without a right axis).
        let want = 64.0 + 55.0 / 60.0 * (760.0 - 64.0 - 20.0);
        let x1: f64 = mark["<g class=\"load-end\"><line x1=\"".len()..]
            .split('"')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("x1");
        let right_axis = chart == "users" && svg.contains("right axis");
        if !right_axis {
            assert!((x1 - want).abs() < 0.11, "{chart}: x1 {x1}, want {want}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTML: alert markers, error-kind colours, verdict notes and formatting

/// The `<section>` whose heading is `h2`, up to its end.
fn section_of<'a>(page: &'a str, h2: &str) -> &'a str {
    let start = page
        .find(&format!("<h2>{h2}</h2>"))
        .unwrap_or_else(|| panic!("no {h2} section"));
    let len = page[start..].find("</section>").expect("closed section");
    &page[start..start + len]
}

/// The page's header (scenario name, verdict badge and any note on the verdict).
fn header_of(page: &str) -> &str {
    let start = page.find("<header class=\"top\">").expect("a header");
    let len = page[start..].find("</header>").expect("closed header");
    &page[start..start + len]
}

/// The `<g class="legend">…</g>` of a chart.
fn legend_of(svg: &str) -> &str {
    &svg[svg.find("<g class=\"legend\">").expect("a legend")..]
}

/// The text of every `<li>` in `html`, tags stripped.
fn list_items(html: &str) -> Vec<String> {
    html.split("<li")
        .skip(1)
        .map(|li| {
            let body = &li[li.find('>').map_or(0, |i| i + 1)..];
            let body = &body[..body.find("</li>").unwrap_or(body.len())];
            strip_tags(body)
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn html_alert_markers_have_a_legend_entry_and_numbers_matching_the_alert_list() {
    let (mut d, s) = fixture();
    d.alerts = vec![
        Alert::new(AlertKind::ErrorRate, 21, 22_000, 0.04, 0.02),
        Alert::new(AlertKind::ResponseTime, 40, 41_000, 960.0, 500.0),
    ];
    let page = html(&d, &s);

    // The alerts are listed in a numbered list, in order.
    let section = section_of(&page, "Alerts");
    assert!(section.contains("<ol class=\"alerts\">"), "{section}");
    let items = list_items(section);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].contains(&d.alerts[0].message), "{items:?}");
    assert!(items[1].contains(&d.alerts[1].message), "{items:?}");

    // Each chart with a marker shows the alert's number at it and explains the red dash in
    // its legend, in words that print.
    for (chart, number, alert) in [("errors", 1, &d.alerts[0]), ("latency", 2, &d.alerts[1])] {
        let svg = svg_of(&page, chart);
        check_well_formed(svg).unwrap_or_else(|e| panic!("{chart}: {e}"));
        let legend = legend_of(svg);
        assert!(
            legend.contains("class=\"marker\""),
            "{chart}: the legend shows the marker's red dash: {legend}"
        );
        assert!(
            legend.contains(">alert"),
            "{chart}: the legend names it: {legend}"
        );
        assert!(
            svg.contains("<text class=\"marker-n\""),
            "{chart}: a number at the marker"
        );
        let marker_numbers: Vec<&str> = svg
            .split("<text class=\"marker-n\"")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next())
            .collect();
        assert_eq!(marker_numbers, vec![number.to_string()], "{chart}");
        assert!(
            svg.contains(&format!("alert {number} — ")) && svg.contains(&alert.message),
            "{chart}: the hover read-out names the alert"
        );
    }
    // A chart without markers has no alert legend entry.
    for chart in ["throughput", "users"] {
        let legend = legend_of(svg_of(&page, chart));
        assert!(!legend.contains(">alert"), "{chart}: {legend}");
    }
    // Without alerts, no chart has one.
    d.alerts.clear();
    let page = html(&d, &s);
    for chart in ["throughput", "latency", "errors", "users"] {
        assert!(!svg_of(&page, chart).contains("marker"), "{chart}");
    }
}

/// The fixture with `kinds` each failing one request per interval in intervals 10 to 14, and
/// nothing else failing.
fn fixture_with_error_kinds(kinds: &[ErrorKind]) -> (RunDetail, Vec<MetricsSnapshot>) {
    let (mut d, mut s) = fixture();
    let mut total = BTreeMap::new();
    for (i, snap) in s.iter_mut().enumerate() {
        snap.interval.errors_by_kind.clear();
        snap.interval.errors = 0;
        if (10..15).contains(&i) {
            for k in kinds {
                snap.interval.errors_by_kind.insert(*k, 1);
                *total.entry(*k).or_insert(0) += 1;
            }
            snap.interval.errors = kinds.len() as u64;
        }
    }
    if let Some(sum) = d.summary.as_mut() {
        sum.total.errors = total.values().sum();
        sum.total.errors_by_kind = total;
    }
    (d, s)
}

/// The colour of the line named `name` in a chart, read from its legend entry.
fn legend_colour(svg: &str, name: &str) -> String {
    let legend = legend_of(svg);
    let at = legend
        .find(&format!(">{name}</text>"))
        .unwrap_or_else(|| panic!("no legend entry {name}: {legend}"));
    let open = legend[..at]
        .rfind("style=\"color:")
        .expect("a coloured entry");
    let rest = &legend[open + "style=\"color:".len()..];
    rest[..rest.find('"').expect("closed attribute")].to_owned()
}

#[test]
fn html_error_kinds_keep_their_colour_whatever_else_failed() {
    use ErrorKind::*;
    let errors_svg = |kinds: &[ErrorKind]| {
        let (d, s) = fixture_with_error_kinds(kinds);
        svg_of(&html(&d, &s), "errors").to_owned()
    };
    let alone = errors_svg(&[Http4xx]);
    let with_others = errors_svg(&[ConnectRefused, Timeout, Http4xx]);
    let with_more = errors_svg(&[Connect, Tls, Reset, Http4xx, Http5xx]);
    let colour = legend_colour(&alone, "HTTP 4xx");
    assert_eq!(legend_colour(&with_others, "HTTP 4xx"), colour);
    assert_eq!(legend_colour(&with_more, "HTTP 4xx"), colour);
    assert_eq!(
        legend_colour(&with_others, "timeout"),
        legend_colour(&errors_svg(&[Timeout]), "timeout")
    );

    // With every kind at once, the common kinds and the total each have a colour of their own.
    let all = errors_svg(&ErrorKind::ALL);
    let common = [
        Timeout,
        ConnectRefused,
        Reset,
        Http4xx,
        Http5xx,
        CheckFailed,
        BodyRead,
        Protocol,
    ];
    let mut colours: Vec<String> = common
        .iter()
        .map(|k| legend_colour(&all, k.label()))
        .collect();
    colours.push(legend_colour(&all, "all errors"));
    let mut distinct = colours.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), colours.len(), "{colours:?}");
    // Every kind has a line.
    for k in ErrorKind::ALL {
        legend_colour(&all, k.label());
    }
}

#[test]
fn html_errors_by_kind_table_uses_the_chart_colours() {
    use ErrorKind::*;
    let (d, s) = fixture_with_error_kinds(&[Timeout, Http4xx, Http5xx]);
    let page = html(&d, &s);
    let chart = svg_of(&page, "errors");
    let table = section_of(&page, "Errors by kind");
    for k in [Timeout, Http4xx, Http5xx] {
        let colour = legend_colour(chart, k.label());
        let row = table
            .split("<tr>")
            .find(|r| r.contains(&format!("{}</td>", k.label())))
            .unwrap_or_else(|| panic!("no row for {}: {table}", k.label()));
        assert!(
            row.contains(&format!("color:{colour}")),
            "{}: the row's key has the chart colour {colour}: {row}",
            k.label()
        );
    }
}

/// The fixture as a run stopped by a failing `abort_on_fail` threshold, the way the engine
/// records one.
fn aborted_fixture() -> (RunDetail, Vec<MetricsSnapshot>) {
    let (mut d, s) = fixture();
    d.info.status = RunStatus::Failed;
    d.scenario_doc.thresholds[2].abort_on_fail = true;
    if let Some(sum) = d.summary.as_mut() {
        sum.status = RunStatus::Failed;
        sum.duration_ms = 12_000;
        sum.reason =
            Some("threshold \"p(99) < 100ms\" failed (observed 160.00ms), aborting".into());
        sum.aborted_by = Some("p(99) < 100ms".into());
    }
    (d, s)
}

#[test]
fn html_verdict_says_when_the_run_was_cancelled_or_aborted() {
    // A completed run: the verdict stands alone.
    let (d, s) = fixture();
    let header = header_of(&html(&d, &s)).to_owned();
    assert!(header.contains(">FAIL<"));
    assert!(
        !header.contains("cancelled") && !header.contains("aborted"),
        "{header}"
    );

    // A cancelled run: judged, with a note that it stopped before the end of its schedule.
    let (mut d, s) = fixture();
    d.info.status = RunStatus::Cancelled;
    if let Some(sum) = d.summary.as_mut() {
        sum.status = RunStatus::Cancelled;
        sum.duration_ms = 30_000;
    }
    let page = html(&d, &s);
    let header = header_of(&page);
    assert!(header.contains(">FAIL<"), "{header}");
    assert!(
        header.contains("cancelled before the end of its schedule"),
        "{header}"
    );
    // The same note whatever the verdict.
    if let Some(sum) = d.summary.as_mut() {
        for t in &mut sum.thresholds {
            t.passed = true;
        }
    }
    let header = header_of(&html(&d, &s)).to_owned();
    // Thresholds that held on part of a run: not a plain PASS (the panel says the same).
    assert!(header.contains(">PASSED SO FAR<"), "{header}");
    assert!(!header.contains(">PASS<"), "{header}");
    assert!(
        header.contains("cancelled before the end of its schedule"),
        "{header}"
    );

    // A run aborted by an abort_on_fail threshold: the note names the threshold.
    let (d, s) = aborted_fixture();
    let page = html(&d, &s);
    let header = header_of(&page);
    assert!(header.contains(">FAIL<"), "{header}");
    assert!(
        header.contains("aborted early by the abort_on_fail threshold"),
        "{header}"
    );
    assert!(header.contains("p(99) &lt; 100ms"), "{header}");
    // The JSON report names it too, and is not partial: the aborted run was judged.
    let r = super::json(&d, &s);
    assert_eq!(r.aborted_by.as_deref(), Some("p(99) < 100ms"));
    assert!(!r.partial);
    assert_eq!(super::json(&fixture().0, &s).aborted_by, None);
    // `aborted_by` decides, whatever the reason's wording; a summary stored before it existed
    // is recognised by its reason.
    for (aborted_by, reason) in [
        (Some("p(99) < 100ms"), "stopped"),
        (
            None,
            "threshold \"p(99) < 100ms\" failed (observed 160.00ms), aborting",
        ),
    ] {
        let (mut d, s) = aborted_fixture();
        if let Some(sum) = d.summary.as_mut() {
            sum.aborted_by = aborted_by.map(str::to_owned);
            sum.reason = Some(reason.into());
        }
        let page = html(&d, &s);
        let header = header_of(&page);
        assert!(
            header.contains("aborted early by the abort_on_fail threshold")
                && header.contains("p(99) &lt; 100ms"),
            "{aborted_by:?}: {header}"
        );
    }

    // A run that failed for another reason is not called aborted.
    let (mut d, s) = fixture();
    d.info.status = RunStatus::Failed;
    if let Some(sum) = d.summary.as_mut() {
        sum.status = RunStatus::Failed;
        sum.reason = Some("cannot start a worker thread: out of memory".into());
    }
    let header = header_of(&html(&d, &s)).to_owned();
    assert!(
        !header.contains("aborted") && !header.contains("cancelled"),
        "{header}"
    );

    // An interrupted run without a summary is still "not evaluated", without a stop note.
    let (mut d, s) = fixture();
    d.summary = None;
    d.info.status = RunStatus::Interrupted;
    let header = header_of(&html(&d, &s[..10])).to_owned();
    assert!(header.contains("NOT EVALUATED"), "{header}");
    assert!(
        !header.contains("aborted") && !header.contains("cancelled"),
        "{header}"
    );
}

#[test]
fn junit_says_when_thresholds_were_judged_on_a_run_stopped_early() {
    // Aborted: the run case says by what.
    let (d, _) = aborted_fixture();
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    let run_case = &xml[xml.find("<testcase classname=\"run\"").expect("a run case")..];
    assert!(
        run_case.contains(
            "<failure message=\"run was aborted early by the abort_on_fail threshold \
             &quot;p(99) &lt; 100ms&quot;\" type=\"run\">"
        ),
        "{run_case}"
    );
    // The engine's reason, with the value observed when it aborted, is kept in the body.
    assert!(
        run_case.contains("Reason recorded: threshold &quot;p(99) &lt; 100ms&quot; failed"),
        "{run_case}"
    );
    // The failed thresholds say what they were judged on.
    let failure = &xml[xml
        .find("name=\"p(99) &lt; 100ms\"")
        .expect("the threshold case")..];
    let failure = &failure[..failure.find("</testcase>").expect("closed")];
    assert!(failure.contains("aborted early"), "{failure}");

    // Cancelled.
    let (mut d, _) = fixture();
    d.info.status = RunStatus::Cancelled;
    let xml = junit(&d);
    check_well_formed(&xml).expect("well-formed XML");
    let failure = &xml[xml
        .find("name=\"p(99) &lt; 100ms\"")
        .expect("the threshold case")..];
    let failure = &failure[..failure.find("</testcase>").expect("closed")];
    assert!(
        failure.contains("cancelled before the end of its schedule"),
        "{failure}"
    );

    // Completed: no such note.
    let (d, _) = fixture();
    let xml = junit(&d);
    assert!(!xml.contains("cancelled") && !xml.contains("aborted"));
}

#[test]
fn html_threshold_values_have_the_tables_unit_style() {
    let (d, s) = fixture();
    let page = html(&d, &s);
    let section = section_of(&page, "Thresholds");
    let observed: Vec<String> = section
        .split("<td class=\"n\">")
        .skip(1)
        .map(|c| strip_tags(&c[..c.find("</td>").expect("closed cell")]))
        .collect();
    let cart_rate = d
        .summary
        .as_ref()
        .map_or(0.0, |s| s.per_request[1].error_rate());
    assert_eq!(
        observed,
        vec![
            "95.0 ms".to_owned(),
            format!("{:.2}%", cart_rate * 100.0),
            "160 ms".to_owned()
        ]
    );
    // The same style as the requests table.
    assert!(section_of(&page, "Requests").contains(" ms</td>"));
}

/// Every `t = …` read-out in `page`, up to the end of its text.
fn time_readouts(page: &str) -> Vec<String> {
    page.split("t = ")
        .skip(1)
        .map(|r| {
            let end = r.find(['<', '—', ':']).unwrap_or(r.len());
            r[..end].trim().to_owned()
        })
        .collect()
}

#[test]
fn html_times_read_the_same_way_everywhere() {
    let (mut d, mut s) = fixture();
    // Real snapshots land a few ms after each whole second.
    for (i, snap) in s.iter_mut().enumerate() {
        snap.elapsed_ms += (i as u64 * 7) % 5;
    }
    d.alerts = vec![Alert::new(
        AlertKind::ResponseTime,
        40,
        41_003,
        960.0,
        500.0,
    )];
    let page = html(&d, &s);
    let times = time_readouts(&page);
    assert!(times.len() > 100, "{}", times.len());
    for t in &times {
        // `41 s`, `1 min 05 s`: a number, a space and a unit, without a redundant `.0`.
        assert!(t.ends_with(" s") && !t.contains(".0 "), "{t:?}");
    }
    assert!(times.contains(&"41 s".to_owned()), "{times:?}");
    // The alert list reads the same way.
    assert!(section_of(&page, "Alerts").contains("t = 41 s"));
}

/// Every percentage in the text of `html`: the run of digits, `.`, `<` and `>` before each `%`.
fn percentages(html: &str) -> Vec<String> {
    let text = strip_tags(&html.replace('<', " <"))
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let mut out = Vec::new();
    for (at, _) in text.match_indices('%') {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '<' || c == '>'))
            .map_or(0, |i| i + 1);
        out.push(text[start..=at].to_owned());
    }
    out
}

#[test]
fn html_percentages_have_one_precision_per_table() {
    let (mut d, s) = fixture();
    if let Some(sum) = d.summary.as_mut() {
        // A check that never passed, one that failed once in a hundred thousand.
        sum.checks[0].passed = 0;
        sum.checks[0].failed = 40;
        sum.checks[1].passed = 99_999;
        sum.checks[1].failed = 1;
    }
    let page = html(&d, &s);
    let checks = section_of(&page, "Checks");
    let rates = percentages(checks);
    assert_eq!(rates, vec!["0.00%".to_owned(), ">99.99%".to_owned()]);
    // Error shares and the error-rate tile.
    let (d, s) = fixture_with_error_kinds(&[]);
    let page = html(&d, &s);
    let tiles = &page[page.find("<div class=\"tiles\">").expect("tiles")..];
    let tiles = &tiles[..tiles.find("</div>\n").expect("tiles end")];
    assert!(tiles.contains(">0.00%<"), "{tiles}");
    for section in ["Errors by kind", "Requests"] {
        for p in percentages(section_of(&page, section)) {
            let digits = p.trim_start_matches(['<', '>']).trim_end_matches('%');
            assert_eq!(
                digits.split('.').nth(1).map(str::len),
                Some(2),
                "{section}: {p}"
            );
        }
    }
}

/// The labels of a chart's left-axis ticks.
fn left_ticks(svg: &str) -> Vec<String> {
    svg.split("text-anchor=\"end\" dy=\"0.32em\">")
        .skip(1)
        .map(|t| t[..t.find('<').expect("closed text")].to_owned())
        .collect()
}

#[test]
fn html_count_axes_have_whole_number_ticks() {
    for users in [1u64, 2, 3, 7, 10, 13] {
        let (d, mut s) = fixture();
        for (i, snap) in s.iter_mut().enumerate() {
            snap.active_users = users.min(i as u64 + 1);
            snap.target_users = users;
        }
        let page = html(&d, &s);
        let ticks = left_ticks(svg_of(&page, "users"));
        assert!(ticks.len() >= 2, "{users} users: {ticks:?}");
        for t in &ticks {
            let v: f64 = t.parse().unwrap_or_else(|_| panic!("{users}: tick {t:?}"));
            assert_eq!(v.fract(), 0.0, "{users} users: {ticks:?}");
        }
        assert!(
            ticks.last().and_then(|t| t.parse::<f64>().ok()) >= Some(users as f64),
            "{users} users: {ticks:?}"
        );
    }
    // Errors per interval are counts too.
    let (d, s) = fixture_with_error_kinds(&[ErrorKind::Timeout]);
    let page = html(&d, &s);
    for t in left_ticks(svg_of(&page, "errors")) {
        assert!(!t.contains('.'), "errors tick {t}");
    }
}

#[test]
fn count_ticks_are_whole_and_cover_the_data() {
    use super::svg::count_ticks;
    for max in [
        0.0, 0.4, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 9.0, 10.0, 11.0, 13.0, 20.0, 99.0, 250.0,
    ] {
        let ticks = count_ticks(max, 5);
        assert!(ticks.len() >= 2 && ticks.len() <= 7, "{max}: {ticks:?}");
        assert_eq!(ticks[0], 0.0, "{max}: {ticks:?}");
        assert!(ticks.iter().all(|t| t.fract() == 0.0), "{max}: {ticks:?}");
        assert!(ticks.last() >= Some(&max), "{max}: {ticks:?}");
        let step = ticks[1] - ticks[0];
        assert!(
            ticks.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9),
            "{max}: {ticks:?}"
        );
    }
    assert_eq!(count_ticks(1.0, 5), vec![0.0, 1.0]);
    assert_eq!(count_ticks(10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(count_ticks(f64::NAN, 5), vec![0.0, 1.0]);
    assert_eq!(count_ticks(-3.0, 5), vec![0.0, 1.0]);
}

#[test]
fn percentages_have_two_decimals_and_never_round_to_nothing_or_everything() {
    use super::format::fmt_pct;
    let cases = [
        (0.0, "0.00%"),
        (0.000_01, "<0.01%"),
        (0.000_1, "0.01%"),
        (0.004_5, "0.45%"),
        (0.25, "25.00%"),
        (0.999_9, "99.99%"),
        (0.999_99, ">99.99%"),
        (1.0, "100.00%"),
        (f64::NAN, "0.00%"),
    ];
    for (ratio, want) in cases {
        assert_eq!(fmt_pct(ratio), want, "{ratio}");
    }
}

#[test]
fn every_error_kind_has_its_own_colour() {
    use super::html::{ALL_ERRORS_COLOR, error_kind_color};
    let mut colours: Vec<&str> = ErrorKind::ALL
        .iter()
        .map(|k| error_kind_color(*k))
        .collect();
    colours.push(ALL_ERRORS_COLOR);
    let mut distinct = colours.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), ErrorKind::ALL.len() + 1, "{colours:?}");
}

#[test]
fn an_abort_is_recognised_by_the_engine_reason() {
    use super::{Aborting, EarlyStop};
    let (d, _) = aborted_fixture();
    let aborting = |expr: &str, request: Option<&str>| {
        Some(EarlyStop::Aborted(Some(Aborting {
            expr: expr.into(),
            request: request.map(Into::into),
        })))
    };
    assert_eq!(EarlyStop::of(&d), aborting("p(99) < 100ms", None));
    // A threshold scoped to a request names it.
    let (mut scoped, _) = aborted_fixture();
    if let Some(s) = scoped.summary.as_mut() {
        s.aborted_by_request = Some("login".into());
    }
    assert_eq!(
        EarlyStop::of(&scoped),
        aborting("p(99) < 100ms", Some("login"))
    );
    // A summary stored before `aborted_by` existed: an abort reason in other words still
    // counts as an abort, without a threshold named.
    let (mut d, _) = aborted_fixture();
    if let Some(s) = d.summary.as_mut() {
        s.reason = Some("aborting: thresholds failed".into());
        s.aborted_by = None;
    }
    assert_eq!(EarlyStop::of(&d), Some(EarlyStop::Aborted(None)));
    // An expression with quotes in it.
    if let Some(s) = d.summary.as_mut() {
        s.reason =
            Some("threshold \"p(95) < 1s\" failed\" failed (observed no data), aborting".into());
    }
    assert_eq!(EarlyStop::of(&d), aborting("p(95) < 1s\" failed", None));
    // Other failures, completed runs and runs without a summary stopped nothing early.
    let (mut d, _) = fixture();
    assert_eq!(EarlyStop::of(&d), None);
    d.info.status = RunStatus::Failed;
    assert_eq!(EarlyStop::of(&d), None);
    d.info.status = RunStatus::Cancelled;
    assert_eq!(EarlyStop::of(&d), Some(EarlyStop::Cancelled));
    d.summary = None;
    assert_eq!(EarlyStop::of(&d), None);
}

#[test]
fn html_load_line_describes_the_profile() {
    // The words are `LoadProfile::describe`'s (table-tested in `shared`); here, that the page
    // shows them for the run's profile, escaped.
    let load_of = |page: &str| {
        let at = page.find("<dt>Load</dt><dd>").expect("a load line");
        let rest = &page[at + "<dt>Load</dt><dd>".len()..];
        rest[..rest.find("</dd>").expect("closed")].to_owned()
    };
    let (mut d, s) = fixture();
    assert_eq!(
        load_of(&html(&d, &s)),
        "constant_users: 20 users for 1 min 00 s"
    );
    d.scenario_doc.load = serde_json::from_value(json!({
        "type": "ramping_users", "start_users": 0,
        "stages": [{ "duration": "10s", "target": 20 }, { "duration": "2m", "target": 0 }]
    }))
    .expect("a valid ramp");
    assert_eq!(
        load_of(&html(&d, &s)),
        "ramping_users: from 0 users, → 20 users over 10 s, → 0 users over 2 min 00 s"
    );
}

#[test]
fn html_verdict_of_a_failed_run_whose_thresholds_held_is_passed_so_far() {
    // The panel's rule: any run that did not complete its schedule is judged on the part that
    // ran. A run that failed for a reason other than an abort (here the engine's own) too.
    let (mut d, s) = fixture();
    d.info.status = RunStatus::Failed;
    if let Some(sum) = d.summary.as_mut() {
        sum.status = RunStatus::Failed;
        sum.reason = Some("the run ended unexpectedly (internal error)".into());
        for t in &mut sum.thresholds {
            t.passed = true;
        }
    }
    let header = header_of(&html(&d, &s)).to_owned();
    assert!(header.contains(">PASSED SO FAR<"), "{header}");
    assert!(!header.contains(">PASS<"), "{header}");
}

#[test]
fn html_names_the_scoped_threshold_that_stopped_the_run() {
    // The same expression on the whole run (failing too) and on one request, whose threshold
    // stopped the run: the note names the request, and only its row says it stopped the run.
    let (mut d, s) = aborted_fixture();
    if let Some(sum) = d.summary.as_mut() {
        sum.aborted_by_request = Some("login".into());
        let global = sum
            .thresholds
            .iter()
            .find(|t| t.expr == "p(99) < 100ms")
            .cloned()
            .expect("the fixture's p99 threshold");
        assert_eq!(global.request, None);
        sum.thresholds.push(ThresholdResult {
            request: Some("login".into()),
            passed: false,
            ..global
        });
    }
    let page = html(&d, &s);
    let header = header_of(&page);
    assert!(
        header.contains("threshold &quot;p(99) &lt; 100ms&quot; for request &quot;login&quot;"),
        "{header}"
    );
    let marked: Vec<&str> = page
        .split("<tr")
        .filter(|row| row.contains("stopped the run"))
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    assert!(marked[0].contains(">login</td>"), "{}", marked[0]);
}
