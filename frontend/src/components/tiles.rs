//! Headline number tiles, and the live run's headline figures ([`headline`], pure).

use leptos::prelude::*;
use shared::metrics::{MetricsSnapshot, RunSummary};

use crate::format;

/// One figure with its label.
#[component]
pub fn Tile(
    /// What it is.
    #[prop(into)]
    label: String,
    /// The formatted value (with its unit).
    #[prop(into)]
    value: Signal<String>,
    /// `ok`, `warn`, `bad` or empty.
    #[prop(into, optional)]
    tone: Signal<String>,
    /// A `data-tile` name for tests (`throughput`, `p95`, …).
    #[prop(into, optional)]
    name: Option<String>,
    /// A short explanation under the value (`last interval`, `since start`).
    #[prop(into, optional)]
    hint: MaybeProp<String>,
) -> impl IntoView {
    view! {
        <div class="tile" data-tile=name data-tone=move || tone.get()>
            <div class="tile__label">{label}</div>
            <div class="tile__value">{move || value.get()}</div>
            {move || hint.get().map(|h| view! { <div class="tile__hint">{h}</div> })}
        </div>
    }
}

/// The live page's headline figures, formatted, from the latest snapshot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headline {
    /// Requests per second in the last interval.
    pub throughput: String,
    /// Latency percentiles in the last interval.
    pub p50: String,
    /// 95th percentile.
    pub p95: String,
    /// 99th percentile.
    pub p99: String,
    /// Failed / all requests since the start.
    pub error_rate: String,
    /// `ok`, `warn` (any error) or `bad` (5% or more).
    pub error_tone: &'static str,
    /// Users in flight (with the target, closed model: `8 / 10`).
    pub active_users: String,
    /// Dropped iterations since the start.
    pub dropped: String,
    /// `warn` when any start was dropped.
    pub dropped_tone: &'static str,
}

/// Error rates from this ratio up are shown as bad.
pub const BAD_ERROR_RATE: f64 = 0.05;

/// The headline figures of a run at its latest snapshot (dashes before the first one).
pub fn headline(latest: Option<&MetricsSnapshot>) -> Headline {
    const NONE: &str = "–";
    let Some(s) = latest else {
        return Headline {
            throughput: NONE.into(),
            p50: NONE.into(),
            p95: NONE.into(),
            p99: NONE.into(),
            error_rate: NONE.into(),
            error_tone: "",
            active_users: NONE.into(),
            dropped: NONE.into(),
            dropped_tone: "",
        };
    };
    let lat = &s.interval.latency;
    // An interval without completed requests has no latency to show.
    let latency = |v: f64| {
        if s.interval.requests == 0 {
            NONE.to_owned()
        } else {
            format::ms(v)
        }
    };
    let rate = s.total.error_rate();
    Headline {
        throughput: format::rate(s.interval.rps),
        p50: latency(lat.p50_ms),
        p95: latency(lat.p95_ms),
        p99: latency(lat.p99_ms),
        error_rate: format::percent(rate),
        error_tone: error_tone(s.total.requests, s.total.errors, rate),
        active_users: if s.target_users > 0 {
            format!(
                "{} / {}",
                format::count(s.active_users),
                format::count(s.target_users)
            )
        } else {
            format::count(s.active_users)
        },
        dropped: format::count(s.dropped_iterations),
        dropped_tone: if s.dropped_iterations > 0 { "warn" } else { "" },
    }
}

/// The headline figures of a finished run: whole-run rate and latencies, peak users.
pub fn summary_headline(s: &RunSummary) -> Headline {
    let lat = &s.total.latency;
    let rate = s.total.error_rate();
    Headline {
        throughput: format::rate(s.total.rps),
        p50: format::ms(lat.p50_ms),
        p95: format::ms(lat.p95_ms),
        p99: format::ms(lat.p99_ms),
        error_rate: format::percent(rate),
        error_tone: error_tone(s.total.requests, s.total.errors, rate),
        active_users: format::count(s.peak_users),
        dropped: format::count(s.dropped_iterations),
        dropped_tone: if s.dropped_iterations > 0 { "warn" } else { "" },
    }
}

fn error_tone(requests: u64, errors: u64, rate: f64) -> &'static str {
    if requests == 0 {
        ""
    } else if rate >= BAD_ERROR_RATE {
        "bad"
    } else if errors > 0 {
        "warn"
    } else {
        "ok"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::fixtures::snapshot as fixture;

    fn snapshot(rps: f64, requests: u64, errors: u64) -> MetricsSnapshot {
        fixture(0, rps, requests, errors)
    }

    #[test]
    fn dashes_before_data() {
        let h = headline(None);
        assert_eq!(h.throughput, "–");
        assert_eq!(h.p99, "–");
        assert_eq!(h.error_tone, "");
    }

    #[test]
    fn figures_and_tones() {
        let h = headline(Some(&snapshot(123.4, 123, 0)));
        assert_eq!(h.throughput, "123/s");
        assert_eq!(
            (h.p50.as_str(), h.p95.as_str(), h.p99.as_str()),
            ("12.3 ms", "48.0 ms", "1.25 s")
        );
        assert_eq!(h.error_rate, "0%");
        assert_eq!(h.error_tone, "ok");
        assert_eq!(h.active_users, "8 / 10");
        assert_eq!((h.dropped.as_str(), h.dropped_tone), ("0", ""));

        let h = headline(Some(&snapshot(100.0, 200, 2)));
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("1.00%", "warn"));
        let h = headline(Some(&snapshot(100.0, 200, 20)));
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("10%", "bad"));

        // Open model, dropped starts, an interval without completions.
        let mut s = snapshot(0.0, 0, 0);
        s.target_users = 0;
        s.active_users = 1234;
        s.dropped_iterations = 5;
        let h = headline(Some(&s));
        assert_eq!(h.active_users, "1,234");
        assert_eq!((h.dropped.as_str(), h.dropped_tone), ("5", "warn"));
        assert_eq!(h.p50, "–");
        assert_eq!(h.error_tone, "");
    }

    #[test]
    fn after_the_run_the_whole_run_counts() {
        let mut total = crate::components::fixtures::stats("*", 1000, 100, 25.0);
        total.latency.p50_ms = 8.0;
        let sum = RunSummary {
            scenario: "s".into(),
            status: shared::run::RunStatus::Completed,
            reason: None,
            started_at_ms: 0,
            duration_ms: 40_000,
            total,
            per_request: Vec::new(),
            checks: Vec::new(),
            iterations: 900,
            dropped_iterations: 0,
            peak_users: 33,
            thresholds: Vec::new(),
            generator: Default::default(),
        };
        let h = summary_headline(&sum);
        assert_eq!(h.throughput, "25.0/s");
        assert_eq!(h.p50, "8.00 ms");
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("10%", "bad"));
        assert_eq!(h.active_users, "33");
        assert_eq!((h.dropped.as_str(), h.dropped_tone), ("0", ""));
    }
}
