//! Drives a [`LoadPlan`]: the closed model keeps the planned number of users looping; the open
//! model starts iterations at the planned instants whatever the responses do, and counts a
//! start that finds the pool exhausted as a dropped iteration.
//!
//! Pacing (this module), execution ([`crate::journey`]) and recording ([`crate::recorder`]) are
//! separate pieces: one worker loop serves every profile.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rand::SeedableRng;
use rand::rngs::SmallRng;
use shared::plan::LoadPlan;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::journey::run_iteration;
use crate::state::RunState;

/// Tokens that end work: `stop` ends the load (no new iterations; users finish their current
/// one), `kill` interrupts whatever is still running when the graceful stop runs out.
#[derive(Debug, Clone)]
pub(crate) struct Stops {
    pub(crate) stop: CancellationToken,
    pub(crate) kill: CancellationToken,
}

/// Runs the plan until its end or until `stops.stop` fires. Spawned work is tracked by
/// `tracker`; the caller waits for it (graceful stop).
pub(crate) async fn drive(
    state: Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    stops: &Stops,
    tracker: &TaskTracker,
) {
    match plan {
        LoadPlan::Users(_) => drive_closed(state, plan, start, seed, stops, tracker).await,
        _ => drive_open(state, plan, start, seed, stops, tracker).await,
    }
}

async fn wait_until(at: Instant, stop: &CancellationToken) -> bool {
    tokio::select! {
        biased;
        () = stop.cancelled() => false,
        () = tokio::time::sleep_until(at) => true,
    }
}

async fn drive_closed(
    state: Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    stops: &Stops,
    tracker: &TaskTracker,
) {
    // Each user has its own stop token, so a ramp-down stops the newest users first and lets
    // them finish the iteration they are in.
    let mut users: Vec<CancellationToken> = Vec::new();
    let mut next_user = 0u64;
    for (at, target) in plan.user_changes() {
        if !wait_until(start + at, &stops.stop).await {
            break;
        }
        let target = target as usize;
        while users.len() < target {
            let own = stops.stop.child_token();
            users.push(own.clone());
            let state = state.clone();
            let kill = stops.kill.clone();
            let mut rng =
                SmallRng::seed_from_u64(seed ^ next_user.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            next_user += 1;
            tracker.spawn(async move {
                let _alive = state.enter();
                while !own.is_cancelled() {
                    let journey = state.picker.pick(&mut rng);
                    let iteration = run_iteration(&state, journey, Instant::now(), &mut rng);
                    tokio::select! {
                        biased;
                        () = kill.cancelled() => return,
                        () = iteration => {}
                    }
                    state.iterations.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while users.len() > target {
            if let Some(user) = users.pop() {
                user.cancel();
            }
        }
    }
    for user in users {
        user.cancel();
    }
}

async fn drive_open(
    state: Arc<RunState>,
    plan: &LoadPlan,
    start: Instant,
    seed: u64,
    stops: &Stops,
    tracker: &TaskTracker,
) {
    let pool = Arc::new(Semaphore::new(plan.max_users() as usize));
    for (n, offset) in (0u64..).zip(plan.arrivals()) {
        let due = start + offset;
        let now = Instant::now();
        if due > now {
            if !wait_until(due, &stops.stop).await {
                break;
            }
        } else if stops.stop.is_cancelled() {
            break;
        }
        state.note_lag(Instant::now().saturating_duration_since(due));
        let Ok(permit) = pool.clone().try_acquire_owned() else {
            state.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let state = state.clone();
        let kill = stops.kill.clone();
        tracker.spawn(async move {
            let _permit = permit;
            let _active = state.enter();
            let mut rng = SmallRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let journey = state.picker.pick(&mut rng);
            tokio::select! {
                biased;
                () = kill.cancelled() => return,
                () = run_iteration(&state, journey, due, &mut rng) => {}
            }
            state.iterations.fetch_add(1, Ordering::Relaxed);
        });
    }
}

#[cfg(test)]
mod tests;
