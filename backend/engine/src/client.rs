//! The HTTP client: one pooled, keep-alive client per run, requests prepared once, and every
//! transport failure mapped to an [`ErrorKind`]. Failures are data here, never `Err` of the run.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue, UPGRADE,
    USER_AGENT as USER_AGENT_HEADER,
};
use shared::metrics::ErrorKind;
use shared::scenario::{ValidBody, ValidRequest};

use crate::error::EngineError;
use crate::http1::{FastRequest, Origin};
use crate::payload;

/// Installs rustls's ring provider as the process default, once. Ring keeps the build free of
/// the aws-lc C toolchain; reqwest is built without a provider of its own.
fn ensure_crypto_provider() {
    // Err only means another provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the run's client.
pub(crate) fn build(
    timeout: Duration,
    insecure_tls: bool,
    pool_hint: usize,
) -> Result<reqwest::Client, EngineError> {
    ensure_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(pool_hint.max(1))
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(insecure_tls)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| EngineError::Client(e.to_string()))
}

/// A request with everything that does not change between sends built once.
#[derive(Debug)]
pub(crate) struct PreparedRequest {
    pub(crate) method: reqwest::Method,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    /// Size of the request on the wire (exact on the direct path; approximate through
    /// reqwest: request line, headers, body). Not what a send counted as sent: the direct path
    /// counts the bytes it wrote, reqwest's path this size once a connection was made (see
    /// [`nothing_sent`]).
    pub(crate) wire_size: u64,
    /// The direct HTTP/1.1 path ([`crate::http1`]), for plain `http://` requests with ordinary
    /// headers; `None`: the request goes through reqwest.
    pub(crate) fast: Option<FastRequest>,
    /// The scenario's per-request timeout (reqwest applies its own copy of it).
    pub(crate) timeout: Duration,
}

/// Headers that change how a message is framed or what the connection does: a request that
/// sets one goes through reqwest, which knows what they mean.
const FRAMING_HEADERS: [&str; 7] = [
    "connection",
    "content-length",
    "expect",
    "keep-alive",
    "te",
    "transfer-encoding",
    "upgrade",
];

const USER_AGENT: &str = concat!("stampede/", env!("CARGO_PKG_VERSION"));

impl PreparedRequest {
    /// Prepares `req`. `origins` interns the `http://` origins of a run so that requests to the
    /// same host and port share pooled connections.
    pub(crate) fn new(
        req: &ValidRequest,
        timeout: Duration,
        origins: &mut Vec<Arc<Origin>>,
    ) -> Result<Self, EngineError> {
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .map_err(|e| EngineError::Prepare(format!("method {}: {e}", req.method)))?;
        let mut headers = HeaderMap::new();
        let body = match &req.body {
            ValidBody::Empty => None,
            ValidBody::Text(t) => Some(Body::Bytes(Bytes::from(t.clone()))),
            ValidBody::Json(j) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(Body::Bytes(Bytes::from(j.clone())))
            }
            ValidBody::Payload(n) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(Body::Payload(*n))
            }
        };
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| EngineError::Prepare(format!("header {k}: {e}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| EngineError::Prepare(format!("header {k}: {e}")))?;
            headers.insert(name, value);
        }
        let fast = fast_request(req, &method, &headers, body.as_ref(), origins);
        // The direct path's bytes end with the body: keep the body as a view of them, not as a
        // second copy held for the whole run (a 1 GB payload would take 2 GB).
        let body = match (&fast, body) {
            (Some(f), Some(b)) => Some(f.bytes.slice(f.bytes.len() - b.len()..)),
            (_, body) => body.map(Body::into_bytes),
        };
        let wire_size = match &fast {
            Some(f) => f.bytes.len() as u64,
            None => {
                // What hyper writes for HTTP/1.1; over HTTP/2 (negotiated by TLS) the head is
                // compressed, so this over-counts it.
                let mut head = Vec::new();
                let host = req.url.host_str().unwrap_or_default();
                let body_len = body.as_ref().map(Bytes::len);
                write_head(
                    &mut head, &method, &req.url, host, &headers, body_len, false,
                );
                (head.len() + body_len.unwrap_or(0)) as u64
            }
        };
        Ok(Self {
            method,
            url: req.url.clone(),
            headers,
            body,
            wire_size,
            fast,
            timeout,
        })
    }

    pub(crate) fn build(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut b = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            b = b.body(body.clone());
        }
        b
    }

    /// True when `status` is a `101 Switching Protocols` this request did not ask for: a
    /// server switches protocols only in answer to an `Upgrade` header (RFC 9110 §15.2.2), so
    /// without one the response is no answer to the request, a `Protocol` failure (as on the
    /// direct path, which never sends `Upgrade`). With one, the switch is the answer asked for.
    pub(crate) fn unasked_switch(&self, status: u16) -> bool {
        status == 101 && !self.headers.contains_key(UPGRADE)
    }
}

