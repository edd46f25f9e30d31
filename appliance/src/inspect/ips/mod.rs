//! Intrusion prevention: Suricata-style rules matched against packets.
//!
//! Rules come from rule files (QA can bring the rules they already have, in
//! the subset [`rule`] reads) or the set shipped with the gateway
//! ([`BUILTIN_RULES`], `appliance/rules/officetwin.rules`). Files are read at
//! the edge (the twin's loader, the CLI) and handed over parsed.
//!
//! Matching is per packet, without stream reassembly: contents are looked
//! for in the packet's payload, and the HTTP sticky buffers in a request
//! whose header fits in the packet (exploits nearly always do; a request
//! split over segments is not read by this engine, a documented limit). Each
//! buffer has one Aho-Corasick automaton over every rule's longest positive
//! content (its fast pattern), built case-insensitively so one pass finds
//! the candidates for `nocase` and exact contents alike; candidates are then
//! checked condition by condition. Rules without a positive content are
//! checked on every packet their header admits.
//!
//! `drop` and `reject` rules stop the packet and the rest of its flow;
//! `alert` only logs; `pass` stops the evaluation of later rules. Thresholds
//! shape the log, never the verdict: a dropped packet is dropped whether or
//! not its event is suppressed.

use crate::event::Action;
use crate::proto::http;
use crate::reason::Reason;
use crate::time::Instant;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rule::{Buffer, Rule, RuleAction, RuleProto, ThresholdType, Track};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub use crate::config::ips::{
    BUILTIN_RULES, BUILTIN_RULES_NAME, IpsMode, IpsPolicy, builtin_rules, rule,
};
pub use rule::{RuleError, RuleVars, parse_rules};

/// What the gateway knows about the packet's flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowCtx {
    pub established: bool,
    /// The packet travels from the flow's initiator (client) to the server.
    pub to_server: bool,
}

/// One packet as the IPS sees it.
#[derive(Clone, Copy, Debug)]
pub struct PacketCtx<'a> {
    /// IP protocol number.
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub payload: &'a [u8],
    pub flow: FlowCtx,
}

/// A rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpsHit {
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub classtype: Option<String>,
    pub action: Action,
    /// Whether the packet (and its flow) is stopped.
    pub stop: bool,
    /// Whether the event is logged (thresholds may suppress it).
    pub log: bool,
    pub host: Option<String>,
    pub url: Option<String>,
}

impl IpsHit {
    pub fn reasons(&self) -> Vec<Reason> {
        let mut r = vec![
            Reason::IpsRule,
            Reason::Signature {
                sid: self.sid,
                rev: self.rev,
            },
            Reason::RuleMessage {
                text: self.msg.clone(),
            },
        ];
        if let Some(c) = &self.classtype {
            r.push(Reason::Classtype { name: c.clone() });
        }
        r
    }
}

/// Threshold trackers kept at once.
const MAX_THRESHOLD_KEYS: usize = 8192;

#[derive(Clone, Copy, Debug)]
struct Tracker {
    window_start: Instant,
    count: u32,
    logged: u32,
}

/// The compiled rule set and its threshold state.
pub struct Ips {
    rules: Vec<Rule>,
    /// Per buffer: the automaton and, per pattern, the rule index.
    prefilters: BTreeMap<Buffer, (AhoCorasick, Vec<usize>)>,
    /// Rules checked on every packet (no positive content).
    always: Vec<usize>,
    uses_http: bool,
    trackers: BTreeMap<(u32, Ipv4Addr), Tracker>,
}

impl std::fmt::Debug for Ips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ips")
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

