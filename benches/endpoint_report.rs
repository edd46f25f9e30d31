//! The endpoint option's store and monthly report at an office's volume
//! (issue 18: agent events per second for an office of 30 PCs over a month;
//! the report of such a month in under 2 s).
//!
//! - `endpoint/record-month-30pcs`: a month of 30 PCs' detections (the
//!   realistic mix below, about 2,900 events) recorded as the service
//!   records them: one `record` per 10-minute slice with the events of the
//!   slice, and every agent's status written each slice (4,320 slices);
//!   throughput in events.
//! - `endpoint/record-batch-100k`: 100,000 detections in one batch (the
//!   store's raw insert rate).
//! - `endpoint/report-month-30pcs`: the month's report built from the store
//!   and rendered as Markdown, HTML and JSON (target: under 2 s).
//! - `endpoint/report-month-heavy`: the same for a month of 100 times the
//!   detections (an office under attack: 290,000 events).
//!
//! Counts per PC and month (a realistic mix, from the seed's example report
//! and the gateway's own monthly reports): web reputation 25, URL filter 50,
//! virus/malware 3, spyware/grayware 1, behaviour monitoring 2, network
//! virus 15, EDR suspicious activity 1; times spread over office hours.

mod common;

use appliance::Instant;
use chrono::NaiveDate;
use cloud::endpoint::{
    Action, AgentStatus, DeviceKind, EdrStatus, EndpointEvent, EndpointReport, EndpointStore,
    Feature, Licence, Product, Protections, ScanKind, html, markdown,
};
use cloud::report::{Lang, Month, OfficeInfo};
use cloud::store::stats::day_start;
use common::Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const PCS: usize = 30;
const SLICE: u64 = 600;

/// (feature, detections per PC per month, names, actions).
const MIX: [(Feature, usize, &[&str], &[Action]); 7] = [
    (
        Feature::WebReputation,
        25,
        &["phishing", "malicious-site", "fraud"],
        &[Action::Blocked],
    ),
    (
        Feature::UrlFilter,
        50,
        &["Games", "Gambling", "Streaming Media", "Social Networking"],
        &[Action::Blocked],
    ),
    (
        Feature::VirusMalware,
        3,
        &["TROJ_EMOTET.SM", "WORM_DOWNAD.AD", "Eicar_test_file"],
        &[Action::Quarantined, Action::Deleted, Action::Cleaned],
    ),
    (
        Feature::SpywareGrayware,
        1,
        &["ADW_TOOLBAR", "TSPY_KEYLOG"],
        &[Action::Cleaned, Action::RestartRequired],
    ),
    (
        Feature::BehaviourMonitoring,
        2,
        &["powershell.exe", "wscript.exe"],
        &[Action::Blocked],
    ),
    (
        Feature::NetworkVirus,
        15,
        &["WORM_DOWNAD.AD", "CVE-2017-0144"],
        &[Action::Blocked],
    ),
    (
        Feature::SuspiciousActivity,
        1,
        &["ransomware-behaviour"],
        &[Action::Isolated],
    ),
];

fn month() -> Month {
    Month::parse("2017-09").expect("a month")
}

fn name(pc: usize) -> String {
    format!("PC-{pc:02}")
}

