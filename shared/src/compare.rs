//! Comparing two runs: their figures matched by request name, each metric's change, and whether
//! it is a regression, an improvement or noise; plus the notes that say when a run's figures are
//! not those of a whole, normal run. Pure; the panel's compare page, `stampede compare` and
//! `GET /api/runs/{baseline}/compare/{candidate}` all read runs through it.

use serde::{Deserialize, Serialize};

use crate::api::RunDetail;
use crate::metrics::{MetricsSnapshot, RequestStats, RunSummary};
use crate::run::RunStatus;
use crate::scenario::LoadProfile;
use crate::units;

const DASH: &str = units::NONE;

/// A run's duration: whole seconds, or tenths under ten seconds (`0.4 s` for a smoke run).
pub fn duration_ms(ms: u64) -> String {
    units::human_duration(ms as f64 / 1000.0)
}

/// A figure compared between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
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

/// How large a change must be, relative to the baseline, to count as a regression or an
/// improvement rather than noise (on top of each metric's [noise floor](Metric::noise_floor)).
/// Kept in hundredths of a percent, so it reads back exactly as written (`2.5%`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tolerance(u32);

impl Tolerance {
    /// 5 %: what the panel uses, and `stampede compare` without `--tolerance`.
    pub const DEFAULT: Tolerance = Tolerance(500);

    /// The largest accepted: 1000 %.
    pub const MAX_PERCENT: f64 = 1000.0;

    /// A tolerance of `percent` % (`5.0` is 5 %), to a hundredth of a percent: finite, from 0
    /// to [`Self::MAX_PERCENT`].
    pub fn from_percent(percent: f64) -> Result<Self, String> {
        if percent.is_finite() && (0.0..=Self::MAX_PERCENT).contains(&percent) {
            Ok(Self((percent * 100.0).round() as u32))
        } else {
            Err(format!(
                "a tolerance is a percentage from 0 to {}, not {percent}",
                Self::MAX_PERCENT
            ))
        }
    }

    /// Reads `5`, `5%`, `2.5 %` (all percentages).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let digits = t.strip_suffix('%').unwrap_or(t).trim_end();
        match units::parse_decimal(digits) {
            Some(p) => Self::from_percent(p),
            None => Err(format!(
                "a tolerance is a percentage such as `5` or `5%`, not `{text}`"
            )),
        }
    }

    /// As a ratio of the baseline: 0.05 for 5 %.
    pub fn ratio(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }

    /// As a percentage: 5.0 for 5 %.
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl std::fmt::Display for Tolerance {
    /// `5%`, `2.5%`, `0.25%`: the decimals it has, none that are zero.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hundredths divided by 100 print as written: the shortest decimal that reads back.
        write!(f, "{}%", self.percent())
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

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

    /// The figure in a request's statistics; none for a latency of a request that got no
    /// answer (its 0 ms would read as an improvement).
    pub fn of(self, s: &RequestStats) -> Option<f64> {
        let latency = |ms: f64| (s.latency.count > 0).then_some(ms);
        match self {
            Metric::P50 => latency(s.latency.p50_ms),
            Metric::P95 => latency(s.latency.p95_ms),
            Metric::P99 => latency(s.latency.p99_ms),
            Metric::Rps => Some(s.rps),
            Metric::ErrorRate => Some(s.error_rate()),
            Metric::Requests => Some(s.requests as f64),
        }
    }

    /// Whether a change of it can be a regression or an improvement (all but
    /// [`Metric::Requests`], which depends on the run's length).
    pub fn judged(self) -> bool {
        self.worse_direction() != 0.0
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
            Metric::P50 | Metric::P95 | Metric::P99 => units::human_ms(v),
            Metric::Rps => units::human_rate(v),
            Metric::ErrorRate => units::human_percent(v),
            Metric::Requests => units::human_count(v.max(0.0).round() as u64),
        }
    }

    /// A signed difference with its unit (`+3.20 ms`, `−12/s`, `+0.25 pp`, `+1,200`).
    /// A difference that rounds to zero has no sign (`0.0/s`, not `−0.0/s`).
    pub fn format_delta(self, d: f64) -> String {
        let magnitude = match self {
            Metric::ErrorRate => format!("{:.2} pp", d.abs() * 100.0),
            _ => self.format(d.abs()),
        };
        let shown_as_zero = magnitude
            .chars()
            .filter(char::is_ascii_digit)
            .all(|c| c == '0');
        let sign = if shown_as_zero {
            ""
        } else if d > 0.0 {
            "+"
        } else if d < 0.0 {
            "\u{2212}"
        } else {
            ""
        };
        format!("{sign}{magnitude}")
    }
}

