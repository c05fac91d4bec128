//! Pure logic behind the history pages: the history table's rows, and the comparison of two
//! runs (matching request names, deltas, regression verdicts, overlaid chart series). No DOM;
//! tested natively.

use shared::api::{RunInfo, TestType};
use shared::metrics::{MetricsSnapshot, RequestStats, RunSummary};
use shared::run::RunStatus;

use crate::chart::Series;
use crate::format;

// ---------------------------------------------------------------------------------------------
// History table
// ---------------------------------------------------------------------------------------------

/// Every run status, in lifecycle order (for the filter).
pub const STATUSES: [RunStatus; 7] = [
    RunStatus::Pending,
    RunStatus::Running,
    RunStatus::Stopping,
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Cancelled,
    RunStatus::Interrupted,
];

/// Every test type (for the filter).
pub const TEST_TYPES: [TestType; 5] = TestType::ALL;

/// A status from its wire name (`completed`); `None` for anything else, including "all".
pub fn parse_status(s: &str) -> Option<RunStatus> {
    STATUSES.into_iter().find(|st| st.as_str() == s)
}

/// A test type from its wire name (`load`); `None` for anything else, including "all".
pub fn parse_test_type(s: &str) -> Option<TestType> {
    TEST_TYPES.into_iter().find(|t| t.as_str() == s)
}

/// The thresholds' verdict on a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every threshold passed, over the whole run.
    Passed,
    /// Every threshold passed on the part that ran: the run was stopped before the end of its
    /// schedule (cancelled, or failed), so a full run might still fail them.
    PassedSoFar,
    /// At least one threshold failed.
    Failed,
    /// Not known (yet): the run has not finished, or has no thresholds.
    Unknown,
}

impl Verdict {
    /// From `RunInfo::thresholds_passed` and the run's status.
    pub fn of(passed: Option<bool>, status: RunStatus) -> Self {
        match passed {
            Some(true) if status == RunStatus::Completed => Verdict::Passed,
            Some(true) => Verdict::PassedSoFar,
            Some(false) => Verdict::Failed,
            None => Verdict::Unknown,
        }
    }

    /// For people: `passed`, `passed so far`, `failed`, `—`.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::PassedSoFar => "passed so far",
            Verdict::Failed => "failed",
            Verdict::Unknown => "—",
        }
    }

    /// For CSS and tests (`data-verdict`): `passed`, `partial`, `failed`, `none`.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::PassedSoFar => "partial",
            Verdict::Failed => "failed",
            Verdict::Unknown => "none",
        }
    }
}

/// The tone a status badge is drawn in: `ok`, `bad`, `warn`, `active` or `muted`.
pub fn status_tone(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Completed => "ok",
        RunStatus::Failed => "bad",
        RunStatus::Interrupted => "warn",
        RunStatus::Pending | RunStatus::Running | RunStatus::Stopping => "active",
        RunStatus::Cancelled => "muted",
    }
}

/// One row of the history table, formatted (except the start time, which needs the browser's
/// time zone: see [`local_date_time`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// Run id.
    pub id: String,
    /// Scenario name.
    pub scenario: String,
    /// Test type's wire name.
    pub test_type: &'static str,
    /// Status.
    pub status: RunStatus,
    /// Created at, ms since the Unix epoch.
    pub created_at_ms: u64,
    /// `2 min 05 s`.
    pub duration: String,
    /// `1,234` or `—` before the run has totals.
    pub requests: String,
    /// `123/s` or `—`.
    pub rps: String,
    /// `12.3 ms` or `—`.
    pub p95: String,
    /// `0.50%` or `—`.
    pub error_rate: String,
    /// True when some requests failed (drawn in the error colour).
    pub has_errors: bool,
    /// The thresholds' verdict.
    pub verdict: Verdict,
}

const DASH: &str = "—";

impl HistoryRow {
    /// The row of a listed run.
    pub fn of(run: &RunInfo) -> Self {
        let t = run.totals.as_ref();
        let or_dash =
            |f: &dyn Fn(&shared::api::RunTotals) -> String| t.map_or_else(|| DASH.to_owned(), f);
        Self {
            id: run.id.0.clone(),
            scenario: run.scenario.clone(),
            test_type: run.test_type.as_str(),
            status: run.status,
            created_at_ms: run.created_at_ms,
            duration: duration_ms(run.duration_ms),
            requests: or_dash(&|t| format::count(t.requests)),
            rps: or_dash(&|t| format::rate(t.rps)),
            p95: or_dash(&|t| format::ms(t.p95_ms)),
            error_rate: or_dash(&|t| format::percent(t.error_rate)),
            has_errors: t.is_some_and(|t| t.errors > 0),
            verdict: Verdict::of(run.thresholds_passed, run.status),
        }
    }
}

/// A run's duration: whole seconds, or tenths under ten seconds (`0.4 s` for a smoke run).
pub fn duration_ms(ms: u64) -> String {
    format::duration_s(ms as f64 / 1000.0)
}

