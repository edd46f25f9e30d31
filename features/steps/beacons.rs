//! Beacon scoring over a day: when a beacon is first flagged, measured from
//! its first call as the twin made it, and proof that the benign periodic
//! traffic the scenario says is there really ran (so "not flagged" means
//! something).

use super::{DurationParam, TwinWorld};
use anyhow::{Context, Result, ensure};
use appliance::Engine;
use cloud::store::{EventFilter, LogStore};
use cucumber::then;
use twin::mail_net::SessionKind;

#[then(
    expr = "the beacon from {string} to {string} is flagged within {duration} of its first call"
)]
fn flagged_within(
    world: &mut TwinWorld,
    who: String,
    server: String,
    bound: DurationParam,
) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let first_call = session
        .world
        .exchanges(&who)
        .iter()
        .filter(|x| url_host(&x.url).eq_ignore_ascii_case(&server))
        .map(|x| x.started)
        .min()
        .with_context(|| format!("{who} never called {server}"))?;
    let flagged = session
        .cloud
        .store
        .events(&EventFilter {
            engine: Some(Engine::Cnc),
            src_ip: Some(ip),
            ..EventFilter::default()
        })?
        .into_iter()
        .find(|e| {
            e.host
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(&server))
        })
        .with_context(|| format!("the beacon from {who} to {server} was never flagged"))?;
    let after = flagged.time.saturating_since(first_call);
    println!(
        "beacon {who} -> {server}: first call {} JST, flagged {} JST, after {:.2} h",
        first_call.jst_string(),
        flagged.time.jst_string(),
        after.as_secs_f64() / 3600.0
    );
    ensure!(
        after <= bound.0,
        "the beacon from {who} to {server} was flagged {:.2} h after its first call ({} JST), \
         not within {:.2} h",
        after.as_secs_f64() / 3600.0,
        flagged.time.jst_string(),
        bound.0.as_secs_f64() / 3600.0
    );
    Ok(())
}

#[then(expr = "{string} fetched its mail by POP3 at least {int} times")]
fn pop3_fetches(world: &mut TwinWorld, who: String, at_least: usize) -> Result<()> {
    let session = world.session()?;
    let n = session
        .world
        .mail_sessions()
        .into_iter()
        .filter(|s| s.who == who && matches!(s.kind, SessionKind::Fetch { .. }))
        .count();
    ensure!(
        n >= at_least,
        "{who} fetched its mail {n} times, expected at least {at_least}"
    );
    Ok(())
}

#[then(expr = "{string} loaded {string} at least {int} times")]
fn loads(world: &mut TwinWorld, who: String, server: String, at_least: usize) -> Result<()> {
    let session = world.session()?;
    let n = session
        .world
        .exchanges(&who)
        .iter()
        .filter(|x| url_host(&x.url).eq_ignore_ascii_case(&server) && x.status == Some(200))
        .count();
    ensure!(
        n >= at_least,
        "{who} loaded a page of {server} {n} times, expected at least {at_least}"
    );
    Ok(())
}

#[then(expr = "{string} was still sending to the internet within {duration} of the end")]
fn still_sending(world: &mut TwinWorld, who: String, within: DurationParam) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let end = session.world.now();
    let last = session
        .world
        .last_wan_egress_from(ip)
        .with_context(|| format!("nothing from {who} ever reached the internet"))?;
    ensure!(
        end.saturating_since(last) <= within.0,
        "the last of {who}'s traffic reached the internet at {} JST",
        last.jst_string()
    );
    Ok(())
}

/// The host of an `http://host/path` URL.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':', '?']).next().unwrap_or(rest)
}
