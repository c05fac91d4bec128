//! The direct HTTP/1.1 path for plain `http://` targets: a raw [`TcpStream`] per connection,
//! request bytes built once per run and sent with one `write`, responses read into one large
//! per-thread buffer and parsed in place (`httparse` for the head; content-length, chunked and
//! read-to-close bodies), keep-alive connections kept in a per-thread pool (closed after
//! [`IDLE_TIMEOUT`] unused).
//!
//! Why: a load generator must cost less per request than the target it measures. Going through
//! reqwest/hyper costs a connection task, channels between it and the caller, a `HeaderMap` and
//! a `Url` per request; here a request in steady state is one `write`, one `read` (a share of an
//! `epoll_wait`), a one-byte peek that the kept-alive connection has nothing unasked to read, a
//! head parse and no allocation. reqwest stays in charge of `https://` (TLS, HTTP/2) and of
//! requests whose headers ask for something this path does not do.
//!
//! Failures map to the same [`ErrorKind`]s as [`crate::client::classify`] gives for reqwest:
//! a host name that does not resolve → `Dns`, refused → `ConnectRefused`, other connect failures
//! → `Connect`, a reset or a close before the
//! response head is complete → `Reset`, a head that is not HTTP → `Protocol`, a body cut short or
//! malformed → `BodyRead` (a reset while reading it → `Reset`). Redirects are not followed.
//! A `101 Switching Protocols` is a `Protocol` failure too: this path never sends `Upgrade`
//! (such a request goes through reqwest), and a server switches protocols only when asked
//! (RFC 9110 §15.2.2).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use shared::metrics::ErrorKind;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::checked_body::CheckedBody;

/// Size of the per-thread read buffer: a 100 KiB body arrives in one or two reads.
const READ_BUFFER: usize = 256 * 1024;
/// Most header lines accepted in a response head (hyper's limit too).
const MAX_HEADERS: usize = 100;
/// Largest response head accepted.
const MAX_HEAD_BYTES: usize = 1 << 20;
/// How long a connection may wait unused in the pool before it is closed: the same as the
/// reqwest path's `pool_idle_timeout` (and in the range of servers' keep-alive timeouts).
/// After a burst of concurrency (a stalled generator, a spike), the connections the load no
/// longer needs are closed rather than kept open, with their buffers and timers, to the end of
/// the run.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Where a prepared request goes: host and port, and the address when the host is an IP
/// literal (no resolver call per connection then). `id` is unique in the process, so pooled
/// connections of different runs sharing a thread never mix.
#[derive(Debug)]
pub(crate) struct Origin {
    id: u64,
    host: String,
    port: u16,
    ip: Option<IpAddr>,
}

static NEXT_ORIGIN: AtomicU64 = AtomicU64::new(1);

impl Origin {
    pub(crate) fn new(host: &str, port: u16) -> Self {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        Self {
            id: NEXT_ORIGIN.fetch_add(1, Ordering::Relaxed),
            host: host.to_owned(),
            port,
            ip: bare.parse().ok(),
        }
    }

    /// True when `other` names the same host and port (requests of one run share an origin).
    pub(crate) fn same_place(&self, host: &str, port: u16) -> bool {
        self.port == port && self.host.eq_ignore_ascii_case(host)
    }
}

/// A request ready for the wire.
#[derive(Debug)]
pub(crate) struct FastRequest {
    pub(crate) origin: std::sync::Arc<Origin>,
    /// Request line, headers and body.
    pub(crate) bytes: Bytes,
    /// A HEAD request: the response has no body whatever its headers say.
    pub(crate) head: bool,
    /// An idempotent method (GET, HEAD, PUT, DELETE, OPTIONS): may be sent again on a new
    /// connection when a kept-alive one turns out to be closed (see [`exchange`]).
    pub(crate) idempotent: bool,
}

