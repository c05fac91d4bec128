//! Placeholder for the Leptos control panel (see the browser control panel issue).
//! It already depends on `shared`, so the wire types are proven to build for wasm32.
fn main() {}
