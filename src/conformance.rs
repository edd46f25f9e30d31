//! `officetwin conformance`: a gateway build under test against the
//! reference, scenario by scenario.
//!
//! The reference is the in-process gateway on the in-memory network: the
//! behaviour the features and golden files pin down. The build runs as its
//! own process on TAP interfaces (see `twin::tun::firmware`) through the same
//! scenario. Each scenario gives four checks (the run completes, the
//! detections per engine and host, the normalised log, the alert mails);
//! each failed check says what differed. With a baseline build (the previous
//! release) the detections of the two builds are compared too, which is what
//! QA reads before signing a release off.
//!
//! Logs are compared normalised: times relative to the scenario's start,
//! rounded to the second, and no ephemeral ports (the log has none), so
//! a wall-clock firmware compares on what it did, not when to the microsecond.

use crate::session::Session;
use crate::shard::Shard;
use anyhow::{Context, Result};
use appliance::Event;
use cloud::store::{EventFilter, LogStore};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use twin::catalog::Catalog;
use twin::world::WorldOptions;

/// The file, in each run's folder, holding the cloud's store of the run
/// (the events, statistics and uptime the twin's cloud recorded); a build's
/// own store is `gateway.sqlite` beside it.
pub const CLOUD_STORE: &str = "cloud.sqlite";

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The build under test (default: the `appliance` beside this program,
    /// built by `cargo build -p firmware`).
    pub firmware: Option<PathBuf>,
    /// The previous build, to diff detections against.
    pub baseline: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    /// Scenario ids (default: all).
    pub scenarios: Vec<String>,
    /// Run only the scenarios of this shard (of the ids above): N runners
    /// given 1/N .. N/N run every scenario exactly once.
    pub shard: Shard,
    /// Scenarios run at once, each on its own thread (at least 1).
    pub jobs: usize,
    /// Where each run's files go.
    pub out: PathBuf,
}

/// Which gateway a run uses.
#[derive(Debug, Clone)]
enum Gateway<'a> {
    Reference,
    Build(Option<&'a Path>),
}

/// What a run of one scenario left.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Why the run did not complete (the firmware crashed, hung, ...).
    pub failure: Option<String>,
    /// Detections per (engine label, source IP, action).
    pub detections: BTreeMap<(String, String, String), u64>,
    /// The normalised log.
    pub log: Vec<String>,
    pub mails: Vec<String>,
    pub wall: Duration,
}

/// One line of the table, one test case of the JUnit report.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub scenario: String,
    pub check: &'static str,
    pub passed: bool,
    /// What differed (empty when passed).
    pub differed: String,
    pub seconds: f64,
}

/// Everything `conformance` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Per scenario, the detection changes from the baseline to the build.
    pub baseline_diff: Vec<(String, Vec<String>)>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed).count()
    }
}

/// The scenario ids a run covers, in catalog order: the ones asked for (or
/// all), then those of the shard.
pub fn selected(catalog: &Catalog, options: &Options) -> Vec<String> {
    let ids = if options.scenarios.is_empty() {
        catalog.ids()
    } else {
        options.scenarios.clone()
    };
    ids.into_iter()
        .filter(|id| options.shard.contains(id))
        .collect()
}

/// Runs the suite, `options.jobs` scenarios at a time (each worker thread
/// enters TUN mode on its own), and reports in the order of `selected`.
/// Progress goes to stderr, one line per scenario as it finishes.
pub fn run(catalog: &Catalog, options: &Options) -> Result<Report> {
    // One clear error up front; the calling thread itself stays where it is.
    if let Some(why) = crate::tun_cmd::tun_unavailable() {
        anyhow::bail!(
            "conformance needs TUN mode: {why} (`officetwin doctor` lists what this machine lacks)"
        );
    }
    if options.firmware.is_none()
        && let Err(why) = twin::tun::firmware::default_firmware()
    {
        anyhow::bail!(
            "conformance has no build to test: {why} (`officetwin doctor` lists what this machine lacks)"
        );
    }
    let ids = selected(catalog, options);
    let outcomes = crate::pool::run_indexed(
        "conformance",
        ids.len(),
        options.jobs,
        crate::tun_cmd::enter_tun_mode,
        |entered, i| {
            let wall = std::time::Instant::now();
            let outcome = match entered {
                Ok(()) => run_one(catalog, options, &ids[i]),
                Err(e) => Err(anyhow::anyhow!("entering TUN mode: {e:#}")),
            };
            (outcome, wall.elapsed())
        },
        |finished, i, (outcome, wall)| {
            eprintln!(
                "{}",
                progress_line(finished, ids.len(), &ids[i], outcome, *wall)
            );
        },
    )?;
    let mut report = Report::default();
    for (id, (outcome, _)) in ids.iter().zip(outcomes) {
        let outcome = outcome.with_context(|| id.clone())?;
        report.checks.extend(outcome.checks);
        if let Some(diff) = outcome.baseline_diff {
            report.baseline_diff.push((id.clone(), diff));
        }
    }
    if let Some(path) = &options.junit {
        fs::write(path, junit(&report.checks))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report)
}

