//! `officetwin demo`: a seed incident told to an audience.
//!
//! The twin runs the scenario on its virtual clock, fast through the quiet
//! hours before the script's `from`, then paced to wall time (`--speed 600x`:
//! ten virtual minutes a second) or one moment per key press (`--step`). A
//! [`Narrator`] watches the running twin and tells each moment of the demo
//! script when it comes true; the console, served beside it, shows the same
//! moments and the logs as they grow.

use crate::live::LiveTwin;
use anyhow::{Result, bail};
use appliance::Instant;
use cloud::Lang;
use cloud::console::source::{Story, Text, Told};
use cloud::labels::tf;
use cloud::store::{EventFilter, LogStore};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use twin::demo::{Act, DemoScript, Trigger};

/// How often the paced demo advances the twin (wall time).
pub const TICK: Duration = Duration::from_millis(100);

/// The most virtual time the twin runs between two looks for moments, at
/// any speed: a moment (and the desk's action it carries) is told at most
/// this long after it came true.
pub const MAX_SLICE: Duration = Duration::from_secs(60);

/// How long a paced demo holds after telling a moment, so it can be read.
pub const MOMENT_HOLD: Duration = Duration::from_secs(3);

/// Parses `600x`, `60`, `1x`: virtual seconds per wall second.
pub fn parse_speed(text: &str) -> Result<f64> {
    let number = text.trim().trim_end_matches(['x', 'X']);
    match number.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => bail!("`{text}` is not a speed: write e.g. `600x` (ten virtual minutes per second)"),
    }
}

/// Tells a demo script's moments as they come true.
pub struct Narrator {
    script: DemoScript,
    next: usize,
    last_told: Option<Instant>,
}

impl Narrator {
    pub fn new(script: DemoScript) -> Narrator {
        Narrator {
            script,
            next: 0,
            last_told: None,
        }
    }

    pub fn script(&self) -> &DemoScript {
        &self.script
    }

    pub fn finished(&self) -> bool {
        self.next >= self.script.moments.len()
    }

    /// The virtual instant at which the next moment comes true by the clock
    /// alone (`at`, `after`), so the runner can stop exactly there.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.script.moments.get(self.next)?.when {
            Trigger::At(t) => Some(*t),
            Trigger::After(d) => self.last_told.map(|t| t + *d),
            _ => None,
        }
    }

    /// The moments that came true in `twin`'s present, in order, told; a
    /// moment's action is done in the console as it is told, so the next
    /// moment already sees its effect.
    pub fn poll(&mut self, twin: &mut LiveTwin) -> Result<Vec<Told>> {
        let mut told = Vec::new();
        while let Some(moment) = self.script.moments.get(self.next) {
            let Some(at) = self.came_true(&moment.when, twin)? else {
                break;
            };
            let count = twin.session.cloud.store.count(&EventFilter::default())?;
            let fill = |s: &str| s.replace("{count}", &format_count(count));
            let (mut ja, mut en) = (fill(&moment.text.ja), fill(&moment.text.en));
            if let Some(act) = &moment.act
                && let Err(reason) = perform(act, twin)
            {
                // Told, not hidden: the trainer sees what the console said.
                let reason = [("reason", reason)];
                ja.push_str(&tf("demo_change_failed", Lang::Ja, &reason));
                en.push_str(&tf("demo_change_failed", Lang::En, &reason));
            }
            told.push(Told {
                at: at.jst_string(),
                ja,
                en,
                show: moment.show.clone(),
            });
            self.last_told = Some(at);
            self.next += 1;
        }
        Ok(told)
    }

    /// When `trigger` came true, if it has.
    fn came_true(&self, trigger: &Trigger, twin: &LiveTwin) -> Result<Option<Instant>> {
        let now = twin.session.now();
        let world = &twin.session.world;
        Ok(match trigger {
            Trigger::At(t) => (now >= *t).then_some(*t),
            Trigger::After(d) => self.last_told.map(|t| t + *d).filter(|t| now >= *t),
            Trigger::Detection {
                engine,
                src_ip,
                count,
            } => {
                let filter = EventFilter {
                    engine: Some(*engine),
                    src_ip: *src_ip,
                    ..EventFilter::default()
                };
                let store = &twin.session.cloud.store;
                if store.count(&filter)? >= *count {
                    // Told at the time of the very event, not at the end of the slice.
                    let events = store.events(&filter)?;
                    let index = usize::try_from(*count)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(1);
                    events.get(index).map(|e| e.time).or(Some(now))
                } else {
                    None
                }
            }
            Trigger::Alert(n) => {
                let desk = world.mailbox(&twin.session.scenario.gateway.alerts.to);
                n.checked_sub(1)
                    .and_then(|i| desk.get(i))
                    .map(|mail| mail.received)
            }
            Trigger::Isolated(host) => world.isolated_at(host),
            Trigger::Loaded { host, url } => {
                let since = self.last_told.unwrap_or(twin.session.world.start());
                let hosts: Vec<&str> = match host {
                    Some(h) => vec![h.as_str()],
                    None => world.host_names().collect(),
                };
                hosts
                    .iter()
                    .flat_map(|h| world.exchanges(h))
                    .filter(|e| e.url == *url && e.status == Some(200) && e.finished >= since)
                    .map(|e| e.finished)
                    .min()
            }
            Trigger::Quiet {
                host,
                ip,
                quiet_for,
            } => world.isolated_at(host).and_then(|isolated| {
                let last = world.last_wan_egress_from(*ip).unwrap_or(isolated);
                let since = last.max(isolated) + *quiet_for;
                (now >= since).then_some(since)
            }),
        }
        .map(|t| t.min(now)))
    }
}

