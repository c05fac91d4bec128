//! End-to-end tests of the load engine against in-process targets on 127.0.0.1.
//!
//! Every run is bounded by its scenario's duration and by [`e2e::harness::RUN_LIMIT`].

use std::time::Duration;

use backend::demo_target::{DemoConfig, DemoServer};
use e2e::errors::{self, RawBehaviour};
use e2e::harness::{self, Finished, describe, errors_of};
use e2e::{StallServer, TlsServer};
use shared::metrics::{ErrorKind, RequestStats};
use shared::run::RunStatus;
use tokio::time::Instant;

const INTERVAL: Duration = Duration::from_millis(500);

/// A closed-model scenario: `users` users loop one request (then a 20 ms pause, so failing
/// targets are not hammered in a tight loop) for `duration`.
fn closed(target: &str, request: &str, users: u32, duration: &str, timeout: &str) -> String {
    format!(
        "name: e2e closed
target: {target}
journeys:
  - name: one
    steps:
      - request: {request}
      - think: 20ms
load:
  type: constant_users
  users: {users}
  duration: {duration}
options:
  timeout: {timeout}
  graceful_stop: 5s
"
    )
}

/// Asserts that the run recorded requests and that every one of them failed with `kind`.
fn assert_all_errors(stats: &RequestStats, kind: ErrorKind) {
    assert!(
        stats.requests > 0,
        "no request recorded: {}",
        describe(stats)
    );
    assert_eq!(
        errors_of(stats, kind),
        stats.requests,
        "every request should fail as {kind:?}: {}",
        describe(stats)
    );
    assert_eq!(stats.errors, stats.requests, "{}", describe(stats));
    assert_eq!(
        stats.errors_by_kind.len(),
        1,
        "only {kind:?} expected: {}",
        describe(stats)
    );
}

/// Width, in ms, of the engine's histogram bucket around `ms`: the histograms keep 3
/// significant digits over µs values, i.e. 1 µs up to 2048 µs, then 2^(⌊log2 v⌋ − 10) µs.
fn bucket_ms(ms: f64) -> f64 {
    let us = (ms * 1000.0).max(1.0);
    let width_us = if us < 2048.0 {
        1.0
    } else {
        2f64.powi(us.log2().floor() as i32 - 10)
    };
    width_us / 1000.0
}

