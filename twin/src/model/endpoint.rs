//! The endpoint option in the validated world (seed 002): which office hosts
//! run an agent and how it is set up, the vendor's pattern releases, the
//! files on the PCs' disks and what happens to them on the virtual clock.
//!
//! Offices declare their agents (`endpoint:` in `offices/*.yaml`); scenarios
//! declare the patterns, the files and the moments (`endpoint:` in a
//! scenario). [`crate::endpoint`] runs them.

use appliance::Instant;
use cloud::endpoint::{Licence, Protections};
use std::sync::Arc;
use std::time::Duration;

/// The office's endpoint option: its licence and its agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointOption {
    pub licence: Licence,
    /// The agent program and its version, as the report names it.
    pub program: String,
    pub agents: Vec<AgentSpec>,
}

/// What an agent does with a file its pattern names and cannot clean (the
/// administrator's policy; seed 002's 処理項目).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileAction {
    /// 隔離 (the default)
    Quarantine,
    /// 削除
    Delete,
    /// 拡張子変更 (.vir)
    Rename,
    /// 放置
    Pass,
}

/// One agent on one office host (a PC or a server; never a printer or NAS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSpec {
    pub host: String,
    /// It has taken no pattern release since this moment (an OS the vendor
    /// no longer updates, an update service broken): it keeps the newest
    /// release of that moment. `None`: it takes each release at its next
    /// contact with the management server.
    pub updates_until: Option<Instant>,
    pub protections: Protections,
    /// It has not reached the management server since (a PC switched off
    /// in a cupboard, a laptop away): it never does during the run.
    pub offline_since: Option<Instant>,
    /// A daily scheduled scan (予約検索) at this JST hour and minute.
    pub scheduled_scan: Option<(u8, u8)>,
    pub file_action: FileAction,
}

/// What a pattern entry is: the report counts viruses/malware apart from
/// spyware/grayware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreatKind {
    /// A virus or other malware (ウイルス/不正プログラム).
    Malware,
    /// Spyware (スパイウェア): collects data and sends it away.
    Spyware,
    /// Grayware (グレーウェア): an unwanted program that does no harm as
    /// such (toolbars, adware).
    Grayware,
}

/// How a pattern entry recognises a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signature {
    /// The file's SHA-256.
    Sha256([u8; 32]),
    /// A byte string anywhere in the file.
    Contains(Vec<u8>),
}

/// One entry of a pattern release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreatSpec {
    /// The vendor's name, e.g. `TROJ_EMOTET.SMD`.
    pub name: String,
    pub kind: ThreatKind,
    pub signature: Signature,
    /// Whether the agent can restore the file (a file infector): 駆除.
    pub cleanable: bool,
}

/// One pattern file release of the vendor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternRelease {
    /// e.g. `13.623.00`
    pub version: String,
    pub released: Instant,
    /// The entries this release adds (releases are cumulative).
    pub threats: Vec<ThreatSpec>,
}

/// A file's contents, shared between every copy a scenario names.
pub type FileBytes = Arc<Vec<u8>>;

/// A file on an office host's disk when the run starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFile {
    pub host: String,
    /// Where it is, as Windows writes it, e.g. `C:\WINDOWS\Temp\a.exe`.
    pub path: String,
    pub bytes: FileBytes,
    /// Whether a process runs from it (an installed toolbar, the malware
    /// that calls its C&C server): cleaning it then needs a restart, and
    /// actors naming it as their `program` stop when it is removed.
    pub running: bool,
    /// When it was written (before the run).
    pub written: Instant,
}

/// How a file reached the PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A USB stick (the gateway never sees it).
    Usb,
    /// A file share on the LAN.
    Share,
    /// Saved from a web download.
    Download,
    /// Saved from a mail attachment.
    Mail,
}

/// One thing a running program does that behaviour monitoring watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Rewrites `files` documents, each renamed with `extension`, evenly
    /// over `within` (ransomware encrypting).
    Encrypt {
        files: u32,
        within: Duration,
        extension: String,
    },
    /// Deletes the Volume Shadow Copies (`vssadmin delete shadows`).
    DeleteShadowCopies,
    /// Adds itself to the autorun registry key under `name`.
    Autorun { name: String },
}

/// What happens to an agent's host at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointAction {
    /// A file is written to the disk.
    Write {
        host: String,
        path: String,
        bytes: FileBytes,
        via: Via,
    },
    /// Someone starts a full scan (手動検索; the desk's advice in case ①).
    FullScan { host: String },
    /// A program is started from `path` (written first if `bytes` is
    /// given) and does `activities`, one after another.
    Run {
        host: String,
        path: String,
        bytes: Option<FileBytes>,
        activities: Vec<Activity>,
    },
}

impl EndpointAction {
    pub fn host(&self) -> &str {
        match self {
            EndpointAction::Write { host, .. }
            | EndpointAction::FullScan { host }
            | EndpointAction::Run { host, .. } => host,
        }
    }
}

/// One endpoint moment of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointEntry {
    pub at: Instant,
    pub action: EndpointAction,
    /// What happened, in the seed's words, for logs and demos.
    pub note: Option<String>,
}

/// A scenario's endpoint side (`endpoint:` in a scenario).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointPlan {
    /// The vendor's pattern releases, oldest first.
    pub patterns: Vec<PatternRelease>,
    /// Files on the disks at the start.
    pub files: Vec<DiskFile>,
    /// Moments, oldest first.
    pub entries: Vec<EndpointEntry>,
    /// Agents that have not reached the management server since the given
    /// moment, before the run (a laptop away): in this scenario only, over
    /// the office's `offline_since`.
    pub offline: Vec<(String, Instant)>,
}
