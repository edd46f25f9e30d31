//! The whole gateway pipeline (checked parsing, the packet-level protections
//! of issue 5, flow tracking, HTTP inspection, C&C blocking) on one core, fed
//! a generated office day: the frames the gateway received during the
//! 24 hours of `winxp-cnc-beacon` (25 hosts browsing, the XP PC beaconing),
//! plus an internet port scan, a worm sweep and exploit requests from
//! `external-port-scan`, `worm-445-sweep` and `ips-exploit-attempt`, replayed
//! from memory.
//!
//! Reports frames/s and bytes/s (criterion's throughput; Gbit/s = bytes/s ×
//! 8 / 10⁹ is also printed), and memory per flow, measured with a counting
//! allocator over 10,000 established TCP flows and 10,000 UDP flows.
//!
//! The same frames are written to `$CARGO_TARGET_TMPDIR/office-day.pcap`
//! (a plain pcap), and twenty such days back to back to
//! `office-days-20.pcap` (and its first frame alone to `one-frame.pcap`, to
//! time Suricata's start-up), so Suricata can read the identical capture; see
//! `benches/suricata-compare.sh`, which runs both and prints the ratio.

mod traffic;

use appliance::wire::forge::{self, Endpoints, TcpSpec};
use appliance::wire::frame::{Flags, Mac};
use appliance::{Actions, Config, FrozenIntel, Gateway, Instant, Port};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;
use traffic::twin_day::{Input, office_day};

/// Counts live heap bytes, for memory per flow.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Days of the office day back to back in the big capture.
const DAYS: i64 = 20;

