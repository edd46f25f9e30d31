//! Tests of the allow/block lists, against the old lookups kept here as references.

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

proptest::proptest! {
    #[test]
    fn both_lists_decide_as_each_would(
        allow in proptest::collection::vec("[*]?[a-cA-C./]{1,5}[*]?", 0..8),
        block in proptest::collection::vec("[*]?[a-cA-C./]{1,5}[*]?", 0..8),
        host in "[a-cA-C./]{0,8}",
        path in proptest::option::of("/?[a-cA-C./?]{0,8}"),
    ) {
        let parse = |raw: &[String]| {
            UrlList::new(raw.iter().filter_map(|r| Entry::parse(r).ok()).collect())
        };
        let lists = UrlLists::new(parse(&allow), parse(&block));
        let want = match (
            lists.allow().find(&host, path.as_deref()),
            lists.block().find(&host, path.as_deref()),
        ) {
            (Some(e), _) => ListVerdict::Allowed(e),
            (None, Some(e)) => ListVerdict::Blocked(e),
            (None, None) => ListVerdict::Unlisted,
        };
        let keys = HostKeys::new(&host);
        proptest::prop_assert_eq!(lists.decide(&Subject::new(&keys, path.as_deref())), want);
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
