//! Tests of the gateway core: forged frames, DNS naming, random frames and conversations.

use super::block::forged_ident;
use super::*;
use crate::intel::FrozenIntel;
use crate::wire::frame::Mac;
use proptest::prelude::*;

fn gateway() -> Gateway {
    let mut intel = FrozenIntel::default();
    intel
        .cnc
        .domains
        .insert("evil.example".into(), "CnC.Test".into());
    intel
        .cnc
        .ips
        .insert(Ipv4Addr::new(203, 0, 113, 9), "CnC.Ip".into());
    Gateway::new(Config::default(), intel)
}

#[test]
fn forged_idents_depend_on_seed_and_counter_only() {
    assert_eq!(forged_ident(1, 5), forged_ident(1, 5));
    assert_ne!(forged_ident(1, 5), forged_ident(1, 6));
    assert_ne!(forged_ident(1, 5), forged_ident(2, 5));
}

#[test]
fn dns_answers_name_later_ip_detections() {
    use simple_dns::rdata::{A, RData};
    use simple_dns::{CLASS, Name, Packet as Dns, ResourceRecord};
    let mut gw = gateway();
    // An answer nobody asked for: the stateful firewall would rightly
    // drop it, and this test is about naming, not state.
    gw.config.firewall.enabled = false;
    let mut reply = Dns::new_reply(1);
    reply.answers.push(ResourceRecord::new(
        Name::new_unchecked("c2.evil.example"),
        CLASS::IN,
        60,
        RData::A(A::from(Ipv4Addr::new(203, 0, 113, 9))),
    ));
    let payload = reply.build_bytes_vec().expect("dns");
    let mut udp = vec![0u8; 8 + payload.len()];
    udp[0..2].copy_from_slice(&53u16.to_be_bytes());
    udp[2..4].copy_from_slice(&5353u16.to_be_bytes());
    let udp_len = udp.len() as u16;
    udp[4..6].copy_from_slice(&udp_len.to_be_bytes());
    udp[8..].copy_from_slice(&payload);
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0];
    ip.extend_from_slice(&[198, 51, 100, 53, 192, 168, 1, 11]);
    let total = (ip.len() + udp.len()) as u16;
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(&udp);
    {
        let mut p = smoltcp::wire::Ipv4Packet::new_unchecked(&mut frame[14..]);
        p.fill_checksum();
    }
    let mut out = Actions::default();
    gw.handle(Instant::from_secs(1), Port::Wan, &frame, &mut out);
    assert_eq!(out.frames.len(), 1, "DNS passes");
    assert!(out.events.is_empty(), "DNS is not a C&C attempt");

    let ends = Endpoints {
        src_mac: Mac([2, 0, 0, 0, 0, 2]),
        dst_mac: Mac([2, 0, 0, 0, 0, 1]),
        src: Ipv4Addr::new(192, 168, 1, 11),
        dst: Ipv4Addr::new(203, 0, 113, 9),
        src_port: 1025,
        dst_port: 80,
    };
    let syn = forge::tcp(
        &ends,
        &TcpSpec {
            seq: 1,
            ack: 0,
            flags: Flags {
                syn: true,
                ..Flags::default()
            },
            window: 1000,
            mss: None,
            payload: b"",
        },
        1,
        64,
    );
    out.clear();
    gw.handle(Instant::from_secs(2), Port::Lan, &syn, &mut out);
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].host.as_deref(), Some("c2.evil.example"));
    assert_eq!(out.events[0].action, Action::Reset);
}

fn arb_segment() -> impl Strategy<Value = (bool, u8, u32, u32, Vec<u8>)> {
    (
        any::<bool>(),
        any::<u8>(),
        0u32..4000,
        0u32..4000,
        prop_oneof![
            Just(b"GET /x HTTP/1.1\r\nHost: evil.example\r\n\r\n".to_vec()),
            Just(b"GET /x HTTP/1.1\r\nHost: ok.example\r\n\r\n".to_vec()),
            Just(b"GET /nover\r\n\r\n".to_vec()),
            // Flows whose first client bytes are not HTTP pass
            // uninspected by design (TLS, SSH); keep the junk HTTP-like.
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(|tail| {
                let mut v = b"GET /".to_vec();
                v.extend_from_slice(&tail);
                v
            }),
        ],
    )
}

proptest! {
    /// Random bytes on either port never panic.
    #[test]
    fn arbitrary_frames_never_panic(
        frames in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..120)), 0..20)
    ) {
        let mut gw = gateway();
        let mut out = Actions::default();
        for (i, (lan, bytes)) in frames.iter().enumerate() {
            let port = if *lan { Port::Lan } else { Port::Wan };
            gw.handle(Instant::from_secs(i as i64), port, bytes, &mut out);
        }
    }

    /// Valid TCP segments with random flags, numbers and payloads, in any
    /// order on either port: no panic, bounded state, and nothing C&C
    /// ever reaches the WAN on a flow the LAN side started (flows the
    /// WAN starts are inbound connections, not callbacks, and pass).
    #[test]
    fn random_conversations_hold_the_invariants(
        segs in proptest::collection::vec(arb_segment(), 1..40)
    ) {
        let mut gw = gateway();
        let mut out = Actions::default();
        let lan = Endpoints {
            src_mac: Mac([2, 0, 0, 0, 0, 2]),
            dst_mac: Mac([2, 0, 0, 0, 0, 1]),
            src: Ipv4Addr::new(192, 168, 1, 11),
            dst: Ipv4Addr::new(198, 51, 100, 7),
            src_port: 1025,
            dst_port: 80,
        };
        for (i, (from_lan, flags, seq_no, ack, payload)) in segs.iter().enumerate() {
            // The LAN side opens the flow (an ACK: a SYN with data or a
            // RST would be refused and open nothing); everything happens within a second, so the
            // flow never expires and an inbound flow cannot replace it.
            let from_lan = &(*from_lan || i == 0);
            let flags = &if i == 0 { 16 | (flags & 8) } else { *flags };
            let ends = if *from_lan { lan } else { lan.reversed() };
            let spec = TcpSpec {
                seq: *seq_no,
                ack: *ack,
                flags: Flags {
                    fin: flags & 1 != 0,
                    syn: flags & 2 != 0,
                    rst: flags & 4 != 0,
                    psh: flags & 8 != 0,
                    ack: flags & 16 != 0,
                },
                window: 1000,
                mss: None,
                payload,
            };
            let frame = forge::tcp(&ends, &spec, 1, 64);
            let port = if *from_lan { Port::Lan } else { Port::Wan };
            let now = Instant::from_micros(i as i64 * 1000);
            gw.handle(now, port, &frame, &mut out);
            gw.poll(now, &mut out);
        }
        let leaked = out.frames.iter().filter(|e| e.port == Port::Wan).any(|e| {
            e.frame.windows(12).any(|w| w == b"evil.example")
        });
        prop_assert!(!leaked);
        prop_assert!(gw.flow_count() <= 1);
    }
}
