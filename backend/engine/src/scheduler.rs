//! Drives a [`LoadPlan`]: the closed model keeps the planned number of users looping; the open
//! model starts iterations at the planned instants whatever the responses do, and counts a
//! start that finds the pool exhausted as a dropped iteration. An iteration still running when
//! the graceful stop runs out is cut and counted as interrupted.
//!
//! Pacing (this module), execution ([`crate::journey`]) and recording ([`crate::recorder`]) are
//! separate pieces: one worker loop serves every profile.
//!
//! A run has one worker per thread (see [`crate::run`]); each drives its [`Share`] of the plan
//! on its own current-thread runtime: users whose position is `index` modulo `count`, and the
//! arrivals whose sequence number is. Nothing per request crosses threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use shared::plan::LoadPlan;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::journey::{TIMER_SLACK, run_iteration};
use crate::state::RunState;

/// Tokens that end work: `stop` ends the load (no new iterations; users finish their current
/// one), `kill` interrupts whatever is still running when the graceful stop runs out.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stops {
    pub(crate) stop: CancellationToken,
    pub(crate) kill: CancellationToken,
    /// A stop-now was asked ([`crate::RunHandle::stop_now`]). It is set before the load ends,
    /// so a worker that sees the load's end also sees whether a stop-now ended it, though the
    /// control task sets `kill` only after it has ended the load.
    pub(crate) now: CancellationToken,
    /// When the load ended: the first [`Stops::end_load`].
    ended_at: Arc<OnceLock<Instant>>,
}

impl Stops {
    /// Ends the load as of `at` (no new iterations). Only the first call sets the time.
    pub(crate) fn end_load(&self, at: Instant) {
        let _ = self.ended_at.set(at);
        self.stop.cancel();
    }

    /// When the load ended, once it has.
    fn ended_at(&self) -> Option<Instant> {
        self.ended_at.get().copied()
    }
}

/// Which part of the plan a worker drives: users and arrivals whose number is `index` modulo
/// `count`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Share {
    pub(crate) index: u64,
    pub(crate) count: u64,
}

impl Share {
    /// The whole plan (a single worker).
    #[cfg(test)]
    pub(crate) const ALL: Share = Share { index: 0, count: 1 };

    fn mine(self, n: u64) -> bool {
        n % self.count.max(1) == self.index
    }
}

/// Runs this worker's share of the plan until its end or until `stops.stop` fires, then waits
/// for the iterations in flight (or cuts them when `stops.kill` fires). Spawns onto the current
/// runtime.
pub(crate) async fn drive(
    state: Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    share: Share,
    stops: &Stops,
) {
    let mut tasks = JoinSet::new();
    match plan {
        LoadPlan::Users(_) => {
            drive_closed(&state, plan, start, seed, share, stops, &mut tasks).await
        }
        _ => drive_open(&state, plan, start, seed, share, stops, &mut tasks).await,
    }
    // Graceful stop: users finish the iteration they are in, unless killed. Aborting drops
    // the iterations' futures (and with them their connections) at their next await; each
    // iteration dropped unfinished counts itself as interrupted (`state::Iteration`, and
    // `state::InFlight` also for an open-model one whose task never ran), and the request it
    // was waiting on is recorded nowhere, as it never completed.
    tokio::select! {
        biased;
        () = stops.kill.cancelled() => tasks.abort_all(),
        () = async { while tasks.join_next().await.is_some() {} } => {}
    }
    while tasks.join_next().await.is_some() {}
}

async fn wait_until(at: Instant, stop: &CancellationToken) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        () = tokio::time::sleep_until(at) => true,
    }
}

