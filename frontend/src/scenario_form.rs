//! The compose page's form model: what people type, kept as plain strings (so a half-typed
//! `10K` or `1.` is never lost), and its conversion to and from a [`Scenario`]. Pure, no DOM;
//! tested natively.
//!
//! Every field has a path in the same syntax as the server's [`shared::api::Problem::path`]
//! (`journeys[0].steps[1].request.method`, `load.stages[2].target`, `thresholds[0]`), so a
//! problem found here or by the server is shown next to the field it names ([`problems`]).

mod load;
mod problems;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use shared::scenario::{
    Body, Check, JsonCheck, Journey, Method, RequestStep, RunOptions, Scenario, Step, Think,
};
use shared::threshold::ThresholdSpec;
use shared::units::{ByteSize, HumanDuration};

pub use load::{LoadField, LoadForm, LoadKind, LoadPreview, StageForm, preview, preview_points};
pub use problems::{PlacedProblems, locate, place};

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

/// One journey.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyForm {
    /// Name.
    pub name: String,
    /// Weight, a whole number.
    pub weight: String,
    /// Steps in order.
    pub steps: Vec<StepForm>,
}

/// One step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepForm {
    /// An HTTP request.
    Request(RequestForm),
    /// A pause.
    Think(ThinkForm),
}

/// Which kind of step, for views that switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// [`StepForm::Request`].
    Request,
    /// [`StepForm::Think`].
    Think,
}

impl StepForm {
    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        match self {
            StepForm::Request(_) => StepKind::Request,
            StepForm::Think(_) => StepKind::Think,
        }
    }
}

/// A request step.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestForm {
    /// Metric name (empty: the default `METHOD path`).
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// Path or full URL.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<KeyValue>,
    /// Body.
    pub body: BodyForm,
    /// Checks on the response.
    pub checks: Vec<CheckForm>,
}

impl Default for RequestForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            method: Method::Get,
            path: "/".into(),
            headers: Vec::new(),
            body: BodyForm::default(),
            checks: vec![CheckForm::new(CheckKind::Status)],
        }
    }
}

impl RequestForm {
    /// The name the request's metrics are kept under (as the server names it).
    pub fn metric_name(&self) -> String {
        if self.name.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            self.name.clone()
        }
    }
}

/// Kinds of request body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    #[default]
    None,
    /// Literal text.
    Text,
    /// A JSON document.
    Json,
    /// A generated payload of a given size.
    Payload,
}

impl BodyKind {
    /// Every kind, in menu order.
    pub const ALL: [BodyKind; 4] = [BodyKind::None, BodyKind::Text, BodyKind::Json, BodyKind::Payload];

    /// Value in the kind menu, and the last segment of the content field's path.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::None => "none",
            BodyKind::Text => "text",
            BodyKind::Json => "json",
            BodyKind::Payload => "payload",
        }
    }

    /// Label in the kind menu.
    pub fn label(self) -> &'static str {
        match self {
            BodyKind::None => "no body",
            BodyKind::Text => "text",
            BodyKind::Json => "JSON",
            BodyKind::Payload => "generated payload",
        }
    }

    /// The kind named `s` ([`BodyKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A request body: its kind and what was typed (text, JSON, or a size such as `10KB`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BodyForm {
    /// Kind.
    pub kind: BodyKind,
    /// Content, interpreted by kind.
    pub content: String,
}

impl BodyForm {
    /// Switches the kind, keeping the content when it still makes sense.
    pub fn set_kind(&mut self, kind: BodyKind) {
        match kind {
            BodyKind::Payload if ByteSize::parse(&self.content).is_err() => self.content = "10KB".into(),
            BodyKind::Json if self.content.trim().is_empty() => self.content = "{}".into(),
            _ => {}
        }
        self.kind = kind;
    }
}

/// Kinds of response check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Status code in a list.
    Status,
    /// Body contains a text.
    BodyContains,
    /// A JSON pointer equals a value.
    Json,
    /// A header is present.
    HeaderPresent,
    /// Latency under a limit.
    LatencyUnder,
}

impl CheckKind {
    /// Every kind, in menu order.
    pub const ALL: [CheckKind; 5] = [
        CheckKind::Status,
        CheckKind::BodyContains,
        CheckKind::Json,
        CheckKind::HeaderPresent,
        CheckKind::LatencyUnder,
    ];

    /// The key in the document (`status`, `body_contains`, …), also the menu value.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Status => "status",
            CheckKind::BodyContains => "body_contains",
            CheckKind::Json => "json",
            CheckKind::HeaderPresent => "header_present",
            CheckKind::LatencyUnder => "latency_under",
        }
    }

    /// Label in the kind menu.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Status => "status is one of",
            CheckKind::BodyContains => "body contains",
            CheckKind::Json => "JSON pointer equals",
            CheckKind::HeaderPresent => "header present",
            CheckKind::LatencyUnder => "latency under",
        }
    }

    /// The kind named `s` ([`CheckKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a new check of this kind starts with.
    pub fn default_value(self) -> &'static str {
        match self {
            CheckKind::Status => "200",
            CheckKind::LatencyUnder => "1s",
            CheckKind::Json => "/",
            CheckKind::BodyContains | CheckKind::HeaderPresent => "",
        }
    }
}

