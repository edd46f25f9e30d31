//! The monthly report: a canonical model computed from the store's statistics,
//! rendered as Markdown (for golden files), HTML with inline SVG charts, and
//! the report mail to the office's admin.
//!
//! The model ([`MonthlyReport`]) is language-neutral and serialises to the
//! canonical JSON; the renderers take a [`Lang`] and draw every word from one
//! label table ([`labels`]). Each section is read on its own: a section whose
//! query fails is listed as unreadable with the store's error, and the rest
//! of the report is still produced.

pub mod html;
pub mod mail;
pub mod markdown;
mod rating;

pub use crate::labels::Lang;
pub use rating::{Grade, Rating, RatingInputs};

use crate::labels;
use crate::store::stats::{day_number, next_month};
use crate::store::{
    AccessDimension, AccessPage, Dimension, LogStore, Paging, StatsFilter, StoreError, TopPage,
};
use appliance::Engine;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// Version of the JSON model; bump it when a field changes meaning.
pub const MODEL_VERSION: u32 = 1;

/// Rows in the report's top-N sections (the report guide's 上位10件).
pub const TOP: usize = 10;

/// Engines counted as "internet security" (not policy rules).
const SECURITY: [Engine; 8] = [
    Engine::Firewall,
    Engine::Ips,
    Engine::Dos,
    Engine::Cnc,
    Engine::WebReputation,
    Engine::AntiMalware,
    Engine::AntiSpam,
    Engine::EmailReputation,
];

/// Engines that enforce policy rules.
const POLICY: [Engine; 2] = [Engine::UrlFilter, Engine::AppControl];

/// Who the report is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OfficeInfo {
    /// The office's name as the scenario titles it.
    pub name: String,
    /// The gateway's name (e.g. `CloudEdge50-printshop`).
    pub gateway: String,
    /// Where the report mail goes.
    pub admin_mail: String,
    /// Device names by IP, to name the hosts in the tables.
    #[serde(skip)]
    pub hosts: BTreeMap<Ipv4Addr, String>,
}

/// A month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(text: &str) -> Result<Month, String> {
        NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
            .map(Month)
            .map_err(|_| format!("{text:?} is not a month like 2017-09"))
    }

    pub fn of(day: NaiveDate) -> Month {
        Month(day.with_day(1).unwrap_or(day))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn next(self) -> Month {
        Month(next_month(self.0))
    }

    pub fn days(self) -> u32 {
        u32::try_from(day_number(next_month(self.0)) - day_number(self.0)).unwrap_or(0)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

/// The whole report, as the canonical JSON shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthlyReport {
    pub model_version: u32,
    pub office: OfficeInfo,
    /// `YYYY-MM`.
    pub month: String,
    /// First and last day of the month (both included).
    pub from: String,
    pub to: String,
    pub coverage: Coverage,
    pub summary: Summary,
    pub cnc: HostSection,
    pub malicious_sites: HostSection,
    /// The same detections by the site reached and why (FAQ Q5: the
    /// customer finds their own site here, with the reason).
    pub malicious_urls: SiteSection,
    pub blocked_categories: KeySection,
    pub policies: KeySection,
    pub policy_users: HostSection,
    pub security_users: HostSection,
    pub threats: KeySection,
    /// Mail security: what the mail engines found on mail, by action.
    pub mail: MailSection,
    pub daily: Vec<DayRow>,
    pub internet_access: AccessSection,
    pub top_sites: AccessSection,
    /// Traffic the gateway passed uninspected, by why: only when some did
    /// (a month without any has no such section, in any rendering).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uninspected: Option<UninspectedSection>,
    /// Sections whose data could not be read, with the store's error.
    pub unreadable: Vec<Unreadable>,
}

/// Traffic the gateway let through without inspecting it, and why: its
/// flow table was full (fail-open), or the protocol is one it cannot read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UninspectedSection {
    pub rows: Vec<crate::store::Uninspected>,
}

