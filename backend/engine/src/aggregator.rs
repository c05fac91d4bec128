//! The tick loop's state: drains the recorder once per interval into interval and cumulative
//! tallies, turns them into [`MetricsSnapshot`]s, evaluates thresholds, and watches the
//! generator's own CPU and schedule lag.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hdrhistogram::Histogram;
use shared::metrics::{
    CheckStats, ErrorKind, GeneratorHealth, GeneratorStats, LatencyStats, MetricsSnapshot,
    RequestStats,
};
use shared::plan::LoadPlan;
use shared::run::RunStatus;
use shared::scenario::ValidScenario;
use shared::threshold::{Threshold, ThresholdMetric, ThresholdResult};

use crate::monitor;
use crate::recorder::Tally;
use crate::state::RunState;

/// A start or timer later than this means the generator did not keep its schedule.
const LAG_WARNING: Duration = Duration::from_millis(100);
/// CPU use, as a share of all cores, above which an interval counts as saturated.
const CPU_SATURATED: f64 = 0.9;

#[derive(Debug)]
pub(crate) struct Aggregator {
    names: Vec<String>,
    checks: Vec<(usize, String)>,
    cumulative: Vec<Tally>,
    check_counts: Vec<(u64, u64)>,
    interval: Vec<Tally>,
    /// Scratch for the interval's and the run's totals over all requests. Every tally here is
    /// reset and reused each tick: allocating them afresh (two 188 KiB histograms each) made
    /// the heap grow and shrink by ~0.4 MiB from one tick to the next.
    interval_sum: Tally,
    total_sum: Tally,
    seq: u64,
    last_tick: Duration,
    last_cpu: Option<Duration>,
    cores: u32,
    health: GeneratorHealth,
    saturated_intervals: u64,
    intervals: u64,
    peak_users: u64,
}

fn latency_stats(h: &Histogram<u64>) -> LatencyStats {
    if h.is_empty() {
        return LatencyStats::default();
    }
    let ms = |us: u64| us as f64 / 1000.0;
    LatencyStats {
        count: h.len(),
        avg_ms: h.mean() / 1000.0,
        min_ms: ms(h.min()),
        p50_ms: ms(h.value_at_quantile(0.50)),
        p90_ms: ms(h.value_at_quantile(0.90)),
        p95_ms: ms(h.value_at_quantile(0.95)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        p999_ms: ms(h.value_at_quantile(0.999)),
        max_ms: ms(h.max()),
    }
}

fn request_stats(name: &str, t: &Tally, span: Duration) -> RequestStats {
    let secs = span.as_secs_f64();
    RequestStats {
        name: name.to_owned(),
        requests: t.requests,
        errors: t.error_total(),
        errors_by_kind: ErrorKind::ALL
            .iter()
            .filter(|k| t.errors[k.index()] > 0)
            .map(|k| (*k, t.errors[k.index()]))
            .collect(),
        status_counts: t
            .status
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| (*c, *n))
            .collect(),
        bytes_sent: t.bytes_sent,
        bytes_received: t.bytes_received,
        latency: latency_stats(&t.latency),
        service_time: latency_stats(&t.service),
        rps: if secs > 0.0 {
            t.requests as f64 / secs
        } else {
            0.0
        },
    }
}

fn total(tallies: &[Tally]) -> Tally {
    let mut sum = Tally::new();
    total_into(&mut sum, tallies);
    sum
}

/// Sets `sum` to the sum of `tallies`, reusing its memory.
fn total_into(sum: &mut Tally, tallies: &[Tally]) {
    sum.reset();
    for t in tallies {
        sum.merge(t);
    }
}

