//! The Cloud App Security report mail: the same `multipart/mixed` shape as
//! the gateway report's mail ([`crate::report::mail::compose_parts`]), with
//! its own subject and attachment name.

use super::report::AppSecurityReport;
use super::{html, markdown};
use crate::labels::{Lang, tf};
use crate::report::mail::{Parts, ReportMail, compose_parts};
use appliance::Instant;

/// The Cloud App Security report mail of `report` to the office's admin,
/// sent at `time`.
pub fn compose(report: &AppSecurityReport, lang: Lang, time: Instant) -> ReportMail {
    let args = [
        ("month", report.month.clone()),
        ("office", report.office.name.clone()),
    ];
    let intro = tf("cas_mail_intro", lang, &args);
    compose_parts(
        Parts {
            to: &report.office.admin_mail,
            subject: tf("cas_mail_subject", lang, &args),
            text: format!("{intro}\n\n{}", markdown::render(report, lang)),
            html: html::render(report, lang),
            attachment: format!("app-security-report-{}.html", report.month),
            // Like the gateway report's: `=_` starts no line either renderer writes.
            boundary: format!("=_officetwin-app-security-report-{}", report.month),
        },
        time,
    )
}
