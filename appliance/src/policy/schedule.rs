//! Schedules (時間帯別ポリシー): days of the week and a time window, in JST.
//!
//! A rule with a schedule applies only while the schedule is active at the
//! instant the gateway was handed; the wall clock is never read.

use crate::time::Instant;

/// Days and `[from, to)` minutes of the day, JST. `to < from` wraps past
/// midnight (a night shift); `to == 24:00` is the end of the day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub name: String,
    /// Bit 0 = Monday ... bit 6 = Sunday.
    days: u8,
    from: u16,
    to: u16,
}

pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Schedule {
    /// Business hours as the seeds use them: weekdays 9:00-18:00.
    pub fn business_hours() -> Schedule {
        Schedule {
            name: "business hours".to_string(),
            days: 0b001_1111,
            from: 9 * 60,
            to: 18 * 60,
        }
    }

    /// Monday to Friday, all day.
    pub fn weekdays() -> Schedule {
        Schedule {
            name: "weekdays".to_string(),
            days: 0b001_1111,
            from: 0,
            to: 24 * 60,
        }
    }

    /// Built from checked parts; see [`parse_day`] and [`parse_time`].
    pub fn new(name: &str, days: &[u8], from: u16, to: u16) -> Schedule {
        Schedule {
            name: name.to_string(),
            days: days.iter().fold(0, |acc, d| acc | (1 << (d % 7))),
            from,
            to,
        }
    }

    pub fn is_active(&self, now: Instant) -> bool {
        let (day, minute) = now.jst_weekday_minute();
        let on = |d: u8| self.days & (1 << (d % 7)) != 0;
        if self.from <= self.to {
            on(day) && minute >= self.from && minute < self.to
        } else {
            // Past midnight: the part after midnight belongs to the day before.
            (on(day) && minute >= self.from) || (on((day + 6) % 7) && minute < self.to)
        }
    }
}

/// `mon`..`sun` (or full English names, any case) -> 0..6.
pub fn parse_day(text: &str) -> Option<u8> {
    let lower = text.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|d| lower.starts_with(d) && lower.len() >= 3)
        .map(|p| p as u8)
}

/// `HH:MM`, 00:00 to 24:00 -> minutes of the day.
pub fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn jst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
        Instant::from(
            crate::time::jst()
                .with_ymd_and_hms(y, mo, d, h, mi, 0)
                .single()
                .expect("valid"),
        )
    }

    #[test]
    fn business_hours_are_weekdays_nine_to_six_jst() {
        let s = Schedule::business_hours();
        // 2026-11-20 is a Friday.
        assert!(s.is_active(jst(2026, 11, 20, 9, 0)));
        assert!(s.is_active(jst(2026, 11, 20, 17, 59)));
        assert!(!s.is_active(jst(2026, 11, 20, 18, 0)));
        assert!(!s.is_active(jst(2026, 11, 20, 8, 59)));
        assert!(!s.is_active(jst(2026, 11, 21, 10, 0)), "Saturday");
    }

    #[test]
    fn overnight_wraps() {
        let s = Schedule::new("night", &[4], 22 * 60, 6 * 60);
        assert!(s.is_active(jst(2026, 11, 20, 23, 0)));
        assert!(
            s.is_active(jst(2026, 11, 21, 5, 0)),
            "Friday night, Saturday morning"
        );
        assert!(
            !s.is_active(jst(2026, 11, 20, 5, 0)),
            "Thursday night not scheduled"
        );
    }

    #[test]
    fn times_and_days() {
        assert_eq!(parse_time("09:00"), Some(540));
        assert_eq!(parse_time("24:00"), Some(1440));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("9:60"), None);
        assert_eq!(parse_time("nine"), None);
        assert_eq!(parse_day("Friday"), Some(4));
        assert_eq!(parse_day("sun"), Some(6));
        assert_eq!(parse_day("fr"), None);
    }
}
