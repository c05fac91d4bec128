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

/// Escapes text for XML and HTML, in text and in quoted attributes alike. Characters that XML
/// 1.0 forbids (most C0 controls) become U+FFFD; tabs and line breaks are kept as character
/// references so that attribute values keep them too.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A finite float, or 0 (NaN and infinities never reach a document).
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}
