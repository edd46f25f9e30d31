//! The endpoint monthly report's model (seed 002): every section and item
//! of the antivirus report, and the EDR option's part, computed from the
//! endpoint store; language-neutral, serialised as the canonical JSON.
//!
//! Order and items follow seed 002's contents list (レポートには、下記の内容
//! が記されています): 概要, ウイルス/不正プログラム, Webレピュテーション,
//! スパイウェア/グレーウェア, 挙動監視, URLフィルタ, ネットワークウイルス; then,
//! with the EDR licence only, 不審アクティビティの検出, 保護の概要, エンドポイント
//! 保護, メールの保護. With the antivirus licence alone the EDR part is
//! absent (`edr: None`) and the renderings say why; EDR detections in the
//! store are then not reported anywhere.
//!
//! Choices the seed leaves open, made here:
//! - 「エンドポイント」 tables of sections that also have a servers table
//!   count PCs and mobiles (servers have their own table); the others count
//!   every device.
//! - Ties in a top-N are ordered by name, so the same store always gives the
//!   same rows.
//! - The month-over-month change of a feature with no detection last month
//!   is no percentage ([`Change::New`]: the renderings say "none last month,
//!   N this month"); with none in either month, [`Change::None`].
//! - The agents counted (installed, unsupported OS, protections off) are
//!   those with a status in the month, as their newest status of the month
//!   says. An agent is offline on a day when, at the end of that JST day, its
//!   last contact is 14 days or more old ([`AgentStatus::offline_at`]).

use super::store::{Column, Count, Days, Devices, EdrObject, EndpointStore, Top};
use super::{Action, AgentStatus, DeviceKind, EdrStatus, Feature, Licence, Product, Protections};
use crate::report::{Month, OfficeInfo, Unreadable};
use crate::store::StoreError;
use crate::store::stats::day_start;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON model; bump it when a field changes meaning.
pub const MODEL_VERSION: u32 = 1;

/// Rows of the EDR objects list (1-5) at most; the rest are counted.
pub const EDR_OBJECTS: usize = 50;

/// What one antivirus section holds: (feature, endpoint rows, server rows
/// (0: no servers table), the actions always listed (seed order), name
/// rows (0: no names table)).
pub struct SectionSpec {
    pub feature: Feature,
    pub endpoints: usize,
    pub servers: usize,
    pub actions: &'static [Action],
    pub names: usize,
}

/// The antivirus report's sections in seed 002's order, with their items.
pub const SECTIONS: [SectionSpec; 6] = [
    SectionSpec {
        feature: Feature::VirusMalware,
        endpoints: 5,
        servers: 5,
        actions: &[
            Action::Cleaned,
            Action::Deleted,
            Action::Passed,
            Action::Quarantined,
            Action::Renamed,
            Action::NeedsAttention,
        ],
        names: 5,
    },
    SectionSpec {
        feature: Feature::WebReputation,
        endpoints: 10,
        servers: 0,
        actions: &[],
        names: 0,
    },
    SectionSpec {
        feature: Feature::SpywareGrayware,
        endpoints: 5,
        servers: 5,
        actions: &[
            Action::Cleaned,
            Action::NotCleaned,
            Action::RestartRequired,
            Action::Unsafe,
        ],
        names: 5,
    },
    SectionSpec {
        feature: Feature::BehaviourMonitoring,
        endpoints: 5,
        servers: 0,
        actions: &[],
        names: 10,
    },
    SectionSpec {
        feature: Feature::UrlFilter,
        endpoints: 10,
        servers: 0,
        actions: &[],
        names: 10,
    },
    SectionSpec {
        feature: Feature::NetworkVirus,
        endpoints: 10,
        servers: 0,
        actions: &[],
        names: 10,
    },
];

