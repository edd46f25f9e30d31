//! A LAN client's TCP flow that is none of what the gateway reads by its
//! first bytes (HTTP, TLS, BitTorrent) passes promptly and intact. Found
//! with mail security off: every POP3 fetch of emotet-2019-macro-reply
//! timed out, the client's `USER` line held as the start of an HTTP request
//! whose header never ends. Class: the server speaks first (a banner: SMTP,
//! POP3, IMAP, FTP, SSH, any printable line protocol, on any port, 80 and
//! 8080 included), whatever the client answers; or the client's first line
//! is complete and is no HTTP request line (`USER tanaka`, `EHLO pc04`).
//! Every byte of both directions is forwarded unchanged and in order: in a
//! banner flow each frame in the very call that brought it, in a client-first
//! flow at the latest with the segment that ends the first line; nothing is
//! logged. The counter-class stays inspected: an HTTP request on the same
//! ports is held until its header is complete and read by C&C, and a
//! download is scanned.

use crate::support::{Conn, Sequenced, ack, decode, fin, psh, spine_intel, syn, synack};
use appliance::gateway::Actions;
use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::wire::frame::Flags;
use appliance::{Action, Config, Engine, FrozenIntel, Gateway, Instant, Port};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::net::Ipv4Addr;

const ISP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 25);

/// HTTP methods (RFC 9110, WebDAV): the test's own list of what a
/// request line may start with.
const HTTP_METHODS: [&str; 16] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
];

/// One connection through a fresh gateway with mail security off (ports 25
/// and 110 are then no mail proxy's), its sequence numbers tracked, and the
/// frames sent that the gateway has not forwarded yet.
struct Talk {
    gw: Gateway,
    s: Sequenced,
    out: Actions,
    now: Instant,
    /// Frames sent, not forwarded yet, with the port they must leave by.
    pending: VecDeque<(Port, Vec<u8>)>,
    /// Events the gateway logged, as `engine action`.
    events: Vec<String>,
}

impl Talk {
    fn new(port: u16, intel: FrozenIntel) -> Talk {
        let mut config = Config::default();
        config.mail.enabled = false;
        let mut c = Conn::new(49_152, ISP);
        c.ends.dst_port = port;
        let mut t = Talk {
            gw: Gateway::new(config, intel),
            s: Sequenced {
                conn: c,
                client: 1_000,
                server: 70_000,
            },
            out: Actions::default(),
            now: Instant::from_secs(1_575_334_800),
            pending: VecDeque::new(),
            events: Vec::new(),
        };
        for (side, flags) in [
            (Port::Lan, syn()),
            (Port::Wan, synack()),
            (Port::Lan, ack()),
        ] {
            t.send(side, flags, b"").expect("the handshake passes");
        }
        t
    }

    /// A segment from `port`'s side at its next sequence number. Every
    /// frame the gateway emits must be the oldest one sent its way, as sent.
    fn send(&mut self, port: Port, flags: Flags, payload: &[u8]) -> Result<(), String> {
        let frame = self.s.next(port, flags, payload);
        self.pending.push_back((port.other(), frame.clone()));
        self.out.clear();
        self.gw.handle(self.now, port, &frame, &mut self.out);
        self.events.extend(
            self.out
                .events
                .iter()
                .map(|e| format!("{:?} {:?}", e.engine, e.action)),
        );
        for emit in &self.out.frames {
            let next = self.pending.iter().position(|(p, _)| *p == emit.port);
            match next {
                Some(i) if self.pending[i].1 == emit.frame => {
                    self.pending.remove(i);
                }
                _ => {
                    return Err(format!(
                        "emitted a frame that is not the next one sent that way: {:?}",
                        decode(emit)
                    ));
                }
            }
        }
        Ok(())
    }

    /// Sends `bytes` from `port`'s side cut into `cuts`-sized segments;
    /// each must be forwarded in the call that brought it.
    fn pass(&mut self, port: Port, bytes: &[u8], cuts: &[usize]) -> Result<(), String> {
        for piece in segments(bytes, cuts) {
            self.send(port, psh(), piece)?;
            if !self.pending.is_empty() {
                return Err(format!(
                    "{} frame(s) held after {:?} on port {}",
                    self.pending.len(),
                    String::from_utf8_lossy(piece),
                    self.s.conn.ends.dst_port
                ));
            }
        }
        Ok(())
    }

    /// FIN from the client, then from the server, each ACKed; all passes.
    fn close(&mut self) -> Result<(), String> {
        for (side, flags) in [
            (Port::Lan, fin()),
            (Port::Wan, ack()),
            (Port::Wan, fin()),
            (Port::Lan, ack()),
        ] {
            self.send(side, flags, b"")?;
        }
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(format!("{} frame(s) held at the close", self.pending.len()))
        }
    }

    fn detected(&self, engine: Engine) -> bool {
        let name = format!("{engine:?} ");
        self.events.iter().any(|e| e.starts_with(&name))
    }
}

