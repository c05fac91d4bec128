//! The live feed: one WebSocket to `/api/ws`, decoded into signals every page can read. It
//! reconnects by itself (with back-off) and, after a reconnect or a `lagged` notice, refetches
//! the run so nothing is missing; it shows itself live only once that refetch worked. A server
//! that speaks another version of the feed is not followed: the panel asks to be reloaded.

use futures_util::{Stream, StreamExt as _};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Alert, RunInfo};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::ws::{PROTOCOL_VERSION, ServerMsg};

/// What the panel knows about the current run, as signals.
#[derive(Debug, Clone, Copy)]
pub struct LiveFeed {
    /// True while the WebSocket is open and the run it found on opening is loaded.
    pub connected: RwSignal<bool>,
    /// The server's protocol version, when it is not this panel's: the feed is then no longer
    /// followed, and the page must be reloaded.
    pub outdated: RwSignal<Option<u32>>,
    /// The current (or last) run.
    pub run: RwSignal<Option<RunInfo>>,
    /// Its snapshots, in order.
    pub snapshots: RwSignal<Vec<MetricsSnapshot>>,
    /// Its alerts.
    pub alerts: RwSignal<Vec<Alert>>,
    /// Its summary, once finished.
    pub summary: RwSignal<Option<RunSummary>>,
}

impl LiveFeed {
    /// Opens the feed and keeps it open.
    pub fn connect() -> Self {
        let feed = Self::new();
        spawn_local(feed.run_forever());
        feed
    }

    fn new() -> Self {
        Self {
            connected: RwSignal::new(false),
            outdated: RwSignal::new(None),
            run: RwSignal::new(None),
            snapshots: RwSignal::new(Vec::new()),
            alerts: RwSignal::new(Vec::new()),
            summary: RwSignal::new(None),
        }
    }

    /// The feed provided by [`crate::App`].
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    fn url() -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/api/ws", location.host().ok()?))
    }

    async fn run_forever(self) {
        let mut backoff_ms = 250;
        loop {
            if let Some(url) = Self::url()
                && let Ok(ws) = WebSocket::open(&url)
            {
                // Each text frame read as a message (`None`: one this panel cannot read); the
                // stream ends when the socket does.
                let messages = futures_util::stream::unfold(ws, |mut ws| async move {
                    match ws.next().await {
                        Some(Ok(Message::Text(text))) => {
                            Some((crate::json::server_msg(&text).ok(), ws))
                        }
                        _ => None,
                    }
                });
                let messages = std::pin::pin!(messages);
                if self.follow(messages, || self.catch_up()).await == Ended::Outdated {
                    return;
                }
            }
            // A connection that was live starts the back-off afresh.
            if self.connected.get_untracked() {
                backoff_ms = 250;
            }
            self.connected.set(false);
            gloo_timers::future::TimeoutFuture::new(backoff_ms).await;
            backoff_ms = (backoff_ms * 2).min(5_000);
        }
    }

    /// Follows one connection's messages until it ends, a catch-up fails (the connection is
    /// then let go, to be opened again, and the run fetched again, after the back-off), or the
    /// server turns out to speak another protocol version.
    async fn follow<F: Future<Output = bool>>(
        &self,
        mut messages: impl Stream<Item = Option<ServerMsg>> + Unpin,
        catch_up: impl Fn() -> F,
    ) -> Ended {
        while let Some(msg) = messages.next().await {
            let Some(msg) = msg else { continue };
            match step(&msg) {
                Step::Outdated(server) => {
                    self.connected.set(false);
                    self.outdated.set(Some(server));
                    return Ended::Outdated;
                }
                Step::CatchUp => {
                    if !catch_up().await {
                        return Ended::Reconnect;
                    }
                    self.connected.set(true);
                }
                Step::Apply => self.apply(msg),
            }
        }
        Ended::Reconnect
    }

    /// After (re)connecting, or when the feed skipped messages: load the most recent run, so a
    /// page opened mid-run or after a drop shows the run from its start, and one that ended or
    /// started in the gap is shown as it is now. False when a fetch failed.
    async fn catch_up(&self) -> bool {
        match crate::api::status().await {
            Ok(status) => match status.run {
                Some(run) => self.load_run(run).await,
                None => true,
            },
            Err(_) => false,
        }
    }

    /// Loads a run whole, or nothing (false) when its detail or its series could not be fetched.
    async fn load_run(&self, run: RunInfo) -> bool {
        let (Ok(detail), Ok(series)) = crate::api::run_and_series(&run.id.0).await else {
            return false;
        };
        // The fetched listing is newer than the one the feed or the status gave.
        self.snapshots.set(series);
        self.run.set(Some(detail.info));
        self.alerts.set(detail.alerts);
        self.summary.set(detail.summary);
        true
    }

    fn is_current(&self, id: &shared::run::RunId) -> bool {
        self.run
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.id == *id))
    }

    fn apply(&self, msg: ServerMsg) {
        match msg {
            // Both are taken care of before (see `step`).
            ServerMsg::Hello { .. } | ServerMsg::Lagged { .. } => {}
            ServerMsg::RunStarted { run } => {
                self.run.set(Some(run));
                self.snapshots.set(Vec::new());
                self.alerts.set(Vec::new());
                self.summary.set(None);
            }
            ServerMsg::History {
                run,
                snapshots,
                alerts,
            } => {
                self.run.set(Some(run));
                self.snapshots.set(snapshots);
                self.alerts.set(alerts);
                self.summary.set(None);
            }
            ServerMsg::Status { run_id, status } => {
                if self.is_current(&run_id) {
                    self.run.update(|r| {
                        if let Some(r) = r {
                            r.status = status;
                        }
                    });
                }
            }
            ServerMsg::Snapshot { run_id, snapshot } => {
                if self.is_current(&run_id) {
                    // A snapshot already held (from a refetch racing the feed) is not added twice.
                    self.snapshots.update(|s| {
                        if s.last().is_none_or(|last| last.seq < snapshot.seq) {
                            s.push(*snapshot);
                        }
                    });
                }
            }
            ServerMsg::Alert { run_id, alert } => {
                if self.is_current(&run_id) {
                    self.alerts.update(|a| add_alert(a, alert));
                }
            }
            ServerMsg::Finished { run_id, summary } => {
                if self.is_current(&run_id) {
                    // The whole listing, not only its status: end, duration, totals, verdict;
                    // the end as the run history records it, from the summary.
                    self.run.update(|r| {
                        if let Some(r) = r {
                            r.end(&summary);
                        }
                    });
                    self.summary.set(Some(*summary));
                }
            }
        }
    }
}

