//! The virtual clock's agenda: a priority queue of things due at an instant.
//!
//! The simulator never sleeps: it pops the earliest entry, jumps the clock to
//! it and handles it, so idle hours cost nothing. Entries due at the same
//! instant come out in the order they were scheduled, which keeps every run
//! identical regardless of how the heap happens to arrange equal keys.

use appliance::Instant;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A min-queue of payloads keyed by (instant, insertion order).
#[derive(Debug)]
pub struct Agenda<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<T> {
    at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T> Default for Agenda<T> {
    fn default() -> Self {
        Agenda {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T> Agenda<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `item` at `at`; ties are broken by scheduling order.
    pub fn schedule(&mut self, at: Instant, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, item });
    }

    /// When the earliest entry is due.
    pub fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes the earliest entry if it is due at or before `until`.
    pub fn pop_due(&mut self, until: Instant) -> Option<(Instant, T)> {
        if self.next_at()? > until {
            return None;
        }
        self.heap.pop().map(|e| (e.at, e.item))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_ties_in_insertion_order() {
        let mut agenda = Agenda::new();
        let t = |s| Instant::from_secs(s);
        agenda.schedule(t(5), "e");
        agenda.schedule(t(1), "a");
        agenda.schedule(t(3), "c1");
        agenda.schedule(t(3), "c2");
        agenda.schedule(t(3), "c3");
        assert_eq!(agenda.next_at(), Some(t(1)));
        let mut seen = Vec::new();
        while let Some((_, item)) = agenda.pop_due(t(4)) {
            seen.push(item);
        }
        assert_eq!(seen, ["a", "c1", "c2", "c3"]);
        assert_eq!(agenda.len(), 1);
        assert_eq!(agenda.pop_due(t(5)), Some((t(5), "e")));
        assert!(agenda.is_empty());
    }
}
