//! The intel's web ratings (score and URL category per host, page or
//! folder), packed for the web pipeline, which asks them for every request.
//!
//! A million ratings do not fit in the CPU caches, so a lookup's cost is
//! the memory it touches. Each rating is one 16-byte slot in a hash table
//! (the key's place in one shared text, the score, the category's number
//! and 8 more bits of the key's hash); the keys are one `String`, the
//! category names are shared (`Arc<str>`, interned). A key that is absent
//! costs the table's control bytes and, once in 32,768 probes, a slot; a
//! key that is present costs its slot and its text. A `HashMap<String,
//! WebRating>` cost three more reads per hit (the key's and the category's
//! heap blocks, a copy of the category) and a slot per false tag match.

use crate::hash::{FxHashMap, hash_bytes};
use hashbrown::HashTable;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// What the cloud says about a web address.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebRating {
    /// 0-100: 0-50 dangerous, 51-65 highly suspicious, 66-80 suspicious,
    /// 81-100 safe; 71 means untested.
    pub score: u8,
    /// The URL category's English name (see `policy::categories`); shared,
    /// so handing a rating out copies no text.
    pub category: Arc<str>,
}

/// The table is full: the keys' text reached 4 GiB, or 2^32 categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableFull;

impl fmt::Display for TableFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the web ratings hold at most 4 GiB of keys")
    }
}

impl std::error::Error for TableFull {}

/// One rating: where its key is in [`WebRatings::keys`], and the rating.
#[derive(Clone, Copy, Debug)]
struct Slot {
    start: u32,
    len: u32,
    category: u32,
    score: u8,
    /// Bits of the key's hash that hashbrown's tag does not hold: a probe
    /// reads the key's text only when these agree too.
    check: u8,
}

fn check_of(hash: u64) -> u8 {
    // hashbrown takes the top 7 bits for its tag and the low bits for the
    // position: these are neither.
    (hash >> 40) as u8
}

/// Web ratings by key: a host (`www.example.jp`, covering its subdomains
/// unless they have their own), a page (`host/path`) or a folder
/// (`host/path/`, covering everything below it). Keys are stored in ASCII
/// lowercase up to the first `/`, the path as it is.
#[derive(Clone, Default)]
pub struct WebRatings {
    table: HashTable<Slot>,
    keys: String,
    categories: Vec<Arc<str>>,
    category_numbers: FxHashMap<Arc<str>, u32>,
}

/// Keys of ordinary length are built on the stack for a lookup.
pub(crate) const STACK_KEY: usize = 512;

impl WebRatings {
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Adds or replaces the rating of `key` (the host part is lowercased).
    pub fn insert(&mut self, key: impl AsRef<str>, rating: WebRating) -> Result<(), TableFull> {
        let key = normalise(key.as_ref());
        let category = self.category_number(&rating.category)?;
        let hash = hash_bytes(key.as_bytes());
        let check = check_of(hash);
        let keys = &self.keys;
        let same = |s: &Slot| s.check == check && text(keys, s) == Some(key.as_str());
        if let Some(slot) = self.table.find_mut(hash, same) {
            slot.category = category;
            slot.score = rating.score;
            return Ok(());
        }
        let start = u32::try_from(self.keys.len()).map_err(|_| TableFull)?;
        let len = u32::try_from(key.len()).map_err(|_| TableFull)?;
        if u32::try_from(self.keys.len() + key.len()).is_err() {
            return Err(TableFull);
        }
        self.keys.push_str(&key);
        let keys = &self.keys;
        self.table.insert_unique(
            hash,
            Slot {
                start,
                len,
                category,
                score: rating.score,
                check,
            },
            |s| text(keys, s).map_or(0, |k| hash_bytes(k.as_bytes())),
        );
        Ok(())
    }

    fn category_number(&mut self, name: &Arc<str>) -> Result<u32, TableFull> {
        if let Some(n) = self.category_numbers.get(name) {
            return Ok(*n);
        }
        let n = u32::try_from(self.categories.len()).map_err(|_| TableFull)?;
        self.categories.push(name.clone());
        self.category_numbers.insert(name.clone(), n);
        Ok(n)
    }

    /// The rating stored under exactly `key` (host part in any case).
    pub fn get(&self, key: &str) -> Option<WebRating> {
        let key = normalise(key);
        self.slot(key.as_bytes()).map(|s| self.rating(s))
    }

