//! REST bodies of the control server. The panel, the platform dashboard and CI scripts code
//! against these; every handler speaks only these types.

use serde::{Deserialize, Serialize};

use crate::compare::{CompareRow, Tolerance};
use crate::metrics::{MetricsSnapshot, RunSummary};
use crate::run::{RunId, RunStatus};
use crate::scenario::{Scenario, ScenarioError};
use crate::units::HumanDuration;

/// Every error response: `{ "error": "...", "detail": "...", "problems": [...] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    /// A short machine-friendly kind, e.g. `invalid_scenario`, `not_found`, `conflict`.
    pub error: String,
    /// A sentence for people.
    pub detail: String,
    /// For invalid scenarios: each problem with its field path and position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// For 409: the run that is in the way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
}

/// One problem in a submitted scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// Field path, e.g. `journeys[0].steps[1].request.method`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line in the submitted text, when it was text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

impl From<&ScenarioError> for Problem {
    fn from(e: &ScenarioError) -> Self {
        Self {
            path: e.path.clone(),
            message: e.message.clone(),
            line: e.line,
            column: e.column,
        }
    }
}

/// The kind of test a run is. Today they differ in their default load shape; later issues add
/// their analyses (capacity knee, fault injection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TestType {
    /// A scenario run as written.
    #[default]
    Load,
    /// Push past capacity: ramp users up to `max_users`.
    Stress,
    /// Steady load at the expected level, judged by thresholds.
    Performance,
    /// Step the load up in equal stages to find where throughput stops following.
    Scalability,
    /// Load while faults are injected (later issue).
    Failure,
}

impl TestType {
    /// Every test type, in the order people are offered them.
    pub const ALL: [TestType; 5] = [
        TestType::Load,
        TestType::Stress,
        TestType::Performance,
        TestType::Scalability,
        TestType::Failure,
    ];

    /// Name as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TestType::Load => "load",
            TestType::Stress => "stress",
            TestType::Performance => "performance",
            TestType::Scalability => "scalability",
            TestType::Failure => "failure",
        }
    }
}

/// A scenario given inline (as a document, or as YAML/JSON text) or by the name it was saved
/// under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScenarioRef {
    /// The document itself, as a JSON object.
    // Only an object: serde would also read a struct from an array of its fields in order.
    Inline(#[serde(deserialize_with = "document")] Box<Scenario>),
    /// YAML or JSON text; errors then carry line and column.
    Text(String),
    /// A saved scenario or a preset.
    Name(String),
}

/// A scenario document, read only from a mapping (a JSON object).
fn document<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Box<Scenario>, D::Error> {
    struct Document;
    impl<'de> serde::de::Visitor<'de> for Document {
        type Value = Box<Scenario>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a scenario document (a JSON object)")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Scenario::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Box::new)
        }
    }
    d.deserialize_map(Document)
}

/// Load overrides for a start request (all optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoadOverrides {
    /// Load duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<HumanDuration>,
    /// Users (closed model) or pool cap (open model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
    /// Arrival rate (open model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Target base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// `POST /api/workload/start`, `POST /api/runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// What to run.
    pub scenario: ScenarioRef,
    /// Overrides applied before validation.
    #[serde(default)]
    pub overrides: LoadOverrides,
    /// The test type (default `load`).
    #[serde(default)]
    pub test_type: TestType,
}

/// `POST /api/testing/{stress,performance,scalability}`: a base scenario and the parameters
/// the test type shapes its load from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StartTest {
    /// The base scenario (its journeys and thresholds are used; its load is replaced).
    pub scenario: ScenarioRef,
    /// Total duration (default per type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<HumanDuration>,
    /// Steady users (performance) or starting users (stress, scalability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
    /// Peak users (stress, scalability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_users: Option<u32>,
    /// An arrival rate instead of users (performance: open model at this rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Target base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The answer to a start: the new run's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunCreated {
    /// The run's id.
    pub run_id: RunId,
    /// Its status right after creation.
    pub status: RunStatus,
}

