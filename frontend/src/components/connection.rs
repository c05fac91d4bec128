//! The live-feed connection indicator in the header.

use leptos::prelude::*;

use crate::live::LiveFeed;

/// "live" when the WebSocket is open, "reconnecting…" otherwise.
#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let feed = LiveFeed::use_context();
    view! {
        <span class="connection" class:connection--up=move || feed.connected.get()>
            {move || if feed.connected.get() { "live" } else { "reconnecting…" }}
        </span>
    }
}
