//! The scenario form: basics, journeys and their steps, the load profile with its preview,
//! thresholds and options. All state is one [`ScenarioForm`] signal in the [`Editor`] context;
//! lists are keyed by index and every input reads and writes its field through that signal, so
//! reordering or loading a whole scenario simply re-reads the fields.
//!
//! Hooks for browser tests: every input carries `data-field="<path>"` with the path problems
//! use; containers carry `data-path`; buttons carry `data-action`; a problem shown next to a
//! field is a `.field-error` with `data-error-path="<problem path>"`.

pub mod fields;
pub mod journey_editor;
pub mod load_editor;
pub mod load_preview;
pub mod threshold_editor;

use leptos::prelude::*;

use crate::scenario_form::{PlacedProblems, ScenarioForm, focus_after_move};

pub use fields::FieldError;

use fields::{Field, action_button, kv_editor, remove_button};

/// The form's state and the problems placed on it, shared by every part of the editor.
#[derive(Debug, Clone, Copy)]
pub struct Editor {
    /// The form.
    pub form: RwSignal<ScenarioForm>,
    /// Problems by field (see [`crate::scenario_form::place`]).
    pub problems: Signal<PlacedProblems>,
}

impl Editor {
    /// The editor provided by the page.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// True when a problem is shown at `path`.
    pub fn has_problem(self, path: &str) -> bool {
        self.problems.with(|p| p.by_field.contains_key(path))
    }
}

/// The whole form. Expects an [`Editor`] in context.
#[component]
pub fn ScenarioEditor() -> impl IntoView {
    let ed = Editor::use_context();
    view! {
        <div class="scenario-editor">
            <section class="compose-section" aria-labelledby="compose-basics">
                <h2 id="compose-basics">"Scenario"</h2>
                <div class="field-grid">
                    {Field::new("name", "Name").placeholder("shop_checkout").view(
                        ed,
                        |f| f.name.clone(),
                        |f, v| f.name = v,
                    )}
                    // What the server runs a scenario without a target against (`ValidationEnv`): its
                    // CLOUD_API_URL when set, else the demo target it started.
                    {Field::new("target", "Target URL").placeholder("empty: the server's CLOUD_API_URL, else its demo target").wide().view(
                        ed,
                        |f| f.target.clone(),
                        |f, v| f.target = v,
                    )}
                    {Field::new("description", "Description").placeholder("optional").wide().view(
                        ed,
                        |f| f.description.clone(),
                        |f, v| f.description = v,
                    )}
                </div>
                <div class="kv-pair">
                    {kv_editor(
                        ed,
                        "headers".into(),
                        "Headers (every request)",
                        "header",
                        |f| Some(&f.headers),
                        |f| Some(&mut f.headers),
                    )}
                    {kv_editor(
                        ed,
                        "variables".into(),
                        "Variables (${name} in paths, headers, bodies, checks)",
                        "variable",
                        |f| Some(&f.variables),
                        |f| Some(&mut f.variables),
                    )}
                </div>
            </section>
            <journey_editor::JourneyList/>
            <load_editor::LoadEditor/>
            <threshold_editor::ThresholdEditor/>
            <section class="compose-section" aria-labelledby="compose-options">
                <h2 id="compose-options">"Options"</h2>
                <FieldError path="options"/>
                <div class="field-grid">
                    {Field::new("options.timeout", "Request timeout").placeholder("30s").view(
                        ed,
                        |f| f.options.timeout.clone(),
                        |f, v| f.options.timeout = v,
                    )}
                    {Field::new("options.graceful_stop", "Graceful stop").placeholder("5s").view(
                        ed,
                        |f| f.options.graceful_stop.clone(),
                        |f, v| f.options.graceful_stop = v,
                    )}
                    {fields::check_field(
                        ed,
                        "options.insecure_tls".into(),
                        "Accept invalid TLS certificates",
                        |f| f.options.insecure_tls,
                        |f, v| f.options.insecure_tls = v,
                    )}
                </div>
            </section>
        </div>
    }
}

/// Up, down and remove buttons for row `i` of a list of `len`; `noun` names the row for
/// screen readers and `data-action` (`move-<noun>-up`, `move-<noun>-down`, `remove-<noun>`).
pub(crate) fn row_buttons(
    noun: &'static str,
    i: usize,
    len: Memo<usize>,
    on_move: impl Fn(bool) + 'static,
    on_remove: impl Fn() + 'static,
) -> AnyView {
    render_row_buttons(noun, i, len, std::rc::Rc::new(on_move), Box::new(on_remove))
}

fn render_row_buttons(
    noun: &'static str,
    i: usize,
    len: Memo<usize>,
    on_move: std::rc::Rc<dyn Fn(bool)>,
    on_remove: Box<dyn Fn()>,
) -> AnyView {
    // The rows are keyed by index, so the pressed button stays where it was while its row's
    // content moves: the focus follows the row ([`focus_after_move`]).
    let mover = move |up: bool| {
        let on_move = on_move.clone();
        move |button: web_sys::Element| {
            let (offset, up_button) = focus_after_move(i, up, len.get_untracked());
            on_move(up);
            let dir = if up_button { "up" } else { "down" };
            fields::refocus(
                &button,
                Some(offset),
                &format!("[data-action=move-{noun}-{dir}]"),
            );
        }
    };
    view! {
        <span class="row-buttons">
            {action_button(
                "↑",
                format!("move-{noun}-up"),
                format!("Move {noun} {} up", i + 1),
                Signal::derive(move || i == 0),
                mover(true),
            )}
            {action_button(
                "↓",
                format!("move-{noun}-down"),
                format!("Move {noun} {} down", i + 1),
                Signal::derive(move || i + 1 >= len.get()),
                mover(false),
            )}
            {remove_button(noun, i, len, on_remove)}
        </span>
    }
    .into_any()
}
