//! Hosts on the wire: isolation, what reaches the internet, what a browser sees.

use super::{DurationParam, TwinWorld};
use anyhow::{Context, Result, bail, ensure};
use cucumber::{then, when};
use std::time::Duration;

/// How long `When host ... opens ...` lets a page load before the next step.
const PAGE_LOAD: Duration = Duration::from_secs(30);

#[when(expr = "host {string} is isolated from the network")]
fn isolated(world: &mut TwinWorld, host: String) -> Result<()> {
    world.session()?.world.isolate(&host)?;
    Ok(())
}

#[when(expr = "host {string} opens {string}")]
fn opens(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let session = world.session()?;
    session.world.open(&host, &url)?;
    session.run_for(PAGE_LOAD)
}

#[then(expr = "no traffic from {string} reaches the internet")]
fn no_traffic(world: &mut TwinWorld, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let host = session
        .scenario
        .office
        .host_by_ip(ip)
        .map(|h| h.name.clone());
    let isolated_at = host.as_deref().and_then(|h| session.world.isolated_at(h));
    let last = session.world.last_wan_egress_from(ip);
    match (isolated_at, last) {
        (_, None) => Ok(()),
        (Some(cut), Some(last)) if last <= cut => {
            ensure!(
                session.now() > cut,
                "the twin has not run since {who} was isolated at {cut}: nothing shows the traffic stopped"
            );
            Ok(())
        }
        (Some(cut), Some(last)) => {
            bail!(
                "{who} ({ip}) was isolated at {cut}, but a frame from it left the gateway's WAN port at {last}"
            )
        }
        (None, Some(last)) => {
            bail!("traffic from {who} ({ip}) reached the internet, last at {last}")
        }
    }
}

#[then(expr = "host {string} receives the page {string}")]
fn receives_page(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let exchange = last_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(200),
        "{host} opened {url} and got {:?} ({:?}), not the page",
        exchange.status,
        exchange.outcome
    );
    Ok(())
}

#[then(expr = "host {string} gets the block page for {string} with reason {string}")]
fn gets_block_page(world: &mut TwinWorld, host: String, url: String, reason: String) -> Result<()> {
    let exchange = last_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(403),
        "{host} opened {url} and got status {:?} ({:?}), not the block page",
        exchange.status,
        exchange.outcome
    );
    ensure!(
        rendered_text(&exchange.body).contains(&reason),
        "the block page {host} got for {url} does not give the reason {reason:?} ({:?}, {} bytes):\n{}",
        exchange.outcome,
        exchange.body.len(),
        exchange.body
    );
    Ok(())
}

pub(super) fn last_exchange(
    world: &mut TwinWorld,
    host: &str,
    url: &str,
) -> Result<twin::host::HttpExchange> {
    let session = world.session()?;
    session
        .world
        .last_exchange(host, url)
        .cloned()
        .with_context(|| format!("{host} never opened {url}"))
}

#[then(expr = "the support desk receives a C&C alert naming {string} within {duration}")]
fn desk_alert(world: &mut TwinWorld, who: String, within: DurationParam) -> Result<()> {
    use appliance::Engine;
    use cloud::store::{EventFilter, LogStore};
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let first = session
        .cloud
        .store
        .events(&EventFilter {
            engine: Some(Engine::Cnc),
            src_ip: Some(ip),
            ..EventFilter::default()
        })?
        .into_iter()
        .next()
        .with_context(|| format!("the gateway logged no C&C callback from {who} ({ip})"))?;
    let desk = session.scenario.gateway.alerts.to.clone();
    let needle = ip.to_string();
    let mails = session.world.mailbox(&desk);
    let alert = mails
        .iter()
        .find(|m| m.subject.contains(&needle) || m.raw.contains(&needle))
        .with_context(|| format!("{desk} has {} mail(s), none naming {ip}", mails.len()))?;
    let delay = alert.received.saturating_since(first.time);
    ensure!(
        alert.received >= first.time && delay <= within.0,
        "the alert naming {ip} arrived at {}, {delay:?} after the first detection at {}; expected within {:?}",
        alert.received,
        first.time,
        within.0
    );
    Ok(())
}

/// The page as a reader sees it: the five predefined HTML entities decoded
/// (the block page escapes `&` in "C&C"), tags left in place.
fn rendered_text(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
