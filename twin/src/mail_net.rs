//! Mail over the twin's TCP stacks: the sessions of [`crate::mail_proto`]
//! on smoltcp sockets. One [`MailNode`] per machine that speaks mail: the
//! internet node (the ISP's SMTP and POP3 server, senders' mail servers
//! delivering to an office) and each office host (a PC's mail program; an
//! office mail server if the scenario gives the office one).
//!
//! Servers keep spare listening sockets per endpoint, as the internet's web
//! sites do, because smoltcp accepts one connection per socket. Every
//! client session ends in a [`MailRecord`] with its result, so steps and
//! summaries can say what a sender or a mail program saw (a `450` at the
//! greeting, the number of messages fetched).

use crate::mail::{MailServer, StoredMail};
use crate::mail_proto::{ClientResult, Pop3Client, Pop3Server, SmtpClient, SmtpServer};
use appliance::Instant;
use smoltcp::iface::{Context, SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use std::net::Ipv4Addr;
use std::time::Duration;

pub const SMTP_PORT: u16 = 25;
pub const POP3_PORT: u16 = 110;
/// A mail program or sending server gives up on a silent session after this.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);
const SPARE_LISTENERS: usize = 2;
const TCP_RX: usize = 64 * 1024;
const TCP_TX: usize = 64 * 1024;

/// What a client session was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// SMTP: one message to these recipients.
    Send { to: Vec<String>, mail: String },
    /// POP3: fetching this mailbox.
    Fetch { mailbox: String },
}

/// One client session and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailRecord {
    /// The office host's name, or the sender's internet address.
    pub who: String,
    pub client: Ipv4Addr,
    pub server: Ipv4Addr,
    pub kind: SessionKind,
    pub started: Instant,
    pub finished: Option<Instant>,
    /// `None` while the session runs.
    pub result: Option<ClientResult>,
}

enum Role {
    Smtp(SmtpServer),
    Pop3(Pop3Server),
    SmtpClient(SmtpClient, usize),
    Pop3Client(Pop3Client, usize),
}

/// Which server a listener runs, and its name in the greeting.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Service {
    endpoint: IpListenEndpoint,
    pop3: bool,
    name: String,
    /// SMTP: refuse recipients without a local mailbox (an office server);
    /// otherwise relay (the ISP's submission service).
    local_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Listening,
    Active,
    Closing,
    Free,
}

struct Conn {
    handle: SocketHandle,
    role: Role,
    service: Option<usize>,
    phase: Phase,
    greeted: bool,
    out: Vec<u8>,
    sent: usize,
    close_after_send: bool,
    deadline: Option<Instant>,
}

/// The mail side of one machine.
#[derive(Default)]
pub struct MailNode {
    services: Vec<Service>,
    conns: Vec<Conn>,
    /// Mailboxes this machine serves (empty on a PC).
    pub store: MailServer,
    /// Mail its mail program fetched, in order (a PC's inbox).
    pub inbox: Vec<StoredMail>,
    /// Client sessions, in the order they started.
    pub records: Vec<MailRecord>,
}

impl std::fmt::Debug for MailNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailNode")
            .field("services", &self.services)
            .field("conns", &self.conns.len())
            .field("inbox", &self.inbox.len())
            .finish()
    }
}

/// A stored copy of `raw` as received at `now` for `to`.
pub fn stored(now: Instant, from: &str, to: &str, raw: &[u8]) -> StoredMail {
    let heading = crate::mail::heading(raw);
    StoredMail {
        received: now,
        from: if from.is_empty() {
            heading.from
        } else {
            from.to_string()
        },
        to: to.to_string(),
        subject: heading.subject,
        raw: String::from_utf8_lossy(raw).into_owned(),
    }
}

impl MailNode {
    pub fn new(store: MailServer) -> MailNode {
        MailNode {
            store,
            ..MailNode::default()
        }
    }

