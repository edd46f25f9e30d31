//! Payment card numbers (クレジットカード番号): the Luhn check, the issuers' prefixes and the data-loss prevention detector that finds card numbers in mail and files.
//!
//! A card number (ISO/IEC 7812 primary account number) is 13 to 19
//! digits, the last a Luhn check digit; its first digits name the issuer.
//! The finder ([`find`]) reads numbers as `digits` writes them (ASCII and
//! full-width digits, hyphens and spaces, never glued to a letter or
//! another digit, Japanese text around is fine) and keeps those
//! - written the way cards are printed: ungrouped (13-19 digits), 4-4-4-4,
//!   4-4-4-4-3 (19 digits), 4-6-5 (American Express) or 4-6-4 (Diners
//!   Club's 14 digits);
//! - that pass the Luhn check;
//! - whose prefix and length are a known issuer's ([`Issuer`]): a
//!   Luhn-valid number with an unknown prefix (one in ten of any digits) is
//!   an order or account number, not a card.
//!
//! What Luhn catches: every single-digit change, and every transposition of
//! two adjacent digits but `09` and `90` (doubling maps 0 to 0 and 9 to 9,
//! so the swap keeps the sum).

use super::digits::{self, DigitRun};

#[cfg(test)]
mod tests;

/// The shapes a card number is written in (group sizes), besides one
/// ungrouped run of 13-19 digits.
pub const SHAPES: [&[usize]; 4] = [&[4, 4, 4, 4], &[4, 4, 4, 4, 3], &[4, 6, 5], &[4, 6, 4]];

/// A card number's lengths.
pub const LENGTHS: std::ops::RangeInclusive<usize> = 13..=19;

/// The card brands the detector knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// Visa: 4, 13, 16 or 19 digits.
    Visa,
    /// Mastercard: 51-55 and 2221-2720, 16 digits.
    Mastercard,
    /// American Express: 34 and 37, 15 digits.
    Amex,
    /// JCB: 3528-3589, 16-19 digits.
    Jcb,
    /// Diners Club International: 300-305, 3095, 36, 38-39, 14-19 digits.
    Diners,
    /// Discover: 6011, 644-649, 65, 16-19 digits.
    Discover,
    /// UnionPay: 62, 16-19 digits.
    UnionPay,
}

/// One row of the issuers' table: the first `width` digits between `low`
/// and `high`, a length between `min_len` and `max_len`, and, when
/// `lengths` is not empty, one of those.
struct Prefix {
    issuer: Issuer,
    width: usize,
    low: u32,
    high: u32,
    lengths: &'static [usize],
    min_len: usize,
    max_len: usize,
}

const fn prefix(issuer: Issuer, width: usize, low: u32, high: u32, lens: (usize, usize)) -> Prefix {
    Prefix {
        issuer,
        width,
        low,
        high,
        lengths: &[],
        min_len: lens.0,
        max_len: lens.1,
    }
}

/// The issuers' prefixes (ISO/IEC 7812 issuer identification numbers, as
/// the brands publish them).
const PREFIXES: [Prefix; 14] = [
    Prefix {
        lengths: &[13, 16, 19],
        ..prefix(Issuer::Visa, 1, 4, 4, (13, 19))
    },
    prefix(Issuer::Mastercard, 2, 51, 55, (16, 16)),
    prefix(Issuer::Mastercard, 4, 2221, 2720, (16, 16)),
    prefix(Issuer::Amex, 2, 34, 34, (15, 15)),
    prefix(Issuer::Amex, 2, 37, 37, (15, 15)),
    prefix(Issuer::Jcb, 4, 3528, 3589, (16, 19)),
    prefix(Issuer::Diners, 3, 300, 305, (14, 19)),
    prefix(Issuer::Diners, 4, 3095, 3095, (14, 19)),
    prefix(Issuer::Diners, 2, 36, 36, (14, 19)),
    prefix(Issuer::Diners, 2, 38, 39, (14, 19)),
    prefix(Issuer::Discover, 4, 6011, 6011, (16, 19)),
    prefix(Issuer::Discover, 3, 644, 649, (16, 19)),
    prefix(Issuer::Discover, 2, 65, 65, (16, 19)),
    prefix(Issuer::UnionPay, 2, 62, 62, (16, 19)),
];

/// Whether `digits` (ASCII, at least two) passes the Luhn check: from the
/// right, every second digit doubled (less 9 when over 9), the sum a
/// multiple of 10.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The issuer whose prefix and length `digits` (ASCII) has, if any.
pub fn issuer(digits: &str) -> Option<Issuer> {
    let len = digits.len();
    PREFIXES.iter().find_map(|p| {
        let head: u32 = digits.get(..p.width)?.parse().ok()?;
        let length_ok = (p.min_len..=p.max_len).contains(&len)
            && (p.lengths.is_empty() || p.lengths.contains(&len));
        (length_ok && (p.low..=p.high).contains(&head)).then_some(p.issuer)
    })
}

/// Every card number written in `text` (the module's rules): printed
/// shape, Luhn-valid, a known issuer's prefix and length. In text order.
pub fn find(text: &str) -> Vec<DigitRun> {
    digits::numbers(text)
        .into_iter()
        .filter(|n| {
            let shaped = SHAPES.contains(&n.groups.as_slice())
                || (n.groups.len() == 1 && LENGTHS.contains(&n.digits.len()));
            shaped && luhn_valid(&n.digits) && issuer(&n.digits).is_some()
        })
        .collect()
}
