//! The doctor's checks on machines the tests describe: everything there,
//! Chromium missing, no root, any set of programs missing.

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Every program the doctor looks for, with the Debian package that brings it
/// (Debian's names, written here from the package lists, not from the doctor).
const PROGRAMS: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("unshare", "util-linux"),
    ("curl", "curl"),
    ("nmap", "nmap"),
    ("swaks", "swaks"),
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
    ("fc-list", "fontconfig"),
    ("suricata", "suricata"),
    ("jq", "jq"),
    ("taskset", "util-linux"),
    ("/usr/bin/time", "time"),
];

/// A described machine: what is installed, who we are.
#[derive(Clone)]
struct Machine {
    programs: BTreeSet<String>,
    files: BTreeSet<String>,
    root: bool,
    cjk_fonts: bool,
    tun: Result<(), String>,
    firmware: Option<PathBuf>,
    env: BTreeMap<String, String>,
}

impl Machine {
    /// A machine with everything the README uses.
    fn complete() -> Machine {
        Machine {
            programs: PROGRAMS.iter().map(|(p, _)| p.to_string()).collect(),
            files: ["/dev/net/tun", "/proc/self/ns/net"]
                .map(String::from)
                .into(),
            root: true,
            cjk_fonts: true,
            tun: Ok(()),
            firmware: Some(PathBuf::from("/opt/bin/appliance")),
            env: BTreeMap::new(),
        }
    }

    fn without(mut self, program: &str) -> Machine {
        self.programs.remove(program);
        self
    }
}

impl Probe for Machine {
    fn program(&self, name: &str) -> Option<PathBuf> {
        self.programs.contains(name).then(|| {
            if name.starts_with('/') {
                PathBuf::from(name)
            } else {
                Path::new("/usr/bin").join(name)
            }
        })
    }

    fn exists(&self, path: &Path) -> bool {
        let path = path.to_string_lossy();
        self.files.contains(path.as_ref()) || self.programs.contains(path.as_ref())
    }

    fn is_root(&self) -> bool {
        self.root
    }

    fn output(&self, program: &Path, args: &[&str]) -> Option<String> {
        let name = program.file_name()?.to_string_lossy().into_owned();
        if name == "fc-list" {
            return Some(if self.cjk_fonts {
                "Noto Sans CJK JP,Noto Sans CJK JP Regular\n".into()
            } else {
                "DejaVu Sans\n".into()
            });
        }
        Some(format!("{name} 1.0 ({})\nmore lines\n", args.join(" ")))
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    fn tun(&self) -> Result<(), String> {
        self.tun.clone()
    }

    fn firmware(&self) -> Result<PathBuf, String> {
        self.firmware
            .clone()
            .ok_or_else(|| "no `appliance` binary beside this program".to_string())
    }
}

fn missing_names(groups: &[Group]) -> Vec<&'static str> {
    groups
        .iter()
        .flat_map(|g| &g.checks)
        .filter(|c| !c.passed())
        .map(|c| c.name)
        .collect()
}

