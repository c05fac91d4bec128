//! Server configuration: `stampede serve` flags, the brief's environment variables, and the
//! optional `test_config.json` (per-scenario defaults, monitoring interval, alert limits).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use shared::scenario::{MIN_LOAD_DURATION, check_rate, check_users};

/// Flags of `stampede serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address for the UI, REST API and live feed.
    #[arg(
        long,
        env = "STAMPEDE_BIND",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub bind: SocketAddr,

    /// Where the run history (SQLite) lives.
    #[arg(
        long,
        env = "STAMPEDE_DATA_DIR",
        default_value = "data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// Do not start the built-in demo target.
    #[arg(long)]
    pub no_demo_target: bool,

    /// Address of the built-in demo target.
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    pub demo_bind: SocketAddr,

    /// A test_config.json with per-scenario defaults, the monitoring interval and alert limits.
    #[arg(long, env = "STAMPEDE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Time between metric snapshots (a bare number is seconds; 100ms to 1h).
    #[arg(long, env = "METRICS_COLLECTION_INTERVAL", value_name = "DURATION", value_parser = crate::cli::parse_interval)]
    pub interval: Option<Duration>,

    /// Default load duration for test-type endpoints that are not given one (a bare number is seconds).
    #[arg(long, env = "LOAD_TEST_DURATION", value_name = "DURATION", value_parser = crate::cli::parse_env_duration)]
    pub default_duration: Option<Duration>,

    /// Hard cap on concurrent users for every run.
    #[arg(long, env = "MAX_CONCURRENT_USERS", value_name = "N", value_parser = crate::cli::parse_max_users)]
    pub max_users: Option<u32>,

    /// Serve the web UI from this directory (a `trunk build` output) instead of the copy built
    /// into the binary.
    #[arg(long, env = "STAMPEDE_UI_DIR", value_name = "DIR")]
    pub ui_dir: Option<PathBuf>,

    /// An origin allowed to embed the panel in an iframe and call the API from the browser
    /// (e.g. https://dashboard.example.com). Repeat for several.
    #[arg(long = "embed-origin", env = "STAMPEDE_EMBED_ORIGINS", value_delimiter = ',', value_name = "ORIGIN", value_parser = parse_origin)]
    pub embed_origins: Vec<String>,

    /// Keep only the newest N runs: older ended runs (with their intervals and alerts) are
    /// deleted at start-up and whenever a run ends. Without it, every run is kept.
    #[arg(long, env = "STAMPEDE_KEEP_RUNS", value_name = "N", value_parser = parse_keep_runs)]
    pub keep_runs: Option<NonZeroUsize>,

    /// Generate reports (REPORT_GENERATION_ENABLED=false turns the report endpoints off).
    #[arg(long, env = "REPORT_GENERATION_ENABLED", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub reports: bool,
}

fn parse_keep_runs(text: &str) -> Result<NonZeroUsize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number of runs to keep (1 or more)"))
}

/// An origin is `scheme://host[:port]`, nothing more: it goes into a CSP header and a CORS list.
/// The same origin must be read alike by both, so what a browser could not send as an `Origin`
/// is refused rather than changed: a user name or a fragment (dropped, they left an origin that
/// was not the one written), a wildcard (CSP reads `https://*.example.com` as every subdomain,
/// CORS as no origin at all: the dashboard framed the panel but its calls to the API failed),
/// and a host with other characters than a DNS name's (a `;` ended the CSP directive).
fn parse_origin(text: &str) -> Result<String, String> {
    let url =
        url::Url::parse(text.trim()).map_err(|e| format!("\"{text}\" is not an origin: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("\"{text}\" is not an http(s) origin"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "\"{text}\" has a path, query or fragment; an origin is scheme://host[:port]"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "\"{text}\" has a user name; an origin is scheme://host[:port]"
        ));
    }
    if let Some(url::Host::Domain(domain)) = url.host() {
        if domain.contains('*') {
            return Err(format!(
                "\"{text}\" has a wildcard; name each origin (repeat --embed-origin, or separate \
                 them with commas)"
            ));
        }
        let dns = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
        if !domain.chars().all(dns) {
            return Err(format!(
                "\"{text}\" is not an origin: its host is not a DNS name or an IP address"
            ));
        }
    }
    Ok(url.origin().ascii_serialization())
}

/// The brief's `test_config.json`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestConfig {
    /// Per-scenario defaults by scenario (or preset) name.
    #[serde(default)]
    pub test_scenarios: BTreeMap<String, ScenarioDefaults>,
    /// Live monitoring.
    #[serde(default)]
    pub monitoring: Monitoring,
    /// Alert limits on live intervals.
    #[serde(default)]
    pub alerts: AlertLimits,
}

