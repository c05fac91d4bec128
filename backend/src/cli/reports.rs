//! `stampede run --report FILE`: the server's run reports (HTML, JSON, JUnit XML, CSV), written
//! by the CLI. The format follows the file name; the documents come from [`crate::report`],
//! fed with the same [`RunDetail`] and series the server's report route gives it.

use std::path::PathBuf;

use shared::api::{RunDetail, RunInfo, RunTotals, TestType};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::run::RunId;
use shared::scenario::ValidScenario;

use crate::report::ReportFormat;

/// The endings `--report` accepts, for help and error messages.
const ENDINGS: &str = ".html, .json, .junit.xml or .xml, .csv";

/// The format a file name's ending (case-insensitive) names, if any.
fn format_of(path: &std::path::Path) -> Option<ReportFormat> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    // `.junit.xml` is also `.xml`: both are JUnit.
    [
        (".html", ReportFormat::Html),
        (".json", ReportFormat::Json),
        (".xml", ReportFormat::Junit),
        (".csv", ReportFormat::Csv),
    ]
    .into_iter()
    .find(|(ending, _)| name.len() > ending.len() && name.ends_with(ending))
    .map(|(_, format)| format)
}

/// A `--report` value: a path and the format its name asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub(super) path: PathBuf,
    pub(super) format: ReportFormat,
}

/// Parses a `--report` value; an unknown ending is a usage error naming the accepted ones.
pub(super) fn parse_report(text: &str) -> Result<ReportTarget, String> {
    let path = PathBuf::from(text);
    match format_of(&path) {
        Some(format) => Ok(ReportTarget { path, format }),
        None => Err(format!(
            "\"{text}\" has no known report ending (the format follows the file name: {ENDINGS})"
        )),
    }
}

/// What the report renderers take about a run, as the server builds it from its store for a
/// finished run; a CLI run has no alerts and an id made from its start time.
pub(super) fn run_detail(
    scenario: &ValidScenario,
    summary: &RunSummary,
    ended_at_ms: u64,
) -> RunDetail {
    RunDetail {
        info: run_info(summary, ended_at_ms),
        scenario_doc: scenario.source.clone(),
        summary: Some(summary.clone()),
        alerts: Vec::new(),
        latest: None,
    }
}

/// A CLI run's listing fields, as the server lists its runs: an id made from its start time.
pub(super) fn run_info(summary: &RunSummary, ended_at_ms: u64) -> RunInfo {
    RunInfo {
        id: run_id(summary.started_at_ms),
        scenario: summary.scenario.clone(),
        test_type: TestType::Load,
        status: summary.status,
        created_at_ms: summary.started_at_ms,
        ended_at_ms: Some(ended_at_ms),
        duration_ms: summary.duration_ms,
        totals: Some(RunTotals::of(summary)),
        thresholds_passed: summary.verdict(),
        interrupted_reason: None,
    }
}

/// The snapshots a run's reports are drawn from, kept as they come. Reports read each
/// interval's totals, and the per-request stats of the last snapshot only (for a run without a
/// summary), so an older snapshot's per-request stats are dropped once a newer one comes: they
/// are most of a snapshot (three quarters with six request names), and a day at 1 s intervals
/// is 86,400 snapshots.
#[derive(Debug, Default)]
pub(super) struct ReportSeries(Vec<MetricsSnapshot>);

impl ReportSeries {
    /// Adds the newest snapshot.
    pub(super) fn push(&mut self, snap: MetricsSnapshot) {
        if let Some(previous) = self.0.last_mut() {
            previous.per_request = Vec::new();
        }
        self.0.push(snap);
    }

    /// The snapshots, oldest first.
    pub(super) fn as_slice(&self) -> &[MetricsSnapshot] {
        &self.0
    }
}

/// `cli-YYYYMMDD-HHMMSS` (UTC): server run ids read as their time too.
fn run_id(started_at_ms: u64) -> RunId {
    let digits: String = shared::report::rfc3339_utc(started_at_ms - started_at_ms % 1000)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let (date, time) = digits.split_at(digits.len().min(8));
    RunId(format!("cli-{date}-{time}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_file_name() {
        let format = |text: &str| parse_report(text).map(|t| t.format);
        assert_eq!(format("out/report.html"), Ok(ReportFormat::Html));
        assert_eq!(format("r.JSON"), Ok(ReportFormat::Json));
        assert_eq!(format("r.junit.xml"), Ok(ReportFormat::Junit));
        assert_eq!(format("r.xml"), Ok(ReportFormat::Junit));
        assert_eq!(format("series.csv"), Ok(ReportFormat::Csv));
        for bad in ["x.pdf", "report", ".html", "x.html.txt"] {
            let err = parse_report(bad).expect_err(bad);
            assert!(err.contains(bad) && err.contains(ENDINGS), "{err}");
        }
    }

    /// The reports drawn from the kept series are the reports drawn from every snapshot whole,
    /// with a summary and without one (a partial run reads the last snapshot's requests).
    #[test]
    fn the_kept_series_draws_the_same_reports_as_the_whole_one() {
        let whole: Vec<MetricsSnapshot> = (0..5).map(shared::samples::snapshot).collect();
        let mut kept = ReportSeries::default();
        for snap in &whole {
            kept.push(snap.clone());
        }
        let slim = kept.as_slice();
        assert_eq!(slim.len(), whole.len());
        assert!(slim[..4].iter().all(|s| s.per_request.is_empty()));
        assert_eq!(slim[4], whole[4]);
        let finished = shared::samples::run_detail();
        assert!(finished.summary.is_some());
        let partial = RunDetail {
            summary: None,
            ..shared::samples::run_detail()
        };
        for detail in [&finished, &partial] {
            for format in [
                ReportFormat::Html,
                ReportFormat::Json,
                ReportFormat::Junit,
                ReportFormat::Csv,
            ] {
                assert_eq!(
                    format.render(detail, slim).expect("renders"),
                    format.render(detail, &whole).expect("renders"),
                    "{format:?}, summary: {}",
                    detail.summary.is_some()
                );
            }
        }
    }

    #[test]
    fn cli_runs_get_an_id_from_their_start_time() {
        // 2026-11-26 23:15:01.5 UTC
        assert_eq!(run_id(1_795_734_901_500).0, "cli-20261126-231501");
    }

    #[test]
    fn a_run_detail_carries_the_summary_and_its_verdict() {
        let scenario = shared::scenario::validate(
            &shared::samples::scenario(),
            &shared::scenario::ValidationEnv::default(),
        )
        .expect("the sample scenario is valid");
        let summary = RunSummary {
            status: shared::run::RunStatus::Completed,
            ..shared::samples::summary()
        };
        let detail = run_detail(&scenario, &summary, summary.started_at_ms + 5_000);
        assert_eq!(detail.info.status, summary.status);
        assert_eq!(detail.info.totals, Some(RunTotals::of(&summary)));
        assert_eq!(detail.info.thresholds_passed, summary.verdict());
        assert!(summary.verdict().is_some(), "the sample has thresholds");
        assert_eq!(detail.scenario_doc, scenario.source);
        let junit = ReportFormat::Junit.render(&detail, &[]).expect("renders");
        assert_eq!(
            junit.matches("<testcase").count(),
            summary.thresholds.len() + summary.checks.len() + 1,
            "{junit}"
        );
    }
}