/// How a difference reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// A regression.
    Worse,
    /// An improvement.
    Better,
    /// Within tolerance (or not a quality measure).
    Same,
}

impl Change {
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

    /// `+12.5%`, `−3.0%`, `0.0%`; `–` without a relative change.
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
/// `tolerance` of the baseline (any change above the floor counts from a zero baseline).
pub fn classify(metric: Metric, baseline: f64, candidate: f64, tolerance: Tolerance) -> Change {
    let dir = metric.worse_direction();
    if dir == 0.0 || !baseline.is_finite() || !candidate.is_finite() {
        return Change::Same;
    }
    let d = Delta::between(baseline, candidate);
    // A change exactly on the floor or the tolerance is within it, whatever the float
    // arithmetic made of it: 10 → 11 errors in 1,000 requests is 0.1 pp as surely as 9 → 10,
    // though one difference computes a hair above 0.001 and the other a hair below.
    const EDGE: f64 = 1.0 + 1e-9;
    let significant = d.abs.abs() > metric.noise_floor() * EDGE
        && d.rel.is_none_or(|r| r.abs() > tolerance.ratio() * EDGE);
    if !significant {
        Change::Same
    } else if d.abs * dir > 0.0 {
        Change::Worse
    } else {
        Change::Better
    }
}

/// One metric of one request name in the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        tolerance: Tolerance,
    ) -> Self {
        let baseline = baseline.and_then(|s| metric.of(s));
        let candidate = candidate.and_then(|s| metric.of(s));
        let (delta, change) = match (baseline, candidate) {
            (Some(b), Some(c)) => (
                Some(Delta::between(b, c)),
                classify(metric, b, c, tolerance),
            ),
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

    /// The baseline value with its unit, `–` when missing.
    pub fn baseline_text(&self) -> String {
        self.baseline
            .map_or_else(|| DASH.to_owned(), |v| self.metric.format(v))
    }

    /// The candidate value with its unit, `–` when missing.
    pub fn candidate_text(&self) -> String {
        self.candidate
            .map_or_else(|| DASH.to_owned(), |v| self.metric.format(v))
    }

    /// The absolute difference with its unit, `–` when one side is missing.
    pub fn delta_text(&self) -> String {
        self.delta
            .map_or_else(|| DASH.to_owned(), |d| self.metric.format_delta(d.abs))
    }

    /// The relative difference, `–` when one side is missing or the baseline is zero.
    pub fn rel_text(&self) -> String {
        self.delta.map_or_else(|| DASH.to_owned(), Delta::rel_text)
    }
}

/// Which runs a request name appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        tolerance: Tolerance,
    ) -> Self {
        let presence = match (baseline.is_some(), candidate.is_some()) {
            (true, false) => Presence::BaselineOnly,
            (false, true) => Presence::CandidateOnly,
            _ => Presence::Both,
        };
        let cells = Metric::ALL
            .into_iter()
            .map(|m| MetricCell::new(m, baseline, candidate, tolerance))
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

impl<'a> Figures<'a> {
    /// A run's figures: its summary's, or, for a run without one (running, or interrupted by
    /// a server restart), those of its latest snapshot; `None` before its first snapshot.
    pub fn of_run(d: &'a RunDetail) -> Option<Self> {
        d.summary
            .as_ref()
            .map(Figures::from)
            .or_else(|| d.latest.as_ref().map(Figures::from))
    }
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
pub fn compare(
    baseline: Figures<'_>,
    candidate: Figures<'_>,
    tolerance: Tolerance,
) -> Vec<CompareRow> {
    let row = |request, b, c| CompareRow::new(request, b, c, tolerance);
    let mut rows = vec![row(None, Some(baseline.total), Some(candidate.total))];
    let find = |list: &[RequestStats], name: &str| list.iter().position(|s| s.name == name);
    for (i, b) in baseline.per_request.iter().enumerate() {
        // A name repeated within one run would be a server bug; show it once.
        if find(baseline.per_request, &b.name) != Some(i) {
            continue;
        }
        let c = find(candidate.per_request, &b.name).map(|j| &candidate.per_request[j]);
        rows.push(row(Some(b.name.clone()), Some(b), c));
    }
    for (j, c) in candidate.per_request.iter().enumerate() {
        if find(baseline.per_request, &c.name).is_none()
            && find(candidate.per_request, &c.name) == Some(j)
        {
            rows.push(row(Some(c.name.clone()), None, Some(c)));
        }
    }
    rows
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

/// The comparison's verdict in a sentence: `No change beyond tolerance (5% and a noise
/// floor).`, or how many regressions and improvements there are.
pub fn tally_line(regressions: usize, improvements: usize, tolerance: Tolerance) -> String {
    let beyond = format!("beyond tolerance ({tolerance} and a noise floor).");
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (regressions, improvements) {
        (0, 0) => format!("No change {beyond}"),
        (w, b) => format!(
            "{w} regression{} and {b} improvement{} {beyond}",
            plural(w),
            plural(b)
        ),
    }
}

/// One run as the notes of a comparison see it.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Its scenario's name.
    pub scenario: &'a str,
    /// Its status.
    pub status: RunStatus,
    /// How long it ran, ms.
    pub ran_ms: u64,
    /// How long its load was planned to last, ms (0 when not known).
    pub planned_ms: u64,
    /// Its summary, if it has one.
    pub summary: Option<&'a RunSummary>,
    /// Its load profile, when known (a stored run's; a summary does not carry it).
    pub load: Option<&'a LoadProfile>,
    /// Its scenario's target, when known (a stored run's; a summary does not carry it).
    pub target: Option<&'a str>,
}

impl<'a> From<&'a RunSummary> for Side<'a> {
    /// A run known only by its summary (`stampede run --out`): its plan is the summary's
    /// (unknown in summaries written by older versions).
    fn from(s: &'a RunSummary) -> Self {
        Self {
            scenario: &s.scenario,
            status: s.status,
            ran_ms: s.duration_ms,
            planned_ms: s.planned_ms,
            summary: Some(s),
            load: None,
            target: None,
        }
    }
}

impl<'a> From<&'a RunDetail> for Side<'a> {
    /// A stored run: its plan is its scenario's load profile.
    fn from(d: &'a RunDetail) -> Self {
        let i = &d.info;
        Self {
            scenario: &i.scenario,
            status: i.status,
            ran_ms: i.duration_ms,
            planned_ms: d.scenario_doc.load.planned_ms(),
            summary: d.summary.as_ref(),
            load: Some(&d.scenario_doc.load),
            target: d.scenario_doc.target.as_deref(),
        }
    }
}

