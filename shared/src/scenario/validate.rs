//! Semantic checks that turn a [`Scenario`] into a [`ValidScenario`]: everything the engine
//! needs is resolved here (URLs, variables, payloads, request-name indices, thresholds), so the
//! engine never meets an invalid value at run time.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{
    Body, Check, LoadProfile, Method, Scenario, ScenarioError, ScenarioErrors, Stage, Step, Think,
};
use crate::threshold::{Threshold, ThresholdSpec};

/// Upper bounds that keep every later computation in range and catch typos like `users: 1e9`.
pub const MAX_USERS: u32 = 1_000_000;

/// A count of users (a profile's `users` or `max_users`, a server default): 1 to
/// [`MAX_USERS`]; `Err` says what is wrong.
pub fn check_users(u: u32) -> Result<u32, String> {
    if u == 0 {
        Err("must be at least 1".to_owned())
    } else if u > MAX_USERS {
        Err(format!("{u} is above the limit of {MAX_USERS}"))
    } else {
        Ok(u)
    }
}

/// Highest arrival rate accepted, starts per second.
pub const MAX_RATE: f64 = 10_000_000.0;

/// An arrival rate in journey starts per second (a profile's rate, a server default): above 0,
/// or 0 too where `allow_zero`, and at most [`MAX_RATE`]; `Err` says what is wrong.
pub fn check_rate(r: f64, allow_zero: bool) -> Result<f64, String> {
    if !r.is_finite() || r < 0.0 || (!allow_zero && r == 0.0) {
        let need = if allow_zero { "0 or more" } else { "above 0" };
        Err(format!(
            "rate {r} must be a number {need} (starts per second)"
        ))
    } else if r > MAX_RATE {
        Err(format!("rate {r} is above the limit of {MAX_RATE}/s"))
    } else {
        Ok(r)
    }
}
/// Largest random seed accepted: 2^53 − 1, the largest whole number a browser's JSON holds
/// exactly. A larger seed would reach the panel rounded (or not be read at all), so a run made
/// with it could not be shown or replayed from there.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// A random profile's seed: at most [`MAX_SEED`]; `Err` says what is wrong.
pub fn check_seed(seed: u64) -> Result<u64, String> {
    if seed > MAX_SEED {
        Err(format!(
            "{seed} is above {MAX_SEED}, the largest whole number a browser holds exactly"
        ))
    } else {
        Ok(seed)
    }
}

/// Shortest load duration accepted: a run shorter than this sends next to nothing and its
/// figures mean nothing (a `2us` run "completes" with no requests at all).
pub const MIN_LOAD_DURATION: std::time::Duration = std::time::Duration::from_millis(100);
const MAX_JOURNEYS: usize = 1_000;
const MAX_STEPS: usize = 10_000;
/// Most periods a spike profile may have: its plan holds two segments for each.
const MAX_SPIKE_PERIODS: u64 = 100_000;

/// Index of a request name in [`ValidScenario::request_names`]; metrics are kept per index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub usize);

/// A scenario that passed validation. Only [`validate`] builds one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidScenario {
    /// The document as validated (after overrides), for reports and history. A document that
    /// names no `target` gets the one it runs against (`CLOUD_API_URL`), so its history says
    /// where the load went and running it again aims at the same place.
    pub source: Scenario,
    /// Journeys with their weights.
    pub journeys: Vec<ValidJourney>,
    /// Distinct request names; a [`RequestId`] indexes this.
    pub request_names: Vec<String>,
    /// Every check, described, with the request it belongs to; a check's `id` indexes this.
    pub checks: Vec<(RequestId, String)>,
    /// Thresholds, parsed.
    pub thresholds: Vec<Threshold>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Time allowed for in-flight iterations after the load ends.
    pub graceful_stop: Duration,
    /// Accept invalid certificates.
    pub insecure_tls: bool,
}

impl ValidScenario {
    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// The load profile.
    pub fn load(&self) -> &LoadProfile {
        &self.source.load
    }
}

/// A journey ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidJourney {
    /// Name.
    pub name: String,
    /// Relative weight (> 0 for at least one journey).
    pub weight: u32,
    /// Steps.
    pub steps: Vec<ValidStep>,
}

/// A step ready to run.
#[derive(Debug, Clone, PartialEq)]
pub enum ValidStep {
    /// An HTTP request.
    Request(ValidRequest),
    /// A pause.
    Think(ValidThink),
}

/// A pause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValidThink {
    /// Fixed length.
    Fixed(Duration),
    /// Uniform in `[min, max]`.
    Uniform(Duration, Duration),
}

/// An HTTP request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    /// Metric index.
    pub id: RequestId,
    /// Method.
    pub method: Method,
    /// Absolute `http(s)` URL, variables substituted.
    pub url: url::Url,
    /// Headers: scenario defaults overlaid by the step's own, variables substituted.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: ValidBody,
    /// Checks, each with its index in [`ValidScenario::checks`].
    pub checks: Vec<(usize, ValidCheck)>,
}

