//! Beacon scoring against schedules built here: beacons (30 s to 1 h, up to
//! 20 % jitter, missed check-ins, sizes varying by a few bytes) must be
//! flagged within the documented bound; benign periodic traffic (a POP3
//! poller, polls answered with content, people browsing, a tab refreshing in
//! office hours, an update service's spread checks) must not.

use super::*;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PC: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);
const C2: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 99);
/// 2017-10-06 00:00:00 JST.
const MIDNIGHT_JST: i64 = 1_507_215_600;

/// One connection as the gateway sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Conn {
    /// Seconds after [`MIDNIGHT_JST`].
    pub at: f64,
    request: usize,
    reply: usize,
    /// The server sends a banner before the client's request.
    server_first: bool,
}

impl Conn {
    fn beacon(at: f64, request: usize) -> Conn {
        Conn {
            at,
            request,
            reply: 180,
            server_first: false,
        }
    }
}

/// Runs connections through the engine; the index of the one flagged.
pub(super) fn run(
    policy: &BeaconPolicy,
    conns: &[Conn],
    name: Option<&str>,
) -> Option<(usize, Breakdown)> {
    let mut s = BeaconState::default();
    for (i, c) in conns.iter().enumerate() {
        let now = Instant::from_micros(MIDNIGHT_JST * 1_000_000 + (c.at * 1e6) as i64);
        let port = 1024 + (i % 60000) as u16;
        let hit = s.connection(policy, now, PC, C2, port, name);
        if c.server_first {
            s.server_data(PC, C2, port, 42);
        }
        s.client_data(PC, C2, port, c.request);
        s.server_data(PC, C2, port, c.reply);
        if let Some(h) = hit {
            assert!(
                Score::from_f64(h.breakdown.score) >= policy.threshold,
                "{:?}",
                h.breakdown
            );
            return Some((i, h.breakdown));
        }
    }
    None
}

/// A beacon's schedule as the generator makes it.
#[derive(Clone, Debug)]
pub(super) struct BeaconPlan {
    pub interval: f64,
    /// Fraction of the interval: each gap is `interval * (1 ± jitter)`.
    pub jitter: f64,
    pub start: f64,
    /// Probability that a check-in is missed.
    pub miss: f64,
    pub size: usize,
    /// Sizes vary by up to ± this.
    pub size_var: usize,
    pub seed: u64,
}

/// The bound the generator asserts: flagged by this check-in made (missed
/// ones not counted). Derived from the formula: with no check-in missed a
/// beacon is flagged at its 16th or 17th (`min_connections`); simulating
/// 1,200 schedules with 20 % jitter and 10 % of check-ins missed, the
/// latest was the 52nd (the misses lower ts_fill and leave fewer check-ins
/// in a 1 h beacon's day). 64 leaves a margin. It was first a bound on
/// scheduled check-ins, missed ones counted; a 35-minute beacon that
/// missed 14 of its first 63 (7.5 % each, a tail of about 1 in 10,000) was
/// flagged at its 52nd check-in made, the 65th scheduled: the scorer needs
/// check-ins, and misses only delay them.
const FLAGGED_BY_CHECK_IN: usize = 64;

impl BeaconPlan {
    /// Connections over twice [`FLAGGED_BY_CHECK_IN`] scheduled check-ins
    /// (with up to 10 % missed, more than that many are made).
    fn build(&self) -> (Vec<Conn>, f64) {
        self.build_n(2 * FLAGGED_BY_CHECK_IN)
    }

    pub(super) fn build_n(&self, slots: usize) -> (Vec<Conn>, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut t = self.start;
        let mut conns = Vec::new();
        let mut deadline = t;
        for slot in 1..=slots {
            if slot == 1 || !rng.random_bool(self.miss) {
                let v = self.size_var as i64;
                let size = self.size as i64 + rng.random_range(-v..=v);
                conns.push(Conn::beacon(t, size.max(1) as usize));
            }
            deadline = t;
            let j = self.interval * self.jitter;
            t += self.interval
                + if j > 0.0 {
                    rng.random_range(-j..=j)
                } else {
                    0.0
                };
        }
        (conns, deadline)
    }
}

