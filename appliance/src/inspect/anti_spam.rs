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
use crate::config::AntiSpamPolicy;
use crate::event::{Action, Engine};
use crate::proto::mime::Mail;

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
pub fn score(mail: &Mail) -> (u32, Vec<String>) {
    let mut points = 0;
    let mut why = Vec::new();
    let body = mail.text.to_lowercase();
    let subject = mail.subject.to_lowercase();
    let hits: Vec<&str> = PHRASES
        .iter()
        .copied()
        .filter(|p| subject.contains(p) || body.contains(p))
        .take(4)
        .collect();
    if !hits.is_empty() {
        points += 15 * hits.len() as u32;
        why.push(format!("spam phrases {}", hits.join(", ")));
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
        why.push("shouting subject".to_string());
    }
    if mail.text.trim().is_empty() && !mail.attachments.is_empty() {
        points += 15;
        why.push("no text, attachments only".to_string());
    }
    if mail.urls.len() > 5 {
        points += 15;
        why.push(format!("{} URLs", mail.urls.len()));
    }
    if mail
        .urls
        .iter()
        .any(|u| url_host(u).parse::<std::net::Ipv4Addr>().is_ok())
    {
        points += 20;
        why.push("URL to a bare IP address".to_string());
    }
    if let (Some(f), Some(r)) = (
        domain(&mail.from),
        mail.reply_to.as_deref().and_then(domain),
    ) && !f.eq_ignore_ascii_case(r)
    {
        points += 15;
        why.push(format!("Reply-To domain {r} differs from From domain {f}"));
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
    if !policy.enabled {
        return Verdict::Pass;
    }
    if listed(&mail.from, &policy.allow_senders).is_some() {
        return Verdict::Pass;
    }
    let detect = |reasons: Vec<String>| {
        Verdict::Detect(Detection {
            engine: Engine::AntiSpam,
            action: Action::Tag,
            reasons,
            threat: "spam".to_string(),
            host: None,
            url: None,
        })
    };
    if let Some(entry) = listed(&mail.from, &policy.block_senders) {
        return detect(vec![
            "sender block list".to_string(),
            format!("sender {entry}"),
        ]);
    }
    let (points, why) = score(mail);
    let threshold = policy.sensitivity.threshold();
    if points >= threshold {
        let mut reasons = vec![
            "content score".to_string(),
            format!(
                "score {points} >= {threshold} (detection level {})",
                policy.sensitivity.label()
            ),
        ];
        reasons.extend(why);
        detect(reasons)
    } else {
        Verdict::Pass
    }
}
