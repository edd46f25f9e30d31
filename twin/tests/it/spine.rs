//! The spine's incident from its real scenario file: the XP PC's C&C calls
//! are blocked all day, the desk is alerted, and unplugging the PC stops them.

use appliance::{Engine, Instant};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;
use twin::model::TimelineAction;
use twin::{ALERT_RELAY_DELAY, Outcome, World, WorldOptions};

/// 2017-09-26 00:00:00 JST.
const MIDNIGHT: Instant = Instant::from_secs(1_506_351_600);

fn jst(h: u64, m: u64, s: u64) -> Instant {
    MIDNIGHT + Duration::from_secs(h * 3600 + m * 60 + s)
}

#[test]
fn winxp_cnc_beacon_runs_through_the_twin() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/winxp-cnc-beacon.yaml");
    let scenario = twin::load::scenario_file(&path).expect("scenario loads");
    let mut w = World::new(&scenario, WorldOptions { capture: false }).expect("world");
    w.run_until(w.end());
    let events = w.drain_events();
    assert_eq!(w.stats().stalls, 0);
    let xp = Ipv4Addr::new(192, 168, 1, 11);
    let isolated = w.isolated_at("PC-XP").expect("unplugged");
    let planned = scenario
        .timeline
        .iter()
        .find(|t| {
            t.action
                == TimelineAction::Isolate {
                    host: "PC-XP".into(),
                }
        })
        .expect("the timeline unplugs PC-XP");
    assert_eq!(isolated, planned.at);

    // Every call before the cable was pulled is a C&C detection from the XP PC.
    let calls: Vec<_> = w
        .exchanges("PC-XP")
        .iter()
        .filter(|e| e.started < isolated)
        .collect();
    assert_eq!(calls[0].started, jst(10, 9, 45));
    let cnc: Vec<_> = events
        .iter()
        .filter(|e| e.engine == Engine::Cnc && e.src_ip == xp)
        .collect();
    assert!(!cnc.is_empty(), "the gateway detects the calls");
    assert_eq!(cnc.len(), calls.len());
    assert!((1100..=1200).contains(&cnc.len()), "{}", cnc.len());
    assert!(cnc.iter().all(|e| e.time < isolated));
    assert!(
        calls
            .iter()
            .all(|e| e.outcome == Outcome::Complete && e.status.is_some())
    );

    // The support desk hears about it, once, after the cloud's relay delay.
    let mails = w.mailbox("support-desk@isp.example");
    assert!(!mails.is_empty());
    assert_eq!(mails[0].received, cnc[0].time + ALERT_RELAY_DELAY);

    // After the cable is pulled nothing from the PC reaches the internet.
    assert!(w.last_wan_egress_from(xp).is_none_or(|t| t <= isolated));
    assert!(w.exchanges("PC-XP").iter().any(|e| e.started > isolated));

    // The staff browse during office hours and get their pages.
    let pages: Vec<_> = w
        .host_names()
        .filter(|h| *h != "PC-XP")
        .flat_map(|h| w.exchanges(h))
        .collect();
    assert!(pages.len() > 1000, "{}", pages.len());
    assert!(
        pages
            .iter()
            .all(|e| e.outcome == Outcome::Complete && e.status == Some(200))
    );
}
