//! Anti-spam (スパムメール対策): a content score compared with the detection
//! level's threshold (High 30, Medium 50, Low 70; Low is the default), and
//! sender allow/block lists. A spam mail is tagged "\[SPAM\]", not blocked.
//!
//! The score is a documented sum of rules, not a trained filter:
//!
//! | rule | points |
//! |---|---|
//! | each spam phrase in subject or body (`free`, `winner`, `unsubscribe`, `bitcoin`, `当選`, `無料`, `今すぐ`, `副業`, ...) | 15, at most 4 counted |
//! | subject mostly upper case, or three or more `!` | 15 |
//! | no text body at all, only attachments | 15 |
//! | more than 5 URLs in the body | 15 |
//! | a URL whose host is a bare IP address | 20 |
//! | `From` domain differs from the `Reply-To` domain | 15 |
//!
//! Seed 000 Q18: tags that "come and go" follow from exactly this: several
//! weak factors add up, and a different mix in the next mail from the same
//! partner falls under the threshold.

use super::{Detection, Verdict};
use crate::config::{AntiSpamPolicy, SpamAction};
use crate::event::{Action, Engine};
use crate::proto::mime::Mail;
use crate::reason::{Reason, SpamSign};

const PHRASES: &[&str] = &[
    "free",
    "winner",
    "unsubscribe",
    "bitcoin",
    "viagra",
    "lottery",
    "act now",
    "100%",
    "当選",
    "無料",
    "今すぐ",
    "副業",
    "高収入",
    "限定",
];

/// The content score and the rules behind it.
pub fn score(mail: &Mail) -> (u32, Vec<SpamSign>) {
    score_with(mail, &[])
}

/// [`score`] with the rule updates' phrases counted after the built-in ones
/// (still at most 4 phrases in all).
pub fn score_with(mail: &Mail, updates: &[String]) -> (u32, Vec<SpamSign>) {
    let mut points = 0;
    let mut why = Vec::new();
    let body = mail.text.to_lowercase();
    let subject = mail.subject.to_lowercase();
    let updates: Vec<String> = updates
        .iter()
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    let hits: Vec<&str> = PHRASES
        .iter()
        .copied()
        .chain(updates.iter().map(String::as_str))
        .filter(|p| subject.contains(p) || body.contains(p))
        .take(4)
        .collect();
    if !hits.is_empty() {
        points += 15 * hits.len() as u32;
        why.push(SpamSign::Phrases(
            hits.iter().map(|h| h.to_string()).collect(),
        ));
    }
    let letters: Vec<char> = mail
        .subject
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let upper = letters.iter().filter(|c| c.is_ascii_uppercase()).count();
    if (letters.len() >= 8 && upper * 10 >= letters.len() * 8)
        || mail.subject.matches('!').count() >= 3
    {
        points += 15;
        why.push(SpamSign::ShoutingSubject);
    }
    if mail.text.trim().is_empty() && !mail.attachments.is_empty() {
        points += 15;
        why.push(SpamSign::AttachmentsOnly);
    }
    if mail.urls.len() > 5 {
        points += 15;
        why.push(SpamSign::ManyUrls(mail.urls.len()));
    }
    if mail
        .urls
        .iter()
        .any(|u| url_host(u).parse::<std::net::Ipv4Addr>().is_ok())
    {
        points += 20;
        why.push(SpamSign::BareIpUrl);
    }
    if let (Some(f), Some(r)) = (
        domain(&mail.from),
        mail.reply_to.as_deref().and_then(domain),
    ) && !f.eq_ignore_ascii_case(r)
    {
        points += 15;
        why.push(SpamSign::ReplyToDiffers {
            reply_to: r.to_string(),
            from: f.to_string(),
        });
    }
    (points, why)
}

fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit_once('@')
        .map_or(host, |(_, h)| h)
        .split(':')
        .next()
        .unwrap_or(host)
}

fn domain(address: &str) -> Option<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
}

fn listed(address: &str, list: &[String]) -> Option<String> {
    let a = address.to_ascii_lowercase();
    list.iter()
        .find(|entry| {
            let e = entry.to_ascii_lowercase();
            if e.starts_with('@') {
                a.ends_with(&e)
            } else {
                a == e
            }
        })
        .cloned()
}

pub fn inspect(mail: &Mail, policy: &AntiSpamPolicy) -> Verdict {
    inspect_with(mail, policy, &[])
}

