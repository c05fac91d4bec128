//! Pure load-plan math: what a [`LoadProfile`] asks for at any time. The engine drives its
//! schedulers from these functions and the panel draws its preview curves from them, so both
//! agree by construction. Nothing here sleeps or reads a clock.

use std::time::Duration;

use crate::scenario::{LoadProfile, Stage};

/// The shape of a profile over time, normalised: every profile is either a user-count curve
/// (closed model) or an arrival-rate curve (open model).
#[derive(Debug, Clone, PartialEq)]
pub enum LoadPlan {
    /// Closed model: users as a piecewise-linear curve.
    Users(Curve),
    /// Open model: starts per second as a piecewise-linear curve, with a pool cap.
    Rate {
        /// Starts per second over time.
        curve: Curve,
        /// Pool cap (max journeys in flight).
        max_users: u32,
    },
    /// Open model with Poisson arrivals around a (possibly drifting) mean.
    Poisson {
        /// The mean rate, per second of the run (one value per whole second).
        means: Vec<f64>,
        /// Total duration.
        duration: Duration,
        /// Pool cap.
        max_users: u32,
        /// Seed for the arrival times.
        seed: u64,
    },
}

/// A piecewise-linear function of time: value `v0` at `t0`, moving linearly to `v1` at `t1`.
/// Segments are contiguous and start at 0; the curve ends (is 0) after the last one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    /// `(t0, t1, v0, v1)` in seconds and the curve's unit.
    pub segments: Vec<(f64, f64, f64, f64)>,
}

impl Curve {
    fn push(&mut self, length: f64, v0: f64, v1: f64) {
        let t0 = self.end();
        if length > 0.0 {
            self.segments.push((t0, t0 + length, v0, v1));
        }
    }

    /// Where the curve ends, seconds.
    pub fn end(&self) -> f64 {
        self.segments.last().map_or(0.0, |s| s.1)
    }

    /// The area under the curve between `a` and `b` seconds (0 outside it).
    pub fn area(&self, a: f64, b: f64) -> f64 {
        self.segments
            .iter()
            .map(|&(t0, t1, v0, v1)| {
                let (s0, s1) = (a.max(t0), b.min(t1));
                if s1 <= s0 {
                    return 0.0;
                }
                let v = |t: f64| v0 + (v1 - v0) * (t - t0) / (t1 - t0);
                (s1 - s0) * (v(s0) + v(s1)) / 2.0
            })
            .sum()
    }

    /// The highest value on `[a, b]` seconds: at `a` alone when `b <= a`; 0 outside the curve.
    pub fn max_over(&self, a: f64, b: f64) -> f64 {
        self.max_over_by(a, b, |v, _| v)
    }

    /// The highest of `f(value, falling)` on `[a, b]` seconds, for an `f` that never decreases
    /// in the value (so on each linear part the highest is at one of its ends).
    fn max_over_by(&self, a: f64, b: f64, f: impl Fn(f64, bool) -> f64) -> f64 {
        if b <= a {
            return self.value_by(a, &f);
        }
        // Segments are in time order: skip those that end by `a`, stop at the first after `b`.
        let first = self.segments.partition_point(|s| s.1 <= a);
        self.segments
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|s| s.0 < b)
            .map(|&(t0, t1, v0, v1)| {
                let v = |t: f64| f(v0 + (v1 - v0) * (t - t0) / (t1 - t0), v1 < v0);
                v(a.max(t0)).max(v(b.min(t1)))
            })
            .fold(0.0, f64::max)
    }

    /// `f(value, falling)` at `t` seconds (0 outside the curve).
    fn value_by(&self, t: f64, f: impl Fn(f64, bool) -> f64) -> f64 {
        for &(t0, t1, v0, v1) in &self.segments {
            if t >= t0 && t < t1 {
                return f(v0 + (v1 - v0) * (t - t0) / (t1 - t0), v1 < v0);
            }
        }
        0.0
    }

    /// The value at `t` seconds (0 outside the curve).
    pub fn at(&self, t: f64) -> f64 {
        self.value_by(t, |v, _| v)
    }
}

