//! A realistic traffic generator for the benches: captures written frame by
//! frame to disk (plain pcap, valid checksums), never held whole in memory.
//!
//! Shared by the benches that need traffic (`#[path]`-included): this file
//! holds the capture writer and the TCP conversation builder (a client on
//! the office LAN, a server on the internet, three-way handshake, data in
//! MSS-sized segments acknowledged every second segment as stacks do, FIN
//! both ways); [`kinds`] builds whole captures from them (an office day with
//! TLS, large downloads, mail and DNS; 1 MB downloads; mail; the corpus's
//! real evasion captures repeated).

#![allow(dead_code)]

pub mod kinds;
pub mod twin_day;

use appliance::wire::forge::{self, Endpoints, TcpSpec};
use appliance::wire::frame::{Flags, Mac};
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// A pcap being written: the global header, then one record per frame.
/// Timestamps never go backwards (a frame stamped earlier than the one
/// before it gets the previous time), so merged sources stay ordered.
pub struct Pcap<W: Write> {
    out: W,
    pub frames: u64,
    pub bytes: u64,
    last_us: i64,
}

impl<W: Write> Pcap<W> {
    /// Starts a capture of Ethernet frames on `out`.
    pub fn new(mut out: W) -> io::Result<Pcap<W>> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        out.write_all(&h)?;
        Ok(Pcap {
            out,
            frames: 0,
            bytes: 0,
            last_us: 0,
        })
    }

    /// Writes `frame` captured at `us` (µs since the epoch).
    pub fn frame(&mut self, us: i64, frame: &[u8]) -> io::Result<()> {
        let us = us.max(self.last_us);
        self.last_us = us;
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&(us.div_euclid(1_000_000) as u32).to_le_bytes());
        rec[4..8].copy_from_slice(&(us.rem_euclid(1_000_000) as u32).to_le_bytes());
        rec[8..12].copy_from_slice(&len.to_le_bytes());
        rec[12..16].copy_from_slice(&len.to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(frame)?;
        self.frames += 1;
        self.bytes += frame.len() as u64;
        Ok(())
    }

    /// The time of the last frame written.
    pub fn now(&self) -> i64 {
        self.last_us
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The office's router-side MAC and a PC's MAC from its host number.
pub const GATEWAY_MAC: Mac = Mac([0x6c, 0xe4, 0xda, 0x41, 0x0a, 0x01]);

pub fn pc_mac(host: u8) -> Mac {
    Mac([0x00, 0x14, 0x22, 0x8e, 0x5a, host])
}

pub const ACK: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
    rst: false,
    psh: false,
};
const PSH: Flags = Flags { psh: true, ..ACK };

/// One side of a conversation.
struct Side {
    ends: Endpoints,
    snd: u32,
    ident: u16,
    ttl: u8,
}

/// A TCP conversation between an office PC and an internet server, written
/// to a [`Pcap`] as it goes. Each frame advances the clock by `step_us`.
pub struct Conv {
    client: Side,
    server: Side,
    at: i64,
    step_us: i64,
    /// Payload bytes per segment.
    pub mss: usize,
}

impl Conv {
    /// A conversation from 192.168.1.`host`:`sport` to `server`:`dport`
    /// starting at `at`.
    pub fn new(host: u8, sport: u16, server: Ipv4Addr, dport: u16, at: i64, seed: u32) -> Conv {
        let ends = Endpoints {
            src_mac: pc_mac(host),
            dst_mac: GATEWAY_MAC,
            src: Ipv4Addr::new(192, 168, 1, host),
            dst: server,
            src_port: sport,
            dst_port: dport,
        };
        Conv {
            client: Side {
                ends,
                snd: seed.wrapping_mul(2_654_435_761),
                ident: (seed as u16).wrapping_mul(7),
                ttl: 128,
            },
            server: Side {
                ends: ends.reversed(),
                snd: seed.wrapping_mul(40_503).wrapping_add(0x5eed),
                ident: (seed as u16).wrapping_mul(13),
                ttl: 52,
            },
            at,
            step_us: 20,
            mss: 1460,
        }
    }

