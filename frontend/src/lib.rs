//! Stampede's browser control panel. Pages: the live run, compose, history (with compare).
//! Talks to `stampede serve` on the same origin: REST via [`api`], live data via [`live`].
//! `?embed=1` drops the header and navigation and reports to the parent window ([`embed`]).

pub mod api;
pub mod chart;
pub mod compare;
pub mod components;
pub mod embed;
pub mod fetched;
pub mod format;
pub mod json;
pub mod live;
pub mod markup;
pub mod nav;
pub mod pages;
pub mod scenario_form;

use leptos::prelude::*;
use nav::{Nav, NavLink, Page};

/// Focuses the element matching `css` once the page is redrawn (next frame), so keyboard focus
/// follows an element that a state change shows or brings back.
pub(crate) fn focus_later(css: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .query_selector(css)
            .ok()
            .flatten()
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    });
}

/// The application: header and navigation (unless embedded), and the pages.
#[component]
pub fn App() -> impl IntoView {
    let nav = Nav::provide();
    let embedded = nav.embedded();
    let feed = live::LiveFeed::connect();
    provide_context(feed);
    embed::report_to_parent(feed, embedded);
    // Each page is mounted when the path changes to it, not when only the query does.
    let page = move || match nav.page() {
        Page::Live => view! { <pages::live::LivePage/> }.into_any(),
        Page::Compose => view! { <pages::compose::ComposePage/> }.into_any(),
        Page::History => view! { <pages::history::HistoryPage/> }.into_any(),
        Page::Run(id) => view! { <pages::history::RunPage id=id/> }.into_any(),
        Page::Compare => view! { <pages::history::ComparePage/> }.into_any(),
        Page::NotFound => view! { <p class="empty">"Page not found."</p> }.into_any(),
    };
    view! {
        <div class="app" class:app--embedded=embedded data-feed=move || if feed.connected.get() { "live" } else { "connecting" }>
            <Show when=move || !embedded>
                <header class="app__header">
                    <span class="app__brand">"Stampede"</span>
                    <nav class="app__nav">
                        <NavLink href="/">"Live"</NavLink>
                        <NavLink href="/compose">"Compose"</NavLink>
                        <NavLink href="/history">"History"</NavLink>
                    </nav>
                    <components::connection::ConnectionBadge/>
                </header>
            </Show>
            <main class="app__main">{page}</main>
        </div>
    }
}
