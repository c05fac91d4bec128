//! The panel in a real browser (headless Chromium): compose → launch → live charts → stop →
//! history → report → delete; a field error for an invalid scenario; two runs compared; the
//! live page opened mid-run and across a server crash; the embed mode in an iframe host; the
//! layout at 1280 and 800 px.
//! Screenshots of each page are saved under `target/browser-screenshots/`.

use e2e::binary::{Serve, repo, temp_dir};
use e2e::browser::Browser;
use fantoccini::Locator;

fn dist_dir() -> String {
    let dist = repo().join("dist");
    assert!(
        dist.join("index.html").exists(),
        "dist/ is missing: run `trunk build` (make test does) before the browser tests"
    );
    dist.display().to_string()
}

async fn attr(b: &Browser, css: &str, name: &str) -> Option<String> {
    let el = b.client.find(Locator::Css(css)).await.ok()?;
    el.attr(name).await.ok().flatten()
}

async fn text(b: &Browser, css: &str) -> Option<String> {
    let el = b.client.find(Locator::Css(css)).await.ok()?;
    el.text().await.ok()
}

/// Waits until keyboard focus is on the form field `field` (its `data-field`).
async fn until_field_focused(b: &Browser, field: &str, what: &str) {
    b.until(10, what, || async {
        b.client
            .execute(
                "return document.activeElement.getAttribute('data-field');",
                vec![],
            )
            .await
            .ok()
            .filter(|v| v.as_str() == Some(field))
    })
    .await;
}

