//! URL decisions per second on one core: the web pipeline (allow list,
//! block list, one intel lookup for score and category, reputation, rules)
//! against an intel table of 1,000,000 URLs and lists of 100,000 entries.
//! Criterion reports the throughput in decisions/s (elements/s). A second
//! run adds what the gateway does for the requests it logs: the detection's
//! texts.

use appliance::Instant;
use appliance::inspect::web::{self, WebRequest};
use appliance::intel::{FrozenIntel, WebRating};
use appliance::policy::{RawPolicy, RawRule, RawUrlFiltering, UrlCategories, validate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::Ipv4Addr;

const INTEL_URLS: usize = 1_000_000;
const LIST_ENTRIES: usize = 100_000;
const BATCH: usize = 10_000;

/// SplitMix64: a fixed, seeded stream, so every run measures the same data.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn host(n: u64) -> String {
    format!("www.site{n}.example")
}

fn url_decisions(c: &mut Criterion) {
    let table = UrlCategories::builtin();
    let names: Vec<String> = table.all().iter().map(|c| c.name.clone()).collect();
    let mut rng = Mix(2026);
    let mut intel = FrozenIntel::default();
    // Half hosts, half pages below them.
    for i in 0..INTEL_URLS as u64 {
        let key = if i % 2 == 0 {
            host(i / 2)
        } else {
            format!("{}/section{}/", host(i / 2), i % 7)
        };
        let r = rng.next();
        let rating = WebRating {
            score: (r % 101) as u8,
            category: names[(r >> 8) as usize % names.len()].as_str().into(),
        };
        if let Err(e) = intel.web.insert(key, rating) {
            panic!("{e}");
        }
    }
    // Lists as offices write them: 40% exact hosts, 40% `*.domain`, 15%
    // path prefixes `host/path/*`, 5% other wildcards (`*word*`).
    let entry = |i: usize| match i % 20 {
        0..=7 => format!("www.listed{i}.example"),
        8..=15 => format!("*.zone{i}.example"),
        16..=18 => format!("cdn{i}.example/assets/*"),
        _ => format!("*token{i}*"),
    };
    let raw = RawPolicy {
        allow_list: (0..LIST_ENTRIES / 2).map(entry).collect(),
        block_list: (LIST_ENTRIES / 2..LIST_ENTRIES).map(entry).collect(),
        url_filtering: Some(RawUrlFiltering {
            enabled: Some(true),
            rules: vec![
                RawRule {
                    name: "業務時間帯の動画禁止".into(),
                    categories: vec!["Streaming Media".into(), "Adult".into()],
                    schedule: Some("business hours".into()),
                    action: "block".into(),
                    ..RawRule::default()
                },
                RawRule {
                    name: "P2P".into(),
                    categories: vec!["Peer-to-Peer".into()],
                    applications: vec!["BitTorrent".into()],
                    action: "block".into(),
                    ..RawRule::default()
                },
            ],
        }),
        ..RawPolicy::default()
    };
    let policy = match validate(&raw, table) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    // Requests: rated hosts and pages, list hits, unknown sites.
    let requests: Vec<(String, String, String)> = (0..BATCH)
        .map(|i| {
            let r = rng.next();
            let (h, p) = match i % 5 {
                0 => (host(r % (INTEL_URLS as u64 / 2)), "/".to_string()),
                1 => (
                    host(r % (INTEL_URLS as u64 / 2)),
                    format!("/section{}/page{}.html?id={r}", r % 7, r % 100),
                ),
                2 => (
                    format!(
                        "www.listed{}.example",
                        (r as usize % (LIST_ENTRIES / 20)) * 20
                    ),
                    "/".into(),
                ),
                3 => (
                    format!(
                        "a.zone{}.example",
                        (r as usize % (LIST_ENTRIES / 20)) * 20 + 8
                    ),
                    "/x".into(),
                ),
                _ => (format!("unknown{r}.example"), "/index.html".into()),
            };
            let url = format!("http://{h}{p}");
            (h, p, url)
        })
        .collect();
    // Friday 10:00 JST: the schedule is active.
    let now = Instant::from_secs(1_763_600_400);
    // A request from the office PC at 192.168.1.12.
    let request = |host, path, url| WebRequest {
        now,
        src_ip: Ipv4Addr::new(192, 168, 1, 12),
        src_mac: [2, 0, 0, 0, 0, 1],
        host,
        path: Some(path),
        url,
    };
    let mut group = c.benchmark_group("url_decisions");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("1M intel URLs, 100k list entries", |b| {
        b.iter(|| {
            let mut blocked = 0usize;
            for (h, p, url) in &requests {
                let req = request(h, p, url);
                let d = web::inspect(&req, &policy, &intel);
                blocked += usize::from(d.blocks());
            }
            black_box(blocked)
        })
    });
    // What the gateway does on top for the requests it logs: the
    // detection's texts (reasons, threat, host, URL).
    group.bench_function("with log records for findings", |b| {
        b.iter(|| {
            let mut logged = 0usize;
            for (h, p, url) in &requests {
                let req = request(h, p, url);
                let d = web::inspect(&req, &policy, &intel);
                logged += d.detection(&req).map_or(0, |d| d.reasons.len());
            }
            black_box(logged)
        })
    });
    group.bench_function("intel lookups only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (h, p, _) in &requests {
                n += usize::from(appliance::Intel::web_lookup(&intel, h, Some(p)).is_some());
            }
            black_box(n)
        })
    });
    group.bench_function("list lookups only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (h, p, _) in &requests {
                n += usize::from(policy.lists.allow().find(h, Some(p)).is_some());
                n += usize::from(policy.lists.block().find(h, Some(p)).is_some());
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, url_decisions);
criterion_main!(benches);
