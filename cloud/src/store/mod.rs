//! The log store: the only module that touches SQLite.
//!
//! The gateway itself never writes logs; its driver (the twin, the appliance
//! binary, pcap replay) hands the events the gateway produced to a [`LogStore`].
//! Readers (the console, the CLI, the cucumber steps) ask the same trait for
//! counts, events in order, a per-engine-and-host summary and the console's CSV
//! export. The store never reads the wall clock: retention is a cutoff
//! [`Instant`] the caller computes from its own (virtual) clock, typically
//! `now - RAW_RETENTION_DAYS days`.

mod export;
mod sqlite;
pub(crate) use sqlite::{connect, connect_read_only};
pub mod stats;

pub use export::{CSV_HEADER, destination, write_csv_header, write_csv_row};
pub use sqlite::{SCHEMA_VERSION, SqliteStore};
pub use stats::{
    AccessDimension, AccessPage, AccessRow, DailyCount, DayUptime, Dimension, MailCount, Paging,
    Purged, STATS_RETENTION_DAYS, SiteRow, SitesPage, StatsFilter, TopPage, TopRow, Uninspected,
};

use appliance::AccessRecord;
use appliance::Instant;
use appliance::{Engine, Event};
use chrono::NaiveDate;
use std::io::Write;
use std::net::Ipv4Addr;

/// Days the product keeps raw log rows (ログ分析: 62日).
pub const RAW_RETENTION_DAYS: u32 = 62;

/// Rows in a log export unless the caller asks otherwise (ログのダウンロード: 5,000件).
pub const DEFAULT_EXPORT_CAP: usize = 5_000;

/// Where events are kept. SQLite is the embedded default; the same schema is
/// meant to target PostgreSQL at fleet scale, hence the trait. It is
/// dyn-compatible so the console can hold a `Box<dyn LogStore + Send>`.
pub trait LogStore {
    /// Appends events, in order, durably, all or none.
    fn record(&mut self, events: &[Event]) -> Result<(), StoreError>;

    /// How many events match.
    fn count(&self, filter: &EventFilter) -> Result<u64, StoreError>;

    /// The matching events, oldest first; events with the same time come in
    /// the order they were recorded.
    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError>;

    /// Matching events counted per (engine, source IP), sorted by engine (the
    /// glossary order of [`Engine::ALL`]), then by count descending, then by
    /// IP ascending, so each engine's busiest hosts come first.
    fn counts_by_engine_and_host(
        &self,
        filter: &EventFilter,
    ) -> Result<Vec<EngineHostCount>, StoreError>;

    /// Writes the console's log export as RFC 4180 CSV (header row, CRLF line
    /// ends, UTF-8), oldest row first, at most `options.cap` rows. The CSV stays
    /// pure: when it is capped, the summary says so and the caller tells the user.
    fn export_csv(
        &self,
        filter: &EventFilter,
        options: &ExportOptions,
        out: &mut dyn Write,
    ) -> Result<ExportSummary, StoreError>;

    /// Deletes raw rows strictly older than `cutoff`; returns how many went.
    fn purge_before(&mut self, cutoff: Instant) -> Result<u64, StoreError>;

    /// Folds allowed requests into the per-day access statistics; they are
    /// never kept as rows (seed 000, Q6).
    fn record_access(&mut self, records: &[AccessRecord]) -> Result<(), StoreError>;

    /// Adds `[from, until)` to the gateway's online (or offline) time, per JST day.
    fn record_uptime(
        &mut self,
        from: Instant,
        until: Instant,
        online: bool,
    ) -> Result<(), StoreError>;

    /// Detections counted by `by` from the statistics, busiest first (ties by
    /// key), one page of them, with the totals of all pages.
    fn top(&self, by: Dimension, filter: &StatsFilter, page: Paging)
    -> Result<TopPage, StoreError>;

    /// Detections per day and engine, oldest day first, engines in glossary order.
    fn daily_counts(&self, filter: &StatsFilter) -> Result<Vec<DailyCount>, StoreError>;

    /// Allowed traffic counted by `by`, most requests first, one page of it.
    fn access_top(
        &self,
        by: AccessDimension,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<AccessPage, StoreError>;

    /// Traffic passed uninspected in the filter's days, by why (the filter's
    /// engines and host do not apply): empty when none passed.
    fn uninspected(&self, filter: &StatsFilter) -> Result<Vec<Uninspected>, StoreError>;

    /// Web reputation's detections by the site reached and why it was
    /// judged malicious, most first (the filter's host does not apply).
    fn site_top(&self, filter: &StatsFilter, page: Paging) -> Result<SitesPage, StoreError>;

    /// Detections on mail per engine and action (the filter's engines and
    /// host do not apply).
    fn mail_counts(&self, filter: &StatsFilter) -> Result<Vec<MailCount>, StoreError>;

    /// The gateway's online and offline time per day, for the days it reported.
    fn uptime(&self, filter: &StatsFilter) -> Result<Vec<DayUptime>, StoreError>;

    /// Deletes the statistics of days before `day`; returns how many rows went.
    fn purge_statistics_before(&mut self, day: NaiveDate) -> Result<u64, StoreError>;

    /// Enforces retention at `now` (the caller's clock): raw rows older than
    /// 62 days and statistics older than 180 days go.
    fn apply_retention(&mut self, now: Instant) -> Result<Purged, StoreError> {
        let (raw, stats) = stats::retention_cutoffs(now);
        Ok(Purged {
            raw_rows: self.purge_before(raw)?,
            stats_rows: self.purge_statistics_before(stats)?,
        })
    }
}

/// Which events a query is about. `Default` matches everything; every field
/// that is set narrows the match. The time range is half-open,
/// `from <= time < until`, so consecutive days never share an event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub from: Option<Instant>,
    pub until: Option<Instant>,
    pub engine: Option<Engine>,
    pub src_ip: Option<Ipv4Addr>,
}

