//! The IPS rule files a policy names (`ips.rule_files`), read from the
//! folder of the policy file, as the twin's loader reads them beside the
//! scenario: a deploy is the policy file and the rule files it names.

use appliance::Config;
use appliance::inspect::firewall::Cidr;
use appliance::inspect::ips::{self, RuleVars};
use std::collections::BTreeMap;
use std::path::Path;

/// The most bytes one rule file may hold (the shipped set is about 10 KiB).
pub const MAX_RULE_FILE: u64 = 4 << 20;

/// Whether `name` is a plain relative path (no `..`, `.`, empty part or
/// leading `/`): rule files stay inside the policy's folder.
pub fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Replaces `config.ips.rules` by the rules of the files `config.ips.rule_files`
/// names, relative to `dir`, with `$HOME_NET` = `home_net` (the office LAN;
/// none: the parser's private ranges). No file named: the shipped rules stay.
/// Errors name the file, and `FILE:LINE:COL` for a rule that does not parse.
pub fn load_rule_files(config: &mut Config, dir: &Path, home_net: &[Cidr]) -> Result<(), String> {
    if config.ips.rule_files.is_empty() {
        return Ok(());
    }
    let vars = if home_net.is_empty() {
        RuleVars::default()
    } else {
        RuleVars {
            home_net: home_net.to_vec(),
        }
    };
    let mut rules = Vec::new();
    for name in &config.ips.rule_files {
        if !is_plain(name) {
            return Err(format!(
                "ips.rule_files: `{name}` is not a path inside the policy's folder"
            ));
        }
        let path = dir.join(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("ips.rule_files: {}: {e}", path.display()))?
            .len();
        if size > MAX_RULE_FILE {
            return Err(format!(
                "ips.rule_files: {} holds {size} bytes, more than {MAX_RULE_FILE}",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("ips.rule_files: {}: {e}", path.display()))?;
        rules.extend(ips::parse_rules(name, &text, &vars).map_err(|e| e.to_string())?);
    }
    let mut seen = BTreeMap::new();
    for rule in &rules {
        if let Some(first) = seen.insert(rule.sid, &rule.origin) {
            return Err(format!(
                "ips.rule_files: sid {} is in {first} and in {}",
                rule.sid, rule.origin
            ));
        }
    }
    config.ips.rules = rules;
    Ok(())
}
