//! The metrics series as CSV (RFC 4180: CRLF line ends, quoted fields where needed).

use std::fmt::Write as _;

use shared::metrics::MetricsSnapshot;

/// Column names, in order. Every column is of its interval except those ending in `_total`
/// (running totals since the start) and the levels at the interval's end (users, target rate,
/// generator CPU). `rps` is empty for a final interval too short for a rate to mean anything
/// (the few milliseconds after the last whole interval, where requests cut off at the end are
/// recorded: 12 of them in 6 ms read 2,000/s in a run of 4/s); its `requests` still count.
/// The latency columns are empty for an interval without any response (no latency, not 0 ms),
/// and `generator_cpu_percent` where the generator's CPU use is not known (no `/proc`, or
/// nothing measured yet: not 0%).
/// `resent` (requests sent once more on a new connection) and `peak_users` (the most users at
/// any moment of the interval) came later and stand last, so the other columns keep their
/// places.
pub(super) const COLUMNS: [&str; 23] = [
    "seq",
    "elapsed_s",
    "interval_s",
    "requests",
    "rps",
    "errors",
    "error_rate",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "active_users",
    "target_users",
    "target_rate",
    "iterations_total",
    "dropped_iterations_total",
    "interrupted_iterations_total",
    "bytes_sent",
    "bytes_received",
    "generator_cpu_percent",
    "resent",
    "peak_users",
];

pub(super) fn render(series: &[MetricsSnapshot]) -> String {
    let mut o = String::with_capacity(200 * (series.len() + 1));
    write_row(&mut o, COLUMNS.iter().map(|c| (*c).to_owned()));
    for (n, s) in series.iter().enumerate() {
        let i = &s.interval;
        let last_and_short = n + 1 == series.len()
            && n > 0
            && shared::chart::too_short_for_a_rate(series[n - 1].interval_ms, s.interval_ms);
        let rps = if last_and_short { f64::NAN } else { i.rps };
        // An interval without responses has no latency: empty, not 0 ms (its histogram's).
        let ms = |v: f64| if i.latency.count == 0 { f64::NAN } else { v };
        let l = &i.latency;
        write_row(
            &mut o,
            [
                s.seq.to_string(),
                secs(s.elapsed_ms),
                secs(s.interval_ms),
                i.requests.to_string(),
                num(rps),
                i.errors.to_string(),
                num(i.error_rate()),
                num(ms(l.p50_ms)),
                num(ms(l.p90_ms)),
                num(ms(l.p95_ms)),
                num(ms(l.p99_ms)),
                num(ms(l.max_ms)),
                s.active_users.to_string(),
                s.target_users.to_string(),
                num(s.target_rate),
                s.iterations.to_string(),
                s.dropped_iterations.to_string(),
                s.interrupted_iterations.to_string(),
                i.bytes_sent.to_string(),
                i.bytes_received.to_string(),
                num(s.generator.cpu_percent.unwrap_or(f64::NAN)),
                i.resent.to_string(),
                s.users_peak().to_string(),
            ],
        );
    }
    o
}

fn write_row(o: &mut String, fields: impl IntoIterator<Item = String>) {
    for (n, f) in fields.into_iter().enumerate() {
        if n > 0 {
            o.push(',');
        }
        o.push_str(&field(&f));
    }
    o.push_str("\r\n");
}

/// One field, quoted when it contains a comma, a quote, a line break or edge spaces; quotes
/// inside are doubled.
pub(super) fn field(s: &str) -> String {
    let needs = s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Milliseconds as exact decimal seconds: 1500 → `1.5`, 2000 → `2`.
fn secs(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        let mut s = String::new();
        let _ = write!(s, "{whole}.{frac:03}");
        s.trim_end_matches('0').to_owned()
    }
}

/// A float with at most 6 decimals and no trailing zeros; empty when not finite.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}
