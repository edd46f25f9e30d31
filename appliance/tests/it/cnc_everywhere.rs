//! C&C wherever it hides (issue 14), by class: every way a PC can reach a
//! listed C&C server, generated (scheme, port, the host as the listed
//! name, a subdomain, upper case, a trailing dot, an IP literal; a DNS
//! query; a ClientHello split over segments) and driven through a real
//! `Gateway` as frames. The expectation is built from the case (is the
//! name under the listed domain, is the literal a listed address), never
//! from the gateway's lookup; TLS records and DNS queries are built here
//! byte by byte.

use crate::support::{Conn, PC_IP, ack, psh, syn, synack};
use appliance::config::CncDns;
use appliance::reason::Reason;
use appliance::wire::forge::{self, Endpoints};
use appliance::wire::frame::{self, L4, Parsed};
use appliance::{Action, Actions, Config, Engine, Event, FrozenIntel, Gateway, Instant, Port};
use proptest::prelude::*;
use std::net::Ipv4Addr;
use std::time::Duration;

/// The listed domain; its subdomains are covered.
const LISTED: &str = "xxxsiebabanahujtr.org";
/// A listed address, reached as a Host literal through another server.
const LISTED_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 98);
/// The host of a listed URL (`http://203.0.113.99/gate.php`).
const URL_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 99);
/// The server every TCP case connects to (not listed itself).
const SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);
const RESOLVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 53);
const T0: i64 = 1_507_737_600; // 2017-10-12 01:00 JST

fn intel() -> FrozenIntel {
    let mut intel = FrozenIntel::default();
    intel.cnc.domains.insert(LISTED.into(), "CnC.Dom".into());
    intel.cnc.ips.insert(LISTED_IP, "CnC.Ip".into());
    intel
        .cnc
        .urls
        .insert(format!("http://{URL_IP}/gate.php"), "CnC.Url".into());
    intel
}

/// How the case writes the server's name.
#[derive(Clone, Debug)]
enum HostForm {
    /// The listed domain itself.
    Listed,
    /// `label.` + the listed domain.
    Sub(String),
    /// `label` glued to the listed domain without a dot: not covered.
    Glued(String),
    /// Another domain altogether.
    Other(String),
}

#[derive(Clone, Debug)]
struct Name {
    form: HostForm,
    upper: bool,
    trailing_dot: bool,
}

impl Name {
    /// The name as sent.
    fn sent(&self) -> String {
        let base = match &self.form {
            HostForm::Listed => LISTED.to_string(),
            HostForm::Sub(l) => format!("{l}.{LISTED}"),
            HostForm::Glued(l) => format!("{l}{LISTED}"),
            HostForm::Other(l) => format!("{l}.example.net"),
        };
        let base = if self.upper {
            base.to_ascii_uppercase()
        } else {
            base
        };
        if self.trailing_dot {
            format!("{base}.")
        } else {
            base
        }
    }

    /// The name as logged: lower case, no trailing dot.
    fn logged(&self) -> String {
        self.sent().trim_end_matches('.').to_ascii_lowercase()
    }

    /// Covered by the listed domain (the case's own reading of the list).
    fn listed(&self) -> bool {
        matches!(self.form, HostForm::Listed | HostForm::Sub(_))
    }
}

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,10}[a-z0-9]"
}

fn name() -> impl Strategy<Value = Name> {
    let form = prop_oneof![
        Just(HostForm::Listed),
        label().prop_map(HostForm::Sub),
        label().prop_map(HostForm::Glued),
        label().prop_map(HostForm::Other),
    ];
    (form, any::<bool>(), any::<bool>()).prop_map(|(form, upper, trailing_dot)| Name {
        form,
        upper,
        trailing_dot,
    })
}

/// The Host of an HTTP request.
#[derive(Clone, Debug)]
enum HttpHost {
    Name(Name),
    /// An IPv4 literal, listed or not; the path is `/gate.php`.
    Literal(Ipv4Addr),
}

fn port() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(80u16),
        Just(8080),
        Just(443),
        1024u16..=65535,
        1u16..1024
    ]
    .prop_filter("not a mail port", |p| !matches!(p, 25 | 110))
}

/// One TCP conversation's first data, through a gateway: the events and
/// what reached the WAN.
struct Run {
    events: Vec<Event>,
    wan: Vec<Vec<u8>>,
    lan: Vec<Vec<u8>>,
}

