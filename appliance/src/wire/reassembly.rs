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
//! copy wins"), which is also what the endpoints' own stacks do.

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
}

/// One direction's reassembly buffer.
#[derive(Clone, Debug)]
pub struct Reassembler {
    /// Sequence number of the next in-order byte.
    next: u32,
    /// Stream offset of `next`: a u64 that never wraps, for stable keys.
    next_off: u64,
    /// In-order bytes the consumer has not taken yet.
    ready: Vec<u8>,
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
            ready: Vec::new(),
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
        self.next.wrapping_sub(self.ready.len() as u32)
    }

    /// In-order bytes not yet consumed.
    pub fn ready(&self) -> &[u8] {
        &self.ready
    }

    /// Marks the first `n` ready bytes as used.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.ready.len());
        self.ready.drain(..n);
    }

    /// Whether out-of-order data waits for a gap to fill.
    pub fn has_gap(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Bytes held in total (ready and out-of-order).
    pub fn buffered(&self) -> usize {
        self.ready.len() + self.pending_bytes
    }

    /// Adds a segment's payload that starts at sequence number `seq_no`.
    pub fn push(&mut self, seq_no: u32, data: &[u8]) -> Push {
        if data.is_empty() {
            return Push::Duplicate;
        }
        let window = i64::try_from(self.max_bytes).unwrap_or(i64::MAX);
        let len = i64::try_from(data.len()).unwrap_or(i64::MAX);
        let mut start = seq::diff(seq_no, self.next);
        if start.saturating_add(len) <= 0 {
            return Push::Duplicate;
        }
        if start >= window {
            return Push::OutOfWindow;
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
        if start == 0 {
            self.ready.extend_from_slice(data);
            let mut grown = data.len();
            self.advance(data.len());
            grown += self.drain_pending();
            return Push::InOrder(grown);
        }
        let key = self.next_off + start.unsigned_abs();
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
                self.ready.extend_from_slice(tail);
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
        // Overlapping retransmission with different bytes: first copy wins.
        assert_eq!(r.push(2, b"XXef"), Push::InOrder(2));
        assert_eq!(r.ready(), b"abcdef");
        // Overlapping out-of-order pieces.
        assert_eq!(r.push(8, b"ij"), Push::Buffered);
        assert_eq!(r.push(7, b"hijk"), Push::Buffered);
        assert_eq!(r.push(6, b"g"), Push::InOrder(5));
        assert_eq!(r.ready(), b"abcdefghijk");
        assert_eq!(r.buffered(), 11);
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
