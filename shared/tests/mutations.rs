//! Scenario documents mutated at random (a seeded generator, so every run tries the same cases):
//! numbers and durations swapped for extreme values, lines deleted, repeated or re-indented,
//! punctuation inserted, text cut short. Whatever a user types, reading, validating and planning
//! a scenario must answer with errors or a plan: never a panic, never a hang. Documents that
//! still read must survive a JSON round trip unchanged (the panel's form and text views rely on
//! it), and a valid one's plan must keep its own bounds.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use shared::plan::{LoadPlan, SplitMix64};
use shared::scenario::{Format, Scenario, ValidationEnv, parse_scenario, validate};

/// Mutated documents tried per corpus document.
const CASES_PER_DOCUMENT: usize = 150;
/// Longer than this for the whole set is a hang (it takes a few seconds in a debug build).
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// Picks one of `items`.
fn pick<'a>(dice: &mut SplitMix64, items: &[&'a str]) -> &'a str {
    items[dice.below(items.len())]
}

const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1e308",
    "-0",
    ".nan",
    ".inf",
    "NaN",
    "99999999999999999999",
    "4294967296",
    "0.0000001",
    "18446744073709551615",
    "1.5",
    "\"7\"",
    "[]",
];

const DURATIONS: [&str; 12] = [
    "0s",
    "1us",
    "0.0004ms",
    "7d",
    "1e9h",
    "-5s",
    "99999999h",
    "168h",
    "10080m",
    "1.5",
    "s",
    "2 weeks",
];

const PUNCTUATION: [&str; 18] = [
    "{", "}", "[", "]", ":", ",", "-", "'", "\"", "&a", "*a", "!!", "|", ">", "%", "@", "#", "\t",
];

/// One mutation of `text`.
fn mutate(text: &str, dice: &mut SplitMix64) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return text.to_owned();
    }
    let at = dice.below(lines.len());
    match dice.below(9) {
        // A number replaced by an extreme one.
        0 => replace_token(
            &mut lines[at],
            |t| t.chars().all(|c| c.is_ascii_digit() || c == '.'),
            pick(dice, &NUMBERS),
        ),
        // A duration replaced by an odd one.
        1 => replace_token(
            &mut lines[at],
            |t| t.ends_with("ms") || t.ends_with('s') || t.ends_with('m') || t.ends_with('h'),
            pick(dice, &DURATIONS),
        ),
        2 => {
            lines.remove(at);
        }
        3 => {
            let copy = lines[at].clone();
            lines.insert(at, copy);
        }
        4 => {
            let other = dice.below(lines.len());
            lines.swap(at, other);
        }
        5 => {
            let line = &mut lines[at];
            if dice.below(2) == 0 {
                line.insert_str(0, "  ");
            } else if let Some(rest) = line.strip_prefix("  ") {
                *line = rest.to_owned();
            }
        }
        6 => {
            let line = &mut lines[at];
            let cut = line.floor_char_boundary(dice.below(line.len() + 1));
            line.insert_str(cut, pick(dice, &PUNCTUATION));
        }
        7 => {
            // The document cut short.
            let whole = lines.join("\n");
            let cut = whole.floor_char_boundary(dice.below(whole.len() + 1));
            return whole[..cut].to_owned();
        }
        _ => {
            // A value replaced by a list or a mapping.
            if let Some(colon) = lines[at].find(": ") {
                let value = pick(dice, &["[1, 2]", "{a: 1}", "~", "''", "-1", "true"]);
                lines[at].replace_range(colon + 2.., value);
            }
        }
    }
    lines.join("\n")
}

/// Replaces the first whitespace-separated token of `line` that `is_target` accepts.
fn replace_token(line: &mut String, is_target: impl Fn(&str) -> bool, with: &str) {
    let found = line
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '{' | '}' | '[' | ']'))
        .find(|t| !t.is_empty() && is_target(t))
        .map(str::to_owned);
    if let Some(token) = found {
        *line = line.replacen(&token, with, 1);
    }
}

/// What became of a document.
enum Outcome {
    /// Refused, with errors that read well.
    Refused,
    /// Valid, and planned.
    Planned,
}

