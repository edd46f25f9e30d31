//! The settings of the security profile's anti-malware and mail security
//! tabs (seed 001, NTT West's recommended settings against Emotet), as
//! validated types. Defaults are those recommended settings: smart scan and
//! machine-learning scan on, subject tag `[ウイルス駆除済み]`, email
//! reputation on with RBL+ always rejected and Zombie temporarily rejected
//! with SMTP code 450, anti-spam at the Low detection level.

use serde::Deserialize;

/// 不正プログラム対策.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AntiMalwarePolicy {
    pub enabled: bool,
    /// スマートスキャン: ask the cloud's file reputation (the hash list).
    pub smart_scan: bool,
    /// 機械学習型検索: the heuristic model of `anti_malware::heuristic`.
    pub ml_scan: bool,
    /// Score at which the heuristic model detects.
    pub ml_threshold: u32,
    /// HTTP downloads whose file name ends in one of these are not scanned.
    pub http_exclusions: Vec<String>,
    /// What happens to an HTTP download that cannot be scanned.
    pub http_unscannable: UnscannableAction,
}

impl Default for AntiMalwarePolicy {
    fn default() -> Self {
        AntiMalwarePolicy {
            enabled: true,
            smart_scan: true,
            ml_scan: true,
            ml_threshold: 60,
            http_exclusions: "png,gif,jpg,mp3,mp4,avi,mov,wmv"
                .split(',')
                .map(String::from)
                .collect(),
            http_unscannable: UnscannableAction::Pass,
        }
    }
}

/// What to do with an object the scanner could not finish (encrypted,
/// over a limit).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnscannableAction {
    /// Deliver unchanged; log it.
    Pass,
    /// Deliver with the subject tag; log it.
    Tag,
    /// Replace the object with a notice (mail) or block it (HTTP).
    Remove,
}

/// What to do with a mail carrying malware (処理).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MalwareMailAction {
    /// タグの追加: remove the infected part, replace it with a notice, tag the subject.
    Tag,
    /// ブロック: refuse the message (SMTP 550 at the end of DATA; POP3 gets a notice mail).
    Block,
}

/// メールセキュリティ対策.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct MailSecurityPolicy {
    pub enabled: bool,
    pub malware_action: MalwareMailAction,
    /// 件名タグ.
    pub subject_tag: String,
    /// Attachments that cannot be scanned (password-protected zips).
    pub unscannable: UnscannableAction,
    pub anti_spam: AntiSpamPolicy,
    pub email_reputation: EmailReputationPolicy,
    /// Largest message the proxy holds for scanning; larger ones pass
    /// unscanned with an "unscannable" event.
    pub max_message_bytes: usize,
}

impl Default for MailSecurityPolicy {
    fn default() -> Self {
        MailSecurityPolicy {
            enabled: true,
            malware_action: MalwareMailAction::Tag,
            subject_tag: crate::labels::MALWARE_SUBJECT_TAG.to_string(),
            unscannable: UnscannableAction::Remove,
            anti_spam: AntiSpamPolicy::default(),
            email_reputation: EmailReputationPolicy::default(),
            max_message_bytes: 16 * 1024 * 1024,
        }
    }
}

/// スパムメール対策: content score -> "\[SPAM\]".
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AntiSpamPolicy {
    pub enabled: bool,
    /// 検出率 (セキュリティレベル).
    pub sensitivity: Sensitivity,
    /// What becomes of a mail the content score calls spam (seed 000:
    /// 「スパム判定されたメールの削除や隔離」; FAQ Q11 and Q18: the default
    /// tags the subject).
    pub action: SpamAction,
    pub tag: String,
    /// Sender addresses or `@domain`s never tagged.
    pub allow_senders: Vec<String>,
    /// Sender addresses or `@domain`s whose mail is blocked (seed 000:
    /// ブラックリストとの突合によるブロック): refused over SMTP, replaced by a
    /// notice over POP3.
    pub block_senders: Vec<String>,
}

impl Default for AntiSpamPolicy {
    fn default() -> Self {
        AntiSpamPolicy {
            enabled: true,
            sensitivity: Sensitivity::Low,
            action: SpamAction::Tag,
            tag: "[SPAM]".to_string(),
            allow_senders: Vec::new(),
            block_senders: Vec::new(),
        }
    }
}

/// What anti-spam does with a mail its content score calls spam.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SpamAction {
    /// Deliver it with the tag in its subject (the default).
    #[default]
    Tag,
    /// Accept it from the sender and deliver nothing (削除).
    Delete,
    /// Accept it from the sender, keep it at the gateway, deliver nothing
    /// (隔離).
    Quarantine,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    High,
    Medium,
    Low,
}

impl Sensitivity {
    /// The content score at which a mail is spam: a higher sensitivity
    /// catches more with a lower threshold.
    pub fn threshold(self) -> u32 {
        match self {
            Sensitivity::High => 30,
            Sensitivity::Medium => 50,
            Sensitivity::Low => 70,
        }
    }

