//! Loading scenarios and offices: the real files load, and bad input is
//! refused with the exact `file:line:col` of the offending value.

use appliance::Instant;
use std::path::PathBuf;
use std::time::Duration;
use twin::catalog::Catalog;
use twin::load::{self, LoadError};
use twin::model::{ActorKind, HostKind, Office, TimelineAction};

/// 2017-09-26 00:00:00 JST.
const MIDNIGHT: Instant = Instant::from_secs(1_506_351_600);

fn jst(h: u64, m: u64, s: u64) -> Instant {
    MIDNIGHT + Duration::from_secs(h * 3600 + m * 60 + s)
}

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

// ---------------------------------------------------------------- the real files

fn check_winxp_scenario(catalog: &Catalog) {
    let s = catalog.scenario("winxp-cnc-beacon").expect("loads");
    assert_eq!(s.id, "winxp-cnc-beacon");
    assert!(s.title.contains("C&C"), "{}", s.title);
    assert!(s.reproduces.contains("seed 000"), "{}", s.reproduces);
    assert_eq!(s.start, MIDNIGHT);
    assert_eq!(s.duration, Duration::from_secs(24 * 3600));

    let office = &s.office;
    assert_eq!(office.id, "print-shop");
    assert!(
        (20..=30).contains(&office.hosts.len()),
        "{}",
        office.hosts.len()
    );
    let xp = office.host("PC-XP").expect("PC-XP");
    assert_eq!(xp.ip.to_string(), "192.168.1.11");
    assert_eq!(xp.os, "Windows XP");
    assert_eq!(xp.kind, HostKind::Pc);
    assert_eq!(office.router_ip.to_string(), "192.168.1.1");
    assert_eq!(office.dns_server.to_string(), "198.51.100.53");
    assert_eq!(office.admin_mail, "admin@print-shop.example");
    for kind in [HostKind::Server, HostKind::Nas, HostKind::Printer] {
        assert!(office.hosts.iter().any(|h| h.kind == kind), "{kind:?}");
    }

    assert_eq!(s.gateway.name, office.gateway_name);
    assert_eq!(s.gateway.alerts.to, "support-desk@isp.example");
    assert_eq!(s.gateway.seed, s.seed);
    for url in [
        "http://xxxrzy8823l68me.net/account.asp?qu=cmd",
        "http://xxxsiebabanahujtr.org/login.asp",
    ] {
        assert!(s.intel.cnc.urls.contains_key(url), "{url}");
    }
    assert!(s.internet.site("xxxrzy8823l68me.net").is_some());
    assert!(s.internet.site("www.print-shop.example").is_some());
    assert_eq!(s.internet.mail.host, "mail.isp.example");
    assert!(
        s.internet
            .mail
            .mailboxes
            .contains(&"support-desk@isp.example".to_string())
    );

    let beacon = s.actors.iter().find(|a| a.host == "PC-XP").expect("beacon");
    let ActorKind::Beacon {
        script,
        interval,
        jitter,
        ..
    } = &beacon.kind
    else {
        panic!("PC-XP runs a beacon: {:?}", beacon.kind);
    };
    let times: Vec<Instant> = script.iter().map(|r| r.at).collect();
    assert_eq!(
        times,
        [
            jst(10, 9, 45),
            jst(10, 11, 21),
            jst(10, 11, 43),
            jst(10, 11, 59),
            jst(10, 12, 22)
        ]
    );
    assert_eq!(script[0].url, "http://xxxsiebabanahujtr.org/login.asp");
    assert_eq!(
        script[1].url,
        "http://xxxrzy8823l68me.net/account.asp?qu=cmd"
    );
    assert_eq!(*interval, Duration::from_secs(30));
    assert_eq!(*jitter, Duration::from_secs(15));

    let browsers: Vec<_> = s
        .actors
        .iter()
        .filter(|a| matches!(a.kind, ActorKind::Browse { .. }))
        .collect();
    assert!(browsers.len() >= 10, "{}", browsers.len());
    for actor in &browsers {
        assert_ne!(actor.host, "PC-XP");
        let ActorKind::Browse { hours, .. } = &actor.kind else {
            unreachable!()
        };
        assert_eq!(*hours, Some((9, 18)));
    }

    assert_eq!(s.timeline.len(), 1);
    assert_eq!(
        s.timeline[0].action,
        TimelineAction::Isolate {
            host: "PC-XP".into()
        }
    );
    assert!(s.timeline[0].at > jst(10, 12, 22));
    assert!(
        s.timeline[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("LANケーブル抜去"))
    );
}

