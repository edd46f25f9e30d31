//! Mail and downloads: sending and fetching through the gateway's mail
//! proxy, what the recipient finds in their mailbox, SMTP rejects, and
//! files downloaded over HTTP.

use super::TwinWorld;
use super::network::last_exchange;
use anyhow::{Context, Result, bail, ensure};
use appliance::proto::mime;
use cucumber::{then, when};
use std::path::PathBuf;
use std::time::Duration;
use twin::mail_proto::ClientResult;
use twin::world::MailSeen;

/// A mail session is over in well under a second of virtual time; the
/// steps run the twin in these slices until none is pending.
const MAIL_SLICE: Duration = Duration::from_secs(1);
/// Longer than a client's own timeout, so every session has ended by then.
const MAIL_PATIENCE: Duration = Duration::from_secs(150);
/// How long `When host ... downloads ...` lets a download run.
const DOWNLOAD: Duration = Duration::from_secs(30);

fn read_mail(name: &str) -> Result<Vec<u8>> {
    ensure!(
        !name.contains('/') && !name.starts_with('.'),
        "mail {name:?}: give the file name in scenarios/mails/, without a folder"
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/mails")
        .join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// Runs the twin until every mail session has ended.
fn run_mail(world: &mut TwinWorld) -> Result<()> {
    let session = world.session()?;
    let mut waited = Duration::ZERO;
    while session.world.mail_pending() > 0 {
        ensure!(
            waited < MAIL_PATIENCE,
            "a mail session still runs after {waited:?} of virtual time"
        );
        session.run_for(MAIL_SLICE)?;
        waited += MAIL_SLICE;
    }
    Ok(())
}

#[when(expr = "{string} sends the mail {string} to {string}")]
fn sends_mail(world: &mut TwinWorld, from: String, mail: String, to: String) -> Result<()> {
    let raw = read_mail(&mail)?;
    world.session()?.world.send_mail(&from, &to, &mail, &raw)?;
    run_mail(world)
}

#[when(expr = "host {string} fetches its mail")]
fn fetches_mail(world: &mut TwinWorld, host: String) -> Result<()> {
    world.session()?.world.fetch_mail(&host)?;
    run_mail(world)
}

/// The newest message where `to` reads mail (its mail program's inbox, the
/// office's server, the ISP), as (where, subject, parsed message).
fn newest_mail(world: &mut TwinWorld, to: &str) -> Result<(String, mime::Mail)> {
    let session = world.session()?;
    let seen: Vec<MailSeen<'_>> = session.world.mail_to(to);
    let Some(first) = seen.first() else {
        bail!("no mail reached {to}");
    };
    let place = first.place.clone();
    let newest = seen
        .iter()
        .rfind(|s| s.place == place)
        .map(|s| s.mail)
        .context("no mail")?;
    Ok((format!("{place:?}"), mime::parse(newest.raw.as_bytes())))
}

#[then(expr = "the mail to {string} has the subject tag {string}")]
fn has_tag(world: &mut TwinWorld, to: String, tag: String) -> Result<()> {
    let (place, mail) = newest_mail(world, &to)?;
    ensure!(
        mail.subject.starts_with(&format!("{tag} ")) || mail.subject == tag,
        "the newest mail to {to} ({place}) has the subject {:?}, without the tag {tag:?}",
        mail.subject
    );
    Ok(())
}

#[then(expr = "the mail to {string} has no subject tag")]
fn has_no_tag(world: &mut TwinWorld, to: String) -> Result<()> {
    let (place, mail) = newest_mail(world, &to)?;
    let tagged = ["[SPAM]", "[ウイルス駆除済み]"]
        .iter()
        .any(|t| mail.subject.contains(t));
    ensure!(
        !tagged,
        "the newest mail to {to} ({place}) is tagged: {:?}",
        mail.subject
    );
    Ok(())
}

#[then(expr = "the mail to {string} has the subject {string}")]
fn has_subject(world: &mut TwinWorld, to: String, subject: String) -> Result<()> {
    let (place, mail) = newest_mail(world, &to)?;
    ensure!(
        mail.subject == subject,
        "the newest mail to {to} ({place}) has the subject {:?}",
        mail.subject
    );
    Ok(())
}

#[then(expr = "the attachment {string} of the mail to {string} is replaced by a notice")]
fn attachment_replaced(world: &mut TwinWorld, name: String, to: String) -> Result<()> {
    let (place, mail) = newest_mail(world, &to)?;
    let kept: Vec<&str> = mail.attachments.iter().map(|a| a.name.as_str()).collect();
    ensure!(
        !kept.contains(&name.as_str()),
        "the newest mail to {to} ({place}) still carries {name:?} (attachments: {kept:?})"
    );
    ensure!(
        mail.text.contains(&format!("「{name}」"))
            && mail
                .text
                .contains("Cloud Edge が添付ファイルを削除しました"),
        "the newest mail to {to} ({place}) has no notice naming {name:?}; its text:\n{}",
        mail.text
    );
    Ok(())
}

#[then(expr = "the mail to {string} says {string}")]
fn mail_says(world: &mut TwinWorld, to: String, text: String) -> Result<()> {
    let (place, mail) = newest_mail(world, &to)?;
    ensure!(
        mail.text.contains(&text),
        "the newest mail to {to} ({place}) does not say {text:?}; its text:\n{}",
        mail.text
    );
    Ok(())
}

#[then(expr = "no mail reaches {string}")]
fn no_mail(world: &mut TwinWorld, to: String) -> Result<()> {
    let session = world.session()?;
    let seen = session.world.mail_to(&to);
    ensure!(
        seen.is_empty(),
        "{} mail(s) reached {to}: {:?}",
        seen.len(),
        seen.iter().map(|s| &s.mail.subject).collect::<Vec<_>>()
    );
    Ok(())
}

#[then(expr = "the connection from {string} is rejected with SMTP code {int}")]
fn rejected_with(world: &mut TwinWorld, who: String, code: u16) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let sessions: Vec<_> = session
        .world
        .mail_sessions()
        .into_iter()
        .filter(|r| r.client == ip)
        .collect();
    let Some(last) = sessions.last() else {
        bail!("{who} ({ip}) never opened a mail session");
    };
    match &last.result {
        Some(ClientResult::Refused { code: got, .. }) if *got == code => Ok(()),
        other => bail!(
            "the last mail session of {who} ({ip}) to {} ended {other:?}, not with SMTP code {code}",
            last.server
        ),
    }
}

#[then(expr = "the connection from {string} is rejected with the SMTP reply {string}")]
fn rejected_with_reply(world: &mut TwinWorld, who: String, line: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let last = session
        .world
        .mail_sessions()
        .into_iter()
        .rfind(|r| r.client == ip)
        .with_context(|| format!("{who} ({ip}) never opened a mail session"))?;
    match &last.result {
        Some(ClientResult::Refused { code, reply, .. })
            if format!("{code} {}", reply.trim()) == line || reply.trim() == line =>
        {
            Ok(())
        }
        other => bail!("the last mail session of {who} ({ip}) ended {other:?}, not with {line:?}"),
    }
}

#[then(expr = "the mail from {string} is accepted")]
fn accepted(world: &mut TwinWorld, who: String) -> Result<()> {
    let ip = world.resolve_host(&who)?;
    let session = world.session()?;
    let last = session
        .world
        .mail_sessions()
        .into_iter()
        .rfind(|r| r.client == ip)
        .with_context(|| format!("{who} ({ip}) never sent mail"))?;
    ensure!(
        last.result == Some(ClientResult::Sent),
        "the last mail session of {who} ({ip}) ended {:?}",
        last.result
    );
    Ok(())
}

#[when(expr = "host {string} downloads {string}")]
fn downloads(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let session = world.session()?;
    session.world.open(&host, &url)?;
    session.run_for(DOWNLOAD)
}

#[then(expr = "host {string} does not receive the file {string}")]
fn download_blocked(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let exchange = last_exchange(world, &host, &url)?;
    ensure!(
        exchange.outcome == twin::Outcome::Reset,
        "{host} downloaded {url}: {:?}, status {:?}, {} bytes",
        exchange.outcome,
        exchange.status,
        exchange.body.len()
    );
    Ok(())
}

#[then(expr = "host {string} receives the file {string}")]
fn download_complete(world: &mut TwinWorld, host: String, url: String) -> Result<()> {
    let exchange = last_exchange(world, &host, &url)?;
    ensure!(
        exchange.outcome == twin::Outcome::Complete && exchange.status == Some(200),
        "{host} downloaded {url}: {:?}, status {:?}",
        exchange.outcome,
        exchange.status
    );
    Ok(())
}

/// The running configuration with `edit` applied, deployed as the next
/// policy version (a setting changed in the console).
fn redeploy(world: &mut TwinWorld, edit: impl FnOnce(&mut appliance::Config)) -> Result<()> {
    let session = world.session()?;
    let mut config = session.world.gateway_config().clone();
    config.version += 1;
    edit(&mut config);
    match session.world.deploy_gateway(config) {
        appliance::gateway::DeployOutcome::Success { .. } => Ok(()),
        other => bail!("the gateway refused the new policy: {other:?}"),
    }
}

/// Seed 001: 「一致するすべての接続に適用する処理」 with 「SMTPのエラーコード (範囲
/// 400~599、初期設定値=450)」 and 「SMTPのエラー文字列」.
#[when(
    expr = "email reputation applies to all matching connections the SMTP error code {int} and the string {string}"
)]
fn set_smtp_all(world: &mut TwinWorld, code: u16, text: String) -> Result<()> {
    let code = appliance::config::SmtpCode::new(code).map_err(anyhow::Error::msg)?;
    let text = appliance::config::SmtpText::new(&text).map_err(anyhow::Error::msg)?;
    redeploy(world, |config| {
        let rep = &mut config.mail.email_reputation;
        rep.mode = appliance::config::ReputationMode::All;
        rep.smtp_error_code = code;
        rep.smtp_error_string = Some(text);
    })
}

