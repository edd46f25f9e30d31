//! The Cloud App Security store and report from hand-filled stores: every
//! section, all ten applications at 0, top users by count with ties by
//! address, percentages, the top-10 cut, the risk-level table, the
//! mail/storage split, threats left in place, month edges in JST,
//! retention, both languages, the service's mails. Expectations are
//! counted here from the events the test wrote, never read back through the
//! report's own queries.

use super::report::{LEFT_ROWS, MODEL_VERSION, TOP_USERS, percent_text, tenths_of};
use super::store::APP_SECURITY_RETENTION_DAYS;
use super::*;
use crate::labels::{APP_SECURITY_GUIDES, Lang, app_security_guide, app_security_notes};
use crate::report::{Month, OfficeInfo};
use crate::store::stats::day_start;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::BTreeMap;
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

/// The object a detection in `app` is found in, as the scan would record
/// it.
fn object_of(app: Application, detection: Detection) -> ObjectKind {
    match app {
        Application::Exchange | Application::Gmail if detection == Detection::DataLoss => {
            ObjectKind::OutgoingMail
        }
        Application::Exchange | Application::Gmail => ObjectKind::IncomingMail,
        Application::Teams | Application::SalesforceProduction | Application::SalesforceSandbox => {
            ObjectKind::Message
        }
        _ => ObjectKind::File,
    }
}

fn ev(
    when: Instant,
    app: Application,
    user: &str,
    detection: Detection,
    action: Action,
) -> AppSecurityEvent {
    AppSecurityEvent {
        at: when,
        application: app,
        user: user.into(),
        detection,
        object: object_of(app, detection),
        name: format!("{}-{}", detection.code(), user),
        threat: match detection {
            Detection::VirusMalware => "TROJ_EMOTET.SM".into(),
            Detection::FileBlocking => "macro document (.docm)".into(),
            Detection::WebReputation => "http://phish.example/login".into(),
            Detection::VirtualAnalyzer => "invoice.zip".into(),
            Detection::DataLoss => "My Number (個人番号)".into(),
        },
        risk: (detection == Detection::VirtualAnalyzer).then_some(RiskLevel::High),
        action,
        policy: "default".into(),
        reason: "test".into(),
    }
}

