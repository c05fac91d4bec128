//! History: past runs, one run, and a comparison of two. The figures are worked out in
//! [`crate::compare`]; these pages fetch, lay out and link.

use crate::focus_later;
use crate::nav::Nav;
use leptos::prelude::*;
use shared::api::{RunDetail, RunFilter};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::run::RunStatus;

use crate::api::{self, ApiError};
use crate::chart::{self, Series};
use crate::compare::{self, Figures, Overlay, Tolerance, Verdict};
use crate::components::chart::LineChart;
use crate::components::compare_table::CompareTable;
use crate::components::generator::warnings_markup;
use crate::components::run_list::{RunList, local_time, status_badge_markup, verdict_badge_markup};
use crate::components::run_view::{Plan, RunView};
use crate::components::tiles::{run_tiles, tiles_markup, unfinished_hint};
use crate::format;
use crate::live::LiveFeed;
use crate::markup::Html;

/// The report files a run can be downloaded as: `(data-report, file, label)`.
const REPORTS: [(&str, &str, &str); 4] = [
    ("html", "report.html", "HTML"),
    ("json", "report.json", "JSON"),
    ("junit.xml", "report.junit.xml", "JUnit XML"),
    ("csv", "report.csv", "CSV"),
];

fn loading() -> AnyView {
    view! { <p class="history-loading" aria-live="polite">"Loading…"</p> }.into_any()
}

