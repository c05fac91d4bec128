//! Metric types: what the engine reports every interval and at the end of a run.
//! Latencies are milliseconds as `f64` (µs resolution underneath); counts are `u64`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::run::RunStatus;
use crate::threshold::ThresholdResult;

/// Why a request failed. Per-request failures are data, never errors of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The target's host name could not be resolved, or is not a valid DNS name.
    Dns,
    /// The target refused the connection (nothing listening).
    ConnectRefused,
    /// Another connection failure (unreachable network, …).
    Connect,
    /// No complete response within the timeout.
    Timeout,
    /// The connection was reset or closed mid-exchange.
    Reset,
    /// TLS handshake or certificate failure.
    Tls,
    /// The target answered 4xx.
    #[serde(rename = "http_4xx")]
    Http4xx,
    /// The target answered 5xx.
    #[serde(rename = "http_5xx")]
    Http5xx,
    /// The response arrived but a check on it failed.
    CheckFailed,
    /// The response started but its body could not be read to the end.
    BodyRead,
    /// The target answered with something that is not valid HTTP.
    Protocol,
    /// Anything else (e.g. a request that could not be built).
    Other,
    /// Still unanswered when the graceful stop ran out: the request was cut off with its
    /// iteration (see `interrupted_iterations`). Its latency is the time it had waited, a lower
    /// bound. A target that hangs shows here; a request that legitimately takes longer needs a
    /// longer `options.graceful_stop`.
    Interrupted,
}

impl ErrorKind {
    /// Parses a wire name (`http_5xx`, `timeout`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Every kind, in report order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Dns,
        ErrorKind::ConnectRefused,
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Reset,
        ErrorKind::Tls,
        ErrorKind::Http4xx,
        ErrorKind::Http5xx,
        ErrorKind::CheckFailed,
        ErrorKind::BodyRead,
        ErrorKind::Protocol,
        ErrorKind::Other,
        ErrorKind::Interrupted,
    ];

    /// Dense index, for counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind in words, for people (`HTTP 5xx`, `connection refused`); [`Self::as_str`] is
    /// the wire name.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Dns => "DNS error",
            ErrorKind::ConnectRefused => "connection refused",
            ErrorKind::Connect => "connect error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "connection reset",
            ErrorKind::Tls => "TLS error",
            ErrorKind::Http4xx => "HTTP 4xx",
            ErrorKind::Http5xx => "HTTP 5xx",
            ErrorKind::CheckFailed => "check failed",
            ErrorKind::BodyRead => "body read error",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Other => "other",
            ErrorKind::Interrupted => "cut off at the end of the run",
        }
    }

    /// The kind's name as used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::ConnectRefused => "connect_refused",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Tls => "tls",
            ErrorKind::Http4xx => "http_4xx",
            ErrorKind::Http5xx => "http_5xx",
            ErrorKind::CheckFailed => "check_failed",
            ErrorKind::BodyRead => "body_read",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Other => "other",
            ErrorKind::Interrupted => "interrupted",
        }
    }
}

/// Serde for maps keyed by HTTP status code. JSON object keys are strings; serde parses them
/// back into integers only when it reads the map directly, not when the map sits inside an
/// internally tagged enum (such as a WebSocket message), so the keys are parsed here.
pub mod status_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the keys as strings, as JSON objects have them. (serde_json would turn integer
    /// keys into strings itself; formats that map onto JavaScript objects, like the panel's
    /// serde-wasm-bindgen, refuse keys that are not strings.)
    pub fn serialize<S: Serializer>(map: &BTreeMap<u16, u64>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(code, n)| (code.to_string(), n)))
    }

    /// Reads keys written as strings (or integers) into status codes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u16, u64>, D::Error> {
        // Inserted one by one: the keys come in order, and collecting into a map would sort
        // them again (one more sort routine in the panel's wasm).
        let mut map = BTreeMap::new();
        for (Code(code), n) in BTreeMap::<Code, u64>::deserialize(d)? {
            map.insert(code, n);
        }
        Ok(map)
    }

    /// A status code as a map key: an integer, or a string holding one. Read with a visitor
    /// rather than an untagged enum, which serde would buffer (and which would put a second copy
    /// of the map's code into the panel's WebAssembly).
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Code(u16);

    impl<'de> Deserialize<'de> for Code {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(CodeVisitor)
        }
    }

    struct CodeVisitor;

    impl serde::de::Visitor<'_> for CodeVisitor {
        type Value = Code;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an HTTP status code")
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Code, E> {
            u16::try_from(v).map(Code).map_err(|_| {
                E::invalid_value(serde::de::Unexpected::Unsigned(v), &"an HTTP status code")
            })
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Code, E> {
            u16::try_from(v).map(Code).map_err(|_| {
                E::invalid_value(serde::de::Unexpected::Signed(v), &"an HTTP status code")
            })
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Code, E> {
            text.parse::<u16>()
                .map(Code)
                .map_err(|_| E::custom(format!("\"{text}\" is not an HTTP status code")))
        }
    }
}