/// What the caller wants kept from a response besides status and size, and what the exchange
/// moved over the wire, whether it succeeded or not. Everything is written as it happens, so an
/// exchange dropped halfway (the graceful stop ran out) leaves what it had sent and received.
#[derive(Debug, Default)]
pub(crate) struct Sink<'a> {
    /// Body bytes are kept here (up to its limit, under its run's budget) when present.
    pub(crate) body: Option<CheckedBody<'a>>,
    /// Header names (lower case) whose presence a check asks about.
    pub(crate) header_names: &'a [String],
    /// Bit i set: `header_names[i]` was present in the final response head.
    pub(crate) headers_seen: u64,
    /// The final response head's status, once it is read.
    pub(crate) status: Option<u16>,
    /// The request was sent once more on a new connection (see [`exchange`]).
    pub(crate) resent: bool,
    /// Request bytes the operating system accepted on a connection, over every attempt (a
    /// request sent again on a new connection counts twice); 0 when no connection was made.
    /// A write cut short by a failure counts what went out before it.
    pub(crate) bytes_written: u64,
    /// Bytes read from the connection: response heads, bodies with their framing, and bytes
    /// that turned out not to be HTTP.
    pub(crate) bytes_read: u64,
}

impl Sink<'_> {
    fn body(&mut self, data: &[u8]) {
        if let Some(body) = self.body.as_mut() {
            body.push(data);
        }
    }
}

/// A complete response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body_bytes: u64,
}

/// A failed exchange: the kind, and what had arrived before it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) kind: ErrorKind,
    pub(crate) status: Option<u16>,
    pub(crate) body_bytes: u64,
}

impl Failure {
    fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            status: None,
            body_bytes: 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Connections and the per-thread pool

#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    /// Bytes of a response head that arrived split over reads (empty almost always).
    pending: Vec<u8>,
    /// The request timeout, armed lazily: registered once per connection and re-armed only
    /// when it fires before the current request's deadline, so a request in steady state
    /// costs no timer-wheel insert and remove (a `tokio::time::timeout` per request would).
    timer: Pin<Box<Sleep>>,
}

impl Conn {
    /// Makes the timer fire no later than `deadline`.
    fn arm(&mut self, deadline: Instant) {
        if self.timer.deadline() > deadline {
            self.timer.as_mut().reset(deadline);
        }
    }

    /// True once `deadline` has passed. Registers the task's waker with the timer otherwise.
    ///
    /// The timer is polled outside tokio's cooperative budget, as `tokio::time::timeout` polls
    /// its own when the future inside spent it: a target that sends faster than its response
    /// is read (an endless stream of interim heads, a body of tiny chunks) keeps every read
    /// ready until the budget is spent, and a timer polled within it then reads as pending on
    /// every turn, so the request would never time out.
    fn expired(&mut self, cx: &mut Context<'_>, deadline: Instant) -> bool {
        if poll_timer(self.timer.as_mut(), cx).is_pending() {
            return false;
        }
        // Fired: for this request's deadline, or for an earlier one set by a previous request.
        if self.timer.deadline() >= deadline {
            return true;
        }
        self.timer.as_mut().reset(deadline);
        poll_timer(self.timer.as_mut(), cx).is_ready()
    }
}

/// Polls `timer` whatever is left of the task's cooperative budget (see [`Conn::expired`]).
fn poll_timer(timer: Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<()> {
    Pin::new(&mut tokio::task::unconstrained(timer)).poll(cx)
}

/// Idle connections to one origin, each with the time it was put back, oldest at the front.
/// Taken from the back (the most recently used first), so under a steady load the same few
/// connections cycle and the ones a burst left behind sink to the front, where they expire.
type Idle = VecDeque<(Instant, Conn)>;

thread_local! {
    /// Idle keep-alive connections of this thread, per origin id (a run has one or a few).
    static POOL: RefCell<Vec<(u64, Idle)>> = const { RefCell::new(Vec::new()) };
    /// The read buffer every connection of this thread reads into. It is borrowed only inside
    /// one `poll`, never across an `.await`, so one buffer serves every connection.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The most recently used idle connection to `origin` that can carry a request. Connections
/// that cannot are closed on the way: found before anything is sent, they cost no re-send.
fn take_idle(origin: u64) -> Option<Conn> {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let idle = &mut pool.iter_mut().find(|(id, _)| *id == origin)?.1;
        while let Some((_, conn)) = idle.pop_back() {
            if quiet(&conn.stream) {
                return Some(conn);
            }
        }
        None
    })
}