/// A September of a small office: every function, several applications,
/// ties, threats left in place, a month edge on each side, and August
/// detections that must not count.
fn filled() -> (AppSecurityStore, Vec<AppSecurityEvent>) {
    use Action::*;
    use Application::*;
    use Detection::*;
    let d = |n| day(2017, 9, n);
    let mut events = vec![
        // Emotet in Exchange: three users, one of them twice; one left.
        ev(
            at(d(4), 9),
            Exchange,
            "tanaka@printshop.example",
            VirusMalware,
            Quarantined,
        ),
        ev(
            at(d(4), 10),
            Exchange,
            "tanaka@printshop.example",
            VirusMalware,
            Quarantined,
        ),
        ev(
            at(d(4), 11),
            Exchange,
            "suzuki@printshop.example",
            VirusMalware,
            Deleted,
        ),
        ev(
            at(d(5), 9),
            Gmail,
            "abe@printshop.example",
            VirusMalware,
            LoggedOnly,
        ),
        // A macro document blocked in Box.
        ev(
            at(d(6), 9),
            Box,
            "sato@printshop.example",
            FileBlocking,
            ReplacedWithFile,
        ),
        // Phishing URLs: four users with two each (the seed's 25.0% rows).
        ev(
            at(d(7), 9),
            Teams,
            "d@printshop.example",
            WebReputation,
            LoggedOnly,
        ),
        ev(
            at(d(7), 10),
            Teams,
            "d@printshop.example",
            WebReputation,
            LoggedOnly,
        ),
        ev(
            at(d(7), 11),
            Gmail,
            "b@printshop.example",
            WebReputation,
            ReplacedWithText,
        ),
        ev(
            at(d(7), 12),
            Gmail,
            "b@printshop.example",
            WebReputation,
            ReplacedWithText,
        ),
        ev(
            at(d(8), 9),
            Gmail,
            "c@printshop.example",
            WebReputation,
            Quarantined,
        ),
        ev(
            at(d(8), 10),
            Gmail,
            "c@printshop.example",
            WebReputation,
            Quarantined,
        ),
        ev(
            at(d(8), 11),
            Exchange,
            "a@printshop.example",
            WebReputation,
            Quarantined,
        ),
        ev(
            at(d(8), 12),
            Exchange,
            "a@printshop.example",
            WebReputation,
            Quarantined,
        ),
        // The sandbox: three for one user, one without a level.
        ev(
            at(d(9), 9),
            Exchange,
            "tanaka@printshop.example",
            VirtualAnalyzer,
            Quarantined,
        ),
        ev(
            at(d(9), 10),
            Exchange,
            "tanaka@printshop.example",
            VirtualAnalyzer,
            Quarantined,
        ),
        ev(
            at(d(9), 11),
            OneDrive,
            "tanaka@printshop.example",
            VirtualAnalyzer,
            LoggedOnly,
        ),
        // My Numbers: mailed by one user, shared on OneDrive by another.
        ev(
            at(d(10), 9),
            Exchange,
            "suzuki@printshop.example",
            DataLoss,
            LoggedOnly,
        ),
        ev(
            at(d(10), 10),
            Exchange,
            "suzuki@printshop.example",
            DataLoss,
            LoggedOnly,
        ),
        ev(
            at(d(10), 11),
            OneDrive,
            "sato@printshop.example",
            DataLoss,
            LoggedOnly,
        ),
        ev(
            at(d(10), 12),
            OneDrive,
            "sato@printshop.example",
            DataLoss,
            Quarantined,
        ),
        // The month's edges in JST: 23:59 on the 30th counts, the 1st of
        // October and the 31st of August do not.
        ev(
            day_start(d(30)) + Duration::from_secs(86_399),
            SharePoint,
            "z@printshop.example",
            FileBlocking,
            Deleted,
        ),
        ev(
            day_start(day(2017, 10, 1)),
            SharePoint,
            "z@printshop.example",
            FileBlocking,
            Deleted,
        ),
        ev(
            day_start(d(1)) - Duration::from_secs(1),
            Dropbox,
            "z@printshop.example",
            VirusMalware,
            Deleted,
        ),
    ];
    events[14].risk = Some(RiskLevel::Unknown);
    events[15].risk = None;
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    store.record(&events).expect("recorded");
    (store, events)
}

fn in_sep(e: &AppSecurityEvent) -> bool {
    let d = crate::store::stats::jst_day(e.at);
    d >= day(2017, 9, 1) && d < day(2017, 10, 1)
}

fn count(events: &[AppSecurityEvent], f: impl Fn(&AppSecurityEvent) -> bool) -> u64 {
    events.iter().filter(|e| in_sep(e) && f(e)).count() as u64
}

/// The seed's overview rows, in its order, as it writes them.
const SEED_APPS: [&str; 10] = [
    "Box",
    "Dropbox",
    "Exchange",
    "Gmail",
    "Googleドライブ",
    "OneDrive",
    "Salesforce本番環境",
    "Salesforce Sandbox",
    "SharePoint",
    "Microsoft Teams",
];

