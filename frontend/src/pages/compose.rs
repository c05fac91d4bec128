//! The compose page: build a scenario with forms or as YAML/JSON text, check it, save it, and
//! launch it.
//!
//! Both views edit one scenario. Form edits are read locally ([`ScenarioForm::to_scenario`]);
//! after a pause the scenario goes to `POST /api/scenarios/validate`, whose answer brings the
//! problems and the YAML for the text view. Text edits go to the same endpoint as text, and a
//! scenario that could be read replaces the form. A generation counter drops answers that a
//! newer edit has overtaken. The browser never parses YAML; the server does.

use crate::focus_later;
use crate::nav::Nav;
use gloo_timers::future::TimeoutFuture;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{LoadOverrides, Preset, Problem, ScenarioEntry, ScenarioRef, StartRun, TestType};
use shared::scenario::Scenario;
use shared::units::plural;

use crate::api::{self, ApiError};
use crate::components::scenario_editor::fields::dyn_view;
use crate::components::scenario_editor::{Editor, ScenarioEditor};
use crate::scenario_form::{
    PlacedProblems, ScenarioForm, form_problems, markup, place, text_offset,
};
use wasm_bindgen::JsCast;

/// Pause after the last keystroke before asking the server.
const DEBOUNCE_MS: u32 = 400;
/// Session storage key of the draft, so leaving the page (to watch a run) keeps the work.
const DRAFT_KEY: &str = "stampede.compose.draft";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Form,
    Text,
}

/// Where a check came from, which decides what its answer updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A form edit: the answer's YAML replaces the text while the form is shown.
    Form,
    /// A text edit: the answer's scenario replaces the form.
    Text,
    /// A preset or saved scenario was loaded, or the view switched: the text follows.
    Loaded,
    /// The view switched to the form: the text follows only if it could be read. Text that
    /// cannot be read is kept for the user to fix, until they edit the form instead.
    ToForm,
}

#[derive(Debug, Clone, PartialEq)]
enum CheckState {
    Checking,
    Done { valid: bool },
    Offline(String),
}

