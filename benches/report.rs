//! Reports and top-N queries at volume.
//!
//! - `report/month-1M`: the monthly report (model, Markdown, HTML) of a month
//!   whose store holds 1,000,000 detections (target: under 2 s).
//! - `top-n/62-days-10M`: the top 10 hosts over 62 days of 10,000,000
//!   detections, from the statistics (target: under 200 ms).
//! - `store/record-100k`: 100,000 detections recorded in one batch into an
//!   empty WAL store (the statistics tables included); a per-row
//!   transaction would take minutes.
//!
//! The stores are filled once per run (files in the temp directory, 100,000
//! events per transaction); the time that takes, and the same top-N read from
//! the raw rows for comparison, are printed, not measured by criterion.

mod common;

use appliance::reason::{Band, Reason};
use appliance::{AccessRecord, Action, Engine, Event, Instant};
use chrono::NaiveDate;
use cloud::report::{Lang, Month, MonthlyReport, OfficeInfo, html, markdown};
use cloud::store::stats::day_start;
use cloud::store::{Dimension, LogStore, Paging, SqliteStore, StatsFilter};
use common::Rng;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

const BATCH: usize = 100_000;

const THREATS: [&str; 6] = [
    "CnC.Win32.Generic",
    "TROJ_EMOTET.SM",
    "HTML_PHISH.A",
    "Exploit.CVE-2017-0144",
    "Mal_Downloader-1",
    "PUA.Adware",
];
const CATEGORIES: [&str; 6] = [
    "動画配信",
    "ギャンブル",
    "アダルト",
    "SNS",
    "ゲーム",
    "ショッピング",
];

fn threat(name: &str) -> Reason {
    Reason::Threat { name: name.into() }
}

/// One detection with a realistic mix: most are web reputation, a few are
/// C&C, IPS, anti-malware or URL filtering with a category and a rule.
fn event(rng: &mut Rng, start: Instant, span_secs: u64) -> Event {
    let time = start + Duration::from_secs(rng.below(span_secs));
    let host = 2 + rng.below(200) as u8;
    let (engine, reasons) = match rng.below(100) {
        0..=59 => (
            Engine::WebReputation,
            vec![
                Reason::WebReputation,
                Reason::ReputationScore {
                    score: 20,
                    band: Band::Dangerous,
                },
            ],
        ),
        60..=69 => (
            Engine::Cnc,
            vec![Reason::CncList, threat(THREATS[rng.below(2) as usize])],
        ),
        70..=79 => (Engine::Ips, vec![threat(THREATS[3])]),
        80..=84 => (
            Engine::AntiMalware,
            vec![threat(THREATS[4 + rng.below(2) as usize])],
        ),
        _ => (
            Engine::UrlFilter,
            vec![
                Reason::Category {
                    name: CATEGORIES[rng.below(6) as usize].to_string(),
                    ja: None,
                },
                Reason::PolicyRule {
                    name: "業務時間帯".into(),
                },
            ],
        ),
    };
    Event {
        time,
        engine,
        action: Action::Block,
        src_ip: Ipv4Addr::new(192, 168, 1, host),
        src_mac: format!("02:00:00:00:01:{host:02x}"),
        dst_ip: Ipv4Addr::new(203, 0, 113, rng.below(250) as u8),
        dst_port: 80,
        host: Some("bad.example".into()),
        url: Some("http://bad.example/x".into()),
        reasons,
    }
}

