//! A real headless Chromium driven over WebDriver (chromedriver +
//! fantoccini): the console's browser tests and its screenshots.
//!
//! Chromium runs as its own process with a fresh profile folder, no sandbox
//! (CI runs as root), no GPU and none of its background network traffic; it
//! only ever loads the console on 127.0.0.1.

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian puts them; `OFFICETWIN_CHROMIUM` / `OFFICETWIN_CHROMEDRIVER` override.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn chromium() -> PathBuf {
    std::env::var_os("OFFICETWIN_CHROMIUM").map_or_else(|| CHROMIUM.into(), PathBuf::from)
}

fn chromedriver() -> PathBuf {
    std::env::var_os("OFFICETWIN_CHROMEDRIVER").map_or_else(|| CHROMEDRIVER.into(), PathBuf::from)
}

/// Why there is no browser here, if there is none.
pub fn missing() -> Option<String> {
    for path in [chromium(), chromedriver()] {
        if !path.is_file() {
            return Some(format!(
                "{} is missing: `apt-get install -y chromium chromium-driver fonts-noto-cjk` (.ci/run does; `officetwin doctor` lists what else is missing)",
                path.display()
            ));
        }
    }
    None
}

/// A headless Chromium session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    pub async fn start() -> Result<Browser> {
        if let Some(why) = missing() {
            bail!(why);
        }
        // A free port for chromedriver, on loopback only.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // Its own process group: Chromium and its helpers, started by
        // chromedriver, are in it too, so stopping ends all of them (killing
        // chromedriver alone leaves Chromium running, orphaned).
        let mut driver = Command::new(chromedriver())
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", chromedriver().display()))?;
        let profile = std::env::temp_dir().join(format!(
            "officetwin-chromium-{}-{}",
            std::process::id(),
            cloud::console::auth::random_token().map_err(|e| anyhow::anyhow!("{e}"))?
        ));
        std::fs::create_dir_all(&profile)?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1000",
                    "--lang=ja-JP",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // chromedriver listens within a second on an idle machine; a loaded
        // one gets two minutes before we give up.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while std::time::Instant::now() < deadline {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Browser {
                        client,
                        driver,
                        profile,
                    });
                }
                Err(e) => {
                    last = Some(e);
                    if let Ok(Some(status)) = driver.try_wait() {
                        bail!("chromedriver exited: {status}");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let _ = driver.kill();
        let _ = driver.wait();
        bail!("chromedriver did not accept a session: {last:?}")
    }

    /// Logs in on the console at `base` (ends with `/`).
    pub async fn login(&self, base: &str, account: &str, password: &str) -> Result<()> {
        self.client.goto(&format!("{base}login")).await?;
        self.client
            .find(Locator::Id("account"))
            .await?
            .send_keys(account)
            .await?;
        self.client
            .find(Locator::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        self.client
            .find(Locator::Id("login"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Saves a PNG of the current page.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client.screenshot().await?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    pub async fn close(mut self) -> Result<()> {
        let client = self.client.clone();
        client.close().await?;
        self.stop();
        Ok(())
    }

    fn stop(&mut self) {
        if let Ok(group) = i32::try_from(self.driver.id())
            && group > 0
        {
            // SAFETY: kill(2) on the process group this Browser started
            // (chromedriver's pid, its group leader); no memory is touched.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Screenshots of the console's main pages into `dir`; returns the files.
pub async fn screenshots(
    base: &str,
    account: &str,
    password: &str,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let browser = Browser::start().await?;
    browser.client.set_window_size(1400, 1000).await?;
    browser.login(base, account, password).await?;
    // Generous: a loaded machine may take long to render the first page.
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Id("cnc-users"))
        .await?;
    let mut files = Vec::new();
    for (page, name) in [
        ("dashboard", "dashboard.png"),
        ("logs", "logs.png"),
        ("internet-access", "internet-access.png"),
        ("devices", "devices.png"),
        ("policies", "policies.png"),
        ("reports", "reports.png"),
        ("demo", "demo.png"),
    ] {
        browser.client.goto(&format!("{base}{page}")).await?;
        let path = dir.join(name);
        browser.screenshot(&path).await?;
        files.push(path);
    }
    browser.close().await?;
    Ok(files)
}
