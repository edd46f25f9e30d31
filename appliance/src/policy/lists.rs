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
//! All entries of a list go into two Aho-Corasick automata (hosts, URLs):
//! anchors become sentinel bytes around the subject, so one scan decides
//! the whole list, whatever its size (the bench holds 100,000 entries).

use crate::hash::hash_bytes as key_hash;
use crate::hash::{KeyTable, PrefixHasher};
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
    hosts: Option<Arc<Matcher>>,
    urls: Option<Arc<Matcher>>,
}

/// Entry indices by their `core`: a request's candidate keys are hashed
/// once ([`Subject`]) and probed in every list.
#[derive(Debug, Default)]
struct Fast {
    /// Host or `host/path?query` -> entry.
    exact: KeyTable<u32>,
    /// `.example.co.jp` (from `*.example.co.jp`) -> entry.
    dot_suffix: KeyTable<u32>,
    /// `host/path/` (from `host/path/*`) -> entry.
    slash_prefix: KeyTable<u32>,
    /// The hosts (the text before the first `/`) of the keys with a `/`
    /// in `exact` and `slash_prefix`.
    url_hosts: KeyTable<()>,
}

/// A [`Fast`] table's value: the entry's index plus one (0: just made).
fn entry_number(index: usize) -> Option<u32> {
    u32::try_from(index).ok()?.checked_add(1)
}

/// A key to look up; which table it is asked of follows from its place
/// (see [`Subject`]), which keeps it at 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    /// The key is `url[start..end]` of the subject.
    start: u32,
    end: u32,
    /// [`key_hash`] of the key.
    hash: u64,
}

/// A request as the lists look at it, built once and asked of every list
/// (allow, block, applications): the host lowered, `START host END` and
/// `START host path END` for the automata, and each key the hash tables
/// are asked, in the order of the checks, with its hash. Held on the stack
/// for ordinary requests (the buffers spill to the heap past their size).
pub struct Subject {
    /// `START host END START host path END`.
    buf: SmallVec<[u8; SUBJECT_INLINE]>,
    host_len: usize,
    url_len: usize,
    /// The host's keys: the exact host first, then `*.domain` ones.
    candidates: SmallVec<[Candidate; CANDIDATES_INLINE]>,
    /// The URL's keys: the exact URL first, then `host/path/*` ones
    /// (made only when a list may hold them, so on the heap).
    url_candidates: OnceCell<Vec<Candidate>>,
    /// The host has no `/` and the path starts with one: the URL's first
    /// segment is the host.
    plain: bool,
}

/// Bytes of a subject held inline (two hosts and a path of ordinary length).
const SUBJECT_INLINE: usize = 256;
/// Candidate keys held inline (a host with eleven dots, a path with eleven
/// slashes).
const CANDIDATES_INLINE: usize = 12;

impl Subject {
    // Inlined so the subject is built where the caller keeps it, not
    // moved there (half a kilobyte).
    #[inline(always)]
    pub fn new(host: &str, path_query: Option<&str>) -> Subject {
        let path = path_query.unwrap_or("/").as_bytes();
        let (h, p) = (host.len(), path.len());
        // Sized once, then filled by slices: `START host END START host
        // path END`, the host lowered once and copied.
        let mut buf: SmallVec<[u8; SUBJECT_INLINE]> = SmallVec::from_elem(END as u8, 2 * h + p + 4);
        if let Some((host_subject, url_subject)) = buf.split_at_mut_checked(h + 2)
            && let Some((lowered, _)) = host_subject
                .get_mut(1..)
                .and_then(|b| b.split_at_mut_checked(h))
            && let Some((url_host, url_rest)) = url_subject
                .get_mut(1..)
                .and_then(|b| b.split_at_mut_checked(h))
        {
            lowered.copy_from_slice(host.as_bytes());
            lowered.make_ascii_lowercase();
            url_host.copy_from_slice(lowered);
            if let Some(kept) = url_rest.get_mut(..p) {
                kept.copy_from_slice(path);
            }
            if let Some(first) = host_subject.first_mut() {
                *first = START as u8;
            }
            if let Some(first) = url_subject.first_mut() {
                *first = START as u8;
            }
        }
        let mut s = Subject {
            buf,
            host_len: h,
            url_len: h + p,
            candidates: SmallVec::new(),
            url_candidates: OnceCell::new(),
            plain: false,
        };
        s.add_candidates();
        s
    }

