//! Links in a mail rated by web reputation (seed 000, メールセキュリティ:
//! 「本文中の不正サイトへのリンク」; FAQ Q11): every `http://` and `https://`
//! URL of the text and HTML bodies (as `proto::mime` decoded them) is
//! looked up in the same intel, at the same level, as a click on it would
//! be. A mail with a link the level blocks is tagged, not blocked (FAQ Q11:
//! 「メール自体をブロックすることではなく、メールの件名にタグ付けをいたします」);
//! the log names the worst-rated link.

use super::Detection;
use super::web_reputation::{self, ReputationHit};
use super::web_request::cat;
use crate::event::{Action, Engine};
use crate::intel::Intel;
use crate::policy::ReputationPolicy;
use crate::proto::mime::Mail;
use crate::reason::Reason;

/// What link rating needs: the web policy's reputation settings and the
/// intel the web engines ask.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub reputation: &'a ReputationPolicy,
    pub intel: &'a dyn Intel,
}

/// A URL split as the web engines look it up: the host lowered (no
/// credentials, no port) and the path with its query (no fragment).
pub fn split_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or(rest);
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(cut);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port.split(':').next().unwrap_or(host_port);
    if host.is_empty() {
        return None;
    }
    let path = match target.chars().next() {
        Some('/') => target.to_string(),
        Some(_) => format!("/{target}"),
        None => "/".to_string(),
    };
    Some((host.to_ascii_lowercase(), path))
}

/// The detection for the worst-rated link the level blocks, if any.
pub fn inspect(mail: &Mail, links: Links<'_>) -> Option<Detection> {
    let mut worst: Option<(ReputationHit, String, String, String)> = None;
    for url in &mail.urls {
        let Some((host, path)) = split_url(url) else {
            continue;
        };
        let rating = links.intel.web_lookup(&host, Some(&path));
        let Some(hit) = web_reputation::check(rating.as_ref(), links.reputation) else {
            continue;
        };
        if worst.as_ref().is_none_or(|(w, ..)| hit.score < w.score) {
            let category = rating.map(|r| r.category.to_string()).unwrap_or_default();
            worst = Some((hit, url.clone(), host, category));
        }
    }
    let (hit, url, host, category) = worst?;
    Some(Detection {
        engine: Engine::AntiSpam,
        action: Action::Tag,
        reasons: vec![
            Reason::MailLink { url: url.clone() },
            Reason::WebReputation,
            Reason::ReputationScore {
                score: hit.score,
                band: hit.band,
            },
            Reason::SecurityLevel {
                level: web_reputation::security_level(hit.level),
            },
            Reason::Category {
                name: category,
                ja: None,
            },
        ],
        threat: cat(&["malicious link (", hit.band.label(), ")"]),
        host: Some(host),
        url: Some(url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_the_web_engines_look_them_up() {
        assert_eq!(
            split_url("http://Login.Bank.example/verify?id=1#top"),
            Some(("login.bank.example".into(), "/verify?id=1".into()))
        );
        assert_eq!(
            split_url("https://u:p@a.example:8443?q"),
            Some(("a.example".into(), "/?q".into()))
        );
        assert_eq!(
            split_url("HTTPS://a.example"),
            Some(("a.example".into(), "/".into()))
        );
        assert_eq!(split_url("ftp://a.example/"), None);
        assert_eq!(split_url("http:///x"), None);
    }
}
