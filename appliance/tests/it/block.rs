//! The spine's incident by hand: a PC calling its C&C server through the gateway.

use crate::support::*;
use appliance::config::CncAction;
use appliance::gateway::{Actions, DeployOutcome};
use appliance::{Action, Config, Engine, Gateway, Instant, Port};
use std::net::Ipv4Addr;

const T0: i64 = 1_506_388_185; // 2017-09-26 10:09:45 JST

fn gateway() -> Gateway {
    Gateway::new(
        Config {
            name: "CloudEdge50-printshop".into(),
            ..Config::default()
        },
        spine_intel(),
    )
}

fn at(secs: i64) -> Instant {
    Instant::from_secs(T0 + secs)
}

/// Handshake through the gateway, every frame forwarded unchanged.
fn handshake(gw: &mut Gateway, c: &Conn, now: Instant, isn: u32, server_isn: u32) {
    let mut out = Actions::default();
    let f = c.client(isn, 0, syn(), b"");
    gw.handle(now, Port::Lan, &f, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &f), "SYN must pass");
    out.clear();
    let f = c.server(server_isn, isn + 1, synack(), b"");
    gw.handle(now, Port::Wan, &f, &mut out);
    assert!(forwarded(&out.frames, Port::Lan, &f), "SYN-ACK must pass");
    out.clear();
    let f = c.client(isn + 1, server_isn + 1, ack(), b"");
    gw.handle(now, Port::Lan, &f, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &f), "ACK must pass");
    assert!(out.events.is_empty() && out.alerts.is_empty());
}

const LOGIN: &[u8] = b"GET /login.asp HTTP/1.1\r\nHost: xxxsiebabanahujtr.org\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\nConnection: Keep-Alive\r\n\r\n";
const ACCOUNT: &[u8] = b"GET /account.asp?qu=cmd HTTP/1.1\r\nHost: xxxrzy8823l68me.net\r\n\r\n";

