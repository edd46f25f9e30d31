//! A fast, fixed hash for the big lookup tables (the intel's web ratings,
//! allow and block lists): the Fx hash of rustc, 8 bytes per step, read
//! from the front for keys probed by prefix (URLs) and from the back for
//! keys probed by suffix (hosts and their domains), so a request's keys are
//! hashed in one pass each ([`PrefixHasher`], [`SuffixHasher`],
//! [`HostKeys`]).
//!
//! Fixed seeds are fine here: the tables are built from trusted data (the
//! intel snapshot, the policy); the network only looks keys up, it never
//! inserts, so it cannot grow a collision chain.

mod host_keys;
mod key_table;

pub use host_keys::{DotKeys, HostKeys};
pub use key_table::{KeyTable, TableFull};
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

/// The last 1-7 bytes of a key as a little-endian word, zero-padded: two
/// overlapping loads instead of a loop per byte (this runs for every key
/// looked up). Overlapping bytes are equal, so OR-ing them is exact.
#[inline]
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    let le32 = |b: &[u8]| b.try_into().map_or(0, |a| u64::from(u32::from_le_bytes(a)));
    let le16 = |b: &[u8]| b.try_into().map_or(0, |a| u64::from(u16::from_le_bytes(a)));
    if n >= 4 {
        let lo = rest.get(..4).map_or(0, le32);
        let hi = rest.get(n - 4..).map_or(0, le32);
        lo | (hi << (8 * (n - 4)))
    } else if n >= 2 {
        let lo = rest.get(..2).map_or(0, le16);
        let hi = rest.get(n - 2..).map_or(0, le16);
        lo | (hi << (8 * (n - 2)))
    } else {
        rest.first().map_or(0, |b| u64::from(*b))
    }
}

#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }

    /// The 0-7 bytes after the last whole word, with their count mixed in.
    #[inline]
    fn add_tail(&mut self, rest: &[u8]) {
        if !rest.is_empty() {
            self.add(tail_word(rest) ^ ((rest.len() as u64) << 56));
        }
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        self.add_tail(chunks.remainder());
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The Fx hash of a key's bytes, folded, as the packed tables (web
/// ratings, list entries) store and probe it.
///
/// Fx ends in a multiplication, so its low bits see only the low bytes of
/// each word, and [`KeyTable`] picks the slot from the low bits: keys that
/// differ in the middle of a word (`www.site123.example`) would share
/// slots. Folding the high half down spreads them (measured, on the
/// hashbrown tables of the time: the bench's million-URL intel lookups went
/// from 1.53M to 2.61M per second).
#[inline]
pub fn hash_bytes(key: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(key);
    fold(h.finish())
}

#[inline]
fn fold(h: u64) -> u64 {
    (h ^ (h >> 29)).wrapping_mul(K) ^ (h >> 32)
}

/// [`hash_bytes`]'s mirror for host names: the 8-byte words are taken from
/// the end, so every suffix of a host (`example.co.jp`, `.co.jp`) shares
/// the whole words of the longer ones and costs one more step
/// ([`SuffixHasher`]): a request's host and all the domains above it are
/// hashed in one pass.
#[inline]
pub fn hash_rev(key: &[u8]) -> u64 {
    SuffixHasher::new(key).suffix(0)
}

/// How a [`KeyTable`] hashes its keys: [`Forward`] ([`hash_bytes`], for
/// keys probed by their prefixes: URLs, pages, folders) or [`Backward`]
/// ([`hash_rev`], for keys probed by their suffixes: hosts and domains).
pub trait KeyHash {
    fn hash(key: &[u8]) -> u64;
}

/// [`hash_bytes`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Forward;

/// [`hash_rev`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Backward;

impl KeyHash for Forward {
    #[inline]
    fn hash(key: &[u8]) -> u64 {
        hash_bytes(key)
    }
}

impl KeyHash for Backward {
    #[inline]
    fn hash(key: &[u8]) -> u64 {
        hash_rev(key)
    }
}

/// Up to 8 bytes of `first ++ second` from `at`, as one slice (copied into
/// `word` where they straddle the two).
#[inline]
fn bytes_at<'a>(
    first: &'a [u8],
    second: &'a [u8],
    at: usize,
    len: usize,
    word: &'a mut [u8; 8],
) -> &'a [u8] {
    let split = first.len();
    if at + len <= split {
        first.get(at..at + len).unwrap_or_default()
    } else if at >= split {
        second.get(at - split..at - split + len).unwrap_or_default()
    } else {
        let head = first.get(at..).unwrap_or_default();
        let tail = second.get(..len - head.len()).unwrap_or_default();
        if let Some((h, t)) = word
            .get_mut(..len)
            .and_then(|w| w.split_at_mut_checked(head.len()))
        {
            h.copy_from_slice(head);
            t.copy_from_slice(tail);
        }
        word.get(..len).unwrap_or_default()
    }
}

/// [`hash_bytes`] of prefixes of one text, in one pass: each 8-byte word
/// is mixed once, however many prefixes are asked for (a request's URL
/// and each of its `host/path/` prefixes are list keys). The text may be
/// given in two parts (a host and a path), read as one.
pub struct PrefixHasher<'a> {
    first: &'a [u8],
    second: &'a [u8],
    state: FxHasher,
    /// Whole words mixed into `state`.
    words: usize,
}

