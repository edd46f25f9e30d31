//! Log analysis: the filtered log list (62 days, paged) and its CSV export.

use super::*;

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub(super) struct LogQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    engine: String,
    #[serde(default)]
    ip: String,
}

/// A JST date `YYYY-MM-DD` as the instant it starts.
fn jst_date(text: &str) -> Result<Instant, String> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))?;
    let naive = date.and_time(chrono::NaiveTime::MIN);
    chrono::TimeZone::from_local_datetime(&appliance::time::jst(), &naive)
        .single()
        .map(Instant::from)
        .ok_or_else(|| format!("`{text}` is not a date in JST"))
}

fn engine_by_code(code: &str) -> Option<Engine> {
    Engine::ALL
        .into_iter()
        .find(|e| engine_key(*e).strip_prefix("engine_") == Some(code))
}

/// The filter of a log query, the 62-day rule applied: nothing older than
/// 62 days before `now` is asked for. Returns the filter and whether the
/// range had to be narrowed.
fn log_filter(q: &LogQuery, now: Instant) -> Result<(EventFilter, bool), String> {
    const DAY: Duration = Duration::from_secs(24 * 3600);
    let earliest = now - DAY * RAW_RETENTION_DAYS;
    let mut clamped = false;
    let from = match q.from.trim() {
        "" => earliest,
        text => {
            let from = jst_date(text)?;
            if from < earliest {
                clamped = true;
                earliest
            } else {
                from
            }
        }
    };
    let until = match q.until.trim() {
        "" => None,
        text => Some(jst_date(text)? + DAY),
    };
    if until.is_some_and(|u| u <= from) {
        return Err("the end date is before the start date".into());
    }
    let engine = match q.engine.trim() {
        "" => None,
        code => Some(engine_by_code(code).ok_or_else(|| format!("unknown feature `{code}`"))?),
    };
    let src_ip = match q.ip.trim() {
        "" => None,
        text => Some(
            text.parse::<Ipv4Addr>()
                .map_err(|_| format!("`{text}` is not an IPv4 address"))?,
        ),
    };
    Ok((
        EventFilter {
            from: Some(from),
            until,
            engine,
            src_ip,
        },
        clamped,
    ))
}

fn engine_options(lang: Lang) -> Vec<Value> {
    Engine::ALL
        .iter()
        .map(|e| {
            context! {
                code => engine_key(*e).strip_prefix("engine_").unwrap_or(""),
                label => lang.engine(*e),
            }
        })
        .collect()
}

pub(super) async fn logs(
    State(console): State<Console>,
    authed: Authed,
    Query(q): Query<LogQuery>,
) -> Response {
    let lang = authed.session.lang;
    let query = serde_urlencoded_query(&q);
    let computed = {
        let source = lock(&console.inner.source);
        widgets::now_of(&*source)
            .map_err(|e| e.to_string())
            .map(|now| match log_filter(&q, now) {
                Ok((filter, clamped)) => {
                    let events = source.store().events(&filter).map_err(|e| e.to_string())?;
                    let matching = events.len();
                    let rows: Vec<_> = events
                        .iter()
                        .rev()
                        .take(LOG_PAGE_ROWS)
                        .map(|e| widgets::event_row(&*source, lang, e))
                        .collect();
                    Ok((rows, matching, clamped, None))
                }
                Err(reason) => Ok((Vec::new(), 0, false, Some(reason))),
            })
    };
    let (rows, matching, clamped, error) = match computed {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(e) => return internal(e),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = console.render(
        "logs.html",
        Some(&authed),
        "logs",
        "/logs",
        false,
        context! { rows => ser(&rows), matching, clamped, error, q => ser(&q), query, engines => engine_options(lang) },
    );
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

fn serde_urlencoded_query(q: &LogQuery) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "from={}&until={}&engine={}&ip={}",
        enc(&q.from),
        enc(&q.until),
        enc(&q.engine),
        enc(&q.ip)
    )
}

pub(super) async fn export(
    State(console): State<Console>,
    _authed: Authed,
    Query(q): Query<LogQuery>,
) -> Response {
    let source = lock(&console.inner.source);
    let now = match widgets::now_of(&*source) {
        Ok(now) => now,
        Err(e) => return internal(e),
    };
    let (filter, _) = match log_filter(&q, now) {
        Ok(f) => f,
        Err(reason) => return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response(),
    };
    let mut csv = Vec::new();
    let summary = match source
        .store()
        .export_csv(&filter, &ExportOptions::default(), &mut csv)
    {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let name = format!(
        "{}-logs-{}.csv",
        source.gateway_name(),
        now.to_jst().format("%Y%m%d")
    );
    drop(source);
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, super::guard::attachment(&name)),
        ],
        csv,
    )
        .into_response();
    let h = response.headers_mut();
    h.insert("x-rows-matching", HeaderValue::from(summary.rows_matching));
    h.insert("x-rows-written", HeaderValue::from(summary.rows_written));
    h.insert(
        "x-export-capped",
        HeaderValue::from_static(if summary.capped { "true" } else { "false" }),
    );
    response
}
