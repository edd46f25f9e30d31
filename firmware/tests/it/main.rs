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