/// Milliseconds since the Unix epoch as local wall-clock time, `2026-03-14 10:26:53`, given
/// the zone's offset as JavaScript reports it (`Date.getTimezoneOffset()`: minutes *behind*
/// UTC, so UTC+1 is `-60`).
pub fn local_date_time(ms: u64, timezone_offset_min: i32) -> String {
    let local_ms =
        i64::try_from(ms).unwrap_or(i64::MAX / 2) - i64::from(timezone_offset_min) * 60_000;
    let secs = local_ms.div_euclid(1000);
    let (y, m, d) = shared::report::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Where the Compare button goes when exactly two runs are selected (`(id, created_at_ms)`):
/// the older run is the baseline `a`, the newer the candidate `b`.
pub fn compare_href(selected: &[(String, u64)]) -> Option<String> {
    match selected {
        [x, y] => {
            let (a, b) = if (x.1, &x.0) <= (y.1, &y.0) {
                (x, y)
            } else {
                (y, x)
            };
            Some(format!("/compare?a={}&b={}", a.0, b.0))
        }
        _ => None,
    }
}

/// Runs on one History page.
pub const PAGE_SIZE: u32 = 50;

/// The History page number in the query (`page=3`), 1 when absent or not a number above 0.
pub fn parse_page(s: Option<&str>) -> u32 {
    s.and_then(|s| s.parse::<u32>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(1)
}

/// The History address for these filters (wire names; empty means all) and page (the first
/// is left out), so the back button and a shared link keep them.
pub fn history_href(status: Option<&str>, test_type: Option<&str>, page: u32) -> String {
    let page = (page > 1).then(|| page.to_string());
    let parts: Vec<String> = [
        ("status", status),
        ("test_type", test_type),
        ("page", page.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", crate::nav::encode(v)))
    })
    .collect();
    if parts.is_empty() {
        "/history".to_owned()
    } else {
        format!("/history?{}", parts.join("&"))
    }
}

/// Which runs a page shows, as 1-based positions in the newest-first list: `(first, last)`
/// for `shown` runs on `page`; `None` when it shows none.
pub fn page_span(page: u32, shown: usize) -> Option<(u64, u64)> {
    let first = u64::from(page.max(1) - 1) * u64::from(PAGE_SIZE) + 1;
    (shown > 0).then(|| (first, first + shown as u64 - 1))
}

/// Adds the run to the selection, or removes it when it is already there.
pub fn toggle_selected(selected: &mut Vec<(String, u64)>, id: &str, created_at_ms: u64) {
    if let Some(i) = selected.iter().position(|(s, _)| s == id) {
        selected.remove(i);
    } else {
        selected.push((id.to_owned(), created_at_ms));
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// A figure compared between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Median latency, ms.
    P50,
    /// 95th percentile latency, ms.
    P95,
    /// 99th percentile latency, ms.
    P99,
    /// Throughput, requests per second.
    Rps,
    /// Failed / all requests, a ratio.
    ErrorRate,
    /// Requests completed (informational: depends on the run's length).
    Requests,
}

/// Relative change below which a difference is noise.
pub const RELATIVE_TOLERANCE: f64 = 0.05;

impl Metric {
    /// Table order.
    pub const ALL: [Metric; 6] = [
        Metric::P50,
        Metric::P95,
        Metric::P99,
        Metric::Rps,
        Metric::ErrorRate,
        Metric::Requests,
    ];

    /// `data-metric` value.
    pub fn key(self) -> &'static str {
        match self {
            Metric::P50 => "p50",
            Metric::P95 => "p95",
            Metric::P99 => "p99",
            Metric::Rps => "rps",
            Metric::ErrorRate => "error_rate",
            Metric::Requests => "requests",
        }
    }

    /// Row label.
    pub fn label(self) -> &'static str {
        match self {
            Metric::P50 => "Latency p50",
            Metric::P95 => "Latency p95",
            Metric::P99 => "Latency p99",
            Metric::Rps => "Throughput",
            Metric::ErrorRate => "Error rate",
            Metric::Requests => "Requests",
        }
    }

    /// The figure in a request's statistics.
    pub fn of(self, s: &RequestStats) -> f64 {
        match self {
            Metric::P50 => s.latency.p50_ms,
            Metric::P95 => s.latency.p95_ms,
            Metric::P99 => s.latency.p99_ms,
            Metric::Rps => s.rps,
            Metric::ErrorRate => s.error_rate(),
            Metric::Requests => s.requests as f64,
        }
    }

    /// +1 when a higher value is worse, -1 when a lower value is worse, 0 when neither.
    fn worse_direction(self) -> f64 {
        match self {
            Metric::P50 | Metric::P95 | Metric::P99 | Metric::ErrorRate => 1.0,
            Metric::Rps => -1.0,
            Metric::Requests => 0.0,
        }
    }

    /// Absolute change below which a difference is noise: 1 ms of latency, 0.1 percentage
    /// points of error rate, 1 request per second.
    pub fn noise_floor(self) -> f64 {
        match self {
            Metric::P50 | Metric::P95 | Metric::P99 => 1.0,
            Metric::ErrorRate => 0.001,
            Metric::Rps => 1.0,
            Metric::Requests => 0.0,
        }
    }

    /// A value with its unit.
    pub fn format(self, v: f64) -> String {
        match self {
            Metric::P50 | Metric::P95 | Metric::P99 => format::ms(v),
            Metric::Rps => format::rate(v),
            Metric::ErrorRate => format::percent(v),
            Metric::Requests => format::count(v.max(0.0).round() as u64),
        }
    }

    /// A signed difference with its unit (`+3.20 ms`, `−12/s`, `+0.25 pp`, `+1,200`).
    pub fn format_delta(self, d: f64) -> String {
        let sign = if d > 0.0 {
            "+"
        } else if d < 0.0 {
            "\u{2212}"
        } else {
            ""
        };
        let magnitude = match self {
            Metric::ErrorRate => format!("{:.2} pp", d.abs() * 100.0),
            _ => self.format(d.abs()),
        };
        format!("{sign}{magnitude}")
    }
}

/// How a difference reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A regression.
    Worse,
    /// An improvement.
    Better,
    /// Within tolerance (or not a quality measure).
    Same,
}

