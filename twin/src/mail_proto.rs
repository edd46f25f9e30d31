//! The mail protocols the twin's machines speak, as sans-I/O sessions over
//! bytes: an SMTP server (the ISP's, or an office's own mail server), a
//! POP3 server (the ISP's mailboxes), and the two clients an office PC or a
//! sender's mail server runs (SMTP submission, POP3 fetch).
//!
//! Each session is fed what arrived on its connection and returns what to
//! send; [`crate::mail_net`] moves the bytes over smoltcp sockets. Keeping
//! the protocol apart from the sockets lets the same code serve both ends
//! and be tested without a network. Dot-stuffing and the end-of-data
//! search are the twin's own ([`crate::smtp_data`]), written apart from
//! the gateway's proxy, so a framing bug on either side shows as a
//! difference instead of being shared.

use crate::mail::MailServer;
use crate::smtp_data::{EndScanner, stuff, unstuff};

/// Longest line a session reads before it gives up on the peer.
const MAX_LINE: usize = 64 * 1024;
/// Largest message a server accepts (the ISP's limit).
pub const MAX_MESSAGE: usize = 32 * 1024 * 1024;

fn take_line(buf: &mut Vec<u8>) -> Option<String> {
    let end = buf.iter().position(|b| *b == b'\n')?;
    let line: Vec<u8> = buf.drain(..=end).collect();
    Some(
        String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string(),
    )
}

/// The address inside `MAIL FROM:<a@b>` / `RCPT TO:<a@b>`.
fn path_arg(rest: &str) -> String {
    match (rest.find('<'), rest.find('>')) {
        (Some(a), Some(b)) if b > a => rest[a + 1..b].trim().to_string(),
        _ => rest
            .split_once(':')
            .map(|(_, r)| r.trim().to_string())
            .unwrap_or_default(),
    }
}

/// A message an SMTP server accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub from: String,
    pub to: Vec<String>,
    /// The message, dot-stuffing undone.
    pub raw: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SmtpServerState {
    Command,
    Data,
    Closed,
}

/// One SMTP server connection (RFC 5321, the subset mail clients use).
#[derive(Debug)]
pub struct SmtpServer {
    name: String,
    /// Recipients this server takes; `None` takes any (the ISP relays its
    /// customers' outgoing mail).
    local_only: bool,
    state: SmtpServerState,
    buf: Vec<u8>,
    from: Option<String>,
    to: Vec<String>,
    /// The end of the message data being received, looked for as it comes.
    end: EndScanner,
}

/// What a server session wants done after a feed.
#[derive(Debug, Default)]
pub struct ServerOut {
    pub send: Vec<u8>,
    pub accepted: Vec<Accepted>,
    /// Close the connection once `send` is out.
    pub close: bool,
}

impl SmtpServer {
    /// A session of server `name`; with `local_only`, recipients without a
    /// mailbox are refused (550), otherwise they are relayed.
    pub fn new(name: &str, local_only: bool) -> SmtpServer {
        SmtpServer {
            name: name.to_string(),
            local_only,
            state: SmtpServerState::Command,
            buf: Vec::new(),
            from: None,
            to: Vec::new(),
            end: EndScanner::default(),
        }
    }

    /// The greeting sent when the connection is established.
    pub fn greeting(&self) -> Vec<u8> {
        format!("220 {} ESMTP officetwin\r\n", self.name).into_bytes()
    }

    /// Bytes from the client; `boxes` decides which recipients are local.
    pub fn feed(&mut self, data: &[u8], boxes: &MailServer) -> ServerOut {
        let mut out = ServerOut::default();
        self.buf.extend_from_slice(data);
        loop {
            match self.state {
                SmtpServerState::Closed => {
                    self.buf.clear();
                    break;
                }
                SmtpServerState::Data => {
                    let Some(end) = self.end.scan(&self.buf) else {
                        if self.buf.len() > MAX_MESSAGE {
                            out.send.extend_from_slice(b"552 5.3.4 Message too big\r\n");
                            out.close = true;
                            self.state = SmtpServerState::Closed;
                        }
                        break;
                    };
                    let raw = unstuff(&self.buf[..end.message]);
                    self.buf.drain(..end.consumed);
                    out.accepted.push(Accepted {
                        from: self.from.take().unwrap_or_default(),
                        to: std::mem::take(&mut self.to),
                        raw,
                    });
                    out.send.extend_from_slice(b"250 2.0.0 Ok: queued\r\n");
                    self.state = SmtpServerState::Command;
                }
                SmtpServerState::Command => {
                    let Some(line) = take_line(&mut self.buf) else {
                        if self.buf.len() > MAX_LINE {
                            out.send.extend_from_slice(b"500 5.5.2 Line too long\r\n");
                            out.close = true;
                            self.state = SmtpServerState::Closed;
                        }
                        break;
                    };
                    self.command(&line, boxes, &mut out);
                }
            }
        }
        out
    }

