//! The report from a store filled by hand.

use super::*;
use crate::store::stats::day_start;
use crate::store::{LogStore, SqliteStore};
use appliance::Instant;
use appliance::Reason;
use appliance::{Action, Event};

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, m, d).unwrap()
}

fn at(d: u32, hour: u64) -> Instant {
    day_start(date(9, d)) + Duration::from_secs(hour * 3600)
}

fn cnc(t: Instant, host: u8) -> Event {
    Event {
        time: t,
        engine: Engine::Cnc,
        action: Action::Block,
        src_ip: Ipv4Addr::new(192, 168, 1, host),
        src_mac: "00:14:22:8e:5a:3b".into(),
        dst_ip: Ipv4Addr::new(203, 0, 113, 45),
        dst_port: 80,
        host: Some("xxxrzy8823l68me.net".into()),
        url: None,
        reasons: vec![
            Reason::CncList,
            Reason::Threat {
                name: "CnC.Win32.Generic".into(),
            },
        ],
    }
}

fn office() -> OfficeInfo {
    OfficeInfo {
        name: "印刷会社".into(),
        gateway: "CloudEdge50-printshop".into(),
        admin_mail: "admin@print-shop.example".into(),
        hosts: [(Ipv4Addr::new(192, 168, 1, 11), "PC-XP".to_string())].into(),
    }
}

fn september() -> Month {
    Month::parse("2017-09").unwrap()
}

#[test]
fn months_parse_and_count_days() {
    assert_eq!(september().days(), 30);
    assert_eq!(september().to_string(), "2017-09");
    assert_eq!(Month::parse("2017-02").unwrap().days(), 28);
    assert!(Month::parse("2017-13").is_err());
    assert!(Month::parse("September").is_err());
    assert_eq!(thousands(1146), "1,146");
    assert_eq!(thousands(1_000_000), "1,000,000");
    assert_eq!(thousands(999), "999");
    assert_eq!(percent(1, 3), "33.3%");
    assert_eq!(percent(1, 0), "-");
}

#[test]
fn the_cnc_section_ranks_hosts_and_names_them() {
    let mut s = SqliteStore::in_memory().unwrap();
    let mut events = vec![cnc(at(26, 10), 11); 5];
    events.push(cnc(at(27, 10), 30));
    s.record(&events).unwrap();
    s.record_uptime(day_start(date(9, 1)), day_start(date(10, 1)), true)
        .unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.cnc.total, 6);
    assert_eq!(r.cnc.rows[0].ip, "192.168.1.11");
    assert_eq!(r.cnc.rows[0].name.as_deref(), Some("PC-XP"));
    assert_eq!(r.cnc.rows[0].count, 5);
    assert_eq!(r.cnc.rows[1].name, None);
    assert!(r.coverage.complete());
    assert_eq!(r.coverage.reported_per_mille, 1000);
    assert_eq!(r.summary.rating.inputs.cnc_hosts, 2);
    assert_eq!(r.summary.rating.grade, Some(Grade::D));
    assert_eq!(r.daily.len(), 30);
    assert_eq!(r.daily[25].total, 5);
    assert_eq!(r.threats.rows[0].key, "CnC.Win32.Generic");
    assert!(r.unreadable.is_empty());
    let md = markdown::render(&r, Lang::Ja);
    assert!(
        md.contains("| 1 | 192.168.1.11 | PC-XP | 5 | 83.3% |"),
        "{md}"
    );
    assert!(md.contains("【読み解き方】"));
    assert!(!md.contains("注意:"), "a complete month has no warning");
    let en = markdown::render(&r, Lang::En);
    assert!(en.contains("Access to C&C servers"));
}

#[test]
fn an_empty_month_does_not_look_safe() {
    let s = SqliteStore::in_memory().unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.summary.total_detections, 0);
    assert_eq!(r.summary.rating.score, None);
    assert_eq!(r.coverage.no_data_days.len(), 30);
    for lang in [Lang::Ja, Lang::En] {
        let md = markdown::render(&r, lang);
        let warning = labels::t("warn_none", lang);
        assert!(md.contains(warning), "{md}");
        assert!(html::render(&r, lang).contains(&html::escape(warning)));
    }
}

