//! The built-in demo target: a small simulated cloud service (`stampede demo-target`).
//!
//! It exists so that every example scenario runs out of the box, and so that end-to-end tests
//! can check the load engine's request counts exactly. Everything is in memory and simulated;
//! nothing is persisted.
//!
//! # Model
//!
//! * **Body limit.** A request whose `Content-Length` is over 16 MiB is answered `413` (and
//!   its connection closed) before anything else: it is not queued, delayed or failed, and
//!   its body is not read. A chunked body over the limit gets its `413` from the handler.
//! * **Capacity.** At most [`DemoConfig::capacity`] requests are "worked on" at once: each one
//!   holds a semaphore permit while it sleeps for its service time. Throughput therefore tops
//!   out near `capacity / mean service time`, and latency climbs once the offered load passes
//!   that point — there is a knee for a load test to find.
//! * **Queue.** Up to [`DemoConfig::queue`] further requests wait (FIFO) for a permit. Past
//!   that the target answers `503` at once, like a real service shedding load, without
//!   waiting for the request body (read and dropped after the answer, so the connection
//!   stays usable).
//! * **Latency.** Service time is [`DemoConfig::latency`] spread uniformly by ±`jitter`; a
//!   [`DemoConfig::tail_ratio`] fraction of requests take 10–20× as long, because real services
//!   have long tails and percentiles are only interesting when they differ from the median.
//! * **Error injection.** After its service time, a [`DemoConfig::error_rate`] fraction of
//!   requests is answered `500 {"error":"injected failure"}` instead of normally (its body,
//!   too, read and dropped after the answer).
//! * **Counters.** Every request except `GET /health`, `GET /__stampede/stats` and
//!   `POST /__stampede/reset` is counted exactly once on arrival — including 404s, 400s,
//!   413s, injected 500s and 503 rejections — so a test can compare what it sent with
//!   [`DemoHandle::stats`] (or the stats endpoint) to the unit.

mod cli;
mod data;
mod model;
mod routes;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use shared::demo::DemoStats;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use cli::{DemoTargetArgs, parse_duration, run_cli};

use model::Shared;

/// How the simulated service behaves. See the [module docs](self) for the model.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoConfig {
    /// Maximum number of requests worked on concurrently (at least 1).
    pub capacity: usize,
    /// Maximum number of requests waiting for a capacity slot; beyond it, `503` immediately.
    pub queue: usize,
    /// Median service time of a request.
    pub latency: Duration,
    /// Relative spread of the service time: uniform in `latency × [1 − jitter, 1 + jitter]`.
    /// Clamped to `0..=1`.
    pub jitter: f64,
    /// Fraction (`0..=1`) of requests in the long tail, taking 10–20× their normal service time.
    pub tail_ratio: f64,
    /// Fraction (`0..=1`) of counted requests answered `500` by error injection.
    pub error_rate: f64,
    /// Seed for the latency and error dice; `None` picks one per process.
    pub seed: Option<u64>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            capacity: 64,
            queue: 1024,
            latency: Duration::from_millis(3),
            jitter: 0.5,
            tail_ratio: 0.01,
            error_rate: 0.0,
            seed: None,
        }
    }
}

impl DemoConfig {
    /// No service time, no tail, no errors: every request is answered as fast as possible.
    /// Meant for tests that count requests and don't care about latency.
    pub fn instant() -> Self {
        Self {
            latency: Duration::ZERO,
            jitter: 0.0,
            tail_ratio: 0.0,
            ..Self::default()
        }
    }
}

/// In-process access to a running (or not yet served) demo target's counters.
///
/// Cheap to clone; all clones see the same counters.
#[derive(Clone, Debug)]
pub struct DemoHandle {
    shared: Arc<Shared>,
}

impl DemoHandle {
    /// A consistent snapshot of the counters: `by_route` always sums to `requests_total`.
    pub fn stats(&self) -> DemoStats {
        self.shared.stats()
    }

    /// Zeroes the cumulative counters (not the `in_flight` / `queued` gauges).
    pub fn reset(&self) {
        self.shared.reset();
    }
}

/// Builds the demo target's router and a handle onto its counters.
///
/// The router carries its own state and body limit (16 MiB); serve it with `axum::serve`
/// on any listener.
pub fn router(config: DemoConfig) -> (axum::Router, DemoHandle) {
    let shared = Arc::new(Shared::new(&config));
    let app = routes::build(Arc::clone(&shared));
    (app, DemoHandle { shared })
}

/// Serves the demo target on `listener` until `shutdown` completes, then finishes the requests
/// already in progress.
pub async fn serve(
    listener: TcpListener,
    config: DemoConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (app, _handle) = router(config);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A demo target served in the background on `127.0.0.1:<ephemeral port>`, for tests.
///
/// Dropping it without calling [`DemoServer::shutdown`] also starts a graceful shutdown, but
/// nobody waits for it to finish.
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    handle: DemoHandle,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl DemoServer {
    /// Binds `127.0.0.1:0` and starts serving `config` on it.
    pub async fn start(config: DemoConfig) -> std::io::Result<Self> {
        Self::start_on(TcpListener::bind(("127.0.0.1", 0)).await?, config)
    }

    /// Starts serving `config` on a listener the caller bound.
    pub fn start_on(listener: TcpListener, config: DemoConfig) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (app, handle) = router(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // Either an explicit stop or the `DemoServer` being dropped ends serving.
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            addr,
            handle,
            stop,
            task,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Handle onto the counters.
    pub fn handle(&self) -> &DemoHandle {
        &self.handle
    }

    /// Shorthand for `self.handle().stats()`.
    pub fn stats(&self) -> DemoStats {
        self.handle.stats()
    }

    /// Stops accepting connections, waits for requests in progress, and reports serve errors.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}
