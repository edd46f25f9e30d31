//! Threat intelligence: the "cloud" the gateway asks about domains, URLs and IPs.
//!
//! Intel is an interface, not a global: the real product asks Trend Micro's
//! cloud; the twin hands in a [`FrozenIntel`], a scenario-defined snapshot, so a
//! replay gives the same verdicts on every run.

mod signature_rule;
mod web_ratings;

use crate::hash::HostKeys;
use crate::reason::{Indicator, Reason};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub use signature_rule::SignatureRule;
pub use web_ratings::{TableFull, WebRating, WebRatings};

/// Which indicator of a C&C list matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CncIndicator {
    Url(String),
    Domain(String),
    Ip(Ipv4Addr),
}

/// A hit on the C&C list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CncMatch {
    pub indicator: CncIndicator,
    /// The threat's name as the list gives it, e.g. `CnC.Win32.Generic`.
    pub threat: String,
}

impl CncMatch {
    /// The reason chain this match contributes to an event.
    pub fn reasons(&self) -> Vec<Reason> {
        let indicator = match &self.indicator {
            CncIndicator::Url(u) => Indicator::Url(u.clone()),
            CncIndicator::Domain(d) => Indicator::Domain(d.clone()),
            CncIndicator::Ip(ip) => Indicator::Ip(*ip),
        };
        vec![
            Reason::CncList,
            Reason::Indicator { indicator },
            Reason::Threat {
                name: self.threat.clone(),
            },
        ]
    }
}

/// What the gateway asks the cloud about.
pub trait Intel {
    /// Looks a contacted server up on the C&C list: by full URL (without the
    /// scheme, `host/path?query`), then by domain (the host or any parent
    /// domain), then by IP. The most specific indicator wins.
    fn cnc_lookup(&self, host: Option<&str>, url: Option<&str>, ip: Ipv4Addr) -> Option<CncMatch>;

    /// The file hash list (smart scan): SHA-256 in hex -> threat name.
    fn file_hashes(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The signature rules of the pattern file.
    fn signatures(&self) -> Vec<SignatureRule> {
        Vec::new()
    }

    /// A DNSBL query: `name` is the reversed IPv4 address followed by the
    /// zone (`4.3.2.1.<zone>`); the answer is the A record, if any.
    fn dnsbl_query(&self, name: &str) -> Option<Ipv4Addr> {
        let _ = name;
        None
    }
    /// Rates a web address: reputation score and URL category in one
    /// lookup. `path` is the request path (`/a/b?q`), `None` for TLS where
    /// only the host (SNI) is known. The default knows nothing.
    fn web_lookup(&self, host: &str, path: Option<&str>) -> Option<WebRating> {
        let _ = (host, path);
        None
    }
    /// Phrases the anti-spam content score counts besides its built-in
    /// ones: the cloud's rule updates (seed 000 FAQ Q18: 「判定ルールは定期的に
    /// 更新されるため、同じ取引先でもタイミングによって判定が変わる場合があります」).
    fn spam_phrases(&self) -> Vec<String> {
        Vec::new()
    }
    /// [`Intel::web_lookup`] for a host whose keys the web pipeline made
    /// already (lowered and hashed once for the intel and the lists).
    fn web_lookup_keys(&self, host: &HostKeys<'_>, path: Option<&str>) -> Option<WebRating> {
        self.web_lookup(host.host(), path)
    }
}

/// A frozen, scenario-defined copy of the intel cloud.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FrozenIntel {
    /// The C&C list.
    #[serde(default)]
    pub cnc: CncList,
    /// The file hash list: SHA-256 (hex, any case) -> threat name.
    #[serde(default)]
    pub file_hashes: BTreeMap<String, String>,
    /// Signature rules (our own format, see `anti_malware::signatures`).
    #[serde(default)]
    pub signatures: Vec<SignatureRule>,
    /// DNSBL zones as served by the cloud's resolver: full query name
    /// (`66.113.0.203.rbl-plus.mail-abuse.example`) -> A record.
    #[serde(default)]
    pub dnsbl: BTreeMap<String, Ipv4Addr>,
    /// Web ratings keyed by host (`www.example.jp`, covering its
    /// subdomains unless they have their own) or by page (`host/path`;
    /// a key ending in `/` covers everything below it).
    #[serde(default)]
    pub web: WebRatings,
    /// Anti-spam rule updates: phrases counted like the built-in ones.
    #[serde(default)]
    pub spam_phrases: Vec<String>,
}

