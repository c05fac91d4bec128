//! Scheduler tests in paused tokio time: deterministic, instant, no network (the journeys only
//! pause). They check that the schedulers keep the plan: starts, drops, user counts.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use shared::plan::LoadPlan;
use shared::scenario::{LoadProfile, Stage};
use shared::units::HumanDuration;
use tokio::time::Instant;

use super::{Share, Stops, drive};
use crate::journey::{Picker, PreparedJourney};
use crate::recorder::Recorder;
use crate::state::RunState;

fn state(pause: Duration) -> Arc<RunState> {
    Arc::new(RunState::new(
        Vec::new(),
        vec![PreparedJourney::pausing(pause)],
        Picker::single(),
        Recorder::new(0, 0, 1),
    ))
}

fn d(secs: f64) -> HumanDuration {
    HumanDuration(Duration::from_secs_f64(secs))
}

struct Running {
    state: Arc<RunState>,
    stops: Stops,
    task: tokio::task::JoinHandle<()>,
}

fn run(profile: LoadProfile, pause: Duration) -> Running {
    let state = state(pause);
    let stops = Stops::default();
    let (s, st) = (state.clone(), stops.clone());
    let task = tokio::spawn(async move {
        let plan = LoadPlan::new(&profile, 1);
        drive(s, &plan, Instant::now(), 1, Share::ALL, &st).await;
    });
    Running { state, stops, task }
}

impl Running {
    async fn finish(self) -> Arc<RunState> {
        // `drive` returns once its iterations are done.
        self.task.await.expect("scheduler task");
        self.state
    }
}

#[tokio::test(start_paused = true)]
async fn open_model_starts_exactly_the_planned_iterations() {
    let r = run(
        LoadProfile::ConstantRate {
            rate: 200.0,
            duration: d(5.0),
            max_users: 10,
        },
        Duration::from_millis(1),
    );
    let state = r.finish().await;
    assert_eq!(state.iterations(), 1000);
    assert_eq!(state.dropped(), 0);
    assert_eq!(
        state.take_lag(),
        Duration::ZERO,
        "paused time: every start is on schedule"
    );
}

#[tokio::test(start_paused = true)]
async fn open_model_counts_starts_that_find_the_pool_busy_as_dropped() {
    // 10/s, each iteration busy 0.95 s, pool of 5: each second 5 starts run and 5 are dropped.
    let r = run(
        LoadProfile::ConstantRate {
            rate: 10.0,
            duration: d(5.0),
            max_users: 5,
        },
        Duration::from_millis(950),
    );
    let state = r.finish().await;
    assert_eq!(state.iterations(), 25);
    assert_eq!(state.dropped(), 25);
}

/// A worker that fell behind (a starved generator) and finds the load ended counts the starts
/// that were due before the end as dropped iterations; they used to be counted nowhere.
#[tokio::test(start_paused = true)]
async fn starts_a_late_worker_missed_before_the_end_are_dropped() {
    let plan = LoadPlan::new(
        &LoadProfile::ConstantRate {
            rate: 100.0,
            duration: d(1.0),
            max_users: 10,
        },
        1,
    );
    // The workers get to run 500 ms after the start; the load ended at 300 ms.
    let start = Instant::now();
    tokio::time::advance(Duration::from_millis(500)).await;
    let stops = Stops::default();
    stops.end_load(start + Duration::from_millis(300));
    let mut dropped = Vec::new();
    for index in 0..2 {
        let state = state(Duration::from_millis(1));
        drive(
            state.clone(),
            &plan,
            start,
            1,
            Share { index, count: 2 },
            &stops,
        )
        .await;
        assert_eq!(state.iterations(), 0);
        dropped.push(state.dropped());
    }
    // The starts due at 0, 10, …, 290 ms, half to each worker.
    assert_eq!(dropped, [15, 15]);
}

