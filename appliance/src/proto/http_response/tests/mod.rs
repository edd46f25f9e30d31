//! Unit tests of the interpretations: every reading of a response, bounded.

use super::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).ok();
    e.finish().unwrap_or_default()
}

fn has(views: &Views, want: &[u8]) -> bool {
    views.views.iter().any(|v| **v == *want)
}

#[test]
fn a_plain_response_has_one_view() {
    let v = response_views(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1024);
    assert_eq!(v.views, vec![b"hello".to_vec()]);
}

#[test]
fn surely_chunked_bodies_are_only_read_dechunked() {
    let v = response_views(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        1024,
    );
    assert_eq!(v.views, vec![b"hello".to_vec()]);
    // In HTTP/1.0 Chromium ignores chunked: the raw reading too.
    let v = response_views(
        b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        1024,
    );
    assert!(has(&v, b"hello") && has(&v, b"5\r\nhello\r\n0\r\n\r\n"));
}

#[test]
fn gzip_declared_with_junk_and_content_length_cuts() {
    let body = gz(b"inner");
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: \u{a0}x-gzip;\r\nContent-Length: {};\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(&body);
    r.extend_from_slice(b"trailing junk");
    let v = response_views(&r, 1024);
    assert!(has(&v, b"inner"), "{:?}", v.views);
}

#[test]
fn odd_head_endings_each_give_their_body() {
    let v = response_views(b"HTTP/1.1 200 OK\nA: 1\n \nBODY", 1024);
    assert!(has(&v, b"BODY"));
    let v = response_views(b"HTTP/1.1 200 OK\rContent-Length: 4\r\rBODYjunk", 1024);
    assert!(has(&v, b"BODY"));
}

#[test]
fn junk_before_the_status_line_also_gives_the_whole_stream() {
    let r = b"xxxxxxxxHTTP/1.1 200 OK\r\n\r\nBODY";
    let v = response_views(r, 1024);
    assert!(has(&v, b"BODY") && has(&v, r));
}

#[test]
fn a_stream_without_head_is_read_raw() {
    let mut v = Views::new(1024);
    raw_views(b"the whole file", &mut v);
    assert!(has(&v, b"the whole file"));
    // A head that never ended, with a blank line later: the rest after it.
    let mut v = Views::new(1024);
    let mut s = b"garbage\r\n\r\n".to_vec();
    s.extend_from_slice(&gz(b"inner"));
    raw_views(&s, &mut v);
    assert!(has(&v, b"inner"), "{:?}", v.views);
}

#[test]
fn views_are_capped() {
    let mut v = Views::new(4);
    assert!(v.push(b"abcdef".to_vec()));
    assert_eq!(&*v.views[0], b"abcd");
    assert!(!v.push(b"abcd".to_vec()), "duplicates are dropped");
    for i in 0..100u8 {
        v.push(vec![i; 1]);
    }
    assert!(v.views.len() <= MAX_VIEWS);
    assert!(v.dropped > 0);
}

proptest::proptest! {
    /// Arbitrary responses never panic and stay within the caps.
    #[test]
    fn any_response(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let mut r = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        r.extend_from_slice(&data);
        let v = response_views(&r, 512);
        proptest::prop_assert!(v.views.len() <= MAX_VIEWS);
        proptest::prop_assert!(v.views.iter().all(|x| x.len() <= 512));
        let v = response_views(&data, 512);
        proptest::prop_assert!(v.views.len() <= MAX_VIEWS);
    }
}