impl LoadPlan {
    /// Builds the plan for a profile. `seed` is used by random profiles without their own seed.
    pub fn new(profile: &LoadProfile, seed: u64) -> Self {
        let secs = |d: crate::units::HumanDuration| d.get().as_secs_f64();
        let staged = |start: f64, stages: &[Stage]| {
            let mut curve = Curve::default();
            let mut from = start;
            for s in stages {
                curve.push(secs(s.duration), from, s.target);
                from = s.target;
            }
            curve
        };
        match profile {
            LoadProfile::ConstantUsers { users, duration } => {
                let mut c = Curve::default();
                c.push(secs(*duration), f64::from(*users), f64::from(*users));
                LoadPlan::Users(c)
            }
            LoadProfile::RampingUsers {
                start_users,
                stages,
            } => LoadPlan::Users(staged(f64::from(*start_users), stages)),
            LoadProfile::ConstantRate {
                rate,
                duration,
                max_users,
            } => {
                let mut c = Curve::default();
                c.push(secs(*duration), *rate, *rate);
                LoadPlan::Rate {
                    curve: c,
                    max_users: *max_users,
                }
            }
            LoadProfile::RampingRate {
                start_rate,
                stages,
                max_users,
            } => LoadPlan::Rate {
                curve: staged(*start_rate, stages),
                max_users: *max_users,
            },
            LoadProfile::Spike {
                base_rate,
                spike_rate,
                spike_duration,
                period,
                duration,
                max_users,
            } => {
                // The spike is the last `spike_duration` of every period, so a run starts at
                // the base rate and the first spike comes after one calm stretch.
                let (total, period, spike) =
                    (secs(*duration), secs(*period), secs(*spike_duration));
                let mut c = Curve::default();
                let mut t = 0.0;
                while t < total {
                    let calm_end = (t + period - spike).min(total);
                    c.push(calm_end - t, *base_rate, *base_rate);
                    let spike_end = (t + period).min(total);
                    c.push(spike_end - calm_end, *spike_rate, *spike_rate);
                    t += period;
                }
                LoadPlan::Rate {
                    curve: c,
                    max_users: *max_users,
                }
            }
            LoadProfile::Random {
                mean_rate,
                duration,
                max_users,
                walk,
                min_rate,
                max_rate,
                seed: own,
            } => {
                let seed = own.unwrap_or(seed);
                let total = duration.get();
                let (lo, hi) = (
                    min_rate.unwrap_or(mean_rate * 0.5),
                    max_rate.unwrap_or(mean_rate * 2.0),
                );
                let mut rng = SplitMix64(seed ^ 0x005E_ED0F_4A11);
                let mut mean = *mean_rate;
                let whole_seconds = total.as_secs_f64().ceil() as usize;
                let mut means = Vec::with_capacity(whole_seconds);
                for _ in 0..whole_seconds {
                    means.push(mean);
                    if *walk > 0.0 {
                        let step = (rng.next_f64() * 2.0 - 1.0) * walk * mean_rate;
                        // Not `clamp`, which panics when the bounds cross: validation keeps
                        // them in order for a run, but the panel's preview draws profiles
                        // still being typed (a max rate of "1" on the way to "150").
                        mean = (mean + step).max(lo).min(hi);
                    }
                }
                LoadPlan::Poisson {
                    means,
                    duration: total,
                    max_users: *max_users,
                    seed,
                }
            }
        }
    }

    /// How long the load lasts (the graceful stop comes after).
    pub fn duration(&self) -> Duration {
        match self {
            LoadPlan::Users(c) | LoadPlan::Rate { curve: c, .. } => {
                Duration::from_secs_f64(c.end())
            }
            LoadPlan::Poisson { duration, .. } => *duration,
        }
    }

    /// True for open-model plans.
    pub fn is_open(&self) -> bool {
        !matches!(self, LoadPlan::Users(_))
    }

    /// Users the plan calls for at `t` (closed model; 0 for open plans).
    pub fn users_at(&self, t: Duration) -> u32 {
        match self {
            LoadPlan::Users(c) => c.value_by(t.as_secs_f64(), whole_users) as u32,
            _ => 0,
        }
    }

    /// Starts per second the plan calls for at `t` (open model; 0 for closed plans).
    pub fn rate_at(&self, t: Duration) -> f64 {
        match self {
            LoadPlan::Users(_) => 0.0,
            LoadPlan::Rate { curve, .. } => curve.at(t.as_secs_f64()),
            LoadPlan::Poisson {
                means, duration, ..
            } => {
                if t >= *duration {
                    0.0
                } else {
                    means.get(t.as_secs() as usize).copied().unwrap_or(0.0)
                }
            }
        }
    }

