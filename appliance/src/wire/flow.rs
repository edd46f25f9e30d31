//! The flow table: one entry per 5-tuple, with idle expiry and a size bound.
//!
//! Keys are oriented by port, not by who spoke first: the LAN endpoint is
//! always `lan`, so both directions of a conversation find the same entry.
//! Entries expire at a deadline the owner sets on every packet; the table
//! keeps a deadline index so `poll_at` is cheap and expiry O(log n) per flow,
//! and when full it evicts the entry closest to expiry. Everything is ordered
//! (B-trees, no hashing) so expiry order, and thus output, is reproducible.
//!
//! The index is lazy: a deadline pushed later (what almost every packet
//! does) leaves the flow's mark in the index where it was, and the mark is
//! moved only when it reaches the front. Moving it on every packet (a
//! removal and an insertion in the index) was 3 % of replaying an office
//! capture. The front mark is always exact, so the earliest deadline,
//! eviction and expiry order are what an eager index gives (a property
//! checks it against one).
//!
//! [`TcpTrack`] follows the TCP conversation well enough to forge segments
//! both ends accept: state, and the sequence and acknowledgement numbers of
//! each side.

use super::frame::TcpSeg;
use super::seq;
use crate::time::Instant;
use crate::wire::Port;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

/// A 5-tuple, LAN endpoint first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub proto: Proto,
    pub lan_ip: Ipv4Addr,
    pub lan_port: u16,
    pub wan_ip: Ipv4Addr,
    pub wan_port: u16,
}

impl FlowKey {
    /// The key of a packet `src:sport -> dst:dport` that arrived on `port`.
    pub fn oriented(
        proto: Proto,
        port: Port,
        (src, sport): (Ipv4Addr, u16),
        (dst, dport): (Ipv4Addr, u16),
    ) -> FlowKey {
        let ((lan_ip, lan_port), (wan_ip, wan_port)) = match port {
            Port::Lan => ((src, sport), (dst, dport)),
            Port::Wan => ((dst, dport), (src, sport)),
        };
        FlowKey {
            proto,
            lan_ip,
            lan_port,
            wan_ip,
            wan_port,
        }
    }
}

struct Entry<V> {
    value: V,
    deadline: Instant,
    /// Where this flow's one mark stands in the index: never after
    /// `deadline`, and equal to it when the mark is the first.
    marked: Instant,
}

/// A bounded map from flow keys to per-flow state, with deadlines.
pub struct FlowTable<V> {
    /// Ordered, not hashed: the keys come from the network, and a tree
    /// gives no sender a way to make lookups slow (no collisions to force).
    flows: BTreeMap<FlowKey, Entry<V>>,
    /// One mark `(entry.marked, key)` per flow; the first one is exact.
    by_deadline: BTreeSet<(Instant, FlowKey)>,
    max_flows: usize,
}

impl<V> FlowTable<V> {
    pub fn new(max_flows: usize) -> Self {
        FlowTable {
            flows: BTreeMap::new(),
            by_deadline: BTreeSet::new(),
            max_flows: max_flows.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Whether a new flow would evict another.
    pub fn is_full(&self) -> bool {
        self.flows.len() >= self.max_flows
    }

    pub fn get(&self, key: &FlowKey) -> Option<&V> {
        self.flows.get(key).map(|e| &e.value)
    }

    pub fn get_mut(&mut self, key: &FlowKey) -> Option<&mut V> {
        self.flows.get_mut(key).map(|e| &mut e.value)
    }

    /// Every flow's state, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.flows.values().map(|e| &e.value)
    }

    /// Inserts or replaces a flow; returns a flow evicted to make room.
    pub fn insert(&mut self, key: FlowKey, value: V, deadline: Instant) -> Option<(FlowKey, V)> {
        let mut evicted = None;
        if let Some(old) = self.flows.remove(&key) {
            self.by_deadline.remove(&(old.marked, key));
        } else if self.flows.len() >= self.max_flows {
            evicted = self.pop_first();
        }
        self.by_deadline.insert((deadline, key));
        self.flows.insert(
            key,
            Entry {
                value,
                deadline,
                marked: deadline,
            },
        );
        self.settle_front();
        evicted
    }

    /// Swaps a flow's value for `value` in place (its deadline kept);
    /// returns the old one, `None` (and nothing stored) if the flow is not
    /// there. Cheaper than `remove` and `insert` around a packet's handling.
    pub fn replace(&mut self, key: &FlowKey, value: V) -> Option<V> {
        let entry = self.flows.get_mut(key)?;
        Some(std::mem::replace(&mut entry.value, value))
    }

    /// Moves a flow's deadline (on activity, or a state change).
    pub fn set_deadline(&mut self, key: &FlowKey, deadline: Instant) {
        let Some(entry) = self.flows.get_mut(key) else {
            return;
        };
        if move_mark(entry, &mut self.by_deadline, key, deadline) {
            self.settle_front();
        }
    }

    /// Puts a flow's value back into its entry (taken out with
    /// [`FlowTable::replace`]) and moves its deadline, in one lookup; the
    /// value comes back if the entry is gone.
    pub fn restore(&mut self, key: &FlowKey, value: V, deadline: Instant) -> Result<(), V> {
        let Some(entry) = self.flows.get_mut(key) else {
            return Err(value);
        };
        entry.value = value;
        if move_mark(entry, &mut self.by_deadline, key, deadline) {
            self.settle_front();
        }
        Ok(())
    }

    pub fn remove(&mut self, key: &FlowKey) -> Option<V> {
        let entry = self.flows.remove(key)?;
        self.by_deadline.remove(&(entry.marked, *key));
        self.settle_front();
        Some(entry.value)
    }

    /// The earliest deadline, if any flow is tracked.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.by_deadline.first().map(|(t, _)| *t)
    }

