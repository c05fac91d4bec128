//! The end-of-run summary as a plain-text table.
//!
//! Names come from the scenario file and go to a terminal: control characters in them are
//! written escaped (`\u{1b}`), so a name cannot move the cursor, recolour or clear the screen.

use std::borrow::Cow;
use std::fmt::Write as _;

use shared::metrics::{ErrorKind, LatencyStats, RequestStats, RunSummary};
use shared::run::RunStatus;
use shared::scenario::ValidScenario;
use shared::units::human_bytes;

/// Renders the summary. Figures are the engine's; nothing here computes new ones.
pub(super) fn render(s: &RunSummary, scenario: &ValidScenario) -> String {
    let mut out = String::new();
    let secs = s.duration_ms as f64 / 1000.0;
    let t = &s.total;
    // A run that ended before its plan says how much of it ran.
    let planned = if s.status != RunStatus::Completed && s.planned_ms > s.duration_ms {
        format!(" of {:.1} s planned", s.planned_ms as f64 / 1000.0)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n{} — {} after {:.1} s{planned}",
        term(&s.scenario),
        s.status,
        secs
    );
    if let Some(reason) = &s.reason {
        let _ = writeln!(out, "  reason: {}", term(reason));
    }
    // Where the load went and how hard (after `--target`, `--duration`, `--users`, `--rate`;
    // `CLOUD_API_URL` for a scenario that names no target): a CI log says what it measured.
    if let Some(target) = &scenario.source.target {
        let _ = writeln!(out, "  target   {}", term(target));
    }
    let _ = writeln!(out, "  load     {}", scenario.load().describe());
    let _ = writeln!(
        out,
        "  requests {} ({})   errors {} ({})   iterations {}   interrupted {}   dropped {}   peak users {}",
        t.requests,
        shared::units::human_rate(t.rps),
        t.errors,
        // As the reports write it: 1 error in 100,000 reads `<0.01%`, not `0.00%`.
        shared::units::human_percent(t.error_rate()),
        s.iterations,
        s.interrupted_iterations,
        s.dropped_iterations,
        s.peak_users
    );
    let _ = writeln!(
        out,
        "  data     sent {}   received {}",
        human_bytes(t.bytes_sent),
        human_bytes(t.bytes_received)
    );
    if t.resent > 0 {
        let (what, under) = match t.resent {
            1 => ("1 request".to_owned(), "it"),
            n => (format!("{n} requests"), "them"),
        };
        let _ = writeln!(
            out,
            "  re-sent  {what} on a new connection: the target closed the kept-alive one under {under}"
        );
    }
    let open = scenario.load().is_open_model();
    let _ = writeln!(
        out,
        "\n  latency (ms){}",
        if open {
            ", from the scheduled start (coordinated omission corrected)"
        } else {
            ""
        }
    );
    let name_width = s
        .per_request
        .iter()
        .map(|r| term(&r.name).chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 48);
    let _ = writeln!(
        out,
        "  {:<name_width$} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "name", "count", "rps", "avg", "p50", "p90", "p95", "p99", "p99.9", "max", "errors"
    );
    // The total is the last row, whatever it is named (`*`, which a request may be named too).
    for r in &s.per_request {
        row(&mut out, &term(&r.name), r, &r.latency, name_width);
    }
    row(&mut out, "total", t, &t.latency, name_width);
    if open {
        let st = &t.service_time;
        let _ = writeln!(
            out,
            "  raw service time: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
            st.p50_ms, st.p95_ms, st.p99_ms, st.max_ms
        );
    }
    if !t.errors_by_kind.is_empty() {
        let kinds: Vec<String> = ErrorKind::ALL
            .iter()
            .filter_map(|k| {
                t.errors_by_kind
                    .get(k)
                    .map(|n| format!("{} {n}", k.as_str()))
            })
            .collect();
        let _ = writeln!(out, "\n  errors by kind: {}", kinds.join(", "));
    }
    if !t.status_counts.is_empty() {
        let codes: Vec<String> = t
            .status_counts
            .iter()
            .map(|(c, n)| format!("{c} × {n}"))
            .collect();
        let _ = writeln!(out, "  status codes:   {}", codes.join(", "));
    }
    if !s.checks.is_empty() {
        let _ = writeln!(out, "\n  checks");
        for c in &s.checks {
            let mark = if c.failed == 0 { "ok  " } else { "FAIL" };
            let _ = writeln!(
                out,
                "    {mark} {} — {}: {} passed, {} failed",
                term(&c.request),
                term(&c.check),
                c.passed,
                c.failed
            );
        }
    }
    if !s.thresholds.is_empty() {
        let _ = writeln!(out, "\n  thresholds");
        for th in &s.thresholds {
            let mark = if th.passed { "ok  " } else { "FAIL" };
            let scope = th
                .request
                .as_deref()
                .map(|r| format!(" [{}]", term(r)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {mark} {}{scope}   observed {}",
                term(&th.expr),
                term(&th.observed_text)
            );
        }
    }
    let g = &s.generator;
    let _ = writeln!(
        out,
        "\n  generator: peak CPU {} ({} cores), peak memory {}, worst schedule lag {:.1} ms — {}",
        g.peak_cpu_percent
            .map_or_else(|| "unknown".to_owned(), |v| format!("{v:.0}%")),
        g.cores,
        g.peak_rss_bytes
            .map_or_else(|| "unknown".to_owned(), human_bytes),
        g.max_schedule_lag_ms,
        match (g.saturated, g.peak_cpu_percent) {
            (true, _) => "SATURATED",
            // Only the schedule was judged: not "ok" about a CPU it could not measure.
            (false, None) => "on schedule, CPU unknown",
            (false, Some(_)) => "ok",
        }
    );
    for w in &g.warnings {
        let _ = writeln!(out, "  warning: {}", term(w));
    }
    let verdict = if s.thresholds.is_empty() {
        "no thresholds"
    } else if s.thresholds_passed() {
        "thresholds passed"
    } else {
        "THRESHOLDS FAILED"
    };
    let _ = writeln!(out, "\n  verdict: {verdict}");
    out
}

/// Text for the terminal: control characters (ESC, BEL, CR, …) escaped as `\u{1b}`.
pub(super) fn term(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(escaped, "{}", c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

fn row(out: &mut String, name: &str, r: &RequestStats, l: &LatencyStats, width: usize) {
    // Measured in characters, as `{:<width$}` pads: a name in Cyrillic or Greek takes two
    // bytes a letter, and was cut at half the column.
    let name: String = if name.chars().count() > width {
        name.chars().take(width - 1).chain(['…']).collect()
    } else {
        name.to_owned()
    };
    // A request that got no answer (all cut off, or never made) has no latency, not 0 ms.
    let ms = |v: f64| {
        if l.count == 0 {
            "–".to_owned()
        } else {
            format!("{v:.2}")
        }
    };
    let _ = writeln!(
        out,
        "  {name:<width$} {:>9} {:>9.1} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        r.requests,
        r.rps,
        ms(l.avg_ms),
        ms(l.p50_ms),
        ms(l.p90_ms),
        ms(l.p95_ms),
        ms(l.p99_ms),
        ms(l.p999_ms),
        ms(l.max_ms),
        r.errors
    );
}

#[cfg(test)]
mod tests {
    use shared::scenario::{ValidationEnv, validate};

    use super::*;

    #[test]
    fn latency_table_has_every_percentile_the_readme_lists() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        summary.total.latency.p999_ms = 987.65;
        let text = render(&summary, &scenario);
        let header = text
            .lines()
            .find(|l| l.trim_start().starts_with("name "))
            .expect("a table header");
        let columns: Vec<&str> = header.split_whitespace().collect();
        assert_eq!(
            columns,
            [
                "name", "count", "rps", "avg", "p50", "p90", "p95", "p99", "p99.9", "max", "errors"
            ]
        );
        let total = text
            .lines()
            .find(|l| l.trim_start().starts_with("total "))
            .expect("a total row");
        let cells: Vec<&str> = total.split_whitespace().collect();
        assert_eq!(cells[8], "987.65", "{total}");
    }

    /// The generator's line says what it measured, and "unknown" for a CPU or memory it could
    /// not (no `/proc`), never 0% or 0 B; without a CPU figure it does not call the generator
    /// "ok", only on schedule.
    #[test]
    fn the_generator_line_says_unknown_for_what_was_not_measured() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let generator_line = |summary: &RunSummary| {
            render(summary, &scenario)
                .lines()
                .find(|l| l.starts_with("  generator: "))
                .map(str::to_owned)
                .expect("a generator line")
        };
        let mut summary = shared::samples::summary();
        summary.generator.saturated = false;
        let line = generator_line(&summary);
        assert!(
            line.starts_with("  generator: peak CPU 96% (2 cores), peak memory 50.0 MiB,"),
            "{line}"
        );
        assert!(line.ends_with(" — ok"), "{line}");
        summary.generator.peak_cpu_percent = None;
        summary.generator.peak_rss_bytes = None;
        let line = generator_line(&summary);
        assert!(
            line.starts_with("  generator: peak CPU unknown (2 cores), peak memory unknown,"),
            "{line}"
        );
        assert!(line.ends_with(" — on schedule, CPU unknown"), "{line}");
        summary.generator.saturated = true;
        assert!(generator_line(&summary).ends_with(" — SATURATED"));
    }

    /// The requests line writes rates and error shares as the reports do: a share that is not
    /// nothing never reads `0.00%`, a slow rate never `0.0/s`.
    #[test]
    fn the_requests_line_keeps_small_figures() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        summary.total.requests = 100_000;
        summary.total.errors = 1;
        summary.total.rps = 0.04;
        let text = render(&summary, &scenario);
        let line = text
            .lines()
            .find(|l| l.starts_with("  requests "))
            .expect("a requests line");
        assert!(
            line.starts_with("  requests 100000 (0.04/s)   errors 1 (<0.01%)"),
            "{line}"
        );
    }

    #[test]
    fn the_target_and_load_as_run_are_named_under_the_heading() {
        let summary_of = |scenario: &shared::scenario::Scenario, env: &ValidationEnv| {
            let valid = validate(scenario, env).expect("the sample scenario is valid");
            render(&shared::samples::summary(), &valid)
        };
        let text = summary_of(&shared::samples::scenario(), &ValidationEnv::default());
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("  target "))
            .expect("a target line");
        assert_eq!(lines[at], "  target   http://127.0.0.1:8090");
        assert_eq!(
            lines[at + 1],
            "  load     ramping_rate: from 1/s, → 20/s over 10 s, at most 50 users"
        );
        assert!(lines[at + 2].starts_with("  requests "), "{text}");

        // A scenario without a target names the CLOUD_API_URL it ran against.
        let mut untargeted = shared::samples::scenario();
        untargeted.target = None;
        let env = ValidationEnv {
            cloud_api_url: Some("http://10.0.0.7:9000/api".to_owned()),
        };
        let text = summary_of(&untargeted, &env);
        assert!(
            text.lines()
                .any(|l| l == "  target   http://10.0.0.7:9000/api"),
            "{text}"
        );
    }

    #[test]
    fn a_request_without_answers_has_no_latency_not_zero() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        let mut unanswered = summary.total.clone();
        unanswered.name = "never answered".to_owned();
        unanswered.requests = 0;
        unanswered.errors = 0;
        unanswered.rps = 0.0;
        unanswered.latency = LatencyStats::default();
        summary.per_request.push(unanswered);
        let text = render(&summary, &scenario);
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with("never answered"))
            .expect("its row");
        let cells: Vec<&str> = row.split_whitespace().skip(2).collect();
        assert_eq!(
            cells,
            ["0", "0.0", "–", "–", "–", "–", "–", "–", "–", "0"],
            "{row}"
        );
        let total = text
            .lines()
            .find(|l| l.trim_start().starts_with("total "))
            .expect("a total row");
        assert!(!total.contains('–'), "{total}");
    }

    #[test]
    fn non_ascii_names_are_measured_in_characters() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        // 29 characters in 51 bytes: it fits the column (at most 48 characters) whole.
        let name = "GET /каталог/товары/категории";
        assert_eq!(name.chars().count(), 29);
        let request = summary.per_request.first_mut().expect("a request");
        request.name = name.to_owned();
        let text = render(&summary, &scenario);
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with("GET /каталог"))
            .expect("its row");
        assert!(row.contains(name), "cut short: {row}");
        // Every row's columns start where the header's do (in characters).
        let header = text
            .lines()
            .find(|l| l.trim_start().starts_with("name "))
            .expect("a table header");
        let total = text
            .lines()
            .find(|l| l.trim_start().starts_with("total "))
            .expect("a total row");
        for line in [header, row, total] {
            let chars: Vec<char> = line.chars().collect();
            assert_eq!(chars.get(2 + 29), Some(&' '), "{line:?}");
            assert_ne!(chars.get(2 + 29 + 9), Some(&' '), "{line:?}");
        }
        // A name longer than the column is cut to it, in characters.
        summary.per_request[0].name = "ж".repeat(60);
        let text = render(&summary, &scenario);
        let shown = format!("  {}… ", "ж".repeat(47));
        assert!(text.contains(&shown), "{text}");
    }

    #[test]
    fn a_request_named_star_is_not_shown_as_the_total() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        summary.per_request[0].name = "*".to_owned();
        let text = render(&summary, &scenario);
        let first = |l: &&str| l.split_whitespace().next() == Some("total");
        assert_eq!(text.lines().filter(first).count(), 1, "{text}");
        assert!(text.lines().any(|l| l.starts_with("  * ")), "{text}");
    }

    #[test]
    fn iterations_line_shows_interrupted_next_to_finished_and_dropped() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let summary = RunSummary {
            iterations: 5,
            interrupted_iterations: 5,
            dropped_iterations: 190,
            ..shared::samples::summary()
        };
        let text = render(&summary, &scenario);
        assert!(
            text.contains("iterations 5   interrupted 5   dropped 190   peak users"),
            "{text}"
        );
    }

    #[test]
    fn re_sent_requests_get_a_line_when_there_are_some() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let line_for = |resent: u64| {
            let mut summary = shared::samples::summary();
            summary.total.resent = resent;
            render(&summary, &scenario)
                .lines()
                .find(|l| l.trim_start().starts_with("re-sent"))
                .map(str::trim)
                .map(str::to_owned)
        };
        assert_eq!(line_for(0), None);
        assert_eq!(
            line_for(1).as_deref(),
            Some(
                "re-sent  1 request on a new connection: the target closed the kept-alive one under it"
            )
        );
        assert_eq!(
            line_for(40).as_deref(),
            Some(
                "re-sent  40 requests on a new connection: the target closed the kept-alive one under them"
            )
        );
    }

    #[test]
    fn control_characters_in_names_are_escaped_for_the_terminal() {
        let scenario = validate(&shared::samples::scenario(), &ValidationEnv::default())
            .expect("the sample scenario is valid");
        let mut summary = shared::samples::summary();
        summary.scenario = "shop\u{1b}]0;pwned\u{7}".to_owned();
        summary.reason = Some("stopped\rover".to_owned());
        let request = summary.per_request.first_mut().expect("a request");
        request.name = "\u{1b}[2Jclear".to_owned();
        let check = summary.checks.first_mut().expect("a check");
        check.request = "\u{1b}[31mred".to_owned();
        let text = render(&summary, &scenario);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        for shown in [
            "shop\\u{1b}]0;pwned\\u{7} — ",
            "reason: stopped\\u{d}over",
            "  \\u{1b}[2Jclear ",
            "\\u{1b}[31mred — ",
        ] {
            assert!(text.contains(shown), "{shown} in {text}");
        }
        assert_eq!(
            term("café – ok"),
            "café – ok",
            "printable text is left alone"
        );
    }
}
