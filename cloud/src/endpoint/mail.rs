//! The endpoint report mail (seed 002: 「月１回、申込み時にいただいたメール
//! アドレス宛に送付します」): the same `multipart/mixed` shape as the
//! gateway report's mail ([`crate::report::mail::compose_parts`]), with its
//! own subject and attachment name.

use super::report::EndpointReport;
use super::{html, markdown};
use crate::labels::{Lang, tf};
use crate::report::mail::{Parts, ReportMail, compose_parts};
use appliance::Instant;

/// The endpoint report mail of `report` to the office's admin, sent at `time`.
pub fn compose(report: &EndpointReport, lang: Lang, time: Instant) -> ReportMail {
    let args = [
        ("month", report.month.clone()),
        ("office", report.office.name.clone()),
    ];
    let intro = tf("ep_mail_intro", lang, &args);
    compose_parts(
        Parts {
            to: &report.office.admin_mail,
            subject: tf("ep_mail_subject", lang, &args),
            text: format!("{intro}\n\n{}", markdown::render(report, lang)),
            html: html::render(report, lang),
            attachment: format!("endpoint-report-{}.html", report.month),
            // Like the gateway report's: `=_` starts no line either renderer writes.
            boundary: format!("=_officetwin-endpoint-report-{}", report.month),
        },
        time,
    )
}
