//! The words both renderings of the endpoint report share: the label of
//! each variant and the report's sentences, all from the label table.

use super::report::{Change, EndpointReport, FeatureChange, tenths_text};
use super::{Action, DeviceKind, EdrStatus, Feature, Product, ScanKind};
use crate::labels::{Lang, t, tf};
use crate::report::thousands;

/// The label of a table key built from a code (`ep_action_cleaned`).
fn coded(prefix: &str, code: &str, lang: Lang) -> String {
    t(&format!("{prefix}{code}"), lang).to_string()
}

pub fn feature(f: Feature, lang: Lang) -> String {
    coded("ep_feature_", f.code(), lang)
}

pub fn action(a: Action, lang: Lang) -> String {
    coded("ep_action_", a.code(), lang)
}

/// What an action means, as seed 002's 処理項目 say (`None` for the
/// actions it does not describe).
pub fn action_desc(a: Action, lang: Lang) -> Option<String> {
    let key = format!("ep_action_desc_{}", a.code());
    crate::labels::has(&key).then(|| t(&key, lang).to_string())
}

pub fn status(s: Option<EdrStatus>, lang: Lang) -> String {
    match s {
        Some(s) => coded("ep_status_", s.code(), lang),
        None => t("ep_status_none", lang).to_string(),
    }
}

pub fn device(d: DeviceKind, lang: Lang) -> String {
    coded("ep_device_", d.code(), lang)
}

pub fn scan(s: Option<ScanKind>, lang: Lang) -> String {
    s.map_or_else(|| "-".to_string(), |s| coded("ep_scan_", s.code(), lang))
}

pub fn product(p: Product, lang: Lang) -> String {
    coded("ep_product_", p.code(), lang)
}

/// The heading of a section's names table and its column.
pub fn names_item(f: Feature, lang: Lang) -> (String, String) {
    (
        coded("ep_item_names_", f.code(), lang),
        coded("ep_name_", f.code(), lang),
    )
}

/// The heading of a section's top endpoints (behaviour monitoring calls
/// them endpoints with violations).
pub fn endpoints_item(f: Feature, lang: Lang) -> String {
    let own = format!("ep_item_top_endpoints_{}", f.code());
    if crate::labels::has(&own) {
        t(&own, lang).to_string()
    } else {
        t("ep_item_top_endpoints", lang).to_string()
    }
}

/// How a row key reads: URL categories in Japanese from the category
/// table, other names as stored.
pub fn name(f: Feature, key: &str, lang: Lang) -> String {
    if f == Feature::UrlFilter {
        crate::labels::key_name(key, "category", lang)
    } else {
        key.to_string()
    }
}

/// The seed's sentence of a feature's month-over-month change.
pub fn change(c: &FeatureChange, lang: Lang) -> String {
    let name = ("feature", feature(c.feature, lang));
    match c.change {
        Change::Up { tenths } => tf("ep_change_up", lang, &[name, ("pct", tenths_text(tenths))]),
        Change::Down { tenths } => tf(
            "ep_change_down",
            lang,
            &[name, ("pct", tenths_text(tenths))],
        ),
        Change::Same => tf("ep_change_same", lang, &[name]),
        Change::New => tf(
            "ep_change_new",
            lang,
            &[name, ("count", thousands(c.this_month))],
        ),
        Change::None => tf("ep_change_none", lang, &[name]),
    }
}

/// The change as a table cell: `+17.2%`, `-5%`, `±0`, `-`.
pub fn change_cell(c: &FeatureChange) -> String {
    match c.change {
        Change::Up { tenths } => format!("+{}%", tenths_text(tenths)),
        Change::Down { tenths } => format!("-{}%", tenths_text(tenths)),
        Change::Same => "±0%".to_string(),
        Change::New | Change::None => "-".to_string(),
    }
}

/// 「デスクトップ(パソコン)4台 ... へインストールされています」.
pub fn installed(r: &EndpointReport, lang: Lang) -> String {
    let o = &r.overview;
    tf(
        "ep_installed",
        lang,
        &[
            ("desktops", o.desktops.to_string()),
            ("servers", o.servers.to_string()),
            ("mobiles", o.mobiles.to_string()),
        ],
    )
}

/// 「ご契約ライセンス数のうち、20％を利用中です」.
pub fn licence_used(r: &EndpointReport, lang: Lang) -> String {
    match r.overview.used_tenths {
        Some(tenths) => tf(
            "ep_licence_used",
            lang,
            &[
                ("pct", tenths_text(tenths)),
                ("agents", r.overview.agents.to_string()),
                ("seats", r.licence.seats.to_string()),
            ],
        ),
        None => t("ep_licence_no_seats", lang).to_string(),
    }
}

/// A list of names, or the "every endpoint has it on" line.
pub fn names_or(names: &[String], some_key: &str, none_key: &str, lang: Lang) -> String {
    if names.is_empty() {
        t(none_key, lang).to_string()
    } else {
        tf(some_key, lang, &[("names", names.join(", "))])
    }
}

/// The report's title: the EDR option's when the licence has it.
pub fn title(r: &EndpointReport, lang: Lang) -> String {
    format!("{} {}", t("ep_title", lang), r.month)
}