/// Everything a user's document goes through: read, validate (errors located in the text),
/// plan. `Err` says what went wrong that must not.
fn exercise(source: &str, format: Format, seed: u64) -> Result<Outcome, String> {
    let scenario = match parse_scenario(source, format) {
        Ok(s) => s,
        Err(errors) => return check_errors(&errors.to_string()).map(|()| Outcome::Refused),
    };
    let valid = match validate(&scenario, &ValidationEnv::default()) {
        Ok(v) => v,
        Err(errors) => {
            return check_errors(&errors.locate(source).to_string()).map(|()| Outcome::Refused);
        }
    };
    round_trip(&scenario)?;
    let plan = LoadPlan::new(valid.load(), seed);
    let duration = plan.duration();
    let end = duration.as_secs_f64();
    if !(end.is_finite() && end > 0.0) {
        return Err(format!("a valid plan lasts {duration:?}"));
    }
    let max_users = plan.max_users();
    for (i, (t, users)) in plan.user_changes().take(500).enumerate() {
        if t > duration {
            return Err(format!(
                "user change {i} at {t:?}, after the end {duration:?}"
            ));
        }
        if users > max_users.max(1) && !plan.is_open() {
            return Err(format!(
                "user change {i} to {users}, above the plan's {max_users}"
            ));
        }
    }
    let mut last = Duration::ZERO;
    for (i, at) in plan.arrivals().take(500).enumerate() {
        if at < last || at > duration {
            return Err(format!(
                "arrival {i} at {at:?} (previous {last:?}, end {duration:?})"
            ));
        }
        last = at;
    }
    for (t, v) in plan.preview(50) {
        if !(t.is_finite() && v.is_finite() && v >= 0.0) {
            return Err(format!("preview point ({t}, {v})"));
        }
    }
    for k in 0..=10 {
        let t = duration.mul_f64(f64::from(k) / 10.0);
        let rate = plan.rate_at(t);
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(format!("rate {rate} at {t:?}"));
        }
        let _ = plan.users_at(t);
    }
    Ok(Outcome::Planned)
}

/// Error text names something: never empty, never a Rust type or a debug dump.
fn check_errors(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("an empty error message".into());
    }
    for leak in [
        "u32", "u64", "f64", "struct ", "enum ", "Some(", "None", "panicked",
    ] {
        if text.contains(leak) {
            return Err(format!("the error speaks Rust ({leak}): {text}"));
        }
    }
    Ok(())
}

/// A document that reads is written out as JSON and read back as the same document.
fn round_trip(scenario: &Scenario) -> Result<(), String> {
    let json = serde_json::to_string(scenario).map_err(|e| format!("does not serialize: {e}"))?;
    match parse_scenario(&json, Format::Json) {
        Ok(back) if back == *scenario => Ok(()),
        Ok(back) => Err(format!(
            "JSON round trip changed the document:\n{scenario:?}\n{back:?}\n{json}"
        )),
        Err(e) => Err(format!("its own JSON does not read back: {e}\n{json}")),
    }
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in [root.join("../examples"), root.join("tests/fixtures/good")] {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            ) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() >= 10, "a corpus: {paths:?}");
    paths
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

