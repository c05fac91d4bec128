//! JUnit XML for CI: thresholds and checks as test cases.

use std::fmt::Write as _;

use shared::api::RunDetail;
use shared::run::RunStatus;

use super::{EarlyStop, escape};

/// One test case before rendering.
struct Case {
    classname: String,
    name: String,
    /// `(message, type, body)` when it failed.
    failure: Option<(String, &'static str, String)>,
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
                failure,
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
            cases.push(Case {
                classname: format!("checks.{}", c.request),
                name: c.check.clone(),
                failure,
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
        RunStatus::Interrupted => Some(format!(
            "run was interrupted (the process running it stopped){}",
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )),
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
    if let Some(message) = run_failure {
        // An aborted run's message names the threshold; the body adds the engine's own words
        // (with the value observed when it aborted).
        let body = match (&early_stop, &reason) {
            (Some(EarlyStop::Aborted(_)), Some(r)) => {
                format!("{message}. Reason recorded: {r}")
            }
            _ => message.clone(),
        };
        cases.push(Case {
            classname: "run".into(),
            name: "run".into(),
            failure: Some((message, "run", body)),
        });
    }

    let tests = cases.len();
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let duration_ms = detail
        .summary
        .as_ref()
        .map_or(info.duration_ms, |s| s.duration_ms);
    let time = format!("{:.3}", duration_ms as f64 / 1000.0);
    let suite = escape(&format!("stampede.{}", info.scenario));

    let mut o = String::with_capacity(512 + cases.len() * 200);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"stampede\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time}\">"
    );
    let _ = writeln!(
        o,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time}\">"
    );
    o.push_str("    <properties>\n");
    for (k, v) in [
        ("run_id", info.id.0.as_str()),
        ("scenario", info.scenario.as_str()),
        ("test_type", info.test_type.as_str()),
        ("status", info.status.as_str()),
    ] {
        let _ = writeln!(o, "      <property name=\"{k}\" value=\"{}\"/>", escape(v));
    }
    o.push_str("    </properties>\n");
    for c in &cases {
        let _ = write!(
            o,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            escape(&c.classname),
            escape(&c.name)
        );
        match &c.failure {
            None => o.push_str("/>\n"),
            Some((message, kind, body)) => {
                let _ = write!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>\n",
                    escape(message),
                    escape(body)
                );
            }
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}
