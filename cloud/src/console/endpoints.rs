//! The console's endpoint pages (seed 002's agents, issue 18): the agents
//! with their status, and the cross-view of one PC, what the gateway logged
//! for its IP address beside what its agent detected, for QA to check the
//! two against each other. Everything is read through
//! [`Source::endpoint_store`]; an office without the option has no pages.
//!
//! "Now" for the offline rule is the running twin's clock, or for a stored
//! file the newest last contact of any agent (the moment the file's
//! management server last heard from the office).

use super::source::Source;
use super::widgets::{EventRow, event_row};
use crate::endpoint::words;
use crate::endpoint::{AgentStatus, EndpointStore, Protections};
use crate::labels::{Lang, t};
use crate::store::{EventFilter, StoreError};
use appliance::Instant;
use serde::Serialize;

/// Rows of each side of the cross-view (the newest).
pub const CROSS_VIEW_ROWS: usize = 100;

/// One agent as the endpoints page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct AgentRow {
    pub name: String,
    pub device: String,
    pub os: String,
    pub os_supported: bool,
    pub program: String,
    pub pattern: String,
    pub up_to_date: bool,
    pub last_contact: String,
    /// 14 days or more without contact at the page's "now".
    pub offline: bool,
    /// Cut off the network (by its agent's EDR, or in the twin).
    pub isolated: bool,
    /// The protections it has off, as labels.
    pub protections_off: Vec<String>,
    /// The device's IP address in the office, when known.
    pub ip: Option<String>,
    /// The path of its cross-view, the name percent-encoded.
    pub link: String,
}

/// `/endpoints/NAME` with every byte of the name but `A-Za-z0-9-_.`
/// percent-encoded (host names are the office's own words).
pub fn link(name: &str) -> String {
    let mut out = String::from("/endpoints/");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One agent detection as the cross-view lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AgentEventRow {
    pub time: String,
    pub feature: String,
    pub threat: String,
    pub object: String,
    pub scan: String,
    pub action: String,
    pub reason: String,
}

/// The cross-view of one PC.
#[derive(Clone, Debug, Serialize)]
pub struct CrossView {
    pub agent: AgentRow,
    /// The gateway's log rows whose source is the PC's address (none when
    /// the office's device list does not know the PC).
    pub gateway: Vec<EventRow>,
    pub endpoint: Vec<AgentEventRow>,
}

fn protections_off(p: &Protections, lang: Lang) -> Vec<String> {
    Protections::LISTED
        .iter()
        .chain(std::iter::once(&"url_filter"))
        .filter(|code| p.is_on(code) == Some(false))
        .map(|code| match *code {
            "url_filter" => t("ep_feature_url_filter", lang).to_string(),
            other => {
                let label = lang.t(&format!("ep_prot_{other}"));
                // The report's item label without its number (`3-1. `).
                label
                    .split_once(". ")
                    .map_or(label, |(_, name)| name)
                    .to_string()
            }
        })
        .collect()
}

fn row(source: &dyn Source, a: &AgentStatus, now: Instant, lang: Lang) -> AgentRow {
    let ip = source
        .office()
        .and_then(|o| o.hosts.iter().find(|h| h.name == a.endpoint))
        .map(|h| h.ip.to_string());
    AgentRow {
        name: a.endpoint.clone(),
        device: words::device(a.device, lang),
        os: a.os.clone(),
        os_supported: a.os_supported,
        program: a.program.clone(),
        pattern: format!("{} ({})", a.pattern_version, a.pattern_date),
        up_to_date: a.up_to_date,
        last_contact: a.last_contact.jst_string(),
        offline: a.offline_at(now),
        isolated: a.isolated || source.is_isolated(&a.endpoint),
        protections_off: protections_off(&a.protections, lang),
        ip,
        link: link(&a.endpoint),
    }
}

fn now_for(source: &dyn Source, agents: &[AgentStatus]) -> Instant {
    source.now().unwrap_or_else(|| {
        agents
            .iter()
            .map(|a| a.last_contact)
            .max()
            .unwrap_or_default()
    })
}

/// Every agent's newest status; `None` when the office has no endpoint option.
pub fn agents(source: &dyn Source, lang: Lang) -> Result<Option<Vec<AgentRow>>, StoreError> {
    let Some(store) = source.endpoint_store() else {
        return Ok(None);
    };
    let latest = store.latest_statuses()?;
    let now = now_for(source, &latest);
    Ok(Some(
        latest.iter().map(|a| row(source, a, now, lang)).collect(),
    ))
}

/// The cross-view of the PC named `name`; `None` when no agent has that name.
pub fn cross_view(
    source: &dyn Source,
    name: &str,
    lang: Lang,
) -> Result<Option<CrossView>, StoreError> {
    let Some(store) = source.endpoint_store() else {
        return Ok(None);
    };
    let latest = store.latest_statuses()?;
    let now = now_for(source, &latest);
    let Some(agent) = latest.iter().find(|a| a.endpoint == name) else {
        return Ok(None);
    };
    let agent = row(source, agent, now, lang);
    let gateway = match agent.ip.as_deref().and_then(|ip| ip.parse().ok()) {
        Some(ip) => {
            let filter = EventFilter {
                src_ip: Some(ip),
                ..EventFilter::default()
            };
            let events = source.store().events(&filter)?;
            events
                .iter()
                .rev()
                .take(CROSS_VIEW_ROWS)
                .map(|e| event_row(source, lang, e))
                .collect()
        }
        None => Vec::new(),
    };
    Ok(Some(CrossView {
        endpoint: agent_events(store, name, lang)?,
        agent,
        gateway,
    }))
}

fn agent_events(
    store: &EndpointStore,
    name: &str,
    lang: Lang,
) -> Result<Vec<AgentEventRow>, StoreError> {
    Ok(store
        .events_of(name, CROSS_VIEW_ROWS)?
        .into_iter()
        .map(|e| AgentEventRow {
            time: e.at.jst_string(),
            feature: words::feature(e.feature, lang),
            threat: e.threat,
            object: e.object,
            scan: words::scan(e.scan, lang),
            action: words::action(e.action, lang),
            reason: e.reason,
        })
        .collect())
}

#[cfg(test)]
mod tests;
