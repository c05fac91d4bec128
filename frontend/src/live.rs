//! The live feed: one WebSocket to `/api/ws`, decoded into signals every page can read. It
//! reconnects by itself (with back-off) and, after a reconnect or a `lagged` notice, refetches
//! the run so nothing is missing.

use futures_util::StreamExt as _;
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Alert, RunInfo};
use shared::metrics::{MetricsSnapshot, RunSummary};
use shared::ws::ServerMsg;

/// What the panel knows about the current run, as signals.
#[derive(Debug, Clone, Copy)]
pub struct LiveFeed {
    /// True while the WebSocket is open and the run it found on opening is loaded.
    pub connected: RwSignal<bool>,
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
        let feed = Self {
            connected: RwSignal::new(false),
            run: RwSignal::new(None),
            snapshots: RwSignal::new(Vec::new()),
            alerts: RwSignal::new(Vec::new()),
            summary: RwSignal::new(None),
        };
        spawn_local(feed.run_forever());
        feed
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
                && let Ok(mut ws) = WebSocket::open(&url)
            {
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    if !self.connected.get_untracked() {
                        backoff_ms = 250;
                        self.catch_up().await;
                        self.connected.set(true);
                    }
                    if let Ok(msg) = crate::json::server_msg(&text) {
                        self.apply(msg).await;
                    }
                }
            }
            self.connected.set(false);
            gloo_timers::future::TimeoutFuture::new(backoff_ms).await;
            backoff_ms = (backoff_ms * 2).min(5_000);
        }
    }

    /// After (re)connecting, or when the feed skipped messages: load the most recent run, so a
    /// page opened mid-run or after a drop shows the run from its start, and one that ended or
    /// started in the gap is shown as it is now.
    async fn catch_up(&self) {
        if let Ok(status) = crate::api::status().await
            && let Some(run) = status.run
        {
            self.load_run(run).await;
        }
    }

    async fn load_run(&self, run: RunInfo) {
        let id = run.id.0.clone();
        let (detail, series) = crate::api::run_with_series(&id).await;
        let detail = detail.ok();
        // The fetched listing is newer than the one the feed or the status gave.
        self.run
            .set(Some(detail.as_ref().map_or(run, |d| d.info.clone())));
        self.snapshots.set(series);
        self.alerts.set(
            detail
                .as_ref()
                .map(|d| d.alerts.clone())
                .unwrap_or_default(),
        );
        self.summary.set(detail.and_then(|d| d.summary));
    }

    fn is_current(&self, id: &shared::run::RunId) -> bool {
        self.run
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.id == *id))
    }

    async fn apply(&self, msg: ServerMsg) {
        match msg {
            ServerMsg::Hello { .. } => {}
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
                    self.run.update(|r| {
                        if let Some(r) = r {
                            r.status = summary.status;
                        }
                    });
                    self.summary.set(Some(*summary));
                }
            }
            // Skipped messages may have carried a status, the run's end or a new run.
            ServerMsg::Lagged { .. } => self.catch_up().await,
        }
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
    use shared::api::AlertKind;

    use super::*;

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
