//! The endpoint store and report from hand-filled stores: every section,
//! actions at 0, top-N order and ties, the month-over-month change, the
//! offline rule, retention, the antivirus-only licence, both languages.
//! Expectations are counted here from the events the test wrote, never read
//! back through the report's own queries.

use super::report::{Change, EndpointReport, SECTIONS, tenths_text};
use super::store::{Column, Days, Devices, ENDPOINT_RETENTION_DAYS};
use super::*;
use crate::labels::{ENDPOINT_GUIDES, Lang, endpoint_guide};
use crate::report::{Month, OfficeInfo};
use crate::store::stats::day_start;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::time::Duration;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

fn at(d: NaiveDate, hour: u64) -> Instant {
    day_start(d) + Duration::from_secs(hour * 3600)
}

fn sep() -> Month {
    Month::parse("2017-09").expect("a month")
}

fn office() -> OfficeInfo {
    OfficeInfo {
        name: "Printshop".into(),
        gateway: "CloudEdge50-printshop".into(),
        admin_mail: "admin@printshop.example".into(),
        ..OfficeInfo::default()
    }
}

fn edr_licence(seats: u32) -> Licence {
    Licence {
        product: Product::AntivirusEdr,
        seats,
    }
}

fn ev(
    when: Instant,
    endpoint: &str,
    device: DeviceKind,
    feature: Feature,
    threat: &str,
    action: Action,
) -> EndpointEvent {
    EndpointEvent {
        at: when,
        endpoint: endpoint.into(),
        device,
        feature,
        threat: threat.into(),
        object: format!("C:\\Users\\{endpoint}\\Downloads\\{threat}.bin"),
        scan: Some(ScanKind::RealTime),
        action,
        reason: "pattern entry matched".into(),
        status: (feature == Feature::SuspiciousActivity).then_some(EdrStatus::New),
    }
}

fn agent(endpoint: &str, device: DeviceKind, os: &str, supported: bool) -> AgentStatus {
    AgentStatus {
        endpoint: endpoint.into(),
        device,
        os: os.into(),
        os_supported: supported,
        program: "Apex One 14.0".into(),
        pattern_version: "13.605.00".into(),
        pattern_date: day(2017, 9, 1),
        up_to_date: true,
        last_contact: at(day(2017, 9, 1), 9),
        protections: Protections {
            real_time: true,
            behaviour: true,
            machine_learning: true,
            web_reputation: true,
            url_filter: true,
            edr: true,
        },
        isolated: false,
    }
}

/// A month of an office: four PCs, one server, one XP PC on an old pattern
/// with real-time scan off, detections of every feature, and August's web
/// reputation detections for the change.
fn filled() -> (EndpointStore, Vec<EndpointEvent>) {
    use DeviceKind::*;
    use Feature::*;
    let mut events = Vec::new();
    let d = |n| day(2017, 9, n);
    for i in 0..3 {
        events.push(ev(
            at(d(4), i),
            "PC-XP",
            Desktop,
            VirusMalware,
            "WORM_DOWNAD.AD",
            Action::Quarantined,
        ));
    }
    events.push(ev(
        at(d(5), 10),
        "PC-01",
        Desktop,
        VirusMalware,
        "TROJ_EMOTET.SM",
        Action::Deleted,
    ));
    events.push(ev(
        at(d(5), 11),
        "PC-02",
        Desktop,
        VirusMalware,
        "TROJ_EMOTET.SM",
        Action::Deleted,
    ));
    events.push(ev(
        at(d(6), 11),
        "FILESRV",
        Server,
        VirusMalware,
        "TROJ_EMOTET.SM",
        Action::Cleaned,
    ));
    for i in 0..34 {
        events.push(ev(
            at(d(7), i % 20),
            if i % 2 == 0 { "PC-01" } else { "PC-03" },
            Desktop,
            WebReputation,
            "phishing",
            Action::Blocked,
        ));
    }
    events.push(ev(
        at(d(8), 9),
        "PC-02",
        Desktop,
        SpywareGrayware,
        "TSPY_TOOLBAR",
        Action::RestartRequired,
    ));
    events.push(ev(
        at(d(8), 9),
        "PC-01",
        Desktop,
        BehaviourMonitoring,
        "powershell.exe",
        Action::Blocked,
    ));
    events.push(ev(
        at(d(9), 9),
        "PC-03",
        Desktop,
        UrlFilter,
        "Gambling",
        Action::Blocked,
    ));
    events.push(ev(
        at(d(9), 9),
        "PC-XP",
        Desktop,
        NetworkVirus,
        "WORM_DOWNAD.AD",
        Action::Blocked,
    ));
    events.push(ev(
        at(d(10), 9),
        "PC-02",
        Desktop,
        SuspiciousActivity,
        "ransom.exe",
        Action::Isolated,
    ));
    // August: 29 web reputation detections (34 in September: +17.2%).
    for i in 0..29 {
        events.push(ev(
            at(day(2017, 8, 20), i % 20),
            "PC-01",
            Desktop,
            WebReputation,
            "phishing",
            Action::Blocked,
        ));
    }
    let mut store = EndpointStore::in_memory().expect("in memory");
    store.record(&events).expect("recorded");
    let mut xp = agent("PC-XP", Desktop, "Windows XP", false);
    xp.up_to_date = false;
    xp.pattern_version = "11.000.00".into();
    xp.protections.real_time = false;
    let agents = [
        agent("PC-01", Desktop, "Windows 10", true),
        agent("PC-02", Desktop, "Windows 10", true),
        agent("PC-03", Desktop, "Windows 10", true),
        agent("FILESRV", Server, "Windows Server 2016", true),
        xp,
    ];
    for n in 1..=30 {
        // Every agent in touch that day.
        let today: Vec<AgentStatus> = agents
            .iter()
            .map(|a| AgentStatus {
                last_contact: at(d(n), 9),
                ..a.clone()
            })
            .collect();
        store.record_statuses(d(n), &today).expect("statuses");
    }
    (store, events)
}

