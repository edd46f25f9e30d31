//! The CLI's network-protection outputs: checking IPS rule files, and the
//! device list a run leaves (`devices.csv`, the console's デバイスリスト).

use anyhow::{Context, Result};
use appliance::inspect::ips::rule::Rule;
use appliance::inspect::ips::{self, RuleVars};
use std::fmt::Write as _;
use std::path::Path;

/// Parses rule files, all or nothing; an error reads `FILE:LINE:COL: reason`.
pub fn load_rules(files: &[impl AsRef<Path>]) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for file in files {
        let path = file.as_ref();
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        rules.extend(ips::parse_rules(
            &path.display().to_string(),
            &text,
            &RuleVars::default(),
        )?);
    }
    Ok(rules)
}

/// One line per rule: where, sid, action and message.
pub fn describe(rules: &[Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(
            out,
            "{}  sid {} rev {}  {}  {}",
            r.origin, r.sid, r.rev, r.action, r.msg
        );
    }
    out
}

/// The device list as CSV: MAC, IP, vendor, host name, OS guess, first and
/// last seen (JST), and when the C&C callback-host rule flagged it.
pub fn devices_csv(devices: &appliance::inspect::devices::Devices) -> String {
    // The last column is named after the engine whose rule flags the host.
    let mut out = format!(
        "MAC,IP,vendor,host name,OS guess,first seen (JST),last seen (JST),{} host since (JST)\n",
        appliance::Engine::Cnc.label()
    );
    for d in devices.list() {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            d.mac,
            d.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            csv(d.vendor.unwrap_or("")),
            csv(d.hostname.as_deref().unwrap_or("")),
            csv(d.os_guess.as_deref().unwrap_or("")),
            d.first_seen.jst_string(),
            d.last_seen.jst_string(),
            d.callback_host.map(|t| t.jst_string()).unwrap_or_default(),
        );
    }
    out
}

fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
