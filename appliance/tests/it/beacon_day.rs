//! Beacon scoring through the gateway's seam: the same 5-minute schedule is
//! flagged as a beacon when the client speaks first over TCP, and not when
//! the server greets first (a mail or file-transfer client polling) or when
//! it is UDP (an NTP client). Each case differs from the flagged one in that
//! one property of the traffic only.

use crate::support::{Conn, PC_IP, PC_MAC, ROUTER_MAC, ack, psh, syn, synack};
use appliance::config::Config;
use appliance::{Actions, Engine, FrozenIntel, Gateway, Instant, Port};
use std::net::Ipv4Addr;

const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 77);
/// Five minutes, ±10 % by a fixed pattern, for six hours.
const CALLS: usize = 72;

fn at(secs: i64) -> Instant {
    Instant::from_secs(1_507_215_600 + secs)
}

/// The k-th call's time: 300 s ± up to 30 s.
fn schedule() -> Vec<i64> {
    let mut t = 0;
    (0..CALLS)
        .map(|k| {
            let now = t;
            t += 300 + [-30, 12, -7, 25, 0, -18, 30, 5][k % 8];
            now
        })
        .collect()
}

/// One TCP call to `SERVER:port`; the C&C events it caused.
fn tcp_call(gw: &mut Gateway, now: Instant, k: usize, port: u16, server_first: bool) -> usize {
    let mut c = Conn::new(20_000 + k as u16, SERVER);
    c.ends.dst_port = port;
    let (isn, sisn) = (1000u32 + k as u32 * 7, 50_000u32 + k as u32 * 11);
    let request: &[u8] = b"\x17\x03\x03\x00\x30id=7f3a9c21&seq=000000000000000000000000000000";
    let greeting: &[u8] = b"SSH-2.0-OpenSSH_7.4\r\n";
    let reply: &[u8] = b"\x17\x03\x03\x00\x10nothing-to-do...";
    let mut out = Actions::default();
    gw.handle(now, Port::Lan, &c.client(isn, 0, syn(), b""), &mut out);
    gw.handle(
        now,
        Port::Wan,
        &c.server(sisn, isn + 1, synack(), b""),
        &mut out,
    );
    gw.handle(
        now,
        Port::Lan,
        &c.client(isn + 1, sisn + 1, ack(), b""),
        &mut out,
    );
    let (mut cs, mut ss) = (isn + 1, sisn + 1);
    if server_first {
        gw.handle(now, Port::Wan, &c.server(ss, cs, psh(), greeting), &mut out);
        ss += greeting.len() as u32;
    }
    gw.handle(now, Port::Lan, &c.client(cs, ss, psh(), request), &mut out);
    cs += request.len() as u32;
    gw.handle(now, Port::Wan, &c.server(ss, cs, psh(), reply), &mut out);
    out.events
        .iter()
        .filter(|e| e.engine == Engine::Cnc)
        .count()
}

/// One UDP datagram from the PC's port 123 to `SERVER:123` (an NTP request).
fn ntp_request(gw: &mut Gateway, now: Instant) -> usize {
    let payload = [0x23u8; 48];
    let mut f = Vec::new();
    f.extend_from_slice(&ROUTER_MAC.0);
    f.extend_from_slice(&PC_MAC.0);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + 8 + payload.len()) as u16;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[8] = 128;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&PC_IP.octets());
    ip[16..20].copy_from_slice(&SERVER.octets());
    let sum = ip
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum::<u32>();
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&123u16.to_be_bytes());
    f.extend_from_slice(&123u16.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&payload);
    let mut out = Actions::default();
    gw.handle(now, Port::Lan, &f, &mut out);
    assert_eq!(out.frames.len(), 1, "the NTP request passes");
    out.events
        .iter()
        .filter(|e| e.engine == Engine::Cnc)
        .count()
}

/// The time of the first C&C event of the schedule, if any.
fn first_flag(mut call: impl FnMut(&mut Gateway, Instant, usize) -> usize) -> Option<i64> {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    schedule()
        .into_iter()
        .enumerate()
        .find(|&(k, t)| call(&mut gw, at(t), k) > 0)
        .map(|(_, t)| t)
}

#[test]
fn a_client_first_tcp_schedule_is_flagged_within_six_hours() {
    let t = first_flag(|gw, now, k| tcp_call(gw, now, k, 4444, false));
    let t = t.expect("the beacon is flagged");
    assert!(t <= 6 * 3600, "flagged after {t} s");
}

#[test]
fn the_same_schedule_with_the_server_greeting_first_is_not() {
    assert_eq!(
        first_flag(|gw, now, k| tcp_call(gw, now, k, 4444, true)),
        None
    );
}

#[test]
fn the_same_schedule_over_udp_is_not_scored() {
    assert_eq!(first_flag(|gw, now, _| ntp_request(gw, now)), None);
}
