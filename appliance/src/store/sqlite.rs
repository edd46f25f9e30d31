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

mod stats;

use super::{
    CapKeep, EngineHostCount, EventFilter, ExportOptions, ExportSummary, LogStore, StoreError,
    export,
};
use crate::access::AccessRecord;
use crate::event::{Action, Engine, Event};
use crate::reason::Reason;
use crate::store::stats::{
    AccessDimension, AccessPage, DailyCount, DayUptime, Dimension, Paging, StatsFilter, TopPage,
};
use crate::time::Instant;
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use std::io::{BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

/// The schema this build writes; files with a higher `user_version` are refused.
pub const SCHEMA_VERSION: i64 = 3;

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
    Corrupt { id: i64, detail: String },
    Io(std::io::Error),
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
            return Ok(());
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

/// The snake_case name stored for an engine (the serde name of [`Engine`]).
fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Firewall => "firewall",
        Engine::Ips => "ips",
        Engine::Dos => "dos",
        Engine::Cnc => "cnc",
        Engine::WebReputation => "web_reputation",
        Engine::UrlFilter => "url_filter",
        Engine::AppControl => "app_control",
        Engine::AntiMalware => "anti_malware",
        Engine::AntiSpam => "anti_spam",
        Engine::EmailReputation => "email_reputation",
    }
}

fn parse_engine(name: &str) -> Option<Engine> {
    Engine::ALL.into_iter().find(|&e| engine_name(e) == name)
}

