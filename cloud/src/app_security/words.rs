//! The words both renderings of the Cloud App Security report share: the
//! label of each variant and the report's sentences, all from the label
//! table (`cas_*`).

use super::report::{AppSecurityReport, Places, Section};
use super::{Action, Application, Detection, ObjectKind, Protection, RiskLevel};
use crate::labels::{Lang, t, tf};
use crate::report::thousands;

/// The label of a table key built from a code (`cas_app_google_drive`).
fn coded(prefix: &str, code: &str, lang: Lang) -> String {
    t(&format!("{prefix}{code}"), lang).to_string()
}

pub fn application(a: Application, lang: Lang) -> String {
    coded("cas_app_", a.code(), lang)
}

pub fn protection(p: Protection, lang: Lang) -> String {
    coded("cas_protection_", p.code(), lang)
}

/// A function's section title (ウイルス/不正プログラム...).
pub fn detection(d: Detection, lang: Lang) -> String {
    coded("cas_sec_", d.code(), lang)
}

/// A section's description from the seed's contents table; the section
/// key is a detection's code or `overview`.
pub fn description(section: &str, lang: Lang) -> String {
    coded("cas_desc_", section, lang)
}

pub fn action(a: Action, lang: Lang) -> String {
    coded("cas_action_", a.code(), lang)
}

pub fn object(o: ObjectKind, lang: Lang) -> String {
    coded("cas_object_", o.code(), lang)
}

/// A risk level's name (`None`: recorded without one).
pub fn risk(r: Option<RiskLevel>, lang: Lang) -> String {
    match r {
        Some(r) => coded("cas_risk_", r.code(), lang),
        None => t("cas_risk_none", lang).to_string(),
    }
}

/// The seed's description of a risk level (empty for `None`).
pub fn risk_description(r: Option<RiskLevel>, lang: Lang) -> String {
    r.map_or_else(String::new, |r| coded("cas_risk_desc_", r.code(), lang))
}

/// The report's title with its month.
pub fn title(r: &AppSecurityReport, lang: Lang) -> String {
    format!("{} {}", t("cas_title", lang), r.month)
}

/// The sentence under a section's actions: all removed, or how many were
/// left in place (data loss: the information, not a threat).
pub fn left_sentence(s: &Section, lang: Lang) -> String {
    if s.left_in_place == 0 {
        return t("cas_left_none", lang).to_string();
    }
    let key = if s.detection == Detection::DataLoss {
        "cas_left_some_data_loss"
    } else {
        "cas_left_some"
    };
    tf(key, lang, &[("count", thousands(s.left_in_place))])
}

/// The heading of a section's list of detections left in place.
pub fn left_title(d: Detection, lang: Lang) -> String {
    let key = if d == Detection::DataLoss {
        "cas_left_title_data_loss"
    } else {
        "cas_left_title"
    };
    t(key, lang).to_string()
}

/// The "top N of M users" line under a top-users table.
pub fn users_shown(s: &Section, lang: Lang) -> String {
    tf(
        "cas_users_shown",
        lang,
        &[
            ("shown", s.top_users.len().to_string()),
            ("users", thousands(s.users)),
            ("total", thousands(s.total)),
        ],
    )
}

/// The places as table rows: mail and storage always (the seed's two),
/// messages only when there are some.
pub fn place_rows(p: &Places, lang: Lang) -> Vec<(String, u64)> {
    let mut rows = vec![
        (t("cas_place_mail", lang).to_string(), p.mail),
        (t("cas_place_storage", lang).to_string(), p.storage),
    ];
    if p.messages > 0 {
        rows.push((t("cas_place_messages", lang).to_string(), p.messages));
    }
    rows
}

/// One user's places as a cell: `メール 1 / オンラインストレージ 1`.
pub fn places_cell(p: &Places, lang: Lang) -> String {
    place_rows(p, lang)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {}", thousands(n)))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The column notes under every top-users table, as the seed writes them.
pub const NOTES: [&str; 3] = ["cas_note_user", "cas_note_detections", "cas_note_share"];

/// Every section's key in the report's order: `overview`, then the
/// detections' codes (the guides' and descriptions' keys).
pub fn section_keys() -> impl Iterator<Item = &'static str> {
    std::iter::once("overview").chain(Detection::ALL.iter().map(|d| d.code()))
}

/// A section's title by key.
pub fn section_title(key: &str, lang: Lang) -> String {
    coded("cas_sec_", key, lang)
}
