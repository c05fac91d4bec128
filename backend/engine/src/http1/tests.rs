//! The direct HTTP/1.1 path: the parser fed at every split point, and exchanges against
//! in-process raw TCP servers on 127.0.0.1:0 that misbehave in one way each.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

// ---------------------------------------------------------------------------------------------
// Parser

/// Feeds `wire` to a fresh parser in pieces cut at `cuts`, then EOF if it wants more.
fn parse_in_pieces(
    wire: &[u8],
    cuts: &[usize],
    head_request: bool,
    sink: &mut Sink<'_>,
) -> (Result<Response, Failure>, Parser) {
    let mut parser = Parser::new(head_request);
    let mut pending = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&wire.len())) {
        if to <= from {
            continue;
        }
        if let Step::Done(r) = parser.feed(&wire[from..to], &mut pending, sink) {
            return (r, parser);
        }
        from = to;
    }
    match parser.eof() {
        Step::Done(r) => (r, parser),
        Step::More => panic!("eof must end the response"),
    }
}

/// Parses `wire` whole, split once at every position, and split into single bytes; all must
/// agree. Returns the result and whether the connection could be reused.
fn parse_all_ways(wire: &[u8], head_request: bool) -> (Result<Response, Failure>, bool, Vec<u8>) {
    let mut body = Vec::new();
    let mut sink = Sink {
        body: Some(&mut body),
        body_limit: usize::MAX,
        ..Sink::default()
    };
    let (whole, parser) = parse_in_pieces(wire, &[], head_request, &mut sink);
    let reusable = parser.reusable();
    for cut in 1..wire.len() {
        let mut other = Vec::new();
        let mut sink = Sink {
            body: Some(&mut other),
            body_limit: usize::MAX,
            ..Sink::default()
        };
        let (r, p) = parse_in_pieces(wire, &[cut], head_request, &mut sink);
        assert_eq!(r, whole, "split at {cut}");
        assert_eq!(p.reusable(), reusable, "split at {cut}");
        assert_eq!(other, body, "split at {cut}");
    }
    let bytes: Vec<usize> = (1..wire.len()).collect();
    let mut other = Vec::new();
    let mut sink = Sink {
        body: Some(&mut other),
        body_limit: usize::MAX,
        ..Sink::default()
    };
    let (r, p) = parse_in_pieces(wire, &bytes, head_request, &mut sink);
    assert_eq!(r, whole, "byte by byte");
    assert_eq!(p.reusable(), reusable, "byte by byte");
    assert_eq!(other, body, "byte by byte");
    (whole, reusable, body)
}

fn ok(status: u16, body_bytes: u64) -> Result<Response, Failure> {
    Ok(Response { status, body_bytes })
}

fn failed(kind: ErrorKind, status: Option<u16>, body_bytes: u64) -> Result<Response, Failure> {
    Err(Failure {
        kind,
        status,
        body_bytes,
    })
}

#[test]
fn content_length_body_at_every_split() {
    let wire = b"HTTP/1.1 200 OK\r\nServer: t\r\nContent-Length: 5\r\n\r\nhello";
    let (r, reusable, body) = parse_all_ways(wire, false);
    assert_eq!(r, ok(200, 5));
    assert!(reusable);
    assert_eq!(body, b"hello");
}

#[test]
fn chunked_body_with_extensions_and_trailers_at_every_split() {
    let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n";
    let (r, reusable, body) = parse_all_ways(wire, false);
    assert_eq!(r, ok(200, 31));
    assert!(reusable);
    assert_eq!(body, b"helloabcdefghijklmnopqrstuvwxyz");
}