fn beacon_plan() -> impl Strategy<Value = BeaconPlan> {
    (
        30.0f64..=3600.0,
        0.0f64..=0.2,
        0.0f64..86_400.0,
        0.0f64..=0.1,
        60usize..1500,
        0usize..=16,
        any::<u64>(),
    )
        .prop_map(
            |(interval, jitter, start, miss, size, size_var, seed)| BeaconPlan {
                interval,
                jitter,
                start,
                miss,
                size,
                size_var,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Class: beacons every 30 s to 1 h, jitter 0-20 %, any start, up to
    /// 10 % of check-ins missed, request sizes varying by up to ±16 bytes,
    /// idle replies. Flagged by its 64th check-in made.
    #[test]
    fn beacons_are_flagged_within_the_bound(plan in beacon_plan()) {
        let (conns, _) = plan.build();
        let hit = run(&BeaconPolicy::default(), &conns, Some("cdn.unlisted.example"));
        let (i, b) = hit.ok_or_else(|| TestCaseError::fail(format!("never flagged: {plan:?}")))?;
        prop_assert!(i < FLAGGED_BY_CHECK_IN, "flagged at check-in {} > {FLAGGED_BY_CHECK_IN}: {b:?}", i + 1);
    }

    /// Without missed check-ins and with jitter up to 10 %, by the 32nd (16
    /// to score, 3 in a row, and the jitter's noise). Near 20 % jitter the
    /// dispersion score sits near its threshold and three scores in a row
    /// above it can take longer: a 1,145 s beacon with 19.4 % jitter was
    /// flagged at the 42nd (kept in proptest-regressions), so past 10 % the
    /// bound is the policy's 64 of the property above.
    #[test]
    fn clean_beacons_are_flagged_by_the_32nd_check_in(plan in beacon_plan()) {
        let plan = BeaconPlan { miss: 0.0, ..plan };
        let (conns, _) = plan.build();
        let (i, _) = run(&BeaconPolicy::default(), &conns, None)
            .ok_or_else(|| TestCaseError::fail(format!("never flagged: {plan:?}")))?;
        let bound = if plan.jitter <= 0.1 { 32 } else { 64 };
        prop_assert!(i < bound, "flagged at check-in {} (bound {bound})", i + 1);
    }

    /// Class: a mail program polling POP3 every 1-30 minutes, exactly, for
    /// two days: the server greets first (guard 2).
    #[test]
    fn pop3_pollers_are_not_flagged(minutes in 1u32..=30, start in 0.0f64..3600.0) {
        let every = f64::from(minutes) * 60.0;
        let conns: Vec<Conn> = (0..)
            .map(|k| start + f64::from(k) * every)
            .take_while(|&t| t < 2.0 * 86_400.0)
            .map(|at| Conn { at, request: 14, reply: 60, server_first: true })
            .collect();
        prop_assert_eq!(run(&BeaconPolicy::default(), &conns, None).map(|h| h.0), None);
    }

    /// Class: a program polling a service every 1-60 minutes (± up to 20 %)
    /// that answers with content, 4 KiB to 200 KiB (guard 3).
    #[test]
    fn polls_answered_with_content_are_not_flagged(
        minutes in 1u32..=60,
        jitter in 0.0f64..=0.2,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let every = f64::from(minutes) * 60.0;
        let mut conns = Vec::new();
        let mut t = 0.0;
        while t < 2.0 * 86_400.0 {
            let reply = rng.random_range(4096..200_000);
            conns.push(Conn { at: t, request: 420, reply, server_first: false });
            let j = every * jitter;
            t += every + if j > 0.0 { rng.random_range(-j..=j) } else { 0.0 };
        }
        prop_assert_eq!(run(&BeaconPolicy::default(), &conns, None).map(|h| h.0), None);
    }

    /// Class: people browsing a site: visits of 1-8 page loads a few
    /// seconds apart, then a heavy-tailed pause (log-normal, median 1-20
    /// minutes), varied request sizes or all the same.
    #[test]
    fn browsing_is_not_flagged(
        median_pause in 60.0f64..1200.0,
        same_size in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut conns = Vec::new();
        let mut t = 0.0;
        while t < 2.0 * 86_400.0 {
            for _ in 0..rng.random_range(1..=8) {
                let request = if same_size { 400 } else { rng.random_range(250..1400) };
                conns.push(Conn { at: t, request, reply: 900, server_first: false });
                t += rng.random_range(0.2..8.0);
            }
            // Log-normal with sigma 1: exp(N(0, 1)) by Box-Muller.
            let (u1, u2): (f64, f64) = (rng.random_range(1e-9..1.0), rng.random());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            t += median_pause * z.exp();
        }
        prop_assert_eq!(run(&BeaconPolicy::default(), &conns, None).map(|h| h.0), None);
    }

    /// Class: a browser tab refreshing a page every 1-30 minutes, from
    /// 09:00 to 18:00 JST on three days, the page 4-120 KiB (guard 3).
    #[test]
    fn a_tab_refreshing_in_office_hours_is_not_flagged(
        minutes in 1u32..=30,
        page in 4096usize..120_000,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let every = f64::from(minutes) * 60.0;
        let mut conns = Vec::new();
        for day in 0..3 {
            let mut t = f64::from(day) * 86_400.0 + 9.0 * 3600.0 + rng.random_range(0.0..every);
            while t < f64::from(day) * 86_400.0 + 18.0 * 3600.0 {
                let reply = page + rng.random_range(0..64);
                conns.push(Conn { at: t, request: 520, reply, server_first: false });
                t += every + rng.random_range(0.0..0.5);
            }
        }
        prop_assert_eq!(run(&BeaconPolicy::default(), &conns, None).map(|h| h.0), None);
    }

    /// Class: Windows Update: a check every 22 hours less a random 0-20 %
    /// (its documented detection frequency), each check a burst of 1-6
    /// connections within a few seconds, replies small or large, for a
    /// week. Never 16 check-ins in a day (guard: `min_connections`).
    #[test]
    fn windows_update_checks_are_not_flagged(seed in any::<u64>(), big in any::<bool>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut conns = Vec::new();
        let mut t = rng.random_range(0.0..86_400.0);
        while t < 7.0 * 86_400.0 {
            let mut u = t;
            for _ in 0..rng.random_range(1..=6) {
                let reply = if big { rng.random_range(8192..2_000_000) } else { 300 };
                conns.push(Conn { at: u, request: 700, reply, server_first: false });
                u += rng.random_range(0.1..3.0);
            }
            t += 22.0 * 3600.0 * (1.0 - rng.random_range(0.0..=0.2));
        }
        prop_assert_eq!(run(&BeaconPolicy::default(), &conns, None).map(|h| h.0), None);
    }
}

/// The 5- and 60-minute beacons of the issue, 10 % jitter: within 6 and 24 h.
#[test]
fn five_and_sixty_minute_beacons_within_six_and_twenty_four_hours() {
    for (interval, bound_h) in [(300.0, 6.0), (3600.0, 24.0)] {
        let plan = BeaconPlan {
            interval,
            jitter: 0.1,
            start: 0.0,
            miss: 0.0,
            size: 230,
            size_var: 0,
            seed: 14,
        };
        let (conns, _) = plan.build();
        let (i, b) = run(&BeaconPolicy::default(), &conns, None).expect("flagged");
        let hours = conns[i].at / 3600.0;
        assert!(
            hours <= bound_h,
            "{interval}s beacon flagged after {hours} h: {b:?}"
        );
    }
}

#[test]
fn a_jittered_30s_beacon_is_flagged_within_the_hour() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut t = 0.0;
    let mut conns = Vec::new();
    while t < 7200.0 {
        conns.push(Conn::beacon(t, 180));
        t += 30.0 + rng.random_range(-15.0..15.0);
    }
    let (i, _) = run(&BeaconPolicy::default(), &conns, Some("c2.example")).expect("flagged");
    assert!(conns[i].at < 3600.0, "flagged at {}", conns[i].at);
}

/// Honest limits: traffic that is a beacon by every measure here is flagged
/// whatever it really is, as RITA would flag it.
#[test]
fn a_small_poller_is_spared_only_by_the_benign_list() {
    // Every 30 minutes, small request, small reply: flagged once a day has
    // given it 16 check-ins, unless its name is on the benign list.
    let conns: Vec<Conn> = (0..48)
        .map(|i| Conn::beacon(f64::from(i) * 1800.0, 240))
        .collect();
    let policy = BeaconPolicy::default();
    assert_eq!(run(&policy, &conns, Some("v10.update.example")), None);
    let (i, _) = run(&policy, &conns, Some("poll.unknown.example")).expect("flagged");
    assert_eq!(i + 1, 18);
    // Four hours of it (the unlisted-cnc-beacon scenario) are 8 check-ins.
    assert_eq!(
        run(&policy, &conns[..8], Some("poll.unknown.example")),
        None
    );
}

#[test]
fn a_tab_refreshing_a_tiny_page_is_flagged_like_a_beacon() {
    let conns: Vec<Conn> = (0..40)
        .map(|i| Conn::beacon(9.0 * 3600.0 + f64::from(i) * 300.0, 480))
        .collect();
    assert!(run(&BeaconPolicy::default(), &conns, None).is_some());
}

#[test]
fn the_guards_hold_only_for_most_check_ins() {
    // A beacon whose server greets first on one check-in in four, and whose
    // reply is large one time in four, is still a beacon.
    let conns: Vec<Conn> = (0..40)
        .map(|i| Conn {
            at: f64::from(i) * 300.0,
            request: 200,
            reply: if i % 4 == 0 { 50_000 } else { 100 },
            server_first: i % 4 == 1,
        })
        .collect();
    let (i, _) = run(&BeaconPolicy::default(), &conns, None).expect("flagged");
    assert_eq!(i + 1, 18);
}

#[test]
fn state_is_bounded() {
    let policy = BeaconPolicy::default();
    let mut s = BeaconState::default();
    // One pair calling every second for an hour keeps at most 256 check-ins,
    // and only one per 5 s.
    for k in 0..3600i64 {
        let now = Instant::from_secs(MIDNIGHT_JST + k);
        s.connection(&policy, now, PC, C2, 1024, None);
    }
    let pair = s.pairs.get(&(PC, C2)).expect("pair");
    assert_eq!(pair.ring.len(), MAX_CHECK_INS);
    // Many destinations: at most MAX_PAIRS, the least recently seen evicted.
    for k in 0..(MAX_PAIRS as u32 + 100) {
        let dst = Ipv4Addr::from(0xC633_0000 + k);
        let now = Instant::from_secs(MIDNIGHT_JST + 7200 + i64::from(k));
        s.connection(&policy, now, PC, dst, 2000, None);
    }
    assert_eq!(s.tracked(), MAX_PAIRS);
    assert!(
        !s.pairs.contains_key(&(PC, C2)),
        "the oldest pair went first"
    );
    assert_eq!(s.by_age.len(), s.pairs.len());
}

#[test]
fn a_flagged_pair_stays_blocked_after_its_history_is_evicted() {
    let policy = BeaconPolicy {
        action: BeaconAction::Block,
        ..BeaconPolicy::default()
    };
    let mut s = BeaconState::default();
    for k in 0..20i64 {
        let now = Instant::from_secs(MIDNIGHT_JST + k * 60);
        s.connection(&policy, now, PC, C2, 1024 + k as u16, None);
        s.client_data(PC, C2, 1024 + k as u16, 200);
    }
    assert!(s.blocked(&policy, PC, C2));
    for k in 0..(MAX_PAIRS as u32 + 1) {
        let now = Instant::from_secs(MIDNIGHT_JST + 7200 + i64::from(k));
        s.connection(
            &policy,
            now,
            PC,
            Ipv4Addr::from(0xC633_0000 + k),
            2000,
            None,
        );
    }
    assert!(!s.pairs.contains_key(&(PC, C2)));
    assert!(s.blocked(&policy, PC, C2));
}

#[test]
fn score_parts_of_a_perfect_beacon() {
    let times: Vec<i64> = (0..120).map(|i| i * 30_000_000).collect();
    let b = score(&times, &[100; 120]).expect("score");
    assert!((b.ts_skew - 1.0).abs() < 1e-9 && (b.ts_madm - 1.0).abs() < 1e-9);
    assert!((b.ts_fill - 1.0).abs() < 1e-9);
    assert!((b.interval_secs - 30.0).abs() < 1e-9);
    assert!(b.score > 0.99, "{b:?}");
    assert_eq!(Score::from_f64(0.8), Score(800));
}
