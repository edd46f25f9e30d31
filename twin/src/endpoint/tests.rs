//! The agents alone: what they find, when, with which pattern, and what
//! they do about it; statuses as the management server sees them.

use super::*;
use crate::model::endpoint::{DiskFile, PatternRelease, Signature, ThreatSpec};
use crate::model::{HostSpec, Mac};
use cloud::endpoint::{Product, Protections};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const DAY: i64 = 86_400;
const T0: i64 = 1_506_000_000;

fn at(secs: i64) -> Instant {
    Instant::from_secs(T0 + secs)
}

fn host(name: &str, os: &str, kind: HostKind, n: u8) -> HostSpec {
    HostSpec {
        name: name.to_string(),
        ip: std::net::Ipv4Addr::new(192, 168, 1, 10 + n),
        mac: Mac([2, 0, 0, 0, 0, n]),
        os: os.to_string(),
        kind,
        user: None,
    }
}

fn office(agents: Vec<AgentSpec>) -> (Office, EndpointOption) {
    let option = EndpointOption {
        licence: Licence {
            product: Product::AntivirusEdr,
            seats: 10,
        },
        program: "Apex One 14.0".to_string(),
        agents,
    };
    let office = Office {
        id: "test".into(),
        title: "test".into(),
        lan: std::net::Ipv4Addr::new(192, 168, 1, 0),
        lan_prefix: 24,
        router_ip: std::net::Ipv4Addr::new(192, 168, 1, 1),
        router_mac: Mac([2, 0, 0, 0, 0, 1]),
        dns_server: std::net::Ipv4Addr::new(198, 51, 100, 53),
        gateway_name: "gw".into(),
        branch_gateways: Vec::new(),
        admin_mail: "admin@example.com".into(),
        hosts: vec![
            host("PC-XP", "Windows XP", HostKind::Pc, 1),
            host("PC-01", "Windows 10", HostKind::Pc, 2),
            host("FS-01", "Windows Server 2012 R2", HostKind::Server, 3),
        ],
        endpoint: Some(option.clone()),
    };
    (office, option)
}

fn agent(host: &str) -> AgentSpec {
    AgentSpec {
        host: host.to_string(),
        updates_until: None,
        protections: Protections {
            real_time: true,
            behaviour: true,
            machine_learning: true,
            web_reputation: true,
            url_filter: true,
            edr: true,
        },
        offline_since: None,
        scheduled_scan: None,
        file_action: FileAction::Quarantine,
    }
}

const BEACON: &[u8] = b"MZ officetwin harmless test program: plays a C&C beacon";
const TOOLBAR: &[u8] = b"officetwin harmless test program: plays a search toolbar";

fn patterns() -> Vec<PatternRelease> {
    vec![
        PatternRelease {
            version: "13.100.00".into(),
            released: at(-100 * DAY),
            threats: vec![ThreatSpec {
                name: "BKDR_TESTBEACON.A".into(),
                kind: ThreatKind::Malware,
                signature: Signature::Sha256(Sha256::digest(BEACON).into()),
                cleanable: false,
            }],
        },
        PatternRelease {
            version: "13.200.00".into(),
            released: at(DAY),
            threats: vec![ThreatSpec {
                name: "ADW_TESTBAR".into(),
                kind: ThreatKind::Grayware,
                signature: Signature::Contains(b"search toolbar".to_vec()),
                cleanable: false,
            }],
        },
    ]
}

fn plugged(_: &str) -> Link {
    Link {
        plugged: true,
        unplugged_at: None,
    }
}

fn twin(agents: Vec<AgentSpec>, plan: EndpointPlan) -> EndpointTwin {
    let (office, option) = office(agents);
    EndpointTwin::new(&option, &plan, &office)
}

fn on_disk(host: &str, path: &str, bytes: &[u8], running: bool) -> DiskFile {
    DiskFile {
        host: host.into(),
        path: path.into(),
        bytes: Arc::new(bytes.to_vec()),
        running,
        written: at(-DAY),
    }
}

