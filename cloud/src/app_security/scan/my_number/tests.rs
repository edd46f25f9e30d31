//! Tests of the My Number check digit and detector: the table of seed 003's 情報漏えい対策 cases (issue 19's "Must show") and the proptests of its classes.

use super::*;
use crate::app_security::scan::digits::tests::{
    DetectorRow, check_table, context, glue, row, written,
};
use proptest::prelude::*;

/// The weights of the first 11 digits read left to right, written out from
/// the rule (Q(n), n = 11 for the first digit down to n = 1 for the 11th:
/// Q(11..=7) = 6, 5, 4, 3, 2; Q(6..=1) = 7, 6, 5, 4, 3, 2). The test's own
/// oracle, checked against the hand-computed examples below.
const WEIGHTS_LEFT_TO_RIGHT: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// r = Σ P·Q mod 11 of the first 11 digits (ASCII).
fn remainder(first11: &str) -> u32 {
    first11
        .chars()
        .zip(WEIGHTS_LEFT_TO_RIGHT)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum::<u32>()
        % 11
}

/// The check digit from the remainder, the rule's last step.
fn oracle_check(first11: &str) -> char {
    let r = remainder(first11);
    let check = if r <= 1 { 0 } else { 11 - r };
    char::from_digit(check, 10).unwrap_or('?')
}

/// 11 random ASCII digits.
fn first11() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('0', '9'), 11).prop_map(|v| v.into_iter().collect())
}

/// A valid My Number built by the test's oracle.
fn valid() -> impl Strategy<Value = String> {
    first11().prop_map(|f| {
        let c = oracle_check(&f);
        format!("{f}{c}")
    })
}

/// A valid My Number written in one of the allowed shapes: (digits, written).
fn valid_written() -> impl Strategy<Value = (String, String)> {
    (valid(), prop::bool::ANY).prop_flat_map(|(d, grouped)| {
        let shape = if grouped { vec![4, 4, 4] } else { vec![12] };
        (Just(d.clone()), written(d, shape))
    })
}

/// Ways to group 12 digits: the two of a My Number and others (phone-,
/// account- and order-number-like).
const TWELVE_SHAPES: &[&[usize]] = &[
    &[12],
    &[4, 4, 4],
    &[2, 4, 4, 2],
    &[3, 3, 3, 3],
    &[4, 8],
    &[6, 6],
    &[3, 4, 5],
    &[2, 10],
];

#[test]
fn check_digits_computed_by_hand() {
    // 12345678901: P(1..=11) read from the right = 1,0,9,8,7,6,5,4,3,2,1;
    // Q(1..=11) = 2,3,4,5,6,7,2,3,4,5,6;
    // Σ P·Q = 2+0+36+40+42+42+10+12+12+10+6 = 212; 212 mod 11 = 3;
    // check = 11 - 3 = 8.
    assert_eq!(check_digit(b"12345678901"), Some(8));
    // 98765432109: P = 9,0,1,2,3,4,5,6,7,8,9; Σ = 18+0+4+10+18+28+10+18+28+40+54
    // = 228; 228 mod 11 = 8; check 3.
    assert_eq!(check_digit(b"98765432109"), Some(3));
    // 11111111111: Σ Q = 47; 47 mod 11 = 3; check 8.
    assert_eq!(check_digit(b"11111111111"), Some(8));
    // 00000000006: 6·Q(1) = 12; r = 1: check 0.
    assert_eq!(check_digit(b"00000000006"), Some(0));
    // 00000000000: r = 0: check 0.
    assert_eq!(check_digit(b"00000000000"), Some(0));
    // 00000000005: 5·2 = 10; r = 10: check 1.
    assert_eq!(check_digit(b"00000000005"), Some(1));
    // 32860129040: 3·6+2·5+8·4+6·3+0·2+1·7+2·6+9·5+0·4+4·3+0·2 = 154 = 14·11;
    // r = 0: check 0. 52860129040: 154 + 2·6 = 166; r = 1: check 0 too.
    assert_eq!(check_digit(b"32860129040"), Some(0));
    assert_eq!(check_digit(b"52860129040"), Some(0));
    // Not 11 ASCII digits.
    assert_eq!(check_digit(b"1234567890"), None);
    assert_eq!(check_digit(b"123456789012"), None);
    assert_eq!(check_digit(b"1234567890a"), None);
    assert_eq!(check_digit("１２３４５６７８９０".as_bytes()), None);
    // The oracle agrees with the hand computations.
    for (f, c) in [
        ("12345678901", '8'),
        ("98765432109", '3'),
        ("00000000005", '1'),
    ] {
        assert_eq!(oracle_check(f), c, "{f}");
    }
    // is_valid wants ASCII.
    assert!(is_valid("123456789018"));
    assert!(!is_valid("123456789017"));
    assert!(!is_valid("１２３４５６７８９０１８"));
    assert!(!is_valid("1234-5678-9018"));
    assert!(!is_valid(""));
}

