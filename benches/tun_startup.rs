//! Start-up of a 30-host office in TUN mode: the world, then a network
//! namespace with a TAP device (MAC, address, default route, IPv6 off,
//! containment check) for every host, and, when the `appliance` binary is
//! built (`cargo build --release -p firmware`), the firmware process in its
//! own namespace on two more TAPs, up to its greeting. Teardown is not
//! timed (closing a TAP takes the kernel tens of milliseconds each).
//!
//! Needs /dev/net/tun and root; elsewhere it prints why and measures nothing.

use criterion::{Criterion, criterion_group, criterion_main};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};
use twin::catalog::Catalog;
use twin::model::{Mac, Scenario};
use twin::tun::firmware::{Firmware, default_firmware};
use twin::tun::netns;
use twin::tun::real_host::RealHost;
use twin::world::{World, WorldOptions};

const HOSTS: usize = 30;

/// The print shop grown to 30 hosts (24 + 6 more PCs).
fn office_of_30(catalog: &Catalog) -> (Scenario, twin::tun::policy::ScenarioSource) {
    let mut scenario = match catalog.scenario("winxp-cnc-beacon") {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let source = match twin::tun::policy::ScenarioSource::from_catalog(catalog, &scenario) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let template = scenario.office.hosts[4].clone();
    let mut n = 0u8;
    while scenario.office.hosts.len() < HOSTS {
        n += 1;
        let mut host = template.clone();
        host.name = format!("PC-EXTRA-{n}");
        host.ip = Ipv4Addr::new(192, 168, 1, 100 + n);
        host.mac = Mac([0x02, 0x00, 0x00, 0x00, 0x01, n]);
        scenario.office.hosts.push(host);
    }
    (scenario, source)
}

fn start_office(scenario: &Scenario) -> (World, Vec<RealHost>) {
    let mut world = match World::new(scenario, WorldOptions { capture: false }) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    let names: Vec<String> = scenario
        .office
        .hosts
        .iter()
        .map(|h| h.name.clone())
        .collect();
    let hosts = names
        .iter()
        .map(|name| match RealHost::attach(&mut world, scenario, name) {
            Ok(h) => h,
            Err(e) => panic!("{name}: {e}"),
        })
        .collect();
    (world, hosts)
}

fn tun_startup(c: &mut Criterion) {
    if let Err(e) = netns::preflight() {
        eprintln!("tun_startup: SKIPPED: {e}");
        return;
    }
    if let Err(e) = netns::isolate_current_thread() {
        panic!("isolating the bench: {e}");
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let catalog = match Catalog::from_dir(&dir) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let (scenario, source) = office_of_30(&catalog);
    let firmware = default_firmware().ok();
    let scratch = std::env::temp_dir().join(format!("officetwin-bench-{}", std::process::id()));

    let mut group = c.benchmark_group("tun_startup");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("30 hosts", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let office = start_office(&scenario);
                total += t.elapsed();
                drop(office);
            }
            total
        })
    });
    match &firmware {
        Some(program) => {
            group.bench_function("30 hosts + firmware", |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        let (mut world, hosts) = start_office(&scenario);
                        let fw = match Firmware::start(program, &scenario, &source, &scratch) {
                            Ok(f) => f,
                            Err(e) => panic!("{e}"),
                        };
                        world.set_gateway_driver(Box::new(fw));
                        total += t.elapsed();
                        drop((world, hosts));
                    }
                    total
                })
            });
        }
        None => eprintln!(
            "tun_startup: no `appliance` binary beside the bench; build it with `cargo build --release -p firmware` to time the firmware too"
        ),
    }
    group.finish();
}

criterion_group!(benches, tun_startup);
criterion_main!(benches);
