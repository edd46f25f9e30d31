//! The cloud's words, Japanese and English, from one table, and the one [`Lang`].
//!
//! Every label the console's pages and the monthly report show comes from
//! one table, `labels/table.rs` (the words of GLOSSARY.md), never from a template
//! literal, so a term is changed in one place and both languages always have
//! it. The report's section guides are in [`guide`]; the endpoint option's
//! words and guides (seed 002) are in `labels/endpoint.rs` and
//! `labels/endpoint_guide.rs`, part of the same table; Cloud App Security's
//! (seed 003) in `labels/app_security.rs` and `labels/app_security_guide.rs`.

mod app_security;
mod app_security_guide;
mod endpoint;
mod endpoint_guide;
mod guide;
mod table;

pub use app_security_guide::{
    APP_SECURITY_GUIDES, CasGuide, Todo, app_security_guide, app_security_notes,
};
pub use endpoint_guide::{ENDPOINT_GUIDES, endpoint_guide};
pub use guide::{FORMULA, guide};

use app_security::APP_SECURITY_LABELS;
use appliance::{Action, Engine};
use endpoint::ENDPOINT_LABELS;
use serde::Serialize;
use std::collections::BTreeMap;
use table::LABELS;

/// Every entry of the table: the console's and gateway report's, then the
/// endpoint option's, then Cloud App Security's.
fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    LABELS
        .iter()
        .chain(ENDPOINT_LABELS.iter())
        .chain(APP_SECURITY_LABELS.iter())
}

/// The two languages of the console and the reports; Japanese is the
/// default, as the service's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" | "日本語" => Some(Lang::Ja),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    fn pick(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// The label `key` in this language; `?` if it is missing (a unit test
    /// keeps every key of the console's templates in the table).
    pub fn t(self, key: &str) -> &'static str {
        lookup(key, self).unwrap_or("?")
    }

    /// The whole table in this language, for templates (`{{ t.dashboard }}`).
    pub fn table(self) -> BTreeMap<&'static str, &'static str> {
        entries()
            .map(|(k, ja, en)| (*k, self.pick(ja, en)))
            .collect()
    }

    /// An engine's name as the console shows it (menus, log list, widgets).
    pub fn engine(self, engine: Engine) -> &'static str {
        self.t(engine_key(engine))
    }

    pub fn action(self, action: Action) -> &'static str {
        self.t(match action {
            Action::Block => "action_block",
            Action::Reset => "action_reset",
            Action::Reject => "action_reject",
            Action::Drop => "action_drop",
            Action::Tag => "action_tag",
            Action::Monitor => "action_monitor",
            Action::Delete => "action_delete",
            Action::Quarantine => "action_quarantine",
        })
    }
}

fn lookup(key: &str, lang: Lang) -> Option<&'static str> {
    entries()
        .find(|(k, _, _)| *k == key)
        .map(|(_, ja, en)| lang.pick(ja, en))
}

/// The code of an engine (`cnc`, `web_reputation`, ...; the serde name of
/// [`Engine`]): the log store's column value, the console's filter value and
/// the tail of the label keys.
pub fn engine_code(engine: Engine) -> &'static str {
    match engine {
        Engine::Firewall => "firewall",
        Engine::Ips => "ips",
        Engine::Dos => "dos",
        Engine::Cnc => "cnc",
        Engine::WebReputation => "web_reputation",
        Engine::UrlFilter => "url_filter",
        Engine::AppControl => "app_control",
        Engine::AntiMalware => "anti_malware",
        Engine::AntiSpam => "anti_spam",
        Engine::EmailReputation => "email_reputation",
    }
}

/// The table key of an engine's console label (`engine_cnc`).
pub fn engine_key(engine: Engine) -> &'static str {
    match engine {
        Engine::Firewall => "engine_firewall",
        Engine::Ips => "engine_ips",
        Engine::Dos => "engine_dos",
        Engine::Cnc => "engine_cnc",
        Engine::WebReputation => "engine_web_reputation",
        Engine::UrlFilter => "engine_url_filter",
        Engine::AppControl => "engine_app_control",
        Engine::AntiMalware => "engine_anti_malware",
        Engine::AntiSpam => "engine_anti_spam",
        Engine::EmailReputation => "engine_email_reputation",
    }
}

/// The label of `key` in `lang` for the report; the key itself if the table
/// lacks it (a test checks every key the renderers use is present).
pub fn t(key: &str, lang: Lang) -> &str {
    lookup(key, lang).unwrap_or(key)
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(key: &str, lang: Lang, args: &[(&str, String)]) -> String {
    let mut text = t(key, lang).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Whether the table has `key`.
pub fn has(key: &str) -> bool {
    entries().any(|(k, _, _)| *k == key)
}

/// How a row's key reads in a report column headed `column`: URL category
/// names are stored in English (the vendor's names, as in the logs) and
/// shown in Japanese from the category table; other keys (hosts, policies,
/// threats) read as stored.
pub fn key_name(key: &str, column: &str, lang: Lang) -> String {
    if column != "category" || lang != Lang::Ja {
        return key.to_string();
    }
    appliance::policy::categories::UrlCategories::builtin()
        .get(key)
        .map_or_else(|| key.to_string(), |category| category.ja.clone())
}

/// The table key of an engine's name in the report (`report_engine_cnc`).
pub fn report_engine_key(engine: Engine) -> String {
    format!("report_engine_{}", engine_code(engine))
}

/// An engine's name as the report writes it (its tables and sentences).
pub fn report_engine(engine: Engine, lang: Lang) -> &'static str {
    lookup(&report_engine_key(engine), lang).unwrap_or_else(|| engine.label())
}

/// A policy key as stored: an engine's English label becomes its report
/// name in `lang`; a rule name stays as written.
pub fn policy(name: &str, lang: Lang) -> String {
    match Engine::from_label(name) {
        Some(e) => report_engine(e, lang).to_string(),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut seen = std::collections::HashSet::new();
        for (key, ja, en) in entries() {
            assert!(seen.insert(*key), "label {key} twice");
            assert!(
                !ja.is_empty() && !en.is_empty(),
                "label {key} lacks a language"
            );
        }
    }

    #[test]
    fn every_engine_has_labels() {
        for e in Engine::ALL {
            assert_ne!(Lang::Ja.engine(e), "?");
            assert!(has(&report_engine_key(e)), "{e:?}");
            assert_eq!(report_engine(e, Lang::En), e.label());
            assert_eq!(engine_key(e).strip_prefix("engine_"), Some(engine_code(e)));
        }
        // Two words for one engine: the console's log list and the report.
        assert_eq!(Lang::Ja.engine(Engine::Cnc), "C&Cコールバック");
        assert_eq!(report_engine(Engine::Cnc, Lang::Ja), "C&Cサーバへの通信");
        assert_eq!(policy("C&C callback", Lang::Ja), "C&Cサーバへの通信");
        assert_eq!(policy("業務時間帯", Lang::En), "業務時間帯");
    }

    #[test]
    fn every_section_has_guides_in_both_languages() {
        for s in [
            "summary",
            "cnc",
            "malicious",
            "categories",
            "policies",
            "policy_users",
            "security_users",
            "threats",
            "daily",
            "access",
        ] {
            for lang in [Lang::Ja, Lang::En] {
                let (read, todo) = guide(s, lang);
                assert!(!read.is_empty() && !todo.is_empty(), "{s} {lang:?}");
            }
        }
    }
}
