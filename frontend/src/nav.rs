//! Client-side navigation for the panel's five pages, without a router crate (a router costs
//! about 50 KB of the gzipped wasm; this file does what the panel needs in a few hundred bytes).
//!
//! The location is one signal. Same-origin `<a href="/…">` clicks are caught by a single
//! document listener and become `history.pushState` + a signal update; the browser's back and
//! forward buttons arrive as `popstate`. Pages read the path ([`Page`]) and the query
//! ([`Nav::query`]) reactively.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A page of the panel, from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: the live run.
    Live,
    /// `/compose`.
    Compose,
    /// `/history`.
    History,
    /// `/history/{id}`: one run.
    Run(String),
    /// `/compare?a=…&b=…`.
    Compare,
    /// Anything else.
    NotFound,
}

impl Page {
    /// The page a path (without query or fragment) shows. A trailing slash is ignored.
    pub fn from_path(path: &str) -> Page {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        match path {
            "" | "/" => Page::Live,
            "/compose" => Page::Compose,
            "/history" => Page::History,
            "/compare" => Page::Compare,
            _ => match path.strip_prefix("/history/") {
                Some(id) if !id.is_empty() && !id.contains('/') => Page::Run(decode(id)),
                _ => Page::NotFound,
            },
        }
    }
}

/// The value of `key` in a query string (`a=1&b=x%20y`, with or without the leading `?`),
/// percent- and plus-decoded. The first occurrence wins.
pub fn query_value(query: &str, key: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| decode(k) == key)
        .map(|(_, v)| decode(v))
}

