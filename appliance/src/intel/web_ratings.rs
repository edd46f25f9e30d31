//! The intel's web ratings (score and URL category per host, page or
//! folder), packed for the web pipeline, which asks them for every request.
//!
//! A million ratings do not fit in the CPU caches, so a lookup's cost is
//! the cache lines it fetches from memory. The ratings live in two
//! [`KeyTable`]s (16-byte slots, keys in one text): hosts, and pages or
//! folders. A host's slot holds its rating, if it has one, and whether any
//! page or folder of it is rated, so a request to a host without rated
//! pages (most requests) costs one probe per domain level and never asks
//! the pages table. The slots of the host and of its parent domains are
//! touched first, so their memory reads overlap. Category names are
//! interned (`Arc<str>`): a rating handed out copies no text.

pub use crate::hash::TableFull;
use crate::hash::{Backward, FxHashMap, HostKeys, KeyTable, PrefixHasher};
use serde::{Deserialize, Deserializer};
use smallvec::SmallVec;
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

/// A key's entry: its rating, if it has one, and (hosts) whether it has
/// rated pages. Four bytes, so a slot stays at 16.
#[derive(Clone, Copy, Debug, Default)]
struct Rated {
    flags: u8,
    score: u8,
    category: u16,
}

/// The entry holds a rating (a host may be there only for its pages).
const RATED: u8 = 1;
/// Some `host/...` key of this host is in the pages table.
const HAS_PAGES: u8 = 2;

/// Web ratings by key: a host (`www.example.jp`, covering its subdomains
/// unless they have their own), a page (`host/path`) or a folder
/// (`host/path/`, covering everything below it). Keys are stored in ASCII
/// lowercase up to the first `/`, the path as it is.
#[derive(Clone, Default)]
pub struct WebRatings {
    /// Keys without `/`, hashed from the back ([`HostKeys`]).
    hosts: KeyTable<Rated, Backward>,
    /// Keys with a `/`: `host/path` and `host/folder/`.
    pages: KeyTable<Rated>,
    /// How many keys are rated.
    len: usize,
    categories: Vec<Arc<str>>,
    category_numbers: FxHashMap<Arc<str>, u16>,
}

/// Folders of a page held without allocating.
const FOLDERS_INLINE: usize = 8;

impl WebRatings {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds or replaces the rating of `key` (the host part is lowercased).
    pub fn insert(&mut self, key: impl AsRef<str>, rating: WebRating) -> Result<(), TableFull> {
        let key = normalise(key.as_ref());
        let category = self.category_number(&rating.category)?;
        let entry = match key.find('/') {
            Some(slash) => {
                let host = key.get(..slash).unwrap_or_default();
                self.hosts.get_or_insert(host)?.flags |= HAS_PAGES;
                self.pages.get_or_insert(&key)?
            }
            None => self.hosts.get_or_insert(&key)?,
        };
        let new = entry.flags & RATED == 0;
        entry.flags |= RATED;
        entry.category = category;
        entry.score = rating.score;
        self.len += usize::from(new);
        Ok(())
    }

    fn category_number(&mut self, name: &Arc<str>) -> Result<u16, TableFull> {
        if let Some(n) = self.category_numbers.get(name) {
            return Ok(*n);
        }
        let n = u16::try_from(self.categories.len()).map_err(|_| TableFull)?;
        self.categories.push(name.clone());
        self.category_numbers.insert(name.clone(), n);
        Ok(n)
    }

    /// The rating stored under exactly `key` (host part in any case).
    pub fn get(&self, key: &str) -> Option<WebRating> {
        let key = normalise(key);
        let entry = if key.contains('/') {
            self.pages.get(key.as_bytes())
        } else {
            self.hosts.get(key.as_bytes())
        };
        entry.and_then(|r| self.rating(r))
    }

