//! Form controls bound to one field of the [`ScenarioForm`]: a labelled input (or text area,
//! select, checkbox) with its `data-field` path and the problems shown at that path.

use std::sync::Arc;

use leptos::prelude::*;

use super::Editor;
use crate::scenario_form::{KeyValue, ScenarioForm, focus_after_remove, markup, remove_at};
use wasm_bindgen::JsCast;

// The helpers below take closures but render through trait objects: each is compiled once,
// not once per call site, which keeps the WebAssembly small.

/// Reads one field of the form.
type Getter<T> = Arc<dyn Fn(&ScenarioForm) -> T + Send + Sync>;
/// Writes one field of the form.
type Setter<T> = Arc<dyn Fn(&mut ScenarioForm, T) + Send + Sync>;
/// Rows of a name/value list, to read or to change.
type Rows = Arc<dyn Fn(&ScenarioForm) -> Option<&Vec<KeyValue>> + Send + Sync>;
type RowsMut = Arc<dyn Fn(&mut ScenarioForm) -> Option<&mut Vec<KeyValue>> + Send + Sync>;

/// The DOM id of the input for `path` (for `<label for>`).
pub(crate) fn field_id(path: &str) -> String {
    format!("field-{path}")
}

fn error_id(path: &str) -> String {
    format!("err-{path}")
}

/// The problems shown at `path`: each a `.field-error` with `data-error-path` (the problem's
/// own path, which may be deeper than the field's).
#[component]
pub fn FieldError(
    /// The field or slot path.
    #[prop(into)]
    path: String,
) -> impl IntoView {
    let ed = Editor::use_context();
    let id = error_id(&path);
    view! {
        <span
            class="field-errors"
            id=id
            inner_html=move || {
                ed.problems.with(|p| p.by_field.get(&path).map(|l| markup::field_errors(l)).unwrap_or_default())
            }
        ></span>
    }
}

/// A text input (or text area) for one field.
pub(crate) struct Field {
    path: String,
    label: String,
    unit: &'static str,
    placeholder: String,
    wide: bool,
    multiline: bool,
    mono: bool,
    hide_label: bool,
    suggestions: Option<&'static str>,
}

