//! Hostile input to the loader (issue 15): nesting and thresholds that used
//! to crash, stall or block everything are refused at their `file:line:col`.

use std::path::PathBuf;
use twin::load::{self, LoadError};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn winxp() -> String {
    std::fs::read_to_string(scenarios_dir().join("winxp-cnc-beacon.yaml")).expect("shipped")
}

fn office_of(name: &str) -> Option<Result<twin::model::Office, LoadError>> {
    let path = scenarios_dir().join("offices").join(format!("{name}.yaml"));
    Some(load::office_file(&path))
}

/// The error loading `text` as a scenario gives (a short panic if it loads).
fn scenario(text: &str) -> Result<(), LoadError> {
    load::scenario_from_str("scenarios/hostile.yaml", text, office_of).map(|_| ())
}

/// `[` nested `n` deep, closed.
fn deep_flow(n: usize) -> String {
    format!("{}1{}", "[".repeat(n), "]".repeat(n))
}

#[track_caller]
fn assert_located(err: LoadError, file: &str, line: usize, words: &str) {
    let e = err
        .source_error()
        .unwrap_or_else(|| panic!("not located: {err}"));
    assert_eq!((e.file(), e.line()), (file, line), "{err}");
    assert!(e.column() >= 1, "{err}");
    assert!(
        err.to_string().contains(words),
        "expected `{words}` in `{err}`"
    );
}

/// Class: YAML nested past any real document (libyaml's time grows with the
/// square of the depth: 100,000 levels took over 40 s before an error).
/// Refused before parsing, at the line and column the limit is crossed, in
/// scenario, office and policy files alike.
#[test]
fn yaml_nested_100k_deep_is_refused_before_parsing_with_file_line_column() {
    for n in [200, 100_000] {
        let text = format!("{}\nextra: {}\n", winxp().trim_end(), deep_flow(n));
        let lines = text.lines().count();
        let err = scenario(&text).expect_err("refused");
        assert_located(
            err,
            "scenarios/hostile.yaml",
            lines,
            "nests deeper than 64 levels",
        );

        let err = load::office_from_str(
            "scenarios/offices/x.yaml",
            &format!("id: {}\n", deep_flow(n)),
        )
        .expect_err("refused");
        assert_located(
            err,
            "scenarios/offices/x.yaml",
            1,
            "nests deeper than 64 levels",
        );

        let policy = format!("name: p\nallow_list:\n  - {}\n", "- ".repeat(n));
        let err = load::policy_from_str("scenarios/policies/x.yaml", &policy).expect_err("refused");
        assert_located(
            err,
            "scenarios/policies/x.yaml",
            3,
            "nests deeper than 64 levels",
        );
    }
}

/// Class: an IPS rule file a scenario names (`gateway.ips.rule_files`) with
/// an address nested 30,000 deep: it aborted the process; now the rule
/// file's own line and the limit.
#[test]
fn ips_rule_file_nested_30000_deep_in_a_scenario_is_a_clean_error() {
    let text = winxp().replacen(
        "gateway:\n",
        "gateway:\n  ips:\n    rule_files: [rules/deep.rules]\n",
        1,
    );
    let rule = format!(
        "alert tcp {}1.2.3.4 any -> any any (sid:1;)\n",
        "!".repeat(30_000)
    );
    let files = move |name: &str| {
        (name == "rules/deep.rules").then(|| {
            Ok((
                "scenarios/rules/deep.rules".to_string(),
                format!("# deep\n{rule}").into_bytes(),
            ))
        })
    };
    let err =
        load::scenario_from_str_with_files("scenarios/hostile.yaml", &text, office_of, &files)
            .expect_err("refused");
    let line = err.to_string();
    assert!(line.starts_with("scenarios/rules/deep.rules:2:"), "{line}");
    assert!(line.contains("deeper than 64 levels"), "{line}");
}

/// Class: a threshold at zero (or below what it means), which made the
/// gateway block all traffic. Refused at its `file:line:col` with the range
/// allowed, in a scenario and in a `replay --config` file alike.
#[test]
fn zero_thresholds_dos_syn_pps_and_scan_ports_are_refused_at_their_place() {
    for (key, section) in [("syn_pps", "dos"), ("ports", "scan")] {
        let text = winxp().replacen(
            "gateway:\n",
            &format!("gateway:\n  {section}:\n    {key}: 0\n"),
            1,
        );
        let line = 1 + text
            .lines()
            .position(|l| l.contains(&format!("{key}: 0")))
            .expect("inserted");
        let err = scenario(&text).expect_err("refused");
        assert_located(err, "scenarios/hostile.yaml", line, "out of range: allowed");

        let config = format!("{section}:\n  {key}: 0\n");
        let err = load::gateway_config_from_str("gateway.yaml", &config).expect_err("refused");
        let e = err.source_error().expect("located");
        assert_eq!((e.line(), e.column()), (2, 3 + key.len() + 2), "{err}");
        assert!(
            err.to_string().contains(&format!("`{section}.{key}: 0`")),
            "{err}"
        );
    }
}

/// Class: an actor repeating faster than a web exchange can take (1 ms ran
/// without end and without progress output). Refused with the minimum.
#[test]
fn actor_interval_1ms_is_refused_with_the_minimum() {
    let text = winxp();
    let at = text.find("interval:").expect("an actor with an interval");
    let end = at + text[at..].find('\n').expect("line end");
    let after = &text[end + 1..];
    // No jitter: 1 ms with the scenario's 15 s jitter was already refused.
    let jitter_end = after.find('\n').expect("jitter line");
    assert!(
        after[..jitter_end].trim_start().starts_with("jitter:"),
        "{after}"
    );
    let text = format!(
        "{}interval: 1ms\n{}jitter: 0s{}",
        &text[..at],
        &after[..after.len() - after.trim_start().len()],
        &after[jitter_end..]
    );
    let line = 1 + text[..at].matches('\n').count();
    let err = scenario(&text).expect_err("refused");
    assert_located(
        err,
        "scenarios/hostile.yaml",
        line,
        "shorter than the minimum 1s",
    );
}

/// Issue 15: a refused YAML line of 200 KB was drawn whole under the
/// diagnostic and flooded the terminal. A line past `MAX_DRAWN_LINE` is not
/// drawn (the one-line `file:line:col` says where it is); a short one still is.
#[test]
fn a_200_kb_offending_line_is_not_drawn_but_a_short_one_is() {
    let render = |err: &LoadError| {
        let e = err.source_error().expect("located");
        let mut text = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut text, e)
            .expect("renders");
        text
    };
    let long = format!("{}\nextra: {}\n", winxp().trim_end(), deep_flow(100_000));
    let text = render(&scenario(&long).expect_err("refused"));
    assert!(text.len() < 2_000, "the diagnostic is {} bytes", text.len());
    assert!(text.contains("nests deeper than 64 levels"), "{text}");

    let short = format!("{}\nextra: {}\n", winxp().trim_end(), deep_flow(100));
    let text = render(&scenario(&short).expect_err("refused"));
    assert!(
        text.contains("extra: [[["),
        "the short line is drawn: {text}"
    );
}
