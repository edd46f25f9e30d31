//! The firewall: which packets may cross the gateway at all.
//!
//! Zones are the gateway's ports: LAN (the office) and WAN (the internet).
//! It is stateful in the usual way: the office may open connections out
//! (unless a rule says otherwise), and from the WAN only packets of flows the
//! office opened, published services and explicitly allowed traffic come in.
//! "Established" is read from the gateway's flow table, which only ever
//! holds flows the firewall let open.
//!
//! Rules are checked in order, first match wins; without a match the zone
//! default applies (outbound allow, inbound deny). A deny drops the packet
//! silently (what a stealthy firewall does: a scanner learns nothing) and is
//! logged, at most once per source and hold-down, so a scan of 65,535 ports
//! is one log line here (the port-scan engine says what it was).

use crate::event::Action;
use crate::reason::{Reason, Traffic};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 network, `192.168.1.0/24`, or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    pub net: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    pub const fn host(ip: Ipv4Addr) -> Cidr {
        Cidr {
            net: ip,
            prefix: 32,
        }
    }

    fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix.min(32)))
        }
    }

    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.net) & self.mask()
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (
                ip,
                p.parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 32)
                    .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to 32"))?,
            ),
            None => (s, 32),
        };
        let net = ip
            .parse::<Ipv4Addr>()
            .map_err(|_| format!("`{s}` is not an IPv4 address or network"))?;
        Ok(Cidr { net, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == 32 {
            write!(f, "{}", self.net)
        } else {
            write!(f, "{}/{}", self.net, self.prefix)
        }
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// A port or an inclusive port range: `80`, `"1024-65535"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub fn contains(self, port: u16) -> bool {
        (self.from..=self.to).contains(&port)
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PortRange, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(u16),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::One(p) => Ok(PortRange { from: p, to: p }),
            Raw::Text(s) => {
                let parse = |t: &str| {
                    t.trim().parse::<u16>().map_err(|_| {
                        de::Error::custom(format!("`{s}` is not a port or a range like 1024-65535"))
                    })
                };
                let (from, to) = match s.split_once('-') {
                    Some((a, b)) => (parse(a)?, parse(b)?),
                    None => {
                        let p = parse(&s)?;
                        (p, p)
                    }
                };
                if from > to {
                    return Err(de::Error::custom(format!(
                        "`{s}`: the range runs backwards"
                    )));
                }
                Ok(PortRange { from, to })
            }
        }
    }
}

/// Which way a packet crosses the gateway.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// LAN to WAN.
    Outbound,
    /// WAN to LAN.
    Inbound,
    Any,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    Any,
}

impl Protocol {
    /// The IP protocol number this matches, `None` for any.
    fn number(self) -> Option<u8> {
        match self {
            Protocol::Tcp => Some(6),
            Protocol::Udp => Some(17),
            Protocol::Icmp => Some(1),
            Protocol::Any => None,
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Allow,
    Deny,
}

/// One firewall rule.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FirewallRule {
    /// Shown in the log when the rule denies.
    pub name: String,
    #[serde(default = "any_direction")]
    pub direction: Direction,
    #[serde(default = "any_protocol")]
    pub protocol: Protocol,
    #[serde(default)]
    pub src: Option<Cidr>,
    #[serde(default)]
    pub dst: Option<Cidr>,
    /// Destination ports; TCP and UDP only.
    #[serde(default)]
    pub dst_port: Option<PortRange>,
    pub action: RuleAction,
}

fn any_direction() -> Direction {
    Direction::Any
}
fn any_protocol() -> Protocol {
    Protocol::Any
}

/// A service on the LAN reachable from the internet (a port forward on the
/// router, seen from the bridge).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub ip: Ipv4Addr,
    pub port: u16,
    #[serde(default = "tcp")]
    pub protocol: Protocol,
}

fn tcp() -> Protocol {
    Protocol::Tcp
}

/// The firewall's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct FirewallPolicy {
    pub enabled: bool,
    pub rules: Vec<FirewallRule>,
    pub published: Vec<Published>,
    /// A source whose packets were denied is logged again only after this
    /// many seconds.
    pub log_hold_down_secs: u64,
}

impl Default for FirewallPolicy {
    fn default() -> Self {
        FirewallPolicy {
            enabled: true,
            rules: Vec::new(),
            published: Vec::new(),
            log_hold_down_secs: 60,
        }
    }
}

/// The parts of a packet the firewall looks at.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub inbound: bool,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// TCP/UDP destination port.
    pub dst_port: Option<u16>,
    /// The packet belongs to a flow the gateway already tracks.
    pub established: bool,
    /// A TCP SYN without ACK (a new connection), or the first packet of a
    /// UDP exchange; for inbound, ICMP echo requests count too.
    pub opens: bool,
}

/// The firewall's decision and the reason chain behind a deny.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FwVerdict {
    Allow,
    Deny(Vec<Reason>),
}

