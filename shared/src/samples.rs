//! Realistic values of the wire types, for the serde round-trip tests (here and, with the
//! `samples` feature, the panel's tests of its own JSON path).

use std::collections::BTreeMap;

use crate::api::{Alert, AlertKind, RunDetail, RunInfo, RunTotals, TestType};
use crate::metrics::{
    CheckStats, ErrorKind, GeneratorHealth, GeneratorStats, LatencyStats, MetricsSnapshot,
    RequestStats, RunSummary,
};
use crate::run::{RunId, RunStatus};
use crate::scenario::Scenario;
use crate::threshold::ThresholdResult;
use crate::ws::{PROTOCOL_VERSION, ServerMsg};

fn latency(base: f64) -> LatencyStats {
    LatencyStats {
        count: 120,
        avg_ms: base,
        min_ms: base / 4.0,
        p50_ms: base * 0.9,
        p90_ms: base * 1.5,
        p95_ms: base * 2.0,
        p99_ms: base * 3.5,
        p999_ms: base * 5.25,
        max_ms: base * 8.0,
    }
}

fn stats(name: &str) -> RequestStats {
    RequestStats {
        name: name.to_owned(),
        requests: 120,
        errors: 3,
        errors_by_kind: BTreeMap::from([(ErrorKind::Timeout, 1), (ErrorKind::Http5xx, 2)]),
        status_counts: BTreeMap::from([(200, 117), (503, 2)]),
        bytes_sent: 12_345,
        bytes_received: 987_654,
        resent: 3,
        latency: latency(12.5),
        service_time: latency(10.25),
        rps: 59.5,
    }
}

/// A finished run's listing entry.
pub fn run_info() -> RunInfo {
    RunInfo {
        id: RunId("r-42".into()),
        scenario: "shop".into(),
        test_type: TestType::Performance,
        status: RunStatus::Completed,
        created_at_ms: 1_764_000_000_000,
        ended_at_ms: Some(1_764_000_060_000),
        duration_ms: 60_000,
        totals: Some(RunTotals {
            requests: 120,
            errors: 3,
            error_rate: 0.025,
            rps: 59.5,
            p50_ms: 11.25,
            p95_ms: 25.0,
            p99_ms: 43.75,
        }),
        thresholds_passed: Some(false),
        interrupted_reason: None,
    }
}

/// One interval's snapshot.
pub fn snapshot(seq: u64) -> MetricsSnapshot {
    MetricsSnapshot {
        seq,
        elapsed_ms: (seq + 1) * 1000,
        interval_ms: 1000,
        status: RunStatus::Running,
        interval: stats("*"),
        total: stats("*"),
        per_request: vec![stats("GET /products"), stats("POST /api/orders")],
        active_users: 7,
        interval_peak_users: 9,
        target_users: 8,
        target_rate: 12.5,
        iterations: 99,
        dropped_iterations: 1,
        interrupted_iterations: 2,
        generator: GeneratorStats {
            cpu_percent: Some(37.5),
            cores: 2,
            cpu_capacity: 2.0,
            rss_bytes: Some(40 << 20),
            max_schedule_lag_ms: 1.75,
        },
    }
}

/// An alert.
pub fn alert() -> Alert {
    Alert {
        kind: AlertKind::ResponseTime,
        seq: 3,
        elapsed_ms: 4000,
        value: 250.5,
        limit: 200.0,
        message: "p95 250.5 ms above 200 ms".into(),
    }
}

/// The summary of a completed one-second run of scenario `s` with nothing in it.
pub fn empty_summary() -> RunSummary {
    RunSummary {
        duration_ms: 1000,
        ..RunSummary::empty("s", RunStatus::Completed)
    }
}

/// A finished run's summary.
pub fn summary() -> RunSummary {
    RunSummary {
        scenario: "shop".into(),
        status: RunStatus::Failed,
        reason: Some("threshold p(95) < 200ms failed".into()),
        aborted_by: None,
        aborted_by_request: None,
        started_at_ms: 1_764_000_000_000,
        duration_ms: 60_000,
        planned_ms: 60_000,
        total: stats("*"),
        per_request: vec![stats("GET /products")],
        checks: vec![CheckStats {
            request: "GET /products".into(),
            check: "status in [200]".into(),
            passed: 117,
            failed: 3,
        }],
        iterations: 99,
        dropped_iterations: 1,
        interrupted_iterations: 2,
        peak_users: 8,
        thresholds: vec![ThresholdResult {
            expr: "p(95) < 200ms".into(),
            request: None,
            observed: Some(250.5),
            observed_text: "250.5 ms".into(),
            passed: false,
        }],
        generator: GeneratorHealth {
            saturated: true,
            warnings: vec!["generator CPU above 90%".into()],
            peak_cpu_percent: Some(95.5),
            cores: 2,
            max_schedule_lag_ms: 12.0,
            peak_rss_bytes: Some(50 << 20),
        },
    }
}

/// A scenario document with every kind of body and check, JSON values among them.
pub fn scenario() -> Scenario {
    serde_json::from_str(
        r#"{
            "name": "shop",
            "target": "http://127.0.0.1:8090",
            "headers": {"x-team": "web"},
            "variables": {"user": "u-1"},
            "journeys": [{ "name": "browse", "weight": 3, "steps": [
                { "request": { "method": "GET", "path": "/products",
                               "checks": [{ "status": [200] }] } },
                { "think": { "min": "1s", "max": "3s" } }
            ] }, { "name": "buy", "weight": 1, "steps": [
                { "request": { "name": "order", "method": "POST", "path": "/api/orders",
                               "body": { "json": {"items": [1, 2.5, null, true], "note": "ü"} },
                               "checks": [{ "status": [200, 201] },
                                          { "json": { "pointer": "/id", "equals": 5 } },
                                          { "body_contains": "ok" }] } },
                { "request": { "method": "PUT", "path": "/api/blob",
                               "body": { "payload": "10KB" } } }
            ] }],
            "load": { "type": "ramping_rate", "start_rate": 1, "max_users": 50,
                      "stages": [{ "duration": "10s", "target": 20 }] },
            "thresholds": ["p(95) < 200ms"]
        }"#,
    )
    .expect("a valid scenario document")
}

/// One live-feed message of each type, in declaration order.
pub fn messages() -> Vec<ServerMsg> {
    let id = || RunId("r-42".into());
    vec![
        ServerMsg::Hello {
            protocol: PROTOCOL_VERSION,
        },
        ServerMsg::RunStarted { run: run_info() },
        ServerMsg::History {
            run: run_info(),
            snapshots: vec![snapshot(0), snapshot(1)],
            alerts: vec![alert()],
        },
        ServerMsg::Status {
            run_id: id(),
            status: RunStatus::Stopping,
        },
        ServerMsg::Snapshot {
            run_id: id(),
            snapshot: Box::new(snapshot(7)),
        },
        ServerMsg::Alert {
            run_id: id(),
            alert: alert(),
        },
        ServerMsg::Finished {
            run_id: id(),
            summary: Box::new(summary()),
        },
        ServerMsg::Lagged { skipped: 12 },
    ]
}

/// Everything known about a finished run.
pub fn run_detail() -> RunDetail {
    RunDetail {
        info: run_info(),
        scenario_doc: scenario(),
        summary: Some(summary()),
        alerts: vec![alert()],
        latest: Some(snapshot(59)),
    }
}
