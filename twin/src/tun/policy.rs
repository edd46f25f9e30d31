//! What a firmware under test is given, cut from its scenario: the policy
//! file (the scenario's `gateway:` completed as the loader completes it,
//! its top-level `policy:` included), the intel file, and the IPS rule files
//! the policy names. Once written, the files are read back the way the
//! firmware reads them ([`firmware::rules`] for the rule files) and must give
//! exactly the configuration the twin loaded, so the firmware enforces the
//! scenario's configuration and nothing else.

use crate::catalog::Catalog;
use crate::load::LoadError;
use crate::model::Scenario;
use appliance::config::ips::rule::Rule;
use appliance::inspect::firewall::Cidr;
use std::fs;
use std::io;
use std::path::Path;

/// A scenario as written: its YAML and the rule files it names.
#[derive(Clone, Debug, Default)]
pub struct ScenarioSource {
    /// The scenario's YAML text.
    pub yaml: String,
    /// `(name as in ips.rule_files, text)` of every rule file it names.
    pub rule_files: Vec<(String, String)>,
}

impl ScenarioSource {
    /// The sources of `scenario` in `catalog`.
    pub fn from_catalog(
        catalog: &Catalog,
        scenario: &Scenario,
    ) -> Result<ScenarioSource, LoadError> {
        let yaml = catalog.scenario_source(&scenario.id)?;
        let mut rule_files = Vec::new();
        for name in &scenario.gateway.ips.rule_files {
            let text = catalog.file(name)?.ok_or_else(|| LoadError::Io {
                path: name.clone(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such rule file"),
            })?;
            rule_files.push((name.clone(), text));
        }
        Ok(ScenarioSource { yaml, rule_files })
    }
}

/// The office LAN: `$HOME_NET` of the rule files, as the loader sets it.
pub fn home_net(scenario: &Scenario) -> Cidr {
    Cidr {
        net: scenario.office.lan,
        prefix: scenario.office.lan_prefix,
    }
}

/// The policy and intel files of `scenario`, from its YAML `source`.
pub fn policy_and_intel(scenario: &Scenario, source: &str) -> io::Result<(String, String)> {
    use serde_yaml::{Mapping, Value};
    let bad = |what: String| io::Error::other(format!("scenario {}: {what}", scenario.id));
    let doc: Value = serde_yaml::from_str(source).map_err(|e| bad(e.to_string()))?;
    let section = |key: &str| match doc.get(key) {
        None | Some(Value::Null) => Ok(Mapping::new()),
        Some(Value::Mapping(m)) => Ok(m.clone()),
        Some(_) => Err(bad(format!("`{key}:` is not a mapping"))),
    };
    let mut gateway = section("gateway")?;
    gateway.insert("name".into(), scenario.gateway.name.clone().into());
    if !gateway.contains_key("seed") {
        gateway.insert("seed".into(), scenario.gateway.seed.into());
    }
    // The scenario's top-level `policy:` (the web policy, FAQ Q8) replaces
    // the gateway's, as the loader does.
    if let Some(policy) = doc.get("policy").filter(|p| !p.is_null()) {
        gateway.insert("policy".into(), policy.clone());
    }
    let intel = section("intel")?;
    let policy = serde_yaml::to_string(&gateway).map_err(|e| bad(e.to_string()))?;
    let intel_text = serde_yaml::to_string(&intel).map_err(|e| bad(e.to_string()))?;
    Ok((policy, intel_text))
}

/// Writes the policy (`policy.yaml`), the intel (`intel/intel.yaml`) and the
/// rule files (beside the policy, at the names the policy gives) into `dir`,
/// then reads them back as the firmware will and checks they give the
/// twin's configuration.
pub fn write(
    scenario: &Scenario,
    source: &ScenarioSource,
    policy_path: &Path,
    intel_path: &Path,
) -> io::Result<()> {
    let bad = |what: String| io::Error::other(format!("scenario {}: {what}", scenario.id));
    let (policy, intel) = policy_and_intel(scenario, &source.yaml)?;
    fs::write(policy_path, policy)?;
    fs::write(intel_path, intel)?;
    let dir = policy_path.parent().unwrap_or(Path::new("."));
    for (name, text) in &source.rule_files {
        if !firmware::rules::is_plain(name) {
            return Err(bad(format!(
                "rule file `{name}` is not inside the scenarios folder"
            )));
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, text)?;
    }
    verify(scenario, policy_path, intel_path)
}

/// Reads the written files back as the firmware does and compares them
/// with the configuration and intel the twin loaded.
fn verify(scenario: &Scenario, policy_path: &Path, intel_path: &Path) -> io::Result<()> {
    let bad = |what: String| io::Error::other(format!("scenario {}: {what}", scenario.id));
    let text = fs::read_to_string(policy_path)?;
    let mut reread: appliance::Config =
        serde_yaml::from_str(&text).map_err(|e| bad(format!("policy for the firmware: {e}")))?;
    let dir = policy_path.parent().unwrap_or(Path::new("."));
    firmware::rules::load_rule_files(&mut reread, dir, &[home_net(scenario)])
        .map_err(|e| bad(format!("rule files for the firmware: {e}")))?;
    if let Some(what) = differs(&scenario.gateway, &reread) {
        return Err(bad(format!(
            "the policy written for the firmware differs from the one the twin loaded ({what})"
        )));
    }
    let text = fs::read_to_string(intel_path)?;
    let reread: appliance::FrozenIntel =
        serde_yaml::from_str(&text).map_err(|e| bad(format!("intel for the firmware: {e}")))?;
    if reread != scenario.intel {
        return Err(bad(
            "the intel written for the firmware differs from the one the twin loaded".into(),
        ));
    }
    Ok(())
}

/// What differs between the twin's configuration and the firmware's, if
/// anything. A rule's origin is `FILE:LINE` for logs: the twin names the
/// file by its path in the catalog, the firmware by its name in the policy,
/// so only the name and line must agree.
pub fn differs(twin: &appliance::Config, firmware: &appliance::Config) -> Option<String> {
    let (a, b) = (&twin.ips.rules, &firmware.ips.rules);
    if a.len() != b.len() {
        return Some(format!(
            "{} IPS rules loaded, {} for the firmware",
            a.len(),
            b.len()
        ));
    }
    let bare = |r: &Rule| Rule {
        origin: String::new(),
        ..r.clone()
    };
    for (x, y) in a.iter().zip(b) {
        if bare(x) != bare(y) || !x.origin.ends_with(&y.origin) {
            return Some(format!(
                "IPS rule sid {} ({} and {})",
                x.sid, x.origin, y.origin
            ));
        }
    }
    let mut twin = twin.clone();
    let mut firmware = firmware.clone();
    twin.ips.rules.clear();
    firmware.ips.rules.clear();
    if twin == firmware {
        None
    } else {
        Some(first_field_difference(&twin, &firmware))
    }
}

/// The first line where the two configurations' pretty debug forms differ
/// (enough to say where to look).
fn first_field_difference(a: &appliance::Config, b: &appliance::Config) -> String {
    let (a, b) = (format!("{a:#?}"), format!("{b:#?}"));
    let mut path: Vec<&str> = Vec::new();
    for (x, y) in a.lines().zip(b.lines()) {
        // The enclosing fields (`name: Struct {`) are the path so far.
        let depth = x.len() - x.trim_start().len();
        path.truncate(depth / 4);
        if x != y {
            path.push(x.trim());
            return format!("at `{}`", path.join(" "));
        }
        if x.trim_end().ends_with('{') || x.trim_end().ends_with('[') {
            path.push(x.trim().trim_end_matches(['{', '[']).trim());
        }
    }
    "in length".to_string()
}
