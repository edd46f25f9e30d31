//! Replaying a capture through the gateway: pcap or pcapng in, events out.
//!
//! Timestamps come from the capture, so time-based rules behave as they did
//! when it was recorded. A frame enters on the LAN port when its source IPv4
//! address is private (RFC 1918, link-local) or it is not IPv4 at all (ARP),
//! and on the WAN port otherwise: captures are taken on one wire, and that is
//! the side the office is on.
//!
//! The capture is read as a stream (a buffered file, one record at a time):
//! memory does not grow with its size. A capture damaged part-way (a cut
//! download, a corrupt block) keeps what came before the damage: those
//! frames are replayed and the damage is reported with the result, not in
//! place of it.
//!
//! A record the capture cut short (a snap length, `tcpdump -s 96`) is
//! replayed for what it holds ([`snaplen`]) and counted in
//! [`Replay::truncated`]. Several captures run on every core ([`many`]),
//! each through its own gateway, their results printed in input order.

mod many;
pub mod snaplen;

pub use many::{Job, event_line, render, render_summary, replay_many};

use anyhow::{Context, Result, bail};
use appliance::{Actions, Config, Event, FrozenIntel, Gateway, Instant, Port};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::Ipv4Addr;
use std::path::Path;

/// What a replay saw and what the gateway made of it.
#[derive(Debug, Default)]
pub struct Replay {
    pub frames: u64,
    /// Events the gateway logged (also when they were written out as they
    /// came rather than kept in `events`).
    pub event_count: u64,
    pub lan_frames: u64,
    pub wan_frames: u64,
    /// Frames the gateway emitted (forwarded, forged).
    pub emitted: u64,
    pub events: Vec<Event>,
    pub alerts: usize,
    /// Web accesses the engines inspected (HTTP requests, TLS SNIs).
    pub accesses: Vec<appliance::inspect::web::Access>,
    /// Where the capture stopped being readable, if it did before its end:
    /// the frames before it were replayed.
    pub damage: Option<String>,
    /// Records the capture cut short (captured length below the frame's
    /// length: a snap length), replayed for what they hold.
    pub truncated: u64,
    /// Of those, records cut inside their own IPv4/TCP/UDP headers: handed
    /// in as captured, and refused by the gateway as malformed.
    pub truncated_in_headers: u64,
}

/// Replays the capture at `path` through a gateway built from `config` and `intel`.
pub fn replay_file(path: &Path, config: Config, intel: FrozenIntel) -> Result<Replay> {
    replay_file_with(path, config, intel, ReplayOptions::default())
}

/// The capture file at `path`, buffered: read as a stream.
fn open(path: &Path) -> Result<BufReader<std::fs::File>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 16, file))
}

/// Bytes pcap-file's readers are given per `read`.
const READ_CHUNK: usize = 1 << 16;

/// The capture handed to pcap-file in reads of at most `cap` bytes.
/// pcap-file's readers hold an 8 MB buffer and refill it with one `read`
/// asking for all its free space, so every page of it became resident (8 MB
/// of a replay's peak: the mail capture's 62 MB, Suricata's 61). In small
/// reads each refill moves the rest of the last record to the buffer's
/// start and reads a chunk behind it: only the buffer's first pages are
/// used, the others are never touched (its zeroed allocation is not
/// resident until written). The kernel's copy of the file (`_copy_to_iter`,
/// 19 % of the evasion replay) costs the same either way.
struct ReadsCapped<R> {
    inner: R,
    cap: usize,
}

impl<R: Read> Read for ReadsCapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.cap);
        self.inner.read(&mut buf[..n])
    }
}

/// How a capture is fed to the gateway.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplayOptions {
    /// Recompute IPv4, TCP and UDP checksums before feeding each frame.
    /// Captures taken on a host with checksum offload carry wrong checksums
    /// for that host's own frames (what Suricata's `-k none` is for); the
    /// gateway drops frames with bad checksums, as it must on a real wire.
    pub fix_checksums: bool,
}

/// [`replay_file`] with options.
pub fn replay_file_with(
    path: &Path,
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
) -> Result<Replay> {
    replay_reader(open(path)?, config, intel, options)
        .with_context(|| format!("replaying {}", path.display()))
}

/// Replays the capture at `path`, writing each event's line to `out` as the
/// gateway logs it (nothing kept: memory does not grow with the capture nor
/// with its events); the returned replay has the counts, no events and no
/// accesses. What it writes, then [`render_summary`], is byte for byte
/// [`render`] of the same replay kept whole (not verbose).
pub fn replay_file_to(
    path: &Path,
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
    out: &mut dyn Write,
) -> Result<Replay> {
    replay_into(open(path)?, config, intel, options, Some(out))
        .with_context(|| format!("replaying {}", path.display()))
}

pub fn replay_bytes(bytes: &[u8], config: Config, intel: FrozenIntel) -> Result<Replay> {
    replay_bytes_with(bytes, config, intel, ReplayOptions::default())
}

pub fn replay_bytes_with(
    bytes: &[u8],
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
) -> Result<Replay> {
    replay_reader(bytes, config, intel, options)
}

