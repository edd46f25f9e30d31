//! TUN mode on the real kernel: containment, and nothing left behind after a
//! SIGKILL. These tests need `/dev/net/tun`, CAP_NET_ADMIN and CAP_SYS_ADMIN.
//! Rust's test harness has no runtime skip: where those are missing each test
//! prints `SKIPPED: why` and returns (shown as passed, so read the output), and
//! with `OFFICETWIN_REQUIRE` naming `tun` (as `.ci/run` sets where the machine
//! has it) it fails instead.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use twin::tun::netns::{self, Netns, TapSpec};
use twin::tun::real_host::RealHost;
use twin::{World, WorldOptions};

fn tun_or_skip(test: &str) -> bool {
    let Err(e) = netns::preflight() else {
        return true;
    };
    let required = std::env::var("OFFICETWIN_REQUIRE")
        .is_ok_and(|list| list.split(',').any(|need| need.trim() == "tun"));
    assert!(!required, "{test}: OFFICETWIN_REQUIRE names tun, but {e}");
    eprintln!("SKIPPED {test}: {e}");
    false
}

fn spine() -> twin::model::Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/winxp-cnc-beacon.yaml");
    twin::load::scenario_file(&path).expect("scenario loads")
}

#[test]
fn the_twin_isolates_itself_and_refuses_a_route_out() {
    if !tun_or_skip("the_twin_isolates_itself_and_refuses_a_route_out") {
        return;
    }
    // This test's thread only: other tests keep their namespace.
    let isolation = netns::isolate_current_thread().expect("isolate");
    assert_ne!(
        isolation.private.inode().expect("inode"),
        isolation.original_inode
    );
    let view = isolation.private.inspect().expect("inspect");
    assert_eq!(view.links, vec!["lo".to_string()]);
    assert!(view.routes.is_empty(), "{view:?}");

    // A host namespace is contained: its only routes go through its TAP.
    let spec = TapSpec {
        name: "eth0".into(),
        mac: [0x02, 0, 0, 0, 0, 9],
        ipv4: Some(("192.168.1.9".parse().expect("ip"), 24)),
        gateway: Some("192.168.1.1".parse().expect("ip")),
    };
    let (ns, _tap) = Netns::create(|| netns::create_tap(&spec)).expect("host namespace");
    let view = ns.inspect().expect("inspect");
    view.check_contained(&["eth0"]).expect("contained");
    assert!(
        view.routes
            .iter()
            .any(|(dev, dest, _)| dev == "eth0" && *dest == std::net::Ipv4Addr::UNSPECIFIED),
        "no default route via the TAP: {view:?}"
    );

    // Another device with a route in a twin namespace is refused.
    let leak = TapSpec {
        name: "leak0".into(),
        mac: [0x02, 0, 0, 0, 0, 10],
        ipv4: Some(("10.9.9.9".parse().expect("ip"), 8)),
        gateway: None,
    };
    let _leak = ns
        .run_inside(|| netns::create_tap(&leak))
        .expect("add a leaking device");
    let err = ns
        .inspect()
        .expect("inspect")
        .check_contained(&["eth0"])
        .expect_err("a route out must be refused");
    assert!(err.to_string().contains("leak0"), "{err}");
}

/// What the holder process reports about what it built.
#[derive(Debug, Default)]
struct Built {
    namespaces: BTreeSet<u64>,
    pids: Vec<u32>,
}

const HOLDER_ENV: &str = "OFFICETWIN_TUN_HOLDER";
const HOLDER_HOSTS: [&str; 5] = ["PC-XP", "PC-01", "PC-02", "MAC-01", "NAS-01"];

