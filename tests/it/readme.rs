//! The README's command blocks, run as written (trycmd).
//!
//! Each ```` ```console ```` block of `README.md` is run: every `$ ` line is
//! a command, run from the project's folder with the `officetwin` of this
//! build; the lines under it are its output (stdout and stderr together),
//! where `...` stands for any lines and `[..]` for the rest of a line (what
//! varies: wall times, the machine's paths), and `? failed` for an exit status
//! other than success. A renamed flag or subcommand, or a changed summary,
//! fails this test.
//!
//! ```` ```console,ignore ```` blocks are shown, not run: they need a shell (a
//! glob), serve until stopped, install, or run every scenario (minutes).
//! ```` ```console,ignore,tun ```` blocks need TUN mode (root, `/dev/net/tun`,
//! iproute2, curl, nmap and the firmware build beside `officetwin`):
//! [`readme_tun_blocks`] runs them where the machine has it, and otherwise
//! prints `SKIPPED` and why (a pass there checked nothing), or fails when
//! `OFFICETWIN_REQUIRE` names `tun`. ```` ```console,ignore,browser ```` blocks
//! likewise need Chromium and chromedriver ([`readme_browser_blocks`]).

use std::path::{Path, PathBuf};

/// The program under test, built with these tests.
const OFFICETWIN: &str = env!("CARGO_BIN_EXE_officetwin");

/// The blocks write where a user's commands write (`out/...`): one README
/// test at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    // A failed test poisons the lock; the next still runs on its own.
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn readme_console_blocks() {
    let _alone = one_at_a_time();
    trycmd::TestCases::new()
        .register_bin("officetwin", Path::new(OFFICETWIN))
        .case("README.md");
}

#[test]
fn readme_tun_blocks() {
    gated("tun", tun_missing());
}

#[test]
fn readme_browser_blocks() {
    gated("browser", browser_missing());
}

/// Runs the blocks marked `console,ignore,GATE` (and only those) where the
/// machine has what they need.
fn gated(gate: &str, missing: Option<String>) {
    if let Some(why) = missing {
        let required = std::env::var("OFFICETWIN_REQUIRE").unwrap_or_default();
        assert!(
            !required.split(',').any(|r| r.trim() == gate),
            "OFFICETWIN_REQUIRE names {gate}, but the README's {gate} blocks cannot run: {why}"
        );
        eprintln!("SKIPPED readme_{gate}_blocks: {why}");
        return;
    }
    let readme = match std::fs::read_to_string("README.md") {
        Ok(text) => text,
        Err(e) => panic!("reading README.md: {e}"),
    };
    let only = only_gate(&readme, gate);
    assert!(
        only.contains("```console\n"),
        "the README has no console,ignore,{gate} block"
    );
    let _alone = one_at_a_time();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("README-{gate}.md"));
    if let Err(e) = std::fs::write(&path, only) {
        panic!("writing {}: {e}", path.display());
    }
    trycmd::TestCases::new()
        .register_bin("officetwin", Path::new(OFFICETWIN))
        .case(path);
}

/// The README with its `console,ignore,GATE` blocks made plain `console`
/// blocks and every other console block `console,ignore`.
fn only_gate(readme: &str, gate: &str) -> String {
    let gated = format!("```console,ignore,{gate}");
    readme
        .lines()
        .map(|line| {
            if line.trim_end() == gated {
                "```console".to_string()
            } else if line.trim_end() == "```console" {
                "```console,ignore".to_string()
            } else {
                line.to_string()
            }
        })
        .map(|line| line + "\n")
        .collect()
}

#[test]
fn only_gate_keeps_the_gates_blocks_and_nothing_else() {
    let text =
        "a\n```console\n$ x\n```\n```console,ignore,tun\n$ y\n```\n```console,ignore\n$ z\n```\n";
    assert_eq!(
        only_gate(text, "tun"),
        "a\n```console,ignore\n$ x\n```\n```console\n$ y\n```\n```console,ignore\n$ z\n```\n"
    );
    assert_eq!(
        only_gate(text, "browser"),
        "a\n```console,ignore\n$ x\n```\n```console,ignore,tun\n$ y\n```\n```console,ignore\n$ z\n```\n"
    );
}

/// Why TUN mode's blocks cannot run here (the same needs as `.ci/run`'s
/// `tun`, plus the firmware build the blocks' `--net tun` and
/// `conformance` use).
fn tun_missing() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1));
    if euid != Some("0") {
        return Some("not root".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("no /dev/net/tun".into());
    }
    for program in ["ip", "curl", "nmap"] {
        if !on_path(program) {
            return Some(format!("`{program}` is not installed"));
        }
    }
    let firmware = Path::new(OFFICETWIN).with_file_name("appliance");
    if !firmware.is_file() {
        return Some(format!(
            "no firmware build at {} (`cargo build -p firmware`; `cargo test --workspace` builds it)",
            firmware.display()
        ));
    }
    None
}

/// Why the browser's blocks cannot run here.
fn browser_missing() -> Option<String> {
    for (var, default) in [
        ("OFFICETWIN_CHROMIUM", "/usr/bin/chromium"),
        ("OFFICETWIN_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ] {
        let path = std::env::var(var).unwrap_or_else(|_| default.into());
        if !Path::new(&path).is_file() {
            return Some(format!("{path} is missing"));
        }
    }
    None
}

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .any(|dir| dir.join(program).is_file())
}
