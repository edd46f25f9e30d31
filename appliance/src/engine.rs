//! The inspection engines and the actions they take, with the English
//! labels of the glossary (GLOSSARY.md): the one place that spells them.

use serde::Serialize;
use std::fmt;

/// The inspection engines, with the English labels of the glossary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Firewall,
    Ips,
    Dos,
    Cnc,
    WebReputation,
    UrlFilter,
    AppControl,
    AntiMalware,
    AntiSpam,
    EmailReputation,
}

impl Engine {
    pub const ALL: [Engine; 10] = [
        Engine::Firewall,
        Engine::Ips,
        Engine::Dos,
        Engine::Cnc,
        Engine::WebReputation,
        Engine::UrlFilter,
        Engine::AppControl,
        Engine::AntiMalware,
        Engine::AntiSpam,
        Engine::EmailReputation,
    ];

    /// The English label used in logs, features and reports (GLOSSARY.md).
    pub fn label(self) -> &'static str {
        match self {
            Engine::Firewall => "firewall",
            Engine::Ips => "intrusion prevention",
            Engine::Dos => "DoS protection",
            Engine::Cnc => "C&C callback",
            Engine::WebReputation => "web reputation",
            Engine::UrlFilter => "URL filtering",
            Engine::AppControl => "application control",
            Engine::AntiMalware => "anti-malware",
            Engine::AntiSpam => "anti-spam",
            Engine::EmailReputation => "email reputation",
        }
    }

    /// The engine whose label matches `label`, ignoring case.
    pub fn from_label(label: &str) -> Option<Engine> {
        Engine::ALL
            .into_iter()
            .find(|e| e.label().eq_ignore_ascii_case(label.trim()))
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What the gateway did about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Stopped, and the client was told (an HTTP block page).
    Block,
    /// Stopped with a TCP reset.
    Reset,
    /// Refused at the protocol level (an SMTP reject code).
    Reject,
    /// Silently dropped.
    Drop,
    /// Let through, but rewritten (a subject tag, an attachment removed).
    Tag,
    /// Let through and logged only.
    Monitor,
    /// A mail accepted from the sender and not delivered (seed 000:
    /// スパム判定されたメールの削除).
    Delete,
    /// A mail accepted from the sender, kept at the gateway and not
    /// delivered (seed 000: スパム判定されたメールの隔離).
    Quarantine,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Reset => "reset",
            Action::Reject => "reject",
            Action::Drop => "drop",
            Action::Tag => "tag",
            Action::Monitor => "monitor",
            Action::Delete => "delete",
            Action::Quarantine => "quarantine",
        }
    }

    /// Whether the traffic or mail was stopped (not let through, tagged or
    /// only logged): what "blocked" counts in the console and the report.
    pub fn stops(self) -> bool {
        !matches!(self, Action::Tag | Action::Monitor)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_labels_round_trip_case_insensitively() {
        for engine in Engine::ALL {
            assert_eq!(
                Engine::from_label(&engine.label().to_uppercase()),
                Some(engine)
            );
        }
        assert_eq!(Engine::from_label("c&c CALLBACK"), Some(Engine::Cnc));
        assert_eq!(Engine::from_label("sandbox"), None);
    }
}
