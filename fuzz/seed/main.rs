//! Writes the starting corpus of every fuzz target from inputs nobody here
//! wrote (the captures of `../shared/corpus`) and from the scenarios (their
//! YAML, mails, files, rule files, and captures of the twin's own runs):
//! `cargo run --manifest-path fuzz/Cargo.toml --bin seed-corpora -- DIR...`.
//! Each seed is named by its content's SHA-256, so seeding twice adds
//! nothing; libFuzzer's own finds go in the same folders.

use appliance::inspect::anti_malware::sha256_hex;
use appliance::wire::checksum::fix_checksums;
use appliance::wire::frame::{self, L4, Parsed};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Seeds past this are cut: libFuzzer's default `-max_len` is near it.
const MAX_SEED: usize = 64 * 1024;

struct Seeds {
    out: PathBuf,
    written: BTreeMap<&'static str, usize>,
}

impl Seeds {
    fn add(&mut self, target: &'static str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let bytes = &bytes[..bytes.len().min(MAX_SEED)];
        let dir = self.out.join(target);
        let path = dir.join(&sha256_hex(bytes)[..16]);
        if path.exists() {
            return;
        }
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, bytes)) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        *self.written.entry(target).or_default() += 1;
    }
}

fn main() {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if args.is_empty() {
        args = vec![
            root.join("../../shared/corpus"),
            root.join("../appliance/tests/data"),
            root.join("../scenarios"),
        ];
    }
    let mut seeds = Seeds {
        out: root.join("corpus"),
        written: BTreeMap::new(),
    };
    for dir in &args {
        let mut files = Vec::new();
        walk(dir, &mut files);
        files.sort();
        for file in files {
            seed_file(&file, &mut seeds);
        }
    }
    builtin(&mut seeds);
    for (target, n) in &seeds.written {
        println!("{target:>14}: {n} new seeds");
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipping {}: not a readable folder", dir.display());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn seed_file(path: &Path, seeds: &mut Seeds) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "pcap" | "pcapng" => seed_capture(&bytes, seeds),
        "eml" => seed_mail(&bytes, seeds),
        "rules" => seeds.add("ips_rules", &bytes),
        "yaml" | "yml" => seed_yaml(path, &bytes, seeds),
        _ if name.starts_with("input") => seed_capture(&bytes, seeds),
        _ => seed_object(&bytes, seeds),
    }
}

/// A file as the anti-malware walkers meet it, by its magic.
fn seed_object(bytes: &[u8], seeds: &mut Seeds) {
    use appliance::inspect::anti_malware::{archive, office};
    if archive::is_zip(bytes) {
        let ooxml = bytes.windows(19).any(|w| w == b"[Content_Types].xml");
        seeds.add(if ooxml { "ooxml" } else { "zip" }, bytes);
        for entry in zip_entries(bytes) {
            seed_object(&entry, seeds);
        }
    } else if office::is_ole(bytes) {
        seeds.add("ole", bytes);
        seeds.add("ooxml", &docm_around(bytes));
    } else if office::is_onenote(bytes) {
        seeds.add("onenote", bytes);
    } else if office::is_lnk(bytes) {
        seeds.add("lnk", bytes);
    }
}

/// The entries of a zip that open without a password, up to 1 MiB each.
fn zip_entries(bytes: &[u8]) -> Vec<Vec<u8>> {
    use std::io::Read;
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    for index in 0..archive.len().min(64) {
        if let Ok(entry) = archive.by_index(index) {
            let mut data = Vec::new();
            if entry.take(1 << 20).read_to_end(&mut data).is_ok() {
                entries.push(data);
            }
        }
    }
    entries
}

/// A macro-enabled Word document holding `vba_project` as its
/// `vbaProject.bin`, stored (the fuzzer mutates stored bytes best).
fn docm_around(vba_project: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 3] = [
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/vbaProject.bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/></Types>",
        ),
        ("word/document.xml", b"<w:document/>"),
        ("word/vbaProject.bin", vba_project),
    ];
    for (name, data) in parts {
        if zip.start_file(name, stored).is_err() || zip.write_all(data).is_err() {
            return Vec::new();
        }
    }
    if zip.finish().is_err() {
        return Vec::new();
    }
    out.into_inner()
}

fn seed_mail(raw: &[u8], seeds: &mut Seeds) {
    seeds.add("mime", raw);
    for attachment in appliance::proto::mime::parse(raw).attachments {
        seed_object(&attachment.data, seeds);
    }
}

fn seed_yaml(path: &Path, bytes: &[u8], seeds: &mut Seeds) {
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let kind = match folder {
        "offices" => 0,
        "policies" => 2,
        _ => 1,
    };
    let mut seed = vec![kind];
    seed.extend_from_slice(bytes);
    seeds.add("yaml", &seed);
    // A scenario's `gateway:` block is what `replay --config` reads.
    if kind == 1
        && let Some(gateway) = gateway_block(bytes)
    {
        let mut seed = vec![3];
        seed.extend_from_slice(gateway.as_bytes());
        seeds.add("yaml", &seed);
    }
}

/// The lines under a top-level `gateway:` key, unindented.
fn gateway_block(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("gateway:"))
        .skip(1);
    let mut block = String::new();
    for line in lines.by_ref() {
        if !(line.starts_with(' ') || line.is_empty()) {
            break;
        }
        block.push_str(line.strip_prefix("  ").unwrap_or(line));
        block.push('\n');
    }
    (!block.trim().is_empty()).then_some(block)
}

