//! Thresholds: the expression (`thresholds[i]`), its request scope chosen from the scenario's
//! request names (`thresholds[i].request`), and abort-on-fail (`thresholds[i].abort_on_fail`).

use leptos::prelude::*;

use super::fields::{Field, check_field, index_rows, select_field};
use super::{Editor, FieldError, row_buttons};
use crate::scenario_form::{ThresholdForm, move_item, remove_at};

/// Example expressions offered while typing.
const EXAMPLES: [&str; 6] = [
    "p(95) < 500ms",
    "p(99) < 1s",
    "avg < 200ms",
    "max < 2s",
    "error_rate < 1%",
    "rps > 100",
];

/// The thresholds section.
#[component]
pub fn ThresholdEditor() -> impl IntoView {
    let ed = Editor::use_context();
    let count = Memo::new(move |_| ed.form.with(|f| f.thresholds.len()));
    view! {
        <section class="compose-section" aria-labelledby="compose-thresholds">
            <h2 id="compose-thresholds">"Thresholds"</h2>
            <p class="hint">
                "Pass/fail criteria: "
                <code>"p(95) < 500ms"</code>
                ", "
                <code>"error_rate < 1%"</code>
                ", "
                <code>"rps > 100"</code>
                "; optionally for one request."
            </p>
            <datalist id="threshold-examples">
                {EXAMPLES.map(|e| view! { <option value=e></option> }).collect_view()}
            </datalist>
            <FieldError path="thresholds"/>
            <ol class="thresholds">
                {index_rows(
                    count,
                    move |t| {
                        let tp = format!("thresholds[{t}]");
                        let get = move |f: &crate::scenario_form::ScenarioForm| f.thresholds.get(t).cloned().unwrap_or_default();
                        view! {
                            <li class="threshold" data-path=tp.clone()>
                                {Field::new(tp.clone(), format!("Threshold {}", t + 1))
                                    .mono()
                                    .suggestions("threshold-examples")
                                    .placeholder("p(95) < 500ms")
                                    .view(
                                        ed,
                                        move |f| get(f).expr,
                                        move |f, v| {
                                            if let Some(th) = f.thresholds.get_mut(t) {
                                                th.expr = v;
                                            }
                                        },
                                    )}
                                {select_field(
                                    ed,
                                    format!("{tp}.request"),
                                    "For",
                                    false,
                                    move || {
                                        let (current, list) = ed.form.with(|f| (get(f).request, f.request_names()));
                                        let mut options = vec![(String::new(), "all requests".to_owned())];
                                        if !current.is_empty() && !list.contains(&current) {
                                            options.push((current.clone(), format!("{current} (no such request)")));
                                        }
                                        options.extend(list.into_iter().map(|n| (n.clone(), n)));
                                        options
                                    },
                                    move |f| get(f).request,
                                    move |f, v| {
                                        if let Some(th) = f.thresholds.get_mut(t) {
                                            th.request = v;
                                        }
                                    },
                                )}
                                {check_field(
                                    ed,
                                    format!("{tp}.abort_on_fail"),
                                    "Abort the run when it fails",
                                    move |f| get(f).abort_on_fail,
                                    move |f, v| {
                                        if let Some(th) = f.thresholds.get_mut(t) {
                                            th.abort_on_fail = v;
                                        }
                                    },
                                )}
                                {row_buttons(
                                    "threshold",
                                    t,
                                    count,
                                    move |up| ed.form.update(|f| move_item(&mut f.thresholds, t, up)),
                                    move || ed.form.update(|f| remove_at(&mut f.thresholds, t)),
                                )}
                            </li>
                        }
                        .into_any()
                    },
                )}
            </ol>
            <button
                type="button"
                class="add-button"
                data-action="add-threshold"
                on:click=move |_| ed.form.update(|f| f.thresholds.push(ThresholdForm::default()))
            >
                "+ threshold"
            </button>
        </section>
    }
}