/// [`inspect`] with the cloud's rule updates (phrases) in the score.
pub fn inspect_with(mail: &Mail, policy: &AntiSpamPolicy, updates: &[String]) -> Verdict {
    if !policy.enabled {
        return Verdict::Pass;
    }
    if listed(&mail.from, &policy.allow_senders).is_some() {
        return Verdict::Pass;
    }
    let detect = |action: Action, reasons: Vec<Reason>| {
        Verdict::Detect(Detection {
            engine: Engine::AntiSpam,
            action,
            reasons,
            threat: "spam".to_string(),
            host: None,
            url: None,
        })
    };
    // Seed 000: 「送信元の情報(メールアドレス、ドメイン、IPアドレス等)とブラック
    // リストとの突合によるブロック機能」: a listed sender's mail is blocked, not
    // tagged.
    if let Some(entry) = listed(&mail.from, &policy.block_senders) {
        return detect(
            Action::Block,
            vec![Reason::SenderBlockList, Reason::Sender { entry }],
        );
    }
    let (points, why) = score_with(mail, updates);
    let threshold = policy.sensitivity.threshold();
    if points >= threshold {
        let mut reasons = vec![
            Reason::ContentScore,
            Reason::SpamScore {
                points,
                threshold,
                level: policy.sensitivity.level(),
            },
        ];
        reasons.extend(why.into_iter().map(|sign| Reason::SpamSign { sign }));
        let action = match policy.action {
            SpamAction::Tag => Action::Tag,
            SpamAction::Delete => Action::Delete,
            SpamAction::Quarantine => Action::Quarantine,
        };
        detect(action, reasons)
    } else {
        Verdict::Pass
    }
}

#[cfg(test)]
mod block_list_tests {
    use super::*;
    use crate::proto::mime;

    fn mail_from(from: &str) -> Mail {
        mime::parse(format!("From: {from}\r\nSubject: hello\r\n\r\nhello\r\n").as_bytes())
    }

    /// Class: a sender listed by address or by `@domain`, in any case, is
    /// blocked; an unlisted sender of a listed domain's lookalike is not.
    #[test]
    fn listed_senders_are_blocked_by_address_or_domain_in_any_case() {
        let policy = AntiSpamPolicy {
            block_senders: vec!["Bad@Example.test".into(), "@spam.example".into()],
            ..AntiSpamPolicy::default()
        };
        for from in [
            "bad@example.test",
            "BAD@EXAMPLE.TEST",
            "x@spam.example",
            "Name <y@SPAM.example>",
        ] {
            match inspect(&mail_from(from), &policy) {
                Verdict::Detect(d) => assert_eq!(d.action, Action::Block, "{from}"),
                Verdict::Pass => panic!("{from} passed"),
            }
        }
        for from in ["good@example.test", "x@notspam.example.org"] {
            assert!(
                !matches!(inspect(&mail_from(from), &policy), Verdict::Detect(ref d) if d.action == Action::Block),
                "{from} blocked"
            );
        }
    }

    /// Seed 000: 「スパム判定されたメールの削除や隔離」: the configured action is
    /// the detection's, for a mail the content score calls spam; a mail
    /// under the threshold passes whatever the action.
    #[test]
    fn spam_is_tagged_deleted_or_quarantined_as_configured() {
        let spam = mime::parse(
            "From: a@partner.example\r\nSubject: FREE OFFER!!! act now\r\n\r\nlimited time offer, click here, act now\r\n"
                .as_bytes(),
        );
        let ham = mail_from("colleague@print-shop.example");
        for (configured, want) in [
            (SpamAction::Tag, Action::Tag),
            (SpamAction::Delete, Action::Delete),
            (SpamAction::Quarantine, Action::Quarantine),
        ] {
            let policy = AntiSpamPolicy {
                sensitivity: crate::config::Sensitivity::High,
                action: configured,
                ..AntiSpamPolicy::default()
            };
            match inspect(&spam, &policy) {
                Verdict::Detect(d) => assert_eq!(d.action, want, "{configured:?}"),
                Verdict::Pass => panic!("the spam passed at {configured:?}"),
            }
            assert_eq!(inspect(&ham, &policy), Verdict::Pass, "{configured:?}");
        }
    }

    /// FAQ Q18's rule updates: a phrase from the cloud counts like a
    /// built-in one (any case, blanks ignored), and the four-phrase cap holds.
    #[test]
    fn rule_update_phrases_count_like_built_in_ones() {
        let mail = mime::parse("Subject: Seminar\r\n\r\nfree seminar, act now\r\n".as_bytes());
        assert_eq!(score(&mail).0, 30);
        assert_eq!(
            score_with(&mail, &["  SEMINAR ".into(), String::new()]).0,
            45
        );
        let many: Vec<String> = ["seminar", "free", "now", "act"].map(String::from).to_vec();
        assert_eq!(score_with(&mail, &many).0, 60, "at most 4 phrases count");
    }
}