    /// The host's keys, in the checks' order: the exact host, then
    /// `*.domain` at each dot. Lengths over 4 GiB cannot come from a
    /// request (the reassembly bounds them long before).
    fn add_candidates(&mut self) {
        let h = self.host_len;
        let from = self.host_len + 3;
        let lowered = self.buf.get(from..from + h).unwrap_or_default();
        let Ok(h32) = u32::try_from(h) else {
            return;
        };
        let candidates = &mut self.candidates;
        candidates.push(Candidate {
            start: 0,
            end: h32,
            hash: key_hash(lowered),
        });
        // Byte loops: memchr's setup costs more than it saves on a host.
        let mut slash_in_host = false;
        for (i, b) in lowered.iter().enumerate() {
            match *b {
                b'.' => candidates.push(Candidate {
                    start: i as u32,
                    end: h32,
                    hash: key_hash(lowered.get(i..).unwrap_or_default()),
                }),
                b'/' => slash_in_host = true,
                _ => {}
            }
        }
        // A plain request's URL keys all begin with its host, so a list
        // without URL entries for that host can skip them (`find_in`).
        let path_starts_at_slash = self.buf.get(from + h) == Some(&b'/');
        self.plain = path_starts_at_slash && !slash_in_host;
    }

    /// The URL's keys, in the checks' order: the exact URL, then
    /// `host/path/*` at each slash. Made when a list first needs them.
    fn url_candidates(&self) -> &[Candidate] {
        self.url_candidates.get_or_init(|| {
            let url = self.url();
            let mut candidates = Vec::new();
            let Ok(len) = u32::try_from(url.len()) else {
                return candidates;
            };
            let mut prefixes = PrefixHasher::new(url);
            // The exact URL comes first but is the longest prefix: its hash
            // is filled in after the slashes', so the prefixes are hashed in
            // one pass.
            candidates.push(Candidate {
                start: 0,
                end: len,
                hash: 0,
            });
            for (i, b) in url.iter().enumerate() {
                if *b == b'/' {
                    candidates.push(Candidate {
                        start: 0,
                        end: i as u32 + 1,
                        hash: prefixes.prefix(i + 1),
                    });
                }
            }
            if let Some(c) = candidates.first_mut() {
                c.hash = prefixes.prefix(url.len());
            }
            candidates
        })
    }

    /// `START host END`.
    fn host_subject(&self) -> &[u8] {
        self.buf.get(..self.host_len + 2).unwrap_or_default()
    }

    /// `START host path END`.
    fn url_subject(&self) -> &[u8] {
        let from = self.host_len + 2;
        self.buf
            .get(from..from + self.url_len + 2)
            .unwrap_or_default()
    }

    /// `host path`, the host lowered.
    fn url(&self) -> &[u8] {
        let from = self.host_len + 3;
        self.buf.get(from..from + self.url_len).unwrap_or_default()
    }
}

