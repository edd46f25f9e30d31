//! Retention, statistics and the monthly report.

use super::TwinWorld;
use anyhow::{Context, Result, bail, ensure};
use appliance::Engine;
use appliance::store::stats::{day_start, plan_export};
use appliance::store::{Dimension, EventFilter, LogStore, Paging, StatsFilter};
use chrono::NaiveDate;
use cucumber::then;

fn date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{text:?} is not a date like 2017-09-26"))
}

fn one_day(day: NaiveDate) -> Result<StatsFilter> {
    let next = day.succ_opt().context("no day after that")?;
    Ok(StatsFilter {
        from: Some(day),
        until: Some(next),
        ..StatsFilter::default()
    })
}

#[then(expr = "the raw logs of {string} are gone")]
fn raw_logs_gone(world: &mut TwinWorld, day: String) -> Result<()> {
    let day = date(&day)?;
    let session = world.session()?;
    let filter = EventFilter {
        from: Some(day_start(day)),
        until: Some(day_start(day.succ_opt().context("no day after that")?)),
        ..EventFilter::default()
    };
    let left = session.store.count(&filter)?;
    ensure!(
        left == 0,
        "{left} raw log rows of {day} are still kept at {}",
        session.now().jst_string()
    );
    Ok(())
}

#[then(expr = "the statistics of {string} count {int} {string} detection(s) from {string}")]
fn statistics_count(
    world: &mut TwinWorld,
    day: String,
    expected: u64,
    kind: String,
    who: String,
) -> Result<()> {
    let engine =
        Engine::from_label(&kind).with_context(|| format!("unknown detection kind {kind:?}"))?;
    let ip = world.resolve_host(&who)?;
    let filter = StatsFilter {
        src_ip: Some(ip),
        ..one_day(date(&day)?)?
    }
    .engines(&[engine]);
    let session = world.session()?;
    let page = session.store.top(Dimension::SrcIp, &filter, Paging::ALL)?;
    ensure!(
        page.total_count == expected,
        "the statistics of {day} count {} {} detection(s) from {who}, expected {expected}",
        page.total_count,
        engine.label()
    );
    Ok(())
}

#[then(expr = "an export of {string} is refused, explaining that logs are kept {int} days")]
fn export_refused(world: &mut TwinWorld, day: String, days: u32) -> Result<()> {
    let day = date(&day)?;
    let session = world.session()?;
    let until = day_start(day.succ_opt().context("no day after that")?);
    match plan_export(day_start(day), until, session.now()) {
        Ok(plan) => bail!(
            "the export of {day} was accepted ({} .. {}, note {:?})",
            plan.from.jst_string(),
            plan.until.jst_string(),
            plan.note
        ),
        Err(why) => {
            ensure!(
                why.contains(&format!("kept {days} days")),
                "the refusal does not say logs are kept {days} days: {why}"
            );
            Ok(())
        }
    }
}
