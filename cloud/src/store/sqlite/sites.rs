//! The `site_stats` table: malicious-site detections by the site reached and
//! why it was judged malicious, for the report's per-URL table (seed 000,
//! FAQ Q5: 「月次レポートの検出された不正サイトに自社HPのURLが表示される」 —
//! 「判定理由は「SSL証明書の期限切れ」などが考えられます」).
//!
//! | table | key | counts |
//! |---|---|---|
//! | `site_stats` | day, engine, site, why | `count` |
//!
//! Added within schema 3 like `uninspected_stats`: created if missing when a
//! store is opened for writing; a store written before it reads as empty.
//! Only web reputation's detections are kept: the other engines' sites are
//! C&C servers (their own section) or have no site at all.

use super::{Inner, SqliteStore, engine_name};
use crate::store::stats::{Paging, SiteRow, SitesPage, StatsFilter, day_number, jst_day};
use appliance::reason::ValidityBound;
use appliance::{Engine, Event, Reason};
use rusqlite::{Transaction, params, params_from_iter};
use std::collections::BTreeMap;

pub(super) const SCHEMA_SITES: &str = "
CREATE TABLE IF NOT EXISTS site_stats (
    day    INTEGER NOT NULL,
    engine TEXT    NOT NULL,
    site   TEXT    NOT NULL,
    why    TEXT    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (day, engine, site, why)
) WITHOUT ROWID;
";

const UPSERT_SITE: &str = "INSERT INTO site_stats (day, engine, site, why, count)
    VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT DO UPDATE SET count = count + excluded.count";

/// Why web reputation judged a site malicious, as the report names it: the
/// certificate (expired, not yet valid, or otherwise invalid) or the site's
/// score. The score is kept with its value (`score:12`) so the report can
/// show the rating the customer would look up.
pub fn why_of(event: &Event) -> String {
    let mut score = None;
    let mut certificate = None;
    for r in &event.reasons {
        match r {
            Reason::CertificateValidity { bound, .. } => {
                certificate = Some(match bound {
                    ValidityBound::NotAfter => SiteRow::CERTIFICATE_EXPIRED,
                    ValidityBound::NotBefore => SiteRow::CERTIFICATE_NOT_YET_VALID,
                });
            }
            Reason::InvalidCertificate => {
                certificate.get_or_insert(SiteRow::CERTIFICATE_INVALID);
            }
            Reason::ReputationScore { score: s, .. } => score = Some(*s),
            _ => {}
        }
    }
    match (certificate, score) {
        (Some(c), _) => c.to_string(),
        (None, Some(s)) => format!("{}{s}", SiteRow::SCORE_PREFIX),
        (None, None) => String::new(),
    }
}

/// The site an event reached: the name the client asked for, else the
/// server's address.
fn site_of(event: &Event) -> String {
    event
        .host
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .map_or_else(|| event.dst_ip.to_string(), str::to_ascii_lowercase)
}

/// Adds the web reputation detections among `events` to `site_stats`,
/// inside the caller's transaction.
pub(super) fn add_sites(tx: &Transaction<'_>, events: &[Event]) -> rusqlite::Result<()> {
    let mut counts: BTreeMap<(i64, &'static str, String, String), i64> = BTreeMap::new();
    for e in events.iter().filter(|e| e.engine == Engine::WebReputation) {
        let key = (
            day_number(jst_day(e.time)),
            engine_name(e.engine),
            site_of(e),
            why_of(e),
        );
        *counts.entry(key).or_default() += 1;
    }
    if counts.is_empty() {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(UPSERT_SITE)?;
    for ((day, engine, site, why), n) in counts {
        upsert.execute(params![day, engine, site, why, n])?;
    }
    Ok(())
}

impl SqliteStore {
    /// The most detected malicious sites in the filter's days (its host
    /// filter does not apply: the table has no source), with why.
    pub(super) fn site_top_inner(
        &self,
        filter: &StatsFilter,
        page: Paging,
    ) -> Result<SitesPage, Inner> {
        if !self.has_table("site_stats")? {
            return Ok(SitesPage::default());
        }
        let mut scoped = filter.clone();
        scoped.src_ip = None;
        scoped.blocking_only = false;
        let (clause, mut values) = super::stats::stats_where(&scoped, &[]);
        let totals = format!(
            "SELECT count(*), coalesce(sum(n), 0) FROM \
             (SELECT site, why, sum(count) AS n FROM site_stats{clause} GROUP BY site, why)"
        );
        let (total_keys, total_count): (i64, i64) = self
            .conn
            .prepare_cached(&totals)?
            .query_row(params_from_iter(values.iter()), |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
        let sql = format!(
            "SELECT site, why, sum(count) AS n FROM site_stats{clause} \
             GROUP BY site, why ORDER BY n DESC, site, why LIMIT ? OFFSET ?"
        );
        values.push(rusqlite::types::Value::Integer(to_i64(page.limit)));
        values.push(rusqlite::types::Value::Integer(to_i64(page.offset)));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let n: i64 = row.get(2)?;
            out.push(SiteRow {
                site: row.get(0)?,
                why: row.get(1)?,
                count: u64::try_from(n).unwrap_or(0),
            });
        }
        Ok(SitesPage {
            rows: out,
            total_keys: u64::try_from(total_keys).unwrap_or(0),
            total_count: u64::try_from(total_count).unwrap_or(0),
        })
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