/// In the holder process: the twin with five real hosts (a program running
/// in one of them) and, when the `appliance` binary is built, a firmware
/// process; then it waits to be killed.
fn hold() {
    let isolation = netns::isolate_current_thread().expect("isolate");
    println!("ns {}", isolation.private.inode().expect("inode"));
    let scenario = spine();
    let mut world = World::new(&scenario, WorldOptions { capture: false }).expect("world");
    let mut hosts = Vec::new();
    for name in HOLDER_HOSTS {
        let host = RealHost::attach(&mut world, &scenario, name).expect("real host");
        println!("ns {}", host.netns.inode().expect("inode"));
        hosts.push(host);
    }
    let dir = std::env::temp_dir().join(format!("officetwin-holder-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("dir");
    let resolv = dir.join("resolv.conf");
    fs::write(&resolv, "nameserver 198.51.100.53\n").expect("resolv.conf");
    let child = hosts[0]
        .command("sleep", &resolv)
        .expect("command")
        .arg("600")
        .spawn()
        .expect("sleep in a host namespace");
    println!("pid {}", child.id());
    let mut firmware = None;
    if let Ok(program) = twin::tun::firmware::default_firmware() {
        let source = twin::tun::policy::ScenarioSource {
            yaml: fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../scenarios/winxp-cnc-beacon.yaml"),
            )
            .expect("scenario source"),
            rule_files: Vec::new(),
        };
        let fw =
            twin::tun::firmware::Firmware::start(&program, &scenario, &source, &dir.join("fw"))
                .expect("firmware");
        println!("ns {}", fw.netns_inode().expect("inode"));
        println!("pid {}", fw.pid());
        firmware = Some(fw);
    }
    println!("ready");
    std::thread::sleep(Duration::from_secs(600));
    drop((firmware, hosts, child));
}

fn net_links_of_every_process() -> BTreeSet<u64> {
    let mut seen = BTreeSet::new();
    let Ok(procs) = fs::read_dir("/proc") else {
        return seen;
    };
    for p in procs.flatten() {
        let path = p.path();
        if !p
            .file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let mut links = vec![path.join("ns/net")];
        if let Ok(fds) = fs::read_dir(path.join("fd")) {
            links.extend(fds.flatten().map(|f| f.path()));
        }
        if let Ok(tasks) = fs::read_dir(path.join("task")) {
            links.extend(tasks.flatten().map(|t| t.path().join("ns/net")));
        }
        for link in links {
            if let Ok(target) = fs::read_link(&link)
                && let Some(inode) = target
                    .to_str()
                    .and_then(|t| t.strip_prefix("net:["))
                    .and_then(|t| t.strip_suffix(']'))
                    .and_then(|t| t.parse::<u64>().ok())
            {
                seen.insert(inode);
            }
        }
    }
    seen
}

fn alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => !status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
        Err(_) => false,
    }
}

#[test]
fn sigkill_leaves_no_namespace_device_or_process() {
    if std::env::var_os(HOLDER_ENV).is_some() {
        hold();
        return;
    }
    if !tun_or_skip("sigkill_leaves_no_namespace_device_or_process") {
        return;
    }
    let links_before = fs::read_to_string("/proc/self/net/dev").expect("net/dev");
    let mut holder = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "tun::sigkill_leaves_no_namespace_device_or_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLDER_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("holder");
    let mut built = Built::default();
    let out = holder.stdout.take().expect("stdout");
    for line in BufReader::new(out).lines() {
        let line = line.expect("line");
        if let Some(ino) = line.strip_prefix("ns ") {
            built.namespaces.insert(ino.parse().expect("inode"));
        } else if let Some(pid) = line.strip_prefix("pid ") {
            built.pids.push(pid.parse().expect("pid"));
        } else if line == "ready" {
            break;
        }
    }
    assert!(
        built.namespaces.len() > HOLDER_HOSTS.len(),
        "the holder did not build everything: {built:?}"
    );
    if built.pids.len() < 2 {
        eprintln!(
            "note: no `appliance` binary beside the tests (`cargo build -p firmware`); checked without a firmware process"
        );
    }
    let held = net_links_of_every_process();
    for ns in &built.namespaces {
        assert!(held.contains(ns), "namespace {ns} not found while held");
    }
    for pid in &built.pids {
        assert!(alive(*pid), "process {pid} not running while held");
    }

    let holder_pid = holder.id();
    holder.kill().expect("SIGKILL");
    holder.wait().expect("reap");
    let _ =
        fs::remove_dir_all(std::env::temp_dir().join(format!("officetwin-holder-{holder_pid}")));

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now_held = net_links_of_every_process();
        let left: Vec<u64> = built
            .namespaces
            .iter()
            .copied()
            .filter(|ns| now_held.contains(ns))
            .collect();
        let running: Vec<u32> = built.pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() && running.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after SIGKILL, namespaces {left:?} and processes {running:?} remain"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // No device appeared in this (the machine's) namespace.
    let links_after = fs::read_to_string("/proc/self/net/dev").expect("net/dev");
    let names = |text: &str| -> BTreeSet<String> {
        text.lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .map(|n| n.trim().to_string())
            .collect()
    };
    assert_eq!(names(&links_before), names(&links_after));
}
