//! Pure chart math for the panel's SVG line charts: the layout of a chart (scales, ticks, path
//! strings of downsampled lines) and the hover read-out. No DOM; tested natively. The
//! numeric building blocks (ticks, scales, downsampling) are shared with the HTML report.

use std::fmt::Write as _;

use shared::markup::escape;
use shared::metrics::ErrorKind;

use crate::markup::Html;

pub use shared::chart::{
    LinearScale, TimeUnit, downsample, nearest_index, nice_step, nice_ticks, tick_label, tick_step,
};

/// A line to draw: a name for the legend, a CSS colour, and `(x, y)` points in data units.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// CSS colour (a token such as `var(--chart-1)`).
    pub color: String,
    /// Points, x ascending.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// An empty line.
    pub fn new(name: impl Into<String>, color: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            color: color.into(),
            points: Vec::new(),
        }
    }

    /// An empty line with capacity for `n` points.
    pub fn with_capacity(name: impl Into<String>, color: impl Into<String>, n: usize) -> Self {
        Self {
            name: name.into(),
            color: color.into(),
            points: Vec::with_capacity(n),
        }
    }
}

/// The chart colours, as CSS custom properties defined in `style/main.css`.
pub const PALETTE: [&str; 6] = [
    "var(--chart-1)",
    "var(--chart-2)",
    "var(--chart-3)",
    "var(--chart-4)",
    "var(--chart-5)",
    "var(--chart-6)",
];

/// The `i`-th chart colour (wrapping around).
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Each error kind's colour, by [`ErrorKind::index`] (a test pins each kind's): the same in
/// every run, chart and table, each kind's its own, and never `--chart-1` (the total of all
/// errors). They match the HTML report's (backend/src/report/html.rs).
const KIND_COLORS: [&str; ErrorKind::ALL.len()] = [
    "var(--chart-14)", // DNS error
    "var(--chart-12)", // connection refused
    "var(--chart-10)", // connect error
    "var(--chart-5)",  // timeout
    "var(--chart-4)",  // connection reset
    "var(--chart-9)",  // TLS error
    "var(--chart-2)",  // HTTP 4xx
    "var(--chart-3)",  // HTTP 5xx
    "var(--chart-7)",  // check failed
    "var(--chart-8)",  // body read error
    "var(--chart-11)", // protocol error
    "var(--chart-6)",  // other
    "var(--chart-13)", // interrupted
];

/// An error kind's colour (see `KIND_COLORS`).
pub fn kind_color(kind: ErrorKind) -> &'static str {
    KIND_COLORS[kind.index()]
}

/// Width of a chart in `viewBox` units (the SVG scales to its container).
pub const WIDTH: f64 = 720.0;
/// Height of a chart in `viewBox` units.
pub const HEIGHT: f64 = 250.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 18.0;
const RIGHT_WITH_AXIS: f64 = 56.0;
/// The time axis spans at least this many seconds, so the first points of a live run do not
/// stretch over the whole width with fractional-second ticks.
pub const MIN_SPAN_S: f64 = 10.0;

/// The plot area inside the chart, in `viewBox` units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Left edge.
    pub left: f64,
    /// Right edge.
    pub right: f64,
    /// Top edge.
    pub top: f64,
    /// Bottom edge (the x axis).
    pub bottom: f64,
}

impl Frame {
    /// The plot area of a chart, with room for a right-hand axis or not.
    pub fn for_chart(right_axis: bool) -> Self {
        let right = WIDTH - if right_axis { RIGHT_WITH_AXIS } else { RIGHT };
        Self {
            left: LEFT,
            right,
            top: TOP,
            bottom: HEIGHT - BOTTOM,
        }
    }

    /// Width of the plot area; also the most points a line needs (one per unit of width).
    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    /// Height of the plot area.
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// A tick: where (in `viewBox` units along its axis) and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Coordinate along the axis.
    pub pos: f64,
    /// Label text.
    pub label: String,
}

/// One line as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend name (`data-series`).
    pub name: String,
    /// CSS colour.
    pub color: String,
    /// The SVG path data: first the line's stretches of two points or more, then, from byte
    /// [`Line::dots`] on, its isolated points (a point with a gap or the end on either side) as
    /// zero-length segments, drawn as dots by a second path. Empty when there are no points.
    pub d: String,
    /// Where the isolated points begin in `d` (`d.len()` when there are none).
    pub dots: usize,
    /// Points drawn after downsampling (`data-points`).
    pub points: usize,
    /// Drawn against the right-hand axis.
    pub right: bool,
}

/// Everything needed to draw a chart, computed once per data change.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartModel {
    /// The plot area.
    pub frame: Frame,
    /// Seconds into the run → x coordinate.
    pub x: LinearScale,
    /// Left-axis value → y coordinate.
    pub y: LinearScale,
    /// Right-axis value → y coordinate, when there is a right axis.
    pub y2: Option<LinearScale>,
    /// Unit of the time axis.
    pub time_unit: TimeUnit,
    /// Ticks along the x axis (x coordinates).
    pub x_ticks: Vec<Tick>,
    /// Ticks along the left axis (y coordinates).
    pub y_ticks: Vec<Tick>,
    /// Ticks along the right axis (y coordinates), same positions as the left ones.
    pub y2_ticks: Vec<Tick>,
    /// Lines, left-axis ones first.
    pub lines: Vec<Line>,
    /// True when no line has a point.
    pub empty: bool,
    /// Seconds into the run of the last point.
    pub data_end: f64,
    /// x coordinate of the "load ends" mark (see [`ChartModel::mark_load_end`]).
    pub load_end: Option<f64>,
}

