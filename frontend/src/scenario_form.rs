//! The compose page's form model: what people type, kept as plain strings (so a half-typed
//! `10K` or `1.` is never lost), and its conversion to and from a [`Scenario`]. Pure, no DOM;
//! tested natively.
//!
//! Every field has a path in the same syntax as the server's [`shared::api::Problem::path`]
//! (`journeys[0].steps[1].request.method`, `load.stages[2].target`, `thresholds[0]`), so a
//! problem found here or by the server is shown next to the field it names ([`problems`]).

mod journey;
mod load;
pub mod markup;
mod problems;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use shared::scenario::{Journey, RunOptions, Scenario};
use shared::threshold::ThresholdSpec;
use shared::units::HumanDuration;

pub use journey::{
    BodyForm, BodyKind, CheckForm, CheckKind, JourneyForm, RequestForm, StepForm, StepKind,
    ThinkForm, ThinkKind, parse_status_list,
};
pub use load::{
    LoadField, LoadForm, LoadKind, LoadKindForm, LoadPreview, PREVIEW_POINTS, StageForm,
    checked_preview, preview,
};
pub use problems::{PlacedProblems, form_problems, locate, place};

/// A problem found while reading the form: the field path and what is wrong.
pub type FieldError = (String, String);

/// A name/value row (headers, variables). A row with both cells empty is ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyValue {
    /// Header or variable name.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// The whole scenario as the form holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioForm {
    /// `name`.
    pub name: String,
    /// `description` (empty: none).
    pub description: String,
    /// `target` (empty: none).
    pub target: String,
    /// `headers`, one row each.
    pub headers: Vec<KeyValue>,
    /// `variables`, one row each.
    pub variables: Vec<KeyValue>,
    /// `journeys`.
    pub journeys: Vec<JourneyForm>,
    /// `load`.
    pub load: LoadForm,
    /// `thresholds`.
    pub thresholds: Vec<ThresholdForm>,
    /// `options`.
    pub options: OptionsForm,
}

/// A threshold row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThresholdForm {
    /// The expression (`p(95) < 200ms`).
    pub expr: String,
    /// Request name it is scoped to (empty: all requests).
    pub request: String,
    /// Stop the run when it fails.
    pub abort_on_fail: bool,
}

/// `options`.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionsForm {
    /// Per-request timeout.
    pub timeout: String,
    /// Graceful stop.
    pub graceful_stop: String,
    /// Accept invalid certificates.
    pub insecure_tls: bool,
}

impl Default for OptionsForm {
    fn default() -> Self {
        Self::from_options(&RunOptions::default())
    }
}

impl OptionsForm {
    fn from_options(o: &RunOptions) -> Self {
        Self {
            timeout: o.timeout.to_string(),
            graceful_stop: o.graceful_stop.to_string(),
            insecure_tls: o.insecure_tls,
        }
    }
}

impl Default for ScenarioForm {
    /// A small starting scenario: one journey (a page view and a pause), 10 users for 30 s.
    fn default() -> Self {
        Self {
            name: "my_scenario".into(),
            description: String::new(),
            target: String::new(),
            headers: Vec::new(),
            variables: Vec::new(),
            journeys: vec![JourneyForm {
                name: "browse".into(),
                weight: "1".into(),
                steps: vec![
                    StepForm::Request(RequestForm::default()),
                    StepForm::Think(ThinkForm::default()),
                ],
            }],
            load: LoadForm::default(),
            thresholds: vec![
                ThresholdForm {
                    expr: "p(95) < 500ms".into(),
                    ..ThresholdForm::default()
                },
                ThresholdForm {
                    expr: "error_rate < 1%".into(),
                    ..ThresholdForm::default()
                },
            ],
            options: OptionsForm::default(),
        }
    }
}

// ---- reading the form --------------------------------------------------------------------

/// Collects problems while reading the form, so every field is reported, not just the first.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push((path.into(), message.into()));
    }

    /// Keeps `Ok` values; records `Err` at `path`.
    fn take<T>(&mut self, path: impl Into<String>, r: Result<T, String>) -> Option<T> {
        r.map_err(|e| self.push(path, e)).ok()
    }
}

/// A duration field: `30s`, `2m`, `500ms`. Read by the document's own parser, so the form
/// accepts exactly what YAML/JSON does: a bare number (`10`, even `0`) needs a unit.
pub fn parse_duration(text: &str) -> Result<HumanDuration, String> {
    if text.trim().is_empty() {
        return Err("enter a duration, e.g. 30s, 2m or 500ms".into());
    }
    HumanDuration::parse(text)
}

