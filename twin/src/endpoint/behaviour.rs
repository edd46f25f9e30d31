//! Behaviour monitoring's rules (挙動監視): what a running program does that
//! the agent stops, and EDR's view of the same (注意が必要なイベント).
//!
//! The rules, in the open: a program that rewrites [`RANSOM_FILES`]
//! documents under a new extension within [`RANSOM_WINDOW`] is encrypting
//! them (high risk); deleting the Volume Shadow Copies removes the backups
//! a ransomware victim would restore from (high risk); adding itself to
//! the autorun key is how unwanted programs persist (medium risk).

use appliance::Instant;
use std::collections::VecDeque;
use std::time::Duration;

/// Documents rewritten within [`RANSOM_WINDOW`] that make a program a
/// ransomware suspect.
pub const RANSOM_FILES: usize = 20;
pub const RANSOM_WINDOW: Duration = Duration::from_secs(60);

/// A rule a program broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Encrypted `count` documents within the window.
    Ransomware {
        count: usize,
    },
    ShadowCopies,
    Autorun {
        name: String,
    },
}

impl Rule {
    /// The rule's name, as the agent's logs and EDR's events give it.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Ransomware { .. } => "Ransomware behaviour: documents encrypted in bulk",
            Rule::ShadowCopies => "Ransomware behaviour: shadow copies deleted",
            Rule::Autorun { .. } => "Persistence: autorun registry entry added",
        }
    }

    /// Why, with the facts.
    pub fn reason(&self) -> String {
        match self {
            Rule::Ransomware { count } => format!(
                "{count} documents rewritten under a new extension within {} s (rule: {RANSOM_FILES} in {} s)",
                RANSOM_WINDOW.as_secs(),
                RANSOM_WINDOW.as_secs()
            ),
            Rule::ShadowCopies => {
                "ran `vssadmin delete shadows` (the backups a victim restores from)".to_string()
            }
            Rule::Autorun { name } => {
                format!("added `{name}` to HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run")
            }
        }
    }

    /// Whether EDR isolates the endpoint for it.
    pub fn high_risk(&self) -> bool {
        matches!(self, Rule::Ransomware { .. } | Rule::ShadowCopies)
    }
}

/// What behaviour monitoring remembers of one program.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    /// When each recent document was rewritten, oldest first.
    recent: VecDeque<Instant>,
    /// The ransomware rule fires once per program.
    fired: bool,
}

impl Watch {
    /// The program rewrote a document at `now`: the ransomware rule, if
    /// this makes [`RANSOM_FILES`] within the window.
    pub fn encrypted(&mut self, now: Instant) -> Option<Rule> {
        self.recent.push_back(now);
        while self
            .recent
            .front()
            .is_some_and(|&t| now.saturating_since(t) > RANSOM_WINDOW)
        {
            self.recent.pop_front();
        }
        if self.fired || self.recent.len() < RANSOM_FILES {
            return None;
        }
        self.fired = true;
        Some(Rule::Ransomware {
            count: self.recent.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Class: any pace of encryption. The rule fires exactly when some
        /// 60 s holds 20 rewrites (computed here by brute force over the
        /// times), and then only once.
        #[test]
        fn the_ransomware_rule_fires_when_a_window_holds_enough(
            gaps in proptest::collection::vec(0u64..20_000, 1..80),
        ) {
            let mut watch = Watch::default();
            let mut t = 0i64;
            let mut times = Vec::new();
            let mut fired_at = Vec::new();
            for (i, gap) in gaps.iter().enumerate() {
                t += *gap as i64 * 1000; // ms -> µs
                times.push(t);
                if watch.encrypted(Instant::from_micros(t)).is_some() {
                    fired_at.push(i);
                }
            }
            let window = RANSOM_WINDOW.as_micros() as i64;
            let first = (0..times.len()).find(|&i| {
                times[..=i].iter().filter(|&&s| times[i] - s <= window).count() >= RANSOM_FILES
            });
            prop_assert_eq!(fired_at.first().copied(), first);
            prop_assert!(fired_at.len() <= 1);
        }
    }

    #[test]
    fn slow_rewrites_never_fire() {
        let mut watch = Watch::default();
        for i in 0..200 {
            assert_eq!(watch.encrypted(Instant::from_secs(i * 4)), None, "{i}");
        }
    }
}
