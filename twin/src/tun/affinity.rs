//! One core for a lockstep pair: the firmware process and the thread that
//! drives it run on the same CPU.
//!
//! In lockstep only one of the two runs at a time: the twin writes a frame
//! and waits; the firmware answers and waits. When they sit on different
//! cores every hand-over is a wake-up across cores, which in a virtual
//! machine is an inter-processor interrupt and a trip through the
//! hypervisor. Measured on the project's 2-core VM, a month of office
//! traffic through the build (`run --net tun ordinary-month`, 216,000
//! frames) took 23 s unpinned and 8.3 s with both on one core. Pairs are
//! spread over the allowed cores round robin, so a conformance run with one
//! scenario per core keeps every core busy.
//!
//! The driving thread can change between steps (a test runner hands the
//! session to whichever pool thread is free), so [`Pinning::follow`] is
//! called at every step: it pins the calling thread when it is not the one
//! pinned already, and gives the previous one back the process's own set.
//! Pinning is only ever a speed-up: where a call fails the pair simply runs
//! unpinned.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The CPUs this process may run on, as it started (its `taskset`, if any):
/// what a thread gets back when a pair lets go of it.
fn process_cpus() -> Option<&'static libc::cpu_set_t> {
    static CPUS: OnceLock<Option<libc::cpu_set_t>> = OnceLock::new();
    CPUS.get_or_init(|| {
        // SAFETY: a zeroed cpu_set_t is its empty set; the size passed is
        // the set's own.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let got =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        (got == 0).then_some(set)
    })
    .as_ref()
}

/// The allowed CPUs' numbers, in order.
fn allowed(set: &libc::cpu_set_t) -> Vec<usize> {
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, set) })
        .collect()
}

fn only(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: as in `process_cpus`; `cpu` comes from an allowed set, so is
    // below CPU_SETSIZE.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set
}

fn set_thread(tid: libc::pid_t, set: &libc::cpu_set_t) -> bool {
    // SAFETY: plain syscall on a set of the right size.
    unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), set) == 0 }
}

thread_local! {
    /// This thread's kernel id, asked once (`gettid` is a syscall).
    static TID: Cell<libc::pid_t> = const { Cell::new(0) };
}

fn current_tid() -> libc::pid_t {
    TID.with(|tid| {
        if tid.get() == 0 {
            // SAFETY: gettid has no preconditions.
            tid.set(unsafe { libc::gettid() });
        }
        tid.get()
    })
}

/// Whether `tid` is still a thread of this process (a pool thread may have
/// ended, and its id been reused elsewhere).
fn ours(tid: libc::pid_t) -> bool {
    std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
}

/// The core of one lockstep pair, and the driving thread pinned to it.
#[derive(Debug)]
pub struct Pinning {
    cpu: usize,
    set: libc::cpu_set_t,
    thread: Option<libc::pid_t>,
}

impl Pinning {
    /// The next core, round robin over the process's allowed ones; `None`
    /// where there is only one (nothing to gain) or the set is unreadable.
    pub fn choose() -> Option<Pinning> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let cpus = allowed(process_cpus()?);
        if cpus.len() < 2 {
            return None;
        }
        Some(Pinning::on(
            cpus[NEXT.fetch_add(1, Ordering::Relaxed) % cpus.len()],
        ))
    }

    /// A pair on `cpu` (one of the allowed ones).
    pub fn on(cpu: usize) -> Pinning {
        Pinning {
            cpu,
            set: only(cpu),
            thread: None,
        }
    }

    /// The core chosen.
    pub fn cpu(&self) -> usize {
        self.cpu
    }

    /// The set to give the child process, before it runs (`pre_exec`).
    pub fn child_set(&self) -> libc::cpu_set_t {
        self.set
    }

    /// Pins the calling thread, once per thread that drives the pair.
    pub fn follow(&mut self) {
        let tid = current_tid();
        if self.thread == Some(tid) {
            return;
        }
        // The set to give back is read before any thread is pinned: read
        // afterwards on a pinned thread, it would be that one core.
        let _ = process_cpus();
        self.release();
        if set_thread(tid, &self.set) {
            self.thread = Some(tid);
        }
    }

    /// Gives the pinned thread back the process's set.
    fn release(&mut self) {
        if let Some(tid) = self.thread.take()
            && ours(tid)
            && let Some(cpus) = process_cpus()
        {
            set_thread(tid, cpus);
        }
    }
}

impl Drop for Pinning {
    fn drop(&mut self) {
        self.release();
    }
}

/// Sets the calling process's CPUs; for the child between fork and exec.
///
/// # Safety
/// Async-signal-safe: one syscall, no allocation.
pub unsafe fn pin_self(set: &libc::cpu_set_t) -> std::io::Result<()> {
    // SAFETY: as in `set_thread`.
    if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current_set() -> libc::cpu_set_t {
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let got =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        assert_eq!(got, 0);
        set
    }

    #[test]
    fn a_pinned_thread_gets_the_process_set_back() {
        let cpus = allowed(&current_set());
        // The last allowed core: on a machine of several, not the whole set.
        let mut pinning = Pinning::on(cpus[cpus.len() - 1]);
        std::thread::spawn(move || {
            let before = allowed(&current_set());
            pinning.follow();
            assert_eq!(allowed(&current_set()), vec![pinning.cpu()]);
            drop(pinning);
            assert_eq!(allowed(&current_set()), before);
        })
        .join()
        .expect("the pinning thread");
    }

    #[test]
    fn pairs_are_spread_over_the_cores() {
        let cpus = allowed(process_cpus().expect("the process's CPUs"));
        if cpus.len() < 2 {
            assert!(Pinning::choose().is_none(), "one core: nothing to pin");
            return;
        }
        let chosen: std::collections::BTreeSet<usize> = (0..cpus.len() * 2)
            .filter_map(|_| Pinning::choose().map(|p| p.cpu()))
            .collect();
        assert_eq!(chosen.into_iter().collect::<Vec<_>>(), cpus);
    }
}
