//! Content codings undone the way browsers undo them: leniently, keeping
//! whatever output a damaged stream gave.
//!
//! - Names: a Content-Encoding token is read after taking out NUL, 0xA0 and
//!   blanks and cutting at `;` (junk around a name a browser still reads);
//!   `x-gzip` is gzip and `x-deflate` is deflate (both browsers), `br` is
//!   brotli (both browsers), `zstd` is Zstandard (Chromium since 123,
//!   Firefox since 126). `lzma` is decoded by no mainstream browser
//!   (they save the compressed bytes, the raw reading) but by Suricata's
//!   libhtp: its decoded bytes are one more reading, so a file that one
//!   HTTP reader delivers is scanned (issue 14 lists lzma among the misses).
//!   Both its framings are read: the `.lzma` header with the unpacked size,
//!   and the bare 5-byte properties that libhtp takes.
//! - gzip: the header is walked, not checked (Firefox's and Chromium's own
//!   gzip header readers skip FEXTRA, FNAME, FCOMMENT and FHCRC without
//!   verifying the header CRC and ignore reserved flag bits); the deflate
//!   stream is inflated as far as it goes and the trailer (CRC-32, size) is
//!   not checked: a corrupt or cut trailer or a cut stream still gives the
//!   inflated bytes, which browsers keep (they hand data on as it inflates).
//! - deflate: zlib-wrapped when the two header bytes say so, else raw
//!   deflate (both browsers sniff this); the Adler-32 is not checked.
//! - Declared layers may not be the applied ones: besides the declared
//!   order, [`peel`] also undoes whatever a body looks like (gzip magic, a
//!   zlib header) and tries raw deflate, a few layers deep, so every layer
//!   order a server could send is read.
//!
//! Every output is capped (`limit`), every walk bounded in depth.

use flate2::{Decompress, FlushDecompress, Status};
use std::io::Read;

/// A content coding a browser undoes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
    Lzma,
}

/// A declared token: a coding a browser undoes, or one it does not (its
/// body is saved as is).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Known(Coding),
    Other(String),
}

/// A Content-Encoding token as a browser reads it through junk.
pub fn token(raw: &str) -> Option<Token> {
    let cleaned: String = raw
        .split(';')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !matches!(c, '\0' | '\u{a0}' | '\u{fffd}' | ' ' | '\t' | '\r' | '"'))
        .collect::<String>()
        .to_ascii_lowercase();
    match cleaned.as_str() {
        "" | "identity" => None,
        "gzip" | "x-gzip" => Some(Token::Known(Coding::Gzip)),
        "deflate" | "x-deflate" => Some(Token::Known(Coding::Deflate)),
        "br" => Some(Token::Known(Coding::Brotli)),
        "zstd" => Some(Token::Known(Coding::Zstd)),
        "lzma" => Some(Token::Known(Coding::Lzma)),
        _ => Some(Token::Other(cleaned)),
    }
}

/// Inflates a raw deflate stream as far as it goes: the output up to the
/// first error or the input's end (at most `limit` bytes), and the input
/// bytes used when the stream ended properly.
pub fn inflate_raw(input: &[u8], limit: usize) -> (Vec<u8>, Option<usize>) {
    let mut d = Decompress::new(false);
    let mut out: Vec<u8> =
        Vec::with_capacity(input.len().saturating_mul(3).clamp(64, limit.max(64)));
    loop {
        if out.len() >= limit {
            out.truncate(limit);
            return (out, None);
        }
        if out.capacity() == out.len() {
            let more = out.len().clamp(4096, 1 << 22);
            out.reserve(more.min(limit + 1 - out.len()));
        }
        let in_at = usize::try_from(d.total_in())
            .unwrap_or(input.len())
            .min(input.len());
        let out_before = out.len();
        match d.decompress_vec(&input[in_at..], &mut out, FlushDecompress::None) {
            Ok(Status::StreamEnd) => {
                let used = usize::try_from(d.total_in()).unwrap_or(input.len());
                out.truncate(limit);
                return (out, Some(used));
            }
            Ok(_) => {
                let consumed = usize::try_from(d.total_in()).unwrap_or(input.len()) > in_at;
                if !consumed && out.len() == out_before {
                    // Input ran out (a cut stream): keep what came.
                    out.truncate(limit);
                    return (out, None);
                }
            }
            Err(_) => {
                out.truncate(limit);
                return (out, None);
            }
        }
    }
}

