//! Real captures from suricata-verify (OISF, MIT licence, copied unmodified
//! into `tests/data/suricata-verify/`), replayed through the gateway with
//! their own timestamps. A frame from a private address enters on the LAN
//! port, anything else on the WAN port.

use crate::support::decode;
use appliance::gateway::{Actions, Emit};
use appliance::wire::frame::{self, Parsed};
use appliance::{Action, Config, Engine, Event, FrozenIntel, Gateway, Instant, Port};
use pcap_file::pcap::PcapReader;
use std::net::Ipv4Addr;
use std::path::PathBuf;

struct Replay {
    events: Vec<Event>,
    emitted: Vec<Emit>,
    alerts: usize,
    frames_in: usize,
}

fn data(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/suricata-verify")
        .join(case)
        .join("input.pcap")
}

fn replay(case: &str, intel: FrozenIntel) -> Replay {
    let file = std::fs::File::open(data(case)).expect("capture present");
    let mut reader = PcapReader::new(file).expect("pcap header");
    let mut gw = Gateway::new(Config::default(), intel);
    let mut out = Actions::default();
    let mut replay = Replay {
        events: Vec::new(),
        emitted: Vec::new(),
        alerts: 0,
        frames_in: 0,
    };
    while let Some(packet) = reader.next_packet() {
        let packet = packet.expect("pcap record");
        let now = Instant::from_micros(i64::try_from(packet.timestamp.as_micros()).expect("time"));
        // Timers first, as a driver would.
        if gw.poll_at().is_some_and(|t| t <= now) {
            gw.poll(now, &mut out);
        }
        let port = match frame::parse(&packet.data) {
            Ok(Parsed::Ipv4(p)) if p.src.is_private() => Port::Lan,
            _ => Port::Wan,
        };
        gw.handle(now, port, &packet.data, &mut out);
        replay.frames_in += 1;
        replay.events.append(&mut out.events);
        replay.alerts += out.alerts.len();
        replay.emitted.append(&mut out.frames);
        out.clear();
    }
    replay
}

fn carries(emitted: &[Emit], port: Port, needle: &[u8]) -> bool {
    emitted
        .iter()
        .filter(|e| e.port == port)
        .any(|e| e.frame.windows(needle.len()).any(|w| w == needle))
}

const BUG28_URL: &str = "http://btg.btgrab.com/a/Drk.syn?adcontext=ROUTINE_CHECKIN&contextpeak=0&contextcount=0&countrycodein=XX&lastAdTime=0&lastAdCode=0&cookie1=0&cookie2=0&cookie3=0&cookie4=0&InstID={2CAA09DF-35D8-471C-9979-A11DA0CC54DB}&status=1&smode=11&event=&bho=aurora.exe&NumWindows=4&PartnerId=0&BundleId=0&HN=bob7&VSN=189A97F7&PI=55274-640-1781551-23400&MA=005400123457&TM=-1";

#[test]
fn bug_28_without_intel_is_bridged_untouched() {
    let r = replay("bug-28", FrozenIntel::default());
    assert_eq!(r.frames_in, 9);
    assert!(r.events.is_empty());
    assert_eq!(r.emitted.len(), 9, "every frame forwarded, nothing forged");
    assert!(carries(&r.emitted, Port::Wan, b"GET /a/Drk.syn?"));
}

#[test]
fn bug_28_localnrd_checkin_is_detected_and_blocked() {
    let mut intel = FrozenIntel::default();
    intel
        .cnc
        .domains
        .insert("btgrab.com".into(), "Spyware.LocalNRD".into());
    let r = replay("bug-28", intel);

    // The capture holds one request, retransmitted five times (the server
    // never answered): one attempt, one event.
    assert_eq!(r.events.len(), 1, "{:#?}", r.events);
    let ev = &r.events[0];
    assert_eq!(ev.engine, Engine::Cnc);
    assert_eq!(ev.action, Action::Block);
    assert_eq!(ev.src_ip, Ipv4Addr::new(192, 168, 2, 7));
    assert_eq!(ev.src_mac, "00:54:00:12:34:57");
    assert_eq!(
        (ev.dst_ip, ev.dst_port),
        (Ipv4Addr::new(208, 75, 250, 50), 80)
    );
    assert_eq!(ev.host.as_deref(), Some("btg.btgrab.com"));
    assert_eq!(ev.url.as_deref(), Some(BUG28_URL));
    assert_eq!(ev.reasons[1].to_string(), "domain btgrab.com");
    assert_eq!(ev.time, Instant::from_micros(1_259_086_431_504_617));
    assert_eq!(r.alerts, 1);

    // The check-in never reached the internet; the server was reset and the
    // client got the page (again for its first retransmissions, bounded).
    assert!(!carries(&r.emitted, Port::Wan, b"GET /a/Drk.syn?"));
    let seen: Vec<_> = r.emitted.iter().filter(|e| e.frame.len() > 14).collect();
    let forged_wan: Vec<_> = seen
        .iter()
        .filter(|e| e.port == Port::Wan)
        .map(|e| decode(e))
        .filter(|s| s.flags.rst)
        .collect();
    assert_eq!(forged_wan.len(), 1);
    assert_eq!(forged_wan[0].seq, 1_868_011_704);
    let pages = r
        .emitted
        .iter()
        .filter(|e| e.port == Port::Lan)
        .map(decode)
        .filter(|s| s.payload.starts_with(b"HTTP/1.1 403"))
        .count();
    assert_eq!(
        pages, 4,
        "the page, then three resends for the retransmissions"
    );
}

#[test]
fn http_missing_protocol_request_is_detected() {
    let mut intel = FrozenIntel::default();
    intel.cnc.urls.insert(
        "5.8.88.25/gen.php?generate=191636955/-394717567&hwid=-53127817".into(),
        "TROJ.Gen.MissingProtocol".into(),
    );
    let r = replay("http-missing-protocol", intel);
    assert_eq!(r.frames_in, 12);
    assert_eq!(r.events.len(), 1, "{:#?}", r.events);
    let ev = &r.events[0];
    assert_eq!(ev.src_ip, Ipv4Addr::new(192, 168, 140, 10));
    assert_eq!((ev.dst_ip, ev.dst_port), (Ipv4Addr::new(5, 8, 88, 25), 80));
    assert_eq!(
        ev.url.as_deref(),
        Some("http://5.8.88.25/gen.php?generate=191636955/-394717567&hwid=-53127817")
    );
    assert_eq!(ev.action, Action::Block);
    assert!(!carries(&r.emitted, Port::Wan, b"GET /gen.php"));
    // The server's later answer (captured without a gateway) is consumed.
    assert!(!carries(&r.emitted, Port::Lan, b"xzscxc"));
}

#[test]
fn http_missing_protocol_without_intel_passes() {
    let r = replay("http-missing-protocol", FrozenIntel::default());
    assert!(r.events.is_empty());
    assert_eq!(r.emitted.len(), 12);
}
