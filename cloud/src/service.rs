//! The cloud of one gateway, on its driver's clock: what the service does
//! with the events the box sends.
//!
//! As the driver's clock advances the service records the gateway's events
//! and folds allowed traffic into statistics, records how long the gateway
//! was online, and enforces retention (raw logs 62 days, statistics 180
//! days) once per JST day. When the clock passes the first of a month it
//! hands back the past month's report mail for the office's admin
//! (月1回、メールにてお客様へのレポート配信); the driver delivers it.
//!
//! With the endpoint option ([`Service::with_endpoint`], seed 002) it also
//! records what the agents on the office's PCs send
//! ([`Service::receive_endpoint`]) in an [`EndpointStore`] (the same SQLite
//! file as the log store when there is one, else memory), ages it with the
//! same daily retention (180 days), and at each month's end hands back the
//! endpoint report's mail right after the gateway report's.
//!
//! With Cloud App Security ([`Service::with_app_security`], seed 003) it
//! records what the scan of the office's cloud mail and storage detected
//! ([`Service::receive_app_security`]) in an [`AppSecurityStore`] (the same
//! file again, else memory), notes each JST day it watched (so a month
//! without a detection still has its report), ages it daily (180 days), and
//! at each month's end hands back the Cloud App Security report's mail after
//! the gateway's (and the endpoint report's).

use crate::app_security::{AppSecurityEvent, AppSecurityReport, AppSecurityStore};
use crate::endpoint::{AgentStatus, EndpointEvent, EndpointReport, EndpointStore, Licence};
use crate::labels::Lang;
use crate::report::mail::{self, ReportMail};
use crate::report::{Month, MonthlyReport, OfficeInfo};
use crate::store::stats::{day_start, jst_day};
use crate::store::{LogStore, SqliteStore};
use anyhow::{Context, Result};
use appliance::{AccessRecord, Event, Instant};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

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
    /// The log store's file, if it has one (the endpoint tables go there too).
    store_path: Option<PathBuf>,
    /// The endpoint option, when the office has it.
    endpoint: Option<EndpointOption>,
    /// Cloud App Security's store, or why it could not be opened (reported
    /// by the first [`Service::receive_app_security`]); `None` without the
    /// option.
    app_security: Option<std::result::Result<AppSecurityStore, String>>,
}