/// Where the deflate stream of a gzip member starts, its header walked as
/// browsers walk it (flags read, header CRC and reserved bits ignored).
pub fn gzip_payload(data: &[u8]) -> Option<usize> {
    if data.len() < 10 || data[0] != 0x1f || data[1] != 0x8b {
        return None;
    }
    let flags = data[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        let n = usize::from(u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]));
        at += 2 + n;
    }
    for bit in [0x08, 0x10] {
        if flags & bit != 0 {
            at += data.get(at..)?.iter().position(|b| *b == 0)? + 1;
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    (at <= data.len()).then_some(at)
}

/// Whether `data` starts with a zlib header (CM 8, check bits right, no
/// preset dictionary).
pub fn zlib_header(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 && flg & 0x20 == 0
        }
        _ => false,
    }
}

/// Undoes one layer, leniently; `None` when nothing came out.
pub fn undo(coding: Coding, data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let out = match coding {
        Coding::Gzip => {
            let at = gzip_payload(data)?;
            inflate_raw(&data[at..], limit).0
        }
        Coding::Deflate => {
            let zlib = if zlib_header(data) {
                inflate_raw(&data[2..], limit).0
            } else {
                Vec::new()
            };
            if zlib.is_empty() {
                inflate_raw(data, limit).0
            } else {
                zlib
            }
        }
        Coding::Lzma => unlzma(data, limit),
        Coding::Zstd => unzstd(data, limit),
        Coding::Brotli => {
            read_until_damage(brotli_decompressor::Decompressor::new(data, 4096), limit)
        }
    };
    (!out.is_empty()).then_some(out)
}

/// A writer that keeps at most `limit` bytes and then refuses more, so a
/// decoder stops at the cap with what it gave.
struct Capped {
    out: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.out.len());
        if room == 0 {
            return Err(std::io::Error::other("output cap reached"));
        }
        let n = buf.len().min(room);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// LZMA "alone" data as far as it decodes: with its 13-byte header, else
/// as libhtp sends it to the decoder (5 bytes of properties, no size, an
/// end marker or the input's end). The dictionary is capped at `limit`.
fn unlzma(data: &[u8], limit: usize) -> Vec<u8> {
    use lzma_rs::decompress::{Options, UnpackedSize};
    let decode = |input: &[u8], unpacked_size: UnpackedSize| {
        let mut out = Capped {
            out: Vec::new(),
            limit,
        };
        let options = Options {
            unpacked_size,
            memlimit: Some(limit.max(1 << 16)),
            allow_incomplete: true,
        };
        // A damaged or cut stream: keep what came before the damage.
        let _ = lzma_rs::lzma_decompress_with_options(&mut &input[..], &mut out, &options);
        out.out
    };
    let with_header = decode(data, UnpackedSize::ReadFromHeader);
    if !with_header.is_empty() || data.len() < 5 {
        return with_header;
    }
    let mut framed = Vec::with_capacity(data.len() + 8);
    framed.extend_from_slice(&data[..5]);
    framed.extend_from_slice(&[0xff; 8]);
    framed.extend_from_slice(&data[5..]);
    decode(&framed, UnpackedSize::ReadFromHeader)
}

/// Zstandard frames as far as they decode (a damaged or cut frame keeps
/// what came before the damage), at most `limit` bytes.
fn unzstd(data: &[u8], limit: usize) -> Vec<u8> {
    let mut input = data;
    let Ok(decoder) = ruzstd::decoding::StreamingDecoder::new(&mut input) else {
        return Vec::new();
    };
    read_until_damage(decoder, limit)
}

