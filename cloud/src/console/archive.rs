//! The report archive (月次レポート): every monthly report the gateway's
//! statistics can give, re-downloadable as HTML, Markdown or the canonical
//! JSON (seed 000, support case ③: a customer deleted the report mail; the
//! desk shows the report again from the console).
//!
//! Reports are not files kept somewhere: each download builds the month's
//! report from the store's statistics with the same code as `officetwin
//! report` and the monthly mail ([`crate::report`]), so the archive and
//! the mail can never disagree.
//!
//! The endpoint option's report (seed 002) sits beside it: every month the
//! endpoint store holds rows of, built the same way from that store
//! ([`crate::endpoint::EndpointReport`]) and downloaded under
//! `/reports/endpoint/`. Cloud App Security's report (seed 003) likewise:
//! every month its store watched (a month without a detection has its
//! report too), built from that store ([`AppSecurityReport`]) and
//! downloaded under `/reports/app-security/`.

use super::source::Source;
use crate::app_security::AppSecurityReport;
use crate::endpoint::EndpointReport;
use crate::labels::Lang;
use crate::report::{self, Month, MonthlyReport, OfficeInfo};
use crate::store::stats::jst_day;
use crate::store::{StatsFilter, StoreError};
use appliance::Instant;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The formats a report downloads as: (extension, content type).
pub const FORMATS: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("json", "application/json"),
];

/// One month of the archive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// `YYYY-MM`.
    pub month: String,
    pub gateway: String,
    /// The month is not over yet on the gateway's clock: a preliminary
    /// report (速報), complete once the month ends.
    pub preliminary: bool,
    pub formats: Vec<&'static str>,
}

/// Who the reports are for: the office behind the gateway when known.
pub fn office_info(source: &dyn Source) -> OfficeInfo {
    match source.office() {
        Some(office) => OfficeInfo {
            name: office.title.clone(),
            gateway: source.gateway_name(),
            admin_mail: office.admin_mail.clone(),
            hosts: office
                .hosts
                .iter()
                .map(|h| (h.ip, h.name.clone()))
                .collect(),
        },
        None => OfficeInfo {
            gateway: source.gateway_name(),
            ..OfficeInfo::default()
        },
    }
}

/// Every month the store holds statistics for, newest first.
pub fn entries(source: &dyn Source, now: Option<Instant>) -> Result<Vec<Entry>, StoreError> {
    let all = StatsFilter::default();
    let store = source.store();
    let mut months: BTreeSet<NaiveDate> = BTreeSet::new();
    for day in store.uptime(&all)?.iter().map(|u| u.day) {
        months.insert(Month::of(day).first_day());
    }
    for day in store.daily_counts(&all)?.iter().map(|c| c.day) {
        months.insert(Month::of(day).first_day());
    }
    Ok(listed(source, months, now))
}

/// The archive's rows of `months` (first days), newest first; a month not
/// over yet at `now` is preliminary.
fn listed(source: &dyn Source, months: BTreeSet<NaiveDate>, now: Option<Instant>) -> Vec<Entry> {
    let current = now.map(|t| Month::of(jst_day(t)).first_day());
    let gateway = source.gateway_name();
    months
        .into_iter()
        .rev()
        .map(|first| Entry {
            month: Month::of(first).to_string(),
            gateway: gateway.clone(),
            preliminary: current.is_some_and(|c| c <= first),
            formats: FORMATS.iter().map(|(ext, _)| *ext).collect(),
        })
        .collect()
}

/// Every month the endpoint store holds rows of, newest first; none when
/// the office has no endpoint option.
pub fn endpoint_entries(
    source: &dyn Source,
    now: Option<Instant>,
) -> Result<Vec<Entry>, StoreError> {
    let Some(store) = source.endpoint_store() else {
        return Ok(Vec::new());
    };
    let months: BTreeSet<NaiveDate> = store
        .days()?
        .into_iter()
        .map(|d| Month::of(d).first_day())
        .collect();
    Ok(listed(source, months, now))
}

