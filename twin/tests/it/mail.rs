//! Mail through the gateway's proxy in whole worlds: senders on the
//! internet deliver to the office's mail server (spam-zombie-450's office),
//! PCs fetch from the ISP. Hostile mail (truncated MIME, a 42.zip-shaped
//! bomb, 30 nested archives, a 1 GB declared entry) gets a bounded verdict
//! and is still delivered per policy; with the "block" action malware is
//! refused at the end of DATA.

use appliance::config::MalwareMailAction;
use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::inspect::mail_security::rewrite::base64;
use appliance::proto::mime;
use appliance::{Action, Engine};
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::time::Duration;
use twin::mail_proto::ClientResult;
use twin::model::Scenario;
use twin::{World, WorldOptions};
use zip::write::SimpleFileOptions;

const PARTNER: &str = "198.51.100.80";
const TO: &str = "info@print-shop.example";

fn scenario(id: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../scenarios/{id}.yaml"));
    twin::load::scenario_file(&path).expect("scenario loads")
}

/// The office of spam-zombie-450 without its scheduled mail.
fn office_world() -> World {
    let mut s = scenario("spam-zombie-450");
    s.mail.sends.clear();
    World::new(&s, WorldOptions { capture: false }).expect("world")
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip data");
    }
    w.finish().expect("zip").into_inner()
}

fn mail_with(name: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: seminar@partner-kikaku.example\r\nTo: {TO}\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
--B\r\nContent-Type: application/zip; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        base64(data)
    )
    .into_bytes()
}

/// Sends `raw` from the partner and runs until the session is over.
fn send(w: &mut World, raw: &[u8]) -> ClientResult {
    w.send_mail(PARTNER, TO, "test.eml", raw).expect("send");
    let mut waited = 0;
    while w.mail_pending() > 0 && waited < 200 {
        w.run_for(Duration::from_secs(1));
        waited += 1;
    }
    let last = w
        .mail_sessions()
        .last()
        .cloned()
        .cloned()
        .expect("a session");
    last.result.expect("the session ended")
}

fn newest(w: &World) -> mime::Mail {
    let mailbox = w.office_mailbox(TO);
    let m = mailbox.last().expect("delivered");
    mime::parse(m.raw.as_bytes())
}

fn assert_notice(w: &mut World, reason_part: &str) {
    let mail = newest(w);
    assert!(
        mail.subject.starts_with("[ウイルス駆除済み]"),
        "{}",
        mail.subject
    );
    assert!(mail.attachments.is_empty(), "the archive is replaced");
    assert!(
        mail.text.contains("hello") && mail.text.contains("検索できなかった"),
        "{}",
        mail.text
    );
    let events = w.drain_events();
    let reasons: Vec<String> = events
        .iter()
        .filter(|e| e.engine == Engine::AntiMalware)
        .map(|e| e.reason())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("unscannable") && r.contains(reason_part)),
        "{reasons:?}"
    );
}

