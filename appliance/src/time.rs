//! Time as the gateway sees it: an instant handed in by the caller.
//!
//! The gateway never asks the operating system for the time; the twin's virtual
//! clock, a pcap's timestamps or the TUN runtime's wall clock pass it in. An
//! [`Instant`] is microseconds since the Unix epoch (UTC), which is what pcapng
//! and SQLite want; logs show it in JST, as the service's console does.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time: microseconds since 1970-01-01T00:00:00Z.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Instant(i64);

/// Japan Standard Time (UTC+9, no daylight saving), the zone of every log and report.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

impl Instant {
    pub const fn from_micros(micros: i64) -> Self {
        Instant(micros)
    }

    pub const fn from_secs(secs: i64) -> Self {
        Instant(secs * 1_000_000)
    }

    pub const fn as_micros(self) -> i64 {
        self.0
    }

    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// This instant as a date-time in JST.
    pub fn to_jst(self) -> DateTime<FixedOffset> {
        let utc = Utc
            .timestamp_micros(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        utc.with_timezone(&jst())
    }

    /// The day of the week (Monday 0 .. Sunday 6) and the minute of the
    /// day, in JST: what a schedule asks of every web request, in integer
    /// arithmetic (1970-01-01 was a Thursday).
    pub fn jst_weekday_minute(self) -> (u8, u16) {
        let secs = self.as_secs().saturating_add(9 * 3600);
        let days = secs.div_euclid(86_400);
        let weekday = (days + 3).rem_euclid(7) as u8;
        let minute = (secs.rem_euclid(86_400) / 60) as u16;
        (weekday, minute)
    }

    /// `YYYY-MM-DD HH:MM:SS` in JST: the console's log format.
    pub fn jst_string(self) -> String {
        self.to_jst().format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// Duration since an earlier instant; zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0).max(0) as u64)
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Instant {
    fn from(t: DateTime<Tz>) -> Self {
        Instant(t.timestamp_micros())
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(
            self.0
                .saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(
            self.0
                .saturating_sub(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
        )
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.jst_string())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Timelike};

    #[test]
    fn weekday_and_minute_agree_with_chrono() {
        let mut secs: i64 = -400 * 86_400 - 7;
        while secs < 60 * 366 * 86_400 {
            let t = Instant::from_secs(secs);
            let jst = t.to_jst();
            let want = (
                jst.weekday().num_days_from_monday() as u8,
                (jst.hour() * 60 + jst.minute()) as u16,
            );
            assert_eq!(t.jst_weekday_minute(), want, "{secs}");
            secs += 3_607 * 7 + 13;
        }
    }

    use super::*;

    #[test]
    fn formats_in_jst() {
        // 2017-09-26 01:09:45 UTC is 10:09:45 in Tokyo.
        let t = Instant::from_secs(1_506_388_185);
        assert_eq!(t.jst_string(), "2017-09-26 10:09:45");
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_secs(10);
        assert_eq!((t + Duration::from_secs(5)).as_secs(), 15);
        assert_eq!(
            t.saturating_since(t + Duration::from_secs(1)),
            Duration::ZERO
        );
    }
}
