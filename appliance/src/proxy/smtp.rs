//! The SMTP relay of the mail proxy: commands and replies pass line by
//! line; the message after `DATA` is held until its final `.`, scanned by
//! mail security and sent on, rewritten if the policy says so.
//!
//! The proxy removes `CHUNKING`/`BINARYMIME` from EHLO replies so clients
//! use `DATA` (which it can read), and steps aside after a successful
//! `STARTTLS` (the rest is encrypted: relayed as is). A client whose server
//! is on the email reputation lists gets the reject code instead of the
//! greeting.

use super::{Relay, RelayOut};
use crate::event::{Action, Engine};
use crate::inspect::mail_security::{self, MailOutcome};
use memchr::memmem::{self, Finder};
use std::collections::VecDeque;
use std::sync::LazyLock;

/// Longest command or reply line accepted before the relay steps aside.
const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Greeting,
    Ehlo,
    Data,
    DataEnd,
    StartTls,
    Other,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Command,
    /// `DATA` or `STARTTLS` sent: client bytes wait for the reply.
    Await,
    Data,
    /// Not read any more (TLS, an oversize message, a line too long).
    Raw,
    /// The server is gone; the proxy answers the client itself.
    Local,
}

pub struct Smtp {
    state: State,
    client_buf: Vec<u8>,
    server_buf: Vec<u8>,
    reply_lines: Vec<Vec<u8>>,
    pending: VecDeque<Cmd>,
    message: Vec<u8>,
    /// Where to resume looking for the end of data.
    scan_from: usize,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            state: State::Command,
            client_buf: Vec::new(),
            server_buf: Vec::new(),
            reply_lines: Vec::new(),
            pending: VecDeque::from([Cmd::Greeting]),
            message: Vec::new(),
            scan_from: 0,
            mail_from: String::new(),
            rcpt_to: Vec::new(),
        }
    }
}

/// Splits off one CRLF- (or LF-) terminated line.
fn take_line(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let end = buf.iter().position(|b| *b == b'\n')?;
    let line: Vec<u8> = buf.drain(..=end).collect();
    Some(line)
}

fn verb(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn path_arg(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    match (text.find('<'), text.find('>')) {
        (Some(a), Some(b)) if b > a => text[a + 1..b].to_string(),
        _ => text
            .split_once(':')
            .map(|(_, r)| r.trim().to_string())
            .unwrap_or_default(),
    }
}

/// Undoes SMTP dot-stuffing (RFC 5321 4.5.2).
pub fn unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    // Line by line (a line's bytes copied at once): a line starting with
    // two dots loses the first.
    for line in lines(data) {
        let line = if line.starts_with(b"..") {
            &line[1..]
        } else {
            line
        };
        out.extend_from_slice(line);
    }
    out
}

