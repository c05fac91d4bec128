//! The history table of past runs, with a checkbox per row to pick two for comparison, and the
//! small badges (status, verdict) the history pages share.

use leptos::prelude::*;
use shared::api::{RunInfo, RunListing, UnreadableRun};
use shared::run::RunStatus;

use crate::compare::{self, HistoryRow, Verdict};
use crate::markup::Html;

/// Milliseconds since the Unix epoch in the browser's time zone, `2026-03-14 10:26:53`.
pub fn local_time(ms: u64) -> String {
    // The offset of that instant (daylight saving time differs across the year).
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    compare::local_date_time(ms, date.get_timezone_offset() as i32)
}

/// The table of runs. Each row links to the run's page and has a checkbox that adds the run
/// to (or removes it from) `selected` as `(id, created_at_ms)`.
#[component]
pub fn RunList(
    /// Runs, newest first; a stored run the server cannot read in its place.
    runs: Vec<RunListing>,
    /// The runs picked for comparison.
    selected: RwSignal<Vec<(String, u64)>>,
) -> impl IntoView {
    let rows = runs
        .iter()
        .map(|listing| match listing {
            RunListing::Run(run) => run_row(run, selected),
            RunListing::Unreadable(u) => unreadable_row(u),
        })
        .collect_view();
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
                        <th scope="col" class="run-list__type">"Type"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col" class="num">"Duration"</th>
                        <th scope="col" class="num run-list__requests">"Requests"</th>
                        <th scope="col" class="num">"Throughput"</th>
                        <th scope="col" class="num">"p95"</th>
                        <th scope="col" class="num">"Error rate"</th>
                        <th scope="col">"Verdict"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A stored run the server cannot read (a value a newer version wrote): its id, linking to
/// its page (where it can be deleted), and why, across the figures' columns. It cannot be
/// compared.
fn unreadable_row(u: &UnreadableRun) -> AnyView {
    let id = u.id.0.clone();
    view! {
        <tr class="run-list__row run-list__row--unreadable" data-run-id=id.clone()>
            <td class="run-list__select"></td>
            <td><span class="run-status" data-status="unreadable" data-tone="bad">"unreadable"</span></td>
            <td class="run-list__scenario">
                <a href=format!("/history/{id}") class="run-list__link">{id.clone()}</a>
            </td>
            <td colspan="8" class="run-list__unreadable">
                {format!("This version cannot read this run ({}).", u.unreadable)}
            </td>
        </tr>
    }
    .into_any()
}

/// A run's row: a link to its page, a checkbox to compare it, its figures.
fn run_row(run: &RunInfo, selected: RwSignal<Vec<(String, u64)>>) -> AnyView {
    let row = HistoryRow::of(run);
    let HistoryRow {
        id, created_at_ms, ..
    } = row.clone();
    let href = format!("/history/{id}");
    // The name, and again as the link's title (the table cuts a long one).
    let scenario = row.scenario.clone();
    let id_for_check = id.clone();
    let is_selected =
        Memo::new(move |_| selected.with(|s| s.iter().any(|(x, _)| *x == id_for_check)));
    let toggle = {
        let id = id.clone();
        move |_| selected.update(|s| compare::toggle_selected(s, &id, created_at_ms))
    };
    view! {
        <tr class="run-list__row" class:run-list__row--selected=is_selected data-run-id=id.clone()>
            <td class="run-list__select">
                <input
                    type="checkbox"
                    data-action="select-run"
                    aria-label=format!("Select run {id} for comparison")
                    prop:checked=is_selected
                    on:change=toggle
                />
            </td>
            <td inner_html=badge(|h| status_badge_markup(h, row.status))></td>
            <td class="run-list__scenario">
                <a href=href class="run-list__link" title=row.scenario>{scenario}</a>
                <span class="run-list__id">{id.clone()}</span>
            </td>
            <td class="run-list__type">{row.test_type}</td>
            <td class="run-list__time tabular" title=shared::report::rfc3339_utc(created_at_ms)>
                {local_time(created_at_ms)}
            </td>
            <td class="num">{row.duration}</td>
            <td class="num run-list__requests">{row.requests}</td>
            <td class="num">{row.rps}</td>
            <td class="num">{row.p95}</td>
            <td class="num" class:run-list__errors=row.has_errors>{row.error_rate}</td>
            <td inner_html=badge(|h| verdict_badge_markup(h, row.verdict))></td>
        </tr>
    }
    .into_any()
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

/// The thresholds' verdict as a coloured word (`–` before there is one).
pub fn verdict_badge_markup(h: &mut Html, verdict: Verdict) {
    h.el(
        "span",
        &[("class", "verdict"), ("data-verdict", verdict.key())],
        verdict.text(),
    );
}

fn badge(write: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::new();
    write(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges() {
        assert_eq!(
            badge(|h| status_badge_markup(h, RunStatus::Cancelled)),
            "<span class=\"run-status\" data-status=\"cancelled\" data-tone=\"muted\">cancelled</span>"
        );
        assert_eq!(
            badge(|h| verdict_badge_markup(h, Verdict::Unknown)),
            "<span class=\"verdict\" data-verdict=\"none\">–</span>"
        );
    }
}
