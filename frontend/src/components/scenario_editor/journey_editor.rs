//! Journeys and their steps: requests (method, path, name, headers, body, checks) and think
//! times. Containers carry `data-path` (`journeys[0]`, `journeys[0].steps[1]`,
//! `journeys[0].steps[1].request.checks[0]`) so tests can scope their buttons.

use leptos::prelude::*;

use super::fields::{Field, dyn_view, index_rows, kv_editor, remove_button, select_field};
use super::{Editor, FieldError, row_buttons};
use crate::scenario_form::{
    BodyKind, CheckForm, CheckKind, JourneyForm, RequestForm, ScenarioForm, StepForm, StepKind,
    ThinkForm, ThinkKind, move_item, parse_count, remove_at,
};
use shared::scenario::Method;

/// Every journey, and a button to add one.
#[component]
pub fn JourneyList() -> impl IntoView {
    let ed = Editor::use_context();
    let count = Memo::new(move |_| ed.form.with(|f| f.journeys.len()));
    view! {
        <section class="compose-section" aria-labelledby="compose-journeys">
            <h2 id="compose-journeys">"Journeys"</h2>
            <p class="hint">
                "Each iteration picks one journey by weight and runs its steps in order."
            </p>
            <FieldError path="journeys"/>
            {index_rows(count, move |i| view! { <JourneyEditor i=i count=count/> }.into_any())}
            <button
                type="button"
                class="add-button"
                data-action="add-journey"
                on:click=move |_| ed.form.update(ScenarioForm::add_journey)
            >
                "+ Add journey"
            </button>
        </section>
    }
}

/// Journey `i`'s share of the iterations, as people read a plan: whole percents (`44%`, not
/// `44.44%`), `<1%` and `>99%` at the edges. None while its own weight cannot be read (the
/// field shows why) or no weight can be, rather than a share of 0.
pub fn share_text(journeys: &[JourneyForm], i: usize) -> Option<String> {
    let weight = |j: &JourneyForm| parse_count(&j.weight, 0).ok().map(f64::from);
    let own = weight(journeys.get(i)?)?;
    let total: f64 = journeys.iter().filter_map(weight).sum();
    if total <= 0.0 {
        return None;
    }
    let p = own / total * 100.0;
    Some(if p > 0.0 && p < 1.0 {
        "<1%".to_owned()
    } else if p > 99.0 && p < 100.0 {
        ">99%".to_owned()
    } else {
        format!("{p:.0}%")
    })
}

#[component]
fn JourneyEditor(i: usize, count: Memo<usize>) -> impl IntoView {
    let ed = Editor::use_context();
    let jp = format!("journeys[{i}]");
    let steps = Memo::new(move |_| ed.form.with(|f| f.journey(i).map_or(0, |j| j.steps.len())));
    // This journey's share of the weights, read again on each edit (cheap).
    let share = move || ed.form.with(|f| share_text(&f.journeys, i));
    let push = move |step: fn() -> StepForm| {
        ed.form.update(|f| {
            if let Some(j) = f.journey_mut(i) {
                j.steps.push(step());
            }
        })
    };
    view! {
        <fieldset class="journey" data-path=jp.clone()>
            <legend class="journey__legend">{format!("Journey {}", i + 1)}</legend>
            <div class="journey__head">
                {Field::new(format!("{jp}.name"), "Name").view(
                    ed,
                    move |f| f.journey(i).map(|j| j.name.clone()).unwrap_or_default(),
                    move |f, v| {
                        if let Some(j) = f.journey_mut(i) {
                            j.name = v;
                        }
                    },
                )}
                {Field::new(format!("{jp}.weight"), "Weight").placeholder("1").view(
                    ed,
                    move |f| f.journey(i).map(|j| j.weight.clone()).unwrap_or_default(),
                    move |f, v| {
                        if let Some(j) = f.journey_mut(i) {
                            j.weight = v;
                        }
                    },
                )}
                <span class="journey__share">
                    {dyn_view(move || {
                        share().map(|s| format!("{s} of iterations")).into_any()
                    })}
                </span>
                {row_buttons(
                    "journey",
                    i,
                    count,
                    move |up| ed.form.update(|f| move_item(&mut f.journeys, i, up)),
                    move || ed.form.update(|f| remove_at(&mut f.journeys, i)),
                )}
            </div>
            <FieldError path=jp.clone()/>
            <ol class="steps">
                {index_rows(steps, move |j| view! { <StepEditor i=i j=j count=steps/> }.into_any())}
            </ol>
            <FieldError path=format!("{jp}.steps")/>
            <div class="journey__add">
                <button
                    type="button"
                    class="add-button"
                    data-action="add-request"
                    on:click=move |_| push(|| StepForm::Request(RequestForm::default()))
                >
                    "+ Request"
                </button>
                <button
                    type="button"
                    class="add-button"
                    data-action="add-think"
                    on:click=move |_| push(|| StepForm::Think(ThinkForm::default()))
                >
                    "+ Think time"
                </button>
            </div>
        </fieldset>
    }
}