async fn drive_closed(
    state: &Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    share: Share,
    stops: &Stops,
    tasks: &mut JoinSet<()>,
) {
    // This worker's users, oldest first, as (position, stop flag). Each user has its own flag,
    // so a ramp-down stops the newest users first and lets them finish the iteration they are
    // in. A flag costs a relaxed load per iteration; a cancellation token would lock a mutex.
    let mut users: Vec<(u64, Arc<AtomicBool>)> = Vec::new();
    // Users alive across all workers, and users ever started (seeds their random source).
    let mut level = 0u64;
    let mut next_user = 0u64;
    for (at, target) in plan.user_changes() {
        if !wait_until(start + at, &stops.stop).await {
            break;
        }
        let target = u64::from(target);
        while level < target {
            let position = level;
            let seq = next_user;
            level += 1;
            next_user += 1;
            if !share.mine(position) {
                continue;
            }
            let own = Arc::new(AtomicBool::new(false));
            users.push((position, Arc::clone(&own)));
            let active = state.enter();
            let mut rng = SmallRng::seed_from_u64(seed ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            tasks.spawn(async move { closed_user(active.state(), &own, &mut rng).await });
        }
        level = level.min(target);
        while users
            .last()
            .is_some_and(|(position, _)| *position >= target)
        {
            if let Some((_, user)) = users.pop() {
                user.store(true, Ordering::Relaxed);
            }
        }
        // Reap users that ramped down and finished, so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    for (_, user) in users {
        user.store(true, Ordering::Relaxed);
    }
}

/// One closed-model user: iterations back to back until `stop` is set (it then finishes the
/// one it is in). Each iteration after the first is due when the previous one ended, at its
/// last response or at the end of its trailing think time, so a generator too busy to start it
/// on time has the wait counted in the next request's latency, as within an iteration.
pub(crate) async fn closed_user(state: &RunState, stop: &AtomicBool, rng: &mut SmallRng) {
    let mut due = None;
    while !stop.load(Ordering::Relaxed) {
        let iteration = state.begin_iteration();
        let journey = state.picker.pick(rng);
        due = run_iteration(state, journey, due, rng).await;
        iteration.finish();
        // An iteration may finish without waiting on anything: a request that fails before it
        // reaches the network (a host name TLS refuses) is ready on its first poll. A user
        // looping on such iterations would hold its worker's thread forever (its timers, its
        // other users, the stop itself could never run), so each iteration counts against
        // tokio's budget, and every so often the user yields. It yields only here, between
        // iterations, with everything recorded: a run cut during the yield loses no request
        // and counts no finished iteration as interrupted.
        tokio::task::coop::consume_budget().await;
    }
}

async fn drive_open(
    state: &Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    share: Share,
    stops: &Stops,
    tasks: &mut JoinSet<()>,
) {
    let cap = u64::from(plan.max_users());
    let mut arrivals = (0u64..).zip(plan.arrivals());
    while let Some((n, offset)) = arrivals.next() {
        if !share.mine(n) {
            continue;
        }
        let due = start + offset;
        let on_time = if due > Instant::now() {
            wait_until(due, &stops.stop).await
        } else {
            !stops.stop.is_cancelled()
        };
        if !on_time {
            // The load ended. Starts that were due before it, which this worker fell too far
            // behind to make (a starved generator), are dropped iterations: the shortfall is
            // reported, not lost. One it is late for by no more than the timer's resolution
            // is made: the load's end, on another thread's timer, came before this worker's
            // timer for it fired, and a start that late is on time while the load runs (see
            // `TIMER_SLACK`). Counting it dropped put dropped iterations in runs that kept
            // their schedule. A stop-now makes none: it would be cut at once, and a request
            // would go out after the stop-now.
            let now = Instant::now();
            let ended = stops.ended_at().unwrap_or(now);
            let mut missed = 0;
            for (n, offset) in std::iter::once((n, offset))
                .chain(arrivals)
                .take_while(|&(_, offset)| start + offset < ended)
                .filter(|&(n, _)| share.mine(n))
            {
                let due = start + offset;
                if due + TIMER_SLACK >= now
                    && !stops.now.is_cancelled()
                    && !stops.kill.is_cancelled()
                {
                    state.note_lag(now.saturating_duration_since(due));
                    start_iteration(state, cap, seed, n, due, tasks);
                } else {
                    missed += 1;
                }
            }
            state.count_dropped_n(missed);
            break;
        }
        state.note_lag(Instant::now().saturating_duration_since(due));
        start_iteration(state, cap, seed, n, due, tasks);
        // Reap finished iterations so the set holds only those in flight.
        while tasks.try_join_next().is_some() {}
    }
}

/// Makes the open-model start `n`, due at `due`, or counts it dropped when the pool is full.
fn start_iteration(
    state: &Arc<RunState>,
    cap: u64,
    seed: u64,
    n: u64,
    due: Instant,
    tasks: &mut JoinSet<()>,
) {
    // The pool is shared by all workers: at most `cap` iterations in flight in the run.
    let Some(active) = state.try_enter(cap) else {
        state.count_dropped();
        return;
    };
    // Begun here, not on the task's first poll: a stop-now may abort the task before it
    // ever runs, and the start, in flight since it took its place, is then interrupted.
    let iteration = active.begin_iteration();
    tasks.spawn(async move {
        let state = iteration.state();
        let mut rng = SmallRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let journey = state.picker.pick(&mut rng);
        run_iteration(state, journey, Some(due), &mut rng).await;
        iteration.finish();
    });
}

#[cfg(test)]
mod tests;
