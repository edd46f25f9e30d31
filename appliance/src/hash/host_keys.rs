//! `HostKeys`: a request's host as the lookup tables see it, lowered once
//! and hashed once ([`hash_rev`](super::hash_rev)) whole and at every dot,
//! so the intel (the host and its parent domains) and each list (the exact
//! host and its `*.domain` entries) probe without hashing again.

use super::{SuffixHasher, tail_word};
use std::borrow::Cow;

/// The keys at one dot of a host: the suffix from the dot (`.example.jp`,
/// how lists store `*.example.jp`) and the domain after it (`example.jp`,
/// how the intel rates a parent domain).
#[derive(Clone, Copy, Debug)]
pub struct DotKeys {
    /// The dot's byte offset in the host.
    pub at: usize,
    /// [`hash_rev`](super::hash_rev) of the host from the dot.
    pub from_dot: u64,
    /// [`hash_rev`](super::hash_rev) of the host after the dot.
    pub after_dot: u64,
}

/// Dots held without allocating (a host of nine labels).
const DOTS_INLINE: usize = 8;

/// A host, lowered, with the hashes of its keys.
#[derive(Clone, Debug)]
pub struct HostKeys<'a> {
    /// Borrowed when the host came lowercase (as the gateway hands it over).
    host: Cow<'a, str>,
    hash: u64,
    /// The first dots; `count` of them are set.
    dots: [DotKeys; DOTS_INLINE],
    count: usize,
    /// Every dot, when there are more than fit in `dots`.
    many: Vec<DotKeys>,
    slash: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that equals `byte` (exact: no
/// borrow runs from one byte into the next).
#[inline]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !(((x & !HIGHS) + !HIGHS) | x) & HIGHS
}

/// The high bit of each byte of `word` in `A..=Z`.
#[inline]
fn bytes_upper(word: u64) -> u64 {
    let low = word & !HIGHS;
    let from_a = low + ONES * u64::from(0x80 - b'A');
    let past_z = low + ONES * u64::from(0x80 - b'Z' - 1);
    from_a & !past_z & !word & HIGHS
}

/// What one scan of a host finds.
struct Scan {
    upper: bool,
    slash: bool,
    dots: [usize; DOTS_INLINE],
    count: usize,
}

/// Scans a host 8 bytes at a time: hosts are short, and a byte loop costs
/// more than the hashing.
#[inline]
fn scan(bytes: &[u8]) -> Scan {
    let mut found = Scan {
        upper: false,
        slash: false,
        dots: [0; DOTS_INLINE],
        count: 0,
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    let word_at = |word: u64, at: usize, found: &mut Scan| {
        found.upper |= bytes_upper(word) != 0;
        found.slash |= bytes_equal(word, b'/') != 0;
        let mut dots = bytes_equal(word, b'.');
        while dots != 0 {
            if let Some(slot) = found.dots.get_mut(found.count) {
                *slot = at + dots.trailing_zeros() as usize / 8;
            }
            found.count += 1;
            dots &= dots - 1;
        }
    };
    for chunk in &mut chunks {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        word_at(word, at, &mut found);
        at += 8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // Zero padding is none of the bytes looked for.
        word_at(tail_word(rest), at, &mut found);
    }
    found
}

const NO_DOT: DotKeys = DotKeys {
    at: 0,
    from_dot: 0,
    after_dot: 0,
};

impl<'a> HostKeys<'a> {
    #[inline]
    pub fn new(host: &'a str) -> HostKeys<'a> {
        let found = scan(host.as_bytes());
        let host = if found.upper {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
        let mut dots = [NO_DOT; DOTS_INLINE];
        let mut many = Vec::new();
        let bytes = host.as_bytes();
        let every_dot: &mut [DotKeys] = match dots.get_mut(..found.count) {
            Some(inline) => {
                for (d, at) in inline.iter_mut().zip(found.dots) {
                    d.at = at;
                }
                inline
            }
            None => {
                many = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'.')
                    .map(|(at, _)| DotKeys { at, ..NO_DOT })
                    .collect();
                &mut many
            }
        };
        // Right to left, so each suffix adds to the words of the last.
        let mut hasher = SuffixHasher::new(bytes);
        for d in every_dot.iter_mut().rev() {
            d.after_dot = hasher.suffix(d.at + 1);
            d.from_dot = hasher.suffix(d.at);
        }
        let hash = hasher.suffix(0);
        HostKeys {
            host,
            hash,
            dots,
            count: found.count,
            many,
            slash: found.slash,
        }
    }

    /// The host, lowercase.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// [`hash_rev`](super::hash_rev) of the whole host.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Its dots, left to right.
    pub fn dots(&self) -> &[DotKeys] {
        match self.dots.get(..self.count) {
            Some(inline) => inline,
            None => &self.many,
        }
    }

    /// The host holds a `/` (no real one does; a list key with one is a
    /// URL key).
    pub fn has_slash(&self) -> bool {
        self.slash
    }
}

#[cfg(test)]
mod tests {
    use super::super::hash_rev;
    use super::*;

    #[test]
    fn word_masks_are_exact() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b'x', b, 0, b'.', 0xff, b, b'Z', b'A']);
            let dots = bytes_equal(word, b'.');
            let upper = bytes_upper(word);
            let has = |mask: u64, i: usize| mask & (0x80 << (8 * i)) != 0;
            assert_eq!(has(dots, 1), b == b'.', "{b}");
            assert_eq!(has(dots, 5), b == b'.', "{b}");
            assert!(has(dots, 3) && !has(dots, 0) && !has(dots, 2) && !has(dots, 4));
            assert_eq!(has(upper, 1), b.is_ascii_uppercase(), "{b}");
            assert!(has(upper, 6) && has(upper, 7) && !has(upper, 4) && !has(upper, 0));
        }
    }

    proptest::proptest! {
        #[test]
        fn every_key_hashes_as_alone(host in "[a-cA-CZ@\\[\u{80}-\u{ff}./]{0,40}") {
            let keys = HostKeys::new(&host);
            let lower = host.to_ascii_lowercase();
            proptest::prop_assert_eq!(keys.host(), lower.as_str());
            proptest::prop_assert_eq!(keys.hash(), hash_rev(lower.as_bytes()));
            proptest::prop_assert_eq!(keys.has_slash(), host.contains('/'));
            let want: Vec<usize> = lower.match_indices('.').map(|(i, _)| i).collect();
            let got: Vec<usize> = keys.dots().iter().map(|d| d.at).collect();
            proptest::prop_assert_eq!(got, want);
            for d in keys.dots() {
                proptest::prop_assert_eq!(d.from_dot, hash_rev(&lower.as_bytes()[d.at..]));
                proptest::prop_assert_eq!(d.after_dot, hash_rev(&lower.as_bytes()[d.at + 1..]));
            }
        }
    }
}
