//! Writes the comparison captures, one per kind of traffic (`traffic::kinds`:
//! `office-small` (the twin's day of `benches/pipeline.rs`, repeated),
//! `downloads-1m`, `evasion`, `mail`, `office`), streamed to
//! `$CARGO_TARGET_TMPDIR` (`target/tmp`, or `$CARGO_TARGET_DIR/tmp`), then
//! measures the gateway's throughput on a small capture of each kind
//! generated in memory (criterion: bytes/s per kind).
//!
//! Environment: `OFFICETWIN_CAPTURE_MB` (default 256) is each capture's
//! size in MB (1024 and more on request: the writer holds one conversation,
//! never the capture); `OFFICETWIN_CAPTURES` names the kinds to write
//! (comma-separated, default all); `OFFICETWIN_CAPTURES_ONLY=1` writes them
//! and stops (what `benches/suricata-compare.sh` runs); `OFFICETWIN_CORPUS`
//! is the shared corpus (default `../shared/corpus`) the `evasion` capture
//! repeats. The `office` capture's days include the twin's small-packet day
//! (`traffic::twin_day`).

mod traffic;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use traffic::kinds::{self, DAY_US, DAY0_US, Material};
use traffic::{Pcap, Rng};

const KINDS: [&str; 5] = ["office-small", "downloads-1m", "evasion", "mail", "office"];

fn corpus() -> PathBuf {
    std::env::var_os("OFFICETWIN_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    )
}

/// The twin's day as (µs, frame), shifted to start on `DAY0_US`'s day.
fn twin_frames() -> Vec<(i64, Vec<u8>)> {
    let (day, _, _) = traffic::twin_day::office_day();
    let first = day.first().map_or(0, |i| i.at.as_micros());
    let midnight = first - first.rem_euclid(DAY_US);
    day.into_iter()
        .map(|i| (DAY0_US + i.at.as_micros() - midnight, i.frame))
        .collect()
}

/// Writes capture `kind` of about `bytes` to `out`; the frames and bytes written.
fn write_kind<W: Write>(
    kind: &str,
    bytes: u64,
    out: W,
    material: &Material,
    twin: &[(i64, Vec<u8>)],
) -> std::io::Result<(u64, u64)> {
    let mut pcap = Pcap::new(out)?;
    match kind {
        "office" => {
            let certs = kinds::site_certs();
            let mut rng = Rng(2017);
            let mut day = 0i64;
            while pcap.bytes < bytes {
                let mut frames = twin.iter().map(|(t, f)| (t + day * DAY_US, f.clone()));
                kinds::office_day(
                    &mut pcap,
                    DAY0_US + day * DAY_US,
                    &mut frames,
                    material,
                    &certs,
                    &mut rng,
                )?;
                day += 1;
            }
        }
        "office-small" => {
            let mut day = 0i64;
            while pcap.bytes < bytes && !twin.is_empty() {
                for (t, f) in twin {
                    pcap.frame(t + day * DAY_US, f)?;
                }
                day += 1;
            }
        }
        "downloads-1m" => {
            let count = bytes.div_ceil(1 << 20).max(1) as usize;
            kinds::downloads(&mut pcap, count, 1 << 20, 1024, material)?;
        }
        "mail" => kinds::mails(&mut pcap, bytes, material)?,
        "evasion" => {
            if kinds::evasion(&mut pcap, &corpus(), bytes)? == 0 {
                eprintln!("evasion: SKIPPED, no captures under {}", corpus().display());
            }
        }
        other => eprintln!("unknown capture kind {other} (known: {})", KINDS.join(", ")),
    }
    let (frames, written) = (pcap.frames, pcap.bytes);
    pcap.finish()?;
    Ok((frames, written))
}

fn write_captures(dir: &Path) {
    let mb: u64 = std::env::var("OFFICETWIN_CAPTURE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let wanted = std::env::var("OFFICETWIN_CAPTURES").unwrap_or_else(|_| KINDS.join(","));
    let material = Material::new();
    let twin = if wanted.split(',').any(|k| k.trim().starts_with("office")) {
        twin_frames()
    } else {
        Vec::new()
    };
    for kind in wanted.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let path = dir.join(format!("{kind}.pcap"));
        let wall = std::time::Instant::now();
        let file =
            std::fs::File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (frames, bytes) = write_kind(
            kind,
            mb << 20,
            BufWriter::with_capacity(1 << 20, file),
            &material,
            &twin,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!(
            "capture {kind}: {} ({frames} frames, {:.1} MB, {:.0} bytes/frame; written in {:.1} s)",
            path.display(),
            bytes as f64 / 1e6,
            bytes as f64 / frames.max(1) as f64,
            wall.elapsed().as_secs_f64()
        );
    }
}

fn captures(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    write_captures(dir);
    if std::env::var("OFFICETWIN_CAPTURES_ONLY").is_ok_and(|v| v == "1") {
        return;
    }
    // Small captures of each kind in memory: the gateway's bytes/s per kind.
    let material = Material::new();
    let mut group = c.benchmark_group("capture_kinds");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for kind in ["downloads-1m", "mail", "evasion"] {
        let mut buf = Vec::new();
        let Ok((_, bytes)) = write_kind(kind, 16 << 20, &mut buf, &material, &[]) else {
            continue;
        };
        if bytes == 0 {
            continue;
        }
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(kind, |b| {
            b.iter(|| {
                let r = officetwin::replay::replay_bytes(
                    &buf,
                    appliance::Config::default(),
                    appliance::FrozenIntel::default(),
                );
                black_box(r.map(|r| r.frames).unwrap_or(0))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, captures);
criterion_main!(benches);
