//! Run reports: pure functions from a stored run (its [`RunDetail`] and its metrics series) to
//! documents — the JSON report, one self-contained HTML page with inline SVG charts, JUnit XML
//! for CI, and a CSV of the time series. Nothing here does I/O.

mod csv;
mod html;
mod json;
mod junit;
mod svg;

#[cfg(test)]
mod tests;

use shared::api::RunDetail;
use shared::markup::escape;
use shared::metrics::MetricsSnapshot;
use shared::report::JsonReport;

/// The JSON report of a run. Without a final summary (running or interrupted runs) the
/// figures come from the last snapshot and the report is marked `partial`.
pub fn json(detail: &RunDetail, series: &[MetricsSnapshot]) -> JsonReport {
    json::report(detail, series)
}

/// One self-contained HTML page (inline CSS and SVG, no scripts, no external assets).
pub fn html(detail: &RunDetail, series: &[MetricsSnapshot]) -> String {
    html::render(detail, series)
}

/// JUnit XML: one test case per threshold and per check, plus one for a run that did not
/// complete.
pub fn junit(detail: &RunDetail) -> String {
    junit::render(detail)
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