async fn set_input(b: &Browser, css: &str, value: &str) {
    let input = b.find(css).await;
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

/// The number of points the throughput chart draws for its first series.
/// Opens Compose and picks the `web_app` preset (the caller waits for what it needs of it).
async fn compose_web_app(b: &Browser, server: &Serve) {
    b.client
        .goto(&format!("{}/compose", server.api))
        .await
        .expect("open compose");
    b.find("[data-field=preset]")
        .await
        .select_by_value("web_app")
        .await
        .expect("select the web_app preset");
}

async fn throughput_points(b: &Browser) -> Option<u64> {
    attr(b, "[data-chart=throughput] [data-series]", "data-points")
        .await?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_launch_watch_stop_and_find_it_in_history() {
    let data = temp_dir("browser-flow");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    b.client
        .goto(&format!("{}/compose", server.api))
        .await
        .expect("open compose");

    // Load the web_app preset and change its duration.
    let preset = b.find("[data-field=preset]").await;
    preset
        .select_by_value("web_app")
        .await
        .expect("select the web_app preset");
    b.until(10, "the preset's duration in the form", || async {
        attr(&b, "[data-field='load.duration']", "value")
            .await
            .filter(|v| v == "30s")
    })
    .await;
    set_input(&b, "[data-field='load.duration']", "20s").await;
    b.screenshot("compose").await;
    // Nothing comes from another host: every resource the page fetched, and every stylesheet,
    // script and icon it names, is on the panel's own origin or inline (the icon is).
    let outside = b
        .client
        .execute(
            "const o = location.origin + '/'; \
             const urls = performance.getEntriesByType('resource').map(e => e.name).concat( \
               [...document.querySelectorAll('link[href], script[src], img[src]')] \
                 .map(e => e.href || e.src)); \
             return [urls.length, urls.filter(u => !u.startsWith(o) && !u.startsWith('data:'))];",
            vec![],
        )
        .await
        .expect("list the page's resources");
    assert!(outside[0].as_u64() > Some(3), "{outside}");
    assert_eq!(outside[1], serde_json::json!([]), "loaded from elsewhere");
    let icon = b
        .client
        .execute(
            "return document.querySelector('link[rel=icon]')?.href ?? '';",
            vec![],
        )
        .await
        .expect("the icon");
    assert!(
        icon.as_str()
            .is_some_and(|i| i.starts_with("data:image/svg+xml")),
        "{icon}"
    );
    // The launch bar is sticky; WebDriver scrolls sticky elements under the header when it
    // brings them into view, so start from the top of the page as a user would see it.
    b.client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .expect("scroll to top");
    b.click("[data-action=launch]").await;

    // The live page: the throughput chart gains points, the tiles show numbers.
    b.until(15, "the live page", || async {
        let url = b.client.current_url().await.ok()?;
        (url.path() == "/").then_some(())
    })
    .await;
    let first = b
        .until(15, "throughput points", || async {
            throughput_points(&b).await.filter(|n| *n >= 2)
        })
        .await;
    let later = b
        .until(15, "more throughput points", || async {
            throughput_points(&b).await.filter(|n| *n > first)
        })
        .await;
    assert!(later > first);
    let tile = b
        .until(10, "a non-zero throughput tile", || async {
            text(&b, "[data-tile=throughput]")
                .await
                .filter(|t| t.chars().any(|c| c.is_ascii_digit() && c != '0'))
        })
        .await;
    assert!(!tile.is_empty());
    b.screenshot("live").await;

    // Stop it; it ends cancelled.
    b.click("[data-action=stop]").await;
    let run_id: String = b
        .until(20, "the run to end", || async {
            let status: shared::api::WorkloadStatus = serde_json::from_str(
                &http_get(&format!("{}/api/workload/status", server.api)).await?,
            )
            .ok()?;
            let run = status.run?;
            (run.status == shared::run::RunStatus::Cancelled).then_some(run.id.0)
        })
        .await;

    // History lists it; its page offers the reports.
    b.client
        .goto(&format!("{}/history", server.api))
        .await
        .expect("open history");
    let row = b.find(&format!("[data-run-id='{run_id}']")).await;
    b.screenshot("history").await;
    row.find(Locator::Css("a"))
        .await
        .expect("a link in the row")
        .click()
        .await
        .expect("open the run");
    // The page may draw itself again if it opened before the live feed connected, so
    // elements are looked up afresh rather than held.
    let href = b
        .until(10, "a report link", || async {
            attr(&b, "a[data-report=html]", "href").await
        })
        .await;
    let report = http_get(&absolute(&server.api, &href))
        .await
        .expect("the HTML report downloads");
    assert!(report.contains("data-chart=\"throughput\""));
    b.screenshot("run").await;

    // Deleting it asks first, in place; then History no longer has it, nor has the API.
    // (Asked again if the page is drawn anew in between.)
    b.until(20, "the run to be deleted", || async {
        if let Ok(yes) = b.client.find(Locator::Css(".run-delete__yes")).await
            && yes.is_displayed().await.unwrap_or(false)
        {
            b.screenshot("run-delete").await;
            return yes.click().await.ok();
        }
        let ask = b.client.find(Locator::Css(".run-delete__ask")).await.ok()?;
        if ask.is_displayed().await.ok()? {
            let _ = ask.click().await;
        }
        None
    })
    .await;
    let empty = b
        .until(20, "History without the run", || async {
            text(&b, ".history-empty").await
        })
        .await;
    assert!(empty.contains("No runs yet"), "{empty}");
    assert!(
        http_get(&format!("{}/api/runs/{run_id}", server.api))
            .await
            .is_none(),
        "the API no longer has the run"
    );
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_scenario_shows_the_error_next_to_its_field_and_its_place_in_the_text() {
    let data = temp_dir("browser-invalid");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    compose_web_app(&b, &server).await;
    b.until(10, "the preset's rate in the form", || async {
        attr(&b, "[data-field='load.rate']", "value")
            .await
            .filter(|v| !v.is_empty())
    })
    .await;
    set_input(&b, "[data-field='load.rate']", "0").await;
    let message = b
        .until(10, "a field error on load.rate", || async {
            text(&b, "[data-error-path='load.rate']")
                .await
                .filter(|t| !t.is_empty())
        })
        .await;
    assert!(message.contains("above 0"), "{message}");
    b.screenshot("compose-error").await;
    // Launched anyway, the server refuses it: focus goes from Launch to the marked field, as it
    // does for a field the form cannot read.
    b.click("[data-action=launch]").await;
    b.until(10, "the server's refusal", || async {
        text(&b, ".compose__notice[role=alert]")
            .await
            .filter(|t| t.contains("did not accept"))
    })
    .await;
    until_field_focused(&b, "load.rate", "focus on the refused field").await;

    // A field that cannot be read keeps the form: the text view would show an older scenario,
    // which would then replace the form's edits.
    set_input(&b, "[data-field='load.duration']", "soon").await;
    b.until(10, "the duration marked unreadable", || async {
        text(&b, "[data-error-path='load.duration']")
            .await
            .filter(|t| !t.is_empty())
    })
    .await;
    b.click("[data-action=mode-text]").await;
    let refusal = b
        .until(10, "the refusal", || async {
            text(&b, ".compose__notice[role=alert]")
                .await
                .filter(|t| t.contains("cannot be read"))
        })
        .await;
    assert!(refusal.contains("1 field cannot be read"), "{refusal}");
    assert!(
        b.client.find(Locator::Css("#compose-text")).await.is_err(),
        "still the form"
    );
    assert_eq!(
        attr(&b, "[data-field='load.duration']", "value")
            .await
            .as_deref(),
        Some("soon"),
        "the edit is kept"
    );
    // Focus goes to the field, which may be far below the notice.
    until_field_focused(&b, "load.duration", "focus on the unreadable field").await;
    set_input(&b, "[data-field='load.duration']", "30s").await;
    b.until(10, "the notice to go once the field reads", || async {
        let notice = text(&b, ".compose__notice[role=alert]").await;
        (!notice.is_some_and(|t| t.contains("cannot be read"))).then_some(())
    })
    .await;

    // In the text view a problem carries its position; clicking it puts the cursor there.
    b.click("[data-action=mode-text]").await;
    b.find("#compose-text").await;
    let doc = "name: bad\njourneys:\n  - name: j\n    steps:\n      - request: { method: GET, path: / }\nload:\n  type: constant_users\n  users: 1\n  duration: 5s\n  colour: blue\n";
    b.client
        .execute(
            "const t = document.getElementById('compose-text'); t.value = arguments[0]; \
             t.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![doc.into()],
        )
        .await
        .expect("type the scenario");
    // Wait for the check of this text (the preset's own problem is listed until then).
    b.until(10, "the problem with the unknown field", || async {
        text(&b, ".compose__text-problems")
            .await
            .filter(|t| t.contains("colour"))
    })
    .await;
    let button = b.find(".compose__text-problems [data-line]").await;
    let position = |name: &'static str| {
        let button = button.clone();
        async move {
            button
                .attr(name)
                .await
                .ok()
                .flatten()
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a numeric position")
        }
    };
    let (line, column) = (position("data-line").await, position("data-column").await);
    assert_eq!(line, 10, "the unknown field is on line 10");
    button.click().await.expect("click the position");
    let expected: usize = doc
        .lines()
        .take(line - 1)
        .map(|l| l.len() + 1)
        .sum::<usize>()
        + column
        - 1;
    let cursor = b
        .client
        .execute(
            "const t = document.getElementById('compose-text'); \
             return document.activeElement === t ? t.selectionStart : -1;",
            vec![],
        )
        .await
        .expect("read the cursor");
    assert_eq!(
        cursor.as_u64(),
        Some(expected as u64),
        "cursor at {line}:{column}"
    );

    // Text that cannot be read survives a trip to the form and back: the form says so, and
    // its own check does not replace the text.
    b.click("[data-action=mode-form]").await;
    b.find("[data-hint=text-unreadable]").await;
    b.screenshot("compose-text-kept").await;
    b.until(10, "the form's check", || async {
        attr(&b, ".compose__status", "data-status")
            .await
            .filter(|s| s != "checking")
    })
    .await;
    b.click("[data-action=mode-text]").await;
    let kept = b
        .client
        .execute(
            "return document.getElementById('compose-text').value;",
            vec![],
        )
        .await
        .expect("read the text");
    assert_eq!(kept.as_str(), Some(doc), "the text typed is kept");
    b.until(10, "the text's problem listed again", || async {
        text(&b, ".compose__text-problems")
            .await
            .filter(|t| t.contains("colour"))
    })
    .await;

    // Text that reads keeps its comments and order across a trip to the form and back, while
    // the form describes the same document; an edit in the form rewrites it.
    let commented = "# checkout under load\nname: kept\nload: { type: constant_users, users: 1, duration: 5s }  # short\njourneys:\n  - name: j\n    steps:\n      - request: { method: GET, path: / }\n";
    let read_text = || async {
        b.client
            .execute(
                "return document.getElementById('compose-text').value;",
                vec![],
            )
            .await
            .expect("read the text")
            .as_str()
            .map(str::to_owned)
    };
    let settled = |want: &'static str| {
        let b = &b;
        async move {
            b.until(10, want, || async {
                attr(b, ".compose__status", "data-status")
                    .await
                    .filter(|s| s == want)
            })
            .await
        }
    };
    b.client
        .execute(
            "const t = document.getElementById('compose-text'); t.value = arguments[0]; \
             t.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![commented.into()],
        )
        .await
        .expect("type the scenario");
    settled("valid").await;
    b.click("[data-action=mode-form]").await;
    b.until(10, "the form with the typed name", || async {
        attr(&b, "[data-field='name']", "value")
            .await
            .filter(|v| v == "kept")
    })
    .await;
    settled("valid").await;
    b.click("[data-action=mode-text]").await;
    b.find("#compose-text").await;
    settled("valid").await;
    assert_eq!(
        read_text().await.as_deref(),
        Some(commented),
        "the text as typed"
    );
    b.click("[data-action=mode-form]").await;
    set_input(&b, "[data-field='name']", "edited").await;
    settled("valid").await;
    b.click("[data-action=mode-text]").await;
    b.find("#compose-text").await;
    let rewritten = b
        .until(10, "the text to follow the form", || async {
            read_text().await.filter(|t| t.contains("edited"))
        })
        .await;
    assert!(!rewritten.contains("# short"), "{rewritten}");
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_page_catches_up_mid_run_and_reconnects_after_a_crash() {
    let data = temp_dir("browser-reconnect");
    let mut server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let created = server
        .start_run(r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"60s"}}"#)
        .await;
    let run_id = created.run_id.0.clone();
    let stored = server.until_stored(&created.run_id, 5).await as u64;

    // Opened mid-run, the page shows the run from its start, not from the next interval.
    let b = Browser::start().await;
    b.client
        .goto(&format!("{}/", server.api))
        .await
        .expect("open the live page");
    let points = b
        .until(15, "the run so far on the throughput chart", || async {
            throughput_points(&b).await.filter(|n| *n >= stored)
        })
        .await;
    assert!(points >= stored, "{points} points for {stored} intervals");

    // The server dies: the panel says so, and comes back by itself when it restarts, now
    // showing the run as the restarted server recorded it.
    server.kill9();
    b.until(15, "the reconnecting badge", || async {
        text(&b, ".connection")
            .await
            .filter(|t| t.contains("reconnecting"))
    })
    .await;
    let bind = server.api.trim_start_matches("http://").to_owned();
    let server = Serve::start_at(&data, &bind, &["--ui-dir", &dist_dir()]);
    b.until(20, "the connected badge again", || async {
        text(&b, ".connection").await.filter(|t| t == "connected")
    })
    .await;
    b.until(15, "the run shown as interrupted", || async {
        attr(&b, ".live-head .badge", "data-status")
            .await
            .filter(|s| s == "interrupted")
    })
    .await;
    let verdict = b.find("[data-verdict=interrupted]").await;
    let users = text(&b, "[data-tile=active_users]")
        .await
        .unwrap_or_default();
    assert!(users.contains("at the end"), "{users}");
    let link = verdict
        .find(Locator::Css("[data-link=history]"))
        .await
        .expect("a link to the run")
        .attr("href")
        .await
        .expect("href");
    assert_eq!(link.as_deref(), Some(format!("/history/{run_id}").as_str()));
    b.screenshot("live-interrupted").await;
    // One click starts a new run from here, and the page follows it.
    verdict
        .find(Locator::Css(
            "[data-action=quick-launch][data-preset=web_app]",
        ))
        .await
        .expect("a quick launch")
        .click()
        .await
        .expect("launch");
    b.until(15, "the new run, running", || async {
        let shown = text(&b, ".live-head__id").await?;
        let status = attr(&b, ".live-head .badge", "data-status").await?;
        (shown != run_id && status == "running").then_some(())
    })
    .await;
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_through_a_long_history() {
    use shared::api::{RunInfo, TestType};
    use shared::run::{RunId, RunStatus};
    let data = temp_dir("browser-pages");
    // 120 ended runs, a minute apart, as a long-lived server's history holds them.
    {
        let store = backend::store::Store::open(&data).expect("open the store");
        let text = std::fs::read_to_string(repo().join("examples/web_app.yaml")).expect("example");
        let scenario = shared::scenario::parse_scenario(&text, shared::scenario::Format::Yaml)
            .expect("the example reads");
        for i in 0..120u64 {
            let info = RunInfo {
                id: RunId(format!("seeded-{i:03}")),
                scenario: "seeded".into(),
                test_type: TestType::Load,
                status: RunStatus::Pending,
                created_at_ms: 1_790_000_000_000 + i * 60_000,
                ended_at_ms: None,
                duration_ms: 0,
                totals: None,
                thresholds_passed: None,
                interrupted_reason: None,
            };
            store.create_run(&info, &scenario).expect("a run");
            store
                .set_status(&info.id, RunStatus::Cancelled)
                .expect("ended");
        }
    }
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    b.client
        .goto(&format!("{}/history", server.api))
        .await
        .expect("open history");

    // Each page: how many rows, the newest row, the span, and whether older runs follow.
    let page = |rows: usize, newest: &'static str, span: &'static str, older: bool| {
        let b = &b;
        async move {
            b.until(15, span, || async {
                let shown = text(b, "[data-span]").await?;
                let ids = b
                    .client
                    .execute(
                        "return [...document.querySelectorAll('[data-run-id]')] \
                           .map(r => r.getAttribute('data-run-id'));",
                        vec![],
                    )
                    .await
                    .ok()?;
                let ids = ids.as_array()?.clone();
                (shown == span && ids.len() == rows && ids[0] == newest).then_some(())
            })
            .await;
            let disabled = attr(b, "[data-action=older]", "disabled").await.is_some();
            assert_eq!(!disabled, older, "{span}: older runs follow");
        }
    };
    page(50, "seeded-119", "Runs 1–50", true).await;
    assert!(
        attr(&b, "[data-action=newer]", "disabled").await.is_some(),
        "the first page has nothing newer"
    );
    b.click("[data-action=older]").await;
    page(50, "seeded-069", "Runs 51–100", true).await;
    b.screenshot("history-page-2").await;
    b.click("[data-action=older]").await;
    page(20, "seeded-019", "Runs 101–120", false).await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("page=3"));
    // The browser's back button goes to the page before.
    b.client.back().await.expect("back");
    page(50, "seeded-069", "Runs 51–100", true).await;
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_panel_reports_the_finished_run_to_its_host() {
    // The host page is served from another origin, which the server is told to allow.
    let host = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind host page");
    let host_url = format!("http://{}", host.local_addr().expect("addr"));
    let page = std::fs::read_to_string(repo().join("docs/embed-example.html"))
        .expect("the example host page");
    let app = axum::Router::new().route(
        "/embed-example.html",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    let host_task = tokio::spawn(async move { axum::serve(host, app).await });

    let data = temp_dir("browser-embed");
    let server = Serve::start(
        &data,
        &["--ui-dir", &dist_dir(), "--embed-origin", &host_url],
    );
    let b = Browser::start().await;
    // A run that ended before the host page opened is history, not an event.
    let old = finished_run(&server, &b).await;
    let host_page = format!("{host_url}/embed-example.html?panel={}", server.api);
    let open_host = || async {
        b.client.goto(&host_page).await.expect("open the host page");
        // Wait until the panel in the frame has connected and caught up with the server.
        b.find("iframe#stampede")
            .await
            .enter_frame()
            .await
            .expect("enter the panel's frame");
        b.find(".app[data-feed=live]").await;
        b.client
            .enter_parent_frame()
            .await
            .expect("back to the host");
    };
    let events = || async {
        let lines = b
            .client
            .find_all(Locator::Css("#events [data-event]"))
            .await
            .expect("the event log");
        let mut out = Vec::new();
        for line in lines {
            out.push(line.text().await.expect("an event's text"));
        }
        out
    };
    open_host().await;
    assert_eq!(events().await, Vec::<String>::new(), "nothing about {old}");

    let started = post_json(
        &format!("{}/api/workload/start", server.api),
        r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"1s"}}"#,
    )
    .await;
    let created: shared::api::RunCreated =
        serde_json::from_str(&started).unwrap_or_else(|e| panic!("{e}: {started}"));
    let id = created.run_id.0;
    let line = b
        .until(20, "the finished event in the host page", || async {
            text(&b, "#events [data-event=finished]").await
        })
        .await;
    assert!(line.contains("requests="), "{line}");
    let seen = events().await;
    assert!(
        seen.first()
            .is_some_and(|e| e.starts_with(&format!("run_started {id} "))),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|e| e.contains(&id)),
        "only the new run: {seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|e| e.starts_with("finished ")).count(),
        1,
        "{seen:?}"
    );
    b.screenshot("embed").await;
    // A host that reloads is not told again of the run it has seen end.
    open_host().await;
    assert_eq!(
        events().await,
        Vec::<String>::new(),
        "nothing about {id} again"
    );
    // Inside the frame there is no header or navigation.
    let frame = b.find("iframe#stampede").await;
    frame.enter_frame().await.expect("enter the panel's frame");
    assert!(
        b.client.find(Locator::Css(".app__header")).await.is_err(),
        "embed mode hides the header"
    );
    drop(b);
    drop(server);
    host_task.abort();
    let _ = std::fs::remove_dir_all(&data);
}