#[derive(Debug)]
struct Matcher {
    ac: AhoCorasick,
    /// Pattern id -> entry index.
    entry: Vec<usize>,
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
        let Fast {
            exact,
            dot_suffix,
            slash_prefix,
            url_hosts,
        } = &mut fast;
        let mut slow: Vec<usize> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let table = match (e.leading, e.trailing) {
                (false, false) => Some(&mut *exact),
                (true, false) if !e.url && e.core.starts_with('.') => Some(&mut *dot_suffix),
                (false, true) if e.url && e.core.ends_with('/') => Some(&mut *slash_prefix),
                _ => None,
            };
            // The first entry with a given key is the one reported; a table
            // that is full leaves the rest to the automata.
            let placed = table.zip(entry_number(i)).is_some_and(|(t, number)| {
                let url_host = e.core.split_once('/').map(|(host, _)| host);
                url_host.is_none_or(|h| url_hosts.get_or_insert(h).is_ok())
                    && t.get_or_insert(&e.core).is_ok_and(|slot| {
                        if *slot == 0 {
                            *slot = number;
                        }
                        true
                    })
            });
            if !placed {
                slow.push(i);
            }
        }
        let build = |want_url: bool| -> Option<Arc<Matcher>> {
            let (idx, pats): (Vec<usize>, Vec<String>) = slow
                .iter()
                .filter_map(|i| entries.get(*i).map(|e| (*i, e)))
                .filter(|(_, e)| e.url == want_url)
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
            hosts: build(false),
            urls: build(true),
            fast: Arc::new(fast),
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
        self.find_in(&Subject::new(host, path_query))
    }

    /// [`UrlList::find`] for a request prepared once for several lists.
    pub fn find_in(&self, subject: &Subject) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let entry = |i: &usize| self.entries.get(*i);
        let fast = &self.fast;
        let url = subject.url();
        let probe = |(i, c): (usize, &Candidate), rest: &KeyTable<u32>| {
            let table = if i == 0 { &fast.exact } else { rest };
            if table.is_empty() {
                return None;
            }
            let key = url.get(c.start as usize..c.end as usize)?;
            let n = table.get_hashed(c.hash, key)?;
            (*n as usize).checked_sub(1).and_then(|i| entry(&i))
        };
        if let Some(e) = subject
            .candidates
            .iter()
            .enumerate()
            .find_map(|c| probe(c, &fast.dot_suffix))
        {
            return Some(e);
        }
        // A URL key (exact URL, `host/path/`) of a plain request begins
        // with the request's host: without an entry for that host, none
        // of the URL's keys is in the tables.
        let url_keys_possible = if subject.plain {
            let host = url.get(..subject.host_len).unwrap_or_default();
            !fast.url_hosts.is_empty()
                && subject
                    .candidates
                    .first()
                    .is_some_and(|c| fast.url_hosts.get_hashed(c.hash, host).is_some())
        } else {
            true
        };
        if url_keys_possible
            && let Some(e) = subject
                .url_candidates()
                .iter()
                .enumerate()
                .find_map(|c| probe(c, &fast.slash_prefix))
        {
            return Some(e);
        }
        if let Some(m) = &self.hosts
            && let Some(hit) = m.ac.find(subject.host_subject())
        {
            return m.entry.get(hit.pattern().as_usize()).and_then(entry);
        }
        if let Some(m) = &self.urls
            && let Some(hit) = m.ac.find(subject.url_subject())
        {
            return m.entry.get(hit.pattern().as_usize()).and_then(entry);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> UrlList {
        UrlList::new(
            entries
                .iter()
                .map(|e| Entry::parse(e).expect("valid"))
                .collect(),
        )
    }

    #[test]
    fn wildcards_only_at_the_ends() {
        assert!(Entry::parse("*.example.jp").is_ok());
        assert!(Entry::parse("www.example.jp/video/*").is_ok());
        assert!(Entry::parse("*tracker*").is_ok());
        assert!(Entry::parse("www.*.example.jp").is_err());
        assert!(Entry::parse("*").is_err());
        assert!(Entry::parse("**").is_err());
        assert!(Entry::parse("a b").is_err());
    }

    #[test]
    fn exact_prefix_suffix_contains() {
        let l = list(&[
            "www.print-shop.example",
            "*.video.example",
            "cdn.example/movies/*",
            "*tracker*",
            "https://news.example/today",
            "*mall.example",
            "www.odd.*",
        ]);
        assert!(
            l.find("mymall.example", None).is_some(),
            "suffix off a boundary"
        );
        assert!(l.find("www.odd.example", Some("/")).is_some(), "prefix");
        assert!(l.find("www.oddity.example", Some("/")).is_none());
        let hit = |h: &str, p: Option<&str>| l.find(h, p).map(|e| e.text.clone());
        assert_eq!(
            hit("WWW.Print-Shop.example", Some("/x")).as_deref(),
            Some("www.print-shop.example")
        );
        assert_eq!(hit("print-shop.example", None), None, "exact host only");
        assert_eq!(hit("www.print-shop.example.evil", None), None);
        assert_eq!(
            hit("a.b.video.example", None).as_deref(),
            Some("*.video.example")
        );
        assert_eq!(hit("video.example", None), None);
        assert!(hit("cdn.example", Some("/movies/a.mp4")).is_some());
        assert_eq!(hit("cdn.example", Some("/music/")), None);
        assert!(hit("mytracker.example", None).is_some());
        assert!(hit("cdn.example", Some("/movies/")).is_some());
        assert_eq!(hit("cdn.example", Some("/movies")), None);
        assert!(hit("news.example", Some("/today")).is_some());
        assert_eq!(hit("news.example", Some("/today2")), None);
        assert_eq!(hit("news.example", None), None);
    }

    /// The lookup as it was before it moved to the stack (one `String`
    /// per request, `str` keys): the fast one must agree with it.
    fn reference<'l>(l: &'l UrlList, host: &str, path_query: Option<&str>) -> Option<&'l Entry> {
        if l.entries.is_empty() {
            return None;
        }
        let entries = &l.entries;
        let mut url = String::new();
        url.extend(host.chars().map(|c| c.to_ascii_lowercase()));
        let host_len = url.len();
        let host = &url[..host_len];
        let find = |key: &str, pick: &dyn Fn(&Entry) -> bool| {
            entries.iter().find(|e| pick(e) && e.core == key)
        };
        let exact = |e: &Entry| !e.leading && !e.trailing;
        let dot = |e: &Entry| e.leading && !e.trailing && !e.url && e.core.starts_with('.');
        let slash = |e: &Entry| !e.leading && e.trailing && e.url && e.core.ends_with('/');
        if let Some(e) = find(host, &exact) {
            return Some(e);
        }
        for (i, _) in host.match_indices('.') {
            if let Some(e) = find(&host[i..], &dot) {
                return Some(e);
            }
        }
        url.push_str(path_query.unwrap_or("/"));
        if let Some(e) = find(&url, &exact) {
            return Some(e);
        }
        for (i, _) in url.match_indices('/') {
            if let Some(e) = find(&url[..=i], &slash) {
                return Some(e);
            }
        }
        let slow = |e: &Entry| !exact(e) && !dot(e) && !slash(e);
        let hit = |subject: &str, want_url: bool| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| slow(e) && e.url == want_url)
                .filter_map(|(i, e)| subject.find(&e.pattern()).map(|at| (at, i)))
                .min()
                .and_then(|(_, i)| entries.get(i))
        };
        let mut subject = String::from(START);
        subject.push_str(&url[..host_len]);
        subject.push(END);
        if let Some(e) = hit(&subject, false) {
            return Some(e);
        }
        let mut subject = String::from(START);
        subject.push_str(&url);
        subject.push(END);
        hit(&subject, true)
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference(
            raw in proptest::collection::vec("[*]?[a-cA-C./]{1,6}[*]?", 1..12),
            host in "[a-cA-C./]{0,8}",
            path in proptest::option::of("/?[a-cA-C./?]{0,8}"),
        ) {
            let entries: Vec<Entry> = raw.iter().filter_map(|r| Entry::parse(r).ok()).collect();
            let l = UrlList::new(entries);
            let fast = l.find(&host, path.as_deref()).map(|e| e.text.clone());
            let slow = reference(&l, &host, path.as_deref()).map(|e| e.text.clone());
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn long_requests_leave_the_stack() {
        let l = list(&["*.example.jp", "www.example.jp/a/*"]);
        let path = format!("/a/{}", "x".repeat(SUBJECT_INLINE * 2));
        assert_eq!(
            l.find("www.example.jp", Some(&path))
                .map(|e| e.text.as_str()),
            Some("*.example.jp")
        );
        let host = format!("{}.example.jp", "h".repeat(SUBJECT_INLINE));
        assert!(l.find(&host, None).is_some());
        let l = list(&["www.example.jp/a/*"]);
        assert!(l.find("www.example.jp", Some(&path)).is_some());
    }
}
