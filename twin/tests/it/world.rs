//! The simulator end to end: DNS, pages, beacons, isolation, capture and
//! determinism on a small office.

use appliance::{Config, FrozenIntel, Instant};
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use std::net::Ipv4Addr;
use std::time::Duration;
use twin::capture::epb_micros;
use twin::model::{
    ActorKind, ActorSpec, HostKind, HostSpec, Internet, Mac, MailServerSpec, Office, Page,
    Scenario, Site, TimelineAction, TimelineEntry,
};
use twin::{Outcome, World, WorldOptions};

/// 2017-09-26 00:00:00 JST.
const MIDNIGHT: Instant = Instant::from_secs(1_506_351_600);
const CNC_URL_1: &str = "http://xxxrzy8823l68me.net/account.asp?qu=cmd";
const CNC_URL_2: &str = "http://xxxsiebabanahujtr.org/login.asp";
const XP_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);

fn jst(h: u64, m: u64, s: u64) -> Instant {
    MIDNIGHT + Duration::from_secs(h * 3600 + m * 60 + s)
}

fn host(name: &str, last: u8, os: &str) -> HostSpec {
    HostSpec {
        name: name.into(),
        ip: Ipv4Addr::new(192, 168, 1, last),
        mac: Mac([0x00, 0x1b, 0x21, 0x00, 0x01, last]),
        os: os.into(),
        kind: HostKind::Pc,
        user: None,
    }
}

fn page(path: &str, body: &str) -> Page {
    Page {
        path: path.into(),
        status: 200,
        content_type: "text/html".into(),
        body: body.into(),
    }
}

fn office(pcs: usize) -> Office {
    let mut hosts = vec![host("PC-XP", 11, "Windows XP")];
    for i in 0..pcs {
        hosts.push(host(
            &format!("PC-{:02}", i + 1),
            21 + i as u8,
            "Windows 10",
        ));
    }
    Office {
        id: "print-shop".into(),
        title: "Print shop".into(),
        lan: Ipv4Addr::new(192, 168, 1, 0),
        lan_prefix: 24,
        router_ip: Ipv4Addr::new(192, 168, 1, 1),
        router_mac: Mac([0x00, 0x24, 0xa5, 0x00, 0x00, 0x01]),
        dns_server: Ipv4Addr::new(198, 51, 100, 53),
        gateway_name: "CloudEdge50-printshop".into(),
        branch_gateways: Vec::new(),
        admin_mail: "admin@print-shop.example".into(),
        hosts,
        endpoint: None,
    }
}

fn internet() -> Internet {
    Internet {
        sites: vec![
            Site {
                host: "www.example.jp".into(),
                ip: Ipv4Addr::new(203, 0, 113, 10),
                pages: vec![
                    page("/", "<html>welcome</html>"),
                    page("/news?id=1", &"news ".repeat(2000)),
                ],
                certificate: None,
                ports: Vec::new(),
                bittorrent: Vec::new(),
                in_dns: true,
            },
            Site {
                host: "xxxrzy8823l68me.net".into(),
                ip: Ipv4Addr::new(203, 0, 113, 66),
                pages: vec![page("/account.asp?qu=cmd", "cmd=sleep")],
                certificate: None,
                ports: Vec::new(),
                bittorrent: Vec::new(),
                in_dns: true,
            },
            Site {
                host: "xxxsiebabanahujtr.org".into(),
                ip: Ipv4Addr::new(203, 0, 113, 67),
                pages: vec![page("/login.asp", "ok")],
                certificate: None,
                ports: Vec::new(),
                bittorrent: Vec::new(),
                in_dns: true,
            },
        ],
        mail: MailServerSpec {
            mailboxes: vec!["support-desk@isp.example".into()],
            ..MailServerSpec::default()
        },
    }
}

fn intel() -> FrozenIntel {
    let mut intel = FrozenIntel::default();
    for d in ["xxxrzy8823l68me.net", "xxxsiebabanahujtr.org"] {
        intel
            .cnc
            .domains
            .insert(d.into(), "CnC.Win32.Generic".into());
    }
    intel
}