/// Large allocations (a mail held whole, a response being scanned) get
/// mappings of their own, given back when freed. Left alone, glibc raises
/// its mmap threshold when the first such mapping is freed and serves the
/// next ones from its heap, whose high-water mark stays: the replay's peak
/// memory then grew with the traffic's history, not with what is live.
fn large_buffers_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets an allocator tunable; it is safe at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Replays the capture `input` streams, one record at a time.
pub fn replay_reader<R: BufRead>(
    input: R,
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
) -> Result<Replay> {
    replay_into(input, config, intel, options, None)
}

/// [`replay_reader`], the events kept (`out` is `None`) or written to `out`
/// as they come.
fn replay_into<R: BufRead>(
    mut input: R,
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
    mut out: Option<&mut dyn Write>,
) -> Result<Replay> {
    large_buffers_mapped();
    let mut gateway = Gateway::new(config, intel);
    let mut replay = Replay::default();
    let mut actions = Actions::default();
    let mut sides = Sides::default();
    let mut feed = |now: Instant, frame: &[u8], original_len: u32, replay: &mut Replay| {
        let cut = if usize::try_from(original_len).is_ok_and(|n| n > frame.len()) {
            replay.truncated += 1;
            snaplen::cut(frame)
        } else {
            snaplen::Cut::Whole
        };
        let frame = match &cut {
            snaplen::Cut::Payload(rest) => &rest[..],
            snaplen::Cut::Headers => {
                replay.truncated_in_headers += 1;
                frame
            }
            snaplen::Cut::Whole => frame,
        };
        let port = sides.port_of(frame);
        match port {
            Port::Lan => replay.lan_frames += 1,
            Port::Wan => replay.wan_frames += 1,
        }
        replay.frames += 1;
        gateway.poll(now, &mut actions);
        let fixed = options
            .fix_checksums
            .then(|| appliance::wire::checksum::fix_checksums(frame))
            .flatten();
        if let Some(fixed) = fixed {
            gateway.handle(now, port, &fixed, &mut actions);
        } else {
            gateway.handle(now, port, frame, &mut actions);
        }
        replay.emitted += actions.frames.len() as u64;
        replay.event_count += actions.events.len() as u64;
        replay.alerts += actions.alerts.len();
        let written = match out.as_deref_mut() {
            Some(out) => actions
                .events
                .iter()
                .try_for_each(|e| out.write_all(event_line(e).as_bytes())),
            None => {
                replay.events.append(&mut actions.events);
                replay.accesses.append(&mut actions.accesses);
                Ok(())
            }
        };
        actions.clear();
        written.context("writing the events")
    };
    let magic: Option<[u8; 4]> = input
        .fill_buf()
        .context("reading the capture")?
        .get(..4)
        .and_then(|m| m.try_into().ok());
    match magic.as_ref().map(|m| &m[..]) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
            let mut reader = PcapNgReader::new(ReadsCapped {
                inner: input,
                cap: READ_CHUNK,
            })
            .context("not a readable pcapng section header")?;
            // Timestamp units per interface: pcap-file hands back the raw count.
            let mut units_per_sec: Vec<u64> = Vec::new();
            while let Some(block) = reader.next_block() {
                let block = match block {
                    Ok(block) => block,
                    Err(e) => {
                        replay.damage = Some(damage("pcapng block", replay.frames, &e));
                        break;
                    }
                };
                match block {
                    Block::InterfaceDescription(idb) => {
                        let resol = idb.options.iter().find_map(|o| match o {
                            InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                            _ => None,
                        });
                        units_per_sec.push(ts_units(resol.unwrap_or(6))?);
                    }
                    Block::EnhancedPacket(epb) => {
                        let units = units_per_sec
                            .get(epb.interface_id as usize)
                            .copied()
                            .with_context(|| {
                                format!("packet on undeclared interface {}", epb.interface_id)
                            })?;
                        let raw = epb.timestamp.as_nanos();
                        let micros = raw.saturating_mul(1_000_000) / u128::from(units);
                        let now = Instant::from_micros(i64::try_from(micros).unwrap_or(i64::MAX));
                        feed(now, &epb.data, epb.original_len, &mut replay)?;
                    }
                    _ => {}
                }
            }
        }
        Some(
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d],
        ) => {
            let mut reader = PcapReader::new(ReadsCapped {
                inner: input,
                cap: READ_CHUNK,
            })
            .context("not a readable pcap header")?;
            let header = reader.header();
            if header.datalink != pcap_file::DataLink::ETHERNET {
                bail!("link type {:?} is not Ethernet", header.datalink);
            }
            let nanos = header.ts_resolution == pcap_file::TsResolution::NanoSecond;
            // Raw records: pcap-file refuses an original length over the snap
            // length, which is exactly what a snap length makes.
            while let Some(packet) = reader.next_raw_packet() {
                let packet = match packet
                    .map_err(|e| e.to_string())
                    .and_then(|p| record_fits(p.incl_len, p.orig_len, header.snaplen).map(|()| p))
                {
                    Ok(packet) => packet,
                    Err(e) => {
                        replay.damage = Some(damage("pcap record", replay.frames, &e));
                        break;
                    }
                };
                let frac = if nanos {
                    i64::from(packet.ts_frac) / 1000
                } else {
                    i64::from(packet.ts_frac)
                };
                let micros = i64::from(packet.ts_sec)
                    .saturating_mul(1_000_000)
                    .saturating_add(frac);
                let now = Instant::from_micros(micros);
                feed(now, &packet.data, packet.orig_len, &mut replay)?;
            }
        }
        _ => bail!("not a pcap or pcapng capture (unknown magic number)"),
    }
    Ok(replay)
}

