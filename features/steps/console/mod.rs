//! The cloud console, over real HTTP on 127.0.0.1 and in a real headless
//! Chromium: login, the session gate, CSRF, lockout, widgets, policies, and
//! the demo's story.

use super::{DurationParam, TwinWorld, catalog};
use anyhow::{Context, Result, anyhow, bail, ensure};
use cloud::Lang;
use cloud::console::source::Source;
use cloud::console::web::PROTECTED_ROUTES;
use cloud::console::{Login, Running};
use cloud::store::{EventFilter, LogStore};
use cucumber::{given, then, when};
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
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
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

/// The TUN features move the runner's thread into the twin's own, empty
/// network namespace (`tun_cmd::enter_tun_mode`), and cucumber interleaves
/// scenarios on that thread, so a console scenario may find itself there at
/// any step. Everything of the console's features that touches a socket or
/// starts a process (the console's server, the HTTP client, chromedriver
/// and the WebDriver session's connections) therefore runs on threads in
/// the process's own namespace, where 127.0.0.1 works, and the console only
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
fn console_on(world: &mut TwinWorld, id: String, after: DurationParam) -> Result<()> {
    let catalog = catalog()?;
    let mut twin = officetwin::console::launch::live_twin(&catalog, &id, None)?;
    twin.session.run_for(after.0)?;
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

#[given(expr = "the demo of {string} with its console")]
async fn demo_with_console(world: &mut TwinWorld, id: String) -> Result<()> {
    let catalog = catalog()?;
    let (script, _) = catalog
        .demo(&id)?
        .with_context(|| format!("no demo script for {id}"))?;
    console_on(world, id, DurationParam(std::time::Duration::ZERO))?;
    let c = world.console()?;
    c.narrator = Some(officetwin::demo::Narrator::new(script));
    log_in(world).await
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

/// A blocking GET (the console serves from its own thread).
fn get_blocking(base: &str, path: &str, cookie: &str) -> Result<String> {
    use std::io::{Read, Write};
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(authority)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(String::from_utf8_lossy(&raw).to_string())
}

#[when("the demo runs, the console's demo page read at each moment")]
fn demo_runs(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let mut narrator = c.narrator.take().context("no demo loaded")?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let base = c.base().to_string();
    let live = c.live.clone();
    let mut told = Vec::new();
    let mut failure = None;
    officetwin::demo::run(
        &live,
        &mut narrator,
        officetwin::demo::Pace::Unpaced,
        &mut |moment| {
            let (base, cookie) = (base.clone(), cookie.clone());
            match at_home(move || get_blocking(&base, "/demo", &cookie)) {
                Ok(page) => {
                    let page = unescape(&page);
                    let shown = page.contains(&moment.at) && page.contains(&moment.ja);
                    told.push((moment.clone(), shown));
                }
                Err(e) => failure = Some(e),
            }
        },
        &mut || {},
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    c.told = told;
    Ok(())
}

#[then(expr = "the demo told {int} moments, the first at {string}")]
fn demo_told(world: &mut TwinWorld, n: usize, first: String) -> Result<()> {
    let c = world.console()?;
    let times: Vec<&str> = c.told.iter().map(|(t, _)| t.at.as_str()).collect();
    ensure!(
        c.told.len() == n,
        "{} moments told: {times:?}",
        c.told.len()
    );
    ensure!(times.first() == Some(&first.as_str()), "first at {times:?}");
    ensure!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {times:?}"
    );
    Ok(())
}

#[then("each moment was on the console's demo page when it was told")]
fn demo_shown(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    for (moment, shown) in &c.told {
        ensure!(
            *shown,
            "the demo page did not show {} {}",
            moment.at,
            moment.ja
        );
    }
    Ok(())
}

#[then(expr = "moment {int} says {string}")]
fn moment_says(world: &mut TwinWorld, n: usize, text: String) -> Result<()> {
    let c = world.console()?;
    let (moment, _) = c
        .told
        .get(n.saturating_sub(1))
        .with_context(|| format!("only {} moments told", c.told.len()))?;
    ensure!(
        moment.ja.contains(&text) || moment.en.contains(&text),
        "moment {n} says {:?}",
        moment.ja
    );
    Ok(())
}

#[then("every console route answers without a session only 401 or a redirect to the login")]
async fn routes_gated(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    ensure!(PROTECTED_ROUTES.len() >= 15, "the route list shrank");
    for (method, path) in PROTECTED_ROUTES {
        for cookie in [None, Some("ot_session=0123456789abcdef")] {
            let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
            let reply = http(c.base(), method, path, &headers, "csrf=x").await?;
            let to_login = reply.status == 303 && reply.header("location") == Some("/login");
            ensure!(
                reply.status == 401 || to_login,
                "{method} {path} without a session answered {} {:?}",
                reply.status,
                reply.body.chars().take(200).collect::<String>()
            );
            ensure!(
                !reply.body.contains("192.168.1.11"),
                "{method} {path} leaked log data"
            );
        }
    }
    Ok(())
}

#[when(expr = "someone logs in as {string} with the password {string} {int} times")]
async fn logs_in_n(world: &mut TwinWorld, account: String, password: String, n: u32) -> Result<()> {
    let c = world.console()?;
    for _ in 0..n {
        c.last = Some(http_login(c.base(), &account, &password).await?);
    }
    Ok(())
}

#[then(expr = "the console answers {int}")]
fn answers(world: &mut TwinWorld, status: u16) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    ensure!(
        last.status == status,
        "expected {status}, got {} {}",
        last.status,
        last.body.chars().take(300).collect::<String>()
    );
    Ok(())
}

#[then(expr = "the page says {string}")]
fn page_says(world: &mut TwinWorld, text: String) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    ensure!(
        last.body.contains(&text),
        "the page does not say {text:?}:\n{}",
        last.body
    );
    Ok(())
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

#[when(expr = "a page of {string} posts the console's {string} form")]
async fn cross_site_post(world: &mut TwinWorld, site: String, path: String) -> Result<()> {
    let c = world.console()?;
    post(c, &path, &[], Some(&site)).await
}

#[when(expr = "I GET {string}")]
async fn get(world: &mut TwinWorld, path: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    c.last = Some(http(c.base(), "GET", &path, &[("Cookie", &cookie)], "").await?);
    Ok(())
}

/// Posts a step's doc string as the form field `field` to `path`.
async fn post_doc_string(
    world: &mut TwinWorld,
    step: &cucumber::gherkin::Step,
    path: &str,
    field: &str,
) -> Result<()> {
    let text = step
        .docstring
        .clone()
        .with_context(|| format!("the {field} goes in a doc string"))?;
    let c = world.console()?;
    post(c, path, &[(field, text.trim_start_matches('\n'))], None).await
}

#[when(expr = "I save the policy:")]
async fn save_policy(world: &mut TwinWorld, step: &cucumber::gherkin::Step) -> Result<()> {
    post_doc_string(world, step, "/policies", "policy").await
}

#[when("I deploy all")]
async fn deploy(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    post(c, "/policies/deploy", &[], None).await
}

#[then(expr = "the console's gateway runs policy version {int}")]
fn runs_version(world: &mut TwinWorld, version: u32) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let running = twin.session.world.gateway_config().version;
    ensure!(
        running == version,
        "the gateway runs version {running}, not {version}"
    );
    Ok(())
}

