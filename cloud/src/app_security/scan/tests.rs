//! The scan over a hand-built service (the test's own: items it holds and
//! remedies it records), with the intel written here: each function of
//! seed 003 by the class it covers, the remedies and their order.

use super::api::{Change, ChangeKind, Item, Remedy, Sharing};
use super::policy::{DataLossPolicy, FileBlocking, Pattern, ScanPolicy};
use super::*;
use crate::app_security::{ObjectKind, RiskLevel};
use appliance::FrozenIntel;
use appliance::intel::WebRating;
use std::io::{Cursor, Write};

/// A service of the test: items by id, a feed, the remedies asked.
#[derive(Default)]
struct Service {
    items: BTreeMap<(Application, String), Item>,
    feed: Vec<(Application, Change)>,
    remedies: Vec<(Application, String, Remedy)>,
    refuse: bool,
}

impl Service {
    fn put(&mut self, app: Application, id: &str, item: Item, kind: ChangeKind) {
        self.items.insert((app, id.to_string()), item);
        let seq = self.feed.len() as u64 + 1;
        self.feed.push((
            app,
            Change {
                seq,
                at: Instant::from_micros(0),
                kind,
                item: id.to_string(),
            },
        ));
    }
}

impl Api for Service {
    fn changes(&self, app: Application, after: u64) -> Vec<Change> {
        self.feed
            .iter()
            .filter(|(a, c)| *a == app && c.seq > after)
            .map(|(_, c)| c.clone())
            .collect()
    }
    fn fetch(&self, app: Application, id: &str) -> Option<Item> {
        self.items.get(&(app, id.to_string())).cloned()
    }
    fn remedy(&mut self, app: Application, id: &str, remedy: &Remedy) -> Result<(), String> {
        if self.refuse {
            return Err("403 Forbidden: the app's consent was withdrawn".into());
        }
        self.remedies.push((app, id.to_string(), remedy.clone()));
        Ok(())
    }
}

fn intel() -> Arc<dyn Intel + Send + Sync> {
    let mut i = FrozenIntel::default();
    let rating = |score, category: &str| WebRating {
        score,
        category: Arc::from(category),
    };
    i.web
        .insert("login.hikari-bank-secure.example", rating(12, "Phishing"))
        .expect("table");
    i.web
        .insert("www.hikari-bank.example", rating(93, "Financial Services"))
        .expect("table");
    Arc::new(i)
}

fn scenario_file(name: &str) -> Vec<u8> {
    let path = format!("{}/../scenarios/files/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (make_test_files)"))
}

fn mail(kind: ObjectKind, user: &str, subject: &str, text: &str, files: Vec<Attachment>) -> Item {
    Item {
        kind,
        user: user.into(),
        name: subject.into(),
        text: text.into(),
        files,
        sharing: None,
    }
}

fn file(user: &str, path: &str, bytes: Vec<u8>, sharing: Sharing) -> Item {
    Item {
        kind: ObjectKind::File,
        user: user.into(),
        name: path.into(),
        text: String::new(),
        files: vec![Attachment {
            name: path.rsplit('/').next().unwrap_or(path).into(),
            bytes,
        }],
        sharing: Some(sharing),
    }
}

fn attachment(name: &str, bytes: Vec<u8>) -> Attachment {
    Attachment {
        name: name.into(),
        bytes,
    }
}

fn nested_zip(layers: usize) -> Vec<u8> {
    let mut bytes = b"quarterly figures".to_vec();
    let mut name = "figures.txt".to_string();
    for i in 0..layers {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(&bytes).expect("write");
        w.finish().expect("finish");
        bytes = out.into_inner();
        name = format!("layer-{i}.zip");
    }
    bytes
}

const USER: &str = "tanaka@tax-office.example";

fn my_number_list() -> String {
    // Valid My Numbers (check digits worked out by hand in my_number's tests).
    "氏名,個人番号\n山田太郎,123456789018\n".to_string()
}

fn dlp(name: &str, shared_only: bool) -> DataLossPolicy {
    DataLossPolicy {
        name: name.into(),
        patterns: vec![Pattern::MyNumber],
        min_matches: 1,
        applications: Vec::new(),
        shared_only,
        action: Action::Quarantined,
    }
}

fn poll(policy: ScanPolicy, service: &mut Service) -> Vec<AppSecurityEvent> {
    let mut scanner = Scanner::new(policy, intel());
    scanner.poll(Instant::from_micros(1_000), service)
}

