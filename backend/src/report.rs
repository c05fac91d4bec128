//! Run reports: pure functions from a stored run (its [`RunDetail`] and its metrics series) to
//! documents — the JSON report, one self-contained HTML page with inline SVG charts, JUnit XML
//! for CI, and a CSV of the time series. Nothing here does I/O.

mod comparison;
mod csv;
mod format;
mod html;
mod json;
mod junit;
mod svg;

#[cfg(test)]
mod tests;

use shared::api::{RunComparison, RunDetail};
use shared::markup::escape;
use shared::metrics::MetricsSnapshot;
use shared::report::JsonReport;
use shared::run::RunStatus;

/// The JSON report of a run. Without a final summary (running or interrupted runs) the
/// figures come from the last snapshot and the report is marked `partial`.
pub fn json(detail: &RunDetail, series: &[MetricsSnapshot]) -> JsonReport {
    json::report(detail, series)
}

/// One self-contained HTML page (inline CSS and SVG, no scripts, no external assets).
pub fn html(detail: &RunDetail, series: &[MetricsSnapshot]) -> String {
    html::render(detail, series)
}

/// JUnit XML: one test case per threshold and per check, and one for the run itself, failed
/// when it did not complete.
pub fn junit(detail: &RunDetail) -> String {
    junit::render(detail)
}

/// JUnit XML of a comparison between two runs: one test case per judged metric (latency
/// percentiles, throughput, error rate) of the total and of each request name, failed when it
/// regressed.
/// `names` say how the baseline and the candidate are known (their files).
pub fn comparison_junit(comparison: &RunComparison, names: (&str, &str)) -> String {
    comparison::render(comparison, names)
}

/// The metrics series as CSV, one row per snapshot (interval figures), header first.
pub fn csv(series: &[MetricsSnapshot]) -> String {
    csv::render(series)
}

/// One of the four reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// [`html`].
    Html,
    /// [`json`], pretty-printed.
    Json,
    /// [`junit`].
    Junit,
    /// [`csv`].
    Csv,
}

impl ReportFormat {
    /// The report as a document.
    pub fn render(
        self,
        detail: &RunDetail,
        series: &[MetricsSnapshot],
    ) -> Result<String, serde_json::Error> {
        Ok(match self {
            ReportFormat::Html => html(detail, series),
            ReportFormat::Json => serde_json::to_string_pretty(&json(detail, series))?,
            ReportFormat::Junit => junit(detail),
            ReportFormat::Csv => csv(series),
        })
    }
}

/// A finite float, or 0 (NaN and infinities never reach a document).
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// How a judged run (one with a final summary) stopped before the end of its schedule: its
/// thresholds were judged on the part that ran, which a reader of the verdict must know.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EarlyStop {
    /// Cancelled by a person.
    Cancelled,
    /// Stopped by a failing `abort_on_fail` threshold: which one, when the summary says.
    Aborted(Option<Aborting>),
}

/// The `abort_on_fail` threshold that stopped a run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Aborting {
    /// Its expression.
    expr: String,
    /// The request it is scoped to, if it is.
    request: Option<String>,
}

impl Aborting {
    /// True for the result of this threshold (the same expression may be set on several
    /// requests, and on the whole run).
    fn is(&self, t: &shared::threshold::ThresholdResult) -> bool {
        t.expr == self.expr && t.request == self.request
    }
}

impl EarlyStop {
    /// The early stop of a run, if it had one. Runs without a summary (interrupted or still
    /// going) are not judged at all and have none.
    fn of(detail: &RunDetail) -> Option<Self> {
        let summary = detail.summary.as_ref()?;
        match detail.info.status {
            RunStatus::Cancelled => Some(EarlyStop::Cancelled),
            RunStatus::Failed => match &summary.aborted_by {
                Some(expr) => Some(EarlyStop::Aborted(Some(Aborting {
                    expr: expr.clone(),
                    request: summary.aborted_by_request.clone(),
                }))),
                // Summaries stored before `aborted_by` existed say it in their reason only.
                None => summary
                    .reason
                    .as_deref()
                    .filter(|r| is_abort_reason(r))
                    .map(|r| {
                        EarlyStop::Aborted(aborting_threshold(r).map(|expr| Aborting {
                            expr: expr.to_owned(),
                            request: None,
                        }))
                    }),
            },
            _ => None,
        }
    }

    /// What happened, to follow "the run was": `cancelled before the end of its schedule`.
    fn what(&self) -> String {
        match self {
            EarlyStop::Cancelled => "cancelled before the end of its schedule".to_owned(),
            EarlyStop::Aborted(Some(Aborting { expr, request })) => format!(
                "aborted early by the abort_on_fail threshold \"{expr}\"{}",
                shared::threshold::scope_phrase(request.as_deref())
            ),
            EarlyStop::Aborted(None) => "aborted early by an abort_on_fail threshold".to_owned(),
        }
    }

    /// One sentence on what the verdict was judged on, plain text.
    fn note(&self) -> String {
        format!(
            "The run was {}, so its thresholds were judged on the part that ran.",
            self.what()
        )
    }
}

/// Summaries stored before `aborted_by` existed record a threshold abort as a failed run whose
/// reason reads `threshold "<expr>" failed (observed …), aborting`; other failures (a worker
/// that could not start) do not mention aborting.
fn is_abort_reason(reason: &str) -> bool {
    reason.contains("aborting")
}

/// The expression in an abort reason (see [`is_abort_reason`]).
fn aborting_threshold(reason: &str) -> Option<&str> {
    let rest = reason.strip_prefix("threshold \"")?;
    rest.rfind("\" failed").map(|end| &rest[..end])
}