#[component]
fn StepEditor(i: usize, j: usize, count: Memo<usize>) -> impl IntoView {
    let ed = Editor::use_context();
    let sp = format!("journeys[{i}].steps[{j}]");
    let kind = Memo::new(move |_| ed.form.with(|f| f.step(i, j).map(StepForm::kind)));
    let is_think = move || kind.get() == Some(StepKind::Think);
    let data_path = sp.clone();
    view! {
        <li class="step" data-path=data_path data-kind=move || if is_think() { "think" } else { "request" }>
            <div class="step__head">
                <span class="step__kind">{dyn_view(move || if is_think() { "Think" } else { "Request" }.into_any())}</span>
                <FieldError path=sp/>
                {row_buttons(
                    "step",
                    j,
                    count,
                    move |up| {
                        ed.form
                            .update(|f| {
                                if let Some(jn) = f.journey_mut(i) {
                                    move_item(&mut jn.steps, j, up);
                                }
                            })
                    },
                    move || {
                        ed.form
                            .update(|f| {
                                if let Some(jn) = f.journey_mut(i) {
                                    remove_at(&mut jn.steps, j);
                                }
                            })
                    },
                )}
            </div>
            {dyn_view(move || match kind.get() {
                Some(StepKind::Request) => request_editor(ed, i, j).into_any(),
                Some(StepKind::Think) => think_editor(ed, i, j).into_any(),
                None => ().into_any(),
            })}
        </li>
    }
}

/// A reader of one request field, for [`Field::view`].
fn rget(
    i: usize,
    j: usize,
    g: impl Fn(&RequestForm) -> String + Copy + Send + Sync + 'static,
) -> impl Fn(&ScenarioForm) -> String + Copy + Send + Sync + 'static {
    move |f| f.request(i, j).map(g).unwrap_or_default()
}

/// A writer of one request field, for [`Field::view`].
fn rset(
    i: usize,
    j: usize,
    s: impl Fn(&mut RequestForm, String) + Copy + Send + Sync + 'static,
) -> impl Fn(&mut ScenarioForm, String) + Copy + Send + Sync + 'static {
    move |f, v| {
        if let Some(r) = f.request_mut(i, j) {
            s(r, v);
        }
    }
}

