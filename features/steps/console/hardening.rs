//! Steps of the console's hostile-request features (issue 15): a rebound DNS
//! name, redirect targets, security headers, an oversized security profile.

use super::{TwinWorld, form, hidden, http, post, set_cookie};
use anyhow::{Context, Result, ensure};
use cucumber::{then, when};

#[when(
    expr = "a page of {string} rebound to the console logs in as {string} with the password {string} {int} times"
)]
async fn rebound_login(
    world: &mut TwinWorld,
    site: String,
    account: String,
    password: String,
    n: u32,
) -> Result<()> {
    let c = world.console()?;
    let base = c.base().to_string();
    let host = [("Host", site.as_str())];
    for _ in 0..n {
        // The page's own origin: to the browser this is same-site.
        let page = http(&base, "GET", "/login", &host, "").await?;
        let (Some(pre), Some(cookie)) = (hidden(&page.body, "pre"), set_cookie(&page, "ot_login"))
        else {
            c.last = Some(page);
            continue;
        };
        let origin = format!("http://{site}");
        c.last = Some(
            http(
                &base,
                "POST",
                "/login",
                &[
                    ("Host", site.as_str()),
                    ("Cookie", &cookie),
                    ("Origin", &origin),
                ],
                &form(&[
                    ("pre", &pre),
                    ("account", &account),
                    ("password", &password),
                ]),
            )
            .await?,
        );
    }
    Ok(())
}

#[when(expr = "I GET {string} with the Host {string}")]
async fn get_with_host(world: &mut TwinWorld, path: String, host: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let base = c.base().to_string();
    c.last = Some(
        http(
            &base,
            "GET",
            &path,
            &[("Host", &host), ("Cookie", &cookie)],
            "",
        )
        .await?,
    );
    Ok(())
}

#[then(expr = "the answer has the header {string} saying {string}")]
fn header_says(world: &mut TwinWorld, name: String, text: String) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    let value = last
        .header(&name)
        .with_context(|| format!("no {name} header"))?;
    ensure!(
        value.contains(&text),
        "{name}: {value:?} does not say {text:?}"
    );
    Ok(())
}

#[when(expr = "I switch the language to {string} coming back to {string}")]
async fn switch_lang(world: &mut TwinWorld, lang: String, back: String) -> Result<()> {
    let c = world.console()?;
    let back = back.replace("\\t", "\t");
    post(c, "/lang", &[("lang", &lang), ("back", &back)], None).await
}

#[then(expr = "the console redirects to {string}")]
fn redirects_to(world: &mut TwinWorld, target: String) -> Result<()> {
    let last = world.console()?.last.as_ref().context("no request made")?;
    ensure!(
        (300..400).contains(&last.status),
        "answered {}: {}",
        last.status,
        last.body
    );
    let location = last.header("location").context("no Location header")?;
    ensure!(
        location == target,
        "redirects to {location:?}, not {target:?}"
    );
    Ok(())
}

#[when(expr = "I save a security profile nested {int} levels deep")]
async fn save_deep_profile(world: &mut TwinWorld, depth: usize) -> Result<()> {
    let c = world.console()?;
    let text = format!(
        "profile: deep\nallow_list: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    post(c, "/policies/profile", &[("profile", &text)], None).await
}
