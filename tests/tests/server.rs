//! Drives the real `stampede serve` binary: start a run over REST, follow it on the WebSocket
//! until it finishes, check the live snapshots against the final totals and the demo target's
//! own counter, download every report, and survive a `kill -9` mid-run.

use std::path::Path;
use std::time::Duration;

use e2e::binary::{Serve as Server, http_client, temp_dir};
use futures_util::{SinkExt as _, StreamExt as _};
use shared::api::{RunComparison, RunDetail, RunInfo, WorkloadStatus};
use shared::demo::DemoStats;
use shared::metrics::MetricsSnapshot;
use shared::run::RunStatus;
use shared::ws::ServerMsg;
use tokio_tungstenite::tungstenite::Message;

fn data_dir(name: &str) -> std::path::PathBuf {
    temp_dir(name)
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let resp = http_client().get(url).send().await.expect("GET");
    assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_websocket_follow_a_run_to_its_reports() {
    let dir = data_dir("follow");
    let server = Server::start(&dir, &[]);
    let (mut ws, hello) = connect_feed(&server).await;
    assert!(matches!(hello, Some(ServerMsg::Hello { protocol: 1 })));

    let created = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"2s","rate":20}}"#)
        .await;
    let mut snapshots: Vec<MetricsSnapshot> = Vec::new();
    let mut statuses = Vec::new();
    let summary = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let frame = ws.next().await.expect("feed open").expect("frame");
            match parse(&frame) {
                Some(ServerMsg::Snapshot { run_id, snapshot }) if run_id == created.run_id => {
                    snapshots.push(*snapshot)
                }
                Some(ServerMsg::Status { run_id, status }) if run_id == created.run_id => {
                    statuses.push(status)
                }
                Some(ServerMsg::Finished { run_id, summary }) if run_id == created.run_id => {
                    break summary;
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the run finishes within 30 s");

    assert_eq!(summary.status, RunStatus::Completed);
    assert!(statuses.contains(&RunStatus::Running), "{statuses:?}");
    assert!(
        snapshots.len() >= 8,
        "a 2 s run at 200 ms intervals: {} snapshots",
        snapshots.len()
    );
    assert!(
        snapshots.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "no snapshot missed or repeated"
    );
    let live_total: u64 = snapshots.iter().map(|s| s.interval.requests).sum();
    assert_eq!(
        live_total, summary.total.requests,
        "live snapshots add up to the final total"
    );
    let demo: DemoStats = get_json(&format!("{}/__stampede/stats", server.demo)).await;
    assert_eq!(
        demo.requests_total, summary.total.requests,
        "and to the demo target's own counter"
    );

    // History and every report format.
    let detail: RunDetail = get_json(&format!("{}/api/runs/{}", server.api, created.run_id)).await;
    assert_eq!(detail.info.status, RunStatus::Completed);
    let series: Vec<MetricsSnapshot> = get_json(&format!(
        "{}/api/runs/{}/series",
        server.api, created.run_id
    ))
    .await;
    assert_eq!(series.len(), snapshots.len());
    for (file, content_type, needle) in [
        ("report.json", "application/json", "\"total_requests\""),
        ("report.html", "text/html", "data-chart=\"throughput\""),
        ("report.junit.xml", "application/xml", "<testsuites"),
        ("report.csv", "text/csv", "seq,elapsed_s"),
    ] {
        let resp = http_client()
            .get(format!("{}/api/runs/{}/{file}", server.api, created.run_id))
            .send()
            .await
            .expect("GET report");
        assert_eq!(resp.status().as_u16(), 200, "{file}");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with(content_type), "{file}: {ct}");
        let body = resp.text().await.expect("report body");
        assert!(body.contains(needle), "{file} lacks {needle}");
    }
    let report: shared::report::JsonReport = get_json(&format!(
        "{}/api/runs/{}/report.json",
        server.api, created.run_id
    ))
    .await;
    assert_eq!(report.results.total_requests, summary.total.requests);
    let junit = http_client()
        .get(format!(
            "{}/api/runs/{}/report.junit.xml",
            server.api, created.run_id
        ))
        .send()
        .await
        .expect("junit")
        .text()
        .await
        .expect("text");
    assert_eq!(
        junit.matches("<testcase").count(),
        summary.thresholds.len() + summary.checks.len() + 1,
        "one test case per threshold and check, and one for the run"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The feed is one-way: a viewer that sends a large message is cut off at once rather than
/// having it buffered (axum's default allows 64 MiB per connection), and the server goes on
/// serving other viewers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sending_a_large_message_is_cut_off() {
    let dir = data_dir("big-message");
    let server = Server::start(&dir, &[]);
    let (mut ws, hello) = connect_feed(&server).await;
    assert!(matches!(hello, Some(ServerMsg::Hello { .. })));
    // A ping-sized message is ignored and the feed stays open...
    ws.send(Message::text("hi"))
        .await
        .expect("a small message is sent");
    // ... a megabyte is refused: the server closes the connection.
    let big = "x".repeat(1024 * 1024);
    let _ = ws.send(Message::text(big)).await;
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = ws.next().await {
            if let Message::Close(_) = frame {
                break;
            }
        }
    })
    .await
    .expect("the server cuts off a viewer that sends a megabyte");
    // Other viewers are served as before.
    let (_other, hello) = connect_feed(&server).await;
    assert!(matches!(hello, Some(ServerMsg::Hello { .. })));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A viewer of `server`'s live feed, connected, with the first message it got (`hello`).
