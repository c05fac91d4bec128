//! Reusable view pieces.

pub mod alerts;
pub mod breakdown;
pub mod chart;
pub mod connection;
pub mod generator;
pub mod request_table;
pub mod run_view;
pub mod tiles;

#[cfg(test)]
pub(crate) mod fixtures;

pub mod compare_table;
pub mod run_list;
pub mod scenario_editor;
