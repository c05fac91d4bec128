//! Which problems the form shows and where: its own reading problems, and the server's while
//! they are still about what the form holds ([`form_problems`]); every problem path
//! (`journeys[0].steps[1].request.method`, `headers.x-api-key`, `load.stages[2].target`) is
//! mapped to the nearest field or error slot the form renders; the rest go to a list at the
//! top of the page.

use std::collections::{BTreeMap, BTreeSet};

use shared::api::Problem;
use shared::scenario::{Scenario, header_name_problem};

use super::{BodyKind, FieldError, ScenarioForm, StepForm, ThinkKind};

/// True for `load` and the paths under it (no other part of a scenario starts with `load`).
fn in_load(path: &str) -> bool {
    path.starts_with("load")
}

/// The problems the form shows: what it cannot read (`read`'s errors) and the problems the
/// server found in the document `about` (`None`: no document, such as text it could not read)
/// while the form still holds what they are about. They stand while the form reads as exactly
/// that document; problems under `load` depend on the load profile alone (shared's validation
/// checks it on its own), so they also stand while the profile is unchanged, whatever else was
/// edited. Anything else waits for the answer about the new document, which a form that cannot
/// be read never gets.
pub fn form_problems(
    form: &ScenarioForm,
    read: &Result<Scenario, Vec<FieldError>>,
    about: Option<&Scenario>,
    server: &[Problem],
) -> Vec<Problem> {
    let mut out: Vec<Problem> = match read {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|(path, message)| Problem {
                path: path.clone(),
                message: message.clone(),
                line: None,
                column: None,
            })
            .collect(),
    };
    let Some(about) = about else {
        return out;
    };
    if read.as_ref().is_ok_and(|s| s == about) {
        out.extend_from_slice(server);
    } else if server.iter().any(|p| in_load(&p.path))
        && form.load.to_profile().is_ok_and(|l| l == about.load)
    {
        out.extend(server.iter().filter(|p| in_load(&p.path)).cloned());
    }
    out
}

/// Problems sorted by where they are shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlacedProblems {
    /// By slot path ([`ScenarioForm::slots`]), in the order they came.
    pub by_field: BTreeMap<String, Vec<Problem>>,
    /// Problems no field of the form stands for.
    pub unplaced: Vec<Problem>,
}

