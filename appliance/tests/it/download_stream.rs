//! The download scanner over a whole connection: responses one after the
//! other on a keep-alive connection, a stream with no head at all, a
//! WebSocket upgrade; what is not scanned is counted, never silent.

use crate::support::{Conn, ack, fin, psh, syn, synack};
use appliance::gateway::Actions;
use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::{Action, Config, Engine, FrozenIntel, Gateway, Instant, Port};
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
