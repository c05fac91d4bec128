//! The machine-readable run report (`GET /api/runs/{id}/report.json`, `stampede run --out`):
//! one document with the run's identity, its headline results, per-request figures, verdicts
//! and the generator's health. Built by the backend from a stored run; read by CI scripts and
//! the platform dashboard.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{Alert, TestType};
use crate::metrics::{CheckStats, ErrorKind};
use crate::run::{RunId, RunStatus};
use crate::scenario::LoadProfile;
use crate::threshold::ThresholdResult;

/// A run report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    /// The run's id.
    pub test_id: RunId,
    /// Scenario name.
    pub scenario: String,
    /// Where the load went: the scenario's `target`, or the `CLOUD_API_URL` it ran against when
    /// it named none. Absent when every request named a full URL, and in reports written by
    /// older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The load as run (after overrides), in the scenario's own form. Absent in reports written
    /// by older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadProfile>,
    /// Test type.
    pub test_type: TestType,
    /// Run status when the report was made (`running` or `interrupted` reports are partial).
    pub status: RunStatus,
    /// Why the run failed, was aborted or was interrupted, if it was (an interrupted run's
    /// reason is the one its history keeps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `abort_on_fail` threshold that stopped the run early, if one did (its figures then
    /// cover the part that ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by: Option<String>,
    /// The request that threshold is scoped to, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by_request: Option<String>,
    /// True when the run has no final summary (still running, or interrupted) and the figures
    /// come from its last metrics snapshot; thresholds and checks are then not evaluated.
    #[serde(default)]
    pub partial: bool,
    /// Wall-clock start, RFC 3339 in UTC (`2026-03-14T09:26:53.589Z`).
    pub started_at: String,
    /// Load duration, seconds.
    pub duration: f64,
    /// Figures over all requests.
    pub results: Results,
    /// Figures per request name.
    pub per_request: Vec<RequestResults>,
    /// Journey iterations: finished, cut off at the end, and never started (dropped).
    /// Absent in reports written by older versions.
    #[serde(default)]
    pub iterations: IterationResults,
    /// Highest number of users in flight (for a partial report: at the end of an interval).
    #[serde(default)]
    pub peak_users: u64,
    /// Whether every threshold passed; absent when nothing was judged: a run without
    /// thresholds, or one without a final summary (as `RunInfo::thresholds_passed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds_passed: Option<bool>,
    /// Threshold verdicts, in scenario order.
    pub thresholds: Vec<ThresholdResult>,
    /// Check pass/fail counts, per request name and check.
    pub checks: Vec<CheckStats>,
    /// How the load generator itself did.
    pub resource_utilization: ResourceUtilization,
    /// Alerts fired during the run.
    pub alerts: Vec<Alert>,
    /// Scaling events (workers joining or leaving, load steps); empty for single-node runs.
    #[serde(default)]
    pub scaling_events: Vec<ScalingEvent>,
}

/// Figures over a set of requests. Latencies are the corrected latency (from the scheduled
/// start), in milliseconds, and `null` when none was measured (no request of this name was
/// made): an unknown latency, not 0 ms. A failed request has one (the time until it failed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Results {
    /// Requests completed (successfully or not).
    pub total_requests: u64,
    /// Requests that did not fail.
    pub successful_requests: u64,
    /// Requests that failed (any error kind).
    pub failed_requests: u64,
    /// failed / total, 0 without requests.
    pub error_rate: f64,
    /// Mean latency, ms.
    #[serde(default)]
    pub avg_response_time_ms: Option<f64>,
    /// Minimum latency, ms.
    #[serde(default)]
    pub min_response_time_ms: Option<f64>,
    /// Median latency, ms.
    #[serde(default)]
    pub p50_response_time_ms: Option<f64>,
    /// 90th percentile latency, ms.
    #[serde(default)]
    pub p90_response_time_ms: Option<f64>,
    /// 95th percentile latency, ms.
    #[serde(default)]
    pub p95_response_time_ms: Option<f64>,
    /// 99th percentile latency, ms.
    #[serde(default)]
    pub p99_response_time_ms: Option<f64>,
    /// 99.9th percentile latency, ms.
    #[serde(default)]
    pub p999_response_time_ms: Option<f64>,
    /// Maximum latency, ms.
    #[serde(default)]
    pub max_response_time_ms: Option<f64>,
    /// Requests per second over the load duration.
    pub throughput_rps: f64,
    /// Request bytes written.
    pub bytes_sent: u64,
    /// Response bytes read.
    pub bytes_received: u64,
    /// Requests sent once more on a new connection after the kept-alive one closed under
    /// them (see `RequestStats::resent`); counted once in `total_requests`.
    #[serde(default)]
    pub resent_requests: u64,
    /// Failures by kind.
    pub errors_by_kind: BTreeMap<ErrorKind, u64>,
    /// Responses by HTTP status code.
    #[serde(with = "crate::metrics::status_map")]
    pub status_codes: BTreeMap<u16, u64>,
}

