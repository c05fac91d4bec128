//! The WebSocket live feed. Every connection gets `hello`, then (if a run is in progress) its
//! history so far, then live messages. A viewer that falls behind is told how much it missed
//! and carries on from the newest message; one that stops reading is dropped, and so is one
//! that has gone silent (see [`UNANSWERED_PINGS_MAX`]). Neither ever slows the engine: the
//! feed is a bounded broadcast.
//!
//! A message may take [`SEND_TIMEOUT`] to send, or longer when it is large: as long as it
//! needs at [`MIN_SEND_RATE`]. A long run's history (tens of MB after an hour) so reaches a
//! viewer on a slow link; with a fixed limit, that viewer was dropped, reconnected, was sent
//! the history again and never caught up.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse as _, Response};
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use shared::ws::{PROTOCOL_VERSION, ServerMsg};
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use super::error::ApiError;
use super::manager::{History, RunManager};

/// A viewer that cannot take a message within this time is disconnected (a large one gets
/// longer: see [`send_limit`]).
pub(crate) const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the feed pings its viewer (a WebSocket ping, which browsers answer by themselves):
/// a feed with nothing to say (no run) still carries a frame this often, so a proxy that cuts
/// idle connections (nginx's `proxy_read_timeout` is 60 s) keeps it open.
pub(crate) const PING_PERIOD: Duration = Duration::from_secs(20);

/// A viewer from which nothing has arrived (a pong, or any other frame) since this many pings
/// were sent is dropped when the next ping is due: 60 s after its last frame at most. Browsers
/// answer each ping with a pong by themselves; a viewer whose machine vanished (no FIN, no RST)
/// answers nothing, and on an idle feed its pings are too small to ever fill the socket buffer
/// and time a send out, so without this its feed (socket and subscription) was kept for good.
pub(crate) const UNANSWERED_PINGS_MAX: u32 = 2;

/// The slowest a viewer may take a large message, bytes per second (512 kbit/s): a message is
/// given as long as it needs at this rate, when that is longer than the send timeout.
pub(crate) const MIN_SEND_RATE: u64 = 64 * 1024;

/// The largest message (and frame) a viewer may send. The feed is one-way and ignores what a
/// viewer sends (pings and closes carry at most 125 bytes), so anything bigger is refused at
/// once, closing the socket, instead of being buffered up to axum's default of 64 MiB per
/// connection only to be thrown away.
const VIEWER_MESSAGE_MAX: usize = 4 * 1024;

/// A request that is not a WebSocket handshake gets the API's JSON error (400), not axum's
/// plain-text rejection.
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => ws
            .max_message_size(VIEWER_MESSAGE_MAX)
            .max_frame_size(VIEWER_MESSAGE_MAX)
            .on_upgrade(move |socket: WebSocket| {
                let (sink, stream) = socket.split();
                feed(sink, stream, state.runs, SEND_TIMEOUT)
            }),
        Err(rejection) => ApiError::BadRequest(format!(
            "{} is a WebSocket endpoint: {}",
            "/api/ws",
            rejection.body_text()
        ))
        .into_response(),
    }
}

/// The next message for a viewer; `None` once the feed has closed. A viewer that fell behind
/// gets `lagged`, with every message it will not see, and goes on from the newest one: it
/// refetches the run on `lagged` (every snapshot and alert is stored before it is broadcast),
/// so the older messages still queued (tokio resumes a lagging receiver at the oldest it
/// holds) would only keep it behind, and lagging again.
async fn next(rx: &mut broadcast::Receiver<ServerMsg>) -> Option<ServerMsg> {
    match rx.recv().await {
        Ok(msg) => Some(msg),
        Err(RecvError::Lagged(skipped)) => {
            let queued = rx.len() as u64;
            *rx = rx.resubscribe();
            Some(ServerMsg::Lagged {
                skipped: skipped.saturating_add(queued),
            })
        }
        Err(RecvError::Closed) => None,
    }
}

/// How long a message of `bytes` may take to send: `send_timeout`, or as long as it needs at
/// [`MIN_SEND_RATE`] when that is longer.
fn send_limit(send_timeout: Duration, bytes: usize) -> Duration {
    let at_min_rate = Duration::from_millis(
        u64::try_from(bytes)
            .unwrap_or(u64::MAX)
            .saturating_mul(1000)
            / MIN_SEND_RATE,
    );
    send_timeout.max(at_min_rate)
}

