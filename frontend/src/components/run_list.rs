//! The history table of past runs, with a checkbox per row to pick two for comparison, and the
//! small badges (status, verdict) the history pages share.

use leptos::prelude::*;
use shared::api::RunInfo;
use shared::run::RunStatus;

use wasm_bindgen::JsCast;

use crate::compare::{self, HistoryRow, Verdict};
use crate::markup::Html;

/// Milliseconds since the Unix epoch in the browser's time zone, `2026-03-14 10:26:53`.
pub fn local_time(ms: u64) -> String {
    // The offset of that instant (daylight saving time differs across the year).
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    compare::local_date_time(ms, date.get_timezone_offset() as i32)
}

/// A run's status as a coloured word (`span.run-status`).
pub fn status_badge_markup(h: &mut Html, status: RunStatus) {
    h.open(
        "span",
        &[
            ("class", "run-status"),
            ("data-status", status.as_str()),
            ("data-tone", compare::status_tone(status)),
        ],
    )
    .text(status.as_str())
    .close("span");
}

/// The thresholds' verdict as a coloured word (`—` before there is one).
pub fn verdict_badge_markup(h: &mut Html, verdict: Verdict) {
    h.el(
        "span",
        &[("class", "verdict"), ("data-verdict", verdict.key())],
        verdict.text(),
    );
}

/// The table of runs' body: one row per run, with its checkbox ticked when it is in
/// `selected`. `time` writes a creation time (the browser's local time in the panel).
pub fn run_rows_markup(
    runs: &[RunInfo],
    selected: &[(String, u64)],
    time: fn(u64) -> String,
) -> String {
    let mut h = Html::new();
    for run in runs {
        let row = HistoryRow::of(run);
        let id = row.id.as_str();
        let is_selected = selected.iter().any(|(x, _)| x == id);
        h.open(
            "tr",
            &[("class", row_class(is_selected)), ("data-run-id", id)],
        )
        .open("td", &[("class", "run-list__select")])
        .open(
            "input",
            &[
                ("type", "checkbox"),
                ("data-action", "select-run"),
                ("data-created", &row.created_at_ms.to_string()),
                ("aria-label", &format!("Select run {id} for comparison")),
                ("checked", if is_selected { "checked" } else { "" }),
            ],
        )
        .close("td")
        .open("td", &[]);
        status_badge_markup(&mut h, row.status);
        h.close("td")
            .open("td", &[("class", "run-list__scenario")])
            .el(
                "a",
                &[
                    ("href", &format!("/history/{id}")),
                    ("class", "run-list__link"),
                ],
                &row.scenario,
            )
            .el("span", &[("class", "run-list__id")], id)
            .close("td")
            .el("td", &[("class", "run-list__type")], row.test_type)
            .el(
                "td",
                &[
                    ("class", "run-list__time tabular"),
                    ("title", &shared::report::rfc3339_utc(row.created_at_ms)),
                ],
                &time(row.created_at_ms),
            );
        for figure in [&row.duration, &row.requests, &row.rps, &row.p95] {
            h.el("td", &[("class", "num")], figure);
        }
        h.el(
            "td",
            &[(
                "class",
                if row.has_errors {
                    "num run-list__errors"
                } else {
                    "num"
                },
            )],
            &row.error_rate,
        )
        .open("td", &[]);
        verdict_badge_markup(&mut h, row.verdict);
        h.close("td").close("tr");
    }
    h.finish()
}

fn row_class(selected: bool) -> &'static str {
    if selected {
        "run-list__row run-list__row--selected"
    } else {
        "run-list__row"
    }
}