    /// Removes and returns every flow whose deadline is at or before `now`,
    /// earliest first.
    pub fn expire(&mut self, now: Instant) -> Vec<(FlowKey, V)> {
        let mut out = Vec::new();
        while self.next_deadline().is_some_and(|t| t <= now) {
            match self.pop_first() {
                Some(flow) => out.push(flow),
                None => break,
            }
        }
        out
    }

    fn pop_first(&mut self) -> Option<(FlowKey, V)> {
        let (_, key) = self.by_deadline.pop_first()?;
        let flow = self.flows.remove(&key).map(|e| (key, e.value));
        self.settle_front();
        flow
    }

    /// Moves marks that are early (their flow's deadline was pushed later)
    /// from the front to their deadline, until the first mark is exact.
    fn settle_front(&mut self) {
        while let Some(&(marked, key)) = self.by_deadline.first() {
            let Some(entry) = self.flows.get_mut(&key) else {
                // Not reachable: every mark has its flow. Dropping it keeps
                // the front exact all the same.
                self.by_deadline.pop_first();
                continue;
            };
            if entry.deadline == marked {
                return;
            }
            self.by_deadline.pop_first();
            self.by_deadline.insert((entry.deadline, key));
            entry.marked = entry.deadline;
        }
    }
}

/// Where a TCP conversation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    /// SYN seen.
    SynSent,
    /// SYN-ACK seen.
    SynReceived,
    /// Handshake done, or picked up mid-stream.
    Established,
    /// At least one side sent FIN.
    Closing,
    /// A reset was seen (or sent).
    Closed,
}

/// One side's sequence space as observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideSeq {
    /// Sequence number after the highest byte (or SYN/FIN) this side sent.
    pub next: Option<u32>,
    /// The highest acknowledgement this side sent.
    pub ack: Option<u32>,
    /// Sequence number of this side's FIN, once seen.
    pub fin: Option<u32>,
    /// MSS announced in this side's SYN.
    pub mss: Option<u16>,
}

/// The TCP state of one flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpTrack {
    /// Which port the first segment we saw came from.
    pub initiator: Port,
    /// Whether the handshake was seen (false: picked up mid-stream).
    pub saw_handshake: bool,
    pub state: TcpState,
    /// The initiator's initial sequence number, if its SYN was seen.
    pub isn: Option<u32>,
    pub lan: SideSeq,
    pub wan: SideSeq,
}

impl TcpTrack {
    /// A flow starting with `seg`, which arrived on `port`.
    pub fn start(port: Port, seg: &TcpSeg<'_>) -> TcpTrack {
        let handshake = seg.flags.syn && !seg.flags.ack;
        let mut track = TcpTrack {
            initiator: port,
            saw_handshake: handshake,
            state: if handshake {
                TcpState::SynSent
            } else {
                TcpState::Established
            },
            isn: handshake.then_some(seg.seq),
            lan: SideSeq::default(),
            wan: SideSeq::default(),
        };
        track.observe(port, seg);
        track
    }

    pub fn side(&self, port: Port) -> &SideSeq {
        match port {
            Port::Lan => &self.lan,
            Port::Wan => &self.wan,
        }
    }

    fn side_mut(&mut self, port: Port) -> &mut SideSeq {
        match port {
            Port::Lan => &mut self.lan,
            Port::Wan => &mut self.wan,
        }
    }

    /// Whether the connection is over both ways: each side's FIN was
    /// acknowledged by the other (every byte before it too, so nothing of
    /// the stream can still be retransmitted to a peer that wants it).
    pub fn closed_both_ways(&self) -> bool {
        let acked = |fin: Option<u32>, ack: Option<u32>| match (fin, ack) {
            (Some(fin), Some(ack)) => seq::diff(ack, seq::add(fin, 1)) >= 0,
            _ => false,
        };
        acked(self.lan.fin, self.wan.ack) && acked(self.wan.fin, self.lan.ack)
    }

