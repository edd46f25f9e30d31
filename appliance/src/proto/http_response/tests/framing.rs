//! Unit tests of the framing: chunked and Content-Length as browsers read
//! them, and the streaming de-chunker's independence from segmenting.

use super::*;
use crate::proto::http_response::head::{Located, locate};

fn head(text: &str) -> Head {
    match locate(text.as_bytes(), true) {
        Located::Heads(mut h) => h.swap_remove(0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn lenient_chunks() {
    assert_eq!(
        dechunk(b"5\r\nhello\r\n0\r\n\r\n", 100),
        (b"hello".to_vec(), true)
    );
    assert_eq!(
        dechunk(
            b"05; ext\r\nhello\r\n\r\n\tF \r\n0123456789abcde\r\n0x\r\n",
            100
        ),
        (b"hello0123456789abcde".to_vec(), true)
    );
    assert_eq!(dechunk(b"5\r\nhel", 100), (b"hel".to_vec(), false));
    assert_eq!(dechunk(b"zz", 100), (Vec::new(), false));
    assert_eq!(dechunk(b"5\nhello\n0\n\n", 3), (b"hel".to_vec(), true));
    // A size that overflows breaks the framing; it is not a last chunk.
    let (data, done) = dechunk(b"1\r\na\r\nfffffffffffffffff\r\nxx", 100);
    assert_eq!((data.as_slice(), done), (&b"a"[..], false));
}

#[test]
fn trailers_end_at_an_empty_line() {
    let mut d = Dechunker::new();
    let body = b"1\r\na\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1";
    let used = d.feed(body, None, 0);
    assert!(d.is_done());
    assert_eq!(&body[used..], b"HTTP/1.1");
}

#[test]
fn chunked_through_junk() {
    for te in [
        "chunked",
        "Chunked",
        "chunked;",
        "chunked\0",
        "\u{a0}chunked",
        "gzip, chunked",
        "foo chunked bar",
    ] {
        let h = head(&format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: {te}\r\n\r\n"
        ));
        assert!(chunked(&h), "{te:?}");
    }
    assert!(surely_chunked(&head(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    )));
    assert!(!surely_chunked(&head(
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    )));
    assert!(!surely_chunked(&head(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
    )));
}

#[test]
fn content_length_with_junk() {
    for v in ["68", "68;", ",68", "68,68", "68 A", "68.0", " 68 ", "+68"] {
        let h = head(&format!("HTTP/1.1 200 OK\r\nContent-Length: {v}\r\n\r\n"));
        assert!(
            content_lengths(&h).contains(&68),
            "{v:?}: {:?}",
            content_lengths(&h)
        );
    }
    let h = head("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 68\r\n\r\n");
    assert_eq!(content_lengths(&h), vec![10, 68]);
    assert_eq!(Framer::of(&h), Framer::Length(68));
}

#[test]
fn framer_prefers_chunked_and_falls_back_to_the_close() {
    let h = head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    let mut f = Framer::of(&h);
    assert_eq!(f.advance(b"2\r\nab\r\n", 0), None);
    assert_eq!(f.advance(b"2\r\nab\r\n0\r\n\r\nrest", 7), Some(12));
    // Broken chunked framing: the Content-Length frames the body.
    let mut f = Framer::of(&h);
    assert_eq!(f.advance(b"not chunked at all", 0), Some(3));
    assert_eq!(f, Framer::Length(3));
    // Without one, the close does.
    let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    let mut f = Framer::of(&h);
    assert_eq!(f.advance(b"not chunked at all", 0), None);
    assert_eq!(f, Framer::Close);
}

proptest::proptest! {
    /// However the body is cut into segments, the streaming de-chunker ends
    /// at the same byte as one pass over it.
    #[test]
    fn segmenting_does_not_change_the_end(
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        cuts in proptest::collection::vec(0usize..260, 0..8),
    ) {
        let mut body = b"4\r\nabcd\r\n".to_vec();
        body.extend_from_slice(&data);
        let mut whole = Framer::Chunked(Dechunker::new(), None);
        let expect = whole.advance(&body, 0);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(body.len())).collect();
        cuts.sort_unstable();
        let mut pieces = Framer::Chunked(Dechunker::new(), None);
        let mut got = None;
        let mut from = 0;
        for end in cuts.into_iter().chain([body.len()]) {
            if got.is_none() {
                got = pieces.advance(&body[..end], from);
            }
            from = end;
        }
        proptest::prop_assert_eq!(expect, got);
    }
}