#[test]
fn the_real_scenario_loads_from_the_directory() {
    let catalog = Catalog::from_dir(scenarios_dir()).expect("dir");
    check_winxp_scenario(&catalog);
}

#[test]
fn the_real_scenario_loads_from_the_binary() {
    check_winxp_scenario(&Catalog::embedded());
}

#[test]
fn every_catalogued_scenario_and_office_loads() {
    let catalog = Catalog::embedded();
    let list = catalog.list();
    assert!(list.iter().any(|(id, _)| id == "winxp-cnc-beacon"));
    let ids: Vec<&String> = list.iter().map(|(id, _)| id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for (id, _) in &list {
        if let Err(e) = catalog.scenario(id) {
            panic!("{e}");
        }
    }
    for id in catalog.office_ids() {
        if let Err(e) = catalog.office(&id) {
            panic!("{e}");
        }
    }
}

#[test]
fn a_scenario_file_loads_by_path() {
    let s = load::scenario_file(&scenarios_dir().join("winxp-cnc-beacon.yaml")).expect("loads");
    assert_eq!(s.office.id, "print-shop");
}

#[test]
fn an_unknown_scenario_lists_the_known_ones() {
    let err = Catalog::embedded().scenario("winxp-cnc-becon").unwrap_err();
    assert!(matches!(err, LoadError::UnknownScenario { .. }));
    let message = err.to_string();
    assert!(message.contains("winxp-cnc-becon"), "{message}");
    assert!(message.contains("winxp-cnc-beacon"), "{message}");
    // Ids are names, not paths.
    assert!(matches!(
        Catalog::embedded().scenario("../scenarios/winxp-cnc-beacon"),
        Err(LoadError::UnknownScenario { .. })
    ));
    assert!(matches!(
        Catalog::embedded().office("nowhere"),
        Err(LoadError::UnknownOffice { .. })
    ));
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let err = Catalog::from_dir("/nonexistent/scenarios").unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err}");
    assert!(
        err.to_string().starts_with("/nonexistent/scenarios: "),
        "{err}"
    );
}

// ---------------------------------------------------------------- bad offices

const OFFICE: &str = "\
title: test office
lan: 192.168.1.0/24
router:
  ip: 192.168.1.1
  mac: 6c:e4:da:00:00:01
dns_server: 198.51.100.53
gateway_name: CloudEdge50-test
admin_mail: admin@test.example
hosts:
  - name: PC-XP
    ip: 192.168.1.11
    mac: 00:14:22:00:00:11
    os: Windows XP
    kind: pc
  - name: PC-01
    ip: 192.168.1.12
    mac: 00:14:22:00:00:12
    os: Windows 10
    kind: pc
    user: 佐藤 健一
";

const OFFICE_PATH: &str = "scenarios/offices/test.yaml";

fn office(text: &str) -> Result<Office, LoadError> {
    load::office_from_str(OFFICE_PATH, text)
}

/// Replaces `from` (which must occur exactly once) in `text`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` not unique");
    text.replacen(from, to, 1)
}

/// The error's one-line display, checked to start with `prefix`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, LoadError>, prefix: &str, words: &str) {
    let err = result.expect_err("must be refused");
    let line = err.to_string();
    assert!(
        line.starts_with(prefix),
        "expected `{prefix}`, got `{line}`"
    );
    assert!(line.contains(words), "expected `{words}` in `{line}`");
    assert!(!line.contains('\n'), "one line: `{line}`");
}

