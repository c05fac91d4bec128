//! [`StallServer`]: an HTTP target that stops answering for a second every two seconds, the
//! classic setup for showing coordinated omission.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use tokio::time::Instant;

use crate::server::{Counters, TestServer, serve_axum};

/// Time from one freeze window's start to the next.
pub const PERIOD: Duration = Duration::from_secs(2);
/// How long each freeze lasts.
pub const FREEZE: Duration = Duration::from_secs(1);

/// An HTTP/1.1 target answering every request `200 ok`, except that answers are frozen in the
/// windows `[2k + 1, 2k + 2)` seconds after the server started: a request arriving inside a
/// window is answered at the window's end; outside the windows it is answered at once.
///
/// Counters: [`Counters::requests`] counts answered requests, [`Counters::stalled`] those that
/// arrived inside a window.
#[derive(Debug)]
pub struct StallServer {
    server: TestServer,
    started: Instant,
}

struct Stall {
    started: Instant,
    counters: Arc<Counters>,
}

/// When a request arriving `elapsed` after the server started is answered, relative to the
/// start: `None` means at once, `Some(t)` at the end of the freeze window it fell into.
pub fn release_at(elapsed: Duration) -> Option<Duration> {
    let period = PERIOD.as_nanos();
    let freeze_from = (PERIOD - FREEZE).as_nanos();
    let at = elapsed.as_nanos();
    let into_period = at % period;
    (into_period >= freeze_from).then(|| {
        let end = at - into_period + period;
        Duration::from_nanos(u64::try_from(end).unwrap_or(u64::MAX))
    })
}

async fn answer(State(stall): State<Arc<Stall>>) -> &'static str {
    if let Some(end) = release_at(stall.started.elapsed()) {
        stall.counters.add_stalled();
        // Simulates a target that stops answering: this is the behaviour under test, not a
        // synchronisation device.
        tokio::time::sleep_until(stall.started + end).await;
    }
    stall.counters.add_request();
    "ok"
}

impl StallServer {
    /// Binds `127.0.0.1:0` and starts serving; the freeze schedule starts now.
    pub async fn start() -> std::io::Result<Self> {
        let counters = Arc::new(Counters::default());
        let started = Instant::now();
        let state = Arc::new(Stall {
            started,
            counters: Arc::clone(&counters),
        });
        let app = axum::Router::new().fallback(answer).with_state(state);
        let server = serve_axum(app, counters).await?;
        Ok(Self { server, started })
    }

    /// When the freeze schedule started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Stops the server (waits at most for the current freeze to end).
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

impl Deref for StallServer {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn windows_are_the_odd_seconds() {
        assert_eq!(release_at(ms(0)), None);
        assert_eq!(release_at(ms(999)), None);
        assert_eq!(release_at(ms(1000)), Some(ms(2000)));
        assert_eq!(release_at(ms(1999)), Some(ms(2000)));
        assert_eq!(release_at(ms(2000)), None);
        assert_eq!(release_at(ms(2999)), None);
        assert_eq!(release_at(ms(3500)), Some(ms(4000)));
        assert_eq!(release_at(ms(11_001)), Some(ms(12_000)));
    }
}
