//! The cucumber runner: every `features/*.feature` against the twin.
//!
//! Run with `cargo test --test features` (nextest cannot list a
//! `harness = false` binary; see `.config/nextest.toml`). Step definitions
//! live in `steps/`, one module per subject; their phrasings are the
//! vocabulary of DESIGN.md, a contract with the people who write features.

mod steps;

use std::collections::BTreeMap;
use std::sync::Mutex;

use cucumber::World as _;
use cucumber::event::ScenarioFinished;
use steps::TwinWorld;

/// cucumber polls every scenario's future on one thread; a world of 25
/// smoltcp hosts is deep enough in unoptimised builds to need more than the
/// main thread's default stack.
const RUNNER_STACK: usize = 256 * 1024 * 1024;

/// Failed scenarios, repeated after the summary: a CI log is often read from
/// its tail, and the run prints hundreds of passing steps after a failure.
/// Keyed by feature, scenario and line; a retried scenario that passes in the
/// end leaves the list (the retry itself shows in the output above).
static FAILURES: Mutex<BTreeMap<(String, String, usize), String>> = Mutex::new(BTreeMap::new());

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
    let runner = std::thread::Builder::new()
        .name("cucumber".into())
        .stack_size(RUNNER_STACK)
        .spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread tokio runtime always builds");
            runtime.block_on(async {
                let writer = TwinWorld::cucumber()
                    .fail_on_skipped()
                    .after(|feature, _rule, scenario, finished, _world| {
                        record_outcome(
                            &feature.name,
                            &scenario.name,
                            scenario.position.line,
                            finished,
                        );
                        Box::pin(async {})
                    })
                    .run(concat!(env!("CARGO_MANIFEST_DIR"), "/features"))
                    .await;
                let failures = FAILURES.lock().map(|f| f.clone()).unwrap_or_default();
                if !failures.is_empty() {
                    eprintln!("\nFailed scenarios ({}):", failures.len());
                    for ((feature, scenario, line), why) in &failures {
                        eprintln!("  {feature} / {scenario} (line {line}):\n    {why}");
                    }
                }
                use cucumber::writer::Stats as _;
                writer.execution_has_failed()
            })
        })
        .expect("spawning the cucumber thread");
    match runner.join() {
        Ok(false) => {}
        Ok(true) | Err(_) => std::process::exit(1),
    }
}
