//! What a firmware under test is given (`twin::tun::policy`): the policy,
//! intel and rule files written for it read back, the way the firmware
//! reads them, as the configuration the twin loaded. Files only: no root.
//!
//! Class (issue 15): a scenario's configuration comes from several places
//! (`gateway:`, the top-level `policy:`, `ips.rule_files`, the office's LAN
//! as `$HOME_NET`, the seed); each must reach the firmware. Before, a
//! top-level `policy:` (misblocked-company-site) or a rule file made TUN
//! mode refuse to start: "the policy written for the firmware differs".

use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use twin::catalog::Catalog;
use twin::tun::policy::{self, ScenarioSource};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scratch(label: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "officetwin-it-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes the firmware's files of scenario `id` into a fresh directory.
fn write_for_firmware(catalog: &Catalog, id: &str) -> Result<PathBuf, String> {
    let scenario = catalog.scenario(id).map_err(|e| e.to_string())?;
    let source = ScenarioSource::from_catalog(catalog, &scenario).map_err(|e| e.to_string())?;
    let dir = scratch("policy");
    let result = policy::write(
        &scenario,
        &source,
        &dir.join("policy.yaml"),
        &dir.join("intel.yaml"),
    );
    match result {
        Ok(()) => Ok(dir),
        Err(e) => {
            let _ = fs::remove_dir_all(&dir);
            Err(e.to_string())
        }
    }
}

#[test]
fn every_catalog_scenario_gives_the_firmware_its_own_configuration() {
    let catalog = Catalog::from_dir(scenarios_dir()).expect("catalog");
    let ids = catalog.ids();
    for id in [
        "misblocked-company-site",
        "ips-qa-rules",
        "winxp-cnc-beacon",
    ] {
        assert!(ids.iter().any(|i| i == id), "no scenario {id}");
    }
    for id in &ids {
        let dir = write_for_firmware(&catalog, id).unwrap_or_else(|e| panic!("{id}: {e}"));
        let _ = fs::remove_dir_all(dir);
    }
}

/// The rule files land beside the policy, at the names the policy gives.
#[test]
fn the_rule_files_are_written_where_the_policy_names_them() {
    let catalog = Catalog::from_dir(scenarios_dir()).expect("catalog");
    let dir = write_for_firmware(&catalog, "ips-qa-rules").expect("written");
    let policy = fs::read_to_string(dir.join("policy.yaml")).expect("policy");
    assert!(policy.contains("rules/qa.rules"), "{policy}");
    let written = fs::read_to_string(dir.join("rules/qa.rules")).expect("rule file");
    let original = fs::read_to_string(scenarios_dir().join("rules/qa.rules")).expect("original");
    assert_eq!(written, original);
    let _ = fs::remove_dir_all(dir);
}

/// The check can fail: a firmware configuration without the scenario's web
/// policy, or with the shipped rules instead of the rule file's, differs.
#[test]
fn a_configuration_without_the_web_policy_or_the_rule_files_differs() {
    let catalog = Catalog::from_dir(scenarios_dir()).expect("catalog");
    let misblocked = catalog.scenario("misblocked-company-site").expect("load");
    let mut without_policy = misblocked.gateway.clone();
    without_policy.policy = appliance::policy::Policy::default();
    let what = policy::differs(&misblocked.gateway, &without_policy).expect("differs");
    assert!(what.contains("policy"), "{what}");
    assert_eq!(
        policy::differs(&misblocked.gateway, &misblocked.gateway),
        None
    );

    let qa = catalog.scenario("ips-qa-rules").expect("load");
    let mut shipped = qa.gateway.clone();
    shipped.ips.rules = appliance::config::ips::builtin_rules();
    let what = policy::differs(&qa.gateway, &shipped).expect("differs");
    assert!(what.contains("IPS rule"), "{what}");
}

/// A catalog of one generated scenario beside the repository's office and
/// rule file.
fn generated_catalog(yaml: &str) -> (PathBuf, Catalog) {
    let dir = scratch("generated");
    let copy = |rel: &str| {
        let to = dir.join(rel);
        fs::create_dir_all(to.parent().unwrap_or(Path::new("."))).expect("dir");
        fs::copy(scenarios_dir().join(rel), to).expect("copy");
    };
    copy("offices/print-shop.yaml");
    copy("rules/qa.rules");
    fs::write(dir.join("generated.yaml"), yaml).expect("scenario");
    let catalog = Catalog::from_dir(&dir).expect("catalog");
    (dir, catalog)
}

fn scenario_yaml(
    seed: u64,
    cnc: Option<&str>,
    rules: Option<(&str, &str)>,
    web: Option<(&str, &str)>,
) -> String {
    let mut yaml = format!(
        "title: generated\nreproduces: \"issue 15, the firmware's configuration\"\n\
         office: print-shop\nstart: 2017-10-10 09:00:00\nduration: 1h\nseed: {seed}\n"
    );
    if cnc.is_some() || rules.is_some() {
        yaml.push_str("gateway:\n");
    }
    if let Some(action) = cnc {
        yaml.push_str(&format!("  cnc:\n    action: {action}\n"));
    }
    if let Some((file, mode)) = rules {
        yaml.push_str(&format!(
            "  ips:\n    mode: {mode}\n    rule_files: [{file}]\n"
        ));
    }
    if let Some((level, category)) = web {
        yaml.push_str(&format!(
            "policy:\n  profile: \"【50-1】初期設定のプロファイル\"\n  web_reputation:\n    level: {level}\n  \
             url_filtering:\n    rules:\n      - name: generated\n        categories: [{category}]\n        action: block\n"
        ));
    }
    yaml
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every combination of the places a configuration comes from reaches
    /// the firmware as the twin loaded it.
    #[test]
    fn a_generated_scenario_gives_the_firmware_its_configuration(
        seed in any::<u64>(),
        cnc in proptest::option::of(prop_oneof![Just("block"), Just("monitor")]),
        rules in proptest::option::of((Just("rules/qa.rules"), prop_oneof![Just("prevent"), Just("detect")])),
        web in proptest::option::of((
            prop_oneof![Just("low"), Just("medium"), Just("high")],
            prop_oneof![Just("Streaming Media"), Just("Shopping"), Just("\"Search Engines/Portals\"")],
        )),
    ) {
        let yaml = scenario_yaml(seed, cnc, rules, web);
        let (dir, catalog) = generated_catalog(&yaml);
        let written = write_for_firmware(&catalog, "generated");
        let _ = fs::remove_dir_all(&dir);
        let out = written.map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        let _ = fs::remove_dir_all(out);
    }
}
