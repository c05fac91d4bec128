//! Ctrl-C presses as a stream, listened to from one registration for the whole run: a second or
//! third press is never lost between two waits (`tokio::signal::ctrl_c` registers anew each time
//! it is first polled, and misses a press that comes before that).

/// The Ctrl-C presses (SIGINT on Unix) received since [`Interrupts::listen`].
pub(super) struct Interrupts {
    #[cfg(unix)]
    inner: tokio::signal::unix::Signal,
    #[cfg(windows)]
    inner: tokio::signal::windows::CtrlC,
}

impl Interrupts {
    /// Installs the handler: from now on Ctrl-C no longer ends the process by itself.
    pub(super) fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        let inner = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        #[cfg(windows)]
        let inner = tokio::signal::windows::ctrl_c()?;
        Ok(Self { inner })
    }

    /// The next press (`None` if no more can come).
    pub(super) async fn next(&mut self) -> Option<()> {
        self.inner.recv().await
    }
}
