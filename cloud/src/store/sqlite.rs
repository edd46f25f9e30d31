//! The SQLite log store: one file per gateway, WAL mode, crash-safe.
//!
//! Schema (version [`SCHEMA_VERSION`], kept in `PRAGMA user_version`), one row
//! per event in table `events`:
//!
//! | column     | type    | holds |
//! |------------|---------|-------|
//! | `id`       | INTEGER PRIMARY KEY | insertion order, the tie-break for equal times |
//! | `time_us`  | INTEGER | microseconds since the Unix epoch, UTC ([`Instant`]) |
//! | `engine`   | TEXT    | snake_case engine name (`cnc`, `web_reputation`, ...) |
//! | `action`   | TEXT    | snake_case action name (`block`, `reject`, ...) |
//! | `src_ip`, `dst_ip` | TEXT | dotted quad |
//! | `src_mac`  | TEXT    | as in the event |
//! | `dst_port` | INTEGER | |
//! | `host`, `url` | TEXT NULL | NULL when absent |
//! | `reasons`  | TEXT    | the typed reason chain: each link as a JSON object (its `reason` kind and its fields, see `appliance::reason`), each followed by U+001F (unit separator) |
//!
//! Reasons use a terminator rather than a separator so that "no reasons" (``)
//! and "one empty reason" (`\u{1f}`) stay distinct; a U+001F or U+001B inside a
//! link is escaped with U+001B, so any text round-trips. Each link keeps its
//! facts as fields (a category's name, a rule's, a threat's), never only its
//! log text, so nothing reads a reason back by parsing words.
//! Names rather than numbers for engine and action keep the file readable with
//! the `sqlite3` shell and stable if an enum is reordered.
//!
//! Version 2 adds the statistics tables (see `sqlite/stats.rs`); a version-1
//! file gains them empty, so its statistics start at the upgrade. Version 3
//! stores typed reasons; the text reasons of an older file cannot be typed
//! after the fact, so an older file that holds events is refused with a
//! clear error (an empty one is upgraded).

mod mail;
mod sites;
mod stats;