fn write_pcap(inputs: &[Input], days: i64, path: &Path) {
    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = PcapHeader {
        datalink: pcap_file::DataLink::ETHERNET,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(std::io::BufWriter::new(file), header)
        .unwrap_or_else(|e| panic!("{e}"));
    for day in 0..days {
        for i in inputs {
            let t = i.at.as_micros() + day * 86_400_000_000;
            let ts = Duration::from_micros(u64::try_from(t).unwrap_or(0));
            let packet = PcapPacket::new(ts, i.frame.len() as u32, &i.frame);
            w.write_packet(&packet).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Runs the whole day through a fresh gateway; returns (frames out, events).
fn run_day(inputs: &[Input], config: &Config, intel: &FrozenIntel) -> (usize, usize) {
    let mut gw = Gateway::new(config.clone(), intel.clone());
    let mut out = Actions::default();
    let (mut emitted, mut events) = (0, 0);
    for i in inputs {
        if gw.poll_at().is_some_and(|t| t <= i.at) {
            gw.poll(i.at, &mut out);
        }
        gw.handle(i.at, i.port, &i.frame, &mut out);
        emitted += out.frames.len();
        events += out.events.len();
        out.clear();
    }
    (emitted, events)
}

/// Live heap bytes per flow, over `n` established TCP flows and `n` UDP flows.
fn memory_per_flow(n: u16) -> (f64, f64) {
    let mut config = Config::default();
    config.flow_table.max_flows = 100_000;
    config.dos.enabled = false;
    config.scan.enabled = false;
    let mut gw = Gateway::new(config, FrozenIntel::default());
    let mut out = Actions::default();
    let ends = |port: u16| Endpoints {
        src_mac: Mac([0x00, 0x14, 0x22, 0x8e, 0x5a, 0x3b]),
        dst_mac: Mac([0x6c, 0xe4, 0xda, 0x41, 0x0a, 0x01]),
        src: Ipv4Addr::new(192, 168, 1, 11),
        dst: Ipv4Addr::new(192, 0, 2, 10),
        src_port: port,
        dst_port: 80,
    };
    let seg = |e: &Endpoints, seq: u32, ack: u32, flags: Flags| {
        forge::tcp(
            e,
            &TcpSpec {
                seq,
                ack,
                flags,
                window: 64240,
                mss: None,
                payload: b"",
            },
            1,
            128,
        )
    };
    // Warm the stage's own tables (device list, counters) before measuring.
    let warm = ends(1000);
    gw.handle(
        Instant::from_secs(1),
        Port::Lan,
        &seg(
            &warm,
            1,
            0,
            Flags {
                syn: true,
                ..Flags::default()
            },
        ),
        &mut out,
    );
    out.clear();
    let before = LIVE.load(Ordering::Relaxed);
    for p in 0..n {
        let e = ends(10_000 + p);
        let t = Instant::from_secs(2);
        gw.handle(
            t,
            Port::Lan,
            &seg(
                &e,
                100,
                0,
                Flags {
                    syn: true,
                    ..Flags::default()
                },
            ),
            &mut out,
        );
        gw.handle(
            t,
            Port::Wan,
            &seg(
                &e.reversed(),
                500,
                101,
                Flags {
                    syn: true,
                    ack: true,
                    ..Flags::default()
                },
            ),
            &mut out,
        );
        gw.handle(
            t,
            Port::Lan,
            &seg(
                &e,
                101,
                501,
                Flags {
                    ack: true,
                    ..Flags::default()
                },
            ),
            &mut out,
        );
        out.clear();
    }
    let tcp = (LIVE.load(Ordering::Relaxed) - before) as f64 / f64::from(n);
    let before = LIVE.load(Ordering::Relaxed);
    for p in 0..n {
        let mut e = ends(10_000 + p);
        e.dst_port = 53;
        let frame = udp(
            &e,
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07example\x00\x00\x01\x00\x01",
        );
        gw.handle(Instant::from_secs(3), Port::Lan, &frame, &mut out);
        out.clear();
    }
    let udp_per_flow = (LIVE.load(Ordering::Relaxed) - before) as f64 / f64::from(n);
    black_box(gw.flow_count());
    (tcp, udp_per_flow)
}

fn udp(e: &Endpoints, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&e.dst_mac.0);
    f.extend_from_slice(&e.src_mac.0);
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 0, 0, 1, 0, 0, 128, 17, 0, 0]);
    f.extend_from_slice(&e.src.octets());
    f.extend_from_slice(&e.dst.octets());
    let ip_len = (20 + 8 + payload.len()) as u16;
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&e.src_port.to_be_bytes());
    f.extend_from_slice(&e.dst_port.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(payload);
    smoltcp::wire::Ipv4Packet::new_unchecked(&mut f[14..]).fill_checksum();
    let (s, d) = (
        smoltcp::wire::IpAddress::Ipv4(e.src),
        smoltcp::wire::IpAddress::Ipv4(e.dst),
    );
    smoltcp::wire::UdpPacket::new_unchecked(&mut f[34..]).fill_checksum(&s, &d);
    f
}

fn pipeline(c: &mut Criterion) {
    let (inputs, config, intel) = office_day();
    let frames = inputs.len() as u64;
    let bytes: u64 = inputs.iter().map(|i| i.frame.len() as u64).sum();
    let pcap = Path::new(env!("CARGO_TARGET_TMPDIR")).join("office-day.pcap");
    write_pcap(&inputs, 1, &pcap);
    let big = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("office-days-{DAYS}.pcap"));
    write_pcap(&inputs, DAYS, &big);
    let one = Path::new(env!("CARGO_TARGET_TMPDIR")).join("one-frame.pcap");
    write_pcap(&inputs[..1.min(inputs.len())], 1, &one);

    let wall = std::time::Instant::now();
    let (emitted, events) = run_day(&inputs, &config, &intel);
    let secs = wall.elapsed().as_secs_f64();
    let (tcp, udp) = memory_per_flow(10_000);
    eprintln!(
        "office day: {frames} frames, {bytes} bytes in; {emitted} out, {events} events; \
         one pass {:.1} ms = {:.0} frames/s, {:.3} Gbit/s; memory per flow: TCP {tcp:.0} B, UDP {udp:.0} B; \
         capture for Suricata: {}",
        secs * 1e3,
        frames as f64 / secs,
        bytes as f64 * 8.0 / secs / 1e9,
        pcap.display()
    );

    let mut group = c.benchmark_group("pipeline");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(frames));
    group.bench_function("office-day/frames", |b| {
        b.iter(|| black_box(run_day(&inputs, &config, &intel)))
    });
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("office-day/bytes", |b| {
        b.iter(|| black_box(run_day(&inputs, &config, &intel)))
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
