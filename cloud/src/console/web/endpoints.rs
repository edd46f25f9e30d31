//! The endpoints page, the cross-view of one PC, and the endpoint report
//! downloads of the archive.

use super::*;
use crate::console::endpoints;

pub(super) async fn endpoints_page(State(console): State<Console>, authed: Authed) -> Response {
    let agents = {
        let source = lock(&console.inner.source);
        endpoints::agents(&*source, authed.session.lang)
    };
    match agents {
        Ok(agents) => console.render(
            "endpoints.html",
            Some(&authed),
            "endpoints",
            "/endpoints",
            true,
            context! { agents => agents.map(|a| ser(&a)) },
        ),
        Err(e) => internal(e),
    }
}

pub(super) async fn cross_view(
    State(console): State<Console>,
    authed: Authed,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    let view = {
        let source = lock(&console.inner.source);
        endpoints::cross_view(&*source, &name, authed.session.lang)
    };
    match view {
        Ok(Some(view)) => console.render(
            "endpoint.html",
            Some(&authed),
            "endpoints",
            &format!("/endpoints/{name}"),
            true,
            context! { view => ser(&view) },
        ),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("no endpoint agent named {name:?}\n"),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

pub(super) async fn endpoint_report_file(
    State(console): State<Console>,
    authed: Authed,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<reports::ReportQuery>,
) -> Response {
    let (month, ext) = match archive::parse_file(&file) {
        Ok(found) => found,
        Err(reason) => return (StatusCode::NOT_FOUND, format!("{reason}\n")).into_response(),
    };
    let (text, gateway) = {
        let source = lock(&console.inner.source);
        (
            archive::render_endpoint(&*source, month, ext, authed.session.lang, source.now()),
            source.gateway_name(),
        )
    };
    match text {
        Ok(Some(text)) => reports::download(text, &gateway, "endpoint-report", month, ext, &q),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("no endpoint report for {month}\n"),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}
