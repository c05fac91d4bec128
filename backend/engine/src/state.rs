//! What every worker of a run shares: the client, the prepared journeys, the recorder and a few
//! counters. Built once at start; read-only apart from atomics and the sharded recorder.
//!
//! Counters touched once per iteration (iterations, dropped and interrupted ones, schedule lag)
//! live in one
//! cache line per worker thread, so workers on different cores never write the same line; a
//! snapshot sums them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::checked_body::Budget;
use crate::journey::{Picker, PreparedJourney};
use crate::monitor::ThreadsCpu;
use crate::recorder::{Recorder, thread_slot};

/// One worker's counters, alone on its cache line(s).
#[derive(Debug, Default)]
#[repr(align(128))]
struct WorkerCounters {
    iterations: AtomicU64,
    dropped: AtomicU64,
    interrupted: AtomicU64,
    /// Worst schedule lag since the last snapshot, µs.
    lag_us: AtomicU64,
}

#[derive(Debug)]
pub(crate) struct RunState {
    /// reqwest, for the requests the direct HTTP/1.1 path does not take (`https://`, unusual
    /// headers): one client per worker thread, so that a pooled connection (whose task runs on
    /// the runtime that opened it) is only ever used by that runtime. Empty when every request
    /// goes the direct way.
    clients: Vec<reqwest::Client>,
    pub(crate) journeys: Vec<PreparedJourney>,
    pub(crate) picker: Picker,
    pub(crate) recorder: Recorder,
    /// Users alive (closed model) or iterations in flight (open model).
    pub(crate) active: AtomicU64,
    /// Highest `active` reached since [`RunState::take_peak`] last took it.
    interval_peak: AtomicU64,
    counters: Box<[WorkerCounters]>,
    /// The worker threads' CPU time: the generator's CPU. Each worker joins it as it starts.
    pub(crate) workers_cpu: Arc<ThreadsCpu>,
    /// The bytes of response bodies the run may hold for checks at once.
    pub(crate) checked_bodies: Budget,
}

impl RunState {
    pub(crate) fn new(
        clients: Vec<reqwest::Client>,
        journeys: Vec<PreparedJourney>,
        picker: Picker,
        recorder: Recorder,
    ) -> Self {
        let slots = recorder.slots();
        Self {
            clients,
            journeys,
            picker,
            recorder,
            active: AtomicU64::new(0),
            interval_peak: AtomicU64::new(0),
            counters: (0..slots).map(|_| WorkerCounters::default()).collect(),
            workers_cpu: Arc::default(),
            checked_bodies: Budget::default(),
        }
    }

    /// This worker thread's reqwest client, if the run has any.
    pub(crate) fn client(&self) -> Option<&reqwest::Client> {
        match self.clients.len() {
            0 => None,
            n => self.clients.get(thread_slot() % n),
        }
    }

    fn mine(&self) -> &WorkerCounters {
        &self.counters[thread_slot() % self.counters.len()]
    }

    /// Marks the start of an iteration: it counts as finished when [`Iteration::finish`] is
    /// called, and as interrupted if the guard is dropped before (the iteration's future was
    /// dropped at the end of the graceful stop, see [`crate::scheduler`]).
    pub(crate) fn begin_iteration(&self) -> Iteration<'_> {
        Iteration {
            state: self,
            finished: false,
        }
    }

    /// Counts an iteration that ended: as finished, or as interrupted.
    fn count_iteration(&self, finished: bool) {
        let counters = self.mine();
        let counter = if finished {
            &counters.iterations
        } else {
            &counters.interrupted
        };
        // Release: the iteration's requests were recorded before; a reader that sees this count
        // (Acquire) and then drains the recorder finds them.
        counter.fetch_add(1, Ordering::Release);
    }

    /// Iterations finished so far. Read before draining the recorder, the count covers only
    /// iterations whose requests the drain then finds (see [`Iteration`]'s drop).
    pub(crate) fn iterations(&self) -> u64 {
        self.counters
            .iter()
            .map(|c| c.iterations.load(Ordering::Acquire))
            .sum()
    }

    /// Iterations interrupted so far (read like [`Self::iterations`]).
    pub(crate) fn interrupted(&self) -> u64 {
        self.counters
            .iter()
            .map(|c| c.interrupted.load(Ordering::Acquire))
            .sum()
    }

    /// Counts a scheduled start that found the pool exhausted.
    pub(crate) fn count_dropped(&self) {
        self.count_dropped_n(1);
    }

    /// Counts `n` scheduled starts that were not made.
    pub(crate) fn count_dropped_n(&self, n: u64) {
        self.mine().dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Starts dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.counters
            .iter()
            .map(|c| c.dropped.load(Ordering::Relaxed))
            .sum()
    }

    /// Notes how late a scheduled start or timer fired.
    pub(crate) fn note_lag(&self, lag: Duration) {
        let us = u64::try_from(lag.as_micros()).unwrap_or(u64::MAX);
        let slot = &self.mine().lag_us;
        // Most calls find nothing worse to note: read first, write only then.
        if us > slot.load(Ordering::Relaxed) {
            slot.fetch_max(us, Ordering::Relaxed);
        }
    }

    /// Worst lag since the last call.
    pub(crate) fn take_lag(&self) -> Duration {
        let worst = self
            .counters
            .iter()
            .map(|c| c.lag_us.swap(0, Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        Duration::from_micros(worst)
    }

    fn note_active(&self, now: u64) {
        if now > self.interval_peak.load(Ordering::Relaxed) {
            self.interval_peak.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// The most users active at any moment since the last call (or the start), at least those
    /// active now; the next period starts from those active now.
    pub(crate) fn take_peak(&self) -> u64 {
        let peak = self.interval_peak.swap(0, Ordering::Relaxed);
        // Users entering from here on raise the next period's peak themselves. Acquire, paired
        // with the guard's release: a user seen gone has its requests recorded.
        let now = self.active.load(Ordering::Acquire);
        self.interval_peak.fetch_max(now, Ordering::Relaxed);
        peak.max(now)
    }

    /// Marks one user active until the guard drops (also on cancellation).
    pub(crate) fn enter(self: &Arc<Self>) -> ActiveGuard {
        let now = self.active.fetch_add(1, Ordering::Relaxed) + 1;
        self.note_active(now);
        ActiveGuard(Arc::clone(self))
    }

    /// Marks one iteration in flight if fewer than `cap` are (the open model's pool); `None`
    /// when the pool is exhausted.
    pub(crate) fn try_enter(self: &Arc<Self>, cap: u64) -> Option<ActiveGuard> {
        let now = self
            .active
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < cap).then_some(n + 1)
            })
            .ok()?
            + 1;
        self.note_active(now);
        Some(ActiveGuard(Arc::clone(self)))
    }
}

