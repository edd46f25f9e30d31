//! Where a response body ends, as browsers frame it: chunked, by
//! Content-Length, or at the connection's close; and the chunked body
//! decoded as it streams, in one pass.
//!
//! - Transfer-Encoding: a field counts as chunked when its name is
//!   `transfer-encoding` once NUL, 0xA0 and blanks are taken out, and
//!   `chunked` appears in its value in any case, whatever junk (`;`, NUL,
//!   0xA0, other tokens) surrounds it. Browsers differ here (Chromium needs
//!   the token and HTTP/1.1, Firefox is more lenient), so the scanner reads
//!   such a body both de-chunked and raw.
//! - Content-Length: every number a browser might read out of the fields:
//!   per comma-separated element, its leading digits (`68;`, `,68`,
//!   `68,68`, `68 A`, `68.0` all give 68: Firefox parses a prefix of digits,
//!   Chromium accepts repeated equal values). Differing values give several
//!   candidates; each is a cut the scanner reads.
//! - Chunks are read leniently, as browsers do: blanks and line ends before
//!   a size are skipped, the size is its leading hex digits, anything after
//!   them on the line ignored (extensions, junk), a bare LF ends a line.

/// Largest chunk-size line before the framing is given up (read to close).
pub const MAX_SIZE_LINE: usize = 4096;

use super::head::{Head, same_name};

/// Whether some browser reads the body as chunked.
pub fn chunked(head: &Head) -> bool {
    head.values("transfer-encoding")
        .any(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// Whether every mainstream browser reads the body as chunked: HTTP/1.1,
/// one Transfer-Encoding field whose value is exactly `chunked`. Only then
/// is the raw (not de-chunked) reading left out.
pub fn surely_chunked(head: &Head) -> bool {
    let mut te = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
    let clean = te.next().is_some_and(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    clean
        && te.next().is_none()
        && head.version == (1, 1)
        && !head.headers.iter().any(|(n, _)| {
            same_name(n, "transfer-encoding") && !n.eq_ignore_ascii_case("transfer-encoding")
        })
}

/// Every Content-Length a browser might read, smallest first, deduplicated.
pub fn content_lengths(head: &Head) -> Vec<u64> {
    let mut out: Vec<u64> = head
        .values("content-length")
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            let digits: String = element
                .trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Where in the chunked framing the stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before a size: blanks and line ends skipped.
    Gap,
    /// In a size line: the size so far, its digit count, whether the
    /// digits ended, the line's length.
    Size {
        size: u64,
        digits: u8,
        digits_done: bool,
        line: usize,
    },
    /// Chunk data still to come.
    Data(u64),
    /// After the last chunk's line: at the start of a trailer line.
    TrailerStart,
    /// Inside a non-empty trailer line.
    Trailer,
    Done,
    /// The framing broke: the rest is read to the connection's close.
    Broken,
}

/// A chunked body decoded as it streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dechunker {
    state: State,
}

impl Default for Dechunker {
    fn default() -> Self {
        Dechunker { state: State::Gap }
    }
}

impl Dechunker {
    pub fn new() -> Dechunker {
        Dechunker::default()
    }

    /// The final chunk (and its trailers) went by.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The chunks held to the last one: the final chunk went by (its
    /// trailers may be cut short).
    pub fn holds(&self) -> bool {
        matches!(self.state, State::Done | State::TrailerStart)
    }

    /// The framing broke (no size where one belongs, a size that overflows,
    /// a size line without end).
    pub fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    /// Reads `input`, appending chunk data to `out` when given (at most
    /// `limit` bytes in `out`); returns the bytes of `input` that belong to
    /// the body (fewer than `input.len()` only once done or broken).
    pub fn feed(&mut self, input: &[u8], mut out: Option<&mut Vec<u8>>, limit: usize) -> usize {
        let mut i = 0;
        while i < input.len() {
            match &mut self.state {
                State::Done | State::Broken => return i,
                State::Gap => {
                    let b = input[i];
                    if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
                        i += 1;
                    } else if b.is_ascii_hexdigit() {
                        self.state = State::Size {
                            size: 0,
                            digits: 0,
                            digits_done: false,
                            line: 0,
                        };
                    } else {
                        self.state = State::Broken;
                    }
                }
                State::Size {
                    size,
                    digits,
                    digits_done,
                    line,
                } => {
                    let b = input[i];
                    i += 1;
                    *line += 1;
                    if b == b'\n' {
                        self.state = if *size == 0 {
                            State::TrailerStart
                        } else {
                            State::Data(*size)
                        };
                        continue;
                    }
                    if *line > MAX_SIZE_LINE {
                        self.state = State::Broken;
                        continue;
                    }
                    if *digits_done {
                        continue;
                    }
                    match (b as char).to_digit(16) {
                        Some(d) if *digits < 16 => {
                            *digits += 1;
                            match size
                                .checked_mul(16)
                                .and_then(|s| s.checked_add(u64::from(d)))
                            {
                                Some(s) => *size = s,
                                None => self.state = State::Broken,
                            }
                        }
                        Some(_) => self.state = State::Broken,
                        None => *digits_done = true,
                    }
                }
                State::Data(left) => {
                    let n = (*left).min((input.len() - i) as u64) as usize;
                    if let Some(out) = out.as_deref_mut() {
                        let room = limit.saturating_sub(out.len()).min(n);
                        out.extend_from_slice(&input[i..i + room]);
                    }
                    i += n;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::Gap;
                    }
                }
                State::TrailerStart => {
                    let b = input[i];
                    i += 1;
                    match b {
                        b'\n' => self.state = State::Done,
                        b'\r' => {}
                        _ => self.state = State::Trailer,
                    }
                }
                State::Trailer => {
                    if input[i] == b'\n' {
                        self.state = State::TrailerStart;
                    }
                    i += 1;
                }
            }
        }
        i
    }
}