/// True when an idle connection has nothing to read. If it has, it cannot carry a request:
/// the server closed it (or reset it), or sent something nobody asked for (garbage, a late
/// answer), which the next request would read as its response. Asked of the socket with a
/// one-byte peek, a system call per reuse: tokio's readiness, which costs none, is only as
/// fresh as the reactor's last turn, and a runtime busy with ready tasks (a worker under load)
/// may reuse a connection long after the bytes arrived, before its reactor has seen them.
fn quiet(stream: &TcpStream) -> bool {
    let mut byte = [std::mem::MaybeUninit::uninit()];
    match socket2::SockRef::from(stream).peek(&mut byte) {
        // Nothing to read (and any other error, a reset, makes it unusable too).
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        // End of file (0 bytes), or bytes nobody asked for.
        Ok(_) => false,
    }
}

/// Returns `conn` to the pool, and closes the connections that have been idle for
/// [`IDLE_TIMEOUT`] (one clock read and one comparison when there are none). Expiry happens
/// here only: while no response completes on this thread nothing is closed, and a connection
/// taken after a long pause is checked for a close by the server (and a request that meets one
/// anyway is sent again, see [`exchange`]).
fn put_idle(origin: u64, conn: Conn) {
    let now = Instant::now();
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        match pool.iter_mut().find(|(id, _)| *id == origin) {
            Some((_, idle)) => {
                let before = idle.len();
                while idle
                    .front()
                    .is_some_and(|(since, _)| now.saturating_duration_since(*since) >= IDLE_TIMEOUT)
                {
                    idle.pop_front();
                }
                // After a burst has expired, give back the room it took too.
                if idle.len() < before && idle.len() < idle.capacity() / 4 {
                    idle.shrink_to(idle.len() * 2);
                }
                idle.push_back((now, conn));
            }
            None => pool.push((origin, VecDeque::from([(now, conn)]))),
        }
    });
}

/// Closes this thread's idle connections (a worker calls it before its runtime goes away).
pub(crate) fn close_idle() {
    let idle = POOL.with(|pool| std::mem::take(&mut *pool.borrow_mut()));
    drop(idle);
}

/// Idle connections of this thread, for tests.
#[cfg(test)]
fn idle_count() -> usize {
    POOL.with(|pool| pool.borrow().iter().map(|(_, v)| v.len()).sum())
}

fn connect_error(e: &io::Error) -> ErrorKind {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ErrorKind::ConnectRefused,
        io::ErrorKind::TimedOut => ErrorKind::Timeout,
        _ => ErrorKind::Connect,
    }
}

/// The longest a new connection may take to be made, as through the general client
/// (`client::build`), and never past the request's deadline: a target that does not answer
/// its connects fails as `timeout` after this long, not after the whole request timeout.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

async fn connect(origin: &Origin, deadline: Instant) -> Result<Conn, Failure> {
    let by = deadline.min(Instant::now() + CONNECT_TIMEOUT);
    let stream = match origin.ip {
        Some(ip) => connect_any(&[SocketAddr::new(ip, origin.port)], by).await?,
        None => {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((origin.host.as_str(), origin.port))
                    .await
                    .map_err(|_| Failure::new(ErrorKind::Dns))?
                    .collect();
            connect_any(&addrs, by).await?
        }
    };
    // Requests are written whole; never hold one back for Nagle.
    let _ = stream.set_nodelay(true);
    Ok(Conn {
        stream,
        pending: Vec::new(),
        timer: Box::pin(tokio::time::sleep_until(deadline)),
    })
}

/// Connects to the first of `addrs` that answers, trying them in turn and giving each an
/// equal share of the time left until `by` (the last one all of what is left), as hyper does.
/// An address that never answers (a host's unreachable IPv6 address, say) then costs its share
/// and the next one is tried, instead of the attempt waiting on it until the request's
/// deadline. With no address it is `Dns` (a name that resolves to nothing); otherwise the last
/// address's failure, `Timeout` if it did not answer in time.
async fn connect_any(addrs: &[SocketAddr], by: Instant) -> Result<TcpStream, Failure> {
    let mut last = ErrorKind::Dns;
    for (i, addr) in addrs.iter().enumerate() {
        let left = u32::try_from(addrs.len() - i).unwrap_or(u32::MAX);
        let share = by.saturating_duration_since(Instant::now()) / left;
        match tokio::time::timeout(share, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = connect_error(&e),
            Err(_) => last = ErrorKind::Timeout,
        }
    }
    Err(Failure::new(last))
}