/// A request body, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub enum ValidBody {
    /// No body.
    Empty,
    /// Text, sent as is.
    Text(String),
    /// Serialized JSON.
    Json(String),
    /// A generated JSON payload of exactly this many bytes.
    Payload(usize),
}

/// A check, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum ValidCheck {
    /// Status in this set.
    Status(Vec<u16>),
    /// Body contains.
    BodyContains(String),
    /// JSON pointer equals.
    Json {
        /// RFC 6901 pointer.
        pointer: String,
        /// Expected value.
        equals: serde_json::Value,
    },
    /// Header present (lower-case name).
    HeaderPresent(String),
    /// Latency under.
    LatencyUnder(Duration),
}

impl ValidCheck {
    /// True when the check needs the response body.
    pub fn needs_body(&self) -> bool {
        matches!(self, ValidCheck::BodyContains(_) | ValidCheck::Json { .. })
    }
}

/// Facts from outside the document that validation needs.
#[derive(Debug, Clone, Default)]
pub struct ValidationEnv {
    /// `CLOUD_API_URL`: the base URL when the scenario names none.
    pub cloud_api_url: Option<String>,
}

struct Errors(Vec<ScenarioError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScenarioError::at(path, message));
    }
}

/// Validates a scenario. Reports every problem found, each with its field path.
pub fn validate(scenario: &Scenario, env: &ValidationEnv) -> Result<ValidScenario, ScenarioErrors> {
    let mut errs = Errors(Vec::new());

    if scenario.name.trim().is_empty() {
        errs.push("name", "must not be empty");
    }
    let base = resolve_base(scenario, env, &mut errs);
    // An invalid target is reported once, not again for every relative path.
    let target_given = scenario.target.is_some() || env.cloud_api_url.is_some();
    let variables = &Vars::new(&scenario.variables);
    for name in scenario.variables.keys() {
        if !is_variable_name(name) {
            errs.push(
                format!("variables.{name}"),
                "variable names use letters, digits and _ only",
            );
        }
    }
    let mut default_headers = Vec::new();
    for (k, v) in &scenario.headers {
        let path = format!("headers.{k}");
        check_header(&path, k, v, &mut errs);
        default_headers.push((k.clone(), header_value(v, variables, &path, &mut errs)));
    }

    let mut request_names: Vec<String> = Vec::new();
    let mut checks: Vec<(RequestId, String)> = Vec::new();
    let mut journeys = Vec::new();
    // What the scenario's `headers` add to each request (see `MAX_REQUEST_TEXT`).
    let default_headers_size: usize = default_headers.iter().map(|(k, v)| k.len() + v.len()).sum();
    // Generated payloads so far (see `MAX_PAYLOADS`).
    let mut payloads: u64 = 0;
    if scenario.journeys.is_empty() {
        errs.push("journeys", "at least one journey is needed");
    }
    if scenario.journeys.len() > MAX_JOURNEYS {
        errs.push("journeys", format!("at most {MAX_JOURNEYS} journeys"));
    }
    for (ji, journey) in scenario.journeys.iter().enumerate() {
        let jpath = format!("journeys[{ji}]");
        if journey.name.trim().is_empty() {
            errs.push(format!("{jpath}.name"), "must not be empty");
        }
        if journey.steps.len() > MAX_STEPS {
            errs.push(
                format!("{jpath}.steps"),
                format!("at most {MAX_STEPS} steps"),
            );
        }
        if !journey.steps.iter().any(|s| matches!(s, Step::Request(_))) {
            errs.push(
                format!("{jpath}.steps"),
                "a journey needs at least one request step",
            );
        }
        let mut steps = Vec::new();
        for (si, step) in journey.steps.iter().enumerate() {
            let spath = format!("{jpath}.steps[{si}]");
            match step {
                Step::Think(think) => {
                    steps.push(ValidStep::Think(think_step(*think, &spath, &mut errs)))
                }
                Step::Request(req) => {
                    let rpath = format!("{spath}.request");
                    let name = req
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("{} {}", req.method, req.path));
                    if name.trim().is_empty() {
                        errs.push(format!("{rpath}.name"), "must not be empty");
                    }
                    let id = match request_names.iter().position(|n| *n == name) {
                        Some(i) => RequestId(i),
                        None => {
                            request_names.push(name.clone());
                            RequestId(request_names.len() - 1)
                        }
                    };
                    let at = format!("{rpath}.path");
                    let url =
                        substitute_or_none(&req.path, variables, &at, &mut errs).and_then(|path| {
                            resolve_url(base.as_ref(), target_given, &path, &at, &mut errs)
                        });
                    let mut headers = if variables.spend(default_headers_size, &rpath, &mut errs) {
                        default_headers.clone()
                    } else {
                        Vec::new()
                    };
                    for (k, v) in &req.headers {
                        let hpath = format!("{rpath}.headers.{k}");
                        check_header(&hpath, k, v, &mut errs);
                        headers.retain(|(old, _)| !old.eq_ignore_ascii_case(k));
                        headers.push((k.clone(), header_value(v, variables, &hpath, &mut errs)));
                    }
                    let body = match &req.body {
                        None => ValidBody::Empty,
                        Some(Body::Text(t)) => ValidBody::Text(substitute(
                            t,
                            variables,
                            &format!("{rpath}.body.text"),
                            &mut errs,
                        )),
                        Some(Body::Json(v)) => ValidBody::Json(
                            substitute_json(v, variables, &format!("{rpath}.body.json"), &mut errs)
                                .to_string(),
                        ),
                        Some(Body::Payload(size)) => {
                            if size.0 < 2 {
                                errs.push(
                                    format!("{rpath}.body.payload"),
                                    "a generated JSON payload is at least 2 bytes",
                                );
                            }
                            let before = payloads;
                            payloads = payloads.saturating_add(size.0);
                            if payloads > MAX_PAYLOADS && before <= MAX_PAYLOADS {
                                errs.push(
                                    format!("{rpath}.body.payload"),
                                    format!(
                                        "the scenario's generated payloads come to more than \
                                         {}GB in all here: each request keeps its own in memory \
                                         for the whole run",
                                        MAX_PAYLOADS >> 30
                                    ),
                                );
                            }
                            ValidBody::Payload(size.0 as usize)
                        }
                    };
                    if !matches!(body, ValidBody::Empty)
                        && matches!(req.method, Method::Get | Method::Head)
                    {
                        errs.push(
                            format!("{rpath}.body"),
                            format!("a {} request cannot carry a body", req.method),
                        );
                    }
                    let mut valid_checks = Vec::new();
                    for (ci, check) in req.checks.iter().enumerate() {
                        let cpath = format!("{rpath}.checks[{ci}]");
                        if let Some(c) = check_step(check, variables, &cpath, &mut errs) {
                            // The same check on a request of the same name elsewhere (another
                            // journey's `GET /products`) is one row of the results, as the
                            // request's metrics are one; twice on one step it stays two.
                            let key = (id, describe_check(&c));
                            let index = match checks.iter().position(|k| *k == key) {
                                Some(i) if valid_checks.iter().all(|(j, _)| *j != i) => i,
                                _ => {
                                    checks.push(key);
                                    checks.len() - 1
                                }
                            };
                            valid_checks.push((index, c));
                        }
                    }
                    if let Some(url) = url {
                        steps.push(ValidStep::Request(ValidRequest {
                            id,
                            method: req.method,
                            url,
                            headers,
                            body,
                            checks: valid_checks,
                        }));
                    }
                }
            }
        }
        journeys.push(ValidJourney {
            name: journey.name.clone(),
            weight: journey.weight,
            steps,
        });
    }
    if !scenario.journeys.is_empty() && scenario.journeys.iter().all(|j| j.weight == 0) {
        errs.push("journeys", "at least one journey needs a weight above 0");
    }

    validate_load(&scenario.load, &mut errs);

    let mut thresholds = Vec::new();
    for (i, spec) in scenario.thresholds.iter().enumerate() {
        let tpath = format!("thresholds[{i}]");
        match Threshold::parse(spec) {
            Ok(t) => thresholds.push(t),
            Err(e) => errs.push(tpath.clone(), e),
        }
        check_threshold_scope(spec, &request_names, &tpath, &mut errs);
    }

    let timeout = scenario.options.timeout.get();
    if timeout.is_zero() {
        errs.push("options.timeout", "must be longer than 0s");
    }

    if !errs.0.is_empty() {
        return Err(ScenarioErrors(errs.0));
    }
    let mut source = scenario.clone();
    if source.target.is_none() {
        source.target.clone_from(&env.cloud_api_url);
    }
    Ok(ValidScenario {
        source,
        journeys,
        request_names,
        checks,
        thresholds,
        timeout,
        graceful_stop: scenario.options.graceful_stop.get(),
        insecure_tls: scenario.options.insecure_tls,
    })
}

