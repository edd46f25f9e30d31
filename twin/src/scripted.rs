//! Scripted traffic: packet sequences synthesised directly, where a full
//! TCP stack would add nothing (DESIGN.md allows it): port scans, SYN
//! floods, worm sweeps, and a device joining the LAN that is not one of the
//! office's hosts (FAQ Q2).
//!
//! Each sequence is paced by its rate on the virtual clock and draws its
//! ports, sequence numbers and spoofed sources from its own ChaCha stream
//! (scenario seed, `SCRIPTED_STREAMS + index`), so a run stays a pure
//! function of the scenario. Packets are emitted in batches of at most
//! [`TICK`] worth, so a flood of thousands of packets a second costs one
//! agenda entry per tick, not per packet.

use crate::actor::{SCRIPTED_STREAMS, stream_rng};
use crate::frame::{self, End};
use crate::model::{Mac, ScriptedKind, ScriptedSpec};
use appliance::Instant;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::net::Ipv4Addr;
use std::time::Duration;

/// The longest stretch of packets emitted by one wake-up.
pub const TICK: Duration = Duration::from_millis(10);

/// Which side of the gateway a frame enters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// From an office host's switch port.
    Host(usize),
    /// From a device on the LAN without a host of its own: straight onto
    /// the LAN link.
    Lan,
    /// From the internet, onto the WAN link.
    Wan,
}

/// One running sequence.
#[derive(Debug)]
pub struct Scripted {
    spec: ScriptedSpec,
    entry: Entry,
    src_ip: Ipv4Addr,
    src_mac: Mac,
    rng: ChaCha8Rng,
    /// Packets sent so far.
    sent: u64,
    /// Total to send, if bounded.
    total: Option<u64>,
    ident: u16,
}

impl Scripted {
    pub fn new(
        index: usize,
        spec: &ScriptedSpec,
        entry: Entry,
        src_ip: Ipv4Addr,
        src_mac: Mac,
        seed: u64,
    ) -> Scripted {
        let total = match &spec.kind {
            ScriptedKind::PortScan { first, last, .. } => Some(u64::from(last - first) + 1),
            ScriptedKind::SynFlood { rate, duration, .. } => {
                Some((u128::from(*rate) * duration.as_micros() / 1_000_000) as u64)
            }
            ScriptedKind::Worm { count, .. } => Some(u64::from(*count)),
            ScriptedKind::NewDevice { .. } | ScriptedKind::Ntp { .. } => None,
        };
        Scripted {
            spec: spec.clone(),
            entry,
            src_ip,
            src_mac,
            rng: stream_rng(seed, SCRIPTED_STREAMS + index as u64),
            sent: 0,
            total,
            ident: 1,
        }
    }

    pub fn entry(&self) -> Entry {
        self.entry
    }

    pub fn start(&self) -> Instant {
        self.spec.start
    }

    /// The frames due at `now` (addressed with `mac_of`: the MAC a frame to
    /// an address is sent to), and when to wake next.
    pub fn fire(
        &mut self,
        now: Instant,
        mac_of: &dyn Fn(Ipv4Addr) -> Mac,
    ) -> (Vec<Vec<u8>>, Option<Instant>) {
        let start = self.spec.start;
        let mut frames = Vec::new();
        let kind = self.spec.kind.clone();
        match kind {
            ScriptedKind::NewDevice {
                hostname,
                vendor_class,
                visit,
                interval,
            } => {
                if self.sent == 0 {
                    frames.push(self.arp_announce());
                    frames.push(self.dhcp_request(&hostname, &vendor_class));
                }
                let port = 49152 + self.rng.random_range(0..16384u16);
                let seq = self.rng.random::<u32>();
                frames.push(self.syn(visit, mac_of(visit), port, 80, seq, self.src_ip));
                self.sent += 1;
                (frames, Some(now + interval.max(Duration::from_millis(1))))
            }
            ScriptedKind::Ntp {
                server,
                min_poll,
                max_poll,
            } => {
                let from = End {
                    mac: self.src_mac,
                    ip: self.src_ip,
                    port: crate::ntp::PORT,
                };
                let to = End {
                    mac: mac_of(server),
                    ip: server,
                    port: crate::ntp::PORT,
                };
                frames.push(frame::udp(
                    &from,
                    &to,
                    &crate::ntp::request(now.as_micros()),
                ));
                let next = now + crate::ntp::poll(self.sent, min_poll, max_poll);
                self.sent += 1;
                (frames, Some(next))
            }
            ScriptedKind::PortScan { rate, .. }
            | ScriptedKind::SynFlood { rate, .. }
            | ScriptedKind::Worm { rate, .. } => {
                let rate = u64::from(rate.max(1));
                let until = now + TICK;
                let total = self.total.unwrap_or(0);
                // Packet n is due at start + n / rate.
                while self.sent < total {
                    let due = start + Duration::from_micros(self.sent * 1_000_000 / rate);
                    if due > now {
                        break;
                    }
                    let n = self.sent;
                    frames.push(self.packet(&kind, n, mac_of));
                    self.sent += 1;
                    if due >= until {
                        break;
                    }
                }
                if self.sent >= total {
                    return (frames, None);
                }
                let next = start + Duration::from_micros(self.sent * 1_000_000 / rate);
                (frames, Some(next.max(now + Duration::from_micros(1))))
            }
        }
    }

