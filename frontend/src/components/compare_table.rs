//! The comparison table of two runs: one group per request name (the total first), one row
//! per metric with baseline, candidate and the change, regressions highlighted.

use leptos::prelude::*;

use crate::compare::{CompareRow, MetricCell};

fn metric_row(cell: MetricCell) -> impl IntoView {
    let change = cell.change;
    let class = format!("compare-table__metric {}", change.class());
    let delta_class = format!("num compare-table__delta {}", change.class());
    view! {
        <tr class=class data-metric=cell.metric.key() data-change=change.key()>
            <th scope="row">{cell.metric.label()}</th>
            <td class="num">{cell.baseline_text()}</td>
            <td class="num">{cell.candidate_text()}</td>
            <td class=delta_class.clone()>{cell.delta_text()}</td>
            <td class=delta_class>{cell.rel_text()}</td>
        </tr>
    }
}

/// The table.
#[component]
pub fn CompareTable(
    /// From [`crate::compare::compare`].
    rows: Vec<CompareRow>,
) -> impl IntoView {
    let groups = rows
        .into_iter()
        .map(|row| {
            let title = row.title().to_owned();
            let note = row.presence.note();
            let request = row.request.clone().unwrap_or_else(|| "*".into());
            let total = row.request.is_none();
            view! {
                <tbody class="compare-table__group" class:compare-table__group--total=total data-request=request>
                    <tr class="compare-table__request">
                        <th scope="rowgroup" colspan="5">
                            <span class="compare-table__name">{title}</span>
                            {(!note.is_empty()).then(|| view! { <span class="compare-table__note">{note}</span> })}
                        </th>
                    </tr>
                    {row.cells.into_iter().map(metric_row).collect_view()}
                </tbody>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="compare-table">
                <thead>
                    <tr>
                        <th scope="col">"Metric"</th>
                        <th scope="col" class="num">"Baseline"</th>
                        <th scope="col" class="num">"Candidate"</th>
                        <th scope="col" class="num">"Change"</th>
                        <th scope="col" class="num">"Change %"</th>
                    </tr>
                </thead>
                {groups}
            </table>
        </div>
    }
}