#[test]
fn the_test_office_itself_is_fine() {
    let o = office(OFFICE).expect("loads");
    assert_eq!(o.id, "test");
    assert_eq!(o.lan_prefix, 24);
    assert_eq!(o.hosts[1].user.as_deref(), Some("佐藤 健一"));
    assert_eq!(o.hosts[0].mac.to_string(), "00:14:22:00:00:11");
}

#[test]
fn office_unknown_key() {
    let text = edit(
        OFFICE,
        "    os: Windows XP\n",
        "    os: Windows XP\n    colour: beige\n",
    );
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:14:5: ",
        "unknown field `colour`",
    );
}

#[test]
fn office_bad_ip() {
    let text = edit(OFFICE, "ip: 192.168.1.12", "ip: 192.168.1.300");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:16:9: ",
        "invalid IPv4 address",
    );
}

#[test]
fn office_bad_mac() {
    let text = edit(OFFICE, "mac: 00:14:22:00:00:12", "mac: 00:14:22:00:12");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:17:10: ",
        "not a MAC address",
    );
}

#[test]
fn office_wrong_type_and_bad_kind() {
    let text = edit(
        OFFICE,
        "    kind: pc\n    user",
        "    kind: laptop\n    user",
    );
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:19:11: ",
        "laptop",
    );
    let text = edit(OFFICE, "lan: 192.168.1.0/24", "lan: 192.168.1.7/24");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:2:6: ",
        "did you mean `192.168.1.0/24`",
    );
}

#[test]
fn office_duplicate_ip() {
    let text = edit(OFFICE, "ip: 192.168.1.12", "ip: 192.168.1.11");
    let result = office(&text);
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:16:9: ",
        "IP address 192.168.1.11 is used twice",
    );
    let err = result.unwrap_err();
    let help = err.source_error().and_then(|e| e.help_text()).unwrap_or("");
    assert!(help.contains("line 11"), "{help}");
}

#[test]
fn office_duplicate_ip_with_the_router() {
    let text = edit(OFFICE, "ip: 192.168.1.12", "ip: 192.168.1.1");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:16:9: ",
        "used twice",
    );
}

#[test]
fn office_duplicate_name_and_mac() {
    let text = edit(OFFICE, "name: PC-01", "name: pc-xp");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:15:11: ",
        "host name `pc-xp` is used twice",
    );
    let text = edit(OFFICE, "mac: 00:14:22:00:00:12", "mac: 00:14:22:00:00:11");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:17:10: ",
        "MAC address 00:14:22:00:00:11 is used twice",
    );
}

#[test]
fn office_ip_outside_the_lan() {
    let text = edit(OFFICE, "ip: 192.168.1.12", "ip: 192.168.2.12");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:16:9: ",
        "outside the LAN 192.168.1.0/24",
    );
    let text = edit(OFFICE, "ip: 192.168.1.12", "ip: 192.168.1.255");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:16:9: ",
        "broadcast",
    );
}

#[test]
fn office_dns_server_must_be_on_the_simulated_internet() {
    let text = edit(OFFICE, "dns_server: 198.51.100.53", "dns_server: 8.8.8.8");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:6:13: ",
        "not an internet address",
    );
}

#[test]
fn office_multicast_mac_and_bad_name() {
    let text = edit(OFFICE, "mac: 00:14:22:00:00:12", "mac: 01:00:5e:00:00:12");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:17:10: ",
        "not a unicast MAC",
    );
    let text = edit(OFFICE, "name: PC-01", "name: PC 01");
    assert_refused(
        office(&text),
        "scenarios/offices/test.yaml:15:11: ",
        "not a usable host name",
    );
}

#[test]
fn office_syntax_error_is_located() {
    let text = edit(OFFICE, "  - name: PC-01\n", "  - name: PC-01\n   ip: [\n");
    let err = office(&text).unwrap_err();
    let e = err.source_error().expect("located");
    assert_eq!(e.file(), OFFICE_PATH);
    assert!(e.line() >= 15, "{err}");
}

