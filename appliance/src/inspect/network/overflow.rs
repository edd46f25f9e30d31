//! The flow table's overflow: episodes logged once with their counts, and
//! fail-open flows whose replies really pass.
//!
//! Fail-open means a new flow that finds the table full goes through
//! uninspected. Its replies come back on the WAN port with no flow state,
//! where the stateful firewall would drop them: so the flows passed this
//! way are remembered (bounded, idle ones forgotten) and their replies
//! forwarded too, counted as uninspected like the flow itself.
//!
//! An episode starts with the first flow the full table turns away and ends
//! once the table has had room for [`EPISODE_QUIET`]: one event at the start,
//! one at the end with how many flows passed uninspected (or were dropped)
//! and for how long. A flood that keeps the table at its edge is then one
//! episode, not one event each time a slot frees and fills again.

use crate::time::Instant;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How long the table must have room before an episode ends.
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
    /// The last flow turned away.
    pub last: Instant,
    /// Flows turned away (passed uninspected or dropped).
    pub flows: u64,
}

/// The overflow's state.
#[derive(Debug, Default)]
pub struct Overflow {
    episode: Option<Episode>,
    passed: BTreeMap<PassedKey, Instant>,
}

impl Overflow {
    /// A flow found the table full at `now`: whether this starts an episode.
    pub fn turned_away(&mut self, now: Instant) -> bool {
        match &mut self.episode {
            Some(ep) => {
                ep.last = now;
                ep.flows += 1;
                false
            }
            None => {
                self.episode = Some(Episode {
                    since: now,
                    last: now,
                    flows: 1,
                });
                true
            }
        }
    }

    /// A flow found room at `now`: the episode that this ends, if any.
    pub fn room(&mut self, now: Instant) -> Option<Episode> {
        let ep = self.episode?;
        if now.saturating_since(ep.last) < EPISODE_QUIET {
            return None;
        }
        self.episode = None;
        Some(ep)
    }

    /// A fail-open flow opened by the office host: its replies may pass.
    pub fn remember(&mut self, key: PassedKey, now: Instant) {
        if self.passed.len() >= MAX_PASSED && !self.passed.contains_key(&key) {
            self.passed
                .retain(|_, at| now.saturating_since(*at) < PASSED_IDLE);
            if self.passed.len() >= MAX_PASSED {
                // Still full of live flows: forget the lowest key; its replies
                // meet the firewall, as they would have without fail-open.
                self.passed.pop_first();
            }
        }
        self.passed.insert(key, now);
    }

    /// Whether a packet from the WAN belongs to a fail-open flow (`key` as the
    /// office host opened it); if so it counts as activity.
    pub fn is_reply(&mut self, key: &PassedKey, now: Instant) -> bool {
        match self.passed.get_mut(key) {
            Some(at) if now.saturating_since(*at) < PASSED_IDLE => {
                *at = now;
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
    #[test]
    fn a_flood_at_the_tables_edge_is_one_episode_with_its_count() {
        let mut o = Overflow::default();
        let mut starts = 0;
        let mut ends = Vec::new();
        for s in 0..600 {
            // Full on even seconds, a slot free on odd ones.
            if s % 2 == 0 {
                starts += u32::from(o.turned_away(at(s)));
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
        assert_eq!((ep.flows, ep.since, ep.last), (300, at(0), at(598)));
        assert_eq!(o.room(at(700)), None, "ended once");
        assert!(o.turned_away(at(701)), "the next overflow is a new episode");
    }

    #[test]
    fn passed_flows_are_bounded_and_forgotten_when_idle() {
        let mut o = Overflow::default();
        let key = |i: u32| {
            (
                6,
                (Ipv4Addr::from(i), 1000),
                (Ipv4Addr::new(203, 0, 113, 1), 80),
            )
        };
        for i in 0..(MAX_PASSED as u32 + 10) {
            o.remember(key(i), at(0));
        }
        assert!(o.passed.len() <= MAX_PASSED);
        let last = key(MAX_PASSED as u32 + 9);
        assert!(o.is_reply(&last, at(299)));
        assert!(
            !o.is_reply(&last, at(299 + 300)),
            "idle for 300 s: forgotten"
        );
        assert!(!o.is_reply(&key(1), at(1)) || o.passed.len() <= MAX_PASSED);
    }
}
