//! The compose page.

use leptos::prelude::*;

/// Compose a scenario with forms or as text, and launch it.
#[component]
pub fn ComposePage() -> impl IntoView {
    view! { <section class="page page--compose"><h1>"Compose"</h1></section> }
}
