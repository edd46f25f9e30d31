//! The demo's story told against the console: each moment of the demo
//! script must be on the console's demo page when it is told.

use super::{DurationParam, TwinWorld, at_home, catalog, console_on, log_in, unescape};
use anyhow::{Context, Result, ensure};
use cucumber::{given, then, when};

#[given(expr = "the demo of {string} with its console")]
async fn demo_with_console(world: &mut TwinWorld, id: String) -> Result<()> {
    let catalog = catalog()?;
    let (script, _) = catalog
        .demo(&id)?
        .with_context(|| format!("no demo script for {id}"))?;
    console_on(world, id, DurationParam(std::time::Duration::ZERO)).await?;
    let c = world.console()?;
    c.narrator = Some(officetwin::demo::Narrator::new(script));
    log_in(world).await
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

/// Support case ③: the report the customer deleted is shown again from the
/// console's archive, and it is the very report that was mailed (the mail's
/// Markdown part, read from the admin's mailbox in the twin's internet).
#[then(expr = "the console's archive gives the report for {string} that was mailed to the admin")]
fn archive_matches_mail(world: &mut TwinWorld, which: String) -> Result<()> {
    let c = world.console()?;
    let cookie = c.cookie.clone().context("not logged in")?;
    let base = c.base().to_string();
    let path = format!("/reports/{which}.md");
    let response = at_home(move || get_blocking(&base, &path, &cookie))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("the archive's answer has no body")?;
    ensure!(
        head.starts_with("HTTP/1.1 200"),
        "the archive answers {}",
        head.lines().next().unwrap_or_default()
    );
    let twin = c.twin();
    let admin = twin.session.scenario.office.admin_mail.clone();
    let mails = twin.session.world.mailbox(&admin);
    let mail = mails
        .iter()
        .find(|m| m.subject.contains(&which))
        .with_context(|| format!("no report mail for {which} in {admin}'s mailbox"))?;
    let mailed = mail.raw.replace("\r\n", "\n");
    ensure!(
        body.trim().len() > 200 && mailed.contains(body.trim()),
        "the archive's report for {which} ({} bytes) is not the one mailed",
        body.len()
    );
    Ok(())
}