/// The whole endpoint report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndpointReport {
    pub model_version: u32,
    pub office: OfficeInfo,
    /// `YYYY-MM`.
    pub month: String,
    /// First and last day of the month (both included).
    pub from: String,
    pub to: String,
    pub licence: Licence,
    pub overview: Overview,
    /// The six antivirus sections, in the seed's order.
    pub sections: Vec<FeatureSection>,
    /// The EDR option's part; `None` with the antivirus licence alone.
    pub edr: Option<EdrPart>,
    /// Items whose data could not be read, with the store's error.
    pub unreadable: Vec<Unreadable>,
}

/// 概要: product, agents installed, detection overview.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Overview {
    /// The agent programs in use (with their versions), by name.
    pub programs: Vec<String>,
    /// The pattern versions in use, newest release first, with their dates.
    pub patterns: Vec<Pattern>,
    pub agents: u64,
    pub desktops: u64,
    pub servers: u64,
    pub mobiles: u64,
    /// Agents / seats in tenths of a percent; `None` without seats.
    pub used_tenths: Option<u64>,
    /// Per antivirus feature: this month, last month and the change.
    pub detections: Vec<FeatureChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pattern {
    pub version: String,
    pub date: String,
    pub agents: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeatureChange {
    pub feature: Feature,
    pub this_month: u64,
    pub previous_month: u64,
    pub change: Change,
}

/// A month-over-month change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// More than last month, by `tenths` of a percent of last month's.
    Up {
        tenths: u64,
    },
    /// Fewer than last month, by `tenths` of a percent of last month's.
    Down {
        tenths: u64,
    },
    Same,
    /// None last month, some this month: no percentage exists.
    New,
    /// None in either month.
    None,
}

impl Change {
    /// The change from `previous` to `current`, percentages rounded to a
    /// tenth (half up).
    pub fn between(previous: u64, current: u64) -> Change {
        let rate = |diff: u64| {
            let (d, p) = (u128::from(diff), u128::from(previous));
            u64::try_from((d * 1000 + p / 2) / p).unwrap_or(u64::MAX)
        };
        match (previous, current) {
            (0, 0) => Change::None,
            (0, _) => Change::New,
            (p, c) if c > p => Change::Up {
                tenths: rate(c - p),
            },
            (p, c) if c < p => Change::Down {
                tenths: rate(p - c),
            },
            _ => Change::Same,
        }
    }
}

/// A number of tenths as the seed writes percentages: `20`, `17.2`.
pub fn tenths_text(tenths: u64) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// One day of a trend; `count` is `None` on a day without data (agent
/// trends: no status was received that day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayCount {
    pub day: String,
    pub count: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionCount {
    pub action: Action,
    pub count: u64,
}

/// One antivirus section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeatureSection {
    pub feature: Feature,
    /// 検出総数
    pub total: u64,
    /// 検出数が上位のエンドポイント
    pub top_endpoints: Top,
    /// 検出数が上位のサーバ (virus/malware and spyware/grayware only).
    pub top_servers: Option<Top>,
    /// 検出の傾向: every day of the month.
    pub daily: Vec<DayCount>,
    /// 処理の結果: the seed's actions always (0 included), in its order,
    /// then any other action that occurred.
    pub actions: Option<Vec<ActionCount>>,
    /// The top names: malware, grayware, programs, URL categories,
    /// network viruses.
    pub top_names: Option<Top>,
}

