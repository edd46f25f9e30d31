//! The scan's policies as the administrator sets them (seed 003's two
//! families: 高度な脅威対策 and 情報漏えい対策), validated: the scenario
//! loader builds these from its YAML and refuses what does not fit.

use super::file_type::FileType;
use crate::app_security::{Action, Application, RiskLevel};
use appliance::policy::Level;

/// Every policy of one office's Cloud App Security.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanPolicy {
    /// The services connected to the product (the report lists all ten
    /// whatever this holds).
    pub applications: Vec<Application>,
    pub threat: ThreatPolicy,
    pub data_loss: Vec<DataLossPolicy>,
}

/// 高度な脅威対策: one policy with its four functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreatPolicy {
    pub name: String,
    /// ウイルス/不正プログラム: what a file the engines find gets.
    pub virus_action: Action,
    /// ファイルのブロック, off when `None`.
    pub file_blocking: Option<FileBlocking>,
    /// Webレピュテーション, off when `None`.
    pub web_reputation: Option<WebReputation>,
    /// 仮想アナライザ, off when `None`.
    pub analyzer: Option<Analyzer>,
}

/// File blocking's rules: a file matching any of them is blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileBlocking {
    /// True file types (read from the bytes).
    pub types: Vec<FileType>,
    /// Extensions, lowered, without the dot.
    pub extensions: Vec<String>,
    /// Name patterns (`*` any run, `?` one character; case-insensitive).
    pub names: Vec<String>,
    /// Files whose content links to a suspicious URL: an IP address for a
    /// host, or a path ending in a program or script.
    pub suspicious_urls: bool,
    pub action: Action,
}

/// Web reputation on URLs in mail bodies, messages and files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebReputation {
    /// The security level (the same bands as the gateway's).
    pub level: Level,
    pub action: Action,
}

/// The virtual analyzer's actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analyzer {
    /// Risk levels at or above this get `action`; below, logged only.
    pub act_at: RiskLevel,
    pub action: Action,
    /// What a file rated 不明 gets.
    pub unknown_action: Action,
}

/// One 情報漏えい対策 policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataLossPolicy {
    pub name: String,
    pub patterns: Vec<Pattern>,
    /// Matches (all patterns together) needed for a detection.
    pub min_matches: usize,
    /// Where it applies; empty means every connected service.
    pub applications: Vec<Application>,
    /// Files only when shared with anyone with the link.
    pub shared_only: bool,
    /// What a matching file or received item gets; outgoing mail is
    /// always only logged (seed 003: 「送信メールはブロックすることができない」).
    pub action: Action,
}

/// What a data-loss policy looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// 個人番号 (My Number): 12 digits with a valid check digit.
    MyNumber,
    /// A payment card number: a known issuer's prefix, Luhn-valid.
    CreditCard,
    /// A keyword, matched case-insensitively.
    Keyword(String),
}

impl Pattern {
    /// The pattern as logs name it.
    pub fn describe(&self) -> String {
        match self {
            Pattern::MyNumber => "My Number".to_string(),
            Pattern::CreditCard => "credit card number".to_string(),
            Pattern::Keyword(k) => format!("keyword \"{k}\""),
        }
    }
}

impl Default for ThreatPolicy {
    /// The product's recommended threat policy: threats quarantined, web
    /// reputation at medium, the analyzer acting on 高 and 中, file
    /// blocking off until the administrator names what to block.
    fn default() -> Self {
        ThreatPolicy {
            name: "Default advanced threat protection".to_string(),
            virus_action: Action::Quarantined,
            file_blocking: None,
            web_reputation: Some(WebReputation {
                level: Level::Medium,
                action: Action::Quarantined,
            }),
            analyzer: Some(Analyzer {
                act_at: RiskLevel::Medium,
                action: Action::Quarantined,
                unknown_action: Action::LoggedOnly,
            }),
        }
    }
}

impl Default for ScanPolicy {
    fn default() -> Self {
        ScanPolicy {
            applications: Application::ALL.to_vec(),
            threat: ThreatPolicy::default(),
            data_loss: Vec::new(),
        }
    }
}

/// Whether `name` matches a pattern with `*` and `?` (case-insensitive,
/// on the file's base name).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_lowercase();
    let pattern = pattern.to_lowercase();
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), base.chars().collect());
    // Iterative wildcard match: the last `*` is the only backtrack point.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        // A `*` in the pattern is always the wildcard, even where the name
        // has a `*` too (Google Drive allows it in names).
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_with_wildcards_case_insensitively() {
        assert!(name_matches("*.exe", "Setup.EXE"));
        assert!(name_matches("invoice-??.pdf", "docs/invoice-07.pdf"));
        assert!(!name_matches("invoice-??.pdf", "invoice-7.pdf"));
        assert!(name_matches("*", ""));
        assert!(name_matches("a*b*c", "aXXbYYc"));
        assert!(!name_matches("a*b*c", "aXXbYY"));
        // A `*` in the name is matched by the pattern's wildcard.
        assert!(name_matches("*a", "*ba"));
        assert!(name_matches("*.exe", "x*y.exe"));
    }
}
