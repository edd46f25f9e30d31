//! What the gateway logged: counts per engine and host, and golden log files.

use super::TwinWorld;
use anyhow::{Context, Result, ensure};
use appliance::Engine;
use cloud::store::{DEFAULT_EXPORT_CAP, EventFilter, ExportOptions, LogStore};
use cucumber::then;

#[then(expr = "the gateway logs {int} {string} detection(s) from {string}")]
fn logs_detections(world: &mut TwinWorld, expected: u64, kind: String, who: String) -> Result<()> {
    let engine = Engine::from_label(&kind).with_context(|| {
        let known: Vec<_> = Engine::ALL.iter().map(|e| e.label()).collect();
        format!(
            "unknown detection kind {kind:?}; known: {}",
            known.join(", ")
        )
    })?;
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let filter = EventFilter {
        engine: Some(engine),
        src_ip: Some(ip),
        ..EventFilter::default()
    };
    let actual = session.cloud.store.count(&filter)?;
    ensure!(
        actual == expected,
        "expected {expected} {} detection(s) from {who} ({ip}), the gateway logged {actual}",
        engine.label()
    );
    Ok(())
}

/// `Then the "threat" log matches the golden file "..."`: the console's CSV
/// export (all detections, or one engine's by its label) as an insta snapshot
/// in `golden/`.
#[then(expr = "the {string} log matches the golden file {string}")]
fn log_matches_golden(world: &mut TwinWorld, log: String, golden: String) -> Result<()> {
    let engine = match log.as_str() {
        "threat" | "threats" | "detection" => None,
        label => Some(Engine::from_label(label).with_context(|| format!("unknown log {label:?}"))?),
    };
    let session = world.session()?;
    let mut csv = Vec::new();
    let summary = session.cloud.store.export_csv(
        &EventFilter {
            engine,
            ..EventFilter::default()
        },
        &ExportOptions {
            cap: DEFAULT_EXPORT_CAP,
            ..ExportOptions::default()
        },
        &mut csv,
    )?;
    // The export ends lines with CRLF (RFC 4180); the golden file is for
    // people and diff tools, so it keeps plain LF.
    let csv = String::from_utf8(csv)
        .context("the log export is not UTF-8")?
        .replace("\r\n", "\n");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/golden"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(format!(
        "{} log export of scenario {} ({} of {} rows)",
        log, session.scenario.id, summary.rows_written, summary.rows_matching
    ));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(golden, csv));
    Ok(())
}

#[then(expr = "no host other than {string} has {string} detections")]
fn no_other_host(world: &mut TwinWorld, who: String, kind: String) -> Result<()> {
    let engine =
        Engine::from_label(&kind).with_context(|| format!("unknown detection kind {kind:?}"))?;
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let others: Vec<String> = session
        .cloud
        .store
        .counts_by_engine_and_host(&EventFilter {
            engine: Some(engine),
            ..EventFilter::default()
        })?
        .into_iter()
        .filter(|row| row.src_ip != ip && row.count > 0)
        .map(|row| format!("{}: {}", row.src_ip, row.count))
        .collect();
    ensure!(
        others.is_empty(),
        "other hosts have {} detections: {}",
        engine.label(),
        others.join(", ")
    );
    Ok(())
}

/// Seed 000, case ①: 「被疑端末をネットワークから切り離し(LANケーブル抜去)」,
/// then 「C&Cサーバへの通信停止を確認」. The calls are blocked either way, so
/// what stops is the gateway's detections of them: some before the host was
/// isolated, none after.
#[then(expr = "the {string} detections from {string} stop when it is isolated")]
fn detections_stop(world: &mut TwinWorld, kind: String, who: String) -> Result<()> {
    let engine =
        Engine::from_label(&kind).with_context(|| format!("unknown detection kind {kind:?}"))?;
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let isolated = session
        .world
        .isolated_at(&who)
        .with_context(|| format!("{who} was never isolated"))?;
    let count = |from, until| {
        session.cloud.store.count(&EventFilter {
            from,
            until,
            engine: Some(engine),
            src_ip: Some(ip),
        })
    };
    let before = count(None, Some(isolated))?;
    let after = count(Some(isolated), None)?;
    ensure!(
        before > 0,
        "no {} detection from {who} before it was isolated at {}: nothing to stop",
        engine.label(),
        isolated.jst_string()
    );
    ensure!(
        after == 0,
        "{after} {} detection(s) from {who} after it was isolated at {}",
        engine.label(),
        isolated.jst_string()
    );
    Ok(())
}
