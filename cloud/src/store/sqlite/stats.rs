//! The statistics tables of the SQLite store (schema version 2).
//!
//! | table | key | counts |
//! |---|---|---|
//! | `detection_stats` | day, engine, action, src_ip, category, policy, threat | `count` |
//! | `site_access_stats` | day, host, category | `requests`, `bytes` |
//! | `user_access_stats` | day, src_ip | `requests`, `bytes` |
//! | `uptime` | day | `online_us`, `offline_us` |
//! | `uninspected_stats` | day, why | `flows`, `packets`, `bytes` |
//!
//! Allowed traffic is kept per site and per device, never per device and
//! site (schema 4; schema 3's `access_stats` had the cross and is folded
//! into the two when a store is opened for writing): seed 000 L502
//! 「「いつどの端末からどのサイトにアクセスしたのか」という情報までは知ることが
//! できません」 and FAQ Q6 「端末ごとにブロックされていない通信(Webサイトへの
//! アクセス履歴等)は記録しておりません…統計情報として保持しています」.
//!
//! `day` is the JST calendar day as days since 1970-01-01; a missing
//! category, threat or host is stored as `''` so it can be part of a key.
//! Detections are aggregated in memory per batch before the upserts, so a
//! batch of a million events of one host costs a handful of writes.

use super::{Inner, SqliteStore, action_name, corrupt, engine_name, parse_engine};
use crate::store::stats::{
    AccessDimension, AccessPage, AccessRow, DailyCount, DayUptime, Dimension, Paging, StatsFilter,
    TopPage, TopRow, Uninspected, category_of, day_from_number, day_number, jst_day, policy_of,
    split_days, threat_of,
};
use appliance::AccessRecord;
use appliance::Event;
use appliance::Instant;
use appliance::Reason;
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Transaction, params, params_from_iter};
use std::collections::BTreeMap;
use std::time::Duration;