// ---------------------------------------------------------------- bad scenarios

const SCENARIO: &str = "\
title: test scenario
reproduces: nothing in particular
office: test
start: 2017-09-26 00:00:00
duration: 24h
seed: 7
intel:
  cnc:
    domains:
      cnc.example: CnC.Test
internet:
  sites:
    - host: cnc.example
      ip: 203.0.113.5
      pages:
        - path: /gate.php
          body: ok
    - host: www.example
      ip: 192.0.2.10
actors:
  - host: PC-XP
    beacon:
      script:
        - at: 2017-09-26 10:09:45
          url: http://cnc.example/gate.php
        - at: 2017-09-26 10:11:21
          url: http://cnc.example/gate.php
      urls: [http://cnc.example/gate.php]
      interval: 30s
      jitter: 15s
  - hosts: [PC-01]
    browse:
      urls: [http://www.example/]
      interval: 5 minutes
      jitter: 3 minutes
      hours: 9-18
timeline:
  - at: 2017-09-26 19:45:00
    isolate: PC-XP
    note: LANケーブル抜去
";

const SCENARIO_PATH: &str = "scenarios/test-scenario.yaml";

fn scenario(text: &str) -> Result<twin::model::Scenario, LoadError> {
    load::scenario_from_str(SCENARIO_PATH, text, |name| {
        (name == "test").then(|| office(OFFICE))
    })
}

#[test]
fn the_gateway_goes_offline_and_back_online() {
    let text = edit(
        SCENARIO,
        "    note: LANケーブル抜去\n",
        "    note: LANケーブル抜去\n  - at: 2017-09-26 20:00:00\n    gateway: offline\n  \
         - at: 2017-09-26 21:00:00\n    gateway: online\n",
    );
    let s = scenario(&text).expect("loads");
    assert_eq!(s.timeline[1].action, TimelineAction::GatewayOffline);
    assert_eq!(s.timeline[2].action, TimelineAction::GatewayOnline);
    let twice = text.replace("gateway: online", "gateway: offline");
    assert_refused(
        scenario(&twice),
        "scenarios/test-scenario.yaml:44:14: ",
        "already offline",
    );
    let bad = text.replace("gateway: online", "gateway: asleep");
    assert!(scenario(&bad).is_err());
}

/// `online_since:` is the gateway's life before the scenario: at or before
/// its start, never after.
#[test]
fn the_gateway_is_online_since_before_the_start() {
    let before = edit(
        SCENARIO,
        "seed: 7\n",
        "seed: 7\nonline_since: 2017-06-19 00:00:00\n",
    );
    let s = scenario(&before).expect("loads");
    assert_eq!(
        s.online_since.map(|t| s.start.as_micros() - t.as_micros()),
        Some(99 * 86_400 * 1_000_000)
    );
    assert_eq!(scenario(SCENARIO).expect("loads").online_since, None);
    let after = edit(
        SCENARIO,
        "seed: 7\n",
        "seed: 7\nonline_since: 2017-09-27 00:00:00\n",
    );
    assert_refused(
        scenario(&after),
        "scenarios/test-scenario.yaml:7:15: ",
        "must be online since before `start`",
    );
}

/// Seed 001: the SMTP code and string are the "apply to all matching
/// connections" treatment's; with the recommended one they are refused at
/// their place rather than silently ignored.
#[test]
fn the_smtp_code_needs_the_all_mode() {
    let with = |block: &str| {
        edit(
            SCENARIO,
            "seed: 7\n",
            &format!("seed: 7\ngateway:\n  mail:\n    email_reputation:\n{block}"),
        )
    };
    assert_refused(
        scenario(&with("      smtp_error_code: 421\n")),
        "scenarios/test-scenario.yaml:10:24: ",
        "applies only with `mode: all`",
    );
    let all = scenario(&with(
        "      mode: all\n      smtp_error_code: 421\n      smtp_error_string: Try again later\n",
    ))
    .expect("loads");
    let rep = &all.gateway.mail.email_reputation;
    assert_eq!(rep.smtp_error_code.get(), 421);
    assert_eq!(
        rep.smtp_error_string.as_ref().map(|t| t.as_str()),
        Some("Try again later")
    );
    assert!(
        scenario(&with(
            "      mode: all\n      smtp_error_string: \"two\\r\\nlines\"\n"
        ))
        .is_err()
    );
}

/// Seed 004's caveat: a host renumbered by DHCP takes a free address of the
/// LAN; a taken one, one outside the LAN or its network address is refused
/// at its place.
#[test]
fn a_host_is_renumbered_to_a_free_address_of_the_lan() {
    let with = |ip: &str| {
        edit(
            SCENARIO,
            "    note: LANケーブル抜去\n",
            &format!(
                "    note: LANケーブル抜去\n  - at: 2017-09-26 20:00:00\n    renumber: {{host: PC-01, ip: {ip}}}\n"
            ),
        )
    };
    let s = scenario(&with("192.168.1.99")).expect("loads");
    assert_eq!(
        s.timeline[1].action,
        TimelineAction::Renumber {
            host: "PC-01".into(),
            ip: "192.168.1.99".parse().unwrap(),
        }
    );
    for bad in [
        "192.168.1.11",
        "192.168.1.1",
        "10.0.0.5",
        "192.168.1.0",
        "192.168.1.255",
    ] {
        assert_refused(
            scenario(&with(bad)),
            "scenarios/test-scenario.yaml:42:33: ",
            "is not a free address of the office's LAN",
        );
    }
}

#[test]
fn the_test_scenario_itself_is_fine() {
    let s = scenario(SCENARIO).expect("loads");
    assert_eq!(s.id, "test-scenario");
    assert_eq!(s.gateway.name, "CloudEdge50-test");
    assert_eq!(s.gateway.seed, 7);
    assert_eq!(s.actors.len(), 2);
    assert_eq!(s.timeline[0].at, jst(19, 45, 0));
    // No pages: a default front page. No mail section: the needed mailboxes.
    let www = s.internet.site("WWW.example").expect("site");
    assert_eq!(www.pages[0].path, "/");
    assert_eq!(
        s.internet.mail.mailboxes,
        ["support-desk@isp.example", "admin@test.example"]
    );
}

#[test]
fn scenario_missing_host_reference() {
    let text = edit(SCENARIO, "  - host: PC-XP\n", "  - host: PC-XQ\n");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:21:11: ",
        "no host `PC-XQ` in office `test`",
    );
    let text = edit(SCENARIO, "hosts: [PC-01]", "hosts: [PC-01, PC-99]");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:31:20: ",
        "no host `PC-99`",
    );
    let text = edit(SCENARIO, "isolate: PC-XP", "isolate: PC-02");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:39:14: ",
        "no host `PC-02`",
    );
}