/// A response check: its kind, the main value (status list, text, pointer, header name or
/// duration) and, for JSON checks, the expected value as JSON (plain text is taken as a string).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckForm {
    /// Kind.
    pub kind: CheckKind,
    /// Main value.
    pub value: String,
    /// JSON checks: the expected value.
    pub equals: String,
}

impl CheckForm {
    /// A new check of a kind, with its default value.
    pub fn new(kind: CheckKind) -> Self {
        Self { kind, value: kind.default_value().into(), equals: String::new() }
    }

    /// Switches the kind; the value starts over (a status list is no header name).
    pub fn set_kind(&mut self, kind: CheckKind) {
        if kind != self.kind {
            *self = Self::new(kind);
        }
    }

    /// Path segment of the main value under `checks[k]`.
    pub fn value_segment(&self) -> &'static str {
        match self.kind {
            CheckKind::Json => "json.pointer",
            k => k.as_str(),
        }
    }
}

/// Kinds of think time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkKind {
    /// Always the same.
    Fixed,
    /// Uniform in a range.
    Uniform,
}

/// A think step.
#[derive(Debug, Clone, PartialEq)]
pub struct ThinkForm {
    /// Fixed or range.
    pub kind: ThinkKind,
    /// Fixed pause.
    pub fixed: String,
    /// Range start.
    pub min: String,
    /// Range end.
    pub max: String,
}

impl Default for ThinkForm {
    fn default() -> Self {
        Self { kind: ThinkKind::Fixed, fixed: "1s".into(), min: "1s".into(), max: "3s".into() }
    }
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
                steps: vec![StepForm::Request(RequestForm::default()), StepForm::Think(ThinkForm::default())],
            }],
            load: LoadForm::default(),
            thresholds: vec![
                ThresholdForm { expr: "p(95) < 500ms".into(), ..ThresholdForm::default() },
                ThresholdForm { expr: "error_rate < 1%".into(), ..ThresholdForm::default() },
            ],
            options: OptionsForm::default(),
        }
    }
}

impl JourneyForm {
    /// A new journey named `journey_<n>` with one request.
    pub fn numbered(n: usize) -> Self {
        Self {
            name: format!("journey_{n}"),
            weight: "1".into(),
            steps: vec![StepForm::Request(RequestForm::default())],
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

/// A duration field: `30s`, `2m`, `500ms`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<HumanDuration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a duration, e.g. 30s, 2m or 500ms".into());
    }
    if t.parse::<f64>().is_ok_and(f64::is_finite) {
        return HumanDuration::parse(&format!("{t}s"));
    }
    HumanDuration::parse(t)
}

/// A whole-number field (users, weights).
pub fn parse_count(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    t.parse::<u32>().map_err(|_| format!("\"{t}\" is not a whole number (0 or more)"))
}

/// A decimal field (rates, fractions).
pub fn parse_number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a number".into());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("\"{t}\" is not a number (e.g. 5 or 0.5)")),
    }
}

/// A decimal as the form shows it: `5`, `0.5` (shortest text that reads back the same).
pub fn format_number(v: f64) -> String {
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
    map.iter().map(|(k, v)| KeyValue { key: k.clone(), value: v.clone() }).collect()
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
        let graceful_stop = errs.take("options.graceful_stop", parse_duration(&self.options.graceful_stop));
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
                options: RunOptions { timeout, graceful_stop, insecure_tls: self.options.insecure_tls },
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
        while self.journeys.iter().any(|j| j.name == format!("journey_{n}")) {
            n += 1;
        }
        self.journeys.push(JourneyForm::numbered(n));
    }
}

impl JourneyForm {
    fn from_journey(j: &Journey) -> Self {
        Self {
            name: j.name.clone(),
            weight: j.weight.to_string(),
            steps: j
                .steps
                .iter()
                .map(|s| match s {
                    Step::Request(r) => StepForm::Request(RequestForm::from_request(r)),
                    Step::Think(t) => StepForm::Think(ThinkForm::from_think(*t)),
                })
                .collect(),
        }
    }

    fn to_journey(&self, path: &str, errs: &mut Errors) -> Journey {
        let weight = errs.take(format!("{path}.weight"), parse_count(&self.weight)).unwrap_or(1);
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let at = format!("{path}.steps[{j}]");
                match s {
                    StepForm::Request(r) => Step::Request(r.to_request(&format!("{at}.request"), errs)),
                    StepForm::Think(t) => Step::Think(t.to_think(&format!("{at}.think"), errs)),
                }
            })
            .collect();
        Journey { name: self.name.clone(), weight, steps }
    }
}