/// Starts a one-second `web_app` run through the API and waits for it to end; its id.
async fn finished_run(server: &Serve, b: &Browser) -> String {
    let started = post_json(
        &format!("{}/api/workload/start", server.api),
        r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"1s"}}"#,
    )
    .await;
    let created: shared::api::RunCreated =
        serde_json::from_str(&started).unwrap_or_else(|e| panic!("{e}: {started}"));
    let id = created.run_id.0;
    ended_run(server, b, &id).await;
    id
}

/// The run `id` as the API has it, once it has ended.
async fn ended_run(server: &Serve, b: &Browser, id: &str) -> shared::api::RunDetail {
    b.until(30, &format!("run {id} to end"), || async {
        let run: shared::api::RunDetail =
            serde_json::from_str(&http_get(&format!("{}/api/runs/{id}", server.api)).await?)
                .ok()?;
        run.info.status.is_terminal().then_some(run)
    })
    .await
}

/// "Run again" on a finished run's verdict (Live) and on its page (History) starts its
/// scenario once more, as it ran, and the Live page follows the new run; "Edit in Compose"
/// there opens that scenario in Compose's form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_runs_again_or_opens_in_compose_from_the_live_page_and_from_history() {
    let data = temp_dir("browser-run-again");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    let first = finished_run(&server, &b).await;
    let first_doc = ended_run(&server, &b, &first).await.scenario_doc;
    let again_from = |page: String, before: String| {
        let b = &b;
        async move {
            b.client.goto(&page).await.expect("open the page");
            b.click("[data-action=run-again]").await;
            b.until(15, "the new run on the live page", || async {
                let path = b.client.current_url().await.ok()?.path().to_owned();
                let shown = text(b, ".live-head__id").await?;
                (path == "/" && !shown.is_empty() && shown != before).then_some(shown)
            })
            .await
        }
    };

    let second = again_from(format!("{}/", server.api), first.clone()).await;
    b.screenshot("live-run-again").await;
    let detail = ended_run(&server, &b, &second).await;
    assert_eq!(
        detail.scenario_doc, first_doc,
        "the same scenario, as it ran"
    );
    assert_eq!(detail.info.test_type, shared::api::TestType::Load);

    let third = again_from(format!("{}/history/{second}", server.api), second.clone()).await;
    assert_ne!(third, first);
    let detail = ended_run(&server, &b, &third).await;
    assert_eq!(detail.scenario_doc, first_doc);

    // "Edit in Compose" opens the run's scenario, as it ran (a 1 s web_app), in Compose's form:
    // from the live page's verdict, and from the run's page. Compose's own starting form is a
    // 30 s `my_scenario`, so each time the form is emptied first.
    for page in [
        format!("{}/", server.api),
        format!("{}/history/{third}", server.api),
    ] {
        b.client
            .execute("sessionStorage.clear()", vec![])
            .await
            .expect("the draft cleared");
        b.client.goto(&page).await.expect("open the page");
        b.click("[data-action=edit-in-compose]").await;
        let form = b
            .until(15, "the run's scenario in Compose", || async {
                let path = b.client.current_url().await.ok()?.path().to_owned();
                let name = attr(&b, "[data-field=name]", "value").await?;
                let duration = attr(&b, "[data-field='load.duration']", "value").await?;
                (path == "/compose" && name == "web_app").then_some(duration)
            })
            .await;
        assert_eq!(form, "1s", "{page}");
    }
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// Stop lets the iterations in flight finish; while they do, "Stop now" cuts them, and the run
/// ends `cancelled` at once instead of after its users' 30 s think time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_now_cuts_the_graceful_stop_from_the_live_page() {
    let data = temp_dir("browser-stop-now");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    let created = server.start_thinking_run().await;
    server.until_stored(&created.run_id, 1).await;
    let id = created.run_id.0;
    b.client
        .goto(&format!("{}/", server.api))
        .await
        .expect("open the live page");
    let stop_now = "[data-action=stop-now]";
    b.until(15, "the running run with its Stop button", || async {
        attr(&b, ".live-head .badge", "data-status")
            .await
            .filter(|s| s == "running")
    })
    .await;
    assert!(
        !b.find(stop_now).await.is_displayed().await.expect("shown?"),
        "no Stop now while the load runs"
    );
    b.click("[data-action=stop]").await;
    // The users are thinking: the run stays in its graceful stop, and Stop now appears.
    b.until(10, "Stop now offered while stopping", || async {
        let shown = b.client.find(Locator::Css(stop_now)).await.ok()?;
        shown.is_displayed().await.ok()?.then_some(())
    })
    .await;
    assert_eq!(
        attr(&b, ".live-head .badge", "data-status")
            .await
            .as_deref(),
        Some("stopping")
    );
    b.screenshot("live-stop-now").await;
    b.click(stop_now).await;
    b.until(10, "the run shown as cancelled", || async {
        attr(&b, ".live-head .badge", "data-status")
            .await
            .filter(|s| s == "cancelled")
    })
    .await;
    // The verdict says the iterations were cut; it does not advise a longer graceful stop, as
    // it does for a run that ended by itself.
    let verdict = b
        .until(10, "the verdict on the cut iterations", || async {
            text(&b, ".live-verdict")
                .await
                .filter(|t| t.contains("cut off"))
        })
        .await;
    assert!(
        verdict.contains("2 iterations were cut off at the end of the run"),
        "{verdict}"
    );
    assert!(
        !verdict.contains("graceful_stop lets them finish"),
        "{verdict}"
    );
    let run: shared::api::RunDetail = serde_json::from_str(
        &http_get(&format!("{}/api/runs/{id}", server.api))
            .await
            .expect("the run"),
    )
    .expect("a run");
    let summary = run.summary.expect("a summary");
    assert_eq!(summary.interrupted_iterations, 2, "{summary:?}");
    assert!(summary.duration_ms < 30_000, "{summary:?}");
    // The run's page says what became of the iterations that did not finish.
    b.client
        .goto(&format!("{}/history/{id}", server.api))
        .await
        .expect("open the run's page");
    let iterations = b
        .until(10, "the iterations tile", || async {
            text(&b, "[data-tile=iterations]").await
        })
        .await;
    assert!(iterations.contains("2 interrupted"), "{iterations}");
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A run whose last iteration went on past its load (a think time longer than the load) shows
/// on its page where the load ended: its graceful stop follows the mark. Its charts are titled
/// by what they draw (users, no arrival rate, for this closed-model run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_charts_mark_where_its_load_ended() {
    let data = temp_dir("browser-load-end");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    // One user for 1 s; its iteration asks for / and then thinks for 2 s, so the run's last
    // interval ends about 2 s in, after the graceful stop let that iteration finish.
    let created = server
        .start_run(&format!(
            r#"{{"scenario": {{"inline": {{"name": "tail", "target": "{}",
                "journeys": [{{"name": "j", "steps": [
                    {{"request": {{"method": "GET", "path": "/"}}}}, {{"think": "2s"}}]}}],
                "load": {{"type": "constant_users", "users": 1, "duration": "1s"}}}}}}}}"#,
            server.demo
        ))
        .await;
    let id = created.run_id.0;
    b.until(30, "the run to end", || async {
        let run: shared::api::RunDetail =
            serde_json::from_str(&http_get(&format!("{}/api/runs/{id}", server.api)).await?)
                .ok()?;
        (run.info.status == shared::run::RunStatus::Completed).then_some(())
    })
    .await;
    b.client
        .goto(&format!("{}/history/{id}", server.api))
        .await
        .expect("open the run's page");
    // The chart is one SVG drawn whole on each render (a resize, the stored series arriving),
    // so the mark and the axis are read in one script: separate look-ups could straddle a render.
    let (mark, x, ticks) = b
        .until(
            10,
            "the load's end marked on the throughput chart",
            || async {
                let read: (String, f64, Vec<(String, f64)>) = b
                    .client
                    .execute(
                        "const chart = document.querySelector('[data-chart=throughput]');
                     const mark = chart && chart.querySelector('.chart__end');
                     if (!mark) return null;
                     const ticks = [...chart.querySelectorAll(
                         '.chart__axis text[text-anchor=middle]')].slice(0, 2)
                       .map(t => [t.textContent, parseFloat(t.getAttribute('x'))]);
                     return [mark.querySelector('text').textContent,
                             parseFloat(mark.querySelector('line').getAttribute('x1')), ticks];",
                        vec![],
                    )
                    .await
                    .ok()
                    .and_then(|v| serde_json::from_value(v).ok())?;
                Some(read)
            },
        )
        .await;
    assert_eq!(mark, "load ends");
    // The run's page says what it aimed at and how hard.
    let meta = text(&b, ".run-meta").await.unwrap_or_default();
    assert!(
        meta.contains(&server.demo) && meta.contains("constant_users: 1 user for 1 s"),
        "{meta}"
    );
    // At 1 s on the time axis: halfway between its ticks 0 and 2.
    assert_eq!(
        ticks.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["0", "2"],
        "{ticks:?}"
    );
    let want = (ticks[0].1 + ticks[1].1) / 2.0;
    assert!((x - want).abs() < 0.2, "the mark at {x}, 1 s at {want}");
    b.screenshot("run-load-end").await;
    // A closed-model run draws users, no arrival rate: its users chart says so.
    assert_eq!(chart_title(&b, "users").await, "Users");

    // Eight tiles in a row (the window is 1440 px wide) still show long figures whole: a run
    // of ten million requests, or one whose every request failed.
    let cut: Vec<String> = b
        .client
        .execute(
            "const cut = [];
             for (const tile of document.querySelectorAll('.run-tiles .tile__value')) {
               for (const figure of ['12,345,678', '100.00%', '12,345.6/s', '10,000 ms']) {
                 tile.textContent = figure;
                 if (tile.scrollWidth > tile.clientWidth) cut.push(figure);
               }
             }
             return cut;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .expect("the tiles measured");
    let tiles = b
        .client
        .find_all(Locator::Css(".run-tiles .tile__value"))
        .await
        .map_or(0, |t| t.len());
    assert_eq!(tiles, 8, "eight tiles");
    assert!(cut.is_empty(), "figures cut short: {cut:?}");

    // This run's one request made p95 and p99 equal: the two lines are drawn dashed and
    // dotted, and so are their legend's swatches, so that one does not hide the other.
    let styles: Vec<(String, String, String)> = b
        .client
        .execute(
            "const chart = document.querySelector('[data-chart=latency]');
             return ['p50', 'p95', 'p99'].map(name => {
               const line = chart.querySelector(`.chart__line[data-series=${name}]`);
               const swatch = chart.querySelector(`.chart__key[data-key=${name}] .chart__swatch`);
               const mask = getComputedStyle(swatch);
               return [name, getComputedStyle(line).strokeDasharray,
                       mask.maskImage || mask.webkitMaskImage];
             });",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .expect("the latency lines' styles read");
    let [p50, p95, p99] = &styles[..] else {
        panic!("three latency lines: {styles:?}");
    };
    assert_eq!(
        (p50.1.as_str(), p50.2.as_str()),
        ("none", "none"),
        "{styles:?}"
    );
    for line in [p95, p99] {
        assert!(line.1 != "none" && line.2 != "none", "{styles:?}");
    }
    assert_ne!((&p95.1, &p95.2), (&p99.1, &p99.2), "{styles:?}");
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_from_history_compare_side_by_side_with_deltas() {
    let data = temp_dir("browser-compare");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    let first = finished_run(&server, &b).await;
    let second = finished_run(&server, &b).await;

    b.client
        .goto(&format!("{}/history", server.api))
        .await
        .expect("open history");
    // Looked up afresh each time: the list is fetched again when the feed reports a run's end.
    for id in [&first, &second] {
        let css = format!("[data-run-id='{id}'] [data-action=select-run]");
        b.until(10, "the run ticked", || async {
            let check = b.client.find(Locator::Css(&css)).await.ok()?;
            if check.is_selected().await.ok()? {
                return Some(());
            }
            let _ = check.click().await;
            None
        })
        .await;
    }
    b.until(10, "Compare to be enabled", || async {
        let button = b
            .client
            .find(Locator::Css("[data-action=compare]"))
            .await
            .ok()?;
        button.is_enabled().await.ok()?.then_some(button)
    })
    .await
    .click()
    .await
    .expect("compare");

    // The older run is the baseline; each figure has its delta.
    let url = b
        .until(10, "the compare page", || async {
            let url = b.client.current_url().await.ok()?;
            (url.path() == "/compare").then_some(url)
        })
        .await;
    let query = url.query().unwrap_or_default().to_owned();
    assert!(
        query.contains(&format!("a={first}")) && query.contains(&format!("b={second}")),
        "{query}"
    );
    for metric in ["p95", "rps", "error_rate"] {
        let delta = b
            .until(20, "a delta", || async {
                text(
                    &b,
                    &format!("tr[data-metric={metric}] td.compare-table__delta"),
                )
                .await
            })
            .await;
        assert!(!delta.trim().is_empty(), "{metric}: {delta}");
    }
    // Same scenario, same load, both completed: nothing to warn about.
    let warning = "[data-warning=partial]";
    assert_eq!(text(&b, warning).await, None);
    b.screenshot("compare").await;

    // A run compared while it is still running is said to be, and the page catches up when
    // it ends.
    let started = post_json(
        &format!("{}/api/workload/start", server.api),
        r#"{"scenario":{"name":"web_app"},"overrides":{"duration":"3s"}}"#,
    )
    .await;
    let created: shared::api::RunCreated =
        serde_json::from_str(&started).unwrap_or_else(|e| panic!("{e}: {started}"));
    let running = created.run_id.0;
    b.client
        .goto(&format!("{}/compare?a={first}&b={running}", server.api))
        .await
        .expect("open compare");
    let note = b
        .until(10, "the still-running note", || async {
            text(&b, warning)
                .await
                .filter(|t| t.contains("still running"))
        })
        .await;
    assert!(
        note.contains("The candidate run was still running"),
        "{note}"
    );
    b.until(30, "the note to go when the run ends", || async {
        let status = text(&b, ".compare-card[data-side=candidate] [data-status]").await?;
        let note = text(&b, warning).await.unwrap_or_default();
        (!status.contains("running") && !note.contains("still running")).then_some(())
    })
    .await;
    // What is left to say: the candidate ran for 3 s, the baseline for 1 s.
    let note = text(&b, warning).await.unwrap_or_default();
    assert!(
        note.contains("The runs had different loads")
            && note.contains("the baseline constant_rate: 15/s for 1 s")
            && note.contains("the candidate constant_rate: 15/s for 3 s"),
        "{note}"
    );
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http") {
        href.to_owned()
    } else {
        format!("{base}{href}")
    }
}

async fn http_get(url: &str) -> Option<String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::get(url).await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.text().await.ok()
}

