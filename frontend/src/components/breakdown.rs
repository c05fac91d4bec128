//! Where the errors come from: failures by kind and responses by HTTP status code.

use leptos::prelude::*;
use shared::metrics::RequestStats;

use crate::format;
use crate::markup::Html;

/// One line of a breakdown: a label, a count and its share (of requests for errors, of
/// responses for status codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// What (`HTTP 5xx`, `200`).
    pub label: String,
    /// How many.
    pub count: u64,
    /// count / requests (errors) or count / responses (status codes).
    pub ratio: f64,
    /// For status codes: the class (`2xx` … `5xx`), for styling.
    pub class: &'static str,
    /// For error kinds: the kind's colour, as in the errors chart.
    pub color: &'static str,
}

fn ratio(n: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

/// Failures by kind, most frequent first (report order on ties).
pub fn by_kind(total: &RequestStats) -> Vec<Share> {
    let mut out: Vec<Share> = total
        .errors_by_kind
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| Share {
            label: k.label().into(),
            count: *n,
            ratio: ratio(*n, total.requests),
            class: "",
            color: crate::chart::kind_color(*k),
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.count));
    out
}

/// Responses by status code, in code order; each a share of the responses (requests that got
/// none, such as refused connections, are in the errors), so the shares add up to 100 %.
pub fn by_status(total: &RequestStats) -> Vec<Share> {
    let responses = total.status_counts.values().sum();
    total
        .status_counts
        .iter()
        .map(|(code, n)| Share {
            label: code.to_string(),
            count: *n,
            ratio: ratio(*n, responses),
            class: match code / 100 {
                2 => "2xx",
                3 => "3xx",
                4 => "4xx",
                5 => "5xx",
                _ => "",
            },
            color: "",
        })
        .collect()
}

/// Two small tables, errors by kind and status codes, as markup (empty states before data).
pub fn breakdown_markup(total: Option<&RequestStats>) -> String {
    let mut h = Html::new();
    let parts = [
        (
            "errors",
            "Errors by kind (% of requests)",
            by_kind as fn(&RequestStats) -> Vec<Share>,
            "No errors.",
        ),
        (
            "status",
            "Status codes (% of responses)",
            by_status,
            "No responses yet.",
        ),
    ];
    for (key, title, rows, empty) in parts {
        h.open(
            "section",
            &[("class", "breakdown__part"), ("data-breakdown", key)],
        )
        .el("h3", &[], title);
        let rows = total.map(rows).unwrap_or_default();
        if rows.is_empty() {
            h.el("p", &[("class", "muted")], empty);
        } else {
            h.open("table", &[("class", "table table--compact")])
                .open("tbody", &[]);
            for s in rows {
                h.open("tr", &[]).open("th", &[("scope", "row")]);
                if !s.color.is_empty() {
                    // The kind's line colour, as in the chart's legend.
                    crate::chart::swatch(&mut h, s.color);
                }
                h.el(
                    "span",
                    &[("class", "code"), ("data-class", s.class)],
                    &s.label,
                )
                .close("th")
                .el("td", &[("class", "num")], &format::count(s.count))
                .el("td", &[("class", "num muted")], &format::percent(s.ratio))
                .close("tr");
            }
            h.close("tbody").close("table");
        }
        h.close("section");
    }
    h.finish()
}

/// Two small tables: errors by kind and status codes.
#[component]
pub fn ErrorBreakdown(
    /// Totals over all requests (cumulative), if any yet.
    #[prop(into)]
    total: Signal<Option<RequestStats>>,
) -> impl IntoView {
    view! { <div class="breakdown" inner_html=move || total.with(|t| breakdown_markup(t.as_ref()))></div> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::fixtures::stats;
    use shared::metrics::ErrorKind;

    #[test]
    fn kinds_by_frequency() {
        let mut t = stats("*", 1000, 30, 10.0);
        t.errors_by_kind.insert(ErrorKind::Timeout, 25);
        t.errors_by_kind.insert(ErrorKind::Reset, 0);
        let k = by_kind(&t);
        let got: Vec<(&str, u64)> = k.iter().map(|s| (s.label.as_str(), s.count)).collect();
        assert_eq!(got, [("HTTP 5xx", 30), ("timeout", 25)]);
        assert!((k[0].ratio - 0.03).abs() < 1e-12);
        assert!(by_kind(&stats("*", 10, 0, 1.0)).is_empty());
    }

    #[test]
    fn status_codes_in_order_with_classes() {
        let mut t = stats("*", 100, 3, 10.0);
        t.status_counts.insert(404, 1);
        let s = by_status(&t);
        let got: Vec<(&str, u64, &str)> = s
            .iter()
            .map(|s| (s.label.as_str(), s.count, s.class))
            .collect();
        assert_eq!(
            got,
            [("200", 97, "2xx"), ("404", 1, "4xx"), ("503", 3, "5xx")]
        );
        // Shares are of the responses: requests without one (refused) do not count.
        let mut refused = stats("*", 100, 20, 10.0);
        refused.status_counts.clear();
        refused.status_counts.insert(200, 60);
        refused.status_counts.insert(404, 20);
        let ratios: Vec<f64> = by_status(&refused).iter().map(|s| s.ratio).collect();
        assert_eq!(ratios, [0.75, 0.25]);
        assert!(
            by_status(&RequestStats::default())
                .iter()
                .all(|s| s.ratio == 0.0)
        );
    }

    #[test]
    fn breakdown_markup_tables_and_empty_states() {
        let none = breakdown_markup(None);
        assert_eq!(
            none,
            "<section class=\"breakdown__part\" data-breakdown=\"errors\"><h3>Errors by kind (% of requests)</h3><p class=\"muted\">No errors.</p></section>\
             <section class=\"breakdown__part\" data-breakdown=\"status\"><h3>Status codes (% of responses)</h3><p class=\"muted\">No responses yet.</p></section>"
        );
        let mut t = stats("*", 1000, 30, 10.0);
        t.errors_by_kind.insert(ErrorKind::Timeout, 25);
        let m = breakdown_markup(Some(&t));
        assert!(m.contains(
            "<table class=\"table table--compact\"><tbody><tr><th scope=\"row\"><span class=\"chart__swatch\" style=\"background:var(--chart-3)\"></span><span class=\"code\">HTTP 5xx</span></th><td class=\"num\">30</td><td class=\"num muted\">3.00%</td></tr>"
        ), "{m}");
        // Each kind in its own colour, as in the errors chart; status codes have none.
        assert!(m.contains("<span class=\"chart__swatch\" style=\"background:var(--chart-5)\"></span><span class=\"code\">timeout</span>"), "{m}");
        assert_eq!(m.matches("chart__swatch").count(), 2, "{m}");
        assert!(
            m.contains(
                "<span class=\"code\" data-class=\"2xx\">200</span></th><td class=\"num\">970</td>"
            ),
            "{m}"
        );
        assert!(!m.contains("No errors.") && !m.contains("No responses yet."));
    }
}
