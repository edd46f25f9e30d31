//! Network namespaces that die with the process, and TAP devices inside them.
//!
//! A namespace made with `unshare(CLONE_NEWNET)` on a thread lives exactly as
//! long as something refers to it: a thread or process inside, or an open
//! file descriptor. We keep only descriptors (never a bind mount, which is
//! what `ip netns add` does and what outlives a crash), so when the twin
//! dies, even by SIGKILL, the kernel closes them and every namespace and
//! every device in it goes away.
//!
//! Nothing here touches the namespace the process started in: the twin first
//! moves itself into a fresh, empty one ([`isolate_current_thread`]), and
//! every namespace it builds is created from there.

use std::fs;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::process::Command;

/// Why TUN mode cannot run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TUN mode is unavailable: {0}")]
pub struct Unavailable(pub String);

/// Capability bits of `/proc/self/status` `CapEff`.
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;

/// Checks what TUN mode needs: `/dev/net/tun` that can be opened, and the
/// CAP_NET_ADMIN and CAP_SYS_ADMIN capabilities (namespaces, `setns`).
pub fn preflight() -> Result<(), Unavailable> {
    let tun = Path::new("/dev/net/tun");
    if !tun.exists() {
        return Err(Unavailable(
            "/dev/net/tun does not exist (no tun module, or the device is not passed to this container)".into(),
        ));
    }
    let status = fs::read_to_string("/proc/self/status")
        .map_err(|e| Unavailable(format!("cannot read /proc/self/status: {e}")))?;
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .ok_or_else(|| Unavailable("no CapEff line in /proc/self/status".into()))?;
    for (bit, name) in [
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
        (CAP_SYS_ADMIN, "CAP_SYS_ADMIN"),
    ] {
        if caps & (1 << bit) == 0 {
            return Err(Unavailable(format!(
                "the process lacks {name} (run as root, or grant it)"
            )));
        }
    }
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(tun)
        .map_err(|e| Unavailable(format!("cannot open /dev/net/tun: {e}")))?;
    Ok(())
}

/// A network namespace held by a file descriptor only.
#[derive(Debug)]
pub struct Netns {
    fd: OwnedFd,
}

impl Netns {
    /// The namespace the calling thread is in.
    pub fn of_current_thread() -> io::Result<Netns> {
        let file = fs::File::open("/proc/thread-self/ns/net")?;
        Ok(Netns { fd: file.into() })
    }

    /// The namespace's inode number (its identity, as `lsns` shows it).
    pub fn inode(&self) -> io::Result<u64> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: fstat writes a `stat` into the buffer on success.
        let rc = unsafe { libc::fstat(self.fd.as_raw_fd(), st.as_mut_ptr()) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fstat succeeded, so the struct is initialised.
        Ok(unsafe { st.assume_init() }.st_ino)
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Moves the calling thread into this namespace.
    pub fn enter(&self) -> io::Result<()> {
        setns(self.fd.as_raw_fd())
    }

    /// A fresh namespace, with IPv6 off and the loopback up; `setup` runs
    /// inside it on a short-lived thread (create devices there: a device
    /// belongs to the namespace of the thread that creates it).
    pub fn create<T: Send>(setup: impl FnOnce() -> io::Result<T> + Send) -> io::Result<(Netns, T)> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    unshare_net()?;
                    let ns = Netns::of_current_thread()?;
                    disable_ipv6()?;
                    let value = setup()?;
                    Ok((ns, value))
                })
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("namespace setup thread panicked")))
        })
    }

    /// Runs `f` on a scratch thread inside this namespace.
    pub fn run_inside<T: Send>(&self, f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    self.enter()?;
                    f()
                })
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })
    }

    /// The interfaces and IPv4 routes of this namespace.
    pub fn inspect(&self) -> io::Result<NetView> {
        self.run_inside(NetView::of_current_thread)
    }
}

