//! A schedule's jitter as scenario YAML writes it: an absolute duration
//! (`jitter: 15s`, each gap is `interval ± 15 s`) or a share of the interval
//! (`jitter: 10%`, each gap is `interval ± 10 %`, as malware builders such as
//! Cobalt Strike express it).

use crate::duration::{DurationError, parse};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// `15s` or `10%`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jitter {
    /// Plus or minus this long (none by default).
    #[default]
    None,
    Absolute(Duration),
    /// Plus or minus this many percent of the interval (0-99).
    Percent(u8),
}

/// Why a text is not a jitter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JitterError {
    #[error("`{0}`: a jitter in percent is a whole number from 0 to 99, e.g. `10%`")]
    Percent(String),
    #[error(transparent)]
    Duration(#[from] DurationError),
}

impl Jitter {
    /// The absolute jitter for `interval`.
    pub fn of(self, interval: Duration) -> Duration {
        match self {
            Jitter::None => Duration::ZERO,
            Jitter::Absolute(d) => d,
            Jitter::Percent(p) => interval * u32::from(p) / 100,
        }
    }
}

impl FromStr for Jitter {
    type Err = JitterError;
    fn from_str(s: &str) -> Result<Jitter, JitterError> {
        let t = s.trim();
        if let Some(number) = t.strip_suffix('%') {
            return match number.trim().parse::<u8>() {
                Ok(p) if p < 100 => Ok(Jitter::Percent(p)),
                _ => Err(JitterError::Percent(t.to_string())),
            };
        }
        Ok(Jitter::Absolute(parse(t)?))
    }
}

impl fmt::Display for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Jitter::None => f.write_str("0s"),
            Jitter::Absolute(d) => f.write_str(&crate::duration::format(*d)),
            Jitter::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Jitter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Jitter;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `15s` or a share of the interval such as `10%`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Jitter, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Jitter, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Jitter, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_forms() {
        let five_min = Duration::from_secs(300);
        assert_eq!("10%".parse::<Jitter>(), Ok(Jitter::Percent(10)));
        assert_eq!(
            "10%".parse::<Jitter>().map(|j| j.of(five_min)),
            Ok(Duration::from_secs(30))
        );
        assert_eq!(
            "15s".parse::<Jitter>().map(|j| j.of(five_min)),
            Ok(Duration::from_secs(15))
        );
        assert_eq!(Jitter::default().of(five_min), Duration::ZERO);
        assert!(matches!(
            "100%".parse::<Jitter>(),
            Err(JitterError::Percent(_))
        ));
        assert!(matches!(
            "1.5%".parse::<Jitter>(),
            Err(JitterError::Percent(_))
        ));
        assert!(matches!(
            "15".parse::<Jitter>(),
            Err(JitterError::Duration(_))
        ));
    }

    proptest! {
        /// A percentage is that share of any interval, to the microsecond.
        #[test]
        fn percent_is_a_share(p in 0u8..100, secs in 1u64..100_000) {
            let interval = Duration::from_secs(secs);
            let j = format!("{p}%").parse::<Jitter>().map(|j| j.of(interval));
            prop_assert_eq!(j, Ok(Duration::from_micros(secs * 1_000_000 * u64::from(p) / 100)));
        }
    }
}
