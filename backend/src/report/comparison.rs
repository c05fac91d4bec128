//! JUnit XML of a comparison between two runs (`stampede compare --junit`): one test case per
//! judged metric of the total and of each request name, failed when the metric regressed.

use std::fmt::Write as _;

use shared::compare::{Change, CompareRow, Presence, Tolerance};
use shared::markup::escape;

/// A comparison as `stampede compare` judged it.
#[derive(Debug, Clone, Copy)]
pub struct Judged<'a> {
    /// How the baseline run is named (its file).
    pub baseline: &'a str,
    /// How the candidate run is named.
    pub candidate: &'a str,
    /// The total first, then each request name.
    pub rows: &'a [CompareRow],
    /// The tolerance the rows were judged with.
    pub tolerance: Tolerance,
    /// Only the total was judged; request names are listed as skipped.
    pub total_only: bool,
    /// What makes the runs unlike.
    pub notes: &'a [String],
    /// The verdict sentence.
    pub verdict: &'a str,
}

/// One test case: its class (`total` or `request.NAME`), its name (the metric), and how it
/// ended.
struct Case {
    classname: String,
    name: &'static str,
    outcome: Outcome,
}

enum Outcome {
    Passed,
    /// `(message, body)`.
    Regressed(String, String),
    /// Why it was not judged.
    Skipped(&'static str),
}

pub(super) fn render(j: &Judged<'_>) -> String {
    let mut cases = Vec::new();
    for row in j.rows {
        let classname = match &row.request {
            None => "total".to_owned(),
            Some(name) => format!("request.{name}"),
        };
        let skipped = if row.request.is_some() && j.total_only {
            Some("not judged: --total-only")
        } else {
            match row.presence {
                Presence::Both => None,
                Presence::BaselineOnly => Some("only in the baseline"),
                Presence::CandidateOnly => Some("only in the candidate"),
            }
        };
        for cell in row.cells.iter().filter(|c| c.metric.judged()) {
            let outcome = match (skipped, cell.change) {
                (Some(why), _) => Outcome::Skipped(why),
                (None, Change::Worse) => Outcome::Regressed(
                    format!(
                        "{} → {} ({})",
                        cell.baseline_text(),
                        cell.candidate_text(),
                        cell.rel_text()
                    ),
                    format!(
                        "{} of {} got worse: {} in the baseline, {} in the candidate ({}, {}), \
                         beyond the {} tolerance.",
                        cell.metric.label(),
                        row.request
                            .as_deref()
                            .map_or_else(|| "all requests".to_owned(), |r| format!("\"{r}\"")),
                        cell.baseline_text(),
                        cell.candidate_text(),
                        cell.delta_text(),
                        cell.rel_text(),
                        j.tolerance
                    ),
                ),
                (None, Change::Same | Change::Better) => Outcome::Passed,
            };
            cases.push(Case {
                classname: classname.clone(),
                name: cell.metric.label(),
                outcome,
            });
        }
    }

    let tests = cases.len();
    let count = |f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let failures = count(|o| matches!(o, Outcome::Regressed(..)));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));

    let mut o = String::with_capacity(512 + cases.len() * 160);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"stampede compare\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">"
    );
    let _ = writeln!(
        o,
        "  <testsuite name=\"stampede.compare\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">"
    );
    o.push_str("    <properties>\n");
    for (k, v) in [
        ("baseline", j.baseline.to_owned()),
        ("candidate", j.candidate.to_owned()),
        ("tolerance", j.tolerance.to_string()),
    ] {
        let _ = writeln!(o, "      <property name=\"{k}\" value=\"{}\"/>", escape(&v));
    }
    o.push_str("    </properties>\n");
    for c in &cases {
        let _ = write!(
            o,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            escape(&c.classname),
            escape(c.name)
        );
        match &c.outcome {
            Outcome::Passed => o.push_str("/>\n"),
            Outcome::Regressed(message, body) => {
                let _ = write!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"regression\">{}</failure>\n    </testcase>\n",
                    escape(message),
                    escape(body)
                );
            }
            Outcome::Skipped(why) => {
                let _ = write!(
                    o,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    escape(why)
                );
            }
        }
    }
    let mut out = String::new();
    for note in j.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out.push_str(j.verdict);
    let _ = writeln!(o, "    <system-out>{}</system-out>", escape(&out));
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}
