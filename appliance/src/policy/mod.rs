//! The web policy: the security profile "【50-1】初期設定のプロファイル" with
//! its web tabs (web reputation, URL filtering rules with sources, categories,
//! applications and schedules, allow and block lists).
//!
//! Two layers, as everywhere in the project: [`RawPolicy`] is the YAML shape
//! (serde, `deny_unknown_fields`), [`Policy`] the validated one the engines
//! read. [`validate`] turns one into the other and names the failing field
//! by its YAML path (`url_filtering.rules[0].schedule`), so a loader with a
//! YAML index can point at file:line:col. A policy that fails validation
//! never reaches a gateway: the running one stays in force.

pub mod apps;
pub mod categories;
pub mod lists;
pub mod schedule;

pub use categories::{Category, UrlCategories};
pub use lists::{Entry, ListVerdict, Subject, UrlList, UrlLists};
pub use schedule::Schedule;

use crate::labels;
use apps as app_control;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub use crate::labels::DEFAULT_PROFILE;

// ------------------------------------------------------------------ raw

/// A policy as written in YAML.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub web_reputation: Option<RawReputation>,
    #[serde(default)]
    pub url_filtering: Option<RawUrlFiltering>,
    #[serde(default)]
    pub allow_list: Vec<String>,
    #[serde(default)]
    pub block_list: Vec<String>,
    /// Named schedules besides the built-in `business hours` and `weekdays`.
    #[serde(default)]
    pub schedules: BTreeMap<String, RawSchedule>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawReputation {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub expired_certificate: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawUrlFiltering {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub name: String,
    /// IPs, CIDR ranges, `a-b` ranges, MACs; empty or absent = everybody.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Category or group names.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Application names (application control).
    #[serde(default)]
    pub applications: Vec<String>,
    #[serde(default)]
    pub schedule: Option<String>,
    pub action: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
}

// ------------------------------------------------------------ validated

/// The validated web policy the engines enforce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub profile: String,
    pub web_reputation: ReputationPolicy,
    pub url_filtering: UrlFiltering,
    /// The allow list (許可リスト) and the block list (ブロックリスト).
    pub lists: UrlLists,
    pub categories: Arc<UrlCategories>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            profile: DEFAULT_PROFILE.to_string(),
            web_reputation: ReputationPolicy::default(),
            url_filtering: UrlFiltering {
                enabled: true,
                rules: Vec::new(),
            },
            lists: UrlLists::default(),
            categories: UrlCategories::builtin(),
        }
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawPolicy::deserialize(d)?;
        validate(&raw, UrlCategories::builtin()).map_err(serde::de::Error::custom)
    }
}

/// Web reputation settings (the "Webレピュテーション" tab).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReputationPolicy {
    pub enabled: bool,
    pub level: Level,
    /// What an expired (or not yet valid) server certificate gets.
    pub expired_certificate: CertAction,
}

impl Default for ReputationPolicy {
    fn default() -> Self {
        ReputationPolicy {
            enabled: true,
            level: Level::Medium,
            expired_certificate: CertAction::Block,
        }
    }
}

/// Which score bands are blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Dangerous, highly suspicious and suspicious.
    High,
    /// Dangerous and highly suspicious (the product's default).
    Medium,
    /// Dangerous only.
    Low,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertAction {
    Block,
    Monitor,
    Off,
}

/// URL filtering and application control rules, evaluated top-down; the
/// first rule that applies decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlFiltering {
    pub enabled: bool,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    /// Empty: every source.
    pub sources: Vec<Source>,
    /// Canonical category names.
    pub categories: Vec<String>,
    /// Canonical application names.
    pub applications: Vec<String>,
    pub schedule: Option<Schedule>,
    pub action: RuleAction,
}

impl Rule {
    pub fn applies_to(&self, ip: Ipv4Addr, mac: [u8; 6]) -> bool {
        self.sources.is_empty() || self.sources.iter().any(|s| s.matches(ip, mac))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Block,
    Monitor,
    Allow,
}

/// Who a rule is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Ip(Ipv4Addr),
    Cidr { net: Ipv4Addr, prefix: u8 },
    Range(Ipv4Addr, Ipv4Addr),
    Mac([u8; 6]),
}

impl Source {
    pub fn matches(&self, ip: Ipv4Addr, mac: [u8; 6]) -> bool {
        match *self {
            Source::Ip(a) => a == ip,
            Source::Cidr { net, prefix } => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                u32::from(ip) & mask == u32::from(net) & mask
            }
            Source::Range(a, b) => (a..=b).contains(&ip),
            Source::Mac(m) => m == mac,
        }
    }

    fn parse(text: &str) -> Option<Source> {
        let t = text.trim();
        if let Ok(ip) = t.parse() {
            return Some(Source::Ip(ip));
        }
        if let Some((net, prefix)) = t.split_once('/') {
            let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
            return Some(Source::Cidr {
                net: net.parse().ok()?,
                prefix,
            });
        }
        if let Some((a, b)) = t.split_once('-') {
            let (a, b): (Ipv4Addr, Ipv4Addr) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            return (a <= b).then_some(Source::Range(a, b));
        }
        let parts: Vec<&str> = t.split([':', '-']).collect();
        if parts.len() == 6 {
            let mut mac = [0u8; 6];
            for (slot, part) in mac.iter_mut().zip(&parts) {
                if part.len() != 2 {
                    return None;
                }
                *slot = u8::from_str_radix(part, 16).ok()?;
            }
            return Some(Source::Mac(mac));
        }
        None
    }
}