fn check_threshold_scope(spec: &ThresholdSpec, names: &[String], path: &str, errs: &mut Errors) {
    if let Some(r) = &spec.request
        && !names.iter().any(|n| n == r)
    {
        errs.push(format!("{path}.request"), unknown_request(r, names));
    }
}

/// The problem with a threshold scoped to `name` when the requests are named `names` (an
/// unnamed request is named `METHOD path`).
fn unknown_request(name: &str, names: &[String]) -> String {
    if names.is_empty() {
        return format!("no request is named \"{name}\": the scenario has no requests yet");
    }
    let known = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!("no request is named \"{name}\" (known: {known})")
}

fn resolve_base(scenario: &Scenario, env: &ValidationEnv, errs: &mut Errors) -> Option<url::Url> {
    let (text, path) = match (&scenario.target, &env.cloud_api_url) {
        (Some(t), _) => (t.as_str(), "target"),
        (None, Some(env)) => (env.as_str(), "CLOUD_API_URL"),
        (None, None) => return None,
    };
    match parse_http_url(text) {
        Ok(u) => Some(u),
        Err(e) => {
            errs.push(path, e);
            None
        }
    }
}

fn parse_http_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("\"{text}\" is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("\"{text}\" must be an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{text}\" has no host"));
    }
    Ok(url)
}

