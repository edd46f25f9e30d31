//! Hostile mail through mail security: a truncated MIME message, a zip bomb
//! of the 42.zip shape, thirty nested archives and a 1 GB declared entry.
//! Each gets a bounded verdict with its reason, and the mail is still
//! delivered per policy (the unscannable part replaced by a notice).

use appliance::inspect::anti_malware::Scanner;
use appliance::inspect::mail_security::{self, rewrite::base64};
use appliance::proto::mime;
use appliance::{Config, FrozenIntel};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let options = SimpleFileOptions::default().large_file(data.len() > u32::MAX as usize);
        assert!(w.start_file(*name, options).is_ok());
        assert!(w.write_all(data).is_ok());
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn mail_with(name: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: a@example.jp\r\nTo: office@print-shop.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
--B\r\nContent-Type: application/zip; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        base64(data)
    )
    .into_bytes()
}

/// Scans `raw` with the default policy: the unscannable attachment is
/// replaced by a notice naming `reason_part`, the mail is delivered.
fn delivered_with_notice(raw: &[u8], reason_part: &str) {
    let config = Config::default();
    let scanner = Scanner::new(&config.anti_malware, &FrozenIntel::default());
    let outcome = mail_security::inspect(raw, &config.mail, &scanner);
    let reasons: Vec<String> = outcome
        .detections
        .iter()
        .map(|d| appliance::reason::join(&d.reasons))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("unscannable") && r.contains(reason_part)),
        "{reasons:?}"
    );
    let Some(delivered) = outcome.deliver else {
        panic!("the mail must still be delivered");
    };
    let parsed = mime::parse(&delivered);
    assert!(
        parsed.subject.starts_with("[ウイルス駆除済み]"),
        "{}",
        parsed.subject
    );
    assert!(
        parsed.attachments.is_empty(),
        "the archive is replaced by a notice"
    );
    assert!(
        parsed.text.contains("hello") && parsed.text.contains("検索できなかった"),
        "{}",
        parsed.text
    );
}

#[test]
fn zip_bomb_of_the_42_zip_shape() {
    // 42.zip: layers of 16 archives, the last holding 4.3 GB of zeros each.
    // Here: 16 x 16 x one 16 MiB zero file, about 4 GiB declared in all,
    // a few hundred KiB on the wire.
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
    assert!(level2.len() < 2 * 1024 * 1024, "{}", level2.len());
    delivered_with_notice(&mail_with("42.zip", &level2), "zip bomb");
}

#[test]
fn thirty_nested_archives() {
    let mut z = zip_of(&[("readme.txt", b"innermost")]);
    for i in 0..30 {
        z = zip_of(&[(&format!("layer{i}.zip"), &z)]);
    }
    delivered_with_notice(&mail_with("nested.zip", &z), "nested deeper than 5 levels");
}

#[test]
fn one_gigabyte_declared_size() {
    // A tiny archive whose central directory declares a 1 GB entry: patch
    // the sizes of a real one rather than write a gigabyte.
    let mut z = zip_of(&[("huge.bin", b"small")]);
    let one_gb: u32 = 1_000_000_000;
    let Some(at) = z.windows(4).position(|w| w == b"PK\x01\x02") else {
        panic!("central directory")
    };
    // Uncompressed size sits 24 bytes into a central directory header.
    z[at + 24..at + 28].copy_from_slice(&one_gb.to_le_bytes());
    delivered_with_notice(&mail_with("huge.zip", &z), "declared size 1000000000");
}

#[test]
fn truncated_mime_is_delivered_as_it_came() {
    let raw = mail_with("a.zip", &zip_of(&[("a.txt", b"fine")]));
    let cut = &raw[..raw.len() - 40];
    let config = Config::default();
    let scanner = Scanner::new(&config.anti_malware, &FrozenIntel::default());
    let outcome = mail_security::inspect(cut, &config.mail, &scanner);
    assert!(outcome.mail.truncated);
    // Nothing found in what arrived: delivered byte for byte.
    assert_eq!(outcome.deliver.as_deref(), Some(cut));
    for n in (0..raw.len()).step_by(7) {
        let _ = mail_security::inspect(&raw[..n], &config.mail, &scanner);
    }
}
