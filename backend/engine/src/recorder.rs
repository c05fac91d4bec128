//! Recording of request outcomes: O(1) and allocation-free per request after warm-up.
//!
//! Workers record into one of a few shards (one per worker thread, so locks are uncontended
//! but for the aggregator's drain once per interval). Nothing per request is
//! kept: only HdrHistograms and counters, so memory is bounded however long the run.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use hdrhistogram::Histogram;
use shared::metrics::ErrorKind;
use shared::scenario::RequestId;

/// Highest latency a histogram tracks exactly, µs (one hour); longer values are clamped.
const MAX_TRACKABLE_US: u64 = 3_600_000_000;

/// A latency histogram: 3 significant digits from 1 µs, growing on demand up to
/// [`MAX_TRACKABLE_US`] (see [`record_latency`]).
///
/// It starts with the smallest counts array (2048 buckets, 16 KiB: values up to 2 ms) and grows
/// by 1024 buckets (8 KiB) each time the largest value recorded doubles, instead of holding the
/// whole hour's 23,552 buckets (184 KiB) from the start: a run's workers hold one pair per
/// request name each, and most runs never see a latency near an hour. Growing only appends
/// buckets past the old end (a bucket's index does not depend on the array's length), and
/// adding histograms of different lengths adds bucket by bucket, so every count, percentile,
/// mean, minimum and maximum reads exactly as from a histogram sized for the hour up front.
pub(crate) fn new_histogram() -> Histogram<u64> {
    // A constant precision known to be valid, so this cannot fail.
    let mut h = Histogram::new_with_bounds(1, 2, 3)
        .unwrap_or_else(|_| unreachable!("static histogram bounds"));
    h.auto(true);
    h
}

/// Records `us` in a histogram from [`new_histogram`], clamped to 1 µs–1 hour. The clamp is
/// done here: a growing histogram's own `saturating_record` clamps to its current top instead.
fn record_latency(h: &mut Histogram<u64>, us: u64) {
    let us = us.clamp(1, MAX_TRACKABLE_US);
    if h.record(us).is_err() {
        // Growing to an hour cannot overflow a `usize`; should it fail, count it at the top.
        h.saturating_record(us);
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub(crate) request: RequestId,
    /// From the scheduled start to the last byte.
    pub(crate) latency: Duration,
    /// From the actual send to the last byte.
    pub(crate) service: Duration,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<ErrorKind>,
    /// Request bytes written to a connection (0 when none was made); see
    /// `shared::metrics::RequestStats::bytes_sent` for the rule.
    pub(crate) bytes_sent: u64,
    /// Bytes read from the connection, head and framing included.
    pub(crate) bytes_received: u64,
    /// Sent once more on a new connection (see `shared::metrics::RequestStats::resent`).
    pub(crate) resent: bool,
}

/// Counters and histograms for one request name over some span.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub(crate) latency: Histogram<u64>,
    pub(crate) service: Histogram<u64>,
    pub(crate) requests: u64,
    pub(crate) errors: [u64; ErrorKind::ALL.len()],
    pub(crate) status: BTreeMap<u16, u64>,
    pub(crate) bytes_sent: u64,
    pub(crate) bytes_received: u64,
    pub(crate) resent: u64,
}

impl Tally {
    pub(crate) fn new() -> Self {
        Self {
            latency: new_histogram(),
            service: new_histogram(),
            requests: 0,
            errors: [0; ErrorKind::ALL.len()],
            status: BTreeMap::new(),
            bytes_sent: 0,
            bytes_received: 0,
            resent: 0,
        }
    }

    fn record(&mut self, o: &Outcome) {
        let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        record_latency(&mut self.latency, us(o.latency));
        record_latency(&mut self.service, us(o.service));
        self.requests += 1;
        if let Some(kind) = o.error {
            self.errors[kind.index()] += 1;
        }
        if let Some(code) = o.status {
            *self.status.entry(code).or_insert(0) += 1;
        }
        self.bytes_sent += o.bytes_sent;
        self.bytes_received += o.bytes_received;
        self.resent += u64::from(o.resent);
    }

