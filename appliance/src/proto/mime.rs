//! MIME messages (RFC 5322/2045-2049) as the mail engines need them: the
//! decoded subject (RFC 2047, ISO-2022-JP and UTF-8), sender, recipients,
//! the text of every body part, the URLs in it, and the attachments with
//! their decoded names (RFC 2047 and RFC 2231) and bytes, including those of
//! nested messages. Parsing is mail-parser's (with `full_encoding`); this
//! module adds where each attachment sits in the raw bytes, so the mail can
//! be rewritten without re-encoding what stays.

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};
use std::ops::Range;

/// Nested messages followed this deep.
const MAX_NESTING: u8 = 5;
/// URLs kept per message.
const MAX_URLS: usize = 256;

/// One attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The decoded file name; `attachment-N` when it has none.
    pub name: String,
    pub content_type: String,
    /// The decoded content.
    pub data: Vec<u8>,
    /// Bytes of the raw message that hold this part (headers and body) at
    /// the top level; for a part of a nested message, the nested message.
    pub span: Range<usize>,
    /// Inside a nested (message/rfc822) message.
    pub nested: bool,
}

/// A parsed message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub from: String,
    pub to: Vec<String>,
    pub reply_to: Option<String>,
    pub message_id: Option<String>,
    /// All text and HTML bodies, decoded, one after the other.
    pub text: String,
    pub urls: Vec<String>,
    pub attachments: Vec<Attachment>,
    /// A multipart whose closing boundary never came (cut off in transit).
    pub truncated: bool,
    /// mail-parser could not read it as a message at all.
    pub unparsable: bool,
    /// Span of the top-level header block (for adding a missing Subject).
    pub subject_span: Option<Range<usize>>,
    pub header_end: usize,
    /// Whether the root part is itself the only "attachment" (a single-part
    /// message whose body is a file).
    pub root_is_attachment: bool,
}

fn first_address(a: Option<&Address<'_>>) -> Option<String> {
    a.and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_string)
}

/// Parses `raw`; never fails: an unreadable message comes back `unparsable`.
pub fn parse(raw: &[u8]) -> Mail {
    let Some(mut msg) = MessageParser::default().parse(raw) else {
        return Mail {
            unparsable: true,
            ..Mail::default()
        };
    };
    let mut mail = envelope(&msg);
    collect(&mut msg, None, 0, &mut mail);
    mail.truncated = truncated(&msg, raw);
    mail.urls.truncate(MAX_URLS);
    mail
}

