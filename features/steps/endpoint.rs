//! The endpoint agents (seed 002): what each agent found and did, where the
//! files on a PC stand, EDR's isolation, and what the management server
//! knows of each agent. The steps word features, scans and actions in
//! their own English (the feature files' vocabulary), so a renamed label
//! elsewhere cannot make a step agree with itself.

use super::TwinWorld;
use anyhow::{Context, Result, bail, ensure};
use cloud::endpoint::{Action, EndpointEvent, Feature, ScanKind};
use cucumber::then;
use twin::endpoint::{EndpointTwin, FileState};

fn feature_word(word: &str) -> Result<Feature> {
    Ok(match word {
        "virus/malware" => Feature::VirusMalware,
        "spyware/grayware" => Feature::SpywareGrayware,
        "web reputation" => Feature::WebReputation,
        "URL filter" => Feature::UrlFilter,
        "behaviour monitoring" => Feature::BehaviourMonitoring,
        "network virus" => Feature::NetworkVirus,
        "suspicious activity" => Feature::SuspiciousActivity,
        other => bail!("unknown agent function {other:?}"),
    })
}

fn scan_word(word: &str) -> Result<ScanKind> {
    Ok(match word {
        "real-time" => ScanKind::RealTime,
        "machine-learning" => ScanKind::MachineLearning,
        "manual" => ScanKind::Manual,
        "scheduled" => ScanKind::Scheduled,
        other => bail!("unknown scan {other:?}"),
    })
}

fn action_word(word: &str) -> Result<Action> {
    Ok(match word {
        "cleaned" => Action::Cleaned,
        "deleted" => Action::Deleted,
        "passed" => Action::Passed,
        "quarantined" => Action::Quarantined,
        "renamed" => Action::Renamed,
        "needs attention" => Action::NeedsAttention,
        "not cleaned" => Action::NotCleaned,
        "restart required" => Action::RestartRequired,
        "unsafe" => Action::Unsafe,
        "blocked" => Action::Blocked,
        "logged" => Action::Logged,
        "isolated" => Action::Isolated,
        other => bail!("unknown action {other:?}"),
    })
}

fn agents(world: &mut TwinWorld) -> Result<&EndpointTwin> {
    let session = world.session()?;
    let id = session.scenario.office.id.clone();
    session
        .world
        .endpoint()
        .with_context(|| format!("office {id} has no endpoint agents"))
}

fn describe(events: &[EndpointEvent]) -> String {
    if events.is_empty() {
        return "none".to_string();
    }
    events
        .iter()
        .map(|e| {
            format!(
                "\n  {} {} {:?} {:?} in {} by {:?}: {:?} ({})",
                e.at, e.endpoint, e.feature, e.threat, e.object, e.scan, e.action, e.reason
            )
        })
        .collect()
}

#[then(
    expr = "the agent on {string} reports {string} {string} in {string} by its {string} scan, {string}"
)]
fn reports_file_detection(
    world: &mut TwinWorld,
    host: String,
    feature: String,
    threat: String,
    object: String,
    scan: String,
    action: String,
) -> Result<()> {
    let (feature, scan, action) = (
        feature_word(&feature)?,
        scan_word(&scan)?,
        action_word(&action)?,
    );
    let events = agents(world)?.events();
    let hit = events.iter().any(|e| {
        e.endpoint == host
            && e.feature == feature
            && e.threat == threat
            && e.object == object
            && e.scan == Some(scan)
            && e.action == action
    });
    ensure!(
        hit,
        "no {feature:?} {threat:?} in {object} by a {scan:?} scan with action {action:?} on {host}; the agents reported: {}",
        describe(events)
    );
    Ok(())
}

#[then(expr = "the agent on {string} reports {string} of {string}, {string}")]
fn reports_program_detection(
    world: &mut TwinWorld,
    host: String,
    feature: String,
    threat: String,
    action: String,
) -> Result<()> {
    let (feature, action) = (feature_word(&feature)?, action_word(&action)?);
    let events = agents(world)?.events();
    let hit = events.iter().any(|e| {
        e.endpoint == host && e.feature == feature && e.threat == threat && e.action == action
    });
    ensure!(
        hit,
        "no {feature:?} {threat:?} with action {action:?} on {host}; the agents reported: {}",
        describe(events)
    );
    Ok(())
}

#[then(expr = "the agents report {int} detection(s) in all")]
fn detections_in_all(world: &mut TwinWorld, expected: usize) -> Result<()> {
    let events = agents(world)?.events();
    ensure!(
        events.len() == expected,
        "expected {expected} agent detection(s), got {}: {}",
        events.len(),
        describe(events)
    );
    Ok(())
}

#[then(expr = "the file {string} on {string} is {string}")]
fn file_state(world: &mut TwinWorld, path: String, host: String, state: String) -> Result<()> {
    let disk = agents(world)?
        .disk(&host)
        .with_context(|| format!("{host} runs no agent"))?;
    let file = disk
        .iter()
        .find(|f| f.path == path)
        .with_context(|| format!("no file {path} on {host}"))?;
    let actual = match &file.state {
        FileState::Present => "present",
        FileState::Quarantined => "quarantined",
        FileState::Deleted => "deleted",
        FileState::Renamed(_) => "renamed",
        FileState::Cleaned => "cleaned",
        FileState::RestartPending => "removed at the next restart",
    };
    ensure!(actual == state, "{path} on {host} is {actual}, not {state}");
    Ok(())
}

#[then(expr = "EDR has isolated {string}")]
fn edr_isolated(world: &mut TwinWorld, host: String) -> Result<()> {
    let isolated = agents(world)?.edr_isolated(&host);
    let session = world.session()?;
    ensure!(isolated, "EDR has not isolated {host}");
    ensure!(
        session.world.is_isolated(&host),
        "EDR says {host} is isolated, but it is still on the network"
    );
    Ok(())
}

