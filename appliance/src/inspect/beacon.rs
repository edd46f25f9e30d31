//! Beacon scoring: catching a PC that calls home on a schedule to a server
//! that is on no list yet, in the style of RITA (Active Countermeasures).
//!
//! For every pair (office host, internet address) the engine keeps the
//! connections (TCP SYNs from the LAN) of the last `window_secs` (one hour
//! by default), each with the size of the first data segment the client
//! sent. At every new connection, once the pair has at least
//! `min_connections`, it computes:
//!
//! ```text
//! d = intervals between consecutive check-ins (connection starts, merging
//!     those within 5 s of the previous one), s = first-request sizes
//! Bowley(x) = (Q1 + Q3 - 2*Q2) / (Q3 - Q1)        (0 when Q3 = Q1)
//! MAD(x)    = median(|x - Q2|)
//!
//! ts_skew  = 1 - |Bowley(d)|                       regular intervals are symmetric
//! ts_madm  = max(0, 1 - MAD(d) / 30 s)              and tightly dispersed (RITA's 30 s cut)
//! ts_count = min(1, n / full_count)                 many calls (full_count = 60 per window)
//! ds_skew  = 1 - |Bowley(s)|
//! ds_madm  = max(0, 1 - MAD(s) / 32)                sizes within a few bytes (RITA's 32-byte cut)
//! ds_small = max(0, 1 - mode(s) / 65535)            small check-ins
//! coverage = (t_last - t_first) / window            calling all hour long
//!
//! score = ( mean(ts_skew, ts_madm, ts_count) + mean(ds_skew, ds_madm, ds_small) + coverage ) / 3
//! ```
//!
//! and flags the pair when `score >= threshold` (0.80 by default) and the
//! timing part alone, `ts = mean(ts_skew, ts_madm, ts_count)`, is at least
//! `min_timing` (0.70): regular small requests all hour long are not enough
//! without a schedule (a person re-opening the same page every few minutes
//! sends identical requests too, at irregular times). One event
//! naming the host, the destination (by the name the PC resolved, if the
//! gateway saw it) and the score, then nothing more for that pair for a day.
//! With policy `block`, the pair's later connections are reset.
//!
//! Guards against benign periodic traffic (an update service polling every
//! 30 minutes, an NTP or time check): (1) `min_connections` in the window:
//! a poller calling twice an hour is never scored; (2) `ts_count` and
//! `coverage` keep a sparse schedule's score low even if it is perfectly
//! regular; (3) destinations whose resolved name ends in one of
//! `benign_domains` (well-known update services by default) are never scored.

pub use crate::config::beacon::{BeaconAction, BeaconPolicy, Score};
use crate::reason::{BeaconTiming, Figure, Reason, Thousandths};
use crate::time::Instant;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::time::Duration;

/// The parts of one pair's score, for the log and for tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Breakdown {
    pub connections: usize,
    /// mean(ts_skew, ts_madm, ts_count)
    pub timing: f64,
    pub ts_skew: f64,
    pub ts_madm: f64,
    pub ts_count: f64,
    pub ds_skew: f64,
    pub ds_madm: f64,
    pub ds_small: f64,
    pub coverage: f64,
    pub score: f64,
}

