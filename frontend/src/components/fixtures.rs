//! Test data for the run components' pure functions.

use shared::metrics::{ErrorKind, GeneratorStats, LatencyStats, MetricsSnapshot, RequestStats};
use shared::run::RunStatus;

/// Request stats with fixed latencies (p50 12.34 ms, p95 48 ms, p99 1.25 s).
pub(crate) fn stats(name: &str, requests: u64, errors: u64, rps: f64) -> RequestStats {
    let mut s = RequestStats {
        name: name.into(),
        requests,
        errors,
        latency: LatencyStats {
            count: requests,
            p50_ms: 12.34,
            p95_ms: 48.0,
            p99_ms: 1250.0,
            ..Default::default()
        },
        rps,
        ..Default::default()
    };
    if errors > 0 {
        s.errors_by_kind.insert(ErrorKind::Http5xx, errors);
        s.status_counts.insert(503, errors);
    }
    if requests > errors {
        s.status_counts.insert(200, requests - errors);
    }
    s
}

/// The `seq`-th one-second snapshot of a closed-model run with 8 of 10 users busy; totals are
/// ten times the interval.
pub(crate) fn snapshot(seq: u64, rps: f64, requests: u64, errors: u64) -> MetricsSnapshot {
    MetricsSnapshot {
        seq,
        elapsed_ms: (seq + 1) * 1000,
        interval_ms: 1000,
        status: RunStatus::Running,
        interval: stats("*", requests, errors, rps),
        total: stats("*", requests * 10, errors * 10, rps),
        per_request: vec![
            stats("GET /", requests * 6, errors * 6, rps * 0.6),
            stats("POST /cart", requests * 4, 0, rps * 0.4),
        ],
        active_users: 8,
        interval_peak_users: 10,
        target_users: 10,
        target_rate: 0.0,
        iterations: 0,
        dropped_iterations: 0,
        interrupted_iterations: 0,
        generator: GeneratorStats {
            cpu_percent: Some(20.0),
            cores: 2,
            cpu_capacity: 2.0,
            rss_bytes: Some(1 << 20),
            max_schedule_lag_ms: 0.5,
        },
    }
}

/// The summary of a completed one-second run of scenario `s` with nothing in it.
pub(crate) use shared::samples::empty_summary as summary;
