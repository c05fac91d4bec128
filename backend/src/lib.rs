//! The `stampede` binary's library: the command line and the built-in demo target. The load
//! engine lives in the `engine` crate; this crate wires it to terminals (and, later, to HTTP).

pub mod cli;
pub mod demo_target;
