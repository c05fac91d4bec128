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
use tokio::sync::broadcast::error::RecvError;

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
            msg = rx.recv() => {
                let msg = match msg {
                    Ok(m) => m,
                    Err(RecvError::Lagged(skipped)) => ServerMsg::Lagged { skipped },
                    Err(RecvError::Closed) => break,
                };
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