/// Headline figures of a finished run, for lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunTotals {
    /// Requests completed.
    pub requests: u64,
    /// Failed requests.
    pub errors: u64,
    /// errors / requests.
    pub error_rate: f64,
    /// Requests per second over the load duration.
    pub rps: f64,
    /// Latency p50, ms.
    pub p50_ms: f64,
    /// Latency p95, ms.
    pub p95_ms: f64,
    /// Latency p99, ms.
    pub p99_ms: f64,
}

impl RunTotals {
    /// The headline figures of a summary.
    pub fn of(s: &RunSummary) -> Self {
        Self::of_stats(&s.total)
    }

    /// The headline figures of a run that never got a summary (it was interrupted), from the
    /// since-the-start totals of its last snapshot.
    pub fn of_snapshot(s: &MetricsSnapshot) -> Self {
        Self::of_stats(&s.total)
    }

    fn of_stats(t: &crate::metrics::RequestStats) -> Self {
        Self {
            requests: t.requests,
            errors: t.errors,
            error_rate: t.error_rate(),
            rps: t.rps,
            p50_ms: t.latency.p50_ms,
            p95_ms: t.latency.p95_ms,
            p99_ms: t.latency.p99_ms,
        }
    }
}

/// A run as listed in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunInfo {
    /// Id.
    pub id: RunId,
    /// Scenario name.
    pub scenario: String,
    /// Test type.
    pub test_type: TestType,
    /// Status.
    pub status: RunStatus,
    /// When it was created, ms since the Unix epoch.
    pub created_at_ms: u64,
    /// When it ended, ms since the Unix epoch: for a run that ended with its summary, the
    /// summary's start plus its duration ([`RunSummary::ended_at_ms`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<u64>,
    /// Time run so far, or in total (the graceful stop included), ms.
    pub duration_ms: u64,
    /// Headline figures, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<RunTotals>,
    /// Whether every threshold passed, once finished; absent while running, and for a run
    /// without thresholds (nothing was judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds_passed: Option<bool>,
    /// Why the run is `interrupted`: the server stopped before the run's end was stored, or the
    /// run history could not store its summary (and the store's error). Only on interrupted
    /// runs, and absent on those interrupted before this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_reason: Option<String>,
}

impl RunInfo {
    /// The run as it ended, with `summary`: its status, end ([`RunSummary::ended_at_ms`]),
    /// duration, totals and verdict, as the run history stores them; and, for a summary that
    /// ended it `interrupted` (the history could not store it), the summary's reason as the
    /// run's.
    pub fn end(&mut self, summary: &RunSummary) {
        self.status = summary.status;
        self.ended_at_ms = Some(summary.ended_at_ms());
        self.duration_ms = summary.duration_ms;
        self.totals = Some(RunTotals::of(summary));
        self.thresholds_passed = summary.verdict();
        self.interrupted_reason = match summary.status {
            RunStatus::Interrupted => summary.reason.clone(),
            _ => None,
        };
    }
}

/// One entry of a run list (`GET /api/runs`, `GET /api/testing/results`): a run, or a stored
/// run this build cannot read, in its place. A list does not fail for one such run (every
/// other stays readable) nor leave it out (a page would come up short, and the run could not be
/// found to delete); a client tells the two apart by `unreadable`, which only the second has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum RunListing {
    /// A run, as listed in history.
    Run(RunInfo),
    /// A stored run that cannot be read.
    Unreadable(UnreadableRun),
}

impl RunListing {
    /// The run's id, readable or not.
    pub fn id(&self) -> &RunId {
        match self {
            RunListing::Run(info) => &info.id,
            RunListing::Unreadable(u) => &u.id,
        }
    }

    /// The run, when it can be read.
    pub fn run(&self) -> Option<&RunInfo> {
        match self {
            RunListing::Run(info) => Some(info),
            RunListing::Unreadable(_) => None,
        }
    }
}

