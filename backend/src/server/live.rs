//! The WebSocket live feed. Every connection gets `hello`, then (if a run is in progress) its
//! history so far, then live messages. A viewer that falls behind is told how much it missed
//! and carries on from the newest message; one that stops reading is dropped. Neither ever
//! slows the engine: the feed is a bounded broadcast.

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
use super::manager::RunManager;

/// A viewer that cannot take a message within this time is disconnected.
pub(crate) const SEND_TIMEOUT: Duration = Duration::from_secs(5);

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

async fn send<S: Sink<Message> + Unpin>(sink: &mut S, msg: &ServerMsg, timeout: Duration) -> bool {
    let Ok(text) = serde_json::to_string(msg) else {
        return false;
    };
    matches!(
        tokio::time::timeout(timeout, sink.send(Message::Text(text.into()))).await,
        Ok(Ok(()))
    )
}

/// Serves one viewer; a send that takes longer than `send_timeout` drops it ([`SEND_TIMEOUT`]
/// on a real socket). Generic over the socket halves so it can be driven by channels in tests.
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
    if !send(
        &mut sink,
        &ServerMsg::Hello {
            protocol: PROTOCOL_VERSION,
        },
        send_timeout,
    )
    .await
    {
        return;
    }
    if let Some(history) = history
        && !send(&mut sink, &history, send_timeout).await
    {
        return;
    }
    loop {
        tokio::select! {
            msg = next(&mut rx) => {
                let Some(msg) = msg else { break };
                if !send(&mut sink, &msg, send_timeout).await {
                    break;
                }
            }
            incoming = stream.next() => match incoming {
                // The feed is one-way; anything the client sends is ignored until it closes.
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    // Closing sends a close frame, which a viewer that stopped reading never takes: bounded
    // like any send, or its feed (socket and subscription) would be kept for good.
    let _ = tokio::time::timeout(send_timeout, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

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
