//! The endpoint store: the agents' detections and their daily statuses in
//! SQLite, and the questions the endpoint report and the console ask.
//!
//! Two tables, created if missing in whatever SQLite file they are given
//! (the service keeps them in the gateway's log file, beside its tables:
//! one file per office, so `officetwin console --store FILE` rebuilds both
//! reports of any month from it):
//!
//! - `endpoint_events`: one row per [`EndpointEvent`], with its JST day
//!   number (`day`, as the statistics keep it) for the report's day and
//!   month ranges; enum columns hold the variants' codes.
//! - `endpoint_agents`: one row per agent per JST day (primary key `day,
//!   endpoint`): the [`AgentStatus`] last written that day (a later write
//!   replaces it), so the report can draw the daily trends of offline and
//!   outdated agents and name the endpoints of a month.
//! - `endpoint_licence`: the office's licence (one row), so a console on
//!   the file alone knows the option is there and which report to build.
//!
//! Retention: 180 days ([`ENDPOINT_RETENTION_DAYS`]), the statistics' window
//! (`store::STATS_RETENTION_DAYS`), because the endpoint report is built
//! from these rows as the gateway's report is from its statistics: every
//! month the archive offers for one report it offers for the other.
//! The store never reads the wall clock; the cutoff comes from the caller.

use super::{
    AgentStatus, DeviceKind, EdrStatus, EndpointEvent, Feature, Licence, Product, Protections,
    ScanKind,
};
use crate::store::stats::{day_from_number, day_number, jst_day};
use crate::store::{STATS_RETENTION_DAYS, StoreError};
use appliance::Instant;
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use std::path::Path;
use std::time::Duration;

/// Days the endpoint rows are kept (the statistics' 180 days).
pub const ENDPOINT_RETENTION_DAYS: u32 = STATS_RETENTION_DAYS;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS endpoint_events (
    id       INTEGER PRIMARY KEY,
    time_us  INTEGER NOT NULL,
    day      INTEGER NOT NULL,
    endpoint TEXT    NOT NULL,
    device   TEXT    NOT NULL,
    feature  TEXT    NOT NULL,
    threat   TEXT    NOT NULL,
    object   TEXT    NOT NULL,
    scan     TEXT,
    action   TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    status   TEXT
);
CREATE INDEX IF NOT EXISTS endpoint_events_feature_day ON endpoint_events (feature, day);
CREATE INDEX IF NOT EXISTS endpoint_events_endpoint ON endpoint_events (endpoint, time_us);
CREATE TABLE IF NOT EXISTS endpoint_agents (
    day              INTEGER NOT NULL,
    endpoint         TEXT    NOT NULL,
    device           TEXT    NOT NULL,
    os               TEXT    NOT NULL,
    os_supported     INTEGER NOT NULL,
    program          TEXT    NOT NULL,
    pattern_version  TEXT    NOT NULL,
    pattern_day      INTEGER NOT NULL,
    up_to_date       INTEGER NOT NULL,
    last_contact_us  INTEGER NOT NULL,
    real_time        INTEGER NOT NULL,
    behaviour        INTEGER NOT NULL,
    machine_learning INTEGER NOT NULL,
    web_reputation   INTEGER NOT NULL,
    url_filter       INTEGER NOT NULL,
    edr              INTEGER NOT NULL,
    isolated         INTEGER NOT NULL,
    PRIMARY KEY (day, endpoint)
);
CREATE TABLE IF NOT EXISTS endpoint_licence (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    product TEXT    NOT NULL,
    seats   INTEGER NOT NULL
);
";

const EVENT_COLUMNS: &str =
    "time_us, endpoint, device, feature, threat, object, scan, action, reason, status";

const AGENT_COLUMNS: &str = "day, endpoint, device, os, os_supported, program, pattern_version, \
     pattern_day, up_to_date, last_contact_us, real_time, behaviour, machine_learning, \
     web_reputation, url_filter, edr, isolated";

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

/// Which devices a top-N counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Devices {
    /// Every device kind.
    All,
    /// PCs and mobiles (the report's 「エンドポイント」 beside its servers).
    NotServers,
    /// Servers only.
    Servers,
}

/// What a top-N counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Endpoint,
    Threat,
    Object,
}

impl Column {
    fn sql(self) -> &'static str {
        match self {
            Column::Endpoint => "endpoint",
            Column::Threat => "threat",
            Column::Object => "object",
        }
    }
}

/// A top-N: its rows, most first (ties by name), and what all rows add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Top {
    /// All detections counted, not only the rows'.
    pub total: u64,
    /// Distinct keys.
    pub keys: u64,
    pub rows: Vec<Count>,
}