#[test]
fn every_section_from_a_hand_filled_store() {
    let (store, events) = filled();
    let r = AppSecurityReport::build(&store, &office(), sep());
    assert_eq!(r.model_version, MODEL_VERSION);
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2017-09-01", "2017-09-30")
    );
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    // The overview: every application, counted here per protection.
    assert_eq!(r.overview.applications.len(), 10);
    for row in &r.overview.applications {
        let of = |p: Protection| {
            count(&events, |e| {
                e.application == row.application && e.detection.protection() == p
            })
        };
        assert_eq!(
            row.advanced_threat,
            of(Protection::AdvancedThreat),
            "{row:?}"
        );
        assert_eq!(row.data_loss, of(Protection::DataLoss), "{row:?}");
    }
    assert_eq!(r.overview.advanced_threat, 17);
    assert_eq!(r.overview.data_loss, 4);
    // The sections, in the seed's order.
    let order: Vec<Detection> = r.sections.iter().map(|s| s.detection).collect();
    assert_eq!(
        order,
        [
            Detection::VirusMalware,
            Detection::FileBlocking,
            Detection::WebReputation,
            Detection::VirtualAnalyzer,
            Detection::DataLoss
        ]
    );
    for s in &r.sections {
        let d = s.detection;
        assert_eq!(s.total, count(&events, |e| e.detection == d), "{d:?}");
        for a in &s.actions {
            assert_eq!(
                a.count,
                count(&events, |e| e.detection == d && e.action == a.action),
                "{d:?} {:?}",
                a.action
            );
        }
        assert_eq!(s.actions.len(), Action::ALL.len(), "all five actions");
        assert_eq!(
            s.left_in_place,
            count(&events, |e| e.detection == d
                && e.action == Action::LoggedOnly)
        );
        assert_eq!(s.left.len() as u64, s.left_in_place.min(LEFT_ROWS as u64));
        for u in &s.top_users {
            let n = count(&events, |e| e.detection == d && e.user == u.user);
            assert_eq!(u.count, n, "{d:?} {}", u.user);
            assert_eq!(u.tenths, (n * 1000 + s.total / 2) / s.total);
        }
        assert_eq!(s.risk_levels.is_some(), d == Detection::VirtualAnalyzer);
        assert_eq!(s.places.is_some(), d == Detection::DataLoss);
    }
    let virus = r.section(Detection::VirusMalware).expect("section");
    let users: Vec<(&str, u64, String)> = virus
        .top_users
        .iter()
        .map(|u| (u.user.as_str(), u.count, percent_text(u.tenths)))
        .collect();
    assert_eq!(
        users,
        [
            ("tanaka@printshop.example", 2, "50.0%".to_string()),
            ("abe@printshop.example", 1, "25.0%".to_string()),
            ("suzuki@printshop.example", 1, "25.0%".to_string()),
        ]
    );
    assert_eq!(virus.left[0].user, "abe@printshop.example");
    // Four users with two each: the seed's example, by address.
    let web = r.section(Detection::WebReputation).expect("section");
    let users: Vec<(&str, String)> = web
        .top_users
        .iter()
        .map(|u| (u.user.as_str(), percent_text(u.tenths)))
        .collect();
    assert_eq!(
        users,
        [
            ("a@printshop.example", "25.0%".to_string()),
            ("b@printshop.example", "25.0%".to_string()),
            ("c@printshop.example", "25.0%".to_string()),
            ("d@printshop.example", "25.0%".to_string()),
        ]
    );
    let va = r.section(Detection::VirtualAnalyzer).expect("section");
    let levels: Vec<(Option<RiskLevel>, u64)> = va
        .risk_levels
        .as_ref()
        .expect("levels")
        .iter()
        .map(|l| (l.risk, l.count))
        .collect();
    assert_eq!(
        levels,
        [
            (Some(RiskLevel::High), 1),
            (Some(RiskLevel::Medium), 0),
            (Some(RiskLevel::Low), 0),
            (Some(RiskLevel::NoRisk), 0),
            (Some(RiskLevel::Unknown), 1),
            (None, 1),
        ]
    );
    assert_eq!(percent_text(va.top_users[0].tenths), "100.0%");
    let dlp = r.section(Detection::DataLoss).expect("section");
    let places = dlp.places.expect("places");
    assert_eq!((places.mail, places.storage, places.messages), (2, 2, 0));
    for u in &dlp.top_users {
        let p = u.places.expect("per user");
        let mail = count(&events, |e| {
            e.detection == Detection::DataLoss
                && e.user == u.user
                && matches!(
                    e.object,
                    ObjectKind::IncomingMail | ObjectKind::OutgoingMail
                )
        });
        assert_eq!(p.mail, mail, "{}", u.user);
        assert_eq!(p.mail + p.storage + p.messages, u.count);
    }
    let blocking = r.section(Detection::FileBlocking).expect("section");
    assert_eq!(
        blocking.total, 2,
        "the 30th at 23:59:59 JST counts, October not"
    );
}

