//! The scenario document: what users write as YAML or JSON (same schema) and what the REST API
//! accepts. These types mirror the file one to one and reject unknown fields; [`validate`] turns
//! them into a [`ValidScenario`] that the engine can run without further checks.
//!
//! ```yaml
//! name: shop
//! target: http://127.0.0.1:8090
//! journeys:
//!   - name: browse
//!     weight: 3
//!     steps:
//!       - request: { method: GET, path: /products, checks: [{ status: [200] }] }
//!       - think: 1s
//! load: { type: constant_rate, rate: 50, duration: 30s, max_users: 200 }
//! thresholds: ["p(95) < 200ms", "error_rate < 1%"]
//! ```

mod describe;
#[cfg(feature = "yaml")]
mod locate;
mod overrides;
mod parse;
#[cfg(feature = "yaml")]
mod recover;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::threshold::ThresholdSpec;
use crate::units::{ByteSize, HumanDuration};

pub use overrides::{AppliedOverrides, OverrideNames, Overrides, validate_overridden};
pub use parse::{
    Format, MAX_SCENARIO_BYTES, ScenarioError, ScenarioErrors, clean_path, humanize,
    name_the_forms, parse_scenario, serde_json_message, serde_json_position,
};
pub use validate::{
    MAX_RATE, MAX_SEED, MAX_USERS, MIN_LOAD_DURATION, RequestId, ValidBody, ValidCheck,
    ValidJourney, ValidRequest, ValidScenario, ValidStep, ValidThink, ValidationEnv, check_rate,
    check_seed, check_users, describe_check, header_name_problem, validate,
};

/// A whole scenario document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, shown in reports.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Base URL that request paths are joined to. When absent, `CLOUD_API_URL` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Headers sent with every request (a step's own headers win).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub headers: BTreeMap<String, String>,
    /// Values substituted for `${name}` in paths, headers, bodies (a JSON body's strings) and checks.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub variables: BTreeMap<String, String>,
    /// The traffic mix: each iteration picks one journey by weight.
    pub journeys: Vec<Journey>,
    /// How much load, and its shape over time.
    pub load: LoadProfile,
    /// Pass/fail criteria, in k6's readable form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdSpec>,
    /// Engine options.
    #[serde(default)]
    pub options: RunOptions,
}

/// Engine options that are not part of the load shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct RunOptions {
    /// Per-request timeout.
    pub timeout: HumanDuration,
    /// After the load ends, in-flight iterations get this long to finish before they are cut.
    pub graceful_stop: HumanDuration,
    /// Accept invalid TLS certificates (self-signed test environments). Never the default.
    pub insecure_tls: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: HumanDuration(std::time::Duration::from_secs(30)),
            graceful_stop: HumanDuration(std::time::Duration::from_secs(5)),
            insecure_tls: false,
        }
    }
}

/// A user journey: a named sequence of steps, chosen with probability weight / Σweights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Journey name, used in reports.
    pub name: String,
    /// Relative share of iterations (default 1).
    #[serde(default = "one")]
    pub weight: u32,
    /// What one iteration of this journey does, in order.
    pub steps: Vec<Step>,
}

fn one() -> u32 {
    1
}

/// A mapping of names to texts (`headers`, `variables`) with each name once. The YAML reader
/// refuses a repeated key; serde_json keeps the last one, so a JSON document (or an API
/// request) would lose a header or a variable without a word.
fn unique_keys<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(crate::strict::duplicate_key(&key)));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visitor)
}

/// One step of a journey. An enum so that later workloads (WebSocket, GraphQL helpers, batch
/// uploads, streams) are new variants, not optional fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Send an HTTP request and check the response.
    Request(RequestStep),
    /// Pause, like a user reading a page.
    Think(Think),
}

/// A think time: fixed (`think: 2s`) or uniform in a range (`think: { min: 1s, max: 3s }`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Think {
    /// Always the same pause.
    Fixed(HumanDuration),
    /// Uniformly random between min and max.
    Uniform {
        /// Shortest pause.
        min: HumanDuration,
        /// Longest pause.
        max: HumanDuration,
    },
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ThinkRange {
    min: HumanDuration,
    max: HumanDuration,
}

