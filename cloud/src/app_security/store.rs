//! The Cloud App Security store: the scan's detections in SQLite, and the
//! questions its monthly report and the console ask.
//!
//! Two tables, created if missing in whatever SQLite file they are given
//! (the service keeps them in the gateway's log file, beside its own and the
//! endpoint option's: one file per office, so `officetwin console --store
//! FILE` rebuilds every report of any month from it):
//!
//! - `app_security_events`: one row per [`AppSecurityEvent`], with its JST
//!   day number (`day`, as the statistics keep it) for the report's month
//!   ranges; enum columns hold the variants' codes.
//! - `app_security_option`: one row saying the office has the option, and
//!   the JST days the service watched it (first and last): a month with no
//!   detection at all still has its report (all ten applications at 0), so
//!   the archive's months come from here, not from the events alone.
//!
//! Retention: 180 days ([`APP_SECURITY_RETENTION_DAYS`]), the statistics'
//! window, as for the endpoint store: every month the archive offers for the
//! gateway's report it offers for this one. The store never reads the wall
//! clock; the cutoff comes from the caller.

use super::{Action, AppSecurityEvent, Application, Detection, ObjectKind, RiskLevel};
use crate::store::stats::{day_from_number, day_number, jst_day};
use crate::store::{STATS_RETENTION_DAYS, StoreError};
use appliance::Instant;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Days the detections are kept (the statistics' 180 days).
pub const APP_SECURITY_RETENTION_DAYS: u32 = STATS_RETENTION_DAYS;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS app_security_events (
    id          INTEGER PRIMARY KEY,
    time_us     INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    application TEXT    NOT NULL,
    user        TEXT    NOT NULL,
    detection   TEXT    NOT NULL,
    object      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    threat      TEXT    NOT NULL,
    risk        TEXT,
    action      TEXT    NOT NULL,
    policy      TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS app_security_events_detection_day
    ON app_security_events (detection, day);
CREATE INDEX IF NOT EXISTS app_security_events_day ON app_security_events (day);
CREATE TABLE IF NOT EXISTS app_security_option (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    first_day INTEGER NOT NULL,
    last_day  INTEGER NOT NULL
);
";

const EVENT_COLUMNS: &str =
    "time_us, application, user, detection, object, name, threat, risk, action, policy, reason";

/// A span of JST days, `from` included, `until` excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Days {
    fn numbers(self) -> (i64, i64) {
        (day_number(self.from), day_number(self.until))
    }
}

/// One user's detections of one function in a span of days: how many, and
/// how they split by what they were found in and by what was done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserTally {
    /// The mail address, as the scan recorded it.
    pub user: String,
    pub count: u64,
    pub objects: BTreeMap<ObjectKind, u64>,
    pub actions: BTreeMap<Action, u64>,
}

/// One function's detections in a span of days, per user: most first,
/// equal counts by address (byte order), so the same store always gives the
/// same rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every detection of the function in the span.
    pub total: u64,
    /// Every user, in the report's order.
    pub users: Vec<UserTally>,
}

/// The Cloud App Security tables of one SQLite file (or of memory).
pub struct AppSecurityStore {
    conn: Connection,
    path: String,
}

impl AppSecurityStore {
    /// The tables in memory.
    pub fn in_memory() -> Result<AppSecurityStore, StoreError> {
        let (conn, shown) = crate::store::connect(None)?;
        AppSecurityStore::init(conn, shown)
    }

    /// The tables in the SQLite file at `path` (created if missing; a
    /// gateway log store's file is fine: the tables sit beside its own).
    pub fn open(path: impl AsRef<Path>) -> Result<AppSecurityStore, StoreError> {
        let (conn, shown) = crate::store::connect(Some(path.as_ref()))?;
        AppSecurityStore::init(conn, shown)
    }

