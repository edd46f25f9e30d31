//! Reassembly of one direction of a TCP stream into in-order bytes.
//!
//! The engines read requests, not segments: a request header split across
//! segments, sent out of order, or retransmitted with different overlaps
//! must read the same as one clean segment. Memory is bounded per flow:
//! segments beyond the window are refused, and so is anything that would
//! push the buffered bytes past the limit; the caller decides what a full
//! buffer means (the gateway stops inspecting that flow).
//!
//! Overlaps: bytes already delivered in order are never rewritten ("first
//! copy wins"). A retransmission whose bytes *differ* from what was already
//! received, in order or out of order, is reported as [`Push::Conflict`]:
//! the classic way to show an inspector one request and the server another
//! (Ptacek & Newsham), so the gateway drops such segments. To compare, the
//! last [`HISTORY`] bytes already consumed are kept.

use super::seq;
use std::collections::BTreeMap;

/// What happened to a pushed segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Push {
    /// The in-order stream grew by this many bytes (gaps it filled included).
    InOrder(usize),
    /// Held until the gap before it fills.
    Buffered,
    /// Nothing new: every byte was already received.
    Duplicate,
    /// Starts beyond the receive window.
    OutOfWindow,
    /// Accepting it would exceed the per-flow buffer.
    Overflow,
    /// It overlaps bytes already received (or older than the kept history)
    /// with different content.
    Conflict,
}

/// Bytes of already-consumed stream kept to check retransmissions against.
pub const HISTORY: usize = 16 * 1024;

/// One direction's reassembly buffer.
#[derive(Clone, Debug)]
pub struct Reassembler {
    /// Sequence number of the next in-order byte.
    next: u32,
    /// Stream offset of `next`: a u64 that never wraps, for stable keys.
    next_off: u64,
    /// The last in-order bytes: consumed history, then `ready` from `consumed`.
    buf: Vec<u8>,
    consumed: usize,
    /// Out-of-order pieces by stream offset.
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
    max_bytes: usize,
}

impl Reassembler {
    /// A stream whose next byte has sequence number `next`, buffering at most
    /// `max_bytes` (ready plus out-of-order); the window is the same size.
    pub fn new(next: u32, max_bytes: usize) -> Self {
        Reassembler {
            next,
            next_off: 0,
            buf: Vec::new(),
            consumed: 0,
            pending: BTreeMap::new(),
            pending_bytes: 0,
            max_bytes,
        }
    }

    /// Sequence number just after the last in-order byte: what to ACK.
    pub fn next_seq(&self) -> u32 {
        self.next
    }

    /// Sequence number of the first byte of [`Reassembler::ready`].
    pub fn ready_seq(&self) -> u32 {
        self.next.wrapping_sub(self.ready().len() as u32)
    }

    /// In-order bytes not yet consumed.
    pub fn ready(&self) -> &[u8] {
        self.buf.get(self.consumed..).unwrap_or(&[])
    }

    /// Marks the first `n` ready bytes as used.
    pub fn consume(&mut self, n: usize) {
        self.consumed += n.min(self.ready().len());
        if self.consumed > 2 * HISTORY {
            self.buf.drain(..self.consumed - HISTORY);
            self.consumed = HISTORY;
        }
    }

    /// Frees every buffer (ready bytes, history, out-of-order pieces) once
    /// the connection has closed both ways: the sequence position stays, so
    /// bytes after it still read in order, but any retransmission of
    /// earlier bytes has no history to match and is a [`Push::Conflict`].
    pub fn release(&mut self) {
        self.buf = Vec::new();
        self.consumed = 0;
        self.pending = BTreeMap::new();
        self.pending_bytes = 0;
    }

    /// Bytes of heap the buffers hold (capacity, not content).
    pub fn capacity(&self) -> usize {
        self.buf.capacity() + self.pending_bytes
    }

