//! Reusable view pieces.

pub mod chart;
pub mod connection;
pub mod run_view;
pub mod tiles;
