//! JUnit XML of a comparison between two runs (`stampede compare --junit`): one test case per
//! judged metric of the total and of each request name, failed when the metric regressed.

use std::fmt::Write as _;

use shared::api::RunComparison;
use shared::compare::{Change, Presence};

use super::junit::{Case, Outcome, Suite};

pub(super) fn render(c: &RunComparison, (baseline, candidate): (&str, &str)) -> String {
    let tolerance = format!("{}%", c.tolerance_percent);
    let mut cases = Vec::new();
    for row in &c.rows {
        let classname = match &row.request {
            None => "total".to_owned(),
            Some(name) => format!("request.{name}"),
        };
        let skipped = if row.request.is_some() && c.total_only {
            Some("only the total is judged")
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
                (None, Change::Worse) => Outcome::Failed {
                    kind: "regression",
                    message: format!(
                        "{} → {} ({})",
                        cell.baseline_text(),
                        cell.candidate_text(),
                        cell.rel_text()
                    ),
                    body: format!(
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
                },
                (None, Change::Same | Change::Better) => Outcome::Passed,
            };
            cases.push(Case {
                classname: classname.clone(),
                name: cell.metric.label().to_owned(),
                outcome,
            });
        }
    }

    let mut out = String::new();
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out.push_str(&c.verdict);
    Suite {
        suites: "stampede compare",
        name: "stampede.compare",
        time_ms: 0,
        properties: &[
            ("baseline", baseline),
            ("candidate", candidate),
            ("tolerance", &tolerance),
        ],
        cases: &cases,
        out: Some(&out),
    }
    .render()
}