/// One row of a top-N or a tally.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// One agent's status on one JST day (the day's last write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentDay {
    pub day: NaiveDate,
    pub status: AgentStatus,
}

/// One row of the EDR part's objects list (1-5): an object with what was
/// done to it, where, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EdrObject {
    pub object: String,
    pub threat: String,
    pub endpoint: String,
    pub action: super::Action,
    pub status: Option<EdrStatus>,
    pub count: u64,
    /// The first detection, JST.
    pub first: String,
}

/// What retention removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointPurged {
    pub events: u64,
    pub statuses: u64,
}

/// The endpoint tables of one SQLite file (or of memory).
pub struct EndpointStore {
    conn: Connection,
    path: String,
}

impl EndpointStore {
    /// The tables in memory.
    pub fn in_memory() -> Result<EndpointStore, StoreError> {
        let (conn, shown) = crate::store::connect(None)?;
        EndpointStore::init(conn, shown)
    }

    /// The tables in the SQLite file at `path` (created if missing; a
    /// gateway log store's file is fine: the tables sit beside its own).
    pub fn open(path: impl AsRef<Path>) -> Result<EndpointStore, StoreError> {
        let (conn, shown) = crate::store::connect(Some(path.as_ref()))?;
        EndpointStore::init(conn, shown)
    }