/// A whole-number field (weights, users). `min` is the least the server accepts there (1 for
/// `users` and `max_users`, 0 for weights and `start_users`; see `shared`'s validation): the
/// message for text that is no whole number names it, and a number below it is left for the
/// server to refuse, so each rule is stated once.
pub fn parse_count(text: &str, min: u32) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    t.parse::<u32>().map_err(|_| {
        if t.bytes().all(|b| b.is_ascii_digit()) {
            // Digits only: a whole number, too large for any count a scenario holds.
            format!("\"{t}\" is too large")
        } else {
            format!("\"{t}\" is not a whole number ({min} or more)")
        }
    })
}

/// A decimal field (rates, fractions).
pub fn parse_number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a number".into());
    }
    shared::units::parse_decimal(t)
        .ok_or_else(|| format!("\"{t}\" is not a number (e.g. 5 or 0.5)"))
}

/// A decimal as the form shows it: `5`, `0.5` (shortest text that reads back the same). A
/// negative zero (valid in a document: `-0.0`) is `0`: its `-0` could not be read back.
pub fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    format!("{v}")
}

fn rows_to_map(rows: &[KeyValue], path: &str, errs: &mut Errors) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        if row.key.is_empty() && row.value.is_empty() {
            continue;
        }
        let at = format!("{path}[{i}].name");
        if row.key.trim().is_empty() {
            errs.push(at, "enter a name");
        } else if map.insert(row.key.clone(), row.value.clone()).is_some() {
            errs.push(at, format!("\"{}\" is listed twice", row.key));
        }
    }
    map
}

