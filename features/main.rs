//! The cucumber runner: every `features/*.feature` against the twin.
//!
//! Run with `cargo test --test features` (nextest cannot list a
//! `harness = false` binary; see `.config/nextest.toml`). Step definitions
//! live in `steps/`, one module per subject; their phrasings are the
//! vocabulary of DESIGN.md, a contract with the people who write features.
//! Scenarios tagged `@tun` / `@browser` that this machine cannot run are
//! reported as skipped (`skips.rs`); `OFFICETWIN_REQUIRE=tun,browser` makes
//! that a failure.

mod skips;
mod steps;
mod timing;

use std::collections::BTreeMap;
use std::sync::Mutex;

use cucumber::World as _;
use cucumber::WriterExt as _;
use cucumber::event::ScenarioFinished;
use skips::{HonestSkips, Need, Probe};
use steps::TwinWorld;

/// cucumber polls every scenario's future on one thread; a world of 25
/// smoltcp hosts is deep enough in unoptimised builds to need more than the
/// main thread's default stack.
const RUNNER_STACK: usize = 256 * 1024 * 1024;

/// Scenarios started at once, per core (cucumber's own default is 64 in
/// all). Each scenario's simulation is a thread of its own; 64 of them on 2
/// cores spent a fifth of the run's CPU on the contention itself (caches,
/// allocator, firmware pairs waiting to be scheduled). Measured on 2 cores,
/// warm, idle, all 152 scenarios, user + sys: 64 at once, 30.7-38 s wall
/// and 45-57 s CPU; 4, 29.4 s; 6 (3 per core), 25.6-26.6 s and 42-44 s CPU;
/// 8, 26.5-27.5 s; 12, 28.3 s; 16, 28.0 s. `--concurrency N` still wins.
const SCENARIOS_PER_CORE: usize = 3;

/// Failed scenarios, repeated after the summary: a CI log is often read from
/// its tail, and the run prints hundreds of passing steps after a failure.
/// Keyed by feature, scenario and line; a retried scenario that passes in the
/// end leaves the list (the retry itself shows in the output above).
static FAILURES: Mutex<BTreeMap<(String, String, usize), String>> = Mutex::new(BTreeMap::new());

