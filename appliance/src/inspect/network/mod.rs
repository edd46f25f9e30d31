//! The packet-level protections, run on every IPv4 packet before the
//! gateway's flow handling: the device list and device block, DoS
//! protection, port-scan and worm detection, the firewall, the IPS, beacon
//! scoring, and the flow table's overflow rule. Each engine decides in its
//! own module; this stage runs them in that order, turns their verdicts
//! into log events, and tells the gateway the packet's fate.
//!
//! Order matters and is deliberate: a blocked device is cut before anything
//! else looks at it; floods are counted before the firewall so an episode
//! is seen even when the firewall would drop the packets anyway; scans are
//! counted before the firewall for the same reason (an internet scanner's
//! probes are all denied, and the scan is still reported once); the IPS and
//! beacon scoring only see what the firewall let through.
//!
//! The C&C callback-host rule (Cloud Edge flags a host with more than N C&C
//! detections per window, default 50 per hour) reads the events the whole
//! gateway produced for a frame, after the fact ([`NetworkStage::after`]),
//! and marks the host in the device list.

use super::Detection;
use super::beacon::BeaconState;
use super::devices::Devices;
use super::dos::{DosState, DosVerdict, FloodKind};
use super::firewall::{self, FwVerdict, Probe};
use super::ips::{FlowCtx, Ips, PacketCtx};
use super::notify::{self, Parties};
use super::port_scan::{ScanState, ScanVerdict};
use crate::config::Config;
pub use crate::config::network::{CallbackHostPolicy, FlowTablePolicy, Overflow};
use crate::event::{Action, Engine, Event};
use crate::reason::{DeviceKey, Reason};
use crate::time::Instant;
use crate::wire::Port;
use crate::wire::frame::{Mac, Packet};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::Ipv4Addr;
use std::time::Duration;

mod overflow;
mod seen;
mod uninspected;

use seen::Seen;

/// What the gateway knows about the packet's flow before handling it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowView {
    pub known: bool,
    /// The port the flow's first packet came from.
    pub initiator: Option<Port>,
    /// TCP: handshake done (or picked up mid-stream); UDP: seen before.
    pub established: bool,
}

/// The packet's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// On to the flow handling.
    Continue,
    /// Dropped here.
    Drop,
    /// Dropped, and the sender gets a TCP reset.
    Reset,
    /// Forwarded as is, without flow state (the table is full, fail-open).
    Uninspected,
}

/// Counters of the stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    pub device_blocked: u64,
    pub dos_dropped: u64,
    pub scan_dropped: u64,
    pub firewall_denied: u64,
    pub ips_dropped: u64,
    pub beacon_reset: u64,
    /// Packets of new flows the full table passed uninspected (fail-open).
    pub uninspected: u64,
    /// Replies of flows passed uninspected, let through in turn.
    pub uninspected_replies: u64,
    /// Flows the full table passed uninspected, each once.
    pub uninspected_flows: u64,
    /// Bytes (whole frames) of `uninspected` and `uninspected_replies`.
    pub uninspected_bytes: u64,
    pub overflow_dropped: u64,
    /// Frames neither IPv4 nor ARP (IPv6, VLAN, PPPoE...): forwarded with
    /// no engine reading them.
    pub unsupported_frames: u64,
    pub unsupported_bytes: u64,
}

/// A flow stopped by the IPS, both directions: (proto, low end, high end).
type FlowId = (u8, (Ipv4Addr, u16), (Ipv4Addr, u16));

const MAX_LOG_KEYS: usize = 4096;
const MAX_IPS_BLOCKED: usize = 4096;
const IPS_BLOCK_FOR: Duration = Duration::from_secs(120);