    fn packet(&mut self, kind: &ScriptedKind, n: u64, mac_of: &dyn Fn(Ipv4Addr) -> Mac) -> Vec<u8> {
        let sport = 1024 + self.rng.random_range(0..60000u16);
        let seq = self.rng.random::<u32>();
        match kind {
            ScriptedKind::PortScan { target, first, .. } => {
                let port = first.saturating_add(n as u16);
                // A scanner keeps one source port (nmap's SYN scan does).
                let sport = 40000 + (self.ident % 16);
                self.syn(*target, mac_of(*target), sport, port, seq, self.src_ip)
            }
            ScriptedKind::SynFlood {
                target,
                port,
                spoof,
                ..
            } => {
                let src = match spoof {
                    Some((net, prefix)) => random_in(&mut self.rng, *net, *prefix),
                    None => self.src_ip,
                };
                self.syn(*target, mac_of(*target), sport, *port, seq, src)
            }
            ScriptedKind::Worm { port, targets, .. } => {
                let dst = nth_in(targets.0, targets.1, n);
                self.syn(dst, mac_of(dst), sport, *port, seq, self.src_ip)
            }
            ScriptedKind::NewDevice { .. } | ScriptedKind::Ntp { .. } => Vec::new(),
        }
    }

    fn syn(
        &mut self,
        dst: Ipv4Addr,
        dst_mac: Mac,
        sport: u16,
        dport: u16,
        seq: u32,
        src: Ipv4Addr,
    ) -> Vec<u8> {
        self.ident = self.ident.wrapping_add(1);
        let from = End {
            mac: self.src_mac,
            ip: src,
            port: sport,
        };
        let to = End {
            mac: dst_mac,
            ip: dst,
            port: dport,
        };
        frame::tcp_syn(&from, &to, seq, self.ident)
    }

    /// A gratuitous ARP request announcing the device's address.
    fn arp_announce(&self) -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&self.src_mac.0);
        f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
        f.extend_from_slice(&self.src_mac.0);
        f.extend_from_slice(&self.src_ip.octets());
        f.extend_from_slice(&[0; 6]);
        f.extend_from_slice(&self.src_ip.octets());
        f.resize(60, 0);
        f
    }

    /// A DHCPREQUEST broadcast with the device's name and vendor class.
    fn dhcp_request(&mut self, hostname: &str, vendor_class: &str) -> Vec<u8> {
        let mut bootp = vec![0u8; 240];
        bootp[0] = 1;
        bootp[1] = 1;
        bootp[2] = 6;
        bootp[4..8].copy_from_slice(&self.rng.random::<u32>().to_be_bytes());
        bootp[28..34].copy_from_slice(&self.src_mac.0);
        bootp[236..240].copy_from_slice(&[99, 130, 83, 99]);
        bootp.extend_from_slice(&[53, 1, 3]);
        bootp.extend_from_slice(&[50, 4]);
        bootp.extend_from_slice(&self.src_ip.octets());
        for (code, value) in [(12u8, hostname), (60u8, vendor_class)] {
            let v = &value.as_bytes()[..value.len().min(255)];
            bootp.push(code);
            bootp.push(v.len() as u8);
            bootp.extend_from_slice(v);
        }
        bootp.push(255);
        let from = End {
            mac: self.src_mac,
            ip: Ipv4Addr::UNSPECIFIED,
            port: 68,
        };
        let to = End {
            mac: Mac([0xff; 6]),
            ip: Ipv4Addr::BROADCAST,
            port: 67,
        };
        frame::udp(&from, &to, &bootp)
    }
}

fn host_bits(prefix: u8) -> u32 {
    if prefix >= 32 { 0 } else { u32::MAX >> prefix }
}

