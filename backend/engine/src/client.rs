//! The HTTP client: one pooled, keep-alive client per run, requests prepared once, and every
//! transport failure mapped to an [`ErrorKind`]. Failures are data here, never `Err` of the run.

use std::error::Error as _;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use shared::metrics::ErrorKind;
use shared::scenario::{ValidBody, ValidRequest};

use crate::error::EngineError;
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
        .user_agent(concat!("stampede/", env!("CARGO_PKG_VERSION")))
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
    /// Approximate bytes on the wire for the request (request line, headers, body).
    pub(crate) bytes_sent: u64,
}

impl PreparedRequest {
    pub(crate) fn new(req: &ValidRequest) -> Result<Self, EngineError> {
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .map_err(|e| EngineError::Prepare(format!("method {}: {e}", req.method)))?;
        let mut headers = HeaderMap::new();
        let body = match &req.body {
            ValidBody::Empty => None,
            ValidBody::Text(t) => Some(Bytes::from(t.clone())),
            ValidBody::Json(j) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(Bytes::from(j.clone()))
            }
            ValidBody::Payload(n) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(payload::json_of_size(*n))
            }
        };
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| EngineError::Prepare(format!("header {k}: {e}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| EngineError::Prepare(format!("header {k}: {e}")))?;
            headers.insert(name, value);
        }
        let header_bytes: usize = headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        let line =
            method.as_str().len() + req.url.path().len() + req.url.query().map_or(0, str::len) + 12;
        let host = req.url.host_str().map_or(0, str::len) + 8;
        let body_len = body.as_ref().map_or(0, Bytes::len);
        Ok(Self {
            method,
            url: req.url.clone(),
            headers,
            body,
            bytes_sent: (line + host + header_bytes + 2 + body_len) as u64,
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
    } else if text.contains("closed before message completed") || text.contains("connection reset")
    {
        ErrorKind::Reset
    } else if err.is_connect() {
        ErrorKind::Connect
    } else if text.contains("invalid") || text.contains("parse") || text.contains("malformed") {
        ErrorKind::Protocol
    } else if err.is_body() || err.is_decode() {
        ErrorKind::BodyRead
    } else {
        ErrorKind::Other
    }
}