impl Field {
    /// An input for `path` labelled `label`.
    pub(crate) fn new(path: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            label: label.into(),
            unit: "",
            placeholder: String::new(),
            wide: false,
            multiline: false,
            mono: false,
            hide_label: false,
            suggestions: None,
        }
    }

    /// Offers the values of the `<datalist>` with this id while typing.
    pub(crate) fn suggestions(mut self, datalist: &'static str) -> Self {
        self.suggestions = Some(datalist);
        self
    }

    /// The unit shown after the input (`users`, `/s`).
    pub(crate) fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }

    /// Placeholder text.
    pub(crate) fn placeholder(mut self, text: impl Into<String>) -> Self {
        self.placeholder = text.into();
        self
    }

    /// Takes a whole row of the grid.
    pub(crate) fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    /// A monospace text area (bodies).
    pub(crate) fn multiline(mut self) -> Self {
        self.multiline = true;
        self.mono = true;
        self
    }

    /// Monospace text (expressions, pointers).
    pub(crate) fn mono(mut self) -> Self {
        self.mono = true;
        self
    }

    /// The label is for screen readers only (rows whose column says what they are).
    pub(crate) fn hide_label(mut self) -> Self {
        self.hide_label = true;
        self
    }

    /// The control, reading with `get` and writing with `set`.
    pub(crate) fn view(
        self,
        ed: Editor,
        get: impl Fn(&ScenarioForm) -> String + Send + Sync + 'static,
        set: impl Fn(&mut ScenarioForm, String) + Send + Sync + 'static,
    ) -> AnyView {
        self.render(ed, Arc::new(get), Arc::new(set))
    }

    fn render(self, ed: Editor, get: Getter<String>, set: Setter<String>) -> AnyView {
        let Field {
            path,
            label,
            unit,
            placeholder,
            wide,
            multiline,
            mono,
            hide_label,
            suggestions,
        } = self;
        let id = field_id(&path);
        let get_attr = get.clone();
        let invalid = {
            let path = path.clone();
            move || {
                if ed.has_problem(&path) {
                    "true"
                } else {
                    "false"
                }
            }
        };
        let control = if multiline {
            view! {
                <textarea
                    id=id.clone()
                    class="field__input field__input--mono"
                    data-field=path.clone()
                    rows="4"
                    spellcheck="false"
                    placeholder=placeholder
                    aria-invalid=invalid
                    aria-describedby=error_id(&path)
                    prop:value=move || ed.form.with(|f| get(f))
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        ed.form.update(|f| set(f, v));
                    }
                ></textarea>
            }
            .into_any()
        } else {
            view! {
                <input
                    type="text"
                    id=id.clone()
                    class="field__input"
                    class:field__input--mono=mono
                    data-field=path.clone()
                    spellcheck="false"
                    autocomplete="off"
                    list=suggestions
                    placeholder=placeholder
                    aria-invalid=invalid
                    aria-describedby=error_id(&path)
                    // The attribute too, so tests and tools reading `value` see the field.
                    value=move || ed.form.with(|f| get_attr(f))
                    prop:value=move || ed.form.with(|f| get(f))
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        ed.form.update(|f| set(f, v));
                    }
                />
            }
            .into_any()
        };
        view! {
            <div class="field" class:field--wide=wide>
                <label for=id class="field__label" class:sr-only=hide_label>
                    {label}
                </label>
                <span class="field__control">
                    {control}
                    {(!unit.is_empty()).then(|| view! { <span class="field__unit">{unit}</span> })}
                </span>
                <FieldError path=path/>
            </div>
        }
        .into_any()
    }
}

/// A select for one field; `options` are `(value, label)` pairs.
pub(crate) fn select_field(
    ed: Editor,
    path: String,
    label: impl Into<String>,
    hide_label: bool,
    options: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
    get: impl Fn(&ScenarioForm) -> String + Send + Sync + 'static,
    set: impl Fn(&mut ScenarioForm, String) + Send + Sync + 'static,
) -> AnyView {
    render_select(
        ed,
        path,
        label.into(),
        hide_label,
        Arc::new(options),
        Arc::new(get),
        Arc::new(set),
    )
}

fn render_select(
    ed: Editor,
    path: String,
    label: String,
    hide_label: bool,
    options: Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>,
    get: Getter<String>,
    set: Setter<String>,
) -> AnyView {
    let id = field_id(&path);
    view! {
        <div class="field field--select">
            <label for=id.clone() class="field__label" class:sr-only=hide_label>
                {label}
            </label>
            <span class="field__control">
                <select
                    id=id
                    class="field__input"
                    data-field=path.clone()
                    aria-describedby=error_id(&path)
                    // The options as markup, the current value's marked selected.
                    inner_html=move || markup::options(&options(), &ed.form.with(|f| get(f)))
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        ed.form.update(|f| set(f, v));
                    }
                ></select>
            </span>
            <FieldError path=path/>
        </div>
    }
    .into_any()
}

/// A checkbox for one field.
pub(crate) fn check_field(
    ed: Editor,
    path: String,
    label: impl Into<String>,
    get: impl Fn(&ScenarioForm) -> bool + Send + Sync + 'static,
    set: impl Fn(&mut ScenarioForm, bool) + Send + Sync + 'static,
) -> AnyView {
    render_check(ed, path, label.into(), Arc::new(get), Arc::new(set))
}