/// A question asked in place before a saved scenario is lost (not `window.confirm`: the panel
/// may be in a frame where dialogs are blocked).
#[derive(Debug, Clone, PartialEq)]
enum Ask {
    /// Save over the saved scenario of this name.
    Replace(String),
    /// Delete the saved scenario of this name.
    Delete(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Info(String),
    Error(String),
    /// 409: another run is going on.
    Busy {
        run_id: Option<String>,
    },
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn load_draft() -> Option<Scenario> {
    let text = session()?.get_item(DRAFT_KEY).ok()??;
    crate::json::from_str(&text).ok()
}

/// Keeps `s` as Compose's draft: the form opens with it (also from another page's "Edit in
/// Compose").
pub(crate) fn save_draft(s: &Scenario) {
    if let (Some(store), Ok(text)) = (session(), crate::json::to_string(s)) {
        // A full or disabled storage only loses the draft.
        let _ = store.set_item(DRAFT_KEY, &text);
    }
}

/// The document a request sends, when it is one (text is read by the server).
fn sent_document(scenario: &ScenarioRef) -> Option<Scenario> {
    match scenario {
        ScenarioRef::Inline(s) => Some(s.as_ref().clone()),
        ScenarioRef::Text(_) | ScenarioRef::Name(_) => None,
    }
}

/// Compose a scenario with forms or as text, and launch it.
#[component]
pub fn ComposePage() -> impl IntoView {
    let nav = Nav::use_context();
    let form = RwSignal::new(
        load_draft()
            .map(|s| ScenarioForm::from_scenario(&s))
            .unwrap_or_default(),
    );
    let text = RwSignal::new(String::new());
    let mode = RwSignal::new(Mode::Form);
    // The server's last answer and the document it is about (set first: the problems' change
    // is what reruns their placing).
    let server = RwSignal::new(Vec::<Problem>::new());
    let checked = StoredValue::new(None::<Scenario>);
    let check_state = RwSignal::new(CheckState::Checking);
    let text_readable = RwSignal::new(true);
    let notice = RwSignal::new(None::<Notice>);
    // `None` until loaded: the preset menu appears with its options, never empty.
    let presets = RwSignal::new(None::<Vec<Preset>>);
    let saved = RwSignal::new(Vec::<ScenarioEntry>::new());
    let save_name = RwSignal::new(String::new());
    // The saved scenario the form was opened from or last saved as: saving under that name
    // again is editing it, so it is not asked about; any other saved name is (see `save`).
    // A draft restored when the page opens has none, so its first save over a name asks.
    let opened = RwSignal::new(None::<String>);
    let asking = RwSignal::new(None::<Ask>);
    let busy = RwSignal::new(false);
    let generation = StoredValue::new(0u64);
    let last_checked = StoredValue::new(None::<Scenario>);
    // The text last typed that could be read, and what it reads as: the text view shows it
    // again (comments, order and all) while the form describes that same document, instead of
    // the server's YAML for it.
    let (typed_doc, typed) = (
        StoredValue::new(None::<Scenario>),
        RwSignal::new(String::new()),
    );
    let text_area = NodeRef::<html::Textarea>::new();
    let recheck_text = RwSignal::new(0u64);

    let parsed = Memo::new(move |_| form.with(ScenarioForm::to_scenario));
    // True when some field of the form cannot be read.
    let unreadable = move || parsed.with(|r| r.as_ref().is_err_and(|e| !e.is_empty()));
    // The form shows its own reading problems, and the server's while they are about what the
    // form holds (see `form_problems`). Each problem is placed once, at a field or in the list
    // without one.
    let placed = Memo::new(move |_| {
        let server = server.get();
        if mode.get() == Mode::Text {
            return PlacedProblems {
                unplaced: server,
                ..PlacedProblems::default()
            };
        }
        form.with(|f| {
            let all = parsed
                .with(|r| checked.with_value(|about| form_problems(f, r, about.as_ref(), &server)));
            place(f, &all)
        })
    });
    provide_context(Editor {
        form,
        problems: placed.into(),
    });

    // `about`: the document sent, when it was one (not text).
    let apply_error = move |e: ApiError, about: Option<Scenario>| match e.status {
        422 => {
            let problems = e.body.map(|b| b.problems).unwrap_or_default();
            notice.try_set(Some(Notice::Error(format!(
                "The server did not accept the scenario: {}.",
                plural(problems.len() as u64, "problem", "problems")
            ))));
            checked.try_set_value(about);
            server.try_set(problems);
            check_state.try_set(CheckState::Done { valid: false });
            // As for a field the form cannot read: the notice is in the bar, the field it is
            // about may be far down the form.
            focus_later("[data-field][aria-invalid=true]");
        }
        // A conflict with the run in progress names that run; other conflicts (a preset's
        // name on save) are said in the server's words.
        409 if e.body.as_ref().is_some_and(|b| b.run_id.is_some()) => {
            notice.try_set(Some(Notice::Busy {
                run_id: e.body.and_then(|b| b.run_id).map(|id| id.0),
            }));
        }
        _ => {
            notice.try_set(Some(Notice::Error(e.message)));
        }
    };

    // Asks the server to read `source`; the answer is applied unless a newer check started.
    let run_check = move |source: ScenarioRef, delay_ms: u32, origin: Origin| {
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        check_state.set(CheckState::Checking);
        spawn_local(async move {
            if delay_ms > 0 {
                TimeoutFuture::new(delay_ms).await;
            }
            let current = move || generation.try_get_value() == Some(mine);
            if !current() {
                return;
            }
            let answer = api::check(&source).await;
            if !current() {
                return;
            }
            let check = match answer {
                Ok(check) => check,
                Err(e) => {
                    check_state.try_set(CheckState::Offline(e.message));
                    return;
                }
            };
            // A document's problems are about it; text's, about what the server read from it.
            let (about, typed_text) = match source {
                ScenarioRef::Inline(s) => (Some(*s), None),
                ScenarioRef::Text(t) => (check.scenario.clone(), Some(t)),
                ScenarioRef::Name(_) => (check.scenario.clone(), None),
            };
            checked.try_set_value(about);
            server.try_set(check.problems);
            check_state.try_set(CheckState::Done { valid: check.valid });
            match origin {
                Origin::Text => {
                    text_readable.try_set(check.scenario.is_some());
                    if let Some(s) = check.scenario {
                        save_draft(&s);
                        if let Some(t) = typed_text {
                            typed_doc.try_set_value(Some(s.clone()));
                            typed.try_set(t);
                        }
                        let next = ScenarioForm::from_scenario(&s);
                        last_checked.try_set_value(Some(s));
                        form.try_update(|f| {
                            if *f != next {
                                *f = next;
                            }
                        });
                    }
                }
                Origin::Form | Origin::Loaded | Origin::ToForm => {
                    let on_form = mode.try_get_untracked() == Some(Mode::Form);
                    let follow = match origin {
                        Origin::Form => on_form,
                        Origin::ToForm => {
                            on_form && text_readable.try_get_untracked() == Some(true)
                        }
                        _ => true,
                    };
                    if let (true, Some(yaml)) = (follow, check.yaml) {
                        let own = typed_doc.try_with_value(|doc| {
                            doc.is_some() && checked.try_with_value(|c| c == doc) == Some(true)
                        });
                        let typed = if own == Some(true) {
                            typed.try_get_untracked()
                        } else {
                            None
                        };
                        text.try_set(typed.unwrap_or(yaml));
                        text_readable.try_set(true);
                        if mode.try_get_untracked() == Some(Mode::Text) {
                            // Problems in text mode carry line and column: read the new text.
                            recheck_text.try_update(|n| *n += 1);
                        }
                    }
                }
            }
        });
    };

    // Form edits: read locally at once, ask the server after a pause.
    Effect::new(move |prev: Option<()>| {
        let result = parsed.get();
        if mode.get_untracked() == Mode::Text {
            return;
        }
        match result {
            Ok(s) => {
                if last_checked.with_value(|l| l.as_ref() == Some(&s)) {
                    return;
                }
                // An edit that leaves every field readable answers the notice in the bar (a
                // field that could not be read, a refused launch, "Saved as …"); it goes.
                if notice.with_untracked(Option::is_some) {
                    notice.set(None);
                }
                save_draft(&s);
                last_checked.set_value(Some(s.clone()));
                let delay = if prev.is_none() { 0 } else { DEBOUNCE_MS };
                run_check(ScenarioRef::Inline(Box::new(s)), delay, Origin::Form);
            }
            Err(_) => {
                // Nothing to send; a pending check is for an older form.
                generation.update_value(|g| *g += 1);
                last_checked.set_value(None);
            }
        }
    });

    Effect::new(move |_| {
        recheck_text.track();
        if mode.get_untracked() == Mode::Text {
            run_check(ScenarioRef::Text(text.get_untracked()), 0, Origin::Text);
        }
    });

    let on_text = move |ev| {
        let v = event_target_value(&ev);
        text.set(v.clone());
        run_check(ScenarioRef::Text(v), DEBOUNCE_MS, Origin::Text);
    };

    let set_mode = move |next: Mode| {
        if mode.get_untracked() == next {
            return;
        }
        // The text view shows what the form describes; with a field that cannot be read it
        // could only show an older scenario, which would then replace the form's edits.
        if next == Mode::Text
            && let Err(errors) = parsed.get_untracked()
            && !errors.is_empty()
        {
            let n = errors.len();
            let fields = if n == 1 { "field" } else { "fields" };
            notice.set(Some(Notice::Error(format!(
                "{n} {fields} cannot be read: correct the marked {fields} before switching to \
                 the text view."
            ))));
            // The notice is in the bar; the field may be far down the form.
            focus_later("[data-field][aria-invalid=true]");
            return;
        }
        mode.set(next);
        match next {
            // Text that could not be read was kept (see `Origin::ToForm`): show it again.
            Mode::Text => match parsed.get_untracked() {
                Ok(s) if text_readable.get_untracked() => {
                    if text.with_untracked(String::is_empty) {
                        // Until the server answers with YAML; it reads JSON just as well.
                        text.set(crate::json::to_string_pretty(&s).unwrap_or_default());
                    }
                    // The answer brings the YAML; reading that text then brings positions.
                    run_check(ScenarioRef::Inline(Box::new(s)), 0, Origin::Loaded);
                }
                _ => run_check(ScenarioRef::Text(text.get_untracked()), 0, Origin::Text),
            },
            Mode::Form => {
                last_checked.set_value(None);
                if let Ok(s) = parsed.get_untracked() {
                    last_checked.set_value(Some(s.clone()));
                    run_check(ScenarioRef::Inline(Box::new(s)), 0, Origin::ToForm);
                }
            }
        }
    };

    let load_scenario = move |s: Scenario, what: String| {
        opened.set(None);
        asking.set(None);
        save_draft(&s);
        last_checked.set_value(Some(s.clone()));
        form.set(ScenarioForm::from_scenario(&s));
        save_name.set(String::new());
        text_readable.set(true);
        run_check(ScenarioRef::Inline(Box::new(s)), 0, Origin::Loaded);
        notice.set(Some(Notice::Info(format!("Loaded {what}."))));
    };

    let refresh_saved = move || {
        spawn_local(async move {
            if let Ok(list) = api::scenarios().await {
                saved.try_set(list);
            }
        })
    };
    spawn_local(async move {
        if let Ok(list) = api::presets().await {
            // A fresh form gets the presets' target (the demo target), so it runs as is.
            if let Some(target) = list.iter().find_map(|p| p.scenario.target.clone()) {
                form.try_update(|f| {
                    if *f == ScenarioForm::default() {
                        f.target = target;
                    }
                });
            }
            presets.try_set(Some(list));
        }
    });
    refresh_saved();

    // What launch and save send: the document from the form, or the text as typed.
    let current_ref = move || -> Option<ScenarioRef> {
        match mode.get_untracked() {
            Mode::Text => Some(ScenarioRef::Text(text.get_untracked())),
            Mode::Form => match parsed.get_untracked() {
                Ok(s) => Some(ScenarioRef::Inline(Box::new(s))),
                Err(errors) => {
                    notice.set(Some(Notice::Error(format!(
                        "{} cannot be read; see the marked fields.",
                        plural(errors.len() as u64, "field", "fields")
                    ))));
                    focus_later("[data-field][aria-invalid=true]");
                    None
                }
            },
        }
    };

    let launch = move |_| {
        let Some(scenario) = current_ref() else {
            return;
        };
        let about = sent_document(&scenario);
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let request = StartRun {
                scenario,
                overrides: LoadOverrides::default(),
                test_type: TestType::Load,
            };
            let result = api::start(&request).await;
            busy.try_set(false);
            match result {
                Ok(_) => nav.navigate("/"),
                Err(e) => apply_error(e, about),
            }
        });
    };