impl Serialize for Think {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Think::Fixed(d) => d.serialize(s),
            Think::Uniform { min, max } => ThinkRange { min, max }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Think {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Think;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"2s\" or a range { min: 1s, max: 3s }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Think, E> {
                HumanDuration::parse(v).map(Think::Fixed).map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Think, A::Error> {
                let r = ThinkRange::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Think::Uniform {
                    min: r.min,
                    max: r.max,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// An HTTP request step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestStep {
    /// Metric tag for this request (default: method and path template, e.g. `GET /api/users/${id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HTTP method (default GET).
    #[serde(default)]
    pub method: Method,
    /// Path joined to the scenario target (`/api/users`), or a full `http(s)://` URL.
    pub path: String,
    /// Extra headers for this request.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub headers: BTreeMap<String, String>,
    /// Request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Checks on the response; a failed check counts as a `check_failed` error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

/// HTTP methods a step may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Method {
    /// GET
    #[default]
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
}

impl Method {
    /// Every method, for messages and forms.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Head,
        Method::Options,
    ];

    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Method {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(&text))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown method \"{text}\" (expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)"
                ))
            })
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// Literal text (`${var}` substituted), sent as is.
    Text(String),
    /// A JSON document, sent with `content-type: application/json`.
    Json(serde_json::Value),
    /// A generated JSON payload of about this many bytes (e.g. `10KB`), built once per run.
    Payload(ByteSize),
}

/// A check on a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The status code is one of these.
    Status(Vec<u16>),
    /// The body contains this text.
    BodyContains(String),
    /// The JSON value at this pointer (RFC 6901) equals the given value.
    Json(JsonCheck),
    /// The response carries this header.
    HeaderPresent(String),
    /// The response arrived within this time.
    LatencyUnder(HumanDuration),
}

/// `json: { pointer: /data/id, equals: 5 }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JsonCheck {
    /// An RFC 6901 JSON pointer, such as `/data/items/0/id`.
    pub pointer: String,
    /// The expected value.
    pub equals: serde_json::Value,
}

/// The load profile: how many users or arrivals over time.
///
/// Closed model (`*_users`): a fixed or staged number of users loop their journeys, so the
/// arrival rate falls when the target slows down. Open model (`*_rate`, `spike`, `random`):
/// journeys start on a schedule that does not wait for responses; a start that finds all
/// `max_users` busy is counted as a dropped iteration.
///
/// Written as one mapping with a `type` tag (`{ type: constant_users, users: 10, duration: 1m }`).
/// Serialization is derived; reading goes through a flat list of every field, so that errors
/// keep their field path (`load.users`) and serde does not buffer the mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LoadProfile {
    /// N users, each looping its journey for the duration.
    ConstantUsers {
        /// Number of concurrent users.
        users: u32,
        /// How long the load lasts.
        duration: HumanDuration,
    },
    /// Users ramp linearly from stage to stage.
    RampingUsers {
        /// Users at t = 0 (default 0).
        start_users: u32,
        /// Each stage ramps linearly to `target` users over `duration`.
        stages: Vec<Stage>,
    },
    /// A fixed number of journey starts per second.
    ConstantRate {
        /// Journey starts per second.
        rate: f64,
        /// How long the load lasts.
        duration: HumanDuration,
        /// Pool cap: at most this many journeys in flight (like k6's `maxVUs`).
        max_users: u32,
    },
    /// The arrival rate ramps linearly from stage to stage.
    RampingRate {
        /// Journey starts per second at t = 0 (default 0).
        start_rate: f64,
        /// Each stage ramps linearly to `target` starts per second over `duration`.
        stages: Vec<Stage>,
        /// Pool cap.
        max_users: u32,
    },
    /// A base rate with periodic spikes: `spike_rate` for the last `spike_duration` of every
    /// `period`, so the run starts calm and the first spike ends one period in. The spike rate
    /// must be above the base rate, and the period at most the duration.
    Spike {
        /// Rate outside spikes (starts per second).
        base_rate: f64,
        /// Rate during a spike.
        spike_rate: f64,
        /// How long each spike lasts.
        spike_duration: HumanDuration,
        /// Time from one spike's start to the next; the first spike ends one period into the run.
        period: HumanDuration,
        /// Total duration.
        duration: HumanDuration,
        /// Pool cap.
        max_users: u32,
    },
    /// Poisson arrivals around a mean rate, optionally with the mean drifting as a random walk.
    Random {
        /// Mean journey starts per second.
        mean_rate: f64,
        /// Total duration.
        duration: HumanDuration,
        /// Pool cap.
        max_users: u32,
        /// Let the mean drift: every second it moves by a random ±`walk` fraction, kept within
        /// [`min_rate`, `max_rate`]. 0 (the default) disables the walk.
        walk: f64,
        /// Lower bound of the drifting mean (default: half the mean).
        #[serde(skip_serializing_if = "Option::is_none")]
        min_rate: Option<f64>,
        /// Upper bound of the drifting mean (default: twice the mean).
        #[serde(skip_serializing_if = "Option::is_none")]
        max_rate: Option<f64>,
        /// Random seed, so a run can be replayed exactly.
        #[serde(skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
    },
}