#[test]
fn an_emotet_mail_in_exchange_is_quarantined_by_the_virus_engines() {
    let mut s = Service::default();
    let item = mail(
        ObjectKind::IncomingMail,
        USER,
        "Re: 12月分のお見積りについて",
        "請求書を添付いたします。",
        vec![attachment(
            "請求書.doc",
            scenario_file("seikyusho-2019-12.doc"),
        )],
    );
    s.put(Application::Exchange, "m1", item, ChangeKind::Created);
    let events = poll(ScanPolicy::default(), &mut s);
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(
        (e.detection, e.action, e.application, e.user.as_str()),
        (
            Detection::VirusMalware,
            Action::Quarantined,
            Application::Exchange,
            USER
        )
    );
    assert_eq!(
        s.remedies,
        vec![(Application::Exchange, "m1".into(), Remedy::Quarantine)]
    );
}

#[test]
fn a_macro_document_in_box_is_blocked_by_its_true_type() {
    let mut s = Service::default();
    // A macro that does not run on open: the engines pass it, the type rule does not.
    let doc = scenario_file("shukei-macro.xlsm");
    s.put(
        Application::Box,
        "f1",
        file(USER, "/経理/集計.xlsm", doc, Sharing::Private),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    policy.threat.file_blocking = Some(FileBlocking {
        types: vec![FileType::OfficeMacro],
        extensions: Vec::new(),
        names: Vec::new(),
        suspicious_urls: false,
        action: Action::Quarantined,
    });
    let events = poll(policy, &mut s);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].detection, Detection::FileBlocking);
    assert_eq!(events[0].threat, "true file type office_macro");
    // Without the rule the same file goes to the analyzer: a macro that
    // only runs when asked is 低, logged only.
    let mut s2 = Service::default();
    s2.put(
        Application::Box,
        "f1",
        file(
            USER,
            "/経理/集計.xlsm",
            scenario_file("shukei-macro.xlsm"),
            Sharing::Private,
        ),
        ChangeKind::Created,
    );
    let events = poll(ScanPolicy::default(), &mut s2);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (events[0].detection, events[0].risk, events[0].action),
        (
            Detection::VirtualAnalyzer,
            Some(RiskLevel::Low),
            Action::LoggedOnly
        )
    );
    assert!(s2.remedies.is_empty());
}

use super::file_type::FileType;

#[test]
fn thirty_nested_zips_are_rated_unknown_and_kept_by_default() {
    let mut s = Service::default();
    let item = mail(
        ObjectKind::IncomingMail,
        USER,
        "資料送付",
        "",
        vec![attachment("shiryou.zip", nested_zip(30))],
    );
    s.put(Application::Gmail, "g1", item, ChangeKind::Created);
    let events = poll(ScanPolicy::default(), &mut s);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (events[0].detection, events[0].risk, events[0].action),
        (
            Detection::VirtualAnalyzer,
            Some(RiskLevel::Unknown),
            Action::LoggedOnly
        )
    );
    assert!(
        events[0].reason.contains("more than 20 compression layers"),
        "{}",
        events[0].reason
    );
}

#[test]
fn a_phishing_link_in_a_teams_message_or_a_gmail_body_is_web_reputation() {
    let mut s = Service::default();
    let text = "至急ご確認ください https://login.hikari-bank-secure.example/verify?id=7 (正規: https://www.hikari-bank.example/)";
    s.put(
        Application::Teams,
        "t1",
        mail(ObjectKind::Message, USER, "一般", text, Vec::new()),
        ChangeKind::Created,
    );
    s.put(
        Application::Gmail,
        "g1",
        mail(ObjectKind::IncomingMail, USER, "口座確認", text, Vec::new()),
        ChangeKind::Created,
    );
    let events = poll(ScanPolicy::default(), &mut s);
    assert_eq!(events.len(), 2, "{events:#?}");
    for e in &events {
        assert_eq!(e.detection, Detection::WebReputation);
        assert_eq!(
            e.threat,
            "https://login.hikari-bank-secure.example/verify?id=7"
        );
        assert_eq!(e.action, Action::Quarantined);
    }
}

