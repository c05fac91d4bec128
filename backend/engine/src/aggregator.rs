//! The tick loop's state: drains the recorder once per interval into interval and cumulative
//! tallies, turns them into [`MetricsSnapshot`]s, evaluates thresholds, and watches the
//! generator's own CPU and schedule lag.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hdrhistogram::Histogram;
use shared::metrics::{
    CheckStats, ErrorKind, GeneratorHealth, GeneratorStats, LatencyStats, MetricsSnapshot,
    RequestStats, cores_text,
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
/// CPU use, as a share of the CPU capacity ([`monitor::cpu_capacity`]: the cores, or a
/// fractional cgroup quota), at or above which an interval counts as saturated.
const CPU_SATURATED: f64 = 0.9;
/// The shortest span the CPU figure is measured over, whatever the interval. A thread's CPU
/// clock ticks every 10 ms (`/proc/<pid>/task/<tid>/stat`) and user and system time are rounded
/// apart, so each worker's reading is off by up to 20 ms: over 250 ms that is at most 8% of
/// one core per worker, and so of the capacity when there are as many workers as cores.
const CPU_MIN_SPAN_FLOOR: Duration = Duration::from_millis(250);

/// The generator's CPU use, measured over spans long enough for the CPU clock to say something.
///
/// A span shorter than half the snapshot interval (or than [`CPU_MIN_SPAN_FLOOR`]) — above all
/// the run's final partial interval, often a few tens of ms — is not measured: over 47 ms
/// the clock's 10 ms steps read 0%, 21%, 43% or 63% of a core whatever the generator did. Such a span repeats the
/// previous reading, and its CPU time is counted in the next measurement instead. Only
/// measurements feed the peak and the saturated-interval counts. Until the first measurement,
/// and whenever the CPU time cannot be read, the figure is unknown (`None`), not 0%.
#[derive(Debug)]
struct CpuWatch {
    /// Spans shorter than this are not measured.
    min_span: Duration,
    /// Percent of one core at or above which a measurement counts as saturated.
    saturated_percent: f64,
    /// Elapsed time and the workers' CPU time at the last measurement (or the start).
    mark: Option<(Duration, Duration)>,
    /// The last measurement, percent of one core; `None` before the first, or when the CPU
    /// time could not be read at the last snapshot.
    last_percent: Option<f64>,
    /// The highest measurement, percent of one core; `None` before the first.
    peak_percent: Option<f64>,
    /// Measurements taken.
    measured: u64,
    /// Measurements at or above `saturated_percent`.
    saturated: u64,
}

impl CpuWatch {
    /// `capacity`: the CPU the process can use, in cores, fractions kept (0.5 under a quota of
    /// half a CPU).
    fn new(interval: Duration, capacity: f64, cpu_at_start: Option<Duration>) -> Self {
        Self {
            min_span: (interval / 2).max(CPU_MIN_SPAN_FLOOR),
            saturated_percent: CPU_SATURATED * 100.0 * capacity,
            mark: cpu_at_start.map(|cpu| (Duration::ZERO, cpu)),
            last_percent: None,
            peak_percent: None,
            measured: 0,
            saturated: 0,
        }
    }

    /// The CPU figure, percent of one core, for the snapshot at `elapsed`, given the workers'
    /// CPU time then (`None` where it cannot be read: the figure is then unknown too).
    fn observe(&mut self, elapsed: Duration, cpu: Option<Duration>) -> Option<f64> {
        let Some(cpu) = cpu else {
            // The mark stays: CPU time is cumulative, so a later reading measures from it.
            self.last_percent = None;
            return None;
        };
        let Some((mark_elapsed, mark_cpu)) = self.mark else {
            self.mark = Some((elapsed, cpu));
            return self.last_percent;
        };
        let span = elapsed.saturating_sub(mark_elapsed);
        if span < self.min_span {
            return self.last_percent;
        }
        let percent = cpu.saturating_sub(mark_cpu).as_secs_f64() / span.as_secs_f64() * 100.0;
        self.mark = Some((elapsed, cpu));
        self.last_percent = Some(percent);
        self.peak_percent = Some(self.peak_percent.map_or(percent, |peak| peak.max(percent)));
        self.measured += 1;
        if percent >= self.saturated_percent {
            self.saturated += 1;
        }
        Some(percent)
    }
}

#[derive(Debug)]
pub(crate) struct Aggregator {
    names: Vec<String>,
    checks: Vec<(usize, String)>,
    cumulative: Vec<Tally>,
    check_counts: Vec<(u64, u64)>,
    interval: Vec<Tally>,
    /// Scratch for the interval's and the run's totals over all requests. Every tally here is
    /// reset and reused each tick: allocating them afresh (two histograms each, up to 184 KiB once grown) made
    /// the heap grow and shrink by ~0.4 MiB from one tick to the next.
    interval_sum: Tally,
    total_sum: Tally,
    seq: u64,
    last_tick: Duration,
    /// When the load phase ended (the plan's end, a stop or an abort), once it has: the plan
    /// calls for nothing after it.
    load_end: Option<Duration>,
    cpu: CpuWatch,
    /// Where the workers' CPU time and the process's RSS are read.
    source: monitor::Source,
    /// What the saturation check measures against: [`monitor::cpu_capacity`].
    cpu_capacity: f64,
    cores: u32,
    health: GeneratorHealth,
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
        p50_ms: ms(value_at_percentile(h, 50.0)),
        p90_ms: ms(value_at_percentile(h, 90.0)),
        p95_ms: ms(value_at_percentile(h, 95.0)),
        p99_ms: ms(value_at_percentile(h, 99.0)),
        p999_ms: ms(value_at_percentile(h, 99.9)),
        max_ms: ms(h.max()),
    }
}