#[test]
fn mutated_scenarios_give_errors_or_plans_never_panics_or_hangs() {
    let progress = Arc::new(AtomicUsize::new(0));
    let (done, finished) = mpsc::channel();
    let counter = Arc::clone(&progress);
    // The cases run on their own thread, so a hang fails the test instead of stalling it.
    let worker = std::thread::spawn(move || {
        let mut failures = Vec::new();
        let mut dice = SplitMix64(0x5EED_CA5E_D0C5_0001);
        let mut case = 0usize;
        let mut accepted = 0usize;
        for path in corpus() {
            let original = fs::read_to_string(&path).expect("read a corpus document");
            let format = Format::from_path(&path);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            for _ in 0..CASES_PER_DOCUMENT {
                case += 1;
                counter.store(case, Ordering::Relaxed);
                // One to three mutations on top of each other.
                let mut text = original.clone();
                for _ in 0..=dice.below(3) {
                    text = mutate(&text, &mut dice);
                }
                let seed = dice.next_u64();
                let outcome = catch_unwind(AssertUnwindSafe(|| exercise(&text, format, seed)));
                let problem = match outcome {
                    Ok(Ok(Outcome::Planned)) => {
                        accepted += 1;
                        continue;
                    }
                    Ok(Ok(Outcome::Refused)) => continue,
                    Ok(Err(problem)) => problem,
                    Err(payload) => format!("panicked: {}", panic_message(payload.as_ref())),
                };
                failures.push(format!(
                    "case {case} ({name:?}, seed {seed}): {problem}\n--- document ---\n{text}\n"
                ));
            }
        }
        let _ = done.send(());
        (case, accepted, failures)
    });
    if finished.recv_timeout(HANG_LIMIT).is_err() {
        panic!(
            "case {} has not finished after {HANG_LIMIT:?}: a hang",
            progress.load(Ordering::Relaxed)
        );
    }
    let (cases, accepted, failures) = worker.join().expect("the worker thread");
    eprintln!("{cases} mutated documents, {accepted} still valid and planned");
    // The mutations must leave some documents valid (or the plan checks test nothing) and
    // break most.
    assert!(
        accepted > cases / 20,
        "only {accepted} of {cases} stayed valid"
    );
    assert!(accepted < cases, "no mutation broke a document");
    none_failed(&failures, cases, "cases failed");
}