    /// Updates state and sequence numbers with a segment from `port`.
    pub fn observe(&mut self, port: Port, seg: &TcpSeg<'_>) {
        let side = self.side_mut(port);
        let end = seq::add(seg.seq, seg.seq_len());
        let sent_before = side.next;
        side.next = Some(side.next.map_or(end, |n| seq::max(n, end)));
        if seg.flags.ack {
            side.ack = Some(side.ack.map_or(seg.ack, |a| seq::max(a, seg.ack)));
        }
        if seg.flags.syn && seg.mss.is_some() {
            side.mss = seg.mss;
        }
        // The first FIN at the end of everything this side sent so far: a
        // stale one (below it, long acknowledged) must not count as a
        // close, or a sender could end inspection while the peer reads on.
        if seg.flags.fin && side.fin.is_none() && sent_before.is_none_or(|n| seq::diff(end, n) >= 0)
        {
            side.fin = Some(seq::add(seg.seq, seg.payload.len()));
        }
        self.state = match (self.state, seg.flags) {
            (_, f) if f.rst => TcpState::Closed,
            (TcpState::Closed, _) => TcpState::Closed,
            (_, f) if f.fin => TcpState::Closing,
            (TcpState::SynSent, f) if f.syn && f.ack && port != self.initiator => {
                TcpState::SynReceived
            }
            (TcpState::SynReceived, f) if f.ack && !f.syn && port == self.initiator => {
                TcpState::Established
            }
            (state, _) => state,
        };
    }
}

