//! Headline number tiles, and the live run's headline figures ([`headline`], pure).

use shared::metrics::{MetricsSnapshot, RequestStats, RunSummary};

use crate::format;
use crate::markup::Html;

/// One headline figure with its label.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TileData {
    /// What it is.
    pub label: &'static str,
    /// A `data-tile` name for tests (`throughput`, `p95`, …).
    pub name: &'static str,
    /// The formatted value (with its unit).
    pub value: String,
    /// `ok`, `warn`, `bad` or empty.
    pub tone: &'static str,
    /// A short explanation under the value (`last interval`, `since start`), or empty.
    pub hint: String,
}

/// The tiles' markup: one `div.tile` each, with its label, value and hint.
pub fn tiles_markup(tiles: &[TileData]) -> String {
    let mut h = Html::new();
    for t in tiles {
        h.open(
            "div",
            &[
                ("class", "tile"),
                ("data-tile", t.name),
                ("data-tone", t.tone),
            ],
        )
        .el("div", &[("class", "tile__label")], t.label)
        .el("div", &[("class", "tile__value")], &t.value);
        if !t.hint.is_empty() {
            h.el("div", &[("class", "tile__hint")], &t.hint);
        }
        h.close("div");
    }
    h.finish()
}

/// What the live page's tiles describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A run going on: its last interval.
    Running,
    /// A run that ended without a summary (the server stopped meanwhile): its last interval.
    Ended,
    /// A run with its summary: the whole run.
    Summarised,
}

/// The live page's tiles: the last interval's figures while the run goes on (or when it
/// ended without a summary), the whole run's once it has one.
pub fn live_tiles(h: &Headline, phase: Phase) -> Vec<TileData> {
    let finished = phase == Phase::Summarised;
    let hint = |live, after| if finished { after } else { live };
    let users = match phase {
        Phase::Running => "in flight",
        Phase::Ended => "at the end",
        Phase::Summarised => "peak",
    };
    let tile = |label, name, value: &String, tone, hint: &'static str| TileData {
        label,
        name,
        value: value.clone(),
        tone,
        hint: hint.into(),
    };
    let interval = hint("last interval", "whole run");
    // Counts since the start are the whole run's once it is over.
    let so_far = hint("since start", "whole run");
    vec![
        tile("Throughput", "throughput", &h.throughput, "", interval),
        tile("p50 latency", "p50", &h.p50, "", interval),
        tile("p95 latency", "p95", &h.p95, "", interval),
        tile("p99 latency", "p99", &h.p99, "", interval),
        tile(
            "Error rate",
            "error_rate",
            &h.error_rate,
            h.error_tone,
            so_far,
        ),
        tile("Active users", "active_users", &h.active_users, "", users),
        tile(
            "Dropped iterations",
            "dropped",
            &h.dropped,
            h.dropped_tone,
            so_far,
        ),
    ]
}

/// What became of the iterations that did not finish, under the finished count: `3
/// interrupted, 190 dropped`; empty when every iteration finished.
pub fn unfinished_hint(interrupted: u64, dropped: u64) -> String {
    let mut hint = String::new();
    for (n, what) in [(interrupted, " interrupted"), (dropped, " dropped")] {
        if n > 0 {
            if !hint.is_empty() {
                hint.push_str(", ");
            }
            hint.push_str(&format::count(n));
            hint.push_str(what);
        }
    }
    hint
}

