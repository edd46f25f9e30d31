//! Makes the harmless test files and the mails of the mail scenarios, so
//! nothing under `scenarios/files/` or `scenarios/mails/` is live malware
//! or of unknown origin: every byte comes from this program.
//!
//! ```text
//! cargo run -p appliance --example make_test_files -- scenarios
//! ```
//!
//! The output is committed; running it again gives the same bytes (fixed
//! timestamps in the OLE storages and zip entries), except the 12-byte
//! encryption header ZipCrypto draws at random inside the password zip
//! (and the mail carrying it). What each file imitates, and why it is
//! harmless:
//!
//! | file | shape of | harmless because |
//! |---|---|---|
//! | `eicar.com` | a virus | the EICAR test string, detected by every scanner by design |
//! | `seikyusho-2019-12.doc` | Emotet 2019 Word downloader: OLE with a VBA project and `AutoOpen` | the macro only shows a message box (`WScript.Shell.Popup`) |
//! | `seikyusho-2020-09.zip` | Emotet 2020: the same .doc in a password-protected zip | ZipCrypto over the harmless .doc; the password is in the mail body |
//! | `INV-2022-04.zip` | Emotet 2022: a shortcut starting a script host | the `.lnk` runs `cmd /c echo` |
//! | `minutes-2023-03.one` | Emotet 2023 OneNote with an embedded script | the embedded `.bat` only echoes |
//! | `report-2023-03.zip` | Emotet 2023: a .doc padded to 110 MiB so scanners skip it | the padding is zeros after the harmless .doc |
//! | `wupdmgr32.exe` | the C&C beacon program on the XP PC of support case ① (endpoint side) | text after an `MZ` mark; it runs nothing |
//! | `invoice-viewer.exe` | a ransomware program (FAQ Q12); the scenario scripts what it does | text after an `MZ` mark; it runs nothing |
//! | `searchbar.dll` | a search toolbar (grayware) | text after an `MZ` mark; it runs nothing |
//! | `mails/phishing-hikari-bank*.eml` | a phishing mail posing as a bank (FAQ Q11), its lure rated and not yet rated | its links lead to sites of the simulated internet only |
//!
//! The mails are RFC 5322 text as Japanese mail programs write it:
//! ISO-2022-JP bodies, RFC 2047 subjects, RFC 2231 file names.

use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::inspect::anti_malware::office::{
    LNK_MAGIC, ONENOTE_FILE_DATA, ONENOTE_MAGIC, ovba_compress_literal,
};
use appliance::inspect::mail_security::rewrite::base64;
use std::error::Error;
use std::io::{Cursor, Write};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};
use zip::unstable::write::FileOptionsExt;
use zip::write::SimpleFileOptions;

type Res<T> = Result<T, Box<dyn Error>>;

/// 2019-12-02 09:00 JST: every timestamp written.
const FIXED_TIME: u64 = 1_575_244_800;

const MACRO: &str = "Attribute VB_Name = \"ThisDocument\"\r\n\
Attribute VB_Base = \"1Normal.ThisDocument\"\r\n\
Sub AutoOpen()\r\n\
    ' officetwin test document: shows a message, does nothing else.\r\n\
    Dim sh\r\n\
    Set sh = CreateObject(\"WScript.Shell\")\r\n\
    sh.Popup \"officetwin: harmless test macro\", 5\r\n\
End Sub\r\n";

/// A macro that runs only when the user starts it: a tally, nothing on
/// open, nothing called outside the workbook (Cloud App Security's file
/// blocking by type catches it; the virus engines rightly do not).
const TALLY_MACRO: &str = "Attribute VB_Name = \"Module1\"\r\n\
Sub Tally()\r\n\
    ' officetwin test workbook: sums column B when asked.\r\n\
    Range(\"B10\").Formula = \"=SUM(B1:B9)\"\r\n\
End Sub\r\n";

