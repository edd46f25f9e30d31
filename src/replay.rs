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

use anyhow::{Context, Result, bail};
use appliance::{Actions, Config, Event, FrozenIntel, Gateway, Instant, Port};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::io::{BufRead, BufReader};
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
    /// Web accesses the engines inspected (HTTP requests, TLS SNIs).
    pub accesses: Vec<appliance::inspect::web::Access>,
    /// Where the capture stopped being readable, if it did before its end:
    /// the frames before it were replayed.
    pub damage: Option<String>,
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

/// Replays the capture `input` streams, one record at a time.
pub fn replay_reader<R: BufRead>(
    mut input: R,
    config: Config,
    intel: FrozenIntel,
    options: ReplayOptions,
) -> Result<Replay> {
    let mut gateway = Gateway::new(config, intel);
    let mut replay = Replay::default();
    let mut actions = Actions::default();
    let mut sides = Sides::default();
    let mut feed = |now: Instant, frame: &[u8], replay: &mut Replay| {
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
        replay.events.append(&mut actions.events);
        replay.alerts += actions.alerts.len();
        replay.accesses.append(&mut actions.accesses);
        actions.clear();
    };
    let magic: Option<[u8; 4]> = input
        .fill_buf()
        .context("reading the capture")?
        .get(..4)
        .and_then(|m| m.try_into().ok());
    match magic.as_ref().map(|m| &m[..]) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
            let mut reader =
                PcapNgReader::new(input).context("not a readable pcapng section header")?;
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
            let mut reader = PcapReader::new(input).context("not a readable pcap header")?;
            if reader.header().datalink != pcap_file::DataLink::ETHERNET {
                bail!("link type {:?} is not Ethernet", reader.header().datalink);
            }
            while let Some(packet) = reader.next_packet() {
                let packet = match packet {
                    Ok(packet) => packet,
                    Err(e) => {
                        replay.damage = Some(damage("pcap record", replay.frames, &e));
                        break;
                    }
                };
                let micros = i64::try_from(packet.timestamp.as_micros()).unwrap_or(i64::MAX);
                feed(Instant::from_micros(micros), &packet.data, &mut replay);
            }
        }
        _ => bail!("not a pcap or pcapng capture (unknown magic number)"),
    }
    Ok(replay)
}

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
mod corpus {
    use super::*;
    use appliance::{Action, Engine};
    use std::path::PathBuf;

    fn data(case: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("appliance/tests/data/suricata-verify")
            .join(case)
    }

    /// The pcapng neighbour of the cut pcap: the same frames written by the
    /// twin's pcapng writer, cut in the last block, keep all frames before
    /// it and name the block.
    #[test]
    fn a_pcapng_cut_in_its_last_block_keeps_the_frames_before() {
        let path = data("smtp-rfc2231").join("input.pcap");
        let whole = std::fs::read(&path).expect("the test capture");
        let mut reader = PcapReader::new(&whole[..]).expect("pcap");
        let mut capture = twin::capture::Capture::new().expect("capture");
        while let Some(Ok(p)) = reader.next_packet() {
            let at = Instant::from_micros(i64::try_from(p.timestamp.as_micros()).unwrap_or(0));
            capture.record(twin::link::LinkId::Lan, at, &p.data);
        }
        let ng = capture.bytes().to_vec();
        let run = |bytes: &[u8]| {
            replay_bytes(bytes, Config::default(), FrozenIntel::default()).expect("replayed")
        };
        let full = run(&ng);
        assert_eq!(full.frames, capture.frames());
        assert!(full.damage.is_none());
        let cut = run(&ng[..ng.len() - 3]);
        assert_eq!(cut.frames, full.frames - 1);
        assert!(cut.damage.is_some_and(|d| d.contains("pcapng block")));
    }

    /// Issue 15: a damaged capture lost every good frame. Cut anywhere past
    /// its header, a capture still gives the frames before the cut, their
    /// events, and says where it was cut.
    #[test]
    fn a_capture_cut_anywhere_keeps_the_frames_before_the_cut() {
        let path = data("smtp-rfc2231").join("input.pcap");
        let whole = std::fs::read(&path).expect("the test capture");
        let options = ReplayOptions {
            fix_checksums: true,
        };
        let full = replay_bytes_with(&whole, Config::default(), FrozenIntel::default(), options)
            .expect("whole");
        assert!(full.damage.is_none());
        let mut last_frames = 0;
        for cut in (24..whole.len()).step_by(97) {
            let r = replay_bytes_with(
                &whole[..cut],
                Config::default(),
                FrozenIntel::default(),
                options,
            )
            .expect("a cut capture is replayed, not refused");
            assert!(r.frames >= last_frames && r.frames <= full.frames);
            last_frames = r.frames;
            if r.frames < full.frames {
                let damage = r.damage.as_deref().unwrap_or("");
                assert!(
                    damage.is_empty() || damage.contains(&format!("after {} frames", r.frames)),
                    "{damage}"
                );
            }
        }
        // Cut in the last record: everything before it, and the damage named.
        let r = replay_bytes_with(
            &whole[..whole.len() - 3],
            Config::default(),
            FrozenIntel::default(),
            options,
        )
        .expect("cut");
        assert_eq!(r.frames, full.frames - 1);
        assert!(r.damage.is_some_and(|d| d.contains("pcap record")));
    }

    /// Replays with the checksum fix; keeps the anti-malware events (other
    /// engines, such as the firewall on a capture's stray IGMP, are not
    /// what these cases are about).
    fn run(path: &Path) -> Replay {
        let options = ReplayOptions {
            fix_checksums: true,
        };
        match replay_file_with(path, Config::default(), FrozenIntel::default(), options) {
            Ok(mut r) => {
                r.events.retain(|e| e.engine == Engine::AntiMalware);
                r
            }
            Err(e) => panic!("{e:#}"),
        }
    }

