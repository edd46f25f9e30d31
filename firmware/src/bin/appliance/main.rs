//! `appliance`: the gateway firmware as a program. It forwards Ethernet
//! frames between two interfaces through the sans-I/O [`Gateway`], writes
//! its events to its SQLite log store, and reports alerts.
//!
//! ```text
//! appliance --lan IF --wan IF --policy FILE --intel DIR --store FILE
//!           [--home-net CIDR]... [--control-fd N]
//! ```
//!
//! The policy's `ips.rule_files` are read from the policy file's folder
//! ([`firmware::rules`]), `$HOME_NET` being the `--home-net` networks.
//!
//! Two clocks:
//! - free-running (the default): the wall clock, as a box in an office runs;
//! - lockstep (`--control-fd N`): a test harness owns time. It writes a frame
//!   onto one of the interfaces, then tells the appliance on descriptor N
//!   when that happened; the appliance answers once everything the frame
//!   caused is on the wire. This is how `officetwin` runs a month of office
//!   life through a build in seconds, with the same results as in memory.
//!   The protocol and its codec: [`firmware::control`].

mod packet;

use anyhow::{Context, Result, anyhow, bail};
use appliance::gateway::DeployOutcome;
use appliance::inspect::devices::BlockedDevice;
use appliance::{Actions, Config, FrozenIntel, Gateway, Instant, Port};
use clap::Parser;
use cloud::store::{LogStore, SqliteStore};
use firmware::control::{self, Command, Done, Reply};
use packet::PacketPort;
use std::fs;
use std::io::{BufReader, Write};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "appliance",
    version,
    about = "The officetwin gateway firmware on two network interfaces"
)]
struct Args {
    /// The interface towards the office LAN.
    #[arg(long, value_name = "IF")]
    lan: String,
    /// The interface towards the ISP router.
    #[arg(long, value_name = "IF")]
    wan: String,
    /// The gateway configuration (YAML, the shape of a scenario's `gateway:`).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The intel snapshot: a directory holding `intel.yaml` (the shape of a
    /// scenario's `intel:`).
    #[arg(long, value_name = "DIR")]
    intel: PathBuf,
    /// The SQLite log store (created if missing).
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The office LAN, `$HOME_NET` of the policy's rule files (repeatable)
    /// [default: 192.168.0.0/16, 10.0.0.0/8 and 172.16.0.0/12].
    #[arg(long, value_name = "CIDR")]
    home_net: Vec<appliance::inspect::firewall::Cidr>,
    /// Lockstep mode: take time from a harness on this descriptor.
    #[arg(long, value_name = "N")]
    control_fd: Option<i32>,
}

/// How long a frame announced by the harness may take to show up.
const ANNOUNCED_FRAME_TIMEOUT_MS: i32 = 5_000;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("appliance: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    let mut config: Config = read_yaml(&args.policy)?;
    let policy_dir = args.policy.parent().unwrap_or(Path::new("."));
    firmware::rules::load_rule_files(&mut config, policy_dir, &args.home_net)
        .map_err(|e| anyhow!("{}: {e}", args.policy.display()))?;
    appliance::config::thresholds::check_thresholds(&config)
        .map_err(|e| anyhow!("{}: {e}", args.policy.display()))?;
    let intel: FrozenIntel = read_yaml(&args.intel.join("intel.yaml"))?;
    let mut store = SqliteStore::open(&args.store)
        .with_context(|| format!("opening the log store {}", args.store.display()))?;
    let lan = PacketPort::open(&args.lan).with_context(|| format!("LAN port {}", args.lan))?;
    let wan = PacketPort::open(&args.wan).with_context(|| format!("WAN port {}", args.wan))?;
    let mut box_ = Appliance {
        gateway: Gateway::new(config, intel),
        lan,
        wan,
        actions: Actions::default(),
        buf: vec![0u8; 65536],
    };
    match args.control_fd {
        Some(fd) => box_.lockstep(fd, &mut store),
        None => box_.free_running(&mut store),
    }
}

