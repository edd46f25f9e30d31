//! How long each scenario took, from its first step to its last; the
//! slowest are named after the summary so a heavy scenario is seen, not
//! guessed (with `--concurrency 1`, each alone). `OFFICETWIN_TIMELINE=1`
//! also prints when each one started and ended: what ran beside what, and
//! which scenario ends the run.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// When the first scenario started: the spans are offsets from it.
static RUN_START: OnceLock<Instant> = OnceLock::new();
/// When each running scenario started (by feature, scenario and line).
static STARTED: Mutex<BTreeMap<(String, String, usize), Instant>> = Mutex::new(BTreeMap::new());
/// Each finished scenario's start and end (from [`RUN_START`]) and name.
static SPANS: Mutex<Vec<Span>> = Mutex::new(Vec::new());

struct Span {
    start: Duration,
    end: Duration,
    name: String,
}

impl Span {
    fn took(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

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
    let run = *RUN_START.get_or_init(|| start);
    if let Ok(mut spans) = SPANS.lock() {
        spans.push(Span {
            start: start.saturating_duration_since(run),
            end: run.elapsed(),
            name: format!("{feature} / {scenario} (line {line})"),
        });
    }
}

pub fn print_slowest() {
    let Ok(spans) = SPANS.lock() else {
        return;
    };
    if spans.is_empty() {
        return;
    }
    let mut slowest: Vec<&Span> = spans.iter().collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.took()));
    let total: Duration = spans.iter().map(Span::took).sum();
    eprintln!(
        "\nSlowest scenarios (wall time from first to last step; {} scenarios, {:.1} s summed, concurrent ones overlap):",
        spans.len(),
        total.as_secs_f64()
    );
    for span in slowest.iter().take(SLOWEST_SHOWN) {
        eprintln!("  {:>7.2} s  {}", span.took().as_secs_f64(), span.name);
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
    spans.sort_by_key(|s| s.start);
    eprintln!("\nTimeline (seconds from the first scenario's start):");
    for span in spans.iter() {
        eprintln!(
            "  {:>6.2} - {:>6.2}  {}",
            span.start.as_secs_f64(),
            span.end.as_secs_f64(),
            span.name
        );
    }
}