    /// Serves SMTP (or POP3) on `ip:port` from now on.
    pub fn serve(
        &mut self,
        sockets: &mut SocketSet<'static>,
        ip: Ipv4Addr,
        port: u16,
        name: &str,
        local_only: bool,
    ) {
        self.services.push(Service {
            endpoint: IpListenEndpoint {
                addr: Some(IpAddress::Ipv4(ip)),
                port,
            },
            pop3: port == POP3_PORT,
            name: name.to_string(),
            local_only,
        });
        self.refill(sockets);
    }

    /// Whether a live connection of this node uses local `port`.
    pub fn uses_port(&self, sockets: &SocketSet<'static>, port: u16) -> bool {
        self.conns.iter().any(|c| {
            c.phase != Phase::Free
                && sockets
                    .get::<tcp::Socket>(c.handle)
                    .local_endpoint()
                    .is_some_and(|e| e.port == port)
        })
    }

    /// Starts an SMTP session from `local` to `server:25` delivering `raw`.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        now: Instant,
        cx: &mut Context,
        sockets: &mut SocketSet<'static>,
        who: &str,
        local: (Ipv4Addr, u16),
        server: Ipv4Addr,
        client: SmtpClient,
        kind: SessionKind,
    ) {
        let record = self.record(now, who, local.0, server, kind);
        self.connect(
            now,
            cx,
            sockets,
            local,
            (server, SMTP_PORT),
            |i| Role::SmtpClient(client, i),
            record,
        );
    }

    /// Starts a POP3 session from `local` to `server:110`.
    #[allow(clippy::too_many_arguments)]
    pub fn fetch(
        &mut self,
        now: Instant,
        cx: &mut Context,
        sockets: &mut SocketSet<'static>,
        who: &str,
        local: (Ipv4Addr, u16),
        server: Ipv4Addr,
        client: Pop3Client,
        mailbox: &str,
    ) {
        let kind = SessionKind::Fetch {
            mailbox: mailbox.to_string(),
        };
        let record = self.record(now, who, local.0, server, kind);
        self.connect(
            now,
            cx,
            sockets,
            local,
            (server, POP3_PORT),
            |i| Role::Pop3Client(client, i),
            record,
        );
    }

    fn record(
        &mut self,
        now: Instant,
        who: &str,
        client: Ipv4Addr,
        server: Ipv4Addr,
        kind: SessionKind,
    ) -> usize {
        self.records.push(MailRecord {
            who: who.to_string(),
            client,
            server,
            kind,
            started: now,
            finished: None,
            result: None,
        });
        self.records.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn connect(
        &mut self,
        now: Instant,
        cx: &mut Context,
        sockets: &mut SocketSet<'static>,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        role: impl FnOnce(usize) -> Role,
        record: usize,
    ) {
        let handle = sockets.add(tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; TCP_RX]),
            tcp::SocketBuffer::new(vec![0; TCP_TX]),
        ));
        let socket = sockets.get_mut::<tcp::Socket>(handle);
        let local = IpEndpoint::new(IpAddress::Ipv4(local.0), local.1);
        let remote = IpEndpoint::new(IpAddress::Ipv4(remote.0), remote.1);
        if socket.connect(cx, remote, local).is_err() {
            sockets.remove(handle);
            self.end(record, now, ClientResult::Reset);
            return;
        }
        self.conns.push(Conn {
            handle,
            role: role(record),
            service: None,
            phase: Phase::Active,
            greeted: true,
            out: Vec::new(),
            sent: 0,
            close_after_send: false,
            deadline: Some(now + CLIENT_TIMEOUT),
        });
    }

    fn end(&mut self, record: usize, now: Instant, result: ClientResult) {
        if let Some(r) = self.records.get_mut(record)
            && r.result.is_none()
        {
            r.result = Some(result);
            r.finished = Some(now);
        }
    }

    /// When a client session next times out, if one runs.
    pub fn poll_at(&self) -> Option<Instant> {
        self.conns.iter().filter_map(|c| c.deadline).min()
    }

    /// Client sessions still running.
    pub fn pending(&self) -> usize {
        self.records.iter().filter(|r| r.result.is_none()).count()
    }

    /// Moves every connection along; true if anything happened.
    pub fn step(&mut self, now: Instant, sockets: &mut SocketSet<'static>) -> bool {
        let mut moved = false;
        for i in 0..self.conns.len() {
            moved |= self.step_conn(i, now, sockets);
        }
        // Finished client sockets go; server sockets wait to listen again.
        let mut i = 0;
        while i < self.conns.len() {
            if self.conns[i].phase == Phase::Free && self.conns[i].service.is_none() {
                let c = self.conns.remove(i);
                sockets.remove(c.handle);
            } else {
                i += 1;
            }
        }
        moved |= self.refill(sockets);
        moved
    }

    fn step_conn(&mut self, i: usize, now: Instant, sockets: &mut SocketSet<'static>) -> bool {
        let mut moved = false;
        let Self {
            conns,
            store,
            inbox,
            records,
            services,
        } = self;
        let conn = &mut conns[i];
        let socket = sockets.get_mut::<tcp::Socket>(conn.handle);
        let state = socket.state();
        if conn.phase == Phase::Free {
            return false;
        }
        if conn.phase == Phase::Listening {
            if state == tcp::State::Listen {
                return false;
            }
            conn.phase = Phase::Active;
            conn.greeted = false;
            moved = true;
        }
        if state == tcp::State::Closed {
            // Done, refused or reset.
            let result = match &mut conn.role {
                Role::SmtpClient(c, r) => Some((*r, c.result().cloned())),
                Role::Pop3Client(c, r) => Some((*r, c.result().cloned())),
                _ => None,
            };
            if let Some((r, result)) = result
                && let Some(rec) = records.get_mut(r)
                && rec.result.is_none()
            {
                rec.result = Some(result.unwrap_or(ClientResult::Reset));
                rec.finished = Some(now);
            }
            conn.phase = Phase::Free;
            conn.deadline = None;
            return true;
        }
        if conn.phase == Phase::Active && conn.deadline.is_some_and(|d| now >= d) {
            match &mut conn.role {
                Role::SmtpClient(c, _) => c.finish(ClientResult::Timeout),
                Role::Pop3Client(c, _) => c.finish(ClientResult::Timeout),
                _ => {}
            }
            socket.abort();
            conn.phase = Phase::Closing;
            conn.deadline = None;
            return true;
        }
        let established = matches!(state, tcp::State::Established | tcp::State::CloseWait);
        if conn.phase == Phase::Active && established {
            if !conn.greeted {
                conn.greeted = true;
                let service = conn.service.and_then(|s| services.get(s));
                conn.role = match service {
                    Some(s) if s.pop3 => Role::Pop3(Pop3Server::default()),
                    Some(s) => Role::Smtp(SmtpServer::new(&s.name, s.local_only)),
                    None => std::mem::replace(&mut conn.role, Role::Pop3(Pop3Server::default())),
                };
                match &conn.role {
                    Role::Smtp(s) => conn.out.extend(s.greeting()),
                    Role::Pop3(s) => conn.out.extend(s.greeting()),
                    _ => {}
                }
            }
            let mut data = Vec::new();
            while socket.can_recv() {
                match socket.recv(|buf| {
                    data.extend_from_slice(buf);
                    (buf.len(), buf.len())
                }) {
                    Ok(n) if n > 0 => {}
                    _ => break,
                }
            }
            if !data.is_empty() {
                moved = true;
                match &mut conn.role {
                    Role::Smtp(s) => {
                        let out = s.feed(&data, store);
                        conn.out.extend(out.send);
                        conn.close_after_send |= out.close;
                        for a in out.accepted {
                            for to in &a.to {
                                store.deliver(stored(now, &a.from, to, &a.raw));
                            }
                        }
                    }
                    Role::Pop3(s) => {
                        let out = s.feed(&data, store);
                        conn.out.extend(out.send);
                        conn.close_after_send |= out.close;
                    }
                    Role::SmtpClient(c, _) => {
                        conn.out.extend(c.feed(&data));
                        conn.deadline = Some(now + CLIENT_TIMEOUT);
                    }
                    Role::Pop3Client(c, r) => {
                        conn.out.extend(c.feed(&data));
                        conn.deadline = Some(now + CLIENT_TIMEOUT);
                        let mailbox = match records.get(*r).map(|rec| &rec.kind) {
                            Some(SessionKind::Fetch { mailbox }) => mailbox.clone(),
                            _ => String::new(),
                        };
                        for raw in c.fetched.drain(..) {
                            inbox.push(stored(now, "", &mailbox, &raw));
                        }
                    }
                }
            }
            // Client sessions record their result as soon as they have one.
            let result = match &conn.role {
                Role::SmtpClient(c, r) => c.result().map(|x| (*r, x.clone(), c.is_done())),
                Role::Pop3Client(c, r) => c.result().map(|x| (*r, x.clone(), c.is_done())),
                _ => None,
            };
            if let Some((r, result, done)) = result {
                if let Some(rec) = records.get_mut(r)
                    && rec.result.is_none()
                {
                    rec.result = Some(result);
                    rec.finished = Some(now);
                }
                conn.close_after_send |= done;
            }
            if state == tcp::State::CloseWait {
                // The peer hung up: nothing more will come.
                match &mut conn.role {
                    Role::SmtpClient(c, _) => c.finish(ClientResult::Reset),
                    Role::Pop3Client(c, _) => c.finish(ClientResult::Reset),
                    _ => {}
                }
                conn.close_after_send = true;
            }
        }
        if conn.phase == Phase::Active
            && conn.sent < conn.out.len()
            && socket.can_send()
            && let Ok(n) = socket.send_slice(&conn.out[conn.sent..])
        {
            conn.sent += n;
            moved |= n > 0;
        }
        if conn.sent >= conn.out.len() {
            conn.out.clear();
            conn.sent = 0;
            if conn.phase == Phase::Active && conn.close_after_send {
                socket.close();
                conn.phase = Phase::Closing;
                // From here smoltcp's own timers finish the close.
                conn.deadline = None;
                moved = true;
            }
        }
        moved
    }

    /// Keeps [`SPARE_LISTENERS`] sockets listening per service.
    fn refill(&mut self, sockets: &mut SocketSet<'static>) -> bool {
        let mut moved = false;
        for s in 0..self.services.len() {
            let mut listening = self
                .conns
                .iter()
                .filter(|c| c.service == Some(s) && c.phase == Phase::Listening)
                .count();
            while listening < SPARE_LISTENERS {
                let free = self.conns.iter().position(|c| {
                    c.service == Some(s)
                        && c.phase == Phase::Free
                        && sockets.get::<tcp::Socket>(c.handle).state() == tcp::State::Closed
                });
                let idx = match free {
                    Some(i) => i,
                    None => {
                        let handle = sockets.add(tcp::Socket::new(
                            tcp::SocketBuffer::new(vec![0; TCP_RX]),
                            tcp::SocketBuffer::new(vec![0; TCP_TX]),
                        ));
                        self.conns.push(Conn {
                            handle,
                            role: Role::Pop3(Pop3Server::default()),
                            service: Some(s),
                            phase: Phase::Free,
                            greeted: false,
                            out: Vec::new(),
                            sent: 0,
                            close_after_send: false,
                            deadline: None,
                        });
                        self.conns.len() - 1
                    }
                };
                let conn = &mut self.conns[idx];
                let socket = sockets.get_mut::<tcp::Socket>(conn.handle);
                if socket.listen(self.services[s].endpoint).is_err() {
                    break;
                }
                conn.phase = Phase::Listening;
                conn.greeted = false;
                conn.out.clear();
                conn.sent = 0;
                conn.close_after_send = false;
                listening += 1;
                moved = true;
            }
        }
        moved
    }
}
