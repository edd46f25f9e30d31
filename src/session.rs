//! A session: one scenario's world running on the virtual clock, with the
//! gateway's events recorded in its log store as they happen.
//!
//! The CLI, the cucumber steps and the benches all drive scenarios through
//! this, so "run a scenario" means the same thing everywhere.
//!
//! As the virtual clock advances the session also does what the cloud side
//! of the service does: it folds allowed traffic into statistics, records how
//! long the gateway was online, and enforces retention (raw logs 62 days,
//! statistics 180 days) on the virtual clock. When the clock passes the
//! first of a month it mails the past month's report to the office's admin
//! (月1回、メールにてお客様へのレポート配信).

use anyhow::{Context, Result};
use appliance::Instant;
use appliance::report::{Lang, Month, MonthlyReport, mail};
use appliance::store::stats::{day_start, jst_day};
use appliance::store::{LogStore, SqliteStore};
use chrono::NaiveDate;
use std::path::Path;
use std::time::Duration;
use twin::model::Scenario;
use twin::world::{World, WorldOptions};

/// How far the world runs between two progress callbacks and store writes.
const SLICE: Duration = Duration::from_secs(10 * 60);

pub struct Session {
    pub scenario: Scenario,
    pub world: World,
    pub store: SqliteStore,
    /// Uptime is recorded up to here.
    reported_until: Instant,
    /// The JST day retention last ran on.
    retention_day: Option<NaiveDate>,
    /// The month whose report is mailed when the clock reaches its end.
    report_month: Month,
    /// The language of the report mails (Japanese unless changed).
    pub report_lang: Lang,
}

impl Session {
    /// A session with an in-memory log store.
    pub fn new(scenario: Scenario, options: WorldOptions) -> Result<Session> {
        let store = SqliteStore::in_memory().context("opening the in-memory log store")?;
        Session::with_store(scenario, options, store)
    }

    /// A session whose log store is the SQLite file at `path` (created afresh).
    pub fn with_store_file(
        scenario: Scenario,
        options: WorldOptions,
        path: &Path,
    ) -> Result<Session> {
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
        Session::with_store(scenario, options, store)
    }

    fn with_store(
        scenario: Scenario,
        options: WorldOptions,
        store: SqliteStore,
    ) -> Result<Session> {
        let world = World::new(&scenario, options)
            .with_context(|| format!("building the world of scenario {}", scenario.id))?;
        let reported_until = world.now();
        let report_month = Month::of(jst_day(reported_until));
        Ok(Session {
            scenario,
            world,
            store,
            reported_until,
            retention_day: None,
            report_month,
            report_lang: Lang::default(),
        })
    }

    pub fn now(&self) -> Instant {
        self.world.now()
    }

    /// Runs until `until`, recording events; `progress` hears the virtual time
    /// after each slice.
    pub fn run_until_with(
        &mut self,
        until: Instant,
        progress: &mut dyn FnMut(Instant),
    ) -> Result<()> {
        while self.world.now() < until {
            let next = (self.world.now() + SLICE).min(until);
            self.world.run_until(next);
            self.flush()?;
            if let Some(failure) = self.world.gateway_failure() {
                anyhow::bail!("the gateway under test failed: {failure}");
            }
            progress(self.world.now());
        }
        self.flush()
    }

    pub fn run_until(&mut self, until: Instant) -> Result<()> {
        self.run_until_with(until, &mut |_| {})
    }

    pub fn run_for(&mut self, duration: Duration) -> Result<()> {
        let until = self.world.now() + duration;
        self.run_until(until)
    }

    /// Runs to the scenario's end.
    pub fn run_to_end(&mut self) -> Result<()> {
        let end = self.world.end();
        self.run_until(end)
    }

    /// Moves the gateway's pending events and allowed-traffic records into
    /// the store, records its uptime and enforces retention.
    fn flush(&mut self) -> Result<()> {
        let events = self.world.drain_events();
        if !events.is_empty() {
            self.store
                .record(&events)
                .context("recording gateway events")?;
        }
        let access = self.world.drain_access();
        if !access.is_empty() {
            self.store
                .record_access(&access)
                .context("recording access statistics")?;
        }
        self.record_uptime()?;
        let now = self.world.now();
        let today = jst_day(now);
        if self.retention_day != Some(today) {
            self.retention_day = Some(today);
            self.store
                .apply_retention(now)
                .context("enforcing log retention")?;
        }
        self.mail_monthly_reports();
        Ok(())
    }

    /// Mails the report of every month that ended by now to the admin.
    fn mail_monthly_reports(&mut self) {
        loop {
            let due = day_start(self.report_month.next().first_day());
            if self.world.now() < due {
                return;
            }
            let office = crate::report_cmd::office_info(&self.scenario);
            let report = MonthlyReport::build(&self.store, &office, self.report_month);
            let m = mail::compose(&report, self.report_lang, due);
            self.world.post_mail(twin::world::StoredMail {
                received: m.time,
                from: m.from,
                to: m.to,
                subject: m.subject,
                raw: m.raw,
            });
            self.report_month = self.report_month.next();
        }
    }

    /// Records `[reported_until, now)` as online or offline time, following
    /// the world's offline periods.
    fn record_uptime(&mut self) -> Result<()> {
        let now = self.world.now();
        let mut t = self.reported_until;
        if now <= t {
            return Ok(());
        }
        for (from, until) in self.world.gateway_offline_periods() {
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
