//! Cloud App Security (seed 003: おまかせクラウドアップセキュリティ): the
//! office's cloud mail and online storage scanned through the services'
//! APIs, never at the office's gateway, and what the scan records for the
//! monthly report.
//!
//! The services themselves (Exchange Online, Gmail, Box, OneDrive...) are
//! played by the twin; the scanner here reads their change feeds the way
//! the real product reads the vendors' APIs, and acts on what it finds
//! through them. This module holds the records the scan writes: one
//! [`AppSecurityEvent`] per detection (which application, whose mail
//! address, which protection found what, the virtual analyzer's risk level,
//! what was done and why). The words for every variant are in the label
//! table (`labels`), never here.
//!
//! - [`store`]: the detections in SQLite; [`report`]: the monthly report's
//!   model; [`markdown`], [`html`]: its renderings (JSON is the model's
//!   serde form), with [`words`]; [`mail`]: the report mail.

pub mod html;
pub mod mail;
pub mod markdown;
pub mod report;
pub mod scan;
pub mod store;
#[cfg(test)]
mod tests;
pub mod words;

pub use report::AppSecurityReport;
pub use store::AppSecurityStore;

use appliance::Instant;
use serde::{Deserialize, Serialize};

/// The services the product connects to: the ten rows of seed 003's
/// overview table (概要 > 検出の概要), in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Application {
    /// Box
    Box,
    /// Dropbox
    Dropbox,
    /// Exchange (Exchange Online, Microsoft 365's mail)
    Exchange,
    /// Gmail (Google Workspace)
    Gmail,
    /// Googleドライブ
    GoogleDrive,
    /// OneDrive
    OneDrive,
    /// Salesforce本番環境
    SalesforceProduction,
    /// Salesforce Sandbox
    SalesforceSandbox,
    /// SharePoint
    SharePoint,
    /// Microsoft Teams
    Teams,
}

/// The two policy families of the overview's columns: 高度な脅威対策 (ATP)
/// and 情報漏えい対策 (DLP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// 高度な脅威対策
    AdvancedThreat,
    /// 情報漏えい対策
    DataLoss,
}

/// Which function made a detection: one per section of the report after
/// its overview (seed 003, レポート詳細② to ⑦).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    /// ウイルス/不正プログラム: the virus scan engines.
    VirusMalware,
    /// ファイルのブロック: by file type, name, extension, or a suspicious
    /// URL in the content.
    FileBlocking,
    /// Webレピュテーション: a URL the vendor rates dangerous in a mail or
    /// file.
    WebReputation,
    /// 仮想アナライザ: a suspicious file or URL sent to the sandbox; counted
    /// whatever its risk level.
    VirtualAnalyzer,
    /// 情報漏えい対策: text matching a data-loss policy's patterns.
    DataLoss,
}

impl Detection {
    /// The overview column the detection counts in: the four threat
    /// functions are advanced threat protection, the last is DLP.
    pub fn protection(self) -> Protection {
        match self {
            Detection::DataLoss => Protection::DataLoss,
            _ => Protection::AdvancedThreat,
        }
    }
}

/// The virtual analyzer's verdict on a suspicious file or URL (seed 003,
/// 仮想アナライザ(2), the risk-level table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// 高: very suspicious traits usually tied to malware.
    High,
    /// 中: moderately suspicious traits, sometimes seen in harmless
    /// programs.
    Medium,
    /// 低: probably harmless, a few suspicious traits.
    Low,
    /// リスクなし: no suspicious traits.
    NoRisk,
    /// 不明: no suspicious traits seen, but not necessarily safe (e.g. more
    /// than 20 compression layers: the file could not be analysed).
    Unknown,
}

/// What was done with the mail, file or message (the policy's action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 隔離: moved to the product's quarantine.
    Quarantined,
    /// 削除: deleted from the service.
    Deleted,
    /// テキストで置換: the attachment or file replaced by a notice text.
    ReplacedWithText,
    /// ファイルで置換: the file replaced by a notice file.
    ReplacedWithFile,
    /// ログのみ: only logged; the threat stays where it was.
    LoggedOnly,
}

impl Action {
    /// Whether the threat is gone from where users reach it (seed 003:
    /// 「「隔離」「削除」「テキスト/ファイルで置換」以外を選択している場合は、
    /// 脅威が残った状態になります」).
    pub fn removes_threat(self) -> bool {
        self != Action::LoggedOnly
    }
}

/// What a detection was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A mail received into a mailbox.
    IncomingMail,
    /// A mail a user sent (data-loss policies cannot block it: seed 003,
    /// 「送信メールはブロックすることができない」).
    OutgoingMail,
    /// A file in online storage, uploaded or changed.
    File,
    /// A chat message (Teams) or a record (Salesforce).
    Message,
}

/// One detection by the scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSecurityEvent {
    pub at: Instant,
    pub application: Application,
    /// The mail address the report lists (seed 003: 「ユーザ : 脅威が検出された
    /// メールアドレス」): the mailbox's owner, the file's owner, the sender
    /// of an outgoing mail or of a message.
    pub user: String,
    pub detection: Detection,
    pub object: ObjectKind,
    /// The mail's subject, the file's path, the message's channel.
    pub name: String,
    /// What was found: a malware name, the blocking rule, the URL, the
    /// data-loss policy's pattern.
    pub threat: String,
    /// Virtual analyzer detections only: the sandbox's verdict.
    pub risk: Option<RiskLevel>,
    pub action: Action,
    /// The policy that decided, as the administrator named it.
    pub policy: String,
    /// Why, in the scanner's English: the signature, the rule that
    /// matched, the score, the pattern and how many matches.
    pub reason: String,
}

codes!(Application {
    Box => "box",
    Dropbox => "dropbox",
    Exchange => "exchange",
    Gmail => "gmail",
    GoogleDrive => "google_drive",
    OneDrive => "one_drive",
    SalesforceProduction => "salesforce_production",
    SalesforceSandbox => "salesforce_sandbox",
    SharePoint => "share_point",
    Teams => "teams",
});
codes!(Protection {
    AdvancedThreat => "advanced_threat",
    DataLoss => "data_loss",
});
codes!(Detection {
    VirusMalware => "virus_malware",
    FileBlocking => "file_blocking",
    WebReputation => "web_reputation",
    VirtualAnalyzer => "virtual_analyzer",
    DataLoss => "data_loss",
});
codes!(RiskLevel {
    High => "high",
    Medium => "medium",
    Low => "low",
    NoRisk => "no_risk",
    Unknown => "unknown",
});
codes!(Action {
    Quarantined => "quarantined",
    Deleted => "deleted",
    ReplacedWithText => "replaced_with_text",
    ReplacedWithFile => "replaced_with_file",
    LoggedOnly => "logged_only",
});
codes!(ObjectKind {
    IncomingMail => "incoming_mail",
    OutgoingMail => "outgoing_mail",
    File => "file",
    Message => "message",
});
