//! `stampede`: parse the command line and run it. Wiring only.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = backend::cli::Cli::from_env_and_args();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            // Not eprintln!, which panics when stderr is a closed pipe.
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the async runtime: {e}"
            );
            return ExitCode::from(backend::cli::exit::RUN_FAILED);
        }
    };
    runtime.block_on(cli.execute())
}
