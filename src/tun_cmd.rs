//! `officetwin exec`: a real program run as an office host, through the
//! twin's gateway, to the twin's internet, on the wall clock.
//!
//! The twin is started for the duration of the command: it moves itself into
//! a fresh network namespace, builds the host's namespace and TAP, runs the
//! command there, and stops when the command exits. Everything it created
//! dies with it, so a crash leaves nothing behind and there is no daemon to
//! find or to clean up.

use crate::session::Session;
use anyhow::{Context, Result, bail};
use appliance::Event;
use cloud::store::{EventFilter, ExportOptions, LogStore};
use std::fs;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;
use twin::catalog::Catalog;
use twin::tun::netns;
use twin::tun::real_host::{self, RealHost, WallClock};
use twin::world::WorldOptions;

/// What `officetwin exec` is asked to do.
#[derive(Debug, Clone)]
pub struct ExecRequest<'a> {
    pub scenario: &'a str,
    pub host: &'a str,
    /// Virtual time to fast-forward (in memory) before the command starts.
    pub after: Duration,
    pub out: &'a Path,
    pub command: &'a [String],
}

/// What happened while the command ran.
#[derive(Debug)]
pub struct ExecOutcome {
    pub status: ExitStatus,
    /// Gateway events logged while the command ran.
    pub events: Vec<Event>,
    /// What the program printed, when captured.
    pub stdout: Vec<u8>,
    pub frames_from_host: u64,
    pub frames_to_host: u64,
}

/// Runs the request. Must be called before the process starts any other
/// thread: the calling thread moves into a private network namespace.
pub fn exec(catalog: &Catalog, req: &ExecRequest<'_>) -> Result<ExecOutcome> {
    let Some((program, args)) = req.command.split_first() else {
        bail!("no command given: officetwin exec HOST -- CMD [ARGS...]");
    };
    enter_tun_mode()?;
    let scenario = catalog.scenario(req.scenario)?;
    fs::create_dir_all(req.out).with_context(|| format!("creating {}", req.out.display()))?;
    let mut session = Session::with_store_file(
        scenario,
        WorldOptions { capture: true },
        &req.out.join("gateway.sqlite"),
    )?;
    if !req.after.is_zero() {
        let until = session.now() + req.after;
        session.run_until(until)?;
    }
    let run = run_real_program(&mut session, req.host, program, args, req.out, false)?;
    write_outputs(&session, req.out)?;
    Ok(run)
}

/// Runs `program` as office host `host` of the session on the wall clock
/// (from the session's current instant) until it exits; its standard output
/// is captured when `capture_stdout`, else inherited. The calling thread
/// must already be in the twin's own namespace ([`enter_tun_mode`]).
pub fn run_real_program(
    session: &mut Session,
    host: &str,
    program: &str,
    args: &[String],
    dir: &Path,
    capture_stdout: bool,
) -> Result<ExecOutcome> {
    let scenario = session.scenario.clone();
    let real = RealHost::attach(&mut session.world, &scenario, host)
        .with_context(|| format!("building the namespace of host {host}"))?;
    let started = session.now();
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let resolv = dir.join("resolv.conf");
    fs::write(&resolv, real_host::resolv_conf(&scenario))
        .with_context(|| format!("writing {}", resolv.display()))?;
    let mut cmd = real.command(program, &resolv)?;
    cmd.args(args);
    if capture_stdout {
        cmd.stdout(std::process::Stdio::piped());
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {program} as {host}"))?;
    // Read the output on a thread so a chatty program never blocks on a full pipe.
    let reader = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = std::io::Read::read_to_end(&mut out, &mut bytes);
            bytes
        })
    });
    let clock = WallClock::starting_at(started);
    let mut status = None;
    let hosts = [real];
    let moved = real_host::run_wall(&mut session.world, &clock, &hosts, |_| {
        if status.is_none() {
            status = child.try_wait().ok().flatten();
        }
        status.is_some()
    })?;
    let status = match status {
        Some(s) => s,
        None => child.wait()?,
    };
    let stdout = reader
        .map(|r| r.join().unwrap_or_default())
        .unwrap_or_default();
    let now = session.now();
    session.run_until(now)?;
    let events = session.cloud.store.events(&EventFilter {
        from: Some(started),
        ..EventFilter::default()
    })?;
    Ok(ExecOutcome {
        status,
        events,
        stdout,
        frames_from_host: moved.from_real,
        frames_to_host: moved.to_real,
    })
}

