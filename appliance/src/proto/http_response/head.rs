//! A response head read the way browsers read it, not the way RFC 9112
//! writes it: where the status line starts, where the head ends, and the
//! header fields, in every reading some mainstream browser uses.
//!
//! - Status line: `http/` in any letter case (Chromium's
//!   `LocateStartOfStatusLine` compares "http" case-insensitively and skips
//!   up to 4 bytes of junk before it; Firefox's `LocateHttpStart` skips junk
//!   until it finds `HTTP/1.` case-insensitively). Bytes before it are junk
//!   the browser skips ([`MAX_JUNK`] here). No status line at all is
//!   HTTP/0.9: both browsers show the whole stream as the body on port 80.
//! - End of the head: several readings ([`Ending`]). Chromium's
//!   `LocateEndOfHeaders` and Firefox end at an empty line, `\n\n` or
//!   `\n\r\n`. Issue 14 lists, among the header syntax browsers accept, a
//!   head ending at a line of blanks only (`\n \n`, `\n\t\n`) and bare-CR
//!   line ends (`\r\r`); which engines read them so was not re-checked
//!   against HTTP Evader's tables here, so both are kept as readings of
//!   their own (Chromium and Firefox fold a blank line instead). Each
//!   reading is scanned.
//! - Fields: obs-fold continuation lines (a line starting with SP or HT)
//!   are joined to the line before, also when the fold falls between the
//!   name and its colon (both browsers unfold). Names are compared after
//!   trimming blanks, NUL and 0xA0, case-insensitively.

/// Largest head (status line to its end) read.
pub const MAX_HEAD: usize = 16 * 1024;
/// Junk bytes before a status line that are skipped looking for it (Firefox
/// skips much more; past this, the stream is read as HTTP/0.9 and as a
/// stream with a head somewhere, see `raw_views`).
pub const MAX_JUNK: usize = 16 * 1024;
/// Junk Chromium skips before `http` (`LocateStartOfStatusLine`'s slop).
pub const CHROMIUM_SLOP: usize = 4;

/// How lines end in one reading of a head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ending {
    /// LF or CRLF; the head ends at an empty line (`\n\n`, `\n\r\n`):
    /// Chromium and Firefox.
    Lf,
    /// As `Lf`, but a line of blanks (`\n \n`, `\n\t\r\n`) also ends it.
    Blank,
    /// CR alone also ends a line; the head ends at `\r\r` (or `\n\n`).
    Cr,
}

/// A response's status line and header fields in one reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub ending: Ending,
    /// Offset of the status line in the bytes handed in (junk before it).
    pub start: usize,
    /// Offset of the first body byte in the bytes handed in.
    pub len: usize,
    /// `(major, minor)` from `http/x.y`, `(1, 0)` when unreadable.
    pub version: (u8, u8),
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// Where the head of the response at the start of `buf` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Located {
    /// More bytes are needed to tell.
    NeedMore,
    /// Every reading of the head, the earliest ending first.
    Heads(Vec<Head>),
    /// No readable head: HTTP/0.9 (no status line), or a status line whose
    /// head never ends within [`MAX_HEAD`].
    NoHead(NoHead),
}

/// Why a response has no head the gateway can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoHead {
    /// No status line within [`MAX_JUNK`]: HTTP/0.9, the stream is the body.
    Http09,
    /// A status line, but no end of its head within [`MAX_HEAD`].
    Unterminated,
}

/// Offset of the status line in `buf`: case-insensitive `http/` within the
/// first [`MAX_JUNK`] bytes. `Err(true)` when a partial match at the end of
/// `buf` needs more bytes.
pub fn status_line_start(buf: &[u8]) -> Result<usize, bool> {
    let window = &buf[..buf.len().min(MAX_JUNK + 5)];
    let pattern = b"http/";
    for i in 0..window.len() {
        let rest = &window[i..];
        let n = rest.len().min(pattern.len());
        if rest[..n].eq_ignore_ascii_case(&pattern[..n]) {
            if n == pattern.len() {
                return Ok(i);
            }
            // A partial match at the end of what came so far.
            return Err(window.len() == buf.len());
        }
    }
    Err(false)
}