fn render_check(
    ed: Editor,
    path: String,
    label: String,
    get: Getter<bool>,
    set: Setter<bool>,
) -> AnyView {
    let id = field_id(&path);
    view! {
        <div class="field field--check">
            <span class="field__control">
                <input
                    type="checkbox"
                    id=id.clone()
                    data-field=path.clone()
                    aria-describedby=error_id(&path)
                    prop:checked=move || ed.form.with(|f| get(f))
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        ed.form.update(|f| set(f, v));
                    }
                />
                <label for=id class="field__label">
                    {label}
                </label>
            </span>
            <FieldError path=path/>
        </div>
    }
    .into_any()
}

/// A part of the view that `f` builds again whenever a signal it reads changes. Every such
/// part of the compose page goes through here, so the reactive rendering is compiled once.
pub(crate) fn dyn_view(f: impl Fn() -> AnyView + Send + Sync + 'static) -> AnyView {
    render_dyn(Arc::new(f))
}

fn render_dyn(f: Arc<dyn Fn() -> AnyView + Send + Sync>) -> AnyView {
    (move || f()).into_any()
}

/// Rows `0..count`, keyed by index: adding or removing a row leaves the other rows (and the
/// focus in them) in place, and typing in a row rebuilds nothing. Every list of the form goes
/// through this one `<For>`.
pub(crate) fn index_rows(
    count: Memo<usize>,
    row: impl Fn(usize) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    render_rows(count, Arc::new(row))
}

fn render_rows(count: Memo<usize>, row: Arc<dyn Fn(usize) -> AnyView + Send + Sync>) -> AnyView {
    view! { <For each=move || 0..count.get() key=|k| *k children=move |k| row(k)/> }.into_any()
}

/// A small button with a `data-action` and an accessible name; a click calls `on_click` with
/// the button.
pub(crate) fn action_button(
    text: &'static str,
    action: String,
    name: String,
    disabled: Signal<bool>,
    on_click: impl Fn(web_sys::Element) + 'static,
) -> AnyView {
    render_button(text, action, name, disabled, Box::new(on_click))
}

fn render_button(
    text: &'static str,
    action: String,
    name: String,
    disabled: Signal<bool>,
    on_click: Box<dyn Fn(web_sys::Element)>,
) -> AnyView {
    view! {
        <button
            type="button"
            class="icon-button"
            data-action=action
            aria-label=name.clone()
            title=name
            prop:disabled=move || disabled.get()
            on:click=move |ev| {
                if let Some(button) = ev.current_target().and_then(|t| t.dyn_into().ok()) {
                    on_click(button);
                }
            }
        >
            {text}
        </button>
    }
    .into_any()
}

/// The remove button of row `i` of `len` rows (`remove-<noun>`, "Remove <noun> <i+1>"):
/// `remove` takes the row out and the focus goes to a field nearby ([`focus_after_remove`]).
/// Rows are keyed by index, so without that it would stay on this button, which then removes
/// the next row.
pub(crate) fn remove_button(
    noun: &'static str,
    i: usize,
    len: Memo<usize>,
    remove: impl Fn() + 'static,
) -> AnyView {
    render_remove(noun, i, len, Box::new(remove))
}

fn render_remove(noun: &'static str, i: usize, len: Memo<usize>, remove: Box<dyn Fn()>) -> AnyView {
    action_button(
        "✕",
        format!("remove-{noun}"),
        format!("Remove {noun} {}", i + 1),
        Signal::derive(|| false),
        move |button| {
            let to = focus_after_remove(i, len.get_untracked());
            remove();
            refocus(&button, to, "input, select, textarea");
        },
    )
}

