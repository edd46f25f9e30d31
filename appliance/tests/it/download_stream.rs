//! The download scanner over a whole connection: responses one after the
//! other on a keep-alive connection, a stream with no head at all, a
//! WebSocket upgrade; what is not scanned is counted, never silent. Large
//! downloads (scanned as they stream) split into segments anywhere get the
//! verdict of their content, known by construction, and hold no body
//! unless it is a container.

use crate::support::{Conn, ack, fin, psh, syn, synack};
use appliance::gateway::Actions;
use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::intel::SignatureRule;
use appliance::{Action, Config, Engine, FrozenIntel, Gateway, Instant, Port};
use proptest::prelude::*;
use std::io::{Cursor, Write};
use std::net::Ipv4Addr;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 44);

/// Sends `stream` from the server in 1000-byte segments after a request;
/// `close` adds the server's FIN. Returns the gateway and what it did.
fn download(stream: &[u8], close: bool) -> (Gateway, Actions) {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let c = Conn::new(41_000, SERVER);
    let now = Instant::from_secs(1_700_000_000);
    let mut out = Actions::default();
    gw.handle(now, Port::Lan, &c.client(100, 0, syn(), b""), &mut out);
    gw.handle(now, Port::Wan, &c.server(900, 101, synack(), b""), &mut out);
    gw.handle(now, Port::Lan, &c.client(101, 901, ack(), b""), &mut out);
    let req = b"GET /a HTTP/1.1\r\nHost: dl.example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: dl.example.com\r\n\r\n";
    gw.handle(now, Port::Lan, &c.client(101, 901, psh(), req), &mut out);
    let client_next = 101 + req.len() as u32;
    let mut seq = 901u32;
    for piece in stream.chunks(1000) {
        gw.handle(
            now,
            Port::Wan,
            &c.server(seq, client_next, psh(), piece),
            &mut out,
        );
        seq = seq.wrapping_add(piece.len() as u32);
    }
    if close {
        gw.handle(
            now,
            Port::Wan,
            &c.server(seq, client_next, fin(), b""),
            &mut out,
        );
    }
    (gw, out)
}

fn detected(out: &Actions) -> bool {
    out.events
        .iter()
        .any(|e| e.engine == Engine::AntiMalware && e.action == Action::Reset)
}

#[test]
fn the_second_response_on_a_keep_alive_connection_is_scanned() {
    let clean = b"hello world, a clean page\r\n".repeat(200);
    let mut stream = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in clean.chunks(333) {
        stream.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        stream.extend_from_slice(piece);
        stream.extend_from_slice(b"\r\n");
    }
    stream.extend_from_slice(b"0\r\n\r\n");
    stream.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 68\r\n\r\n");
    stream.extend_from_slice(EICAR);
    // Without the server's close: the Content-Length ends the body.
    let (_, out) = download(&stream, false);
    assert!(detected(&out), "{:#?}", out.events);
    let e = out
        .events
        .iter()
        .find(|e| e.engine == Engine::AntiMalware)
        .map(|e| e.url.clone());
    assert_eq!(e, Some(Some("http://dl.example.com/b".into())));
}

#[test]
fn a_stream_without_a_head_is_scanned_as_http_09_and_counted() {
    let (gw, out) = download(EICAR, true);
    assert!(detected(&out));
    assert_eq!(gw.stats().headless_responses, 1);
    // A clean headless stream passes, counted too.
    let (gw, out) = download(b"SSH-2.0-OpenSSH_9.6\r\nnot http at all", true);
    assert!(!detected(&out));
    assert_eq!(gw.stats().headless_responses, 1);
}

#[test]
fn a_head_that_never_ends_is_read_raw_and_counted() {
    let mut stream = b"HTTP/1.1 200 OK\r\n".to_vec();
    stream.extend(std::iter::repeat_n(b'a', 20_000));
    let (gw, out) = download(&stream, true);
    assert!(!detected(&out));
    assert_eq!(gw.stats().unreadable_heads, 1);
}

#[test]
fn a_websocket_upgrade_is_not_read_as_a_download() {
    let mut stream =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            .to_vec();
    stream.extend_from_slice(EICAR);
    let (gw, out) = download(&stream, true);
    assert!(!detected(&out));
    let s = gw.stats();
    assert_eq!((s.headless_responses, s.unreadable_heads), (0, 0));
}

/// The signature the large downloads may carry (no filler byte is in it).
const RULE: &str = "officetwin-stream-test-signature";

fn rule_intel() -> FrozenIntel {
    FrozenIntel {
        signatures: vec![SignatureRule {
            name: "Test.Stream".into(),
            text: Some(RULE.into()),
            hex: None,
        }],
        ..FrozenIntel::default()
    }
}