fn error_notice(what: &str, e: &ApiError) -> AnyView {
    let headline = if e.status == 404 {
        let mut h = format!("{what} was not found.");
        if let Some(first) = h.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        h
    } else {
        format!("Could not load {what}.")
    };
    view! {
        <div class="history-error" role="alert">
            <p class="history-error__headline">{headline}</p>
            <p class="history-error__detail">{e.message.clone()}</p>
            <p>
                <a href="/history">"Back to history"</a>
            </p>
        </div>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

/// Past runs: filters, the table, and picking two to compare. Filters live in the query string
/// (`?status=completed&test_type=load`) so the browser's back button keeps them.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let feed = LiveFeed::use_context();
    let nav = Nav::use_context();
    let status = Memo::new(move |_| nav.query("status").and_then(|s| compare::parse_status(&s)));
    let test_type = Memo::new(move |_| {
        nav.query("test_type")
            .and_then(|s| compare::parse_test_type(&s))
    });

    // Fetch again whenever the live run starts, changes state or finishes, so a run that was
    // just stopped appears with its totals.
    let live_key = Memo::new(move |_| {
        feed.run
            .with(|r| r.as_ref().map(|r| (r.id.0.clone(), r.status)))
    });
    let page = Memo::new(move |_| compare::parse_page(nav.query("page").as_deref()));
    // One run more than a page holds: if it comes, there are older runs to page to.
    let runs = crate::fetched::fetched(move || {
        // Read: a memo only tracked is never worked out, so it would never report a change.
        let _ = live_key.get();
        feed.summary.track();
        let filter = RunFilter {
            status: status.get(),
            test_type: test_type.get(),
            limit: Some(compare::PAGE_SIZE + 1),
            offset: Some((page.get() - 1).saturating_mul(compare::PAGE_SIZE)),
            ..Default::default()
        };
        async move { api::runs(&filter).await }
    });
    let older = Memo::new(move |_| {
        runs.with(|r| matches!(r, Some(Ok(list)) if list.len() > compare::PAGE_SIZE as usize))
    });
    let selected = RwSignal::new(Vec::<(String, u64)>::new());
    let compare_href = Memo::new(move |_| selected.with(|s| compare::compare_href(s)));

    // New filters start again from the newest runs.
    let set_filters = move |status: Option<&str>, test_type: Option<&str>| {
        nav.replace(&compare::history_href(status, test_type, 1));
    };
    let go_to_page = move |to: u32| {
        nav.navigate(&compare::history_href(
            status.get_untracked().map(|s| s.as_str()),
            test_type.get_untracked().map(|t| t.as_str()),
            to,
        ));
    };
    let on_status = move |ev| {
        set_filters(
            Some(&event_target_value(&ev)),
            test_type.get_untracked().map(|t| t.as_str()),
        )
    };
    let on_type = move |ev| {
        set_filters(
            status.get_untracked().map(|s| s.as_str()),
            Some(&event_target_value(&ev)),
        )
    };
    let clear_filters = move |_| set_filters(None, None);
    let on_compare = move |_| {
        if let Some(href) = compare_href.get_untracked() {
            nav.navigate(&href);
        }
    };
    let filtered = move || status.get().is_some() || test_type.get().is_some();

    let table = move || match runs.get() {
        None => loading(),
        Some(Err(e)) => error_notice("the run history", &e),
        Some(Ok(list)) if list.is_empty() && page.get_untracked() > 1 => view! {
            <div class="history-empty">
                <p>"No runs on this page."</p>
                <button type="button" class="button" on:click=move |_| go_to_page(1)>
                    "Newest runs"
                </button>
            </div>
        }
        .into_any(),
        Some(Ok(list)) if list.is_empty() => {
            if filtered() {
                view! {
                    <div class="history-empty">
                        <p>"No runs match these filters."</p>
                        <button type="button" class="button" on:click=clear_filters>
                            "Show all runs"
                        </button>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <div class="history-empty">
                        <p>"No runs yet."</p>
                        <p class="history-empty__hint">
                            "Start one from " <a href="/compose">"Compose"</a>
                            "; finished runs are listed here with their reports."
                        </p>
                    </div>
                }
                .into_any()
            }
        }
        Some(Ok(mut list)) => {
            list.truncate(compare::PAGE_SIZE as usize);
            view! { <RunList runs=list selected=selected/> }.into_any()
        }
    };
    // Newer and older pages, once the history is longer than a page: above the table (where a
    // page change lands, at the top) and below it (where reading a page ends).
    let pager = move |label: &'static str| {
        let page = page.get();
        let shown = runs.with(|r| match r {
            Some(Ok(list)) => list.len().min(compare::PAGE_SIZE as usize),
            _ => 0,
        });
        let (first, last) = compare::page_span(page, shown)?;
        (page > 1 || older.get()).then(|| {
            view! {
                <nav class="history-pager" aria-label=label>
                    <button
                        type="button"
                        class="button"
                        data-action="newer"
                        disabled=page == 1
                        on:click=move |_| go_to_page(page - 1)
                    >
                        "← Newer"
                    </button>
                    <span class="history-pager__span" data-span="">
                        {format!("Runs {first}–{last}")}
                    </span>
                    <button
                        type="button"
                        class="button"
                        data-action="older"
                        disabled=!older.get()
                        on:click=move |_| go_to_page(page + 1)
                    >
                        "Older →"
                    </button>
                </nav>
            }
        })
    };

    view! {
        <section class="page page--history">
            <header class="history-head">
                <h1>"History"</h1>
                <div class="history-filters">
                    <label class="history-filter">
                        <span>"Status"</span>
                        <select
                            data-filter="status"
                            on:change=on_status
                            prop:value=move || status.get().map_or("", |s| s.as_str())
                        >
                            <option value="">"All"</option>
                            {compare::STATUSES
                                .map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <label class="history-filter">
                        <span>"Test type"</span>
                        <select
                            data-filter="test_type"
                            on:change=on_type
                            prop:value=move || test_type.get().map_or("", |t| t.as_str())
                        >
                            <option value="">"All"</option>
                            {compare::TEST_TYPES
                                .map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                </div>
                <div class="history-compare">
                    <span class="history-compare__hint" aria-live="polite">
                        {move || match selected.with(Vec::len) {
                            0 => "Tick two runs to compare them.".to_owned(),
                            1 => "1 run selected — tick one more.".to_owned(),
                            2 => "2 runs selected.".to_owned(),
                            n => format!("{n} runs selected — compare takes exactly two."),
                        }}
                    </span>
                    <Show when=move || selected.with(|s| !s.is_empty())>
                        <button type="button" class="button button--quiet" on:click=move |_| selected.set(Vec::new())>
                            "Clear"
                        </button>
                    </Show>
                    <button
                        type="button"
                        class="button button--primary"
                        data-action="compare"
                        disabled=move || compare_href.with(Option::is_none)
                        on:click=on_compare
                    >
                        "Compare"
                    </button>
                </div>
            </header>
            {move || pager("History pages, top")}
            {table}
            {move || pager("History pages, bottom")}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

/// One past (or current) run: header, thresholds, checks, totals, charts, reports.
#[component]
pub fn RunPage(
    /// The run's id, from the path.
    id: String,
) -> impl IntoView {
    let feed = LiveFeed::use_context();
    let id = Signal::stored(id);
    // True while the live feed's run is this one (running or just ended): the page then
    // follows the feed's snapshots, alerts and summary.
    let follow = Memo::new(move |_| {
        let id = id.get();
        feed.run.with(|r| r.as_ref().is_some_and(|r| r.id.0 == id))
    });
    // True while this run is going on: everything is fetched again once it ends.
    let live = Memo::new(move |_| {
        follow.get()
            && feed
                .run
                .with(|r| r.as_ref().is_some_and(|r| !r.status.is_terminal()))
    });
    let data = crate::fetched::fetched(move || {
        let id = id.get();
        let _ = live.get();
        async move { api::run_with_series(&id).await }
    });
    let stored: Memo<Vec<MetricsSnapshot>> = Memo::new(move |_| {
        data.with(|d| d.as_ref().map(|(_, series)| series.clone()))
            .unwrap_or_default()
    });
    // Drawn again only when loading ends or fails, or the feed moves to or from this run: the
    // fetch at the run's end updates the page in place (no flicker, scroll and hover kept).
    let loaded = Memo::new(move |_| {
        data.with(|d| {
            d.as_ref()
                .map_or(0u32, |(d, _)| if d.is_ok() { 1 } else { 2 })
        })
    });

    let body = move || {
        let follow = follow.get();
        // Read, not just tracked: a memo is worked out when read, and one never read has no
        // sources to tell it of a change.
        let _ = loaded.get();
        match data.with_untracked(|d| d.as_ref().map(|(detail, _)| detail.clone())) {
            None => loading(),
            // A run the server cannot read (a value a newer version stored) can still be
            // deleted, here as from its run list row's link.
            Some(Err(e)) if e.status == 500 => view! {
                {error_notice(&format!("run \"{}\"", id.get_untracked()), &e)}
                <DeleteRun id=id.get_untracked()/>
            }
            .into_any(),
            Some(Err(e)) => error_notice(&format!("run \"{}\"", id.get_untracked()), &e),
            Some(Ok(d)) => run_detail(d, data, follow, live, stored).into_any(),
        }
    };
    view! { <section class="page page--run">{body}</section> }
}

/// Deletes the run, after asking in place (a dialog may be blocked inside a host's frame);
/// then back to History. Its place is hidden while the run goes on (the server refuses to
/// delete it).
#[component]
fn DeleteRun(id: String) -> impl IntoView {
    let nav = Nav::use_context();
    let asking = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    // Focus follows the question: to the safe answer when it is asked, back to the button when
    // it is answered "Keep" (or Escape), so the keyboard never drops to the page's start.
    let ask = move |_| {
        error.set(String::new());
        asking.set(true);
        focus_later(".run-delete__no");
    };
    let keep = move || {
        asking.set(false);
        focus_later(".run-delete__ask");
    };
    let delete = move |_| {
        busy.set(true);
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match api::delete_run(&id).await {
                Ok(()) => nav.navigate("/history"),
                Err(e) => {
                    error.set(format!("Not deleted: {}", e.message));
                    busy.set(false);
                    asking.set(false);
                }
            }
        });
    };
    view! {
        <div class="run-delete">
            <button class="button run-delete__ask" hidden=asking on:click=ask>"Delete run"</button>
            <div
                class="run-delete__confirm"
                role="group"
                aria-label="Delete this run?"
                hidden=move || !asking.get()
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        keep();
                    }
                }
            >
                <span>"Delete this run and its reports?"</span>
                <button class="button button--danger run-delete__yes" disabled=busy on:click=delete>"Delete"</button>
                <button class="button run-delete__no" on:click=move |_| keep()>"Keep"</button>
            </div>
            <p class="run-delete__error" role="alert">{error}</p>
        </div>
    }
}