fn count(events: &[EndpointEvent], f: impl Fn(&EndpointEvent) -> bool) -> u64 {
    events
        .iter()
        .filter(|e| e.at >= day_start(day(2017, 9, 1)) && e.at < day_start(day(2017, 10, 1)))
        .filter(|e| f(e))
        .count() as u64
}

#[test]
fn every_section_from_a_hand_filled_store() {
    let (store, events) = filled();
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    assert_eq!(
        r.sections.iter().map(|s| s.feature).collect::<Vec<_>>(),
        SECTIONS.iter().map(|s| s.feature).collect::<Vec<_>>()
    );
    for s in &r.sections {
        let f = s.feature;
        assert_eq!(s.total, count(&events, |e| e.feature == f), "{f:?}");
        assert_eq!(s.daily.len(), 30);
        let daily: u64 = s.daily.iter().filter_map(|d| d.count).sum();
        assert_eq!(daily, s.total, "{f:?} trend adds up");
    }
    // Overview: 4 desktops, 1 server, 5 of 10 seats.
    let o = &r.overview;
    assert_eq!((o.desktops, o.servers, o.mobiles, o.agents), (4, 1, 0, 5));
    assert_eq!(o.used_tenths, Some(500));
    assert_eq!(o.programs, vec!["Apex One 14.0".to_string()]);
    // Virus: servers apart from endpoints.
    let virus = &r.sections[0];
    assert_eq!(virus.top_endpoints.rows[0].key, "PC-XP");
    assert!(virus.top_endpoints.rows.iter().all(|c| c.key != "FILESRV"));
    let servers = virus.top_servers.as_ref().expect("a servers table");
    assert_eq!(servers.rows.len(), 1);
    assert_eq!(servers.rows[0].key, "FILESRV");
    // EDR part.
    let edr = r.edr.as_ref().expect("EDR licence");
    assert_eq!(edr.suspicious.total, 1);
    assert_eq!(edr.suspicious.top_endpoints.rows[0].key, "PC-02");
    assert_eq!(edr.suspicious.objects.len(), 1);
    assert_eq!(edr.suspicious.objects[0].action, Action::Isolated);
    let unsupported: Vec<&str> = edr
        .protection
        .unsupported
        .iter()
        .map(|u| u.endpoint.as_str())
        .collect();
    assert_eq!(unsupported, vec!["PC-XP"]);
    let outdated: Vec<Option<u64>> = edr
        .protection
        .outdated_daily
        .iter()
        .map(|d| d.count)
        .collect();
    assert!(outdated.iter().all(|c| *c == Some(1)), "{outdated:?}");
    let real_time = edr
        .settings
        .iter()
        .find(|s| s.protection == "real_time")
        .expect("3-1");
    assert_eq!(real_time.endpoints, vec!["PC-XP".to_string()]);
    assert_eq!(edr.settings.len(), 5);
    assert_eq!(edr.mail.len(), 5);
    assert!(edr.mail.iter().all(|m| !m.provided));
    // The case ① month lists PC-XP under unsupported OS and its detections.
    let md = markdown::render(&r, Lang::Ja);
    let unsupported_at = md.find("2-3. サポートされていない").expect("2-3");
    assert!(md[unsupported_at..].contains("| PC-XP | Windows XP |"));
    assert!(md.contains("| 1 | PC-XP | 3 |"), "{md}");
    assert!(md.contains("WORM_DOWNAD.AD"));
}