fn assert_completed(run: &Finished) {
    assert_eq!(
        run.summary.status,
        RunStatus::Completed,
        "reason: {:?}",
        run.summary.reason
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Accuracy of the open model

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_sends_exactly_the_planned_requests() {
    let _cpu = harness::exclusive().await;
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    let yaml = format!(
        "name: accuracy
target: {}
journeys:
  - name: browse
    steps:
      - request: {{ method: GET, path: /api/products }}
load: {{ type: constant_rate, rate: 200, duration: 5s, max_users: 100 }}
options: {{ timeout: 5s }}
",
        demo.url()
    );
    let run = harness::run(&yaml, INTERVAL).await;
    let s = &run.summary;
    assert_completed(&run);

    // Every planned start is made or counted as dropped; on a busy machine the last one may
    // find the load ended before its late timer fired.
    assert_eq!(
        s.iterations + s.dropped_iterations,
        1000,
        "iterations = {}, dropped = {}, generator: {:?}",
        s.iterations,
        s.dropped_iterations,
        s.generator
    );
    assert!(s.dropped_iterations <= 1, "generator: {:?}", s.generator);
    assert_eq!(s.total.requests, s.iterations, "{}", describe(&s.total));
    assert_eq!(s.total.errors, 0, "{}", describe(&s.total));
    assert!(s.total.errors_by_kind.is_empty());
    assert_eq!(s.total.status_counts.get(&200), Some(&s.total.requests));
    let served = demo.stats().requests_total;
    assert_eq!(
        served, s.total.requests,
        "the target counted {served}, the engine {}",
        s.total.requests
    );

    // The snapshots add up to the totals: every interval counted once, the final one included.
    let snaps = &run.snapshots;
    assert!(snaps.len() >= 10, "only {} snapshots", snaps.len());
    for (i, snap) in snaps.iter().enumerate() {
        assert_eq!(snap.seq, i as u64, "snapshots arrive in order, none lost");
    }
    let summed: u64 = snaps.iter().map(|x| x.interval.requests).sum();
    assert_eq!(summed, s.total.requests, "interval counts sum to the total");
    let summed_errors: u64 = snaps.iter().map(|x| x.interval.errors).sum();
    assert_eq!(summed_errors, 0);
    let last = snaps.last().expect("at least one snapshot");
    assert_eq!(last.status, RunStatus::Completed);
    assert_eq!(last.total.requests, s.total.requests);
    assert_eq!(last.iterations, s.iterations);
    // The planned rate is the interval's mean, so it compares with the interval's achieved
    // rate: 200/s for every interval of the load, its share of 200/s for one that straddles the
    // end (the rate at the interval's end read 0 for the interval that ends the load).
    for snap in snaps {
        let (from, to) = (snap.elapsed_ms - snap.interval_ms, snap.elapsed_ms);
        let inside = to.min(5000).saturating_sub(from);
        let want = 200.0 * inside as f64 / snap.interval_ms.max(1) as f64;
        assert!(
            (snap.target_rate - want).abs() < 2.0,
            "interval #{} ({from}–{to} ms): target_rate {} (want {want})",
            snap.seq,
            snap.target_rate
        );
    }
    // Iterations of a few hundred microseconds are rarely in flight at a tick, so the count at
    // each interval's end is mostly 0; each interval's peak sees every one of them, and the
    // run's peak is the highest interval peak.
    for snap in snaps {
        assert!(snap.interval_peak_users >= snap.active_users, "{snap:?}");
        if snap.interval.requests > 0 {
            assert!(snap.interval_peak_users >= 1, "interval #{}", snap.seq);
        }
    }
    let peak = snaps.iter().map(|x| x.interval_peak_users).max();
    assert_eq!(Some(s.peak_users), peak);

    demo.shutdown().await.expect("demo target stops cleanly");
}

// ---------------------------------------------------------------------------------------------
// 2. Coordinated omission

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_reports_stalls_that_the_closed_model_hides() {
    let _cpu = harness::exclusive().await;
    // Two fresh targets, both freezing in [1 s, 2 s) and [3 s, 4 s); both runs go side by side
    // to keep the test short.
    let open_target = StallServer::start().await.expect("stall server starts");
    let closed_target = StallServer::start().await.expect("stall server starts");
    let open_yaml = format!(
        "name: co open
target: {}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /x }}
load: {{ type: constant_rate, rate: 200, duration: 4s, max_users: 1000 }}
options: {{ timeout: 5s }}
",
        open_target.url()
    );
    let closed_yaml = format!(
        "name: co closed
target: {}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /x }}
load: {{ type: constant_users, users: 10, duration: 4s }}
options: {{ timeout: 5s }}
",
        closed_target.url()
    );
    let (open, closed) = tokio::join!(
        harness::run(&open_yaml, INTERVAL),
        harness::run(&closed_yaml, INTERVAL)
    );
    assert_completed(&open);
    assert_completed(&closed);
    let o = &open.summary.total;
    let c = &closed.summary.total;
    eprintln!("open:   {}", describe(o));
    eprintln!("closed: {}", describe(c));

    // Open model: latency counts from the scheduled start, so the frozen second shows.
    assert_eq!(o.errors, 0, "{}", describe(o));
    assert_eq!(open.summary.dropped_iterations, 0);
    assert!(
        open_target.counters().stalled() > 0,
        "no request hit a freeze"
    );
    assert_eq!(open_target.counters().requests(), o.requests);
    assert!(
        o.latency.p99_ms > 800.0,
        "open-model p99 should show the 1 s freezes: {}",
        describe(o)
    );

    // Closed model: latency is the raw service time, and most requests are fast.
    assert_eq!(c.errors, 0, "{}", describe(c));
    assert!(closed_target.counters().stalled() > 0);
    assert_eq!(closed_target.counters().requests(), c.requests);
    assert_eq!(c.latency.count, c.service_time.count);
    for (what, latency, service) in [
        ("p50", c.latency.p50_ms, c.service_time.p50_ms),
        ("p99", c.latency.p99_ms, c.service_time.p99_ms),
    ] {
        // 0.01 ms, plus one histogram bucket (above 2 ms the engine's histograms, 3 significant
        // digits, cannot tell apart values closer than a bucket), plus 2 %: a closed user's
        // latency runs from its previous response (see engine/src/journey.rs), so when the
        // generator's task yields in between (tokio's coop budget in `select!`) the delay
        // counts as latency but not as service time. On a busy machine that shifts the
        // percentiles by a fraction of a percent.
        let tolerance = 0.01 + bucket_ms(latency.max(service)) + 0.02 * service;
        assert!(
            (latency - service).abs() <= tolerance,
            "closed model: latency {what} {latency} ms != service time {what} {service} ms \
             (tolerance {tolerance} ms)"
        );
    }
    assert!(
        c.latency.p50_ms < 50.0,
        "closed-model p50 should be fast: {}",
        describe(c)
    );
    // The stalls did happen to the closed users too; their percentiles just hide them.
    assert!(c.latency.max_ms > 500.0, "{}", describe(c));
    assert!(
        o.latency.p99_ms > 10.0 * c.latency.p90_ms,
        "open p99 {} ms should be far above closed p90 {} ms",
        o.latency.p99_ms,
        c.latency.p90_ms
    );

    open_target.shutdown().await;
    closed_target.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Error classification

