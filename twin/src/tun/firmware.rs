//! A gateway build under test, running as its own process in its own network
//! namespace, on two TAP devices (`lan0`, `wan0`) whose other ends the twin
//! holds. It plays the gateway for the world through [`GatewayDriver`].
//!
//! Time is the world's: the firmware runs in lockstep (the `appliance`
//! binary's `--control-fd` protocol, spoken through its codec
//! [`firmware::control`]). For each frame that reaches the gateway
//! the twin writes it onto the TAP, says when it arrived, and waits for the
//! answer: how many frames the firmware put on each port (read back from the
//! TAPs), how many events it logged (read from its own SQLite store), its
//! alerts and its next timer. The frames really cross the kernel (TAP, packet
//! sockets, checksums as on the wire); only the clock is shared, which is
//! what lets a day of office life run through a build in seconds and give the
//! same results as the in-process gateway.
//!
//! A firmware that crashes or stops answering does not hang the run: every
//! wait has a deadline, and the failure (exit status, the tail of its stderr)
//! is kept for the runner to report.

use super::affinity::{self, Pinning};
use super::netns::{self, Netns, TapSpec};
use super::policy::ScenarioSource;
use crate::attach::GatewayDriver;
use crate::model::Scenario;
use appliance::gateway::{DeployOutcome, Emit};
use appliance::{Actions, Instant, Port};
use cloud::store::{EventFilter, LogStore, SqliteStore};
use firmware::control::{self, Reply};
use std::fs;
use std::io::{self, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// Device names inside the firmware's namespace.
pub const LAN_DEVICE: &str = "lan0";
pub const WAN_DEVICE: &str = "wan0";
/// The descriptor number the firmware finds its control socket on.
pub const CONTROL_FD: i32 = 3;
/// How long the firmware may take to answer one step, or to put an
/// announced frame on the wire.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Files of one firmware run.
#[derive(Debug, Clone)]
pub struct FirmwareFiles {
    pub policy: PathBuf,
    pub intel_dir: PathBuf,
    pub store: PathBuf,
    pub stderr: PathBuf,
}

impl FirmwareFiles {
    /// Writes the scenario's policy, intel and rule files where the firmware
    /// reads them ([`super::policy::write`], which proves they give the
    /// scenario's configuration), and clears an old store.
    pub fn prepare(
        scenario: &Scenario,
        source: &ScenarioSource,
        dir: &Path,
    ) -> io::Result<FirmwareFiles> {
        let intel_dir = dir.join("intel");
        fs::create_dir_all(&intel_dir)?;
        let files = FirmwareFiles {
            policy: dir.join("policy.yaml"),
            intel_dir,
            store: dir.join("gateway.sqlite"),
            stderr: dir.join("firmware.stderr"),
        };
        super::policy::write(
            scenario,
            source,
            &files.policy,
            &files.intel_dir.join("intel.yaml"),
        )?;
        for suffix in ["", "-wal", "-shm"] {
            let mut path = files.store.as_os_str().to_owned();
            path.push(suffix);
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(files)
    }
}

/// The firmware process and the twin's ends of its ports.
pub struct Firmware {
    program: PathBuf,
    files: FirmwareFiles,
    _netns: Netns,
    lan: tun_rs::SyncDevice,
    wan: tun_rs::SyncDevice,
    child: Child,
    control: Option<UnixStream>,
    replies: Option<control::Reader<BufReader<UnixStream>>>,
    store: Option<SqliteStore>,
    poll_at: Option<Instant>,
    failure: Option<String>,
    buf: Vec<u8>,
    /// The configuration the firmware runs (the scenario's, then each
    /// device-list deploy's), to tell which deploys the protocol can carry.
    running: appliance::Config,
    /// The world's time at the last step: a deploy happens then.
    last_now: Instant,
    /// What the firmware put out while a deploy was answered, handed to the
    /// world with the next step's output.
    pending: Actions,
    /// The firmware's uptime is recorded up to here (see [`GatewayDriver::clock`]).
    clock_from: Instant,
    /// Whether the box reaches the cloud since `clock_from`.
    cloud_online: bool,
    /// Frames written to the firmware's ports, and read back from them.
    pub frames_in: u64,
    pub frames_out: u64,
    /// The core the firmware and the thread driving it share (`affinity`).
    pinning: Option<Pinning>,
}

impl std::fmt::Debug for Firmware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Firmware")
            .field("program", &self.program)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

impl Firmware {
    /// Builds the firmware's namespace and ports and starts `program` there
    /// with the scenario's policy, intel and rule files (`source`: the
    /// scenario as written), its files in `dir`.
    pub fn start(
        program: &Path,
        scenario: &Scenario,
        source: &ScenarioSource,
        dir: &Path,
    ) -> io::Result<Firmware> {
        let files = FirmwareFiles::prepare(scenario, source, dir)?;
        let tap = |name: &str, last: u8| TapSpec {
            name: name.to_string(),
            // Locally administered: the gateway is a bridge, these MACs only
            // name the kernel's ends of the links.
            mac: [0x02, 0x00, 0x5e, 0x00, 0x53, last],
            ipv4: None,
            gateway: None,
        };
        let (netns, (lan, wan)) = Netns::create(|| {
            let lan = netns::create_tap(&tap(LAN_DEVICE, 1))?;
            let wan = netns::create_tap(&tap(WAN_DEVICE, 2))?;
            Ok((lan, wan))
        })?;
        netns
            .inspect()?
            .check_contained(&[LAN_DEVICE, WAN_DEVICE])?;

        let (ours, theirs) = UnixStream::pair()?;
        ours.set_read_timeout(Some(ANSWER_TIMEOUT))?;
        let stderr = fs::File::create(&files.stderr)?;
        let ns_fd = netns::dup(netns.raw_fd())?;
        let theirs_fd = theirs.as_raw_fd();
        let pinning = Pinning::choose();
        let child_cpus = pinning.as_ref().map(Pinning::child_set);
        let mut cmd = Command::new(program);
        cmd.arg("--lan")
            .arg(LAN_DEVICE)
            .arg("--wan")
            .arg(WAN_DEVICE)
            .arg("--policy")
            .arg(&files.policy)
            .arg("--intel")
            .arg(&files.intel_dir)
            .arg("--store")
            .arg(&files.store)
            .arg("--home-net")
            .arg(super::policy::home_net(scenario).to_string())
            .arg("--control-fd")
            .arg(CONTROL_FD.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        // SAFETY: only async-signal-safe syscalls on descriptors prepared
        // before the fork.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(ns_fd.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The firmware dies with the twin, even if the twin is killed.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // Only a speed-up (`affinity`): unpinned, the pair still runs.
                if let Some(cpus) = &child_cpus {
                    let _ = affinity::pin_self(cpus);
                }
                if theirs_fd == CONTROL_FD {
                    if libc::fcntl(CONTROL_FD, libc::F_SETFD, 0) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                } else if libc::dup2(theirs_fd, CONTROL_FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("starting firmware {}: {e}", program.display()),
            )
        })?;
        drop(theirs);
        let replies = control::Reader::new(BufReader::new(ours.try_clone()?));
        let mut firmware = Firmware {
            program: program.to_path_buf(),
            files,
            _netns: netns,
            lan,
            wan,
            child,
            control: Some(ours),
            replies: Some(replies),
            store: None,
            poll_at: None,
            failure: None,
            buf: vec![0u8; 65536],
            running: scenario.gateway.clone(),
            last_now: scenario.start,
            pending: Actions::default(),
            // The box's life before the scenario is uptime, as the cloud
            // records it in memory (`online_since:`).
            clock_from: scenario.online_since.unwrap_or(scenario.start),
            cloud_online: true,
            frames_in: 0,
            frames_out: 0,
            pinning,
        };
        // Frames written before the firmware has opened its ports would be
        // lost: wait for its greeting.
        let greeted = match firmware.replies.as_mut() {
            Some(r) => r.read_reply(),
            None => Ok(None),
        };
        let why = match greeted {
            Ok(Some(Reply::Ready)) => return Ok(firmware),
            Ok(Some(other)) => format!("did not greet (said {other:?})"),
            Ok(None) => "did not greet (it closed its control socket)".to_string(),
            Err(e) => format!("did not greet: {e}"),
        };
        firmware.fail(&why);
        Err(io::Error::other(
            firmware.failure.take().unwrap_or_default(),
        ))
    }

    pub fn files(&self) -> &FirmwareFiles {
        &self.files
    }

    /// The firmware's network namespace (its inode, as `lsns` shows it).
    pub fn netns_inode(&self) -> io::Result<u64> {
        self._netns.inode()
    }

    /// The firmware's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Ends the run: closes the control socket (the firmware exits), waits
    /// for it briefly, then kills it. Returns its exit status.
    pub fn stop(&mut self) -> io::Result<ExitStatus> {
        self.control = None;
        self.replies = None;
        self.store = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                return self.child.wait();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn step(&mut self, now: Instant, frame: Option<(Port, &[u8])>, out: &mut Actions) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.try_step(now, frame, out) {
            self.fail(&e.to_string());
        }
    }

    fn try_step(
        &mut self,
        now: Instant,
        frame: Option<(Port, &[u8])>,
        out: &mut Actions,
    ) -> io::Result<()> {
        self.last_now = now;
        let pending = std::mem::take(&mut self.pending);
        out.frames.extend(pending.frames);
        out.events.extend(pending.events);
        out.alerts.extend(pending.alerts);
        out.stats.extend(pending.stats);
        let command = match frame {
            Some((port, bytes)) => {
                self.tap(port).send(bytes)?;
                self.frames_in += 1;
                control::Command::Handle { now, port }
            }
            None => control::Command::Poll { now },
        };
        self.send(&command)?;
        self.read_answer(now, out).map(|_| ())
    }

    fn send(&mut self, command: &control::Command) -> io::Result<()> {
        if let Some(pinning) = &mut self.pinning {
            pinning.follow();
        }
        let line = command.encode()?;
        self.control
            .as_mut()
            .ok_or_else(|| io::Error::other("firmware already stopped"))?
            .write_all(line.as_bytes())
    }

    /// Reads one step's answer: alerts, a deploy's outcome (after a `B`
    /// line), then the `D` line whose frames and events it collects.
    fn read_answer(
        &mut self,
        now: Instant,
        out: &mut Actions,
    ) -> io::Result<Option<DeployOutcome>> {
        let mut deployed = None;
        loop {
            let replies = self
                .replies
                .as_mut()
                .ok_or_else(|| io::Error::other("firmware already stopped"))?;
            let done = match replies.read_reply()? {
                None => {
                    return Err(io::Error::other("the firmware closed its control socket"));
                }
                Some(Reply::Alert(alert)) => {
                    out.alerts.push(alert);
                    continue;
                }
                Some(Reply::Access(record)) => {
                    out.stats.push(record);
                    continue;
                }
                Some(Reply::Deployed(outcome)) => {
                    deployed = Some(outcome);
                    continue;
                }
                Some(Reply::Ready) => {
                    return Err(io::Error::other(
                        "unexpected answer from the firmware: a second greeting",
                    ));
                }
                Some(Reply::Done(done)) => done,
            };
            self.poll_at = done.poll_at;
            self.read_frames(Port::Lan, done.lan, out)?;
            self.read_frames(Port::Wan, done.wan, out)?;
            if done.events > 0 {
                self.read_events(now, done.events, out)?;
            }
            return Ok(deployed);
        }
    }

    /// Sends a device-list deploy (`B`) and returns the firmware's outcome.
    fn deploy_devices(&mut self, config: &appliance::Config) -> io::Result<DeployOutcome> {
        let now = self.last_now;
        self.send(&control::Command::DeployDevices {
            now,
            version: config.version,
            blocked: config.devices.blocked.clone(),
        })?;
        let mut out = Actions::default();
        let deployed = self.read_answer(now, &mut out)?;
        let pending = &mut self.pending;
        pending.frames.extend(out.frames);
        pending.events.extend(out.events);
        pending.alerts.extend(out.alerts);
        pending.stats.extend(out.stats);
        deployed.ok_or_else(|| io::Error::other("the firmware did not say how the deploy went"))
    }

    /// Tells the firmware the span `[clock_from, now)` passed (`C`), for
    /// its uptime; what it answers waits for the next step.
    fn send_clock(&mut self, now: Instant) -> io::Result<()> {
        if now <= self.clock_from {
            return Ok(());
        }
        self.send(&control::Command::Clock {
            from: self.clock_from,
            until: now,
            online: self.cloud_online,
        })?;
        self.clock_from = now;
        let mut out = Actions::default();
        self.read_answer(now, &mut out)?;
        let pending = &mut self.pending;
        pending.frames.extend(out.frames);
        pending.events.extend(out.events);
        pending.alerts.extend(out.alerts);
        pending.stats.extend(out.stats);
        Ok(())
    }

    fn tap(&self, port: Port) -> &tun_rs::SyncDevice {
        match port {
            Port::Lan => &self.lan,
            Port::Wan => &self.wan,
        }
    }

    /// `n` frames the firmware said it sent on `port`.
    fn read_frames(&mut self, port: Port, n: u64, out: &mut Actions) -> io::Result<()> {
        let deadline = std::time::Instant::now() + ANSWER_TIMEOUT;
        let mut got = 0;
        while got < n {
            let tap = match port {
                Port::Lan => &self.lan,
                Port::Wan => &self.wan,
            };
            match tap.recv(&mut self.buf) {
                Ok(len) => {
                    let frame = self.buf[..len].to_vec();
                    out.frames.push(Emit { port, frame });
                    got += 1;
                    self.frames_out += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Err(io::Error::other(format!(
                            "the firmware announced {n} frames on {port:?}, {got} arrived"
                        )));
                    }
                    let mut fd = libc::pollfd {
                        fd: tap.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    unsafe { libc::poll(&mut fd, 1, left.as_millis() as libc::c_int + 1) };
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The `n` events the firmware just logged, from its own store: what it
    /// logged is what counts.
    fn read_events(&mut self, now: Instant, n: u64, out: &mut Actions) -> io::Result<()> {
        if self.store.is_none() {
            self.store = Some(SqliteStore::open(&self.files.store).map_err(io::Error::other)?);
        }
        let Some(store) = &self.store else {
            return Ok(());
        };
        let mut events = store
            .events(&EventFilter {
                from: Some(now),
                until: Some(now + Duration::from_micros(1)),
                ..EventFilter::default()
            })
            .map_err(io::Error::other)?;
        let n = n as usize;
        if events.len() < n {
            return Err(io::Error::other(format!(
                "the firmware said it logged {n} events at {}, its store holds {}",
                now.jst_string(),
                events.len()
            )));
        }
        out.events.extend(events.drain(events.len() - n..));
        Ok(())
    }

    fn fail(&mut self, why: &str) {
        // Give a crashing process time to be reaped, so its status shows: its
        // socket is closed, so it is exiting, but a loaded CI machine may take
        // a while to schedule it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => break None,
            }
        };
        let status = match status {
            Some(s) => s.to_string(),
            None => {
                let _ = self.child.kill();
                match self.child.wait() {
                    Ok(s) => format!("still running, killed ({s})"),
                    Err(_) => "unknown".to_string(),
                }
            }
        };
        let stderr = fs::read_to_string(&self.files.stderr).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        self.failure = Some(format!(
            "firmware {}: {why}; exit status: {status}; stderr: {}",
            self.program.display(),
            if tail.is_empty() {
                "(empty)".to_string()
            } else {
                tail.join(" | ")
            }
        ));
        self.control = None;
        self.replies = None;
    }
}

impl Drop for Firmware {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl GatewayDriver for Firmware {
    fn is_external(&self) -> bool {
        true
    }

    fn handle(&mut self, now: Instant, port: Port, frame: &[u8], out: &mut Actions) {
        self.step(now, Some((port, frame)), out);
    }

    fn poll(&mut self, now: Instant, out: &mut Actions) {
        self.step(now, None, out);
    }

    fn poll_at(&self) -> Option<Instant> {
        if self.failure.is_some() {
            None
        } else {
            self.poll_at
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure.clone()
    }

    /// The firmware keeps its own uptime (its store's `uptime` table, as
    /// the cloud's store has it in memory) from the spans the world says
    /// passed.
    fn clock(&mut self, now: Instant, cloud_online: bool) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.send_clock(now) {
            self.fail(&e.to_string());
        }
        self.cloud_online = cloud_online;
    }

    /// The lockstep protocol carries device-list deploys (FAQ Q2: a device
    /// blocked from the console or the timeline during a run); any other
    /// change during a run fails the run plainly rather than letting the
    /// firmware run on the old policy.
    fn deploy(&mut self, config: appliance::Config) -> DeployOutcome {
        let kept_version = self.running.version;
        if let Some(failure) = &self.failure {
            return DeployOutcome::Failed {
                kept_version,
                reason: failure.clone(),
            };
        }
        let mut devices_only = self.running.clone();
        devices_only.version = config.version;
        devices_only.devices.blocked = config.devices.blocked.clone();
        if devices_only != config {
            let reason = "only device-list changes can be deployed to a firmware during a run";
            self.failure = Some(format!(
                "firmware {}: {reason} (deploy of policy version {})",
                self.program.display(),
                config.version
            ));
            return DeployOutcome::Failed {
                kept_version,
                reason: reason.to_string(),
            };
        }
        match self.deploy_devices(&config) {
            Ok(outcome) => {
                if matches!(outcome, DeployOutcome::Success { .. }) {
                    self.running = config;
                }
                outcome
            }
            Err(e) => {
                self.fail(&e.to_string());
                DeployOutcome::Failed {
                    kept_version,
                    reason: self.failure.clone().unwrap_or_default(),
                }
            }
        }
    }
}

/// Where the `appliance` binary built with this one is: `OFFICETWIN_FIRMWARE`,
/// or beside the running executable (or its parent, for test binaries in
/// `target/*/deps`).
pub fn default_firmware() -> io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("OFFICETWIN_FIRMWARE") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let mut dirs = Vec::new();
    if let Some(dir) = exe.parent() {
        dirs.push(dir);
        if dir.file_name().is_some_and(|n| n == "deps")
            && let Some(up) = dir.parent()
        {
            dirs.push(up);
        }
    }
    for dir in dirs {
        let candidate = dir.join("appliance");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(io::Error::other(
        "no `appliance` binary beside this program: build it (`cargo build -p firmware`) or pass --firmware PATH",
    ))
}