impl Change {
    /// CSS class: `delta--worse`, `delta--better`, `delta--same`.
    pub fn class(self) -> &'static str {
        match self {
            Change::Worse => "delta--worse",
            Change::Better => "delta--better",
            Change::Same => "delta--same",
        }
    }

    /// `data-change` value: `worse`, `better`, `same`.
    pub fn key(self) -> &'static str {
        match self {
            Change::Worse => "worse",
            Change::Better => "better",
            Change::Same => "same",
        }
    }
}

/// The difference between a baseline and a candidate value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    /// candidate − baseline.
    pub abs: f64,
    /// abs / baseline; `None` when the baseline is zero.
    pub rel: Option<f64>,
}

impl Delta {
    /// candidate − baseline, absolute and relative.
    pub fn between(baseline: f64, candidate: f64) -> Self {
        let abs = candidate - baseline;
        let rel = (baseline != 0.0 && baseline.is_finite()).then(|| abs / baseline);
        Self { abs, rel }
    }

    /// `+12.5%`, `−3.0%`, `0.0%`; `—` without a relative change.
    pub fn rel_text(self) -> String {
        match self.rel {
            Some(r) if r.is_finite() => {
                let p = r * 100.0;
                // Rounds to zero: no sign, so "−0.0%" never shows.
                if (p * 10.0).round() == 0.0 {
                    "0.0%".into()
                } else if p > 0.0 {
                    format!("+{p:.1}%")
                } else {
                    format!("\u{2212}{:.1}%", -p)
                }
            }
            _ => DASH.into(),
        }
    }
}

/// Whether a change of `metric` from `baseline` to `candidate` is a regression, an improvement
/// or noise: it counts only when it is both above the metric's noise floor and more than
/// [`RELATIVE_TOLERANCE`] of the baseline (any change above the floor counts from a zero
/// baseline).
pub fn classify(metric: Metric, baseline: f64, candidate: f64) -> Change {
    let dir = metric.worse_direction();
    if dir == 0.0 || !baseline.is_finite() || !candidate.is_finite() {
        return Change::Same;
    }
    let d = Delta::between(baseline, candidate);
    let significant =
        d.abs.abs() > metric.noise_floor() && d.rel.is_none_or(|r| r.abs() > RELATIVE_TOLERANCE);
    if !significant {
        Change::Same
    } else if d.abs * dir > 0.0 {
        Change::Worse
    } else {
        Change::Better
    }
}

/// One metric of one request name in the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricCell {
    /// Which figure.
    pub metric: Metric,
    /// The baseline's value, if the request exists there.
    pub baseline: Option<f64>,
    /// The candidate's value, if the request exists there.
    pub candidate: Option<f64>,
    /// The difference, when both exist.
    pub delta: Option<Delta>,
    /// Its reading (`Same` when one side is missing).
    pub change: Change,
}

impl MetricCell {
    fn new(
        metric: Metric,
        baseline: Option<&RequestStats>,
        candidate: Option<&RequestStats>,
    ) -> Self {
        let baseline = baseline.map(|s| metric.of(s));
        let candidate = candidate.map(|s| metric.of(s));
        let (delta, change) = match (baseline, candidate) {
            (Some(b), Some(c)) => (Some(Delta::between(b, c)), classify(metric, b, c)),
            _ => (None, Change::Same),
        };
        Self {
            metric,
            baseline,
            candidate,
            delta,
            change,
        }
    }

    /// The baseline value with its unit, `—` when missing.
    pub fn baseline_text(&self) -> String {
        self.baseline
            .map_or_else(|| DASH.to_owned(), |v| self.metric.format(v))
    }

    /// The candidate value with its unit, `—` when missing.
    pub fn candidate_text(&self) -> String {
        self.candidate
            .map_or_else(|| DASH.to_owned(), |v| self.metric.format(v))
    }

    /// The absolute difference with its unit, `—` when one side is missing.
    pub fn delta_text(&self) -> String {
        self.delta
            .map_or_else(|| DASH.to_owned(), |d| self.metric.format_delta(d.abs))
    }

    /// The relative difference, `—` when one side is missing or the baseline is zero.
    pub fn rel_text(&self) -> String {
        self.delta.map_or_else(|| DASH.to_owned(), Delta::rel_text)
    }
}

/// Which runs a request name appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Both.
    Both,
    /// Only the baseline (the candidate dropped it).
    BaselineOnly,
    /// Only the candidate (new in it).
    CandidateOnly,
}

impl Presence {
    /// A note for people, empty when in both.
    pub fn note(self) -> &'static str {
        match self {
            Presence::Both => "",
            Presence::BaselineOnly => "only in baseline",
            Presence::CandidateOnly => "only in candidate",
        }
    }
}

/// The comparison of one request name (or the total) between two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// Request name; `None` for the total over all requests.
    pub request: Option<String>,
    /// Which runs have it.
    pub presence: Presence,
    /// One cell per [`Metric::ALL`].
    pub cells: Vec<MetricCell>,
}