/// What a streaming decoder gives, at most `limit` bytes: a damaged stream
/// keeps what came before the damage, as browsers keep it.
fn read_until_damage(decoder: impl Read, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut reader = decoder.take(limit as u64);
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// Whether `data` starts with a Zstandard frame's magic number.
pub fn zstd_magic(data: &[u8]) -> bool {
    data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// Codings a body looks like it carries, by its first bytes.
pub fn sniff(data: &[u8]) -> Vec<Coding> {
    let mut out = Vec::new();
    if gzip_payload(data).is_some() {
        out.push(Coding::Gzip);
    }
    if zlib_header(data) {
        out.push(Coding::Deflate);
    }
    if zstd_magic(data) {
        out.push(Coding::Zstd);
    }
    out
}

/// Layers peeled off at most.
pub const MAX_DEPTH: usize = 4;

/// Every decoding of `body` a browser might arrive at: the declared layers
/// undone last first (each intermediate result kept), then, from every
/// result, the layers the bytes look like, raw deflate, and brotli and
/// lzma when declared anywhere, up to [`MAX_DEPTH`] layers. Each result at most
/// `limit` bytes; at most `max_views` results. `body` itself is not in the
/// list.
pub fn peel(body: &[u8], declared: &[Coding], limit: usize, max_views: usize) -> Vec<Vec<u8>> {
    // Results are named by index: 0 is `body`, i + 1 is `out[i]`; no
    // result is copied, and no coding is undone twice on the same bytes.
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut tried: Vec<(usize, Coding)> = Vec::new();
    // The index of `v` (an earlier one when the bytes are already there),
    // and whether it is new; `None` past the cap.
    let add = |out: &mut Vec<Vec<u8>>, v: Vec<u8>| -> Option<(usize, bool)> {
        if v.as_slice() == body {
            return Some((0, false));
        }
        if let Some(i) = out.iter().position(|o| *o == v) {
            return Some((i + 1, false));
        }
        if out.len() >= max_views {
            return None;
        }
        out.push(v);
        Some((out.len(), true))
    };
    fn pick<'a>(body: &'a [u8], out: &'a [Vec<u8>], id: usize) -> &'a [u8] {
        match id.checked_sub(1) {
            Some(i) => out.get(i).map_or(&[][..], Vec::as_slice),
            None => body,
        }
    }
    // The declared order.
    let mut at = 0usize;
    for coding in declared.iter().rev() {
        tried.push((at, *coding));
        let result = undo(*coding, pick(body, &out, at), limit);
        match result.and_then(|v| add(&mut out, v)) {
            Some((id, _)) => at = id,
            None => break,
        }
    }
    // What the bytes look like, from the body and every result so far.
    let brotli = declared.contains(&Coding::Brotli);
    let lzma = declared.contains(&Coding::Lzma);
    let mut frontier: Vec<usize> = (0..=out.len()).collect();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for &id in &frontier {
            let v = pick(body, &out, id);
            let mut codings = sniff(v);
            if !declared.is_empty() && !codings.contains(&Coding::Deflate) {
                codings.push(Coding::Deflate);
            }
            if brotli {
                codings.push(Coding::Brotli);
            }
            if lzma {
                codings.push(Coding::Lzma);
            }
            let mut results = Vec::new();
            for c in codings {
                // Undone before: its result is already in `out`.
                if !tried.contains(&(id, c)) {
                    tried.push((id, c));
                    results.extend(undo(c, v, limit));
                }
            }
            for d in results {
                if let Some((new_id, true)) = add(&mut out, d) {
                    next.push(new_id);
                }
            }
        }
        if next.is_empty() || out.len() >= max_views {
            break;
        }
        frontier = next;
    }
    out
}

#[cfg(test)]
#[path = "tests/coding.rs"]
mod tests;
