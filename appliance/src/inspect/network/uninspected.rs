//! What passes the gateway uninspected: new flows while the flow table is
//! full (fail-open, and their replies), frames of protocols it cannot read;
//! each an episode with one event at its start and one with its counts at
//! its end, ended by the stage's own timer.

use super::overflow;
use super::{Detection, Fate, NetworkStage, Overflow, Seen, event};
use crate::config::Config;
use crate::event::{Action, Engine, Event};
use crate::inspect::notify::{self, Parties};
use crate::reason::Reason;
use crate::time::Instant;
use crate::wire::Port;
use crate::wire::frame::Mac;
use std::net::Ipv4Addr;

impl NetworkStage {
    /// A frame that is not IPv4 (ARP, ...): only the device list looks. A
    /// frame that is not ARP either passes uninspected: counted, one event
    /// when such frames start and one with their counts when they stop.
    pub fn other_frame(
        &mut self,
        config: &Config,
        now: Instant,
        port: Port,
        frame: &[u8],
        out: &mut Vec<Event>,
    ) {
        if port == Port::Lan && config.devices.enabled {
            self.devices.arp(now, frame);
        }
        let ethertype = frame
            .get(12..14)
            .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
        if ethertype == 0x0806 {
            return;
        }
        self.stats.unsupported_frames += 1;
        self.stats.unsupported_bytes += frame.len() as u64;
        if self.unsupported.passed(now, ethertype, frame.len()) {
            let src_mac = frame
                .get(6..12)
                .and_then(|m| <[u8; 6]>::try_from(m).ok())
                .map_or_else(String::new, |m| Mac(m).to_string());
            out.push(notify::event(
                now,
                &Detection {
                    engine: Engine::Firewall,
                    action: Action::Monitor,
                    reasons: vec![Reason::UnsupportedProtocol { ethertype }],
                    threat: String::new(),
                    host: None,
                    url: None,
                },
                &Parties {
                    src_ip: Ipv4Addr::UNSPECIFIED,
                    src_mac,
                    dst_ip: Ipv4Addr::UNSPECIFIED,
                    dst_port: 0,
                },
            ));
        }
    }

    /// Episodes whose quiet time is up end, each with one event.
    pub fn poll(&mut self, config: &Config, now: Instant, out: &mut Vec<Event>) {
        if let Some(ep) = self.overflow.room(now) {
            out.push(self.overflow_ended(config, now, ep));
        }
        if let Some(ep) = self.unsupported.quiet(now) {
            out.push(notify::event(
                now,
                &Detection {
                    engine: Engine::Firewall,
                    action: Action::Monitor,
                    reasons: vec![
                        Reason::UnsupportedProtocol {
                            ethertype: ep.ethertype,
                        },
                        Reason::UninspectedTraffic {
                            flows: 0,
                            packets: ep.frames,
                            bytes: ep.bytes,
                        },
                    ],
                    threat: String::new(),
                    host: None,
                    url: None,
                },
                &Parties {
                    src_ip: Ipv4Addr::UNSPECIFIED,
                    src_mac: String::new(),
                    dst_ip: Ipv4Addr::UNSPECIFIED,
                    dst_port: 0,
                },
            ));
        }
    }

