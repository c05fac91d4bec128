//! The load preview: users or starts per second over time, drawn as a small SVG with labelled
//! axes. Its time axis is the charts' ([`crate::chart::time_axis`]), so a plan and the run it
//! becomes read alike; its value axis has its own few lines of math (tested below).

use std::fmt::Write;

use shared::markup::escape;

use crate::chart::{TimeUnit, time_axis};
use crate::scenario_form::LoadPreview;

const W: f64 = 520.0;
const H: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;

/// Evenly spaced ticks from 0 covering `max` with a 1–2–5 step, about `target` of them.
pub(crate) fn value_ticks(max: f64, target: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|k| k as f64 * step).collect()
}

/// A value tick's label, with the decimals its tick step needs (every label of an axis has
/// the same): `0.05`, `2.5`, `40`, `1.5k`. A 1–2–5 step of 10^k needs -k decimals.
pub(crate) fn value_label(v: f64, step: f64) -> String {
    let (v, step, unit) = if v >= 1000.0 {
        (v / 1000.0, step / 1000.0, "k")
    } else {
        (v, step, "")
    };
    let decimals = (-(step.log10() + 1e-9).floor()).clamp(0.0, 9.0) as usize;
    format!("{v:.decimals$}{unit}")
}

/// The peak in the summary, to three significant figures without trailing zeros: `0.25`,
/// `12.5`, `40`, `1.5k`. The unit is chosen after rounding (999.96 reads `1k`).
pub(crate) fn peak_label(v: f64) -> String {
    if v >= 999.5 {
        return format!("{}k", peak_label(v / 1000.0));
    }
    let decimals = [99.95, 9.995, 0.9995]
        .iter()
        .position(|limit| v >= *limit)
        .unwrap_or(3);
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// SVG geometry of a preview: the line, the area under it, and the axis ticks with positions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Geometry {
    /// `points` attribute of the line.
    pub line: String,
    /// `d` of the filled area.
    pub area: String,
    /// `(x, label)` of time ticks, counted in `time_unit`.
    pub x_ticks: Vec<(f64, String)>,
    /// What the time ticks count.
    pub time_unit: TimeUnit,
    /// `(y, label)` of value ticks.
    pub y_ticks: Vec<(f64, String)>,
}

pub(crate) fn geometry(p: &LoadPreview) -> Geometry {
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let ys = value_ticks(p.peak, 4);
    let step = ys.get(1).copied().unwrap_or(1.0);
    let y_max = ys.last().copied().unwrap_or(1.0).max(f64::MIN_POSITIVE);
    let dur = p.duration_s.max(f64::MIN_POSITIVE);
    let x = |t: f64| LEFT + t / dur * pw;
    // Half-typed negative targets are drawn at 0 (the server reports them).
    let y = |v: f64| TOP + ph - v.max(0.0) / y_max * ph;
    let line: Vec<String> = p
        .points
        .iter()
        .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
        .collect();
    let base = TOP + ph;
    let area = format!(
        "M{:.1},{base:.1} L{} L{:.1},{base:.1} Z",
        LEFT,
        line.join(" L"),
        x(dur)
    );
    let (time_unit, ticks) = time_axis(p.duration_s, 7);
    Geometry {
        line: line.join(" "),
        area,
        x_ticks: ticks.into_iter().map(|(t, label)| (x(t), label)).collect(),
        time_unit,
        y_ticks: ys.iter().map(|&v| (y(v), value_label(v, step))).collect(),
    }
}

/// The one-line summary under the chart: peak, length, journey starts, pool cap.
pub(crate) fn summary(p: &LoadPreview) -> String {
    let mut out = String::from("peak ");
    out.push_str(&peak_label(p.peak));
    out.push_str(if p.open { "/s" } else { " users" });
    out.push_str(" · lasts ");
    out.push_str(&crate::format::duration_s(p.duration_s));
    if let Some(starts) = p.starts {
        out.push_str(" · ≈ ");
        out.push_str(&crate::format::count(starts.round() as u64));
        out.push_str(" journey starts");
    }
    if let Some(cap) = p.max_users {
        out.push_str(" · pool cap ");
        out.push_str(&crate::format::count(u64::from(cap)));
        out.push_str(" users");
    }
    out
}