/// Seed 000 FAQ Q18: 「判定ルールは定期的に更新される」: the cloud's anti-spam
/// rules gain a phrase, and the gateway takes the new intel.
#[when(expr = "the cloud's spam rules are updated with the phrase {string}")]
fn spam_rules_updated(world: &mut TwinWorld, phrase: String) -> Result<()> {
    let session = world.session()?;
    session.scenario.intel.spam_phrases.push(phrase);
    let intel = session.scenario.intel.clone();
    session
        .world
        .replace_intel(intel)
        .map_err(anyhow::Error::msg)
}

/// Seed 001: 「スパムメール対策による検出率 (セキュリティレベル)」.
#[when(expr = "the anti-spam detection level is set to {word}")]
fn set_spam_level(world: &mut TwinWorld, level: String) -> Result<()> {
    use appliance::config::Sensitivity;
    let level = match level.as_str() {
        "high" => Sensitivity::High,
        "medium" => Sensitivity::Medium,
        "low" => Sensitivity::Low,
        other => bail!("no detection level {other:?}: high, medium or low"),
    };
    redeploy(world, |config| config.mail.anti_spam.sensitivity = level)
}

/// Seed 000: 「スパム判定されたメールの削除や隔離」: anti-spam's action for
/// mail its content score calls spam.
#[when(expr = "anti-spam is set to {word} spam")]
fn set_spam_action(world: &mut TwinWorld, action: String) -> Result<()> {
    use appliance::config::SpamAction;
    let action = match action.as_str() {
        "tag" => SpamAction::Tag,
        "delete" => SpamAction::Delete,
        "quarantine" => SpamAction::Quarantine,
        other => bail!("anti-spam cannot {other:?} spam: tag, delete or quarantine"),
    };
    redeploy(world, |config| config.mail.anti_spam.action = action)
}

