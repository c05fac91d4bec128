//! Numbers for people, in one style across the HTML report: a value, a space and its unit
//! (`8.60 ms`, `1.25 s`, `t = 41 s`), percentages always with two decimals, rates per second.

use shared::threshold::{Threshold, ThresholdMetric, ThresholdResult, ThresholdSpec};
use shared::units::{human_duration, human_ms, human_percent};

use super::finite;

/// 12345 → `12,345`.
pub(super) use shared::units::human_count as fmt_int;

/// Milliseconds with three significant figures (`8.60 ms`, `86.0 ms`, `860 ms`); seconds from
/// 1 s up (`1.60 s`, `16.0 s`). No data reads as zero.
pub(super) fn fmt_ms(ms: f64) -> String {
    human_ms(finite(ms))
}

/// A ratio as a percentage, always with two decimals (`0.00%`, `1.25%`, `100.00%`, `<0.01%`).
pub(super) fn fmt_pct(r: f64) -> String {
    human_percent(finite(r))
}

/// A rate per second: `0.04/s`, `12.5/s`, `1,234/s`. The precision is chosen after rounding,
/// and a rate below 0.1/s keeps two decimals, as the panel writes it: a request made twice in
/// a 50 s run read `0.0/s`, and so did a passing `rps > 0.01` threshold's observed rate.
pub(super) fn fmt_rps(v: f64) -> String {
    let v = finite(v);
    if v >= 999.95 {
        format!("{}/s", fmt_int(v.round() as u64))
    } else if v > 0.0 && v < 0.095 {
        format!("{v:.2}/s")
    } else {
        format!("{v:.1}/s")
    }
}

/// A snapshot interval: `250 ms` under a second, else as durations are written (`1 s`, `2.5 s`,
/// `1 min 00 s`); a 250 ms interval read `0.3 s`.
pub(super) fn fmt_interval(secs: f64) -> String {
    if secs < 1.0 {
        fmt_ms(secs * 1000.0)
    } else {
        human_duration(secs)
    }
}

/// A moment of the run, as the panel writes durations: `t = 41 s`, `t = 2.5 s`,
/// `t = 1 min 05 s`.
pub(super) fn fmt_time(secs: f64) -> String {
    format!("t = {}", human_duration(secs))
}

/// A threshold's observed value in the report's style (`160 ms`, `0.45%`, `52.0/s`); the
/// engine's text when the expression cannot be read again or there was no data.
pub(super) fn fmt_observed(t: &ThresholdResult) -> String {
    let spec = ThresholdSpec {
        expr: t.expr.clone(),
        request: None,
        abort_on_fail: false,
    };
    match (
        t.observed.filter(|v| v.is_finite()),
        Threshold::parse(&spec),
    ) {
        (Some(v), Ok(parsed)) => match parsed.metric {
            ThresholdMetric::ErrorRate => fmt_pct(v),
            ThresholdMetric::Rps => fmt_rps(v),
            _ => fmt_ms(v),
        },
        _ => t.observed_text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{fmt_interval, fmt_rps};

    #[test]
    fn rates_and_intervals_for_people() {
        for (v, text) in [
            (0.0, "0.0/s"),
            (0.04, "0.04/s"),
            (0.1, "0.1/s"),
            (12.5, "12.5/s"),
            (999.96, "1,000/s"),
            (1234.4, "1,234/s"),
            (f64::NAN, "0.0/s"),
        ] {
            assert_eq!(fmt_rps(v), text, "{v}");
        }
        for (secs, text) in [
            (0.1, "100 ms"),
            (0.25, "250 ms"),
            (1.0, "1 s"),
            (2.5, "2.5 s"),
            (60.0, "1 min 00 s"),
        ] {
            assert_eq!(fmt_interval(secs), text, "{secs}");
        }
    }
}