struct Appliance {
    gateway: Gateway,
    lan: PacketPort,
    wan: PacketPort,
    actions: Actions,
    buf: Vec<u8>,
}

/// What one step hands to the harness (in lockstep) besides frames.
struct Outbound {
    alerts: Vec<appliance::alert::Alert>,
    access: Vec<appliance::AccessRecord>,
}

/// What one step put out.
struct Flushed {
    lan: u64,
    wan: u64,
    events: u64,
}

impl Appliance {
    fn port(&self, port: Port) -> &PacketPort {
        match port {
            Port::Lan => &self.lan,
            Port::Wan => &self.wan,
        }
    }

    /// Frames onto the wire, events and access statistics into the store;
    /// alerts and the requests let through (for the cloud's statistics)
    /// are returned.
    fn flush(&mut self, store: &mut SqliteStore) -> Result<(Flushed, Outbound)> {
        let mut out = Flushed {
            lan: 0,
            wan: 0,
            events: 0,
        };
        for emit in self.actions.frames.drain(..) {
            let port = match emit.port {
                Port::Lan => &self.lan,
                Port::Wan => &self.wan,
            };
            port.send(&emit.frame)
                .with_context(|| format!("sending on {}", port.name))?;
            match emit.port {
                Port::Lan => out.lan += 1,
                Port::Wan => out.wan += 1,
            }
        }
        if !self.actions.events.is_empty() {
            store.record(&self.actions.events)?;
            out.events = self.actions.events.len() as u64;
            self.actions.events.clear();
        }
        if !self.actions.stats.is_empty() {
            store.record_access(&self.actions.stats)?;
        }
        let outbound = Outbound {
            alerts: std::mem::take(&mut self.actions.alerts),
            access: std::mem::take(&mut self.actions.stats),
        };
        Ok((out, outbound))
    }

    fn lockstep(&mut self, fd: i32, store: &mut SqliteStore) -> Result<()> {
        if fd < 3 {
            bail!("--control-fd must be 3 or more, not {fd}");
        }
        // SAFETY: the harness passed us this descriptor to own.
        let control = unsafe { fs::File::from_raw_fd(fd) };
        let mut reply = control
            .try_clone()
            .context("duplicating the control descriptor")?;
        let mut commands = control::Reader::new(BufReader::new(control));
        reply
            .write_all(Reply::Ready.encode()?.as_bytes())
            .context("greeting the harness")?;
        let mut uptime = Uptime::default();
        // The harness closes the control descriptor when the run is over.
        while let Some(command) = commands
            .read_command()
            .context("reading the control descriptor")?
        {
            let mut deployed = None;
            match command {
                Command::Handle { now, port } => {
                    let n = self.wait_frame(port)?;
                    let frame = self.buf[..n].to_vec();
                    self.gateway.handle(now, port, &frame, &mut self.actions);
                }
                Command::Poll { now } => self.gateway.poll(now, &mut self.actions),
                Command::DeployDevices {
                    now: _,
                    version,
                    blocked,
                } => deployed = Some(self.deploy_devices(version, blocked)),
                Command::Clock {
                    from,
                    until,
                    online,
                } => uptime.record(store, from, until, online)?,
            }
            let (out, outbound) = self.flush(store)?;
            let mut text = String::new();
            if let Some(outcome) = deployed {
                Reply::Deployed(outcome).encode_into(&mut text)?;
            }
            for alert in outbound.alerts {
                Reply::Alert(alert).encode_into(&mut text)?;
            }
            for record in outbound.access {
                Reply::Access(record).encode_into(&mut text)?;
            }
            Reply::Done(Done {
                poll_at: self.gateway.poll_at(),
                lan: out.lan,
                wan: out.wan,
                events: out.events,
            })
            .encode_into(&mut text)?;
            reply
                .write_all(text.as_bytes())
                .context("answering the harness")?;
        }
        Ok(())
    }

