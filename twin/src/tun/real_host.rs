//! Office hosts played by real programs: each gets its own network namespace
//! with a TAP device `eth0` (the host's MAC, IP and default route), whose
//! other end is the twin, plugged into the simulated LAN switch in place of
//! the host's simulated stack. Real `curl`, `dig` or `nmap` started there
//! talk through the twin's gateway to the twin's internet.

use super::netns::{self, Netns, TapSpec};
use crate::model::Scenario;
use crate::world::World;
use appliance::Instant;
use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The device name inside a host's namespace.
pub const HOST_DEVICE: &str = "eth0";

/// One office host whose traffic is carried by a real namespace.
pub struct RealHost {
    pub name: String,
    /// The host's index in the world.
    pub index: usize,
    pub netns: Netns,
    pub tap: tun_rs::SyncDevice,
}

impl std::fmt::Debug for RealHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealHost")
            .field("name", &self.name)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl RealHost {
    /// Builds the namespace and TAP of office host `name` and attaches it to
    /// `world` (the host's simulated stack goes quiet). Refuses a namespace
    /// with any route that does not go through the TAP.
    pub fn attach(world: &mut World, scenario: &Scenario, name: &str) -> io::Result<RealHost> {
        let office = &scenario.office;
        let spec = office
            .host(name)
            .ok_or_else(|| io::Error::other(format!("no host named {name:?} in the office")))?;
        let tap_spec = TapSpec {
            name: HOST_DEVICE.to_string(),
            mac: spec.mac.0,
            ipv4: Some((spec.ip, office.lan_prefix)),
            gateway: Some(office.router_ip),
        };
        let (ns, tap) = Netns::create(|| netns::create_tap(&tap_spec))?;
        ns.inspect()?.check_contained(&[HOST_DEVICE])?;
        let index = world.attach_host(name).map_err(io::Error::other)?;
        Ok(RealHost {
            name: name.to_string(),
            index,
            netns: ns,
            tap,
        })
    }

    /// A command that will run inside this host's namespace. It dies with
    /// the twin (parent-death signal), and sees `resolv_conf` (the office's
    /// DNS server) as `/etc/resolv.conf` through a private mount namespace
    /// that vanishes with it; nothing is mounted outside it.
    pub fn command(&self, program: &str, resolv_conf: &Path) -> io::Result<Command> {
        let ns = netns::dup(self.netns.raw_fd())?;
        let source = CString::new(resolv_conf.as_os_str().as_encoded_bytes())
            .map_err(|_| io::Error::other("resolv.conf path holds a NUL byte"))?;
        let target = c"/etc/resolv.conf";
        let root = c"/";
        let mut cmd = Command::new(program);
        // SAFETY: the closure only makes async-signal-safe syscalls on data
        // prepared before the fork.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::unshare(libc::CLONE_NEWNS) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::mount(
                    std::ptr::null(),
                    root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                {
                    return Err(io::Error::last_os_error());
                }
                if libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                ) != 0
                {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Ok(cmd)
    }
}

/// The `resolv.conf` an office host sees: the office's DNS server only.
pub fn resolv_conf(scenario: &Scenario) -> String {
    format!(
        "# written by officetwin for a twin office host\nnameserver {}\noptions timeout:2 attempts:2\n",
        scenario.office.dns_server
    )
}

/// Maps the wall clock onto the world's clock: the world's `origin` is now,
/// and it moves at the wall clock's pace.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    origin: Instant,
    wall: std::time::Instant,
}

impl WallClock {
    pub fn starting_at(origin: Instant) -> WallClock {
        WallClock {
            origin,
            wall: std::time::Instant::now(),
        }
    }

    pub fn now(&self) -> Instant {
        self.origin + self.wall.elapsed()
    }

    /// Wall time until the world's instant `at` (zero if it has passed).
    pub fn until(&self, at: Instant) -> Duration {
        at.saturating_since(self.now())
    }
}

/// The longest the loop sleeps without looking at its stop condition.
const MAX_SLEEP: Duration = Duration::from_millis(10);

/// Runs `world` on the wall clock, moving frames between it and the real
/// hosts, until `stop` says so (checked at least every 10 ms).
pub fn run_wall(
    world: &mut World,
    clock: &WallClock,
    hosts: &[RealHost],
    mut stop: impl FnMut(&mut World) -> bool,
) -> io::Result<WallStats> {
    let mut stats = WallStats::default();
    let mut buf = vec![0u8; 65536];
    let mut fds: Vec<libc::pollfd> = hosts
        .iter()
        .map(|h| libc::pollfd {
            fd: h.tap.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        world.run_until(clock.now());
        for (i, frame) in world.take_outbound() {
            if let Some(h) = hosts.iter().find(|h| h.index == i) {
                match h.tap.send(&frame) {
                    Ok(_) => stats.to_real += 1,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => stats.dropped += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        if stop(world) {
            return Ok(stats);
        }
        let sleep = world
            .next_due()
            .map_or(MAX_SLEEP, |at| clock.until(at))
            .min(MAX_SLEEP);
        for fd in &mut fds {
            fd.revents = 0;
        }
        // SAFETY: `fds` is a valid array of pollfd for its length.
        let rc = unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                sleep.as_millis() as libc::c_int,
            )
        };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if rc == 0 {
            continue;
        }
        world.run_until(clock.now());
        for (h, fd) in hosts.iter().zip(&fds) {
            if fd.revents & libc::POLLIN == 0 {
                continue;
            }
            loop {
                match h.tap.recv(&mut buf) {
                    Ok(n) => {
                        stats.from_real += 1;
                        world.from_attached_host(h.index, buf[..n].to_vec());
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

/// Frames moved by [`run_wall`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WallStats {
    pub from_real: u64,
    pub to_real: u64,
    /// Frames for a real host dropped because its TAP queue was full.
    pub dropped: u64,
}
