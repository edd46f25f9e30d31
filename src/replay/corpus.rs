//! Replay against real captures: the suricata-verify cases copied into the
//! appliance's test data, the shared corpus, and those captures cut short.

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
    let replay = run(&data("smtp-data-rejected").join("10.7.29.101_49898-178.63.41.150_25.pcap"));
    assert_eq!(replay.events.len(), 1);
    let reason = replay.events[0].reason();
    assert!(
        reason.contains("SHA-256 2f4e7dba21a31bde1192ca03b489a9bd47281a28e206b3dcf245082a491e8e0a"),
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

/// A real capture as `tcpdump -s SNAPLEN` would have written it, built in
/// the test with pcap-file: each record keeps its first `snaplen` bytes
/// and its original length. Also gives each record's frame, whole.
fn cut_to_snaplen(whole: &[u8], snaplen: u32) -> (Vec<u8>, Vec<Vec<u8>>) {
    use pcap_file::pcap::{PcapHeader, PcapWriter, RawPcapPacket};
    let mut reader = PcapReader::new(whole).expect("pcap");
    let header = PcapHeader {
        snaplen,
        ..reader.header()
    };
    let mut writer = PcapWriter::with_header(Vec::new(), header).expect("header");
    let mut frames = Vec::new();
    while let Some(Ok(p)) = reader.next_raw_packet() {
        let keep = p.data.len().min(snaplen as usize);
        let cut = RawPcapPacket {
            incl_len: u32::try_from(keep).expect("small"),
            data: std::borrow::Cow::Borrowed(&p.data[..keep]),
            ..p.clone()
        };
        writer.write_raw_packet(&cut).expect("written");
        frames.push(p.data.to_vec());
    }
    (writer.into_writer(), frames)
}

/// Bytes of Ethernet, IPv4 and TCP/UDP headers of a whole frame, read by
/// the test from the bytes (None: not IPv4 TCP/UDP).
fn header_len(frame: &[u8]) -> Option<usize> {
    if frame.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let ihl = usize::from(frame.get(14)? & 0x0f) * 4;
    match frame.get(23)? {
        6 => Some(14 + ihl + usize::from(frame.get(14 + ihl + 12)? >> 4) * 4),
        17 => Some(14 + ihl + 8),
        _ => None,
    }
}

/// The SMTP capture's server made a C&C address: a detection made on the
/// headers (the SYN), so it survives any snap length that keeps them.
fn cnc_on_the_smtp_server(frames: &[Vec<u8>]) -> (FrozenIntel, std::net::Ipv4Addr) {
    let syn = frames
        .iter()
        .find(|f| f.get(23) == Some(&6) && f.get(47).is_some_and(|fl| fl & 0x12 == 0x02))
        .expect("a SYN");
    let server = std::net::Ipv4Addr::new(syn[30], syn[31], syn[32], syn[33]);
    let mut intel = FrozenIntel::default();
    intel.cnc.ips.insert(server, "CnC.Test.Snaplen".into());
    (intel, server)
}

fn cut_run(bytes: &[u8], intel: FrozenIntel) -> Replay {
    let options = ReplayOptions {
        fix_checksums: true,
    };
    match replay_bytes_with(bytes, Config::default(), intel, options) {
        Ok(r) => r,
        Err(e) => panic!("a snaplen-limited capture is replayed, not refused: {e:#}"),
    }
}

/// Issue 15: `tcpdump -s 96` captures were refused ("orig_len > snap_len").
/// Cut to 96 bytes, a real capture is replayed frame for frame, its cut
/// records counted, and the C&C address its SYN reaches still detected.
#[test]
fn a_capture_cut_to_96_bytes_is_inspected_for_what_it_holds() {
    let whole = std::fs::read(data("smtp-rfc2231").join("input.pcap")).expect("capture");
    let (cut, frames) = cut_to_snaplen(&whole, 96);
    let (intel, server) = cnc_on_the_smtp_server(&frames);
    let r = cut_run(&cut, intel);
    let longer = frames.iter().filter(|f| f.len() > 96).count() as u64;
    assert!(longer > 10, "the capture has frames to cut: {longer}");
    assert_eq!(r.frames, frames.len() as u64);
    assert_eq!(r.truncated, longer);
    assert_eq!(r.truncated_in_headers, 0, "96 bytes hold every header here");
    assert!(r.damage.is_none(), "{:?}", r.damage);
    assert!(
        r.events
            .iter()
            .any(|e| e.engine == Engine::Cnc && e.dst_ip == server),
        "{:#?}",
        r.events
    );
    let text = render(&r, false);
    assert!(
        text.contains(&format!("{longer} frames cut short by the capture")),
        "{text}"
    );
}

/// A pcapng whose enhanced packet blocks hold fewer bytes than their
/// original length (written here with pcap-file): counted the same way.
#[test]
fn a_pcapng_cut_to_a_snaplen_counts_its_cut_blocks() {
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    let whole = std::fs::read(data("smtp-rfc2231").join("input.pcap")).expect("capture");
    let (_, frames) = cut_to_snaplen(&whole, u32::MAX);
    let snaplen = 128usize;
    let mut w = PcapNgWriter::new(Vec::new()).expect("section");
    w.write_pcapng_block(InterfaceDescriptionBlock::new(
        pcap_file::DataLink::ETHERNET,
        snaplen as u32,
    ))
    .expect("interface");
    for (i, f) in frames.iter().enumerate() {
        let keep = f.len().min(snaplen);
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: std::time::Duration::from_millis(1_600_000_000_000 + i as u64),
            original_len: f.len() as u32,
            data: std::borrow::Cow::Borrowed(&f[..keep]),
            options: vec![],
        })
        .expect("packet");
    }
    let r = cut_run(&w.into_inner(), FrozenIntel::default());
    assert_eq!(r.frames, frames.len() as u64);
    assert_eq!(
        r.truncated,
        frames.iter().filter(|f| f.len() > snaplen).count() as u64
    );
}