    /// The endpoint tables of the SQLite file at `path`, read-only (nothing
    /// is created or changed); `None` when the file has no endpoint option
    /// (no licence kept in it).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Option<EndpointStore>, StoreError> {
        let (conn, shown) = crate::store::connect_read_only(path.as_ref())?;
        let store = EndpointStore { conn, path: shown };
        let tables: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN \
                 ('endpoint_events', 'endpoint_agents', 'endpoint_licence')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| store.sql(e))?;
        if tables < 3 || store.licence()?.is_none() {
            return Ok(None);
        }
        Ok(Some(store))
    }

    fn init(conn: Connection, path: String) -> Result<EndpointStore, StoreError> {
        let store = EndpointStore { conn, path };
        store.conn.execute_batch(SCHEMA).map_err(|e| store.sql(e))?;
        Ok(store)
    }

    fn sql(&self, error: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            error,
        }
    }

    /// Keeps the office's licence (replacing one kept before).
    pub fn set_licence(&mut self, licence: &Licence) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO endpoint_licence (id, product, seats) VALUES (1, ?1, ?2)",
                params![licence.product.code(), licence.seats],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    /// The office's licence, if one was kept (`None`: no endpoint option).
    pub fn licence(&self) -> Result<Option<Licence>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT product, seats FROM endpoint_licence WHERE id = 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(row.and_then(|(product, seats)| {
            Some(Licence {
                product: Product::from_code(&product)?,
                seats,
            })
        }))
    }

    /// Records detections, in one transaction.
    pub fn record(&mut self, events: &[EndpointEvent]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |error| StoreError::Sqlite {
            path: path.clone(),
            error,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO endpoint_events (day, {EVENT_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .map_err(wrap)?;
            for e in events {
                insert
                    .execute(params![
                        day_number(jst_day(e.at)),
                        e.at.as_micros(),
                        e.endpoint,
                        e.device.code(),
                        e.feature.code(),
                        e.threat,
                        e.object,
                        e.scan.map(ScanKind::code),
                        e.action.code(),
                        e.reason,
                        e.status.map(EdrStatus::code),
                    ])
                    .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// Records every agent's status on JST `day`; a status already written
    /// that day for the same agent is replaced (the day's last write wins).
    pub fn record_statuses(
        &mut self,
        day: NaiveDate,
        agents: &[AgentStatus],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |error| StoreError::Sqlite {
            path: path.clone(),
            error,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO endpoint_agents ({AGENT_COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
                ))
                .map_err(wrap)?;
            for a in agents {
                let p = a.protections;
                insert
                    .execute(params![
                        day_number(day),
                        a.endpoint,
                        a.device.code(),
                        a.os,
                        a.os_supported,
                        a.program,
                        a.pattern_version,
                        day_number(a.pattern_date),
                        a.up_to_date,
                        a.last_contact.as_micros(),
                        p.real_time,
                        p.behaviour,
                        p.machine_learning,
                        p.web_reputation,
                        p.url_filter,
                        p.edr,
                        a.isolated,
                    ])
                    .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// Removes what is older than [`ENDPOINT_RETENTION_DAYS`] before
    /// `now`'s JST day (rows of that cutoff day itself stay).
    pub fn apply_retention(&mut self, now: Instant) -> Result<EndpointPurged, StoreError> {
        let cutoff =
            jst_day(now - Duration::from_secs(u64::from(ENDPOINT_RETENTION_DAYS) * 86_400));
        let cutoff = day_number(cutoff);
        let events = self
            .conn
            .execute("DELETE FROM endpoint_events WHERE day < ?1", [cutoff])
            .map_err(|e| self.sql(e))?;
        let statuses = self
            .conn
            .execute("DELETE FROM endpoint_agents WHERE day < ?1", [cutoff])
            .map_err(|e| self.sql(e))?;
        Ok(EndpointPurged {
            events: events as u64,
            statuses: statuses as u64,
        })
    }

    /// Detections of `feature` in `days`.
    pub fn total(&self, feature: Feature, days: Days) -> Result<u64, StoreError> {
        let (from, until) = days.numbers();
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM endpoint_events WHERE feature = ?1 AND day >= ?2 AND day < ?3",
                params![feature.code(), from, until],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.sql(e))
    }

    /// The top `limit` keys of `column` among `feature`'s detections in
    /// `days` on `devices`: most first, equal counts by key.
    pub fn top(
        &self,
        feature: Feature,
        column: Column,
        devices: Devices,
        days: Days,
        limit: usize,
    ) -> Result<Top, StoreError> {
        let (from, until) = days.numbers();
        let device = match devices {
            Devices::All => "",
            Devices::NotServers => " AND device <> 'server'",
            Devices::Servers => " AND device = 'server'",
        };
        let col = column.sql();
        let sql = format!(
            "SELECT {col}, COUNT(*) AS n FROM endpoint_events \
             WHERE feature = ?1 AND day >= ?2 AND day < ?3{device} \
             GROUP BY {col} ORDER BY n DESC, {col} ASC"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let all = stmt
            .query_map(params![feature.code(), from, until], |r| {
                Ok(Count {
                    key: r.get(0)?,
                    count: r.get::<_, i64>(1)? as u64,
                })
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(Top {
            total: all.iter().map(|c| c.count).sum(),
            keys: all.len() as u64,
            rows: all.into_iter().take(limit).collect(),
        })
    }

    /// `feature`'s detections per JST day in `days` (days without any are
    /// left out).
    pub fn daily(&self, feature: Feature, days: Days) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        let (from, until) = days.numbers();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT day, COUNT(*) FROM endpoint_events \
                 WHERE feature = ?1 AND day >= ?2 AND day < ?3 GROUP BY day ORDER BY day",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![feature.code(), from, until], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(d, n)| day_from_number(d).map(|d| (d, n)))
            .collect())
    }

    /// `feature`'s detections in `days` by the value of `column` (`action`
    /// or `status`), as stored codes with counts.
    fn tally(
        &self,
        feature: Feature,
        column: &str,
        days: Days,
    ) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        let (from, until) = days.numbers();
        let sql = format!(
            "SELECT {column}, COUNT(*) FROM endpoint_events \
             WHERE feature = ?1 AND day >= ?2 AND day < ?3 GROUP BY {column}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        stmt.query_map(params![feature.code(), from, until], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(|e| self.sql(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql(e))
    }

    /// `feature`'s detections in `days` per action (actions without any
    /// are left out; an unknown stored code is counted under none).
    pub fn actions(
        &self,
        feature: Feature,
        days: Days,
    ) -> Result<Vec<(super::Action, u64)>, StoreError> {
        Ok(self
            .tally(feature, "action", days)?
            .into_iter()
            .filter_map(|(code, n)| {
                code.as_deref()
                    .and_then(super::Action::from_code)
                    .map(|a| (a, n))
            })
            .collect())
    }

    /// EDR detections in `days` per status (`None`: sent without one).
    pub fn edr_statuses(&self, days: Days) -> Result<Vec<(Option<EdrStatus>, u64)>, StoreError> {
        Ok(self
            .tally(Feature::SuspiciousActivity, "status", days)?
            .into_iter()
            .map(|(code, n)| (code.as_deref().and_then(EdrStatus::from_code), n))
            .collect())
    }

    /// The EDR part's objects (1-5): each object with its endpoint, threat,
    /// action and status, in the order first seen, at most `limit` rows,
    /// and how many rows there are in all.
    pub fn edr_objects(
        &self,
        days: Days,
        limit: usize,
    ) -> Result<(Vec<EdrObject>, u64), StoreError> {
        let (from, until) = days.numbers();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT object, threat, endpoint, action, status, COUNT(*), MIN(time_us) AS first \
                 FROM endpoint_events WHERE feature = ?1 AND day >= ?2 AND day < ?3 \
                 GROUP BY object, threat, endpoint, action, status \
                 ORDER BY first, object, endpoint",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(
                params![Feature::SuspiciousActivity.code(), from, until],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)? as u64,
                        r.get::<_, i64>(6)?,
                    ))
                },
            )
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        let all = rows.len() as u64;
        let objects = rows
            .into_iter()
            .filter_map(|(object, threat, endpoint, action, status, count, first)| {
                Some(EdrObject {
                    object,
                    threat,
                    endpoint,
                    action: super::Action::from_code(&action)?,
                    status: status.as_deref().and_then(EdrStatus::from_code),
                    count,
                    first: Instant::from_micros(first).jst_string(),
                })
            })
            .take(limit)
            .collect();
        Ok((objects, all))
    }

    /// Every agent's daily status in `days`, by day then endpoint.
    pub fn agent_days(&self, days: Days) -> Result<Vec<AgentDay>, StoreError> {
        let (from, until) = days.numbers();
        self.agents_where("day >= ?1 AND day < ?2", vec![from.into(), until.into()])
    }

    /// The newest status of every agent the store knows.
    pub fn latest_statuses(&self) -> Result<Vec<AgentStatus>, StoreError> {
        Ok(self
            .agents_where(
                "day = (SELECT MAX(day) FROM endpoint_agents AS b WHERE b.endpoint = endpoint_agents.endpoint)",
                Vec::new(),
            )?
            .into_iter()
            .map(|a| a.status)
            .collect())
    }

    fn agents_where(&self, filter: &str, args: Vec<Value>) -> Result<Vec<AgentDay>, StoreError> {
        let sql = format!(
            "SELECT {AGENT_COLUMNS} FROM endpoint_agents WHERE {filter} ORDER BY day, endpoint"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                let device: String = r.get(2)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    device,
                    AgentStatus {
                        endpoint: r.get(1)?,
                        device: DeviceKind::Desktop,
                        os: r.get(3)?,
                        os_supported: r.get(4)?,
                        program: r.get(5)?,
                        pattern_version: r.get(6)?,
                        pattern_date: day_from_number(r.get(7)?).unwrap_or_default(),
                        up_to_date: r.get(8)?,
                        last_contact: Instant::from_micros(r.get(9)?),
                        protections: Protections {
                            real_time: r.get(10)?,
                            behaviour: r.get(11)?,
                            machine_learning: r.get(12)?,
                            web_reputation: r.get(13)?,
                            url_filter: r.get(14)?,
                            edr: r.get(15)?,
                        },
                        isolated: r.get(16)?,
                    },
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(day, device, mut status)| {
                status.device = DeviceKind::from_code(&device)?;
                Some(AgentDay {
                    day: day_from_number(day)?,
                    status,
                })
            })
            .collect())
    }

    /// Every JST day the store holds a row of (events or statuses), oldest
    /// first: where the report archive finds its months.
    pub fn days(&self) -> Result<Vec<NaiveDate>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT day FROM endpoint_events UNION SELECT day FROM endpoint_agents ORDER BY 1",
            )
            .map_err(|e| self.sql(e))?;
        let days = stmt
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(days.into_iter().filter_map(day_from_number).collect())
    }

    /// The newest `limit` detections on `endpoint`, newest first.
    pub fn events_of(
        &self,
        endpoint: &str,
        limit: usize,
    ) -> Result<Vec<EndpointEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM endpoint_events WHERE endpoint = ?1 \
                 ORDER BY time_us DESC, id DESC LIMIT ?2"
            ))
            .map_err(|e| self.sql(e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![endpoint, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(at, endpoint, device, feature, threat, object, scan, action, reason, status)| {
                    Some(EndpointEvent {
                        at: Instant::from_micros(at),
                        endpoint,
                        device: DeviceKind::from_code(&device)?,
                        feature: Feature::from_code(&feature)?,
                        threat,
                        object,
                        scan: scan.as_deref().and_then(ScanKind::from_code),
                        action: super::Action::from_code(&action)?,
                        reason,
                        status: status.as_deref().and_then(EdrStatus::from_code),
                    })
                },
            )
            .collect())
    }

    /// Whether the store holds anything at all.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM endpoint_agents UNION ALL SELECT 1 FROM endpoint_events LIMIT 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|r| r.is_none())
            .map_err(|e| self.sql(e))
    }
}