/// A request's body as prepared: bytes, or a generated payload not built yet, so that the
/// direct path builds it in its wire bytes (see [`payload::write_json_of_size`]).
enum Body {
    Bytes(Bytes),
    Payload(usize),
}

impl Body {
    fn len(&self) -> usize {
        match self {
            Body::Bytes(b) => b.len(),
            Body::Payload(n) => payload::json_len(*n),
        }
    }

    fn append_to(&self, out: &mut Vec<u8>) {
        match self {
            Body::Bytes(b) => out.extend_from_slice(b),
            Body::Payload(n) => payload::write_json_of_size(out, *n),
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Body::Bytes(b) => b,
            Body::Payload(n) => payload::json_of_size(n),
        }
    }
}

/// The wire form of `req` for the direct path, or `None` when reqwest should send it.
fn fast_request(
    req: &ValidRequest,
    method: &reqwest::Method,
    headers: &HeaderMap,
    body: Option<&Body>,
    origins: &mut Vec<Arc<Origin>>,
) -> Option<FastRequest> {
    let url = &req.url;
    if url.scheme() != "http" || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    if FRAMING_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let origin = match origins.iter().find(|o| o.same_place(host, port)) {
        Some(o) => Arc::clone(o),
        None => {
            let o = Arc::new(Origin::new(host, port));
            origins.push(Arc::clone(&o));
            o
        }
    };
    let mut out = Vec::with_capacity(256 + body.map_or(0, Body::len));
    write_head(
        &mut out,
        method,
        url,
        host,
        headers,
        body.map(Body::len),
        true,
    );
    if let Some(body) = body {
        body.append_to(&mut out);
    }
    Some(FastRequest {
        origin,
        bytes: Bytes::from(out),
        head: *method == reqwest::Method::HEAD,
        idempotent: matches!(
            *method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        ),
    })
}

/// Writes the request line and head as hyper writes them (through reqwest, whose client adds
/// `user-agent` and `accept`): the `direct` path sends exactly this, and reqwest's path is sized
/// by it.
fn write_head(
    out: &mut Vec<u8>,
    method: &reqwest::Method,
    url: &reqwest::Url,
    host: &str,
    headers: &HeaderMap,
    body_len: Option<usize>,
    direct: bool,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(url.path().as_bytes());
    if let Some(q) = url.query() {
        out.push(b'?');
        out.extend_from_slice(q.as_bytes());
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let mut line = |name: &str, value: &[u8]| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    if !headers.contains_key(HOST) {
        // As hyper writes it: the port only when it is not the scheme's default.
        match url.port() {
            Some(p) => line("host", format!("{host}:{p}").as_bytes()),
            None => line("host", host.as_bytes()),
        }
    }
    for (name, value) in headers {
        line(name.as_str(), value.as_bytes());
    }
    if !headers.contains_key(USER_AGENT_HEADER) {
        line("user-agent", USER_AGENT.as_bytes());
    }
    if !headers.contains_key(ACCEPT) {
        line("accept", b"*/*");
    }
    // The direct path says `content-length: 0` for a bodiless POST, PUT or PATCH, which some
    // servers require; hyper does not.
    let needs_length = direct
        && matches!(
            *method,
            reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH
        );
    if (body_len.is_some() || needs_length) && !headers.contains_key(CONTENT_LENGTH) {
        line(
            "content-length",
            body_len.unwrap_or(0).to_string().as_bytes(),
        );
    }
    out.extend_from_slice(b"\r\n");
}

/// True when a reqwest failure (of kind `kind`, see [`classify`]) happened before the request
/// was handed to a connection — connecting or the TLS handshake — so none of it was sent.
/// reqwest does not say how much of a request went out before a later failure; the whole
/// request is then counted as sent.
pub(crate) fn nothing_sent(err: &reqwest::Error, kind: ErrorKind) -> bool {
    err.is_connect()
        || matches!(
            kind,
            ErrorKind::ConnectRefused | ErrorKind::Connect | ErrorKind::Tls
        )
}

/// An estimate of a response head's size as HTTP/1.1 would carry it (status line, headers,
/// blank line): reqwest hands over the parsed head, not its bytes.
pub(crate) fn head_size(resp: &reqwest::Response) -> u64 {
    let status = resp.status();
    // `HTTP/1.1 200 OK\r\n`
    let line = "HTTP/1.1 200 \r\n".len() + status.canonical_reason().map_or(0, str::len);
    let headers: usize = resp
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    (line + headers + 2) as u64
}

/// The kind of an error while reading a response body, as the HTTP/1.1 path names it: a reset
/// connection is `Reset`, running out of time is `Timeout`, and anything else (in particular a
/// connection closed before the promised length arrived, which hyper reports as an unexpected
/// end of file) is `BodyRead`.
pub(crate) fn classify_body(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as Io;
            match io.kind() {
                Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => {
                    return ErrorKind::Reset;
                }
                Io::TimedOut => return ErrorKind::Timeout,
                _ => {}
            }
        }
        source = e.source();
    }
    ErrorKind::BodyRead
}