/// `data` cut after each LF (the last piece may lack one).
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// Dot-stuffs and terminates a message for `DATA` (or a POP3 RETR reply).
pub fn stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 8);
    for line in lines(message) {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// The end-of-data marker, and a line starting with a dot (searchers
/// built once: a segment of a mail is searched on each arrival).
static END_OF_DATA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\r\n.\r\n"));
static DOT_LINE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\n."));

/// Whether a message has no line starting with a dot: it goes on the wire
/// as it is (nothing to stuff), and read off the wire it needs no
/// unstuffing.
pub fn no_dot_lines(message: &[u8]) -> bool {
    message.first() != Some(&b'.') && DOT_LINE.find(message).is_none()
}

/// [`stuff`] of a message the caller gives up: a message that ends with a
/// line break and has no line starting with a dot (most) is stuffed where it
/// is, the terminator appended, not copied. `plain`: the caller already
/// knows it has no such line ([`no_dot_lines`]), so it is not searched
/// again.
pub fn stuff_owned(mut message: Vec<u8>, plain: bool) -> Vec<u8> {
    if message.ends_with(b"\r\n") && (plain || no_dot_lines(&message)) {
        message.extend_from_slice(b".\r\n");
        return message;
    }
    stuff(&message)
}

/// What a proxy relays for a mail it inspected with
/// [`mail_security::inspect_in_place`], stuffed: the rewritten message, or
/// `raw` (the message as it came, given up by the caller) in its own
/// buffer; `None` when the mail is withheld. `plain` as for
/// [`stuff_owned`].
pub fn stuff_delivery(outcome: &MailOutcome, raw: Vec<u8>, plain: bool) -> Option<Vec<u8>> {
    match (&outcome.deliver, outcome.withheld) {
        (Some(bytes), _) => Some(stuff(bytes)),
        (None, None) => Some(stuff_owned(raw, plain)),
        (None, Some(_)) => None,
    }
}

/// Finds the end-of-data marker: returns (message length, bytes consumed).
pub fn find_end(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    if buf.starts_with(b".\r\n") {
        return Some((0, 3));
    }
    let start = from.saturating_sub(4);
    END_OF_DATA
        .find(buf.get(start..)?)
        .map(|p| (start + p + 2, start + p + 5))
}

impl Smtp {
    fn client_commands(&mut self, out: &mut RelayOut) {
        while self.state == State::Command {
            let Some(line) = take_line(&mut self.client_buf) else {
                if self.client_buf.len() > MAX_LINE {
                    self.go_raw(out);
                }
                return;
            };
            let cmd = match verb(&line).as_str() {
                "EHLO" => Cmd::Ehlo,
                "DATA" => Cmd::Data,
                "STARTTLS" => Cmd::StartTls,
                "MAIL" => {
                    self.mail_from = path_arg(&line);
                    self.rcpt_to.clear();
                    Cmd::Other
                }
                "RCPT" => {
                    self.rcpt_to.push(path_arg(&line));
                    Cmd::Other
                }
                _ => Cmd::Other,
            };
            out.to_server.extend_from_slice(&line);
            self.pending.push_back(cmd);
            if matches!(cmd, Cmd::Data | Cmd::StartTls) {
                self.state = State::Await;
            }
        }
    }

    fn local_commands(&mut self, out: &mut RelayOut) {
        if let Some(line) = take_line(&mut self.client_buf) {
            if verb(&line) == "QUIT" {
                out.to_client.extend_from_slice(b"221 2.0.0 Bye\r\n");
            } else {
                out.to_client
                    .extend_from_slice(b"421 4.3.0 Connection closed by the security gateway\r\n");
            }
            out.close_client = true;
            self.client_buf.clear();
        }
    }

    fn data(&mut self, ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        if self.message.capacity() == 0 {
            self.message = ctx.buffers.take();
        }
        self.message.append(&mut self.client_buf);
        let Some((len, used)) = find_end(&self.message, self.scan_from) else {
            self.scan_from = self.message.len();
            if self.message.len() > ctx.policy.max_message_bytes {
                out.notes.push(format!(
                    "message over {} bytes: relayed unscanned",
                    ctx.policy.max_message_bytes
                ));
                out.to_server.append(&mut self.message);
                self.state = State::Raw;
            }
            return;
        };
        let rest = self.message.split_off(used);
        let mut stuffed = std::mem::take(&mut self.message);
        self.scan_from = 0;
        // Most messages have no line starting with a dot: their bytes are
        // scanned where they are, not copied, and relayed without another
        // search. A line starting with a single dot is not stuffed: it
        // stays, and is stuffed on the way out.
        let body = stuffed.get(..len).unwrap_or(&stuffed);
        let plain = no_dot_lines(body);
        let dotted = !plain && (body.starts_with(b"..") || memmem::find(body, b"\n..").is_some());
        let raw = if dotted {
            unstuff(body)
        } else {
            stuffed.truncate(len);
            // A pooled buffer much larger than this mail gives its extra
            // pages back: the mail may be held for a while (until the
            // server acknowledges it), and should hold only its own size.
            // Room is left for the final dot.
            let room = len + b".\r\n".len();
            if stuffed.capacity() > 2 * room {
                stuffed.shrink_to(room);
            }
            stuffed
        };
        let outcome: MailOutcome =
            mail_security::inspect_in_place(&raw, ctx.policy, ctx.scanner, ctx.links);
        // A mail that goes as it came is relayed from the buffer it came in.
        match stuff_delivery(&outcome, raw, plain) {
            Some(stuffed) => {
                if out.to_server.is_empty() {
                    out.to_server = stuffed;
                } else {
                    out.to_server.extend_from_slice(&stuffed);
                }
                self.pending.push_back(Cmd::DataEnd);
                self.state = State::Command;
            }
            None => {
                let sender_blocked = outcome
                    .detections
                    .iter()
                    .any(|d| d.engine == Engine::AntiSpam && d.action == Action::Block);
                // Deleted or quarantined spam: the sender is told it was
                // accepted (a refusal would bounce to a forged sender).
                let kept = matches!(
                    outcome.withheld,
                    Some(mail_security::Withheld::Deleted | mail_security::Withheld::Quarantined)
                );
                out.to_client.extend_from_slice(if kept {
                    &b"250 2.0.0 Message accepted\r\n"[..]
                } else if sender_blocked {
                    &b"550 5.7.1 Message rejected by the security gateway: sender blocked\r\n"[..]
                } else {
                    &b"550 5.7.1 Message rejected by the security gateway: malware detected\r\n"[..]
                });
                out.reset_server = true;
                self.state = State::Local;
            }
        }
        out.mails.push(outcome);
        self.client_buf = rest;
    }

    fn go_raw(&mut self, out: &mut RelayOut) {
        self.state = State::Raw;
        out.to_server.append(&mut self.client_buf);
        out.to_client.append(&mut self.server_buf);
    }

    fn on_reply(&mut self, lines: Vec<Vec<u8>>, out: &mut RelayOut) {
        let cmd = self.pending.pop_front().unwrap_or(Cmd::Other);
        let code = lines
            .last()
            .and_then(|l| l.get(..3))
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .unwrap_or_default();
        let lines = if cmd == Cmd::Ehlo {
            filter_ehlo(lines)
        } else {
            lines
        };
        for l in &lines {
            out.to_client.extend_from_slice(l);
        }
        match cmd {
            Cmd::Data if self.state == State::Await => {
                self.state = if code == "354" {
                    State::Data
                } else {
                    State::Command
                };
            }
            Cmd::StartTls if self.state == State::Await => {
                if code == "220" {
                    self.state = State::Raw;
                    out.to_server.append(&mut self.client_buf);
                } else {
                    self.state = State::Command;
                }
            }
            _ => {}
        }
    }
}

/// Drops the extensions the proxy cannot read from a multi-line EHLO reply.
fn filter_ehlo(lines: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut kept: Vec<Vec<u8>> = lines
        .into_iter()
        .enumerate()
        .filter(|(i, l)| {
            let kw = verb(l.get(4..).unwrap_or(&[]));
            *i == 0 || !(kw == "CHUNKING" || kw == "BINARYMIME")
        })
        .map(|(_, l)| l)
        .collect();
    let n = kept.len();
    for (i, l) in kept.iter_mut().enumerate() {
        if let Some(sep) = l.get_mut(3) {
            *sep = if i + 1 == n { b' ' } else { b'-' };
        }
    }
    kept
}

impl Relay for Smtp {
    fn on_client(&mut self, data: &[u8], ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        match self.state {
            State::Raw => out.to_server.extend_from_slice(data),
            State::Local => {
                self.client_buf.extend_from_slice(data);
                self.local_commands(out);
            }
            State::Await => self.client_buf.extend_from_slice(data),
            State::Command => {
                self.client_buf.extend_from_slice(data);
                self.client_commands(out);
            }
            State::Data => {
                self.client_buf.extend_from_slice(data);
                self.data(ctx, out);
                self.client_commands(out);
            }
        }
    }

    fn on_server(&mut self, data: &[u8], ctx: &mut super::Ctx<'_>, out: &mut RelayOut) {
        if self.state == State::Raw {
            out.to_client.extend_from_slice(data);
            return;
        }
        self.server_buf.extend_from_slice(data);
        while let Some(line) = take_line(&mut self.server_buf) {
            let last = line.get(3).is_none_or(|b| *b != b'-');
            self.reply_lines.push(line);
            if last {
                let lines = std::mem::take(&mut self.reply_lines);
                self.on_reply(lines, out);
                if self.state == State::Raw {
                    out.to_client.append(&mut self.server_buf);
                    return;
                }
            }
        }
        if self.server_buf.len() > MAX_LINE {
            self.go_raw(out);
        }
        // Client bytes held for this reply can go now.
        match self.state {
            State::Data if !self.client_buf.is_empty() => {
                self.data(ctx, out);
                self.client_commands(out);
            }
            State::Command if !self.client_buf.is_empty() => self.client_commands(out),
            _ => {}
        }
    }

    fn client_closed(&mut self, out: &mut RelayOut) {
        if self.state == State::Data && !self.message.is_empty() {
            // Cut off mid-message: nothing complete to deliver.
            out.notes
                .push("client closed in the middle of DATA".to_string());
        }
        out.close_server = true;
    }

    fn server_closed(&mut self, out: &mut RelayOut) {
        if self.state != State::Local {
            out.close_client = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Stuffing a message in place gives what stuffing a copy gives,
        /// on messages made of dots, line breaks and letters.
        #[test]
        fn stuff_owned_agrees_with_stuff(m in proptest::collection::vec(
            prop::sample::select(&b".\r\na"[..]), 0..40)
        ) {
            prop_assert_eq!(stuff_owned(m.clone(), false), stuff(&m));
            if no_dot_lines(&m) {
                prop_assert_eq!(stuff_owned(m.clone(), true), stuff(&m));
            }
        }
    }

    #[test]
    fn dot_stuffing_round_trips() {
        let m = b"a\r\n.hidden\r\n..\r\nend";
        let s = stuff(m);
        assert_eq!(s, b"a\r\n..hidden\r\n...\r\nend\r\n.\r\n");
        let (len, used) = find_end(&s, 0).unwrap_or((0, 0));
        assert_eq!(used, s.len());
        assert_eq!(unstuff(&s[..len]), b"a\r\n.hidden\r\n..\r\nend\r\n");
        assert_eq!(find_end(b".\r\n", 0), Some((0, 3)));
    }

    #[test]
    fn ehlo_filter_fixes_the_last_line() {
        let lines = vec![
            b"250-mx.example\r\n".to_vec(),
            b"250-PIPELINING\r\n".to_vec(),
            b"250 CHUNKING\r\n".to_vec(),
        ];
        let kept = filter_ehlo(lines);
        assert_eq!(
            kept,
            vec![
                b"250-mx.example\r\n".to_vec(),
                b"250 PIPELINING\r\n".to_vec()
            ]
        );
    }
}
