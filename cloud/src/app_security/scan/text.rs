//! The text inside a file, for data-loss policies and the URLs web
//! reputation rates: plain text as it is, OOXML documents (Word, Excel,
//! PowerPoint) by the text of their XML parts, zip archives entry by entry.
//! Binary content (programs, pictures) has no text.

use appliance::inspect::anti_malware::archive::is_zip;
use std::io::{Cursor, Read};

/// Text read out of one file, at most this many bytes all entries together.
const MAX_TEXT: usize = 16 * 1024 * 1024;
/// Archive layers opened for text.
const MAX_DEPTH: usize = 4;
/// Bytes of a file looked at to tell text from binary.
const SNIFF: usize = 8 * 1024;
/// Archive entries read for text, all layers together.
const MAX_ENTRIES: usize = 1_000;
/// Bytes inflated for one file's text, all layers together (binary
/// entries count too: they are inflated to be told apart).
const MAX_INFLATED: u64 = 64 * 1024 * 1024;

/// How much of a file's archives may still be read.
struct Budget {
    entries: usize,
    inflated: u64,
}

/// The text of a file (empty when it has none).
pub fn of_file(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut budget = Budget {
        entries: MAX_ENTRIES,
        inflated: MAX_INFLATED,
    };
    collect(bytes, 0, &mut out, &mut budget);
    out
}

fn collect(bytes: &[u8], depth: usize, out: &mut String, budget: &mut Budget) {
    if out.len() >= MAX_TEXT {
        return;
    }
    if is_zip(bytes) {
        if depth < MAX_DEPTH {
            collect_zip(bytes, depth + 1, out, budget);
        }
        return;
    }
    // Excel writes "Unicode text" as UTF-16 with a byte-order mark (its
    // NULs would read as binary) and CSV as Shift_JIS by default.
    let (utf16, _) = encoding_rs::Encoding::for_bom(bytes).unzip();
    if let Some(encoding) = utf16.filter(|e| *e != encoding_rs::UTF_8) {
        let (text, _) = encoding.decode_with_bom_removal(bytes);
        push_bounded(out, &text);
        return;
    }
    if looks_binary(bytes) {
        return;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => push_bounded(out, text),
        Err(_) => {
            let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(bytes);
            if malformed {
                push_bounded(out, &String::from_utf8_lossy(bytes));
            } else {
                push_bounded(out, &text);
            }
        }
    }
}

/// A file is binary when its first bytes hold a NUL or many control bytes.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF)];
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    head.contains(&0) || controls * 10 > head.len().max(1)
}

fn collect_zip(bytes: &[u8], depth: usize, out: &mut String, budget: &mut Budget) {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    for index in 0..zip.len() {
        if out.len() >= MAX_TEXT || budget.entries == 0 || budget.inflated == 0 {
            return;
        }
        budget.entries -= 1;
        let Ok(entry) = zip.by_index(index) else {
            continue;
        };
        if entry.is_dir() || entry.encrypted() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let mut data = Vec::new();
        let room = ((MAX_TEXT - out.len()) as u64 * 4).min(budget.inflated);
        if entry.take(room).read_to_end(&mut data).is_err() {
            continue;
        }
        budget.inflated = budget.inflated.saturating_sub(data.len() as u64);
        if name.ends_with(".xml") {
            // OOXML parts: the words are between the tags; a tag break
            // is a word break.
            push_bounded(out, &xml_text(&String::from_utf8_lossy(&data)));
        } else if !name.ends_with(".rels") {
            collect(&data, depth, out, budget);
        }
        out.push('\n');
    }
}

/// The character data of an XML text: tags dropped, the five predefined
/// entities decoded. A paragraph or cell end (`</w:p>`, `</si>`, `</c>`,
/// `</a:p>`) is a line break, so numbers in two cells never join.
fn xml_text(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() / 2);
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        out.push_str(&unescape(&rest[..open]));
        let Some(close) = rest[open..].find('>') else {
            return out;
        };
        let tag = &rest[open + 1..open + close];
        if matches!(tag, "/w:p" | "/si" | "/c" | "/a:p" | "/w:tc" | "/row") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&unescape(rest));
    out
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn push_bounded(out: &mut String, text: &str) {
    let room = MAX_TEXT.saturating_sub(out.len());
    if text.len() <= room {
        out.push_str(text);
    } else {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&text[..cut]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn ooxml_cells_and_paragraphs_do_not_join() {
        let mut buf = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        w.write_all(b"<sst><si><t>1234</t></si><si><t>5678 &amp; co</t></si></sst>")
            .expect("write");
        w.finish().expect("finish");
        let text = of_file(&buf.into_inner());
        assert!(text.contains("1234\n5678 & co"), "{text:?}");
    }

    #[test]
    fn excels_shift_jis_csv_and_utf16_text_are_read() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("氏名,個人番号\n山田,123456789018\n");
        assert_eq!(of_file(&sjis), "氏名,個人番号\n山田,123456789018\n");
        let mut utf16 = vec![0xff, 0xfe];
        for unit in "氏名\t個人番号".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(of_file(&utf16), "氏名\t個人番号");
    }

    #[test]
    fn programs_have_no_text_and_plain_text_is_itself() {
        assert_eq!(of_file(b"MZ\x90\x00\x03\x00\x00\x00"), "");
        assert_eq!(of_file("氏名,番号\n".as_bytes()), "氏名,番号\n");
    }
}