#[then(expr = "{int} documents on {string} were encrypted")]
fn documents_encrypted(world: &mut TwinWorld, expected: u32, host: String) -> Result<()> {
    let actual = agents(world)?.encrypted(&host);
    ensure!(
        actual == expected,
        "{actual} documents on {host} were encrypted, not {expected}"
    );
    Ok(())
}

#[then(expr = "the management server sees the agent on {string} {string}")]
fn agent_status(world: &mut TwinWorld, host: String, what: String) -> Result<()> {
    let session = world.session()?;
    let now = session.now();
    let statuses = session.world.agent_statuses();
    let status = statuses
        .iter()
        .find(|s| s.endpoint == host)
        .with_context(|| format!("{host} runs no agent"))?;
    let holds = match what.as_str() {
        "offline for 14 days or more" => status.offline_at(now),
        "in contact" => !status.offline_at(now) && status.last_contact == now,
        "up to date" => status.up_to_date,
        "not up to date" => !status.up_to_date,
        "on an unsupported OS" => !status.os_supported,
        "on a supported OS" => status.os_supported,
        "with real-time scan off" => !status.protections.real_time,
        "with EDR off" => !status.protections.edr,
        "isolated" => status.isolated,
        other => bail!("unknown agent state {other:?}"),
    };
    ensure!(
        holds,
        "the management server does not see {host} {what} at {now}: {status:?}"
    );
    Ok(())
}

#[then("the gateway logged no detections")]
fn gateway_logged_nothing(world: &mut TwinWorld) -> Result<()> {
    use cloud::store::{EventFilter, LogStore};
    let logged = world
        .session()?
        .cloud
        .store
        .count(&EventFilter::default())?;
    ensure!(logged == 0, "the gateway logged {logged} detection(s)");
    Ok(())
}

#[then(expr = "the agent on {string} has read {int} file(s) saved from {string}")]
fn files_saved(world: &mut TwinWorld, host: String, expected: usize, via: String) -> Result<()> {
    use twin::model::endpoint::Via;
    let via = match via.as_str() {
        "a USB stick" => Via::Usb,
        "a file share" => Via::Share,
        "the web" => Via::Download,
        "mail" => Via::Mail,
        other => bail!("unknown way a file arrives {other:?}"),
    };
    let disk = agents(world)?
        .disk(&host)
        .with_context(|| format!("{host} runs no agent"))?;
    let saved: Vec<&str> = disk
        .iter()
        .filter(|f| f.via == Some(via))
        .map(|f| f.path.as_str())
        .collect();
    ensure!(
        saved.len() == expected,
        "{host}'s agent read {} file(s) saved from {via:?}, not {expected}: {saved:?}",
        saved.len()
    );
    Ok(())
}

/// The endpoint report (seed 002) as Markdown in `golden/NAME.md.snap`
/// (Japanese, as mailed) and `golden/NAME-en.md.snap`, and as its JSON
/// model in `golden/NAME.json.snap`.
#[then(expr = "the endpoint report for {string} matches the golden file {string}")]
fn endpoint_report_golden(world: &mut TwinWorld, which: String, golden: String) -> Result<()> {
    use super::report::{month, snapshot};
    use cloud::Lang;
    use cloud::endpoint::markdown;
    let session = world.session()?;
    let month = month(&which)?;
    let id = session.scenario.id.clone();
    let report = session
        .cloud
        .endpoint_report(month)
        .with_context(|| format!("scenario {id}'s office has no endpoint option"))?;
    for (lang, suffix, name) in [(Lang::Ja, "", "ja"), (Lang::En, "-en", "en")] {
        snapshot(
            &format!("{golden}{suffix}.md"),
            format!("endpoint report {which} of scenario {id}, Markdown ({name})"),
            &markdown::render(&report, lang),
        );
    }
    let mut json = serde_json::to_string_pretty(&report)?;
    json.push('\n');
    snapshot(
        &format!("{golden}.json"),
        format!("endpoint report {which} of scenario {id}, JSON model"),
        &json,
    );
    Ok(())
}

#[then(expr = "the endpoint report for {string} lists {string} under unsupported OS")]
fn report_lists_unsupported(world: &mut TwinWorld, which: String, host: String) -> Result<()> {
    use super::report::month;
    let session = world.session()?;
    let report = session
        .cloud
        .endpoint_report(month(&which)?)
        .context("the office has no endpoint option")?;
    let edr = report.edr.as_ref().context("the report has no EDR part")?;
    let listed: Vec<&str> = edr
        .protection
        .unsupported
        .iter()
        .map(|u| u.endpoint.as_str())
        .collect();
    ensure!(
        listed.contains(&host.as_str()),
        "2-3 lists {listed:?}, not {host}"
    );
    Ok(())
}

#[then(expr = "the endpoint report for {string} counts {int} {string} detection(s) on {string}")]
fn report_counts(
    world: &mut TwinWorld,
    which: String,
    expected: u64,
    feature: String,
    host: String,
) -> Result<()> {
    use super::report::month;
    let feature = feature_word(&feature)?;
    let session = world.session()?;
    let report = session
        .cloud
        .endpoint_report(month(&which)?)
        .context("the office has no endpoint option")?;
    let section = report
        .sections
        .iter()
        .find(|s| s.feature == feature)
        .with_context(|| format!("no {feature:?} section in the report"))?;
    let count = section
        .top_endpoints
        .rows
        .iter()
        .find(|r| r.key == host)
        .map_or(0, |r| r.count);
    ensure!(
        count == expected,
        "the report counts {count} {feature:?} detection(s) on {host}, not {expected}: {section:?}"
    );
    Ok(())
}
