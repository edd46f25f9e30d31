//! A session: one scenario's world running on the virtual clock, with the
//! gateway's events recorded in its log store as they happen.
//!
//! The CLI, the cucumber steps and the benches all drive scenarios through
//! this, so "run a scenario" means the same thing everywhere.

use anyhow::{Context, Result};
use appliance::Instant;
use appliance::store::{LogStore, SqliteStore};
use std::path::Path;
use std::time::Duration;
use twin::model::Scenario;
use twin::world::{World, WorldOptions};

/// How far the world runs between two progress callbacks and store writes.
const SLICE: Duration = Duration::from_secs(10 * 60);

pub struct Session {
    pub scenario: Scenario,
    pub world: World,
    pub store: SqliteStore,
}

impl Session {
    /// A session with an in-memory log store.
    pub fn new(scenario: Scenario, options: WorldOptions) -> Result<Session> {
        let store = SqliteStore::in_memory().context("opening the in-memory log store")?;
        Session::with_store(scenario, options, store)
    }

    /// A session whose log store is the SQLite file at `path` (created afresh).
    pub fn with_store_file(
        scenario: Scenario,
        options: WorldOptions,
        path: &Path,
    ) -> Result<Session> {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("removing old {}", path.display()));
                }
            }
        }
        let store =
            SqliteStore::open(path).with_context(|| format!("opening {}", path.display()))?;
        Session::with_store(scenario, options, store)
    }

    fn with_store(
        scenario: Scenario,
        options: WorldOptions,
        store: SqliteStore,
    ) -> Result<Session> {
        let world = World::new(&scenario, options)
            .with_context(|| format!("building the world of scenario {}", scenario.id))?;
        Ok(Session {
            scenario,
            world,
            store,
        })
    }

    pub fn now(&self) -> Instant {
        self.world.now()
    }

    /// Runs until `until`, recording events; `progress` hears the virtual time
    /// after each slice.
    pub fn run_until_with(
        &mut self,
        until: Instant,
        progress: &mut dyn FnMut(Instant),
    ) -> Result<()> {
        while self.world.now() < until {
            let next = (self.world.now() + SLICE).min(until);
            self.world.run_until(next);
            self.flush()?;
            progress(self.world.now());
        }
        self.flush()
    }

    pub fn run_until(&mut self, until: Instant) -> Result<()> {
        self.run_until_with(until, &mut |_| {})
    }

    pub fn run_for(&mut self, duration: Duration) -> Result<()> {
        let until = self.world.now() + duration;
        self.run_until(until)
    }

    /// Runs to the scenario's end.
    pub fn run_to_end(&mut self) -> Result<()> {
        let end = self.world.end();
        self.run_until(end)
    }

    /// Moves the gateway's pending events into the log store.
    fn flush(&mut self) -> Result<()> {
        let events = self.world.drain_events();
        if !events.is_empty() {
            self.store
                .record(&events)
                .context("recording gateway events")?;
        }
        Ok(())
    }
}
