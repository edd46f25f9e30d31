//! `officetwin report`: run a scenario (or open a saved log store), then write
//! the monthly report as HTML, Markdown and the canonical JSON.

use crate::session::Session;
use anyhow::{Context, Result};
use appliance::report::{Lang, Month, MonthlyReport, OfficeInfo, html, markdown};
use appliance::store::SqliteStore;
use appliance::store::stats::jst_day;
use std::fs;
use std::path::{Path, PathBuf};
use twin::catalog::Catalog;
use twin::model::Scenario;
use twin::world::WorldOptions;

/// Who a scenario's report is for: its office, gateway and admin mailbox.
pub fn office_info(scenario: &Scenario) -> OfficeInfo {
    let office = &scenario.office;
    OfficeInfo {
        name: office.title.clone(),
        gateway: scenario.gateway.name.clone(),
        admin_mail: office.admin_mail.clone(),
        hosts: office
            .hosts
            .iter()
            .map(|h| (h.ip, h.name.clone()))
            .collect(),
    }
}

/// The report of `month` for a session's store.
pub fn report_of(session: &Session, month: Month) -> MonthlyReport {
    MonthlyReport::build(&session.store, &office_info(&session.scenario), month)
}

/// The canonical JSON of a report (pretty, newline-terminated, field order fixed).
pub fn to_json(report: &MonthlyReport) -> Result<String> {
    let mut json = serde_json::to_string_pretty(report).context("serialising the report")?;
    json.push('\n');
    Ok(json)
}

/// `ja` or `en`, else a clear error.
pub fn parse_lang(text: &str) -> Result<Lang> {
    Lang::parse(text).with_context(|| format!("unknown language {text:?}: use ja or en"))
}

/// What `officetwin report` was asked for.
pub struct ReportArgs {
    pub scenario: String,
    pub month: Option<String>,
    pub lang: Lang,
    pub out: PathBuf,
    /// Report from this saved log store instead of running the scenario.
    pub store: Option<PathBuf>,
}

/// Runs the scenario (or opens the store) and writes the three files.
pub fn run(catalog: &Catalog, args: &ReportArgs) -> Result<Vec<PathBuf>> {
    let scenario = catalog.scenario(&args.scenario)?;
    let month = match &args.month {
        Some(m) => Month::parse(m).map_err(anyhow::Error::msg)?,
        None => Month::of(jst_day(scenario.start)),
    };
    let office = office_info(&scenario);
    let report = match &args.store {
        Some(path) => {
            // Opening would create a missing file: an empty store is not a report.
            anyhow::ensure!(path.is_file(), "no log store at {}", path.display());
            let store = SqliteStore::open(path)?;
            MonthlyReport::build(&store, &office, month)
        }
        None => {
            let mut session = Session::new(scenario, WorldOptions { capture: false })?;
            session.run_to_end()?;
            MonthlyReport::build(&session.store, &office, month)
        }
    };
    write(&report, args.lang, &args.out)
}

/// Writes `report.html`, `report.md` and `report.json` into `out`.
pub fn write(report: &MonthlyReport, lang: Lang, out: &Path) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let files = [
        ("report.html", html::render(report, lang)),
        ("report.md", markdown::render(report, lang)),
        ("report.json", to_json(report)?),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = out.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