    // Saves under `name`, which from then on is the scenario being edited.
    let store = move |name: String| {
        let Some(scenario) = current_ref() else {
            return;
        };
        let about = sent_document(&scenario);
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let result = api::save(&name, scenario).await;
            busy.try_set(false);
            match result {
                Ok(entry) => {
                    notice.try_set(Some(Notice::Info(format!("Saved as “{}”.", entry.name))));
                    opened.try_set(Some(entry.name));
                    refresh_saved();
                }
                Err(e) => apply_error(e, about),
            }
        });
    };

    // What Save uses when "Save as" is empty (its placeholder): the scenario's name made valid,
    // and not a preset's (the server refuses those).
    let default_name = move |f: &ScenarioForm, ps: &Option<Vec<Preset>>| {
        shared::saved_name::suggest_besides(&f.name, ps.iter().flatten().map(|p| p.name.as_str()))
    };

    // A name another saved scenario has is asked about first (see `opened`).
    let save = move |()| {
        let typed = save_name.get_untracked().trim().to_owned();
        // Left empty: the scenario's name, made into a valid one (the placeholder shows it).
        let name = if typed.is_empty() {
            form.with_untracked(|f| presets.with_untracked(|ps| default_name(f, ps)))
        } else {
            Some(typed)
        };
        let Some(name) = name else {
            notice.set(Some(Notice::Error("Enter a name to save under.".into())));
            focus_later("[data-field=save-name]");
            return;
        };
        let taken = saved.with_untracked(|ss| ss.iter().any(|s| s.name == name));
        if taken && opened.with_untracked(|o| o.as_deref() != Some(name.as_str())) {
            notice.set(None);
            asking.set(Some(Ask::Replace(name)));
            focus_later("[data-action=cancel-ask]");
        } else {
            asking.set(None);
            store(name);
        }
    };

    let cancel = Callback::new(move |()| {
        let back = match asking.get_untracked() {
            Some(Ask::Delete(_)) => "[data-action=delete-saved]",
            _ => "[data-action=save]",
        };
        asking.set(None);
        focus_later(back);
    });
    let confirm = Callback::new(move |()| match asking.get_untracked() {
        Some(Ask::Replace(name)) => {
            asking.set(None);
            store(name);
            focus_later("[data-action=save]");
        }
        Some(Ask::Delete(name)) => {
            asking.set(None);
            busy.set(true);
            notice.set(None);
            spawn_local(async move {
                let result = api::delete_scenario(&name).await;
                busy.try_set(false);
                match result {
                    Ok(()) => {
                        notice.try_set(Some(Notice::Info(format!("Deleted “{name}”."))));
                        opened.try_set(None);
                    }
                    Err(e) => {
                        notice.try_set(Some(Notice::Error(format!("Not deleted: {}", e.message))));
                    }
                }
                refresh_saved();
                focus_later("#compose-saved");
            });
        }
        None => {}
    });
    // The question while `asking` is `which` (its name comes from the ask).
    let question = move |which: fn(&Ask) -> Option<(&str, &'static str)>| {
        dyn_view(move || {
            asking
                .with(|a| a.as_ref().and_then(which).map(|(n, yes)| (n.to_owned(), yes)))
                .map(|(name, yes)| {
                    let text = if yes == "Replace" {
                        format!("Replace the saved “{name}”?")
                    } else {
                        format!("Delete the saved “{name}”?")
                    };
                    let label = text.clone();
                    view! {
                        <span
                            class="compose__ask"
                            role="group"
                            aria-label=label
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                if ev.key() == "Escape" {
                                    cancel.run(());
                                }
                            }
                        >
                            <span class="compose__ask-text">{text}</span>
                            <button type="button" class="button--danger" data-action="confirm-ask" on:click=move |_| confirm.run(())>
                                {yes}
                            </button>
                            <button type="button" data-action="cancel-ask" on:click=move |_| cancel.run(())>
                                "Cancel"
                            </button>
                        </span>
                    }
                })
                .into_any()
        })
    };
    // The saved scenario the form holds, when there is one to delete.
    let deletable = move || {
        opened.with(|o| {
            o.clone()
                .filter(|n| saved.with(|ss| ss.iter().any(|s| &s.name == n)))
        })
    };

    let status = move || {
        let n = placed.with(PlacedProblems::len) as u64;
        if mode.get() == Mode::Form && unreadable() {
            return ("invalid", plural(n, "problem", "problems"));
        }
        match check_state.get() {
            CheckState::Checking => ("checking", "checking…".to_owned()),
            CheckState::Done { valid: true } if n == 0 => ("valid", "valid ✓".to_owned()),
            CheckState::Done { .. } => ("invalid", plural(n.max(1), "problem", "problems")),
            CheckState::Offline(why) => ("offline", format!("cannot check: {why}")),
        }
    };

    // Puts the text cursor on a problem's line and column.
    let go_to = move |line: u64, column: u64| {
        if let Some(area) = text_area.get_untracked() {
            let (at, lines) =
                text.with_untracked(|t| (text_offset(t, line, column), t.lines().count().max(1)));
            let _ = area.focus();
            let _ = area.set_selection_range(at, at);
            // Selecting does not scroll a text area; bring the line a third of the way down.
            let per_line = f64::from(area.scroll_height()) / lines as f64;
            let top = (line.saturating_sub(1) as f64 * per_line
                - f64::from(area.client_height()) / 3.0)
                .max(0.0);
            area.set_scroll_top(top as i32);
        }
    };

    // One closure type each for the two mode buttons and the two busy buttons.
    let pressed = move |m: Mode| move || (mode.get() == m).to_string();
    let is_busy = move || busy.get();
    // A click on a problem's position puts the cursor there.
    let on_problem_click = move |ev: web_sys::MouseEvent| {
        let button = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-line]").ok().flatten());
        if let Some(button) = button {
            let num = |name| {
                button
                    .get_attribute(name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1)
            };
            go_to(num("data-line"), num("data-column"));
        }
    };
    // The problems no field shows.
    let problem_list = move || {
        view! {
            <ul
                class="compose__problems"
                data-field="problems"
                on:click=on_problem_click
                inner_html=move || placed.with(|p| markup::problem_items(&p.unplaced))
            ></ul>
        }
    };
    let pick_preset = Callback::new(move |name: String| {
        let found =
            presets.with_untracked(|ps| ps.iter().flatten().find(|p| p.name == name).cloned());
        if let Some(p) = found {
            load_scenario(p.scenario, format!("preset “{}”", p.name));
        }
    });
    let pick_saved = Callback::new(move |name: String| {
        let found = saved.with_untracked(|ss| ss.iter().find(|s| s.name == name).cloned());
        if let Some(entry) = found {
            // Saved under another name than the scenario's own: saving it back keeps that one.
            let renamed = (entry.name != entry.scenario.name).then(|| entry.name.clone());
            load_scenario(entry.scenario, format!("saved scenario “{}”", entry.name));
            save_name.set(renamed.unwrap_or_default());
            opened.set(Some(entry.name));
        }
    });

    view! {
        <section class="page page--compose compose">
            <header class="compose__bar">
                <h1 class="compose__title">"Compose"</h1>
                <div class="compose__modes" role="group" aria-label="Edit the scenario as">
                    <button
                        type="button"
                        data-action="mode-form"
                        aria-pressed=pressed(Mode::Form)
                        on:click=move |_| set_mode(Mode::Form)
                    >
                        "Form"
                    </button>
                    <button
                        type="button"
                        data-action="mode-text"
                        aria-pressed=pressed(Mode::Text)
                        on:click=move |_| set_mode(Mode::Text)
                    >
                        "YAML / JSON"
                    </button>
                </div>
                <span class="compose__status" role="status" data-status=move || status().0>
                    {dyn_view(move || status().1.into_any())}
                </span>
                <div class="compose__actions">
                    <label for="compose-save-name" class="compose__label">
                        "Save as"
                    </label>
                    <input
                        id="compose-save-name"
                        type="text"
                        data-field="save-name"
                        autocomplete="off"
                        placeholder=move || {
                            form.with(|f| presets.with(|ps| default_name(f, ps)))
                                .unwrap_or_default()
                        }
                        prop:value=move || save_name.get()
                        on:input=move |ev| save_name.set(event_target_value(&ev))
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            if ev.key() == "Enter" && !busy.get_untracked() {
                                save(());
                            }
                        }
                    />
                    <button
                        type="button"
                        data-action="save"
                        prop:disabled=is_busy
                        on:click=move |_| save(())
                    >
                        "Save"
                    </button>
                    <button
                        type="button"
                        class="compose__launch"
                        data-action="launch"
                        prop:disabled=is_busy
                        on:click=launch
                    >
                        "Launch run"
                    </button>
                    {question(|a| match a {
                        Ask::Replace(n) => Some((n.as_str(), "Replace")),
                        Ask::Delete(_) => None,
                    })}
                </div>
                // In the bar, which stays in view: the answer to Save or Launch shows wherever the
                // form is scrolled to.
                {dyn_view(move || {
                    notice
                        .get()
                        .map(|n| {
                            let (tone, role, text, busy) = match n {
                                Notice::Info(text) => ("ok", "status", text, false),
                                Notice::Error(text) => ("bad", "alert", text, false),
                                Notice::Busy { run_id } => {
                                    let text = match run_id {
                                        Some(id) => format!("A run is in progress ({id}); wait for it or stop it first. "),
                                        None => "A run is in progress; wait for it or stop it first. ".to_owned(),
                                    };
                                    ("warn", "alert", text, true)
                                }
                            };
                            view! {
                                <p
                                    class="compose__notice"
                                    data-tone=tone
                                    role=role
                                    data-notice=busy.then_some("run-in-progress")
                                >
                                    {text}
                                    {busy
                                        .then(|| {
                                            view! {
                                                <a href="/" data-action="view-run">
                                                    "Watch it on the Live page"
                                                </a>
                                            }
                                        })}
                                </p>
                            }
                        })
                        .into_any()
                })}
            </header>
            <div class="compose__sources">
                <label for="compose-preset" class="compose__label">
                    "Preset"
                </label>
                {menu(
                    "compose-preset",
                    "preset",
                    Signal::derive(move || {
                        presets
                            .with(|ps| {
                                ps.as_ref()
                                    .map(|ps| {
                                        let mut items = vec![(String::new(), "load a preset…".to_owned())];
                                        items
                                            .extend(
                                                ps
                                                    .iter()
                                                    .map(|p| {
                                                        let mut label = p.name.clone();
                                                        if let Some(d) = &p.description {
                                                            label.push_str(" — ");
                                                            label.push_str(d);
                                                        }
                                                        (p.name.clone(), label)
                                                    }),
                                            );
                                        markup::options(&items, "")
                                    })
                            })
                    }),
                    pick_preset,
                )}
                <label for="compose-saved" class="compose__label">
                    "Saved"
                </label>
                {menu(
                    "compose-saved",
                    "saved",
                    Signal::derive(move || {
                        saved
                            .with(|ss| {
                                let first = if ss.is_empty() { "none saved yet" } else { "open a saved scenario…" };
                                let mut items = vec![(String::new(), first.to_owned())];
                                items.extend(ss.iter().map(|s| (s.name.clone(), s.name.clone())));
                                Some(markup::options(&items, ""))
                            })
                    }),
                    pick_saved,
                )}
                {dyn_view(move || {
                    deletable()
                        .map(|name| {
                            view! {
                                <button
                                    type="button"
                                    class="compose__delete"
                                    data-action="delete-saved"
                                    prop:disabled=is_busy
                                    on:click=move |_| {
                                        asking.set(Some(Ask::Delete(name.clone())));
                                        focus_later("[data-action=cancel-ask]");
                                    }
                                >
                                    {format!("Delete “{name}”")}
                                </button>
                            }
                        })
                        .into_any()
                })}
                {question(|a| match a {
                    Ask::Delete(n) => Some((n.as_str(), "Delete")),
                    Ask::Replace(_) => None,
                })}
            </div>

            {dyn_view(move || {
                (mode.get() == Mode::Form && placed.with(|p| !p.unplaced.is_empty())).then(problem_list).into_any()
            })}

            <div class="compose__body">
                {dyn_view(move || {
                    if mode.get() == Mode::Form {
                        return view! {
                            {dyn_view(move || {
                                (!text_readable.get())
                                    .then(|| {
                                        view! {
                                            <p class="compose__notice" data-tone="warn" role="status" data-hint="text-unreadable">
                                                "The text cannot be read, so the form shows the last version that could. The text is kept: switch back to YAML / JSON to fix it, or edit the form to replace it."
                                            </p>
                                        }
                                    })
                                    .into_any()
                            })}
                            <ScenarioEditor/>
                        }
                            .into_any();
                    }
                        view! {
                            <div class="compose__text">
                                <div class="compose__text-main">
                                    <label for="compose-text" class="compose__label">
                                        "Scenario as YAML or JSON"
                                    </label>
                                    {dyn_view(move || {
                                        unreadable()
                                            .then(|| {
                                                view! {
                                                    <p class="hint">
                                                        "Some form fields cannot be read; this is the last version that could."
                                                    </p>
                                                }
                                            })
                                            .into_any()
                                    })}
                                    <textarea
                                        id="compose-text"
                                        class="compose__textarea"
                                        data-field="text"
                                        node_ref=text_area
                                        spellcheck="false"
                                        autocomplete="off"
                                        prop:value=move || text.get()
                                        on:input=on_text
                                    ></textarea>
                                </div>
                                <aside class="compose__text-problems" aria-labelledby="compose-text-problems">
                                    <h2 id="compose-text-problems">"Problems"</h2>
                                    {dyn_view(move || {
                                        if placed.with(|p| p.unplaced.is_empty()) {
                                            view! {
                                                <p class="hint">
                                                    {dyn_view(move || {
                                                        match check_state.get() {
                                                            CheckState::Checking => "Checking…",
                                                            CheckState::Offline(_) => "The server cannot be reached to check the text.",
                                                            CheckState::Done { .. } => "None: the scenario can run.",
                                                        }
                                                            .into_any()
                                                    })}
                                                </p>
                                            }
                                                .into_any()
                                        } else {
                                            problem_list().into_any()
                                        }
                                    })}
                                </aside>
                            </div>
                        }
                        .into_any()
                })}
            </div>

        </section>
    }
}

/// A menu of scenarios to load (`id`, `data-field`): `options` is the markup of its options,
/// `None` while they load (then it is disabled and has no `data-field`). Picking one calls
/// `pick` with its value and puts the menu back on its first option.
fn menu(
    id: &'static str,
    field: &'static str,
    options: Signal<Option<String>>,
    pick: Callback<String>,
) -> AnyView {
    view! {
        <select
            id=id
            data-field=move || options.with(Option::is_some).then_some(field)
            prop:disabled=move || options.with(Option::is_none)
            inner_html=move || options.get().unwrap_or_else(|| "<option>loading…</option>".to_owned())
            on:change=move |ev| {
                let name = event_target_value(&ev);
                event_target::<web_sys::HtmlSelectElement>(&ev).set_value("");
                pick.run(name);
            }
        ></select>
    }
    .into_any()
}
