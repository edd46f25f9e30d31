//! The box's own words: the Japanese the gateway itself writes into the
//! traffic it rewrites (subject tags, the notices that replace attachments
//! and blocked mails), its web reputation bands and levels, and the name of
//! its default profile. The console's and the reports' words are the cloud's
//! label table (`cloud::labels`); the block page's and the alert mail's are
//! in `inspect::block_page` and `inspect::notify`.

use crate::reason::Band;

/// The subject tag of a mail whose attachment was removed (seed 001:
/// 「[ウイルス駆除済み]」).
pub const MALWARE_SUBJECT_TAG: &str = "[ウイルス駆除済み]";

/// The product's default profile name (seed 001).
pub const DEFAULT_PROFILE: &str = "【50-1】初期設定のプロファイル";

/// The web reputation security levels as the console names them (高, 中, 低),
/// accepted beside `high`, `medium`, `low` in a policy.
pub const LEVEL_HIGH: &str = "高";
pub const LEVEL_MEDIUM: &str = "中";
pub const LEVEL_LOW: &str = "低";

impl Band {
    /// The band's name in the service's console, written into the log text
    /// beside the English one, as the box logs it.
    pub fn ja(self) -> &'static str {
        match self {
            Band::Dangerous => "危険",
            Band::HighlySuspicious => "極めて不審",
            Band::Suspicious => "不審",
            Band::Safe => "安全",
            Band::Untested => "未評価",
        }
    }
}

/// The notice that replaces a removed infected attachment.
pub fn notice_malware(name: &str, threat: &str) -> String {
    format!(
        "このメールの添付ファイル「{name}」から不正プログラム({threat})が検出されたため、\
         Cloud Edge が添付ファイルを削除しました。\r\n\
         The attachment \"{name}\" contained malware ({threat}) and was removed by the gateway.\r\n"
    )
}

/// The notice that replaces an attachment that could not be scanned.
pub fn notice_unscannable(name: &str, reason: &str) -> String {
    format!(
        "このメールの添付ファイル「{name}」は検索できなかったため(理由: {reason})、\
         Cloud Edge が添付ファイルを削除しました。パスワード付きファイルにご注意ください。\r\n\
         The attachment \"{name}\" could not be scanned ({reason}) and was removed by the gateway.\r\n"
    )
}

/// The body of the mail a POP3 client gets instead of a blocked message.
pub fn blocked_mail_notice(subject: &str) -> String {
    format!(
        "元のメール(件名: {subject})から不正プログラムが検出されたため、Cloud Edge がメールを削除しました。\r\n"
    )
}

/// The notice a mail program gets instead of a message the sender block
/// list stopped (seed 000: ブラックリストとの突合によるブロック).
pub fn sender_blocked_mail_notice(subject: &str) -> String {
    format!(
        "元のメール(件名: {subject})の送信元がブロックリストに一致したため、Cloud Edge がメールをブロックしました。\r\n"
    )
}

/// The notice a mail program gets instead of spam the policy deletes or
/// quarantines (seed 000: スパム判定されたメールの削除や隔離).
pub fn spam_withheld_notice(subject: &str, quarantined: bool) -> String {
    let done = if quarantined { "隔離" } else { "削除" };
    format!(
        "元のメール(件名: {subject})はスパムメールと判定されたため、Cloud Edge がメールを{done}しました。\r\n"
    )
}
