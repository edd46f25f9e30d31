//! `officetwin report`: run a scenario (or open a saved log store), then write
//! the monthly report as HTML, Markdown and the canonical JSON; with the
//! endpoint option (seed 002) the endpoint report beside it
//! (`endpoint-report.*`), and with Cloud App Security (seed 003) its report
//! (`app-security-report.*`).

use crate::session::{Session, office_info};
use anyhow::{Context, Result};
use cloud::Lang;
use cloud::app_security::{self, AppSecurityReport, AppSecurityStore};
use cloud::endpoint::{self, EndpointReport, EndpointStore};
use cloud::report::{Month, MonthlyReport, html, markdown};
use cloud::store::SqliteStore;
use cloud::store::stats::jst_day;
use std::fs;
use std::path::{Path, PathBuf};
use twin::catalog::Catalog;
use twin::world::WorldOptions;

/// The report of `month` for a session's store.
pub fn report_of(session: &Session, month: Month) -> MonthlyReport {
    session.cloud.report(month)
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
    let (report, endpoint, cas) = match &args.store {
        Some(path) => {
            // Opening would create a missing file: an empty store is not a report.
            anyhow::ensure!(path.is_file(), "no log store at {}", path.display());
            // Read-only: a report never changes the store, nor a file that
            // is not one (it used to get our schema written into it).
            let store = SqliteStore::open_read_only(path)?;
            let endpoint = match EndpointStore::open_read_only(path)? {
                Some(agents) => agents
                    .licence()?
                    .map(|licence| EndpointReport::build(&agents, &office, &licence, month)),
                None => None,
            };
            let cas = AppSecurityStore::open_read_only(path)?
                .map(|cas| AppSecurityReport::build(&cas, &office, month));
            (MonthlyReport::build(&store, &office, month), endpoint, cas)
        }
        None => {
            let mut session = Session::new(scenario, WorldOptions { capture: false })?;
            session.run_to_end()?;
            (
                session.cloud.report(month),
                session.cloud.endpoint_report(month),
                session.cloud.app_security_report(month),
            )
        }
    };
    let mut written = write(&report, args.lang, &args.out)?;
    if let Some(endpoint) = endpoint {
        written.extend(write_endpoint(&endpoint, args.lang, &args.out)?);
    }
    if let Some(cas) = cas {
        written.extend(write_app_security(&cas, args.lang, &args.out)?);
    }
    Ok(written)
}

/// Writes `endpoint-report.html`, `.md` and `.json` into `out`.
pub fn write_endpoint(report: &EndpointReport, lang: Lang, out: &Path) -> Result<Vec<PathBuf>> {
    let mut json = serde_json::to_string_pretty(report).context("serialising the report")?;
    json.push('\n');
    write_files(
        out,
        [
            ("endpoint-report.html", endpoint::html::render(report, lang)),
            (
                "endpoint-report.md",
                endpoint::markdown::render(report, lang),
            ),
            ("endpoint-report.json", json),
        ],
    )
}

/// Writes `app-security-report.html`, `.md` and `.json` into `out`.
pub fn write_app_security(
    report: &AppSecurityReport,
    lang: Lang,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let mut json = serde_json::to_string_pretty(report).context("serialising the report")?;
    json.push('\n');
    write_files(
        out,
        [
            (
                "app-security-report.html",
                app_security::html::render(report, lang),
            ),
            (
                "app-security-report.md",
                app_security::markdown::render(report, lang),
            ),
            ("app-security-report.json", json),
        ],
    )
}

/// Writes `report.html`, `report.md` and `report.json` into `out`.
pub fn write(report: &MonthlyReport, lang: Lang, out: &Path) -> Result<Vec<PathBuf>> {
    write_files(
        out,
        [
            ("report.html", html::render(report, lang)),
            ("report.md", markdown::render(report, lang)),
            ("report.json", to_json(report)?),
        ],
    )
}

/// Writes each `(name, text)` into `out` (created if missing).
fn write_files(out: &Path, files: [(&str, String); 3]) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    for (name, text) in files {
        let path = out.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
