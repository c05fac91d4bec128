//! The live run page (`/`): the current (or last) run as it happens — headline tiles, a stop
//! button, alerts as they fire, then charts and tables ([`RunView`]). Before any run it
//! explains how to start one and offers one-click presets; after a run, its verdict.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{LoadOverrides, RunInfo, ScenarioRef, StartRun, TestType};
use shared::run::{RunId, RunStatus};
use shared::threshold::ThresholdResult;

use crate::api;
use crate::compare::status_tone;
use crate::components::alerts::AlertList;
use crate::components::run_view::{Plan, RunView};
use crate::components::tiles::{Phase, headline, live_tiles, summary_headline, tiles_markup};
use crate::format;
use crate::live::LiveFeed;
use crate::markup::Html;

/// Time into the run against the plan: `12 s / 1 min 00 s`; past the plan, the graceful stop
/// that lets in-flight journeys finish apart: `8 s / 8 s + 4 s graceful stop`; just `12 s`
/// when the plan is not known (yet).
pub fn progress_text(elapsed_ms: u64, planned_ms: Option<u64>) -> String {
    let s = |ms: u64| format::duration_s(ms as f64 / 1000.0);
    match planned_ms {
        // A run ends a few milliseconds after its plan even with nothing in flight: under
        // 100 ms past the plan is just the plan.
        Some(p) if p > 0 && elapsed_ms >= p + 100 => {
            format!("{0} / {0} + {1} graceful stop", s(p), s(elapsed_ms - p))
        }
        Some(p) if p > 0 => format!("{} / {}", s(elapsed_ms), s(p)),
        _ => s(elapsed_ms),
    }
}

/// Share of the plan done, 0 to 1 (none without a plan).
pub fn progress_ratio(elapsed_ms: u64, planned_ms: Option<u64>) -> Option<f64> {
    planned_ms
        .filter(|p| *p > 0)
        .map(|p| (elapsed_ms as f64 / p as f64).clamp(0.0, 1.0))
}

/// True when the Stop button can do something.
pub fn can_stop(status: RunStatus, stop_requested: bool) -> bool {
    !stop_requested && matches!(status, RunStatus::Pending | RunStatus::Running)
}

/// True when "Stop now" is offered: the run is in its graceful stop (iterations in flight are
/// finishing) and no stop-now has been asked for. A button of its own, not Stop's second
/// meaning: a double click on Stop must not cut the iterations it lets finish.
pub fn can_stop_now(status: RunStatus, requested: bool) -> bool {
    !requested && status == RunStatus::Stopping
}

/// Presets offered for a one-click start: name, label, what it does.
pub const QUICK_PRESETS: [(&str, &str, &str); 2] = [
    (
        "web_app",
        "Web app",
        "Page views and API calls at a steady arrival rate (open model).",
    ),
    (
        "api_load",
        "API load",
        "REST CRUD with 1–100 KB payloads, ramping to 20 users (closed model).",
    ),
];

/// Live run: tiles, charts, per-request table, stop, alerts.
#[component]
pub fn LivePage() -> impl IntoView {
    let feed = LiveFeed::use_context();
    let has_run = Memo::new(move |_| feed.run.with(Option::is_some));
    view! {
        <section class="page page--live">
            <Show
                when=move || has_run.get()
                fallback=move || {
                    if feed.connected.get() {
                        view! { <NoRun/> }.into_any()
                    } else {
                        view! { <p class="empty" data-empty="connecting">"Connecting to the Stampede server…"</p> }
                            .into_any()
                    }
                }
            >
                <LiveRun feed=feed/>
            </Show>
        </section>
    }
}

/// The empty state: what to do before the first run.
#[component]
fn NoRun() -> impl IntoView {
    view! {
        <div class="empty empty--live" data-empty="live">
            <h1>"No run yet"</h1>
            <p>
                "Stampede shows a run here live as it happens: throughput, latency, errors and users, "
                "second by second. Write a scenario on the " <a href="/compose">"Compose"</a>
                " page, or start a preset against the built-in demo target:"
            </p>
            <QuickLaunch/>
        </div>
    }
}