impl CompareRow {
    fn new(
        request: Option<String>,
        baseline: Option<&RequestStats>,
        candidate: Option<&RequestStats>,
    ) -> Self {
        let presence = match (baseline.is_some(), candidate.is_some()) {
            (true, false) => Presence::BaselineOnly,
            (false, true) => Presence::CandidateOnly,
            _ => Presence::Both,
        };
        let cells = Metric::ALL
            .into_iter()
            .map(|m| MetricCell::new(m, baseline, candidate))
            .collect();
        Self {
            request,
            presence,
            cells,
        }
    }

    /// `Total` or the request name.
    pub fn title(&self) -> &str {
        self.request.as_deref().unwrap_or("Total")
    }

    /// The cell of one metric.
    pub fn cell(&self, metric: Metric) -> Option<&MetricCell> {
        self.cells.iter().find(|c| c.metric == metric)
    }
}

/// The figures of one run that a comparison reads: the total and each request name.
#[derive(Debug, Clone, Copy)]
pub struct Figures<'a> {
    /// All requests.
    pub total: &'a RequestStats,
    /// Per request name.
    pub per_request: &'a [RequestStats],
}

impl<'a> From<&'a RunSummary> for Figures<'a> {
    fn from(s: &'a RunSummary) -> Self {
        Self {
            total: &s.total,
            per_request: &s.per_request,
        }
    }
}

impl<'a> From<&'a MetricsSnapshot> for Figures<'a> {
    /// A run without a summary (interrupted, or still running): its cumulative figures so far.
    fn from(s: &'a MetricsSnapshot) -> Self {
        Self {
            total: &s.total,
            per_request: &s.per_request,
        }
    }
}

/// The comparison table: the total first, then every request name present in either run —
/// the baseline's in its order, then those only the candidate has, in its order.
pub fn compare(baseline: Figures<'_>, candidate: Figures<'_>) -> Vec<CompareRow> {
    let mut rows = vec![CompareRow::new(
        None,
        Some(baseline.total),
        Some(candidate.total),
    )];
    let find = |list: &[RequestStats], name: &str| list.iter().position(|s| s.name == name);
    for (i, b) in baseline.per_request.iter().enumerate() {
        // A name repeated within one run would be a server bug; show it once.
        if find(baseline.per_request, &b.name) != Some(i) {
            continue;
        }
        let c = find(candidate.per_request, &b.name).map(|j| &candidate.per_request[j]);
        rows.push(CompareRow::new(Some(b.name.clone()), Some(b), c));
    }
    for (j, c) in candidate.per_request.iter().enumerate() {
        if find(baseline.per_request, &c.name).is_none()
            && find(candidate.per_request, &c.name) == Some(j)
        {
            rows.push(CompareRow::new(Some(c.name.clone()), None, Some(c)));
        }
    }
    rows
}

/// [`compare`] of two summaries.
pub fn compare_summaries(baseline: &RunSummary, candidate: &RunSummary) -> Vec<CompareRow> {
    compare(baseline.into(), candidate.into())
}

/// How many cells read as regressions and as improvements.
pub fn tally(rows: &[CompareRow]) -> (usize, usize) {
    let cells = rows.iter().flat_map(|r| r.cells.iter());
    cells.fold((0, 0), |(w, b), c| match c.change {
        Change::Worse => (w + 1, b),
        Change::Better => (w, b + 1),
        Change::Same => (w, b),
    })
}

/// Why a run's figures are not those of a whole, normal run, for the compare page; `None`
/// for a completed run that ran normally. `role` names the run (`baseline`), `ran_ms` is how
/// long it ran, `planned_ms` how long its load was planned to last (0 when not known),
/// `summary` its summary if it has one (why it failed, which threshold stopped it, iterations
/// cut off at the end).
pub fn partial_note(
    role: &str,
    status: RunStatus,
    ran_ms: u64,
    planned_ms: u64,
    summary: Option<&RunSummary>,
) -> Option<String> {
    let aborted = summary.and_then(|s| s.aborted_by.as_deref());
    let what = match status {
        RunStatus::Completed => "",
        RunStatus::Cancelled => "was cancelled after",
        RunStatus::Failed if aborted.is_some() => "was stopped by its abort_on_fail threshold",
        RunStatus::Failed => "failed after",
        RunStatus::Interrupted => {
            "was interrupted (the server stopped during it, so it has no summary) after"
        }
        RunStatus::Pending | RunStatus::Running | RunStatus::Stopping => "was still running at",
    };
    let mut s = String::new();
    if !what.is_empty() {
        s = format!("The {role} run {what} ");
        if let Some(t) = aborted {
            s.push('"');
            s.push_str(t);
            s.push_str("\" after ");
        }
        s.push_str(&duration_ms(ran_ms));
        if ran_ms < planned_ms {
            s.push_str(" of ");
            s.push_str(&duration_ms(planned_ms));
            s.push_str(": its figures cover only part of its schedule");
        }
        s.push('.');
        if let Some(r) = summary.and_then(|s| s.reason.as_deref()) {
            s.push_str(" Reason: ");
            s.push_str(r.trim_end_matches('.'));
            s.push('.');
        }
    }
    let cut = summary.map_or(0, |s| s.interrupted_iterations);
    if cut > 0 {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str("In the ");
        s.push_str(role);
        s.push_str(" run, ");
        s.push_str(&cut_off(cut));
    }
    (!s.is_empty()).then_some(s)
}

/// A note when two runs ran different scenarios (by name), for the compare page.
pub fn scenario_note(baseline: &str, candidate: &str) -> Option<String> {
    (baseline != candidate).then(|| {
        [
            "The runs ran different scenarios: the baseline \"",
            baseline,
            "\", the candidate \"",
            candidate,
            "\".",
        ]
        .concat()
    })
}