    /// Adds `other` into `self`.
    pub(crate) fn merge(&mut self, other: &Tally) {
        // Both histograms grow on demand, to at most an hour, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        let _ = self.service.add(&other.service);
        self.requests += other.requests;
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        for (code, n) in &other.status {
            *self.status.entry(*code).or_insert(0) += n;
        }
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.resent += other.resent;
    }

    /// Empties the tally, keeping its memory.
    pub(crate) fn reset(&mut self) {
        self.latency.reset();
        self.service.reset();
        self.requests = 0;
        self.errors = [0; ErrorKind::ALL.len()];
        // Keep the keys (no reallocation next interval), zero the counts.
        self.status.values_mut().for_each(|n| *n = 0);
        self.bytes_sent = 0;
        self.bytes_received = 0;
        self.resent = 0;
    }

    pub(crate) fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }
}

/// One shard: per-request tallies (created on first use) and check counters.
#[derive(Debug)]
pub(crate) struct Shard {
    pub(crate) tallies: Vec<Option<Tally>>,
    /// `(passed, failed)` per check index.
    pub(crate) checks: Vec<(u64, u64)>,
}

/// The sharded recorder shared by all workers of a run.
#[derive(Debug)]
pub(crate) struct Recorder {
    shards: Box<[Mutex<Shard>]>,
}

static NEXT_THREAD_SLOT: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static THREAD_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// This thread's slot: set by a run's worker thread to its index, otherwise handed out in
/// order of first use. Shards and per-worker counters are picked by it (modulo their count).
pub(crate) fn thread_slot() -> usize {
    THREAD_SLOT.with(|slot| {
        if slot.get() == usize::MAX {
            slot.set(NEXT_THREAD_SLOT.fetch_add(1, Ordering::Relaxed));
        }
        slot.get()
    })
}

/// Gives this thread a fixed slot (a worker thread: its index in the run).
pub(crate) fn set_thread_slot(index: usize) {
    THREAD_SLOT.with(|slot| slot.set(index));
}