/// An OLE compound file shaped like a Word 97 document with a VBA project.
fn macro_doc() -> Res<Vec<u8>> {
    let mut doc = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    let fixed = UNIX_EPOCH + Duration::from_secs(FIXED_TIME);
    for storage in ["/Macros", "/Macros/VBA"] {
        doc.create_storage(storage)?;
    }
    let mut word = vec![0xEC, 0xA5, 0xC1, 0x00];
    word.extend_from_slice(&[0; 508]);
    word.extend_from_slice("officetwin harmless test document / 請求書".as_bytes());
    doc.create_stream("/WordDocument")?.write_all(&word)?;
    doc.create_stream("/Macros/VBA/_VBA_PROJECT")?
        .write_all(&[0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00])?;
    doc.create_stream("/Macros/VBA/dir")?
        .write_all(&ovba_compress_literal(b"ThisDocument\0officetwin"))?;
    // A module stream: some p-code bytes, then the compressed source.
    let mut module = vec![0x01, 0x16, 0x03, 0x00, 0x00, 0xF0, 0x00, 0x00];
    module.extend_from_slice(&[0; 24]);
    module.extend_from_slice(&ovba_compress_literal(MACRO.as_bytes()));
    doc.create_stream("/Macros/VBA/ThisDocument")?
        .write_all(&module)?;
    for path in ["/", "/Macros", "/Macros/VBA"] {
        doc.set_created_time(path, fixed)?;
        doc.set_modified_time(path, fixed)?;
    }
    doc.flush()?;
    Ok(doc.into_inner().into_inner())
}

/// An Excel macro workbook (OOXML `.xlsm`) whose `vbaProject.bin` holds
/// [`TALLY_MACRO`].
fn macro_workbook() -> Res<Vec<u8>> {
    let mut project = cfb::CompoundFile::create(Cursor::new(Vec::new()))?;
    let fixed = UNIX_EPOCH + Duration::from_secs(FIXED_TIME);
    project.create_storage("/VBA")?;
    project
        .create_stream("/VBA/_VBA_PROJECT")?
        .write_all(&[0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00])?;
    project
        .create_stream("/VBA/dir")?
        .write_all(&ovba_compress_literal(b"Module1\0officetwin"))?;
    let mut module = vec![0x01, 0x16, 0x03, 0x00, 0x00, 0xF0, 0x00, 0x00];
    module.extend_from_slice(&[0; 24]);
    module.extend_from_slice(&ovba_compress_literal(TALLY_MACRO.as_bytes()));
    project.create_stream("/VBA/Module1")?.write_all(&module)?;
    for path in ["/", "/VBA"] {
        project.set_created_time(path, fixed)?;
        project.set_modified_time(path, fixed)?;
    }
    project.flush()?;
    let vba = project.into_inner().into_inner();
    let types = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>"#;
    let workbook = br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>"#;
    zip_of(
        &[
            ("[Content_Types].xml", types),
            ("xl/workbook.xml", workbook),
            ("xl/vbaProject.bin", &vba),
        ],
        None,
    )
}

/// A My Number's check digit (the published algorithm: weights 2-7 then
/// 2-6 from the right of the first 11 digits, modulo 11).
fn my_number_check(first11: &[u8; 11]) -> u8 {
    let sum: u32 = first11
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(*d) * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 { 0 } else { (11 - r) as u8 }
}

/// A list of 20 fictitious staff with valid My Numbers (CSV, UTF-8), as a
/// tax office keeps for year-end adjustment: test data, no real person.
fn my_number_list() -> Vec<u8> {
    let mut out = String::from(
        "# officetwin test data: fictitious people, numbers made to pass the check digit\n",
    );
    out.push_str("氏名,個人番号,扶養\n");
    let family = ["山田", "佐藤", "鈴木", "高橋", "田中"];
    let given = ["一郎", "花子", "次郎", "美咲"];
    let mut x: u64 = 20_241_022;
    for i in 0..20 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let mut digits = [0u8; 11];
        let mut v = (x >> 11) % 100_000_000_000;
        for d in digits.iter_mut().rev() {
            *d = (v % 10) as u8;
            v /= 10;
        }
        let number: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        out.push_str(&format!(
            "{}{},{}{},{}\n",
            family[i % family.len()],
            given[i % given.len()],
            number,
            my_number_check(&digits),
            i % 3
        ));
    }
    out.into_bytes()
}