/// `bytes` cut into segments of the sizes in `cuts`, taken in turn.
fn segments<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < bytes.len() {
        let n = cuts
            .get(i % cuts.len().max(1))
            .copied()
            .unwrap_or(1460)
            .max(1);
        let end = (at + n).min(bytes.len());
        out.push(&bytes[at..end]);
        at = end;
        i += 1;
    }
    out
}

/// A mail with an attachment, base64 as mail programs send it.
fn mail_with_attachment() -> Vec<u8> {
    let mut b64 = String::new();
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in EICAR.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(table[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    format!(
        "From: partner@example.net\r\nTo: tanaka@print-shop.example\r\nSubject: Re: estimate\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n\
Content-Type: text/plain\r\n\r\nplease see the file\r\n--B\r\nContent-Type: application/octet-stream; \
name=\"eicar.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--B--\r\n"
    )
    .into_bytes()
}

#[test]
fn a_pop3_fetch_with_mail_security_off_passes_whole() {
    let mut t = Talk::new(110, FrozenIntel::default());
    let mail = mail_with_attachment();
    let mut retr = format!("+OK {} octets\r\n", mail.len()).into_bytes();
    retr.extend_from_slice(&mail);
    retr.extend_from_slice(b".\r\n");
    let conversation: [(Port, &[u8]); 11] = [
        (
            Port::Wan,
            b"+OK POP3 server ready <1896.697170952@isp.example>\r\n",
        ),
        (Port::Lan, b"USER tanaka@print-shop.example\r\n"),
        (Port::Wan, b"+OK\r\n"),
        (Port::Lan, b"PASS secret\r\n"),
        (Port::Wan, b"+OK 1 messages\r\n"),
        (Port::Lan, b"STAT\r\n"),
        (Port::Wan, b"+OK 1 512\r\n"),
        (Port::Lan, b"RETR 1\r\n"),
        (Port::Wan, &retr),
        (Port::Lan, b"QUIT\r\n"),
        (Port::Wan, b"+OK bye\r\n"),
    ];
    for (side, bytes) in conversation {
        t.pass(side, bytes, &[536]).unwrap();
    }
    t.close().unwrap();
    assert!(t.events.is_empty(), "{:?}", t.events);
}

/// A port, the server's banner, the client's line, the server's answer.
type Exchange = (u16, &'static [u8], &'static [u8], &'static [u8]);

#[test]
fn every_banner_protocol_passes_on_its_port_and_on_the_web_s() {
    let cases: [Exchange; 5] = [
        (
            587,
            b"220 smtp.isp.example ESMTP\r\n",
            b"EHLO pc04.print-shop.example\r\n",
            b"250-smtp.isp.example\r\n250 AUTH PLAIN\r\n",
        ),
        (
            21,
            b"220 FTP server ready\r\n",
            b"USER anonymous\r\n",
            b"331 Password required\r\n",
        ),
        (
            143,
            b"* OK IMAP4rev1 ready\r\n",
            b"A001 LOGIN tanaka secret\r\n",
            b"A001 OK LOGIN completed\r\n",
        ),
        (
            22,
            b"SSH-2.0-OpenSSH_7.4\r\n",
            b"SSH-2.0-PuTTY_Release_0.73\r\n",
            b"\x00\x00\x01\x14\x0a\x14",
        ),
        (
            8080,
            b"+OK POP3 on a web port\r\n",
            b"USER tanaka\r\n",
            b"+OK\r\n",
        ),
    ];
    for (port, banner, ask, answer) in cases {
        let mut t = Talk::new(port, FrozenIntel::default());
        t.pass(Port::Wan, banner, &[1460]).unwrap();
        t.pass(Port::Lan, ask, &[1460]).unwrap();
        t.pass(Port::Wan, answer, &[1460]).unwrap();
        t.close().unwrap();
        assert!(t.events.is_empty(), "port {port}: {:?}", t.events);
    }
}

#[test]
fn an_http_request_after_no_banner_is_still_held_and_read() {
    // The counter-class on a banner port and a web port: the server says
    // nothing, the client sends a request line whose header is not
    // complete yet. It is held (with or without a version) until the
    // header ends, then C&C reads it.
    for port in [110u16, 8080] {
        for line in [
            &b"GET /account.asp?qu=cmd HTTP/1.1\r\n"[..],
            b"GET /account.asp?qu=cmd\r\n",
        ] {
            let mut t = Talk::new(port, spine_intel());
            t.send(Port::Lan, psh(), line).unwrap();
            assert_eq!(
                t.pending.len(),
                1,
                "port {port}: the request line was not held"
            );
            t.send(Port::Lan, psh(), b"Host: xxxrzy8823l68me.net\r\n\r\n")
                .unwrap_or_default();
            assert!(t.detected(Engine::Cnc), "port {port}: {:?}", t.events);
        }
    }
}

#[test]
fn a_download_on_a_banner_port_is_still_scanned() {
    let mut t = Talk::new(110, FrozenIntel::default());
    t.pass(
        Port::Lan,
        b"GET /files/setup.exe HTTP/1.1\r\nHost: files.example.com\r\n\r\n",
        &[1460],
    )
    .unwrap();
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", EICAR.len()).into_bytes();
    response.extend_from_slice(EICAR);
    t.send(Port::Wan, psh(), &response).unwrap_or_default();
    assert!(
        t.events
            .iter()
            .any(|e| e == &format!("{:?} {:?}", Engine::AntiMalware, Action::Reset)),
        "{:?}",
        t.events
    );
}

/// A printable line (space to tilde), CRLF-terminated.
fn line(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0x20u8..0x7f, 0..max).prop_map(|mut l| {
        l.extend_from_slice(b"\r\n");
        l
    })
}

/// A banner: one to four printable lines, up to a few KB in all.
fn banner() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(line(1500), 1..4).prop_map(|lines| lines.concat())
}

/// What a banner protocol's client says: a command shaped like a request
/// line (`TOKEN SP ...`), or any printable line.
fn client_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (
            "[A-Z]{1,8}",
            proptest::collection::vec(0x20u8..0x7f, 0..120)
        )
            .prop_map(|(command, rest)| {
                let mut l = command.into_bytes();
                l.push(b' ');
                l.extend(rest);
                l.extend_from_slice(b"\r\n");
                l
            }),
        line(200),
    ]
}