async fn connect_feed(
    server: &Server,
) -> (
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Option<ServerMsg>,
) {
    let ws_url = server.api.replacen("http://", "ws://", 1) + "/api/ws";
    let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url)
        .await
        .expect("websocket connects");
    let first = ws.next().await.expect("hello").expect("frame");
    (ws, parse(&first))
}

fn parse(frame: &Message) -> Option<ServerMsg> {
    match frame {
        Message::Text(text) => {
            Some(serde_json::from_str(text).unwrap_or_else(|e| panic!("bad ServerMsg {text}: {e}")))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_leaves_an_interrupted_run_with_its_intervals() {
    let dir = data_dir("kill9");
    let mut server = Server::start(&dir, &[]);
    let created = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"60s"}}"#)
        .await;
    // Wait until at least three intervals are stored, then kill -9.
    let stored = server.until_stored(&created.run_id, 3).await;
    server.kill9();

    let server = Server::start(&dir, &[]);
    let detail: RunDetail = get_json(&format!("{}/api/runs/{}", server.api, created.run_id)).await;
    assert_eq!(detail.info.status, RunStatus::Interrupted);
    assert_eq!(
        detail.info.interrupted_reason.as_deref(),
        Some(backend::store::INTERRUPTED_BY_RESTART),
        "the run says why"
    );
    let series: Vec<MetricsSnapshot> = get_json(&format!(
        "{}/api/runs/{}/series",
        server.api, created.run_id
    ))
    .await;
    assert!(
        series.len() >= stored,
        "kept {} of at least {stored} stored intervals",
        series.len()
    );
    let listed: Vec<RunInfo> =
        get_json(&format!("{}/api/runs?status=interrupted", server.api)).await;
    assert!(listed.iter().any(|r| r.id == created.run_id));
    // The status endpoint, which the panel's live feed reads after reconnecting, tells how
    // the run it followed ended, with its last stored snapshot.
    let status: WorkloadStatus = get_json(&format!("{}/api/workload/status", server.api)).await;
    let run = status.run.expect("the most recent run");
    assert_eq!(
        (run.id, run.status),
        (created.run_id.clone(), RunStatus::Interrupted)
    );
    assert_eq!(status.latest.map(|l| l.seq), series.last().map(|l| l.seq));
    // The restarted server accepts a new run (the interrupted one no longer blocks).
    let again = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"1s"}}"#)
        .await;
    assert_ne!(again.run_id, created.run_id);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_curl_walkthrough_works_end_to_end() {
    let dir = data_dir("curl");
    let server = Server::start(&dir, &[]);
    let out = dir.join("reports");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/api-walkthrough.sh");
    let output = tokio::process::Command::new("bash")
        .arg(&script)
        .arg(&server.api)
        .arg(&out)
        .output()
        .await
        .expect("bash runs the walkthrough (curl must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = std::fs::read_to_string(out.join("run-id")).expect("run id written");
    let run = run.trim();
    let detail: RunDetail = get_json(&format!("{}/api/runs/{run}", server.api)).await;
    assert_eq!(detail.info.status, RunStatus::Cancelled);
    for ext in ["json", "html", "junit.xml", "csv"] {
        let len = std::fs::metadata(out.join(format!("{run}.{ext}")))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 100, "{ext} report downloaded ({len} bytes)");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The embedded panel goes out gzipped to a client that accepts it, and gunzips to the very
/// bytes a client without gzip gets. (Needs the UI built into `dist/`, as `make test` does.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_is_served_gzipped_to_clients_that_accept_it() {
    let data = data_dir("serve-gzip");
    let server = Server::start(&data, &[]);
    let index = http_client()
        .get(format!("{}/", server.api))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("index");
    let wasm = index
        .split('"')
        .find(|s| s.ends_with("_bg.wasm"))
        .unwrap_or_else(|| panic!("index.html names no wasm (is dist/ built?): {index}"))
        .trim_start_matches('/')
        .to_owned();
    let url = format!("{}/{wasm}", server.api);
    let plain = http_client().get(&url).send().await.expect("GET wasm");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.expect("wasm");
    assert!(plain.starts_with(b"\0asm"), "a wasm module");

    let packed = http_client()
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("GET wasm gzipped");
    assert_eq!(packed.status().as_u16(), 200);
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert_eq!(packed.headers()["vary"], "accept-encoding");
    let packed = packed.bytes().await.expect("gzipped wasm");
    assert!(
        packed.len() < plain.len() / 2,
        "{} of {} bytes",
        packed.len(),
        plain.len()
    );
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(packed.as_ref()),
        &mut unpacked,
    )
    .expect("valid gzip");
    assert!(unpacked == plain.as_ref(), "gunzips to the same wasm");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// After a `kill -9` and a restart, an interrupted run has the totals of its last stored
/// snapshot everywhere (status, listing, detail, report.json agree), and the status answer's
/// latest snapshot carries the run's status instead of the `running` it was stored with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_gets_totals_from_its_last_snapshot() {
    let dir = data_dir("kill9-totals");
    let mut server = Server::start(&dir, &[]);
    let created = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"60s"}}"#)
        .await;
    server.until_stored(&created.run_id, 2).await;
    server.kill9();

    let server = Server::start(&dir, &[]);
    let id = &created.run_id;
    let series: Vec<MetricsSnapshot> =
        get_json(&format!("{}/api/runs/{id}/series", server.api)).await;
    let last = series.last().expect("stored intervals");

    let status: WorkloadStatus = get_json(&format!("{}/api/workload/status", server.api)).await;
    let run = status.run.expect("the most recent run");
    assert_eq!((&run.id, run.status), (id, RunStatus::Interrupted));
    let totals = run.totals.as_ref().expect("totals from the last snapshot");
    assert_eq!(totals.requests, last.total.requests);
    assert_eq!(totals.errors, last.total.errors);
    assert!(run.duration_ms >= last.elapsed_ms, "{run:?}");
    let latest = status.latest.expect("the last snapshot");
    assert_eq!(latest.seq, last.seq);
    assert_eq!(latest.status, RunStatus::Interrupted, "no contradiction");

    let listed: Vec<RunInfo> = get_json(&format!("{}/api/runs", server.api)).await;
    let listed = listed.iter().find(|r| r.id == *id).expect("listed");
    assert_eq!(listed.totals.as_ref(), Some(totals));
    let detail: RunDetail = get_json(&format!("{}/api/runs/{id}", server.api)).await;
    assert_eq!(detail.info.totals.as_ref(), Some(totals));
    let report: shared::report::JsonReport =
        get_json(&format!("{}/api/runs/{id}/report.json", server.api)).await;
    assert!(report.partial);
    assert_eq!(report.results.total_requests, totals.requests);

    // Compared, it is read as far as it got, with a note saying so: through the API, and by
    // `stampede compare` from the run saved as the API gives it.
    let compared: RunComparison =
        get_json(&format!("{}/api/runs/{id}/compare/{id}", server.api)).await;
    let requests = compared.rows[0].cell(shared::compare::Metric::Requests);
    assert_eq!(
        requests.and_then(|c| c.baseline),
        Some(totals.requests as f64)
    );
    assert_eq!((compared.regressions, compared.improvements), (0, 0));
    let interrupted =
        "run was interrupted (the server stopped during it, so it has no summary) after";
    assert_eq!(compared.notes.len(), 2, "{:?}", compared.notes);
    assert!(
        compared
            .notes
            .iter()
            .all(|n| n.contains(interrupted) && n.contains(" of 1 min 00 s")),
        "{:?}",
        compared.notes
    );
    let saved = dir.join("saved-run.json");
    let body = http_client()
        .get(format!("{}/api/runs/{id}", server.api))
        .send()
        .await
        .expect("GET the run");
    std::fs::write(&saved, body.bytes().await.expect("the body")).expect("the run is saved");
    let output = e2e::binary::stampede()
        .arg("compare")
        .args([&saved, &saved])
        .output()
        .expect("stampede compare");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("note: The baseline {interrupted}")),
        "{stdout}"
    );
    assert!(stdout.contains("No change beyond tolerance"), "{stdout}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `stampede serve` with these arguments (no demo target, any free port), expected to give up
/// at start-up: its output once it exits. A server that starts instead is killed after 20 s
/// and the test fails.
async fn serve_refused(data_dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = tokio::process::Command::from(e2e::binary::stampede());
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--no-demo-target"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(20), cmd.output())
        .await
        .expect("serve gives up at start-up instead of serving")
        .expect("stampede serve runs")
}

/// A second `stampede serve` on a data directory in use refuses to start, naming the
/// directory, before its start-up recovery could mark the first server's live run
/// `interrupted`; the first server's run goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_a_data_directory_in_use_refuses_to_start() {
    let dir = data_dir("locked");
    let server = Server::start(&dir, &[]);
    let created = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"60s"}}"#)
        .await;
    server.until_stored(&created.run_id, 1).await;

    let second = serve_refused(&dir, &[]).await;
    let stderr = String::from_utf8_lossy(&second.stderr);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(3), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: another stampede serve is using data directory {}",
            dir.display()
        )
    );
    assert!(!stdout.contains("interrupted"), "no recovery ran: {stdout}");

    let url = format!("{}/api/runs/{}", server.api, created.run_id);
    let detail: RunDetail = get_json(&url).await;
    assert_eq!(detail.info.status, RunStatus::Running, "the run goes on");
    let stopped = http_client()
        .post(format!("{}/api/workload/stop", server.api))
        .send()
        .await
        .expect("POST stop");
    assert!(stopped.status().is_success());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Start-up failures print each cause once and exit by kind, as the README says: 2 for a bad