/// Decides one packet.
pub fn decide(policy: &FirewallPolicy, p: &Probe) -> FwVerdict {
    if !policy.enabled {
        return FwVerdict::Allow;
    }
    for rule in &policy.rules {
        if rule_matches(rule, p) {
            return match rule.action {
                RuleAction::Allow => FwVerdict::Allow,
                RuleAction::Deny => FwVerdict::Deny(vec![
                    Reason::FirewallRule,
                    Reason::Rule {
                        name: rule.name.clone(),
                    },
                ]),
            };
        }
    }
    if !p.inbound || p.established {
        return FwVerdict::Allow;
    }
    let published = policy.published.iter().any(|s| {
        s.ip == p.dst
            && p.dst_port == Some(s.port)
            && s.protocol.number().is_none_or(|n| n == p.protocol)
    });
    if published {
        return FwVerdict::Allow;
    }
    if !p.opens && p.protocol == 1 {
        // Echo replies and errors about the office's own traffic.
        return FwVerdict::Allow;
    }
    let dst = p.dst;
    let traffic = match (p.protocol, p.dst_port) {
        (6, Some(port)) => Traffic::Tcp { dst, port },
        (17, Some(port)) => Traffic::Udp { dst, port },
        (1, _) => Traffic::Icmp { dst },
        (protocol, _) => Traffic::Other { protocol, dst },
    };
    FwVerdict::Deny(vec![
        Reason::InboundNotAllowed,
        Reason::NotEstablished,
        Reason::Traffic { traffic },
    ])
}

fn rule_matches(rule: &FirewallRule, p: &Probe) -> bool {
    let dir = match rule.direction {
        Direction::Any => true,
        Direction::Inbound => p.inbound,
        Direction::Outbound => !p.inbound,
    };
    dir && rule.protocol.number().is_none_or(|n| n == p.protocol)
        && rule.src.is_none_or(|c| c.contains(p.src))
        && rule.dst.is_none_or(|c| c.contains(p.dst))
        && rule
            .dst_port
            .is_none_or(|r| p.dst_port.is_some_and(|port| r.contains(port)))
}

/// The action logged for a deny.
pub const DENY_ACTION: Action = Action::Drop;

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(inbound: bool, port: u16) -> Probe {
        Probe {
            inbound,
            protocol: 6,
            src: Ipv4Addr::new(203, 0, 113, 66),
            dst: Ipv4Addr::new(192, 168, 1, 3),
            dst_port: Some(port),
            established: false,
            opens: true,
        }
    }

    #[test]
    fn cidr_parsing_and_containment() {
        let c: Cidr = "192.168.1.0/24".parse().expect("cidr");
        assert!(c.contains(Ipv4Addr::new(192, 168, 1, 200)));
        assert!(!c.contains(Ipv4Addr::new(192, 168, 2, 1)));
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .expect("any")
                .contains(Ipv4Addr::BROADCAST)
        );
        assert!("1.2.3.4/33".parse::<Cidr>().is_err());
        assert!("nope".parse::<Cidr>().is_err());
    }

    #[test]
    fn inbound_needs_state_or_publication() {
        let mut policy = FirewallPolicy::default();
        assert!(matches!(
            decide(&policy, &probe(true, 80)),
            FwVerdict::Deny(_)
        ));
        assert_eq!(decide(&policy, &probe(false, 80)), FwVerdict::Allow);
        let established = Probe {
            established: true,
            opens: false,
            ..probe(true, 80)
        };
        assert_eq!(decide(&policy, &established), FwVerdict::Allow);
        policy.published.push(Published {
            ip: Ipv4Addr::new(192, 168, 1, 3),
            port: 80,
            protocol: Protocol::Tcp,
        });
        assert_eq!(decide(&policy, &probe(true, 80)), FwVerdict::Allow);
        assert!(matches!(
            decide(&policy, &probe(true, 81)),
            FwVerdict::Deny(_)
        ));
    }

    #[test]
    fn rules_match_first() {
        let yaml = "
rules:
  - name: no-telnet-out
    direction: outbound
    protocol: tcp
    dst_port: 23
    action: deny
  - name: partner-ssh
    direction: inbound
    src: 198.51.100.0/24
    dst_port: 22-22
    action: allow
";
        let policy: FirewallPolicy = serde_yaml::from_str(yaml).expect("policy");
        let mut p = probe(false, 23);
        assert_eq!(
            decide(&policy, &p),
            FwVerdict::Deny(vec![
                Reason::FirewallRule,
                Reason::Rule {
                    name: "no-telnet-out".into()
                }
            ])
        );
        p = probe(true, 22);
        assert!(
            matches!(decide(&policy, &p), FwVerdict::Deny(_)),
            "wrong source"
        );
        p.src = Ipv4Addr::new(198, 51, 100, 9);
        assert_eq!(decide(&policy, &p), FwVerdict::Allow);
    }
}