#[test]
fn a_full_scan_with_an_old_pattern_finds_what_the_old_pattern_knows() {
    let mut xp = agent("PC-XP");
    xp.updates_until = Some(at(-50 * DAY));
    xp.protections.real_time = false;
    let plan = EndpointPlan {
        offline: Vec::new(),
        patterns: patterns(),
        files: vec![
            on_disk("PC-XP", r"C:\WINDOWS\Temp\svch0st.exe", BEACON, true),
            on_disk("PC-XP", r"C:\Program Files\Bar\bar.exe", TOOLBAR, true),
        ],
        entries: vec![EndpointEntry {
            at: at(2 * DAY),
            action: EndpointAction::FullScan {
                host: "PC-XP".into(),
            },
            note: None,
        }],
    };
    let mut endpoint = twin(vec![xp], plan);
    let fired = endpoint.fire(EndpointDue::Entry(0), at(2 * DAY), &plugged);
    let events = endpoint.drain_events();
    // The toolbar's entry came in 13.200.00, which the XP agent never got.
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].threat, "BKDR_TESTBEACON.A");
    assert_eq!(events[0].action, Action::Quarantined);
    assert_eq!(events[0].scan, Some(ScanKind::Manual));
    assert!(
        events[0].reason.contains("pattern 13.100.00"),
        "{}",
        events[0].reason
    );
    assert_eq!(
        fired.stopped,
        vec![(
            "PC-XP".to_string(),
            r"C:\WINDOWS\Temp\svch0st.exe".to_string()
        )]
    );
    let statuses = endpoint.statuses(at(2 * DAY), &plugged);
    assert!(!statuses[0].up_to_date);
    assert!(!statuses[0].os_supported);
    assert_eq!(statuses[0].pattern_version, "13.100.00");
    assert!(!statuses[0].protections.real_time);
}

#[test]
fn running_grayware_found_by_a_newer_pattern_needs_a_restart() {
    let plan = EndpointPlan {
        offline: Vec::new(),
        patterns: patterns(),
        files: vec![on_disk(
            "PC-01",
            r"C:\Program Files\Bar\bar.exe",
            TOOLBAR,
            true,
        )],
        entries: Vec::new(),
    };
    let mut scheduled = agent("PC-01");
    scheduled.scheduled_scan = Some((12, 30));
    let mut endpoint = twin(vec![scheduled], plan);
    let wakes = endpoint.first_wakes(at(0));
    assert_eq!(wakes.len(), 1);
    let (first, due) = wakes[0];
    assert!(first >= at(0) && first < at(DAY));
    assert_eq!(first.to_jst().format("%H:%M").to_string(), "12:30");
    // Before 13.200.00 the toolbar is unknown; the day after, it is found.
    let fired = endpoint.fire(due, first, &plugged);
    assert!(endpoint.drain_events().is_empty());
    let (next, due) = fired.schedule[0];
    assert_eq!(next, first + Duration::from_secs(86_400));
    endpoint.fire(due, next, &plugged);
    let events = endpoint.drain_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].feature, Feature::SpywareGrayware);
    assert_eq!(events[0].action, Action::RestartRequired);
    assert_eq!(events[0].scan, Some(ScanKind::Scheduled));
}

#[test]
fn a_written_file_is_caught_on_write_by_pattern_or_machine_learning() {
    let plan = EndpointPlan {
        offline: Vec::new(),
        patterns: patterns(),
        files: Vec::new(),
        entries: vec![
            EndpointEntry {
                at: at(10),
                action: EndpointAction::Write {
                    host: "PC-01".into(),
                    path: r"E:\beacon.exe".into(),
                    bytes: Arc::new(BEACON.to_vec()),
                    via: Via::Usb,
                },
                note: None,
            },
            EndpointEntry {
                at: at(20),
                action: EndpointAction::Write {
                    host: "PC-01".into(),
                    path: r"E:\請求書.pdf.exe".into(),
                    bytes: Arc::new(b"MZ unknown to every pattern".to_vec()),
                    via: Via::Usb,
                },
                note: None,
            },
        ],
    };
    let mut endpoint = twin(vec![agent("PC-01")], plan);
    endpoint.fire(EndpointDue::Entry(0), at(10), &plugged);
    endpoint.fire(EndpointDue::Entry(1), at(20), &plugged);
    let events = endpoint.drain_events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].scan, Some(ScanKind::RealTime));
    assert_eq!(events[1].scan, Some(ScanKind::MachineLearning));
    assert_eq!(events[1].action, Action::Quarantined);
    let disk = endpoint.disk("PC-01").expect("agent");
    assert!(disk.iter().all(|f| f.state == FileState::Quarantined));
}

#[test]
fn the_file_action_policy_decides_what_happens_to_an_uncleanable_file() {
    for (policy, action, state) in [
        (
            FileAction::Quarantine,
            Action::Quarantined,
            FileState::Quarantined,
        ),
        (FileAction::Delete, Action::Deleted, FileState::Deleted),
        (
            FileAction::Rename,
            Action::Renamed,
            FileState::Renamed(r"E:\b.exe.vir".into()),
        ),
        (FileAction::Pass, Action::Passed, FileState::Present),
    ] {
        let mut spec = agent("PC-01");
        spec.file_action = policy;
        let plan = EndpointPlan {
            offline: Vec::new(),
            patterns: patterns(),
            files: Vec::new(),
            entries: vec![EndpointEntry {
                at: at(10),
                action: EndpointAction::Write {
                    host: "PC-01".into(),
                    path: r"E:\b.exe".into(),
                    bytes: Arc::new(BEACON.to_vec()),
                    via: Via::Share,
                },
                note: None,
            }],
        };
        let mut endpoint = twin(vec![spec], plan);
        endpoint.fire(EndpointDue::Entry(0), at(10), &plugged);
        assert_eq!(endpoint.drain_events()[0].action, action);
        assert_eq!(endpoint.disk("PC-01").expect("agent")[0].state, state);
    }
}

