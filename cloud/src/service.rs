//! The cloud of one gateway, on its driver's clock: what the service does
//! with the events the box sends.
//!
//! As the driver's clock advances the service records the gateway's events
//! and folds allowed traffic into statistics, records how long the gateway
//! was online, and enforces retention (raw logs 62 days, statistics 180
//! days) once per JST day. When the clock passes the first of a month it
//! hands back the past month's report mail for the office's admin
//! (月1回、メールにてお客様へのレポート配信); the driver delivers it.

use crate::labels::Lang;
use crate::report::mail::{self, ReportMail};
use crate::report::{Month, MonthlyReport, OfficeInfo};
use crate::store::stats::{day_start, jst_day};
use crate::store::{LogStore, SqliteStore};
use anyhow::{Context, Result};
use appliance::{AccessRecord, Event, Instant};
use chrono::NaiveDate;
use std::path::Path;

/// One gateway's cloud: its log store, its uptime, its retention and its
/// monthly report mail.
pub struct Service {
    pub store: SqliteStore,
    /// Who the reports are for.
    pub office: OfficeInfo,
    /// Uptime is recorded up to here.
    reported_until: Instant,
    /// The JST day retention last ran on.
    retention_day: Option<NaiveDate>,
    /// The month whose report is mailed when the clock reaches its end.
    report_month: Month,
    /// The language of the report mails (Japanese unless changed).
    pub report_lang: Lang,
}

impl Service {
    /// A service over `store` whose clock starts at `now`.
    pub fn new(store: SqliteStore, office: OfficeInfo, now: Instant) -> Service {
        Service {
            store,
            office,
            reported_until: now,
            retention_day: None,
            report_month: Month::of(jst_day(now)),
            report_lang: Lang::default(),
        }
    }

    /// The gateway has been in service and online since `since` (before
    /// the clock's start): the next [`Service::advance`] records that span
    /// as uptime. Reports are still mailed only from the start's month on.
    pub fn online_since(mut self, since: Instant) -> Service {
        self.reported_until = self.reported_until.min(since);
        self
    }

    /// A service with an in-memory log store.
    pub fn in_memory(office: OfficeInfo, now: Instant) -> Result<Service> {
        let store = SqliteStore::in_memory().context("opening the in-memory log store")?;
        Ok(Service::new(store, office, now))
    }

    /// A service whose log store is the SQLite file at `path`, created
    /// afresh (an old file and its WAL are removed first).
    pub fn with_store_file(office: OfficeInfo, now: Instant, path: &Path) -> Result<Service> {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("removing old {}", path.display()));
                }
            }
        }
        let store =
            SqliteStore::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Service::new(store, office, now))
    }

    /// Stores what the gateway sent: its events as log rows, its allowed
    /// traffic as statistics only.
    pub fn receive(&mut self, events: &[Event], access: &[AccessRecord]) -> Result<()> {
        if !events.is_empty() {
            self.store
                .record(events)
                .context("recording gateway events")?;
        }
        if !access.is_empty() {
            self.store
                .record_access(access)
                .context("recording access statistics")?;
        }
        Ok(())
    }

    /// Moves the service's clock to `now`: records the gateway's uptime
    /// (`offline` are its offline periods, an open one ending `None`),
    /// enforces retention once per JST day, and returns the report mail of
    /// every month that ended by now.
    pub fn advance(
        &mut self,
        now: Instant,
        offline: &[(Instant, Option<Instant>)],
    ) -> Result<Vec<ReportMail>> {
        self.record_uptime(now, offline)?;
        let today = jst_day(now);
        if self.retention_day != Some(today) {
            self.retention_day = Some(today);
            self.store
                .apply_retention(now)
                .context("enforcing log retention")?;
        }
        Ok(self.monthly_reports(now))
    }

    /// The report of `month` from the statistics.
    pub fn report(&self, month: Month) -> MonthlyReport {
        MonthlyReport::build(&self.store, &self.office, month)
    }

    /// The report mail of every month that ended by `now`.
    fn monthly_reports(&mut self, now: Instant) -> Vec<ReportMail> {
        let mut mails = Vec::new();
        loop {
            let due = day_start(self.report_month.next().first_day());
            if now < due {
                return mails;
            }
            let report = self.report(self.report_month);
            mails.push(mail::compose(&report, self.report_lang, due));
            self.report_month = self.report_month.next();
        }
    }

    /// Records `[reported_until, now)` as online or offline time, following
    /// the gateway's offline periods.
    fn record_uptime(
        &mut self,
        now: Instant,
        offline: &[(Instant, Option<Instant>)],
    ) -> Result<()> {
        let mut t = self.reported_until;
        if now <= t {
            return Ok(());
        }
        for &(from, until) in offline {
            let until = until.unwrap_or(now).min(now);
            if until <= t {
                continue;
            }
            let from = from.max(t);
            if from > t {
                self.store.record_uptime(t, from, true)?;
            }
            if until > from {
                self.store.record_uptime(from, until, false)?;
            }
            t = until;
        }
        if t < now {
            self.store.record_uptime(t, now, true)?;
        }
        self.reported_until = now;
        Ok(())
    }
}
