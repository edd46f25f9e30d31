//! Statistics: what the console's dashboards and the monthly report read.
//!
//! Raw log rows live 62 days; statistics live 180 days, one row per JST day
//! and key, so a month's report and a 62-day top-N never scan raw rows.
//! Detections are counted per (day, engine, action, source IP, category,
//! policy, threat); allowed traffic only ever exists here, per (day, source
//! IP, host, category) (seed 000, Q6). The driver also tells the store, per
//! day, how long the gateway was online and offline: an empty month must not
//! look like a safe month (Q21).
//!
//! The category, policy and threat of a detection are read from the fields
//! of its typed reason chain ([`category_of`], [`policy_of`], [`threat_of`]):
//! an engine that wants its rule or category counted puts a
//! `Reason::Category`, `Reason::PolicyRule`/`Reason::Rule` or
//! `Reason::Threat` in its chain.

use appliance::Instant;
use appliance::Reason;
use appliance::time::jst;
use appliance::{Engine, Event};
use chrono::{Datelike, NaiveDate, TimeZone};
use std::net::Ipv4Addr;
use std::time::Duration;

/// Days the product keeps statistics (virtual time).
pub const STATS_RETENTION_DAYS: u32 = 180;

/// The JST calendar day of an instant.
pub fn jst_day(t: Instant) -> NaiveDate {
    t.to_jst().date_naive()
}

/// 00:00 JST of `day`.
pub fn day_start(day: NaiveDate) -> Instant {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match jst().from_local_datetime(&midnight).single() {
        Some(t) => Instant::from(t),
        None => Instant::from_secs(midnight.and_utc().timestamp() - 9 * 3600),
    }
}

/// The day number the store keeps: days since 1970-01-01 (a JST calendar day).
pub fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce()) - 719_163
}

/// The inverse of [`day_number`].
pub fn day_from_number(n: i64) -> Option<NaiveDate> {
    i32::try_from(n + 719_163)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The first day of the month after the one `day` is in.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

/// The URL category a detection is counted under: its first category link.
pub fn category_of(event: &Event) -> Option<String> {
    event
        .reasons
        .iter()
        .filter_map(Reason::category)
        .find(|c| !c.trim().is_empty())
}

/// The threat a detection names: its first threat link.
pub fn threat_of(event: &Event) -> Option<&str> {
    event
        .reasons
        .iter()
        .filter_map(Reason::threat)
        .find(|t| !t.trim().is_empty())
}

/// The policy a detection is counted under: its rule (a policy rule of the
/// profile, a firewall rule, a signature), else its engine (the security
/// profile's engine that enforced it).
pub fn policy_of(event: &Event) -> String {
    event
        .reasons
        .iter()
        .filter_map(Reason::rule)
        .find(|r| !r.trim().is_empty())
        .map_or_else(|| event.engine.label().to_string(), str::to_string)
}

/// Engines that enforce policy rules (URL filtering, application control);
/// the others make up "internet security" in the console's widgets.
pub fn is_policy_engine(engine: Engine) -> bool {
    matches!(engine, Engine::UrlFilter | Engine::AppControl)
}

/// What a top-N groups detections by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    SrcIp,
    Category,
    Policy,
    Threat,
    Engine,
}

/// What a top-N over allowed traffic groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessDimension {
    Category,
    Host,
    SrcIp,
}

/// Which statistics a query reads: days `from <= day < until` (JST), and the
/// engines (empty: all). Rows without a value for the grouped dimension (no
/// category, no threat) are left out of that top-N.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsFilter {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub engines: Vec<Engine>,
    pub src_ip: Option<Ipv4Addr>,
    /// Only detections the gateway stopped (block, reset, reject, drop), not
    /// those it tagged or only logged; detection counts only.
    pub blocking_only: bool,
}

impl StatsFilter {
    /// The days of the month that `month_start` begins.
    pub fn month(month_start: NaiveDate) -> StatsFilter {
        StatsFilter {
            from: Some(month_start),
            until: Some(next_month(month_start)),
            ..StatsFilter::default()
        }
    }

    pub fn engines(mut self, engines: &[Engine]) -> StatsFilter {
        self.engines = engines.to_vec();
        self
    }

    /// Only the detections the gateway stopped.
    pub fn blocking(mut self) -> StatsFilter {
        self.blocking_only = true;
        self
    }
}

/// A page of a sorted listing: the seed's console stops at 20; we page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub offset: usize,
    pub limit: usize,
}

impl Paging {
    pub fn first(limit: usize) -> Paging {
        Paging { offset: 0, limit }
    }