/// The endpoint report of `month` rendered as `ext` in `lang`, or `None`
/// without the option or if the store has nothing of that month.
pub fn render_endpoint(
    source: &dyn Source,
    month: Month,
    ext: &str,
    lang: Lang,
    now: Option<Instant>,
) -> Result<Option<String>, String> {
    let known = endpoint_entries(source, now).map_err(|e| e.to_string())?;
    let Some(store) = source.endpoint_store() else {
        return Ok(None);
    };
    let Some(licence) = store.licence().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    if !known.iter().any(|e| e.month == month.to_string()) {
        return Ok(None);
    }
    let report = EndpointReport::build(store, &office_info(source), &licence, month);
    Ok(Some(match ext {
        "html" => crate::endpoint::html::render(&report, lang),
        "md" => crate::endpoint::markdown::render(&report, lang),
        _ => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            json.push('\n');
            json
        }
    }))
}

/// Every month Cloud App Security's store watched or holds detections
/// of, newest first; none when the office has no such option.
pub fn app_security_entries(
    source: &dyn Source,
    now: Option<Instant>,
) -> Result<Vec<Entry>, StoreError> {
    let Some(store) = source.app_security_store() else {
        return Ok(Vec::new());
    };
    let mut months: BTreeSet<NaiveDate> = store
        .days()?
        .into_iter()
        .map(|d| Month::of(d).first_day())
        .collect();
    if let Some((first, last)) = store.watched()? {
        let mut month = Month::of(first);
        while month.first_day() <= last {
            months.insert(month.first_day());
            month = month.next();
        }
    }
    Ok(listed(source, months, now))
}

/// The Cloud App Security report of `month` rendered as `ext` in `lang`,
/// or `None` without the option or for a month it never watched.
pub fn render_app_security(
    source: &dyn Source,
    month: Month,
    ext: &str,
    lang: Lang,
    now: Option<Instant>,
) -> Result<Option<String>, String> {
    let known = app_security_entries(source, now).map_err(|e| e.to_string())?;
    let Some(store) = source.app_security_store() else {
        return Ok(None);
    };
    if !known.iter().any(|e| e.month == month.to_string()) {
        return Ok(None);
    }
    let report = AppSecurityReport::build(store, &office_info(source), month);
    Ok(Some(match ext {
        "html" => crate::app_security::html::render(&report, lang),
        "md" => crate::app_security::markdown::render(&report, lang),
        _ => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            json.push('\n');
            json
        }
    }))
}

/// A report file name, `2017-09.html`, as (month, extension).
pub fn parse_file(name: &str) -> Result<(Month, &'static str), String> {
    let (month, ext) = name
        .rsplit_once('.')
        .ok_or_else(|| format!("`{name}` is not a report file (e.g. 2017-09.html)"))?;
    let ext = FORMATS
        .iter()
        .map(|(e, _)| *e)
        .find(|e| *e == ext)
        .ok_or_else(|| format!("`{ext}` is not a report format: html, md or json"))?;
    let month = Month::parse(month)?;
    // `Month::parse` accepts `2017-9`; the archive names months one way only.
    if month.to_string() != month_text(month) || name != format!("{month}.{ext}") {
        return Err(format!("`{name}` is not a report file (e.g. 2017-09.html)"));
    }
    Ok((month, ext))
}

fn month_text(month: Month) -> String {
    month.first_day().format("%Y-%m").to_string()
}

/// The report of `month` rendered as `ext` in `lang`, or `None` if the
/// store has nothing of that month (no report was ever made for it).
pub fn render(
    source: &dyn Source,
    month: Month,
    ext: &str,
    lang: Lang,
    now: Option<Instant>,
) -> Result<Option<String>, String> {
    let known = entries(source, now).map_err(|e| e.to_string())?;
    if !known.iter().any(|e| e.month == month.to_string()) {
        return Ok(None);
    }
    let report = MonthlyReport::build(source.store(), &office_info(source), month);
    Ok(Some(match ext {
        "html" => report::html::render(&report, lang),
        "md" => report::markdown::render(&report, lang),
        _ => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            json.push('\n');
            json
        }
    }))
}