/// The stage's state: one per gateway.
pub struct NetworkStage {
    pub devices: Devices,
    dos: DosState,
    scans: ScanState,
    ips: Ips,
    beacons: BeaconState,
    fw_logged: BTreeMap<Ipv4Addr, Instant>,
    device_logged: BTreeMap<Mac, Instant>,
    ips_blocked: BTreeMap<FlowId, Instant>,
    cnc_events: BTreeMap<Ipv4Addr, VecDeque<Instant>>,
    callback_hosts: BTreeMap<Ipv4Addr, Instant>,
    /// (office host, server) pairs the C&C list already caught: beacon
    /// scoring has nothing to add there.
    listed_pairs: BTreeSet<(Ipv4Addr, Ipv4Addr)>,
    overflow: overflow::Overflow,
    unsupported: overflow::Unsupported,
    /// Who the episode going on started with: its events name them.
    overflow_parties: Option<Parties>,
    pub stats: NetStats,
}

impl std::fmt::Debug for NetworkStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkStage")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// One packet and what the gateway knows around it.
pub struct Input<'a> {
    pub now: Instant,
    pub port: Port,
    pub frame: &'a [u8],
    pub packet: &'a Packet<'a>,
    pub flow: FlowView,
    /// The packet would open a flow and the table has no room.
    pub table_full: bool,
    /// What the office resolved the destination (or, inbound, source) to.
    pub remote_name: Option<&'a str>,
}

impl NetworkStage {
    pub fn new(config: &Config) -> NetworkStage {
        NetworkStage {
            devices: Devices::default(),
            dos: DosState::default(),
            scans: ScanState::default(),
            ips: Ips::new(&config.ips.rules),
            beacons: BeaconState::default(),
            fw_logged: BTreeMap::new(),
            device_logged: BTreeMap::new(),
            ips_blocked: BTreeMap::new(),
            cnc_events: BTreeMap::new(),
            callback_hosts: BTreeMap::new(),
            listed_pairs: BTreeSet::new(),
            overflow: overflow::Overflow::default(),
            unsupported: overflow::Unsupported::default(),
            overflow_parties: None,
            stats: NetStats::default(),
        }
    }

    /// A new configuration was deployed: recompile the rules.
    pub fn reconfigure(&mut self, config: &Config) {
        self.ips = Ips::new(&config.ips.rules);
    }

    /// Hosts flagged by the C&C callback-host rule, with when.
    pub fn callback_hosts(&self) -> &BTreeMap<Ipv4Addr, Instant> {
        &self.callback_hosts
    }

    /// Rules the IPS runs.
    pub fn ips_rules(&self) -> usize {
        self.ips.rule_count()
    }

    /// Runs the stages on one packet, in order; the first that disposes of
    /// it decides its fate.
    pub fn inspect(&mut self, config: &Config, input: &Input<'_>, out: &mut Vec<Event>) -> Fate {
        let p = Seen::of(input);
        let stages: [Stage; 8] = [
            Self::device_stage,
            Self::dos_stage,
            Self::scan_stage,
            Self::uninspected_reply_stage,
            Self::firewall_stage,
            Self::ips_stage,
            Self::beacon_stage,
            Self::flow_table_stage,
        ];
        for stage in stages {
            if let Some(fate) = stage(self, config, &p, out) {
                return fate;
            }
        }
        Fate::Continue
    }

    /// The device list, and the device block list.
    fn device_stage(
        &mut self,
        config: &Config,
        p: &Seen<'_>,
        out: &mut Vec<Event>,
    ) -> Option<Fate> {
        let Seen {
            now,
            port,
            frame,
            packet,
            protocol,
            src_port,
            dst_port,
            payload,
            ..
        } = *p;
        if port == Port::Lan && config.devices.enabled {
            let ttl = frame.get(22).copied().unwrap_or(0);
            self.devices.ipv4(now, packet.src_mac, packet.src, ttl);
            if protocol == 17 && src_port == Some(68) && dst_port == Some(67) {
                self.devices.dhcp(now, payload);
            }
            if protocol == 6 && !payload.is_empty() {
                self.devices.http_payload(now, packet.src_mac, payload);
            }
        }
        if !config.devices.enabled {
            return None;
        }
        let entry = match port {
            Port::Lan => config.devices.block_for(packet.src_mac, Some(packet.src)),
            Port::Wan => config.devices.block_for(packet.dst_mac, Some(packet.dst)),
        }?;
        self.stats.device_blocked += 1;
        // Only the device's own attempts are logged.
        if port == Port::Lan
            && due(
                &mut self.device_logged,
                packet.src_mac,
                now,
                config.devices.log_hold_down_secs,
            )
        {
            let key = match (entry.mac, entry.ip) {
                (Some(m), _) => DeviceKey::Mac(m.0.to_string()),
                (None, Some(ip)) => DeviceKey::Ip(ip),
                (None, None) => DeviceKey::Entry,
            };
            let mut reasons = vec![Reason::DeviceBlockList, Reason::BlockedDevice { key }];
            reasons.extend(entry.note.clone().map(|text| Reason::Note { text }));
            out.push(event(
                now,
                packet,
                dst_port,
                Engine::Firewall,
                Action::Drop,
                reasons,
                None,
                None,
            ));
        }
        Some(Fate::Drop)
    }