#[then("nothing already logged was lost")]
fn nothing_lost(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let now = c
        .twin()
        .session
        .cloud
        .store
        .count(&EventFilter::default())?;
    ensure!(
        now >= c.events_before && c.events_before > 0,
        "the log had {} events before, {now} after",
        c.events_before
    );
    Ok(())
}

#[then(expr = "the CSV export has {int} rows and says it matched {int}")]
fn csv_rows(world: &mut TwinWorld, rows: usize, matching: u64) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    ensure!(last.status == 200, "export answered {}", last.status);
    ensure!(
        last.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "not CSV: {:?}",
        last.header("content-type")
    );
    let lines = last.body.lines().count();
    ensure!(
        lines == rows + 1,
        "{} data rows, not {rows}",
        lines.saturating_sub(1)
    );
    ensure!(
        last.header("x-rows-matching") == Some(&matching.to_string()),
        "x-rows-matching: {:?}",
        last.header("x-rows-matching")
    );
    Ok(())
}

// ------------------------------------------------------------------ browser

/// Cucumber runs scenarios concurrently; a Chromium each would crowd a
/// 2-core machine, so the browser scenarios take turns (the others still
/// run beside them).
fn browser_turns() -> Arc<tokio::sync::Mutex<()>> {
    static TURNS: std::sync::OnceLock<Arc<tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
    TURNS.get_or_init(Default::default).clone()
}

