//! Whether an OS is still supported at a moment: the vendors' end-of-support
//! dates, as the agent's management server judges an endpoint (seed 002,
//! 2-3: サポートされていないオペレーティングシステムを実行しているエンドポイント).
//!
//! An OS label not in the table (macOS, Linux, a new Windows) counts as
//! supported: the table lists what the report must flag, not every OS.

use appliance::Instant;
use chrono::NaiveDate;

/// Microsoft's end of extended support, by the label prefix the offices
/// write (longest first where one label starts another).
const END_OF_SUPPORT: &[(&str, (i32, u32, u32))] = &[
    ("Windows XP", (2014, 4, 8)),
    ("Windows Vista", (2017, 4, 11)),
    ("Windows 7", (2020, 1, 14)),
    ("Windows 8.1", (2023, 1, 10)),
    ("Windows 10", (2025, 10, 14)),
    ("Windows Server 2003", (2015, 7, 14)),
    ("Windows Server 2008", (2020, 1, 14)),
    ("Windows Server 2012", (2023, 10, 10)),
];

/// The day `os` lost support, if the table knows it.
pub fn end_of_support(os: &str) -> Option<NaiveDate> {
    END_OF_SUPPORT
        .iter()
        .find(|(label, _)| {
            os.strip_prefix(label)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
        .and_then(|&(_, (y, m, d))| NaiveDate::from_ymd_opt(y, m, d))
}

/// Whether `os` is supported on the JST day of `at`.
pub fn supported(os: &str, at: Instant) -> bool {
    end_of_support(os).is_none_or(|end| at.to_jst().date_naive() < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Instant {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        Instant::from(
            date.and_hms_opt(12, 0, 0)
                .expect("noon")
                .and_local_timezone(appliance::time::jst())
                .single()
                .expect("JST has no gaps"),
        )
    }

    #[test]
    fn support_ends_on_the_vendors_day() {
        assert!(!supported("Windows XP", day(2017, 9, 26)));
        assert!(supported("Windows 7", day(2017, 9, 26)));
        assert!(!supported("Windows 7", day(2020, 1, 14)));
        assert!(supported("Windows 7", day(2020, 1, 13)));
        assert!(!supported("Windows Server 2008 R2", day(2020, 2, 1)));
        assert!(supported("Windows Server 2012 R2", day(2017, 9, 26)));
        assert!(supported("Windows 10", day(2025, 10, 13)));
        assert!(!supported("Windows 10", day(2026, 12, 6)));
    }

    #[test]
    fn a_label_matches_whole_words_and_unknown_systems_are_supported() {
        assert_eq!(end_of_support("Windows 70"), None);
        assert_eq!(
            end_of_support("Windows 8.1 Pro").map(|d| d.to_string()),
            Some("2023-01-10".into())
        );
        assert!(supported("macOS 10.12 Sierra", day(2017, 9, 26)));
        assert!(supported("Windows 11", day(2026, 12, 6)));
    }
}
