//! Frames shorter than their headers claim, of every kind the gateway
//! reads: never a panic, and a frame its IPv4 header says is longer than it
//! is never forwarded, only counted malformed.
//!
//! The frames are built here byte by byte (checksums by RFC 1071 in the
//! test), not with the gateway's forge: ARP, DHCP, DNS both ways, a TCP SYN
//! with options, an HTTP request and its response, a TLS ClientHello, SMTP
//! and POP3 lines, ICMP, a fragment, IPv4 options, GRE, IPv6. Each comes
//! after the conversation that gets it to the parser that reads it (a
//! handshake, the request before a response), then cut three ways: bytes
//! dropped with every length kept (what a capture's snap length leaves),
//! the IPv4 and UDP lengths cut to match with checksums redone (so the
//! inner headers, DNS counts, TLS and HTTP lengths, claim what is gone),
//! and the IPv4 total length raised past the frame.

use appliance::config::Config;
use appliance::{Actions, FrozenIntel, Gateway, Instant, Port};
use proptest::prelude::*;

const PC: [u8; 4] = [192, 168, 1, 11];
const SERVER: [u8; 4] = [198, 51, 100, 7];
const PC_MAC: [u8; 6] = [0x00, 0x0c, 0x29, 0x11, 0x22, 0x33];
const ROUTER_MAC: [u8; 6] = [0x00, 0x1b, 0x8b, 0xaa, 0xbb, 0xcc];

