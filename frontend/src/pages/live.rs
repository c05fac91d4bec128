//! The live run page.

use leptos::prelude::*;

/// Live run: tiles, charts, per-request table, stop, alerts.
#[component]
pub fn LivePage() -> impl IntoView {
    view! { <section class="page page--live"><h1>"Live run"</h1></section> }
}
