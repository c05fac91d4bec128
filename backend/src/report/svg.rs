//! Line charts as inline SVG: nice axis ticks, min/max-preserving downsampling, a legend, hover
//! read-outs through `<title>` elements and a `viewBox` so the chart scales with the page.

use std::fmt::Write as _;

use shared::chart::{downsample, nice_ticks};
use shared::chart::{nice_step, tick_label, tick_step};

use super::format::{fmt_ms, fmt_time};
use super::{escape, finite};

/// At most this many points are drawn per line.
pub(super) const MAX_POINTS: usize = 1000;

/// Lines with at most this many points get a hover marker (with its own read-out) per point.
const MARKER_LIMIT: usize = 150;

/// A calm palette that stays distinguishable in print.
pub(super) const PALETTE: [&str; 8] = [
    "#3465a4", "#d9822b", "#c23b3b", "#2a8c82", "#7a5ba6", "#8c6d4f", "#c05a8a", "#6b7280",
];

/// How a line is drawn, so that lines stay apart in greyscale print too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dash {
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    fn attr(self) -> &'static str {
        match self {
            Dash::Solid => "",
            Dash::Dashed => " stroke-dasharray=\"7 4\"",
            Dash::Dotted => " stroke-dasharray=\"2 3\"",
        }
    }
}

/// One line: contiguous segments of (seconds into the run, value) points; a gap in the data
/// (an interval without any request, for latency) starts a new segment.
#[derive(Debug, Clone)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) color: &'static str,
    pub(super) dash: Dash,
    /// Plotted against the right-hand axis.
    pub(super) right_axis: bool,
    /// Unit for read-outs, e.g. `ms`.
    pub(super) unit: &'static str,
    pub(super) segments: Vec<Vec<(f64, f64)>>,
}

impl Series {
    pub(super) fn new(name: impl Into<String>, color: &'static str, unit: &'static str) -> Self {
        Self {
            name: name.into(),
            color,
            dash: Dash::Solid,
            right_axis: false,
            unit,
            segments: Vec::new(),
        }
    }

    pub(super) fn dash(mut self, dash: Dash) -> Self {
        self.dash = dash;
        self
    }

    pub(super) fn right(mut self) -> Self {
        self.right_axis = true;
        self
    }

    /// Adds a point, or a gap for `None`.
    pub(super) fn push(&mut self, x: f64, y: Option<f64>) {
        match y.filter(|v| v.is_finite()) {
            Some(y) if x.is_finite() => match self.segments.last_mut() {
                Some(seg) => seg.push((x, y)),
                None => self.segments.push(vec![(x, y)]),
            },
            _ => {
                if self.segments.last().is_some_and(|s| !s.is_empty()) {
                    self.segments.push(Vec::new());
                }
            }
        }
    }

    fn points(&self) -> impl Iterator<Item = &(f64, f64)> {
        self.segments.iter().flatten()
    }

    fn len(&self) -> usize {
        self.segments.iter().map(Vec::len).sum()
    }
}

/// A vertical marker at a moment of the run (an alert), with its number in the report's list
/// of alerts shown next to it.
#[derive(Debug, Clone)]
pub(super) struct Marker {
    pub(super) x: f64,
    pub(super) number: usize,
    pub(super) label: String,
}

/// What the legend of markers says.
const MARKER_LEGEND: &str = "alert (numbered as in Alerts below)";

/// A line chart over run time.
#[derive(Debug, Clone)]
pub(super) struct Chart {
    /// Value of the `data-chart` attribute.
    pub(super) id: &'static str,
    /// Accessible label.
    pub(super) title: String,
    pub(super) y_label: String,
    pub(super) y2_label: Option<String>,
    /// The left axis counts things (users, errors): whole-number ticks only.
    pub(super) y_counts: bool,
    pub(super) series: Vec<Series>,
    pub(super) markers: Vec<Marker>,
    /// Seconds into the run at which the load ended (0 when not known); marked when the lines
    /// go on past it (the graceful stop).
    pub(super) load_end: f64,
}

/// One entry of a chart's legend.
enum Key<'a> {
    Line(&'a Series),
    Marker,
}

impl Key<'_> {
    fn name(&self) -> &str {
        match self {
            Key::Line(s) => &s.name,
            Key::Marker => MARKER_LEGEND,
        }
    }
}

