//! HTTP responses as a download scanner needs them: read the way browsers
//! read them, not the way RFC 9112 writes them, and the body in every
//! interpretation some mainstream browser (Firefox, Chromium) would save.
//!
//! The rule (issue 14): if a browser would save the file, the scanner scans
//! the bytes it would save; where browsers disagree, it scans each reading.
//! HTTP Evader's published browser results (noxxi.de) are the reference for
//! the odd cases. One module per concept:
//!
//! - [`head`]: where the status line starts (case, junk, HTTP/0.9), where
//!   the head ends (`\n\n`, `\n\r\n`, blank lines, bare CR), folded fields;
//! - [`framing`]: chunked (with junk around the token), Content-Length
//!   (with junk in the value, several values), a streaming de-chunker so a
//!   body is framed in linear time as it arrives;
//! - [`coding`]: content codings undone leniently (gzip with a bad header
//!   CRC, reserved flags or a cut trailer; deflate with or without zlib;
//!   brotli; zstd; lzma, which only libhtp decodes; layers declared otherwise
//!   than applied);
//! - here: the bounded set of interpretations ([`response_views`]): every
//!   head reading × every framing × every decoding, deduplicated, capped in
//!   number ([`MAX_VIEWS`]) and bytes.
//!
//! When no head can be read (HTTP/0.9, a head that never ends), the stream
//! is not given up: [`raw_views`] reads it as a body itself, and as a
//! body after whatever head-like text it holds.

pub mod coding;
pub mod framing;
pub mod head;

pub use framing::{Dechunker, Framer, dechunk};
pub use head::{Head, Located, NoHead, locate};

use coding::{Coding, Token};
use std::borrow::Cow;

/// Interpretations scanned per response at most.
pub const MAX_VIEWS: usize = 24;

/// A bounded, deduplicated set of bodies: slices of the response where a
/// reading is one (no copy of a large plain body), decoded bytes otherwise.
#[derive(Debug, Default)]
pub struct Views<'a> {
    pub views: Vec<Cow<'a, [u8]>>,
    /// Bytes held in `views`.
    bytes: usize,
    /// Interpretations left out by the caps.
    pub dropped: usize,
    limit: usize,
}

impl<'a> Views<'a> {
    /// An empty set whose bodies are cut at `limit` bytes; their total is
    /// capped at four times that.
    pub fn new(limit: usize) -> Views<'a> {
        Views {
            limit,
            ..Views::default()
        }
    }

    /// Adds `v` (cut at the limit) unless it is empty, already there, or
    /// over a cap; whether it was added.
    pub fn push(&mut self, v: impl Into<Cow<'a, [u8]>>) -> bool {
        let v = match v.into() {
            Cow::Borrowed(b) => Cow::Borrowed(&b[..b.len().min(self.limit)]),
            Cow::Owned(mut o) => {
                o.truncate(self.limit);
                Cow::Owned(o)
            }
        };
        if v.is_empty() || self.views.iter().any(|x| **x == *v) {
            return false;
        }
        if self.views.len() >= MAX_VIEWS || self.bytes + v.len() > self.limit.saturating_mul(4) {
            self.dropped += 1;
            return false;
        }
        self.bytes += v.len();
        self.views.push(v);
        true
    }

    fn room(&self) -> usize {
        MAX_VIEWS.saturating_sub(self.views.len())
    }
}

/// Content-Encoding layers a browser undoes, in the order applied, and
/// whether any coding at all is declared (content or transfer, known or
/// not): then the body is also read for the layers it looks like.
pub fn declared_codings(head: &Head) -> (Vec<Coding>, bool) {
    let mut known = Vec::new();
    let mut any = false;
    for value in head.values("content-encoding") {
        for t in value.split(',').filter_map(coding::token) {
            any = true;
            if let Token::Known(c) = t {
                known.push(c);
            }
        }
    }
    for value in head.values("transfer-encoding") {
        for t in value.split(',').filter_map(coding::token) {
            if t != Token::Other("chunked".into()) {
                any = true;
            }
        }
    }
    (known, any)
}

