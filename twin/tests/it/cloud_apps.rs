//! Cloud App Security over the twin's cloud services (seed 003), by class:
//! a threat in any service of its kind gets the policy's remedy in the
//! service's own state; a file's true type decides file blocking whatever
//! its name; a dangerous link anywhere in a text or a file is web
//! reputation's; My Number lists mailed out are only logged, shared ones
//! are taken away. The loader refuses a moment in the wrong kind of
//! service at its `file:line:col`. The same scenario gives the same log.

use cloud::app_security::scan::api::Sharing;
use cloud::app_security::scan::file_type::FileType;
use cloud::app_security::scan::policy::{DataLossPolicy, FileBlocking, Pattern};
use cloud::app_security::{Action, AppSecurityEvent, Application, Detection};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use twin::model::Scenario;
use twin::model::cloud_apps::{CloudAction, CloudEntry, NamedFile, ServiceKind, service_kind};
use twin::saas::Place;
use twin::{World, WorldOptions};

const MONTH: &str = "cloud-app-security-month";
const USER: &str = "suzuki@tax-office.example";

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scenario(id: &str) -> Scenario {
    twin::load::scenario_file(&scenarios_dir().join(format!("{id}.yaml"))).expect("scenario loads")
}

fn file(name: &str) -> NamedFile {
    let bytes = std::fs::read(scenarios_dir().join("files").join(name)).expect("test file");
    NamedFile {
        name: name.to_string(),
        bytes: Arc::new(bytes),
    }
}

/// The month scenario with only `entries` (an hour in) on its timeline,
/// every application connected.
fn with_moments(mut s: Scenario, moments: Vec<(Application, CloudAction)>) -> Scenario {
    let plan = s.cloud_apps.as_mut().expect("the month has cloud_apps");
    plan.policy.applications = Application::ALL.to_vec();
    plan.timeline = moments
        .into_iter()
        .enumerate()
        .map(|(i, (app, action))| CloudEntry {
            at: s.start + Duration::from_secs(3_600 + 60 * i as u64),
            app,
            action,
        })
        .collect();
    s.duration = Duration::from_secs(6 * 3_600);
    s
}

/// Runs the scenario to its end; the scan's log and the world.
fn run(s: &Scenario) -> (World, Vec<AppSecurityEvent>) {
    let mut world = World::new(s, WorldOptions { capture: false }).expect("world");
    world.run_until(world.end());
    let events = world.drain_app_security_events();
    (world, events)
}

/// A moment putting `f` into `app` the way that kind of service holds it.
fn put(app: Application, f: NamedFile, text: &str) -> CloudAction {
    match service_kind(app) {
        ServiceKind::Mail => CloudAction::Receive {
            to: USER.into(),
            from: "x@partner-kikaku.example".into(),
            subject: "test".into(),
            text: text.into(),
            files: vec![f],
        },
        ServiceKind::Storage => CloudAction::Upload {
            user: USER.into(),
            path: format!("/test/{}", f.name),
            file: f,
            sharing: Sharing::Private,
        },
        ServiceKind::Chat => CloudAction::Post {
            user: USER.into(),
            channel: "test".into(),
            text: if text.is_empty() {
                "see the file".into()
            } else {
                text.into()
            },
            files: vec![f],
        },
    }
}

fn app_strategy() -> impl Strategy<Value = Application> {
    prop::sample::select(Application::ALL.to_vec())
}

