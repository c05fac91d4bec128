//! Errors that stop a run from starting. Per-request failures are not errors: they are counted.

/// Why the engine could not run a scenario.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The HTTP client could not be built (e.g. TLS setup).
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    /// A request could not be prepared (a header or method the HTTP library refuses).
    #[error("could not prepare a request: {0}")]
    Prepare(String),
    /// More worker threads than [`crate::MAX_THREADS`] were asked for.
    #[error("{0} worker threads asked for; at most {max}", max = crate::MAX_THREADS)]
    Threads(usize),
}
