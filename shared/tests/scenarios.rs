//! Scenario documents end to end: the shipped examples, a corpus of malformed documents with
//! their expected errors, accepted edge cases, serialization round trips and run-time overrides.
//!
//! Fixture layout (`shared/tests/fixtures/`):
//!
//! * `bad/NAME.yaml` starts with a comment block of directives:
//!   - `# expect: TEXT` (one or more): some reported error, rendered, contains TEXT. TEXT starts
//!     with the error's field path and `: `, unless the case has `no-path`.
//!   - `# at: LINE:COLUMN` (optional): where the first expected error points.
//!   - `# no-path: REASON` (optional): the error legitimately names no field.
//!   - `# gap: TEXT` (optional, ignored here): what a better message would say.
//!   - `# note: TEXT` (optional, ignored here): anything else worth saying about the case.
//! * Files that cannot carry comments (JSON, empty files) keep the same directives, without
//!   the `#`, in a sibling `NAME.EXT.expect` file.
//! * `good/*`: documents that must parse and validate; `X.yaml` and `X.json` twins must parse
//!   to the same scenario.

use std::collections::BTreeMap;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use shared::scenario::{
    Format, LoadProfile, Overrides, Scenario, ScenarioError, ScenarioErrors, ValidBody, ValidCheck,
    ValidRequest, ValidScenario, ValidStep, ValidationEnv, parse_scenario, validate,
};

// ---------------------------------------------------------------------------------------------
// Helpers

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples_dir() -> PathBuf {
    manifest_dir().join("../examples")
}

