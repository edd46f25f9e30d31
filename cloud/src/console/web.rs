//! The console's HTTP side: routes, the login gate, CSRF checks and the
//! handlers that turn a [`Source`] into pages.
//!
//! Every route except the login form takes an [`Authed`] argument, so a
//! handler cannot forget the check: without a valid session a page answers
//! a redirect to `/login` and anything else `401`. Every state-changing
//! request is a POST carrying the session's CSRF token and, when the browser
//! says where it comes from (`Origin`, `Sec-Fetch-Site`), coming from here.

use super::auth::{Auth, LoginError, SessionInfo, random_token, same};
use super::source::{DeviceKey, Source};
use super::widgets;
use super::{access, archive, profile};
use crate::labels::{Lang, engine_key};
use crate::store::{EventFilter, ExportOptions, RAW_RETENTION_DAYS};
use appliance::{Engine, Instant};
use axum::extract::{Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::{Environment, Value, context};
use serde::Deserialize;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

const SESSION_COOKIE: &str = "ot_session";
const LOGIN_COOKIE: &str = "ot_login";
/// Rows the log page shows (the download holds up to the export cap).
const LOG_PAGE_ROWS: usize = 200;

/// Every route behind the login, as (method, path): the security feature
/// walks this list without a session.
pub const PROTECTED_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/dashboard"),
    ("GET", "/logs"),
    ("GET", "/logs/export.csv"),
    ("GET", "/internet-access"),
    ("GET", "/devices"),
    ("POST", "/devices/block"),
    ("GET", "/policies"),
    ("POST", "/policies"),
    ("POST", "/policies/list"),
    ("POST", "/policies/profile"),
    ("POST", "/policies/deploy"),
    ("GET", "/reports"),
    ("GET", "/reports/2017-09.html"),
    ("GET", "/demo"),
    ("GET", "/api/status"),
    ("POST", "/lang"),
    ("POST", "/logout"),
    ("GET", "/no-such-page"),
];

/// The console's shared state.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Mutex<Auth>,
    source: Arc<Mutex<dyn Source>>,
    env: Environment<'static>,
    default_lang: Lang,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the console down with it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Console {
    pub fn new(
        source: Arc<Mutex<dyn Source>>,
        account: &str,
        password: &str,
        lang: Lang,
    ) -> anyhow::Result<Console> {
        Ok(Console {
            inner: Arc::new(Inner {
                auth: Mutex::new(Auth::new(account, password, lang)?),
                source,
                env: super::render::environment()?,
                default_lang: lang,
            }),
        })
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(root))
            .route("/login", get(login_page).post(login))
            .route("/logout", post(logout))
            .route("/lang", post(switch_lang))
            .route("/dashboard", get(dashboard))
            .route("/logs", get(logs))
            .route("/logs/export.csv", get(export))
            .route("/internet-access", get(internet_access))
            .route("/devices", get(devices))
            .route("/devices/block", post(block_device))
            .route("/policies", get(policies).post(save_policy))
            .route("/policies/list", post(edit_list))
            .route("/policies/profile", post(save_profile))
            .route("/policies/deploy", post(deploy_all))
            .route("/reports", get(reports))
            .route("/reports/{file}", get(report_file))
            .route("/demo", get(demo))
            .route("/api/status", get(status))
            .fallback(not_found)
            .with_state(self.clone())
    }
}

// ------------------------------------------------------------------ the gate

/// A request from a logged-in browser.
pub struct Authed {
    token: String,
    session: SessionInfo,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Console> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Console) -> Result<Self, Response> {
        let found = cookie(&parts.headers, SESSION_COOKIE).and_then(|token| {
            let session = lock(&state.inner.auth).session(&token)?;
            Some(Authed { token, session })
        });
        match found {
            Some(authed) => Ok(authed),
            None if parts.method == Method::GET || parts.method == Method::HEAD => {
                Err(Redirect::to("/login").into_response())
            }
            None => Err((StatusCode::UNAUTHORIZED, "login required\n").into_response()),
        }
    }
}

