//! Allow and block lists (URL exceptions) with the vendor's semantics.
//!
//! An entry is a host (`www.example.co.jp`) or a URL without scheme
//! (`www.example.co.jp/video/`), optionally with one `*` at the start, the
//! end, or both, and nowhere else: `*.example.co.jp` (any host ending so),
//! `www.example.co.jp/video/*` (anything under the path), `*tracker*`.
//! Without a `*` an entry must match the whole host (or the whole URL).
//! Matching ignores case. Host entries are matched against the host only;
//! entries with a `/` against `host/path?query`. The allow list beats the
//! block list (the pipeline asks it first).
//!
//! Exact entries, `*.domain` and `host/path/*` are hash lookups; the rest
//! go into Aho-Corasick automata (`*word*` hosts, other hosts, URLs),
//! anchors as sentinel bytes around the subject, so a scan or two decides
//! the whole list, whatever its size (the bench holds 100,000 entries).

use crate::hash::{Backward, HostKeys, KeyTable, PrefixHasher, TableFull, hash_rev};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use smallvec::SmallVec;
use std::cell::OnceCell;
use std::sync::Arc;

const START: char = '\u{1}';
const END: char = '\u{2}';

/// Why an entry is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryError {
    pub message: String,
    pub help: &'static str,
}

/// A validated list entry, as written (lowercased, scheme removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    leading: bool,
    trailing: bool,
    core: String,
    url: bool,
}

impl Entry {
    pub fn parse(raw: &str) -> Result<Entry, EntryError> {
        let help = "`*` may stand only at the start or the end of an entry, e.g. `*.example.co.jp` or `www.example.co.jp/video/*`";
        let trimmed = raw.trim();
        let lower = trimmed.to_ascii_lowercase();
        let text = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"))
            .unwrap_or(&lower)
            .to_string();
        let leading = text.starts_with('*');
        let rest = text.strip_prefix('*').unwrap_or(&text);
        let trailing = rest.ends_with('*');
        let core = rest.strip_suffix('*').unwrap_or(rest).to_string();
        if core.contains('*') {
            return Err(EntryError {
                message: format!("`{trimmed}` has a `*` in the middle"),
                help,
            });
        }
        if core.is_empty() {
            return Err(EntryError {
                message: format!("`{trimmed}` matches everything"),
                help: "a list entry needs at least one character besides `*`",
            });
        }
        if core.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EntryError {
                message: format!("`{trimmed}` contains spaces or control characters"),
                help: "write a host or a URL without spaces",
            });
        }
        let url = core.contains('/');
        Ok(Entry {
            text,
            leading,
            trailing,
            core,
            url,
        })
    }

    /// A host entry open at both ends (`*word*`): the host must hold it.
    fn is_open_host(&self) -> bool {
        self.leading && self.trailing && !self.url
    }

    /// The automaton pattern: anchors as sentinels.
    fn pattern(&self) -> String {
        let mut p = String::with_capacity(self.core.len() + 2);
        if !self.leading {
            p.push(START);
        }
        p.push_str(&self.core);
        if !self.trailing {
            p.push(END);
        }
        p
    }
}

/// A compiled list. Cheap to clone (shared tables).
///
/// The common entry shapes are hash lookups: exact hosts and URLs,
/// `*.domain` (one lookup per label boundary of the host) and `host/path/*`
/// (one per `/` of the URL). The rest (`*word*`, suffixes or prefixes not
/// at a boundary) go into Aho-Corasick automata, anchors as sentinel bytes.
#[derive(Clone, Debug, Default)]
pub struct UrlList {
    entries: Arc<Vec<Entry>>,
    fast: Arc<Fast>,
    /// Some entry with a table's shape did not fit and is matched by the
    /// automata instead.
    tables_full: bool,
    /// Host entries open at both ends (`*word*`): matched in the host as
    /// it is, without sentinels to write around it.
    hosts_open: Option<Arc<Matcher>>,
    /// The other host entries.
    hosts: Option<Arc<Matcher>>,
    urls: Option<Arc<Matcher>>,
}

/// Entry numbers ([`entry_number`]) by their `core`. Keys without a `/`
/// are hashed from the back (a host's keys are hashed once, [`HostKeys`]),
/// keys with one from the front (a URL's prefixes are hashed in one pass).
#[derive(Debug, Default)]
struct Fast {
    /// Exact hosts (no `/`).
    exact_hosts: KeyTable<u32, Backward>,
    /// Exact URLs (`host/path?query`).
    exact_urls: KeyTable<u32>,
    /// `.example.co.jp` (from `*.example.co.jp`).
    dot_suffix: KeyTable<u32, Backward>,
    /// `host/path/` (from `host/path/*`).
    slash_prefix: KeyTable<u32>,
    /// The hosts (the text before the first `/`) of the keys in
    /// `exact_urls` and `slash_prefix`.
    url_hosts: KeyTable<(), Backward>,
}