/// One value of a valid document replaced by a wrong one is one mistake, and the errors must
/// all be about it: reading on after the first error (what failed taken out, a section stood in
/// for) must never report a second error that is only a consequence of the first. In YAML
/// documents another value is also written in a form the YAML reader takes as it was (a
/// number quoted, a quoted number bare, `true` as `yes`), which reading on must take too.
#[test]
fn one_wrong_value_gives_errors_on_its_line_only() {
    let values = wrong_values();
    let mut dice = SplitMix64(0x0E_E2_20_12);
    let (mut cases, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for path in corpus() {
        let original = fs::read_to_string(&path).expect("read a corpus document");
        let format = Format::from_path(&path);
        let lines: Vec<&str> = original.lines().collect();
        let valued = valued_lines(&lines);
        for _ in 0..60 {
            let at = valued[dice.below(valued.len())];
            let value = pick(&mut dice, &values);
            let mut mutated = lines.clone();
            let line = with_value(lines[at], value);
            mutated[at] = &line;
            let other = valued[dice.below(valued.len())];
            let restyled = (format == Format::Yaml && other != at)
                .then(|| restyle(lines[other]))
                .flatten();
            if let Some(restyled) = &restyled {
                let mut alone = lines.clone();
                alone[other] = restyled;
                // Only a form the reader takes as it was (the value may sit where a form
                // means something else, such as a list).
                if parse_scenario(&alone.join("\n"), format).is_ok() {
                    mutated[other] = restyled;
                }
            }
            let text = mutated.join("\n");
            cases += 1;
            let Err(errors) = parse_scenario(&text, format) else {
                continue;
            };
            refused += 1;
            // The errors are all about that value (two, when it is a list of two wrong
            // items): all on its line.
            let line = Some(at as u64 + 1);
            if errors.0.iter().any(|e| e.line != line) {
                failures.push(format!(
                    "{}: line {} set to {value:?} gave errors elsewhere:\n{errors}",
                    path.display(),
                    at + 1,
                ));
            }
        }
    }
    eprintln!("{cases} documents with one wrong value, {refused} refused when read");
    // Most are refused: the property above is then about something.
    assert!(
        refused > cases / 4,
        "only {refused} of {cases} were refused"
    );
    none_failed(&failures, cases, "gave errors away from the wrong value");
}

/// Two wrong values, on two lines (often in the same step or the same journey): every error is
/// on one of those lines, so reading on past the first mistake of a list item (its field taken
/// out alone when the item reads without it) invents nothing.
#[test]
fn two_wrong_values_give_errors_on_their_lines_only() {
    let values = wrong_values();
    let mut dice = SplitMix64(0x2E_0F_20_26);
    let (mut cases, mut both) = (0, 0);
    let mut failures = Vec::new();
    for path in corpus() {
        let original = fs::read_to_string(&path).expect("read a corpus document");
        let format = Format::from_path(&path);
        let lines: Vec<&str> = original.lines().collect();
        let valued = valued_lines(&lines);
        for _ in 0..40 {
            let a = valued[dice.below(valued.len())];
            // Often a near line: the same step or journey.
            let b = if dice.below(2) == 0 {
                let near: Vec<usize> = valued
                    .iter()
                    .copied()
                    .filter(|&i| i != a && i.abs_diff(a) <= 3)
                    .collect();
                if near.is_empty() {
                    continue;
                }
                near[dice.below(near.len())]
            } else {
                valued[dice.below(valued.len())]
            };
            if a == b {
                continue;
            }
            let (line_a, line_b) = (
                with_value(lines[a], pick(&mut dice, &values)),
                with_value(lines[b], pick(&mut dice, &values)),
            );
            let mut mutated = lines.clone();
            mutated[a] = &line_a;
            mutated[b] = &line_b;
            let text = mutated.join("\n");
            // Only documents that still parse: a syntax error is reported alone, where the
            // parser noticed it (a value that opened an object, replaced, shows a line later).
            let parses = match format {
                Format::Json => serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                Format::Yaml => serde_saphyr::from_str::<serde_json::Value>(&text).is_ok(),
            };
            if !parses {
                continue;
            }
            cases += 1;
            let Err(errors) = parse_scenario(&text, format) else {
                continue;
            };
            let on = |i: usize| errors.0.iter().any(|e| e.line == Some(i as u64 + 1));
            both += usize::from(on(a) && on(b));
            if let Some(e) = errors
                .0
                .iter()
                .find(|e| e.line != Some(a as u64 + 1) && e.line != Some(b as u64 + 1))
            {
                failures.push(format!(
                    "{}: lines {} and {} set to {line_a:?} and {line_b:?} gave {e}:\n{errors}",
                    path.display(),
                    a + 1,
                    b + 1,
                ));
            }
        }
    }
    eprintln!("{cases} documents with two wrong values, {both} with an error on each line");
    // Reading on finds both mistakes often: the property above is then about something.
    assert!(both > cases / 5, "only {both} of {cases} had both found");
    none_failed(&failures, cases, "gave errors away from the wrong values");
}

/// A wrong value is told of in the same words and at the same place whether its error is the
/// first one (the format's own reader) or a later one (read on in a generic tree, after an
/// unknown key put at the top of the document): both say what was expected alike, and both
/// point at the value (an unknown key at the key). The later one may also say what the value
/// was (`invalid type: string "x", …`), which the YAML reader leaves out.
#[test]
fn a_later_error_is_worded_and_placed_as_the_first() {
    let values = [
        "-1", "1.5", "\"x\"", "[1, 2]", "{a: 1}", "true", "GETT", "5q", "[]",
    ];
    let mut dice = SplitMix64(0x5A_4E_20_26);
    let (mut cases, mut compared) = (0, 0);
    let mut failures = Vec::new();
    // What was expected: the message from its last "expected" on, names with or without
    // backticks (serde quotes them, the YAML reader does not).
    let expected = |m: &str| m.rfind("expected ").map_or(m, |i| &m[i..]).replace('`', "");
    // The YAML reader takes any scalar for a kind's name (`body: true` is an unknown kind
    // `true`), and says of a list or mapping only that one value belongs there; a generic
    // tree's reader says what the value was. All are right, in other words.
    let alike = |first: &str, later: &str| {
        expected(first) == expected(later)
            // A range where the YAML reader did not say what the value was; the bound it
            // broke, or none, where the value is named.
            || (expected(first).starts_with("expected a whole number")
                && expected(later).starts_with("expected a whole number"))
            || (first.starts_with("unknown kind `") && later.starts_with("invalid type: "))
            || (first == "expected a single value here, not a list or a mapping"
                && (later.starts_with("invalid type: sequence, ")
                    || later.starts_with("invalid type: map, ")))
    };
    for path in corpus() {
        let original = fs::read_to_string(&path).expect("read a corpus document");
        let format = Format::from_path(&path);
        let lines: Vec<&str> = original.lines().collect();
        let valued = valued_lines(&lines);
        for _ in 0..30 {
            let at = valued[dice.below(valued.len())];
            let line = with_value(lines[at], pick(&mut dice, &values));
            let mut mutated = lines.clone();
            mutated[at] = &line;
            let text = mutated.join("\n");
            // The same with an unknown key first, so the wrong value's error comes later.
            let decoyed = match format {
                Format::Yaml => format!("zz_decoy: 1\n{text}"),
                Format::Json => text.replacen('{', "{\"zz_decoy\": 1, ", 1),
            };
            cases += 1;
            let (Err(first), Err(later)) = (
                parse_scenario(&text, format),
                parse_scenario(&decoyed, format),
            ) else {
                continue;
            };
            for e in &first.0 {
                let Some(l) = later.0.iter().find(|l| l.path == e.path) else {
                    continue;
                };
                compared += 1;
                // The decoy is a line of its own in YAML, and on the first line in JSON.
                let placed = match format {
                    Format::Yaml => (e.line.map(|n| n + 1), e.column),
                    Format::Json if e.line == Some(1) => (l.line, l.column),
                    Format::Json => (e.line, e.column),
                };
                if placed != (l.line, l.column) {
                    failures.push(format!(
                        "{}: {}: line {} as {line:?}: first at {:?}:{:?}, later at {:?}:{:?}",
                        path.display(),
                        e.path,
                        at + 1,
                        e.line,
                        e.column,
                        l.line,
                        l.column
                    ));
                }
                if !alike(&e.message, &l.message) {
                    failures.push(format!(
                        "{}: {}: line {} as {line:?}: first {:?}, later {:?}",
                        path.display(),
                        e.path,
                        at + 1,
                        e.message,
                        l.message
                    ));
                }
            }
        }
    }
    eprintln!("{cases} documents, {compared} errors compared");
    assert!(compared > cases / 4, "only {compared} of {cases} compared");
    none_failed(
        &failures,
        compared,
        "were worded or placed differently when later",
    );
}

/// Values to put where another was: numbers, durations, and shapes and words that are wrong
/// for most fields.
fn wrong_values() -> Vec<&'static str> {
    NUMBERS
        .iter()
        .chain(&DURATIONS)
        .chain(&["[1, 2]", "{a: 1}", "~", "''", "true", "GETT", "[]", "{}"])
        .copied()
        .collect()
}