/// The table of runs. Each row links to the run's page and has a checkbox that adds the run
/// to (or removes it from) `selected` as `(id, created_at_ms)`. The rows are markup; one
/// listener on the body handles the checkboxes, and the ticks and row highlights follow
/// `selected` (which the page's Clear button also changes).
#[component]
pub fn RunList(
    /// Runs, newest first.
    runs: Vec<RunInfo>,
    /// The runs picked for comparison.
    selected: RwSignal<Vec<(String, u64)>>,
) -> impl IntoView {
    let body = NodeRef::<leptos::html::Tbody>::new();
    let rows = selected.with_untracked(|s| run_rows_markup(&runs, s, local_time));
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let row = input.closest("tr").ok().flatten();
        let id = row.and_then(|r| r.get_attribute("data-run-id"));
        let created = input
            .get_attribute("data-created")
            .and_then(|c| c.parse().ok());
        if let (Some(id), Some(created)) = (id, created) {
            selected.update(|s| compare::toggle_selected(s, &id, created));
        }
    };
    Effect::new(move |_| {
        let Some(body) = body.get() else {
            return;
        };
        selected.with(|s| {
            let mut row = body.first_element_child();
            while let Some(r) = row {
                let on = r
                    .get_attribute("data-run-id")
                    .is_some_and(|id| s.iter().any(|(x, _)| *x == id));
                let _ = r.set_attribute("class", row_class(on));
                if let Some(input) = r
                    .query_selector("input")
                    .ok()
                    .flatten()
                    .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    input.set_checked(on);
                }
                row = r.next_element_sibling();
            }
        });
    });
    view! {
        <div class="table-scroll">
            <table class="run-list">
                <thead>
                    <tr>
                        <th scope="col" class="run-list__select">
                            <span class="visually-hidden">"Compare"</span>
                        </th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Scenario"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col" class="num">"Requests"</th>
                        <th scope="col" class="num">"Throughput"</th>
                        <th scope="col" class="num">"p95"</th>
                        <th scope="col" class="num">"Error rate"</th>
                        <th scope="col">"Verdict"</th>
                    </tr>
                </thead>
                <tbody node_ref=body inner_html=rows on:change=on_change></tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use shared::api::{RunInfo, RunTotals, TestType};
    use shared::run::RunId;

    use super::*;

    fn run(id: &str, scenario: &str, totals: Option<RunTotals>) -> RunInfo {
        RunInfo {
            id: RunId(id.into()),
            scenario: scenario.into(),
            test_type: TestType::Load,
            status: RunStatus::Completed,
            created_at_ms: 1_700_000_000_000,
            ended_at_ms: None,
            duration_ms: 65_000,
            totals,
            thresholds_passed: Some(false),
        }
    }

    fn time(ms: u64) -> String {
        format!("t{ms}")
    }

    #[test]
    fn rows_with_selection_links_and_escaping() {
        let totals = RunTotals {
            requests: 1234,
            errors: 5,
            error_rate: 0.005,
            rps: 20.0,
            p50_ms: 5.0,
            p95_ms: 12.0,
            p99_ms: 30.0,
        };
        let runs = [
            run("r1", "<script>alert(1)</script>", Some(totals)),
            run("r2", "plain", None),
        ];
        let m = run_rows_markup(&runs, &[("r2".into(), 1)], time);
        assert!(m.starts_with(
            "<tr class=\"run-list__row\" data-run-id=\"r1\"><td class=\"run-list__select\"><input type=\"checkbox\" data-action=\"select-run\" data-created=\"1700000000000\" aria-label=\"Select run r1 for comparison\"></td>\
             <td><span class=\"run-status\" data-status=\"completed\" data-tone=\"ok\">completed</span></td>\
             <td class=\"run-list__scenario\"><a href=\"/history/r1\" class=\"run-list__link\">&lt;script&gt;alert(1)&lt;/script&gt;</a><span class=\"run-list__id\">r1</span></td>\
             <td class=\"run-list__type\">load</td><td class=\"run-list__time tabular\" title=\"2023-11-14T22:13:20Z\">t1700000000000</td>"
        ), "{m}");
        assert!(m.contains(
            "<td class=\"num\">1,234</td><td class=\"num\">20.0/s</td><td class=\"num\">12.0 ms</td><td class=\"num run-list__errors\">0.50%</td><td><span class=\"verdict\" data-verdict=\"failed\">failed</span></td></tr>"
        ), "{m}");
        assert!(m.contains(
            "<tr class=\"run-list__row run-list__row--selected\" data-run-id=\"r2\"><td class=\"run-list__select\"><input type=\"checkbox\" data-action=\"select-run\" data-created=\"1700000000000\" aria-label=\"Select run r2 for comparison\" checked=\"checked\"></td>"
        ), "{m}");
        assert!(!m.contains("<script>"));
        assert_eq!(m.matches("<tr ").count(), 2);
        assert_eq!(run_rows_markup(&[], &[], time), "");
    }
}
