//! The Cloud App Security scan: reads each connected service's change
//! feed through its API ([`api::Api`]), inspects every new or changed
//! mail, file and message with the office's policies, has the service
//! quarantine, delete or replace what they say, and writes one
//! [`AppSecurityEvent`] per detection.
//!
//! Per item, in order (seed 003's functions):
//! 1. 高度な脅威対策, per file: the virus engines (the gateway's
//!    anti-malware scanner: pattern, file reputation, machine-learning
//!    scan), else file blocking's rules, else, for what can run, the
//!    virtual analyzer ([`analyzer`]); and web reputation on the URLs of
//!    the text and the files (the worst-rated one is logged). A sharing
//!    change alone does not rescan content for threats.
//! 2. 情報漏えい対策: every data-loss policy for the service, on the
//!    subject or path, the text and every file's text ([`dlp`]).
//!
//! Remedies: the strongest action of the item's detections is applied
//! once (削除 over 隔離 over 置換); a replacement swaps only the file that
//! was detected. A data-loss detection on an outgoing mail is only logged
//! (seed 003: 「送信メールはブロックすることができない」), and says so.

pub mod analyzer;
pub mod api;
pub mod blocking;
pub mod card;
pub mod digits;
pub mod dlp;
pub mod file_type;
pub mod my_number;
pub mod policy;
pub mod text;

use crate::app_security::{Action, AppSecurityEvent, Application, Detection, ObjectKind};
use api::{Api, Attachment, ChangeKind, Item, Offline, Remedy, Sandbox, Sharing};
use appliance::Intel;
use appliance::config::AntiMalwarePolicy;
use appliance::inspect::anti_malware::{self, FileVerdict};
use appliance::inspect::mail_links::split_url;
use appliance::inspect::web_reputation;
use appliance::policy::ReputationPolicy;
use appliance::proto::mime::extract_urls;
use appliance::{Instant, Reason};
use policy::{DataLossPolicy, ScanPolicy};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use policy::Pattern;

/// Text read out of one item's files, all together.
pub const MAX_ITEM_TEXT: usize = 32 * 1024 * 1024;

/// URLs of one item the sandbox opens at most (the rest are not analysed).
pub const MAX_URLS_ANALYSED: usize = 5;

/// The notice a replaced file becomes (the product's wording is the
/// administrator's to change; this is the scanner's default).
pub const NOTICE_NAME: &str = "removed-by-cloud-app-security.txt";

/// One office's scan: its policies, the engines compiled for them, and how
/// far it has read each service's feed.
pub struct Scanner {
    policy: ScanPolicy,
    engines: anti_malware::Scanner,
    intel: Arc<dyn Intel + Send + Sync>,
    sandbox: Arc<dyn Sandbox + Send + Sync>,
    cursors: BTreeMap<Application, u64>,
}

/// One detection before it is logged.
struct Finding {
    detection: Detection,
    threat: String,
    risk: Option<crate::app_security::RiskLevel>,
    action: Action,
    policy: String,
    reason: String,
    /// The index in the item's files of the file it was found in (for a
    /// replacement); `None` for the item's own text.
    file: Option<usize>,
}

impl Scanner {
    /// A scan with `policy`, asking `intel` (the vendor's cloud: patterns,
    /// file reputation, web ratings).
    pub fn new(policy: ScanPolicy, intel: Arc<dyn Intel + Send + Sync>) -> Scanner {
        let engines = anti_malware::Scanner::new(&AntiMalwarePolicy::default(), intel.as_ref());
        Scanner {
            policy,
            engines,
            intel,
            sandbox: Arc::new(Offline),
            cursors: BTreeMap::new(),
        }
    }

    /// The same scan with the virtual analyzer's browser reaching
    /// `sandbox` (without one, every unrated URL is 不明).
    pub fn with_sandbox(mut self, sandbox: Arc<dyn Sandbox + Send + Sync>) -> Scanner {
        self.sandbox = sandbox;
        self
    }