fn io_kind(e: &io::Error) -> Option<ErrorKind> {
    use io::ErrorKind as Io;
    match e.kind() {
        Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof => {
            Some(ErrorKind::Reset)
        }
        Io::TimedOut => Some(ErrorKind::Timeout),
        _ => None,
    }
}

/// Sends `req` and reads its response, on a pooled connection or a new one, failing with
/// `Timeout` at `deadline`. The connection goes back to the pool only after a complete response
/// that allows keep-alive and nothing after it, to a request sent whole; dropping the future
/// drops the connection, which is never reused half-read.
pub(crate) async fn exchange(
    req: &FastRequest,
    deadline: Instant,
    sink: &mut Sink<'_>,
) -> Result<Response, Failure> {
    let mut again = false;
    if let Some(conn) = take_idle(req.origin.id) {
        match exchange_on(conn, req, deadline, sink).await {
            // A kept-alive connection the server closed just as the request went out (its
            // idle timeout): not one byte of a response arrived, so an idempotent request is
            // sent once more on a new connection, as browsers do (RFC 9110 §9.2.2).
            (Err(f), false) if f.kind == ErrorKind::Reset && req.idempotent => again = true,
            (other, _) => return other,
        }
    }
    let conn = match tokio::time::timeout_at(deadline, connect(&req.origin, deadline)).await {
        Ok(conn) => conn?,
        Err(_) => return Err(Failure::new(ErrorKind::Timeout)),
    };
    // Re-sent only once there is a connection to send it on: when none can be made (the
    // target went down), the request went out once.
    sink.resent = again;
    exchange_on(conn, req, deadline, sink).await.0
}

/// One exchange on `conn`; the flag says whether any byte of a response arrived.
async fn exchange_on(
    mut conn: Conn,
    req: &FastRequest,
    deadline: Instant,
    sink: &mut Sink<'_>,
) -> (Result<Response, Failure>, bool) {
    conn.arm(deadline);
    let mut parser = Parser::new(req.head);
    let mut written = 0;
    // The server reset or closed the connection before it had the whole request.
    let mut cut = false;
    let result = poll_fn(|cx| {
        if !cut {
            let sent = &mut sink.bytes_written;
            match write_request(cx, &mut conn, &req.bytes, &mut written, sent) {
                Poll::Ready(Ok(())) | Poll::Pending => {}
                Poll::Ready(Err(failure)) if failure.kind == ErrorKind::Reset => cut = true,
                Poll::Ready(Err(failure)) => return Poll::Ready(Err(failure)),
            }
        }
        // Read while the request is still going out, and after it was cut: a server that
        // refuses a large body from its head (a 413, a 401) answers at once, then stops reading
        // or closes, and its answer is the result (as through reqwest), not the cut.
        let progress = read_response(cx, &mut conn, &mut parser, sink, deadline);
        if progress.is_pending() && conn.expired(cx, deadline) {
            return Poll::Ready(Err(parser.timed_out(&mut conn.pending, sink)));
        }
        progress
    })
    .await;
    if result.is_ok() && parser.reusable() && written == req.bytes.len() {
        conn.pending.clear();
        put_idle(req.origin.id, conn);
    }
    (result, parser.received)
}

/// Writes what is left of the request (one `write` in practice), adding what goes out to `sent`.
fn write_request(
    cx: &mut Context<'_>,
    conn: &mut Conn,
    bytes: &[u8],
    written: &mut usize,
    sent: &mut u64,
) -> Poll<Result<(), Failure>> {
    while *written < bytes.len() {
        match Pin::new(&mut conn.stream).poll_write(cx, &bytes[*written..]) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(0)) => return Poll::Ready(Err(Failure::new(ErrorKind::Reset))),
            Poll::Ready(Ok(n)) => {
                *written += n;
                *sent += n as u64;
            }
            Poll::Ready(Err(e)) => {
                return Poll::Ready(Err(Failure::new(io_kind(&e).unwrap_or(ErrorKind::Other))));
            }
        }
    }
    Poll::Ready(Ok(()))
}

