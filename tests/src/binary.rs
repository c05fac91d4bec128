//! The real `stampede` binary, for tests that drive it as a user would: locating it, and
//! `stampede serve` as a child process on free ports (killed on drop).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The environment variables `stampede` reads; tests clear them so the host's settings never
/// leak into a run.
pub const ENV_VARS: [&str; 5] = [
    "CLOUD_API_URL",
    "LOAD_TEST_DURATION",
    "MAX_CONCURRENT_USERS",
    "METRICS_COLLECTION_INTERVAL",
    "REPORT_GENERATION_ENABLED",
];

/// The binary Cargo built next to the running test (integration tests of a workspace are built
/// after every member's binaries).
pub fn stampede_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test>-<hash> → target/<profile>/stampede
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = dir.join(format!("stampede{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p backend` (or `make test`)",
        bin.display()
    );
    bin
}

/// A `stampede` command with a clean environment.
pub fn stampede() -> Command {
    without_settings(Command::new(stampede_bin()))
}

/// A `stampede` command with a clean environment, started by `sh` after `setup` (shell
/// commands that shape the process, such as `ulimit`): `sh -c "SETUP; exec stampede ARGS…"`.
#[cfg(unix)]
pub fn stampede_after(setup: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{setup}; exec \"$0\" \"$@\""))
        .arg(stampede_bin());
    without_settings(cmd)
}

fn without_settings(mut cmd: Command) -> Command {
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Sends the process `pid` the signal named as `kill` names it (`INT`, `TERM`).
#[cfg(unix)]
pub fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{name} {pid}");
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stampede-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `stampede serve` on free ports with its own data directory.
pub struct Serve {
    child: Child,
    /// Base URL of the API and UI.
    pub api: String,
    /// Base URL of the in-process demo target.
    pub demo: String,
}

impl Serve {
    /// Starts the server with `--interval 200ms` plus `extra` arguments and waits until it
    /// announces its addresses.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_at(data_dir, "127.0.0.1:0", extra)
    }

    /// As [`Serve::start`], with the API and UI on `bind` (to restart a server where its
    /// clients expect it: pass the `host:port` of [`Serve::api`]).
    pub fn start_at(data_dir: &Path, bind: &str, extra: &[&str]) -> Self {
        Self::launch(data_dir, bind, extra, Stdout::Drained)
    }

    /// As [`Serve::start`], and then its stdout is closed, as when the script that started it
    /// read the addresses and quit: what the server prints after that goes nowhere.
    pub fn start_closing_stdout(data_dir: &Path, extra: &[&str]) -> Self {
        Self::launch(data_dir, "127.0.0.1:0", extra, Stdout::Closed)
    }

    fn launch(data_dir: &Path, bind: &str, extra: &[&str], stdout: Stdout) -> Self {
        let mut child = stampede()
            .args([
                "serve",
                "--bind",
                bind,
                "--demo-bind",
                "127.0.0.1:0",
                "--interval",
                "200ms",
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("stampede serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut api, mut demo) = (None, None);
        while api.is_none() || demo.is_none() {
            let line = lines
                .next()
                .expect("serve announces its addresses")
                .expect("utf-8 line");
            if let Some(url) = line.strip_prefix("stampede listening on ") {
                api = Some(url.to_owned());
            } else if let Some(url) = line.strip_prefix("demo target listening on ") {
                demo = Some(url.to_owned());
            }
        }
        match stdout {
            // Keep draining stdout so the server never blocks on a full pipe.
            Stdout::Drained => drop(std::thread::spawn(move || lines.for_each(drop))),
            Stdout::Closed => drop(lines),
        }
        Self {
            child,
            api: api.expect("api url"),
            demo: demo.expect("demo url"),
        }
    }

    /// Starts a run through `POST /api/workload/start` with this JSON body; expects a 201.
    pub async fn start_run(&self, body: &str) -> shared::api::RunCreated {
        let resp = http_client()
            .post(format!("{}/api/workload/start", self.api))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("POST start");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert_eq!(status.as_u16(), 201, "{text}");
        serde_json::from_str(&text).expect("RunCreated")
    }

    /// Starts `tests/fixtures/thinking.yaml` against the demo target: two users who think for
    /// 30 s after one request, with a graceful stop of a minute.
    pub async fn start_thinking_run(&self) -> shared::api::RunCreated {
        let path = repo().join("tests/fixtures/thinking.yaml");
        let text = std::fs::read_to_string(&path).expect("the thinking fixture");
        let body = serde_json::json!({
            "scenario": { "text": text },
            "overrides": { "target": self.demo },
        });
        self.start_run(&body.to_string()).await
    }

    /// Waits (polling, for at most 20 s) until the run's stored series holds at least `n`
    /// intervals; returns how many it holds.
    pub async fn until_stored(&self, run: &shared::run::RunId, n: usize) -> usize {
        let url = format!("{}/api/runs/{run}/series", self.api);
        let http = http_client();
        for _ in 0..200 {
            if let Ok(resp) = http.get(&url).send().await
                && let Ok(text) = resp.text().await
                && let Ok(series) = serde_json::from_str::<Vec<serde_json::Value>>(&text)
                && series.len() >= n
            {
                return series.len();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("run {run} did not store {n} intervals within 20 s");
    }

    /// Sends the signal `name` (`TERM`, `INT`) with `kill`.
    #[cfg(unix)]
    pub fn signal(&self, name: &str) {
        signal(self.child.id(), name);
    }

    /// Waits (polling, for at most `secs`) for the server to exit; its exit status, or `None`
    /// if it is still running.
    pub async fn exited_within(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        for _ in 0..secs * 10 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }

    /// SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What becomes of a server's stdout once it has announced its addresses.
enum Stdout {
    Drained,
    Closed,
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// An HTTP client for talking to `stampede serve` (20 s timeout).
pub fn http_client() -> reqwest::Client {
    // reqwest is built without a TLS provider of its own; install ring (Err: already installed).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}
