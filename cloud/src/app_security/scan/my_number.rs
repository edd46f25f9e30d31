//! Japan's Individual Number (個人番号, My Number): its check digit and the data-loss prevention detector that finds it in mail and files.
//!
//! A My Number is 12 digits, the last a check digit over the first 11
//! (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令
//! and the 総務省令 it names, 個人番号の検査用数字): for the 11 digits P(n), n = 1..11 counted from the right
//! of the first 11 (P(1) is the 11th digit), Q(n) = n + 1 for 1 <= n <= 6
//! and n - 5 for 7 <= n <= 11; r = (Σ P(n)·Q(n)) mod 11; the check digit
//! is 0 when r <= 1, else 11 - r.
//!
//! What the check digit catches: the weights Q(n) are 2..=7, all invertible
//! mod 11, so a change of one digit always changes r; but r = 0 and r = 1
//! both give the check digit 0, so a single-digit change that moves r
//! between 0 and 1 goes unnoticed (`000000000000` and `000000000060` are
//! both valid). Any position of the first 11 can do it; a change of the
//! check digit itself is always caught.
//!
//! The finder ([`find`]) reads numbers as `digits` writes them (ASCII and
//! full-width digits, hyphens and spaces, never glued to a letter or
//! another digit, Japanese text around is fine) and keeps those
//! - written `123456789018` or 4-4-4 (`1234-5678-9018`,
//!   `1234 5678 9018`, any of the hyphens, all spaces), the way the card
//!   prints it. Decided: a 12-digit run grouped any other way
//!   (`12-3456-7890-18`, `1234-56789018`) is not a My Number: those
//!   shapes are phone numbers, account and order numbers, and the check
//!   digit alone would pass one in eleven of them;
//! - whose check digit is right (a 12-digit order number with a wrong one
//!   is no hit);
//! - as a whole number: a 13-digit number never yields a 12-digit hit
//!   inside it, nor a 4-4-4-4 card number a 4-4-4 hit.

use super::digits::{self, DigitRun};

#[cfg(test)]
mod tests;

/// A My Number's length in digits.
pub const LEN: usize = 12;

/// The shapes a My Number is written in (group sizes).
pub const SHAPES: [&[usize]; 2] = [&[12], &[4, 4, 4]];

/// The weight Q(n) of the digit P(n), n counted from 1 at the right of the
/// first 11 digits.
fn weight(n: usize) -> usize {
    if n <= 6 { n + 1 } else { n - 5 }
}

/// The check digit (0..=9, a value, not ASCII) for the first 11 digits
/// given as ASCII bytes (`b"12345678901"`); `None` unless that is exactly
/// 11 ASCII digits.
pub fn check_digit(first11: &[u8]) -> Option<u8> {
    if first11.len() != LEN - 1 || !first11.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: usize = first11
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| usize::from(b - b'0') * weight(i + 1))
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    u8::try_from(check).ok()
}

/// Whether `digits` is 12 ASCII digits with the right check digit.
pub fn is_valid(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    match bytes.split_last() {
        Some((&last, first11)) if bytes.len() == LEN && last.is_ascii_digit() => {
            check_digit(first11) == Some(last - b'0')
        }
        _ => false,
    }
}

/// Every valid My Number written in `text` (the module's rules), in text
/// order.
pub fn find(text: &str) -> Vec<DigitRun> {
    digits::numbers(text)
        .into_iter()
        .filter(|n| SHAPES.contains(&n.groups.as_slice()) && is_valid(&n.digits))
        .collect()
}