/// Moves the keyboard focus from the row holding `button` (its closest `[data-path]`) to the
/// first element matching `css` in the row `offset` rows from it, or with no `offset`, to the
/// add button of its list, which is then empty. In the next frame: the list is redrawn first.
pub(crate) fn refocus(button: &web_sys::Element, offset: Option<isize>, css: &str) {
    let Some(row) = button.closest("[data-path]").ok().flatten() else {
        return;
    };
    let list = row.parent_element();
    let css = css.to_owned();
    request_animation_frame(move || {
        let found = |el: &web_sys::Element, css: &str| el.query_selector(css).ok().flatten();
        let target = match offset {
            Some(offset) => {
                let mut at = Some(row);
                for _ in 0..offset.unsigned_abs() {
                    at = at.and_then(|r| {
                        if offset < 0 {
                            r.previous_element_sibling()
                        } else {
                            r.next_element_sibling()
                        }
                    });
                }
                at.and_then(|r| found(&r, &css))
            }
            // The nearest add button around the empty list is its own.
            None => std::iter::successors(list, |el| el.parent_element())
                .find_map(|el| found(&el, ".add-button")),
        };
        if let Some(el) = target.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// Name/value rows (headers, variables) under `base`: inputs `base[k].name`, `base[k].value`,
/// buttons `remove-<noun>` and `add-<noun>`.
pub(crate) fn kv_editor(
    ed: Editor,
    base: String,
    title: &'static str,
    noun: &'static str,
    rows: impl Fn(&ScenarioForm) -> Option<&Vec<KeyValue>> + Send + Sync + 'static,
    rows_mut: impl Fn(&mut ScenarioForm) -> Option<&mut Vec<KeyValue>> + Send + Sync + 'static,
) -> AnyView {
    render_kv(ed, base, title, noun, Arc::new(rows), Arc::new(rows_mut))
}

fn render_kv(
    ed: Editor,
    base: String,
    title: &'static str,
    noun: &'static str,
    rows: Rows,
    rows_mut: RowsMut,
) -> AnyView {
    let count_rows = rows.clone();
    let add_row = rows_mut.clone();
    let count = Memo::new(move |_| ed.form.with(|f| count_rows(f).map_or(0, Vec::len)));
    let row_base = base.clone();
    let data_path = base.clone();
    view! {
        <div class="kv" data-path=data_path>
            <div class="kv__title">{title}</div>
            <FieldError path=base/>
            {index_rows(
                count,
                move |k| {
                    let p = format!("{row_base}[{k}]");
                    let rows = rows.clone();
                    let cell = move |f: &ScenarioForm| rows(f).and_then(|r| r.get(k)).cloned().unwrap_or_default();
                    let cell2 = cell.clone();
                    let (set_key, set_value, remove) = (rows_mut.clone(), rows_mut.clone(), rows_mut.clone());
                    view! {
                        <div class="kv__row" data-path=p.clone()>
                            {Field::new(format!("{p}.name"), format!("{noun} {} name", k + 1))
                                .hide_label()
                                .mono()
                                .placeholder("name")
                                .view(
                                    ed,
                                    move |f| cell(f).key,
                                    move |f, v| {
                                        if let Some(r) = set_key(f).and_then(|r| r.get_mut(k)) {
                                            r.key = v;
                                        }
                                    },
                                )}
                            {Field::new(format!("{p}.value"), format!("{noun} {} value", k + 1))
                                .hide_label()
                                .mono()
                                .placeholder("value")
                                .view(
                                    ed,
                                    move |f| cell2(f).value,
                                    move |f, v| {
                                        if let Some(r) = set_value(f).and_then(|r| r.get_mut(k)) {
                                            r.value = v;
                                        }
                                    },
                                )}
                            {remove_button(
                                noun,
                                k,
                                count,
                                move || {
                                    ed.form
                                        .update(|f| {
                                            if let Some(r) = remove(f) {
                                                remove_at(r, k);
                                            }
                                        })
                                },
                            )}
                        </div>
                    }
                    .into_any()
                },
            )}
            <button
                type="button"
                class="add-button"
                data-action=format!("add-{noun}")
                on:click=move |_| {
                    ed.form
                        .update(|f| {
                            if let Some(r) = add_row(f) {
                                r.push(KeyValue::default());
                            }
                        })
                }
            >
                {format!("+ {noun}")}
            </button>
        </div>
    }
    .into_any()
}
