//! Signature groups: which rules a packet's class can fire, and the
//! automata over only those rules (Suricata's "signature group heads").
//!
//! A packet's class is what its header offers a rule apart from its
//! addresses and its HTTP request: the transport protocol, the flow flags,
//! and which elementary port interval each port falls in (the intervals are
//! cut at every edge of every port range in the rule set, so within one a
//! port spec either matches every port or none). A class's members are the
//! rules whose protocol, flow and ports admit it: a superset of the rules
//! that can fire, which the matcher still checks in full. So an SMTP
//! segment never meets an HTTP rule's patterns, nor a download's reply
//! bytes a `to_server` rule's.
//!
//! Each class is resolved once, lazily, and classes with the same members
//! share one group. Both maps are bounded: past [`MAX_CLASSES`] the class
//! map starts over, and past [`MAX_GROUPS`] a new member set uses the group
//! of every rule (the behaviour without groups), so no traffic can make the
//! IPS build automata without end.

use super::PacketCtx;
use super::rule::{Buffer, Ports, Rule, RuleProto};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::BTreeMap;

/// Packet classes remembered at once.
const MAX_CLASSES: usize = 4096;
/// Distinct groups (automata sets) built at most.
pub(super) const MAX_GROUPS: usize = 256;

/// The automata over a set of rules, and the rules without a pattern.
#[derive(Debug, Default)]
pub(super) struct Matcher {
    /// Per buffer: the automaton over each member's longest positive
    /// content and, per pattern, the rule's index.
    prefilters: BTreeMap<Buffer, (AhoCorasick, Vec<usize>)>,
    /// Members checked whenever their group is (no positive content).
    always: Vec<usize>,
}

impl Matcher {
    fn build(rules: &[Rule], members: &[usize]) -> Matcher {
        let mut patterns: BTreeMap<Buffer, (Vec<&[u8]>, Vec<usize>)> = BTreeMap::new();
        let mut always = Vec::new();
        for &i in members {
            let Some(r) = rules.get(i) else { continue };
            let fast = r
                .contents
                .iter()
                .filter(|c| !c.negated)
                .max_by_key(|c| c.bytes.len());
            match fast {
                Some(c) => {
                    let entry = patterns.entry(c.buffer).or_default();
                    entry.0.push(&c.bytes);
                    entry.1.push(i);
                }
                None => always.push(i),
            }
        }
        let mut prefilters = BTreeMap::new();
        for (buffer, (pats, owners)) in patterns {
            // Building fails only for absurd sizes; such a set falls back to
            // checking its rules on every packet of the class.
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
        Matcher { prefilters, always }
    }

    fn is_empty(&self) -> bool {
        self.prefilters.is_empty() && self.always.is_empty()
    }

    /// The members worth checking on these buffers, in rule order.
    pub(super) fn candidates<'a>(
        &self,
        buffer: impl Fn(Buffer) -> Option<&'a [u8]>,
    ) -> std::collections::BTreeSet<usize> {
        let mut candidates: std::collections::BTreeSet<usize> =
            self.always.iter().copied().collect();
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
        candidates
    }
}

/// The rules one packet class can fire.
#[derive(Debug)]
pub(super) struct Group {
    /// Members that can fire on a packet without an HTTP request: not
    /// `http` rules, and no content in an HTTP buffer.
    pub(super) without_request: Matcher,
    /// Every member, for a packet that carries a request; `None` when no
    /// member needs one (the request is then not even parsed).
    pub(super) with_request: Option<Matcher>,
}

impl Group {
    fn build(rules: &[Rule], members: &[usize]) -> Group {
        let plain: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| rules.get(i).is_some_and(|r| !needs_request(r)))
            .collect();
        let with_request = (plain.len() != members.len()).then(|| Matcher::build(rules, members));
        Group {
            without_request: Matcher::build(rules, &plain),
            with_request,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.without_request.is_empty() && self.with_request.is_none()
    }
}

/// A rule that can only fire on a packet carrying an HTTP request.
pub(super) fn needs_request(r: &Rule) -> bool {
    r.proto == RuleProto::Http || r.contents.iter().any(|c| c.buffer != Buffer::Payload)
}

/// The rule set's classes and groups.
#[derive(Debug)]
pub(super) struct Groups {
    /// Where port intervals start (sorted, each > 0): interval `k` is
    /// `edges[k-1]..edges[k]`, with 0 and 65536 at the ends.
    edges: Vec<u32>,
    classes: BTreeMap<u64, usize>,
    /// Member sets already built, to their group.
    by_members: BTreeMap<Vec<usize>, usize>,
    /// Built groups; the first is that of every rule ([`EVERY`]).
    groups: Vec<Group>,
}