impl EventFilter {
    /// Whether `event` passes this filter: the reference semantics every
    /// store's queries must agree with.
    pub fn matches(&self, event: &Event) -> bool {
        self.from.is_none_or(|from| event.time >= from)
            && self.until.is_none_or(|until| event.time < until)
            && self.engine.is_none_or(|engine| event.engine == engine)
            && self.src_ip.is_none_or(|ip| event.src_ip == ip)
    }
}

/// One row of the CLI's summary table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineHostCount {
    pub engine: Engine,
    pub src_ip: Ipv4Addr,
    pub count: u64,
}

/// Which rows survive when an export is capped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CapKeep {
    /// The most recent `cap` rows (still written oldest first): an export
    /// taken during an incident must not drop the incident itself.
    #[default]
    Newest,
    /// The first `cap` rows of the range.
    Oldest,
}

/// How to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The most rows to write (the header row not counted).
    pub cap: usize,
    pub keep: CapKeep,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            cap: DEFAULT_EXPORT_CAP,
            keep: CapKeep::default(),
        }
    }
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    /// Data rows written, the header row not counted.
    pub rows_written: u64,
    /// Rows the filter matched.
    pub rows_matching: u64,
    /// Whether rows were left out because of the cap.
    pub capped: bool,
}

/// A store operation failed. Every message names the store's file (or
/// `:memory:`), since a console may hold one store per gateway.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // SQLite's message is in the text and not also exposed as a `source`:
    // rusqlite's errors repeat their own cause, so an error chain printed
    // whole would say "file is not a database" three times.
    #[error(
        "{path} is not an officetwin log store (no `events` table of ours, schema version \
         {found}); it was opened read-only and left as it was"
    )]
    NotAStore { path: String, found: i64 },
    #[error("log store {path}: cannot open: {error}")]
    Open {
        path: String,
        error: rusqlite::Error,
    },
    #[error(
        "log store {path}: schema version {found} is newer than this build understands \
         ({supported}); use a newer officetwin or another file"
    )]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "log store {path}: schema version {found} keeps reasons as text, which this build \
         cannot type (it writes version {supported}); run the scenario again for a new store"
    )]
    OlderSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "log store {path}: journal mode is {mode:?}, not WAL (is the file on a network share?)"
    )]
    NoWal { path: String, mode: String },
    #[error("log store {path}: {error}")]
    Sqlite {
        path: String,
        error: rusqlite::Error,
    },
    #[error("log store {path}: {what}")]
    NotRecorded { path: String, what: &'static str },
    #[error("log store {path}: event row {id} is unreadable: {detail}")]
    Corrupt {
        path: String,
        id: i64,
        detail: String,
    },
    #[error("log store {path}: writing the CSV export: {source}")]
    Export {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use appliance::Action;

    fn event(secs: i64, engine: Engine, ip: [u8; 4]) -> Event {
        Event {
            time: Instant::from_secs(secs),
            engine,
            action: Action::Block,
            src_ip: Ipv4Addr::from(ip),
            src_mac: "02:00:00:00:00:01".into(),
            dst_ip: Ipv4Addr::new(203, 0, 113, 7),
            dst_port: 443,
            host: None,
            url: None,
            reasons: vec![],
        }
    }

    #[test]
    fn default_filter_matches_everything() {
        let f = EventFilter::default();
        assert!(f.matches(&event(i64::MIN / 2_000_000, Engine::Ips, [10, 0, 0, 1])));
        assert!(f.matches(&event(0, Engine::Cnc, [0, 0, 0, 0])));
    }

    #[test]
    fn time_range_is_half_open() {
        let f = EventFilter {
            from: Some(Instant::from_secs(10)),
            until: Some(Instant::from_secs(20)),
            ..Default::default()
        };
        let at = |s| f.matches(&event(s, Engine::Ips, [10, 0, 0, 1]));
        assert!(!at(9));
        assert!(at(10));
        assert!(at(19));
        assert!(!at(20));
    }

    #[test]
    fn engine_and_ip_narrow() {
        let f = EventFilter {
            engine: Some(Engine::Cnc),
            src_ip: Some(Ipv4Addr::new(192, 168, 1, 10)),
            ..Default::default()
        };
        assert!(f.matches(&event(0, Engine::Cnc, [192, 168, 1, 10])));
        assert!(!f.matches(&event(0, Engine::Ips, [192, 168, 1, 10])));
        assert!(!f.matches(&event(0, Engine::Cnc, [192, 168, 1, 11])));
    }

    #[test]
    fn export_defaults_follow_the_product() {
        let o = ExportOptions::default();
        assert_eq!(o.cap, 5_000);
        assert_eq!(o.keep, CapKeep::Newest);
        assert_eq!(RAW_RETENTION_DAYS, 62);
    }
}