pub(super) const SCHEMA_V2: &str = "
CREATE TABLE IF NOT EXISTS detection_stats (
    day      INTEGER NOT NULL,
    engine   TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    src_ip   TEXT    NOT NULL,
    category TEXT    NOT NULL,
    policy   TEXT    NOT NULL,
    threat   TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (day, engine, action, src_ip, category, policy, threat)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_stats (
    day      INTEGER NOT NULL,
    src_ip   TEXT    NOT NULL,
    host     TEXT    NOT NULL,
    category TEXT    NOT NULL,
    requests INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (day, src_ip, host, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uptime (
    day        INTEGER PRIMARY KEY,
    online_us  INTEGER NOT NULL,
    offline_us INTEGER NOT NULL
);
";

/// Traffic the gateway passed uninspected, per day and why: added to schema
/// 3 without a new version (created if missing when a store is opened for
/// writing; a store written before it reads as none passed).
pub(super) const SCHEMA_UNINSPECTED: &str = "
CREATE TABLE IF NOT EXISTS uninspected_stats (
    day     INTEGER NOT NULL,
    why     TEXT    NOT NULL,
    flows   INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes   INTEGER NOT NULL,
    PRIMARY KEY (day, why)
) WITHOUT ROWID;
";

const UPSERT_UNINSPECTED: &str = "INSERT INTO uninspected_stats
    (day, why, flows, packets, bytes) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT DO UPDATE SET flows = flows + excluded.flows,
                              packets = packets + excluded.packets,
                              bytes = bytes + excluded.bytes";

const UPSERT_DETECTION: &str = "INSERT INTO detection_stats
    (day, engine, action, src_ip, category, policy, threat, count)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
    ON CONFLICT DO UPDATE SET count = count + excluded.count";

/// Schema 4: allowed traffic per site and per device, not per both.
pub(super) const SCHEMA_ACCESS_V4: &str = "
CREATE TABLE IF NOT EXISTS site_access_stats (
    day      INTEGER NOT NULL,
    host     TEXT    NOT NULL,
    category TEXT    NOT NULL,
    requests INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (day, host, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_access_stats (
    day      INTEGER NOT NULL,
    src_ip   TEXT    NOT NULL,
    requests INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (day, src_ip)
) WITHOUT ROWID;
";

/// Folds schema 3's per-device-and-site table into the two of schema 4 and
/// drops it, so the cross is gone from the file too.
pub(super) const FOLD_ACCESS_V3: &str = "
INSERT INTO site_access_stats (day, host, category, requests, bytes)
    SELECT day, host, category, sum(requests), sum(bytes) FROM access_stats
    GROUP BY day, host, category
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
                              bytes = bytes + excluded.bytes;
INSERT INTO user_access_stats (day, src_ip, requests, bytes)
    SELECT day, src_ip, sum(requests), sum(bytes) FROM access_stats
    GROUP BY day, src_ip
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
                              bytes = bytes + excluded.bytes;
DROP TABLE access_stats;
";

const UPSERT_SITE_ACCESS: &str = "INSERT INTO site_access_stats
    (day, host, category, requests, bytes) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
                              bytes = bytes + excluded.bytes";

const UPSERT_USER_ACCESS: &str = "INSERT INTO user_access_stats
    (day, src_ip, requests, bytes) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests,
                              bytes = bytes + excluded.bytes";

const UPSERT_UPTIME: &str = "INSERT INTO uptime (day, online_us, offline_us) VALUES (?1, ?2, ?3)
    ON CONFLICT DO UPDATE SET online_us = online_us + excluded.online_us,
                              offline_us = offline_us + excluded.offline_us";

type DetectionKey = (
    i64,
    &'static str,
    &'static str,
    String,
    String,
    String,
    String,
);

/// Adds `events` to `detection_stats` inside the caller's transaction.
pub(super) fn add_detections(tx: &Transaction<'_>, events: &[Event]) -> rusqlite::Result<()> {
    let mut counts: BTreeMap<DetectionKey, i64> = BTreeMap::new();
    for e in events {
        let key = (
            day_number(jst_day(e.time)),
            engine_name(e.engine),
            action_name(e.action),
            e.src_ip.to_string(),
            category_of(e).unwrap_or_default(),
            policy_of(e),
            threat_of(e).unwrap_or("").to_string(),
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut upsert = tx.prepare_cached(UPSERT_DETECTION)?;
    for ((day, engine, action, ip, category, policy, threat), n) in counts {
        upsert.execute(params![
            day, engine, action, ip, category, policy, threat, n
        ])?;
    }
    Ok(())
}

/// Adds what `events` say passed uninspected (the [`Reason::UninspectedTraffic`]
/// link an episode's last event carries) to `uninspected_stats`, on the day
/// the episode ended, inside the caller's transaction.
pub(super) fn add_uninspected(tx: &Transaction<'_>, events: &[Event]) -> rusqlite::Result<()> {
    let mut sums: BTreeMap<(i64, &'static str), (i64, i64, i64)> = BTreeMap::new();
    for e in events {
        let Some(why) = uninspected_why(e) else {
            continue;
        };
        for r in &e.reasons {
            if let Reason::UninspectedTraffic {
                flows,
                packets,
                bytes,
            } = r
            {
                let entry = sums.entry((day_number(jst_day(e.time)), why)).or_default();
                let add = |a: i64, b: u64| a.saturating_add(i64::try_from(b).unwrap_or(i64::MAX));
                *entry = (
                    add(entry.0, *flows),
                    add(entry.1, *packets),
                    add(entry.2, *bytes),
                );
            }
        }
    }
    if sums.is_empty() {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(UPSERT_UNINSPECTED)?;
    for ((day, why), (flows, packets, bytes)) in sums {
        upsert.execute(params![day, why, flows, packets, bytes])?;
    }
    Ok(())
}

/// Why an event's traffic passed uninspected, as `uninspected_stats` keys
/// it: the flow table's overload, or a protocol the gateway cannot read.
fn uninspected_why(e: &Event) -> Option<&'static str> {
    match e.reasons.first()? {
        Reason::FlowTableRoom => Some(Uninspected::OVERLOAD),
        Reason::UnsupportedProtocol { .. } => Some(Uninspected::UNSUPPORTED),
        _ => None,
    }
}

/// The `WHERE` clause over a statistics table, and its values.
pub(super) fn stats_where(filter: &StatsFilter, extra: &[&str]) -> (String, Vec<Value>) {
    let mut terms: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        terms.push("day >= ?".into());
        values.push(Value::Integer(day_number(from)));
    }
    if let Some(until) = filter.until {
        terms.push("day < ?".into());
        values.push(Value::Integer(day_number(until)));
    }
    if !filter.engines.is_empty() {
        let marks = vec!["?"; filter.engines.len()].join(", ");
        terms.push(format!("engine IN ({marks})"));
        for e in &filter.engines {
            values.push(Value::Text(engine_name(*e).to_string()));
        }
    }
    if let Some(ip) = filter.src_ip {
        terms.push("src_ip = ?".into());
        values.push(Value::Text(ip.to_string()));
    }
    if filter.blocking_only {
        // The actions `Action::stops` counts, named as the store writes them.
        let stops: Vec<String> = super::ACTIONS
            .into_iter()
            .filter(|a| a.stops())
            .map(|a| format!("'{}'", action_name(a)))
            .collect();
        terms.push(format!("action IN ({})", stops.join(", ")));
    }
    if terms.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", terms.join(" AND ")), values)
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl SqliteStore {
    pub(super) fn record_access_inner(&mut self, records: &[AccessRecord]) -> Result<(), Inner> {
        let mut sites: BTreeMap<(i64, String, String), (i64, i64)> = BTreeMap::new();
        let mut users: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
        let add = |entry: &mut (i64, i64), bytes: u64| {
            entry.0 += 1;
            entry.1 = entry
                .1
                .saturating_add(i64::try_from(bytes).unwrap_or(i64::MAX));
        };
        for r in records {
            let day = day_number(jst_day(r.time));
            let site = (
                day,
                r.host.clone().unwrap_or_default(),
                r.category.clone().unwrap_or_default(),
            );
            add(sites.entry(site).or_default(), r.bytes);
            add(
                users.entry((day, r.src_ip.to_string())).or_default(),
                r.bytes,
            );
        }
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(UPSERT_SITE_ACCESS)?;
            for ((day, host, category), (requests, bytes)) in sites {
                upsert.execute(params![day, host, category, requests, bytes])?;
            }
            let mut upsert = tx.prepare_cached(UPSERT_USER_ACCESS)?;
            for ((day, ip), (requests, bytes)) in users {
                upsert.execute(params![day, ip, requests, bytes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(super) fn has_table(&self, name: &str) -> Result<bool, Inner> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |row| row.get(0),
        )?;
        Ok(n > 0)
    }

    pub(super) fn record_uptime_inner(
        &mut self,
        from: Instant,
        until: Instant,
        online: bool,
    ) -> Result<(), Inner> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(UPSERT_UPTIME)?;
            for (day, span) in split_days(from, until) {
                let (on, off) = if online {
                    (micros(span), 0)
                } else {
                    (0, micros(span))
                };
                upsert.execute(params![day_number(day), on, off])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(super) fn top_inner(
        &self,
        by: Dimension,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<TopPage, Inner> {
        let column = match by {
            Dimension::SrcIp => "src_ip",
            Dimension::Category => "category",
            Dimension::Policy => "policy",
            Dimension::Threat => "threat",
            Dimension::Engine => "engine",
        };
        let not_empty = format!("{column} <> ''");
        let (clause, values) = stats_where(filter, &[&not_empty]);
        let grouped = format!(
            "SELECT {column} AS k, sum(count) AS n FROM detection_stats{clause} GROUP BY {column}"
        );
        let tx = self.conn.unchecked_transaction()?;
        let (total_keys, total_count): (i64, Option<i64>) = self
            .conn
            .prepare_cached(&format!("SELECT count(*), sum(n) FROM ({grouped})"))?
            .query_row(params_from_iter(values.clone()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let mut values = values;
        values.push(Value::Integer(to_i64(page.limit)));
        values.push(Value::Integer(to_i64(page.offset)));
        let sql = format!("{grouped} ORDER BY n DESC, k ASC LIMIT ? OFFSET ?");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(TopRow {
                key: row.get(0)?,
                count: to_u64(row.get(1)?),
            });
        }
        drop(rows);
        drop(stmt);
        tx.commit()?;
        Ok(TopPage {
            rows: out,
            total_keys: to_u64(total_keys),
            total_count: to_u64(total_count.unwrap_or(0)),
        })
    }

    pub(super) fn daily_inner(&self, filter: &StatsFilter) -> Result<Vec<DailyCount>, Inner> {
        let (clause, values) = stats_where(filter, &[]);
        let sql = format!(
            "SELECT day, engine, sum(count) FROM detection_stats{clause} \
             GROUP BY day, engine ORDER BY day"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let n: i64 = row.get(0)?;
            let engine: String = row.get(1)?;
            out.push(DailyCount {
                day: day_from_number(n).ok_or_else(|| corrupt(0, "day", &n.to_string()))?,
                engine: parse_engine(&engine).ok_or_else(|| corrupt(0, "engine", &engine))?,
                count: to_u64(row.get(2)?),
            });
        }
        out.sort_by(|a, b| a.day.cmp(&b.day).then(a.engine.cmp(&b.engine)));
        Ok(out)
    }

    pub(super) fn access_top_inner(
        &self,
        by: AccessDimension,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<AccessPage, Inner> {
        let column = match by {
            AccessDimension::Category => "category",
            AccessDimension::Host => "host",
            AccessDimension::SrcIp => "src_ip",
        };
        if by != AccessDimension::SrcIp && filter.src_ip.is_some() {
            return Err(Inner::NotRecorded(
                "which device visited which site is not recorded (FAQ Q6): \
                 sites and devices are counted apart",
            ));
        }
        // A read-only schema 3 store still has the crossed table: read it
        // the way schema 4 keeps it.
        let schema3 = !self.has_table("site_access_stats")? && self.has_table("access_stats")?;
        let table = match (by, schema3) {
            (_, true) => "access_stats",
            (AccessDimension::SrcIp, false) => "user_access_stats",
            (_, false) => "site_access_stats",
        };
        // Allowed traffic has no engine; an engine filter would match nothing.
        let filter = StatsFilter {
            engines: Vec::new(),
            blocking_only: false,
            ..filter.clone()
        };
        let (clause, values) = stats_where(&filter, &[]);
        let grouped = format!(
            "SELECT {column} AS k, sum(requests) AS n, sum(bytes) AS b \
             FROM {table}{clause} GROUP BY {column}"
        );
        let tx = self.conn.unchecked_transaction()?;
        let (total_keys, total_requests, total_bytes): (i64, Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(&format!("SELECT count(*), sum(n), sum(b) FROM ({grouped})"))?
            .query_row(params_from_iter(values.clone()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let mut values = values;
        values.push(Value::Integer(to_i64(page.limit)));
        values.push(Value::Integer(to_i64(page.offset)));
        let sql = format!("{grouped} ORDER BY n DESC, k ASC LIMIT ? OFFSET ?");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            out.push(AccessRow {
                key: (!key.is_empty()).then_some(key),
                requests: to_u64(row.get(1)?),
                bytes: to_u64(row.get(2)?),
            });
        }
        drop(rows);
        drop(stmt);
        tx.commit()?;
        Ok(AccessPage {
            rows: out,
            total_keys: to_u64(total_keys),
            total_requests: to_u64(total_requests.unwrap_or(0)),
            total_bytes: to_u64(total_bytes.unwrap_or(0)),
        })
    }

    pub(super) fn uptime_inner(&self, filter: &StatsFilter) -> Result<Vec<DayUptime>, Inner> {
        let filter = StatsFilter {
            engines: Vec::new(),
            src_ip: None,
            blocking_only: false,
            ..filter.clone()
        };
        let (clause, values) = stats_where(&filter, &[]);
        let sql = format!("SELECT day, online_us, offline_us FROM uptime{clause} ORDER BY day");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let n: i64 = row.get(0)?;
            let on: i64 = row.get(1)?;
            let off: i64 = row.get(2)?;
            out.push(DayUptime {
                day: day_from_number(n).ok_or_else(|| corrupt(n, "day", &n.to_string()))?,
                online: Duration::from_micros(to_u64(on)),
                offline: Duration::from_micros(to_u64(off)),
            });
        }
        Ok(out)
    }

    pub(super) fn uninspected_inner(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<Uninspected>, Inner> {
        if !self.has_table("uninspected_stats")? {
            // A store written before the table (opened read-only): none recorded.
            return Ok(Vec::new());
        }
        let mut scoped = filter.clone();
        scoped.engines.clear();
        scoped.src_ip = None;
        scoped.blocking_only = false;
        let (clause, values) = stats_where(&scoped, &[]);
        let sql = format!(
            "SELECT why, sum(flows), sum(packets), sum(bytes) FROM uninspected_stats{clause} \
             GROUP BY why ORDER BY why"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(Uninspected {
                why: row.get(0)?,
                flows: to_u64(row.get(1)?),
                packets: to_u64(row.get(2)?),
                bytes: to_u64(row.get(3)?),
            });
        }
        Ok(out)
    }

    pub(super) fn purge_stats_inner(&mut self, day: NaiveDate) -> Result<u64, Inner> {
        let n = day_number(day);
        let tx = self.conn.transaction()?;
        let mut gone = 0;
        for table in [
            "detection_stats",
            "site_access_stats",
            "user_access_stats",
            "uptime",
            "uninspected_stats",
            "site_stats",
            "mail_stats",
        ] {
            gone += tx.execute(&format!("DELETE FROM {table} WHERE day < ?1"), [n])? as u64;
        }
        tx.commit()?;
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::stats::{day_start, jst_day};
    use crate::store::{
        AccessDimension, Dimension, EventFilter, LogStore, Paging, SqliteStore, StatsFilter,
    };
    use appliance::AccessRecord;
    use appliance::Instant;
    use appliance::Reason;
    use appliance::{Action, Engine, Event};
    use chrono::NaiveDate;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 9, d).unwrap()
    }

    fn at(d: u32, hour: u64) -> Instant {
        day_start(date(d)) + Duration::from_secs(hour * 3600)
    }

    fn threat(name: &str) -> Reason {
        Reason::Threat { name: name.into() }
    }

    fn ev(t: Instant, engine: Engine, host: u8, reasons: &[Reason]) -> Event {
        Event {
            time: t,
            engine,
            action: Action::Block,
            src_ip: Ipv4Addr::new(192, 168, 1, host),
            src_mac: "02:00:00:00:00:01".into(),
            dst_ip: Ipv4Addr::new(203, 0, 113, 7),
            dst_port: 80,
            host: None,
            url: None,
            reasons: reasons.to_vec(),
        }
    }

    fn store_with_month() -> SqliteStore {
        let mut s = SqliteStore::in_memory().unwrap();
        let mut events = Vec::new();
        for i in 0..30 {
            events.push(ev(
                at(26, 10),
                Engine::Cnc,
                11,
                &[threat("CnC.Win32.Generic")],
            ));
            if i < 5 {
                events.push(ev(
                    at(3, 9),
                    Engine::UrlFilter,
                    12,
                    &[
                        Reason::Category {
                            name: "動画".into(),
                            ja: None,
                        },
                        Reason::Rule {
                            name: "業務時間帯".into(),
                        },
                    ],
                ));
            }
        }
        events.push(ev(at(27, 23), Engine::Cnc, 20, &[threat("CnC.Other")]));
        s.record(&events).unwrap();
        s
    }

    #[test]
    fn top_n_counts_sorts_and_pages() {
        let s = store_with_month();
        let month = StatsFilter::month(date(1));
        let ips = s.top(Dimension::SrcIp, &month, Paging::first(10)).unwrap();
        let keys: Vec<_> = ips.rows.iter().map(|r| (r.key.as_str(), r.count)).collect();
        assert_eq!(
            keys,
            [
                ("192.168.1.11", 30),
                ("192.168.1.12", 5),
                ("192.168.1.20", 1)
            ]
        );
        assert_eq!((ips.total_keys, ips.total_count), (3, 36));

        let second = s
            .top(
                Dimension::SrcIp,
                &month,
                Paging {
                    offset: 1,
                    limit: 1,
                },
            )
            .unwrap();
        assert_eq!(second.rows[0].key, "192.168.1.12");
        assert_eq!(second.total_keys, 3);

        let cnc = month.clone().engines(&[Engine::Cnc]);
        let threats = s.top(Dimension::Threat, &cnc, Paging::ALL).unwrap();
        assert_eq!(threats.rows[0].key, "CnC.Win32.Generic");
        assert_eq!(threats.total_count, 31);

        let cats = s.top(Dimension::Category, &month, Paging::ALL).unwrap();
        assert_eq!(
            cats.rows.len(),
            1,
            "detections without a category are left out"
        );
        assert_eq!(cats.rows[0].key, "動画");
        let policies = s.top(Dimension::Policy, &month, Paging::ALL).unwrap();
        let keys: Vec<_> = policies.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["C&C callback", "業務時間帯"]);

        let october = StatsFilter::month(NaiveDate::from_ymd_opt(2017, 10, 1).unwrap());
        let none = s.top(Dimension::SrcIp, &october, Paging::ALL).unwrap();
        assert_eq!(
            (none.rows.len(), none.total_keys, none.total_count),
            (0, 0, 0)
        );
    }

    #[test]
    fn daily_counts_follow_jst_days() {
        let s = store_with_month();
        let daily = s.daily_counts(&StatsFilter::month(date(1))).unwrap();
        let got: Vec<_> = daily.iter().map(|d| (d.day, d.engine, d.count)).collect();
        assert_eq!(
            got,
            [
                (date(3), Engine::UrlFilter, 5),
                (date(26), Engine::Cnc, 30),
                (date(27), Engine::Cnc, 1),
            ]
        );
    }

    #[test]
    fn allowed_traffic_is_statistics_only() {
        let mut s = SqliteStore::in_memory().unwrap();
        let rec = |host: &str, category: Option<&str>, ip: u8| AccessRecord {
            time: at(5, 10),
            src_ip: Ipv4Addr::new(192, 168, 1, ip),
            host: Some(host.into()),
            category: category.map(str::to_string),
            bytes: 100,
        };
        let mut records = vec![rec("news.example", Some("ニュース"), 12); 3];
        records.push(rec("shop.example", Some("ショッピング"), 13));
        records.push(rec("x.example", None, 13));
        s.record_access(&records).unwrap();
        s.record_access(&records[..1]).unwrap();
        let month = StatsFilter::month(date(1));
        let cats = s
            .access_top(AccessDimension::Category, &month, Paging::ALL)
            .unwrap();
        assert_eq!(cats.rows[0].key.as_deref(), Some("ニュース"));
        assert_eq!((cats.rows[0].requests, cats.rows[0].bytes), (4, 400));
        assert_eq!((cats.total_keys, cats.total_requests), (3, 6));
        assert!(cats.rows.iter().any(|r| r.key.is_none()));
        let hosts = s
            .access_top(AccessDimension::SrcIp, &month, Paging::first(1))
            .unwrap();
        assert_eq!(hosts.rows.len(), 1);
        assert_eq!(s.count(&EventFilter::default()).unwrap(), 0, "no raw rows");
    }

    #[test]
    fn uptime_is_split_per_day() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.record_uptime(at(10, 0), at(11, 12), true).unwrap();
        s.record_uptime(at(11, 12), at(12, 0), false).unwrap();
        let days = s.uptime(&StatsFilter::month(date(1))).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, date(10));
        assert_eq!(days[0].online, Duration::from_secs(86_400));
        assert_eq!(days[1].online, Duration::from_secs(12 * 3600));
        assert_eq!(days[1].offline, Duration::from_secs(12 * 3600));
    }

    #[test]
    fn retention_drops_raw_rows_at_62_days_and_statistics_at_180() {
        let mut s = store_with_month();
        s.record_uptime(at(26, 0), at(27, 0), true).unwrap();
        let day63 = day_start(date(26)) + Duration::from_secs(63 * 86_400);
        let purged = s.apply_retention(day63).unwrap();
        assert_eq!(
            purged.raw_rows, 35,
            "rows up to 2017-09-26 are older than 62 days"
        );
        assert_eq!(purged.stats_rows, 0);
        let first_day = StatsFilter {
            from: Some(date(26)),
            until: Some(date(27)),
            ..StatsFilter::default()
        };
        let kept = s.top(Dimension::SrcIp, &first_day, Paging::ALL).unwrap();
        assert_eq!(kept.total_count, 30, "statistics outlive raw rows");
        assert_eq!(
            s.count(&EventFilter::default()).unwrap(),
            1,
            "2017-09-27's row stays"
        );

        let day181 = day_start(date(26)) + Duration::from_secs(181 * 86_400);
        s.apply_retention(day181).unwrap();
        let month = StatsFilter::month(date(1));
        let left = s.top(Dimension::SrcIp, &month, Paging::ALL).unwrap();
        assert_eq!(left.total_count, 1, "only 2017-09-27 is within 180 days");
        assert!(s.uptime(&month).unwrap().is_empty());
        assert_eq!(
            jst_day(day181),
            NaiveDate::from_ymd_opt(2018, 3, 26).unwrap()
        );
    }
}