    pub const ALL: Paging = Paging {
        offset: 0,
        limit: usize::MAX,
    };
}

/// One row of a top-N: the key (an IP, a category, a rule, a threat name or an
/// engine's snake_case name) and its count.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TopRow {
    pub key: String,
    pub count: u64,
}

/// A page of a top-N, sorted by count descending, then key ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TopPage {
    pub rows: Vec<TopRow>,
    /// Distinct keys in all pages.
    pub total_keys: u64,
    /// The sum of the counts of all pages.
    pub total_count: u64,
}

/// Malicious-site detections of one site for one reason, over some days
/// (the report's per-URL table, FAQ Q5).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SiteRow {
    /// The host name asked for, else the server's address.
    pub site: String,
    /// [`SiteRow::CERTIFICATE_EXPIRED`] and the other certificate reasons,
    /// `score:N` for the site's web reputation score, or empty.
    pub why: String,
    pub count: u64,
}

impl SiteRow {
    pub const CERTIFICATE_EXPIRED: &'static str = "certificate_expired";
    pub const CERTIFICATE_NOT_YET_VALID: &'static str = "certificate_not_yet_valid";
    pub const CERTIFICATE_INVALID: &'static str = "certificate_invalid";
    pub const SCORE_PREFIX: &'static str = "score:";
}

/// A page of the most detected malicious sites.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SitesPage {
    pub rows: Vec<SiteRow>,
    /// Distinct (site, why) pairs in all pages.
    pub total_keys: u64,
    /// The sum of the counts of all pages.
    pub total_count: u64,
}

/// Detections on mail of one engine with one action, over some days.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MailCount {
    pub engine: Engine,
    pub action: appliance::Action,
    pub count: u64,
}

/// Detections of one engine on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyCount {
    pub day: NaiveDate,
    pub engine: Engine,
    pub count: u64,
}

/// One row of the "internet access" statistics.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessRow {
    /// The category, host or source IP; `None` for "uncategorised".
    pub key: Option<String>,
    pub requests: u64,
    pub bytes: u64,
}

/// A page of the "internet access" statistics, by requests descending.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccessPage {
    pub rows: Vec<AccessRow>,
    pub total_keys: u64,
    pub total_requests: u64,
    pub total_bytes: u64,
}

/// Traffic the gateway passed uninspected, for one reason, over some days.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Uninspected {
    /// [`Uninspected::OVERLOAD`] or [`Uninspected::UNSUPPORTED`].
    pub why: String,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
}

impl Uninspected {
    /// The flow table was full and new flows passed (fail-open).
    pub const OVERLOAD: &'static str = "overload";
    /// Frames of a protocol the gateway cannot inspect (IPv6, ...).
    pub const UNSUPPORTED: &'static str = "unsupported_protocol";
}

/// How long the gateway reported on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayUptime {
    pub day: NaiveDate,
    pub online: Duration,
    pub offline: Duration,
}

/// What a retention pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub raw_rows: u64,
    pub stats_rows: u64,
}

/// The cutoffs of a retention pass at `now`: raw rows older than 62 days,
/// statistics of days older than 180 days.
pub fn retention_cutoffs(now: Instant) -> (Instant, NaiveDate) {
    let raw = now - Duration::from_secs(u64::from(super::RAW_RETENTION_DAYS) * 86_400);
    let stats = jst_day(now - Duration::from_secs(u64::from(STATS_RETENTION_DAYS) * 86_400));
    (raw, stats)
}

/// Splits `[from, until)` at JST midnights.
pub fn split_days(from: Instant, until: Instant) -> Vec<(NaiveDate, Duration)> {
    let mut out = Vec::new();
    let mut t = from;
    while t < until {
        let day = jst_day(t);
        let next = day.succ_opt().map(day_start).unwrap_or(until);
        let end = if next > t { next.min(until) } else { until };
        out.push((day, end.saturating_since(t)));
        t = end;
    }
    out
}

/// How the console explains an export whose range reaches past retention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRange {
    /// The range actually exported (clipped to what is still kept).
    pub from: Instant,
    pub until: Instant,
    /// Set when the asked range was clipped, saying why, in plain words.
    pub note: Option<String>,
}

