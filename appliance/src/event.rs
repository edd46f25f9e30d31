//! Events: what the gateway tells the log store, the console and the reports.
//!
//! Every event names the engine that decided, the action taken and the reason
//! chain behind it (which list, category, score band or rule), so a log line,
//! a block page and a report can all explain the same block in the same words.

pub use crate::engine::{Action, Engine};
use crate::reason::{self, Reason};
use crate::time::Instant;
use serde::Serialize;
use std::net::Ipv4Addr;

/// One detection or policy hit, as logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub time: Instant,
    pub engine: Engine,
    pub action: Action,
    pub src_ip: Ipv4Addr,
    /// The source MAC as `aa:bb:cc:dd:ee:ff`.
    pub src_mac: String,
    pub dst_ip: Ipv4Addr,
    pub dst_port: u16,
    /// The host name the client asked for (HTTP Host, TLS SNI, DNS query), if any.
    pub host: Option<String>,
    /// The full URL for web traffic, as the console shows it.
    pub url: Option<String>,
    /// The reason chain, outermost first, e.g. C&C list, the domain, the threat.
    pub reasons: Vec<Reason>,
}

impl Event {
    /// The reason chain joined for one log column.
    pub fn reason(&self) -> String {
        reason::join(&self.reasons)
    }
}
