//! Policies and deployments: saving the policy and the security profile,
//! list edits, deploying over HTTP and in Chromium, what the gateway then
//! runs, and what the twin's hosts get through it.

use super::{BROWSER_POLL, BROWSER_WAIT, TwinWorld, click_id, eventually, post, unescape};
use anyhow::{Context, Result, ensure};
use cloud::store::{EventFilter, LogStore};
use cucumber::{then, when};
use fantoccini::Locator;

/// Posts a step's doc string as the form field `field` to `path`.
async fn post_doc_string(
    world: &mut TwinWorld,
    step: &cucumber::gherkin::Step,
    path: &str,
    field: &str,
) -> Result<()> {
    let text = step
        .docstring
        .clone()
        .with_context(|| format!("the {field} goes in a doc string"))?;
    let c = world.console()?;
    post(c, path, &[(field, text.trim_start_matches('\n'))], None).await
}

#[when(expr = "I save the policy:")]
async fn save_policy(world: &mut TwinWorld, step: &cucumber::gherkin::Step) -> Result<()> {
    post_doc_string(world, step, "/policies", "policy").await
}

#[when("I deploy all")]
async fn deploy(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    post(c, "/policies/deploy", &[], None).await
}

#[then(expr = "the console's gateway runs policy version {int}")]
fn runs_version(world: &mut TwinWorld, version: u32) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let running = twin.session.world.gateway_config().version;
    ensure!(
        running == version,
        "the gateway runs version {running}, not {version}"
    );
    Ok(())
}

#[then("nothing already logged was lost")]
fn nothing_lost(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let now = c
        .twin()
        .session
        .cloud
        .store
        .count(&EventFilter::default())?;
    ensure!(
        now >= c.events_before && c.events_before > 0,
        "the log had {} events before, {now} after",
        c.events_before
    );
    Ok(())
}

#[when(expr = "I add {string} to the allow list in Chromium")]
async fn browser_allow(world: &mut TwinWorld, entry: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}policies", c.base())).await?;
    eventually("the allow list form", async || {
        match b.client.find(Locator::Id("allow-entry")).await {
            Ok(input) => {
                input.clear().await?;
                input.send_keys(&entry).await?;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(e.to_string())),
        }
    })
    .await?;
    click_id(b, "allow-add").await?;
    eventually(&format!("{entry} on the allow list"), async || {
        let list = b
            .client
            .wait()
            .at_most(BROWSER_WAIT)
            .every(BROWSER_POLL)
            .for_element(Locator::Id("list-saved"))
            .await?;
        let said = list.text().await?;
        let listed = b
            .client
            .find(Locator::Id("allow-list"))
            .await?
            .text()
            .await?;
        Ok(if said.contains(&entry) && listed.contains(&entry) {
            Ok(())
        } else {
            Err(format!("notice {said:?}, allow list {listed:?}"))
        })
    })
    .await
}

#[when("I deploy all in Chromium")]
async fn browser_deploy_all(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    let before = c.twin().deploys.len();
    if !b
        .client
        .current_url()
        .await?
        .path()
        .starts_with("/policies")
    {
        b.client.goto(&format!("{}policies", c.base())).await?;
    }
    click_id(b, "deploy-all").await?;
    // The click is in when the twin has a new deployment record.
    let live = c.live.clone();
    eventually("the deploy to reach the gateway", async || {
        let n = live.lock().unwrap_or_else(|p| p.into_inner()).deploys.len();
        Ok(if n > before {
            Ok(())
        } else {
            Err(format!("{n} deployments"))
        })
    })
    .await
}

#[then(expr = "the console shows the latest deployment as {string} by way of {string}")]
async fn browser_deploy_status(world: &mut TwinWorld, status: String, path: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}policies", c.base())).await?;
    eventually(&format!("the latest deployment {status:?}"), async || {
        let latest = match b.client.find(Locator::Id("deploy-latest")).await {
            Ok(row) => row,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let shown = latest.find(Locator::Css(".status")).await?.text().await?;
        let history = latest.find(Locator::Css(".history")).await?.text().await?;
        let reason = latest.find(Locator::Css(".reason")).await?.text().await?;
        Ok(if shown.trim() == status && history.trim() == path {
            Ok(())
        } else {
            Err(format!(
                "{shown:?} by way of {history:?}; reason {reason:?}"
            ))
        })
    })
    .await
}

#[when(expr = "the console's host {string} opens {string}")]
fn console_host_opens(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let c = world.console()?;
    let mut twin = c.twin();
    twin.session.world.open(&host, &url)?;
    // Long enough for any page load of the twin (its fetch timeout is shorter).
    twin.session.run_for(std::time::Duration::from_secs(30))
}

fn console_exchange(
    world: &mut TwinWorld,
    host: &str,
    url: &str,
) -> Result<twin::host::HttpExchange> {
    let c = world.console()?;
    let twin = c.twin();
    twin.session
        .world
        .last_exchange(host, url)
        .cloned()
        .with_context(|| format!("{host} never opened {url}"))
}

#[then(expr = "the console's host {string} receives the page {string}")]
fn console_host_receives(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let exchange = console_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(200),
        "{host} opened {url} and got {:?} ({:?}), not the page",
        exchange.status,
        exchange.outcome
    );
    Ok(())
}

#[then(expr = "the console's host {string} gets the block page for {string} with reason {string}")]
fn console_host_blocked(
    world: &mut TwinWorld,
    host: String,
    url: String,
    reason: String,
) -> Result<()> {
    let exchange = console_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(403),
        "{host} opened {url} and got {:?} ({:?}), not the block page",
        exchange.status,
        exchange.outcome
    );
    let body = unescape(&exchange.body).replace("&#39;", "'");
    ensure!(
        body.contains(&reason),
        "the block page for {url} does not give the reason {reason:?}:\n{body}"
    );
    Ok(())
}

#[when(
    expr = "I post the console's {string} form with list {string}, op {string} and entry {string}"
)]
async fn post_list(
    world: &mut TwinWorld,
    path: String,
    list: String,
    op: String,
    entry: String,
) -> Result<()> {
    let c = world.console()?;
    post(
        c,
        &path,
        &[("list", &list), ("op", &op), ("entry", &entry)],
        None,
    )
    .await
}

#[then("the console's gateway allows nothing more than before")]
fn allows_nothing_more(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let policy = &twin.session.world.gateway_config().policy;
    ensure!(
        policy.lists.allow().is_empty(),
        "the allow list holds {:?}",
        policy.lists.allow().entries()
    );
    Ok(())
}

#[then(expr = "the console's latest deployment went {string}")]
fn latest_deployment(world: &mut TwinWorld, path: String) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let latest = twin.deploys.last().context("nothing was deployed")?;
    let went = latest.history.join(" -> ");
    ensure!(
        went == path,
        "{} went {went} ({:?})",
        latest.gateway,
        latest.reason
    );
    Ok(())
}

#[when(expr = "I save the security profile:")]
async fn save_profile_step(world: &mut TwinWorld, step: &cucumber::gherkin::Step) -> Result<()> {
    post_doc_string(world, step, "/policies/profile", "profile").await
}
