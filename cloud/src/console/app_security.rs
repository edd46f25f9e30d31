//! The console's Cloud App Security page (seed 003): the current month's
//! detection overview (all ten applications, as the report's 概要) and the
//! newest detections of the office's cloud mail and storage, each with what
//! was done and whether the threat was left in place. Read through
//! [`Source::app_security_store`]; an office without the option has no page.
//!
//! The month is the running twin's, or for a stored file the last day the
//! service watched.

use super::archive::office_info;
use super::source::Source;
use crate::app_security::{AppSecurityReport, words};
use crate::labels::Lang;
use crate::report::Month;
use crate::store::StoreError;
use crate::store::stats::jst_day;
use serde::Serialize;

/// Detections the page lists (the newest).
pub const PAGE_ROWS: usize = 200;

/// What the page shows.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    /// `YYYY-MM`.
    pub month: String,
    pub overview: Vec<OverviewRow>,
    pub advanced_threat: u64,
    pub data_loss: u64,
    pub rows: Vec<DetectionRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OverviewRow {
    pub application: String,
    pub advanced_threat: u64,
    pub data_loss: u64,
}

/// One detection as the page lists it, worded in the page's language.
#[derive(Clone, Debug, Serialize)]
pub struct DetectionRow {
    /// JST.
    pub time: String,
    pub application: String,
    pub user: String,
    pub detection: String,
    pub object: String,
    pub name: String,
    pub threat: String,
    /// The virtual analyzer's risk level, `-` for other functions.
    pub risk: String,
    pub action: String,
    /// The action left the threat where it was.
    pub left: bool,
    pub policy: String,
    pub reason: String,
}

/// The page's view in `lang`; `None` when the office has no Cloud App
/// Security.
pub fn view(source: &dyn Source, lang: Lang) -> Result<Option<View>, StoreError> {
    let Some(store) = source.app_security_store() else {
        return Ok(None);
    };
    let day = match source.now() {
        Some(now) => Some(jst_day(now)),
        None => store.watched()?.map(|(_, last)| last),
    };
    let month = day.map_or_else(|| Month::of(chrono::NaiveDate::default()), Month::of);
    let report = AppSecurityReport::build(store, &office_info(source), month);
    let rows = store
        .newest(PAGE_ROWS)?
        .into_iter()
        .map(|e| DetectionRow {
            time: e.at.jst_string(),
            application: words::application(e.application, lang),
            user: e.user,
            detection: words::detection(e.detection, lang),
            object: words::object(e.object, lang),
            name: e.name,
            threat: e.threat,
            risk: e
                .risk
                .map_or_else(|| "-".to_string(), |r| words::risk(Some(r), lang)),
            action: words::action(e.action, lang),
            left: !e.action.removes_threat(),
            policy: e.policy,
            reason: e.reason,
        })
        .collect();
    Ok(Some(View {
        month: report.month.clone(),
        overview: report
            .overview
            .applications
            .iter()
            .map(|a| OverviewRow {
                application: words::application(a.application, lang),
                advanced_threat: a.advanced_threat,
                data_loss: a.data_loss,
            })
            .collect(),
        advanced_threat: report.overview.advanced_threat,
        data_loss: report.overview.data_loss,
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_security::{
        Action, AppSecurityEvent, AppSecurityStore, Application, Detection, ObjectKind, RiskLevel,
    };
    use crate::console::source::StoredLogs;
    use crate::store::SqliteStore;
    use crate::store::stats::day_start;
    use chrono::NaiveDate;

    fn stored(detections: &[(Detection, Action)]) -> StoredLogs {
        let d = |n| NaiveDate::from_ymd_opt(2017, 9, n).expect("a date");
        let mut cas = AppSecurityStore::in_memory().expect("store");
        cas.watch(d(1)).expect("watched");
        cas.watch(d(20)).expect("watched");
        let events: Vec<AppSecurityEvent> = detections
            .iter()
            .enumerate()
            .map(|(i, (detection, action))| AppSecurityEvent {
                at: day_start(d(4)) + std::time::Duration::from_secs(60 * i as u64),
                application: Application::Box,
                user: "<b>sato</b>@printshop.example".into(),
                detection: *detection,
                object: ObjectKind::File,
                name: "/共有/invoice.docm".into(),
                threat: "macro document".into(),
                risk: (*detection == Detection::VirtualAnalyzer).then_some(RiskLevel::Unknown),
                action: *action,
                policy: "default".into(),
                reason: "file type: docm".into(),
            })
            .collect();
        cas.record(&events).expect("recorded");
        StoredLogs {
            store: SqliteStore::in_memory().expect("log store"),
            office: None,
            name: "CloudEdge50-printshop".into(),
            endpoint: None,
            app_security: Some(cas),
        }
    }

    #[test]
    fn the_page_shows_the_month_and_the_newest_detections() {
        let s = stored(&[
            (Detection::FileBlocking, Action::Quarantined),
            (Detection::VirtualAnalyzer, Action::LoggedOnly),
        ]);
        let env = crate::console::render::environment().expect("templates");
        for lang in [Lang::Ja, Lang::En] {
            let view = view(&s, lang).expect("read").expect("the option");
            assert_eq!(view.month, "2017-09", "the last day watched");
            assert_eq!(view.overview.len(), 10);
            assert_eq!((view.advanced_threat, view.data_loss), (2, 0));
            assert_eq!(view.rows.len(), 2);
            assert!(view.rows[0].left && !view.rows[1].left, "newest first");
            assert_eq!(view.rows[1].risk, "-");
            let page = env
                .get_template("app_security.html")
                .and_then(|t| {
                    t.render(minijinja::context! {
                        t => lang.table(),
                        view => minijinja::Value::from(minijinja::value::Serde(&view)),
                        has_app_security => true,
                        user => "admin",
                    })
                })
                .expect("page");
            assert_eq!(page.matches("class=\"threat-left\"").count(), 1);
            assert!(page.contains(lang.t("cas_left_short")));
            assert!(page.contains("id=\"nav-app-security\""));
            assert!(
                page.contains("&lt;b&gt;sato&lt;&#x2f;b&gt;@printshop.example")
                    || page.contains("&lt;b&gt;sato&lt;/b&gt;@printshop.example"),
                "the address is escaped"
            );
        }
        let without = StoredLogs {
            app_security: None,
            ..stored(&[])
        };
        assert!(view(&without, Lang::Ja).expect("read").is_none());
    }
}