fn drive(config: Config, dst_port: u16, segments: &[Vec<u8>]) -> Run {
    let mut gw = Gateway::new(config, intel());
    let mut out = Actions::default();
    let mut run = Run {
        events: Vec::new(),
        wan: Vec::new(),
        lan: Vec::new(),
    };
    let mut conn = Conn::new(50_123, SERVER);
    conn.ends.dst_port = dst_port;
    let (c, s) = (1_000u32, 9_000u32);
    let mut now = Instant::from_secs(T0);
    let mut step = |gw: &mut Gateway, port: Port, frame: Vec<u8>, run: &mut Run| {
        now = now + Duration::from_millis(1);
        gw.handle(now, port, &frame, &mut out);
        run.events.append(&mut out.events);
        for emit in out.frames.drain(..) {
            match emit.port {
                Port::Wan => run.wan.push(emit.frame),
                Port::Lan => run.lan.push(emit.frame),
            }
        }
        out.clear();
    };
    step(&mut gw, Port::Lan, conn.client(c, 0, syn(), &[]), &mut run);
    step(
        &mut gw,
        Port::Wan,
        conn.server(s, c + 1, synack(), &[]),
        &mut run,
    );
    step(
        &mut gw,
        Port::Lan,
        conn.client(c + 1, s + 1, ack(), &[]),
        &mut run,
    );
    let mut seq = c + 1;
    for part in segments {
        step(
            &mut gw,
            Port::Lan,
            conn.client(seq, s + 1, psh(), part),
            &mut run,
        );
        seq += part.len() as u32;
    }
    run
}

/// Whether `needle` is in the client's bytes that reached the server (the
/// TCP payloads forwarded to the WAN, in order).
fn reaches_wan(run: &Run, needle: &[u8]) -> bool {
    let mut stream = Vec::new();
    for f in &run.wan {
        if let Ok(Parsed::Ipv4(p)) = frame::parse(f)
            && let L4::Tcp(t) = p.l4
        {
            stream.extend_from_slice(t.payload);
        }
    }
    stream.windows(needle.len()).any(|w| w == needle)
}

/// A TLS 1.2 ClientHello record naming `sni`, built by hand (RFC 8446
/// §4.1.2, RFC 6066 §3).
fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut sni_ext = Vec::new();
    let list_len = name.len() + 3;
    sni_ext.extend_from_slice(&[0x00, 0x00]);
    sni_ext.extend_from_slice(&((list_len + 2) as u16).to_be_bytes());
    sni_ext.extend_from_slice(&(list_len as u16).to_be_bytes());
    sni_ext.push(0);
    sni_ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni_ext.extend_from_slice(name);
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x02, 0xc0, 0x2f]); // one cipher suite
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    body.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&sni_ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

/// `bytes` cut at the given points (sorted, deduplicated, inside).
fn split(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| 1 + c % (bytes.len() - 1)).collect();
    at.sort_unstable();
    at.dedup();
    let mut parts = Vec::new();
    let mut from = 0;
    for cut in at {
        parts.push(bytes[from..cut].to_vec());
        from = cut;
    }
    parts.push(bytes[from..].to_vec());
    parts
}

/// A DNS query for `name`, type `qtype`, built by hand (RFC 1035 §4.1).
fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD, one question
    for label in name.trim_end_matches('.').split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]);
    q
}