impl LoadProfile {
    /// The profile's type.
    pub fn kind(&self) -> LoadKind {
        match self {
            LoadProfile::ConstantUsers { .. } => LoadKind::ConstantUsers,
            LoadProfile::RampingUsers { .. } => LoadKind::RampingUsers,
            LoadProfile::ConstantRate { .. } => LoadKind::ConstantRate,
            LoadProfile::RampingRate { .. } => LoadKind::RampingRate,
            LoadProfile::Spike { .. } => LoadKind::Spike,
            LoadProfile::Random { .. } => LoadKind::Random,
        }
    }

    /// True for open-model profiles (arrival rates), false for closed-model ones (users).
    pub fn is_open_model(&self) -> bool {
        self.kind().is_open()
    }

    /// [`Self::planned_duration`] in whole milliseconds.
    pub fn planned_ms(&self) -> u64 {
        u64::try_from(self.planned_duration().as_millis()).unwrap_or(u64::MAX)
    }

    /// How long the load lasts: its `duration`, or its stages' together. The graceful stop
    /// comes after.
    pub fn planned_duration(&self) -> std::time::Duration {
        match self {
            LoadProfile::ConstantUsers { duration, .. }
            | LoadProfile::ConstantRate { duration, .. }
            | LoadProfile::Spike { duration, .. }
            | LoadProfile::Random { duration, .. } => duration.0,
            LoadProfile::RampingUsers { stages, .. } | LoadProfile::RampingRate { stages, .. } => {
                stages.iter().map(|s| s.duration.0).sum()
            }
        }
    }
}

/// The `type` of a load profile (`constant_users`, …): what the scenario editor offers and
/// what reading a profile checks its fields against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadKind {
    /// [`LoadProfile::ConstantUsers`].
    ConstantUsers,
    /// [`LoadProfile::RampingUsers`].
    RampingUsers,
    /// [`LoadProfile::ConstantRate`].
    ConstantRate,
    /// [`LoadProfile::RampingRate`].
    RampingRate,
    /// [`LoadProfile::Spike`].
    Spike,
    /// [`LoadProfile::Random`].
    Random,
}

impl LoadKind {
    /// Every type, closed model first.
    pub const ALL: [LoadKind; 6] = [
        LoadKind::ConstantUsers,
        LoadKind::RampingUsers,
        LoadKind::ConstantRate,
        LoadKind::RampingRate,
        LoadKind::Spike,
        LoadKind::Random,
    ];