/// Waits for this scenario's turn with a browser.
async fn browser_turn() -> Result<tokio::sync::OwnedMutexGuard<()>> {
    // Far longer than any browser scenario takes, even on a loaded machine:
    // reached only if a scenario never gives its turn back.
    tokio::time::timeout(
        std::time::Duration::from_secs(1800),
        browser_turns().lock_owned(),
    )
    .await
    .map_err(|_| anyhow!("no turn with the browser: another scenario kept it"))
}

#[when("I log in to the console in Chromium")]
async fn browser_login(world: &mut TwinWorld) -> Result<()> {
    let turn = browser_turn().await?;
    let c = world.console()?;
    c.browser_turn = Some(turn);
    let browser = home(Browser::start()).await?;
    browser.login(c.base(), ACCOUNT, PASSWORD).await?;
    let waited = browser
        .client
        .wait()
        .at_most(BROWSER_WAIT)
        .every(BROWSER_POLL)
        .for_element(Locator::Id("security-status"))
        .await;
    if let Err(e) = waited {
        let url = browser.client.current_url().await?;
        let page = browser.client.source().await?;
        bail!("no dashboard after logging in ({e}); at {url}:\n{page}");
    }
    c.browser = Some(browser);
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

/// The text of the page on screen.
async fn page_text(b: &Browser) -> Result<String> {
    Ok(b.client.find(Locator::Css("body")).await?.text().await?)
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

async fn widget_rows(b: &Browser, widget: &str) -> Result<Vec<(String, u64)>> {
    let mut rows = Vec::new();
    for row in b
        .client
        .find_all(Locator::Css(&format!("#{widget} tr")))
        .await?
    {
        let label = row.find(Locator::Css("td.label")).await?.text().await?;
        let count = row.find(Locator::Css("td.count")).await?.text().await?;
        rows.push((
            label.lines().next().unwrap_or("").trim().to_string(),
            count.trim().parse().context("a widget count")?,
        ));
    }
    Ok(rows)
}

#[then(expr = "the {string} widget is led by {string} with {int}")]
async fn widget_led(
    world: &mut TwinWorld,
    widget: String,
    label: String,
    count: u64,
) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}dashboard", c.base())).await?;
    eventually(
        &format!("widget {widget} led by ({label:?}, {count})"),
        async || {
            let rows = widget_rows(b, &widget).await?;
            Ok(match rows.first() {
                Some(first) if first.0 == label && first.1 == count => Ok(()),
                _ => Err(format!("rows {rows:?}")),
            })
        },
    )
    .await
}

#[then(expr = "the page shows {string}")]
async fn browser_shows(world: &mut TwinWorld, text: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    eventually(&format!("the page shows {text:?}"), async || {
        let body = page_text(b).await?;
        Ok(if body.contains(&text) {
            Ok(())
        } else {
            Err(body)
        })
    })
    .await
}

#[when(expr = "I open {string} in Chromium")]
async fn browser_open(world: &mut TwinWorld, path: String) -> Result<()> {
    let c = world.console()?;
    let url = format!("{}{}", c.base(), path.trim_start_matches('/'));
    c.browser()?.client.goto(&url).await?;
    Ok(())
}

#[when(expr = "I click {string}")]
async fn click(world: &mut TwinWorld, id: String) -> Result<()> {
    let c = world.console()?;
    click_id(c.browser()?, &id).await
}

#[when(expr = "I download the log export in Chromium")]
async fn browser_download(world: &mut TwinWorld) -> Result<()> {
    // The browser's own fetch, with its own cookie: what the link downloads.
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}logs", c.base())).await?;
    let href = b
        .client
        .wait()
        .at_most(BROWSER_WAIT)
        .every(BROWSER_POLL)
        .for_element(Locator::Id("export"))
        .await?
        .attr("href")
        .await?
        .context("the export link has no href")?;
    let text = b
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(r => r.text()).then(done);",
            vec![serde_json::Value::String(href)],
        )
        .await?;
    let body = text.as_str().unwrap_or_default().to_string();
    c.last = Some(Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/csv".into())],
        body,
    });
    Ok(())
}

