//! Replay speed: frames per second of `officetwin replay` on a real capture
//! (suricata-verify's 78 KB `.exe` download, 158 frames) repeated into a
//! longer pcap in memory, whole and cut to a 96-byte snap length (issue 15:
//! the cut frames are made readable first), and several such captures on
//! one worker and on every core. Timing is reported, never asserted; each
//! run checks its frame count, so a replay that stops early does not look
//! fast.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use officetwin::replay::{Job, ReplayOptions, replay_bytes_with, replay_many};
use std::hint::black_box;
use std::path::PathBuf;

const COPIES: u32 = 20;

/// The capture repeated `COPIES` times (11 minutes apart), each record cut
/// to `snaplen` bytes (its original length kept), written with pcap-file.
fn capture(snaplen: u32) -> (Vec<u8>, u64) {
    use pcap_file::pcap::{PcapHeader, PcapReader, PcapWriter, RawPcapPacket};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("appliance/tests/data/suricata-verify/http-evader/http-evader-000/input.pcap");
    let whole = std::fs::read(&path).expect("the test capture");
    let mut reader = PcapReader::new(&whole[..]).expect("pcap");
    let mut records = Vec::new();
    while let Some(Ok(p)) = reader.next_raw_packet() {
        records.push(p.into_owned());
    }
    let header = PcapHeader {
        snaplen,
        ..reader.header()
    };
    let mut writer = PcapWriter::with_header(Vec::new(), header).expect("header");
    for copy in 0..COPIES {
        for p in &records {
            let keep = p.data.len().min(snaplen as usize);
            let cut = RawPcapPacket {
                ts_sec: p.ts_sec + copy * 660,
                incl_len: keep as u32,
                data: std::borrow::Cow::Borrowed(&p.data[..keep]),
                ..p.clone()
            };
            writer.write_raw_packet(&cut).expect("written");
        }
    }
    (
        writer.into_writer(),
        u64::from(COPIES) * records.len() as u64,
    )
}

fn bench(c: &mut Criterion) {
    let options = ReplayOptions {
        fix_checksums: true,
    };
    let mut group = c.benchmark_group("replay");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for (name, snaplen) in [("whole", 65_535), ("snaplen_96", 96)] {
        let (bytes, frames) = capture(snaplen);
        group.throughput(Throughput::Elements(frames));
        group.bench_function(name, |b| {
            b.iter(|| {
                let r = replay_bytes_with(
                    black_box(&bytes),
                    appliance::Config::default(),
                    appliance::FrozenIntel::default(),
                    options,
                )
                .expect("replayed");
                assert_eq!(r.frames, frames);
            });
        });
    }
    // Eight captures on files: one worker, then every core.
    let dir = std::env::temp_dir().join(format!("officetwin-bench-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (bytes, frames) = capture(65_535);
    let files: Vec<PathBuf> = (0..8)
        .map(|i| {
            let f = dir.join(format!("{i}.pcap"));
            std::fs::write(&f, &bytes).expect("written");
            f
        })
        .collect();
    let job = Job {
        config: appliance::Config::default(),
        intel: appliance::FrozenIntel::default(),
        options,
        verbose: false,
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    group.throughput(Throughput::Elements(frames * files.len() as u64));
    for (name, workers) in [("8_captures_1_worker", 1), ("8_captures_every_core", cores)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::new();
                let tally = replay_many(&files, &job, workers, &mut out).expect("replayed");
                assert!(tally.unreadable.is_empty());
                black_box(out);
            });
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
