//! The fuzzers' corpora and found crashes, replayed on stable: every saved
//! input of every target runs through the same entry point the fuzz target
//! calls, so a fault once found stays fixed.

use super::TARGETS;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_fuzz_binary_and_a_seeded_corpus() {
    for target in TARGETS {
        let binary = fuzz_dir()
            .join("fuzz_targets")
            .join(format!("{}.rs", target.name));
        let source = std::fs::read_to_string(&binary)
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        assert!(
            source.contains(&format!("untrusted::{}(", target.name)),
            "{} does not call untrusted::{}",
            binary.display(),
            target.name
        );
        let corpus = inputs(&fuzz_dir().join("corpus").join(target.name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{} is empty: run the seeding (fuzz/README.md)",
            target.name
        );
    }
}

#[test]
fn every_saved_input_runs_clean() {
    let mut ran = 0;
    for target in TARGETS {
        for kind in ["corpus", "regressions"] {
            for input in inputs(&fuzz_dir().join(kind).join(target.name)) {
                let bytes =
                    std::fs::read(&input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
                let outcome = std::panic::catch_unwind(|| (target.run)(&bytes));
                assert!(
                    outcome.is_ok(),
                    "{} fails on {} (replay it with `cargo fuzz run {} {}`)",
                    target.name,
                    input.display(),
                    target.name,
                    input.display()
                );
                ran += 1;
            }
        }
    }
    println!("{ran} saved inputs replayed over {} targets", TARGETS.len());
}
