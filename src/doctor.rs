//! `officetwin doctor`: which optional capabilities this machine has (TUN
//! mode, real programs as office hosts, the headless browser, the Suricata
//! comparison), and the one Debian command that installs what is missing.
//!
//! The checks are pure functions of a [`Probe`] (which programs and files
//! exist, whether we are root, what a program says to `--version`), so the
//! tests describe any machine (one without Chromium, one without root)
//! without touching this one. [`SystemProbe`] asks the real machine.

use std::path::{Path, PathBuf};

/// What the checks may ask of a machine.
pub trait Probe {
    /// Where the program is: `name` on `PATH` (and in the `sbin` folders,
    /// where Debian keeps `ip`), or `name` itself when it is a path.
    fn program(&self, name: &str) -> Option<PathBuf>;
    /// Whether a file (or device) exists at `path`.
    fn exists(&self, path: &Path) -> bool;
    /// Whether this process runs as root (effective uid 0).
    fn is_root(&self) -> bool;
    /// What `program args` prints (stdout, else stderr) when it exits 0.
    fn output(&self, program: &Path, args: &[&str]) -> Option<String>;
    /// An environment variable.
    fn env(&self, name: &str) -> Option<String>;
    /// Whether TUN mode can start (capabilities, opening `/dev/net/tun`), or why not.
    fn tun(&self) -> Result<(), String>;
    /// The firmware build `--net tun` and `conformance` use by default, or why there is none.
    fn firmware(&self) -> Result<PathBuf, String>;
}

/// How to get what a check found missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Debian packages: `apt-get install -y PACKAGES`.
    Apt(&'static str),
    /// Anything else, said as a command or an instruction.
    Do(String),
}

/// How Suricata 7 is installed on Debian 12.
const SURICATA_FROM_BACKPORTS: &str = "echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list && apt-get update && apt-get install -y -t bookworm-backports suricata";

impl Fix {
    fn command(&self) -> String {
        match self {
            Fix::Apt(packages) => format!("apt-get install -y {packages}"),
            Fix::Do(text) => text.clone(),
        }
    }
}

/// One check: what it looked for, and what it found or how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Result<String, (String, Fix)>,
}

impl Check {
    fn ok(name: &'static str, found: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Ok(found.into()),
        }
    }

    fn missing(name: &'static str, why: impl Into<String>, fix: Fix) -> Check {
        Check {
            name,
            outcome: Err((why.into(), fix)),
        }
    }

    pub fn passed(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// A capability and the checks it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub title: &'static str,
    /// The commands and tests that need it.
    pub used_by: &'static str,
    pub checks: Vec<Check>,
}

impl Group {
    pub fn works(&self) -> bool {
        self.checks.iter().all(Check::passed)
    }
}

/// The four capabilities, each with its checks.
pub fn diagnose(probe: &dyn Probe) -> Vec<Group> {
    vec![
        Group {
            title: "TUN mode",
            used_by: "run --net tun, exec, conformance; the @tun features",
            checks: tun_checks(probe),
        },
        Group {
            title: "Real programs as office hosts",
            used_by: "exec; the @needs(...) features",
            checks: vec![
                program(probe, "curl", &["--version"], Fix::Apt("curl")),
                program(probe, "nmap", &["--version"], Fix::Apt("nmap")),
                program(probe, "swaks", &["--version"], Fix::Apt("swaks")),
            ],
        },
        Group {
            title: "Headless browser",
            used_by: "console --screenshot, demo --screenshot; the @browser features",
            checks: browser_checks(probe),
        },
        Group {
            title: "Comparison with Suricata",
            used_by: "benches/suricata-compare.sh",
            checks: vec![
                // Debian 12 has Suricata 7 only in backports (checked on
                // this project's machines: `apt-get install suricata`
                // finds no candidate).
                program(
                    probe,
                    "suricata",
                    &["-V"],
                    Fix::Do(SURICATA_FROM_BACKPORTS.to_string()),
                ),
                program(probe, "jq", &["--version"], Fix::Apt("jq")),
                program(probe, "taskset", &["--version"], Fix::Apt("util-linux")),
                program(probe, "/usr/bin/time", &["--version"], Fix::Apt("time")),
            ],
        },
    ]
}

