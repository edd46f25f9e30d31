//! C&C wherever it hides (issue 14): every call a PC made matched to the
//! gateway's C&C detections, what their reason chain names and how each
//! call ended. The calls come from the twin's hosts (the oracle), the
//! detections from the log store.

use super::{DurationParam, TwinWorld};
use anyhow::{Context, Result, bail, ensure};
use appliance::reason::Reason;
use appliance::{Engine, Event};
use cloud::store::{EventFilter, LogStore};
use cucumber::then;
use twin::host::{HttpExchange, Outcome};
use twin::web::HttpUrl;

/// The host's finished calls, oldest first, and its detections of `kind`.
fn calls_and_detections(
    world: &mut TwinWorld,
    who: &str,
    kind: &str,
) -> Result<(Vec<HttpExchange>, Vec<Event>)> {
    let engine =
        Engine::from_label(kind).with_context(|| format!("unknown detection kind {kind:?}"))?;
    let ip = world.resolve_host(who)?;
    let session = world.session()?;
    let mut calls = session.world.exchanges(who).to_vec();
    calls.sort_by_key(|c| c.started);
    let mut events = session.cloud.store.events(&EventFilter {
        engine: Some(engine),
        src_ip: Some(ip),
        ..EventFilter::default()
    })?;
    events.sort_by_key(|e| e.time);
    Ok((calls, events))
}

#[then(expr = "every call {string} made is logged as one {string} detection within {duration}")]
fn every_call_logged(
    world: &mut TwinWorld,
    who: String,
    kind: String,
    within: DurationParam,
) -> Result<()> {
    let (calls, events) = calls_and_detections(world, &who, &kind)?;
    ensure!(!calls.is_empty(), "{who} made no call");
    ensure!(
        calls.len() == events.len(),
        "{who} made {} call(s), the gateway logged {} {kind} detection(s)",
        calls.len(),
        events.len()
    );
    for (call, event) in calls.iter().zip(&events) {
        let host = HttpUrl::parse(&call.url)
            .with_context(|| format!("{who} called {:?}", call.url))?
            .host;
        let delay = event.time.saturating_since(call.started);
        ensure!(
            event.time >= call.started && delay <= within.0,
            "{who}'s call to {} at {} was logged at {} ({delay:?} later, expected within {:?})",
            call.url,
            call.started,
            event.time,
            within.0
        );
        ensure!(
            event.host.as_deref() == Some(host.as_str()),
            "{who}'s call to {} was logged with the host {:?}",
            call.url,
            event.host
        );
    }
    Ok(())
}

#[then(expr = "every {string} detection from {string} names its host as the {string}")]
fn names_host_as(world: &mut TwinWorld, kind: String, who: String, link: String) -> Result<()> {
    let (_, events) = calls_and_detections(world, &who, &kind)?;
    ensure!(!events.is_empty(), "no {kind} detection from {who}");
    for event in &events {
        let host = event.host.clone().unwrap_or_default();
        let named = event.reasons.iter().any(|r| match (link.as_str(), r) {
            ("TLS SNI", Reason::TlsSni { name }) | ("DNS query", Reason::DnsQuery { name }) => {
                *name == host
            }
            _ => false,
        });
        ensure!(
            named,
            "the {kind} detection at {} does not name {host:?} as the {link}: {}",
            event.time,
            event.reason()
        );
    }
    Ok(())
}

#[then(expr = "every {string} detection from {string} has the action {string}")]
fn every_action(world: &mut TwinWorld, kind: String, who: String, action: String) -> Result<()> {
    let (_, events) = calls_and_detections(world, &who, &kind)?;
    ensure!(!events.is_empty(), "no {kind} detection from {who}");
    for event in &events {
        ensure!(
            event.action.label() == action,
            "the {kind} detection at {} has the action {}, not {action}",
            event.time,
            event.action
        );
    }
    Ok(())
}

#[then(expr = "every {string} detection from {string} logs the URL {string}")]
fn every_url(world: &mut TwinWorld, kind: String, who: String, url: String) -> Result<()> {
    let (_, events) = calls_and_detections(world, &who, &kind)?;
    ensure!(!events.is_empty(), "no {kind} detection from {who}");
    for event in &events {
        ensure!(
            event.url.as_deref() == Some(url.as_str()),
            "the {kind} detection at {} logs the URL {:?}",
            event.time,
            event.url
        );
    }
    Ok(())
}

/// `a reset`, `the block page`, `no address` (the name did not resolve).
#[then(expr = "every call {string} made ended with {string}")]
fn every_call_ended(world: &mut TwinWorld, who: String, ending: String) -> Result<()> {
    let session = world.session()?;
    let calls = session.world.exchanges(&who);
    ensure!(!calls.is_empty(), "{who} made no call");
    for call in calls {
        let ok = match ending.as_str() {
            "a reset" => call.outcome == Outcome::Reset,
            "the block page" => call.status == Some(403),
            "no address" => call.outcome == Outcome::DnsFailed,
            other => bail!("unknown ending {other:?}"),
        };
        ensure!(
            ok,
            "{who}'s call to {} at {} ended with {:?} (status {:?}), not {ending}",
            call.url,
            call.started,
            call.outcome,
            call.status
        );
    }
    Ok(())
}