/// The EDR option's part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdrPart {
    /// 1. 不審アクティビティの検出
    pub suspicious: Suspicious,
    /// 2. 保護の概要
    pub protection: ProtectionOverview,
    /// 3. エンドポイント保護: 3-1..3-5, the endpoints with each one off.
    pub settings: Vec<ProtectionOff>,
    /// 4. メールの保護: 4-1..4-5, none provided by the service.
    pub mail: Vec<MailProtection>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Suspicious {
    pub total: u64,
    /// 1-1: events needing attention per day.
    pub daily: Vec<DayCount>,
    /// 1-2: the top 5 objects.
    pub top_objects: Top,
    /// 1-3: the top 5 risky endpoints.
    pub top_endpoints: Top,
    /// 1-4: every status (0 included), then events sent without one.
    pub statuses: Vec<StatusCount>,
    /// 1-5: the objects with their results.
    pub objects: Vec<EdrObject>,
    /// Rows of 1-5 in all (more than shown when over [`EDR_OBJECTS`]).
    pub objects_total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    /// `None`: the agent sent no status.
    pub status: Option<EdrStatus>,
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProtectionOverview {
    /// 2-1: agents offline 14 days or more, at the end of each day.
    pub offline_daily: Vec<DayCount>,
    /// The agents offline at the end of the month's last day with data.
    pub offline_last: Vec<String>,
    /// 2-2: agents whose pattern is not the newest, per day.
    pub outdated_daily: Vec<DayCount>,
    /// 2-3: endpoints on an OS the vendor no longer supports.
    pub unsupported: Vec<EndpointOs>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointOs {
    pub endpoint: String,
    pub os: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtectionOff {
    /// One of [`Protections::LISTED`].
    pub protection: &'static str,
    pub endpoints: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailProtection {
    /// `general`, `spam`, `malware`, `web_reputation`, `sandbox`.
    pub item: &'static str,
    /// Always false: 「本機能は提供しておりません」.
    pub provided: bool,
}

/// The mail protection items 4-1..4-5.
pub const MAIL_ITEMS: [&str; 5] = ["general", "spam", "malware", "web_reputation", "sandbox"];

/// Collects item errors while the report is built.
struct Reader<'a> {
    store: &'a EndpointStore,
    unreadable: Vec<Unreadable>,
}

impl Reader<'_> {
    fn read<T: Default>(
        &mut self,
        item: &str,
        query: impl FnOnce(&EndpointStore) -> Result<T, StoreError>,
    ) -> T {
        query(self.store).unwrap_or_else(|e| {
            self.unreadable.push(Unreadable {
                section: item.to_string(),
                error: e.to_string(),
            });
            T::default()
        })
    }
}

fn month_days(month: Month) -> Days {
    Days {
        from: month.first_day(),
        until: month.next().first_day(),
    }
}

/// Every day of `month` with the counts of `known` (0 elsewhere).
fn every_day(month: Month, known: &[(chrono::NaiveDate, u64)]) -> Vec<DayCount> {
    month
        .first_day()
        .iter_days()
        .take(month.days() as usize)
        .map(|d| DayCount {
            day: d.to_string(),
            count: Some(known.iter().find(|(k, _)| *k == d).map_or(0, |(_, n)| *n)),
        })
        .collect()
}

impl EndpointReport {
    /// The report of `month` for an office with `licence`, from `store`.
    pub fn build(
        store: &EndpointStore,
        office: &OfficeInfo,
        licence: &Licence,
        month: Month,
    ) -> EndpointReport {
        let days = month_days(month);
        let mut r = Reader {
            store,
            unreadable: Vec::new(),
        };
        let agent_days = r.read("agents", |s| s.agent_days(days));
        // The newest status of each agent in the month.
        let mut newest: BTreeMap<&str, &AgentStatus> = BTreeMap::new();
        for a in &agent_days {
            newest.insert(a.status.endpoint.as_str(), &a.status);
        }
        let sections: Vec<FeatureSection> = SECTIONS
            .iter()
            .map(|spec| section(&mut r, spec, month))
            .collect();
        let previous = {
            // The month before: its first day is the day before this one's, made a month.
            let before = month.first_day().pred_opt().unwrap_or(month.first_day());
            month_days(Month::of(before))
        };
        let detections = sections
            .iter()
            .map(|s| {
                let previous_month = r.read("overview", |st| st.total(s.feature, previous));
                FeatureChange {
                    feature: s.feature,
                    this_month: s.total,
                    previous_month,
                    change: Change::between(previous_month, s.total),
                }
            })
            .collect();
        let overview = overview(&newest, licence, detections);
        let edr = licence
            .has_edr()
            .then(|| edr(&mut r, month, &agent_days, &newest));
        let last = month
            .next()
            .first_day()
            .pred_opt()
            .unwrap_or(month.first_day());
        EndpointReport {
            model_version: MODEL_VERSION,
            office: office.clone(),
            month: month.to_string(),
            from: month.first_day().to_string(),
            to: last.to_string(),
            licence: licence.clone(),
            overview,
            sections,
            edr,
            unreadable: r.unreadable,
        }
    }

    /// The product the report is about.
    pub fn product(&self) -> Product {
        self.licence.product
    }
}

fn overview(
    newest: &BTreeMap<&str, &AgentStatus>,
    licence: &Licence,
    detections: Vec<FeatureChange>,
) -> Overview {
    let count = |kind: DeviceKind| newest.values().filter(|a| a.device == kind).count() as u64;
    let agents = newest.len() as u64;
    let mut programs: Vec<String> = newest.values().map(|a| a.program.clone()).collect();
    programs.sort();
    programs.dedup();
    let mut patterns: BTreeMap<(chrono::NaiveDate, &str), u64> = BTreeMap::new();
    for a in newest.values() {
        *patterns
            .entry((a.pattern_date, a.pattern_version.as_str()))
            .or_default() += 1;
    }
    Overview {
        programs,
        patterns: patterns
            .into_iter()
            .rev()
            .map(|((date, version), agents)| Pattern {
                version: version.to_string(),
                date: date.to_string(),
                agents,
            })
            .collect(),
        agents,
        desktops: count(DeviceKind::Desktop),
        servers: count(DeviceKind::Server),
        mobiles: count(DeviceKind::Mobile),
        used_tenths: (licence.seats > 0).then(|| {
            let seats = u64::from(licence.seats);
            (agents * 1000 + seats / 2) / seats
        }),
        detections,
    }
}

fn section(r: &mut Reader<'_>, spec: &SectionSpec, month: Month) -> FeatureSection {
    let days = month_days(month);
    let f = spec.feature;
    let item = |what: &str| format!("{}.{what}", f.code());
    let total = r.read(&item("total"), |s| s.total(f, days));
    let endpoints_of = if spec.servers > 0 {
        Devices::NotServers
    } else {
        Devices::All
    };
    let top_endpoints = r.read(&item("top_endpoints"), |s| {
        s.top(f, Column::Endpoint, endpoints_of, days, spec.endpoints)
    });
    let top_servers = (spec.servers > 0).then(|| {
        r.read(&item("top_servers"), |s| {
            s.top(f, Column::Endpoint, Devices::Servers, days, spec.servers)
        })
    });
    let daily = every_day(month, &r.read(&item("trend"), |s| s.daily(f, days)));
    let actions = (!spec.actions.is_empty()).then(|| {
        let found = r.read(&item("actions"), |s| s.actions(f, days));
        let mut rows: Vec<ActionCount> = spec
            .actions
            .iter()
            .map(|a| ActionCount {
                action: *a,
                count: found.iter().find(|(k, _)| k == a).map_or(0, |(_, n)| *n),
            })
            .collect();
        let mut others: Vec<ActionCount> = found
            .iter()
            .filter(|(a, n)| *n > 0 && !spec.actions.contains(a))
            .map(|(a, n)| ActionCount {
                action: *a,
                count: *n,
            })
            .collect();
        others.sort_by_key(|c| c.action);
        rows.extend(others);
        rows
    });
    let top_names = (spec.names > 0).then(|| {
        r.read(&item("top_names"), |s| {
            s.top(f, Column::Threat, Devices::All, days, spec.names)
        })
    });
    FeatureSection {
        feature: f,
        total,
        top_endpoints,
        top_servers,
        daily,
        actions,
        top_names,
    }
}

fn edr(
    r: &mut Reader<'_>,
    month: Month,
    agent_days: &[super::store::AgentDay],
    newest: &BTreeMap<&str, &AgentStatus>,
) -> EdrPart {
    let days = month_days(month);
    let f = Feature::SuspiciousActivity;
    let total = r.read("edr.total", |s| s.total(f, days));
    let daily = every_day(month, &r.read("edr.trend", |s| s.daily(f, days)));
    let top_objects = r.read("edr.top_objects", |s| {
        s.top(f, Column::Object, Devices::All, days, 5)
    });
    let top_endpoints = r.read("edr.top_endpoints", |s| {
        s.top(f, Column::Endpoint, Devices::All, days, 5)
    });
    let found = r.read("edr.status", |s| s.edr_statuses(days));
    let mut statuses: Vec<StatusCount> = EdrStatus::ALL
        .iter()
        .map(|st| StatusCount {
            status: Some(*st),
            count: found
                .iter()
                .filter(|(k, _)| *k == Some(*st))
                .map(|(_, n)| n)
                .sum(),
        })
        .collect();
    let unknown: u64 = found
        .iter()
        .filter(|(k, _)| k.is_none())
        .map(|(_, n)| n)
        .sum();
    if unknown > 0 {
        statuses.push(StatusCount {
            status: None,
            count: unknown,
        });
    }
    let (objects, objects_total) = r.read("edr.objects", |s| s.edr_objects(days, EDR_OBJECTS));
    let suspicious = Suspicious {
        total,
        daily,
        top_objects,
        top_endpoints,
        statuses,
        objects,
        objects_total,
    };

    // 2. Agents, day by day, from the day's last status of each.
    let mut offline_daily = Vec::new();
    let mut outdated_daily = Vec::new();
    let mut offline_last = Vec::new();
    for day in month.first_day().iter_days().take(month.days() as usize) {
        let rows: Vec<&AgentStatus> = agent_days
            .iter()
            .filter(|a| a.day == day)
            .map(|a| &a.status)
            .collect();
        let end = day_start(day.succ_opt().unwrap_or(day));
        let (offline, outdated) = if rows.is_empty() {
            (None, None)
        } else {
            let offline: Vec<String> = rows
                .iter()
                .filter(|a| a.offline_at(end))
                .map(|a| a.endpoint.clone())
                .collect();
            let n = offline.len() as u64;
            offline_last = offline;
            (
                Some(n),
                Some(rows.iter().filter(|a| !a.up_to_date).count() as u64),
            )
        };
        offline_daily.push(DayCount {
            day: day.to_string(),
            count: offline,
        });
        outdated_daily.push(DayCount {
            day: day.to_string(),
            count: outdated,
        });
    }
    let unsupported = newest
        .values()
        .filter(|a| !a.os_supported)
        .map(|a| EndpointOs {
            endpoint: a.endpoint.clone(),
            os: a.os.clone(),
        })
        .collect();
    let settings = Protections::LISTED
        .iter()
        .map(|p| ProtectionOff {
            protection: p,
            endpoints: newest
                .values()
                .filter(|a| a.protections.is_on(p) == Some(false))
                .map(|a| a.endpoint.clone())
                .collect(),
        })
        .collect();
    EdrPart {
        suspicious,
        protection: ProtectionOverview {
            offline_daily,
            offline_last,
            outdated_daily,
            unsupported,
        },
        settings,
        mail: MAIL_ITEMS
            .iter()
            .map(|item| MailProtection {
                item,
                provided: false,
            })
            .collect(),
    }
}

/// The rows of a top-N with their rank, for the renderers.
pub fn ranked(top: &Top) -> impl Iterator<Item = (usize, &Count)> {
    top.rows.iter().enumerate().map(|(i, c)| (i + 1, c))
}