async fn post_json(url: &str, body: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("POST")
        .text()
        .await
        .expect("body")
}

/// The saved scenario `name` as the API has it (`None`: not saved).
async fn saved_scenario(server: &Serve, name: &str) -> Option<shared::api::ScenarioEntry> {
    let body = http_get(&format!("{}/api/scenarios/{name}", server.api)).await?;
    serde_json::from_str(&body).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_over_a_saved_scenario_asks_first_and_a_saved_scenario_can_be_deleted() {
    let data = temp_dir("browser-save-over");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    b.client
        .goto(&format!("{}/compose", server.api))
        .await
        .expect("open compose");
    let active = || async {
        b.client
            .execute(
                "const a = document.activeElement; return a && a.getAttribute('data-action');",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let notice = |expected: String| {
        let b = &b;
        async move {
            b.until(10, &format!("the notice {expected:?}"), || async {
                text(b, ".compose__notice").await.filter(|t| *t == expected)
            })
            .await
        }
    };

    // The default form, saved under a new name: no question.
    b.find("[data-field=saved]").await;
    set_input(&b, "[data-field=save-name]", "e2e_saved").await;
    b.click("[data-action=save]").await;
    notice("Saved as “e2e_saved”.".into()).await;
    let first = saved_scenario(&server, "e2e_saved")
        .await
        .expect("saved through the API");
    assert_eq!(first.scenario.name, "my_scenario");

    // Another scenario under the same name: asked in place, the safe answer focused.
    b.find("[data-field=preset]")
        .await
        .select_by_value("web_app")
        .await
        .expect("select preset");
    let preset_name = b
        .until(10, "the preset in the form", || async {
            attr(&b, "[data-field=name]", "value")
                .await
                .filter(|v| v != "my_scenario")
        })
        .await;
    // Saved under its own name, the preset would be refused: Save offers a copy's name.
    let copy = format!("{preset_name}-copy");
    b.until(10, "a copy's name offered", || async {
        attr(&b, "[data-field=save-name]", "placeholder")
            .await
            .filter(|p| *p == copy)
    })
    .await;
    set_input(&b, "[data-field=save-name]", "e2e_saved").await;
    b.click("[data-action=save]").await;
    let question = b
        .until(10, "the question", || async {
            text(&b, ".compose__ask").await
        })
        .await;
    assert!(
        question.contains("Replace the saved “e2e_saved”?"),
        "{question}"
    );
    b.until(5, "the focus on Cancel", || async {
        active().await.filter(|a| a == "cancel-ask")
    })
    .await;
    b.screenshot("compose-replace-question").await;

    // Cancel: nothing is saved, the focus is back on Save.
    b.click("[data-action=cancel-ask]").await;
    b.until(5, "the question gone and the focus on Save", || async {
        let gone = text(&b, ".compose__ask").await.is_none();
        active().await.filter(|a| gone && a == "save")
    })
    .await;
    let kept = saved_scenario(&server, "e2e_saved")
        .await
        .expect("still saved");
    assert_eq!(
        kept.scenario, first.scenario,
        "cancel leaves the saved one as it was"
    );

    // Replace: the preset is saved over it.
    b.click("[data-action=save]").await;
    b.click("[data-action=confirm-ask]").await;
    notice("Saved as “e2e_saved”.".into()).await;
    let replaced = b
        .until(10, "the preset saved over it", || async {
            saved_scenario(&server, "e2e_saved")
                .await
                .filter(|e| e.scenario.name == preset_name)
        })
        .await;
    assert_ne!(replaced.scenario, first.scenario);

    // Saving it back under the name it was saved as is editing it: not asked again.
    set_input(&b, "[data-field=description]", "edited").await;
    b.click("[data-action=save]").await;
    b.until(10, "the edit saved without a question", || async {
        saved_scenario(&server, "e2e_saved")
            .await
            .filter(|e| e.scenario.description.as_deref() == Some("edited"))
    })
    .await;
    assert!(text(&b, ".compose__ask").await.is_none(), "no question");

    // Delete it from the page, after a question of the same kind.
    b.click("[data-action=delete-saved]").await;
    let question = b
        .until(10, "the delete question", || async {
            text(&b, ".compose__ask").await
        })
        .await;
    assert!(
        question.contains("Delete the saved “e2e_saved”?"),
        "{question}"
    );
    b.click("[data-action=confirm-ask]").await;
    notice("Deleted “e2e_saved”.".into()).await;
    assert!(
        saved_scenario(&server, "e2e_saved").await.is_none(),
        "deleted"
    );
    b.until(10, "the saved menu empty", || async {
        text(&b, "[data-field=saved]")
            .await
            .filter(|t| t.contains("none saved yet") && !t.contains("e2e_saved"))
    })
    .await;
    assert!(
        text(&b, "[data-action=delete-saved]").await.is_none(),
        "nothing left to delete"
    );

    // A preset's name is refused, and the page says why (not that a run is in progress).
    set_input(&b, "[data-field=save-name]", "web_app").await;
    b.click("[data-action=save]").await;
    let refused = b
        .until(10, "the refusal", || async {
            text(&b, ".compose__notice")
                .await
                .filter(|t| t.contains("built-in preset"))
        })
        .await;
    assert!(!refused.contains("run is in progress"), "{refused}");
    assert!(saved_scenario(&server, "web_app").await.is_none());

    // With "Save as" left empty, the scenario's name made valid is the name: the placeholder
    // shows it. The answer is in view with the form scrolled to its end.
    set_input(&b, "[data-field=name]", "e2e shop test").await;
    b.until(10, "the suggested name", || async {
        attr(&b, "[data-field=save-name]", "placeholder")
            .await
            .filter(|p| p == "e2e-shop-test")
    })
    .await;
    let in_view = |css: &'static str| {
        let b = &b;
        async move {
            let script = format!(
                "const r = document.querySelector('{css}').getBoundingClientRect(); \
                 return r.top >= 0 && r.bottom <= window.innerHeight;"
            );
            b.client
                .execute(&script, vec![])
                .await
                .expect("rect")
                .as_bool()
                == Some(true)
        }
    };
    b.client
        .execute(
            "const s = document.querySelector('[data-field=save-name]'); s.value = ''; \
             s.dispatchEvent(new Event('input', { bubbles: true })); \
             window.scrollTo(0, document.body.scrollHeight);",
            vec![],
        )
        .await
        .expect("empty Save as, scroll to the end");
    b.click("[data-action=save]").await;
    notice("Saved as “e2e-shop-test”.".into()).await;
    assert!(in_view(".compose__notice").await, "the notice is in view");
    let entry = saved_scenario(&server, "e2e-shop-test")
        .await
        .expect("saved under the suggested name");
    assert_eq!(entry.scenario.name, "e2e shop test");

    // A name the server refuses (Enter in "Save as" saves): its reason is in view too.
    set_input(&b, "[data-field=save-name]", "a b\u{E007}").await;
    b.until(10, "the refusal of \"a b\"", || async {
        text(&b, ".compose__notice[role=alert]")
            .await
            .filter(|t| t.contains("\"a b\" is not a valid scenario name"))
    })
    .await;
    assert!(in_view(".compose__notice").await, "the refusal is in view");
    b.screenshot("compose-save-refused").await;
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A JSON body and a check holding 64-bit whole numbers (past 2^53 − 1, where a browser's
/// `JSON.parse` rounds) go through Compose exact: opened from a saved scenario, shown in the
/// form and the text, and saved again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_whole_numbers_go_through_compose_exact() {
    let data = temp_dir("browser-large-numbers");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let scenario = r#"{"name": "big ids ✓", "description": "ünïcode beside the digits",
        "target": "http://127.0.0.1:9",
        "load": {"type": "constant_users", "users": 1, "duration": "5s"},
        "journeys": [{"name": "j", "steps": [{"request": {"method": "POST", "path": "/orders",
            "body": {"json": {"id": 12345678901234567890, "min": -9223372036854775808}},
            "checks": [{"json": {"pointer": "/id", "equals": 9007199254740993}}]}}]}]}"#;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let put = reqwest::Client::new()
        .put(format!("{}/api/scenarios/big-ids", server.api))
        .header("content-type", "application/json")
        .body(scenario)
        .send()
        .await
        .expect("PUT");
    assert!(put.status().is_success(), "{:?}", put.text().await);

    let b = Browser::start().await;
    b.client
        .goto(&format!("{}/compose", server.api))
        .await
        .expect("open compose");
    b.until(10, "the saved scenario listed", || async {
        text(&b, "[data-field=saved]")
            .await
            .filter(|t| t.contains("big-ids"))
    })
    .await;
    b.find("[data-field=saved]")
        .await
        .select_by_value("big-ids")
        .await
        .expect("open the saved scenario");
    // The form's body field shows the digits as they were saved.
    let body = b
        .until(10, "the body in the form", || async {
            b.client
                .execute(
                    "const t = document.querySelector('[data-field$=\"body.json\"]'); \
                     return t && t.value;",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        })
        .await;
    assert!(body.contains("12345678901234567890"), "{body}");
    assert!(body.contains("-9223372036854775808"), "{body}");

    set_input(&b, "[data-field=save-name]", "big-ids-copy").await;
    b.click("[data-action=save]").await;
    let copy = b
        .until(10, "the copy saved", || async {
            saved_scenario(&server, "big-ids-copy").await
        })
        .await;
    let original = saved_scenario(&server, "big-ids").await.expect("saved");
    assert_eq!(copy.scenario, original.scenario, "nothing rounded");
    let json = serde_json::to_string(&copy.scenario).expect("writes");
    assert!(json.contains(r#""id":12345678901234567890"#), "{json}");
    assert!(json.contains(r#""equals":9007199254740993"#), "{json}");
    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A chart's title as shown: its text and what CSS adds after it (the users chart names the
/// arrival rate where it draws one).
async fn chart_title(b: &Browser, chart: &str) -> String {
    let shown = eval(
        b,
        &format!(
            "const t = document.querySelector('[data-chart={chart}] .chart__title'); \
             const after = getComputedStyle(t, '::after').content; \
             return t.textContent + (after.startsWith('\"') ? JSON.parse(after) : '');"
        ),
    )
    .await;
    shown.as_str().unwrap_or_default().to_owned()
}

/// Runs `script` (a function body that returns JSON) in the page.
async fn eval(b: &Browser, script: &str) -> serde_json::Value {
    b.client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{e}: {script}"))
}

/// What lines up on screen stays lined up at the widths people use: a run's page starts where
/// the other pages start; a figure's heading ends where its figures end; at 1280 px a run's checks do not break request names inside a
/// word; at 800 px History's table fits without scrolling sideways; embedded, Compose's bar
/// covers nothing and widens nothing; in Compose at 800 px a field error moves nothing beside its field, and a stacked
/// threshold keeps its checkbox and buttons under its fields, without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_lines_up_at_common_widths() {
    let data = temp_dir("browser-layout");
    let server = Serve::start(&data, &["--ui-dir", &dist_dir()]);
    let b = Browser::start().await;
    let id = finished_run(&server, &b).await;

    b.client
        .set_window_size(1280, 800)
        .await
        .expect("a 1280 px window");
    b.client
        .goto(&format!("{}/history/{id}", server.api))
        .await
        .expect("open the run");
    b.find("[data-table=requests] tbody tr[data-request]").await;
    b.find(".run-checks tbody tr").await;
    b.screenshot("layout-run-1280").await;
    // This open-model run's users chart draws the arrival rate too, and its title says so.
    let title = b
        .until(
            10,
            "the users chart's title with the rate drawn",
            || async { Some(chart_title(&b, "users").await).filter(|t| t != "Users") },
        )
        .await;
    assert_eq!(title, "Users and arrival rate");
    // The run's page starts where Live's and Compose's start: at the main area's padding.
    let edges = eval(
        &b,
        "const m = document.querySelector('.app__main'); \
         const inner = m.getBoundingClientRect().left + parseFloat(getComputedStyle(m).paddingLeft); \
         return [Math.round(inner), Math.round(document.querySelector('.page--run h1') \
           .getBoundingClientRect().left)];",
    )
    .await;
    assert_eq!(
        edges[0], edges[1],
        "main area and title left edges: {edges}"
    );
    // Each numeric heading's label ends (right-aligned) where its column's figures end; the
    // sort mark's room goes before the label. Pairs of [heading end, figure end], in px.
    let ends = eval(
        &b,
        "const right = n => { const r = document.createRange(); r.selectNodeContents(n); \
           return Math.round(r.getBoundingClientRect().right); }; \
         const row = document.querySelector('[data-table=requests] tbody tr[data-request]'); \
         return [...document.querySelectorAll('[data-table=requests] thead th.num')] \
           .map((th, i) => [right(th.querySelector('button').firstChild), \
                            right(row.children[i + 1])]);",
    )
    .await;
    let ends = ends.as_array().expect("pairs").clone();
    assert_eq!(ends.len(), 7, "{ends:?}");
    for pair in &ends {
        let (heading, figure) = (pair[0].as_i64(), pair[1].as_i64());
        assert!(
            heading.zip(figure).is_some_and(|(h, f)| (h - f).abs() <= 1),
            "a heading does not end with its figures: {ends:?}"
        );
    }
    // The checks' request names ("GET /api/products/{id}") each fit on one line.
    let lines = eval(
        &b,
        "return [...document.querySelectorAll('.run-checks tbody td:first-child')].map(td => { \
           const r = document.createRange(); r.selectNodeContents(td); \
           return [td.textContent, r.getClientRects().length]; });",
    )
    .await;
    let lines = lines.as_array().expect("cells").clone();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l[1] == 1),
        "a request name wraps: {lines:?}"
    );

    b.client
        .set_window_size(800, 900)
        .await
        .expect("an 800 px window");
    // History's table fits an 800 px window: no column (the verdict, last) scrolls out of view.
    b.client
        .goto(&format!("{}/history", server.api))
        .await
        .expect("open history");
    b.find(".run-list tbody tr[data-run-id]").await;
    b.screenshot("layout-history-800").await;
    let widths = eval(
        &b,
        "const s = document.querySelector('.page--history .table-scroll'); \
         return [s.scrollWidth, s.clientWidth];",
    )
    .await;
    assert!(
        widths[0].as_i64() <= widths[1].as_i64(),
        "History's table is wider than its box at 800 px: [scroll, client] = {widths}"
    );
    compose_web_app(&b, &server).await;
    b.until(10, "the preset's journeys in the form", || async {
        attr(&b, "[data-field='journeys[0].weight']", "value")
            .await
            .filter(|v| v == "4")
    })
    .await;
    // The journey's share of the iterations reads on one line beside the inputs.
    let share_lines = eval(
        &b,
        "const r = document.createRange(); \
         r.selectNodeContents(document.querySelector('.journey__share')); \
         return [r.toString(), r.getClientRects().length];",
    )
    .await;
    assert_eq!(share_lines[1], 1, "{share_lines}");
    set_input(&b, "[data-field='journeys[0].weight']", "-2").await;
    b.find(".field-error[data-error-path='journeys[0].weight']")
        .await;
    b.screenshot("layout-compose-800").await;
    let tops = eval(
        &b,
        "const head = document.querySelector('.journey__head'); \
         return [...head.querySelectorAll('.field input')] \
           .map(i => Math.round(i.getBoundingClientRect().top));",
    )
    .await;
    assert_eq!(tops[0], tops[1], "name and weight inputs at {tops}");
    // A threshold stacked at 800 px: its checkbox and its buttons follow the field above
    // each with the grid's own gap (8 px), not the room meant to line them up in one row.
    let gaps = eval(
        &b,
        "const t = document.querySelector('.threshold'); const k = [...t.children]; \
         const top = c => (c.querySelector('label, input, select, button') ?? c) \
           .getBoundingClientRect().top; \
         return k.slice(1).map((c, i) => Math.round(top(c) - k[i].getBoundingClientRect().bottom));",
    )
    .await;
    let gaps = gaps.as_array().expect("gaps").clone();
    assert!(gaps.len() >= 3, "{gaps:?}");
    assert!(
        gaps.iter().all(|g| g.as_i64().is_some_and(|g| g <= 10)),
        "gaps between a stacked threshold's parts: {gaps:?}"
    );

    // Embedded (no app header), Compose's bar sits at the top of the frame, not a header's
    // height below it over the preset picker, and spans the page without widening it.
    b.client
        .goto(&format!("{}/compose?embed=1", server.api))
        .await
        .expect("open compose embedded");
    b.find("[data-field=preset]").await;
    b.screenshot("layout-compose-embedded-800").await;
    let fit = eval(
        &b,
        "const d = document.scrollingElement; \
         const bar = document.querySelector('.compose__bar').getBoundingClientRect(); \
         const preset = document.querySelector('[data-field=preset]').getBoundingClientRect(); \
         return [Math.round(bar.top), Math.round(bar.bottom) <= Math.round(preset.top), \
                 d.scrollWidth - d.clientWidth];",
    )
    .await;
    assert_eq!(
        fit,
        serde_json::json!([0, true, 0]),
        "[bar top, bar above the preset picker, sideways overflow]"
    );

    drop(b);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
