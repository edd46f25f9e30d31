//! Monthly reports: downloading one in Chromium and checking its type, name,
//! C&C section, text, and golden file.

use super::{Reply, TwinWorld, eventually};
use anyhow::{Context, Result, ensure};
use cucumber::{then, when};
use fantoccini::Locator;

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
