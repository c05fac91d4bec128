//! Alerts fired during a run (interval p95 or error rate over a configured limit).

use leptos::prelude::*;
use shared::api::{Alert, AlertKind};

use crate::format;
use crate::markup::Html;

/// The alert's kind as a `data-kind` word.
pub fn kind_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::ResponseTime => "response_time",
        AlertKind::ErrorRate => "error_rate",
    }
}

/// The alerts' list items, newest first.
pub fn alert_items_markup(alerts: &[Alert]) -> String {
    let mut h = Html::new();
    for a in alerts.iter().rev() {
        h.open(
            "li",
            &[
                ("class", "alert"),
                ("data-kind", kind_name(a.kind)),
                ("data-seq", &a.seq.to_string()),
            ],
        )
        .el(
            "span",
            &[("class", "alert__time")],
            &format::duration_s(a.elapsed_ms as f64 / 1000.0),
        )
        .el("span", &[("class", "alert__message")], &a.message)
        .close("li");
    }
    h.finish()
}

/// Alerts, newest first.
#[component]
pub fn AlertList(
    /// Alerts in the order they fired.
    #[prop(into)]
    alerts: Signal<Vec<Alert>>,
    /// Text when there are none (nothing is shown when empty).
    #[prop(optional, into)]
    empty: Option<String>,
) -> impl IntoView {
    // The list stays while there are alerts, so its live region announces new ones.
    let any = Memo::new(move |_| alerts.with(|a| !a.is_empty()));
    move || {
        if any.get() {
            view! {
                <ul
                    class="alerts"
                    aria-live="polite"
                    inner_html=move || alerts.with(|a| alert_items_markup(a))
                ></ul>
            }
            .into_any()
        } else {
            empty
                .clone()
                .map(|e| view! { <p class="muted">{e}</p> })
                .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names() {
        assert_eq!(kind_name(AlertKind::ErrorRate), "error_rate");
        assert_eq!(kind_name(AlertKind::ResponseTime), "response_time");
    }

    #[test]
    fn alert_items_newest_first_and_escaped() {
        let a = Alert {
            kind: AlertKind::ResponseTime,
            seq: 1,
            elapsed_ms: 4000,
            value: 812.0,
            limit: 500.0,
            message: "p95 <b>over</b>".into(),
        };
        let b = Alert {
            kind: AlertKind::ErrorRate,
            seq: 2,
            value: 0.12,
            limit: 0.05,
            message: "errors".into(),
            ..a.clone()
        };
        let m = alert_items_markup(&[a, b]);
        assert!(m.starts_with(
            "<li class=\"alert\" data-kind=\"error_rate\" data-seq=\"2\"><span class=\"alert__time\">"
        ), "{m}");
        assert!(
            m.ends_with(
                "</span><span class=\"alert__message\">p95 &lt;b&gt;over&lt;/b&gt;</span></li>"
            ),
            "{m}"
        );
        assert_eq!(m.matches("<li ").count(), 2);
        assert_eq!(alert_items_markup(&[]), "");
    }
}