/// The top-level header fields of `msg`, and where its header block is.
fn envelope(msg: &mail_parser::Message<'_>) -> Mail {
    let mut mail = Mail {
        subject: msg.subject().unwrap_or_default().to_string(),
        from: first_address(msg.from()).unwrap_or_default(),
        to: msg
            .to()
            .map(|a| {
                a.iter()
                    .filter_map(|a| a.address())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        reply_to: first_address(msg.reply_to()),
        message_id: msg.message_id().map(str::to_string),
        ..Mail::default()
    };
    if let Some(root) = msg.parts.first() {
        mail.header_end = root.offset_body as usize;
        mail.subject_span = root
            .headers
            .iter()
            .find(|h| h.name == mail_parser::HeaderName::Subject)
            .map(|h| h.offset_start as usize..h.offset_end as usize);
    }
    mail
}

/// Walks one message's parts, taking each body out of the parsed message:
/// an attachment's decoded bytes are mail-parser's buffer, moved, not
/// copied (a body that needed no decoding, borrowed from the raw message,
/// is copied once). Only the bodies are taken; the headers stay for
/// [`truncated`]. `outer` is the span of the enclosing message/rfc822 part
/// at the top level, if this message is nested.
fn collect(
    msg: &mut mail_parser::Message<'_>,
    outer: Option<Range<usize>>,
    depth: u8,
    mail: &mut Mail,
) {
    for (id, part) in msg.parts.iter_mut().enumerate() {
        let span = outer
            .clone()
            .unwrap_or(part.offset_header as usize..part.offset_end as usize);
        let body = std::mem::replace(&mut part.body, PartType::Multipart(Vec::new()));
        let part = &*part;
        match body {
            PartType::Text(t) | PartType::Html(t) => {
                if is_attachment(part) {
                    push_attachment(
                        part,
                        t.into_owned().into_bytes(),
                        span,
                        outer.is_some(),
                        mail,
                        id,
                    );
                } else {
                    push_text(mail, &t);
                }
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                push_attachment(part, b.into_owned(), span, outer.is_some(), mail, id);
            }
            PartType::Message(mut nested) => {
                if depth + 1 < MAX_NESTING {
                    collect(&mut nested, Some(span), depth + 1, mail);
                }
            }
            PartType::Multipart(_) => {}
        }
    }
}

/// A text part the sender marked as a file (a name, or
/// `Content-Disposition: attachment`) is scanned as one, not read as text.
fn is_attachment(part: &mail_parser::MessagePart<'_>) -> bool {
    part.attachment_name().is_some()
        || part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
}

/// A text part joins the mail's text, its links the mail's URLs.
fn push_text(mail: &mut Mail, text: &str) {
    if !mail.text.is_empty() {
        mail.text.push('\n');
    }
    mail.text.push_str(text);
    extract_urls(text, &mut mail.urls);
}

fn push_attachment(
    part: &mail_parser::MessagePart<'_>,
    data: Vec<u8>,
    span: Range<usize>,
    nested: bool,
    mail: &mut Mail,
    id: usize,
) {
    let name = part
        .attachment_name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("attachment-{}", mail.attachments.len() + 1));
    let content_type = part
        .content_type()
        .map(|c| match c.subtype() {
            Some(s) => format!("{}/{}", c.ctype(), s),
            None => c.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".to_string());
    if id == 0 && !nested {
        mail.root_is_attachment = true;
    }
    mail.attachments.push(Attachment {
        name,
        content_type,
        data,
        span,
        nested,
    });
}

/// A multipart's closing delimiter `--boundary--` is missing.
fn truncated(msg: &mail_parser::Message<'_>, raw: &[u8]) -> bool {
    msg.parts.iter().any(|p| {
        let Some(boundary) = p
            .content_type()
            .filter(|c| c.ctype().eq_ignore_ascii_case("multipart"))
            .and_then(|c| c.attribute("boundary"))
        else {
            return false;
        };
        let close = format!("--{boundary}--");
        // The close is at the end when it is there: searched from the back.
        memchr::memmem::rfind(raw, close.as_bytes()).is_none()
    })
}

/// `http://` and `https://` URLs in decoded text (HTML attributes included).
/// One pass over the text: each `http` is looked at once (searching for
/// the two schemes apart rescanned the rest of the text for the scheme
/// that no longer occurs, after every URL).
pub fn extract_urls(text: &str, urls: &mut Vec<String>) {
    let lower = text.to_ascii_lowercase();
    let finder = memchr::memmem::Finder::new(b"http");
    let mut from = 0;
    while urls.len() < MAX_URLS {
        let Some(at) = lower
            .as_bytes()
            .get(from..)
            .and_then(|rest| finder.find(rest))
            .map(|n| from + n)
        else {
            break;
        };
        let tail = lower.get(at..).unwrap_or("");
        if !(tail.starts_with("http://") || tail.starts_with("https://")) {
            from = at + "http".len();
            continue;
        }
        let rest = text.get(at..).unwrap_or("");
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | ']'))
            .unwrap_or(rest.len());
        let url = rest.get(..end).unwrap_or("").trim_end_matches(['.', ',']);
        if url.len() > "https://".len() && !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
        from = at + end.max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The parse this module did before bodies were moved out of
    /// mail-parser's message (each attachment's bytes copied): the
    /// reference `parse` must agree with.
    mod copied {
        use super::super::{
            MAX_NESTING, MAX_URLS, Mail, envelope, is_attachment, push_attachment, push_text,
            truncated,
        };
        use mail_parser::{MessageParser, PartType};
        use std::ops::Range;

        pub fn parse(raw: &[u8]) -> Mail {
            let Some(msg) = MessageParser::default().parse(raw) else {
                return Mail {
                    unparsable: true,
                    ..Mail::default()
                };
            };
            let mut mail = envelope(&msg);
            collect(&msg, None, 0, &mut mail);
            mail.truncated = truncated(&msg, raw);
            mail.urls.truncate(MAX_URLS);
            mail
        }

        fn collect(
            msg: &mail_parser::Message<'_>,
            outer: Option<Range<usize>>,
            depth: u8,
            mail: &mut Mail,
        ) {
            for (id, part) in msg.parts.iter().enumerate() {
                let span = outer
                    .clone()
                    .unwrap_or(part.offset_header as usize..part.offset_end as usize);
                match &part.body {
                    PartType::Text(t) | PartType::Html(t) => {
                        if is_attachment(part) {
                            push(part, t.as_bytes(), span, outer.is_some(), mail, id);
                        } else {
                            push_text(mail, t);
                        }
                    }
                    PartType::Binary(b) | PartType::InlineBinary(b) => {
                        push(part, b, span, outer.is_some(), mail, id);
                    }
                    PartType::Message(nested) => {
                        if depth + 1 < MAX_NESTING {
                            collect(nested, Some(span), depth + 1, mail);
                        }
                    }
                    PartType::Multipart(_) => {}
                }
            }
        }

        /// The attachment's bytes copied out of the borrowed message.
        fn push(
            part: &mail_parser::MessagePart<'_>,
            data: &[u8],
            span: Range<usize>,
            nested: bool,
            mail: &mut Mail,
            id: usize,
        ) {
            push_attachment(part, data.to_vec(), span, nested, mail, id);
        }
    }

    /// One generated MIME part (headers and body), nested messages included.
    fn part(depth: u32) -> BoxedStrategy<String> {
        let text = "[a-z .=]{0,40}( https?://[a-z]{1,8}\\.example/[a-z]{0,5})?";
        let bytes = proptest::collection::vec(any::<u8>(), 0..300);
        let leaf = prop_oneof![
            text.prop_map(|t| format!("Content-Type: text/plain; charset=UTF-8\r\n\r\n{t}\r\n")),
            text.prop_map(|t| format!(
                "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"{t}\">x</a>=\r\n{t}\r\n"
            )),
            (text, "[a-z]{1,6}").prop_map(|(t, n)| format!(
                "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"{n}.txt\"\r\n\r\n{t}\r\n"
            )),
            (bytes.clone(), "[a-z]{0,6}", any::<bool>()).prop_map(|(b, n, wrap)| {
                let enc = crate::inspect::mail_security::rewrite::base64(&b);
                let body: Vec<&str> = if wrap {
                    enc.as_bytes()
                        .chunks(76)
                        .map(|c| std::str::from_utf8(c).unwrap_or(""))
                        .collect()
                } else {
                    vec![enc.as_str()]
                };
                let name = if n.is_empty() {
                    String::new()
                } else {
                    format!("; name=\"{n}.bin\"")
                };
                format!(
                    "Content-Type: application/octet-stream{name}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                    body.join("\r\n")
                )
            }),
            "[ -~]{0,80}".prop_map(|t| format!(
                "Content-Type: application/pdf\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{t}\r\n"
            )),
        ];
        if depth == 0 {
            return leaf.boxed();
        }
        prop_oneof![
            3 => leaf,
            1 => message(depth - 1).prop_map(|m| format!("Content-Type: message/rfc822\r\n\r\n{m}")),
        ]
        .boxed()
    }

    /// A generated message: one part, or a multipart/mixed of several.
    fn message(depth: u32) -> BoxedStrategy<String> {
        let head = "From: a@example.jp\r\nTo: b@example.jp, c@example.jp\r\nSubject: s\r\nMIME-Version: 1.0\r\n";
        prop_oneof![
            part(depth).prop_map(move |p| format!("{head}{p}")),
            proptest::collection::vec(part(depth), 1..5).prop_map(move |parts| {
                let mut m =
                    format!("{head}Content-Type: multipart/mixed; boundary=\"b{depth}\"\r\n\r\n");
                for p in parts {
                    m.push_str(&format!("--b{depth}\r\n{p}"));
                }
                m.push_str(&format!("--b{depth}--\r\n"));
                m
            }),
        ]
        .boxed()
    }

    proptest! {
        /// Moving the bodies out of mail-parser's message gives what
        /// copying them gave, on whole and cut-off messages.
        #[test]
        fn moved_bodies_agree_with_copied(m in message(2), cut in any::<prop::sample::Index>(), whole in any::<bool>()) {
            let raw = m.as_bytes();
            let raw = if whole { raw } else { &raw[..cut.index(raw.len() + 1)] };
            // mail-parser has a `debug_assert!` (release builds go on) that
            // some nestings of message/rfc822 trip in test builds: such a
            // case says nothing about copying or moving, and is skipped.
            let reference = std::panic::catch_unwind(|| copied::parse(raw));
            prop_assume!(reference.is_ok());
            let reference = reference.unwrap_or_default();
            prop_assert_eq!(parse(raw), reference);
        }
    }

    /// A base64 part body as mail programs write it (76-character lines),
    /// long runs of them, and everything that can break a run: short and
    /// odd lines, every line ending, padding, spaces, dashes and
    /// boundaries, bytes outside the alphabet, random bytes.
    fn base64_body() -> impl Strategy<Value = Vec<u8>> {
        let line76 = "[A-Za-z0-9+/]{76}".prop_map(|l| l + "\r\n");
        let ending = prop::sample::select(vec!["\r\n", "\n", "\r", ""]);
        let line = ("[A-Za-z0-9+/]{0,100}", ending).prop_map(|(l, e)| l + e);
        let run = prop::collection::vec("[A-Za-z0-9+/]{76}", 100..130)
            .prop_map(|lines| lines.join("\r\n") + "\r\n");
        let mark = prop::sample::select(vec![
            "=",
            "==",
            "=\r\n",
            " ",
            "\t",
            "-",
            "--",
            "--boundary",
            "--boundary--\r\n",
            "\r\n--boundary\r\n",
            "--bound",
            "!",
            "\u{0}",
            ".",
        ])
        .prop_map(str::to_string);
        let piece = prop_oneof![
            8 => line76.prop_map(String::into_bytes),
            3 => line.prop_map(String::into_bytes),
            1 => run.prop_map(String::into_bytes),
            2 => mark.prop_map(String::into_bytes),
            1 => prop::collection::vec(any::<u8>(), 0..8),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// vendor/mail-parser's fast base64 decoder (whole lines with
        /// SIMD, whole groups, then upstream's byte loop) ends where
        /// upstream's decoder ends, with the same bytes, on any body.
        #[test]
        fn patched_base64_decoder_agrees_with_upstream(
            body in base64_body(),
            boundary in prop::sample::select(vec!["boundary", ""]),
        ) {
            let [patched, upstream] = mail_parser::officetwin_base64_both(&body, boundary.as_bytes());
            prop_assert_eq!(patched, upstream, "{:?}", String::from_utf8_lossy(&body));
        }
    }

    const MULTI: &str = "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n\
To: office@print-shop.example\r\n\
Subject: =?ISO-2022-JP?B?GyRCOSk7diROJCpDTiRpJDsbKEI=?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
\r\n\
See https://example.com/a?b=1 and http://192.0.2.9/x.\r\n\
--b1\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.doc\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
aGVsbG8=\r\n\
--b1--\r\n";

    #[test]
    fn japanese_subject_rfc2231_name_urls_and_spans() {
        let mail = parse(MULTI.as_bytes());
        assert_eq!(mail.subject, "工事のお知らせ");
        assert_eq!(mail.from, "yamada@example.jp");
        assert_eq!(mail.to, ["office@print-shop.example"]);
        assert_eq!(
            mail.urls,
            ["https://example.com/a?b=1", "http://192.0.2.9/x"]
        );
        assert_eq!(mail.attachments.len(), 1);
        let a = &mail.attachments[0];
        assert_eq!(a.name, "請求書.doc");
        assert_eq!(a.data, b"hello");
        let part = &MULTI.as_bytes()[a.span.clone()];
        assert!(
            part.starts_with(b"Content-Type: application/octet-stream"),
            "{:?}",
            String::from_utf8_lossy(part)
        );
        assert!(!mail.truncated);
    }

    #[test]
    fn truncated_and_garbage_input() {
        let cut = &MULTI.as_bytes()[..MULTI.len() - 30];
        let mail = parse(cut);
        assert!(mail.truncated);
        for n in 0..MULTI.len() {
            let _ = parse(&MULTI.as_bytes()[..n]);
        }
        let _ = parse(&[0xff, 0xfe, 0, 1, 2]);
    }
}
