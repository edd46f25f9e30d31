//! The endpoint agents of an office of 30 PCs over a month (issue 18).
//!
//! - `endpoint/month-30-pcs`: a month of what the agents do, through
//!   `twin::endpoint::EndpointTwin` alone (no network): every PC writes 40
//!   files each weekday (downloads, mail attachments, USB), 3 % of them
//!   known to a pattern release and 1 % suspicious to the machine-learning
//!   scan; the vendor releases a pattern every day (20 entries each); every
//!   PC runs its scheduled scan each night over its whole disk; and one
//!   ransomware run a week. Each iteration is the whole month; the agent
//!   inputs per second (writes, scanned files, program steps) and the
//!   detections are printed once.
//!
//! The month is generated once, deterministically (xorshift64*).

mod common;

use appliance::Instant;
use cloud::endpoint::{Licence, Product, Protections};
use common::Rng;
use criterion::{Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use twin::endpoint::{EndpointDue, EndpointTwin, Link};
use twin::model::endpoint::{
    Activity, AgentSpec, EndpointAction, EndpointEntry, EndpointOption, EndpointPlan, FileAction,
    PatternRelease, Signature, ThreatKind, ThreatSpec, Via,
};
use twin::model::{HostKind, HostSpec, Mac, Office};

const PCS: usize = 30;
const DAYS: i64 = 30;
const FILES_PER_WEEKDAY: usize = 40;
/// 2017-09-01 00:00 JST.
const MONTH_START: i64 = 1_504_191_600;

fn at(secs: i64) -> Instant {
    Instant::from_secs(MONTH_START + secs)
}

fn office() -> (Office, EndpointOption) {
    let hosts: Vec<HostSpec> = (0..PCS)
        .map(|i| HostSpec {
            name: format!("PC-{:02}", i + 1),
            ip: Ipv4Addr::new(192, 168, 1, 20 + i as u8),
            mac: Mac([2, 0, 0, 0, 1, i as u8]),
            os: if i % 5 == 0 {
                "Windows 7"
            } else {
                "Windows 10"
            }
            .to_string(),
            kind: HostKind::Pc,
            user: None,
        })
        .collect();
    let agents = hosts
        .iter()
        .map(|h| AgentSpec {
            host: h.name.clone(),
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
            scheduled_scan: Some((2, 0)),
            file_action: FileAction::Quarantine,
        })
        .collect();
    let option = EndpointOption {
        licence: Licence {
            product: Product::AntivirusEdr,
            seats: PCS as u32,
        },
        program: "Apex One 14.0".into(),
        agents,
    };
    let office = Office {
        id: "bench".into(),
        title: "bench".into(),
        lan: Ipv4Addr::new(192, 168, 1, 0),
        lan_prefix: 24,
        router_ip: Ipv4Addr::new(192, 168, 1, 1),
        router_mac: Mac([2, 0, 0, 0, 0, 1]),
        dns_server: Ipv4Addr::new(198, 51, 100, 53),
        gateway_name: "bench".into(),
        branch_gateways: Vec::new(),
        admin_mail: "admin@bench.example".into(),
        hosts,
        endpoint: Some(option.clone()),
    };
    (office, option)
}

/// A month: daily pattern releases naming the malicious files to come,
/// the files, and the ransomware runs.
fn month() -> EndpointPlan {
    let mut rng = Rng(0x5eed_0018);
    let mut malicious: Vec<Vec<u8>> = Vec::new();
    let mut entries = Vec::new();
    for day in 0..DAYS {
        let weekday = (day + 4) % 7; // 2017-09-01 was a Friday (Mon = 0)
        if weekday >= 5 {
            continue;
        }
        for pc in 0..PCS {
            for k in 0..FILES_PER_WEEKDAY {
                let roll = rng.below(100);
                let (name, bytes) = if roll < 3 {
                    let body = format!("MZ bench malware {day}-{pc}-{k}").into_bytes();
                    malicious.push(body.clone());
                    (format!("invoice-{k}.doc"), body)
                } else if roll < 4 {
                    (
                        format!("請求書-{k}.pdf.exe"),
                        b"MZ unknown program".to_vec(),
                    )
                } else {
                    let len = 2_000 + rng.below(60_000) as usize;
                    let mut body = vec![0u8; len];
                    for b in body.iter_mut().step_by(97) {
                        *b = rng.below(256) as u8;
                    }
                    (format!("document-{day}-{k}.xlsx"), body)
                };
                let secs = day * 86_400 + 9 * 3600 + rng.below(9 * 3600) as i64;
                entries.push(EndpointEntry {
                    at: at(secs),
                    action: EndpointAction::Write {
                        host: format!("PC-{:02}", pc + 1),
                        path: format!("C:\\Users\\staff\\Downloads\\{name}"),
                        bytes: Arc::new(bytes),
                        via: [Via::Download, Via::Mail, Via::Usb, Via::Share][k % 4],
                    },
                    note: None,
                });
            }
        }
        if weekday == 2 {
            entries.push(EndpointEntry {
                at: at(day * 86_400 + 15 * 3600),
                action: EndpointAction::Run {
                    host: format!("PC-{:02}", 1 + rng.below(PCS as u64)),
                    path: format!("C:\\Users\\staff\\Downloads\\viewer-{day}.exe"),
                    bytes: Some(Arc::new(format!("bench program {day}").into_bytes())),
                    activities: vec![Activity::Encrypt {
                        files: 600,
                        within: Duration::from_secs(300),
                        extension: ".locked".into(),
                    }],
                },
                note: None,
            });
        }
    }
    entries.sort_by_key(|e| e.at);
    // Every malicious file is in the release of its day or an earlier one.
    let mut patterns = Vec::new();
    let per_release = malicious.len().div_ceil(DAYS as usize);
    let mut chunks = malicious.chunks(per_release.max(1));
    for day in 0..DAYS {
        let threats = chunks
            .next()
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(i, body)| ThreatSpec {
                name: format!("TROJ_BENCH.{day}{i}"),
                kind: ThreatKind::Malware,
                signature: Signature::Sha256(Sha256::digest(body).into()),
                cleanable: false,
            })
            .collect();
        patterns.push(PatternRelease {
            version: format!("13.{:03}.00", 600 + day),
            released: at(day * 86_400 - 86_400 * 2),
            threats,
        });
    }
    EndpointPlan {
        patterns,
        files: Vec::new(),
        entries,
        offline: Vec::new(),
    }
}

