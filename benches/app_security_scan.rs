//! Cloud App Security's scan on one core (issue 19): mails and files read
//! from a service's feed, inspected by every function (virus engines,
//! file blocking, the virtual analyzer, web reputation, data-loss
//! policies) and remedied through the twin's services.
//!
//! - `app_security_scan/mails-1000`: 1,000 mails received in Exchange
//!   Online: Japanese text bodies of 1-4 KB with links (1 in 50 to the
//!   phishing host), 40 % with an attachment: an invoice spreadsheet
//!   (OOXML), a CSV, a PDF-like file, and, rarely, the Emotet macro
//!   document or EICAR; 5 % of mails sent out, some with a My Number list.
//! - `app_security_scan/files-1000`: 1,000 files uploaded to OneDrive and
//!   Box: the same attachments plus macro workbooks, programs and nested
//!   zips, 10 % then shared with anyone with the link.
//!
//! Each iteration scans the whole feed with a fresh scanner (the feed is
//! rebuilt outside the measurement); items and bytes per second and the
//! detections are printed once. The data is generated once,
//! deterministically (xorshift64*).

mod common;

use appliance::intel::WebRating;
use appliance::{FrozenIntel, Instant};
use cloud::app_security::Application;
use cloud::app_security::scan::Scanner;
use cloud::app_security::scan::api::Sharing;
use cloud::app_security::scan::file_type::FileType;
use cloud::app_security::scan::policy::{DataLossPolicy, FileBlocking, Pattern, ScanPolicy};
use common::Rng;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::io::Write;
use std::sync::Arc;
use twin::model::cloud_apps::{CloudAction, NamedFile};
use twin::saas::CloudServices;

const ITEMS: usize = 1_000;
/// 2024-10-01 00:00 JST.
const START: i64 = 1_727_708_400;

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/scenarios/files/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish");
    out.into_inner()
}

/// Japanese business text of about `len` bytes, a link now and then.
fn body(rng: &mut Rng, len: usize) -> String {
    const WORDS: &[&str] = &[
        "お世話になっております。",
        "請求書を送付いたします。",
        "ご確認のほどよろしくお願いいたします。",
        "来週の打ち合わせについて",
        "資料は共有フォルダにあります。",
        "注文番号 ",
        "ご不明な点がございましたら",
        "https://www.client-shouji.example/news/2024/10 ",
        "税務署への提出期限は",
        "年末調整の準備",
    ];
    let mut out = String::with_capacity(len + 64);
    while out.len() < len {
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        if rng.below(8) == 0 {
            // Order and invoice numbers: up to 10 digits, never a My
            // Number's 12 (those come from the list files alone).
            out.push_str(&format!("{}", rng.below(10_000_000_000)));
        }
    }
    if rng.below(50) == 0 {
        out.push_str(" https://login.hikari-bank-secure.example/verify?id=8841 ");
    }
    out
}

/// An OOXML spreadsheet with `rows` rows of figures in its shared strings.
fn spreadsheet(rng: &mut Rng, rows: usize) -> Vec<u8> {
    let mut strings = String::from("<sst>");
    for i in 0..rows {
        strings.push_str(&format!(
            "<si><t>取引先{i}</t></si><si><t>{}</t></si>",
            rng.below(10_000_000)
        ));
    }
    strings.push_str("</sst>");
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/sharedStrings.xml", strings.as_bytes()),
    ])
}

struct Corpus {
    macro_doc: Vec<u8>,
    eicar: Vec<u8>,
    workbook: Vec<u8>,
    program: Vec<u8>,
    my_numbers: Vec<u8>,
    layers: Vec<u8>,
}

impl Corpus {
    fn new() -> Corpus {
        Corpus {
            macro_doc: file("seikyusho-2019-12.doc"),
            eicar: file("eicar.com"),
            workbook: file("shukei-macro.xlsm"),
            program: file("wupdmgr32.exe"),
            my_numbers: file("mynumber-list.csv"),
            layers: file("shiryou-30-layers.zip"),
        }
    }

    /// An attachment or stored file, mostly ordinary.
    fn attachment(&self, rng: &mut Rng, storage: bool) -> NamedFile {
        let (name, bytes) = match rng.below(if storage { 120 } else { 100 }) {
            0 => ("請求書.doc".to_string(), self.macro_doc.clone()),
            1 => ("test.com".to_string(), self.eicar.clone()),
            2 => ("名簿.csv".to_string(), self.my_numbers.clone()),
            3..=39 => ("集計表.xlsx".to_string(), {
                let rows = 50 + rng.below(400) as usize;
                spreadsheet(rng, rows)
            }),
            40..=69 => ("一覧.csv".to_string(), {
                let len = 2_000 + rng.below(20_000) as usize;
                body(rng, len).into_bytes()
            }),
            70..=99 => ("案内.pdf".to_string(), {
                let mut b = b"%PDF-1.7\n".to_vec();
                b.extend(body(rng, 30_000).into_bytes());
                b
            }),
            100..=105 => ("集計.xlsm".to_string(), self.workbook.clone()),
            106..=111 => ("setup.exe".to_string(), self.program.clone()),
            _ => ("資料.zip".to_string(), self.layers.clone()),
        };
        NamedFile {
            name,
            bytes: Arc::new(bytes),
        }
    }
}

