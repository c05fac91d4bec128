//! The live feed, without sockets: `RunManager::subscribe` and the messages a run pushes.

use axum::extract::ws::Message;
use serde_json::json;
use shared::metrics::MetricsSnapshot;
use shared::run::RunStatus;
use shared::ws::ServerMsg;

use super::{Harness, RUN_DEADLINE, collect_until_finished, quick_scenario};

fn snapshots(msgs: &[ServerMsg]) -> Vec<&MetricsSnapshot> {
    msgs.iter()
        .filter_map(|m| match m {
            ServerMsg::Snapshot { snapshot, .. } => Some(&**snapshot),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_the_feed_from_start_to_finish() {
    let h = Harness::new().await;
    let (mut rx, history) = h.runs.subscribe();
    assert!(history.is_none(), "no run in progress yet");

    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("feed", "GET product", "500ms") } }),
        )
        .await;
    let msgs = collect_until_finished(&mut rx, &id).await;

    match &msgs[0] {
        ServerMsg::RunStarted { run } => {
            assert_eq!(run.id, id);
            assert_eq!(run.scenario, "feed");
        }
        other => panic!("RunStarted first, got {other:?}"),
    }
    assert!(
        matches!(&msgs[1], ServerMsg::Status { run_id, status: RunStatus::Running } if *run_id == id),
        "then Status(running), got {:?}",
        msgs[1]
    );
    let Some(ServerMsg::Finished { run_id, summary }) = msgs.last() else {
        panic!("Finished last: {msgs:?}")
    };
    assert_eq!(*run_id, id);
    assert_eq!(summary.status, RunStatus::Completed);
    assert_eq!(
        msgs.iter()
            .filter(|m| matches!(m, ServerMsg::Finished { .. } | ServerMsg::RunStarted { .. }))
            .count(),
        2,
        "one start and one finish: {msgs:?}"
    );
    // The end status is announced just before the summary.
    assert!(
        matches!(
            &msgs[msgs.len() - 2],
            ServerMsg::Status {
                status: RunStatus::Completed,
                ..
            }
        ),
        "{:?}",
        msgs[msgs.len() - 2]
    );
    // Statuses move forward only.
    let rank = |s: RunStatus| match s {
        RunStatus::Pending => 0,
        RunStatus::Running => 1,
        RunStatus::Stopping => 2,
        _ => 3,
    };
    let statuses: Vec<RunStatus> = msgs
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Status { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) < rank(w[1])),
        "{statuses:?}"
    );
    assert!(
        !msgs.iter().any(|m| matches!(
            m,
            ServerMsg::Hello { .. } | ServerMsg::Lagged { .. } | ServerMsg::History { .. }
        )),
        "{msgs:?}"
    );

    // Snapshots: every interval once, in order, adding up to the summary.
    let snaps = snapshots(&msgs);
    assert!(
        snaps.len() >= 3,
        "500ms at 100ms intervals: {}",
        snaps.len()
    );
    let seqs: Vec<u64> = snaps.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (0..snaps.len() as u64).collect::<Vec<_>>());
    assert!(snaps.windows(2).all(|w| w[0].elapsed_ms <= w[1].elapsed_ms));
    let sum: u64 = snaps.iter().map(|s| s.interval.requests).sum();
    assert_eq!(sum, summary.total.requests);
    assert!(summary.total.requests > 0);
    assert_eq!(
        snaps.last().map(|s| s.total.requests),
        Some(summary.total.requests)
    );
    assert_eq!(h.demo.stats().requests_total, summary.total.requests);

    // Once it is over, a new subscriber gets no history.
    let (_rx, history) = h.runs.subscribe();
    assert!(history.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_mid_run_gets_history_then_live_snapshots() {
    let h = Harness::new().await;
    let (mut full, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("join", "GET product", "1s") } }),
        )
        .await;

    // Wait on the first subscriber for the first snapshot, keeping what it saw.
    let mut seen = Vec::new();
    let first = async {
        loop {
            let msg = full.recv().await.expect("the feed is open");
            let is_snapshot = matches!(msg, ServerMsg::Snapshot { .. });
            seen.push(msg);
            if is_snapshot {
                return;
            }
        }
    };
    tokio::time::timeout(RUN_DEADLINE, first)
        .await
        .expect("a first snapshot");

    let (mut late, history) = h.runs.subscribe();
    // Joining shares the stored snapshots: taking the history under the manager's lock
    // copies none of them, however long the run.
    let (_, again) = h.runs.subscribe();
    if let (Some(history), Some(again)) = (&history, &again) {
        assert!(!history.snapshots.is_empty());
        assert!(
            history
                .snapshots
                .iter()
                .zip(&again.snapshots)
                .all(|(a, b)| std::sync::Arc::ptr_eq(a, b)),
            "two joins share every snapshot"
        );
    }
    let Some(ServerMsg::History {
        run,
        snapshots: past,
        alerts: _,
    }) = history.as_ref().map(|h| h.to_msg())
    else {
        panic!("a subscriber joining mid-run gets the history, got {history:?}")
    };
    assert_eq!(run.id, id);
    assert!(!run.status.is_terminal(), "{run:?}");
    assert!(!past.is_empty(), "the first snapshot is in the history");

    let rest = collect_until_finished(&mut late, &id).await;
    assert!(
        !rest
            .iter()
            .any(|m| matches!(m, ServerMsg::RunStarted { .. })),
        "the late subscriber joined after the start"
    );
    seen.extend(collect_until_finished(&mut full, &id).await);

    let all: Vec<u64> = snapshots(&seen).iter().map(|s| s.seq).collect();
    let mut joined: Vec<u64> = past.iter().map(|s| s.seq).collect();
    joined.extend(snapshots(&rest).iter().map(|s| s.seq));
    assert_eq!(
        joined, all,
        "history + live cover every snapshot exactly once, in order"
    );
    assert_eq!(all, (0..all.len() as u64).collect::<Vec<_>>());

    let Some(ServerMsg::Finished { summary, .. }) = rest.last() else {
        panic!("Finished last")
    };
    let sum: u64 = past
        .iter()
        .map(|s| s.interval.requests)
        .chain(snapshots(&rest).iter().map(|s| s.interval.requests))
        .sum();
    assert_eq!(sum, summary.total.requests);
}