/// The shard this process runs (`OFFICETWIN_SHARD=K/N`, the split
/// `officetwin conformance --shard` uses), keyed by feature file and
/// scenario name.
fn shard() -> Result<officetwin::shard::Shard, String> {
    match std::env::var("OFFICETWIN_SHARD") {
        Ok(text) => text.parse().map_err(|e| format!("OFFICETWIN_SHARD: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(officetwin::shard::Shard::ALL),
        Err(e) => Err(format!("OFFICETWIN_SHARD: {e}")),
    }
}

/// The key a scenario is sharded by: its feature's file name and its name.
fn shard_key(
    feature: &cucumber::gherkin::Feature,
    scenario: &cucumber::gherkin::Scenario,
) -> String {
    let file = feature
        .path
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| feature.name.clone());
    format!("{file}/{}", scenario.name)
}

fn record_outcome(feature: &str, scenario: &str, line: usize, finished: &ScenarioFinished) {
    let key = (feature.to_string(), scenario.to_string(), line);
    let Ok(mut failures) = FAILURES.lock() else {
        return;
    };
    match finished {
        ScenarioFinished::StepFailed(_, _, error) => {
            failures.insert(key, error.to_string());
        }
        ScenarioFinished::BeforeHookFailed(info) => {
            failures.insert(key, format!("before hook failed: {info:?}"));
        }
        ScenarioFinished::StepPassed => {
            failures.remove(&key);
        }
        ScenarioFinished::StepSkipped => {}
    }
}

fn main() {
    let (required, shard) = match skips::required().and_then(|r| Ok((r, shard()?))) {
        Ok(both) => both,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // `OFFICETWIN_JUNIT=FILE`: a JUnit report beside the console output
    // (one per shard in CI, merged by `officetwin junit-merge`).
    let junit_out: Box<dyn std::io::Write + Send> = match std::env::var_os("OFFICETWIN_JUNIT") {
        Some(path) => match std::fs::File::create(&path) {
            Ok(file) => Box::new(std::io::BufWriter::new(file)),
            Err(e) => {
                eprintln!("OFFICETWIN_JUNIT={}: {e}", path.to_string_lossy());
                std::process::exit(2);
            }
        },
        None => Box::new(std::io::sink()),
    };
    if shard != officetwin::shard::Shard::ALL {
        eprintln!("OFFICETWIN_SHARD={shard}: running the scenarios of this shard only");
    }
    let probe = Probe::read();
    // Decided before running: a required need this machine lacks fails the
    // run whether or not a scenario asked for it.
    let unmet_required: Vec<String> = required
        .iter()
        .filter_map(|need| {
            probe
                .missing(*need)
                .map(|why| format!("{}: {why}", need.name()))
        })
        .collect();
    let fail_required = required.clone();
    let runner = std::thread::Builder::new()
        .name("cucumber".into())
        .stack_size(RUNNER_STACK)
        .spawn(move || {
            // Steps run their simulations on the blocking pool
            // (`TwinWorld::on_session`), whose threads need the same stack.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .thread_stack_size(RUNNER_STACK)
                .enable_all()
                .build()
                .expect("a current-thread tokio runtime always builds");
            runtime.block_on(async {
                let writer = TwinWorld::cucumber::<&str>()
                    .max_concurrent_scenarios(SCENARIOS_PER_CORE * officetwin::pool::cores())
                    .with_writer(
                        cucumber::writer::Basic::raw(
                            std::io::stdout(),
                            cucumber::writer::Coloring::Auto,
                            0,
                        )
                        .summarized()
                        .tee::<TwinWorld, _>(cucumber::writer::JUnit::for_tee(junit_out, 0))
                        .normalized(),
                    )
                    .with_parser(HonestSkips { probe })
                    // A step no definition matches fails the run, except the
                    // skip step of a scenario this machine cannot run, unless
                    // OFFICETWIN_REQUIRE names what it lacks.
                    .fail_on_skipped_with(move |_, _, scenario| {
                        Need::skipped(scenario).is_none_or(|need| fail_required.contains(&need))
                    })
                    .before(|feature, _rule, scenario, _world| {
                        timing::scenario_started(&feature.name, &scenario.name, scenario.position.line);
                        Box::pin(async {})
                    })
                    .after(|feature, _rule, scenario, finished, world| {
                        if let Some(world) = world {
                            steps::give_back_browser(world);
                        }
                        timing::scenario_took(&feature.name, &scenario.name, scenario.position.line);
                        if matches!(finished, ScenarioFinished::StepSkipped) {
                            skips::record(&feature.name, scenario);
                        }
                        record_outcome(
                            &feature.name,
                            &scenario.name,
                            scenario.position.line,
                            finished,
                        );
                        Box::pin(async {})
                    })
                    .filter_run(
                        concat!(env!("CARGO_MANIFEST_DIR"), "/features"),
                        move |feature, _rule, scenario| shard.contains(&shard_key(feature, scenario)),
                    )
                    .await;
                steps::close_spare_browser();
                timing::print_slowest();
                timing::print_timeline();
                let failures = FAILURES.lock().map(|f| f.clone()).unwrap_or_default();
                if !failures.is_empty() {
                    eprintln!("\nFailed scenarios ({}):", failures.len());
                    for ((feature, scenario, line), why) in &failures {
                        eprintln!("  {feature} / {scenario} (line {line}):\n    {why}");
                    }
                }
                let mut required_missing = unmet_required;
                let skipped = skips::skipped();
                if !skipped.is_empty() {
                    eprintln!("\nScenarios this machine cannot run (skipped, not passed; failed where OFFICETWIN_REQUIRE names the need):");
                }
                for ((need, why), (count, example)) in &skipped {
                    eprintln!(
                        "  {count} tagged @{}: {why}\n    (e.g. {example})",
                        need.name()
                    );
                    if required.contains(need) {
                        required_missing.push(format!("{}: {why}", need.name()));
                    }
                }
                required_missing.sort();
                required_missing.dedup();
                if !required_missing.is_empty() {
                    eprintln!("\nOFFICETWIN_REQUIRE asks for what this machine lacks:");
                    for why in &required_missing {
                        eprintln!("  {why}");
                    }
                }
                use cucumber::writer::Stats as _;
                writer.execution_has_failed() || !required_missing.is_empty()
            })
        })
        .expect("spawning the cucumber thread");
    match runner.join() {
        Ok(false) => {}
        Ok(true) | Err(_) => std::process::exit(1),
    }
}
