//! Live-feed messages pushed over the WebSocket (`GET /api/ws`). One tagged enum; the panel
//! matches on it exhaustively.

use serde::{Deserialize, Serialize};

use crate::api::{Alert, RunInfo};
use crate::metrics::{MetricsSnapshot, RunSummary};
use crate::run::{RunId, RunStatus};

/// Bumped when a message changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First message on every connection.
    Hello {
        /// [`PROTOCOL_VERSION`].
        protocol: u32,
    },
    /// A run was created.
    RunStarted {
        /// The run.
        run: RunInfo,
    },
    /// Everything so far of a run already in progress, sent to a client that joins mid-run.
    History {
        /// The run.
        run: RunInfo,
        /// Its snapshots so far, in order.
        snapshots: Vec<MetricsSnapshot>,
        /// Its alerts so far.
        alerts: Vec<Alert>,
    },
    /// A run's status changed.
    Status {
        /// Which run.
        run_id: RunId,
        /// New status.
        status: RunStatus,
    },
    /// One interval's metrics.
    Snapshot {
        /// Which run.
        run_id: RunId,
        /// The snapshot.
        snapshot: Box<MetricsSnapshot>,
    },
    /// An alert fired.
    Alert {
        /// Which run.
        run_id: RunId,
        /// The alert.
        alert: Alert,
    },
    /// The run ended.
    Finished {
        /// Which run.
        run_id: RunId,
        /// Its summary.
        summary: Box<RunSummary>,
    },
    /// The client fell behind and missed this many messages; it should refetch the run.
    Lagged {
        /// Messages skipped.
        skipped: u64,
    },
}