#[test]
fn scenario_url_of_an_unknown_site() {
    let text = edit(
        SCENARIO,
        "urls: [http://www.example/]",
        "urls: [http://www.exmaple/]",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:33:14: ",
        "`www.exmaple` is not a site",
    );
    let text = edit(
        SCENARIO,
        "        - at: 2017-09-26 10:11:21\n          url: http://cnc.example/gate.php",
        "        - at: 2017-09-26 10:11:21\n          url: ftp://cnc.example/gate.php",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:27:16: ",
        "not an http://, https:// or bittorrent:// URL",
    );
}

#[test]
fn scenario_unknown_office() {
    let text = edit(SCENARIO, "office: test", "office: tset");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:3:9: ",
        "unknown office `tset`",
    );
}

#[test]
fn scenario_times_out_of_order() {
    let text = edit(
        SCENARIO,
        "at: 2017-09-26 10:11:21",
        "at: 2017-09-26 10:01:21",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:26:15: ",
        "comes before",
    );
    let text = edit(
        SCENARIO,
        "at: 2017-09-26 19:45:00",
        "at: 2017-09-27 19:45:00",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:38:9: ",
        "outside the scenario",
    );
    let text = edit(
        SCENARIO,
        "  - host: PC-XP\n",
        "  - host: PC-XP\n    start: 2017-09-26 12:00:00\n    stop: 2017-09-26 11:00:00\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:23:11: ",
        "before it starts",
    );
}