/// Defaults applied to a scenario of that name when a run does not override them. Each value
/// is checked as the file is read, so a mistake stops the server at start-up rather than being
/// ignored or found when a run starts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDefaults {
    /// Duration (seconds in the file): at least the shortest load, at most a week.
    #[serde(default, deserialize_with = "load_seconds")]
    pub duration: Option<Duration>,
    /// Users (closed model) or pool cap (open model): 1 to [`shared::scenario::MAX_USERS`].
    #[serde(default, deserialize_with = "user_count")]
    pub users: Option<u32>,
    /// Arrival rate (open model), journey starts per second: above 0, at most
    /// [`shared::scenario::MAX_RATE`].
    #[serde(default, deserialize_with = "arrival_rate")]
    pub rate: Option<f64>,
}

/// The longest `test_scenarios.*.duration`, as for `LOAD_TEST_DURATION`.
const MAX_DEFAULT_DURATION: Duration = Duration::from_secs(7 * 86_400);

fn load_seconds<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Duration>, D::Error> {
    let Some(secs) = Option::<f64>::deserialize(de)? else {
        return Ok(None);
    };
    let (min, max) = (
        MIN_LOAD_DURATION.as_secs_f64(),
        MAX_DEFAULT_DURATION.as_secs_f64(),
    );
    if !(secs.is_finite() && secs > 0.0) {
        Err(D::Error::custom(format!(
            "must be positive (seconds), not {secs}"
        )))
    } else if secs < min {
        Err(D::Error::custom(format!(
            "{secs} s is too short: a load lasts at least {min} s"
        )))
    } else if secs > max {
        Err(D::Error::custom(format!(
            "{secs} s is too long: at most a week ({max} s)"
        )))
    } else {
        Ok(Some(Duration::from_secs_f64(secs)))
    }
}

fn user_count<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u32>, D::Error> {
    Option::<u32>::deserialize(de)?
        .map(check_users)
        .transpose()
        .map_err(D::Error::custom)
}

fn arrival_rate<'de, D: Deserializer<'de>>(de: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(de)?
        .map(|r| check_rate(r, false))
        .transpose()
        .map_err(D::Error::custom)
}

/// Monitoring settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Snapshot interval, seconds.
    #[serde(default)]
    pub interval: Option<f64>,
}

/// Alert limits: an interval that goes above either, after one that was not, fires an alert.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertLimits {
    /// Interval p95 latency limit, ms.
    #[serde(default = "default_response_time")]
    pub response_time: f64,
    /// Interval error-rate limit, as a fraction (0.05 = 5%).
    #[serde(default = "default_error_rate")]
    pub error_rate: f64,
}

fn default_response_time() -> f64 {
    500.0
}
fn default_error_rate() -> f64 {
    0.05
}

impl Default for AlertLimits {
    fn default() -> Self {
        Self {
            response_time: default_response_time(),
            error_rate: default_error_rate(),
        }
    }
}

