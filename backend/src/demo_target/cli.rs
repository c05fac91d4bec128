//! `stampede demo-target`: flags, their parsers, and the serve-until-signalled loop.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use shared::units::HumanDuration;
use tokio::net::TcpListener;

use super::{DemoConfig, router};

/// Run the built-in demo target, a small simulated cloud service to point scenarios at.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct DemoTargetArgs {
    /// Address to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        env = "STAMPEDE_DEMO_BIND",
        default_value = "127.0.0.1:8090"
    )]
    pub bind: SocketAddr,

    /// Requests worked on at the same time; throughput tops out near capacity / latency.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = parse_capacity)]
    pub capacity: usize,

    /// Requests allowed to wait for a free slot; beyond that the target answers 503 at once.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub queue: usize,

    /// Median service time per request, e.g. 3ms, 250us, 1s, 0ms.
    #[arg(long, value_name = "DURATION", default_value = "3ms", value_parser = parse_duration)]
    pub latency: Duration,

    /// Relative spread of the service time around the median (0 = always exactly --latency).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.5, value_parser = parse_fraction)]
    pub jitter: f64,

    /// Fraction of requests in the long tail, taking 10-20x the usual service time.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.01, value_parser = parse_fraction)]
    pub tail_ratio: f64,

    /// Fraction of requests answered 500 by error injection, from 0 to 1.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, value_parser = parse_fraction)]
    pub error_rate: f64,

    /// Seed for the latency and error dice, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl DemoTargetArgs {
    /// The simulation these flags describe (everything but the bind address).
    pub fn config(&self) -> DemoConfig {
        DemoConfig {
            capacity: self.capacity,
            queue: self.queue,
            latency: self.latency,
            jitter: self.jitter,
            tail_ratio: self.tail_ratio,
            error_rate: self.error_rate,
            seed: self.seed,
        }
    }
}

/// Binds, announces `demo target listening on http://ADDR` on stdout (scripts wait for that
/// line), and serves until Ctrl-C or SIGTERM.
pub async fn run_cli(args: DemoTargetArgs) -> anyhow::Result<()> {
    // Signal handlers first: failing to install them is better reported than discovered.
    let shutdown = crate::signals::shutdown().context("cannot install signal handlers")?;
    let listener = TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let (app, handle) = router(args.config());

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "demo target listening on http://{addr}").context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("demo target stopped with an error")?;

    // stdout may be gone by now (closed pipe); the run itself still succeeded.
    let _ = writeln!(
        std::io::stdout(),
        "demo target stopped after serving {} requests",
        handle.stats().requests_total
    );
    Ok(())
}

/// Parses a duration as scenario files write them (`3ms`, `1.5s`, `250us`, `2m`; see
/// [`HumanDuration::parse`]); a bare `0` is accepted too, for no added latency.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b == b'0') {
        return Ok(Duration::ZERO);
    }
    HumanDuration::parse(text).map(HumanDuration::get)
}

/// A probability-like flag value in `0..=1`.
pub(crate) fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!(
            "must be a number from 0 to 1 (e.g. 0.05 for 5%), got {text:?}"
        )),
    }
}

fn parse_capacity(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "must be a whole number of at least 1, got {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn parse_duration_accepts_humane_units() {
        let ok = [
            ("3ms", Duration::from_millis(3)),
            ("0ms", Duration::ZERO),
            ("0", Duration::ZERO),
            ("1s", Duration::from_secs(1)),
            ("1.5s", Duration::from_millis(1500)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("2m", Duration::from_secs(120)),
            (" 10 ms ", Duration::from_millis(10)),
            ("0.001ms", Duration::from_nanos(1_000)),
            ("1h", Duration::from_secs(3600)),
        ];
        for (text, expected) in ok {
            assert_eq!(parse_duration(text), Ok(expected), "{text:?}");
        }
        for bad in [
            "",
            "ms",
            "3",
            "-3ms",
            "1..5s",
            "3 parsecs",
            "99999999999999999999m",
            "8d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn fractions_and_flags_are_validated() {
        assert_eq!(parse_fraction("0"), Ok(0.0));
        assert_eq!(parse_fraction("1"), Ok(1.0));
        assert_eq!(parse_fraction("0.05"), Ok(0.05));
        for bad in ["1.5", "-0.1", "NaN", "inf", "lots"] {
            assert!(parse_fraction(bad).is_err(), "{bad:?} should be rejected");
        }

        #[derive(clap::Parser, Debug)]
        struct Cli {
            #[command(flatten)]
            args: DemoTargetArgs,
        }
        let defaults = Cli::try_parse_from(["demo"]).expect("defaults parse").args;
        assert_eq!(defaults.config(), DemoConfig::default());

        let custom = Cli::try_parse_from([
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--capacity",
            "8",
            "--latency",
            "0ms",
            "--error-rate",
            "0.25",
            "--seed",
            "3",
        ])
        .expect("flags parse")
        .args;
        assert_eq!(custom.bind, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(custom.config().latency, Duration::ZERO);
        assert_eq!(
            (custom.capacity, custom.error_rate, custom.seed),
            (8, 0.25, Some(3))
        );

        for bad in [
            &["demo", "--error-rate", "1.5"][..],
            &["demo", "--tail-ratio", "2"],
            &["demo", "--capacity", "0"],
            &["demo", "--latency", "fast"],
        ] {
            let error = Cli::try_parse_from(bad).expect_err("should be rejected");
            assert!(error.to_string().contains(bad[1]), "{error}");
        }
    }
}
