//! Beacon scoring's cost per connection (`appliance::inspect::beacon`): a
//! pair whose ring is full (256 check-ins, a 5-minute beacon's last 21 h)
//! taking its next check-in (scored by selection over the ring), a
//! connection merged into the current check-in (a map look-up), and the
//! client's and server's data segments.

use appliance::Instant;
use appliance::inspect::beacon::{BeaconPolicy, BeaconState, MAX_CHECK_INS};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::Ipv4Addr;

const PC: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);
const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 99);
const T0: i64 = 1_507_215_600;

/// A state holding `MAX_CHECK_INS` check-ins of a jittered 5-minute
/// schedule between PC and SERVER with monitor-only policy, and many other
/// pairs; a policy whose threshold is never reached, so the pair is scored
/// at every check-in and never put on hold.
fn full() -> (BeaconState, BeaconPolicy, i64) {
    let policy = BeaconPolicy {
        threshold: appliance::inspect::beacon::Score(1000),
        ..BeaconPolicy::default()
    };
    let mut s = BeaconState::default();
    let mut t = T0;
    for k in 0..MAX_CHECK_INS as i64 {
        let port = 1024 + (k % 60_000) as u16;
        s.connection(&policy, Instant::from_secs(t), PC, SERVER, port, None);
        s.client_data(PC, SERVER, port, 220 + (k % 5) as usize);
        s.server_data(PC, SERVER, port, 140);
        t += 300 + (k * 37 % 61) - 30;
    }
    for k in 0..2000u32 {
        let dst = Ipv4Addr::from(0xC633_0000 + k);
        s.connection(&policy, Instant::from_secs(t), PC, dst, 2000, None);
    }
    (s, policy, t)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("beacon");
    let (mut s, policy, mut t) = full();
    let mut port = 30_000u16;
    g.bench_function("new check-in, full ring scored", |b| {
        b.iter(|| {
            t += 300;
            port = port.wrapping_add(1);
            black_box(s.connection(&policy, Instant::from_secs(t), PC, SERVER, port, None))
        })
    });
    let (mut s, policy, t) = full();
    g.bench_function("connection merged into the check-in", |b| {
        b.iter(|| black_box(s.connection(&policy, Instant::from_secs(t + 1), PC, SERVER, 9, None)))
    });
    g.bench_function("data segment", |b| {
        b.iter(|| {
            s.client_data(PC, SERVER, 9, black_box(220));
            s.server_data(PC, SERVER, 9, black_box(1460));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
