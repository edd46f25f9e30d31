//! Mail security (メールセキュリティ対策): one message in, the decision and
//! the message to deliver out.
//!
//! Every attachment (nested messages included) goes through the
//! anti-malware scanner; the mail through anti-spam. With the recommended
//! action "add tag", an infected attachment is cut out of the raw message
//! and replaced by a text notice, and the subject gets the tag
//! `[ウイルス駆除済み]`; spam gets `[SPAM]` and is delivered (seed 000 Q11:
//! mail is tagged, not blocked, by default). With anti-spam on, the links
//! of the body are rated by web reputation (`mail_links`): a link the web
//! policy's level blocks tags the mail `[SPAM]` too (seed 000 Q18: the tag
//! weighs 「添付ファイルやURLの有無など複数の要素」) and is logged naming the
//! link. Parts that stay are copied byte for byte, so a clean mail is
//! delivered exactly as sent.

pub mod policy;
pub mod rewrite;

use super::anti_malware::{FileVerdict, Scanner};
use super::mail_links::{self, Links};
use super::{Detection, Verdict, anti_spam};
use crate::config::{MailSecurityPolicy, MalwareMailAction, UnscannableAction};
use crate::event::{Action, Engine};
use crate::proto::mime::{self, Mail};
use crate::reason::Reason;

/// What happened to one attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentResult {
    pub name: String,
    /// Lower-case hex SHA-256 when the verdict is not clean (a detection
    /// names it) or the cloud's hash list was asked; empty otherwise.
    pub sha256: String,
    pub verdict: FileVerdict,
    pub entries: Vec<String>,
    pub removed: bool,
}

/// The decision about one message.
#[derive(Clone, Debug)]
pub struct MailOutcome {
    pub mail: Mail,
    pub attachments: Vec<AttachmentResult>,
    /// Detections to log (anti-malware, anti-spam), in order.
    pub detections: Vec<Detection>,
    /// The message to deliver; `None` when the message is refused,
    /// deleted or quarantined. From [`inspect_in_place`], also `None` when
    /// the message goes as it came (`withheld` is `None` then): the
    /// proxies relay it with `proxy::smtp::stuff_delivery`.
    pub deliver: Option<Vec<u8>>,
    /// Whether the delivered bytes differ from the original.
    pub rewritten: bool,
    /// Why nothing is delivered, when nothing is.
    pub withheld: Option<Withheld>,
    /// The original message, when it is quarantined (kept at the gateway).
    pub quarantined: Option<Vec<u8>>,
}

/// Why a mail is not delivered: the sender hears a refusal for a blocked
/// message, and success for one anti-spam deleted or quarantined (the
/// sender of spam is not told; seed 000: 削除や隔離).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withheld {
    /// Malware, or a sender on the block list: refused.
    Refused,
    /// Spam, deleted at the gateway.
    Deleted,
    /// Spam, kept at the gateway (its copy is `MailOutcome::deliver`'s
    /// original bytes, handed to the gateway's quarantine).
    Quarantined,
}

/// Scans `raw` and decides what to deliver, without rating its links.
pub fn inspect(raw: &[u8], policy: &MailSecurityPolicy, scanner: &Scanner) -> MailOutcome {
    inspect_with_links(raw, policy, scanner, None)
}

/// Scans `raw` and decides what to deliver; with `links`, the body's links
/// are rated by web reputation as the gateway's web policy rates a click.
pub fn inspect_with_links(
    raw: &[u8],
    policy: &MailSecurityPolicy,
    scanner: &Scanner,
    links: Option<Links<'_>>,
) -> MailOutcome {
    let mut outcome = inspect_in_place(raw, policy, scanner, links);
    if outcome.deliver.is_none() && outcome.withheld.is_none() {
        outcome.deliver = Some(raw.to_vec());
    }
    outcome
}