/// Latency distribution summary, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LatencyStats {
    /// Samples behind these figures.
    pub count: u64,
    /// Mean.
    pub avg_ms: f64,
    /// Minimum.
    pub min_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

/// Counters and latencies for one request name (or all requests), over some time span.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequestStats {
    /// Request name (`"*"` for the total over all requests).
    pub name: String,
    /// Requests made (answered, failed, or cut off). A request still unanswered when the
    /// graceful stop runs out counts here and as an [`ErrorKind::Interrupted`] error, with the
    /// time it had waited as its latency (a lower bound) and the bytes that had gone over the
    /// wire (on the direct HTTP/1.1 path; none through the general client); its iteration counts as
    /// interrupted (see [`RunSummary::interrupted_iterations`]). Unlike k6, which leaves such
    /// requests out, so a target that hangs cannot pass an error-rate threshold.
    pub requests: u64,
    /// Requests counted as failed (any [`ErrorKind`]).
    pub errors: u64,
    /// Failures by kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::error_kind_map")
    )]
    pub errors_by_kind: BTreeMap<ErrorKind, u64>,
    /// Responses by HTTP status code.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "status_map"
    )]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::status_map")
    )]
    pub status_counts: BTreeMap<u16, u64>,
    /// Request bytes written to a connection (request line, headers and body). A request that
    /// never got a connection (refused, unreachable, TLS failure) sent nothing; one that failed
    /// part-way counts what the operating system accepted before the failure, and a request sent
    /// again on a fresh connection (a kept-alive one closed under it) counts both writes. Exact
    /// on the direct HTTP/1.1 path; through the general client (`https://`, framing headers)
    /// the request's size, counted once a connection was made, is an estimate (HTTP/2 headers
    /// are compressed on the wire).
    pub bytes_sent: u64,
    /// Response bytes read from the connection: heads, bodies and their framing, and bytes that
    /// are not HTTP at all (a protocol error still received them). Exact on the direct HTTP/1.1
    /// path; through the general client, the body as decoded plus an estimate of the head, and
    /// nothing for a response that failed before its head was parsed.
    pub bytes_received: u64,
    /// Requests sent once more on a new connection because the kept-alive connection they were
    /// written to closed before any answer (the target's idle timeout racing the request).
    /// Each is one request in `requests`, with both writes in `bytes_sent`. Many of them mean
    /// the target closes idle connections sooner than the generator expects. Counted on the
    /// direct HTTP/1.1 path; absent (0) in stats stored by older versions.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resent: u64,
    /// Latency from the *scheduled* start (open model: includes time waiting to be sent;
    /// closed model: from when the user was ready to send, which is the service time plus any
    /// delay inside the generator). This is the truthful latency users saw.
    pub latency: LatencyStats,
    /// Raw service time: from the moment the request was actually sent to its last byte.
    pub service_time: LatencyStats,
    /// Requests per second over the span.
    pub rps: f64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl RequestStats {
    /// Failed requests / requests, 0 when there were none.
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

/// Pass/fail counts of one check on one request name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckStats {
    /// The request name the check belongs to.
    pub request: String,
    /// The check, described (`status in [200]`).
    pub check: String,
    /// Responses that passed.
    pub passed: u64,
    /// Responses that failed.
    pub failed: u64,
}