#[test]
fn actions_at_zero_are_listed_in_the_seed_order() {
    let store = EndpointStore::in_memory().expect("in memory");
    let r = EndpointReport::build(&store, &office(), &edr_licence(5), sep());
    let virus = r.sections[0].actions.as_ref().expect("virus actions");
    let codes: Vec<&str> = virus.iter().map(|a| a.action.code()).collect();
    assert_eq!(
        codes,
        [
            "cleaned",
            "deleted",
            "passed",
            "quarantined",
            "renamed",
            "needs_attention"
        ]
    );
    assert!(virus.iter().all(|a| a.count == 0));
    let spyware = r.sections[2].actions.as_ref().expect("spyware actions");
    let codes: Vec<&str> = spyware.iter().map(|a| a.action.code()).collect();
    assert_eq!(
        codes,
        ["cleaned", "not_cleaned", "restart_required", "unsafe"]
    );
    let md = markdown::render(&r, Lang::Ja);
    for word in [
        "| 駆除 | 0 |",
        "| 拡張子変更 | 0 |",
        "| 要確認 | 0 |",
        "| 駆除されていません | 0 |",
        "| 安全ではない | 0 |",
    ] {
        assert!(md.contains(word), "{word} missing");
    }
    // An action outside the seed's list is still counted, after them.
    let mut store = EndpointStore::in_memory().expect("in memory");
    let e = ev(
        at(day(2017, 9, 3), 1),
        "PC-01",
        DeviceKind::Desktop,
        Feature::VirusMalware,
        "X",
        Action::Logged,
    );
    store.record(&[e]).expect("recorded");
    let r = EndpointReport::build(&store, &office(), &edr_licence(5), sep());
    let virus = r.sections[0].actions.as_ref().expect("virus actions");
    assert_eq!(virus.len(), 7);
    assert_eq!((virus[6].action, virus[6].count), (Action::Logged, 1));
}

#[test]
fn top_n_is_most_first_and_ties_go_by_name() {
    let mut store = EndpointStore::in_memory().expect("in memory");
    let mut events = Vec::new();
    // Seven PCs with 2 detections each and one with 3: PC-H first, then
    // the tied ones by name, cut at 5.
    for name in ["PC-G", "PC-B", "PC-F", "PC-A", "PC-E", "PC-C", "PC-D"] {
        for h in 0..2 {
            events.push(ev(
                at(day(2017, 9, 2), h),
                name,
                DeviceKind::Desktop,
                Feature::VirusMalware,
                "T",
                Action::Deleted,
            ));
        }
    }
    for h in 0..3 {
        events.push(ev(
            at(day(2017, 9, 2), h),
            "PC-H",
            DeviceKind::Desktop,
            Feature::VirusMalware,
            "T",
            Action::Deleted,
        ));
    }
    store.record(&events).expect("recorded");
    let r = EndpointReport::build(&store, &office(), &edr_licence(5), sep());
    let rows: Vec<(&str, u64)> = r.sections[0]
        .top_endpoints
        .rows
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(
        rows,
        [
            ("PC-H", 3),
            ("PC-A", 2),
            ("PC-B", 2),
            ("PC-C", 2),
            ("PC-D", 2)
        ]
    );
    assert_eq!(r.sections[0].top_endpoints.keys, 8);
    assert_eq!(r.sections[0].top_endpoints.total, 17);
}

#[test]
fn month_over_month_change_in_the_seeds_words() {
    let (store, _) = filled();
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    let web = r
        .overview
        .detections
        .iter()
        .find(|c| c.feature == Feature::WebReputation)
        .expect("web reputation");
    assert_eq!((web.previous_month, web.this_month), (29, 34));
    assert_eq!(web.change, Change::Up { tenths: 172 });
    assert_eq!(
        words::change(web, Lang::Ja),
        "先月と比較して、Webレピュテーションによる検出が17.2％増えました"
    );
    // Last month 0: no percentage, the counts said instead.
    let virus = &r.overview.detections[0];
    assert_eq!(virus.change, Change::New);
    assert_eq!(
        words::change(virus, Lang::Ja),
        "ウイルス/不正プログラムによる検出は先月0件、今月6件でした（前月比は算出できません）"
    );
    assert_eq!(words::change_cell(virus), "-");
    assert_eq!(Change::between(0, 0), Change::None);
    assert_eq!(Change::between(10, 5), Change::Down { tenths: 500 });
    assert_eq!(Change::between(7, 7), Change::Same);
    assert_eq!(tenths_text(200), "20");
    assert_eq!(tenths_text(172), "17.2");
}