/// A stored run this build cannot read: a value it does not know (a status written by a newer
/// version) or one out of range. `DELETE /api/runs/{id}` removes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UnreadableRun {
    /// Id.
    pub id: RunId,
    /// Why it cannot be read: the field and its stored value.
    pub unreadable: String,
}

/// Which live figure an alert watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Interval p95 latency above the limit.
    ResponseTime,
    /// Interval error rate above the limit.
    ErrorRate,
}

/// An alert fired during a run, when an interval crossed a configured limit that the
/// interval before it had not (one alert per crossing, not one per interval above the limit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Alert {
    /// What crossed.
    pub kind: AlertKind,
    /// Snapshot sequence number of the interval.
    pub seq: u64,
    /// Time into the run, ms.
    pub elapsed_ms: u64,
    /// Observed value (ms or ratio).
    pub value: f64,
    /// The limit (ms or ratio).
    pub limit: f64,
    /// For people: [`AlertKind::describe`] of `value` and `limit`.
    pub message: String,
}

impl AlertKind {
    /// The watched figure, for people: `p95 latency`, `error rate`.
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::ResponseTime => "p95 latency",
            AlertKind::ErrorRate => "error rate",
        }
    }

    /// A value of the watched figure in its unit, in the style of the panel's tiles and the
    /// reports: `960 ms`, `5.00 s`, `65.43%`.
    pub fn format_value(self, value: f64) -> String {
        match self {
            AlertKind::ResponseTime => crate::units::human_ms(value),
            AlertKind::ErrorRate => crate::units::human_percent(value),
        }
    }

    /// A limit as it was configured, without padding: `500 ms`, `4 s`, `5%`, `0.25%`.
    pub fn format_limit(self, limit: f64) -> String {
        if !limit.is_finite() {
            return "–".to_owned();
        }
        match self {
            AlertKind::ResponseTime if limit >= 1000.0 => {
                format!("{} s", trimmed(limit / 1000.0, 3))
            }
            AlertKind::ResponseTime => format!("{} ms", trimmed(limit, 3)),
            AlertKind::ErrorRate => format!("{}%", trimmed(limit * 100.0, 3)),
        }
    }

    /// The alert's sentence: `error rate 65.43% is above the 5% limit`.
    pub fn describe(self, value: f64, limit: f64) -> String {
        format!(
            "{} {} is above the {} limit",
            self.label(),
            self.format_value(value),
            self.format_limit(limit)
        )
    }
}

/// `value` with at most `decimals` decimals, trailing zeros dropped: `65`, `12.5`, `0.25`.
fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

impl Alert {
    /// The alert for interval `seq` (ending `elapsed_ms` into the run) whose figure `value`
    /// crossed `limit`, with its sentence.
    pub fn new(kind: AlertKind, seq: u64, elapsed_ms: u64, value: f64, limit: f64) -> Self {
        Self {
            kind,
            seq,
            elapsed_ms,
            value,
            limit,
            message: kind.describe(value, limit),
        }
    }
}

/// A run with everything known about it: the fields of [`RunInfo`] and, next to them, the rest.
///
/// Serialization flattens `info`; reading goes through a flat struct with every field instead
/// of `#[serde(flatten)]`, which serde would buffer (and which would put a second copy of all
/// the code reading these types into the panel's WebAssembly).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(
        description = "A run with everything known about it: the fields of RunInfo and, next to them, the rest."
    )
)]
pub struct RunDetail {
    /// The listing fields.
    #[serde(flatten)]
    pub info: RunInfo,
    /// The scenario as run: after overrides, and with the target it ran against when it named
    /// none (the server's `CLOUD_API_URL`, or its demo target).
    pub scenario_doc: Scenario,
    /// The final summary, once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<RunSummary>,
    /// Alerts fired.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// The latest snapshot, only while the run has no summary: in progress, or interrupted (its
    /// last stored snapshot, with `status` set to the run's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<MetricsSnapshot>,
}

