//! Data the panel fetches, as a signal.
//!
//! [`fetched`] stands in for Leptos' `LocalResource`: the same "fetch again when what it reads
//! changes, keep the last answer meanwhile", without the async-derived machinery that
//! `LocalResource` instantiates for every value type (about 5 KB of wasm each; see
//! docs/panel-size.md).

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// The answer of `fetch`, fetched again whenever a signal that `fetch` reads (before its first
/// `.await`) changes. `None` until the first answer; after that the last answer stays until the
/// next one arrives. An answer overtaken by a newer fetch is dropped, so a slow old answer
/// never replaces a newer one.
pub fn fetched<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> ReadSignal<Option<T>>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = T> + 'static,
{
    let (value, set) = signal(None);
    let latest = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let answer = fetch();
        let ticket = latest.get() + 1;
        latest.set(ticket);
        let latest = Rc::clone(&latest);
        spawn_local(async move {
            let answer = answer.await;
            if latest.get() == ticket {
                // The page may be gone by now; then the answer is dropped with it.
                let _ = set.try_set(Some(answer));
            }
        });
    });
    value
}
