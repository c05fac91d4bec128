//! The HTML report: one self-contained page (inline CSS, inline SVG charts, no scripts and no
//! external assets) that reads well on screen and on paper.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use shared::api::{Alert, AlertKind, RunDetail};
use shared::metrics::{ErrorKind, MetricsSnapshot};
use shared::report::{JsonReport, Results, rfc3339_utc};
use shared::run::RunStatus;
use shared::units::{human_bytes, human_duration, plural};

use super::format::{fmt_int, fmt_interval, fmt_ms, fmt_observed, fmt_pct, fmt_rps, fmt_time};
use super::svg::{Chart, Dash, Marker, PALETTE, Series};
use super::{EarlyStop, escape, finite, json};

const STYLE: &str = r#"
:root{--fg:#1f2933;--muted:#616e7c;--line:#d9dee3;--bg:#f4f6f8;--card:#fff;
--pass:#2f7d4a;--pass-bg:#e6f4ea;--fail:#b42318;--fail-bg:#fdecea;--warn:#8a5a00;--warn-bg:#fff4d6;
--neutral:#52606d;--neutral-bg:#eceff2}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:26px;margin:2px 0 4px;word-break:break-word}
h2{font-size:17px;margin:0 0 10px}
h3{font-size:14px;margin:0 0 6px;color:var(--muted);font-weight:600}
p{margin:4px 0}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:11px;color:var(--muted);margin:0}
.desc{color:var(--muted)}
header.top{display:flex;justify-content:space-between;align-items:flex-start;gap:16px}
.verdict{display:flex;flex-direction:column;align-items:flex-end;gap:6px;max-width:320px}
.vnote{margin:0;font-size:12px;color:var(--warn);text-align:right}
.badge{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:15px;
letter-spacing:.04em;border:2px solid currentColor;white-space:nowrap}
.badge.pass{color:var(--pass);background:var(--pass-bg)}
.badge.fail{color:var(--fail);background:var(--fail-bg)}
.badge.none,.badge.partial{color:var(--neutral);background:var(--neutral-bg)}
dl.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:8px 18px;
margin:16px 0 18px;padding:12px 14px;background:var(--card);border:1px solid var(--line);border-radius:8px}
dl.meta div{min-width:0}
dl.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
dl.meta dd{margin:0;font-weight:600;word-break:break-word}
.notice{padding:10px 14px;border-radius:8px;margin:0 0 14px;border:1px solid}
.notice.warn{background:var(--warn-bg);color:var(--warn);border-color:#f0d48a}
.notice.fail{background:var(--fail-bg);color:var(--fail);border-color:#f3b8b2}
.notice ul{margin:4px 0 0;padding-left:20px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:0 0 20px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile .k{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.tile .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .s{font-size:12px;color:var(--muted)}
.tile.bad .v{color:var(--fail)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px}
section.plain{background:none;border:0;padding:0}
figure{margin:0 0 14px;padding:12px 14px 6px;background:var(--card);border:1px solid var(--line);border-radius:8px}
figcaption{font-weight:600;margin:0 0 4px}
figcaption span{font-weight:400;color:var(--muted);font-size:12px;margin-left:6px}
.chart{display:block;width:100%;height:auto;font-family:inherit}
.chart .grid line{stroke:#e6e9ed;stroke-width:1}
.chart .axis line{stroke:#9aa5b1;stroke-width:1}
.chart .axis text,.chart .legend text{fill:#52606d}
.chart .label{fill:#3e4c59;font-weight:600}
.chart .nodata{fill:#9aa5b1;font-size:14px}
.chart .load-end line{stroke:#7b8794;stroke-width:1;stroke-dasharray:2 3}
.chart .load-end text{fill:#7b8794;font-size:10px}
.chart .marker{stroke:#b42318;stroke-width:1.2;stroke-dasharray:3 3}
.chart .marker-n{fill:#b42318;font-size:10px;font-weight:700;paint-order:stroke;stroke:#fff;stroke-width:3px}
.chart .pt{fill:transparent;stroke:none}
.chart .pt:hover{fill:currentColor}
.chart polyline:hover{stroke-width:3}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap}
td.name{word-break:break-word}
tfoot td{font-weight:650;border-top:2px solid var(--line);border-bottom:0}
tr.fail td{background:var(--fail-bg)}
.ok{color:var(--pass);font-weight:650}
.bad{color:var(--fail);font-weight:650}
.muted{color:var(--muted)}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:18px}
ol.alerts{margin:0;padding-left:22px}
ol.alerts li{margin:2px 0}
.key{display:inline-block;width:16px;margin-right:6px;vertical-align:middle;border-top:3px solid currentColor}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:600px){header.top{flex-direction:column}.verdict{align-items:flex-start}
.vnote{text-align:left}.tile .v{font-size:18px}}
@media print{
@page{size:A4;margin:14mm}
:root{--bg:#fff;--card:#fff}
body{background:#fff;font-size:11pt}
main{max-width:none;padding:0}
section,figure,.tile,dl.meta{border-color:#bbb}
.tile,section,figure,.notice,tr.fail td,.badge{background:none!important}
figure,table,.tiles,dl.meta,.notice,header.top,section.keep{break-inside:avoid;page-break-inside:avoid}
tr{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
h2,h3,figcaption{break-after:avoid;page-break-after:avoid}
.chart .pt{display:none}
}
"#;

/// The panel's icon (`frontend/index.html`), inline so the page stays self-contained and the
/// browser does not ask for `/favicon.ico`.
pub(super) const FAVICON: &str = "<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%232f6fde'/%3E%3Cpath d='M6 23l6-7 5 4 9-11' fill='none' stroke='white' stroke-width='3' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E\">";

pub(super) fn render(detail: &RunDetail, series: &[MetricsSnapshot]) -> String {
    let report = json::report(detail, series);
    let mut o = String::with_capacity(64 * 1024 + series.len() * 256);
    let title = format!("Stampede report — {} — {}", report.scenario, report.test_id);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"stampede\">\n{FAVICON}\n<title>{}</title>\n\
         <style>{STYLE}</style>\n\
         </head>\n<body>\n<main>\n",
        escape(&title)
    );
    header(&mut o, detail, &report);
    notices(&mut o, &report);
    tiles(&mut o, &report);
    let load_end = detail.scenario_doc.load.planned_duration().as_secs_f64();
    charts(&mut o, &report.alerts, series, load_end);
    thresholds(&mut o, detail, &report);
    requests(&mut o, &report);
    errors_and_status(&mut o, &report.results);
    checks(&mut o, &report);
    generator(&mut o, &report);
    alerts(&mut o, &report);
    let _ = write!(
        o,
        "<footer>Generated by Stampede from run <code>{}</code>. Latencies are measured from \
         each request's scheduled start, so time spent waiting to be sent counts too.</footer>\n\
         </main>\n</body>\n</html>\n",
        escape(&report.test_id.0)
    );
    o
}

fn header(o: &mut String, detail: &RunDetail, r: &JsonReport) {
    let (class, text) = verdict(detail, r);
    let _ = write!(
        o,
        "<header class=\"top\"><div><p class=\"eyebrow\">Stampede {} test report</p><h1>{}</h1>",
        escape(r.test_type.as_str()),
        escape(&r.scenario)
    );
    if let Some(d) = detail
        .scenario_doc
        .description
        .as_deref()
        .filter(|d| !d.is_empty())
    {
        let _ = write!(o, "<p class=\"desc\">{}</p>", escape(d));
    }
    let note = verdict_note(detail, class)
        .map(|n| format!("<p class=\"vnote\">{}</p>", escape(&n)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "</div><div class=\"verdict\"><div class=\"badge {class}\" title=\"threshold \
         verdict\">{text}</div>{note}</div></header>"
    );

    o.push_str("<dl class=\"meta\">");
    meta(
        o,
        "Run id",
        &format!("<code>{}</code>", escape(&r.test_id.0)),
    );
    meta(o, "Test type", &escape(r.test_type.as_str()));
    meta(o, "Status", &escape(r.status.as_str()));
    let started_ms = detail
        .summary
        .as_ref()
        .map_or(detail.info.created_at_ms, |s| s.started_at_ms);
    meta(
        o,
        "Started",
        &format!(
            "<time datetime=\"{}\">{}</time>",
            escape(&r.started_at),
            escape(&human_time(started_ms))
        ),
    );
    meta(o, "Duration", &escape(&human_duration(r.duration)));
    if let Some(t) = detail.scenario_doc.target.as_deref() {
        meta(o, "Target", &format!("<code>{}</code>", escape(t)));
    }
    meta(o, "Load", &escape(&detail.scenario_doc.load.describe()));
    if let Some(s) = &detail.summary {
        meta(
            o,
            "Iterations",
            &iterations_text(s.iterations, s.interrupted_iterations, s.dropped_iterations),
        );
        meta(o, "Peak users", &fmt_int(s.peak_users));
    }
    o.push_str("</dl>\n");
}

/// Finished iterations, with the interrupted (cut off by the end of the graceful stop) and
/// dropped (never started) ones when there are any: `1,200 (3 interrupted, 40 dropped)`.
fn iterations_text(finished: u64, interrupted: u64, dropped: u64) -> String {
    let notes: Vec<String> = [(interrupted, "interrupted"), (dropped, "dropped")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", fmt_int(n)))
        .collect();
    if notes.is_empty() {
        fmt_int(finished)
    } else {
        format!("{} ({})", fmt_int(finished), notes.join(", "))
    }
}

fn meta(o: &mut String, key: &str, value_html: &str) {
    let _ = write!(o, "<div><dt>{key}</dt><dd>{value_html}</dd></div>");
}

/// The badge: PASS, FAIL, PASSED SO FAR (thresholds that held on a run that did not complete
/// its schedule: the panel's rule, `status != completed`), or a neutral word when there is
/// nothing to judge.
fn verdict(detail: &RunDetail, r: &JsonReport) -> (&'static str, &'static str) {
    match r.thresholds_passed {
        Some(true) if detail.info.status != RunStatus::Completed => ("partial", "PASSED SO FAR"),
        Some(true) => ("pass", "PASS"),
        Some(false) => ("fail", "FAIL"),
        None if detail.scenario_doc.thresholds.is_empty() => ("none", "NO THRESHOLDS"),
        None => ("none", "NOT EVALUATED"),
    }
}

/// Under a PASS or FAIL badge, what the verdict was judged on when the run stopped before the
/// end of its schedule.
fn verdict_note(detail: &RunDetail, verdict_class: &str) -> Option<String> {
    if !matches!(verdict_class, "pass" | "fail" | "partial") {
        return None;
    }
    EarlyStop::of(detail).map(|stop| stop.note())
}

fn notices(o: &mut String, r: &JsonReport) {
    if r.partial {
        let _ = writeln!(
            o,
            "<div class=\"notice warn\"><strong>Partial results.</strong> The run is {} and has \
             no final summary; figures are from its last metrics snapshot and thresholds and \
             checks are not evaluated.</div>",
            escape(r.status.as_str())
        );
    }
    if let Some(reason) = &r.reason {
        let _ = writeln!(
            o,
            "<div class=\"notice fail\"><strong>Run {}:</strong> {}</div>",
            escape(r.status.as_str()),
            escape(reason)
        );
    }
    if r.resource_utilization.saturated {
        o.push_str(
            "<div class=\"notice warn\"><strong>The load generator was saturated.</strong> \
             These results describe the generator's limits as much as the target's; see \
             <em>Load generator</em> below.</div>\n",
        );
    }
}

fn tiles(o: &mut String, r: &JsonReport) {
    let t = &r.results;
    // No request, no latency (as in the requests table's total row), not 0 ms.
    let ms = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), fmt_ms);
    o.push_str("<div class=\"tiles\">");
    tile(
        o,
        "Requests",
        &fmt_int(t.total_requests),
        &format!("{} failed", fmt_int(t.failed_requests)),
        false,
    );
    tile(
        o,
        "Throughput",
        &fmt_rps(t.throughput_rps),
        "whole run",
        false,
    );
    tile(
        o,
        "Error rate",
        &fmt_pct(t.error_rate),
        &format!("{} ok", fmt_int(t.successful_requests)),
        t.failed_requests > 0,
    );
    tile(
        o,
        "p50",
        &ms(t.p50_response_time_ms),
        "median latency",
        false,
    );
    tile(
        o,
        "p95",
        &ms(t.p95_response_time_ms),
        "95th percentile",
        false,
    );
    tile(
        o,
        "p99",
        &ms(t.p99_response_time_ms),
        "99th percentile",
        false,
    );
    o.push_str("</div>\n");
}

fn tile(o: &mut String, key: &str, value: &str, sub: &str, bad: bool) {
    let _ = write!(
        o,
        "<div class=\"tile{}\"><div class=\"k\">{key}</div><div class=\"v\">{}</div>\
         <div class=\"s\">{}</div></div>",
        if bad { " bad" } else { "" },
        escape(value),
        escape(sub)
    );
}

/// The chart an alert kind is marked on: its `data-chart` id and its caption.
fn alert_chart(kind: AlertKind) -> (&'static str, &'static str) {
    match kind {
        AlertKind::ResponseTime => ("latency", "Latency"),
        AlertKind::ErrorRate => ("errors", "Errors"),
    }
}

/// The markers of the alerts shown on chart `id`, numbered by their place in `alerts` (the
/// numbered list of the Alerts section).
fn alert_markers(alerts: &[Alert], id: &str) -> Vec<Marker> {
    alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| alert_chart(a.kind).0 == id)
        .map(|(i, a)| Marker {
            x: a.elapsed_ms as f64 / 1000.0,
            number: i + 1,
            label: a.message.clone(),
        })
        .collect()
}

/// The colour of an error kind's line and key: fixed per kind, so that a kind looks the same
/// in every chart and table of every report whatever else failed. The common kinds each have
/// a palette colour of their own (HTTP 5xx red, HTTP 4xx orange, …); the rare ones (DNS,
/// connect error, TLS, other, interrupted) take extra tones. The panel uses the same colours
/// (`frontend/src/chart.rs`).
pub(super) fn error_kind_color(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Dns => "#35b5cf",
        ErrorKind::ConnectRefused => "#4d8a2a",
        ErrorKind::Connect => "#7ea6d8",
        ErrorKind::Timeout => PALETTE[4],
        ErrorKind::Reset => PALETTE[3],
        ErrorKind::Tls => "#b59a2a",
        ErrorKind::Http4xx => PALETTE[1],
        ErrorKind::Http5xx => PALETTE[2],
        ErrorKind::CheckFailed => PALETTE[6],
        ErrorKind::BodyRead => PALETTE[5],
        ErrorKind::Protocol => PALETTE[7],
        ErrorKind::Other => "#8a93a0",
        // Deep violet: a hang is close kin to a timeout (purple), but must not be mistaken
        // for one.
        ErrorKind::Interrupted => "#3d2b6b",
    }
}

/// The line of all errors together: the panel's colour for it (a strong blue, which no kind
/// uses; dotted when kinds are drawn beside it).
pub(super) const ALL_ERRORS_COLOR: &str = "#2f6fde";

/// The time charts; `load_end` is the seconds into the run at which the load ended, marked
/// where the run went on past it (its graceful stop).
fn charts(o: &mut String, alerts: &[Alert], series: &[MetricsSnapshot], load_end: f64) {
    let x = |s: &MetricsSnapshot| s.elapsed_ms as f64 / 1000.0;
    let interval_s = typical_interval_s(series);

    // Throughput.
    let mut rps = Series::new("requests/s", PALETTE[0], "req/s");
    let mut ok_rps = Series::new("successful/s", PALETTE[3], "req/s").dash(Dash::Dashed);
    let mut any_errors = false;
    // Rates and per-interval counts fold a last interval too short to mean anything into the
    // one before.
    let rated = shared::chart::rate_spans(series);
    for s in rated.iter() {
        let secs = s.interval_ms as f64 / 1000.0;
        rps.push(x(s), Some(finite(s.interval.rps)));
        let ok = s.interval.requests.saturating_sub(s.interval.errors) as f64;
        ok_rps.push(x(s), (secs > 0.0).then(|| ok / secs));
        any_errors |= s.interval.errors > 0;
    }
    let mut throughput_series = vec![rps];
    if any_errors {
        throughput_series.push(ok_rps);
    }
    let throughput = Chart {
        id: "throughput",
        title: "Throughput over time (requests per second)".into(),
        y_label: "requests/s".into(),
        y2_label: None,
        y_counts: false,
        series: throughput_series,
        markers: alert_markers(alerts, "throughput"),
        load_end,
    };

    // Latency percentiles per interval; intervals without requests are gaps.
    let mut p50 = Series::new("p50", PALETTE[0], "ms");
    let mut p95 = Series::new("p95", PALETTE[1], "ms").dash(Dash::Dashed);
    let mut p99 = Series::new("p99", PALETTE[2], "ms").dash(Dash::Dotted);
    for s in series {
        let has = s.interval.requests > 0;
        let l = &s.interval.latency;
        p50.push(x(s), has.then_some(l.p50_ms));
        p95.push(x(s), has.then_some(l.p95_ms));
        p99.push(x(s), has.then_some(l.p99_ms));
    }
    let latency = Chart {
        id: "latency",
        title: "Latency percentiles over time (ms)".into(),
        y_label: "latency (ms)".into(),
        y2_label: None,
        y_counts: false,
        series: vec![p50, p95, p99],
        markers: alert_markers(alerts, "latency"),
        load_end,
    };

    // Errors per interval, one line per kind seen (plus the total when there are several).
    let kinds: BTreeSet<ErrorKind> = series
        .iter()
        .flat_map(|s| s.interval.errors_by_kind.iter())
        .filter(|(_, n)| **n > 0)
        .map(|(k, _)| *k)
        .collect();
    let mut error_series: Vec<Series> = kinds
        .iter()
        .map(|k| {
            let mut line = Series::new(k.label(), error_kind_color(*k), "errors");
            for s in rated.iter() {
                let n = s.interval.errors_by_kind.get(k).copied().unwrap_or(0);
                line.push(x(s), Some(n as f64));
            }
            line
        })
        .collect();
    if kinds.len() != 1 {
        let mut total = Series::new("all errors", ALL_ERRORS_COLOR, "errors");
        if kinds.len() > 1 {
            total = total.dash(Dash::Dotted);
        }
        for s in rated.iter() {
            total.push(x(s), Some(s.interval.errors as f64));
        }
        error_series.push(total);
    }
    let errors = Chart {
        id: "errors",
        title: "Errors per interval, by kind".into(),
        y_label: "errors per interval".into(),
        y2_label: None,
        y_counts: true,
        series: error_series,
        markers: alert_markers(alerts, "errors"),
        load_end,
    };

    // Users and the plan's targets.
    // The most in each interval, so a short burst between two ticks shows.
    let mut active = Series::new("active users (peak)", PALETTE[0], "users");
    let mut target_users = Series::new("target users", PALETTE[7], "users").dash(Dash::Dashed);
    let mut target_rate = Series::new("target rate (starts/s, right axis)", PALETTE[1], "starts/s")
        .dash(Dash::Dotted)
        .right();
    let (mut has_users_target, mut has_rate_target) = (false, false);
    for s in series {
        active.push(x(s), Some(s.users_peak() as f64));
        target_users.push(x(s), Some(s.target_users as f64));
        target_rate.push(x(s), Some(finite(s.target_rate)));
        has_users_target |= s.target_users > 0;
        has_rate_target |= s.target_rate > 0.0;
    }
    let mut users_series = vec![active];
    if has_users_target {
        users_series.push(target_users);
    }
    let y2_label = has_rate_target.then(|| "target rate (starts/s)".to_owned());
    if has_rate_target {
        users_series.push(target_rate);
    }
    let users = Chart {
        id: "users",
        title: "Active users over time".into(),
        y_label: "users".into(),
        y2_label,
        y_counts: true,
        series: users_series,
        markers: alert_markers(alerts, "users"),
        load_end,
    };

    let per = interval_s.map_or_else(String::new, |s| {
        format!("one point per {} interval", fmt_interval(s))
    });
    o.push_str("<section class=\"plain\"><h2>Over time</h2>\n");
    for (chart, caption, note) in [
        (&throughput, "Throughput", per.as_str()),
        (&latency, "Latency", "p50, p95 and p99 of each interval"),
        (&errors, "Errors", per.as_str()),
        (
            &users,
            "Users",
            "users in flight and the load plan's target",
        ),
    ] {
        let _ = writeln!(
            o,
            "<figure><figcaption>{caption}<span>{}</span></figcaption>{}</figure>",
            escape(note),
            chart.render()
        );
    }
    o.push_str("</section>\n");
}

/// The most common snapshot interval, seconds.
fn typical_interval_s(series: &[MetricsSnapshot]) -> Option<f64> {
    let mut lengths: Vec<u64> = series
        .iter()
        .map(|s| s.interval_ms)
        .filter(|&i| i > 0)
        .collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() / 2).map(|&ms| ms as f64 / 1000.0)
}

fn thresholds(o: &mut String, detail: &RunDetail, r: &JsonReport) {
    let aborted_by = match EarlyStop::of(detail) {
        Some(EarlyStop::Aborted(expr)) => expr,
        _ => None,
    };
    o.push_str("<section class=\"keep\"><h2>Thresholds</h2>");
    if r.thresholds.is_empty() {
        if r.partial && !detail.scenario_doc.thresholds.is_empty() {
            o.push_str("<p class=\"muted\">Not evaluated: the run has no final summary.</p>");
        } else {
            o.push_str("<p class=\"muted\">The scenario defines no thresholds.</p>");
        }
        o.push_str("</section>\n");
        return;
    }
    o.push_str(
        "<table><thead><tr><th>Threshold</th><th>Scope</th><th class=\"n\">Observed</th>\
         <th>Result</th></tr></thead><tbody>",
    );
    for t in &r.thresholds {
        let stopped_the_run = !t.passed && aborted_by.as_ref().is_some_and(|a| a.is(t));
        let _ = write!(
            o,
            "<tr{}><td><code>{}</code></td><td class=\"name\">{}</td><td class=\"n\">{}</td><td>{}{}</td></tr>",
            if t.passed { "" } else { " class=\"fail\"" },
            escape(&t.expr),
            t.request
                .as_deref()
                .map_or_else(|| "all requests".to_owned(), escape),
            escape(&fmt_observed(t)),
            pass_fail(t.passed),
            if stopped_the_run {
                " <span class=\"muted\">· stopped the run</span>"
            } else {
                ""
            },
        );
    }
    o.push_str("</tbody></table></section>\n");
}

fn pass_fail(passed: bool) -> &'static str {
    if passed {
        "<span class=\"ok\">✔ pass</span>"
    } else {
        "<span class=\"bad\">✘ fail</span>"
    }
}

fn requests(o: &mut String, r: &JsonReport) {
    o.push_str("<section><h2>Requests</h2>");
    if r.per_request.is_empty() && r.results.total_requests == 0 {
        o.push_str("<p class=\"muted\">No requests were completed.</p></section>\n");
        return;
    }
    o.push_str(
        "<table><thead><tr><th>Request</th><th class=\"n\">Count</th><th class=\"n\">Rate</th>\
         <th class=\"n\">Avg</th><th class=\"n\">p50</th><th class=\"n\">p95</th>\
         <th class=\"n\">p99</th><th class=\"n\">Max</th><th class=\"n\">Errors</th></tr></thead><tbody>",
    );
    let row = |o: &mut String, name: &str, t: &Results| {
        // A request never made (its journeys were cut before it) has no latency, not 0 ms.
        let ms = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), fmt_ms);
        let _ = write!(
            o,
            "<tr><td class=\"name\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            name,
            fmt_int(t.total_requests),
            fmt_rps(t.throughput_rps),
            ms(t.avg_response_time_ms),
            ms(t.p50_response_time_ms),
            ms(t.p95_response_time_ms),
            ms(t.p99_response_time_ms),
            ms(t.max_response_time_ms),
            if t.failed_requests == 0 {
                "0".to_owned()
            } else {
                format!(
                    "<span class=\"bad\">{}</span> ({})",
                    fmt_int(t.failed_requests),
                    escape(&fmt_pct(t.error_rate))
                )
            },
        );
    };
    for p in &r.per_request {
        row(o, &escape(&p.name), &p.results);
    }
    o.push_str("</tbody><tfoot>");
    row(o, "All requests", &r.results);
    o.push_str("</tfoot></table></section>\n");
}

fn errors_and_status(o: &mut String, t: &Results) {
    o.push_str("<section class=\"two\"><div><h2>Errors by kind</h2>");
    if t.errors_by_kind.is_empty() {
        o.push_str("<p class=\"muted\">No failed requests.</p>");
    } else {
        o.push_str(
            "<table><thead><tr><th>Kind</th><th class=\"n\">Count</th>\
             <th class=\"n\">Of requests</th></tr></thead><tbody>",
        );
        let mut kinds: Vec<_> = t.errors_by_kind.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, n) in kinds {
            let _ = write!(
                o,
                "<tr><td><i class=\"key\" style=\"color:{}\"></i>{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                error_kind_color(*k),
                escape(k.label()),
                fmt_int(*n),
                escape(&fmt_pct(ratio(*n, t.total_requests))),
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</div><div><h2>Status codes</h2>");
    if t.status_codes.is_empty() {
        o.push_str("<p class=\"muted\">No HTTP responses.</p>");
    } else {
        o.push_str(
            "<table><thead><tr><th>Status</th><th class=\"n\">Count</th>\
             <th class=\"n\">Of responses</th></tr></thead><tbody>",
        );
        let responses: u64 = t.status_codes.values().sum();
        for (code, n) in &t.status_codes {
            let class = if *code >= 400 { " class=\"bad\"" } else { "" };
            let _ = write!(
                o,
                "<tr><td><span{class}>{code}</span></td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                fmt_int(*n),
                escape(&fmt_pct(ratio(*n, responses))),
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</div></section>\n");
}

fn checks(o: &mut String, r: &JsonReport) {
    o.push_str("<section><h2>Checks</h2>");
    if r.checks.is_empty() {
        o.push_str(if r.partial {
            "<p class=\"muted\">Not available: the run has no final summary.</p>"
        } else {
            "<p class=\"muted\">No checks were run.</p>"
        });
        o.push_str("</section>\n");
        return;
    }
    o.push_str(
        "<table><thead><tr><th>Request</th><th>Check</th><th class=\"n\">Passed</th>\
         <th class=\"n\">Failed</th><th class=\"n\">Pass rate</th><th>Result</th></tr></thead><tbody>",
    );
    for c in &r.checks {
        let total = c.passed.saturating_add(c.failed);
        // A check of a request never answered has no pass rate and no verdict.
        let (rate, result) = if total == 0 {
            ("–".to_owned(), "<span class=\"muted\">not evaluated</span>")
        } else {
            (fmt_pct(ratio(c.passed, total)), pass_fail(c.failed == 0))
        };
        let _ = write!(
            o,
            "<tr{}><td class=\"name\">{}</td><td><code>{}</code></td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            if c.failed > 0 { " class=\"fail\"" } else { "" },
            escape(&c.request),
            escape(&c.check),
            fmt_int(c.passed),
            fmt_int(c.failed),
            escape(&rate),
            result,
        );
    }
    o.push_str("</tbody></table></section>\n");
}

fn generator(o: &mut String, r: &JsonReport) {
    let g = &r.resource_utilization;
    o.push_str("<section class=\"keep\"><h2>Load generator</h2>");
    if g.saturated {
        o.push_str(
            "<div class=\"notice warn\"><strong>Saturated:</strong> the generator could not \
             keep up with the load plan.",
        );
    } else if g.warnings.is_empty() && g.generator_peak_cpu_percent.is_none() {
        // Only the schedule was judged: "healthy" would claim a CPU verdict it never made.
        o.push_str(
            "<p><span class=\"ok\">On schedule</span> — the generator kept to the plan's \
             schedule. Its CPU use is unknown, so whether it ran short of CPU is not known.</p>",
        );
    } else if g.warnings.is_empty() {
        o.push_str(
            "<p><span class=\"ok\">Healthy</span> — the generator kept up with the plan.</p>",
        );
    } else {
        o.push_str("<div class=\"notice warn\"><strong>Warnings:</strong>");
    }
    if !g.warnings.is_empty() {
        o.push_str("<ul>");
        for w in &g.warnings {
            let _ = write!(o, "<li>{}</li>", escape(w));
        }
        o.push_str("</ul>");
    }
    if g.saturated || !g.warnings.is_empty() {
        o.push_str("</div>");
    }
    o.push_str("<dl class=\"meta\">");
    meta(
        o,
        "Peak CPU",
        &format!(
            "{}{}",
            g.generator_peak_cpu_percent
                .filter(|v| v.is_finite())
                .map_or_else(|| "unknown".to_owned(), |v| format!("{v:.0}% of one core")),
            if g.generator_cores > 0 {
                format!(" ({} cores)", g.generator_cores)
            } else {
                String::new()
            }
        ),
    );
    meta(
        o,
        "Peak memory",
        &g.generator_peak_memory_bytes
            .map_or_else(|| "unknown".to_owned(), human_bytes),
    );
    meta(o, "Worst schedule lag", &fmt_ms(g.max_schedule_lag_ms));
    meta(
        o,
        "Traffic",
        &format!(
            "{} sent · {} received{}",
            human_bytes(r.results.bytes_sent),
            human_bytes(r.results.bytes_received),
            match r.results.resent_requests {
                0 => String::new(),
                n => format!(
                    " · {} re-sent on a new connection",
                    plural(n, "request", "requests")
                ),
            }
        ),
    );
    o.push_str("</dl></section>\n");
}

fn alerts(o: &mut String, r: &JsonReport) {
    o.push_str("<section><h2>Alerts</h2>");
    if r.alerts.is_empty() {
        o.push_str("<p class=\"muted\">No alerts fired.</p></section>\n");
        return;
    }
    // Numbered: the charts mark each alert with its number.
    o.push_str("<ol class=\"alerts\">");
    // The message states the figure and the limit (`error rate 65.43% is above the 5% limit`,
    // the wording the live feed used); repeating them in another format would say it twice.
    for a in &r.alerts {
        let _ = write!(
            o,
            "<li><strong>{}</strong> <span class=\"muted\">(on the {} chart)</span>: {}</li>",
            escape(&fmt_time(a.elapsed_ms as f64 / 1000.0)),
            alert_chart(a.kind).1,
            escape(&a.message),
        );
    }
    o.push_str("</ol></section>\n");
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// `2026-03-14 09:26:53 UTC`.
fn human_time(ms: u64) -> String {
    let s = rfc3339_utc(ms - ms % 1000);
    s.replacen('T', " ", 1).replace('Z', " UTC")
}