const GET_X: &str = "{ method: GET, path: /x }";

/// Short closed runs (2 users, 1 s, 2 s timeout) of `GET /x` against `url`, once on the direct
/// HTTP/1.1 path and once through reqwest (a `connection` header sends it that way), every
/// request of each failing as `kind`: each run with the request it sent, for what else a test
/// checks of it.
async fn failing_on_both_paths(url: &str, kind: ErrorKind) -> Vec<(&'static str, Finished)> {
    let through_reqwest = "{ method: GET, path: /x, headers: { connection: keep-alive } }";
    let mut runs = Vec::new();
    for request in [GET_X, through_reqwest] {
        let run = harness::run(&closed(url, request, 2, "1s", "2s"), INTERVAL).await;
        assert_completed(&run);
        assert_all_errors(&run.summary.total, kind);
        runs.push((request, run));
    }
    runs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_is_connect_refused() {
    let url = errors::refused_url().await.expect("free port");
    let run = harness::run(&closed(&url, GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    assert_all_errors(&run.summary.total, ErrorKind::ConnectRefused);
}

/// A thread count above `engine::MAX_THREADS` is refused before any thread starts; the most is
/// accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_worker_threads_than_the_most_are_refused() {
    let yaml = closed("http://127.0.0.1:9", GET_X, 1, "100ms", "1s");
    let config = || engine::EngineConfig {
        interval: INTERVAL,
        seed: Some(1),
    };
    let too_many = std::num::NonZeroUsize::new(engine::MAX_THREADS + 1).expect("not zero");
    let refused = engine::start_with_threads(harness::scenario(&yaml), config(), too_many)
        .map(|_| ())
        .expect_err("too many threads");
    assert_eq!(
        refused.to_string(),
        format!(
            "{} worker threads asked for; at most {}",
            engine::MAX_THREADS + 1,
            engine::MAX_THREADS
        )
    );
    let most = std::num::NonZeroUsize::new(engine::MAX_THREADS).expect("not zero");
    let handle = engine::start_with_threads(harness::scenario(&yaml), config(), most)
        .expect("the most is accepted");
    let summary = tokio::time::timeout(harness::RUN_LIMIT, handle.wait())
        .await
        .expect("the run ends");
    assert_eq!(summary.status, RunStatus::Completed, "{summary:?}");
}

/// Requests that fail before reaching the network end at once, without waiting on anything:
/// here TLS refuses the host name (a label longer than DNS allows), so nothing is looked up or
/// sent. Closed-model users looping on them used to hold their worker's thread forever: the
/// run never ended, and neither Stop nor a second signal could end it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_fail_at_once_do_not_hold_the_run_past_its_end() {
    let url = format!("https://{}.invalid", "a".repeat(64));
    // No think time: nothing in an iteration waits.
    let yaml = format!(
        "name: fails at once
target: {url}
journeys:
  - name: one
    steps:
      - request: {GET_X}
load: {{ type: constant_users, users: 2, duration: 1s }}
"
    );
    let run = harness::run(&yaml, INTERVAL).await;
    assert_completed(&run);
    assert_all_errors(&run.summary.total, ErrorKind::Dns);
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

/// A host name that cannot be resolved is a `dns` error, on the direct HTTP/1.1 path and
/// through reqwest (`https://`) alike. A label longer than DNS allows is refused by the resolver
/// (and by TLS) without a query going out, so this needs no network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_host_is_a_dns_error() {
    let host = format!("{}.invalid", "a".repeat(64));
    for url in [format!("http://{host}"), format!("https://{host}")] {
        let run = harness::run(&closed(&url, GET_X, 1, "300ms", "2s"), INTERVAL).await;
        assert_completed(&run);
        assert_all_errors(&run.summary.total, ErrorKind::Dns);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_connection_is_reset() {
    let target = errors::raw_server(RawBehaviour::Reset)
        .await
        .expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    assert_all_errors(&run.summary.total, ErrorKind::Reset);
    assert!(target.counters().connections() > 0);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_target_is_timeout() {
    let target = errors::raw_server(RawBehaviour::StallForever)
        .await
        .expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 1, "1s", "300ms"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Timeout);
    // Each request waited for the whole timeout, and no longer than the timeout plus slack.
    assert!(t.service_time.min_ms >= 299.0, "{}", describe(t));
    assert!(t.service_time.max_ms < 1000.0, "{}", describe(t));
    assert!(target.counters().requests() > 0);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_sending_faster_than_it_is_read_is_timeout() {
    // A body without end, faster than the generator parses it: the request fails at its
    // timeout, not when the graceful stop (5 s) cuts it as interrupted.
    let target = errors::raw_server(RawBehaviour::Flood)
        .await
        .expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 1, "1s", "300ms"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Timeout);
    assert_eq!(
        t.status_counts.get(&200),
        Some(&t.requests),
        "{}",
        describe(t)
    );
    assert!(t.service_time.min_ms >= 299.0, "{}", describe(t));
    // Late by at most the reading of one buffer (a second or so in a debug build).
    assert!(t.service_time.max_ms < 4000.0, "{}", describe(t));
    assert_eq!(run.summary.interrupted_iterations, 0);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_500_is_http_5xx() {
    let target = errors::server_error_server().await.expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Http5xx);
    assert_eq!(t.status_counts.get(&500), Some(&t.requests));
    assert_eq!(target.counters().requests(), t.requests);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_404_is_http_4xx() {
    let target = errors::not_found_server().await.expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Http4xx);
    assert_eq!(t.status_counts.get(&404), Some(&t.requests));
    assert_eq!(target.counters().requests(), t.requests);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answer_is_protocol_error() {
    let target = errors::raw_server(RawBehaviour::Garbage)
        .await
        .expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Protocol);
    assert!(t.status_counts.is_empty(), "{}", describe(t));
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_body_check_is_check_failed() {
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    let request = r#"{ method: GET, path: /health, checks: [{ body_contains: "nope" }] }"#;
    let run = harness::run(&closed(&demo.url(), request, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let s = &run.summary;
    assert_all_errors(&s.total, ErrorKind::CheckFailed);
    assert_eq!(s.total.status_counts.get(&200), Some(&s.total.requests));
    assert_eq!(s.checks.len(), 1);
    assert_eq!(s.checks[0].passed, 0, "{:?}", s.checks);
    assert_eq!(s.checks[0].failed, s.total.requests, "{:?}", s.checks);
    demo.shutdown().await.expect("demo target stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_404_is_not_an_error() {
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    let request = "{ method: GET, path: /nope, checks: [{ status: [404] }] }";
    let run = harness::run(&closed(&demo.url(), request, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let s = &run.summary;
    assert!(s.total.requests > 0);
    assert_eq!(s.total.errors, 0, "{}", describe(&s.total));
    assert!(s.total.errors_by_kind.is_empty());
    assert_eq!(s.total.status_counts.get(&404), Some(&s.total.requests));
    assert_eq!(s.checks[0].passed, s.total.requests, "{:?}", s.checks);
    assert_eq!(s.checks[0].failed, 0);
    assert_eq!(demo.stats().requests_total, s.total.requests);
    demo.shutdown().await.expect("demo target stops cleanly");
}

// ---------------------------------------------------------------------------------------------
// 4. TLS

fn tls_yaml(url: &str, insecure: bool) -> String {
    format!(
        "name: tls
target: {url}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /secure }}
      - think: 20ms
load: {{ type: constant_users, users: 2, duration: 1s }}
options: {{ timeout: 2s, insecure_tls: {insecure} }}
"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_tls_accepts_self_signed_and_speaks_http2() {
    let target = TlsServer::start().await.expect("TLS target starts");
    assert!(target.url().starts_with("https://127.0.0.1:"));
    let run = harness::run(&tls_yaml(&target.url(), true), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert!(t.requests > 0);
    assert_eq!(t.errors, 0, "{}", describe(t));
    assert_eq!(target.counters().requests(), t.requests);
    assert!(target.counters().http2() > 0, "HTTP/2 was not negotiated");
    assert_eq!(
        target.counters().http1(),
        0,
        "some requests went over HTTP/1.1"
    );
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_tls_rejects_self_signed() {
    let target = TlsServer::start().await.expect("TLS target starts");
    let run = harness::run(&tls_yaml(&target.url(), false), INTERVAL).await;
    assert_completed(&run);
    assert_all_errors(&run.summary.total, ErrorKind::Tls);
    assert!(target.counters().connections() > 0);
    assert_eq!(target.counters().requests(), 0);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_port_is_a_tls_error() {
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    let url = demo.url().replacen("http://", "https://", 1);
    for insecure in [true, false] {
        let run = harness::run(&tls_yaml(&url, insecure), INTERVAL).await;
        assert_completed(&run);
        assert_all_errors(&run.summary.total, ErrorKind::Tls);
    }
    demo.shutdown().await.expect("demo target stops cleanly");
}

// ---------------------------------------------------------------------------------------------
// 5. Cancel

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_quickly_and_loses_nothing() {
    let _cpu = harness::exclusive().await;
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    let yaml = format!(
        "name: cancel
target: {}
journeys:
  - name: browse
    steps:
      - request: {{ method: GET, path: /api/products }}
load: {{ type: constant_users, users: 5, duration: 60s }}
options: {{ timeout: 5s, graceful_stop: 5s }}
",
        demo.url()
    );
    let mut started = harness::start(&yaml, Duration::from_millis(200));
    let first = started.next_snapshot(Duration::from_secs(5)).await;
    assert_eq!(first.seq, 0);
    assert_eq!(first.status, RunStatus::Running);
    let cancelled_at = Instant::now();
    started.handle.cancel();
    let run = started.finish().await;
    let took = cancelled_at.elapsed();
    let s = &run.summary;

    assert_eq!(s.status, RunStatus::Cancelled, "reason: {:?}", s.reason);
    assert!(took < Duration::from_secs(2), "cancel took {took:?}");
    assert!(s.duration_ms < 5_000, "load lasted {} ms", s.duration_ms);
    assert!(s.total.requests > 0);
    assert_eq!(s.total.errors, 0, "{}", describe(&s.total));
    assert_eq!(
        demo.stats().requests_total,
        s.total.requests,
        "graceful stop lets in-flight requests finish and be recorded"
    );
    let last = run.snapshots.last().expect("a final snapshot");
    assert_eq!(last.status, RunStatus::Cancelled);
    demo.shutdown().await.expect("demo target stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_runs_rates_cover_its_graceful_stop() {
    let _cpu = harness::exclusive().await;
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    // Every journey is mid-think when the run is cancelled, and makes its second request
    // during the graceful stop, about 600 ms later.
    let yaml = format!(
        "name: stop-rates
target: {}
journeys:
  - name: two-steps
    steps:
      - request: {{ name: first, method: GET, path: /api/products }}
      - think: 600ms
      - request: {{ name: second, method: GET, path: /api/products }}
load: {{ type: constant_users, users: 3, duration: 60s }}
options: {{ timeout: 5s, graceful_stop: 5s }}
",
        demo.url()
    );
    let mut started = harness::start(&yaml, Duration::from_millis(100));
    // Cancelled once every user made its first request (on a busy machine that may take more
    // than the first interval), well inside the think time that follows.
    loop {
        let snap = started.next_snapshot(Duration::from_secs(5)).await;
        assert_eq!(snap.status, RunStatus::Running);
        if snap.total.requests >= 3 {
            break;
        }
    }
    let cancelled_at = Instant::now();
    started.handle.cancel();
    let run = started.finish().await;
    let stopping = cancelled_at.elapsed();
    let s = &run.summary;

    assert_eq!(s.status, RunStatus::Cancelled, "reason: {:?}", s.reason);
    let second = s.per_request.iter().find(|r| r.name == "second");
    assert!(
        second.is_some_and(|r| r.requests > 0),
        "the journeys finished during the graceful stop: {:?}",
        s.per_request
    );
    // The duration covers the graceful stop that made those requests...
    let last = run.snapshots.last().expect("a final snapshot");
    assert_eq!(s.duration_ms, last.elapsed_ms);
    assert!(
        s.duration_ms >= 500,
        "{} ms cannot contain a 600 ms think time",
        s.duration_ms
    );
    assert!(
        stopping >= Duration::from_millis(400),
        "stopping took {stopping:?}"
    );
    // ...so every rate is its count over that duration, as a reader of the summary computes it.
    let secs = s.duration_ms as f64 / 1000.0;
    for r in std::iter::once(&s.total).chain(&s.per_request) {
        let expected = r.requests as f64 / secs;
        assert!(
            (r.rps - expected).abs() <= expected * 0.01 + 0.01,
            "{}: {} req/s, but {} requests in {secs} s",
            r.name,
            r.rps,
            r.requests
        );
    }
    demo.shutdown().await.expect("demo target stops cleanly");
}

/// A stop that comes after the load ended (during the graceful stop) has nothing left to cut:
/// the iterations in flight finish as they would have, and the run is `Completed`, not
/// `Cancelled` (whose verdict would read "so far" and whose comparisons would call it partial).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_the_graceful_stop_leaves_the_run_completed() {
    let _cpu = harness::exclusive().await;
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    // Two users for 300 ms; each iteration thinks for 700 ms between its requests, so the users
    // are mid-journey when the load ends.
    let yaml = format!(
        "name: stop-late
target: {}
journeys:
  - name: two-steps
    steps:
      - request: {{ name: first, method: GET, path: /api/products }}
      - think: 700ms
      - request: {{ name: second, method: GET, path: /api/products }}
load: {{ type: constant_users, users: 2, duration: 300ms }}
options: {{ timeout: 5s, graceful_stop: 5s }}
",
        demo.url()
    );
    let mut started = harness::start(&yaml, Duration::from_millis(100));
    loop {
        let snap = started.next_snapshot(Duration::from_secs(5)).await;
        if snap.status == RunStatus::Stopping {
            break;
        }
        assert_eq!(snap.status, RunStatus::Running, "{snap:?}");
    }
    started.handle.cancel();
    let run = started.finish().await;
    let s = &run.summary;

    assert_eq!(s.status, RunStatus::Completed, "reason: {:?}", s.reason);
    assert_eq!(s.interrupted_iterations, 0, "nothing was cut");
    let second = s.per_request.iter().find(|r| r.name == "second");
    assert!(
        second.is_some_and(|r| r.requests >= 2 && r.errors == 0),
        "every journey made its second request: {:?}",
        s.per_request
    );
    let last = run.snapshots.last().expect("a final snapshot");
    assert_eq!(last.status, RunStatus::Completed);
    demo.shutdown().await.expect("demo target stops cleanly");
}

/// A stop-now (a second Ctrl-C, `?now=true`) during the graceful stop cuts it short: the
/// iterations in flight are interrupted at once instead of after their 30 s think time, and
/// the run, cut, is `Cancelled`. One during the load ends the load and cuts at once too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_now_cuts_the_graceful_stop_short() {
    let _cpu = harness::exclusive().await;
    let demo = DemoServer::start(DemoConfig::instant())
        .await
        .expect("demo target starts");
    for (during_load, duration) in [(false, "300ms"), (true, "60s")] {
        let yaml = format!(
            "name: stop-now
target: {}
journeys:
  - name: two-steps
    steps:
      - request: {{ name: first, method: GET, path: /api/products }}
      - think: 30s
      - request: {{ name: second, method: GET, path: /api/products }}
load: {{ type: constant_users, users: 2, duration: {duration} }}
options: {{ timeout: 5s, graceful_stop: 60s }}
",
            demo.url()
        );
        let mut started = harness::start(&yaml, Duration::from_millis(100));
        let wanted = if during_load {
            RunStatus::Running
        } else {
            RunStatus::Stopping
        };
        loop {
            let snap = started.next_snapshot(Duration::from_secs(5)).await;
            // Both users have made their first request and are thinking.
            if snap.status == wanted && snap.total.requests >= 2 {
                break;
            }
        }
        started.handle.stop_now();
        let run = started.finish().await;
        let s = &run.summary;
        assert_eq!(
            s.status,
            RunStatus::Cancelled,
            "during the load: {during_load}"
        );
        assert_eq!(s.interrupted_iterations, 2, "both users were cut mid-think");
        assert_eq!(
            s.reason.as_deref(),
            Some("the iterations in flight were cut at once (stop now)")
        );
        let planned = if during_load { 60_000 } else { 300 };
        assert_eq!(s.planned_ms, planned, "the plan, not what ran");
        assert!(
            s.duration_ms < 20_000,
            "ended without waiting out the think time: {} ms",
            s.duration_ms
        );
        assert!(
            s.per_request
                .iter()
                .all(|r| r.name != "second" || r.requests == 0),
            "no second request was made: {:?}",
            s.per_request
        );
        let last = run.snapshots.last().expect("a final snapshot");
        assert_eq!(last.status, RunStatus::Cancelled);
    }
    demo.shutdown().await.expect("demo target stops cleanly");
}

// ---------------------------------------------------------------------------------------------
// 6. Threshold abort

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_abort_threshold_ends_the_run_early() {
    let _cpu = harness::exclusive().await;
    let target = errors::server_error_server().await.expect("target starts");
    let yaml = format!(
        r#"name: abort
target: {}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /x, name: x }}
load: {{ type: constant_users, users: 2, duration: 30s }}
thresholds:
  - {{ expr: "error_rate < 1%", request: x, abort_on_fail: true }}
options: {{ timeout: 2s }}
"#,
        target.url()
    );
    let run = harness::run(&yaml, Duration::from_millis(200)).await;
    let s = &run.summary;
    assert_eq!(s.status, RunStatus::Failed, "{s:?}");
    let reason = s.reason.as_deref().expect("a failed run says why");
    // The threshold is scoped to request x: the reason and the summary say so (the same
    // expression could be set on the whole run, or on other requests).
    assert!(
        reason.starts_with("threshold \"error_rate < 1%\" for request \"x\" failed"),
        "reason: {reason}"
    );
    assert_eq!(s.aborted_by.as_deref(), Some("error_rate < 1%"));
    assert_eq!(s.aborted_by_request.as_deref(), Some("x"));
    assert!(
        run.elapsed < Duration::from_secs(5),
        "the run took {:?}",
        run.elapsed
    );
    assert!(s.duration_ms < 5_000);
    assert_eq!(s.thresholds.len(), 1);
    assert!(!s.thresholds[0].passed, "{:?}", s.thresholds);
    assert_all_errors(&s.total, ErrorKind::Http5xx);
    target.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 7. Truthful byte counts and interrupted iterations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_send_no_bytes() {
    let url = errors::refused_url().await.expect("free port");
    for (request, run) in failing_on_both_paths(&url, ErrorKind::ConnectRefused).await {
        let t = &run.summary.total;
        assert_eq!(
            (t.bytes_sent, t.bytes_received),
            (0, 0),
            "{request}: nothing can be sent without a connection"
        );
        let last = run.snapshots.last().expect("a final snapshot");
        assert_eq!(last.total.bytes_sent, 0, "{request}");
        let summed: u64 = run.snapshots.iter().map(|s| s.interval.bytes_sent).sum();
        assert_eq!(summed, 0, "{request}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_is_a_body_read_error_on_both_paths() {
    let target = errors::raw_server(RawBehaviour::ShortBody)
        .await
        .expect("target starts");
    for (request, run) in failing_on_both_paths(&target.url(), ErrorKind::BodyRead).await {
        let t = &run.summary.total;
        assert_eq!(
            t.status_counts.get(&200).copied(),
            Some(t.requests),
            "{request}: the head said 200"
        );
    }
    target.shutdown().await;
}

/// A server switches protocols only when asked to (RFC 9110 §15.2.2): a `101` to a request
/// without `Upgrade` is no answer to it, a protocol error with no status counted, on the direct
/// HTTP/1.1 path and through reqwest alike. A request that asked for the switch gets what it
/// asked for: a 101, no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_of_protocols_nobody_asked_for_is_a_protocol_error() {
    let target = errors::raw_server(RawBehaviour::SwitchProtocols)
        .await
        .expect("target starts");
    for (request, run) in failing_on_both_paths(&target.url(), ErrorKind::Protocol).await {
        let t = &run.summary.total;
        assert!(t.status_counts.is_empty(), "{request}: {}", describe(t));
    }
    let asked = "{ method: GET, path: /x, headers: { upgrade: websocket, connection: upgrade } }";
    let run = harness::run(&closed(&target.url(), asked, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert!(t.requests > 0 && t.errors == 0, "{}", describe(t));
    assert_eq!(
        t.status_counts.get(&101).copied(),
        Some(t.requests),
        "{}",
        describe(t)
    );
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_count_as_bytes_received() {
    let target = errors::raw_server(RawBehaviour::Garbage)
        .await
        .expect("target starts");
    let run = harness::run(&closed(&target.url(), GET_X, 2, "1s", "2s"), INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert_all_errors(t, ErrorKind::Protocol);
    // Each request read the target's whole answer (one write, one read) before giving up on it.
    assert_eq!(
        t.bytes_received,
        t.requests * errors::GARBAGE.len() as u64,
        "{}",
        describe(t)
    );
    // Every request was written whole, and they are all the same.
    assert!(t.bytes_sent > 0, "{}", describe(t));
    assert_eq!(t.bytes_sent % t.requests, 0, "{}", describe(t));
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_re_sent_after_a_kept_alive_connection_closed_are_counted() {
    // Every connection answers one request; the next request on it is read and the connection
    // closed. One user sends one request after another, so every request after the first
    // meets a closed connection and is sent once more on a new one.
    let target = errors::raw_server(RawBehaviour::AnswerOnceThenClose)
        .await
        .expect("target starts");
    let scenario = format!(
        "name: re-sent
target: {}
journeys:
  - name: one
    steps:
      - request: {GET_X}
load: {{ type: constant_users, users: 1, duration: 300ms }}
",
        target.url()
    );
    let run = harness::run(&scenario, INTERVAL).await;
    assert_completed(&run);
    let t = &run.summary.total;
    assert!(t.requests > 2, "{}", describe(t));
    assert_eq!(t.errors, 0, "{}", describe(t));
    assert_eq!(t.resent, t.requests - 1, "{}", describe(t));
    // One answered request per connection, and the target saw each re-sent request twice.
    let c = target.counters();
    assert_eq!(c.requests(), t.requests);
    assert_eq!(c.connections(), t.requests);
    // Both writes of a re-sent request are in bytes sent: everything the target read.
    assert_eq!(t.bytes_sent, c.bytes_read());
    assert_eq!(t.bytes_received, t.requests * errors::OK.len() as u64);
    // Per request name and in the snapshots too.
    assert_eq!(run.summary.per_request[0].resent, t.resent);
    let summed: u64 = run.snapshots.iter().map(|s| s.interval.resent).sum();
    assert_eq!(summed, t.resent);
    target.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterations_cut_at_the_end_of_the_graceful_stop_are_interrupted() {
    // The target accepts and never answers; requests would time out only after 10 s.
    cut_at_the_end_of_the_graceful_stop(RawBehaviour::StallForever).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_cut_mid_body_count_their_head_and_bytes() {
    // The target answers a 200 head and 3 of 1000 body bytes, then nothing more.
    cut_at_the_end_of_the_graceful_stop(RawBehaviour::StallMidBody).await;
}

/// Two runs (open and closed model) against a target that leaves every request hanging as
/// `behaviour` says: the graceful stop cuts the two requests in flight of each.
async fn cut_at_the_end_of_the_graceful_stop(behaviour: RawBehaviour) {
    let target = errors::raw_server(behaviour).await.expect("target starts");
    // Open model: 10 starts over 1 s; the first two take the pool of 2 and hang, the other
    // eight are dropped; the graceful stop ends 0.5 s after the load and cuts the two.
    let open = format!(
        "name: interrupted open
target: {}
journeys:
  - name: one
    steps:
      - request: {GET_X}
load: {{ type: constant_rate, rate: 10, duration: 1s, max_users: 2 }}
options: {{ timeout: 10s, graceful_stop: 500ms }}
",
        target.url()
    );
    // Closed model: two users, both waiting on their first response when cut.
    let closed = format!(
        "name: interrupted closed
target: {}
journeys:
  - name: one
    steps:
      - request: {GET_X}
load: {{ type: constant_users, users: 2, duration: 1s }}
options: {{ timeout: 10s, graceful_stop: 500ms }}
",
        target.url()
    );
    let (open, closed) = tokio::join!(
        harness::run(&open, INTERVAL),
        harness::run(&closed, INTERVAL)
    );
    // What the target sent each request before it went quiet: a head and part of a body, or
    // nothing.
    let (answered, status) = match behaviour {
        RawBehaviour::StallMidBody => (errors::SHORT_BODY.len() as u64, Some(200)),
        _ => (0, None),
    };
    for (run, dropped) in [(&open, 8), (&closed, 0)] {
        assert_completed(run);
        let s = &run.summary;
        let t = &s.total;
        assert_eq!(
            (s.iterations, s.interrupted_iterations, s.dropped_iterations),
            (0, 2, dropped),
            "{}: {}",
            s.scenario,
            describe(t)
        );
        // The cut requests never got a whole answer: each is an `interrupted` error (so a
        // hanging target cannot pass an error-rate threshold), with the time it had waited as
        // its latency, a lower bound (the load lasted 1 s and the graceful stop 0.5 s).
        assert_all_errors(t, ErrorKind::Interrupted);
        assert_eq!(t.requests, 2, "{}", describe(t));
        assert_eq!(t.latency.count, 2);
        assert!(t.latency.min_ms >= 400.0, "{}", describe(t));
        // A head that arrived is counted under its status, like any other response head, and
        // the bytes that went over the wire before the cut are counted: the two identical
        // requests written whole, and what the target had answered.
        let statuses: Vec<(u16, u64)> = t.status_counts.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(
            statuses,
            status.map(|code| (code, 2)).into_iter().collect::<Vec<_>>(),
            "{}",
            describe(t)
        );
        assert_eq!(t.bytes_received, 2 * answered, "{}", describe(t));
        assert!(t.bytes_sent > 0 && t.bytes_sent % 2 == 0, "{}", describe(t));
        assert!(
            run.elapsed < Duration::from_secs(5),
            "{}: the graceful stop cut the run short, it took {:?}",
            s.scenario,
            run.elapsed
        );
        // The final snapshot says so too; earlier ones had nothing to report yet.
        let last = run.snapshots.last().expect("a final snapshot");
        assert_eq!(last.interrupted_iterations, 2, "{}", s.scenario);
        assert_eq!(last.interval.errors, 2, "{}", s.scenario);
        assert_eq!(last.iterations, 0, "{}", s.scenario);
        assert!(
            run.snapshots[..run.snapshots.len() - 1]
                .iter()
                .all(|x| x.interrupted_iterations == 0),
            "{}",
            s.scenario
        );
    }
    // Every byte sent is one the target read (it read the requests long before the cut).
    assert_eq!(
        open.summary.total.bytes_sent + closed.summary.total.bytes_sent,
        target.counters().bytes_read()
    );
    target.shutdown().await;
}