#[then(expr = "the downloaded CSV has {int} rows")]
fn downloaded(world: &mut TwinWorld, rows: usize) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    let lines = last.body.lines().count();
    if lines != rows + 1 {
        bail!("{} rows downloaded, not {rows}", lines.saturating_sub(1));
    }
    Ok(())
}

#[when(expr = "I block the device {string} by MAC in Chromium")]
async fn block_by_mac(world: &mut TwinWorld, ip: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}devices", c.base())).await?;
    let row = format!("tr[id=\"device-{ip}\"]");
    // The list refreshes itself until a form is touched: a reload between
    // finding the form and clicking makes the elements stale; look again.
    eventually(&format!("blocking {ip} by MAC"), async || {
        let by = match b
            .client
            .find(Locator::Css(&format!("{row} select[name=\"by\"]")))
            .await
        {
            Ok(by) => by,
            Err(e) => return Ok(Err(e.to_string())),
        };
        if let Err(e) = by.select_by_value("mac").await {
            return Ok(Err(e.to_string()));
        }
        let button = match b
            .client
            .find(Locator::Css(&format!("{row} button.block-button")))
            .await
        {
            Ok(button) => button,
            Err(e) => return Ok(Err(e.to_string())),
        };
        Ok(match button.click().await {
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        })
    })
    .await?;
    b.client
        .wait()
        .at_most(BROWSER_WAIT)
        .every(BROWSER_POLL)
        .for_element(Locator::Id("device-ok"))
        .await?;
    Ok(())
}

#[when(expr = "the console's twin runs for {duration}")]
fn console_twin_runs(world: &mut TwinWorld, d: DurationParam) -> Result<()> {
    let c = world.console()?;
    c.twin().session.run_for(d.0)
}

#[then(expr = "no traffic from {string} reached the internet since the block")]
fn quiet_since_block(world: &mut TwinWorld, ip: String) -> Result<()> {
    let ip: std::net::Ipv4Addr = ip.parse()?;
    let c = world.console()?;
    let twin = c.twin();
    let world = &twin.session.world;
    let (blocked_at, mac, _) = *world
        .device_blocks()
        .last()
        .context("no device was blocked")?;
    let host = twin
        .session
        .scenario
        .office
        .host_by_ip(ip)
        .context("no such host")?;
    ensure!(
        mac == Some(host.mac),
        "the block names MAC {mac:?}, not {}",
        host.mac
    );
    let last = world
        .last_wan_egress_from(ip)
        .context("the device never reached the internet, so stopping proves nothing")?;
    ensure!(
        last <= blocked_at,
        "traffic from {ip} reached the internet at {} after the block at {}",
        last.jst_string(),
        blocked_at.jst_string()
    );
    Ok(())
}

// ------------------------------------------------- policies, reports, access

#[when(expr = "I add {string} to the allow list in Chromium")]
async fn browser_allow(world: &mut TwinWorld, entry: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}policies", c.base())).await?;
    eventually("the allow list form", async || {
        match b.client.find(Locator::Id("allow-entry")).await {
            Ok(input) => {
                input.clear().await?;
                input.send_keys(&entry).await?;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(e.to_string())),
        }
    })
    .await?;
    click_id(b, "allow-add").await?;
    eventually(&format!("{entry} on the allow list"), async || {
        let list = b
            .client
            .wait()
            .at_most(BROWSER_WAIT)
            .every(BROWSER_POLL)
            .for_element(Locator::Id("list-saved"))
            .await?;
        let said = list.text().await?;
        let listed = b
            .client
            .find(Locator::Id("allow-list"))
            .await?
            .text()
            .await?;
        Ok(if said.contains(&entry) && listed.contains(&entry) {
            Ok(())
        } else {
            Err(format!("notice {said:?}, allow list {listed:?}"))
        })
    })
    .await
}