/// A [`Fast`] table's value: the entry's index plus one (0: just made).
fn entry_number(index: usize) -> Option<u32> {
    u32::try_from(index).ok()?.checked_add(1)
}

/// A prefix of the request's URL (`host path`) to look up: `url[..end]`,
/// with its [`hash_bytes`].
#[derive(Clone, Copy, Debug)]
struct UrlKey {
    end: usize,
    hash: u64,
}

/// A request as the lists look at it, made once and asked of every list
/// (allow, block, applications): the host's keys ([`HostKeys`], lowered
/// and hashed once) and the path. The URL's keys are hashed when a list
/// first may hold one of them; the automata's subjects (the text between
/// sentinels) are written by each list that has an automaton.
pub struct Subject<'k> {
    keys: &'k HostKeys<'k>,
    /// `/path?query` (`/` for TLS).
    path: &'k [u8],
    /// The exact URL first, then each `host/path/` prefix.
    url_keys: OnceCell<Vec<UrlKey>>,
    /// The host has no `/` and the path starts with one: the URL's first
    /// segment is the host.
    plain: bool,
    /// The URL (`host path`) holds a `/`.
    url_slash: bool,
}

/// Bytes of an automaton's subject held on the stack.
const SUBJECT_INLINE: usize = 256;

impl<'k> Subject<'k> {
    pub fn new(keys: &'k HostKeys<'k>, path_query: Option<&'k str>) -> Subject<'k> {
        let path = path_query.unwrap_or("/").as_bytes();
        let plain = path.first() == Some(&b'/') && !keys.has_slash();
        Subject {
            keys,
            path,
            url_keys: OnceCell::new(),
            plain,
            url_slash: plain || keys.has_slash() || path.contains(&b'/'),
        }
    }

    fn host(&self) -> &'k [u8] {
        self.keys.host().as_bytes()
    }

    /// `url[..end]` as its host part and its path part.
    fn url_parts(&self, end: usize) -> (&'k [u8], &'k [u8]) {
        let host = self.host();
        let h = host.len();
        (
            host.get(..end.min(h)).unwrap_or_default(),
            self.path.get(..end.saturating_sub(h)).unwrap_or_default(),
        )
    }

    /// The URL's keys, in the checks' order: the exact URL, then
    /// `host/path/*` at each slash. Made when a list first needs them.
    fn url_keys(&self) -> &[UrlKey] {
        self.url_keys.get_or_init(|| {
            let host = self.host();
            let len = host.len() + self.path.len();
            let mut prefixes = PrefixHasher::new_split(host, self.path);
            // The exact URL comes first but is the longest prefix: its hash
            // is filled in after the slashes', so the prefixes are hashed in
            // one pass.
            let mut keys = vec![UrlKey { end: len, hash: 0 }];
            let slashes = host
                .iter()
                .chain(self.path)
                .enumerate()
                .filter(|(_, b)| **b == b'/');
            for (i, _) in slashes {
                keys.push(UrlKey {
                    end: i + 1,
                    hash: prefixes.prefix(i + 1),
                });
            }
            if let Some(k) = keys.first_mut() {
                k.hash = prefixes.prefix(len);
            }
            keys
        })
    }

    /// `START parts END` for an automaton.
    fn between_sentinels(parts: &[&[u8]]) -> SmallVec<[u8; SUBJECT_INLINE]> {
        let mut s: SmallVec<[u8; SUBJECT_INLINE]> = SmallVec::new();
        s.push(START as u8);
        for p in parts {
            s.extend_from_slice(p);
        }
        s.push(END as u8);
        s
    }
}

#[derive(Debug)]
struct Matcher {
    ac: AhoCorasick,
    /// Pattern id -> entry index.
    entry: Vec<usize>,
}

impl Matcher {
    /// The leftmost-first match in `haystack`: where it starts, and its
    /// entry's index.
    fn first(&self, haystack: &[u8]) -> Option<(usize, usize)> {
        let hit = self.ac.find(haystack)?;
        let entry = self.entry.get(hit.pattern().as_usize())?;
        Some((hit.start(), *entry))
    }
}

