//! End-to-end test support: in-process targets bound on `127.0.0.1:0`, and a small harness that
//! runs a YAML scenario through the engine and collects its summary and snapshots.
//!
//! Every target hands back its base URL and a handle onto its [`Counters`]; dropping a target (or
//! calling its `shutdown`) stops it. Nothing here ever talks to anything but `127.0.0.1`.
//!
//! * [`StallServer`]: answers `200 ok`, but freezes for 1 s every 2 s (coordinated omission).
//! * Error targets ([`errors`]): connection refused, reset, stall forever, 500, 404, garbage.
//! * [`TlsServer`]: HTTPS with a self-signed certificate, HTTP/2 and HTTP/1.1 via ALPN.
//! * [`harness`]: parse + validate a scenario, run it, collect snapshots, with a time bound.
//! * [`binary`]: the real `stampede` binary, and `stampede serve` as a child process.

pub mod binary;
pub mod browser;
pub mod errors;
pub mod harness;
mod server;
pub mod stall;
pub mod tls;

pub use server::{Counters, TestServer};
pub use stall::StallServer;
pub use tls::TlsServer;