fn cnc(events: &[Event]) -> Vec<&Event> {
    events.iter().filter(|e| e.engine == Engine::Cnc).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// HTTP on any port, the Host as any form of a name or an IP literal.
    #[test]
    fn http_on_any_port(host in prop_oneof![
            name().prop_map(HttpHost::Name),
            prop_oneof![Just(LISTED_IP), Just(URL_IP), Just(SERVER)].prop_map(HttpHost::Literal),
        ],
        port in port(),
        with_port in any::<bool>(),
    ) {
        let (host_text, path, expect, logged_host) = match &host {
            HttpHost::Name(n) => (n.sent(), "/login.asp", n.listed(), n.logged()),
            HttpHost::Literal(ip) => {
                // A listed address, or the listed URL's host on port 80 with its path.
                let expect = *ip == LISTED_IP || (*ip == URL_IP && port == 80);
                (ip.to_string(), "/gate.php", expect, ip.to_string())
            }
        };
        // Browsers leave the default port out of Host; malware may not.
        let authority = if port != 80 || with_port {
            format!("{host_text}:{port}")
        } else {
            host_text.clone()
        };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: x\r\n\r\n");
        let run = drive(Config::default(), port, &[request.clone().into_bytes()]);
        let hits = cnc(&run.events);
        if expect {
            prop_assert_eq!(hits.len(), 1, "{:?}", run.events);
            let e = hits[0];
            prop_assert_eq!(e.action, Action::Block);
            prop_assert_eq!(e.host.as_deref(), Some(logged_host.as_str()));
            let url = e.url.clone().unwrap_or_default();
            prop_assert_eq!(url.contains(&format!(":{port}/")), port != 80 || with_port, "{}", url);
            prop_assert!(url.ends_with(path), "{}", url);
            prop_assert!(!reaches_wan(&run, request.as_bytes()), "the request reached the server");
        } else {
            prop_assert!(hits.is_empty(), "{:?}", hits);
            prop_assert!(reaches_wan(&run, request.as_bytes()), "a clean request was held");
        }
    }

    /// TLS on any port: the SNI as any form of a name, the ClientHello in
    /// one segment or split over several.
    #[test]
    fn tls_sni_on_any_port(
        name in name(),
        port in port(),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let hello = client_hello(&name.sent());
        let run = drive(Config::default(), port, &split(&hello, &cuts));
        let hits = cnc(&run.events);
        if name.listed() {
            prop_assert_eq!(hits.len(), 1, "{:?}", run.events);
            let e = hits[0];
            prop_assert_eq!(e.action, Action::Reset);
            prop_assert_eq!(e.host.clone(), Some(name.logged()));
            prop_assert!(e.reasons.contains(&Reason::TlsSni { name: name.logged() }), "{:?}", e.reasons);
            prop_assert!(!reaches_wan(&run, name.sent().as_bytes()), "the ClientHello reached the server");
        } else {
            prop_assert!(hits.is_empty(), "{:?}", hits);
            prop_assert!(reaches_wan(&run, name.sent().as_bytes()), "a clean ClientHello was held");
        }
    }

    /// A DNS query of any type for any form of a name: logged when no
    /// call follows (the grace over), or answered by the sinkhole.
    #[test]
    fn dns_query_for_a_listed_name(
        name in name(),
        qtype in prop_oneof![Just(1u16), Just(28), Just(16)],
        sinkhole in any::<bool>(),
        sinkhole_ip in proptest::option::of(Just(Ipv4Addr::new(192, 0, 2, 250))),
        id in any::<u16>(),
    ) {
        let mut config = Config::default();
        if sinkhole {
            config.cnc.dns = CncDns::Sinkhole;
            config.cnc.sinkhole_ip = sinkhole_ip;
        }
        let mut gw = Gateway::new(config, intel());
        let mut out = Actions::default();
        let conn = Conn::new(50_321, RESOLVER);
        let ends = Endpoints { dst_port: 53, ..conn.ends };
        let query = dns_query(id, &name.sent(), qtype);
        let frame = forge::udp(&ends, &query, 7, 128);
        let now = Instant::from_secs(T0);
        gw.handle(now, Port::Lan, &frame, &mut out);
        let forwarded = out.frames.iter().any(|f| f.port == Port::Wan && f.frame == frame);
        let answer: Vec<Vec<u8>> = out
            .frames
            .iter()
            .filter(|f| f.port == Port::Lan)
            .filter_map(|f| match frame::parse(&f.frame) {
                Ok(Parsed::Ipv4(p)) => match p.l4 {
                    L4::Udp(d) if p.src == RESOLVER && p.dst == PC_IP && d.src_port == 53 && d.dst_port == 50_321 => Some(d.payload.to_vec()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let mut events = std::mem::take(&mut out.events);
        out.clear();
        // A logged-only lookup waits 30 s for its call; the gateway asks to
        // be polled then.
        let later = if sinkhole || !name.listed() {
            now + Duration::from_secs(31)
        } else {
            let due = gw.poll_at().unwrap_or(now);
            prop_assert_eq!(due, now + Duration::from_secs(30));
            due
        };
        gw.poll(later, &mut out);
        events.append(&mut out.events);
        let hits = cnc(&events);
        if !name.listed() {
            prop_assert!(hits.is_empty(), "{:?}", hits);
            prop_assert!(forwarded && answer.is_empty());
            return Ok(());
        }
        prop_assert_eq!(hits.len(), 1, "{:?}", events);
        let e = hits[0];
        prop_assert_eq!(e.time, if sinkhole { now } else { later }, "logged when decided");
        prop_assert_eq!(e.host.clone(), Some(name.logged()));
        prop_assert!(e.reasons.contains(&Reason::DnsQuery { name: name.logged() }), "{:?}", e.reasons);
        if sinkhole {
            prop_assert_eq!(e.action, Action::Block);
            prop_assert!(!forwarded, "a sinkholed query left the office");
            prop_assert_eq!(answer.len(), 1);
            let a = &answer[0];
            prop_assert_eq!(&a[..2], &id.to_be_bytes()[..], "the query's id");
            prop_assert!(a[2] & 0x80 != 0, "a response");
            prop_assert_eq!(&a[12..query.len()], &query[12..], "the question echoed");
            let answers = u16::from_be_bytes([a[6], a[7]]);
            match sinkhole_ip {
                None => {
                    prop_assert_eq!(a[3] & 0x0f, 3, "NXDOMAIN");
                    prop_assert_eq!(answers, 0);
                }
                Some(ip) if qtype == 1 => {
                    prop_assert_eq!(a[3] & 0x0f, 0, "NOERROR");
                    prop_assert_eq!(answers, 1);
                    prop_assert_eq!(&a[a.len() - 4..], &ip.octets()[..], "the sinkhole's address");
                }
                Some(_) => {
                    prop_assert_eq!(a[3] & 0x0f, 0, "NOERROR, no record of that type");
                    prop_assert_eq!(answers, 0);
                }
            }
        } else {
            prop_assert_eq!(e.action, Action::Monitor);
            prop_assert!(forwarded && answer.is_empty());
        }
    }
}

/// The lookup before a detected call is part of the call: one event, the
/// call's (seed 000 counts calls: 1,146).
#[test]
fn a_lookup_followed_by_its_call_is_one_detection() {
    let mut gw = Gateway::new(Config::default(), intel());
    let mut out = Actions::default();
    let conn = Conn::new(50_321, RESOLVER);
    let ends = Endpoints {
        dst_port: 53,
        ..conn.ends
    };
    let now = Instant::from_secs(T0);
    let query = forge::udp(&ends, &dns_query(1, LISTED, 1), 7, 128);
    gw.handle(now, Port::Lan, &query, &mut out);
    assert!(out.events.is_empty(), "held for the grace");
    out.clear();
    // The call: its detection takes the lookup over.
    let call = Conn::new(50_400, SERVER);
    let (c, s) = (5_000u32, 7_000u32);
    let t = |ms| now + Duration::from_millis(ms);
    gw.handle(t(5), Port::Lan, &call.client(c, 0, syn(), &[]), &mut out);
    gw.handle(
        t(6),
        Port::Wan,
        &call.server(s, c + 1, synack(), &[]),
        &mut out,
    );
    gw.handle(
        t(7),
        Port::Lan,
        &call.client(c + 1, s + 1, ack(), &[]),
        &mut out,
    );
    let req = format!("GET /login.asp HTTP/1.1\r\nHost: {LISTED}\r\n\r\n");
    gw.handle(
        t(8),
        Port::Lan,
        &call.client(c + 1, s + 1, psh(), req.as_bytes()),
        &mut out,
    );
    gw.poll(now + Duration::from_secs(60), &mut out);
    let events = cnc(&out.events);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].url.is_some(),
        "the call's event, not the lookup's"
    );
}

/// A real capture's ClientHello split over three segments (suricata-verify
/// `tls-client-hello-frag-01`, SNI www.google.com): with google.com on the
/// C&C list, the split hello is detected by its SNI and never completed at
/// the server.
#[test]
fn a_real_split_client_hello_is_detected_by_its_sni() {
    use pcap_file::pcap::PcapReader;
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/suricata-verify/tls-client-hello-frag-01/dump_mtu300.pcap");
    let file = std::fs::File::open(path).expect("capture present");
    let mut reader = PcapReader::new(file).expect("pcap header");
    let mut intel = FrozenIntel::default();
    intel
        .cnc
        .domains
        .insert("google.com".into(), "CnC.Test".into());
    let mut gw = Gateway::new(Config::default(), intel);
    let mut out = Actions::default();
    let mut events = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let micros = i64::try_from(packet.timestamp.as_micros()).expect("time");
        let data = appliance::wire::checksum::fix_checksums(&packet.data)
            .unwrap_or_else(|| packet.data.to_vec());
        let port = match frame::parse(&data) {
            Ok(Parsed::Ipv4(p)) if p.src.is_private() => Port::Lan,
            _ => Port::Wan,
        };
        gw.handle(Instant::from_micros(micros), port, &data, &mut out);
        events.append(&mut out.events);
        out.clear();
    }
    let hits = cnc(&events);
    assert_eq!(hits.len(), 1, "{events:?}");
    assert_eq!(hits[0].host.as_deref(), Some("www.google.com"));
    assert!(hits[0].reasons.contains(&Reason::TlsSni {
        name: "www.google.com".into()
    }));
    assert_eq!(hits[0].action, Action::Reset);
}
