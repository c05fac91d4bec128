//! Alerts fired during a run (interval p95 or error rate over a configured limit).

use leptos::prelude::*;
use shared::api::{Alert, AlertKind};

use crate::format;

/// The alert's kind as a `data-kind` word.
pub fn kind_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::ResponseTime => "response_time",
        AlertKind::ErrorRate => "error_rate",
    }
}

/// Observed value against the limit, in the alert's unit: `p95 812 ms > 500 ms`,
/// `errors 12% > 5.00%`.
pub fn figures(a: &Alert) -> String {
    match a.kind {
        AlertKind::ResponseTime => format!("p95 {} > {}", format::ms(a.value), format::ms(a.limit)),
        AlertKind::ErrorRate => format!(
            "errors {} > {}",
            format::percent(a.value),
            format::percent(a.limit)
        ),
    }
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
    let empty = StoredValue::new(empty);
    move || {
        alerts.with(|list| {
            if list.is_empty() {
                return empty.with_value(|e| e.clone().map(|e| view! { <p class="muted">{e}</p> })).into_any();
            }
            view! {
                <ul class="alerts" aria-live="polite">
                    {list
                        .iter()
                        .rev()
                        .map(|a| {
                            view! {
                                <li class="alert" data-kind=kind_name(a.kind) data-seq=a.seq>
                                    <span class="alert__time">{format::duration_s(a.elapsed_ms as f64 / 1000.0)}</span>
                                    <span class="alert__figures">{figures(a)}</span>
                                    <span class="alert__message">{a.message.clone()}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_figures() {
        let a = Alert {
            kind: AlertKind::ResponseTime,
            seq: 3,
            elapsed_ms: 4000,
            value: 812.0,
            limit: 500.0,
            message: "p95 over the limit".into(),
        };
        assert_eq!(figures(&a), "p95 812 ms > 500 ms");
        let e = Alert {
            kind: AlertKind::ErrorRate,
            value: 0.12,
            limit: 0.05,
            ..a
        };
        assert_eq!(figures(&e), "errors 12% > 5.00%");
        assert_eq!(kind_name(e.kind), "error_rate");
    }
}
