//! The load profile: type menu (`load.type`), the type's fields (`load.<key>`), the stages of
//! ramping types (`load.stages[i].duration|target`), and the live preview next to them.

use leptos::prelude::*;

use super::fields::{Field, dyn_view, index_rows, remove_button, select_field};
use super::load_preview::preview_markup;
use super::{Editor, FieldError};
use crate::scenario_form::{LoadKind, LoadKindForm, checked_preview};

/// The load section.
#[component]
pub fn LoadEditor() -> impl IntoView {
    let ed = Editor::use_context();
    let kind = Memo::new(move |_| ed.form.with(|f| f.load.kind));
    let staged = Memo::new(move |_| kind.get().is_staged());
    view! {
        <section class="compose-section" aria-labelledby="compose-load">
            <h2 id="compose-load">"Load"</h2>
            <div class="load">
                <div class="load__form">
                    {select_field(
                        ed,
                        "load.type".into(),
                        "Profile",
                        false,
                        || LoadKind::ALL.iter().map(|k| (k.as_str().to_owned(), k.label().to_owned())).collect(),
                        |f| f.load.kind.as_str().to_owned(),
                        |f, v| {
                            if let Some(k) = LoadKind::parse(&v) {
                                f.load.set_kind(k);
                            }
                        },
                    )}
                    <FieldError path="load"/>
                    <p class="hint">
                        {dyn_view(move || {
                            if kind.get().is_open() {
                                "Open model: journeys start on schedule whatever the target's latency; a start that finds every user busy is dropped."
                            } else {
                                "Closed model: each user runs its journey in a loop, so a slower target gets fewer requests."
                            }
                                .into_any()
                        })}
                    </p>
                    <div class="field-grid">
                        {dyn_view(move || {
                            kind.get()
                                .fields()
                                .iter()
                                .map(|field| {
                                    let key = field.key;
                                    let placeholder = if field.optional {
                                        format!("optional: {}", field.placeholder)
                                    } else {
                                        field.placeholder.to_owned()
                                    };
                                    Field::new(format!("load.{key}"), field.label)
                                        .unit(field.unit)
                                        .placeholder(placeholder)
                                        .view(ed, move |f| f.load.get(key).to_owned(), move |f, v| f.load.set(key, v))
                                })
                                .collect_view()
                                .into_any()
                        })}
                    </div>
                    {dyn_view(move || staged.get().then(|| view! { <StageEditor kind=kind/> }).into_any())}
                </div>
                <figure
                    class="load-preview"
                    data-chart="load-preview"
                    // Rebuilt as markup on each edit; the page changes only when the curve does.
                    inner_html=move || {
                        ed.problems.with(|p| ed.form.with(|f| preview_markup(checked_preview(&f.load, p).as_ref())))
                    }
                ></figure>
            </div>
        </section>
    }
}

/// The stages table of a ramping profile.
#[component]
fn StageEditor(kind: Memo<LoadKind>) -> impl IntoView {
    let ed = Editor::use_context();
    let count = Memo::new(move |_| ed.form.with(|f| f.load.stages.len()));
    view! {
        <div class="stages" data-path="load.stages">
            <div class="kv__title">"Stages: each moves linearly to its target"</div>
            <FieldError path="load.stages"/>
            <div class="stages__head" aria-hidden="true">
                <span></span>
                <span>"Length"</span>
                <span>{dyn_view(move || if kind.get().is_open() { "Target rate" } else { "Target users" }.into_any())}</span>
                <span></span>
            </div>
            <ol class="stages__list">
                {index_rows(
                    count,
                    move |s| {
                        let sp = format!("load.stages[{s}]");
                        let data_path = sp.clone();
                        view! {
                            <li class="stages__row" data-path=data_path>
                                {Field::new(format!("{sp}.duration"), format!("Stage {} length", s + 1))
                                    .hide_label()
                                    .placeholder("30s")
                                    .view(
                                        ed,
                                        move |f| f.load.stages.get(s).map(|st| st.duration.clone()).unwrap_or_default(),
                                        move |f, v| {
                                            if let Some(st) = f.load.stages.get_mut(s) {
                                                st.duration = v;
                                            }
                                        },
                                    )}
                                {dyn_view(move || {
                                    Field::new(format!("load.stages[{s}].target"), format!("Stage {} target", s + 1))
                                        .hide_label()
                                        .unit(kind.get().stage_unit())
                                        .placeholder("10")
                                        .view(
                                            ed,
                                            move |f| f.load.stages.get(s).map(|st| st.target.clone()).unwrap_or_default(),
                                            move |f, v| {
                                                if let Some(st) = f.load.stages.get_mut(s) {
                                                    st.target = v;
                                                }
                                            },
                                        )
                                })}
                                <FieldError path=sp/>
                                {remove_button("stage", s, count, move || ed.form.update(|f| f.load.remove_stage(s)))}
                            </li>
                        }
                        .into_any()
                    },
                )}
            </ol>
            <button
                type="button"
                class="add-button"
                data-action="add-stage"
                on:click=move |_| ed.form.update(|f| f.load.add_stage())
            >
                "+ stage"
            </button>
        </div>
    }
}
