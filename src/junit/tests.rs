//! Tests of the JUnit merge: shards merged, counts recounted, duplicates named, bad reports refused.

use super::*;
use crate::conformance::{Check, junit};

fn check(scenario: &str, check: &'static str, passed: bool) -> Check {
    Check {
        scenario: scenario.into(),
        check,
        passed,
        differed: if passed {
            String::new()
        } else {
            "x <differs>".into()
        },
        seconds: 1.5,
    }
}

/// Reports named a.xml, b.xml, ... in the order given.
fn merge_named(xmls: &[&str], name: &str) -> Result<Merged> {
    let names = ["a.xml", "b.xml", "c.xml"];
    let inputs: Vec<Input<'_>> = names
        .iter()
        .zip(xmls)
        .map(|(name, xml)| Input { name, xml })
        .collect();
    merge(&inputs, name)
}

/// Two conformance shards' reports merge into one with every case once,
/// counted from the cases.
#[test]
fn two_conformance_shards_merge_into_one_report() {
    let a = junit(&[
        check("s1", "detections", true),
        check("s1", "alert mails", false),
    ]);
    let b = junit(&[check("s2", "detections", true)]);
    let merged = merge_named(&[&a, &b], "all shards").expect("merges");
    assert_eq!(merged.counts.suites, 2);
    assert_eq!(merged.counts.tests, 3);
    assert_eq!(merged.counts.failures, 1);
    assert!(
        (merged.counts.seconds - 4.5).abs() < 1e-9,
        "{:?}",
        merged.counts
    );
    assert!(merged.duplicates.is_empty());
    assert!(
        merged
            .xml
            .contains("<testsuites name=\"all shards\" tests=\"3\" failures=\"1\""),
        "{}",
        merged.xml
    );
    // The merged report reads back as one input with the same counts.
    let again = merge(
        &[Input {
            name: "m.xml",
            xml: &merged.xml,
        }],
        "again",
    )
    .expect("re-reads");
    assert_eq!(again.counts, merged.counts);
    assert!(
        merged.xml.contains("message=\"x &lt;differs&gt;\""),
        "{}",
        merged.xml
    );
}

/// The inputs' own totals are not trusted: a report claiming 0 tests with
/// a failing case inside counts the case and the failure.
#[test]
fn counts_come_from_the_cases_not_the_attributes() {
    let xml = r#"<?xml version="1.0"?>
<testsuite name="features" tests="0" failures="0" time="2">
  <testcase classname="f" name="a"><failure message="m">text</failure></testcase>
  <testcase classname="f" name="b"><error/></testcase>
  <testcase classname="f" name="c"><skipped/></testcase>
  <testcase classname="f" name="d"/>
</testsuite>"#;
    let merged = merge(&[Input { name: "f.xml", xml }], "m").expect("merges");
    assert_eq!(
        merged.counts,
        Counts {
            suites: 1,
            tests: 4,
            failures: 1,
            errors: 1,
            skipped: 1,
            seconds: 2.0
        }
    );
}

/// The same check in two shards' reports is named, with both files.
#[test]
fn a_case_in_two_inputs_is_a_duplicate() {
    let a = junit(&[
        check("s1", "detections", true),
        check("s2", "detections", true),
    ]);
    let b = junit(&[check("s2", "detections", true)]);
    let merged = merge_named(&[&a, &b], "m").expect("merges");
    assert_eq!(merged.duplicates.len(), 1, "{:?}", merged.duplicates);
    let (id, holders) = &merged.duplicates[0];
    assert_eq!(id.class, "s2");
    assert_eq!(holders, &vec!["a.xml".to_string(), "b.xml".to_string()]);
}

/// One report given twice (the same file name) is caught too.
#[test]
fn the_same_report_twice_is_all_duplicates() {
    let a = junit(&[
        check("s1", "detections", true),
        check("s2", "detections", true),
    ]);
    let merged = merge(
        &[
            Input {
                name: "a.xml",
                xml: &a,
            },
            Input {
                name: "a.xml",
                xml: &a,
            },
        ],
        "m",
    )
    .expect("merges");
    assert_eq!(merged.duplicates.len(), 2, "{:?}", merged.duplicates);
}

#[test]
fn broken_reports_are_refused_with_their_name() {
    for (xml, why) in [
        ("<testsuites></testsuites>", "no <testsuite>"),
        ("<testsuite name=\"x\"><testcase name=\"a\">", "ends inside"),
        ("<testsuite><testcase></testsuite>", "malformed"),
    ] {
        let err = merge(
            &[Input {
                name: "bad.xml",
                xml,
            }],
            "m",
        )
        .expect_err(xml);
        let text = format!("{err:#}");
        assert!(
            text.contains("bad.xml") && text.contains(why),
            "{xml}: {text}"
        );
    }
}