fn beacon() -> ActorSpec {
    ActorSpec {
        program: None,
        host: "PC-XP".into(),
        start: Some(jst(10, 9, 45)),
        stop: None,
        kind: ActorKind::Beacon {
            urls: vec![CNC_URL_1.into(), CNC_URL_2.into()],
            script: Vec::new(),
            interval: Duration::from_secs(30),
            jitter: Duration::from_secs(15),
        },
    }
}

fn browse(host: &str, interval: Duration) -> ActorSpec {
    ActorSpec {
        program: None,
        host: host.into(),
        start: None,
        stop: None,
        kind: ActorKind::Browse {
            urls: vec![
                "http://www.example.jp/".into(),
                "http://www.example.jp/news?id=1".into(),
            ],
            interval,
            jitter: interval / 5,
            hours: Some((9, 18)),
        },
    }
}

/// Three hosts, one beacon, one browsing person, one site, two C&C sites;
/// PC-XP is unplugged at 11:00.
fn small_scenario() -> Scenario {
    Scenario {
        id: "small".into(),
        title: "small".into(),
        reproduces: "test".into(),
        office: office(2),
        start: jst(10, 0, 0),
        duration: Duration::from_secs(2 * 3600),
        online_since: None,
        seed: 2017,
        gateway: Config::default(),
        internet: internet(),
        intel: intel(),
        actors: vec![beacon(), browse("PC-01", Duration::from_secs(300))],
        timeline: vec![TimelineEntry {
            at: jst(11, 0, 0),
            action: TimelineAction::Isolate {
                host: "PC-XP".into(),
            },
            note: Some("LANケーブル抜去".into()),
        }],
        scripted: Vec::new(),
        mail: Default::default(),
        endpoint: Default::default(),
        cloud_apps: None,
    }
}

/// The spine's day: 24 browsing PCs and the beaconing XP PC over 24 hours,
/// the XP PC unplugged in the evening.
fn incident_day() -> Scenario {
    let mut s = small_scenario();
    s.office = office(24);
    s.start = MIDNIGHT;
    s.duration = Duration::from_secs(24 * 3600);
    s.actors = vec![beacon()];
    for i in 0..24 {
        s.actors.push(browse(
            &format!("PC-{:02}", i + 1),
            Duration::from_secs(300),
        ));
    }
    s.timeline[0].at = jst(19, 45, 0);
    s
}

fn world(s: &Scenario) -> World {
    World::new(s, WorldOptions::default()).expect("world")
}

#[test]
fn dns_resolves_and_pages_arrive() {
    let mut w = world(&small_scenario());
    w.open("PC-02", "http://www.example.jp/").expect("open");
    w.open("PC-02", "http://WWW.example.jp/news?id=1")
        .expect("open");
    w.open("PC-02", "http://www.example.jp/missing")
        .expect("open");
    w.open("PC-02", "http://nowhere.example/").expect("open");
    w.run_for(Duration::from_secs(10));
    let ex = w.exchanges("PC-02");
    assert_eq!(ex.len(), 4, "{ex:#?}");
    let by_url = |u: &str| ex.iter().find(|e| e.url == u).expect(u);
    let home = by_url("http://www.example.jp/");
    assert_eq!((home.outcome, home.status), (Outcome::Complete, Some(200)));
    assert_eq!(home.body, "<html>welcome</html>");
    assert!(home.finished > home.started);
    assert!(home.finished.saturating_since(home.started) < Duration::from_secs(1));
    let news = by_url("http://WWW.example.jp/news?id=1");
    assert_eq!(news.body.len(), 10_000);
    assert_eq!(by_url("http://www.example.jp/missing").status, Some(404));
    let nx = by_url("http://nowhere.example/");
    assert_eq!((nx.outcome, nx.status), (Outcome::DnsFailed, None));
    assert_eq!(w.now(), jst(10, 0, 10));
    assert!(w.exchanges("no-such-host").is_empty());
    assert!(w.open("no-such-host", "http://www.example.jp/").is_err());
    assert!(w.open("PC-02", "ftp://www.example.jp/").is_err());
}