fn resolve_url(
    base: Option<&url::Url>,
    target_given: bool,
    path: &str,
    at: &str,
    errs: &mut Errors,
) -> Option<url::Url> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return parse_http_url(path).map_err(|e| errs.push(at, e)).ok();
    }
    if !path.starts_with('/') {
        errs.push(
            at,
            format!("\"{path}\" must start with / (or be a full http(s) URL)"),
        );
        return None;
    }
    let Some(base) = base else {
        if target_given {
            return None;
        }
        errs.push(
            at,
            format!("\"{path}\" is relative but there is no target: set `target`, pass --target, or set CLOUD_API_URL"),
        );
        return None;
    };
    // Concatenate rather than RFC-join, so a base of `http://host/api` keeps its prefix.
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    parse_http_url(&joined).map_err(|e| errs.push(at, e)).ok()
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The most text a scenario's requests may hold, once their variables are substituted and the
/// scenario's `headers` are added to each: URLs, headers, text and JSON bodies, and the texts of
/// checks. A run keeps all of it in memory (a few times over) from start to end; without a
/// bound, a variable used many times, or a large header sent with every request, makes a file
/// of a few MB ask for more memory than a machine has, and the process (a whole server, for a
/// scenario posted to it) dies on it.
const MAX_REQUEST_TEXT: u64 = 64 << 20;

/// The most bytes of generated payloads (`body: { payload: … }`) a scenario's requests may ask
/// for in all: each request keeps its own in memory for the whole run.
const MAX_PAYLOADS: u64 = crate::units::ByteSize::MAX;

/// The scenario's variables, and the room left for the text of its requests
/// ([`MAX_REQUEST_TEXT`]). Every substitution draws from the room, and so does each copy of the
/// scenario's `headers` on a request; the first text that does not fit is the one problem
/// reported, and every text after it is left out (no further problem is reported for it).
struct Vars<'a> {
    map: &'a BTreeMap<String, String>,
    /// Bytes left; `None` once a text did not fit.
    room: std::cell::Cell<Option<u64>>,
}

impl<'a> Vars<'a> {
    fn new(map: &'a BTreeMap<String, String>) -> Self {
        Self {
            map,
            room: std::cell::Cell::new(Some(MAX_REQUEST_TEXT)),
        }
    }

    fn get(&self, name: &str) -> Option<&'a String> {
        self.map.get(name)
    }

    /// True once a text did not fit: the problem was reported where it happened.
    fn exhausted(&self) -> bool {
        self.room.get().is_none()
    }

    /// Takes `bytes` from the room; false (with the problem reported at `at` the first time)
    /// when they do not fit.
    fn spend(&self, bytes: usize, at: &str, errs: &mut Errors) -> bool {
        let Some(room) = self.room.get() else {
            return false;
        };
        match room.checked_sub(bytes as u64) {
            Some(left) => {
                self.room.set(Some(left));
                true
            }
            None => {
                self.room.set(None);
                errs.push(
                    at,
                    format!(
                        "the scenario's requests come to more than {}MB of text here, once \
                         variables are substituted and the scenario's `headers` added to each \
                         request (URLs, headers, bodies and checks): a run keeps all of it in \
                         memory (use `body: {{ payload: … }}` for large bodies)",
                        MAX_REQUEST_TEXT >> 20
                    ),
                );
                false
            }
        }
    }

    /// True when `len` more bytes fit in the room (without taking them).
    fn fits(&self, len: usize) -> bool {
        self.room.get().is_some_and(|room| len as u64 <= room)
    }
}

/// Replaces `${name}` with the variable's value; an unknown name is an error. The text is taken
/// from the room of `vars`, and is never built past it: when it does not fit, the problem is
/// reported and the text is empty.
fn substitute(text: &str, vars: &Vars<'_>, at: &str, errs: &mut Errors) -> String {
    let mut out = String::new();
    let mut rest = text;
    // Appends `piece`, unless the text would then outgrow the room.
    let push = |out: &mut String, piece: &str| {
        let fits = vars.fits(out.len().saturating_add(piece.len()));
        if fits {
            out.push_str(piece);
        }
        fits
    };
    while let Some(start) = rest.find("${") {
        if !push(&mut out, &rest[..start]) {
            return overflow(out, vars, at, errs);
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            errs.push(at, format!("unclosed \"${{\" in \"{text}\""));
            return out;
        };
        let name = &after[..end];
        match vars.get(name) {
            Some(v) => {
                if !push(&mut out, v) {
                    return overflow(out, vars, at, errs);
                }
            }
            None => errs.push(
                at,
                format!("unknown variable \"{name}\" (define it under `variables`)"),
            ),
        }
        rest = &after[end + 1..];
    }
    if !push(&mut out, rest) || !vars.spend(out.len(), at, errs) {
        return overflow(out, vars, at, errs);
    }
    out
}

/// A substituted text that outgrew the room: reported (once), and given up.
fn overflow(out: String, vars: &Vars<'_>, at: &str, errs: &mut Errors) -> String {
    drop(out);
    vars.spend(usize::MAX, at, errs);
    String::new()
}