#[test]
fn my_numbers_in_a_sent_mail_are_only_logged_and_on_a_public_share_quarantined() {
    let mut s = Service::default();
    let list = my_number_list().into_bytes();
    s.put(
        Application::Exchange,
        "sent1",
        mail(
            ObjectKind::OutgoingMail,
            USER,
            "源泉徴収票の件",
            "添付をご確認ください",
            vec![attachment("list.csv", list.clone())],
        ),
        ChangeKind::Created,
    );
    s.put(
        Application::OneDrive,
        "od1",
        file(USER, "/共有/list.csv", list.clone(), Sharing::Private),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    let mut on_mail = dlp("マイナンバー (メール)", false);
    on_mail.applications = vec![Application::Exchange];
    let mut on_shares = dlp("公開されたマイナンバー", true);
    on_shares.applications = vec![Application::OneDrive];
    policy.data_loss = vec![on_mail, on_shares];
    let mut scanner = Scanner::new(policy, intel());
    let events = scanner.poll(Instant::from_micros(1), &mut s);
    // The sent mail: logged only; the private file: no policy of shares.
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (events[0].object, events[0].action),
        (ObjectKind::OutgoingMail, Action::LoggedOnly)
    );
    assert!(events[0].reason.contains("cannot be blocked"));
    assert!(s.remedies.is_empty(), "a sent mail is never taken back");
    // Shared publicly: only the policy about shares looks again.
    s.items.insert(
        (Application::OneDrive, "od1".into()),
        file(USER, "/共有/list.csv", list, Sharing::Public),
    );
    let seq = s.feed.len() as u64 + 1;
    s.feed.push((
        Application::OneDrive,
        Change {
            seq,
            at: Instant::from_micros(2),
            kind: ChangeKind::SharingChanged,
            item: "od1".into(),
        },
    ));
    let events = scanner.poll(Instant::from_micros(2), &mut s);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].policy, "公開されたマイナンバー");
    assert_eq!(events[0].action, Action::Quarantined);
    assert!(events[0].reason.contains("shared with anyone"));
    assert_eq!(
        s.remedies,
        vec![(Application::OneDrive, "od1".into(), Remedy::Quarantine)]
    );
}

#[test]
fn a_refused_remedy_is_logged_as_leaving_the_threat() {
    let mut s = Service {
        refuse: true,
        ..Service::default()
    };
    s.put(
        Application::Dropbox,
        "d1",
        file(
            USER,
            "/eicar.com",
            scenario_file("eicar.com"),
            Sharing::Private,
        ),
        ChangeKind::Created,
    );
    let events = poll(ScanPolicy::default(), &mut s);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, Action::LoggedOnly);
    assert!(
        events[0].reason.contains("403 Forbidden"),
        "{}",
        events[0].reason
    );
}