/// A random address in `net/prefix`, avoiding the network and broadcast
/// addresses of networks that have them.
fn random_in(rng: &mut ChaCha8Rng, net: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = host_bits(prefix);
    let base = u32::from(net) & !bits;
    if bits < 3 {
        return Ipv4Addr::from(base | (rng.random::<u32>() & bits));
    }
    Ipv4Addr::from(base | (1 + rng.random_range(0..bits - 1)))
}

/// The `n`-th host address of `net/prefix`, wrapping.
fn nth_in(net: Ipv4Addr, prefix: u8, n: u64) -> Ipv4Addr {
    let bits = host_bits(prefix);
    let base = u32::from(net) & !bits;
    if bits < 3 {
        return Ipv4Addr::from(base | (n as u32 & bits));
    }
    Ipv4Addr::from(base | (1 + (n % u64::from(bits - 1)) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Read, read};
    use crate::model::Origin;

    fn spec(kind: ScriptedKind) -> ScriptedSpec {
        ScriptedSpec {
            origin: Origin::Internet(Ipv4Addr::new(203, 0, 113, 66)),
            start: Instant::from_secs(1000),
            kind,
        }
    }

    fn run(s: &mut Scripted) -> Vec<(Instant, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = Some(s.start());
        let mut guard = 0;
        while let Some(now) = at {
            let (frames, next) = s.fire(now, &|_| Mac([2, 0, 0, 0, 0, 9]));
            out.extend(frames.into_iter().map(|f| (now, f)));
            at = next;
            guard += 1;
            assert!(guard < 100_000);
        }
        out
    }

    #[test]
    fn a_scan_sends_each_port_once_at_its_rate() {
        let mut s = Scripted::new(
            0,
            &spec(ScriptedKind::PortScan {
                target: Ipv4Addr::new(192, 168, 1, 2),
                first: 1,
                last: 1024,
                rate: 100,
            }),
            Entry::Wan,
            Ipv4Addr::new(203, 0, 113, 66),
            Mac([2, 0, 0, 0, 0, 1]),
            7,
        );
        let frames = run(&mut s);
        assert_eq!(frames.len(), 1024);
        let ports: Vec<u16> = frames
            .iter()
            .map(|(_, f)| match read(f) {
                Some(Read::Tcp {
                    dst_port,
                    syn: true,
                    ..
                }) => dst_port,
                other => panic!("not a SYN: {other:?}"),
            })
            .collect();
        assert_eq!(ports, (1..=1024).collect::<Vec<_>>());
        let last = frames.last().map(|(t, _)| *t).expect("frames");
        assert_eq!(
            last.as_micros() - s.start().as_micros(),
            10_230_000,
            "1,024 ports at 100/s"
        );
    }

    #[test]
    fn a_flood_is_spoofed_within_its_network_and_reproducible() {
        let kind = ScriptedKind::SynFlood {
            target: Ipv4Addr::new(192, 168, 1, 3),
            port: 80,
            rate: 5000,
            duration: Duration::from_secs(2),
            spoof: Some((Ipv4Addr::new(198, 51, 100, 0), 24)),
        };
        let make = || {
            Scripted::new(
                1,
                &spec(kind.clone()),
                Entry::Wan,
                Ipv4Addr::new(203, 0, 113, 66),
                Mac([2, 0, 0, 0, 0, 1]),
                9,
            )
        };
        let a = run(&mut make());
        let b = run(&mut make());
        assert_eq!(a.len(), 10_000);
        assert_eq!(a, b);
        for (_, f) in &a {
            let Some(Read::Tcp { src, .. }) = read(f) else {
                panic!("bad frame")
            };
            assert_eq!(src.octets()[..3], [198, 51, 100]);
        }
    }

    #[test]
    fn a_new_device_announces_itself_then_calls_out() {
        let kind = ScriptedKind::NewDevice {
            hostname: "Galaxy-S9".into(),
            vendor_class: "android-dhcp-9".into(),
            visit: Ipv4Addr::new(192, 0, 2, 10),
            interval: Duration::from_secs(60),
        };
        let mut s = Scripted::new(
            2,
            &spec(kind),
            Entry::Lan,
            Ipv4Addr::new(192, 168, 1, 120),
            Mac([0x28, 0x6c, 0x07, 1, 2, 3]),
            1,
        );
        let (frames, next) = s.fire(s.start(), &|_| Mac([2, 0, 0, 0, 0, 9]));
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0][12..14], [0x08, 0x06]);
        assert!(
            matches!(read(&frames[1]), Some(Read::Udp { dst_port: 67, .. })),
            "DHCP checksums are valid"
        );
        assert_eq!(next, Some(s.start() + Duration::from_secs(60)));
    }
}
