//! Email reputation (メールレピュテーション): the connecting mail server's IP
//! looked up in Trend Micro's RBL+ and Zombie lists with DNSBL mechanics.
//!
//! The query name is the IPv4 address with its octets reversed, then the
//! zone (`203.0.113.66` -> `66.113.0.203.<zone>`). An answer in 127.0.0.0/24
//! means listed (the last octet is the list's return code); an answer in
//! 127.255.255.0/24 is the DNSBL telling us the query itself was refused
//! (rate limit, open resolver, bad query): an error, never a listing. Any
//! other answer is ignored as malformed. RBL+ is asked first: a server on
//! both lists is rejected permanently.

use super::{Detection, Verdict};
use crate::config::{EmailReputationPolicy, ReputationMode};
use crate::event::{Action, Engine};
use crate::intel::Intel;
use crate::reason::Reason;
use std::net::Ipv4Addr;

/// The zones the twin's intel serves.
pub const RBL_PLUS_ZONE: &str = "rbl-plus.mail-abuse.example";
pub const ZOMBIE_ZONE: &str = "zombie.mail-abuse.example";

/// One DNSBL answer, interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    NotListed,
    Listed {
        code: u8,
    },
    /// 127.255.255.x: the list refused the query.
    Error {
        code: u8,
    },
    /// An answer outside 127.0.0.0/8 conventions.
    Malformed(Ipv4Addr),
}

/// `4.3.2.1.<zone>` for `1.2.3.4`.
pub fn query_name(ip: Ipv4Addr, zone: &str) -> String {
    let [a, b, c, d] = ip.octets();
    format!("{d}.{c}.{b}.{a}.{zone}")
}

pub fn interpret(answer: Option<Ipv4Addr>) -> Lookup {
    match answer {
        None => Lookup::NotListed,
        Some(ip) => match ip.octets() {
            [127, 255, 255, code] => Lookup::Error { code },
            [127, 0, 0, code] if code >= 2 => Lookup::Listed { code },
            _ => Lookup::Malformed(ip),
        },
    }
}

pub fn lookup(intel: &dyn Intel, ip: Ipv4Addr, zone: &str) -> Lookup {
    interpret(intel.dnsbl_query(&query_name(ip, zone)))
}

/// The reputation verdict on a connecting server, and the SMTP code to
/// refuse it with. Lookup errors are reported by `errors` so the caller can
/// log them, but never block.
pub struct Outcome {
    pub verdict: Verdict,
    pub smtp_code: Option<u16>,
    /// The configured reply text (`all` mode's SMTPのエラー文字列), if any.
    pub smtp_text: Option<String>,
    pub errors: Vec<String>,
}