/// An iteration in progress. Counted once: as finished by [`Iteration::finish`], or as
/// interrupted when dropped unfinished (its future dropped mid-way: the graceful stop ran out,
/// or, should one ever panic, the iteration did not finish either).
#[derive(Debug)]
pub(crate) struct Iteration<'a> {
    state: &'a RunState,
    finished: bool,
}

impl Iteration<'_> {
    /// Counts the iteration as finished.
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Iteration<'_> {
    fn drop(&mut self) {
        self.state.count_iteration(self.finished);
    }
}

/// One active user or in-flight iteration; gives access to the run's state and counts itself
/// out when dropped.
#[derive(Debug)]
pub(crate) struct ActiveGuard(Arc<RunState>);

impl ActiveGuard {
    pub(crate) fn state(&self) -> &Arc<RunState> {
        &self.0
    }

    /// Begins the open-model iteration this place in the pool was taken for. It is counted as
    /// an [`Iteration`] is, from now rather than from its task's first poll: an iteration whose
    /// task is aborted before it ever ran (a stop-now right after its start) was in flight, and
    /// counts as interrupted instead of nowhere.
    pub(crate) fn begin_iteration(self) -> InFlight {
        InFlight {
            active: self,
            finished: false,
        }
    }
}

/// An open-model iteration from its start, holding its place in the pool: counted once, like
/// [`Iteration`], when dropped (then it leaves the pool).
#[derive(Debug)]
pub(crate) struct InFlight {
    active: ActiveGuard,
    finished: bool,
}

impl InFlight {
    pub(crate) fn state(&self) -> &Arc<RunState> {
        self.active.state()
    }

    /// Counts the iteration as finished.
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // Counted before `active` lets go of its place (see `take_peak`).
        self.active.state().count_iteration(self.finished);
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        // Release: the user's requests are recorded before it is seen gone (see `take_peak`).
        self.0.active.fetch_sub(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::RunState;
    use crate::journey::Picker;
    use crate::recorder::Recorder;

    /// Each period's peak counts users that came and went between two takes, and starts from
    /// those still active: a user active across a take counts in both periods.
    #[test]
    fn the_peak_is_taken_per_period() {
        let state = Arc::new(RunState::new(
            Vec::new(),
            Vec::new(),
            Picker::single(),
            Recorder::new(1, 0, 1),
        ));
        assert_eq!(state.take_peak(), 0, "nobody yet");

        let staying = state.enter();
        let passing: Vec<_> = (0..3).map(|_| state.enter()).collect();
        drop(passing);
        assert_eq!(
            state.take_peak(),
            4,
            "three came and went beside the one who stays"
        );

        assert_eq!(
            state.take_peak(),
            1,
            "the one still active, though nobody entered"
        );
        drop(staying);
        assert_eq!(
            state.take_peak(),
            1,
            "it was active at the start of the period"
        );
        assert_eq!(state.take_peak(), 0);

        // The open model's pool counts the same way, and a refused start does not.
        let a = state.try_enter(2).expect("room");
        let b = state.try_enter(2).expect("room");
        assert!(state.try_enter(2).is_none(), "the pool is full");
        drop((a, b));
        assert_eq!(state.take_peak(), 2);
    }
}