/// The detector's table (issue 19's "Must show": valid and invalid check
/// digits, numbers inside words, full-width digits, hyphenated forms, no
/// false hit on a 12-digit order number with a wrong check digit).
const TABLE: &[DetectorRow] = &[
    // Check digits.
    row(
        "valid check digit (8, by hand)",
        "123456789018",
        &["123456789018"],
    ),
    row(
        "valid check digit (3, by hand)",
        "987654321093",
        &["987654321093"],
    ),
    row(
        "valid, remainder 1 gives check 0",
        "000000000060",
        &["000000000060"],
    ),
    row(
        "valid, remainder 0 gives check 0",
        "328601290400",
        &["328601290400"],
    ),
    row("invalid check digit", "123456789017", &[]),
    row(
        "order number with a wrong check digit",
        "注文番号：123456789012",
        &[],
    ),
    row(
        "order number, wrong check digit, hyphenated",
        "注文番号 1234-5678-9012",
        &[],
    ),
    row("11 digits", "12345678901", &[]),
    // Whole runs only.
    row(
        "13 digits: valid 12 followed by a digit",
        "1234567890180",
        &[],
    ),
    row("13 digits: valid 12 after a digit", "9123456789018", &[]),
    row("13 digits, full-width digit glued", "１123456789018", &[]),
    row("4-4-4-1 is not 4-4-4", "1234-5678-9018-7", &[]),
    row(
        "a trailing hyphen is not a digit",
        "1234-5678-9018-",
        &["1234-5678-9018"],
    ),
    row(
        "4-4-4-4 card number starting with a valid 4-4-4",
        "1234 5678 9018 1111",
        &[],
    ),
    // Inside words.
    row("inside a word: letters both sides", "ID123456789018X", &[]),
    row("inside a word: letters before", "abc123456789018", &[]),
    row("inside a word: letters after", "123456789018abc", &[]),
    row("inside a word: full-width letters", "ＩＤ123456789018", &[]),
    row("inside a word, hyphenated", "No1234-5678-9018", &[]),
    row(
        "Japanese text directly around",
        "番号123456789018です",
        &["123456789018"],
    ),
    row("punctuation around", "(123456789018).", &["123456789018"]),
    row(
        "English sentence",
        "My Number: 123456789018, thanks",
        &["123456789018"],
    ),
    // Full-width digits.
    row(
        "full-width digits",
        "１２３４５６７８９０１８",
        &["１２３４５６７８９０１８"],
    ),
    row(
        "mixed widths",
        "１２３４56789０１８",
        &["１２３４56789０１８"],
    ),
    row(
        "full-width in Japanese",
        "個人番号：９８７６５４３２１０９３。",
        &["９８７６５４３２１０９３"],
    ),
    row(
        "full-width, wrong check digit",
        "１２３４５６７８９０１２",
        &[],
    ),
    // Hyphenated and spaced forms.
    row("4-4-4 ASCII hyphen", "1234-5678-9018", &["1234-5678-9018"]),
    row("4-4-4 ASCII space", "1234 5678 9018", &["1234 5678 9018"]),
    row(
        "4-4-4 full-width hyphen",
        "1234－5678－9018",
        &["1234－5678－9018"],
    ),
    row(
        "4-4-4 full-width space",
        "1234　5678　9018",
        &["1234　5678　9018"],
    ),
    row(
        "4-4-4 long vowel mark (kana IME)",
        "1234ー5678ー9018",
        &["1234ー5678ー9018"],
    ),
    row("4-4-4 hyphen U+2010", "1234‐5678‐9018", &["1234‐5678‐9018"]),
    row("4-4-4 minus sign", "1234−5678−9018", &["1234−5678−9018"]),
    row(
        "4-4-4 full-width all",
        "１２３４－５６７８－９０１８",
        &["１２３４－５６７８－９０１８"],
    ),
    row(
        "4-4-4 two kinds of hyphen",
        "1234-5678－9018",
        &["1234-5678－9018"],
    ),
    row("hyphen and space mixed", "1234-5678 9018", &[]),
    row("two hyphens in a row", "1234--5678--9018", &[]),
    row("two spaces in a row", "1234  5678  9018", &[]),
    row("other grouping 2-4-4-2", "12-3456-7890-18", &[]),
    row("other grouping 4-8", "1234-56789018", &[]),
    row("other grouping 3-3-3-3", "123-456-789-018", &[]),
    // Phone numbers and dates.
    row("phone number", "TEL 03-1234-5678", &[]),
    row("mobile number", "090-1234-5678", &[]),
    row("date", "2024-01-15", &[]),
    // Lists.
    row(
        "list on one line, spaces",
        "123456789018 987654321093",
        &["123456789018", "987654321093"],
    ),
    row(
        "list, hyphenated, spaces",
        "1234-5678-9018 9876-5432-1093",
        &["1234-5678-9018", "9876-5432-1093"],
    ),
    row(
        "list, Japanese comma",
        "123456789018、987654321093",
        &["123456789018", "987654321093"],
    ),
    row(
        "list, lines",
        "山田 123456789018\n鈴木 987654321093\n",
        &["123456789018", "987654321093"],
    ),
    row(
        "list, one valid one order number",
        "123456789018 123456789012",
        &["123456789018"],
    ),
];

