//! Tests of the card number detector: the table of known test card numbers and look-alikes, and the proptests of Luhn's classes and of the written shapes.

use super::*;
use crate::app_security::scan::digits::tests::{
    DetectorRow, check_table, context, glue, row, written,
};
use proptest::prelude::*;

/// The Luhn check digit for `body` (ASCII digits), the test's own oracle:
/// the doubled positions are the body's last digit and every second one
/// before it (they become the even positions once the check digit is
/// appended), a doubled digit's digit sum from the table.
fn oracle_luhn_digit(body: &str) -> char {
    const DOUBLED_DIGIT_SUM: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                DOUBLED_DIGIT_SUM[d as usize]
            } else {
                d
            }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('?')
}

const TABLE: &[DetectorRow] = &[
    row(
        "Visa test number, 4-4-4-4 spaces",
        "4111 1111 1111 1111",
        &["4111 1111 1111 1111"],
    ),
    row("Visa ungrouped", "4111111111111111", &["4111111111111111"]),
    row("Visa 13 digits", "4222222222222", &["4222222222222"]),
    row(
        "Mastercard test number",
        "5555 5555 5555 4444",
        &["5555 5555 5555 4444"],
    ),
    row(
        "Mastercard 2-series",
        "2223-0031-2200-3222",
        &["2223-0031-2200-3222"],
    ),
    row("Amex 4-6-5", "3782 822463 10005", &["3782 822463 10005"]),
    row("Amex ungrouped", "371449635398431", &["371449635398431"]),
    row(
        "JCB test number",
        "3530 1113 3330 0000",
        &["3530 1113 3330 0000"],
    ),
    row(
        "JCB, full-width, in Japanese",
        "カード番号：３５６６－００２０－２０３６－０５０５です",
        &["３５６６－００２０－２０３６－０５０５"],
    ),
    row("Diners 4-6-4", "3056 930902 5904", &["3056 930902 5904"]),
    row(
        "Diners 38, 14 digits",
        "38520000023237",
        &["38520000023237"],
    ),
    row("Discover", "6011 1111 1111 1117", &["6011 1111 1111 1117"]),
    row("UnionPay", "6200000000000005", &["6200000000000005"]),
    row("Luhn-invalid Visa", "4111 1111 1111 1112", &[]),
    row("Luhn-valid, unknown prefix 1", "1234 5678 1234 5670", &[]),
    row("Luhn-valid, unknown prefix 9", "9999999999999995", &[]),
    row(
        "Visa prefix, 15 digits (not a Visa length)",
        "411111111111116",
        &[],
    ),
    row("Amex prefix written 4-4-4-3", "3782 8224 6310 005", &[]),
    row("4-6-6 is not a card's shape", "5555 555555 554444", &[]),
    row("inside a word", "card4111111111111111x", &[]),
    row("extra digit after", "41111111111111110", &[]),
    row("two separators in a row", "4111  1111  1111  1111", &[]),
    row("hyphen and space mixed", "4111-1111 1111-1111", &[]),
    row(
        "two cards in a list",
        "4111111111111111 5555555555554444",
        &["4111111111111111", "5555555555554444"],
    ),
    row("a My Number is not a card", "123456789018", &[]),
];

#[test]
fn card_table() {
    check_table(TABLE, find);
}