/// Scores connection starts `times` (µs, ascending) with first-request
/// `sizes` over a window of `window` µs. `None` with fewer than 3 starts.
pub fn score(times: &[i64], sizes: &[u32], window: i64, full_count: usize) -> Option<Breakdown> {
    // Connections opened within a few seconds of the previous one are one
    // check-in (a browser opening parallel connections, a retry).
    let mut starts: Vec<i64> = Vec::with_capacity(times.len());
    for &t in times {
        if starts
            .last()
            .is_none_or(|&last| t - last >= CHECK_IN_GAP_MICROS)
        {
            starts.push(t);
        }
    }
    let times = starts.as_slice();
    if times.len() < 3 || window <= 0 {
        return None;
    }
    let intervals: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / 1e6)
        .collect();
    let (q1, q2, q3) = quartiles(&intervals);
    let ts_skew = 1.0 - bowley(q1, q2, q3).abs();
    let ts_madm = (1.0 - mad(&intervals, q2) / 30.0).max(0.0);
    let ts_count = (times.len() as f64 / full_count.max(1) as f64).min(1.0);
    let (ds_skew, ds_madm, ds_small) = if sizes.len() >= 3 {
        let s: Vec<f64> = sizes.iter().map(|&x| f64::from(x)).collect();
        let (a, b, c) = quartiles(&s);
        (
            1.0 - bowley(a, b, c).abs(),
            (1.0 - mad(&s, b) / 32.0).max(0.0),
            (1.0 - f64::from(mode(sizes)) / 65535.0).max(0.0),
        )
    } else {
        (0.0, 0.0, 0.0)
    };
    let first = times.first().copied().unwrap_or(0);
    let last = times.last().copied().unwrap_or(0);
    let coverage = ((last - first) as f64 / window as f64).clamp(0.0, 1.0);
    let ts = (ts_skew + ts_madm + ts_count) / 3.0;
    let ds = (ds_skew + ds_madm + ds_small) / 3.0;
    Some(Breakdown {
        connections: times.len(),
        timing: ts,
        ts_skew,
        ts_madm,
        ts_count,
        ds_skew,
        ds_madm,
        ds_small,
        coverage,
        score: (ts + ds + coverage) / 3.0,
    })
}

/// Connection starts closer than this to the previous one are merged.
const CHECK_IN_GAP_MICROS: i64 = 5_000_000;

fn bowley(q1: f64, q2: f64, q3: f64) -> f64 {
    if q3 - q1 <= f64::EPSILON {
        0.0
    } else {
        ((q1 + q3 - 2.0 * q2) / (q3 - q1)).clamp(-1.0, 1.0)
    }
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Q1, median, Q3 (medians of the lower and upper halves).
fn quartiles(xs: &[f64]) -> (f64, f64, f64) {
    let v = sorted(xs);
    let n = v.len();
    let q2 = median_sorted(&v);
    let lower = &v[..n / 2];
    let upper = &v[n.div_ceil(2)..];
    (median_sorted(lower), q2, median_sorted(upper))
}

fn mad(xs: &[f64], median: f64) -> f64 {
    let dev: Vec<f64> = xs.iter().map(|x| (x - median).abs()).collect();
    median_sorted(&sorted(&dev))
}

fn mode(xs: &[u32]) -> u32 {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &x in xs {
        *counts.entry(x).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |(x, _)| x)
}

const MAX_PAIRS: usize = 8192;
const MAX_SAMPLES: usize = 1024;
/// A flagged pair is not reported again for this long.
const REPORT_HOLD_DOWN: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Default)]
struct Pair {
    /// (start µs, first-request size once seen).
    conns: VecDeque<(i64, Option<u32>)>,
    /// The client port of the newest connection whose first data is awaited.
    awaiting: Option<u16>,
    flagged_at: Option<Instant>,
}

/// A pair that crossed the threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct BeaconHit {
    pub breakdown: Breakdown,
    pub reasons: Vec<Reason>,
    pub block: bool,
}

/// Connection history per pair.
#[derive(Debug, Default)]
pub struct BeaconState {
    pairs: BTreeMap<(Ipv4Addr, Ipv4Addr), Pair>,
    last_sweep: Option<i64>,
}

impl BeaconState {
    /// Whether `policy` blocks this pair now (it was flagged, action block).
    pub fn blocked(&self, policy: &BeaconPolicy, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        policy.enabled
            && policy.action == BeaconAction::Block
            && self
                .pairs
                .get(&(src, dst))
                .is_some_and(|p| p.flagged_at.is_some())
    }

