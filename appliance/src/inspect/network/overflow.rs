//! The flow table's overflow: episodes logged once with their counts, and
//! fail-open flows whose replies really pass; frames of a protocol the
//! gateway cannot inspect, passed and counted the same way.
//!
//! Fail-open means a new flow that finds the table full goes through
//! uninspected. Its replies come back on the WAN port with no flow state,
//! where the stateful firewall would drop them: so the flows passed this
//! way are remembered (bounded, idle ones forgotten) and their replies
//! forwarded too, counted as uninspected like the flow itself.
//!
//! An episode starts with the first flow the full table turns away and ends
//! once nothing has been turned away for [`EPISODE_QUIET`]: one event at the
//! start, one at the end with how many flows passed uninspected (or were
//! dropped), for how long, and the packets and bytes that passed with them.
//! A flood that keeps the table at its edge is then one episode, not one
//! event each time a slot frees and fills again. A flow is counted once,
//! however many of its packets find the table full.
//!
//! Frames that are neither IPv4 nor ARP (IPv6, VLAN tags, PPPoE) are
//! forwarded without any engine reading them: an [`Unsupported`] episode
//! counts them the same way, one event at its start and one at its end.

use crate::time::Instant;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How long nothing must be turned away before an episode ends.
pub const EPISODE_QUIET: Duration = Duration::from_secs(60);
/// How long a fail-open flow's replies are let through after its last packet.
pub const PASSED_IDLE: Duration = Duration::from_secs(300);
/// Fail-open flows remembered at most.
pub const MAX_PASSED: usize = 65_536;

/// A flow as the office host opened it: protocol, its side, the remote side.
pub type PassedKey = (u8, (Ipv4Addr, u16), (Ipv4Addr, u16));

/// One overflow episode so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    pub since: Instant,
    /// The last packet turned away (or, fail-open, passed as a reply).
    pub last: Instant,
    /// Flows turned away (passed uninspected or dropped), each once.
    pub flows: u64,
    /// Their packets turned away, and the replies passed (fail-open).
    pub packets: u64,
    /// The bytes of those packets (whole frames).
    pub bytes: u64,
}

/// The overflow's state.
#[derive(Debug, Default)]
pub struct Overflow {
    episode: Option<Episode>,
    /// Flows turned away, as their first packet named them, with their
    /// last activity: a flow counts once, and (fail-open) its replies pass.
    passed: BTreeMap<PassedKey, Instant>,
    /// When idle flows were last swept out of a full `passed`.
    swept: Option<Instant>,
}

impl Overflow {
    /// A packet of `key`'s flow (as its sender opened it) found the table
    /// full at `now`: whether this starts an episode. The flow counts once,
    /// also when its other end's packets find the table full too.
    pub fn turned_away(&mut self, now: Instant, key: PassedKey, bytes: usize) -> bool {
        let reverse = (key.0, key.2, key.1);
        let new_flow = !self.passed.contains_key(&key) && !self.passed.contains_key(&reverse);
        if new_flow {
            self.remember(key, now);
        } else if let Some(at) = self.passed.get_mut(&key) {
            *at = now;
        }
        let flows = u64::from(new_flow);
        match &mut self.episode {
            Some(ep) => {
                ep.last = now;
                ep.flows += flows;
                ep.packets += 1;
                ep.bytes += bytes as u64;
                false
            }
            None => {
                self.episode = Some(Episode {
                    since: now,
                    last: now,
                    flows,
                    packets: 1,
                    bytes: bytes as u64,
                });
                true
            }
        }
    }

    /// The episode, if one is going on.
    pub fn episode(&self) -> Option<Episode> {
        self.episode
    }

    /// When the episode going on ends if nothing more is turned away.
    pub fn due(&self) -> Option<Instant> {
        self.episode.map(|ep| ep.last + EPISODE_QUIET)
    }

    /// The clock reached `now` (a flow found room, or a poll): the episode
    /// this ends, if any.
    pub fn room(&mut self, now: Instant) -> Option<Episode> {
        let ep = self.episode?;
        if now.saturating_since(ep.last) < EPISODE_QUIET {
            return None;
        }
        self.episode = None;
        Some(ep)
    }

    /// A flow turned away at `now`: remembered, so it counts once and
    /// (fail-open) its replies may pass.
    fn remember(&mut self, key: PassedKey, now: Instant) {
        if self.passed.len() >= MAX_PASSED && !self.passed.contains_key(&key) {
            // Sweeping is linear: at most once a second, whatever the flood.
            if self
                .swept
                .is_none_or(|at| now.saturating_since(at) >= Duration::from_secs(1))
            {
                self.swept = Some(now);
                self.passed
                    .retain(|_, at| now.saturating_since(*at) < PASSED_IDLE);
            }
            if self.passed.len() >= MAX_PASSED {
                // Still full of live flows: forget the lowest key; its replies
                // meet the firewall, as they would have without fail-open.
                self.passed.pop_first();
            }
        }
        self.passed.insert(key, now);
    }

    /// Whether a packet from the WAN belongs to a flow the full table let
    /// through (`key` as the office host opened it); if so it counts as
    /// activity, and its bytes go to the episode going on.
    pub fn is_reply(&mut self, key: &PassedKey, now: Instant, bytes: usize) -> bool {
        match self.passed.get_mut(key) {
            Some(at) if now.saturating_since(*at) < PASSED_IDLE => {
                *at = now;
                if let Some(ep) = &mut self.episode {
                    ep.last = now;
                    ep.packets += 1;
                    ep.bytes += bytes as u64;
                }
                true
            }
            Some(_) => {
                self.passed.remove(key);
                false
            }
            None => false,
        }
    }
}

