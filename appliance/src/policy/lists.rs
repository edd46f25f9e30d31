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

use crate::hash::FxHashMap as HashMap;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::Arc;

const START: char = '\u{1}';
const END: char = '\u{2}';
/// Requests whose host and path fit here are looked up without allocating.
const STACK_URL: usize = 512;

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

/// Keys are bytes, so a lookup needs no UTF-8 check of the lowered
/// request built on the stack.
#[derive(Debug, Default)]
struct Fast {
    /// Host or `host/path?query` -> entry.
    exact: HashMap<Box<[u8]>, usize>,
    /// `.example.co.jp` (from `*.example.co.jp`) -> entry.
    dot_suffix: HashMap<Box<[u8]>, usize>,
    /// `host/path/` (from `host/path/*`) -> entry.
    slash_prefix: HashMap<Box<[u8]>, usize>,
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
        let mut slow: Vec<usize> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let table = match (e.leading, e.trailing) {
                (false, false) => Some(&mut fast.exact),
                (true, false) if !e.url && e.core.starts_with('.') => Some(&mut fast.dot_suffix),
                (false, true) if e.url && e.core.ends_with('/') => Some(&mut fast.slash_prefix),
                _ => None,
            };
            match table {
                Some(t) => {
                    t.entry(e.core.as_bytes().into()).or_insert(i);
                }
                None => slow.push(i),
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
        let path = path_query.unwrap_or("/").as_bytes();
        let (h, p) = (host.len(), path.len());
        // Two subjects side by side: START host END, and START host path END.
        let need = 2 * h + p + 4;
        let mut stack = [0u8; STACK_URL];
        let mut heap = Vec::new();
        let buf: &mut [u8] = match stack.get_mut(..need) {
            Some(b) => b,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let (host_subject, url_subject) = buf.split_at_mut(h + 2);
        fill_subject(host_subject, host.as_bytes(), &[]);
        fill_subject(url_subject, host.as_bytes(), path);
        let (host_subject, url_subject) = (&*host_subject, &*url_subject);
        let lowered = host_subject.get(1..=h).unwrap_or_default();
        let url = url_subject.get(1..=h + p).unwrap_or_default();

        let entry = |i: &usize| self.entries.get(*i);
        let fast = &self.fast;
        if let Some(e) = fast.exact.get(lowered).and_then(entry) {
            return Some(e);
        }
        if !fast.dot_suffix.is_empty() {
            for (i, _) in lowered.iter().enumerate().filter(|(_, b)| **b == b'.') {
                if let Some(e) = lowered
                    .get(i..)
                    .and_then(|k| fast.dot_suffix.get(k))
                    .and_then(entry)
                {
                    return Some(e);
                }
            }
        }
        if let Some(e) = fast.exact.get(url).and_then(entry) {
            return Some(e);
        }
        if !fast.slash_prefix.is_empty() {
            for (i, _) in url.iter().enumerate().filter(|(_, b)| **b == b'/') {
                if let Some(e) = url
                    .get(..=i)
                    .and_then(|k| fast.slash_prefix.get(k))
                    .and_then(entry)
                {
                    return Some(e);
                }
            }
        }
        if let Some(m) = &self.hosts
            && let Some(hit) = m.ac.find(host_subject)
        {
            return m.entry.get(hit.pattern().as_usize()).and_then(entry);
        }
        if let Some(m) = &self.urls
            && let Some(hit) = m.ac.find(url_subject)
        {
            return m.entry.get(hit.pattern().as_usize()).and_then(entry);
        }
        None
    }
}

/// Writes START, `host` in ASCII lowercase, `path` as it is, END into `out`
/// (which is exactly that long). Entries are lowercased when parsed; only
/// the host of a request is, as before (paths are case-sensitive).
fn fill_subject(out: &mut [u8], host: &[u8], path: &[u8]) {
    let mut it = out.iter_mut();
    if let Some(b) = it.next() {
        *b = START as u8;
    }
    // The source first: zip stops on it without taking a byte of `out`.
    for (s, d) in host.iter().zip(it.by_ref()) {
        *d = s.to_ascii_lowercase();
    }
    for (s, d) in path.iter().zip(it.by_ref()) {
        *d = *s;
    }
    if let Some(b) = it.next() {
        *b = END as u8;
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
            host in "[a-cA-C.]{0,8}",
            path in proptest::option::of("/[a-cA-C./?]{0,8}"),
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
        let path = format!("/a/{}", "x".repeat(STACK_URL * 2));
        assert_eq!(
            l.find("www.example.jp", Some(&path))
                .map(|e| e.text.as_str()),
            Some("*.example.jp")
        );
        let host = format!("{}.example.jp", "h".repeat(STACK_URL));
        assert!(l.find(&host, None).is_some());
        let l = list(&["www.example.jp/a/*"]);
        assert!(l.find("www.example.jp", Some(&path)).is_some());
    }
}