#[test]
fn cnc_request_is_blocked_with_page_reset_event_and_one_alert() {
    let mut gw = gateway();
    let c = Conn::new(1030, CNC_IP);
    handshake(&mut gw, &c, at(0), 1000, 5000);

    let mut out = Actions::default();
    gw.handle(
        at(0),
        Port::Lan,
        &c.client(1001, 5001, psh(), LOGIN),
        &mut out,
    );

    // The request never reaches the WAN; the server gets one RST instead.
    let seen: Vec<Seen> = out.frames.iter().map(decode).collect();
    let to_wan: Vec<&Seen> = seen.iter().filter(|s| s.port == Port::Wan).collect();
    assert_eq!(to_wan.len(), 1, "exactly one frame to the server: {seen:?}");
    let rst = to_wan[0];
    assert!(rst.flags.rst && rst.payload.is_empty());
    assert_eq!(
        (rst.src, rst.src_port, rst.dst, rst.dst_port),
        (PC_IP, 1030, CNC_IP, 80)
    );
    assert_eq!((rst.src_mac, rst.dst_mac), (PC_MAC, ROUTER_MAC));
    assert_eq!(rst.seq, 1001, "RST at the server's receive point");

    // The client gets the 403 page from the server's address, in sequence.
    let to_lan: Vec<&Seen> = seen.iter().filter(|s| s.port == Port::Lan).collect();
    assert!(!to_lan.is_empty());
    let mut expect_seq = 5001u32;
    let mut page = Vec::new();
    for s in &to_lan {
        assert_eq!(
            (s.src, s.src_port, s.dst, s.dst_port),
            (CNC_IP, 80, PC_IP, 1030)
        );
        assert_eq!((s.src_mac, s.dst_mac), (ROUTER_MAC, PC_MAC), "MACs swapped");
        assert_eq!(s.seq, expect_seq);
        assert_eq!(
            s.ack,
            1001 + LOGIN.len() as u32,
            "acknowledges the whole request"
        );
        assert!(s.flags.ack && !s.flags.rst);
        assert!(s.payload.len() <= 1460, "respects the client's MSS");
        assert!(s.ttl > 0);
        expect_seq += s.payload.len() as u32;
        page.extend_from_slice(&s.payload);
    }
    let mut idents: Vec<u16> = seen.iter().map(|s| s.ident).collect();
    idents.sort_unstable();
    idents.dedup();
    assert_eq!(
        idents.len(),
        seen.len(),
        "forged IPv4 identifications differ"
    );
    let last = to_lan.last().expect("page");
    assert!(last.flags.fin, "page ends with FIN");
    assert!(to_lan[..to_lan.len() - 1].iter().all(|s| !s.flags.fin));
    let page = String::from_utf8(page).expect("UTF-8 page");
    let (head, body) = page.split_once("\r\n\r\n").expect("header");
    assert!(head.starts_with("HTTP/1.1 403 "), "{head}");
    assert!(head.contains("Connection: close"));
    assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    assert!(body.contains("C&amp;Cサーバへの通信をブロックしました"));
    assert!(body.contains("http://xxxsiebabanahujtr.org/login.asp"));
    assert!(body.contains("domain xxxsiebabanahujtr.org"));
    assert!(body.contains("threat CnC.Win32.Spine"));

    // One event, as the log shows it.
    assert_eq!(out.events.len(), 1);
    let ev = &out.events[0];
    assert_eq!(ev.engine, Engine::Cnc);
    assert_eq!(ev.action, Action::Block);
    assert_eq!(ev.time, at(0));
    assert_eq!(ev.src_ip, PC_IP);
    assert_eq!(ev.src_mac, "00:0c:29:11:22:33");
    assert_eq!((ev.dst_ip, ev.dst_port), (CNC_IP, 80));
    assert_eq!(ev.host.as_deref(), Some("xxxsiebabanahujtr.org"));
    assert_eq!(
        ev.url.as_deref(),
        Some("http://xxxsiebabanahujtr.org/login.asp")
    );
    assert_eq!(
        ev.reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![
            "C&C list",
            "domain xxxsiebabanahujtr.org",
            "threat CnC.Win32.Spine"
        ]
    );

    // One alert to the desk.
    assert_eq!(out.alerts.len(), 1);
    let alert = &out.alerts[0];
    assert_eq!(
        alert.subject,
        "【緊急】C&Cサーバへの通信を検知しました (192.168.1.11)"
    );
    assert_eq!(alert.to, Config::default().alerts.to);
    for needle in [
        "CloudEdge50-printshop",
        "2017-09-26 10:09:45",
        "192.168.1.11",
        "00:0c:29:11:22:33",
        "http://xxxsiebabanahujtr.org/login.asp",
        "CnC.Win32.Spine",
    ] {
        assert!(alert.body.contains(needle), "alert lacks {needle}");
    }

    // The client ACKs the page and FIN: consumed.
    let page_end = expect_seq + 1;
    let client_next = 1001 + LOGIN.len() as u32;
    out.clear();
    gw.handle(
        at(0),
        Port::Lan,
        &c.client(client_next, page_end, ack(), b""),
        &mut out,
    );
    assert!(
        out.is_empty(),
        "ACK of the page is consumed: {:?}",
        out.frames
    );
    // A late server segment: consumed.
    gw.handle(
        at(0),
        Port::Wan,
        &c.server(5001, 1001, ack(), b""),
        &mut out,
    );
    assert!(out.is_empty());
    // The client's FIN is ACKed by the gateway.
    gw.handle(
        at(1),
        Port::Lan,
        &c.client(client_next, page_end, fin(), b""),
        &mut out,
    );
    assert_eq!(out.frames.len(), 1);
    let fin_ack = decode(&out.frames[0]);
    assert_eq!(fin_ack.port, Port::Lan);
    assert!(fin_ack.flags.ack && !fin_ack.flags.fin && !fin_ack.flags.rst);
    assert_eq!((fin_ack.seq, fin_ack.ack), (page_end, client_next + 1));
    assert!(out.events.is_empty() && out.alerts.is_empty());

    // Second beacon 30 s later on a new connection: a second event, no second alert.
    let c2 = Conn::new(1031, CNC_IP);
    handshake(&mut gw, &c2, at(30), 77_000, 9_000);
    out.clear();
    gw.handle(
        at(30),
        Port::Lan,
        &c2.client(77_001, 9_001, psh(), ACCOUNT),
        &mut out,
    );
    assert_eq!(out.events.len(), 1);
    assert_eq!(
        out.events[0].url.as_deref(),
        Some("http://xxxrzy8823l68me.net/account.asp?qu=cmd")
    );
    assert_eq!(
        out.events[0].reasons[1].to_string(),
        "URL http://xxxrzy8823l68me.net/account.asp?qu=cmd"
    );
    assert!(out.alerts.is_empty(), "hold-down: no second alert");
    assert!(out.frames.iter().map(decode).all(|s| s.payload != ACCOUNT));

    // After the hold-down, the host alerts again.
    let hold = Config::default().alerts.hold_down_secs as i64;
    let c3 = Conn::new(1032, CNC_IP);
    handshake(&mut gw, &c3, at(hold + 31), 3_000, 4_000);
    out.clear();
    gw.handle(
        at(hold + 31),
        Port::Lan,
        &c3.client(3_001, 4_001, psh(), LOGIN),
        &mut out,
    );
    assert_eq!((out.events.len(), out.alerts.len()), (1, 1));
}

