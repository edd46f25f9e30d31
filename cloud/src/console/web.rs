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
use super::{access, archive, guard, profile};
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

mod app_security;
mod dashboard;
mod demo;
mod devices;
mod endpoints;
mod internet;
mod logs;
mod policies;
mod reports;

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
    ("GET", "/reports/endpoint/2017-09.html"),
    ("GET", "/reports/app-security/2017-09.html"),
    ("GET", "/endpoints"),
    ("GET", "/endpoints/PC-XP"),
    ("GET", "/app-security"),
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
    hosts: guard::AllowedHosts,
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
                hosts: guard::AllowedHosts::new(std::env::var(guard::HOSTS_ENV).ok().as_deref()),
            }),
        })
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(root))
            .route("/login", get(login_page).post(login))
            .route("/logout", post(logout))
            .route("/lang", post(switch_lang))
            .route("/dashboard", get(dashboard::dashboard))
            .route("/logs", get(logs::logs))
            .route("/logs/export.csv", get(logs::export))
            .route("/internet-access", get(internet::internet_access))
            .route("/devices", get(devices::devices))
            .route("/devices/block", post(devices::block_device))
            .route(
                "/policies",
                get(policies::policies).post(policies::save_policy),
            )
            .route("/policies/list", post(policies::edit_list))
            .route("/policies/profile", post(policies::save_profile))
            .route("/policies/deploy", post(policies::deploy_all))
            .route("/reports", get(reports::reports))
            .route("/reports/{file}", get(reports::report_file))
            .route(
                "/reports/endpoint/{file}",
                get(endpoints::endpoint_report_file),
            )
            .route(
                "/reports/app-security/{file}",
                get(reports::app_security_report_file),
            )
            .route("/app-security", get(app_security::app_security_page))
            .route("/endpoints", get(endpoints::endpoints_page))
            .route("/endpoints/{name}", get(endpoints::cross_view))
            .route("/demo", get(demo::demo))
            .route("/api/status", get(demo::status))
            .fallback(not_found)
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(
                self.inner.hosts.clone(),
                guard::check_host,
            ))
            .layer(axum::middleware::from_fn(guard::security_headers))
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
            has_endpoints => source.endpoint_store().is_some(),
            has_app_security => source.app_security_store().is_some(),
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
    // argon2 is deliberately slow: keep it off the async workers, and hash
    // outside the lock every page's session check needs.
    let result = tokio::task::spawn_blocking(move || {
        let account = form.account.trim();
        let hash = lock(&inner.auth).begin_login(account)?;
        let password_ok = super::auth::verify(&hash, &form.password)?;
        lock(&inner.auth).finish_login(account, password_ok)
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
    let back = guard::local_path(&form.back).unwrap_or("/dashboard");
    Redirect::to(back).into_response()
}

/// Any serializable value as a template value.
fn ser<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}
