//! Runs a scenario file through the engine alone and prints the summary as JSON: a quick way
//! to profile the engine (`perf`, `valgrind --tool=callgrind`) without building the whole CLI.
//!
//! `cargo run --release -p engine --example drive -- SCENARIO.yaml [INTERVAL_SECONDS]`

use std::time::Duration;

use shared::scenario::{Format, ValidationEnv, parse_scenario, validate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: drive SCENARIO.yaml [INTERVAL_SECONDS]")?;
    let interval: f64 = args.next().map_or(Ok(1.0), |s| s.parse())?;
    let source = std::fs::read_to_string(&path)?;
    let parsed = parse_scenario(&source, Format::from_path(path.as_ref()))
        .map_err(|e| format!("{path}: {e}"))?;
    let scenario =
        validate(&parsed, &ValidationEnv::default()).map_err(|e| format!("{path}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(async {
        let config = engine::EngineConfig {
            interval: Duration::from_secs_f64(interval),
            seed: None,
        };
        let handle = engine::start(scenario, config)?;
        Ok::<_, engine::EngineError>(handle.wait().await)
    })?;
    println!("{}", serde_json::to_string_pretty(&*summary)?);
    Ok(())
}
