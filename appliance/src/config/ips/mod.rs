//! IPS settings (`inspect::ips`): the mode, the rule files and the parsed rules, in the
//! Suricata-subset language of [`rule`].

pub mod rule;

use rule::{Rule, RuleVars, parse_rules};
use serde::Deserialize;

pub use rule::RuleError;

/// The rules shipped with the gateway.
pub const BUILTIN_RULES: &str = include_str!("../../../rules/officetwin.rules");
/// How the shipped rules are named in errors and logs.
pub const BUILTIN_RULES_NAME: &str = "officetwin.rules";

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IpsMode {
    /// Do what each rule says.
    Prevent,
    /// Log only, never drop (IDS).
    Detect,
}

/// The IPS settings. `rule_files` are read by the loader into `rules`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct IpsPolicy {
    pub enabled: bool,
    pub mode: IpsMode,
    /// Rule files, relative to the scenario folder; none means the shipped set.
    pub rule_files: Vec<String>,
    /// The parsed rules (filled at the edge, never from YAML).
    #[serde(skip)]
    pub rules: Vec<Rule>,
}

impl Default for IpsPolicy {
    fn default() -> Self {
        IpsPolicy {
            enabled: true,
            mode: IpsMode::Prevent,
            rule_files: Vec::new(),
            rules: builtin_rules(),
        }
    }
}

/// The shipped rules, parsed. They are checked by a unit test, so parsing
/// cannot fail at run time; if it ever did, the IPS would start empty.
pub fn builtin_rules() -> Vec<Rule> {
    parse_rules(BUILTIN_RULES_NAME, BUILTIN_RULES, &RuleVars::default()).unwrap_or_default()
}
