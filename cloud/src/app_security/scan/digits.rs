//! Digit runs in text as people write numbers: the raw material of the data-loss prevention detectors (My Number, payment cards).
//!
//! Seed 003's 情報漏えい対策 counts mail and files holding "character or
//! number patterns". Japanese documents write numbers in several ways, and a
//! detector that reads only `[0-9]{12}` misses most of them. This module
//! reads numbers the way they are written and leaves the meaning (check
//! digit, issuer) to the detectors (`my_number`, `card`).
//!
//! Rules (each one a row of the detectors' test tables):
//! - **Digits**: ASCII `0-9` and full-width `０-９` (U+FF10..U+FF19), mixed
//!   freely within one number (`１２34`); [`DigitRun::digits`] holds them as
//!   ASCII. No other script's digits.
//! - **Separators**: exactly one separator character between two digits
//!   joins them into one run; two in a row (`1234--5678`) end the run.
//!   Two kinds:
//!   - hyphens: ASCII `-`, `‐` U+2010, `‑` U+2011, `‒` U+2012, `–` U+2013,
//!     `—` U+2014, `―` U+2015, `−` U+2212, full-width `－` U+FF0D, and the
//!     long vowel marks `ー` U+30FC and half-width `ｰ` U+FF70. Decided: the
//!     long vowel mark counts, because a Japanese IME in kana mode turns
//!     the `-` key into `ー`, so `090ー1234ー5678` is how many people type a
//!     number in a Japanese document; between two digits it means nothing
//!     else.
//!   - spaces: ASCII space, no-break space U+00A0 (HTML mail) and the
//!     full-width space U+3000. Not tabs or line breaks (table cells).
//! - **Numbers in a run** ([`numbers`]): a hyphen always joins its groups
//!   into one number; a space either groups one number (`1234 5678 9018`)
//!   or separates two numbers in a list (`123456789018 234567890123`). So
//!   the numbers of a run are each space-separated chunk (its groups joined
//!   by hyphens), and, when every separator of the run is a space, the
//!   whole run as well. A number is never a part of a chunk: `4111 1111
//!   1111 1111` is one 4-4-4-4 number, never a 4-4-4 number and a 4, and a
//!   hyphen and a space are not mixed within one number (`1234-5678 9018`
//!   is a 4-4 and a 4).
//! - **Words**: a number glued to a letter (ASCII or full-width Latin,
//!   `ID123456789018X`, `abc123456789018`) is part of a word, an
//!   identifier, never a number. Anything else around it (Japanese text,
//!   punctuation, spaces) is fine: Japanese documents have no spaces
//!   (`番号123456789018です`).
//!
//! Byte ranges are in the original text, from the first digit's first byte
//! to the last digit's last byte (a full-width digit is three bytes).

#[cfg(test)]
pub(crate) mod tests;

/// One number found in text: byte range in the original text and its digits as ASCII.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitRun {
    /// The first digit's first byte.
    pub start: usize,
    /// One past the last digit's last byte.
    pub end: usize,
    /// The digits, ASCII, separators left out.
    pub digits: String,
    /// The digit count of each group as written: `[4, 4, 4]` for
    /// `1234-5678-9018`, `[12]` for `123456789018`. The shape detectors
    /// match (a My Number is `[12]` or `[4, 4, 4]`).
    pub groups: Vec<usize>,
}

/// The two kinds of separator between groups (see the module's rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Separator {
    /// A hyphen, dash, minus or long vowel mark: always inside one number.
    Hyphen,
    /// A space: inside one number or between two.
    Space,
}

/// The hyphen-like separators, in the order of the module's rules.
pub const HYPHENS: [char; 11] = [
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
    '\u{FF0D}', '\u{30FC}', '\u{FF70}',
];

/// The space separators.
pub const SPACES: [char; 3] = [' ', '\u{00A0}', '\u{3000}'];

/// The value of an ASCII or full-width digit.
pub fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => u8::try_from(u32::from(c) - u32::from('0')).ok(),
        '\u{FF10}'..='\u{FF19}' => u8::try_from(u32::from(c) - 0xFF10).ok(),
        _ => None,
    }
}

/// The kind of separator `c` is, if it is one.
pub fn separator(c: char) -> Option<Separator> {
    if HYPHENS.contains(&c) {
        Some(Separator::Hyphen)
    } else if SPACES.contains(&c) {
        Some(Separator::Space)
    } else {
        None
    }
}

/// An ASCII or full-width Latin letter: a number glued to one is part of a word.
pub fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}')
}

/// One group of a run as scanned: its bytes, its digits and the separator
/// before it (none for the first).
struct Group {
    start: usize,
    end: usize,
    digits: String,
    before: Option<Separator>,
}

/// The runs of `text`, each a list of groups joined by single separators.
fn scan(text: &str) -> Vec<Vec<Group>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let digit_at = |i: usize| chars.get(i).and_then(|&(_, c)| digit_value(c));
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_at(i).is_none() {
            i += 1;
            continue;
        }
        let mut groups = Vec::new();
        let mut before = None;
        loop {
            let start = byte_at(i);
            let mut digits = String::new();
            while let Some(d) = digit_at(i) {
                digits.push(char::from(b'0' + d));
                i += 1;
            }
            groups.push(Group {
                start,
                end: byte_at(i),
                digits,
                before,
            });
            match chars.get(i).and_then(|&(_, c)| separator(c)) {
                Some(sep) if digit_at(i + 1).is_some() => {
                    before = Some(sep);
                    i += 1;
                }
                _ => break,
            }
        }
        runs.push(groups);
    }
    runs
}

/// The run made of `groups` (not empty).
fn run_of(groups: &[Group]) -> Option<DigitRun> {
    let first = groups.first()?;
    let last = groups.last()?;
    Some(DigitRun {
        start: first.start,
        end: last.end,
        digits: groups.iter().map(|g| g.digits.as_str()).collect(),
        groups: groups.iter().map(|g| g.digits.len()).collect(),
    })
}

/// Runs of digits allowing ASCII and full-width digits (０-９), with single
/// separators between groups (the hyphens and spaces of the module's rules):
/// every maximal run, whatever its shape and whatever is around it.
pub fn digit_runs(text: &str) -> Vec<DigitRun> {
    scan(text).iter().filter_map(|g| run_of(g)).collect()
}

/// The numbers written in `text` (the module's rules): each space-separated
/// chunk of a run, the whole run too when all its separators are spaces,
/// leaving out those glued to a letter. In text order; the detectors keep
/// those of their shapes.
pub fn numbers(text: &str) -> Vec<DigitRun> {
    let glued = |run: &DigitRun| {
        let before = text.get(..run.start).and_then(|t| t.chars().next_back());
        let after = text.get(run.end..).and_then(|t| t.chars().next());
        before.is_some_and(is_letter) || after.is_some_and(is_letter)
    };
    let mut out = Vec::new();
    for groups in scan(text) {
        let all_spaces = groups
            .iter()
            .skip(1)
            .all(|g| g.before == Some(Separator::Space));
        if groups.len() > 1 && all_spaces {
            out.extend(run_of(&groups));
        }
        let mut from = 0;
        for to in 1..=groups.len() {
            let chunk_ends = groups
                .get(to)
                .is_none_or(|g| g.before == Some(Separator::Space));
            if chunk_ends {
                out.extend(groups.get(from..to).and_then(run_of));
                from = to;
            }
        }
    }
    out.retain(|run| !glued(run));
    out.sort_by_key(|run| (run.start, run.end));
    out
}
