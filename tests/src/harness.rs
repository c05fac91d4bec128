//! Running a scenario through the engine from a test: parse and validate YAML, start, subscribe
//! at once, wait with a time bound, and collect every snapshot.

use std::sync::Arc;
use std::time::Duration;

use engine::{EngineConfig, RunHandle};
use shared::metrics::{ErrorKind, MetricsSnapshot, RequestStats, RunSummary};
use shared::scenario::{Format, ValidScenario, ValidationEnv, parse_scenario, validate};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// No test run may take longer than this; past it the run is cancelled and the test fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(30);

static CPU_BOUND: Mutex<()> = Mutex::const_new(());

/// Serialises the tests whose assertions depend on timing (exact open-model schedules,
/// latency percentiles) with the tests that drive targets flat out: hold the guard for the whole
/// test. The test harness runs tests on parallel threads, and on a small machine two such runs
/// side by side would measure each other rather than the engine.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    CPU_BOUND.lock().await
}

/// Parses and validates a YAML scenario, panicking with every problem if it is invalid.
pub fn scenario(yaml: &str) -> ValidScenario {
    let parsed = parse_scenario(yaml, Format::Yaml)
        .unwrap_or_else(|e| panic!("test scenario does not parse:\n{e}\n---\n{yaml}"));
    validate(&parsed, &ValidationEnv::default())
        .unwrap_or_else(|e| panic!("test scenario is invalid:\n{e}\n---\n{yaml}"))
}

/// What a finished run left behind.
#[derive(Debug)]
pub struct Finished {
    /// The summary from [`RunHandle::wait`].
    pub summary: Arc<RunSummary>,
    /// Every snapshot broadcast during the run, in order (including the final one).
    pub snapshots: Vec<MetricsSnapshot>,
    /// Wall time from start to the summary.
    pub elapsed: Duration,
}

/// A started run with its snapshot subscription (taken immediately after start).
#[derive(Debug)]
pub struct Started {
    /// The engine's handle.
    pub handle: RunHandle,
    /// Subscribed right after start, so no snapshot is missed.
    pub snapshots: broadcast::Receiver<MetricsSnapshot>,
    /// When the run was started.
    pub started: Instant,
}

/// Starts `yaml` with snapshots every `interval` and a fixed seed.
pub fn start(yaml: &str, interval: Duration) -> Started {
    let valid = scenario(yaml);
    let started = Instant::now();
    let handle = engine::start(
        valid,
        EngineConfig {
            interval,
            seed: Some(0x5eed),
        },
    )
    .expect("the engine accepts a validated scenario");
    let snapshots = handle.subscribe();
    Started {
        handle,
        snapshots,
        started,
    }
}

impl Started {
    /// Waits for the summary (at most [`RUN_LIMIT`], then cancels and panics) and drains every
    /// snapshot received. Panics if the subscriber lagged (a snapshot was lost).
    pub async fn finish(mut self) -> Finished {
        let summary = match tokio::time::timeout(RUN_LIMIT, self.handle.wait()).await {
            Ok(summary) => summary,
            Err(_) => {
                self.handle.cancel();
                panic!("the run did not end within {RUN_LIMIT:?}");
            }
        };
        let elapsed = self.started.elapsed();
        // The final snapshot is sent before the summary, so everything is queued by now.
        let mut snapshots = Vec::new();
        loop {
            match self.snapshots.try_recv() {
                Ok(s) => snapshots.push(s),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                Err(TryRecvError::Lagged(n)) => panic!("the subscriber lost {n} snapshots"),
            }
        }
        Finished {
            summary,
            snapshots,
            elapsed,
        }
    }

    /// Waits for the next snapshot, at most `limit`.
    pub async fn next_snapshot(&mut self, limit: Duration) -> MetricsSnapshot {
        tokio::time::timeout(limit, self.snapshots.recv())
            .await
            .unwrap_or_else(|_| panic!("no snapshot within {limit:?}"))
            .expect("the snapshot channel delivers")
    }
}

/// Runs `yaml` to the end (see [`Started::finish`]).
pub async fn run(yaml: &str, interval: Duration) -> Finished {
    start(yaml, interval).finish().await
}

/// Failures of `kind` in `stats`, 0 when there were none.
pub fn errors_of(stats: &RequestStats, kind: ErrorKind) -> u64 {
    stats.errors_by_kind.get(&kind).copied().unwrap_or(0)
}

/// A one-line description of a stats block, for assertion messages.
pub fn describe(stats: &RequestStats) -> String {
    format!(
        "requests={} errors={} by_kind={:?} status={:?} latency avg={:.3}ms p50={:.3}ms \
         p90={:.3}ms p99={:.3}ms max={:.3}ms; service avg={:.3}ms p50={:.3}ms p90={:.3}ms \
         p99={:.3}ms max={:.3}ms",
        stats.requests,
        stats.errors,
        stats.errors_by_kind,
        stats.status_counts,
        stats.latency.avg_ms,
        stats.latency.p50_ms,
        stats.latency.p90_ms,
        stats.latency.p99_ms,
        stats.latency.max_ms,
        stats.service_time.avg_ms,
        stats.service_time.p50_ms,
        stats.service_time.p90_ms,
        stats.service_time.p99_ms,
        stats.service_time.max_ms,
    )
}