#[test]
fn clean_traffic_and_arp_pass_unchanged() {
    let mut gw = gateway();
    let server = Ipv4Addr::new(198, 51, 100, 10);
    let c = Conn::new(2000, server);
    handshake(&mut gw, &c, at(0), 10, 20);
    let mut out = Actions::default();
    let req = c.client(
        11,
        21,
        psh(),
        b"GET /index.html HTTP/1.1\r\nHost: www.example.jp\r\n\r\n",
    );
    gw.handle(at(0), Port::Lan, &req, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &req));
    assert!(out.events.is_empty());

    // ARP, even malformed ARP, is bridged as is.
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[0, 0x0c, 0x29, 0x11, 0x22, 0x33, 0x08, 0x06, 0, 1]);
    out.clear();
    gw.handle(at(0), Port::Lan, &arp, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &arp));

    // A TCP frame cut short is dropped, not forwarded, and does not panic.
    out.clear();
    gw.handle(at(0), Port::Lan, &req[..req.len() - 5], &mut out);
    assert!(out.is_empty());
    assert_eq!(gw.stats().malformed, 1);

    // Non-HTTP (TLS) on a LAN flow passes without holding.
    let tls = Conn::new(2001, server);
    handshake(&mut gw, &tls, at(0), 100, 200);
    let hello = tls.client(
        101,
        201,
        psh(),
        &[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5],
    );
    out.clear();
    gw.handle(at(0), Port::Lan, &hello, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &hello));
}

#[test]
fn split_out_of_order_request_is_still_caught() {
    let mut gw = gateway();
    let c = Conn::new(1040, CNC_IP);
    handshake(&mut gw, &c, at(0), 500, 600);
    let (a, b) = LOGIN.split_at(20);
    let mut out = Actions::default();
    // The second half first: held, nothing forwarded.
    gw.handle(
        at(0),
        Port::Lan,
        &c.client(501 + 20, 601, psh(), b),
        &mut out,
    );
    assert!(out.frames.is_empty() && out.events.is_empty());
    // A retransmission of it: absorbed.
    gw.handle(
        at(0),
        Port::Lan,
        &c.client(501 + 20, 601, psh(), b),
        &mut out,
    );
    assert!(out.frames.is_empty());
    gw.handle(at(0), Port::Lan, &c.client(501, 601, ack(), a), &mut out);
    assert_eq!(out.events.len(), 1);
    assert!(
        out.frames
            .iter()
            .map(decode)
            .all(|s| s.port == Port::Lan || s.flags.rst)
    );

    // The client never saw the page and retransmits: page again, no event.
    out.clear();
    gw.handle(
        at(3),
        Port::Lan,
        &c.client(501, 601, ack(), LOGIN),
        &mut out,
    );
    assert!(out.events.is_empty());
    let again: Vec<Seen> = out.frames.iter().map(decode).collect();
    assert!(!again.is_empty() && again.iter().all(|s| s.port == Port::Lan));
    assert!(again.last().is_some_and(|s| s.flags.fin));
}

#[test]
fn clean_request_split_in_two_is_released_in_order() {
    let mut gw = gateway();
    let server = Ipv4Addr::new(198, 51, 100, 10);
    let c = Conn::new(2100, server);
    handshake(&mut gw, &c, at(0), 10, 20);
    let req: &[u8] = b"GET / HTTP/1.1\r\nHost: www.example.jp\r\n\r\n";
    let first = c.client(11, 21, ack(), &req[..10]);
    let second = c.client(21, 21, psh(), &req[10..]);
    let mut out = Actions::default();
    gw.handle(at(0), Port::Lan, &first, &mut out);
    assert!(out.frames.is_empty(), "incomplete header is held");
    gw.handle(at(0), Port::Lan, &second, &mut out);
    let frames: Vec<&[u8]> = out.frames.iter().map(|e| e.frame.as_slice()).collect();
    assert_eq!(frames, vec![first.as_slice(), second.as_slice()]);
    assert!(out.frames.iter().all(|e| e.port == Port::Wan));
}