/// Bytes that compress like nothing (xorshift), for zips that stay large.
fn noise(len: usize, mut x: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .ok();
        w.write_all(data).ok();
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// `data` chunked in pieces of the sizes given (cycled).
fn chunked(data: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        out.extend_from_slice(&rest[..n]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The server's `stream` after two requests (`/a`, `/b`), cut into
/// segments of the sizes given (cycled), the FIN after them when `close`;
/// the gateway's actions and the most stream bytes it held meanwhile.
fn download_split(
    intel: FrozenIntel,
    stream: &[u8],
    sizes: &[usize],
    close: bool,
) -> (Actions, usize) {
    let mut gw = Gateway::new(Config::default(), intel);
    let c = Conn::new(41_000, SERVER);
    let now = Instant::from_secs(1_700_000_000);
    let mut out = Actions::default();
    gw.handle(now, Port::Lan, &c.client(100, 0, syn(), b""), &mut out);
    gw.handle(now, Port::Wan, &c.server(900, 101, synack(), b""), &mut out);
    gw.handle(now, Port::Lan, &c.client(101, 901, ack(), b""), &mut out);
    let req = b"GET /a HTTP/1.1\r\nHost: dl.example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: dl.example.com\r\n\r\n";
    gw.handle(now, Port::Lan, &c.client(101, 901, psh(), req), &mut out);
    let client_next = 101 + req.len() as u32;
    let mut seq = 901u32;
    let mut rest = stream;
    let mut most = 0;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let frame = c.server(seq, client_next, psh(), &rest[..n]);
        gw.handle(now, Port::Wan, &frame, &mut out);
        seq = seq.wrapping_add(n as u32);
        rest = &rest[n..];
        most = most.max(gw.stream_bytes());
    }
    if close {
        gw.handle(
            now,
            Port::Wan,
            &c.server(seq, client_next, fin(), b""),
            &mut out,
        );
    }
    (out, most)
}

/// The anti-malware resets: each one's URL and reason chain.
fn blocked_with(out: &Actions) -> Vec<(String, String)> {
    out.events
        .iter()
        .filter(|e| e.engine == Engine::AntiMalware && e.action == Action::Reset)
        .map(|e| (e.url.clone().unwrap_or_default(), e.reason()))
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Content {
    Clean,
    /// The rule at a place in the body.
    Rule,
    /// A zip holding EICAR and noise.
    EicarZip,
    /// The rule, in a file whose name the profile excludes.
    ExcludedRule,
}

#[derive(Clone, Copy, Debug)]
enum Framing {
    Length,
    Chunked,
    Close,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Class: a large download (past the head window, so it streams) in
    /// any framing the gateway streams, its body's content known, split
    /// into segments anywhere, with a second response (EICAR) after it on
    /// the same connection. The verdict is the content's; the response
    /// after it is read too.
    #[test]
    fn large_downloads_split_anywhere_get_their_contents_verdict(
        len in 17_000usize..70_000,
        content in prop_oneof![Just(Content::Clean), Just(Content::Rule), Just(Content::EicarZip), Just(Content::ExcludedRule)],
        framing in prop_oneof![Just(Framing::Length), Just(Framing::Chunked), Just(Framing::Close)],
        at in any::<prop::sample::Index>(),
        chunks in proptest::collection::vec(1usize..9000, 1..8),
        segments in proptest::collection::vec(1usize..4000, 1..16),
    ) {
        let filler: Vec<u8> = b"2017-09-26 10:00:00,192.168.1.11,order-42,OK\r\n".iter().copied().cycle().take(len).collect();
        let body = match content {
            Content::Clean => filler,
            Content::Rule | Content::ExcludedRule => {
                let at = at.index(len);
                [&filler[..at], RULE.as_bytes(), &filler[at..]].concat()
            }
            Content::EicarZip => zip_of(&[("noise.bin", &noise(len, 7)), ("eicar.com", EICAR)]),
        };
        let name = match content {
            Content::ExcludedRule => "photo.jpg",
            _ => "file.bin",
        };
        let mut stream = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n"
        )
        .into_bytes();
        match framing {
            Framing::Length => {
                stream.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                stream.extend_from_slice(&body);
            }
            Framing::Chunked => {
                stream.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                stream.extend_from_slice(&chunked(&body, &chunks));
            }
            Framing::Close => {
                stream.extend_from_slice(b"\r\n");
                stream.extend_from_slice(&body);
            }
        }
        let keep_alive = !matches!(framing, Framing::Close);
        if keep_alive {
            stream.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 68\r\n\r\n");
            stream.extend_from_slice(EICAR);
        }
        let (out, _) = download_split(rule_intel(), &stream, &segments, !keep_alive);
        let blocked = blocked_with(&out);
        let (url, reason) = blocked.first().cloned().unwrap_or_default();
        match content {
            Content::Rule => {
                prop_assert!(url.ends_with("/a") && reason.contains("Test.Stream") && reason.contains(name), "{blocked:?}");
            }
            Content::EicarZip => prop_assert!(url.ends_with("/a") && reason.contains("eicar.com"), "{blocked:?}"),
            Content::Clean | Content::ExcludedRule => {
                // Only the EICAR after it, if any.
                prop_assert_eq!(blocked.len(), usize::from(keep_alive), "{:?}", blocked);
                prop_assert!(!keep_alive || url.ends_with("/b"), "{blocked:?}");
            }
        }
    }
}

#[test]
fn a_streamed_download_holds_no_body_but_a_zip_is_held_to_be_read() {
    let body: Vec<u8> = b"2017-09-26 10:00:00,192.168.1.11,order-42,OK\r\n"
        .iter()
        .copied()
        .cycle()
        .take(4 << 20)
        .collect();
    for (file, body, held) in [
        ("report.csv", body.clone(), false),
        ("report.zip", zip_of(&[("a.bin", &noise(4 << 20, 9))]), true),
    ] {
        let mut stream = format!(
            "HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename={file}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        stream.extend_from_slice(&body);
        let (out, most) = download_split(rule_intel(), &stream, &[1448], false);
        assert!(blocked_with(&out).is_empty());
        if held {
            assert!(most >= body.len(), "{file}: {most}");
        } else {
            // The reassembly window, the head window and the scanners'.
            assert!(most < 256 << 10, "{file}: {most}");
        }
    }
}