/// What happened to `n` iterations cut off at the end of a run (the live page's verdict, the
/// compare page's notes).
pub fn cut_off(n: u64) -> String {
    [
        format::count(n).as_str(),
        if n == 1 {
            " iteration was"
        } else {
            " iterations were"
        },
        " cut off when the graceful stop ran out: the requests they were waiting on count as \
         \"cut off at the end of the run\" errors, with the time they had waited as their latency.",
    ]
    .concat()
}

/// What an overlaid chart plots from each snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The interval's requests per second (a very short last interval merged into the one
    /// before, as in a run's charts: see [`shared::chart::rate_spans`]).
    Throughput,
    /// The interval's p95 latency, ms (a gap where an interval had no requests).
    P95,
}

/// A run's series for an overlaid chart: x in seconds since the run started.
pub fn overlay_series(
    snapshots: &[MetricsSnapshot],
    what: Overlay,
    name: &str,
    color: &str,
) -> Series {
    let x = |s: &MetricsSnapshot| s.elapsed_ms as f64 / 1000.0;
    let points = match what {
        Overlay::Throughput => shared::chart::rate_spans(snapshots)
            .iter()
            .map(|s| (x(s), s.interval.rps))
            .collect(),
        Overlay::P95 => snapshots
            .iter()
            .map(|s| {
                let i = &s.interval;
                (
                    x(s),
                    if i.requests > 0 {
                        i.latency.p95_ms
                    } else {
                        f64::NAN
                    },
                )
            })
            .collect(),
    };
    Series {
        name: name.to_owned(),
        color: color.to_owned(),
        points,
    }
}

#[cfg(test)]
mod tests {
    use shared::api::RunTotals;
    use shared::metrics::LatencyStats;
    use shared::run::RunId;

    use super::*;

    #[test]
    fn history_pages_in_the_address() {
        assert_eq!(parse_page(None), 1);
        for (raw, page) in [
            ("2", 2),
            ("0", 1),
            ("-1", 1),
            ("x", 1),
            ("", 1),
            ("4000000000", 4_000_000_000),
        ] {
            assert_eq!(parse_page(Some(raw)), page, "{raw:?}");
        }
        assert_eq!(history_href(None, None, 1), "/history");
        assert_eq!(history_href(Some(""), Some(""), 0), "/history");
        assert_eq!(history_href(None, None, 3), "/history?page=3");
        assert_eq!(
            history_href(Some("completed"), Some("load"), 2),
            "/history?status=completed&test_type=load&page=2"
        );
        assert_eq!(
            history_href(Some("failed"), None, 1),
            "/history?status=failed"
        );
    }

    #[test]
    fn page_spans_count_from_the_newest() {
        assert_eq!(page_span(1, 0), None);
        assert_eq!(page_span(1, 1), Some((1, 1)));
        assert_eq!(page_span(1, 50), Some((1, 50)));
        assert_eq!(page_span(3, 7), Some((101, 107)));
        assert_eq!(page_span(0, 2), Some((1, 2)), "page 0 reads as the first");
    }