/// [`RunDetail`] as on the wire: [`RunInfo`]'s fields (with the same serde attributes) and the
/// rest. Like a flattened struct, it ignores unknown fields.
#[derive(Deserialize)]
#[serde(rename = "RunDetail")]
struct RunDetailWire {
    id: RunId,
    scenario: String,
    test_type: TestType,
    status: RunStatus,
    created_at_ms: u64,
    #[serde(default)]
    ended_at_ms: Option<u64>,
    duration_ms: u64,
    #[serde(default)]
    totals: Option<RunTotals>,
    #[serde(default)]
    thresholds_passed: Option<bool>,
    #[serde(default)]
    interrupted_reason: Option<String>,
    scenario_doc: Scenario,
    #[serde(default)]
    summary: Option<RunSummary>,
    #[serde(default)]
    alerts: Vec<Alert>,
    #[serde(default)]
    latest: Option<MetricsSnapshot>,
}

impl<'de> Deserialize<'de> for RunDetail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = RunDetailWire::deserialize(d)?;
        Ok(RunDetail {
            info: RunInfo {
                id: w.id,
                scenario: w.scenario,
                test_type: w.test_type,
                status: w.status,
                created_at_ms: w.created_at_ms,
                ended_at_ms: w.ended_at_ms,
                duration_ms: w.duration_ms,
                totals: w.totals,
                thresholds_passed: w.thresholds_passed,
                interrupted_reason: w.interrupted_reason,
            },
            scenario_doc: w.scenario_doc,
            summary: w.summary,
            alerts: w.alerts,
            latest: w.latest,
        })
    }
}

/// `GET /api/workload/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkloadStatus {
    /// The current (or most recent) run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// Its latest snapshot. For a run that ended without a final snapshot (interrupted: the
    /// process running it died), this is the last one stored, with `status` set to the run's
    /// so the two do not disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<MetricsSnapshot>,
}

/// A saved scenario in listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScenarioEntry {
    /// The name it is saved under.
    pub name: String,
    /// Last update, ms since the Unix epoch (0 for built-in presets).
    pub updated_at_ms: u64,
    /// The document.
    pub scenario: Scenario,
}

/// `POST /api/workload/scenario`: store or update a named scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SaveScenario {
    /// Name to save under (default: the scenario's own name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scenario.
    pub scenario: ScenarioRef,
}

/// Generator host resources (`GET /api/monitoring/resources`). A figure the host does not
/// give (no `/proc`: another OS, a locked-down container) is `null`, never a made-up 0.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HostResources {
    /// Whole-host CPU use since the previous call (the first call: since boot), percent of
    /// all the host's CPUs (`host_cores` of them, not `cores`); `null` when unknown or when
    /// no time passed since that call.
    pub cpu_percent: Option<f64>,
    /// The host's CPUs (the `cpuN` lines of `/proc/stat`): what `cpu_percent` is a share of.
    /// `null` when unknown.
    pub host_cores: Option<u32>,
    /// Cores this process may use (its CPU affinity, and a cgroup CPU quota rounded down to
    /// whole cores, at least 1): fewer than `host_cores` in a container or under `taskset`.
    pub cores: u32,
    /// Total memory, bytes.
    pub memory_total_bytes: Option<u64>,
    /// Available memory, bytes.
    pub memory_available_bytes: Option<u64>,
    /// This process's resident memory, bytes.
    pub process_rss_bytes: Option<u64>,
    /// Bytes received since boot on the interfaces in `net_interfaces`.
    pub net_rx_bytes: Option<u64>,
    /// Bytes sent since boot on the interfaces in `net_interfaces`.
    pub net_tx_bytes: Option<u64>,
    /// The interfaces `net_rx_bytes` and `net_tx_bytes` count: the physical ones, whose
    /// traffic is the host's own. Virtual ones (those under `/sys/devices/virtual/net`: veth
    /// pairs, bridges such as `docker0`, tunnels) carry traffic that also crosses a physical
    /// one, or none that leaves the host, and loopback never counts. Where there is no
    /// physical one (a container, whose `eth0` is one end of a veth pair) or `/sys` cannot
    /// be read, every interface but loopback. Empty when none counts.
    #[serde(default)]
    pub net_interfaces: Vec<String>,
    /// Load average over 1 minute.
    pub load_avg_1m: Option<f64>,
}