/// What became of the journey iterations a run scheduled. In an open-model run, `dropped`
/// next to `completed` says how much of the planned load was never sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IterationResults {
    /// Iterations that ran to the end.
    pub completed: u64,
    /// Iterations started but cut off when the graceful stop ran out.
    pub interrupted: u64,
    /// Scheduled starts dropped because every user was busy (open model).
    pub dropped: u64,
}

/// [`Results`] for one request name: its name, then the same fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequestResults {
    /// The request name.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub results: Results,
}

impl RequestResults {
    /// The named figures.
    pub fn new(name: impl Into<String>, results: Results) -> Self {
        Self {
            name: name.into(),
            results,
        }
    }
}

/// The load generator's own resource use. A saturated generator measures itself, not the
/// target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceUtilization {
    /// Highest per-interval CPU use of the engine's worker threads, percent of one core (see
    /// [`crate::metrics::GeneratorStats::cpu_percent`]); `null` when it was never measured
    /// (no `/proc`, or a run too short), and `saturated` then speaks for the schedule alone.
    #[serde(default)]
    pub generator_peak_cpu_percent: Option<f64>,
    /// CPU cores available to the generator, counted as
    /// [`crate::metrics::GeneratorStats::cores`] (a fractional CPU quota rounded down).
    pub generator_cores: u32,
    /// Peak resident memory of the whole generator process, bytes (see
    /// [`crate::metrics::GeneratorStats::rss_bytes`]); `null` when it could not be read.
    #[serde(default)]
    pub generator_peak_memory_bytes: Option<u64>,
    /// Worst lateness of a scheduled start or timer, ms.
    pub max_schedule_lag_ms: f64,
    /// True when the generator could not keep up.
    pub saturated: bool,
    /// Plain-words explanations, empty when healthy.
    pub warnings: Vec<String>,
}

/// Something that changed the shape of the load generation during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingEvent {
    /// Time into the run, ms.
    pub at_ms: u64,
    /// What happened, e.g. `worker_joined`, `worker_left`, `step`.
    pub kind: String,
    /// For people.
    pub detail: String,
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month 1–12, day 1–31).
/// Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction; the conversions cannot fail.
    let month = u32::try_from(month).unwrap_or(1);
    let day = u32::try_from(day).unwrap_or(1);
    (year, month, day)
}

/// Milliseconds since the Unix epoch as RFC 3339 in UTC: `2000-02-29T00:00:00Z`, with
/// `.mmm` fractional seconds only when they are not zero.
pub fn rfc3339_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if millis == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{millis:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_773_480_413_589), "2026-03-14T09:26:53.589Z");
        assert_eq!(rfc3339_utc(86_399_999), "1970-01-01T23:59:59.999Z");
        assert_eq!(rfc3339_utc(1_704_067_199_000), "2023-12-31T23:59:59Z");
    }

    #[test]
    fn civil_from_days_edges() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        // 2100 is not a leap year.
        assert_eq!(civil_from_days(47_540), (2100, 2, 28));
        assert_eq!(civil_from_days(47_541), (2100, 3, 1));
    }

    #[test]
    fn report_round_trips_through_json() {
        let mut results = Results {
            total_requests: 10,
            successful_requests: 9,
            failed_requests: 1,
            error_rate: 0.1,
            ..Results::default()
        };
        results.errors_by_kind.insert(ErrorKind::Http5xx, 1);
        results.status_codes.insert(200, 9);
        results.status_codes.insert(503, 1);
        let report = JsonReport {
            test_id: RunId("r1".into()),
            scenario: "shop".into(),
            target: Some("http://shop.test".into()),
            load: Some(LoadProfile::ConstantUsers {
                users: 3,
                duration: crate::units::HumanDuration(std::time::Duration::from_secs(2)),
            }),
            test_type: TestType::Stress,
            status: RunStatus::Completed,
            reason: None,
            aborted_by: None,
            aborted_by_request: None,
            partial: false,
            started_at: rfc3339_utc(0),
            duration: 1.5,
            results: results.clone(),
            per_request: vec![RequestResults::new("GET /", results)],
            iterations: IterationResults {
                completed: 40,
                interrupted: 2,
                dropped: 7,
            },
            peak_users: 12,
            thresholds_passed: Some(true),
            thresholds: vec![],
            checks: vec![],
            resource_utilization: ResourceUtilization::default(),
            alerts: vec![],
            scaling_events: vec![],
        };
        let text = serde_json::to_string(&report).expect("serializes");
        // No latency measured: unknown, not 0 ms.
        assert!(
            text.contains("\"avg_response_time_ms\":null,\"min_response_time_ms\":null"),
            "{text}"
        );
        assert!(
            text.contains("\"status_codes\":{\"200\":9,\"503\":1}"),
            "{text}"
        );
        assert!(
            text.contains("\"errors_by_kind\":{\"http_5xx\":1}"),
            "{text}"
        );
        assert!(
            text.contains("\"iterations\":{\"completed\":40,\"interrupted\":2,\"dropped\":7},\"peak_users\":12"),
            "{text}"
        );
        let back: JsonReport = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, report);
    }
}