/// The packages of the report's last line, the one command for all.
fn install_line(report: &str) -> BTreeSet<String> {
    report
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("apt-get install -y "))
        .map(|p| p.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

#[test]
fn a_complete_machine_has_everything() {
    let groups = diagnose(&Machine::complete());
    assert_eq!(missing_names(&groups), Vec::<&str>::new());
    assert!(groups.iter().all(Group::works));
    let report = render(&groups);
    assert!(
        report.ends_with("Everything the README uses is here.\n"),
        "{report}"
    );
    assert!(!report.contains("MISSING"), "{report}");
    // Found programs are named with where they are and their version line.
    assert!(
        report.contains("/usr/bin/curl (curl 1.0 (--version))"),
        "{report}"
    );
    assert!(
        report.contains("/opt/bin/appliance (appliance 1.0 (--version))"),
        "{report}"
    );
}

#[test]
fn chromium_missing_is_named_with_its_package() {
    let machine = Machine::complete().without("/usr/bin/chromium");
    let groups = diagnose(&machine);
    assert_eq!(missing_names(&groups), vec!["chromium"]);
    let browser = groups.iter().find(|g| g.title == "Headless browser");
    assert!(browser.is_some_and(|g| !g.works()));
    assert_eq!(groups.iter().filter(|g| !g.works()).count(), 1);
    let report = render(&groups);
    assert!(
        report.contains("Headless browser: missing chromium\n"),
        "{report}"
    );
    assert!(
        report.contains("fix: apt-get install -y chromium\n"),
        "{report}"
    );
    assert_eq!(
        install_line(&report),
        BTreeSet::from(["chromium".to_string()])
    );
}

#[test]
fn the_browser_is_looked_for_where_the_environment_says() {
    let mut machine = Machine::complete().without("/usr/bin/chromium");
    machine.programs.insert("/opt/chrome/chromium".into());
    machine
        .env
        .insert("OFFICETWIN_CHROMIUM".into(), "/opt/chrome/chromium".into());
    assert_eq!(missing_names(&diagnose(&machine)), Vec::<&str>::new());
}

#[test]
fn missing_fonts_are_told_apart_from_a_missing_fc_list() {
    let mut machine = Machine::complete();
    machine.cjk_fonts = false;
    let report = render(&diagnose(&machine));
    assert_eq!(
        install_line(&report),
        BTreeSet::from(["fonts-noto-cjk".to_string()])
    );
    let report = render(&diagnose(&Machine::complete().without("fc-list")));
    assert_eq!(
        install_line(&report),
        BTreeSet::from(["fontconfig".to_string(), "fonts-noto-cjk".to_string()])
    );
}

#[test]
fn without_root_tun_mode_says_so_and_the_kernel_is_not_asked() {
    let mut machine = Machine::complete();
    machine.root = false;
    machine.tun = Err("the process lacks CAP_NET_ADMIN".into());
    let groups = diagnose(&machine);
    assert_eq!(missing_names(&groups), vec!["root"]);
    let report = render(&groups);
    assert!(report.contains("fix: run it as root"), "{report}");
    // Root is no Debian package: no install line.
    assert!(!report.contains("apt-get"), "{report}");
}

#[test]
fn a_refusing_kernel_is_reported_when_the_basics_are_there() {
    let mut machine = Machine::complete();
    machine.tun = Err("cannot open /dev/net/tun: Operation not permitted".into());
    let report = render(&diagnose(&machine));
    assert!(
        report.contains("MISSING  TUN start-up         cannot open /dev/net/tun"),
        "{report}"
    );
}

#[test]
fn version_names_the_firmware_or_how_to_install_it() {
    let text = version_text(&Machine::complete());
    assert!(
        text.ends_with("\nfirmware: /opt/bin/appliance (appliance 1.0 (--version))"),
        "{text}"
    );
    let mut bare = Machine::complete();
    bare.firmware = None;
    let text = version_text(&bare);
    assert!(
        text.contains("firmware: not found (cargo install --locked --path firmware"),
        "{text}"
    );
    let report = render(&diagnose(&bare));
    assert!(report.contains("MISSING  firmware build"), "{report}");
}

#[test]
fn the_system_probe_finds_a_shell_and_not_a_made_up_program() {
    let probe = SystemProbe;
    assert!(probe.program("sh").is_some());
    assert!(probe.program("officetwin-no-such-program").is_none());
    assert!(probe.exists(Path::new("/proc/self/status")));
}

proptest! {
    /// The class: any set of programs missing. Exactly those are reported
    /// missing (under their check's name), and the one install command
    /// names exactly their packages.
    #[test]
    fn any_missing_programs_are_reported_with_exactly_their_packages(
        gone in proptest::collection::btree_set(0..PROGRAMS.len(), 0..=PROGRAMS.len())
    ) {
        let mut machine = Machine::complete();
        for &i in &gone {
            machine = machine.without(PROGRAMS[i].0);
        }
        let groups = diagnose(&machine);
        let report = render(&groups);
        let mut expected: BTreeSet<String> =
            gone.iter().map(|&i| PROGRAMS[i].1.to_string()).collect();
        if expected.contains("fontconfig") {
            // Without fc-list the fonts cannot be listed either.
            expected.insert("fonts-noto-cjk".into());
        }
        // Suricata 7 comes from Debian 12's backports: its own command,
        // never in the one apt line (where it would fail every package).
        let suricata_gone = expected.remove("suricata");
        prop_assert_eq!(
            report.contains("apt-get install -y -t bookworm-backports suricata"),
            suricata_gone
        );
        prop_assert_eq!(install_line(&report), expected);
        let expected_names: BTreeSet<String> = gone
            .iter()
            .map(|&i| match PROGRAMS[i].0 {
                "fc-list" => "CJK fonts".to_string(),
                path => path.rsplit('/').next().unwrap_or(path).to_string(),
            })
            .map(|name| if name == "time" { "/usr/bin/time".into() } else { name })
            .collect();
        let names: BTreeSet<String> =
            missing_names(&groups).into_iter().map(String::from).collect();
        prop_assert_eq!(names, expected_names);
        prop_assert_eq!(report.contains("Everything the README uses is here."), gone.is_empty());
    }
}