/// Locates the head of the response at the start of `buf`; `closed` when
/// no more bytes will come.
pub fn locate(buf: &[u8], closed: bool) -> Located {
    let start = match status_line_start(buf) {
        Ok(s) => s,
        Err(partial) => {
            let undecided = partial || buf.len() <= MAX_JUNK;
            return if undecided && !closed {
                Located::NeedMore
            } else {
                Located::NoHead(NoHead::Http09)
            };
        }
    };
    let rest = &buf[start..];
    let window = &rest[..rest.len().min(MAX_HEAD)];
    let heads = readings(window, start);
    if heads.is_empty() {
        return if rest.len() > MAX_HEAD || closed {
            Located::NoHead(NoHead::Unterminated)
        } else {
            Located::NeedMore
        };
    }
    Located::Heads(heads)
}

/// Every distinct reading of the head in `window` (from its status line at
/// `start`), the earliest end first.
///
/// A reading is only parsed when it can differ from an earlier one: a head
/// is its end and its lines, and `Lf` and `Blank` split lines alike, as
/// does `Cr` where no CR stands alone. An ordinary head (CRLF or LF, no
/// blank-only line, no bare CR) is parsed once, not three times, and the
/// outcome is what parsing all three and dropping duplicates gives
/// (`tests/head.rs` checks the two agree on arbitrary bytes).
fn readings(window: &[u8], start: usize) -> Vec<Head> {
    const ENDINGS: [Ending; 3] = [Ending::Lf, Ending::Blank, Ending::Cr];
    let ends = ENDINGS.map(|ending| head_end(window, ending));
    let mut heads: Vec<Head> = Vec::with_capacity(1);
    for (i, ending) in ENDINGS.into_iter().enumerate() {
        let Some(end) = ends[i] else { continue };
        let same_as_earlier = ends[..i].contains(&Some(end))
            && (ending != Ending::Cr || !has_bare_cr(&window[..end]));
        if !same_as_earlier {
            heads.push(parse(window, end, ending, start));
        }
    }
    heads.sort_by_key(|h| (h.len, h.ending));
    heads.dedup_by(|a, b| a.len == b.len && a.headers == b.headers);
    heads
}

/// Whether `head` has a CR not followed by LF (a line end of the `Cr`
/// reading only).
fn has_bare_cr(head: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', head).any(|i| head.get(i + 1) != Some(&b'\n'))
}

/// Offset just past the end of the head in `buf` (from the status line) in
/// the reading `ending`.
pub fn head_end(buf: &[u8], ending: Ending) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        let b = buf[i];
        i += 1;
        let line_end = match b {
            b'\n' => true,
            // A CR is a line end of its own only once the next byte is
            // known not to be LF (a CR at the end of what came may be half
            // a CRLF).
            b'\r' if ending == Ending::Cr && buf.get(i).is_some_and(|n| *n != b'\n') => true,
            _ => false,
        };
        if !line_end {
            continue;
        }
        // At the start of a line: is it empty (or blank)?
        let mut j = i;
        if ending == Ending::Blank {
            while j < buf.len() && matches!(buf[j], b' ' | b'\t') {
                j += 1;
            }
        }
        match (buf.get(j), buf.get(j + 1)) {
            (Some(b'\n'), _) => return Some(j + 1),
            (Some(b'\r'), Some(b'\n')) => return Some(j + 2),
            (Some(b'\r'), Some(_)) if ending == Ending::Cr => return Some(j + 1),
            _ => {}
        }
    }
    None
}