    /// The mean arrival rate the plan calls for between `from` and `to` (open model; 0 for
    /// closed plans): the starts planned in that span divided by its length. This is what an
    /// interval's achieved rate compares with; the rate at the interval's end is not (an
    /// interval that ends just as a spike begins would show the spike's rate next to the base
    /// traffic it carried). An empty span gives the rate at `to`.
    pub fn mean_rate(&self, from: Duration, to: Duration) -> f64 {
        let (a, b) = (from.as_secs_f64(), to.as_secs_f64());
        if b <= a {
            return self.rate_at(to);
        }
        let area = match self {
            LoadPlan::Users(_) => 0.0,
            LoadPlan::Rate { curve, .. } => curve.area(a, b),
            LoadPlan::Poisson {
                means, duration, ..
            } => {
                let end = b.min(duration.as_secs_f64());
                means
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let (s0, s1) = (a.max(i as f64), end.min(i as f64 + 1.0));
                        if s1 > s0 { m * (s1 - s0) } else { 0.0 }
                    })
                    .sum()
            }
        };
        area / (b - a)
    }

    /// The pool cap of an open plan (users for a closed plan: its peak).
    pub fn max_users(&self) -> u32 {
        match self {
            LoadPlan::Users(c) => c
                .segments
                .iter()
                .map(|s| s.2.max(s.3))
                .fold(0.0, f64::max)
                .floor() as u32,
            LoadPlan::Rate { max_users, .. } | LoadPlan::Poisson { max_users, .. } => *max_users,
        }
    }

    /// Times at which the closed-model user count changes, with the new count; the first entry
    /// is at 0. Lazily computed: a ramp to a million users does not allocate a million entries.
    pub fn user_changes(&self) -> UserChanges<'_> {
        let segments = match self {
            LoadPlan::Users(c) => c.segments.as_slice(),
            _ => &[],
        };
        UserChanges {
            segments,
            seg: 0,
            at_segment_start: true,
            level: 0,
            current: -1,
            done: false,
        }
    }

    /// Scheduled start offsets of every iteration in an open plan, in order.
    pub fn arrivals(&self) -> Arrivals<'_> {
        match self {
            LoadPlan::Users(_) => Arrivals::None,
            LoadPlan::Rate { curve, .. } => Arrivals::Curve {
                segments: &curve.segments,
                seg: 0,
                base: 0.0,
                i: 0,
            },
            LoadPlan::Poisson {
                means,
                duration,
                seed,
                ..
            } => Arrivals::Poisson {
                means,
                end: duration.as_secs_f64(),
                t: 0.0,
                rng: SplitMix64(*seed),
            },
        }
    }

    /// The plan's curve (users or rate) as `points` `(seconds, value)` pairs for a preview
    /// (at least 2), time ascending: the first at 0, each next one at the end of an equal span
    /// with the highest value in that span. So a short spike or stage shows whatever the run's
    /// length (even samples could fall on either side of it), and the highest point is the
    /// plan's peak. Closed-model values are whole users, as the engine runs them.
    pub fn preview(&self, points: usize) -> Vec<(f64, f64)> {
        let n = points.max(2);
        let end = self.duration().as_secs_f64();
        let max_over = |a: f64, b: f64| match self {
            LoadPlan::Users(c) => c.max_over_by(a, b, whole_users),
            LoadPlan::Rate { curve, .. } => curve.max_over(a, b),
            // One mean per second, held through it.
            LoadPlan::Poisson { means, .. } => {
                let first = a.floor() as usize;
                let last = (b.ceil() as usize).max(first + 1).min(means.len());
                means
                    .get(first..last)
                    .map_or(0.0, |m| m.iter().copied().fold(0.0, f64::max))
            }
        };
        let at = |i: usize| end * i as f64 / (n - 1) as f64;
        std::iter::once((0.0, max_over(0.0, 0.0)))
            .chain((1..n).map(|i| (at(i), max_over(at(i - 1), at(i)))))
            .collect()
    }
}

/// The users a curve's value runs: the last whole number the value reached, as k6's ramping-vus
/// executor counts. So the value rounded down while it rises (a ramp from 0 to 10 over 10 s adds
/// a user each second from t = 1 s) and rounded up while it falls (one from 10 to 0 over 10 s
/// drops a user each second from t = 1 s and reaches 0 at its end), and a ramp that turns
/// straight down runs its peak. A hair of tolerance keeps 2.9999999 users from float error at 3.
fn whole_users(v: f64, falling: bool) -> f64 {
    if falling {
        (v - 1e-9).ceil().max(0.0)
    } else {
        (v + 1e-9).floor()
    }
}

/// Iterator over `(time, users)` changes of a closed plan: the count at time t is
/// `whole_users` of the curve's value (see there).
#[derive(Debug)]
pub struct UserChanges<'a> {
    segments: &'a [(f64, f64, f64, f64)],
    seg: usize,
    at_segment_start: bool,
    level: i64,
    current: i64,
    done: bool,
}

