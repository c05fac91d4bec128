//! Headless Chromium driven through Debian's chromedriver with fantoccini. The driver runs in
//! its own process group and the whole group is killed on drop, so a failing test never leaves
//! a browser behind; the browser's profile and temporary files (about 4 MB a session) live in
//! one directory that goes with it.

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// Where screenshots go (kept as CI artifacts): `target/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = super::binary::repo().join("target/browser-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A chromedriver child and a WebDriver session on it.
pub struct Browser {
    /// The session.
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process group (the driver and the Chromium it starts) and Chromium's
/// profile directory, with its temporary files under `tmp/`. On drop the group is killed and the
/// directory removed, also when a session never started.
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
        let _ = self.child.wait();
        // Chromium's processes die with the group, but may take a moment to go.
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile).is_ok() || !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver and opens a headless Chromium session.
    pub async fn start() -> Self {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let profile = super::binary::temp_dir(&format!("chrome-{port}"));
        // Chromium makes scratch directories under $TMPDIR; keep them in the profile.
        let scratch = profile.join("tmp");
        std::fs::create_dir_all(&scratch).expect("a profile directory");
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .env("TMPDIR", &scratch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {chromedriver} ({e}); install chromium-driver (make test does)"
                )
            });
        let driver = Driver {
            child,
            profile: profile.clone(),
        };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1440,1000",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        // chromedriver takes a moment to accept sessions.
        let mut last = None;
        for _ in 0..150 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        _driver: driver,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not accept a session: {last:?}");
    }

    /// Waits (bounded) until `css` matches an element and returns it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element matches {css}: {e}"))
    }

    /// Waits (bounded) until `css` matches an element, and clicks it.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Polls `probe` every 100 ms until it returns `Some`, for at most `secs` seconds.
    pub async fn until<T, F, Fut>(&self, secs: u64, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        for _ in 0..secs * 10 {
            if let Some(v) = probe().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out after {secs} s waiting for {what}");
    }

    /// Saves a PNG screenshot under [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(screenshot_dir().join(format!("{name}.png")), png);
        }
    }
}
