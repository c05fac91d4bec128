//! The `stampede` command line: subcommands, their flags, and exit codes.

mod compare;
mod progress;
mod reports;
mod run;
mod summary;

use crate::console::errln;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

pub use compare::CompareArgs;
pub use run::{MAX_INTERVAL, MIN_INTERVAL};
pub use run::{RunArgs, ValidateArgs};
pub(crate) use run::{parse_env_duration, parse_interval, parse_max_users};

use crate::demo_target::DemoTargetArgs;

/// `command` with each flag's environment variable left out where it is set but empty, in every
/// subcommand.
fn without_empty_env(command: clap::Command) -> clap::Command {
    command
        .mut_args(|arg| {
            let empty = arg
                .get_env()
                .and_then(std::env::var_os)
                .is_some_and(|value| value.is_empty());
            if empty { arg.env(None) } else { arg }
        })
        .mut_subcommands(without_empty_env)
}

/// The environment variable an invalid value in `error` came from: the variable of the flag
/// it names, when that flag is not on the command line and the variable is set.
fn env_source(error: &clap::Error, command: &clap::Command) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        error.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let Some(ContextValue::String(shown)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    // `--max-users <N>`: the flag, then its value's name. `serve --bind` and `demo-target
    // --bind` read different variables: the flag is looked up in the subcommand given (the
    // first argument: `stampede` itself takes no flags but --help and --version).
    let long = shown.split(' ').next()?.strip_prefix("--")?;
    let subcommand = command.find_subcommand(std::env::args_os().nth(1)?)?;
    let arg = subcommand
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))?;
    let long = format!("--{long}");
    let typed = std::env::args_os().skip(2).any(|given| {
        given.to_str().is_some_and(|given| {
            given == long
                || given
                    .strip_prefix(long.as_str())
                    .is_some_and(|rest| rest.starts_with('='))
        })
    });
    let variable = arg.get_env()?;
    (!typed && std::env::var_os(variable).is_some())
        .then(|| variable.to_string_lossy().into_owned())
}

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
    /// Parses the command line and the environment variables its flags read, or exits with
    /// clap's usage error (exit 2).
    ///
    /// A variable that is set but empty counts as unset, as `CLOUD_API_URL` does: CI systems set
    /// a variable whose value was left out (`LOAD_TEST_DURATION: ${{ inputs.duration }}`) to the
    /// empty string, which used to be refused as an invalid `--duration`. A value from a
    /// variable that is invalid is refused under the flag's name, with a tip naming the
    /// variable: the flag is not on the command line the user typed.
    pub fn from_env_and_args() -> Self {
        let mut command = without_empty_env(Self::command());
        let matches = match command.try_get_matches_from_mut(std::env::args_os()) {
            Ok(matches) => matches,
            Err(mut e) => {
                if let Some(variable) = env_source(&e, &command) {
                    e.insert(
                        clap::error::ContextKind::Suggested,
                        clap::error::ContextValue::StyledStrs(vec![
                            format!("the value comes from the environment variable {variable}")
                                .into(),
                        ]),
                    );
                }
                e.exit()
            }
        };
        // As `Parser::parse` does: this error has no command to show its usage with yet.
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command).exit())
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = include_str!("../../README.md");

    /// The README's command synopsis (the first block under "## CLI reference"): each
    /// subcommand's line and the lines that continue it, by subcommand name.
    fn synopsis() -> Vec<(String, String)> {
        let section = README
            .split("\n## CLI reference\n")
            .nth(1)
            .expect("README has a CLI reference");
        let block = section
            .split("```\n")
            .nth(1)
            .expect("the CLI reference opens with a code block");
        let mut commands: Vec<(String, String)> = Vec::new();
        for line in block.lines() {
            match line.strip_prefix("stampede ") {
                Some(rest) => {
                    let name = rest.split(' ').next().unwrap_or_default().to_owned();
                    commands.push((name, rest.to_owned()));
                }
                None => {
                    if let Some((_, text)) = commands.last_mut() {
                        text.push_str(line);
                    }
                }
            }
        }
        commands
    }

    /// The `--flags` a synopsis line names.
    fn flags(text: &str) -> Vec<String> {
        let mut flags: Vec<String> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|word| word.starts_with("--"))
            .map(str::to_owned)
            .collect();
        flags.sort();
        flags.dedup();
        flags
    }

    /// README's CLI reference lists every subcommand with every flag it takes, and no flag it
    /// does not: a flag added, renamed or removed in the code without the README fails here.
    #[test]
    fn the_readme_synopsis_lists_every_subcommand_and_flag() {
        let command = Cli::command();
        let documented = synopsis();
        let names: Vec<&str> = documented.iter().map(|(name, _)| name.as_str()).collect();
        let actual: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(names, actual, "README's synopsis, in the order of --help");
        for (name, text) in &documented {
            let subcommand = command.find_subcommand(name).expect("a subcommand");
            let mut want: Vec<String> = subcommand
                .get_arguments()
                .filter_map(|arg| arg.get_long())
                .filter(|long| !matches!(*long, "help" | "version"))
                .map(|long| format!("--{long}"))
                .collect();
            want.sort();
            assert_eq!(flags(text), want, "stampede {name}");
        }
    }

    /// Every environment variable a flag reads is in README's table of them, by name.
    #[test]
    fn the_readme_names_every_environment_variable() {
        let table = README
            .split("Environment variables:\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .expect("README has the table of environment variables");
        let command = Cli::command();
        for subcommand in command.get_subcommands() {
            for arg in subcommand.get_arguments() {
                if let Some(variable) = arg.get_env() {
                    let variable = variable.to_string_lossy();
                    assert!(
                        table.contains(&format!("`{variable}`")),
                        "{variable} ({} --{}) is not in README's table",
                        subcommand.get_name(),
                        arg.get_long().unwrap_or_default()
                    );
                }
            }
        }
    }
}