/// Query of `GET /api/testing/results` and `GET /api/runs`. Unknown parameters are refused, so
/// a typo does not silently list everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RunFilter {
    /// Only this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    /// Only this test type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_type: Option<TestType>,
    /// Only this scenario name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// At most this many (newest first; default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Skip this many of the newest matching runs first (to page through a long history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// Query of `GET /api/runs/{id}/series`. Unknown parameters are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// `false` sends each snapshot's `per_request` as an empty list (the field stays, so the
    /// snapshot reads as any other). Charts need only the totals, and the per-request stats are
    /// most of a long run's series (an hour of a six-request scenario: three quarters of it).
    /// Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_request: Option<bool>,
}

/// Query of `POST /api/runs/{id}/stop` and `POST /api/workload/stop`, or their JSON body
/// (`{"now": true}`; an empty body or `{}` is a graceful stop). Unknown parameters and fields
/// are refused, and so is `now` given in both with different values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StopQuery {
    /// `true` stops without a graceful stop: the iterations in flight are cut at once and
    /// counted as interrupted. Sent to a run that is already `stopping`, it cuts its graceful
    /// stop short. The run is then `cancelled`. Default `false`: no new iterations, and those
    /// in flight get the scenario's `graceful_stop` to finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<bool>,
}

/// Query of `GET /api/runs/{baseline}/compare/{candidate}`. Unknown parameters are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// How large a change must be, in percent of the baseline, to count as a regression or an
    /// improvement (on top of a noise floor per metric: 1 ms, 1 request/s, 0.1 percentage
    /// points of error rate). From 0 to 1000; default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0.0, max = 1000.0)))]
    pub tolerance: Option<f64>,
    /// `true` judges only the total over all requests (request names with few requests have
    /// noisy percentiles); each request name is still listed. Default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_only: Option<bool>,
}

/// `GET /api/runs/{baseline}/compare/{candidate}`: two runs' figures side by side, the total
/// and each request name, with every change read as a regression, an improvement or noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunComparison {
    /// The run compared against.
    pub baseline: RunInfo,
    /// The run judged.
    pub candidate: RunInfo,
    /// The tolerance used, percent.
    pub tolerance_percent: f64,
    /// Metrics (of the total and of request names in both runs) that got worse beyond the
    /// tolerance: higher latency or error rate, lower throughput.
    pub regressions: usize,
    /// Metrics that got better beyond the tolerance.
    pub improvements: usize,
    /// The counts in a sentence, as the panel shows it.
    pub verdict: String,
    /// What makes the comparison not like for like: different scenarios, a run that did not
    /// complete normally. Empty when there is nothing to say.
    pub notes: Vec<String>,
    /// The total first, then each request name of either run.
    pub rows: Vec<CompareRow>,
    /// Only the total was judged (`stampede compare --total-only`): `regressions` and
    /// `improvements` count the total's metrics, and the request names' readings are shown but
    /// not counted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_only: bool,
}

impl RunComparison {
    /// The comparison of two runs' `rows` (from [`crate::compare::compare`]) at `tolerance`,
    /// counted over the total alone when `total_only`, else over every row.
    pub fn new(
        (baseline, candidate): (RunInfo, RunInfo),
        rows: Vec<CompareRow>,
        notes: Vec<String>,
        tolerance: Tolerance,
        total_only: bool,
    ) -> Self {
        // The total is always the first row.
        let judged = if total_only {
            rows.get(..1).unwrap_or_default()
        } else {
            &rows
        };
        let (regressions, improvements) = crate::compare::tally(judged);
        let mut verdict = crate::compare::tally_line(regressions, improvements, tolerance);
        if total_only {
            verdict.push_str(" Only the total was judged.");
        }
        Self {
            baseline,
            candidate,
            tolerance_percent: tolerance.percent(),
            regressions,
            improvements,
            verdict,
            notes,
            rows,
            total_only,
        }
    }
}