/// RFC 1071 over the concatenated parts.
fn sum(parts: &[&[u8]]) -> u16 {
    let bytes: Vec<u8> = parts.concat();
    let mut acc: u32 = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// One direction: LAN (PC to server) or WAN (server to PC).
#[derive(Clone, Copy, Debug)]
enum Dir {
    Out,
    In,
}

impl Dir {
    fn port(self) -> Port {
        match self {
            Dir::Out => Port::Lan,
            Dir::In => Port::Wan,
        }
    }
    fn ends(self) -> ([u8; 6], [u8; 6], [u8; 4], [u8; 4]) {
        match self {
            Dir::Out => (PC_MAC, ROUTER_MAC, PC, SERVER),
            Dir::In => (ROUTER_MAC, PC_MAC, SERVER, PC),
        }
    }
}

/// Ethernet + IPv4 (with `options`, `frag` field) around `l4`.
fn ipv4(dir: Dir, protocol: u8, options: &[u8], frag: u16, l4: &[u8]) -> Vec<u8> {
    let (smac, dmac, src, dst) = dir.ends();
    let ihl = 20 + options.len();
    let mut ip = vec![0u8; ihl];
    ip[0] = 0x40 | (ihl / 4) as u8;
    ip[2..4].copy_from_slice(&((ihl + l4.len()) as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&0x4242u16.to_be_bytes());
    ip[6..8].copy_from_slice(&frag.to_be_bytes());
    ip[8] = 64;
    ip[9] = protocol;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&dst);
    ip[20..].copy_from_slice(options);
    let s = sum(&[&ip]);
    ip[10..12].copy_from_slice(&s.to_be_bytes());
    [&dmac[..], &smac[..], &[0x08, 0x00], &ip, l4].concat()
}

fn pseudo(dir: Dir, protocol: u8, len: usize) -> Vec<u8> {
    let (_, _, src, dst) = dir.ends();
    [
        &src[..],
        &dst[..],
        &[0, protocol],
        &(len as u16).to_be_bytes(),
    ]
    .concat()
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;

/// A TCP segment; a SYN carries MSS, window scale, SACK-permitted options.
fn tcp(dir: Dir, ports: (u16, u16), seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let options: &[u8] = if flags & SYN != 0 {
        &[2, 4, 0x05, 0xb4, 1, 3, 3, 8, 4, 2, 0, 0]
    } else {
        &[]
    };
    let hlen = 20 + options.len();
    let mut h = vec![0u8; hlen];
    h[0..2].copy_from_slice(&ports.0.to_be_bytes());
    h[2..4].copy_from_slice(&ports.1.to_be_bytes());
    h[4..8].copy_from_slice(&seq.to_be_bytes());
    h[8..12].copy_from_slice(&ack.to_be_bytes());
    h[12] = ((hlen / 4) as u8) << 4;
    h[13] = flags;
    h[14..16].copy_from_slice(&64240u16.to_be_bytes());
    h[20..].copy_from_slice(options);
    let seg = [&h[..], payload].concat();
    let s = sum(&[&pseudo(dir, 6, seg.len()), &seg]);
    let mut seg = seg;
    seg[16..18].copy_from_slice(&s.to_be_bytes());
    ipv4(dir, 6, &[], 0, &seg)
}

fn udp(dir: Dir, ports: (u16, u16), payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut d = [
        &ports.0.to_be_bytes()[..],
        &ports.1.to_be_bytes(),
        &(len as u16).to_be_bytes(),
        &[0, 0],
        payload,
    ]
    .concat();
    let s = sum(&[&pseudo(dir, 17, len), &d]);
    d[6..8].copy_from_slice(&s.to_be_bytes());
    ipv4(dir, 17, &[], 0, &d)
}

/// A DNS message: one question for `name` (A), `answers` A records.
fn dns(name: &str, response: bool) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, if response { 0x81 } else { 0x01 }, 0x00];
    m.extend_from_slice(&[0, 1, 0, u8::from(response), 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    if response {
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(&SERVER);
    }
    m
}

/// A DHCP DISCOVER with a host name option.
fn dhcp() -> Vec<u8> {
    let mut m = vec![1, 1, 6, 0, 0xde, 0xad, 0xbe, 0xef];
    m.resize(28, 0);
    m.extend_from_slice(&PC_MAC);
    m.resize(236, 0);
    m.extend_from_slice(&[99, 130, 83, 99, 53, 1, 1, 12, 5]);
    m.extend_from_slice(b"PC-11");
    m.extend_from_slice(&[55, 2, 1, 3, 255]);
    m
}

/// A TLS 1.2 ClientHello with an SNI.
fn client_hello(host: &str) -> Vec<u8> {
    let name = host.as_bytes();
    let sni = [
        &[0u8, 0][..],
        &((name.len() + 5) as u16).to_be_bytes(),
        &((name.len() + 3) as u16).to_be_bytes(),
        &[0],
        &(name.len() as u16).to_be_bytes(),
        name,
    ]
    .concat();
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni);
    let hs = [&[1u8][..], &(body.len() as u32).to_be_bytes()[1..], &body].concat();
    [&[22u8, 3, 1][..], &(hs.len() as u16).to_be_bytes(), &hs].concat()
}

fn arp() -> Vec<u8> {
    let mut f = [&[0xffu8; 6][..], &PC_MAC, &[0x08, 0x06]].concat();
    f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f.extend_from_slice(&PC_MAC);
    f.extend_from_slice(&PC);
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&SERVER);
    f
}

/// A kind of frame: the conversation before it, and the frame.
struct Kind {
    name: &'static str,
    before: Vec<(Dir, Vec<u8>)>,
    dir: Dir,
    frame: Vec<u8>,
}

/// A TCP conversation on `port` up to its handshake, and `client` sent.
fn tcp_kind(
    name: &'static str,
    port: u16,
    client: Option<&[u8]>,
    dir: Dir,
    payload: &[u8],
) -> Kind {
    let ports = (49_200, port);
    let back = (port, 49_200);
    let (c0, s0) = (1000u32, 5000u32);
    let mut before = vec![
        (Dir::Out, tcp(Dir::Out, ports, c0, 0, SYN, b"")),
        (Dir::In, tcp(Dir::In, back, s0, c0 + 1, SYN | ACK, b"")),
        (Dir::Out, tcp(Dir::Out, ports, c0 + 1, s0 + 1, ACK, b"")),
    ];
    let mut cseq = c0 + 1;
    if let Some(req) = client {
        before.push((Dir::Out, tcp(Dir::Out, ports, cseq, s0 + 1, PSH_ACK, req)));
        cseq += req.len() as u32;
    }
    let frame = match dir {
        Dir::Out => tcp(dir, ports, cseq, s0 + 1, PSH_ACK, payload),
        Dir::In => tcp(dir, back, s0 + 1, cseq, PSH_ACK, payload),
    };
    Kind {
        name,
        before,
        dir,
        frame,
    }
}

