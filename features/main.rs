//! The cucumber runner: every `features/*.feature` against the twin.
//!
//! Run with `cargo test --test features` (nextest cannot list a
//! `harness = false` binary; see `.config/nextest.toml`). Step definitions
//! live in `steps/`, one module per subject; their phrasings are the
//! vocabulary of DESIGN.md, a contract with the people who write features.

mod steps;

use cucumber::World as _;
use steps::TwinWorld;

/// cucumber polls every scenario's future on one thread; a world of 25
/// smoltcp hosts is deep enough in unoptimised builds to need more than the
/// main thread's default stack.
const RUNNER_STACK: usize = 256 * 1024 * 1024;

fn main() {
    let runner = std::thread::Builder::new()
        .name("cucumber".into())
        .stack_size(RUNNER_STACK)
        .spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread tokio runtime always builds");
            runtime.block_on(
                TwinWorld::cucumber()
                    .fail_on_skipped()
                    .run_and_exit(concat!(env!("CARGO_MANIFEST_DIR"), "/features")),
            );
        })
        .expect("spawning the cucumber thread");
    if runner.join().is_err() {
        std::process::exit(1);
    }
}
