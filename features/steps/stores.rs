//! TUN and memory leave the same stores (issue 15): a scenario run in
//! memory and through the firmware build, each into its own store file,
//! compared table by table and row by row with SQL of its own (never with
//! the store's code), every table the files hold included, so a table added
//! later is compared too.
//!
//! Three stores: the memory run's (the cloud's), the firmware run's on the
//! twin's side (the cloud's, fed by the firmware's answers) and the
//! firmware's own (the box's). No column differs legitimately between the
//! first two. The box's own store differs only while the box is off the
//! cloud (FAQ Q21, scenario offline-month): the box logs and counts what it
//! sees, the cloud receives none of it (events and access statistics on the
//! days it was offline); its uptime is the same. The endpoint agents'
//! tables (seed 002) are in the cloud's stores only: the agents report to
//! the cloud, not through the box.
//!
//! After `officetwin conformance` over the whole catalog the same comparison
//! runs on the stores each run kept (`SCENARIO/{reference,build}/`), so every
//! scenario is compared without running it again.

use super::{TwinWorld, catalog, on_tun_worker};
use anyhow::{Context, Result, bail, ensure};
use cucumber::{then, when};
use officetwin::session::Session;
use officetwin::tun_cmd;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use twin::world::WorldOptions;

/// A store's rows, per table, each row as text, sorted.
type Tables = BTreeMap<String, Vec<String>>;

/// The prefixes of the tables other products keep in a cloud store file:
/// the endpoint option's (seed 002) and Cloud App Security's (seed 003).
const OTHER_PRODUCTS_TABLES: [&str; 2] = ["endpoint_", "app_security_"];

#[derive(Debug, Default)]
pub struct StoresState {
    memory: Tables,
    twin_side: Tables,
    firmware: Tables,
    /// The scenario run.
    id: String,
    scratch: Option<PathBuf>,
}

impl Drop for StoresState {
    fn drop(&mut self) {
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Every table of the SQLite file at `path`, read with plain SQL.
fn dump(path: &Path) -> Result<Tables> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", path.display()))?;
    let mut names = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for name in rows {
            names.push(name?);
        }
    }
    let mut tables = Tables::new();
    for name in names {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\""))?;
        let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let mut rows = Vec::new();
        let mut query = stmt.query([])?;
        while let Some(row) = query.next()? {
            let mut cells = Vec::new();
            for (i, column) in columns.iter().enumerate() {
                let value: rusqlite::types::Value = row.get(i)?;
                cells.push(format!("{column}={value:?}"));
            }
            rows.push(cells.join(" | "));
        }
        rows.sort();
        tables.insert(name, rows);
    }
    Ok(tables)
}

/// What differs between two dumps, table by table (empty: nothing).
fn differences(expected: &Tables, got: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = expected.keys().chain(got.keys()).collect();
    for name in names {
        let (a, b) = (
            expected.get(name).map(Vec::as_slice).unwrap_or_default(),
            got.get(name).map(Vec::as_slice).unwrap_or_default(),
        );
        if a == b {
            continue;
        }
        let missing = a.iter().find(|r| !b.contains(r));
        let extra = b.iter().find(|r| !a.contains(r));
        out.push(format!(
            "table {name}: {} rows in memory, {} here; first missing: {missing:?}; first extra: {extra:?}",
            a.len(),
            b.len()
        ));
    }
    out
}

#[when(
    expr = "the scenario {string} runs to its end in memory and through the firmware, each into its own store file"
)]
async fn runs_into_store_files(world: &mut TwinWorld, id: String) -> Result<()> {
    if let Some(why) = tun_cmd::tun_unavailable() {
        bail!("{why} (tag the scenario @tun so the runner reports it as skipped)");
    }
    let dir = tun_cmd::scratch_dir("stores")?;
    let state = &mut world.stores;
    state.scratch = Some(dir.clone());
    state.id.clone_from(&id);
    let memory_store = dir.join("memory.sqlite");
    let twin_store = dir.join("twin-side.sqlite");
    let firmware_dir = dir.join("firmware");
    let (memory, twin, firmware) = (
        memory_store.clone(),
        twin_store.clone(),
        firmware_dir.clone(),
    );
    on_tun_worker(move || {
        let catalog = catalog()?;
        let options = WorldOptions { capture: false };
        {
            let mut session = Session::with_store_file(catalog.scenario(&id)?, options, &memory)?;
            session.run_to_end()?;
        }
        let mut session = Session::with_store_file(catalog.scenario(&id)?, options, &twin)?;
        tun_cmd::attach_firmware(&mut session, &catalog, None, &firmware)?;
        session.run_to_end()?;
        // Dropping the session stops the firmware and closes both stores.
        Ok(())
    })
    .await?;
    state.memory = dump(&memory_store)?;
    state.twin_side = dump(&twin_store)?;
    state.firmware = dump(&firmware_dir.join("gateway.sqlite"))?;
    for table in [
        "events",
        "detection_stats",
        "site_access_stats",
        "user_access_stats",
        "uptime",
    ] {
        ensure!(
            state.memory.contains_key(table),
            "the memory run's store has no table {table}"
        );
    }
    Ok(())
}