/// The group of every rule, built first: used once [`MAX_GROUPS`] are built.
const EVERY: usize = 0;

impl Groups {
    pub(super) fn new(rules: &[Rule]) -> Groups {
        let mut edges = Vec::new();
        for r in rules {
            port_edges(&r.src_ports, &mut edges);
            port_edges(&r.dst_ports, &mut edges);
        }
        edges.sort_unstable();
        edges.dedup();
        let all: Vec<usize> = (0..rules.len()).collect();
        Groups {
            edges,
            classes: BTreeMap::new(),
            by_members: BTreeMap::new(),
            groups: vec![Group::build(rules, &all)],
        }
    }

    /// The group of `p`'s class, built on first sight.
    pub(super) fn of(&mut self, rules: &[Rule], p: &PacketCtx<'_>) -> &Group {
        let class = Class::of(p, &self.edges);
        let key = class.key();
        let at = match self.classes.get(&key) {
            Some(&at) => at,
            None => {
                let members = class.members(rules, &self.edges);
                let at = match self.by_members.get(&members) {
                    Some(&at) => at,
                    None if self.groups.len() >= MAX_GROUPS => EVERY,
                    None => {
                        self.groups.push(Group::build(rules, &members));
                        let at = self.groups.len() - 1;
                        self.by_members.insert(members, at);
                        at
                    }
                };
                if self.classes.len() >= MAX_CLASSES {
                    self.classes.clear();
                }
                self.classes.insert(key, at);
                at
            }
        };
        // `at` is always an index this map handed out.
        &self.groups[at.min(self.groups.len() - 1)]
    }

    #[cfg(test)]
    pub(super) fn built(&self) -> usize {
        self.groups.len()
    }
}

/// Every edge of a port spec: where a range starts and where it stops.
fn port_edges(spec: &Ports, edges: &mut Vec<u32>) {
    match spec {
        Ports::Any => {}
        Ports::Range(a, b) => {
            edges.push(u32::from(*a));
            if *b < u16::MAX {
                edges.push(u32::from(*b) + 1);
            }
        }
        Ports::Not(inner) => port_edges(inner, edges),
        Ports::List(items) => items.iter().for_each(|i| port_edges(i, edges)),
    }
}

/// What a packet's header offers a rule, addresses and request aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    /// 6, 17 or 1; 0 for any other protocol.
    protocol: u8,
    established: bool,
    to_server: bool,
    /// Port intervals; `None` for a packet without ports.
    src: Option<usize>,
    dst: Option<usize>,
}

impl Class {
    fn of(p: &PacketCtx<'_>, edges: &[u32]) -> Class {
        let interval =
            |port: Option<u16>| port.map(|p| edges.partition_point(|&e| e <= u32::from(p)));
        Class {
            protocol: match p.protocol {
                1 | 6 | 17 => p.protocol,
                _ => 0,
            },
            established: p.flow.established,
            to_server: p.flow.to_server,
            src: interval(p.src_port),
            dst: interval(p.dst_port),
        }
    }

    fn key(&self) -> u64 {
        let port = |i: Option<usize>| i.map_or(0, |i| i as u64 + 1) & 0xff_ffff;
        u64::from(self.protocol)
            | u64::from(self.established) << 8
            | u64::from(self.to_server) << 9
            | port(self.src) << 10
            | port(self.dst) << 34
    }

    /// The rules whose protocol, flow and ports admit this class, in order.
    fn members(&self, rules: &[Rule], edges: &[u32]) -> Vec<usize> {
        // Any port of an interval stands for all of it: its first.
        let port = |i: Option<usize>| {
            i.map(|i| match i {
                0 => 0,
                i => edges.get(i - 1).map_or(0, |&e| e as u16),
            })
        };
        let (src, dst) = (port(self.src), port(self.dst));
        rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let proto_ok = match r.proto {
                    RuleProto::Tcp | RuleProto::Http => self.protocol == 6,
                    RuleProto::Udp => self.protocol == 17,
                    RuleProto::Icmp => self.protocol == 1,
                    RuleProto::Ip => true,
                };
                proto_ok
                    && r.flow.established.is_none_or(|e| e == self.established)
                    && r.flow.to_server.is_none_or(|t| t == self.to_server)
                    && ((r.src_ports.matches(src) && r.dst_ports.matches(dst))
                        || (r.bidirectional
                            && r.src_ports.matches(dst)
                            && r.dst_ports.matches(src)))
            })
            .map(|(i, _)| i)
            .collect()
    }
}