mod snaplens {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any snap length, from nothing to more than the longest frame: the
        /// capture is replayed (never refused, never a panic), every record
        /// fed, the cut ones counted as the test counts them, the ones cut
        /// inside their headers among them; a C&C SYN whose headers fit is
        /// still detected; a snap length over every frame changes nothing.
        #[test]
        fn any_snaplen_is_replayed_and_counted(snaplen in prop_oneof![0u32..140, 0u32..1600]) {
            let whole = std::fs::read(data("smtp-rfc2231").join("input.pcap")).expect("capture");
            let (cut, frames) = cut_to_snaplen(&whole, snaplen);
            let (intel, server) = cnc_on_the_smtp_server(&frames);
            let r = cut_run(&cut, intel.clone());
            let s = snaplen as usize;
            prop_assert_eq!(r.frames, frames.len() as u64);
            prop_assert!(r.damage.is_none());
            prop_assert_eq!(r.truncated, frames.iter().filter(|f| f.len() > s).count() as u64);
            let in_headers = frames
                .iter()
                .filter(|f| f.len() > s && header_len(f).is_none_or(|h| h > s))
                .count() as u64;
            prop_assert!(r.truncated_in_headers <= r.truncated);
            // Frames the test knows the headers of: cut inside them exactly
            // when the snap length is below them.
            let known = frames
                .iter()
                .filter(|f| f.len() > s && header_len(f).is_some_and(|h| h > s))
                .count() as u64;
            prop_assert!(r.truncated_in_headers >= known && r.truncated_in_headers <= in_headers);
            let syn = frames
                .iter()
                .find(|f| f.get(23) == Some(&6) && f.get(47).is_some_and(|fl| fl & 0x12 == 0x02))
                .and_then(|f| header_len(f))
                .expect("SYN headers");
            if s >= syn {
                prop_assert!(r.events.iter().any(|e| e.engine == Engine::Cnc && e.dst_ip == server));
            }
            if frames.iter().all(|f| f.len() <= s) {
                let full = cut_run(&whole, intel);
                prop_assert_eq!(&r.events, &full.events);
                prop_assert_eq!(r.truncated, 0);
            }
        }
    }
}