fn request_editor(ed: Editor, i: usize, j: usize) -> impl IntoView {
    let rp = format!("journeys[{i}].steps[{j}].request");
    let body_kind = Memo::new(move |_| ed.form.with(|f| f.request(i, j).map(|r| r.body.kind)));
    let checks = Memo::new(move |_| {
        ed.form
            .with(|f| f.request(i, j).map_or(0, |r| r.checks.len()))
    });
    let body_path = rp.clone();
    let checks_path = format!("{rp}.checks");
    let checks_data_path = checks_path.clone();
    view! {
        <div class="request">
            <div class="request__line">
                {select_field(
                    ed,
                    format!("{rp}.method"),
                    "Method",
                    false,
                    || Method::ALL.iter().map(|m| (m.as_str().to_owned(), m.as_str().to_owned())).collect(),
                    rget(i, j, |r| r.method.as_str().to_owned()),
                    rset(
                        i,
                        j,
                        |r, v| {
                            if let Some(m) = Method::ALL.into_iter().find(|m| m.as_str() == v) {
                                r.method = m;
                            }
                        },
                    ),
                )}
                {Field::new(format!("{rp}.path"), "Path or URL")
                    .mono()
                    .wide()
                    .placeholder("/api/products/${id}")
                    .view(ed, rget(i, j, |r| r.path.clone()), rset(i, j, |r, v| r.path = v))}
                {Field::new(format!("{rp}.name"), "Metric name")
                    .placeholder("default: method and path")
                    .view(ed, rget(i, j, |r| r.name.clone()), rset(i, j, |r, v| r.name = v))}
            </div>
            {kv_editor(
                ed,
                format!("{rp}.headers"),
                "Headers",
                "header",
                move |f| f.request(i, j).map(|r| &r.headers),
                move |f| f.request_mut(i, j).map(|r| &mut r.headers),
            )}
            <div class="request__body">
                {select_field(
                    ed,
                    format!("{rp}.body"),
                    "Body",
                    false,
                    || BodyKind::ALL.iter().map(|k| (k.as_str().to_owned(), k.label().to_owned())).collect(),
                    rget(i, j, |r| r.body.kind.as_str().to_owned()),
                    rset(
                        i,
                        j,
                        |r, v| {
                            if let Some(k) = BodyKind::parse(&v) {
                                r.body.set_kind(k);
                            }
                        },
                    ),
                )}
                {dyn_view(move || {
                    let get = rget(i, j, |r| r.body.content().to_owned());
                    let set = rset(i, j, |r, v| r.body.set_content(v));
                    let at = |kind: BodyKind| format!("{body_path}.body.{}", kind.as_str());
                    match body_kind.get() {
                        Some(BodyKind::Text) => {
                            Field::new(at(BodyKind::Text), "Body text").multiline().wide().view(ed, get, set)
                        }
                        Some(BodyKind::Json) => {
                            Field::new(at(BodyKind::Json), "JSON body")
                                .multiline()
                                .wide()
                                .placeholder("{\"name\": \"${user}\"}")
                                .view(ed, get, set)
                        }
                        Some(BodyKind::Payload) => {
                            Field::new(at(BodyKind::Payload), "Payload size")
                                .placeholder("10KB")
                                .unit("bytes · 512B, 10KB, 1MB")
                                .view(ed, get, set)
                        }
                        Some(BodyKind::None) | None => ().into_any(),
                    }
                })}
            </div>
            <div class="checks" data-path=checks_data_path>
                <div class="kv__title">"Checks"</div>
                <FieldError path=checks_path/>
                {index_rows(checks, move |k| check_row(ed, i, j, k, checks).into_any())}
                <button
                    type="button"
                    class="add-button"
                    data-action="add-check"
                    on:click=move |_| {
                        ed.form
                            .update(|f| {
                                if let Some(r) = f.request_mut(i, j) {
                                    r.checks.push(CheckForm::new(CheckKind::Status));
                                }
                            })
                    }
                >
                    "+ check"
                </button>
            </div>
        </div>
    }
}