#[when("I deploy all in Chromium")]
async fn browser_deploy_all(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    let before = c.twin().deploys.len();
    if !b
        .client
        .current_url()
        .await?
        .path()
        .starts_with("/policies")
    {
        b.client.goto(&format!("{}policies", c.base())).await?;
    }
    click_id(b, "deploy-all").await?;
    // The click is in when the twin has a new deployment record.
    let live = c.live.clone();
    eventually("the deploy to reach the gateway", async || {
        let n = live.lock().unwrap_or_else(|p| p.into_inner()).deploys.len();
        Ok(if n > before {
            Ok(())
        } else {
            Err(format!("{n} deployments"))
        })
    })
    .await
}

#[then(expr = "the console shows the latest deployment as {string} by way of {string}")]
async fn browser_deploy_status(world: &mut TwinWorld, status: String, path: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}policies", c.base())).await?;
    eventually(&format!("the latest deployment {status:?}"), async || {
        let latest = match b.client.find(Locator::Id("deploy-latest")).await {
            Ok(row) => row,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let shown = latest.find(Locator::Css(".status")).await?.text().await?;
        let history = latest.find(Locator::Css(".history")).await?.text().await?;
        let reason = latest.find(Locator::Css(".reason")).await?.text().await?;
        Ok(if shown.trim() == status && history.trim() == path {
            Ok(())
        } else {
            Err(format!(
                "{shown:?} by way of {history:?}; reason {reason:?}"
            ))
        })
    })
    .await
}

#[when(expr = "the console's host {string} opens {string}")]
fn console_host_opens(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let c = world.console()?;
    let mut twin = c.twin();
    twin.session.world.open(&host, &url)?;
    // Long enough for any page load of the twin (its fetch timeout is shorter).
    twin.session.run_for(std::time::Duration::from_secs(30))
}

fn console_exchange(
    world: &mut TwinWorld,
    host: &str,
    url: &str,
) -> Result<twin::host::HttpExchange> {
    let c = world.console()?;
    let twin = c.twin();
    twin.session
        .world
        .last_exchange(host, url)
        .cloned()
        .with_context(|| format!("{host} never opened {url}"))
}

#[then(expr = "the console's host {string} receives the page {string}")]
fn console_host_receives(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let exchange = console_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(200),
        "{host} opened {url} and got {:?} ({:?}), not the page",
        exchange.status,
        exchange.outcome
    );
    Ok(())
}

#[then(expr = "the console's host {string} gets the block page for {string} with reason {string}")]
fn console_host_blocked(
    world: &mut TwinWorld,
    host: String,
    url: String,
    reason: String,
) -> Result<()> {
    let exchange = console_exchange(world, &host, &url)?;
    ensure!(
        exchange.status == Some(403),
        "{host} opened {url} and got {:?} ({:?}), not the block page",
        exchange.status,
        exchange.outcome
    );
    let body = unescape(&exchange.body).replace("&#39;", "'");
    ensure!(
        body.contains(&reason),
        "the block page for {url} does not give the reason {reason:?}:\n{body}"
    );
    Ok(())
}

#[when(expr = "I download the monthly report {string} as {string} in Chromium")]
async fn browser_report(world: &mut TwinWorld, month: String, format: String) -> Result<()> {
    let c = world.console()?;
    let b = c.browser()?;
    b.client.goto(&format!("{}reports", c.base())).await?;
    let id = format!("download-{month}-{format}");
    let href = eventually(&format!("the link #{id}"), async || {
        match b.client.find(Locator::Id(&id)).await {
            Ok(link) => Ok(link
                .attr("href")
                .await?
                .ok_or_else(|| "no href".to_string())),
            Err(e) => Ok(Err(e.to_string())),
        }
    })
    .await?;
    // The browser's own fetch, with its own session cookie: what the link downloads.
    let fetched = b
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(async r => done([r.status, r.headers.get('content-type') || '', r.headers.get('content-disposition') || '', await r.text()])).catch(e => done([0, '', '', String(e)]));",
            vec![serde_json::Value::String(href)],
        )
        .await?;
    let field = |i: usize| fetched.get(i).cloned().unwrap_or_default();
    let status = field(0).as_u64().unwrap_or(0);
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    c.last = Some(Reply {
        status: u16::try_from(status).unwrap_or(0),
        headers: vec![
            ("content-type".into(), text(field(1))),
            ("content-disposition".into(), text(field(2))),
        ],
        body: text(field(3)),
    });
    Ok(())
}

