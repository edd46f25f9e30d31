//! Replaying a capture through the gateway: pcap or pcapng in, events out.
//!
//! Timestamps come from the capture, so time-based rules behave as they did
//! when it was recorded. A frame enters on the LAN port when its source IPv4
//! address is private (RFC 1918, link-local) or it is not IPv4 at all (ARP),
//! and on the WAN port otherwise: captures are taken on one wire, and that is
//! the side the office is on.

use anyhow::{Context, Result, bail};
use appliance::{Actions, Config, Event, FrozenIntel, Gateway, Instant, Port};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::net::Ipv4Addr;
use std::path::Path;

/// What a replay saw and what the gateway made of it.
#[derive(Debug, Default)]
pub struct Replay {
    pub frames: u64,
    pub lan_frames: u64,
    pub wan_frames: u64,
    /// Frames the gateway emitted (forwarded, forged).
    pub emitted: u64,
    pub events: Vec<Event>,
    pub alerts: usize,
}

/// Replays the capture at `path` through a gateway built from `config` and `intel`.
pub fn replay_file(path: &Path, config: Config, intel: FrozenIntel) -> Result<Replay> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    replay_bytes(&bytes, config, intel).with_context(|| format!("replaying {}", path.display()))
}

pub fn replay_bytes(bytes: &[u8], config: Config, intel: FrozenIntel) -> Result<Replay> {
    let mut gateway = Gateway::new(config, intel);
    let mut replay = Replay::default();
    let mut actions = Actions::default();
    let mut feed = |now: Instant, frame: &[u8], replay: &mut Replay| {
        let port = port_of(frame);
        match port {
            Port::Lan => replay.lan_frames += 1,
            Port::Wan => replay.wan_frames += 1,
        }
        replay.frames += 1;
        gateway.poll(now, &mut actions);
        gateway.handle(now, port, frame, &mut actions);
        replay.emitted += actions.frames.len() as u64;
        replay.events.append(&mut actions.events);
        replay.alerts += actions.alerts.len();
        actions.clear();
    };
    match bytes.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
            let mut reader =
                PcapNgReader::new(bytes).context("not a readable pcapng section header")?;
            // Timestamp units per interface: pcap-file hands back the raw count.
            let mut units_per_sec: Vec<u64> = Vec::new();
            while let Some(block) = reader.next_block() {
                match block.context("truncated or corrupt pcapng block")? {
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
                        feed(now, &epb.data, &mut replay);
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
            let mut reader = PcapReader::new(bytes).context("not a readable pcap header")?;
            if reader.header().datalink != pcap_file::DataLink::ETHERNET {
                bail!("link type {:?} is not Ethernet", reader.header().datalink);
            }
            while let Some(packet) = reader.next_packet() {
                let packet = packet.context("truncated or corrupt pcap record")?;
                let micros = i64::try_from(packet.timestamp.as_micros()).unwrap_or(i64::MAX);
                feed(Instant::from_micros(micros), &packet.data, &mut replay);
            }
        }
        _ => bail!("not a pcap or pcapng capture (unknown magic number)"),
    }
    Ok(replay)
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