/// How the load generator itself is doing. A saturated generator measures itself, not the
/// target, so this is reported next to every result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GeneratorStats {
    /// CPU used by the engine's worker threads (which make the requests) over the span, in
    /// percent of one core: not the rest of the process, such as the control server and demo
    /// target that `stampede serve` runs beside them. A span too short to
    /// measure (under half the interval, or under 250 ms; typically the run's final partial
    /// interval) repeats the previous measurement. `null` where it is not known: the threads'
    /// CPU time cannot be read (no `/proc`: another OS, a locked-down container), or nothing
    /// has been measured yet (the spans so far were all too short). Never a made-up 0.
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    /// CPU cores available to the process, as the standard library counts them: a fractional
    /// cgroup CPU quota is rounded down to whole cores (at least one), so 0.5 and 1.5 CPUs
    /// both show as 1. The saturation check uses [`GeneratorStats::cpu_capacity`].
    pub cores: u32,
    /// The CPU the process can really use, in cores, fractions kept: its cores, capped by a
    /// cgroup CPU quota (0.5 under a pod's `limits.cpu: 500m`, 1.5 under `docker run --cpus
    /// 1.5`). What the generator's saturation is judged against. 0 in snapshots stored by
    /// older versions; read it with [`GeneratorStats::capacity`].
    #[serde(default)]
    pub cpu_capacity: f64,
    /// Resident memory of the whole process, bytes: in `stampede serve` the control server's
    /// and demo target's too (memory cannot be told apart by thread). `null` where it cannot
    /// be read (no `/proc/self/status`).
    #[serde(default)]
    pub rss_bytes: Option<u64>,
    /// Worst lateness of a scheduled start (open model) or a timer (think time) in the span.
    pub max_schedule_lag_ms: f64,
}

impl GeneratorStats {
    /// The CPU the generator could use, in cores: [`GeneratorStats::cpu_capacity`], or for a
    /// snapshot stored before versions recorded it, its whole [`GeneratorStats::cores`] (what
    /// they compared against); `None` when neither is known.
    pub fn capacity(&self) -> Option<f64> {
        if self.cpu_capacity.is_finite() && self.cpu_capacity > 0.0 {
            Some(self.cpu_capacity)
        } else {
            (self.cores > 0).then(|| f64::from(self.cores))
        }
    }
}

/// A CPU capacity in words: "2 cores", "1 core", "1.5 cores" (a quota), to three decimals.
pub fn cores_text(capacity: f64) -> String {
    let text = format!("{capacity:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "1" {
        "1 core".to_owned()
    } else {
        format!("{text} cores")
    }
}

/// One interval's view of a running test, pushed every `METRICS_COLLECTION_INTERVAL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricsSnapshot {
    /// Sequence number, from 0.
    pub seq: u64,
    /// Time since the run started, ms (end of this interval).
    pub elapsed_ms: u64,
    /// Length of this interval, ms.
    pub interval_ms: u64,
    /// Run status at the time of the snapshot.
    pub status: RunStatus,
    /// All requests completed within this interval.
    pub interval: RequestStats,
    /// All requests since the start.
    pub total: RequestStats,
    /// Per request name, since the start.
    pub per_request: Vec<RequestStats>,
    /// Users (iterations in flight) at the end of the interval.
    pub active_users: u64,
    /// The most users in flight at any moment of the interval (at least `active_users`): a
    /// user that started and finished between two ticks counts here, not in `active_users`.
    /// 0 in snapshots stored by older versions; read it with [`MetricsSnapshot::users_peak`].
    #[serde(default)]
    pub interval_peak_users: u64,
    /// Users the plan called for (closed model) at the end of the interval.
    pub target_users: u64,
    /// Arrival rate the plan called for (open model), starts per second: its mean over the
    /// interval, so it compares with the interval's achieved rate.
    pub target_rate: f64,
    /// Iterations finished since the start.
    pub iterations: u64,
    /// Scheduled starts dropped because every user in the pool was busy, since the start.
    pub dropped_iterations: u64,
    /// Iterations cut off when the graceful stop ran out, since the start (0 until then; see
    /// [`RunSummary::interrupted_iterations`]). Absent in snapshots stored by older versions.
    #[serde(default)]
    pub interrupted_iterations: u64,
    /// The generator's own health over this interval.
    pub generator: GeneratorStats,
}

impl MetricsSnapshot {
    /// The most users in flight at any moment of the interval; for a snapshot stored before
    /// versions recorded it, the users at its end.
    pub fn users_peak(&self) -> u64 {
        self.interval_peak_users.max(self.active_users)
    }
}

