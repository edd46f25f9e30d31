//! The whole incident day of `winxp-cnc-beacon` (24 h of virtual time)
//! simulated end to end: 25 hosts, the simulated internet, the gateway and
//! its log store. Reports wall time per simulated day; divide 86,400 s by it
//! for the virtual/wall speed-up.

use criterion::{Criterion, criterion_group, criterion_main};
use officetwin::session::Session;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use twin::catalog::Catalog;
use twin::world::WorldOptions;

fn incident_day(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let catalog = match Catalog::from_dir(&dir) {
        Ok(catalog) => catalog,
        Err(e) => panic!("loading {}: {e}", dir.display()),
    };
    let scenario = match catalog.scenario("winxp-cnc-beacon") {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group("winxp-cnc-beacon");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for (name, capture) in [("24h", false), ("24h+pcapng", true)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut session = match Session::new(scenario.clone(), WorldOptions { capture }) {
                    Ok(s) => s,
                    Err(e) => panic!("{e:#}"),
                };
                if let Err(e) = session.run_to_end() {
                    panic!("{e:#}");
                }
                black_box(session.world.stats())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, incident_day);
criterion_main!(benches);