use super::{
    CapKeep, EngineHostCount, EventFilter, ExportOptions, ExportSummary, LogStore, StoreError,
    export,
};
use crate::store::stats::{
    AccessDimension, AccessPage, DailyCount, DayUptime, Dimension, MailCount, Paging, SitesPage,
    StatsFilter, TopPage, Uninspected,
};
use appliance::AccessRecord;
use appliance::Instant;
use appliance::{Action, Engine, Event, Reason};
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use std::io::{BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

/// The schema this build writes; files with a higher `user_version` are refused.
pub const SCHEMA_VERSION: i64 = 4;

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS events (
    id       INTEGER PRIMARY KEY,
    time_us  INTEGER NOT NULL,
    engine   TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    src_ip   TEXT    NOT NULL,
    src_mac  TEXT    NOT NULL,
    dst_ip   TEXT    NOT NULL,
    dst_port INTEGER NOT NULL,
    host     TEXT,
    url      TEXT,
    reasons  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events (time_us);
CREATE INDEX IF NOT EXISTS events_engine_src ON events (engine, src_ip);
";

const INSERT: &str = "INSERT INTO events
    (time_us, engine, action, src_ip, src_mac, dst_ip, dst_port, host, url, reasons)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

const COLUMNS: &str =
    "id, time_us, engine, action, src_ip, src_mac, dst_ip, dst_port, host, url, reasons";

/// A console reading while the gateway's driver writes should wait, not fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite implementation of [`LogStore`].
pub struct SqliteStore {
    conn: Connection,
    /// The file's path, or `:memory:`, for error messages.
    path: String,
}

/// Errors inside the store before they learn the file's name.
enum Inner {
    Sql(rusqlite::Error),
    Corrupt {
        id: i64,
        detail: String,
    },
    Io(std::io::Error),
    /// A question the store keeps no answer to, and why.
    NotRecorded(&'static str),
}

impl From<rusqlite::Error> for Inner {
    fn from(e: rusqlite::Error) -> Self {
        Inner::Sql(e)
    }
}

impl From<std::io::Error> for Inner {
    fn from(e: std::io::Error) -> Self {
        Inner::Io(e)
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the store at `path`, in WAL mode with
    /// `synchronous=NORMAL`: after a crash the last commits may be lost but the
    /// file is never corrupt, which is what a log needs at insert speed.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let shown = path.as_ref().display().to_string();
        let conn = Connection::open(path.as_ref()).map_err(|error| StoreError::Open {
            path: shown.clone(),
            error,
        })?;
        let store = SqliteStore { conn, path: shown };
        // Refuse a newer file before touching it, not even to switch it to WAL.
        let version = store.user_version()?;
        store.check_version(version)?;
        let mode: String = store
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| store.sqlite(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal {
                path: store.path,
                mode,
            });
        }
        store.configure()?;
        store.migrate(version)?;
        Ok(store)
    }

    /// Opens an existing store read-only, for reading it (`report --store`):
    /// nothing is created, migrated or switched to WAL, and a file that is
    /// not one of our stores (another program's database) is refused
    /// untouched.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let (conn, shown) = connect_read_only(path.as_ref())?;
        let store = SqliteStore { conn, path: shown };
        let version = store.user_version()?;
        store.check_version(version)?;
        let has_events: bool = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| store.sqlite(e))?;
        if version == 0 || !has_events {
            return Err(StoreError::NotAStore {
                path: store.path,
                found: version,
            });
        }
        // Schema 3 differs only in its allowed-traffic statistics, which
        // are read as schema 4 keeps them (`stats::access_top_inner`).
        if version < 3 {
            return Err(StoreError::OlderSchema {
                path: store.path,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| store.sqlite(e))?;
        Ok(store)
    }

    /// A store that lives and dies with this value (tests, one-shot replays).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let path = ":memory:".to_string();
        let conn = Connection::open_in_memory().map_err(|error| StoreError::Open {
            path: path.clone(),
            error,
        })?;
        let store = SqliteStore { conn, path };
        store.configure()?;
        store.migrate(0)?;
        Ok(store)
    }

    /// The connection, for tests elsewhere in the crate that damage a store on purpose.
    #[cfg(test)]
    pub(crate) fn conn_for_tests(&self) -> &Connection {
        &self.conn
    }

    /// The file's path as given to [`SqliteStore::open`], or `:memory:`.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn user_version(&self) -> Result<i64, StoreError> {
        // The first read of the file: a non-SQLite file fails here, so say "open".
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|error| StoreError::Open {
                path: self.path.clone(),
                error,
            })
    }

    fn check_version(&self, found: i64) -> Result<(), StoreError> {
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .and_then(|()| self.conn.busy_timeout(BUSY_TIMEOUT))
            .map_err(|e| self.sqlite(e))?;
        self.conn.set_prepared_statement_cache_capacity(32);
        Ok(())
    }

    fn migrate(&self, from: i64) -> Result<(), StoreError> {
        if from >= SCHEMA_VERSION {
            // Tables added within the version: created if missing.
            return self
                .conn
                .execute_batch(stats::SCHEMA_UNINSPECTED)
                .and_then(|()| self.conn.execute_batch(sites::SCHEMA_SITES))
                .and_then(|()| self.conn.execute_batch(mail::SCHEMA_MAIL))
                .map_err(|e| self.sqlite(e));
        }
        if from > 0 && from < 3 {
            let rows: i64 = self
                .conn
                .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
                .map_err(|e| self.sqlite(e))?;
            if rows > 0 {
                return Err(StoreError::OlderSchema {
                    path: self.path.clone(),
                    found: from,
                    supported: SCHEMA_VERSION,
                });
            }
        }
        // One transaction, so a crash mid-migration leaves the old version.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.sqlite(e))?;
        tx.execute_batch(SCHEMA_V1)
            .and_then(|()| tx.execute_batch(stats::SCHEMA_V2))
            .and_then(|()| tx.execute_batch(stats::SCHEMA_UNINSPECTED))
            .and_then(|()| tx.execute_batch(sites::SCHEMA_SITES))
            .and_then(|()| tx.execute_batch(mail::SCHEMA_MAIL))
            .and_then(|()| tx.execute_batch(stats::SCHEMA_ACCESS_V4))
            .and_then(|()| tx.execute_batch(stats::FOLD_ACCESS_V3))
            .and_then(|()| tx.pragma_update(None, "user_version", SCHEMA_VERSION))
            .and_then(|()| tx.commit())
            .map_err(|e| self.sqlite(e))
    }

    fn sqlite(&self, error: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            error,
        }
    }

    fn wrap(&self, inner: Inner) -> StoreError {
        let path = self.path.clone();
        match inner {
            Inner::Sql(error) => StoreError::Sqlite { path, error },
            Inner::Corrupt { id, detail } => StoreError::Corrupt { path, id, detail },
            Inner::Io(source) => StoreError::Export { path, source },
            Inner::NotRecorded(what) => StoreError::NotRecorded { path, what },
        }
    }

    fn record_inner(&mut self, events: &[Event]) -> Result<(), Inner> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(INSERT)?;
            for e in events {
                insert.execute(params![
                    e.time.as_micros(),
                    engine_name(e.engine),
                    action_name(e.action),
                    e.src_ip.to_string(),
                    e.src_mac,
                    e.dst_ip.to_string(),
                    e.dst_port,
                    e.host,
                    e.url,
                    encode_reasons(&e.reasons)?,
                ])?;
            }
        }
        stats::add_detections(&tx, events)?;
        stats::add_uninspected(&tx, events)?;
        sites::add_sites(&tx, events)?;
        mail::add_mail(&tx, events)?;
        tx.commit()?;
        Ok(())
    }

    fn count_inner(&self, filter: &EventFilter) -> Result<u64, Inner> {
        let (clause, values) = where_clause(filter);
        let sql = format!("SELECT count(*) FROM events{clause}");
        let n: i64 = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Runs `sql` (selecting [`COLUMNS`]) and hands each event to `each`.
    fn for_each_event(
        &self,
        sql: &str,
        values: Vec<Value>,
        mut each: impl FnMut(Event) -> Result<(), Inner>,
    ) -> Result<(), Inner> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            each(event_from_row(row)?)?;
        }
        Ok(())
    }

    fn events_inner(&self, filter: &EventFilter) -> Result<Vec<Event>, Inner> {
        let (clause, values) = where_clause(filter);
        let sql = format!("SELECT {COLUMNS} FROM events{clause} ORDER BY time_us, id");
        let mut out = Vec::new();
        self.for_each_event(&sql, values, |e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    }

    fn counts_inner(&self, filter: &EventFilter) -> Result<Vec<EngineHostCount>, Inner> {
        let (clause, values) = where_clause(filter);
        let sql = format!(
            "SELECT engine, src_ip, count(*), min(id) FROM events{clause} GROUP BY engine, src_ip"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(3)?;
            let engine: String = row.get(0)?;
            let ip: String = row.get(1)?;
            let count: i64 = row.get(2)?;
            out.push(EngineHostCount {
                engine: parse_engine(&engine).ok_or_else(|| corrupt(id, "engine", &engine))?,
                src_ip: ip.parse().map_err(|_| corrupt(id, "src_ip", &ip))?,
                count: u64::try_from(count).unwrap_or(0),
            });
        }
        out.sort_by(|a, b| {
            a.engine
                .cmp(&b.engine)
                .then(b.count.cmp(&a.count))
                .then(a.src_ip.cmp(&b.src_ip))
        });
        Ok(out)
    }

    fn export_inner(
        &self,
        filter: &EventFilter,
        options: &ExportOptions,
        out: &mut dyn Write,
    ) -> Result<ExportSummary, Inner> {
        // A read transaction, so the count and the rows are one snapshot even
        // if another connection writes in between.
        let tx = self.conn.unchecked_transaction()?;
        let rows_matching = self.count_inner(filter)?;
        let (clause, mut values) = where_clause(filter);
        values.push(Value::Integer(
            i64::try_from(options.cap).unwrap_or(i64::MAX),
        ));
        let sql = match options.keep {
            CapKeep::Oldest => {
                format!("SELECT {COLUMNS} FROM events{clause} ORDER BY time_us, id LIMIT ?")
            }
            CapKeep::Newest => format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM events{clause} \
                 ORDER BY time_us DESC, id DESC LIMIT ?) ORDER BY time_us, id"
            ),
        };
        // Callers pass files and sockets; unbuffered, that is a syscall per field.
        let mut out = BufWriter::new(out);
        export::write_csv_header(&mut out)?;
        let mut rows_written = 0u64;
        self.for_each_event(&sql, values, |e| {
            export::write_csv_row(&mut out, &e)?;
            rows_written += 1;
            Ok(())
        })?;
        out.flush()?;
        tx.commit()?;
        Ok(ExportSummary {
            rows_written,
            rows_matching,
            capped: rows_written < rows_matching,
        })
    }

    fn purge_inner(&mut self, cutoff: Instant) -> Result<u64, Inner> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM events WHERE time_us < ?1")?
            .execute([cutoff.as_micros()])?;
        Ok(n as u64)
    }
}