fn ransomware(spec: AgentSpec) -> (EndpointTwin, Vec<Fired>) {
    let plan = EndpointPlan {
        offline: Vec::new(),
        patterns: patterns(),
        files: Vec::new(),
        entries: vec![EndpointEntry {
            at: at(100),
            action: EndpointAction::Run {
                host: "PC-01".into(),
                path: r"C:\Users\a\invoice.exe".into(),
                bytes: Some(Arc::new(b"officetwin harmless test program".to_vec())),
                activities: vec![Activity::Encrypt {
                    files: 240,
                    within: Duration::from_secs(120),
                    extension: ".locked".into(),
                }],
            },
            note: None,
        }],
    };
    let mut endpoint = twin(vec![spec], plan);
    let mut agenda = vec![(at(100), EndpointDue::Entry(0))];
    let mut all = Vec::new();
    while let Some((when, due)) = agenda.pop() {
        let fired = endpoint.fire(due, when, &plugged);
        agenda.extend(fired.schedule.iter().copied());
        all.push(fired);
    }
    (endpoint, all)
}

#[test]
fn ransomware_is_stopped_by_behaviour_monitoring_and_isolated_by_edr() {
    let (endpoint, fired) = ransomware(agent("PC-01"));
    // 240 files in 120 s is one every 0.5 s: 20 within 60 s at the 20th.
    assert_eq!(endpoint.encrypted("PC-01"), 20);
    let events = endpoint.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].feature, Feature::BehaviourMonitoring);
    assert_eq!(events[0].action, Action::Blocked);
    assert_eq!(events[1].feature, Feature::SuspiciousActivity);
    assert_eq!(events[1].action, Action::Isolated);
    assert_eq!(events[1].status, Some(EdrStatus::InProgress));
    assert!(endpoint.edr_isolated("PC-01"));
    let isolated: Vec<&String> = fired.iter().flat_map(|f| &f.isolate).collect();
    assert_eq!(isolated, ["PC-01"]);
}

#[test]
fn without_behaviour_monitoring_edr_isolates_but_the_program_runs_on() {
    let mut spec = agent("PC-01");
    spec.protections.behaviour = false;
    let (endpoint, _) = ransomware(spec);
    assert_eq!(endpoint.encrypted("PC-01"), 240);
    let events = endpoint.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].action, Action::Isolated);
}

#[test]
fn without_either_nothing_sees_it() {
    let mut spec = agent("PC-01");
    spec.protections.behaviour = false;
    spec.protections.edr = false;
    let (endpoint, _) = ransomware(spec);
    assert_eq!(endpoint.encrypted("PC-01"), 240);
    assert!(endpoint.events().is_empty());
}

#[test]
fn an_unplugged_or_absent_agent_stops_contacting_and_updating() {
    let mut away = agent("FS-01");
    away.offline_since = Some(at(-20 * DAY));
    let plan = EndpointPlan {
        offline: Vec::new(),
        patterns: patterns(),
        ..EndpointPlan::default()
    };
    let endpoint = twin(vec![agent("PC-01"), away], plan);
    let unplugged = |host: &str| Link {
        plugged: host != "PC-01",
        unplugged_at: (host == "PC-01").then(|| at(DAY / 2)),
    };
    let statuses = endpoint.statuses(at(2 * DAY), &unplugged);
    // PC-01 was unplugged before 13.200.00 came out.
    assert_eq!(statuses[0].last_contact, at(DAY / 2));
    assert_eq!(statuses[0].pattern_version, "13.100.00");
    assert!(!statuses[0].up_to_date);
    assert!(statuses[1].offline_at(at(2 * DAY)));
    assert_eq!(statuses[1].device, DeviceKind::Server);
    let plugged_in = endpoint.statuses(at(2 * DAY), &plugged);
    assert!(plugged_in[0].up_to_date);
}

#[test]
fn scheduled_times_are_the_next_jst_clock_time() {
    // 2017-09-26 00:00 JST is 2017-09-25 15:00 UTC.
    let midnight = Instant::from_secs(1_506_351_600);
    assert_eq!(next_time_of_day(midnight, 0, 0), midnight);
    assert_eq!(
        next_time_of_day(midnight + Duration::from_secs(1), 0, 0),
        midnight + Duration::from_secs(86_400)
    );
    assert_eq!(
        next_time_of_day(midnight, 12, 30),
        midnight + Duration::from_secs(12 * 3600 + 1800)
    );
}