const WIDTH: f64 = 760.0;
const PLOT_HEIGHT: f64 = 200.0;
const LEFT: f64 = 64.0;
const BOTTOM: f64 = 42.0;
const LEGEND_ROW: f64 = 18.0;

impl Chart {
    pub(super) fn render(&self) -> String {
        let right_margin = if self.y2_label.is_some() { 64.0 } else { 20.0 };
        let plot_w = WIDTH - LEFT - right_margin;

        // Legend layout: items flow left to right and wrap.
        let keys = self
            .series
            .iter()
            .map(Key::Line)
            .chain((!self.markers.is_empty()).then_some(Key::Marker));
        let mut legend = Vec::new();
        let (mut lx, mut row) = (LEFT, 0usize);
        for key in keys {
            let w = 30.0 + 6.6 * key.name().chars().count() as f64 + 18.0;
            if lx + w > WIDTH - right_margin && lx > LEFT {
                lx = LEFT;
                row += 1;
            }
            legend.push((lx, row, key));
            lx += w;
        }
        let rows = if legend.is_empty() { 0 } else { row + 1 };
        let top = 14.0 + rows as f64 * LEGEND_ROW;
        let height = top + PLOT_HEIGHT + BOTTOM;
        let plot_bottom = top + PLOT_HEIGHT;

        // Scales. Time always starts at 0; values are non-negative and start at 0.
        // The data's end, and the axis' (an alert may come after the last point).
        let data_end = self
            .series
            .iter()
            .flat_map(Series::points)
            .map(|p| p.0)
            .fold(0.0_f64, f64::max);
        let max_x = self.markers.iter().map(|m| m.x).fold(data_end, f64::max);
        let minutes = max_x > 1200.0;
        let x_div = if minutes { 60.0 } else { 1.0 };
        let x_max_axis = if max_x > 0.0 { max_x / x_div } else { 1.0 };
        let x_ticks = nice_ticks(0.0, x_max_axis, 7);
        let x_step = tick_step(&x_ticks);

        let max_of = |right: bool| {
            self.series
                .iter()
                .filter(|s| s.right_axis == right)
                .flat_map(Series::points)
                .map(|p| p.1)
                .fold(0.0_f64, f64::max)
        };
        let y_ticks = if self.y_counts {
            count_ticks(max_of(false), 5)
        } else {
            nice_ticks(0.0, max_of(false), 5)
        };
        let y_top = y_ticks
            .last()
            .copied()
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE);
        let y_step = tick_step(&y_ticks);
        let intervals = y_ticks.len().saturating_sub(1).max(1);
        // The right axis shares the left axis' grid lines: same number of nice steps.
        let y2_step = nice_step(max_of(true) / intervals as f64);
        let y2_top = y2_step * intervals as f64;

        let px = |x: f64| LEFT + (x / x_div) / x_max_axis * plot_w;
        let py = |y: f64, right: bool| {
            let top_v = if right { y2_top } else { y_top };
            plot_bottom - (y / top_v).clamp(0.0, 1.05) * PLOT_HEIGHT
        };

        let mut o = String::with_capacity(16 * 1024);
        let _ = write!(
            o,
            "<svg class=\"chart\" data-chart=\"{id}\" viewBox=\"0 0 {WIDTH} {height}\" \
             preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{label}\" \
             font-size=\"11\">",
            id = self.id,
            label = escape(&self.title),
        );

