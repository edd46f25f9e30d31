//! Internet access: the top 20 of the allowed-traffic statistics by user,
//! category or host, narrowed by period and user.

use super::*;

#[derive(Deserialize)]
pub(super) struct AccessQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    user: String,
}

pub(super) async fn internet_access(
    State(console): State<Console>,
    authed: Authed,
    Query(q): Query<AccessQuery>,
) -> Response {
    let lang = authed.session.lang;
    let query = match access::Query::parse(&q.by, &q.days, &q.user) {
        Ok(query) => query,
        Err(reason) => {
            return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response();
        }
    };
    let computed = {
        let source = lock(&console.inner.source);
        access::page(&*source, lang, &query).and_then(|page| {
            Ok((
                page,
                widgets::top_destinations(&*source).map_err(|e| e.to_string())?,
            ))
        })
    };
    match computed {
        Ok((stats, blocked)) => console.render(
            "internet_access.html",
            Some(&authed),
            "internet_access",
            "/internet-access",
            false,
            context! {
                stats => ser(&stats),
                by => query.by_code(),
                days => query.days,
                periods => access::PERIODS.to_vec(),
                user => query.user.map(|ip| ip.to_string()).unwrap_or_default(),
                top_rows => access::TOP_ROWS,
                rows => ser(&blocked),
            },
        ),
        Err(e) => internal(e),
    }
}