pub fn inspect(server: Ipv4Addr, policy: &EmailReputationPolicy, intel: &dyn Intel) -> Outcome {
    let mut errors = Vec::new();
    let mut outcome = Outcome {
        verdict: Verdict::Pass,
        smtp_code: None,
        smtp_text: None,
        errors: Vec::new(),
    };
    if !policy.enabled {
        return outcome;
    }
    let all = policy.mode == ReputationMode::All;
    let configured = policy.smtp_error_code.get();
    let lists = if all {
        [
            ("RBL+", RBL_PLUS_ZONE, true, configured),
            ("Zombie", ZOMBIE_ZONE, true, configured),
        ]
    } else {
        [
            ("RBL+", RBL_PLUS_ZONE, policy.reject_rbl_plus, 550u16),
            ("Zombie", ZOMBIE_ZONE, policy.reject_zombie, 450u16),
        ]
    };
    if all {
        outcome.smtp_text = policy
            .smtp_error_string
            .as_ref()
            .map(|t| t.as_str().to_string());
    }
    for (list, zone, reject, code) in lists {
        match lookup(intel, server, zone) {
            Lookup::Listed { code: ret } => {
                let action = if reject {
                    Action::Reject
                } else {
                    Action::Monitor
                };
                outcome.verdict = Verdict::Detect(Detection {
                    engine: Engine::EmailReputation,
                    action,
                    reasons: vec![
                        Reason::DnsblList {
                            list: list.to_string(),
                        },
                        Reason::DnsblAnswer {
                            ip: server,
                            answer: ret,
                        },
                        if reject {
                            Reason::SmtpReply { code }
                        } else {
                            Reason::LogOnly
                        },
                    ],
                    threat: format!("{list} listed sender"),
                    host: None,
                    url: None,
                });
                outcome.smtp_code = reject.then_some(code);
                break;
            }
            Lookup::Error { code } => errors.push(format!(
                "{list} lookup for {server} refused (127.255.255.{code}): not a listing"
            )),
            Lookup::Malformed(a) => {
                errors.push(format!("{list} lookup for {server}: unexpected answer {a}"))
            }
            Lookup::NotListed => {}
        }
    }
    outcome.errors = errors;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::FrozenIntel;

    #[test]
    fn dnsbl_mechanics() {
        assert_eq!(
            query_name(Ipv4Addr::new(203, 0, 113, 66), "z.example"),
            "66.113.0.203.z.example"
        );
        assert_eq!(interpret(None), Lookup::NotListed);
        assert_eq!(
            interpret(Some(Ipv4Addr::new(127, 0, 0, 2))),
            Lookup::Listed { code: 2 }
        );
        assert_eq!(
            interpret(Some(Ipv4Addr::new(127, 255, 255, 254))),
            Lookup::Error { code: 254 }
        );
        assert!(matches!(
            interpret(Some(Ipv4Addr::new(10, 0, 0, 1))),
            Lookup::Malformed(_)
        ));
    }

    #[test]
    fn rbl_plus_550_zombie_configured_code_errors_never_block() {
        let mut intel = FrozenIntel::default();
        let rbl = Ipv4Addr::new(203, 0, 113, 66);
        let zombie = Ipv4Addr::new(198, 51, 100, 77);
        let refused = Ipv4Addr::new(192, 0, 2, 99);
        intel
            .dnsbl
            .insert(query_name(rbl, RBL_PLUS_ZONE), Ipv4Addr::new(127, 0, 0, 2));
        intel
            .dnsbl
            .insert(query_name(rbl, ZOMBIE_ZONE), Ipv4Addr::new(127, 0, 0, 2));
        intel
            .dnsbl
            .insert(query_name(zombie, ZOMBIE_ZONE), Ipv4Addr::new(127, 0, 0, 2));
        intel.dnsbl.insert(
            query_name(refused, RBL_PLUS_ZONE),
            Ipv4Addr::new(127, 255, 255, 254),
        );
        let mut policy = EmailReputationPolicy::default();
        assert_eq!(inspect(rbl, &policy, &intel).smtp_code, Some(550));
        assert_eq!(inspect(zombie, &policy, &intel).smtp_code, Some(450));
        // The configured code belongs to the other mode: the recommended
        // treatment keeps 450 for Zombie.
        policy.smtp_error_code =
            crate::config::SmtpCode::new(421).unwrap_or(policy.smtp_error_code);
        assert_eq!(inspect(zombie, &policy, &intel).smtp_code, Some(450));
        assert_eq!(inspect(zombie, &policy, &intel).smtp_text, None);
        // 一致するすべての接続に適用する処理: both lists, the code and string.
        policy.mode = crate::config::ReputationMode::All;
        policy.reject_rbl_plus = false;
        policy.smtp_error_string = crate::config::SmtpText::new("Try again later").ok();
        for listed in [rbl, zombie] {
            let o = inspect(listed, &policy, &intel);
            assert_eq!(o.smtp_code, Some(421), "{listed}");
            assert_eq!(o.smtp_text.as_deref(), Some("Try again later"));
        }
        let o = inspect(refused, &policy, &intel);
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.smtp_code, None);
        assert_eq!(o.errors.len(), 1);
    }
}
