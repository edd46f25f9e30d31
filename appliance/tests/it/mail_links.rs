//! The links of a mail rated by web reputation (seed 000 FAQ Q11, メール
//! セキュリティ 「本文中の不正サイトへのリンク」), by class: any `http(s)://` URL
//! in a text or HTML body, whatever the transfer encoding (7bit, quoted-
//! printable with soft breaks anywhere, even inside the URL, base64), in an
//! `href` attribute or in running text between any delimiters, alone or
//! among good links in any order, is rated; a mail with a link the level
//! blocks is tagged `[SPAM]` (not blocked) and the log names that link; a
//! mail whose links are all good is delivered as sent. Mails are built here
//! with this file's own encoders, so the expectation is the URL as written,
//! never what the gateway's decoder made of it.

use appliance::inspect::anti_malware::Scanner;
use appliance::inspect::mail_links::Links;
use appliance::inspect::mail_security;
use appliance::intel::WebRating;
use appliance::reason::Reason;
use appliance::{Action, Config, Engine, FrozenIntel};
use proptest::prelude::*;

const GOOD_HOSTS: &[&str] = &[
    "www.hikari-bank.example",
    "www.kumo-tenki.example",
    "news.example.jp",
];
const BAD_HOST: &str = "login.hikari-bank-secure.example";

/// RFC 4648 base64, lines of 76.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// RFC 2045 quoted-printable with a soft line break after at most `width`
/// characters (so a break may fall inside a URL); every byte outside
/// printable ASCII, and `=`, as `=XX`.
fn quoted_printable(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let mut used = 0;
        for &b in line.as_bytes() {
            let piece = if b.is_ascii_graphic() && b != b'=' {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if used + piece.len() > width {
                out.push_str("=\r\n");
                used = 0;
            }
            used += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

#[derive(Clone, Copy, Debug)]
enum Encoding {
    SevenBit,
    QuotedPrintable(usize),
    Base64,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Plain,
    Html,
    Alternative,
}

fn part(ctype: &str, body: &str, enc: Encoding) -> String {
    let (name, encoded) = match enc {
        Encoding::SevenBit => ("7bit", format!("{}\r\n", body.replace('\n', "\r\n"))),
        Encoding::QuotedPrintable(w) => ("quoted-printable", quoted_printable(body, w)),
        Encoding::Base64 => ("base64", format!("{}\r\n", base64(body.as_bytes()))),
    };
    format!(
        "Content-Type: {ctype}; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {name}\r\n\r\n{encoded}"
    )
}

/// A mail linking to `urls`, each between the delimiters `delims`.
fn build(urls: &[String], shape: Shape, enc: Encoding, delims: (&str, &str)) -> Vec<u8> {
    // 7bit carries ASCII only.
    let greeting = if matches!(enc, Encoding::SevenBit) {
        "Dear customer,"
    } else {
        "お客様各位"
    };
    let mut text = format!("{greeting}\n");
    let mut html = format!("<html><body><p>{greeting}</p>");
    for u in urls {
        text.push_str(&format!("see {}{u}{} now\n", delims.0, delims.1));
        html.push_str(&format!("<p><a href=\"{u}\">link</a></p>"));
    }
    html.push_str("</body></html>\n");
    let head = "From: \"Bank\" <info@bank.example>\r\nTo: tanaka@print-shop.example\r\nSubject: account check\r\nMIME-Version: 1.0\r\n";
    let body = match shape {
        Shape::Plain => part("text/plain", &text, enc),
        Shape::Html => part("text/html", &html, enc),
        Shape::Alternative => format!(
            "Content-Type: multipart/alternative; boundary=\"b-1\"\r\n\r\n--b-1\r\n{}--b-1\r\n{}--b-1--\r\n",
            part("text/plain", &text, enc),
            part("text/html", &html, enc)
        ),
    };
    format!("{head}{body}").into_bytes()
}

fn intel(bad_score: u8) -> FrozenIntel {
    let mut intel = FrozenIntel::default();
    for (i, h) in GOOD_HOSTS.iter().enumerate() {
        let rating = WebRating {
            score: 85 + i as u8,
            category: "Financial Services".into(),
        };
        intel.web.insert(h, rating).expect("room");
    }
    let bad = WebRating {
        score: bad_score,
        category: "Phishing".into(),
    };
    intel.web.insert(BAD_HOST, bad).expect("room");
    intel
}

fn url(host: &str, https: bool, upper_scheme: bool, path: &str) -> String {
    let scheme = match (https, upper_scheme) {
        (true, false) => "https",
        (true, true) => "HTTPS",
        (false, false) => "http",
        (false, true) => "HTTP",
    };
    format!("{scheme}://{host}{path}")
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::SevenBit),
        (8usize..=76).prop_map(Encoding::QuotedPrintable),
        Just(Encoding::Base64),
    ]
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Plain),
        Just(Shape::Html),
        Just(Shape::Alternative)
    ]
}