/// How much of the month the gateway reported on (FAQ Q21).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub days: u32,
    /// Minutes the gateway was online and reporting.
    pub online_minutes: u64,
    /// Minutes the gateway said it was offline (cut off from the cloud).
    pub offline_minutes: u64,
    /// Minutes of the month with no word from the gateway at all.
    pub no_data_minutes: u64,
    /// Share of the month reported, in per mille (1000 = the whole month).
    pub reported_per_mille: u32,
    /// Days with some offline time, with the minutes offline.
    pub offline_days: Vec<DayMinutes>,
    /// Days with no data at all.
    pub no_data_days: Vec<String>,
}

impl Coverage {
    pub fn complete(&self) -> bool {
        self.offline_minutes == 0 && self.no_data_minutes == 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayMinutes {
    pub day: String,
    pub minutes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total_detections: u64,
    /// Detections per engine, glossary order, engines with none left out.
    pub by_engine: Vec<EngineCount>,
    pub allowed_requests: u64,
    pub rating: Rating,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineCount {
    pub engine: Engine,
    pub count: u64,
}

/// A top-N of hosts (users by IP).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HostSection {
    /// All detections of the section, not only the top rows'.
    pub total: u64,
    /// Distinct hosts.
    pub hosts: u64,
    pub rows: Vec<HostRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostRow {
    pub ip: String,
    /// The device's name in the office, when known.
    pub name: Option<String>,
    pub count: u64,
}

/// A top-N of malicious sites with why each was judged malicious.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SiteSection {
    /// All detections of the section, not only the top rows'.
    pub total: u64,
    /// Distinct (site, why) pairs.
    pub keys: u64,
    pub rows: Vec<crate::store::SiteRow>,
}

/// Detections on mail (viruses removed, spam tagged or blocked, senders
/// refused by email reputation), per engine and action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MailSection {
    pub total: u64,
    pub rows: Vec<crate::store::MailCount>,
}

/// Why a site was judged malicious, in words.
pub fn site_why(why: &str, lang: Lang) -> String {
    use crate::store::SiteRow;
    match why.strip_prefix(SiteRow::SCORE_PREFIX) {
        Some(score) => labels::tf("why_score", lang, &[("score", score.to_string())]),
        None if why.is_empty() => "-".to_string(),
        None => labels::t(&format!("why_{why}"), lang).to_string(),
    }
}

/// A top-N of names (categories, policies, threats).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeySection {
    pub total: u64,
    pub keys: u64,
    pub rows: Vec<KeyRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyRow {
    pub key: String,
    pub count: u64,
}

/// One day of the daily trend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayRow {
    pub day: String,
    pub status: DayStatus,
    pub total: u64,
    pub by_engine: Vec<EngineCount>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    Online,
    PartlyOffline,
    Offline,
    NoData,
}

impl DayStatus {
    pub fn label_key(self) -> &'static str {
        match self {
            DayStatus::Online => "day_online",
            DayStatus::PartlyOffline => "day_partial",
            DayStatus::Offline => "day_offline",
            DayStatus::NoData => "day_no_data",
        }
    }
}

/// Allowed traffic, from statistics only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AccessSection {
    pub total_requests: u64,
    pub total_bytes: u64,
    pub keys: u64,
    pub rows: Vec<AccessRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessRow {
    /// `None`: uncategorised (or no host name).
    pub key: Option<String>,
    pub requests: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub section: String,
    pub error: String,
}

/// Collects section errors while the report is built.
struct Builder<'a> {
    store: &'a dyn LogStore,
    month: StatsFilter,
    unreadable: Vec<Unreadable>,
}

impl Builder<'_> {
    fn read<T: Default>(
        &mut self,
        section: &str,
        query: impl FnOnce(&dyn LogStore, &StatsFilter) -> Result<T, StoreError>,
    ) -> T {
        match query(self.store, &self.month) {
            Ok(v) => v,
            Err(e) => {
                self.unreadable.push(Unreadable {
                    section: section.to_string(),
                    error: e.to_string(),
                });
                T::default()
            }
        }
    }
}