fn check_row(ed: Editor, i: usize, j: usize, k: usize, count: Memo<usize>) -> impl IntoView {
    let cp = format!("journeys[{i}].steps[{j}].request.checks[{k}]");
    let kind = Memo::new(move |_| {
        ed.form.with(|f| {
            f.request(i, j)
                .and_then(|r| r.checks.get(k))
                .map(|c| c.kind)
        })
    });
    let value = move |f: &ScenarioForm| {
        f.request(i, j)
            .and_then(|r| r.checks.get(k))
            .map(|c| c.value.clone())
            .unwrap_or_default()
    };
    let set_value = move |f: &mut ScenarioForm, v: String| {
        if let Some(c) = f.request_mut(i, j).and_then(|r| r.checks.get_mut(k)) {
            c.value = v;
        }
    };
    let inputs_path = cp.clone();
    let data_path = cp.clone();
    view! {
        <div class="check" data-path=data_path>
            {select_field(
                ed,
                format!("{cp}.kind"),
                format!("Check {} kind", k + 1),
                true,
                || CheckKind::ALL.iter().map(|c| (c.as_str().to_owned(), c.label().to_owned())).collect(),
                move |f| f.request(i, j).and_then(|r| r.checks.get(k)).map(|c| c.kind.as_str().to_owned()).unwrap_or_default(),
                move |f, v| {
                    if let (Some(c), Some(kind)) = (f.request_mut(i, j).and_then(|r| r.checks.get_mut(k)), CheckKind::parse(&v)) {
                        c.set_kind(kind);
                    }
                },
            )}
            {dyn_view(move || {
                let cp = &inputs_path;
                let field = |seg: &str, label: &str, placeholder: &str| {
                    Field::new(format!("{cp}.{seg}"), label).hide_label().mono().placeholder(placeholder).view(ed, value, set_value)
                };
                match kind.get() {
                    Some(CheckKind::Status) => field("status", "Status codes", "200, 201"),
                    Some(CheckKind::BodyContains) => field("body_contains", "Text the body contains", "Welcome"),
                    Some(CheckKind::HeaderPresent) => field("header_present", "Header name", "content-type"),
                    Some(CheckKind::LatencyUnder) => field("latency_under", "Latency limit", "500ms"),
                    Some(CheckKind::Json) => {
                        view! {
                            {field("json.pointer", "JSON pointer", "/data/id")}
                            <span class="check__eq">"="</span>
                            {Field::new(format!("{cp}.json.equals"), "Expected value")
                                .hide_label()
                                .mono()
                                .placeholder("5, true, \"ok\"")
                                .view(
                                    ed,
                                    move |f| {
                                        f.request(i, j)
                                            .and_then(|r| r.checks.get(k))
                                            .map(|c| c.equals.clone())
                                            .unwrap_or_default()
                                    },
                                    move |f, v| {
                                        if let Some(c) = f.request_mut(i, j).and_then(|r| r.checks.get_mut(k)) {
                                            c.equals = v;
                                        }
                                    },
                                )}
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                }
            })}
            <FieldError path=cp/>
            {remove_button(
                "check",
                k,
                count,
                move || {
                    ed.form
                        .update(|f| {
                            if let Some(r) = f.request_mut(i, j) {
                                remove_at(&mut r.checks, k);
                            }
                        })
                },
            )}
        </div>
    }
}

fn think_editor(ed: Editor, i: usize, j: usize) -> impl IntoView {
    let tp = format!("journeys[{i}].steps[{j}].think");
    let kind = Memo::new(move |_| ed.form.with(|f| f.think(i, j).map(|t| t.kind)));
    let tget = move |g: fn(&ThinkForm) -> &String| {
        move |f: &ScenarioForm| f.think(i, j).map(|t| g(t).clone()).unwrap_or_default()
    };
    let tset = move |s: fn(&mut ThinkForm) -> &mut String| {
        move |f: &mut ScenarioForm, v: String| {
            if let Some(t) = f.think_mut(i, j) {
                *s(t) = v;
            }
        }
    };
    let inputs_path = tp.clone();
    view! {
        <div class="think">
            {select_field(
                ed,
                format!("{tp}.kind"),
                "Pause",
                false,
                || vec![("fixed".into(), "fixed".into()), ("range".into(), "random in a range".into())],
                move |f| {
                    match f.think(i, j).map(|t| t.kind) {
                        Some(ThinkKind::Uniform) => "range".into(),
                        _ => "fixed".into(),
                    }
                },
                move |f, v| {
                    if let Some(t) = f.think_mut(i, j) {
                        t.kind = if v == "range" { ThinkKind::Uniform } else { ThinkKind::Fixed };
                    }
                },
            )}
            {dyn_view(move || {
                let tp = inputs_path.clone();
                match kind.get() {
                    Some(ThinkKind::Fixed) => {
                        Field::new(tp, "Length").placeholder("1s, 500ms").view(ed, tget(|t| &t.fixed), tset(|t| &mut t.fixed))
                    }
                    Some(ThinkKind::Uniform) => {
                        view! {
                            {Field::new(format!("{tp}.min"), "From")
                                .placeholder("1s")
                                .view(ed, tget(|t| &t.min), tset(|t| &mut t.min))}
                            {Field::new(format!("{tp}.max"), "To")
                                .placeholder("3s")
                                .view(ed, tget(|t| &t.max), tset(|t| &mut t.max))}
                            <FieldError path=tp/>
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                }
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journeys(weights: &[&str]) -> Vec<JourneyForm> {
        weights
            .iter()
            .map(|w| JourneyForm {
                name: "j".into(),
                weight: (*w).to_owned(),
                steps: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn shares_are_whole_percents_and_absent_for_a_weight_that_cannot_be_read() {
        let web_app = journeys(&["4", "2", "3"]);
        let shares: Vec<_> = (0..3).map(|i| share_text(&web_app, i)).collect();
        assert_eq!(
            shares,
            [Some("44%".into()), Some("22%".into()), Some("33%".into())]
        );
        assert_eq!(share_text(&journeys(&["1"]), 0).as_deref(), Some("100%"));
        assert_eq!(share_text(&journeys(&["0", "1"]), 0).as_deref(), Some("0%"));
        let lopsided = journeys(&["1", "300"]);
        assert_eq!(share_text(&lopsided, 0).as_deref(), Some("<1%"));
        assert_eq!(share_text(&lopsided, 1).as_deref(), Some(">99%"));
        // A weight being typed that does not read yet has no share (not "0.00%"); the others
        // share what can be read.
        let typing = journeys(&["-2", "1"]);
        assert_eq!(share_text(&typing, 0), None);
        assert_eq!(share_text(&typing, 1).as_deref(), Some("100%"));
        assert_eq!(share_text(&journeys(&["0"]), 0), None);
        assert_eq!(share_text(&typing, 5), None);
    }
}