/// Sets `entry`'s deadline, moving its mark in `index` when the deadline
/// comes earlier than the mark. Returns whether the front mark (this
/// flow's) is no longer exact and must be settled; any other mark stays
/// where it is, later than or at its flow's deadline.
fn move_mark<V>(
    entry: &mut Entry<V>,
    index: &mut BTreeSet<(Instant, FlowKey)>,
    key: &FlowKey,
    deadline: Instant,
) -> bool {
    if entry.deadline == deadline {
        return false;
    }
    entry.deadline = deadline;
    if deadline < entry.marked {
        index.remove(&(entry.marked, *key));
        index.insert((deadline, *key));
        entry.marked = deadline;
        false
    } else {
        index.first().is_some_and(|(_, k)| k == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::Flags;

    fn key(n: u16) -> FlowKey {
        FlowKey {
            proto: Proto::Tcp,
            lan_ip: Ipv4Addr::new(192, 168, 1, 11),
            lan_port: n,
            wan_ip: Ipv4Addr::new(203, 0, 113, 5),
            wan_port: 80,
        }
    }

    #[test]
    fn keys_are_oriented_by_port() {
        let a = (Ipv4Addr::new(192, 168, 1, 11), 1030);
        let b = (Ipv4Addr::new(203, 0, 113, 5), 80);
        assert_eq!(
            FlowKey::oriented(Proto::Tcp, Port::Lan, a, b),
            FlowKey::oriented(Proto::Tcp, Port::Wan, b, a)
        );
    }

    #[test]
    fn expiry_and_bound() {
        let mut t = FlowTable::new(2);
        assert!(t.insert(key(1), "a", Instant::from_secs(10)).is_none());
        assert!(t.insert(key(2), "b", Instant::from_secs(5)).is_none());
        assert_eq!(t.next_deadline(), Some(Instant::from_secs(5)));
        // Full: the flow closest to expiry goes.
        let evicted = t.insert(key(3), "c", Instant::from_secs(20));
        assert_eq!(evicted, Some((key(2), "b")));
        t.set_deadline(&key(1), Instant::from_secs(30));
        let gone = t.expire(Instant::from_secs(25));
        assert_eq!(gone, vec![(key(3), "c")]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.remove(&key(1)), Some("a"));
        assert!(t.is_empty());
        assert_eq!(t.next_deadline(), None);
    }

    /// What the table does to its flows, for the model below.
    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, i64),
        SetDeadline(u16, i64),
        /// A value taken out, then put back with a new deadline.
        Restore(u16, i64),
        Remove(u16),
        Expire(i64),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        // Few keys and instants, so flows collide, deadlines tie and move
        // both ways.
        prop_oneof![
            (0u16..8, 0i64..40).prop_map(|(k, t)| Op::Insert(k, t)),
            (0u16..8, 0i64..40).prop_map(|(k, t)| Op::SetDeadline(k, t)),
            (0u16..8, 0i64..40).prop_map(|(k, t)| Op::Restore(k, t)),
            (0u16..8).prop_map(Op::Remove),
            (0i64..40).prop_map(Op::Expire),
        ]
    }

    /// The eager index the lazy one replaced: every flow at its deadline,
    /// the earliest `(deadline, key)` first.
    #[derive(Default)]
    struct Model {
        flows: BTreeMap<FlowKey, (u16, Instant)>,
    }

    impl Model {
        fn first(&self) -> Option<(Instant, FlowKey)> {
            self.flows.iter().map(|(k, (_, t))| (*t, *k)).min()
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// Evictions, expiries (and their order), the earliest deadline and
        /// every value are what the eager index gives, whatever the order of
        /// inserts, deadline moves, removals and expiries.
        #[test]
        fn lazy_index_agrees_with_an_eager_one(
            max in 1usize..6,
            ops in proptest::collection::vec(op(), 0..60),
        ) {
            let mut table = FlowTable::new(max);
            let mut model = Model::default();
            for op in ops {
                match op {
                    Op::Insert(k, t) => {
                        let t = Instant::from_secs(t);
                        let expected = if model.flows.remove(&key(k)).is_none() && model.flows.len() >= max {
                            model.first().and_then(|(_, evicted)| {
                                model.flows.remove(&evicted).map(|(v, _)| (evicted, v))
                            })
                        } else {
                            None
                        };
                        model.flows.insert(key(k), (k, t));
                        proptest::prop_assert_eq!(table.insert(key(k), k, t), expected);
                    }
                    Op::SetDeadline(k, t) => {
                        let t = Instant::from_secs(t);
                        if let Some(flow) = model.flows.get_mut(&key(k)) {
                            flow.1 = t;
                        }
                        table.set_deadline(&key(k), t);
                    }
                    Op::Restore(k, t) => {
                        let t = Instant::from_secs(t);
                        let present = model.flows.get_mut(&key(k)).map(|flow| {
                            flow.0 += 100;
                            flow.1 = t;
                        });
                        let taken = table.replace(&key(k), u16::MAX);
                        proptest::prop_assert_eq!(taken.is_some(), present.is_some());
                        let back = taken.map_or(k + 100, |v| v + 100);
                        let restored = table.restore(&key(k), back, t);
                        proptest::prop_assert_eq!(restored.is_ok(), present.is_some());
                    }
                    Op::Remove(k) => {
                        let expected = model.flows.remove(&key(k)).map(|(v, _)| v);
                        proptest::prop_assert_eq!(table.remove(&key(k)), expected);
                    }
                    Op::Expire(t) => {
                        let now = Instant::from_secs(t);
                        let mut expected: Vec<(Instant, FlowKey)> = model
                            .flows
                            .iter()
                            .filter(|(_, (_, d))| *d <= now)
                            .map(|(k, (_, d))| (*d, *k))
                            .collect();
                        expected.sort();
                        let expected: Vec<(FlowKey, u16)> = expected
                            .into_iter()
                            .filter_map(|(_, k)| model.flows.remove(&k).map(|(v, _)| (k, v)))
                            .collect();
                        proptest::prop_assert_eq!(table.expire(now), expected);
                    }
                }
                proptest::prop_assert_eq!(table.next_deadline(), model.first().map(|(t, _)| t));
                proptest::prop_assert_eq!(table.len(), model.flows.len());
                let values: Vec<u16> = table.values().copied().collect();
                let expected: Vec<u16> = model.flows.values().map(|(v, _)| *v).collect();
                proptest::prop_assert_eq!(values, expected);
            }
        }
    }

    fn seg(seq: u32, ack: u32, flags: Flags, payload: &[u8]) -> TcpSeg<'_> {
        TcpSeg {
            src_port: 0,
            dst_port: 0,
            seq,
            ack,
            flags,
            window: 0,
            mss: None,
            payload,
        }
    }

    #[test]
    fn tracks_handshake_and_sequence_numbers() {
        let syn = Flags {
            syn: true,
            ..Flags::default()
        };
        let synack = Flags {
            syn: true,
            ack: true,
            ..Flags::default()
        };
        let ack = Flags {
            ack: true,
            ..Flags::default()
        };
        let mut t = TcpTrack::start(Port::Lan, &seg(100, 0, syn, b""));
        assert_eq!(t.state, TcpState::SynSent);
        t.observe(Port::Wan, &seg(500, 101, synack, b""));
        assert_eq!(t.state, TcpState::SynReceived);
        t.observe(Port::Lan, &seg(101, 501, ack, b"GET"));
        assert_eq!(t.state, TcpState::Established);
        assert_eq!(t.lan.next, Some(104));
        assert_eq!(t.wan.next, Some(501));
        assert_eq!(t.lan.ack, Some(501));
        // A retransmission does not move `next` backwards.
        t.observe(Port::Lan, &seg(101, 501, ack, b"G"));
        assert_eq!(t.lan.next, Some(104));
        assert_eq!(t.isn, Some(100));
    }
}
