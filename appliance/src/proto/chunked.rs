//! Following a chunked request body (RFC 9112 §7.1) as it streams past, so
//! the gateway knows where the next request on a keep-alive connection
//! starts. Without this, a client could send one chunked POST and have every
//! later request on the connection pass uninspected.
//!
//! The body itself is not kept: [`ChunkedSkip::skip`] consumes bytes and
//! says when the last chunk and its trailers have gone by. A bare LF is
//! accepted where CRLF belongs (servers differ; being lenient here only
//! moves where inspection resumes, never stops it).

/// Longest chunk-size line (size, extensions, CRLF) before the framing is
/// called malformed: a line without end could otherwise hold the stream.
pub const MAX_SIZE_LINE: usize = 4096;
/// Longest trailer section.
pub const MAX_TRAILERS: usize = 16 * 1024;

/// Where in the chunked framing the stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line: the size so far, and whether its digits
    /// ended (extensions or whitespace follow).
    Size {
        size: u64,
        digits: usize,
        digits_done: bool,
        line: usize,
    },
    /// Chunk data still to pass.
    Data(u64),
    /// After chunk data: the CRLF that ends it.
    DataEnd {
        seen_cr: bool,
    },
    /// After the last chunk: trailer lines until an empty one.
    Trailers {
        line_len: usize,
        total: usize,
    },
    Done,
}

/// Malformed chunked framing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedError(pub &'static str);

impl std::fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed chunked body: {}", self.0)
    }
}

/// A chunked body being skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedSkip {
    state: State,
}

impl Default for ChunkedSkip {
    fn default() -> Self {
        ChunkedSkip::new()
    }
}

impl ChunkedSkip {
    pub fn new() -> ChunkedSkip {
        ChunkedSkip {
            state: State::Size {
                size: 0,
                digits: 0,
                digits_done: false,
                line: 0,
            },
        }
    }

    /// Whether the whole body has gone by.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes body bytes from the front of `data`; returns how many were
    /// part of the body. Fewer than `data.len()` only once the body is done
    /// (the rest is the next request).
    pub fn skip(&mut self, data: &[u8]) -> Result<usize, ChunkedError> {
        let mut i = 0;
        while i < data.len() {
            match &mut self.state {
                State::Done => return Ok(i),
                State::Data(left) => {
                    let n = (*left).min((data.len() - i) as u64) as usize;
                    i += n;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::DataEnd { seen_cr: false };
                    }
                }
                State::DataEnd { seen_cr } => {
                    match (data[i], *seen_cr) {
                        (b'\r', false) => *seen_cr = true,
                        (b'\n', _) => self.state = ChunkedSkip::new().state,
                        _ => return Err(ChunkedError("chunk data not followed by CRLF")),
                    }
                    i += 1;
                }
                State::Size {
                    size,
                    digits,
                    digits_done,
                    line,
                } => {
                    let b = data[i];
                    i += 1;
                    *line += 1;
                    if *line > MAX_SIZE_LINE {
                        return Err(ChunkedError("chunk-size line too long"));
                    }
                    match b {
                        b'\n' => {
                            if *digits == 0 {
                                return Err(ChunkedError("chunk-size line without a size"));
                            }
                            self.state = if *size == 0 {
                                State::Trailers {
                                    line_len: 0,
                                    total: 0,
                                }
                            } else {
                                State::Data(*size)
                            };
                        }
                        _ if *digits_done => {}
                        b';' | b' ' | b'\t' | b'\r' => *digits_done = true,
                        _ => {
                            let digit = (b as char)
                                .to_digit(16)
                                .ok_or(ChunkedError("chunk size is not hexadecimal"))?;
                            *digits += 1;
                            *size = size
                                .checked_mul(16)
                                .and_then(|s| s.checked_add(u64::from(digit)))
                                .ok_or(ChunkedError("chunk size overflows"))?;
                        }
                    }
                }
                State::Trailers { line_len, total } => {
                    let b = data[i];
                    i += 1;
                    *total += 1;
                    if *total > MAX_TRAILERS {
                        return Err(ChunkedError("trailers too long"));
                    }
                    match b {
                        b'\n' if *line_len == 0 => self.state = State::Done,
                        b'\n' => *line_len = 0,
                        // A CR alone does not make a line non-empty.
                        b'\r' => {}
                        _ => *line_len += 1,
                    }
                }
            }
        }
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(body: &[u8]) -> (Result<usize, ChunkedError>, bool) {
        let mut s = ChunkedSkip::new();
        let r = s.skip(body);
        (r, s.is_done())
    }

    #[test]
    fn a_body_then_the_next_request() {
        let body = b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n";
        let (used, done) = skip_all(body);
        let used = used.expect("well-formed");
        assert!(done);
        assert_eq!(&body[used..], b"GET / HTTP/1.1\r\n");
    }

    #[test]
    fn byte_by_byte_gives_the_same_end() {
        let body = b"3\r\nabc\r\n0\r\n\r\nGET";
        let mut s = ChunkedSkip::new();
        let mut used = 0;
        for b in body.iter() {
            used += s.skip(std::slice::from_ref(b)).expect("well-formed");
        }
        assert!(s.is_done());
        assert_eq!(used, body.len() - 3);
    }

    #[test]
    fn bare_lf_is_accepted() {
        let (used, done) = skip_all(b"2\nhi\n0\n\nGET");
        assert_eq!(used, Ok(8));
        assert!(done);
    }

    #[test]
    fn malformed_framing_is_an_error_not_a_panic() {
        assert!(skip_all(b"zz\r\n").0.is_err());
        assert!(skip_all(b"\r\n").0.is_err());
        assert!(skip_all(b"2\r\nhiX").0.is_err());
        assert!(skip_all(b"fffffffffffffffff\r\n").0.is_err());
        assert!(skip_all(&[b'1'; MAX_SIZE_LINE + 1]).0.is_err());
    }

    #[test]
    fn an_unfinished_body_is_not_done() {
        let (used, done) = skip_all(b"10\r\nonly part");
        assert_eq!(used, Ok(13));
        assert!(!done);
    }

    proptest::proptest! {
        /// However the stream is cut into segments, the body ends at the
        /// same byte, and arbitrary bytes never panic.
        #[test]
        fn segmenting_does_not_change_the_end(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..8),
        ) {
            let mut body = b"4\r\nabcd\r\n".to_vec();
            body.extend_from_slice(&data);
            let whole = {
                let mut s = ChunkedSkip::new();
                s.skip(&body).map(|n| (n, s.is_done()))
            };
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(body.len())).collect();
            cuts.sort_unstable();
            let mut s = ChunkedSkip::new();
            let mut used = 0;
            let mut start = 0;
            let mut pieces = Ok(());
            for end in cuts.into_iter().chain([body.len()]) {
                if s.is_done() || pieces.is_err() {
                    break;
                }
                match s.skip(&body[start..end]) {
                    Ok(n) => used += n,
                    Err(e) => pieces = Err(e),
                }
                start = end;
            }
            match (whole, pieces) {
                (Ok((n, done)), Ok(())) => {
                    proptest::prop_assert_eq!(n, used);
                    proptest::prop_assert_eq!(done, s.is_done());
                }
                (Err(_), Err(_)) => {}
                (w, p) => proptest::prop_assert!(false, "whole {:?}, pieces {:?}", w, p),
            }
        }
    }
}