    /// The `type` as written in a scenario.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadKind::ConstantUsers => "constant_users",
            LoadKind::RampingUsers => "ramping_users",
            LoadKind::ConstantRate => "constant_rate",
            LoadKind::RampingRate => "ramping_rate",
            LoadKind::Spike => "spike",
            LoadKind::Random => "random",
        }
    }

    /// The type named `s` ([`LoadKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// True for the staged types (`ramping_*`).
    pub fn is_staged(self) -> bool {
        matches!(self, LoadKind::RampingUsers | LoadKind::RampingRate)
    }

    /// True for open-model (arrival rate) types.
    pub fn is_open(self) -> bool {
        !matches!(self, LoadKind::ConstantUsers | LoadKind::RampingUsers)
    }

    /// The fields a profile of this type takes, besides `type`.
    pub fn field_names(self) -> &'static [&'static str] {
        match self {
            LoadKind::ConstantUsers => &["users", "duration"],
            LoadKind::RampingUsers => &["start_users", "stages"],
            LoadKind::ConstantRate => &["rate", "duration", "max_users"],
            LoadKind::RampingRate => &["start_rate", "stages", "max_users"],
            LoadKind::Spike => &[
                "base_rate",
                "spike_rate",
                "spike_duration",
                "period",
                "duration",
                "max_users",
            ],
            LoadKind::Random => &[
                "mean_rate",
                "duration",
                "max_users",
                "walk",
                "min_rate",
                "max_rate",
                "seed",
            ],
        }
    }
}

/// Every field of every load profile, as written. Each is `Some` exactly when it is present
/// (`null` is read as the field's own type would read it, so `users: null` is still an error).
#[derive(Deserialize)]
#[serde(rename = "LoadProfile", deny_unknown_fields)]
struct LoadFields {
    #[serde(rename = "type")]
    kind: LoadKind,
    #[serde(default, deserialize_with = "present")]
    users: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    duration: Option<HumanDuration>,
    #[serde(default, deserialize_with = "present")]
    start_users: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    stages: Option<Vec<Stage>>,
    #[serde(default, deserialize_with = "present")]
    rate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    max_users: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    start_rate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    base_rate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    spike_rate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    spike_duration: Option<HumanDuration>,
    #[serde(default, deserialize_with = "present")]
    period: Option<HumanDuration>,
    #[serde(default, deserialize_with = "present")]
    mean_rate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    walk: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    min_rate: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    max_rate: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    seed: Option<Option<u64>>,
}

/// A field that is present: read as its own type, wrapped in `Some` (absent fields default to
/// `None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl LoadFields {
    /// The names of the fields that are present, besides `type`.
    fn present_fields(&self) -> impl Iterator<Item = &'static str> {
        [
            ("users", self.users.is_some()),
            ("duration", self.duration.is_some()),
            ("start_users", self.start_users.is_some()),
            ("stages", self.stages.is_some()),
            ("rate", self.rate.is_some()),
            ("max_users", self.max_users.is_some()),
            ("start_rate", self.start_rate.is_some()),
            ("base_rate", self.base_rate.is_some()),
            ("spike_rate", self.spike_rate.is_some()),
            ("spike_duration", self.spike_duration.is_some()),
            ("period", self.period.is_some()),
            ("mean_rate", self.mean_rate.is_some()),
            ("walk", self.walk.is_some()),
            ("min_rate", self.min_rate.is_some()),
            ("max_rate", self.max_rate.is_some()),
            ("seed", self.seed.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, is_present)| is_present.then_some(name))
    }

    /// The profile of this `type`, or why these fields do not make one.
    fn into_profile(self) -> Result<LoadProfile, String> {
        let kind = self.kind;
        let takes = kind.field_names();
        if let Some(extra) = self.present_fields().find(|f| !takes.contains(f)) {
            return Err(format!(
                "field `{extra}` does not apply to type {} (it takes {})",
                kind.as_str(),
                takes.join(", ")
            ));
        }
        let need = |field: &str| format!("missing field `{field}` for type {}", kind.as_str());
        Ok(match kind {
            LoadKind::ConstantUsers => LoadProfile::ConstantUsers {
                users: self.users.ok_or_else(|| need("users"))?,
                duration: self.duration.ok_or_else(|| need("duration"))?,
            },
            LoadKind::RampingUsers => LoadProfile::RampingUsers {
                start_users: self.start_users.unwrap_or_default(),
                stages: self.stages.ok_or_else(|| need("stages"))?,
            },
            LoadKind::ConstantRate => LoadProfile::ConstantRate {
                rate: self.rate.ok_or_else(|| need("rate"))?,
                duration: self.duration.ok_or_else(|| need("duration"))?,
                max_users: self.max_users.ok_or_else(|| need("max_users"))?,
            },
            LoadKind::RampingRate => LoadProfile::RampingRate {
                start_rate: self.start_rate.unwrap_or_default(),
                stages: self.stages.ok_or_else(|| need("stages"))?,
                max_users: self.max_users.ok_or_else(|| need("max_users"))?,
            },
            LoadKind::Spike => LoadProfile::Spike {
                base_rate: self.base_rate.ok_or_else(|| need("base_rate"))?,
                spike_rate: self.spike_rate.ok_or_else(|| need("spike_rate"))?,
                spike_duration: self.spike_duration.ok_or_else(|| need("spike_duration"))?,
                period: self.period.ok_or_else(|| need("period"))?,
                duration: self.duration.ok_or_else(|| need("duration"))?,
                max_users: self.max_users.ok_or_else(|| need("max_users"))?,
            },
            LoadKind::Random => LoadProfile::Random {
                mean_rate: self.mean_rate.ok_or_else(|| need("mean_rate"))?,
                duration: self.duration.ok_or_else(|| need("duration"))?,
                max_users: self.max_users.ok_or_else(|| need("max_users"))?,
                walk: self.walk.unwrap_or_default(),
                min_rate: self.min_rate.flatten(),
                max_rate: self.max_rate.flatten(),
                seed: self.seed.flatten(),
            },
        })
    }
}

