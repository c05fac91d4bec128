//! The engine records every request it sends, at the highest rate this machine allows: a
//! closed loop without think time for about a second against an in-process HTTP/1.1 target
//! that counts what it answers; the two counts must be equal, and the snapshots must add up to
//! the totals. An optimisation that drops samples fails here.

use std::sync::atomic::Ordering;
use std::time::Duration;

use engine::EngineConfig;
use shared::run::RunStatus;

mod support;

fn scenario(target: &str, users: u32, duration: &str) -> shared::scenario::ValidScenario {
    let yaml = format!(
        "name: count
target: {target}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /count }}
load: {{ type: constant_users, users: {users}, duration: {duration} }}
options: {{ timeout: 5s, graceful_stop: 5s }}
"
    );
    support::valid(&yaml)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_recorded_at_full_speed() {
    let (addr, answered) = support::target_counting();

    let handle = engine::start(
        scenario(&format!("http://{addr}"), 16, "1s"),
        EngineConfig {
            interval: Duration::from_millis(250),
            seed: Some(7),
        },
    )
    .expect("the run starts");
    let mut snapshots = handle.subscribe();
    let summary = tokio::time::timeout(Duration::from_secs(30), handle.wait())
        .await
        .expect("the run ends");

    assert_eq!(summary.status, RunStatus::Completed, "{:?}", summary.reason);
    let total = &summary.total;
    let served = answered.load(Ordering::SeqCst);
    eprintln!(
        "{} requests in {} ms ({:.0}/s), target answered {served}",
        total.requests, summary.duration_ms, total.rps
    );
    assert!(
        total.requests > 1000,
        "too few requests: {}",
        total.requests
    );
    assert_eq!(total.errors, 0, "{:?}", total.errors_by_kind);
    assert_eq!(
        total.requests, served,
        "the engine recorded {} requests, the target answered {served}",
        total.requests
    );
    assert_eq!(total.status_counts.get(&200), Some(&served));
    assert_eq!(summary.iterations, served);
    assert_eq!(total.latency.count, served);
    assert_eq!(total.service_time.count, served);

    // The snapshots add up to the totals, in every counter.
    let mut summed = 0;
    let mut last = None;
    let mut sums = shared::metrics::RequestStats::default();
    while let Ok(snap) = snapshots.try_recv() {
        summed += snap.interval.requests;
        sums.errors += snap.interval.errors;
        sums.bytes_sent += snap.interval.bytes_sent;
        sums.bytes_received += snap.interval.bytes_received;
        sums.resent += snap.interval.resent;
        for (code, n) in &snap.interval.status_counts {
            *sums.status_counts.entry(*code).or_default() += n;
        }
        sums.latency.count += snap.interval.latency.count;
        sums.service_time.count += snap.interval.service_time.count;
        // One request per iteration: no snapshot counts an iteration whose request it has not.
        assert!(
            snap.iterations <= snap.total.requests,
            "snapshot {}: {} iterations ahead of {} requests",
            snap.seq,
            snap.iterations,
            snap.total.requests
        );
        last = Some(snap);
    }
    assert_eq!(summed, served, "interval counts sum to the total");
    assert_eq!(
        (
            sums.errors,
            sums.bytes_sent,
            sums.bytes_received,
            sums.resent,
            &sums.status_counts,
            sums.latency.count,
            sums.service_time.count
        ),
        (
            total.errors,
            total.bytes_sent,
            total.bytes_received,
            total.resent,
            &total.status_counts,
            served,
            served
        ),
        "the intervals' counters add up to the totals"
    );
    assert!(total.bytes_sent > 0 && total.bytes_received > 0);
    let last = last.expect("snapshots were sent");
    assert_eq!(last.total.requests, served);
    assert_eq!(last.iterations, served);
}

/// A run cut at once (stop now) while its users loop on requests that fail without reaching
/// the network loses none of them: with one request per iteration and no think time, every
/// iteration, finished or cut, has exactly one request recorded. Users used to yield between
/// finishing a request and recording it, and a request cut there was counted nowhere (its
/// iteration as interrupted). No traffic leaves the process: TLS refuses the 64-letter label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_now_loses_no_request_that_failed_at_once() {
    let handle = engine::start_with_threads(
        scenario(&format!("https://{}.invalid", "a".repeat(64)), 4, "30s"),
        EngineConfig {
            interval: Duration::from_millis(100),
            seed: Some(1),
        },
        std::num::NonZeroUsize::MIN,
    )
    .expect("the run starts");
    // Stopped once the users are looping: after the first snapshot that counts requests.
    let mut snapshots = handle.subscribe();
    let looping = async {
        while let Ok(snap) = snapshots.recv().await {
            if snap.total.requests > 0 {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), looping)
        .await
        .expect("requests within 10 s");
    handle.stop_now();
    let summary = tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("the run ends");
    eprintln!(
        "requests {} ({:?}), iterations {}, interrupted {}",
        summary.total.requests,
        summary.total.errors_by_kind,
        summary.iterations,
        summary.interrupted_iterations
    );
    assert!(summary.total.requests > 0);
    assert_eq!(
        summary.total.requests,
        summary.iterations + summary.interrupted_iterations,
        "every iteration has its one request recorded"
    );
}