#[test]
fn beacon_runs_until_the_pc_is_unplugged() {
    let s = small_scenario();
    let mut w = world(&s);
    w.run_until(w.end());
    assert_eq!(w.now(), jst(12, 0, 0));
    assert_eq!(w.isolated_at("PC-XP"), Some(jst(11, 0, 0)));
    assert!(w.is_isolated("PC-XP"));
    let ex = w.exchanges("PC-XP");
    let before: Vec<_> = ex.iter().filter(|e| e.started < jst(11, 0, 0)).collect();
    // 50 min 15 s of calls every 30 s ± 15 s.
    assert!((85..=115).contains(&before.len()), "{}", before.len());
    assert_eq!(before[0].started, jst(10, 9, 45));
    assert!(
        before
            .iter()
            .all(|e| e.url == CNC_URL_1 || e.url == CNC_URL_2)
    );
    // Each call gets an answer: the C&C site or, once the gateway blocks, its block page.
    assert!(before.iter().all(|e| e.status.is_some()));
    // After the cable is pulled the malware keeps trying and gets nowhere.
    let after: Vec<_> = ex.iter().filter(|e| e.started > jst(11, 0, 1)).collect();
    assert!(after.len() > 100, "{}", after.len());
    assert!(
        after
            .iter()
            .all(|e| matches!(e.outcome, Outcome::Timeout | Outcome::DnsFailed))
    );
    let last = w.last_wan_egress_from(XP_IP).expect("XP reached the WAN");
    assert!(last <= jst(11, 0, 0), "{last}");
    assert!(last > jst(10, 59, 0), "{last}");
    // The other PC keeps browsing.
    let pc01 = w.exchanges("PC-01");
    assert!((20..=30).contains(&pc01.len()), "{}", pc01.len());
    assert!(pc01.iter().all(|e| e.outcome == Outcome::Complete));
    assert!(
        w.last_wan_egress_from(Ipv4Addr::new(192, 168, 1, 21))
            .is_some_and(|t| t > jst(11, 30, 0))
    );
    let stats = w.stats();
    assert_eq!(stats.simulated, Duration::from_secs(7200));
    assert!(
        stats.frames_lan > 1000 && stats.frames_wan > 300,
        "{stats:?}"
    );
    assert!(stats.frames_lost_unplugged > 0);
    assert_eq!(stats.stalls, 0);
    // Alerts, once the gateway sends them, reach the desk 20 s later.
    let mails = w.mailbox("support-desk@isp.example");
    assert_eq!(mails.len() as u64, stats.alerts);
    for m in mails {
        assert!(m.raw.contains("Subject:"));
    }
}

#[test]
fn reconnecting_restores_traffic() {
    let mut s = small_scenario();
    s.timeline.push(TimelineEntry {
        at: jst(11, 30, 0),
        action: TimelineAction::Reconnect {
            host: "PC-XP".into(),
        },
        note: None,
    });
    let mut w = world(&s);
    w.run_until(jst(11, 45, 0));
    assert!(!w.is_isolated("PC-XP"));
    assert_eq!(w.isolated_at("PC-XP"), Some(jst(11, 0, 0)));
    assert!(
        w.last_wan_egress_from(XP_IP)
            .is_some_and(|t| t > jst(11, 30, 0))
    );
    let ok_after = w
        .exchanges("PC-XP")
        .iter()
        .filter(|e| e.started > jst(11, 31, 0) && e.outcome == Outcome::Complete)
        .count();
    assert!(ok_after > 10, "{ok_after}");
    assert!(w.isolate("nobody").is_err());
}

