//! Spare mail buffers, handed from a relayed mail to the next one.
//!
//! A relayed mail is held whole (DATA until its final dot), then handed to
//! the server side's send queue, which lets it go once the server has
//! acknowledged it. Each mail used to grow a fresh buffer of its size and
//! give it back to the system after: on a mail capture, a third of all the
//! page faults were that buffer's new pages. The pool keeps a few large
//! buffers the send queues let go, emptied, for the next mail to fill.
//! It holds at most [`KEPT`] buffers and [`HELD`] bytes, so what it keeps
//! is bounded whatever the traffic.

/// Buffers kept at once.
pub const KEPT: usize = 4;
/// A buffer smaller than this is not worth keeping.
pub const SMALLEST: usize = 64 * 1024;
/// Bytes of capacity kept at most, all buffers together (a buffer that
/// would go past it is let go).
pub const HELD: usize = 8 * 1024 * 1024;

/// Empty buffers with their capacity, for mails to come.
#[derive(Debug, Default)]
pub struct BufferPool {
    spare: Vec<Vec<u8>>,
}

impl BufferPool {
    /// An empty buffer: the largest kept one if there is one (a buffer
    /// larger than its mail gives the extra back when the mail is whole).
    pub fn take(&mut self) -> Vec<u8> {
        if self.spare.is_empty() {
            Vec::new()
        } else {
            self.spare.remove(0)
        }
    }

    /// Keeps `buf`, emptied, if it is among the largest [`KEPT`] within
    /// [`HELD`] bytes.
    pub fn give(&mut self, mut buf: Vec<u8>) {
        if !(SMALLEST..=HELD).contains(&buf.capacity()) {
            return;
        }
        buf.clear();
        self.spare.push(buf);
        self.spare.sort_by_key(|b| std::cmp::Reverse(b.capacity()));
        while self.spare.len() > KEPT || self.held() > HELD {
            self.spare.pop();
        }
    }

    /// Bytes held by the kept buffers.
    pub fn held(&self) -> usize {
        self.spare.iter().map(Vec::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_bounded_number_of_middle_sized_buffers() {
        let mut pool = BufferPool::default();
        pool.give(Vec::with_capacity(SMALLEST - 1));
        pool.give(Vec::with_capacity(HELD + 1));
        assert_eq!(pool.held(), 0, "too small and too large are let go");
        for _ in 0..KEPT + 3 {
            pool.give(vec![7; SMALLEST]);
        }
        assert_eq!(pool.held(), KEPT * SMALLEST);
        let buf = pool.take();
        assert!(buf.is_empty() && buf.capacity() >= SMALLEST);
        assert_eq!(pool.held(), (KEPT - 1) * SMALLEST);
    }
}
