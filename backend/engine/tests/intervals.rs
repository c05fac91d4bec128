//! Snapshot intervals when the run's control task is late: a generator short of CPU (or a
//! runtime busy with something else) can hold the task that takes the snapshots past several
//! ticks. The ticks it missed must not come back as a burst of empty, zero-length intervals,
//! which read as a throughput of 0 while the target was under full load.

use std::time::Duration;

use engine::EngineConfig;

mod support;

/// The control task runs on the test's single-threaded runtime; blocking that thread for three
/// and a half intervals holds it as a starved generator would. Every interval but the run's
/// final partial one must still be about the snapshot interval long.
#[tokio::test(flavor = "current_thread")]
async fn a_late_snapshot_does_not_bring_empty_catch_up_intervals() {
    let addr = support::target();
    let yaml = format!(
        "name: late
target: http://{addr}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: / }}
      - think: 5ms
load: {{ type: constant_users, users: 2, duration: 1s }}
options: {{ timeout: 5s, graceful_stop: 5s }}
"
    );
    let scenario = support::valid(&yaml);
    let interval = Duration::from_millis(100);
    let handle = engine::start_with_threads(
        scenario,
        EngineConfig {
            interval,
            seed: Some(3),
        },
        std::num::NonZeroUsize::MIN,
    )
    .expect("the run starts");
    let mut snapshots = handle.subscribe();
    let first = tokio::time::timeout(Duration::from_secs(10), snapshots.recv())
        .await
        .expect("a first snapshot within 10 s")
        .expect("a snapshot");
    // Not a synchronisation: the control task is held while the workers keep going.
    std::thread::sleep(interval * 7 / 2);
    let summary = tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("the run ends");
    let mut series = vec![first];
    while let Ok(snap) = snapshots.try_recv() {
        series.push(snap);
    }
    let lengths: Vec<(u64, u64, u64)> = series
        .iter()
        .map(|s| (s.elapsed_ms, s.interval_ms, s.interval.requests))
        .collect();
    eprintln!("(elapsed, interval, requests): {lengths:?}");
    // A tick may come a millisecond early or late next to the one before it; a catch-up
    // tick comes right after it.
    let (_, intervals) = series.split_last().expect("snapshots");
    for s in intervals {
        assert!(
            s.interval_ms * 2 >= interval.as_millis() as u64,
            "snapshot {} covers {} ms (with {} requests) of a {} ms interval: {lengths:?}",
            s.seq,
            s.interval_ms,
            s.interval.requests,
            interval.as_millis()
        );
    }
    let summed: u64 = series.iter().map(|s| s.interval.requests).sum();
    assert_eq!(summed, summary.total.requests, "the intervals add up");
}