#[then(expr = "the downloaded report is a {string} file named {string}")]
fn report_file_is(world: &mut TwinWorld, content_type: String, name: String) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    ensure!(
        last.status == 200,
        "the download answered {}: {}",
        last.status,
        last.body
    );
    ensure!(
        last.header("content-type")
            .is_some_and(|t| t.starts_with(&content_type)),
        "content type {:?}",
        last.header("content-type")
    );
    ensure!(
        last.header("content-disposition")
            .is_some_and(|d| d.contains(&format!("filename=\"{name}\""))),
        "content disposition {:?}",
        last.header("content-disposition")
    );
    Ok(())
}

#[then(expr = "the downloaded report's C&C section is led by {string} with {int}")]
fn report_cnc_led(world: &mut TwinWorld, ip: String, count: u64) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    let report: serde_json::Value =
        serde_json::from_str(&last.body).context("the downloaded report is not JSON")?;
    let first = &report["cnc"]["rows"][0];
    ensure!(
        first["ip"] == ip.as_str() && first["count"] == count,
        "the C&C section is led by {first}"
    );
    Ok(())
}

#[then(expr = "the downloaded report matches the golden file {string}")]
fn report_matches(world: &mut TwinWorld, golden: String) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    super::report::snapshot(
        &format!("{golden}.md"),
        "monthly report 2017-09 of scenario winxp-cnc-beacon, Markdown (ja)".into(),
        &last.body,
    );
    Ok(())
}

#[then(expr = "the downloaded report says {string}")]
fn report_says(world: &mut TwinWorld, text: String) -> Result<()> {
    let last = world
        .console()?
        .last
        .as_ref()
        .context("nothing downloaded")?;
    ensure!(
        last.body.contains(&text),
        "the downloaded report does not say {text:?}"
    );
    Ok(())
}

/// Rows of the internet access table in a page: (label, requests).
fn access_rows(page: &str) -> Vec<(String, u64)> {
    let mut rows = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<td class=\"label\">") {
        rest = &rest[at + 18..];
        let label_end = rest.find(['<']).unwrap_or(rest.len());
        let label = unescape(rest[..label_end].trim());
        let Some(n_at) = rest.find("<td class=\"n requests\">") else {
            break;
        };
        rest = &rest[n_at + 23..];
        let n_end = rest.find('<').unwrap_or(rest.len());
        rows.push((label, rest[..n_end].trim().parse().unwrap_or(u64::MAX)));
    }
    rows
}

#[then(
    expr = "the internet access page by {string} over {int} days lists every row of the store's statistics, busiest first, {int} to a page"
)]
async fn access_pages(world: &mut TwinWorld, by: String, days: u32, per_page: usize) -> Result<()> {
    use cloud::store::{AccessDimension, Paging, StatsFilter};
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    // What the store says, read here directly.
    let expected: Vec<(Option<String>, u64)> = {
        let twin = c.twin();
        let today = cloud::store::stats::jst_day(twin.session.now());
        let filter = StatsFilter {
            from: Some(today - chrono::Duration::days(i64::from(days) - 1)),
            until: Some(today + chrono::Duration::days(1)),
            ..StatsFilter::default()
        };
        let dim = match by.as_str() {
            "category" => AccessDimension::Category,
            "host" => AccessDimension::Host,
            _ => AccessDimension::SrcIp,
        };
        twin.session
            .cloud
            .store
            .access_top(dim, &filter, Paging::ALL)?
            .rows
            .into_iter()
            .map(|r| (r.key, r.requests))
            .collect()
    };
    ensure!(
        expected.len() > per_page,
        "only {} rows: paging by {per_page} proves nothing",
        expected.len()
    );
    let mut shown = Vec::new();
    let mut page = 1;
    loop {
        let reply = http(
            c.base(),
            "GET",
            &format!("/internet-access?by={by}&days={days}&rows={per_page}&page={page}"),
            &[("Cookie", &cookie)],
            "",
        )
        .await?;
        ensure!(reply.status == 200, "page {page} answered {}", reply.status);
        let rows = access_rows(&reply.body);
        ensure!(
            rows.len() <= per_page,
            "page {page} has {} rows",
            rows.len()
        );
        let more = reply.body.contains("id=\"page-next\"");
        shown.extend(rows);
        if !more {
            break;
        }
        page += 1;
        ensure!(page < 1000, "the pages do not end");
    }
    ensure!(
        shown.windows(2).all(|w| w[0].1 >= w[1].1),
        "not busiest first: {shown:?}"
    );
    let counts: Vec<u64> = shown.iter().map(|r| r.1).collect();
    let want: Vec<u64> = expected.iter().map(|r| r.1).collect();
    ensure!(
        counts == want,
        "the pages show {shown:?}, the store has {expected:?}"
    );
    for ((label, _), (key, _)) in shown.iter().zip(&expected) {
        if let Some(key) = key {
            ensure!(
                label.contains(key.as_str()),
                "row {label:?} where the store has {key:?}"
            );
        }
    }
    Ok(())
}

