//! Requests to stop that come from outside the process: Ctrl-C (SIGINT) and, on Unix, SIGTERM,
//! which CI runners, `timeout`, systemd and Kubernetes send. Both are listened to from one
//! registration made up front, so no signal is lost between two waits:
//! `tokio::signal::ctrl_c` registers anew when it is first polled, and misses a signal that
//! comes before that. Once listened to, neither signal ends the process by itself.

use std::future::Future;

/// Which request to stop arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// Ctrl-C at a terminal (SIGINT on Unix).
    Interrupt,
    /// SIGTERM (Unix only).
    Terminate,
}

/// The stop signals received since [`StopSignals::listen`], one at a time.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignals {
    /// Installs the handlers. Must be called within a Tokio runtime.
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(windows)]
        {
            Ok(Self {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
    }

    /// The next signal; `None` once none can come any more.
    pub async fn next(&mut self) -> Option<StopSignal> {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = self.interrupt.recv() => Some(StopSignal::Interrupt),
                Some(()) = self.terminate.recv() => Some(StopSignal::Terminate),
                else => None,
            }
        }
        #[cfg(windows)]
        {
            self.ctrl_c.recv().await.map(|()| StopSignal::Interrupt)
        }
    }

    /// Resolves on the next signal; never, if none can come any more.
    pub async fn next_or_never(&mut self) -> StopSignal {
        match self.next().await {
            Some(signal) => signal,
            None => std::future::pending().await,
        }
    }
}

/// Resolves on the first Ctrl-C or SIGTERM. The handlers are installed now, not when the future
/// is first polled, and failing to install them is reported here.
pub fn shutdown() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    let mut signals = StopSignals::listen()?;
    Ok(async move {
        signals.next_or_never().await;
    })
}
