//! `officetwin fleet`: many offices through one month, on every core, and
//! the fleet's totals beside the ones seed 000 gives for the whole service.
//!
//! Seed 000 counts, for one month of the whole fleet, 5.4万 connections to
//! C&C servers (1社あたり1.9件) and 10百万 accesses to malicious web sites
//! (1社あたり360件). Each office here is the template scenario (default
//! `ordinary-month`: the print shop's staff, their usual sites, the bad
//! sites some of them click through to, a C&C server) with what varies
//! between real offices drawn from the office's own ChaCha stream: how many
//! of the staff browse, how many click bad links and how exposed the office
//! is (the clicks' mean stays the seed's 360), and how many times a PC
//! calls a C&C server (Poisson, mean the seed's 1.9), when, and from which PC.
//! The gateway's detections are then counted from each office's log store:
//! the plan says what the offices did, the gateway says what it caught.

use crate::session::Session;
use anyhow::{Context, Result, bail};
use appliance::{Engine, Instant};
use cloud::report::Month;
use cloud::store::stats::day_start;
use cloud::store::{EventFilter, LogStore};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::time::Duration;
use twin::catalog::Catalog;
use twin::model::{ActorKind, ActorSpec, Scenario, ScriptedRequest};
use twin::web::HttpUrl;
use twin::world::WorldOptions;

/// Seed 000's monthly figures for the whole service (遠隔サーバとの通信 5.4万件,
/// 不正Webへの通信 10百万件) and per company (1.9件, 360件).
pub const SEED_CNC_PER_OFFICE: f64 = 1.9;
pub const SEED_WEB_PER_OFFICE: f64 = 360.0;
pub const SEED_CNC_FLEET: f64 = 54_000.0;
pub const SEED_WEB_FLEET: f64 = 10_000_000.0;

/// Office hours of the template's browsing (9:00-18:00 JST), every day.
const OFFICE_HOURS: (u8, u8) = (9, 18);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub offices: usize,
    pub month: Month,
    /// The scenario every office is made from.
    pub template: String,
    /// The fleet's seed: office `i` draws from its stream `i`.
    pub seed: u64,
    /// Offices run at once (at least 1).
    pub jobs: usize,
    /// Simulate only the month's first days (tests; `None`: the whole month).
    pub days: Option<u32>,
}

/// One office as drawn, before it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub index: usize,
    pub seed: u64,
    /// Staff who browse (the first ones of the template's).
    pub staff: usize,
    /// Of them, those who click bad links.
    pub clickers: usize,
    /// The clicks the office's exposure makes likely in the whole month.
    pub expected_clicks: f64,
    /// The C&C calls, at these times, from this PC.
    pub cnc_calls: Vec<Instant>,
    pub cnc_host: Option<String>,
}

/// What one office gave.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeResult {
    pub plan: Plan,
    /// C&C callback detections in its log store.
    pub cnc: u64,
    /// Web reputation detections (malicious sites).
    pub web: u64,
}

/// The fleet's month.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub offices: Vec<OfficeResult>,
    pub wall: Duration,
}

/// The template's parts an office is made of.
struct Template {
    scenario: Scenario,
    /// Browsing actors of the ordinary staff (safe sites), one per PC.
    staff: Vec<ActorSpec>,
    /// The bad links clicked, and the C&C server's URLs.
    bad_urls: Vec<String>,
    cnc_urls: Vec<String>,
}

impl Template {
    fn from(scenario: Scenario) -> Result<Template> {
        let mut staff = Vec::new();
        let mut bad_urls: Vec<String> = Vec::new();
        let mut cnc_urls: Vec<String> = Vec::new();
        for actor in &scenario.actors {
            match &actor.kind {
                ActorKind::Browse { urls, .. }
                    if urls.iter().all(|u| rated_dangerous(&scenario, u)) =>
                {
                    for url in urls {
                        if !bad_urls.contains(url) {
                            bad_urls.push(url.clone());
                        }
                    }
                }
                ActorKind::Browse { .. } => staff.push(actor.clone()),
                ActorKind::Beacon { urls, .. } => {
                    for url in urls {
                        if !cnc_urls.contains(url) {
                            cnc_urls.push(url.clone());
                        }
                    }
                }
            }
        }
        if staff.is_empty() || bad_urls.is_empty() || cnc_urls.is_empty() {
            bail!(
                "scenario {} cannot be a fleet template: it needs staff browsing safe sites, \
                 someone browsing sites its intel rates dangerous, and a beacon (found {} staff, \
                 {} bad URLs, {} C&C URLs)",
                scenario.id,
                staff.len(),
                bad_urls.len(),
                cnc_urls.len()
            );
        }
        Ok(Template {
            scenario,
            staff,
            bad_urls,
            cnc_urls,
        })
    }
}