fn write_outputs(session: &Session, out: &Path) -> Result<()> {
    let csv = out.join("logs.csv");
    let mut file = fs::File::create(&csv).with_context(|| format!("creating {}", csv.display()))?;
    session.cloud.store.export_csv(
        &EventFilter::default(),
        &ExportOptions::default(),
        &mut file,
    )?;
    if let Some(pcap) = session.world.pcapng() {
        let path = out.join("capture.pcapng");
        fs::write(&path, pcap).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One event as a log line (the shape `officetwin replay` prints), without
/// its line end.
pub fn event_line(event: &Event) -> String {
    crate::replay::event_line(event).trim_end().to_string()
}

/// Where the gateway runs in `officetwin run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Net {
    /// In memory, the in-process gateway (the default).
    Memory,
    /// Through kernel interfaces: the gateway is a firmware build running as
    /// its own process in its own network namespace (needs root).
    Tun,
}

/// Checks that TUN mode can run and moves the calling thread (and all it
/// starts later) into a fresh network namespace. Call before other threads.
pub fn enter_tun_mode() -> Result<()> {
    thread_local! {
        static ISOLATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if ISOLATED.get() {
        return Ok(());
    }
    netns::preflight().map_err(|why| {
        anyhow::anyhow!("{why} (`officetwin doctor` lists what this machine lacks)")
    })?;
    netns::isolate_current_thread().context("moving the twin into its own network namespace")?;
    ISOLATED.set(true);
    Ok(())
}

/// Whether TUN mode can run here, and if not, why (for tests that skip).
pub fn tun_unavailable() -> Option<String> {
    netns::preflight().err().map(|e| e.to_string())
}

/// `OFFICETWIN_NET=tun` makes every session of the features run its gateway
/// as the firmware build (`OFFICETWIN_FIRMWARE`, default: the `appliance`
/// built alongside by `cargo build -p firmware`) on kernel interfaces.
pub fn net_from_env() -> Result<Net> {
    match std::env::var("OFFICETWIN_NET").as_deref() {
        Err(_) | Ok("") | Ok("memory") => Ok(Net::Memory),
        Ok("tun") => Ok(Net::Tun),
        Ok(other) => bail!("OFFICETWIN_NET={other:?}: expected `memory` or `tun`"),
    }
}

/// A session for `scenario` with the gateway `net` asks for; a firmware's
/// files go to a fresh temporary directory.
pub fn session_on(net: Net, catalog: &Catalog, id: &str, capture: bool) -> Result<Session> {
    let scenario = catalog.scenario(id)?;
    let mut session = Session::new(scenario, WorldOptions { capture })?;
    if net == Net::Tun {
        enter_tun_mode()?;
        let dir = scratch_dir(&session.scenario.id)?;
        attach_firmware(&mut session, catalog, None, &dir)?;
    }
    Ok(session)
}

/// A fresh directory under the system's temporary directory.
pub fn scratch_dir(label: &str) -> Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "officetwin-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Lets the firmware at `program` (default: the `appliance` built with this
/// program, `cargo build -p firmware`) play the session's gateway; its files
/// go to `dir`.
pub fn attach_firmware(
    session: &mut Session,
    catalog: &Catalog,
    program: Option<&Path>,
    dir: &Path,
) -> Result<()> {
    let program = match program {
        Some(p) => p.to_path_buf(),
        None => twin::tun::firmware::default_firmware().map_err(|why| {
            anyhow::anyhow!("{why} (`officetwin doctor` lists what this machine lacks)")
        })?,
    };
    let source = twin::tun::policy::ScenarioSource::from_catalog(catalog, &session.scenario)?;
    let firmware = twin::tun::firmware::Firmware::start(&program, &session.scenario, &source, dir)
        .with_context(|| format!("starting firmware {}", program.display()))?;
    session.world.set_gateway_driver(Box::new(firmware));
    Ok(())
}
