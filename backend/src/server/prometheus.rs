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

/// A sample value as the exposition format spells it: `NaN`, `+Inf`, `-Inf` or the number.
fn sample(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        v.to_string()
    }
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
    // A summary, as a client library's: quantiles over a recent window (here the last
    // interval), with the count and sum of every observation since the start. `quantile` is
    // the summary's own label; on a gauge it is reserved, and promtool refuses it.
    metric(
        &mut out,
        "stampede_latency_seconds",
        "summary",
        "Latency from the scheduled start: quantiles over the last interval (NaN when it had \
         no requests), count and sum over the whole run.",
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
            sample(if l.count == 0 { f64::NAN } else { v / 1000.0 })
        );
    }
    let t = &s.total.latency;
    let _ = writeln!(
        out,
        "stampede_latency_seconds_sum{{{run}}} {}\nstampede_latency_seconds_count{{{run}}} {}",
        sample(if t.count == 0 {
            0.0
        } else {
            t.avg_ms * t.count as f64 / 1000.0
        }),
        t.count
    );
    // A gauge whose value is not known (`None`: the generator's CPU where it cannot be read)
    // is left out, family and all: an absent series, not a made-up sample.
    let gauges: [(&str, &str, Option<f64>); 6] = [
        (
            "stampede_throughput_rps",
            "Requests per second over the last interval.",
            Some(s.interval.rps),
        ),
        (
            "stampede_active_users",
            "Users (iterations in flight) now.",
            Some(s.active_users as f64),
        ),
        (
            "stampede_target_rate",
            "Arrival rate the plan calls for now (open model).",
            Some(s.target_rate),
        ),
        (
            "stampede_generator_cpu_percent",
            "The generator's CPU use over the last interval.",
            s.generator.cpu_percent,
        ),
        (
            "stampede_elapsed_seconds",
            "Time since the run started.",
            Some(s.elapsed_ms as f64 / 1000.0),
        ),
        (
            "stampede_schedule_lag_seconds",
            "Worst schedule lag in the last interval.",
            Some(s.generator.max_schedule_lag_ms / 1000.0),
        ),
    ];
    for (name, help, value) in gauges {
        let Some(value) = value else { continue };
        metric(&mut out, name, "gauge", help);
        let _ = writeln!(out, "{name}{{{run}}} {}", sample(value));
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use shared::metrics::LatencyStats;

    use super::render;

    /// The exposition-format rules a scraper and `promtool check metrics` hold a family to:
    /// every sample belongs to a family declared by a `# TYPE` line before it, a `quantile`
    /// label only appears in a summary, and a summary has its `_sum` and `_count`. Returns the
    /// families and their types.
    fn check_exposition(text: &str) -> Result<BTreeMap<String, String>, String> {
        let mut types: BTreeMap<String, String> = BTreeMap::new();
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or(format!("bad TYPE: {line}"))?;
                if !["counter", "gauge", "summary", "histogram", "untyped"].contains(&kind) {
                    return Err(format!("unknown type: {line}"));
                }
                if types.insert(name.to_owned(), kind.to_owned()).is_some() {
                    return Err(format!("{name} declared twice"));
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (name, labels, value) = match line.split_once('{') {
                Some((name, rest)) => {
                    let (labels, value) = rest
                        .rsplit_once("} ")
                        .ok_or(format!("bad sample: {line}"))?;
                    (name, labels, value)
                }
                None => {
                    let (name, value) =
                        line.split_once(' ').ok_or(format!("bad sample: {line}"))?;
                    (name, "", value)
                }
            };
            if !matches!(value, "NaN" | "+Inf" | "-Inf") && value.parse::<f64>().is_err() {
                return Err(format!("bad value: {line}"));
            }
            let family = [name, name.strip_suffix("_sum").unwrap_or(name)]
                .into_iter()
                .chain(name.strip_suffix("_count"))
                .find(|f| types.contains_key(*f))
                .ok_or(format!("no TYPE before {line}"))?;
            let kind = &types[family];
            if labels.contains("quantile=") && kind != "summary" {
                return Err(format!("`quantile` on a {kind}: {line}"));
            }
            if kind == "counter" && !name.ends_with("_total") {
                return Err(format!("a counter not named _total: {line}"));
            }
            seen.entry(family.to_owned())
                .or_default()
                .push(name.to_owned());
        }
        for (family, kind) in &types {
            if kind == "summary" {
                let names = seen.get(family).cloned().unwrap_or_default();
                for part in ["_sum", "_count"] {
                    let want = format!("{family}{part}");
                    if !names.contains(&want) {
                        return Err(format!("summary {family} has no {want}"));
                    }
                }
            }
        }
        Ok(types)
    }

    #[test]
    fn the_checker_rejects_a_quantile_on_a_gauge() {
        let bad = "# TYPE x gauge\nx{quantile=\"0.5\"} 1\n";
        assert!(check_exposition(bad).is_err());
        let bare = "# TYPE x summary\nx{quantile=\"0.5\"} 1\n";
        assert!(check_exposition(bare).is_err(), "no _sum and _count");
        let good =
            "# TYPE x summary\nx{quantile=\"0.5\"} NaN\nx_sum{a=\"b\"} 0\nx_count{a=\"b\"} 0\n";
        assert!(check_exposition(good).is_ok());
    }

    #[test]
    fn latency_is_a_summary_with_the_intervals_quantiles_and_the_runs_sum_and_count() {
        let info = shared::samples::run_info();
        let mut snap = shared::samples::snapshot(4);
        snap.total.latency = LatencyStats {
            count: 400,
            avg_ms: 12.5,
            ..snap.total.latency
        };
        let text = render(Some((&info, Some(&snap))));
        let types = check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(types["stampede_latency_seconds"], "summary", "{text}");
        let run = "run_id=\"r-42\",scenario=\"shop\"";
        let l = &snap.interval.latency;
        for (q, ms) in [
            ("0.5", l.p50_ms),
            ("0.9", l.p90_ms),
            ("0.95", l.p95_ms),
            ("0.99", l.p99_ms),
            ("1", l.max_ms),
        ] {
            let line = format!(
                "stampede_latency_seconds{{{run},quantile=\"{q}\"}} {}",
                ms / 1000.0
            );
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        // Over the whole run: 400 requests at 12.5 ms on average.
        for line in [
            format!("stampede_latency_seconds_sum{{{run}}} 5"),
            format!("stampede_latency_seconds_count{{{run}}} 400"),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }

        // An interval without requests has no quantiles to speak of: NaN, not 0 s.
        snap.interval.latency = LatencyStats::default();
        let text = render(Some((&info, Some(&snap))));
        check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let line = format!("stampede_latency_seconds{{{run},quantile=\"0.99\"}} NaN");
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        assert!(
            text.lines()
                .any(|l| l == format!("stampede_latency_seconds_count{{{run}}} 400")),
            "{text}"
        );
    }

    /// The generator's CPU where it cannot be read (no `/proc`) is left out, not exposed as
    /// a 0 that reads as an idle generator; the other gauges stay.
    #[test]
    fn an_unknown_generator_cpu_is_left_out() {
        let info = shared::samples::run_info();
        let mut snap = shared::samples::snapshot(4);
        let run = "run_id=\"r-42\",scenario=\"shop\"";
        let text = render(Some((&info, Some(&snap))));
        let line = format!("stampede_generator_cpu_percent{{{run}}} 37.5");
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");

        snap.generator.cpu_percent = None;
        let text = render(Some((&info, Some(&snap))));
        let types = check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(
            !text.contains("stampede_generator_cpu_percent"),
            "an unknown CPU exposed:\n{text}"
        );
        assert!(!types.contains_key("stampede_generator_cpu_percent"));
        assert_eq!(types["stampede_schedule_lag_seconds"], "gauge", "{text}");
    }

    #[test]
    fn before_any_run_only_up_is_exposed() {
        let text = render(None);
        assert_eq!(
            check_exposition(&text).map(|t| t.into_keys().collect::<Vec<_>>()),
            Ok(vec!["stampede_up".to_owned()])
        );
    }
}