/// [`inspect_with_links`] without copying a message that goes as it came:
/// its `deliver` is then `None` with `withheld` `None`. The proxies,
/// which hold the message, relay their own bytes
/// (`proxy::smtp::stuff_delivery`).
pub fn inspect_in_place(
    raw: &[u8],
    policy: &MailSecurityPolicy,
    scanner: &Scanner,
    links: Option<Links<'_>>,
) -> MailOutcome {
    let mail = mime::parse(raw);
    let mut outcome = MailOutcome {
        attachments: Vec::new(),
        detections: Vec::new(),
        deliver: None,
        rewritten: false,
        withheld: None,
        quarantined: None,
        mail,
    };
    if !policy.enabled {
        return outcome;
    }
    let mut removals: Vec<(usize, String)> = Vec::new();
    let mut tag_malware = false;
    let mut block = false;
    for (i, att) in outcome.mail.attachments.iter().enumerate() {
        let report = scanner.scan_for_verdict(&att.name, &att.data);
        let mut removed = false;
        match &report.verdict {
            FileVerdict::Clean => {}
            FileVerdict::Malware { threat, reasons } => {
                let action = match policy.malware_action {
                    MalwareMailAction::Tag => Action::Tag,
                    MalwareMailAction::Block => Action::Block,
                };
                let mut chain = vec![Reason::Attachment {
                    name: att.name.clone(),
                }];
                chain.extend(reasons.iter().cloned());
                chain.push(Reason::Sha256 {
                    hex: report.sha256.clone(),
                });
                outcome.detections.push(Detection {
                    engine: Engine::AntiMalware,
                    action,
                    reasons: chain,
                    threat: threat.clone(),
                    host: None,
                    url: None,
                });
                match policy.malware_action {
                    MalwareMailAction::Tag => {
                        removals.push((i, rewrite::notice_malware(&att.name, threat)));
                        removed = true;
                        tag_malware = true;
                    }
                    MalwareMailAction::Block => block = true,
                }
            }
            FileVerdict::Unscannable { reason } => {
                let action = match policy.unscannable {
                    UnscannableAction::Pass => Action::Monitor,
                    UnscannableAction::Tag | UnscannableAction::Remove => Action::Tag,
                };
                outcome.detections.push(Detection {
                    engine: Engine::AntiMalware,
                    action,
                    reasons: vec![
                        Reason::Attachment {
                            name: att.name.clone(),
                        },
                        Reason::Unscannable,
                        Reason::UnscannableDetail {
                            text: reason.clone(),
                        },
                        Reason::Sha256 {
                            hex: report.sha256.clone(),
                        },
                    ],
                    threat: "Unscannable".to_string(),
                    host: None,
                    url: None,
                });
                match policy.unscannable {
                    UnscannableAction::Pass => {}
                    UnscannableAction::Tag => tag_malware = true,
                    UnscannableAction::Remove => {
                        removals.push((i, rewrite::notice_unscannable(&att.name, reason)));
                        removed = true;
                        tag_malware = true;
                    }
                }
            }
        }
        outcome.attachments.push(AttachmentResult {
            name: att.name.clone(),
            sha256: report.sha256,
            verdict: report.verdict,
            entries: report.entries,
            removed,
        });
    }
    if block {
        outcome.deliver = None;
        outcome.withheld = Some(Withheld::Refused);
        return outcome;
    }
    let mut tags: Vec<&str> = Vec::new();
    if tag_malware {
        tags.push(&policy.subject_tag);
    }
    let updates = links
        .as_ref()
        .map(|l| l.intel.spam_phrases())
        .unwrap_or_default();
    if let Verdict::Detect(d) = anti_spam::inspect_with(&outcome.mail, &policy.anti_spam, &updates)
    {
        let withheld = match d.action {
            Action::Block => Some(Withheld::Refused),
            Action::Delete => Some(Withheld::Deleted),
            Action::Quarantine => Some(Withheld::Quarantined),
            _ => None,
        };
        outcome.detections.push(d);
        if let Some(why) = withheld {
            outcome.deliver = None;
            outcome.withheld = Some(why);
            if why == Withheld::Quarantined {
                outcome.quarantined = Some(raw.to_vec());
            }
            return outcome;
        }
        tags.push(&policy.anti_spam.tag);
    }
    if policy.anti_spam.enabled
        && let Some(d) = links.and_then(|l| mail_links::inspect(&outcome.mail, l))
    {
        outcome.detections.push(d);
        if !tags.contains(&policy.anti_spam.tag.as_str()) {
            tags.push(&policy.anti_spam.tag);
        }
    }
    if removals.is_empty() && tags.is_empty() {
        return outcome;
    }
    let mut bytes = rewrite::replace_parts(raw, &outcome.mail, &removals);
    for tag in tags.iter().rev() {
        // Re-parse so the subject's position is right after earlier edits.
        let mail = mime::parse(&bytes);
        bytes = rewrite::tag_subject(&bytes, &mail, tag);
    }
    outcome.rewritten = bytes != raw;
    outcome.deliver = Some(bytes);
    outcome
}