    /// DoS protection.
    fn dos_stage(&mut self, config: &Config, p: &Seen<'_>, out: &mut Vec<Event>) -> Option<Fate> {
        let Seen {
            now,
            packet,
            protocol,
            dst_port,
            syn,
            ..
        } = *p;
        let kind = match protocol {
            6 if syn => FloodKind::Syn,
            17 => FloodKind::Udp,
            1 => FloodKind::Icmp,
            _ => return None,
        };
        match self.dos.check(&config.dos, now, kind, packet.dst) {
            DosVerdict::Pass => None,
            DosVerdict::Drop => {
                self.stats.dos_dropped += 1;
                Some(Fate::Drop)
            }
            DosVerdict::EpisodeStart { reasons, drop } => {
                let action = if drop { Action::Drop } else { Action::Monitor };
                out.push(event(
                    now,
                    packet,
                    dst_port,
                    Engine::Dos,
                    action,
                    reasons,
                    None,
                    None,
                ));
                if drop {
                    self.stats.dos_dropped += 1;
                    return Some(Fate::Drop);
                }
                None
            }
        }
    }

    /// Port scans and worm sweeps.
    fn scan_stage(&mut self, config: &Config, p: &Seen<'_>, out: &mut Vec<Event>) -> Option<Fate> {
        let Seen {
            now,
            packet,
            flow,
            protocol,
            dst_port,
            syn,
            ..
        } = *p;
        let probe = (protocol == 6 && syn) || (protocol == 17 && !flow.known);
        if !probe {
            return None;
        }
        let dport = dst_port?;
        match self.scans.probe(
            &config.scan,
            now,
            packet.src,
            packet.dst,
            dport,
            protocol == 17,
        ) {
            ScanVerdict::Pass => None,
            ScanVerdict::Drop => {
                self.stats.scan_dropped += 1;
                Some(Fate::Drop)
            }
            ScanVerdict::Detected { reasons, drop, .. } => {
                let action = if drop { Action::Drop } else { Action::Monitor };
                out.push(event(
                    now,
                    packet,
                    dst_port,
                    Engine::Ips,
                    action,
                    reasons,
                    None,
                    None,
                ));
                if drop {
                    self.stats.scan_dropped += 1;
                    return Some(Fate::Drop);
                }
                None
            }
        }
    }

    /// The firewall.
    fn firewall_stage(
        &mut self,
        config: &Config,
        p: &Seen<'_>,
        out: &mut Vec<Event>,
    ) -> Option<Fate> {
        let Seen {
            now,
            port,
            packet,
            flow,
            protocol,
            dst_port,
            syn,
            icmp_type,
            ..
        } = *p;
        let opens = match protocol {
            6 => syn,
            17 => !flow.known,
            1 => matches!(icmp_type, Some(8 | 13 | 15 | 17)),
            _ => !flow.known,
        };
        let fw = firewall::decide(
            &config.firewall,
            &Probe {
                inbound: port == Port::Wan,
                protocol,
                src: packet.src,
                dst: packet.dst,
                dst_port,
                established: flow.known
                    && !(port == Port::Wan
                        && syn
                        && flow.initiator == Some(Port::Lan)
                        && !flow.established),
                opens,
            },
        );
        let FwVerdict::Deny(reasons) = fw else {
            return None;
        };
        self.stats.firewall_denied += 1;
        if due(
            &mut self.fw_logged,
            packet.src,
            now,
            config.firewall.log_hold_down_secs,
        ) {
            out.push(event(
                now,
                packet,
                dst_port,
                Engine::Firewall,
                firewall::DENY_ACTION,
                reasons,
                None,
                None,
            ));
        }
        Some(Fate::Drop)
    }