    /// Whether out-of-order data waits for a gap to fill.
    pub fn has_gap(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Bytes held in total (ready and out-of-order).
    pub fn buffered(&self) -> usize {
        self.ready().len() + self.pending_bytes
    }

    /// Adds a segment's payload that starts at sequence number `seq_no`.
    pub fn push(&mut self, seq_no: u32, data: &[u8]) -> Push {
        if data.is_empty() {
            return Push::Duplicate;
        }
        let window = i64::try_from(self.max_bytes).unwrap_or(i64::MAX);
        let len = i64::try_from(data.len()).unwrap_or(i64::MAX);
        let mut start = seq::diff(seq_no, self.next);
        if start >= window {
            return Push::OutOfWindow;
        }
        if start < 0 && !self.matches_history(start.unsigned_abs(), data) {
            return Push::Conflict;
        }
        if start.saturating_add(len) <= 0 {
            return Push::Duplicate;
        }
        let mut data = data;
        if start < 0 {
            // A retransmission that overlaps delivered bytes: keep only the new tail.
            data = data
                .get(usize::try_from(-start).unwrap_or(0)..)
                .unwrap_or(&[]);
            start = 0;
        }
        let room = usize::try_from(window - start).unwrap_or(0);
        data = data.get(..room).unwrap_or(data);
        if self.buffered().saturating_add(data.len()) > self.max_bytes {
            return Push::Overflow;
        }
        let key = self.next_off + start.unsigned_abs();
        if !self.matches_pending(key, data) {
            return Push::Conflict;
        }
        if start == 0 {
            self.buf.extend_from_slice(data);
            let mut grown = data.len();
            self.advance(data.len());
            grown += self.drain_pending();
            return Push::InOrder(grown);
        }
        let keep_old = self
            .pending
            .get(&key)
            .is_some_and(|old| old.len() >= data.len());
        if !keep_old {
            if let Some(old) = self.pending.insert(key, data.to_vec()) {
                self.pending_bytes -= old.len();
            }
            self.pending_bytes += data.len();
        }
        Push::Buffered
    }

    /// Whether `data`, starting `back` bytes before `next`, agrees with the
    /// bytes already received there. Bytes older than the kept history
    /// cannot be checked and count as a mismatch.
    fn matches_history(&self, back: u64, data: &[u8]) -> bool {
        let Ok(back) = usize::try_from(back) else {
            return false;
        };
        let Some(from) = self.buf.len().checked_sub(back) else {
            return false;
        };
        let overlap = back.min(data.len());
        self.buf.get(from..from + overlap) == data.get(..overlap)
    }

    /// Whether `data` at stream offset `key` agrees with every out-of-order
    /// piece it overlaps.
    fn matches_pending(&self, key: u64, data: &[u8]) -> bool {
        let end = key + data.len() as u64;
        self.pending.range(..end).all(|(&at, piece)| {
            let (lo, hi) = (at.max(key), (at + piece.len() as u64).min(end));
            if lo >= hi {
                return true;
            }
            let range = |base: u64| {
                usize::try_from(lo - base).unwrap_or(usize::MAX)
                    ..usize::try_from(hi - base).unwrap_or(usize::MAX)
            };
            piece.get(range(at)) == data.get(range(key))
        })
    }

    fn advance(&mut self, n: usize) {
        self.next = seq::add(self.next, n);
        self.next_off += n as u64;
    }

    /// Moves out-of-order pieces that now touch the in-order edge.
    fn drain_pending(&mut self) -> usize {
        let mut grown = 0;
        while let Some(entry) = self.pending.first_entry() {
            let key = *entry.key();
            if key > self.next_off {
                break;
            }
            let piece = entry.remove();
            self.pending_bytes -= piece.len();
            let skip = usize::try_from(self.next_off - key).unwrap_or(usize::MAX);
            if let Some(tail) = piece.get(skip..).filter(|t| !t.is_empty()) {
                self.buf.extend_from_slice(tail);
                grown += tail.len();
                self.advance(tail.len());
            }
        }
        grown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn in_order_and_out_of_order_meet() {
        let mut r = Reassembler::new(100, 1024);
        assert_eq!(r.push(106, b"world"), Push::Buffered);
        assert!(r.has_gap());
        assert_eq!(r.push(100, b"hello "), Push::InOrder(11));
        assert_eq!(r.ready(), b"hello world");
        assert_eq!(r.next_seq(), 111);
        assert!(!r.has_gap());
        r.consume(6);
        assert_eq!(r.ready(), b"world");
        assert_eq!(r.ready_seq(), 106);
    }

    #[test]
    fn retransmissions_and_overlaps() {
        let mut r = Reassembler::new(0, 1024);
        assert_eq!(r.push(0, b"abcd"), Push::InOrder(4));
        assert_eq!(r.push(0, b"abcd"), Push::Duplicate);
        // Overlapping retransmission with the same bytes plus new ones.
        assert_eq!(r.push(2, b"cdef"), Push::InOrder(2));
        assert_eq!(r.ready(), b"abcdef");
        // Overlapping out-of-order pieces.
        assert_eq!(r.push(8, b"ij"), Push::Buffered);
        assert_eq!(r.push(7, b"hijk"), Push::Buffered);
        assert_eq!(r.push(7, b"hXjk"), Push::Conflict);
        assert_eq!(r.push(6, b"g"), Push::InOrder(5));
        assert_eq!(r.ready(), b"abcdefghijk");
        assert_eq!(r.buffered(), 11);
    }

    #[test]
    fn rewritten_retransmissions_conflict() {
        let mut r = Reassembler::new(0, 1024);
        assert_eq!(r.push(0, b"GET /ok"), Push::InOrder(7));
        r.consume(7);
        assert_eq!(r.push(0, b"GET /ok"), Push::Duplicate);
        assert_eq!(r.push(0, b"GET /no"), Push::Conflict);
        assert_eq!(r.push(4, b"/nope"), Push::Conflict);
        assert_eq!(r.push(4, b"/ok!"), Push::InOrder(1));
        // Older than anything kept: cannot be vouched for.
        assert_eq!(r.push(u32::MAX - 100, b"x"), Push::Conflict);
    }

    #[test]
    fn history_is_bounded() {
        let mut r = Reassembler::new(0, 4 * HISTORY);
        let chunk = vec![b'a'; HISTORY];
        let mut seq_no = 0u32;
        for _ in 0..5 {
            r.push(seq_no, &chunk);
            seq_no = seq_no.wrapping_add(HISTORY as u32);
            r.consume(HISTORY);
        }
        assert!(r.buf.len() <= 2 * HISTORY);
        assert_eq!(r.push(seq_no - 10, &chunk[..10]), Push::Duplicate);
        assert_eq!(r.push(0, &chunk[..10]), Push::Conflict);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = Reassembler::new(u32::MAX - 1, 64);
        assert_eq!(r.push(u32::MAX - 1, b"ab"), Push::InOrder(2));
        assert_eq!(r.push(0, b"cd"), Push::InOrder(2));
        assert_eq!(r.next_seq(), 2);
        assert_eq!(r.ready(), b"abcd");
    }

    #[test]
    fn bounded() {
        let mut r = Reassembler::new(0, 8);
        assert_eq!(r.push(100, b"x"), Push::OutOfWindow);
        assert_eq!(r.push(0, b"0123456"), Push::InOrder(7));
        assert_eq!(r.push(7, b"789"), Push::Overflow);
        r.consume(7);
        assert_eq!(r.push(7, b"789"), Push::InOrder(3));
    }

    proptest! {
        /// Any delivery order of any segmentation yields the original stream.
        #[test]
        fn reorder_and_duplicates_give_the_stream(
            data in proptest::collection::vec(any::<u8>(), 1..300),
            cuts in proptest::collection::vec(any::<usize>(), 0..20),
            order in proptest::collection::vec(any::<usize>(), 0..40),
            isn in any::<u32>(),
        ) {
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c % data.len()).collect();
            bounds.push(0);
            bounds.push(data.len());
            bounds.sort_unstable();
            bounds.dedup();
            let pieces: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
            let mut r = Reassembler::new(isn, 4096);
            for o in &order {
                let (a, b) = pieces[o % pieces.len()];
                r.push(isn.wrapping_add(a as u32), &data[a..b]);
            }
            for &(a, b) in &pieces {
                r.push(isn.wrapping_add(a as u32), &data[a..b]);
            }
            prop_assert_eq!(r.ready(), &data[..]);
            prop_assert!(!r.has_gap());
        }

        #[test]
        fn never_panics(pushes in proptest::collection::vec((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..64)), 0..30)) {
            let mut r = Reassembler::new(0, 256);
            for (s, d) in &pushes {
                r.push(*s % 512, d);
                prop_assert!(r.buffered() <= 256);
            }
        }
    }
}
