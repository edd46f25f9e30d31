//! The logs: the CSV export over HTTP and in Chromium, and the internet
//! access pages checked against the store's statistics.

use super::{BROWSER_POLL, BROWSER_WAIT, Reply, TwinWorld, http, unescape};
use anyhow::{Context, Result, bail, ensure};
use cloud::store::LogStore;
use cucumber::{then, when};
use fantoccini::Locator;

#[then(expr = "the CSV export has {int} rows and says it matched {int}")]
fn csv_rows(world: &mut TwinWorld, rows: usize, matching: u64) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    ensure!(last.status == 200, "export answered {}", last.status);
    ensure!(
        last.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "not CSV: {:?}",
        last.header("content-type")
    );
    let lines = last.body.lines().count();
    ensure!(
        lines == rows + 1,
        "{} data rows, not {rows}",
        lines.saturating_sub(1)
    );
    ensure!(
        last.header("x-rows-matching") == Some(&matching.to_string()),
        "x-rows-matching: {:?}",
        last.header("x-rows-matching")
    );
    Ok(())
}

#[when(expr = "I download the log export in Chromium")]
async fn browser_download(world: &mut TwinWorld) -> Result<()> {
    // The browser's own fetch, with its own cookie: what the link downloads.
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}logs", c.base())).await?;
    let href = b
        .client
        .wait()
        .at_most(BROWSER_WAIT)
        .every(BROWSER_POLL)
        .for_element(Locator::Id("export"))
        .await?
        .attr("href")
        .await?
        .context("the export link has no href")?;
    let text = b
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(r => r.text()).then(done);",
            vec![serde_json::Value::String(href)],
        )
        .await?;
    let body = text.as_str().unwrap_or_default().to_string();
    c.last = Some(Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/csv".into())],
        body,
    });
    Ok(())
}

#[then(expr = "the downloaded CSV has {int} rows")]
fn downloaded(world: &mut TwinWorld, rows: usize) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    let lines = last.body.lines().count();
    if lines != rows + 1 {
        bail!("{} rows downloaded, not {rows}", lines.saturating_sub(1));
    }
    Ok(())
}

/// Rows of the internet access table in a page: (label, requests).
fn access_rows(page: &str) -> Vec<(String, u64)> {
    let mut rows = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<td class=\"label\">") {
        rest = &rest[at + 18..];
        let label_end = rest.find(['<']).unwrap_or(rest.len());
        let label = unescape(rest[..label_end].trim());
        let Some(n_at) = rest.find("<td class=\"n requests\">") else {
            break;
        };
        rest = &rest[n_at + 23..];
        let n_end = rest.find('<').unwrap_or(rest.len());
        rows.push((label, rest[..n_end].trim().parse().unwrap_or(u64::MAX)));
    }
    rows
}

#[then(
    expr = "the internet access page by {string} over {int} days lists the top {int} of the store's {int} rows, busiest first"
)]
async fn access_top(
    world: &mut TwinWorld,
    by: String,
    days: u32,
    top: usize,
    all: usize,
) -> Result<()> {
    check_access_top(world, by, days, None, top, all).await
}

#[then(
    expr = "the internet access page by {string} over {int} days for user {string} lists the top {int} of the store's {int} rows, busiest first"
)]
async fn access_top_of_user(
    world: &mut TwinWorld,
    by: String,
    days: u32,
    user: String,
    top: usize,
    all: usize,
) -> Result<()> {
    check_access_top(world, by, days, Some(user), top, all).await
}

/// The console's internet-access page against the store's own rows: the
/// top `top` of `all`, the totals over all of them, the note when capped.
async fn check_access_top(
    world: &mut TwinWorld,
    by: String,
    days: u32,
    user: Option<String>,
    top: usize,
    all: usize,
) -> Result<()> {
    use cloud::store::{AccessDimension, Paging, StatsFilter};
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let user_ip = match &user {
        Some(name) => Some(
            c.twin()
                .session
                .scenario
                .office
                .host(name)
                .map(|h| h.ip)
                .with_context(|| format!("{name:?} is not a host of the office"))?,
        ),
        None => None,
    };
    // What the store says, read here directly: every row, then the cap.
    let expected: Vec<(Option<String>, u64)> = {
        let twin = c.twin();
        let today = cloud::store::stats::jst_day(twin.session.now());
        let filter = StatsFilter {
            from: Some(today - chrono::Duration::days(i64::from(days) - 1)),
            until: Some(today + chrono::Duration::days(1)),
            src_ip: user_ip,
            ..StatsFilter::default()
        };
        let dim = match by.as_str() {
            "category" => AccessDimension::Category,
            "host" => AccessDimension::Host,
            _ => AccessDimension::SrcIp,
        };
        twin.session
            .cloud
            .store
            .access_top(dim, &filter, Paging::ALL)?
            .rows
            .into_iter()
            .map(|r| (r.key, r.requests))
            .collect()
    };
    ensure!(
        expected.len() == all,
        "the store has {} rows, not {all}",
        expected.len()
    );
    let query = match user_ip {
        Some(ip) => format!("/internet-access?by={by}&days={days}&user={ip}"),
        None => format!("/internet-access?by={by}&days={days}"),
    };
    let reply = http(c.base(), "GET", &query, &[("Cookie", &cookie)], "").await?;
    ensure!(reply.status == 200, "{query} answered {}", reply.status);
    let shown = access_rows(&reply.body);
    ensure!(
        shown.len() == top.min(all),
        "the page shows {} rows, not the top {top} of {all}",
        shown.len()
    );
    ensure!(
        shown.windows(2).all(|w| w[0].1 >= w[1].1),
        "not busiest first: {shown:?}"
    );
    let counts: Vec<u64> = shown.iter().map(|r| r.1).collect();
    let want: Vec<u64> = expected.iter().take(top).map(|r| r.1).collect();
    ensure!(
        counts == want,
        "the page shows {shown:?}, the store's top {top} are {:?}",
        &expected[..top.min(all)]
    );
    for ((label, _), (key, _)) in shown.iter().zip(&expected) {
        if let Some(key) = key {
            ensure!(
                label.contains(key.as_str()),
                "row {label:?} where the store has {key:?}"
            );
        }
    }
    // Seed 000 Q4: the page says why it stops and how to see more, only
    // when it does stop.
    let says = reply.body.contains("id=\"access-capped\"");
    ensure!(
        says == (all > top),
        "the page {} the top-20 note with {all} rows",
        if says { "shows" } else { "lacks" }
    );
    ensure!(
        reply
            .body
            .contains(&format!("<span id=\"total-keys\">{all}</span>")),
        "the totals do not count all {all} rows"
    );
    Ok(())
}
