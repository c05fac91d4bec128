//! The JSON report.

use shared::api::RunDetail;
use shared::metrics::{MetricsSnapshot, RequestStats};
use shared::report::{
    IterationResults, JsonReport, RequestResults, ResourceUtilization, Results, rfc3339_utc,
};

use super::finite;

pub(super) fn report(detail: &RunDetail, series: &[MetricsSnapshot]) -> JsonReport {
    let info = &detail.info;
    let last = last_snapshot(detail, series);
    match &detail.summary {
        Some(s) => JsonReport {
            test_id: info.id.clone(),
            scenario: info.scenario.clone(),
            target: detail.scenario_doc.target.clone(),
            load: Some(detail.scenario_doc.load.clone()),
            test_type: info.test_type,
            status: info.status,
            reason: s.reason.clone(),
            aborted_by: s.aborted_by.clone(),
            aborted_by_request: s.aborted_by_request.clone(),
            partial: false,
            started_at: rfc3339_utc(s.started_at_ms),
            duration: s.duration_ms as f64 / 1000.0,
            results: results(&s.total),
            per_request: s
                .per_request
                .iter()
                .map(|r| RequestResults::new(r.name.clone(), results(r)))
                .collect(),
            iterations: IterationResults {
                completed: s.iterations,
                interrupted: s.interrupted_iterations,
                dropped: s.dropped_iterations,
            },
            peak_users: s.peak_users,
            // Nothing judged, no verdict: a run without thresholds did not "pass" them, as its
            // listing (`RunInfo::thresholds_passed`) says too.
            thresholds_passed: s.verdict(),
            thresholds: s.thresholds.clone(),
            checks: s.checks.clone(),
            resource_utilization: ResourceUtilization {
                generator_peak_cpu_percent: s.generator.peak_cpu_percent.filter(|v| v.is_finite()),
                generator_cores: s.generator.cores,
                generator_peak_memory_bytes: s.generator.peak_rss_bytes,
                max_schedule_lag_ms: finite(s.generator.max_schedule_lag_ms),
                saturated: s.generator.saturated,
                warnings: s.generator.warnings.clone(),
            },
            alerts: detail.alerts.clone(),
            scaling_events: Vec::new(),
        },
        None => JsonReport {
            test_id: info.id.clone(),
            scenario: info.scenario.clone(),
            target: detail.scenario_doc.target.clone(),
            load: Some(detail.scenario_doc.load.clone()),
            test_type: info.test_type,
            status: info.status,
            reason: info.interrupted_reason.clone(),
            aborted_by: None,
            aborted_by_request: None,
            partial: true,
            started_at: rfc3339_utc(info.created_at_ms),
            duration: partial_duration_ms(detail, series) as f64 / 1000.0,
            results: last.map(|l| results(&l.total)).unwrap_or_default(),
            per_request: last
                .map(|l| {
                    l.per_request
                        .iter()
                        .map(|r| RequestResults::new(r.name.clone(), results(r)))
                        .collect()
                })
                .unwrap_or_default(),
            iterations: last
                .map(|l| IterationResults {
                    completed: l.iterations,
                    interrupted: l.interrupted_iterations,
                    dropped: l.dropped_iterations,
                })
                .unwrap_or_default(),
            peak_users: series
                .iter()
                .chain(detail.latest.iter())
                .map(MetricsSnapshot::users_peak)
                .max()
                .unwrap_or(0),
            thresholds_passed: None,
            thresholds: Vec::new(),
            checks: Vec::new(),
            resource_utilization: utilization_from_series(detail, series),
            alerts: detail.alerts.clone(),
            scaling_events: Vec::new(),
        },
    }
}

/// The newest snapshot known: the series' last, else the detail's `latest`.
pub(super) fn last_snapshot<'a>(
    detail: &'a RunDetail,
    series: &'a [MetricsSnapshot],
) -> Option<&'a MetricsSnapshot> {
    series.last().or(detail.latest.as_ref())
}

/// The load duration of a run without a summary: the listing's, else the last snapshot's.
pub(super) fn partial_duration_ms(detail: &RunDetail, series: &[MetricsSnapshot]) -> u64 {
    let from_series = last_snapshot(detail, series).map_or(0, |l| l.elapsed_ms);
    detail.info.duration_ms.max(from_series)
}

/// Generator figures gathered from the snapshots, for runs without a summary. The peak CPU and
/// memory are those of the snapshots that know them; unknown (`None`) when none does.
pub(super) fn utilization_from_series(
    detail: &RunDetail,
    series: &[MetricsSnapshot],
) -> ResourceUtilization {
    let mut u = ResourceUtilization::default();
    let snapshots = series
        .iter()
        .chain(detail.latest.iter().filter(|_| series.is_empty()));
    for s in snapshots {
        let cpu = s.generator.cpu_percent.filter(|v| v.is_finite());
        u.generator_peak_cpu_percent = match (u.generator_peak_cpu_percent, cpu) {
            (Some(peak), Some(cpu)) => Some(peak.max(cpu)),
            (peak, cpu) => peak.or(cpu),
        };
        u.generator_cores = u.generator_cores.max(s.generator.cores);
        // `None` (not known) is below any reading.
        u.generator_peak_memory_bytes = u.generator_peak_memory_bytes.max(s.generator.rss_bytes);
        u.max_schedule_lag_ms = u
            .max_schedule_lag_ms
            .max(finite(s.generator.max_schedule_lag_ms));
    }
    u
}

/// The report figures of one [`RequestStats`]. Without a latency sample (no request of this
/// name was made) the latencies are unknown, not 0 ms.
pub(super) fn results(r: &RequestStats) -> Results {
    let measured = r.latency.count > 0;
    let ms = |v: f64| measured.then(|| finite(v));
    Results {
        total_requests: r.requests,
        successful_requests: r.requests.saturating_sub(r.errors),
        failed_requests: r.errors,
        error_rate: finite(r.error_rate()),
        avg_response_time_ms: ms(r.latency.avg_ms),
        min_response_time_ms: ms(r.latency.min_ms),
        p50_response_time_ms: ms(r.latency.p50_ms),
        p90_response_time_ms: ms(r.latency.p90_ms),
        p95_response_time_ms: ms(r.latency.p95_ms),
        p99_response_time_ms: ms(r.latency.p99_ms),
        p999_response_time_ms: ms(r.latency.p999_ms),
        max_response_time_ms: ms(r.latency.max_ms),
        throughput_rps: finite(r.rps),
        bytes_sent: r.bytes_sent,
        bytes_received: r.bytes_received,
        resent_requests: r.resent,
        errors_by_kind: r.errors_by_kind.clone(),
        status_codes: r.status_counts.clone(),
    }
}