    pub fn label(self) -> &'static str {
        self.level().label()
    }

    /// The detection level as a reason names it.
    pub fn level(self) -> crate::reason::SecurityLevel {
        use crate::reason::SecurityLevel;
        match self {
            Sensitivity::High => SecurityLevel::High,
            Sensitivity::Medium => SecurityLevel::Medium,
            Sensitivity::Low => SecurityLevel::Low,
        }
    }
}

/// メールレピュテーション. Seed 001 gives the console's two choices: 「初期設定
/// の推奨処理」 (RBL+に一致する接続を常時拒否 / Zombieに一致する接続を一時的に
/// 拒否) and 「一致するすべての接続に適用する処理」 with its 「SMTPのエラーコード
/// (範囲400~599、初期設定値=450)」 and 「SMTPのエラー文字列」.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct EmailReputationPolicy {
    pub enabled: bool,
    pub mode: ReputationMode,
    /// Recommended mode: RBL+に一致する接続を常時拒否 (550: a permanent
    /// refusal; the seed gives no code, 550 is this project's choice).
    pub reject_rbl_plus: bool,
    /// Recommended mode: Zombieに一致する接続を一時的に拒否 (450: temporary).
    pub reject_zombie: bool,
    /// `all` mode: SMTPのエラーコード for every matching connection
    /// (400-599, default 450).
    pub smtp_error_code: SmtpCode,
    /// `all` mode: SMTPのエラー文字列, the reply text after the code; the
    /// gateway's own text when left out.
    pub smtp_error_string: Option<SmtpText>,
}

/// How email reputation treats a listed sender.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReputationMode {
    /// 初期設定の推奨処理: RBL+ refused for good (550), Zombie for now (450).
    #[default]
    Recommended,
    /// 一致するすべての接続に適用する処理: every listed sender refused with
    /// the configured code and string.
    All,
}

impl Default for EmailReputationPolicy {
    fn default() -> Self {
        EmailReputationPolicy {
            enabled: true,
            mode: ReputationMode::Recommended,
            reject_rbl_plus: true,
            reject_zombie: true,
            smtp_error_code: SmtpCode(450),
            smtp_error_string: None,
        }
    }
}

/// The text of an SMTP reply line: printable ASCII (RFC 5321 4.2), at most
/// 200 characters, not empty; anything else is refused when the
/// configuration is read, so no configured text can break the reply line.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct SmtpText(String);

impl SmtpText {
    pub const MAX: usize = 200;

    pub fn new(text: &str) -> Result<SmtpText, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the SMTP error string is empty".into());
        }
        if text.len() > SmtpText::MAX {
            return Err(format!(
                "the SMTP error string is {} characters long; at most {}",
                text.len(),
                SmtpText::MAX
            ));
        }
        if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(format!(
                "the SMTP error string holds {c:?}: only printable ASCII fits in an SMTP reply"
            ));
        }
        Ok(SmtpText(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SmtpText {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        SmtpText::new(&text)
    }
}

/// An SMTP reply code in 400-599; anything else is refused when the
/// configuration is read.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(try_from = "u16")]
pub struct SmtpCode(u16);

impl SmtpCode {
    pub fn new(code: u16) -> Result<SmtpCode, String> {
        if (400..=599).contains(&code) {
            Ok(SmtpCode(code))
        } else {
            Err(format!("SMTP error code {code} is outside 400-599"))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for SmtpCode {
    type Error = String;
    fn try_from(code: u16) -> Result<Self, String> {
        SmtpCode::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_code_range_is_enforced_when_read() {
        let ok: Result<EmailReputationPolicy, _> = serde_yaml_ng_free("smtp_error_code: 451");
        assert_eq!(ok.map(|p| p.smtp_error_code.get()), Ok(451));
        assert!(SmtpCode::new(399).is_err());
        assert!(SmtpCode::new(600).is_err());
        assert_eq!(SmtpCode::new(599).map(SmtpCode::get), Ok(599));
    }

    #[test]
    fn smtp_text_is_one_printable_ascii_line() {
        assert_eq!(
            SmtpText::new(" Try again later ").map(|t| t.as_str().to_string()),
            Ok("Try again later".to_string())
        );
        for bad in ["", "   ", "two\r\nlines", "nul\0", "再送してください"] {
            assert!(SmtpText::new(bad).is_err(), "{bad:?}");
        }
        assert!(SmtpText::new(&"x".repeat(SmtpText::MAX)).is_ok());
        assert!(SmtpText::new(&"x".repeat(SmtpText::MAX + 1)).is_err());
    }

    /// serde_yaml is not a dependency of the appliance: read `key: n` by hand
    /// into the struct through serde's value deserializer.
    fn serde_yaml_ng_free(line: &str) -> Result<EmailReputationPolicy, String> {
        use serde::de::value::{Error, MapDeserializer};
        let (k, v) = line.split_once(':').ok_or("no colon")?;
        let n: u16 = v.trim().parse().map_err(|_| "not a number")?;
        let map = vec![(k.trim().to_string(), n)];
        let de: MapDeserializer<'_, _, Error> = MapDeserializer::new(map.into_iter());
        EmailReputationPolicy::deserialize(de).map_err(|e| e.to_string())
    }
}
