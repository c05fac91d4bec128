//! Runs through the REST API: starting, conflicting, stopping; a completed run's history,
//! series and reports; the test-type endpoints; monitoring and `/metrics` after a run; alerts.

use std::time::Duration;

use axum::http::{StatusCode, header};
use serde_json::json;
use shared::api::{
    AlertKind, ErrorStats, PerformanceSeries, RunComparison, RunDetail, RunInfo, RunTotals,
    TestType, WorkloadStatus,
};
use shared::compare::{self, Change, CompareRow, Metric, Presence, Tolerance};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::report::JsonReport;
use shared::run::{RunId, RunStatus};
use shared::scenario::LoadProfile;
use shared::units::HumanDuration;
use shared::ws::ServerMsg;

use super::{
    Harness, collect_until_finished, quick_scenario, thinking_scenario, wait_finished, wait_for,
};
use crate::demo_target::DemoConfig;
use crate::server::{AlertLimits, TestConfig};

/// The ids a listing returns, in order.
async fn listed(h: &Harness, uri: &str) -> Vec<RunId> {
    h.get(uri)
        .await
        .expect_status(StatusCode::OK)
        .json::<Vec<RunInfo>>()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn detail(h: &Harness, id: &RunId) -> RunDetail {
    h.get(&format!("/api/runs/{id}"))
        .await
        .expect_status(StatusCode::OK)
        .json()
}

async fn series(h: &Harness, id: &RunId) -> Vec<MetricsSnapshot> {
    h.get(&format!("/api/runs/{id}/series"))
        .await
        .expect_status(StatusCode::OK)
        .json()
}

/// The series is in order, one snapshot per interval from 0, and adds up to the summary.
#[track_caller]
fn check_series(series: &[MetricsSnapshot], summary: &RunSummary) {
    assert!(!series.is_empty());
    let seqs: Vec<u64> = series.iter().map(|s| s.seq).collect();
    let expected: Vec<u64> = (0..series.len() as u64).collect();
    assert_eq!(seqs, expected, "every interval once, in order");
    let sum: u64 = series.iter().map(|s| s.interval.requests).sum();
    assert_eq!(sum, summary.total.requests, "interval requests add up");
    let errors: u64 = series.iter().map(|s| s.interval.errors).sum();
    assert_eq!(errors, summary.total.errors, "interval errors add up");
    let last = series.last().expect("non-empty");
    assert_eq!(last.total.requests, summary.total.requests);
    assert_eq!(
        last.status, summary.status,
        "the final snapshot carries the end status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_start_conflict_status_and_stop() {
    let h = Harness::new().await;
    let (mut rx, _) = h.runs.subscribe();

    // By preset name; `ramping_rate` has no think times, so a stop ends it at once.
    let start =
        json!({ "scenario": { "name": "ramping_rate" }, "overrides": { "duration": "30s" } });
    let id = h.start("/api/workload/start", &start).await;

    // Everything that would start a second run is refused, naming the run in the way.
    let quick = quick_scenario("quick", "GET product", "500ms");
    for (uri, body) in [
        ("/api/workload/start", start.clone()),
        ("/api/runs", json!({ "scenario": { "inline": quick } })),
        (
            "/api/testing/performance",
            json!({ "scenario": { "inline": quick }, "duration": "1s" }),
        ),
        (
            "/api/testing/stress",
            json!({ "scenario": { "inline": quick }, "users": 1, "max_users": 2 }),
        ),
        (
            "/api/testing/scalability",
            json!({ "scenario": { "inline": quick }, "users": 1, "max_users": 2 }),
        ),
    ] {
        let err = h
            .post_json(uri, &body)
            .await
            .error(StatusCode::CONFLICT, "run_in_progress");
        assert_eq!(err.run_id.as_ref(), Some(&id), "{uri}: {err:?}");
    }

    // The status and the run itself show it in progress.
    let status: WorkloadStatus = h
        .get("/api/workload/status")
        .await
        .expect_status(StatusCode::OK)
        .json();
    let run = status.run.expect("a current run");
    assert_eq!(run.id, id);
    assert_eq!(run.scenario, "ramping_rate");
    assert_eq!(run.test_type, TestType::Load);
    assert!(!run.status.is_terminal(), "{run:?}");
    let d = detail(&h, &id).await;
    assert!(!d.info.status.is_terminal(), "{:?}", d.info);
    assert!(d.summary.is_none());
    assert_eq!(d.scenario_doc.name, "ramping_rate");
    assert_eq!(
        d.scenario_doc.target.as_deref(),
        Some(h.demo.url().as_str()),
        "presets aim at the demo target"
    );
    match &d.scenario_doc.load {
        LoadProfile::RampingRate { stages, .. } => {
            let total: f64 = stages.iter().map(|s| s.duration.get().as_secs_f64()).sum();
            assert!((total - 30.0).abs() < 1e-3, "stretched to 30s: {stages:?}");
        }
        other => panic!("unexpected load {other:?}"),
    }
    let listed_running = listed(&h, "/api/runs?status=completed").await;
    assert!(!listed_running.contains(&id));

    // Stopping another run: unknown id is 404.
    h.post_empty("/api/runs/no-such-run/stop")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    let stopped: RunInfo = h
        .post_empty("/api/workload/stop")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(stopped.id, id);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Cancelled, "{summary:?}");

    let d = detail(&h, &id).await;
    assert_eq!(d.info.status, RunStatus::Cancelled);
    assert!(d.info.ended_at_ms.is_some());
    assert_eq!(
        d.summary.as_ref().map(|s| s.total.requests),
        Some(summary.total.requests)
    );
    let status: WorkloadStatus = h.get("/api/workload/status").await.json();
    assert_eq!(
        status.run.map(|r| (r.id, r.status)),
        Some((id.clone(), RunStatus::Cancelled))
    );
    assert_eq!(
        listed(&h, "/api/runs?status=cancelled").await,
        vec![id.clone()]
    );

    // Nothing left to stop.
    h.post_empty("/api/workload/stop")
        .await
        .error(StatusCode::CONFLICT, "conflict");
    let err = h
        .post_empty(&format!("/api/runs/{id}/stop"))
        .await
        .error(StatusCode::CONFLICT, "conflict");
    assert!(err.detail.contains("already ended"), "{err:?}");

    // A new run starts through /api/runs and is stopped by id.
    let long = quick_scenario("long", "GET product", "30s");
    let id2 = h
        .start("/api/runs", &json!({ "scenario": { "inline": long } }))
        .await;
    assert_ne!(id2, id);
    // Stopping the old run by id while another runs: still a conflict, and the new run goes on.
    let err = h
        .post_empty(&format!("/api/runs/{id}/stop"))
        .await
        .error(StatusCode::CONFLICT, "conflict");
    assert!(err.detail.contains(&id.0), "{err:?}");
    let d2 = detail(&h, &id2).await;
    assert!(!d2.info.status.is_terminal(), "{:?}", d2.info);
    let err = h
        .delete(&format!("/api/runs/{id2}"))
        .await
        .error(StatusCode::CONFLICT, "conflict");
    assert!(err.detail.contains("in progress"), "{err:?}");
    let stopped: RunInfo = h
        .post_empty(&format!("/api/runs/{id2}/stop"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(stopped.id, id2);
    let summary2 = wait_finished(&mut rx, &id2).await;
    assert_eq!(summary2.status, RunStatus::Cancelled);
    check_series(&series(&h, &id2).await, &summary2);

    // Stopped runs let their in-flight requests finish: the target saw exactly what was counted.
    assert_eq!(
        h.demo.stats().requests_total,
        summary.total.requests + summary2.total.requests
    );
    assert_eq!(listed(&h, "/api/runs").await, vec![id2.clone(), id.clone()]);

    // An ended run is deleted with its series and reports; the last one leaves the status too.
    h.delete(&format!("/api/runs/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    for uri in [
        format!("/api/runs/{id}"),
        format!("/api/runs/{id}/series"),
        format!("/api/runs/{id}/report.json"),
    ] {
        h.get(&uri).await.error(StatusCode::NOT_FOUND, "not_found");
    }
    h.delete(&format!("/api/runs/{id}"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(listed(&h, "/api/runs").await, vec![id2.clone()]);
    h.delete(&format!("/api/runs/{id2}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let status: WorkloadStatus = h.get("/api/workload/status").await.json();
    assert!(status.run.is_none(), "{status:?}");
    assert!(listed(&h, "/api/runs").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_runs_history_series_reports_and_monitoring() {
    let h = Harness::new().await;
    let (a, sa) = h
        .run_inline(&quick_scenario("quick_a", "GET product", "500ms"))
        .await;
    // A request name with a quote, for label escaping in /metrics.
    let (b, sb) = h
        .run_inline(&quick_scenario("quick_b", "GET \"product\"", "500ms"))
        .await;
    for s in [&sa, &sb] {
        assert_eq!(s.status, RunStatus::Completed, "{s:?}");
        assert!(s.total.requests > 0, "{s:?}");
        assert_eq!(s.total.errors, 0, "{s:?}");
    }

    // Listing and filters: newest first.
    assert_eq!(listed(&h, "/api/runs").await, vec![b.clone(), a.clone()]);
    for (query, expected) in [
        ("status=completed", vec![b.clone(), a.clone()]),
        ("status=cancelled", vec![]),
        ("test_type=load", vec![b.clone(), a.clone()]),
        ("test_type=stress", vec![]),
        ("scenario=quick_a", vec![a.clone()]),
        ("scenario=nothing", vec![]),
        ("limit=1", vec![b.clone()]),
        (
            "status=completed&test_type=load&scenario=quick_b&limit=5",
            vec![b.clone()],
        ),
    ] {
        assert_eq!(
            listed(&h, &format!("/api/runs?{query}")).await,
            expected,
            "/api/runs?{query}"
        );
        assert_eq!(
            listed(&h, &format!("/api/testing/results?{query}")).await,
            expected,
            "/api/testing/results?{query}"
        );
    }
    for query in ["status=bogus", "test_type=nope", "limit=many", "limit=-1"] {
        for base in ["/api/runs", "/api/testing/results"] {
            let err = h
                .get(&format!("{base}?{query}"))
                .await
                .error(StatusCode::BAD_REQUEST, "bad_request");
            assert!(!err.detail.is_empty(), "{base}?{query}");
        }
    }
    let infos: Vec<RunInfo> = h.get("/api/runs").await.json();
    let totals = infos[0].totals.as_ref().expect("a finished run has totals");
    assert_eq!(totals.requests, sb.total.requests);
    // quick_b has no thresholds: nothing was judged, so the listing has no verdict.
    assert!(sb.thresholds.is_empty());
    assert_eq!(infos[0].thresholds_passed, None);

    // The run in detail.
    let d = detail(&h, &b).await;
    assert_eq!(d.info.id, b);
    assert_eq!(d.info.status, RunStatus::Completed);
    assert_eq!(d.info.scenario, "quick_b");
    assert_eq!(d.scenario_doc.name, "quick_b");
    // quick_b names no target: the run records the one it ran against, the server's.
    assert_eq!(
        d.scenario_doc.target.as_deref(),
        Some(h.demo.url().as_str())
    );
    assert_eq!(
        d.scenario_doc.load,
        LoadProfile::ConstantUsers {
            users: 2,
            duration: HumanDuration(Duration::from_millis(500))
        }
    );
    let summary = d.summary.as_ref().expect("a summary");
    assert_eq!(summary.total.requests, sb.total.requests);
    assert_eq!(summary.per_request.len(), 1);
    assert_eq!(summary.per_request[0].name, "GET \"product\"");

    // The series adds up to the summary, and to what the target itself counted.
    let series_a = series(&h, &a).await;
    let series_b = series(&h, &b).await;
    check_series(&series_a, &sa);
    check_series(&series_b, &sb);
    assert!(series_b.iter().all(|s| s.per_request.len() == 1));
    // Without the per-request stats: the same snapshots otherwise.
    let slim: Vec<MetricsSnapshot> = h
        .get(&format!("/api/runs/{b}/series?per_request=false"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(slim.iter().all(|s| s.per_request.is_empty()));
    let mut stripped = series_b.clone();
    for s in &mut stripped {
        s.per_request.clear();
    }
    assert_eq!(slim, stripped);
    let full: Vec<MetricsSnapshot> = h
        .get(&format!("/api/runs/{b}/series?per_request=true"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(full, series_b);
    for query in ["per_request=maybe", "per_requests=false"] {
        let err = h
            .get(&format!("/api/runs/{b}/series?{query}"))
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(!err.detail.is_empty(), "{query}");
    }
    assert_eq!(
        h.demo.stats().requests_total,
        sa.total.requests + sb.total.requests,
        "the demo target counted exactly the requests both runs recorded"
    );

    // Reports.
    let report = |file: &'static str| {
        let h = &h;
        let b = b.clone();
        async move {
            h.get(&format!("/api/runs/{b}/{file}"))
                .await
                .expect_status(StatusCode::OK)
        }
    };
    let json_report = report("report.json").await;
    assert_eq!(json_report.content_type(), "application/json");
    let parsed: JsonReport = json_report.json();
    assert_eq!(parsed.test_id, b);
    assert_eq!(parsed.scenario, "quick_b");
    assert_eq!(parsed.status, RunStatus::Completed);
    assert!(!parsed.partial);
    assert_eq!(parsed.results.total_requests, sb.total.requests);
    assert_eq!(parsed.per_request.len(), 1);
    let disposition = json_report
        .headers
        .get(header::CONTENT_DISPOSITION)
        .expect("a content disposition")
        .to_str()
        .expect("ASCII");
    assert_eq!(
        disposition,
        format!("inline; filename=\"stampede-{b}.json\"")
    );

    let html = report("report.html").await;
    assert_eq!(html.content_type(), "text/html; charset=utf-8");
    assert!(html.text().contains("data-chart=\"throughput\""));
    assert!(html.text().contains("quick_b"));

    let junit = report("report.junit.xml").await;
    assert_eq!(junit.content_type(), "application/xml");
    assert!(junit.text().contains("<testsuites"), "{}", junit.text());

    let csv = report("report.csv").await;
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.text().lines().collect();
    assert_eq!(lines.len(), 1 + series_b.len(), "{}", csv.text());
    assert!(lines[0].starts_with("seq,"), "{}", lines[0]);
    let csv_requests: u64 = lines[1..]
        .iter()
        .map(|l| {
            l.split(',')
                .nth(3)
                .expect("a requests column")
                .parse::<u64>()
                .expect("a count")
        })
        .sum();
    assert_eq!(csv_requests, sb.total.requests);

    let err = h
        .get(&format!("/api/runs/{b}/report.pdf"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    assert!(err.detail.contains("report.pdf"), "{err:?}");

    // Unknown runs.
    for path in [
        "/api/runs/no-such-run",
        "/api/runs/no-such-run/series",
        "/api/runs/no-such-run/report.json",
        "/api/runs/no-such-run/report.html",
    ] {
        let err = h.get(path).await.error(StatusCode::NOT_FOUND, "not_found");
        assert!(err.detail.contains("no-such-run"), "{path}: {err:?}");
    }
    h.post_empty("/api/runs/no-such-run/stop")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // Monitoring shows the most recent run.
    let last = series_b.last().expect("snapshots");
    let snap: MetricsSnapshot = h
        .get("/api/monitoring/metrics")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(snap.seq, last.seq);
    assert_eq!(snap.total.requests, sb.total.requests);
    let perf: PerformanceSeries = h
        .get("/api/monitoring/performance")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(perf.run_id, b);
    assert_eq!(perf.points.len(), series_b.len());
    let elapsed: Vec<u64> = perf.points.iter().map(|p| p.elapsed_ms).collect();
    let expected: Vec<u64> = series_b.iter().map(|s| s.elapsed_ms).collect();
    assert_eq!(elapsed, expected);
    let errors: ErrorStats = h
        .get("/api/monitoring/errors")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(errors.run_id, b);
    assert_eq!(errors.requests, sb.total.requests);
    assert_eq!(errors.errors, 0);
    assert_eq!(errors.by_status.get(&200), Some(&sb.total.requests));
    assert_eq!(errors.by_request.len(), 1);
    assert_eq!(errors.by_request[0].name, "GET \"product\"");
    assert_eq!(errors.over_time.len(), series_b.len());
    let status: WorkloadStatus = h.get("/api/workload/status").await.json();
    assert_eq!(status.run.as_ref().map(|r| &r.id), Some(&b));
    assert_eq!(status.latest.map(|s| s.seq), Some(last.seq));

    // Prometheus: the last run's figures, labels escaped.
    let metrics = h.get("/metrics").await.expect_status(StatusCode::OK);
    assert!(
        metrics
            .content_type()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text();
    assert!(text.lines().any(|l| l == "stampede_up 1"), "{text}");
    let run_labels = format!("run_id=\"{b}\",scenario=\"quick_b\"");
    assert!(
        text.contains(&format!(
            "stampede_run_info{{{run_labels},status=\"completed\"}} 1"
        )),
        "{text}"
    );
    let line = format!(
        "stampede_requests_total{{{run_labels},request=\"GET \\\"product\\\"\"}} {}",
        sb.total.requests
    );
    assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    assert!(
        text.contains(&format!(
            "stampede_responses_total{{{run_labels},code=\"200\"}} {}",
            sb.total.requests
        )),
        "{text}"
    );
    // Every sample line is `name{labels} value` with a number for the value.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let value = l.rsplit(' ').next().expect("a value");
        assert!(value.parse::<f64>().is_ok(), "bad sample line {l}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn performance_test_of_a_preset() {
    let h = Harness::new().await;
    let id = h
        .start(
            "/api/testing/performance",
            &json!({ "scenario": { "name": "web_app" }, "duration": "1s", "users": 2 }),
        )
        .await;
    let perf = listed(&h, "/api/testing/results?test_type=performance").await;
    assert_eq!(perf, vec![id.clone()]);
    assert!(
        listed(&h, "/api/testing/results?test_type=load")
            .await
            .is_empty()
    );
    let d = detail(&h, &id).await;
    assert_eq!(d.info.test_type, TestType::Performance);
    assert_eq!(d.scenario_doc.name, "web_app");
    assert_eq!(
        d.scenario_doc.target.as_deref(),
        Some(h.demo.url().as_str())
    );
    assert_eq!(
        d.scenario_doc.load,
        LoadProfile::ConstantUsers {
            users: 2,
            duration: HumanDuration(Duration::from_secs(1))
        }
    );
    // web_app's journeys think for seconds, so the run is stopped rather than waited for.
    let stopped: RunInfo = h
        .post_empty("/api/workload/stop")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(stopped.id, id);
    assert_eq!(stopped.test_type, TestType::Performance);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scalability_and_stress_tests_run() {
    let h = Harness::new().await;
    let base = quick_scenario("stepper", "GET product", "10s");
    let (mut rx, _) = h.runs.subscribe();

    let id = h
        .start(
            "/api/testing/scalability",
            &json!({ "scenario": { "inline": base }, "duration": "500ms", "users": 1, "max_users": 3 }),
        )
        .await;
    let s1 = wait_finished(&mut rx, &id).await;
    assert_eq!(s1.status, RunStatus::Completed, "{s1:?}");
    assert!(s1.peak_users <= 3, "{s1:?}");
    let d = detail(&h, &id).await;
    assert_eq!(d.info.test_type, TestType::Scalability);
    match &d.scenario_doc.load {
        LoadProfile::RampingUsers {
            start_users,
            stages,
        } => {
            assert_eq!(*start_users, 1);
            assert_eq!(stages.len(), 10, "five steps: jump, hold");
            assert_eq!(stages.last().map(|s| s.target), Some(3.0));
        }
        other => panic!("unexpected load {other:?}"),
    }

    let id2 = h
        .start(
            "/api/testing/stress",
            &json!({ "scenario": { "inline": base }, "duration": "500ms", "users": 1, "max_users": 2 }),
        )
        .await;
    let s2 = wait_finished(&mut rx, &id2).await;
    assert_eq!(s2.status, RunStatus::Completed, "{s2:?}");
    let d2 = detail(&h, &id2).await;
    assert_eq!(d2.info.test_type, TestType::Stress);
    assert!(
        matches!(&d2.scenario_doc.load, LoadProfile::RampingUsers { start_users: 1, stages } if stages.iter().all(|s| s.target == 2.0)),
        "{:?}",
        d2.scenario_doc.load
    );

    assert_eq!(
        listed(&h, "/api/testing/results?test_type=scalability").await,
        vec![id.clone()]
    );
    assert_eq!(
        listed(&h, "/api/testing/results?test_type=stress&status=completed").await,
        vec![id2.clone()]
    );
    assert_eq!(
        listed(&h, "/api/testing/results").await,
        vec![id2.clone(), id.clone()]
    );
    check_series(&series(&h, &id).await, &s1);
    check_series(&series(&h, &id2).await, &s2);
    assert_eq!(
        h.demo.stats().requests_total,
        s1.total.requests + s2.total.requests
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_time_alerts_are_stored_and_pushed() {
    let config = TestConfig {
        alerts: AlertLimits {
            response_time: 0.001,
            error_rate: 1.0,
        },
        ..Default::default()
    };
    let h = Harness::with(DemoConfig::instant(), config).await;
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("slow", "GET product", "500ms") } }),
        )
        .await;
    let msgs = collect_until_finished(&mut rx, &id).await;
    let pushed: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Alert { alert, .. } => Some(alert.clone()),
            _ => None,
        })
        .collect();
    // Every interval is above the limit: one alert when that starts, not one per interval.
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert!(
        pushed
            .iter()
            .all(|a| a.kind == AlertKind::ResponseTime && a.limit == 0.001 && a.value > 0.001),
        "{pushed:?}"
    );

    let d = detail(&h, &id).await;
    assert!(!d.alerts.is_empty());
    let key = |a: &shared::api::Alert| (a.seq, a.kind == AlertKind::ResponseTime);
    let stored: Vec<_> = d.alerts.iter().map(key).collect();
    let live: Vec<_> = pushed.iter().map(key).collect();
    assert_eq!(stored, live, "the stored alerts are the pushed ones");
    // Each alert belongs to an interval that had requests.
    let series = series(&h, &id).await;
    for a in &d.alerts {
        let snap = series
            .iter()
            .find(|s| s.seq == a.seq)
            .unwrap_or_else(|| panic!("alert for unknown interval {a:?}"));
        assert!(snap.interval.requests > 0);
        assert_eq!(snap.elapsed_ms, a.elapsed_ms);
    }
    // The JSON report carries them too.
    let report: JsonReport = h
        .get(&format!("/api/runs/{id}/report.json"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(report.alerts.len(), d.alerts.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rate_alerts_against_a_failing_target() {
    let config = TestConfig {
        alerts: AlertLimits {
            response_time: 1e9,
            error_rate: 0.0,
        },
        ..Default::default()
    };
    let demo = DemoConfig {
        error_rate: 1.0,
        ..DemoConfig::instant()
    };
    let h = Harness::with(demo, config).await;
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("failing", "GET product", "500ms") } }),
        )
        .await;
    let msgs = collect_until_finished(&mut rx, &id).await;
    let Some(ServerMsg::Finished { summary, .. }) = msgs.last() else {
        panic!("Finished last: {msgs:?}")
    };
    assert!(summary.total.requests > 0);
    assert_eq!(summary.total.errors, summary.total.requests);
    assert!(
        msgs.iter().any(
            |m| matches!(m, ServerMsg::Alert { alert, .. } if alert.kind == AlertKind::ErrorRate)
        ),
        "{msgs:?}"
    );

    let d = detail(&h, &id).await;
    // Every interval fails throughout: one alert when that starts.
    assert_eq!(d.alerts.len(), 1, "{:?}", d.alerts);
    for a in &d.alerts {
        assert_eq!(a.message, "error rate 100.00% is above the 0% limit");
        assert_eq!(a.kind, AlertKind::ErrorRate, "{a:?}");
        assert_eq!(a.limit, 0.0);
        assert_eq!(a.value, 1.0, "every request failed: {a:?}");
    }

    let errors: ErrorStats = h
        .get("/api/monitoring/errors")
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(errors.requests, summary.total.requests);
    assert_eq!(errors.errors, summary.total.requests);
    assert_eq!(errors.error_rate, 1.0);
    assert_eq!(errors.by_status.get(&500), Some(&summary.total.requests));
    assert_eq!(
        errors.over_time.iter().map(|(_, n)| n).sum::<u64>(),
        summary.total.requests
    );
    let stats = h.demo.stats();
    assert_eq!(stats.requests_total, summary.total.requests);
    assert_eq!(stats.errors_injected_total, summary.total.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_starts_create_exactly_one_run() {
    let h = Harness::new().await;
    let (mut rx, _) = h.runs.subscribe();
    let body = json!({ "scenario": { "inline": quick_scenario("race", "GET product", "300ms") } });
    let (a, b) = tokio::join!(
        h.post_json("/api/workload/start", &body),
        h.post_json("/api/runs", &body)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let (won, lost) = if a.status == StatusCode::CREATED {
        (a, b)
    } else {
        (b, a)
    };
    let id = won.json::<shared::api::RunCreated>().run_id;
    let err = lost.error(StatusCode::CONFLICT, "run_in_progress");
    assert_eq!(err.run_id.as_ref(), Some(&id));
    // The refused start left nothing behind in the history.
    assert_eq!(listed(&h, "/api/runs").await, vec![id.clone()]);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Completed);
    assert_eq!(listed(&h, "/api/runs").await, vec![id]);
}

/// Once the server is shutting down nothing starts: a start is answered 503 and stores no run
/// (it used to be accepted, 201, and left as a run the exiting process never ran).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_run_starts_once_the_server_is_shutting_down() {
    let h = Harness::new().await;
    h.runs.shutdown().await;
    let body = json!({ "scenario": { "inline": quick_scenario("late", "GET product", "300ms") } });
    for uri in [
        "/api/workload/start",
        "/api/runs",
        "/api/testing/performance",
    ] {
        let err = h
            .post_json(uri, &body)
            .await
            .error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(err.detail.contains("shutting down"), "{uri}: {err:?}");
    }
    assert!(listed(&h, "/api/runs").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_configuration_shapes_runs() {
    // test_config.json defaults for a scenario name, the user cap, reports turned off.
    let h = Harness::configured(DemoConfig::instant(), |c| {
        c.max_users = Some(1);
        c.reports = false;
        c.default_duration = Duration::from_millis(300);
        c.test_config.test_scenarios.insert(
            "defaulted".into(),
            crate::server::config::ScenarioDefaults {
                duration: Some(Duration::from_millis(300)),
                users: Some(5),
                rate: None,
            },
        );
    })
    .await;
    let (mut rx, _) = h.runs.subscribe();

    // Defaults fill what the request leaves open; the cap wins over both.
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("defaulted", "GET product", "30s") } }),
        )
        .await;
    let d = detail(&h, &id).await;
    assert_eq!(
        d.scenario_doc.load,
        LoadProfile::ConstantUsers {
            users: 1,
            duration: HumanDuration(Duration::from_millis(300))
        }
    );
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Completed);
    assert_eq!(summary.peak_users, 1, "{summary:?}");

    // Request overrides win over the defaults (and the cap still applies).
    let id = h
        .start(
            "/api/workload/start",
            &json!({
                "scenario": { "inline": quick_scenario("defaulted", "GET product", "30s") },
                "overrides": { "duration": "200ms", "users": 3 }
            }),
        )
        .await;
    let d = detail(&h, &id).await;
    assert_eq!(
        d.scenario_doc.load,
        LoadProfile::ConstantUsers {
            users: 1,
            duration: HumanDuration(Duration::from_millis(200))
        }
    );
    wait_finished(&mut rx, &id).await;

    // The test-type endpoints use the default duration and the cap too.
    let id = h
        .start(
            "/api/testing/performance",
            &json!({ "scenario": { "inline": quick_scenario("other", "GET product", "30s") }, "users": 4 }),
        )
        .await;
    let d = detail(&h, &id).await;
    assert_eq!(
        d.scenario_doc.load,
        LoadProfile::ConstantUsers {
            users: 1,
            duration: HumanDuration(Duration::from_millis(300))
        }
    );
    wait_finished(&mut rx, &id).await;

    // Reports are off; the rest of the history is not.
    for file in [
        "report.json",
        "report.html",
        "report.junit.xml",
        "report.csv",
    ] {
        let err = h
            .get(&format!("/api/runs/{id}/{file}"))
            .await
            .error(StatusCode::NOT_FOUND, "not_found");
        assert!(err.detail.contains("disabled"), "{file}: {err:?}");
    }
    let err = h
        .get(&format!("/api/runs/{id}/compare/{id}/report.junit.xml"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    assert!(err.detail.contains("disabled"), "{err:?}");
    series(&h, &id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_and_the_history_agree_on_a_finished_run() {
    let h = Harness::new().await;
    let (id, summary) = h
        .run_inline(&quick_scenario("agree", "GET product", "300ms"))
        .await;
    let live: WorkloadStatus = h.get("/api/workload/status").await.json();
    let live = live.run.expect("the last run");
    let listed: Vec<RunInfo> = h.get("/api/runs").await.json();
    let stored = detail(&h, &id).await.info;
    assert_eq!(live, listed[0], "status vs list");
    assert_eq!(stored, listed[0], "detail vs list");
    assert_eq!(live.duration_ms, summary.duration_ms);
    assert_eq!(live.status, RunStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_runs_deletes_the_oldest_when_a_run_ends() {
    let h = Harness::configured(DemoConfig::instant(), |c| {
        c.keep_runs = std::num::NonZeroUsize::new(2);
    })
    .await;
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        let (id, summary) = h
            .run_inline(&quick_scenario(name, "GET product", "200ms"))
            .await;
        assert_eq!(summary.status, RunStatus::Completed, "{summary:?}");
        ids.push(id);
    }
    assert_eq!(
        listed(&h, "/api/runs").await,
        vec![ids[2].clone(), ids[1].clone()],
        "the two newest are kept"
    );
    h.get(&format!("/api/runs/{}/series", ids[0]))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

/// A harness whose store retries a failed summary write twice, at once.
async fn retrying_at_once() -> Harness {
    Harness::configured(DemoConfig::instant(), |c| {
        c.summary_retry_delays = vec![Duration::ZERO; 2];
    })
    .await
}

/// A run whose summary the store cannot write (a trigger refuses it, every time, as a full
/// disk would) is not left `running`: after the retries it is stored as `interrupted`, with its
/// intervals and the totals of the last one; the live feed and the stored run say why, and it
/// can be deleted. It used to stay `running` until a restart: DELETE answered 409 and stop
/// "already ended"; and the reason was only in the log and on the live feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_summary_cannot_be_stored_ends_interrupted() {
    let h = retrying_at_once().await;
    h.runs
        .store()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_summaries BEFORE UPDATE OF summary_json ON runs \
             WHEN NEW.summary_json IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, 'no space left (a test trigger)'); END;",
        )
        .expect("the trigger is created");
    let (id, summary) = h
        .run_inline(&quick_scenario("unsaved", "GET product", "300ms"))
        .await;
    assert_eq!(summary.status, RunStatus::Interrupted, "{summary:?}");
    let reason = summary.reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("the run history could not store its summary (")
            && reason.contains("no space left (a test trigger)"),
        "{reason}"
    );
    assert!(
        summary.total.requests > 0,
        "the live view keeps the figures"
    );

    let stored = detail(&h, &id).await;
    assert_eq!(
        stored.info.status,
        RunStatus::Interrupted,
        "{:?}",
        stored.info
    );
    assert!(stored.summary.is_none());
    assert!(stored.info.ended_at_ms.is_some(), "{:?}", stored.info);
    // The history says why, as the live feed did: in the run and in the listing.
    assert_eq!(
        stored.info.interrupted_reason, summary.reason,
        "{:?}",
        stored.info
    );
    let listed: Vec<RunInfo> = h.get("/api/runs").await.json();
    assert_eq!(
        listed.iter().find(|r| r.id == id),
        Some(&stored.info),
        "{listed:?}"
    );
    let last = series(&h, &id).await.pop().expect("the intervals are kept");
    assert_eq!(stored.info.totals, Some(RunTotals::of_snapshot(&last)));
    let status: WorkloadStatus = h.get("/api/workload/status").await.json();
    assert_eq!(
        status.run.as_ref(),
        Some(&stored.info),
        "the status route agrees"
    );

    h.delete(&format!("/api/runs/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    h.get(&format!("/api/runs/{id}"))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

/// When the store cannot even mark the run ended, the run stays unfinished in the store, but
/// the server knows it has ended: another run may start, and DELETE stores its end and deletes
/// it once the store takes writes again (until then it is the store's error, not 409).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_the_store_could_not_end_is_deleted_once_the_store_recovers() {
    let h = retrying_at_once().await;
    let store = h.runs.store();
    store
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_ends BEFORE UPDATE OF status ON runs \
             WHEN NEW.status NOT IN ('pending', 'running', 'stopping') \
             BEGIN SELECT RAISE(ABORT, 'disk I/O error (a test trigger)'); END;",
        )
        .expect("the trigger is created");
    let (id, summary) = h
        .run_inline(&quick_scenario("unended", "GET product", "300ms"))
        .await;
    assert_eq!(summary.status, RunStatus::Interrupted, "{summary:?}");
    // Running, or stopping if the pump saw the engine's graceful stop before the end.
    let stored = store.get_run(&id).expect("readable").map(|d| d.info.status);
    assert!(
        stored.is_some_and(|s| !s.is_terminal()),
        "the store could not mark it ended: {stored:?}"
    );
    let err = h
        .delete(&format!("/api/runs/{id}"))
        .await
        .error(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(err.detail.contains("store failed"), "{err:?}");

    store
        .execute_batch("DROP TRIGGER refuse_ends;")
        .expect("the trigger is dropped");
    // A run after it: the one that could not be ended is no longer the current run.
    let (next, _) = h
        .run_inline(&quick_scenario("next", "GET product", "200ms"))
        .await;
    h.delete(&format!("/api/runs/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(listed(&h, "/api/runs").await, vec![next]);
}

/// The stop answer is the run as of the stop: `stopping`, with the time it has run so far,
/// on both stop routes; the status route agrees until the run has ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_answers_stopping_with_the_elapsed_time() {
    let h = Harness::new().await;
    for by_id in [false, true] {
        let (mut rx, _) = h.runs.subscribe();
        let long = quick_scenario("long", "GET product", "30s");
        let id = h
            .start("/api/runs", &json!({ "scenario": { "inline": long } }))
            .await;
        // Wait (on the feed) for the first snapshot: the run has been going for an interval.
        let first = wait_for(&mut rx, "a snapshot", |msg| match msg {
            ServerMsg::Snapshot { run_id, snapshot } if run_id == id => Some(snapshot.elapsed_ms),
            _ => None,
        })
        .await;
        assert!(first > 0);
        let uri = if by_id {
            format!("/api/runs/{id}/stop")
        } else {
            "/api/workload/stop".to_owned()
        };
        let stopped: RunInfo = h
            .post_empty(&uri)
            .await
            .expect_status(StatusCode::OK)
            .json();
        assert_eq!(stopped.id, id);
        assert_eq!(stopped.status, RunStatus::Stopping, "{uri}: {stopped:?}");
        assert!(
            stopped.duration_ms >= first,
            "{uri}: {stopped:?} vs {first}"
        );
        let status: WorkloadStatus = h.get("/api/workload/status").await.json();
        let run = status.run.expect("the current run");
        assert!(
            run.status == RunStatus::Stopping || run.status.is_terminal(),
            "{run:?}"
        );
        let summary = wait_finished(&mut rx, &id).await;
        assert_eq!(summary.status, RunStatus::Cancelled);
        assert!(summary.duration_ms >= stopped.duration_ms, "{summary:?}");
    }
}

/// The run list shows the run in progress as the server knows it, as its detail does: a
/// stopped run is `stopping` from the moment the stop is accepted, not `running` until the
/// engine's own status reaches the store (here it never does: the store refuses it). A status
/// filter judges it so too, and pages with it: `?status=stopping` listed nothing, and
/// `?status=running&limit=1` an empty page, though another run was running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_list_shows_a_stopped_run_as_stopping() {
    let h = Harness::new().await;
    // An older run another process is running, in the same history.
    let other = RunInfo {
        id: RunId("other".into()),
        scenario: "other".into(),
        test_type: TestType::Load,
        status: RunStatus::Running,
        created_at_ms: 1_000,
        ended_at_ms: None,
        duration_ms: 0,
        totals: None,
        thresholds_passed: None,
        interrupted_reason: None,
    };
    let doc = quick_scenario("other", "GET product", "30s").to_string();
    let doc = shared::scenario::parse_scenario(&doc, shared::scenario::Format::Json)
        .expect("the scenario parses");
    h.runs
        .store()
        .create_run(&other, &doc)
        .expect("the run is stored");
    h.runs
        .store()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_stopping BEFORE UPDATE OF status ON runs \
             WHEN NEW.status = 'stopping' \
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;",
        )
        .expect("the trigger is created");
    let (mut rx, _) = h.runs.subscribe();
    // Its users think after their request, so the graceful stop lasts until the stop-now
    // below: with quick iterations it could end between two of the lists read here.
    let long = thinking_scenario("long", "30s");
    let id = h
        .start("/api/runs", &json!({ "scenario": { "inline": long } }))
        .await;
    wait_for(&mut rx, "a snapshot", |msg| match msg {
        ServerMsg::Snapshot { run_id, .. } if run_id == id => Some(()),
        _ => None,
    })
    .await;
    h.post_empty(&format!("/api/runs/{id}/stop"))
        .await
        .expect_status(StatusCode::OK);
    let runs: Vec<RunInfo> = h.get("/api/runs").await.json();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!((&runs[0].id, runs[0].status), (&id, RunStatus::Stopping));
    // Filtered by status, it is listed as what it is, on both list routes, and pages count it
    // as that.
    for list in ["/api/runs", "/api/testing/results"] {
        let only = |query: &str| format!("{list}?{query}");
        assert_eq!(
            listed(&h, &only("status=stopping")).await,
            std::slice::from_ref(&id)
        );
        assert_eq!(
            listed(&h, &only("status=running")).await,
            std::slice::from_ref(&other.id)
        );
        assert_eq!(
            listed(&h, &only("status=running&limit=1")).await,
            std::slice::from_ref(&other.id)
        );
        assert!(
            listed(&h, &only("status=stopping&offset=1"))
                .await
                .is_empty()
        );
        assert_eq!(
            listed(&h, &only("limit=1&offset=1")).await,
            std::slice::from_ref(&other.id)
        );
    }
    h.post_empty(&format!("/api/runs/{id}/stop?now=true"))
        .await
        .expect_status(StatusCode::OK);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Cancelled);
    let runs: Vec<RunInfo> = h.get("/api/runs").await.json();
    assert_eq!(runs[0].status, RunStatus::Cancelled, "{runs:?}");
    assert_eq!(listed(&h, "/api/runs?status=cancelled").await, [id]);
    assert!(listed(&h, "/api/runs?status=stopping").await.is_empty());
}

/// A run's end is one value on the live page and in the history: the panel has only the
/// `finished` summary to go by (its start plus its duration), and the store records that very
/// end, as do the status route and the list. The store recorded the moment the server saw the
/// run end, after storing its last snapshots (slowed here, so that is well after the end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_end_is_the_same_on_the_live_page_and_in_the_history() {
    let h = Harness::new().await;
    h.runs
        .store()
        .execute_batch(
            "CREATE TEMP TRIGGER slow_intervals AFTER INSERT ON intervals \
             BEGIN SELECT length(hex(randomblob(4000000))); END;",
        )
        .expect("the trigger is created");
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/runs",
            &json!({ "scenario": { "inline": quick_scenario("short", "GET product", "300ms") } }),
        )
        .await;
    let started = h.runs.current_info().expect("the run in progress");
    let summary = wait_finished(&mut rx, &id).await;
    // What the panel shows on `finished`.
    let mut shown = started;
    shown.end(&summary);
    let end = summary.started_at_ms + summary.duration_ms;
    assert_eq!(shown.ended_at_ms, Some(end));
    assert_eq!(detail(&h, &id).await.info.ended_at_ms, Some(end), "stored");
    let listed: Vec<RunInfo> = h.get("/api/runs").await.json();
    assert_eq!(listed[0].ended_at_ms, Some(end), "listed");
    let status: WorkloadStatus = h.get("/api/workload/status").await.json();
    let run = status.run.expect("the most recent run");
    assert_eq!((run.id, run.ended_at_ms), (id, Some(end)), "status");
}

/// Waits for a snapshot of `id` counting at least `n` requests.
async fn wait_for_requests(
    rx: &mut tokio::sync::broadcast::Receiver<ServerMsg>,
    id: &RunId,
    n: u64,
) {
    wait_for(rx, &format!("{n} requests of {id}"), |msg| match msg {
        ServerMsg::Snapshot { run_id, snapshot }
            if run_id == *id && snapshot.total.requests >= n =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
}

/// `?now=true` cuts a graceful stop under way: iterations thinking for 30 s are interrupted at
/// once and the run ends `cancelled` instead of waiting out its 60 s graceful stop. A value
/// other than true or false, or another parameter, is a 400 that changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_now_cuts_a_graceful_stop_under_way() {
    let h = Harness::new().await;
    let (mut rx, _) = h.runs.subscribe();
    // Users who think for 30 s after their request, with a graceful stop of a minute.
    let thinking = |name: &str, duration: &str| json!({ "scenario": { "inline": thinking_scenario(name, duration) } });
    let id = h.start("/api/runs", &thinking("thinking", "300ms")).await;
    // The load ends after 300 ms; both users are then thinking, and the run is stopping. The
    // status message comes once the status is stored (a snapshot saying `stopping` may come
    // before that).
    wait_for(&mut rx, "the graceful stop", |msg| match msg {
        ServerMsg::Status { run_id, status } if run_id == id && status == RunStatus::Stopping => {
            Some(())
        }
        _ => None,
    })
    .await;
    for query in ["now=maybe", "now=true&hard=1"] {
        let err = h
            .post_empty(&format!("/api/runs/{id}/stop?{query}"))
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(!err.detail.is_empty(), "{query}");
    }
    // A JSON body is read as the query is: one that is wrong is a 400 naming the field (it
    // used to be ignored, and the stop was a graceful one), and so is one the query contradicts.
    for (query, body, want) in [
        (
            "",
            r#"{"now": "yes"}"#,
            "now: invalid type: string \"yes\", expected true or false",
        ),
        (
            "",
            r#"{"now": true, "hard": 1}"#,
            "hard: unknown field `hard`, expected now",
        ),
        (
            "",
            r#"{"now": 1}"#,
            "now: invalid type: integer `1`, expected true or false",
        ),
        ("", "[true]", "the body must be a JSON object"),
        (
            "?now=false",
            r#"{"now": true}"#,
            "now: the query says now=false and the body",
        ),
    ] {
        for uri in [
            format!("/api/runs/{id}/stop{query}"),
            format!("/api/workload/stop{query}"),
        ] {
            let err = h
                .post_raw(&uri, body)
                .await
                .error(StatusCode::BAD_REQUEST, "bad_request");
            assert!(err.detail.contains(want), "{uri} {body}: {err:?}");
        }
    }
    assert_eq!(detail(&h, &id).await.info.status, RunStatus::Stopping);
    // Query and body may both say it, when they agree.
    let stopped: RunInfo = h
        .post_raw(&format!("/api/runs/{id}/stop?now=true"), r#"{"now": true}"#)
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(stopped.status, RunStatus::Stopping);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Cancelled, "{summary:?}");
    assert_eq!(summary.interrupted_iterations, 2, "{summary:?}");
    assert!(summary.duration_ms < 30_000, "{summary:?}");
    let d = detail(&h, &id).await;
    assert_eq!(d.info.status, RunStatus::Cancelled);

    // The workload route takes it too, and during the load it cuts at once.
    let id = h
        .start("/api/workload/start", &thinking("long-thinking", "60s"))
        .await;
    // Both users have sent their request and are thinking.
    wait_for_requests(&mut rx, &id, 2).await;
    // As a JSON body, as a client's HTTP library sends it.
    h.post_raw("/api/workload/stop", r#"{"now": true}"#)
        .await
        .expect_status(StatusCode::OK);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Cancelled, "{summary:?}");
    assert_eq!(summary.interrupted_iterations, 2, "{summary:?}");

    // The query alone still does it, on the run's own route.
    let id = h
        .start("/api/runs", &thinking("long-thinking", "60s"))
        .await;
    // Both users have sent their request and are thinking.
    wait_for_requests(&mut rx, &id, 2).await;
    h.post_empty(&format!("/api/runs/{id}/stop?now=true"))
        .await
        .expect_status(StatusCode::OK);
    let summary = wait_finished(&mut rx, &id).await;
    assert_eq!(summary.status, RunStatus::Cancelled, "{summary:?}");

    // With nothing running, an empty object is a graceful stop like no body, and so is `null`
    // (the panel's stop sends it): 409, not 400.
    for body in ["{}", " \n", "null"] {
        h.post_raw("/api/workload/stop", body)
            .await
            .error(StatusCode::CONFLICT, "conflict");
    }
}

/// Two finished runs compared through the API: a candidate whose every request fails
/// regresses on error rate, a request name only one run has keeps its side, a run compared
/// with itself has no change even at a tolerance of 0, and bad requests are named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_compared() {
    let h = Harness::new().await;
    let (a, sa) = h
        .run_inline(&quick_scenario("quick", "GET product", "500ms"))
        .await;
    let mut broken = quick_scenario("quick", "GET missing", "500ms");
    broken["journeys"][0]["steps"][0]["request"]["path"] = json!("/api/nothing-here");
    let (b, sb) = h.run_inline(&broken).await;
    assert!(sa.total.requests > 0 && sa.total.errors == 0, "{sa:?}");
    assert!(
        sb.total.requests > 0 && sb.total.errors == sb.total.requests,
        "{sb:?}"
    );

    let c: RunComparison = h
        .get(&format!("/api/runs/{a}/compare/{b}"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!((&c.baseline.id, &c.candidate.id), (&a, &b));
    assert_eq!(c.tolerance_percent, 5.0);
    let titles: Vec<_> = c.rows.iter().map(CompareRow::title).collect();
    assert_eq!(titles, ["Total", "GET product", "GET missing"]);
    let presence: Vec<_> = c.rows.iter().map(|r| r.presence).collect();
    assert_eq!(
        presence,
        [
            Presence::Both,
            Presence::BaselineOnly,
            Presence::CandidateOnly
        ]
    );
    let errors = c.rows[0]
        .cell(Metric::ErrorRate)
        .expect("an error-rate cell");
    assert_eq!(
        (errors.baseline, errors.candidate, errors.change),
        (Some(0.0), Some(1.0), Change::Worse)
    );
    let requests = c.rows[0].cell(Metric::Requests).expect("a requests cell");
    assert_eq!(
        (requests.baseline, requests.candidate),
        (
            Some(sa.total.requests as f64),
            Some(sb.total.requests as f64)
        )
    );
    assert_eq!(
        (c.regressions, c.improvements),
        compare::tally(&c.rows),
        "the counts are the rows'"
    );
    assert!(c.regressions >= 1);
    assert_eq!(
        c.verdict,
        compare::tally_line(c.regressions, c.improvements, Tolerance::DEFAULT)
    );
    assert!(
        c.notes.is_empty(),
        "same scenario, both completed: {:?}",
        c.notes
    );

    let same: RunComparison = h
        .get(&format!("/api/runs/{a}/compare/{a}?tolerance=0"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert_eq!(same.tolerance_percent, 0.0);
    assert_eq!((same.regressions, same.improvements), (0, 0));
    assert_eq!(same.rows.len(), 2);
    assert!(!c.total_only && !same.total_only);

    // Only the total judged: every row still listed, the counts the total's alone.
    let total: RunComparison = h
        .get(&format!("/api/runs/{a}/compare/{b}?total_only=true"))
        .await
        .expect_status(StatusCode::OK)
        .json();
    assert!(total.total_only);
    assert_eq!(total.rows, c.rows);
    assert_eq!(
        (total.regressions, total.improvements),
        compare::tally(&c.rows[..1])
    );
    assert!(total.regressions >= 1, "the total's error rate");
    assert!(
        total.verdict.ends_with(" Only the total was judged."),
        "{}",
        total.verdict
    );

    // The same comparison as JUnit: the regressions are its failures, the runs its properties.
    let junit = h
        .get(&format!(
            "/api/runs/{a}/compare/{b}/report.junit.xml?total_only=true"
        ))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(junit.content_type(), "application/xml");
    let xml = junit.text();
    assert_eq!(xml.matches("<failure ").count(), total.regressions, "{xml}");
    assert!(
        xml.contains(
            "<testcase classname=\"total\" name=\"Error rate\" time=\"0\">\n      <failure "
        ),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<property name=\"baseline\" value=\"{a}\"/>")),
        "{xml}"
    );
    assert!(
        xml.contains("<skipped message=\"only the total is judged\"/>"),
        "{xml}"
    );

    // A run without a summary or a snapshot has nothing to compare yet.
    let mut empty = detail(&h, &a).await;
    empty.info.id = RunId("no-figures".into());
    empty.info.status = RunStatus::Running;
    h.runs
        .store()
        .create_run(&empty.info, &empty.scenario_doc)
        .expect("the run is stored");
    let e = h
        .get(&format!("/api/runs/{a}/compare/no-figures"))
        .await
        .error(StatusCode::CONFLICT, "conflict");
    assert!(
        e.detail.contains("\"no-figures\" has no figures yet"),
        "{e:?}"
    );

    for route in ["", "/report.junit.xml"] {
        let e = h
            .get(&format!("/api/runs/{a}/compare/nope{route}"))
            .await
            .error(StatusCode::NOT_FOUND, "not_found");
        assert!(e.detail.contains("\"nope\""), "{route}: {e:?}");
    }
    for query in [
        "tolerance=-1",
        "tolerance=1001",
        "tolerance=abc",
        "tol=5",
        "total_only=maybe",
    ] {
        let e = h
            .get(&format!("/api/runs/{a}/compare/{b}?{query}"))
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
        let name = query.split('=').next().unwrap_or_default();
        assert!(e.detail.contains(name), "{query}: {e:?}");
    }
}

/// A stored run this build cannot read (here a status written by a newer version, put in the
/// store directly) is listed as `{id, unreadable}` in its place, on both list routes: the list
/// used to be a 500, though every other run read one by one. Pages stay exact, and the run
/// can be deleted.
#[tokio::test]
async fn an_unreadable_stored_run_is_listed_as_such() {
    use shared::api::{RunListing, UnreadableRun};
    let h = Harness::new().await;
    let store = h.runs.store().clone();
    let scenario: shared::scenario::Scenario =
        serde_json::from_value(quick_scenario("shop", "home", "1s")).expect("a scenario");
    for (name, at) in [("old", 100), ("odd", 200), ("new", 300)] {
        let info = RunInfo {
            id: RunId(name.to_owned()),
            scenario: "shop".to_owned(),
            test_type: TestType::Load,
            status: RunStatus::Completed,
            created_at_ms: at,
            ended_at_ms: Some(at + 1),
            duration_ms: 1,
            totals: None,
            thresholds_passed: None,
            interrupted_reason: None,
        };
        store.create_run(&info, &scenario).expect("stored");
    }
    store
        .execute_batch("UPDATE runs SET status = 'paused' WHERE id = 'odd'")
        .expect("tampered");
    for uri in ["/api/runs", "/api/testing/results"] {
        let raw: serde_json::Value = h.get(uri).await.expect_status(StatusCode::OK).json();
        let odd = &raw[1];
        assert_eq!(odd["id"], "odd", "{uri}: {raw}");
        let why = odd["unreadable"].as_str().expect("a reason");
        assert!(why.starts_with("status: unknown value \"paused\""), "{why}");
        assert_eq!(odd.as_object().map(|o| o.len()), Some(2), "{uri}: {odd}");
        let listed: Vec<RunListing> = serde_json::from_value(raw).expect("listings");
        let ids: Vec<&str> = listed.iter().map(|l| l.id().0.as_str()).collect();
        assert_eq!(ids, ["new", "odd", "old"], "{uri}");
        assert!(
            matches!(&listed[1], RunListing::Unreadable(UnreadableRun { .. })),
            "{listed:?}"
        );
        assert_eq!(
            listed[0].run().map(|r| r.status),
            Some(RunStatus::Completed)
        );
    }
    let page: Vec<RunListing> = h.get("/api/runs?limit=1&offset=2").await.json();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id().0, "old");
    h.delete("/api/runs/odd")
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(
        listed(&h, "/api/runs").await,
        [RunId("new".into()), RunId("old".into())]
    );
}