/// The range an export of `[from, until)` at `now` can cover. Raw rows older
/// than 62 days are gone; rather than return a silently short file, say so.
pub fn plan_export(from: Instant, until: Instant, now: Instant) -> Result<ExportRange, String> {
    if until <= from {
        return Err(format!(
            "the export range {} .. {} is empty (the end must come after the start)",
            from.jst_string(),
            until.jst_string()
        ));
    }
    let (oldest, _) = retention_cutoffs(now);
    let days = super::RAW_RETENTION_DAYS;
    if until <= oldest {
        return Err(format!(
            "logs are kept {days} days: on {} the oldest row kept is from {}; the whole range \
             {} .. {} is older, so there is nothing to export (the month's statistics are still \
             in the monthly report for 180 days)",
            now.jst_string(),
            oldest.jst_string(),
            from.jst_string(),
            until.jst_string()
        ));
    }
    if from < oldest {
        return Ok(ExportRange {
            from: oldest,
            until,
            note: Some(format!(
                "logs are kept {days} days: the export starts at {} instead of {}; rows before \
                 that were deleted by retention",
                oldest.jst_string(),
                from.jst_string()
            )),
        });
    }
    Ok(ExportRange {
        from,
        until,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use appliance::Action;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_are_jst_calendar_days() {
        // 2017-09-25 15:00 UTC is 2017-09-26 00:00 JST.
        let t = Instant::from_secs(1_506_351_600);
        assert_eq!(jst_day(t), date(2017, 9, 26));
        assert_eq!(jst_day(t - Duration::from_secs(1)), date(2017, 9, 25));
        assert_eq!(day_start(date(2017, 9, 26)), t);
        let n = day_number(date(2017, 9, 26));
        assert_eq!(day_from_number(n), Some(date(2017, 9, 26)));
        assert_eq!(day_number(date(1970, 1, 1)), 0);
    }

    #[test]
    fn months_roll_over() {
        assert_eq!(next_month(date(2017, 9, 14)), date(2017, 10, 1));
        assert_eq!(next_month(date(2017, 12, 1)), date(2018, 1, 1));
    }

    #[test]
    fn split_days_cuts_at_jst_midnight() {
        let start = day_start(date(2017, 9, 26)) + Duration::from_secs(23 * 3600);
        let parts = split_days(start, start + Duration::from_secs(2 * 3600));
        assert_eq!(
            parts,
            vec![
                (date(2017, 9, 26), Duration::from_secs(3600)),
                (date(2017, 9, 27), Duration::from_secs(3600)),
            ]
        );
        assert!(split_days(start, start).is_empty());
    }

    #[test]
    fn details_come_from_the_reason_chain() {
        let e = Event {
            time: Instant::from_secs(0),
            engine: Engine::Cnc,
            action: Action::Block,
            src_ip: Ipv4Addr::new(192, 168, 1, 11),
            src_mac: String::new(),
            dst_ip: Ipv4Addr::new(203, 0, 113, 45),
            dst_port: 80,
            host: None,
            url: None,
            reasons: vec![
                Reason::CncList,
                Reason::Threat {
                    name: "CnC.Win32.Generic".into(),
                },
            ],
        };
        assert_eq!(threat_of(&e), Some("CnC.Win32.Generic"));
        assert_eq!(category_of(&e), None);
        assert_eq!(policy_of(&e), "C&C callback");
        let rule = Event {
            engine: Engine::UrlFilter,
            reasons: vec![
                Reason::PolicyRule {
                    name: "業務時間帯の動画サイト禁止".into(),
                },
                Reason::Category {
                    name: "Streaming Media".into(),
                    ja: Some("ストリーミングメディア".into()),
                },
            ],
            ..e
        };
        // The rule's name, not "rule NAME" (the version-2 store counted the
        // text after "policy ").
        assert_eq!(policy_of(&rule), "業務時間帯の動画サイト禁止");
        assert_eq!(
            category_of(&rule).as_deref(),
            Some("Streaming Media (ストリーミングメディア)")
        );
    }

    #[test]
    fn export_beyond_62_days_is_clipped_and_explained() {
        let now = day_start(date(2017, 11, 28));
        let from = day_start(date(2017, 9, 1));
        let until = day_start(date(2017, 10, 1));
        let plan = plan_export(from, until, now).unwrap();
        assert_eq!(plan.from, day_start(date(2017, 9, 27)));
        let note = plan.note.unwrap();
        assert!(note.contains("62 days"), "{note}");
        assert!(note.contains("2017-09-27 00:00:00"), "{note}");
        let old = plan_export(from, day_start(date(2017, 9, 20)), now).unwrap_err();
        assert!(old.contains("nothing to export"), "{old}");
        let fresh = plan_export(day_start(date(2017, 11, 1)), now, now).unwrap();
        assert_eq!(fresh.note, None);
        assert!(plan_export(now, from, now).is_err());
    }
}
