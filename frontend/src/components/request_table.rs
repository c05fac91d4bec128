//! The per-request-name table (count, rate, latency percentiles, errors), sortable by any
//! column. Rows and sorting are pure functions, tested natively.

use std::cmp::Ordering;

use leptos::prelude::*;
use shared::metrics::RequestStats;

use crate::format;
use crate::markup::Html;

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Request name.
    pub name: String,
    /// Requests completed.
    pub count: u64,
    /// Requests per second.
    pub rps: f64,
    /// Latency percentiles, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Failed requests.
    pub errors: u64,
    /// errors / count.
    pub error_rate: f64,
}

impl Row {
    /// The row of one request name.
    pub fn of(s: &RequestStats) -> Self {
        Self {
            name: s.name.clone(),
            count: s.requests,
            rps: s.rps,
            p50: s.latency.p50_ms,
            p95: s.latency.p95_ms,
            p99: s.latency.p99_ms,
            errors: s.errors,
            error_rate: s.error_rate(),
        }
    }
}

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Request name (A–Z first).
    Name,
    /// Requests.
    Count,
    /// Requests per second.
    Rps,
    /// Median latency.
    P50,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Failed requests.
    Errors,
    /// Error ratio.
    ErrorRate,
}

impl SortKey {
    /// Columns in table order, with their headings.
    pub const COLUMNS: [(SortKey, &'static str); 8] = [
        (SortKey::Name, "Request"),
        (SortKey::Count, "Count"),
        (SortKey::Rps, "Rate"),
        (SortKey::P50, "p50"),
        (SortKey::P95, "p95"),
        (SortKey::P99, "p99"),
        (SortKey::Errors, "Errors"),
        (SortKey::ErrorRate, "Error %"),
    ];

    /// The first click sorts names A–Z and figures largest first.
    pub fn default_descending(self) -> bool {
        self != SortKey::Name
    }

    fn compare(self, a: &Row, b: &Row) -> Ordering {
        match self {
            SortKey::Name => by_name(&a.name, &b.name),
            SortKey::Count => a.count.cmp(&b.count),
            SortKey::Rps => a.rps.total_cmp(&b.rps),
            SortKey::P50 => a.p50.total_cmp(&b.p50),
            SortKey::P95 => a.p95.total_cmp(&b.p95),
            SortKey::P99 => a.p99.total_cmp(&b.p99),
            SortKey::Errors => a.errors.cmp(&b.errors),
            SortKey::ErrorRate => a.error_rate.total_cmp(&b.error_rate),
        }
    }
}

/// Names as people read them: `latency-check` between `GET /products` and `POST /cart`, not
/// after every capital (ASCII case only, so no Unicode case tables in the wasm); names equal
/// but for case keep a fixed order.
fn by_name(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        .then_with(|| a.cmp(b))
}

/// A sort order: which column and which way. `None` keeps the scenario's order.
pub type Sort = Option<(SortKey, bool)>;

/// The next sort after a click on `key`'s heading: a new column starts in its natural
/// direction, the same column flips.
pub fn next_sort(current: Sort, key: SortKey) -> Sort {
    match current {
        Some((k, desc)) if k == key => Some((key, !desc)),
        _ => Some((key, key.default_descending())),
    }
}

/// Rows in the requested order (stable: equal rows keep the scenario's order; names break
/// ties between equal figures).
pub fn rows(stats: &[RequestStats], sort: Sort) -> Vec<Row> {
    let mut rows: Vec<Row> = stats.iter().map(Row::of).collect();
    if let Some((key, descending)) = sort {
        rows.sort_by(|a, b| {
            let o = key.compare(a, b);
            let o = if descending { o.reverse() } else { o };
            o.then_with(|| by_name(&a.name, &b.name))
        });
    }
    rows
}

/// The per-request table.
#[component]
pub fn RequestTable(
    /// Stats per request name (cumulative).
    #[prop(into)]
    stats: Signal<Vec<RequestStats>>,
) -> impl IntoView {
    let sort = RwSignal::new(None::<(SortKey, bool)>);
    let sorted = Memo::new(move |_| stats.with(|s| rows(s, sort.get())));
    let headings = SortKey::COLUMNS
        .iter()
        .map(|&(key, label)| {
            let aria = move || match sort.get() {
                Some((k, true)) if k == key => "descending",
                Some((k, false)) if k == key => "ascending",
                _ => "none",
            };
            let numeric = key != SortKey::Name;
            view! {
                <th scope="col" class:num=numeric aria-sort=aria>
                    <button type="button" class="th-sort" on:click=move |_| sort.update(|s| *s = next_sort(*s, key))>
                        {label}
                        <span class="th-sort__mark" aria-hidden="true">
                            {move || match aria() {
                                "descending" => "▼",
                                "ascending" => "▲",
                                _ => "",
                            }}
                        </span>
                    </button>
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="table request-table" data-table="requests">
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody inner_html=move || sorted.with(|rows| rows_markup(rows))></tbody>
            </table>
        </div>
    }
}

/// The table body's markup: one row per request name, or a note when there are none yet.
pub fn rows_markup(rows: &[Row]) -> String {
    let mut h = Html::new();
    if rows.is_empty() {
        return h
            .open("tr", &[])
            .el(
                "td",
                &[("colspan", "8"), ("class", "table__empty")],
                "No requests completed yet.",
            )
            .close("tr")
            .finish();
    }
    for r in rows {
        let errors = if r.errors > 0 { "num is-bad" } else { "num" };
        // A request with no answers yet (still in flight) has no latency, not 0 ms.
        let ms = |v: f64| format::ms(if r.count == 0 { f64::NAN } else { v });
        h.open("tr", &[("data-request", &r.name)])
            .el(
                "th",
                &[("scope", "row"), ("class", "request-table__name")],
                &r.name,
            )
            .el("td", &[("class", "num")], &format::count(r.count))
            .el("td", &[("class", "num")], &format::rate(r.rps))
            .el("td", &[("class", "num")], &ms(r.p50))
            .el("td", &[("class", "num")], &ms(r.p95))
            .el("td", &[("class", "num")], &ms(r.p99))
            .el("td", &[("class", errors)], &format::count(r.errors))
            .el("td", &[("class", errors)], &format::percent(r.error_rate))
            .close("tr");
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::fixtures::stats;

    fn table() -> Vec<RequestStats> {
        let mut slow = stats("GET /search", 50, 5, 5.0);
        slow.latency.p95_ms = 900.0;
        vec![
            stats("GET /", 600, 0, 60.0),
            stats("POST /cart", 400, 40, 40.0),
            slow,
        ]
    }

    fn names(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn rows_carry_the_figures() {
        let r = rows(&table(), None);
        assert_eq!(names(&r), ["GET /", "POST /cart", "GET /search"]);
        assert_eq!(r[1].count, 400);
        assert_eq!(r[1].errors, 40);
        assert!((r[1].error_rate - 0.1).abs() < 1e-12);
        assert_eq!(r[2].p95, 900.0);
        assert!(rows(&[], None).is_empty());
    }

    #[test]
    fn sorting_table() {
        let cases: &[(SortKey, bool, [&str; 3])] = &[
            (SortKey::Name, false, ["GET /", "GET /search", "POST /cart"]),
            (SortKey::Name, true, ["POST /cart", "GET /search", "GET /"]),
            (SortKey::Count, true, ["GET /", "POST /cart", "GET /search"]),
            (
                SortKey::Count,
                false,
                ["GET /search", "POST /cart", "GET /"],
            ),
            (SortKey::Rps, true, ["GET /", "POST /cart", "GET /search"]),
            (SortKey::P95, true, ["GET /search", "GET /", "POST /cart"]),
            (
                SortKey::Errors,
                true,
                ["POST /cart", "GET /search", "GET /"],
            ),
            (
                SortKey::ErrorRate,
                true,
                ["GET /search", "POST /cart", "GET /"],
            ),
        ];
        for (key, desc, want) in cases {
            assert_eq!(
                names(&rows(&table(), Some((*key, *desc)))),
                want,
                "{key:?} desc={desc}"
            );
        }
        // Names sort without regard to case: `latency-check` before `POST /cart`.
        let mut t = table();
        t[2].name = "latency-check".into();
        assert_eq!(
            names(&rows(&t, Some((SortKey::Name, false)))),
            ["GET /", "latency-check", "POST /cart"]
        );
        // Ties fall back to the name, whichever the direction.
        let mut t = table();
        t[0].errors = 40;
        assert_eq!(
            names(&rows(&t, Some((SortKey::Errors, true)))),
            ["GET /", "POST /cart", "GET /search"]
        );
        assert_eq!(
            names(&rows(&t, Some((SortKey::Errors, false)))),
            ["GET /search", "GET /", "POST /cart"]
        );
    }

    #[test]
    fn clicks_cycle_the_direction() {
        assert_eq!(next_sort(None, SortKey::Name), Some((SortKey::Name, false)));
        assert_eq!(next_sort(None, SortKey::P99), Some((SortKey::P99, true)));
        assert_eq!(
            next_sort(Some((SortKey::P99, true)), SortKey::P99),
            Some((SortKey::P99, false))
        );
        assert_eq!(
            next_sort(Some((SortKey::P99, false)), SortKey::Count),
            Some((SortKey::Count, true))
        );
    }

    #[test]
    fn body_markup() {
        assert_eq!(
            rows_markup(&[]),
            "<tr><td colspan=\"8\" class=\"table__empty\">No requests completed yet.</td></tr>"
        );
        let mut t = table();
        t[0].name = "GET /?q=<script>\"".into();
        let m = rows_markup(&rows(&t, Some((SortKey::Count, true))));
        assert!(m.starts_with(
            "<tr data-request=\"GET /?q=&lt;script&gt;&quot;\"><th scope=\"row\" class=\"request-table__name\">GET /?q=&lt;script&gt;&quot;</th><td class=\"num\">600</td><td class=\"num\">60.0/s</td>"
        ), "{m}");
        assert!(
            m.contains("<td class=\"num is-bad\">40</td><td class=\"num is-bad\">10.00%</td></tr>"),
            "{m}"
        );
        assert!(
            m.contains("<td class=\"num\">0</td><td class=\"num\">0.00%</td></tr>"),
            "{m}"
        );
        assert_eq!(m.matches("<tr ").count(), 3);

        // A request still waiting for its first answer has no latency yet.
        let mut t = table();
        t.truncate(1);
        t[0].requests = 0;
        t[0].errors = 0;
        t[0].rps = 0.0;
        let m = rows_markup(&rows(&t, None));
        assert!(
            m.contains("<td class=\"num\">0</td><td class=\"num\">0.0/s</td><td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td>"),
            "{m}"
        );
    }
}