#[test]
fn issuers_and_luhn_by_hand() {
    // 4111111111111111, from the right: the undoubled digits are eight 1s (8);
    // the doubled ones seven 1s (14) and the leading 4 (8): 8 + 14 + 8 = 30.
    assert!(luhn_valid("4111111111111111"));
    assert!(!luhn_valid("4111111111111112"));
    assert!(luhn_valid("79927398713"));
    assert!(!luhn_valid("79927398710"));
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("0"));
    assert!(!luhn_valid("4111-1111-1111-1111"));
    assert_eq!(issuer("4111111111111111"), Some(Issuer::Visa));
    assert_eq!(issuer("2720991111111111"), Some(Issuer::Mastercard));
    assert_eq!(issuer("2721001111111111"), None);
    assert_eq!(issuer("2220991111111111"), None);
    assert_eq!(issuer("378282246310005"), Some(Issuer::Amex));
    assert_eq!(issuer("3530111333300000"), Some(Issuer::Jcb));
    assert_eq!(issuer("3527111333300000"), None);
    assert_eq!(issuer("30569309025904"), Some(Issuer::Diners));
    assert_eq!(issuer("6011111111111117"), Some(Issuer::Discover));
    assert_eq!(issuer("6200000000000005"), Some(Issuer::UnionPay));
    assert_eq!(issuer("1234567812345670"), None);
    for (body, check) in [
        ("411111111111111", '1'),
        ("7992739871", '3'),
        ("37828224631000", '5'),
    ] {
        assert_eq!(oracle_luhn_digit(body), check, "{body}");
    }
}

/// Digits of a card body (without its check digit), `len - 1` long.
fn body(len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('0', '9'), len - 1)
        .prop_map(|v| v.into_iter().collect())
}

/// A Luhn-valid number of 13-19 digits, built by the oracle.
fn luhn_number() -> impl Strategy<Value = String> {
    (13usize..20).prop_flat_map(body).prop_map(|b| {
        let c = oracle_luhn_digit(&b);
        format!("{b}{c}")
    })
}

/// The issuers as the test knows them: prefix range, prefix width, lengths.
const ISSUERS: &[(Issuer, u32, u32, &[usize])] = &[
    (Issuer::Visa, 4, 4, &[13, 16, 19]),
    (Issuer::Mastercard, 51, 55, &[16]),
    (Issuer::Mastercard, 2221, 2720, &[16]),
    (Issuer::Amex, 34, 34, &[15]),
    (Issuer::Amex, 37, 37, &[15]),
    (Issuer::Jcb, 3528, 3589, &[16, 17, 18, 19]),
    (Issuer::Diners, 300, 305, &[14, 15, 16, 17, 18, 19]),
    (Issuer::Diners, 36, 36, &[14, 16, 19]),
    (Issuer::Diners, 38, 39, &[14, 16]),
    (Issuer::Discover, 6011, 6011, &[16, 19]),
    (Issuer::Discover, 644, 649, &[16]),
    (Issuer::Discover, 65, 65, &[16]),
    (Issuer::UnionPay, 62, 62, &[16, 17, 18, 19]),
];

/// A card number of a known issuer, its check digit by the oracle, and a
/// shape it is printed in: (issuer, digits, shape).
fn card() -> impl Strategy<Value = (Issuer, String, Vec<usize>)> {
    prop::sample::select(ISSUERS)
        .prop_flat_map(|(issuer, low, high, lens)| {
            (
                Just(issuer),
                low..=high,
                prop::sample::select(lens),
                any::<bool>(),
            )
        })
        .prop_flat_map(|(issuer, prefix, len, grouped)| {
            let p = prefix.to_string();
            let shape = match (grouped, len) {
                (true, 14) => vec![4, 6, 4],
                (true, 15) => vec![4, 6, 5],
                (true, 16) => vec![4, 4, 4, 4],
                (true, 19) => vec![4, 4, 4, 4, 3],
                _ => vec![len],
            };
            (
                Just(issuer),
                Just(p.clone()),
                body(len - p.len()),
                Just(shape),
            )
        })
        .prop_map(|(issuer, prefix, rest, shape)| {
            let b = format!("{prefix}{rest}");
            let c = oracle_luhn_digit(&b);
            (issuer, format!("{b}{c}"), shape)
        })
}