/// C&C indicators, each mapped to the threat name reported on a hit.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CncList {
    #[serde(default)]
    pub urls: BTreeMap<String, String>,
    #[serde(default)]
    pub domains: BTreeMap<String, String>,
    #[serde(default)]
    pub ips: BTreeMap<Ipv4Addr, String>,
}

impl Intel for FrozenIntel {
    fn spam_phrases(&self) -> Vec<String> {
        self.spam_phrases.clone()
    }
    fn file_hashes(&self) -> Vec<(String, String)> {
        self.file_hashes
            .iter()
            .map(|(h, n)| (h.clone(), n.clone()))
            .collect()
    }

    fn signatures(&self) -> Vec<SignatureRule> {
        self.signatures.clone()
    }

    fn dnsbl_query(&self, name: &str) -> Option<Ipv4Addr> {
        self.dnsbl
            .get(name.trim_end_matches('.').to_ascii_lowercase().as_str())
            .copied()
    }

    fn cnc_lookup(&self, host: Option<&str>, url: Option<&str>, ip: Ipv4Addr) -> Option<CncMatch> {
        let list = &self.cnc;
        if let Some(url) = url {
            let key = UrlKey::of(url);
            let hit = list
                .urls
                .iter()
                .find(|(listed, _)| UrlKey::of(listed).matches(&key));
            if let Some((listed, threat)) = hit {
                return Some(CncMatch {
                    indicator: CncIndicator::Url(listed.clone()),
                    threat: threat.clone(),
                });
            }
        }
        if let Some(host) = host {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if let Ok(literal) = host.parse::<Ipv4Addr>() {
                // A host written as an address (`Host: 203.0.113.99`) is
                // that address: the IP entries, never the domain ones.
                if let Some(threat) = list.ips.get(&literal) {
                    return Some(CncMatch {
                        indicator: CncIndicator::Ip(literal),
                        threat: threat.clone(),
                    });
                }
            } else {
                // The host itself, then each parent domain: a listed domain covers its subdomains.
                let mut candidate = host.as_str();
                loop {
                    if let Some(threat) = list.domains.get(candidate) {
                        return Some(CncMatch {
                            indicator: CncIndicator::Domain(candidate.to_string()),
                            threat: threat.clone(),
                        });
                    }
                    match candidate.split_once('.') {
                        Some((_, parent)) if parent.contains('.') => candidate = parent,
                        _ => break,
                    }
                }
            }
        }
        list.ips.get(&ip).map(|threat| CncMatch {
            indicator: CncIndicator::Ip(ip),
            threat: threat.clone(),
        })
    }

    fn web_lookup(&self, host: &str, path: Option<&str>) -> Option<WebRating> {
        self.web.rate(host, path)
    }

    fn web_lookup_keys(&self, host: &HostKeys<'_>, path: Option<&str>) -> Option<WebRating> {
        self.web.rate_keys(host, path)
    }
}

/// A URL as the C&C list compares it: without the scheme (`http://` and
/// `https://` entries match either), the host without a trailing dot,
/// the port unless it is its scheme's default (`80`, or `443` after
/// `https://`), and the path and query (`/` when empty), compared ignoring
/// case. `host:8080/x` keeps its port: another port is another URL.
#[derive(Clone, Copy, Debug)]
struct UrlKey<'a> {
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