    /// The tables of the SQLite file at `path`, read-only (nothing is
    /// created or changed; through `store::connect_read_only`); `None`
    /// when the file has no Cloud App Security option (no option row).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Option<AppSecurityStore>, StoreError> {
        let (conn, shown) = crate::store::connect_read_only(path.as_ref())?;
        let store = AppSecurityStore { conn, path: shown };
        let tables: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN \
                 ('app_security_events', 'app_security_option')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| store.sql(e))?;
        if tables < 2 || store.watched()?.is_none() {
            return Ok(None);
        }
        Ok(Some(store))
    }

    fn init(conn: Connection, path: String) -> Result<AppSecurityStore, StoreError> {
        let store = AppSecurityStore { conn, path };
        store.conn.execute_batch(SCHEMA).map_err(|e| store.sql(e))?;
        Ok(store)
    }

    fn sql(&self, error: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            error,
        }
    }

    /// Notes that the service watched the office's applications on `day`
    /// (the first call makes the option row): the span of days a report
    /// can be made for grows to include it.
    pub fn watch(&mut self, day: NaiveDate) -> Result<(), StoreError> {
        let n = day_number(day);
        self.conn
            .execute(
                "INSERT INTO app_security_option (id, first_day, last_day) VALUES (1, ?1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET first_day = MIN(first_day, ?1), \
                 last_day = MAX(last_day, ?1)",
                [n],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    /// The first and last JST day the service watched, `None` without the
    /// option.
    pub fn watched(&self) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT first_day, last_day FROM app_security_option WHERE id = 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(row.and_then(|(a, b)| Some((day_from_number(a)?, day_from_number(b)?))))
    }

    /// Records detections, in one transaction.
    pub fn record(&mut self, events: &[AppSecurityEvent]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |error| StoreError::Sqlite {
            path: path.clone(),
            error,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO app_security_events (day, {EVENT_COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                ))
                .map_err(wrap)?;
            for e in events {
                insert
                    .execute(params![
                        day_number(jst_day(e.at)),
                        e.at.as_micros(),
                        e.application.code(),
                        e.user,
                        e.detection.code(),
                        e.object.code(),
                        e.name,
                        e.threat,
                        e.risk.map(RiskLevel::code),
                        e.action.code(),
                        e.policy,
                        e.reason,
                    ])
                    .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// Removes detections older than [`APP_SECURITY_RETENTION_DAYS`] before
    /// `now`'s JST day (rows of that cutoff day itself stay), and moves the
    /// watched span's start up to the cutoff: a month wholly before it has
    /// no report any more. Returns the detections removed.
    pub fn apply_retention(&mut self, now: Instant) -> Result<u64, StoreError> {
        let cutoff =
            jst_day(now - Duration::from_secs(u64::from(APP_SECURITY_RETENTION_DAYS) * 86_400));
        let cutoff = day_number(cutoff);
        let removed = self
            .conn
            .execute("DELETE FROM app_security_events WHERE day < ?1", [cutoff])
            .map_err(|e| self.sql(e))?;
        self.conn
            .execute(
                "UPDATE app_security_option SET first_day = ?1 WHERE first_day < ?1",
                [cutoff],
            )
            .map_err(|e| self.sql(e))?;
        Ok(removed as u64)
    }

    /// Detections in `days` per application and protection (pairs without
    /// any are left out; an unknown stored code is left out).
    pub fn by_application(
        &self,
        days: Days,
    ) -> Result<BTreeMap<(Application, super::Protection), u64>, StoreError> {
        let (from, until) = days.numbers();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT application, detection, COUNT(*) FROM app_security_events \
                 WHERE day >= ?1 AND day < ?2 GROUP BY application, detection",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![from, until], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        let mut out = BTreeMap::new();
        for (app, detection, n) in rows {
            let (Some(app), Some(d)) = (
                Application::from_code(&app),
                Detection::from_code(&detection),
            ) else {
                continue;
            };
            *out.entry((app, d.protection())).or_insert(0) += n;
        }
        Ok(out)
    }

    /// `detection`'s detections in `days` per user, with each user's split
    /// by object kind and action: the report's top users (the first
    /// `limit` of [`Tally::users`] are the top-N), the mail/storage split of
    /// data-loss detections and the threats left in place. Rows with an
    /// unknown stored code count in the totals but in no split.
    pub fn tally(&self, detection: Detection, days: Days) -> Result<Tally, StoreError> {
        let (from, until) = days.numbers();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT user, object, action, COUNT(*) FROM app_security_events \
                 WHERE detection = ?1 AND day >= ?2 AND day < ?3 \
                 GROUP BY user, object, action",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![detection.code(), from, until], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)? as u64,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        let mut users: BTreeMap<String, UserTally> = BTreeMap::new();
        for (user, object, action, n) in rows {
            let u = users.entry(user.clone()).or_insert_with(|| UserTally {
                user,
                ..UserTally::default()
            });
            u.count += n;
            if let Some(o) = ObjectKind::from_code(&object) {
                *u.objects.entry(o).or_insert(0) += n;
            }
            if let Some(a) = Action::from_code(&action) {
                *u.actions.entry(a).or_insert(0) += n;
            }
        }
        let mut users: Vec<UserTally> = users.into_values().collect();
        // Most first; equal counts by address (the map gave byte order, a
        // stable sort keeps it).
        users.sort_by_key(|u| std::cmp::Reverse(u.count));
        Ok(Tally {
            total: users.iter().map(|u| u.count).sum(),
            users,
        })
    }

    /// Virtual analyzer detections in `days` per risk level (`None`: the
    /// scan recorded no level, or one this build does not know).
    pub fn risk_levels(&self, days: Days) -> Result<Vec<(Option<RiskLevel>, u64)>, StoreError> {
        let (from, until) = days.numbers();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT risk, COUNT(*) FROM app_security_events \
                 WHERE detection = ?1 AND day >= ?2 AND day < ?3 GROUP BY risk",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(
                params![Detection::VirtualAnalyzer.code(), from, until],
                |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .map(|(code, n)| (code.as_deref().and_then(RiskLevel::from_code), n))
            .collect())
    }

    /// `detection`'s detections in `days` whose action left the threat
    /// where it was (seed 003: anything but 隔離, 削除 or テキスト/ファイルで
    /// 置換), oldest first, at most `limit`, and how many there are in all.
    pub fn left_in_place(
        &self,
        detection: Detection,
        days: Days,
        limit: usize,
    ) -> Result<(Vec<AppSecurityEvent>, u64), StoreError> {
        let (from, until) = days.numbers();
        let kept: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| !a.removes_threat())
            .map(|a| a.code())
            .collect();
        let list = kept
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let filter = format!("detection = ?1 AND day >= ?2 AND day < ?3 AND action IN ({list})");
        let all: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM app_security_events WHERE {filter}"
            ))
            .and_then(|mut s| s.query_row(params![detection.code(), from, until], |r| r.get(0)))
            .map_err(|e| self.sql(e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let events = self.events_where(
            &format!("{filter} ORDER BY time_us, id LIMIT ?4"),
            params![detection.code(), from, until, limit],
        )?;
        Ok((events, all as u64))
    }

    /// The newest `limit` detections kept, newest first (the console).
    pub fn newest(&self, limit: usize) -> Result<Vec<AppSecurityEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.events_where("1 = 1 ORDER BY time_us DESC, id DESC LIMIT ?1", [limit])
    }

    fn events_where(
        &self,
        filter: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<AppSecurityEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM app_security_events WHERE {filter}"
            ))
            .map_err(|e| self.sql(e))?;
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map(args, |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(at, app, user, detection, object, name, threat, risk, action, policy, reason)| {
                    Some(AppSecurityEvent {
                        at: Instant::from_micros(at),
                        application: Application::from_code(&app)?,
                        user,
                        detection: Detection::from_code(&detection)?,
                        object: ObjectKind::from_code(&object)?,
                        name,
                        threat,
                        risk: risk.as_deref().and_then(RiskLevel::from_code),
                        action: Action::from_code(&action)?,
                        policy,
                        reason,
                    })
                },
            )
            .collect())
    }

    /// Every JST day with a detection, oldest first.
    pub fn days(&self) -> Result<Vec<NaiveDate>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT day FROM app_security_events ORDER BY day")
            .map_err(|e| self.sql(e))?;
        let days = stmt
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(days.into_iter().filter_map(day_from_number).collect())
    }

    /// Every detection kept, oldest first (tests and exports).
    pub fn all(&self) -> Result<Vec<AppSecurityEvent>, StoreError> {
        self.events_where("1 = 1 ORDER BY time_us, id", [])
    }
}
