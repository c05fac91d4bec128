//! Stampede's load engine. It takes a [`ValidScenario`](shared::scenario::ValidScenario) and
//! hands back a [`RunHandle`] whose channels carry status changes, one metrics snapshot per
//! interval, and the final summary. It knows nothing about web servers or terminals: the CLI and
//! the control server are its callers.

mod aggregator;
mod checked_body;
mod client;
mod error;
mod http1;
mod journey;
pub mod monitor;
mod payload;
mod recorder;
mod run;
mod scheduler;
mod state;

use std::time::Duration;

pub use error::EngineError;
pub use run::{MAX_THREADS, RunHandle, default_threads, start, start_with_threads};

/// How a run is executed (as opposed to what it does, which the scenario says).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Time between metric snapshots (`METRICS_COLLECTION_INTERVAL`).
    pub interval: Duration,
    /// Seed for journey picks, think times and random arrivals; random when absent. It wins
    /// over a random profile's own `load.seed`.
    pub seed: Option<u64>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            seed: None,
        }
    }
}
