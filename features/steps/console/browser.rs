//! The headless Chromium: taking turns with it, logging in, the dashboard's
//! widgets, pages and clicks, and the console's screenshots.

use super::{ACCOUNT, BROWSER_POLL, BROWSER_WAIT, PASSWORD, TwinWorld, click_id, eventually, home};
use anyhow::{Context, Result, anyhow, bail, ensure};
use cucumber::{then, when};
use fantoccini::Locator;
use officetwin::console::browser::Browser;
use std::sync::Arc;

/// Cucumber runs scenarios concurrently; a Chromium each would crowd a
/// 2-core machine, so the browser scenarios take turns (the others still
/// run beside them).
fn browser_turns() -> Arc<tokio::sync::Mutex<()>> {
    static TURNS: std::sync::OnceLock<Arc<tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
    TURNS.get_or_init(Default::default).clone()
}

/// Waits for this scenario's turn with a browser.
async fn browser_turn() -> Result<tokio::sync::OwnedMutexGuard<()>> {
    // Far longer than any browser scenario takes, even on a loaded machine:
    // reached only if a scenario never gives its turn back.
    tokio::time::timeout(
        std::time::Duration::from_secs(1800),
        browser_turns().lock_owned(),
    )
    .await
    .map_err(|_| anyhow!("no turn with the browser: another scenario kept it"))
}

/// The suite's Chromium between the scenarios that take turns with it.
/// Starting one costs about a second of CPU and its first page loads the
/// CJK fonts again; a scenario gets it back with no cookies, on a blank
/// page, and never sees another's origin (each console has its own port).
static SPARE: std::sync::Mutex<Option<Browser>> = std::sync::Mutex::new(None);

/// Keeps the scenario's browser for the next one (the runner's `after`
/// hook, before the scenario's turn is given up).
pub fn give_back(world: &mut TwinWorld) {
    let Some(browser) = world.console.as_mut().and_then(|c| c.browser.take()) else {
        return;
    };
    if let Ok(mut spare) = SPARE.lock() {
        // One is kept; another (there is none while turns are taken) stops.
        spare.get_or_insert(browser);
    }
}

/// Stops the kept browser: the runner calls this at the end of the run.
pub fn close_spare() {
    let spare = SPARE.lock().ok().and_then(|mut s| s.take());
    drop(spare);
}

/// The kept browser, cleared, or a new one.
async fn a_browser() -> Result<Browser> {
    let spare = SPARE.lock().ok().and_then(|mut s| s.take());
    if let Some(browser) = spare {
        let cleared = async {
            browser.client.delete_all_cookies().await?;
            browser.client.goto("about:blank").await?;
            anyhow::Ok(())
        };
        match cleared.await {
            Ok(()) => return Ok(browser),
            // Dropping it stops its processes; a new one is started.
            Err(e) => eprintln!("the kept Chromium could not be cleared ({e}); starting another"),
        }
    }
    home(Browser::start()).await
}

#[when("I log in to the console in Chromium")]
async fn browser_login(world: &mut TwinWorld) -> Result<()> {
    let turn = browser_turn().await?;
    let c = world.console()?;
    c.browser_turn = Some(turn);
    let browser = a_browser().await?;
    browser.login(c.base(), ACCOUNT, PASSWORD).await?;
    let waited = browser
        .client
        .wait()
        .at_most(BROWSER_WAIT)
        .every(BROWSER_POLL)
        .for_element(Locator::Id("security-status"))
        .await;
    if let Err(e) = waited {
        let url = browser.client.current_url().await?;
        let page = browser.client.source().await?;
        bail!("no dashboard after logging in ({e}); at {url}:\n{page}");
    }
    c.browser = Some(browser);
    Ok(())
}

/// The text of the page on screen.
async fn page_text(b: &Browser) -> Result<String> {
    Ok(b.client.find(Locator::Css("body")).await?.text().await?)
}

async fn widget_rows(b: &Browser, widget: &str) -> Result<Vec<(String, u64)>> {
    let mut rows = Vec::new();
    for row in b
        .client
        .find_all(Locator::Css(&format!("#{widget} tr")))
        .await?
    {
        let label = row.find(Locator::Css("td.label")).await?.text().await?;
        let count = row.find(Locator::Css("td.count")).await?.text().await?;
        rows.push((
            label.lines().next().unwrap_or("").trim().to_string(),
            count.trim().parse().context("a widget count")?,
        ));
    }
    Ok(rows)
}

#[then(expr = "the {string} widget is led by {string} with {int}")]
async fn widget_led(
    world: &mut TwinWorld,
    widget: String,
    label: String,
    count: u64,
) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}dashboard", c.base())).await?;
    eventually(
        &format!("widget {widget} led by ({label:?}, {count})"),
        async || {
            let rows = widget_rows(b, &widget).await?;
            Ok(match rows.first() {
                Some(first) if first.0 == label && first.1 == count => Ok(()),
                _ => Err(format!("rows {rows:?}")),
            })
        },
    )
    .await
}

#[then(expr = "the page shows {string}")]
async fn browser_shows(world: &mut TwinWorld, text: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    eventually(&format!("the page shows {text:?}"), async || {
        let body = page_text(b).await?;
        Ok(if body.contains(&text) {
            Ok(())
        } else {
            Err(body)
        })
    })
    .await
}

#[when(expr = "I open {string} in Chromium")]
async fn browser_open(world: &mut TwinWorld, path: String) -> Result<()> {
    let c = world.console()?;
    let url = format!("{}{}", c.base(), path.trim_start_matches('/'));
    c.browser()?.client.goto(&url).await?;
    Ok(())
}

#[when(expr = "I click {string}")]
async fn click(world: &mut TwinWorld, id: String) -> Result<()> {
    let c = world.console()?;
    click_id(c.browser()?, &id).await
}

#[when("I take the console's screenshots")]
async fn take_screenshots(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let dir = std::env::temp_dir().join(format!(
        "officetwin-shots-{}-{}",
        std::process::id(),
        c.base()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap_or("0")
    ));
    let base = c.base().to_string();
    let _turn = browser_turn().await?;
    let files = home(async move {
        officetwin::console::browser::screenshots(&base, ACCOUNT, PASSWORD, &dir).await
    })
    .await?;
    c.screenshots = files;
    Ok(())
}

#[then(expr = "there is a {int}-pixel-wide PNG screenshot of each of {string}")]
fn screenshots_written(world: &mut TwinWorld, width: u32, pages: String) -> Result<()> {
    let c = world.console()?;
    let files = std::mem::take(&mut c.screenshots);
    let result = (|| {
        for page in pages.split(',').map(str::trim) {
            let file = files
                .iter()
                .find(|f| f.file_name().and_then(|n| n.to_str()) == Some(&format!("{page}.png")))
                .with_context(|| format!("no screenshot of {page}: {files:?}"))?;
            let png = std::fs::read(file)?;
            // The PNG signature, then the IHDR chunk with the width.
            ensure!(
                png.starts_with(b"\x89PNG\r\n\x1a\n") && png.get(12..16) == Some(b"IHDR"),
                "{} is not a PNG",
                file.display()
            );
            let w = png
                .get(16..20)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
                .context("no width")?;
            ensure!(w == width, "{} is {w} pixels wide", file.display());
        }
        Ok(())
    })();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}