    /// A new device block list (FAQ Q2, blocked from the console or the
    /// timeline during a run) as policy `version`, the rest of the running
    /// configuration unchanged.
    fn deploy_devices(&mut self, version: u32, blocked: Vec<BlockedDevice>) -> DeployOutcome {
        let mut config = self.gateway.config().clone();
        config.version = version;
        config.devices.blocked = blocked;
        self.gateway.deploy(config)
    }

    /// The frame the harness announced on `port`, into `self.buf`.
    fn wait_frame(&mut self, port: Port) -> Result<usize> {
        let deadline = std::time::Instant::now()
            + std::time::Duration::from_millis(ANNOUNCED_FRAME_TIMEOUT_MS as u64);
        loop {
            let p = match port {
                Port::Lan => &self.lan,
                Port::Wan => &self.wan,
            };
            let fd = p.raw_fd();
            if let Some(n) = p.try_recv(&mut self.buf)? {
                return Ok(n);
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                bail!(
                    "a frame announced on {} never arrived",
                    self.port(port).name
                );
            }
            packet::wait_readable(&[fd], left.as_millis() as i32 + 1)?;
        }
    }

    fn free_running(&mut self, store: &mut SqliteStore) -> Result<()> {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?;
        let origin = Instant::from_micros(since_epoch.as_micros() as i64);
        let started = std::time::Instant::now();
        let clock = || origin + started.elapsed();
        let fds = [self.lan.raw_fd(), self.wan.raw_fd()];
        loop {
            let timeout = match self.gateway.poll_at() {
                Some(at) => at.saturating_since(clock()).as_millis().min(1_000) as i32,
                None => 1_000,
            };
            let ready = packet::wait_readable(&fds, timeout)?;
            for (i, port) in [Port::Lan, Port::Wan].into_iter().enumerate() {
                if !ready.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let p = match port {
                    Port::Lan => &self.lan,
                    Port::Wan => &self.wan,
                };
                while let Some(n) = p.try_recv(&mut self.buf)? {
                    let frame = self.buf[..n].to_vec();
                    self.gateway
                        .handle(clock(), port, &frame, &mut self.actions);
                }
            }
            let now = clock();
            if self.gateway.poll_at().is_some_and(|at| at <= now) {
                self.gateway.poll(now, &mut self.actions);
            }
            let (_, outbound) = self.flush(store)?;
            for alert in outbound.alerts {
                eprintln!("appliance: alert to {}: {}", alert.to, alert.subject);
            }
        }
    }
}

/// The box's uptime as its own store keeps it: the spans the harness's
/// clock (`C` lines) says passed, online or offline towards the cloud, and
/// the store's retention, enforced once per JST day as the cloud does.
#[derive(Default)]
struct Uptime {
    retention_day: Option<i64>,
}

impl Uptime {
    fn record(
        &mut self,
        store: &mut SqliteStore,
        from: Instant,
        until: Instant,
        online: bool,
    ) -> Result<()> {
        if until > from {
            store
                .record_uptime(from, until, online)
                .context("recording the uptime")?;
        }
        let today = cloud::store::stats::day_number(cloud::store::stats::jst_day(until));
        if self.retention_day != Some(today) {
            self.retention_day = Some(today);
            store
                .apply_retention(until)
                .context("enforcing log retention")?;
        }
        Ok(())
    }
}

/// A YAML file into a validated type; errors name `file:line:column`.
fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    appliance::yaml_guard::check(&text, appliance::yaml_guard::YamlLimits::DEFAULT)
        .map_err(|e| anyhow!("{}:{e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| match e.location() {
        Some(at) => anyhow!("{}:{}:{}: {e}", path.display(), at.line(), at.column()),
        None => anyhow!("{}: {e}", path.display()),
    })
}
