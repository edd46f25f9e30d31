//! Loading offices and scenarios from YAML into the validated [`crate::model`].
//!
//! Two steps, as in ripgrep's low/high argument split: serde_yaml reads the
//! text into private raw shapes (`deny_unknown_fields`, scalars parsed on the
//! spot), then the validators (`office`, `scenario`, `internet`, `traffic`,
//! `mail`, with the shared `checks`) check everything that needs the whole
//! picture — references between hosts, sites and actors, duplicates, address
//! ranges, the order of times — and build the model. Nothing past this module
//! re-validates. Every error, whether serde's or ours, is reported as
//! `FILE:LINE:COL: message` and renders as a miette diagnostic; see
//! `scenarios/README.md` for the format itself.

mod checks;
mod cloud_apps;
mod demo;
mod endpoint;
mod error;
mod index;
mod internet;
mod mail;
mod office;
mod raw;
mod scenario;
mod traffic;

pub use demo::{DEMO_PAGES, demo_from_str};
pub use endpoint::DEFAULT_PROGRAM;
pub use error::{LoadError, SourceError};
pub use traffic::FileReader;

use crate::model::{Office, Scenario};
use appliance::Instant;
use appliance::policy::{self, Policy, RawPolicy, UrlCategories};
use error::Doc;
use office::validate_office;
use raw::{RawOffice, RawScenario};
use scenario::ScenarioCheck;
use std::path::Path;

/// Loads an office from its YAML text. `path` is how the file is named in
/// errors (e.g. `scenarios/offices/print-shop.yaml`); its stem is the id.
pub fn office_from_str(path: &str, text: &str) -> Result<Office, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawOffice = doc.parse()?;
    validate_office(&doc, raw)
}

/// Loads a scenario from its YAML text. `offices` resolves the `office:` name
/// to a loaded office, `None` if there is no such office.
pub fn scenario_from_str(
    path: &str,
    text: &str,
    offices: impl FnOnce(&str) -> Option<Result<Office, LoadError>>,
) -> Result<Scenario, LoadError> {
    scenario_from_str_with_files(path, text, offices, &|_| None)
}

/// Like [`scenario_from_str`], with `files` reading the files a scenario
/// names beside it (IPS rule files, relative to the scenarios folder).
pub fn scenario_from_str_with_files(
    path: &str,
    text: &str,
    offices: impl FnOnce(&str) -> Option<Result<Office, LoadError>>,
    files: &FileReader<'_>,
) -> Result<Scenario, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawScenario = doc.parse()?;
    let office = match offices(&raw.office) {
        Some(office) => office?,
        None => {
            return Err(doc
                .error_at("office", format!("unknown office `{}`", raw.office))
                .label("no such office")
                .help(format!(
                    "offices are files in the `offices/` folder beside the scenario: `offices/{}.yaml`",
                    raw.office
                ))
                .into());
        }
    };
    ScenarioCheck {
        doc: &doc,
        office: &office,
        files,
    }
    .validate(raw)
}

/// A time as scenarios write it (JST, or RFC 3339 with an offset), for
/// steps and tools that take one.
pub fn jst_time(text: &str) -> Result<Instant, String> {
    text.parse::<raw::JstTime>().map(|t| t.0)
}

/// Loads a web policy (a security profile, `scenarios/policies/*.yaml`)
/// from its YAML text. A refused policy never reaches a gateway.
pub fn policy_from_str(path: &str, text: &str) -> Result<Policy, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawPolicy = doc.parse()?;
    policy_at(&doc, "", &raw)
}

/// Loads a gateway configuration (the shape of a scenario's `gateway:`, as
/// `replay --config` takes it) from its YAML text, thresholds checked.
pub fn gateway_config_from_str(path: &str, text: &str) -> Result<appliance::Config, LoadError> {
    let doc = Doc::new(path, text);
    let config: appliance::Config = doc.parse()?;
    check_thresholds(&doc, "", &config)?;
    Ok(config)
}

/// Every threshold of `config` in its range ([`appliance::config::thresholds`]),
/// or the first that is not, at its place in `doc` (under `prefix`).
fn check_thresholds(
    doc: &Doc<'_>,
    prefix: &str,
    config: &appliance::Config,
) -> Result<(), LoadError> {
    appliance::config::thresholds::check_thresholds(config).map_err(|e| {
        doc.error_at(&format!("{prefix}{}", e.path), e.message)
            .label("out of range")
            .into()
    })
}

/// Reads and loads a policy file.
pub fn policy_file(path: &Path) -> Result<Policy, LoadError> {
    let text = read(path)?;
    policy_from_str(&display(path), &text)
}

/// Validates a raw policy found at `prefix` in `doc`.
fn policy_at(doc: &Doc<'_>, prefix: &str, raw: &RawPolicy) -> Result<Policy, LoadError> {
    policy::validate(raw, UrlCategories::builtin()).map_err(|e| {
        let path = if prefix.is_empty() {
            e.path.clone()
        } else {
            format!("{prefix}.{}", e.path)
        };
        let problem = doc.error_at(&path, e.message).label("refused");
        match e.help {
            Some(help) => problem.help(help).into(),
            None => problem.into(),
        }
    })
}

/// Reads and loads an office file.
pub fn office_file(path: &Path) -> Result<Office, LoadError> {
    let text = read(path)?;
    office_from_str(&display(path), &text)
}

/// Reads and loads a scenario file; its office comes from `offices/NAME.yaml`
/// in the scenario's folder.
pub fn scenario_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = read(path)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let files = |name: &str| {
        let file = dir.join(name);
        file.is_file()
            .then(|| read_bytes(&file).map(|bytes| (display(&file), bytes)))
    };
    scenario_from_str_with_files(
        &display(path),
        &text,
        |name| {
            let office = dir.join("offices").join(format!("{name}.yaml"));
            (is_plain_name(name) && office.is_file()).then(|| office_file(&office))
        },
        &files,
    )
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io {
        path: display(path),
        source,
    })
}

pub(crate) fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: display(path),
        source,
    })
}

pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A name usable as a file stem: no separators, no `..`.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The file stem of a displayed path: `scenarios/offices/print-shop.yaml` -> `print-shop`.
fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}