/// The generator's verdict on itself for the whole run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GeneratorHealth {
    /// True when the generator could not keep up; results then describe the generator. False
    /// only says what was measured: with no CPU measurement (`peak_cpu_percent` null) it
    /// speaks for the schedule lag alone.
    pub saturated: bool,
    /// Plain-words explanations, empty when healthy.
    pub warnings: Vec<String>,
    /// Highest per-interval CPU use of the engine's worker threads, percent of one core. Spans
    /// too short to measure (see [`GeneratorStats::cpu_percent`]) do not count. `null` when no
    /// span was measured (the CPU time cannot be read, or the run was too short): the CPU
    /// check then judged nothing, and [`GeneratorHealth::saturated`] speaks for the schedule
    /// lag alone.
    #[serde(default)]
    pub peak_cpu_percent: Option<f64>,
    /// Cores available, counted as [`GeneratorStats::cores`] (a fractional CPU quota rounded
    /// down). The CPU warning names the fractional capacity it was judged against.
    pub cores: u32,
    /// Worst schedule lag seen, ms.
    pub max_schedule_lag_ms: f64,
    /// Peak resident memory of the whole process, bytes (see [`GeneratorStats::rss_bytes`]);
    /// `null` when it could never be read.
    #[serde(default)]
    pub peak_rss_bytes: Option<u64>,
}

/// The final result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// End state.
    pub status: RunStatus,
    /// Why the run failed or was aborted, if it did; for a run cancelled by a stop-now that cut
    /// iterations in flight, that it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `abort_on_fail` threshold (its expression) that stopped the run early, if one did;
    /// `status` is then `failed` and `reason` says what was observed. Its verdict in
    /// `thresholds` is failed: the one that stopped the run, unless the whole run's data fails
    /// it too. Absent when no threshold stopped the run, and in summaries stored by older
    /// versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by: Option<String>,
    /// The request that threshold is scoped to, if it is: the same expression may be set on
    /// several requests and on the whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by_request: Option<String>,
    /// Wall-clock start, ms since the Unix epoch.
    pub started_at_ms: u64,
    /// Time from start to the end of the run, ms: the load and the graceful stop that lets
    /// in-flight journeys finish. Rates in the summary divide by it, because its totals count
    /// the requests made while stopping.
    pub duration_ms: u64,
    /// How long the load was planned to last, ms: the load profile's duration, without the
    /// graceful stop. A run that ended early (cancelled, aborted) ran less. 0 when not known
    /// (summaries written by older versions).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub planned_ms: u64,
    /// All requests.
    pub total: RequestStats,
    /// Per request name.
    pub per_request: Vec<RequestStats>,
    /// Checks, per request name and check.
    pub checks: Vec<CheckStats>,
    /// Iterations finished.
    pub iterations: u64,
    /// Scheduled starts dropped for lack of a free user.
    pub dropped_iterations: u64,
    /// Iterations started but cut off when the graceful stop ran out or a stop-now cut it
    /// short (k6's "interrupted iterations"): they are not in `iterations`. A request one was waiting on when cut is
    /// an [`ErrorKind::Interrupted`] error in `total` (one cut during a think time has none).
    /// Every iteration the run started is either in `iterations` or here. Absent in summaries
    /// stored by older versions.
    #[serde(default)]
    pub interrupted_iterations: u64,
    /// Highest number of users in flight.
    pub peak_users: u64,
    /// Threshold verdicts, in scenario order.
    pub thresholds: Vec<ThresholdResult>,
    /// The generator's verdict on itself.
    pub generator: GeneratorHealth,
}

impl RunSummary {
    /// A summary of `scenario` with `status` that counted nothing: no time, requests,
    /// iterations, checks or thresholds. The engine's answer for a run that died without one;
    /// tests set the fields they need on top of it.
    pub fn empty(scenario: impl Into<String>, status: RunStatus) -> Self {
        Self {
            scenario: scenario.into(),
            status,
            reason: None,
            aborted_by: None,
            aborted_by_request: None,
            started_at_ms: 0,
            duration_ms: 0,
            planned_ms: 0,
            total: RequestStats::default(),
            per_request: Vec::new(),
            checks: Vec::new(),
            iterations: 0,
            dropped_iterations: 0,
            interrupted_iterations: 0,
            peak_users: 0,
            thresholds: Vec::new(),
            generator: GeneratorHealth::default(),
        }
    }