/// Does a demo's action through the console's own machinery, so the
/// console shows it (the draft, the deploy and its status) like the desk's.
fn perform(act: &Act, twin: &mut LiveTwin) -> Result<(), String> {
    use cloud::console::profile::{ListKind, ListOp};
    use cloud::console::source::Source;
    match act {
        Act::AllowAndDeploy(entry) => {
            twin.edit_list(ListKind::Allow, ListOp::Add, entry)?;
            twin.deploy_all()
        }
    }
}

fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How the demo is paced.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Virtual seconds per wall second.
    Speed(f64),
    /// As fast as possible, waiting for `wait` after each moment told.
    Step,
    /// As fast as possible, no waiting (tests, screenshots).
    Unpaced,
}

fn lock(m: &Mutex<LiveTwin>) -> MutexGuard<'_, LiveTwin> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the demo to the scenario's end. `tell` hears each moment as it is
/// told; `wait` is called after each one in step mode (a key press).
pub fn run(
    live: &Arc<Mutex<LiveTwin>>,
    narrator: &mut Narrator,
    pace: Pace,
    tell: &mut dyn FnMut(&Told),
    wait: &mut dyn FnMut(),
) -> Result<()> {
    let speed_label = match pace {
        Pace::Speed(s) => format!("{s}x"),
        Pace::Step => "step".to_string(),
        Pace::Unpaced => "max".to_string(),
    };
    let end = {
        let mut twin = lock(live);
        twin.story = Some(Story {
            title: Some(Text {
                ja: narrator.script().title.ja.clone(),
                en: narrator.script().title.en.clone(),
            }),
            speed: speed_label,
            told: Vec::new(),
            finished: false,
        });
        let from = narrator.script().paced_from;
        twin.session.run_until(from)?;
        twin.session.world.end()
    };
    let mut wall_anchor = std::time::Instant::now();
    let mut virtual_anchor = lock(live).session.now();
    loop {
        let (told, now) = {
            let mut twin = lock(live);
            let now = twin.session.now();
            if now >= end {
                if let Some(story) = twin.story.as_mut() {
                    story.finished = true;
                }
                break;
            }
            let step = match pace {
                Pace::Speed(s) => Duration::from_secs_f64(TICK.as_secs_f64() * s).min(MAX_SLICE),
                // Small enough that a moment is told close to when it happens.
                Pace::Step | Pace::Unpaced => Duration::from_secs(30),
            };
            let mut target = (now + step).min(end);
            if let Some(deadline) = narrator.deadline()
                && deadline > now
            {
                target = target.min(deadline);
            }
            twin.session.run_until(target)?;
            let told = narrator.poll(&mut twin)?;
            if let Some(story) = twin.story.as_mut() {
                story.told.extend(told.iter().cloned());
            }
            (told, twin.session.now())
        };
        for moment in &told {
            tell(moment);
            if matches!(pace, Pace::Step) {
                wait();
            }
        }
        if let Pace::Speed(speed) = pace {
            if !told.is_empty() {
                // Give the audience time to read; the clock resumes from here.
                std::thread::sleep(MOMENT_HOLD * told.len() as u32);
                wall_anchor = std::time::Instant::now();
                virtual_anchor = now;
                continue;
            }
            let due =
                Duration::from_secs_f64(now.saturating_since(virtual_anchor).as_secs_f64() / speed);
            let elapsed = wall_anchor.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!(parse_speed("600x").unwrap(), 600.0);
        assert_eq!(parse_speed("60").unwrap(), 60.0);
        assert!(parse_speed("0x").is_err());
        assert!(parse_speed("fast").is_err());
        assert!(parse_speed("-5x").is_err());
    }

    #[test]
    fn counts_have_separators() {
        assert_eq!(format_count(1146), "1,146");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000_000), "1,000,000");
    }
}
