//! The web engines through the gateway's seam: TLS captures from
//! suricata-verify (SNI whole and split over MTU-300 segments, a real
//! certificate), and hand-built HTTP conversations for URL filtering,
//! schedules, lists and web reputation.

use crate::support::*;
use appliance::gateway::{Actions, Emit};
use appliance::inspect::web::Access;
use appliance::intel::WebRating;
use appliance::policy::{RawPolicy, UrlCategories, validate};
use appliance::wire::checksum::fix_checksums;
use appliance::wire::frame::{self, Parsed};
use appliance::{Action, Config, Engine, Event, FrozenIntel, Gateway, Instant, Port};
use pcap_file::pcap::PcapReader;
use std::path::PathBuf;

struct Replay {
    events: Vec<Event>,
    emitted: Vec<Emit>,
    accesses: Vec<Access>,
}

fn capture(case: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/suricata-verify")
        .join(case)
        .join(file)
}

/// Replays a capture, its timestamps shifted by `shift_secs`.
fn replay(path: PathBuf, config: Config, intel: FrozenIntel, shift_secs: i64) -> Replay {
    let file = std::fs::File::open(path).expect("capture present");
    let mut reader = PcapReader::new(file).expect("pcap header");
    let mut gw = Gateway::new(config, intel);
    let mut out = Actions::default();
    let mut r = Replay {
        events: Vec::new(),
        emitted: Vec::new(),
        accesses: Vec::new(),
    };
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let micros = i64::try_from(packet.timestamp.as_micros()).expect("time");
        let now = Instant::from_micros(micros + shift_secs * 1_000_000);
        let data = fix_checksums(&packet.data).unwrap_or_else(|| packet.data.to_vec());
        let port = match frame::parse(&data) {
            Ok(Parsed::Ipv4(p)) if p.src.is_private() => Port::Lan,
            _ => Port::Wan,
        };
        gw.handle(now, port, &data, &mut out);
        r.events.append(&mut out.events);
        r.emitted.append(&mut out.frames);
        r.accesses.append(&mut out.accesses);
        out.clear();
    }
    r
}

fn policy(yaml: &str) -> Config {
    let raw: RawPolicy = serde_yaml::from_str(yaml).expect("policy shape");
    Config {
        policy: validate(&raw, UrlCategories::builtin()).expect("valid policy"),
        ..Config::default()
    }
}

fn rated(entries: &[(&str, u8, &str)]) -> FrozenIntel {
    let mut intel = FrozenIntel::default();
    for (key, score, category) in entries {
        let rating = WebRating {
            score: *score,
            category: (*category).into(),
        };
        intel.web.insert(key, rating).expect("room for the ratings");
    }
    intel
}

fn rsts(emitted: &[Emit], port: Port) -> usize {
    emitted
        .iter()
        .filter(|e| e.port == port)
        .filter(|e| {
            matches!(frame::parse(&e.frame), Ok(Parsed::Ipv4(p)) if matches!(&p.l4, frame::L4::Tcp(t) if t.flags.rst))
        })
        .count()
}

fn carries(emitted: &[Emit], port: Port, needle: &[u8]) -> bool {
    emitted
        .iter()
        .filter(|e| e.port == port)
        .any(|e| e.frame.windows(needle.len()).any(|w| w == needle))
}

#[test]
fn sni_of_a_whole_client_hello() {
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        Config::default(),
        FrozenIntel::default(),
        0,
    );
    let snis: Vec<&str> = r
        .accesses
        .iter()
        .filter(|a| a.tls)
        .map(|a| a.host.as_str())
        .collect();
    assert_eq!(snis, vec!["raw.githubusercontent.com"]);
    assert!(r.events.is_empty(), "{:?}", r.events);
}

#[test]
fn sni_of_a_client_hello_split_over_three_segments() {
    let r = replay(
        capture("tls-client-hello-frag-01", "dump_mtu300.pcap"),
        Config::default(),
        FrozenIntel::default(),
        0,
    );
    let snis: Vec<&str> = r
        .accesses
        .iter()
        .filter(|a| a.tls)
        .map(|a| a.host.as_str())
        .collect();
    assert_eq!(snis, vec!["www.google.com"]);
    // Clean: the whole hello reached the server.
    assert!(carries(&r.emitted, Port::Wan, b"www.google.com"));
}