#[when(
    expr = "I post the console's {string} form with list {string}, op {string} and entry {string}"
)]
async fn post_list(
    world: &mut TwinWorld,
    path: String,
    list: String,
    op: String,
    entry: String,
) -> Result<()> {
    let c = world.console()?;
    post(
        c,
        &path,
        &[("list", &list), ("op", &op), ("entry", &entry)],
        None,
    )
    .await
}

#[then("the console's gateway allows nothing more than before")]
fn allows_nothing_more(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let policy = &twin.session.world.gateway_config().policy;
    ensure!(
        policy.lists.allow().is_empty(),
        "the allow list holds {:?}",
        policy.lists.allow().entries()
    );
    Ok(())
}

#[then(expr = "the console's latest deployment went {string}")]
fn latest_deployment(world: &mut TwinWorld, path: String) -> Result<()> {
    let c = world.console()?;
    let twin = c.twin();
    let latest = twin.deploys.last().context("nothing was deployed")?;
    let went = latest.history.join(" -> ");
    ensure!(
        went == path,
        "{} went {went} ({:?})",
        latest.gateway,
        latest.reason
    );
    Ok(())
}

#[when("I take the console's screenshots")]
async fn take_screenshots(world: &mut TwinWorld) -> Result<()> {
    let c = world.console()?;
    let dir = std::env::temp_dir().join(format!(
        "officetwin-shots-{}-{}",
        std::process::id(),
        c.base()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap_or("0")
    ));
    let base = c.base().to_string();
    let _turn = browser_turn().await?;
    let files = home(async move {
        officetwin::console::browser::screenshots(&base, ACCOUNT, PASSWORD, &dir).await
    })
    .await?;
    c.screenshots = files;
    Ok(())
}

#[then(expr = "there is a {int}-pixel-wide PNG screenshot of each of {string}")]
fn screenshots_written(world: &mut TwinWorld, width: u32, pages: String) -> Result<()> {
    let c = world.console()?;
    let files = std::mem::take(&mut c.screenshots);
    let result = (|| {
        for page in pages.split(',').map(str::trim) {
            let file = files
                .iter()
                .find(|f| f.file_name().and_then(|n| n.to_str()) == Some(&format!("{page}.png")))
                .with_context(|| format!("no screenshot of {page}: {files:?}"))?;
            let png = std::fs::read(file)?;
            // The PNG signature, then the IHDR chunk with the width.
            ensure!(
                png.starts_with(b"\x89PNG\r\n\x1a\n") && png.get(12..16) == Some(b"IHDR"),
                "{} is not a PNG",
                file.display()
            );
            let w = png
                .get(16..20)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
                .context("no width")?;
            ensure!(w == width, "{} is {w} pixels wide", file.display());
        }
        Ok(())
    })();
    if let Some(dir) = files.first().and_then(|f| f.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

#[when(expr = "I save the security profile:")]
async fn save_profile_step(world: &mut TwinWorld, step: &cucumber::gherkin::Step) -> Result<()> {
    post_doc_string(world, step, "/policies/profile", "profile").await
}