/// [`substitute`], or `None` when it found a problem: the text is not checked further, so that
/// one unknown variable is one error (not also, say, an empty header name). Once the requests'
/// room has run out, every text is `None`.
fn substitute_or_none(text: &str, vars: &Vars<'_>, at: &str, errs: &mut Errors) -> Option<String> {
    let before = errs.0.len();
    let text = substitute(text, vars, at, errs);
    (errs.0.len() == before && !vars.exhausted()).then_some(text)
}

/// `${name}` in a JSON body's strings, keys included; a substituted value stays a string.
fn substitute_json(
    value: &serde_json::Value,
    vars: &Vars<'_>,
    at: &str,
    errs: &mut Errors,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(substitute(text, vars, at, errs)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| substitute_json(item, vars, &format!("{at}[{i}]"), errs))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| {
                    let at = format!("{at}.{key}");
                    (
                        substitute(key, vars, &at, errs),
                        substitute_json(item, vars, &at, errs),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn check_header(path: &str, name: &str, value: &str, errs: &mut Errors) {
    if let Some(problem) = header_name_problem(name) {
        errs.push(path, problem);
    }
    if let Some(problem) = header_value_problem(value) {
        errs.push(path, problem);
    }
}

/// What keeps `name` out of an HTTP header: it must be a token. Problems with a header are
/// reported at its entry (`headers.<name>`) whether they are about its name or its value; this
/// is how the panel tells which of its two fields a problem belongs to.
pub fn header_name_problem(name: &str) -> Option<String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        Some(format!("\"{name}\" is not a valid header name"))
    } else if name.len() > MAX_HEADER_NAME {
        // The HTTP client refuses it, so a run could not start.
        Some(format!(
            "a header name is at most {MAX_HEADER_NAME} characters long (this one has {})",
            name.len()
        ))
    } else {
        None
    }
}

/// The longest header name the HTTP client takes.
const MAX_HEADER_NAME: usize = (1 << 16) - 1;

/// What keeps `value` out of an HTTP header: a line break would end it, and the HTTP client
/// refuses the other control characters (all but tab), so a run could not start.
fn header_value_problem(value: &str) -> Option<String> {
    if value.contains(['\r', '\n', '\0']) {
        return Some("header values must not contain line breaks or NUL".to_owned());
    }
    let c = value.chars().find(|c| c.is_ascii_control() && *c != '\t')?;
    Some(format!(
        "header values must not contain control characters ({} is one)",
        c.escape_unicode()
    ))
}

/// A header's value with `${name}` substituted: what a variable brings must fit in a header
/// too (the value as written is checked by [`check_header`]).
fn header_value(value: &str, vars: &Vars<'_>, at: &str, errs: &mut Errors) -> String {
    let Some(out) = substitute_or_none(value, vars, at, errs) else {
        return String::new();
    };
    if header_value_problem(value).is_none()
        && let Some(problem) = header_value_problem(&out)
    {
        errs.push(at, format!("{problem} once its variables are substituted"));
    }
    out
}

fn think_step(think: Think, at: &str, errs: &mut Errors) -> ValidThink {
    match think {
        Think::Fixed(d) => ValidThink::Fixed(d.get()),
        Think::Uniform { min, max } => {
            if min > max {
                errs.push(
                    format!("{at}.think"),
                    format!("min ({min}) is greater than max ({max})"),
                );
            }
            ValidThink::Uniform(min.get(), max.get())
        }
    }
}

/// A check, with `${name}` substituted in its text: `body_contains`, `header_present`, and
/// `json`'s pointer and the strings of its expected value (as in a JSON body, a substituted value
/// stays a string: `equals: "${id}"` matches the string `"42"`, not the number `42`).
fn check_step(check: &Check, vars: &Vars<'_>, at: &str, errs: &mut Errors) -> Option<ValidCheck> {
    Some(match check {
        Check::Status(codes) => {
            if codes.is_empty() {
                errs.push(format!("{at}.status"), "list at least one status code");
                return None;
            }
            if let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c)) {
                errs.push(
                    format!("{at}.status"),
                    format!("{bad} is not an HTTP status code (100–599)"),
                );
                return None;
            }
            ValidCheck::Status(codes.clone())
        }
        Check::BodyContains(text) => {
            let at = format!("{at}.body_contains");
            if text.is_empty() {
                errs.push(at, "must not be empty");
                return None;
            }
            let text = substitute_or_none(text, vars, &at, errs)?;
            if text.is_empty() {
                errs.push(at, "is empty once its variables are substituted");
                return None;
            }
            ValidCheck::BodyContains(text)
        }
        Check::Json(j) => {
            let pointer = substitute_or_none(&j.pointer, vars, &format!("{at}.json.pointer"), errs);
            // Read whatever the pointer holds: its problems are reported in the same round.
            let equals = substitute_json(&j.equals, vars, &format!("{at}.json.equals"), errs);
            let pointer = pointer?;
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                errs.push(
                    format!("{at}.json.pointer"),
                    format!("\"{pointer}\" is not a JSON pointer (it starts with /)"),
                );
                return None;
            }
            ValidCheck::Json { pointer, equals }
        }
        Check::HeaderPresent(h) => {
            let at = format!("{at}.header_present");
            let h = substitute_or_none(h, vars, &at, errs)?;
            check_header(&at, &h, "", errs);
            ValidCheck::HeaderPresent(h.to_ascii_lowercase())
        }
        Check::LatencyUnder(d) => {
            if d.get().is_zero() {
                errs.push(format!("{at}.latency_under"), "must be longer than 0s");
                return None;
            }
            ValidCheck::LatencyUnder(d.get())
        }
    })
}