/// A viewer of `live::feed` driven by channels: what the server sends, and a way to close.
struct Viewer {
    frames: tokio::sync::mpsc::UnboundedReceiver<Message>,
    client: tokio::sync::mpsc::UnboundedSender<Result<Message, std::convert::Infallible>>,
    task: tokio::task::JoinHandle<()>,
}

impl Viewer {
    fn connect(h: &Harness) -> Self {
        let (out_tx, frames) = tokio::sync::mpsc::unbounded_channel::<Message>();
        let sink = Box::pin(futures_util::sink::unfold(
            out_tx,
            |tx, msg: Message| async move {
                tx.send(msg).map_err(|_| "the viewer is gone")?;
                Ok::<_, &'static str>(tx)
            },
        ));
        let (client, in_rx) = tokio::sync::mpsc::unbounded_channel();
        let stream = Box::pin(futures_util::stream::unfold(in_rx, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        }));
        let task = tokio::spawn(crate::server::live::feed(
            sink,
            stream,
            h.runs.clone(),
            crate::server::live::SEND_TIMEOUT,
        ));
        Self {
            frames,
            client,
            task,
        }
    }

    /// The next message, parsed from its JSON text frame.
    async fn next(&mut self) -> ServerMsg {
        let frame = tokio::time::timeout(RUN_DEADLINE, self.frames.recv())
            .await
            .expect("a frame in time")
            .expect("the feed is open");
        match frame {
            Message::Text(text) => serde_json::from_str(text.as_str())
                .unwrap_or_else(|e| panic!("not a ServerMsg ({e}): {}", text.as_str())),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Messages up to and including `Finished`.
    async fn until_finished(&mut self) -> Vec<ServerMsg> {
        let mut out = Vec::new();
        loop {
            let msg = self.next().await;
            let done = matches!(msg, ServerMsg::Finished { .. });
            out.push(msg);
            if done {
                return out;
            }
        }
    }

    /// Closes like a browser does; the feed ends and closes its side.
    async fn close(mut self) {
        self.client
            .send(Ok(Message::Close(None)))
            .expect("the feed reads");
        tokio::time::timeout(RUN_DEADLINE, &mut self.task)
            .await
            .expect("the feed ends when the viewer closes")
            .expect("the feed does not panic");
        // Anything still buffered, then the end: the feed dropped its sink.
        while let Some(frame) = self.frames.recv().await {
            assert!(
                matches!(frame, Message::Text(_)),
                "only messages before the end: {frame:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_feed_hello_history_and_live() {
    let h = Harness::new().await;
    let mut early = Viewer::connect(&h);
    assert_eq!(
        early.next().await,
        ServerMsg::Hello {
            protocol: shared::ws::PROTOCOL_VERSION
        }
    );

    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("viewers", "GET product", "1s") } }),
        )
        .await;
    // Wait for the first snapshot on the early viewer, then join with a second one.
    let mut early_msgs = Vec::new();
    loop {
        let msg = early.next().await;
        let snap = matches!(msg, ServerMsg::Snapshot { .. });
        early_msgs.push(msg);
        if snap {
            break;
        }
    }
    let mut late = Viewer::connect(&h);
    assert!(matches!(late.next().await, ServerMsg::Hello { .. }));
    let ServerMsg::History {
        run,
        snapshots: past,
        ..
    } = late.next().await
    else {
        panic!("History second for a viewer joining mid-run")
    };
    assert_eq!(run.id, id);

    early_msgs.extend(early.until_finished().await);
    let late_msgs = late.until_finished().await;
    assert!(
        matches!(&early_msgs[0], ServerMsg::RunStarted { run } if run.id == id),
        "{:?}",
        early_msgs[0]
    );
    let all: Vec<u64> = snapshots(&early_msgs).iter().map(|s| s.seq).collect();
    let mut joined: Vec<u64> = past.iter().map(|s| s.seq).collect();
    joined.extend(snapshots(&late_msgs).iter().map(|s| s.seq));
    assert_eq!(joined, all);
    assert_eq!(early_msgs.last(), late_msgs.last(), "the same Finished");

    early.close().await;
    late.close().await;
}