impl ChartModel {
    /// Marks where the load ended, `end_s` seconds into the run, when the lines go on past it:
    /// what follows is the graceful stop (iterations in flight finishing), where rates fall
    /// off because nothing new starts, not because the target slowed.
    pub fn mark_load_end(&mut self, end_s: f64) {
        self.load_end =
            shared::chart::went_past_the_load(end_s, self.data_end).then(|| self.x.map(end_s));
    }
}

/// Lays out a chart of `left` series against the left axis and `right` series against a
/// right axis (drawn when there is a right series). Time starts at 0 and values at 0 (or
/// below, for negative data); `whole` left values (counts, such as users) get whole-number
/// ticks. Each line is downsampled to the plot width before its path is built.
pub fn layout(left: &[Series], right: &[Series], whole: bool) -> ChartModel {
    let right_axis = !right.is_empty();
    let frame = Frame::for_chart(right_axis);
    let all = || {
        left.iter()
            .chain(right.iter())
            .flat_map(|s| s.points.iter())
    };
    let max_x = all()
        .map(|p| p.0)
        .filter(|x| x.is_finite())
        .fold(0.0_f64, f64::max);
    let empty = all().next().is_none();

    // Time axis: ticks in seconds or minutes, the domain exactly the data (no empty tail)
    // once the run is longer than the minimum span.
    let x_end = max_x.max(MIN_SPAN_S);
    let x = LinearScale::new((0.0, x_end), (frame.left, frame.right));
    let (time_unit, ticks) = time_axis(x_end, 7);
    let x_ticks = ticks
        .into_iter()
        .map(|(t, label)| Tick {
            pos: x.map(t),
            label,
        })
        .collect();

    // Left axis: nice ticks from 0 (or the lowest value) to at least the highest value.
    let (lo, hi) = extent(left.iter());
    let raw_y = nice_ticks(lo.min(0.0), hi.max(0.0), 5);
    let raw_y = if whole { whole_ticks(raw_y) } else { raw_y };
    let y_step = tick_step(&raw_y);
    let y_lo = raw_y.first().copied().unwrap_or(0.0);
    let y_hi = raw_y.last().copied().unwrap_or(1.0);
    let y = LinearScale::new((y_lo, y_hi), (frame.bottom, frame.top));
    let y_ticks = raw_y
        .iter()
        .map(|t| Tick {
            pos: y.map(*t),
            label: tick_label(*t, y_step),
        })
        .collect();

    // Right axis: as many nice steps as the left one, so both share the grid lines.
    let (y2, y2_ticks) = if right_axis {
        let intervals = raw_y.len().saturating_sub(1).max(1);
        let (_, hi2) = extent(right.iter());
        let step2 = nice_step(hi2.max(0.0) / intervals as f64);
        let top2 = step2 * intervals as f64;
        let y2 = LinearScale::new((0.0, top2), (frame.bottom, frame.top));
        let ticks = (0..=intervals)
            .map(|i| {
                let v = step2 * i as f64;
                Tick {
                    pos: y2.map(v),
                    label: tick_label(v, step2),
                }
            })
            .collect();
        (Some(y2), ticks)
    } else {
        (None, Vec::new())
    };

    let budget = frame.width() as usize;
    let mut lines = Vec::with_capacity(left.len() + right.len());
    for (s, on_right) in left
        .iter()
        .map(|s| (s, false))
        .chain(right.iter().map(|s| (s, true)))
    {
        let scale_y = if on_right {
            y2.as_ref().unwrap_or(&y)
        } else {
            &y
        };
        let pts = downsample(&s.points, budget);
        let (d, dots) = path(&pts, &x, scale_y);
        lines.push(Line {
            name: s.name.clone(),
            color: s.color.clone(),
            d,
            dots,
            points: pts.len(),
            right: on_right,
        });
    }

    ChartModel {
        frame,
        x,
        y,
        y2,
        time_unit,
        x_ticks,
        y_ticks,
        y2_ticks,
        lines,
        empty,
        data_end: max_x,
        load_end: None,
    }
}

/// A time axis from 0 to `end_s` seconds with about `approx` ticks, as the charts and
/// Compose's load preview draw it: its unit (seconds, minutes past 20 minutes) and its ticks up
/// to `end_s` as `(seconds, label)`, each label a plain number in that unit (`0`, `30`, `2.5`;
/// the axis title names the unit).
pub fn time_axis(end_s: f64, approx: usize) -> (TimeUnit, Vec<(f64, String)>) {
    let unit = TimeUnit::for_span(end_s);
    let div = unit.seconds();
    let raw = nice_ticks(0.0, end_s / div, approx);
    let step = tick_step(&raw);
    let ticks = raw
        .iter()
        .filter(|t| **t * div <= end_s * (1.0 + 1e-9))
        .map(|t| (t * div, tick_label(*t, step)))
        .collect();
    (unit, ticks)
}