/// One episode of frames of a protocol the gateway does not inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsupportedEpisode {
    /// The EtherType of its first frame.
    pub ethertype: u16,
    pub since: Instant,
    pub last: Instant,
    pub frames: u64,
    pub bytes: u64,
}

/// Frames of protocols the gateway does not inspect, by episode.
#[derive(Debug, Default)]
pub struct Unsupported {
    episode: Option<UnsupportedEpisode>,
}

impl Unsupported {
    /// A frame of EtherType `ethertype` passed at `now`: whether this starts
    /// an episode.
    pub fn passed(&mut self, now: Instant, ethertype: u16, bytes: usize) -> bool {
        match &mut self.episode {
            Some(ep) => {
                ep.last = now;
                ep.frames += 1;
                ep.bytes += bytes as u64;
                false
            }
            None => {
                self.episode = Some(UnsupportedEpisode {
                    ethertype,
                    since: now,
                    last: now,
                    frames: 1,
                    bytes: bytes as u64,
                });
                true
            }
        }
    }

    /// When the episode going on ends if no more such frames come.
    pub fn due(&self) -> Option<Instant> {
        self.episode.map(|ep| ep.last + EPISODE_QUIET)
    }

    /// The clock reached `now`: the episode this ends, if any.
    pub fn quiet(&mut self, now: Instant) -> Option<UnsupportedEpisode> {
        let ep = self.episode?;
        if now.saturating_since(ep.last) < EPISODE_QUIET {
            return None;
        }
        self.episode = None;
        Some(ep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Instant {
        Instant::from_micros(1_506_000_000_000_000 + secs * 1_000_000)
    }

    /// Issue 15: a 10-minute flood logged 689,505 "flow table full" events,
    /// one each time a slot freed and filled again. Room for less than
    /// [`EPISODE_QUIET`] does not end the episode; room for longer ends it,
    /// once, with the count and the span.
    fn key(i: u32) -> PassedKey {
        (
            6,
            (Ipv4Addr::from(i), 1000),
            (Ipv4Addr::new(203, 0, 113, 1), 80),
        )
    }

    /// A flow whose packets (both ends) keep finding the table full counts
    /// once; its packets and bytes all count; replies are counted too.
    #[test]
    fn a_flow_counts_once_and_its_packets_and_replies_each() {
        let mut o = Overflow::default();
        let k = key(7);
        let back = (k.0, k.2, k.1);
        assert!(o.turned_away(at(0), k, 74));
        assert!(!o.turned_away(at(1), back, 60));
        assert!(!o.turned_away(at(2), k, 1000));
        assert!(o.is_reply(&k, at(3), 1500));
        assert!(!o.is_reply(&key(8), at(3), 1500));
        let ep = o.episode().expect("going on");
        assert_eq!(
            (ep.flows, ep.packets, ep.bytes),
            (1, 4, 74 + 60 + 1000 + 1500)
        );
        assert_eq!(o.due(), Some(at(3) + EPISODE_QUIET));
        assert_eq!(o.room(at(62)), None, "a reply is activity");
        assert!(o.room(at(63)).is_some());
    }

    #[test]
    fn unsupported_frames_are_one_episode_with_their_counts() {
        let mut u = Unsupported::default();
        assert!(u.passed(at(0), 0x86dd, 100));
        for s in 1..30 {
            assert!(!u.passed(at(s), 0x86dd, 100));
        }
        assert_eq!(u.quiet(at(29 + 59)), None);
        let ep = u.quiet(at(29 + 60)).expect("ended");
        assert_eq!((ep.ethertype, ep.frames, ep.bytes), (0x86dd, 30, 3000));
        assert_eq!(u.quiet(at(200)), None);
    }

    #[test]
    fn a_flood_at_the_tables_edge_is_one_episode_with_its_count() {
        let mut o = Overflow::default();
        let mut starts = 0;
        let mut ends = Vec::new();
        for s in 0..600 {
            // Full on even seconds, a slot free on odd ones.
            if s % 2 == 0 {
                starts += u32::from(o.turned_away(at(s), key(s as u32), 60));
            } else {
                ends.extend(o.room(at(s)));
            }
        }
        assert_eq!(starts, 1);
        assert!(ends.is_empty(), "{ends:?}");
        assert_eq!(
            o.room(at(598 + 59)),
            None,
            "59 s of room: still the episode"
        );
        let ep = o.room(at(598 + 60)).expect("60 s of room end it");
        assert_eq!(
            (ep.flows, ep.packets, ep.bytes, ep.since, ep.last),
            (300, 300, 300 * 60, at(0), at(598))
        );
        assert_eq!(o.room(at(700)), None, "ended once");
        assert!(
            o.turned_away(at(701), key(1), 60),
            "the next overflow is a new episode"
        );
    }

    #[test]
    fn passed_flows_are_bounded_and_forgotten_when_idle() {
        let mut o = Overflow::default();
        for i in 0..(MAX_PASSED as u32 + 10) {
            o.turned_away(at(0), key(i), 60);
        }
        assert!(o.passed.len() <= MAX_PASSED);
        let last = key(MAX_PASSED as u32 + 9);
        assert!(o.is_reply(&last, at(299), 60));
        assert!(
            !o.is_reply(&last, at(299 + 300), 60),
            "idle for 300 s: forgotten"
        );
        assert!(!o.is_reply(&key(1), at(1), 60) || o.passed.len() <= MAX_PASSED);
    }
}
