//! The `appliance` program from the outside: its arguments and the errors a
//! user gets before any interface is opened.
//!
//! This binary also makes `cargo test --workspace` build the program itself
//! (an integration test is what asks cargo for a package's binaries), which
//! the TUN and conformance features run as the firmware under test.

use std::path::PathBuf;
use std::process::{Command, Output};

fn appliance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appliance"))
        .args(args)
        .output()
        .expect("the appliance program starts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("firmware-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn help_names_every_option() {
    let out = appliance(&["--help"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--lan",
        "--wan",
        "--policy",
        "--intel",
        "--store",
        "--home-net",
        "--control-fd",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[test]
fn a_missing_policy_file_is_named_in_the_error() {
    let dir = scratch("missing");
    let policy = dir.join("no-such-policy.yaml");
    let out = appliance(&[
        "--lan",
        "lan0",
        "--wan",
        "wan0",
        "--policy",
        policy.to_str().expect("a UTF-8 path"),
        "--intel",
        dir.to_str().expect("a UTF-8 path"),
        "--store",
        dir.join("gateway.sqlite").to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("appliance: error: reading "), "{err}");
    assert!(err.contains("no-such-policy.yaml"), "{err}");
}

#[test]
fn a_bad_policy_is_refused_at_its_line_and_column() {
    let dir = scratch("bad");
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, "name: CE\nfirewall: [unclosed\n").expect("a policy file");
    let out = appliance(&[
        "--lan",
        "lan0",
        "--wan",
        "wan0",
        "--policy",
        policy.to_str().expect("a UTF-8 path"),
        "--intel",
        dir.to_str().expect("a UTF-8 path"),
        "--store",
        dir.join("gateway.sqlite").to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    // The second line is the bad one; the column is where its value starts.
    let at = format!("appliance: error: {}:2:11: ", policy.display());
    assert!(err.starts_with(&at), "no file:line:column in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Runs the program on a policy naming `rule_files` (written into the
/// policy's folder as `files` says) and returns its stderr; it must stop
/// with status 1 before opening any interface.
fn with_rule_files(name: &str, rule_files: &str, files: &[(&str, &str)]) -> String {
    let dir = scratch(name);
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, format!("ips:\n  rule_files: {rule_files}\n")).expect("a policy file");
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
        std::fs::write(path, text).expect("a rule file");
    }
    std::fs::write(dir.join("intel.yaml"), "{}\n").expect("an intel file");
    let out = appliance(&[
        "--lan",
        "no-such-lan",
        "--wan",
        "no-such-wan",
        "--policy",
        policy.to_str().expect("a UTF-8 path"),
        "--intel",
        dir.to_str().expect("a UTF-8 path"),
        "--store",
        dir.join("gateway.sqlite").to_str().expect("a UTF-8 path"),
        "--home-net",
        "192.168.1.0/24",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    err
}

/// Issue 15: the rule files a policy names are read beside it (before, the
/// program ignored them and ran the shipped rules). A rule file that is
/// missing, outside the policy's folder, or wrong stops the program with
/// the file named; a good one lets it go on to its interfaces.
#[test]
fn the_rule_files_a_policy_names_are_read_beside_it() {
    let good = "drop http $HOME_NET any -> $EXTERNAL_NET any (msg:\"t\"; http.uri; content:\"/x\"; sid:1; rev:1;)\n";
    let err = with_rule_files("rules-missing", "[rules/none.rules]", &[]);
    assert!(err.contains("rules/none.rules"), "{err}");
    let err = with_rule_files("rules-outside", "[../x.rules]", &[]);
    assert!(
        err.contains("not a path inside the policy's folder"),
        "{err}"
    );
    let err = with_rule_files(
        "rules-typo",
        "[rules/qa.rules]",
        &[(
            "rules/qa.rules",
            "# one\nalert tcp any any -> any any (msg:\"x\"; nocas; sid:2;)\n",
        )],
    );
    assert!(err.contains("rules/qa.rules:2:"), "{err}");
    let err = with_rule_files(
        "rules-dup",
        "[a.rules, b.rules]",
        &[("a.rules", good), ("b.rules", good)],
    );
    assert!(
        err.contains("sid 1 is in a.rules:1 and in b.rules:1"),
        "{err}"
    );
    // Read and accepted: the program gets as far as its LAN interface.
    let err = with_rule_files(
        "rules-good",
        "[rules/qa.rules]",
        &[("rules/qa.rules", good)],
    );
    assert!(err.contains("LAN port no-such-lan"), "{err}");
}
