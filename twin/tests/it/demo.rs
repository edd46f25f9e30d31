//! Demo scripts: every script in `scenarios/demos/` loads (from the folder
//! and from the binary), and a mistaken one is refused at its place.

use std::path::PathBuf;
use twin::catalog::Catalog;
use twin::demo::Trigger;
use twin::load::{LoadError, demo_from_str};

fn catalog() -> Catalog {
    Catalog::from_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
        .expect("the scenarios folder")
}

#[test]
fn every_demo_loads_from_the_folder_and_the_binary() {
    for catalog in [catalog(), Catalog::embedded()] {
        let ids = catalog.demo_ids();
        assert!(ids.contains(&"winxp-cnc-beacon".to_string()), "{ids:?}");
        for id in ids {
            let (script, scenario) = catalog.demo(&id).expect("loads").expect("exists");
            assert_eq!(script.scenario, scenario.id);
            assert!(!script.moments.is_empty());
            for m in &script.moments {
                assert!(!m.text.ja.is_empty() && !m.text.en.is_empty());
            }
        }
    }
}

#[test]
fn the_winxp_demo_tells_the_seed_story_in_order() {
    let (script, _) = catalog().demo("winxp-cnc-beacon").unwrap().unwrap();
    let kinds: Vec<&str> = script
        .moments
        .iter()
        .map(|m| match m.when {
            Trigger::At(_) => "at",
            Trigger::Detection { .. } => "detection",
            Trigger::Alert(_) => "alert",
            Trigger::After(_) => "after",
            Trigger::Isolated(_) => "isolated",
            Trigger::Quiet { .. } => "quiet",
            Trigger::Loaded { .. } => "loaded",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "at",
            "detection",
            "alert",
            "after",
            "after",
            "detection",
            "isolated",
            "quiet",
            "after"
        ]
    );
    assert!(script.moments[0].text.ja.contains("10:09:45"));
    assert!(script.moments[4].text.ja.contains("192.168.1.11"));
}

#[test]
fn a_scenario_without_a_demo_has_none() {
    assert!(catalog().demo("no-such-demo").unwrap().is_none());
}

fn load(text: &str) -> Result<(), LoadError> {
    let catalog = catalog();
    demo_from_str("scenarios/demos/test.yaml", text, |id| {
        (id == "winxp-cnc-beacon").then(|| catalog.scenario(id))
    })
    .map(|_| ())
}

const GOOD: &str = "scenario: winxp-cnc-beacon
title: { ja: デモ, en: Demo }
moments:
  - when: { detection: C&C callback, host: PC-XP }
    ja: ブロック
    en: blocked
";

#[track_caller]
fn refused(text: &str, prefix: &str, words: &str) {
    let line = load(text).expect_err("must be refused").to_string();
    assert!(
        line.starts_with(prefix),
        "expected `{prefix}`, got `{line}`"
    );
    assert!(line.contains(words), "expected `{words}` in `{line}`");
}

#[test]
fn mistakes_are_refused_at_their_place() {
    load(GOOD).unwrap();
    refused(
        &GOOD.replace("host: PC-XP", "host: PC-XQ"),
        "scenarios/demos/test.yaml:4:",
        "no host `PC-XQ`",
    );
    refused(
        &GOOD.replace("detection: C&C callback", "detection: sandbox"),
        "scenarios/demos/test.yaml:4:",
        "unknown engine `sandbox`",
    );
    refused(
        &GOOD.replace("winxp-cnc-beacon", "nope"),
        "scenarios/demos/test.yaml:1:",
        "unknown scenario `nope`",
    );
    refused(
        &GOOD.replace(
            "{ detection: C&C callback, host: PC-XP }",
            "{ after: 5 minutes }",
        ),
        "scenarios/demos/test.yaml:4:",
        "the first moment has no moment before it",
    );
    refused(
        &GOOD.replace(
            "{ detection: C&C callback, host: PC-XP }",
            "{ at: 2017-09-28 10:00 }",
        ),
        "scenarios/demos/test.yaml:4:",
        "outside the scenario",
    );
    refused(
        &GOOD.replace("    en: blocked\n", "    en: blocked\n    show: /nowhere\n"),
        "scenarios/demos/test.yaml:7:",
        "unknown console page",
    );
    refused(
        &GOOD.replace("ja: ブロック", "jp: ブロック"),
        "scenarios/demos/test.yaml:5:",
        "unknown field `jp`",
    );
}

#[test]
fn loaded_pages_and_desk_actions_are_checked() {
    load(&GOOD.replace(
        "{ detection: C&C callback, host: PC-XP }",
        "{ loaded: \"http://www.example.co.jp/\", host: PC-XP }\n    do: { allow: www.example.co.jp }",
    ))
    .unwrap();
    refused(
        &GOOD.replace(
            "{ detection: C&C callback, host: PC-XP }",
            "{ loaded: www.example.co.jp }",
        ),
        "scenarios/demos/test.yaml:4:",
        "is not a URL",
    );
    refused(
        &GOOD.replace(
            "{ detection: C&C callback, host: PC-XP }",
            "{ alert: 1, host: PC-XP }",
        ),
        "scenarios/demos/test.yaml:4:",
        "`host` only refines",
    );
    refused(
        &GOOD.replace(
            "    en: blocked\n",
            "    en: blocked\n    do: { allow: \"www.*.example\" }\n",
        ),
        "scenarios/demos/test.yaml:7:",
        "in the middle",
    );
}

#[test]
fn the_case_2_demo_adds_the_site_to_the_allow_list() {
    let (script, _) = catalog().demo("misblocked-company-site").unwrap().unwrap();
    let acts: Vec<_> = script
        .moments
        .iter()
        .filter_map(|m| m.act.clone())
        .collect();
    assert_eq!(
        acts,
        vec![twin::demo::Act::AllowAndDeploy(
            "www.print-shop.example".into()
        )]
    );
    assert!(matches!(
        script.moments.last().map(|m| &m.when),
        Some(Trigger::Detection { .. })
    ));
}