/// A short description of a check, used as its name in reports (`status in [200, 201]`).
pub fn describe_check(check: &ValidCheck) -> String {
    match check {
        ValidCheck::Status(codes) => {
            let list = codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            format!("status in [{list}]")
        }
        ValidCheck::BodyContains(t) => format!("body contains \"{t}\""),
        ValidCheck::Json { pointer, equals } => format!("json {pointer} == {equals}"),
        ValidCheck::HeaderPresent(h) => format!("header {h} present"),
        ValidCheck::LatencyUnder(d) => format!("latency < {}", crate::units::HumanDuration(*d)),
    }
}

/// Why a load may not last less than [`MIN_LOAD_DURATION`], for messages.
fn at_least() -> String {
    format!(
        "a run lasts at least {} (shorter ones send next to nothing)",
        crate::units::HumanDuration(MIN_LOAD_DURATION)
    )
}

fn validate_load(load: &LoadProfile, errs: &mut Errors) {
    let positive_duration = |d: crate::units::HumanDuration, field: &str, errs: &mut Errors| {
        if d.get().is_zero() {
            errs.push(format!("load.{field}"), "must be longer than 0s");
        }
    };
    // The length of the whole load, as opposed to a part of it (`spike_duration`).
    let load_duration = |d: crate::units::HumanDuration, errs: &mut Errors| {
        if d.get().is_zero() {
            errs.push("load.duration", "must be longer than 0s");
        } else if d.get() < MIN_LOAD_DURATION {
            errs.push("load.duration", format!("{d} is too short: {}", at_least()));
        }
    };
    // Reports a rate out of range; true when it is in range (and can be compared).
    let rate = |r: f64, field: &str, allow_zero: bool, errs: &mut Errors| -> bool {
        check_rate(r, allow_zero)
            .map_err(|problem| errs.push(format!("load.{field}"), problem))
            .is_ok()
    };
    let users = |u: u32, field: &str, errs: &mut Errors| {
        if let Err(problem) = check_users(u) {
            errs.push(format!("load.{field}"), problem);
        }
    };
    let stages = |stages: &[Stage], is_rate: bool, errs: &mut Errors| {
        if stages.is_empty() {
            errs.push("load.stages", "at least one stage is needed");
        }
        for (i, s) in stages.iter().enumerate() {
            let limit = if is_rate {
                MAX_RATE
            } else {
                f64::from(MAX_USERS)
            };
            if !s.target.is_finite() || s.target < 0.0 || s.target > limit {
                errs.push(
                    format!("load.stages[{i}].target"),
                    format!("{} must be between 0 and {limit}", s.target),
                );
            } else if !is_rate && s.target.fract() != 0.0 {
                errs.push(
                    format!("load.stages[{i}].target"),
                    format!("{} is not a whole number of users", s.target),
                );
            }
        }
        let total: std::time::Duration = stages.iter().map(|s| s.duration.get()).sum();
        if total.is_zero() && !stages.is_empty() {
            errs.push("load.stages", "the stages add up to 0s");
        } else if !stages.is_empty() && total < MIN_LOAD_DURATION {
            errs.push(
                "load.stages",
                format!(
                    "the stages add up to {}: {}",
                    crate::units::HumanDuration(total),
                    at_least()
                ),
            );
        }
    };
    match load {
        LoadProfile::ConstantUsers { users: u, duration } => {
            users(*u, "users", errs);
            load_duration(*duration, errs);
        }
        LoadProfile::RampingUsers {
            start_users,
            stages: s,
        } => {
            if *start_users > MAX_USERS {
                errs.push(
                    "load.start_users",
                    format!("{start_users} is above the limit of {MAX_USERS}"),
                );
            }
            stages(s, false, errs);
            if *start_users == 0 && s.iter().all(|st| st.target < 1.0) {
                errs.push("load.stages", "no stage asks for any users");
            }
        }
        LoadProfile::ConstantRate {
            rate: r,
            duration,
            max_users,
        } => {
            let _ = rate(*r, "rate", false, errs);
            load_duration(*duration, errs);
            users(*max_users, "max_users", errs);
        }
        LoadProfile::RampingRate {
            start_rate,
            stages: s,
            max_users,
        } => {
            let _ = rate(*start_rate, "start_rate", true, errs);
            stages(s, true, errs);
            if *start_rate == 0.0 && s.iter().all(|st| st.target == 0.0) {
                errs.push(
                    "load.stages",
                    "no stage asks for any starts (every rate is 0)",
                );
            }
            users(*max_users, "max_users", errs);
        }
        LoadProfile::Spike {
            base_rate,
            spike_rate,
            spike_duration,
            period,
            duration,
            max_users,
        } => {
            let base_ok = rate(*base_rate, "base_rate", true, errs);
            let spike_ok = rate(*spike_rate, "spike_rate", false, errs);
            positive_duration(*spike_duration, "spike_duration", errs);
            load_duration(*duration, errs);
            users(*max_users, "max_users", errs);
            if base_ok && spike_ok && spike_rate <= base_rate {
                errs.push(
                    "load.spike_rate",
                    format!(
                        "a spike rate of {spike_rate}/s must be above the base rate \
                         ({base_rate}/s), or there is no spike"
                    ),
                );
            }
            if spike_duration >= period {
                errs.push(
                    "load.spike_duration",
                    format!(
                        "a spike ({spike_duration}) must be shorter than its period ({period})"
                    ),
                );
            } else if !duration.get().is_zero() && period > duration {
                // `LoadPlan` puts each spike at the end of its period, so the first one ends
                // one period into the run.
                errs.push(
                    "load.period",
                    format!(
                        "no spike fits in the run: each spike is the last {spike_duration} of \
                         its period, so the first ends at {period}, after the {duration} run; \
                         the period must be at most the duration"
                    ),
                );
            } else {
                // The plan holds each period as segments: their number must fit in memory (the
                // period is above the spike's length here, so above 0).
                let periods = (duration.get().as_secs_f64() / period.get().as_secs_f64()).ceil();
                if periods > MAX_SPIKE_PERIODS as f64 {
                    let shortest = (duration.get().as_micros() as u64).div_ceil(MAX_SPIKE_PERIODS);
                    errs.push(
                        "load.period",
                        format!(
                            "a period of {period} repeats {} times in the {duration} run: a \
                             spike profile has at most {MAX_SPIKE_PERIODS} periods (here, a \
                             period of at least {})",
                            periods as u64,
                            crate::units::HumanDuration(Duration::from_micros(shortest))
                        ),
                    );
                }
            }
        }
        LoadProfile::Random {
            mean_rate,
            duration,
            max_users,
            walk,
            min_rate,
            max_rate,
            seed,
        } => {
            if let Some(seed) = seed
                && let Err(e) = check_seed(*seed)
            {
                errs.push("load.seed", e);
            }
            let mean_ok = rate(*mean_rate, "mean_rate", false, errs);
            load_duration(*duration, errs);
            users(*max_users, "max_users", errs);
            if !(0.0..=1.0).contains(walk) {
                errs.push(
                    "load.walk",
                    format!("{walk} must be between 0 and 1 (a fraction of the mean per second)"),
                );
            }
            // Each bound is reported at its own field (a default bound, half or twice the
            // mean, always holds), and only when both rates it compares are in range.
            if let Some(r) = min_rate
                && rate(*r, "min_rate", true, errs)
                && mean_ok
                && r > mean_rate
            {
                errs.push(
                    "load.min_rate",
                    format!("min_rate ({r}) must not be above mean_rate ({mean_rate})"),
                );
            }
            if let Some(r) = max_rate
                && rate(*r, "max_rate", false, errs)
                && mean_ok
                && r < mean_rate
            {
                errs.push(
                    "load.max_rate",
                    format!("max_rate ({r}) must not be below mean_rate ({mean_rate})"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Errors, LoadProfile, MAX_SEED, unknown_request, validate_load};
    use crate::units::HumanDuration;

    fn d(secs: u64) -> HumanDuration {
        HumanDuration(std::time::Duration::from_secs(secs))
    }

    fn spike(base_rate: f64, spike_rate: f64, spike: u64, period: u64, total: u64) -> LoadProfile {
        LoadProfile::Spike {
            base_rate,
            spike_rate,
            spike_duration: d(spike),
            period: d(period),
            duration: d(total),
            max_users: 50,
        }
    }

    fn random(mean_rate: f64, min_rate: Option<f64>, max_rate: Option<f64>) -> LoadProfile {
        LoadProfile::Random {
            mean_rate,
            duration: d(60),
            max_users: 50,
            walk: 0.1,
            min_rate,
            max_rate,
            seed: None,
        }
    }

    fn seeded(seed: u64) -> LoadProfile {
        let mut p = random(10.0, None, None);
        if let LoadProfile::Random { seed: s, .. } = &mut p {
            *s = Some(seed);
        }
        p
    }

    fn problems(load: &LoadProfile) -> Vec<(String, String)> {
        let mut errs = Errors(Vec::new());
        validate_load(load, &mut errs);
        errs.0.into_iter().map(|e| (e.path, e.message)).collect()
    }

    /// A case: its name, the profile, and the `(path, message)` problems expected.
    type Case = (&'static str, LoadProfile, Vec<(&'static str, &'static str)>);

    #[test]
    fn load_profile_rules_report_at_the_field_that_is_wrong() {
        let cases: Vec<Case> = vec![
            (
                "spike: shipped example",
                spike(5.0, 50.0, 5, 20, 60),
                vec![],
            ),
            (
                "spike: period equal to the duration",
                spike(5.0, 50.0, 5, 20, 20),
                vec![],
            ),
            ("spike: from a base of 0", spike(0.0, 1.0, 1, 4, 8), vec![]),
            (
                "spike: no higher than the base",
                spike(10.0, 10.0, 5, 20, 60),
                vec![(
                    "load.spike_rate",
                    "a spike rate of 10/s must be above the base rate (10/s), or there is no spike",
                )],
            ),
            (
                "spike: below the base",
                spike(10.0, 4.0, 5, 20, 60),
                vec![(
                    "load.spike_rate",
                    "a spike rate of 4/s must be above the base rate (10/s), or there is no spike",
                )],
            ),
            (
                "spike: an invalid rate is reported once",
                spike(10.0, -1.0, 5, 20, 60),
                vec![(
                    "load.spike_rate",
                    "rate -1 must be a number above 0 (starts per second)",
                )],
            ),
            (
                "spike: period longer than the run",
                spike(1.0, 10.0, 5, 30, 20),
                vec![(
                    "load.period",
                    "no spike fits in the run: each spike is the last 5s of its period, so the \
                     first ends at 30s, after the 20s run; the period must be at most the duration",
                )],
            ),
            (
                "spike: spike as long as its period is the spike's problem only",
                spike(1.0, 10.0, 30, 30, 20),
                vec![(
                    "load.spike_duration",
                    "a spike (30s) must be shorter than its period (30s)",
                )],
            ),
            (
                // The plan holds two segments per period: a week of 2 s periods is 302,400
                // of them, and a period of milliseconds would not fit in memory.
                "spike: more periods than a plan holds",
                spike(1.0, 2.0, 1, 2, 7 * 86_400),
                vec![(
                    "load.period",
                    "a period of 2s repeats 302400 times in the 168h run: a spike profile has \
                     at most 100000 periods (here, a period of at least 6048ms)",
                )],
            ),
            (
                "spike: as many periods as a plan holds",
                spike(1.0, 2.0, 2, 6, 600_000),
                vec![],
            ),
            ("random: default bounds", random(10.0, None, None), vec![]),
            (
                "random: the largest seed a browser holds",
                seeded(MAX_SEED),
                vec![],
            ),
            (
                "random: a seed a browser would round",
                seeded(MAX_SEED + 1),
                vec![(
                    "load.seed",
                    "9007199254740992 is above 9007199254740991, the largest whole number a \
                     browser holds exactly",
                )],
            ),
            (
                "random: bounds around the mean",
                random(10.0, Some(10.0), Some(10.0)),
                vec![],
            ),
            (
                // The QA case.
                "random: min above the mean",
                random(10.0, Some(20.0), Some(20.0)),
                vec![(
                    "load.min_rate",
                    "min_rate (20) must not be above mean_rate (10)",
                )],
            ),
            (
                "random: max below the mean",
                random(10.0, Some(1.0), Some(5.0)),
                vec![(
                    "load.max_rate",
                    "max_rate (5) must not be below mean_rate (10)",
                )],
            ),
            (
                "random: an invalid mean is reported once",
                random(0.0, Some(1.0), Some(5.0)),
                vec![(
                    "load.mean_rate",
                    "rate 0 must be a number above 0 (starts per second)",
                )],
            ),
        ];
        for (name, load, want) in cases {
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(p, m)| (p.to_owned(), m.to_owned()))
                .collect();
            assert_eq!(problems(&load), want, "{name}");
        }
    }

    #[test]
    fn a_load_shorter_than_the_minimum_is_refused() {
        let us = |n: u64| HumanDuration(std::time::Duration::from_micros(n));
        let closed = |duration| LoadProfile::ConstantUsers { users: 2, duration };
        assert_eq!(
            problems(&closed(us(2))),
            [(
                "load.duration".to_owned(),
                "2us is too short: a run lasts at least 100ms (shorter ones send next to nothing)"
                    .to_owned()
            )]
        );
        assert!(problems(&closed(us(100_000))).is_empty());
        let staged = LoadProfile::RampingUsers {
            start_users: 1,
            stages: vec![
                crate::scenario::Stage {
                    duration: us(30_000),
                    target: 2.0,
                },
                crate::scenario::Stage {
                    duration: us(30_000),
                    target: 2.0,
                },
            ],
        };
        let found = problems(&staged);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "load.stages");
        assert!(
            found[0]
                .1
                .starts_with("the stages add up to 60ms: a run lasts at least 100ms"),
            "{found:?}"
        );
    }

    #[test]
    fn unknown_request_names_the_known_ones_or_says_there_are_none() {
        assert_eq!(
            unknown_request("create item", &[]),
            "no request is named \"create item\": the scenario has no requests yet"
        );
        assert_eq!(
            unknown_request("x", &["GET /".to_owned(), "login".to_owned()]),
            "no request is named \"x\" (known: \"GET /\", \"login\")"
        );
    }
}
