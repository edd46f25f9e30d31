//! The inspection engines, each a small module with one job, and what they
//! hand back: a [`Verdict`] carrying its reason chain.
//!
//! Engines decide; they do not touch frames. The gateway turns a verdict into
//! wire actions (block page, reset) with [`block_page`], and into log events
//! and alert mails with [`notify`].

pub mod anti_malware;
pub mod anti_spam;
pub mod app_control;
pub mod beacon;
pub mod block_page;
pub mod cnc;
pub mod devices;
pub mod dos;
pub mod email_reputation;
pub mod firewall;
pub mod ips;
pub mod mail_links;
pub mod mail_security;
pub mod network;
pub mod notify;
pub mod port_scan;
pub mod url_filter;
pub mod web;
pub mod web_reputation;
pub mod web_request;

use crate::event::{Action, Engine};

/// An engine's decision about one request, connection or object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing found: let it through.
    Pass,
    /// Something matched.
    Detect(Detection),
}

/// A match, with everything a log line, a block page and an alert need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub engine: Engine,
    /// What the policy says to do about it.
    pub action: Action,
    /// Outermost first: list, indicator, threat.
    pub reasons: Vec<crate::reason::Reason>,
    /// The threat's name as the intel gives it.
    pub threat: String,
    pub host: Option<String>,
    pub url: Option<String>,
}