/// `inner` named `name` inside `layers` zip archives, each named
/// `layer-N.zip` (seed 003: more than 20 compression layers is 不明).
fn nested_zip(name: &str, inner: &[u8], layers: usize) -> Res<Vec<u8>> {
    let mut bytes = inner.to_vec();
    let mut entry = name.to_string();
    for i in 0..layers {
        bytes = zip_of(&[(entry.as_str(), &bytes)], None)?;
        entry = format!("layer-{}.zip", layers - i);
    }
    Ok(bytes)
}

fn zip_time() -> zip::DateTime {
    zip::DateTime::from_date_and_time(2019, 12, 2, 9, 0, 0).unwrap_or_default()
}

fn zip_of(entries: &[(&str, &[u8])], password: Option<&[u8]>) -> Res<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let mut options = SimpleFileOptions::default()
            .last_modified_time(zip_time())
            .large_file(data.len() as u64 > u64::from(u32::MAX));
        if let Some(p) = password {
            options = options.with_deprecated_encryption(p)?;
        }
        w.start_file(*name, options)?;
        w.write_all(data)?;
    }
    Ok(w.finish()?.into_inner())
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A shell link: the header (size, CLSID), then the target and arguments
/// as counted UTF-16 strings, as `.lnk` files carry them.
fn lnk() -> Vec<u8> {
    let mut b = LNK_MAGIC.to_vec();
    b.resize(76, 0);
    for s in [
        "C:\\Windows\\System32\\cmd.exe",
        "/c echo officetwin harmless test shortcut",
    ] {
        let units = s.encode_utf16().count() as u16;
        b.extend_from_slice(&units.to_le_bytes());
        b.extend_from_slice(&utf16(s));
    }
    b
}

/// A OneNote section: its GUID, some header, one embedded file.
fn onenote() -> Vec<u8> {
    let script = b"@echo off\r\nrem officetwin harmless test: nothing runs\r\necho officetwin\r\n";
    let mut b = ONENOTE_MAGIC.to_vec();
    b.extend_from_slice(&[0; 64]);
    b.extend_from_slice(&ONENOTE_FILE_DATA);
    b.extend_from_slice(&(script.len() as u64).to_le_bytes());
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(script);
    b.extend_from_slice(&[0; 32]);
    b
}

fn iso2022(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::ISO_2022_JP.encode(text);
    bytes.into_owned()
}

/// An RFC 2047 encoded word in ISO-2022-JP.
fn subject(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    format!("=?ISO-2022-JP?B?{}?=", base64(&iso2022(text)))
}