/// The quarantined mail is the one the sender sent, byte for byte as the
/// twin's scenario file holds it (dot-stuffing aside).
#[then(expr = "the gateway's quarantine holds the mail {string} from {string}")]
fn quarantine_holds(world: &mut TwinWorld, file: String, sender: String) -> Result<()> {
    let session = world.session()?;
    let Some(kept) = session.world.gateway_quarantine() else {
        bail!(
            "this gateway's quarantine cannot be read (a firmware build's control protocol carries none)"
        );
    };
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/mails")
        .join(&file);
    let sent = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let normalise = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace("\r\n", "\n")
            .trim_end()
            .to_string()
    };
    ensure!(
        kept.iter().any(|m| normalise(&m.raw) == normalise(&sent)),
        "the quarantine holds {} mail(s) ({:?}), none of them {file} as sent by {sender}",
        kept.len(),
        kept.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>()
    );
    Ok(())
}

/// The recommended treatment's code is not the configured one: setting the
/// code alone (the other mode's field) changes nothing.
#[when(expr = "the email reputation SMTP error code is set to {int}")]
fn set_smtp_code(world: &mut TwinWorld, code: u16) -> Result<()> {
    let code = appliance::config::SmtpCode::new(code).map_err(anyhow::Error::msg)?;
    redeploy(world, |config| {
        config.mail.email_reputation.smtp_error_code = code
    })
}

#[when(expr = "the sender {string} is put on the spam block list")]
fn block_sender(world: &mut TwinWorld, sender: String) -> Result<()> {
    redeploy(world, |config| {
        config.mail.anti_spam.block_senders.push(sender)
    })
}