impl LogStore for SqliteStore {
    fn record(&mut self, events: &[Event]) -> Result<(), StoreError> {
        self.record_inner(events).map_err(|e| self.wrap(e))
    }

    fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        self.count_inner(filter).map_err(|e| self.wrap(e))
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError> {
        self.events_inner(filter).map_err(|e| self.wrap(e))
    }

    fn counts_by_engine_and_host(
        &self,
        filter: &EventFilter,
    ) -> Result<Vec<EngineHostCount>, StoreError> {
        self.counts_inner(filter).map_err(|e| self.wrap(e))
    }

    fn export_csv(
        &self,
        filter: &EventFilter,
        options: &ExportOptions,
        out: &mut dyn Write,
    ) -> Result<ExportSummary, StoreError> {
        self.export_inner(filter, options, out)
            .map_err(|e| self.wrap(e))
    }

    fn purge_before(&mut self, cutoff: Instant) -> Result<u64, StoreError> {
        self.purge_inner(cutoff).map_err(|e| self.wrap(e))
    }

    fn record_access(&mut self, records: &[AccessRecord]) -> Result<(), StoreError> {
        self.record_access_inner(records).map_err(|e| self.wrap(e))
    }

    fn record_uptime(
        &mut self,
        from: Instant,
        until: Instant,
        online: bool,
    ) -> Result<(), StoreError> {
        self.record_uptime_inner(from, until, online)
            .map_err(|e| self.wrap(e))
    }