#[test]
fn my_number_table() {
    check_table(TABLE, find);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (1) For any 11 digits, appending the check digit makes a valid
    /// number and every other last digit an invalid one; the check digit
    /// is the oracle's.
    #[test]
    fn exactly_one_check_digit(f in first11()) {
        let check = check_digit(f.as_bytes());
        let oracle = oracle_check(&f).to_digit(10).and_then(|d| u8::try_from(d).ok());
        prop_assert_eq!(check, oracle);
        let valid: Vec<u8> = (0..10u8).filter(|d| is_valid(&format!("{f}{d}"))).collect();
        prop_assert_eq!(valid, oracle.into_iter().collect::<Vec<_>>());
    }

    /// (2) Any valid number written in any allowed shape (random width
    /// per digit, random separators of one kind), with random Japanese,
    /// space or punctuation text around, is found exactly once with its
    /// digits and bytes.
    #[test]
    fn valid_written_is_found_once((digits, w) in valid_written(), before in context(), after in context()) {
        let text = format!("{before}{w}{after}");
        let hits = find(&text);
        prop_assert_eq!(hits.len(), 1, "{:?}", text);
        prop_assert_eq!(&hits[0].digits, &digits);
        prop_assert_eq!((hits[0].start, hits[0].end), (before.len(), before.len() + w.len()));
    }

    /// (3) A valid number with a digit or a Latin letter (ASCII or
    /// full-width) glued on either side is not found.
    #[test]
    fn glued_is_not_found(
        (_, w) in valid_written(),
        g in glue(),
        left in any::<bool>(),
        before in context(),
        after in context(),
    ) {
        let text = if left { format!("{before}{g}{w}{after}") } else { format!("{before}{w}{g}{after}") };
        prop_assert_eq!(find(&text), vec![], "{:?}", text);
    }

    /// (4) A single-digit change: the check digit's own change is always
    /// caught; a change in the first 11 is caught unless the remainder
    /// moves between 0 and 1 (both give check digit 0), which the oracle
    /// predicts.
    #[test]
    fn single_digit_changes(d in valid(), at in 0usize..12, by in 1u32..10) {
        let mut chars: Vec<char> = d.chars().collect();
        let old = chars[at].to_digit(10).unwrap_or(0);
        chars[at] = char::from_digit((old + by) % 10, 10).unwrap_or('0');
        let changed: String = chars.into_iter().collect();
        let (r_old, r_new) = (remainder(&d[..11]), remainder(&changed[..11]));
        let unnoticed = at < 11 && r_old <= 1 && r_new <= 1;
        prop_assert_ne!(r_old == r_new, at < 11, "weights are invertible mod 11");
        prop_assert_eq!(is_valid(&changed), unnoticed, "{} -> {}", d, changed);
    }

    /// A 12-digit number with a wrong check digit is never found,
    /// whatever its shape; one with the right check digit is found only
    /// in the two shapes of a My Number.
    #[test]
    fn twelve_digits_found_only_valid_and_shaped(
        (digits, shape, w) in (first11(), prop::char::range('0', '9'), prop::sample::select(TWELVE_SHAPES))
            .prop_flat_map(|(f, last, shape)| {
                let digits = format!("{f}{last}");
                (Just(digits.clone()), Just(shape.to_vec()), written(digits, shape.to_vec()))
            }),
        before in context(),
        after in context(),
    ) {
        let text = format!("{before}{w}{after}");
        let right = digits.ends_with(oracle_check(&digits[..11]));
        let my_shape = shape == [12] || shape == [4, 4, 4];
        prop_assert_eq!(find(&text).len(), usize::from(right && my_shape), "{:?}", text);
    }
}

/// The single-digit changes the check digit misses do happen: one from
/// the table, by hand (3 → 5 in the first position moves r from 0 to 1).
#[test]
fn a_single_digit_change_the_check_digit_misses() {
    assert!(is_valid("328601290400"));
    assert!(is_valid("528601290400"));
}
