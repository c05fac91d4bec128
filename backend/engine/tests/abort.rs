//! A run stopped by an `abort_on_fail` threshold: the iterations in flight finish during the
//! graceful stop, and their requests can bring the figure back under the limit. The threshold
//! that stopped the run still failed: the summary must not call it passed (the CLI would exit
//! with 3, "the run failed", instead of 1, and the history would list the run as passing).

use std::time::Duration;

use engine::EngineConfig;
use shared::run::RunStatus;

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_threshold_that_aborted_the_run_stays_failed() {
    let addr = support::target();
    // One user: a failing request, a long think, then ten good requests. The first snapshot
    // (at 100 ms) sees 1 error in 1 request and stops the run; the user finishes its
    // iteration in the graceful stop, which ends at 1 error in 11 (9%).
    let good = "      - request: { method: GET, path: /ok, name: ok }\n".repeat(10);
    let yaml = format!(
        "name: abort
target: http://{addr}
journeys:
  - name: one
    steps:
      - request: {{ method: GET, path: /fail, name: fail }}
      - think: 1s
{good}load: {{ type: constant_users, users: 1, duration: 30s }}
thresholds:
  - {{ expr: \"error_rate < 20%\", abort_on_fail: true }}
options: {{ timeout: 5s, graceful_stop: 10s }}
"
    );
    let scenario = support::valid(&yaml);
    let handle = engine::start_with_threads(
        scenario,
        EngineConfig {
            interval: Duration::from_millis(100),
            seed: Some(5),
        },
        std::num::NonZeroUsize::MIN,
    )
    .expect("the run starts");
    let s = tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("the run ends");
    eprintln!(
        "{:?} {:?} {} requests, {} errors: {:?}",
        s.status, s.reason, s.total.requests, s.total.errors, s.thresholds
    );
    assert_eq!(s.status, RunStatus::Failed, "{:?}", s.reason);
    assert_eq!(s.aborted_by.as_deref(), Some("error_rate < 20%"));
    assert_eq!(
        (s.total.requests, s.total.errors),
        (11, 1),
        "the iteration in flight finished"
    );
    let verdict = &s.thresholds[0];
    assert!(!verdict.passed, "it stopped the run: {verdict:?}");
    assert!(!s.thresholds_passed());
    assert_eq!(s.verdict(), Some(false));
    // The figure that failed it, as the reason says.
    assert_eq!(verdict.observed, Some(1.0), "{verdict:?}");
    assert!(
        s.reason
            .as_deref()
            .is_some_and(|r| r.contains(&format!("(observed {})", verdict.observed_text))),
        "{:?} names {verdict:?}",
        s.reason
    );
}
