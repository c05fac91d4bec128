//! What every in-process target shares: its address, its counters and a way to stop it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Counters a target keeps. Which ones move depends on the target (see its docs); all start at
/// zero and only ever grow.
#[derive(Debug, Default)]
pub struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    stalled: AtomicU64,
    http1: AtomicU64,
    http2: AtomicU64,
    tls_failures: AtomicU64,
    bytes_read: AtomicU64,
}

impl Counters {
    /// TCP connections accepted (raw-TCP and TLS targets).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests answered (HTTP targets), or connections that sent request bytes (raw targets).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Bytes read from clients (raw-TCP targets that read the request, [`crate::errors`]).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::SeqCst)
    }

    /// Requests that arrived inside a freeze window ([`crate::StallServer`]).
    pub fn stalled(&self) -> u64 {
        self.stalled.load(Ordering::SeqCst)
    }

    /// Requests that arrived over HTTP/1.x ([`crate::TlsServer`]).
    pub fn http1(&self) -> u64 {
        self.http1.load(Ordering::SeqCst)
    }

    /// Requests that arrived over HTTP/2 ([`crate::TlsServer`]).
    pub fn http2(&self) -> u64 {
        self.http2.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed ([`crate::TlsServer`]).
    pub fn tls_failures(&self) -> u64 {
        self.tls_failures.load(Ordering::SeqCst)
    }

    pub(crate) fn add_connection(&self) {
        self.connections.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn add_request(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn add_bytes_read(&self, n: usize) {
        self.bytes_read.fetch_add(n as u64, Ordering::SeqCst);
    }

    pub(crate) fn add_stalled(&self) {
        self.stalled.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn add_version(&self, version: axum::http::Version) {
        if version == axum::http::Version::HTTP_2 {
            self.http2.fetch_add(1, Ordering::SeqCst);
        } else {
            self.http1.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(crate) fn add_tls_failure(&self) {
        self.tls_failures.fetch_add(1, Ordering::SeqCst);
    }
}

/// A target running in the background on `127.0.0.1:<ephemeral port>`.
///
/// Dropping it stops it: the serving task is aborted (and with it every connection task it
/// owns). [`TestServer::shutdown`] stops it gracefully where the target supports that.
#[derive(Debug)]
pub struct TestServer {
    scheme: &'static str,
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    pub(crate) fn new(
        scheme: &'static str,
        addr: SocketAddr,
        counters: Arc<Counters>,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    ) -> Self {
        Self {
            scheme,
            addr,
            counters,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The address the target listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The target's counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A handle onto the counters that outlives the server.
    pub fn counters_handle(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// Asks the target to stop and waits for its serving task to end. HTTP targets finish the
    /// requests in progress (a [`crate::StallServer`] may take up to its freeze length).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // A panic inside the target is a test failure worth seeing.
            if let Err(e) = task.await
                && e.is_panic()
            {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves an axum router on a fresh `127.0.0.1:0` listener until the stop signal.
pub(crate) async fn serve_axum(
    app: axum::Router,
    counters: Arc<Counters>,
) -> std::io::Result<TestServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        // `axum::serve` only fails on listener errors, which a test target cannot recover from.
        if let Err(e) = served {
            eprintln!("test target on {addr} stopped: {e}");
        }
    });
    Ok(TestServer::new("http", addr, counters, stop, task))
}
