//! The internet access statistics (インターネットアクセス): the allowed
//! traffic of a period counted by URL category, by site or by device, read
//! from the store's per-day statistics (allowed requests are never kept as
//! log rows, seed 000 Q6). Every row is reachable: sorted by requests, then
//! paged, with the totals of all pages.

use super::source::Source;
use super::widgets;
use crate::labels::Lang;
use crate::store::stats::jst_day;
use crate::store::{AccessDimension, Paging, StatsFilter};
use chrono::{Duration as Days, NaiveDate};

/// Rows per page unless asked otherwise, and the most a page may hold.
pub const PAGE_ROWS: usize = 50;
pub const MAX_PAGE_ROWS: usize = 500;

/// The periods the page offers, in days ending today (the gateway's clock).
pub const PERIODS: &[u32] = &[1, 7, 30, 90, 180];

/// What the page was asked for, already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub by: AccessDimension,
    pub days: u32,
    /// 1-based.
    pub page: usize,
    /// Rows per page.
    pub rows: usize,
}

impl Query {
    /// From the page's query parameters; empty ones take the defaults
    /// (by category, 30 days, first page of [`PAGE_ROWS`]).
    pub fn parse(by: &str, days: &str, page: &str, rows: &str) -> Result<Query, String> {
        let by = match by.trim() {
            "" | "category" => AccessDimension::Category,
            "host" => AccessDimension::Host,
            "user" => AccessDimension::SrcIp,
            other => {
                return Err(format!(
                    "`{other}` is not a grouping: category, host or user"
                ));
            }
        };
        let days = match days.trim() {
            "" => 30,
            text => match text.parse::<u32>() {
                Ok(d) if PERIODS.contains(&d) => d,
                _ => {
                    return Err(format!(
                        "`{text}` is not a period: {}",
                        PERIODS
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            },
        };
        let page = match page.trim() {
            "" => 1,
            text => match text.parse::<usize>() {
                Ok(p) if p >= 1 => p,
                _ => return Err(format!("`{text}` is not a page number")),
            },
        };
        let rows = match rows.trim() {
            "" => PAGE_ROWS,
            text => match text.parse::<usize>() {
                Ok(r) if (1..=MAX_PAGE_ROWS).contains(&r) => r,
                _ => {
                    return Err(format!(
                        "`{text}` is not a number of rows per page (1 to {MAX_PAGE_ROWS})"
                    ));
                }
            },
        };
        Ok(Query {
            by,
            days,
            page,
            rows,
        })
    }

    pub fn by_code(&self) -> &'static str {
        match self.by {
            AccessDimension::Category => "category",
            AccessDimension::Host => "host",
            AccessDimension::SrcIp => "user",
        }
    }
}

/// One row as the page shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    pub rank: usize,
    pub label: String,
    pub detail: String,
    pub requests: u64,
    pub bytes: u64,
    /// Share of all requests of the period, percent with one decimal.
    pub share: String,
}

/// A page of the statistics.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page {
    pub rows: Vec<Row>,
    pub from: String,
    pub to: String,
    pub total_keys: u64,
    pub total_requests: u64,
    pub total_bytes: u64,
    pub page: usize,
    pub pages: usize,
    pub rows_per_page: usize,
}

/// The page of statistics `q` asks for.
pub fn page(source: &dyn Source, lang: Lang, q: &Query) -> Result<Page, String> {
    let now = widgets::now_of(source).map_err(|e| e.to_string())?;
    let today = jst_day(now);
    let from: NaiveDate = today - Days::days(i64::from(q.days) - 1);
    let filter = StatsFilter {
        from: Some(from),
        until: Some(today + Days::days(1)),
        ..StatsFilter::default()
    };
    let offset = (q.page - 1).saturating_mul(q.rows);
    let stats = source
        .store()
        .access_top(
            q.by,
            &filter,
            Paging {
                offset,
                limit: q.rows,
            },
        )
        .map_err(|e| e.to_string())?;
    let total_keys = usize::try_from(stats.total_keys).unwrap_or(usize::MAX);
    let pages = total_keys.div_ceil(q.rows).max(1);
    let rows = stats
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (label, detail) = match (&r.key, q.by) {
                (None, _) => (lang.t("uncategorised").to_string(), String::new()),
                (Some(ip), AccessDimension::SrcIp) => match ip.parse() {
                    Ok(ip) => widgets::device_label(source, ip),
                    Err(_) => (ip.clone(), String::new()),
                },
                (Some(key), _) => (key.clone(), String::new()),
            };
            Row {
                rank: offset + i + 1,
                label,
                detail,
                requests: r.requests,
                bytes: r.bytes,
                share: share(r.requests, stats.total_requests),
            }
        })
        .collect();
    Ok(Page {
        rows,
        from: from.format("%Y-%m-%d").to_string(),
        to: today.format("%Y-%m-%d").to_string(),
        total_keys: stats.total_keys,
        total_requests: stats.total_requests,
        total_bytes: stats.total_bytes,
        page: q.page,
        pages,
        rows_per_page: q.rows,
    })
}

fn share(part: u64, all: u64) -> String {
    if all == 0 {
        return "0.0".into();
    }
    // Tenths of a percent, rounded, in integers: no float formatting drift.
    let tenths = (u128::from(part) * 1000 + u128::from(all) / 2) / u128::from(all);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        let q = Query::parse("", "", "", "").unwrap();
        assert_eq!(
            (q.by, q.days, q.page, q.rows),
            (AccessDimension::Category, 30, 1, PAGE_ROWS)
        );
        assert_eq!(
            Query::parse("host", "7", "3", "10").unwrap(),
            Query {
                by: AccessDimension::Host,
                days: 7,
                page: 3,
                rows: 10,
            }
        );
        assert!(Query::parse("site", "", "", "").is_err());
        assert!(Query::parse("", "12", "", "").is_err());
        assert!(Query::parse("", "", "0", "").is_err());
        assert!(Query::parse("", "", "-1", "").is_err());
        assert!(Query::parse("", "", "", "0").is_err());
        assert!(Query::parse("", "", "", "100000").is_err());
    }

    #[test]
    fn shares() {
        assert_eq!(share(1, 3), "33.3");
        assert_eq!(share(2, 3), "66.7");
        assert_eq!(share(5, 5), "100.0");
        assert_eq!(share(0, 0), "0.0");
    }
}
