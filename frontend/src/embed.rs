//! Embedding in the platform's dashboard: `?embed=1` hides our header and navigation, and the
//! panel reports run events to the parent window with `postMessage`:
//! `{source: "stampede", type: "run_started" | "status" | "finished", run_id, status, summary?}`.

use leptos::prelude::*;
use serde::Serialize;
use shared::metrics::RunSummary;

use crate::live::LiveFeed;

/// True when the page was opened with `embed=1` in its query.
pub fn is_embedded() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| flag_in(&q))
}

/// True when a query string (with or without its `?`) has `embed=1` or `embed=true`.
pub fn flag_in(query: &str) -> bool {
    query
        .trim_start_matches('?')
        .split('&')
        .any(|kv| kv == "embed=1" || kv == "embed=true")
}

/// A message to the parent window.
#[derive(Debug, Clone, Serialize)]
pub struct EmbedEvent<'a> {
    /// Always `"stampede"`, so the host can tell our messages from others.
    pub source: &'static str,
    /// `run_started`, `status` or `finished`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The run.
    pub run_id: &'a str,
    /// Its status.
    pub status: &'static str,
    /// The summary, with `finished`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<&'a RunSummary>,
}

fn post(event: &EmbedEvent<'_>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if parent == window {
        return;
    }
    if let Ok(value) = crate::json::to_js(event) {
        // The host page checks `event.origin`; we do not know its origin, so "*" (the data
        // is what the host's own API would return).
        let _ = parent.post_message(&value, "*");
    }
}

/// The events to post when the run is seen as `now` (`(id, status, finished)`) after `last`
/// (as last seen): `run_started` for a new run, else `status` when its status changed (the
/// `run_started` event carries the status already), and `finished` once per run.
pub fn events(
    (last_id, last_status, last_finished): (&str, &str, bool),
    (id, status, finished): (&str, &str, bool),
) -> [Option<&'static str>; 2] {
    let new = last_id != id;
    [
        if new {
            Some("run_started")
        } else {
            (last_status != status).then_some("status")
        },
        (finished && (new || !last_finished)).then_some("finished"),
    ]
}

/// Posts run events to the parent window when `embedded`: what happens while the panel is
/// open. What the panel finds when it first catches up is the baseline: a run that ended before
/// is history, not news (so a host that reloads is not told of it again), and a run in
/// progress is reported by a `status` event.
pub fn report_to_parent(feed: LiveFeed, embedded: bool) {
    if !embedded {
        return;
    }
    let baseline_taken = StoredValue::new(false);
    let last = StoredValue::new((String::new(), String::new(), false));
    Effect::new(move |_| {
        let caught_up = feed.connected.get();
        let run = feed.run.get();
        let summary = feed.summary.get();
        let finished = summary.is_some();
        if !baseline_taken.get_value() {
            if !caught_up {
                return;
            }
            baseline_taken.set_value(true);
            if let Some(run) = &run {
                if !run.status.is_terminal() {
                    post(&EmbedEvent {
                        source: "stampede",
                        kind: "status",
                        run_id: &run.id.0,
                        status: run.status.as_str(),
                        summary: None,
                    });
                }
                last.set_value((run.id.0.clone(), run.status.as_str().to_owned(), finished));
            }
            return;
        }
        let Some(run) = run else { return };
        let status = run.status.as_str();
        let (last_id, last_status, last_finished) = last.get_value();
        let seen = (last_id.as_str(), last_status.as_str(), last_finished);
        for kind in events(seen, (&run.id.0, status, finished))
            .into_iter()
            .flatten()
        {
            post(&EmbedEvent {
                source: "stampede",
                kind,
                run_id: &run.id.0,
                status,
                summary: summary.as_ref().filter(|_| kind == "finished"),
            });
        }
        last.set_value((run.id.0.clone(), status.to_owned(), finished));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_event_only_when_the_status_changed() {
        let none = [None, None];
        // A new run: started (with its status), no second event with the same status.
        assert_eq!(
            events(("old", "completed", true), ("r2", "pending", false)),
            [Some("run_started"), None]
        );
        assert_eq!(
            events(("r2", "pending", false), ("r2", "pending", false)),
            none
        );
        assert_eq!(
            events(("r2", "pending", false), ("r2", "running", false)),
            [Some("status"), None]
        );
        assert_eq!(
            events(("r2", "stopping", false), ("r2", "completed", true)),
            [Some("status"), Some("finished")]
        );
        // The summary after the last status: finished, once.
        assert_eq!(
            events(("r2", "completed", false), ("r2", "completed", true)),
            [None, Some("finished")]
        );
        assert_eq!(
            events(("r2", "completed", true), ("r2", "completed", true)),
            none
        );
        // A run seen first when it is over.
        assert_eq!(
            events(("", "", false), ("r3", "completed", true)),
            [Some("run_started"), Some("finished")]
        );
    }
}
