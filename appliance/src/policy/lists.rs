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

#[derive(Debug, Default)]
struct Fast {
    /// Host or `host/path?query` -> entry.
    exact: HashMap<String, usize>,
    /// `.example.co.jp` (from `*.example.co.jp`) -> entry.
    dot_suffix: HashMap<String, usize>,
    /// `host/path/` (from `host/path/*`) -> entry.
    slash_prefix: HashMap<String, usize>,
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
                    t.entry(e.core.clone()).or_insert(i);
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
    pub fn find(&self, host: &str, path_query: Option<&str>) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        let entry = |i: &usize| self.entries.get(*i);
        let mut url = String::with_capacity(host.len() + 64);
        push_lower(&mut url, host);
        let host_len = url.len();
        let fast = &self.fast;
        {
            let host = &url[..host_len];
            if let Some(e) = fast.exact.get(host).and_then(entry) {
                return Some(e);
            }
            if !fast.dot_suffix.is_empty() {
                for (i, _) in host.match_indices('.') {
                    if let Some(e) = host
                        .get(i..)
                        .and_then(|k| fast.dot_suffix.get(k))
                        .and_then(entry)
                    {
                        return Some(e);
                    }
                }
            }
        }
        url.push_str(path_query.unwrap_or("/"));
        if let Some(e) = fast.exact.get(&url).and_then(entry) {
            return Some(e);
        }
        if !fast.slash_prefix.is_empty() {
            for (i, _) in url.match_indices('/') {
                if let Some(e) = url
                    .get(..=i)
                    .and_then(|k| fast.slash_prefix.get(k))
                    .and_then(entry)
                {
                    return Some(e);
                }
            }
        }
        let mut subject = String::with_capacity(url.len() + 4);
        if let Some(m) = &self.hosts {
            subject.push(START);
            subject.push_str(&url[..host_len]);
            subject.push(END);
            if let Some(hit) = m.ac.find(&subject) {
                return m.entry.get(hit.pattern().as_usize()).and_then(entry);
            }
        }
        if let Some(m) = &self.urls {
            subject.clear();
            subject.push(START);
            subject.push_str(&url);
            subject.push(END);
            if let Some(hit) = m.ac.find(&subject) {
                return m.entry.get(hit.pattern().as_usize()).and_then(entry);
            }
        }
        None
    }
}

fn push_lower(out: &mut String, s: &str) {
    out.extend(s.chars().map(|c| c.to_ascii_lowercase()));
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
}