impl Ips {
    pub fn new(rules: &[Rule]) -> Ips {
        let mut patterns: BTreeMap<Buffer, (Vec<Vec<u8>>, Vec<usize>)> = BTreeMap::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let fast = r
                .contents
                .iter()
                .filter(|c| !c.negated)
                .max_by_key(|c| c.bytes.len());
            match fast {
                Some(c) => {
                    let entry = patterns.entry(c.buffer).or_default();
                    entry.0.push(c.bytes.clone());
                    entry.1.push(i);
                }
                None => always.push(i),
            }
        }
        let mut prefilters = BTreeMap::new();
        for (buffer, (pats, owners)) in patterns {
            // Building fails only for absurd sizes; a rule set that big would
            // fall back to checking every rule on every packet.
            match AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&pats)
            {
                Ok(ac) => {
                    prefilters.insert(buffer, (ac, owners));
                }
                Err(_) => always.extend(owners),
            }
        }
        always.sort_unstable();
        let uses_http = rules.iter().any(|r| {
            r.proto == RuleProto::Http || r.contents.iter().any(|c| c.buffer != Buffer::Payload)
        });
        Ips {
            rules: rules.to_vec(),
            prefilters,
            always,
            uses_http,
            trackers: BTreeMap::new(),
        }
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The first rule (in file order) that fires on `p`, if any.
    pub fn inspect(&mut self, now: Instant, p: &PacketCtx<'_>, mode: IpsMode) -> Option<IpsHit> {
        if self.rules.is_empty() {
            return None;
        }
        let request = if self.uses_http && p.protocol == 6 && !p.payload.is_empty() {
            match http::parse_request(p.payload) {
                http::Parse::Complete { request, .. } => Some(request),
                _ => None,
            }
        } else {
            None
        };
        let uri: Option<Vec<u8>> = request.as_ref().map(|r| r.target.as_bytes().to_vec());
        let host: Option<Vec<u8>> = request
            .as_ref()
            .and_then(|r| r.host_name())
            .map(|h| h.to_ascii_lowercase().into_bytes());
        let buffer = |b: Buffer| -> Option<&[u8]> {
            match b {
                Buffer::Payload => Some(p.payload),
                Buffer::HttpUri => uri.as_deref(),
                Buffer::HttpHost => host.as_deref(),
            }
        };
        let mut candidates: BTreeSet<usize> = self.always.iter().copied().collect();
        for (b, (ac, owners)) in &self.prefilters {
            let Some(data) = buffer(*b) else { continue };
            if data.is_empty() {
                continue;
            }
            for m in ac.find_overlapping_iter(data) {
                if let Some(owner) = owners.get(m.pattern().as_usize()) {
                    candidates.insert(*owner);
                }
            }
        }
        let hit = candidates.into_iter().find(|&i| {
            self.rules.get(i).is_some_and(|r| {
                header_matches(r, p, request.is_some())
                    && r.contents
                        .iter()
                        .all(|c| buffer(c.buffer).is_some_and(|d| c.holds(d)))
            })
        })?;
        let rule = self.rules.get(hit)?.clone();
        if rule.action == RuleAction::Pass {
            return None;
        }
        let prevent = mode == IpsMode::Prevent;
        let (action, stop) = match rule.action {
            RuleAction::Drop if prevent => (Action::Drop, true),
            RuleAction::Reject if prevent => (Action::Reset, true),
            _ => (Action::Monitor, false),
        };
        let log = self.threshold_allows(now, &rule, p);
        let host_name = request.as_ref().and_then(|r| r.host_name());
        let url = request.as_ref().map(|r| {
            let fallback = match p.dst_port {
                Some(80) | None => p.dst.to_string(),
                Some(port) => format!("{}:{port}", p.dst),
            };
            r.url(&fallback)
        });
        Some(IpsHit {
            sid: rule.sid,
            rev: rule.rev,
            msg: rule.msg.clone(),
            classtype: rule.classtype.clone(),
            action,
            stop,
            log,
            host: host_name,
            url,
        })
    }

    fn threshold_allows(&mut self, now: Instant, rule: &Rule, p: &PacketCtx<'_>) -> bool {
        let Some(t) = rule.threshold else { return true };
        let ip = match t.track {
            Track::BySrc => p.src,
            Track::ByDst => p.dst,
        };
        let key = (rule.sid, ip);
        if self.trackers.len() >= MAX_THRESHOLD_KEYS && !self.trackers.contains_key(&key) {
            self.trackers.pop_first();
        }
        let window = i64::from(t.seconds) * 1_000_000;
        let tr = self.trackers.entry(key).or_insert(Tracker {
            window_start: now,
            count: 0,
            logged: 0,
        });
        if now.as_micros() - tr.window_start.as_micros() >= window {
            *tr = Tracker {
                window_start: now,
                count: 0,
                logged: 0,
            };
        }
        tr.count = tr.count.saturating_add(1);
        let log = match t.kind {
            ThresholdType::Limit => tr.logged < t.count,
            ThresholdType::Threshold => tr.count.is_multiple_of(t.count),
            ThresholdType::Both => tr.count >= t.count && tr.logged == 0,
        };
        if log {
            tr.logged += 1;
        }
        log
    }
}