impl Aggregator {
    pub(crate) fn new(scenario: &ValidScenario) -> Self {
        let n = scenario.request_names.len();
        Self {
            names: scenario.request_names.clone(),
            checks: scenario
                .checks
                .iter()
                .map(|(r, d)| (r.0, d.clone()))
                .collect(),
            cumulative: (0..n).map(|_| Tally::new()).collect(),
            check_counts: vec![(0, 0); scenario.checks.len()],
            interval: (0..n).map(|_| Tally::new()).collect(),
            interval_sum: Tally::new(),
            total_sum: Tally::new(),
            seq: 0,
            last_tick: Duration::ZERO,
            last_cpu: monitor::process_cpu(),
            cores: monitor::cores(),
            health: GeneratorHealth {
                cores: monitor::cores(),
                ..GeneratorHealth::default()
            },
            saturated_intervals: 0,
            intervals: 0,
            peak_users: 0,
        }
    }

    /// Drains the recorder and builds the snapshot for the interval ending at `elapsed`.
    pub(crate) fn tick(
        &mut self,
        state: &RunState,
        plan: &LoadPlan,
        elapsed: Duration,
        status: RunStatus,
    ) -> MetricsSnapshot {
        for t in &mut self.interval {
            t.reset();
        }
        state
            .recorder
            .drain(&mut self.interval, &mut self.check_counts);
        for (c, i) in self.cumulative.iter_mut().zip(&self.interval) {
            c.merge(i);
        }
        let span = elapsed.saturating_sub(self.last_tick);
        self.last_tick = elapsed;

        let generator = self.generator_stats(state, span);
        let active = state.active.load(Ordering::Relaxed);
        // The peak is tracked on every start, so short iterations between ticks count too.
        self.peak_users = state.peak.load(Ordering::Relaxed);
        let snapshot = MetricsSnapshot {
            seq: self.seq,
            elapsed_ms: elapsed.as_millis() as u64,
            interval_ms: span.as_millis() as u64,
            status,
            interval: {
                total_into(&mut self.interval_sum, &self.interval);
                request_stats("*", &self.interval_sum, span)
            },
            total: {
                total_into(&mut self.total_sum, &self.cumulative);
                request_stats("*", &self.total_sum, elapsed)
            },
            per_request: self.per_request(elapsed),
            active_users: active,
            target_users: u64::from(plan.users_at(elapsed)),
            target_rate: plan.rate_at(elapsed),
            iterations: state.iterations(),
            dropped_iterations: state.dropped(),
            generator,
        };
        self.seq += 1;
        snapshot
    }

    fn per_request(&self, elapsed: Duration) -> Vec<RequestStats> {
        self.names
            .iter()
            .zip(&self.cumulative)
            .map(|(n, t)| request_stats(n, t, elapsed))
            .collect()
    }

    fn generator_stats(&mut self, state: &RunState, span: Duration) -> GeneratorStats {
        let cpu_now = monitor::process_cpu();
        let cpu_percent = match (self.last_cpu, cpu_now) {
            (Some(before), Some(now)) if !span.is_zero() => {
                now.saturating_sub(before).as_secs_f64() / span.as_secs_f64() * 100.0
            }
            _ => 0.0,
        };
        self.last_cpu = cpu_now;
        let lag = state.take_lag();
        let rss = monitor::process_rss();
        // Short spans (the final partial interval) say little about saturation.
        if span >= Duration::from_millis(500) {
            self.intervals += 1;
            if cpu_percent >= CPU_SATURATED * 100.0 * f64::from(self.cores) {
                self.saturated_intervals += 1;
            }
        }
        let h = &mut self.health;
        h.peak_cpu_percent = h.peak_cpu_percent.max(cpu_percent);
        h.max_schedule_lag_ms = h.max_schedule_lag_ms.max(lag.as_secs_f64() * 1000.0);
        h.peak_rss_bytes = h.peak_rss_bytes.max(rss);
        GeneratorStats {
            cpu_percent,
            cores: self.cores,
            rss_bytes: rss,
            max_schedule_lag_ms: lag.as_secs_f64() * 1000.0,
        }
    }

