//! Rewriting a raw message: splicing a notice in place of a part, and
//! putting a tag in front of the subject. Only the edited bytes change.

use crate::proto::mime::Mail;

pub use crate::labels::{notice_malware, notice_unscannable};

/// A text/plain MIME part carrying `text`, base64 so any 7-bit path keeps it.
fn notice_part(text: &str) -> Vec<u8> {
    let mut part = b"Content-Type: text/plain; charset=\"UTF-8\"\r\n\
Content-Disposition: inline\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    let encoded = base64(text.as_bytes());
    for line in encoded.as_bytes().chunks(76) {
        part.extend_from_slice(line);
        part.extend_from_slice(b"\r\n");
    }
    part
}

/// Replaces the attachments numbered in `removals` (index into
/// `mail.attachments`, notice text) by notice parts. Several attachments
/// inside one nested message replace that message once.
pub fn replace_parts(raw: &[u8], mail: &Mail, removals: &[(usize, String)]) -> Vec<u8> {
    if removals.is_empty() {
        return raw.to_vec();
    }
    if mail.root_is_attachment || mail.header_end == 0 {
        // A single-part message whose body is the file: keep the headers
        // that are not about the content, and make the body the notice.
        let notice: String = removals.iter().map(|(_, n)| n.as_str()).collect();
        return single_part_notice(raw, mail, &notice);
    }
    let mut spans: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (i, notice) in removals {
        let Some(att) = mail.attachments.get(*i) else {
            continue;
        };
        match spans.iter_mut().find(|(s, _)| *s == att.span) {
            Some((_, n)) => n.push_str(notice),
            None => spans.push((att.span.clone(), notice.clone())),
        }
    }
    spans.sort_by_key(|(s, _)| s.start);
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    for (span, notice) in spans {
        if span.start < at || span.end > raw.len() || span.start > span.end {
            continue;
        }
        out.extend_from_slice(&raw[at..span.start]);
        let mut part = notice_part(&notice);
        // Keep whatever line ending closed the original part before the
        // next boundary.
        if !raw[span.clone()].ends_with(b"\r\n") && !raw[span.clone()].ends_with(b"\n") {
            while part.ends_with(b"\n") {
                part.pop();
                if part.ends_with(b"\r") {
                    part.pop();
                }
            }
        }
        out.extend_from_slice(&part);
        at = span.end;
    }
    out.extend_from_slice(raw.get(at..).unwrap_or(&[]));
    out
}

fn single_part_notice(raw: &[u8], mail: &Mail, notice: &str) -> Vec<u8> {
    let headers = raw.get(..mail.header_end).unwrap_or(raw);
    let text = String::from_utf8_lossy(headers);
    let mut out = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        let continuation = line.starts_with(' ') || line.starts_with('\t');
        if !continuation {
            let name = line
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            skipping = name.starts_with("content-");
        }
        if line.trim().is_empty() {
            break;
        }
        if !skipping {
            out.push_str(line);
        }
    }
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(b"MIME-Version: 1.0\r\n");
    // Drop a duplicate MIME-Version if the original had one.
    let mut bytes = dedup_mime_version(bytes);
    bytes.extend_from_slice(&notice_part(notice));
    bytes
}

fn dedup_mime_version(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let count = text.to_ascii_lowercase().matches("mime-version:").count();
    if count <= 1 {
        return bytes;
    }
    let mut out = String::new();
    let mut dropped = false;
    for line in text.split_inclusive('\n') {
        if !dropped && line.to_ascii_lowercase().starts_with("mime-version:") {
            dropped = true;
            continue;
        }
        out.push_str(line);
    }
    out.into_bytes()
}

/// Puts `tag` in front of the subject, encoded as RFC 2047 when it is not
/// ASCII; adds a Subject header when there is none.
pub fn tag_subject(raw: &[u8], mail: &Mail, tag: &str) -> Vec<u8> {
    let Some(span) = mail.subject_span.clone() else {
        let at = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(0, |p| p + 2)
            .min(raw.len());
        let mut out = raw[..at].to_vec();
        out.extend_from_slice(b"Subject: ");
        out.extend_from_slice(encode_word(tag).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&raw[at..]);
        return out;
    };
    let Some(value) = raw.get(span.clone()) else {
        return raw.to_vec();
    };
    let lead = value
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let insert_at = span.start + lead;
    let original_encoded = value.get(lead..).is_some_and(|v| v.starts_with(b"=?"));
    let insert = if tag.is_ascii() {
        format!("{tag} ")
    } else if original_encoded {
        // Whitespace between two encoded words is dropped by decoders, so
        // the separating space goes inside the tag's word.
        format!("{} ", encode_word(&format!("{tag} ")))
    } else {
        format!("{} ", encode_word(tag))
    };
    let mut out = Vec::with_capacity(raw.len() + insert.len());
    out.extend_from_slice(&raw[..insert_at]);
    if lead == 0 {
        out.push(b' ');
    }
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(&raw[insert_at..]);
    out
}

fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    format!("=?UTF-8?B?{}?=", base64(text.as_bytes()))
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::mime;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn tags_plain_and_encoded_subjects() {
        let raw = b"From: a@x.example\r\nSubject: Re: invoice\r\n\r\nbody\r\n";
        let m = mime::parse(raw);
        let out = tag_subject(raw, &m, "[ウイルス駆除済み]");
        assert_eq!(mime::parse(&out).subject, "[ウイルス駆除済み] Re: invoice");
        let raw = b"From: a@x.example\r\nSubject: =?ISO-2022-JP?B?GyRCOSk7diROJCpDTiRpJDsbKEI=?=\r\n\r\nbody\r\n";
        let m = mime::parse(raw);
        let out = tag_subject(raw, &m, "[ウイルス駆除済み]");
        assert_eq!(
            mime::parse(&out).subject,
            "[ウイルス駆除済み] 工事のお知らせ"
        );
        let out = tag_subject(&out, &mime::parse(&out), "[SPAM]");
        assert_eq!(
            mime::parse(&out).subject,
            "[SPAM] [ウイルス駆除済み] 工事のお知らせ"
        );
        let raw = b"From: a@x.example\r\n\r\nbody\r\n";
        let out = tag_subject(raw, &mime::parse(raw), "[SPAM]");
        assert_eq!(mime::parse(&out).subject, "[SPAM]");
    }
}