fn kinds() -> Vec<Kind> {
    let get = b"GET /files/report.doc HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\n\r\n";
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/msword\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij";
    let gre = [&[0u8, 0, 0x08, 0x00][..], &[0x45; 24]].concat();
    let icmp = {
        let mut m = vec![8, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4];
        let s = sum(&[&m]);
        m[2..4].copy_from_slice(&s.to_be_bytes());
        m
    };
    let ipv6 = [
        &ROUTER_MAC[..],
        &PC_MAC,
        &[0x86, 0xdd, 0x60, 0, 0, 0, 0, 40, 6, 64],
        &[0u8; 72],
    ]
    .concat();
    let alone = |name, dir, frame| Kind {
        name,
        before: Vec::new(),
        dir,
        frame,
    };
    vec![
        alone("arp", Dir::Out, arp()),
        alone("ipv6", Dir::Out, ipv6),
        alone("dhcp", Dir::Out, udp(Dir::Out, (68, 67), &dhcp())),
        alone(
            "dns query",
            Dir::Out,
            udp(Dir::Out, (53_000, 53), &dns("www.example.com", false)),
        ),
        Kind {
            name: "dns answer",
            before: vec![(
                Dir::Out,
                udp(Dir::Out, (53_000, 53), &dns("www.example.com", false)),
            )],
            dir: Dir::In,
            frame: udp(Dir::In, (53, 53_000), &dns("www.example.com", true)),
        },
        alone("icmp", Dir::Out, ipv4(Dir::Out, 1, &[], 0, &icmp)),
        alone(
            "fragment",
            Dir::Out,
            ipv4(Dir::Out, 17, &[], 0x2000, &[0x11; 40]),
        ),
        alone(
            "ipv4 options",
            Dir::Out,
            ipv4(Dir::Out, 1, &[0x94, 4, 0, 0, 1, 0, 0, 0], 0, &icmp),
        ),
        alone("gre", Dir::Out, ipv4(Dir::Out, 47, &[], 0, &gre)),
        alone(
            "syn",
            Dir::Out,
            tcp(Dir::Out, (49_100, 80), 77, 0, SYN, b""),
        ),
        tcp_kind("http request", 80, None, Dir::Out, get),
        tcp_kind("http response", 80, Some(get), Dir::In, response),
        tcp_kind(
            "tls client hello",
            443,
            None,
            Dir::Out,
            &client_hello("www.example.com"),
        ),
        tcp_kind(
            "smtp",
            25,
            None,
            Dir::Out,
            b"EHLO pc-11.example.com\r\nMAIL FROM:<a@example.com>\r\n",
        ),
        tcp_kind(
            "pop3",
            110,
            Some(b"RETR 1\r\n"),
            Dir::In,
            b"+OK 40 octets\r\nSubject: x\r\n\r\nbody\r\n.\r\n",
        ),
    ]
}

/// How a frame is made shorter than its headers claim.
#[derive(Clone, Copy, Debug)]
enum Shorten {
    /// The last bytes dropped, every length kept.
    Cut,
    /// Cut, then the IPv4 (and UDP) lengths and checksums made to match.
    CutConsistent,
    /// Whole, but the IPv4 total length raised by this much.
    Claim(u16),
}

