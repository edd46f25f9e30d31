//! `KeyTable`: a string-keyed hash table for the big, read-mostly lookup
//! tables of the web pipeline (the intel's million web ratings, the allow
//! and block lists), laid out for the one cost that matters there: cache
//! lines fetched from memory per lookup.
//!
//! Open addressing with linear probing, at most half full. A slot is 16
//! bytes (4 per cache line): 32 bits of the key's hash, where the key's
//! text is in the table's one `String`, and a 4-byte value. A key that is
//! absent costs the line of its home slot (a probe ends at the first
//! empty slot, and at half load that is almost always in the same line);
//! a key that is present costs that line and the line of its text.
//! hashbrown, which keeps its tags apart from its slots, costs one more
//! line for each, and a third when the value holds the key as a `String`.
//!
//! [`KeyTable::touch`] reads a key's home slot ahead of need, so the
//! lookups of one request wait for memory together, not one after another.
//!
//! Keys come from trusted data (the intel snapshot, the policy); the
//! network only looks up (see `crate::hash`).

use super::{Forward, KeyHash};
use std::hint::black_box;
use std::marker::PhantomData;

/// A table is full: its keys' text reached 4 GiB (or, for the web
/// ratings, 65,536 category names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableFull;

impl std::fmt::Display for TableFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a lookup table is full (at most 4 GiB of keys and 65,536 categories)")
    }
}

impl std::error::Error for TableFull {}

#[derive(Clone, Copy, Debug, Default)]
struct Slot<V> {
    /// The high half of the key's hash, never 0; 0 marks an empty slot.
    tag: u32,
    start: u32,
    len: u32,
    value: V,
}

/// String keys to small `Copy` values (4 bytes keep a slot at 16), hashed
/// by `H` ([`Forward`] or [`super::Backward`]: a caller that probes with a
/// hash it computed itself must compute it the same way).
#[derive(Debug)]
pub struct KeyTable<V, H = Forward> {
    slots: Vec<Slot<V>>,
    len: usize,
    keys: String,
    hash: PhantomData<H>,
}

impl<V: Copy, H> Clone for KeyTable<V, H> {
    fn clone(&self) -> Self {
        KeyTable {
            slots: self.slots.clone(),
            len: self.len,
            keys: self.keys.clone(),
            hash: PhantomData,
        }
    }
}

impl<V: Copy + Default, H> Default for KeyTable<V, H> {
    fn default() -> Self {
        KeyTable {
            slots: Vec::new(),
            len: 0,
            keys: String::new(),
            hash: PhantomData,
        }
    }
}

fn tag_of(hash: u64) -> u32 {
    ((hash >> 32) as u32).max(1)
}

