//! Drives the real `stampede` binary: the demo target as a child process, `stampede run` on the
//! shipped examples and on fixtures, checking output, files and exit codes.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

#[cfg(unix)]
use e2e::binary::signal;
use e2e::binary::{repo, stampede};
use shared::api::RunComparison;
use shared::demo::DemoStats;
use shared::metrics::RunSummary;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("stampede-cli-{}-{name}", std::process::id()))
}

/// `stampede validate` of a file holding `contents`, named `name` (its ending says its
/// format); the file is removed again.
fn validate_written(name: &str, contents: &str) -> Output {
    let file = temp_file(name);
    std::fs::write(&file, contents).expect("write the scenario");
    let output = stampede()
        .arg("validate")
        .arg(&file)
        .output()
        .expect("stampede validate");
    let _ = std::fs::remove_file(&file);
    output
}

/// The demo target as a child process on a free port; killed on drop.
struct DemoTarget {
    child: Child,
    url: String,
}

impl DemoTarget {
    fn start(extra: &[&str]) -> Self {
        let mut child = stampede()
            .args(["demo-target", "--bind", "127.0.0.1:0", "--latency", "1ms"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("demo target starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("announcement line");
        let url = line
            .trim()
            .strip_prefix("demo target listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, url }
    }

    fn stats(&self) -> DemoStats {
        let body = http_get(&format!("{}/__stampede/stats", self.url));
        serde_json::from_str(&body).expect("stats JSON")
    }
}

impl Drop for DemoTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-shot HTTP/1.1 GET over a plain socket (loopback only).
fn http_get(url: &str) -> String {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read");
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .expect("HTTP response")
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    run_as(stampede(), args, env)
}

/// `run` as `cmd` starts `stampede`.
fn run_as(mut cmd: std::process::Command, args: &[&str], env: &[(&str, &str)]) -> Output {
    cmd.arg("run")
        .args(args)
        .args(["--quiet", "--interval", "200ms"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("stampede run")
}

fn read_summary(path: &Path) -> RunSummary {
    let text = std::fs::read_to_string(path).expect("--out file written");
    serde_json::from_str(&text).expect("--out is a RunSummary")
}

/// `run` arguments: two users of `scenario` for 300 ms against `url`, the summary to `out`.
#[cfg(unix)]
fn two_users_briefly<'a>(scenario: &'a Path, url: &'a str, out: &'a str) -> [&'a str; 9] {
    [
        scenario.to_str().expect("utf-8 path"),
        "--target",
        url,
        "--users",
        "2",
        "--duration",
        "300ms",
        "--out",
        out,
    ]
}

/// `--out` to a pipe or a device gets the summary: here `/dev/stdout`, a pipe this test reads.
/// Such a file cannot be truncated, and that refusal used to lose the summary after the whole
/// run had been sent (exit 3).
#[cfg(unix)]
#[test]
fn out_to_a_pipe_gets_the_summary() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let output = run(&two_users_briefly(&many, &target.url, "/dev/stdout"), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The table, then the summary as JSON.
    let json = stdout
        .find("\n{")
        .map(|at| &stdout[at + 1..])
        .expect("the summary's JSON on stdout");
    let summary: RunSummary = serde_json::from_str(json).expect("--out is a RunSummary");
    assert_eq!(summary.scenario, "many-users");
    assert!(summary.total.requests > 0, "{summary:?}");
}

/// A `--out` write that fails half way leaves the file as it was. Here a file-size limit of one
/// block (with SIGXFSZ ignored, so the write fails with EFBIG rather than killing the process)
/// stands in for a full disk. The summary used to be written in place, so the old file was cut
/// short and lost.
#[cfg(unix)]
#[test]
fn a_failed_out_write_keeps_the_old_file() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let out_file = temp_file("kept.json");
    let old = "{\"the previous\": \"summary\"}\n";
    std::fs::write(&out_file, old).expect("write the old --out file");
    let output = run_as(
        e2e::binary::stampede_after("trap '' XFSZ; ulimit -f 1"),
        &two_users_briefly(&many, &target.url, out_file.to_str().expect("utf-8 path")),
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kept = std::fs::read_to_string(&out_file).expect("the --out file is still there");
    let _ = std::fs::remove_file(&out_file);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(kept, old, "the old --out file was changed: {stderr}");
    let litter = side_files_of(&out_file);
    assert!(litter.is_empty(), "{litter:?}");
}

/// The files beside `file` that a replacement of it would write (`.NAME…`): none should be
/// left behind, whether the write succeeded or not.
#[cfg(unix)]
fn side_files_of(file: &Path) -> Vec<String> {
    let dir = file.parent().expect("a directory");
    let name = file
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    std::fs::read_dir(dir)
        .expect("the temp dir reads")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with(&format!(".{name}")))
        .collect()
}

/// `compare` as `cmd` starts `stampede`.
fn compare_as(mut cmd: std::process::Command, args: &[&str]) -> Output {
    cmd.arg("compare")
        .args(args)
        .output()
        .expect("stampede compare")
}

/// `compare --junit` and `--json` are replaced as `run --out` is: a write that fails half way
/// (the file-size limit of `a_failed_out_write_keeps_the_old_file`) leaves the old files as
/// they were and exits 3, as `run` does, after printing the comparison. They used to be written
/// in place, cut short, with exit 2, which says that a run could not be read.
#[cfg(unix)]
#[test]
fn a_failed_compare_write_keeps_the_old_files() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let summary = temp_file("compared.json");
    let summary = summary.to_str().expect("utf-8 path");
    let output = run(&two_users_briefly(&many, &target.url, summary), &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let (junit, json) = (temp_file("kept.junit.xml"), temp_file("kept-compare.json"));
    let old = "the previous comparison\n";
    for file in [&junit, &json] {
        std::fs::write(file, old).expect("write the old output file");
    }
    let output = compare_as(
        e2e::binary::stampede_after("trap '' XFSZ; ulimit -f 1"),
        &[
            summary,
            summary,
            "--junit",
            junit.to_str().expect("utf-8 path"),
            "--json",
            json.to_str().expect("utf-8 path"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kept = [&junit, &json].map(|f| std::fs::read_to_string(f).expect("still there"));
    let litter = [&junit, &json].map(|f| side_files_of(f));
    for f in [&junit, &json] {
        let _ = std::fs::remove_file(f);
    }
    let _ = std::fs::remove_file(summary);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    for (flag, file) in [("--junit", &junit), ("--json", &json)] {
        let says = format!("error: cannot write {flag} {}: ", file.display());
        assert!(stderr.contains(&says), "{says:?} in {stderr}");
    }
    assert_eq!(kept, [old, old], "an old output file was changed: {stderr}");
    assert_eq!(litter, [Vec::<String>::new(), Vec::new()]);
    // The comparison itself was still printed.
    assert!(
        stdout.ends_with("No change beyond tolerance (5% and a noise floor).\n"),
        "{stdout}"
    );
}

#[test]
fn web_app_example_matches_the_targets_own_count() {
    let target = DemoTarget::start(&[]);
    let out_file = temp_file("web_app.json");
    let web_app = repo().join("examples/web_app.yaml");
    let output = run(
        &[
            web_app.to_str().expect("utf-8 path"),
            "--target",
            &target.url,
            "--duration",
            "2s",
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&out_file);
    assert!(summary.total.requests > 0);
    assert_eq!(
        target.stats().requests_total,
        summary.total.requests,
        "engine count == target count"
    );
    assert_eq!(summary.total.errors, 0);
    // The printed table carries the same total and the verdict.
    assert!(
        stdout.contains(&format!("requests {} (", summary.total.requests)),
        "{stdout}"
    );
    assert!(stdout.contains("verdict: thresholds passed"), "{stdout}");
    assert!(stdout.contains("p(95) < 500ms"), "{stdout}");
}

/// The README's scenario (its first YAML block) holds against the demo target it names: every
/// check passes and so does every threshold. A reader copies it first.
#[test]
fn the_readme_scenario_passes_against_the_demo_target() {
    let target = DemoTarget::start(&[]);
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let yaml = readme
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a YAML block in the README");
    let scenario = temp_file("readme.yaml");
    std::fs::write(&scenario, yaml).expect("write the scenario");
    let out_file = temp_file("readme.json");
    let output = run(
        &[
            scenario.to_str().expect("utf-8 path"),
            "--target",
            &target.url,
            "--duration",
            "2s",
            "--rate",
            "10",
            "--out",
            out_file.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&scenario);
    let _ = std::fs::remove_file(&out_file);
    assert!(summary.total.requests > 0, "{summary:?}");
    for c in &summary.checks {
        assert_eq!(c.failed, 0, "{c:?}");
    }
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn invalid_scenario_exits_2_naming_field_and_position() {
    let output = run(&[fixture("bad_method.yaml").to_str().expect("utf-8")], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("journeys[0].steps[0].request.method: unknown method \"GETT\""),
        "{stderr}"
    );
    assert!(stderr.contains("at line 7, column 19"), "{stderr}");

    // Columns count characters, as the server's do: "日本" before the mistake is two, not the
    // six bytes serde_json counted.
    let output = validate_written("columns.json", r#"{"name": "日本", "journeys": [}"#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at line 1, column 29\n"), "{stderr}");

    let missing = run(&["/nonexistent/scenario.yaml"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/scenario.yaml")
    );

    // A file named by mistake is read no further than a scenario can be long: an endless one
    // used to fill the memory.
    #[cfg(unix)]
    {
        let endless = run(&["/dev/zero"], &[]);
        let stderr = String::from_utf8_lossy(&endless.stderr);
        assert_eq!(endless.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(
                "error: cannot read /dev/zero: it is larger than 4.0 MiB, the most a scenario may be"
            ),
            "{stderr}"
        );
    }
}

#[test]
fn failed_threshold_exits_1_and_target_comes_from_cloud_api_url() {
    let target = DemoTarget::start(&[]);
    let out_file = temp_file("threshold.json");
    let output = run(
        &[
            fixture("failing_threshold.yaml").to_str().expect("utf-8"),
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
        &[("CLOUD_API_URL", &target.url)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("FAIL rps > 1000000"), "{stdout}");
    assert!(stdout.contains("THRESHOLDS FAILED"), "{stdout}");
    let target_line = format!("  target   {}", target.url);
    assert!(stdout.lines().any(|l| l == target_line), "{stdout}");
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&out_file);
    assert_eq!(
        summary
            .thresholds
            .iter()
            .map(|t| t.passed)
            .collect::<Vec<_>>(),
        vec![false, true]
    );
    assert_eq!(
        target.stats().requests_total,
        summary.total.requests,
        "requests went to CLOUD_API_URL"
    );
}

#[test]
fn max_concurrent_users_caps_the_run_and_rate_on_closed_model_is_refused() {
    let target = DemoTarget::start(&[]);
    let out_file = temp_file("capped.json");
    let many = fixture("many_users.yaml");
    let output = run(
        &[
            many.to_str().expect("utf-8"),
            "--target",
            &target.url,
            "--users",
            "40",
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
        &[("MAX_CONCURRENT_USERS", "3"), ("LOAD_TEST_DURATION", "1")],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&out_file);
    assert!(
        summary.peak_users <= 3 && summary.peak_users >= 1,
        "peak users {}",
        summary.peak_users
    );

    let refused = run(
        &[
            many.to_str().expect("utf-8"),
            "--target",
            &target.url,
            "--rate",
            "10",
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--rate: a rate applies to open-model profiles")
    );
}

#[test]
fn validate_subcommand_and_help() {
    let ok = stampede()
        .args([
            "validate",
            repo()
                .join("examples/api_load.yaml")
                .to_str()
                .expect("utf-8"),
        ])
        .output()
        .expect("runs");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid"));

    // A JSON scenario saved with a byte-order mark (as Notepad does) reads as written; the
    // counts are worded for one.
    let scenario = r#"{"name": "s", "target": "http://127.0.0.1:1", "journeys": [{"name": "j",
        "steps": [{"request": {"path": "/"}}]}],
        "load": {"type": "constant_users", "users": 1, "duration": "1s"}}"#;
    let bom = validate_written("bom.json", &format!("\u{FEFF}{scenario}"));
    let stdout = String::from_utf8_lossy(&bom.stdout);
    assert_eq!(
        bom.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&bom.stderr)
    );
    assert!(
        stdout.ends_with(": valid — 1 journey, 1 request name, 0 thresholds\n"),
        "{stdout}"
    );

    // A scenario without a target is checked against the one it would run with: refused
    // without any (the message suggests --target), valid with `--target`, as `run` takes it.
    let untargeted = fixture("failing_threshold.yaml");
    let untargeted = untargeted.to_str().expect("utf-8");
    let refused = stampede()
        .args(["validate", untargeted])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("pass --target"), "{stderr}");
    let targeted = stampede()
        .args(["validate", untargeted, "--target", "http://127.0.0.1:1"])
        .output()
        .expect("runs");
    assert_eq!(
        targeted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&targeted.stderr)
    );

    let help = stampede().arg("--help").output().expect("runs");
    let text = String::from_utf8_lossy(&help.stdout);
    for sub in ["run", "validate", "demo-target"] {
        assert!(text.contains(sub), "{text}");
    }
}

/// Worker threads of the `stampede` process `pid` right now, from the thread names in /proc (a
/// name is cut to 15 bytes there, so every `stampede-worker-N` reads `stampede-worker`).
#[cfg(target_os = "linux")]
fn worker_threads(pid: u32) -> usize {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .filter(|name| name.trim() == "stampede-worker")
        .count()
}

/// Runs a small closed-model scenario (4 users, 1 s) against `target` and returns the exit
/// code, the largest number of worker threads seen while it ran, and the requests it counted.
#[cfg(target_os = "linux")]
fn run_counting_workers(
    target: &DemoTarget,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, usize, u64) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out_file = temp_file(&format!("threads-{n}.json"));
    let mut cmd = stampede();
    cmd.env_remove("STAMPEDE_THREADS")
        .arg("run")
        .arg(fixture("many_users.yaml"))
        .args(["--target", &target.url, "--users", "4", "--quiet"])
        .arg("--out")
        .arg(&out_file)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("stampede run starts");
    let limit = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut most = 0;
    let status = loop {
        most = most.max(worker_threads(child.id()));
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > limit {
            let _ = child.kill();
            panic!("stampede run did not finish within 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let requests = if status.success() {
        read_summary(&out_file).total.requests
    } else {
        0
    };
    let _ = std::fs::remove_file(&out_file);
    (status.code(), most, requests)
}

#[cfg(target_os = "linux")]
#[test]
fn threads_flag_and_stampede_threads_set_the_worker_count() {
    let target = DemoTarget::start(&[]);
    let (code, workers, first) = run_counting_workers(&target, &["--threads", "3"], &[]);
    assert_eq!((code, workers), (Some(0), 3));
    // The environment variable is the fallback; the flag wins over it.
    let (code, workers, second) = run_counting_workers(&target, &[], &[("STAMPEDE_THREADS", "2")]);
    assert_eq!((code, workers), (Some(0), 2));
    let (code, workers, third) =
        run_counting_workers(&target, &["--threads", "1"], &[("STAMPEDE_THREADS", "2")]);
    assert_eq!((code, workers), (Some(0), 1));
    assert!(first > 0 && second > 0 && third > 0);
    assert_eq!(
        target.stats().requests_total,
        first + second + third,
        "engine counts == target count"
    );
}

#[test]
fn threads_must_be_a_positive_whole_number() {
    let many = fixture("many_users.yaml");
    let many = many.to_str().expect("utf-8");
    // Nothing listens there; validation fails before anything would be sent.
    let target = "http://127.0.0.1:9";
    let zero = run(&[many, "--target", target, "--threads", "0"], &[]);
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert_eq!(zero.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--threads <N>"), "{stderr}");
    assert!(stderr.contains("must be at least 1"), "{stderr}");
    let env = run(&[many, "--target", target], &[("STAMPEDE_THREADS", "many")]);
    let stderr = String::from_utf8_lossy(&env.stderr);
    assert_eq!(env.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a thread count"), "{stderr}");

    let help = stampede().args(["run", "--help"]).output().expect("runs");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--threads <N>"), "{text}");
    assert!(text.contains("STAMPEDE_THREADS"), "{text}");
}

/// `stampede run` of a fixture with snapshots every 200 ms, `args` and `--out out`, its stdout
/// and stderr piped.
fn run_piped(name: &str, args: &[&str], out: &Path) -> Child {
    stampede()
        .arg("run")
        .arg(fixture(name))
        .args(args)
        .args(["--interval", "200ms"])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stampede run starts")
}

/// Reads the rest of `stderr` on a thread of its own, so the child never blocks on it.
fn read_rest<R: std::io::Read + Send + 'static>(mut stderr: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

/// Ctrl-C during a run whose thresholds fail: the exit code says "interrupted" (130), not
/// "thresholds failed" (1), and the summary and `--out` are still written. SIGTERM, which a CI
/// runner sends to cancel a job, does the same: before, it killed the run with no summary.
#[cfg(unix)]
#[test]
fn ctrl_c_or_sigterm_exits_130_even_when_thresholds_fail() {
    let target = DemoTarget::start(&[]);
    for (name, said) in [("INT", "stopping: "), ("TERM", "stopping on SIGTERM: ")] {
        let out_file = temp_file(&format!("interrupted-{name}.json"));
        let mut child = run_piped(
            "failing_threshold.yaml",
            &["--target", &target.url, "--duration", "60s"],
            &out_file,
        );
        // The first progress line (stderr is not a terminal: one line per snapshot) is printed
        // from the loop that already listens for signals.
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("a progress line");
        assert!(line.contains("req/s"), "unexpected first line {line:?}");
        signal(child.id(), name);
        let rest = read_rest(stderr);
        let output = child.wait_with_output().expect("stampede run ends");
        let stderr = rest.join().expect("stderr reader");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(130),
            "{name}: {stdout}\n{stderr}"
        );
        assert!(stderr.contains(said), "{name}: {stderr}");
        assert!(stdout.contains("FAIL rps > 1000000"), "{name}: {stdout}");
        let summary = read_summary(&out_file);
        let _ = std::fs::remove_file(&out_file);
        assert!(!summary.thresholds_passed());
        assert!(
            summary.duration_ms < 30_000,
            "{name}: stopped early: {summary:?}"
        );
    }
}

/// A second Ctrl-C cuts the graceful stop short: the users thinking for 30 s are interrupted at
/// once, not waited for, and the summary and `--out` are still written (exit 130).
#[cfg(unix)]
#[test]
fn a_second_ctrl_c_cuts_the_graceful_stop_and_still_writes_the_summary() {
    let target = DemoTarget::start(&[]);
    let out_file = temp_file("cut.json");
    let mut child = run_piped("thinking.yaml", &["--target", &target.url], &out_file);
    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut seen = String::new();
    let mut line = String::new();
    // The first progress line, 200 ms in: both users made their first request at once and are
    // thinking.
    stderr.read_line(&mut line).expect("a progress line");
    assert!(line.contains("req/s"), "unexpected first line {line:?}");
    seen.push_str(&line);
    signal(child.id(), "INT");
    while !line.starts_with("stopping: ") {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("a line") > 0, "{seen}");
        seen.push_str(&line);
    }
    signal(child.id(), "INT");
    let rest = read_rest(stderr);
    let output = child.wait_with_output().expect("stampede run ends");
    let stderr = seen + &rest.join().expect("stderr reader");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("stopping now: cutting in-flight requests"),
        "{stderr}"
    );
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&out_file);
    assert_eq!(summary.interrupted_iterations, 2, "{summary:?}");
    assert!(summary.duration_ms < 30_000, "not waited for: {summary:?}");
    assert_eq!(summary.planned_ms, 60_000, "the plan is in the summary");
    assert!(stdout.contains("interrupted 2"), "{stdout}");
    assert!(stdout.contains(" s of 60.0 s planned\n"), "{stdout}");
}

/// `stampede` with `args`, its stdout closed before it writes anything: what a reader that
/// quit (`stampede run … | head`) leaves it.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = stampede()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stampede starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("stampede ends")
}

/// A closed stdout loses nothing: the summary cannot be printed, but `--out` and `--report` are
/// still written and the exit code is the run's. Printing to the closed pipe used to panic
/// (exit 101) and leave `--out` empty. `validate` and `compare` keep their exit codes too.
#[test]
fn a_closed_stdout_loses_no_results() {
    let target = DemoTarget::start(&[]);
    let out_file = temp_file("closed-stdout.json");
    let report = temp_file("closed-stdout.html");
    let many = fixture("many_users.yaml");
    let many = many.to_str().expect("utf-8");
    let out = out_file.to_str().expect("utf-8");
    let ran = with_closed_stdout(&[
        "run",
        many,
        "--target",
        &target.url,
        "--quiet",
        "--interval",
        "200ms",
        "--out",
        out,
        "--report",
        report.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("warning: cannot print the summary: "),
        "{stderr}"
    );
    let summary = read_summary(&out_file);
    assert!(summary.total.requests > 0, "{summary:?}");
    let html = std::fs::read_to_string(&report).expect("--report written");
    assert!(html.contains("many-users"), "the report is the run's");

    let web_app = repo().join("examples/web_app.yaml");
    let validated = with_closed_stdout(&["validate", web_app.to_str().expect("utf-8")]);
    let compared = with_closed_stdout(&["compare", out, out]);
    let _ = std::fs::remove_file(&out_file);
    let _ = std::fs::remove_file(&report);
    for (what, output) in [("validate", validated), ("compare", compared)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{what}: {stderr}");
        assert!(stderr.is_empty(), "{what}: {stderr}");
    }
}

/// A mistake made by an override flag names the flag, not a line of the file that holds
/// another value; a mistake the flag causes in another field says the flag was in effect.
#[test]
fn errors_caused_by_override_flags_name_the_flag() {
    let many = fixture("many_users.yaml");
    let many = many.to_str().expect("utf-8");
    let zero = run(
        &[many, "--target", "http://127.0.0.1:9", "--users", "0"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert_eq!(zero.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("  --users: must be at least 1\n"),
        "{stderr}"
    );

    let ftp = run(&[many, "--target", "ftp://x"], &[]);
    let stderr = String::from_utf8_lossy(&ftp.stderr);
    assert_eq!(ftp.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("  --target: \"ftp://x\" must be an http:// or https:// URL\n"),
        "{stderr}"
    );

    let spike = repo().join("examples/spike.yaml");
    let short = run(&[spike.to_str().expect("utf-8"), "--duration", "10s"], &[]);
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert_eq!(short.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("  load.period: no spike fits"), "{stderr}");
    assert!(
        stderr.contains("(with --duration 10s) at line 18, column 11"),
        "{stderr}"
    );
}

/// A variable a flag reads that is set but empty counts as unset, as `CLOUD_API_URL` does: a CI
/// job passes one whose value was left out as the empty string, and `LOAD_TEST_DURATION=""`
/// used to refuse the run as an invalid `--duration`. A variable's invalid value is refused
/// with a tip naming the variable, as the flag it is named under was not typed; the variable of
/// the subcommand given (`demo-target --bind` reads `STAMPEDE_DEMO_BIND`, not `serve`'s
/// `STAMPEDE_BIND`).
#[test]
fn empty_variables_are_unset_and_bad_ones_are_named() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let out_file = temp_file("empty-env.json");
    let out = out_file.to_str().expect("utf-8 path");
    let empty = [
        "LOAD_TEST_DURATION",
        "MAX_CONCURRENT_USERS",
        "METRICS_COLLECTION_INTERVAL",
        "STAMPEDE_THREADS",
    ];
    let mut cmd = stampede();
    for var in empty {
        cmd.env(var, "");
    }
    let output = cmd
        .arg("run")
        .args(two_users_briefly(&many, &target.url, out))
        .arg("--quiet")
        .output()
        .expect("stampede run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let summary = read_summary(&out_file);
    let _ = std::fs::remove_file(&out_file);
    assert!(summary.total.requests > 0, "{summary:?}");

    let bad = stampede()
        .env("MAX_CONCURRENT_USERS", "0")
        .arg("run")
        .arg(&many)
        .output()
        .expect("stampede run");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value '0' for '--max-users <N>'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tip: the value comes from the environment variable MAX_CONCURRENT_USERS"),
        "{stderr}"
    );
    // Typed on the command line, the flag's value is the user's own: no tip.
    let typed = stampede()
        .env("MAX_CONCURRENT_USERS", "0")
        .args(["run", "--max-users=0"])
        .arg(&many)
        .output()
        .expect("stampede run");
    let stderr = String::from_utf8_lossy(&typed.stderr);
    assert_eq!(typed.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("environment variable"), "{stderr}");

    let demo = stampede()
        .env("STAMPEDE_BIND", "nowhere")
        .env("STAMPEDE_DEMO_BIND", "nowhere")
        .arg("demo-target")
        .output()
        .expect("stampede demo-target");
    let stderr = String::from_utf8_lossy(&demo.stderr);
    assert_eq!(demo.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tip: the value comes from the environment variable STAMPEDE_DEMO_BIND"),
        "{stderr}"
    );
}

/// Settings that would waste the run are refused before any load: a snapshot interval below
/// the floor, and an `--out` path that cannot be created.
#[test]
fn too_short_interval_and_unwritable_out_are_refused_before_the_run() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let many = many.to_str().expect("utf-8");
    let output = stampede()
        .args(["run", many, "--target", &target.url, "--quiet"])
        .args(["--interval", "0.001"])
        .output()
        .expect("stampede run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at least 100ms"), "{stderr}");

    let env = stampede()
        .args(["run", many, "--target", &target.url, "--quiet"])
        .env("METRICS_COLLECTION_INTERVAL", "0.001")
        .output()
        .expect("stampede run");
    assert_eq!(env.status.code(), Some(2));

    let out = run(
        &[
            many,
            "--target",
            &target.url,
            "--duration",
            "30s",
            "--out",
            "/nonexistent/dir/x.json",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write --out /nonexistent/dir/x.json"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no summary: nothing ran");
    assert_eq!(target.stats().requests_total, 0, "no load was sent");
}

/// A minimal XML well-formedness check (no XML crate in this workspace): a declaration, then
/// elements that nest properly, with exactly one root. Returns the element names in order.
fn xml_elements(text: &str) -> Vec<String> {
    let body = text
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split_once("?>"))
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("no XML declaration:\n{text}"));
    let (mut open, mut names, mut roots) = (Vec::<String>::new(), Vec::new(), 0);
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("a tag is closed") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.trim()),
                "mismatched tag:\n{text}"
            );
            continue;
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .expect("a name")
            .to_owned();
        if open.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !tag.ends_with('/') {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "unclosed {open:?}:\n{text}");
    assert_eq!(roots, 1, "one root element:\n{text}");
    names
}

/// `--report` writes the server's reports from the CLI, the format following each file name,
/// also when thresholds fail (exit 1).
#[test]
fn report_flags_write_html_junit_json_and_csv() {
    let target = DemoTarget::start(&[]);
    let files = ["a.html", "a.junit.xml", "a.json", "a.csv", "summary.json"].map(temp_file);
    let [html, junit, json, csv, out] = &files;
    let path = |p: &PathBuf| p.to_str().expect("utf-8").to_owned();
    let scenario = fixture("failing_threshold.yaml");
    let output = run(
        &[
            &path(&scenario),
            "--target",
            &target.url,
            "--duration",
            "1s",
            "--report",
            &path(html),
            "--report",
            &path(junit),
            "--report",
            &path(json),
            "--report",
            &path(csv),
            "--out",
            &path(out),
        ],
        &[],
    );
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{} written: {e}", p.display()))
    };
    let texts = files.each_ref().map(read);
    for f in &files {
        let _ = std::fs::remove_file(f);
    }
    let [html, junit, json, csv, out] = texts;
    assert_eq!(
        output.status.code(),
        Some(1),
        "thresholds fail; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: RunSummary = serde_json::from_str(&out).expect("--out is a RunSummary");
    assert!(summary.total.requests > 0);

    assert!(html.starts_with("<!DOCTYPE html>"), "an HTML page");
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(html.contains("too-demanding"), "the scenario name");

    let elements = xml_elements(&junit);
    assert!(elements.iter().any(|e| e == "testsuite"), "{junit}");
    let cases = junit.matches("<testcase ").count();
    assert_eq!(summary.thresholds.len(), 2);
    assert_eq!(
        junit.matches("classname=\"thresholds\"").count(),
        summary.thresholds.len(),
        "{junit}"
    );
    // One per threshold and check, and one for the run, which completed.
    assert_eq!(
        cases,
        summary.thresholds.len() + summary.checks.len() + 1,
        "{junit}"
    );
    assert!(
        junit.contains("<testcase classname=\"run\" name=\"run\" time=\"0\"/>"),
        "{junit}"
    );
    assert!(junit.contains("rps &gt; 1000000"), "{junit}");

    let report: shared::report::JsonReport = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(report.results.total_requests, summary.total.requests);
    assert_eq!(report.thresholds_passed, Some(false));

    let mut lines = csv.lines();
    let header = lines.next().expect("a header");
    assert!(header.starts_with("seq,elapsed_s,"), "{header}");
    let seqs: Vec<u64> = lines
        .map(|l| l.split(',').next().expect("seq").parse().expect("a number"))
        .collect();
    // 1 s at one snapshot per 200 ms, plus the final one; each interval exactly once.
    assert!(seqs.len() >= 4, "{csv}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{csv}");
}

/// An unknown report ending is a usage error, reported before any load is sent.
#[test]
fn unknown_report_ending_is_refused_before_the_run() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let pdf = temp_file("x.pdf");
    let output = run(
        &[
            many.to_str().expect("utf-8"),
            "--target",
            &target.url,
            "--duration",
            "2s",
            "--report",
            pdf.to_str().expect("utf-8"),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--report <FILE>"), "{stderr}");
    assert!(
        stderr.contains(".html, .json, .junit.xml or .xml, .csv"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no summary: nothing ran");
    assert!(!pdf.exists(), "no file created");
    assert_eq!(target.stats().requests_total, 0, "no load was sent");
}

/// Two outputs naming one file (`--out f.json --report f.json`, or `--report a.csv` twice, as
/// spelled or as `./a.csv`) would have one overwrite the other: a usage error naming the path,
/// before any load is sent, that leaves an existing file as it was and creates none.
#[test]
fn one_file_for_two_outputs_is_refused_before_the_run() {
    let target = DemoTarget::start(&[]);
    let many = fixture("many_users.yaml");
    let many = many.to_str().expect("utf-8");
    let json = temp_file("twice.json");
    let csv = temp_file("twice.csv");
    let (json_s, csv_s) = (json.to_str().expect("utf-8"), csv.to_str().expect("utf-8"));
    std::fs::write(&csv, "kept").expect("an existing file");
    let dotted = csv
        .parent()
        .expect("a directory")
        .join(".")
        .join(csv.file_name().expect("a name"));
    let dotted = dotted.to_str().expect("utf-8");
    for (outputs, says) in [
        (
            vec!["--out", json_s, "--report", json_s],
            format!("--out {json_s} and --report {json_s} are the same file"),
        ),
        (
            vec!["--report", csv_s, "--report", csv_s],
            format!("--report {csv_s} is given twice"),
        ),
        (
            vec!["--report", csv_s, "--report", dotted],
            format!("--report {csv_s} and --report {dotted} are the same file"),
        ),
    ] {
        let mut args = vec![many, "--target", &target.url, "--duration", "30s"];
        args.extend(&outputs);
        let output = run(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{outputs:?}: {stderr}");
        assert!(stderr.contains(&says), "{outputs:?}: {stderr}");
        assert!(output.stdout.is_empty(), "no summary: nothing ran");
    }
    // A symbolic link to the other output, not there yet, is that file too: writing through
    // it used to replace the summary with the report.
    #[cfg(unix)]
    {
        let link = temp_file("link-to-twice.json");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&json, &link).expect("a link to a file not there yet");
        let link_s = link.to_str().expect("utf-8");
        let args = [
            many,
            "--target",
            &target.url,
            "--duration",
            "1s",
            "--out",
            json_s,
            "--report",
            link_s,
        ];
        let output = run(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let _ = std::fs::remove_file(&link);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "--out {json_s} and --report {link_s} are the same file"
            )),
            "{stderr}"
        );
    }
    let kept = std::fs::read_to_string(&csv);
    let _ = std::fs::remove_file(&csv);
    assert_eq!(
        kept.ok().as_deref(),
        Some("kept"),
        "an existing file is left alone"
    );
    assert!(!json.exists(), "no file created");

    // Nor may an output be the scenario file: the run would replace the scenario it ran. (A
    // report's format follows its name, so that scenario is JSON, spelled with `./`.)
    let yaml = std::fs::read_to_string(fixture("many_users.yaml")).expect("the fixture");
    let doc = shared::scenario::parse_scenario(&yaml, shared::scenario::Format::Yaml)
        .expect("the fixture reads");
    let original = serde_json::to_string(&doc).expect("as JSON");
    let scenario = temp_file("scenario-as-output.json");
    std::fs::write(&scenario, &original).expect("a copy");
    let scenario_s = scenario.to_str().expect("utf-8");
    let dotted = scenario_s.replace("/stampede-cli-", "/./stampede-cli-");
    for (flag, as_output) in [("--out", scenario_s), ("--report", &dotted)] {
        let args = [
            scenario_s,
            "--target",
            &target.url,
            "--duration",
            "30s",
            flag,
            as_output,
        ];
        let output = run(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{flag} {as_output} is the scenario file; an output must not overwrite the \
                 scenario it runs"
            )),
            "{flag}: {stderr}"
        );
    }
    let kept = std::fs::read_to_string(&scenario);
    let _ = std::fs::remove_file(&scenario);
    assert_eq!(kept.ok(), Some(original), "the scenario is left as it was");
    assert_eq!(target.stats().requests_total, 0, "no load was sent");
}

/// Names quoted in validation problems reach the terminal with their control characters
/// escaped (`\u{1b}`), as in the summary, not raw.
#[test]
fn control_characters_in_validation_problems_are_escaped() {
    let output = validate_written(
        "control.yaml",
        "name: s\ntarget: http://127.0.0.1:1\njourneys:\n  - name: j\n    steps:\n      \
         - request: { path: /, name: \"x\\e[2J\" }\nload: { type: constant_users, users: 1, \
         duration: 1s }\nthresholds:\n  - { expr: \"p(95) < 1s\", request: \"nope\\e[5m\" }\n",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains(r#"no request is named "nope\u{1b}[5m" (known: "x\u{1b}[2J")"#),
        "{stderr}"
    );
}

/// A one-request scenario against `target`, 2 users for a second, as a JSON file.
fn one_request_scenario(name: &str, target: &str, path: &str) -> PathBuf {
    let file = temp_file(&format!("{name}.json"));
    let scenario = serde_json::json!({
        "name": "compare_me",
        "target": target,
        "journeys": [{ "name": "one", "steps": [{ "request": {
            "name": "GET item", "method": "GET", "path": path
        }}]}],
        "load": { "type": "constant_users", "users": 2, "duration": "1s" }
    });
    std::fs::write(&file, scenario.to_string()).expect("the scenario is written");
    file
}

#[test]
fn compare_exits_1_when_the_candidate_regressed() {
    let target = DemoTarget::start(&[]);
    let mut summaries = Vec::new();
    for (name, path) in [("good", "/api/products/3"), ("broken", "/api/nothing-here")] {
        let scenario = one_request_scenario(name, &target.url, path);
        let out = temp_file(&format!("{name}-summary.json"));
        let output = run(
            &[
                scenario.to_str().expect("utf-8"),
                "--out",
                out.to_str().expect("utf-8"),
            ],
            &[],
        );
        let _ = std::fs::remove_file(&scenario);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        summaries.push(out);
    }
    let [good, broken] = [&summaries[0], &summaries[1]].map(|p| p.to_str().expect("utf-8"));
    let compare = |args: &[&str]| {
        let output = compare_as(stampede(), args);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr),
        )
    };

    // Every request of the candidate failed: its error rate is worse, and so the exit code.
    let junit = temp_file("compare.junit.xml");
    let json = temp_file("compare.json");
    let (code, stdout, stderr) = compare(&[
        good,
        broken,
        "--junit",
        junit.to_str().expect("utf-8"),
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    // The JSON file is the API's comparison, with the verdict the text ends with.
    let c: RunComparison =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("--json wrote its file"))
            .expect("a RunComparison");
    assert_eq!(c.candidate.scenario, "compare_me");
    assert!(c.candidate.id.0.starts_with("cli-"), "{:?}", c.candidate.id);
    assert!(c.regressions >= 1 && !c.total_only, "{c:?}");
    assert!(stdout.ends_with(&format!("{}\n", c.verdict)), "{stdout}");
    // The JUnit file fails the same metric, with the figures in its message.
    let xml = std::fs::read_to_string(&junit).expect("--junit wrote its file");
    assert!(
        xml.contains(
            "<testcase classname=\"total\" name=\"Error rate\" time=\"0\">\n      \
             <failure message=\"0.00% → 100.00%"
        ),
        "{xml}"
    );
    assert!(xml.contains("type=\"regression\""), "{xml}");
    assert!(stdout.starts_with("baseline   "), "{stdout}");
    let error_rate = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Error rate"))
        .unwrap_or_default();
    assert!(
        error_rate.contains("0.00%")
            && error_rate.contains("100.00%")
            && error_rate.ends_with("worse"),
        "{stdout}"
    );
    assert!(stdout.contains("\nGET item\n"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.contains(" regression")
                && l.ends_with("beyond tolerance (5% and a noise floor).")),
        "{stdout}"
    );

    // A run against itself: nothing changed, even with only the total judged at 0 %.
    let (code, stdout, _) = compare(&[good, good, "--tolerance", "0%", "--total-only"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "No change beyond tolerance (0% and a noise floor). Only the total was judged.\n"
        ),
        "{stdout}"
    );

    // What cannot be read as a run is named, with exit 2.
    let twice = temp_file("twice.xml").to_str().expect("utf-8").to_owned();
    let twice_again = twice.replace("/stampede-cli-", "/./stampede-cli-");
    let unwritten = temp_file("unwritten.json")
        .to_str()
        .expect("utf-8")
        .to_owned();
    let report = temp_file("not-a-summary.json");
    std::fs::write(&report, r#"{"test_id": "x", "scenario": "s"}"#).expect("written");
    // JSON that is not an object is named as what it is (serde said "invalid length 0,
    // expected struct RunSummary with 17 elements").
    let list = temp_file("a-list.json");
    std::fs::write(&list, "[]").expect("written");
    for (args, says) in [
        (
            vec![good, report.to_str().expect("utf-8")],
            "is a JSON report",
        ),
        (
            vec![good, list.to_str().expect("utf-8")],
            "a-list.json holds a list, not a run: compare reads a run summary",
        ),
        (
            vec![good, "/nonexistent/summary.json"],
            "cannot read /nonexistent/summary.json",
        ),
        // An output is opened before the runs are read: one it created goes again.
        (
            vec![good, "/nonexistent/summary.json", "--json", &unwritten],
            "cannot read /nonexistent/summary.json",
        ),
        (
            vec![good, broken, "--tolerance=-3"],
            "a tolerance is a percentage",
        ),
        (
            vec![good, broken, "--tolerance", "1001"],
            "a tolerance is a percentage",
        ),
        (
            vec![good, broken, "--junit", "/nonexistent/compare.xml"],
            "cannot write --junit /nonexistent/compare.xml",
        ),
        // An output that would overwrite a run it compares, or the other output.
        (
            vec![good, broken, "--json", good],
            "is the baseline run's file; an output must not overwrite a run it compares",
        ),
        (
            vec![good, broken, "--junit", &twice, "--json", &twice_again],
            "are the same file; each output needs a file of its own",
        ),
    ] {
        let (code, stdout, stderr) = compare(&args);
        assert_eq!(code, Some(2), "{args:?}: {stdout}\n{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    // The refused outputs were not written: the baseline still reads as the run it was.
    let (code, _, _) = compare(&[good, good]);
    assert_eq!(code, Some(0), "the baseline summary is intact");
    assert!(!Path::new(&twice).exists());
    assert!(!Path::new(&unwritten).exists());
    for f in summaries.iter().chain([&report, &list, &junit, &json]) {
        let _ = std::fs::remove_file(f);
    }
}