/// How following one connection ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// It closed, or a catch-up failed: connect again, after the back-off.
    Reconnect,
    /// The server speaks another protocol version: stop.
    Outdated,
}

/// What a message asks of the feed.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Refetch the run: `hello` opens every connection, and `lagged` says messages were
    /// skipped (a status, the run's end, a new run).
    CatchUp,
    /// `hello` from a server that speaks this other protocol version: its messages would be
    /// misread.
    Outdated(u32),
    /// Apply it.
    Apply,
}

fn step(msg: &ServerMsg) -> Step {
    match msg {
        ServerMsg::Hello { protocol } if *protocol != PROTOCOL_VERSION => Step::Outdated(*protocol),
        ServerMsg::Hello { .. } | ServerMsg::Lagged { .. } => Step::CatchUp,
        _ => Step::Apply,
    }
}

/// Adds an alert from the feed unless it is already held: after a `lagged` notice the feed
/// goes on with messages the refetch already covered. An interval fires each kind at most once.
fn add_alert(alerts: &mut Vec<Alert>, alert: Alert) {
    if !alerts
        .iter()
        .any(|a| a.seq == alert.seq && a.kind == alert.kind)
    {
        alerts.push(alert);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::task::{Context, Poll, Waker};

    use shared::api::AlertKind;
    use shared::run::RunStatus;
    use shared::samples;

    use super::*;

    /// Runs a future that never waits (the tests' messages and catch-ups are all ready).
    fn now<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("the future waits"),
        }
    }

    fn hello(protocol: u32) -> ServerMsg {
        ServerMsg::Hello { protocol }
    }

    fn snapshot(feed: &LiveFeed, seq: u64) -> ServerMsg {
        let run_id = feed
            .run
            .with_untracked(|r| r.as_ref().expect("a run").id.clone());
        ServerMsg::Snapshot {
            run_id,
            snapshot: Box::new(samples::snapshot(seq)),
        }
    }

    /// A feed following a run in progress.
    fn following() -> LiveFeed {
        let feed = LiveFeed::new();
        let mut run = samples::run_info();
        run.status = RunStatus::Running;
        run.ended_at_ms = None;
        run.totals = None;
        run.thresholds_passed = None;
        feed.run.set(Some(run));
        feed
    }

    /// Follows `messages` with a catch-up that answers `works`; how it ended, and how many
    /// catch-ups it made.
    fn follow(feed: &LiveFeed, messages: Vec<ServerMsg>, works: bool) -> (Ended, u32) {
        let catch_ups = Cell::new(0);
        let messages = futures_util::stream::iter(messages.into_iter().map(Some));
        let ended = now(feed.follow(messages, || {
            catch_ups.set(catch_ups.get() + 1);
            async move { works }
        }));
        (ended, catch_ups.get())
    }

    /// A catch-up that could not fetch the run leaves the panel showing itself disconnected,
    /// and lets the connection go so that it connects, and catches up, again. It used to show
    /// itself connected, over a run it had not loaded, until the next drop.
    #[test]
    fn a_failed_catch_up_is_not_shown_as_connected_and_is_tried_again() {
        let feed = following();
        let (ended, catch_ups) = follow(
            &feed,
            vec![hello(PROTOCOL_VERSION), snapshot(&feed, 0)],
            false,
        );
        assert_eq!((ended, catch_ups), (Ended::Reconnect, 1));
        assert!(!feed.connected.get_untracked(), "not live without the run");
        assert!(
            feed.snapshots.with_untracked(Vec::is_empty),
            "nothing applied over it"
        );

        // Live once a catch-up works; a `lagged` whose catch-up fails lets go again.
        let (ended, catch_ups) = follow(
            &feed,
            vec![hello(PROTOCOL_VERSION), snapshot(&feed, 0)],
            true,
        );
        assert_eq!((ended, catch_ups), (Ended::Reconnect, 1));
        assert!(feed.connected.get_untracked());
        assert_eq!(feed.snapshots.with_untracked(Vec::len), 1);
        let lagged = ServerMsg::Lagged { skipped: 3 };
        let (ended, catch_ups) = follow(&feed, vec![lagged, snapshot(&feed, 1)], false);
        assert_eq!((ended, catch_ups), (Ended::Reconnect, 1));
        assert_eq!(
            feed.snapshots.with_untracked(Vec::len),
            1,
            "not applied after it"
        );
    }

    /// A server that speaks another protocol version is not followed: the panel says so (it
    /// must be reloaded) instead of misreading its messages.
    #[test]
    fn a_server_speaking_another_protocol_is_not_followed() {
        let feed = following();
        let other = PROTOCOL_VERSION + 1;
        let (ended, catch_ups) = follow(&feed, vec![hello(other), snapshot(&feed, 0)], true);
        assert_eq!((ended, catch_ups), (Ended::Outdated, 0));
        assert_eq!(feed.outdated.get_untracked(), Some(other));
        assert!(!feed.connected.get_untracked());
        assert!(
            feed.snapshots.with_untracked(Vec::is_empty),
            "nothing read from it"
        );
        assert_eq!(step(&hello(PROTOCOL_VERSION)), Step::CatchUp);
    }

    /// `finished` brings the panel's listing of the run up to date whole: status, end,
    /// duration, totals and verdict (only the status changed; the rest stayed as at the start).
    #[test]
    fn finished_updates_the_whole_listing_of_the_run() {
        let feed = following();
        let summary = samples::summary();
        let run_id = feed
            .run
            .with_untracked(|r| r.as_ref().expect("a run").id.clone());
        feed.apply(ServerMsg::Finished {
            run_id,
            summary: Box::new(summary.clone()),
        });
        let run = feed.run.get_untracked().expect("a run");
        assert_eq!(run.status, summary.status);
        assert_eq!(
            run.ended_at_ms,
            Some(summary.started_at_ms + summary.duration_ms)
        );
        assert_eq!(run.duration_ms, summary.duration_ms);
        assert_eq!(run.totals, Some(shared::api::RunTotals::of(&summary)));
        assert_eq!(run.thresholds_passed, summary.verdict());
        assert_eq!(feed.summary.get_untracked(), Some(summary));
    }

    #[test]
    fn alerts_a_refetch_already_returned_are_not_added_again() {
        let alert = |seq, kind| Alert::new(kind, seq, seq * 100, 0.5, 0.05);
        // After `lagged`: the refetched run has alerts up to interval 4 ...
        let mut held = vec![
            alert(2, AlertKind::ErrorRate),
            alert(4, AlertKind::ErrorRate),
            alert(4, AlertKind::ResponseTime),
        ];
        // ... and the feed goes on from before the refetch.
        for (seq, kind) in [
            (4, AlertKind::ErrorRate),
            (4, AlertKind::ResponseTime),
            (7, AlertKind::ResponseTime),
        ] {
            add_alert(&mut held, alert(seq, kind));
        }
        let fired: Vec<(u64, AlertKind)> = held.iter().map(|a| (a.seq, a.kind)).collect();
        assert_eq!(
            fired,
            [
                (2, AlertKind::ErrorRate),
                (4, AlertKind::ErrorRate),
                (4, AlertKind::ResponseTime),
                (7, AlertKind::ResponseTime),
            ]
        );
    }
}