#[test]
fn malformed_chunk_is_a_body_read_error() {
    for wire in [
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n",
    ] {
        let (r, _, _) = parse_all_ways(wire, false);
        assert!(
            matches!(r, Err(f) if f.kind == ErrorKind::BodyRead && f.status == Some(200)),
            "{r:?} for {:?}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[test]
fn head_204_and_304_have_no_body() {
    let (r, reusable, _) = parse_all_ways(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true);
    assert_eq!(r, ok(200, 0));
    assert!(reusable);
    for code in [204, 304] {
        let wire = format!("HTTP/1.1 {code} X\r\nContent-Length: 10\r\n\r\n");
        let (r, reusable, _) = parse_all_ways(wire.as_bytes(), false);
        assert_eq!(r, ok(code, 0));
        assert!(reusable);
    }
}

#[test]
fn informational_responses_are_skipped() {
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
        HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    let (r, reusable, body) = parse_all_ways(wire, false);
    assert_eq!(r, ok(201, 2));
    assert!(reusable);
    assert_eq!(body, b"ok");
}

#[test]
fn connection_close_and_http_1_0_are_honoured() {
    let (r, reusable, _) = parse_all_ways(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        false,
    );
    assert_eq!(r, ok(200, 2));
    assert!(!reusable, "Connection: close");
    let (_, reusable, _) = parse_all_ways(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
    assert!(!reusable, "HTTP/1.0 without keep-alive");
    let (_, reusable, _) = parse_all_ways(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
        false,
    );
    assert!(reusable, "HTTP/1.0 with keep-alive");
}

#[test]
fn body_without_length_runs_to_close() {
    let (r, reusable, body) = parse_all_ways(b"HTTP/1.1 200 OK\r\n\r\nuntil the end", false);
    assert_eq!(r, ok(200, 13));
    assert!(!reusable);
    assert_eq!(body, b"until the end");
}

#[test]
fn garbage_is_a_protocol_error() {
    let (r, _, _) = parse_all_ways(b"HELLO THIS IS NOT HTTP\r\n\r\n", false);
    assert_eq!(r, failed(ErrorKind::Protocol, None, 0));
    let (r, _, _) = parse_all_ways(b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n", false);
    assert_eq!(r, failed(ErrorKind::Protocol, None, 0));
}

#[test]
fn bytes_after_the_response_make_the_connection_unusable() {
    // Bytes that arrive with the end of the response; bytes arriving later are caught when the
    // pool hands the connection out again (see `pipelined_garbage_discards_the_connection`).
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE";
    for cuts in [&[][..], &[10], &[39]] {
        let (r, parser) = parse_in_pieces(wire, cuts, false, &mut Sink::default());
        assert_eq!(r, ok(200, 2));
        assert!(!parser.reusable(), "cut at {cuts:?}");
    }
}

#[test]
fn early_close_is_reset_before_the_head_and_body_read_after() {
    let (r, _, _) = parse_all_ways(b"HTTP/1.1 200 OK\r\nContent-Len", false);
    assert_eq!(r, failed(ErrorKind::Reset, None, 0));
    let (r, _, _) = parse_all_ways(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false);
    assert_eq!(r, failed(ErrorKind::BodyRead, Some(200), 3));
    let (r, _, _) = parse_all_ways(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        false,
    );
    assert_eq!(r, failed(ErrorKind::BodyRead, Some(200), 2));
}

#[test]
fn header_checks_and_body_limit() {
    let wire = b"HTTP/1.1 200 OK\r\nX-Request-Id: 7\r\nContent-Length: 10\r\n\r\n0123456789";
    let names = vec!["x-missing".to_owned(), "x-request-id".to_owned()];
    let mut body = Vec::new();
    let mut sink = Sink {
        body: Some(&mut body),
        body_limit: 4,
        header_names: &names,
        ..Sink::default()
    };
    let (r, _) = parse_in_pieces(wire, &[20, 40], false, &mut sink);
    assert_eq!(r, ok(200, 10));
    assert_eq!(sink.headers_seen, 0b10);
    assert_eq!(body, b"0123");
}

// ---------------------------------------------------------------------------------------------
// Exchanges against raw TCP servers

/// A raw server: for every accepted connection runs `handler`; counts connections.
struct RawServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn raw_server<F, Fut>(handler: F) -> RawServer
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let task = tokio::spawn(async move {
        let handler = Arc::new(handler);
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream));
        }
    });
    RawServer {
        addr,
        connections,
        task,
    }
}

/// Reads one request head (and nothing more); false on EOF.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
    }
    true
}

fn request(addr: SocketAddr, head: bool) -> FastRequest {
    let method = if head { "HEAD" } else { "GET" };
    FastRequest {
        origin: Arc::new(Origin::new(&addr.ip().to_string(), addr.port())),
        bytes: Bytes::from(format!(
            "{method} / HTTP/1.1\r\nhost: {addr}\r\nuser-agent: test\r\n\r\n"
        )),
        head,
        idempotent: true,
    }
}

async fn send(req: &FastRequest) -> Result<Response, Failure> {
    let mut sink = Sink::default();
    exchange(req, Instant::now() + Duration::from_secs(5), &mut sink).await
}

/// A `200` with the 2-byte body `ok`.
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Answers the first request on each connection with [`OK`], then reads a second request,
/// writes `second` (possibly nothing) and closes: a server whose idle timeout races the
/// client's next request.
async fn answer_once_then(second: &'static [u8]) -> RawServer {
    raw_server(move |mut s| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(OK).await;
        }
        if read_request(&mut s).await {
            let _ = s.write_all(second).await;
        }
    })
    .await
}

