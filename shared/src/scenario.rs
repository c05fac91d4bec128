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

#[cfg(feature = "yaml")]
mod locate;
mod overrides;
mod parse;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::threshold::ThresholdSpec;
use crate::units::{ByteSize, HumanDuration};

pub use overrides::Overrides;
pub use parse::{Format, MAX_SCENARIO_BYTES, ScenarioError, ScenarioErrors, parse_scenario};
pub use validate::{
    MAX_RATE, MAX_USERS, RequestId, ValidBody, ValidCheck, ValidJourney, ValidRequest,
    ValidScenario, ValidStep, ValidThink, ValidationEnv, describe_check, validate,
};

/// A whole scenario document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Values substituted for `${name}` in paths, headers and text bodies.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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

/// One step of a journey. An enum so that later workloads (WebSocket, GraphQL helpers, batch
/// uploads, streams) are new variants, not optional fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
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
        /// Users at t = 0.
        #[serde(default)]
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
        /// Journey starts per second at t = 0.
        #[serde(default)]
        start_rate: f64,
        /// Each stage ramps linearly to `target` starts per second over `duration`.
        stages: Vec<Stage>,
        /// Pool cap.
        max_users: u32,
    },
    /// A base rate with periodic spikes: `spike_rate` for `spike_duration` at the start of every
    /// `period` after the first.
    Spike {
        /// Rate outside spikes (starts per second).
        base_rate: f64,
        /// Rate during a spike.
        spike_rate: f64,
        /// How long each spike lasts.
        spike_duration: HumanDuration,
        /// Time from one spike's start to the next.
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
        /// [`min_rate`, `max_rate`]. 0 disables the walk.
        #[serde(default)]
        walk: f64,
        /// Lower bound of the drifting mean (default: half the mean).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_rate: Option<f64>,
        /// Upper bound of the drifting mean (default: twice the mean).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_rate: Option<f64>,
        /// Random seed, so a run can be replayed exactly.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
    },
}

impl LoadProfile {
    /// True for open-model profiles (arrival rates), false for closed-model ones (users).
    pub fn is_open_model(&self) -> bool {
        !matches!(
            self,
            LoadProfile::ConstantUsers { .. } | LoadProfile::RampingUsers { .. }
        )
    }
}

/// One stage of a staged profile: move linearly to `target` over `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Length of the stage.
    pub duration: HumanDuration,
    /// Users (for `ramping_users`) or starts per second (for `ramping_rate`) at the stage's end.
    pub target: f64,
}
