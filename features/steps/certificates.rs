//! Server certificates (FAQ Q5): a site's certificate expiring or renewed,
//! what a browser shows for HTTPS, and the gateway's certificate events kept
//! apart from the site's reputation.

use super::TwinWorld;
use super::network::last_exchange;
use anyhow::{Context, Result, bail, ensure};
use appliance::Intel;
use appliance::inspect::web_reputation::Band;
use appliance::policy::CertAction;
use appliance::{Engine, Instant};
use cloud::store::{EventFilter, LogStore};
use cucumber::{given, then};
use std::time::Duration;
use twin::Outcome;
use twin::model::CertificateSpec;

/// A certificate's usual life, for the date the step does not give.
const ONE_YEAR: Duration = Duration::from_secs(365 * 86_400);

fn jst(text: &str) -> Result<Instant> {
    twin::load::jst_time(text).map_err(anyhow::Error::msg)
}

fn site_host(site: &str) -> &str {
    let rest = site
        .strip_prefix("https://")
        .or_else(|| site.strip_prefix("http://"))
        .unwrap_or(site);
    rest.split(['/', '?', ':']).next().unwrap_or(rest)
}

#[given(expr = "the certificate of {string} expired on {string}")]
fn certificate_expired(world: &mut TwinWorld, site: String, date: String) -> Result<()> {
    let not_after = jst(&date)?;
    let session = world.session()?;
    let now = session.now();
    ensure!(
        not_after < now,
        "the twin is at {} JST: a certificate ending {} has not expired (write `is renewed until` for a valid one)",
        now.jst_string(),
        not_after.jst_string()
    );
    let host = site_host(&site);
    let spec = CertificateSpec {
        not_before: not_after - ONE_YEAR,
        not_after,
    };
    ensure!(
        session.world.set_site_certificate(host, spec),
        "{host} is not a site of the scenario's internet"
    );
    Ok(())
}

#[given(expr = "the certificate of {string} is renewed until {string}")]
fn certificate_renewed(world: &mut TwinWorld, site: String, date: String) -> Result<()> {
    let not_after = jst(&date)?;
    let session = world.session()?;
    let now = session.now();
    ensure!(
        not_after > now,
        "the twin is at {} JST: a certificate ending {} is already expired",
        now.jst_string(),
        not_after.jst_string()
    );
    let host = site_host(&site);
    let spec = CertificateSpec {
        not_before: now,
        not_after,
    };
    ensure!(
        session.world.set_site_certificate(host, spec),
        "{host} is not a site of the scenario's internet"
    );
    Ok(())
}

#[given("the policy only monitors expired certificates")]
fn monitor_expired(world: &mut TwinWorld) -> Result<()> {
    world.edit_policy(|p| {
        p.web_reputation.expired_certificate = CertAction::Monitor;
        Ok(())
    })
}

#[then(expr = "the connection of host {string} to {string} is reset")]
fn connection_reset(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let e = last_exchange(world, &host, &url)?;
    ensure!(
        e.outcome == Outcome::Reset && e.status.is_none(),
        "{host} opened {url} and got {:?} (status {:?}), not a reset connection",
        e.outcome,
        e.status
    );
    Ok(())
}

#[then(expr = "host {string} shows a certificate warning for {string}")]
fn certificate_warning(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let e = last_exchange(world, &host, &url)?;
    ensure!(
        e.outcome == Outcome::CertificateInvalid,
        "{host} opened {url} and got {:?} (status {:?}), not the browser's certificate warning",
        e.outcome,
        e.status
    );
    Ok(())
}

#[then(expr = "the {string} log gives the reason {string} for {string}")]
fn log_reason(world: &mut TwinWorld, kind: String, reason: String, url: String) -> Result<()> {
    let engine =
        Engine::from_label(&kind).with_context(|| format!("unknown detection kind {kind:?}"))?;
    let events = world.session()?.cloud.store.events(&EventFilter {
        engine: Some(engine),
        ..EventFilter::default()
    })?;
    let for_url: Vec<_> = events
        .iter()
        .filter(|e| e.url.as_deref() == Some(url.as_str()))
        .collect();
    ensure!(
        !for_url.is_empty(),
        "the {} log has no entry for {url} ({} entries in all)",
        engine.label(),
        events.len()
    );
    if let Some(e) = for_url.iter().find(|e| !e.reason().contains(&reason)) {
        bail!(
            "a {} entry for {url} does not give the reason {reason:?}: {}",
            engine.label(),
            e.reason()
        );
    }
    Ok(())
}

/// The site's reputation is the intel's, whatever its certificate: no
/// logged detection for it is a score verdict.
#[then(expr = "the gateway still rates {string} {string} with score {int}")]
fn still_rated(world: &mut TwinWorld, host: String, band: String, score: u8) -> Result<()> {
    let session = world.session()?;
    let rating = session
        .scenario
        .intel
        .web_lookup(&host, None)
        .with_context(|| format!("the intel does not rate {host}"))?;
    let got = Band::of(rating.score);
    ensure!(
        rating.score == score && got.label() == band,
        "the intel rates {host} {} ({}), not {band} with score {score}",
        got.label(),
        rating.score
    );
    let events = session.cloud.store.events(&EventFilter {
        engine: Some(Engine::WebReputation),
        ..EventFilter::default()
    })?;
    if let Some(e) = events
        .iter()
        .filter(|e| e.host.as_deref() == Some(host.as_str()))
        .find(|e| {
            e.reasons
                .iter()
                .any(|r| matches!(r, appliance::Reason::ReputationScore { .. }))
        })
    {
        bail!(
            "the gateway logged a score verdict for {host}: {}",
            e.reason()
        );
    }
    Ok(())
}
