//! Everything about one run's data: charts over time and the per-request table. Used by the
//! live page (fed by the WebSocket) and by a stored run (fed by its series).

use leptos::prelude::*;
use shared::api::Alert;
use shared::metrics::{MetricsSnapshot, RunSummary};

/// Charts and tables for a run.
#[component]
pub fn RunView(
    /// Snapshots in order.
    #[prop(into)]
    snapshots: Signal<Vec<MetricsSnapshot>>,
    /// Alerts fired.
    #[prop(into)]
    alerts: Signal<Vec<Alert>>,
    /// The final summary, once there is one.
    #[prop(into)]
    summary: Signal<Option<RunSummary>>,
) -> impl IntoView {
    let _ = (snapshots, alerts, summary);
    view! { <div class="run-view"></div> }
}
