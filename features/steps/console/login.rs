//! Login and the session gate over plain HTTP: every route closed without a
//! session, lockout after failed logins, CSRF and cross-site posts, and the
//! console's answers to plain requests.

use super::{TwinWorld, http, http_login, post};
use anyhow::{Context, Result, ensure};
use cloud::console::web::PROTECTED_ROUTES;
use cucumber::{then, when};

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
