//! Numbers for people, in one style across the HTML report: a value, a space and its unit
//! (`8.60 ms`, `1.25 s`, `t = 41 s`), percentages always with two decimals, rates per second.

use shared::threshold::{Threshold, ThresholdMetric, ThresholdResult, ThresholdSpec};
use shared::units::human_duration;

use super::finite;

/// 12345 → `12,345`.
pub(super) use shared::units::human_count as fmt_int;

/// Milliseconds with three significant figures (`8.60 ms`, `86.0 ms`, `860 ms`); seconds from
/// 1 s up (`1.60 s`, `16.0 s`).
pub(super) fn fmt_ms(ms: f64) -> String {
    let ms = finite(ms);
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 1_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// A ratio as a percentage, always with two decimals (`0.00%`, `1.25%`, `100.00%`). A share
/// that is not nothing or not everything never reads as such: `<0.01%`, `>99.99%`.
pub(super) fn fmt_pct(r: f64) -> String {
    let p = finite(r) * 100.0;
    if p > 0.0 && p < 0.01 {
        "<0.01%".to_owned()
    } else if p > 99.99 && p < 100.0 {
        ">99.99%".to_owned()
    } else {
        format!("{p:.2}%")
    }
}

/// A rate per second: `12.5/s`, `1,234/s`.
pub(super) fn fmt_rps(v: f64) -> String {
    let v = finite(v);
    if v >= 1000.0 {
        format!("{}/s", fmt_int(v.round() as u64))
    } else {
        format!("{v:.1}/s")
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
