//! Unit tests of the head reader: one per class of head browsers accept.

use super::*;

fn heads(buf: &[u8]) -> Vec<Head> {
    match locate(buf, true) {
        Located::Heads(h) => h,
        other => panic!("no head in {:?}: {other:?}", String::from_utf8_lossy(buf)),
    }
}

#[test]
fn status_line_in_any_case_after_junk() {
    let h = heads(b"http/1.1 200 ok\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!((h[0].start, h[0].status, h[0].version), (0, 200, (1, 1)));
    let h = heads(b"\r\n\0xyHTTP/1.0 404 Nope\nA: b\n\nabc");
    assert_eq!((h[0].start, h[0].status, h[0].version), (5, 404, (1, 0)));
    assert_eq!(h[0].header("a"), Some("b"));
}

#[test]
fn no_status_line_is_http_09() {
    assert_eq!(locate(b"just a file", false), Located::NeedMore);
    assert_eq!(
        locate(b"just a file", true),
        Located::NoHead(NoHead::Http09)
    );
    let long = vec![b'x'; MAX_JUNK + 10];
    assert_eq!(locate(&long, false), Located::NoHead(NoHead::Http09));
    // A partial `HTTP/` at the end waits for more.
    assert_eq!(locate(b"HTT", false), Located::NeedMore);
}

#[test]
fn a_head_without_end_is_unterminated() {
    let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
    assert_eq!(locate(&buf, false), Located::NeedMore);
    buf.resize(MAX_HEAD + 100, b'a');
    assert_eq!(locate(&buf, false), Located::NoHead(NoHead::Unterminated));
}

#[test]
fn odd_ends_of_the_head() {
    for (text, body) in [
        (&b"HTTP/1.1 200 OK\nA: 1\n\r\nBODY"[..], &b"BODY"[..]),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\nBODY", b"BODY"),
        (b"HTTP/1.1 200 OK\nA: 1\n\nBODY", b"BODY"),
        (b"HTTP/1.1 200 OK\nA: 1\n \nBODY", b"BODY"),
        (b"HTTP/1.1 200 OK\nA: 1\n\t\nBODY", b"BODY"),
        (b"HTTP/1.1 200 OK\rA: 1\r\rBODY", b"BODY"),
    ] {
        let h = heads(text);
        assert!(
            h.iter()
                .any(|h| &text[h.len..] == body && h.header("a") == Some("1")),
            "{:?}: {h:?}",
            String::from_utf8_lossy(text)
        );
    }
    // `\n \n` is a fold for Chromium and Firefox: that reading goes on.
    let h = heads(b"HTTP/1.1 200 OK\nA: 1\n \nB: 2\n\nBODY");
    assert!(
        h.iter()
            .any(|h| h.ending == Ending::Lf && h.header("b") == Some("2"))
    );
    assert!(
        h.iter()
            .any(|h| h.ending == Ending::Blank && h.header("b").is_none())
    );
}

#[test]
fn folded_fields_are_joined() {
    let h = heads(b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n");
    assert_eq!(h[0].header("transfer-encoding"), Some("chunked"));
    // Folded between the name and its colon.
    let h = heads(b"HTTP/1.1 200 OK\r\nTransfer-Encoding\r\n : chunked\r\n\r\n");
    assert_eq!(h[0].header("transfer-encoding"), Some("chunked"));
    let h = heads(b"HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n");
    assert_eq!(h[0].header("x"), Some("a b"));
}

#[test]
fn junk_in_names_is_looked_through() {
    let h = heads(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding\0: chunked\r\n\xa0Content-Encoding: gzip\r\n\r\n",
    );
    assert_eq!(h[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(h[0].header("content-encoding"), Some("gzip"));
    assert!(same_name("Content-\u{a0}Length", "content-length"));
    assert!(!same_name("Content-Lengthx", "content-length"));
}

#[test]
fn lf_only_head_with_crlf_in_the_body() {
    let h = heads(b"HTTP/1.1 200 OK\nContent-Length: 4\n\nab\r\n");
    assert_eq!(h[0].len, 35);
    assert_eq!(h[0].header("content-length"), Some("4"));
}

#[test]
fn bodiless_statuses() {
    for (status, bodiless) in [
        (100, true),
        (101, false),
        (200, false),
        (204, true),
        (304, true),
    ] {
        let text = format!("HTTP/1.1 {status} X\r\n\r\n");
        assert_eq!(heads(text.as_bytes())[0].bodiless(), bodiless, "{status}");
    }
}

proptest::proptest! {
    /// Arbitrary bytes never panic and every head found lies in the input.
    #[test]
    fn any_bytes(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        if let Located::Heads(hs) = locate(&data, true) {
            for h in hs {
                proptest::prop_assert!(h.start < h.len && h.len <= data.len());
            }
        }
    }
}

/// Bytes that look like heads: status lines, fields, and every line end and
/// blank a reading splits on, so readings end apart and together.
fn head_like() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        Just(&b"HTTP/1.1 200 OK"[..]),
        Just(&b"Content-Length: 5"[..]),
        Just(&b"X:y"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\n"[..]),
        Just(&b"\r"[..]),
        Just(&b" "[..]),
        Just(&b"\t"[..]),
        Just(&b"body"[..]),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

/// Every reading parsed and duplicates dropped: what `readings` must give.
fn all_readings(window: &[u8], start: usize) -> Vec<Head> {
    let mut heads: Vec<Head> = [Ending::Lf, Ending::Blank, Ending::Cr]
        .into_iter()
        .filter_map(|ending| head_end(window, ending).map(|end| parse(window, end, ending, start)))
        .collect();
    heads.sort_by_key(|h| (h.len, h.ending));
    heads.dedup_by(|a, b| a.len == b.len && a.headers == b.headers);
    heads
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
    /// Parsing a reading only where it can differ gives what parsing every
    /// reading gives.
    #[test]
    fn readings_skip_only_duplicates(
        data in proptest::prop_oneof![
            head_like(),
            proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ]
    ) {
        proptest::prop_assert_eq!(readings(&data, 0), all_readings(&data, 0));
    }
}