/// The month's events, time-ordered; `scale` multiplies the mix.
fn events(scale: usize) -> Vec<EndpointEvent> {
    let mut rng = Rng(0x5eed_0002);
    let start = day_start(month().first_day());
    let mut out = Vec::new();
    for pc in 0..PCS {
        for (feature, per_month, names, actions) in MIX {
            for _ in 0..per_month * scale {
                let day = rng.below(30);
                let second = 9 * 3600 + rng.below(9 * 3600);
                let threat = names[rng.below(names.len() as u64) as usize];
                out.push(EndpointEvent {
                    at: start + Duration::from_secs(day * 86_400 + second),
                    endpoint: name(pc),
                    device: if pc == 0 {
                        DeviceKind::Server
                    } else {
                        DeviceKind::Desktop
                    },
                    feature,
                    threat: threat.to_string(),
                    object: format!("C:\\Users\\user{pc}\\Downloads\\{threat}.exe"),
                    scan: matches!(feature, Feature::VirusMalware | Feature::SpywareGrayware)
                        .then_some(ScanKind::RealTime),
                    action: actions[rng.below(actions.len() as u64) as usize],
                    reason: format!("{threat} matched pattern 13.605.00"),
                    status: (feature == Feature::SuspiciousActivity).then_some(EdrStatus::New),
                });
            }
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

fn statuses(now: Instant) -> Vec<AgentStatus> {
    (0..PCS)
        .map(|pc| AgentStatus {
            endpoint: name(pc),
            device: DeviceKind::Desktop,
            os: if pc == 7 { "Windows XP" } else { "Windows 10" }.into(),
            os_supported: pc != 7,
            program: "Apex One 14.0".into(),
            pattern_version: "13.605.00".into(),
            pattern_date: NaiveDate::from_ymd_opt(2017, 9, 1).unwrap_or_default(),
            up_to_date: pc != 7,
            last_contact: now,
            protections: Protections {
                real_time: true,
                behaviour: true,
                machine_learning: true,
                web_reputation: true,
                url_filter: true,
                edr: true,
            },
            isolated: false,
        })
        .collect()
}

/// Records `events` as the service does: one call per 10-minute slice.
fn record_month(events: &[EndpointEvent]) -> EndpointStore {
    let mut store = EndpointStore::in_memory().expect("in memory");
    let start = day_start(month().first_day());
    let slices = 30 * 86_400 / SLICE;
    let mut next = 0;
    for slice in 1..=slices {
        let now = start + Duration::from_secs(slice * SLICE);
        let end = events[next..].partition_point(|e| e.at < now) + next;
        store.record(&events[next..end]).expect("recorded");
        store
            .record_statuses(cloud::store::stats::jst_day(now), &statuses(now))
            .expect("statuses");
        next = end;
    }
    store
}

fn report(store: &EndpointStore) -> usize {
    let office = OfficeInfo {
        name: "Thirty PCs".into(),
        ..OfficeInfo::default()
    };
    let licence = Licence {
        product: Product::AntivirusEdr,
        seats: 35,
    };
    let r = EndpointReport::build(store, &office, &licence, month());
    let md = markdown::render(&r, Lang::Ja);
    let page = html::render(&r, Lang::Ja);
    let json = serde_json::to_string(&r).expect("json");
    md.len() + page.len() + json.len()
}

fn benches(c: &mut Criterion) {
    let month_events = events(1);
    let heavy_events = events(100);
    eprintln!(
        "endpoint bench: {} events in the 30-PC month, {} in the heavy one",
        month_events.len(),
        heavy_events.len()
    );
    let mut g = c.benchmark_group("endpoint");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(month_events.len() as u64));
    g.bench_function("record-month-30pcs", |b| {
        b.iter(|| black_box(record_month(&month_events)))
    });
    let batch: Vec<EndpointEvent> = heavy_events.iter().take(100_000).cloned().collect();
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("record-batch-100k", |b| {
        b.iter(|| {
            let mut store = EndpointStore::in_memory().expect("in memory");
            store.record(&batch).expect("recorded");
            black_box(store)
        })
    });
    let store = record_month(&month_events);
    g.throughput(Throughput::Elements(1));
    g.bench_function("report-month-30pcs", |b| {
        b.iter(|| black_box(report(&store)))
    });
    let heavy = record_month(&heavy_events);
    g.bench_function("report-month-heavy", |b| {
        b.iter(|| black_box(report(&heavy)))
    });
    g.finish();
}

criterion_group!(endpoint, benches);
criterion_main!(endpoint);