#[test]
fn monitor_mode_logs_and_forwards() {
    let mut config = Config::default();
    config.cnc.action = CncAction::Monitor;
    let mut gw = Gateway::new(config, spine_intel());
    let c = Conn::new(1050, CNC_IP);
    handshake(&mut gw, &c, at(0), 1, 2);
    let req = c.client(2, 3, psh(), LOGIN);
    let mut out = Actions::default();
    gw.handle(at(0), Port::Lan, &req, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &req));
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].action, Action::Monitor);
    assert_eq!(out.alerts.len(), 1);
}

#[test]
fn alerts_can_be_disabled() {
    let mut config = Config::default();
    config.alerts.enabled = false;
    let mut gw = Gateway::new(config, spine_intel());
    let c = Conn::new(1060, CNC_IP);
    handshake(&mut gw, &c, at(0), 1, 2);
    let mut out = Actions::default();
    gw.handle(at(0), Port::Lan, &c.client(2, 3, psh(), LOGIN), &mut out);
    assert_eq!((out.events.len(), out.alerts.len()), (1, 0));
}

#[test]
fn listed_ip_is_reset_at_the_syn() {
    let mut intel = spine_intel();
    intel.cnc.ips.insert(CNC_IP, "CnC.Ip".into());
    let mut gw = Gateway::new(Config::default(), intel);
    let c = Conn::new(1070, CNC_IP);
    let mut out = Actions::default();
    gw.handle(at(0), Port::Lan, &c.client(900, 0, syn(), b""), &mut out);
    assert_eq!(out.frames.len(), 1);
    let rst = decode(&out.frames[0]);
    assert_eq!(rst.port, Port::Lan);
    assert!(rst.flags.rst && rst.flags.ack);
    assert_eq!(rst.ack, 901);
    assert_eq!((rst.src, rst.dst), (CNC_IP, PC_IP));
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].action, Action::Reset);
    assert_eq!(out.events[0].reasons[1].to_string(), "IP 203.0.113.66");
    assert_eq!(out.alerts.len(), 1);
    // The same SYN retransmitted: reset again, not a second attempt.
    out.clear();
    gw.handle(at(3), Port::Lan, &c.client(900, 0, syn(), b""), &mut out);
    assert_eq!((out.frames.len(), out.events.len()), (1, 0));
    // A new connection reusing the port is a new attempt.
    out.clear();
    gw.handle(at(30), Port::Lan, &c.client(7_000, 0, syn(), b""), &mut out);
    assert_eq!(out.events.len(), 1);
}

#[test]
fn forged_frames_are_deterministic() {
    let run = || {
        let mut gw = gateway();
        let c = Conn::new(1080, CNC_IP);
        handshake(&mut gw, &c, at(0), 1, 2);
        let mut out = Actions::default();
        gw.handle(at(0), Port::Lan, &c.client(2, 3, psh(), LOGIN), &mut out);
        out.frames
    };
    assert_eq!(run(), run());
}

#[test]
fn flows_expire_through_poll() {
    let mut gw = gateway();
    assert_eq!(gw.poll_at(), None);
    let c = Conn::new(1090, Ipv4Addr::new(198, 51, 100, 10));
    handshake(&mut gw, &c, at(0), 1, 2);
    assert_eq!(gw.flow_count(), 1);
    let due = gw.poll_at().expect("a deadline");
    assert!(due > at(0));
    let mut out = Actions::default();
    gw.poll(due, &mut out);
    assert!(out.is_empty());
    assert_eq!(gw.flow_count(), 0);
    assert_eq!(gw.poll_at(), None);
}