proptest! {
    /// Class: any two months' counts; the change's direction follows the
    /// counts and its rate is the rounded ratio.
    #[test]
    fn change_follows_the_counts(previous in 0u64..100_000, current in 0u64..100_000) {
        match Change::between(previous, current) {
            Change::None => prop_assert!(previous == 0 && current == 0),
            Change::New => prop_assert!(previous == 0 && current > 0),
            Change::Same => prop_assert_eq!(previous, current),
            Change::Up { tenths } => {
                prop_assert!(current > previous);
                let exact = (current - previous) as f64 * 1000.0 / previous as f64;
                prop_assert!((tenths as f64 - exact).abs() <= 0.5 + 1e-9);
            }
            Change::Down { tenths } => {
                prop_assert!(current < previous);
                prop_assert!(tenths <= 1000);
            }
        }
    }

    /// Class: any last contact and two moments; once offline, an agent
    /// stays offline later (offline_at is monotone in now).
    #[test]
    fn offline_is_monotone_in_now(contact in 0i64..10_000_000, a in 0i64..5_000_000, b in 0i64..5_000_000) {
        let mut s = agent("PC", DeviceKind::Desktop, "Windows 10", true);
        s.last_contact = Instant::from_secs(contact);
        let (early, late) = (Instant::from_secs(contact + a.min(b)), Instant::from_secs(contact + a.max(b)));
        prop_assert!(!s.offline_at(early) || s.offline_at(late));
    }

    /// Class: any events over a few PCs; the top-N is the test's own tally,
    /// most first, ties by name, and the total is every detection.
    #[test]
    fn top_is_the_tally(picks in proptest::collection::vec((0usize..6, 0u64..48), 0..60)) {
        let names = ["PC-A", "PC-B", "PC-C", "PC-D", "PC-E", "PC-F"];
        let events: Vec<EndpointEvent> = picks
            .iter()
            .map(|(n, h)| ev(at(day(2017, 9, 3), *h), names[*n], DeviceKind::Desktop, Feature::UrlFilter, "Games", Action::Blocked))
            .collect();
        let mut store = EndpointStore::in_memory().expect("in memory");
        store.record(&events).expect("recorded");
        let days = Days { from: day(2017, 9, 1), until: day(2017, 10, 1) };
        let top = store.top(Feature::UrlFilter, Column::Endpoint, Devices::All, days, 3).expect("top");
        let mut tally: Vec<(String, u64)> = names
            .iter()
            .map(|n| (n.to_string(), picks.iter().filter(|(i, _)| names[*i] == *n).count() as u64))
            .filter(|(_, c)| *c > 0)
            .collect();
        tally.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let expected: Vec<(String, u64)> = tally.iter().take(3).cloned().collect();
        let got: Vec<(String, u64)> = top.rows.iter().map(|c| (c.key.clone(), c.count)).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(top.total, picks.len() as u64);
        prop_assert_eq!(top.keys, tally.len() as u64);
    }
}

#[test]
fn offline_at_exactly_fourteen_days() {
    let mut s = agent("PC", DeviceKind::Desktop, "Windows 10", true);
    let contact = at(day(2017, 9, 1), 9);
    s.last_contact = contact;
    let fourteen = contact + Duration::from_secs(u64::from(OFFLINE_AFTER_DAYS) * 86_400);
    assert!(s.offline_at(fourteen));
    assert!(!s.offline_at(fourteen - Duration::from_micros(1)));
    // In the report: statuses of every day with that last contact; offline
    // from the day whose end is 14 days after it (contact 09-01 09:00 JST,
    // offline at the end of 09-15, not at the end of 09-14).
    let mut store = EndpointStore::in_memory().expect("in memory");
    for n in 1..=30 {
        store
            .record_statuses(day(2017, 9, n), std::slice::from_ref(&s))
            .expect("statuses");
    }
    let r = EndpointReport::build(&store, &office(), &edr_licence(5), sep());
    let offline = &r.edr.as_ref().expect("edr").protection.offline_daily;
    let first = offline
        .iter()
        .position(|d| d.count == Some(1))
        .expect("offline some day");
    assert_eq!(offline[first].day, "2017-09-15");
    assert_eq!(
        r.edr.as_ref().expect("edr").protection.offline_last,
        vec!["PC".to_string()]
    );
}