/// Percent-decoding of a URL component (`+` is a space, as in form-encoded queries). Invalid
/// escapes are kept as they are; invalid UTF-8 is replaced.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encoding of a query value: everything but unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Whether a link to `href` is the current page's (for `aria-current`): `/` only on the live
/// page, other links also on the pages below them (`/history` on `/history/{id}`).
pub fn is_current(href: &str, path: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href
            || path
                .strip_prefix(href)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Splits `/path?query#fragment` into path and query (without `?`); the fragment is dropped.
pub fn split_href(href: &str) -> (&str, &str) {
    let href = href.split('#').next().unwrap_or_default();
    href.split_once('?').unwrap_or((href, ""))
}

/// Whether a link's href is one this panel navigates to itself: an absolute path on this
/// origin that is not the API (reports and downloads are served by the server).
pub fn is_internal(href: &str) -> bool {
    href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/api/")
}

/// `href` with `embed=1` in its query unless it is there already, so that an embedded panel
/// stays embedded on every page it navigates to (and when its frame is reloaded).
pub fn keep_embedded(href: &str) -> String {
    let (path, query) = split_href(href);
    if crate::embed::flag_in(query) {
        href.to_owned()
    } else if query.is_empty() {
        format!("{path}?embed=1")
    } else {
        format!("{path}?{query}&embed=1")
    }
}

/// The panel's location: path and query, as signals. Copy it freely.
#[derive(Clone, Copy)]
pub struct Nav {
    path: RwSignal<String>,
    query: RwSignal<String>,
    page: Memo<Page>,
    /// Opened with `?embed=1`: kept in the URL through navigation.
    embedded: bool,
}

impl Nav {
    /// Reads the browser's location, listens to link clicks and back/forward, and provides
    /// the [`Nav`] to the component tree.
    pub fn provide() -> Nav {
        let (path, query) = current_location();
        let path = RwSignal::new(path);
        let nav = Nav {
            path,
            query: RwSignal::new(query),
            page: Memo::new(move |_| path.with(|p| Page::from_path(p))),
            embedded: crate::embed::is_embedded(),
        };
        let _ = window_event_listener(ev::popstate, move |_| {
            let (path, query) = current_location();
            nav.set(path, query);
        });
        let _ = window_event_listener(ev::click, move |ev| nav.on_click(&ev));
        provide_context(nav);
        nav
    }

    /// The [`Nav`] provided by the app.
    pub fn use_context() -> Nav {
        expect_context::<Nav>()
    }

    /// The current page (tracked; changes only when the path does).
    pub fn page(&self) -> Page {
        self.page.get()
    }

    /// Whether the panel was opened with `?embed=1` (read once, at start).
    pub fn embedded(&self) -> bool {
        self.embedded
    }

    /// A query parameter of the current location (tracked).
    pub fn query(&self, key: &str) -> Option<String> {
        self.query.with(|q| query_value(q, key))
    }

    /// Goes to `href` (a path with an optional query), as a new history entry, at the top of
    /// the page.
    pub fn navigate(&self, href: &str) {
        self.go(href, false);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }

    /// Replaces the current history entry with `href`, keeping the scroll position (filters).
    pub fn replace(&self, href: &str) {
        self.go(href, true);
    }

    fn go(&self, href: &str, replace: bool) {
        let kept;
        let href = if self.embedded {
            kept = keep_embedded(href);
            kept.as_str()
        } else {
            href
        };
        if let Ok(history) = window().history() {
            let state = wasm_bindgen::JsValue::NULL;
            let _ = if replace {
                history.replace_state_with_url(&state, "", Some(href))
            } else {
                history.push_state_with_url(&state, "", Some(href))
            };
        }
        let (path, query) = split_href(href);
        self.set(path.to_owned(), query.to_owned());
    }

    fn set(&self, path: String, query: String) {
        if self.path.with_untracked(|p| *p != path) {
            self.path.set(path);
        }
        if self.query.with_untracked(|q| *q != query) {
            self.query.set(query);
        }
    }

    /// Turns a plain left click on an internal link into a navigation without reloading.
    fn on_click(&self, ev: &ev::MouseEvent) {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if anchor.has_attribute("download")
            || anchor.has_attribute("target")
            || anchor
                .get_attribute("rel")
                .is_some_and(|r| r.contains("external"))
        {
            return;
        }
        let href = anchor.get_attribute("href").unwrap_or_default();
        if !is_internal(&href) {
            return;
        }
        ev.prevent_default();
        self.navigate(&href);
    }
}

fn current_location() -> (String, String) {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let query = location.search().unwrap_or_default();
    (path, query.trim_start_matches('?').to_owned())
}

/// A navigation link that carries `aria-current="page"` while its page is shown.
#[component]
pub fn NavLink(href: &'static str, children: Children) -> impl IntoView {
    let nav = Nav::use_context();
    let current = move || nav.path.with(|p| is_current(href, p)).then_some("page");
    view! { <a href=href aria-current=current>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_pages() {
        for (path, page) in [
            ("/", Page::Live),
            ("", Page::Live),
            ("/compose", Page::Compose),
            ("/compose/", Page::Compose),
            ("/history", Page::History),
            ("/history/r-20261127-1", Page::Run("r-20261127-1".into())),
            ("/history/a%20b", Page::Run("a b".into())),
            ("/history/", Page::History),
            ("/history/a/b", Page::NotFound),
            ("/compare", Page::Compare),
            ("/nope", Page::NotFound),
        ] {
            assert_eq!(Page::from_path(path), page, "{path}");
        }
    }

    #[test]
    fn query_values_are_found_and_decoded() {
        let q = "?status=completed&test_type=load&name=a+b%2Fc&empty=&flag";
        assert_eq!(query_value(q, "status").as_deref(), Some("completed"));
        assert_eq!(query_value(q, "test_type").as_deref(), Some("load"));
        assert_eq!(query_value(q, "name").as_deref(), Some("a b/c"));
        assert_eq!(query_value(q, "empty").as_deref(), Some(""));
        assert_eq!(query_value(q, "flag").as_deref(), Some(""));
        assert_eq!(query_value(q, "missing"), None);
        assert_eq!(query_value("", "a"), None);
        assert_eq!(query_value("a=1&a=2", "a").as_deref(), Some("1"));
    }

    #[test]
    fn decoding_keeps_what_is_not_an_escape() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%41%42"), "AB");
        assert_eq!(decode("caf%C3%A9"), "café");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn encoding_round_trips() {
        for text in ["plain", "a b/c?d=e&f", "café", "100%", ""] {
            assert_eq!(decode(&encode(text)), text);
        }
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn current_link_matching() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/", "/history"));
        assert!(is_current("/history", "/history"));
        assert!(is_current("/history", "/history/r-1"));
        assert!(!is_current("/history", "/historyx"));
        assert!(!is_current("/compose", "/history"));
    }

    #[test]
    fn embedded_navigation_keeps_the_flag() {
        assert_eq!(keep_embedded("/"), "/?embed=1");
        assert_eq!(
            keep_embedded("/history?status=failed"),
            "/history?status=failed&embed=1"
        );
        assert_eq!(keep_embedded("/compose?embed=1"), "/compose?embed=1");
        assert_eq!(keep_embedded("/compose?embed=true"), "/compose?embed=true");
        assert_eq!(
            keep_embedded("/compare?a=x&embed=1&b=y"),
            "/compare?a=x&embed=1&b=y"
        );
    }

    #[test]
    fn hrefs_split_and_classify() {
        assert_eq!(
            split_href("/history?status=failed#x"),
            ("/history", "status=failed")
        );
        assert_eq!(split_href("/compose"), ("/compose", ""));
        assert!(is_internal("/history/r-1"));
        assert!(!is_internal("/api/runs/r-1/report.html"));
        assert!(!is_internal("//elsewhere.example/"));
        assert!(!is_internal("https://elsewhere.example/"));
        assert!(!is_internal("#top"));
    }
}
