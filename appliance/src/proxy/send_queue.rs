//! A half's send buffer: the bytes from the oldest unacknowledged one on,
//! kept in the buffers they were queued in. A relayed mail of megabytes is
//! handed over, not copied into a ring (the copy, and the fresh memory it
//! was copied into, were a third of a mail relay's page faults).

use std::collections::VecDeque;

/// Bytes queued to send, as a sequence of owned buffers.
#[derive(Debug, Default)]
pub struct SendQueue {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the first chunk already acknowledged.
    head: usize,
    len: usize,
    /// Buffers wholly acknowledged, for the mail buffer pool.
    spent: Vec<Vec<u8>>,
}

impl SendQueue {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues `data` as it is.
    pub fn push(&mut self, data: Vec<u8>) {
        if !data.is_empty() {
            self.len += data.len();
            self.chunks.push_back(data);
        }
    }

    /// Drops the first `n` bytes (all of them if fewer are queued).
    pub fn consume(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(first) = self.chunks.front() else {
                break;
            };
            let left = first.len() - self.head;
            if n < left {
                self.head += n;
                return;
            }
            n -= left;
            self.head = 0;
            if let Some(chunk) = self.chunks.pop_front()
                && chunk.capacity() >= super::buffers::SMALLEST
                && self.spent.len() < super::buffers::KEPT
            {
                self.spent.push(chunk);
            }
        }
    }

    /// Empties the queue, moving its large buffers (and those already
    /// acknowledged) to `into`.
    pub fn release(&mut self, into: &mut Vec<Vec<u8>>) {
        into.append(&mut self.spent);
        into.extend(
            self.chunks
                .drain(..)
                .filter(|c| c.capacity() >= super::buffers::SMALLEST),
        );
        self.head = 0;
        self.len = 0;
    }

    /// Hands the large buffers the peer has acknowledged to `pool`.
    pub fn recycle(&mut self, pool: &mut super::buffers::BufferPool) {
        for buf in self.spent.drain(..) {
            pool.give(buf);
        }
    }

    /// Appends the queued bytes `from..from + n` to `out` (those that are
    /// queued, if the range runs past the end).
    pub fn copy_range(&self, from: usize, n: usize, out: &mut Vec<u8>) {
        let mut skip = from + self.head;
        let mut want = n;
        for chunk in &self.chunks {
            if want == 0 {
                break;
            }
            let Some(rest) = chunk.get(skip..) else {
                skip -= chunk.len();
                continue;
            };
            let take = rest.get(..want).unwrap_or(rest);
            out.extend_from_slice(take);
            want -= take.len();
            skip = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(Vec<u8>),
        Consume(usize),
        Copy(usize, usize),
        Release,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40).prop_map(Op::Push),
            (0usize..60).prop_map(Op::Consume),
            (0usize..80, 0usize..80).prop_map(|(f, n)| Op::Copy(f, n)),
            Just(Op::Release),
        ]
    }

    proptest! {
        /// The queue holds, drops and reads exactly what a flat ring of
        /// bytes would, across any chunking.
        #[test]
        fn behaves_as_a_flat_ring(ops in prop::collection::vec(op(), 0..60)) {
            let mut queue = SendQueue::default();
            let mut ring: VecDeque<u8> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(data) => {
                        ring.extend(&data);
                        queue.push(data);
                    }
                    Op::Consume(n) => {
                        ring.drain(..n.min(ring.len()));
                        queue.consume(n);
                    }
                    Op::Copy(from, n) => {
                        let want: Vec<u8> = ring.iter().skip(from).take(n).copied().collect();
                        let mut got = Vec::new();
                        queue.copy_range(from, n, &mut got);
                        prop_assert_eq!(got, want);
                    }
                    Op::Release => {
                        ring.clear();
                        queue.release(&mut Vec::new());
                    }
                }
                prop_assert_eq!(queue.len(), ring.len());
                prop_assert_eq!(queue.is_empty(), ring.is_empty());
            }
        }
    }
}