// ----------------------------------------------------------- validation

/// Why a policy was refused: where (a YAML path relative to the policy's
/// root) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub path: String,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

fn err(path: impl Into<String>, message: impl Into<String>, help: Option<String>) -> PolicyError {
    PolicyError {
        path: path.into(),
        message: message.into(),
        help,
    }
}

/// Checks a raw policy against a category table and builds the policy.
pub fn validate(raw: &RawPolicy, table: Arc<UrlCategories>) -> Result<Policy, PolicyError> {
    let defaults = ReputationPolicy::default();
    let rep = raw.web_reputation.clone().unwrap_or_default();
    let level = match rep.level.as_deref().map(|l| l.trim().to_ascii_lowercase()) {
        None => defaults.level,
        Some(l) if l == "high" || l == labels::LEVEL_HIGH => Level::High,
        Some(l) if l == "medium" || l == labels::LEVEL_MEDIUM => Level::Medium,
        Some(l) if l == "low" || l == labels::LEVEL_LOW => Level::Low,
        Some(other) => {
            return Err(err(
                "web_reputation.level",
                format!("unknown level `{other}`"),
                Some("write high, medium (the default) or low".into()),
            ));
        }
    };
    let expired_certificate = match rep.expired_certificate.as_deref().map(str::trim) {
        None => defaults.expired_certificate,
        Some("block") => CertAction::Block,
        Some("monitor") => CertAction::Monitor,
        Some("off") => CertAction::Off,
        Some(other) => {
            return Err(err(
                "web_reputation.expired_certificate",
                format!("unknown action `{other}`"),
                Some("write block, monitor or off".into()),
            ));
        }
    };

    let mut schedules: BTreeMap<String, Schedule> = BTreeMap::new();
    for s in [Schedule::business_hours(), Schedule::weekdays()] {
        schedules.insert(s.name.clone(), s);
    }
    for (name, s) in &raw.schedules {
        let at = |k: &str| format!("schedules.{name}.{k}");
        let mut days = Vec::new();
        for (i, d) in s.days.iter().enumerate() {
            days.push(schedule::parse_day(d).ok_or_else(|| {
                err(
                    format!("schedules.{name}.days[{i}]"),
                    format!("`{d}` is not a day of the week"),
                    Some("write mon, tue, wed, thu, fri, sat or sun".into()),
                )
            })?);
        }
        if days.is_empty() {
            return Err(err(at("days"), "a schedule needs at least one day", None));
        }
        let time = |k: &str, v: &str| {
            schedule::parse_time(v).ok_or_else(|| {
                err(
                    at(k),
                    format!("`{v}` is not a time of day"),
                    Some("write HH:MM from 00:00 to 24:00, in JST".into()),
                )
            })
        };
        let (from, to) = (time("from", &s.from)?, time("to", &s.to)?);
        if from == to {
            return Err(err(at("to"), "the schedule's window is empty", None));
        }
        schedules.insert(
            name.trim().to_ascii_lowercase(),
            Schedule::new(name.trim(), &days, from, to),
        );
    }

    let filtering = raw.url_filtering.clone().unwrap_or_default();
    let mut rules = Vec::with_capacity(filtering.rules.len());
    for (i, r) in filtering.rules.iter().enumerate() {
        let at = |k: &str| format!("url_filtering.rules[{i}].{k}");
        if r.name.trim().is_empty() {
            return Err(err(at("name"), "a rule needs a name", None));
        }
        let mut sources = Vec::new();
        for (j, s) in r.sources.iter().enumerate() {
            if s.trim().eq_ignore_ascii_case("any") {
                continue;
            }
            sources.push(Source::parse(s).ok_or_else(|| {
                err(
                    format!("url_filtering.rules[{i}].sources[{j}]"),
                    format!("`{s}` is not an IP address, range or MAC address"),
                    Some("write 192.168.1.11, 192.168.1.0/24, 192.168.1.10-192.168.1.20 or 00:14:22:8e:5a:3b".into()),
                )
            })?);
        }
        let mut categories: Vec<String> = Vec::new();
        for (j, c) in r.categories.iter().enumerate() {
            if let Some(cat) = table.get(c) {
                categories.push(cat.name.clone());
            } else if table.is_group(c) {
                categories.extend(table.in_group(c).map(|c| c.name.clone()));
            } else {
                let near = table.suggest(c);
                let help = if near.is_empty() {
                    "see appliance/data/url-categories.yaml for the category names".to_string()
                } else {
                    format!("did you mean {}?", near.join(", "))
                };
                return Err(err(
                    format!("url_filtering.rules[{i}].categories[{j}]"),
                    format!("unknown URL category `{c}`"),
                    Some(help),
                ));
            }
        }
        let mut applications = Vec::new();
        for (j, a) in r.applications.iter().enumerate() {
            let app = app_control::by_name(a).ok_or_else(|| {
                err(
                    format!("url_filtering.rules[{i}].applications[{j}]"),
                    format!("unknown application `{a}`"),
                    Some(format!(
                        "known applications: {}",
                        app_control::names().join(", ")
                    )),
                )
            })?;
            applications.push(app.name.to_string());
        }
        if categories.is_empty() && applications.is_empty() {
            return Err(err(
                at("name"),
                format!("rule `{}` names no category and no application", r.name),
                None,
            ));
        }
        let schedule = match &r.schedule {
            None => None,
            Some(name) => Some(
                schedules
                    .get(&name.trim().to_ascii_lowercase())
                    .cloned()
                    .ok_or_else(|| {
                        err(
                            at("schedule"),
                            format!("unknown schedule `{name}`"),
                            Some(format!(
                                "known schedules: {}",
                                schedules.keys().cloned().collect::<Vec<_>>().join(", ")
                            )),
                        )
                    })?,
            ),
        };
        let action = match r.action.trim() {
            "block" => RuleAction::Block,
            "monitor" => RuleAction::Monitor,
            "allow" => RuleAction::Allow,
            other => {
                return Err(err(
                    at("action"),
                    format!("unknown action `{other}`"),
                    Some("write block, monitor or allow".into()),
                ));
            }
        };
        rules.push(Rule {
            name: r.name.trim().to_string(),
            sources,
            categories,
            applications,
            schedule,
            action,
        });
    }

    let list = |key: &str, entries: &[String]| -> Result<UrlList, PolicyError> {
        let mut parsed = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            parsed.push(
                Entry::parse(e)
                    .map_err(|x| err(format!("{key}[{i}]"), x.message, Some(x.help.into())))?,
            );
        }
        Ok(UrlList::new(parsed))
    };

    Ok(Policy {
        profile: raw
            .profile
            .clone()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string()),
        web_reputation: ReputationPolicy {
            enabled: rep.enabled.unwrap_or(true),
            level,
            expired_certificate,
        },
        url_filtering: UrlFiltering {
            enabled: filtering.enabled.unwrap_or(true),
            rules,
        },
        lists: UrlLists::new(
            list("allow_list", &raw.allow_list)?,
            list("block_list", &raw.block_list)?,
        ),
        categories: table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = serde_yaml::from_str(yaml).expect("shape");
        validate(&raw, UrlCategories::builtin())
    }

    #[test]
    fn a_full_policy_validates() {
        let p = parse(
            r#"
profile: "【50-1】初期設定のプロファイル"
web_reputation: { level: high }
url_filtering:
  rules:
    - name: 業務時間帯の動画禁止
      sources: [192.168.1.0/24]
      categories: [Streaming Media, Adult]
      schedule: business hours
      action: block
    - name: P2P
      applications: [BitTorrent]
      action: block
allow_list: ["www.print-shop.example"]
block_list: ["*.bad.example"]
schedules:
  lunch: { days: [mon, tue], from: "12:00", to: "13:00" }
"#,
        )
        .expect("valid");
        assert_eq!(p.web_reputation.level, Level::High);
        assert_eq!(p.url_filtering.rules.len(), 2);
        assert!(
            p.url_filtering.rules[0]
                .categories
                .contains(&"Pornography".to_string())
        );
        assert!(p.url_filtering.rules[0].applies_to(Ipv4Addr::new(192, 168, 1, 11), [0; 6]));
        assert!(!p.url_filtering.rules[0].applies_to(Ipv4Addr::new(10, 0, 0, 1), [0; 6]));
    }

    #[test]
    fn bad_input_names_its_path() {
        let e = parse(
            "url_filtering:\n  rules:\n    - { name: x, categories: [Videos], action: block }\n",
        )
        .expect_err("unknown category");
        assert_eq!(e.path, "url_filtering.rules[0].categories[0]");
        assert!(e.message.contains("Videos"));
        let e = parse("allow_list: [\"www.*.example\"]\n").expect_err("wildcard");
        assert_eq!(e.path, "allow_list[0]");
        let e = parse("schedules:\n  late: { days: [mon], from: \"22:00\", to: \"25:00\" }\n")
            .expect_err("25:00");
        assert_eq!(e.path, "schedules.late.to");
        let e = parse("url_filtering:\n  rules:\n    - { name: x, categories: [Gambling], schedule: never, action: block }\n")
            .expect_err("schedule");
        assert_eq!(e.path, "url_filtering.rules[0].schedule");
    }

    #[test]
    fn sources_parse() {
        let ip = Ipv4Addr::new(192, 168, 1, 15);
        assert!(Source::parse("192.168.1.10-192.168.1.20").is_some_and(|s| s.matches(ip, [0; 6])));
        assert!(
            Source::parse("00:14:22:8E:5A:3B")
                .is_some_and(|s| s.matches(ip, [0, 0x14, 0x22, 0x8e, 0x5a, 0x3b]))
        );
        assert!(Source::parse("192.168.1.0/33").is_none());
        assert!(Source::parse("PC-XP").is_none());
    }
}
