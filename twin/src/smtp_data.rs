//! The twin's own framing of a mail message inside an SMTP `DATA` or a POP3
//! `RETR` reply (RFC 5321 4.5.2, RFC 1939 3): dot-stuffing, the end-of-data
//! line, and undoing the stuffing.
//!
//! Written apart from the gateway's proxy on purpose: the twin checks the
//! gateway, so a framing bug on one side shows up as a difference instead
//! of being shared by both.
//!
//! Lines: for stuffing, a line starts at the beginning of the message and
//! after every LF (a bare LF too, as lenient readers split there), so no
//! reader ever sees a lone period the sender meant as text. The end of the
//! data is the line `.` terminated by CRLF, right after a CRLF or at the
//! very start (an empty message).

/// Dot-stuffs `message` and terminates it: every line starting with `.` gets
/// one more, a missing final CRLF is added, then the `.` CRLF line.
pub fn stuff(message: &[u8]) -> Vec<u8> {
    let periods = message
        .split(|b| *b == b'\n')
        .filter(|line| line.first() == Some(&b'.'))
        .count();
    let mut out = Vec::with_capacity(message.len() + periods + 5);
    for (i, line) in message.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Undoes [`stuff`] on the data before the end line: the first `.` of every
/// line that starts with one is removed.
pub fn unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    out
}

/// Where the data ended in a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataEnd {
    /// Length of the (still stuffed) message: everything before the `.` line,
    /// its last CRLF included.
    pub message: usize,
    /// Bytes used up, the `.` CRLF line included; what follows is the next
    /// command or reply.
    pub consumed: usize,
}

/// How much of the end line the scan has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Seen {
    /// At the start of a line (after CRLF, or at the start of the data).
    #[default]
    LineStart,
    /// Inside a line.
    Text,
    /// A CR inside a line.
    Cr,
    /// A `.` at the start of a line.
    Period,
    /// `.` CR at the start of a line.
    PeriodCr,
}

/// Looks for the end of the data as bytes keep arriving: each call reads
/// only what it has not read before, so a buffer that grows by one read at
/// a time is scanned once in all. Start a new scanner for each message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndScanner {
    /// Bytes of the buffer read so far.
    read: usize,
    seen: Seen,
}

impl EndScanner {
    /// The end of the data in `buf`, which holds everything received since
    /// the data started (earlier calls saw a prefix of it).
    pub fn scan(&mut self, buf: &[u8]) -> Option<DataEnd> {
        let start = self.read.min(buf.len());
        for (i, &b) in buf.iter().enumerate().skip(start) {
            self.seen = match (self.seen, b) {
                (Seen::PeriodCr, b'\n') => {
                    self.read = i + 1;
                    self.seen = Seen::LineStart;
                    return Some(DataEnd {
                        message: i - 2,
                        consumed: i + 1,
                    });
                }
                (Seen::LineStart, b'.') => Seen::Period,
                (Seen::Period, b'\r') => Seen::PeriodCr,
                (Seen::Cr, b'\n') => Seen::LineStart,
                (_, b'\r') => Seen::Cr,
                _ => Seen::Text,
            };
        }
        self.read = buf.len();
        None
    }
}

/// The end of the data in `buf`, all of it at once.
pub fn find_end(buf: &[u8]) -> Option<DataEnd> {
    EndScanner::default().scan(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn periods_at_line_starts_are_doubled_and_the_end_line_added() {
        assert_eq!(stuff(b""), b"\r\n.\r\n");
        assert_eq!(stuff(b"a\r\n"), b"a\r\n.\r\n");
        assert_eq!(stuff(b"a"), b"a\r\n.\r\n");
        assert_eq!(
            stuff(b".a\r\n..b\r\nc.\r\n.\r\n"),
            b"..a\r\n...b\r\nc.\r\n..\r\n.\r\n"
        );
        // A bare LF starts a line too.
        assert_eq!(stuff(b"x\n.y\r\n"), b"x\n..y\r\n.\r\n");
    }

    #[test]
    fn unstuffing_removes_one_period_per_line() {
        assert_eq!(unstuff(b"..a\r\n...b\r\nc.\r\n"), b".a\r\n..b\r\nc.\r\n");
        assert_eq!(unstuff(b""), b"");
    }

    #[test]
    fn the_end_line_is_found_after_a_crlf_or_at_the_start() {
        assert_eq!(
            find_end(b".\r\nQUIT\r\n"),
            Some(DataEnd {
                message: 0,
                consumed: 3
            })
        );
        assert_eq!(
            find_end(b"a\r\n.\r\nQUIT\r\n"),
            Some(DataEnd {
                message: 3,
                consumed: 6
            })
        );
        assert_eq!(
            find_end(b"\r\n.\r\n"),
            Some(DataEnd {
                message: 2,
                consumed: 5
            })
        );
        // Not an end: a stuffed period, a bare LF before it, no CRLF after it.
        assert_eq!(find_end(b"a\r\n..\r\n"), None);
        assert_eq!(find_end(b"a\n.\r\n"), None);
        assert_eq!(find_end(b"a\r\n.\n"), None);
        assert_eq!(find_end(b"a\r\n.x\r\n"), None);
        assert_eq!(find_end(b"a\r\r\n.\r\n").map(|e| e.message), Some(4));
    }

    fn message() -> impl Strategy<Value = Vec<u8>> {
        // Mostly the bytes that matter to the framing.
        let byte = prop_oneof![
            Just(b'.'),
            Just(b'\r'),
            Just(b'\n'),
            Just(b'a'),
            any::<u8>()
        ];
        proptest::collection::vec(byte, 0..200)
    }

    proptest! {
        #[test]
        fn stuffing_round_trips(m in message()) {
            let stuffed = stuff(&m);
            let end = find_end(&stuffed).expect("a stuffed message ends");
            prop_assert_eq!(end.consumed, stuffed.len(), "no early end");
            let mut want = m.clone();
            if !want.ends_with(b"\r\n") {
                want.extend_from_slice(b"\r\n");
            }
            prop_assert_eq!(unstuff(&stuffed[..end.message]), want);
        }

        #[test]
        fn the_end_is_found_across_split_reads(
            m in message(),
            next in message(),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let mut stream = stuff(&m);
            stream.extend_from_slice(&next);
            let whole = find_end(&stream);
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
            cuts.sort_unstable();
            cuts.push(stream.len());
            let mut scanner = EndScanner::default();
            let mut found = None;
            for cut in cuts {
                if let Some(end) = scanner.scan(&stream[..cut]) {
                    found = Some(end);
                    break;
                }
            }
            prop_assert_eq!(found, whole);
            let whole = whole.expect("found");
            prop_assert_eq!(whole.consumed, stuff(&m).len());
        }
    }
}