#[test]
fn a_days_last_status_wins_and_days_without_data_are_no_data() {
    let mut store = EndpointStore::in_memory().expect("in memory");
    let mut s = agent("PC-01", DeviceKind::Desktop, "Windows 10", true);
    store
        .record_statuses(day(2017, 9, 2), std::slice::from_ref(&s))
        .expect("first");
    s.up_to_date = false;
    store
        .record_statuses(day(2017, 9, 2), std::slice::from_ref(&s))
        .expect("second");
    let days = Days {
        from: day(2017, 9, 1),
        until: day(2017, 10, 1),
    };
    let rows = store.agent_days(days).expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, s);
    let r = EndpointReport::build(&store, &office(), &edr_licence(5), sep());
    let outdated = &r.edr.as_ref().expect("edr").protection.outdated_daily;
    assert_eq!(outdated[0].count, None, "no status on 09-01");
    assert_eq!(outdated[1].count, Some(1));
}

#[test]
fn retention_keeps_180_days() {
    let mut store = EndpointStore::in_memory().expect("in memory");
    let now = at(day(2018, 3, 1), 12);
    let cutoff = crate::store::stats::jst_day(
        now - Duration::from_secs(u64::from(ENDPOINT_RETENTION_DAYS) * 86_400),
    );
    let old = cutoff.pred_opt().expect("a day before");
    let e = |d| {
        ev(
            at(d, 1),
            "PC-01",
            DeviceKind::Desktop,
            Feature::VirusMalware,
            "T",
            Action::Deleted,
        )
    };
    store.record(&[e(old), e(cutoff)]).expect("recorded");
    let s = agent("PC-01", DeviceKind::Desktop, "Windows 10", true);
    store
        .record_statuses(old, std::slice::from_ref(&s))
        .expect("old");
    store
        .record_statuses(cutoff, std::slice::from_ref(&s))
        .expect("kept");
    let purged = store.apply_retention(now).expect("retention");
    assert_eq!((purged.events, purged.statuses), (1, 1));
    assert_eq!(store.days().expect("days"), vec![cutoff]);
    assert_eq!(ENDPOINT_RETENTION_DAYS, 180);
}

#[test]
fn antivirus_only_has_no_edr_part() {
    let (store, _) = filled();
    let licence = Licence {
        product: Product::Antivirus,
        seats: 10,
    };
    let r = EndpointReport::build(&store, &office(), &licence, sep());
    assert!(r.edr.is_none());
    for lang in [Lang::Ja, Lang::En] {
        let md = markdown::render(&r, lang);
        assert!(md.contains(crate::labels::t("ep_no_edr", lang)));
        assert!(!md.contains(crate::labels::t("ep_edr_suspicious", lang)));
        assert!(
            !md.contains("ransom.exe"),
            "EDR detections are not reported"
        );
        let html = html::render(&r, lang);
        assert!(
            html.contains(&super::super::report::html::escape(crate::labels::t(
                "ep_no_edr",
                lang
            )))
        );
    }
    let json = serde_json::to_value(&r).expect("json");
    assert!(json["edr"].is_null());
}

#[test]
fn both_languages_are_complete() {
    let (store, _) = filled();
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    let none = EndpointReport::build(
        &EndpointStore::in_memory().expect("in memory"),
        &office(),
        &edr_licence(0),
        sep(),
    );
    for lang in [Lang::Ja, Lang::En] {
        for report in [&r, &none] {
            let md = markdown::render(report, lang);
            for text in [&md, &html::render(report, lang)] {
                // Every key the renderings use starts with `ep_`; a missing
                // one is printed as its key.
                assert!(
                    !text.contains("ep_"),
                    "{lang:?}: a label is missing:\n{text}"
                );
            }
            assert!(!md.contains('{'), "{lang:?}: a placeholder left:\n{md}");
        }
        let en = markdown::render(&r, Lang::En);
        assert!(
            !en.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "kana in English:\n{en}"
        );
    }
    for section in ENDPOINT_GUIDES {
        let (ja_read, ja_todo) = endpoint_guide(section, Lang::Ja);
        let (en_read, en_todo) = endpoint_guide(section, Lang::En);
        assert!(!ja_read.is_empty(), "{section}");
        assert_eq!(ja_read.len(), en_read.len(), "{section}");
        assert_eq!(ja_todo.len(), en_todo.len(), "{section}");
    }
}

