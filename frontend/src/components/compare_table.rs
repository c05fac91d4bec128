//! The comparison table of two runs: one group per request name (the total first), one row
//! per metric with baseline, candidate and the change, regressions highlighted. Rendered as
//! markup ([`compare_table_markup`], pure).

use leptos::prelude::*;

use crate::compare::{Change, CompareRow};
use crate::markup::Html;

/// CSS class of a change: `delta--worse`, `delta--better`, `delta--same`.
fn delta_class(change: Change) -> &'static str {
    match change {
        Change::Worse => "delta--worse",
        Change::Better => "delta--better",
        Change::Same => "delta--same",
    }
}

/// The table's markup.
pub fn compare_table_markup(rows: &[CompareRow]) -> String {
    let mut h = Html::new();
    h.open("table", &[("class", "compare-table")])
        .open("thead", &[])
        .open("tr", &[])
        .el("th", &[("scope", "col")], "Metric");
    for heading in ["Baseline", "Candidate", "Change", "Change %"] {
        h.el("th", &[("scope", "col"), ("class", "num")], heading);
    }
    h.close("tr").close("thead");
    for row in rows {
        let total = row.request.is_none();
        h.open(
            "tbody",
            &[
                (
                    "class",
                    if total {
                        "compare-table__group compare-table__group--total"
                    } else {
                        "compare-table__group"
                    },
                ),
                ("data-request", row.request.as_deref().unwrap_or("*")),
            ],
        )
        .open("tr", &[("class", "compare-table__request")])
        .open("th", &[("scope", "rowgroup"), ("colspan", "5")])
        .el("span", &[("class", "compare-table__name")], row.title());
        let note = row.presence.note();
        if !note.is_empty() {
            h.el("span", &[("class", "compare-table__note")], note);
        }
        h.close("th").close("tr");
        for cell in &row.cells {
            let change = cell.change;
            let class = delta_class(change);
            let delta_class = format!("num compare-table__delta {class}");
            h.open(
                "tr",
                &[
                    ("class", &format!("compare-table__metric {class}")),
                    ("data-metric", cell.metric.key()),
                    ("data-change", change.key()),
                ],
            )
            .el("th", &[("scope", "row")], cell.metric.label())
            .el("td", &[("class", "num")], &cell.baseline_text())
            .el("td", &[("class", "num")], &cell.candidate_text())
            .el("td", &[("class", &delta_class)], &cell.delta_text())
            .el("td", &[("class", &delta_class)], &cell.rel_text())
            .close("tr");
        }
        h.close("tbody");
    }
    h.close("table").finish()
}

/// The table.
#[component]
pub fn CompareTable(
    /// From [`crate::compare::compare`].
    rows: Vec<CompareRow>,
) -> impl IntoView {
    view! { <div class="table-scroll" inner_html=compare_table_markup(&rows)></div> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Figures, Tolerance, compare};
    use crate::components::fixtures::stats;

    #[test]
    fn groups_rows_and_escaping() {
        let base = [
            stats("GET /", 100, 0, 10.0),
            stats("<script>x</script>", 50, 0, 5.0),
        ];
        let cand = [stats("GET /", 100, 20, 10.0)];
        let (bt, ct) = (stats("*", 150, 0, 15.0), stats("*", 100, 20, 10.0));
        let rows = compare(
            Figures {
                total: &bt,
                per_request: &base,
            },
            Figures {
                total: &ct,
                per_request: &cand,
            },
            Tolerance::DEFAULT,
        );
        let m = compare_table_markup(&rows);
        assert!(m.starts_with(
            "<table class=\"compare-table\"><thead><tr><th scope=\"col\">Metric</th><th scope=\"col\" class=\"num\">Baseline</th>"
        ), "{m}");
        assert!(m.contains(
            "<tbody class=\"compare-table__group compare-table__group--total\" data-request=\"*\"><tr class=\"compare-table__request\"><th scope=\"rowgroup\" colspan=\"5\"><span class=\"compare-table__name\">Total</span></th></tr>"
        ), "{m}");
        assert!(m.contains(
            "<tbody class=\"compare-table__group\" data-request=\"&lt;script&gt;x&lt;/script&gt;\"><tr class=\"compare-table__request\"><th scope=\"rowgroup\" colspan=\"5\"><span class=\"compare-table__name\">&lt;script&gt;x&lt;/script&gt;</span><span class=\"compare-table__note\">only in baseline</span>"
        ), "{m}");
        assert!(!m.contains("<script>"));
        assert!(m.contains(
            "<tr class=\"compare-table__metric delta--worse\" data-metric=\"error_rate\" data-change=\"worse\"><th scope=\"row\">"
        ), "{m}");
        assert!(
            m.contains("<td class=\"num compare-table__delta delta--worse\">"),
            "{m}"
        );
        assert_eq!(m.matches("<tbody").count(), 3);
        assert!(m.ends_with("</tbody></table>"));
        assert_eq!(
            compare_table_markup(&[]).matches("<tbody").count(),
            0,
            "only the head without rows"
        );
    }
}
