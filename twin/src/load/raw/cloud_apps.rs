//! The raw shape of a scenario's `cloud_apps:` (Cloud App Security, seed
//! 003): the connected services, the policies and the moments mail, files
//! and messages appear in them; validated in `load::cloud_apps`.

use super::JstTime;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCloudApps {
    #[serde(default)]
    pub applications: Option<Vec<String>>,
    #[serde(default)]
    pub threat_protection: Option<RawThreatProtection>,
    #[serde(default)]
    pub data_loss: Vec<RawDataLoss>,
    #[serde(default)]
    pub timeline: Vec<RawCloudEntry>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawAction {
    Quarantine,
    Delete,
    ReplaceWithText,
    ReplaceWithFile,
    LogOnly,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawLevel {
    High,
    Medium,
    Low,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawRisk {
    High,
    Medium,
    Low,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawSharing {
    Private,
    Internal,
    Public,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThreatProtection {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub virus_action: Option<RawAction>,
    #[serde(default)]
    pub file_blocking: Option<RawFileBlocking>,
    /// `false` turns web reputation off.
    #[serde(default)]
    pub web_reputation: Option<RawOnOff<RawWebReputation>>,
    #[serde(default)]
    pub virtual_analyzer: Option<RawOnOff<RawAnalyzer>>,
}

/// A function's settings, or `false` for off.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawOnOff<T> {
    Off(bool),
    On(T),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFileBlocking {
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub extensions: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub suspicious_urls: bool,
    pub action: RawAction,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebReputation {
    pub level: RawLevel,
    pub action: RawAction,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnalyzer {
    pub act_at: RawRisk,
    pub action: RawAction,
    pub unknown_action: RawAction,
}

/// One pattern: `my_number`, `credit_card`, or `{ keyword: TEXT }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawPattern {
    Named(String),
    Keyword { keyword: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDataLoss {
    pub name: String,
    pub patterns: Vec<RawPattern>,
    #[serde(default)]
    pub min_matches: Option<usize>,
    #[serde(default)]
    pub applications: Vec<String>,
    #[serde(default)]
    pub shared_only: bool,
    pub action: RawAction,
}

/// A mail arriving in a mailbox.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReceive {
    pub app: String,
    pub to: String,
    pub from: String,
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub files: Vec<String>,
}

/// A mail a user sends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSend {
    pub app: String,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub files: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUpload {
    pub app: String,
    pub user: String,
    pub path: String,
    pub file: String,
    #[serde(default)]
    pub sharing: Option<RawSharing>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShare {
    pub app: String,
    pub user: String,
    pub path: String,
    pub sharing: RawSharing,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPost {
    pub app: String,
    pub user: String,
    pub channel: String,
    pub text: String,
    #[serde(default)]
    pub files: Vec<String>,
}

/// One moment: exactly one of `receive`, `send`, `upload`, `share`, `post`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCloudEntry {
    pub at: JstTime,
    #[serde(default)]
    pub receive: Option<RawReceive>,
    #[serde(default)]
    pub send: Option<RawSend>,
    #[serde(default)]
    pub upload: Option<RawUpload>,
    #[serde(default)]
    pub share: Option<RawShare>,
    #[serde(default)]
    pub post: Option<RawPost>,
    /// A word for the YAML's readers (what the moment plays); not used.
    #[serde(default)]
    #[expect(dead_code, reason = "read by people, not by the twin")]
    pub note: Option<String>,
}