impl<V: Copy + Default, H: KeyHash> KeyTable<V, H> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The key of an occupied slot, as bytes: slicing the `String` as a
    /// `str` would check char boundaries on every probe.
    #[inline]
    fn text(&self, slot: &Slot<V>) -> &[u8] {
        let start = slot.start as usize;
        self.keys
            .as_bytes()
            .get(start..start + slot.len as usize)
            .unwrap_or_default()
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.get_hashed(H::hash(key), key)
    }

    /// The value of `key`, whose hash (by `H`) the caller already has.
    #[inline]
    pub fn get_hashed(&self, hash: u64, key: &[u8]) -> Option<&V> {
        self.get_parts(hash, key, &[])
    }

    /// The value of the key `first ++ second` (a host and a path, say,
    /// without joining them), whose hash the caller already has.
    #[inline]
    pub fn get_parts(&self, hash: u64, first: &[u8], second: &[u8]) -> Option<&V> {
        self.find(hash, first, second)
            .and_then(|i| self.slots.get(i))
            .map(|s| &s.value)
    }

    #[inline]
    fn find(&self, hash: u64, first: &[u8], second: &[u8]) -> Option<usize> {
        self.first_on_path(hash, first.len() + second.len(), |text| {
            text.split_at_checked(first.len())
                .is_some_and(|(a, b)| a == first && b == second)
        })
    }

    /// The value of the first slot on `hash`'s probe path whose tag and
    /// length are the key's, without comparing the key: a hint (which
    /// other lines to read ahead), never an answer.
    #[inline]
    pub fn peek(&self, hash: u64, len: usize) -> Option<&V> {
        self.first_on_path(hash, len, |_| true)
            .and_then(|i| self.slots.get(i))
            .map(|s| &s.value)
    }

    /// The first slot on `hash`'s probe path with the key's tag and length
    /// whose text `text_matches`.
    #[inline]
    fn first_on_path(
        &self,
        hash: u64,
        len: usize,
        text_matches: impl Fn(&[u8]) -> bool,
    ) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let tag = tag_of(hash);
        let mask = self.mask();
        let mut i = hash as usize & mask;
        // At most half full: an empty slot ends every probe.
        loop {
            let slot = self.slots.get(i)?;
            if slot.tag == 0 {
                return None;
            }
            if slot.tag == tag && slot.len as usize == len && text_matches(self.text(slot)) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Reads the home slot of `hash`, so that a lookup soon after finds its
    /// line in the cache (a prefetch without `unsafe`: the CPU goes on
    /// while the read is under way).
    #[inline]
    pub fn touch(&self, hash: u64) {
        if let Some(slot) = self.slots.get(hash as usize & self.mask()) {
            black_box(slot.tag);
        }
    }

    /// The value of `key`, inserted as `V::default()` if the key is new.
    pub fn get_or_insert(&mut self, key: &str) -> Result<&mut V, TableFull> {
        let hash = H::hash(key.as_bytes());
        if let Some(i) = self.find(hash, key.as_bytes(), &[]) {
            return self.slots.get_mut(i).map(|s| &mut s.value).ok_or(TableFull);
        }
        let start = u32::try_from(self.keys.len()).map_err(|_| TableFull)?;
        let len = u32::try_from(key.len()).map_err(|_| TableFull)?;
        u32::try_from(self.keys.len() + key.len()).map_err(|_| TableFull)?;
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.keys.push_str(key);
        let slot = Slot {
            tag: tag_of(hash),
            start,
            len,
            value: V::default(),
        };
        let i = self.place(hash, slot);
        self.len += 1;
        self.slots.get_mut(i).map(|s| &mut s.value).ok_or(TableFull)
    }

    /// Puts `slot` at the first empty slot from its home; the table has
    /// room (it is kept at most half full).
    fn place(&mut self, hash: u64, slot: Slot<V>) -> usize {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        while let Some(s) = self.slots.get_mut(i) {
            if s.tag == 0 {
                *s = slot;
                break;
            }
            i = (i + 1) & mask;
        }
        i
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        for slot in old.into_iter().filter(|s| s.tag != 0) {
            let hash = H::hash(self.text(&slot));
            self.place(hash, slot);
        }
    }

    /// Every key and its value, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.tag != 0)
            // Keys went in as `str`s, whole: they read back as text.
            .map(|s| {
                (
                    std::str::from_utf8(self.text(s)).unwrap_or_default(),
                    &s.value,
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_16_bytes() {
        assert_eq!(std::mem::size_of::<Slot<u32>>(), 16);
        assert_eq!(std::mem::size_of::<Slot<[u8; 4]>>(), 16);
    }

    #[test]
    fn insert_find_grow_iterate() {
        let mut t: KeyTable<u32> = KeyTable::default();
        for i in 0..10_000u32 {
            *t.get_or_insert(&format!("www.site{i}.example"))
                .expect("room") = i;
        }
        *t.get_or_insert("www.site7.example").expect("room") += 1;
        assert_eq!(t.len(), 10_000);
        assert!(t.slots.len() >= 2 * t.len(), "at most half full");
        assert_eq!(t.get(b"www.site7.example"), Some(&8));
        assert_eq!(t.get(b"www.site9999.example"), Some(&9999));
        assert_eq!(t.get(b"www.site10000.example"), None);
        assert_eq!(t.get(b""), None);
        let mut sum: u64 = t.iter().map(|(_, v)| u64::from(*v)).sum();
        sum -= 1;
        assert_eq!(sum, (0..10_000u64).sum::<u64>());
        t.touch(crate::hash::hash_bytes(b"www.site1.example"));
        assert_eq!(KeyTable::<u32>::default().get(b"x"), None);
    }

    proptest::proptest! {
        #[test]
        fn keys_in_two_parts_and_backward_hashes(
            keys in proptest::collection::vec("[ab./]{0,6}", 0..32),
            probe in "[ab./]{0,6}",
            split in 0usize..7,
        ) {
            let mut t: KeyTable<u32, crate::hash::Backward> = KeyTable::default();
            for (i, k) in keys.iter().enumerate() {
                *t.get_or_insert(k).expect("room") = i as u32;
            }
            let (a, b) = probe.as_bytes().split_at(split.min(probe.len()));
            let hash = crate::hash::hash_rev(probe.as_bytes());
            proptest::prop_assert_eq!(t.get_parts(hash, a, b), t.get(probe.as_bytes()));
            proptest::prop_assert_eq!(t.get(probe.as_bytes()).is_some(), keys.contains(&probe));
        }

        #[test]
        fn behaves_like_a_map(
            keys in proptest::collection::vec("[ab.]{0,4}", 0..64),
            probes in proptest::collection::vec("[ab.]{0,4}", 0..16),
        ) {
            let mut t: KeyTable<u32> = KeyTable::default();
            let mut m = std::collections::HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                *t.get_or_insert(k).expect("room") = i as u32;
                m.insert(k.clone(), i as u32);
            }
            proptest::prop_assert_eq!(t.len(), m.len());
            for k in keys.iter().chain(probes.iter()) {
                proptest::prop_assert_eq!(t.get(k.as_bytes()), m.get(k));
            }
            // A present key's slot is the first that looks like it, unless
            // another key with its tag and length comes first.
            for k in &keys {
                let hash = crate::hash::hash_bytes(k.as_bytes());
                proptest::prop_assert!(t.peek(hash, k.len()).is_some());
            }
        }
    }
}