impl RequestForm {
    fn from_request(r: &RequestStep) -> Self {
        let body = match &r.body {
            None => BodyForm::default(),
            Some(Body::Text(t)) => BodyForm { kind: BodyKind::Text, content: t.clone() },
            Some(Body::Json(v)) => BodyForm {
                kind: BodyKind::Json,
                content: serde_json::to_string_pretty(v).unwrap_or_default(),
            },
            Some(Body::Payload(size)) => BodyForm { kind: BodyKind::Payload, content: size.to_string() },
        };
        Self {
            name: r.name.clone().unwrap_or_default(),
            method: r.method,
            path: r.path.clone(),
            headers: map_to_rows(&r.headers),
            body,
            checks: r.checks.iter().map(CheckForm::from_check).collect(),
        }
    }

    fn to_request(&self, path: &str, errs: &mut Errors) -> RequestStep {
        let headers = rows_to_map(&self.headers, &format!("{path}.headers"), errs);
        let body_path = format!("{path}.body.{}", self.body.kind.as_str());
        let body = match self.body.kind {
            BodyKind::None => None,
            BodyKind::Text => Some(Body::Text(self.body.content.clone())),
            BodyKind::Json => errs
                .take(
                    body_path,
                    serde_json::from_str(&self.body.content).map_err(|e| format!("not valid JSON: {e}")),
                )
                .map(Body::Json),
            BodyKind::Payload => errs.take(body_path, ByteSize::parse(&self.body.content)).map(Body::Payload),
        };
        let checks = self
            .checks
            .iter()
            .enumerate()
            .filter_map(|(k, c)| c.to_check(&format!("{path}.checks[{k}]"), errs))
            .collect();
        RequestStep {
            name: non_empty(&self.name),
            method: self.method,
            path: self.path.clone(),
            headers,
            body,
            checks,
        }
    }
}

/// A status-code list as typed: `200, 201` or `200 204`.
pub fn parse_status_list(text: &str) -> Result<Vec<u16>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u16>().map_err(|_| format!("\"{s}\" is not a status code")))
        .collect()
}

impl CheckForm {
    fn from_check(c: &Check) -> Self {
        let (kind, value, equals) = match c {
            Check::Status(codes) => (
                CheckKind::Status,
                codes.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
                String::new(),
            ),
            Check::BodyContains(t) => (CheckKind::BodyContains, t.clone(), String::new()),
            Check::Json(j) => (CheckKind::Json, j.pointer.clone(), j.equals.to_string()),
            Check::HeaderPresent(h) => (CheckKind::HeaderPresent, h.clone(), String::new()),
            Check::LatencyUnder(d) => (CheckKind::LatencyUnder, d.to_string(), String::new()),
        };
        Self { kind, value, equals }
    }

    fn to_check(&self, path: &str, errs: &mut Errors) -> Option<Check> {
        let at = format!("{path}.{}", self.value_segment());
        match self.kind {
            CheckKind::Status => errs.take(at, parse_status_list(&self.value)).map(Check::Status),
            CheckKind::BodyContains => Some(Check::BodyContains(self.value.clone())),
            CheckKind::HeaderPresent => Some(Check::HeaderPresent(self.value.clone())),
            CheckKind::LatencyUnder => errs.take(at, parse_duration(&self.value)).map(Check::LatencyUnder),
            CheckKind::Json => {
                let text = self.equals.trim();
                if text.is_empty() {
                    errs.push(format!("{path}.json.equals"), "enter a value, e.g. 5, true or \"ok\"");
                    return None;
                }
                // Plain text that is not JSON is meant as a string: `ok` is "ok".
                let equals = serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.into()));
                Some(Check::Json(JsonCheck { pointer: self.value.clone(), equals }))
            }
        }
    }
}

impl ThinkForm {
    fn from_think(t: Think) -> Self {
        match t {
            Think::Fixed(d) => Self { kind: ThinkKind::Fixed, fixed: d.to_string(), ..Self::default() },
            Think::Uniform { min, max } => Self {
                kind: ThinkKind::Uniform,
                min: min.to_string(),
                max: max.to_string(),
                ..Self::default()
            },
        }
    }

    fn to_think(&self, path: &str, errs: &mut Errors) -> Think {
        let zero = HumanDuration::default();
        match self.kind {
            ThinkKind::Fixed => Think::Fixed(errs.take(path, parse_duration(&self.fixed)).unwrap_or(zero)),
            ThinkKind::Uniform => Think::Uniform {
                min: errs.take(format!("{path}.min"), parse_duration(&self.min)).unwrap_or(zero),
                max: errs.take(format!("{path}.max"), parse_duration(&self.max)).unwrap_or(zero),
            },
        }
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