/// Every action, for parsing; `action_name`'s exhaustive match is what makes
/// a new variant impossible to forget there, and the round-trip test here.
const ACTIONS: [Action; 6] = [
    Action::Block,
    Action::Reset,
    Action::Reject,
    Action::Drop,
    Action::Tag,
    Action::Monitor,
];

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Block => "block",
        Action::Reset => "reset",
        Action::Reject => "reject",
        Action::Drop => "drop",
        Action::Tag => "tag",
        Action::Monitor => "monitor",
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// 2024-04-01 00:00:00 JST.
    const T0: i64 = 1_711_897_200;

    fn ev(secs: i64, engine: Engine, host: u8) -> Event {
        Event {
            time: Instant::from_secs(T0 + secs),
            engine,
            action: Action::Block,
            src_ip: Ipv4Addr::new(192, 168, 1, host),
            src_mac: format!("02:00:00:00:01:{host:02x}"),
            dst_ip: Ipv4Addr::new(203, 0, 113, 7),
            dst_port: 443,
            host: Some("bad.example".into()),
            url: None,
            reasons: vec![Reason::BlockList],
        }
    }

    fn mem() -> SqliteStore {
        SqliteStore::in_memory().unwrap()
    }

    /// A unique file in the temp dir, removed (with its WAL files) on drop.
    struct TempDb(PathBuf);

    impl TempDb {
        fn new(tag: &str) -> TempDb {
            static N: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "officetwin-store-{tag}-{}-{}.sqlite",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            );
            let t = TempDb(std::env::temp_dir().join(name));
            t.cleanup();
            t
        }
        fn cleanup(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.cleanup();
        }
    }

    fn tricky_events() -> Vec<Event> {
        vec![
            Event {
                time: Instant::from_micros(T0 * 1_000_000 + 123_456),
                engine: Engine::WebReputation,
                action: Action::Block,
                src_ip: Ipv4Addr::new(192, 168, 1, 23),
                src_mac: "00:1a:2b:3c:4d:5e".into(),
                dst_ip: Ipv4Addr::new(198, 51, 100, 4),
                dst_port: 80,
                host: Some("例え.jp".into()),
                url: Some("http://例え.jp/検索?q=\"a,b\"&x='y'".into()),
                reasons: vec![
                    Reason::Note {
                        text: "不正サイト".into(),
                    },
                    Reason::Note {
                        text: "score band: dangerous".into(),
                    },
                    Reason::Note {
                        text: String::new(),
                    },
                    Reason::Note {
                        text: "odd\u{1f}unit\u{1b}esc".into(),
                    },
                ],
            },
            Event {
                time: Instant::from_micros(-1),
                engine: Engine::AntiSpam,
                action: Action::Tag,
                src_ip: Ipv4Addr::new(0, 0, 0, 0),
                src_mac: String::new(),
                dst_ip: Ipv4Addr::new(255, 255, 255, 255),
                dst_port: 65_535,
                host: None,
                url: None,
                reasons: vec![],
            },
            Event {
                engine: Engine::EmailReputation,
                action: Action::Reject,
                reasons: vec![Reason::Note {
                    text: String::new(),
                }],
                ..ev(5, Engine::Cnc, 9)
            },
        ]
    }

    #[test]
    fn round_trips_events_exactly() {
        let mut store = mem();
        let events = tricky_events();
        store.record(&events).unwrap();
        let back = store.events(&EventFilter::default()).unwrap();
        // Read back oldest first: the -1 µs event, then the other two by time.
        assert_eq!(
            back,
            vec![events[1].clone(), events[0].clone(), events[2].clone()]
        );
    }

    #[test]
    fn every_engine_and_action_round_trips() {
        let mut store = mem();
        let mut events = Vec::new();
        for (i, engine) in Engine::ALL.into_iter().enumerate() {
            for (j, action) in ACTIONS.into_iter().enumerate() {
                events.push(Event {
                    action,
                    ..ev((i * 10 + j) as i64, engine, 1)
                });
            }
        }
        store.record(&events).unwrap();
        assert_eq!(store.events(&EventFilter::default()).unwrap(), events);
    }

    #[test]
    fn equal_times_keep_insertion_order_across_batches() {
        let mut store = mem();
        let a = ev(10, Engine::Ips, 1);
        let b = ev(10, Engine::Cnc, 2);
        let c = ev(5, Engine::Dos, 3);
        let d = ev(10, Engine::Firewall, 4);
        store.record(&[a.clone(), b.clone()]).unwrap();
        store.record(&[c.clone(), d.clone()]).unwrap();
        let back = store.events(&EventFilter::default()).unwrap();
        assert_eq!(back, vec![c, a, b, d]);
    }

    #[test]
    fn filters_agree_with_event_filter_matches() {
        let mut store = mem();
        let mut events = Vec::new();
        for i in 0..60 {
            let engine = Engine::ALL[i % 3];
            events.push(ev(i as i64, engine, (i % 4) as u8 + 1));
        }
        store.record(&events).unwrap();
        let filters = [
            EventFilter::default(),
            EventFilter {
                from: Some(Instant::from_secs(T0 + 10)),
                until: Some(Instant::from_secs(T0 + 20)),
                ..Default::default()
            },
            EventFilter {
                engine: Some(Engine::Ips),
                ..Default::default()
            },
            EventFilter {
                src_ip: Some(Ipv4Addr::new(192, 168, 1, 2)),
                ..Default::default()
            },
            EventFilter {
                from: Some(Instant::from_secs(T0 + 7)),
                until: Some(Instant::from_secs(T0 + 50)),
                engine: Some(Engine::Firewall),
                src_ip: Some(Ipv4Addr::new(192, 168, 1, 4)),
            },
            EventFilter {
                engine: Some(Engine::AntiSpam),
                ..Default::default()
            },
        ];
        for f in &filters {
            let expected: Vec<Event> = events.iter().filter(|e| f.matches(e)).cloned().collect();
            assert_eq!(store.events(f).unwrap(), expected, "{f:?}");
            assert_eq!(store.count(f).unwrap(), expected.len() as u64, "{f:?}");
        }
        // Sanity: the filters above are not all trivially everything or nothing.
        assert_eq!(store.count(&filters[1]).unwrap(), 10);
        assert_eq!(store.count(&filters[2]).unwrap(), 20);
        assert_eq!(store.count(&filters[5]).unwrap(), 0);
    }

    #[test]
    fn counts_by_engine_and_host_are_grouped_and_sorted() {
        let mut store = mem();
        let mut events = vec![
            ev(0, Engine::Cnc, 5),
            ev(1, Engine::Ips, 7),
            ev(2, Engine::Cnc, 3),
            ev(3, Engine::Cnc, 5),
            ev(4, Engine::Ips, 2),
            ev(5, Engine::Cnc, 4),
        ];
        events.push(ev(100, Engine::Firewall, 9));
        store.record(&events).unwrap();
        let row = |engine, host, count| EngineHostCount {
            engine,
            src_ip: Ipv4Addr::new(192, 168, 1, host),
            count,
        };
        let all = store
            .counts_by_engine_and_host(&EventFilter::default())
            .unwrap();
        assert_eq!(
            all,
            vec![
                row(Engine::Firewall, 9, 1),
                row(Engine::Ips, 2, 1),
                row(Engine::Ips, 7, 1),
                row(Engine::Cnc, 5, 2),
                row(Engine::Cnc, 3, 1),
                row(Engine::Cnc, 4, 1),
            ]
        );
        let early = store
            .counts_by_engine_and_host(&EventFilter {
                until: Some(Instant::from_secs(T0 + 100)),
                engine: Some(Engine::Cnc),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            early,
            vec![
                row(Engine::Cnc, 5, 2),
                row(Engine::Cnc, 3, 1),
                row(Engine::Cnc, 4, 1)
            ]
        );
    }

    fn export(
        store: &SqliteStore,
        filter: &EventFilter,
        options: &ExportOptions,
    ) -> (String, ExportSummary) {
        let mut out = Vec::new();
        let summary = store.export_csv(filter, options, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    #[test]
    fn export_is_chronological_csv_with_quoting() {
        let mut store = mem();
        let events = tricky_events();
        store.record(&events).unwrap();
        let (csv, summary) = export(&store, &EventFilter::default(), &ExportOptions::default());
        assert_eq!(
            summary,
            ExportSummary {
                rows_written: 3,
                rows_matching: 3,
                capped: false
            }
        );
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "time (JST),source IP,source MAC,URL,engine,action,reason"
        );
        assert_eq!(
            lines[1],
            "1970-01-01 08:59:59,0.0.0.0,,255.255.255.255:65535,anti-spam,tag,"
        );
        assert_eq!(
            lines[2],
            "2024-04-01 00:00:00,192.168.1.23,00:1a:2b:3c:4d:5e,\
             \"http://例え.jp/検索?q=\"\"a,b\"\"&x='y'\",web reputation,block,\
             不正サイト; score band: dangerous; ; odd\u{1f}unit\u{1b}esc"
        );
        assert_eq!(
            lines[3],
            "2024-04-01 00:00:05,192.168.1.9,02:00:00:00:01:09,bad.example,email reputation,reject,"
        );
    }

    #[test]
    fn export_caps_at_5000_and_says_so() {
        let mut store = mem();
        let events: Vec<Event> = (0..5_001).map(|i| ev(i, Engine::Cnc, 1)).collect();
        store.record(&events).unwrap();
        let (csv, summary) = export(&store, &EventFilter::default(), &ExportOptions::default());
        assert_eq!(
            summary,
            ExportSummary {
                rows_written: 5_000,
                rows_matching: 5_001,
                capped: true
            }
        );
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 5_001, "header + 5,000 rows");
        // Newest kept, oldest first: the first event (T0 + 0) is the one dropped.
        assert!(lines[1].starts_with("2024-04-01 00:00:01,"), "{}", lines[1]);
        assert!(
            lines[5_000].starts_with("2024-04-01 01:23:20,"),
            "{}",
            lines[5_000]
        );

        let oldest = ExportOptions {
            keep: CapKeep::Oldest,
            ..Default::default()
        };
        let (csv, summary) = export(&store, &EventFilter::default(), &oldest);
        assert!(summary.capped);
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        assert!(lines[1].starts_with("2024-04-01 00:00:00,"), "{}", lines[1]);
        assert!(
            lines[5_000].starts_with("2024-04-01 01:23:19,"),
            "{}",
            lines[5_000]
        );

        // Exactly at the cap is not capped.
        let narrow = EventFilter {
            from: Some(Instant::from_secs(T0 + 1)),
            ..Default::default()
        };
        let (_, summary) = export(&store, &narrow, &ExportOptions::default());
        assert_eq!(summary.rows_written, 5_000);
        assert!(!summary.capped);
    }

    #[test]
    fn export_of_nothing_is_just_the_header() {
        let store = mem();
        let (csv, summary) = export(
            &store,
            &EventFilter::default(),
            &ExportOptions {
                cap: 0,
                keep: CapKeep::Newest,
            },
        );
        assert_eq!(
            csv,
            "time (JST),source IP,source MAC,URL,engine,action,reason\r\n"
        );
        assert_eq!(summary.rows_matching, 0);
        assert!(!summary.capped);
    }

    #[test]
    fn export_write_error_names_the_store() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut store = mem();
        store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
        let err = store
            .export_csv(
                &EventFilter::default(),
                &ExportOptions::default(),
                &mut Broken,
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Export { .. }), "{err:?}");
        assert!(err.to_string().contains(":memory:"), "{err}");
    }

    #[test]
    fn purge_deletes_only_rows_older_than_the_cutoff() {
        let mut store = mem();
        let day = 86_400;
        let events: Vec<Event> = (0..100).map(|d| ev(d * day, Engine::Ips, 1)).collect();
        store.record(&events).unwrap();
        let now = Instant::from_secs(T0 + 99 * day);
        let cutoff =
            now - Duration::from_secs(u64::from(super::super::RAW_RETENTION_DAYS) * 86_400);
        // Days 0..=36 are older than 62 days before day 99; day 37 is exactly at the cutoff.
        assert_eq!(store.purge_before(cutoff).unwrap(), 37);
        let left = store.events(&EventFilter::default()).unwrap();
        assert_eq!(left.len(), 63);
        assert_eq!(left[0].time, cutoff);
        assert_eq!(store.purge_before(cutoff).unwrap(), 0);
    }

    #[test]
    fn file_store_reopens_with_its_events_in_wal_mode() {
        let db = TempDb::new("reopen");
        let events = tricky_events();
        {
            let mut store = SqliteStore::open(&db.0).unwrap();
            store.record(&events).unwrap();
            let mode: String = store
                .conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let sync: i64 = store
                .conn
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .unwrap();
            assert_eq!(sync, 1, "synchronous=NORMAL");
        }
        let store = SqliteStore::open(&db.0).unwrap();
        assert_eq!(store.path(), db.0.display().to_string());
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        // WAL is a property of the file, so it survives the reopen.
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(store.count(&EventFilter::default()).unwrap(), 3);
        let mut expected = events.clone();
        expected.sort_by_key(|e| e.time);
        assert_eq!(store.events(&EventFilter::default()).unwrap(), expected);
    }

    #[test]
    fn newer_schema_is_refused_and_left_alone() {
        let db = TempDb::new("newer");
        {
            let conn = Connection::open(&db.0).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = SqliteStore::open(&db.0).err().unwrap();
        assert!(
            matches!(err, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&db.0.display().to_string()), "{msg}");
        let conn = Connection::open(&db.0).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "a refused file is not switched to WAL");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_open_error_naming_it() {
        let db = TempDb::new("garbage");
        std::fs::write(
            &db.0,
            b"time,source IP\r\nthis is a CSV, not SQLite\r\n".repeat(100),
        )
        .unwrap();
        let err = SqliteStore::open(&db.0).err().unwrap();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&db.0.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn corrupt_rows_are_reported_not_panicked_on() {
        let mut store = mem();
        store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
        store
            .conn
            .execute("UPDATE events SET engine = 'telepathy'", [])
            .unwrap();
        let err = store.events(&EventFilter::default()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { id: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("telepathy"), "{err}");
    }

    fn plan(store: &SqliteStore, filter: &EventFilter, sql_tail: &str) -> String {
        let (clause, values) = where_clause(filter);
        let sql = format!("EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM events{clause}{sql_tail}");
        let mut stmt = store.conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map(params_from_iter(values), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(|r| r.unwrap()).collect::<Vec<_>>().join(" | ")
    }

    #[test]
    fn queries_use_the_indexes() {
        let store = mem();
        let by_time = EventFilter {
            from: Some(Instant::from_secs(T0)),
            until: Some(Instant::from_secs(T0 + 86_400)),
            ..Default::default()
        };
        let p = plan(&store, &by_time, " ORDER BY time_us, id");
        assert!(p.contains("USING INDEX events_time"), "{p}");
        assert!(
            !p.contains("TEMP B-TREE"),
            "ordering should come from the index: {p}"
        );
        let by_host = EventFilter {
            engine: Some(Engine::Cnc),
            src_ip: Some(Ipv4Addr::new(192, 168, 1, 2)),
            ..Default::default()
        };
        let p = plan(&store, &by_host, "");
        assert!(p.contains("USING INDEX events_engine_src"), "{p}");
    }

    #[test]
    fn works_as_a_trait_object() {
        let mut store: Box<dyn LogStore + Send> = Box::new(mem());
        store.record(&[ev(0, Engine::Ips, 1)]).unwrap();
        assert_eq!(store.count(&EventFilter::default()).unwrap(), 1);
    }

    /// 100,000 events go in as one batch and all of them are counted (the
    /// time it takes is measured by the `store/record-100k` bench).
    #[test]
    fn records_100k_events_in_one_batch() {
        let db = TempDb::new("100k");
        let mut store = SqliteStore::open(&db.0).unwrap();
        let events: Vec<Event> = (0..100_000)
            .map(|i| Event {
                url: Some(format!("http://host{}.example/path?i={i}", i % 97)),
                reasons: vec![
                    Reason::WebReputation,
                    Reason::Category {
                        name: "不正サイト".into(),
                        ja: None,
                    },
                ],
                ..ev(i / 10, Engine::ALL[(i % 10) as usize], (i % 50) as u8 + 1)
            })
            .collect();
        store.record(&events).unwrap();
        assert_eq!(store.count(&EventFilter::default()).unwrap(), 100_000);
        for engine in Engine::ALL {
            let one = EventFilter {
                engine: Some(engine),
                ..EventFilter::default()
            };
            assert_eq!(store.count(&one).unwrap(), 10_000, "{engine:?}");
        }
    }

    #[test]
    fn reason_decoding_rejects_foreign_text() {
        assert_eq!(decode_reasons(""), Some(vec![]));
        assert_eq!(decode_reasons("a"), None);
        assert_eq!(decode_reasons("a\u{1b}"), None);
        // A version-2 text reason is not a typed link.
        assert_eq!(decode_reasons("C&C list\u{1f}"), None);
    }

    #[test]
    fn typed_reasons_round_trip() {
        let chain = vec![
            Reason::PolicyRule {
                name: "a\u{1f}b\u{1b}c".into(),
            },
            Reason::Category {
                name: "Streaming Media".into(),
                ja: Some("ストリーミングメディア".into()),
            },
            Reason::Threat {
                name: String::new(),
            },
        ];
        let text = encode_reasons(&chain).ok().expect("typed reasons encode");
        assert_eq!(decode_reasons(&text), Some(chain));
    }

    proptest! {
        #[test]
        fn links_round_trip(links in proptest::collection::vec(".*|[\u{1b}\u{1f}a]*", 0..5)) {
            prop_assert_eq!(decode_links(&encode_links(&links)), Some(links));
        }
    }
}