#[test]
fn all_ten_applications_at_zero_in_the_seeds_order() {
    let empty = AppSecurityStore::in_memory().expect("in memory");
    let r = AppSecurityReport::build(&empty, &office(), sep());
    let apps: Vec<Application> = r
        .overview
        .applications
        .iter()
        .map(|a| a.application)
        .collect();
    assert_eq!(apps, Application::ALL);
    assert!(
        r.overview
            .applications
            .iter()
            .all(|a| a.advanced_threat == 0 && a.data_loss == 0)
    );
    assert!(
        r.sections
            .iter()
            .all(|s| s.total == 0 && s.top_users.is_empty())
    );
    let md = markdown::render(&r, Lang::Ja);
    let mut from = 0;
    for name in SEED_APPS {
        let row = format!("| {name} | 0 | 0 |");
        let found = md[from..]
            .find(&row)
            .unwrap_or_else(|| panic!("{row} missing or out of the seed's order:\n{md}"));
        from += found + row.len();
    }
    assert_eq!(md.matches("検出はありませんでした").count(), 5);
}

#[test]
fn ties_go_by_address_and_the_top_is_cut_at_ten() {
    let mut events = Vec::new();
    // Twelve users: u00 has 5, the others 2 each, written in reverse.
    for i in (0..12).rev() {
        let n = if i == 0 { 5 } else { 2 };
        for k in 0..n {
            events.push(ev(
                at(day(2017, 9, 3), k),
                Application::Gmail,
                &format!("u{i:02}@printshop.example"),
                Detection::WebReputation,
                Action::Quarantined,
            ));
        }
    }
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    store.record(&events).expect("recorded");
    let r = AppSecurityReport::build(&store, &office(), sep());
    let s = r.section(Detection::WebReputation).expect("section");
    assert_eq!(s.total, 27);
    assert_eq!(s.users, 12);
    assert_eq!(s.top_users.len(), TOP_USERS);
    let users: Vec<&str> = s.top_users.iter().map(|u| u.user.as_str()).collect();
    let expected: Vec<String> = (0..10)
        .map(|i| format!("u{i:02}@printshop.example"))
        .collect();
    assert_eq!(users, expected);
    // 5/27 = 18.5%, 2/27 = 7.4%.
    assert_eq!(percent_text(s.top_users[0].tenths), "18.5%");
    assert_eq!(percent_text(s.top_users[1].tenths), "7.4%");
    let md = markdown::render(&r, Lang::Ja);
    assert!(
        md.contains("上位10件を表示（全12ユーザ、検出数27）"),
        "{md}"
    );
    assert!(!md.contains("u10@"), "the 11th user is cut:\n{md}");
}

#[test]
fn percentages_as_the_seed_writes_them() {
    assert_eq!(percent_text(tenths_of(1, 1)), "100.0%");
    assert_eq!(percent_text(tenths_of(2, 8)), "25.0%");
    assert_eq!(percent_text(tenths_of(1, 3)), "33.3%");
    assert_eq!(percent_text(tenths_of(2, 3)), "66.7%");
    assert_eq!(percent_text(tenths_of(1, 2000)), "0.1%");
    assert_eq!(percent_text(tenths_of(1, 2001)), "0.0%");
    assert_eq!(tenths_of(5, 0), 0);
}

proptest! {
    /// Any month of detections: the overview, each section's total, its
    /// top users and their order are the tally the test makes; the shown
    /// percentages add up to the shown share within rounding.
    #[test]
    fn the_report_is_the_tally(
        picks in proptest::collection::vec(
            (0usize..14, 0usize..5, 0usize..10, 0usize..5, 0u64..30 * 24),
            0..120,
        ),
    ) {
        let events: Vec<AppSecurityEvent> = picks
            .iter()
            .map(|&(user, d, app, action, hour)| {
                ev(
                    day_start(day(2017, 9, 1)) + Duration::from_secs(hour * 3600),
                    Application::ALL[app],
                    &format!("user{user}@office.example"),
                    Detection::ALL[d],
                    Action::ALL[action],
                )
            })
            .collect();
        let mut store = AppSecurityStore::in_memory().expect("in memory");
        store.record(&events).expect("recorded");
        let r = AppSecurityReport::build(&store, &office(), sep());
        for row in &r.overview.applications {
            let n = |p: Protection| events.iter().filter(|e| e.application == row.application && e.detection.protection() == p).count() as u64;
            prop_assert_eq!(row.advanced_threat, n(Protection::AdvancedThreat));
            prop_assert_eq!(row.data_loss, n(Protection::DataLoss));
        }
        for s in &r.sections {
            let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
            for e in events.iter().filter(|e| e.detection == s.detection) {
                *tally.entry(e.user.as_str()).or_default() += 1;
            }
            let mut expected: Vec<(&str, u64)> = tally.into_iter().collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let total: u64 = expected.iter().map(|(_, n)| n).sum();
            prop_assert_eq!(s.total, total);
            prop_assert_eq!(s.users, expected.len() as u64);
            expected.truncate(TOP_USERS);
            let got: Vec<(&str, u64)> = s.top_users.iter().map(|u| (u.user.as_str(), u.count)).collect();
            prop_assert_eq!(&got, &expected);
            if total > 0 {
                let shown: u64 = got.iter().map(|(_, n)| n).sum();
                let sum: u64 = s.top_users.iter().map(|u| u.tenths).sum();
                // Each rounded by at most half a tenth.
                let exact = i128::from(shown) * 1000;
                let rounded = i128::from(sum) * i128::from(total);
                prop_assert!(2 * (rounded - exact).abs() <= i128::from(total) * got.len() as i128);
            }
        }
    }
}

