//! History: past runs, one run, and a comparison of two.

use leptos::prelude::*;

/// Past runs.
#[component]
pub fn HistoryPage() -> impl IntoView {
    view! { <section class="page page--history"><h1>"History"</h1></section> }
}

/// One past run.
#[component]
pub fn RunPage() -> impl IntoView {
    view! { <section class="page page--run"><h1>"Run"</h1></section> }
}

/// Two runs side by side.
#[component]
pub fn ComparePage() -> impl IntoView {
    view! { <section class="page page--compare"><h1>"Compare"</h1></section> }
}
