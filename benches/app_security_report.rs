//! Cloud App Security's store and monthly report at volume (issue 19: the
//! report of a month with 100,000 events in under 2 s).
//!
//! - `app_security/record-month-100k`: a month of 100,000 detections
//!   recorded as the service records them: one `record` per 10-minute
//!   slice with the slice's detections (4,320 slices); throughput in
//!   detections.
//! - `app_security/record-batch-100k`: the same 100,000 in one batch (the
//!   store's raw insert rate).
//! - `app_security/report-month-100k`: the month's report built from the
//!   store and rendered as Markdown, HTML and JSON (target: under 2 s).
//! - `app_security/report-month-empty`: the report of a month without a
//!   detection (the fixed cost: ten applications, five sections).
//!
//! The month: an office of 60 mailboxes over the ten applications, the
//! functions in a mix weighted towards mail (web reputation 40%, virus 20%,
//! virtual analyzer 15%, data loss 15%, file blocking 10%), a few users
//! drawing most detections (a targeted wave), one in twenty detections
//! only logged.

mod common;

use cloud::app_security::{
    Action, AppSecurityEvent, AppSecurityReport, AppSecurityStore, Application, Detection,
    ObjectKind, RiskLevel, html, markdown,
};
use cloud::report::{Lang, Month, OfficeInfo};
use cloud::store::stats::day_start;
use common::Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const EVENTS: usize = 100_000;
const USERS: u64 = 60;
const SLICE: u64 = 600;

fn month() -> Month {
    Month::parse("2017-09").expect("a month")
}

/// The month's detections, time-ordered.
fn events(n: usize) -> Vec<AppSecurityEvent> {
    let mut rng = Rng(0x5eed_0003);
    let start = day_start(month().first_day());
    let mut out: Vec<AppSecurityEvent> = (0..n)
        .map(|_| {
            let detection = match rng.below(100) {
                0..40 => Detection::WebReputation,
                40..60 => Detection::VirusMalware,
                60..75 => Detection::VirtualAnalyzer,
                75..90 => Detection::DataLoss,
                _ => Detection::FileBlocking,
            };
            let application = Application::ALL[rng.below(10) as usize];
            // A few users draw most: the square of a uniform pick.
            let pick = rng.below(USERS);
            let user = format!("user{:02}@office.example", pick * pick / USERS);
            let object = match application {
                Application::Exchange | Application::Gmail => {
                    if detection == Detection::DataLoss {
                        ObjectKind::OutgoingMail
                    } else {
                        ObjectKind::IncomingMail
                    }
                }
                Application::Teams
                | Application::SalesforceProduction
                | Application::SalesforceSandbox => ObjectKind::Message,
                _ => ObjectKind::File,
            };
            let action = if rng.below(20) == 0 {
                Action::LoggedOnly
            } else {
                Action::ALL[rng.below(4) as usize]
            };
            AppSecurityEvent {
                at: start + Duration::from_secs(rng.below(30 * 86_400)),
                application,
                user,
                detection,
                object,
                name: format!("invoice-{}.docm", rng.below(1000)),
                threat: format!("TROJ_EMOTET.{}", rng.below(50)),
                risk: (detection == Detection::VirtualAnalyzer)
                    .then(|| RiskLevel::ALL[rng.below(5) as usize]),
                action,
                policy: "default".into(),
                reason: "pattern 17.000.00 matched".into(),
            }
        })
        .collect();
    out.sort_by_key(|e| e.at);
    out
}

/// Records `events` as the service does: one call per 10-minute slice.
fn record_month(events: &[AppSecurityEvent]) -> AppSecurityStore {
    let mut store = AppSecurityStore::in_memory().expect("in memory");
    let start = day_start(month().first_day());
    store.watch(month().first_day()).expect("watched");
    let slices = 30 * 86_400 / SLICE;
    let mut next = 0;
    for slice in 1..=slices {
        let now = start + Duration::from_secs(slice * SLICE);
        let end = events[next..].partition_point(|e| e.at < now) + next;
        store.record(&events[next..end]).expect("recorded");
        next = end;
    }
    store
}

fn report(store: &AppSecurityStore) -> usize {
    let office = OfficeInfo {
        name: "Sixty mailboxes".into(),
        ..OfficeInfo::default()
    };
    let r = AppSecurityReport::build(store, &office, month());
    let md = markdown::render(&r, Lang::Ja);
    let page = html::render(&r, Lang::Ja);
    let json = serde_json::to_string(&r).expect("json");
    md.len() + page.len() + json.len()
}

fn benches(c: &mut Criterion) {
    let month_events = events(EVENTS);
    let mut g = c.benchmark_group("app_security");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(month_events.len() as u64));
    g.bench_function("record-month-100k", |b| {
        b.iter(|| black_box(record_month(&month_events)))
    });
    g.bench_function("record-batch-100k", |b| {
        b.iter(|| {
            let mut store = AppSecurityStore::in_memory().expect("in memory");
            store.record(&month_events).expect("recorded");
            black_box(store)
        })
    });
    let store = record_month(&month_events);
    g.throughput(Throughput::Elements(1));
    g.bench_function("report-month-100k", |b| {
        b.iter(|| black_box(report(&store)))
    });
    let empty = AppSecurityStore::in_memory().expect("in memory");
    g.bench_function("report-month-empty", |b| {
        b.iter(|| black_box(report(&empty)))
    });
    g.finish();
}

criterion_group!(app_security, benches);
criterion_main!(app_security);