/// A pcap record's lengths, as far as they can be trusted: never more
/// captured than the frame had, nor than the snap length (0: none) allows.
/// The frame's own length may exceed the snap length: that is the cut.
fn record_fits(captured: u32, original: u32, snaplen: u32) -> Result<(), String> {
    if captured > original {
        return Err(format!(
            "captured length {captured} over the frame's length {original}"
        ));
    }
    if snaplen != 0 && captured > snaplen.max(MAX_SNAPLEN) {
        return Err(format!(
            "captured length {captured} over the snap length {snaplen}"
        ));
    }
    Ok(())
}

/// The largest snap length tcpdump writes (a record up to here is taken as
/// is, whatever the header says).
const MAX_SNAPLEN: u32 = 262_144;

/// The damage that ended a capture early, with how far it got.
fn damage(what: &str, frames: u64, e: &dyn std::fmt::Display) -> String {
    format!("truncated or corrupt {what} after {frames} frames ({e})")
}

/// pcapng `if_tsresol`: a power of ten, or of two with the top bit set.
fn ts_units(resol: u8) -> Result<u64> {
    let exp = u32::from(resol & 0x7f);
    let units = if resol & 0x80 == 0 {
        10u64.checked_pow(exp)
    } else {
        2u64.checked_pow(exp)
    };
    units
        .filter(|u| *u > 0)
        .with_context(|| format!("unsupported timestamp resolution {resol:#x}"))
}

/// Which side each address is on. Private addresses are the office; in a
/// connection between two public addresses (lab captures such as HTTP
/// Evader's 1.1.1.1 -> 8.8.8.8) or two private ones (a lab LAN talking to a
/// lab mail server), the side that sends the first SYN is taken as the
/// office and the other as the internet.
#[derive(Default)]
struct Sides {
    lan: std::collections::BTreeSet<Ipv4Addr>,
    wan: std::collections::BTreeSet<Ipv4Addr>,
}

impl Sides {
    fn port_of(&mut self, frame: &[u8]) -> Port {
        let ips = frame.get(26..34).map(|b| {
            (
                Ipv4Addr::new(b[0], b[1], b[2], b[3]),
                Ipv4Addr::new(b[4], b[5], b[6], b[7]),
            )
        });
        let is_tcp = frame.get(12..14) == Some(&[0x08, 0x00]) && frame.get(23) == Some(&6);
        let ihl = frame.get(14).map_or(20, |b| usize::from(b & 0x0f) * 4);
        let flags = frame.get(14 + ihl + 13).copied().unwrap_or(0);
        if let Some((src, dst)) = ips
            && is_tcp
            && flags & 0x12 == 0x02
            && is_public(src) == is_public(dst)
            && !self.wan.contains(&src)
        {
            self.lan.insert(src);
            self.wan.insert(dst);
        }
        match ips {
            Some((src, _)) if self.lan.contains(&src) => Port::Lan,
            Some((src, _)) if self.wan.contains(&src) => Port::Wan,
            _ => port_of(frame),
        }
    }
}

fn is_public(ip: Ipv4Addr) -> bool {
    !(ip.is_private() || ip.is_link_local() || ip.is_loopback())
}

fn port_of(frame: &[u8]) -> Port {
    // Ethernet II, IPv4 (0x0800), source address at IP offset 12.
    let is_ipv4 = frame.get(12..14) == Some(&[0x08, 0x00]);
    let src = frame
        .get(26..30)
        .map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3]));
    match (is_ipv4, src) {
        (true, Some(ip)) if !(ip.is_private() || ip.is_link_local()) => Port::Wan,
        _ => Port::Lan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_clearly() {
        let err = replay_bytes(b"hello world", Config::default(), FrozenIntel::default())
            .expect_err("not a capture");
        assert!(err.to_string().contains("not a pcap or pcapng"), "{err}");
        let err = replay_bytes(
            &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0],
            Config::default(),
            FrozenIntel::default(),
        )
        .expect_err("truncated");
        assert!(format!("{err:#}").contains("pcap"), "{err:#}");
    }

    #[test]
    fn resolutions() {
        assert_eq!(ts_units(6).ok(), Some(1_000_000));
        assert_eq!(ts_units(9).ok(), Some(1_000_000_000));
        assert_eq!(ts_units(0x80 | 10).ok(), Some(1024));
        assert!(ts_units(0x7f).is_err());
    }
}

/// The suricata-verify captures copied into the appliance's test data.
#[cfg(test)]
mod corpus;
