//! What every worker of a run shares: the client, the prepared journeys, the recorder and a few
//! counters. Built once at start; read-only apart from atomics and the sharded recorder.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::journey::{Picker, PreparedJourney};
use crate::recorder::Recorder;

#[derive(Debug)]
pub(crate) struct RunState {
    pub(crate) client: reqwest::Client,
    pub(crate) journeys: Vec<PreparedJourney>,
    pub(crate) picker: Picker,
    pub(crate) recorder: Recorder,
    /// Users alive (closed model) or iterations in flight (open model).
    pub(crate) active: AtomicU64,
    /// Highest `active` ever reached.
    pub(crate) peak: AtomicU64,
    pub(crate) iterations: AtomicU64,
    pub(crate) dropped: AtomicU64,
    /// Worst schedule lag since the last snapshot, µs.
    lag_us: AtomicU64,
}

impl RunState {
    pub(crate) fn new(
        client: reqwest::Client,
        journeys: Vec<PreparedJourney>,
        picker: Picker,
        recorder: Recorder,
    ) -> Self {
        Self {
            client,
            journeys,
            picker,
            recorder,
            active: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            iterations: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            lag_us: AtomicU64::new(0),
        }
    }

    /// Notes how late a scheduled start or timer fired.
    pub(crate) fn note_lag(&self, lag: Duration) {
        let us = u64::try_from(lag.as_micros()).unwrap_or(u64::MAX);
        self.lag_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Worst lag since the last call.
    pub(crate) fn take_lag(&self) -> Duration {
        Duration::from_micros(self.lag_us.swap(0, Ordering::Relaxed))
    }

    /// Marks one user / iteration active until the guard drops (also on cancellation).
    pub(crate) fn enter(&self) -> ActiveGuard<'_> {
        let now = self.active.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        ActiveGuard(self)
    }
}

pub(crate) struct ActiveGuard<'a>(&'a RunState);

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}