#[test]
fn hostile_archives_get_bounded_verdicts_and_the_mail_is_delivered() {
    let mut w = office_world();

    // 42.zip's shape: 16 x 16 archives of a 16 MiB zero file, ~4 GiB declared.
    let zeros = vec![0u8; 16 * 1024 * 1024];
    let leaf = zip_of(&[("0.dat", &zeros)]);
    let names: Vec<String> = (0..16).map(|i| format!("{i:x}.zip")).collect();
    let level1 = zip_of(
        &names
            .iter()
            .map(|n| (n.as_str(), leaf.as_slice()))
            .collect::<Vec<_>>(),
    );
    let level2 = zip_of(
        &names
            .iter()
            .map(|n| (n.as_str(), level1.as_slice()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        send(&mut w, &mail_with("42.zip", &level2)),
        ClientResult::Sent
    );
    assert_notice(&mut w, "zip bomb");

    let mut nested = zip_of(&[("readme.txt", b"innermost")]);
    for i in 0..30 {
        nested = zip_of(&[(&format!("layer{i}.zip"), &nested)]);
    }
    assert_eq!(
        send(&mut w, &mail_with("nested.zip", &nested)),
        ClientResult::Sent
    );
    assert_notice(&mut w, "nested deeper than 5 levels");

    let mut huge = zip_of(&[("huge.bin", b"small")]);
    let at = huge
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    huge[at + 24..at + 28].copy_from_slice(&1_000_000_000u32.to_le_bytes());
    assert_eq!(
        send(&mut w, &mail_with("huge.zip", &huge)),
        ClientResult::Sent
    );
    assert_notice(&mut w, "declared size 1000000000");
    assert_eq!(w.office_mailbox(TO).len(), 3);
}

#[test]
fn truncated_mime_is_delivered_as_it_came() {
    let mut w = office_world();
    let whole = mail_with("a.zip", &zip_of(&[("a.txt", b"fine")]));
    // Cut inside the attachment: no closing boundary, ending on a line end.
    let mut cut = whole[..whole.len() - 40].to_vec();
    while cut.last() != Some(&b'\n') {
        cut.pop();
    }
    assert_eq!(send(&mut w, &cut), ClientResult::Sent);
    let got = w.office_mailbox(TO).last().expect("delivered").raw.clone();
    assert_eq!(got.as_bytes(), cut.as_slice());
}

#[test]
fn with_the_block_action_malware_is_refused_at_the_end_of_data() {
    let mut w = office_world();
    let mut config = w.gateway_config().clone();
    config.version += 1;
    config.mail.malware_action = MalwareMailAction::Block;
    assert!(matches!(
        w.deploy_gateway(config),
        appliance::gateway::DeployOutcome::Success { .. }
    ));
    let result = send(&mut w, &mail_with("eicar.com", EICAR));
    assert!(
        matches!(
            result,
            ClientResult::Refused {
                code: 550,
                stage: "end of data",
                ..
            }
        ),
        "{result:?}"
    );
    assert!(w.office_mailbox(TO).is_empty());
    let events = w.drain_events();
    assert!(
        events
            .iter()
            .any(|e| e.engine == Engine::AntiMalware && e.action == Action::Block)
    );
}

#[test]
fn a_mail_program_fetches_through_the_proxy_byte_identical_twice() {
    let run = || {
        let s = scenario("emotet-2019-macro-reply");
        let mut w = World::new(&s, WorldOptions { capture: true }).expect("world");
        w.run_until(w.end());
        let inbox: Vec<String> = w.inbox("PC-04").iter().map(|m| m.raw.clone()).collect();
        (inbox, w.pcapng().unwrap_or_default())
    };
    let (first, pcap) = run();
    assert_eq!(first.len(), 1);
    let mail = mime::parse(first[0].as_bytes());
    assert_eq!(
        mail.subject,
        "[ウイルス駆除済み] Re: 12月分のお見積りについて"
    );
    assert!(mail.attachments.is_empty());
    let (second, pcap2) = run();
    assert_eq!(first, second);
    assert!(pcap == pcap2, "the captures differ");
}

/// `spam-zombie-450.yaml` edited by `from -> to`, loaded with its office
/// and mails from `scenarios/`.
fn load_edited(from: &str, to: &str) -> Result<Scenario, twin::load::LoadError> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let text = std::fs::read_to_string(dir.join("spam-zombie-450.yaml")).expect("scenario");
    assert!(text.contains(from), "{from:?} not in the scenario");
    let text = text.replacen(from, to, 1);
    let files = |name: &str| {
        let path = dir.join(name);
        path.is_file()
            .then(|| Ok((name.to_string(), std::fs::read(&path).unwrap_or_default())))
    };
    twin::load::scenario_from_str_with_files(
        "scenarios/spam-zombie-450.yaml",
        &text,
        |office| {
            Some(twin::load::office_file(
                &dir.join(format!("offices/{office}.yaml")),
            ))
        },
        &files,
    )
}

#[test]
fn mail_mistakes_are_refused_with_their_place() {
    let err = |from: &str, to: &str| match load_edited(from, to) {
        Ok(_) => panic!("{to:?} was accepted"),
        Err(e) => e.to_string(),
    };
    let e = err(
        "{ip: 192.168.1.3, port: 25}",
        "{ip: 192.168.1.3, port: 587}",
    );
    assert!(
        e.contains("spam-zombie-450.yaml:") && e.contains("port 25 is not published"),
        "{e}"
    );
    let e = err("mail: partner-seminar-2.eml", "mail: nothing-here.eml");
    assert!(e.contains("no mail `mails/nothing-here.eml`"), "{e}");
    let e = err(
        "from: 198.51.100.80               # the partner",
        "from: 10.0.0.8 #",
    );
    assert!(e.contains("neither a host of office"), "{e}");
    let e = err("host: FS-01", "host: FS-99");
    assert!(e.contains("no host `FS-99`"), "{e}");
    assert!(load_edited("seed: 20241010", "seed: 20241011").is_ok());
}
