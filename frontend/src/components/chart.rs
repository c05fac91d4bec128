//! An SVG line chart with labelled axes, a legend and a hover read-out. Drawn by us (no chart
//! library): [`crate::chart::layout`] turns the series into ticks and downsampled path
//! strings once per data change (a `Memo`), and the plot is redrawn from that model; moving
//! the pointer only recomputes the read-out.

use leptos::prelude::*;

use crate::chart::{self, ChartModel, HEIGHT, Readout, Series, TimeUnit, WIDTH};

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
) -> impl IntoView {
    let right = right_series.unwrap_or_else(|| Signal::stored(Vec::new()));
    let model: Memo<ChartModel> =
        Memo::new(move |_| series.with(|l| right.with(|r| chart::layout(l, r, true))));

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
    // Keyboard users move the read-out with the arrow keys once the chart has focus.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let step = match ev.key().as_str() {
            "ArrowRight" => 0.02,
            "ArrowLeft" => -0.02,
            "Escape" => {
                hover.set(None);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        hover.update(|h| *h = Some((h.unwrap_or(1.0) + step).clamp(0.0, 1.0)));
    };

    let aria = format!("{title}: focus and use the arrow keys to read values");
    view! {
        <figure class="chart" data-chart=name>
            <figcaption class="chart__head">
                <span class="chart__title">{title}</span>
                <ul class="chart__legend">
                    {move || {
                        model
                            .with(|m| {
                                m.lines
                                    .iter()
                                    .map(|l| {
                                        view! {
                                            <li class="chart__key">
                                                <span class="chart__swatch" style:background=l.color.clone()></span>
                                                {l.name.clone()}
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            })
                    }}
                </ul>
            </figcaption>
            <div
                class="chart__plot"
                tabindex="0"
                aria-label=aria
                on:keydown=on_key
                on:blur=move |_| hover.set(None)
            >
                <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-hidden="true">
                    {move || units.with_value(|(unit, right_unit)| model.with(|m| plot(m, unit, right_unit)))}
                    {move || {
                        readout
                            .with(|r| {
                                r.as_ref()
                                    .map(|r| {
                                        let f = model.with(|m| m.frame);
                                        view! { <line class="chart__guide" x1=r.x x2=r.x y1=f.top y2=f.bottom></line> }
                                    })
                            })
                    }}
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
                {move || readout.get().map(readout_box)}
            </div>
        </figure>
    }
}

/// Grid, axes with ticks and unit labels, and the lines (or the empty state).
fn plot(m: &ChartModel, y_unit: &str, right_unit: &str) -> impl IntoView + use<> {
    let f = m.frame;
    let mid_x = (f.left + f.right) / 2.0;
    let mid_y = (f.top + f.bottom) / 2.0;
    let grid = m
        .y_ticks
        .iter()
        .map(|t| view! { <line x1=f.left x2=f.right y1=t.pos y2=t.pos></line> })
        .collect_view();
    let y_labels = m
        .y_ticks
        .iter()
        .map(|t| {
            view! {
                <text x=f.left - 6.0 y=t.pos text-anchor="end" dy="0.32em">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view();
    let y2_labels = m
        .y2_ticks
        .iter()
        .map(|t| {
            view! {
                <text x=f.right + 6.0 y=t.pos text-anchor="start" dy="0.32em">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view();
    let x_labels = m
        .x_ticks
        .iter()
        .map(|t| {
            view! {
                <line x1=t.pos x2=t.pos y1=f.bottom y2=f.bottom + 4.0></line>
                <text x=t.pos y=f.bottom + 17.0 text-anchor="middle">
                    {t.label.clone()}
                </text>
            }
        })
        .collect_view();
    let x_unit = if m.time_unit == TimeUnit::Minutes {
        "time into run (min)"
    } else {
        "time into run (s)"
    };
    let right_label = m.y2.is_some().then(|| {
        view! {
            <text
                class="chart__unit"
                transform=format!("translate({} {mid_y}) rotate(90)", WIDTH - 12.0)
                text-anchor="middle"
            >
                {right_unit.to_owned()}
            </text>
        }
    });
    let lines = m
        .lines
        .iter()
        .map(|l| {
            view! {
                <path
                    class="chart__line"
                    d=l.d.clone()
                    style:stroke=l.color.clone()
                    data-series=l.name.clone()
                    data-points=l.points
                ></path>
            }
        })
        .collect_view();
    let empty = m.empty.then(|| {
        view! {
            <text class="chart__empty" x=mid_x y=mid_y text-anchor="middle">
                "waiting for data…"
            </text>
        }
    });
    view! {
        <g class="chart__grid">{grid}</g>
        <g class="chart__axis">
            <line class="chart__baseline" x1=f.left x2=f.right y1=f.bottom y2=f.bottom></line>
            {y_labels}
            {y2_labels}
            {x_labels}
            <text class="chart__unit" x=mid_x y=HEIGHT - 3.0 text-anchor="middle">
                {x_unit}
            </text>
            <text class="chart__unit" transform=format!("translate(14 {mid_y}) rotate(-90)") text-anchor="middle">
                {y_unit.to_owned()}
            </text>
            {right_label}
        </g>
        <g class="chart__lines">{lines}</g>
        {empty}
    }
}

/// The small box next to the guide line listing each line's value.
fn readout_box(r: Readout) -> impl IntoView {
    let pct = r.x / WIDTH * 100.0;
    // Past the middle the box opens to the left of the guide, so it stays inside the chart.
    let flip = pct > 55.0;
    view! {
        <div class="chart__readout" class:chart__readout--flip=flip style:left=format!("{pct:.2}%")>
            <div class="chart__readout-time">{r.time}</div>
            {r
                .rows
                .into_iter()
                .map(|row| {
                    view! {
                        <div class="chart__readout-row">
                            <span class="chart__swatch" style:background=row.color></span>
                            <span class="chart__readout-name">{row.name}</span>
                            <span class="chart__readout-value">{row.value}</span>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}
