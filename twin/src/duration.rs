//! Human-written durations: `30s`, `90 s`, `10m`, `30 minutes`, `1 hour`,
//! `24h`, `1 day`, `62 days`, `1h30m`, `500ms`.
//!
//! One grammar for scenario YAML and for the `{duration}` parameter of the
//! cucumber steps, so a QA engineer writes time the same way everywhere. A
//! duration is one or more `NUMBER [spaces] UNIT` parts, optionally separated
//! by spaces or commas; the parts add up. A bare number is refused: `30` could
//! be seconds or minutes, and guessing is how a test silently checks the wrong
//! thing.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration: write e.g. `30s`, `10 minutes`, `1h30m` or `2 days`")]
    Empty,
    #[error(
        "`{text}`: expected a number at `{rest}` (durations look like `30s`, `10 minutes`, `1h30m`)"
    )]
    ExpectedNumber { text: String, rest: String },
    #[error("`{text}`: `{number}` has no unit; write e.g. `{number}s` or `{number} minutes`")]
    MissingUnit { text: String, number: String },
    #[error("`{text}`: unknown unit `{unit}` (known: ms, s, m, h, d, w and their long forms)")]
    UnknownUnit { text: String, unit: String },
    #[error("`{text}`: fractions are not supported; combine units instead, e.g. `1h30m`")]
    Fraction { text: String },
    #[error("`{text}` is too long a duration")]
    Overflow { text: String },
}

/// Parses a human-written duration (see the module doc for the grammar).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationError::Empty);
    }
    let overflow = || DurationError::Overflow {
        text: trimmed.to_string(),
    };
    let mut total_ms: u64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(DurationError::ExpectedNumber {
                text: trimmed.to_string(),
                rest: rest.to_string(),
            });
        }
        let (number, after) = rest.split_at(digits);
        if after.starts_with(['.', ',']) && after[1..].starts_with(|c: char| c.is_ascii_digit()) {
            return Err(DurationError::Fraction {
                text: trimmed.to_string(),
            });
        }
        let after = after.trim_start();
        let unit_len = after.len() - after.trim_start_matches(|c: char| c.is_alphabetic()).len();
        if unit_len == 0 {
            return Err(DurationError::MissingUnit {
                text: trimmed.to_string(),
                number: number.to_string(),
            });
        }
        let (unit, after) = after.split_at(unit_len);
        let unit_ms = unit_millis(unit).ok_or_else(|| DurationError::UnknownUnit {
            text: trimmed.to_string(),
            unit: unit.to_string(),
        })?;
        let value: u64 = number.parse().map_err(|_| overflow())?;
        let part = value.checked_mul(unit_ms).ok_or_else(overflow)?;
        total_ms = total_ms.checked_add(part).ok_or_else(overflow)?;
        rest = after.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }
    Ok(Duration::from_millis(total_ms))
}

fn unit_millis(unit: &str) -> Option<u64> {
    const SECOND: u64 = 1000;
    let ms = match unit.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => SECOND,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * SECOND,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600 * SECOND,
        "d" | "day" | "days" => 86_400 * SECOND,
        "w" | "week" | "weeks" => 7 * 86_400 * SECOND,
        _ => return None,
    };
    Some(ms)
}

/// Writes a duration back in the compact form `parse` reads: `1d2h30m`,
/// `45s`, `500ms`, `0s`. Sub-millisecond parts are dropped.
pub fn format(d: Duration) -> String {
    let mut ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000u128),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

/// A duration that parses from and prints as human text: the type behind the
/// `{duration}` cucumber parameter and the YAML duration fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s).map(HumanDuration)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self.0))
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Duration {
        d.0
    }
}

impl<'de> serde::Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `30s`, `10 minutes` or `1h30m`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                v.parse().map_err(E::custom)
            }
            // YAML hands `30` over as a number; say what is missing rather
            // than "invalid type".
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<HumanDuration, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<HumanDuration, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse("30s"), Ok(secs(30)));
        assert_eq!(parse("90 s"), Ok(secs(90)));
        assert_eq!(parse("10m"), Ok(secs(600)));
        assert_eq!(parse("30 minutes"), Ok(secs(1800)));
        assert_eq!(parse("1 hour"), Ok(secs(3600)));
        assert_eq!(parse("24h"), Ok(secs(86_400)));
        assert_eq!(parse("1 day"), Ok(secs(86_400)));
        assert_eq!(parse("62 days"), Ok(secs(62 * 86_400)));
        assert_eq!(parse("1h30m"), Ok(secs(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse(" 1 hour 30 minutes "), Ok(secs(5400)));
        assert_eq!(parse("1h, 30m"), Ok(secs(5400)));
        assert_eq!(parse("2 Weeks"), Ok(secs(14 * 86_400)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_garbage_with_a_reason() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("   "), Err(DurationError::Empty));
        assert!(matches!(
            parse("30"),
            Err(DurationError::MissingUnit { number, .. }) if number == "30"
        ));
        assert!(matches!(
            parse("5 fortnights"),
            Err(DurationError::UnknownUnit { unit, .. }) if unit == "fortnights"
        ));
        assert!(matches!(
            parse("soon"),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(matches!(
            parse("1h thirty"),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(matches!(
            parse("-5s"),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(matches!(parse("1.5h"), Err(DurationError::Fraction { .. })));
        assert!(matches!(
            parse("99999999999999999999d"),
            Err(DurationError::Overflow { .. })
        ));
        assert!(matches!(
            parse("999999999999999w"),
            Err(DurationError::Overflow { .. })
        ));
        let message = parse("30").unwrap_err().to_string();
        assert!(message.contains("`30s`"), "{message}");
    }

    #[test]
    fn format_round_trips() {
        for text in ["0s", "500ms", "45s", "1h30m", "1d", "62d", "1d2h3m4s5ms"] {
            let d = parse(text).unwrap();
            assert_eq!(format(d), text);
            assert_eq!(parse(&format(d)), Ok(d));
        }
        assert_eq!(HumanDuration(secs(5400)).to_string(), "1h30m");
        assert_eq!(
            "30 minutes".parse::<HumanDuration>(),
            Ok(HumanDuration(secs(1800)))
        );
    }
}
