//! The endpoint option (seed 002: おまかせアンチウイルス / EDRプラス, the
//! security package's 端末セキュリティ): what the agents on the office's PCs
//! and servers report to the service's cloud, in the shapes the endpoint
//! monthly report reads.
//!
//! The agents themselves are played by the twin (`twin::endpoint`): they
//! scan what is written on their hosts, watch what programs do and report
//! here. This module holds only the records they send: one
//! [`EndpointEvent`] per detection (what, where, how it was found, what was
//! done and why) and one [`AgentStatus`] per agent as the management server
//! last saw it (product, pattern, last contact, which protections are on).
//! The words for every variant are in the label table (`labels`), never
//! here.
//!
//! - [`store`]: the events and the agents' daily statuses in SQLite.
//! - [`report`]: the endpoint monthly report's model, built from the store.
//! - [`markdown`], [`html`]: its renderings (JSON is the model's serde form).
//! - [`mail`]: the report mail to the office's admin.

pub mod html;
pub mod mail;
pub mod markdown;
pub mod report;
pub mod store;
#[cfg(test)]
mod tests;
pub mod words;

pub use report::EndpointReport;
pub use store::EndpointStore;

use appliance::Instant;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which licence the office has (seed 002: the antivirus report, and the
/// EDR option's report on top of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// おまかせアンチウイルス
    Antivirus,
    /// おまかせアンチウイルスEDRプラス
    AntivirusEdr,
}

/// The office's endpoint licence: the product and how many agents it
/// covers (seed 002, 概要: 「ご契約ライセンス数のうち、20％を利用中です」).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub product: Product,
    pub seats: u32,
}

/// What kind of device an agent runs on: the report counts desktops
/// (PCs) and mobiles apart, and lists endpoints and servers in separate
/// tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A PC (デスクトップ(パソコン)).
    Desktop,
    /// A server (サーバ).
    Server,
    /// A smartphone or tablet (モバイル).
    Mobile,
}

/// Which of the agent's functions made a detection: one per section of
/// the antivirus report, and the EDR option's suspicious activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// ウイルス/不正プログラム
    VirusMalware,
    /// スパイウェア/グレーウェア
    SpywareGrayware,
    /// Webレピュテーション
    WebReputation,
    /// URLフィルタ
    UrlFilter,
    /// 挙動監視
    BehaviourMonitoring,
    /// ネットワークウイルス
    NetworkVirus,
    /// EDR: 注意が必要なイベント (suspicious activity)
    SuspiciousActivity,
}

/// How a file came to be scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    /// リアルタイム検索: when the file was written or opened.
    RealTime,
    /// 機械学習型検索: the machine-learning scan on write, after the
    /// pattern found nothing.
    MachineLearning,
    /// 手動検索: a full scan someone started (the desk's advice in case ①).
    Manual,
    /// 予約検索: the scheduled scan.
    Scheduled,
}

/// What the agent did (seed 002's 処理項目, and the other features'
/// outcomes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 駆除: the file was restored to a clean one.
    Cleaned,
    /// 削除: the file could not be cleaned and was erased.
    Deleted,
    /// 放置: possibly a virus, not certain; left in place.
    Passed,
    /// 隔離: moved into the quarantine folder.
    Quarantined,
    /// 拡張子変更: renamed to `.vir` so it cannot be opened.
    Renamed,
    /// 要確認: the action failed; the support desk calls.
    NeedsAttention,
    /// 駆除されていません (spyware): not cleaned; the desk calls.
    NotCleaned,
    /// 再起動する (spyware): cleaning completes at the next restart.
    RestartRequired,
    /// 安全ではない (spyware): its process could not be stopped.
    Unsafe,
    /// The access or the program was stopped (web reputation, URL filter,
    /// behaviour monitoring, network virus).
    Blocked,
    /// Only logged (a function set to monitor).
    Logged,
    /// EDR cut the endpoint off the network (FAQ Q12: 感染端末をネットワーク
    /// から隔離).
    Isolated,
}

/// Where an EDR event needing attention stands when the report is made
/// (seed 002, 1-4 注意が必要なイベントのステータス).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdrStatus {
    /// 新規: nobody has looked at it yet.
    New,
    /// 調査中: the endpoint is isolated and under investigation.
    InProgress,
    /// 解決済み: closed (the endpoint restored or cleared).
    Resolved,
}

