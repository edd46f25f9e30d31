//! The raw shapes of the endpoint option: an office's `endpoint:` (licence
//! and agents) and a scenario's `endpoint:` (patterns, files, moments),
//! validated in `load::endpoint`.

use super::JstTime;
use crate::duration::HumanDuration;
use serde::Deserialize;

/// An office's `endpoint:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEndpointOption {
    pub licence: RawLicence,
    pub seats: u32,
    #[serde(default)]
    pub program: Option<String>,
    pub agents: Vec<RawAgent>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawLicence {
    Antivirus,
    AntivirusEdr,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawFileAction {
    Quarantine,
    Delete,
    Rename,
    Pass,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgent {
    pub host: String,
    #[serde(default)]
    pub updates_until: Option<JstTime>,
    #[serde(default)]
    pub real_time: Option<bool>,
    #[serde(default)]
    pub behaviour: Option<bool>,
    #[serde(default)]
    pub machine_learning: Option<bool>,
    #[serde(default)]
    pub web_reputation: Option<bool>,
    #[serde(default)]
    pub url_filter: Option<bool>,
    #[serde(default)]
    pub edr: Option<bool>,
    #[serde(default)]
    pub offline_since: Option<JstTime>,
    /// `HH:MM`, JST.
    #[serde(default)]
    pub scheduled_scan: Option<String>,
    #[serde(default)]
    pub action: Option<RawFileAction>,
}

/// A scenario's `endpoint:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEndpointPlan {
    #[serde(default)]
    pub patterns: Vec<RawPattern>,
    #[serde(default)]
    pub files: Vec<RawDiskFile>,
    #[serde(default)]
    pub timeline: Vec<RawEndpointEntry>,
    #[serde(default)]
    pub offline: Vec<RawOffline>,
}

/// An agent out of contact since before the run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOffline {
    pub host: String,
    pub since: JstTime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    pub version: String,
    pub released: JstTime,
    #[serde(default)]
    pub threats: Vec<RawThreat>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawThreatKind {
    Malware,
    Spyware,
    Grayware,
}

/// One pattern entry: exactly one of `file` (the SHA-256 of a file under
/// `files/`), `sha256` or `contains`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThreat {
    pub name: String,
    pub kind: RawThreatKind,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub cleanable: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDiskFile {
    pub host: String,
    pub path: String,
    pub file: String,
    #[serde(default)]
    pub running: bool,
    pub written: JstTime,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawVia {
    Usb,
    Share,
    Download,
    Mail,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWrite {
    pub host: String,
    pub path: String,
    pub file: String,
    pub via: RawVia,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRun {
    pub host: String,
    pub path: String,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub does: Vec<RawActivity>,
}

/// One activity: exactly one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActivity {
    #[serde(default)]
    pub encrypt: Option<RawEncrypt>,
    #[serde(default)]
    pub delete_shadow_copies: Option<bool>,
    #[serde(default)]
    pub autorun: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEncrypt {
    pub files: u32,
    pub within: HumanDuration,
    pub extension: String,
}

/// One moment: exactly one of `write`, `full_scan`, `run`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEndpointEntry {
    pub at: JstTime,
    #[serde(default)]
    pub write: Option<RawWrite>,
    #[serde(default)]
    pub full_scan: Option<String>,
    #[serde(default)]
    pub run: Option<RawRun>,
    #[serde(default)]
    pub note: Option<String>,
}