fn hosts(page: TopPage, office: &OfficeInfo) -> HostSection {
    HostSection {
        total: page.total_count,
        hosts: page.total_keys,
        rows: page
            .rows
            .into_iter()
            .map(|r| HostRow {
                name: r
                    .key
                    .parse::<Ipv4Addr>()
                    .ok()
                    .and_then(|ip| office.hosts.get(&ip).cloned()),
                ip: r.key,
                count: r.count,
            })
            .collect(),
    }
}

/// The rows of a top-N by source whose source is an office device (a
/// private address: RFC 1918, as every office LAN behind the box), the top
/// [`TOP`] of them, with the totals recounted over those rows alone.
fn lan_only(page: TopPage) -> TopPage {
    let lan: Vec<_> = page
        .rows
        .into_iter()
        .filter(|r| r.key.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_private()))
        .collect();
    TopPage {
        total_keys: lan.len() as u64,
        total_count: lan.iter().map(|r| r.count).sum(),
        rows: lan.into_iter().take(TOP).collect(),
    }
}

fn keys(page: TopPage) -> KeySection {
    KeySection {
        total: page.total_count,
        keys: page.total_keys,
        rows: page
            .rows
            .into_iter()
            .map(|r| KeyRow {
                key: r.key,
                count: r.count,
            })
            .collect(),
    }
}

fn access(page: AccessPage) -> AccessSection {
    AccessSection {
        total_requests: page.total_requests,
        total_bytes: page.total_bytes,
        keys: page.total_keys,
        rows: page
            .rows
            .into_iter()
            .map(|r| AccessRow {
                key: r.key,
                requests: r.requests,
                bytes: r.bytes,
            })
            .collect(),
    }
}

fn minutes(d: Duration) -> u64 {
    d.as_secs() / 60
}

impl MonthlyReport {
    /// Computes the report of `month` from the store's statistics.
    pub fn build(store: &dyn LogStore, office: &OfficeInfo, month: Month) -> MonthlyReport {
        let filter = StatsFilter::month(month.first_day());
        let mut b = Builder {
            store,
            month: filter,
            unreadable: Vec::new(),
        };
        let top = Paging::first(TOP);
        let by_host = |engines: &'static [Engine]| {
            move |s: &dyn LogStore, f: &StatsFilter| {
                s.top(Dimension::SrcIp, &f.clone().engines(engines), top)
            }
        };
        let cnc = hosts(b.read("cnc", by_host(&[Engine::Cnc])), office);
        let malicious = hosts(
            b.read("malicious_sites", by_host(&[Engine::WebReputation])),
            office,
        );
        let malicious_urls = {
            let page = b.read("malicious_urls", |s, f| {
                s.site_top(&f.clone().engines(&[Engine::WebReputation]), top)
            });
            SiteSection {
                total: page.total_count,
                keys: page.total_keys,
                rows: page.rows,
            }
        };
        // 「ブロックされた上位ユーザ」: the office's own devices the security
        // engines stopped. Senders and scanners on the internet are not users,
        // and a tagged or only-logged detection was not blocked (issue 16).
        let security_users = hosts(
            lan_only(b.read("security_users", |s, f| {
                s.top(
                    Dimension::SrcIp,
                    &f.clone().engines(&SECURITY).blocking(),
                    Paging::ALL,
                )
            })),
            office,
        );
        let policy_users = hosts(b.read("policy_users", by_host(&POLICY)), office);
        let blocked_categories = keys(b.read("blocked_categories", |s, f| {
            s.top(Dimension::Category, &f.clone().engines(&POLICY), top)
        }));
        let policies = keys(b.read("policies", |s, f| s.top(Dimension::Policy, f, top)));
        let threats = keys(b.read("threats", |s, f| s.top(Dimension::Threat, f, top)));
        let mail = {
            let rows = b.read("mail", |s, f| s.mail_counts(f));
            MailSection {
                total: rows.iter().map(|r| r.count).sum(),
                rows,
            }
        };
        let internet_access = access(b.read("internet_access", |s, f| {
            s.access_top(AccessDimension::Category, f, Paging::ALL)
        }));
        let top_sites = access(b.read("top_sites", |s, f| {
            s.access_top(AccessDimension::Host, f, top)
        }));
        let daily_counts = b.read("daily", |s, f| s.daily_counts(f));
        let uptime = b.read("coverage", |s, f| s.uptime(f));
        let uninspected = Some(b.read("uninspected", |s, f| s.uninspected(f)))
            .filter(|rows| rows.iter().any(|r| r.packets > 0 || r.flows > 0))
            .map(|rows| UninspectedSection { rows });