        // Grid and left axis ticks.
        o.push_str("<g class=\"grid\">");
        for t in &y_ticks {
            let y = py(*t, false);
            let _ = write!(
                o,
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{x2:.1}\" y2=\"{y:.1}\"/>",
                x2 = LEFT + plot_w
            );
        }
        o.push_str("</g><g class=\"axis\">");
        for t in &y_ticks {
            let _ = write!(
                o,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\" dy=\"0.32em\">{}</text>",
                tick_label(*t, y_step),
                x = LEFT - 6.0,
                y = py(*t, false),
            );
        }
        if self.y2_label.is_some() {
            for i in 0..=intervals {
                let v = y2_step * i as f64;
                let _ = write!(
                    o,
                    "<text x=\"{x:.1}\" y=\"{y:.1}\" dy=\"0.32em\">{}</text>",
                    tick_label(v, y2_step),
                    x = LEFT + plot_w + 6.0,
                    y = py(v, true),
                );
            }
        }
        for t in x_ticks.iter().filter(|t| **t <= x_max_axis * 1.000_001) {
            let x = LEFT + t / x_max_axis * plot_w;
            let _ = write!(
                o,
                "<line x1=\"{x:.1}\" y1=\"{plot_bottom:.1}\" x2=\"{x:.1}\" y2=\"{y2:.1}\"/>\
                 <text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\">{}</text>",
                tick_label(*t, x_step),
                y2 = plot_bottom + 4.0,
                ty = plot_bottom + 16.0,
            );
        }
        let _ = write!(
            o,
            "<line x1=\"{LEFT}\" y1=\"{plot_bottom:.1}\" x2=\"{x2:.1}\" y2=\"{plot_bottom:.1}\"/>\
             <line x1=\"{LEFT}\" y1=\"{top:.1}\" x2=\"{LEFT}\" y2=\"{plot_bottom:.1}\"/>",
            x2 = LEFT + plot_w,
        );
        // Axis labels.
        let _ = write!(
            o,
            "<text class=\"label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
            if minutes {
                "time into run (min)"
            } else {
                "time into run (s)"
            },
            x = LEFT + plot_w / 2.0,
            y = height - 6.0,
        );
        let mid = top + PLOT_HEIGHT / 2.0;
        let _ = write!(
            o,
            "<text class=\"label\" transform=\"translate(14 {mid:.1}) rotate(-90)\" \
             text-anchor=\"middle\">{}</text>",
            escape(&self.y_label),
        );
        if let Some(l2) = &self.y2_label {
            let _ = write!(
                o,
                "<text class=\"label\" transform=\"translate({x:.1} {mid:.1}) rotate(90)\" \
                 text-anchor=\"middle\">{}</text>",
                escape(l2),
                x = WIDTH - 12.0,
            );
        }
        o.push_str("</g>");

        // Where the load ended, when the lines go on past it: what follows is the graceful
        // stop, where rates fall because nothing new starts.
        if shared::chart::went_past_the_load(self.load_end, data_end) {
            let x = px(self.load_end);
            let (tx, anchor) = shared::chart::load_end_label(x, LEFT);
            let _ = write!(
                o,
                "<g class=\"load-end\"><line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" \
                 y2=\"{plot_bottom:.1}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" \
                 text-anchor=\"{anchor}\">load ends</text></g>",
                ty = top + 10.0,
            );
        }

        // Alert markers, each with its number at the top; numbers of markers too close to
        // tell apart step down.
        let mut previous: Option<(f64, usize)> = None;
        for m in &self.markers {
            let x = px(m.x);
            let level = match previous {
                Some((prev_x, level)) if (x - prev_x).abs() < 14.0 => (level + 1) % 4,
                _ => 0,
            };
            previous = Some((x, level));
            let _ = write!(
                o,
                "<g class=\"alert\"><title>{}</title><line class=\"marker\" x1=\"{x:.1}\" \
                 y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{plot_bottom:.1}\"/>\
                 <text class=\"marker-n\" x=\"{tx:.1}\" y=\"{ty:.1}\">{}</text></g>",
                escape(&format!(
                    "alert {} — {} — {}",
                    m.number,
                    fmt_time(m.x),
                    m.label
                )),
                m.number,
                tx = x + 3.0,
                ty = top + 10.0 + level as f64 * 11.0,
            );
        }