/// The lines of a head in one reading, folds joined.
fn logical_lines(head: &[u8], ending: Ending) -> Vec<Vec<u8>> {
    let mut raw: Vec<&[u8]> = Vec::new();
    let mut from = 0;
    let mut i = 0;
    while i < head.len() {
        match head[i] {
            b'\n' => {
                let line = &head[from..i];
                raw.push(line.strip_suffix(b"\r").unwrap_or(line));
                from = i + 1;
            }
            b'\r' if ending == Ending::Cr && head.get(i + 1) != Some(&b'\n') => {
                raw.push(&head[from..i]);
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if from < head.len() {
        raw.push(&head[from..]);
    }
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for (n, line) in raw.into_iter().enumerate() {
        let folded = n > 1 && line.first().is_some_and(|b| matches!(b, b' ' | b'\t'));
        match lines.last_mut() {
            Some(prev) if folded => {
                let text = trim(line);
                if !text.is_empty() {
                    // A fold before the colon joins name and colon.
                    if !prev.contains(&b':') || text.first() == Some(&b':') {
                        prev.extend_from_slice(text);
                    } else {
                        prev.push(b' ');
                        prev.extend_from_slice(text);
                    }
                }
            }
            _ => {
                if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                    lines.push(line.to_vec());
                }
            }
        }
    }
    lines
}

/// `s` without the blanks browsers trim around names and values (SP, HT,
/// CR, NUL, 0xA0, VT, FF).
pub fn trim(s: &[u8]) -> &[u8] {
    let junk = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | 0 | 0xa0 | 0x0b | 0x0c);
    let start = s.iter().position(|b| !junk(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !junk(b)).map_or(start, |p| p + 1);
    &s[start..end.max(start)]
}

/// The head `buf[..end]` (from the status line) in the reading `ending`.
fn parse(buf: &[u8], end: usize, ending: Ending, start: usize) -> Head {
    let lines = logical_lines(&buf[..end], ending);
    let status_line = lines.first().map(Vec::as_slice).unwrap_or_default();
    let version = status_line
        .get(5..)
        .map(|v| {
            let digit = |i: usize| v.get(i).filter(|b| b.is_ascii_digit()).map(|b| b - b'0');
            match (digit(0), v.get(1), digit(2)) {
                (Some(major), Some(b'.'), Some(minor)) => (major, minor),
                (Some(major), _, _) => (major, 0),
                _ => (1, 0),
            }
        })
        .unwrap_or((1, 0));
    let status = status_line
        .split(|b| matches!(b, b' ' | b'\t'))
        .filter(|w| !w.is_empty())
        .nth(1)
        .and_then(|w| {
            let digits: Vec<u8> = w
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            std::str::from_utf8(&digits).ok()?.parse().ok()
        })
        .unwrap_or(200);
    let headers = lines
        .iter()
        .skip(1)
        .filter_map(|l| {
            let colon = l.iter().position(|b| *b == b':')?;
            let name = String::from_utf8_lossy(trim(&l[..colon])).into_owned();
            let value = String::from_utf8_lossy(trim(&l[colon + 1..])).into_owned();
            (!name.is_empty()).then_some((name, value))
        })
        .collect();
    Head {
        ending,
        start,
        len: start + end,
        version,
        status,
        headers,
    }
}

impl Head {
    /// Values of the fields named `name` (compared after trimming junk,
    /// case-insensitively), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| same_name(n, name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v.as_str())
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

    /// Whether the response has no body whatever the framing says
    /// (1xx but 101, 204, 304).
    pub fn bodiless(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
            || self.status == 204
            || self.status == 304
    }
}

/// Whether a field name is `name` once junk is taken out: NUL, 0xA0 (as
/// U+00A0 or U+FFFD after lossy decoding) and blanks anywhere in it.
pub fn same_name(field: &str, name: &str) -> bool {
    let mut cleaned = field
        .chars()
        .filter(|c| !matches!(c, '\0' | '\u{a0}' | '\u{fffd}' | ' ' | '\t' | '\r'));
    let mut want = name.chars();
    loop {
        match (cleaned.next(), want.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
#[path = "tests/head.rs"]
mod tests;