#[test]
fn replacing_swaps_only_the_detected_file_and_feeds_are_read_once() {
    let mut s = Service::default();
    s.put(
        Application::Exchange,
        "m1",
        mail(
            ObjectKind::IncomingMail,
            USER,
            "files",
            "",
            vec![
                attachment("ok.txt", b"hello".to_vec()),
                attachment("eicar.com", scenario_file("eicar.com")),
            ],
        ),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    policy.threat.virus_action = Action::ReplacedWithText;
    let mut scanner = Scanner::new(policy, intel());
    let events = scanner.poll(Instant::from_micros(1), &mut s);
    assert_eq!(events.len(), 1);
    match &s.remedies[..] {
        [(_, _, Remedy::Replace { index, file, with })] => {
            assert_eq!((*index, file.as_str()), (1, "eicar.com"));
            assert_eq!(with.name, NOTICE_NAME);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        scanner.poll(Instant::from_micros(2), &mut s).is_empty(),
        "the feed is read once"
    );
}

#[test]
fn services_not_connected_are_not_read() {
    let mut s = Service::default();
    s.put(
        Application::Box,
        "f1",
        file(
            USER,
            "/eicar.com",
            scenario_file("eicar.com"),
            Sharing::Private,
        ),
        ChangeKind::Created,
    );
    let policy = ScanPolicy {
        applications: vec![Application::Exchange],
        ..ScanPolicy::default()
    };
    assert!(poll(policy, &mut s).is_empty());
}

/// The sandbox of a test: one page per URL.
struct Pages(Vec<(&'static str, &'static str)>);

impl api::Sandbox for Pages {
    fn visit(&self, url: &str) -> Option<api::Visit> {
        self.0
            .iter()
            .find(|(u, _)| *u == url)
            .map(|(_, body)| api::Visit {
                status: 200,
                content_type: "text/html".into(),
                body: body.as_bytes().to_vec(),
            })
    }
}

#[test]
fn unrated_links_go_to_the_sandbox_and_rated_ones_do_not() {
    let mut s = Service::default();
    let text =
        "https://www.hikari-bank.example/ https://new-lure.example/login https://blog.example/";
    s.put(
        Application::Gmail,
        "g1",
        mail(ObjectKind::IncomingMail, USER, "本人確認", text, Vec::new()),
        ChangeKind::Created,
    );
    let sandbox = Pages(vec![
        ("https://new-lure.example/login", "<input type=password>"),
        ("https://blog.example/", "<p>hello</p>"),
    ]);
    let mut scanner = Scanner::new(ScanPolicy::default(), intel()).with_sandbox(Arc::new(sandbox));
    let events = scanner.poll(Instant::from_micros(1), &mut s);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        (
            events[0].detection,
            events[0].risk,
            events[0].action,
            events[0].threat.as_str()
        ),
        (
            Detection::VirtualAnalyzer,
            Some(RiskLevel::High),
            Action::Quarantined,
            "https://new-lure.example/login"
        )
    );
    // Without a sandbox, an unrated link cannot be opened: 不明, logged only.
    let mut s2 = Service::default();
    s2.put(
        Application::Gmail,
        "g1",
        mail(
            ObjectKind::IncomingMail,
            USER,
            "x",
            "https://blog.example/",
            Vec::new(),
        ),
        ChangeKind::Created,
    );
    let events = poll(ScanPolicy::default(), &mut s2);
    assert_eq!(
        (events[0].risk, events[0].action),
        (Some(RiskLevel::Unknown), Action::LoggedOnly)
    );
}

/// Review finding: findings of different actions on one item. The
/// strongest whole-item action is applied once and is every finding's
/// action in the log, saying why.
#[test]
fn mixed_actions_on_one_item_take_the_strongest_and_say_so() {
    let mut s = Service::default();
    let list = my_number_list().repeat(5).into_bytes();
    s.put(
        Application::Exchange,
        "m1",
        mail(
            ObjectKind::IncomingMail,
            USER,
            "files",
            "",
            vec![
                attachment("eicar.com", scenario_file("eicar.com")),
                attachment("list.csv", list),
            ],
        ),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    policy.threat.virus_action = Action::ReplacedWithText;
    policy.data_loss = vec![dlp("マイナンバー", false)];
    let events = poll(policy, &mut s);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(
        s.remedies,
        vec![(Application::Exchange, "m1".into(), Remedy::Quarantine)]
    );
    assert!(
        events.iter().all(|e| e.action == Action::Quarantined),
        "{events:#?}"
    );
    let virus = events
        .iter()
        .find(|e| e.detection == Detection::VirusMalware)
        .expect("virus");
    assert!(
        virus
            .reason
            .contains("the item was quarantined for another detection"),
        "{}",
        virus.reason
    );
}

/// Review finding: two findings on one file replace it once, and both
/// are logged as replaced (a second replacement used to find no file and
/// turn every finding into a refusal).
#[test]
fn one_file_with_two_findings_is_replaced_once() {
    let mut s = Service::default();
    let memo = b"see https://login.hikari-bank-secure.example/verify?id=1".to_vec();
    s.put(
        Application::Gmail,
        "g1",
        mail(
            ObjectKind::IncomingMail,
            USER,
            "memo",
            "",
            vec![attachment("memo.scr", memo)],
        ),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    policy.threat.file_blocking = Some(FileBlocking {
        types: Vec::new(),
        extensions: vec!["scr".into()],
        names: Vec::new(),
        suspicious_urls: false,
        action: Action::ReplacedWithText,
    });
    if let Some(web) = policy.threat.web_reputation.as_mut() {
        web.action = Action::ReplacedWithText;
    }
    let events = poll(policy, &mut s);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(
        events.iter().all(|e| e.action == Action::ReplacedWithText),
        "{events:#?}"
    );
    assert_eq!(s.remedies.len(), 1, "{:?}", s.remedies);
}

/// Review finding: two attachments of the same name; the detected one is
/// replaced, not the first.
#[test]
fn the_detected_one_of_two_same_named_attachments_is_replaced() {
    let mut s = Service::default();
    s.put(
        Application::Exchange,
        "m1",
        mail(
            ObjectKind::IncomingMail,
            USER,
            "two files",
            "",
            vec![
                attachment("a.com", b"clean".to_vec()),
                attachment("a.com", scenario_file("eicar.com")),
            ],
        ),
        ChangeKind::Created,
    );
    let mut policy = ScanPolicy::default();
    policy.threat.virus_action = Action::ReplacedWithFile;
    poll(policy, &mut s);
    match &s.remedies[..] {
        [(_, _, Remedy::Replace { index, file, .. })] => {
            assert_eq!((*index, file.as_str()), (1, "a.com"))
        }
        other => panic!("{other:?}"),
    }
}
