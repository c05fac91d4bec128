//! `stampede run` and `stampede validate`: load a scenario, apply overrides from flags and the
//! environment, run it, show progress, print the summary, write `--out`, pick the exit code.

use std::io::IsTerminal as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use shared::metrics::RunSummary;
use shared::run::RunStatus;
use shared::scenario::{
    Format, Overrides, ValidScenario, ValidationEnv, parse_scenario, validate as validate_scenario,
};
use shared::units::HumanDuration;

use super::exit;
use super::progress::Progress;

/// Flags of `stampede run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML, or JSON when it ends in .json).
    pub scenario: PathBuf,

    /// Override the load duration (e.g. 30s, 5m; a bare number is seconds). Staged profiles are
    /// stretched proportionally.
    #[arg(long, env = "LOAD_TEST_DURATION", value_parser = parse_env_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,

    /// Override the users: the user count of a closed-model profile, or the pool cap of an
    /// open-model one.
    #[arg(long, value_name = "N")]
    pub users: Option<u32>,

    /// Override the arrival rate (journey starts per second) of an open-model profile.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,

    /// Override the scenario's target base URL. Without it and without a `target` in the file,
    /// CLOUD_API_URL is used.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,

    /// Hard cap on concurrent users, whatever the scenario or --users say.
    #[arg(long, env = "MAX_CONCURRENT_USERS", value_name = "N")]
    pub max_users: Option<u32>,

    /// Time between metric snapshots (a bare number is seconds).
    #[arg(long, env = "METRICS_COLLECTION_INTERVAL", value_parser = parse_env_duration, default_value = "1s", value_name = "DURATION")]
    pub interval: Duration,

    /// Write the run summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Seed for journey picks, think times and random arrivals, to replay a run's choices.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Worker threads generating the load, each with its own event loop and connection pool.
    /// Default: the cores this process may run on (one under `taskset -c 0`).
    #[arg(long, env = "STAMPEDE_THREADS", value_parser = parse_threads, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// No live progress line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Flags of `stampede validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (YAML, or JSON when it ends in .json).
    pub scenario: PathBuf,
}

/// Durations from flags or the environment: `30s`, `5m`, or a bare number of seconds (the
/// product brief's environment variables are plain numbers).
pub(crate) fn parse_env_duration(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 7.0 * 86_400.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        Ok(_) => Err(format!(
            "\"{text}\" must be a positive number of seconds (at most a week)"
        )),
        Err(_) => HumanDuration::parse(text)
            .map(HumanDuration::get)
            .and_then(|d| {
                if d.is_zero() {
                    Err("must be longer than 0s".to_owned())
                } else {
                    Ok(d)
                }
            }),
    }
}

/// A worker thread count: a whole number, at least 1.
fn parse_threads(text: &str) -> Result<NonZeroUsize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) => NonZeroUsize::new(n).ok_or_else(|| "must be at least 1".to_owned()),
        Err(_) => Err(format!(
            "\"{text}\" is not a thread count (a whole number, at least 1)"
        )),
    }
}

fn env_target() -> ValidationEnv {
    ValidationEnv {
        cloud_api_url: std::env::var("CLOUD_API_URL")
            .ok()
            .filter(|s| !s.trim().is_empty()),
    }
}

/// Reads, parses, overrides and validates; on failure prints every problem with its position.
fn load(path: &std::path::Path, overrides: &Overrides) -> Result<ValidScenario, u8> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        exit::INVALID_INPUT
    })?;
    let report = |errors: shared::scenario::ScenarioErrors| {
        eprintln!("error: {} is not a valid scenario:", path.display());
        for e in &errors.0 {
            eprintln!("  {e}");
        }
        exit::INVALID_INPUT
    };
    let mut scenario = parse_scenario(&source, Format::from_path(path)).map_err(report)?;
    scenario
        .apply_overrides(overrides)
        .map_err(|e| report(e.into()))?;
    validate_scenario(&scenario, &env_target()).map_err(|e| report(e.locate(&source)))
}

pub(super) fn validate(args: &ValidateArgs) -> u8 {
    match load(&args.scenario, &Overrides::default()) {
        Ok(s) => {
            println!(
                "{}: valid — {} journeys, {} request names, {} thresholds",
                args.scenario.display(),
                s.journeys.len(),
                s.request_names.len(),
                s.thresholds.len()
            );
            exit::OK
        }
        Err(code) => code,
    }
}

pub(super) async fn run(args: RunArgs) -> u8 {
    let overrides = Overrides {
        duration: args.duration,
        users: args.users,
        rate: args.rate,
        target: args.target.clone(),
        max_users_cap: args.max_users,
    };
    let scenario = match load(&args.scenario, &overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = engine::EngineConfig {
        interval: args.interval,
        seed: args.seed,
    };
    let plan_duration = shared::plan::LoadPlan::new(scenario.load(), 0).duration();
    let threads = args.threads.unwrap_or_else(engine::default_threads);
    let handle = match engine::start_with_threads(scenario.clone(), config, threads) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUN_FAILED;
        }
    };
    let mut snapshots = handle.subscribe();
    let live = !args.quiet;
    let mut progress = Progress::new(plan_duration, std::io::stderr().is_terminal());
    let mut interrupted = false;
    let summary_future = handle.wait();
    tokio::pin!(summary_future);
    let summary = loop {
        tokio::select! {
            summary = &mut summary_future => break summary,
            snap = snapshots.recv() => {
                if let Ok(snap) = snap && live {
                    progress.show(&snap);
                }
            }
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                eprintln!("\nstopping: letting in-flight requests finish (Ctrl-C again to quit at once)…");
                handle.cancel();
                tokio::spawn(async {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(i32::from(exit::INTERRUPTED));
                    }
                });
            }
        }
    };
    progress.finish();
    print!("{}", super::summary::render(&summary, &scenario));
    if let Some(path) = &args.out
        && let Err(e) = write_json(path, &summary)
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return exit::RUN_FAILED;
    }
    exit_code(&summary, interrupted)
}

fn write_json(path: &std::path::Path, summary: &RunSummary) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(summary).map_err(std::io::Error::other)?;
    std::fs::write(path, json)
}

fn exit_code(summary: &RunSummary, interrupted: bool) -> u8 {
    if !summary.thresholds_passed() {
        exit::THRESHOLDS_FAILED
    } else if interrupted {
        exit::INTERRUPTED
    } else if summary.status == RunStatus::Failed {
        exit::RUN_FAILED
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_durations() {
        assert_eq!(parse_env_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_env_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_env_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_env_duration("0").is_err());
        assert!(parse_env_duration("-3").is_err());
        assert!(parse_env_duration("0s").is_err());
        assert!(parse_env_duration("soon").is_err());
    }

    #[test]
    fn thread_counts() {
        assert_eq!(parse_threads("1"), Ok(NonZeroUsize::MIN));
        assert_eq!(parse_threads(" 4 ").map(NonZeroUsize::get), Ok(4));
        assert_eq!(parse_threads("0"), Err("must be at least 1".to_owned()));
        for bad in ["-1", "1.5", "many", ""] {
            assert!(parse_threads(bad).is_err(), "{bad}");
        }
    }
}