/// Frames of a capture, with their timestamps in microseconds.
fn capture_frames(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut frames = Vec::new();
    if let Ok(mut reader) = pcap_file::pcap::PcapReader::new(bytes) {
        while let Some(Ok(packet)) = reader.next_packet() {
            let at = u64::try_from(packet.timestamp.as_micros()).unwrap_or(0);
            frames.push((at, packet.data.to_vec()));
        }
    } else if let Ok(mut reader) = pcap_file::pcapng::PcapNgReader::new(bytes) {
        while let Some(Ok(block)) = reader.next_block() {
            if let pcap_file::pcapng::Block::EnhancedPacket(packet) = block {
                let at = u64::try_from(packet.timestamp.as_micros()).unwrap_or(0);
                frames.push((at, packet.data.to_vec()));
            }
        }
    }
    frames
}

fn seed_capture(bytes: &[u8], seeds: &mut Seeds) {
    if bytes.len() <= 256 * 1024 {
        seeds.add("capture", bytes);
    }
    let frames = capture_frames(bytes);
    if frames.is_empty() {
        return;
    }
    // The frames target's records: flags (WAN bit, fix-checksums bit,
    // tenths of a second since the last frame), u16 length, frame.
    let mut records = Vec::new();
    let mut last = frames[0].0;
    let mut streams: BTreeMap<(std::net::Ipv4Addr, u16, std::net::Ipv4Addr, u16), Vec<u8>> =
        BTreeMap::new();
    for (at, data) in &frames {
        let fixed = fix_checksums(data).unwrap_or_else(|| data.clone());
        let parsed = frame::parse(&fixed);
        let wan = !matches!(&parsed, Ok(Parsed::Ipv4(p)) if p.src.is_private());
        let tenths = (at.saturating_sub(last) / 100_000).min(63) as u8;
        last = *at;
        if records.len() + data.len() + 3 <= MAX_SEED {
            records.push(u8::from(wan) | 2 | (tenths << 2));
            let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
            records.extend_from_slice(&len.to_le_bytes());
            records.extend_from_slice(&data[..usize::from(len)]);
        }
        if let Ok(Parsed::Ipv4(packet)) = parsed {
            match packet.l4 {
                L4::Tcp(seg) if !seg.payload.is_empty() => {
                    let key = (packet.src, seg.src_port, packet.dst, seg.dst_port);
                    let stream = streams.entry(key).or_default();
                    if stream.len() < MAX_SEED {
                        stream.extend_from_slice(seg.payload);
                    }
                }
                L4::Udp(datagram) if datagram.src_port == 53 || datagram.dst_port == 53 => {
                    seeds.add("dns", datagram.payload);
                }
                _ => {}
            }
        }
    }
    seeds.add("frames", &records);
    for ((_, _, _, dst_port), stream) in &streams {
        seed_stream(*dst_port, stream, seeds);
    }
}

fn seed_stream(dst_port: u16, stream: &[u8], seeds: &mut Seeds) {
    const METHODS: [&[u8]; 6] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"OPTIONS ",
        b"CONNECT ",
    ];
    if METHODS.iter().any(|m| stream.starts_with(m)) {
        seeds.add("http_request", stream);
    } else if stream.len() > 5 && stream[..5].eq_ignore_ascii_case(b"http/") {
        seeds.add("http_response", stream);
        let head_end = stream.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(end) = head_end
            && stream[..end]
                .to_ascii_lowercase()
                .windows(7)
                .any(|w| w == b"chunked")
        {
            for cut in [0u8, 5, 64, 200] {
                let mut seed = vec![cut];
                seed.extend_from_slice(&stream[end + 4..]);
                seeds.add("chunked", &seed);
            }
        }
    } else if stream.first() == Some(&0x16) {
        seeds.add("tls", stream);
    } else if dst_port == 25 || dst_port == 587 {
        let data = stream
            .windows(6)
            .position(|w| w.eq_ignore_ascii_case(b"DATA\r\n"));
        if let Some(at) = data {
            let message = &stream[at + 6..];
            let end = message
                .windows(5)
                .position(|w| w == b"\r\n.\r\n")
                .map_or(message.len(), |e| e + 2);
            seed_mail(&message[..end], seeds);
        }
    } else if dst_port == 53 && stream.len() > 2 {
        seeds.add("dns", &stream[2..]);
    }
}

/// Seeds made with the twin's and the firmware's own encoders.
fn builtin(seeds: &mut Seeds) {
    for name in [
        "www.example.com",
        "c2.example.net",
        "xn--eckwd4c7c.example.jp",
    ] {
        seeds.add("tls", &twin::tls::client_hello(&[7; 32], name));
        if let Some(query) = twin::dns::a_query(0x1234, name) {
            seeds.add("dns", &query);
            let answer =
                twin::dns::reply(&query, |_| Some(std::net::Ipv4Addr::new(203, 0, 113, 7)));
            if let Some(answer) = answer {
                seeds.add("dns", &answer);
            }
        }
    }
    let lines: [&[u8]; 8] = [
        b"H 1500000000000000 L\n",
        b"H 1500000000000000 W\n",
        b"P 1500000000100000\n",
        b"B 1500000000000000 2 []\n",
        b"R\n",
        b"O ok 3\n",
        b"O failed 2 the device list is not valid\n",
        b"D 1500000000200000 1 0 2\n",
    ];
    use firmware::control::{Command, Reply};
    for line in lines {
        assert!(
            Command::decode(line).is_ok() || Reply::decode(line).is_ok(),
            "control seed {:?} no longer decodes",
            String::from_utf8_lossy(line)
        );
        seeds.add("control", line);
    }
    seeds.add("control", &lines.concat());
    let chunked: [&[u8]; 4] = [
        b"\x05a\r\nhello\r\n0\r\n\r\n",
        b"\x0310;ext=1\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n",
        b"\x00ff\n\n",
        b"\x02 4 \r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n",
    ];
    for seed in chunked {
        seeds.add("chunked", seed);
    }
}