impl TestConfig {
    /// Reads and checks a config file. Errors name the file, the JSON path and the problem:
    /// `test_config.json: test_scenarios.checkout.duration: must be positive (seconds), not -5`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = crate::files::read_text(path, crate::files::Limit::CONFIG)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Reads and checks the text of a config file; errors name `path` as [`Self::load`]'s do.
    fn parse(text: &str, path: &Path) -> Result<Self, String> {
        let problem = |at: &str, message: &dyn std::fmt::Display| {
            // serde_path_to_error's `?` stands for a key not read yet (`alerts.?`).
            let at = shared::scenario::clean_path(at);
            if at.is_empty() {
                format!("{}: {message}", path.display())
            } else {
                format!("{}: {at}: {message}", path.display())
            }
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let strict = shared::strict::Strict::new(&mut de);
        let cfg: TestConfig = serde_path_to_error::deserialize(strict).map_err(|e| {
            // The path says where (not serde_json's position), and people read "a whole number"
            // (not `u32`).
            let message = shared::scenario::serde_json_message(e.inner());
            let mut message = shared::scenario::humanize(message, shared::scenario::Format::Json);
            // Text that is not JSON has no path to name (or only the field before the
            // mistake): where it is, is the position.
            if text.trim().is_empty() {
                message = "the file is empty; it should be a JSON object ({ … })".to_owned();
            } else if e.inner().is_syntax() || e.inner().is_eof() {
                let (line, column) =
                    shared::scenario::serde_json_position(text.as_bytes(), e.inner());
                message = format!("{message} at line {line} column {column}");
            }
            problem(&e.path().to_string(), &message)
        })?;
        de.end().map_err(|e| {
            let (line, column) = shared::scenario::serde_json_position(text.as_bytes(), &e);
            let message = shared::scenario::serde_json_message(&e);
            problem("", &format!("{message} at line {line} column {column}"))
        })?;
        cfg.check().map_err(|(at, message)| problem(at, &message))?;
        Ok(cfg)
    }

    /// Ranges serde cannot express; `Err` holds the JSON path and the problem.
    fn check(&self) -> Result<(), (&'static str, String)> {
        let (min, max) = (
            crate::cli::MIN_INTERVAL.as_secs_f64(),
            crate::cli::MAX_INTERVAL.as_secs_f64(),
        );
        if let Some(i) = self.monitoring.interval
            && !(i.is_finite() && i >= min && i <= max)
        {
            return Err((
                "monitoring.interval",
                format!("must be between {min} and {max} seconds"),
            ));
        }
        let error_rate = self.alerts.error_rate;
        if !(error_rate.is_finite() && (0.0..=1.0).contains(&error_rate)) {
            return Err((
                "alerts.error_rate",
                "must be a fraction between 0 and 1".to_owned(),
            ));
        }
        let response_time = self.alerts.response_time;
        if !(response_time.is_finite() && response_time > 0.0) {
            return Err((
                "alerts.response_time",
                "must be a positive number of ms".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Everything the server needs to know, resolved once at start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Snapshot interval.
    pub interval: Duration,
    /// Default duration for the test-type endpoints.
    pub default_duration: Duration,
    /// Hard cap on users.
    pub max_users: Option<u32>,
    /// Report endpoints on.
    pub reports: bool,
    /// `CLOUD_API_URL`.
    pub cloud_api_url: Option<String>,
    /// URL of the in-process demo target, when one runs: the default target of presets.
    pub demo_target_url: Option<String>,
    /// test_config.json contents.
    pub test_config: TestConfig,
    /// Origins allowed to frame the panel and call the API (CSP frame-ancestors, CORS).
    pub embed_origins: Vec<String>,
    /// Keep only this many runs (the newest); `None` keeps all.
    pub keep_runs: Option<NonZeroUsize>,
    /// How long to wait before each new attempt to store a run's summary after a failed one
    /// (a locked or full database may clear): one retry per entry. When the last fails too,
    /// the run is stored as `interrupted`, without its summary.
    pub summary_retry_delays: Vec<Duration>,
}

/// [`ServerConfig::summary_retry_delays`]: three retries within about 5 s.
pub(crate) const SUMMARY_RETRY_DELAYS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(4),
];

impl ServerConfig {
    /// Where the presets send their load: the demo target when it runs; without it,
    /// `CLOUD_API_URL` when that is set; otherwise the target the preset names (the demo
    /// target's default address, for one started on its own).
    pub fn preset_target(&self) -> Option<&str> {
        self.demo_target_url
            .as_deref()
            .or(self.cloud_api_url.as_deref())
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            default_duration: Duration::from_secs(60),
            max_users: None,
            reports: true,
            cloud_api_url: None,
            demo_target_url: None,
            test_config: TestConfig::default(),
            embed_origins: Vec::new(),
            keep_runs: None,
            summary_retry_delays: SUMMARY_RETRY_DELAYS.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// README's `test_config.json` (its JSON block) is one this server reads.
    #[test]
    fn the_readme_config_reads() {
        let readme = include_str!("../../../README.md");
        let blocks: Vec<&str> = readme
            .split("```json\n")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .collect();
        assert_eq!(blocks.len(), 1, "README's JSON blocks: {blocks:?}");
        let config = TestConfig::parse(blocks[0], Path::new("test_config.json"))
            .expect("README's test_config.json reads");
        assert_eq!(
            config.test_scenarios["web_app"].duration,
            Some(Duration::from_secs(300))
        );
    }

    /// A documented config mutated at random (seeded): every variant reads, or fails with a
    /// message that names the file and speaks people's words. Never a panic.
    #[test]
    fn mutated_configs_read_or_fail_in_words() {
        let original = r#"{
  "test_scenarios": {
    "web_app": { "duration": 300, "users": 100 },
    "api_load": { "duration": 60.5, "rate": 20 }
  },
  "monitoring": { "interval": 1 },
  "alerts": { "response_time": 500, "error_rate": 0.05 }
}"#;
        let path = Path::new("test_config.json");
        assert!(TestConfig::parse(original, path).is_ok());
        let tokens = [
            "-1",
            "0",
            "1e309",
            "null",
            "\"x\"",
            "[]",
            "{}",
            "true",
            "4294967296",
            "0.0001",
            ",",
            ":",
            "\"",
            "}",
            "]",
            "NaN",
        ];
        let mut dice = shared::plan::SplitMix64(0x00C0_FF16);
        let mut next = |n: usize| dice.below(n);
        let (mut read, mut refused) = (0, 0);
        for _ in 0..2_000 {
            let mut text = original.to_owned();
            for _ in 0..=next(2) {
                let at = text.floor_char_boundary(next(text.len() + 1));
                match next(3) {
                    0 => text.insert_str(at, tokens[next(tokens.len())]),
                    1 => {
                        let to = text.floor_char_boundary(at + 1 + next(8));
                        text.replace_range(at..to, "");
                    }
                    _ => text.truncate(at),
                }
            }
            match TestConfig::parse(&text, path) {
                Ok(_) => read += 1,
                Err(message) => {
                    refused += 1;
                    assert!(message.starts_with("test_config.json"), "{text}\n{message}");
                    for rust in ["u32", "u64", "f64", "struct ", "Option<", "Some("] {
                        assert!(!message.contains(rust), "{text}\n{message}");
                    }
                }
            }
        }
        assert!(
            read > 10 && refused > 1_000,
            "{read} read, {refused} refused"
        );
    }

    /// A file that is not JSON says where the JSON breaks: it said only "expected value" or
    /// "EOF while parsing a value", with no path to go by in a long file (or a path ending in
    /// serde_path_to_error's `?`, `alerts.?: trailing comma`).
    #[test]
    fn a_config_that_is_not_json_says_where() {
        let path = Path::new("test_config.json");
        for (text, at) in [
            (
                "{\n  \"monitoring\": { \"interval\": 1 },\n  \"alerts\": { \"error_rate\": 0.1, }\n}\n",
                "line 3 column",
            ),
            (
                "{\n  \"monitoring\": { \"interval\": oops }\n}",
                "line 2 column",
            ),
            ("{\n  \"monitoring\": {", "line 2 column"),
            (" \n", "the file is empty"),
        ] {
            let err = TestConfig::parse(text, path).expect_err(text);
            assert!(
                err.starts_with("test_config.json: ") && err.contains(at) && !err.contains('?'),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn keep_runs_is_one_or_more() {
        assert_eq!(parse_keep_runs(" 20 ").map(NonZeroUsize::get), Ok(20));
        for bad in ["0", "-1", "many", ""] {
            let err = parse_keep_runs(bad).expect_err(bad);
            assert!(err.contains("1 or more"), "{bad}: {err}");
        }
    }

    /// `serve --max-users 0` (`MAX_CONCURRENT_USERS=0`) caps every run at no users: it is
    /// refused at start-up, as an invalid argument (exit 2), not by every start request.
    #[test]
    fn max_users_is_one_or_more() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            args: ServeArgs,
        }
        let parse =
            |n: &str| Serve::try_parse_from(["serve".to_owned(), format!("--max-users={n}")]);
        assert_eq!(parse("50").map(|s| s.args.max_users).ok(), Some(Some(50)));
        for bad in ["0", "-1", "many", ""] {
            let err = parse(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("--max-users"), "{bad}: {err}");
            assert!(err.contains("1 or more"), "{bad}: {err}");
        }
    }

    #[test]
    fn origins_are_validated() {
        assert_eq!(
            parse_origin("https://dash.example.com"),
            Ok("https://dash.example.com".into())
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000/"),
            Ok("http://127.0.0.1:3000".into())
        );
        assert!(parse_origin("https://dash.example.com/app").is_err());
        assert!(parse_origin("ftp://x").is_err());
        assert!(parse_origin("not an origin").is_err());
        // Hosts in other scripts and IP addresses are origins, as browsers send them.
        assert_eq!(
            parse_origin("https://bücher.example:8443"),
            Ok("https://xn--bcher-kva.example:8443".into())
        );
        assert_eq!(
            parse_origin("http://[::1]:3000"),
            Ok("http://[::1]:3000".into())
        );
        // What would be changed, or read differently by CSP and CORS, is refused in words.
        for (bad, why) in [
            ("https://*.example.com", "has a wildcard; name each origin"),
            ("https://user:pw@dash.example.com", "has a user name"),
            (
                "https://dash.example.com#top",
                "has a path, query or fragment",
            ),
            ("https://dash.example.com?", "has a path, query or fragment"),
            ("https://dash;x.example.com", "its host is not a DNS name"),
            ("https://dash'x.example.com", "its host is not a DNS name"),
        ] {
            let err = parse_origin(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn reads_the_brief_shape_and_rejects_mistakes() {
        let dir = std::env::temp_dir().join(format!("stampede-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"test_scenarios": {"web_app": {"duration": 60, "users": 20}},
                "monitoring": {"interval": 2},
                "alerts": {"response_time": 500, "error_rate": 0.05}}"#,
        )
        .expect("write");
        let cfg = TestConfig::load(&good).expect("valid config");
        assert_eq!(cfg.test_scenarios["web_app"].users, Some(20));
        assert_eq!(cfg.monitoring.interval, Some(2.0));
        assert_eq!(cfg.alerts.response_time, 500.0);

        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"alerts": {"error_rate": 5}}"#).expect("write");
        assert!(
            TestConfig::load(&bad)
                .expect_err("5 is not a fraction")
                .contains("error_rate")
        );
        std::fs::write(&bad, r#"{"monitoring": {"interval": 0.001}}"#).expect("write");
        assert!(
            TestConfig::load(&bad)
                .expect_err("below the snapshot interval floor")
                .contains("monitoring.interval: must be between 0.1 and 3600 seconds")
        );
        std::fs::write(&bad, r#"{"alertz": {}}"#).expect("write");
        assert!(
            TestConfig::load(&bad)
                .expect_err("unknown field")
                .contains("unknown field")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Per-scenario defaults out of range stop the server at start-up, with the file, the JSON
    /// path and the problem; before, a duration of 0 or less was silently ignored and users: 0
    /// only refused when a run started.
    #[test]
    fn scenario_defaults_out_of_range_are_refused_with_their_path() {
        let dir =
            std::env::temp_dir().join(format!("stampede-config-defaults-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("test_config.json");
        let name = file.display().to_string();
        let load = |json: &str| {
            std::fs::write(&file, json).expect("write");
            TestConfig::load(&file)
        };
        for (value, field, problem) in [
            (r#"{"duration": 0}"#, "duration", "must be positive"),
            (r#"{"duration": -5}"#, "duration", "must be positive"),
            (r#"{"duration": 0.01}"#, "duration", "too short"),
            (r#"{"duration": 1e300}"#, "duration", "too long"),
            (r#"{"users": 0}"#, "users", "must be at least 1"),
            (
                r#"{"users": -1}"#,
                "users",
                "expected a whole number (0 or more)",
            ),
            (r#"{"users": 2000000}"#, "users", "above the limit"),
            (r#"{"rate": 0}"#, "rate", "must be a number above 0"),
            (r#"{"rate": -2.5}"#, "rate", "must be a number above 0"),
            (r#"{"rate": 1e12}"#, "rate", "above the limit"),
        ] {
            let err = load(&format!(r#"{{"test_scenarios": {{"checkout": {value}}}}}"#))
                .expect_err(value);
            let start = format!("{name}: test_scenarios.checkout.{field}: ");
            assert!(err.starts_with(&start), "{value}: {err}");
            assert!(err.contains(problem), "{value}: {err}");
        }
        let cfg = load(
            r#"{"test_scenarios": {"checkout": {"duration": 1.5, "users": 3, "rate": 0.5},
                                   "web_app": {"duration": null}}}"#,
        )
        .expect("valid defaults");
        let checkout = &cfg.test_scenarios["checkout"];
        assert_eq!(checkout.duration, Some(Duration::from_millis(1500)));
        assert_eq!((checkout.users, checkout.rate), (Some(3), Some(0.5)));
        assert_eq!(cfg.test_scenarios["web_app"], ScenarioDefaults::default());
        let err = load(r#"{"alerts": {"response_time": -1}}"#).expect_err("negative");
        assert_eq!(
            err,
            format!("{name}: alerts.response_time: must be a positive number of ms")
        );
        // serde's derive alone would read the limits from a list, in field order.
        let err = load(r#"{"alerts": [500, 5]}"#).expect_err("a list");
        assert!(
            err.starts_with(&format!(
                "{name}: alerts: invalid type: sequence, expected a JSON object"
            )),
            "{err}"
        );
        // Its place in characters, as a scenario's (serde_json counts bytes).
        let err = load(r#"{"test_scenarios": {"日本": {}}} trailing"#).expect_err("trailing text");
        assert_eq!(
            err,
            format!("{name}: trailing characters at line 1 column 32")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
