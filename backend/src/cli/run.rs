//! `stampede run` and `stampede validate`: load a scenario, apply overrides from flags and the
//! environment, run it, show progress, print the summary, write `--out`, pick the exit code.

use crate::console::{errln, outln};
use std::io::IsTerminal as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use shared::metrics::RunSummary;
use shared::run::RunStatus;
use shared::scenario::{
    Format, OverrideNames, Overrides, ValidScenario, ValidationEnv, parse_scenario,
    validate_overridden,
};
use shared::units::{HumanDuration, plural};

use super::exit;
use super::progress::Progress;
use super::reports::{self, ReportTarget};
use crate::files::{Input, OutFile, output_clash};
use crate::report::ReportFormat;

/// Flags of `stampede run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML, or JSON when it ends in .json).
    pub scenario: PathBuf,

    /// Override the load duration (e.g. 30s, 5m; a bare number is seconds). Staged profiles are
    /// stretched proportionally.
    #[arg(long, env = "LOAD_TEST_DURATION", value_parser = parse_env_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,

    /// Override the users: the user count of a closed-model profile (a ramp's stages are
    /// scaled so that its peak is N), or the pool cap of an open-model one.
    #[arg(long, value_name = "N")]
    pub users: Option<u32>,

    /// Override the arrival rate (journey starts per second) of an open-model profile: a ramp
    /// or a spike is scaled so that its peak is this rate, a `random` profile's mean is set to
    /// it (its bounds scaled alike).
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,

    /// Override the scenario's target base URL. Without it and without a `target` in the file,
    /// CLOUD_API_URL is used.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,

    /// Hard cap on concurrent users, whatever the scenario or --users say.
    #[arg(long, env = "MAX_CONCURRENT_USERS", value_name = "N", value_parser = parse_max_users)]
    pub max_users: Option<u32>,

    /// Time between metric snapshots (a bare number is seconds; 100ms to 1h).
    #[arg(long, env = "METRICS_COLLECTION_INTERVAL", value_parser = parse_interval, default_value = "1s", value_name = "DURATION")]
    pub interval: Duration,

    /// Write the run summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Write a report of the run to this file, as the server's report routes do; the format
    /// follows the name: .html (self-contained page with charts), .json, .junit.xml or .xml
    /// (JUnit: one test case per threshold and check), .csv (one row per interval). Repeatable.
    #[arg(long, value_parser = reports::parse_report, value_name = "FILE")]
    pub report: Vec<ReportTarget>,

    /// Seed for journey picks, think times and random arrivals, to replay a run's choices. It
    /// wins over a `random` profile's own `load.seed`.
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

    /// The target base URL it would run against, as `run --target` gives it. Without it and
    /// without a `target` in the file, CLOUD_API_URL is used.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
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

/// Shortest time between metric snapshots. Each snapshot merges every worker's histograms;
/// taken every millisecond, that alone keeps a core busy on a 2-user run.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Longest time between metric snapshots.
pub const MAX_INTERVAL: Duration = Duration::from_secs(3600);

/// A snapshot interval from a flag or the environment: as [`parse_env_duration`], between
/// [`MIN_INTERVAL`] and [`MAX_INTERVAL`].
pub(crate) fn parse_interval(text: &str) -> Result<Duration, String> {
    // "0" or "-1" are numbers out of range: name this flag's range, not the general one.
    if text
        .trim()
        .parse::<f64>()
        .is_ok_and(|secs| secs <= 0.0 || secs.is_nan())
    {
        return Err(format!(
            "\"{text}\" must be a positive number of seconds (from {} to {})",
            HumanDuration(MIN_INTERVAL),
            HumanDuration(MAX_INTERVAL)
        ));
    }
    let d = parse_env_duration(text)?;
    if d < MIN_INTERVAL {
        Err(format!(
            "\"{text}\" is too short: the snapshot interval is at least {} (each snapshot costs CPU on the generator)",
            HumanDuration(MIN_INTERVAL)
        ))
    } else if d > MAX_INTERVAL {
        Err(format!(
            "\"{text}\" is too long: the snapshot interval is at most {}",
            HumanDuration(MAX_INTERVAL)
        ))
    } else {
        Ok(d)
    }
}

/// A worker thread count: a whole number, at least 1.
/// `--max-users` (`MAX_CONCURRENT_USERS`) for `run` and `serve`: a cap of 0 users would refuse
/// every run, so it is refused here, before anything starts.
pub(crate) fn parse_max_users(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "\"{text}\" is not a cap on concurrent users (1 or more)"
        )),
    }
}

