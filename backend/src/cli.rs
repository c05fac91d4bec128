//! The `stampede` command line: subcommands, their flags, and exit codes.

mod compare;
mod progress;
mod reports;
mod run;
mod summary;

use crate::console::errln;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use compare::CompareArgs;
pub use run::{MAX_INTERVAL, MIN_INTERVAL};
pub use run::{RunArgs, ValidateArgs};
pub(crate) use run::{parse_env_duration, parse_interval, parse_max_users};

use crate::demo_target::DemoTargetArgs;

/// Exit codes, for CI scripts.
pub mod exit {
    /// The run finished and every threshold passed.
    pub const OK: u8 = 0;
    /// The run finished (or was aborted) and at least one threshold failed.
    pub const THRESHOLDS_FAILED: u8 = 1;
    /// `compare`: a metric of the candidate run is worse than the baseline's beyond the
    /// tolerance.
    pub const REGRESSED: u8 = 1;
    /// The scenario, a file or an argument is invalid; nothing ran. (`serve`: an argument or
    /// the `--config` file. `compare`: a file that cannot be read as a run, or an output file
    /// that is refused or cannot be created.)
    pub const INVALID_INPUT: u8 = 2;
    /// The run could not start, or failed for a reason other than thresholds; or an output
    /// file could not be written (`run --out`/`--report`, `compare --junit`/`--json`: its old
    /// content is kept). (`serve`: the server could not start or failed.)
    pub const RUN_FAILED: u8 = 3;
    /// Interrupted with Ctrl-C before the load ended (even if thresholds failed); the summary
    /// of what ran is still printed and `--out` and `--report` written. A Ctrl-C during the
    /// graceful stop cuts nothing: the run completed, and its thresholds decide; a second one
    /// cuts the iterations in flight, and the run was interrupted.
    pub const INTERRUPTED: u8 = 130;
}

/// Stampede: load tests and workload simulation with truthful metrics.
///
/// Write a scenario (YAML or JSON), point it at a service, and get latency percentiles
/// measured from the scheduled send time, throughput, errors by kind, and a pass/fail verdict.
#[derive(Debug, Parser)]
#[command(
    name = "stampede",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario file and print a summary; the exit code tells whether thresholds passed.
    Run(RunArgs),
    /// Check a scenario file without running it.
    Validate(ValidateArgs),
    /// Compare two runs' figures (summaries from `run --out`); the exit code tells whether the
    /// candidate regressed.
    Compare(CompareArgs),
    /// Start the control server: REST API, live WebSocket feed, run history and reports, with
    /// the demo target alongside.
    Serve(crate::server::ServeArgs),
    /// Start the built-in demo target, a simulated cloud service to aim scenarios at.
    DemoTarget(DemoTargetArgs),
}

impl Cli {
    /// Runs the chosen subcommand to completion.
    pub async fn execute(self) -> ExitCode {
        match self.command {
            Command::Run(args) => ExitCode::from(run::run(args).await),
            Command::Validate(args) => ExitCode::from(run::validate(&args)),
            Command::Compare(args) => ExitCode::from(compare::compare(&args)),
            Command::Serve(args) => match crate::server::run_cli(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    errln!("error: {e:#}");
                    ExitCode::from(match e {
                        crate::server::ServeError::Config(_) => exit::INVALID_INPUT,
                        crate::server::ServeError::Failed(_) => exit::RUN_FAILED,
                    })
                }
            },
            Command::DemoTarget(args) => match crate::demo_target::run_cli(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    errln!("error: {e:#}");
                    ExitCode::from(exit::RUN_FAILED)
                }
            },
        }
    }
}