fn shorten(frame: &[u8], len: usize, how: Shorten) -> Vec<u8> {
    let mut f = frame[..len.min(frame.len())].to_vec();
    let ipv4 = f.len() >= 34 && f[12..14] == [0x08, 0x00];
    match how {
        Shorten::Cut => {}
        Shorten::CutConsistent if ipv4 => {
            let ihl = usize::from(f[14] & 0x0f) * 4;
            let total = (f.len() - 14) as u16;
            f[16..18].copy_from_slice(&total.to_be_bytes());
            f[24..26].copy_from_slice(&[0, 0]);
            if f.len() >= 14 + ihl {
                let s = sum(&[&f[14..14 + ihl]]);
                f[24..26].copy_from_slice(&s.to_be_bytes());
            }
            let l4 = f.len().saturating_sub(14 + ihl);
            let proto = f[23];
            let unfragmented = f[20] & 0x3f == 0 && f[21] == 0;
            let at = match proto {
                6 if l4 >= 20 => Some(16),
                17 if l4 >= 8 => Some(6),
                _ => None,
            };
            if let Some(at) = at.filter(|_| unfragmented) {
                let o = 14 + ihl;
                if proto == 17 {
                    f[o + 4..o + 6].copy_from_slice(&(l4 as u16).to_be_bytes());
                }
                f[o + at..o + at + 2].copy_from_slice(&[0, 0]);
                let src: [u8; 4] = f[26..30].try_into().unwrap_or_default();
                let dst: [u8; 4] = f[30..34].try_into().unwrap_or_default();
                let ph = [&src[..], &dst, &[0, proto], &(l4 as u16).to_be_bytes()].concat();
                let s = sum(&[&ph, &f[o..]]);
                f[o + at..o + at + 2].copy_from_slice(&s.to_be_bytes());
            }
        }
        Shorten::CutConsistent => {}
        Shorten::Claim(more) => {
            if ipv4 {
                let total = u16::from_be_bytes([f[16], f[17]]).saturating_add(more.max(1));
                f[16..18].copy_from_slice(&total.to_be_bytes());
                f[24..26].copy_from_slice(&[0, 0]);
                let ihl = (usize::from(f[14] & 0x0f) * 4).min(f.len() - 14);
                let s = sum(&[&f[14..14 + ihl]]);
                f[24..26].copy_from_slice(&s.to_be_bytes());
            }
        }
    }
    f
}

fn at(ms: i64) -> Instant {
    Instant::from_micros(1_506_000_000_000_000 + ms * 1000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Every kind, cut anywhere, three ways: the gateway (devices on, the
    /// mail proxy on) never panics; an IPv4 frame shorter than its total
    /// length is never forwarded, and is counted malformed.
    #[test]
    fn a_frame_shorter_than_its_headers_claim_never_panics_nor_passes(
        kind in 0usize..15,
        cut in any::<prop::sample::Index>(),
        how in prop_oneof![
            Just(Shorten::Cut),
            Just(Shorten::CutConsistent),
            (1u16..2000).prop_map(Shorten::Claim),
        ],
    ) {
        let kinds = kinds();
        let kind = &kinds[kind % kinds.len()];
        let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
        let mut out = Actions::default();
        for (i, (dir, f)) in kind.before.iter().enumerate() {
            gw.handle(at(i as i64), dir.port(), f, &mut out);
        }
        let len = match how {
            Shorten::Claim(_) => kind.frame.len(),
            _ => cut.index(kind.frame.len()),
        };
        let short = shorten(&kind.frame, len, how);
        out.clear();
        let before = gw.stats();
        gw.handle(at(100), kind.dir.port(), &short, &mut out);
        gw.poll(at(200_000), &mut out);
        let is_ipv4 = short.len() >= 14 && short[12..14] == [0x08, 0x00];
        let claimed = (short.len() >= 18)
            .then(|| 14 + usize::from(u16::from_be_bytes([short[16], short[17]])));
        if is_ipv4 && claimed.is_none_or(|c| c > short.len()) {
            prop_assert!(
                !out.frames.iter().any(|e| e.frame == short),
                "{}: a frame {} bytes short of its IPv4 length was forwarded",
                kind.name,
                claimed.unwrap_or(0).saturating_sub(short.len())
            );
            prop_assert_eq!(gw.stats().malformed, before.malformed + 1, "{}", kind.name);
        }
    }
}

/// Each kind, whole, reaches the gateway as a well-formed frame: the cuts
/// above start from frames the gateway reads (else the property would
/// only ever exercise the first check).
#[test]
fn every_kind_whole_is_read_not_refused() {
    for kind in kinds() {
        let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
        let mut out = Actions::default();
        for (i, (dir, f)) in kind.before.iter().enumerate() {
            gw.handle(at(i as i64), dir.port(), f, &mut out);
        }
        gw.handle(at(100), kind.dir.port(), &kind.frame, &mut out);
        assert_eq!(gw.stats().malformed, 0, "{} was refused", kind.name);
    }
}