/// The load's end comes from the control task's timer, on another thread. A worker whose
/// timer for a start due just before the end had not fired yet (timers fire on whole
/// milliseconds) counted that start as dropped, in a run that kept its schedule: about one run
/// in ten of 2000/s for 200 ms reported a dropped iteration against a target answering at
/// once. A start the worker is late for by no more than the timer's resolution is made, as it
/// would be while the load runs; one it fell further behind is dropped, and a stop-now makes
/// none: neither once its kill is in nor before, when the worker sees the load's end first (in
/// a run, the control task ends the load on the stop-now and kills only after; the start, made
/// then, sent its request after the stop-now and was cut as interrupted).
#[tokio::test(start_paused = true)]
async fn a_start_due_just_before_the_end_is_made_not_dropped() {
    use std::future::{Future, poll_fn};
    use std::task::Poll;

    // (stop now, killed yet, starts made, dropped)
    for (now, kill, made, dropped) in [
        (false, false, 2, 0),
        (true, false, 1, 1),
        (true, true, 1, 1),
    ] {
        let state = state(Duration::from_millis(1));
        let stops = Stops::default();
        // Starts due at 0 and 500 ms; the load would end at 1 s.
        let plan = LoadPlan::new(
            &LoadProfile::ConstantRate {
                rate: 2.0,
                duration: d(1.0),
                max_users: 10,
            },
            1,
        );
        let start = Instant::now();
        let driving = drive(Arc::clone(&state), &plan, start, 1, Share::ALL, &stops);
        tokio::pin!(driving);
        let first = poll_fn(|cx| Poll::Ready(driving.as_mut().poll(cx))).await;
        assert!(
            first.is_pending(),
            "the worker waits for the start at 500 ms"
        );
        // 1.5 ms after that start was due, before the worker's timer has woken it, the load
        // ends as of 501 ms (on a stop-now: asked first, as `RunHandle::stop_now` does).
        tokio::time::advance(Duration::from_micros(501_500)).await;
        if now {
            stops.now.cancel();
        }
        stops.end_load(start + Duration::from_millis(501));
        if kill {
            stops.kill.cancel();
        }
        driving.await;
        assert_eq!(
            (state.iterations() + state.interrupted(), state.dropped()),
            (made, dropped),
            "stop now: {now}, killed: {kill}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn closed_model_follows_the_ramp() {
    // 0 → 10 users over 10 s, then hold 10 for 5 s; iterations pause 100 ms.
    let profile = LoadProfile::RampingUsers {
        start_users: 0,
        stages: vec![
            Stage {
                duration: d(10.0),
                target: 10.0,
            },
            Stage {
                duration: d(5.0),
                target: 10.0,
            },
        ],
    };
    let r = run(profile, Duration::from_millis(100));
    let start = Instant::now();
    for (at, want) in [(0.5, 0), (1.05, 1), (5.5, 5), (9.95, 9), (12.0, 10)] {
        tokio::time::sleep_until(start + Duration::from_secs_f64(at)).await;
        assert_eq!(
            r.state.active.load(Ordering::Relaxed),
            want,
            "users at t={at}"
        );
    }
    let state = r.finish().await;
    assert_eq!(
        state.active.load(Ordering::Relaxed),
        0,
        "everyone stops at the end"
    );
    // Users loop 100 ms iterations: user k (started at k s) runs until 15 s.
    let expected: u64 = (1..=10).map(|k| ((15 - k) * 10) as u64).sum();
    let got = state.iterations();
    assert!(
        got.abs_diff(expected) <= 10,
        "iterations {got}, expected about {expected}"
    );
}

#[tokio::test(start_paused = true)]
async fn stop_ends_the_schedule_early() {
    let r = run(
        LoadProfile::ConstantUsers {
            users: 3,
            duration: d(60.0),
        },
        Duration::from_millis(100),
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    r.stops.stop.cancel();
    let stopped_at = Instant::now();
    let state = r.finish().await;
    assert!(
        stopped_at.elapsed() <= Duration::from_millis(100),
        "users finish their current iteration only"
    );
    assert_eq!(state.active.load(Ordering::Relaxed), 0);
}

#[tokio::test(start_paused = true)]
async fn iterations_cut_by_the_kill_are_counted_as_interrupted() {
    // 10/s for 2 s, pool of 5, each iteration busy 1.45 s: starts at 0.0–0.4 s run and finish
    // at 1.45–1.85 s, the ten starts at 0.5–1.4 s are dropped, and the starts at 1.5–1.9 s
    // run, due to finish at 2.95–3.35 s, after the kill at 2.5 s.
    let r = run(
        LoadProfile::ConstantRate {
            rate: 10.0,
            duration: d(2.0),
            max_users: 5,
        },
        Duration::from_millis(1450),
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    r.stops.kill.cancel();
    let state = r.finish().await;
    assert_eq!(state.iterations(), 5);
    assert_eq!(state.dropped(), 10);
    assert_eq!(state.interrupted(), 5);
    assert_eq!(state.active.load(Ordering::Relaxed), 0);

    // Closed model: every user is mid-iteration when killed.
    let r = run(
        LoadProfile::ConstantUsers {
            users: 3,
            duration: d(60.0),
        },
        Duration::from_secs(10),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    r.stops.stop.cancel();
    tokio::time::sleep(Duration::from_secs(1)).await;
    r.stops.kill.cancel();
    let state = r.finish().await;
    assert_eq!(state.iterations(), 0);
    assert_eq!(state.interrupted(), 3);
}

/// A stop-now that comes between an open-model start and its task's first poll (in a run, from
/// the control task on another thread, while a worker catches up with starts that are due)
/// cuts iterations that never ran. They were in flight, holding a place in the pool, so they
/// count as interrupted: every start planned before the stop is counted once, as completed,
/// interrupted or dropped. They used to be counted nowhere.
#[tokio::test(start_paused = true)]
async fn iterations_cut_before_their_first_poll_are_counted_as_interrupted() {
    use std::future::{Future, poll_fn};
    use std::task::Poll;

    let state = state(Duration::from_secs(1));
    let stops = Stops::default();
    let plan = LoadPlan::new(
        &LoadProfile::ConstantRate {
            rate: 10.0,
            duration: d(1.0),
            max_users: 2,
        },
        1,
    );
    // The worker gets to run 250 ms after the start: the starts due at 0, 100 and 200 ms are
    // made at once, the first two in the pool of 2 and the third dropped, and it waits for
    // the one at 300 ms.
    let start = Instant::now();
    tokio::time::advance(Duration::from_millis(250)).await;
    let driving = drive(Arc::clone(&state), &plan, start, 1, Share::ALL, &stops);
    tokio::pin!(driving);
    let first = poll_fn(|cx| Poll::Ready(driving.as_mut().poll(cx))).await;
    assert!(first.is_pending(), "the worker waits for the next start");
    assert_eq!(
        state.active.load(Ordering::Relaxed),
        2,
        "two starts in flight"
    );
    assert_eq!(state.dropped(), 1);
    // Stop now, before this task yields: the two iterations' tasks have not been polled.
    stops.end_load(Instant::now());
    stops.kill.cancel();
    driving.await;

    assert_eq!(state.iterations(), 0);
    assert_eq!(state.interrupted(), 2, "the starts in flight were cut");
    assert_eq!(state.dropped(), 1);
    assert_eq!(state.active.load(Ordering::Relaxed), 0);
}

#[tokio::test(start_paused = true)]
async fn a_graceful_stop_that_lets_iterations_finish_interrupts_none() {
    let r = run(
        LoadProfile::ConstantUsers {
            users: 3,
            duration: d(60.0),
        },
        Duration::from_millis(300),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    r.stops.stop.cancel();
    let state = r.finish().await;
    // Each user finished the iteration it was in: four 300 ms iterations each.
    assert_eq!(state.iterations(), 12);
    assert_eq!(state.interrupted(), 0);
}

/// A closed-model user whose generator is too busy to start its next iteration on time (here
/// its thread is blocked during the iteration's trailing think time) has the wait counted in
/// the next request's latency, as a wait inside an iteration is. Real time and a loopback
/// target: the block is the generator's lateness, so it cannot be paused time.
#[tokio::test]
async fn a_closed_users_late_next_iteration_counts_the_wait() {
    use std::sync::atomic::AtomicBool;

    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::closed_user;
    use crate::recorder::Tally;

    // A request, then a 100 ms think time.
    let state = Arc::new(loopback_state(
        answering_target().await,
        "      - request: { path: / }\n      - think: 100ms\n",
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let user = {
        let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
        tokio::spawn(async move {
            closed_user(&state, &stop, &mut SmallRng::seed_from_u64(1)).await;
        })
    };
    let mut tally = Tally::new();
    let drain = |tally: &mut Tally| state.recorder.drain(std::slice::from_mut(tally), &mut []);
    // The first request is answered; the user is in its 100 ms think time.
    while tally.requests < 1 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        drain(&mut tally);
    }
    let first_max = tally.latency.max();
    // The generator's only thread is busy for 400 ms: the think time ends while it is, and
    // the next iteration starts about 300 ms late.
    std::thread::sleep(Duration::from_millis(400));
    while tally.requests < 2 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        drain(&mut tally);
    }
    stop.store(true, Ordering::Relaxed);
    user.await.expect("user task");

    let late_ms = tally.latency.max() as f64 / 1000.0;
    assert!(
        first_max < 200_000,
        "the first request was on time: {first_max} us"
    );
    assert!(
        late_ms >= 250.0,
        "the second iteration's request was ~300 ms late, and says only {late_ms} ms"
    );
}

/// A loopback target that answers every request head at once; its address.
async fn answering_target() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf).await {
                    let heads = buf[..n].windows(4).filter(|w| w == b"\r\n\r\n").count();
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".repeat(heads);
                    if n == 0 || stream.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// A run's state with one journey of `steps` (YAML list items, indented for the journey) aimed
/// at `addr`, for tests that drive a user or an iteration themselves.
fn loopback_state(addr: std::net::SocketAddr, steps: &str) -> RunState {
    use shared::scenario::{Format, ValidationEnv, parse_scenario, validate};

    let yaml = format!(
        "name: loopback\ntarget: http://{addr}\njourneys:\n  - name: one\n    steps:\n{steps}\
         load: {{ type: constant_users, users: 1, duration: 10s }}\n"
    );
    let scenario = validate(
        &parse_scenario(&yaml, Format::Yaml).expect("parses"),
        &ValidationEnv::default(),
    )
    .expect("valid");
    let mut origins = Vec::new();
    let journey = PreparedJourney::new(&scenario.journeys[0], scenario.timeout, &mut origins)
        .expect("journey");
    RunState::new(
        Vec::new(),
        vec![journey],
        Picker::single(),
        Recorder::new(1, 0, 1),
    )
}

/// An open-model iteration that starts late, with a think time before its first request: its
/// think time runs from when the iteration was due, so the lateness is in the request's
/// latency (it was lost when the think time ran from the late start). Real time and a loopback
/// target, as above: the iteration is simply called 300 ms after it was due.
#[tokio::test]
async fn a_late_iteration_that_thinks_first_counts_its_lateness() {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use crate::journey::run_iteration;
    use crate::recorder::Tally;

    // A 100 ms think time, then a request.
    let state = loopback_state(
        answering_target().await,
        "      - think: 100ms\n      - request: { path: / }\n",
    );
    let due = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    run_iteration(&state, 0, Some(due), &mut SmallRng::seed_from_u64(1)).await;

    let mut tally = Tally::new();
    state
        .recorder
        .drain(std::slice::from_mut(&mut tally), &mut []);
    assert_eq!(tally.requests, 1);
    let latency_ms = tally.latency.max() as f64 / 1000.0;
    assert!(
        latency_ms >= 190.0,
        "the request was due 100 ms after the iteration, sent ~200 ms after that; \
         its latency says {latency_ms} ms"
    );
}