/// A card written in its shape: (issuer, digits, written).
fn card_written() -> impl Strategy<Value = (Issuer, String, String)> {
    card().prop_flat_map(|(issuer, digits, shape)| {
        (Just(issuer), Just(digits.clone()), written(digits, shape))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (5a) Luhn catches every single-digit change.
    #[test]
    fn luhn_catches_single_digit_changes(n in luhn_number(), at in 0usize..19, by in 1u32..10) {
        prop_assert!(luhn_valid(&n));
        let at = at % n.len();
        let mut chars: Vec<char> = n.chars().collect();
        let old = chars[at].to_digit(10).unwrap_or(0);
        chars[at] = char::from_digit((old + by) % 10, 10).unwrap_or('0');
        let changed: String = chars.into_iter().collect();
        prop_assert!(!luhn_valid(&changed), "{} -> {}", n, changed);
    }

    /// (5b) Luhn catches every transposition of two different adjacent
    /// digits but 09 <-> 90.
    #[test]
    fn luhn_catches_adjacent_transpositions_but_09(n in luhn_number(), at in 0usize..18) {
        let at = at % (n.len() - 1);
        let mut chars: Vec<char> = n.chars().collect();
        let (a, b) = (chars[at], chars[at + 1]);
        prop_assume!(a != b);
        chars.swap(at, at + 1);
        let swapped: String = chars.into_iter().collect();
        let zero_nine = matches!((a, b), ('0', '9') | ('9', '0'));
        prop_assert_eq!(luhn_valid(&swapped), zero_nine, "{} -> {}", n, swapped);
    }

    /// (5c) The exception happens: a 09 or 90 anywhere swapped keeps a
    /// Luhn-valid number valid.
    #[test]
    fn luhn_misses_09_transpositions(b in (13usize..20).prop_flat_map(body), at in 0usize..17, nine_first in any::<bool>()) {
        let at = at % (b.len() - 1);
        let pair = if nine_first { "90" } else { "09" };
        let body = format!("{}{pair}{}", &b[..at], &b[at + 2..]);
        let n = format!("{body}{}", oracle_luhn_digit(&body));
        let swapped = format!("{}{}{}", &n[..at], &pair.chars().rev().collect::<String>(), &n[at + 2..]);
        prop_assert!(luhn_valid(&n));
        prop_assert!(luhn_valid(&swapped), "{} -> {}", n, swapped);
    }

    /// Any known issuer's card, written in its printed shape (random widths
    /// and separators), with random text around, is found exactly once with
    /// its digits and bytes, and its issuer named.
    #[test]
    fn card_written_is_found_once((who, digits, w) in card_written(), before in context(), after in context()) {
        let text = format!("{before}{w}{after}");
        let hits = find(&text);
        prop_assert_eq!(hits.len(), 1, "{:?}", text);
        prop_assert_eq!(&hits[0].digits, &digits);
        prop_assert_eq!((hits[0].start, hits[0].end), (before.len(), before.len() + w.len()));
        prop_assert_eq!(issuer(&digits), Some(who));
    }

    /// A card with a digit or letter glued on either side is not found as
    /// itself (a glued digit may make another valid card, never this one).
    #[test]
    fn glued_card_is_not_found((_, _, w) in card_written(), g in glue(), left in any::<bool>(), before in context(), after in context()) {
        let (text, start) = if left {
            (format!("{before}{g}{w}{after}"), before.len() + g.len_utf8())
        } else {
            (format!("{before}{w}{g}{after}"), before.len())
        };
        let end = start + w.len();
        prop_assert!(find(&text).iter().all(|h| (h.start, h.end) != (start, end)), "{:?}", text);
        if g.is_alphabetic() {
            prop_assert_eq!(find(&text), vec![], "{:?}", text);
        }
    }

    /// A Luhn-invalid number is never found, whatever its prefix.
    #[test]
    fn luhn_invalid_never_found((_, digits, shape) in card(), by in 1u32..10) {
        let (body, last) = digits.split_at(digits.len() - 1);
        let last = last.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(0);
        let wrong = format!("{body}{}", (last + by) % 10);
        let text = format!("番号{wrong}です");
        prop_assert_eq!(find(&text), vec![], "{:?} shape {:?}", text, shape);
    }
}