fn action_strategy() -> impl Strategy<Value = Action> {
    prop::sample::select(vec![
        Action::Quarantined,
        Action::Deleted,
        Action::ReplacedWithText,
        Action::ReplacedWithFile,
        Action::LoggedOnly,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Class of the Emotet-in-Exchange case: any known-bad file (EICAR,
    /// the macro document, the LNK in its zip, the OneNote notebook) in
    /// any of the ten services, under any virus action, is logged once,
    /// and the service's own state shows the remedy.
    #[test]
    fn a_threat_anywhere_gets_the_policys_remedy(
        app in app_strategy(),
        action in action_strategy(),
        which in 0usize..4,
    ) {
        let name = ["eicar.com", "seikyusho-2019-12.doc", "INV-2022-04.zip", "minutes-2023-03.one"][which];
        let mut s = with_moments(scenario(MONTH), vec![(app, put(app, file(name), ""))]);
        s.cloud_apps.as_mut().expect("plan").policy.threat.virus_action = action;
        let (world, events) = run(&s);
        prop_assert_eq!(events.len(), 1, "{:?}", events);
        prop_assert_eq!(events[0].detection, Detection::VirusMalware);
        prop_assert_eq!(events[0].action, action);
        let stored = &world.cloud_services().expect("services").items(app)[0];
        let (place, replaced) = match action {
            Action::Quarantined => (Place::Quarantined, false),
            Action::Deleted => (Place::Deleted, false),
            Action::ReplacedWithText | Action::ReplacedWithFile => (Place::InPlace, true),
            Action::LoggedOnly => (Place::InPlace, false),
        };
        prop_assert_eq!(stored.place, place);
        prop_assert_eq!(stored.replaced.contains(&name.to_string()), replaced);
        if replaced {
            prop_assert!(stored.item.files.iter().all(|f| f.name != name), "the threat is gone from the item");
        }
    }

    /// Class of the macro-workbook case: the true type decides, whatever
    /// the file is called (a renamed macro workbook is still one; a renamed
    /// program is still a program).
    #[test]
    fn file_blocking_reads_the_true_type_whatever_the_name(
        stem in "[a-z]{1,8}",
        ext in prop::sample::select(vec!["xlsm", "txt", "pdf", "jpg", "csv", ""]),
        program in any::<bool>(),
    ) {
        let source = if program { "wupdmgr32.exe" } else { "shukei-macro.xlsm" };
        let mut f = file(source);
        f.name = if ext.is_empty() { stem.clone() } else { format!("{stem}.{ext}") };
        let mut s = with_moments(scenario(MONTH), vec![(Application::Box, put(Application::Box, f, ""))]);
        s.cloud_apps.as_mut().expect("plan").policy.threat.file_blocking = Some(FileBlocking {
            types: vec![FileType::OfficeMacro, FileType::Executable],
            extensions: Vec::new(),
            names: Vec::new(),
            suspicious_urls: false,
            action: Action::Quarantined,
        });
        let (world, events) = run(&s);
        prop_assert_eq!(events.len(), 1, "{:?}", events);
        prop_assert_eq!(events[0].detection, Detection::FileBlocking);
        let expected = if program { "true file type executable" } else { "true file type office_macro" };
        prop_assert_eq!(&events[0].threat, expected);
        prop_assert_eq!(world.cloud_services().expect("services").items(Application::Box)[0].place, Place::Quarantined);
    }

    /// Class of the phishing-link case: the dangerous link in any text
    /// (a mail body, a chat message) or inside an attached text file, with
    /// any words around it and either scheme, is web reputation's.
    #[test]
    fn a_dangerous_link_anywhere_is_web_reputation(
        app in prop::sample::select(vec![Application::Exchange, Application::Gmail, Application::Teams]),
        before in "[ a-zA-Z0-9ぁ-ん、。]{0,20}",
        after in "[ a-zA-Z0-9ぁ-ん、。]{0,20}",
        https in any::<bool>(),
        in_file in any::<bool>(),
    ) {
        let scheme = if https { "https" } else { "http" };
        let link = format!("{scheme}://login.hikari-bank-secure.example/verify?id=1");
        let text = format!("{before} {link} {after}");
        let action = if in_file {
            let f = NamedFile { name: "memo.txt".into(), bytes: Arc::new(text.clone().into_bytes()) };
            put(app, f, "")
        } else {
            match put(app, file("mynumber-list.csv"), &text) {
                CloudAction::Receive { to, from, subject, text, .. } => CloudAction::Receive { to, from, subject, text, files: Vec::new() },
                CloudAction::Post { user, channel, text, .. } => CloudAction::Post { user, channel, text, files: Vec::new() },
                other => other,
            }
        };
        let s = with_moments(scenario(MONTH), vec![(app, action)]);
        let (world, events) = run(&s);
        let web: Vec<&AppSecurityEvent> = events.iter().filter(|e| e.detection == Detection::WebReputation).collect();
        prop_assert_eq!(web.len(), 1, "{:?}", events);
        prop_assert_eq!(&web[0].threat, &link);
        prop_assert_eq!(world.cloud_services().expect("services").items(app)[0].place, Place::Quarantined);
    }
}

/// Class of the My Number case: a list mailed out from either mail
/// service is logged, never taken back; the same list in any storage
/// service is left alone while private and taken away once shared with
/// anyone with the link.
#[test]
fn my_number_lists_are_logged_when_sent_and_taken_away_when_shared() {
    for app in Application::ALL.iter().copied() {
        let list = file("mynumber-list.csv");
        let mut moments = Vec::new();
        match service_kind(app) {
            ServiceKind::Mail => moments.push((
                app,
                CloudAction::Send {
                    from: USER.into(),
                    to: vec!["keiri@client-shouji.example".into()],
                    subject: "一覧".into(),
                    text: String::new(),
                    files: vec![list],
                },
            )),
            ServiceKind::Storage => {
                moments.push((app, put(app, list, "")));
                moments.push((
                    app,
                    CloudAction::Share {
                        user: USER.into(),
                        path: "/test/mynumber-list.csv".into(),
                        sharing: Sharing::Public,
                    },
                ));
            }
            ServiceKind::Chat => continue,
        }
        let mut s = with_moments(scenario(MONTH), moments);
        s.cloud_apps.as_mut().expect("plan").policy.data_loss = vec![DataLossPolicy {
            name: "My Number".into(),
            patterns: vec![Pattern::MyNumber],
            min_matches: 5,
            applications: Vec::new(),
            shared_only: service_kind(app) == ServiceKind::Storage,
            action: Action::Quarantined,
        }];
        let (world, events) = run(&s);
        assert_eq!(events.len(), 1, "{app:?}: {events:?}");
        assert_eq!(events[0].threat, "My Number x20", "{app:?}");
        let stored = &world.cloud_services().expect("services").items(app)[0];
        match service_kind(app) {
            ServiceKind::Mail => {
                assert_eq!(events[0].action, Action::LoggedOnly, "{app:?}");
                assert_eq!(
                    stored.place,
                    Place::InPlace,
                    "a sent mail is never taken back"
                );
            }
            _ => {
                assert_eq!(events[0].action, Action::Quarantined, "{app:?}");
                assert_eq!(stored.place, Place::Quarantined, "{app:?}");
            }
        }
    }
}

/// The month twice: the same log, byte for byte (the twin is seeded; the
/// scan reads no clock of its own).
#[test]
fn the_month_gives_the_same_log_every_run() {
    let s = scenario(MONTH);
    let (_, first) = run(&s);
    let (_, second) = run(&s);
    assert_eq!(first.len(), 9);
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
}

/// The scan reads the feeds at each change (the services' notifications),
/// so every detection is stamped with the moment that caused it, however
/// the run is sliced.
#[test]
fn the_scan_runs_at_the_moment_of_each_change() {
    let s = scenario(MONTH);
    let (_, events) = run(&s);
    let plan = s.cloud_apps.as_ref().expect("plan");
    for e in &events {
        assert!(
            plan.timeline.iter().any(|m| m.at == e.at),
            "detection at {} is at no moment of the timeline",
            e.at
        );
    }
}

#[test]
fn a_moment_in_the_wrong_kind_of_service_is_refused_where_it_is_written() {
    let path = scenarios_dir().join(format!("{MONTH}.yaml"));
    let text = std::fs::read_to_string(&path).expect("yaml");
    let bad = text.replacen(
        "      upload:\n        app: box",
        "      upload:\n        app: gmail",
        1,
    );
    assert_ne!(bad, text);
    let line = bad
        .lines()
        .position(|l| l == "        app: gmail")
        .expect("edited line")
        + 1;
    let catalog = twin::catalog::Catalog::from_dir(scenarios_dir()).expect("catalog");
    let files = |name: &str| {
        std::fs::read(scenarios_dir().join(name))
            .ok()
            .map(|bytes| Ok((name.to_string(), bytes)))
    };
    let err = twin::load::scenario_from_str_with_files(
        "scenarios/cloud-app-security-month.yaml",
        &bad,
        |id| catalog.office(id).ok().map(Ok),
        &files,
    )
    .expect_err("refused");
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!(
            "scenarios/cloud-app-security-month.yaml:{line}:14: "
        )),
        "{shown}"
    );
    assert!(shown.contains("cannot `upload`"), "{shown}");
}