fn fixtures_dir(kind: &str) -> PathBuf {
    manifest_dir().join("tests/fixtures").join(kind)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Scenario documents in a directory (YAML or JSON by extension), sorted by name.
fn documents_in(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Parse, then validate with the default environment, with positions filled in — the same
/// pipeline the CLI runs.
fn parse_and_validate(source: &str, format: Format) -> Result<ValidScenario, ScenarioErrors> {
    let scenario = parse_scenario(source, format)?;
    validate(&scenario, &ValidationEnv::default()).map_err(|e| e.locate(source))
}

fn example(name: &str) -> (String, Scenario) {
    let path = examples_dir().join(name);
    let source = read(&path);
    let scenario = parse_scenario(&source, Format::from_path(&path))
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{e}"));
    (source, scenario)
}

fn valid(scenario: &Scenario, what: &str) -> ValidScenario {
    validate(scenario, &ValidationEnv::default())
        .unwrap_or_else(|e| panic!("{what} does not validate:\n{e}"))
}

fn requests(journey_steps: &[ValidStep]) -> impl Iterator<Item = &ValidRequest> {
    journey_steps.iter().filter_map(|s| match s {
        ValidStep::Request(r) => Some(r),
        ValidStep::Think(_) => None,
    })
}

fn all_requests(v: &ValidScenario) -> impl Iterator<Item = &ValidRequest> {
    v.journeys.iter().flat_map(|j| requests(&j.steps))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

fn close(observed: f64, want: f64, tolerance: f64) -> bool {
    (observed - want).abs() <= want.abs() * tolerance
}

/// Total length of a load profile.
fn total_duration(load: &LoadProfile) -> Duration {
    match load {
        LoadProfile::ConstantUsers { duration, .. }
        | LoadProfile::ConstantRate { duration, .. }
        | LoadProfile::Spike { duration, .. }
        | LoadProfile::Random { duration, .. } => duration.get(),
        LoadProfile::RampingUsers { stages, .. } | LoadProfile::RampingRate { stages, .. } => {
            stages.iter().map(|s| s.duration.get()).sum()
        }
    }
}

/// The most users a profile can have at once (closed model: users; open model: pool cap).
fn peak_users(load: &LoadProfile) -> f64 {
    match load {
        LoadProfile::ConstantUsers { users, .. } => f64::from(*users),
        LoadProfile::RampingUsers {
            start_users,
            stages,
        } => stages
            .iter()
            .map(|s| s.target)
            .fold(f64::from(*start_users), f64::max),
        LoadProfile::ConstantRate { max_users, .. }
        | LoadProfile::RampingRate { max_users, .. }
        | LoadProfile::Spike { max_users, .. }
        | LoadProfile::Random { max_users, .. } => f64::from(*max_users),
    }
}

/// The highest arrival rate of an open-model profile; `None` for closed-model ones.
fn peak_rate(load: &LoadProfile) -> Option<f64> {
    match load {
        LoadProfile::ConstantUsers { .. } | LoadProfile::RampingUsers { .. } => None,
        LoadProfile::ConstantRate { rate, .. } => Some(*rate),
        LoadProfile::RampingRate {
            start_rate, stages, ..
        } => Some(stages.iter().map(|s| s.target).fold(*start_rate, f64::max)),
        LoadProfile::Spike {
            base_rate,
            spike_rate,
            ..
        } => Some(base_rate.max(*spike_rate)),
        LoadProfile::Random { mean_rate, .. } => Some(*mean_rate),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Examples

/// Methods the built-in demo target (`stampede demo-target`) answers on a path, or `None` for
/// a path it does not serve. Mirrors `backend/src/demo_target/routes.rs`.
fn demo_target_methods(path: &str) -> Option<&'static [&'static str]> {
    const COLLECTIONS: [&str; 3] = ["/api/products", "/api/users", "/api/orders"];
    Some(match path {
        "/" | "/products" | "/health" => &["GET"],
        "/cart" => &["GET", "POST"],
        "/checkout" | "/graphql" => &["POST"],
        p if COLLECTIONS.contains(&p) => &["GET", "POST"],
        p => {
            let (collection, id) = p.rsplit_once('/')?;
            if !COLLECTIONS.contains(&collection)
                || id.is_empty()
                || !id.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            &["GET", "PUT", "PATCH", "DELETE"]
        }
    })
}

#[test]
fn every_example_parses_and_validates() {
    let paths = documents_in(&examples_dir());
    assert!(
        paths.len() >= 5,
        "expected at least 5 examples in {}, found {}: {paths:?}",
        examples_dir().display(),
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let name = file_name(path);
        let source = read(path);
        let v = match parse_and_validate(&source, Format::from_path(path)) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}:\n{e}"));
                continue;
            }
        };
        if v.source.target.is_none() {
            failures.push(format!("{name}: examples set `target` so they run as is"));
        }
        if v.thresholds.is_empty() {
            failures.push(format!("{name}: examples show at least one threshold"));
        }
        for r in all_requests(&v) {
            let tag = &v.request_names[r.id.0];
            if !r
                .checks
                .iter()
                .any(|(_, c)| matches!(c, ValidCheck::Status(_)))
            {
                failures.push(format!("{name}: request \"{tag}\" has no status check"));
            }
            // Examples run against the demo target: every request must hit a route it serves.
            let demo = (r.url.host_str(), r.url.port()) == (Some("127.0.0.1"), Some(8090));
            let method = r.method.as_str();
            match demo_target_methods(r.url.path()) {
                Some(methods) if demo && methods.contains(&method) => {}
                _ => failures.push(format!(
                    "{name}: request \"{tag}\" ({method} {}) is not served by the demo target",
                    r.url
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// web_app.yaml promises ≈1000 page views and ≈500 API calls per minute; recompute that from
/// its journeys, weights and rate so the comments cannot drift from the file.
#[test]
fn web_app_mix_is_1000_page_views_and_500_api_calls_per_minute() {
    let (_, scenario) = example("web_app.yaml");
    let v = valid(&scenario, "web_app.yaml");
    let LoadProfile::ConstantRate { rate, .. } = v.load() else {
        panic!(
            "web_app.yaml should use an open-model constant_rate load, not {:?}",
            v.load()
        );
    };
    let total_weight: f64 = v.journeys.iter().map(|j| f64::from(j.weight)).sum();
    assert!(total_weight > 0.0);
    let (mut page_views, mut api_calls) = (0.0, 0.0);
    for j in &v.journeys {
        let share = f64::from(j.weight) / total_weight;
        for r in requests(&j.steps) {
            if r.url.path().starts_with("/api/") {
                api_calls += share;
            } else {
                page_views += share;
                // Page views are HTML: the example checks their content, not just the status.
                let tag = &v.request_names[r.id.0];
                assert!(
                    r.checks
                        .iter()
                        .any(|(_, c)| matches!(c, ValidCheck::BodyContains(_))),
                    "page view \"{tag}\" in journey {} has no body_contains check",
                    j.name
                );
            }
        }
    }
    let per_minute = rate * 60.0;
    let (pv, api) = (page_views * per_minute, api_calls * per_minute);
    assert!(
        close(pv, 1000.0, 0.01),
        "page views per minute: {pv:.1} (want 1000 ± 1%)"
    );
    assert!(
        close(api, 500.0, 0.01),
        "API calls per minute: {api:.1} (want 500 ± 1%)"
    );
    assert!(
        v.journeys
            .iter()
            .any(|j| j.steps.iter().any(|s| matches!(s, ValidStep::Think(_)))),
        "web_app.yaml should show think times"
    );
    assert_eq!(total_duration(v.load()), Duration::from_secs(30));
}

/// api_load.yaml scopes a threshold to a named request, and its payload sizes are real.
#[test]
fn api_load_names_requests_and_sizes_payloads() {
    let (_, scenario) = example("api_load.yaml");
    let v = valid(&scenario, "api_load.yaml");
    assert!(
        matches!(v.load(), LoadProfile::RampingUsers { .. }),
        "api_load.yaml should use a closed-model ramp"
    );
    assert!(
        v.thresholds
            .iter()
            .any(|t| t.request.as_deref() == Some("POST /api/products (10KB)")),
        "a threshold should be scoped to \"POST /api/products (10KB)\""
    );
    let mut sizes: Vec<usize> = all_requests(&v)
        .filter_map(|r| match r.body {
            ValidBody::Payload(n) => Some(n),
            _ => None,
        })
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert_eq!(sizes, [1024, 10 * 1024, 100 * 1024]);
    let methods: std::collections::BTreeSet<&str> =
        all_requests(&v).map(|r| r.method.as_str()).collect();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "api_load.yaml should use {m}");
    }
    let graphql = all_requests(&v)
        .find(|r| r.url.path() == "/graphql")
        .expect("api_load.yaml has a GraphQL request");
    assert!(
        graphql.checks.iter().any(
            |(_, c)| matches!(c, ValidCheck::Json { pointer, .. } if pointer.starts_with("/data"))
        ),
        "the GraphQL request should check a JSON pointer under /data"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Malformed documents

#[derive(Debug, Default)]
struct Expectation {
    texts: Vec<String>,
    at: Option<(u64, u64)>,
    no_path: Option<String>,
}

fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".expect");
    PathBuf::from(name)
}

fn read_expectation(path: &Path, source: &str) -> Result<Expectation, String> {
    let side = sidecar(path);
    let directives: Vec<String> = if side.exists() {
        read(&side)
            .lines()
            .map(|l| l.trim_start_matches('#').trim().to_owned())
            .collect()
    } else {
        source
            .lines()
            .map_while(|l| l.strip_prefix('#'))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    let mut exp = Expectation::default();
    for d in directives.iter().filter(|d| !d.is_empty()) {
        let (key, value) = d
            .split_once(':')
            .ok_or_else(|| format!("unreadable directive {d:?}"))?;
        let value = value.trim();
        match key {
            "expect" if !value.is_empty() => exp.texts.push(value.to_owned()),
            "at" => {
                let (l, c) = value
                    .split_once(':')
                    .ok_or_else(|| format!("`at: {value}` is not LINE:COLUMN"))?;
                let num = |t: &str| {
                    t.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("`at: {value}` is not LINE:COLUMN"))
                };
                exp.at = Some((num(l)?, num(c)?));
            }
            "no-path" if !value.is_empty() => exp.no_path = Some(value.to_owned()),
            "gap" | "note" => {}
            _ => return Err(format!("unknown or empty directive {d:?}")),
        }
    }
    if exp.texts.is_empty() {
        return Err(format!(
            "no `expect:` directive (in a leading `# expect:` comment or in {})",
            file_name(&side)
        ));
    }
    Ok(exp)
}

/// Runs one malformed document; `Err` describes how it misbehaved.
fn check_bad_case(path: &Path) -> Result<usize, String> {
    let source = fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let exp = read_expectation(path, &source)?;
    let format = Format::from_path(path);
    let outcome = catch_unwind(AssertUnwindSafe(|| parse_and_validate(&source, format)));
    let errors = match outcome {
        Err(payload) => return Err(format!("panicked: {}", panic_message(payload.as_ref()))),
        Ok(Ok(_)) => return Err("was accepted, but it is malformed".to_owned()),
        Ok(Err(errors)) => errors,
    };
    let rendered = errors.to_string();
    if errors.0.is_empty() || rendered.trim().is_empty() {
        return Err("was rejected with no error message".to_owned());
    }
    for e in &errors.0 {
        if e.message.trim().is_empty() {
            return Err(format!("an error has an empty message: {e:?}"));
        }
        // Anything that is not blank has somewhere to point.
        if !source.trim().is_empty() && (e.line.is_none() || e.column.is_none()) {
            return Err(format!("error has no position: {e}"));
        }
    }
    for (i, text) in exp.texts.iter().enumerate() {
        let found: Option<&ScenarioError> = errors
            .0
            .iter()
            .find(|e| e.to_string().contains(text.as_str()));
        let Some(e) = found else {
            return Err(format!(
                "expected an error containing\n    {text}\n  got\n    {rendered}"
            ));
        };
        if exp.no_path.is_none() {
            if e.path.is_empty() || e.path.contains('?') {
                return Err(format!(
                    "error names no usable field path (path {:?}): {e}",
                    e.path
                ));
            }
            if !e.to_string().starts_with(&format!("{}: ", e.path)) {
                return Err(format!("error does not start with its field path: {e}"));
            }
            if !text.starts_with(&format!("{}: ", e.path)) {
                return Err(format!(
                    "expectation {text:?} should start with the field path \"{}: \"",
                    e.path
                ));
            }
        }
        if i == 0
            && let Some((line, column)) = exp.at
        {
            if (e.line, e.column) != (Some(line), Some(column)) {
                return Err(format!(
                    "expected the error at {line}:{column}, got {:?}:{:?}: {e}",
                    e.line, e.column
                ));
            }
            let suffix = format!(" at line {line}, column {column}");
            if !e.to_string().ends_with(&suffix) {
                return Err(format!("rendered error lacks {suffix:?}: {e}"));
            }
        }
    }
    Ok(errors.0.len())
}

#[test]
fn malformed_scenarios_are_rejected_with_the_expected_error() {
    let dir = fixtures_dir("bad");
    let cases = documents_in(&dir);
    // Every sidecar belongs to a case, so a renamed case cannot silently lose its expectation.
    for entry in fs::read_dir(&dir).expect("fixtures/bad is readable") {
        let path = entry.expect("directory entry").path();
        if let Some(case) = path.to_str().and_then(|p| p.strip_suffix(".expect")) {
            assert!(
                Path::new(case).is_file(),
                "{} has no case file",
                path.display()
            );
        }
    }
    assert!(
        cases.len() >= 25,
        "expected at least 25 malformed scenarios, found {}",
        cases.len()
    );
    assert!(
        cases
            .iter()
            .filter(|p| Format::from_path(p) == Format::Json)
            .count()
            >= 3,
        "the corpus should include JSON documents"
    );
    let mut failures = Vec::new();
    let mut multi_error_cases = 0;
    for path in &cases {
        match check_bad_case(path) {
            Ok(n) => multi_error_cases += usize::from(n > 1),
            Err(why) => failures.push(format!("{}: {why}", file_name(path))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed scenarios misbehaved:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    // Validation reports every problem, not just the first.
    assert!(
        multi_error_cases >= 1,
        "no case reported more than one error"
    );
}

// ---------------------------------------------------------------------------------------------
// Accepted edge cases

#[test]
fn edge_case_documents_are_accepted_and_formats_agree() {
    let paths = documents_in(&fixtures_dir("good"));
    assert!(paths.len() >= 4, "found only {paths:?}");
    let mut parsed: BTreeMap<String, Vec<(PathBuf, Scenario)>> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &paths {
        let source = read(path);
        let format = Format::from_path(path);
        let outcome = catch_unwind(|| {
            let scenario = parse_scenario(&source, format)?;
            validate(&scenario, &ValidationEnv::default()).map_err(|e| e.locate(&source))?;
            Ok::<_, ScenarioErrors>(scenario)
        });
        match outcome {
            Err(payload) => failures.push(format!(
                "{}: panicked: {}",
                file_name(path),
                panic_message(payload.as_ref())
            )),
            Ok(Err(e)) => failures.push(format!("{}:\n{e}", file_name(path))),
            Ok(Ok(scenario)) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                parsed
                    .entry(stem)
                    .or_default()
                    .push((path.clone(), scenario));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut twins = 0;
    for docs in parsed.values().filter(|d| d.len() > 1) {
        twins += 1;
        let (first_path, first) = &docs[0];
        for (path, scenario) in &docs[1..] {
            assert_eq!(
                first,
                scenario,
                "{} and {} should describe the same scenario",
                file_name(first_path),
                file_name(path)
            );
        }
    }
    assert!(twins >= 2, "expected YAML/JSON twins in fixtures/good");
}

#[test]
fn target_prefix_and_cloud_api_url_fallback() {
    // A target with a path keeps it: request paths are appended, not RFC-joined.
    let source = read(&fixtures_dir("good").join("staged_profiles.yaml"));
    let v = parse_and_validate(&source, Format::Yaml).expect("staged_profiles.yaml is valid");
    let urls: Vec<String> = all_requests(&v).map(|r| r.url.to_string()).collect();
    assert_eq!(urls, ["http://127.0.0.1:8090/shop/products"]);

    let doc = "name: t\njourneys: [{ name: j, steps: [{ request: { path: /api/x } }] }]\nload: { type: constant_users, users: 1, duration: 1s }\n";
    let scenario = parse_scenario(doc, Format::Yaml).expect("parses");
    let err = validate(&scenario, &ValidationEnv::default()).expect_err("no target anywhere");
    assert!(
        err.to_string().contains(
            "journeys[0].steps[0].request.path: \"/api/x\" is relative but there is no target"
        ),
        "{err}"
    );
    let env = ValidationEnv {
        cloud_api_url: Some("http://10.1.2.3:8080/base/".to_owned()),
    };
    let v = validate(&scenario, &env).expect("CLOUD_API_URL is the fallback target");
    let urls: Vec<String> = all_requests(&v).map(|r| r.url.to_string()).collect();
    assert_eq!(urls, ["http://10.1.2.3:8080/base/api/x"]);
    assert_eq!(
        v.source.target.as_deref(),
        Some("http://10.1.2.3:8080/base/"),
        "the document as run records the target it ran against"
    );

    let bad_env = ValidationEnv {
        cloud_api_url: Some("ftp://10.1.2.3".to_owned()),
    };
    let err = validate(&scenario, &bad_env).expect_err("CLOUD_API_URL must be http(s)");
    assert!(
        err.to_string()
            .contains("CLOUD_API_URL: \"ftp://10.1.2.3\" must be an http:// or https:// URL"),
        "{err}"
    );

    // The document's own target wins over CLOUD_API_URL.
    let (_, web) = example("web_app.yaml");
    let v = validate(&web, &env).expect("valid");
    assert!(all_requests(&v).all(|r| r.url.as_str().starts_with("http://127.0.0.1:8090/")));
    assert_eq!(v.source.target, web.target);
}

// ---------------------------------------------------------------------------------------------
// 3. Round trips

#[test]
fn web_app_round_trips_through_json() {
    let (_, scenario) = example("web_app.yaml");
    let json = serde_json::to_string_pretty(&scenario).expect("a scenario serializes to JSON");
    let back = parse_scenario(&json, Format::Json)
        .unwrap_or_else(|e| panic!("serialized web_app.yaml does not parse back:\n{e}\n{json}"));
    assert_eq!(back, scenario);
}

#[test]
fn every_example_round_trips_through_json_and_yaml() {
    for path in documents_in(&examples_dir()) {
        let name = file_name(&path);
        let (_, scenario) = example(&name);
        let json = serde_json::to_string(&scenario).expect("serializes to JSON");
        let from_json = parse_scenario(&json, Format::Json)
            .unwrap_or_else(|e| panic!("{name} as JSON does not parse back:\n{e}\n{json}"));
        assert_eq!(from_json, scenario, "{name} via JSON");
        let yaml = serde_saphyr::to_string(&scenario).expect("serializes to YAML");
        let from_yaml = parse_scenario(&yaml, Format::Yaml)
            .unwrap_or_else(|e| panic!("{name} as YAML does not parse back:\n{e}\n{yaml}"));
        assert_eq!(from_yaml, scenario, "{name} via YAML");
        // And the validated forms agree too (URLs, request names, thresholds...).
        assert_eq!(
            valid(&from_json, &name),
            valid(&scenario, &name),
            "{name} validates differently after a round trip"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Overrides

#[test]
fn overrides_apply_to_every_example() {
    for path in documents_in(&examples_dir()) {
        let name = file_name(&path);
        let (_, mut scenario) = example(&name);
        let open_model = peak_rate(&scenario.load).is_some();
        let overrides = Overrides {
            duration: Some(Duration::from_secs(5)),
            users: Some(7),
            rate: open_model.then_some(3.0),
            max_users_cap: Some(5),
            target: Some("http://localhost:9999".to_owned()),
        };
        scenario
            .apply_overrides(&overrides)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // A spike comes at the end of its period: a run shorter than the period has none, and
        // is refused at the period rather than run without its spike.
        if let LoadProfile::Spike { period, .. } = &scenario.load
            && period.get() > Duration::from_secs(5)
        {
            let errs = validate(&scenario, &ValidationEnv::default())
                .expect_err("a spike run shorter than its period");
            assert!(
                errs.0
                    .iter()
                    .any(|e| e.path == "load.period" && e.message.starts_with("no spike fits")),
                "{name}: {errs}"
            );
            continue;
        }
        let v = valid(&scenario, &format!("{name} with overrides"));
        let load = v.load();
        let total = total_duration(load);
        assert!(
            total.abs_diff(Duration::from_secs(5)) < Duration::from_millis(1),
            "{name}: duration {total:?} after --duration 5s"
        );
        // The cap is hard: it wins over --users.
        assert!(
            peak_users(load) <= 5.0,
            "{name}: {load:?} exceeds MAX_CONCURRENT_USERS=5"
        );
        if let Some(rate) = peak_rate(load) {
            assert!(
                close(rate, 3.0, 1e-9),
                "{name}: peak rate {rate} after --rate 3"
            );
        }
        for r in all_requests(&v) {
            assert!(
                r.url.as_str().starts_with("http://localhost:9999/"),
                "{name}: {} ignores --target",
                r.url
            );
        }
    }
}

#[test]
fn rate_override_on_a_closed_model_example_is_refused() {
    for name in ["api_load.yaml", "constant_users.yaml"] {
        let (_, mut scenario) = example(name);
        assert!(
            peak_rate(&scenario.load).is_none(),
            "{name} is closed-model"
        );
        let before = scenario.clone();
        let err = scenario
            .apply_overrides(&Overrides {
                rate: Some(10.0),
                ..Overrides::default()
            })
            .expect_err("--rate on a closed-model profile");
        assert_eq!(err.path, "--rate", "{err}");
        assert!(err.message.contains("closed-model"), "{err}");
        assert!(err.message.contains("--users"), "{err}");
        assert!(
            err.to_string().starts_with("--rate: "),
            "the error names the option: {err}"
        );
        assert_eq!(
            scenario.load, before.load,
            "{name}: load changed despite the error"
        );
    }
}

#[test]
fn overrides_scale_each_profile() {
    let secs = |s: f64| Duration::from_secs_f64(s);
    let stages = |load: &LoadProfile| -> Vec<(Duration, f64)> {
        match load {
            LoadProfile::RampingUsers { stages, .. } | LoadProfile::RampingRate { stages, .. } => {
                stages
                    .iter()
                    .map(|s| (s.duration.get(), s.target))
                    .collect()
            }
            other => panic!("not a staged profile: {other:?}"),
        }
    };

    // Closed ramp: 10s/20s/5s → doubled to 70s; peak 20 users → 40.
    let (_, mut s) = example("api_load.yaml");
    s.apply_overrides(&Overrides {
        duration: Some(secs(70.0)),
        users: Some(40),
        ..Overrides::default()
    })
    .expect("fits");
    assert_eq!(
        stages(&s.load),
        [(secs(20.0), 40.0), (secs(40.0), 40.0), (secs(10.0), 0.0)]
    );
    valid(&s, "api_load.yaml --duration 70s --users 40");

    // Open ramp: start 1/s, peak 20/s → peak 40/s, start scaled alike.
    let (_, mut s) = example("ramping_rate.yaml");
    s.apply_overrides(&Overrides {
        rate: Some(40.0),
        users: Some(250),
        ..Overrides::default()
    })
    .expect("fits");
    let LoadProfile::RampingRate {
        start_rate,
        max_users,
        ..
    } = &s.load
    else {
        panic!("profile kept: {:?}", s.load)
    };
    assert_eq!((*start_rate, *max_users), (2.0, 250));
    assert_eq!(
        stages(&s.load).iter().map(|s| s.1).collect::<Vec<_>>(),
        [40.0, 40.0, 0.0]
    );

    // Spike: peak (spike_rate 50) → 100, base 5 → 10; spike timing untouched.
    let (_, mut s) = example("spike.yaml");
    s.apply_overrides(&Overrides {
        rate: Some(100.0),
        duration: Some(secs(120.0)),
        ..Overrides::default()
    })
    .expect("fits");
    let LoadProfile::Spike {
        base_rate,
        spike_rate,
        spike_duration,
        period,
        duration,
        ..
    } = &s.load
    else {
        panic!("profile kept: {:?}", s.load)
    };
    assert_eq!((*base_rate, *spike_rate), (10.0, 100.0));
    assert_eq!(
        (spike_duration.get(), period.get(), duration.get()),
        (secs(5.0), secs(20.0), secs(120.0))
    );

    // Random: the mean and its bounds move together.
    let (_, mut s) = example("random_arrivals.yaml");
    s.apply_overrides(&Overrides {
        rate: Some(20.0),
        ..Overrides::default()
    })
    .expect("fits");
    let LoadProfile::Random {
        mean_rate,
        min_rate,
        max_rate,
        ..
    } = &s.load
    else {
        panic!("profile kept: {:?}", s.load)
    };
    assert_eq!(
        (*mean_rate, *min_rate, *max_rate),
        (20.0, Some(10.0), Some(40.0))
    );
    valid(&s, "random_arrivals.yaml --rate 20");
}

#[test]
fn overrides_that_break_a_scenario_are_reported_like_document_errors() {
    let expect_invalid = |name: &str, o: Overrides, want: &str| {
        let (_, mut s) = example(name);
        s.apply_overrides(&o).expect("the override itself applies");
        let err = validate(&s, &ValidationEnv::default())
            .expect_err("the overridden scenario is invalid");
        assert!(err.to_string().contains(want), "{name} {o:?}:\n{err}");
    };
    expect_invalid(
        "web_app.yaml",
        Overrides {
            target: Some("not a url".to_owned()),
            ..Overrides::default()
        },
        "target: \"not a url\" is not a valid URL",
    );
    expect_invalid(
        "web_app.yaml",
        Overrides {
            rate: Some(0.0),
            ..Overrides::default()
        },
        "load.rate: rate 0 must be a number above 0",
    );
    expect_invalid(
        "constant_users.yaml",
        Overrides {
            users: Some(0),
            ..Overrides::default()
        },
        "load.users: must be at least 1",
    );
    expect_invalid(
        "spike.yaml",
        Overrides {
            max_users_cap: Some(0),
            ..Overrides::default()
        },
        "load.max_users: must be at least 1",
    );

    let (_, mut s) = example("web_app.yaml");
    let err = s
        .apply_overrides(&Overrides {
            duration: Some(Duration::ZERO),
            ..Overrides::default()
        })
        .expect_err("--duration 0s");
    assert_eq!(err.to_string(), "--duration: must be longer than 0s");
}

#[test]
fn the_same_check_on_a_request_of_the_same_name_is_one_result() {
    let source = r#"
name: checks
target: http://127.0.0.1:8090
journeys:
  - name: browse
    steps:
      - request: { path: /products, checks: [ { status: [200] }, { status: [200] } ] }
  - name: buy
    steps:
      - request: { path: /products, checks: [ { status: [200] }, { body_contains: ok } ] }
      - request: { path: /orders, checks: [ { status: [200] } ] }
load: { type: constant_users, users: 1, duration: 1s }
"#;
    let v = parse_and_validate(source, Format::Yaml).expect("valid");
    let names: Vec<String> = v
        .checks
        .iter()
        .map(|(id, what)| format!("{} {what}", v.request_names[id.0]))
        .collect();
    // Twice on one step stays two; the second journey's same check joins the first row.
    assert_eq!(
        names,
        [
            "GET /products status in [200]",
            "GET /products status in [200]",
            "GET /products body contains \"ok\"",
            "GET /orders status in [200]",
        ],
    );
    let indices: Vec<Vec<usize>> = all_requests(&v)
        .map(|r| r.checks.iter().map(|(i, _)| *i).collect())
        .collect();
    assert_eq!(indices, [vec![0, 1], vec![0, 2], vec![3]]);
}

#[test]
fn variables_are_substituted_in_paths_headers_bodies_and_checks() {
    let source = r#"
name: vars
target: http://127.0.0.1:8090
headers: { x-run: "run-${run}" }
variables: { run: r1, id: "42", quote: 'say "hi"' }
journeys:
  - name: j
    steps:
      - request:
          method: POST
          path: /api/items/${id}
          body: { text: "id=${id}" }
      - request:
          method: POST
          path: /api/orders
          body:
            json:
              user: "${id}"
              note: ${quote}
              count: 3
              items: [{ sku: "sku-${id}", tags: ["${run}", plain] }]
              "${run}": key
          checks:
            - body_contains: "order ${id}"
            - header_present: x-${run}
            - json: { pointer: "/items/${id}", equals: { id: "${id}", n: 3, "${run}": ["${quote}"] } }
            - status: [201]
load: { type: constant_users, users: 1, duration: 1s }
"#;
    let v = parse_and_validate(source, Format::Yaml).expect("valid");
    let reqs: Vec<&ValidRequest> = all_requests(&v).collect();
    assert_eq!(reqs[0].url.as_str(), "http://127.0.0.1:8090/api/items/42");
    assert!(
        reqs[0]
            .headers
            .contains(&("x-run".to_owned(), "run-r1".to_owned()))
    );
    assert_eq!(reqs[0].body, ValidBody::Text("id=42".to_owned()));
    // In a JSON body: every string, keys too; a value stays a string and is escaped as one.
    let ValidBody::Json(json) = &reqs[1].body else {
        panic!("a JSON body: {:?}", reqs[1].body);
    };
    let sent: serde_json::Value = serde_json::from_str(json).expect("the body is JSON");
    assert_eq!(
        sent,
        serde_json::json!({
            "user": "42",
            "note": "say \"hi\"",
            "count": 3,
            "items": [{ "sku": "sku-42", "tags": ["r1", "plain"] }],
            "r1": "key",
        })
    );
    // In checks: their text, a pointer, and the strings of an expected value (keys too).
    let checks: Vec<&ValidCheck> = reqs[1].checks.iter().map(|(_, c)| c).collect();
    assert_eq!(
        checks,
        [
            &ValidCheck::BodyContains("order 42".to_owned()),
            &ValidCheck::HeaderPresent("x-r1".to_owned()),
            &ValidCheck::Json {
                pointer: "/items/42".to_owned(),
                equals: serde_json::json!({ "id": "42", "n": 3, "r1": ["say \"hi\""] }),
            },
            &ValidCheck::Status(vec![201]),
        ]
    );
}

#[test]
fn an_unknown_variable_is_one_error() {
    // Not also the empty path or header name, or the pointer without its `/`, that it leaves;
    // and a check's pointer and expected value are both read.
    let source = r#"
name: vars
target: http://127.0.0.1:8090
variables: { id: "1" }
journeys:
  - name: j
    steps:
      - request:
          path: "${nope}"
          checks:
            - header_present: "${nope}"
            - json: { pointer: "x${nope}", equals: { id: "${nope}" } }
            - body_contains: "${nope}"
load: { type: constant_users, users: 1, duration: 1s }
"#;
    let errs = parse_and_validate(source, Format::Yaml).expect_err("unknown variables");
    let paths: Vec<(&str, &str)> = errs
        .0
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    let unknown = "unknown variable \"nope\" (define it under `variables`)";
    let at = "journeys[0].steps[0].request.checks";
    assert_eq!(
        paths,
        [
            ("journeys[0].steps[0].request.path", unknown),
            (format!("{at}[0].header_present").as_str(), unknown),
            (format!("{at}[1].json.pointer").as_str(), unknown),
            (format!("{at}[1].json.equals.id").as_str(), unknown),
            (format!("{at}[2].body_contains").as_str(), unknown),
        ]
    );
}

/// A scenario of `steps` requests, each `step` (a YAML flow mapping), with `head` (top-level
/// fields such as `variables` and `headers`) before its journeys.
fn many_steps(head: &str, step: &str, steps: usize) -> String {
    let mut doc = format!(
        "name: big\ntarget: http://127.0.0.1:8090\n{head}\njourneys:\n  - name: j\n    steps:\n"
    );
    for _ in 0..steps {
        doc.push_str(&format!("      - request: {step}\n"));
    }
    doc.push_str("load: { type: constant_users, users: 1, duration: 1s }\n");
    doc
}

/// The problems of a document that must not validate, as `(path, message)`.
fn problems_of(source: &str) -> Vec<(String, String)> {
    // Not `expect_err`: a scenario accepted by mistake would print its megabytes.
    let Err(errs) = parse_and_validate(source, Format::Yaml) else {
        panic!("the document was accepted");
    };
    errs.0.into_iter().map(|e| (e.path, e.message)).collect()
}

#[test]
fn requests_that_outgrow_the_memory_of_a_run_are_one_problem_where_they_do() {
    // A run keeps every request's text in memory: a small file must not ask for more than a
    // machine has, through a variable used again and again or a header sent with every request
    // (here 1 MiB each time; 64 MiB in all is the most).
    let mib = "x".repeat(1 << 20);
    let too_much = "the scenario's requests come to more than 64MB of text here";
    let cases = [
        (
            format!("variables: {{ big: {mib} }}"),
            r#"{ path: /, headers: { x-big: "${big}" } }"#.to_owned(),
            "journeys[0].steps[63].request.headers.x-big",
        ),
        (
            format!("headers: {{ x-big: {mib} }}"),
            "{ path: / }".to_owned(),
            // The header itself is text too, once.
            "journeys[0].steps[62].request",
        ),
        (
            format!("variables: {{ big: {mib} }}"),
            r#"{ path: "/${big}" }"#.to_owned(),
            "journeys[0].steps[63].request.path",
        ),
        (
            format!("variables: {{ big: {mib} }}"),
            r#"{ method: POST, path: /, body: { json: { "${big}": 1 } } }"#.to_owned(),
            "journeys[0].steps[63].request.body.json.${big}",
        ),
    ];
    for (head, step, at) in cases {
        let problems = problems_of(&many_steps(&head, &step, 80));
        assert_eq!(problems.len(), 1, "{step}: {problems:?}");
        assert_eq!(problems[0].0, at, "{step}");
        assert!(problems[0].1.starts_with(too_much), "{}", problems[0].1);
        // Up to the limit, it is fine.
        assert!(
            parse_and_validate(&many_steps(&head, &step, 60), Format::Yaml).is_ok(),
            "{step}"
        );
    }
    // One text that would be enormous is refused before it is built: 100,000 uses of a 1 MiB
    // variable would be 100 GiB.
    let body = "${big}".repeat(100_000);
    let problems = problems_of(&many_steps(
        &format!("variables: {{ big: {mib} }}"),
        &format!("{{ method: POST, path: /, body: {{ text: \"{body}\" }} }}"),
        1,
    ));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "journeys[0].steps[0].request.body.text");
    assert!(problems[0].1.starts_with(too_much), "{}", problems[0].1);
}

#[test]
fn generated_payloads_come_to_at_most_1_gib_in_all() {
    let step = "{ method: POST, path: /, body: { payload: 600MB } }";
    let problems = problems_of(&many_steps("", step, 3));
    assert_eq!(
        problems,
        [(
            "journeys[0].steps[1].request.body.payload".to_owned(),
            "the scenario's generated payloads come to more than 1GB in all here: each \
             request keeps its own in memory for the whole run"
                .to_owned()
        )]
    );
    assert!(
        parse_and_validate(
            &many_steps("", "{ method: POST, path: /, body: { payload: 500MB } }", 2),
            Format::Yaml
        )
        .is_ok()
    );
}

#[test]
fn a_header_name_longer_than_the_http_client_takes_is_refused_at_its_field() {
    // It passed validation, then the run could not start ("could not prepare a request",
    // exit 3) instead of the file being refused (exit 2) with the field named.
    let long = "a".repeat(70_000);
    let doc = serde_json::json!({
        "name": "long",
        "target": "http://127.0.0.1:8090",
        "journeys": [{ "name": "j", "steps": [{ "request": {
            "path": "/", "headers": { long.as_str(): "v" } } }] }],
        "load": { "type": "constant_users", "users": 1, "duration": "1s" },
    });
    let Err(errs) = parse_and_validate(&doc.to_string(), Format::Json) else {
        panic!("the document was accepted");
    };
    let problems: Vec<(&str, &str)> = errs
        .0
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    let at = format!("journeys[0].steps[0].request.headers.{long}");
    assert_eq!(
        problems,
        [(
            at.as_str(),
            "a header name is at most 65535 characters long (this one has 70000)"
        )]
    );
    // The longest one the client takes is fine.
    let longest = "a".repeat(65_535);
    let doc = doc.to_string().replace(&long, &longest);
    assert!(parse_and_validate(&doc, Format::Json).is_ok());
}
