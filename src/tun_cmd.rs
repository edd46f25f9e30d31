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
use appliance::store::{EventFilter, ExportOptions, LogStore};
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
    pub frames_from_host: u64,
    pub frames_to_host: u64,
}

/// Runs the request. Must be called before the process starts any other
/// thread: the calling thread moves into a private network namespace.
pub fn exec(catalog: &Catalog, req: &ExecRequest<'_>) -> Result<ExecOutcome> {
    let Some((program, args)) = req.command.split_first() else {
        bail!("no command given: officetwin exec HOST -- CMD [ARGS...]");
    };
    netns::preflight()?;
    netns::isolate_current_thread().context("moving the twin into its own network namespace")?;
    let scenario = catalog.scenario(req.scenario)?;
    fs::create_dir_all(req.out).with_context(|| format!("creating {}", req.out.display()))?;
    let mut session = Session::with_store_file(
        scenario.clone(),
        WorldOptions { capture: true },
        &req.out.join("gateway.sqlite"),
    )?;
    let real = RealHost::attach(&mut session.world, &scenario, req.host)
        .with_context(|| format!("building the namespace of host {}", req.host))?;
    if !req.after.is_zero() {
        let until = session.now() + req.after;
        session.run_until(until)?;
    }
    let started = session.now();
    let resolv = req.out.join("resolv.conf");
    fs::write(&resolv, real_host::resolv_conf(&scenario))
        .with_context(|| format!("writing {}", resolv.display()))?;
    let mut child = real
        .command(program, &resolv)?
        .args(args)
        .spawn()
        .with_context(|| format!("starting {program} as {}", req.host))?;
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
    let now = session.now();
    session.run_until(now)?;
    let events = session.store.events(&EventFilter {
        from: Some(started),
        ..EventFilter::default()
    })?;
    write_outputs(&session, req.out)?;
    Ok(ExecOutcome {
        status,
        events,
        frames_from_host: moved.from_real,
        frames_to_host: moved.to_real,
    })
}

fn write_outputs(session: &Session, out: &Path) -> Result<()> {
    let csv = out.join("logs.csv");
    let mut file = fs::File::create(&csv).with_context(|| format!("creating {}", csv.display()))?;
    session.store.export_csv(
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

/// One event as a log line (the shape `officetwin replay` prints).
pub fn event_line(event: &Event) -> String {
    format!(
        "{}  {:<15} {:<13} {:<7} {}  [{}]",
        event.time.jst_string(),
        event.src_ip,
        event.engine.label(),
        event.action.label(),
        appliance::store::destination(event),
        event.reason()
    )
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
    netns::preflight()?;
    netns::isolate_current_thread().context("moving the twin into its own network namespace")?;
    Ok(())
}

/// Lets the firmware at `program` (default: the `appliance` built with this
/// program) play the session's gateway; its files go to `dir`.
pub fn attach_firmware(session: &mut Session, program: Option<&Path>, dir: &Path) -> Result<()> {
    let program = match program {
        Some(p) => p.to_path_buf(),
        None => twin::tun::firmware::default_firmware()?,
    };
    let firmware = twin::tun::firmware::Firmware::start(&program, &session.scenario, dir)
        .with_context(|| format!("starting firmware {}", program.display()))?;
    session.world.set_gateway_driver(Box::new(firmware));
    Ok(())
}
