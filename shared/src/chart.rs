//! Chart math shared by the HTML report (inline SVG) and the browser panel: nice axis ticks,
//! tick labels, a linear scale, min/max-preserving downsampling and nearest-point lookup.
//! Pure functions over `f64`; no serde, no I/O.

use crate::metrics::MetricsSnapshot;

/// A linear map from a data interval (`domain`) to a drawing interval (`range`), e.g. from
/// seconds into the run to SVG x coordinates. Either interval may be reversed (a y axis maps
/// its low values to the bottom, the larger coordinate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    /// Data interval `(from, to)`.
    pub domain: (f64, f64),
    /// Drawing interval `(from, to)`.
    pub range: (f64, f64),
}

impl LinearScale {
    /// A scale from `domain` to `range`.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    /// Data value to drawing coordinate. An empty domain maps everything to the middle of the
    /// range; values outside the domain extrapolate.
    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let span = d1 - d0;
        if span == 0.0 || !span.is_finite() {
            return (r0 + r1) / 2.0;
        }
        r0 + (v - d0) / span * (r1 - r0)
    }

    /// Drawing coordinate back to a data value. An empty range maps everything to the start of
    /// the domain.
    pub fn invert(&self, p: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let span = r1 - r0;
        if span == 0.0 || !span.is_finite() {
            return d0;
        }
        d0 + (p - r0) / span * (d1 - d0)
    }
}

/// A "nice" step of at least `raw`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let f = raw / base;
    let eps = 1e-9;
    let m = if f <= 1.0 + eps {
        1.0
    } else if f <= 2.0 + eps {
        2.0
    } else if f <= 2.5 + eps {
        2.5
    } else if f <= 5.0 + eps {
        5.0
    } else {
        10.0
    };
    m * base
}

/// Round tick values covering `[min, max]` with about `approx_count` ticks (never more than
/// `approx_count + 1`): multiples of a nice step (see [`nice_step`]), from the multiple at or
/// below `min` to the one at or above `max`. An empty range is widened so that it has ticks;
/// non-finite bounds give `[0, 1]`.
pub fn nice_ticks(min: f64, max: f64, approx_count: usize) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() {
        return vec![0.0, 1.0];
    }
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let count = approx_count.max(2);
    let step = nice_step((hi - lo) / (count - 1) as f64);
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let decimals = (-(step.log10().floor()) + 2.0).clamp(0.0, 15.0);
    let scale = 10f64.powf(decimals);
    let n = ((last - first).max(0.0) as usize).min(1000);
    (0..=n)
        .map(|i| {
            let v = (first + i as f64) * step;
            let v = (v * scale).round() / scale;
            if v == 0.0 { 0.0 } else { v }
        })
        .collect()
}

/// The step between ticks from [`nice_ticks`] (1 when there are fewer than two).
pub fn tick_step(ticks: &[f64]) -> f64 {
    match ticks {
        [a, b, ..] => b - a,
        _ => 1.0,
    }
}

/// A tick label with as many decimals as the step needs; thousands become `k`, millions `M`:
/// `0`, `2.5`, `0.25`, `1.5k`, `2M`.
pub fn tick_label(v: f64, step: f64) -> String {
    let (v, step, suffix) = if step.abs() >= 1e6 {
        (v / 1e6, step / 1e6, "M")
    } else if step.abs() >= 1e3 {
        (v / 1e3, step / 1e3, "k")
    } else {
        (v, step, "")
    };
    let step = if step > 0.0 && step.is_finite() {
        step
    } else {
        1.0
    };
    let exp = step.log10().floor();
    let mantissa = step / 10f64.powf(exp);
    let extra = if (mantissa - 2.5).abs() < 1e-6 {
        1.0
    } else {
        0.0
    };
    let decimals = (-exp + extra).clamp(0.0, 10.0) as usize;
    // Zero is plain `0` whatever the step (not `0k`, `0.00` or `-0`).
    if v == 0.0 {
        return "0".into();
    }
    format!("{v:.decimals$}{suffix}")
}

/// How a time axis counts: seconds for short runs, minutes for long ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
}

impl TimeUnit {
    /// Runs longer than this many seconds get a minute axis (20 minutes: below that, second
    /// ticks stay readable numbers).
    pub const MINUTES_AFTER_S: f64 = 1200.0;

    /// The unit for an axis that spans `max_s` seconds.
    pub fn for_span(max_s: f64) -> Self {
        if max_s > Self::MINUTES_AFTER_S {
            TimeUnit::Minutes
        } else {
            TimeUnit::Seconds
        }
    }