/// Ticks for a count: steps under 1 (`0.25` users) become steps of 1 over the same span, or
/// `0, 1` at least; other ticks are kept.
pub fn whole_ticks(ticks: Vec<f64>) -> Vec<f64> {
    if tick_step(&ticks) >= 1.0 {
        return ticks;
    }
    let lo = ticks.first().map_or(0.0, |t| t.floor());
    let n = ticks.last().map_or(1.0, |t| t.ceil() - lo).max(1.0) as usize;
    (0..=n).map(|i| lo + i as f64).collect()
}

/// Lowest and highest y over the series, `(0, 0)` without points.
fn extent<'a>(series: impl Iterator<Item = &'a Series>) -> (f64, f64) {
    shared::chart::y_extent(series.flat_map(|s| s.points.iter())).unwrap_or((0.0, 0.0))
}

/// SVG path data through the points: `M x,y L x,y …` with one decimal, and where the isolated
/// points begin in it. A point that is not finite (an interval without a value, such as latency
/// with no request completed) is a gap: the line breaks there and goes on from the next point.
/// A point alone between gaps (or alone in the series) is moved to the end, after the
/// stretches of line, as a zero-length segment (`M x,yh0`): drawn apart, with a round cap
/// wider than the line, it is a dot. Returns `(d, start of the isolated points in d)`.
pub fn path(points: &[(f64, f64)], x: &LinearScale, y: &LinearScale) -> (String, usize) {
    let mut d = String::with_capacity(points.len() * 14);
    let mut dots = String::new();
    let value = |i: usize| {
        points
            .get(i)
            .is_some_and(|p| p.0.is_finite() && p.1.is_finite())
    };
    for (i, &(px, py)) in points.iter().enumerate() {
        if !value(i) {
            continue;
        }
        // A point after a value goes on the line; a point with no value either side is a dot.
        let after = i > 0 && value(i - 1);
        let alone = !after && !value(i + 1);
        let out = if alone { &mut dots } else { &mut d };
        let _ = write!(
            out,
            "{}{:.1},{:.1}{}",
            if after { 'L' } else { 'M' },
            x.map(px),
            y.map(py),
            if alone { "h0" } else { "" }
        );
    }
    let at = d.len();
    d.push_str(&dots);
    (d, at)
}

/// The static part of a chart as SVG markup: grid, axes with ticks and unit labels, one
/// `<path class="chart__line" data-series data-points>` per line, each followed by a
/// `path.chart__dots` of its isolated points (an empty one when it has none: one `write!`
/// costs less WebAssembly than two), and the empty state. Built as
/// one string (into a `<g>`) rather than as view nodes: it is redrawn whole on every data
/// change anyway, and markup keeps the WebAssembly small.
pub fn plot_markup(m: &ChartModel, y_unit: &str, right_unit: &str) -> String {
    let f = m.frame;
    let mid_x = (f.left + f.right) / 2.0;
    let mid_y = (f.top + f.bottom) / 2.0;
    let points: usize = m.lines.iter().map(|l| l.d.len()).sum();
    let mut o = String::with_capacity(2048 + points + m.lines.len() * 128);
    o.push_str("<g class=\"chart__grid\">");
    for t in &m.y_ticks {
        let _ = write!(
            o,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            f.left, f.right, t.pos, t.pos
        );
    }
    let _ = write!(
        o,
        "</g><g class=\"chart__axis\"><line class=\"chart__baseline\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
        f.left, f.right, f.bottom, f.bottom
    );
    for t in &m.y_ticks {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" dy=\"0.32em\">{}</text>",
            f.left - 6.0,
            t.pos,
            t.label
        );
    }
    for t in &m.y2_ticks {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"start\" dy=\"0.32em\">{}</text>",
            f.right + 6.0,
            t.pos,
            t.label
        );
    }
    for t in &m.x_ticks {
        let _ = write!(
            o,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            f.bottom,
            f.bottom + 4.0,
            f.bottom + 17.0,
            t.label,
            x = t.pos,
        );
    }
    let _ = write!(
        o,
        "<text class=\"chart__unit\" x=\"{mid_x}\" y=\"{}\" text-anchor=\"middle\">time into run ({})</text>\
         <text class=\"chart__unit\" transform=\"translate(14 {mid_y}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        HEIGHT - 3.0,
        m.time_unit.symbol(),
        escape(y_unit),
    );
    if m.y2.is_some() {
        let _ = write!(
            o,
            "<text class=\"chart__unit\" transform=\"translate({} {mid_y}) rotate(90)\" text-anchor=\"middle\">{}</text>",
            WIDTH - 12.0,
            escape(right_unit),
        );
    }
    o.push_str("</g>");
    if let Some(x) = m.load_end {
        let (tx, anchor) = shared::chart::load_end_label(x, f.left);
        let _ = write!(
            o,
            "<g class=\"chart__end\"><line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\"/><text x=\"{tx:.1}\" y=\"{}\" text-anchor=\"{anchor}\">load ends</text></g>",
            f.top,
            f.bottom,
            f.top + 10.0,
        );
    }
    o.push_str("<g class=\"chart__lines\">");
    for l in &m.lines {
        let (line, dots) = l.d.split_at(l.dots);
        let _ = write!(
            o,
            "<path class=\"chart__line\" d=\"{line}\" style=\"stroke:{0}\" data-series=\"{1}\" data-points=\"{2}\"/><path class=\"chart__dots\" d=\"{dots}\" style=\"stroke:{0}\"/>",
            escape(&l.color),
            escape(&l.name),
            l.points
        );
    }
    o.push_str("</g>");
    if m.empty {
        let _ = write!(
            o,
            "<text class=\"chart__empty\" x=\"{mid_x}\" y=\"{mid_y}\" text-anchor=\"middle\">waiting for data…</text>"
        );
    }
    o
}

