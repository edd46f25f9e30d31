//! Actors: the programs and people on office hosts that make traffic, each
//! deciding *when* to act and *what* to open. The world does the opening.
//!
//! Every actor draws from its own ChaCha stream derived from the scenario
//! seed and the actor's index, so adding or removing one actor never moves
//! another's requests.

use crate::model::{ActorKind, ActorSpec, ScriptedRequest};
use appliance::Instant;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Stream numbers of the scenario seed's ChaCha streams, all in one place so
/// no two users share one: actors use `ACTOR_STREAMS + index`, hosts
/// `HOST_STREAMS + index`, scripted sequences `SCRIPTED_STREAMS + index`; the
/// internet's TLS randoms and its mail senders' source ports one each.
pub const ACTOR_STREAMS: u64 = 1 << 32;
pub const HOST_STREAMS: u64 = 2 << 32;
pub const SCRIPTED_STREAMS: u64 = 3 << 32;
pub const TLS_STREAM: u64 = 4 << 32;
pub const MAIL_STREAM: u64 = 5 << 32;

/// The ChaCha stream `stream` of the scenario seed.
pub fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// The shortest gap between two actions of one actor, so a zero interval
/// cannot stall the clock.
const MIN_GAP: Duration = Duration::from_millis(1);

/// One running actor.
#[derive(Debug)]
pub struct Actor {
    /// Index of the host it runs on.
    pub host: usize,
    kind: ActorKind,
    start: Instant,
    stop: Option<Instant>,
    rng: ChaCha8Rng,
    /// The beacon's scripted requests at or after `start`, in time order.
    script: Vec<ScriptedRequest>,
    script_next: usize,
    /// The file it runs from, and whether it has been stopped for good.
    program: Option<String>,
    ended: bool,
}

impl Actor {
    pub fn new(
        index: usize,
        host: usize,
        spec: &ActorSpec,
        scenario_start: Instant,
        seed: u64,
    ) -> Actor {
        let start = spec.start.unwrap_or(scenario_start);
        let mut script = match &spec.kind {
            ActorKind::Beacon { script, .. } => script
                .iter()
                .filter(|s| s.at >= start && spec.stop.is_none_or(|stop| s.at < stop))
                .cloned()
                .collect(),
            ActorKind::Browse { .. } => Vec::new(),
        };
        script.sort_by_key(|s| s.at);
        Actor {
            host,
            kind: spec.kind.clone(),
            start,
            stop: spec.stop,
            rng: stream_rng(seed, ACTOR_STREAMS + index as u64),
            script,
            script_next: 0,
            program: spec.program.clone(),
            ended: false,
        }
    }

    /// When the actor first acts, if ever.
    pub fn first_wake(&mut self) -> Option<Instant> {
        let at = match &self.kind {
            ActorKind::Beacon { .. } => match self.script.first() {
                Some(s) => s.at,
                // Malware calls home as soon as it runs.
                None => self.start,
            },
            ActorKind::Browse {
                interval, hours, ..
            } => {
                let (interval, hours) = (*interval, *hours);
                // People do not all click at the same microsecond.
                let t = self.start + self.uniform(interval);
                self.within_hours(t, hours, interval)
            }
        };
        self.before_stop(at)
    }