/// The office's endpoint option: its licence and the agents' store.
struct EndpointOption {
    licence: Licence,
    /// The store, or why it could not be opened (reported by the first
    /// [`Service::receive_endpoint`]).
    store: std::result::Result<EndpointStore, String>,
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
            store_path: None,
            endpoint: None,
            app_security: None,
        }
    }

    /// The office has the endpoint option with `licence` (seed 002): the
    /// agents' events and statuses are kept beside the log store (in its
    /// SQLite file when it has one, else in memory) and the endpoint report
    /// is mailed monthly. Without it nothing endpoint-related is produced.
    pub fn with_endpoint(mut self, licence: Licence) -> Service {
        let store = match &self.store_path {
            Some(path) => EndpointStore::open(path),
            None => EndpointStore::in_memory(),
        }
        .and_then(|mut store| store.set_licence(&licence).map(|()| store))
        .map_err(|e| e.to_string());
        self.endpoint = Some(EndpointOption { licence, store });
        self
    }

    /// The endpoint option's licence, when the office has the option.
    pub fn endpoint_licence(&self) -> Option<&Licence> {
        self.endpoint.as_ref().map(|e| &e.licence)
    }

    /// The endpoint store, when the office has the option and it opened.
    pub fn endpoint_store(&self) -> Option<&EndpointStore> {
        self.endpoint.as_ref().and_then(|e| e.store.as_ref().ok())
    }

    /// Stores what the endpoint agents sent since the last call: their
    /// detections, and the status of every agent at `now` (kept as the
    /// status of `now`'s JST day; the day's last call wins). Without the
    /// endpoint option it does nothing. Call it before [`Service::advance`]
    /// for the same `now`, so a month's last slice is in its report.
    pub fn receive_endpoint(
        &mut self,
        now: Instant,
        events: &[EndpointEvent],
        agents: &[AgentStatus],
    ) -> Result<()> {
        let Some(option) = self.endpoint.as_mut() else {
            return Ok(());
        };
        let store = option
            .store
            .as_mut()
            .map_err(|e| anyhow::anyhow!("the endpoint store: {e}"))?;
        if !events.is_empty() {
            store.record(events).context("recording endpoint events")?;
        }
        if !agents.is_empty() {
            store
                .record_statuses(jst_day(now), agents)
                .context("recording endpoint agent statuses")?;
        }
        Ok(())
    }

    /// The endpoint report of `month`; `None` without the endpoint option
    /// (or when its store could not be opened).
    pub fn endpoint_report(&self, month: Month) -> Option<EndpointReport> {
        let option = self.endpoint.as_ref()?;
        let store = option.store.as_ref().ok()?;
        Some(EndpointReport::build(
            store,
            &self.office,
            &option.licence,
            month,
        ))
    }

    /// The office has Cloud App Security (seed 003): the scan's detections
    /// are kept beside the log store (in its SQLite file when it has one,
    /// else in memory) and its report is mailed monthly, from the clock's
    /// month on. Without it nothing of the option is produced.
    pub fn with_app_security(mut self) -> Service {
        let today = jst_day(self.reported_until);
        let store = match &self.store_path {
            Some(path) => AppSecurityStore::open(path),
            None => AppSecurityStore::in_memory(),
        }
        .and_then(|mut store| store.watch(today).map(|()| store))
        .map_err(|e| e.to_string());
        self.app_security = Some(store);
        self
    }

    /// Cloud App Security's store, when the office has the option and it
    /// opened.
    pub fn app_security_store(&self) -> Option<&AppSecurityStore> {
        self.app_security.as_ref().and_then(|s| s.as_ref().ok())
    }

    /// Stores what the Cloud App Security scan detected since the last
    /// call. Without the option it does nothing. Call it before
    /// [`Service::advance`] for the same moment, so a month's last
    /// detections are in its report.
    pub fn receive_app_security(&mut self, events: &[AppSecurityEvent]) -> Result<()> {
        let Some(store) = self.app_security.as_mut() else {
            return Ok(());
        };
        let store = store
            .as_mut()
            .map_err(|e| anyhow::anyhow!("the Cloud App Security store: {e}"))?;
        if !events.is_empty() {
            store
                .record(events)
                .context("recording Cloud App Security detections")?;
        }
        Ok(())
    }

    /// The Cloud App Security report of `month`; `None` without the option
    /// (or when its store could not be opened).
    pub fn app_security_report(&self, month: Month) -> Option<AppSecurityReport> {
        let store = self.app_security_store()?;
        Some(AppSecurityReport::build(store, &self.office, month))
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
        let mut service = Service::new(store, office, now);
        service.store_path = Some(path.to_path_buf());
        Ok(service)
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
    /// every month that ended by now (with the endpoint option, each
    /// month's gateway report mail followed by its endpoint report mail, then
    /// with Cloud App Security its report mail).
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
            if let Some(store) = self.endpoint.as_mut().and_then(|e| e.store.as_mut().ok()) {
                store
                    .apply_retention(now)
                    .context("enforcing endpoint retention")?;
            }
            if let Some(Ok(store)) = self.app_security.as_mut() {
                store
                    .watch(today)
                    .context("noting the Cloud App Security day")?;
                store
                    .apply_retention(now)
                    .context("enforcing Cloud App Security retention")?;
            }
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
            if let Some(report) = self.endpoint_report(self.report_month) {
                mails.push(crate::endpoint::mail::compose(
                    &report,
                    self.report_lang,
                    due,
                ));
            }
            if let Some(report) = self.app_security_report(self.report_month) {
                mails.push(crate::app_security::mail::compose(
                    &report,
                    self.report_lang,
                    due,
                ));
            }
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
