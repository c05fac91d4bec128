//! A run's identity and its one state machine.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Identifies a run (assigned by whoever starts it: the CLI or the control server).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RunId(pub String);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lifecycle of a run: `Pending → Running → Stopping → Completed | Failed | Cancelled`.
/// `Interrupted` is set later by the control server for a run whose process died mid-way, or
/// whose summary it could not store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Accepted, not yet generating load.
    Pending,
    /// Generating load.
    Running,
    /// Load schedule over (or stop requested); in-flight iterations are finishing.
    Stopping,
    /// Ran to the end of its schedule.
    Completed,
    /// Could not run, or aborted by a failing `abort_on_fail` threshold.
    Failed,
    /// Stopped on request before the end of its schedule.
    Cancelled,
    /// The process running it died, or its summary could not be stored; its data up to that
    /// point (its intervals) is kept.
    Interrupted,
}

impl RunStatus {
    /// True for the end states.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed
                | RunStatus::Failed
                | RunStatus::Cancelled
                | RunStatus::Interrupted
        )
    }

    /// The status as a word.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Stopping => "stopping",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
