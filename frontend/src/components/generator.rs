//! The load generator's own health: a saturated generator measures itself, not the target,
//! so a warning sits above the results whenever that may be the case.

use leptos::prelude::*;
use shared::metrics::{MetricsSnapshot, RunSummary, cores_text};

use crate::markup::Html;

/// A start more than this late means the generator cannot keep to its schedule.
pub const LAG_LIMIT_MS: f64 = 100.0;
/// CPU use from this share of the CPU it can use (its cores, or a fractional cgroup quota) up
/// means the generator is (nearly) out of CPU.
pub const CPU_LIMIT: f64 = 0.9;

/// Plain-words warnings about the generator: the summary's verdict once the run is over,
/// otherwise the latest interval's schedule lag and CPU use.
pub fn saturation_warnings(
    latest: Option<&MetricsSnapshot>,
    summary: Option<&RunSummary>,
) -> Vec<String> {
    if let Some(s) = summary {
        let g = &s.generator;
        if !g.warnings.is_empty() {
            return g.warnings.clone();
        }
        if g.saturated {
            return vec!["The load generator was saturated during this run; the figures may describe the generator rather than the target.".into()];
        }
        return Vec::new();
    }
    let Some(snap) = latest else {
        return Vec::new();
    };
    let g = &snap.generator;
    let mut out = Vec::new();
    if g.max_schedule_lag_ms > LAG_LIMIT_MS {
        out.push(format!(
            "Requests are starting up to {} late: the generator cannot keep to the schedule, so latencies include its own delay.",
            crate::format::ms(g.max_schedule_lag_ms)
        ));
    }
    // An unknown CPU (not measurable here) gets no verdict either way.
    if let Some(capacity) = g.capacity()
        && let Some(cpu) = g.cpu_percent
        && cpu >= CPU_LIMIT * 100.0 * capacity
    {
        out.push(format!(
            "The generator is using {cpu:.0}% CPU ({} available): it is close to its limit, so results may describe the generator rather than the target.",
            cores_text(capacity)
        ));
    }
    out
}

/// A warning box's contents: a heading and one item per warning.
pub fn warnings_markup(heading: &str, warnings: &[String]) -> String {
    let mut h = Html::new();
    h.el("strong", &[], heading).open("ul", &[]);
    for w in warnings {
        h.el("li", &[], w);
    }
    h.close("ul").finish()
}

/// A warning box, shown only when there is something to say.
#[component]
pub fn SaturationWarning(
    /// The warnings (see [`saturation_warnings`]).
    #[prop(into)]
    warnings: Signal<Vec<String>>,
) -> impl IntoView {
    move || {
        warnings.with(|w| {
            (!w.is_empty()).then(|| {
                view! {
                    <div
                        class="callout callout--warn"
                        role="status"
                        data-warning="generator"
                        inner_html=warnings_markup("Load generator saturated", w)
                    ></div>
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use shared::metrics::GeneratorHealth;

    use super::*;
    use crate::components::fixtures::{self, snapshot};

    fn summary(health: GeneratorHealth) -> RunSummary {
        RunSummary {
            generator: health,
            ..fixtures::summary()
        }
    }

    #[test]
    fn live_checks() {
        let mut s = snapshot(0, 10.0, 10, 0);
        assert!(saturation_warnings(Some(&s), None).is_empty());
        assert!(saturation_warnings(None, None).is_empty());
        s.generator.max_schedule_lag_ms = 100.0;
        assert!(
            saturation_warnings(Some(&s), None).is_empty(),
            "at the limit is fine"
        );
        s.generator.max_schedule_lag_ms = 250.0;
        let w = saturation_warnings(Some(&s), None);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("250 ms late"), "{w:?}");
        // 2 cores: 180% is 90% of the machine.
        s.generator.cpu_percent = Some(179.0);
        assert_eq!(saturation_warnings(Some(&s), None).len(), 1);
        s.generator.cpu_percent = Some(180.0);
        let w = saturation_warnings(Some(&s), None);
        assert_eq!(w.len(), 2);
        assert!(w[1].contains("180% CPU (2 cores"), "{w:?}");
        // Unknown CPU (no /proc): no CPU verdict, the lag's still stands.
        s.generator.cpu_percent = None;
        assert_eq!(saturation_warnings(Some(&s), None).len(), 1);
        s.generator.cpu_percent = Some(180.0);
        // Unknown capacity: no CPU verdict.
        s.generator.cores = 0;
        s.generator.cpu_capacity = 0.0;
        assert_eq!(saturation_warnings(Some(&s), None).len(), 1);
    }

    /// Under a fractional cgroup quota the generator has less CPU than its whole cores: the
    /// hint compares against the fraction, and names it.
    #[test]
    fn the_cpu_hint_compares_against_the_fractional_capacity() {
        let cpu_warning = |cores, cpu_capacity, cpu_percent| {
            let mut s = snapshot(0, 10.0, 10, 0);
            s.generator.cores = cores;
            s.generator.cpu_capacity = cpu_capacity;
            s.generator.cpu_percent = Some(cpu_percent);
            saturation_warnings(Some(&s), None).pop()
        };
        // (cores, capacity, CPU %, the capacity the warning names; None: no warning)
        for (cores, capacity, cpu, want) in [
            // Half a CPU (a pod's 500m), rounded up to 1 core: 45% is 90% of it.
            (1, 0.5, 44.0, None),
            (1, 0.5, 45.0, Some("(0.5 cores available)")),
            (1, 1.5, 134.0, None),
            (1, 1.5, 135.0, Some("(1.5 cores available)")),
            (2, 2.0, 180.0, Some("(2 cores available)")),
            (1, 1.0, 90.0, Some("(1 core available)")),
            // A snapshot stored before the capacity was recorded: its whole cores.
            (2, 0.0, 179.0, None),
            (2, 0.0, 180.0, Some("(2 cores available)")),
        ] {
            let got = cpu_warning(cores, capacity, cpu);
            match want {
                None => assert_eq!(got, None, "{cores} cores, {capacity}, {cpu}%"),
                Some(text) => {
                    let got = got.unwrap_or_default();
                    assert!(
                        got.contains(text),
                        "{cores} cores, {capacity}, {cpu}%: {got}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_summary_has_the_last_word() {
        let mut busy = snapshot(0, 10.0, 10, 0);
        busy.generator.max_schedule_lag_ms = 999.0;
        let healthy = summary(GeneratorHealth::default());
        assert!(saturation_warnings(Some(&busy), Some(&healthy)).is_empty());
        let said = summary(GeneratorHealth {
            saturated: true,
            warnings: vec!["CPU at 98%".into()],
            ..Default::default()
        });
        assert_eq!(saturation_warnings(None, Some(&said)), ["CPU at 98%"]);
        let silent = summary(GeneratorHealth {
            saturated: true,
            ..Default::default()
        });
        assert_eq!(saturation_warnings(None, Some(&silent)).len(), 1);
    }

    #[test]
    fn warning_box_contents() {
        assert_eq!(
            warnings_markup(
                "Load generator saturated",
                &["CPU at 98% & <rising>".into(), "late".into()]
            ),
            "<strong>Load generator saturated</strong><ul><li>CPU at 98% &amp; &lt;rising&gt;</li><li>late</li></ul>"
        );
    }
}