/// The legend: one `li.chart__key` per line, its colour's swatch and its name. The key carries
/// the line's name (`data-key`; `data-series` marks the lines themselves), so that a dashed
/// line has a dashed swatch.
pub fn legend_markup(lines: &[Line]) -> String {
    let mut h = Html::new();
    for l in lines {
        h.open("li", &[("class", "chart__key"), ("data-key", &l.name)]);
        swatch(&mut h, &l.color).text(&l.name).close("li");
    }
    h.finish()
}

/// A line's colour as a small swatch (legends, read-outs, breakdowns).
pub fn swatch<'h>(h: &'h mut Html, color: &str) -> &'h mut Html {
    h.open(
        "span",
        &[
            ("class", "chart__swatch"),
            ("style", &["background:", color].concat()),
        ],
    )
    .close("span")
}

/// The hover read-out as markup over the plot: a dashed guide at the moment read, and next to
/// it a box with the time and each line's value (to the guide's left past the middle, so it
/// stays inside the chart).
pub fn readout_markup(r: &Readout) -> String {
    let pct = r.x / WIDTH * 100.0;
    let left = format!("left:{pct:.2}%");
    let mut h = Html::new();
    h.open("div", &[("class", "chart__guide"), ("style", &left)])
        .close("div")
        .open(
            "div",
            &[
                (
                    "class",
                    if pct > 55.0 {
                        "chart__readout chart__readout--flip"
                    } else {
                        "chart__readout"
                    },
                ),
                ("style", &left),
            ],
        )
        .el("div", &[("class", "chart__readout-time")], &r.time);
    for row in &r.rows {
        h.raw(r#"<div class="chart__readout-row">"#);
        swatch(&mut h, &row.color)
            .el("span", &[("class", "chart__readout-name")], &row.name)
            .el("span", &[("class", "chart__readout-value")], &row.value)
            .raw("</div>");
    }
    h.raw("</div>").finish()
}

/// One row of the hover read-out.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadoutRow {
    /// Series name.
    pub name: String,
    /// Series colour.
    pub color: String,
    /// The value with its unit.
    pub value: String,
}

/// The hover read-out at one moment: where to draw the guide, the time, and each line's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// x coordinate of the guide (`viewBox` units).
    pub x: f64,
    /// The moment, as text (`12 s`, `2 min 05 s`).
    pub time: String,
    /// Values, in series order.
    pub rows: Vec<ReadoutRow>,
}

/// The read-out for a pointer at `fraction` (0 = left edge, 1 = right edge of the plot): the
/// data point nearest in time (of the line with the most points), and every line's value at
/// the moment nearest to it. Values are formatted with `unit` (left) or `right_unit`. Uses
/// the full data, not the downsampled lines, so spikes read exactly.
pub fn readout(
    model: &ChartModel,
    left: &[Series],
    right: &[Series],
    fraction: f64,
    unit: &str,
    right_unit: &str,
) -> Option<Readout> {
    if model.empty || !fraction.is_finite() {
        return None;
    }
    let target = model
        .x
        .invert(model.x.range.0 + fraction.clamp(0.0, 1.0) * model.frame.width());
    let reference = &reference(left, right)?.points;
    let t = reference[nearest_index(reference, target)?].0;
    let mut rows = Vec::with_capacity(left.len() + right.len());
    for (s, u) in left
        .iter()
        .map(|s| (s, unit))
        .chain(right.iter().map(|s| (s, right_unit)))
    {
        if let Some(i) = nearest_index(&s.points, t) {
            rows.push(ReadoutRow {
                name: s.name.clone(),
                color: s.color.clone(),
                value: format_value(s.points[i].1, u),
            });
        }
    }
    Some(Readout {
        x: model.x.map(t),
        time: crate::format::duration_s(t),
        rows,
    })
}

/// The line the read-out steps along: the one with the most points.
fn reference<'a>(left: &'a [Series], right: &'a [Series]) -> Option<&'a Series> {
    left.iter().chain(right).max_by_key(|s| s.points.len())
}

