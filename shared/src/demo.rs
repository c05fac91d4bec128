//! Wire types of the built-in demo target (`stampede demo-target`).
//!
//! The demo target is a small simulated service that every example scenario can run against.
//! It exposes its own request counters at `GET /__stampede/stats` so that end-to-end tests can
//! compare what the load engine *thinks* it sent with what the target actually received.
//! The counters are reset with `POST /__stampede/reset`; requests to those two paths and to
//! `/health` are never counted, so a test can poll them freely without disturbing the numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Snapshot of the demo target's counters, as served by `GET /__stampede/stats`.
///
/// Counters (`*_total`, `by_route`) are cumulative since start or the last reset; gauges
/// (`in_flight`, `queued`) describe the moment the snapshot was taken and are not reset.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoStats {
    /// Every counted request received, whatever its outcome: successes, 4xx (including 404 for
    /// unknown paths), injected 500s and 503 rejections. Requests to `/health`,
    /// `/__stampede/stats` and `/__stampede/reset` (any method) are never counted.
    pub requests_total: u64,
    /// Requests currently holding a capacity slot, i.e. being "worked on" right now.
    pub in_flight: u64,
    /// Requests currently waiting for a capacity slot.
    pub queued: u64,
    /// Requests answered 503 immediately because both the capacity and the queue were full.
    pub rejected_total: u64,
    /// Requests answered 500 by deliberate error injection (the configured error rate).
    pub errors_injected_total: u64,
    /// `requests_total` broken down by `"METHOD /path-template"`, e.g.
    /// `"GET /api/products/{id}"`. Requests matching no route are keyed `"METHOD (unmatched)"`.
    /// The values always sum to `requests_total`.
    pub by_route: BTreeMap<String, u64>,
}