#[test]
fn capture_parses_back_with_two_named_interfaces() {
    let mut w = world(&small_scenario());
    w.run_until(jst(10, 15, 0));
    let stats = w.stats();
    let bytes = w.pcapng().expect("capture on");
    let mut reader = PcapNgReader::new(&bytes[..]).expect("pcapng");
    let mut per_if = [0u64; 2];
    let mut last = 0;
    while let Some(block) = reader.next_block() {
        if let Block::EnhancedPacket(epb) = block.expect("block") {
            per_if[epb.interface_id as usize] += 1;
            let t = epb_micros(&epb);
            assert!(t >= last);
            assert!(t >= jst(10, 0, 0).as_micros() && t <= jst(10, 15, 0).as_micros());
            last = t;
            assert!(epb.data.len() >= 14 && epb.data.len() <= 1514);
        }
    }
    let names: Vec<String> = reader
        .interfaces()
        .iter()
        .map(|i| {
            i.options
                .iter()
                .find_map(|o| match o {
                    InterfaceDescriptionOption::IfName(n) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["lan", "wan"]);
    assert_eq!(per_if, [stats.frames_lan, stats.frames_wan]);
    assert!(per_if[0] > 100);

    let mut off = World::new(&small_scenario(), WorldOptions { capture: false }).expect("world");
    off.run_until(jst(10, 15, 0));
    assert_eq!(off.pcapng(), None);
    assert_eq!(off.stats(), stats);
}

#[test]
fn two_runs_are_identical() {
    let run = || {
        let mut w = world(&small_scenario());
        let mut events = Vec::new();
        w.run_until(jst(10, 30, 0));
        events.extend(w.drain_events());
        w.run_until(w.end());
        events.extend(w.drain_events());
        let ex: Vec<_> = w
            .host_names()
            .map(|h| w.exchanges(h).to_vec())
            .collect::<Vec<_>>();
        (w.pcapng().expect("capture"), events, ex, w.stats())
    };
    let a = run();
    let b = run();
    assert!(a.0 == b.0, "pcapng differs");
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    assert_eq!(a.3, b.3);
}

#[test]
fn adding_an_actor_leaves_the_others_timing_alone() {
    let starts = |s: &Scenario| {
        let mut w = world(s);
        w.run_until(jst(11, 0, 0));
        w.exchanges("PC-XP")
            .iter()
            .map(|e| e.started)
            .collect::<Vec<_>>()
    };
    let mut more = small_scenario();
    more.actors.push(browse("PC-02", Duration::from_secs(60)));
    assert_eq!(starts(&small_scenario()), starts(&more));
}

#[test]
fn a_day_of_the_incident_runs_fast() {
    let s = incident_day();
    let mut w = World::new(&s, WorldOptions { capture: false }).expect("world");
    // Wall time of the test harness, not of the simulation.
    let t0 = std::time::Instant::now();
    w.run_until(w.end());
    let wall = t0.elapsed();
    let stats = w.stats();
    let beacons = w
        .exchanges("PC-XP")
        .iter()
        .filter(|e| e.started < jst(19, 45, 0))
        .count();
    let pages: usize = (1..=24)
        .map(|i| w.exchanges(&format!("PC-{i:02}")).len())
        .sum();
    eprintln!(
        "24 h incident: {wall:?} wall, {beacons} beacon calls, {pages} page loads, {stats:?}"
    );
    assert!((1050..=1250).contains(&beacons), "{beacons}");
    assert!((2450..=2750).contains(&pages), "{pages}");
    assert_eq!(w.now(), w.end());

    let mut captured = World::new(&s, WorldOptions::default()).expect("world");
    let t0 = std::time::Instant::now();
    captured.run_until(captured.end());
    let wall = t0.elapsed();
    let bytes = captured.pcapng().map_or(0, |p| p.len());
    eprintln!("24 h incident with capture: {wall:?} wall, {bytes} bytes of pcapng");
    assert_eq!(captured.stats(), stats);
}

#[test]
fn an_offline_gateway_keeps_blocking_but_reports_nothing() {
    let mut s = small_scenario();
    s.timeline = vec![
        TimelineEntry {
            at: jst(10, 30, 0),
            action: TimelineAction::GatewayOffline,
            note: None,
        },
        TimelineEntry {
            at: jst(11, 30, 0),
            action: TimelineAction::GatewayOnline,
            note: None,
        },
    ];
    let mut w = world(&s);
    w.run_until(w.end());
    assert_eq!(
        w.gateway_offline_periods(),
        vec![(jst(10, 30, 0), Some(jst(11, 30, 0)))]
    );
    let events = w.drain_events();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e.time < jst(10, 30, 0) || e.time >= jst(11, 30, 0)),
        "nothing logged while offline reaches the log"
    );
    assert!(w.stats().unreported > 0);
    // The calls made while offline were still blocked with the block page.
    let offline_calls: Vec<_> = w
        .exchanges("PC-XP")
        .iter()
        .filter(|e| e.started >= jst(10, 31, 0) && e.finished < jst(11, 29, 0))
        .collect();
    assert!(offline_calls.len() > 50, "{}", offline_calls.len());
    assert!(offline_calls.iter().all(|e| e.status == Some(403)));
    let access = w.drain_access();
    assert!(
        access
            .iter()
            .any(|a| a.src_ip == Ipv4Addr::new(192, 168, 1, 21))
    );
    assert!(
        access
            .iter()
            .all(|a| a.time < jst(10, 30, 0) || a.time >= jst(11, 30, 0))
    );
    assert!(
        access.iter().all(|a| a.src_ip != XP_IP),
        "blocked calls are not allowed traffic"
    );
    assert!(w.drain_access().is_empty(), "drained");
}

/// HTTPS in the twin: a TLS 1.2 handshake with the site's certificate, the
/// page inside application data; an expired certificate is reset by the
/// gateway (its default) with its own log reason, or, when the gateway only
/// monitors, refused by the browser itself.
#[test]
fn https_pages_and_expired_certificates() {
    use appliance::policy::CertAction;
    use twin::model::CertificateSpec;
    let mut w = world(&small_scenario());
    w.open("PC-02", "https://www.example.jp/").expect("open");
    w.open("PC-02", "https://www.example.jp/news?id=1")
        .expect("open");
    w.run_for(Duration::from_secs(10));
    let ex = w.exchanges("PC-02").to_vec();
    assert_eq!(ex.len(), 2, "{ex:#?}");
    assert!(
        ex.iter()
            .all(|e| e.outcome == Outcome::Complete && e.status == Some(200)),
        "{ex:#?}"
    );
    assert!(ex.iter().any(|e| e.body == "<html>welcome</html>"));
    assert!(ex.iter().any(|e| e.body.len() == 10_000));
    assert!(w.drain_events().is_empty());

    // The certificate ran out yesterday.
    let expired = CertificateSpec {
        not_before: jst(10, 0, 0) - Duration::from_secs(366 * 86_400),
        not_after: jst(10, 0, 0) - Duration::from_secs(86_400),
    };
    assert!(w.set_site_certificate("WWW.example.jp", expired));
    assert!(!w.set_site_certificate("nowhere.example", expired));
    assert_eq!(w.site_certificate("www.example.jp"), Some(expired));
    w.open("PC-02", "https://www.example.jp/").expect("open");
    w.run_for(Duration::from_secs(10));
    let last = w.exchanges("PC-02").last().cloned().expect("exchange");
    assert_eq!((last.outcome, last.status), (Outcome::Reset, None));
    let events = w.drain_events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.engine, appliance::Engine::WebReputation);
    assert_eq!(e.action, appliance::Action::Reset);
    assert_eq!(e.url.as_deref(), Some("https://www.example.jp/"));
    assert_eq!(e.reasons[0], appliance::Reason::InvalidCertificate);
    assert_eq!(
        e.reasons[1].to_string(),
        "certificate expired on 2017-09-25 10:00:00 (JST)"
    );

    // Monitor only: the gateway logs, the browser refuses the certificate.
    let mut config = w.gateway_config().clone();
    config.version += 1;
    config.policy.web_reputation.expired_certificate = CertAction::Monitor;
    let _ = w.deploy_gateway(config);
    w.open("PC-02", "https://www.example.jp/").expect("open");
    w.run_for(Duration::from_secs(10));
    let last = w.exchanges("PC-02").last().cloned().expect("exchange");
    assert_eq!(
        (last.outcome, last.status),
        (Outcome::CertificateInvalid, None)
    );
    let events = w.drain_events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].action, appliance::Action::Monitor);

    // Renewed: the page loads again, nothing is logged.
    let renewed = CertificateSpec {
        not_before: jst(10, 0, 0),
        not_after: jst(10, 0, 0) + Duration::from_secs(365 * 86_400),
    };
    assert!(w.set_site_certificate("www.example.jp", renewed));
    w.open("PC-02", "https://www.example.jp/").expect("open");
    w.run_for(Duration::from_secs(10));
    let last = w.exchanges("PC-02").last().cloned().expect("exchange");
    assert_eq!((last.outcome, last.status), (Outcome::Complete, Some(200)));
    assert!(w.drain_events().is_empty());
}
