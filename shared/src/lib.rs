//! Stampede's shared vocabulary: scenarios, load profiles and plans, thresholds, metrics, runs
//! and the demo target's wire types. Serde only — no tokio, no HTTP — so it builds for wasm32
//! and is the single source of truth for files, REST bodies and WebSocket messages.

pub mod api;
pub mod chart;
pub mod compare;
pub mod demo;
pub mod markup;
pub mod metrics;
pub mod plan;
pub mod report;
pub mod run;
#[cfg(any(test, feature = "samples"))]
pub mod samples;
pub mod saved_name;
pub mod scenario;
#[cfg(feature = "schema")]
mod schema;
pub mod strict;
pub mod threshold;
pub mod units;
pub mod ws;