fn delims() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop_oneof![
        Just(("", "")),
        Just(("<", ">")),
        Just(("\"", "\"")),
        Just(("(", ")"))
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/".to_string()),
        Just("/verify?id=8841".to_string()),
        "/[a-z]{1,8}(/[a-z0-9]{1,6}){0,2}(\\?[a-z]{1,4}=[0-9]{1,5}(&[a-z]{1,3}=[a-z]{1,3})?)?",
    ]
}

struct Decided {
    links: Vec<(Engine, Action, Option<String>, Vec<Reason>)>,
    deliver: Option<Vec<u8>>,
}

fn decide(raw: &[u8], bad_score: u8) -> Decided {
    let config = Config::default();
    let intel = intel(bad_score);
    let scanner = Scanner::new(&config.anti_malware, &intel);
    let links = Links {
        reputation: &config.policy.web_reputation,
        intel: &intel,
    };
    let outcome = mail_security::inspect_with_links(raw, &config.mail, &scanner, Some(links));
    Decided {
        links: outcome
            .detections
            .iter()
            .map(|d| (d.engine, d.action, d.url.clone(), d.reasons.clone()))
            .collect(),
        deliver: outcome.deliver,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn a_bad_link_in_any_encoding_and_place_tags_the_mail_and_is_named(
        shape in shape(),
        enc in encoding(),
        delims in delims(),
        good in proptest::collection::vec((0..GOOD_HOSTS.len(), any::<bool>(), path()), 0..4),
        bad in proptest::option::of((any::<bool>(), any::<bool>(), path(), 0usize..4)),
        bad_score in prop_oneof![0u8..=50, 51u8..=65],
    ) {
        let mut urls: Vec<String> = good
            .iter()
            .map(|(h, https, p)| url(GOOD_HOSTS[*h], *https, false, p))
            .collect();
        let bad_url = bad.as_ref().map(|(https, upper, p, at)| {
            let u = url(BAD_HOST, *https, *upper, p);
            urls.insert((*at).min(urls.len()), u.clone());
            u
        });
        let raw = build(&urls, shape, enc, delims);
        let d = decide(&raw, bad_score);
        let delivered = d.deliver.expect("a mail with a bad link is tagged, never blocked");
        let head_end = |m: &[u8]| m.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
        match bad_url {
            Some(bad_url) => {
                prop_assert_eq!(d.links.len(), 1, "{:?}", d.links);
                let (engine, action, logged, reasons) = &d.links[0];
                prop_assert_eq!(*engine, Engine::AntiSpam);
                prop_assert_eq!(*action, Action::Tag);
                prop_assert_eq!(logged.as_deref(), Some(bad_url.as_str()));
                prop_assert!(reasons.contains(&Reason::MailLink { url: bad_url.clone() }), "{:?}", reasons);
                let text = String::from_utf8_lossy(&delivered);
                prop_assert!(text.contains("\r\nSubject: [SPAM] account check\r\n"), "{}", text);
                // The body is delivered as sent.
                prop_assert_eq!(&delivered[head_end(&delivered)..], &raw[head_end(&raw)..]);
            }
            None => {
                prop_assert!(d.links.is_empty(), "{:?}", d.links);
                prop_assert_eq!(delivered, raw);
            }
        }
    }
}

/// Of several bad links, the log names the worst rated; a safe score on the
/// same host leaves the mail alone.
#[test]
fn the_worst_link_is_named_and_a_safe_rating_passes() {
    let urls = vec![
        "http://login.hikari-bank-secure.example/a".to_string(),
        "http://www.kumo-tenki.example/".to_string(),
    ];
    let raw = build(&urls, Shape::Plain, Encoding::SevenBit, ("", ""));
    let d = decide(&raw, 12);
    assert_eq!(d.links.len(), 1);
    assert_eq!(d.links[0].2.as_deref(), Some(urls[0].as_str()));
    let d = decide(&raw, 90);
    assert!(d.links.is_empty(), "{:?}", d.links);
    assert_eq!(d.deliver.as_deref(), Some(raw.as_slice()));
}