/// A stored run's totals: from its summary, or its latest snapshot while there is none
/// (dashes before any). `iterations` and `peak_users` come formatted; `unfinished` is the
/// iterations tile's [`unfinished_hint`].
pub fn run_tiles(
    total: Option<&RequestStats>,
    iterations: &str,
    unfinished: String,
    peak_users: &str,
) -> Vec<TileData> {
    let figure = |f: fn(&RequestStats) -> String| total.map_or_else(|| format::NONE.into(), f);
    let tone = match total.map(RequestStats::error_rate) {
        Some(r) if r >= BAD_ERROR_RATE => "bad",
        Some(r) if r > 0.0 => "warn",
        _ => "",
    };
    let tile = |label, name, value| TileData {
        label,
        name,
        value,
        ..Default::default()
    };
    vec![
        tile(
            "Requests",
            "requests",
            figure(|t| format::count(t.requests)),
        ),
        tile("Throughput", "throughput", figure(|t| format::rate(t.rps))),
        tile(
            "p50 latency",
            "p50",
            figure(|t| format::ms(t.latency.p50_ms)),
        ),
        tile(
            "p95 latency",
            "p95",
            figure(|t| format::ms(t.latency.p95_ms)),
        ),
        tile(
            "p99 latency",
            "p99",
            figure(|t| format::ms(t.latency.p99_ms)),
        ),
        TileData {
            tone,
            ..tile(
                "Error rate",
                "error_rate",
                figure(|t| format::percent(t.error_rate())),
            )
        },
        TileData {
            hint: unfinished,
            ..tile("Iterations", "iterations", iterations.to_owned())
        },
        tile("Peak users", "peak_users", peak_users.to_owned()),
    ]
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
    use format::NONE;
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
        assert_eq!(h.error_rate, "0.00%");
        assert_eq!(h.error_tone, "ok");
        assert_eq!(h.active_users, "8 / 10");
        assert_eq!((h.dropped.as_str(), h.dropped_tone), ("0", ""));

        let h = headline(Some(&snapshot(100.0, 200, 2)));
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("1.00%", "warn"));
        let h = headline(Some(&snapshot(100.0, 200, 20)));
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("10.00%", "bad"));

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
            duration_ms: 40_000,
            total,
            iterations: 900,
            peak_users: 33,
            ..RunSummary::empty("s", shared::run::RunStatus::Completed)
        };
        let h = summary_headline(&sum);
        assert_eq!(h.throughput, "25.0/s");
        assert_eq!(h.p50, "8.00 ms");
        assert_eq!((h.error_rate.as_str(), h.error_tone), ("10.00%", "bad"));
        assert_eq!(h.active_users, "33");
        assert_eq!((h.dropped.as_str(), h.dropped_tone), ("0", ""));
    }

    #[test]
    fn tiles_markup_has_names_tones_and_hints() {
        let h = headline(Some(&snapshot(100.0, 200, 20)));
        let live = tiles_markup(&live_tiles(&h, Phase::Running));
        assert!(live.starts_with(
            "<div class=\"tile\" data-tile=\"throughput\"><div class=\"tile__label\">Throughput</div><div class=\"tile__value\">100/s</div><div class=\"tile__hint\">last interval</div></div>"
        ), "{live}");
        assert!(live.contains(
            "<div class=\"tile\" data-tile=\"error_rate\" data-tone=\"bad\"><div class=\"tile__label\">Error rate</div><div class=\"tile__value\">10.00%</div><div class=\"tile__hint\">since start</div></div>"
        ), "{live}");
        assert_eq!(live.matches("class=\"tile\"").count(), 7);
        assert!(live.contains(">in flight<"), "{live}");
        let after = tiles_markup(&live_tiles(&h, Phase::Summarised));
        assert!(
            after.contains(">whole run<") && after.contains(">peak<"),
            "{after}"
        );
        assert!(!after.contains("last interval"));
        // Over: every figure is the whole run's, the error rate and dropped starts too.
        assert_eq!(after.matches(">whole run<").count(), 6, "{after}");
        assert!(!after.contains("since start"), "{after}");
        // Ended without a summary: still the last interval, but nobody is in flight.
        let ended = tiles_markup(&live_tiles(&h, Phase::Ended));
        assert!(
            ended.contains(">last interval<") && ended.contains(">at the end<"),
            "{ended}"
        );
        assert!(!ended.contains("in flight"));
        let odd = tiles_markup(&[TileData {
            label: "L",
            name: "x",
            value: "<script>".into(),
            ..Default::default()
        }]);
        assert_eq!(
            odd,
            "<div class=\"tile\" data-tile=\"x\"><div class=\"tile__label\">L</div><div class=\"tile__value\">&lt;script&gt;</div></div>"
        );
        assert_eq!(tiles_markup(&[]), "");
    }

    /// A missing figure reads the same on Live, on a run's page, in History and in the charts'
    /// read-out: one dash.
    #[test]
    fn a_missing_figure_reads_the_same_everywhere() {
        let live = headline(None).p50;
        let stored = run_tiles(None, "", String::new(), "").remove(2).value;
        let history = crate::compare::Verdict::Unknown.text();
        let readout = crate::chart::format_value(f64::NAN, "ms");
        assert_eq!(
            [live.as_str(), stored.as_str(), history, readout.as_str()],
            ["–"; 4]
        );
        assert_eq!(format::ms(f64::NAN), "–");
    }

    /// A figure Live and a run's page both show has one label.
    #[test]
    fn live_and_stored_tiles_share_labels() {
        let live = live_tiles(&headline(None), Phase::Summarised);
        let stored = run_tiles(None, "", String::new(), "");
        for t in &stored {
            if let Some(l) = live.iter().find(|l| l.name == t.name) {
                assert_eq!(l.label, t.label, "{}", t.name);
            }
        }
        let shared = stored
            .iter()
            .filter(|t| live.iter().any(|l| l.name == t.name))
            .count();
        assert_eq!(shared, 5, "throughput, p50, p95, p99, error rate");
    }

    #[test]
    fn stored_run_tiles() {
        let none = run_tiles(None, format::NONE, String::new(), format::NONE);
        assert!(
            none.iter()
                .all(|t| t.value == format::NONE && t.tone.is_empty())
        );
        let t = crate::components::fixtures::stats("*", 1000, 10, 25.0);
        let tiles = run_tiles(Some(&t), "900", unfinished_hint(3, 1_900), "33");
        let got: Vec<(&str, &str, &str)> = tiles
            .iter()
            .map(|t| (t.name, t.value.as_str(), t.tone))
            .collect();
        assert_eq!(got[0], ("requests", "1,000", ""));
        assert_eq!(got[1], ("throughput", "25.0/s", ""));
        assert_eq!(got[5], ("error_rate", "1.00%", "warn"));
        assert_eq!(
            got[6..],
            [("iterations", "900", ""), ("peak_users", "33", "")]
        );
        let bad = crate::components::fixtures::stats("*", 100, 5, 25.0);
        assert_eq!(tiles[6].hint, "3 interrupted, 1,900 dropped");
        assert_eq!(run_tiles(Some(&bad), "", String::new(), "")[5].tone, "bad");
        assert_eq!(unfinished_hint(0, 0), "");
        assert_eq!(unfinished_hint(2, 0), "2 interrupted");
        assert_eq!(unfinished_hint(0, 190), "190 dropped");
    }
}