/// One detection by an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointEvent {
    pub at: Instant,
    /// The agent's host name (e.g. `PC-XP`).
    pub endpoint: String,
    pub device: DeviceKind,
    pub feature: Feature,
    /// What was found: a malware or grayware name, a URL category, a
    /// program's name, a network virus or an EDR rule.
    pub threat: String,
    /// What it was found in or on: a file path, a URL, a remote address.
    pub object: String,
    /// How a file was scanned (file features only).
    pub scan: Option<ScanKind>,
    pub action: Action,
    /// Why, in the agent's English: the pattern entry and its version, the
    /// score against its threshold, the behaviour and its count.
    pub reason: String,
    /// EDR events only: where the event stands now.
    pub status: Option<EdrStatus>,
}

/// Which protections an agent has on (seed 002, EDR part 3: endpoint
/// protection settings; a PC with one off is listed under it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protections {
    /// リアルタイム検索
    pub real_time: bool,
    /// 挙動監視
    pub behaviour: bool,
    /// 機械学習型検索
    pub machine_learning: bool,
    /// Webレピュテーション
    pub web_reputation: bool,
    /// URLフィルタ
    pub url_filter: bool,
    /// Endpoint Detection and Response (EDRプラス only)
    pub edr: bool,
}

/// One agent as the management server sees it at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    pub endpoint: String,
    pub device: DeviceKind,
    /// The OS label, e.g. `Windows XP`.
    pub os: String,
    /// Whether the vendor still supports the OS (Windows XP and Windows 7
    /// are not: seed 002, 2-3).
    pub os_supported: bool,
    /// The agent program and its version, e.g. `Apex One 14.0`.
    pub program: String,
    /// The pattern file's version and release date.
    pub pattern_version: String,
    pub pattern_date: NaiveDate,
    /// Whether the pattern is the newest released (seed 002, 2-2: 保護機能が
    /// 最新ではないエージェント).
    pub up_to_date: bool,
    /// When the agent last reached the management server.
    pub last_contact: Instant,
    pub protections: Protections,
    /// Whether EDR has cut it off the network.
    pub isolated: bool,
}

/// An agent is "offline" in the report's sense when it has not reached
/// the management server for this long (seed 002, 2-1: 14日間以上).
pub const OFFLINE_AFTER_DAYS: u32 = 14;

impl AgentStatus {
    /// Whether the agent counts as offline at `now` (14 days or more since
    /// its last contact).
    pub fn offline_at(&self, now: Instant) -> bool {
        let days = now.saturating_since(self.last_contact).as_secs() / 86_400;
        days >= u64::from(OFFLINE_AFTER_DAYS)
    }
}

codes!(Product {
    Antivirus => "antivirus",
    AntivirusEdr => "antivirus_edr",
});
codes!(DeviceKind {
    Desktop => "desktop",
    Server => "server",
    Mobile => "mobile",
});
codes!(Feature {
    VirusMalware => "virus_malware",
    SpywareGrayware => "spyware_grayware",
    WebReputation => "web_reputation",
    UrlFilter => "url_filter",
    BehaviourMonitoring => "behaviour_monitoring",
    NetworkVirus => "network_virus",
    SuspiciousActivity => "suspicious_activity",
});
codes!(ScanKind {
    RealTime => "real_time",
    MachineLearning => "machine_learning",
    Manual => "manual",
    Scheduled => "scheduled",
});
codes!(Action {
    Cleaned => "cleaned",
    Deleted => "deleted",
    Passed => "passed",
    Quarantined => "quarantined",
    Renamed => "renamed",
    NeedsAttention => "needs_attention",
    NotCleaned => "not_cleaned",
    RestartRequired => "restart_required",
    Unsafe => "unsafe",
    Blocked => "blocked",
    Logged => "logged",
    Isolated => "isolated",
});
codes!(EdrStatus {
    New => "new",
    InProgress => "in_progress",
    Resolved => "resolved",
});

impl Licence {
    /// Whether the licence includes the EDR option (the report's EDR part).
    pub fn has_edr(&self) -> bool {
        self.product == Product::AntivirusEdr
    }
}

/// The protections of [`Protections`] the report's EDR part 3 lists (3-1
/// to 3-5, in its order), as (code, whether it is on). URL filtering has no
/// entry of its own there.
impl Protections {
    pub const LISTED: [&'static str; 5] = [
        "real_time",
        "behaviour",
        "machine_learning",
        "web_reputation",
        "edr",
    ];

    /// Whether the protection with `code` (one of [`Protections::LISTED`],
    /// or `url_filter`) is on; `None` for an unknown code.
    pub fn is_on(&self, code: &str) -> Option<bool> {
        Some(match code {
            "real_time" => self.real_time,
            "behaviour" => self.behaviour,
            "machine_learning" => self.machine_learning,
            "web_reputation" => self.web_reputation,
            "url_filter" => self.url_filter,
            "edr" => self.edr,
            _ => return None,
        })
    }
}