    /// The IPS, and the flows it stopped for a while.
    fn ips_stage(&mut self, config: &Config, p: &Seen<'_>, out: &mut Vec<Event>) -> Option<Fate> {
        let Seen {
            now,
            port,
            packet,
            flow,
            protocol,
            src_port,
            dst_port,
            payload,
            rst,
            ..
        } = *p;
        let id = flow_id(
            protocol,
            (packet.src, src_port.unwrap_or(0)),
            (packet.dst, dst_port.unwrap_or(0)),
        );
        if let Some(until) = self.ips_blocked.get(&id).copied() {
            if now < until {
                self.stats.ips_dropped += 1;
                return Some(Fate::Drop);
            }
            self.ips_blocked.remove(&id);
        }
        if !config.ips.enabled || rst || (payload.is_empty() && protocol != 1) {
            return None;
        }
        let ctx = PacketCtx {
            protocol,
            src: packet.src,
            dst: packet.dst,
            src_port,
            dst_port,
            payload,
            flow: FlowCtx {
                established: flow.established,
                to_server: flow.initiator.map_or(port == Port::Lan, |i| i == port),
            },
        };
        let hit = self.ips.inspect(now, &ctx, config.ips.mode)?;
        if hit.log {
            out.push(event(
                now,
                packet,
                dst_port,
                Engine::Ips,
                hit.action,
                hit.reasons(),
                hit.host.clone(),
                hit.url.clone(),
            ));
        }
        if !hit.stop {
            return None;
        }
        self.stats.ips_dropped += 1;
        if self.ips_blocked.len() >= MAX_IPS_BLOCKED {
            self.ips_blocked.retain(|_, until| *until > now);
            if self.ips_blocked.len() >= MAX_IPS_BLOCKED {
                self.ips_blocked.pop_first();
            }
        }
        self.ips_blocked.insert(id, now + IPS_BLOCK_FOR);
        Some(if hit.action == Action::Reset && protocol == 6 {
            Fate::Reset
        } else {
            Fate::Drop
        })
    }

    /// Beacon scoring (office hosts calling out over TCP; the servers'
    /// replies count too).
    fn beacon_stage(
        &mut self,
        config: &Config,
        p: &Seen<'_>,
        out: &mut Vec<Event>,
    ) -> Option<Fate> {
        let Seen {
            now,
            port,
            packet,
            protocol,
            src_port,
            dst_port,
            payload,
            syn,
            remote_name,
            ..
        } = *p;
        if port == Port::Wan && protocol == 6 && !payload.is_empty() {
            let host_port = dst_port.unwrap_or(0);
            self.beacons
                .server_data(packet.dst, packet.src, host_port, payload.len());
            return None;
        }
        if port != Port::Lan || protocol != 6 {
            return None;
        }
        let sport = src_port.unwrap_or(0);
        if !syn {
            if !payload.is_empty() {
                self.beacons
                    .client_data(packet.src, packet.dst, sport, payload.len());
            }
            return None;
        }
        if self.beacons.blocked(&config.beacon, packet.src, packet.dst) {
            self.stats.beacon_reset += 1;
            return Some(Fate::Reset);
        }
        if self.listed_pairs.contains(&(packet.src, packet.dst)) {
            return None;
        }
        let hit = self.beacons.connection(
            &config.beacon,
            now,
            packet.src,
            packet.dst,
            sport,
            remote_name,
        )?;
        let action = if hit.block {
            Action::Reset
        } else {
            Action::Monitor
        };
        out.push(event(
            now,
            packet,
            dst_port,
            Engine::Cnc,
            action,
            hit.reasons,
            remote_name.map(str::to_string),
            None,
        ));
        if hit.block {
            self.stats.beacon_reset += 1;
            return Some(Fate::Reset);
        }
        None
    }

