//! The rule language: a subset of Suricata's, parsed into validated types.
//!
//! ```text
//! drop http $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:"..."; flow:established,to_server;
//!     http.uri; content:"/cgi-bin/"; nocase; classtype:web-application-attack; sid:1000001; rev:1;)
//! ```
//!
//! Supported: actions `alert`, `drop`, `reject`, `pass`; protocols `tcp`,
//! `udp`, `icmp`, `ip`, `http`; addresses and ports as `any`, literals,
//! CIDRs, ranges `a:b`, lists `[..]`, negation `!` and the variables
//! `$HOME_NET`, `$EXTERNAL_NET`, `$HTTP_PORTS`, `$SMB_PORTS`; directions `->`
//! and `<>`; options `msg`, `content` (with `|hex|` bytes and `!`), `nocase`,
//! `depth`, `offset`, the sticky buffers `http.uri`, `http.host`, `pkt_data`
//! and the legacy modifiers `http_uri`, `http_host`, `flow`, `classtype`,
//! `sid`, `rev`, `priority`, `threshold`; `reference` and `metadata` are
//! accepted and ignored. Anything else is refused, with the line and column
//! where it stands, rather than silently matching differently than Suricata
//! would. A trailing `\` continues a rule on the next line.

use crate::config::firewall::Cidr;
use std::fmt;
use std::net::Ipv4Addr;

mod parse;

pub use parse::{MAX_NESTING, parse_rules};

/// A rule file that did not parse: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Alert,
    Drop,
    Reject,
    Pass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleProto {
    Tcp,
    Udp,
    Icmp,
    Ip,
    /// TCP carrying an HTTP request.
    Http,
}

/// An address spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    Any,
    Net(Cidr),
    Not(Box<Addr>),
    List(Vec<Addr>),
}

impl Addr {
    pub fn matches(&self, ip: Ipv4Addr) -> bool {
        match self {
            Addr::Any => true,
            Addr::Net(c) => c.contains(ip),
            Addr::Not(inner) => !inner.matches(ip),
            Addr::List(items) => list_matches(
                items,
                |a| a.matches(ip),
                |a| match a {
                    Addr::Not(inner) => Some(inner.as_ref()),
                    _ => None,
                },
            ),
        }
    }
}

/// A port spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ports {
    Any,
    Range(u16, u16),
    Not(Box<Ports>),
    List(Vec<Ports>),
}

impl Ports {
    pub fn matches(&self, port: Option<u16>) -> bool {
        match (self, port) {
            (Ports::Any, _) => true,
            (_, None) => false,
            (Ports::Range(a, b), Some(p)) => (*a..=*b).contains(&p),
            (Ports::Not(inner), p) => !inner.matches(p),
            (Ports::List(items), p) => list_matches(
                items,
                |x| x.matches(p),
                |x| match x {
                    Ports::Not(inner) => Some(inner.as_ref()),
                    _ => None,
                },
            ),
        }
    }
}

/// Suricata's list rule: any positive item matches (or there is none), and
/// no negated item's inner spec matches.
fn list_matches<T>(
    items: &[T],
    matches: impl Fn(&T) -> bool,
    negated: impl Fn(&T) -> Option<&T>,
) -> bool {
    let mut positives = 0;
    let mut hit = false;
    for item in items {
        match negated(item) {
            Some(inner) => {
                if matches(inner) {
                    return false;
                }
            }
            None => {
                positives += 1;
                hit |= matches(item);
            }
        }
    }
    positives == 0 || hit
}

/// Which bytes a content looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Buffer {
    /// The packet's payload.
    Payload,
    /// The HTTP request target, as sent.
    HttpUri,
    /// The HTTP Host header, lower-cased, without the port.
    HttpHost,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub bytes: Vec<u8>,
    pub negated: bool,
    pub nocase: bool,
    pub offset: usize,
    pub depth: Option<usize>,
    pub buffer: Buffer,
}

impl Content {
    /// Whether this content's condition holds on `data`.
    pub fn holds(&self, data: &[u8]) -> bool {
        let start = self.offset.min(data.len());
        let end = match self.depth {
            Some(d) => start.saturating_add(d).min(data.len()),
            None => data.len(),
        };
        let window = data.get(start..end).unwrap_or(&[]);
        let found = if self.bytes.is_empty() {
            true
        } else if self.nocase {
            window
                .windows(self.bytes.len())
                .any(|w| w.eq_ignore_ascii_case(&self.bytes))
        } else {
            memchr::memmem::find(window, &self.bytes).is_some()
        };
        found != self.negated
    }
}

/// `flow:` constraints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowOpts {
    pub established: Option<bool>,
    /// `Some(true)`: to_server/from_client; `Some(false)`: to_client/from_server.
    pub to_server: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdType {
    Limit,
    Threshold,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    BySrc,
    ByDst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub kind: ThresholdType,
    pub track: Track,
    pub count: u32,
    pub seconds: u32,
}

/// One validated rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub action: RuleAction,
    pub proto: RuleProto,
    pub src: Addr,
    pub src_ports: Ports,
    pub bidirectional: bool,
    pub dst: Addr,
    pub dst_ports: Ports,
    pub msg: String,
    pub contents: Vec<Content>,
    pub flow: FlowOpts,
    pub classtype: Option<String>,
    pub sid: u32,
    pub rev: u32,
    pub threshold: Option<Threshold>,
    /// Where it came from, `file:line`, for logs.
    pub origin: String,
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleAction::Alert => "alert",
            RuleAction::Drop => "drop",
            RuleAction::Reject => "reject",
            RuleAction::Pass => "pass",
        })
    }
}

/// What `$HOME_NET` means; `$EXTERNAL_NET` is its negation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleVars {
    pub home_net: Vec<Cidr>,
}

impl Default for RuleVars {
    fn default() -> Self {
        RuleVars {
            home_net: vec![
                Cidr {
                    net: Ipv4Addr::new(192, 168, 0, 0),
                    prefix: 16,
                },
                Cidr {
                    net: Ipv4Addr::new(10, 0, 0, 0),
                    prefix: 8,
                },
                Cidr {
                    net: Ipv4Addr::new(172, 16, 0, 0),
                    prefix: 12,
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests;
