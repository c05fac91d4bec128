//! Headless Chromium driven through Debian's chromedriver with fantoccini. The driver runs in
//! its own process group and the whole group is killed on drop, so a failing test never leaves
//! a browser behind.

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
    driver: Child,
    /// The session.
    pub client: Client,
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
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {chromedriver} ({e}); install chromium-driver (make test does)"
                )
            });
        let profile = super::binary::temp_dir(&format!("chrome-{port}"));
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
                Ok(client) => return Self { driver, client },
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

impl Drop for Browser {
    fn drop(&mut self) {
        // The session dies with the driver; kill the whole group (driver and Chromium).
        let pid = self.driver.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
        let _ = self.driver.wait();
    }
}