#[test]
fn scenario_bad_values_from_serde_are_located() {
    let text = edit(SCENARIO, "interval: 30s", "interval: 30");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:29:17: ",
        "`30` has no unit",
    );
    let text = edit(SCENARIO, "start: 2017-09-26 00:00:00", "start: 26/09/2017");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:4:8: ",
        "not a time",
    );
    let text = edit(SCENARIO, "hours: 9-18", "hours: 18-9");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:36:14: ",
        "forwards",
    );
    let text = edit(SCENARIO, "      ip: 203.0.113.5", "      ip: 203.0.113.500");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:14:11: ",
        "invalid IPv4 address",
    );
}

#[test]
fn scenario_unknown_keys_anywhere() {
    let text = edit(SCENARIO, "seed: 7\n", "seed: 7\nsede: 8\n");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:7:1: ",
        "unknown field `sede`",
    );
    // Inside the gateway's own config (appliance::Config denies unknown fields).
    let text = edit(
        SCENARIO,
        "seed: 7\n",
        "seed: 7\ngateway:\n  cnc:\n    acton: block\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:9:5: ",
        "unknown field `acton`",
    );
    let text = edit(
        SCENARIO,
        "      jitter: 15s\n",
        "      jitter: 15s\n      every: 1m\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:31:7: ",
        "unknown field `every`",
    );
}

#[test]
fn scenario_duplicate_site_and_internet_ranges() {
    let text = edit(
        SCENARIO,
        "    - host: www.example\n",
        "    - host: CNC.example\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:18:13: ",
        "defined twice",
    );
    let text = edit(SCENARIO, "ip: 192.0.2.10", "ip: 93.184.216.34");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:19:11: ",
        "not an address of the simulated internet",
    );
}

#[test]
fn scenario_actor_and_timeline_shape() {
    let text = edit(
        SCENARIO,
        "  - hosts: [PC-01]\n",
        "  - host: PC-01\n    hosts: [PC-01]\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:31:5: ",
        "exactly one of `host` or `hosts`",
    );
    let text = edit(
        SCENARIO,
        "    isolate: PC-XP\n",
        "    isolate: PC-XP\n    reconnect: PC-XP\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:38:5: ",
        "exactly one action",
    );
    let text = edit(SCENARIO, "jitter: 3 minutes", "jitter: 5 minutes");
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:35:15: ",
        "must be shorter than the interval",
    );
}

#[test]
fn scenario_gateway_name_and_alert_mailbox() {
    let text = edit(
        SCENARIO,
        "seed: 7\n",
        "seed: 7\ngateway:\n  name: CloudEdge50-other\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/test-scenario.yaml:8:9: ",
        "differs from the office's gateway",
    );
    let text = edit(
        SCENARIO,
        "actors:\n",
        "  mail:\n    mailboxes: [admin@test.example]\nactors:\n",
    );
    assert_refused(
        scenario(&text),
        "scenarios/",
        "has no mailbox on mail.isp.example",
    );
}

#[test]
fn errors_render_with_miette() {
    let text = edit(SCENARIO, "  - host: PC-XP\n", "  - host: PC-XQ\n");
    let err = scenario(&text).unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err)
        .expect("renders");
    // Visible with `--nocapture`, to eyeball the rendering.
    println!("{out}");
    assert!(out.contains("scenarios/test-scenario.yaml:21:11"), "{out}");
    assert!(out.contains("- host: PC-XQ"), "{out}");
    assert!(out.contains("unknown host"), "{out}");
    assert!(out.contains("PC-XP, PC-01"), "{out}");
}