fn tun_checks(probe: &dyn Probe) -> Vec<Check> {
    let tun = Path::new("/dev/net/tun");
    let mut checks = vec![
        if probe.is_root() {
            Check::ok("root", "effective uid 0")
        } else {
            Check::missing(
                "root",
                "not running as root (TUN mode needs CAP_NET_ADMIN and CAP_SYS_ADMIN)",
                Fix::Do("run it as root: sudo officetwin ...".into()),
            )
        },
        if probe.exists(tun) {
            Check::ok("/dev/net/tun", "present")
        } else {
            Check::missing(
                "/dev/net/tun",
                "no such device",
                Fix::Do(
                    "modprobe tun (in a container: start it with --device /dev/net/tun)".into(),
                ),
            )
        },
        program(probe, "ip", &["-V"], Fix::Apt("iproute2")),
    ];
    checks.push(if probe.exists(Path::new("/proc/self/ns/net")) {
        Check::ok("network namespaces", "/proc/self/ns/net")
    } else {
        Check::missing(
            "network namespaces",
            "no /proc/self/ns/net: the kernel lacks network namespaces",
            Fix::Do("a Linux kernel with CONFIG_NET_NS (any Debian kernel has it)".into()),
        )
    });
    checks.push(program(
        probe,
        "unshare",
        &["--version"],
        Fix::Apt("util-linux"),
    ));
    // The kernel's own word (capabilities, opening the device) only says
    // something new once the basics are there.
    if checks.iter().all(Check::passed) {
        checks.push(match probe.tun() {
            Ok(()) => Check::ok("TUN start-up", "capabilities held, /dev/net/tun opens"),
            Err(why) => Check::missing(
                "TUN start-up",
                why,
                Fix::Do(
                    "run it as root on a machine (or privileged container) with /dev/net/tun"
                        .into(),
                ),
            ),
        });
    }
    checks.push(match probe.firmware() {
        Ok(path) => Check::ok("firmware build", firmware_found(probe, &path)),
        Err(why) => Check::missing("firmware build", why, Fix::Do(INSTALL_FIRMWARE.into())),
    });
    checks
}

/// How the README's set-up installs the firmware build beside `officetwin`.
pub const INSTALL_FIRMWARE: &str =
    "cargo install --locked --path firmware (in the project's folder), or pass --firmware PATH";

fn firmware_found(probe: &dyn Probe, path: &Path) -> String {
    match probe
        .output(path, &["--version"])
        .as_deref()
        .map(first_line)
    {
        Some(version) if !version.is_empty() => format!("{} ({version})", path.display()),
        _ => format!("{} (does not answer --version)", path.display()),
    }
}

fn browser_checks(probe: &dyn Probe) -> Vec<Check> {
    let chromium = probe
        .env("OFFICETWIN_CHROMIUM")
        .unwrap_or_else(|| crate::console::browser::CHROMIUM.into());
    let driver = probe
        .env("OFFICETWIN_CHROMEDRIVER")
        .unwrap_or_else(|| crate::console::browser::CHROMEDRIVER.into());
    let fonts = match probe.program("fc-list") {
        None => Check::missing(
            "CJK fonts",
            "fc-list is missing, so are the fonts it lists",
            Fix::Apt("fontconfig fonts-noto-cjk"),
        ),
        Some(fc_list) => match probe.output(&fc_list, &[":lang=ja", "family"]) {
            Some(list) if list.contains("Noto Sans CJK") => {
                Check::ok("CJK fonts", "Noto Sans CJK (Japanese pages render)")
            }
            _ => Check::missing(
                "CJK fonts",
                "no Noto Sans CJK: the Japanese pages render as boxes",
                Fix::Apt("fonts-noto-cjk"),
            ),
        },
    };
    vec![
        file_program(probe, "chromium", &chromium, Fix::Apt("chromium")),
        file_program(probe, "chromedriver", &driver, Fix::Apt("chromium-driver")),
        fonts,
    ]
}

