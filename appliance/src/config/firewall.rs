//! Firewall settings (`inspect::firewall`): networks, port ranges, rules, published services.

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
    pub(crate) fn number(self) -> Option<u8> {
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
