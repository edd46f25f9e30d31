//! The internet access statistics (インターネットアクセス): the allowed
//! traffic of a period counted by URL category, by site or by device, read
//! from the store's per-day statistics (allowed requests are never kept as
//! log rows, seed 000 Q6). As on the real console the page stops at the top
//! 20 rows, seed 000 Q4: 「UIの仕様上、上限20件となっております。より詳細な分析を
//! したい場合、ユーザ名や期間を細分化して表示してください。」 So it can be
//! narrowed to a shorter period, and the users' view to one user (device);
//! the totals always cover every row, and the monthly report lists them all.
//! A user's sites cannot be shown: the store counts sites and devices apart
//! (seed 000 L502 「「いつどの端末からどのサイトにアクセスしたのか」という情報
//! までは知ることができません」, FAQ Q6).

use super::source::Source;
use super::widgets;
use crate::labels::Lang;
use crate::store::stats::jst_day;
use crate::store::{AccessDimension, Paging, StatsFilter};
use chrono::{Duration as Days, NaiveDate};
use std::net::Ipv4Addr;

/// The most rows the page shows (seed 000 Q4: 上限20件).
pub const TOP_ROWS: usize = 20;

/// The periods the page offers, in days ending today (the gateway's clock).
pub const PERIODS: &[u32] = &[1, 7, 30, 90, 180];

/// What the page was asked for, already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub by: AccessDimension,
    pub days: u32,
    /// Only this user's (device's) traffic.
    pub user: Option<Ipv4Addr>,
}

impl Query {
    /// From the page's query parameters; empty ones take the defaults
    /// (by category, 30 days, every user).
    pub fn parse(by: &str, days: &str, user: &str) -> Result<Query, String> {
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
        let user = match user.trim() {
            "" => None,
            text => Some(
                text.parse::<Ipv4Addr>()
                    .map_err(|_| format!("`{text}` is not a user: the IPv4 address of a device"))?,
            ),
        };
        if user.is_some() && by != AccessDimension::SrcIp {
            return Err(
                "`user` narrows the users' view only: which device visited which site is not \
                 recorded (FAQ Q6); narrow sites and categories by period"
                    .to_string(),
            );
        }
        Ok(Query { by, days, user })
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
    /// More rows than the page shows.
    pub capped: bool,
    /// The user the page is narrowed to, as the page names it.
    pub user: Option<String>,
}

/// The top rows of the statistics `q` asks for.
pub fn page(source: &dyn Source, lang: Lang, q: &Query) -> Result<Page, String> {
    let now = widgets::now_of(source).map_err(|e| e.to_string())?;
    let today = jst_day(now);
    let from: NaiveDate = today - Days::days(i64::from(q.days) - 1);
    let filter = StatsFilter {
        from: Some(from),
        until: Some(today + Days::days(1)),
        src_ip: q.user,
        ..StatsFilter::default()
    };
    let stats = source
        .store()
        .access_top(
            q.by,
            &filter,
            Paging {
                offset: 0,
                limit: TOP_ROWS,
            },
        )
        .map_err(|e| e.to_string())?;
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
                rank: i + 1,
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
        capped: stats.total_keys > TOP_ROWS as u64,
        user: q.user.map(|ip| {
            let (name, detail) = widgets::device_label(source, ip);
            if detail.is_empty() {
                name
            } else {
                format!("{name} ({detail})")
            }
        }),
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
        let q = Query::parse("", "", "").unwrap();
        assert_eq!(
            (q.by, q.days, q.user),
            (AccessDimension::Category, 30, None)
        );
        assert_eq!(
            Query::parse("user", "7", "192.168.1.21").unwrap(),
            Query {
                by: AccessDimension::SrcIp,
                days: 7,
                user: Some(Ipv4Addr::new(192, 168, 1, 21)),
            }
        );
        for by in ["host", "category", ""] {
            assert!(
                Query::parse(by, "7", "192.168.1.21").is_err_and(|e| e.contains("FAQ Q6")),
                "{by}"
            );
        }
        assert!(Query::parse("site", "", "").is_err());
        assert!(Query::parse("", "12", "").is_err());
        assert!(Query::parse("", "", "PC-01").is_err());
        assert!(Query::parse("", "", "192.168.1.300").is_err());
    }

    #[test]
    fn shares() {
        assert_eq!(share(1, 3), "33.3");
        assert_eq!(share(2, 3), "66.7");
        assert_eq!(share(5, 5), "100.0");
        assert_eq!(share(0, 0), "0.0");
    }
}