/// How many slots (shards, counter lines) a recorder has: enough for each of `workers` worker
/// threads to have its own, and a few for other threads.
pub(crate) fn slot_count(workers: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    (cores * 2).max(workers)
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // A panic while holding the lock cannot leave a tally half-updated in a way that matters
    // more than losing the whole run, so recover the data rather than propagate the poison.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Recorder {
    /// A recorder for `requests` request names and `checks` checks, written by `workers`
    /// worker threads.
    pub(crate) fn new(requests: usize, checks: usize, workers: usize) -> Self {
        let shards = (0..slot_count(workers))
            .map(|_| {
                Mutex::new(Shard {
                    tallies: (0..requests).map(|_| None).collect(),
                    checks: vec![(0, 0); checks],
                })
            })
            .collect();
        Self { shards }
    }

    /// Number of shards.
    pub(crate) fn slots(&self) -> usize {
        self.shards.len()
    }

    fn shard(&self) -> MutexGuard<'_, Shard> {
        lock(&self.shards[thread_slot() % self.shards.len()])
    }

    /// Records one request and the results of its checks (`(check index, passed)`).
    pub(crate) fn record(&self, outcome: &Outcome, checks: &[(usize, bool)]) {
        let mut shard = self.shard();
        if let Some(slot) = shard.tallies.get_mut(outcome.request.0) {
            slot.get_or_insert_with(Tally::new).record(outcome);
        }
        for &(i, passed) in checks {
            if let Some(c) = shard.checks.get_mut(i) {
                if passed {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                }
            }
        }
    }

    /// Moves everything recorded since the last drain into `into` (per request) and `checks`.
    pub(crate) fn drain(&self, into: &mut [Tally], checks: &mut [(u64, u64)]) {
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let shard = &mut *shard;
            for (i, slot) in shard.tallies.iter_mut().enumerate() {
                if let (Some(t), Some(dst)) = (slot.as_mut(), into.get_mut(i))
                    && t.requests > 0
                {
                    dst.merge(t);
                    t.reset();
                }
            }
            for (dst, src) in checks.iter_mut().zip(shard.checks.iter_mut()) {
                dst.0 += src.0;
                dst.1 += src.1;
                *src = (0, 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(request: usize, ms: u64, error: Option<ErrorKind>) -> Outcome {
        Outcome {
            request: RequestId(request),
            latency: Duration::from_millis(ms),
            service: Duration::from_millis(ms / 2),
            status: Some(if error.is_some() { 500 } else { 200 }),
            error,
            bytes_sent: 10,
            bytes_received: 100,
            resent: request == 1,
        }
    }

    /// The histograms' range and precision, as README states them: nothing is dropped; a
    /// latency past the highest trackable value (1 hour) counts as 1 hour, one under 1 µs as
    /// 1 µs, and a reading is the upper end of its bucket (3 significant digits).
    #[test]
    fn latencies_out_of_range_are_counted_at_its_ends() {
        let mut t = Tally::new();
        for latency in [
            Duration::ZERO,
            Duration::from_nanos(400),
            Duration::from_millis(10),
            Duration::from_secs(2 * 3600),
        ] {
            t.record(&Outcome {
                latency,
                service: latency,
                ..outcome(0, 0, None)
            });
        }
        assert_eq!((t.requests, t.latency.len(), t.service.len()), (4, 4, 4));
        assert_eq!(t.latency.min(), 1, "under 1 µs counts as 1 µs");
        assert_eq!(
            t.latency.value_at_quantile(0.75),
            10_007,
            "10 ms reads 10.007 ms"
        );
        let hour = t.latency.max();
        assert!(
            (MAX_TRACKABLE_US..MAX_TRACKABLE_US + MAX_TRACKABLE_US / 1000).contains(&hour),
            "two hours count as one: {hour} µs"
        );
    }

    /// Bytes held by a tally's histogram counts.
    fn histogram_bytes(t: &Tally) -> usize {
        (t.latency.distinct_values() + t.service.distinct_values()) * size_of::<u64>()
    }

    /// What README promises of a latency over an hour, to the microsecond: it counts as one
    /// hour, whatever the histogram's size (a histogram sized for the hour up front held
    /// buckets up to 2³² µs, 71.6 minutes, so a 65-minute latency read 65 minutes).
    #[test]
    fn a_latency_over_an_hour_counts_as_an_hour() {
        let mut t = Tally::new();
        let minutes = |m: u64| Duration::from_secs(60 * m);
        t.record(&Outcome {
            latency: minutes(65),
            service: minutes(61),
            ..outcome(0, 0, None)
        });
        let hour = Histogram::<u64>::new_with_bounds(1, MAX_TRACKABLE_US, 3)
            .expect("valid")
            .highest_equivalent(MAX_TRACKABLE_US);
        assert_eq!((t.latency.max(), t.service.max()), (hour, hour));
    }

    /// Histograms grow with the latencies they see instead of holding the hour's 23,552
    /// buckets from the start (184 KiB each, 368 KiB a tally: with 32 workers and 100 request
    /// names, 1.2 GB of worker shards), and growing changes no figure: every reading from a
    /// grown histogram, and from sums of histograms of different sizes, is the one a
    /// histogram sized for the hour up front gives.
    #[test]
    fn histograms_grow_on_demand_and_read_as_if_sized_for_the_hour() {
        let mut t = Tally::new();
        assert_eq!(
            histogram_bytes(&t),
            2 * 16 * 1024,
            "2048 buckets each to start"
        );
        for ms in [1, 3, 10, 7] {
            t.record(&outcome(0, ms, None));
        }
        // Up to 16 ms: 4 bucket ranges of 1024 beyond the first 1024, 40 KiB.
        assert_eq!(t.latency.distinct_values(), 5 * 1024);
        assert!(
            histogram_bytes(&t) <= 2 * 40 * 1024,
            "{}",
            histogram_bytes(&t)
        );

        // The same samples in a growing histogram and one sized for the hour up front.
        let mut sized = Histogram::<u64>::new_with_bounds(1, MAX_TRACKABLE_US, 3).expect("valid");
        let (mut small, mut big) = (Tally::new(), Tally::new());
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..20_000u64 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // Log-spread from 1 µs to past an hour, with some at the ends.
            let us = match i % 100 {
                0 => 0,
                1 => MAX_TRACKABLE_US,
                2 => 5 * MAX_TRACKABLE_US,
                _ => (rng % 1_000) << ((rng >> 60) * 2),
            };
            // A histogram sized for the hour did not clamp below 2³² µs; README's rule does.
            sized.saturating_record(us.clamp(1, MAX_TRACKABLE_US));
            let o = Outcome {
                latency: Duration::from_micros(us),
                ..outcome(0, 0, None)
            };
            // Short ones in one tally, the rest in another: sizes differ when added.
            if us < 50_000 { &mut small } else { &mut big }.record(&o);
        }
        assert!(small.latency.distinct_values() < big.latency.distinct_values());
        let mut sum = Tally::new();
        sum.merge(&small);
        sum.merge(&big);
        let mut grown_first = Tally::new();
        grown_first.merge(&big);
        grown_first.merge(&small);
        for h in [&sum.latency, &grown_first.latency] {
            assert_eq!(
                (h.len(), h.min(), h.max(), h.mean()),
                (sized.len(), sized.min(), sized.max(), sized.mean())
            );
            for q in 0..=1000 {
                let q = f64::from(q) / 1000.0;
                assert_eq!(h.value_at_quantile(q), sized.value_at_quantile(q), "q {q}");
            }
        }
    }

    /// Prints the histogram memory of a run's worker shards and aggregator: 32 workers, 100
    /// request names, each name recorded on every worker, for a few latency profiles.
    /// `cargo test -p engine --lib histogram_memory -- --ignored --nocapture`
    #[test]
    #[ignore = "prints figures, asserts nothing"]
    fn histogram_memory_at_scale() {
        const WORKERS: usize = 32;
        const NAMES: usize = 100;
        let sized = 2
            * Histogram::<u64>::new_with_bounds(1, MAX_TRACKABLE_US, 3)
                .expect("valid")
                .distinct_values()
            * size_of::<u64>();
        let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
        // Worker shards, plus the aggregator's interval and cumulative tallies per name.
        let tallies = WORKERS * NAMES + 2 * NAMES;
        println!(
            "sized for the hour up front: {} KiB a tally, {:.0} MiB for {WORKERS} workers × {NAMES} names",
            sized / 1024,
            mib(sized * tallies)
        );
        for max_ms in [1, 10, 100, 1_000, 30_000, 3_600_000] {
            let mut t = Tally::new();
            t.record(&outcome(0, max_ms, None));
            let each = histogram_bytes(&t);
            println!(
                "growing, largest latency {max_ms} ms: {} KiB a tally, {:.0} MiB",
                each / 1024,
                mib(each * tallies)
            );
        }
    }

    #[test]
    fn drain_moves_everything_once() {
        let rec = Recorder::new(2, 1, 1);
        std::thread::scope(|s| {
            for t in 0..4 {
                let rec = &rec;
                s.spawn(move || {
                    for i in 0..1000 {
                        let err = (i % 10 == 0).then_some(ErrorKind::Http5xx);
                        rec.record(&outcome(t % 2, 1 + i % 50, err), &[(0, err.is_none())]);
                    }
                });
            }
        });
        let mut into = vec![Tally::new(), Tally::new()];
        let mut checks = vec![(0, 0)];
        rec.drain(&mut into, &mut checks);
        assert_eq!(into[0].requests + into[1].requests, 4000);
        assert_eq!(into[0].latency.len() + into[1].latency.len(), 4000);
        assert_eq!(
            into[0].errors[ErrorKind::Http5xx.index()] + into[1].errors[ErrorKind::Http5xx.index()],
            400
        );
        assert_eq!(
            into[0].status.get(&200).copied().unwrap_or(0)
                + into[1].status.get(&200).copied().unwrap_or(0),
            3600
        );
        assert_eq!(checks[0], (3600, 400));
        assert_eq!(into[0].bytes_received + into[1].bytes_received, 400_000);
        // Request 1's outcomes are the re-sent ones: 2 threads × 1000.
        assert_eq!((into[0].resent, into[1].resent), (0, 2000));
        // A second drain finds nothing new.
        let mut again = vec![Tally::new(), Tally::new()];
        let mut checks = vec![(0, 0)];
        rec.drain(&mut again, &mut checks);
        assert_eq!(again[0].requests + again[1].requests, 0);
        assert_eq!(again[0].resent + again[1].resent, 0);
        assert_eq!(checks[0], (0, 0));
    }
}