/// Issue 15: several captures are replayed on every core. Whatever the
/// number of workers, the output is byte for byte what one worker writes:
/// each capture's own replay under its name, in input order (built here
/// capture by capture), then the tally; a capture that cannot be replayed
/// and one cut to a snap length take their places like the others.
#[test]
fn several_captures_on_every_core_print_what_one_core_prints() {
    let dir = std::env::temp_dir().join(format!("officetwin-replay-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let garbage = dir.join("not-a-capture.pcap");
    std::fs::write(&garbage, b"hello world").expect("written");
    let whole = std::fs::read(data("smtp-rfc2231").join("input.pcap")).expect("capture");
    let cut = dir.join("snaplen-96.pcap");
    std::fs::write(&cut, cut_to_snaplen(&whole, 96).0).expect("written");
    let mut captures: Vec<PathBuf> = (0..50)
        .map(|n| data(&format!("http-evader/http-evader-{n:03}")).join("input.pcap"))
        .collect();
    captures.insert(7, garbage.clone());
    captures.insert(20, cut);
    captures.push(data("smtp-attachment-md5").join("input.pcap"));
    let job = Job {
        config: Config::default(),
        intel: FrozenIntel::default(),
        options: ReplayOptions {
            fix_checksums: true,
        },
        verbose: true,
    };
    let run = |workers: usize| {
        let mut out = Vec::new();
        let tally = replay_many(&captures, &job, workers, &mut out).expect("written");
        (String::from_utf8(out).expect("text"), tally)
    };
    let (one, tally) = run(1);
    let mut expected = String::new();
    for c in &captures {
        expected.push_str(&format!("== {}\n", c.display()));
        match replay_file_with(c, job.config.clone(), job.intel.clone(), job.options) {
            Ok(r) => expected.push_str(&render(&r, true)),
            Err(e) => expected.push_str(&format!("not replayed: {e:#}\n")),
        }
    }
    assert!(one.starts_with(&expected), "one worker's output");
    let tail = &one[expected.len()..];
    assert!(
        tail.contains("anti-malware: detected in 51 of 53 captures"),
        "{tail}"
    );
    assert!(
        tail.contains("frames cut short by the capture (snap length) in 1 of 53 captures"),
        "{tail}"
    );
    assert_eq!(tally.unreadable, vec![garbage]);
    for workers in [2, 3, 8] {
        let (many, t) = run(workers);
        assert!(many == one, "{workers} workers wrote other bytes");
        assert_eq!(t, tally);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Written as they come (what `officetwin replay CAPTURE` does), the events
/// and the summary are byte for byte the text of the replay kept whole, and
/// nothing is kept.
#[test]
fn events_written_as_they_come_are_the_kept_replays_text() {
    let options = ReplayOptions {
        fix_checksums: true,
    };
    for case in [
        "http-evader/http-evader-000",
        "smtp-rfc2231",
        "smtp-attachment-md5",
    ] {
        let path = data(case).join("input.pcap");
        let kept = replay_file_with(&path, Config::default(), FrozenIntel::default(), options)
            .expect("replayed");
        assert!(kept.event_count > 0, "{case} has events to write");
        let mut out = Vec::new();
        let streamed = replay_file_to(
            &path,
            Config::default(),
            FrozenIntel::default(),
            options,
            &mut out,
        )
        .expect("replayed");
        assert!(streamed.events.is_empty() && streamed.accesses.is_empty());
        out.extend_from_slice(render_summary(&streamed).as_bytes());
        assert_eq!(String::from_utf8(out).expect("text"), render(&kept, false));
    }
}

/// A reader that hands out its bytes in the given read sizes, in turn.
struct Dribble<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl std::io::Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self
            .sizes
            .get(self.turn % self.sizes.len().max(1))
            .copied()
            .unwrap_or(1);
        self.turn += 1;
        let n = size.max(1).min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// The replay does not depend on how the capture's bytes arrive (pcap
    /// and pcapng): reads of any sizes, as `ReadsCapped` makes them and a
    /// pipe gives them, replay what the whole capture in memory replays.
    #[test]
    fn any_read_sizes_replay_the_same(
        sizes in proptest::collection::vec(1usize..5000, 1..8),
        ng in proptest::prelude::any::<bool>(),
    ) {
        let path = data("smtp-rfc2231").join("input.pcap");
        let whole = std::fs::read(&path).expect("the test capture");
        let bytes = if ng {
            let mut reader = PcapReader::new(&whole[..]).expect("pcap");
            let mut capture = twin::capture::Capture::new().expect("capture");
            while let Some(Ok(p)) = reader.next_packet() {
                let at = Instant::from_micros(i64::try_from(p.timestamp.as_micros()).unwrap_or(0));
                capture.record(twin::link::LinkId::Lan, at, &p.data);
            }
            capture.bytes().to_vec()
        } else {
            whole
        };
        let options = ReplayOptions { fix_checksums: true };
        let at_once = replay_bytes_with(&bytes, Config::default(), FrozenIntel::default(), options)
            .expect("replayed");
        let input = BufReader::with_capacity(16, Dribble { bytes: &bytes, sizes, turn: 0 });
        let dribbled = replay_into(input, Config::default(), FrozenIntel::default(), options, None)
            .expect("replayed");
        proptest::prop_assert!(at_once.frames > 0);
        proptest::prop_assert_eq!(format!("{at_once:?}"), format!("{dribbled:?}"));
    }
}