/// What makes two runs' comparison not like for like: different scenarios, loads or targets
/// (where both runs' are known), and each run that did not complete normally
/// ([`partial_note`]). Empty when there is nothing to say.
pub fn notes(baseline: Side<'_>, candidate: Side<'_>) -> Vec<String> {
    let partial =
        |role, s: Side<'_>| partial_note(role, s.status, s.ran_ms, s.planned_ms, s.summary);
    let mut notes = Vec::new();
    notes.extend(scenario_note(baseline.scenario, candidate.scenario));
    // Loads as people read them: a difference below what the description shows (a duration
    // rounded to tenths of a second) is not one.
    if let (Some(a), Some(b)) = (baseline.load, candidate.load) {
        notes.extend(differ("had different loads", &a.describe(), &b.describe()));
    }
    if let (Some(a), Some(b)) = (baseline.target, candidate.target) {
        notes.extend(differ("went to different targets", a, b));
    }
    notes.extend(partial("baseline", baseline));
    notes.extend(partial("candidate", candidate));
    notes
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
    let quoted = |name: &str| ["\"", name, "\""].concat();
    differ(
        "ran different scenarios",
        &quoted(baseline),
        &quoted(candidate),
    )
}

/// `The runs {what}: the baseline {baseline}; the candidate {candidate}.`, if they differ (a
/// semicolon, as a load's description has commas of its own).
fn differ(what: &str, baseline: &str, candidate: &str) -> Option<String> {
    (baseline != candidate).then(|| {
        [
            "The runs ",
            what,
            ": the baseline ",
            baseline,
            "; the candidate ",
            candidate,
            ".",
        ]
        .concat()
    })
}