impl Iterator for UserChanges<'_> {
    type Item = (Duration, u32);

    fn next(&mut self) -> Option<(Duration, u32)> {
        loop {
            let Some(&(t0, t1, v0, v1)) = self.segments.get(self.seg) else {
                if self.done {
                    return None;
                }
                self.done = true;
                // The load ends: everyone stops at the end of the last segment.
                let end = self.segments.last()?.1;
                return (self.current > 0).then(|| (Duration::from_secs_f64(end), 0));
            };
            let at = |t: f64| Duration::from_secs_f64(t);
            if self.at_segment_start {
                self.at_segment_start = false;
                self.level = whole_users(v0, v1 < v0) as i64;
                if self.level != self.current {
                    self.current = self.level;
                    return Some((at(t0), self.level as u32));
                }
            }
            let dt = t1 - t0;
            if v1 > v0 {
                let k = self.level + 1;
                let t = t0 + (k as f64 - v0) / (v1 - v0) * dt;
                if k as f64 <= v1 + 1e-9 && t < t1 {
                    self.level = k;
                    self.current = k;
                    return Some((at(t), k as u32));
                }
            } else if v1 < v0 {
                // One fewer each time the value reaches the next whole number down.
                let k = self.level - 1;
                let t = t0 + (v0 - k as f64) / (v0 - v1) * dt;
                if k >= 0 && k as f64 >= v1 - 1e-9 && t < t1 {
                    self.level = k;
                    self.current = k;
                    return Some((at(t), k as u32));
                }
            }
            self.seg += 1;
            self.at_segment_start = true;
        }
    }
}

/// Iterator over scheduled start offsets of an open plan.
#[derive(Debug)]
pub enum Arrivals<'a> {
    /// Closed plans have no arrival schedule.
    None,
    /// Deterministic arrivals: the i-th start is when the integral of the rate reaches i.
    Curve {
        /// Rate segments.
        segments: &'a [(f64, f64, f64, f64)],
        /// Current segment.
        seg: usize,
        /// Arrivals due before the current segment (the integral at its start).
        base: f64,
        /// Index of the next arrival.
        i: u64,
    },
    /// Poisson arrivals.
    Poisson {
        /// Mean rate per whole second.
        means: &'a [f64],
        /// End of the run, seconds.
        end: f64,
        /// Time of the last arrival.
        t: f64,
        /// Random source.
        rng: SplitMix64,
    },
}

impl Iterator for Arrivals<'_> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        match self {
            Arrivals::None => None,
            Arrivals::Curve {
                segments,
                seg,
                base,
                i,
            } => loop {
                let &(t0, t1, r0, r1) = segments.get(*seg)?;
                let len = t1 - t0;
                let area = (r0 + r1) / 2.0 * len;
                let need = *i as f64 - *base;
                // Within this segment? (a tiny epsilon keeps the boundary arrival in the
                // segment where the integral reaches it exactly)
                if need < area - 1e-9 {
                    let k = (r1 - r0) / len;
                    let disc = (r0 * r0 + 2.0 * k * need).max(0.0);
                    let denom = r0 + disc.sqrt();
                    let tau = if denom > 0.0 { 2.0 * need / denom } else { 0.0 };
                    *i += 1;
                    return Some(Duration::from_secs_f64((t0 + tau).min(t1)));
                }
                *base += area;
                *seg += 1;
            },
            Arrivals::Poisson { means, end, t, rng } => loop {
                let second = *t as usize;
                let rate = *means.get(second)?;
                // Exponential gap at the current second's rate; if it crosses into the next
                // second, restart from that second's boundary (memorylessness makes this exact).
                let gap = if rate > 0.0 {
                    -(1.0 - rng.next_f64()).ln() / rate
                } else {
                    f64::INFINITY
                };
                let next = *t + gap;
                let boundary = (second + 1) as f64;
                if next < boundary {
                    if next >= *end {
                        return None;
                    }
                    *t = next;
                    return Some(Duration::from_secs_f64(next));
                }
                *t = boundary;
                if *t >= *end {
                    return None;
                }
            },
        }
    }
}

/// A small, fast, seedable generator (SplitMix64), so plans are reproducible everywhere,
/// including in the browser, without an RNG dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n` (0 when `n` is 0), for picking among `n` things; the modulo bias is
    /// negligible for the small `n` it is meant for (tests' seeded mutations).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests;