/// A program at a fixed path (the browser's, as the console starts it).
fn file_program(probe: &dyn Probe, name: &'static str, path: &str, fix: Fix) -> Check {
    let path = Path::new(path);
    if !probe.exists(path) {
        return Check::missing(name, format!("{} is missing", path.display()), fix);
    }
    Check::ok(name, found(probe, path, &["--version"]))
}

/// A program looked for on `PATH`.
fn program(probe: &dyn Probe, name: &'static str, args: &[&str], fix: Fix) -> Check {
    match probe.program(name) {
        Some(path) => Check::ok(name, found(probe, &path, args)),
        None => Check::missing(name, "not found on PATH", fix),
    }
}

fn found(probe: &dyn Probe, path: &Path, args: &[&str]) -> String {
    match probe.output(path, args).as_deref().map(first_line) {
        Some(version) if !version.is_empty() => format!("{} ({version})", path.display()),
        _ => path.display().to_string(),
    }
}

/// The version line, cut at 60 characters (curl's names every library it has).
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_string(),
    }
}

/// The report: each capability, each check, and one command that installs
/// every missing Debian package.
pub fn render(groups: &[Group]) -> String {
    let mut out = String::new();
    let mut packages: Vec<&str> = Vec::new();
    for group in groups {
        let state = if group.works() {
            "works".to_string()
        } else {
            let missing: Vec<&str> = group
                .checks
                .iter()
                .filter(|c| !c.passed())
                .map(|c| c.name)
                .collect();
            format!("missing {}", missing.join(", "))
        };
        out.push_str(&format!(
            "{}: {state}\n  (used by {})\n",
            group.title, group.used_by
        ));
        for check in &group.checks {
            match &check.outcome {
                Ok(found) => out.push_str(&format!("  ok       {:<20} {found}\n", check.name)),
                Err((why, fix)) => {
                    out.push_str(&format!("  MISSING  {:<20} {why}\n", check.name));
                    out.push_str(&format!("           {:<20} fix: {}\n", "", fix.command()));
                    if let Fix::Apt(names) = fix {
                        for name in names.split_whitespace() {
                            if !packages.contains(&name) {
                                packages.push(name);
                            }
                        }
                    }
                }
            }
        }
    }
    let missing = groups
        .iter()
        .flat_map(|g| &g.checks)
        .filter(|c| !c.passed())
        .count();
    if missing == 0 {
        out.push_str("\nEverything the README uses is here.\n");
    } else {
        out.push_str(&format!("\n{missing} missing."));
        if packages.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!(
                " The Debian packages, in one command (as root):\n  apt-get install -y {}\n",
                packages.join(" ")
            ));
        }
    }
    out
}

/// `officetwin --version`: this program's version and the firmware build
/// it tests by default (or how to install one).
pub fn version_text(probe: &dyn Probe) -> String {
    let firmware = match probe.firmware() {
        Ok(path) => firmware_found(probe, &path),
        Err(_) => format!("not found ({INSTALL_FIRMWARE})"),
    };
    format!("{}\nfirmware: {firmware}", env!("CARGO_PKG_VERSION"))
}

/// The machine this program runs on.
pub struct SystemProbe;

impl Probe for SystemProbe {
    fn program(&self, name: &str) -> Option<PathBuf> {
        if name.contains('/') {
            let path = PathBuf::from(name);
            return path.is_file().then_some(path);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn is_root(&self) -> bool {
        // The effective uid is the second number of /proc/self/status's Uid line.
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
            })
            .unwrap_or(false)
    }

    fn output(&self, program: &Path, args: &[&str]) -> Option<String> {
        let out = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = if out.stdout.is_empty() {
            out.stderr
        } else {
            out.stdout
        };
        Some(String::from_utf8_lossy(&text).into_owned())
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn tun(&self) -> Result<(), String> {
        match crate::tun_cmd::tun_unavailable() {
            None => Ok(()),
            Some(why) => Err(why),
        }
    }

    fn firmware(&self) -> Result<PathBuf, String> {
        twin::tun::firmware::default_firmware().map_err(|e| e.to_string())
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests;
