//! The live-feed connection indicator in the header.

use leptos::prelude::*;

use crate::live::LiveFeed;

/// "connected" when the WebSocket is open, "reconnecting…" otherwise; a request to reload when
/// the server speaks another version of the feed. (Not "live": beside the Live page's link,
/// and above "No run yet", that read as a run going on.)
#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let feed = LiveFeed::use_context();
    let text = move || match (feed.outdated.get(), feed.connected.get()) {
        (Some(_), _) => "server and panel versions differ: reload the page",
        (None, true) => "connected",
        (None, false) => "reconnecting…",
    };
    view! {
        <span class="connection" class:connection--up=move || feed.connected.get()>
            {text}
        </span>
    }
}