    /// When the run ended, ms since the Unix epoch: its start and its duration. The one end
    /// time of a run, for the run history and the live page alike.
    pub fn ended_at_ms(&self) -> u64 {
        self.started_at_ms.saturating_add(self.duration_ms)
    }

    /// True when every threshold passed (vacuously true without thresholds).
    pub fn thresholds_passed(&self) -> bool {
        self.thresholds.iter().all(|t| t.passed)
    }

    /// The verdict a listing shows: whether every threshold passed, or `None` for a run that
    /// had none (nothing was judged, so it did not "pass" however many requests failed).
    pub fn verdict(&self) -> Option<bool> {
        (!self.thresholds.is_empty()).then(|| self.thresholds_passed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_counts_survive_an_internally_tagged_wrapper() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        #[serde(tag = "type")]
        enum Wrapper {
            Stats(RequestStats),
        }
        let mut stats = RequestStats::default();
        stats.status_counts.insert(200, 5);
        stats.status_counts.insert(503, 1);
        let json = serde_json::to_string(&Wrapper::Stats(stats.clone())).expect("serializes");
        let back: Wrapper = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, Wrapper::Stats(stats));
    }

    #[test]
    fn status_keys_read_from_strings_or_integers() {
        let stats: RequestStats = serde_json::from_str(
            r#"{"name":"*","requests":2,"errors":0,"status_counts":{"200":1,"404":1},
                "bytes_sent":0,"bytes_received":0,"latency":{"count":0,"avg_ms":0,"min_ms":0,
                "p50_ms":0,"p90_ms":0,"p95_ms":0,"p99_ms":0,"p999_ms":0,"max_ms":0},
                "service_time":{"count":0,"avg_ms":0,"min_ms":0,"p50_ms":0,"p90_ms":0,
                "p95_ms":0,"p99_ms":0,"p999_ms":0,"max_ms":0},"rps":0}"#,
        )
        .expect("deserializes");
        assert_eq!(stats.status_counts, BTreeMap::from([(200, 1), (404, 1)]));
        let from_ints = status_map::deserialize(serde::de::value::MapDeserializer::<
            _,
            serde::de::value::Error,
        >::new([(503u64, 4u64)].into_iter()))
        .expect("integer keys");
        assert_eq!(from_ints, BTreeMap::from([(503, 4)]));
        let err = serde_json::from_str::<RequestStats>(r#"{"status_counts":{"ok":1}}"#)
            .expect_err("not a status code");
        assert!(
            err.to_string()
                .contains("\"ok\" is not an HTTP status code"),
            "{err}"
        );
    }

    #[test]
    fn a_run_without_thresholds_has_no_verdict() {
        let mut s = crate::samples::summary();
        assert!(!s.thresholds.is_empty());
        assert_eq!(s.verdict(), Some(s.thresholds_passed()));
        s.thresholds.clear();
        assert!(s.thresholds_passed(), "vacuously");
        assert_eq!(s.verdict(), None, "but nothing was judged");
    }

    /// A snapshot stored before the fractional capacity was recorded reads it as 0, and its
    /// capacity is then its whole cores, what the panel compared against when it was taken.
    #[test]
    fn the_cpu_capacity_of_older_snapshots_is_their_cores() {
        let snapshot = crate::samples::snapshot(3);
        let mut old = serde_json::to_value(&snapshot).expect("serializes");
        let generator = old
            .get_mut("generator")
            .and_then(|g| g.as_object_mut())
            .expect("an object");
        assert!(generator.remove("cpu_capacity").is_some());
        let back: MetricsSnapshot = serde_json::from_value(old).expect("an older snapshot");
        assert_eq!(back.generator.cpu_capacity, 0.0);
        assert_eq!(back.generator.capacity(), Some(2.0));

        let stats = |cores, cpu_capacity| GeneratorStats {
            cores,
            cpu_capacity,
            ..GeneratorStats::default()
        };
        for (cores, cpu_capacity, want) in [
            (1, 0.5, Some(0.5)),
            (1, 1.5, Some(1.5)),
            (4, 4.0, Some(4.0)),
            (2, 0.0, Some(2.0)),
            (2, f64::NAN, Some(2.0)),
            (2, -1.0, Some(2.0)),
            (0, 0.0, None),
        ] {
            assert_eq!(
                stats(cores, cpu_capacity).capacity(),
                want,
                "{cores} cores, {cpu_capacity}"
            );
        }
    }