/// Sends one text frame within its [`send_limit`]; false when the viewer did not take it.
async fn send_text<S: Sink<Message> + Unpin>(
    sink: &mut S,
    text: String,
    send_timeout: Duration,
) -> bool {
    let limit = send_limit(send_timeout, text.len());
    matches!(
        tokio::time::timeout(limit, sink.send(Message::Text(text.into()))).await,
        Ok(Ok(()))
    )
}

async fn send<S: Sink<Message> + Unpin>(
    sink: &mut S,
    msg: &ServerMsg,
    send_timeout: Duration,
) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => send_text(sink, text, send_timeout).await,
        Err(_) => false,
    }
}

/// Sends `hello`, then the history of the run in progress, if any; false when the viewer did
/// not take them. The history is written out on a blocking thread: a long run's takes a while.
async fn greet<S: Sink<Message> + Unpin>(
    sink: &mut S,
    history: Option<History>,
    send_timeout: Duration,
) -> bool {
    let hello = ServerMsg::Hello {
        protocol: PROTOCOL_VERSION,
    };
    if !send(sink, &hello, send_timeout).await {
        return false;
    }
    let Some(history) = history else {
        return true;
    };
    match tokio::task::spawn_blocking(move || history.to_json()).await {
        Ok(Ok(text)) => send_text(sink, text, send_timeout).await,
        _ => false,
    }
}

