//! Everything about one run's data: charts over time and the per-request table. Used by the
//! live page (fed by the WebSocket) and by a stored run (fed by its series). The series the
//! charts draw are pure functions of the snapshots ([`throughput_series`], …), each behind a
//! `Memo`, so a new snapshot recomputes every chart once.

use leptos::prelude::*;
use shared::api::Alert;
use shared::metrics::{ErrorKind, MetricsSnapshot, RequestStats, RunSummary};
use shared::scenario::LoadProfile;

use crate::chart::{Series, color, kind_color};
use crate::components::alerts::AlertList;
use crate::components::breakdown::ErrorBreakdown;
use crate::components::chart::LineChart;
use crate::components::generator::{SaturationWarning, saturation_warnings};
use crate::components::request_table::RequestTable;

fn secs(s: &MetricsSnapshot) -> f64 {
    s.elapsed_ms as f64 / 1000.0
}

/// Length of the snapshot's interval in seconds (never 0, so rates stay finite).
fn interval_s(s: &MetricsSnapshot) -> f64 {
    (s.interval_ms as f64 / 1000.0).max(0.001)
}

/// Requests per second per interval, and successful requests per second when any failed.
pub fn throughput_series(snaps: &[MetricsSnapshot]) -> Vec<Series> {
    let snaps = shared::chart::rate_spans(snaps);
    let mut all = Series::with_capacity("requests/s", color(0), snaps.len());
    let mut ok = Series::with_capacity("successful/s", color(1), snaps.len());
    let mut any_errors = false;
    for s in snaps.iter() {
        let t = secs(s);
        let i = &s.interval;
        all.points.push((t, i.rps));
        any_errors |= i.errors > 0;
        let ok_share = if i.requests == 0 {
            1.0
        } else {
            1.0 - i.error_rate()
        };
        ok.points.push((t, i.rps * ok_share));
    }
    if any_errors { vec![all, ok] } else { vec![all] }
}

/// Interval latency p50, p95 and p99. An interval without requests has no latency: its point
/// is NaN, a gap in the line (see [`crate::chart::path`]).
pub fn latency_series(snaps: &[MetricsSnapshot]) -> Vec<Series> {
    let mut lines = [
        Series::with_capacity("p50", color(0), snaps.len()),
        Series::with_capacity("p95", color(1), snaps.len()),
        Series::with_capacity("p99", color(2), snaps.len()),
    ];
    for s in snaps {
        let t = secs(s);
        let l = &s.interval.latency;
        let idle = s.interval.requests == 0;
        for (line, v) in lines.iter_mut().zip([l.p50_ms, l.p95_ms, l.p99_ms]) {
            line.points.push((t, if idle { f64::NAN } else { v }));
        }
    }
    lines.into()
}

/// Failed requests per second per interval: the total, and one line per kind seen in the run,
/// each in its kind's own colour.
pub fn error_series(snaps: &[MetricsSnapshot]) -> Vec<Series> {
    let snaps = shared::chart::rate_spans(snaps);
    let mut seen = [false; ErrorKind::ALL.len()];
    for s in snaps.iter() {
        for (k, n) in &s.interval.errors_by_kind {
            seen[k.index()] |= *n > 0;
        }
    }
    let mut total = Series::with_capacity("all errors", color(0), snaps.len());
    let mut kinds: Vec<(ErrorKind, Series)> = ErrorKind::ALL
        .into_iter()
        .filter(|k| seen[k.index()])
        .map(|k| {
            let line = Series::with_capacity(k.label(), kind_color(k), snaps.len());
            (k, line)
        })
        .collect();
    for s in snaps.iter() {
        let (t, per_s) = (secs(s), interval_s(s));
        total.points.push((t, s.interval.errors as f64 / per_s));
        for (k, line) in &mut kinds {
            let n = s.interval.errors_by_kind.get(k).copied().unwrap_or(0);
            line.points.push((t, n as f64 / per_s));
        }
    }
    std::iter::once(total)
        .chain(kinds.into_iter().map(|(_, s)| s))
        .collect()
}