fn temp_store(tag: &str) -> (SqliteStore, PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "officetwin-bench-{tag}-{}.sqlite",
        std::process::id()
    ));
    remove(&path);
    match SqliteStore::open(&path) {
        Ok(s) => (s, path),
        Err(e) => panic!("{e}"),
    }
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Fills `store` with `n` detections spread over `days` days from `first`.
fn fill(store: &mut SqliteStore, n: usize, first: NaiveDate, days: u64, seed: u64) {
    let mut rng = Rng(seed);
    let start = day_start(first);
    let wall = std::time::Instant::now();
    let mut left = n;
    while left > 0 {
        let k = left.min(BATCH);
        let batch: Vec<Event> = (0..k)
            .map(|_| event(&mut rng, start, days * 86_400))
            .collect();
        if let Err(e) = store.record(&batch) {
            panic!("{e}");
        }
        left -= k;
    }
    let access: Vec<AccessRecord> = (0..BATCH)
        .map(|i| AccessRecord {
            time: start + Duration::from_secs(rng.below(days * 86_400)),
            src_ip: Ipv4Addr::new(192, 168, 1, 2 + (i % 200) as u8),
            host: Some(format!("site{}.example", rng.below(500))),
            category: Some(CATEGORIES[rng.below(6) as usize].to_string()),
            bytes: 400 + rng.below(800),
        })
        .collect();
    if let Err(e) = store.record_access(&access) {
        panic!("{e}");
    }
    if let Err(e) = store.record_uptime(start, start + Duration::from_secs(days * 86_400), true) {
        panic!("{e}");
    }
    eprintln!(
        "filled {n} events over {days} days in {:.1?} ({:.0} events/s)",
        wall.elapsed(),
        n as f64 / wall.elapsed().as_secs_f64()
    );
}

fn september() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 9, 1).unwrap_or_default()
}

fn report_month(c: &mut Criterion) {
    let (mut store, path) = temp_store("month");
    fill(&mut store, 1_000_000, september(), 30, 0x5eed_0001);
    let office = OfficeInfo {
        name: "印刷会社".into(),
        gateway: "CloudEdge50-bench".into(),
        admin_mail: "admin@print-shop.example".into(),
        hosts: Default::default(),
    };
    let month = match Month::parse("2017-09") {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("month-1M", |b| {
        b.iter(|| {
            let report = MonthlyReport::build(&store, &office, month);
            let md = markdown::render(&report, Lang::Ja);
            let page = html::render(&report, Lang::Ja);
            black_box((report.summary.total_detections, md.len(), page.len()))
        })
    });
    group.finish();
    drop(store);
    remove(&path);
}

fn top_n(c: &mut Criterion) {
    let (mut store, path) = temp_store("62d");
    let first = NaiveDate::from_ymd_opt(2017, 8, 1).unwrap_or_default();
    fill(&mut store, 10_000_000, first, 62, 0x5eed_0002);
    let filter = StatsFilter {
        from: Some(first),
        until: first.checked_add_days(chrono::Days::new(62)),
        ..StatsFilter::default()
    };
    let wall = std::time::Instant::now();
    let raw = store.counts_by_engine_and_host(&Default::default());
    eprintln!(
        "for comparison, the same counts from the 10M raw rows: {:.1?} ({} rows)",
        wall.elapsed(),
        raw.map(|r| r.len()).unwrap_or(0)
    );
    let mut group = c.benchmark_group("top-n");
    group.sample_size(20);
    group.bench_function("62-days-10M", |b| {
        b.iter(
            || match store.top(Dimension::SrcIp, &filter, Paging::first(10)) {
                Ok(page) => black_box(page.total_count),
                Err(e) => panic!("{e}"),
            },
        )
    });
    group.finish();
    drop(store);
    remove(&path);
}

fn record_batch(c: &mut Criterion) {
    let mut rng = Rng(0x5eed_0003);
    let start = day_start(september());
    let events: Vec<Event> = (0..BATCH)
        .map(|_| event(&mut rng, start, 30 * 86_400))
        .collect();
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(BATCH as u64));
    group.bench_function("record-100k", |b| {
        b.iter_batched(
            || temp_store("record"),
            |(mut store, path)| {
                if let Err(e) = store.record(&events) {
                    panic!("{e}");
                }
                drop(store);
                remove(&path);
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, report_month, top_n, record_batch);
criterion_main!(benches);
