//! Network protections: scans, floods, worms, the device list, beacon
//! scoring, IPS rule files (issue 5's features).

use super::TwinWorld;
use anyhow::{Context, Result, bail, ensure};
use appliance::Engine;
use appliance::inspect::ips::{self, RuleVars};
use cloud::store::{EventFilter, LogStore};
use cucumber::{given, then, when};
use std::net::Ipv4Addr;
use std::time::Duration;
use twin::model::{Mac, Origin, ScriptedKind, ScriptedSpec};

/// The pace of `When host ... scans ports ...`: nmap's default for a SYN
/// scan on a LAN is faster; 100/s keeps the scan inside one minute for a
/// thousand ports.
const SCAN_RATE: u32 = 100;

fn engine(kind: &str) -> Result<Engine> {
    Engine::from_label(kind).with_context(|| {
        let known: Vec<_> = Engine::ALL.iter().map(|e| e.label()).collect();
        format!(
            "unknown detection kind {kind:?}; known: {}",
            known.join(", ")
        )
    })
}

/// An office host by name, an IP address, or (for the device list) a MAC.
fn origin_of(world: &mut TwinWorld, who: &str) -> Result<Origin> {
    let session = world.session()?;
    if session.scenario.office.host(who).is_some() {
        return Ok(Origin::Host(who.to_string()));
    }
    let ip: Ipv4Addr = who
        .parse()
        .with_context(|| format!("{who:?} is neither an office host nor an IP address"))?;
    Ok(Origin::Internet(ip))
}

#[when(expr = "host {string} scans ports {int} to {int} of {string}")]
fn scans(world: &mut TwinWorld, who: String, first: u16, last: u16, target: String) -> Result<()> {
    ensure!(
        first >= 1 && first <= last,
        "ports {first} to {last} are not a range"
    );
    let origin = origin_of(world, &who)?;
    let target = world.resolve_host(&target)?;
    let session = world.session()?;
    let spec = ScriptedSpec {
        origin,
        start: session.now(),
        kind: ScriptedKind::PortScan {
            target,
            first,
            last,
            rate: SCAN_RATE,
        },
    };
    session.world.start_scripted(&spec)?;
    // The scan's length, and a few seconds for the last answers.
    let secs = u64::from(last - first) / u64::from(SCAN_RATE) + 5;
    session.run_for(Duration::from_secs(secs))
}

#[then(expr = "the gateway logs {int} {string} detection(s) against {string}")]
fn logs_against(world: &mut TwinWorld, expected: usize, kind: String, who: String) -> Result<()> {
    let engine = engine(&kind)?;
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let actual = session
        .cloud
        .store
        .events(&EventFilter {
            engine: Some(engine),
            ..EventFilter::default()
        })?
        .into_iter()
        .filter(|e| e.dst_ip == ip)
        .count();
    ensure!(
        actual == expected,
        "expected {expected} {} detection(s) against {who} ({ip}), the gateway logged {actual}",
        engine.label()
    );
    Ok(())
}

#[then(expr = "the first {string} detection from {string} is logged before {string}")]
fn first_before(world: &mut TwinWorld, kind: String, who: String, deadline: String) -> Result<()> {
    let engine = engine(&kind)?;
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let first = session
        .cloud
        .store
        .events(&EventFilter {
            engine: Some(engine),
            src_ip: Some(ip),
            ..EventFilter::default()
        })?
        .into_iter()
        .next()
        .with_context(|| format!("no {} detection from {who}", engine.label()))?;
    let when = first.time.jst_string();
    ensure!(
        when.as_str() < deadline.as_str(),
        "the first {} detection from {who} came at {when} JST, not before {deadline}",
        engine.label()
    );
    Ok(())
}

#[then(expr = "no traffic from {string} reaches the office")]
fn nothing_reaches_office(world: &mut TwinWorld, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    if let Some(last) = session.world.last_lan_delivery_from(ip) {
        bail!("a frame from {who} left the gateway's LAN port at {last}");
    }
    Ok(())
}