    /// Every key and its rating, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, WebRating)> + '_ {
        self.table
            .iter()
            .filter_map(|s| text(&self.keys, s).map(|k| (k, self.rating(s))))
    }

    /// Every key, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.table.iter().filter_map(|s| text(&self.keys, s))
    }

    fn rating(&self, slot: &Slot) -> WebRating {
        WebRating {
            score: slot.score,
            category: self
                .categories
                .get(slot.category as usize)
                .cloned()
                .unwrap_or_else(|| Arc::from("")),
        }
    }

    fn slot(&self, key: &[u8]) -> Option<&Slot> {
        let hash = hash_bytes(key);
        let check = check_of(hash);
        self.table.find(hash, |s| {
            s.check == check && text(&self.keys, s).map(str::as_bytes) == Some(key)
        })
    }

    /// The rating of `host` (and `path`, `/a/b?q`; `None` for TLS): the
    /// page without its query, then each folder above it (`host/a/b/`,
    /// `host/a/`, `host/`), then the host and each parent domain with at
    /// least one dot. The first key the table has wins.
    pub fn rate(&self, host: &str, path: Option<&str>) -> Option<WebRating> {
        if self.table.is_empty() {
            return None;
        }
        let host = host.trim_end_matches('.');
        let page = path.map(|p| {
            p.bytes()
                .position(|b| b == b'?' || b == b'#')
                .map_or(p, |q| p.get(..q).unwrap_or(p))
        });
        let need = host.len() + page.map_or(0, str::len);
        let mut stack = [0u8; STACK_KEY];
        let mut heap = Vec::new();
        let key: &mut [u8] = match stack.get_mut(..need) {
            Some(b) => b,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let (host_part, page_part) = key.split_at_mut(host.len());
        host_part.copy_from_slice(host.as_bytes());
        host_part.make_ascii_lowercase();
        if let Some(page) = page {
            page_part.copy_from_slice(page.as_bytes());
        }
        let key: &[u8] = key;
        let h = host.len();
        if page.is_some() {
            if let Some(s) = self.slot(key) {
                return Some(self.rating(s));
            }
            // Each folder, deepest first: the key up to and including a
            // `/` (a page ending in `/` was its own first folder).
            let mut end = key.len().saturating_sub(1);
            while let Some(slash) = key
                .get(h..end)
                .and_then(|p| p.iter().rposition(|b| *b == b'/'))
            {
                if let Some(s) = key.get(..h + slash + 1).and_then(|k| self.slot(k)) {
                    return Some(self.rating(s));
                }
                end = h + slash;
            }
        }
        let mut candidate = key.get(..h)?;
        loop {
            if let Some(s) = self.slot(candidate) {
                return Some(self.rating(s));
            }
            match candidate
                .iter()
                .position(|b| *b == b'.')
                .and_then(|dot| candidate.get(dot + 1..))
            {
                Some(parent) if parent.contains(&b'.') => candidate = parent,
                _ => return None,
            }
        }
    }
}

/// `key` with its host part (up to the first `/`) in ASCII lowercase.
fn normalise(key: &str) -> String {
    let host_end = key.find('/').unwrap_or(key.len());
    let mut k = key.to_string();
    if let Some(host) = k.get_mut(..host_end) {
        host.make_ascii_lowercase();
    }
    k
}

fn text<'k>(keys: &'k str, slot: &Slot) -> Option<&'k str> {
    let start = slot.start as usize;
    keys.get(start..start + slot.len as usize)
}

impl PartialEq for WebRatings {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, r)| other.get(k).is_some_and(|o| o == r))
    }
}

impl Eq for WebRatings {}

impl fmt::Debug for WebRatings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sorted: BTreeMap<&str, WebRating> = self.iter().collect();
        f.debug_map().entries(sorted).finish()
    }
}

impl<'de> Deserialize<'de> for WebRatings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, WebRating>::deserialize(deserializer)?;
        let mut ratings = WebRatings::default();
        for (key, rating) in raw {
            ratings.insert(key, rating).map_err(serde::de::Error::custom)?;
        }
        Ok(ratings)
    }
}

impl FromIterator<(String, WebRating)> for WebRatings {
    /// Collects ratings; past 4 GiB of keys the rest are dropped (use
    /// [`WebRatings::insert`] to see that happen).
    fn from_iter<I: IntoIterator<Item = (String, WebRating)>>(iter: I) -> Self {
        let mut ratings = WebRatings::default();
        for (key, rating) in iter {
            if ratings.insert(key, rating).is_err() {
                break;
            }
        }
        ratings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(score: u8, category: &str) -> WebRating {
        WebRating {
            score,
            category: category.into(),
        }
    }

    #[test]
    fn insert_replace_get_iterate() {
        let mut t = WebRatings::default();
        t.insert("WWW.Corp.example/Movies/", r(90, "Streaming Media"))
            .expect("room");
        t.insert("corp.example", r(80, "Business/Economy"))
            .expect("room");
        t.insert("corp.example", r(85, "Business/Economy"))
            .expect("room");
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("CORP.example"), Some(r(85, "Business/Economy")));
        assert_eq!(
            t.get("www.corp.example/Movies/"),
            Some(r(90, "Streaming Media")),
            "the host part is lowercased, the path kept"
        );
        assert_eq!(t.get("www.corp.example/movies/"), None);
        let mut keys: Vec<&str> = t.keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["corp.example", "www.corp.example/Movies/"]);
        assert_eq!(t.categories.len(), 2, "category names are interned");
    }

    #[test]
    fn equality_ignores_insertion_order() {
        let a: WebRatings = [
            ("a.example".to_string(), r(1, "x")),
            ("b.example".to_string(), r(2, "y")),
        ]
        .into_iter()
        .collect();
        let b: WebRatings = [
            ("b.example".to_string(), r(2, "y")),
            ("a.example".to_string(), r(1, "x")),
        ]
        .into_iter()
        .collect();
        assert_eq!(a, b);
        let c: WebRatings = [("a.example".to_string(), r(1, "x"))].into_iter().collect();
        assert_ne!(a, c);
    }

    #[test]
    fn reads_yaml_and_refuses_unknown_fields() {
        let t: WebRatings =
            serde_yaml::from_str("www.example.jp: {score: 92, category: Business/Economy}\n")
                .expect("valid");
        assert_eq!(t.get("www.example.jp"), Some(r(92, "Business/Economy")));
        let e = serde_yaml::from_str::<WebRatings>("a.jp: {score: 1, category: x, colour: 2}\n")
            .expect_err("unknown field");
        assert!(e.to_string().contains("colour"), "{e}");
    }

    #[test]
    fn a_slash_page_is_not_looked_up_twice_as_a_folder() {
        let mut t = WebRatings::default();
        t.insert("www.example.jp/", r(10, "x")).expect("room");
        t.insert("www.example.jp", r(90, "y")).expect("room");
        assert_eq!(t.rate("www.example.jp", Some("/")), Some(r(10, "x")));
        assert_eq!(t.rate("www.example.jp", Some("/a")), Some(r(10, "x")));
        assert_eq!(t.rate("www.example.jp", None), Some(r(90, "y")));
    }
}
