//! JUnit XML of a comparison between two runs (`stampede compare --junit`): one test case per
//! judged metric of the total and of each request name, failed when the metric regressed.

use std::fmt::Write as _;

use shared::api::RunComparison;
use shared::compare::{Change, Presence};
use shared::markup::escape;

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

pub(super) fn render(c: &RunComparison, (baseline, candidate): (&str, &str)) -> String {
    let tolerance = format!("{}%", c.tolerance_percent);
    let mut cases = Vec::new();
    for row in &c.rows {
        let classname = match &row.request {
            None => "total".to_owned(),
            Some(name) => format!("request.{name}"),
        };
        let skipped = if row.request.is_some() && c.total_only {
            Some("not judged: --total-only")
        } else {
            match row.presence {
                Presence::Both => None,
                Presence::BaselineOnly => Some("only in the baseline"),
                Presence::CandidateOnly => Some("only in the candidate"),
            }
        };
        for cell in row.cells.iter().filter(|cell| cell.metric.judged()) {
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
                        tolerance
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
    let count = |f: fn(&Outcome) -> bool| cases.iter().filter(|case| f(&case.outcome)).count();
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
        ("baseline", baseline),
        ("candidate", candidate),
        ("tolerance", &tolerance),
    ] {
        let _ = writeln!(o, "      <property name=\"{k}\" value=\"{}\"/>", escape(v));
    }
    o.push_str("    </properties>\n");
    for case in &cases {
        let _ = write!(
            o,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            escape(&case.classname),
            escape(case.name)
        );
        match &case.outcome {
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
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out.push_str(&c.verdict);
    let _ = writeln!(o, "    <system-out>{}</system-out>", escape(&out));
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}