/// One point of `GET /api/monitoring/performance`: an interval's throughput and latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PerformancePoint {
    /// End of the interval, ms into the run.
    pub elapsed_ms: u64,
    /// Requests per second in the interval.
    pub rps: f64,
    /// Latency percentiles in the interval, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Users in flight at the end of the interval.
    pub active_users: u64,
}

/// `GET /api/monitoring/performance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PerformanceSeries {
    /// The run.
    pub run_id: RunId,
    /// One point per interval, in order.
    pub points: Vec<PerformancePoint>,
}

/// Errors of one request name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequestErrors {
    /// Request name.
    pub name: String,
    /// Requests.
    pub requests: u64,
    /// Failed requests.
    pub errors: u64,
    /// By kind.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::error_kind_map")
    )]
    pub by_kind: std::collections::BTreeMap<crate::metrics::ErrorKind, u64>,
}

/// `GET /api/monitoring/errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorStats {
    /// The run.
    pub run_id: RunId,
    /// Requests so far.
    pub requests: u64,
    /// Failed requests so far.
    pub errors: u64,
    /// errors / requests.
    pub error_rate: f64,
    /// By kind.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::error_kind_map")
    )]
    pub by_kind: std::collections::BTreeMap<crate::metrics::ErrorKind, u64>,
    /// Responses by status code.
    #[serde(with = "crate::metrics::status_map")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::status_map")
    )]
    pub by_status: std::collections::BTreeMap<u16, u64>,
    /// By request name.
    pub by_request: Vec<RequestErrors>,
    /// Errors per interval: `(elapsed_ms, errors)`.
    pub over_time: Vec<(u64, u64)>,
}

/// A preset in `GET /api/presets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Preset {
    /// Preset name (start a run with `{"scenario": {"name": "<this>"}}`).
    pub name: String,
    /// The scenario's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The document.
    pub scenario: Scenario,
}