impl<'de> Deserialize<'de> for LoadProfile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        LoadFields::deserialize(d)?
            .into_profile()
            .map_err(serde::de::Error::custom)
    }
}

/// One stage of a staged profile: move linearly to `target` over `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Length of the stage.
    pub duration: HumanDuration,
    /// Users (a whole number, for `ramping_users`) or starts per second (for `ramping_rate`) at
    /// the stage's end.
    pub target: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> HumanDuration {
        HumanDuration(std::time::Duration::from_secs(s))
    }

    fn every_profile() -> Vec<LoadProfile> {
        let stages = vec![
            Stage {
                duration: secs(10),
                target: 20.0,
            },
            Stage {
                duration: secs(5),
                target: 0.0,
            },
        ];
        vec![
            LoadProfile::ConstantUsers {
                users: 10,
                duration: secs(30),
            },
            LoadProfile::RampingUsers {
                start_users: 2,
                stages: stages.clone(),
            },
            LoadProfile::ConstantRate {
                rate: 12.5,
                duration: secs(60),
                max_users: 100,
            },
            LoadProfile::RampingRate {
                start_rate: 1.0,
                stages,
                max_users: 50,
            },
            LoadProfile::Spike {
                base_rate: 5.0,
                spike_rate: 50.0,
                spike_duration: secs(2),
                period: secs(10),
                duration: secs(60),
                max_users: 200,
            },
            LoadProfile::Random {
                mean_rate: 8.0,
                duration: secs(60),
                max_users: 40,
                walk: 0.1,
                min_rate: Some(2.0),
                max_rate: None,
                seed: Some(7),
            },
        ]
    }

    fn read(json: &str) -> Result<LoadProfile, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_profile_round_trips_and_keeps_its_wire_form() {
        for profile in every_profile() {
            let json = serde_json::to_string(&profile).expect("serializes");
            assert_eq!(read(&json), Ok(profile), "{json}");
        }
        let json = serde_json::to_string(&every_profile()[0]).expect("serializes");
        assert_eq!(
            json,
            r#"{"type":"constant_users","users":10,"duration":"30s"}"#
        );
    }

    #[test]
    fn defaults_and_tag_anywhere() {
        assert_eq!(
            read(r#"{"stages":[],"type":"ramping_users"}"#),
            Ok(LoadProfile::RampingUsers {
                start_users: 0,
                stages: vec![],
            })
        );
        assert_eq!(
            read(r#"{"type":"random","mean_rate":1,"duration":"1s","max_users":1,"seed":null}"#),
            Ok(LoadProfile::Random {
                mean_rate: 1.0,
                duration: secs(1),
                max_users: 1,
                walk: 0.0,
                min_rate: None,
                max_rate: None,
                seed: None,
            })
        );
    }

    #[test]
    fn errors_name_the_field_and_the_type() {
        let err =
            read(r#"{"type":"constant_rate","rate":5,"duration":"1s"}"#).expect_err("rejected");
        assert!(
            err.starts_with("missing field `max_users` for type constant_rate"),
            "{err}"
        );
        let err = read(r#"{"type":"constant_users","users":1,"duration":"1s","rate":5}"#)
            .expect_err("rejected");
        assert!(
            err.starts_with(
                "field `rate` does not apply to type constant_users (it takes users, duration)"
            ),
            "{err}"
        );
        let err = read(r#"{"type":"constant_users","users":1,"duration":"1s","seed":null}"#)
            .expect_err("rejected");
        assert!(err.starts_with("field `seed` does not apply"), "{err}");
        let err = read(r#"{"type":"constant_users","users":null,"duration":"1s"}"#)
            .expect_err("rejected");
        assert!(err.starts_with("invalid type: null, expected u32"), "{err}");
        let err = read(r#"{"users":1,"duration":"1s"}"#).expect_err("rejected");
        assert!(err.starts_with("missing field `type`"), "{err}");
        let err = read(r#"{"type":"constant_vus"}"#).expect_err("rejected");
        assert!(err.starts_with("unknown variant `constant_vus`"), "{err}");
        let err = read(r#"{"type":"constant_users","users":1,"duration":"1s","rps":1}"#)
            .expect_err("rejected");
        assert!(err.starts_with("unknown field `rps`"), "{err}");
    }

    /// serde reads a struct from a list of its fields in order too; a scenario never does, in
    /// either format: `"options": ["5s", "1s"]` was a timeout and a graceful stop.
    #[test]
    fn a_list_where_a_mapping_belongs_is_refused_with_its_path() {
        let doc = |options: &str, check: &str, think: &str, load: &str| {
            format!(
                r#"{{"name": "x", "journeys": [{{"name": "j", "steps": [
                    {{"request": {{"method": "GET", "path": "/", "checks": [{check}]}}}},
                    {{"think": {think}}}]}}],
                    "load": {load}, "options": {options}}}"#
            )
        };
        let (options, check, think, load) = (
            r#"{"timeout": "5s"}"#,
            r#"{"json": {"pointer": "/id", "equals": 3}}"#,
            r#"{"min": "1s", "max": "2s"}"#,
            r#"{"type": "constant_users", "users": 1, "duration": "1s"}"#,
        );
        parse_scenario(&doc(options, check, think, load), Format::Json).expect("mappings");
        for (doc, path) in [
            (doc(r#"["5s", "1s"]"#, check, think, load), "options"),
            (
                doc(options, r#"{"json": ["/id", 3]}"#, think, load),
                "journeys[0].steps[0].request.checks[0].json",
            ),
            (
                doc(options, check, r#"["1s", "2s"]"#, load),
                "journeys[0].steps[1].think",
            ),
            (
                doc(options, check, think, r#"["constant_users", 1, "1s"]"#),
                "load",
            ),
        ] {
            // YAML is a superset of JSON, so the same text is also read as YAML.
            for format in [Format::Json, Format::Yaml] {
                let errs = parse_scenario(&doc, format).expect_err(&doc);
                assert_eq!(errs.0.len(), 1, "{errs}");
                let e = &errs.0[0];
                assert_eq!(e.path, path, "{format:?}: {errs}");
                assert!(e.message.contains("expected a "), "{format:?}: {errs}");
                assert!(e.line.is_some(), "{format:?}: {errs}");
            }
        }
    }

    #[test]
    fn json_errors_keep_the_field_path() {
        let doc = r#"{"name":"x","journeys":[],"load":{"type":"constant_users","users":-3,"duration":"1s"}}"#;
        let errs = parse_scenario(doc, Format::Json).expect_err("rejected");
        assert_eq!(errs.0[0].path, "load.users", "{errs}");
    }
}