    /// Reads every connected service's feed from where it stopped,
    /// inspects each changed item, applies the remedies, and returns the
    /// detections, stamped `now`.
    pub fn poll(&mut self, now: Instant, api: &mut dyn Api) -> Vec<AppSecurityEvent> {
        let mut events = Vec::new();
        for app in self.policy.applications.clone() {
            let after = self.cursors.get(&app).copied().unwrap_or(0);
            for change in api.changes(app, after) {
                self.cursors.insert(app, change.seq);
                let Some(item) = api.fetch(app, &change.item) else {
                    continue;
                };
                let findings = self.inspect(app, &item, change.kind);
                if findings.is_empty() {
                    continue;
                }
                let outcomes = apply_remedies(api, app, &change.item, &item, &findings);
                events.extend(
                    findings
                        .into_iter()
                        .zip(outcomes)
                        .map(|(f, (action, note))| {
                            let reason = match note {
                                Some(note) => format!("{}; {note}", f.reason),
                                None => f.reason,
                            };
                            AppSecurityEvent {
                                at: now,
                                application: app,
                                user: item.user.clone(),
                                detection: f.detection,
                                object: item.kind,
                                name: item.name.clone(),
                                threat: f.threat,
                                risk: f.risk,
                                action,
                                policy: f.policy,
                                reason,
                            }
                        }),
                );
            }
        }
        events
    }