impl PlacedProblems {
    /// Every problem, placed or not.
    pub fn len(&self) -> usize {
        self.by_field.values().map(Vec::len).sum::<usize>() + self.unplaced.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a problem is shown in the load section: the profile cannot be read, or
    /// validation rejected it.
    pub fn in_load(&self) -> bool {
        self.by_field.keys().any(|slot| in_load(slot))
    }
}

fn kv_paths(out: &mut Vec<String>, base: &str, rows: usize) {
    out.push(base.to_owned());
    for k in 0..rows {
        out.push(format!("{base}[{k}].name"));
        out.push(format!("{base}[{k}].value"));
    }
}

impl ScenarioForm {
    /// Every path the form shows problems at: its inputs (each carries `data-field` with the same
    /// path) and a few slots for problems about a whole part (`journeys[0]`, `load.stages`).
    pub fn slots(&self) -> BTreeSet<String> {
        let mut out: Vec<String> = [
            "name",
            "description",
            "target",
            "journeys",
            "thresholds",
            "options",
        ]
        .map(String::from)
        .to_vec();
        kv_paths(&mut out, "headers", self.headers.len());
        kv_paths(&mut out, "variables", self.variables.len());
        for (i, j) in self.journeys.iter().enumerate() {
            let jp = format!("journeys[{i}]");
            out.extend([
                jp.clone(),
                format!("{jp}.name"),
                format!("{jp}.weight"),
                format!("{jp}.steps"),
            ]);
            for (s, step) in j.steps.iter().enumerate() {
                let sp = format!("{jp}.steps[{s}]");
                out.push(sp.clone());
                match step {
                    StepForm::Think(t) => {
                        out.push(format!("{sp}.think"));
                        if t.kind == ThinkKind::Uniform {
                            out.extend([format!("{sp}.think.min"), format!("{sp}.think.max")]);
                        }
                    }
                    StepForm::Request(r) => {
                        let rp = format!("{sp}.request");
                        out.extend(["name", "method", "path", "body"].map(|f| format!("{rp}.{f}")));
                        kv_paths(&mut out, &format!("{rp}.headers"), r.headers.len());
                        if r.body.kind != BodyKind::None {
                            out.push(format!("{rp}.body.{}", r.body.kind.as_str()));
                        }
                        out.push(format!("{rp}.checks"));
                        for (k, c) in r.checks.iter().enumerate() {
                            let cp = format!("{rp}.checks[{k}]");
                            out.push(format!("{cp}.{}", c.value_segment()));
                            if c.kind == super::CheckKind::Json {
                                out.push(format!("{cp}.json.equals"));
                            }
                            out.push(cp);
                        }
                    }
                }
            }
        }
        out.extend(self.load.field_paths());
        for t in 0..self.thresholds.len() {
            out.extend([
                format!("thresholds[{t}]"),
                format!("thresholds[{t}].request"),
                format!("thresholds[{t}].abort_on_fail"),
            ]);
        }
        out.extend(
            [
                "options.timeout",
                "options.graceful_stop",
                "options.insecure_tls",
            ]
            .map(String::from),
        );
        // Inserted one by one: collecting into a set sorts first, one more sort routine in the
        // wasm.
        let mut slots = BTreeSet::new();
        for slot in out {
            slots.insert(slot);
        }
        slots
    }
}

/// `headers.<key>` paths name a header by key; the form has rows. The row with that key: its
/// `name` field for a problem with the key itself, else its `value` field (`headers[i].value`).
fn keyed_row(rows: &[super::KeyValue], base: &str, key: &str, field: &str) -> Option<String> {
    rows.iter()
        .position(|r| r.key == key)
        .map(|i| format!("{base}[{i}].{field}"))
}

/// `journeys[3].steps[1]` → (3, 1).
fn step_indices(prefix: &str) -> Option<(usize, usize)> {
    let rest = prefix.strip_prefix("journeys[")?;
    let (i, rest) = rest.split_once("].steps[")?;
    let j = rest.strip_suffix(']')?;
    Some((i.parse().ok()?, j.parse().ok()?))
}

/// Rewrites key-named map entries (`headers.x-api-key`, `variables.id`,
/// `journeys[0].steps[2].request.headers.accept`) to the form's row paths. The server names a
/// header's entry for a problem with its name or its value alike: only the name's problem
/// (shared's `header_name_problem`) is shown at the name. Variables are checked by name alone.
fn to_row_path(form: &ScenarioForm, path: &str, message: &str) -> Option<String> {
    if let Some(key) = path.strip_prefix("variables.") {
        return keyed_row(&form.variables, "variables", key, "name");
    }
    let header_field = |key: &str| {
        if header_name_problem(key).is_some_and(|m| m == message) {
            "name"
        } else {
            "value"
        }
    };
    if let Some(key) = path.strip_prefix("headers.") {
        return keyed_row(&form.headers, "headers", key, header_field(key));
    }
    let (prefix, key) = path.split_once(".request.headers.")?;
    let (i, j) = step_indices(prefix)?;
    keyed_row(
        &form.request(i, j)?.headers,
        &format!("{prefix}.request.headers"),
        key,
        header_field(key),
    )
}

/// Parents of a path, nearest first: `a.b[1].c` → `a.b[1].c`, `a.b[1]`, `a.b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let cuts = path
        .char_indices()
        .filter(|&(_, c)| c == '.' || c == '[')
        .map(|(i, _)| i);
    std::iter::once(path).chain(
        cuts.collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(move |i| &path[..i]),
    )
}

/// The slot a problem at `path` saying `message` is shown at: the field itself, else its
/// nearest enclosing slot; `None` (the top list) when no part of the form stands for it.
pub fn locate(form: &ScenarioForm, path: &str, message: &str) -> Option<String> {
    locate_in(form, &form.slots(), path, message)
}

fn locate_in(
    form: &ScenarioForm,
    slots: &BTreeSet<String>,
    path: &str,
    message: &str,
) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    if let Some(row) = to_row_path(form, path, message) {
        return Some(row);
    }
    ancestors(path)
        .find(|p| slots.contains(*p))
        .map(str::to_owned)
}

/// Sorts problems by the slot they are shown at.
pub fn place(form: &ScenarioForm, problems: &[Problem]) -> PlacedProblems {
    let slots = form.slots();
    let mut placed = PlacedProblems::default();
    for p in problems {
        match locate_in(form, &slots, &p.path, &p.message) {
            Some(slot) => placed.by_field.entry(slot).or_default().push(p.clone()),
            None => placed.unplaced.push(p.clone()),
        }
    }
    placed
}