/// Serves one viewer; a send that takes longer than its [`send_limit`] (`send_timeout`,
/// [`SEND_TIMEOUT`] on a real socket, or longer for a large message) drops it, and so does a
/// ping that takes longer than `send_timeout`, and a viewer that has answered none of the last
/// [`UNANSWERED_PINGS_MAX`] pings (nor sent anything else since). Generic over the socket
/// halves so it can be driven by channels in tests.
pub(crate) async fn feed<S, R, E>(
    mut sink: S,
    mut stream: R,
    runs: RunManager,
    send_timeout: Duration,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, E>> + Unpin,
{
    let (mut rx, history) = runs.subscribe();
    if !greet(&mut sink, history, send_timeout).await {
        return;
    }
    let first_ping = tokio::time::Instant::now() + PING_PERIOD;
    let mut ping = tokio::time::interval_at(first_ping, PING_PERIOD);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Pings sent since the viewer last sent anything.
    let mut unanswered: u32 = 0;
    loop {
        // What the viewer sent comes first: a pong that arrived while a long send was under
        // way counts before the next ping is judged unanswered.
        tokio::select! {
            biased;
            incoming = stream.next() => match incoming {
                // The feed is one-way; anything the client sends is ignored until it closes,
                // but shows it is there.
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => unanswered = 0,
            },
            _ = ping.tick() => {
                if unanswered >= UNANSWERED_PINGS_MAX {
                    break;
                }
                unanswered += 1;
                let ping = sink.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(send_timeout, ping).await, Ok(Ok(()))) {
                    break;
                }
            }
            msg = next(&mut rx) => {
                let Some(msg) = msg else { break };
                if !send(&mut sink, &msg, send_timeout).await {
                    break;
                }
            }
        }
    }
    // Closing sends a close frame, which a viewer that stopped reading never takes: bounded
    // like any send, or its feed (socket and subscription) would be kept for good.
    let _ = tokio::time::timeout(send_timeout, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::mpsc;
    use tokio::time::Instant;

    use super::*;

    /// A viewer on a link that carries `rate` bytes per second: each frame is taken once its
    /// bytes have gone through, then handed to the returned receiver.
    fn slow_link(
        rate: u64,
    ) -> (
        impl Sink<Message, Error = &'static str> + Unpin,
        mpsc::UnboundedReceiver<Message>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let sink = Box::pin(futures_util::sink::unfold(tx, move |tx, msg: Message| {
            let bytes = match &msg {
                Message::Text(text) => text.len() as u64,
                _ => 0,
            };
            async move {
                tokio::time::sleep(Duration::from_millis(bytes * 1000 / rate)).await;
                tx.send(msg).map_err(|_| "the test is gone")?;
                Ok(tx)
            }
        }));
        (sink, rx)
    }

    /// A run's history with `intervals` snapshots.
    fn history(intervals: u64) -> History {
        History {
            run: shared::samples::run_info(),
            snapshots: (0..intervals)
                .map(|seq| Arc::new(shared::samples::snapshot(seq)))
                .collect(),
            alerts: vec![Arc::new(shared::samples::alert())],
        }
    }

    fn text(frame: Option<Message>) -> String {
        match frame {
            Some(Message::Text(text)) => text.as_str().to_owned(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    #[test]
    fn the_history_is_written_as_the_history_message() {
        let history = history(3);
        let json = history.to_json().expect("serializes");
        let msg = history.to_msg();
        assert_eq!(json, serde_json::to_string(&msg).expect("serializes"));
        assert_eq!(ServerMsg::from_json(&json).expect("reads"), msg);
    }

    /// A long run's history is more than the send timeout's worth on a slow link: the viewer
    /// still gets it whole, given the time it needs at the minimum rate. It was dropped after
    /// 5 s, reconnected, and was sent the history again, for ever.
    #[tokio::test(start_paused = true)]
    async fn a_long_history_reaches_a_slow_viewer() {
        let history = history(1000);
        let bytes = history.to_json().expect("serializes").len() as u64;
        let rate = 2 * MIN_SEND_RATE;
        assert!(
            Duration::from_millis(bytes * 1000 / rate) > 2 * SEND_TIMEOUT,
            "{bytes} B take longer than the send timeout"
        );
        let (mut sink, mut frames) = slow_link(rate);
        let start = Instant::now();
        assert!(
            greet(&mut sink, Some(history.clone()), SEND_TIMEOUT).await,
            "the slow viewer takes hello and the history"
        );
        assert!(start.elapsed() > 2 * SEND_TIMEOUT, "{:?}", start.elapsed());
        let hello = ServerMsg::from_json(&text(frames.recv().await)).expect("reads");
        assert_eq!(
            hello,
            ServerMsg::Hello {
                protocol: PROTOCOL_VERSION
            }
        );
        let sent = ServerMsg::from_json(&text(frames.recv().await)).expect("reads");
        assert_eq!(sent, history.to_msg(), "the whole history");
    }

    /// A viewer that takes the history slower than the minimum rate is still dropped, once
    /// the time the history needs at that rate has passed.
    #[tokio::test(start_paused = true)]
    async fn a_viewer_slower_than_the_minimum_rate_is_dropped() {
        let history = history(1000);
        let bytes = history.to_json().expect("serializes").len();
        let (mut sink, _frames) = slow_link(MIN_SEND_RATE / 2);
        let start = Instant::now();
        assert!(!greet(&mut sink, Some(history), SEND_TIMEOUT).await);
        let limit = send_limit(SEND_TIMEOUT, bytes);
        assert!(limit > SEND_TIMEOUT, "{limit:?}");
        // Hello went through at once (a few bytes); the history had its limit, no more.
        let took = start.elapsed();
        assert!(
            took >= limit && took < limit + Duration::from_secs(1),
            "{took:?} for a limit of {limit:?}"
        );
    }

    /// A feed with no run, served to a viewer driven by channels: the frames it is sent, and
    /// a sender for what it sends back (the feed ends once that is dropped).
    struct Viewer {
        task: tokio::task::JoinHandle<()>,
        frames: mpsc::UnboundedReceiver<Message>,
        client: mpsc::UnboundedSender<Result<Message, std::convert::Infallible>>,
    }

    /// Connects a viewer to an idle feed and reads its `hello`.
    async fn idle_viewer() -> Viewer {
        let store = crate::store::Store::open_in_memory().expect("an in-memory store opens");
        let runs = RunManager::new(store, super::super::ServerConfig::default());
        let (tx, mut frames) = mpsc::unbounded_channel();
        let sink = Box::pin(futures_util::sink::unfold(
            tx,
            |tx, msg: Message| async move {
                tx.send(msg).map_err(|_| "the test is gone")?;
                Ok::<_, &'static str>(tx)
            },
        ));
        let (client, incoming) =
            mpsc::unbounded_channel::<Result<Message, std::convert::Infallible>>();
        let stream = Box::pin(futures_util::stream::unfold(
            incoming,
            |mut rx| async move { rx.recv().await.map(|m| (m, rx)) },
        ));
        let task = tokio::spawn(feed(sink, stream, runs, SEND_TIMEOUT));
        let hello = ServerMsg::from_json(&text(frames.recv().await)).expect("reads");
        assert!(matches!(hello, ServerMsg::Hello { .. }), "{hello:?}");
        Viewer {
            task,
            frames,
            client,
        }
    }

    /// The next frame, a ping, which comes `n` periods after `start`.
    async fn expect_ping(frames: &mut mpsc::UnboundedReceiver<Message>, start: Instant, n: u32) {
        let frame = tokio::time::timeout(2 * PING_PERIOD, frames.recv())
            .await
            .expect("a ping within the period");
        assert!(matches!(frame, Some(Message::Ping(_))), "{frame:?}");
        assert_eq!(start.elapsed(), n * PING_PERIOD, "ping {n}");
    }

    /// A feed with no run sends nothing but pings, one every period, so a proxy with an idle
    /// timeout does not cut it. It sent nothing at all, and nginx closed it after 60 s.
    #[tokio::test(start_paused = true)]
    async fn an_idle_feed_pings_its_viewer_every_period() {
        let start = Instant::now();
        let mut viewer = idle_viewer().await;
        for n in 1..=3 {
            expect_ping(&mut viewer.frames, start, n).await;
            viewer
                .client
                .send(Ok(Message::Pong(Default::default())))
                .expect("the feed reads");
        }
        viewer
            .client
            .send(Ok(Message::Close(None)))
            .expect("the feed reads");
        viewer.task.await.expect("the feed ends without panicking");
    }

    /// A viewer that answers no ping (its machine is gone, and no FIN or RST came) is dropped
    /// when the ping after the last unanswered one is due. It was kept for good: its pings
    /// never filled the socket buffer, so no send ever timed out.
    #[tokio::test(start_paused = true)]
    async fn a_viewer_that_answers_no_ping_is_dropped() {
        let start = Instant::now();
        let mut viewer = idle_viewer().await;
        for n in 1..=UNANSWERED_PINGS_MAX {
            expect_ping(&mut viewer.frames, start, n).await;
        }
        tokio::time::timeout(10 * PING_PERIOD, &mut viewer.task)
            .await
            .expect("the silent viewer is dropped")
            .expect("the feed ends without panicking");
        assert_eq!(
            start.elapsed(),
            (UNANSWERED_PINGS_MAX + 1) * PING_PERIOD,
            "dropped when the next ping is due"
        );
        assert!(viewer.frames.recv().await.is_none(), "no other ping");
        // The viewer still holds its end of the stream: the feed did not end for lack of one.
        drop(viewer.client);
    }

    /// A viewer that answers every ping, or sends anything else, is kept however long the feed
    /// has nothing to say.
    #[tokio::test(start_paused = true)]
    async fn a_viewer_that_answers_is_kept() {
        let start = Instant::now();
        let mut viewer = idle_viewer().await;
        for n in 1..=4 * UNANSWERED_PINGS_MAX {
            expect_ping(&mut viewer.frames, start, n).await;
            // A pong most of the time, any frame now and then.
            let answer = if n % 3 == 0 {
                Message::Text("still here".into())
            } else {
                Message::Pong(Default::default())
            };
            viewer.client.send(Ok(answer)).expect("the feed reads");
        }
        assert!(!viewer.task.is_finished(), "the viewer is kept");
        viewer
            .client
            .send(Ok(Message::Close(None)))
            .expect("the feed reads");
        viewer.task.await.expect("the feed ends without panicking");
    }

    #[test]
    fn small_messages_get_the_send_timeout_and_large_ones_their_time_at_the_minimum_rate() {
        assert_eq!(send_limit(SEND_TIMEOUT, 0), SEND_TIMEOUT);
        assert_eq!(send_limit(SEND_TIMEOUT, 100 * 1024), SEND_TIMEOUT);
        assert_eq!(
            send_limit(SEND_TIMEOUT, 64 * 1024 * 1024),
            Duration::from_secs(1024)
        );
        assert_eq!(
            send_limit(SEND_TIMEOUT, usize::MAX),
            Duration::from_millis(u64::MAX / MIN_SEND_RATE)
        );
    }

    fn lagged(skipped: u64) -> ServerMsg {
        ServerMsg::Lagged { skipped }
    }

    /// A viewer four messages behind a feed that holds four goes on from the newest message,
    /// told of all ten it missed, not from the oldest still held (which would keep it behind).
    #[tokio::test]
    async fn a_lagging_viewer_goes_on_from_the_newest_message() {
        let (tx, mut rx) = broadcast::channel(4);
        for n in 0..10 {
            tx.send(lagged(n)).expect("a receiver");
        }
        assert_eq!(next(&mut rx).await, Some(lagged(10)), "told of all ten");
        tx.send(lagged(100)).expect("a receiver");
        assert_eq!(next(&mut rx).await, Some(lagged(100)), "then the newest");
        drop(tx);
        assert_eq!(next(&mut rx).await, None, "then the end");
    }
}
