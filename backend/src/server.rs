//! The control server (`stampede serve`): REST API, WebSocket live feed, Prometheus metrics,
//! run history in SQLite, reports — and, by default, the demo target on its own port.
//!
//! `app(state)` builds the whole router so tests can drive it in-process; `serve` takes a bound
//! listener and a shutdown future, so tests bind port 0.

mod config;
mod error;
mod extract;
mod live;
mod manager;
mod presets;
mod prometheus;
mod resources;
mod routes;
mod ui;

use crate::console::outln;
use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;

pub use config::{AlertLimits, ServeArgs, ServerConfig, TestConfig};
pub use error::ApiError;
pub use manager::RunManager;
pub use routes::ROUTES;
pub use ui::Ui;

use crate::store::{Store, StoreError};

/// Everything handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Runs and the live feed.
    pub runs: RunManager,
    /// Host CPU sampling for `/api/monitoring/resources`.
    pub(crate) resources: resources::Sampler,
    /// The web UI.
    pub ui: Ui,
}

impl AppState {
    /// State over a store and a configuration, serving the UI built into the binary.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self {
            runs: RunManager::new(store, config),
            resources: resources::Sampler::default(),
            ui: Ui::Embedded,
        }
    }

    /// Serves the UI from elsewhere.
    pub fn with_ui(mut self, ui: Ui) -> Self {
        self.ui = ui;
        self
    }
}

/// The whole HTTP surface.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves `app(state)` on `listener` until `shutdown` resolves; then stops any run, waits until
/// its results are stored, and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let runs = state.runs.clone();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app(state)).with_graceful_shutdown(async move {
        let mut rx = stop_rx;
        let _ = rx.wait_for(|stop| *stop).await;
    });
    let server = tokio::spawn(async move { server.await });
    shutdown.await;
    // Stop the run first and store its results, then let HTTP connections drain (open
    // WebSockets would otherwise hold the shutdown forever).
    runs.shutdown().await;
    let _ = stop_tx.send(true);
    match tokio::time::timeout(std::time::Duration::from_secs(5), server).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(std::io::Error::other(join)),
        Err(_) => Ok(()), // connections that would not close; the process is exiting anyway
    }
}

/// Why `stampede serve` ended with an error; the exit code follows from the kind.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The `--config` file is unreadable or invalid (it names the file and the JSON path):
    /// nothing started.
    #[error("{0}")]
    Config(String),
    /// The server could not start (an address or the data directory in use, an unusable data
    /// directory) or failed while serving.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// `stampede serve`: reads the config, opens (and locks) the store, recovers interrupted runs,
/// starts the demo target unless told not to, binds, prints where everything is, and serves
/// until Ctrl-C or SIGTERM.
pub async fn run_cli(args: ServeArgs) -> Result<(), ServeError> {
    let test_config = match &args.config {
        Some(path) => TestConfig::load(path).map_err(ServeError::Config)?,
        None => TestConfig::default(),
    };
    Ok(serve_with(args, test_config).await?)
}

/// `stampede serve` once its config is read.
async fn serve_with(args: ServeArgs, test_config: TestConfig) -> anyhow::Result<()> {
    // Before anything reads the history: with another server on the directory, the recovery
    // below would mark its live run interrupted. The store holds the lock until we exit.
    let store = Store::open(&args.data_dir).map_err(|e| match e {
        // These name the directory or file already.
        StoreError::Locked { .. }
        | StoreError::Io { .. }
        | StoreError::Lock { .. }
        | StoreError::Open { .. } => anyhow::Error::new(e),
        e => anyhow::Error::new(e).context(format!(
            "cannot open the run history in {}",
            args.data_dir.display()
        )),
    })?;

    let mut demo_url = None;
    let mut demo_server = None;
    if !args.no_demo_target {
        let listener = TcpListener::bind(args.demo_bind).await.with_context(|| {
            format!(
                "cannot start the demo target on {} (use --demo-bind or --no-demo-target)",
                args.demo_bind
            )
        })?;
        let server = crate::demo_target::DemoServer::start_on(
            listener,
            crate::demo_target::DemoConfig::default(),
        )?;
        demo_url = Some(server.url());
        demo_server = Some(server);
    }

    let interval = args
        .interval
        .or(test_config
            .monitoring
            .interval
            .map(std::time::Duration::from_secs_f64))
        .unwrap_or(std::time::Duration::from_secs(1));
    let config = ServerConfig {
        interval,
        default_duration: args
            .default_duration
            .unwrap_or(std::time::Duration::from_secs(60)),
        max_users: args.max_users,
        reports: args.reports,
        cloud_api_url: std::env::var("CLOUD_API_URL")
            .ok()
            .filter(|s| !s.trim().is_empty()),
        demo_target_url: demo_url.clone(),
        test_config,
        embed_origins: args.embed_origins.clone(),
        keep_runs: args.keep_runs,
        summary_retry_delays: config::SUMMARY_RETRY_DELAYS.to_vec(),
    };
    let ui = args.ui_dir.clone().map_or(Ui::Embedded, Ui::Dir);
    if !ui.is_built() {
        match &args.ui_dir {
            Some(dir) => outln!(
                "note: --ui-dir {} holds no index.html (is it a Trunk build, such as dist/?); \
                 the API works without it",
                dir.display()
            ),
            None => outln!(
                "note: the web UI is not built (make run builds it); the API works without it"
            ),
        }
    }
    let state = AppState::new(store, config).with_ui(ui);
    let interrupted = state
        .runs
        .recover()
        .context("cannot recover unfinished runs")?;
    for id in &interrupted {
        outln!("run {id} was interrupted by the previous shutdown; its data so far is kept");
    }
    let pruned = state.runs.prune().await.context("cannot prune old runs")?;
    if pruned > 0 {
        outln!("deleted the {pruned} oldest run(s) beyond --keep-runs");
    }
    // Installed before the addresses are announced: a script that stops the server as soon as
    // it has read them gets a clean shutdown.
    let mut signals =
        crate::signals::StopSignals::listen().context("cannot install signal handlers")?;
    let listener = TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr: SocketAddr = listener.local_addr()?;
    outln!("stampede listening on http://{addr}");
    if let Some(url) = &demo_url {
        outln!("demo target listening on {url}");
    }
    outln!("run history in {}", args.data_dir.display());
    let runs = state.runs.clone();
    serve(listener, state, async move {
        signals.next_or_never().await;
        let running = runs
            .status()
            .is_some_and(|(run, _)| !run.status.is_terminal());
        if running {
            outln!(
                "shutting down: stopping the run in progress and saving its results \
                 (Ctrl-C again to cut its in-flight requests)…"
            );
            // A second signal cuts the run's graceful stop short; its results are still saved.
            // The same listener hears it: no second registration that could miss it.
            tokio::spawn(async move {
                signals.next_or_never().await;
                if runs.stop(None, true).is_ok() {
                    outln!("cutting the run's in-flight requests…");
                }
            });
        } else {
            outln!("shutting down");
        }
    })
    .await?;
    if let Some(server) = demo_server {
        let _ = server.shutdown().await;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