/// The lines holding a `key: value` whose value is on the same line (a block mapping's key,
/// or a JSON member alone on its line; not a key inside a flow mapping).
fn valued_lines(lines: &[&str]) -> Vec<usize> {
    (0..lines.len())
        .filter(|&i| {
            lines[i].split_once(": ").is_some_and(|(key, value)| {
                let key = key.trim_start().trim_start_matches("- ").trim_matches('"');
                let value = value.trim();
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
                    && !value.is_empty()
                    && !value.starts_with('#')
            })
        })
        .collect()
}

/// A `key: value` line (one of [`valued_lines`]) with `value` instead of its own. A JSON member
/// keeps the comma that separates it from the next.
fn with_value(line: &str, value: &str) -> String {
    let (key, old) = line.split_once(": ").unwrap_or((line, ""));
    let comma = if old.trim_end().ends_with(',') {
        ","
    } else {
        ""
    };
    format!("{key}: {value}{comma}")
}

/// Fails with the first few of `failures`, if there are any, out of `cases`.
fn none_failed(failures: &[String], cases: usize, what: &str) {
    assert!(
        failures.is_empty(),
        "{} of {cases} {what}; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `key: value` with its value in another form the YAML reader takes for the same field, if
/// it has one: `5` as `"5"`, `"5"` as `5`, `true` as `yes` and `false` as `no`.
fn restyle(line: &str) -> Option<String> {
    let (key, value) = line.split_once(": ")?;
    let (value, comment) = match value.split_once(" #") {
        Some((v, c)) => (v.trim_end(), format!(" #{c}")),
        None => (value.trim_end(), String::new()),
    };
    let digits = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
    let other = match value {
        "true" => "yes".to_owned(),
        "false" => "no".to_owned(),
        v if digits(v) => format!("\"{v}\""),
        v if v.len() > 2
            && v.starts_with('"')
            && v.ends_with('"')
            && digits(&v[1..v.len() - 1]) =>
        {
            v[1..v.len() - 1].to_owned()
        }
        _ => return None,
    };
    Some(format!("{key}: {other}{comment}"))
}