/// `body` de-chunked in one pass (at most `limit` bytes), and whether the
/// final chunk was reached.
pub fn dechunk(body: &[u8], limit: usize) -> (Vec<u8>, bool) {
    let mut d = Dechunker::new();
    let mut out = Vec::new();
    d.feed(body, Some(&mut out), limit);
    (out, d.holds())
}

/// How the body of the response being read ends (the gateway's reading,
/// used to know when to scan and where the next response starts; the scan
/// itself reads every interpretation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Framer {
    /// No body (1xx, 204, 304).
    Empty,
    /// Chunked; the largest Content-Length, if any, frames the body should
    /// the chunked framing break (a browser that reads the length instead
    /// has the whole file then, so the scan must not wait for the close).
    Chunked(Dechunker, Option<u64>),
    /// This many bytes.
    Length(u64),
    /// To the connection's close.
    Close,
}

impl Framer {
    /// The framing of the body after `head`: chunked if any browser reads it
    /// chunked (a broken framing turns into `Close`), else the largest
    /// Content-Length candidate, else the close.
    pub fn of(head: &Head) -> Framer {
        if head.bodiless() {
            return Framer::Empty;
        }
        let length = content_lengths(head).last().copied();
        if chunked(head) {
            return Framer::Chunked(Dechunker::new(), length);
        }
        match length {
            Some(n) => Framer::Length(n),
            None => Framer::Close,
        }
    }

    /// Reads `body[from..]` (the body so far, `from` bytes of which were
    /// read before); returns the body's length once it is complete.
    pub fn advance(&mut self, body: &[u8], from: usize) -> Option<usize> {
        let from = from.min(body.len());
        self.advance_by(&body[from..], from)
    }

    /// Reads the body's next bytes `new`, `before` bytes of it having been
    /// read already (and no longer held); returns the body's length once it
    /// is complete.
    pub fn advance_by(&mut self, new: &[u8], before: usize) -> Option<usize> {
        match self {
            Framer::Empty => Some(0),
            Framer::Length(n) => {
                let n = usize::try_from(*n).unwrap_or(usize::MAX);
                (before.saturating_add(new.len()) >= n).then_some(n)
            }
            Framer::Close => None,
            Framer::Chunked(d, length) => {
                let used = d.feed(new, None, 0);
                if d.is_broken() {
                    let fallback = *length;
                    *self = fallback.map_or(Framer::Close, Framer::Length);
                    return self.advance_by(new, before);
                }
                d.is_done().then_some(before + used)
            }
        }
    }
}

#[cfg(test)]
#[path = "tests/framing.rs"]
mod tests;