impl<'a> UrlKey<'a> {
    fn of(url: &'a str) -> UrlKey<'a> {
        let (rest, default_port) = match url.get(..8) {
            Some(s) if s.eq_ignore_ascii_case("https://") => (url.get(8..).unwrap_or(""), "443"),
            _ => match url.get(..7) {
                Some(s) if s.eq_ignore_ascii_case("http://") => (url.get(7..).unwrap_or(""), "80"),
                _ => (url, "80"),
            },
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => {
                (h, (p != default_port).then_some(p))
            }
            _ => (authority, None),
        };
        UrlKey {
            host: host.trim_end_matches('.'),
            port,
            path: if path.is_empty() { "/" } else { path },
        }
    }

    fn matches(&self, other: &UrlKey<'_>) -> bool {
        self.host.eq_ignore_ascii_case(other.host)
            && self.port == other.port
            && self.path.eq_ignore_ascii_case(other.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intel() -> FrozenIntel {
        let mut intel = FrozenIntel::default();
        intel.cnc.urls.insert(
            "http://evil.example.net/gate.php?id=1".into(),
            "CnC.A".into(),
        );
        intel
            .cnc
            .domains
            .insert("cnc.example.org".into(), "CnC.B".into());
        intel
            .cnc
            .ips
            .insert(Ipv4Addr::new(203, 0, 113, 66), "CnC.C".into());
        intel
    }

    #[test]
    fn url_beats_domain_beats_ip() {
        let intel = intel();
        let ip = Ipv4Addr::new(203, 0, 113, 66);
        let hit = intel
            .cnc_lookup(
                Some("evil.example.net"),
                Some("evil.example.net/gate.php?id=1"),
                ip,
            )
            .expect("listed");
        assert_eq!(hit.threat, "CnC.A");
        let hit = intel
            .cnc_lookup(
                Some("a.b.CNC.example.org."),
                Some("a.b.cnc.example.org/x"),
                ip,
            )
            .expect("listed");
        assert_eq!(
            hit.indicator,
            CncIndicator::Domain("cnc.example.org".into())
        );
        let hit = intel.cnc_lookup(None, None, ip).expect("listed");
        assert_eq!(hit.threat, "CnC.C");
    }

    #[test]
    fn web_ratings_by_page_folder_host_and_parent() {
        let mut intel = FrozenIntel::default();
        let r = |score, category: &str| WebRating {
            score,
            category: category.into(),
        };
        intel
            .web
            .insert("corp.example", r(90, "Business/Economy"))
            .expect("room");
        intel
            .web
            .insert("www.corp.example/movies/", r(90, "Streaming Media"))
            .expect("room");
        intel
            .web
            .insert("www.corp.example/promo.html", r(85, "Web Advertisement"))
            .expect("room");
        let cat = |h: &str, p: Option<&str>| intel.web_lookup(h, p).map(|r| r.category);
        assert_eq!(
            cat("WWW.corp.example", Some("/")).as_deref(),
            Some("Business/Economy")
        );
        assert_eq!(
            cat("www.corp.example", Some("/movies/a/b.mp4?x=1")).as_deref(),
            Some("Streaming Media")
        );
        assert_eq!(
            cat("www.corp.example", Some("/promo.html?x")).as_deref(),
            Some("Web Advertisement")
        );
        assert_eq!(
            cat("www.corp.example", None).as_deref(),
            Some("Business/Economy")
        );
        assert_eq!(cat("other.example", Some("/")), None);
    }

    #[test]
    fn ip_literal_hosts_and_ports() {
        let mut intel = intel();
        intel
            .cnc
            .urls
            .insert("http://203.0.113.99/gate.php".into(), "CnC.D".into());
        let elsewhere = Ipv4Addr::new(198, 51, 100, 7);
        // The URL with an address as its host, with or without the default port.
        for (host, url) in [
            ("203.0.113.99", "203.0.113.99/gate.php"),
            ("203.0.113.99", "203.0.113.99:80/gate.php"),
            ("203.0.113.99.", "http://203.0.113.99./GATE.php"),
        ] {
            let hit = intel.cnc_lookup(Some(host), Some(url), elsewhere);
            assert_eq!(hit.map(|h| h.threat).as_deref(), Some("CnC.D"), "{url}");
        }
        // Another port is another URL.
        assert_eq!(
            intel.cnc_lookup(
                Some("203.0.113.99"),
                Some("203.0.113.99:8080/gate.php"),
                elsewhere
            ),
            None
        );
        // A Host literal is looked up as the address it names.
        let hit = intel
            .cnc_lookup(Some("203.0.113.66"), Some("203.0.113.66:8080/x"), elsewhere)
            .expect("listed address");
        assert_eq!(
            hit.indicator,
            CncIndicator::Ip(Ipv4Addr::new(203, 0, 113, 66))
        );
        // A listed domain's URL on another port still hits the domain.
        let hit = intel
            .cnc_lookup(
                Some("x.cnc.example.org"),
                Some("x.cnc.example.org:8080/a"),
                elsewhere,
            )
            .expect("listed domain");
        assert_eq!(
            hit.indicator,
            CncIndicator::Domain("cnc.example.org".into())
        );
    }

    #[test]
    fn unlisted_is_clean() {
        let intel = intel();
        let ip = Ipv4Addr::new(198, 51, 100, 1);
        assert_eq!(
            intel.cnc_lookup(Some("example.org"), Some("example.org/"), ip),
            None
        );
        assert_eq!(
            intel.cnc_lookup(
                Some("evil.example.net"),
                Some("evil.example.net/gate.php?id=2"),
                ip
            ),
            None
        );
    }

    /// The lookup as it was before it moved to the stack: the fast one must
    /// agree with it.
    fn reference(intel: &FrozenIntel, host: &str, path: Option<&str>) -> Option<WebRating> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = host.as_str();
        if let Some(path) = path {
            let path = path.split(['?', '#']).next().unwrap_or("/");
            let key = format!("{host}{path}");
            if let Some(r) = intel.web.get(&key) {
                return Some(r.clone());
            }
            let mut end = key.len();
            while let Some(slash) = key.get(host.len()..end).and_then(|p| p.rfind('/')) {
                let cut = host.len() + slash + 1;
                if let Some(r) = key.get(..cut).and_then(|k| intel.web.get(k)) {
                    return Some(r.clone());
                }
                if slash == 0 {
                    break;
                }
                end = host.len() + slash;
            }
        }
        let mut candidate = host;
        loop {
            if let Some(r) = intel.web.get(candidate) {
                return Some(r.clone());
            }
            match candidate.split_once('.') {
                Some((_, parent)) if parent.contains('.') => candidate = parent,
                _ => return None,
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn web_lookup_agrees_with_the_reference(
            keys in proptest::collection::vec("[ab.]{1,5}(/[ab/]{0,5})?", 1..12),
            host in "[abAB.]{0,6}",
            path in proptest::option::of("/[ab/?#]{0,8}"),
        ) {
            let mut intel = FrozenIntel::default();
            for (i, k) in keys.iter().enumerate() {
                intel.web.insert(k, WebRating { score: i as u8, category: format!("c{i}").into() }).expect("room");
            }
            proptest::prop_assert_eq!(
                intel.web_lookup(&host, path.as_deref()),
                reference(&intel, &host, path.as_deref())
            );
        }
    }

    #[test]
    fn long_hosts_and_paths() {
        const LONG: usize = 1024;
        let mut intel = FrozenIntel::default();
        let rating = WebRating {
            score: 90,
            category: "Business/Economy".into(),
        };
        intel
            .web
            .insert("www.example.jp/a/", rating.clone())
            .expect("room");
        let path = format!("/a/{}", "x".repeat(LONG * 2));
        assert_eq!(
            intel.web_lookup("WWW.example.jp.", Some(&path)),
            Some(rating)
        );
        let host = format!("{}.example.jp", "h".repeat(LONG));
        assert_eq!(intel.web_lookup(&host, None), None);
    }
}
