//! Stampede's browser control panel. Pages: the live run, compose, history (with compare).
//! Talks to `stampede serve` on the same origin: REST via [`api`], live data via [`live`].
//! `?embed=1` drops the header and navigation and reports to the parent window ([`embed`]).

pub mod api;
pub mod chart;
pub mod compare;
pub mod components;
pub mod embed;
pub mod format;
pub mod live;
pub mod pages;
pub mod scenario_form;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// The application: header and navigation (unless embedded), and the pages.
#[component]
pub fn App() -> impl IntoView {
    let embedded = embed::is_embedded();
    let feed = live::LiveFeed::connect();
    provide_context(feed);
    embed::report_to_parent(feed);
    view! {
        <Router>
            <div class="app" class:app--embedded=embedded>
                <Show when=move || !embedded>
                    <header class="app__header">
                        <span class="app__brand">"Stampede"</span>
                        <nav class="app__nav">
                            <A href="/">"Live"</A>
                            <A href="/compose">"Compose"</A>
                            <A href="/history">"History"</A>
                        </nav>
                        <components::connection::ConnectionBadge/>
                    </header>
                </Show>
                <main class="app__main">
                    <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                        <Route path=path!("/") view=pages::live::LivePage/>
                        <Route path=path!("/compose") view=pages::compose::ComposePage/>
                        <Route path=path!("/history") view=pages::history::HistoryPage/>
                        <Route path=path!("/history/:id") view=pages::history::RunPage/>
                        <Route path=path!("/compare") view=pages::history::ComparePage/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