    /// A LAN host opened a connection (its SYN) to an internet address.
    pub fn connection(
        &mut self,
        policy: &BeaconPolicy,
        now: Instant,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        src_port: u16,
        dst_name: Option<&str>,
    ) -> Option<BeaconHit> {
        if !policy.enabled {
            return None;
        }
        if let Some(name) = dst_name {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let benign = policy.benign_domains.iter().any(|d| {
                let d = d.to_ascii_lowercase();
                name == d || name.ends_with(&format!(".{d}"))
            });
            if benign {
                return None;
            }
        }
        let window = i64::try_from(policy.window_secs.max(1))
            .unwrap_or(i64::MAX / 2_000_000)
            .saturating_mul(1_000_000);
        self.bound(now, window, (src, dst));
        let pair = self.pairs.entry((src, dst)).or_default();
        let t = now.as_micros();
        while pair.conns.front().is_some_and(|(s, _)| t - s > window) {
            pair.conns.pop_front();
        }
        if pair.conns.len() >= MAX_SAMPLES {
            pair.conns.pop_front();
        }
        pair.conns.push_back((t, None));
        pair.awaiting = Some(src_port);
        if pair
            .flagged_at
            .is_some_and(|at| now.saturating_since(at) < REPORT_HOLD_DOWN)
            || pair.conns.len() < policy.min_connections
        {
            return None;
        }
        let times: Vec<i64> = pair.conns.iter().map(|(s, _)| *s).collect();
        let sizes: Vec<u32> = pair.conns.iter().filter_map(|(_, z)| *z).collect();
        let b = score(&times, &sizes, window, policy.full_count)?;
        if Score::from_f64(b.score) < policy.threshold
            || Score::from_f64(b.timing) < policy.min_timing
        {
            return None;
        }
        pair.flagged_at = Some(now);
        let block = policy.action == BeaconAction::Block;
        let who = dst_name.map_or_else(|| dst.to_string(), |n| format!("{n} ({dst})"));
        Some(BeaconHit {
            breakdown: b,
            reasons: vec![
                Reason::BeaconScore,
                Reason::BeaconThreshold {
                    score: Thousandths(Score::from_f64(b.score).0),
                    threshold: Thousandths(policy.threshold.0),
                    to: who,
                },
                Reason::BeaconTiming(Box::new(BeaconTiming {
                    connections: b.connections,
                    window_min: policy.window_secs / 60,
                    timing: Figure(b.timing),
                    ts_skew: Figure(b.ts_skew),
                    ts_madm: Figure(b.ts_madm),
                    ts_count: Figure(b.ts_count),
                    ds_skew: Figure(b.ds_skew),
                    ds_madm: Figure(b.ds_madm),
                    ds_small: Figure(b.ds_small),
                    coverage: Figure(b.coverage),
                })),
                Reason::NotOnCncList,
            ],
            block,
        })
    }

    /// A client data segment: the first one of the awaited connection gives
    /// that connection's request size.
    pub fn client_data(&mut self, src: Ipv4Addr, dst: Ipv4Addr, src_port: u16, len: usize) {
        if let Some(pair) = self.pairs.get_mut(&(src, dst))
            && pair.awaiting == Some(src_port)
        {
            pair.awaiting = None;
            if let Some(last) = pair.conns.back_mut() {
                last.1 = Some(u32::try_from(len).unwrap_or(u32::MAX));
            }
        }
    }

    pub fn tracked(&self) -> usize {
        self.pairs.len()
    }

    fn bound(&mut self, now: Instant, window: i64, key: (Ipv4Addr, Ipv4Addr)) {
        if self.pairs.len() < MAX_PAIRS || self.pairs.contains_key(&key) {
            return;
        }
        let t = now.as_micros();
        if self.last_sweep != Some(now.as_secs()) {
            self.last_sweep = Some(now.as_secs());
            self.pairs.retain(|_, p| {
                p.flagged_at.is_some() || p.conns.back().is_some_and(|(s, _)| t - s <= window)
            });
        }
        if self.pairs.len() >= MAX_PAIRS {
            self.pairs.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    const PC: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);
    const C2: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 99);