    /// The actor's wake-up is due at `now`: what it opens now (if anything)
    /// and when it next wakes (if ever).
    /// The program at `path` on the actor's host stopped (its file
    /// quarantined, deleted or cleaned, or the program killed): if that is
    /// this actor's program, it makes no further request.
    pub fn program_stopped(&mut self, path: &str) {
        if self
            .program
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(path))
        {
            self.ended = true;
        }
    }

    pub fn fire(&mut self, now: Instant) -> (Option<String>, Option<Instant>) {
        if self.ended || self.stop.is_some_and(|stop| now >= stop) {
            return (None, None);
        }
        match self.kind.clone() {
            ActorKind::Beacon {
                urls,
                interval,
                jitter,
                ..
            } => {
                if let Some(s) = self.script.get(self.script_next).filter(|s| s.at <= now) {
                    let url = s.url.clone();
                    self.script_next += 1;
                    let next = match self.script.get(self.script_next) {
                        Some(s) => Some(s.at),
                        None if urls.is_empty() => None,
                        None => Some(self.jittered(now, interval, jitter)),
                    };
                    return (Some(url), next.and_then(|t| self.before_stop(t)));
                }
                if urls.is_empty() {
                    return (None, None);
                }
                let url = urls[self.rng.random_range(0..urls.len())].clone();
                let next = self.jittered(now, interval, jitter);
                (Some(url), self.before_stop(next))
            }
            ActorKind::Browse {
                urls,
                interval,
                jitter,
                hours,
            } => {
                if urls.is_empty() {
                    return (None, None);
                }
                if !in_hours(now, hours) {
                    let next = self.within_hours(now, hours, interval);
                    return (None, self.before_stop(next));
                }
                let url = urls[self.rng.random_range(0..urls.len())].clone();
                let next = self.jittered(now, interval, jitter);
                let next = self.within_hours(next, hours, interval);
                (Some(url), self.before_stop(next))
            }
        }
    }

    fn before_stop(&self, at: Instant) -> Option<Instant> {
        match self.stop {
            Some(stop) if at >= stop => None,
            _ => Some(at),
        }
    }

    /// A uniformly random duration in `[0, d)`.
    fn uniform(&mut self, d: Duration) -> Duration {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        if us == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros(self.rng.random_range(0..us))
    }

    /// `now + interval ± jitter`, never less than [`MIN_GAP`] ahead.
    fn jittered(&mut self, now: Instant, interval: Duration, jitter: Duration) -> Instant {
        let j = i64::try_from(jitter.as_micros()).unwrap_or(i64::MAX / 4);
        let offset = if j > 0 {
            self.rng.random_range(-j..=j)
        } else {
            0
        };
        let base = i64::try_from(interval.as_micros()).unwrap_or(i64::MAX / 4);
        let gap = (base + offset).max(MIN_GAP.as_micros() as i64);
        Instant::from_micros(now.as_micros().saturating_add(gap))
    }

    /// `t` if inside the JST working hours, else a random moment in the
    /// first `interval` of the next window.
    fn within_hours(&mut self, t: Instant, hours: Option<(u8, u8)>, interval: Duration) -> Instant {
        let Some((from, to)) = hours else { return t };
        if in_hours(t, hours) {
            return t;
        }
        let open = next_opening(t, from);
        let window = Duration::from_secs(u64::from((to + 24 - from) % 24).max(1) * 3600);
        open + self.uniform(interval.min(window))
    }
}

const JST_OFFSET_SECS: i64 = 9 * 3600;
const DAY_SECS: i64 = 86_400;

/// The JST hour of day of `t` (0..24).
pub fn jst_hour(t: Instant) -> u8 {
    ((t.as_secs() + JST_OFFSET_SECS).rem_euclid(DAY_SECS) / 3600) as u8
}

/// Whether `t` falls in the JST hour range `[from, to)`; ranges may wrap midnight.
pub fn in_hours(t: Instant, hours: Option<(u8, u8)>) -> bool {
    let Some((from, to)) = hours else { return true };
    let h = jst_hour(t);
    match from.cmp(&to) {
        std::cmp::Ordering::Less => h >= from && h < to,
        std::cmp::Ordering::Greater => h >= from || h < to,
        std::cmp::Ordering::Equal => true,
    }
}