/// True when a rustls error is inside `io`. An I/O error's `source()` skips the error it
/// wraps, so rustls' own (a plain HTTP answer to a TLS hello is `InvalidMessage`, wrapped in
/// two I/O errors by the connector) is only reached through `get_ref`.
fn wraps_rustls_error(io: &std::io::Error) -> bool {
    let mut inner = io
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = inner {
        if e.is::<rustls::Error>() {
            return true;
        }
        inner = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// Maps a reqwest failure to its kind by walking the error's causes.
pub(crate) fn classify(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    let mut source = err.source();
    let mut text = String::new();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as Io;
            match io.kind() {
                Io::ConnectionRefused => return ErrorKind::ConnectRefused,
                Io::ConnectionReset
                | Io::ConnectionAborted
                | Io::BrokenPipe
                | Io::UnexpectedEof => {
                    return ErrorKind::Reset;
                }
                Io::TimedOut => return ErrorKind::Timeout,
                _ => {}
            }
            if wraps_rustls_error(io) {
                return ErrorKind::Tls;
            }
        }
        if e.downcast_ref::<rustls::Error>().is_some() {
            return ErrorKind::Tls;
        }
        text.push_str(&e.to_string().to_ascii_lowercase());
        text.push('\n');
        source = e.source();
    }
    if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        ErrorKind::Tls
    } else if text.contains("dns") {
        // hyper-util's resolver ("dns error: failed to lookup address information"), or a host
        // that is no valid DNS name to send TLS ("invalid dns name").
        ErrorKind::Dns
    } else if text.contains("closed before message completed") || text.contains("connection reset")
    {
        ErrorKind::Reset
    } else if err.is_connect() {
        ErrorKind::Connect
    } else if text.contains("invalid")
        || text.contains("parse")
        || text.contains("malformed")
        // hyper's "message head is too large": more header lines or bytes than it takes.
        || text.contains("too large")
    {
        ErrorKind::Protocol
    } else if err.is_body() || err.is_decode() {
        ErrorKind::BodyRead
    } else {
        ErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::scenario::{Method, RequestId, ValidBody};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Accepts one connection, reads one request whole (head, then a `content-length` body),
    /// answers 204 and returns how many bytes the request took.
    async fn bytes_of_one_request(listener: TcpListener) -> usize {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.expect("reads");
            assert!(n > 0, "the client closed early");
            got.extend_from_slice(&buf[..n]);
            let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse::<usize>().expect("a length"));
            if got.len() >= end + 4 + length {
                break;
            }
        }
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .await
            .expect("answers");
        got.len()
    }

    #[tokio::test]
    async fn a_head_over_the_limits_is_a_protocol_error_through_reqwest_too() {
        // What the direct path calls `protocol` (more than 100 header lines, a head of more than
        // 1 MiB), hyper reports as "message head is too large".
        let many = (0..150).fold(String::new(), |h, i| h + &format!("x-h{i}: v\r\n"));
        let long = format!("x-long: {}\r\n", "a".repeat(1_100_000));
        let client = build(Duration::from_secs(5), false, 1).expect("client");
        for extra in [many, long] {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
            let addr = listener.local_addr().expect("address");
            let server = tokio::spawn(async move {
                let (mut stream, _) = listener.accept().await.expect("accepts");
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n{extra}\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
            });
            let err = client
                .get(format!("http://{addr}/"))
                .send()
                .await
                .expect_err("refused");
            assert_eq!(classify(&err), ErrorKind::Protocol, "{err:?}");
            server.abort();
        }
    }

    #[test]
    fn a_body_sent_directly_is_held_once() {
        let req = ValidRequest {
            id: RequestId(0),
            method: Method::Post,
            url: "http://127.0.0.1:9/orders".parse().expect("url"),
            headers: Vec::new(),
            body: ValidBody::Payload(100_000),
            checks: Vec::new(),
        };
        let prepared =
            PreparedRequest::new(&req, Duration::from_secs(5), &mut Vec::new()).expect("ok");
        let wire = &prepared.fast.as_ref().expect("the direct path").bytes;
        let body = prepared.body.as_ref().expect("a body");
        assert_eq!(body.len(), 100_000);
        assert!(wire.ends_with(body));
        // The same memory, not a copy.
        assert_eq!(body.as_ptr(), wire[wire.len() - body.len()..].as_ptr());
        assert_eq!(body, &payload::json_of_size(100_000));
    }

    /// A generated payload sent directly was built on its own and then copied into the wire
    /// bytes: for a 1 GB payload, 2 GB while the run was prepared. It is built in place; only
    /// reqwest's path builds it on its own (once).
    #[test]
    fn a_payload_sent_directly_is_built_in_place() {
        let built = || payload::BUILT_APART.with(std::cell::Cell::get);
        for (url, apart) in [("http://127.0.0.1:9/p", 0), ("https://127.0.0.1:9/p", 1)] {
            let req = ValidRequest {
                id: RequestId(0),
                method: Method::Post,
                url: url.parse().expect("url"),
                headers: Vec::new(),
                body: ValidBody::Payload(100_000),
                checks: Vec::new(),
            };
            let before = built();
            let prepared =
                PreparedRequest::new(&req, Duration::from_secs(5), &mut Vec::new()).expect("ok");
            assert_eq!(built() - before, apart, "{url}");
            assert_eq!(prepared.body.map(|b| b.len()), Some(100_000), "{url}");
            assert!(prepared.wire_size > 100_000, "{url}");
        }
    }

    #[tokio::test]
    async fn reqwests_size_is_what_goes_over_the_wire() {
        let client = build(Duration::from_secs(5), false, 1).expect("client");
        let cases = [
            // A framing header sends a request through reqwest.
            (
                Method::Get,
                "/a/b?x=1&y=2",
                vec![("connection", "keep-alive")],
                ValidBody::Empty,
            ),
            (
                Method::Post,
                "/orders",
                vec![("connection", "keep-alive"), ("x-trace", "abc")],
                ValidBody::Json(r#"{"id":1}"#.into()),
            ),
            (
                Method::Put,
                "/p",
                vec![("connection", "keep-alive")],
                ValidBody::Payload(1000),
            ),
            (
                Method::Post,
                "/empty",
                vec![
                    ("connection", "keep-alive"),
                    ("user-agent", "mine"),
                    ("accept", "text/plain"),
                ],
                ValidBody::Empty,
            ),
        ];
        for (method, path, headers, body) in cases {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
            let addr = listener.local_addr().expect("address");
            let req = ValidRequest {
                id: RequestId(0),
                method,
                url: format!("http://{addr}{path}").parse().expect("url"),
                headers: headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body,
                checks: Vec::new(),
            };
            let prepared =
                PreparedRequest::new(&req, Duration::from_secs(5), &mut Vec::new()).expect("ok");
            assert!(prepared.fast.is_none(), "{path} goes through reqwest");
            let server = tokio::spawn(bytes_of_one_request(listener));
            let resp = prepared.build(&client).send().await.expect("sent");
            assert_eq!(resp.status(), 204);
            let sent = server.await.expect("server task");
            assert_eq!(prepared.wire_size, sent as u64, "{path}");
        }
    }
}