    /// Runs a schedule of (offset s, size) through the engine; returns the
    /// offset at which it was flagged.
    fn run(policy: &BeaconPolicy, schedule: &[(f64, usize)], name: Option<&str>) -> Option<f64> {
        let mut s = BeaconState::default();
        for (i, (t, size)) in schedule.iter().enumerate() {
            let now = Instant::from_micros((t * 1e6) as i64);
            let port = 1024 + (i % 60000) as u16;
            let hit = s.connection(policy, now, PC, C2, port, name);
            s.client_data(PC, C2, port, *size);
            if let Some(h) = hit {
                assert!(h.breakdown.score >= 0.8, "{:?}", h.breakdown);
                return Some(*t);
            }
        }
        None
    }

    #[test]
    fn a_jittered_30s_beacon_is_flagged_within_the_hour() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut t = 0.0;
        let mut schedule = Vec::new();
        while t < 7200.0 {
            schedule.push((t, 180));
            t += 30.0 + rng.random_range(-15.0..15.0);
        }
        let at = run(&BeaconPolicy::default(), &schedule, Some("c2.example"));
        let at = at.expect("flagged");
        assert!(at < 3600.0, "flagged at {at}");
    }

    #[test]
    fn an_update_poller_every_30_minutes_is_not_flagged() {
        let schedule: Vec<(f64, usize)> = (0..48).map(|i| (f64::from(i) * 1800.0, 240)).collect();
        assert_eq!(
            run(
                &BeaconPolicy::default(),
                &schedule,
                Some("poll.unknown.example")
            ),
            None
        );
    }

    #[test]
    fn a_fast_poller_is_spared_only_by_the_benign_list() {
        let schedule: Vec<(f64, usize)> = (0..240).map(|i| (f64::from(i) * 60.0, 300)).collect();
        let policy = BeaconPolicy::default();
        assert_eq!(run(&policy, &schedule, Some("v10.update.example")), None);
        assert!(run(&policy, &schedule, Some("telemetry.unknown.example")).is_some());
    }

    #[test]
    fn reopening_the_same_page_every_few_minutes_is_not_a_beacon() {
        // Identical small requests all hour long, but at a person's pace.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut t = 0.0;
        let mut schedule = Vec::new();
        while t < 4.0 * 3600.0 {
            schedule.push((t, 160));
            t += 120.0 + rng.random_range(-60.0..60.0);
        }
        assert_eq!(run(&BeaconPolicy::default(), &schedule, None), None);
    }

    #[test]
    fn browsing_is_not_a_beacon() {
        // Bursty: clusters of requests, then long gaps, varied sizes.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut t = 0.0;
        let mut schedule = Vec::new();
        for _ in 0..200 {
            let burst = rng.random_range(1..6);
            for _ in 0..burst {
                schedule.push((t, rng.random_range(200..1400usize)));
                t += rng.random_range(0.2..3.0);
            }
            t += rng.random_range(20.0..900.0);
        }
        assert_eq!(run(&BeaconPolicy::default(), &schedule, None), None);
    }

    #[test]
    fn score_parts_of_a_perfect_beacon() {
        let times: Vec<i64> = (0..120).map(|i| i * 30_000_000).collect();
        let b = score(&times, &[100; 120], 3_600_000_000, 60).expect("score");
        assert!((b.ts_skew - 1.0).abs() < 1e-9 && (b.ts_madm - 1.0).abs() < 1e-9);
        assert!((b.ts_count - 1.0).abs() < 1e-9);
        assert!(b.score > 0.99, "{b:?}");
        assert_eq!(Score::from_f64(0.8), Score(800));
    }
}