/// The value at percentile `p` (0 to 100) of a histogram that is not empty: that of the
/// sample at rank ⌈p% × count⌉, the rank counted exactly. hdrhistogram computes it as
/// `ceil(q × count)` in floating point, which reads one rank too high where the product lands a
/// hair above a whole number: `0.55 × 100` is `55.00000000000001`, so `p(55)` of 100 samples
/// was the 56th (also `p(7)`, `p(14)`, `p(28)`, `p(56)`, `p(68)`, … for some counts).
fn value_at_percentile(h: &Histogram<u64>, p: f64) -> u64 {
    let count = h.len().max(1);
    // `p` as written, in billionths of a percent (exact for a percentile written with up to 9
    // decimals, as `99.9` or `p(99.99)`): the rank in whole numbers, at least the first sample.
    let billionths = (p.clamp(0.0, 100.0) * 1e9).round() as u128;
    let rank = (billionths * u128::from(count))
        .div_ceil(100 * 1_000_000_000)
        .clamp(1, u128::from(count)) as f64;
    // Half a rank below it: floating-point error cannot carry that across a whole number.
    h.value_at_quantile((rank - 0.5) / count as f64)
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
        resent: t.resent,
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
    /// `interval` is the snapshot interval, which decides the shortest span CPU is measured over.
    pub(crate) fn new(scenario: &ValidScenario, interval: Duration) -> Self {
        Self::with_source(scenario, interval, monitor::Source::PROC)
    }

    /// [`Aggregator::new`], reading the generator's own figures from `source`.
    fn with_source(scenario: &ValidScenario, interval: Duration, source: monitor::Source) -> Self {
        let n = scenario.request_names.len();
        let cpu_capacity = monitor::cpu_capacity();
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
            load_end: None,
            // The run's worker threads ([`RunState::workers_cpu`]) have used nothing yet.
            cpu: CpuWatch::new(interval, cpu_capacity, Some(Duration::ZERO)),
            source,
            cpu_capacity,
            cores: monitor::cores(),
            health: GeneratorHealth {
                cores: monitor::cores(),
                ..GeneratorHealth::default()
            },
            peak_users: 0,
        }
    }

    /// Marks the end of the load phase, `elapsed` into the run: from then on the plan calls
    /// for no users and no starts, whether it ran to its end or was stopped early.
    pub(crate) fn end_load(&mut self, elapsed: Duration) {
        self.load_end.get_or_insert(elapsed);
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
        // The peak before the requests: a request the drain below misses was recorded by a
        // user still active at this point, who then starts the next interval's peak. Taken
        // after the drain, that user could finish in between and leave the next interval with
        // its last request and a peak of 0. The peak is tracked on every start, so short
        // iterations between ticks count too.
        let interval_peak = state.take_peak();
        // Iteration counts first, then the requests: every iteration counted has its requests
        // in this drain or an earlier one, so a snapshot never counts an iteration ahead of
        // its requests.
        let (iterations, interrupted) = (state.iterations(), state.interrupted());
        state
            .recorder
            .drain(&mut self.interval, &mut self.check_counts);
        for (c, i) in self.cumulative.iter_mut().zip(&self.interval) {
            c.merge(i);
        }
        let span = elapsed.saturating_sub(self.last_tick);
        // In whole milliseconds as `elapsed_ms` has them, so the intervals add up to it
        // (truncating the span itself lost up to 1 ms each, 18 s in an hour of 100 ms ticks).
        let (elapsed_ms, interval_ms) = (
            elapsed.as_millis() as u64,
            elapsed
                .as_millis()
                .saturating_sub(self.last_tick.as_millis()) as u64,
        );
        self.last_tick = elapsed;

        let generator = self.generator_stats(state, elapsed);
        let active = state.active.load(Ordering::Relaxed);
        let interval_peak = interval_peak.max(active);
        self.peak_users = self.peak_users.max(interval_peak);
        let snapshot = MetricsSnapshot {
            seq: self.seq,
            elapsed_ms,
            interval_ms,
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
            interval_peak_users: interval_peak,
            target_users: match self.load_end {
                Some(end) if elapsed >= end => 0,
                _ => u64::from(plan.users_at(elapsed)),
            },
            target_rate: planned_rate(plan, elapsed.saturating_sub(span), elapsed, self.load_end),
            iterations,
            dropped_iterations: state.dropped(),
            interrupted_iterations: interrupted,
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

    fn generator_stats(&mut self, state: &RunState, elapsed: Duration) -> GeneratorStats {
        let cpu_percent = self.cpu.observe(
            elapsed,
            state.workers_cpu.total_with(self.source.thread_cpu),
        );
        let lag = state.take_lag();
        let rss = (self.source.rss)();
        let h = &mut self.health;
        h.peak_cpu_percent = self.cpu.peak_percent;
        h.max_schedule_lag_ms = h.max_schedule_lag_ms.max(lag.as_secs_f64() * 1000.0);
        // `None` (never read) is below any reading.
        h.peak_rss_bytes = h.peak_rss_bytes.max(rss);
        GeneratorStats {
            cpu_percent,
            cores: self.cores,
            cpu_capacity: self.cpu_capacity,
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
            // No request, no data: a rate of 0 would pass any `rps <` limit on a request the
            // run never sent, which the threshold has not shown it meets.
            _ if tally.requests == 0 => None,
            ThresholdMetric::ErrorRate => Some(tally.error_total() as f64 / tally.requests as f64),
            ThresholdMetric::Rps => {
                let secs = elapsed.as_secs_f64();
                (secs > 0.0).then(|| tally.requests as f64 / secs)
            }
            _ if h.is_empty() => None,
            ThresholdMetric::Avg => Some(h.mean() / 1000.0),
            ThresholdMetric::Min => Some(ms(h.min())),
            ThresholdMetric::Max => Some(ms(h.max())),
            ThresholdMetric::Med => Some(ms(value_at_percentile(h, 50.0))),
            ThresholdMetric::Percentile(p) => Some(ms(value_at_percentile(h, p))),
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
            .map(|t| self.verdict(t, elapsed))
            .collect()
    }

    fn verdict(&self, t: &Threshold, elapsed: Duration) -> ThresholdResult {
        let observed = self.observe(t, elapsed);
        ThresholdResult {
            expr: t.expr.clone(),
            request: t.request.clone(),
            observed,
            observed_text: t.observed_text(observed),
            passed: t.check(observed),
        }
    }

    /// The first `abort_on_fail` threshold that currently fails (by its index), its failing
    /// verdict, and the reason with its observed value (and its request, when it is scoped to
    /// one).
    pub(crate) fn abort_reason(
        &self,
        thresholds: &[Threshold],
        elapsed: Duration,
    ) -> Option<(usize, ThresholdResult, String)> {
        thresholds
            .iter()
            .enumerate()
            .filter(|(_, t)| t.abort_on_fail)
            .find_map(|(i, t)| {
                let verdict = self.verdict(t, elapsed);
                // No data yet is not a failure worth aborting for.
                (verdict.observed.is_some() && !verdict.passed).then(|| {
                    let reason = format!(
                        "threshold \"{}\"{} failed (observed {}), so the run was stopped early",
                        t.expr,
                        shared::threshold::scope_phrase(t.request.as_deref()),
                        verdict.observed_text
                    );
                    (i, verdict, reason)
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
        let (saturated, measured) = (self.cpu.saturated, self.cpu.measured);
        if saturated > 0 && saturated * 5 >= measured.max(1) {
            h.saturated = true;
            h.warnings.push(format!(
                "the generator's CPU was saturated ({:.0}% of one core at peak, with {} available) for {saturated} of {measured} intervals: results are limited by the load generator, not the target",
                h.peak_cpu_percent.unwrap_or_default(),
                cores_text(self.cpu_capacity)
            ));
        }
        h
    }
}

/// The starts per second the plan called for between `from` and `to`: its mean rate over the
/// part of the span before the load ended (at `load_end`), spread over the whole span. After a
/// stop the plan calls for nothing, so a stopped run's rate line falls as its users drain.
fn planned_rate(plan: &LoadPlan, from: Duration, to: Duration, load_end: Option<Duration>) -> f64 {
    let until = load_end.map_or(to, |end| to.min(end));
    if to <= from {
        return if until < to {
            0.0
        } else {
            plan.mean_rate(from, to)
        };
    }
    if until <= from {
        return 0.0;
    }
    let part = (until - from).as_secs_f64() / (to - from).as_secs_f64();
    plan.mean_rate(from, until) * part
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use std::sync::Arc;

    use shared::run::RunStatus;
    use shared::scenario::{Format, ValidScenario, ValidationEnv, parse_scenario, validate};

    use shared::scenario::RequestId;

    use super::{Aggregator, CpuWatch, LoadPlan, planned_rate};
    use crate::journey::Picker;
    use crate::recorder::{Outcome, Recorder};
    use crate::state::RunState;

    /// A one-user scenario, its plan, and a run state with no requests.
    fn one_user() -> (ValidScenario, LoadPlan, Arc<RunState>) {
        let scenario = validate(
            &parse_scenario(
                "name: ticks
target: http://127.0.0.1:9
journeys: [{ name: one, steps: [{ request: { path: / } }] }]
load: { type: constant_users, users: 1, duration: 10s }
",
                Format::Yaml,
            )
            .expect("parses"),
            &ValidationEnv::default(),
        )
        .expect("valid");
        let plan = LoadPlan::new(scenario.load(), 0);
        let state = Arc::new(RunState::new(
            Vec::new(),
            Vec::new(),
            Picker::single(),
            Recorder::new(1, 0, 1),
        ));
        (scenario, plan, state)
    }

    /// A threshold with nothing to judge fails, its figure `no data`, whatever its metric: an
    /// `rps` threshold on a request the run never sent (or on a run that sent nothing) read a
    /// rate of 0 and passed any `rps <` limit, while the same threshold on a latency or the
    /// error rate failed.
    #[test]
    fn a_rate_threshold_with_no_requests_has_no_data() {
        use shared::threshold::{Threshold, ThresholdSpec};

        let scenario = validate(
            &parse_scenario(
                "name: two
target: http://127.0.0.1:9
journeys:
  - { name: a, steps: [{ request: { path: /a, name: sent } }] }
  - { name: b, weight: 0, steps: [{ request: { path: /b, name: never } }] }
load: { type: constant_users, users: 1, duration: 10s }
",
                Format::Yaml,
            )
            .expect("parses"),
            &ValidationEnv::default(),
        )
        .expect("valid");
        let sent = RequestId(
            scenario
                .request_names
                .iter()
                .position(|n| n == "sent")
                .expect("named"),
        );
        let plan = LoadPlan::new(scenario.load(), 0);
        let state = Arc::new(RunState::new(
            Vec::new(),
            Vec::new(),
            Picker::single(),
            Recorder::new(scenario.request_names.len(), 0, 1),
        ));
        let threshold = |expr: &str, request: Option<&str>| {
            Threshold::parse(&ThresholdSpec {
                expr: expr.to_owned(),
                request: request.map(str::to_owned),
                abort_on_fail: false,
            })
            .expect("parses")
        };
        let thresholds = [
            threshold("rps < 1000", Some("never")),
            threshold("p(95) < 1s", Some("never")),
            threshold("rps < 1000", None),
        ];
        let mut agg = Aggregator::new(&scenario, ms(1000));

        // Nothing sent yet: no threshold has anything to judge.
        agg.tick(&state, &plan, ms(1000), RunStatus::Running);
        for v in agg.verdicts(&thresholds, ms(1000)) {
            assert_eq!((v.observed, v.passed), (None, false), "{v:?}");
            assert_eq!(v.observed_text, "no data", "{v:?}");
        }

        // Four requests of `sent` in two seconds: the whole run has a rate, `never` still none.
        for _ in 0..4 {
            state.recorder.record(
                &Outcome {
                    request: sent,
                    latency: ms(5),
                    service: ms(5),
                    status: Some(200),
                    error: None,
                    bytes_sent: 10,
                    bytes_received: 10,
                    resent: false,
                },
                &[],
            );
        }
        agg.tick(&state, &plan, ms(2000), RunStatus::Running);
        let verdicts = agg.verdicts(&thresholds, ms(2000));
        for v in &verdicts[..2] {
            assert_eq!((v.observed, v.passed), (None, false), "{v:?}");
        }
        assert_eq!(
            (verdicts[2].observed, verdicts[2].passed),
            (Some(2.0), true),
            "{:?}",
            verdicts[2]
        );
    }

    /// A percentile threshold reads the sample at the rank its percentile gives, whatever the
    /// floating-point product of the two: of 100 samples of 10, 20, …, 1000 µs, `p(55)` is the
    /// 55th (0.55 ms), which hdrhistogram's own rounding read as the 56th.
    #[test]
    fn a_percentile_threshold_reads_the_exact_rank() {
        use shared::threshold::{Threshold, ThresholdSpec};

        let (scenario, plan, state) = one_user();
        for i in 1..=100 {
            state.recorder.record(
                &Outcome {
                    request: RequestId(0),
                    latency: Duration::from_micros(10 * i),
                    service: Duration::from_micros(10 * i),
                    status: Some(200),
                    error: None,
                    bytes_sent: 0,
                    bytes_received: 0,
                    resent: false,
                },
                &[],
            );
        }
        let mut agg = Aggregator::new(&scenario, ms(1000));
        agg.tick(&state, &plan, ms(1000), RunStatus::Running);
        // (percentile, the value at its rank, ms): exact below 2048 µs.
        for (p, want) in [
            (55.0, 0.55),
            (7.0, 0.07),
            (14.0, 0.14),
            (28.0, 0.28),
            (56.0, 0.56),
            (68.0, 0.68),
            (50.0, 0.5),
            (95.0, 0.95),
            (99.0, 0.99),
            (99.9, 1.0),
            (0.1, 0.01),
            (100.0, 1.0),
        ] {
            let t = Threshold::parse(&ThresholdSpec {
                expr: format!("p({p}) <= {want}ms"),
                request: None,
                abort_on_fail: false,
            })
            .expect("parses");
            let v = agg.verdicts(std::slice::from_ref(&t), ms(1000)).remove(0);
            assert_eq!((v.observed, v.passed), (Some(want), true), "p({p}): {v:?}");
        }
    }

    #[test]
    fn the_planned_rate_stops_with_the_load() {
        let plan = LoadPlan::new(
            &shared::scenario::LoadProfile::ConstantRate {
                rate: 20.0,
                duration: shared::units::HumanDuration(Duration::from_secs(10)),
                max_users: 10,
            },
            0,
        );
        let s = Duration::from_secs_f64;
        // (from, to, load end, starts per second)
        for (from, to, end, want) in [
            (1.0, 2.0, None, 20.0),
            (1.0, 2.0, Some(10.0), 20.0),
            // Stopped at 3.5 s: half of the interval had load.
            (3.0, 4.0, Some(3.5), 10.0),
            (4.0, 5.0, Some(3.5), 0.0),
            // The plan's own end.
            (9.5, 10.5, Some(10.0), 10.0),
            (10.5, 11.5, None, 0.0),
        ] {
            let got = planned_rate(&plan, s(from), s(to), end.map(s));
            assert!(
                (got - want).abs() < 1e-9,
                "[{from}, {to}] end {end:?}: {got}"
            );
        }
    }

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Snapshots' lengths tile the run: each interval ends where the next begins, in the same
    /// whole milliseconds as `elapsed_ms`, so they add up to the run's duration and a rate
    /// read from `interval_ms` is the rate of the time the snapshot covers.
    #[test]
    fn interval_lengths_add_up_to_the_elapsed_time() {
        let (scenario, plan, state) = one_user();
        let mut agg = Aggregator::new(&scenario, ms(100));
        // Ticks a little late or early, as timers fire, and a short final one.
        let us = Duration::from_micros;
        let mut sum = 0;
        let mut last = 0;
        for at in [
            us(100_900),
            us(200_100),
            us(300_950),
            us(401_000),
            us(401_700),
        ] {
            let snap = agg.tick(&state, &plan, at, RunStatus::Running);
            sum += snap.interval_ms;
            assert_eq!(
                snap.interval_ms,
                snap.elapsed_ms - last,
                "snapshot {} at {at:?}",
                snap.seq
            );
            last = snap.elapsed_ms;
        }
        assert_eq!(sum, 401, "the intervals cover the run");
    }

    /// The generator's CPU is its worker threads', not the whole process's: `stampede serve`
    /// runs the control server and the demo target in the same process, and what they use
    /// is not the generator's.
    #[test]
    fn the_generator_cpu_is_its_workers_not_the_process() {
        let (scenario, plan, state) = one_user();
        let mut agg = Aggregator::new(&scenario, ms(1000));
        let (joined_tx, joined_rx) = std::sync::mpsc::channel();
        let (work_tx, work_rx) = std::sync::mpsc::channel::<()>();
        let (burnt_tx, burnt_rx) = std::sync::mpsc::channel();
        let worker = std::thread::spawn({
            let state = Arc::clone(&state);
            move || {
                let cpu = state.workers_cpu.join();
                joined_tx.send(()).expect("the test waits");
                // Idle through the first interval, then busy for 400 ms of CPU.
                work_rx.recv().expect("the test says when");
                let burnt = crate::monitor::burn(ms(400));
                drop(cpu);
                burnt_tx.send(burnt).expect("the test waits");
            }
        });
        joined_rx.recv().expect("the worker joins");
        // Something else in the process (the demo target) is busy, the worker is not.
        if !crate::monitor::burn(ms(400)) {
            return; // No /proc (another OS): nothing is measured.
        }
        let idle = agg.tick(&state, &plan, ms(1000), RunStatus::Running);
        assert_eq!(
            idle.generator.cpu_capacity,
            crate::monitor::cpu_capacity(),
            "what the saturation is judged against"
        );
        assert!(
            idle.generator.cpu_percent.is_some_and(|cpu| cpu < 20.0),
            "the rest of the process counted: {:?}",
            idle.generator
        );
        work_tx.send(()).expect("the worker waits");
        assert!(burnt_rx.recv().expect("the worker burns"));
        worker.join().expect("the worker ends");
        let busy = agg.tick(&state, &plan, ms(2000), RunStatus::Running);
        assert!(
            busy.generator.cpu_percent.is_some_and(|cpu| cpu >= 40.0),
            "the worker's CPU: {:?}",
            busy.generator
        );
    }

    /// What a watch showed: each snapshot's figure, the peak, measurements and saturated ones.
    type Watched = (Vec<Option<f64>>, Option<f64>, u64, u64);

    /// Where the generator cannot read its own CPU time and memory (no `/proc`: another OS, a
    /// locked-down container), its snapshots and its health say unknown, not 0, and the CPU
    /// check judges nothing: no warning, no peak.
    #[test]
    fn unreadable_cpu_and_memory_are_unknown_not_zero() {
        let (scenario, plan, state) = one_user();
        let mut agg =
            Aggregator::with_source(&scenario, ms(1000), crate::monitor::Source::UNREADABLE);
        // A worker joined, as a run's do, and its CPU time cannot be read.
        let joined = state.workers_cpu.join();
        for at in [1000, 2000, 2047] {
            let g = agg
                .tick(&state, &plan, ms(at), RunStatus::Running)
                .generator;
            assert_eq!((g.cpu_percent, g.rss_bytes), (None, None), "at {at} ms");
            assert!(g.cores >= 1 && g.cpu_capacity > 0.0, "still known: {g:?}");
        }
        drop(joined);
        let health = agg.health();
        assert_eq!(
            (health.peak_cpu_percent, health.peak_rss_bytes),
            (None, None),
            "{health:?}"
        );
        assert!(
            !health.saturated && health.warnings.is_empty(),
            "{health:?}"
        );
    }

    /// Feeds `(elapsed ms, cpu ms)` readings to a watch for one core, and returns
    /// what each snapshot shows, with the peak, measurements and saturated ones at the end.
    fn watch(interval: Duration, readings: &[(u64, Option<u64>)]) -> Watched {
        watch_with(1.0, interval, readings)
    }

    /// [`watch`] for a process that can use `capacity` cores.
    fn watch_with(capacity: f64, interval: Duration, readings: &[(u64, Option<u64>)]) -> Watched {
        let mut w = CpuWatch::new(interval, capacity, Some(Duration::ZERO));
        let round = |p: f64| (p * 10.0).round() / 10.0;
        let shown = readings
            .iter()
            .map(|&(t, cpu)| w.observe(ms(t), cpu.map(ms)).map(round))
            .collect();
        (shown, w.peak_percent.map(round), w.measured, w.saturated)
    }

    #[test]
    fn cpu_is_measured_only_over_spans_long_enough() {
        type Case = (
            &'static str,
            u64,
            &'static [(u64, Option<u64>)],
            (&'static [Option<f64>], Option<f64>, u64, u64),
        );
        let cases: &[Case] = &[
            (
                "full intervals are measured",
                1000,
                &[(1000, Some(50)), (2000, Some(140))],
                (&[Some(5.0), Some(9.0)], Some(9.0), 2, 0),
            ),
            (
                // The QA run: 5-9% every second, then 30 ms of CPU over the final 47 ms.
                "a final 47 ms span repeats the last reading and leaves the peak alone",
                1000,
                &[(1000, Some(50)), (2000, Some(140)), (2047, Some(170))],
                (&[Some(5.0), Some(9.0), Some(9.0)], Some(9.0), 2, 0),
            ),
            (
                "exactly half the interval is long enough",
                1000,
                &[(1000, Some(50)), (1500, Some(100))],
                (&[Some(5.0), Some(10.0)], Some(10.0), 2, 0),
            ),
            (
                "a short span's CPU counts in the next measurement, over both spans",
                1000,
                &[(1000, Some(100)), (1100, Some(190)), (2000, Some(300))],
                (&[Some(10.0), Some(10.0), Some(20.0)], Some(20.0), 2, 0),
            ),
            (
                "a tiny interval is measured over at least 250 ms: unknown until then",
                100,
                &[
                    (100, Some(30)),
                    (200, Some(60)),
                    (300, Some(90)),
                    (400, Some(100)),
                ],
                (&[None, None, Some(30.0), Some(30.0)], Some(30.0), 1, 0),
            ),
            (
                "saturation counts measurements only",
                1000,
                &[(1000, Some(950)), (2000, Some(1900)), (2010, Some(1910))],
                (&[Some(95.0), Some(95.0), Some(95.0)], Some(95.0), 2, 2),
            ),
            (
                "no CPU clock: nothing measured, unknown and not 0%",
                1000,
                &[(1000, None), (2000, None)],
                (&[None, None], None, 0, 0),
            ),
            (
                "a reading that fails is unknown, and the next measures from the last mark",
                1000,
                &[(1000, Some(100)), (2000, None), (3000, Some(500))],
                (&[Some(10.0), None, Some(20.0)], Some(20.0), 2, 0),
            ),
        ];
        for (name, interval, readings, (shown, peak, measured, saturated)) in cases {
            let got = watch(ms(*interval), readings);
            assert_eq!(got.0, *shown, "{name}: shown");
            assert_eq!(got.1, *peak, "{name}: peak");
            assert_eq!(
                (got.2, got.3),
                (*measured, *saturated),
                "{name}: measured, saturated"
            );
        }
    }

    /// Under a cgroup CPU quota (a pod's `limits.cpu: 500m`, `docker run --cpus 1.5`) the
    /// process can use a fractional number of cores, which `available_parallelism` rounds down
    /// to whole cores (at least one). Saturation is measured against the fraction.
    #[test]
    fn saturation_is_measured_against_a_fractional_cpu_capacity() {
        // (capacity in cores, CPU ms per 1000 ms interval, saturated)
        for (capacity, cpu, saturated) in [
            // Half a CPU: 48% of a core is all but all of it; 44% is not yet 90% of it.
            (0.5, 480, true),
            (0.5, 440, false),
            // 1.5 CPUs: a whole core leaves half a core free; 135% is 90% of 1.5.
            (1.5, 1000, false),
            (1.5, 1350, true),
            (1.0, 900, true),
            (1.0, 890, false),
            (2.0, 1700, false),
            (2.0, 1800, true),
        ] {
            let (_, peak, measured, got) = watch_with(
                capacity,
                ms(1000),
                &[(1000, Some(cpu)), (2000, Some(2 * cpu))],
            );
            assert_eq!(peak, Some(cpu as f64 / 10.0), "{capacity}: peak {peak:?}");
            assert_eq!(
                (measured, got),
                (2, if saturated { 2 } else { 0 }),
                "{cpu} ms of CPU a second with {capacity} cores: measured, saturated"
            );
        }
    }
}