        // Coverage, day by day.
        let mut coverage = Coverage {
            days: month.days(),
            ..Coverage::default()
        };
        let mut daily = Vec::new();
        let mut by_engine: BTreeMap<Engine, u64> = BTreeMap::new();
        let mut day = month.first_day();
        while day < month.next().first_day() {
            let up = uptime.iter().find(|u| u.day == day);
            let online = up.map(|u| minutes(u.online)).unwrap_or(0);
            let offline = up.map(|u| minutes(u.offline)).unwrap_or(0);
            let no_data = (24 * 60u64).saturating_sub(online + offline);
            coverage.online_minutes += online;
            coverage.offline_minutes += offline;
            coverage.no_data_minutes += no_data;
            let name = day.format("%Y-%m-%d").to_string();
            if offline > 0 {
                coverage.offline_days.push(DayMinutes {
                    day: name.clone(),
                    minutes: offline,
                });
            }
            if online == 0 && offline == 0 {
                coverage.no_data_days.push(name.clone());
            }
            let status = match (online, offline) {
                (0, 0) => DayStatus::NoData,
                (0, _) => DayStatus::Offline,
                (_, 0) if no_data == 0 => DayStatus::Online,
                _ => DayStatus::PartlyOffline,
            };
            let counts: Vec<EngineCount> = daily_counts
                .iter()
                .filter(|d| d.day == day)
                .map(|d| EngineCount {
                    engine: d.engine,
                    count: d.count,
                })
                .collect();
            for c in &counts {
                *by_engine.entry(c.engine).or_default() += c.count;
            }
            daily.push(DayRow {
                day: name,
                status,
                total: counts.iter().map(|c| c.count).sum(),
                by_engine: counts,
            });
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        let month_minutes = u64::from(coverage.days) * 24 * 60;
        coverage.reported_per_mille = u32::try_from(
            (coverage.online_minutes * 1000)
                .checked_div(month_minutes)
                .unwrap_or(0),
        )
        .unwrap_or(1000);

        let by_engine: Vec<EngineCount> = by_engine
            .into_iter()
            .map(|(engine, count)| EngineCount { engine, count })
            .collect();
        let count_of = |engines: &[Engine]| -> u64 {
            by_engine
                .iter()
                .filter(|c| engines.contains(&c.engine))
                .map(|c| c.count)
                .sum()
        };
        let inputs = RatingInputs {
            cnc_hosts: cnc.hosts,
            cnc_detections: count_of(&[Engine::Cnc]),
            malicious_site_blocks: count_of(&[Engine::WebReputation]),
            malware_detections: count_of(&[Engine::AntiMalware]),
            intrusion_detections: count_of(&[Engine::Ips, Engine::Dos]),
            reported_per_mille: coverage.reported_per_mille,
        };
        let summary = Summary {
            total_detections: by_engine.iter().map(|c| c.count).sum(),
            by_engine,
            allowed_requests: internet_access.total_requests,
            rating: Rating::compute(inputs),
        };
        let last = month
            .next()
            .first_day()
            .pred_opt()
            .unwrap_or(month.first_day());
        MonthlyReport {
            model_version: MODEL_VERSION,
            office: office.clone(),
            month: month.to_string(),
            from: month.first_day().format("%Y-%m-%d").to_string(),
            to: last.format("%Y-%m-%d").to_string(),
            coverage,
            summary,
            cnc,
            malicious_sites: malicious,
            malicious_urls,
            blocked_categories,
            policies,
            policy_users,
            security_users,
            threats,
            mail,
            daily,
            internet_access,
            top_sites,
            uninspected,
            unreadable: b.unreadable,
        }
    }
}

