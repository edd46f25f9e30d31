//! `K/N` shards: one stable split of the scenarios over N machines (or N
//! processes of one machine), shared by `officetwin conformance --shard` and
//! the features runner (`OFFICETWIN_SHARD`).
//!
//! A scenario belongs to the shard its key hashes to (FNV-1a, 64 bits, the
//! same on every machine and Rust release, unlike `DefaultHasher`), so adding
//! a scenario never moves the others and the N shards of one run cover every
//! key exactly once.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`, numbered from 1 as written (`1/2`, `2/2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// The whole suite as one shard.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    pub fn new(index: u32, count: u32) -> Result<Self, ShardError> {
        if count == 0 || index == 0 || index > count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    pub fn index(self) -> u32 {
        self.index
    }

    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether the item with this key runs in this shard.
    pub fn contains(self, key: &str) -> bool {
        bucket(key, self.count) == self.index - 1
    }

    /// The shards of a split into `count`.
    pub fn all_of(count: u32) -> impl Iterator<Item = Shard> {
        (1..=count).map(move |index| Shard { index, count })
    }
}

/// FNV-1a, 64 bits.
fn fnv1a(key: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    key.bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Which of `count` buckets a key falls in (0-based).
fn bucket(key: &str, count: u32) -> u32 {
    (fnv1a(key) % u64::from(count)) as u32
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("a shard is written K/N (e.g. 1/2), got {0:?}")]
    Syntax(String),
    #[error("shard {index}/{count}: K must be between 1 and N, and N at least 1")]
    OutOfRange { index: u32, count: u32 },
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(syntax)?;
        let k = k.trim().parse().map_err(|_| syntax())?;
        let n = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_refuses_with_the_reason() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(" 1 / 1 ".parse::<Shard>(), Ok(Shard::ALL));
        assert!(matches!(
            "0/2".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "3/2".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "1/0".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        for bad in ["", "1", "a/2", "1/b", "1/2/3", "-1/2"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Syntax(_))),
                "{bad:?}"
            );
        }
        assert_eq!(Shard::new(2, 5).map(|s| s.to_string()), Ok("2/5".into()));
    }

    /// FNV-1a's published test vectors: the split must not change with the
    /// Rust release or the machine, or CI's shards would drift apart.
    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(bucket("foobar", 7), (0x8594_4171_f739_67e8_u64 % 7) as u32);
    }

    proptest! {
        /// Every key is in exactly one shard of any split.
        #[test]
        fn the_shards_of_a_split_cover_every_key_once(
            keys in proptest::collection::vec(".{0,40}", 0..60),
            count in 1u32..9,
        ) {
            for key in &keys {
                let owners = Shard::all_of(count).filter(|s| s.contains(key)).count();
                prop_assert_eq!(owners, 1, "{:?} in {} shards of {}", key, owners, count);
            }
        }
    }
}