fn map_to_rows(map: &BTreeMap<String, String>) -> Vec<KeyValue> {
    map.iter()
        .map(|(k, v)| KeyValue {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

impl ScenarioForm {
    /// The form for a scenario.
    pub fn from_scenario(s: &Scenario) -> Self {
        Self {
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            target: s.target.clone().unwrap_or_default(),
            headers: map_to_rows(&s.headers),
            variables: map_to_rows(&s.variables),
            journeys: s.journeys.iter().map(JourneyForm::from_journey).collect(),
            load: LoadForm::from_profile(&s.load),
            thresholds: s
                .thresholds
                .iter()
                .map(|t| ThresholdForm {
                    expr: t.expr.clone(),
                    request: t.request.clone().unwrap_or_default(),
                    abort_on_fail: t.abort_on_fail,
                })
                .collect(),
            options: OptionsForm::from_options(&s.options),
        }
    }

    /// The scenario the form describes, or every field that cannot be read, with its path.
    /// Semantic checks (valid URLs, threshold syntax, limits) are the server's.
    pub fn to_scenario(&self) -> Result<Scenario, Vec<FieldError>> {
        let mut errs = Errors::default();
        let headers = rows_to_map(&self.headers, "headers", &mut errs);
        let variables = rows_to_map(&self.variables, "variables", &mut errs);
        let journeys: Vec<Journey> = self
            .journeys
            .iter()
            .enumerate()
            .map(|(i, j)| j.to_journey(&format!("journeys[{i}]"), &mut errs))
            .collect();
        let load = self.load.to_profile().map_err(|e| errs.0.extend(e)).ok();
        let thresholds = self
            .thresholds
            .iter()
            .map(|t| ThresholdSpec {
                expr: t.expr.clone(),
                request: non_empty(&t.request),
                abort_on_fail: t.abort_on_fail,
            })
            .collect();
        let timeout = errs.take("options.timeout", parse_duration(&self.options.timeout));
        let graceful_stop = errs.take(
            "options.graceful_stop",
            parse_duration(&self.options.graceful_stop),
        );
        match (load, timeout, graceful_stop) {
            (Some(load), Some(timeout), Some(graceful_stop)) if errs.0.is_empty() => Ok(Scenario {
                name: self.name.clone(),
                description: non_empty(&self.description),
                target: non_empty(&self.target).map(|t| t.trim().to_owned()),
                headers,
                variables,
                journeys,
                load,
                thresholds,
                options: RunOptions {
                    timeout,
                    graceful_stop,
                    insecure_tls: self.options.insecure_tls,
                },
            }),
            _ => Err(errs.0),
        }
    }

    /// Distinct request names in step order, as thresholds can name them.
    pub fn request_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for step in self.journeys.iter().flat_map(|j| &j.steps) {
            if let StepForm::Request(r) = step {
                let name = r.metric_name();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// Journey `i`.
    pub fn journey(&self, i: usize) -> Option<&JourneyForm> {
        self.journeys.get(i)
    }

    /// Journey `i`, to change.
    pub fn journey_mut(&mut self, i: usize) -> Option<&mut JourneyForm> {
        self.journeys.get_mut(i)
    }

    /// Step `j` of journey `i`.
    pub fn step(&self, i: usize, j: usize) -> Option<&StepForm> {
        self.journeys.get(i)?.steps.get(j)
    }

    /// Step `j` of journey `i`, to change.
    pub fn step_mut(&mut self, i: usize, j: usize) -> Option<&mut StepForm> {
        self.journeys.get_mut(i)?.steps.get_mut(j)
    }

    /// The request of step `j` of journey `i`, if it is one.
    pub fn request(&self, i: usize, j: usize) -> Option<&RequestForm> {
        match self.step(i, j)? {
            StepForm::Request(r) => Some(r),
            StepForm::Think(_) => None,
        }
    }

    /// The request of step `j` of journey `i`, to change.
    pub fn request_mut(&mut self, i: usize, j: usize) -> Option<&mut RequestForm> {
        match self.step_mut(i, j)? {
            StepForm::Request(r) => Some(r),
            StepForm::Think(_) => None,
        }
    }

    /// The think step `j` of journey `i`, if it is one.
    pub fn think(&self, i: usize, j: usize) -> Option<&ThinkForm> {
        match self.step(i, j)? {
            StepForm::Think(t) => Some(t),
            StepForm::Request(_) => None,
        }
    }

    /// The think step `j` of journey `i`, to change.
    pub fn think_mut(&mut self, i: usize, j: usize) -> Option<&mut ThinkForm> {
        match self.step_mut(i, j)? {
            StepForm::Think(t) => Some(t),
            StepForm::Request(_) => None,
        }
    }

    /// Adds a journey with a fresh name.
    pub fn add_journey(&mut self) {
        let mut n = self.journeys.len() + 1;
        while self
            .journeys
            .iter()
            .any(|j| j.name == format!("journey_{n}"))
        {
            n += 1;
        }
        self.journeys.push(JourneyForm::numbered(n));
    }
}

// ---- list editing ------------------------------------------------------------------------

/// Removes item `i`, if there is one.
pub fn remove_at<T>(items: &mut Vec<T>, i: usize) {
    if i < items.len() {
        items.remove(i);
    }
}

/// Moves item `i` one place up (`up`) or down; nothing at the ends.
pub fn move_item<T>(items: &mut [T], i: usize, up: bool) {
    if up && i > 0 && i < items.len() {
        items.swap(i - 1, i);
    } else if !up && i + 1 < items.len() {
        items.swap(i, i + 1);
    }
}

/// Where the keyboard focus goes after row `i` of `len` rows moved up (`up`) or down, so it
/// follows the row: how many rows from `i` the row now is, and whether to its up button (else
/// its down button). The same direction as the move, unless the row reached that end of the
/// list, where that button is disabled.
pub fn focus_after_move(i: usize, up: bool, len: usize) -> (isize, bool) {
    let at = if up {
        i.saturating_sub(1)
    } else {
        (i + 1).min(len.saturating_sub(1)).max(i)
    };
    let offset = if at < i { -1 } else { isize::from(at > i) };
    (offset, if up { at > 0 } else { at + 1 >= len })
}

/// Where the keyboard focus goes after row `i` of `len` rows (counted before) is removed: the
/// first field of the row before it, counted from `i`, or of the row that took its place when
/// it was the first; `None` when the list is now empty (its add button takes the focus). Never
/// a button of another row, which a second Enter would press.
pub fn focus_after_remove(i: usize, len: usize) -> Option<isize> {
    if i > 0 {
        Some(-1)
    } else {
        (len > 1).then_some(0)
    }
}

/// Where 1-based `line` and `column` (in characters) fall in `text`, in UTF-16 units as a
/// text area's selection counts them; clamped to the text.
pub fn text_offset(text: &str, line: u64, column: u64) -> u32 {
    let mut offset = 0usize;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n as u64 + 1 == line.max(1) {
            let col = usize::try_from(column.max(1) - 1).unwrap_or(usize::MAX);
            let body = l.trim_end_matches(['\n', '\r']);
            offset += body.chars().take(col).map(char::len_utf16).sum::<usize>();
            return u32::try_from(offset).unwrap_or(u32::MAX);
        }
        offset += l.chars().map(char::len_utf16).sum::<usize>();
    }
    u32::try_from(offset).unwrap_or(u32::MAX)
}
