//! The web pipeline: every complete HTTP request, and every TLS ClientHello
//! (by its SNI), goes through the web engines in one fixed order after the
//! C&C engine has passed it:
//!
//! 1. allow list: a listed site skips every step below (allow beats block);
//! 2. block list;
//! 3. web reputation (one intel lookup gives the score and the category);
//! 4. URL filtering and application control rules, top-down.
//!
//! The pipeline stops at the first blocking detection; monitor detections
//! before it are logged too.

use super::app_control;
use super::{Detection, url_filter, web_reputation};
use crate::event::Action;
use crate::intel::Intel;
use crate::policy::{Policy, Subject};
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

/// What the pipeline decided, with the category the intel gave (for the
/// internet access statistics).
#[derive(Debug, Default)]
pub struct WebDecision {
    pub detections: Vec<Detection>,
    pub category: Option<Arc<str>>,
    pub allow_listed: bool,
}

impl WebDecision {
    /// The detection that stops the request, if any.
    pub fn blocking(&self) -> Option<&Detection> {
        self.detections
            .iter()
            .find(|d| matches!(d.action, Action::Block | Action::Reset))
    }
}

pub fn inspect(req: &WebRequest<'_>, policy: &Policy, intel: &dyn Intel) -> WebDecision {
    let mut decision = WebDecision::default();
    let rating = intel.web_lookup(req.host, req.path);
    let rating = rating.as_ref();
    decision.category = rating.map(|r| r.category.clone());
    // Prepared once, asked of the allow list, the block list and the
    // application table.
    let subject = Subject::new(req.host, req.path);
    if url_filter::allow_listed_in(&subject, policy).is_some() {
        decision.allow_listed = true;
        return decision;
    }
    if let Some(d) = url_filter::block_listed_in(req, &subject, policy) {
        decision.detections.push(d);
        return decision;
    }
    if let Some(d) = web_reputation::inspect(req, rating, &policy.web_reputation) {
        decision.detections.push(d);
        return decision;
    }
    let app = app_control::identify_in(&subject, req.path);
    if let Some(d) = url_filter::rules(req, rating, app, policy) {
        decision.detections.push(d);
    }
    decision
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

/// A score (0-255) in decimal, without the formatting machinery.
pub(crate) fn decimal(n: u8) -> ([u8; 3], usize) {
    let digits = [b'0' + n / 100, b'0' + n / 10 % 10, b'0' + n % 10];
    let skip = if n >= 100 {
        0
    } else if n >= 10 {
        1
    } else {
        2
    };
    (digits, skip)
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