/// What one scenario gave: its checks, and the baseline's difference.
struct Outcome {
    checks: Vec<Check>,
    baseline_diff: Option<Vec<String>>,
}

fn run_one(catalog: &Catalog, options: &Options, id: &str) -> Result<Outcome> {
    let dir = options.out.join(id);
    let reference = run_scenario(catalog, id, Gateway::Reference, &dir.join("reference"))?;
    let build = run_scenario(
        catalog,
        id,
        Gateway::Build(options.firmware.as_deref()),
        &dir.join("build"),
    )?;
    let checks = compare(id, &reference, &build);
    let baseline_diff = match &options.baseline {
        Some(baseline) => {
            let base = run_scenario(
                catalog,
                id,
                Gateway::Build(Some(baseline)),
                &dir.join("baseline"),
            )?;
            Some(diff_detections(&base, &build))
        }
        None => None,
    };
    Ok(Outcome {
        checks,
        baseline_diff,
    })
}

/// `conformance [3/30] ID: 4 checks pass (1.2 s)`: the time is the
/// scenario's whole wall time (reference, build and baseline runs).
fn progress_line(
    finished: usize,
    total: usize,
    id: &str,
    outcome: &Result<Outcome>,
    wall: Duration,
) -> String {
    let seconds = wall.as_secs_f64();
    let what = match outcome {
        Ok(o) => {
            let failed = o.checks.iter().filter(|c| !c.passed).count();
            if failed == 0 {
                format!("{} checks pass ({seconds:.1} s)", o.checks.len())
            } else {
                format!(
                    "{failed} of {} checks FAIL ({seconds:.1} s)",
                    o.checks.len()
                )
            }
        }
        Err(e) => format!("could not run: {e:#}"),
    };
    format!("conformance [{finished}/{total}] {id}: {what}")
}

fn run_scenario(
    catalog: &Catalog,
    id: &str,
    gateway: Gateway<'_>,
    dir: &Path,
) -> Result<RunResult> {
    let scenario = catalog.scenario(id)?;
    let start = scenario.start;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The cloud's store of the run is kept, so the reference's and the
    // build's can be compared table by table (statistics, uptime, logs).
    let mut session = Session::with_store_file(
        scenario,
        WorldOptions { capture: false },
        &dir.join(CLOUD_STORE),
    )?;
    let wall = std::time::Instant::now();
    let mut result = RunResult::default();
    if let Gateway::Build(program) = gateway
        && let Err(e) = crate::tun_cmd::attach_firmware(&mut session, catalog, program, dir)
    {
        result.failure = Some(format!("{e:#}"));
        return Ok(result);
    }
    if let Err(e) = session.run_to_end() {
        result.failure = Some(format!("{e:#}"));
    }
    result.wall = wall.elapsed();
    let events = session.cloud.store.events(&EventFilter::default())?;
    for event in &events {
        *result
            .detections
            .entry((
                event.engine.label().to_string(),
                event.src_ip.to_string(),
                event.action.label().to_string(),
            ))
            .or_default() += 1;
    }
    result.log = events.iter().map(|e| normalise(e, start)).collect();
    let desk = &session.scenario.gateway.alerts.to;
    result.mails = session
        .world
        .mailbox(desk)
        .iter()
        .map(|m| m.raw.clone())
        .collect();
    Ok(result)
}

/// A log line as compared: time relative to the scenario's start, rounded
/// to the second; engine, action, source, destination, reasons.
pub fn normalise(event: &Event, start: appliance::Instant) -> String {
    let rel = event.time.saturating_since(start);
    let secs = (rel.as_micros() + 500_000) / 1_000_000;
    format!(
        "+{:02}:{:02}:{:02} {} {} {} {} {} [{}]",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        event.engine.label(),
        event.action.label(),
        event.src_ip,
        event.src_mac,
        cloud::store::destination(event),
        event.reason()
    )
}

