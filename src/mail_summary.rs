//! One line per mail session for `officetwin run`: when, who, to which
//! server, what for, and how it ended (the SMTP reply of a refusal).

use twin::mail_net::{MailRecord, SessionKind};
use twin::mail_proto::ClientResult;

pub fn line(r: &MailRecord) -> String {
    let what = match &r.kind {
        SessionKind::Send { to, mail } => format!("sends {mail} to {}", to.join(", ")),
        SessionKind::Fetch { mailbox } => format!("fetches {mailbox}"),
    };
    let result = match &r.result {
        None => "still running".to_string(),
        Some(ClientResult::Sent) => "accepted".to_string(),
        Some(ClientResult::Fetched(n)) => format!("{n} message(s)"),
        Some(ClientResult::Refused { reply, stage, .. }) => {
            format!("refused at {stage}: {}", reply.lines().last().unwrap_or(""))
        }
        Some(ClientResult::Reset) => "connection reset".to_string(),
        Some(ClientResult::Timeout) => "timed out".to_string(),
    };
    format!(
        "{}  {} ({}) -> {}: {what}: {result}",
        r.started.jst_string(),
        r.who,
        r.client,
        r.server
    )
}
