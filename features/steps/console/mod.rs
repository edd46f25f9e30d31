//! The cloud console, over real HTTP on 127.0.0.1 and in a real headless
//! Chromium: login, the session gate, CSRF, lockout, widgets, policies, and
//! the demo's story. This module holds what the steps share (the console's
//! world, the HTTP client, the home network namespace, the browser's waits)
//! and the steps that start the console and log in to it; the other steps
//! live in its submodules, by subject.

mod browser;
pub use browser::{close_spare as close_spare_browser, give_back as give_back_browser};
mod dashboard;
mod demo;
mod devices;
mod hardening;
mod login;
mod logs;
mod policies;
mod reports;

// `report` for the golden-file check of `reports` (`super::report::snapshot`).
use super::{DurationParam, TwinWorld, catalog, report};
use anyhow::{Context, Result, anyhow, bail, ensure};
use cloud::Lang;
use cloud::console::source::Source;
use cloud::console::{Login, Running};
use cloud::store::{EventFilter, LogStore};
use cucumber::{given, when};
use fantoccini::Locator;
use officetwin::console::browser::Browser;
use officetwin::live::LiveTwin;
use std::sync::{Arc, Mutex, MutexGuard};

/// The longest a browser step waits for a page to show what it expects.
/// Generous, for a loaded 2-core CI machine: a step ends as soon as the page
/// is there, so this only bounds how long a real failure takes to report.
const BROWSER_WAIT: std::time::Duration = std::time::Duration::from_secs(120);
/// How often a browser step looks again.
const BROWSER_POLL: std::time::Duration = std::time::Duration::from_millis(250);

const ACCOUNT: &str = "TMF0000001";
const PASSWORD: &str = "omakase-2017";

/// The console of one feature scenario.
pub struct ConsoleWorld {
    live: Arc<Mutex<LiveTwin>>,
    running: Running,
    browser: Option<Browser>,
    cookie: Option<String>,
    csrf: Option<String>,
    last: Option<Reply>,
    /// Events in the store before the step under test.
    events_before: u64,
    /// The demo script being told, and what was told with whether the
    /// console's demo page showed it at that moment.
    narrator: Option<officetwin::demo::Narrator>,
    told: Vec<(cloud::console::source::Told, bool)>,
    /// Screenshots taken, removed when checked.
    screenshots: Vec<std::path::PathBuf>,
    /// This scenario's turn with a browser, held until the scenario ends.
    browser_turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl ConsoleWorld {
    fn twin(&self) -> MutexGuard<'_, LiveTwin> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn base(&self) -> &str {
        &self.running.url
    }
    fn browser(&self) -> Result<&Browser> {
        self.browser.as_ref().ok_or_else(|| {
            anyhow!("no browser: start with `When I log in to the console in Chromium`")
        })
    }
}

impl TwinWorld {
    fn console(&mut self) -> Result<&mut ConsoleWorld> {
        self.console
            .as_mut()
            .ok_or_else(|| anyhow!("no console: start with `Given the console on scenario ...`"))
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 exchange over a fresh connection (the console must
/// answer plain clients too, not only browsers).
async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply> {
    let (base, method, path, body) = (
        base.to_string(),
        method.to_string(),
        path.to_string(),
        body.to_string(),
    );
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    at_home(move || {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        http_here(&base, &method, &path, &headers, &body)
    })
}

fn http_here(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply> {
    use std::io::{Read, Write};
    let authority = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = std::net::TcpStream::connect(&authority).with_context(|| {
        format!(
            "connecting to the console at {authority} (thread namespace {:?}, process {:?})",
            std::fs::read_link("/proc/thread-self/ns/net"),
            std::fs::read_link("/proc/self/ns/net")
        )
    })?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    // A step may say which host the request names (DNS rebinding).
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no HTTP status line in {head:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_string(),
    })
}

fn form(fields: &[(&str, &str)]) -> String {
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
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of `name="NAME" value="..."` in a page.
fn hidden(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &body[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_string())
}

fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let pair = v.split(';').next()?;
            pair.strip_prefix(&format!("{name}="))
                .map(|value| format!("{name}={value}"))
        })
}

/// Logs in over HTTP; returns the reply to the POST.
async fn http_login(base: &str, account: &str, password: &str) -> Result<Reply> {
    let page = http(base, "GET", "/login", &[], "").await?;
    let pre = hidden(&page.body, "pre").context("no login token in the login page")?;
    let pre_cookie = set_cookie(&page, "ot_login").context("no login cookie")?;
    http(
        base,
        "POST",
        "/login",
        &[
            ("Cookie", &pre_cookie),
            ("Origin", base.trim_end_matches('/')),
        ],
        &form(&[("pre", &pre), ("account", account), ("password", password)]),
    )
    .await
}

/// The TUN features run on TUN workers (`on_tun_worker`), threads in the
/// twin's own, empty network namespaces, and a step may land on any
/// thread; so everything of the console's features that touches a socket
/// or starts a process (the console's server, the HTTP client, chromedriver
/// and the WebDriver session's connections) runs on threads in the
/// process's own namespace, where 127.0.0.1 works, and the console only
/// ever binds 127.0.0.1.
fn enter_process_namespace() -> Result<()> {
    let process = std::fs::read_link("/proc/self/ns/net")?;
    let thread = std::fs::read_link("/proc/thread-self/ns/net")?;
    if process == thread {
        return Ok(());
    }
    let file = std::fs::File::open("/proc/self/ns/net")?;
    // SAFETY: setns on this thread with a valid namespace descriptor.
    let rc = unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&file), libc::CLONE_NEWNET) };
    ensure!(
        rc == 0,
        "setns to the process's namespace: {}",
        std::io::Error::last_os_error()
    );
    Ok(())
}

