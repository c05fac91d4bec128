//! Pure logic behind the history pages: the history table's rows, and the overlaid chart
//! series of two compared runs. The comparison itself (matching request names, deltas,
//! regression verdicts, notes) is `shared::compare`, which the server and the CLI use too. No
//! DOM; tested natively.

use shared::api::{RunInfo, TestType};
pub use shared::compare::{
    Change, CompareRow, Figures, Tolerance, compare, cut_off, duration_ms, notes, tally, tally_line,
};
use shared::metrics::MetricsSnapshot;
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

    /// For people: `passed`, `passed so far`, `failed`, `–`.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::PassedSoFar => "passed so far",
            Verdict::Failed => "failed",
            Verdict::Unknown => "–",
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
    /// `1,234` or `–` before the run has totals.
    pub requests: String,
    /// `123/s` or `–`.
    pub rps: String,
    /// `12.3 ms` or `–`.
    pub p95: String,
    /// `0.50%` or `–`.
    pub error_rate: String,
    /// True when some requests failed (drawn in the error colour).
    pub has_errors: bool,
    /// The thresholds' verdict.
    pub verdict: Verdict,
}

use crate::format::NONE as DASH;

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
            interrupted_reason: None,
        }
    }

    #[test]
    fn overlay_series_in_seconds_skipping_empty_latency_intervals() {
        let mk = |seq: u64, requests: u64, rps: f64, p95: f64| {
            let mut s = crate::components::fixtures::snapshot(seq, rps, requests, 0);
            s.interval.latency.p95_ms = p95;
            s
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
            ("–", "–")
        );
        assert!(!running.has_errors);
        assert_eq!(
            (running.verdict.text(), running.verdict.key()),
            ("–", "none")
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
