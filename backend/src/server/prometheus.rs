//! Prometheus text exposition (format 0.0.4) of the current run's latest snapshot, so a
//! platform's Grafana can scrape a running test at `/metrics`.

use std::fmt::Write as _;

use shared::api::RunInfo;
use shared::metrics::{ErrorKind, MetricsSnapshot};

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Renders the exposition; with no run yet, only `stampede_up`.
pub(crate) fn render(run: Option<(&RunInfo, Option<&MetricsSnapshot>)>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP stampede_up The Stampede control server is running.\n# TYPE stampede_up gauge\nstampede_up 1"
    );
    let Some((info, snap)) = run else { return out };
    let run = format!(
        "run_id=\"{}\",scenario=\"{}\"",
        label(&info.id.0),
        label(&info.scenario)
    );
    let _ = writeln!(
        out,
        "# HELP stampede_run_info The current run; its status is a label.\n# TYPE stampede_run_info gauge"
    );
    let _ = writeln!(
        out,
        "stampede_run_info{{{run},status=\"{}\"}} 1",
        info.status
    );
    let Some(s) = snap else { return out };
    let metric = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    metric(
        &mut out,
        "stampede_requests_total",
        "counter",
        "Requests completed, by request name.",
    );
    for r in &s.per_request {
        let _ = writeln!(
            out,
            "stampede_requests_total{{{run},request=\"{}\"}} {}",
            label(&r.name),
            r.requests
        );
    }
    metric(
        &mut out,
        "stampede_errors_total",
        "counter",
        "Failed requests, by kind.",
    );
    for kind in ErrorKind::ALL {
        let n = s.total.errors_by_kind.get(&kind).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "stampede_errors_total{{{run},kind=\"{}\"}} {n}",
            kind.as_str()
        );
    }
    metric(
        &mut out,
        "stampede_responses_total",
        "counter",
        "Responses, by HTTP status code.",
    );
    for (code, n) in &s.total.status_counts {
        let _ = writeln!(out, "stampede_responses_total{{{run},code=\"{code}\"}} {n}");
    }
    metric(
        &mut out,
        "stampede_latency_seconds",
        "gauge",
        "Latency percentiles over the last interval (from the scheduled start).",
    );
    let l = &s.interval.latency;
    for (q, v) in [
        ("0.5", l.p50_ms),
        ("0.9", l.p90_ms),
        ("0.95", l.p95_ms),
        ("0.99", l.p99_ms),
        ("1", l.max_ms),
    ] {
        let _ = writeln!(
            out,
            "stampede_latency_seconds{{{run},quantile=\"{q}\"}} {}",
            v / 1000.0
        );
    }
    let gauges: [(&str, &str, f64); 6] = [
        (
            "stampede_throughput_rps",
            "Requests per second over the last interval.",
            s.interval.rps,
        ),
        (
            "stampede_active_users",
            "Users (iterations in flight) now.",
            s.active_users as f64,
        ),
        (
            "stampede_target_rate",
            "Arrival rate the plan calls for now (open model).",
            s.target_rate,
        ),
        (
            "stampede_generator_cpu_percent",
            "The generator's CPU use over the last interval.",
            s.generator.cpu_percent,
        ),
        (
            "stampede_elapsed_seconds",
            "Time since the run started.",
            s.elapsed_ms as f64 / 1000.0,
        ),
        (
            "stampede_schedule_lag_seconds",
            "Worst schedule lag in the last interval.",
            s.generator.max_schedule_lag_ms / 1000.0,
        ),
    ];
    for (name, help, value) in gauges {
        metric(&mut out, name, "gauge", help);
        let _ = writeln!(out, "{name}{{{run}}} {value}");
    }
    let counters: [(&str, &str, u64); 4] = [
        (
            "stampede_iterations_total",
            "Iterations finished.",
            s.iterations,
        ),
        (
            "stampede_dropped_iterations_total",
            "Scheduled starts dropped for lack of a free user.",
            s.dropped_iterations,
        ),
        (
            "stampede_bytes_sent_total",
            "Request bytes sent.",
            s.total.bytes_sent,
        ),
        (
            "stampede_bytes_received_total",
            "Response bytes received.",
            s.total.bytes_received,
        ),
    ];
    for (name, help, value) in counters {
        metric(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name}{{{run}}} {value}");
    }
    out
}