        // Lines.
        let total_points: usize = self.series.iter().map(Series::len).sum();
        if total_points == 0 {
            let _ = write!(
                o,
                "<text class=\"nodata\" x=\"{x:.1}\" y=\"{mid:.1}\" \
                 text-anchor=\"middle\">no data</text>",
                x = LEFT + plot_w / 2.0,
            );
        }
        for s in &self.series {
            let n = s.len();
            if n == 0 {
                continue;
            }
            let (lo, hi) = s
                .points()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.1), hi.max(p.1))
                });
            let series_title = escape(&format!(
                "{}: min {}, max {}{}",
                s.name,
                fmt_value(lo, s.unit),
                fmt_value(hi, s.unit),
                if n > MAX_POINTS {
                    format!(" ({n} points, drawn as ≤ {MAX_POINTS})")
                } else {
                    String::new()
                }
            ));
            let _ = write!(o, "<g class=\"series\" style=\"color:{}\">", s.color);
            for seg in s.segments.iter().filter(|seg| !seg.is_empty()) {
                let budget = (MAX_POINTS * seg.len()).div_ceil(n).max(2);
                let pts = downsample(seg, budget);
                if pts.len() == 1 {
                    let (x, y) = pts[0];
                    let _ = write!(
                        o,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"currentColor\">\
                         <title>{series_title}</title></circle>",
                        px(x),
                        py(y, s.right_axis),
                    );
                    continue;
                }
                o.push_str(
                    "<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.8\" \
                            stroke-linejoin=\"round\"",
                );
                o.push_str(s.dash.attr());
                o.push_str(" points=\"");
                for (i, (x, y)) in pts.iter().enumerate() {
                    if i > 0 {
                        o.push(' ');
                    }
                    let _ = write!(o, "{:.1},{:.1}", px(*x), py(*y, s.right_axis));
                }
                let _ = write!(o, "\"><title>{series_title}</title></polyline>");
            }
            if n <= MARKER_LIMIT {
                for (x, y) in s.points() {
                    let _ = write!(
                        o,
                        "<circle class=\"pt\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{}</title></circle>",
                        px(*x),
                        py(*y, s.right_axis),
                        escape(&format!(
                            "{} — {}: {}",
                            fmt_time(*x),
                            s.name,
                            fmt_value(*y, s.unit)
                        )),
                    );
                }
            }
            o.push_str("</g>");
        }

        // Legend.
        o.push_str("<g class=\"legend\">");
        for (x, row, key) in legend {
            let y = 12.0 + row as f64 * LEGEND_ROW;
            let s = match key {
                Key::Line(s) => s,
                Key::Marker => {
                    let _ = write!(
                        o,
                        "<g><line class=\"marker\" x1=\"{x:.1}\" y1=\"{y:.1}\" \
                         x2=\"{x2:.1}\" y2=\"{y:.1}\"/><text x=\"{tx:.1}\" y=\"{y:.1}\" \
                         dy=\"0.32em\">{MARKER_LEGEND}</text></g>",
                        x2 = x + 22.0,
                        tx = x + 28.0,
                    );
                    continue;
                }
            };
            let _ = write!(
                o,
                "<g style=\"color:{c}\"><line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x2:.1}\" y2=\"{y:.1}\" \
                 stroke=\"currentColor\" stroke-width=\"2.5\"{dash}/>\
                 <text x=\"{tx:.1}\" y=\"{y:.1}\" dy=\"0.32em\">{name}</text></g>",
                c = s.color,
                x2 = x + 22.0,
                dash = s.dash.attr(),
                tx = x + 28.0,
                name = escape(&s.name),
            );
        }
        o.push_str("</g></svg>");
        o
    }
}

/// Ticks for an axis that counts things (users, errors per interval): [`nice_ticks`] from 0
/// when its step is whole, else steps of 1 (or 2 for a step of 2.5), so that no tick reads
/// `0.25` users.
pub(super) fn count_ticks(max: f64, approx_count: usize) -> Vec<f64> {
    let max = finite(max).max(0.0);
    let ticks = nice_ticks(0.0, max, approx_count);
    let step = tick_step(&ticks);
    if (step - step.round()).abs() < 1e-9 && step >= 1.0 {
        return ticks;
    }
    let step = step.floor().max(1.0);
    let last = (max / step).ceil().clamp(1.0, 1000.0) as usize;
    (0..=last).map(|i| i as f64 * step).collect()
}

/// A value with its unit for read-outs; milliseconds as in the report's tables.
pub(super) fn fmt_value(v: f64, unit: &str) -> String {
    let v = finite(v);
    if unit == "ms" {
        return fmt_ms(v);
    }
    let decimals = if v == v.trunc() && v.abs() < 1e15 {
        0
    } else if v.abs() < 10.0 {
        2
    } else if v.abs() < 1000.0 {
        1
    } else {
        0
    };
    if unit.is_empty() {
        format!("{v:.decimals$}")
    } else {
        format!("{v:.decimals$} {unit}")
    }
}