/// Thousands separators, as the seed writes counts (1,146).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage with one decimal, e.g. `97.3%`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests;

/// The warnings the coverage calls for, in `lang` (both renderers print them).
pub fn coverage_warnings(report: &MonthlyReport, lang: Lang) -> Vec<String> {
    let c = &report.coverage;
    let mut out = Vec::new();
    if c.online_minutes == 0 && c.offline_minutes == 0 {
        out.push(labels::t("warn_none", lang).to_string());
        return out;
    }
    if c.offline_minutes > 0 {
        let days: Vec<String> = c.offline_days.iter().map(|d| d.day.clone()).collect();
        out.push(labels::tf(
            "warn_offline",
            lang,
            &[
                ("hours", format!("{:.1}", c.offline_minutes as f64 / 60.0)),
                ("days", day_ranges(&days)),
            ],
        ));
    }
    if !c.no_data_days.is_empty() {
        out.push(labels::tf(
            "warn_no_data",
            lang,
            &[
                ("n", c.no_data_days.len().to_string()),
                ("days", day_ranges(&c.no_data_days)),
            ],
        ));
    }
    out
}

/// `2017-09-01 – 2017-09-25, 2017-09-27 – 2017-09-30` from a sorted list of days.
fn day_ranges(days: &[String]) -> String {
    let parsed: Vec<NaiveDate> = days
        .iter()
        .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect();
    let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in parsed {
        match ranges.last_mut() {
            Some((_, end)) if end.succ_opt() == Some(d) => *end = d,
            _ => ranges.push((d, d)),
        }
    }
    ranges
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.format("%Y-%m-%d").to_string()
            } else {
                format!("{} – {}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first month of the service's summary report: seed 000, 「サマリレポート
/// (2018年9月~提供)」. Earlier months are rated too, by the same formula, and
/// say that the real service gave no rating then.
pub const SUMMARY_REPORT_SINCE: &str = "2018-09";

/// The rating as lines of text: grade and score, then notes.
pub fn rating_lines(report: &MonthlyReport, lang: Lang) -> Vec<String> {
    let r = &report.summary.rating;
    let mut out = Vec::new();
    match r.score {
        Some(score) => {
            let grade = match r.grade {
                Some(g) => labels::t(g.label_key(), lang),
                None => labels::t("grade_withheld", lang),
            };
            out.push(format!(
                "{}: {grade} — {} {score} / 100",
                labels::t("rating", lang),
                labels::t("score", lang)
            ));
            if r.incomplete {
                out.push(labels::tf(
                    "rating_incomplete",
                    lang,
                    &[(
                        "pct",
                        percent(u64::from(report.coverage.reported_per_mille), 1000),
                    )],
                ));
            }
        }
        None => out.push(format!(
            "{}: {} — {}",
            labels::t("rating", lang),
            labels::t("not_rated", lang),
            labels::t("rating_none", lang)
        )),
    }
    // `YYYY-MM` compares as text in time order; the note follows the grade
    // line, which the HTML shows as the headline.
    if report.month.as_str() < SUMMARY_REPORT_SINCE {
        out.push(labels::t("rating_before_summary", lang).to_string());
    }
    let d = r.deductions;
    out.push(labels::tf(
        "deductions",
        lang,
        &[
            ("a", d[0].to_string()),
            ("b", d[1].to_string()),
            ("c", d[2].to_string()),
            ("d", d[3].to_string()),
            ("e", d[4].to_string()),
        ],
    ));
    out
}

/// The report's sections in order: (guide key, title key).
pub const SECTIONS: [(&str, &str); 11] = [
    ("summary", "sec_summary"),
    ("cnc", "sec_cnc"),
    ("malicious", "sec_malicious"),
    ("categories", "sec_categories"),
    ("policies", "sec_policies"),
    ("policy_users", "sec_policy_users"),
    ("security_users", "sec_security_users"),
    ("threats", "sec_threats"),
    ("mail", "sec_mail"),
    ("daily", "sec_daily"),
    ("access", "sec_access"),
];