    /// Every key and its rating, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, WebRating)> + '_ {
        self.hosts
            .iter()
            .chain(self.pages.iter())
            .filter_map(|(k, r)| self.rating(r).map(|r| (k, r)))
    }

    /// The rating an entry holds, if it is rated.
    fn rating(&self, r: &Rated) -> Option<WebRating> {
        if r.flags & RATED == 0 {
            return None;
        }
        Some(WebRating {
            score: r.score,
            category: self
                .categories
                .get(usize::from(r.category))
                .cloned()
                .unwrap_or_else(|| Arc::from("")),
        })
    }

    /// The rating of `host` (and `path`, `/a/b?q`; `None` for TLS): the
    /// page without its query, then each folder above it (`host/a/b/`,
    /// `host/a/`, `host/`), then the host and each parent domain with at
    /// least one dot. The first key the table has wins.
    pub fn rate(&self, host: &str, path: Option<&str>) -> Option<WebRating> {
        if self.len == 0 {
            return None;
        }
        self.rate_keys(&HostKeys::new(host), path)
    }

    /// [`WebRatings::rate`] for a host whose keys are made already.
    pub fn rate_keys(&self, keys: &HostKeys<'_>, path: Option<&str>) -> Option<WebRating> {
        if self.len == 0 {
            return None;
        }
        let host = keys.host();
        if host.ends_with('.') {
            // The root's dot is no part of a name (rare: made again).
            return self.rate_keys(&HostKeys::new(host.trim_end_matches('.')), path);
        }
        let host = host.as_bytes();
        // The host, then each parent domain that still has a dot: after
        // every dot but the last. Their slots are read ahead so the probes
        // below wait for memory together.
        let dots = keys.dots();
        let parents = dots.get(..dots.len().saturating_sub(1)).unwrap_or_default();
        self.hosts.touch(keys.hash());
        for d in parents {
            self.hosts.touch(d.after_dot);
        }
        // The host's slot, by its tag alone, says whether its pages are
        // rated: their slots are read ahead too, while the host's key is
        // compared. Only a hint: the answer below goes by the host's own
        // slot (a slot that only looks like it costs a wasted read or a
        // missed read-ahead, never a wrong answer).
        let page_keys = path
            .filter(|_| {
                self.hosts
                    .peek(keys.hash(), host.len())
                    .is_some_and(|r| r.flags & HAS_PAGES != 0)
            })
            .map(|path| {
                let page = PageKeys::new(host, path);
                for (_, hash) in page.deepest_first() {
                    self.pages.touch(hash);
                }
                page
            });
        let found = self.hosts.get_hashed(keys.hash(), host);
        if let (Some(found), Some(path)) = (found, path)
            && found.flags & HAS_PAGES != 0
        {
            let page_keys = page_keys.unwrap_or_else(|| PageKeys::new(host, path));
            if let Some(r) = self.page(host, &page_keys) {
                return self.rating(r);
            }
        }
        // Then the host's own rating and its parents'; pages of a parent do
        // not cover its subdomains, so only the hosts table is asked.
        found.and_then(|r| self.rating(r)).or_else(|| {
            parents.iter().find_map(|d| {
                let parent = host.get(d.at + 1..).unwrap_or_default();
                self.hosts
                    .get_hashed(d.after_dot, parent)
                    .and_then(|r| self.rating(r))
            })
        })
    }

    /// The page (without its query) of a host that has rated pages, then
    /// each folder above it, deepest first.
    fn page(&self, host: &[u8], keys: &PageKeys<'_>) -> Option<&Rated> {
        keys.deepest_first().find_map(|(end, hash)| {
            let folder = keys.page.get(..end).unwrap_or_default();
            self.pages
                .get_parts(hash, host, folder)
                .filter(|r| r.flags & RATED != 0)
        })
    }
}

/// The keys a page is rated under: `host ++ page` (the path without its
/// query), then each folder above it, with their hashes.
struct PageKeys<'a> {
    page: &'a [u8],
    /// The whole page's key: its length in `page`, its hash.
    whole: (usize, u64),
    /// The folders' keys, shallowest first.
    folders: SmallVec<[(usize, u64); FOLDERS_INLINE]>,
}