#[test]
fn offline_days_are_named() {
    let mut s = SqliteStore::in_memory().unwrap();
    s.record_uptime(day_start(date(9, 1)), at(11, 12), true)
        .unwrap();
    s.record_uptime(at(11, 12), at(13, 0), false).unwrap();
    s.record_uptime(at(13, 0), day_start(date(10, 1)), true)
        .unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.coverage.offline_minutes, 36 * 60);
    let days: Vec<_> = r
        .coverage
        .offline_days
        .iter()
        .map(|d| d.day.as_str())
        .collect();
    assert_eq!(days, ["2017-09-11", "2017-09-12"]);
    assert_eq!(r.daily[10].status, DayStatus::PartlyOffline);
    assert_eq!(r.daily[11].status, DayStatus::Offline);
    assert!(r.summary.rating.incomplete);
    let warnings = coverage_warnings(&r, Lang::Ja);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("36.0 時間"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("2017-09-11 – 2017-09-12"),
        "{}",
        warnings[0]
    );
}

#[test]
fn html_is_one_page_with_svg_and_escaped_text() {
    let mut s = SqliteStore::in_memory().unwrap();
    s.record(&[cnc(at(26, 10), 11)]).unwrap();
    let mut o = office();
    o.name = "<script>alert(1)</script>".into();
    let r = MonthlyReport::build(&s, &o, september());
    let page = html::render(&r, Lang::Ja);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"ja\">"));
    assert!(page.contains("<svg"));
    assert!(page.contains("横軸: 検出した件数"));
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;"));
}

#[test]
fn the_mail_carries_both_renderings_to_the_admin() {
    let s = SqliteStore::in_memory().unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    let m = mail::compose(&r, Lang::Ja, day_start(date(10, 1)));
    assert_eq!(m.to, "admin@print-shop.example");
    assert_eq!(m.subject, "【月次レポート】2017-09 CloudEdge50-printshop");
    assert!(m.raw.contains("Subject: =?UTF-8?B?"));
    assert!(m.raw.contains("multipart/mixed"));
    assert!(m.raw.contains("filename=\"report-2017-09.html\""));
    assert!(m.raw.contains("# 月次レポート 2017-09"));
    assert!(m.raw.ends_with("--=_officetwin-report-2017-09--\r\n"));
    assert!(!m.raw.replace("\r\n", "").contains('\n'), "CRLF only");
}

#[test]
fn a_damaged_raw_table_leaves_the_report_readable() {
    // The report reads statistics only: raw rows with garbage do not matter.
    let mut s = SqliteStore::in_memory().unwrap();
    s.record(&[cnc(at(26, 10), 11)]).unwrap();
    s.conn_for_tests()
        .execute("UPDATE events SET engine = 'telepathy'", [])
        .unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.cnc.total, 1);
    assert!(r.unreadable.is_empty());
    // A damaged statistics table is named, and the other sections still come.
    s.conn_for_tests()
        .execute_batch("DROP TABLE site_access_stats")
        .unwrap();
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.cnc.total, 1);
    let sections: Vec<_> = r.unreadable.iter().map(|u| u.section.as_str()).collect();
    assert_eq!(sections, ["internet_access", "top_sites"]);
    assert!(
        r.unreadable[0].error.contains("site_access_stats"),
        "{:?}",
        r.unreadable
    );
    let md = markdown::render(&r, Lang::Ja);
    assert!(md.contains(labels::t("unreadable_note", Lang::Ja)));
}

#[test]
fn a_corrupted_file_gives_clear_errors_and_the_statistics_stay_readable() {
    let path = std::env::temp_dir().join(format!(
        "officetwin-report-corrupt-{}.sqlite",
        std::process::id()
    ));
    let remove = || {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    };
    remove();
    {
        let mut s = SqliteStore::open(&path).unwrap();
        let events: Vec<Event> = (0..2000)
            .map(|i| cnc(at(26, 10) + Duration::from_secs(i), 11))
            .collect();
        s.record(&events).unwrap();
        s.record_uptime(day_start(date(9, 1)), day_start(date(10, 1)), true)
            .unwrap();
    }
    // Overwrite the root page of the raw `events` table with garbage, as a
    // torn disk write would.
    let (page_size, root): (u64, u64) = {
        let c = rusqlite::Connection::open(&path).unwrap();
        let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root: i64 = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (size as u64, root as u64)
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let start = (root as usize - 1) * page_size as usize;
    for b in &mut bytes[start..start + page_size as usize] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let s = SqliteStore::open(&path).unwrap();
    let err = s.events(&crate::store::EventFilter::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("malformed"), "{msg}");
    let r = MonthlyReport::build(&s, &office(), september());
    assert_eq!(r.cnc.total, 2000, "the statistics are intact");
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    drop(s);
    remove();
}