    /// Seconds per unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
        }
    }

    /// Short name for axis labels: `s` or `min`.
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
        }
    }
}

/// Reduces a line to at most `max_points` points for drawing. Points are split into
/// `max_points / 2` equal buckets and each bucket keeps its lowest and highest point (in their
/// original order), so spikes and dips — and in particular the global minimum and maximum —
/// stay visible; a bucket with a gap (a non-finite value) also keeps one gap point, so it can
/// hold three. Lines that already fit are returned as they are; `max_points == 1` keeps the
/// highest point.
pub fn downsample(points: &[(f64, f64)], max_points: usize) -> Vec<(f64, f64)> {
    if points.len() <= max_points {
        return points.to_vec();
    }
    if max_points == 0 {
        return Vec::new();
    }
    if max_points == 1 {
        return points
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .into_iter()
            .collect();
    }
    let n = points.len();
    let buckets = max_points / 2;
    let mut out = Vec::with_capacity(buckets * 2);
    for b in 0..buckets {
        let start = b * n / buckets;
        let end = ((b + 1) * n / buckets).min(n);
        let bucket = &points[start..end];
        // Extremes among the values; a gap (a non-finite value: nothing to draw there) is kept
        // as a point of its own, or it would stand in for the bucket's highest value.
        let values = bucket.iter().enumerate().filter(|(_, p)| p.1.is_finite());
        let lo = values
            .clone()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i);
        let hi = values
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i);
        let gap = bucket.iter().position(|p| !p.1.is_finite());
        // Three in order, without a sort routine in the panel's wasm.
        let mut keep = [lo, hi, gap];
        for (x, y) in [(0, 1), (1, 2), (0, 1)] {
            if keep[x] > keep[y] {
                keep.swap(x, y);
            }
        }
        let mut last = None;
        for i in keep.into_iter().flatten() {
            if last != Some(i) {
                out.push(bucket[i]);
                last = Some(i);
            }
        }
    }
    out
}

/// Index of the point whose x is nearest to `x` in points sorted by x (ties go to the earlier
/// point); `None` for no points. Binary search: cheap enough for every mouse move.
pub fn nearest_index(points: &[(f64, f64)], x: f64) -> Option<usize> {
    if points.is_empty() {
        return None;
    }
    let after = points.partition_point(|p| p.0 < x);
    if after == 0 {
        return Some(0);
    }
    if after == points.len() {
        return Some(points.len() - 1);
    }
    let before = after - 1;
    Some(if x - points[before].0 <= points[after].0 - x {
        before
    } else {
        after
    })
}

/// Smallest and largest y of all points (`None` when there are none or none is finite).
pub fn y_extent<'a>(points: impl IntoIterator<Item = &'a (f64, f64)>) -> Option<(f64, f64)> {
    points
        .into_iter()
        .map(|p| p.1)
        .filter(|y| y.is_finite())
        .fold(None, |acc, y| match acc {
            None => Some((y, y)),
            Some((lo, hi)) => Some((lo.min(y), hi.max(y))),
        })
}

/// The intervals to draw rates from: the series, with a last interval shorter than half the
/// one before it merged into that one. A run's final tick often covers a few milliseconds: 1
/// request in 12 ms read as 81/s in a run that averaged 40/s, and leaving the tick out hid
/// what happened in it (requests cut off when the graceful stop ran out are all recorded
/// there). Merged, its requests count over the two intervals' time.
pub fn rate_spans(series: &[MetricsSnapshot]) -> RateSpans<'_> {
    match series {
        [head @ .., before, last] if too_short_for_a_rate(before.interval_ms, last.interval_ms) => {
            RateSpans {
                head,
                last: Some(std::borrow::Cow::Owned(merged(before, last))),
            }
        }
        [head @ .., last] => RateSpans {
            head,
            last: Some(std::borrow::Cow::Borrowed(last)),
        },
        [] => RateSpans {
            head: &[],
            last: None,
        },
    }
}

/// The intervals of [`rate_spans`].
#[derive(Debug)]
pub struct RateSpans<'a> {
    head: &'a [MetricsSnapshot],
    last: Option<std::borrow::Cow<'a, MetricsSnapshot>>,
}