#[test]
fn deploy_needs_a_newer_version() {
    let mut gw = gateway();
    let mut next = gw.config().clone();
    next.version = 1;
    next.cnc.enabled = false;
    assert_eq!(
        gw.deploy(next.clone()),
        DeployOutcome::Failed {
            kept_version: 1,
            reason: "version 1 is not newer than the running version 1".into()
        }
    );
    assert!(gw.config().cnc.enabled, "old config kept");
    next.version = 2;
    assert_eq!(gw.deploy(next), DeployOutcome::Success { version: 2 });
    // The new policy is live: detection off.
    let c = Conn::new(1100, CNC_IP);
    handshake(&mut gw, &c, at(0), 1, 2);
    let req = c.client(2, 3, psh(), LOGIN);
    let mut out = Actions::default();
    gw.handle(at(0), Port::Lan, &req, &mut out);
    assert!(forwarded(&out.frames, Port::Wan, &req));
    assert!(out.events.is_empty());
}

/// The spine: 1,146 beacons, ~30 s apart, alternating the two C&C URLs, on
/// client ports that get reused while the previous blocked flow is still
/// remembered. Every attempt is one event; the desk gets one alert.
#[test]
fn spine_1146_attempts_make_1146_events_and_one_alert() {
    let mut gw = gateway();
    let mut out = Actions::default();
    let (mut events, mut alerts, mut leaked) = (0usize, 0usize, 0usize);
    for i in 0..1146u32 {
        let now = at(i64::from(i) * 30 + i64::from(i % 7));
        if gw.poll_at().is_some_and(|t| t <= now) {
            gw.poll(now, &mut out);
        }
        let c = Conn::new(1030 + (i % 3) as u16, CNC_IP);
        let isn = 1_000_000u32.wrapping_mul(i + 1);
        let req = if i % 2 == 0 { ACCOUNT } else { LOGIN };
        let frames = [
            (Port::Lan, c.client(isn, 0, syn(), b"")),
            (Port::Wan, c.server(42, isn + 1, synack(), b"")),
            (Port::Lan, c.client(isn + 1, 43, ack(), b"")),
            (Port::Lan, c.client(isn + 1, 43, psh(), req)),
        ];
        for (port, f) in frames {
            gw.handle(now, port, &f, &mut out);
        }
        leaked += out
            .frames
            .iter()
            .filter(|e| e.port == Port::Wan)
            .map(decode)
            .filter(|s| !s.payload.is_empty())
            .count();
        events += out.events.len();
        alerts += out.alerts.len();
        out.clear();
    }
    assert_eq!(events, 1146);
    assert_eq!(alerts, 1);
    assert_eq!(leaked, 0, "no request reached the internet");
    assert!(gw.flow_count() <= 3);
}

/// A chunked POST first, then the C&C request on the same keep-alive
/// connection: the gateway follows the chunks to the next request and
/// blocks it (a chunked body once made it pass the rest uninspected).
#[test]
fn a_request_after_a_chunked_body_is_still_inspected() {
    let mut gw = gateway();
    let c = Conn::new(1031, CNC_IP);
    handshake(&mut gw, &c, at(0), 1000, 5000);
    let post: &[u8] = b"POST /upload HTTP/1.1\r\nHost: www.print-shop.example\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunks: &[&[u8]] = &[
        b"5\r\nhel",
        b"lo\r\n1",
        b"0\r\n0123456789abcdef\r\n0\r\n\r\n",
    ];
    let mut seq = 1001u32;
    let mut out = Actions::default();
    gw.handle(
        at(0),
        Port::Lan,
        &c.client(seq, 5001, psh(), post),
        &mut out,
    );
    seq += post.len() as u32;
    for part in chunks {
        gw.handle(
            at(0),
            Port::Lan,
            &c.client(seq, 5001, psh(), part),
            &mut out,
        );
        seq += part.len() as u32;
    }
    assert!(out.events.is_empty(), "the POST is clean: {:?}", out.events);
    out.clear();
    gw.handle(
        at(1),
        Port::Lan,
        &c.client(seq, 5001, psh(), LOGIN),
        &mut out,
    );
    assert_eq!(
        out.events
            .iter()
            .filter(|e| e.engine == Engine::Cnc && e.action == Action::Block)
            .count(),
        1,
        "the C&C request after the chunked body is blocked: {:?}",
        out.events
    );
    assert!(
        !out.frames
            .iter()
            .map(decode)
            .any(|s| s.port == Port::Wan && s.payload.starts_with(b"GET /login.asp")),
        "the C&C request must not reach the server"
    );
}