fn mails(corpus: &Corpus, rng: &mut Rng) -> Vec<(Application, CloudAction)> {
    (0..ITEMS)
        .map(|i| {
            let user = format!("staff{:02}@tax-office.example", i % 15);
            let files = if rng.below(10) < 4 {
                vec![corpus.attachment(rng, false)]
            } else {
                Vec::new()
            };
            let len = 1_000 + rng.below(3_000) as usize;
            let text = body(rng, len);
            let action = if rng.below(20) == 0 {
                CloudAction::Send {
                    from: user,
                    to: vec!["keiri@client-shouji.example".into()],
                    subject: format!("送付 {i}"),
                    text,
                    files,
                }
            } else {
                CloudAction::Receive {
                    to: user,
                    from: "info@client-shouji.example".into(),
                    subject: format!("ご連絡 {i}"),
                    text,
                    files,
                }
            };
            (Application::Exchange, action)
        })
        .collect()
}

fn files(corpus: &Corpus, rng: &mut Rng) -> Vec<(Application, CloudAction)> {
    let mut out = Vec::new();
    for i in 0..ITEMS {
        let app = if i % 2 == 0 {
            Application::OneDrive
        } else {
            Application::Box
        };
        let file = corpus.attachment(rng, true);
        let path = format!("/共有/{i}/{}", file.name);
        let user = format!("staff{:02}@tax-office.example", i % 15);
        out.push((
            app,
            CloudAction::Upload {
                user: user.clone(),
                path: path.clone(),
                file,
                sharing: Sharing::Private,
            },
        ));
        if rng.below(10) == 0 {
            out.push((
                app,
                CloudAction::Share {
                    user,
                    path,
                    sharing: Sharing::Public,
                },
            ));
        }
    }
    out
}

fn policy() -> ScanPolicy {
    let mut policy = ScanPolicy::default();
    policy.threat.file_blocking = Some(FileBlocking {
        types: vec![FileType::OfficeMacro, FileType::Executable],
        extensions: vec!["scr".into()],
        names: Vec::new(),
        suspicious_urls: true,
        action: cloud::app_security::Action::Quarantined,
    });
    policy.data_loss = vec![
        DataLossPolicy {
            name: "My Number (mail)".into(),
            patterns: vec![Pattern::MyNumber, Pattern::CreditCard],
            min_matches: 5,
            applications: vec![Application::Exchange],
            shared_only: false,
            action: cloud::app_security::Action::Quarantined,
        },
        DataLossPolicy {
            name: "My Number (shared)".into(),
            patterns: vec![Pattern::MyNumber],
            min_matches: 1,
            applications: vec![Application::OneDrive, Application::Box],
            shared_only: true,
            action: cloud::app_security::Action::Quarantined,
        },
    ];
    policy
}

fn intel() -> Arc<FrozenIntel> {
    let mut intel = FrozenIntel::default();
    let rating = |score, category: &str| WebRating {
        score,
        category: Arc::from(category),
    };
    intel
        .web
        .insert("login.hikari-bank-secure.example", rating(12, "Phishing"))
        .expect("table");
    intel
        .web
        .insert("www.client-shouji.example", rating(90, "Business"))
        .expect("table");
    Arc::new(intel)
}

/// The services after every moment has happened (nothing scanned yet).
fn services(moments: &[(Application, CloudAction)]) -> CloudServices {
    let mut services = CloudServices::default();
    for (i, (app, action)) in moments.iter().enumerate() {
        services.apply(Instant::from_secs(START + i as i64), *app, action);
    }
    services
}

fn bytes_of(moments: &[(Application, CloudAction)]) -> u64 {
    moments
        .iter()
        .map(|(_, a)| match a {
            CloudAction::Receive { text, files, .. } | CloudAction::Send { text, files, .. } => {
                text.len() + files.iter().map(|f| f.bytes.len()).sum::<usize>()
            }
            CloudAction::Upload { file, .. } => file.bytes.len(),
            CloudAction::Post { text, .. } => text.len(),
            CloudAction::Share { .. } => 0,
        } as u64)
        .sum()
}

fn bench(c: &mut Criterion) {
    let corpus = Corpus::new();
    let intel = intel();
    let mut group = c.benchmark_group("app_security_scan");
    group.sample_size(10);
    for (name, moments) in [
        ("mails-1000", mails(&corpus, &mut Rng(0x19_2024_1001))),
        ("files-1000", files(&corpus, &mut Rng(0x19_2024_1002))),
    ] {
        let bytes = bytes_of(&moments);
        let mut once = services(&moments);
        let found =
            Scanner::new(policy(), intel.clone()).poll(Instant::from_secs(START), &mut once);
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for e in &found {
            *by.entry(e.detection.code()).or_default() += 1;
        }
        println!(
            "{name}: {} moments, {:.1} MB, {} detections {by:?}",
            moments.len(),
            bytes as f64 / 1e6,
            found.len()
        );
        group.throughput(Throughput::Elements(moments.len() as u64));
        group.bench_function(name, |b| {
            b.iter_batched(
                || services(&moments),
                |mut s| {
                    Scanner::new(policy(), intel.clone()).poll(Instant::from_secs(START), &mut s)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
