//! The world the steps share, and the parameter types of the vocabulary.

mod app_control;
mod beacons;
mod certificates;
mod cloud_apps;
mod cnc;
mod console;
mod endpoint;
mod hostile;
mod logs;
mod mail;
mod network;
mod network_protection;
mod phishing;
mod report;
mod scenario;
mod stores;
mod tun;
mod web;

pub use console::{close_spare_browser, give_back_browser};

use anyhow::{Context, Result, anyhow};
use officetwin::session::Session;
use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use twin::catalog::Catalog;

/// State of one feature scenario.
#[derive(cucumber::World, Default)]
pub struct TwinWorld {
    session: Option<Session>,
    /// Hashes of the outputs of repeated runs (determinism checks).
    runs: Vec<RunOutput>,
    /// TUN mode: real programs, firmware runs, and why steps were skipped.
    tun: tun::TunState,
    /// The stores of a memory and a firmware run, compared (`stores.rs`).
    stores: stores::StoresState,
    /// An IPS rule file checked on its own.
    rules: network_protection::RuleCheck,
    /// Files and captures built to break the loaders.
    hostile: hostile::HostileCheck,
    /// The console's policy being edited, not yet deployed (web steps).
    web: web::Console,
    /// The cloud console under test (`steps/console/`).
    console: Option<console::ConsoleWorld>,
}

impl fmt::Debug for TwinWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwinWorld")
            .field(
                "scenario",
                &self.session.as_ref().map(|s| s.scenario.id.as_str()),
            )
            .field("now", &self.session.as_ref().map(|s| s.now().jst_string()))
            .finish()
    }
}

/// What one complete run of a scenario wrote.
#[derive(Clone, PartialEq, Eq)]
pub struct RunOutput {
    pub pcapng: Vec<u8>,
    pub log_export: Vec<u8>,
}

impl TwinWorld {
    fn session(&mut self) -> Result<&mut Session> {
        self.session
            .as_mut()
            .ok_or_else(|| anyhow!("no scenario loaded: start with `Given the scenario \"...\"`"))
    }

    /// Runs `work` on the session on a thread of the blocking pool, so the
    /// runner goes on with other scenarios meanwhile: the suite's
    /// simulations use every core. A session with a firmware process or a
    /// real program runs on a TUN worker ([`on_tun_worker`]).
    async fn on_session<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.session_on_thread(false, work).await
    }

    /// Runs `work` on the session on a TUN worker ([`on_tun_worker`]),
    /// whether or not the session is in memory yet (a real program is
    /// about to join it).
    async fn on_session_in_tun<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.session_on_thread(true, work).await
    }

    async fn session_on_thread<T: Send + 'static>(
        &mut self,
        tun: bool,
        work: impl FnOnce(&mut Session) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let mut session = self.session.take().ok_or_else(|| {
            anyhow!("no scenario loaded: start with `Given the scenario \"...\"`")
        })?;
        let tun = tun || !session.world.runs_in_memory();
        let run = move || {
            let result = work(&mut session);
            Ok((session, result))
        };
        let (session, result) = if tun {
            on_tun_worker(run).await?
        } else {
            on_pool(run).await?
        };
        self.session = Some(session);
        result
    }

    /// An IP address as written, or the address of the office host of that name.
    fn resolve_host(&mut self, who: &str) -> Result<Ipv4Addr> {
        if let Ok(ip) = who.parse() {
            return Ok(ip);
        }
        let session = self.session()?;
        session
            .scenario
            .office
            .host(who)
            .map(|h| h.ip)
            .with_context(|| {
                format!(
                    "{who:?} is neither an IP address nor a host of office {}",
                    session.scenario.office.id
                )
            })
    }
}

/// Runs `work` on a thread of tokio's blocking pool and waits for it: the
/// runner drives the other scenarios meanwhile. Only for work that needs
/// no network namespace (an in-memory world), or enters its own (conformance).
pub async fn on_pool<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow!("the worker thread stopped: {e}"))?
}

/// A job for a TUN worker: told whether its thread entered TUN mode.
type TunJob = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The stack of a TUN worker: as the runner's (`main.rs`), for deep worlds.
const TUN_WORKER_STACK: usize = 256 * 1024 * 1024;

/// Runs `work` on one of the suite's TUN workers and waits for it, while
/// the runner drives the other scenarios.
///
/// A worker is a thread that entered TUN mode (`tun_cmd::enter_tun_mode`:
/// its own empty network namespace, so nothing it does can reach the
/// machine's) and lives as long as the process. It must outlive what it
/// starts: a firmware process or a real program is started with
/// `PR_SET_PDEATHSIG`, which fires when the *thread* that forked it ends.
/// One worker per core: a firmware run is two processes in lockstep on
/// one core (`twin::tun::affinity`).
pub async fn on_tun_worker<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: TunJob = Box::new(move |entered| {
        let result = match entered {
            Ok(()) => work(),
            Err(why) => Err(anyhow!("entering TUN mode: {why}")),
        };
        let _ = tx.send(result);
    });
    tun_workers()?
        .lock()
        .map_err(|_| anyhow!("the TUN workers' queue is poisoned"))?
        .send(job)
        .map_err(|_| anyhow!("the TUN workers have stopped"))?;
    rx.await
        .map_err(|_| anyhow!("a TUN worker stopped before answering"))?
}

fn tun_workers() -> Result<&'static std::sync::Mutex<std::sync::mpsc::Sender<TunJob>>> {
    static WORKERS: std::sync::OnceLock<
        Result<std::sync::Mutex<std::sync::mpsc::Sender<TunJob>>, String>,
    > = std::sync::OnceLock::new();
    WORKERS
        .get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<TunJob>();
            let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
            for n in 0..officetwin::pool::cores() {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("tun-worker-{n}"))
                    .stack_size(TUN_WORKER_STACK)
                    .spawn(move || {
                        let entered =
                            officetwin::tun_cmd::enter_tun_mode().map_err(|e| format!("{e:#}"));
                        loop {
                            // The lock is held only to take one job.
                            let job = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(entered.clone()),
                                Err(_) => return,
                            }
                        }
                    })
                    .map_err(|e| format!("starting a TUN worker: {e}"))?;
            }
            Ok(std::sync::Mutex::new(tx))
        })
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

/// The project's scenarios, read from the working tree so edits show at once.
pub fn catalog() -> Result<Catalog> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    Ok(Catalog::from_dir(&dir)?)
}

/// `{duration}`: "30 minutes", "1 day", "62 days", "90 s".
#[derive(Clone, Copy, Debug, cucumber::Parameter)]
#[param(
    name = "duration",
    regex = r"\d+\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)"
)]
pub struct DurationParam(pub Duration);

impl FromStr for DurationParam {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        twin::duration::parse(text)
            .map(DurationParam)
            .map_err(|e| e.to_string())
    }
}