    /// The events the gateway produced for one frame: counts C&C detections
    /// per source for the callback-host rule.
    pub fn after(&mut self, config: &Config, now: Instant, events: &[Event]) {
        self.note_listed_pairs(events);
        self.callback_host_rule(config, now, events);
    }

    /// Pairs the C&C list caught, so beacon scoring leaves them alone.
    fn note_listed_pairs(&mut self, events: &[Event]) {
        for ev in events.iter().filter(|e| e.engine == Engine::Cnc) {
            if ev.reasons.first() == Some(&Reason::CncList) {
                if self.listed_pairs.len() >= MAX_LOG_KEYS {
                    self.listed_pairs.pop_first();
                }
                self.listed_pairs.insert((ev.src_ip, ev.dst_ip));
            }
        }
    }

    /// The C&C callback-host rule: more than N C&C events from one host
    /// within the window flag it in the device list.
    fn callback_host_rule(&mut self, config: &Config, now: Instant, events: &[Event]) {
        let policy = &config.callback_host;
        if !policy.enabled {
            return;
        }
        let window = Duration::from_secs(policy.window_secs.max(1));
        for ev in events.iter().filter(|e| e.engine == Engine::Cnc) {
            if !self.cnc_events.contains_key(&ev.src_ip) && self.cnc_events.len() >= MAX_LOG_KEYS {
                self.cnc_events.pop_first();
            }
            let q = self.cnc_events.entry(ev.src_ip).or_default();
            while q
                .front()
                .is_some_and(|t| now.saturating_since(*t) >= window)
            {
                q.pop_front();
            }
            q.push_back(now);
            if q.len() > policy.max_events.saturating_add(1) {
                q.pop_front();
            }
            if q.len() > policy.max_events && !self.callback_hosts.contains_key(&ev.src_ip) {
                if self.callback_hosts.len() >= MAX_LOG_KEYS {
                    self.callback_hosts.pop_first();
                }
                self.callback_hosts.insert(ev.src_ip, now);
                self.devices.flag_callback_host(ev.src_ip, now);
            }
        }
    }

    /// Bounded-state figures, for tests.
    pub fn tracked(&self) -> (usize, usize, usize, usize) {
        (
            self.dos.tracked(),
            self.scans.tracked(),
            self.beacons.tracked(),
            self.devices.len(),
        )
    }
}

/// One stage of [`NetworkStage::inspect`]: `Some` if it disposed of the packet.
type Stage = fn(&mut NetworkStage, &Config, &Seen<'_>, &mut Vec<Event>) -> Option<Fate>;

/// Whether a keyed log line is due (and records it if so).
fn due<K: Ord + Copy>(
    map: &mut BTreeMap<K, Instant>,
    key: K,
    now: Instant,
    hold_secs: u64,
) -> bool {
    let hold = Duration::from_secs(hold_secs);
    if map
        .get(&key)
        .is_some_and(|last| now.saturating_since(*last) < hold)
    {
        return false;
    }
    if !map.contains_key(&key) && map.len() >= MAX_LOG_KEYS {
        map.retain(|_, last| now.saturating_since(*last) < hold);
        if map.len() >= MAX_LOG_KEYS {
            map.pop_first();
        }
    }
    map.insert(key, now);
    true
}

fn flow_id(proto: u8, a: (Ipv4Addr, u16), b: (Ipv4Addr, u16)) -> FlowId {
    if a <= b { (proto, a, b) } else { (proto, b, a) }
}

#[allow(clippy::too_many_arguments)]
fn event(
    now: Instant,
    packet: &Packet<'_>,
    dst_port: Option<u16>,
    engine: Engine,
    action: Action,
    reasons: Vec<Reason>,
    host: Option<String>,
    url: Option<String>,
) -> Event {
    let detection = Detection {
        engine,
        action,
        reasons,
        threat: String::new(),
        host,
        url,
    };
    notify::event(
        now,
        &detection,
        &Parties {
            src_ip: packet.src,
            src_mac: packet.src_mac.to_string(),
            dst_ip: packet.dst,
            dst_port: dst_port.unwrap_or(0),
        },
    )
}
