//! Immediate alerts: the mail that reaches the support desk when a PC calls a C&C server.
//!
//! The real service reports through its cloud, which mails and phones the desk
//! (FAQ Q7). The gateway produces the finished RFC 5322 message; the driver (the
//! twin, the appliance binary) delivers it.

use crate::time::Instant;
use serde::Serialize;

/// One alert mail, ready to deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub time: Instant,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Alert {
    /// The alert as an RFC 5322 message (UTF-8 body, subject encoded per RFC 2047).
    pub fn to_rfc5322(&self) -> String {
        let date = self.time.to_jst().to_rfc2822();
        let subject = encode_rfc2047(&self.subject);
        let mut body = self.body.replace("\r\n", "\n").replace('\n', "\r\n");
        if !body.ends_with("\r\n") {
            body.push_str("\r\n");
        }
        format!(
            "From: {}\r\nTo: {}\r\nDate: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
            self.from, self.to, date, subject, body
        )
    }
}

/// RFC 2047 `B` encoding for a header holding non-ASCII text.
pub fn encode_rfc2047(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 16);
    out.push_str("=?UTF-8?B?");
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push_str("?=");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_subject_is_encoded() {
        assert_eq!(encode_rfc2047("abc"), "abc");
        // "C&C" in UTF-8 with one Japanese character, checked against Python's base64.
        assert_eq!(encode_rfc2047("通信"), "=?UTF-8?B?6YCa5L+h?=");
    }

    #[test]
    fn message_has_headers_and_crlf_body() {
        let alert = Alert {
            time: Instant::from_secs(1_506_388_185),
            from: "a@isp.example".into(),
            to: "b@isp.example".into(),
            subject: "test".into(),
            body: "line1\nline2".into(),
        };
        let msg = alert.to_rfc5322();
        assert!(msg.starts_with("From: a@isp.example\r\nTo: b@isp.example\r\n"));
        assert!(msg.contains("Date: Tue, 26 Sep 2017 10:09:45 +0900\r\n"));
        assert!(msg.ends_with("\r\n\r\nline1\r\nline2\r\n"));
    }
}