/// What a run's scenario planned, where the page knows it (from the scenario as run).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// How long the load lasts (its graceful stop follows), ms.
    pub load_ms: u64,
    /// An arrival rate (open model) rather than a number of users.
    pub open_model: bool,
}

impl Plan {
    pub fn of(load: &LoadProfile) -> Self {
        Self {
            load_ms: load.planned_ms(),
            open_model: load.is_open_model(),
        }
    }
}

/// True when the run follows an arrival rate (open model) rather than a number of users: as
/// `known` from its plan, else as its snapshots tell (a rate above 0 in any of them; a rate
/// that starts at 0 reads as closed until then).
pub fn is_open_model(snaps: &[MetricsSnapshot], known: Option<bool>) -> bool {
    known.unwrap_or_else(|| snaps.iter().any(|s| s.target_rate > 0.0))
}

/// The most users in flight in each interval (so a short burst between two ticks shows), and
/// the users the plan called for (closed model).
pub fn users_series(snaps: &[MetricsSnapshot], open: Option<bool>) -> Vec<Series> {
    let mut active = Series::with_capacity("active users (peak)", color(0), snaps.len());
    let mut target = Series::with_capacity("target users", color(1), snaps.len());
    for s in snaps {
        active.points.push((secs(s), s.users_peak() as f64));
        target.points.push((secs(s), s.target_users as f64));
    }
    if is_open_model(snaps, open) {
        vec![active]
    } else {
        vec![active, target]
    }
}

/// The arrival rate the plan called for and, when any were dropped, the starts per second that
/// could not be made (open model; no lines for closed-model runs).
pub fn rate_series(snaps: &[MetricsSnapshot], open: Option<bool>) -> Vec<Series> {
    if !is_open_model(snaps, open) {
        return Vec::new();
    }
    let mut rate = Series::with_capacity("target rate", color(2), snaps.len());
    rate.points
        .extend(snaps.iter().map(|s| (secs(s), s.target_rate)));
    if snaps.last().is_none_or(|s| s.dropped_iterations == 0) {
        return vec![rate];
    }
    // Starts the pool could not make, per second of each interval: the gap between the plan
    // and what ran. Drawn only when some were dropped.
    let mut dropped = Series::with_capacity("dropped starts", color(3), snaps.len());
    let mut before = 0;
    for s in shared::chart::rate_spans(snaps).iter() {
        let span = s.interval_ms as f64 / 1000.0;
        let n = s.dropped_iterations.saturating_sub(before) as f64;
        before = s.dropped_iterations;
        dropped
            .points
            .push((secs(s), if span > 0.0 { n / span } else { 0.0 }));
    }
    vec![rate, dropped]
}

/// The generator's CPU use (percent of one core; a gap where it is unknown), with its capacity
/// (its cores, or a fractional cgroup quota) for scale.
pub fn cpu_series(snaps: &[MetricsSnapshot]) -> Vec<Series> {
    let mut cpu = Series::with_capacity("generator CPU", color(0), snaps.len());
    cpu.points.extend(
        snaps
            .iter()
            .map(|s| (secs(s), s.generator.cpu_percent.unwrap_or(f64::NAN))),
    );
    let Some(capacity) = snaps
        .iter()
        .filter_map(|s| s.generator.capacity())
        .reduce(f64::max)
    else {
        return vec![cpu];
    };
    let mut cap = Series::with_capacity(
        format!("all {}", shared::metrics::cores_text(capacity)),
        color(5),
        2,
    );
    let cap_v = capacity * 100.0;
    if let (Some(first), Some(last)) = (snaps.first(), snaps.last()) {
        cap.points.push((secs(first), cap_v));
        cap.points.push((secs(last), cap_v));
    }
    vec![cpu, cap]
}