/// Where a key moves the read-out (a fraction of the plot's width, as for [`readout`]): `←`
/// and `→` to the previous and next data point, `Home` and `End` to the first and last; from
/// no read-out (`at` is `None`), to the last point. `None` for other keys or no data.
pub fn key_step(
    model: &ChartModel,
    left: &[Series],
    right: &[Series],
    at: Option<f64>,
    key: &str,
) -> Option<f64> {
    let pts = &reference(left, right)?.points;
    let last = pts.len().checked_sub(1)?;
    let width = model.frame.width();
    let i = match at {
        Some(f) => nearest_index(pts, model.x.invert(model.x.range.0 + f * width))?,
        None => last,
    };
    let j = match key {
        "ArrowLeft" => i.saturating_sub(1),
        "ArrowRight" => (i + 1).min(last),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    Some((model.x.map(pts[j].0) - model.x.range.0) / width)
}

/// A value with its unit, in the panel's number style: `12.3 ms`, `1.5k/s`, `42%`,
/// `17 users`, `0.25 starts/s`.
pub fn format_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return crate::format::NONE.into();
    }
    match unit {
        "ms" => crate::format::ms(v),
        "req/s" | "/s" => crate::format::rate(v),
        // The precision is chosen after rounding: 9.96 reads `10%`, not `10.0%`.
        "%" => {
            if v.abs() >= 9.95 {
                format!("{v:.0}%")
            } else {
                format!("{v:.1}%")
            }
        }
        _ => {
            let mut s = if v == v.trunc() && v.abs() < 1e15 {
                crate::format::count(v.abs() as u64)
            } else if v.abs() >= 100.0 {
                format!("{v:.0}")
            } else if v.abs() >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            };
            if v < 0.0 && v == v.trunc() {
                s.insert(0, '-');
            }
            if !unit.is_empty() {
                s.push(' ');
                s.push_str(unit);
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, pts: &[(f64, f64)]) -> Series {
        Series {
            name: name.into(),
            color: color(0).into(),
            points: pts.to_vec(),
        }
    }

    #[test]
    fn palette_wraps() {
        assert_eq!(color(0), "var(--chart-1)");
        assert_eq!(color(5), "var(--chart-6)");
        assert_eq!(color(6), "var(--chart-1)");
    }

    #[test]
    fn error_kinds_keep_their_colour() {
        // By kind, not by position, so a kind moved in `ErrorKind::ALL` shows here.
        for (kind, n) in [
            (ErrorKind::Dns, 14),
            (ErrorKind::ConnectRefused, 12),
            (ErrorKind::Connect, 10),
            (ErrorKind::Timeout, 5),
            (ErrorKind::Reset, 4),
            (ErrorKind::Tls, 9),
            (ErrorKind::Http4xx, 2),
            (ErrorKind::Http5xx, 3),
            (ErrorKind::CheckFailed, 7),
            (ErrorKind::BodyRead, 8),
            (ErrorKind::Protocol, 11),
            (ErrorKind::Other, 6),
            (ErrorKind::Interrupted, 13),
        ] {
            assert_eq!(kind_color(kind), format!("var(--chart-{n})"), "{kind:?}");
        }
        // Each kind its own colour, none the total's.
        let mut colors: Vec<&str> = ErrorKind::ALL.into_iter().map(kind_color).collect();
        colors.push(color(0));
        colors.sort_unstable();
        colors.dedup();
        assert_eq!(colors.len(), ErrorKind::ALL.len() + 1, "{colors:?}");
    }

    #[test]
    fn empty_chart_has_axes_but_no_lines_drawn() {
        let m = layout(&[line("rps", &[])], &[], false);
        assert!(m.empty);
        assert_eq!(m.lines.len(), 1);
        assert_eq!(m.lines[0].points, 0);
        assert!(m.lines[0].d.is_empty());
        assert!(!m.y_ticks.is_empty() && !m.x_ticks.is_empty());
        assert!(m.y2.is_none() && m.y2_ticks.is_empty());
    }

    #[test]
    fn layout_of_a_short_run() {
        let pts: Vec<(f64, f64)> = (1..=30).map(|i| (i as f64, 40.0 + i as f64)).collect();
        let m = layout(&[line("rps", &pts)], &[], false);
        assert!(!m.empty);
        assert_eq!(m.time_unit, TimeUnit::Seconds);
        // Data fills the plot from x = 0 to the last point.
        assert_eq!(m.x.map(0.0), m.frame.left);
        assert_eq!(m.x.map(30.0), m.frame.right);
        // y ticks 0..=80 in 20s cover the max of 70; the top tick is the top of the plot.
        let labels: Vec<&str> = m.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "20", "40", "60", "80"]);
        assert_eq!(m.y_ticks[0].pos, m.frame.bottom);
        assert_eq!(m.y_ticks[4].pos, m.frame.top);
        let xl: Vec<&str> = m.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(xl, ["0", "5", "10", "15", "20", "25", "30"]);
        assert_eq!(m.lines[0].points, 30);
        assert!(m.lines[0].d.starts_with(&format!("M{:.1},", m.x.map(1.0))));
        assert_eq!(m.lines[0].d.matches('L').count(), 29);
    }

    #[test]
    fn an_hour_switches_to_minutes_and_is_downsampled() {
        let pts: Vec<(f64, f64)> = (1..=3600).map(|i| (i as f64, (i % 17) as f64)).collect();
        let m = layout(&[line("p50", &pts), line("p99", &pts)], &[], false);
        assert_eq!(m.time_unit, TimeUnit::Minutes);
        let xl: Vec<&str> = m.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(xl, ["0", "10", "20", "30", "40", "50", "60"]);
        for l in &m.lines {
            assert!(l.points <= 700 && l.points >= 300, "{} points", l.points);
            assert_eq!(l.d.matches('L').count() + 1, l.points);
        }
    }

    #[test]
    fn counts_get_whole_ticks() {
        for (ticks, want) in [
            (vec![0.0, 0.25, 0.5, 0.75, 1.0], vec![0.0, 1.0]),
            (vec![0.0, 0.5, 1.0, 1.5, 2.0], vec![0.0, 1.0, 2.0]),
            (
                vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
                vec![0.0, 1.0, 2.0, 3.0],
            ),
            (vec![-0.5, 0.0, 0.5], vec![-1.0, 0.0, 1.0]),
            (vec![0.0, 0.2], vec![0.0, 1.0]),
            (vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 2.0]),
            (vec![0.0, 25.0, 50.0], vec![0.0, 25.0, 50.0]),
        ] {
            assert_eq!(whole_ticks(ticks.clone()), want, "{ticks:?}");
        }
        // One user: 0 and 1 on the axis, not 0.25 steps; other charts keep fine steps.
        let users = [line("active users", &[(1.0, 1.0), (2.0, 1.0)])];
        let labels =
            |m: &ChartModel| -> Vec<String> { m.y_ticks.iter().map(|t| t.label.clone()).collect() };
        assert_eq!(labels(&layout(&users, &[], true)), ["0", "1"]);
        assert_eq!(
            labels(&layout(&users, &[], false)),
            ["0", "0.25", "0.50", "0.75", "1.00"]
        );
        let three = [line("active users", &[(1.0, 3.0)])];
        assert_eq!(labels(&layout(&three, &[], true)), ["0", "1", "2", "3"]);
        // The right axis (a rate) keeps the left one's grid lines.
        let rate = [line("target rate", &[(1.0, 0.5)])];
        let m = layout(&users, &rate, true);
        assert_eq!(m.y2_ticks.len(), 2);
    }

    #[test]
    fn right_axis_shares_the_grid() {
        let users = line("active users", &[(1.0, 10.0), (2.0, 50.0)]);
        let rate = line("target rate", &[(1.0, 200.0), (2.0, 900.0)]);
        let m = layout(&[users], &[rate], false);
        let y2 = m.y2.expect("right axis");
        assert_eq!(m.y2_ticks.len(), m.y_ticks.len());
        for (a, b) in m.y_ticks.iter().zip(&m.y2_ticks) {
            assert!((a.pos - b.pos).abs() < 1e-9);
        }
        assert!(y2.domain.1 >= 900.0);
        assert!(m.lines[1].right);
        // The right line's top point sits within the plot.
        assert!(y2.map(900.0) >= m.frame.top);
        assert!(m.frame.right < WIDTH - RIGHT);
    }

    #[test]
    fn path_strings() {
        let x = LinearScale::new((0.0, 10.0), (0.0, 100.0));
        let y = LinearScale::new((0.0, 10.0), (100.0, 0.0));
        let p = |pts: &[(f64, f64)]| {
            let (d, at) = path(pts, &x, &y);
            let (line, dots) = d.split_at(at);
            (line.to_owned(), dots.to_owned())
        };
        let s = |line: &str, dots: &str| (line.to_owned(), dots.to_owned());
        assert_eq!(
            p(&[(0.0, 0.0), (5.0, 5.0), (10.0, 10.0)]),
            s("M0.0,100.0L50.0,50.0L100.0,0.0", "")
        );
        // One point: a dot.
        assert_eq!(p(&[(5.0, 2.0)]), s("", "M50.0,80.0h0"));
        assert_eq!(p(&[(1.0, f64::NAN), (2.0, 1.0)]), s("", "M20.0,90.0h0"));
        assert_eq!(p(&[]), s("", ""));
        // No value: a gap, not a line across it.
        let nan = f64::NAN;
        assert_eq!(
            p(&[
                (1.0, 1.0),
                (2.0, 2.0),
                (3.0, nan),
                (4.0, nan),
                (5.0, 5.0),
                (6.0, 6.0)
            ]),
            s("M10.0,90.0L20.0,80.0M50.0,50.0L60.0,40.0", "")
        );
        // Points alone between gaps (or a gap and an end) are dots, after the line.
        assert_eq!(
            p(&[(1.0, 1.0), (2.0, nan), (3.0, 3.0), (4.0, nan)]),
            s("", "M10.0,90.0h0M30.0,70.0h0")
        );
        assert_eq!(
            p(&[
                (1.0, 1.0),
                (2.0, nan),
                (3.0, 3.0),
                (4.0, 4.0),
                (5.0, nan),
                (6.0, 6.0),
                (7.0, nan),
                (8.0, 8.0),
                (9.0, 9.0)
            ]),
            s(
                "M30.0,70.0L40.0,60.0M80.0,20.0L90.0,10.0",
                "M10.0,90.0h0M60.0,40.0h0"
            )
        );
        assert_eq!(p(&[(1.0, nan)]), s("", ""));
    }

    #[test]
    fn isolated_points_are_drawn_as_dots() {
        let nan = f64::NAN;
        // Latency over a nearly idle run: values only now and then.
        let pts = [(1.0, 2.0), (2.0, nan), (3.0, nan), (4.0, 3.0), (5.0, 5.0)];
        let m = layout(&[line("p50", &pts)], &[], false);
        let l = &m.lines[0];
        assert_eq!(l.points, 5);
        assert_eq!(l.d[l.dots..].matches('M').count(), 1);
        assert_eq!(l.d[..l.dots].matches('L').count(), 1);
        let svg = plot_markup(&m, "ms", "");
        let dot = format!(
            "<path class=\"chart__dots\" d=\"M{:.1},{:.1}h0\" style=\"stroke:var(--chart-1)\"/>",
            m.x.map(1.0),
            m.y.map(2.0)
        );
        assert!(svg.contains(&dot), "{svg}");
        assert!(svg.contains(&format!(
            "<path class=\"chart__line\" d=\"M{:.1},",
            m.x.map(4.0)
        )));
        // The dots follow their line; a line without isolated points draws none.
        assert!(svg.find("data-series=\"p50\"") < svg.find("chart__dots"));
        let joined = plot_markup(&layout(&[line("p50", &pts[3..])], &[], false), "ms", "");
        assert!(
            joined.contains("<path class=\"chart__dots\" d=\"\""),
            "{joined}"
        );
        // A series of one point: all dot, no line.
        let one = layout(&[line("rps", &[(1.0, 5.0)])], &[], false);
        assert_eq!(one.lines[0].dots, 0);
        let svg = plot_markup(&one, "req/s", "");
        assert!(svg.contains("<path class=\"chart__line\" d=\"\""));
        assert_eq!(svg.matches("class=\"chart__dots\"").count(), 1);
        // The read-out still reads the points.
        let r = readout(&m, &[line("p50", &pts)], &[], 0.1, "ms", "").expect("readout");
        assert_eq!(
            (r.time.as_str(), r.rows[0].value.as_str()),
            ("1 s", "2.00 ms")
        );
    }

    /// The load's end is marked only where the lines go on past it (a graceful stop), at its
    /// time on the x axis.
    #[test]
    fn the_load_end_is_marked_when_the_run_goes_past_it() {
        let pts: Vec<(f64, f64)> = (1..=24).map(|i| (i as f64, 10.0)).collect();
        let mut m = layout(&[line("rps", &pts)], &[], false);
        assert_eq!(m.load_end, None);
        assert!(!plot_markup(&m, "req/s", "").contains("load ends"));

        m.mark_load_end(20.0);
        assert_eq!(m.load_end, Some(m.x.map(20.0)));
        let svg = plot_markup(&m, "req/s", "");
        assert!(svg.contains("<g class=\"chart__end\">"), "{svg}");
        assert!(
            svg.contains(&format!("x1=\"{:.1}\"", m.x.map(20.0))),
            "{svg}"
        );
        assert!(
            svg.contains("text-anchor=\"end\">load ends</text>"),
            "left of the mark"
        );
        // Near the axis the label goes right of the mark, inside the plot.
        m.mark_load_end(1.0);
        let near = plot_markup(&m, "req/s", "");
        assert!(
            near.contains("text-anchor=\"start\">load ends</text>"),
            "{near}"
        );
        m.mark_load_end(20.0);
        assert!(
            svg.find("chart__end") < svg.find("chart__lines"),
            "drawn under the lines"
        );
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());

        // A run that stopped at or before the end of its load (cancelled, or nothing was in
        // flight: its last tick a few milliseconds late), and a plan that is not known, have
        // no mark.
        for end in [24.0, 23.95, 30.0, 0.0, f64::NAN] {
            m.mark_load_end(end);
            assert_eq!(m.load_end, None, "{end}");
        }
    }

    #[test]
    fn markup_has_one_path_per_line_with_its_point_count() {
        let pts: Vec<(f64, f64)> = (1..=3600).map(|i| (i as f64, (i % 7) as f64)).collect();
        let lines = [line("p50", &pts), line("a <b> & \"c\"", &pts[..3])];
        let m = layout(&lines, &[], false);
        let svg = plot_markup(&m, "ms", "");
        // A line and its dots each.
        assert_eq!(svg.matches("<path ").count(), 4);
        assert!(svg.contains(&format!(
            "data-series=\"p50\" data-points=\"{}\"",
            m.lines[0].points
        )));
        assert!(svg.contains("data-series=\"a &lt;b&gt; &amp; &quot;c&quot;\" data-points=\"3\""));
        assert!(svg.contains("time into run (min)"));
        assert!(svg.contains(">ms</text>"));
        assert!(svg.contains("style=\"stroke:var(--chart-1)\""));
        assert!(!svg.contains("waiting for data"));
        // Tags balance.
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());

        let empty = plot_markup(&layout(&[line("rps", &[])], &[], false), "req/s", "");
        assert!(empty.contains("waiting for data…"));
        assert!(empty.contains("data-points=\"0\""));
        assert!(empty.contains("time into run (s)"));

        let two_axes = layout(
            &[line("users", &pts[..5])],
            &[line("rate", &pts[..5])],
            false,
        );
        assert!(plot_markup(&two_axes, "users", "starts/s").contains(">starts/s</text>"));
    }

    #[test]
    fn readout_picks_the_nearest_moment() {
        let a = line("p50", &[(1.0, 10.0), (2.0, 12.5), (3.0, 11.0)]);
        let b = line("p99", &[(1.0, 40.0), (2.0, 80.0), (3.0, 1250.0)]);
        let left = [a, b];
        let m = layout(&left, &[], false);
        // The axis spans at least 10 s: a fifth of the way along is t = 2 s.
        assert_eq!(m.x.domain, (0.0, MIN_SPAN_S));
        let r = readout(&m, &left, &[], 0.2, "ms", "").expect("readout");
        assert_eq!(r.time, "2 s");
        assert_eq!(r.x, m.x.map(2.0));
        let vals: Vec<(&str, &str)> = r
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(vals, [("p50", "12.5 ms"), ("p99", "80.0 ms")]);
        // Far right: the last point; beyond the edges clamps.
        let r = readout(&m, &left, &[], 1.5, "ms", "").expect("readout");
        assert_eq!(r.rows[1].value, "1.25 s");
        let r = readout(&m, &left, &[], -1.0, "ms", "").expect("readout");
        assert_eq!(r.time, "1 s");
        // Nothing to read on an empty chart.
        let empty = layout(&[], &[], false);
        assert_eq!(readout(&empty, &[], &[], 0.5, "ms", ""), None);
    }

    #[test]
    fn keys_step_point_by_point() {
        let a = line("p50", &[(1.0, 10.0), (2.0, 12.5), (3.0, 11.0)]);
        let b = line("p99", &[(1.0, 40.0), (3.0, 50.0)]);
        let left = [a, b];
        let m = layout(&left, &[], false);
        let time =
            |f: Option<f64>| readout(&m, &left, &[], f.expect("a step"), "ms", "").map(|r| r.time);
        let step = |at, key| key_step(&m, &left, &[], at, key);
        // Focus (no read-out yet) shows the last point; End too.
        assert_eq!(time(step(None, "End")).as_deref(), Some("3 s"));
        assert_eq!(time(step(None, "ArrowRight")).as_deref(), Some("3 s"));
        let end = step(None, "End");
        assert_eq!(time(step(end, "ArrowLeft")).as_deref(), Some("2 s"));
        assert_eq!(
            time(step(step(end, "ArrowLeft"), "ArrowLeft")).as_deref(),
            Some("1 s")
        );
        let home = step(end, "Home");
        assert_eq!(time(home).as_deref(), Some("1 s"));
        // Stops at the ends, one point at a time in between.
        assert_eq!(step(home, "ArrowLeft"), home);
        assert_eq!(time(step(home, "ArrowRight")).as_deref(), Some("2 s"));
        assert_eq!(step(end, "ArrowRight"), end);
        assert_eq!(step(end, "a"), None);
        assert_eq!(
            key_step(&layout(&[], &[], false), &[], &[], None, "End"),
            None
        );
    }

    #[test]
    fn legend_and_readout_markup() {
        let a = line("p50 <x>", &[(1.0, 10.0), (2.0, 12.5)]);
        let m = layout(std::slice::from_ref(&a), &[], false);
        assert_eq!(
            legend_markup(&m.lines),
            "<li class=\"chart__key\" data-key=\"p50 &lt;x&gt;\"><span class=\"chart__swatch\" style=\"background:var(--chart-1)\"></span>p50 &lt;x&gt;</li>"
        );
        let r = readout(&m, &[a], &[], 0.2, "ms", "").expect("readout");
        let left = r.x / WIDTH * 100.0;
        assert_eq!(
            readout_markup(&r),
            format!(
                "<div class=\"chart__guide\" style=\"left:{left:.2}%\"></div>\
                 <div class=\"chart__readout\" style=\"left:{left:.2}%\"><div class=\"chart__readout-time\">2 s</div>\
                 <div class=\"chart__readout-row\"><span class=\"chart__swatch\" style=\"background:var(--chart-1)\"></span>\
                 <span class=\"chart__readout-name\">p50 &lt;x&gt;</span><span class=\"chart__readout-value\">12.5 ms</span></div></div>"
            )
        );
        // Past the middle the box opens to the left.
        let far = Readout {
            x: WIDTH * 0.9,
            time: "9 s".into(),
            rows: vec![],
        };
        assert!(readout_markup(&far).contains("class=\"chart__readout chart__readout--flip\""));
    }

    #[test]
    fn values_with_units() {
        for (v, unit, want) in [
            (12.34, "ms", "12.3 ms"),
            (1234.0, "req/s", "1234/s"),
            (12_345.0, "req/s", "12.3k/s"),
            (0.5, "/s", "0.5/s"),
            (42.4, "%", "42%"),
            (4.24, "%", "4.2%"),
            (9.96, "%", "10%"),
            (9.94, "%", "9.9%"),
            (17.0, "users", "17 users"),
            (1234.0, "users", "1,234 users"),
            (0.25, "starts/s", "0.25 starts/s"),
            (12.34, "", "12.3"),
            (-3.0, "", "-3"),
            (f64::NAN, "ms", "–"),
        ] {
            assert_eq!(format_value(v, unit), want, "format_value({v}, {unit:?})");
        }
    }
}
