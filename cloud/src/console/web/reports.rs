//! The monthly report archive and its downloads.

use super::*;

pub(super) async fn reports(State(console): State<Console>, authed: Authed) -> Response {
    let (reports, endpoint_reports, app_security_reports) = {
        let source = lock(&console.inner.source);
        (
            archive::entries(&*source, source.now()),
            archive::endpoint_entries(&*source, source.now()),
            archive::app_security_entries(&*source, source.now()),
        )
    };
    match (reports, endpoint_reports, app_security_reports) {
        (Ok(reports), Ok(endpoint_reports), Ok(app_security_reports)) => console.render(
            "reports.html",
            Some(&authed),
            "reports",
            "/reports",
            false,
            context! {
                reports => ser(&reports),
                endpoint_reports => ser(&endpoint_reports),
                app_security_reports => ser(&app_security_reports),
            },
        ),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => internal(e),
    }
}

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    /// `1`: show in the browser instead of downloading.
    #[serde(default)]
    pub(super) view: String,
}

pub(super) async fn report_file(
    State(console): State<Console>,
    authed: Authed,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (month, ext) = match archive::parse_file(&file) {
        Ok(found) => found,
        Err(reason) => return (StatusCode::NOT_FOUND, format!("{reason}\n")).into_response(),
    };
    let (text, gateway) = {
        let source = lock(&console.inner.source);
        (
            archive::render(&*source, month, ext, authed.session.lang, source.now()),
            source.gateway_name(),
        )
    };
    let text = match text {
        Ok(Some(text)) => text,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                format!("no monthly report for {month}\n"),
            )
                .into_response();
        }
        Err(e) => return internal(e),
    };
    download(text, &gateway, "report", month, ext, &q)
}

/// A Cloud App Security report of the archive (`/reports/app-security/`).
pub(super) async fn app_security_report_file(
    State(console): State<Console>,
    authed: Authed,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (month, ext) = match archive::parse_file(&file) {
        Ok(found) => found,
        Err(reason) => return (StatusCode::NOT_FOUND, format!("{reason}\n")).into_response(),
    };
    let (text, gateway) = {
        let source = lock(&console.inner.source);
        (
            archive::render_app_security(&*source, month, ext, authed.session.lang, source.now()),
            source.gateway_name(),
        )
    };
    match text {
        Ok(Some(text)) => download(text, &gateway, "app-security-report", month, ext, &q),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("no Cloud App Security report for {month}\n"),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

/// A rendered report as a download (`{gateway}-{kind}-{month}.{ext}`), or
/// shown in the browser when asked (`?view=1`, HTML only).
pub(super) fn download(
    text: String,
    gateway: &str,
    kind: &str,
    month: crate::report::Month,
    ext: &str,
    q: &ReportQuery,
) -> Response {
    // Gateway names are the office's own words: keep the file name plain.
    let safe: String = gateway
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = if q.view == "1" && ext == "html" {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"{safe}-{kind}-{month}.{ext}\"")
    };
    (
        [
            (header::CONTENT_TYPE, archive::content_type(ext).to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response()
}
