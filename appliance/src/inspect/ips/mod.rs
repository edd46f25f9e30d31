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
//! split over segments is not read by this engine, a documented limit). The
//! rules a packet's protocol, flow and ports can fire form its [`groups`]
//! entry; each buffer of a group has one Aho-Corasick automaton over its
//! rules' longest positive contents (their fast patterns), built
//! case-insensitively so one pass finds the candidates for `nocase` and
//! exact contents alike; candidates are then checked condition by
//! condition. Rules without a positive content are checked on every packet
//! their header admits.
//!
//! `drop` and `reject` rules stop the packet and the rest of its flow;
//! `alert` only logs; `pass` stops the evaluation of later rules. Thresholds
//! shape the log, never the verdict: a dropped packet is dropped whether or
//! not its event is suppressed.

use crate::event::Action;
use crate::proto::http;
use crate::reason::Reason;
use crate::time::Instant;
use groups::Groups;
use rule::{Buffer, Rule, RuleAction, RuleProto, ThresholdType, Track};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

mod groups;

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
    /// Which rules each packet class can fire, and their automata.
    groups: Groups,
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
        let uses_http = rules.iter().any(groups::needs_request);
        Ips {
            rules: rules.to_vec(),
            groups: Groups::new(rules),
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
        let group = self.groups.of(&self.rules, p);
        if group.is_empty() {
            return None;
        }
        let request = if group.with_request.is_some() {
            request_in(self.uses_http, p)
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
        let matcher = match (&group.with_request, &request) {
            (Some(all), Some(_)) => all,
            _ => &group.without_request,
        };
        let candidates = matcher.candidates(buffer);
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
        // The hit names the request's host and URL whenever the packet
        // carries one, also when its group had no need to read it.
        let request = request.or_else(|| request_in(self.uses_http, p));
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

/// The HTTP request whose header `p` carries, when the rules read requests
/// (`uses_http`).
fn request_in(uses_http: bool, p: &PacketCtx<'_>) -> Option<http::Request> {
    if !(uses_http && p.protocol == 6 && !p.payload.is_empty()) {
        return None;
    }
    match http::parse_request(p.payload) {
        http::Parse::Complete { request, .. } => Some(request),
        _ => None,
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
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

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

    /// A rule set as text: protocols, port specs (ranges, lists,
    /// negations, both directions), flow options and contents in every
    /// buffer, drawn from small pools so that packets meet them often.
    fn rule_text() -> impl Strategy<Value = String> {
        let proto = prop::sample::select(vec!["tcp", "udp", "icmp", "ip", "http"]);
        let edge = prop::sample::select(vec![0u16, 1, 25, 80, 443, 445, 1024, 40000, 65535]);
        let port = prop_oneof![
            Just("any".to_string()),
            edge.clone().prop_map(|p| p.to_string()),
            (edge.clone(), edge.clone()).prop_map(|(a, b)| format!("{}:{}", a.min(b), a.max(b))),
            edge.clone().prop_map(|p| format!("!{p}")),
            (edge.clone(), edge).prop_map(|(a, b)| format!("[{a},!{b}]")),
        ];
        let addr = prop::sample::select(vec!["any", "$HOME_NET", "$EXTERNAL_NET", "203.0.113.66"]);
        let flow = prop::sample::select(vec![
            "",
            "flow:established,to_server; ",
            "flow:to_client; ",
            "flow:established; ",
        ]);
        let content = (
            prop::sample::select(vec!["", "http.uri; ", "http.host; "]),
            prop::sample::select(vec!["busybox", "SMB", "GET", "ab", "etc/passwd"]),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(buffer, bytes, nocase, negated)| {
                let bang = if negated { "!" } else { "" };
                let nocase = if nocase { " nocase;" } else { "" };
                format!("{buffer}content:{bang}\"{bytes}\";{nocase} ")
            });
        (
            prop::sample::select(vec!["alert", "drop", "pass"]),
            proto,
            (addr.clone(), port.clone(), any::<bool>(), addr, port),
            flow,
            prop::collection::vec(content, 0..3),
        )
            .prop_map(|(action, proto, (src, sp, both, dst, dp), flow, contents)| {
                let dir = if both { "<>" } else { "->" };
                format!(
                    "{action} {proto} {src} {sp} {dir} {dst} {dp} (msg:\"r\"; {flow}{}sid:SID;)",
                    contents.concat()
                )
            })
    }

    /// A packet of any protocol and ports, flags either way, carrying an
    /// HTTP request or bytes made of the rules' patterns.
    fn any_packet()
    -> impl Strategy<Value = (u8, Option<u16>, Option<u16>, bool, bool, bool, Vec<u8>)> {
        let port = prop::sample::select(vec![
            0u16, 1, 24, 25, 26, 80, 443, 445, 446, 1023, 1024, 40000, 65535,
        ]);
        let word = prop::sample::select(vec![
            "busybox",
            "BusyBox",
            "SMB",
            "GET",
            "ab",
            "etc/passwd",
            "x",
            " ",
        ]);
        let payload = prop_oneof![
            prop::collection::vec(word.clone(), 0..6).prop_map(|w| w.concat().into_bytes()),
            (
                prop::collection::vec(word.clone(), 0..3),
                prop::collection::vec(word, 0..3)
            )
                .prop_map(|(uri, host)| format!(
                    "GET /{} HTTP/1.1\r\nHost: h{}\r\n\r\n",
                    uri.concat().replace(' ', "%20"),
                    host.concat().replace(' ', "")
                )
                .into_bytes()),
        ];
        (
            prop::sample::select(vec![6u8, 17, 1, 47]),
            port.clone(),
            port,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            payload,
        )
            .prop_map(|(proto, sp, dp, est, to_server, from_home, payload)| {
                let ports = matches!(proto, 6 | 17);
                (
                    proto,
                    ports.then_some(sp),
                    ports.then_some(dp),
                    est,
                    to_server,
                    from_home,
                    payload,
                )
            })
    }

    /// The definition the groups must not change: the first rule, in file
    /// order, whose header and contents all hold (a `pass` rule ends it),
    /// with the host of the request the packet carries when a rule reads
    /// requests.
    fn first_firing(rules: &[Rule], p: &PacketCtx<'_>) -> Option<(u32, Option<String>)> {
        let reads_requests = rules.iter().any(|r| {
            r.proto == RuleProto::Http || r.contents.iter().any(|c| c.buffer != Buffer::Payload)
        });
        let request = match (p.protocol, p.payload.is_empty()) {
            (6, false) => match http::parse_request(p.payload) {
                http::Parse::Complete { request, .. } => Some(request),
                _ => None,
            },
            _ => None,
        };
        let uri = request.as_ref().map(|r| r.target.as_bytes().to_vec());
        let host = request
            .as_ref()
            .and_then(|r| r.host_name())
            .map(|h| h.to_ascii_lowercase().into_bytes());
        let rule = rules.iter().find(|r| {
            header_matches(r, p, request.is_some())
                && r.contents.iter().all(|c| {
                    let data = match c.buffer {
                        Buffer::Payload => Some(p.payload),
                        Buffer::HttpUri => uri.as_deref(),
                        Buffer::HttpHost => host.as_deref(),
                    };
                    data.is_some_and(|d| c.holds(d))
                })
        })?;
        let host = request
            .as_ref()
            .filter(|_| reads_requests)
            .and_then(|r| r.host_name());
        (rule.action != RuleAction::Pass).then_some((rule.sid, host))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Signature groups only skip rules that cannot fire: on any rule
        /// set and any packets, the rule that fires is the one checking
        /// every rule in order would find.
        #[test]
        fn groups_fire_the_rule_a_full_scan_fires(
            texts in prop::collection::vec(rule_text(), 1..12),
            packets in prop::collection::vec(any_packet(), 1..24),
        ) {
            // Combinations the parser refuses (`http.uri` on udp) drop out.
            let text: String = texts
                .iter()
                .enumerate()
                .map(|(i, t)| t.replace("SID", &(i + 1).to_string()) + "\n")
                .filter(|t| parse_rules("t.rules", t, &RuleVars::default()).is_ok())
                .collect();
            prop_assume!(!text.is_empty());
            let rules = parse_rules("t.rules", &text, &RuleVars::default())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let mut e = Ips::new(&rules);
            for (proto, sp, dp, est, to_server, from_home, payload) in &packets {
                let (home, outside) = (Ipv4Addr::new(192, 168, 1, 3), Ipv4Addr::new(203, 0, 113, 66));
                let (src, dst) = if *from_home { (home, outside) } else { (outside, home) };
                let p = PacketCtx {
                    protocol: *proto,
                    src,
                    dst,
                    src_port: *sp,
                    dst_port: *dp,
                    payload,
                    flow: FlowCtx { established: *est, to_server: *to_server },
                };
                let got = e.inspect(Instant::from_secs(1), &p, IpsMode::Prevent).map(|h| (h.sid, h.host));
                prop_assert_eq!(got, first_firing(&rules, &p), "{}\n{:?}", text, p);
            }
        }
    }

    /// 300 rules on 300 ports make 301 distinct rule sets: a sweep of every
    /// port builds no more than the cap of groups, and a packet past the
    /// cap still meets its rule (through the group of every rule).
    #[test]
    fn groups_stay_bounded_under_a_port_sweep() {
        let text: String = (0..300u32)
            .map(|i| {
                format!(
                    "alert tcp any any -> any {} (msg:\"r\"; content:\"p{i}\"; sid:{};)\n",
                    2000 + i,
                    i + 1
                )
            })
            .collect();
        let mut e = ips(&text);
        for port in 0..=u16::MAX {
            let mut p = packet(b"x");
            p.dst_port = Some(port);
            e.inspect(Instant::from_secs(1), &p, IpsMode::Prevent);
        }
        assert_eq!(e.groups.built(), groups::MAX_GROUPS);
        let mut last = packet(b"p299");
        last.dst_port = Some(2299);
        assert_eq!(
            e.inspect(Instant::from_secs(1), &last, IpsMode::Prevent)
                .map(|h| h.sid),
            Some(300)
        );
    }
}
