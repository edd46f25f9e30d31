//! The monthly report mail (月1回、メールにてお客様へのレポート配信).
//!
//! A `multipart/mixed` message: the Markdown report as the UTF-8 text part,
//! the HTML report attached. Both parts are 8bit UTF-8, which the twin's mail
//! server (and any 8BITMIME server) carries as is.

use super::{MonthlyReport, html, markdown};
use crate::labels::{Lang, tf};
use appliance::Instant;
use appliance::alert::encode_rfc2047;

/// Who the report mail comes from.
pub const REPORT_SENDER: &str = "cloudedge-report@isp.example";

/// A finished report mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportMail {
    pub time: Instant,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The whole RFC 5322 message, CRLF line ends.
    pub raw: String,
}

/// The mail of `report` to the office's admin, sent at `time`.
pub fn compose(report: &MonthlyReport, lang: Lang, time: Instant) -> ReportMail {
    let subject = tf(
        "mail_subject",
        lang,
        &[
            ("month", report.month.clone()),
            ("gateway", report.office.gateway.clone()),
        ],
    );
    let intro = tf(
        "mail_intro",
        lang,
        &[
            ("office", report.office.name.clone()),
            ("month", report.month.clone()),
        ],
    );
    compose_parts(
        Parts {
            to: &report.office.admin_mail,
            subject,
            text: format!("{intro}\n\n{}", markdown::render(report, lang)),
            html: html::render(report, lang),
            attachment: format!("report-{}.html", report.month),
            // The boundary cannot occur in the parts: it holds characters
            // (`=_`) that neither renderer writes at a line start.
            boundary: format!("=_officetwin-report-{}", report.month),
        },
        time,
    )
}

/// What one report mail carries: the rendered text and HTML of a report
/// (the gateway's, or the endpoint option's: `endpoint::mail`).
pub struct Parts<'a> {
    pub to: &'a str,
    pub subject: String,
    /// The mail's text part (the Markdown report after an intro).
    pub text: String,
    /// The attached HTML report.
    pub html: String,
    /// The attachment's file name.
    pub attachment: String,
    /// A boundary neither part can hold at a line start.
    pub boundary: String,
}

/// A `multipart/mixed` report mail of `parts`, sent at `time`.
pub fn compose_parts(parts: Parts<'_>, time: Instant) -> ReportMail {
    let Parts {
        to,
        subject,
        text,
        html: page,
        attachment,
        boundary,
    } = parts;
    let crlf = |s: &str| s.replace("\r\n", "\n").replace('\n', "\r\n");
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nDate: {date}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         Content-Disposition: attachment; filename=\"{attachment}\"\r\n\r\n{page}\r\n\
         --{boundary}--\r\n",
        from = REPORT_SENDER,
        date = time.to_jst().to_rfc2822(),
        subject = encode_rfc2047(&subject),
        text = crlf(&text),
        page = crlf(&page),
    );
    ReportMail {
        time,
        from: REPORT_SENDER.to_string(),
        to: to.to_string(),
        subject,
        raw,
    }
}