impl<'a> PrefixHasher<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self::new_split(bytes, &[])
    }

    /// The text `first ++ second`.
    pub fn new_split(first: &'a [u8], second: &'a [u8]) -> Self {
        PrefixHasher {
            first,
            second,
            state: FxHasher::default(),
            words: 0,
        }
    }

    /// `hash_bytes(&text[..end])` (the whole text if `end` is past it).
    /// Cheapest when `end` does not go down from one call to the next (a
    /// shorter prefix starts again from the first word).
    #[inline]
    pub fn prefix(&mut self, end: usize) -> u64 {
        let end = end.min(self.first.len() + self.second.len());
        if end / 8 < self.words {
            self.state = FxHasher::default();
            self.words = 0;
        }
        let mut word = [0u8; 8];
        while self.words < end / 8 {
            let w = bytes_at(self.first, self.second, self.words * 8, 8, &mut word);
            self.state
                .add(<[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes));
            self.words += 1;
        }
        let mut h = self.state;
        let at = self.words * 8;
        h.add_tail(bytes_at(self.first, self.second, at, end - at, &mut word));
        fold(h.finish())
    }
}

/// [`hash_rev`] of suffixes of one text, in one pass: the mirror of
/// [`PrefixHasher`] (words from the end; cheapest when `start` does not go
/// up from one call to the next).
pub struct SuffixHasher<'a> {
    bytes: &'a [u8],
    state: FxHasher,
    /// Whole words, from the end, mixed into `state`.
    words: usize,
}

impl<'a> SuffixHasher<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        SuffixHasher {
            bytes,
            state: FxHasher::default(),
            words: 0,
        }
    }

    /// `hash_rev(&bytes[start..])` (empty past the end).
    #[inline]
    pub fn suffix(&mut self, start: usize) -> u64 {
        let n = self.bytes.len();
        let len = n.saturating_sub(start);
        if len / 8 < self.words {
            self.state = FxHasher::default();
            self.words = 0;
        }
        while self.words < len / 8 {
            let at = n - (self.words + 1) * 8;
            let word = self.bytes.get(at..at + 8);
            self.state.add(
                word.and_then(|w| <[u8; 8]>::try_from(w).ok())
                    .map_or(0, u64::from_le_bytes),
            );
            self.words += 1;
        }
        let mut h = self.state;
        h.add_tail(
            self.bytes
                .get(n - len..n - self.words * 8)
                .unwrap_or_default(),
        );
        fold(h.finish())
    }
}

/// `HashMap<K, V, FxBuild>`.
pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_work_and_spread() {
        let mut m: FxHashMap<String, usize> = FxHashMap::default();
        for i in 0..10_000 {
            m.insert(format!("www.site{i}.example"), i);
        }
        assert_eq!(m.get("www.site1234.example"), Some(&1234));
        assert_eq!(m.get("www.site1234.exampl"), None);
        let mut a = FxHasher::default();
        a.write(b"abc");
        let mut b = FxHasher::default();
        b.write(b"abc\0");
        assert_ne!(a.finish(), b.finish(), "length is mixed in");
    }

    #[test]
    fn tail_words_are_the_padded_bytes() {
        let data: Vec<u8> = (1..=8u8).map(|i| i.wrapping_mul(0x3b)).collect();
        for n in 0..8 {
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&data[..n]);
            assert_eq!(
                tail_word(&data[..n]),
                u64::from_le_bytes(padded),
                "{n} bytes"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn split_prefixes_hash_like_the_joined_text(
            text in proptest::collection::vec(proptest::num::u8::ANY, 0..70),
            split in 0usize..70,
            ends in proptest::collection::vec(0usize..80, 0..12),
        ) {
            let (first, second) = text.split_at(split.min(text.len()));
            let mut p = PrefixHasher::new_split(first, second);
            for end in ends {
                let want = hash_bytes(text.get(..end).unwrap_or(&text));
                proptest::prop_assert_eq!(p.prefix(end), want);
            }
        }

        #[test]
        fn suffixes_hash_like_the_whole(
            text in proptest::collection::vec(proptest::num::u8::ANY, 0..70),
            starts in proptest::collection::vec(0usize..80, 0..12),
        ) {
            let mut s = SuffixHasher::new(&text);
            for start in starts {
                let tail = text.get(start..).unwrap_or_default();
                let mut words = tail.rchunks_exact(8);
                let mut h = FxHasher::default();
                for w in &mut words {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(w);
                    h.add(u64::from_le_bytes(a));
                }
                h.add_tail(words.remainder());
                proptest::prop_assert_eq!(s.suffix(start), fold(h.finish()));
                proptest::prop_assert_eq!(hash_rev(tail), fold(h.finish()));
            }
        }

        #[test]
        fn prefixes_hash_like_the_whole(
            text in proptest::collection::vec(proptest::num::u8::ANY, 0..70),
            ends in proptest::collection::vec(0usize..80, 0..12),
        ) {
            let mut p = PrefixHasher::new(&text);
            for end in ends {
                let want = hash_bytes(text.get(..end).unwrap_or(&text));
                proptest::prop_assert_eq!(p.prefix(end), want);
            }
        }
    }

    #[test]
    fn same_values_as_the_padded_copy() {
        // The hash as it was computed before (the remainder copied into a
        // zeroed word): table layouts and iteration orders stay as they were.
        fn padded(bytes: &[u8]) -> u64 {
            let mut h = FxHasher::default();
            let mut chunks = bytes.chunks_exact(8);
            for c in &mut chunks {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                h.add(u64::from_le_bytes(w));
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                let mut w = [0u8; 8];
                w[..rest.len()].copy_from_slice(rest);
                h.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
            }
            h.finish()
        }
        let data: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        for n in 0..data.len() {
            let mut h = FxHasher::default();
            h.write(&data[..n]);
            assert_eq!(h.finish(), padded(&data[..n]), "length {n}");
        }
    }
}