    fn emit<W: Write>(
        &mut self,
        pcap: &mut Pcap<W>,
        from_client: bool,
        flags: Flags,
        payload: &[u8],
    ) -> io::Result<()> {
        let (me, peer) = if from_client {
            (&mut self.client, &self.server)
        } else {
            (&mut self.server, &self.client)
        };
        let spec = TcpSpec {
            seq: me.snd,
            ack: if flags.ack { peer.snd } else { 0 },
            flags,
            window: 64_240,
            mss: flags.syn.then_some(1460),
            payload,
        };
        let frame = forge::tcp(&me.ends, &spec, me.ident, me.ttl);
        me.ident = me.ident.wrapping_add(1);
        me.snd = me
            .snd
            .wrapping_add(payload.len() as u32 + u32::from(flags.syn || flags.fin));
        self.at += self.step_us;
        pcap.frame(self.at, &frame)
    }

    /// SYN, SYN-ACK, ACK.
    pub fn open<W: Write>(&mut self, pcap: &mut Pcap<W>) -> io::Result<()> {
        let syn = Flags {
            syn: true,
            ..Flags::default()
        };
        self.emit(pcap, true, syn, b"")?;
        self.emit(pcap, false, Flags { syn: true, ..ACK }, b"")?;
        self.emit(pcap, true, ACK, b"")
    }

    /// `data` from one side in MSS-sized segments, the other side ACKing
    /// every second segment and the last.
    pub fn send<W: Write>(
        &mut self,
        pcap: &mut Pcap<W>,
        from_client: bool,
        data: &[u8],
    ) -> io::Result<()> {
        let n = data.len().div_ceil(self.mss.max(1));
        for (i, piece) in data.chunks(self.mss.max(1)).enumerate() {
            let last = i + 1 == n;
            self.emit(pcap, from_client, if last { PSH } else { ACK }, piece)?;
            if i % 2 == 1 || last {
                self.emit(pcap, !from_client, ACK, b"")?;
            }
        }
        Ok(())
    }

    /// The server closes first (FIN, ACK), then the client (FIN, ACK).
    pub fn close<W: Write>(&mut self, pcap: &mut Pcap<W>) -> io::Result<()> {
        let fin = Flags { fin: true, ..ACK };
        self.emit(pcap, false, fin, b"")?;
        self.emit(pcap, true, fin, b"")?;
        self.emit(pcap, false, ACK, b"")
    }

    /// The time of this conversation's last frame.
    pub fn at(&self) -> i64 {
        self.at
    }
}

/// One DNS query from a PC and its answer (A record), as UDP frames.
pub fn dns<W: Write>(
    pcap: &mut Pcap<W>,
    host: u8,
    name: &str,
    answer: Ipv4Addr,
    id: u16,
    at: i64,
) -> io::Result<()> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let mut a = q.clone();
    a[2] = 0x81;
    a[3] = 0x80;
    a[7] = 1; // one answer
    a.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    a.extend_from_slice(&answer.octets());
    let pc = Endpoints {
        src_mac: pc_mac(host),
        dst_mac: GATEWAY_MAC,
        src: Ipv4Addr::new(192, 168, 1, host),
        dst: Ipv4Addr::new(203, 0, 113, 53),
        src_port: 49_152 + id % 16_000,
        dst_port: 53,
    };
    pcap.frame(at, &udp(&pc, &q, id))?;
    pcap.frame(at + 900, &udp(&pc.reversed(), &a, id))
}

/// A UDP frame with valid IPv4 and UDP checksums.
pub fn udp(e: &Endpoints, payload: &[u8], ident: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(42 + payload.len());
    f.extend_from_slice(&e.dst_mac.0);
    f.extend_from_slice(&e.src_mac.0);
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 0]);
    f.extend_from_slice(&ident.to_be_bytes());
    f.extend_from_slice(&[0, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&e.src.octets());
    f.extend_from_slice(&e.dst.octets());
    let ip_len = (20 + 8 + payload.len()) as u16;
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&e.src_port.to_be_bytes());
    f.extend_from_slice(&e.dst_port.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(payload);
    appliance::wire::checksum::fix_checksums(&f).unwrap_or(f)
}

/// A small deterministic generator (PCG-style LCG), so captures are the
/// same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Log-uniform in `lo..hi`: as many small files as large ones per decade.
    pub fn log_between(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo.max(1) as f64).ln(), (hi.max(2) as f64).ln());
        let x = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        (l + (h - l) * x).exp() as u64
    }
}