    fn stats(
        name: &str,
        requests: u64,
        errors: u64,
        rps: f64,
        p50: f64,
        p95: f64,
        p99: f64,
    ) -> RequestStats {
        RequestStats {
            name: name.into(),
            requests,
            errors,
            rps,
            latency: LatencyStats {
                count: requests,
                p50_ms: p50,
                p95_ms: p95,
                p99_ms: p99,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn run(id: &str, created: u64, totals: Option<RunTotals>, passed: Option<bool>) -> RunInfo {
        RunInfo {
            id: RunId(id.into()),
            scenario: "web_app".into(),
            test_type: TestType::Stress,
            status: RunStatus::Completed,
            created_at_ms: created,
            ended_at_ms: None,
            duration_ms: 125_000,
            totals,
            thresholds_passed: passed,
        }
    }

    #[test]
    fn classification_table() {
        use Change::{Better, Same, Worse};
        use Metric::*;
        let cases: &[(Metric, f64, f64, Change)] = &[
            // Latency: worse when up by > 5 % and > 1 ms.
            (P95, 100.0, 110.0, Worse),
            (P95, 100.0, 105.0, Same), // exactly 5 %: tolerated
            (P95, 100.0, 105.5, Worse),
            (P95, 100.0, 90.0, Better),
            (P95, 10.0, 10.9, Same), // 9 % but under 1 ms
            (P95, 10.0, 11.5, Worse),
            (P50, 2.0, 2.9, Same),  // 45 % but under 1 ms
            (P99, 0.0, 3.0, Worse), // from zero: the floor decides
            (P99, 0.0, 0.5, Same),
            (P99, 1000.0, 1040.0, Same), // 40 ms but 4 %
            // Throughput: worse when down.
            (Rps, 200.0, 180.0, Worse),
            (Rps, 200.0, 195.0, Same),
            (Rps, 200.0, 230.0, Better),
            (Rps, 10.0, 9.2, Same), // 8 % but under 1/s
            (Rps, 0.0, 5.0, Better),
            // Error rate: 0.1 percentage points floor.
            (ErrorRate, 0.0, 0.0, Same),
            (ErrorRate, 0.0, 0.0005, Same),
            (ErrorRate, 0.0, 0.002, Worse),
            (ErrorRate, 0.010, 0.0105, Same), // 5 % relative, 0.05 pp
            (ErrorRate, 0.010, 0.0125, Worse),
            (ErrorRate, 0.050, 0.020, Better),
            (ErrorRate, 0.50, 0.5008, Same), // under the floor
            // Requests are informational.
            (Requests, 1000.0, 10.0, Same),
            (Requests, 10.0, 1000.0, Same),
            // Nonsense in, no verdict out.
            (P95, f64::NAN, 10.0, Same),
        ];
        for &(metric, base, cand, expected) in cases {
            assert_eq!(
                classify(metric, base, cand),
                expected,
                "{metric:?} {base} -> {cand}"
            );
        }
    }

    #[test]
    fn delta_absolute_and_relative() {
        let d = Delta::between(200.0, 250.0);
        assert_eq!(d.abs, 50.0);
        assert_eq!(d.rel, Some(0.25));
        assert_eq!(d.rel_text(), "+25.0%");
        assert_eq!(Delta::between(200.0, 150.0).rel_text(), "\u{2212}25.0%");
        assert_eq!(Delta::between(0.0, 5.0).rel, None);
        assert_eq!(Delta::between(0.0, 5.0).rel_text(), "—");
        assert_eq!(Delta::between(3.0, 3.0).rel_text(), "0.0%");
        assert_eq!(Delta::between(1000.0, 999.9999).rel_text(), "0.0%");
    }

    #[test]
    fn delta_text_carries_sign_and_unit() {
        assert_eq!(Metric::P95.format_delta(3.2), "+3.20 ms");
        assert_eq!(Metric::P95.format_delta(-1250.0), "\u{2212}1.25 s");
        assert_eq!(Metric::Rps.format_delta(-12.0), "\u{2212}12.0/s");
        assert_eq!(Metric::ErrorRate.format_delta(0.0025), "+0.25 pp");
        assert_eq!(Metric::Requests.format_delta(1200.0), "+1,200");
        assert_eq!(Metric::P50.format_delta(0.0), "0.00 ms");
    }

    #[test]
    fn rows_match_request_names_and_keep_missing_sides() {
        let base = RunSummary {
            scenario: "web_app".into(),
            status: RunStatus::Completed,
            reason: None,
            aborted_by: None,
            aborted_by_request: None,
            started_at_ms: 0,
            duration_ms: 10_000,
            total: stats("*", 1000, 10, 100.0, 10.0, 50.0, 90.0),
            per_request: vec![
                stats("GET /", 600, 0, 60.0, 8.0, 40.0, 70.0),
                stats("GET /old", 400, 10, 40.0, 12.0, 60.0, 100.0),
            ],
            checks: vec![],
            iterations: 0,
            dropped_iterations: 0,
            interrupted_iterations: 0,
            peak_users: 0,
            thresholds: vec![],
            generator: Default::default(),
        };
        let mut cand = base.clone();
        cand.total = stats("*", 900, 45, 90.0, 10.2, 80.0, 90.0);
        cand.per_request = vec![
            stats("POST /new", 300, 45, 30.0, 20.0, 120.0, 150.0),
            stats("GET /", 600, 0, 60.0, 8.0, 40.0, 70.0),
        ];
        let rows = compare_summaries(&base, &cand);
        let titles: Vec<_> = rows.iter().map(CompareRow::title).collect();
        assert_eq!(titles, ["Total", "GET /", "GET /old", "POST /new"]);
        let presence: Vec<_> = rows.iter().map(|r| r.presence).collect();
        assert_eq!(
            presence,
            [
                Presence::Both,
                Presence::Both,
                Presence::BaselineOnly,
                Presence::CandidateOnly
            ]
        );

        let total = &rows[0];
        assert_eq!(total.cells.len(), Metric::ALL.len());
        let change = |m| total.cell(m).map(|c| c.change);
        assert_eq!(change(Metric::P50), Some(Change::Same));
        assert_eq!(change(Metric::P95), Some(Change::Worse));
        assert_eq!(change(Metric::P99), Some(Change::Same));
        assert_eq!(change(Metric::Rps), Some(Change::Worse));
        assert_eq!(change(Metric::ErrorRate), Some(Change::Worse)); // 1 % -> 5 %
        assert_eq!(change(Metric::Requests), Some(Change::Same));
        let p95 = total.cell(Metric::P95).expect("p95 cell");
        assert_eq!(
            (p95.baseline_text(), p95.candidate_text()),
            ("50.0 ms".into(), "80.0 ms".into())
        );
        assert_eq!(
            (p95.delta_text(), p95.rel_text()),
            ("+30.0 ms".into(), "+60.0%".into())
        );
        let err = total.cell(Metric::ErrorRate).expect("error-rate cell");
        assert_eq!(err.delta_text(), "+4.00 pp");

        let gone = rows[2].cell(Metric::P95).expect("cell");
        assert_eq!(
            (gone.baseline, gone.candidate, gone.delta),
            (Some(60.0), None, None)
        );
        assert_eq!(
            (gone.candidate_text(), gone.delta_text(), gone.rel_text()),
            ("—".into(), "—".into(), "—".into())
        );
        assert_eq!(gone.change, Change::Same);
        let new = rows[3].cell(Metric::Requests).expect("cell");
        assert_eq!(
            (new.baseline_text(), new.candidate_text()),
            ("—".into(), "300".into())
        );

        assert_eq!(tally(&rows), (3, 0));
        assert_eq!(
            rows[1]
                .cells
                .iter()
                .filter(|c| c.change != Change::Same)
                .count(),
            0
        );
    }

    #[test]
    fn snapshot_figures_stand_in_for_a_missing_summary() {
        let snap = MetricsSnapshot {
            seq: 3,
            elapsed_ms: 4000,
            interval_ms: 1000,
            status: RunStatus::Interrupted,
            interval: stats("*", 10, 0, 10.0, 1.0, 2.0, 3.0),
            total: stats("*", 40, 0, 10.0, 1.0, 2.0, 3.0),
            per_request: vec![stats("GET /", 40, 0, 10.0, 1.0, 2.0, 3.0)],
            active_users: 1,
            interval_peak_users: 1,
            target_users: 1,
            target_rate: 0.0,
            iterations: 40,
            dropped_iterations: 0,
            interrupted_iterations: 0,
            generator: Default::default(),
        };
        let rows = compare((&snap).into(), (&snap).into());
        assert_eq!(rows.len(), 2);
        assert_eq!(tally(&rows), (0, 0));
    }

    #[test]
    fn overlay_series_in_seconds_skipping_empty_latency_intervals() {
        let mk = |seq: u64, requests: u64, rps: f64, p95: f64| MetricsSnapshot {
            seq,
            elapsed_ms: (seq + 1) * 1000,
            interval_ms: 1000,
            status: RunStatus::Running,
            interval: stats("*", requests, 0, rps, 1.0, p95, p95),
            total: RequestStats::default(),
            per_request: vec![],
            active_users: 0,
            interval_peak_users: 0,
            target_users: 0,
            target_rate: 0.0,
            iterations: 0,
            dropped_iterations: 0,
            interrupted_iterations: 0,
            generator: Default::default(),
        };
        let snaps = [
            mk(0, 10, 10.0, 5.0),
            mk(1, 0, 0.0, 0.0),
            mk(2, 20, 20.0, 7.0),
        ];
        let t = overlay_series(&snaps, Overlay::Throughput, "baseline", "var(--chart-1)");
        assert_eq!(t.points, vec![(1.0, 10.0), (2.0, 0.0), (3.0, 20.0)]);
        assert_eq!(
            (t.name.as_str(), t.color.as_str()),
            ("baseline", "var(--chart-1)")
        );
        let p = overlay_series(&snaps, Overlay::P95, "candidate", "var(--chart-2)");
        assert_eq!((p.points[0], p.points[2]), ((1.0, 5.0), (3.0, 7.0)));
        assert!(p.points[1].0 == 2.0 && p.points[1].1.is_nan(), "{p:?}");
        // A last interval of 7 ms (3 requests: "430/s") is merged into the one before.
        let mut end = mk(3, 3, 428.6, 9.0);
        end.elapsed_ms = 3007;
        end.interval_ms = 7;
        let with_end = [snaps[0].clone(), snaps[1].clone(), snaps[2].clone(), end];
        let t = overlay_series(&with_end, Overlay::Throughput, "b", "c");
        assert_eq!(t.points.len(), 3, "{t:?}");
        assert_eq!(t.points[2].0, 3.007);
        assert!((t.points[2].1 - 23.0 / 1.007).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn history_row_formats_totals_and_verdict() {
        let totals = RunTotals {
            requests: 12_345,
            errors: 12,
            error_rate: 0.00097,
            rps: 98.76,
            p50_ms: 3.0,
            p95_ms: 12.34,
            p99_ms: 40.0,
        };
        let row = HistoryRow::of(&run("r1", 5, Some(totals), Some(true)));
        assert_eq!(row.id, "r1");
        assert_eq!(row.test_type, "stress");
        assert_eq!(row.duration, "2 min 05 s");
        assert_eq!(row.requests, "12,345");
        assert_eq!(row.rps, "98.8/s");
        assert_eq!(row.p95, "12.3 ms");
        assert_eq!(row.error_rate, "0.10%");
        assert!(row.has_errors);
        assert_eq!(
            (row.verdict.text(), row.verdict.key()),
            ("passed", "passed")
        );

        let running = HistoryRow::of(&run("r2", 6, None, None));
        assert_eq!(
            (running.requests.as_str(), running.p95.as_str()),
            ("—", "—")
        );
        assert!(!running.has_errors);
        assert_eq!(
            (running.verdict.text(), running.verdict.key()),
            ("—", "none")
        );
        assert_eq!(
            Verdict::of(Some(false), RunStatus::Completed).text(),
            "failed"
        );
        // Thresholds that held on the part of a run that ran do not make it "passed".
        for status in [RunStatus::Cancelled, RunStatus::Failed] {
            let v = Verdict::of(Some(true), status);
            assert_eq!(
                (v.text(), v.key()),
                ("passed so far", "partial"),
                "{status:?}"
            );
        }
        assert_eq!(
            Verdict::of(Some(true), RunStatus::Completed).text(),
            "passed"
        );
    }

    #[test]
    fn durations_and_local_times() {
        assert_eq!(duration_ms(0), "0 s");
        assert_eq!(duration_ms(400), "0.4 s");
        assert_eq!(duration_ms(3_000), "3 s");
        assert_eq!(duration_ms(3_720_000), "1 h 02 min 00 s");
        // 2026-03-14T09:26:53.589Z
        let t = 1_773_480_413_589;
        assert_eq!(local_date_time(t, 0), "2026-03-14 09:26:53");
        assert_eq!(local_date_time(t, -60), "2026-03-14 10:26:53"); // UTC+1
        assert_eq!(local_date_time(t, 600), "2026-03-13 23:26:53"); // UTC-10, day before
        assert_eq!(local_date_time(0, 300), "1969-12-31 19:00:00");
    }

    #[test]
    fn compare_href_needs_exactly_two_and_puts_the_older_first() {
        let mut sel = Vec::new();
        assert_eq!(compare_href(&sel), None);
        toggle_selected(&mut sel, "new", 200);
        assert_eq!(compare_href(&sel), None);
        toggle_selected(&mut sel, "old", 100);
        assert_eq!(compare_href(&sel).as_deref(), Some("/compare?a=old&b=new"));
        toggle_selected(&mut sel, "third", 300);
        assert_eq!(compare_href(&sel), None);
        toggle_selected(&mut sel, "new", 200);
        assert_eq!(
            compare_href(&sel).as_deref(),
            Some("/compare?a=old&b=third")
        );
    }

    #[test]
    fn runs_that_did_not_complete_are_named_with_why() {
        let note = |status, ran, planned, reason: Option<&str>| {
            let mut s = crate::components::fixtures::summary();
            s.reason = reason.map(str::to_owned);
            partial_note("candidate", status, ran, planned, Some(&s))
        };
        assert_eq!(note(RunStatus::Completed, 30_000, 30_000, None), None);
        assert_eq!(
            note(RunStatus::Cancelled, 4_200, 30_000, None).as_deref(),
            Some(
                "The candidate run was cancelled after 4.2 s of 30 s: its figures cover only part of its schedule."
            )
        );
        let aborted = "threshold \"p95 < 200ms\" failed (observed 350 ms), aborting";
        let mut s = crate::components::fixtures::summary();
        s.status = RunStatus::Failed;
        s.reason = Some(aborted.into());
        s.aborted_by = Some("p95 < 200ms".into());
        assert_eq!(
            partial_note("baseline", RunStatus::Failed, 12_000, 60_000, Some(&s)).as_deref(),
            Some(
                "The baseline run was stopped by its abort_on_fail threshold \"p95 < 200ms\" after 12 s of 1 min 00 s: \
                 its figures cover only part of its schedule. \
                 Reason: threshold \"p95 < 200ms\" failed (observed 350 ms), aborting."
            )
        );
        assert_eq!(
            partial_note("candidate", RunStatus::Interrupted, 8_000, 0, None).as_deref(),
            Some(
                "The candidate run was interrupted (the server stopped during it, so it has no summary) after 8 s."
            )
        );
        // Failed once its schedule was over (an engine failure in the graceful stop).
        assert_eq!(
            note(RunStatus::Failed, 31_000, 30_000, Some("internal error.")).as_deref(),
            Some("The candidate run failed after 31 s. Reason: internal error.")
        );
        assert!(
            note(RunStatus::Running, 5_000, 30_000, None).is_some_and(
                |n| n.starts_with("The candidate run was still running at 5 s of 30 s:")
            )
        );
        // A completed run with iterations cut off at the end.
        let mut s = crate::components::fixtures::summary();
        s.interrupted_iterations = 3;
        assert_eq!(
            partial_note("baseline", RunStatus::Completed, 30_000, 30_000, Some(&s)).as_deref(),
            Some(
                "In the baseline run, 3 iterations were cut off when the graceful stop ran out: \
                 the requests they were waiting on count as \"cut off at the end of the run\" \
                 errors, with the time they had waited as their latency."
            )
        );
        s.interrupted_iterations = 1;
        s.status = RunStatus::Cancelled;
        let n = partial_note("baseline", RunStatus::Cancelled, 3_000, 30_000, Some(&s))
            .unwrap_or_default();
        assert!(
            n.ends_with("of its schedule. In the baseline run, 1 iteration was cut off when the graceful stop ran out: the requests they were waiting on count as \"cut off at the end of the run\" errors, with the time they had waited as their latency."),
            "{n}"
        );
    }

    #[test]
    fn different_scenarios_are_named() {
        assert_eq!(scenario_note("web_app", "web_app"), None);
        assert_eq!(
            scenario_note("web_app", "checkout").as_deref(),
            Some(
                "The runs ran different scenarios: the baseline \"web_app\", the candidate \"checkout\"."
            )
        );
    }

    #[test]
    fn status_tones() {
        // One tone per status, on the Live page and in History alike: a run the user stopped
        // is neither a failure nor a warning.
        let tones = [
            (RunStatus::Pending, "active"),
            (RunStatus::Running, "active"),
            (RunStatus::Stopping, "active"),
            (RunStatus::Completed, "ok"),
            (RunStatus::Cancelled, "muted"),
            (RunStatus::Interrupted, "warn"),
            (RunStatus::Failed, "bad"),
        ];
        for (status, tone) in tones {
            assert_eq!(status_tone(status), tone, "{status:?}");
        }
    }

    #[test]
    fn filters_parse_wire_names() {
        assert_eq!(parse_status("completed"), Some(RunStatus::Completed));
        assert_eq!(parse_status(""), None);
        assert_eq!(parse_test_type("scalability"), Some(TestType::Scalability));
        assert_eq!(parse_test_type("all"), None);
        for s in STATUSES {
            assert_eq!(parse_status(s.as_str()), Some(s));
        }
        for t in TEST_TYPES {
            assert_eq!(parse_test_type(t.as_str()), Some(t));
        }
    }
}