    fn command(&mut self, line: &str, boxes: &MailServer, out: &mut ServerOut) {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => format!(
                "250-{} Hello {}\r\n250-SIZE {MAX_MESSAGE}\r\n250-8BITMIME\r\n250 PIPELINING\r\n",
                self.name,
                rest.trim()
            ),
            "HELO" => format!("250 {}\r\n", self.name),
            "MAIL" => {
                self.from = Some(path_arg(rest));
                self.to.clear();
                "250 2.1.0 Ok\r\n".into()
            }
            "RCPT" => {
                let to = path_arg(rest);
                if self.from.is_none() {
                    "503 5.5.1 Error: need MAIL command\r\n".into()
                } else if self.local_only && !boxes.has_mailbox(&to) {
                    format!("550 5.1.1 <{to}>: Recipient address rejected: User unknown\r\n")
                } else {
                    self.to.push(to);
                    "250 2.1.5 Ok\r\n".into()
                }
            }
            "DATA" => {
                if self.to.is_empty() {
                    "554 5.5.1 Error: no valid recipients\r\n".into()
                } else {
                    self.state = SmtpServerState::Data;
                    self.end = EndScanner::default();
                    "354 End data with <CR><LF>.<CR><LF>\r\n".into()
                }
            }
            "RSET" => {
                self.from = None;
                self.to.clear();
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "QUIT" => {
                out.close = true;
                self.state = SmtpServerState::Closed;
                "221 2.0.0 Bye\r\n".into()
            }
            _ => "502 5.5.2 Error: command not recognized\r\n".into(),
        };
        out.send.extend_from_slice(reply.as_bytes());
    }
}

/// One POP3 server connection (RFC 1939: USER/PASS, STAT, LIST, UIDL,
/// RETR, DELE, NOOP, RSET, QUIT). The mailbox is fixed at login; messages
/// arriving later wait for the next session, as on real servers.
#[derive(Debug, Default)]
pub struct Pop3Server {
    buf: Vec<u8>,
    user: Option<String>,
    /// Logged in: the mailbox and how many of its messages this session sees.
    mailbox: Option<(String, usize)>,
    deleted: Vec<bool>,
    closed: bool,
}

impl Pop3Server {
    pub fn greeting(&self) -> Vec<u8> {
        b"+OK POP3 server ready\r\n".to_vec()
    }

    /// Bytes from the client; messages are read from and deleted in `boxes`.
    pub fn feed(&mut self, data: &[u8], boxes: &mut MailServer) -> ServerOut {
        let mut out = ServerOut::default();
        self.buf.extend_from_slice(data);
        while !self.closed {
            let Some(line) = take_line(&mut self.buf) else {
                if self.buf.len() > MAX_LINE {
                    out.send.extend_from_slice(b"-ERR line too long\r\n");
                    out.close = true;
                    self.closed = true;
                }
                break;
            };
            self.command(&line, boxes, &mut out);
        }
        out
    }

    fn message(&self, arg: &str, boxes: &MailServer) -> Option<(usize, Vec<u8>)> {
        let (address, count) = self.mailbox.as_ref()?;
        let n: usize = arg.trim().parse().ok()?;
        if n == 0 || n > *count || self.deleted.get(n - 1).copied().unwrap_or(true) {
            return None;
        }
        let mail = boxes.mailbox(address).get(n - 1)?;
        Some((n, mail.raw.as_bytes().to_vec()))
    }