/// A port: the banner protocols' own, the web's, or any.
fn any_port() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(21u16),
        Just(22),
        Just(25),
        Just(80),
        Just(110),
        Just(143),
        Just(443),
        Just(587),
        Just(8080),
        1u16..=65535,
    ]
}

/// A complete first line that starts like a request line (`TOKEN SP`) and
/// is none: no HTTP method, a target that is not `/...`, `*` or
/// `scheme://...`, no `HTTP/` version anywhere.
fn not_a_request_line() -> impl Strategy<Value = Vec<u8>> {
    (
        "[A-Z]{1,12}",
        "[a-zA-Z0-9.@<>:_=-]{0,40}",
        "[a-zA-Z0-9 .@<>:_=-]{0,80}",
    )
        .prop_filter("an HTTP method", |(m, _, _)| {
            !HTTP_METHODS.contains(&m.as_str())
        })
        .prop_map(|(m, target, rest)| format!("{m} {target} {rest}\r\n").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_server_that_speaks_first_is_passed_at_once_both_ways(
        port in any_port(),
        banner in banner(),
        cuts in proptest::collection::vec(1usize..1460, 1..8),
        talk in proptest::collection::vec((client_line(), line(300)), 0..4),
    ) {
        let mut t = Talk::new(port, FrozenIntel::default());
        t.pass(Port::Wan, &banner, &cuts).map_err(TestCaseError::fail)?;
        for (ask, answer) in &talk {
            t.pass(Port::Lan, ask, &cuts).map_err(TestCaseError::fail)?;
            t.pass(Port::Wan, answer, &cuts).map_err(TestCaseError::fail)?;
        }
        t.close().map_err(TestCaseError::fail)?;
        prop_assert!(t.events.is_empty(), "port {}: {:?}", port, t.events);
    }

    #[test]
    fn a_client_first_line_that_is_no_request_passes_when_it_ends(
        port in any_port(),
        first in not_a_request_line(),
        cuts in proptest::collection::vec(1usize..40, 1..8),
        talk in proptest::collection::vec((line(300), client_line()), 0..4),
    ) {
        let mut t = Talk::new(port, FrozenIntel::default());
        let pieces = segments(&first, &cuts);
        for piece in &pieces {
            t.send(Port::Lan, psh(), piece).map_err(TestCaseError::fail)?;
        }
        prop_assert!(
            t.pending.is_empty(),
            "port {}: {} frame(s) of {:?} held after its line ended",
            port,
            t.pending.len(),
            String::from_utf8_lossy(&first)
        );
        for (answer, ask) in &talk {
            t.pass(Port::Wan, answer, &cuts).map_err(TestCaseError::fail)?;
            t.pass(Port::Lan, ask, &cuts).map_err(TestCaseError::fail)?;
        }
        t.close().map_err(TestCaseError::fail)?;
        prop_assert!(t.events.is_empty(), "port {}: {:?}", port, t.events);
    }
}