/// Runs `f` on a fresh thread in the process's own network namespace.
fn at_home<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    std::thread::spawn(move || {
        enter_process_namespace()?;
        f()
    })
    .join()
    .map_err(|_| anyhow!("a console helper thread panicked"))?
}

/// A runtime on a thread in the process's own namespace, for async sockets
/// (the HTTP client, the WebDriver session task). Lives for the process.
fn home_runtime() -> Result<tokio::runtime::Handle> {
    static HOME: std::sync::OnceLock<Result<tokio::runtime::Handle, String>> =
        std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("console-net".into())
            .spawn(move || {
                let rt = enter_process_namespace().and_then(|()| {
                    Ok(tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?)
                });
                match rt {
                    Ok(rt) => {
                        let _ = tx.send(Ok(rt.handle().clone()));
                        rt.block_on(std::future::pending::<()>());
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            })
            .map_err(|e| e.to_string())
            .and_then(|_| rx.recv().map_err(|e| e.to_string())?)
    })
    .clone()
    .map_err(|e| anyhow!("the console's network thread: {e}"))
}

/// Runs a future on the home runtime and waits for it.
async fn home<T: Send + 'static>(
    f: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    home_runtime()?
        .spawn(f)
        .await
        .map_err(|e| anyhow!("console network task: {e}"))?
}

#[given(expr = "the console on scenario {string} after {duration}")]
async fn console_on(world: &mut TwinWorld, id: String, after: DurationParam) -> Result<()> {
    let catalog = catalog()?;
    // The run before the console opens is the heavy part: off the runner's
    // thread, as `TwinWorld::on_session` does (an in-memory twin only).
    let twin = super::on_pool(move || {
        let mut twin = officetwin::console::launch::live_twin(&catalog, &id, None)?;
        twin.session.run_for(after.0)?;
        Ok(twin)
    })
    .await?;
    let live = Arc::new(Mutex::new(twin));
    let source: Arc<Mutex<dyn Source>> = live.clone();
    let login = Login {
        account: ACCOUNT.into(),
        password: PASSWORD.into(),
    };
    let running = at_home(move || Running::start(source, &login, Lang::Ja))?;
    world.console = Some(ConsoleWorld {
        live,
        running,
        browser: None,
        cookie: None,
        csrf: None,
        last: None,
        events_before: 0,
        narrator: None,
        told: Vec::new(),
        screenshots: Vec::new(),
        browser_turn: None,
    });
    Ok(())
}

/// What the browser would read: the page's text with minijinja's HTML
/// escapes undone.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[when("I log in to the console")]
async fn log_in(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let reply = http_login(c.base(), ACCOUNT, PASSWORD).await?;
    ensure!(
        reply.status == 303,
        "login answered {}: {}",
        reply.status,
        reply.body
    );
    let cookie = set_cookie(&reply, "ot_session").context("no session cookie")?;
    let page = http(c.base(), "GET", "/policies", &[("Cookie", &cookie)], "").await?;
    c.csrf = Some(hidden(&page.body, "csrf").context("no CSRF token on the policies page")?);
    c.cookie = Some(cookie);
    Ok(())
}

/// POSTs a form of the console with the session and its CSRF token.
async fn post(
    c: &mut ConsoleWorld,
    path: &str,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> Result<()> {
    let cookie = c.cookie.clone().context("not logged in")?;
    let csrf = c.csrf.clone().context("not logged in")?;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let own = c.base().trim_end_matches('/').to_string();
    let origin = origin.unwrap_or(&own);
    let before = c
        .twin()
        .session
        .cloud
        .store
        .count(&EventFilter::default())?;
    c.events_before = before;
    c.last = Some(
        http(
            c.base(),
            "POST",
            path,
            &[("Cookie", &cookie), ("Origin", origin)],
            &form(&all),
        )
        .await?,
    );
    Ok(())
}

/// Waits until `check` finds what it looks for on the current page:
/// `Ok(Ok(found))` ends the wait, `Ok(Err(seen))` and errors look again. A
/// page may still be loading after a click, or reload under the step (the
/// dashboard refreshes itself), so an element that vanished is looked for
/// again too. Never a fixed sleep, never an assertion on how long it took.
async fn eventually<T>(
    what: &str,
    mut check: impl AsyncFnMut() -> Result<Result<T, String>>,
) -> Result<T> {
    let deadline = std::time::Instant::now() + BROWSER_WAIT;
    loop {
        let last = match check().await {
            Ok(Ok(found)) => return Ok(found),
            Ok(Err(seen)) => seen,
            Err(e) => format!("{e:#}"),
        };
        if std::time::Instant::now() >= deadline {
            bail!("{what}: still not so after {BROWSER_WAIT:?}; last seen:\n{last}");
        }
        tokio::time::sleep(BROWSER_POLL).await;
    }
}

/// Clicks the element with this id once it is there.
async fn click_id(b: &Browser, id: &str) -> Result<()> {
    eventually(&format!("clicking #{id}"), async || {
        match b.client.find(Locator::Id(id)).await {
            Ok(element) => {
                element.click().await?;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(e.to_string())),
        }
    })
    .await
}