/// `POST /api/scenarios/validate`: the server reads a scenario (inline or as YAML/JSON text),
/// checks it, and renders it as YAML — so the panel keeps its form and text views in sync
/// without a YAML parser of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScenarioCheck {
    /// True when the scenario can run.
    pub valid: bool,
    /// The document, when it could be read at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Scenario>,
    /// The document as YAML, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yaml: Option<String>,
    /// Every problem, with field paths (and positions for text).
    #[serde(default)]
    pub problems: Vec<Problem>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    #[test]
    fn alert_sentences_use_one_precision_for_value_and_limit() {
        let cases = [
            (
                AlertKind::ErrorRate,
                0.5,
                0.05,
                "error rate 50.00% is above the 5% limit",
            ),
            (
                AlertKind::ErrorRate,
                0.6543,
                0.05,
                "error rate 65.43% is above the 5% limit",
            ),
            (
                AlertKind::ErrorRate,
                0.003,
                0.0025,
                "error rate 0.30% is above the 0.25% limit",
            ),
            (
                AlertKind::ErrorRate,
                1.0,
                0.0,
                "error rate 100.00% is above the 0% limit",
            ),
            (
                AlertKind::ResponseTime,
                960.4,
                500.0,
                "p95 latency 960 ms is above the 500 ms limit",
            ),
            (
                AlertKind::ResponseTime,
                12.34,
                10.0,
                "p95 latency 12.3 ms is above the 10 ms limit",
            ),
            (
                AlertKind::ResponseTime,
                1.5,
                0.001,
                "p95 latency 1.50 ms is above the 0.001 ms limit",
            ),
            (
                AlertKind::ResponseTime,
                f64::NAN,
                500.0,
                "p95 latency – is above the 500 ms limit",
            ),
            (
                AlertKind::ResponseTime,
                4997.0,
                4000.0,
                "p95 latency 5.00 s is above the 4 s limit",
            ),
            (
                AlertKind::ResponseTime,
                1600.0,
                1500.0,
                "p95 latency 1.60 s is above the 1.5 s limit",
            ),
        ];
        for (kind, value, limit, want) in cases {
            assert_eq!(
                kind.describe(value, limit),
                want,
                "{kind:?} {value} {limit}"
            );
        }
        let a = Alert::new(AlertKind::ErrorRate, 3, 4000, 0.5, 0.05);
        assert_eq!(a.message, "error rate 50.00% is above the 5% limit");
        assert_eq!(
            (a.seq, a.elapsed_ms, a.value, a.limit),
            (3, 4000, 0.5, 0.05)
        );
    }

    /// A run ends at its summary's start plus its duration: the end the run history stores
    /// and the live page shows, one value for both.
    #[test]
    fn a_run_ends_at_its_summarys_start_plus_its_duration() {
        let mut run = samples::run_info();
        let mut summary = samples::summary();
        summary.started_at_ms = 1_764_000_000_250;
        summary.duration_ms = 61_500;
        assert_eq!(summary.ended_at_ms(), 1_764_000_061_750);
        run.end(&summary);
        assert_eq!(run.ended_at_ms, Some(1_764_000_061_750));
        assert_eq!(run.duration_ms, 61_500);
        summary.started_at_ms = u64::MAX;
        assert_eq!(summary.ended_at_ms(), u64::MAX, "never overflows");
    }

    /// A run ended by its summary says why it was interrupted as the history would, and a run
    /// that ended otherwise has no interruption to explain.
    #[test]
    fn a_run_ended_by_an_interrupted_summary_has_its_reason() {
        let why = "the run history could not store its summary (disk full)";
        let mut run = RunInfo {
            status: RunStatus::Running,
            interrupted_reason: None,
            ..samples::run_info()
        };
        let mut summary = samples::summary();
        summary.status = RunStatus::Interrupted;
        summary.reason = Some(why.into());
        run.end(&summary);
        assert_eq!(
            (run.status, run.interrupted_reason.as_deref()),
            (RunStatus::Interrupted, Some(why))
        );
        summary.status = RunStatus::Failed;
        summary.reason = Some("threshold failed".into());
        run.end(&summary);
        assert_eq!(
            (run.status, run.interrupted_reason),
            (RunStatus::Failed, None)
        );
    }

    #[test]
    fn run_detail_round_trips_with_the_listing_fields_at_the_top_level() {
        let detail = samples::run_detail();
        let json = serde_json::to_string(&detail).expect("serializes");
        assert_eq!(
            serde_json::from_str::<RunDetail>(&json).expect("deserializes"),
            detail
        );
        // The wire form is RunInfo's fields next to the rest, as with `#[serde(flatten)]`.
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let mut info = serde_json::to_value(samples::run_info()).expect("serializes");
        let info = info.as_object_mut().expect("an object");
        for (key, v) in info.iter() {
            assert_eq!(value.get(key), Some(v), "{key}");
        }
        let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
        assert_eq!(keys.len(), info.len() + 4, "{keys:?}");

        // Optional fields may be absent; unknown fields are ignored, as before.
        let mut bare = RunDetail {
            summary: None,
            alerts: Vec::new(),
            latest: None,
            ..samples::run_detail()
        };
        bare.info.ended_at_ms = None;
        bare.info.totals = None;
        bare.info.thresholds_passed = None;
        let mut value = serde_json::to_value(&bare).expect("serializes");
        let object = value.as_object_mut().expect("an object");
        object.remove("alerts");
        object.insert("added_later".into(), serde_json::json!({ "x": 1 }));
        assert_eq!(
            serde_json::from_value::<RunDetail>(value).expect("deserializes"),
            bare
        );

        // An interrupted run's reason is read back too.
        let mut interrupted = samples::run_detail();
        interrupted.info.status = RunStatus::Interrupted;
        interrupted.info.interrupted_reason = Some("the server stopped".into());
        let json = serde_json::to_string(&interrupted).expect("serializes");
        assert!(
            json.contains(r#""interrupted_reason":"the server stopped""#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<RunDetail>(&json).expect("deserializes"),
            interrupted
        );
    }
}