#[test]
fn a_bad_file_in_a_directory_catalog_names_its_path() {
    let dir = std::env::temp_dir().join(format!("officetwin-load-{}", std::process::id()));
    let offices = dir.join("offices");
    std::fs::create_dir_all(&offices).unwrap();
    std::fs::write(offices.join("test.yaml"), OFFICE).unwrap();
    let text = edit(SCENARIO, "ip: 192.0.2.10", "ip: 192.0.2.10\n      port: 80");
    std::fs::write(dir.join("broken.yaml"), text).unwrap();
    std::fs::write(dir.join("fine.yaml"), SCENARIO).unwrap();
    let catalog = Catalog::from_dir(&dir).unwrap();
    let ids: Vec<String> = catalog.list().into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["broken", "fine"]);
    assert!(catalog.scenario("fine").is_ok());
    let err = catalog.scenario("broken").unwrap_err().to_string();
    let expected = format!("{}:20:7: ", dir.join("broken.yaml").display());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.starts_with(&expected),
        "expected `{expected}`, got `{err}`"
    );
    assert!(err.contains("unknown field `port`"), "{err}");
}

/// Issue 14: a site may be addressed by its IP (no DNS), serve further
/// ports, and be out of DNS; a URL by an address no site has is refused,
/// and so is a further port that is not a web port.
#[test]
fn sites_by_ip_on_further_ports_and_out_of_dns() {
    let text = edit(
        SCENARIO,
        "urls: [http://www.example/]",
        "urls: [http://192.0.2.10/, \"http://cnc.example:8080/gate.php\"]",
    );
    let text = edit(
        &text,
        "      ip: 203.0.113.5\n",
        "      ip: 203.0.113.5\n      ports: [8080]\n      in_dns: false\n",
    );
    let s = scenario(&text).expect("loads");
    let cnc = s.internet.site("cnc.example").expect("site");
    assert_eq!(cnc.ports, [8080]);
    assert!(!cnc.in_dns);
    assert!(s.internet.site("www.example").expect("site").in_dns);
    let nobody = edit(&text, "http://192.0.2.10/", "http://192.0.2.11/");
    assert_refused(
        scenario(&nobody),
        "scenarios/test-scenario.yaml:35:14: ",
        "`192.0.2.11` is not a site",
    );
    let tls = edit(&text, "ports: [8080]", "ports: [443]");
    assert_refused(
        scenario(&tls),
        "scenarios/test-scenario.yaml:15:15: ",
        "port 443 cannot be a further HTTP port",
    );
}

/// Seed 000/004, アプリケーション利用制限: a site may be a BitTorrent peer on
/// its `bittorrent` ports, and an actor may connect to it with a
/// `bittorrent://` URL; a peer port that is a web or mail port is refused.
#[test]
fn bittorrent_peers_and_clients() {
    let text = edit(
        SCENARIO,
        "urls: [http://www.example/]",
        "urls: [http://www.example/, \"bittorrent://203.0.113.5:6881/\"]",
    );
    let text = edit(
        &text,
        "      ip: 203.0.113.5\n",
        "      ip: 203.0.113.5\n      bittorrent: [6881]\n",
    );
    let s = scenario(&text).expect("loads");
    assert_eq!(
        s.internet.site("cnc.example").expect("site").bittorrent,
        [6881]
    );
    let web = edit(&text, "bittorrent: [6881]", "bittorrent: [80]");
    assert_refused(
        scenario(&web),
        "scenarios/test-scenario.yaml:15:",
        "port 80 cannot be a BitTorrent port",
    );
    let other = edit(
        &text,
        "bittorrent://203.0.113.5:6881/",
        "bittorrent://203.0.113.6/",
    );
    assert_refused(
        scenario(&other),
        "scenarios/test-scenario.yaml:",
        "`203.0.113.6` is not a site",
    );
}
