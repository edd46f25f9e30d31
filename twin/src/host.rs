//! An office host: one smoltcp interface on the LAN, a DNS stub resolver and
//! an HTTP/1.1 client (inside TLS 1.2 for `https://`, see `crate::tls`; a
//! BitTorrent client for `bittorrent://`, see `crate::peer`), recording
//! every exchange it makes.
//!
//! The host is driven by the world: frames are pushed into its device, it is
//! polled at the instants it asks for, and the frames it sends are collected
//! from its device afterwards.

use crate::actor::{HOST_STREAMS, stream_rng};
use crate::dns::{self, Answer};
use crate::link::QueueDevice;
use crate::mail_net::MailNode;
use crate::model::{HostSpec, Mac, Office};
use crate::tls;
use crate::web::{self, HttpUrl, UrlError};
use appliance::Instant;
use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, IpEndpoint};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How one HTTP exchange ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The response arrived and the server closed the connection (or the
    /// response was complete by its Content-Length when it was reset).
    Complete,
    /// The connection was refused or reset before the response was complete.
    Reset,
    /// Nothing conclusive within [`FETCH_TIMEOUT`].
    Timeout,
    /// The host name could not be resolved (NXDOMAIN or no answer).
    DnsFailed,
    /// HTTPS: the browser refused the server's certificate (expired, not
    /// yet valid, or for another name), sent a fatal alert and showed its
    /// own warning instead of the page.
    CertificateInvalid,
}

/// One page load as the host saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpExchange {
    pub started: Instant,
    pub finished: Instant,
    pub url: String,
    pub status: Option<u16>,
    pub body: String,
    pub outcome: Outcome,
}

/// A page load gives up after this long, as a browser would.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// DNS retransmission schedule of the stub resolver (then it gives up).
const DNS_RETRIES: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
const TCP_RX: usize = 64 * 1024;
const TCP_TX: usize = 4 * 1024;
const EPHEMERAL: std::ops::RangeInclusive<u16> = 49152..=65535;

pub(crate) fn smol(t: Instant) -> SmolInstant {
    SmolInstant::from_micros(t.as_micros())
}

pub(crate) fn unsmol(t: SmolInstant) -> Instant {
    Instant::from_micros(t.total_micros())
}

pub(crate) fn ethernet(mac: Mac) -> HardwareAddress {
    HardwareAddress::Ethernet(EthernetAddress(mac.0))
}

/// A mail session a host starts.
pub enum MailSession {
    Send {
        client: crate::mail_proto::SmtpClient,
        kind: crate::mail_net::SessionKind,
    },
    Fetch {
        client: crate::mail_proto::Pop3Client,
        mailbox: String,
    },
}

/// A browser's side of one TLS connection.
struct TlsClient {
    /// The HTTP request, sent once the server's certificate is accepted.
    http: Vec<u8>,
    /// The server's flight has been read (and answered).
    answered: bool,
    /// The certificate was refused: an alert went out instead.
    refused: bool,
}

/// One office host.
pub struct Host {
    pub name: String,
    pub ip: Ipv4Addr,
    pub mac: Mac,
    /// Frames in and out; the world moves them.
    pub device: QueueDevice,
    /// Whether the LAN cable is in.
    pub plugged: bool,
    /// When it was last unplugged.
    pub isolated_at: Option<Instant>,
    user_agent: &'static str,
    iface: Interface,
    sockets: SocketSet<'static>,
    dns_socket: SocketHandle,
    dns_server: Ipv4Addr,
    cache: HashMap<String, (Ipv4Addr, Instant)>,
    fetches: Vec<Fetch>,
    idle_tcp: Vec<SocketHandle>,
    /// Sockets given up by a fetch that may still have a FIN or RST to send.
    closing_tcp: Vec<SocketHandle>,
    exchanges: Vec<HttpExchange>,
    rng: ChaCha8Rng,
    /// Its mail program (and mail server, if it is the office's).
    pub mail: MailNode,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("name", &self.name)
            .field("ip", &self.ip)
            .field("fetches", &self.fetches.len())
            .field("exchanges", &self.exchanges.len())
            .finish()
    }
}