#[then(expr = "the memory run's store holds rows in {string}")]
fn memory_holds(world: &mut TwinWorld, tables: String) -> Result<()> {
    for table in tables.split(", ") {
        let n = world.stores.memory.get(table).map_or(0, Vec::len);
        ensure!(
            n > 0,
            "the memory run's table {table} is empty: nothing to compare"
        );
    }
    Ok(())
}

#[then("the twin's store of the firmware run holds the memory run's rows, table by table")]
fn twin_side_equal(world: &mut TwinWorld) -> Result<()> {
    let diff = differences(&world.stores.memory, &world.stores.twin_side);
    ensure!(diff.is_empty(), "the stores differ:\n{}", diff.join("\n"));
    Ok(())
}

#[then("the firmware's own store holds the memory run's rows, table by table")]
fn firmware_equal(world: &mut TwinWorld) -> Result<()> {
    let diff = box_store_difference(&world.stores.memory, &world.stores.firmware);
    ensure!(diff.is_empty(), "the stores differ:\n{}", diff.join("\n"));
    Ok(())
}

/// A dumped row's cells without its `id` (insertion order: the box's own
/// store counts the rows it logged offline too).
fn without_id(rows: Option<&Vec<String>>) -> Vec<String> {
    rows.map(|rows| {
        rows.iter()
            .map(|r| {
                r.split(" | ")
                    .filter(|cell| !cell.starts_with("id="))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The integer in cell `column` of a dumped row.
fn cell(row: &str, column: &str) -> Option<i64> {
    row.split(" | ")
        .find_map(|c| c.strip_prefix(&format!("{column}=Integer(")))
        .and_then(|t| t.strip_suffix(')'))
        .and_then(|t| t.parse().ok())
}

/// The JST days (days since 1970-01-01) the cloud's uptime table counts
/// offline time on.
fn offline_days(cloud: &Tables) -> std::collections::BTreeSet<i64> {
    cloud
        .get("uptime")
        .into_iter()
        .flatten()
        .filter(|row| cell(row, "offline_us").is_some_and(|us| us > 0))
        .filter_map(|row| cell(row, "day"))
        .collect()
}

/// The box's own store against the cloud's of the memory run: equal, or,
/// where the box was off the cloud (FAQ Q21), the same uptime, every event
/// the cloud has, and extra events only on days the box was offline.
fn box_store_difference(cloud: &Tables, own: &Tables) -> Vec<String> {
    // The endpoint agents' tables (seed 002) and Cloud App Security's (seed
    // 003) are the cloud's, fed by the agents on the PCs and the scan of
    // the cloud services, never by the box: the box's store has none.
    let cloud: Tables = cloud
        .iter()
        .filter(|(name, _)| !OTHER_PRODUCTS_TABLES.iter().any(|p| name.starts_with(p)))
        .map(|(name, rows)| (name.clone(), rows.clone()))
        .collect();
    let cloud = &cloud;
    let offline = offline_days(cloud);
    if offline.is_empty() {
        return differences(cloud, own);
    }
    let mut out = Vec::new();
    if cloud.get("uptime") != own.get("uptime") {
        out.push("the uptime differs".to_string());
    }
    let cloud_events = without_id(cloud.get("events"));
    let box_events = without_id(own.get("events"));
    if let Some(lost) = cloud_events.iter().find(|r| !box_events.contains(r)) {
        out.push(format!(
            "the box's store lacks an event the cloud has: {lost}"
        ));
    }
    // The statistics of the days the box was online are the cloud's.
    for (table, rows) in cloud {
        if table == "uptime" || table == "events" {
            continue;
        }
        let online = |rows: Option<&Vec<String>>| -> Vec<String> {
            rows.into_iter()
                .flatten()
                .filter(|r| cell(r, "day").is_none_or(|d| !offline.contains(&d)))
                .cloned()
                .collect()
        };
        if online(Some(rows)) != online(own.get(table)) {
            out.push(format!("table {table} differs on days the box was online"));
        }
    }
    const JST: i64 = 9 * 3600 * 1_000_000;
    const DAY: i64 = 86_400 * 1_000_000;
    for row in box_events.iter().filter(|r| !cloud_events.contains(r)) {
        let day = cell(row, "time_us").map(|t| (t + JST).div_euclid(DAY));
        if !day.is_some_and(|d| offline.contains(&d)) {
            out.push(format!(
                "the box logged an event the cloud lacks on a day it was online: {row}"
            ));
        }
    }
    out
}

#[then(
    "for every scenario, the build's stores hold the reference's rows, table by table, the box's own log aside while it was offline"
)]
fn conformance_stores_equal(world: &mut TwinWorld) -> Result<()> {
    let runs = world
        .tun
        .conformance_runs()
        .context("conformance has not run in this scenario")?
        .to_path_buf();
    let report = world
        .tun
        .conformance_report()
        .context("conformance has not run in this scenario")?;
    let mut ids: Vec<String> = report.checks.iter().map(|c| c.scenario.clone()).collect();
    ids.dedup();
    ensure!(!ids.is_empty(), "conformance ran no scenario");
    let store = officetwin::conformance::CLOUD_STORE;
    let mut problems = Vec::new();
    let mut offline = Vec::new();
    for id in &ids {
        let dir = runs.join(id);
        let reference = dump(&dir.join("reference").join(store))?;
        let cloud = dump(&dir.join("build").join(store))?;
        let own = dump(&dir.join("build").join("gateway.sqlite"))?;
        ensure!(
            reference.get("uptime").is_some_and(|rows| !rows.is_empty()),
            "{id}: the reference recorded no uptime"
        );
        if !offline_days(&reference).is_empty() {
            offline.push(id.clone());
        }
        for d in differences(&reference, &cloud) {
            problems.push(format!("{id}, the cloud's store: {d}"));
        }
        for d in box_store_difference(&reference, &own) {
            problems.push(format!("{id}, the box's own store: {d}"));
        }
    }
    eprintln!(
        "stores compared for {} scenarios; the box was offline in {offline:?}",
        ids.len()
    );
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// The sids a rule file declares, read from its text (`sid:N;`), not with
/// the gateway's rule parser.
fn declared_sids(text: &str) -> Vec<u64> {
    let mut sids = Vec::new();
    for piece in text.split("sid:").skip(1) {
        let digits: String = piece
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(sid) = digits.parse() {
            sids.push(sid);
        }
    }
    sids
}

/// The sids in the reasons of a dumped `events` table.
fn logged_sids(events: &[String]) -> std::collections::BTreeSet<u64> {
    events
        .iter()
        // A text cell is dumped in its debug form, its quotes escaped.
        .flat_map(|row| {
            declared_sids(
                &row.replace("\\\"sid\\\":", "sid:")
                    .replace("\"sid\":", "sid:"),
            )
        })
        .collect()
}

#[then(
    "every rule of the scenario's rule files fired in the firmware's own store, and no other rule"
)]
fn rule_files_fired(world: &mut TwinWorld) -> Result<()> {
    let state = &world.stores;
    let catalog = catalog()?;
    let scenario = catalog.scenario(&state.id)?;
    ensure!(
        !scenario.gateway.ips.rule_files.is_empty(),
        "scenario {} names no rule file",
        state.id
    );
    let mut declared = std::collections::BTreeSet::new();
    for name in &scenario.gateway.ips.rule_files {
        let text = catalog
            .file(name)?
            .with_context(|| format!("no rule file {name}"))?;
        declared.extend(declared_sids(&text));
    }
    let logged = logged_sids(
        state
            .firmware
            .get("events")
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    ensure!(
        logged == declared,
        "the rule files declare sids {declared:?}, the firmware logged {logged:?}"
    );
    Ok(())
}