#[then(expr = "DoS protection dropped {int} packets")]
fn dos_dropped(world: &mut TwinWorld, expected: u64) -> Result<()> {
    let session = world.session()?;
    let actual = session
        .world
        .gateway_driver()
        .net_stats()
        .context("this gateway driver cannot show the DoS counters")?
        .dos_dropped;
    ensure!(
        actual == expected,
        "DoS protection dropped {actual} packets, not {expected}"
    );
    Ok(())
}

fn parse_mac(text: &str) -> Result<Mac> {
    let m: appliance::inspect::devices::MacAddr = text.parse().map_err(anyhow::Error::msg)?;
    Ok(Mac(m.0.0))
}

#[then(expr = "the device list shows {string} at {string} made by {string}, OS {string}")]
fn device_listed(
    world: &mut TwinWorld,
    mac: String,
    ip: String,
    vendor: String,
    os: String,
) -> Result<()> {
    let (vendor_seen, os_seen) = listed_once(world, &mac, &ip)?;
    ensure!(
        vendor_seen.as_deref() == Some(vendor.as_str()),
        "{mac} is listed as made by {vendor_seen:?}"
    );
    ensure!(
        os_seen.as_deref() == Some(os.as_str()),
        "{mac}'s OS is guessed as {os_seen:?}"
    );
    Ok(())
}

/// The device list keys devices by MAC: a device whose address changed is
/// listed once, at its new address.
#[then(expr = "the device list has {string} once, at {string}")]
fn device_at(world: &mut TwinWorld, mac: String, ip: String) -> Result<()> {
    listed_once(world, &mac, &ip).map(|_| ())
}

/// The device `mac` is in the gateway's device list exactly once, at `ip`:
/// its vendor and OS guess.
fn listed_once(
    world: &mut TwinWorld,
    mac: &str,
    ip: &str,
) -> Result<(Option<String>, Option<String>)> {
    let want = parse_mac(mac)?;
    let ip: Ipv4Addr = ip.parse().context("not an IP address")?;
    let session = world.session()?;
    let devices = session
        .world
        .gateway_driver()
        .devices()
        .context("this gateway driver cannot show the device list")?;
    let listed: Vec<_> = devices.list().filter(|d| d.mac.0 == want.0).collect();
    ensure!(listed.len() == 1, "{mac} is listed {} times", listed.len());
    let device = listed[0];
    ensure!(device.ip == Some(ip), "{mac} is listed at {:?}", device.ip);
    Ok((device.vendor.map(str::to_string), device.os_guess.clone()))
}

#[then(expr = "{string} is not one of the office's devices")]
fn not_office_device(world: &mut TwinWorld, mac: String) -> Result<()> {
    let want = parse_mac(&mac)?;
    let session = world.session()?;
    let office = &session.scenario.office;
    ensure!(
        office.router_mac != want && office.hosts.iter().all(|h| h.mac != want),
        "{mac} is one of office {}'s devices",
        office.id
    );
    Ok(())
}

#[then(expr = "the device list shows {int} devices")]
fn device_count(world: &mut TwinWorld, expected: usize) -> Result<()> {
    let session = world.session()?;
    let actual = session
        .world
        .gateway_driver()
        .devices()
        .context("this gateway driver cannot show the device list")?
        .len();
    ensure!(
        actual == expected,
        "the device list has {actual} devices, not {expected}"
    );
    Ok(())
}

#[then(expr = "the device list flags {string} as a C&C callback host")]
fn callback_host(world: &mut TwinWorld, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let gw = session.world.gateway_driver();
    let flagged = gw
        .callback_hosts()
        .context("this gateway driver cannot show the callback hosts")?;
    ensure!(
        flagged.contains_key(&ip),
        "{who} ({ip}) is not flagged; flagged: {:?}",
        flagged.keys().collect::<Vec<_>>()
    );
    let device = gw
        .devices()
        .context("this gateway driver cannot show the device list")?
        .by_ip(ip)
        .with_context(|| format!("{ip} is not in the device list"))?;
    ensure!(
        device.callback_host.is_some(),
        "{ip}'s device entry is not flagged"
    );
    Ok(())
}