#[test]
fn retention_keeps_180_days_and_the_watched_span_follows() {
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    store.watch(day(2017, 3, 1)).expect("watched");
    store.watch(day(2017, 9, 30)).expect("watched");
    let now = at(day(2017, 9, 30), 12);
    let cutoff = day(2017, 9, 30) - chrono::Days::new(u64::from(APP_SECURITY_RETENTION_DAYS));
    let old = ev(
        at(cutoff - chrono::Days::new(1), 23),
        Application::Box,
        "old@x.example",
        Detection::VirusMalware,
        Action::Deleted,
    );
    let kept = ev(
        at(cutoff, 0),
        Application::Box,
        "kept@x.example",
        Detection::VirusMalware,
        Action::Deleted,
    );
    store.record(&[old, kept.clone()]).expect("recorded");
    assert_eq!(store.apply_retention(now).expect("retention"), 1);
    assert_eq!(store.all().expect("rows"), [kept]);
    assert_eq!(
        store.watched().expect("watched"),
        Some((cutoff, day(2017, 9, 30)))
    );
}

#[test]
fn both_languages_are_complete_and_the_seeds_words_are_kept() {
    let (store, _) = filled();
    let r = AppSecurityReport::build(&store, &office(), sep());
    let none = AppSecurityReport::build(
        &AppSecurityStore::in_memory().expect("in memory"),
        &office(),
        sep(),
    );
    for lang in [Lang::Ja, Lang::En] {
        for report in [&r, &none] {
            let md = markdown::render(report, lang);
            for text in [&md, &html::render(report, lang)] {
                assert!(
                    !text.contains("cas_"),
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
    let ja = markdown::render(&r, Lang::Ja);
    for section in APP_SECURITY_GUIDES {
        let g = app_security_guide(section, Lang::Ja);
        let e = app_security_guide(section, Lang::En);
        assert!(!g.read.is_empty() && !g.todo.is_empty(), "{section}");
        assert_eq!(g.read.len(), e.read.len(), "{section}");
        assert_eq!(g.todo.len(), e.todo.len(), "{section}");
        assert_eq!(g.lead.is_empty(), e.lead.is_empty(), "{section}");
        for l in g.read {
            assert!(ja.contains(l), "{section}: {l}");
        }
        for (_, text) in g.todo {
            assert!(ja.contains(text), "{section}: {text}");
        }
    }
    for n in app_security_notes(Lang::Ja) {
        assert!(ja.contains(n));
    }
    // The seed's words, its slips mended.
    for words in [
        "## 概要",
        "## ウイルス/不正プログラム",
        "## ファイルのブロック",
        "## Webレピュテーション",
        "## 仮想アナライザ",
        "## 情報漏えい対策",
        "### 検出数がユーザ (上位)",
        "| ユーザ | 検出数 | % |",
        "- ユーザ : 脅威が検出されたメールアドレス",
        "- 検出数 : 1カ月間で検出された数",
        "- % : 1カ月の検出数の割合",
        "**【読み解き方】**",
        "**【確認・実施事項】**",
        "**【確認・実施事項（例）】**",
        "| 高 | 一般に不正プログラムに関連付けられている",
        "| 不明 | 不審な特性を示しませんが、必ずしも安全であるとは限りません。 (例) 20を超える圧縮レイヤがあったためにファイルを分析できなかった | 1 |",
        "「ウイルス/不正プログラム」「Webレピュテーション」「仮想アナライザ」",
        "- **①メールで検知した場合** 送信メールに設定した条件に該当する情報が入っていたことを示します。",
        "| メール | 2 |",
        "| オンラインストレージ | 2 |",
        "1件は「隔離」「削除」「テキスト/ファイルで置換」以外の処理のため、脅威が残った状態です。",
    ] {
        assert!(ja.contains(words), "{words} missing:\n{ja}");
    }
    for slip in ["Webレビューション", "仮想アナライズ"] {
        assert!(!ja.contains(slip), "{slip}");
    }
    assert!(
        !ja.chars().any(|c| ('\u{ac00}'..='\u{d7af}').contains(&c)),
        "Hangul from the seed's extraction"
    );
    let ja_sections: Vec<usize> = [
        "## 概要",
        "## ウイルス",
        "## ファイルのブロック",
        "## Webレピュテーション",
        "## 仮想アナライザ",
        "## 情報漏えい対策",
        "## 留意事項",
    ]
    .iter()
    .map(|h| ja.find(h).unwrap_or(usize::MAX))
    .collect();
    assert!(
        ja_sections.windows(2).all(|w| w[0] < w[1]),
        "{ja_sections:?}"
    );
}

#[test]
fn threats_left_in_place_are_listed_oldest_first_and_the_rest_counted() {
    let events: Vec<AppSecurityEvent> = (0..13)
        .map(|i| {
            ev(
                at(day(2017, 9, 2), 12) + Duration::from_secs(60 * (13 - i)),
                Application::Exchange,
                &format!("u{i}@x.example"),
                Detection::VirusMalware,
                Action::LoggedOnly,
            )
        })
        .chain(std::iter::once(ev(
            at(day(2017, 9, 2), 1),
            Application::Exchange,
            "gone@x.example",
            Detection::VirusMalware,
            Action::Quarantined,
        )))
        .collect();
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    store.record(&events).expect("recorded");
    let r = AppSecurityReport::build(&store, &office(), sep());
    let s = r.section(Detection::VirusMalware).expect("section");
    assert_eq!(s.left_in_place, 13);
    assert_eq!(s.left.len(), LEFT_ROWS);
    let mut times: Vec<&str> = s.left.iter().map(|l| l.at.as_str()).collect();
    assert_eq!(s.left[0].user, "u12@x.example", "the oldest first");
    let sorted = {
        let mut t = times.clone();
        t.sort();
        t
    };
    assert_eq!(times, sorted);
    times.dedup();
    assert_eq!(times.len(), LEFT_ROWS);
    assert!(s.left.iter().all(|l| l.user != "gone@x.example"));
    let md = markdown::render(&r, Lang::Ja);
    assert!(md.contains("#### 脅威が残った状態の検出"), "{md}");
    assert!(md.contains("ほか3件"), "{md}");
}

#[test]
fn the_json_is_the_model() {
    let (store, _) = filled();
    let r = AppSecurityReport::build(&store, &office(), sep());
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["month"], "2017-09");
    assert_eq!(
        json["overview"]["applications"].as_array().map(Vec::len),
        Some(10)
    );
    assert_eq!(
        json["overview"]["applications"][4]["application"],
        "google_drive"
    );
    assert_eq!(json["sections"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["sections"][3]["detection"], "virtual_analyzer");
    assert_eq!(json["sections"][3]["risk_levels"][4]["risk"], "unknown");
    assert_eq!(json["sections"][4]["places"]["mail"], 2);
    assert_eq!(json["sections"][0]["top_users"][0]["tenths"], 500);
    assert!(json["sections"][0]["risk_levels"].is_null());
}

#[test]
fn the_html_page_is_self_contained() {
    let (store, _) = filled();
    let r = AppSecurityReport::build(&store, &office(), sep());
    for lang in [Lang::Ja, Lang::En] {
        let page = html::render(&r, lang);
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        assert!(!page.contains("<script") && !page.contains(" src=") && !page.contains("<link"));
        // One bar chart per section with users.
        let with_users = r
            .sections
            .iter()
            .filter(|s| !s.top_users.is_empty())
            .count();
        assert_eq!(page.matches("<svg").count(), with_users);
    }
    let evil = ev(
        at(day(2017, 9, 2), 1),
        Application::Box,
        "<script>@x.example",
        Detection::VirusMalware,
        Action::LoggedOnly,
    );
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    store.record(&[evil]).expect("recorded");
    let page = html::render(
        &AppSecurityReport::build(&store, &office(), sep()),
        Lang::Ja,
    );
    assert!(!page.contains("<script>@") && page.contains("&lt;script&gt;@"));
}

fn one_detection() -> AppSecurityEvent {
    ev(
        at(day(2017, 9, 4), 1),
        Application::Exchange,
        "tanaka@printshop.example",
        Detection::VirusMalware,
        Action::Quarantined,
    )
}

#[test]
fn the_service_mails_the_report_after_the_others() {
    let start = at(day(2017, 9, 1), 0);
    let mut with = crate::Service::in_memory(office(), start)
        .expect("service")
        .with_app_security();
    let mut without = crate::Service::in_memory(office(), start).expect("service");
    let e = one_detection();
    with.receive_app_security(std::slice::from_ref(&e))
        .expect("received");
    without
        .receive_app_security(std::slice::from_ref(&e))
        .expect("ignored");
    assert!(without.app_security_report(sep()).is_none());
    assert!(without.app_security_store().is_none());
    let end = at(day(2017, 10, 1), 0);
    let mails = with.advance(end, &[]).expect("advanced");
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[1].subject,
        "【おまかせクラウドアップセキュリティ】レポート 2017-09（Printshop）"
    );
    assert_eq!(mails[1].to, "admin@printshop.example");
    assert!(mails[1].raw.contains("multipart/mixed"));
    assert!(
        mails[1]
            .raw
            .contains("filename=\"app-security-report-2017-09.html\"")
    );
    assert!(
        mails[1]
            .raw
            .contains("| tanaka@printshop.example | 1 | 100.0% |")
    );
    let gateway_only = without.advance(end, &[]).expect("advanced");
    assert_eq!(gateway_only.len(), 1);
    assert_eq!(
        gateway_only[0].raw, mails[0].raw,
        "the gateway mail is unchanged"
    );
    // A month without any detection still has its report (all at 0).
    let october = with
        .advance(at(day(2017, 11, 1), 0), &[])
        .expect("advanced");
    assert_eq!(october.len(), 2);
    assert!(october[1].raw.contains("| Box | 0 | 0 |"));
    // With the endpoint option too: gateway, endpoint, Cloud App Security.
    let mut all = crate::Service::in_memory(office(), start)
        .expect("service")
        .with_endpoint(crate::endpoint::Licence {
            product: crate::endpoint::Product::Antivirus,
            seats: 5,
        })
        .with_app_security();
    all.receive_app_security(&[e]).expect("received");
    let three = all.advance(end, &[]).expect("advanced");
    assert_eq!(three.len(), 3);
    assert!(three[1].raw.contains("endpoint-report-2017-09.html"));
    assert!(three[2].raw.contains("app-security-report-2017-09.html"));
}

#[test]
fn a_store_file_keeps_the_tables_beside_the_logs() {
    let dir = std::env::temp_dir().join(format!("officetwin-cas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("office.sqlite");
    let plain = dir.join("plain.sqlite");
    let start = at(day(2017, 9, 1), 0);
    let built = {
        let mut service = crate::Service::with_store_file(office(), start, &path)
            .expect("service")
            .with_app_security();
        service
            .receive_app_security(&[one_detection()])
            .expect("received");
        service
            .advance(at(day(2017, 9, 20), 0), &[])
            .expect("advanced");
        drop(crate::Service::with_store_file(office(), start, &plain).expect("plain"));
        service.app_security_report(sep()).expect("report")
    };
    let store = AppSecurityStore::open_read_only(&path)
        .expect("readable")
        .expect("the option is in the file");
    assert_eq!(AppSecurityReport::build(&store, &office(), sep()), built);
    assert_eq!(
        store.watched().expect("watched"),
        Some((day(2017, 9, 1), day(2017, 9, 20)))
    );
    assert!(
        AppSecurityStore::open_read_only(&plain)
            .expect("readable")
            .is_none(),
        "a log store without the option"
    );
    assert!(
        crate::store::SqliteStore::open(&path).is_ok(),
        "still a log store"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
