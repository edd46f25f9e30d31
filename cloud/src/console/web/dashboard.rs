//! The dashboard page: the widgets of the last days from the log store.

use super::*;

pub(super) async fn dashboard(State(console): State<Console>, authed: Authed) -> Response {
    let lang = authed.session.lang;
    let d = {
        let source = lock(&console.inner.source);
        widgets::dashboard(&*source, lang)
    };
    match d {
        Ok(d) => console.render(
            "dashboard.html",
            Some(&authed),
            "dashboard",
            "/dashboard",
            true,
            context! { d => ser(&d) },
        ),
        Err(e) => internal(e),
    }
}
