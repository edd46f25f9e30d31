//! Web reputation (Webレピュテーション): is this site dangerous, by its score?
//!
//! Scores 0-100 come from the intel with the category, in one lookup.
//! Bands: 0-50 dangerous, 51-65 highly suspicious, 66-80 suspicious,
//! 81-100 safe; 71 is "untested" and never blocked by level. The level
//! decides which bands are blocked: high (the three unsafe bands), medium
//! (dangerous and highly suspicious, the product's default), low (dangerous).
//!
//! An expired server certificate is its own signal (FAQ Q5: the company's
//! own site reported as malicious because its SSL certificate expired),
//! logged under this engine with its own reason, never mixed into the score.

use super::Detection;
use super::web_request::{WebRequest, cat};
use crate::event::{Action, Engine};
use crate::intel::WebRating;
use crate::policy::{CertAction, Level, ReputationPolicy};
use crate::reason::{Reason, SecurityLevel, ValidityBound};
use crate::time::Instant;

pub use crate::reason::Band;

/// The bands a security level blocks.
impl Band {
    pub fn blocked_at(self, level: Level) -> bool {
        match self {
            Band::Dangerous => true,
            Band::HighlySuspicious => matches!(level, Level::High | Level::Medium),
            Band::Suspicious => level == Level::High,
            Band::Safe | Band::Untested => false,
        }
    }
}

pub(super) fn security_level(level: Level) -> SecurityLevel {
    match level {
        Level::High => SecurityLevel::High,
        Level::Medium => SecurityLevel::Medium,
        Level::Low => SecurityLevel::Low,
    }
}

/// A score the level blocks: the decision, without its log texts
/// ([`ReputationHit::detection`] writes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReputationHit {
    pub score: u8,
    pub band: Band,
    pub level: Level,
}

/// Checks a request's rating against the level.
pub fn check(rating: Option<&WebRating>, policy: &ReputationPolicy) -> Option<ReputationHit> {
    if !policy.enabled {
        return None;
    }
    let score = rating?.score;
    let band = Band::of(score);
    band.blocked_at(policy.level).then_some(ReputationHit {
        score,
        band,
        level: policy.level,
    })
}

impl ReputationHit {
    /// The log record; `category` is the one the rating gave.
    pub fn detection(&self, req: &WebRequest<'_>, category: &str) -> Detection {
        let band = self.band;
        Detection {
            engine: Engine::WebReputation,
            action: Action::Block,
            reasons: vec![
                Reason::WebReputation,
                Reason::ReputationScore {
                    score: self.score,
                    band,
                },
                Reason::SecurityLevel {
                    level: security_level(self.level),
                },
                Reason::Category {
                    name: category.to_string(),
                    ja: None,
                },
            ],
            threat: cat(&["malicious site (", band.label(), ")"]),
            host: Some(req.host.to_string()),
            url: Some(req.url.to_string()),
        }
    }
}

/// Checks a server certificate's validity period at `now`.
pub fn inspect_certificate(
    host: &str,
    url: &str,
    not_before: Instant,
    not_after: Instant,
    now: Instant,
    policy: &ReputationPolicy,
) -> Option<Detection> {
    if !policy.enabled || policy.expired_certificate == CertAction::Off {
        return None;
    }
    let reason = if now > not_after {
        Reason::CertificateValidity {
            bound: ValidityBound::NotAfter,
            at: not_after,
        }
    } else if now < not_before {
        Reason::CertificateValidity {
            bound: ValidityBound::NotBefore,
            at: not_before,
        }
    } else {
        return None;
    };
    Some(Detection {
        engine: Engine::WebReputation,
        action: match policy.expired_certificate {
            CertAction::Block => Action::Reset,
            _ => Action::Monitor,
        },
        reasons: vec![Reason::InvalidCertificate, reason],
        threat: "invalid SSL certificate".to_string(),
        host: Some(host.to_string()),
        url: Some(url.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_and_levels() {
        assert_eq!(Band::of(0), Band::Dangerous);
        assert_eq!(Band::of(50), Band::Dangerous);
        assert_eq!(Band::of(51), Band::HighlySuspicious);
        assert_eq!(Band::of(65), Band::HighlySuspicious);
        assert_eq!(Band::of(66), Band::Suspicious);
        assert_eq!(Band::of(71), Band::Untested);
        assert_eq!(Band::of(80), Band::Suspicious);
        assert_eq!(Band::of(81), Band::Safe);
        assert!(Band::of(60).blocked_at(Level::Medium));
        assert!(!Band::of(60).blocked_at(Level::Low));
        assert!(Band::of(75).blocked_at(Level::High));
        assert!(!Band::of(75).blocked_at(Level::Medium));
        assert!(!Band::of(71).blocked_at(Level::High));
    }

    #[test]
    fn certificate_window() {
        let p = ReputationPolicy::default();
        let (nb, na) = (Instant::from_secs(100), Instant::from_secs(200));
        assert!(
            inspect_certificate("h", "https://h/", nb, na, Instant::from_secs(150), &p).is_none()
        );
        let d = inspect_certificate("h", "https://h/", nb, na, Instant::from_secs(201), &p)
            .expect("expired");
        assert_eq!(d.action, Action::Reset);
        assert!(
            d.reasons[1]
                .to_string()
                .starts_with("certificate expired on 1970-01-01 09:03:20")
        );
        assert!(
            inspect_certificate("h", "https://h/", nb, na, Instant::from_secs(50), &p).is_some()
        );
    }
}
