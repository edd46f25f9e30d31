//! Application control (アプリケーション利用制限) through the gateway's seam,
//! by class. The BitTorrent peer handshake is built here byte by byte from
//! BEP 3 ("character nineteen followed by the string 'BitTorrent protocol'",
//! 8 reserved bytes, the info hash, the peer id), never from the gateway's
//! own constant:
//! - split over TCP segments at any points, on any port, with any reserved
//!   bits, hash, id and bytes after it, it is recognised, logged as
//!   application control naming BitTorrent, reset, and no byte of it
//!   reaches the WAN;
//! - a first stream that merely contains the handshake (or the word
//!   "BitTorrent") after other bytes is not: nothing is logged and every byte
//!   is forwarded, in order.

use crate::support::*;
use appliance::gateway::Actions;
use appliance::policy::{RawPolicy, UrlCategories, validate};
use appliance::wire::frame::{self, L4, Parsed};
use appliance::{Action, Config, Engine, Event, FrozenIntel, Gateway, Instant, Port};
use proptest::prelude::*;
use std::time::Duration;

/// 2025-12-04 10:00 JST, a Thursday.
const T0: i64 = 1_764_810_000;

/// The print shop's rule: BitTorrent is blocked at all times.
fn p2p_blocked() -> Config {
    let raw: RawPolicy = serde_yaml::from_str(
        "url_filtering:\n  rules:\n    - { name: P2P禁止, applications: [BitTorrent], action: block }\n",
    )
    .expect("policy shape");
    Config {
        policy: validate(&raw, UrlCategories::builtin()).expect("valid policy"),
        ..Config::default()
    }
}

/// A BEP 3 handshake, byte by byte.
fn handshake(reserved: [u8; 8], info_hash: [u8; 20], peer_id: [u8; 20]) -> Vec<u8> {
    let mut out = vec![19u8];
    out.extend_from_slice("BitTorrent protocol".as_bytes());
    out.extend_from_slice(&reserved);
    out.extend_from_slice(&info_hash);
    out.extend_from_slice(&peer_id);
    assert_eq!(out.len(), 68);
    out
}

struct Run {
    events: Vec<Event>,
    /// TCP payload bytes the gateway sent out of its WAN port, in order.
    wan_payload: Vec<u8>,
    lan_rsts: usize,
}

/// A PC's connection to a peer at `dst_port`: the three-way handshake, then
/// `segments` in order.
fn drive(dst_port: u16, segments: &[Vec<u8>]) -> Run {
    let mut gw = Gateway::new(p2p_blocked(), FrozenIntel::default());
    let mut out = Actions::default();
    let mut run = Run {
        events: Vec::new(),
        wan_payload: Vec::new(),
        lan_rsts: 0,
    };
    let mut conn = Conn::new(50_999, CNC_IP);
    conn.ends.dst_port = dst_port;
    let (c, s) = (7_000u32, 31_000u32);
    let mut now = Instant::from_secs(T0);
    let mut frames = vec![
        (Port::Lan, conn.client(c, 0, syn(), &[])),
        (Port::Wan, conn.server(s, c + 1, synack(), &[])),
        (Port::Lan, conn.client(c + 1, s + 1, ack(), &[])),
    ];
    let mut seq = c + 1;
    for part in segments {
        frames.push((Port::Lan, conn.client(seq, s + 1, psh(), part)));
        seq = seq.wrapping_add(part.len() as u32);
    }
    for (port, f) in frames {
        now = now + Duration::from_millis(1);
        gw.handle(now, port, &f, &mut out);
        run.events.append(&mut out.events);
        for emit in out.frames.drain(..) {
            let Ok(Parsed::Ipv4(p)) = frame::parse(&emit.frame) else {
                continue;
            };
            let L4::Tcp(t) = p.l4 else { continue };
            match emit.port {
                Port::Wan => run.wan_payload.extend_from_slice(t.payload),
                Port::Lan if t.flags.rst => run.lan_rsts += 1,
                Port::Lan => {}
            }
        }
        out.clear();
    }
    run
}

/// `bytes` cut at the given points (each taken modulo the length).
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

/// A first byte that starts neither an HTTP request line (a token
/// character or a space), a TLS record (0x16) nor a handshake (19): a
/// stream the gateway can only pass or recognise by its bytes.
fn opaque_first_byte() -> impl Strategy<Value = u8> {
    any::<u8>().prop_filter("not HTTP, TLS or BitTorrent", |b| {
        !matches!(b, b'A'..=b'Z' | b'-' | b'_' | b' ' | 0x16 | 19)
    })
}

fn peer_port() -> impl Strategy<Value = u16> {
    prop_oneof![Just(6881u16), 6881u16..=6889, 1024u16..=65535]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_handshake_split_anywhere_is_recognised_and_never_reaches_the_peer(
        port in peer_port(),
        reserved in any::<[u8; 8]>(),
        info_hash in any::<[u8; 20]>(),
        peer_id in any::<[u8; 20]>(),
        after in proptest::collection::vec(any::<u8>(), 0..48),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut stream = handshake(reserved, info_hash, peer_id);
        stream.extend_from_slice(&after);
        let run = drive(port, &split(&stream, &cuts));
        prop_assert_eq!(run.events.len(), 1, "{:?}", run.events);
        let e = &run.events[0];
        prop_assert_eq!(e.engine, Engine::AppControl);
        prop_assert_eq!(e.action, Action::Reset);
        prop_assert!(e.reason().contains("application BitTorrent"), "{}", e.reason());
        prop_assert!(e.reason().contains("policy rule P2P禁止"), "{}", e.reason());
        prop_assert!(run.wan_payload.is_empty(), "{} byte(s) reached the peer", run.wan_payload.len());
        prop_assert!(run.lan_rsts >= 1, "the client was not reset");
    }

    #[test]
    fn bittorrent_after_other_bytes_is_not_the_handshake(
        port in peer_port(),
        first in opaque_first_byte(),
        prefix in proptest::collection::vec(any::<u8>(), 0..24),
        word_only in any::<bool>(),
        info_hash in any::<[u8; 20]>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
    ) {
        let mut stream = vec![first];
        stream.extend_from_slice(&prefix);
        if word_only {
            stream.extend_from_slice(b"BitTorrent");
        } else {
            stream.extend_from_slice(&handshake([0; 8], info_hash, *b"-UT3550-0123456789ab"));
        }
        let run = drive(port, &split(&stream, &cuts));
        prop_assert!(run.events.is_empty(), "{:?}", run.events);
        prop_assert_eq!(run.wan_payload, stream, "the stream was not forwarded whole and in order");
    }
}

#[test]
fn near_misses_of_the_name_are_not_bittorrent() {
    let hs = handshake([0; 8], [1; 20], [2; 20]);
    for variant in [
        // Another length byte, another case, one letter changed.
        [&[20u8][..], &hs[1..]].concat(),
        [&[19u8][..], b"bittorrent protocol", &hs[20..]].concat(),
        [&[19u8][..], b"BitTorrent protocoL", &hs[20..]].concat(),
    ] {
        let run = drive(6881, std::slice::from_ref(&variant));
        assert!(run.events.is_empty(), "{:?}", run.events);
        assert_eq!(run.wan_payload, variant);
    }
    // The control: the handshake itself, on the same port, is stopped.
    let run = drive(6881, &[hs]);
    assert_eq!(run.events.len(), 1);
    assert!(run.wan_payload.is_empty());
}