/// What happened to `n` iterations cut off at the end of a run (the live page's verdict, the
/// compare page's notes).
pub fn cut_off(n: u64) -> String {
    let (iterations, requests) = if n == 1 {
        (
            " iteration was",
            "if it was waiting on a request, that request counts as a \"cut off at the end of \
             the run\" error, with the time it had waited as its latency.",
        )
    } else {
        (
            " iterations were",
            "the requests they were waiting on (none, for one cut during a think time) count as \
             \"cut off at the end of the run\" errors, with the time they had waited as their \
             latency.",
        )
    };
    [
        units::human_count(n).as_str(),
        iterations,
        " cut off at the end of the run (the graceful stop ran out, or a stop-now cut it \
         short): ",
        requests,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use crate::metrics::LatencyStats;
    use crate::samples::empty_summary;

    use super::*;

    #[test]
    fn tolerances_read_as_percentages() {
        for (text, percent, shown) in [
            ("5", 5.0, "5%"),
            ("5%", 5.0, "5%"),
            (" 2.5 % ", 2.5, "2.5%"),
            ("0", 0.0, "0%"),
            ("0.25%", 0.25, "0.25%"),
            ("1000", 1000.0, "1000%"),
        ] {
            let t = Tolerance::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(
                (t.percent(), t.to_string().as_str()),
                (percent, shown),
                "{text:?}"
            );
        }
        assert_eq!(Tolerance::parse("7").map(Tolerance::ratio), Ok(0.07));
        // Every tolerance reads back as written, to the hundredth.
        for h in 0..=100_000_u32 {
            let written = match (h / 100, h % 100) {
                (w, 0) => format!("{w}%"),
                (w, f) if f % 10 == 0 => format!("{w}.{}%", f / 10),
                (w, f) => format!("{w}.{f:02}%"),
            };
            let t = Tolerance::parse(&written).expect("in range");
            assert_eq!((t.to_string(), t.0), (written, h));
        }
        for bad in ["", "%", "-5", "five", "5 pct", "1000.5", "1e3"] {
            let e = Tolerance::parse(bad).expect_err(bad);
            assert!(e.starts_with("a tolerance is a percentage"), "{bad:?}: {e}");
        }
        assert_eq!(Tolerance::default(), Tolerance::DEFAULT);
        assert!(Tolerance::from_percent(f64::NAN).is_err());
    }

    #[test]
    fn the_tolerance_moves_the_line_between_noise_and_change() {
        // 100 ms -> 110 ms is 10 %: a regression at 5 %, noise at 10 % (not "more than"),
        // and at 0 % any change above the 1 ms floor counts.
        let at = |p| {
            classify(
                Metric::P95,
                100.0,
                110.0,
                Tolerance::from_percent(p).expect("ok"),
            )
        };
        assert_eq!(
            (at(5.0), at(9.9), at(10.0)),
            (Change::Worse, Change::Worse, Change::Same)
        );
        let zero = Tolerance::from_percent(0.0).expect("ok");
        assert_eq!(classify(Metric::P95, 100.0, 101.5, zero), Change::Worse);
        assert_eq!(
            classify(Metric::P95, 100.0, 100.9, zero),
            Change::Same,
            "the floor stays"
        );
        assert_eq!(
            classify(
                Metric::Rps,
                100.0,
                70.0,
                Tolerance::from_percent(50.0).expect("ok")
            ),
            Change::Same
        );
    }

    #[test]
    fn the_tally_in_a_sentence() {
        let t = Tolerance::DEFAULT;
        assert_eq!(
            tally_line(0, 0, t),
            "No change beyond tolerance (5% and a noise floor)."
        );
        assert_eq!(
            tally_line(1, 2, Tolerance::from_percent(12.5).expect("ok")),
            "1 regression and 2 improvements beyond tolerance (12.5% and a noise floor)."
        );
        assert_eq!(
            tally_line(3, 1, t),
            "3 regressions and 1 improvement beyond tolerance (5% and a noise floor)."
        );
    }

    #[test]
    fn notes_name_different_scenarios_then_each_partial_run() {
        let base = empty_summary();
        let mut cand = empty_summary();
        assert!(notes((&base).into(), (&cand).into()).is_empty());
        cand.scenario = "other".into();
        cand.status = RunStatus::Cancelled;
        cand.duration_ms = 4_200;
        let n = notes((&base).into(), (&cand).into());
        assert_eq!(
            n,
            [
                "The runs ran different scenarios: the baseline \"s\"; the candidate \"other\".",
                "The candidate run was cancelled after 4.2 s.",
            ]
        );
        // With its plan known (a summary written by this version), a short run says how much
        // of it ran.
        cand.planned_ms = 30_000;
        assert_eq!(
            notes((&cand).into(), (&base).into()),
            [
                "The runs ran different scenarios: the baseline \"other\"; the candidate \"s\".",
                "The baseline run was cancelled after 4.2 s of 30 s: its figures cover only part of its schedule.",
            ]
        );
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

    #[test]
    fn classification_table() {
        use Change::{Better, Same, Worse};
        use Metric::*;
        let cases: &[(Metric, f64, f64, Change)] = &[
            // Latency: worse when up by > 5 % and > 1 ms.
            (P95, 100.0, 110.0, Worse),
            (P95, 100.0, 105.0, Same), // exactly 5 %: tolerated
            (P95, 20.2, 21.21, Same),  // exactly 5 %, a hair above in floats
            (P95, 20.0, 21.0, Same),   // exactly 5 % and exactly the 1 ms floor
            // Error rate: exactly the 0.1 pp floor, either way the subtraction rounds.
            (ErrorRate, 0.009, 0.010, Same),
            (ErrorRate, 0.010, 0.011, Same),
            (ErrorRate, 0.010, 0.0111, Worse),
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
                classify(metric, base, cand, Tolerance::DEFAULT),
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
        assert_eq!(Delta::between(0.0, 5.0).rel_text(), "–");
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
        // Too small to show: no sign on a zero.
        assert_eq!(Metric::Rps.format_delta(-0.04), "\u{2212}0.04/s");
        assert_eq!(Metric::Rps.format_delta(-0.004), "0.00/s");
        assert_eq!(Metric::Rps.format_delta(0.4), "+0.4/s");
        assert_eq!(Metric::P50.format_delta(0.001), "0.00 ms");
        assert_eq!(Metric::P50.format_delta(-0.001), "0.00 ms");
        assert_eq!(Metric::ErrorRate.format_delta(-0.000_01), "0.00 pp");
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
            planned_ms: 10_000,
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
        let rows = compare((&base).into(), (&cand).into(), Tolerance::DEFAULT);
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
            ("–".into(), "–".into(), "–".into())
        );
        assert_eq!(gone.change, Change::Same);
        let new = rows[3].cell(Metric::Requests).expect("cell");
        assert_eq!(
            (new.baseline_text(), new.candidate_text()),
            ("–".into(), "300".into())
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

        // A request that got no answer in the candidate has no latency there, not 0 ms: no
        // improvement is read into it; its error rate still compares.
        let mut unanswered = cand.clone();
        unanswered.per_request[1].latency = LatencyStats::default();
        unanswered.per_request[1].errors = 600;
        let rows = compare((&base).into(), (&unanswered).into(), Tolerance::DEFAULT);
        let root = &rows[1];
        assert_eq!(root.title(), "GET /");
        let p50 = root.cell(Metric::P50).expect("p50 cell");
        assert_eq!((p50.baseline, p50.candidate), (Some(8.0), None));
        assert_eq!(
            (p50.candidate_text(), p50.change),
            ("–".into(), Change::Same)
        );
        assert_eq!(
            root.cell(Metric::ErrorRate).map(|c| c.change),
            Some(Change::Worse)
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
        let rows = compare((&snap).into(), (&snap).into(), Tolerance::DEFAULT);
        assert_eq!(rows.len(), 2);
        assert_eq!(tally(&rows), (0, 0));
    }

    #[test]
    fn runs_that_did_not_complete_are_named_with_why() {
        let note = |status, ran, planned, reason: Option<&str>| {
            let mut s = empty_summary();
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
        let mut s = empty_summary();
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
        let mut s = empty_summary();
        s.interrupted_iterations = 3;
        assert_eq!(
            partial_note("baseline", RunStatus::Completed, 30_000, 30_000, Some(&s)).as_deref(),
            Some(
                "In the baseline run, 3 iterations were cut off at the end of the run (the \
                 graceful stop ran out, or a stop-now cut it short): the requests they were \
                 waiting on (none, for one cut during a think time) count as \"cut off at the \
                 end of the run\" errors, with the time they had waited as their latency."
            )
        );
        s.interrupted_iterations = 1;
        s.status = RunStatus::Cancelled;
        let n = partial_note("baseline", RunStatus::Cancelled, 3_000, 30_000, Some(&s))
            .unwrap_or_default();
        assert!(
            n.ends_with("of its schedule. In the baseline run, 1 iteration was cut off at the end of the run (the graceful stop ran out, or a stop-now cut it short): if it was waiting on a request, that request counts as a \"cut off at the end of the run\" error, with the time it had waited as its latency."),
            "{n}"
        );
    }

    #[test]
    fn different_loads_and_targets_are_named_when_both_are_known() {
        fn side<'a>(s: &'a RunSummary, load: &'a LoadProfile, target: &'a str) -> Side<'a> {
            Side {
                load: Some(load),
                target: Some(target),
                ..s.into()
            }
        }
        let users = |n, ms| LoadProfile::ConstantUsers {
            users: n,
            duration: crate::units::HumanDuration(std::time::Duration::from_millis(ms)),
        };
        let summary = empty_summary();
        let (three, ten) = (users(3, 6_000), users(10, 6_000));
        // 6.04 s reads as 6 s: not a difference anyone could see in the description.
        let almost_three = users(3, 6_040);
        let (a, b) = ("http://a.test", "http://b.test");
        let s = &summary;
        assert!(notes(side(s, &three, a), side(s, &almost_three, a)).is_empty());
        assert_eq!(
            notes(side(s, &three, a), side(s, &ten, b)),
            [
                "The runs had different loads: the baseline constant_users: 3 users for 6 s; the candidate constant_users: 10 users for 6 s.",
                "The runs went to different targets: the baseline http://a.test; the candidate http://b.test.",
            ]
        );
        // A side known only by its summary has neither: nothing is said about them.
        assert!(notes(side(s, &three, a), s.into()).is_empty());
    }

    #[test]
    fn different_scenarios_are_named() {
        assert_eq!(scenario_note("web_app", "web_app"), None);
        assert_eq!(
            scenario_note("web_app", "checkout").as_deref(),
            Some(
                "The runs ran different scenarios: the baseline \"web_app\"; the candidate \"checkout\"."
            )
        );
    }
}
