//! The POP3 relay of the mail proxy: commands pass line by line; the reply
//! to `RETR` (the whole message) is held until its final `.`, scanned by
//! mail security and sent to the client rewritten if the policy says so.
//! Other multi-line replies (`LIST`, `UIDL`, `CAPA`, `TOP`) stream through.
//! After a successful `STLS` the relay steps aside.

use super::smtp::{find_end, stuff, stuff_delivery, unstuff};
use super::{Relay, RelayOut};
use crate::inspect::mail_security;
use crate::inspect::mail_security::rewrite;
use std::collections::VecDeque;

const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Greeting,
    Retr,
    /// A command whose +OK reply is multi-line but not read (LIST, UIDL, CAPA, TOP).
    MultiLine,
    Stls,
    Single,
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    /// Waiting for a status line.
    Status,
    /// Inside a multi-line reply; `hold` for RETR.
    Body { hold: bool },
}

pub struct Pop3 {
    raw: bool,
    client_buf: Vec<u8>,
    server_buf: Vec<u8>,
    pending: VecDeque<Cmd>,
    reply: Reply,
    body: Vec<u8>,
    status: Vec<u8>,
    scan_from: usize,
}

impl Default for Pop3 {
    fn default() -> Self {
        Pop3 {
            raw: false,
            client_buf: Vec::new(),
            server_buf: Vec::new(),
            pending: VecDeque::from([Cmd::Greeting]),
            reply: Reply::Status,
            body: Vec::new(),
            status: Vec::new(),
            scan_from: 0,
        }
    }
}

fn take_line(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let end = buf.iter().position(|b| *b == b'\n')?;
    Some(buf.drain(..=end).collect())
}

fn classify(line: &[u8]) -> Cmd {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_whitespace();
    let verb = words.next().unwrap_or("").to_ascii_uppercase();
    let has_arg = words.next().is_some();
    match verb.as_str() {
        "RETR" => Cmd::Retr,
        "TOP" | "CAPA" => Cmd::MultiLine,
        "LIST" | "UIDL" if !has_arg => Cmd::MultiLine,
        "STLS" => Cmd::Stls,
        _ => Cmd::Single,
    }
}

impl Pop3 {
    fn server_data(&mut self, ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        loop {
            if self.raw {
                out.to_client.append(&mut self.server_buf);
                return;
            }
            match self.reply {
                Reply::Status => {
                    let Some(line) = take_line(&mut self.server_buf) else {
                        if self.server_buf.len() > MAX_LINE {
                            self.raw = true;
                        }
                        if self.raw {
                            continue;
                        }
                        return;
                    };
                    let cmd = self.pending.pop_front().unwrap_or(Cmd::Single);
                    let ok = line.starts_with(b"+OK");
                    match cmd {
                        Cmd::Retr if ok => {
                            self.status = line;
                            self.reply = Reply::Body { hold: true };
                        }
                        Cmd::MultiLine if ok => {
                            out.to_client.extend_from_slice(&line);
                            self.reply = Reply::Body { hold: false };
                        }
                        Cmd::Stls if ok => {
                            out.to_client.extend_from_slice(&line);
                            self.raw = true;
                            out.to_server.append(&mut self.client_buf);
                        }
                        _ => out.to_client.extend_from_slice(&line),
                    }
                }
                Reply::Body { hold } => {
                    self.body.append(&mut self.server_buf);
                    let Some((len, used)) = find_end(&self.body, self.scan_from) else {
                        self.scan_from = self.body.len();
                        if !hold {
                            // Stream what cannot contain the end marker yet.
                            let keep = self.body.len().min(4);
                            let n = self.body.len() - keep;
                            out.to_client.extend(self.body.drain(..n));
                            self.scan_from = self.body.len();
                        } else if self.body.len() > ctx.policy.max_message_bytes {
                            out.notes.push(format!(
                                "message over {} bytes: relayed unscanned",
                                ctx.policy.max_message_bytes
                            ));
                            out.to_client.append(&mut self.status);
                            out.to_client.append(&mut self.body);
                            self.raw = true;
                        }
                        return;
                    };
                    self.server_buf = self.body.split_off(used);
                    let body = std::mem::take(&mut self.body);
                    self.scan_from = 0;
                    self.reply = Reply::Status;
                    if !hold {
                        out.to_client.extend_from_slice(&body);
                        continue;
                    }
                    let raw = unstuff(body.get(..len).unwrap_or(&body));
                    let outcome =
                        mail_security::inspect_in_place(&raw, ctx.policy, ctx.scanner, ctx.links);
                    // A mail that goes as it came is relayed from its own buffer.
                    let stuffed = stuff_delivery(&outcome, raw, false)
                        .unwrap_or_else(|| stuff(&blocked_notice(&outcome, ctx.policy)));
                    out.to_client.append(&mut self.status);
                    out.to_client.extend_from_slice(&stuffed);
                    out.mails.push(outcome);
                }
            }
        }
    }