/// Whether the scenario's own intel rates the URL's site dangerous (0-50),
/// the band blocked at every web reputation level.
fn rated_dangerous(scenario: &Scenario, url: &str) -> bool {
    HttpUrl::parse(url).is_ok_and(|url| {
        scenario
            .intel
            .web
            .get(&url.host)
            .is_some_and(|rating| rating.score <= 50)
    })
}

/// One Poisson draw (Knuth: fine for the small means of a month).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> usize {
    let limit = (-mean).exp();
    let mut product: f64 = rng.random();
    let mut n = 0;
    while product > limit && n < 1000 {
        n += 1;
        product *= rng.random::<f64>();
    }
    n
}

/// Draws office `index` of a fleet.
fn plan_office(template: &Template, options: &Options, index: usize) -> Plan {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(index as u64);
    let most = template.staff.len();
    let staff = rng.random_range(most.div_ceil(3).max(1)..=most);
    let clickers = rng.random_range(1..=staff.min(5));
    // How exposed the office is: uniform on [0.25, 1.75), mean 1.
    let exposure = 0.25 + 1.5 * rng.random::<f64>();
    let days = options
        .days
        .unwrap_or(options.month.days())
        .min(options.month.days());
    let month_share = f64::from(days) / f64::from(options.month.days().max(1));
    let expected_clicks = SEED_WEB_PER_OFFICE * exposure * month_share;
    let calls = poisson(&mut rng, SEED_CNC_PER_OFFICE * month_share);
    let start = day_start(options.month.first_day());
    let mut cnc_calls: Vec<Instant> = (0..calls)
        .map(|_| {
            let day = rng.random_range(0..i64::from(days.max(1)));
            let second = rng
                .random_range(i64::from(OFFICE_HOURS.0) * 3600..i64::from(OFFICE_HOURS.1) * 3600);
            Instant::from_secs(start.as_secs() + day * 86_400 + second)
        })
        .collect();
    cnc_calls.sort();
    let cnc_host =
        (!cnc_calls.is_empty()).then(|| template.staff[rng.random_range(0..staff)].host.clone());
    Plan {
        index,
        seed: rng.random(),
        staff,
        clickers,
        expected_clicks,
        cnc_calls,
        cnc_host,
    }
}

/// The scenario of one planned office.
fn office_scenario(template: &Template, options: &Options, plan: &Plan) -> Scenario {
    let mut scenario = template.scenario.clone();
    let days = options
        .days
        .unwrap_or(options.month.days())
        .min(options.month.days());
    let start = day_start(options.month.first_day());
    scenario.id = format!("fleet-{:05}", plan.index);
    scenario.seed = plan.seed;
    scenario.start = start;
    scenario.duration = Duration::from_secs(u64::from(days) * 86_400);
    scenario.online_since = None;
    scenario.timeline.clear();
    let staff = &template.staff[..plan.staff];
    let mut actors: Vec<ActorSpec> = staff
        .iter()
        .map(|a| ActorSpec {
            program: None,
            start: None,
            stop: None,
            ..a.clone()
        })
        .collect();
    // Each clicker opens a bad link every `interval` of office hours, so the
    // office makes `expected_clicks` in its days.
    let office_hours = f64::from(days) * f64::from(OFFICE_HOURS.1 - OFFICE_HOURS.0) * 3600.0;
    let interval = office_hours * plan.clickers as f64 / plan.expected_clicks.max(1.0);
    let interval = Duration::from_secs_f64(interval.max(60.0));
    for actor in staff.iter().take(plan.clickers) {
        actors.push(ActorSpec {
            program: None,
            host: actor.host.clone(),
            start: None,
            stop: None,
            kind: ActorKind::Browse {
                urls: template.bad_urls.clone(),
                interval,
                jitter: interval.mul_f64(0.45),
                hours: Some(OFFICE_HOURS),
            },
        });
    }
    if let (Some(host), Some(last)) = (&plan.cnc_host, plan.cnc_calls.last()) {
        let url = &template.cnc_urls[0];
        actors.push(ActorSpec {
            program: None,
            host: host.clone(),
            start: Some(start),
            // The malware gives up after its last call.
            stop: Some(Instant::from_secs(last.as_secs() + 60)),
            kind: ActorKind::Beacon {
                urls: template.cnc_urls.clone(),
                script: plan
                    .cnc_calls
                    .iter()
                    .map(|&at| ScriptedRequest {
                        at,
                        url: url.clone(),
                    })
                    .collect(),
                interval: Duration::from_secs(31 * 86_400),
                jitter: Duration::ZERO,
            },
        });
    }
    scenario.actors = actors;
    scenario
}