/// Whether the browser says the request comes from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return origin != format!("http://{host}");
    }
    false
}

fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "request refused: cross-site or without a valid CSRF token\n",
    )
        .into_response()
}

/// Whether a POST may change anything: same site, and the session's token.
fn post_ok(headers: &HeaderMap, authed: &Authed, csrf: &str) -> bool {
    !cross_site(headers) && same(csrf, &authed.session.csrf)
}

// ------------------------------------------------------------------ pages

impl Console {
    fn render(
        &self,
        name: &str,
        authed: Option<&Authed>,
        page: &str,
        path: &str,
        refresh: bool,
        extra: Value,
    ) -> Response {
        let lang = authed.map_or(self.inner.default_lang, |a| a.session.lang);
        let source = lock(&self.inner.source);
        let story = source.story();
        let live = source.now().is_some();
        let ctx = context! {
            t => lang.table(),
            lang => lang.code(),
            user => authed.map(|a| a.session.account.clone()),
            csrf => authed.map(|a| a.session.csrf.clone()),
            gateway => source.gateway_name(),
            page => page,
            path => path,
            has_story => story.is_some(),
            story_latest => story.filter(|_| page != "demo").and_then(|s| s.told.last()).map(ser),
            refresh => (refresh && live).then_some(if page == "demo" { 2 } else { 3 }),
            ..extra
        };
        drop(source);
        match self
            .inner
            .env
            .get_template(name)
            .and_then(|tmpl| tmpl.render(ctx))
        {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("rendering {name}: {e:#}\n"),
            )
                .into_response(),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

async fn root(_: Authed) -> Redirect {
    Redirect::to("/dashboard")
}

async fn not_found(_: Authed) -> Response {
    (StatusCode::NOT_FOUND, "no such page\n").into_response()
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn login_page(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && lock(&console.inner.auth).session(&token).is_some()
    {
        return Redirect::to("/dashboard").into_response();
    }
    login_form(&console, &headers, q.lang.as_deref(), None, StatusCode::OK)
}

/// The login form with its anti-forgery token. A browser that already holds
/// a token keeps it: a second tab, or the favicon request that lands here,
/// must not invalidate the form on screen.
fn login_form(
    console: &Console,
    headers: &HeaderMap,
    lang: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let held = cookie(headers, LOGIN_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()));
    let pre = match held {
        Some(pre) => pre,
        None => match random_token() {
            Ok(pre) => pre,
            Err(_) => return internal("no randomness from the operating system"),
        },
    };
    let lang = lang
        .and_then(Lang::parse)
        .unwrap_or(console.inner.default_lang);
    let ctx = context! {
        t => lang.table(),
        lang => lang.code(),
        pre => pre.clone(),
        error => error.map(|key| lang.t(key)),
    };
    let html = match console
        .inner
        .env
        .get_template("login.html")
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => html,
        Err(e) => return internal(format!("rendering login.html: {e:#}")),
    };
    let mut response = (status, Html(html)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={pre}; HttpOnly; SameSite=Strict; Path=/login"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    pre: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let pre_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same(&c, &form.pre));
    if cross_site(&headers) || !pre_ok {
        return refused();
    }
    let inner = console.inner.clone();
    // argon2 is deliberately slow: keep it off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        lock(&inner.auth).login(form.account.trim(), &form.password)
    })
    .await
    .unwrap_or(Err(LoginError::Internal));
    match result {
        Ok(token) => {
            let mut response = Redirect::to("/dashboard").into_response();
            if let Ok(value) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(LoginError::Wrong) => login_form(
            &console,
            &headers,
            None,
            Some("login_failed"),
            StatusCode::UNAUTHORIZED,
        ),
        Err(LoginError::Locked) => login_form(
            &console,
            &headers,
            None,
            Some("login_locked"),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(LoginError::Internal) => internal("login failed inside the console"),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    lock(&console.inner.auth).logout(&authed.token);
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("ot_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

#[derive(Deserialize)]
struct LangForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

async fn switch_lang(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<LangForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    if let Some(lang) = Lang::parse(&form.lang) {
        lock(&console.inner.auth).set_lang(&authed.token, lang);
    }
    // Only a path of this site: never an open redirect.
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
        form.back.as_str()
    } else {
        "/dashboard"
    };
    Redirect::to(back).into_response()
}

async fn dashboard(State(console): State<Console>, authed: Authed) -> Response {
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

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
struct LogQuery {
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

async fn logs(
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

async fn export(
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
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
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

#[derive(Deserialize)]
struct AccessQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    rows: String,
}

async fn internet_access(
    State(console): State<Console>,
    authed: Authed,
    Query(q): Query<AccessQuery>,
) -> Response {
    let lang = authed.session.lang;
    let query = match access::Query::parse(&q.by, &q.days, &q.page, &q.rows) {
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
                rows => ser(&blocked),
            },
        ),
        Err(e) => internal(e),
    }
}

fn devices_page(
    console: &Console,
    authed: &Authed,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let (rows, can_block) = {
        let source = lock(&console.inner.source);
        (widgets::devices(&*source), source.can_block())
    };
    match rows {
        Ok(devices) => console.render(
            "devices.html",
            Some(authed),
            "devices",
            "/devices",
            done.is_none() && error.is_none(),
            context! { devices => ser(&devices), can_block, done, error },
        ),
        Err(e) => internal(e),
    }
}

async fn devices(State(console): State<Console>, authed: Authed) -> Response {
    devices_page(&console, &authed, None, None)
}

#[derive(Deserialize)]
struct BlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    mac: String,
}

async fn block_device(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<BlockForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let key = match form.by.as_str() {
        "ip" => match form.ip.trim().parse() {
            Ok(ip) => Ok(DeviceKey::Ip(ip)),
            Err(_) => Err(format!("`{}` is not an IPv4 address", form.ip)),
        },
        "mac" => Ok(DeviceKey::Mac(form.mac.trim().to_ascii_lowercase())),
        other => Err(format!("unknown way to block: `{other}`")),
    };
    let outcome = key.and_then(|key| {
        let mut source = lock(&console.inner.source);
        source.block_device(&key).map(|()| match key {
            DeviceKey::Ip(ip) => ip.to_string(),
            DeviceKey::Mac(mac) => mac,
        })
    });
    match outcome {
        Ok(what) => devices_page(
            &console,
            &authed,
            Some(format!("{} {what}", authed.session.lang.t("blocked"))),
            None,
        ),
        Err(reason) => {
            let mut r = devices_page(&console, &authed, None, Some(reason));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}

/// What the policies page says about the last thing done on it.
#[derive(Default)]
struct PolicyNotice {
    /// The gateway settings were saved.
    saved: bool,
    /// Why the gateway settings, or a deploy, were refused.
    error: Option<String>,
    /// A list edit that was made, or why it was refused.
    list_done: Option<String>,
    list_error: Option<String>,
    /// The gateway settings' text as submitted, when they were refused.
    policy_text: Option<String>,
    /// The security profile's text as submitted, when it was refused.
    profile_text: Option<String>,
    profile_saved: bool,
}

fn policies_page(console: &Console, authed: &Authed, notice: PolicyNotice) -> Response {
    let (policy, deploys, running_version, profile, profile_text) = {
        let source = lock(&console.inner.source);
        (
            notice.policy_text.clone().or_else(|| source.policy_text()),
            source.deploys().to_vec(),
            source.running_version(),
            source.profile(),
            notice
                .profile_text
                .clone()
                .or_else(|| source.profile_text()),
        )
    };
    // Newest first: the status of the last "deploy all" leads.
    let deploys: Vec<_> = deploys.into_iter().rev().collect();
    let failed = notice.error.is_some() || notice.list_error.is_some();
    let PolicyNotice {
        saved,
        error,
        list_done,
        list_error,
        profile_saved,
        ..
    } = notice;
    let mut r = console.render(
        "policies.html",
        Some(authed),
        "policies",
        "/policies",
        false,
        context! {
            policy,
            deploys => ser(&deploys),
            running_version,
            saved,
            error,
            profile => ser(&profile),
            list_done,
            list_error,
            profile_text,
            profile_saved,
        },
    );
    if failed && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn policies(State(console): State<Console>, authed: Authed) -> Response {
    policies_page(&console, &authed, PolicyNotice::default())
}

#[derive(Deserialize)]
struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    policy: String,
}

async fn save_policy(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<PolicyForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let result = lock(&console.inner.source).save_policy(&form.policy);
    let notice = match result {
        Ok(()) => PolicyNotice {
            saved: true,
            ..PolicyNotice::default()
        },
        // The text as submitted stays on screen, to be fixed in place.
        Err(reason) => PolicyNotice {
            error: Some(reason),
            policy_text: Some(form.policy),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    profile: String,
}

async fn save_profile(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<ProfileForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let result = lock(&console.inner.source).save_profile(&form.profile);
    let notice = match result {
        Ok(()) => PolicyNotice {
            profile_saved: true,
            ..PolicyNotice::default()
        },
        // The text as submitted stays on screen, to be fixed in place.
        Err(reason) => PolicyNotice {
            error: Some(reason),
            profile_text: Some(form.profile),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

#[derive(Deserialize)]
struct ListForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    entry: String,
}

async fn edit_list(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<ListForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let lang = authed.session.lang;
    let result = profile::ListKind::parse(&form.list).and_then(|list| {
        let op = profile::ListOp::parse(&form.op)?;
        lock(&console.inner.source).edit_list(list, op, &form.entry)?;
        Ok((list, op))
    });
    let notice = match result {
        Ok((list, op)) => PolicyNotice {
            list_done: Some(format!(
                "{}: {} ({})",
                lang.t(match list {
                    profile::ListKind::Allow => "allow_list",
                    profile::ListKind::Block => "block_list",
                }),
                form.entry.trim(),
                lang.t(match op {
                    profile::ListOp::Add => "list_added",
                    profile::ListOp::Remove => "list_removed",
                }),
            )),
            ..PolicyNotice::default()
        },
        Err(reason) => PolicyNotice {
            list_error: Some(reason),
            ..PolicyNotice::default()
        },
    };
    policies_page(&console, &authed, notice)
}

async fn deploy_all(
    State(console): State<Console>,
    authed: Authed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !post_ok(&headers, &authed, &form.csrf) {
        return refused();
    }
    let result = lock(&console.inner.source).deploy_all();
    match result {
        Ok(()) => Redirect::to("/policies").into_response(),
        Err(reason) => policies_page(
            &console,
            &authed,
            PolicyNotice {
                error: Some(reason),
                ..PolicyNotice::default()
            },
        ),
    }
}

async fn reports(State(console): State<Console>, authed: Authed) -> Response {
    let reports = {
        let source = lock(&console.inner.source);
        archive::entries(&*source, source.now())
    };
    match reports {
        Ok(reports) => console.render(
            "reports.html",
            Some(&authed),
            "reports",
            "/reports",
            false,
            context! { reports => ser(&reports) },
        ),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct ReportQuery {
    /// `1`: show in the browser instead of downloading.
    #[serde(default)]
    view: String,
}

async fn report_file(
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
        format!("attachment; filename=\"{safe}-report-{month}.{ext}\"")
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

async fn demo(State(console): State<Console>, authed: Authed) -> Response {
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

async fn status(State(console): State<Console>, _authed: Authed) -> Response {
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

/// Any serializable value as a template value.
fn ser<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}