fn parse_threads(text: &str) -> Result<NonZeroUsize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > engine::MAX_THREADS => Err(format!(
            "{n} is more than {} threads (threads beyond the cores add no load)",
            engine::MAX_THREADS
        )),
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
    let source = crate::files::read_text(path, crate::files::Limit::SCENARIO).map_err(|e| {
        errln!("error: cannot read {}: {e}", path.display());
        exit::INVALID_INPUT
    })?;
    let report = |errors: shared::scenario::ScenarioErrors| {
        errln!("error: {} is not a valid scenario:", path.display());
        for e in &errors.0 {
            // A problem quotes names from the file, which may hold control characters.
            errln!("  {}", super::summary::term(&e.to_string()));
        }
        exit::INVALID_INPUT
    };
    let scenario = parse_scenario(&source, Format::from_path(path)).map_err(report)?;
    let names = OverrideNames::flags();
    validate_overridden(&scenario, overrides, &names, &env_target(), Some(&source)).map_err(report)
}

pub(super) fn validate(args: &ValidateArgs) -> u8 {
    let overrides = Overrides {
        target: args.target.clone(),
        ..Overrides::default()
    };
    match load(&args.scenario, &overrides) {
        Ok(s) => {
            let count = |n: usize, one, many| plural(n as u64, one, many);
            outln!(
                "{}: valid — {}, {}, {}",
                args.scenario.display(),
                count(s.journeys.len(), "journey", "journeys"),
                count(s.request_names.len(), "request name", "request names"),
                count(s.thresholds.len(), "threshold", "thresholds")
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
    // Before any load: a run whose results cannot be written is not worth making.
    let outputs = match open_outputs(&args) {
        Ok(files) => files,
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
            errln!("error: {e}");
            outputs.discard();
            return exit::RUN_FAILED;
        }
    };
    let snapshots = handle.subscribe();
    // One listener for the whole run, made before any progress line is shown. Without
    // handlers, Ctrl-C and SIGTERM keep their default effect.
    let signals = crate::signals::StopSignals::listen().ok();
    let mut follow = Follow {
        progress: (!args.quiet)
            .then(|| Progress::new(plan_duration, std::io::stderr().is_terminal())),
        // The reports' time series: one snapshot per interval, kept only when a report wants it.
        series: (!outputs.reports.is_empty()).then(reports::ReportSeries::default),
    };
    let (summary, stopped) = match follow.run(&handle, snapshots, signals).await {
        Followed::Ended { summary, stopped } => (summary, stopped),
        Followed::Quit => {
            // Quitting at once writes no summary: leave no empty --out or --report file behind.
            outputs.discard();
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    };
    let series = follow.series.unwrap_or_default();
    // A closed stdout (`| head`, a reader that quit) must not lose `--out` and the reports.
    let shown = crate::console::write_out(format_args!(
        "{}",
        super::summary::render(&summary, &scenario)
    ));
    if let Err(e) = shown {
        errln!("warning: cannot print the summary: {e}");
    }
    let mut code = exit_code(&summary, stopped);
    let Outputs {
        out,
        reports: report_files,
    } = outputs;
    if let Some(out) = out {
        let path = out.path().to_owned();
        let written = serde_json::to_vec_pretty(summary.as_ref())
            .map_err(std::io::Error::other)
            .and_then(|json| out.write(&json));
        if let Err(e) = written {
            errln!("error: cannot write {}: {e}", path.display());
            code = exit::RUN_FAILED;
        }
    }
    if !report_files.is_empty() {
        let detail = reports::run_detail(&scenario, &summary, now_ms());
        for (format, file) in report_files {
            let path = file.path().to_owned();
            let written = format
                .render(&detail, series.as_slice())
                .map_err(std::io::Error::other)
                .and_then(|doc| file.write(doc.as_bytes()));
            if let Err(e) = written {
                errln!("error: cannot write {}: {e}", path.display());
                code = exit::RUN_FAILED;
            }
        }
    }
    code
}

/// What follows a run from its start to its summary: the progress line, the reports' series,
/// and Ctrl-C (or SIGTERM, which CI runners and `timeout` send to cancel a job).
struct Follow {
    /// The live progress line, unless `--quiet`.
    progress: Option<Progress>,
    /// Every snapshot, when a report wants the time series.
    series: Option<reports::ReportSeries>,
}

/// How following a run ended.
#[derive(Debug)]
enum Followed {
    /// The run ended with its summary; `stopped` when a stop signal arrived while it ran.
    Ended {
        summary: std::sync::Arc<RunSummary>,
        stopped: bool,
    },
    /// A third stop signal: quit at once, without a summary.
    Quit,
}

impl Follow {
    /// Shows progress and keeps the series (from `snapshots`, the run's) until the run ends,
    /// and acts on stop signals: the
    /// first stops the run gracefully, the second cuts its graceful stop (the summary and
    /// reports are still written), the third quits at once. `signals` are polled first on
    /// every turn, so none is lost between two turns.
    async fn run(
        &mut self,
        handle: &engine::RunHandle,
        mut snapshots: tokio::sync::broadcast::Receiver<shared::metrics::MetricsSnapshot>,
        mut signals: Option<crate::signals::StopSignals>,
    ) -> Followed {
        let mut presses = 0_u8;
        let summary_future = handle.wait();
        tokio::pin!(summary_future);
        let summary = loop {
            tokio::select! {
                biased;
                Some(signal) = async {
                    match signals.as_mut() {
                        Some(s) => s.next().await,
                        None => std::future::pending().await,
                    }
                } => {
                    presses = presses.saturating_add(1);
                    match presses {
                        1 => {
                            let why = match signal {
                                crate::signals::StopSignal::Interrupt => "",
                                crate::signals::StopSignal::Terminate => " on SIGTERM",
                            };
                            errln!("\nstopping{why}: letting in-flight requests finish (Ctrl-C again to stop them now)…");
                            handle.cancel();
                        }
                        2 => {
                            errln!("\nstopping now: cutting in-flight requests (Ctrl-C again to quit without a summary)…");
                            handle.stop_now();
                        }
                        _ => return Followed::Quit,
                    }
                }
                summary = &mut summary_future => break summary,
                snap = snapshots.recv() => {
                    if let Ok(snap) = snap {
                        if let Some(progress) = self.progress.as_mut() {
                            progress.show(&snap);
                        }
                        if let Some(series) = self.series.as_mut() {
                            series.push(snap);
                        }
                    }
                }
            }
        };
        if let Some(progress) = self.progress.as_mut() {
            progress.finish();
        }
        // Whatever is still queued (the final snapshot) belongs to the series too.
        if let Some(series) = self.series.as_mut() {
            loop {
                match snapshots.try_recv() {
                    Ok(snap) => series.push(snap),
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        }
        Followed::Ended {
            summary,
            stopped: presses > 0,
        }
    }
}

/// The `--out` file and the `--report` files with their formats, open for writing.
struct Outputs {
    out: Option<OutFile>,
    reports: Vec<(ReportFormat, OutFile)>,
}

impl Outputs {
    /// Nothing will be written: remove the files this run created.
    fn discard(self) {
        self.out
            .into_iter()
            .chain(self.reports.into_iter().map(|(_, file)| file))
            .for_each(OutFile::discard);
    }
}

/// Opens `--out` and every `--report` file before the run. A path that cannot be created, one
/// file named twice (the second output would overwrite the first), or the scenario file itself,
/// is a usage error; the files this call created are removed again.
fn open_outputs(args: &RunArgs) -> Result<Outputs, u8> {
    let wanted: Vec<(&str, &PathBuf, Option<ReportFormat>)> = args
        .out
        .iter()
        .map(|path| ("--out", path, None))
        .chain(
            args.report
                .iter()
                .map(|target| ("--report", &target.path, Some(target.format))),
        )
        .collect();
    let scenario = Input {
        path: &args.scenario,
        is: "the scenario file",
        keeps: "the scenario it runs",
    };
    let named: Vec<(&str, &Path)> = wanted
        .iter()
        .map(|&(flag, path, _)| (flag, path.as_path()))
        .collect();
    if let Some(problem) = output_clash(&[scenario], &named) {
        errln!("error: {problem}");
        return Err(exit::INVALID_INPUT);
    }
    let mut outputs = Outputs {
        out: None,
        reports: Vec::with_capacity(args.report.len()),
    };
    for (flag, path, format) in wanted {
        let file = match OutFile::open(path) {
            Ok(file) => file,
            Err((path, e)) => {
                errln!("error: cannot write {flag} {}: {e}", path.display());
                // Give up on all of them: remove what this call created.
                outputs.discard();
                return Err(exit::INVALID_INPUT);
            }
        };
        match format {
            None => outputs.out = Some(file),
            Some(format) => outputs.reports.push((format, file)),
        }
    }
    Ok(outputs)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Interruption wins: a CI script must tell a run cut short by Ctrl-C (whose thresholds were
/// judged on a partial run) from one that finished and failed.
fn exit_code(summary: &RunSummary, interrupted: bool) -> u8 {
    // A Ctrl-C after the load ended (during the graceful stop) cut nothing: the run completed.
    if interrupted && summary.status != RunStatus::Completed {
        exit::INTERRUPTED
    } else if summary.status == RunStatus::Failed && summary.aborted_by.is_none() {
        // Failed for a reason of its own (its workers could not start): its thresholds, judged
        // on what little ran ("no data"), do not make it a run that merely failed them.
        exit::RUN_FAILED
    } else if !summary.thresholds_passed() {
        exit::THRESHOLDS_FAILED
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

    fn summary(status: RunStatus, threshold_passed: bool) -> RunSummary {
        RunSummary {
            duration_ms: 1_000,
            peak_users: 1,
            thresholds: vec![shared::threshold::ThresholdResult {
                expr: "rps > 1000000".to_owned(),
                request: None,
                observed: Some(3.0),
                observed_text: "3 req/s".to_owned(),
                passed: threshold_passed,
            }],
            ..RunSummary::empty("s", status)
        }
    }

    #[test]
    fn interruption_wins_over_failed_thresholds() {
        let failing = summary(RunStatus::Cancelled, false);
        assert_eq!(exit_code(&failing, true), exit::INTERRUPTED);
        assert_eq!(exit_code(&failing, false), exit::THRESHOLDS_FAILED);
        assert_eq!(
            exit_code(&summary(RunStatus::Cancelled, true), true),
            exit::INTERRUPTED
        );
        assert_eq!(
            exit_code(&summary(RunStatus::Completed, true), false),
            exit::OK
        );
        assert_eq!(
            exit_code(&summary(RunStatus::Failed, true), false),
            exit::RUN_FAILED
        );
        // A run that failed by itself (its worker threads could not start) has its thresholds
        // fail for want of data: it still failed (3), it did not fail its thresholds (1).
        assert_eq!(
            exit_code(&summary(RunStatus::Failed, false), false),
            exit::RUN_FAILED
        );
        // One stopped by an `abort_on_fail` threshold failed that threshold.
        let aborted = RunSummary {
            aborted_by: Some("rps > 1000000".to_owned()),
            ..summary(RunStatus::Failed, false)
        };
        assert_eq!(exit_code(&aborted, false), exit::THRESHOLDS_FAILED);
        // A Ctrl-C during the graceful stop found the load delivered: the thresholds decide.
        assert_eq!(
            exit_code(&summary(RunStatus::Completed, false), true),
            exit::THRESHOLDS_FAILED
        );
        assert_eq!(
            exit_code(&summary(RunStatus::Completed, true), true),
            exit::OK
        );
    }

    #[test]
    fn intervals_have_a_floor_and_a_ceiling() {
        assert_eq!(parse_interval("100ms"), Ok(MIN_INTERVAL));
        assert_eq!(parse_interval("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("1h"), Ok(MAX_INTERVAL));
        for bad in ["0.001", "99ms", "2h"] {
            let err = parse_interval(bad).expect_err(bad);
            assert!(err.contains(bad), "{err}");
        }
        assert!(
            parse_interval("0.001")
                .expect_err("too short")
                .contains("at least 100ms")
        );
        // Zero and below name this flag's range, not the week that bounds other durations.
        for bad in ["0", "-1"] {
            let err = parse_interval(bad).expect_err(bad);
            assert!(err.contains("from 100ms to 1h"), "{err}");
        }
    }

    #[test]
    fn max_users_caps() {
        // `run` and `serve` read `--max-users` (`MAX_CONCURRENT_USERS`) alike.
        assert_eq!(parse_max_users(" 50 "), Ok(50));
        for bad in ["0", "-1", "many", ""] {
            let err = parse_max_users(bad).expect_err(bad);
            assert!(err.contains("1 or more"), "{bad}: {err}");
        }
    }

    /// A target that accepts connections and reads requests but never answers, so they stay in
    /// flight; `read` is told when a request has arrived.
    async fn silent_target(
        read: tokio::sync::mpsc::UnboundedSender<()>,
    ) -> (String, tokio::task::JoinHandle<()>) {
        use tokio::io::AsyncReadExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let mut held = tokio::task::JoinSet::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                let read = read.clone();
                held.spawn(async move {
                    let mut buf = [0u8; 4096];
                    let mut told = false;
                    while let Ok(1..) = stream.read(&mut buf).await {
                        if !told {
                            told = true;
                            let _ = read.send(());
                        }
                    }
                });
            }
        });
        (format!("http://{addr}"), task)
    }

    /// One user whose request to `target` waits as long as it takes (a minute), in a run of a
    /// minute with a graceful stop of a minute.
    fn waiting_run(target: &str) -> engine::RunHandle {
        let yaml = format!(
            "name: waiting
target: {target}
journeys:
  - name: j
    steps:
      - request: {{ path: / }}
load: {{ type: constant_users, users: 1, duration: 60s }}
options: {{ timeout: 60s, graceful_stop: 60s }}
"
        );
        let scenario = parse_scenario(&yaml, Format::Yaml).expect("parses");
        let valid =
            shared::scenario::validate(&scenario, &ValidationEnv::default()).expect("valid");
        let config = engine::EngineConfig {
            interval: MIN_INTERVAL,
            seed: Some(1),
        };
        engine::start_with_threads(valid, config, NonZeroUsize::MIN).expect("starts")
    }

    /// Follows a run with a request in flight, sending it `presses` Ctrl-Cs once the target has
    /// the request; at most 10 s.
    async fn follow_pressing(presses: usize) -> (Followed, engine::RunHandle) {
        use crate::signals::{StopSignal, StopSignals};
        let (read, mut requests) = tokio::sync::mpsc::unbounded_channel();
        let (target, server) = silent_target(read).await;
        let handle = waiting_run(&target);
        let (send, signals) = StopSignals::sent();
        let mut follow = Follow {
            progress: None,
            series: Some(reports::ReportSeries::default()),
        };
        let followed = tokio::time::timeout(Duration::from_secs(10), async {
            let followed = follow.run(&handle, handle.subscribe(), Some(signals));
            tokio::pin!(followed);
            tokio::select! {
                _ = requests.recv() => {}
                f = &mut followed => panic!("ended before its request arrived: {f:?}"),
            }
            for _ in 0..presses {
                send.send(StopSignal::Interrupt).expect("sent");
            }
            followed.await
        })
        .await
        .expect("followed within 10 s");
        server.abort();
        (followed, handle)
    }

    #[tokio::test]
    async fn a_second_stop_signal_cuts_the_requests_in_flight_and_ends_with_the_summary() {
        let (followed, _handle) = follow_pressing(2).await;
        let Followed::Ended { summary, stopped } = followed else {
            panic!("{followed:?}");
        };
        assert!(stopped);
        assert_eq!(summary.status, RunStatus::Cancelled);
        assert_eq!(summary.interrupted_iterations, 1, "{summary:?}");
        assert_eq!(exit_code(&summary, stopped), exit::INTERRUPTED);
    }

    #[tokio::test]
    async fn a_third_stop_signal_quits_without_the_summary() {
        // Sent in quick succession, real signals may merge; these are each received.
        let (followed, handle) = follow_pressing(3).await;
        assert!(matches!(followed, Followed::Quit), "{followed:?}");
        // The first two did what they do: the run stopped, its request in flight cut at once.
        let summary = tokio::time::timeout(Duration::from_secs(10), handle.wait())
            .await
            .expect("the run ends at once");
        assert_eq!(summary.status, RunStatus::Cancelled);
        assert_eq!(summary.interrupted_iterations, 1, "{summary:?}");
    }

    #[test]
    fn thread_counts() {
        assert_eq!(parse_threads("1"), Ok(NonZeroUsize::MIN));
        assert_eq!(parse_threads(" 4 ").map(NonZeroUsize::get), Ok(4));
        assert_eq!(parse_threads("0"), Err("must be at least 1".to_owned()));
        assert_eq!(parse_threads("1024").map(NonZeroUsize::get), Ok(1024));
        assert_eq!(
            parse_threads("100000"),
            Err(
                "100000 is more than 1024 threads (threads beyond the cores add no load)"
                    .to_owned()
            )
        );
        for bad in ["-1", "1.5", "many", ""] {
            assert!(parse_threads(bad).is_err(), "{bad}");
        }
    }
}
