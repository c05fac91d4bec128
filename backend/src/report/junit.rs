//! JUnit XML for CI: a run's thresholds and checks as test cases, and the one document writer
//! that this report and a comparison's ([`super::comparison`]) share.

use std::fmt::Write as _;

use shared::api::RunDetail;
use shared::run::RunStatus;

use super::{EarlyStop, escape};

/// One test case before rendering.
pub(super) struct Case {
    pub classname: String,
    pub name: String,
    pub outcome: Outcome,
}

/// How a test case ended.
pub(super) enum Outcome {
    Passed,
    /// `message` (one line), `kind` (the failure's `type`), `body` (the whole story).
    Failed {
        message: String,
        kind: &'static str,
        body: String,
    },
    /// Not judged, and why.
    Skipped(&'static str),
}

/// One JUnit document: a suite of `cases` in a `<testsuites>` named `suites`.
pub(super) struct Suite<'a> {
    pub suites: &'a str,
    pub name: &'a str,
    pub time_ms: u64,
    pub properties: &'a [(&'a str, &'a str)],
    pub cases: &'a [Case],
    /// Text for `<system-out>`, if any.
    pub out: Option<&'a str>,
}

impl Suite<'_> {
    pub(super) fn render(&self) -> String {
        let tests = self.cases.len();
        let count = |f: fn(&Outcome) -> bool| self.cases.iter().filter(|c| f(&c.outcome)).count();
        let failures = count(|o| matches!(o, Outcome::Failed { .. }));
        let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
        let time = format!("{:.3}", self.time_ms as f64 / 1000.0);
        let mut o = String::with_capacity(512 + tests * 200);
        o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            o,
            "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time}\">",
            escape(self.suites)
        );
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time}\">",
            escape(self.name)
        );
        o.push_str("    <properties>\n");
        for (k, v) in self.properties {
            let _ = writeln!(o, "      <property name=\"{k}\" value=\"{}\"/>", escape(v));
        }
        o.push_str("    </properties>\n");
        for c in self.cases {
            let _ = write!(
                o,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(&c.classname),
                escape(&c.name)
            );
            match &c.outcome {
                Outcome::Passed => o.push_str("/>\n"),
                Outcome::Failed {
                    message,
                    kind,
                    body,
                } => {
                    let _ = write!(
                        o,
                        ">\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>\n",
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
        if let Some(out) = self.out {
            let _ = writeln!(o, "    <system-out>{}</system-out>", escape(out));
        }
        o.push_str("  </testsuite>\n</testsuites>\n");
        o
    }
}

/// `(message, kind, body)` as a test case's outcome: failed when there is one.
fn outcome(failure: Option<(String, &'static str, String)>) -> Outcome {
    match failure {
        None => Outcome::Passed,
        Some((message, kind, body)) => Outcome::Failed {
            message,
            kind,
            body,
        },
    }
}

pub(super) fn render(detail: &RunDetail) -> String {
    let info = &detail.info;
    let early_stop = EarlyStop::of(detail);
    // A failed threshold says what it was judged on when the run stopped early.
    let judged_on = early_stop
        .as_ref()
        .map(|stop| format!(" {}", stop.note()))
        .unwrap_or_default();
    let mut cases = Vec::new();

    if let Some(s) = &detail.summary {
        for t in &s.thresholds {
            let name = match &t.request {
                Some(r) => format!("{} [{r}]", t.expr),
                None => t.expr.clone(),
            };
            let failure = (!t.passed).then(|| {
                (
                    format!("observed {}", t.observed_text),
                    "threshold",
                    format!(
                        "Threshold \"{}\" on {} failed: observed {}.{judged_on}",
                        t.expr,
                        t.request.as_deref().unwrap_or("all requests"),
                        t.observed_text
                    ),
                )
            });
            cases.push(Case {
                classname: "thresholds".into(),
                name,
                outcome: outcome(failure),
            });
        }
        for c in &s.checks {
            let total = c.passed.saturating_add(c.failed);
            let failure = (c.failed > 0).then(|| {
                (
                    format!("{} of {total} failed", c.failed),
                    "check",
                    format!(
                        "Check \"{}\" on {}: {} of {total} responses failed it.",
                        c.check, c.request, c.failed
                    ),
                )
            });
            // A check of a request never answered (never made, or cut off) was not judged.
            let outcome = if total == 0 {
                Outcome::Skipped("never evaluated: the request got no response to check")
            } else {
                outcome(failure)
            };
            cases.push(Case {
                classname: format!("checks.{}", c.request),
                name: c.check.clone(),
                outcome,
            });
        }
    }

    let reason = detail.summary.as_ref().and_then(|s| s.reason.clone());
    let run_failure = match info.status {
        RunStatus::Completed => None,
        RunStatus::Failed if let Some(stop) = &early_stop => {
            Some(format!("run was {}", stop.what()))
        }
        RunStatus::Failed => Some(format!(
            "run failed: {}",
            reason.as_deref().unwrap_or("no reason recorded")
        )),
        // Why, as the history stored it (the server stopped, or the run's end could not be
        // stored); a run recorded before reasons were kept says what it most likely was.
        RunStatus::Interrupted => Some(match &info.interrupted_reason {
            Some(why) => format!("run was interrupted: {why}"),
            None => format!(
                "run was interrupted (the process running it stopped){}",
                reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        }),
        RunStatus::Cancelled => Some(format!(
            "run was cancelled before the end of its schedule{}",
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )),
        RunStatus::Pending | RunStatus::Running | RunStatus::Stopping => Some(format!(
            "run has not finished (status {}); no final verdict",
            info.status
        )),
    };
    // The run itself is always a test case, so a run without thresholds and checks still
    // has a result (Jenkins' `junit` step refuses a report without any): it passes when the
    // run completed its schedule, as the CLI's exit code 0 needs, and fails otherwise.
    let outcome = match run_failure {
        None => Outcome::Passed,
        Some(message) => {
            // An aborted run's message names the threshold; the body adds the engine's own
            // words (with the value observed when it aborted).
            let body = match (&early_stop, &reason) {
                (Some(EarlyStop::Aborted(_)), Some(r)) => {
                    format!("{message}. Reason recorded: {r}")
                }
                _ => message.clone(),
            };
            Outcome::Failed {
                message,
                kind: "run",
                body,
            }
        }
    };
    cases.push(Case {
        classname: "run".into(),
        name: "run".into(),
        outcome,
    });

    let time_ms = detail
        .summary
        .as_ref()
        .map_or(info.duration_ms, |s| s.duration_ms);
    let load = detail.scenario_doc.load.describe();
    let mut properties = vec![
        ("run_id", info.id.0.as_str()),
        ("scenario", info.scenario.as_str()),
    ];
    if let Some(target) = &detail.scenario_doc.target {
        properties.push(("target", target));
    }
    properties.extend([
        ("load", load.as_str()),
        ("test_type", info.test_type.as_str()),
        ("status", info.status.as_str()),
    ]);
    Suite {
        suites: "stampede",
        name: &format!("stampede.{}", info.scenario),
        time_ms,
        properties: &properties,
        cases: &cases,
        out: None,
    }
    .render()
}
