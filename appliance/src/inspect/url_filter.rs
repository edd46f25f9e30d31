//! URL filtering (URLフィルタリング): the log record of a block-list hit
//! (the lists themselves are `policy::UrlLists`), then the policy rules by
//! source, category or application, and schedule.
//!
//! Rules are read top-down and the first one that applies decides, as in
//! the console's ordered rule list. A rule that matched by application is
//! reported as application control, one that matched by category as URL
//! filtering.

use super::Detection;
use super::app_control::App;
use super::web_request::{WebRequest, cat};
use crate::event::{Action, Engine};
use crate::intel::WebRating;
use crate::policy::{Category, Entry, Policy, Rule, RuleAction};
use crate::reason::Reason;

/// The detection of a block-list hit.
pub fn block_list_detection(req: &WebRequest<'_>, entry: &Entry) -> Detection {
    Detection {
        engine: Engine::UrlFilter,
        action: Action::Block,
        reasons: vec![
            Reason::BlockList,
            Reason::ListEntry {
                text: entry.text.to_string(),
            },
        ],
        threat: "block list".to_string(),
        host: Some(req.host.to_string()),
        url: Some(req.url.to_string()),
    }
}

/// What made a rule apply to a request.
#[derive(Clone, Copy, Debug)]
pub enum RuleMatch<'p> {
    /// The request belongs to an application the rule names (reported as
    /// application control).
    App(&'static App),
    /// The site's category is one the rule names (URL filtering).
    Category(&'p Category),
}

/// The first rule that applied to a request and did not allow it: the
/// decision, without its log texts ([`RuleHit::detection`] writes them).
#[derive(Clone, Copy, Debug)]
pub struct RuleHit<'p> {
    pub rule: &'p Rule,
    /// Block or monitor.
    pub action: Action,
    pub by: RuleMatch<'p>,
}

impl RuleHit<'_> {
    pub fn detection(&self, req: &WebRequest<'_>) -> Detection {
        let mut reasons = vec![Reason::PolicyRule {
            name: self.rule.name.to_string(),
        }];
        let (engine, threat) = match self.by {
            RuleMatch::App(a) => {
                reasons.push(Reason::Application {
                    name: a.name.to_string(),
                    kind: a.kind.to_string(),
                });
                (Engine::AppControl, cat(&["application ", a.name]))
            }
            RuleMatch::Category(c) => {
                reasons.push(Reason::Category {
                    name: c.name.to_string(),
                    ja: Some(c.ja.to_string()),
                });
                reasons.push(Reason::CategoryGroup {
                    name: c.group.to_string(),
                });
                (Engine::UrlFilter, cat(&["category ", &c.name]))
            }
        };
        if let Some(s) = &self.rule.schedule {
            reasons.push(Reason::Schedule {
                name: s.name.to_string(),
            });
        }
        Detection {
            engine,
            action: self.action,
            reasons,
            threat,
            host: Some(req.host.to_string()),
            url: Some(req.url.to_string()),
        }
    }
}

/// The first rule that applies: its detection (block or monitor), or
/// `None` when no rule applies or the rule allows.
pub fn rules(
    req: &WebRequest<'_>,
    rating: Option<&WebRating>,
    app: Option<&'static App>,
    policy: &Policy,
) -> Option<Detection> {
    rule_hit(req, rating, app, policy).map(|hit| hit.detection(req))
}

/// [`rules`] without the log texts.
pub fn rule_hit<'p>(
    req: &WebRequest<'_>,
    rating: Option<&WebRating>,
    app: Option<&'static App>,
    policy: &'p Policy,
) -> Option<RuleHit<'p>> {
    if !policy.url_filtering.enabled {
        return None;
    }
    let category = rating.and_then(|r| policy.categories.get(&r.category));
    for rule in &policy.url_filtering.rules {
        if !rule.applies_to(req.src_ip, req.src_mac) {
            continue;
        }
        if rule
            .schedule
            .as_ref()
            .is_some_and(|s| !s.is_active(req.now))
        {
            continue;
        }
        let by_app = app.filter(|a| rule.applications.iter().any(|n| n == a.name));
        let by_category = category.filter(|c| rule.categories.contains(&c.name));
        let by = match (by_app, by_category) {
            (Some(a), _) => RuleMatch::App(a),
            (None, Some(c)) => RuleMatch::Category(c),
            (None, None) => continue,
        };
        let action = match rule.action {
            RuleAction::Allow => return None,
            RuleAction::Block => Action::Block,
            RuleAction::Monitor => Action::Monitor,
        };
        return Some(RuleHit { rule, action, by });
    }
    None
}