    fn top(
        &self,
        by: Dimension,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<TopPage, StoreError> {
        self.top_inner(by, filter, page).map_err(|e| self.wrap(e))
    }

    fn uninspected(&self, filter: &StatsFilter) -> Result<Vec<Uninspected>, StoreError> {
        self.uninspected_inner(filter).map_err(|e| self.wrap(e))
    }

    fn site_top(&self, filter: &StatsFilter, page: Paging) -> Result<SitesPage, StoreError> {
        self.site_top_inner(filter, page).map_err(|e| self.wrap(e))
    }

    fn mail_counts(&self, filter: &StatsFilter) -> Result<Vec<MailCount>, StoreError> {
        self.mail_counts_inner(filter).map_err(|e| self.wrap(e))
    }

    fn daily_counts(&self, filter: &StatsFilter) -> Result<Vec<DailyCount>, StoreError> {
        self.daily_inner(filter).map_err(|e| self.wrap(e))
    }

    fn access_top(
        &self,
        by: AccessDimension,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<AccessPage, StoreError> {
        self.access_top_inner(by, filter, page)
            .map_err(|e| self.wrap(e))
    }

    fn uptime(&self, filter: &StatsFilter) -> Result<Vec<DayUptime>, StoreError> {
        self.uptime_inner(filter).map_err(|e| self.wrap(e))
    }

    fn purge_statistics_before(&mut self, day: NaiveDate) -> Result<u64, StoreError> {
        self.purge_stats_inner(day).map_err(|e| self.wrap(e))
    }
}

/// The `WHERE` clause (with a leading space, or empty) and its values, in order.
fn where_clause(filter: &EventFilter) -> (String, Vec<Value>) {
    let mut terms = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        terms.push("time_us >= ?");
        values.push(Value::Integer(from.as_micros()));
    }
    if let Some(until) = filter.until {
        terms.push("time_us < ?");
        values.push(Value::Integer(until.as_micros()));
    }
    if let Some(engine) = filter.engine {
        terms.push("engine = ?");
        values.push(Value::Text(engine_name(engine).to_string()));
    }
    if let Some(ip) = filter.src_ip {
        terms.push("src_ip = ?");
        values.push(Value::Text(ip.to_string()));
    }
    if terms.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", terms.join(" AND ")), values)
    }
}

fn event_from_row(row: &rusqlite::Row<'_>) -> Result<Event, Inner> {
    let id: i64 = row.get(0)?;
    let engine: String = row.get(2)?;
    let action: String = row.get(3)?;
    let src_ip: String = row.get(4)?;
    let dst_ip: String = row.get(6)?;
    let dst_port: i64 = row.get(7)?;
    let reasons: String = row.get(10)?;
    Ok(Event {
        time: Instant::from_micros(row.get(1)?),
        engine: parse_engine(&engine).ok_or_else(|| corrupt(id, "engine", &engine))?,
        action: parse_action(&action).ok_or_else(|| corrupt(id, "action", &action))?,
        src_ip: parse_ip(&src_ip).ok_or_else(|| corrupt(id, "src_ip", &src_ip))?,
        src_mac: row.get(5)?,
        dst_ip: parse_ip(&dst_ip).ok_or_else(|| corrupt(id, "dst_ip", &dst_ip))?,
        dst_port: u16::try_from(dst_port)
            .map_err(|_| corrupt(id, "dst_port", &dst_port.to_string()))?,
        host: row.get(8)?,
        url: row.get(9)?,
        reasons: decode_reasons(&reasons).ok_or_else(|| corrupt(id, "reasons", &reasons))?,
    })
}

