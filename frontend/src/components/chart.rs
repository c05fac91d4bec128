//! An SVG line chart with labelled axes, a legend and a hover read-out. Drawn by us (no chart
//! library): [`crate::chart::layout`] turns the series into ticks and downsampled path
//! strings once per data change (a `Memo`), and the plot is redrawn from that model as SVG
//! markup ([`crate::chart::plot_markup`]); moving the pointer only recomputes the read-out.

use leptos::prelude::*;

use crate::chart::{self, ChartModel, HEIGHT, Readout, Series, WIDTH};

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
    /// Lines drawn against a second, right-hand axis (e.g. an arrival rate next to users);
    /// the axis appears while this has lines.
    #[prop(into, optional)]
    right_series: Option<Signal<Vec<Series>>>,
    /// Unit of the right-hand axis.
    #[prop(into, optional)]
    right_unit: String,
    /// The left axis counts (users): whole-number ticks.
    #[prop(optional)]
    whole: bool,
    /// Seconds into the run at which the load ended, marked when the lines go on past it.
    #[prop(into, optional)]
    load_end: Option<Signal<Option<f64>>>,
) -> impl IntoView {
    let right = right_series.unwrap_or_else(|| Signal::stored(Vec::new()));
    let model: Memo<ChartModel> = Memo::new(move |_| {
        let mut m = series.with(|l| right.with(|r| chart::layout(l, r, whole)));
        if let Some(end) = load_end.and_then(|e| e.get()) {
            m.mark_load_end(end);
        }
        m
    });

    // Pointer position over the plot, as a fraction of its width; None when away.
    let hover = RwSignal::new(None::<f64>);
    let units = StoredValue::new((y_unit, right_unit));
    let readout: Memo<Option<Readout>> = Memo::new(move |_| {
        let fraction = hover.get()?;
        units.with_value(|(unit, right_unit)| {
            model.with(|m| {
                series.with(|l| right.with(|r| chart::readout(m, l, r, fraction, unit, right_unit)))
            })
        })
    });

    let on_move = move |ev: web_sys::MouseEvent| {
        let el: web_sys::Element = event_target(&ev);
        let rect = el.get_bounding_client_rect();
        if rect.width() > 0.0 {
            hover.set(Some(
                (f64::from(ev.client_x()) - rect.left()) / rect.width(),
            ));
        }
    };
    // Keyboard users read the chart point by point once it has focus: it shows the last point,
    // ←/→ step to the previous or next one, Home/End go to the first or last.
    let step = move |key: &str| {
        let at = hover.get_untracked();
        model.with_untracked(|m| {
            series.with_untracked(|l| right.with_untracked(|r| chart::key_step(m, l, r, at, key)))
        })
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" {
            hover.set(None);
        } else if let Some(at) = step(&key) {
            ev.prevent_default();
            hover.set(Some(at));
        }
    };

    let aria = format!("{title}: focus and use the arrow keys, Home and End to read values");
    view! {
        <figure class="chart" data-chart=name>
            <figcaption class="chart__head">
                <span class="chart__title">{title}</span>
                <ul class="chart__legend" inner_html=move || model.with(|m| chart::legend_markup(&m.lines))></ul>
            </figcaption>
            <div
                class="chart__plot"
                tabindex="0"
                aria-label=aria
                on:keydown=on_key
                on:focus=move |_| hover.set(step("End"))
                on:blur=move |_| hover.set(None)
            >
                <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-hidden="true">
                    <g
                        class="chart__drawing"
                        inner_html=move || {
                            units.with_value(|(unit, right_unit)| model.with(|m| chart::plot_markup(m, unit, right_unit)))
                        }
                    ></g>
                    {move || {
                        let f = model.with(|m| m.frame);
                        view! {
                            <rect
                                class="chart__hit"
                                x=f.left
                                y=f.top
                                width=f.width()
                                height=f.height()
                                fill="transparent"
                                on:mousemove=on_move
                                on:mouseleave=move |_| hover.set(None)
                            ></rect>
                        }
                    }}
                </svg>
                <div inner_html=move || readout.with(|r| r.as_ref().map(chart::readout_markup))></div>
            </div>
        </figure>
    }
}