/// A run's report links (`a.run-reports__link`), each downloading as `stampede-<id>.<ext>`.
pub fn reports_markup(id: &str) -> String {
    let mut h = Html::new();
    for (key, file, label) in REPORTS {
        let download = format!("stampede-{id}.{}", file.trim_start_matches("report."));
        h.el(
            "a",
            &[
                ("class", "button run-reports__link"),
                ("href", &api::report_url(id, file)),
                ("download", &download),
                ("data-report", key),
            ],
            label,
        );
    }
    h.finish()
}

/// The value of a run's meta item: text or a badge.
#[derive(Debug, Clone, Copy)]
pub enum MetaValue<'a> {
    /// Plain text.
    Text(&'a str),
    /// A status badge.
    Status(shared::run::RunStatus),
    /// A verdict badge.
    Verdict(Verdict),
}

/// A run's meta list items (`div.run-meta__item` with `dt` and `dd`), for a `dl.run-meta`.
pub fn meta_markup(items: &[(&str, MetaValue<'_>)]) -> String {
    let mut h = Html::new();
    for (label, value) in items {
        h.raw(r#"<div class="run-meta__item"><dt>"#)
            .text(label)
            .raw("</dt><dd>");
        match *value {
            MetaValue::Text(t) => {
                h.text(t);
            }
            MetaValue::Status(s) => status_badge_markup(&mut h, s),
            MetaValue::Verdict(v) => verdict_badge_markup(&mut h, v),
        }
        h.raw("</dd></div>");
    }
    h.finish()
}

/// The thresholds' and the checks' sections of a run (side by side), from its summary; before
/// there is one, a note that they come at the end, or, for a run that `ended` without one (an
/// interrupted run), that they never will.
pub fn run_columns_markup(summary: Option<&RunSummary>, ended: bool) -> String {
    let mut h = Html::new();
    h.raw(r#"<section class="run-section" aria-labelledby="run-thresholds"><h2 id="run-thresholds">Thresholds</h2>"#);
    match summary.map(|s| s.thresholds.as_slice()) {
        None if ended => h.raw(
            r#"<p class="run-empty">Not judged: the run ended without a summary (partial results).</p>"#,
        ),
        None => h.raw(r#"<p class="run-empty">Thresholds are judged when the run ends.</p>"#),
        Some([]) => h.raw(r#"<p class="run-empty">This scenario has no thresholds.</p>"#),
        Some(thresholds) => {
            h.raw(concat!(
                r#"<div class="table-scroll"><table class="run-table run-thresholds"><thead><tr>"#,
                r#"<th scope="col">Threshold</th><th scope="col">Applies to</th>"#,
                r#"<th scope="col" class="num">Observed</th><th scope="col">Result</th>"#,
                "</tr></thead><tbody>"
            ));
            for t in thresholds {
                let (passed, verdict, result) = if t.passed {
                    ("true", "passed", "pass")
                } else {
                    ("false", "failed", "fail")
                };
                h.raw(r#"<tr data-threshold=""#)
                    .text(&t.expr)
                    .raw(r#"" data-passed=""#)
                    .raw(passed)
                    .raw(r#""><td class="mono">"#)
                    .text(&t.expr)
                    .raw("</td><td>")
                    .text(t.request.as_deref().unwrap_or("all requests"))
                    .raw(r#"</td><td class="num">"#)
                    .text(&t.observed_text)
                    .raw(r#"</td><td><span class="verdict" data-verdict=""#)
                    .raw(verdict)
                    .raw(r#"">"#)
                    .raw(result)
                    .raw("</span></td></tr>");
            }
            h.raw("</tbody></table></div>")
        }
    };
    h.raw(r#"</section><section class="run-section" aria-labelledby="run-checks"><h2 id="run-checks">Checks</h2>"#);
    match summary.map(|s| s.checks.as_slice()) {
        None if ended => h.raw(
            r#"<p class="run-empty">Not counted: the run ended without a summary (partial results).</p>"#,
        ),
        None => h.raw(r#"<p class="run-empty">Checks are counted when the run ends.</p>"#),
        Some([]) => h.raw(r#"<p class="run-empty">This scenario has no checks.</p>"#),
        Some(checks) => {
            h.raw(concat!(
                r#"<div class="table-scroll"><table class="run-table run-checks"><thead><tr>"#,
                r#"<th scope="col">Request</th><th scope="col">Check</th>"#,
                r#"<th scope="col" class="num">Passed</th><th scope="col" class="num">Failed</th>"#,
                r#"<th scope="col" class="num">Pass rate</th></tr></thead><tbody>"#
            ));
            for c in checks {
                let all = c.passed + c.failed;
                let rate = if all == 0 {
                    format::NONE.into()
                } else {
                    format::percent(c.passed as f64 / all as f64)
                };
                h.raw(r#"<tr data-check=""#)
                    .text(&c.check)
                    .raw(if c.failed > 0 {
                        r#"" class="run-table__row--bad"><td>"#
                    } else {
                        r#""><td>"#
                    });
                h.text(&c.request)
                    .raw(r#"</td><td class="mono">"#)
                    .text(&c.check)
                    .raw(r#"</td><td class="num">"#)
                    .text(&format::count(c.passed))
                    .raw(r#"</td><td class="num">"#)
                    .text(&format::count(c.failed))
                    .raw(r#"</td><td class="num">"#)
                    .text(&rate)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table></div>")
        }
    };
    h.raw("</section>").finish()
}

/// What the run page fetches: the run, and its series.
type Fetched = (Result<RunDetail, ApiError>, Vec<MetricsSnapshot>);

/// A run's page, drawn once per load: what changes as a followed run ends (status, summary,
/// verdict, end time, tiles, the live note) is updated in place.
fn run_detail(
    d: RunDetail,
    data: ReadSignal<Option<Fetched>>,
    follow: bool,
    live: Memo<bool>,
    stored: Memo<Vec<MetricsSnapshot>>,
) -> impl IntoView {
    let feed = LiveFeed::use_context();
    let plan = Some(Plan::of(&d.scenario_doc.load));
    let RunDetail {
        info,
        summary,
        alerts,
        ..
    } = d;
    let id = info.id.0;
    let interrupted_reason = info.interrupted_reason;
    // The followed run's status moves on (running → stopping → completed) before it is
    // fetched again.
    let fetched = info.status;
    let (status, summary, snapshots, alerts): (_, _, Signal<Vec<MetricsSnapshot>>, _) = if follow {
        (
            Signal::derive(move || feed.run.with(|r| r.as_ref().map_or(fetched, |r| r.status))),
            Signal::from(feed.summary),
            Signal::from(feed.snapshots),
            Signal::from(feed.alerts),
        )
    } else {
        (
            Signal::stored(fetched),
            Signal::stored(summary),
            stored.into(),
            Signal::stored(alerts),
        )
    };
    // A run over without a summary: a followed run gets its summary right after its last
    // status, unless the server stopped during it (interrupted).
    let ended = move || {
        let s = status.get();
        if follow {
            s == RunStatus::Interrupted
        } else {
            s.is_terminal()
        }
    };
    let meta = move || {
        data.with(|x| {
            let Some((Ok(d), _)) = x else {
                return String::new();
            };
            let i = &d.info;
            let verdict = Verdict::of(
                i.thresholds_passed
                    .or_else(|| d.summary.as_ref().and_then(RunSummary::verdict)),
                status.get(),
            );
            let ended = i
                .ended_at_ms
                .map_or_else(|| format::NONE.into(), local_time);
            // A followed run's time so far comes with its snapshots.
            let ran = if follow {
                snapshots.with(|s| s.last().map_or(0, |s| s.elapsed_ms))
            } else {
                0
            };
            let started = local_time(i.created_at_ms);
            let duration = compare::duration_ms(i.duration_ms.max(ran));
            let load = d.scenario_doc.load.describe();
            let mut items = vec![
                ("Status", MetaValue::Status(status.get())),
                ("Verdict", MetaValue::Verdict(verdict)),
                ("Type", MetaValue::Text(i.test_type.as_str())),
                ("Started", MetaValue::Text(&started)),
                ("Ended", MetaValue::Text(&ended)),
                ("Duration", MetaValue::Text(&duration)),
            ];
            // What the run aimed at, and how hard. A run records the server's target when its
            // scenario named none; one stored before that, or one of full URLs only run without
            // any target, shows none.
            if let Some(target) = &d.scenario_doc.target {
                items.push(("Target", MetaValue::Text(target)));
            }
            items.push(("Load", MetaValue::Text(&load)));
            meta_markup(&items)
        })
    };
    // Totals from the summary, or from the latest snapshot while there is none.
    let tiles = move || {
        summary.with(|s| {
            snapshots.with(|snaps| {
                let (s, last) = (s.as_ref(), snaps.last());
                let count = |n: Option<u64>| n.map_or_else(|| format::NONE.into(), format::count);
                let unfinished = s
                    .map(|s| (s.interrupted_iterations, s.dropped_iterations))
                    .or(last.map(|l| (l.interrupted_iterations, l.dropped_iterations)))
                    .map_or_else(String::new, |(i, d)| unfinished_hint(i, d));
                tiles_markup(&run_tiles(
                    s.map(|s| &s.total).or(last.map(|l| &l.total)),
                    &count(s.map(|s| s.iterations).or(last.map(|l| l.iterations))),
                    unfinished,
                    &count(s.map(|s| s.peak_users)),
                ))
            })
        })
    };

    view! {
        <header class="run-head">
            <div class="run-head__main">
                <p class="run-head__crumbs">
                    <a href="/history">"History"</a>
                    " / "
                    <span class="mono">{id.clone()}</span>
                </p>
                <h1>{info.scenario}</h1>
                <dl class="run-meta" inner_html=meta></dl>
            </div>
            <div class="run-head__side">
                <nav class="run-reports" aria-labelledby="run-reports">
                    <h2 id="run-reports" class="run-reports__label">"Download report"</h2>
                    <div class="run-reports__links" inner_html=reports_markup(&id)></div>
                </nav>
                // Hidden while the run goes on: it cannot be run again or deleted yet.
                <div class="run-head__actions" hidden=live>
                    <crate::pages::live::RunAgainActions id=id.clone()/>
                    <DeleteRun id=id.clone()/>
                </div>
            </div>
        </header>
        <div class="run-live" role="status" hidden=move || !live.get()>
            <p>"This run is in progress."</p>
            <a class="button button--primary" href="/">"Watch it live"</a>
        </div>
        <p class="run-reason" role="note">
            {move || summary.with(|s| reason_text(s.as_ref(), interrupted_reason.as_deref()))}
        </p>
        <section class="run-section" aria-labelledby="run-totals">
            <h2 id="run-totals" class="visually-hidden">"Totals"</h2>
            <div class="run-tiles" inner_html=tiles></div>
        </section>
        <div class="run-columns" inner_html=move || summary.with(|s| run_columns_markup(s.as_ref(), ended()))></div>
        <section class="run-section" aria-labelledby="run-charts">
            <h2 id="run-charts" class="visually-hidden">"Charts and requests"</h2>
            <RunView snapshots=snapshots alerts=alerts summary=summary plan=Signal::stored(plan)/>
        </section>
    }
}

/// Why the run ended as it did, when that is known: its summary's reason, or, for a run
/// interrupted without a summary, the reason the history stored.
fn reason_text(summary: Option<&RunSummary>, interrupted: Option<&str>) -> Option<String> {
    summary
        .and_then(|s| s.reason.clone())
        .or_else(|| interrupted.map(str::to_owned))
}

// ---------------------------------------------------------------------------------------------
// Compare
// ---------------------------------------------------------------------------------------------

/// What the compare page loads for each run.
#[derive(Debug, Clone)]
struct Loaded {
    detail: RunDetail,
    series: Vec<MetricsSnapshot>,
}

async fn load(id: String) -> Result<Loaded, ApiError> {
    let (detail, series) = api::run_with_series(&id).await;
    Ok(Loaded {
        detail: detail?,
        series,
    })
}

/// Two runs side by side: the older is the baseline (`a`), the newer the candidate (`b`).
#[component]
pub fn ComparePage() -> impl IntoView {
    let nav = Nav::use_context();
    let ids = Memo::new(move |_| {
        (
            nav.query("a").unwrap_or_default(),
            nav.query("b").unwrap_or_default(),
        )
    });
    // A compared run that is still running is fetched again when it ends (its summary comes
    // down the live feed), so the page does not go on calling a finished run "still running".
    let feed = LiveFeed::use_context();
    let compared_run_ended = Memo::new(move |_| {
        ids.with(|(a, b)| {
            feed.run
                .with(|r| r.as_ref().is_some_and(|r| r.id.0 == *a || r.id.0 == *b))
        }) && feed.summary.with(Option::is_some)
    });
    let data = crate::fetched::fetched(move || {
        let (a, b) = ids.get();
        // Read, not only tracked: a memo nobody reads is never computed, so it never changes.
        let _ = compared_run_ended.get();
        async move {
            if a.is_empty() || b.is_empty() {
                return None;
            }
            let (a, b) = futures_util::future::join(load(a), load(b)).await;
            Some((a, b))
        }
    });

    let body = move || match data.get() {
        None => loading(),
        Some(None) => view! {
            <div class="history-empty">
                <p>"Pick two runs to compare."</p>
                <p class="history-empty__hint">
                    "In " <a href="/history">"History"</a> ", tick two runs and press Compare."
                </p>
            </div>
        }
        .into_any(),
        Some(Some((Err(e), _))) => error_notice("the baseline run", &e),
        Some(Some((_, Err(e)))) => error_notice("the candidate run", &e),
        Some(Some((Ok(a), Ok(b)))) => comparison(a, b).into_any(),
    };
    view! {
        <section class="page page--compare">
            <p class="run-head__crumbs">
                <a href="/history">"History"</a>
                " / Compare"
            </p>
            <h1>"Compare runs"</h1>
            {body}
        </section>
    }
}

fn run_card(role: &'static str, l: &Loaded) -> impl IntoView + use<> {
    let info = &l.detail.info;
    let id = info.id.0.clone();
    let verdict = Verdict::of(info.thresholds_passed, info.status);
    view! {
        <article class="compare-card" data-side=role.to_ascii_lowercase()>
            <p class="compare-card__role">{role}</p>
            <h2 class="compare-card__scenario">
                <a href=format!("/history/{id}")>{info.scenario.clone()}</a>
            </h2>
            <p class="compare-card__id mono">{id.clone()}</p>
            <dl class="run-meta run-meta--compact" inner_html=meta_markup(&[
                ("Started", MetaValue::Text(&local_time(info.created_at_ms))),
                ("Duration", MetaValue::Text(&compare::duration_ms(info.duration_ms))),
                ("Type", MetaValue::Text(info.test_type.as_str())),
                ("Status", MetaValue::Status(info.status)),
                ("Verdict", MetaValue::Verdict(verdict)),
            ])></dl>
        </article>
    }
}

/// The two runs' lines, named by role: the cards above say which run is which.
fn overlay(a: &Loaded, b: &Loaded, what: Overlay) -> Vec<Series> {
    vec![
        compare::overlay_series(&a.series, what, "Baseline", chart::color(0)),
        compare::overlay_series(&b.series, what, "Candidate", chart::color(1)),
    ]
}

fn comparison(a: Loaded, b: Loaded) -> impl IntoView {
    let rows = match (Figures::of_run(&a.detail), Figures::of_run(&b.detail)) {
        (Some(fa), Some(fb)) => Some(compare::compare(fa, fb, Tolerance::DEFAULT)),
        _ => None,
    };
    let (worse, better) = rows.as_deref().map(compare::tally).unwrap_or_default();
    let swap = format!("/compare?a={}&b={}", b.detail.info.id, a.detail.info.id);
    let throughput = Signal::stored(overlay(&a, &b, Overlay::Throughput));
    let latency = Signal::stored(overlay(&a, &b, Overlay::P95));
    let verdict_line = compare::tally_line(worse, better, Tolerance::DEFAULT);
    let regressed = worse > 0;
    // A run that did not complete normally: its deltas may reflect that, not the system.
    let notes = compare::notes((&a.detail).into(), (&b.detail).into());
    let partial = (!notes.is_empty())
        .then(|| warnings_markup("Not a like-for-like comparison", &notes))
        .map(|m| view! { <div class="callout callout--warn" role="note" data-warning="partial" inner_html=m></div> });
    let table = match rows {
        Some(rows) => view! {
            <p class="compare-tally" data-regressions=worse data-improvements=better class:compare-tally--worse=regressed>
                {verdict_line}
            </p>
            <CompareTable rows=rows/>
        }
        .into_any(),
        None => view! { <p class="run-empty">"One of the runs has no figures yet (no snapshot was recorded)."</p> }
            .into_any(),
    };
    view! {
        <div class="compare-cards">
            {run_card("Baseline", &a)}
            <a class="button button--quiet compare-swap" href=swap title="Swap baseline and candidate">
                "⇄ Swap"
            </a>
            {run_card("Candidate", &b)}
        </div>
        {partial}
        <div class="compare-body">
            <section class="run-section compare-figures" aria-label="Figures compared">
                {table}
            </section>
            <section class="run-section compare-charts" aria-label="Over time">
                <LineChart title="Throughput over time" y_unit="req/s" series=throughput name="throughput"/>
                <LineChart title="p95 latency over time" y_unit="ms" series=latency name="latency"/>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use shared::metrics::CheckStats;
    use shared::threshold::ThresholdResult;

    use super::*;
    use crate::components::fixtures::summary;

    /// An interrupted run has no summary; its page says why from the stored run.
    #[test]
    fn the_reason_is_the_summary_s_or_the_interruption_s() {
        let why = "the server stopped before the run's end was stored";
        assert_eq!(reason_text(None, Some(why)).as_deref(), Some(why));
        assert_eq!(reason_text(None, None), None);
        let failed = RunSummary {
            reason: Some("threshold p(95) < 200ms failed".into()),
            ..summary()
        };
        assert_eq!(
            reason_text(Some(&failed), None).as_deref(),
            Some("threshold p(95) < 200ms failed")
        );
        assert_eq!(reason_text(Some(&summary()), None), summary().reason);
    }

    #[test]
    fn columns_before_the_end_and_without_any() {
        let before = run_columns_markup(None, false);
        assert_eq!(
            before,
            "<section class=\"run-section\" aria-labelledby=\"run-thresholds\"><h2 id=\"run-thresholds\">Thresholds</h2><p class=\"run-empty\">Thresholds are judged when the run ends.</p></section>\
             <section class=\"run-section\" aria-labelledby=\"run-checks\"><h2 id=\"run-checks\">Checks</h2><p class=\"run-empty\">Checks are counted when the run ends.</p></section>"
        );
        let interrupted = run_columns_markup(None, true);
        assert!(
            interrupted
                .contains(">Not judged: the run ended without a summary (partial results).<")
                && interrupted.contains(">Not counted: the run ended without a summary"),
            "{interrupted}"
        );
        let none = run_columns_markup(Some(&summary()), false);
        assert!(
            none.contains(">This scenario has no thresholds.<"),
            "{none}"
        );
        assert!(none.contains(">This scenario has no checks.<"), "{none}");
    }

    #[test]
    fn threshold_and_check_rows() {
        let mut s = summary();
        s.thresholds = vec![
            ThresholdResult {
                expr: "p95 < 500ms".into(),
                request: None,
                observed: Some(120.0),
                observed_text: "120 ms".into(),
                passed: true,
            },
            ThresholdResult {
                expr: "errors < 1% & \"x\"".into(),
                request: Some("<b>GET</b>".into()),
                observed: Some(0.2),
                observed_text: "20%".into(),
                passed: false,
            },
        ];
        s.checks = vec![
            CheckStats {
                request: "GET /".into(),
                check: "status in [200]".into(),
                passed: 1500,
                failed: 500,
            },
            CheckStats {
                request: "GET /x".into(),
                check: "body <script>".into(),
                passed: 0,
                failed: 0,
            },
        ];
        let m = run_columns_markup(Some(&s), true);
        assert!(m.contains(
            "<div class=\"table-scroll\"><table class=\"run-table run-thresholds\"><thead><tr><th scope=\"col\">Threshold</th><th scope=\"col\">Applies to</th><th scope=\"col\" class=\"num\">Observed</th><th scope=\"col\">Result</th></tr></thead><tbody>"
        ), "{m}");
        assert!(m.contains(
            "<tr data-threshold=\"p95 &lt; 500ms\" data-passed=\"true\"><td class=\"mono\">p95 &lt; 500ms</td><td>all requests</td><td class=\"num\">120 ms</td><td><span class=\"verdict\" data-verdict=\"passed\">pass</span></td></tr>"
        ), "{m}");
        assert!(m.contains(
            "<tr data-threshold=\"errors &lt; 1% &amp; &quot;x&quot;\" data-passed=\"false\"><td class=\"mono\">errors &lt; 1% &amp; &quot;x&quot;</td><td>&lt;b&gt;GET&lt;/b&gt;</td><td class=\"num\">20%</td><td><span class=\"verdict\" data-verdict=\"failed\">fail</span></td></tr>"
        ), "{m}");
        assert!(m.contains(
            "<tr data-check=\"status in [200]\" class=\"run-table__row--bad\"><td>GET /</td><td class=\"mono\">status in [200]</td><td class=\"num\">1,500</td><td class=\"num\">500</td><td class=\"num\">75.00%</td></tr>"
        ), "{m}");
        assert!(m.contains(
            "<tr data-check=\"body &lt;script&gt;\"><td>GET /x</td><td class=\"mono\">body &lt;script&gt;</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">–</td></tr>"
        ), "{m}");
        assert!(!m.contains("<script>") && !m.contains("<b>"));
        assert!(m.ends_with("</tbody></table></div></section>"));
    }

    #[test]
    fn report_links_download_under_the_run_id() {
        let m = reports_markup("r-1");
        assert!(m.starts_with(
            "<a class=\"button run-reports__link\" href=\"/api/runs/r-1/report.html\" download=\"stampede-r-1.html\" data-report=\"html\">HTML</a>"
        ), "{m}");
        assert!(m.contains(
            "href=\"/api/runs/r-1/report.junit.xml\" download=\"stampede-r-1.junit.xml\" data-report=\"junit.xml\">JUnit XML</a>"
        ), "{m}");
        assert_eq!(m.matches("<a ").count(), REPORTS.len());
        // Ids come from the server; an odd one is escaped, not markup.
        assert!(reports_markup("\"><b>").contains("stampede-&quot;&gt;&lt;b&gt;.html"));
    }

    #[test]
    fn meta_items_text_and_badges() {
        let m = meta_markup(&[
            ("Status", MetaValue::Status(shared::run::RunStatus::Failed)),
            ("Verdict", MetaValue::Verdict(Verdict::Passed)),
            ("Type", MetaValue::Text("<load>")),
        ]);
        assert_eq!(
            m,
            "<div class=\"run-meta__item\"><dt>Status</dt><dd><span class=\"run-status\" data-status=\"failed\" data-tone=\"bad\">failed</span></dd></div>\
             <div class=\"run-meta__item\"><dt>Verdict</dt><dd><span class=\"verdict\" data-verdict=\"passed\">passed</span></dd></div>\
             <div class=\"run-meta__item\"><dt>Type</dt><dd>&lt;load&gt;</dd></div>"
        );
        assert_eq!(meta_markup(&[]), "");
    }
}