/// `--config` file (naming the file and the JSON path), 3 for a server that cannot start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_start_up_errors_say_each_cause_once_and_exit_by_kind() {
    let dir = data_dir("start-up-errors");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").expect("write");
    let garbage = dir.join("garbage");
    std::fs::create_dir_all(&garbage).expect("dir");
    std::fs::write(
        garbage.join("stampede.db"),
        "this is not a SQLite database, just text".repeat(40),
    )
    .expect("write");
    let config = dir.join("test_config.json");
    std::fs::write(
        &config,
        r#"{"test_scenarios": {"checkout": {"duration": -5}}}"#,
    )
    .expect("write");
    let config_arg = config.to_str().expect("utf-8");
    let fresh = dir.join("fresh");
    for (data, extra, code, said) in [
        (&file, &[][..], 3, "it is a file, not a directory"),
        (&garbage, &[][..], 3, "file is not a database"),
        (
            &fresh,
            &["--config", config_arg][..],
            2,
            "test_config.json: test_scenarios.checkout.duration: must be positive",
        ),
    ] {
        let output = serve_refused(data, extra).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert_eq!(stderr.matches(said).count(), 1, "{said} once: {stderr}");
        // The directory or file is named once too.
        let named = data.to_str().expect("utf-8");
        assert!(stderr.matches(named).count() <= 1, "{named} once: {stderr}");
    }
    assert!(
        !fresh.exists(),
        "a bad config is found before anything is created"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM says "stopping the run in progress" only when one is.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mentions_a_run_in_progress_only_when_there_is_one() {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
    for with_run in [false, true] {
        let dir = data_dir(&format!("sigterm-{with_run}"));
        let mut child = tokio::process::Command::from(e2e::binary::stampede())
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--demo-bind",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("stampede serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (mut api, mut line) = (None, String::new());
        // "run history in" comes last, after the signal handlers are installed.
        while !line.starts_with("run history in") {
            line.clear();
            let n = stdout.read_line(&mut line).await.expect("a line");
            assert!(n > 0, "serve exited before announcing itself");
            if let Some(url) = line.trim().strip_prefix("stampede listening on ") {
                api = Some(url.to_owned());
            }
        }
        let api = api.expect("the API address");
        if with_run {
            let resp = http_client()
                .post(format!("{api}/api/workload/start"))
                .header("content-type", "application/json")
                .body(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"60s"}}"#)
                .send()
                .await
                .expect("POST start");
            assert_eq!(resp.status().as_u16(), 201);
        }
        let pid = child.id().expect("running").to_string();
        let sent = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(sent.success());
        let mut rest = String::new();
        let exit = tokio::time::timeout(Duration::from_secs(20), async {
            stdout.read_to_string(&mut rest).await.expect("stdout");
            child.wait().await.expect("serve exits")
        })
        .await
        .expect("serve stops within 20 s of SIGTERM");
        assert!(exit.success(), "{exit:?}: {rest}");
        assert!(rest.contains("shutting down"), "{rest}");
        assert_eq!(
            rest.contains("stopping the run in progress"),
            with_run,
            "with a run: {with_run}; said: {rest}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A second signal (here a Ctrl-C after a SIGTERM) cuts the graceful stop of the run in progress
/// short: the server does not wait out its users' 30 s think time, and the run is saved,
/// `cancelled`, with its cut iterations counted. The same holds for a server whose stdout was
/// closed after it announced its addresses: its "shutting down" lines go nowhere (they used to
/// panic it, and the run was left unsaved).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_cuts_the_graceful_stop_and_the_run_is_saved() {
    for closed_stdout in [false, true] {
        second_signal_saves_the_run(closed_stdout).await;
    }
}

#[cfg(unix)]
async fn second_signal_saves_the_run(closed_stdout: bool) {
    let dir = data_dir(&format!("second-signal-{closed_stdout}"));
    let mut server = if closed_stdout {
        Server::start_closing_stdout(&dir, &[])
    } else {
        Server::start(&dir, &[])
    };
    let created = server.start_thinking_run().await;
    let id = created.run_id.clone();
    server.until_stored(&id, 1).await;
    let url = format!("{}/api/runs/{id}", server.api);
    server.signal("TERM");
    // The server keeps answering while the run stops; once it reads `stopping`, the shutdown
    // has begun (and listens for the second signal).
    let mut stopping = false;
    for _ in 0..100 {
        let detail: RunDetail = get_json(&url).await;
        if detail.info.status == RunStatus::Stopping {
            stopping = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopping, "the run stops on the first SIGTERM");
    // Either signal counts as the second: a Ctrl-C after a SIGTERM.
    server.signal("INT");
    let exit = server
        .exited_within(20)
        .await
        .expect("serve stops within 20 s of the second signal");
    assert!(exit.success(), "closed stdout: {closed_stdout}; {exit:?}");

    let bind = server.api.trim_start_matches("http://").to_owned();
    let server = Server::start_at(&dir, &bind, &[]);
    let detail: RunDetail = get_json(&url).await;
    assert_eq!(
        detail.info.status,
        RunStatus::Cancelled,
        "closed stdout: {closed_stdout}; {:?}",
        detail.info
    );
    let summary = detail.summary.expect("the summary was saved");
    assert_eq!(summary.interrupted_iterations, 2, "{summary:?}");
    assert!(summary.duration_ms < 30_000, "{summary:?}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--ui-dir` naming a directory without a build says so (the API still starts); without the
/// flag the note points at the build command instead.
#[test]
fn a_ui_dir_without_a_build_is_named_at_startup() {
    use std::io::{BufRead as _, BufReader};

    let data = data_dir("ui-dir-note");
    let missing = data.join("no-dist-here");
    let mut child = e2e::binary::stampede()
        .args(["serve", "--bind", "127.0.0.1:0", "--no-demo-target"])
        .arg("--data-dir")
        .arg(&data)
        .arg("--ui-dir")
        .arg(&missing)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("stampede serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let before: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.starts_with("stampede listening on "))
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
    let expected = format!(
        "note: --ui-dir {} holds no index.html (is it a Trunk build, such as dist/?); the API \
         works without it",
        missing.display()
    );
    assert!(before.contains(&expected), "{before:?}");
}