impl PartialEq for UrlList {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}
impl Eq for UrlList {}

impl UrlList {
    pub fn new(entries: Vec<Entry>) -> UrlList {
        let mut fast = Fast::default();
        let mut slow: Vec<usize> = Vec::new();
        let mut tables_full = false;
        for (i, e) in entries.iter().enumerate() {
            // The first entry with a given key is the one reported; a table
            // that is full leaves the rest to the automata.
            let placed = entry_number(i).ok_or(TableFull).and_then(|number| {
                fast.place(e, |slot| {
                    if *slot == 0 {
                        *slot = number;
                    }
                    Ok(())
                })
            });
            tables_full |= placed.is_err();
            if placed != Ok(true) {
                slow.push(i);
            }
        }
        // Host entries open at both ends need no sentinels; URL entries are
        // all matched with them (the URL is written out for them anyway).
        let build = |want_url: bool, want_open: bool| -> Option<Arc<Matcher>> {
            let (idx, pats): (Vec<usize>, Vec<String>) = slow
                .iter()
                .filter_map(|i| entries.get(*i).map(|e| (*i, e)))
                .filter(|(_, e)| e.url == want_url)
                .filter(|(_, e)| want_url || e.is_open_host() == want_open)
                .map(|(i, e)| (i, e.pattern()))
                .unzip();
            if pats.is_empty() {
                return None;
            }
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&pats)
                .ok()?;
            Some(Arc::new(Matcher { ac, entry: idx }))
        };
        UrlList {
            hosts_open: build(false, true),
            hosts: build(false, false),
            urls: build(true, false),
            fast: Arc::new(fast),
            tables_full,
            entries: Arc::new(entries),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry matching `host` (and `path_query`, `/...`, when the
    /// request has one: TLS gives only the host, read as `host/`).
    ///
    /// The order of the checks decides which entry a request that several
    /// entries cover is reported under: exact host, `*.domain`, exact URL,
    /// `host/path/*`, then the automata (hosts, URLs).
    pub fn find(&self, host: &str, path_query: Option<&str>) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let keys = HostKeys::new(host);
        self.find_in(&Subject::new(&keys, path_query))
    }

    /// [`UrlList::find`] for a request prepared once for several lists.
    pub fn find_in(&self, subject: &Subject<'_>) -> Option<&Entry> {
        self.find_screened(subject, true)
    }

    /// [`UrlList::find_in`]; `open_words` false: the host holds none of
    /// this list's `*word*` entries (a screen over several lists said so).
    fn find_screened(&self, subject: &Subject<'_>, open_words: bool) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let mut found = None;
        self.fast.probe(subject, |number| {
            found = self.numbered(number);
            found.is_some()
        });
        found.or_else(|| self.find_in_automata(subject, open_words))
    }

    /// The entry with this [`entry_number`].
    fn numbered(&self, number: u32) -> Option<&Entry> {
        (number as usize)
            .checked_sub(1)
            .and_then(|i| self.entries.get(i))
    }

    /// The automata's part of [`UrlList::find_in`]: the entries that are
    /// not hash lookups.
    fn find_in_automata(&self, subject: &Subject<'_>, open_words: bool) -> Option<&Entry> {
        let host = subject.host();
        // The leftmost match of either host automaton, the earlier entry
        // on a tie: what one automaton of them all would report. Starts
        // are counted in `START host END`.
        let open = self
            .hosts_open
            .as_ref()
            .filter(|_| open_words)
            .and_then(|m| m.first(host))
            .map(|(start, i)| (start + 1, i));
        let anchored = self
            .hosts
            .as_ref()
            .and_then(|m| m.first(&Subject::between_sentinels(&[host])));
        if let Some((_, i)) = open.into_iter().chain(anchored).min() {
            return self.entries.get(i);
        }
        let url = self
            .urls
            .as_ref()
            .and_then(|m| m.first(&Subject::between_sentinels(&[host, subject.path])));
        url.and_then(|(_, i)| self.entries.get(i))
    }
}

/// The allow and block lists of a policy, asked together.
///
/// Their hash tables are merged: a key is looked up once for both lists
/// (half the cache lines per request), its slot pointing at the entry
/// each list has for it. Their `*word*` host entries are screened by one
/// automaton first: a host that holds none of them (nearly every host)
/// skips each list's own scan for them.
#[derive(Clone, Debug, Default)]
pub struct UrlLists {
    allow: UrlList,
    block: UrlList,
    /// `None` when a key did not fit (the lists then ask their own).
    both: Option<Arc<Both>>,
    /// Every `*word*` host entry of both lists.
    open_hosts: Option<Arc<AhoCorasick>>,
}

/// The merged tables: a slot's value is a [`Both::pairs`] number.
#[derive(Debug, Default)]
struct Both {
    fast: Fast,
    /// The entry number each list has for a key, 0 for none:
    /// `[allow, block]`, at the slot's value minus one.
    pairs: Vec<[u32; 2]>,
}

impl Both {
    /// `None` when an entry did not fit, here or in its own list's
    /// tables (the merged tables would then disagree with the lists').
    fn new(lists: [&UrlList; 2]) -> Option<Both> {
        if lists.iter().any(|l| l.tables_full) {
            return None;
        }
        let mut both = Both::default();
        for (side, list) in lists.into_iter().enumerate() {
            for (i, e) in list.entries.iter().enumerate() {
                let number = entry_number(i)?;
                let pairs = &mut both.pairs;
                let value = |slot: &mut u32| {
                    if *slot == 0 {
                        pairs.push([0, 0]);
                        *slot = u32::try_from(pairs.len()).map_err(|_| TableFull)?;
                    }
                    let pair = (*slot as usize)
                        .checked_sub(1)
                        .and_then(|at| pairs.get_mut(at))
                        .and_then(|pair| pair.get_mut(side));
                    if let Some(first) = pair
                        && *first == 0
                    {
                        *first = number;
                    }
                    Ok(())
                };
                both.fast.place(e, value).ok()?;
            }
        }
        Some(both)
    }
}

impl PartialEq for UrlLists {
    fn eq(&self, other: &Self) -> bool {
        self.allow == other.allow && self.block == other.block
    }
}
impl Eq for UrlLists {}

/// What the lists say about a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListVerdict<'p> {
    /// An allow-list entry covers it (allow beats block).
    Allowed(&'p Entry),
    Blocked(&'p Entry),
    Unlisted,
}

impl UrlLists {
    pub fn new(allow: UrlList, block: UrlList) -> UrlLists {
        let words: Vec<&str> = [&allow, &block]
            .into_iter()
            .flat_map(|l| l.entries.iter())
            .filter(|e| e.is_open_host())
            .map(|e| e.core.as_str())
            .collect();
        let open_hosts = (!words.is_empty())
            .then(|| AhoCorasick::new(&words).ok().map(Arc::new))
            .flatten();
        let both = Both::new([&allow, &block]).map(Arc::new);
        UrlLists {
            allow,
            block,
            both,
            open_hosts,
        }
    }

    pub fn allow(&self) -> &UrlList {
        &self.allow
    }

    pub fn block(&self) -> &UrlList {
        &self.block
    }

    /// These lists with the allow list replaced.
    pub fn with_allow(&self, allow: UrlList) -> UrlLists {
        UrlLists::new(allow, self.block.clone())
    }

    /// These lists with the block list replaced.
    pub fn with_block(&self, block: UrlList) -> UrlLists {
        UrlLists::new(self.allow.clone(), block)
    }

    /// The allow list first, then the block list, each reporting the entry
    /// its own [`UrlList::find_in`] would.
    pub fn decide(&self, subject: &Subject<'_>) -> ListVerdict<'_> {
        // Built from both lists' open entries, so a host without a match
        // here has none in either list's own automaton. Without a screen
        // (no such entries, or a failed build) the lists scan as they would.
        let open_words = self
            .open_hosts
            .as_ref()
            .is_none_or(|ac| ac.is_match(subject.host()));
        let Some(both) = &self.both else {
            if let Some(e) = self.allow.find_screened(subject, open_words) {
                return ListVerdict::Allowed(e);
            }
            return match self.block.find_screened(subject, open_words) {
                Some(e) => ListVerdict::Blocked(e),
                None => ListVerdict::Unlisted,
            };
        };
        // Each list's first hit in the checks' order; the walk stops at
        // the allow list's, which decides.
        let mut first = [0u32; 2];
        both.fast.probe(subject, |pair| {
            if let Some(found) = (pair as usize)
                .checked_sub(1)
                .and_then(|i| both.pairs.get(i))
            {
                for (kept, new) in first.iter_mut().zip(found) {
                    if *kept == 0 {
                        *kept = *new;
                    }
                }
            }
            first[0] != 0
        });
        let [allow, block] = first;
        if let Some(e) = self
            .allow
            .numbered(allow)
            .or_else(|| self.allow.find_in_automata(subject, open_words))
        {
            return ListVerdict::Allowed(e);
        }
        match self
            .block
            .numbered(block)
            .or_else(|| self.block.find_in_automata(subject, open_words))
        {
            Some(e) => ListVerdict::Blocked(e),
            None => ListVerdict::Unlisted,
        }
    }
}

impl Fast {
    /// Puts `e` in its table and lets `value` fill in its slot: `Ok(true)`
    /// placed, `Ok(false)` a shape without a table (for the automata).
    fn place(
        &mut self,
        e: &Entry,
        value: impl FnOnce(&mut u32) -> Result<(), TableFull>,
    ) -> Result<bool, TableFull> {
        let url_host = e.core.split_once('/').map(|(host, _)| host);
        let mut note_url_host = || match url_host {
            Some(h) => self.url_hosts.get_or_insert(h).map(|_| ()),
            None => Ok(()),
        };
        let slot = match (e.leading, e.trailing) {
            (false, false) if e.url => {
                note_url_host()?;
                self.exact_urls.get_or_insert(&e.core)?
            }
            (false, false) => self.exact_hosts.get_or_insert(&e.core)?,
            (true, false) if !e.url && e.core.starts_with('.') => {
                self.dot_suffix.get_or_insert(&e.core)?
            }
            (false, true) if e.url && e.core.ends_with('/') => {
                note_url_host()?;
                self.slash_prefix.get_or_insert(&e.core)?
            }
            _ => return Ok(false),
        };
        value(slot)?;
        Ok(true)
    }

    /// Looks the subject's keys up in the checks' order (exact host,
    /// `*.domain`, exact URL, `host/path/*`), handing each value found to
    /// `found` until it says stop.
    fn probe(&self, subject: &Subject<'_>, mut found: impl FnMut(u32) -> bool) {
        let keys = subject.keys;
        let host = subject.host();
        let mut stop = |value: Option<&u32>| value.is_some_and(|v| found(*v));
        if stop(self.exact(host, &[], keys.has_slash(), None, Some(keys.hash()))) {
            return;
        }
        if !self.dot_suffix.is_empty() {
            for d in keys.dots() {
                let key = host.get(d.at..).unwrap_or_default();
                if stop(self.dot_suffix.get_hashed(d.from_dot, key)) {
                    return;
                }
            }
        }
        // A URL key (exact URL, `host/path/`) of a plain request begins
        // with the request's host: without an entry for that host, none
        // of the URL's keys is in the tables.
        let url_keys_possible = !self.url_hosts.is_empty()
            && (!subject.plain || self.url_hosts.get_hashed(keys.hash(), host).is_some());
        // A URL without any `/` (an odd path) is looked up among the exact
        // hosts.
        let url_without_slash = !subject.url_slash && !self.exact_hosts.is_empty();
        if !(url_keys_possible || url_without_slash) {
            return;
        }
        let url_keys = subject.url_keys();
        if let Some(exact) = url_keys.first() {
            let (first, second) = subject.url_parts(exact.end);
            let slash = keys.has_slash() || second.contains(&b'/');
            if stop(self.exact(first, second, slash, Some(exact.hash), None)) {
                return;
            }
        }
        if !self.slash_prefix.is_empty() {
            for k in url_keys.get(1..).unwrap_or_default() {
                let (first, second) = subject.url_parts(k.end);
                if stop(self.slash_prefix.get_parts(k.hash, first, second)) {
                    return;
                }
            }
        }
    }

    /// The exact entry for the key `first ++ second`: among the URLs when
    /// it holds a `/`, else among the hosts. A hash the caller has (from
    /// the front or from the back) is used; the other is computed.
    fn exact(
        &self,
        first: &[u8],
        second: &[u8],
        slash: bool,
        forward: Option<u64>,
        backward: Option<u64>,
    ) -> Option<&u32> {
        if slash {
            if self.exact_urls.is_empty() {
                return None;
            }
            let hash = forward
                .unwrap_or_else(|| PrefixHasher::new_split(first, second).prefix(usize::MAX));
            self.exact_urls.get_parts(hash, first, second)
        } else {
            if self.exact_hosts.is_empty() {
                return None;
            }
            let hash = backward.unwrap_or_else(|| {
                let mut joined = first.to_vec();
                joined.extend_from_slice(second);
                hash_rev(&joined)
            });
            self.exact_hosts.get_parts(hash, first, second)
        }
    }
}

#[cfg(test)]
mod tests;