#[test]
fn the_json_is_the_model() {
    let (store, _) = filled();
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["month"], "2017-09");
    assert_eq!(json["sections"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["overview"]["detections"][1]["change"]["kind"], "up");
    assert_eq!(
        json["edr"]["protection"]["unsupported"][0]["endpoint"],
        "PC-XP"
    );
}

#[test]
fn the_service_mails_both_reports_at_the_month_end() {
    let start = at(day(2017, 9, 1), 0);
    let mut with = crate::Service::in_memory(office(), start)
        .expect("service")
        .with_endpoint(edr_licence(10));
    let mut without = crate::Service::in_memory(office(), start).expect("service");
    let e = ev(
        at(day(2017, 9, 4), 1),
        "PC-XP",
        DeviceKind::Desktop,
        Feature::VirusMalware,
        "WORM_DOWNAD.AD",
        Action::Quarantined,
    );
    let s = agent("PC-XP", DeviceKind::Desktop, "Windows XP", false);
    let now = at(day(2017, 9, 4), 2);
    with.receive_endpoint(now, std::slice::from_ref(&e), std::slice::from_ref(&s))
        .expect("received");
    without
        .receive_endpoint(now, std::slice::from_ref(&e), std::slice::from_ref(&s))
        .expect("ignored");
    assert!(without.endpoint_report(sep()).is_none());
    let end = at(day(2017, 10, 1), 0);
    let mails = with.advance(end, &[]).expect("advanced");
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[1].subject,
        "【おまかせアンチウイルス】月次レポート 2017-09（Printshop）"
    );
    assert_eq!(mails[1].to, "admin@printshop.example");
    assert!(mails[1].raw.contains("multipart/mixed"));
    assert!(
        mails[1]
            .raw
            .contains("filename=\"endpoint-report-2017-09.html\"")
    );
    assert!(mails[1].raw.contains("| PC-XP | Windows XP |"));
    let gateway_only = without.advance(end, &[]).expect("advanced");
    assert_eq!(gateway_only.len(), 1);
    assert_eq!(
        gateway_only[0].raw, mails[0].raw,
        "the gateway mail is unchanged"
    );
}

#[test]
fn a_store_file_keeps_the_endpoint_tables_beside_the_logs() {
    let dir = std::env::temp_dir().join(format!("officetwin-endpoint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("office.sqlite");
    let start = at(day(2017, 9, 1), 0);
    {
        let mut service = crate::Service::with_store_file(office(), start, &path)
            .expect("service")
            .with_endpoint(edr_licence(10));
        let e = ev(
            at(day(2017, 9, 4), 1),
            "PC-01",
            DeviceKind::Desktop,
            Feature::UrlFilter,
            "Games",
            Action::Blocked,
        );
        service
            .receive_endpoint(
                at(day(2017, 9, 4), 2),
                &[e],
                &[agent("PC-01", DeviceKind::Desktop, "Windows 10", true)],
            )
            .expect("received");
    }
    let store = EndpointStore::open(&path).expect("reopened");
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    assert_eq!(r.sections[4].total, 1);
    assert_eq!(r.overview.agents, 1);
    assert!(
        crate::store::SqliteStore::open(&path).is_ok(),
        "still a log store"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_html_page_is_self_contained() {
    let (store, _) = filled();
    let r = EndpointReport::build(&store, &office(), &edr_licence(10), sep());
    for lang in [Lang::Ja, Lang::En] {
        let page = html::render(&r, lang);
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        assert!(!page.contains("<script") && !page.contains(" src=") && !page.contains("<link"));
        // One trend chart per antivirus section, 1-1, 2-1 and 2-2.
        assert_eq!(page.matches("<svg").count() - bar_charts(&r), 6 + 3);
    }
}

/// The bar charts the page draws: one per non-empty top-N.
fn bar_charts(r: &EndpointReport) -> usize {
    let tops = r.sections.iter().flat_map(|s| {
        [
            Some(&s.top_endpoints),
            s.top_servers.as_ref(),
            s.top_names.as_ref(),
        ]
    });
    let edr = r.edr.iter().flat_map(|e| {
        [
            Some(&e.suspicious.top_objects),
            Some(&e.suspicious.top_endpoints),
        ]
    });
    tops.chain(edr)
        .flatten()
        .filter(|t| !t.rows.is_empty())
        .count()
}