/// Answers every request on a connection with `response`.
async fn answer_each(response: &'static [u8]) -> RawServer {
    raw_server(move |mut s| async move {
        while read_request(&mut s).await {
            if s.write_all(response).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = answer_each(OK).await;
    let req = request(server.addr, false);
    for _ in 0..5 {
        assert_eq!(send(&req).await, ok(200, 2));
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert_eq!(idle_count(), 1);
}

#[tokio::test]
async fn connection_close_opens_a_new_connection_each_time() {
    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
    })
    .await;
    let req = request(server.addr, false);
    for _ in 0..3 {
        assert_eq!(send(&req).await, ok(200, 2));
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    assert_eq!(idle_count(), 0);
}

#[tokio::test]
async fn chunked_and_head_over_the_wire() {
    let server = raw_server(|mut s| async move {
        while read_request(&mut s).await {
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n",
                )
                .await;
        }
    })
    .await;
    let req = request(server.addr, false);
    let mut body = Vec::new();
    let mut sink = Sink {
        body: Some(&mut body),
        body_limit: 100,
        ..Sink::default()
    };
    assert_eq!(
        exchange(&req, Instant::now() + Duration::from_secs(5), &mut sink).await,
        ok(200, 9)
    );
    assert_eq!(body, b"wikipedia");
    assert_eq!(send(&req).await, ok(200, 9));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    let server = answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").await;
    let head = request(server.addr, true);
    assert_eq!(send(&head).await, ok(200, 0));
    assert_eq!(send(&head).await, ok(200, 0));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn partial_writes_by_the_server_are_put_together() {
    let body = vec![b'x'; 300_000];
    let mut wire =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    wire.extend_from_slice(&body);
    let wire: &'static [u8] = wire.leak();
    let server = raw_server(move |mut s| async move {
        while read_request(&mut s).await {
            // The head a few bytes at a time, then the body in uneven pieces.
            for piece in wire.chunks(7).take(6) {
                let _ = s.write_all(piece).await;
                let _ = s.flush().await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            for piece in wire[42..].chunks(65_537) {
                let _ = s.write_all(piece).await;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    })
    .await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 300_000));
    assert_eq!(send(&req).await, ok(200, 300_000));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn informational_responses_over_the_wire() {
    let server =
        answer_each(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn pipelined_garbage_discards_the_connection() {
    let server =
        answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK GARBAGE").await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        2,
        "the answer nobody asked for must not be read as the next response"
    );
}

#[tokio::test]
async fn garbage_is_protocol_over_the_wire() {
    let server = answer_each(b"HELLO THIS IS NOT HTTP\r\n\r\n").await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, failed(ErrorKind::Protocol, None, 0));
}

#[tokio::test]
async fn close_mid_body_is_body_read_and_reset_mid_body_is_reset() {
    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
                .await;
            let _ = s.shutdown().await;
            // Drain so that the close stays a FIN.
            let mut buf = [0u8; 1024];
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        }
    })
    .await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, failed(ErrorKind::BodyRead, Some(200), 9));

    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
                .await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = s.set_zero_linger();
            drop(s);
        }
    })
    .await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, failed(ErrorKind::Reset, Some(200), 9));
}

#[tokio::test]
async fn close_before_the_response_is_reset() {
    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            drop(s);
        }
    })
    .await;
    let req = request(server.addr, false);
    let r = send(&req).await;
    assert!(matches!(r, Err(f) if f.kind == ErrorKind::Reset), "{r:?}");
}

#[tokio::test]
async fn refused_is_connect_refused() {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let req = request(addr, false);
    assert_eq!(send(&req).await, failed(ErrorKind::ConnectRefused, None, 0));
}

