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

pub use crate::config::firewall::{
    Cidr, Direction, FirewallPolicy, FirewallRule, PortRange, Protocol, Published, RuleAction,
};
use crate::event::Action;
use crate::reason::{Reason, Traffic};
use std::net::Ipv4Addr;

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
