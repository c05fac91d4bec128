//! Targets that fail in one specific way each, so the engine's error classification can be
//! checked kind by kind.

use std::sync::Arc;

use axum::http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::server::{Counters, TestServer, serve_axum};

/// What a garbage server answers instead of HTTP.
pub const GARBAGE: &[u8] = b"HELLO THIS IS NOT HTTP\r\n\r\n";

/// What [`RawBehaviour::AnswerOnceThenClose`] answers: a whole 200 that allows keep-alive.
pub const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

/// What [`RawBehaviour::ShortBody`] answers: a body cut short after 3 of its 1000 bytes.
pub const SHORT_BODY: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nabc";

/// What [`RawBehaviour::SwitchProtocols`] answers: a switch to WebSocket, asked for or not.
pub const SWITCH: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n";

/// Bytes a raw target reads at most before it decides the request is complete.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// A URL on which nothing listens: a listener is bound on `127.0.0.1:0` to get a free port,
/// then dropped, so connecting is refused.
pub async fn refused_url() -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    drop(listener);
    Ok(format!("http://{addr}"))
}

/// An HTTP target answering every request with `status` (and a tiny body).
/// [`Counters::requests`] counts the answers.
pub async fn status_server(status: StatusCode) -> std::io::Result<TestServer> {
    let counters = Arc::new(Counters::default());
    let seen = Arc::clone(&counters);
    let app = axum::Router::new().fallback(move || {
        let seen = Arc::clone(&seen);
        async move {
            seen.add_request();
            (status, "status from the test target")
        }
    });
    serve_axum(app, counters).await
}

/// An HTTP target answering `500 Internal Server Error` to everything.
pub async fn server_error_server() -> std::io::Result<TestServer> {
    status_server(StatusCode::INTERNAL_SERVER_ERROR).await
}

/// An HTTP target answering `404 Not Found` to everything.
pub async fn not_found_server() -> std::io::Result<TestServer> {
    status_server(StatusCode::NOT_FOUND).await
}

/// How a raw-TCP target treats a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawBehaviour {
    /// Read some bytes of the request, then close with a TCP reset (`SO_LINGER` 0).
    Reset,
    /// Read the request and never answer; hold the connection until the client closes it.
    StallForever,
    /// Read the request, answer [`SHORT_BODY`] (a 200 head and 3 of 1000 body bytes) and send
    /// nothing more; hold the connection until the client closes it.
    StallMidBody,
    /// Answer the first request with [`OK`] (keep-alive), then read the next request and close
    /// without an answer: a server's idle timeout racing the request, every time.
    AnswerOnceThenClose,
    /// Read the request, answer [`GARBAGE`], close.
    Garbage,
    /// Read the request, answer a 200 head promising a 1000-byte body, send 3 bytes of it and
    /// close cleanly (FIN, not a reset).
    ShortBody,
    /// Read the request, answer a 200 head with a chunked body of one-byte chunks without end,
    /// as fast as the connection takes them (faster than a client parses them); until the
    /// client closes the connection.
    Flood,
    /// Read the request, answer [`SWITCH`] whatever it asked for, close.
    SwitchProtocols,
}

/// A raw-TCP target that treats every connection as `behaviour` says.
///
/// [`Counters::connections`] counts accepted connections, [`Counters::requests`] those that sent
/// request bytes, [`Counters::bytes_read`] the bytes read from them (not counted by
/// [`RawBehaviour::Reset`], which reads a few and resets).
pub async fn raw_server(behaviour: RawBehaviour) -> std::io::Result<TestServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let counters = Arc::new(Counters::default());
    let (stop, mut stopped) = oneshot::channel::<()>();
    let shared = Arc::clone(&counters);
    let task = tokio::spawn(async move {
        // Connection tasks live in the set: when the accept loop ends (stop, or the server is
        // dropped and this task aborted), the set is dropped and every connection with it.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    shared.add_connection();
                    connections.spawn(handle(stream, behaviour, Arc::clone(&shared)));
                }
                // Reap finished connection tasks so the set stays small.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Ok(TestServer::new("http", addr, counters, stop, task))
}

/// Reads until the end of the request head (`\r\n\r\n`), EOF, an error or the byte limit.
/// Returns the bytes read, and adds them to `counters`.
async fn read_head(stream: &mut TcpStream, counters: &Counters) -> usize {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while head.len() < MAX_REQUEST_BYTES {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                counters.add_bytes_read(n);
                head.extend_from_slice(&buf[..n]);
                if head.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    head.len()
}

async fn handle(mut stream: TcpStream, behaviour: RawBehaviour, counters: Arc<Counters>) {
    match behaviour {
        RawBehaviour::Reset => {
            let mut buf = [0u8; 16];
            if matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {
                counters.add_request();
            }
            // Linger 0: dropping the socket sends RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        RawBehaviour::StallForever | RawBehaviour::StallMidBody => {
            if read_head(&mut stream, &counters).await > 0 {
                counters.add_request();
            }
            if behaviour == RawBehaviour::StallMidBody {
                let _ = stream.write_all(SHORT_BODY).await;
            }
            // Never answer (more): keep reading until the client gives up.
            drain(&mut stream, &counters).await;
        }
        RawBehaviour::AnswerOnceThenClose => {
            if read_head(&mut stream, &counters).await > 0 {
                counters.add_request();
                if stream.write_all(OK).await.is_ok() {
                    // The second request is read whole, so the close is a FIN, not a reset.
                    read_head(&mut stream, &counters).await;
                }
            }
        }
        RawBehaviour::Flood => {
            if read_head(&mut stream, &counters).await > 0 {
                counters.add_request();
                let chunks = b"1\r\nx\r\n".repeat(100_000);
                if stream
                    .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await
                    .is_ok()
                {
                    while stream.write_all(&chunks).await.is_ok() {}
                }
            }
        }
        RawBehaviour::Garbage | RawBehaviour::ShortBody | RawBehaviour::SwitchProtocols => {
            if read_head(&mut stream, &counters).await > 0 {
                counters.add_request();
            }
            let answer: &[u8] = match behaviour {
                RawBehaviour::ShortBody => SHORT_BODY,
                RawBehaviour::SwitchProtocols => SWITCH,
                _ => GARBAGE,
            };
            let _ = stream.write_all(answer).await;
            let _ = stream.shutdown().await;
            // Drain until the client closes, so our close never turns into a reset.
            drain(&mut stream, &counters).await;
        }
    }
}

/// Reads (and counts) until the client closes the connection.
async fn drain(stream: &mut TcpStream, counters: &Counters) {
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buf).await {
        counters.add_bytes_read(n);
    }
}