/// A viewer that stops reading (its socket takes no more frames, as when the peer's receive
/// window stays full) is dropped after one send timeout: its feed ends and lets go of the
/// socket and its subscription. It used to end by closing the socket gracefully, which sends
/// a close frame and so waited, without a limit, for the very viewer that had stopped reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_stops_reading_is_dropped() {
    let h = Harness::new().await;
    let (taken_tx, mut taken) = tokio::sync::mpsc::unbounded_channel::<Message>();
    // Takes the first frame (hello), then never completes another send.
    let sink = Box::pin(futures_util::sink::unfold(
        Some(taken_tx),
        |tx, msg: Message| async move {
            match tx {
                Some(tx) => {
                    tx.send(msg).map_err(|_| "the test is gone")?;
                    Ok::<_, &'static str>(None)
                }
                None => std::future::pending().await,
            }
        },
    ));
    // Nor does it ever send anything, or close.
    let stream = futures_util::stream::pending::<Result<Message, std::convert::Infallible>>();
    let send_timeout = std::time::Duration::from_millis(50);
    let mut task = tokio::spawn(crate::server::live::feed(
        sink,
        stream,
        h.runs.clone(),
        send_timeout,
    ));
    let hello = tokio::time::timeout(RUN_DEADLINE, taken.recv())
        .await
        .expect("hello in time");
    assert!(matches!(hello, Some(Message::Text(_))), "{hello:?}");

    // The run's first message is one the viewer never takes.
    let (mut rx, _) = h.runs.subscribe();
    let id = h
        .start(
            "/api/workload/start",
            &json!({ "scenario": { "inline": quick_scenario("stuck", "GET product", "500ms") } }),
        )
        .await;
    tokio::time::timeout(RUN_DEADLINE, &mut task)
        .await
        .expect("the feed of a viewer that stopped reading ends")
        .expect("the feed does not panic");
    collect_until_finished(&mut rx, &id).await;
}
