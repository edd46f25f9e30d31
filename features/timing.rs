//! How long each scenario took, from its first step to its last; the
//! slowest are named after the summary so a heavy scenario is seen, not
//! guessed (with `--concurrency 1`, each alone).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When each running scenario started (by feature, scenario and line), and
/// how long each finished one took.
static STARTED: Mutex<BTreeMap<(String, String, usize), Instant>> = Mutex::new(BTreeMap::new());
static TOOK: Mutex<Vec<(Duration, String)>> = Mutex::new(Vec::new());
/// When the run started and, per finished scenario, its start and end
/// offsets from it (`OFFICETWIN_TIMELINE=1` prints them: what ran beside
/// what, and which scenario ends the run).
static RUN_START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
static SPANS: Mutex<Vec<(Duration, Duration, String)>> = Mutex::new(Vec::new());

/// How many of the slowest scenarios the run names.
const SLOWEST_SHOWN: usize = 10;

pub fn scenario_started(feature: &str, scenario: &str, line: usize) {
    RUN_START.get_or_init(Instant::now);
    if let Ok(mut started) = STARTED.lock() {
        started.insert(
            (feature.to_string(), scenario.to_string(), line),
            Instant::now(),
        );
    }
}

pub fn scenario_took(feature: &str, scenario: &str, line: usize) {
    let key = (feature.to_string(), scenario.to_string(), line);
    let Some(start) = STARTED.lock().ok().and_then(|mut s| s.remove(&key)) else {
        return;
    };
    let name = format!("{feature} / {scenario} (line {line})");
    if let (Some(run), Ok(mut spans)) = (RUN_START.get(), SPANS.lock()) {
        spans.push((start - *run, run.elapsed(), name.clone()));
    }
    if let Ok(mut took) = TOOK.lock() {
        took.push((start.elapsed(), name));
    }
}

pub fn print_slowest() {
    let Ok(mut took) = TOOK.lock() else {
        return;
    };
    if took.is_empty() {
        return;
    }
    took.sort_by_key(|t| std::cmp::Reverse(t.0));
    let total: Duration = took.iter().map(|t| t.0).sum();
    eprintln!(
        "\nSlowest scenarios (wall time from first to last step; {} scenarios, {:.1} s summed, concurrent ones overlap):",
        took.len(),
        total.as_secs_f64()
    );
    for (took, name) in took.iter().take(SLOWEST_SHOWN) {
        eprintln!("  {:>7.2} s  {name}", took.as_secs_f64());
    }
}

/// Every scenario's start and end from the run's start, by start, when
/// `OFFICETWIN_TIMELINE` is set.
pub fn print_timeline() {
    if std::env::var_os("OFFICETWIN_TIMELINE").is_none() {
        return;
    }
    let Ok(mut spans) = SPANS.lock() else {
        return;
    };
    spans.sort();
    eprintln!("\nTimeline (seconds from the first scenario's start):");
    for (start, end, name) in spans.iter() {
        eprintln!(
            "  {:>6.2} - {:>6.2}  {name}",
            start.as_secs_f64(),
            end.as_secs_f64()
        );
    }
}