    /// When [`NetworkStage::poll`] has an episode to end, if ever.
    pub fn poll_at(&self) -> Option<Instant> {
        match (self.overflow.due(), self.unsupported.due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The event that ends an overflow episode: how many flows, for how
    /// long, and (fail-open) what passed uninspected.
    pub(super) fn overflow_ended(
        &mut self,
        config: &Config,
        now: Instant,
        ep: overflow::Episode,
    ) -> Event {
        let fail_open = config.flow_table.when_full == Overflow::FailOpen;
        let mut reasons = vec![
            Reason::FlowTableRoom,
            Reason::FlowsTurnedAway {
                flows: ep.flows,
                secs: ep.last.saturating_since(ep.since).as_secs(),
            },
            Reason::WhenFull { fail_open },
        ];
        if fail_open {
            reasons.push(Reason::UninspectedTraffic {
                flows: ep.flows,
                packets: ep.packets,
                bytes: ep.bytes,
            });
        }
        let parties = self.overflow_parties.take().unwrap_or(Parties {
            src_ip: Ipv4Addr::UNSPECIFIED,
            src_mac: String::new(),
            dst_ip: Ipv4Addr::UNSPECIFIED,
            dst_port: 0,
        });
        notify::event(
            now,
            &Detection {
                engine: Engine::Firewall,
                action: Action::Monitor,
                reasons,
                threat: String::new(),
                host: None,
                url: None,
            },
            &parties,
        )
    }

    /// The flow table's overflow rule: new flows when the table is full.
    pub(super) fn flow_table_stage(
        &mut self,
        config: &Config,
        p: &Seen<'_>,
        out: &mut Vec<Event>,
    ) -> Option<Fate> {
        let Seen {
            now,
            packet,
            flow,
            protocol,
            dst_port,
            rst,
            fragment,
            table_full,
            ..
        } = *p;
        let creates = match protocol {
            6 => !rst,
            17 => true,
            _ => false,
        } && !fragment;
        if !creates || flow.known {
            return None;
        }
        let fail_open = config.flow_table.when_full == Overflow::FailOpen;
        if !table_full {
            if let Some(ep) = self.overflow.room(now) {
                out.push(self.overflow_ended(config, now, ep));
            }
            return None;
        }
        let key = (
            protocol,
            (packet.src, p.src_port.unwrap_or(0)),
            (packet.dst, dst_port.unwrap_or(0)),
        );
        let flows_before = self.overflow.episode().map_or(0, |ep| ep.flows);
        let starts = self.overflow.turned_away(now, key, p.frame.len());
        let new_flow = self.overflow.episode().map_or(0, |ep| ep.flows) > flows_before;
        if starts {
            self.overflow_parties = Some(Parties {
                src_ip: packet.src,
                src_mac: packet.src_mac.to_string(),
                dst_ip: packet.dst,
                dst_port: dst_port.unwrap_or(0),
            });
            let reasons = vec![
                Reason::FlowTableFull,
                Reason::FlowsTracked {
                    count: config.flow_table.max_flows,
                },
                Reason::WhenFull { fail_open },
            ];
            let action = if fail_open {
                Action::Monitor
            } else {
                Action::Drop
            };
            out.push(event(
                now,
                packet,
                dst_port,
                Engine::Firewall,
                action,
                reasons,
                None,
                None,
            ));
        }
        Some(if fail_open {
            self.stats.uninspected += 1;
            self.stats.uninspected_flows += u64::from(new_flow);
            self.stats.uninspected_bytes += p.frame.len() as u64;
            Fate::Uninspected
        } else {
            self.stats.overflow_dropped += 1;
            Fate::Drop
        })
    }

    /// A WAN packet of a flow the full table let through uninspected
    /// (fail-open): its reply passes too, instead of meeting the stateful
    /// firewall with no state to show.
    pub(super) fn uninspected_reply_stage(
        &mut self,
        config: &Config,
        p: &Seen<'_>,
        _out: &mut Vec<Event>,
    ) -> Option<Fate> {
        if p.port != Port::Wan || p.flow.known || config.flow_table.when_full != Overflow::FailOpen
        {
            return None;
        }
        let (Some(sport), Some(dport)) = (p.src_port, p.dst_port) else {
            return None;
        };
        let key = (p.protocol, (p.packet.dst, dport), (p.packet.src, sport));
        if !self.overflow.is_reply(&key, p.now, p.frame.len()) {
            return None;
        }
        self.stats.uninspected_replies += 1;
        self.stats.uninspected_bytes += p.frame.len() as u64;
        Some(Fate::Uninspected)
    }
}
