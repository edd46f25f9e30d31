//! Loading scenarios and moving the virtual clock.

use super::{DurationParam, RunOutput, TwinWorld, catalog, on_pool};
use anyhow::Result;
use cloud::store::{EventFilter, ExportOptions, LogStore};
use cucumber::{given, then, when};
use officetwin::session::Session;
use twin::world::WorldOptions;

#[given(expr = "the scenario {string}")]
fn the_scenario(world: &mut TwinWorld, id: String) -> Result<()> {
    let net = officetwin::tun_cmd::net_from_env()?;
    world.session = Some(officetwin::tun_cmd::session_on(
        net,
        &catalog()?,
        &id,
        true,
    )?);
    Ok(())
}

/// Long runs (a month, 63 days) need no pcapng and would hold it all in memory.
#[given(expr = "the scenario {string} without a packet capture")]
fn the_scenario_uncaptured(world: &mut TwinWorld, id: String) -> Result<()> {
    let scenario = catalog()?.scenario(&id)?;
    world.session = Some(Session::new(scenario, WorldOptions { capture: false })?);
    Ok(())
}

#[when(expr = "the twin runs for {duration}")]
async fn the_twin_runs_for(world: &mut TwinWorld, duration: DurationParam) -> Result<()> {
    world
        .on_session(move |session| session.run_for(duration.0))
        .await
}

#[when("the twin runs to the end of the scenario")]
async fn the_twin_runs_to_the_end(world: &mut TwinWorld) -> Result<()> {
    world.on_session(Session::run_to_end).await
}

#[when(expr = "the scenario {string} runs to its end twice")]
async fn runs_twice(world: &mut TwinWorld, id: String) -> Result<()> {
    let catalog = catalog()?;
    let runs = [
        one_whole_run(catalog.scenario(&id)?),
        one_whole_run(catalog.scenario(&id)?),
    ];
    for run in runs {
        world.runs.push(on_pool(run).await?);
    }
    Ok(())
}

/// A whole in-memory run of `scenario`, with what it wrote.
fn one_whole_run(scenario: twin::model::Scenario) -> impl FnOnce() -> Result<RunOutput> + Send {
    move || {
        let mut session = Session::new(scenario, WorldOptions { capture: true })?;
        session.run_to_end()?;
        let mut log_export = Vec::new();
        session.cloud.store.export_csv(
            &EventFilter::default(),
            &ExportOptions {
                cap: usize::MAX,
                ..ExportOptions::default()
            },
            &mut log_export,
        )?;
        let pcapng = session.world.pcapng().unwrap_or_default();
        Ok(RunOutput { pcapng, log_export })
    }
}

#[then("both runs give byte-identical pcapng captures and log exports")]
fn byte_identical(world: &mut TwinWorld) {
    let [first, second] = world.runs.as_slice() else {
        panic!("expected two runs, found {}", world.runs.len());
    };
    assert!(!first.pcapng.is_empty(), "the first run captured nothing");
    assert!(
        first.log_export.len() > 100,
        "the first run's log export is empty"
    );
    assert!(first.pcapng == second.pcapng, "the pcapng captures differ");
    assert!(
        first.log_export == second.log_export,
        "the log exports differ"
    );
}