    fn client_data(&mut self, out: &mut RelayOut) {
        if self.raw {
            out.to_server.append(&mut self.client_buf);
            return;
        }
        while let Some(line) = take_line(&mut self.client_buf) {
            let cmd = classify(&line);
            out.to_server.extend_from_slice(&line);
            self.pending.push_back(cmd);
            if cmd == Cmd::Stls {
                // Anything after STLS is TLS once the server agrees.
                return;
            }
        }
        if self.client_buf.len() > MAX_LINE {
            self.raw = true;
            out.to_server.append(&mut self.client_buf);
        }
    }
}

/// What the client gets instead of a message the policy blocks, deletes or
/// quarantines: a notice saying which, under the subject tag of the engine
/// that withheld it.
fn blocked_notice(
    outcome: &mail_security::MailOutcome,
    policy: &crate::config::MailSecurityPolicy,
) -> Vec<u8> {
    use crate::event::{Action, Engine};
    use mail_security::Withheld;
    let subject = &outcome.mail.subject;
    let sender_blocked = outcome
        .detections
        .iter()
        .any(|d| d.engine == Engine::AntiSpam && d.action == Action::Block);
    let (tag, body) = match outcome.withheld {
        Some(Withheld::Deleted) => (
            &policy.anti_spam.tag,
            crate::labels::spam_withheld_notice(subject, false),
        ),
        Some(Withheld::Quarantined) => (
            &policy.anti_spam.tag,
            crate::labels::spam_withheld_notice(subject, true),
        ),
        _ if sender_blocked => (
            &policy.anti_spam.tag,
            crate::labels::sender_blocked_mail_notice(subject),
        ),
        _ => (
            &policy.subject_tag,
            crate::labels::blocked_mail_notice(subject),
        ),
    };
    format!(
        "From: cloudedge@gateway.invalid\r\nSubject: =?UTF-8?B?{}?=\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        rewrite::base64(format!("{tag} {subject}").as_bytes()),
        rewrite::base64(body.as_bytes())
    )
    .into_bytes()
}

impl Relay for Pop3 {
    fn on_client(&mut self, data: &[u8], _ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        self.client_buf.extend_from_slice(data);
        let stls_pending = self.pending.contains(&Cmd::Stls);
        if !stls_pending || self.raw {
            self.client_data(out);
        }
    }

    fn on_server(&mut self, data: &[u8], ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        self.server_buf.extend_from_slice(data);
        self.server_data(ctx, out);
        if !self.client_buf.is_empty() && !self.pending.contains(&Cmd::Stls) {
            self.client_data(out);
        }
    }

    fn client_closed(&mut self, out: &mut RelayOut) {
        out.close_server = true;
    }

    fn server_closed(&mut self, out: &mut RelayOut) {
        out.close_client = true;
    }
}
