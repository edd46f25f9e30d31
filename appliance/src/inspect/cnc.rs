//! The C&C callback engine: is this PC calling a command-and-control server?
//!
//! Four moments to ask the C&C list: at the SYN, by the server's IP only (a
//! listed IP never gets a connection: reset); at every complete HTTP
//! request header, on any port, by URL, host (and parent domains, or the
//! address when the host is an IP literal) and IP; at a TLS ClientHello, by
//! its server name (SNI) and parent domains, since the request inside TLS
//! cannot be read (a block is a reset, no page can be shown); and at a PC's
//! DNS query, by the name asked for. Each request that hits is one
//! detection, so a PC beaconing 1,146 times is logged 1,146 times, as the
//! seed's console shows; how a DNS query is counted is the gateway's
//! (`gateway::dns_flow`): the lookup before a detected call is part of it.

use super::{Detection, Verdict};
use crate::config::{CncAction, CncDns, CncPolicy};
use crate::event::{Action, Engine};
use crate::intel::{CncIndicator, CncMatch, Intel};
use crate::proto::http::Request;
use crate::reason::Reason;
use std::net::Ipv4Addr;

/// Checks an HTTP request to `dst_ip:dst_port`.
pub fn inspect_request(
    request: &Request,
    dst_ip: Ipv4Addr,
    dst_port: u16,
    policy: &CncPolicy,
    intel: &dyn Intel,
) -> Verdict {
    if !policy.enabled {
        return Verdict::Pass;
    }
    let fallback = if dst_port == 80 {
        dst_ip.to_string()
    } else {
        format!("{dst_ip}:{dst_port}")
    };
    let host = request.host_name().unwrap_or_else(|| dst_ip.to_string());
    let url = request.url(&fallback);
    let bare = strip_scheme(&url);
    match intel.cnc_lookup(Some(&host), Some(bare), dst_ip) {
        Some(hit) => detect(hit, action(policy, Action::Block), Some(host), Some(url)),
        None => Verdict::Pass,
    }
}

/// Checks a new connection to `dst_ip` (the SYN). `known_name` is what the
/// PC resolved to that address, if the gateway saw it, for the log.
pub fn inspect_syn(
    dst_ip: Ipv4Addr,
    known_name: Option<&str>,
    policy: &CncPolicy,
    intel: &dyn Intel,
) -> Verdict {
    if !policy.enabled {
        return Verdict::Pass;
    }
    match intel.cnc_lookup(None, None, dst_ip) {
        Some(hit) => detect(
            hit,
            action(policy, Action::Reset),
            known_name.map(str::to_string),
            None,
        ),
        None => Verdict::Pass,
    }
}

/// Checks the server name of a TLS ClientHello to `dst_ip:dst_port`. A
/// listed domain (or a parent of the name) is detected; the address alone is
/// not looked at again (the SYN did). A block is a reset: no page can be
/// shown inside TLS.
pub fn inspect_sni(
    sni: &str,
    dst_ip: Ipv4Addr,
    dst_port: u16,
    policy: &CncPolicy,
    intel: &dyn Intel,
) -> Verdict {
    if !policy.enabled {
        return Verdict::Pass;
    }
    let name = sni.trim_end_matches('.').to_ascii_lowercase();
    let hit = intel
        .cnc_lookup(Some(&name), None, dst_ip)
        .filter(|hit| hit.indicator != CncIndicator::Ip(dst_ip));
    let Some(hit) = hit else {
        return Verdict::Pass;
    };
    let url = if dst_port == 443 {
        format!("https://{name}/")
    } else {
        format!("https://{name}:{dst_port}/")
    };
    let mut verdict = detect(
        hit,
        action(policy, Action::Reset),
        Some(name.clone()),
        Some(url),
    );
    if let Verdict::Detect(d) = &mut verdict {
        d.reasons.insert(1, Reason::TlsSni { name });
    }
    verdict
}

