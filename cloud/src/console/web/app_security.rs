//! The Cloud App Security page: the month's overview and the newest
//! detections.

use super::*;
use crate::console::app_security as page;

pub(super) async fn app_security_page(State(console): State<Console>, authed: Authed) -> Response {
    let view = {
        let source = lock(&console.inner.source);
        page::view(&*source, authed.session.lang)
    };
    match view {
        Ok(Some(view)) => console.render(
            "app_security.html",
            Some(&authed),
            "app_security",
            "/app-security",
            true,
            context! { view => ser(&view) },
        ),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "the office has no Cloud App Security\n",
        )
            .into_response(),
        Err(e) => internal(e),
    }
}
