//! Unit tests of the lenient content decoders: each damage browsers
//! tolerate still gives the inflated bytes.

use super::*;
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use std::io::Write;

const TEXT: &[u8] = b"the quick brown fox jumps over the lazy dog, again and again and again";

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).ok();
    e.finish().unwrap_or_default()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).ok();
    e.finish().unwrap_or_default()
}

fn raw(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).ok();
    e.finish().unwrap_or_default()
}

#[test]
fn tokens_through_junk() {
    for t in [
        "gzip",
        "x-gzip",
        " GZIP ",
        "gzip;q=1",
        "gz\0ip",
        "\u{a0}gzip",
    ] {
        assert_eq!(token(t), Some(Token::Known(Coding::Gzip)), "{t:?}");
    }
    assert_eq!(token("x-deflate"), Some(Token::Known(Coding::Deflate)));
    assert_eq!(token("br"), Some(Token::Known(Coding::Brotli)));
    assert_eq!(token("identity"), None);
    assert_eq!(token("compress"), Some(Token::Other("compress".into())));
}

#[test]
fn gzip_with_a_damaged_header_or_trailer() {
    let good = gz(TEXT);
    assert_eq!(undo(Coding::Gzip, &good, 1 << 20).as_deref(), Some(TEXT));
    // Header CRC flag with a wrong CRC, reserved flag bits.
    let mut hcrc = good[..10].to_vec();
    hcrc[3] |= 0x02 | 0xe0;
    hcrc.extend_from_slice(&[0xde, 0xad]);
    hcrc.extend_from_slice(&good[10..]);
    assert_eq!(undo(Coding::Gzip, &hcrc, 1 << 20).as_deref(), Some(TEXT));
    // Corrupt trailer, cut trailer.
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 6] ^= 0xff;
    assert_eq!(undo(Coding::Gzip, &bad, 1 << 20).as_deref(), Some(TEXT));
    assert_eq!(
        undo(Coding::Gzip, &good[..n - 5], 1 << 20).as_deref(),
        Some(TEXT)
    );
    // A cut stream keeps what inflated.
    let big: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let g = gz(&big);
    let part = undo(Coding::Gzip, &g[..g.len() / 2], 1 << 20).unwrap_or_default();
    assert!(
        !part.is_empty() && big.starts_with(&part),
        "{} bytes",
        part.len()
    );
}

#[test]
fn deflate_with_and_without_zlib() {
    assert_eq!(
        undo(Coding::Deflate, &zlib(TEXT), 1 << 20).as_deref(),
        Some(TEXT)
    );
    assert_eq!(
        undo(Coding::Deflate, &raw(TEXT), 1 << 20).as_deref(),
        Some(TEXT)
    );
}

#[test]
fn brotli() {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(TEXT).ok();
    }
    assert_eq!(undo(Coding::Brotli, &out, 1 << 20).as_deref(), Some(TEXT));
}

#[test]
fn layers_declared_otherwise_than_applied() {
    // Declared deflate, applied gzip; declared gzip twice, applied once;
    // declared gzip, applied gzip over zlib.
    let v = peel(&gz(TEXT), &[Coding::Deflate], 1 << 20, 24);
    assert!(v.iter().any(|x| x == TEXT));
    let v = peel(&gz(TEXT), &[Coding::Gzip, Coding::Gzip], 1 << 20, 24);
    assert!(v.iter().any(|x| x == TEXT));
    let v = peel(&gz(&zlib(TEXT)), &[Coding::Gzip], 1 << 20, 24);
    assert!(v.iter().any(|x| x == TEXT));
    let v = peel(&raw(&gz(TEXT)), &[Coding::Gzip], 1 << 20, 24);
    assert!(v.iter().any(|x| x == TEXT));
}

#[test]
fn outputs_are_capped() {
    let zeros = vec![0u8; 1 << 20];
    let bomb = gz(&zeros);
    assert_eq!(undo(Coding::Gzip, &bomb, 1000).map(|v| v.len()), Some(1000));
    assert!(peel(&bomb, &[Coding::Gzip], 1000, 3).len() <= 3);
}

/// zstd as Chromium and Firefox decode it: whole, capped, cut (a prefix),
/// and found by its magic number when declared otherwise.
#[test]
fn zstd_whole_cut_and_sniffed() {
    let file = b"a file both browsers would save from a zstd body ".repeat(40);
    let body =
        ruzstd::encoding::compress_to_vec(&file[..], ruzstd::encoding::CompressionLevel::Fastest);
    assert_eq!(token("zstd"), Some(Token::Known(Coding::Zstd)));
    assert_eq!(
        undo(Coding::Zstd, &body, 1 << 20).as_deref(),
        Some(&file[..])
    );
    assert_eq!(undo(Coding::Zstd, &body, 100).map(|v| v.len()), Some(100));
    let cut = undo(Coding::Zstd, &body[..body.len() / 2], 1 << 20).unwrap_or_default();
    assert!(file.starts_with(&cut), "a cut frame gives a prefix");
    assert!(peel(&body, &[Coding::Gzip], 1 << 20, 8).contains(&file));
}

/// lzma in both framings (the `.lzma` header, and libhtp's bare 5 bytes of
/// properties), whole, cut, and capped.
#[test]
fn lzma_in_both_framings() {
    let file = b"a file that only libhtp would decode, repeated repeated repeated".repeat(20);
    let mut alone = Vec::new();
    lzma_rs::lzma_compress(&mut &file[..], &mut alone).expect("compresses");
    assert_eq!(token("lzma"), Some(Token::Known(Coding::Lzma)));
    assert_eq!(
        undo(Coding::Lzma, &alone, 1 << 20).as_deref(),
        Some(&file[..])
    );
    let bare = [&alone[..5], &alone[13..]].concat();
    assert_eq!(
        undo(Coding::Lzma, &bare, 1 << 20).as_deref(),
        Some(&file[..])
    );
    assert_eq!(undo(Coding::Lzma, &alone, 100).map(|v| v.len()), Some(100));
    let cut = undo(Coding::Lzma, &alone[..alone.len() / 2], 1 << 20).unwrap_or_default();
    assert!(file.starts_with(&cut), "a cut stream gives a prefix");
}

proptest::proptest! {
    /// Arbitrary bytes never panic any decoder.
    #[test]
    fn any_bytes(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        for c in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd, Coding::Lzma] {
            let _ = undo(c, &data, 4096);
        }
        let _ = peel(&data, &[Coding::Gzip, Coding::Brotli, Coding::Lzma], 4096, 8);
    }
}