/// Runs the month; returns (inputs handled, detections).
fn run(office: &Office, option: &EndpointOption, plan: &EndpointPlan) -> (u64, usize) {
    let mut twin = EndpointTwin::new(option, plan, office);
    let link = |_: &str| Link {
        plugged: true,
        unplugged_at: None,
    };
    let mut agenda: BinaryHeap<Reverse<(Instant, u64, DueKey)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for (when, due) in twin.first_wakes(at(0)) {
        agenda.push(Reverse((when, seq, DueKey(due))));
        seq += 1;
    }
    let end = at(DAYS * 86_400);
    let mut inputs = 0u64;
    while let Some(Reverse((when, _, DueKey(due)))) = agenda.pop() {
        if when >= end {
            break;
        }
        inputs += 1;
        let fired = twin.fire(due, when, &link);
        for (next, due) in fired.schedule {
            agenda.push(Reverse((next, seq, DueKey(due))));
            seq += 1;
        }
    }
    (inputs, twin.events().len())
}

/// `EndpointDue` ordered only by the agenda's (time, sequence).
#[derive(Clone, Copy, Debug)]
struct DueKey(EndpointDue);

impl PartialEq for DueKey {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for DueKey {}
impl PartialOrd for DueKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DueKey {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

fn bench(c: &mut Criterion) {
    let (office, option) = office();
    let plan = month();
    let started = std::time::Instant::now();
    let (inputs, detections) = run(&office, &option, &plan);
    let took = started.elapsed();
    println!(
        "endpoint/month-{PCS}-pcs: {} file writes, {inputs} agent inputs (writes, scheduled scans, program steps), {detections} detections in {:.2} s: {:.0} inputs/s, {:.0} detections/s",
        plan.entries.len(),
        took.as_secs_f64(),
        inputs as f64 / took.as_secs_f64(),
        detections as f64 / took.as_secs_f64()
    );
    let mut group = c.benchmark_group("endpoint");
    group.sample_size(10);
    group.bench_function("month-30-pcs", |b| {
        b.iter(|| black_box(run(&office, &option, &plan)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
