//! The demo page (the story so far) and the status the pages poll.

use super::*;

pub(super) async fn demo(State(console): State<Console>, authed: Authed) -> Response {
    let lang = authed.session.lang;
    let (story, now) = {
        let source = lock(&console.inner.source);
        let story = source.story().map(|s| {
            context! {
                title => s.title.as_ref().map(|t| t.get(lang.code()).to_string()),
                speed => s.speed.clone(),
                told => ser(&s.told),
                finished => s.finished,
            }
        });
        (story, source.now().map(Instant::jst_string))
    };
    console.render(
        "demo.html",
        Some(&authed),
        "demo",
        "/demo",
        true,
        context! { story, now },
    )
}

pub(super) async fn status(State(console): State<Console>, _authed: Authed) -> Response {
    let source = lock(&console.inner.source);
    let detections = source.store().count(&EventFilter::default()).unwrap_or(0);
    Json(serde_json::json!({
        "gateway": source.gateway_name(),
        "now": source.now().map(Instant::jst_string),
        "detections": detections,
        "told": source.story().map_or(0, |s| s.told.len()),
        "finished": source.story().is_some_and(|s| s.finished),
    }))
    .into_response()
}