    /// The observed value of a threshold's metric on the cumulative data.
    pub(crate) fn observe(&self, t: &Threshold, elapsed: Duration) -> Option<f64> {
        let scoped;
        let tally = match &t.request {
            Some(name) => self
                .names
                .iter()
                .position(|n| n == name)
                .and_then(|i| self.cumulative.get(i))?,
            None => {
                scoped = total(&self.cumulative);
                &scoped
            }
        };
        let h = &tally.latency;
        let ms = |us: u64| us as f64 / 1000.0;
        match t.metric {
            ThresholdMetric::ErrorRate => {
                (tally.requests > 0).then(|| tally.error_total() as f64 / tally.requests as f64)
            }
            ThresholdMetric::Rps => {
                let secs = elapsed.as_secs_f64();
                (secs > 0.0).then(|| tally.requests as f64 / secs)
            }
            _ if h.is_empty() => None,
            ThresholdMetric::Avg => Some(h.mean() / 1000.0),
            ThresholdMetric::Min => Some(ms(h.min())),
            ThresholdMetric::Max => Some(ms(h.max())),
            ThresholdMetric::Med => Some(ms(h.value_at_quantile(0.5))),
            ThresholdMetric::Percentile(q) => Some(ms(h.value_at_quantile(q / 100.0))),
        }
    }

    /// Verdicts of every threshold on the cumulative data.
    pub(crate) fn verdicts(
        &self,
        thresholds: &[Threshold],
        elapsed: Duration,
    ) -> Vec<ThresholdResult> {
        thresholds
            .iter()
            .map(|t| {
                let observed = self.observe(t, elapsed);
                ThresholdResult {
                    expr: t.expr.clone(),
                    request: t.request.clone(),
                    observed,
                    observed_text: t.observed_text(observed),
                    passed: t.check(observed),
                }
            })
            .collect()
    }

    /// The first `abort_on_fail` threshold that currently fails, with its observed value.
    pub(crate) fn abort_reason(
        &self,
        thresholds: &[Threshold],
        elapsed: Duration,
    ) -> Option<String> {
        thresholds.iter().filter(|t| t.abort_on_fail).find_map(|t| {
            let observed = self.observe(t, elapsed);
            // No data yet is not a failure worth aborting for.
            (observed.is_some() && !t.check(observed)).then(|| {
                format!(
                    "threshold \"{}\" failed (observed {}), aborting",
                    t.expr,
                    t.observed_text(observed)
                )
            })
        })
    }

    pub(crate) fn checks(&self) -> Vec<CheckStats> {
        self.checks
            .iter()
            .zip(&self.check_counts)
            .map(|((req, desc), (passed, failed))| CheckStats {
                request: self.names.get(*req).cloned().unwrap_or_default(),
                check: desc.clone(),
                passed: *passed,
                failed: *failed,
            })
            .collect()
    }

    pub(crate) fn totals(&self, elapsed: Duration) -> (RequestStats, Vec<RequestStats>) {
        (
            request_stats("*", &total(&self.cumulative), elapsed),
            self.per_request(elapsed),
        )
    }

    pub(crate) fn peak_users(&self) -> u64 {
        self.peak_users
    }

    /// The generator's verdict on itself, in plain words.
    pub(crate) fn health(&self) -> GeneratorHealth {
        let mut h = self.health.clone();
        if h.max_schedule_lag_ms > LAG_WARNING.as_secs_f64() * 1000.0 {
            h.saturated = true;
            h.warnings.push(format!(
                "the generator fell behind its schedule by up to {:.0} ms: it could not start iterations (or end think times) on time, so throughput and latency partly describe the generator, not the target",
                h.max_schedule_lag_ms
            ));
        }
        if self.saturated_intervals > 0 && self.saturated_intervals * 5 >= self.intervals.max(1) {
            h.saturated = true;
            h.warnings.push(format!(
                "the generator's CPU was saturated ({:.0}% of {} cores at peak) for {} of {} intervals: results are limited by the load generator, not the target",
                h.peak_cpu_percent, h.cores, self.saturated_intervals, self.intervals
            ));
        }
        h
    }
}