struct Fetch {
    url: String,
    target: HttpUrl,
    started: Instant,
    deadline: Instant,
    state: FetchState,
}

enum FetchState {
    Resolving {
        id: u16,
        tries: usize,
        retry_at: Instant,
    },
    Transfer {
        handle: SocketHandle,
        request: Vec<u8>,
        sent: usize,
        response: Vec<u8>,
        /// `https://`: the handshake's progress.
        tls: Option<Box<TlsClient>>,
    },
    Done(Outcome, Option<u16>, String),
}

impl Host {
    pub fn new(spec: &HostSpec, office: &Office, index: usize, seed: u64, now: Instant) -> Host {
        let mut rng = stream_rng(seed, HOST_STREAMS + index as u64);
        let mut device = QueueDevice::default();
        let mut config = Config::new(ethernet(spec.mac));
        config.random_seed = rng.next_u64();
        let mut iface = Interface::new(config, &mut device, smol(now));
        iface.update_ip_addrs(|addrs| {
            // Capacity is IFACE_MAX_ADDR_COUNT (>= 1): one address always fits.
            let _ = addrs.push(IpCidr::new(spec.ip.into(), office.lan_prefix));
        });
        let _ = iface.routes_mut().add_default_ipv4_route(office.router_ip);
        let mut sockets = SocketSet::new(Vec::new());
        let udp_rx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 4096]);
        let udp_tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 4096]);
        let mut udp = udp::Socket::new(udp_rx, udp_tx);
        let port = rng.random_range(EPHEMERAL);
        // A fresh socket with a non-zero port always binds.
        let _ = udp.bind(port);
        let dns_socket = sockets.add(udp);
        Host {
            name: spec.name.clone(),
            ip: spec.ip,
            mac: spec.mac,
            device,
            plugged: true,
            isolated_at: None,
            user_agent: web::user_agent(&spec.os),
            iface,
            sockets,
            dns_socket,
            dns_server: office.dns_server,
            cache: HashMap::new(),
            fetches: Vec::new(),
            idle_tcp: Vec::new(),
            closing_tcp: Vec::new(),
            exchanges: Vec::new(),
            rng,
            mail: MailNode::default(),
        }
    }

    /// Every exchange finished so far, in order of completion.
    /// Takes the address `ip` (a new DHCP lease), keeping the prefix: the
    /// stack answers ARP and sends from it at once; connections of the old
    /// address die as they would on a PC whose address changed.
    pub fn renumber(&mut self, ip: Ipv4Addr, prefix: u8) {
        self.ip = ip;
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            // Capacity is IFACE_MAX_ADDR_COUNT (>= 1): one address always fits.
            let _ = addrs.push(IpCidr::new(ip.into(), prefix));
        });
    }

    pub fn exchanges(&self) -> &[HttpExchange] {
        &self.exchanges
    }

    /// Page loads still under way.
    pub fn pending(&self) -> usize {
        self.fetches.len()
    }

    /// Starts loading `url` at `now`; the world must poll the host afterwards.
    pub fn open(&mut self, now: Instant, url: &str) -> Result<(), UrlError> {
        let target = HttpUrl::parse(url)?;
        let mut fetch = Fetch {
            url: url.to_string(),
            target,
            started: now,
            deadline: now + FETCH_TIMEOUT,
            state: FetchState::Done(Outcome::Timeout, None, String::new()),
        };
        let literal = fetch.target.host.parse::<Ipv4Addr>().ok();
        let cached = self
            .cache
            .get(&fetch.target.host)
            .filter(|(_, expires)| *expires > now)
            .map(|(ip, _)| *ip);
        fetch.state = match literal.or(cached) {
            Some(ip) => self.connect(ip, &fetch.target),
            None => self.query(&fetch.target.host, now, 0),
        };
        self.fetches.push(fetch);
        Ok(())
    }

    /// Runs the stack and the applications at `now` until nothing moves.
    pub fn poll(&mut self, now: Instant) {
        // Bounded: every round either sends, receives or finishes something,
        // and those are finite at one instant; the cap guards against a stack bug.
        for _ in 0..64 {
            self.iface
                .poll(smol(now), &mut self.device, &mut self.sockets);
            if !self.step(now) {
                break;
            }
        }
    }

    /// When the host next needs polling, if ever.
    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let stack = self.iface.poll_at(smol(now), &self.sockets).map(unsmol);
        let timers = self
            .fetches
            .iter()
            .map(|f| match f.state {
                FetchState::Resolving { retry_at, .. } => retry_at.min(f.deadline),
                _ => f.deadline,
            })
            .min();
        let timers = match (timers, self.mail.poll_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (stack, timers) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Starts a mail session (SMTP submission or POP3 fetch) to `server`
    /// now, from a free ephemeral port; see [`crate::mail_net`].
    pub fn start_mail(&mut self, now: Instant, server: Ipv4Addr, session: MailSession) {
        let mut port = self.free_port();
        while self.mail.uses_port(&self.sockets, port) {
            port = self.free_port();
        }
        let local = (self.ip, port);
        let who = self.name.clone();
        let cx = self.iface.context();
        match session {
            MailSession::Send { client, kind } => self.mail.send(
                now,
                cx,
                &mut self.sockets,
                &who,
                local,
                server,
                client,
                kind,
            ),
            MailSession::Fetch { client, mailbox } => self.mail.fetch(
                now,
                cx,
                &mut self.sockets,
                &who,
                local,
                server,
                client,
                &mailbox,
            ),
        }
    }

    /// Makes this host the office's mail server: SMTP on port 25 for the
    /// mailboxes in `store`.
    pub fn serve_mail(&mut self, name: &str, store: crate::mail::MailServer) {
        self.mail.store = store;
        let ip = self.ip;
        self.mail.serve(
            &mut self.sockets,
            ip,
            crate::mail_net::SMTP_PORT,
            name,
            true,
        );
    }

    fn query(&mut self, name: &str, now: Instant, tries: usize) -> FetchState {
        let id: u16 = self.rng.random();
        let Some(packet) = dns::a_query(id, name) else {
            return FetchState::Done(Outcome::DnsFailed, None, String::new());
        };
        let server = IpEndpoint::new(self.dns_server.into(), 53);
        let socket = self.sockets.get_mut::<udp::Socket>(self.dns_socket);
        // A full send buffer only loses this try; the retry timer covers it.
        let _ = socket.send_slice(&packet, server);
        FetchState::Resolving {
            id,
            tries,
            retry_at: now + DNS_RETRIES[tries.min(DNS_RETRIES.len() - 1)],
        }
    }

    fn connect(&mut self, ip: Ipv4Addr, target: &HttpUrl) -> FetchState {
        let handle = match self.idle_tcp.pop() {
            Some(h) => h,
            None => self.sockets.add(tcp::Socket::new(
                tcp::SocketBuffer::new(vec![0; TCP_RX]),
                tcp::SocketBuffer::new(vec![0; TCP_TX]),
            )),
        };
        let port = self.free_port();
        let socket = self.sockets.get_mut::<tcp::Socket>(handle);
        match socket.connect(self.iface.context(), (ip, target.port), port) {
            Ok(()) => {
                let http = web::get_request(target, self.user_agent);
                let (request, tls) = if target.peer {
                    // A BitTorrent client: its handshake for one torrent,
                    // with a uTorrent-style peer id.
                    let info_hash: [u8; 20] = self.rng.random();
                    let mut peer_id = *b"-UT3550-000000000000";
                    self.rng.fill_bytes(&mut peer_id[8..]);
                    (crate::peer::handshake(&info_hash, &peer_id), None)
                } else if target.tls {
                    let random: [u8; 32] = self.rng.random();
                    let hello = tls::client_hello(&random, &target.host);
                    let client = TlsClient {
                        http,
                        answered: false,
                        refused: false,
                    };
                    (hello, Some(Box::new(client)))
                } else {
                    (http, None)
                };
                FetchState::Transfer {
                    handle,
                    request,
                    sent: 0,
                    response: Vec::new(),
                    tls,
                }
            }
            Err(_) => {
                self.idle_tcp.push(handle);
                FetchState::Done(Outcome::Reset, None, String::new())
            }
        }
    }

    /// A random ephemeral port no live socket of this host uses.
    fn free_port(&mut self) -> u16 {
        loop {
            let port = self.rng.random_range(EPHEMERAL);
            let busy = self
                .fetches
                .iter()
                .filter_map(|f| match f.state {
                    FetchState::Transfer { handle, .. } => Some(handle),
                    _ => None,
                })
                .chain(self.closing_tcp.iter().copied())
                .any(|h| {
                    self.sockets
                        .get::<tcp::Socket>(h)
                        .local_endpoint()
                        .is_some_and(|e| e.port == port)
                });
            if !busy {
                return port;
            }
        }
    }

    /// Moves every fetch along; true if anything happened that the stack
    /// must act on (a packet to send, a socket to close).
    fn step(&mut self, now: Instant) -> bool {
        let mut moved = self.mail.step(now, &mut self.sockets);
        let sockets = &mut self.sockets;
        let idle = &mut self.idle_tcp;
        self.closing_tcp.retain(|&h| {
            if sockets.get::<tcp::Socket>(h).state() == tcp::State::Closed {
                idle.push(h);
                false
            } else {
                true
            }
        });

        // DNS replies.
        loop {
            let socket = self.sockets.get_mut::<udp::Socket>(self.dns_socket);
            let Ok((payload, _meta)) = socket.recv() else {
                break;
            };
            let Some(id) = payload.get(0..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
                continue;
            };
            let Some(answer) = dns::parse_reply(payload, id) else {
                continue;
            };
            let Some(i) = self.fetches.iter().position(
                |f| matches!(f.state, FetchState::Resolving { id: fid, .. } if fid == id),
            ) else {
                continue;
            };
            moved = true;
            match answer {
                Answer::Address(ip, ttl) => {
                    let host = self.fetches[i].target.host.clone();
                    self.cache
                        .insert(host, (ip, now + Duration::from_secs(u64::from(ttl))));
                    let target = self.fetches[i].target.clone();
                    self.fetches[i].state = self.connect(ip, &target);
                }
                Answer::NoSuchName => {
                    self.fetches[i].state =
                        FetchState::Done(Outcome::DnsFailed, None, String::new());
                }
            }
        }

        for i in 0..self.fetches.len() {
            let deadline = self.fetches[i].deadline;
            let tls_host = self.fetches[i]
                .target
                .tls
                .then(|| self.fetches[i].target.host.clone());
            let peer = self.fetches[i].target.peer;
            match &mut self.fetches[i].state {
                FetchState::Resolving {
                    tries, retry_at, ..
                } => {
                    if now >= *retry_at || now >= deadline {
                        let tries = *tries + 1;
                        moved = true;
                        self.fetches[i].state = if tries >= DNS_RETRIES.len() || now >= deadline {
                            FetchState::Done(Outcome::DnsFailed, None, String::new())
                        } else {
                            let host = self.fetches[i].target.host.clone();
                            self.query(&host, now, tries)
                        };
                    }
                }
                FetchState::Transfer {
                    handle,
                    request,
                    sent,
                    response,
                    tls: tls_state,
                } => {
                    let socket = self.sockets.get_mut::<tcp::Socket>(*handle);
                    if *sent < request.len()
                        && socket.can_send()
                        && let Ok(n) = socket.send_slice(&request[*sent..])
                    {
                        *sent += n;
                        moved |= n > 0;
                    }
                    while socket.can_recv() {
                        match socket.recv(|buf| {
                            response.extend_from_slice(buf);
                            (buf.len(), buf.len())
                        }) {
                            Ok(n) if n > 0 => moved = true,
                            _ => break,
                        }
                    }
                    if let Some(t) = tls_state.as_deref_mut()
                        && !t.answered
                    {
                        let host = tls_host.as_deref().unwrap_or_default();
                        match tls::read_server_flight(response) {
                            tls::ServerFlight::Partial => {}
                            tls::ServerFlight::Broken(_) => {
                                // Nothing a browser could go on with.
                                t.answered = true;
                                t.refused = true;
                                request.extend(tls::fatal_alert(tls::ALERT_HANDSHAKE_FAILURE));
                                moved = true;
                            }
                            tls::ServerFlight::Certificate {
                                not_before,
                                not_after,
                                names,
                                len,
                            } => {
                                t.answered = true;
                                response.drain(..len.min(response.len()));
                                if now > not_after || now < not_before {
                                    t.refused = true;
                                    request
                                        .extend(tls::fatal_alert(tls::ALERT_CERTIFICATE_EXPIRED));
                                } else if !tls::name_matches(&names, host) {
                                    t.refused = true;
                                    request.extend(tls::fatal_alert(tls::ALERT_BAD_CERTIFICATE));
                                } else {
                                    let share: [u8; 32] = self.rng.random();
                                    let mut finished = [0u8; 40];
                                    self.rng.fill_bytes(&mut finished);
                                    request.extend(tls::client_finish(&share, &finished, &t.http));
                                }
                                moved = true;
                            }
                        }
                    }
                    // Inside TLS the page is the application data.
                    let decoded;
                    let http: &[u8] = match tls_state {
                        Some(_) => {
                            decoded = tls::application_data(response).0;
                            &decoded
                        }
                        None => response,
                    };
                    let head = web::parse_response(http);
                    let refused = tls_state.as_deref().is_some_and(|t| t.refused);
                    let done = match socket.state() {
                        // The alert is out: the browser shows its warning.
                        _ if refused && *sent >= request.len() => {
                            socket.close();
                            Some(Outcome::CertificateInvalid)
                        }
                        // The server closed: the response is whatever came.
                        tcp::State::CloseWait => {
                            socket.close();
                            Some(Outcome::Complete)
                        }
                        tcp::State::Closed => Some(match head {
                            Some(h) if h.is_complete(http) => Outcome::Complete,
                            _ => Outcome::Reset,
                        }),
                        _ if now >= deadline => {
                            socket.abort();
                            Some(Outcome::Timeout)
                        }
                        _ => None,
                    };
                    if let Some(outcome) = done {
                        moved = true;
                        let status = head.map(|h| h.status);
                        let body = if peer {
                            // A peer's answer is its own handshake.
                            String::from_utf8_lossy(http).into_owned()
                        } else {
                            head.map(|h| h.body(http)).unwrap_or_default()
                        };
                        self.closing_tcp.push(*handle);
                        self.fetches[i].state = FetchState::Done(outcome, status, body);
                    }
                }
                FetchState::Done(..) => {}
            }
        }

        let mut i = 0;
        while i < self.fetches.len() {
            if matches!(self.fetches[i].state, FetchState::Done(..)) {
                let f = self.fetches.remove(i);
                if let FetchState::Done(outcome, status, body) = f.state {
                    self.exchanges.push(HttpExchange {
                        started: f.started,
                        finished: now,
                        url: f.url,
                        status,
                        body,
                        outcome,
                    });
                }
            } else {
                i += 1;
            }
        }
        moved
    }
}