    fn command(&mut self, line: &str, boxes: &mut MailServer, out: &mut ServerOut) {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        let verb = verb.to_ascii_uppercase();
        let send = &mut out.send;
        match (verb.as_str(), &self.mailbox) {
            ("USER", None) => {
                self.user = Some(rest.trim().to_string());
                send.extend_from_slice(b"+OK\r\n");
            }
            ("PASS", None) => match self.user.take() {
                Some(user) if boxes.has_mailbox(&user) => {
                    let count = boxes.mailbox(&user).len();
                    self.deleted = vec![false; count];
                    self.mailbox = Some((user, count));
                    send.extend_from_slice(format!("+OK {count} messages\r\n").as_bytes());
                }
                _ => send.extend_from_slice(b"-ERR authentication failed\r\n"),
            },
            ("STAT", Some((address, count))) => {
                let mails = boxes.mailbox(address);
                let (mut n, mut size) = (0, 0);
                for (i, m) in mails.iter().take(*count).enumerate() {
                    if !self.deleted[i] {
                        n += 1;
                        size += m.raw.len();
                    }
                }
                send.extend_from_slice(format!("+OK {n} {size}\r\n").as_bytes());
            }
            ("LIST" | "UIDL", Some((address, count))) => {
                let mails = boxes.mailbox(address);
                send.extend_from_slice(b"+OK\r\n");
                for (i, m) in mails.iter().take(*count).enumerate() {
                    if self.deleted[i] {
                        continue;
                    }
                    let line = if verb == "LIST" {
                        format!("{} {}\r\n", i + 1, m.raw.len())
                    } else {
                        format!("{} {}-{}\r\n", i + 1, m.received.as_micros(), i + 1)
                    };
                    send.extend_from_slice(line.as_bytes());
                }
                send.extend_from_slice(b".\r\n");
            }
            ("RETR", Some(_)) => match self.message(rest, boxes) {
                Some((_, raw)) => {
                    send.extend_from_slice(format!("+OK {} octets\r\n", raw.len()).as_bytes());
                    send.extend_from_slice(&stuff(&raw));
                }
                None => send.extend_from_slice(b"-ERR no such message\r\n"),
            },
            ("DELE", Some(_)) => match self.message(rest, boxes) {
                Some((n, _)) => {
                    self.deleted[n - 1] = true;
                    send.extend_from_slice(format!("+OK message {n} deleted\r\n").as_bytes());
                }
                None => send.extend_from_slice(b"-ERR no such message\r\n"),
            },
            ("RSET", Some(_)) => {
                self.deleted.iter_mut().for_each(|d| *d = false);
                send.extend_from_slice(b"+OK\r\n");
            }
            ("NOOP", Some(_)) => send.extend_from_slice(b"+OK\r\n"),
            ("QUIT", mailbox) => {
                // The update state: deletions happen only on a clean QUIT.
                if let Some((address, _)) = mailbox {
                    let gone: Vec<usize> = (0..self.deleted.len())
                        .filter(|&i| self.deleted[i])
                        .collect();
                    boxes.remove(address, &gone);
                }
                send.extend_from_slice(b"+OK bye\r\n");
                out.close = true;
                self.closed = true;
            }
            _ => send.extend_from_slice(b"-ERR command not valid here\r\n"),
        }
    }
}

/// How a client session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientResult {
    /// SMTP: the server took the message (`250` after the data).
    Sent,
    /// POP3: every message was fetched (how many).
    Fetched(usize),
    /// The server answered with an error: its code (SMTP, or 0 for a POP3
    /// `-ERR`), its whole reply line, and the step it answered.
    Refused {
        code: u16,
        reply: String,
        stage: &'static str,
    },
    /// The connection was reset, or closed before the session finished.
    Reset,
    /// Nothing conclusive within the client's patience.
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SmtpStage {
    Greeting,
    Ehlo,
    Mail,
    Rcpt(usize),
    Data,
    Body,
    Quit,
    Done,
}

impl SmtpStage {
    fn name(self) -> &'static str {
        match self {
            SmtpStage::Greeting => "greeting",
            SmtpStage::Ehlo => "EHLO",
            SmtpStage::Mail => "MAIL FROM",
            SmtpStage::Rcpt(_) => "RCPT TO",
            SmtpStage::Data => "DATA",
            SmtpStage::Body => "end of data",
            SmtpStage::Quit => "QUIT",
            SmtpStage::Done => "done",
        }
    }
}

