//! DoS protection: SYN, UDP and ICMP floods, counted in packets per second
//! per destination address.
//!
//! Counting is in whole seconds of the gateway's clock (fixed buckets, so a
//! replay counts the same). A destination whose count of one kind passes the
//! threshold within a second is *in an episode*: the packets beyond the
//! threshold in each second are dropped (or only counted, in monitor mode),
//! and one event is logged when the episode starts, naming the kind, the
//! rate and the source of the packet that tipped it. The episode ends after
//! `quiet_secs` seconds at or under the threshold; the next flood is a new
//! episode and a new event. The table of destinations is bounded: when it is
//! full, the destination seen longest ago is forgotten.

pub use crate::config::dos::{DosAction, DosPolicy, FloodKind};
use crate::reason::Reason;
use crate::time::Instant;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Destinations tracked at once.
const MAX_TRACKED: usize = 4096;

#[derive(Clone, Copy, Debug)]
struct Counter {
    second: i64,
    count: u32,
    /// The last second whose count passed the threshold, while in an episode.
    episode_last_hot: Option<i64>,
}

/// What the engine says about one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DosVerdict {
    Pass,
    /// Over the threshold: drop it (policy `drop`).
    Drop,
    /// An episode started with this packet: log it (and drop it if the
    /// policy drops).
    EpisodeStart {
        reasons: Vec<Reason>,
        drop: bool,
    },
}

/// Per-destination counters.
#[derive(Debug, Default)]
pub struct DosState {
    counters: BTreeMap<(Ipv4Addr, FloodKind), Counter>,
    last_sweep: Option<i64>,
    /// Packets dropped by this engine.
    pub dropped: u64,
}

impl DosState {
    pub fn check(
        &mut self,
        policy: &DosPolicy,
        now: Instant,
        kind: FloodKind,
        dst: Ipv4Addr,
    ) -> DosVerdict {
        if !policy.enabled {
            return DosVerdict::Pass;
        }
        let second = now.as_micros().div_euclid(1_000_000);
        let limit = policy.threshold(kind);
        if self.counters.len() >= MAX_TRACKED && !self.counters.contains_key(&(dst, kind)) {
            // Sweep out quiet destinations at most once a second; if all
            // are busy, forget an arbitrary (the lowest-keyed) one.
            if self.last_sweep != Some(second) {
                self.last_sweep = Some(second);
                let keep = i64::from(policy.quiet_secs) + 1;
                self.counters.retain(|_, c| second - c.second <= keep);
            }
            if self.counters.len() >= MAX_TRACKED {
                self.counters.pop_first();
            }
        }
        let c = self.counters.entry((dst, kind)).or_insert(Counter {
            second,
            count: 0,
            episode_last_hot: None,
        });
        if c.second != second {
            c.second = second;
            c.count = 0;
        }
        if let Some(hot) = c.episode_last_hot
            && second - hot > i64::from(policy.quiet_secs)
        {
            c.episode_last_hot = None;
        }
        c.count = c.count.saturating_add(1);
        if c.count <= limit {
            return DosVerdict::Pass;
        }
        let drop = policy.action == DosAction::Drop;
        let started = c.episode_last_hot.is_none();
        c.episode_last_hot = Some(second);
        if drop {
            self.dropped += 1;
        }
        if started {
            DosVerdict::EpisodeStart {
                reasons: vec![
                    Reason::Flood { kind },
                    Reason::RateExceeded { limit, dst },
                    Reason::Excess { dropped: drop },
                ],
                drop,
            }
        } else if drop {
            DosVerdict::Drop
        } else {
            DosVerdict::Pass
        }
    }

    /// Destinations being counted (bounded).
    pub fn tracked(&self) -> usize {
        self.counters.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DST: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 3);

    fn at_ms(ms: i64) -> Instant {
        Instant::from_micros(ms * 1000)
    }

    #[test]
    fn one_event_per_episode_and_excess_dropped() {
        let policy = DosPolicy {
            syn_pps: 100,
            ..DosPolicy::default()
        };
        let mut s = DosState::default();
        let (mut events, mut dropped, mut passed) = (0, 0, 0);
        // 5 seconds at 1,000 SYN/s.
        for i in 0..5000 {
            match s.check(&policy, at_ms(i), FloodKind::Syn, DST) {
                DosVerdict::Pass => passed += 1,
                DosVerdict::Drop => dropped += 1,
                DosVerdict::EpisodeStart { drop, .. } => {
                    events += 1;
                    assert!(drop);
                    dropped += 1;
                }
            }
        }
        assert_eq!(events, 1);
        assert_eq!(passed, 500, "the threshold's worth passes each second");
        assert_eq!(dropped, 4500);
        // Quiet for 20 s, then another flood: a second episode.
        let mut again = 0;
        for i in 0..1000 {
            if let DosVerdict::EpisodeStart { .. } =
                s.check(&policy, at_ms(25_000 + i), FloodKind::Syn, DST)
            {
                again += 1;
            }
        }
        assert_eq!(again, 1);
    }

    #[test]
    fn below_threshold_and_other_kinds_pass() {
        let policy = DosPolicy::default();
        let mut s = DosState::default();
        for i in 0..10_000 {
            // 100 pps, well under every threshold.
            let v = s.check(&policy, at_ms(i * 10), FloodKind::Icmp, DST);
            assert_eq!(v, DosVerdict::Pass);
        }
    }

    #[test]
    fn tracking_is_bounded() {
        let policy = DosPolicy::default();
        let mut s = DosState::default();
        for i in 0..20_000u32 {
            let dst = Ipv4Addr::from(0x0a00_0000 + i);
            s.check(&policy, at_ms(i64::from(i)), FloodKind::Udp, dst);
        }
        assert!(s.tracked() <= MAX_TRACKED);
    }
}