/// Checks a PC's DNS query for `name` (any record type): a listed domain
/// (or a parent of it) is detected. `sinkhole` is the answer the gateway
/// gives instead of the resolver, when the policy says so; the action is
/// then `block` (the PC was answered), else `monitor` (the query goes on).
pub fn inspect_query(name: &str, policy: &CncPolicy, intel: &dyn Intel) -> Verdict {
    if !policy.enabled {
        return Verdict::Pass;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || name.parse::<Ipv4Addr>().is_ok() {
        return Verdict::Pass;
    }
    let hit = intel
        .cnc_lookup(Some(&name), None, Ipv4Addr::UNSPECIFIED)
        .filter(|hit| matches!(hit.indicator, CncIndicator::Domain(_)));
    let Some(hit) = hit else {
        return Verdict::Pass;
    };
    let sinkhole = policy.dns == CncDns::Sinkhole;
    let taken = if sinkhole {
        Action::Block
    } else {
        Action::Monitor
    };
    let mut verdict = detect(hit, taken, Some(name.clone()), None);
    if let Verdict::Detect(d) = &mut verdict {
        d.reasons.insert(1, Reason::DnsQuery { name });
        if sinkhole {
            d.reasons.push(Reason::Sinkhole {
                answer: policy.sinkhole_ip,
            });
        }
    }
    verdict
}

fn action(policy: &CncPolicy, stop: Action) -> Action {
    match policy.action {
        CncAction::Block => stop,
        CncAction::Monitor => Action::Monitor,
    }
}

fn detect(hit: CncMatch, action: Action, host: Option<String>, url: Option<String>) -> Verdict {
    Verdict::Detect(Detection {
        engine: Engine::Cnc,
        action,
        reasons: hit.reasons(),
        threat: hit.threat,
        host,
        url,
    })
}

fn strip_scheme(url: &str) -> &str {
    match url.get(..7) {
        Some(s) if s.eq_ignore_ascii_case("http://") => url.get(7..).unwrap_or(url),
        _ => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::FrozenIntel;
    use crate::proto::http::{Parse, parse_request};

    fn intel() -> FrozenIntel {
        let mut intel = FrozenIntel::default();
        intel
            .cnc
            .domains
            .insert("xxxsiebabanahujtr.org".into(), "CnC.Win32.Test".into());
        intel.cnc.urls.insert(
            "http://xxxrzy8823l68me.net/account.asp?qu=cmd".into(),
            "CnC.Url".into(),
        );
        intel
            .cnc
            .ips
            .insert(Ipv4Addr::new(203, 0, 113, 66), "CnC.Ip".into());
        intel
    }

    fn request(raw: &[u8]) -> Request {
        match parse_request(raw) {
            Parse::Complete { request, .. } => request,
            other => panic!("{other:?}"),
        }
    }

    const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 5);

    #[test]
    fn listed_domain_is_detected_with_reasons() {
        let req = request(b"GET /login.asp HTTP/1.1\r\nHost: xxxsiebabanahujtr.org\r\n\r\n");
        let Verdict::Detect(d) = inspect_request(&req, SERVER, 80, &CncPolicy::default(), &intel())
        else {
            panic!("must detect");
        };
        assert_eq!(d.action, Action::Block);
        assert_eq!(
            d.url.as_deref(),
            Some("http://xxxsiebabanahujtr.org/login.asp")
        );
        assert_eq!(
            d.reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec![
                "C&C list".to_string(),
                "domain xxxsiebabanahujtr.org".to_string(),
                "threat CnC.Win32.Test".to_string()
            ]
        );
    }

    #[test]
    fn listed_url_needs_the_query() {
        let hit = request(b"GET /account.asp?qu=cmd HTTP/1.1\r\nHost: xxxrzy8823l68me.net\r\n\r\n");
        let miss = request(b"GET /account.asp HTTP/1.1\r\nHost: xxxrzy8823l68me.net\r\n\r\n");
        let p = CncPolicy::default();
        assert!(matches!(
            inspect_request(&hit, SERVER, 80, &p, &intel()),
            Verdict::Detect(_)
        ));
        assert_eq!(
            inspect_request(&miss, SERVER, 80, &p, &intel()),
            Verdict::Pass
        );
    }

    #[test]
    fn monitor_and_disabled() {
        let req = request(b"GET /login.asp HTTP/1.1\r\nHost: xxxsiebabanahujtr.org\r\n\r\n");
        let mut p = CncPolicy {
            action: CncAction::Monitor,
            ..CncPolicy::default()
        };
        let Verdict::Detect(d) = inspect_request(&req, SERVER, 80, &p, &intel()) else {
            panic!("must detect");
        };
        assert_eq!(d.action, Action::Monitor);
        p.enabled = false;
        assert_eq!(
            inspect_request(&req, SERVER, 80, &p, &intel()),
            Verdict::Pass
        );
    }

    #[test]
    fn sni_names_the_server_and_is_reset() {
        let p = CncPolicy::default();
        let Verdict::Detect(d) =
            inspect_sni("API.XXXsiebabanahujtr.org.", SERVER, 8443, &p, &intel())
        else {
            panic!("a subdomain of a listed domain");
        };
        assert_eq!(d.action, Action::Reset);
        assert_eq!(
            d.url.as_deref(),
            Some("https://api.xxxsiebabanahujtr.org:8443/")
        );
        assert_eq!(
            crate::reason::join(&d.reasons),
            "C&C list; TLS SNI api.xxxsiebabanahujtr.org; domain xxxsiebabanahujtr.org; threat CnC.Win32.Test"
        );
        // The address was the SYN's to check: an unlisted name to a listed IP is not a second hit.
        let listed_ip = Ipv4Addr::new(203, 0, 113, 66);
        assert_eq!(
            inspect_sni("www.example.jp", listed_ip, 443, &p, &intel()),
            Verdict::Pass
        );
        let monitor = CncPolicy {
            action: CncAction::Monitor,
            ..CncPolicy::default()
        };
        let Verdict::Detect(d) =
            inspect_sni("xxxsiebabanahujtr.org", SERVER, 443, &monitor, &intel())
        else {
            panic!("listed");
        };
        assert_eq!(d.action, Action::Monitor);
        let off = CncPolicy {
            enabled: false,
            ..CncPolicy::default()
        };
        assert_eq!(
            inspect_sni("xxxsiebabanahujtr.org", SERVER, 443, &off, &intel()),
            Verdict::Pass
        );
    }

    #[test]
    fn dns_queries_are_logged_or_sinkholed() {
        let p = CncPolicy::default();
        let Verdict::Detect(d) = inspect_query("cdn.xxxsiebabanahujtr.org", &p, &intel()) else {
            panic!("listed");
        };
        assert_eq!(d.action, Action::Monitor);
        assert_eq!(d.url, None);
        assert_eq!(d.host.as_deref(), Some("cdn.xxxsiebabanahujtr.org"));
        let sink = CncPolicy {
            dns: CncDns::Sinkhole,
            sinkhole_ip: Some(Ipv4Addr::new(192, 0, 2, 250)),
            ..CncPolicy::default()
        };
        let Verdict::Detect(d) = inspect_query("xxxsiebabanahujtr.org.", &sink, &intel()) else {
            panic!("listed");
        };
        assert_eq!(d.action, Action::Block);
        assert_eq!(
            crate::reason::join(&d.reasons),
            "C&C list; DNS query xxxsiebabanahujtr.org; domain xxxsiebabanahujtr.org; threat CnC.Win32.Test; sinkhole answer 192.0.2.250"
        );
        // Only domains: a URL or an address on the list is not a name.
        assert_eq!(
            inspect_query("xxxrzy8823l68me.net", &p, &intel()),
            Verdict::Pass
        );
        assert_eq!(inspect_query("203.0.113.66", &p, &intel()), Verdict::Pass);
    }

    #[test]
    fn syn_is_checked_by_ip_only() {
        let p = CncPolicy::default();
        let Verdict::Detect(d) = inspect_syn(
            Ipv4Addr::new(203, 0, 113, 66),
            Some("c2.example"),
            &p,
            &intel(),
        ) else {
            panic!("listed IP");
        };
        assert_eq!(d.action, Action::Reset);
        assert_eq!(d.host.as_deref(), Some("c2.example"));
        assert_eq!(inspect_syn(SERVER, None, &p, &intel()), Verdict::Pass);
    }
}
