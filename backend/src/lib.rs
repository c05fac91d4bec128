//! The `stampede` binary's library: the command line, the control server (REST API, live feed,
//! history, reports) and the built-in demo target. The load engine lives in the `engine` crate.

pub mod cli;
mod console;
pub mod demo_target;
pub mod files;
pub mod report;
pub mod server;
pub mod signals;
pub mod store;