fn corrupt(id: i64, column: &str, value: &str) -> Inner {
    Inner::Corrupt {
        id,
        detail: format!("column {column} holds {value:?}"),
    }
}

fn parse_ip(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

/// The snake_case name stored for an engine (the serde name of [`Engine`]):
/// the engine's one code, as the console's filter and label keys use it.
fn engine_name(engine: Engine) -> &'static str {
    crate::labels::engine_code(engine)
}

fn parse_engine(name: &str) -> Option<Engine> {
    Engine::ALL.into_iter().find(|&e| engine_name(e) == name)
}

/// Every action, for parsing; `action_name`'s exhaustive match is what makes
/// a new variant impossible to forget there, and the round-trip test here.
pub(super) const ACTIONS: [Action; 8] = [
    Action::Block,
    Action::Reset,
    Action::Reject,
    Action::Drop,
    Action::Tag,
    Action::Monitor,
    Action::Delete,
    Action::Quarantine,
];

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Block => "block",
        Action::Reset => "reset",
        Action::Reject => "reject",
        Action::Drop => "drop",
        Action::Tag => "tag",
        Action::Monitor => "monitor",
        Action::Delete => "delete",
        Action::Quarantine => "quarantine",
    }
}

fn parse_action(name: &str) -> Option<Action> {
    ACTIONS.into_iter().find(|&a| action_name(a) == name)
}

const TERMINATOR: char = '\u{1f}';
const ESCAPE: char = '\u{1b}';

fn encode_reasons(reasons: &[Reason]) -> Result<String, Inner> {
    let links = reasons
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Inner::Corrupt {
            id: 0,
            detail: format!("a reason cannot be written: {e}"),
        })?;
    Ok(encode_links(&links))
}

/// The typed chain back from its column; `None` for text we cannot have written.
fn decode_reasons(text: &str) -> Option<Vec<Reason>> {
    decode_links(text)?
        .iter()
        .map(|link| serde_json::from_str(link).ok())
        .collect()
}

fn encode_links(reasons: &[String]) -> String {
    let mut out = String::with_capacity(reasons.iter().map(|r| r.len() + 1).sum());
    for reason in reasons {
        for c in reason.chars() {
            if c == TERMINATOR || c == ESCAPE {
                out.push(ESCAPE);
            }
            out.push(c);
        }
        out.push(TERMINATOR);
    }
    out
}

/// The inverse of [`encode_links`]; `None` for text it cannot have written.
fn decode_links(text: &str) -> Option<Vec<String>> {
    let mut reasons = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ESCAPE => current.push(chars.next()?),
            TERMINATOR => reasons.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    // Text after the last terminator means the value was not written by us.
    current.is_empty().then_some(reasons)
}

/// A read-only connection to the SQLite file at `path` (nothing created,
/// migrated or switched to WAL), and the path as errors show it: what every
/// store's `open_read_only` starts from.
pub(crate) fn connect_read_only(path: &Path) -> Result<(Connection, String), StoreError> {
    use rusqlite::OpenFlags;
    let shown = path.display().to_string();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|error| StoreError::Open {
        path: shown.clone(),
        error,
    })?;
    Ok((conn, shown))
}

/// A connection to the SQLite file at `path` (created if missing) that
/// waits up to 5 s for a writer, or to a fresh in-memory database for
/// `None`, and the path as errors show it: what the endpoint and Cloud App
/// Security stores' `open` and `in_memory` start from (their tables sit
/// beside the log store's in the same file).
pub(crate) fn connect(path: Option<&Path>) -> Result<(Connection, String), StoreError> {
    let Some(path) = path else {
        let conn = Connection::open_in_memory().map_err(|error| StoreError::Open {
            path: ":memory:".into(),
            error,
        })?;
        return Ok((conn, ":memory:".into()));
    };
    let shown = path.display().to_string();
    let open = |error| StoreError::Open {
        path: shown.clone(),
        error,
    };
    let conn = Connection::open(path).map_err(open)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open)?;
    Ok((conn, shown))
}

#[cfg(test)]
mod tests;