/// One-click start of a preset (a load test with the preset's own settings).
#[component]
fn QuickLaunch() -> impl IntoView {
    let feed = LiveFeed::use_context();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let launch = move |preset: &'static str| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let req = StartRun {
                scenario: ScenarioRef::Name(preset.to_owned()),
                overrides: LoadOverrides::default(),
                test_type: TestType::Load,
            };
            match api::start(&req).await {
                Ok(created) => adopt(feed, created.run_id).await,
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="quick-launch">
            {QUICK_PRESETS
                .iter()
                .map(|&(name, label, about)| {
                    view! {
                        <button
                            type="button"
                            class="quick-launch__preset"
                            data-action="quick-launch"
                            data-preset=name
                            disabled=move || busy.get()
                            on:click=move |_| launch(name)
                        >
                            <span class="quick-launch__label">"Run " {label}</span>
                            <span class="quick-launch__about">{about}</span>
                        </button>
                    }
                })
                .collect_view()}
        </div>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

/// A finished run's scenario, as it ran (its document after overrides), once more:
/// - "Run again" starts it with the run's test type, then shows the new run on the Live page;
/// - "Edit in Compose" opens it in Compose's form, as Compose's draft (it replaces the draft,
///   as loading a preset there does).
#[component]
pub(crate) fn RunAgainActions(id: String) -> impl IntoView {
    let feed = LiveFeed::use_context();
    let nav = crate::nav::Nav::use_context();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let act = move |edit: bool| {
        busy.set(true);
        error.set(None);
        let id = id.clone();
        spawn_local(async move {
            let done = match api::run(&id).await {
                Ok(detail) if edit => {
                    crate::pages::compose::save_draft(&detail.scenario_doc);
                    nav.navigate("/compose");
                    Ok(())
                }
                Ok(detail) => match api::start(&StartRun {
                    scenario: ScenarioRef::Inline(Box::new(detail.scenario_doc)),
                    overrides: LoadOverrides::default(),
                    test_type: detail.info.test_type,
                })
                .await
                {
                    Ok(created) => {
                        adopt(feed, created.run_id).await;
                        nav.navigate("/");
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                let what = if edit { "Not opened" } else { "Not started" };
                error.try_set(Some(format!("{what}: {}", e.message)));
            }
            busy.try_set(false);
        });
    };
    view! {
        <button
            type="button"
            class="button button--primary run-again"
            data-action="run-again"
            disabled=move || busy.get()
            on:click={
                let act = act.clone();
                move |_| act(false)
            }
        >
            "Run again"
        </button>
        <button
            type="button"
            class="button"
            data-action="edit-in-compose"
            disabled=move || busy.get()
            on:click=move |_| act(true)
        >
            "Edit in Compose"
        </button>
        {move || error.get().map(|e| view! { <span class="form-error" role="alert">{e}</span> })}
    }
}

/// Shows a run just started from this page, unless the live feed already has (it normally
/// announces the run itself; this covers a feed that is reconnecting).
async fn adopt(feed: LiveFeed, id: RunId) {
    let is_current = || {
        feed.run
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.id == id))
    };
    if is_current() {
        return;
    }
    if let Ok(detail) = api::run(&id.0).await
        && !is_current()
    {
        feed.run.set(Some(detail.info));
        feed.snapshots.set(Vec::new());
        feed.alerts.set(Vec::new());
        feed.summary.set(None);
    }
}

/// The current (or last) run.
#[component]
fn LiveRun(feed: LiveFeed) -> impl IntoView {
    let run_id = Memo::new(move |_| feed.run.with(|r| r.as_ref().map(|r| r.id.0.clone())));
    let status = Memo::new(move |_| {
        feed.run
            .with(|r| r.as_ref().map_or(RunStatus::Pending, |r| r.status))
    });
    let info =
        move |f: fn(&RunInfo) -> String| feed.run.with(|r| r.as_ref().map(f).unwrap_or_default());

    // The planned duration comes from the scenario as run (after overrides); once per run.
    let planned = crate::fetched::fetched(move || {
        let id = run_id.get();
        async move {
            match id {
                Some(id) => api::run(&id)
                    .await
                    .ok()
                    .map(|d| Plan::of(&d.scenario_doc.load)),
                None => None,
            }
        }
    });
    let plan = Signal::derive(move || planned.get().flatten());
    let planned_ms = move || plan.get().map(|p| p.load_ms);
    // Time so far; once over, the summary's (the whole run, graceful stop included).
    let elapsed_ms = Memo::new(move |_| {
        feed.summary
            .with(|s| s.as_ref().map(|s| s.duration_ms))
            .or_else(|| feed.snapshots.with(|s| s.last().map(|s| s.elapsed_ms)))
            .unwrap_or_else(|| feed.run.with(|r| r.as_ref().map_or(0, |r| r.duration_ms)))
    });

    // During the run: the last interval; after it: the whole run.
    let phase = Memo::new(move |_| {
        if feed.summary.with(Option::is_some) {
            Phase::Summarised
        } else if status.get().is_terminal() {
            Phase::Ended
        } else {
            Phase::Running
        }
    });
    let figures = Memo::new(move |_| {
        feed.summary.with(|sum| match sum {
            Some(sum) => summary_headline(sum),
            None => feed.snapshots.with(|s| headline(s.last())),
        })
    });
    let tiles = move || figures.with(|h| tiles_markup(&live_tiles(h, phase.get())));

    // Stop: one request at a time; the feed reports the status changes that follow. While the
    // run is stopping, "Stop now" cuts its graceful stop.
    let stop_requested = RwSignal::new(false);
    let stop_now_requested = RwSignal::new(false);
    let stop_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        // A new run gets fresh buttons. (Read, not `track`ed: a memo is computed only when
        // read, and one that is never computed never changes.)
        let _ = run_id.get();
        stop_requested.set(false);
        stop_now_requested.set(false);
        stop_error.set(None);
    });
    let stop = move |now: bool| {
        let Some(run) = feed.run.get_untracked() else {
            return;
        };
        let requested = if now {
            stop_now_requested
        } else {
            stop_requested
        };
        requested.set(true);
        stop_error.set(None);
        spawn_local(async move {
            match api::stop(&run.id, now).await {
                Ok(after) => feed.run.update(|r| {
                    if let Some(r) = r
                        && r.id == after.id
                        && !r.status.is_terminal()
                    {
                        r.status = after.status;
                    }
                }),
                Err(e) => {
                    stop_error.set(Some(e.message));
                    requested.set(false);
                }
            }
        });
    };

    let has_alerts = Memo::new(move |_| feed.alerts.with(|a| !a.is_empty()));

    view! {
        <header class="live-head">
            <div class="live-head__main">
                <h1 class="live-head__title">
                    {move || info(|r| r.scenario.clone())}
                    <span class="badge" data-status=move || status.get().as_str() data-tone=move || status_tone(status.get())>
                        {move || status.get().as_str()}
                    </span>
                </h1>
                <p class="live-head__meta">
                    <span inner_html=move || run_id.with(|i| id_markup(i.as_deref().unwrap_or_default()))></span>
                    <span class="live-head__progress" data-progress="">
                        {move || progress_text(elapsed_ms.get(), planned_ms())}
                    </span>
                </p>
            </div>
            <div class="live-head__actions">
                <button
                    type="button"
                    class="button button--danger"
                    data-action="stop"
                    disabled=move || !can_stop(status.get(), stop_requested.get())
                    hidden=move || status.get().is_terminal()
                    on:click=move |_| stop(false)
                >
                    {move || if status.get() == RunStatus::Stopping || stop_requested.get() && !status.get().is_terminal() { "Stopping…" } else { "Stop" }}
                </button>
                <button
                    type="button"
                    class="button button--danger"
                    data-action="stop-now"
                    title="Cut the iterations still in flight (counted as interrupted) instead of letting them finish"
                    hidden=move || !can_stop_now(status.get(), stop_now_requested.get())
                    on:click=move |_| stop(true)
                >
                    "Stop now"
                </button>
            </div>
            <div class="progress" aria-hidden="true">
                <div
                    class="progress__bar"
                    style:width=move || {
                        progress_ratio(elapsed_ms.get(), planned_ms()).map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default()
                    }
                ></div>
            </div>
        </header>
        {move || stop_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}

        <div class="tiles" data-tiles="live" inner_html=tiles></div>

        <Show when=move || has_alerts.get()>
            <section class="live-alerts" aria-label="Alerts">
                <h2>"Alerts"</h2>
                <AlertList alerts=feed.alerts/>
            </section>
        </Show>

        <Verdict feed=feed/>

        <RunView
            snapshots=feed.snapshots
            alerts=feed.alerts
            summary=feed.summary
            hide_alerts=true
            plan=plan
        />
    }
}