#[then(expr = "no traffic from {string} reaches the internet after the block")]
fn nothing_after_block(world: &mut TwinWorld, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let blocked = session
        .world
        .device_blocks()
        .first()
        .map(|(t, _, _)| *t)
        .context("no device was blocked")?;
    ensure!(
        session.now() > blocked,
        "the twin has not run since the block at {blocked}"
    );
    match session.world.last_wan_egress_from(ip) {
        Some(last) if last > blocked => {
            bail!("a frame from {who} left the WAN port at {last}, after the block at {blocked}")
        }
        Some(_) => Ok(()),
        None => bail!("{who} never reached the internet, not even before the block"),
    }
}

#[when(expr = "the device {string} is blocked by its MAC address")]
fn block_by_mac(world: &mut TwinWorld, mac: String) -> Result<()> {
    let mac = parse_mac(&mac)?;
    let session = world.session()?;
    let outcome = session.world.block_device(Some(mac), None);
    ensure!(
        matches!(outcome, appliance::gateway::DeployOutcome::Success { .. }),
        "the deploy failed: {outcome:?}"
    );
    Ok(())
}

#[when(expr = "the device at {string} is blocked by its IP address")]
fn block_by_ip(world: &mut TwinWorld, ip: String) -> Result<()> {
    let ip: std::net::Ipv4Addr = ip
        .parse()
        .with_context(|| format!("{ip:?} is not an IPv4 address"))?;
    let session = world.session()?;
    let outcome = session.world.block_device(None, Some(ip));
    ensure!(
        matches!(outcome, appliance::gateway::DeployOutcome::Success { .. }),
        "the deploy failed: {outcome:?}"
    );
    Ok(())
}

/// A rule file checked on its own, and what came of it.
#[derive(Debug, Default)]
pub struct RuleCheck {
    pub result: Option<Result<usize, ips::RuleError>>,
}

#[given(expr = "the rule file {string}")]
#[when(expr = "the rule file {string} is loaded")]
fn rule_file(world: &mut TwinWorld, path: String) -> Result<()> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
    let text =
        std::fs::read_to_string(&full).with_context(|| format!("reading {}", full.display()))?;
    world.rules.result =
        Some(ips::parse_rules(&path, &text, &RuleVars::default()).map(|r| r.len()));
    Ok(())
}

#[then(expr = "it is refused at line {int}, column {int}, because {string}")]
fn refused(world: &mut TwinWorld, line: usize, column: usize, reason: String) -> Result<()> {
    match &world.rules.result {
        Some(Err(e)) => {
            ensure!(
                (e.line, e.column) == (line, column),
                "refused at {}:{}, not {line}:{column}: {e}",
                e.line,
                e.column
            );
            ensure!(
                e.message.contains(&reason),
                "the reason {:?} does not say {reason:?}",
                e.message
            );
            ensure!(
                e.to_string()
                    .starts_with(&format!("{}:{line}:{column}: ", e.file)),
                "{e}"
            );
            Ok(())
        }
        Some(Ok(n)) => bail!("the file was accepted ({n} rules)"),
        None => bail!("no rule file was loaded"),
    }
}

#[then(expr = "it is accepted with {int} rules")]
fn accepted(world: &mut TwinWorld, expected: usize) -> Result<()> {
    match &world.rules.result {
        Some(Ok(n)) => {
            ensure!(*n == expected, "{n} rules, not {expected}");
            Ok(())
        }
        Some(Err(e)) => bail!("refused: {e}"),
        None => bail!("no rule file was loaded"),
    }
}