/// An SMTP client delivering one message (a mail program submitting to the
/// ISP, or a sender's mail server delivering to an office).
#[derive(Debug)]
pub struct SmtpClient {
    helo: String,
    from: String,
    to: Vec<String>,
    message: Vec<u8>,
    stage: SmtpStage,
    buf: Vec<u8>,
    /// Lines of a multi-line reply so far.
    reply: Vec<String>,
    result: Option<ClientResult>,
}

impl SmtpClient {
    pub fn new(helo: &str, from: &str, to: &[String], message: &[u8]) -> SmtpClient {
        SmtpClient {
            helo: helo.to_string(),
            from: from.to_string(),
            to: to.to_vec(),
            message: message.to_vec(),
            stage: SmtpStage::Greeting,
            buf: Vec::new(),
            reply: Vec::new(),
            result: None,
        }
    }

    /// The outcome, once the session is over (the client then closes).
    pub fn result(&self) -> Option<&ClientResult> {
        self.result.as_ref()
    }

    /// Bytes from the server; returns what to send.
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(data);
        let mut send = Vec::new();
        while self.stage != SmtpStage::Done {
            let Some(line) = take_line(&mut self.buf) else {
                if self.buf.len() > MAX_LINE {
                    self.finish(ClientResult::Reset);
                }
                break;
            };
            // "250-..." continues a reply; "250 ..." ends it.
            let more = line.as_bytes().get(3) == Some(&b'-');
            self.reply.push(line);
            if more {
                continue;
            }
            let last = self.reply.last().cloned().unwrap_or_default();
            let code: u16 = last.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            let full = self.reply.join("\n");
            self.reply.clear();
            self.step(code, full, &mut send);
        }
        send
    }

    fn step(&mut self, code: u16, reply: String, send: &mut Vec<u8>) {
        let ok = match self.stage {
            SmtpStage::Data => code == 354,
            SmtpStage::Quit => true,
            _ => (200..300).contains(&code),
        };
        if !ok {
            let stage = self.stage.name();
            self.result = Some(ClientResult::Refused { code, reply, stage });
            send.extend_from_slice(b"QUIT\r\n");
            self.stage = SmtpStage::Quit;
            return;
        }
        self.stage = match self.stage {
            SmtpStage::Greeting => {
                send.extend_from_slice(format!("EHLO {}\r\n", self.helo).as_bytes());
                SmtpStage::Ehlo
            }
            SmtpStage::Ehlo => {
                send.extend_from_slice(format!("MAIL FROM:<{}>\r\n", self.from).as_bytes());
                SmtpStage::Mail
            }
            SmtpStage::Mail | SmtpStage::Rcpt(_) => {
                let next = match self.stage {
                    SmtpStage::Rcpt(i) => i + 1,
                    _ => 0,
                };
                match self.to.get(next) {
                    Some(to) => {
                        send.extend_from_slice(format!("RCPT TO:<{to}>\r\n").as_bytes());
                        SmtpStage::Rcpt(next)
                    }
                    None => {
                        send.extend_from_slice(b"DATA\r\n");
                        SmtpStage::Data
                    }
                }
            }
            SmtpStage::Data => {
                send.extend_from_slice(&stuff(&self.message));
                SmtpStage::Body
            }
            SmtpStage::Body => {
                self.result = Some(ClientResult::Sent);
                send.extend_from_slice(b"QUIT\r\n");
                SmtpStage::Quit
            }
            SmtpStage::Quit | SmtpStage::Done => SmtpStage::Done,
        };
    }

    /// Whether the client has nothing more to say and waits for no reply.
    pub fn is_done(&self) -> bool {
        self.stage == SmtpStage::Done
    }

    /// Ends the session with `result` unless it already has one.
    pub fn finish(&mut self, result: ClientResult) {
        if self.result.is_none() {
            self.result = Some(result);
        }
        self.stage = SmtpStage::Done;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pop3Stage {
    Greeting,
    User,
    Pass,
    Stat,
    /// Waiting for the status line of RETR n.
    Retr(usize),
    /// Inside the message of RETR n.
    Body(usize),
    Dele(usize),
    Quit,
    Done,
}

/// A mail program fetching a mailbox by POP3: every message is retrieved
/// and deleted, as mail clients do by default.
#[derive(Debug)]
pub struct Pop3Client {
    user: String,
    password: String,
    stage: Pop3Stage,
    count: usize,
    buf: Vec<u8>,
    /// The end of the message being retrieved, looked for as it comes.
    end: EndScanner,
    /// Messages retrieved and not yet taken, dot-stuffing undone.
    pub fetched: Vec<Vec<u8>>,
    /// Messages retrieved in this session.
    retrieved: usize,
    result: Option<ClientResult>,
}

impl Pop3Client {
    pub fn new(user: &str, password: &str) -> Pop3Client {
        Pop3Client {
            user: user.to_string(),
            password: password.to_string(),
            stage: Pop3Stage::Greeting,
            count: 0,
            buf: Vec::new(),
            end: EndScanner::default(),
            fetched: Vec::new(),
            retrieved: 0,
            result: None,
        }
    }

    pub fn result(&self) -> Option<&ClientResult> {
        self.result.as_ref()
    }

    pub fn is_done(&self) -> bool {
        self.stage == Pop3Stage::Done
    }

    pub fn finish(&mut self, result: ClientResult) {
        if self.result.is_none() {
            self.result = Some(result);
        }
        self.stage = Pop3Stage::Done;
    }

    /// Bytes from the server; returns what to send.
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(data);
        let mut send = Vec::new();
        loop {
            if let Pop3Stage::Body(n) = self.stage {
                let Some(end) = self.end.scan(&self.buf) else {
                    if self.buf.len() > MAX_MESSAGE {
                        self.finish(ClientResult::Reset);
                    }
                    break;
                };
                self.fetched.push(unstuff(&self.buf[..end.message]));
                self.retrieved += 1;
                self.buf.drain(..end.consumed);
                send.extend_from_slice(format!("DELE {n}\r\n").as_bytes());
                self.stage = Pop3Stage::Dele(n);
                continue;
            }
            if self.stage == Pop3Stage::Done {
                break;
            }
            let Some(line) = take_line(&mut self.buf) else {
                if self.buf.len() > MAX_LINE {
                    self.finish(ClientResult::Reset);
                }
                break;
            };
            if !line.starts_with("+OK") && self.stage != Pop3Stage::Quit {
                let stage = match self.stage {
                    Pop3Stage::Greeting => "greeting",
                    Pop3Stage::User => "USER",
                    Pop3Stage::Pass => "PASS",
                    Pop3Stage::Stat => "STAT",
                    Pop3Stage::Retr(_) | Pop3Stage::Body(_) => "RETR",
                    Pop3Stage::Dele(_) => "DELE",
                    Pop3Stage::Quit | Pop3Stage::Done => "QUIT",
                };
                self.result = Some(ClientResult::Refused {
                    code: 0,
                    reply: line,
                    stage,
                });
                send.extend_from_slice(b"QUIT\r\n");
                self.stage = Pop3Stage::Quit;
                continue;
            }
            self.stage = match self.stage {
                Pop3Stage::Greeting => {
                    send.extend_from_slice(format!("USER {}\r\n", self.user).as_bytes());
                    Pop3Stage::User
                }
                Pop3Stage::User => {
                    send.extend_from_slice(format!("PASS {}\r\n", self.password).as_bytes());
                    Pop3Stage::Pass
                }
                Pop3Stage::Pass => {
                    send.extend_from_slice(b"STAT\r\n");
                    Pop3Stage::Stat
                }
                Pop3Stage::Stat => {
                    self.count = line
                        .split_whitespace()
                        .nth(1)
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    self.next_or_quit(1, &mut send)
                }
                Pop3Stage::Retr(n) => {
                    self.end = EndScanner::default();
                    Pop3Stage::Body(n)
                }
                Pop3Stage::Dele(n) => self.next_or_quit(n + 1, &mut send),
                Pop3Stage::Quit => {
                    if self.result.is_none() {
                        self.result = Some(ClientResult::Fetched(self.retrieved));
                    }
                    Pop3Stage::Done
                }
                s @ (Pop3Stage::Body(_) | Pop3Stage::Done) => s,
            };
        }
        send
    }

    fn next_or_quit(&mut self, n: usize, send: &mut Vec<u8>) -> Pop3Stage {
        if n <= self.count {
            send.extend_from_slice(format!("RETR {n}\r\n").as_bytes());
            Pop3Stage::Retr(n)
        } else {
            send.extend_from_slice(b"QUIT\r\n");
            Pop3Stage::Quit
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::StoredMail;
    use appliance::Instant;

    fn boxes() -> MailServer {
        let addrs = ["tanaka@print-shop.example".to_string()];
        MailServer::new(&addrs)
    }

    /// Runs a client against a server until both are quiet.
    fn smtp_talk(server: &mut SmtpServer, client: &mut SmtpClient, b: &mut MailServer) {
        let mut to_client = server.greeting();
        for _ in 0..50 {
            let to_server = client.feed(&to_client);
            if to_server.is_empty() && client.is_done() {
                break;
            }
            let out = server.feed(&to_server, b);
            for a in out.accepted {
                for to in &a.to {
                    b.deliver(StoredMail {
                        received: Instant::from_secs(1),
                        from: a.from.clone(),
                        to: to.clone(),
                        subject: String::new(),
                        raw: String::from_utf8_lossy(&a.raw).into_owned(),
                    });
                }
            }
            to_client = out.send;
        }
    }

    #[test]
    fn smtp_delivers_with_dots_intact_and_refuses_unknown_locals() {
        let mut b = boxes();
        let msg = b"Subject: hi\r\n\r\n.hidden dot line\r\nbody\r\n";
        let to = vec!["tanaka@print-shop.example".to_string()];
        let mut client = SmtpClient::new("sender.example", "a@sender.example", &to, msg);
        let mut server = SmtpServer::new("mail.print-shop.example", true);
        smtp_talk(&mut server, &mut client, &mut b);
        assert_eq!(client.result(), Some(&ClientResult::Sent));
        assert_eq!(
            b.mailbox("tanaka@print-shop.example")[0].raw.as_bytes(),
            msg
        );

        let to = vec!["nobody@print-shop.example".to_string()];
        let mut client = SmtpClient::new("s", "a@s", &to, msg);
        let mut server = SmtpServer::new("mail.print-shop.example", true);
        smtp_talk(&mut server, &mut client, &mut b);
        assert!(matches!(
            client.result(),
            Some(ClientResult::Refused {
                code: 550,
                stage: "RCPT TO",
                ..
            })
        ));
    }

    #[test]
    fn smtp_client_reports_a_refused_greeting() {
        let mut client = SmtpClient::new("s", "a@s", &["x@y".to_string()], b"x\r\n");
        let send = client.feed(
            b"450 4.7.1 Service unavailable; client host [203.0.113.77] blocked using Zombie\r\n",
        );
        assert_eq!(send, b"QUIT\r\n");
        assert!(matches!(
            client.result(),
            Some(ClientResult::Refused {
                code: 450,
                stage: "greeting",
                ..
            })
        ));
    }

    #[test]
    fn pop3_fetches_and_deletes_everything() {
        let mut b = boxes();
        for s in ["one", "two"] {
            b.deliver(StoredMail {
                received: Instant::from_secs(1),
                from: "a@b".into(),
                to: "tanaka@print-shop.example".into(),
                subject: s.into(),
                raw: format!("Subject: {s}\r\n\r\n.dot\r\n"),
            });
        }
        let mut server = Pop3Server::default();
        let mut client = Pop3Client::new("tanaka@print-shop.example", "pw");
        let mut to_client = server.greeting();
        for _ in 0..50 {
            let to_server = client.feed(&to_client);
            if to_server.is_empty() {
                break;
            }
            to_client = server.feed(&to_server, &mut b).send;
        }
        assert_eq!(client.result(), Some(&ClientResult::Fetched(2)));
        assert_eq!(client.fetched[1], b"Subject: two\r\n\r\n.dot\r\n");
        assert!(b.mailbox("tanaka@print-shop.example").is_empty());
    }
}