/// The thresholds after the run, one list item each: a mark, the expression, its scope and
/// the observed value.
pub fn verdict_items_markup(thresholds: &[ThresholdResult]) -> String {
    let mut h = Html::new();
    for t in thresholds {
        h.raw(if t.passed {
            r#"<li class="live-verdict__item" data-passed="true"><span class="live-verdict__mark" aria-hidden="true">✓</span><span class="sr-only">passed: </span><code>"#
        } else {
            r#"<li class="live-verdict__item" data-passed="false"><span class="live-verdict__mark" aria-hidden="true">✗</span><span class="sr-only">failed: </span><code>"#
        })
        .text(&t.expr)
        .raw("</code>");
        if let Some(r) = &t.request {
            h.raw(" (").text(r).raw(")");
        }
        h.raw(r#"<span class="muted"> — observed "#)
            .text(&t.observed_text)
            .raw("</span></li>");
    }
    h.finish()
}

/// "Run <id>", the id linking to the run's page.
fn id_markup(id: &str) -> String {
    let mut h = Html::new();
    h.raw("Run ")
        .open("a", &[("href", &["/history/", id].concat())])
        .el("code", &[("class", "live-head__id")], id)
        .close("a")
        .finish()
}

/// After the run: thresholds passed or failed, each threshold, and where to look next.
#[component]
fn Verdict(feed: LiveFeed) -> impl IntoView {
    move || {
        let (id, status) = feed
            .run
            .with(|r| r.as_ref().map(|r| (r.id.0.clone(), r.status)))?;
        let summary = feed.summary.get();
        // A run that is over without a summary: the server stopped while it ran, and marked it
        // so when it started again (the feed learns this on reconnecting).
        if summary.is_none() && status != RunStatus::Interrupted {
            return None;
        }
        let (outcome, heading, meta, items) = match &summary {
            None => (
                "interrupted",
                "Run interrupted",
                "The server stopped during this run, so it has no summary. Its intervals up to \
                 then are kept."
                    .to_owned(),
                None,
            ),
            Some(summary) => {
                let passed = summary.thresholds_passed();
                let none = summary.thresholds.is_empty();
                let early = summary.status == RunStatus::Cancelled;
                let (outcome, heading) = match (none, passed) {
                    (true, _) => ("none", "Run finished: no thresholds to check"),
                    (false, true) if early => ("passed", "Stopped early: thresholds passed so far"),
                    (false, true) => ("passed", "Thresholds passed"),
                    (false, false) => ("failed", "Thresholds failed"),
                };
                let took = format::duration_s(summary.duration_ms as f64 / 1000.0);
                let reason = summary
                    .reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let mut meta = format!("Run {} after {took}{reason}.", summary.status.as_str());
                if summary.dropped_iterations > 0 {
                    let n = summary.dropped_iterations;
                    meta.push_str(&format!(
                        " {} {} dropped: not started on time because every user in the pool \
                         was busy.",
                        format::count(n),
                        if n == 1 {
                            "iteration was"
                        } else {
                            "iterations were"
                        }
                    ));
                }
                if summary.interrupted_iterations > 0 {
                    meta.push(' ');
                    meta.push_str(&crate::compare::cut_off(summary.interrupted_iterations));
                    // A stopped run's iterations were cut by its stop (or a Stop now): a longer
                    // graceful stop is advice for runs that ended by themselves.
                    if !early {
                        meta.push_str(
                            " If requests legitimately take that long, a longer \
                             options.graceful_stop lets them finish.",
                        );
                    }
                }
                let items = (!none).then(|| verdict_items_markup(&summary.thresholds));
                (outcome, heading, meta, items)
            }
        };
        let history = format!("/history/{id}");
        let report = summary
            .is_some()
            .then(|| api::report_url(&id, "report.html"));
        Some(view! {
            <section class="live-verdict" data-verdict=outcome>
                <h2 class="live-verdict__title">{heading}</h2>
                <p class="live-verdict__meta">{meta}</p>
                {items.map(|m| view! { <ul class="live-verdict__list" inner_html=m></ul> })}
                <p class="live-verdict__links">
                    <RunAgainActions id=id.clone()/>
                    <a href=history data-link="history">"Open in History"</a>
                    {report.map(|r| view! { <a href=r target="_blank" rel="noopener">"HTML report"</a> })}
                </p>
                <div class="live-verdict__again">
                    <span class="muted">"Or start a preset:"</span>
                    <QuickLaunch/>
                </div>
            </section>
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use shared::scenario::{LoadProfile, Stage};
    use shared::units::HumanDuration;

    use super::*;

    fn d(s: u64) -> HumanDuration {
        HumanDuration(Duration::from_secs(s))
    }

    #[test]
    fn the_run_id_links_to_its_page() {
        assert_eq!(
            id_markup("r-1"),
            "Run <a href=\"/history/r-1\"><code class=\"live-head__id\">r-1</code></a>"
        );
        assert_eq!(
            id_markup(""),
            "Run <a href=\"/history/\"><code class=\"live-head__id\"></code></a>"
        );
    }

    #[test]
    fn the_plan_of_every_profile() {
        let stages = vec![
            Stage {
                duration: d(10),
                target: 20.0,
            },
            Stage {
                duration: d(20),
                target: 20.0,
            },
        ];
        let cases = [
            (
                LoadProfile::ConstantUsers {
                    users: 5,
                    duration: d(30),
                },
                Plan {
                    load_ms: 30_000,
                    open_model: false,
                },
            ),
            (
                LoadProfile::RampingUsers {
                    start_users: 0,
                    stages: stages.clone(),
                },
                Plan {
                    load_ms: 30_000,
                    open_model: false,
                },
            ),
            (
                LoadProfile::ConstantRate {
                    rate: 5.0,
                    duration: d(60),
                    max_users: 10,
                },
                Plan {
                    load_ms: 60_000,
                    open_model: true,
                },
            ),
            (
                LoadProfile::RampingRate {
                    start_rate: 0.0,
                    stages,
                    max_users: 10,
                },
                Plan {
                    load_ms: 30_000,
                    open_model: true,
                },
            ),
            (
                LoadProfile::Spike {
                    base_rate: 1.0,
                    spike_rate: 9.0,
                    spike_duration: d(5),
                    period: d(20),
                    duration: d(120),
                    max_users: 10,
                },
                Plan {
                    load_ms: 120_000,
                    open_model: true,
                },
            ),
            (
                LoadProfile::Random {
                    mean_rate: 3.0,
                    duration: d(3600),
                    max_users: 10,
                    walk: 0.0,
                    min_rate: None,
                    max_rate: None,
                    seed: None,
                },
                Plan {
                    load_ms: 3_600_000,
                    open_model: true,
                },
            ),
        ];
        for (profile, want) in cases {
            assert_eq!(Plan::of(&profile), want, "{profile:?}");
        }
    }

    #[test]
    fn progress() {
        assert_eq!(progress_text(12_000, Some(60_000)), "12 s / 1 min 00 s");
        assert_eq!(progress_text(12_000, None), "12 s");
        assert_eq!(progress_text(0, Some(0)), "0 s");
        assert_eq!(progress_text(8_000, Some(8_000)), "8 s / 8 s");
        assert_eq!(progress_text(8_040, Some(8_000)), "8 s / 8 s");
        assert_eq!(
            progress_text(11_600, Some(8_000)),
            "8 s / 8 s + 3.6 s graceful stop"
        );
        assert_eq!(progress_ratio(15_000, Some(60_000)), Some(0.25));
        assert_eq!(progress_ratio(90_000, Some(60_000)), Some(1.0));
        assert_eq!(progress_ratio(1, None), None);
    }

    #[test]
    fn status_and_stop() {
        assert!(can_stop(RunStatus::Running, false));
        assert!(can_stop(RunStatus::Pending, false));
        assert!(!can_stop(RunStatus::Running, true));
        assert!(!can_stop(RunStatus::Stopping, false));
        assert!(can_stop_now(RunStatus::Stopping, false));
        assert!(!can_stop_now(RunStatus::Stopping, true));
        assert!(!can_stop_now(RunStatus::Running, false));
        assert!(!can_stop_now(RunStatus::Pending, false));
        for s in [
            RunStatus::Completed,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::Interrupted,
        ] {
            assert!(!can_stop(s, false), "{s:?}");
            assert!(!can_stop_now(s, false), "{s:?}");
        }
    }

    #[test]
    fn verdict_items() {
        let t = |expr: &str, request: Option<&str>, passed| ThresholdResult {
            expr: expr.into(),
            request: request.map(Into::into),
            observed: None,
            observed_text: "120 ms".into(),
            passed,
        };
        let m = verdict_items_markup(&[
            t("p95 < 500ms", None, true),
            t("errors < 1%", Some("<GET />"), false),
        ]);
        assert_eq!(
            m,
            "<li class=\"live-verdict__item\" data-passed=\"true\"><span class=\"live-verdict__mark\" aria-hidden=\"true\">✓</span><span class=\"sr-only\">passed: </span><code>p95 &lt; 500ms</code><span class=\"muted\"> — observed 120 ms</span></li>\
             <li class=\"live-verdict__item\" data-passed=\"false\"><span class=\"live-verdict__mark\" aria-hidden=\"true\">✗</span><span class=\"sr-only\">failed: </span><code>errors &lt; 1%</code> (&lt;GET /&gt;)<span class=\"muted\"> — observed 120 ms</span></li>"
        );
        assert_eq!(verdict_items_markup(&[]), "");
    }
}