fn unshare_net() -> io::Result<()> {
    // SAFETY: plain syscall; affects only the calling thread.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn setns(fd: RawFd) -> io::Result<()> {
    // SAFETY: plain syscall on a descriptor we own.
    if unsafe { libc::setns(fd, libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Turns IPv6 off in the calling thread's namespace: a fresh namespace
/// would otherwise send router solicitations and MLD reports onto every
/// device, noise in captures and in the gateway's logs.
fn disable_ipv6() -> io::Result<()> {
    for which in ["all", "default"] {
        let path = format!("/proc/sys/net/ipv6/conf/{which}/disable_ipv6");
        match fs::write(&path, "1") {
            Ok(()) => {}
            // No IPv6 in this kernel at all: nothing to silence.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{path}: {e}"))),
        }
    }
    Ok(())
}

/// The process's namespace at start-up, and the fresh one it now lives in.
#[derive(Debug)]
pub struct Isolation {
    pub original_inode: u64,
    pub private: Netns,
}

/// Moves the calling thread (and every thread or process it starts later)
/// into a fresh, empty network namespace, and proves it: a different
/// namespace than before, only the loopback device, no route at all. Call
/// it first, before any other thread exists, so that nothing the twin does
/// can reach the machine's own network.
pub fn isolate_current_thread() -> io::Result<Isolation> {
    let original_inode = Netns::of_current_thread()?.inode()?;
    unshare_net()?;
    let private = Netns::of_current_thread()?;
    if private.inode()? == original_inode {
        return Err(io::Error::other(
            "unshare(CLONE_NEWNET) left the thread in its old namespace",
        ));
    }
    disable_ipv6()?;
    let view = NetView::of_current_thread()?;
    view.check_contained(&[])?;
    Ok(Isolation {
        original_inode,
        private,
    })
}

/// What a namespace has: its interfaces and IPv4 routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetView {
    pub links: Vec<String>,
    /// (interface, destination, gateway) of each route.
    pub routes: Vec<(String, Ipv4Addr, Ipv4Addr)>,
}

impl NetView {
    fn of_current_thread() -> io::Result<NetView> {
        let dev = fs::read_to_string("/proc/thread-self/net/dev")?;
        let links = dev
            .lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .collect();
        let route = fs::read_to_string("/proc/thread-self/net/route")?;
        let mut routes = Vec::new();
        for line in route.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if let [iface, dest, gw, ..] = cols.as_slice() {
                routes.push((iface.to_string(), proc_ip(dest), proc_ip(gw)));
            }
        }
        Ok(NetView { links, routes })
    }

    /// Refuses a namespace with any interface other than the loopback and
    /// `ours`, or with a route through anything but `ours`: such a route
    /// could lead out of the twin's namespaces.
    pub fn check_contained(&self, ours: &[&str]) -> io::Result<()> {
        for link in &self.links {
            if link != "lo" && !ours.contains(&link.as_str()) {
                return Err(io::Error::other(format!(
                    "refusing to start: interface {link:?} in a twin namespace is not the twin's own"
                )));
            }
        }
        for (iface, dest, gw) in &self.routes {
            if !ours.contains(&iface.as_str()) {
                return Err(io::Error::other(format!(
                    "refusing to start: route to {dest} via {gw} dev {iface} leads out of the twin's namespaces"
                )));
            }
        }
        Ok(())
    }
}

/// `/proc/net/route` writes addresses as host-order hex of the raw bytes.
fn proc_ip(hex: &str) -> Ipv4Addr {
    let v = u32::from_str_radix(hex, 16).unwrap_or(0);
    Ipv4Addr::from(v.to_le_bytes())
}

/// A TAP device to create inside a namespace.
#[derive(Debug, Clone)]
pub struct TapSpec {
    pub name: String,
    pub mac: [u8; 6],
    /// Address and prefix length, for a host; none for the gateway's ports,
    /// which only carry frames.
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// Default route via this address, for a host.
    pub gateway: Option<Ipv4Addr>,
}

/// Frames are at most this long on our links (Ethernet MTU 1500).
pub const FRAME_MAX: usize = 1514;

/// Creates the TAP device in the calling thread's namespace (call it
/// from [`Netns::create`]), up, without offloads (the gateway verifies
/// checksums), in non-blocking mode.
pub fn create_tap(spec: &TapSpec) -> io::Result<tun_rs::SyncDevice> {
    let mut builder = tun_rs::DeviceBuilder::new()
        .name(spec.name.clone())
        .layer(tun_rs::Layer::L2)
        .mac_addr(spec.mac)
        .mtu(1500)
        .offload(false)
        .enable(true);
    if let Some((ip, prefix)) = spec.ipv4 {
        builder = builder.ipv4(ip, prefix, None);
    }
    let device = builder.build_sync()?;
    if let Some(gw) = spec.gateway {
        ip(&[
            "route",
            "add",
            "default",
            "via",
            &gw.to_string(),
            "dev",
            &spec.name,
        ])?;
    }
    device.set_nonblocking(true)?;
    Ok(device)
}

/// Runs iproute2's `ip` in the calling thread's namespace (a child inherits
/// the namespace of the thread that spawns it).
fn ip(args: &[&str]) -> io::Result<()> {
    let out = Command::new("ip").args(args).output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "running `ip {}` (is iproute2 installed?): {e}",
                args.join(" ")
            ),
        )
    })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Duplicates `fd` as an owned descriptor (to hand a namespace to a child).
pub fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we then own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}