    #[test]
    fn http_evader_eicar_is_detected_in_every_case() {
        let mut missed = Vec::new();
        for n in 0..50 {
            let case = format!("http-evader/http-evader-{n:03}");
            let replay = run(&data(&case).join("input.pcap"));
            let hit = replay.events.iter().any(|e| {
                e.engine == Engine::AntiMalware
                    && e.action == Action::Reset
                    && e.url
                        .as_deref()
                        .is_some_and(|u| u.starts_with("http://evader.example.com/"))
                    && e.reason().contains("file eicar.txt")
            });
            if !hit {
                missed.push(case);
            }
        }
        assert!(missed.is_empty(), "missed: {missed:?}");
    }

    #[test]
    fn smtp_attachment_md5_eicar_is_cleaned() {
        let replay = run(&data("smtp-attachment-md5").join("input.pcap"));
        assert_eq!(replay.events.len(), 1);
        let e = &replay.events[0];
        assert_eq!(
            (e.engine, e.action, e.dst_port),
            (Engine::AntiMalware, Action::Tag, 25)
        );
        assert!(e.reason().contains("EICAR test file"), "{}", e.reason());
    }

    #[test]
    fn smtp_data_rejected_attachment_hash_and_macro_heuristics() {
        let replay =
            run(&data("smtp-data-rejected").join("10.7.29.101_49898-178.63.41.150_25.pcap"));
        assert_eq!(replay.events.len(), 1);
        let reason = replay.events[0].reason();
        assert!(
            reason.contains(
                "SHA-256 2f4e7dba21a31bde1192ca03b489a9bd47281a28e206b3dcf245082a491e8e0a"
            ),
            "{reason}"
        );
        assert!(
            reason.contains("VBA macro project") && reason.contains("auto-exec"),
            "{reason}"
        );
    }

    #[test]
    fn smtp_rfc2231_name_is_decoded_and_the_zip_listed() {
        let replay = run(&data("smtp-rfc2231").join("input.pcap"));
        assert_eq!(replay.events.len(), 1);
        let reason = replay.events[0].reason();
        let name = "smtptest-2021-02-25T13-54-22Z-aefb2fc1308d62f4b6c74769f69b13ddf80e995fd98ae442f3be499ea928c67f..zip";
        assert!(reason.contains(&format!("attachment {name}")), "{reason}");
        assert!(
            reason.contains(&format!("in {name}/eicar-2021-02-24T17-30-01Z.txt")),
            "{reason}"
        );
    }

    #[test]
    fn without_the_checksum_fix_offloaded_frames_are_dropped() {
        let path = data("smtp-rfc2231").join("input.pcap");
        let plain = replay_file(&path, Config::default(), FrozenIntel::default());
        assert!(plain.is_ok_and(|r| !r.events.iter().any(|e| e.engine == Engine::AntiMalware)));
    }

    /// The project's external corpus (`../shared/corpus`, or
    /// `$OFFICETWIN_CORPUS`): read in place, not copied. `None` (and a
    /// SKIPPED line) when it is not there, a failure when
    /// `OFFICETWIN_REQUIRE` names `corpus`.
    fn shared_corpus(test: &str, case: &str) -> Option<PathBuf> {
        let root = std::env::var_os("OFFICETWIN_CORPUS").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
            PathBuf::from,
        );
        let dir = root.join("suricata-verify").join(case);
        if dir.is_dir() {
            return Some(dir);
        }
        let required = std::env::var("OFFICETWIN_REQUIRE")
            .is_ok_and(|list| list.split(',').any(|need| need.trim() == "corpus"));
        assert!(
            !required,
            "{test}: OFFICETWIN_REQUIRE names corpus, but {} is not there",
            dir.display()
        );
        eprintln!("SKIPPED {test}: {} not found", dir.display());
        None
    }

    /// A plain HTTP download of the EICAR file (suricata-verify
    /// `output-eve-fileinfo`).
    #[test]
    fn output_eve_fileinfo_eicar_download_is_reset() {
        let Some(dir) = shared_corpus("output_eve_fileinfo", "output-eve-fileinfo") else {
            return;
        };
        let r = run(&dir.join("input.pcap"));
        assert!(
            r.events
                .iter()
                .any(|e| e.action == Action::Reset && e.reason().contains("EICAR")),
            "{:#?}",
            r.events
        );
    }

    /// A 78 KB `.exe` whose SHA-256 is on Suricata's block list
    /// (`http-sha256-drop-02/blacklist`, given to the gateway as the cloud's
    /// file hash list): blocked by hash.
    #[test]
    fn http_sha256_drop_02_exe_is_blocked_by_hash() {
        let Some(dir) = shared_corpus("http_sha256_drop_02", "http-sha256-drop-02") else {
            return;
        };
        let list = std::fs::read_to_string(dir.join("blacklist")).unwrap_or_default();
        let mut intel = FrozenIntel::default();
        for line in list.lines().map(str::trim).filter(|l| l.len() == 64) {
            intel
                .file_hashes
                .insert(line.to_string(), "Suricata.Blacklist".into());
        }
        assert!(!intel.file_hashes.is_empty(), "the list was read");
        let options = ReplayOptions {
            fix_checksums: true,
        };
        let r = match replay_file_with(&dir.join("input.pcap"), Config::default(), intel, options) {
            Ok(r) => r,
            Err(e) => panic!("{e:#}"),
        };
        assert!(
            r.events.iter().any(|e| e.engine == Engine::AntiMalware
                && e.action == Action::Reset
                && e.reasons
                    .iter()
                    .any(|r| matches!(r, appliance::Reason::HashListed { .. }))),
            "{:#?}",
            r.events
        );
    }
}
