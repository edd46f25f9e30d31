//! Cloud App Security (seed 003): what the scan logged for each of the
//! office's cloud services, and where each mail, file and message stands
//! in the twin's services afterwards (the oracle: the services' own state,
//! never the scan's log). Functions, applications, risk levels and actions
//! are worded in the steps' own English, so a renamed label elsewhere
//! cannot make a step agree with itself.

use super::TwinWorld;
use anyhow::{Context, Result, bail, ensure};
use appliance::Instant;
use chrono::{NaiveDateTime, TimeZone};
use cloud::app_security::{Action, AppSecurityEvent, Application, Detection, RiskLevel};
use cucumber::{then, when};
use twin::saas::{CloudServices, Place, Stored, is_public};

fn application_word(word: &str) -> Result<Application> {
    Ok(match word {
        "Box" => Application::Box,
        "Dropbox" => Application::Dropbox,
        "Exchange" => Application::Exchange,
        "Gmail" => Application::Gmail,
        "Google Drive" => Application::GoogleDrive,
        "OneDrive" => Application::OneDrive,
        "Salesforce" => Application::SalesforceProduction,
        "Salesforce Sandbox" => Application::SalesforceSandbox,
        "SharePoint" => Application::SharePoint,
        "Teams" => Application::Teams,
        other => bail!("unknown application {other:?}"),
    })
}

fn detection_word(word: &str) -> Result<Detection> {
    Ok(match word {
        "virus/malware" => Detection::VirusMalware,
        "file blocking" => Detection::FileBlocking,
        "web reputation" => Detection::WebReputation,
        "virtual analyzer" => Detection::VirtualAnalyzer,
        "data loss" => Detection::DataLoss,
        other => bail!("unknown function {other:?}"),
    })
}

fn action_word(word: &str) -> Result<Action> {
    Ok(match word {
        "quarantined" => Action::Quarantined,
        "deleted" => Action::Deleted,
        "replaced with text" => Action::ReplacedWithText,
        "replaced with a file" => Action::ReplacedWithFile,
        "logged only" => Action::LoggedOnly,
        other => bail!("unknown action {other:?}"),
    })
}

fn risk_word(word: &str) -> Result<RiskLevel> {
    Ok(match word {
        "high" => RiskLevel::High,
        "medium" => RiskLevel::Medium,
        "low" => RiskLevel::Low,
        "no risk" => RiskLevel::NoRisk,
        "unknown" => RiskLevel::Unknown,
        other => bail!("unknown risk level {other:?}"),
    })
}

fn place_word(word: &str) -> Result<Place> {
    Ok(match word {
        "in place" => Place::InPlace,
        "quarantined" => Place::Quarantined,
        "deleted" => Place::Deleted,
        other => bail!("unknown place {other:?}"),
    })
}

/// Everything the scan logged so far, from the cloud's store.
fn logged(world: &mut TwinWorld) -> Result<Vec<AppSecurityEvent>> {
    let session = world.session()?;
    let store = session
        .cloud
        .app_security_store()
        .context("the scenario has no Cloud App Security (`cloud_apps:`)")?;
    Ok(store.all()?)
}

fn describe(events: &[AppSecurityEvent]) -> String {
    if events.is_empty() {
        return "none".to_string();
    }
    events
        .iter()
        .map(|e| {
            format!(
                "\n  {} {:?} {} {:?} {:?} {:?} risk {:?}: {:?} ({})",
                e.at,
                e.application,
                e.user,
                e.detection,
                e.name,
                e.threat,
                e.risk,
                e.action,
                e.reason
            )
        })
        .collect()
}

fn services(world: &mut TwinWorld) -> Result<&CloudServices> {
    world
        .session()?
        .world
        .cloud_services()
        .context("the scenario has no cloud services (`cloud_apps:`)")
}

/// The one item named `name` (subject, path or channel) in `app`.
fn item<'a>(services: &'a CloudServices, app: Application, name: &str) -> Result<&'a Stored> {
    let found: Vec<&Stored> = services
        .items(app)
        .iter()
        .filter(|s| s.item.name == name)
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let names: Vec<&str> = services
                .items(app)
                .iter()
                .map(|s| s.item.name.as_str())
                .collect();
            bail!("no item {name:?} in {app:?}; it holds {names:?}")
        }
        more => bail!("{} items named {name:?} in {app:?}", more.len()),
    }
}

