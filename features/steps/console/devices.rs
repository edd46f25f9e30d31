//! Devices: blocking a device by MAC in Chromium, and checking that the
//! twin's traffic from it stopped.

use super::{BROWSER_POLL, BROWSER_WAIT, DurationParam, TwinWorld, eventually};
use anyhow::{Context, Result, ensure};
use cucumber::{then, when};
use fantoccini::Locator;

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
