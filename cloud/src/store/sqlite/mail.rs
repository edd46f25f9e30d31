//! The `mail_stats` table: the mail security engines' detections on mail,
//! by engine and action, for the report's mail-security section (issue 16;
//! seed 000: メールセキュリティ機能でのスパム判定のログ, seed 001: the
//! [ウイルス駆除済み] tag and email reputation's refusals).
//!
//! | table | key | counts |
//! |---|---|---|
//! | `mail_stats` | day, engine, action | `count` |
//!
//! Anti-malware scans web downloads and mail alike; only its detections on
//! a mail (a [`Reason::Mail`] or [`Reason::Attachment`] link) count here.
//! Added within schema 3 like `uninspected_stats`: created if missing when
//! a store is opened for writing; a store written before it reads as empty.

use super::{Inner, SqliteStore, action_name, engine_name, parse_action, parse_engine};
use crate::store::stats::{MailCount, StatsFilter, day_number, jst_day};
use appliance::{Engine, Event, Reason};
use rusqlite::{Transaction, params, params_from_iter};
use std::collections::BTreeMap;

pub(super) const SCHEMA_MAIL: &str = "
CREATE TABLE IF NOT EXISTS mail_stats (
    day    INTEGER NOT NULL,
    engine TEXT    NOT NULL,
    action TEXT    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (day, engine, action)
) WITHOUT ROWID;
";

const UPSERT_MAIL: &str = "INSERT INTO mail_stats (day, engine, action, count)
    VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT DO UPDATE SET count = count + excluded.count";

/// Whether the event is a mail engine's detection on mail: anti-spam's and
/// email reputation's always; anti-malware's when it names a mail or an
/// attachment (its web downloads are not mail).
pub fn on_mail(event: &Event) -> bool {
    match event.engine {
        Engine::AntiSpam | Engine::EmailReputation => true,
        Engine::AntiMalware => event
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::Mail { .. } | Reason::Attachment { .. })),
        _ => false,
    }
}

/// Adds the detections on mail among `events` to `mail_stats`, inside the
/// caller's transaction.
pub(super) fn add_mail(tx: &Transaction<'_>, events: &[Event]) -> rusqlite::Result<()> {
    let mut counts: BTreeMap<(i64, &'static str, &'static str), i64> = BTreeMap::new();
    for e in events.iter().filter(|e| on_mail(e)) {
        let key = (
            day_number(jst_day(e.time)),
            engine_name(e.engine),
            action_name(e.action),
        );
        *counts.entry(key).or_default() += 1;
    }
    if counts.is_empty() {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(UPSERT_MAIL)?;
    for ((day, engine, action), n) in counts {
        upsert.execute(params![day, engine, action, n])?;
    }
    Ok(())
}

impl SqliteStore {
    /// Detections on mail in the filter's days, per engine and action, in
    /// engine then action order (the filter's engines and host do not apply).
    pub(super) fn mail_counts_inner(&self, filter: &StatsFilter) -> Result<Vec<MailCount>, Inner> {
        if !self.has_table("mail_stats")? {
            return Ok(Vec::new());
        }
        let mut scoped = filter.clone();
        scoped.engines.clear();
        scoped.src_ip = None;
        scoped.blocking_only = false;
        let (clause, values) = super::stats::stats_where(&scoped, &[]);
        let sql = format!(
            "SELECT engine, action, sum(count) FROM mail_stats{clause} GROUP BY engine, action"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let engine: String = row.get(0)?;
            let action: String = row.get(1)?;
            let n: i64 = row.get(2)?;
            out.push(MailCount {
                engine: parse_engine(&engine)
                    .ok_or_else(|| super::corrupt(0, "engine", &engine))?,
                action: parse_action(&action)
                    .ok_or_else(|| super::corrupt(0, "action", &action))?,
                count: u64::try_from(n).unwrap_or(0),
            });
        }
        out.sort_by_key(|c| (c.engine, c.action));
        Ok(out)
    }
}