/// Charts and tables for a run.
#[component]
pub fn RunView(
    /// Snapshots in order.
    #[prop(into)]
    snapshots: Signal<Vec<MetricsSnapshot>>,
    /// Alerts fired.
    #[prop(into)]
    alerts: Signal<Vec<Alert>>,
    /// The final summary, once there is one.
    #[prop(into)]
    summary: Signal<Option<RunSummary>>,
    /// Leave out the alerts list (when the page shows alerts itself).
    #[prop(optional)]
    hide_alerts: bool,
    /// The run's plan, when known: where its load ends (charts mark it) and its model.
    #[prop(into, optional)]
    plan: Option<Signal<Option<Plan>>>,
) -> impl IntoView {
    let plan = plan.unwrap_or_else(|| Signal::stored(None));
    let load_end = Signal::derive(move || plan.get().map(|p| p.load_ms as f64 / 1000.0));
    let open = move || plan.get().map(|p| p.open_model);
    let throughput = Memo::new(move |_| snapshots.with(|s| throughput_series(s)));
    let latency = Memo::new(move |_| snapshots.with(|s| latency_series(s)));
    let errors = Memo::new(move |_| snapshots.with(|s| error_series(s)));
    let users = Memo::new(move |_| snapshots.with(|s| users_series(s, open())));
    let rate = Memo::new(move |_| snapshots.with(|s| rate_series(s, open())));
    let cpu = Memo::new(move |_| snapshots.with(|s| cpu_series(s)));

    let latest = Memo::new(move |_| snapshots.with(|s| s.last().cloned()));
    // Cumulative figures: the summary's once the run is over, the latest snapshot's before.
    let per_request: Memo<Vec<RequestStats>> = Memo::new(move |_| {
        summary.with(|sum| match sum {
            Some(sum) => sum.per_request.clone(),
            None => latest.with(|l| {
                l.as_ref()
                    .map(|l| l.per_request.clone())
                    .unwrap_or_default()
            }),
        })
    });
    let total: Memo<Option<RequestStats>> = Memo::new(move |_| {
        summary.with(|sum| match sum {
            Some(sum) => Some(sum.total.clone()),
            None => latest.with(|l| l.as_ref().map(|l| l.total.clone())),
        })
    });
    let warnings = Memo::new(move |_| {
        latest.with(|l| summary.with(|s| saturation_warnings(l.as_ref(), s.as_ref())))
    });

    view! {
        <div class="run-view">
            <SaturationWarning warnings=warnings/>
            <div class="run-view__charts">
                <LineChart title="Throughput" y_unit="req/s" series=throughput name="throughput" load_end=load_end/>
                <LineChart title="Latency (per interval)" y_unit="ms" series=latency name="latency" load_end=load_end/>
                <LineChart title="Errors by kind" y_unit="errors/s" series=errors name="errors" load_end=load_end/>
                <LineChart
                    title="Users"
                    y_unit="users"
                    series=users
                    name="users"
                    whole=true
                    right_series=rate
                    right_unit="starts/s"
                    load_end=load_end
                />
                <LineChart title="Generator CPU" y_unit="%" series=cpu name="cpu" load_end=load_end/>
            </div>
            <section class="run-view__section">
                <h2>"Requests"</h2>
                <RequestTable stats=per_request/>
            </section>
            <section class="run-view__section">
                <h2>"Errors and status codes"</h2>
                <ErrorBreakdown total=total/>
            </section>
            {(!hide_alerts)
                .then(|| {
                    view! {
                        <section class="run-view__section">
                            <h2>"Alerts"</h2>
                            <AlertList alerts=alerts empty="No alerts fired."/>
                        </section>
                    }
                })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::fixtures::snapshot;

    fn run(n: u64) -> Vec<MetricsSnapshot> {
        (0..n)
            .map(|i| snapshot(i, 100.0 + i as f64, 100, 0))
            .collect()
    }

    fn names(lines: &[Series]) -> Vec<&str> {
        lines.iter().map(|l| l.name.as_str()).collect()
    }

    #[test]
    fn throughput_adds_successes_only_with_errors() {
        let mut snaps = run(3);
        let t = throughput_series(&snaps);
        assert_eq!(names(&t), ["requests/s"]);
        assert_eq!(t[0].points, [(1.0, 100.0), (2.0, 101.0), (3.0, 102.0)]);
        snaps[1] = snapshot(1, 200.0, 200, 50);
        let t = throughput_series(&snaps);
        assert_eq!(names(&t), ["requests/s", "successful/s"]);
        assert_eq!(t[1].points[1], (2.0, 150.0));
        assert_eq!(t[1].points[0], (1.0, 100.0));
    }

    #[test]
    fn rates_leave_out_a_last_interval_too_short_to_measure() {
        let mut snaps = run(3);
        // The final tick: 1 request in 12 ms.
        let mut last = snapshot(3, 83.3, 1, 1);
        last.interval_ms = 12;
        snaps.push(last);
        for lines in [throughput_series(&snaps), error_series(&snaps)] {
            assert!(lines.iter().all(|l| l.points.len() == 3), "{lines:?}");
        }
        // A last interval of at least half the one before is drawn.
        snaps[3].interval_ms = 500;
        assert_eq!(throughput_series(&snaps)[0].points.len(), 4);
        // A run of one short interval is all there is.
        assert_eq!(throughput_series(&snaps[3..])[0].points.len(), 1);
    }

    #[test]
    fn latency_leaves_a_gap_for_idle_intervals() {
        let mut snaps = run(3);
        snaps[1] = snapshot(1, 0.0, 0, 0);
        let l = latency_series(&snaps);
        assert_eq!(names(&l), ["p50", "p95", "p99"]);
        let p99 = &l[2].points;
        assert_eq!((p99[0], p99[2]), ((1.0, 1250.0), (3.0, 1250.0)));
        assert!(p99[1].0 == 2.0 && p99[1].1.is_nan(), "{p99:?}");
        // Drawn as two dots, not a line across the idle interval.
        let m = crate::chart::layout(&l, &[], false);
        assert!(
            m.lines
                .iter()
                .all(|l| l.d.matches('M').count() == 2 && !l.d.contains('L'))
        );
        assert!(latency_series(&[]).iter().all(|s| s.points.is_empty()));
    }

    #[test]
    fn errors_one_line_per_kind_seen() {
        let mut snaps = run(3);
        assert_eq!(names(&error_series(&snaps)), ["all errors"]);
        let mut s = snapshot(1, 100.0, 100, 10);
        s.interval.errors_by_kind.insert(ErrorKind::Timeout, 4);
        s.interval.errors = 14;
        s.interval_ms = 2000;
        snaps[1] = s;
        let e = error_series(&snaps);
        assert_eq!(names(&e), ["all errors", "timeout", "HTTP 5xx"]);
        // A kind's colour is its own, whatever else the run saw.
        let colors: Vec<&str> = e.iter().map(|l| l.color.as_str()).collect();
        let (timeout, http_5xx) = (
            kind_color(ErrorKind::Timeout),
            kind_color(ErrorKind::Http5xx),
        );
        assert_eq!(colors, [color(0), timeout, http_5xx]);
        let only_5xx = error_series(&[snapshot(0, 100.0, 100, 10)]);
        assert_eq!(names(&only_5xx), ["all errors", "HTTP 5xx"]);
        assert_eq!(only_5xx[1].color, http_5xx);
        // Per second over a 2 s interval.
        assert_eq!(e[0].points[1], (2.0, 7.0));
        assert_eq!(e[1].points[1], (2.0, 2.0));
        assert_eq!(e[2].points[1], (2.0, 5.0));
        assert_eq!(e[2].points[0], (1.0, 0.0));
        assert!(e.iter().all(|l| l.points.len() == 3));
    }

    #[test]
    fn users_closed_and_open_model() {
        let snaps = run(2);
        assert!(!is_open_model(&snaps, None));
        assert_eq!(
            names(&users_series(&snaps, None)),
            ["active users (peak)", "target users"]
        );
        // The most users of each interval, or its last count where the snapshot has no peak
        // (stored by an older version).
        let peak = users_series(&snaps, None)[0].points[0].1;
        assert!(
            peak > snaps[0].active_users as f64,
            "the fixture's peak is higher"
        );
        assert_eq!(peak, snaps[0].interval_peak_users as f64);
        let mut old = snaps.clone();
        old[0].interval_peak_users = 0;
        assert_eq!(
            users_series(&old, None)[0].points[0].1,
            old[0].active_users as f64
        );
        assert!(rate_series(&snaps, None).is_empty());
        let open: Vec<MetricsSnapshot> = run(2)
            .into_iter()
            .map(|mut s| {
                s.target_users = 0;
                s.target_rate = 25.0;
                s
            })
            .collect();
        assert!(is_open_model(&open, None));
        assert_eq!(names(&users_series(&open, None)), ["active users (peak)"]);
        let r = rate_series(&open, None);
        assert_eq!(names(&r), ["target rate"]);
        assert_eq!(r[0].points, [(1.0, 25.0), (2.0, 25.0)]);
        // A rate that starts at 0 (spikes from nothing) reads as closed from the snapshots
        // alone; the plan, where the page has it, knows the model from the start.
        let from_zero: Vec<MetricsSnapshot> = open
            .iter()
            .cloned()
            .map(|mut s| {
                s.target_rate = 0.0;
                s
            })
            .collect();
        assert_eq!(
            names(&users_series(&from_zero, None)),
            ["active users (peak)", "target users"]
        );
        assert_eq!(
            names(&users_series(&from_zero, Some(true))),
            ["active users (peak)"]
        );
        assert_eq!(names(&rate_series(&from_zero, Some(true))), ["target rate"]);
        assert!(rate_series(&open, Some(false)).is_empty());
        // Dropped starts appear as a rate per interval once there are any.
        let mut dropping = open.clone();
        dropping[0].dropped_iterations = 5;
        dropping[1].dropped_iterations = 15;
        let r = rate_series(&dropping, None);
        assert_eq!(names(&r), ["target rate", "dropped starts"]);
        let per_s = 1000.0 / dropping[0].interval_ms as f64;
        assert_eq!(r[1].points, [(1.0, 5.0 * per_s), (2.0, 10.0 * per_s)]);
    }

    #[test]
    fn cpu_with_capacity() {
        let snaps = run(4);
        let c = cpu_series(&snaps);
        assert_eq!(names(&c), ["generator CPU", "all 2 cores"]);
        assert_eq!(c[0].points.len(), 4);
        assert_eq!(c[1].points, [(1.0, 200.0), (4.0, 200.0)]);
        assert_eq!(names(&cpu_series(&[])), ["generator CPU"]);
        // Under a quota of 1.5 CPUs (whole cores: 1) the scale is the quota.
        let mut quota = run(2);
        for s in &mut quota {
            s.generator.cores = 1;
            s.generator.cpu_capacity = 1.5;
        }
        let c = cpu_series(&quota);
        assert_eq!(names(&c), ["generator CPU", "all 1.5 cores"]);
        assert_eq!(c[1].points, [(1.0, 150.0), (2.0, 150.0)]);
    }

    /// A CPU figure the generator could not measure (no `/proc`) is a gap in the chart, not a
    /// 0% that reads as an idle generator.
    #[test]
    fn an_unknown_cpu_is_a_gap() {
        let mut snaps = run(3);
        snaps[1].generator.cpu_percent = None;
        let c = cpu_series(&snaps);
        let cpu: Vec<f64> = c[0].points.iter().map(|p| p.1).collect();
        assert_eq!(cpu[0], 20.0);
        assert!(cpu[1].is_nan(), "{cpu:?}");
        assert_eq!(cpu[2], 20.0);
    }

    #[test]
    fn an_hour_of_snapshots_stays_cheap_to_draw() {
        let snaps = run(3600);
        for lines in [
            throughput_series(&snaps),
            latency_series(&snaps),
            users_series(&snaps, None),
        ] {
            let m = crate::chart::layout(&lines, &[], false);
            assert!(
                m.lines.iter().all(|l| l.points <= 700),
                "{:?}",
                m.lines.iter().map(|l| l.points).collect::<Vec<_>>()
            );
        }
    }
}