#[when(expr = "the twin runs until {string}")]
async fn the_twin_runs_until(world: &mut TwinWorld, jst: String) -> Result<()> {
    let local = NaiveDateTime::parse_from_str(&jst, "%Y-%m-%d %H:%M")
        .with_context(|| format!("{jst:?} is not a JST time as YYYY-MM-DD HH:MM"))?;
    let at = appliance::time::jst()
        .from_local_datetime(&local)
        .single()
        .context("no such JST time")?;
    let until = Instant::from_micros(at.timestamp_micros());
    world
        .on_session(move |session| session.run_until(until))
        .await
}

#[then(expr = "Cloud App Security reports {string} in {string} for {string} on {string}, {string}")]
fn reports(
    world: &mut TwinWorld,
    function: String,
    app: String,
    user: String,
    name: String,
    action: String,
) -> Result<()> {
    let (detection, app, action) = (
        detection_word(&function)?,
        application_word(&app)?,
        action_word(&action)?,
    );
    let events = logged(world)?;
    let matching: Vec<&AppSecurityEvent> = events
        .iter()
        .filter(|e| {
            e.detection == detection && e.application == app && e.user == user && e.name == name
        })
        .collect();
    ensure!(
        matching.len() == 1,
        "{} {function} detections in {app:?} for {user} on {name:?}; logged: {}",
        matching.len(),
        describe(&events)
    );
    ensure!(
        matching[0].action == action,
        "the detection's action is {:?}, not {action:?}: {}",
        matching[0].action,
        describe(&events)
    );
    Ok(())
}

#[then(expr = "Cloud App Security's virtual analyzer rates {string} in {string} at risk {string}")]
fn rates(world: &mut TwinWorld, file: String, app: String, risk: String) -> Result<()> {
    let (app, risk) = (application_word(&app)?, risk_word(&risk)?);
    let events = logged(world)?;
    let found = events.iter().find(|e| {
        e.detection == Detection::VirtualAnalyzer && e.application == app && e.threat == file
    });
    let Some(event) = found else {
        bail!(
            "no analysis of {file:?} in {app:?}; logged: {}",
            describe(&events)
        );
    };
    ensure!(
        event.risk == Some(risk),
        "rated {:?}, not {risk:?}: {}",
        event.risk,
        event.reason
    );
    Ok(())
}

#[then(expr = "Cloud App Security reports {int} detection(s) in all")]
fn in_all(world: &mut TwinWorld, count: usize) -> Result<()> {
    let events = logged(world)?;
    ensure!(
        events.len() == count,
        "{} detections, not {count}: {}",
        events.len(),
        describe(&events)
    );
    Ok(())
}

#[then(expr = "Cloud App Security reports {int} {string} detection(s) in all")]
fn in_all_of(world: &mut TwinWorld, count: usize, function: String) -> Result<()> {
    let detection = detection_word(&function)?;
    let events = logged(world)?;
    let n = events.iter().filter(|e| e.detection == detection).count();
    ensure!(
        n == count,
        "{n} {function} detections, not {count}: {}",
        describe(&events)
    );
    Ok(())
}

#[then(expr = "in {string}, {string} is {string}")]
fn stands(world: &mut TwinWorld, app: String, name: String, place: String) -> Result<()> {
    let (app, place) = (application_word(&app)?, place_word(&place)?);
    let stored = item(services(world)?, app, &name)?;
    ensure!(
        stored.place == place,
        "{name:?} in {app:?} is {:?}, not {place:?}",
        stored.place
    );
    Ok(())
}

#[then(expr = "in {string}, {string} is shared with anyone with the link")]
fn shared(world: &mut TwinWorld, app: String, name: String) -> Result<()> {
    let app = application_word(&app)?;
    let stored = item(services(world)?, app, &name)?;
    ensure!(
        is_public(stored),
        "{name:?} is shared as {:?}",
        stored.item.sharing
    );
    Ok(())
}

