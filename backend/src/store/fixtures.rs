//! Realistic values for the store's tests: a scenario, interval snapshots, alerts, a summary,
//! and a temporary data directory that cleans up after itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use shared::api::{Alert, AlertKind, RunInfo, TestType};
use shared::metrics::{
    CheckStats, ErrorKind, GeneratorHealth, GeneratorStats, LatencyStats, MetricsSnapshot,
    RequestStats, RunSummary,
};
use shared::run::{RunId, RunStatus};
use shared::scenario::{Format, Scenario, parse_scenario};
use shared::threshold::ThresholdResult;

use super::Store;

/// A fresh in-memory store.
pub(super) fn mem() -> Store {
    Store::open_in_memory().expect("an in-memory store opens")
}

/// A run id.
pub(super) fn id(s: &str) -> RunId {
    RunId(s.to_owned())
}

/// A unique directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "stampede-store-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        Self(dir)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A two-journey shop scenario named `name`.
pub(super) fn scenario(name: &str) -> Scenario {
    let text = format!(
        "name: {name}
target: http://127.0.0.1:8090
journeys:
  - name: browse
    weight: 3
    steps:
      - request: {{ method: GET, path: /products, checks: [{{ status: [200] }}] }}
      - think: 1s
  - name: buy
    steps:
      - request: {{ method: POST, path: /orders, body: {{ json: {{ sku: 42 }} }} }}
load: {{ type: constant_rate, rate: 50, duration: 30s, max_users: 200 }}
thresholds: [\"p(95) < 200ms\", \"error_rate < 1%\"]
"
    );
    parse_scenario(&text, Format::Yaml).expect("the fixture scenario parses")
}

/// A run as the server creates it: pending, nothing measured yet.
pub(super) fn run_info(
    id: &str,
    scenario: &str,
    test_type: TestType,
    created_at_ms: u64,
) -> RunInfo {
    RunInfo {
        id: RunId(id.to_owned()),
        scenario: scenario.to_owned(),
        test_type,
        status: RunStatus::Pending,
        created_at_ms,
        ended_at_ms: None,
        duration_ms: 0,
        totals: None,
        thresholds_passed: None,
        interrupted_reason: None,
    }
}

/// Latencies around `p50` ms. Dyadic fractions, so they survive JSON exactly.
fn latency(count: u64, p50: f64) -> LatencyStats {
    LatencyStats {
        count,
        avg_ms: p50 + 4.25,
        min_ms: 1.5,
        p50_ms: p50,
        p90_ms: p50 * 2.0,
        p95_ms: p50 * 3.0,
        p99_ms: p50 * 5.0,
        p999_ms: p50 * 8.0,
        max_ms: p50 * 10.0,
    }
}

fn stats(name: &str, requests: u64, errors: u64, p50: f64, rps: f64) -> RequestStats {
    RequestStats {
        name: name.to_owned(),
        requests,
        errors,
        errors_by_kind: BTreeMap::from([(ErrorKind::Http5xx, errors)]),
        status_counts: BTreeMap::from([(200, requests - errors), (503, errors)]),
        bytes_sent: requests * 180,
        bytes_received: requests * 2048,
        resent: 0,
        latency: latency(requests, p50),
        service_time: latency(requests, p50 - 0.5),
        rps,
    }
}

/// The snapshot of interval `seq` (1 s intervals, 50 requests each, 1 error).
pub(super) fn snapshot(seq: u64) -> MetricsSnapshot {
    let total = 50 * (seq + 1);
    MetricsSnapshot {
        seq,
        elapsed_ms: 1000 * (seq + 1),
        interval_ms: 1000,
        status: RunStatus::Running,
        interval: stats("*", 50, 1, 12.5, 50.0),
        total: stats("*", total, seq + 1, 12.5, 50.0),
        per_request: vec![
            stats("GET /products", total - 10 * (seq + 1), 0, 10.5, 40.0),
            stats("POST /orders", 10 * (seq + 1), seq + 1, 20.5, 10.0),
        ],
        active_users: 7,
        interval_peak_users: 9,
        target_users: 0,
        target_rate: 50.0,
        iterations: total - 3,
        dropped_iterations: 0,
        interrupted_iterations: 0,
        generator: GeneratorStats {
            cpu_percent: Some(12.5),
            cores: 2,
            cpu_capacity: 2.0,
            rss_bytes: Some(48 << 20),
            max_schedule_lag_ms: 0.25,
        },
    }
}

/// A p95 alert on interval `seq`.
pub(super) fn alert(seq: u64, kind: AlertKind) -> Alert {
    Alert {
        kind,
        seq,
        elapsed_ms: 1000 * (seq + 1),
        value: 250.5,
        limit: 200.0,
        message: format!("interval {seq}: p95 250.5 ms above 200 ms"),
    }
}

/// The summary of a 30 s run of [`scenario`] with one failed threshold.
pub(super) fn summary(scenario: &str, status: RunStatus) -> RunSummary {
    RunSummary {
        scenario: scenario.to_owned(),
        status,
        reason: None,
        aborted_by: None,
        aborted_by_request: None,
        started_at_ms: 1_700_000_000_250,
        duration_ms: 30_000,
        planned_ms: 30_000,
        total: stats("*", 1500, 30, 12.5, 50.0),
        per_request: vec![
            stats("GET /products", 1200, 0, 10.5, 40.0),
            stats("POST /orders", 300, 30, 20.5, 10.0),
        ],
        checks: vec![CheckStats {
            request: "GET /products".to_owned(),
            check: "status in [200]".to_owned(),
            passed: 1200,
            failed: 0,
        }],
        iterations: 1497,
        dropped_iterations: 0,
        interrupted_iterations: 0,
        peak_users: 9,
        thresholds: vec![
            ThresholdResult {
                expr: "p(95) < 200ms".to_owned(),
                request: None,
                observed: Some(37.5),
                observed_text: "37.5ms".to_owned(),
                passed: true,
            },
            ThresholdResult {
                expr: "error_rate < 1%".to_owned(),
                request: None,
                observed: Some(0.02),
                observed_text: "2.00%".to_owned(),
                passed: false,
            },
        ],
        generator: GeneratorHealth {
            peak_cpu_percent: Some(14.5),
            cores: 2,
            peak_rss_bytes: Some(52 << 20),
            ..GeneratorHealth::default()
        },
    }
}