/// The first JST `hour:00:00` strictly after `t`.
fn next_opening(t: Instant, hour: u8) -> Instant {
    let local = t.as_secs() + JST_OFFSET_SECS;
    let day_start = local - local.rem_euclid(DAY_SECS);
    let mut open = day_start + i64::from(hour) * 3600;
    if open <= local {
        open += DAY_SECS;
    }
    Instant::from_secs(open - JST_OFFSET_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2017-09-26 00:00:00 JST.
    const MIDNIGHT: Instant = Instant::from_secs(1_506_351_600);

    fn at(h: i64, m: i64) -> Instant {
        MIDNIGHT + Duration::from_secs((h * 60 + m) as u64 * 60)
    }

    fn browse(hours: Option<(u8, u8)>) -> ActorSpec {
        ActorSpec {
            program: None,
            host: "PC-01".into(),
            start: None,
            stop: None,
            kind: ActorKind::Browse {
                urls: vec!["http://a.example/".into(), "http://b.example/".into()],
                interval: Duration::from_secs(600),
                jitter: Duration::from_secs(120),
                hours,
            },
        }
    }

    #[test]
    fn hours_are_jst() {
        assert_eq!(jst_hour(at(10, 9)), 10);
        assert!(in_hours(at(9, 0), Some((9, 18))));
        assert!(!in_hours(at(18, 0), Some((9, 18))));
        assert!(in_hours(at(23, 0), Some((22, 6))));
        assert_eq!(next_opening(at(18, 30), 9), at(33, 0));
        assert_eq!(next_opening(at(7, 0), 9), at(9, 0));
    }

    #[test]
    fn browse_stays_in_hours_and_jitters() {
        let mut actor = Actor::new(0, 0, &browse(Some((9, 18))), at(0, 0), 42);
        let mut t = actor.first_wake().expect("first");
        let mut opened = 0;
        while t < at(48, 0) {
            let (url, next) = actor.fire(t);
            if url.is_some() {
                assert!(in_hours(t, Some((9, 18))), "{t}");
                opened += 1;
            }
            t = next.expect("runs forever");
        }
        // Two 9-hour days at one page per ~10 minutes.
        assert!((100..=115).contains(&opened), "{opened}");
    }

    #[test]
    fn beacon_script_then_periodic_until_stop() {
        let spec = ActorSpec {
            program: None,
            host: "PC-XP".into(),
            start: Some(at(10, 9)),
            stop: Some(at(11, 9)),
            kind: ActorKind::Beacon {
                urls: vec!["http://c2.example/a".into()],
                script: vec![
                    ScriptedRequest {
                        at: at(10, 10),
                        url: "http://c2.example/s2".into(),
                    },
                    ScriptedRequest {
                        at: at(10, 9),
                        url: "http://c2.example/s1".into(),
                    },
                ],
                interval: Duration::from_secs(30),
                jitter: Duration::from_secs(15),
            },
        };
        let mut actor = Actor::new(3, 0, &spec, at(0, 0), 1);
        let t0 = actor.first_wake().expect("first");
        assert_eq!(t0, at(10, 9));
        let (url, next) = actor.fire(t0);
        assert_eq!(url.as_deref(), Some("http://c2.example/s1"));
        assert_eq!(next, Some(at(10, 10)));
        let (url, mut next) = actor.fire(at(10, 10));
        assert_eq!(url.as_deref(), Some("http://c2.example/s2"));
        let mut last = at(10, 10);
        let mut count = 0;
        while let Some(t) = next {
            let gap = t.saturating_since(last).as_secs();
            assert!((15..=45).contains(&gap), "{gap}");
            let (url, n) = actor.fire(t);
            assert_eq!(url.as_deref(), Some("http://c2.example/a"));
            last = t;
            next = n;
            count += 1;
        }
        assert!(last < at(11, 9));
        assert!((100..=140).contains(&count), "{count}");
    }

    #[test]
    fn streams_are_independent_of_other_actors() {
        let a = Actor::new(0, 0, &browse(None), at(0, 0), 7).first_wake();
        let b = Actor::new(1, 0, &browse(None), at(0, 0), 7).first_wake();
        let a2 = Actor::new(0, 5, &browse(None), at(0, 0), 7).first_wake();
        assert_eq!(a, a2);
        assert_ne!(a, b);
    }
}