fn report_of(
    world: &mut TwinWorld,
    which: &str,
) -> Result<(String, cloud::app_security::AppSecurityReport)> {
    let month = super::report::month(which)?;
    let session = world.session()?;
    let id = session.scenario.id.clone();
    let report = session
        .cloud
        .app_security_report(month)
        .with_context(|| format!("scenario {id} has no Cloud App Security"))?;
    Ok((id, report))
}

/// Seed 003's overview: 「各連携サービスにおける、脅威の検出数（ATP）・情報漏え
/// いの検知数（DLP）を一覧で表示します。」 One application's row.
#[then(
    expr = "the Cloud App Security report for {string} counts {int} advanced threat and {int} data loss detection(s) in {string}"
)]
fn overview_row(
    world: &mut TwinWorld,
    which: String,
    atp: u64,
    dlp: u64,
    app: String,
) -> Result<()> {
    let app = application_word(&app)?;
    let (_, report) = report_of(world, &which)?;
    let rows = &report.overview.applications;
    ensure!(
        rows.len() == Application::ALL.len(),
        "the overview lists {} applications, not all ten",
        rows.len()
    );
    let row = rows
        .iter()
        .find(|r| r.application == app)
        .with_context(|| format!("no row for {app:?}"))?;
    ensure!(
        (row.advanced_threat, row.data_loss) == (atp, dlp),
        "{app:?}: ATP {} and DLP {}, not {atp} and {dlp}",
        row.advanced_threat,
        row.data_loss
    );
    Ok(())
}

/// A section's top users: 「ユーザ : 脅威が検出されたメールアドレス」.
#[then(
    expr = "the Cloud App Security report for {string} lists {string} first under {string} with {int} detection(s)"
)]
fn section_led_by(
    world: &mut TwinWorld,
    which: String,
    user: String,
    function: String,
    count: u64,
) -> Result<()> {
    let detection = detection_word(&function)?;
    let (_, report) = report_of(world, &which)?;
    let section = report
        .section(detection)
        .with_context(|| format!("no {function} section"))?;
    let Some(first) = section.top_users.first() else {
        bail!("the {function} section lists no user");
    };
    ensure!(
        (first.user.as_str(), first.count) == (user.as_str(), count),
        "the {function} section is led by {} with {}",
        first.user,
        first.count
    );
    Ok(())
}

/// The report in Markdown, ja and en (`golden/NAME.md.snap`,
/// `golden/NAME-en.md.snap`), and its JSON model (`golden/NAME.json.snap`).
#[then(expr = "the Cloud App Security report for {string} matches the golden file {string}")]
fn report_golden(world: &mut TwinWorld, which: String, golden: String) -> Result<()> {
    use super::report::snapshot;
    use cloud::Lang;
    use cloud::app_security::markdown;
    let (id, report) = report_of(world, &which)?;
    for (lang, suffix, name) in [(Lang::Ja, "", "ja"), (Lang::En, "-en", "en")] {
        snapshot(
            &format!("{golden}{suffix}.md"),
            format!("Cloud App Security report {which} of scenario {id}, Markdown ({name})"),
            &markdown::render(&report, lang),
        );
    }
    let mut json = serde_json::to_string_pretty(&report)?;
    json.push('\n');
    snapshot(
        &format!("{golden}.json"),
        format!("Cloud App Security report {which} of scenario {id}, JSON model"),
        &json,
    );
    Ok(())
}

/// 「月1回、メールにてお客様へのレポート配信」, here for Cloud App Security:
/// the admin's mailbox holds one mail carrying the month's report file.
#[then(expr = "the admin's mailbox holds the Cloud App Security report mail for {string}")]
fn report_mailed(world: &mut TwinWorld, which: String) -> Result<()> {
    let session = world.session()?;
    let admin = session.scenario.office.admin_mail.clone();
    let attachment = format!("app-security-report-{which}.html");
    let mails = session.world.mailbox(&admin);
    let carrying = mails
        .iter()
        .filter(|m| m.raw.contains(&format!("filename=\"{attachment}\"")))
        .count();
    ensure!(
        carrying == 1,
        "{carrying} mails to {admin} carry {attachment}; the mailbox holds: {:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    Ok(())
}
