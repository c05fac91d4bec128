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
    source: Source,
}

/// Where the signals come from.
enum Source {
    #[cfg(unix)]
    Unix {
        interrupt: tokio::signal::unix::Signal,
        terminate: tokio::signal::unix::Signal,
    },
    #[cfg(windows)]
    Windows {
        ctrl_c: tokio::signal::windows::CtrlC,
    },
    /// Signals a test sends, each one received on its own: real signals sent in quick
    /// succession may merge into one, so a sequence of them cannot be tested with real ones.
    #[cfg(test)]
    Sent(tokio::sync::mpsc::UnboundedReceiver<StopSignal>),
}

impl StopSignals {
    /// Installs the handlers. Must be called within a Tokio runtime.
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                source: Source::Unix {
                    interrupt: signal(SignalKind::interrupt())?,
                    terminate: signal(SignalKind::terminate())?,
                },
            })
        }
        #[cfg(windows)]
        {
            Ok(Self {
                source: Source::Windows {
                    ctrl_c: tokio::signal::windows::ctrl_c()?,
                },
            })
        }
    }

    /// Signals that a test sends through the returned sender, in its order and none merged.
    #[cfg(test)]
    pub(crate) fn sent() -> (tokio::sync::mpsc::UnboundedSender<StopSignal>, Self) {
        let (send, receive) = tokio::sync::mpsc::unbounded_channel();
        (
            send,
            Self {
                source: Source::Sent(receive),
            },
        )
    }

    /// The next signal; `None` once none can come any more.
    pub async fn next(&mut self) -> Option<StopSignal> {
        match &mut self.source {
            #[cfg(unix)]
            Source::Unix {
                interrupt,
                terminate,
            } => {
                tokio::select! {
                    Some(()) = interrupt.recv() => Some(StopSignal::Interrupt),
                    Some(()) = terminate.recv() => Some(StopSignal::Terminate),
                    else => None,
                }
            }
            #[cfg(windows)]
            Source::Windows { ctrl_c } => ctrl_c.recv().await.map(|()| StopSignal::Interrupt),
            #[cfg(test)]
            Source::Sent(receive) => receive.recv().await,
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
