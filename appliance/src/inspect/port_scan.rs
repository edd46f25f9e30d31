//! Port scans and worm-like sweeps: one source trying many ports of one
//! host (a vertical scan), or one port on many hosts (a sweep; on the
//! Windows file-sharing ports 445/139/135 from an office PC it is how worms
//! such as WannaCry spread).
//!
//! A probe is a TCP SYN (without ACK) or a UDP datagram. Per source the
//! engine remembers, within a fixed window opened by its first probe, the
//! distinct ports per destination and the distinct destinations per port,
//! each set capped at its threshold so memory per source is bounded. When a
//! set reaches its threshold the source is in an *episode*: one event, and
//! (policy `block`) its further probes of that kind are dropped until it has
//! been quiet for a whole window. The table of sources is bounded too.

pub use crate::config::port_scan::{ScanAction, ScanPolicy};
use crate::reason::{Reason, Transport};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

/// What a detection was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanKind {
    /// Many ports of `dst`.
    PortScan { dst: Ipv4Addr },
    /// Many hosts on `port`; `worm` if it is a worm port.
    Sweep { port: u16, worm: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanVerdict {
    Pass,
    /// A probe of a source in a blocked episode.
    Drop,
    /// An episode starts with this probe.
    Detected {
        kind: ScanKind,
        reasons: Vec<Reason>,
        drop: bool,
    },
}

const MAX_SOURCES: usize = 4096;
/// Destinations (or ports) remembered per source and window.
const MAX_KEYS_PER_SOURCE: usize = 256;

#[derive(Debug, Default)]
struct Source {
    window_start: Option<Instant>,
    last_probe: Option<Instant>,
    ports_by_dst: BTreeMap<Ipv4Addr, BTreeSet<u16>>,
    dsts_by_port: BTreeMap<u16, BTreeSet<Ipv4Addr>>,
    scanning: bool,
    sweeping: bool,
}

/// Per-source probe sets.
#[derive(Debug, Default)]
pub struct ScanState {
    sources: BTreeMap<Ipv4Addr, Source>,
    last_sweep: Option<i64>,
}

impl ScanState {
    pub fn probe(
        &mut self,
        policy: &ScanPolicy,
        now: Instant,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        port: u16,
        udp: bool,
    ) -> ScanVerdict {
        if !policy.enabled {
            return ScanVerdict::Pass;
        }
        let window = Duration::from_secs(policy.window_secs.max(1));
        self.bound(now, window, src);
        let s = self.sources.entry(src).or_default();
        // Quiet for a whole window: the episode (if any) is over.
        if s.last_probe
            .is_some_and(|last| now.saturating_since(last) >= window)
        {
            s.scanning = false;
            s.sweeping = false;
        }
        s.last_probe = Some(now);
        if s.window_start
            .is_none_or(|start| now.saturating_since(start) >= window)
        {
            s.window_start = Some(now);
            s.ports_by_dst.clear();
            s.dsts_by_port.clear();
        }
        let drop = policy.action == ScanAction::Block;
        let worm = policy.worm_ports.contains(&port);
        if (s.scanning || (s.sweeping && worm)) && drop {
            return ScanVerdict::Drop;
        }
        let transport = if udp { Transport::Udp } else { Transport::Tcp };
        let secs = policy.window_secs;
        if !s.scanning {
            let n = insert_capped(&mut s.ports_by_dst, dst, port, policy.ports);
            if n >= policy.ports {
                s.scanning = true;
                return ScanVerdict::Detected {
                    kind: ScanKind::PortScan { dst },
                    reasons: vec![
                        Reason::PortScan,
                        Reason::PortsProbed {
                            count: n,
                            transport,
                            dst,
                            secs,
                        },
                    ],
                    drop,
                };
            }
        }
        if !s.sweeping {
            let n = insert_capped(&mut s.dsts_by_port, port, dst, policy.hosts);
            if n >= policy.hosts {
                s.sweeping = true;
                return ScanVerdict::Detected {
                    kind: ScanKind::Sweep { port, worm },
                    reasons: vec![
                        Reason::Sweep { worm },
                        Reason::HostsProbed {
                            count: n,
                            transport,
                            port,
                            secs,
                        },
                    ],
                    drop: drop && worm,
                };
            }
        }
        ScanVerdict::Pass
    }

    /// Sources tracked (bounded).
    pub fn tracked(&self) -> usize {
        self.sources.len()
    }

    fn bound(&mut self, now: Instant, window: Duration, src: Ipv4Addr) {
        if self.sources.len() < MAX_SOURCES || self.sources.contains_key(&src) {
            return;
        }
        let second = now.as_secs();
        if self.last_sweep != Some(second) {
            self.last_sweep = Some(second);
            self.sources.retain(|_, s| {
                s.last_probe
                    .is_some_and(|last| now.saturating_since(last) < window)
            });
        }
        if self.sources.len() >= MAX_SOURCES {
            self.sources.pop_first();
        }
    }
}

/// Adds `value` to `key`'s set unless the set is already at `cap` (or the
/// map at its own cap); returns the set's size.
fn insert_capped<K: Ord + Copy, V: Ord>(
    map: &mut BTreeMap<K, BTreeSet<V>>,
    key: K,
    value: V,
    cap: usize,
) -> usize {
    if !map.contains_key(&key) && map.len() >= MAX_KEYS_PER_SOURCE {
        return 0;
    }
    let set = map.entry(key).or_default();
    if set.len() < cap.max(1) {
        set.insert(value);
    }
    set.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCANNER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);
    const NAS: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);

    fn at_ms(ms: i64) -> Instant {
        Instant::from_micros(ms * 1000)
    }

    #[test]
    fn a_vertical_scan_is_one_episode() {
        let policy = ScanPolicy::default();
        let mut s = ScanState::default();
        let mut detections = Vec::new();
        for port in 1..=1024u16 {
            if let ScanVerdict::Detected { kind, reasons, .. } = s.probe(
                &policy,
                at_ms(i64::from(port) * 5),
                SCANNER,
                NAS,
                port,
                false,
            ) {
                detections.push((port, kind, reasons));
            }
        }
        assert_eq!(detections.len(), 1);
        assert_eq!(detections[0].0, 20);
        assert_eq!(detections[0].1, ScanKind::PortScan { dst: NAS });
        assert_eq!(
            detections[0].2[1].to_string(),
            "20 TCP ports of 192.168.1.2 within 60s"
        );
    }

    #[test]
    fn a_worm_sweep_on_445_is_reported_and_blocked() {
        let policy = ScanPolicy::default();
        let mut s = ScanState::default();
        let pc = Ipv4Addr::new(192, 168, 1, 11);
        let mut found = None;
        let mut dropped = 0;
        for i in 0..200u32 {
            let dst = Ipv4Addr::from(0xc633_6400 + i); // 198.51.100.x
            match s.probe(&policy, at_ms(i64::from(i) * 50), pc, dst, 445, false) {
                ScanVerdict::Detected { kind, drop, .. } => {
                    assert!(drop);
                    found = Some((i, kind));
                }
                ScanVerdict::Drop => dropped += 1,
                ScanVerdict::Pass => {}
            }
        }
        assert_eq!(
            found,
            Some((
                19,
                ScanKind::Sweep {
                    port: 445,
                    worm: true
                }
            ))
        );
        assert_eq!(dropped, 180);
    }

    #[test]
    fn ordinary_browsing_is_not_a_scan() {
        let policy = ScanPolicy::default();
        let mut s = ScanState::default();
        let pc = Ipv4Addr::new(192, 168, 1, 12);
        // Ten sites, ports 80 and 443, a hundred connections a minute.
        for i in 0..6000i64 {
            let dst = Ipv4Addr::new(192, 0, 2, (i % 10) as u8);
            let port = if i % 2 == 0 { 80 } else { 443 };
            assert_eq!(
                s.probe(&policy, at_ms(i * 600), pc, dst, port, false),
                ScanVerdict::Pass
            );
        }
    }

    #[test]
    fn sources_are_bounded() {
        let policy = ScanPolicy::default();
        let mut s = ScanState::default();
        for i in 0..50_000u32 {
            s.probe(
                &policy,
                at_ms(i64::from(i)),
                Ipv4Addr::from(i),
                NAS,
                80,
                false,
            );
        }
        assert!(s.tracked() <= MAX_SOURCES);
    }
}