impl RateSpans<'_> {
    /// The intervals, in order.
    pub fn iter(&self) -> impl Iterator<Item = &MetricsSnapshot> {
        self.head.iter().chain(self.last.as_deref())
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.head.len() + usize::from(self.last.is_some())
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }
}

/// `last` as one interval with the one `before` it: the counts that rate lines read (requests,
/// errors, errors by kind) added, the rate over their joint length. The rest stays `last`'s.
fn merged(before: &MetricsSnapshot, last: &MetricsSnapshot) -> MetricsSnapshot {
    let mut m = last.clone();
    m.interval_ms = before.interval_ms + last.interval_ms;
    let (a, i) = (&before.interval, &mut m.interval);
    i.requests += a.requests;
    i.errors += a.errors;
    for (k, n) in &a.errors_by_kind {
        *i.errors_by_kind.entry(*k).or_insert(0) += n;
    }
    i.rps = i.requests as f64 * 1000.0 / m.interval_ms.max(1) as f64;
    m
}

/// True when an interval of `ms` after one of `before_ms` is too short for its rate to mean
/// anything (see [`rate_spans`]).
pub fn too_short_for_a_rate(before_ms: u64, ms: u64) -> bool {
    ms.saturating_mul(2) < before_ms
}

/// True when a run's time series, ending `data_end_s` seconds into the run, goes on past the
/// end of its load at `load_end_s` (a graceful stop, while iterations in flight finish): by
/// more than the few milliseconds every run's last tick comes after its plan. Where the time
/// charts mark the load's end.
pub fn went_past_the_load(load_end_s: f64, data_end_s: f64) -> bool {
    load_end_s > 0.0 && data_end_s > load_end_s + 0.1
}

