//! Data-loss prevention (情報漏えい対策): a policy's patterns counted in an
//! item's text (subject, body, the text of every file), and whether the
//! count reaches the policy's threshold.

use super::policy::{DataLossPolicy, Pattern};
use super::{card, my_number};

/// A policy's matches in a text: how many of each pattern.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    /// (pattern, count), counts above zero, in the policy's order.
    pub counts: Vec<(String, usize)>,
}

impl Matches {
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The matches in the log's words: `My Number x5, credit card number x1`.
    pub fn describe(&self) -> String {
        self.counts
            .iter()
            .map(|(p, n)| format!("{p} x{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Counts each of the policy's patterns in `text`.
pub fn count(policy: &DataLossPolicy, text: &str) -> Matches {
    let mut lowered: Option<String> = None;
    let counts = policy
        .patterns
        .iter()
        .filter_map(|pattern| {
            let n = match pattern {
                Pattern::MyNumber => my_number::find(text).len(),
                Pattern::CreditCard => card::find(text).len(),
                Pattern::Keyword(k) => {
                    let hay = lowered.get_or_insert_with(|| text.to_lowercase());
                    let needle = k.to_lowercase();
                    if needle.is_empty() {
                        0
                    } else {
                        hay.matches(needle.as_str()).count()
                    }
                }
            };
            (n > 0).then(|| (pattern.describe(), n))
        })
        .collect();
    Matches { counts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_security::Action;

    fn policy(min: usize) -> DataLossPolicy {
        DataLossPolicy {
            name: "個人番号".into(),
            patterns: vec![Pattern::MyNumber, Pattern::Keyword("Confidential".into())],
            min_matches: min,
            applications: Vec::new(),
            shared_only: false,
            action: Action::Quarantined,
        }
    }

    #[test]
    fn counts_each_pattern_and_describes_them() {
        // 1234 5678 9018: check digit 8 (see my_number's worked example).
        let text = "CONFIDENTIAL\n山田 123456789018\n佐藤 1234-5678-9018\nconfidential";
        let m = count(&policy(1), text);
        assert_eq!(m.total(), 4);
        assert_eq!(m.describe(), "My Number x2, keyword \"Confidential\" x2");
        assert_eq!(count(&policy(1), "nothing here").total(), 0);
    }
}