/// A body in ISO-2022-JP, each line returning to ASCII before its end.
fn body(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.lines() {
        out.extend_from_slice(&iso2022(line));
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn wrap76(s: &str) -> String {
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out
}

/// RFC 2231 `filename*=UTF-8''...` for a non-ASCII name.
fn filename_param(name: &str) -> String {
    if name.is_ascii() {
        return format!("filename=\"{name}\"");
    }
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("filename*=UTF-8''{enc}")
}

struct MailText<'a> {
    from: &'a str,
    to: &'a str,
    reply_to: Option<&'a str>,
    date: &'a str,
    id: &'a str,
    subject: &'a str,
    text: &'a str,
    attachment: Option<(&'a str, &'a str, &'a [u8])>,
}

fn mail(m: &MailText<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut head = format!("From: {}\r\nTo: {}\r\n", m.from, m.to);
    if let Some(r) = m.reply_to {
        head.push_str(&format!("Reply-To: {r}\r\n"));
    }
    head.push_str(&format!(
        "Subject: {}\r\nDate: {}\r\nMessage-ID: <{}>\r\nMIME-Version: 1.0\r\nX-Mailer: officetwin make_test_files\r\n",
        subject(m.subject),
        m.date,
        m.id
    ));
    out.extend_from_slice(head.as_bytes());
    let text_headers = b"Content-Type: text/plain; charset=\"ISO-2022-JP\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
    match m.attachment {
        None => {
            out.extend_from_slice(text_headers);
            out.extend_from_slice(&body(m.text));
        }
        Some((name, ctype, data)) => {
            let boundary = "----=_officetwin_0001";
            out.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n").as_bytes(),
            );
            out.extend_from_slice(text_headers);
            out.extend_from_slice(&body(m.text));
            out.extend_from_slice(
                format!(
                    "\r\n--{boundary}\r\nContent-Type: {ctype}\r\nContent-Disposition: attachment; {}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
                    filename_param(name),
                    wrap76(&base64(data)).trim_end()
                )
                .as_bytes(),
            );
        }
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7): printable ASCII but `=` as is, every
/// other byte as `=XX`, lines kept under 76 with soft breaks; CRLF stays.
fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let mut width = 0;
        for &b in line.as_bytes() {
            let piece = if (b == b' ' || b.is_ascii_graphic()) && b != b'=' {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

/// Seed 000 FAQ Q11: a phishing mail posing as the shop's bank, as such
/// mails come: multipart/alternative, the text part quoted-printable UTF-8
/// with the lure's URL and the real bank's, the HTML part base64 with the
/// lure behind a link.
fn phishing_mail(lure: &str, real: &str) -> Vec<u8> {
    let boundary = "----=_officetwin_phish_0001";
    let text = format!(
        "田中様\n\nひかり銀行 法人インターネットバンキングをご利用いただきありがとうございます。\nお客様の口座で不審なログインが確認されたため、お取引を一時的に制限しております。\n下記URLより本人確認を行ってください。\n\n{lure}\n\n24時間以内に本人確認が完了しない場合、口座のご利用を停止させていただきます。\n\nひかり銀行\n{real}\n"
    );
    let html = format!(
        "<html><body><p>田中様</p><p>お客様の口座で不審なログインが確認されました。</p><p><a href=\"{lure}\">本人確認はこちら</a></p><p>ひかり銀行 <a href=\"{real}\">{real}</a></p></body></html>\n"
    );
    let mut out = format!(
        "From: \"Hikari Bank\" <info@hikari-bank-secure.example>\r\nTo: tanaka@print-shop.example\r\nSubject: {}\r\nDate: Fri, 05 Dec 2025 09:47:12 +0900\r\nMessage-ID: <20251205094712.3307@hikari-bank-secure.example>\r\nMIME-Version: 1.0\r\nX-Mailer: officetwin make_test_files\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n",
        subject("【ひかり銀行】ご本人確認のお願い")
    );
    out.push_str(&format!(
        "--{boundary}\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        quoted_printable(&text)
    ));
    out.push_str(&format!(
        "--{boundary}\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
        wrap76(&base64(html.as_bytes())).trim_end()
    ));
    out.into_bytes()
}

/// The programs the endpoint scenarios run, by what each plays. The agents
/// know them by their SHA-256 (the scenario's pattern releases); what they
/// do on the PC is scripted in the scenario, never in the file.
const STAND_INS: &[(&str, &str)] = &[
    (
        "wupdmgr32.exe",
        "the C&C beacon program of support case 1 (seed 000)",
    ),
    (
        "invoice-viewer.exe",
        "a ransomware program (seed 000, FAQ Q12)",
    ),
    ("searchbar.dll", "a search toolbar, grayware (seed 002)"),
];

/// A harmless stand-in: the `MZ` mark executables start with, then text
/// saying what it plays.
fn stand_in(plays: &str) -> Vec<u8> {
    format!("MZ\r\nofficetwin harmless test file: plays {plays}. It contains no code and runs nothing.\r\n")
        .into_bytes()
}

fn write(root: &Path, rel: &str, bytes: &[u8]) -> Res<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, bytes)?;
    println!("{:>10} bytes  {}", bytes.len(), path.display());
    Ok(())
}

fn main() -> Res<()> {
    let root_arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios".to_string());
    let root = Path::new(&root_arg);

    let doc = macro_doc()?;
    let zip2020 = zip_of(&[("seikyusho-2020-09.doc", &doc)], Some(b"Kx7Pq2"))?;
    let link = lnk();
    let zip2022 = zip_of(&[("INV-2022-04.lnk", &link)], None)?;
    let one = onenote();
    let mut inflated = doc.clone();
    inflated.resize(110 * 1024 * 1024, 0);
    let zip2023 = zip_of(&[("report-2023-03.doc", &inflated)], None)?;

    write(root, "files/eicar.com", EICAR)?;
    write(root, "files/seikyusho-2019-12.doc", &doc)?;
    write(root, "files/seikyusho-2020-09.zip", &zip2020)?;
    write(root, "files/INV-2022-04.lnk", &link)?;
    write(root, "files/INV-2022-04.zip", &zip2022)?;
    write(root, "files/minutes-2023-03.one", &one)?;
    write(root, "files/report-2023-03.zip", &zip2023)?;
    for (name, plays) in STAND_INS {
        write(root, &format!("files/{name}"), &stand_in(plays))?;
    }
    // Seed 003 (Cloud App Security): a macro workbook for file blocking by
    // type, a document 30 archives deep for the analyzer's 不明, a list
    // of My Numbers for data-loss prevention.
    write(root, "files/shukei-macro.xlsm", &macro_workbook()?)?;
    write(
        root,
        "files/shiryou-30-layers.zip",
        &nested_zip(
            "shiryou.txt",
            "officetwin test document: 資料\n".as_bytes(),
            30,
        )?,
    )?;
    write(root, "files/mynumber-list.csv", &my_number_list())?;

    // Seed 001: Emotet 2019, a reply in a stolen thread with a macro .doc.
    write(
        root,
        "mails/emotet-2019-macro-reply.eml",
        &mail(&MailText {
            from: "\"Sato Kenji\" <sato@partner-kikaku.example>",
            to: "tanaka@print-shop.example",
            reply_to: None,
            date: "Tue, 03 Dec 2019 10:12:44 +0900",
            id: "20191203101244.5521@partner-kikaku.example",
            subject: "Re: 12月分のお見積りについて",
            text: "田中様\n\nいつもお世話になっております。\n請求書を添付いたしますので、ご確認ください。\n\n> 12月分のお見積りをお送りいただけますでしょうか。\n> 田中\n",
            attachment: Some(("請求書_2019年12月.doc", "application/msword", &doc)),
        }),
    )?;
    // Emotet 2020: the document in an encrypted zip, the password in the body.
    write(
        root,
        "mails/emotet-2020-password-zip.eml",
        &mail(&MailText {
            from: "\"Suzuki\" <suzuki@partner-kikaku.example>",
            to: "tanaka@print-shop.example",
            reply_to: None,
            date: "Wed, 09 Sep 2020 09:41:02 +0900",
            id: "20200909094102.8812@partner-kikaku.example",
            subject: "Re: 9月分請求書の送付",
            text: "お世話になっております。\n請求書をパスワード付きZIPでお送りします。\n\nパスワード: Kx7Pq2\n",
            attachment: Some(("seikyusho-2020-09.zip", "application/zip", &zip2020)),
        }),
    )?;
    write(
        root,
        "mails/emotet-2022-lnk.eml",
        &mail(&MailText {
            from: "\"Accounting\" <keiri@partner-kikaku.example>",
            to: "tanaka@print-shop.example",
            reply_to: None,
            date: "Tue, 26 Apr 2022 14:03:51 +0900",
            id: "20220426140351.1209@partner-kikaku.example",
            subject: "Re: 4月分の支払いについて",
            text: "ご確認をお願いいたします。\n",
            attachment: Some(("INV-2022-04.zip", "application/zip", &zip2022)),
        }),
    )?;
    write(
        root,
        "mails/emotet-2023-onenote.eml",
        &mail(&MailText {
            from: "\"Takahashi\" <takahashi@partner-kikaku.example>",
            to: "tanaka@print-shop.example",
            reply_to: None,
            date: "Tue, 07 Mar 2023 11:20:09 +0900",
            id: "20230307112009.4410@partner-kikaku.example",
            subject: "Re: 打ち合わせ議事録",
            text: "議事録をOneNoteで共有します。\n",
            attachment: Some(("minutes-2023-03.one", "application/onenote", &one)),
        }),
    )?;
    write(
        root,
        "mails/emotet-2023-oversize.eml",
        &mail(&MailText {
            from: "\"Takahashi\" <takahashi@partner-kikaku.example>",
            to: "tanaka@print-shop.example",
            reply_to: None,
            date: "Tue, 07 Mar 2023 11:26:40 +0900",
            id: "20230307112640.4418@partner-kikaku.example",
            subject: "Re: 3月度報告書",
            text: "3月度の報告書です。\n",
            attachment: Some(("report-2023-03.zip", "application/zip", &zip2023)),
        }),
    )?;
    // Seed 001: a sender on the Zombie list gets 450 at the office's server.
    write(
        root,
        "mails/zombie-sender.eml",
        &mail(&MailText {
            from: "<info@zombie-pc.example>",
            to: "info@print-shop.example",
            reply_to: None,
            date: "Thu, 10 Oct 2024 03:12:00 +0900",
            id: "20241010031200.1@zombie-pc.example",
            subject: "Your parcel could not be delivered",
            text: "Please confirm your address.\n",
            attachment: None,
        }),
    )?;
    // Seed 000 Q18: one partner, two mails: one scores over the Low
    // threshold ([SPAM]), the next does not.
    write(
        root,
        "mails/partner-seminar-1.eml",
        &mail(&MailText {
            from: "\"Partner Seminar\" <seminar@partner-kikaku.example>",
            to: "info@print-shop.example",
            reply_to: Some("entry@seminar-desk.example"),
            date: "Thu, 10 Oct 2024 10:00:00 +0900",
            id: "20241010100000.1@partner-kikaku.example",
            subject: "【限定】今すぐ申込み！無料セミナー!!!",
            text: "限定20名の無料セミナーです。今すぐお申し込みください。\n",
            attachment: None,
        }),
    )?;
    write(
        root,
        "mails/partner-seminar-2.eml",
        &mail(&MailText {
            from: "\"Partner Seminar\" <seminar@partner-kikaku.example>",
            to: "info@print-shop.example",
            reply_to: None,
            date: "Thu, 10 Oct 2024 10:30:00 +0900",
            id: "20241010103000.2@partner-kikaku.example",
            subject: "無料セミナーのご案内（第2回）",
            text: "第2回の無料セミナーのご案内です。\n",
            attachment: None,
        }),
    )?;
    // Seed 001 「スパムメール対策による検出率 (セキュリティレベル)」: a mail
    // scoring 45 (three phrases: 限定, 無料, 今すぐ), over High's 30 and
    // under Medium's 50 and Low's 70.
    write(
        root,
        "mails/partner-seminar-3.eml",
        &mail(&MailText {
            from: "\"Partner Seminar\" <seminar@partner-kikaku.example>",
            to: "info@print-shop.example",
            reply_to: None,
            date: "Thu, 10 Oct 2024 10:40:00 +0900",
            id: "20241010104000.3@partner-kikaku.example",
            subject: "【限定】無料セミナーのご案内（第3回）",
            text: "第3回の無料セミナーです。席に限りがあります。今すぐお申込みください。\n",
            attachment: None,
        }),
    )?;
    // Seed 000 FAQ Q11: the phishing mail whose link is clicked.
    write(
        root,
        "mails/phishing-hikari-bank.eml",
        &phishing_mail(
            "http://login.hikari-bank-secure.example/verify?id=8841",
            "https://www.hikari-bank.example/",
        ),
    )?;
    // The same lure on a domain registered this morning, not yet rated
    // (FAQ Q11: 「100%防げるものではありません」).
    write(
        root,
        "mails/phishing-hikari-bank-unrated.eml",
        &phishing_mail(
            "http://login.hikari-bank-verify.example/verify?id=8841",
            "https://www.hikari-bank.example/",
        ),
    )?;
    // An office PC sending the EICAR file out (outgoing mail is scanned too).
    write(
        root,
        "mails/outgoing-eicar.eml",
        &mail(&MailText {
            from: "\"Tanaka Yumi\" <tanaka@print-shop.example>",
            to: "sato@partner-kikaku.example",
            reply_to: None,
            date: "Tue, 03 Dec 2019 11:30:00 +0900",
            id: "20191203113000.77@print-shop.example",
            subject: "テストファイル送付",
            text: "ウイルス対策の動作確認用ファイルです。\n",
            attachment: Some(("eicar.com", "application/octet-stream", EICAR)),
        }),
    )?;
    Ok(())
}