/// The inside of the preview figure (`data-chart="load-preview"`): its title, the chart (or
/// why there is none while the profile cannot be read or was rejected), and the summary
/// (`data-field="preview-summary"`).
pub(crate) fn preview_markup(preview: Option<&LoadPreview>) -> String {
    let mut out = String::from("<figcaption class=\"load-preview__title\">Preview</figcaption>");
    let Some(p) = preview else {
        out.push_str(
            "<p class=\"load-preview__empty\">No preview: fix the marked load fields.</p>\
             <p class=\"load-preview__summary\" data-field=\"preview-summary\"></p>",
        );
        return out;
    };
    let g = geometry(p);
    let y_title = if p.open {
        "journey starts per second"
    } else {
        "users"
    };
    let plot_bottom = H - BOTTOM;
    let mid_y = TOP + (H - TOP - BOTTOM) / 2.0;
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "<svg class=\"load-preview__svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"Load over time: {y_title}\">"
    );
    for (y, label) in &g.y_ticks {
        let _ = write!(
            out,
            "<line class=\"load-preview__grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"></line>\
             <text class=\"load-preview__tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(label)
        );
    }
    for (x, label) in &g.x_ticks {
        let _ = write!(
            out,
            "<line class=\"load-preview__axis\" x1=\"{x}\" x2=\"{x}\" y1=\"{plot_bottom}\" y2=\"{}\"></line>\
             <text class=\"load-preview__tick\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            plot_bottom + 4.0,
            plot_bottom + 16.0,
            escape(label)
        );
    }
    let _ = write!(
        out,
        "<line class=\"load-preview__axis\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{plot_bottom}\" y2=\"{plot_bottom}\"></line>\
         <path class=\"load-preview__area\" d=\"{}\"></path>\
         <polyline class=\"load-preview__line\" points=\"{}\"></polyline>\
         <text class=\"load-preview__axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">time into run ({})</text>\
         <text class=\"load-preview__axis-title\" x=\"12\" y=\"{mid_y}\" text-anchor=\"middle\" \
         transform=\"rotate(-90 12 {mid_y})\">{}</text></svg>\
         <p class=\"load-preview__summary\" data-field=\"preview-summary\">{}</p>",
        W - RIGHT,
        g.area,
        g.line,
        LEFT + (W - LEFT - RIGHT) / 2.0,
        H - 4.0,
        g.time_unit.symbol(),
        if p.open { "starts/s" } else { "users" },
        escape(&summary(p))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_ticks_are_round_and_cover_the_peak() {
        assert_eq!(value_ticks(10.0, 4), [0.0, 5.0, 10.0]);
        assert_eq!(value_ticks(20.0, 4), [0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(value_ticks(7.0, 4), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(value_ticks(0.0, 4), [0.0, 0.5, 1.0]);
        assert_eq!(value_ticks(f64::NAN, 4), [0.0, 0.5, 1.0]);
        let t = value_ticks(1234.0, 4);
        assert!(
            t.last().is_some_and(|m| *m >= 1234.0) && t.len() <= 6,
            "{t:?}"
        );
    }

    #[test]
    fn value_and_peak_labels() {
        // Each label has the decimals of its axis' step: a low rate's ticks are told apart.
        for (v, step, label) in [
            (2.5, 0.5, "2.5"),
            (40.0, 10.0, "40"),
            (1500.0, 500.0, "1.5k"),
            (2000.0, 1000.0, "2k"),
            (2000.0, 500.0, "2.0k"),
            (0.0, 0.02, "0.00"),
            (0.04, 0.02, "0.04"),
            (0.05, 0.01, "0.05"),
            (0.2, 0.1, "0.2"),
            (0.001, 0.001, "0.001"),
        ] {
            assert_eq!(value_label(v, step), label, "{v} by {step}");
        }
        let labels: Vec<String> = {
            let ticks = value_ticks(0.05, 4);
            ticks.iter().map(|&v| value_label(v, ticks[1])).collect()
        };
        assert_eq!(labels, ["0.00", "0.02", "0.04", "0.06"]);
        // The summary's peak: three significant figures, no trailing zeros.
        for (v, label) in [
            (0.25, "0.25"),
            (0.05, "0.05"),
            (1.0 / 3.0, "0.333"),
            (12.5, "12.5"),
            (40.0, "40"),
            (999.96, "1k"),
            (1500.0, "1.5k"),
            (12_345.0, "12.3k"),
        ] {
            assert_eq!(peak_label(v), label, "{v}");
        }
    }

    #[test]
    fn geometry_spans_the_plot() {
        let p = LoadPreview {
            open: false,
            points: vec![(0.0, 0.0), (10.0, 10.0)],
            duration_s: 10.0,
            peak: 10.0,
            max_users: None,
            starts: None,
        };
        let g = geometry(&p);
        assert_eq!(
            g.line,
            format!("{LEFT:.1},{:.1} {:.1},{TOP:.1}", H - BOTTOM, W - RIGHT)
        );
        assert!(g.area.starts_with('M') && g.area.ends_with('Z'));
        assert_eq!(g.y_ticks.first().map(|t| t.1.as_str()), Some("0"));
        assert_eq!(g.x_ticks.last().map(|t| t.1.as_str()), Some("10"));
    }

    /// The preview's time axis reads as the charts' does: plain numbers under a title that
    /// names the unit (`30` under "time into run (s)", not `30s`), minutes for long plans.
    #[test]
    fn the_time_axis_reads_as_the_charts_do() {
        let plan = |duration_s: f64| LoadPreview {
            open: false,
            points: vec![(0.0, 0.0), (duration_s, 10.0)],
            duration_s,
            peak: 10.0,
            max_users: None,
            starts: None,
        };
        let labels = |d: f64| -> Vec<String> {
            geometry(&plan(d))
                .x_ticks
                .into_iter()
                .map(|t| t.1)
                .collect()
        };
        assert_eq!(labels(30.0), ["0", "5", "10", "15", "20", "25", "30"]);
        assert_eq!(labels(0.0), ["0"]);
        assert!(preview_markup(Some(&plan(90.0))).contains(">time into run (s)</text>"));
        assert!(preview_markup(Some(&plan(5400.0))).contains(">time into run (min)</text>"));
        // The same ticks as the charts of a run that long.
        for d in [30.0, 90.0, 600.0, 5400.0] {
            let mut run = crate::chart::Series::new("users", "c");
            run.points = vec![(0.0, 1.0), (d, 1.0)];
            let chart = crate::chart::layout(&[run], &[], false);
            let want: Vec<String> = chart.x_ticks.into_iter().map(|t| t.label).collect();
            assert_eq!(labels(d), want, "{d} s");
        }
    }

    #[test]
    fn markup_has_the_chart_and_its_summary() {
        let mut p = LoadPreview {
            open: true,
            points: vec![(0.0, 0.0), (60.0, 20.0)],
            duration_s: 60.0,
            peak: 20.0,
            max_users: Some(50),
            starts: Some(600.0),
        };
        let m = preview_markup(Some(&p));
        assert!(
            m.starts_with("<figcaption class=\"load-preview__title\">Preview</figcaption><svg")
        );
        assert!(m.contains("viewBox=\"0 0 520 220\""));
        assert!(m.contains("aria-label=\"Load over time: journey starts per second\""));
        assert!(m.contains(&format!("points=\"{}\"", geometry(&p).line)));
        assert!(m.contains(">60</text>") && m.contains(">starts/s</text></svg>"));
        assert!(m.ends_with(
            "<p class=\"load-preview__summary\" data-field=\"preview-summary\">\
             peak 20/s · lasts 1 min 00 s · ≈ 600 journey starts · pool cap 50 users</p>"
        ));
        p.open = false;
        p.starts = None;
        p.max_users = None;
        assert_eq!(summary(&p), "peak 20 users · lasts 1 min 00 s");
        let none = preview_markup(None);
        assert!(none.contains("<p class=\"load-preview__empty\">"));
        assert!(!none.contains("<svg"));
    }
}