#[tokio::test]
async fn an_idle_connection_the_server_closed_is_not_reused() {
    // The server answers once per connection, then closes it.
    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(OK).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    // Let the close arrive and the reactor see it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_silent_server_times_out_at_the_deadline() {
    let server = raw_server(|mut s| async move {
        let mut buf = [0u8; 1024];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
    let req = request(server.addr, false);
    let started = Instant::now();
    let mut sink = Sink::default();
    let r = exchange(&req, started + Duration::from_millis(200), &mut sink).await;
    let took = started.elapsed();
    assert_eq!(r, failed(ErrorKind::Timeout, None, 0));
    assert!(
        took >= Duration::from_millis(199) && took < Duration::from_millis(600),
        "took {took:?}"
    );
}

#[tokio::test]
async fn a_reused_connection_times_out_at_the_new_deadline() {
    // First request answered; the second never is. The connection's timer was armed for the
    // first request's (long) deadline and must follow the second's.
    let server = raw_server(|mut s| async move {
        if read_request(&mut s).await {
            let _ = s.write_all(OK).await;
        }
        let mut buf = [0u8; 1024];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
    let req = request(server.addr, false);
    let mut sink = Sink::default();
    let first = exchange(&req, Instant::now() + Duration::from_secs(60), &mut sink).await;
    assert_eq!(first, ok(200, 2));
    let started = Instant::now();
    let second = exchange(&req, started + Duration::from_millis(150), &mut sink).await;
    let took = started.elapsed();
    assert_eq!(second, failed(ErrorKind::Timeout, None, 0));
    assert!(
        took >= Duration::from_millis(149) && took < Duration::from_millis(600),
        "took {took:?}"
    );
    // And the other way round: a timer armed for an earlier deadline re-arms for a later one.
    let server = answer_each(OK).await;
    let req = request(server.addr, false);
    assert_eq!(
        exchange(&req, Instant::now() + Duration::from_millis(30), &mut sink).await,
        ok(200, 2)
    );
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        exchange(&req, Instant::now() + Duration::from_secs(5), &mut sink).await,
        ok(200, 2)
    );
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_kept_alive_connection_closed_by_the_server_is_retried_once_on_a_new_one() {
    // Each connection answers its first request; a second request on it is read and the
    // connection closed without an answer (a server's idle timeout racing the request).
    let server = answer_once_then(b"").await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);

    // A request that is not idempotent is not sent twice: the failure is reported.
    let server = answer_once_then(b"").await;
    let mut post = request(server.addr, false);
    post.idempotent = false;
    assert_eq!(send(&post).await, ok(200, 2));
    assert_eq!(send(&post).await, failed(ErrorKind::Reset, None, 0));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);

    // Part of a response arrived before the close: the server saw the request, so the
    // failure is reported rather than the request sent twice.
    let server = answer_once_then(b"HTTP/1.1 20").await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(send(&req).await, failed(ErrorKind::Reset, None, 0));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connections_idle_for_the_idle_timeout_are_closed() {
    // Counts the connections the client closed (the server sees end of file).
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&closed);
    let server = raw_server(move |mut s| {
        let seen = Arc::clone(&seen);
        async move {
            while read_request(&mut s).await {
                if s.write_all(OK).await.is_err() {
                    return;
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
        }
    })
    .await;
    let req = request(server.addr, false);
    // A burst: three requests at once need three connections; all go back to the pool.
    let (a, b, c) = tokio::join!(send(&req), send(&req), send(&req));
    assert_eq!([a, b, c], [ok(200, 2); 3]);
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    assert_eq!(idle_count(), 3);

    // The load goes on with one request at a time: it reuses the most recently returned
    // connection. Just short of the idle timeout, nothing is closed.
    tokio::time::pause();
    tokio::time::advance(IDLE_TIMEOUT - Duration::from_secs(1)).await;
    tokio::time::resume();
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(idle_count(), 3);

    // Past it, the two connections the burst left unused are closed when the next one comes
    // back; the one in use stays.
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(2)).await;
    tokio::time::resume();
    assert_eq!(send(&req).await, ok(200, 2));
    assert_eq!(idle_count(), 1);
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    for _ in 0..500 {
        if closed.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(closed.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wire_counts_are_what_went_over_the_connection() {
    let deadline = || Instant::now() + Duration::from_secs(5);
    // Answered: the whole request written, the whole response read, head included.
    let server = answer_each(OK).await;
    let req = request(server.addr, false);
    let mut sink = Sink::default();
    assert_eq!(exchange(&req, deadline(), &mut sink).await, ok(200, 2));
    assert_eq!(
        (sink.bytes_written, sink.bytes_read),
        (req.bytes.len() as u64, OK.len() as u64)
    );

    // Refused: no connection, so nothing was sent.
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let mut sink = Sink::default();
    let r = exchange(&request(addr, false), deadline(), &mut sink).await;
    assert_eq!(r, failed(ErrorKind::ConnectRefused, None, 0));
    assert_eq!((sink.bytes_written, sink.bytes_read), (0, 0));

    // Not HTTP: a protocol error, but the bytes did arrive.
    let garbage: &[u8] = b"HELLO THIS IS NOT HTTP\r\n\r\n";
    let server = answer_each(garbage).await;
    let req = request(server.addr, false);
    let mut sink = Sink::default();
    let r = exchange(&req, deadline(), &mut sink).await;
    assert_eq!(r, failed(ErrorKind::Protocol, None, 0));
    assert_eq!(
        (sink.bytes_written, sink.bytes_read),
        (req.bytes.len() as u64, garbage.len() as u64)
    );

    // Sent again on a new connection after the kept-alive one was closed under it: both
    // writes went out.
    let server = answer_once_then(b"").await;
    let req = request(server.addr, false);
    assert_eq!(send(&req).await, ok(200, 2));
    let mut sink = Sink::default();
    assert_eq!(exchange(&req, deadline(), &mut sink).await, ok(200, 2));
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    assert_eq!(
        (sink.bytes_written, sink.bytes_read),
        (2 * req.bytes.len() as u64, OK.len() as u64)
    );
}
