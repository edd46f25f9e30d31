//! Periodic actors of the beacon scenarios: a jitter given in percent is
//! that share of the interval, and the NTP client polls UDP 123 every 64 s,
//! doubling to 1024 s.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;
use twin::catalog::Catalog;
use twin::frame::{Read, read};
use twin::model::{ActorKind, Mac, ScriptedKind};
use twin::scripted::{Entry, Scripted};

fn catalog() -> Catalog {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    Catalog::from_dir(dir).expect("scenarios")
}

#[test]
fn jitter_in_percent_is_a_share_of_the_interval() {
    let s = catalog()
        .scenario("slow-beacons-benign-pollers")
        .expect("loads");
    let beacons: Vec<(Duration, Duration)> = s
        .actors
        .iter()
        .filter_map(|a| match &a.kind {
            ActorKind::Beacon {
                interval, jitter, ..
            } => Some((*interval, *jitter)),
            ActorKind::Browse { .. } => None,
        })
        .collect();
    assert_eq!(
        beacons,
        [
            (Duration::from_secs(300), Duration::from_secs(30)),
            (Duration::from_secs(3600), Duration::from_secs(360)),
        ]
    );
}

#[test]
fn the_ntp_client_polls_udp_123_doubling_to_1024_s() {
    let s = catalog()
        .scenario("slow-beacons-benign-pollers")
        .expect("loads");
    let spec = s
        .scripted
        .iter()
        .find(|t| matches!(t.kind, ScriptedKind::Ntp { .. }))
        .expect("an NTP client");
    let server = Ipv4Addr::new(198, 51, 100, 123);
    assert_eq!(
        spec.kind,
        ScriptedKind::Ntp {
            server,
            min_poll: Duration::from_secs(64),
            max_poll: Duration::from_secs(1024),
        }
    );
    let pc = Ipv4Addr::new(192, 168, 1, 13);
    let mut ntp = Scripted::new(0, spec, Entry::Host(0), pc, Mac([2, 0, 0, 0, 0, 1]), 1);
    let mut now = spec.start;
    let mut gaps = Vec::new();
    for _ in 0..7 {
        let (frames, next) = ntp.fire(now, &|_| Mac([2, 0, 0, 0, 0, 2]));
        assert_eq!(frames.len(), 1);
        assert_eq!(
            read(&frames[0]),
            Some(Read::Udp {
                src: pc,
                dst: server,
                dst_port: 123
            })
        );
        // Ethernet 14 + IPv4 20 + UDP 8 + NTP 48.
        assert_eq!(frames[0].len(), 14 + 20 + 8 + 48);
        let next = next.expect("polls forever");
        gaps.push(next.saturating_since(now).as_secs());
        now = next;
    }
    assert_eq!(gaps, [64, 128, 256, 512, 1024, 1024, 1024]);
}
