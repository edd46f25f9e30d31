//! Work items on every core, results in item order: what `conformance`
//! (one scenario per worker) and `fleet` (one office per worker) share.
//!
//! Workers take the next index from a shared counter, so a slow item never
//! holds up the others; each worker first runs `setup` once on its own
//! thread (conformance enters TUN mode there). Workers get a large stack:
//! unoptimised builds of the simulation recurse deep.

use anyhow::{Context, Result, bail};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One worker per core: the default of `conformance --jobs` and `fleet --jobs`.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A worker's stack (virtual memory: only what is touched is used).
const WORKER_STACK: usize = 256 * 1024 * 1024;

/// Runs `work(&state, i)` for every `i < items` on `jobs` threads named
/// `NAME-K`, where `state` is what `setup` gave that thread, and calls
/// `finished(count finished so far, i, &result)` as each item ends.
pub fn run_indexed<S, T: Send>(
    name: &str,
    items: usize,
    jobs: usize,
    setup: impl Fn() -> S + Sync,
    work: impl Fn(&S, usize) -> T + Sync,
    finished: impl Fn(usize, usize, &T) + Sync,
) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = (0..items).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| -> Result<()> {
        let mut workers = Vec::new();
        for k in 0..jobs.clamp(1, items.max(1)) {
            let worker = std::thread::Builder::new()
                .name(format!("{name}-{k}"))
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || {
                    let state = setup();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= items {
                            break;
                        }
                        let result = work(&state, i);
                        finished(done.fetch_add(1, Ordering::Relaxed) + 1, i, &result);
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(result);
                        }
                    }
                })
                .with_context(|| format!("starting a {name} worker thread"))?;
            workers.push(worker);
        }
        for worker in workers {
            if worker.join().is_err() {
                bail!("a {name} worker thread panicked");
            }
        }
        Ok(())
    })?;
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            slot.into_inner()
                .ok()
                .flatten()
                .with_context(|| format!("{name}: item {i} has no result"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_item_order_whatever_the_workers() {
        for jobs in [1, 2, 5, 40] {
            let seen = Mutex::new(Vec::new());
            let out = run_indexed(
                "t",
                17,
                jobs,
                || std::thread::current().name().map(str::to_string),
                |thread, i| {
                    assert!(thread.as_deref().is_some_and(|n| n.starts_with("t-")));
                    i * i
                },
                |count, i, _| seen.lock().expect("lock").push((count, i)),
            )
            .expect("runs");
            assert_eq!(out, (0..17).map(|i| i * i).collect::<Vec<_>>());
            let mut counts: Vec<usize> = seen
                .into_inner()
                .expect("lock")
                .iter()
                .map(|s| s.0)
                .collect();
            counts.sort_unstable();
            assert_eq!(counts, (1..=17).collect::<Vec<_>>(), "jobs {jobs}");
        }
        assert!(
            run_indexed("t", 0, 2, || (), |_, i| i, |_, _, _| {})
                .expect("runs")
                .is_empty()
        );
    }

    #[test]
    fn a_panicking_item_is_an_error_not_a_crash() {
        let err = run_indexed("p", 3, 2, || (), |_, i| assert_ne!(i, 1), |_, _, _| {})
            .expect_err("a worker panicked");
        assert!(
            err.to_string().contains("p worker thread panicked"),
            "{err}"
        );
    }
}
