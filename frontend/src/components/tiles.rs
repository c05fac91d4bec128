//! Headline number tiles.

use leptos::prelude::*;

/// One figure with its label.
#[component]
pub fn Tile(
    /// What it is.
    #[prop(into)]
    label: String,
    /// The formatted value (with its unit).
    #[prop(into)]
    value: Signal<String>,
    /// `ok`, `warn`, `bad` or empty.
    #[prop(into, optional)]
    tone: Signal<String>,
) -> impl IntoView {
    view! {
        <div class="tile" data-tone=move || tone.get()>
            <div class="tile__label">{label}</div>
            <div class="tile__value">{move || value.get()}</div>
        </div>
    }
}
