//! Journeys and their steps as the form holds them: requests (method, path, headers, body,
//! checks) and think times, and their conversion to and from the document's types.

use shared::scenario::{Body, Check, Journey, JsonCheck, Method, RequestStep, Step, Think};
use shared::units::{ByteSize, HumanDuration};

use super::{Errors, KeyValue, map_to_rows, non_empty, parse_count, parse_duration, rows_to_map};

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
    pub const ALL: [BodyKind; 4] = [
        BodyKind::None,
        BodyKind::Text,
        BodyKind::Json,
        BodyKind::Payload,
    ];

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

/// A request body: its kind and what was typed for each kind, kept apart (like the load
/// form's fields) so switching the kind and back restores what was there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BodyForm {
    /// Kind.
    pub kind: BodyKind,
    /// Text body.
    pub text: String,
    /// JSON body.
    pub json: String,
    /// Generated payload size, such as `10KB`.
    pub payload: String,
}

impl BodyForm {
    /// A body of one kind holding `content`.
    pub fn new(kind: BodyKind, content: String) -> Self {
        let mut body = Self {
            kind,
            ..Self::default()
        };
        body.set_content(content);
        body
    }

    fn slot_mut(&mut self, kind: BodyKind) -> Option<&mut String> {
        match kind {
            BodyKind::None => None,
            BodyKind::Text => Some(&mut self.text),
            BodyKind::Json => Some(&mut self.json),
            BodyKind::Payload => Some(&mut self.payload),
        }
    }

    /// What was typed for the current kind (empty for no body).
    pub fn content(&self) -> &str {
        match self.kind {
            BodyKind::None => "",
            BodyKind::Text => &self.text,
            BodyKind::Json => &self.json,
            BodyKind::Payload => &self.payload,
        }
    }

    /// Sets what the current kind holds.
    pub fn set_content(&mut self, value: String) {
        if let Some(slot) = self.slot_mut(self.kind) {
            *slot = value;
        }
    }

    /// Switches the kind. The new kind shows what was typed for it before; when that is
    /// nothing, text and JSON take each other's content (the same characters) and the rest
    /// start from an example.
    pub fn set_kind(&mut self, kind: BodyKind) {
        let carried = match (self.kind, kind) {
            (BodyKind::Text, BodyKind::Json) | (BodyKind::Json, BodyKind::Text) => {
                self.content().to_owned()
            }
            _ => String::new(),
        };
        self.kind = kind;
        let example = match kind {
            BodyKind::Json => "{}",
            BodyKind::Payload => "10KB",
            BodyKind::None | BodyKind::Text => "",
        };
        if let Some(slot) = self.slot_mut(kind)
            && slot.trim().is_empty()
        {
            *slot = if carried.trim().is_empty() {
                example.to_owned()
            } else {
                carried
            };
        }
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
        Self {
            kind,
            value: kind.default_value().into(),
            equals: String::new(),
        }
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
        Self {
            kind: ThinkKind::Fixed,
            fixed: "1s".into(),
            min: "1s".into(),
            max: "3s".into(),
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

impl JourneyForm {
    pub(super) fn from_journey(j: &Journey) -> Self {
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

    pub(super) fn to_journey(&self, path: &str, errs: &mut Errors) -> Journey {
        let weight = errs
            .take(format!("{path}.weight"), parse_count(&self.weight, 0))
            .unwrap_or(1);
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let at = format!("{path}.steps[{j}]");
                match s {
                    StepForm::Request(r) => {
                        Step::Request(r.to_request(&format!("{at}.request"), errs))
                    }
                    StepForm::Think(t) => Step::Think(t.to_think(&format!("{at}.think"), errs)),
                }
            })
            .collect();
        Journey {
            name: self.name.clone(),
            weight,
            steps,
        }
    }
}

impl RequestForm {
    fn from_request(r: &RequestStep) -> Self {
        let body = match &r.body {
            None => BodyForm::default(),
            Some(Body::Text(t)) => BodyForm::new(BodyKind::Text, t.clone()),
            Some(Body::Json(v)) => BodyForm::new(
                BodyKind::Json,
                crate::json::to_string_pretty(v).unwrap_or_default(),
            ),
            Some(Body::Payload(size)) => BodyForm::new(BodyKind::Payload, size.to_string()),
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
            BodyKind::Text => Some(Body::Text(self.body.text.clone())),
            BodyKind::Json => errs
                .take(
                    body_path,
                    crate::json::from_str(&self.body.json)
                        .map_err(|e| format!("not valid JSON: {e}")),
                )
                .map(Body::Json),
            BodyKind::Payload => errs
                .take(body_path, ByteSize::parse(&self.body.payload))
                .map(Body::Payload),
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
        .map(|s| {
            s.parse::<u16>()
                .map_err(|_| format!("\"{s}\" is not a status code"))
        })
        .collect()
}

impl CheckForm {
    fn from_check(c: &Check) -> Self {
        let (kind, value, equals) = match c {
            Check::Status(codes) => (
                CheckKind::Status,
                codes
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                String::new(),
            ),
            Check::BodyContains(t) => (CheckKind::BodyContains, t.clone(), String::new()),
            Check::Json(j) => (CheckKind::Json, j.pointer.clone(), j.equals.to_string()),
            Check::HeaderPresent(h) => (CheckKind::HeaderPresent, h.clone(), String::new()),
            Check::LatencyUnder(d) => (CheckKind::LatencyUnder, d.to_string(), String::new()),
        };
        Self {
            kind,
            value,
            equals,
        }
    }

    fn to_check(&self, path: &str, errs: &mut Errors) -> Option<Check> {
        let at = format!("{path}.{}", self.value_segment());
        match self.kind {
            CheckKind::Status => errs
                .take(at, parse_status_list(&self.value))
                .map(Check::Status),
            CheckKind::BodyContains => Some(Check::BodyContains(self.value.clone())),
            CheckKind::HeaderPresent => Some(Check::HeaderPresent(self.value.clone())),
            CheckKind::LatencyUnder => errs
                .take(at, parse_duration(&self.value))
                .map(Check::LatencyUnder),
            CheckKind::Json => {
                let text = self.equals.trim();
                if text.is_empty() {
                    errs.push(
                        format!("{path}.json.equals"),
                        "enter a value, e.g. 5, true or \"ok\"",
                    );
                    return None;
                }
                // Plain text that is not JSON is meant as a string: `ok` is "ok".
                let equals = crate::json::from_str(text)
                    .unwrap_or_else(|_| serde_json::Value::String(text.into()));
                Some(Check::Json(JsonCheck {
                    pointer: self.value.clone(),
                    equals,
                }))
            }
        }
    }
}

impl ThinkForm {
    fn from_think(t: Think) -> Self {
        match t {
            Think::Fixed(d) => Self {
                kind: ThinkKind::Fixed,
                fixed: d.to_string(),
                ..Self::default()
            },
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
            ThinkKind::Fixed => {
                Think::Fixed(errs.take(path, parse_duration(&self.fixed)).unwrap_or(zero))
            }
            ThinkKind::Uniform => Think::Uniform {
                min: errs
                    .take(format!("{path}.min"), parse_duration(&self.min))
                    .unwrap_or(zero),
                max: errs
                    .take(format!("{path}.max"), parse_duration(&self.max))
                    .unwrap_or(zero),
            },
        }
    }
}