/// Where the "load ends" label goes for a mark at `x` in a plot whose left edge is at `left`
/// (both in drawing units): its x and `text-anchor`. Left of the mark, or right of it when the
/// mark is too near the axis for the label to fit.
pub fn load_end_label(x: f64, left: f64) -> (f64, &'static str) {
    if x - left < 56.0 {
        (x + 4.0, "start")
    } else {
        (x - 4.0, "end")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ErrorKind;

    /// Domain, range, a value and where it maps to.
    type ScaleCase = ((f64, f64), (f64, f64), f64, f64);

    #[test]
    fn scale_maps_and_inverts() {
        let cases: &[ScaleCase] = &[
            ((0.0, 10.0), (0.0, 100.0), 5.0, 50.0),
            ((0.0, 10.0), (40.0, 140.0), 0.0, 40.0),
            // A y axis: high values at the top (small coordinate).
            ((0.0, 200.0), (250.0, 50.0), 200.0, 50.0),
            ((0.0, 200.0), (250.0, 50.0), 50.0, 200.0),
            ((-5.0, 5.0), (0.0, 10.0), 0.0, 5.0),
            // Extrapolates.
            ((0.0, 10.0), (0.0, 100.0), 20.0, 200.0),
        ];
        for &(domain, range, v, want) in cases {
            let s = LinearScale::new(domain, range);
            assert!(
                (s.map(v) - want).abs() < 1e-9,
                "{s:?}.map({v}) = {}",
                s.map(v)
            );
            assert!((s.invert(want) - v).abs() < 1e-9, "{s:?}.invert({want})");
        }
        // Degenerate intervals do not divide by zero.
        let flat = LinearScale::new((3.0, 3.0), (0.0, 100.0));
        assert_eq!(flat.map(3.0), 50.0);
        assert_eq!(LinearScale::new((1.0, 2.0), (7.0, 7.0)).invert(7.0), 1.0);
    }

    #[test]
    fn nice_steps() {
        for (raw, want) in [
            (0.0, 1.0),
            (-3.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, 1.0),
            (1.2, 2.0),
            (2.2, 2.5),
            (3.0, 5.0),
            (7.0, 10.0),
            (0.03, 0.05),
            (180.0, 200.0),
        ] {
            assert!((nice_step(raw) - want).abs() < 1e-12, "nice_step({raw})");
        }
    }

    #[test]
    fn nice_ticks_table() {
        let cases: &[(f64, f64, usize, &[f64])] = &[
            (0.0, 100.0, 5, &[0.0, 25.0, 50.0, 75.0, 100.0]),
            (0.0, 87.0, 5, &[0.0, 25.0, 50.0, 75.0, 100.0]),
            (0.0, 1.0, 5, &[0.0, 0.25, 0.5, 0.75, 1.0]),
            (0.0, 0.0, 5, &[0.0, 0.25, 0.5, 0.75, 1.0]),
            (0.0, 60.0, 7, &[0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]),
            (0.0, 13.0, 5, &[0.0, 5.0, 10.0, 15.0]),
            (0.0, 1234.0, 5, &[0.0, 500.0, 1000.0, 1500.0]),
            (0.0, 0.3, 4, &[0.0, 0.1, 0.2, 0.3]),
            (-3.0, 7.0, 5, &[-5.0, -2.5, 0.0, 2.5, 5.0, 7.5]),
            (12.0, 18.0, 4, &[12.0, 14.0, 16.0, 18.0]),
            (100.0, 0.0, 5, &[0.0, 25.0, 50.0, 75.0, 100.0]),
            (0.0, 3.0, 1, &[0.0, 5.0]),
            (0.0, 3600.0, 6, &[0.0, 1000.0, 2000.0, 3000.0, 4000.0]),
        ];
        for (min, max, count, want) in cases {
            let got = nice_ticks(*min, *max, *count);
            assert_eq!(
                got.len(),
                want.len(),
                "nice_ticks({min}, {max}, {count}) = {got:?}"
            );
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    (g - w).abs() < 1e-9,
                    "nice_ticks({min}, {max}, {count}) = {got:?}"
                );
            }
            assert!(got.len() <= (*count).max(2) + 1, "too many ticks: {got:?}");
        }
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(0.0, f64::INFINITY, 5), vec![0.0, 1.0]);
        // Constant non-zero data gets a small range around it.
        let t = nice_ticks(5.0, 5.0, 5);
        assert!(
            t[0] <= 5.0 && t.last().is_some_and(|l| *l >= 5.0) && t.len() >= 2,
            "{t:?}"
        );
        assert_eq!(tick_step(&t), t[1] - t[0]);
        assert_eq!(tick_step(&[3.0]), 1.0);
    }

    #[test]
    fn tick_labels() {
        for (v, step, want) in [
            (0.0, 25.0, "0"),
            (75.0, 25.0, "75"),
            (0.25, 0.25, "0.25"),
            (0.5, 0.5, "0.5"),
            (2.5, 2.5, "2.5"),
            (1500.0, 500.0, "1500"),
            (7500.0, 2500.0, "7.5k"),
            (2000.0, 1000.0, "2k"),
            (2_500_000.0, 2_500_000.0, "2.5M"),
            (-0.0, 1.0, "0"),
            (0.0, 1000.0, "0"),
            (0.0, 0.25, "0"),
            (3.0, 0.0, "3"),
        ] {
            assert_eq!(tick_label(v, step), want, "tick_label({v}, {step})");
        }
    }

    #[test]
    fn time_unit_switches_to_minutes_for_long_runs() {
        assert_eq!(TimeUnit::for_span(0.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(1200.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(1201.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(3600.0).seconds(), 60.0);
        assert_eq!(TimeUnit::Minutes.symbol(), "min");
        assert_eq!(TimeUnit::Seconds.symbol(), "s");
    }

    fn wave(n: usize) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| {
                let x = i as f64;
                (
                    x,
                    100.0 + 10.0 * (x / 50.0).sin() + ((i * 7919) % 13) as f64,
                )
            })
            .collect()
    }

    #[test]
    fn downsample_keeps_gaps_apart_from_the_extremes() {
        // A spike next to an idle stretch: the spike stays, and so does a gap.
        let mut points: Vec<(f64, f64)> = (0..1000).map(|i| (f64::from(i), 1.0)).collect();
        points[500].1 = 90.0;
        for p in &mut points[502..510] {
            p.1 = f64::NAN;
        }
        let d = downsample(&points, 100);
        assert!(d.iter().any(|p| p.1 == 90.0), "the spike is kept");
        assert!(d.iter().any(|p| p.1.is_nan()), "a gap is kept");
        assert!(
            d.windows(2).all(|w| w[0].0 < w[1].0),
            "in order, no repeats"
        );
        assert!(d.len() <= 100 + 100 / 2, "{}", d.len());
        // No gap in the line: no gap point.
        points[502..510].iter_mut().for_each(|p| p.1 = 1.0);
        assert!(downsample(&points, 100).iter().all(|p| p.1.is_finite()));
    }

    #[test]
    fn downsample_keeps_extremes_and_the_budget() {
        let mut points = wave(10_000);
        points[4_321].1 = 5_000.0;
        points[8_765].1 = -300.0;
        for max in [1000, 999, 100, 2, 3] {
            let d = downsample(&points, max);
            assert!(d.len() <= max, "{} > {max}", d.len());
            assert!(d.contains(&points[4_321]), "max lost at budget {max}");
            assert!(d.contains(&points[8_765]), "min lost at budget {max}");
            assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "order kept");
        }
        assert_eq!(downsample(&points, 1000).len(), 1000);
        assert_eq!(downsample(&points, 1), vec![points[4_321]]);
        assert!(downsample(&points, 0).is_empty());
        let short = &points[..50];
        assert_eq!(downsample(short, 1000), short.to_vec());
        assert!(downsample(&[], 10).is_empty());
    }

    #[test]
    fn an_hour_at_one_second_fits_a_chart_and_keeps_its_spike() {
        let mut points = wave(3600);
        points[1234].1 = 10_000.0;
        for budget in [600, 650, 1000] {
            let d = downsample(&points, budget);
            assert!(
                d.len() <= budget && d.len() >= budget / 2,
                "{} for {budget}",
                d.len()
            );
            assert!(d.contains(&points[1234]));
            // The line still spans the whole hour.
            assert_eq!(d.first().map(|p| p.0), Some(0.0));
            assert!(d.last().is_some_and(|p| p.0 > 3590.0));
        }
    }

    #[test]
    fn nearest_point() {
        let pts = [(1.0, 10.0), (2.0, 20.0), (4.0, 40.0)];
        for (x, want) in [
            (-5.0, Some(0)),
            (1.0, Some(0)),
            (1.4, Some(0)),
            (1.5, Some(0)),
            (1.6, Some(1)),
            (3.0, Some(1)),
            (3.1, Some(2)),
            (99.0, Some(2)),
        ] {
            assert_eq!(nearest_index(&pts, x), want, "x = {x}");
        }
        assert_eq!(nearest_index(&[], 1.0), None);
    }

    #[test]
    fn extents() {
        assert_eq!(y_extent(&[]), None);
        assert_eq!(
            y_extent(&[(0.0, 3.0), (1.0, -1.0), (2.0, f64::NAN), (3.0, 7.0)]),
            Some((-1.0, 7.0))
        );
    }

    #[test]
    fn rate_spans_merge_a_last_interval_under_half_the_one_before() {
        let snap = |interval_ms: u64| crate::metrics::MetricsSnapshot {
            interval_ms,
            ..crate::samples::snapshot(0)
        };
        let cases: &[(&[u64], &[u64])] = &[
            (&[], &[]),
            (&[12], &[12]),
            (&[1000, 1000, 12], &[1000, 1012]),
            (&[1000, 1000, 499], &[1000, 1499]),
            (&[1000, 1000, 500], &[1000, 1000, 500]),
            (&[1000, 12, 1000], &[1000, 12, 1000]),
        ];
        for (intervals, spans) in cases {
            let series: Vec<_> = intervals.iter().map(|&ms| snap(ms)).collect();
            let got = rate_spans(&series);
            let lengths: Vec<u64> = got.iter().map(|s| s.interval_ms).collect();
            assert_eq!(lengths, *spans, "{intervals:?}");
            assert_eq!(got.len(), spans.len());
            assert_eq!(got.is_empty(), spans.is_empty());
        }

        // Merged: the counts add up and the rate is over the joint length, so the requests
        // of the short interval are drawn, not lost nor spiked.
        let mut before = snap(1000);
        before.elapsed_ms = 5000;
        before.interval.requests = 40;
        before.interval.errors = 0;
        before.interval.errors_by_kind.clear();
        let mut last = snap(12);
        last.elapsed_ms = 5012;
        last.interval.requests = 3;
        last.interval.errors = 3;
        last.interval.errors_by_kind.clear();
        last.interval
            .errors_by_kind
            .insert(ErrorKind::Interrupted, 3);
        let series = [before, last];
        let spans = rate_spans(&series);
        let m = spans.iter().last().expect("one interval");
        assert_eq!(spans.len(), 1);
        assert_eq!((m.elapsed_ms, m.interval_ms), (5012, 1012));
        assert_eq!((m.interval.requests, m.interval.errors), (43, 3));
        assert_eq!(
            m.interval.errors_by_kind.get(&ErrorKind::Interrupted),
            Some(&3)
        );
        assert!(
            (m.interval.rps - 43.0 / 1.012).abs() < 1e-9,
            "{}",
            m.interval.rps
        );
    }
}