/// The content type of a format.
pub fn content_type(ext: &str) -> &'static str {
    FORMATS
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or("application/octet-stream", |(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_security::{
        Action, AppSecurityEvent, AppSecurityStore, Application, Detection, ObjectKind,
    };
    use crate::console::source::StoredLogs;
    use crate::store::SqliteStore;
    use crate::store::stats::day_start;

    /// A store file's Cloud App Security tables: watched from 2017-08-20 to
    /// 2017-10-02, one detection in September.
    fn with_app_security() -> StoredLogs {
        let d = |m, n| NaiveDate::from_ymd_opt(2017, m, n).expect("a date");
        let mut cas = AppSecurityStore::in_memory().expect("store");
        cas.watch(d(8, 20)).expect("watched");
        cas.watch(d(10, 2)).expect("watched");
        cas.record(&[AppSecurityEvent {
            at: day_start(d(9, 4)),
            application: Application::Exchange,
            user: "tanaka@printshop.example".into(),
            detection: Detection::VirusMalware,
            object: ObjectKind::IncomingMail,
            name: "Invoice".into(),
            threat: "TROJ_EMOTET.SM".into(),
            risk: None,
            action: Action::Quarantined,
            policy: "default".into(),
            reason: "pattern matched".into(),
        }])
        .expect("recorded");
        StoredLogs {
            store: SqliteStore::in_memory().expect("log store"),
            office: None,
            name: "CloudEdge50-printshop".into(),
            endpoint: None,
            app_security: Some(cas),
        }
    }

    #[test]
    fn the_archive_offers_every_month_cloud_app_security_watched() {
        let s = with_app_security();
        let now = day_start(NaiveDate::from_ymd_opt(2017, 10, 2).expect("a date"));
        let entries = app_security_entries(&s, Some(now)).expect("entries");
        let months: Vec<(&str, bool)> = entries
            .iter()
            .map(|e| (e.month.as_str(), e.preliminary))
            .collect();
        // August and October have no detection: their reports are all zeros.
        assert_eq!(
            months,
            [("2017-10", true), ("2017-09", false), ("2017-08", false)]
        );
        let september = Month::parse("2017-09").expect("month");
        for (ext, lang, words) in [
            ("html", Lang::Ja, "tanaka@printshop.example"),
            ("md", Lang::Ja, "| tanaka@printshop.example | 1 | 100.0% |"),
            ("md", Lang::En, "| Exchange | 1 | 0 |"),
            ("json", Lang::En, "\"tenths\": 1000"),
        ] {
            let text = render_app_security(&s, september, ext, lang, Some(now))
                .expect("rendered")
                .expect("a report");
            assert!(text.contains(words), "{ext} {lang:?}:\n{text}");
        }
        let july = Month::parse("2017-07").expect("month");
        assert!(
            render_app_security(&s, july, "md", Lang::Ja, Some(now))
                .expect("ok")
                .is_none(),
            "a month never watched has no report"
        );
        let without = StoredLogs {
            app_security: None,
            ..with_app_security()
        };
        assert!(app_security_entries(&without, None).expect("ok").is_empty());
        assert!(
            render_app_security(&without, september, "md", Lang::Ja, None)
                .expect("ok")
                .is_none()
        );
    }

    #[test]
    fn the_reports_page_lists_them_in_both_languages() {
        let s = with_app_security();
        let entries = app_security_entries(&s, None).expect("entries");
        let env = crate::console::render::environment().expect("templates");
        for lang in [Lang::Ja, Lang::En] {
            let page = env
                .get_template("reports.html")
                .and_then(|t| {
                    t.render(minijinja::context! {
                        t => lang.table(),
                        reports => minijinja::Value::from(()),
                        endpoint_reports => minijinja::Value::from(()),
                        app_security_reports => minijinja::Value::from(minijinja::value::Serde(&entries)),
                        user => "admin",
                    })
                })
                .expect("reports page");
            assert!(page.contains(lang.t("cas_report_archive")), "{lang:?}");
            assert!(page.contains("href=\"/reports/app-security/2017-09.md\""));
            assert!(page.contains("id=\"app-security-report-2017-08\""));
        }
    }

    #[test]
    fn report_file_names() {
        let (m, ext) = parse_file("2017-09.html").unwrap();
        assert_eq!((m.to_string().as_str(), ext), ("2017-09", "html"));
        assert!(parse_file("2017-09.md").is_ok());
        assert!(parse_file("2017-09.json").is_ok());
        for bad in [
            "2017-09.exe",
            "2017-9.html",
            "2017-13.html",
            "../x.html",
            "2017-09",
            "",
            ".html",
        ] {
            assert!(parse_file(bad).is_err(), "{bad} accepted");
        }
    }
}