    /// The generator's CPU and memory are unknown (`null`) where they cannot be measured, and
    /// snapshots and summaries stored by older versions, with numbers there, still read.
    #[test]
    fn generator_cpu_and_memory_are_null_when_unknown() {
        let unknown = GeneratorStats {
            cpu_percent: None,
            rss_bytes: None,
            ..crate::samples::snapshot(0).generator
        };
        let json = serde_json::to_value(&unknown).expect("serializes");
        assert_eq!(json["cpu_percent"], serde_json::Value::Null, "{json}");
        assert_eq!(json["rss_bytes"], serde_json::Value::Null, "{json}");
        let back: GeneratorStats = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, unknown);
        let health = GeneratorHealth::default();
        let json = serde_json::to_value(&health).expect("serializes");
        assert_eq!(json["peak_cpu_percent"], serde_json::Value::Null, "{json}");
        assert_eq!(json["peak_rss_bytes"], serde_json::Value::Null, "{json}");

        // As older versions stored them: numbers.
        let old: GeneratorStats = serde_json::from_str(
            r#"{"cpu_percent":12.5,"cores":2,"cpu_capacity":2.0,"rss_bytes":1048576,"max_schedule_lag_ms":0.5}"#,
        )
        .expect("an older snapshot's");
        assert_eq!(
            (old.cpu_percent, old.rss_bytes),
            (Some(12.5), Some(1 << 20))
        );
        let old: GeneratorHealth = serde_json::from_str(
            r#"{"saturated":false,"warnings":[],"peak_cpu_percent":14.5,"cores":2,"max_schedule_lag_ms":1.0,"peak_rss_bytes":4096}"#,
        )
        .expect("an older summary's");
        assert_eq!(
            (old.peak_cpu_percent, old.peak_rss_bytes),
            (Some(14.5), Some(4096))
        );
        // Left out: unknown.
        let bare: GeneratorStats =
            serde_json::from_str(r#"{"cores":2,"max_schedule_lag_ms":0.5}"#).expect("reads");
        assert_eq!((bare.cpu_percent, bare.rss_bytes), (None, None));
    }

    #[test]
    fn a_cpu_capacity_is_put_in_words() {
        for (capacity, want) in [
            (2.0, "2 cores"),
            (1.0, "1 core"),
            (0.5, "0.5 cores"),
            (1.5, "1.5 cores"),
            (0.25, "0.25 cores"),
            (1.0 / 3.0, "0.333 cores"),
            (10.0, "10 cores"),
        ] {
            assert_eq!(cores_text(capacity), want);
        }
    }

    #[test]
    fn interrupted_iterations_are_read_as_zero_when_absent() {
        let summary = crate::samples::summary();
        let snapshot = crate::samples::snapshot(3);
        assert_ne!(summary.interrupted_iterations, 0, "the sample has some");
        let mut old_summary = serde_json::to_value(&summary).expect("serializes");
        let mut old_snapshot = serde_json::to_value(&snapshot).expect("serializes");
        for old in [&mut old_summary, &mut old_snapshot] {
            let fields = old.as_object_mut().expect("an object");
            assert!(fields.remove("interrupted_iterations").is_some());
        }
        let back: RunSummary = serde_json::from_value(old_summary).expect("an older summary");
        assert_eq!(
            back,
            RunSummary {
                interrupted_iterations: 0,
                ..summary
            }
        );
        let back: MetricsSnapshot =
            serde_json::from_value(old_snapshot).expect("an older snapshot");
        assert_eq!(
            back,
            MetricsSnapshot {
                interrupted_iterations: 0,
                ..snapshot
            }
        );
    }

    #[test]
    fn labels_are_words_and_distinct() {
        assert_eq!(ErrorKind::Http4xx.label(), "HTTP 4xx");
        assert_eq!(ErrorKind::ConnectRefused.label(), "connection refused");
        let labels: std::collections::BTreeSet<_> =
            ErrorKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels.len(), ErrorKind::ALL.len(), "one label per kind");
        assert!(labels.iter().all(|l| !l.contains('_')), "{labels:?}");
    }

    #[test]
    fn serde_names_match_as_str() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).expect("serializes");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind));
        }
    }
}