/// Reads until the response is complete, feeding the parser from this thread's read buffer.
/// A read that fills the buffer (more may be waiting) is followed by a look at the deadline:
/// a target that sends faster than its response is read would otherwise keep the loop going
/// for the whole of the task's budget, reading and parsing for seconds past the deadline.
fn read_response(
    cx: &mut Context<'_>,
    conn: &mut Conn,
    parser: &mut Parser,
    sink: &mut Sink<'_>,
    deadline: Instant,
) -> Poll<Result<Response, Failure>> {
    READ_BUF.with(|cell| {
        let mut guard = cell.borrow_mut();
        if guard.len() < READ_BUFFER {
            guard.resize(READ_BUFFER, 0);
        }
        let buf = guard.as_mut_slice();
        loop {
            let mut rb = ReadBuf::new(&mut buf[..]);
            // tokio clears the socket's readiness after a read that does not fill the buffer,
            // so the next poll returns Pending without a system call until epoll says more.
            let n = match Pin::new(&mut conn.stream).poll_read(cx, &mut rb) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(parser.io_error(&e))),
                Poll::Ready(Ok(())) => rb.filled().len(),
            };
            sink.bytes_read += n as u64;
            let step = if n == 0 {
                parser.eof(&mut conn.pending, sink)
            } else {
                parser.feed(&buf[..n], &mut conn.pending, sink)
            };
            match step {
                Step::More if n == buf.len() && conn.expired(cx, deadline) => {
                    return Poll::Ready(Err(parser.timed_out(&mut conn.pending, sink)));
                }
                Step::More => {}
                Step::Done(r) => return Poll::Ready(r),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The response parser: a state machine fed with whatever each read returned

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Waiting for (the rest of) a head.
    Head,
    /// `remaining` bytes of a content-length body.
    Length(u64),
    Chunked(Chunk),
    /// No length: the body ends when the server closes.
    UntilClose,
    Done,
}

/// Where a chunked body stands (RFC 9112 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Reading the hex size; `digits` so far (saturating: only whether there was one matters).
    Size {
        size: u64,
        digits: u8,
    },
    /// After the size: extensions or whitespace up to CR.
    Extension {
        size: u64,
    },
    /// CR seen after the size line, LF expected.
    SizeLf {
        size: u64,
    },
    Data {
        remaining: u64,
    },
    DataCr,
    DataLf,
    /// After the last chunk: at the start of a trailer line (or of the final CRLF).
    TrailerStart,
    TrailerLine,
    TrailerLf,
    EndLf,
}

/// A content-length value: decimal digits (as many as there are, leading zeros too, as long
/// as the number fits in 64 bits), optionally surrounded by blanks.
fn parse_length(value: &[u8]) -> Option<u64> {
    let digits = value.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

#[derive(Debug)]
enum Step {
    More,
    Done(Result<Response, Failure>),
}

#[derive(Debug)]
struct Parser {
    head_request: bool,
    body: Body,
    status: Option<u16>,
    keep_alive: bool,
    /// Bytes arrived after the end of the response (garbage, or an answer nobody asked for).
    trailing: bool,
    /// Any byte of a response arrived.
    received: bool,
    body_bytes: u64,
    /// Bytes of the split head (in the connection's `pending`) at the last attempt to parse
    /// it (see [`Parser::worth_parsing`]).
    tried: usize,
    /// Attempts to parse a head, for tests.
    #[cfg(test)]
    parses: usize,
}

impl Parser {
    fn new(head_request: bool) -> Self {
        Self {
            head_request,
            body: Body::Head,
            status: None,
            keep_alive: false,
            trailing: false,
            received: false,
            body_bytes: 0,
            tried: 0,
            #[cfg(test)]
            parses: 0,
        }
    }

    fn reusable(&self) -> bool {
        self.body == Body::Done && self.keep_alive && !self.trailing
    }

    fn fail(&self, kind: ErrorKind) -> Step {
        Step::Done(Err(Failure {
            kind,
            status: self.status,
            body_bytes: self.body_bytes,
        }))
    }

    fn done(&self) -> Step {
        Step::Done(Ok(Response {
            status: self.status.unwrap_or(0),
            body_bytes: self.body_bytes,
        }))
    }

    /// The deadline passed. A split head not parsed since its last bytes arrived is parsed
    /// first: a fault in it is what failed the request (as in [`Parser::eof`]).
    fn timed_out(&mut self, pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Failure {
        if self.untried(pending)
            && let Step::Done(Err(failure)) = self.parse_pending(pending, sink)
        {
            return failure;
        }
        Failure {
            kind: ErrorKind::Timeout,
            status: self.status,
            body_bytes: self.body_bytes,
        }
    }

    fn io_error(&self, e: &io::Error) -> Failure {
        let kind = match (io_kind(e), self.body) {
            (Some(kind), _) => kind,
            (None, Body::Head) => ErrorKind::Other,
            (None, _) => ErrorKind::BodyRead,
        };
        Failure {
            kind,
            status: self.status,
            body_bytes: self.body_bytes,
        }
    }

    /// True when part of a split head arrived since it was last parsed.
    fn untried(&self, pending: &[u8]) -> bool {
        self.body == Body::Head && pending.len() > self.tried
    }

    /// The server closed the connection. A split head not parsed since its last bytes arrived
    /// is parsed first, so what is wrong with it is found whatever the reads it came in.
    fn eof(&mut self, pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Step {
        if self.untried(pending)
            && let Step::Done(r) = self.parse_pending(pending, sink)
        {
            return Step::Done(r);
        }
        match self.body {
            // Closed before the response was complete: what hyper calls "connection closed
            // before message completed", which reqwest's classification makes a reset.
            Body::Head => self.fail(ErrorKind::Reset),
            Body::UntilClose => {
                self.body = Body::Done;
                self.keep_alive = false;
                self.done()
            }
            Body::Done => self.done(),
            Body::Length(_) | Body::Chunked(_) => self.fail(ErrorKind::BodyRead),
        }
    }

    /// Consumes `data` (one read's worth). `pending` keeps a head that is split over reads.
    fn feed(&mut self, data: &[u8], pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Step {
        self.received |= !data.is_empty();
        if self.body != Body::Head {
            return self.body_data(data, sink);
        }
        if pending.is_empty() {
            // The usual case: the whole head is in this read; parse it in place.
            return self.heads(data, pending, sink);
        }
        let before = pending.len();
        pending.extend_from_slice(data);
        // Parsed again only when it can tell something new: a head is parsed from its start
        // every time, so a head arriving in many small reads, parsed on each, cost the square
        // of its size.
        if !self.worth_parsing(pending, before) {
            if pending.len() > MAX_HEAD_BYTES {
                return self.fail(ErrorKind::Protocol);
            }
            return Step::More;
        }
        self.parse_pending(pending, sink)
    }

    /// Parses the split head in `pending` (and what follows it there).
    fn parse_pending(&mut self, pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Step {
        self.tried = pending.len();
        let mut buffered = std::mem::take(pending);
        let step = match self.head(&buffered, sink) {
            Ok(Some(used)) => self.after_head(&buffered[used..], pending, sink),
            Ok(None) if buffered.len() > MAX_HEAD_BYTES => self.fail(ErrorKind::Protocol),
            Ok(None) => {
                *pending = buffered;
                return Step::More;
            }
            Err(kind) => self.fail(kind),
        };
        // Keep the allocation for the next split head on this connection.
        if pending.is_empty() {
            buffered.clear();
            *pending = buffered;
        }
        step
    }

    /// Whether a split head, `before` bytes of it already tried and the rest just arrived,
    /// is worth parsing again: when the new bytes (with the 2 before them, for an end split
    /// across reads) hold the blank line that ends a head (`\n\n` or `\n\r\n`), so it may be
    /// complete, or when it has doubled since the last attempt. The doubling keeps the work
    /// linear in the head's size (each attempt parses at most twice the bytes of the one
    /// before, so all of them together at most twice the head) and still finds what is wrong
    /// with a head before it is twice as long as where the fault arrived: garbage in its first
    /// bytes at once, too many header lines within twice their bytes. The cap on the head's
    /// size is checked on its length, at every read.
    fn worth_parsing(&self, pending: &[u8], before: usize) -> bool {
        if pending.len() >= self.tried.saturating_mul(2) {
            return true;
        }
        let new = &pending[before.saturating_sub(2)..];
        new.iter().enumerate().any(|(i, &b)| {
            b == b'\n'
                && match new.get(i + 1) {
                    Some(b'\n') => true,
                    Some(b'\r') => new.get(i + 2) == Some(&b'\n'),
                    _ => false,
                }
        })
    }

    /// After a complete head: an informational (1xx) head is skipped and the rest parsed as
    /// the next head; otherwise the rest is body.
    fn after_head(&mut self, rest: &[u8], pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Step {
        if self.body == Body::Head {
            return self.heads(rest, pending, sink);
        }
        self.body_data(rest, sink)
    }

    /// Parses heads at the start of `data` with nothing pending: informational (1xx) ones in
    /// a loop, not by recursion (one read may hold thousands of them), then the final one and
    /// its body. An incomplete head is kept in `pending`.
    fn heads(&mut self, mut data: &[u8], pending: &mut Vec<u8>, sink: &mut Sink<'_>) -> Step {
        while !data.is_empty() {
            match self.head(data, sink) {
                Ok(Some(used)) if self.body == Body::Head => data = &data[used..],
                Ok(Some(used)) => return self.body_data(&data[used..], sink),
                Ok(None) => {
                    pending.extend_from_slice(data);
                    self.tried = data.len();
                    return Step::More;
                }
                Err(kind) => return self.fail(kind),
            }
        }
        Step::More
    }

    /// Parses a head at the start of `data`. `Ok(None)`: incomplete; `Ok(Some(n))`: the head
    /// took `n` bytes and the body state is set (or, for 1xx, left at `Head`).
    fn head(&mut self, data: &[u8], sink: &mut Sink<'_>) -> Result<Option<usize>, ErrorKind> {
        #[cfg(test)]
        {
            self.parses += 1;
        }
        // Uninitialised slots: no 3 KiB memset per response.
        let mut headers =
            [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut []);
        let used = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut resp,
            data,
            &mut headers,
        ) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(ErrorKind::Protocol),
        };
        let code = resp.code.unwrap_or(0);
        // httparse takes any three digits; a code below 100 is no HTTP status (RFC 9110 §15),
        // and hyper rejects it as well.
        if code < 100 {
            return Err(ErrorKind::Protocol);
        }
        // A switch nobody asked for: no request on this path sends `Upgrade` (see the module
        // doc), and what follows on the connection is no HTTP answer to the request.
        if code == 101 {
            return Err(ErrorKind::Protocol);
        }
        if (100..200).contains(&code) {
            return Ok(Some(used));
        }
        let mut length: Option<u64> = None;
        // A length that is no number, or lengths that differ: faulty framing, unless the
        // response is framed otherwise (see below).
        let mut bad_length = false;
        let mut chunked = false;
        let mut encoded = false;
        let mut close = false;
        let mut keep_alive = false;
        let mut seen = 0u64;
        for h in resp.headers.iter() {
            let name = h.name.as_bytes();
            // The length rules out most names before any byte is compared, and the usual
            // spelling is tried before the case-insensitive comparison.
            match name.len() {
                14 if name == b"Content-Length" || name.eq_ignore_ascii_case(b"content-length") => {
                    // A list (`2, 2`: a proxy joined repeated lines) of one length is that length.
                    for value in h.value.split(|&b| b == b',') {
                        match parse_length(value) {
                            Some(n) if length.is_none_or(|l| l == n) => length = Some(n),
                            _ => bad_length = true,
                        }
                    }
                }
                17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                    encoded = true;
                    // Chunked only when it is the last coding.
                    chunked = h
                        .value
                        .rsplit(|&b| b == b',')
                        .next()
                        .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                }
                10 if name == b"Connection" || name.eq_ignore_ascii_case(b"connection") => {
                    if h.value == b"keep-alive" {
                        keep_alive = true;
                    } else {
                        for token in h.value.split(|&b| b == b',') {
                            let token = token.trim_ascii();
                            close |= token.eq_ignore_ascii_case(b"close");
                            keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                        }
                    }
                }
                _ => {}
            }
            if !sink.header_names.is_empty() {
                for (i, wanted) in sink.header_names.iter().enumerate().take(64) {
                    if name.eq_ignore_ascii_case(wanted.as_bytes()) {
                        seen |= 1 << i;
                    }
                }
            }
        }
        let bodiless = self.head_request || code == 204 || code == 304;
        // An HTTP/1.0 response has no transfer codings: its framing is faulty (RFC 9112
        // §6.1), and hyper rejects it as well.
        if encoded && !bodiless && resp.version != Some(1) {
            return Err(ErrorKind::Protocol);
        }
        // A faulty length matters only when it frames the body: not for a response that has
        // none (HEAD, 204, 304), nor next to a transfer coding, which overrides it (RFC
        // 9112 §6.3), as through reqwest.
        if bad_length && !bodiless && !encoded {
            return Err(ErrorKind::Protocol);
        }
        sink.headers_seen = seen;
        sink.status = Some(code);
        self.status = Some(code);
        self.keep_alive = match resp.version {
            Some(1) => !close,
            _ => keep_alive && !close,
        };
        self.body = if bodiless {
            Body::Done
        } else if encoded {
            if chunked {
                Body::Chunked(Chunk::Size { size: 0, digits: 0 })
            } else {
                self.keep_alive = false;
                Body::UntilClose
            }
        } else if let Some(n) = length {
            if n == 0 { Body::Done } else { Body::Length(n) }
        } else {
            self.keep_alive = false;
            Body::UntilClose
        };
        Ok(Some(used))
    }

    fn body_data(&mut self, mut data: &[u8], sink: &mut Sink<'_>) -> Step {
        loop {
            match self.body {
                Body::Done => {
                    if !data.is_empty() {
                        self.trailing = true;
                    }
                    return self.done();
                }
                Body::Head => return Step::More,
                Body::UntilClose => {
                    self.body_bytes += data.len() as u64;
                    sink.body(data);
                    return Step::More;
                }
                Body::Length(remaining) => {
                    let take = remaining.min(data.len() as u64) as usize;
                    self.body_bytes += take as u64;
                    sink.body(&data[..take]);
                    data = &data[take..];
                    let left = remaining - take as u64;
                    self.body = if left == 0 {
                        Body::Done
                    } else {
                        Body::Length(left)
                    };
                    if left > 0 {
                        return Step::More;
                    }
                }
                Body::Chunked(state) => {
                    if data.is_empty() {
                        return Step::More;
                    }
                    match self.chunk(state, data, sink) {
                        Some(used) => data = &data[used..],
                        None => return self.fail(ErrorKind::BodyRead),
                    }
                }
            }
        }
    }

    /// Advances the chunked decoder over a prefix of `data`; returns the bytes used, or None
    /// for a malformed body.
    fn chunk(&mut self, state: Chunk, data: &[u8], sink: &mut Sink<'_>) -> Option<usize> {
        let b = *data.first()?;
        let next = match state {
            Chunk::Data { remaining } => {
                let take = remaining.min(data.len() as u64) as usize;
                self.body_bytes += take as u64;
                sink.body(&data[..take]);
                let left = remaining - take as u64;
                self.body = Body::Chunked(if left == 0 {
                    Chunk::DataCr
                } else {
                    Chunk::Data { remaining: left }
                });
                return Some(take);
            }
            Chunk::Size { size, digits } => match (b as char).to_digit(16) {
                // Leading zeros too, as long as the size fits in 64 bits (as hyper reads it).
                Some(d) => Chunk::Size {
                    size: size.checked_mul(16)?.checked_add(u64::from(d))?,
                    digits: digits.saturating_add(1),
                },
                None if digits == 0 => return None,
                None if b == b'\r' => Chunk::SizeLf { size },
                None if b == b';' || b == b' ' || b == b'\t' => Chunk::Extension { size },
                None => return None,
            },
            Chunk::Extension { size } => match b {
                b'\r' => Chunk::SizeLf { size },
                b'\n' => return None,
                _ => Chunk::Extension { size },
            },
            Chunk::SizeLf { size } => match (b, size) {
                (b'\n', 0) => Chunk::TrailerStart,
                (b'\n', size) => Chunk::Data { remaining: size },
                _ => return None,
            },
            Chunk::DataCr => (b == b'\r').then_some(Chunk::DataLf)?,
            Chunk::DataLf => (b == b'\n').then_some(Chunk::Size { size: 0, digits: 0 })?,
            Chunk::TrailerStart => match b {
                b'\r' => Chunk::EndLf,
                _ => Chunk::TrailerLine,
            },
            Chunk::TrailerLine => match b {
                b'\r' => Chunk::TrailerLf,
                _ => Chunk::TrailerLine,
            },
            Chunk::TrailerLf => (b == b'\n').then_some(Chunk::TrailerStart)?,
            Chunk::EndLf => {
                if b != b'\n' {
                    return None;
                }
                self.body = Body::Done;
                return Some(1);
            }
        };
        self.body = Body::Chunked(next);
        Some(1)
    }
}

#[cfg(test)]
mod tests;
