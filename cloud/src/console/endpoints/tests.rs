//! The endpoint pages over a stored office: agents, the cross-view, the
//! archive's endpoint reports, the templates rendered in both languages.

use super::*;
use crate::console::source::{Device, Office, StoredLogs};
use crate::console::{archive, render};
use crate::endpoint::{Action, DeviceKind, EndpointEvent, Feature, Licence, Product, ScanKind};
use crate::report::Month;
use crate::store::stats::day_start;
use crate::store::{LogStore, SqliteStore};
use appliance::{Engine, Event};
use chrono::NaiveDate;
use minijinja::context;
use std::time::Duration;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 9, d).expect("a date")
}

fn status(name: &str, last: Instant) -> AgentStatus {
    AgentStatus {
        endpoint: name.into(),
        device: DeviceKind::Desktop,
        os: "Windows XP".into(),
        os_supported: false,
        program: "Apex One 14.0".into(),
        pattern_version: "11.000.00".into(),
        pattern_date: day(1),
        up_to_date: false,
        last_contact: last,
        protections: Protections {
            real_time: false,
            behaviour: true,
            machine_learning: true,
            web_reputation: true,
            url_filter: true,
            edr: true,
        },
        isolated: true,
    }
}

fn source(licence: Option<Licence>) -> StoredLogs {
    let mut logs = SqliteStore::in_memory().expect("log store");
    let pc_xp: std::net::Ipv4Addr = "192.168.1.11".parse().expect("ip");
    let gateway_event = Event {
        time: day_start(day(4)),
        engine: Engine::Cnc,
        action: appliance::Action::Block,
        src_ip: pc_xp,
        src_mac: "00:14:22:8e:5a:3b".into(),
        dst_ip: "203.0.113.9".parse().expect("ip"),
        dst_port: 80,
        host: Some("cnc.example".into()),
        url: Some("http://cnc.example/gate.php".into()),
        reasons: Vec::new(),
    };
    logs.record(&[gateway_event]).expect("recorded");
    let mut endpoint = crate::endpoint::EndpointStore::in_memory().expect("endpoint store");
    if let Some(licence) = &licence {
        endpoint.set_licence(licence).expect("licence");
    }
    let now = day_start(day(20));
    endpoint
        .record(&[EndpointEvent {
            at: day_start(day(4)) + Duration::from_secs(60),
            endpoint: "PC-XP".into(),
            device: DeviceKind::Desktop,
            feature: Feature::VirusMalware,
            threat: "WORM_DOWNAD.AD".into(),
            object: "C:\\WINDOWS\\system32\\x.dll".into(),
            scan: Some(ScanKind::Manual),
            action: Action::Quarantined,
            reason: "pattern 11.000.00".into(),
            status: None,
        }])
        .expect("event");
    endpoint
        .record_statuses(
            day(20),
            &[status("PC-XP", now), status("PC-OLD", day_start(day(1)))],
        )
        .expect("statuses");
    StoredLogs {
        store: logs,
        office: Some(Office {
            title: "Printshop".into(),
            admin_mail: "admin@printshop.example".into(),
            hosts: vec![Device {
                name: "PC-XP".into(),
                ip: pc_xp,
                mac: "00:14:22:8e:5a:3b".into(),
                os: "Windows XP".into(),
                user: None,
            }],
        }),
        name: "CloudEdge50-printshop".into(),
        endpoint: licence.map(|_| endpoint),
        app_security: None,
    }
}

fn edr() -> Option<Licence> {
    Some(Licence {
        product: Product::AntivirusEdr,
        seats: 5,
    })
}

#[test]
fn agents_and_their_state() {
    let s = source(edr());
    let rows = agents(&s, Lang::Ja).expect("read").expect("the option");
    let xp = rows.iter().find(|r| r.name == "PC-XP").expect("PC-XP");
    assert!(!xp.offline && xp.isolated && !xp.up_to_date && !xp.os_supported);
    assert_eq!(xp.ip.as_deref(), Some("192.168.1.11"));
    assert_eq!(xp.protections_off, vec!["リアルタイム検索".to_string()]);
    // PC-OLD last reached the server 19 days before the newest contact.
    let old = rows.iter().find(|r| r.name == "PC-OLD").expect("PC-OLD");
    assert!(old.offline);
    assert!(agents(&source(None), Lang::Ja).expect("read").is_none());
}

#[test]
fn the_cross_view_puts_both_sides_together() {
    let s = source(edr());
    let view = cross_view(&s, "PC-XP", Lang::En)
        .expect("read")
        .expect("PC-XP");
    assert_eq!(view.gateway.len(), 1);
    assert_eq!(view.endpoint.len(), 1);
    assert_eq!(view.endpoint[0].threat, "WORM_DOWNAD.AD");
    assert_eq!(view.endpoint[0].scan, "Manual scan");
    assert!(cross_view(&s, "PC-NONE", Lang::En).expect("read").is_none());
    // PC-OLD is not in the office's device list: no gateway rows.
    let old = cross_view(&s, "PC-OLD", Lang::En)
        .expect("read")
        .expect("PC-OLD");
    assert!(old.gateway.is_empty());
}

#[test]
fn the_archive_offers_the_endpoint_report_of_each_month() {
    let s = source(edr());
    let entries = archive::endpoint_entries(&s, None).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].month, "2017-09");
    let month = Month::parse("2017-09").expect("month");
    for ext in ["html", "md", "json"] {
        let text = archive::render_endpoint(&s, month, ext, Lang::Ja, None)
            .expect("rendered")
            .expect("a report");
        assert!(text.contains("PC-XP"), "{ext}");
    }
    let other = Month::parse("2017-08").expect("month");
    assert!(
        archive::render_endpoint(&s, other, "md", Lang::Ja, None)
            .expect("ok")
            .is_none()
    );
    assert!(
        archive::endpoint_entries(&source(None), None)
            .expect("entries")
            .is_empty()
    );
}

#[test]
fn the_pages_render_in_both_languages() {
    let s = source(edr());
    let env = render::environment().expect("templates");
    for lang in [Lang::Ja, Lang::En] {
        let rows = agents(&s, lang).expect("read");
        let view = cross_view(&s, "PC-XP", lang).expect("read");
        let page = env
            .get_template("endpoints.html")
            .and_then(|t| {
                t.render(context! { t => lang.table(), agents => minijinja::Value::from(minijinja::value::Serde(&rows)), has_endpoints => true, user => "admin" })
            })
            .expect("endpoints page");
        assert!(page.contains("id=\"endpoint-PC-XP\""));
        assert!(page.contains(lang.t("ep_offline")), "PC-OLD is offline");
        let page = env
            .get_template("endpoint.html")
            .and_then(|t| {
                t.render(
                    context! { t => lang.table(), view => minijinja::Value::from(minijinja::value::Serde(&view)) },
                )
            })
            .expect("cross-view page");
        assert!(page.contains("WORM_DOWNAD.AD"));
        assert!(page.contains("cnc.example"));
    }
}

#[test]
fn links_encode_the_name() {
    assert_eq!(link("PC-XP"), "/endpoints/PC-XP");
    assert_eq!(link("営業 PC/1"), "/endpoints/%E5%96%B6%E6%A5%AD%20PC%2F1");
}