    /// Every detection in one item.
    fn inspect(&self, app: Application, item: &Item, kind: ChangeKind) -> Vec<Finding> {
        // Each file's text is bounded; so is the item's, all files together.
        let mut room = MAX_ITEM_TEXT;
        let texts: Vec<String> = item
            .files
            .iter()
            .map(|f| {
                let mut text = text::of_file(&f.bytes);
                if text.len() > room {
                    let mut cut = room;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                room -= text.len();
                text
            })
            .collect();
        let mut findings = Vec::new();
        if kind != ChangeKind::SharingChanged {
            for (index, (file, text)) in item.files.iter().zip(&texts).enumerate() {
                findings.extend(self.file_threat(index, file, text));
            }
            findings.extend(self.web_reputation(item, &texts));
            findings.extend(self.url_analysis(item, &texts));
        }
        for policy in &self.policy.data_loss {
            findings.extend(self.data_loss(policy, app, item, kind, &texts));
        }
        findings
    }

    /// The virus engines, else file blocking, else the virtual analyzer.
    fn file_threat(&self, index: usize, file: &Attachment, text: &str) -> Option<Finding> {
        let threat = &self.policy.threat;
        let report = self.engines.scan(&file.name, &file.bytes);
        if let FileVerdict::Malware {
            threat: name,
            reasons,
        } = &report.verdict
        {
            return Some(Finding {
                detection: Detection::VirusMalware,
                threat: name.clone(),
                risk: None,
                action: threat.virus_action,
                policy: threat.name.clone(),
                reason: format!("{}: {}", file.name, reasons_text(reasons)),
                file: Some(index),
            });
        }
        if let Some(rules) = &threat.file_blocking
            && let Some(rule) = blocking::matched_rule(rules, &file.name, &file.bytes, text)
        {
            return Some(Finding {
                detection: Detection::FileBlocking,
                threat: rule.clone(),
                risk: None,
                action: rules.action,
                policy: threat.name.clone(),
                reason: format!("{}: blocked by {rule}", file.name),
                file: Some(index),
            });
        }
        let settings = threat.analyzer.as_ref()?;
        let analysis = analyzer::analyze(&file.name, &file.bytes);
        if !analysis.submitted {
            return None;
        }
        Some(self.analyzed(settings, &file.name, &analysis, Some(index)))
    }

    /// The worst-rated URL of the item's text and files that the level
    /// blocks.
    fn web_reputation(&self, item: &Item, texts: &[String]) -> Option<Finding> {
        let settings = self.policy.threat.web_reputation.as_ref()?;
        let reputation = ReputationPolicy {
            level: settings.level,
            ..ReputationPolicy::default()
        };
        let (urls, from_text) = urls_of(item, texts);
        let mut worst: Option<(u8, usize, String, web_reputation::ReputationHit)> = None;
        for (i, url) in urls.iter().enumerate() {
            let Some((host, path)) = split_url(url) else {
                continue;
            };
            let rating = self.intel.web_lookup(&host, Some(&path));
            let Some(hit) = web_reputation::check(rating.as_ref(), &reputation) else {
                continue;
            };
            if worst.as_ref().is_none_or(|(score, ..)| hit.score < *score) {
                worst = Some((hit.score, i, url.clone(), hit));
            }
        }
        let (_, index, url, hit) = worst?;
        let file = owner_of(texts, &url, index >= from_text);
        Some(Finding {
            detection: Detection::WebReputation,
            threat: url.clone(),
            risk: None,
            action: settings.action,
            policy: self.policy.threat.name.clone(),
            reason: format!(
                "{url}: score {} ({}), blocked at security level {:?}",
                hit.score,
                hit.band.label(),
                hit.level
            ),
            file,
        })
    }

    /// The item's URLs the vendor has not rated, opened in the sandbox;
    /// the worst-rated one is logged (seed 003: 「ファイルやメール本文に
    /// 含まれる不審URL」).
    fn url_analysis(&self, item: &Item, texts: &[String]) -> Option<Finding> {
        let settings = self.policy.threat.analyzer.as_ref()?;
        let (urls, from_text) = urls_of(item, texts);
        let mut worst: Option<(usize, String, analyzer::Analysis)> = None;
        let unrated = urls.iter().enumerate().filter(|(_, url)| {
            split_url(url).is_some_and(|(host, path)| {
                self.intel.web_lookup(&host, Some(&path)).is_none_or(|r| {
                    web_reputation::Band::of(r.score) == web_reputation::Band::Untested
                })
            })
        });
        for (i, url) in unrated.take(MAX_URLS_ANALYSED) {
            let visit = self.sandbox.visit(url);
            let analysis = analyzer::analyze_url(url, visit.as_ref());
            let worse = worst.as_ref().is_none_or(|(_, _, w)| {
                analyzer::severity(analysis.risk) > analyzer::severity(w.risk)
            });
            if worse {
                worst = Some((i, url.clone(), analysis));
            }
        }
        let (index, url, analysis) = worst?;
        let file = owner_of(texts, &url, index >= from_text);
        Some(self.analyzed(settings, &url, &analysis, file))
    }

    /// The analyzer's finding on `what` (a file's name or a URL).
    fn analyzed(
        &self,
        settings: &policy::Analyzer,
        what: &str,
        analysis: &analyzer::Analysis,
        file: Option<usize>,
    ) -> Finding {
        let traits = if analysis.traits.is_empty() {
            "no suspicious trait".to_string()
        } else {
            analysis.traits.join("; ")
        };
        Finding {
            detection: Detection::VirtualAnalyzer,
            threat: what.to_string(),
            risk: Some(analysis.risk),
            action: analyzer_action(settings, analysis.risk),
            policy: self.policy.threat.name.clone(),
            reason: format!(
                "virtual analyzer rated {what} risk {}: {traits}",
                analysis.risk.code()
            ),
            file,
        }
    }

    /// One data-loss policy on one item.
    fn data_loss(
        &self,
        policy: &DataLossPolicy,
        app: Application,
        item: &Item,
        kind: ChangeKind,
        texts: &[String],
    ) -> Option<Finding> {
        if !policy.applications.is_empty() && !policy.applications.contains(&app) {
            return None;
        }
        let public = item.sharing == Some(Sharing::Public);
        if policy.shared_only && item.kind == ObjectKind::File && !public {
            return None;
        }
        // A sharing change is news only to a policy that cares who can
        // open the file; the content was checked when it was written.
        if kind == ChangeKind::SharingChanged && !policy.shared_only {
            return None;
        }
        let mut all = format!("{}\n{}", item.name, item.text);
        for text in texts {
            all.push('\n');
            all.push_str(text);
        }
        let matches = dlp::count(policy, &all);
        if matches.total() < policy.min_matches.max(1) {
            return None;
        }
        let outgoing = item.kind == ObjectKind::OutgoingMail;
        let action = if outgoing {
            Action::LoggedOnly
        } else {
            policy.action
        };
        let mut reason = format!(
            "{} matches of policy \"{}\" (threshold {})",
            matches.total(),
            policy.name,
            policy.min_matches.max(1)
        );
        if outgoing && policy.action.removes_threat() {
            reason.push_str("; a sent mail cannot be blocked, only logged");
        }
        if public {
            reason.push_str("; shared with anyone with the link");
        }
        let file = match item.files.as_slice() {
            [_] if item.kind == ObjectKind::File => Some(0),
            _ => None,
        };
        Some(Finding {
            detection: Detection::DataLoss,
            threat: matches.describe(),
            risk: None,
            action,
            policy: policy.name.clone(),
            reason,
            file,
        })
    }
}

/// The URLs of an item's text, then of its files' texts, and how many
/// came from the text.
fn urls_of(item: &Item, texts: &[String]) -> (Vec<String>, usize) {
    let mut urls = Vec::new();
    extract_urls(&item.text, &mut urls);
    let from_text = urls.len();
    for text in texts {
        extract_urls(text, &mut urls);
    }
    (urls, from_text)
}

/// The file a URL was found in: a link in a file is that file's, one in
/// the item's text the item's (`None`).
fn owner_of(texts: &[String], url: &str, in_files: bool) -> Option<usize> {
    if !in_files {
        return None;
    }
    texts.iter().position(|text| text.contains(url))
}

/// What the analyzer's policy does at a risk level: 不明 its own action,
/// at or above the threshold the action, below it logged only.
fn analyzer_action(settings: &policy::Analyzer, risk: crate::app_security::RiskLevel) -> Action {
    if risk == crate::app_security::RiskLevel::Unknown {
        settings.unknown_action
    } else if analyzer::at_or_above(risk, settings.act_at) {
        settings.action
    } else {
        Action::LoggedOnly
    }
}

/// Applies the findings' remedies and says, for each finding, the action
/// really taken and what to add to its reason.
///
/// The strongest whole-item action of any finding is applied once (削除
/// over 隔離; a replacement of the item's own text, which cannot be cut
/// out, counts as 隔離), and then it is every finding's action: the threat
/// is gone whatever each policy asked, and the log says so. Otherwise each
/// detected file is replaced once, however many findings point at it, and
/// a finding is logged as replaced only if its own file was. A remedy the
/// service refuses leaves the threat: those findings are logged only,
/// with the service's words.
fn apply_remedies(
    api: &mut dyn Api,
    app: Application,
    id: &str,
    item: &Item,
    findings: &[Finding],
) -> Vec<(Action, Option<String>)> {
    let has = |a: Action| findings.iter().any(|f| f.action == a);
    let text_replaced = findings.iter().any(|f| {
        matches!(
            f.action,
            Action::ReplacedWithText | Action::ReplacedWithFile
        ) && f.file.is_none()
    });
    let whole = if has(Action::Deleted) {
        Some((Remedy::Delete, Action::Deleted))
    } else if has(Action::Quarantined) || text_replaced {
        Some((Remedy::Quarantine, Action::Quarantined))
    } else {
        None
    };
    if let Some((remedy, applied)) = whole {
        let result = api.remedy(app, id, &remedy);
        return findings
            .iter()
            .map(|f| match &result {
                Ok(()) if f.action == applied => (applied, None),
                Ok(()) => (
                    applied,
                    Some(format!(
                        "the item was {} for another detection",
                        applied.code().replace('_', " ")
                    )),
                ),
                Err(why) if f.action.removes_threat() => (
                    Action::LoggedOnly,
                    Some(format!("the service refused the remedy: {why}")),
                ),
                Err(_) => (f.action, None),
            })
            .collect();
    }
    let mut replaced: BTreeMap<usize, Result<(), String>> = BTreeMap::new();
    for f in findings {
        let (true, Some(index)) = (
            matches!(
                f.action,
                Action::ReplacedWithText | Action::ReplacedWithFile
            ),
            f.file,
        ) else {
            continue;
        };
        if replaced.contains_key(&index) {
            continue;
        }
        let Some(file) = item.files.get(index) else {
            continue;
        };
        let remedy = Remedy::Replace {
            index,
            file: file.name.clone(),
            with: notice(f),
        };
        replaced.insert(index, api.remedy(app, id, &remedy));
    }
    findings
        .iter()
        .map(|f| match f.file.and_then(|i| replaced.get(&i)) {
            Some(Err(why)) if f.action.removes_threat() => (
                Action::LoggedOnly,
                Some(format!("the service refused the remedy: {why}")),
            ),
            Some(Ok(())) if !f.action.removes_threat() => (
                f.action,
                Some("its file was replaced for another detection".to_string()),
            ),
            _ => (f.action, None),
        })
        .collect()
}

/// The notice that replaces a detected file.
fn notice(finding: &Finding) -> Attachment {
    Attachment {
        name: NOTICE_NAME.to_string(),
        bytes: format!(
            "This file was removed by Cloud App Security.\r\nDetection: {:?}\r\nWhat was found: {}\r\nPolicy: {}\r\n",
            finding.detection, finding.threat, finding.policy
        )
        .into_bytes(),
    }
}

/// A reason chain in the log's English, links joined by `; `.
fn reasons_text(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
