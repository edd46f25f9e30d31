//! The web pipeline: every complete HTTP request, and every TLS ClientHello
//! (by its SNI), goes through the web engines in one fixed order after the
//! C&C engine has passed it:
//!
//! 1. allow list: a listed site skips every step below (allow beats block);
//! 2. block list;
//! 3. web reputation (one intel lookup gives the score and the category);
//! 4. URL filtering and application control rules, top-down.
//!
//! The pipeline stops at its first finding (a monitor rule is one too); the
//! decision is made without writing a log text, which the gateway asks for
//! only when it logs.

use super::url_filter::RuleHit;
use super::web_reputation::ReputationHit;
use super::{Detection, app_control, url_filter, web_reputation};
use crate::event::Action;
use crate::hash::HostKeys;
use crate::intel::Intel;
use crate::policy::{Entry, ListVerdict, Policy, Subject};
use crate::time::Instant;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// One web access, as the engines see it.
#[derive(Clone, Copy, Debug)]
pub struct WebRequest<'a> {
    pub now: Instant,
    pub src_ip: Ipv4Addr,
    pub src_mac: [u8; 6],
    /// Lowercase host name (HTTP Host or TLS SNI).
    pub host: &'a str,
    /// `/path?query`; `None` for TLS, where only the host is visible.
    pub path: Option<&'a str>,
    /// The URL as logs and block pages show it.
    pub url: &'a str,
}

/// What stopped a request, or had it logged: the decision without its
/// log texts, so deciding costs no allocation ([`WebDecision::detection`]
/// writes them for the log).
#[derive(Clone, Copy, Debug)]
pub enum Finding<'p> {
    BlockListed(&'p Entry),
    Reputation(ReputationHit),
    Rule(RuleHit<'p>),
}

/// What the pipeline decided, with the category the intel gave (for the
/// internet access statistics).
#[derive(Debug, Default)]
pub struct WebDecision<'p> {
    /// At most one: the pipeline stops at its first finding.
    pub finding: Option<Finding<'p>>,
    pub category: Option<Arc<str>>,
    pub allow_listed: bool,
}

impl WebDecision<'_> {
    /// What the finding says to do (block or monitor), if there is one.
    pub fn action(&self) -> Option<Action> {
        self.finding.map(|f| match f {
            Finding::BlockListed(_) | Finding::Reputation(_) => Action::Block,
            Finding::Rule(hit) => hit.action,
        })
    }

    /// The request is stopped.
    pub fn blocks(&self) -> bool {
        matches!(self.action(), Some(Action::Block | Action::Reset))
    }

    /// The finding as the log records it: engine, reasons, threat.
    pub fn detection(&self, req: &WebRequest<'_>) -> Option<Detection> {
        Some(match self.finding? {
            Finding::BlockListed(entry) => url_filter::block_list_detection(req, entry),
            Finding::Reputation(hit) => hit.detection(req, self.category.as_deref().unwrap_or("")),
            Finding::Rule(hit) => hit.detection(req),
        })
    }
}

pub fn inspect<'p>(req: &WebRequest<'_>, policy: &'p Policy, intel: &dyn Intel) -> WebDecision<'p> {
    // The host's keys, lowered and hashed once for the intel and every
    // list (allow, block, applications).
    let keys = HostKeys::new(req.host);
    let rating = intel.web_lookup_keys(&keys, req.path);
    let subject = Subject::new(&keys, req.path);
    let listed = policy.lists.decide(&subject);
    let (finding, allow_listed) = if let ListVerdict::Allowed(_) = listed {
        (None, true)
    } else if let ListVerdict::Blocked(entry) = listed {
        (Some(Finding::BlockListed(entry)), false)
    } else if let Some(hit) = web_reputation::check(rating.as_ref(), &policy.web_reputation) {
        (Some(Finding::Reputation(hit)), false)
    } else {
        let app = app_control::identify_in(&subject, req.path);
        let hit = url_filter::rule_hit(req, rating.as_ref(), app, policy);
        (hit.map(Finding::Rule), false)
    };
    WebDecision {
        finding,
        category: rating.map(|r| r.category),
        allow_listed,
    }
}

/// `parts` joined, in one allocation of the right size: the reason texts
/// of a detection are built for every blocked request, so they skip the
/// formatting machinery.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// One web access, allowed or not, for the "internet access" statistics
/// (the console keeps statistics of allowed traffic, not a log per access).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    pub time: Instant,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub dst_port: u16,
    /// HTTP Host or TLS SNI.
    pub host: String,
    pub url: String,
    /// Seen as a TLS ClientHello (only the host is known).
    pub tls: bool,
    /// The category the intel gave, if it knows the site.
    pub category: Option<String>,
    pub blocked: bool,
}