/// The bodies a browser might save from one head reading of a response
/// whose body bytes are `body`.
fn body_views<'a>(head: &Head, body: &'a [u8], views: &mut Views<'a>) {
    let lengths = framing::content_lengths(head);
    let mut framed: Vec<Cow<'a, [u8]>> = Vec::new();
    let cut_at = |len: usize| {
        lengths
            .iter()
            .map(|n| usize::try_from(*n).unwrap_or(usize::MAX))
            .filter(move |n| *n < len)
    };
    // Whether the chunked framing held to its last chunk.
    let mut chunks_hold = false;
    if framing::chunked(head) {
        let (data, done) = dechunk(body, views.limit);
        chunks_hold = done;
        // Chunked with Content-Length too (HTTP Evader "addjunk"): a client
        // honouring the length after de-chunking sees a shorter file.
        for n in cut_at(data.len()) {
            framed.push(Cow::Owned(data[..n].to_vec()));
        }
        framed.push(Cow::Owned(data));
    }
    // A body that does not de-chunk is read raw too even where every
    // browser takes it as chunked: they fail on it, but a reader that falls
    // back to the raw bytes (Suricata's libhtp does) delivers the file.
    if !framing::surely_chunked(head) || !chunks_hold {
        for n in cut_at(body.len()) {
            framed.push(Cow::Borrowed(&body[..n]));
        }
        framed.push(Cow::Borrowed(body));
    }
    let (declared, coded) = declared_codings(head);
    for f in framed {
        if coded {
            let decoded = coding::peel(&f, &declared, views.limit, views.room());
            for d in decoded {
                views.push(d);
            }
        }
        views.push(f);
    }
}

/// Every body a browser might save from `response`: the bytes of one
/// response from its first byte (junk, head, body) to its end as framed.
pub fn response_views(response: &[u8], limit: usize) -> Views<'_> {
    let mut views = Views::new(limit);
    match locate(response, true) {
        Located::Heads(heads) => {
            for head in &heads {
                let body = response.get(head.len..).unwrap_or_default();
                if !head.bodiless() {
                    body_views(head, body, &mut views);
                }
            }
            // Junk before the status line past Chromium's slop: Chromium
            // reads the stream as HTTP/0.9, all of it the body.
            if heads.first().is_some_and(|h| h.start > head::CHROMIUM_SLOP) {
                views.push(response);
            }
        }
        Located::NoHead(_) | Located::NeedMore => raw_views(response, &mut views),
    }
    views
}

/// A stream without a head the gateway reads: the whole of it (HTTP/0.9);
/// the body after the first status line anywhere in it, in each reading;
/// failing that, the bytes after its first empty line, de-chunked and
/// decoded as they look.
pub fn raw_views<'a>(stream: &'a [u8], views: &mut Views<'a>) {
    views.push(stream);
    let anywhere = stream
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b"http/"));
    if let Some(at) = anywhere
        && let Located::Heads(heads) = locate(&stream[at..], true)
    {
        for head in &heads {
            body_views(head, stream.get(at + head.len..).unwrap_or_default(), views);
        }
        return;
    }
    let after_blank = [&b"\r\n\r\n"[..], b"\n\n"]
        .iter()
        .filter_map(|sep| {
            stream
                .windows(sep.len())
                .position(|w| w == *sep)
                .map(|p| p + sep.len())
        })
        .min();
    for body in [Some(0), after_blank].into_iter().flatten() {
        let body = &stream[body..];
        let (data, _) = dechunk(body, views.limit);
        for d in [Cow::Owned(data), Cow::Borrowed(body)] {
            for v in coding::peel(&d, &[], views.limit, views.room()) {
                views.push(v);
            }
            views.push(d);
        }
    }
}

#[cfg(test)]
mod tests;