fn compare(id: &str, reference: &RunResult, build: &RunResult) -> Vec<Check> {
    // The run's time is charged to its first check, so the report's total is the suite's.
    let check = |check: &'static str, differed: String| Check {
        scenario: id.to_string(),
        check,
        passed: differed.is_empty(),
        differed,
        seconds: 0.0,
    };
    let mut checks = vec![Check {
        seconds: build.wall.as_secs_f64(),
        ..check("runs to its end", build.failure.clone().unwrap_or_default())
    }];
    checks.push(check(
        "detections",
        detection_changes(&reference.detections, &build.detections).join("; "),
    ));
    checks.push(check(
        "normalised log",
        log_difference(&reference.log, &build.log),
    ));
    let mails = if reference.mails == build.mails {
        String::new()
    } else if reference.mails.len() != build.mails.len() {
        format!(
            "{} alert mails expected, {} sent",
            reference.mails.len(),
            build.mails.len()
        )
    } else {
        let n = reference
            .mails
            .iter()
            .zip(&build.mails)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        format!("alert mail {} differs", n + 1)
    };
    checks.push(check("alert mails", mails));
    checks
}

/// `engine from ip (action): before -> after` for every count that changed.
fn detection_changes(
    before: &BTreeMap<(String, String, String), u64>,
    after: &BTreeMap<(String, String, String), u64>,
) -> Vec<String> {
    let mut keys: Vec<&(String, String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (
                before.get(key).copied().unwrap_or(0),
                after.get(key).copied().unwrap_or(0),
            );
            (a != b).then(|| format!("{} from {} ({}): {a} -> {b}", key.0, key.1, key.2))
        })
        .collect()
}

fn log_difference(expected: &[String], got: &[String]) -> String {
    if expected == got {
        return String::new();
    }
    match expected.iter().zip(got).position(|(a, b)| a != b) {
        Some(n) => format!(
            "line {}: expected `{}`, got `{}` ({} lines expected, {} got)",
            n + 1,
            expected[n],
            got[n],
            expected.len(),
            got.len()
        ),
        None => format!("{} lines expected, {} got", expected.len(), got.len()),
    }
}

/// The baseline's detections against the build's.
fn diff_detections(baseline: &RunResult, build: &RunResult) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(f) = &baseline.failure {
        lines.push(format!("the baseline failed: {f}"));
    }
    if let Some(f) = &build.failure {
        lines.push(format!("the build failed: {f}"));
    }
    lines.extend(detection_changes(&baseline.detections, &build.detections));
    lines
}

/// The table QA reads.
pub fn table(report: &Report) -> String {
    let w_scenario = report
        .checks
        .iter()
        .map(|c| c.scenario.len())
        .chain([8])
        .max()
        .unwrap_or(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<w_scenario$}  {:<15}  {:<6}  what differed",
        "scenario", "check", "result"
    );
    for c in &report.checks {
        let _ = writeln!(
            out,
            "{:<w_scenario$}  {:<15}  {:<6}  {}",
            c.scenario,
            c.check,
            if c.passed { "pass" } else { "FAIL" },
            c.differed
        );
    }
    let _ = writeln!(
        out,
        "\n{} checks, {} passed, {} failed",
        report.checks.len(),
        report.checks.len() - report.failures(),
        report.failures()
    );
    for (id, diff) in &report.baseline_diff {
        let _ = writeln!(out, "\ndetections, baseline -> build, {id}:");
        if diff.is_empty() {
            let _ = writeln!(out, "  no difference");
        }
        for line in diff {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// JUnit XML: one test suite, one test case per check.
pub fn junit(checks: &[Check]) -> String {
    let failures = checks.iter().filter(|c| !c.passed).count();
    let total: f64 = checks.iter().map(|c| c.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"officetwin conformance\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">",
        checks.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"conformance\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        checks.len()
    );
    for c in checks {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            xml(&c.scenario),
            xml(c.check),
            c.seconds
        );
        if c.passed {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\"/>\n    </testcase>",
                xml(&c.differed)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(passed: bool, differed: &str) -> Check {
        Check {
            scenario: "s".into(),
            check: "detections",
            passed,
            differed: differed.into(),
            seconds: 1.0,
        }
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let xml = junit(&[check(true, ""), check(false, "C&C <1> \"x\"")]);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(
            xml.contains("message=\"C&amp;C &lt;1&gt; &quot;x&quot;\""),
            "{xml}"
        );
    }

    #[test]
    fn detection_changes_name_both_counts() {
        let key = |a: &str| {
            (
                "C&C callback".to_string(),
                "192.168.1.11".to_string(),
                a.to_string(),
            )
        };
        let before = BTreeMap::from([(key("monitor"), 5)]);
        let after = BTreeMap::from([(key("block"), 5)]);
        assert_eq!(
            detection_changes(&before, &after),
            vec![
                "C&C callback from 192.168.1.11 (block): 0 -> 5".to_string(),
                "C&C callback from 192.168.1.11 (monitor): 5 -> 0".to_string(),
            ]
        );
        assert!(detection_changes(&before, &before).is_empty());
    }
}
