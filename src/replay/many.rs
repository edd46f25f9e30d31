//! Several captures replayed on every core, each through its own gateway,
//! their output written in input order, byte for byte what one core writes.
//!
//! Workers take the next capture from a shared counter; a capture's output
//! is rendered to text by its worker and written as soon as it and every
//! capture before it are done, so at most one rendered text per worker
//! waits. The tally (which engines detected in how many captures, the cut
//! frames, the captures that could not be replayed) follows the last one.

use super::{Replay, ReplayOptions, replay_file_with};
use anyhow::Result;
use appliance::{Config, FrozenIntel};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// What every capture of a run is replayed with.
#[derive(Clone, Debug)]
pub struct Job {
    pub config: Config,
    pub intel: FrozenIntel,
    pub options: ReplayOptions,
    /// Also list every web access the gateway inspected.
    pub verbose: bool,
}

/// One capture's result, rendered by its worker.
struct Outcome {
    text: String,
    engines: Vec<&'static str>,
    truncated: u64,
    failed: bool,
}

/// What a run of several captures found, after its output.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Captures that could not be replayed at all.
    pub unreadable: Vec<PathBuf>,
}

/// A replay as text: the accesses (verbose), the events, the counts, the
/// cut frames and the damage.
pub fn render(replay: &Replay, verbose: bool) -> String {
    let mut s = String::new();
    if verbose {
        for a in &replay.accesses {
            let _ = writeln!(
                s,
                "{}  {:<15} {} {:<5} {:<32} {}{}",
                a.time.jst_string(),
                a.src_ip,
                if a.tls { "TLS SNI " } else { "HTTP    " },
                a.dst_port,
                a.host,
                a.category.as_deref().unwrap_or("(unrated)"),
                if a.blocked { "  BLOCKED" } else { "" }
            );
        }
    }
    for event in &replay.events {
        s.push_str(&event_line(event));
    }
    s.push_str(&render_summary(replay));
    s
}

/// One event as replay prints it, with its line end.
pub fn event_line(event: &appliance::Event) -> String {
    format!(
        "{}  {:<15} {:<13} {:<7} {}  [{}]\n",
        event.time.jst_string(),
        event.src_ip,
        event.engine.label(),
        event.action.label(),
        cloud::store::destination(event),
        event.reason()
    )
}

/// What follows the events: the counts, the cut frames, the damage.
pub fn render_summary(replay: &Replay) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} frames ({} LAN side, {} WAN side), {} emitted by the gateway, {} events, {} alerts",
        replay.frames,
        replay.lan_frames,
        replay.wan_frames,
        replay.emitted,
        replay.event_count,
        replay.alerts
    );
    if replay.truncated > 0 {
        let _ = writeln!(
            s,
            "{} frames cut short by the capture (snap length), inspected for what they hold; {} of them cut inside their headers",
            replay.truncated, replay.truncated_in_headers
        );
    }
    if let Some(damage) = &replay.damage {
        let _ = writeln!(
            s,
            "capture damaged: {damage}; the frames before it were replayed"
        );
    }
    s
}

/// The engines that detected in a replay, sorted, once each.
fn engines(replay: &Replay) -> Vec<&'static str> {
    let mut engines: Vec<&'static str> = replay.events.iter().map(|e| e.engine.label()).collect();
    engines.sort_unstable();
    engines.dedup();
    engines
}

fn one(capture: &std::path::Path, job: &Job) -> Outcome {
    let mut text = format!("== {}\n", capture.display());
    match replay_file_with(capture, job.config.clone(), job.intel.clone(), job.options) {
        Ok(replay) => {
            text.push_str(&render(&replay, job.verbose));
            Outcome {
                text,
                engines: engines(&replay),
                truncated: replay.truncated,
                failed: false,
            }
        }
        Err(e) => {
            // One bad capture does not stop the others: its error goes in the tally.
            let _ = writeln!(text, "not replayed: {e:#}");
            Outcome {
                text,
                engines: Vec::new(),
                truncated: 0,
                failed: true,
            }
        }
    }
}

/// Replays `captures` on `workers` threads (at least one), writing each
/// capture's output to `out` in input order, then the tally.
pub fn replay_many(
    captures: &[PathBuf],
    job: &Job,
    workers: usize,
    out: &mut dyn Write,
) -> Result<Tally> {
    let workers = workers.clamp(1, captures.len().max(1));
    let next = AtomicUsize::new(0);
    let mut detected = BTreeMap::<&'static str, usize>::new();
    let mut truncated = (0u64, 0usize);
    let mut tally = Tally::default();
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(capture) = captures.get(i) else {
                        break;
                    };
                    if tx.send((i, one(capture, job))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (i, outcome) in rx {
            waiting.insert(i, outcome);
            while let Some(o) = waiting.remove(&due) {
                if let Err(e) = out.write_all(o.text.as_bytes()) {
                    // Stop handing out captures; the workers finish theirs.
                    next.store(captures.len(), Ordering::Relaxed);
                    return Err(e.into());
                }
                for engine in o.engines {
                    *detected.entry(engine).or_default() += 1;
                }
                if o.truncated > 0 {
                    truncated.0 += o.truncated;
                    truncated.1 += 1;
                }
                if o.failed
                    && let Some(capture) = captures.get(due)
                {
                    tally.unreadable.push(capture.clone());
                }
                due += 1;
            }
        }
        Ok(())
    })?;
    let n = captures.len();
    for (engine, k) in &detected {
        writeln!(out, "{engine}: detected in {k} of {n} captures")?;
    }
    if detected.is_empty() {
        writeln!(out, "no detections in any of {n} captures")?;
    }
    if truncated.0 > 0 {
        writeln!(
            out,
            "{} frames cut short by the capture (snap length) in {} of {n} captures",
            truncated.0, truncated.1
        )?;
    }
    Ok(tally)
}