/// The offices a fleet run would simulate, drawn but not run.
pub fn plans(catalog: &Catalog, options: &Options) -> Result<Vec<Plan>> {
    let template = Template::from(catalog.scenario(&options.template)?)?;
    Ok((0..options.offices)
        .map(|i| plan_office(&template, options, i))
        .collect())
}

/// Runs the fleet; `progress` is called with (offices done, offices) as
/// each finishes, from the worker that finished it.
pub fn run(
    catalog: &Catalog,
    options: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Fleet> {
    let template = Template::from(catalog.scenario(&options.template)?)?;
    let wall = std::time::Instant::now();
    let offices = crate::pool::run_indexed(
        "fleet",
        options.offices,
        options.jobs,
        || (),
        |(), i| run_office(&template, options, i),
        |finished, _, _| progress(finished, options.offices),
    )?
    .into_iter()
    .enumerate()
    .map(|(i, result)| result.with_context(|| format!("office {i}")))
    .collect::<Result<Vec<_>>>()?;
    Ok(Fleet {
        offices,
        wall: wall.elapsed(),
    })
}

fn run_office(template: &Template, options: &Options, index: usize) -> Result<OfficeResult> {
    let plan = plan_office(template, options, index);
    let scenario = office_scenario(template, options, &plan);
    let mut session = Session::new(scenario, WorldOptions { capture: false })?;
    session.run_to_end()?;
    let events = session.cloud.store.events(&EventFilter::default())?;
    let count = |engine: Engine| events.iter().filter(|e| e.engine == engine).count() as u64;
    Ok(OfficeResult {
        cnc: count(Engine::Cnc),
        web: count(Engine::WebReputation),
        plan,
    })
}

impl Fleet {
    pub fn totals(&self) -> (u64, u64) {
        (
            self.offices.iter().map(|o| o.cnc).sum(),
            self.offices.iter().map(|o| o.web).sum(),
        )
    }

    /// The totals beside the seed's, as `officetwin fleet` prints them.
    pub fn table(&self, options: &Options) -> String {
        let n = self.offices.len().max(1) as f64;
        let (cnc, web) = self.totals();
        let planned_cnc: usize = self.offices.iter().map(|o| o.plan.cnc_calls.len()).sum();
        let seed_fleet = SEED_CNC_FLEET / SEED_CNC_PER_OFFICE;
        let days = options.days.unwrap_or(options.month.days());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "fleet of {} offices, {} ({} days), template {}, seed {}",
            self.offices.len(),
            options.month,
            days,
            options.template,
            options.seed
        );
        let _ = writeln!(
            out,
            "{:<34} {:>12} {:>11} {:>11} {:>16} {:>16}",
            "detections in the month",
            "this fleet",
            "per office",
            "seed/office",
            "scaled to seed",
            "seed's fleet"
        );
        for (what, total, per_seed, fleet_seed) in [
            ("C&C callbacks", cnc, SEED_CNC_PER_OFFICE, SEED_CNC_FLEET),
            (
                "malicious web sites",
                web,
                SEED_WEB_PER_OFFICE,
                SEED_WEB_FLEET,
            ),
        ] {
            let _ = writeln!(
                out,
                "{:<34} {:>12} {:>11.2} {:>11.1} {:>16.0} {:>16.0}",
                what,
                total,
                total as f64 / n,
                per_seed,
                total as f64 / n * seed_fleet,
                fleet_seed
            );
        }
        let _ = writeln!(
            out,
            "(\"scaled to seed\": per office times the seed's {seed_fleet:.0} offices, 54,000 / 1.9; \
             C&C calls planned {planned_cnc}, detected {cnc})"
        );
        let _ = writeln!(
            out,
            "wall {:.1} s, {:.2} office-months per second",
            self.wall.as_secs_f64(),
            n / self.wall.as_secs_f64().max(1e-9)
        );
        out
    }

    /// One row per office: what was drawn and what the gateway caught.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "office,seed,staff,clickers,expected_clicks,cnc_planned,cnc_host,cnc_detected,web_detected\n",
        );
        for o in &self.offices {
            let p = &o.plan;
            let _ = writeln!(
                out,
                "{},{},{},{},{:.1},{},{},{},{}",
                p.index,
                p.seed,
                p.staff,
                p.clickers,
                p.expected_clicks,
                p.cnc_calls.len(),
                p.cnc_host.as_deref().unwrap_or(""),
                o.cnc,
                o.web
            );
        }
        out
    }
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests;
