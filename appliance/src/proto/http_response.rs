//! HTTP responses as a download scanner needs them: a tolerant status line
//! and header parser (any `HTTP/x.y`, as browsers accept), and the body in
//! every interpretation a browser might give it.
//!
//! Evasions (noxxi.de's HTTP Evader) play on framing: odd chunk sizes,
//! chunked together with Content-Length, chunked in HTTP/1.0. Browsers
//! disagree among themselves, so the scanner does not pick one reading: it
//! scans each plausible one ([`interpretations`]): the leniently de-chunked
//! body (also cut at Content-Length when both are given), the raw body (cut
//! at Content-Length when there is one), each with
//! its Content-Encoding layers (gzip, deflate, raw deflate) undone under a
//! size bound.

use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};
use std::io::Read;

/// Largest response header read.
pub const MAX_HEAD: usize = 16 * 1024;

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub len: usize,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn chunked(&self) -> bool {
        self.headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    }

    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length")
            .and_then(|v| v.trim().parse().ok())
    }

    /// Content-Encoding layers in the order they were applied.
    pub fn encodings(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
            .flat_map(|(_, v)| v.split(','))
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty() && e != "identity")
            .collect()
    }

    /// The file name from Content-Disposition, if any.
    pub fn disposition_name(&self) -> Option<String> {
        let v = self.header("content-disposition")?;
        let lower = v.to_ascii_lowercase();
        let at = lower.find("filename=")?;
        let rest = v.get(at + "filename=".len()..)?.trim();
        let name = if let Some(q) = rest.strip_prefix('"') {
            q.split('"').next().unwrap_or("")
        } else {
            rest.split(';').next().unwrap_or("").trim()
        };
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// The head of a response at the start of `buf`: `Ok(None)` when more bytes
/// are needed, `Err` when this is not an HTTP response.
/// The bytes are not an HTTP response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotHttp;

pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, NotHttp> {
    let probe = &buf[..buf.len().min(5)];
    if !b"HTTP/".starts_with(probe) && !probe.starts_with(b"HTTP/") {
        return Err(NotHttp);
    }
    let Some(end) = find(buf, b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| find(buf, b"\n\n").map(|p| p + 2))
    else {
        return if buf.len() > MAX_HEAD {
            Err(NotHttp)
        } else {
            Ok(None)
        };
    };
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.lines();
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Some(Head {
        status,
        headers,
        len: end,
    }))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether the body is complete: by Content-Length, or by the end of a
/// chunked body; otherwise only the connection's end tells.
pub fn body_complete(head: &Head, body: &[u8]) -> Option<usize> {
    if head.chunked() {
        let (_, done, used) = dechunk_len(body);
        return done.then_some(used);
    }
    head.content_length().filter(|n| body.len() >= *n)
}

/// Lenient de-chunking: whitespace and control bytes before a size are
/// skipped, the size is the leading hex digits, anything after them on the
/// line (extensions, junk) ignored. Returns the data and whether the final
/// zero-size chunk was reached.
pub fn dechunk(body: &[u8]) -> (Vec<u8>, bool) {
    let (out, done, _) = dechunk_len(body);
    (out, done)
}

/// [`dechunk`], also returning the bytes used up to the end of the line of
/// the final chunk (trailers, if any, are left to the caller's leniency).
pub fn dechunk_len(body: &[u8]) -> (Vec<u8>, bool, usize) {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < body.len() && matches!(body[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
            i += 1;
        }
        let start = i;
        while i < body.len() && body[i].is_ascii_hexdigit() && i - start < 16 {
            i += 1;
        }
        if i == start {
            return (out, false, i);
        }
        let size = std::str::from_utf8(&body[start..i])
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .unwrap_or(0);
        let Some(nl) = body
            .get(i..)
            .and_then(|r| r.iter().position(|b| *b == b'\n'))
        else {
            return (out, false, i);
        };
        i += nl + 1;
        if size == 0 {
            // An empty trailer line normally follows.
            if body.get(i..i + 2) == Some(b"\r\n") {
                i += 2;
            } else if body.get(i) == Some(&b'\n') {
                i += 1;
            }
            return (out, true, i);
        }
        let end = i.saturating_add(size).min(body.len());
        out.extend_from_slice(&body[i..end]);
        if end < i.saturating_add(size) {
            return (out, false, end);
        }
        i = end;
    }
}

/// Undoes Content-Encoding layers, last applied first; `None` if a layer
/// does not decode. Output is capped at `limit` bytes.
pub fn decode(encodings: &[String], body: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut data = body.to_vec();
    for enc in encodings.iter().rev() {
        let mut out = Vec::new();
        let cap = limit as u64 + 1;
        let ok = match enc.as_str() {
            "gzip" | "x-gzip" => GzDecoder::new(&data[..])
                .take(cap)
                .read_to_end(&mut out)
                .is_ok(),
            "deflate" => {
                // Servers send both zlib-wrapped and raw deflate as "deflate".
                ZlibDecoder::new(&data[..])
                    .take(cap)
                    .read_to_end(&mut out)
                    .is_ok()
                    || {
                        out.clear();
                        DeflateDecoder::new(&data[..])
                            .take(cap)
                            .read_to_end(&mut out)
                            .is_ok()
                    }
            }
            _ => false,
        };
        if !ok {
            return None;
        }
        out.truncate(limit);
        data = out;
    }
    Some(data)
}

/// Every body a browser might see, most standard first, without duplicates.
pub fn interpretations(head: &Head, body: &[u8], limit: usize) -> Vec<Vec<u8>> {
    let mut raw_views: Vec<Vec<u8>> = Vec::new();
    if head.chunked() {
        let data = dechunk(body).0;
        // Chunked and Content-Length together (HTTP Evader "addjunk"): a
        // client honouring the length after de-chunking sees a shorter file.
        if let Some(n) = head.content_length()
            && n < data.len()
        {
            raw_views.push(data[..n].to_vec());
        }
        raw_views.push(data);
    }
    match head.content_length() {
        Some(n) => raw_views.push(body[..n.min(body.len())].to_vec()),
        None => raw_views.push(body.to_vec()),
    }
    let encodings = head.encodings();
    let mut views = Vec::new();
    for v in raw_views {
        if !encodings.is_empty()
            && let Some(d) = decode(&encodings, &v, limit)
        {
            views.push(d);
        }
        views.push(v);
    }
    let mut unique: Vec<Vec<u8>> = Vec::new();
    for v in views {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    #[test]
    fn lenient_chunks() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n0\r\n\r\n"),
            (b"hello".to_vec(), true)
        );
        assert_eq!(
            dechunk(b"05; ext\r\nhello\r\n\r\n\tF \r\n0123456789abcde\r\n0x\r\n"),
            (b"hello0123456789abcde".to_vec(), true)
        );
        assert_eq!(dechunk(b"5\r\nhel"), (b"hel".to_vec(), false));
        assert_eq!(dechunk(b"zz"), (Vec::new(), false));
    }

    #[test]
    fn heads_and_encodings() {
        let head = parse_head(b"HTTP/2.1 200 ok\r\nContent-Encoding: gzip\r\nContent-disposition: attachment; filename=\"e.txt\"\r\n\r\nbody")
            .ok()
            .flatten();
        let Some(head) = head else { panic!("head") };
        assert_eq!(head.status, 200);
        assert_eq!(head.disposition_name().as_deref(), Some("e.txt"));
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"inner").ok();
        let body = gz.finish().unwrap_or_default();
        let views = interpretations(&head, &body, 1024);
        assert_eq!(views[0], b"inner");
        assert_eq!(parse_head(b"SSH-2.0"), Err(NotHttp));
        assert_eq!(parse_head(b"HTT"), Ok(None));
    }
}