#[test]
fn blocked_sni_is_reset_both_ways_and_never_reaches_the_server() {
    let config = policy(
        "url_filtering:\n  rules:\n    - { name: 検索禁止, categories: [Search Engines/Portals], action: block }\n",
    );
    let intel = rated(&[("www.google.com", 92, "Search Engines/Portals")]);
    let r = replay(
        capture("tls-client-hello-frag-01", "dump_mtu300.pcap"),
        config,
        intel,
        0,
    );
    assert_eq!(r.events.len(), 1, "{:?}", r.events);
    let e = &r.events[0];
    assert_eq!(e.engine, Engine::UrlFilter);
    assert_eq!(e.action, Action::Reset);
    assert_eq!(e.host.as_deref(), Some("www.google.com"));
    assert!(
        e.reason().contains("policy rule 検索禁止"),
        "{}",
        e.reason()
    );
    assert!(e.reason().contains("category Search Engines/Portals"));
    assert!(!carries(&r.emitted, Port::Wan, b"www.google.com"));
    assert_eq!(rsts(&r.emitted, Port::Lan), 1);
    assert_eq!(rsts(&r.emitted, Port::Wan), 1);
}

#[test]
fn allow_list_beats_block_list_for_sni() {
    let config = policy(
        "allow_list: [\"*.githubusercontent.com\"]\nblock_list: [\"raw.githubusercontent.com\"]\n",
    );
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        config,
        FrozenIntel::default(),
        0,
    );
    assert!(r.events.is_empty());
    let config = policy("block_list: [\"raw.githubusercontent.com\"]\n");
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        config,
        FrozenIntel::default(),
        0,
    );
    assert_eq!(r.events.len(), 1);
    assert_eq!(
        r.events[0]
            .reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["block list", "entry raw.githubusercontent.com"]
    );
}

#[test]
fn the_real_certificate_is_checked_against_the_capture_time() {
    // Captured 2018-09-24; the certificate is valid 2017-03-23 to 2020-05-13.
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        Config::default(),
        FrozenIntel::default(),
        0,
    );
    assert!(r.events.is_empty(), "valid then: {:?}", r.events);
    // The same traffic three years later: expired, its own event and reason.
    let later = 3 * 365 * 86_400;
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        Config::default(),
        FrozenIntel::default(),
        later,
    );
    assert_eq!(r.events.len(), 1, "{:?}", r.events);
    let e = &r.events[0];
    assert_eq!(e.engine, Engine::WebReputation);
    assert_eq!(e.action, Action::Reset);
    assert_eq!(
        e.src_ip.to_string(),
        "192.168.0.253",
        "the client is the source"
    );
    assert_eq!(e.reasons[0].to_string(), "invalid SSL certificate");
    assert!(
        e.reasons[1]
            .to_string()
            .starts_with("certificate expired on 2020-05-13 21:00:00"),
        "{:?}",
        e.reasons
    );
    assert_eq!(rsts(&r.emitted, Port::Lan), 1);
    assert_eq!(rsts(&r.emitted, Port::Wan), 1);
    // Monitor: logged, nothing cut.
    let config = policy("web_reputation: { expired_certificate: monitor }\n");
    let r = replay(
        capture("bug-2646-01", "input.pcap"),
        config,
        FrozenIntel::default(),
        later,
    );
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].action, Action::Monitor);
    assert_eq!(rsts(&r.emitted, Port::Lan) + rsts(&r.emitted, Port::Wan), 0);
}

/// One HTTP GET through the gateway at `now`; what came out.
fn get(gw: &mut Gateway, now: Instant, host: &str, path: &str) -> Actions {
    static PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(40000);
    let port = PORT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut c = Conn::new(port, SITE_IP);
    c.ends.dst_port = 80;
    let mut out = Actions::default();
    gw.handle(now, Port::Lan, &c.client(100, 0, syn(), b""), &mut out);
    gw.handle(now, Port::Wan, &c.server(900, 101, synack(), b""), &mut out);
    gw.handle(now, Port::Lan, &c.client(101, 901, ack(), b""), &mut out);
    out.clear();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    gw.handle(
        now,
        Port::Lan,
        &c.client(101, 901, psh(), req.as_bytes()),
        &mut out,
    );
    out
}