impl<'a> PageKeys<'a> {
    fn new(host: &[u8], path: &'a str) -> PageKeys<'a> {
        let page = path
            .bytes()
            .position(|b| b == b'?' || b == b'#')
            .map_or(path, |q| path.get(..q).unwrap_or(path))
            .as_bytes();
        let h = host.len();
        // Hashed in one pass from the shortest; a page ending in `/` is
        // its own first folder.
        let mut prefixes = PrefixHasher::new_split(host, page);
        let mut folders: SmallVec<[(usize, u64); FOLDERS_INLINE]> = SmallVec::new();
        for (i, b) in page.iter().enumerate().take(page.len().saturating_sub(1)) {
            if *b == b'/' {
                folders.push((i + 1, prefixes.prefix(h + i + 1)));
            }
        }
        let whole = (page.len(), prefixes.prefix(h + page.len()));
        PageKeys {
            page,
            whole,
            folders,
        }
    }

    /// The page, then its folders, deepest first: the lookup order.
    fn deepest_first(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        std::iter::once(self.whole).chain(self.folders.iter().rev().copied())
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
            ratings
                .insert(key, rating)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(ratings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_rev;

    /// Two hosts of one length whose hashes share a tag and, in a table of
    /// 16 slots, a home slot: the first on the probe path has no rated
    /// pages, the second has. The read-ahead hint finds the first; the
    /// answer must still come from the second's own slot.
    #[test]
    fn a_look_alike_slot_never_hides_rated_pages() {
        let mut w = WebRatings::default();
        w.insert("h0006498.jp", r(90, "Business")).expect("room");
        w.insert("h0530775.jp/x", r(10, "Malware Accomplice"))
            .expect("room");
        let (a, b) = (hash_rev(b"h0006498.jp"), hash_rev(b"h0530775.jp"));
        assert_eq!(a >> 32, b >> 32, "the hosts share a tag");
        assert_eq!(w.rate("h0530775.jp", Some("/x")).map(|r| r.score), Some(10));
        assert_eq!(w.rate("h0006498.jp", Some("/x")).map(|r| r.score), Some(90));
    }

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
        let mut keys: Vec<&str> = t.iter().map(|(k, _)| k).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["corp.example", "www.corp.example/Movies/"]);
        assert_eq!(t.categories.len(), 2, "category names are interned");
        assert_eq!(
            t.hosts.len(),
            2,
            "www.corp.example is there for its pages, unrated"
        );
        assert_eq!(t.get("www.corp.example"), None);
    }

    fn table(ratings: &[(&str, u8, &str)]) -> WebRatings {
        let mut t = WebRatings::default();
        for (key, score, category) in ratings {
            t.insert(key, r(*score, category)).expect("room");
        }
        t
    }

    #[test]
    fn equality_ignores_insertion_order() {
        let a = table(&[("a.example", 1, "x"), ("b.example", 2, "y")]);
        let b = table(&[("b.example", 2, "y"), ("a.example", 1, "x")]);
        assert_eq!(a, b);
        let c = table(&[("a.example", 1, "x")]);
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

    #[test]
    fn parents_many_levels_up() {
        let mut t = WebRatings::default();
        t.insert("example.jp", r(20, "x")).expect("room");
        t.insert("b.c.d.e.f.g.example.jp", r(30, "y"))
            .expect("room");
        let deep = "a.b.c.d.e.f.g.example.jp";
        assert_eq!(t.rate(deep, None), Some(r(30, "y")));
        assert_eq!(t.rate("z.c.d.e.f.g.example.jp", None), Some(r(20, "x")));
        assert_eq!(t.rate("z.c.d.e.f.g.example.org", None), None);
        assert_eq!(t.rate("jp", None), None, "a parent needs a dot");
    }
}