fn header_matches(r: &Rule, p: &PacketCtx<'_>, is_http: bool) -> bool {
    let proto_ok = match r.proto {
        RuleProto::Tcp => p.protocol == 6,
        RuleProto::Udp => p.protocol == 17,
        RuleProto::Icmp => p.protocol == 1,
        RuleProto::Ip => true,
        RuleProto::Http => p.protocol == 6 && is_http,
    };
    if !proto_ok {
        return false;
    }
    if let Some(est) = r.flow.established
        && est != p.flow.established
    {
        return false;
    }
    if let Some(ts) = r.flow.to_server
        && ts != p.flow.to_server
    {
        return false;
    }
    let forward = r.src.matches(p.src)
        && r.src_ports.matches(p.src_port)
        && r.dst.matches(p.dst)
        && r.dst_ports.matches(p.dst_port);
    forward
        || (r.bidirectional
            && r.src.matches(p.dst)
            && r.src_ports.matches(p.dst_port)
            && r.dst.matches(p.src)
            && r.dst_ports.matches(p.src_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(text: &str) -> Ips {
        match parse_rules("t.rules", text, &RuleVars::default()) {
            Ok(rules) => Ips::new(&rules),
            Err(e) => panic!("{e}"),
        }
    }

    fn packet(payload: &[u8]) -> PacketCtx<'_> {
        PacketCtx {
            protocol: 6,
            src: Ipv4Addr::new(203, 0, 113, 66),
            dst: Ipv4Addr::new(192, 168, 1, 3),
            src_port: Some(40000),
            dst_port: Some(80),
            payload,
            flow: FlowCtx {
                established: true,
                to_server: true,
            },
        }
    }

    #[test]
    fn shipped_rules_parse() {
        match parse_rules(BUILTIN_RULES_NAME, BUILTIN_RULES, &RuleVars::default()) {
            Ok(rules) => assert!(rules.len() >= 5, "{}", rules.len()),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn http_uri_nocase_and_flow() {
        let mut e = ips(
            "drop http $EXTERNAL_NET any -> $HOME_NET any (msg:\"traversal\"; flow:established,to_server; \
             http.uri; content:\"/CGI-BIN/\"; nocase; content:\"../\"; classtype:web-application-attack; sid:10;)",
        );
        let req = b"GET /cgi-bin/../../etc/passwd HTTP/1.1\r\nHost: NAS.example\r\n\r\n";
        let hit = e
            .inspect(Instant::from_secs(1), &packet(req), IpsMode::Prevent)
            .expect("hit");
        assert_eq!(hit.sid, 10);
        assert!(hit.stop && hit.log);
        assert_eq!(hit.action, Action::Drop);
        assert_eq!(hit.host.as_deref(), Some("nas.example"));
        assert!(
            e.inspect(Instant::from_secs(1), &packet(req), IpsMode::Detect)
                .is_some_and(|h| !h.stop)
        );
        let clean = b"GET /cgi-bin/status HTTP/1.1\r\nHost: nas\r\n\r\n";
        assert!(
            e.inspect(Instant::from_secs(1), &packet(clean), IpsMode::Prevent)
                .is_none()
        );
        let mut wrong_way = packet(req);
        wrong_way.flow.to_server = false;
        assert!(
            e.inspect(Instant::from_secs(1), &wrong_way, IpsMode::Prevent)
                .is_none()
        );
    }

    #[test]
    fn raw_content_depth_and_threshold_limit() {
        let mut e = ips(
            "alert tcp any any -> any 445 (msg:\"SMBv1\"; content:\"|ff|SMB\"; depth:8; \
             threshold: type limit, track by_src, count 2, seconds 60; sid:20;)",
        );
        let mut p = packet(b"\x00\x00\x00\x2f\xffSMBr\x00");
        p.dst_port = Some(445);
        let logs: Vec<bool> = (0..5)
            .filter_map(|i| e.inspect(Instant::from_secs(i), &p, IpsMode::Prevent))
            .map(|h| h.log)
            .collect();
        assert_eq!(logs, vec![true, true, false, false, false]);
        let later = e
            .inspect(Instant::from_secs(100), &p, IpsMode::Prevent)
            .expect("hit");
        assert!(later.log, "a new window logs again");
        let mut deep = packet(b"\x00\x00\x00\x00\x00\x00\xffSMB");
        deep.dst_port = Some(445);
        assert!(
            e.inspect(Instant::from_secs(200), &deep, IpsMode::Prevent)
                .is_none(),
            "past depth 8"
        );
    }

    #[test]
    fn pass_rules_and_rules_without_content() {
        let mut e = ips(
            "pass tcp 203.0.113.66 any -> any any (msg:\"trusted\"; sid:1;)\n\
             alert tcp any any -> any 23 (msg:\"telnet\"; sid:2;)",
        );
        let mut p = packet(b"x");
        p.dst_port = Some(23);
        assert!(
            e.inspect(Instant::from_secs(1), &p, IpsMode::Prevent)
                .is_none()
        );
        p.src = Ipv4Addr::new(203, 0, 113, 67);
        assert_eq!(
            e.inspect(Instant::from_secs(1), &p, IpsMode::Prevent)
                .map(|h| h.sid),
            Some(2)
        );
    }
}