const SITE_IP: std::net::Ipv4Addr = std::net::Ipv4Addr::new(192, 0, 2, 10);

fn jst(day: u32, hour: u32) -> Instant {
    use chrono::TimeZone;
    Instant::from(
        appliance::time::jst()
            .with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .expect("valid"),
    )
}

fn page(out: &Actions) -> String {
    let bytes: Vec<u8> = out
        .frames
        .iter()
        .filter(|e| e.port == Port::Lan)
        .filter_map(|e| match frame::parse(&e.frame) {
            Ok(Parsed::Ipv4(p)) => match p.l4 {
                frame::L4::Tcp(t) => Some(t.payload.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn video_category_blocked_in_business_hours_only_and_allow_list_wins() {
    let yaml = "url_filtering:\n  rules:\n    - { name: 業務時間帯の動画禁止, categories: [Streaming Media], schedule: business hours, action: block }\n";
    let intel = rated(&[
        ("www.corp.example", 90, "Business/Economy"),
        ("www.corp.example/movies/", 90, "Streaming Media"),
        ("www.tube.example", 88, "Streaming Media"),
    ]);
    let mut gw = Gateway::new(policy(yaml), intel.clone());
    // Friday 2026-11-20, 10:00 JST: the company's video page is blocked.
    let out = get(
        &mut gw,
        jst(20, 10),
        "www.corp.example",
        "/movies/intro.mp4",
    );
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].engine, Engine::UrlFilter);
    let text = page(&out);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(text.contains("URLフィルタリング"));
    assert!(text.contains("policy rule 業務時間帯の動画禁止"));
    assert!(text.contains("category Streaming Media"));
    // Its top page is business: passes.
    let out = get(&mut gw, jst(20, 10), "www.corp.example", "/");
    assert!(out.events.is_empty());
    assert!(carries(&out.frames, Port::Wan, b"GET / HTTP/1.1"));
    // After hours and on Saturday: allowed.
    assert!(
        get(
            &mut gw,
            jst(20, 19),
            "www.corp.example",
            "/movies/intro.mp4"
        )
        .events
        .is_empty()
    );
    assert!(
        get(
            &mut gw,
            jst(21, 10),
            "www.corp.example",
            "/movies/intro.mp4"
        )
        .events
        .is_empty()
    );
    // The allow list fixes the company site, nothing else in the category.
    let yaml2 = format!("{yaml}allow_list: [\"www.corp.example\"]\n");
    let mut gw = Gateway::new(policy(&yaml2), intel);
    assert!(
        get(
            &mut gw,
            jst(20, 10),
            "www.corp.example",
            "/movies/intro.mp4"
        )
        .events
        .is_empty()
    );
    assert_eq!(
        get(&mut gw, jst(20, 10), "www.tube.example", "/watch")
            .events
            .len(),
        1
    );
}

#[test]
fn reputation_levels_decide_by_band() {
    let intel = rated(&[
        ("phish.example", 20, "Phishing"),
        ("odd.example", 60, "Computers/Internet"),
        ("new.example", 71, "Untested"),
    ]);
    for (level, phish, odd) in [("high", 1, 1), ("medium", 1, 1), ("low", 1, 0)] {
        let mut gw = Gateway::new(
            policy(&format!("web_reputation: {{ level: {level} }}\n")),
            intel.clone(),
        );
        let a = get(&mut gw, jst(20, 10), "phish.example", "/login");
        let b = get(&mut gw, jst(20, 10), "odd.example", "/");
        let c = get(&mut gw, jst(20, 10), "new.example", "/");
        assert_eq!(
            (a.events.len(), b.events.len(), c.events.len()),
            (phish, odd, 0),
            "{level}"
        );
        assert!(a.alerts.is_empty(), "web blocks do not page the desk");
        assert!(page(&a).contains("危険なWebサイト"));
        assert!(page(&a).contains("score 20 (dangerous / 危険)"));
    }
}
