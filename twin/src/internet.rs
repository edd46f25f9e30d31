//! The simulated internet behind the gateway's WAN port: one smoltcp
//! interface in any-IP mode that answers as every internet host at once —
//! the ISP router the PCs route through, the DNS resolver and every web site
//! of the scenario (ordinary sites and C&C servers alike).
//!
//! smoltcp accepts one connection per listening socket, so each service port
//! keeps a small pool of listening sockets, refilled as connections take them.
//!
//! Port 443 speaks TLS 1.2 (`crate::tls`): each site answers a ClientHello
//! with its certificate (the validity dates of the scenario), then serves
//! the page inside application data records. A client's alert (a browser
//! refusing an expired certificate) ends the connection.
//!
//! A site's `bittorrent` ports are a BitTorrent peer's (`crate::peer`): it
//! answers a client's handshake with its own and closes, and records every
//! connection it accepted with every byte it received.

use crate::actor::{MAIL_STREAM, TLS_STREAM, stream_rng};
use crate::dns;
use crate::host::{ethernet, smol, unsmol};
use crate::link::QueueDevice;
use crate::mail::MailServer;
use crate::mail_net::{MailNode, POP3_PORT, SMTP_PORT, SessionKind};
use crate::mail_proto::SmtpClient;
use crate::model::{CertificateSpec, Office, Scenario, Site};
use crate::peer::{self, PeerContact};
use crate::tls::{self, SiteCertificate};
use crate::web;
use appliance::Instant;
use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::wire::{IpAddress, IpCidr, IpEndpoint, Ipv4Cidr};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Listening sockets kept ready per service port: more than the number of
/// SYNs that can reach the node between two polls.
const SPARE_LISTENERS: usize = 2;
const HTTP_PORT: u16 = 80;
const HTTPS_PORT: u16 = 443;
const EPHEMERAL: std::ops::RangeInclusive<u16> = 49152..=65535;
/// A site without a certificate in its scenario gets one valid from this
/// long before the start ...
const DEFAULT_CERT_BEFORE: std::time::Duration = std::time::Duration::from_secs(90 * 86_400);
/// ... to this long after it.
const DEFAULT_CERT_AFTER: std::time::Duration = std::time::Duration::from_secs(275 * 86_400);
const TCP_RX: usize = 8 * 1024;
/// The peer id the simulated internet's BitTorrent peers answer with.
const PEER_ID: &[u8; 20] = b"-TW0100-officetwin01";
const TCP_TX: usize = 64 * 1024;

/// The internet node.
pub struct Internet {
    /// Frames in and out; the world moves them.
    pub device: QueueDevice,
    iface: Interface,
    sockets: SocketSet<'static>,
    dns_socket: SocketHandle,
    dns_server: Ipv4Addr,
    zone: HashMap<String, Ipv4Addr>,
    sites: Vec<Site>,
    /// The ports listened on: 80, 443, every site's further web ports and
    /// its BitTorrent ports.
    web_ports: Vec<u16>,
    /// Every connection a BitTorrent peer accepted, oldest first.
    peer_contacts: Vec<PeerContact>,
    by_host: HashMap<String, usize>,
    by_ip: HashMap<Ipv4Addr, usize>,
    lan: Ipv4Cidr,
    router_ip: Ipv4Addr,
    slots: Vec<Slot>,
    /// Each site's certificate (`None` if it could not be built: the site
    /// then refuses TLS connections).
    certs: Vec<Option<SiteCertificate>>,
    /// Randoms and key shares of the sites' handshakes.
    rng: ChaCha8Rng,
    /// HTTP responses sent.
    pub responses: u64,
    /// DNS answers sent.
    pub dns_answers: u64,
    /// The ISP's mail server (SMTP and POP3 on its address, its mailboxes)
    /// and the senders' mail servers delivering to an office.
    pub mail: MailNode,
    mail_rng: ChaCha8Rng,
}

impl std::fmt::Debug for Internet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Internet")
            .field("sites", &self.sites.len())
            .field("slots", &self.slots.len())
            .field("responses", &self.responses)
            .finish()
    }
}

struct Slot {
    handle: SocketHandle,
    phase: Phase,
    request: Vec<u8>,
    response: Vec<u8>,
    sent: usize,
    tls: TlsPhase,
    /// A BitTorrent peer's connection: its entry in `peer_contacts`.
    contact: Option<usize>,
}

/// Where a port 443 connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TlsPhase {
    /// Plain HTTP (port 80).
    Off,
    AwaitHello,
    /// The first flight is (being) sent; the request comes next.
    AwaitRequest,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Closed and not listening: ready for reuse.
    Free,
    Listening,
    Reading,
    Writing,
    Closing,
}

impl Internet {
    pub fn new(scenario: &Scenario, now: Instant) -> Internet {
        let office: &Office = &scenario.office;
        let mut device = QueueDevice::default();
        let mut config = Config::new(ethernet(office.router_mac));
        config.random_seed = scenario.seed ^ 0x1e7e_411e_7000_0001;
        let mut iface = Interface::new(config, &mut device, smol(now));
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(office.router_ip.into(), office.lan_prefix));
        });
        // With any-IP the node owns every address; the default route via its
        // own address is what any-IP routing is documented to need, and it
        // keeps replies to non-LAN sources on this interface.
        iface.set_any_ip(true);
        let _ = iface.routes_mut().add_default_ipv4_route(office.router_ip);

        let mut sockets = SocketSet::new(Vec::new());
        let rx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 32 * 1024]);
        let tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 32 * 1024]);
        let mut udp = udp::Socket::new(rx, tx);
        let _ = udp.bind(53);
        let dns_socket = sockets.add(udp);

        let mut zone = HashMap::new();
        let mut by_host = HashMap::new();
        let mut by_ip = HashMap::new();
        for (i, site) in scenario.internet.sites.iter().enumerate() {
            let name = site.host.trim_end_matches('.').to_ascii_lowercase();
            if site.in_dns {
                zone.entry(name.clone()).or_insert(site.ip);
            }
            by_host.entry(name).or_insert(i);
            by_ip.entry(site.ip).or_insert(i);
        }
        let mail = &scenario.internet.mail;
        zone.entry(mail.host.to_ascii_lowercase())
            .or_insert(mail.ip);

        let certs = scenario
            .internet
            .sites
            .iter()
            .map(|site| {
                let spec = site.certificate.unwrap_or(CertificateSpec {
                    not_before: now - DEFAULT_CERT_BEFORE,
                    not_after: now + DEFAULT_CERT_AFTER,
                });
                SiteCertificate::new(&site.host, spec.not_before, spec.not_after).ok()
            })
            .collect();
        let mut web_ports = vec![HTTP_PORT, HTTPS_PORT];
        for site in &scenario.internet.sites {
            for &port in site.ports.iter().chain(&site.bittorrent) {
                if !web_ports.contains(&port) {
                    web_ports.push(port);
                }
            }
        }
        let mut internet = Internet {
            web_ports,
            peer_contacts: Vec::new(),
            device,
            iface,
            sockets,
            dns_socket,
            dns_server: office.dns_server,
            zone,
            sites: scenario.internet.sites.clone(),
            by_host,
            by_ip,
            lan: Ipv4Cidr::new(office.lan, office.lan_prefix),
            router_ip: office.router_ip,
            slots: Vec::new(),
            certs,
            rng: stream_rng(scenario.seed, TLS_STREAM),
            responses: 0,
            dns_answers: 0,
            mail: MailNode::new(MailServer::new(&mail.mailboxes)),
            mail_rng: stream_rng(scenario.seed, MAIL_STREAM),
        };
        let mail_name = mail.host.clone();
        for port in [SMTP_PORT, POP3_PORT] {
            // The ISP relays its customers' outgoing mail: any recipient.
            internet
                .mail
                .serve(&mut internet.sockets, mail.ip, port, &mail_name, false);
        }
        internet.refill_listeners();
        internet
    }

    /// A frame from the WAN link. ARP requests for office addresses other
    /// than the router are dropped: any-IP would otherwise answer them all.
    pub fn receive(&mut self, frame: Vec<u8>) {
        if frame.get(12..14) == Some(&[0x08, 0x06])
            && let Some(t) = frame.get(38..42)
        {
            let target = Ipv4Addr::new(t[0], t[1], t[2], t[3]);
            if self.lan.contains_addr(&target) && target != self.router_ip {
                return;
            }
        }
        self.device.rx.push_back(frame);
    }

    pub fn poll(&mut self, now: Instant) {
        for _ in 0..64 {
            self.iface
                .poll(smol(now), &mut self.device, &mut self.sockets);
            if !self.step(now) {
                break;
            }
        }
    }

    pub fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let stack = self.iface.poll_at(smol(now), &self.sockets).map(unsmol);
        match (stack, self.mail.poll_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A sender's mail server at internet address `from` delivers a message
    /// to the SMTP server at `server` (an office's, through the gateway).
    pub fn send_mail(
        &mut self,
        now: Instant,
        from: Ipv4Addr,
        server: Ipv4Addr,
        client: SmtpClient,
        kind: SessionKind,
    ) {
        let mut port = self.mail_rng.random_range(EPHEMERAL);
        while self.mail.uses_port(&self.sockets, port) {
            port = self.mail_rng.random_range(EPHEMERAL);
        }
        let cx = self.iface.context();
        self.mail.send(
            now,
            cx,
            &mut self.sockets,
            &from.to_string(),
            (from, port),
            server,
            client,
            kind,
        );
    }

    fn step(&mut self, now: Instant) -> bool {
        let mut moved = self.mail.step(now, &mut self.sockets);
        // DNS: answer queries addressed to the resolver.
        loop {
            let socket = self.sockets.get_mut::<udp::Socket>(self.dns_socket);
            let Ok((query, meta)) = socket.recv() else {
                break;
            };
            if meta.local_address != Some(IpAddress::Ipv4(self.dns_server)) {
                continue;
            }
            let zone = &self.zone;
            let Some(reply) = dns::reply(query, |name| zone.get(name).copied()) else {
                continue;
            };
            let to = udp::UdpMetadata {
                endpoint: meta.endpoint,
                local_address: meta.local_address,
                meta: Default::default(),
            };
            if socket.send_slice(&reply, to).is_ok() {
                self.dns_answers += 1;
                moved = true;
            }
        }

        for i in 0..self.slots.len() {
            moved |= self.step_slot(i, now);
        }
        moved |= self.refill_listeners();
        moved
    }

    fn step_slot(&mut self, i: usize, now: Instant) -> bool {
        let slot = &mut self.slots[i];
        let socket = self.sockets.get_mut::<tcp::Socket>(slot.handle);
        let state = socket.state();
        let mut moved = false;
        if state == tcp::State::Closed {
            // Finished, reset by the peer or by the gateway: ready for reuse.
            if slot.phase != Phase::Free {
                slot.phase = Phase::Free;
                slot.request.clear();
                slot.response.clear();
                slot.sent = 0;
                slot.tls = TlsPhase::Off;
                slot.contact = None;
            }
            return false;
        }
        if slot.phase == Phase::Listening && state != tcp::State::Listen {
            slot.phase = Phase::Reading;
            if socket.local_endpoint().map(|e| e.port) == Some(HTTPS_PORT) {
                slot.tls = TlsPhase::AwaitHello;
            }
            // A peer records the connection from its SYN on: a gateway may
            // reset it before any byte arrives.
            if let (Some(local), Some(remote)) = (socket.local_endpoint(), socket.remote_endpoint())
                && let (IpAddress::Ipv4(ip), IpAddress::Ipv4(client)) = (local.addr, remote.addr)
                && self
                    .by_ip
                    .get(&ip)
                    .and_then(|&s| self.sites.get(s))
                    .is_some_and(|s| s.bittorrent.contains(&local.port))
            {
                slot.contact = Some(self.peer_contacts.len());
                self.peer_contacts.push(PeerContact {
                    peer: (ip, local.port),
                    client,
                    received: Vec::new(),
                    answered: false,
                });
            }
        }
        // Wait for the handshake: only then does the request start arriving.
        if slot.phase == Phase::Reading
            && matches!(state, tcp::State::Established | tcp::State::CloseWait)
        {
            let local = socket.local_endpoint().map(|e| e.addr);
            let site = match local {
                Some(IpAddress::Ipv4(ip)) => self.by_ip.get(&ip).copied(),
                _ => None,
            };
            let port = socket.local_endpoint().map_or(HTTP_PORT, |e| e.port);
            let served = |s: usize| {
                port == HTTP_PORT
                    || port == HTTPS_PORT
                    || self
                        .sites
                        .get(s)
                        .is_some_and(|s| s.ports.contains(&port) || s.bittorrent.contains(&port))
            };
            if !site.is_some_and(served) {
                // Nobody serves that address (or that port of it): refuse,
                // as a closed port would.
                socket.abort();
                slot.phase = Phase::Closing;
                return true;
            }
            while socket.can_recv() {
                let request = &mut slot.request;
                match socket.recv(|buf| {
                    request.extend_from_slice(buf);
                    (buf.len(), buf.len())
                }) {
                    Ok(n) if n > 0 => moved = true,
                    _ => break,
                }
            }
            let answer = if let Some(c) = slot.contact {
                if let Some(contact) = self.peer_contacts.get_mut(c) {
                    contact.received.clone_from(&slot.request);
                }
                match peer::read_handshake(&slot.request) {
                    peer::Read::Partial => None,
                    peer::Read::Handshake { info_hash } => {
                        if let Some(contact) = self.peer_contacts.get_mut(c) {
                            contact.answered = true;
                        }
                        Some(peer::handshake(&info_hash, PEER_ID))
                    }
                    peer::Read::Other => {
                        socket.close();
                        slot.phase = Phase::Closing;
                        return true;
                    }
                }
            } else {
                match slot.tls {
                    TlsPhase::Off => {
                        http_answer(&self.sites, &self.by_host, site, now, &slot.request)
                    }
                    TlsPhase::AwaitHello => match tls::read_client_hello(&slot.request) {
                        None => None,
                        Some(hello) => {
                            let Some(cert) = site
                                .and_then(|s| self.certs.get(s))
                                .and_then(|c| c.as_ref())
                            else {
                                socket.abort();
                                slot.phase = Phase::Closing;
                                return true;
                            };
                            let server_random: [u8; 32] = self.rng.random();
                            let share: [u8; 32] = self.rng.random();
                            slot.request.drain(..hello.len.min(slot.request.len()));
                            slot.tls = TlsPhase::AwaitRequest;
                            Some(tls::server_flight(
                                cert,
                                &hello.random,
                                &server_random,
                                &share,
                            ))
                        }
                    },
                    TlsPhase::AwaitRequest => {
                        let (data, alert) = tls::application_data(&slot.request);
                        if alert {
                            // The browser refused the certificate.
                            socket.close();
                            slot.phase = Phase::Closing;
                            return true;
                        }
                        http_answer(&self.sites, &self.by_host, site, now, &data).map(|resp| {
                            let mut finished = [0u8; 40];
                            self.rng.fill_bytes(&mut finished);
                            slot.tls = TlsPhase::Done;
                            tls::server_finish(&finished, &resp)
                        })
                    }
                    TlsPhase::Done => None,
                }
            };
            if let Some(resp) = answer {
                slot.response = resp;
                slot.sent = 0;
                slot.phase = Phase::Writing;
                if slot.tls != TlsPhase::AwaitRequest {
                    self.responses += 1;
                }
            }
        }
        if slot.phase == Phase::Writing && socket.can_send() {
            if let Ok(n) = socket.send_slice(&slot.response[slot.sent..]) {
                slot.sent += n;
                moved |= n > 0;
            }
            if slot.sent >= slot.response.len() {
                if slot.tls == TlsPhase::AwaitRequest {
                    // The first flight is out: the client's answer comes next.
                    slot.response.clear();
                    slot.sent = 0;
                    slot.phase = Phase::Reading;
                } else {
                    socket.close();
                    slot.phase = Phase::Closing;
                }
                moved = true;
            }
        }
        moved
    }

    /// Keeps [`SPARE_LISTENERS`] sockets listening on each web port.
    fn refill_listeners(&mut self) -> bool {
        let mut moved = false;
        for i in 0..self.web_ports.len() {
            if let Some(&port) = self.web_ports.get(i) {
                moved |= self.refill_port(port);
            }
        }
        moved
    }

    fn refill_port(&mut self, port: u16) -> bool {
        let sockets = &self.sockets;
        let mut listening = self
            .slots
            .iter()
            .filter(|s| {
                s.phase == Phase::Listening
                    && sockets.get::<tcp::Socket>(s.handle).listen_endpoint().port == port
            })
            .count();
        let mut moved = false;
        while listening < SPARE_LISTENERS {
            let idx = match self.slots.iter().position(|s| s.phase == Phase::Free) {
                Some(i) => i,
                None => {
                    let handle = self.sockets.add(tcp::Socket::new(
                        tcp::SocketBuffer::new(vec![0; TCP_RX]),
                        tcp::SocketBuffer::new(vec![0; TCP_TX]),
                    ));
                    self.slots.push(Slot {
                        handle,
                        phase: Phase::Free,
                        request: Vec::new(),
                        response: Vec::new(),
                        sent: 0,
                        tls: TlsPhase::Off,
                        contact: None,
                    });
                    self.slots.len() - 1
                }
            };
            let slot = &mut self.slots[idx];
            let socket = self.sockets.get_mut::<tcp::Socket>(slot.handle);
            if socket.listen(port).is_err() {
                break;
            }
            slot.phase = Phase::Listening;
            listening += 1;
            moved = true;
        }
        moved
    }

    /// Replaces the certificate `host` serves (a certificate renewed, or
    /// left to expire); false if no site has that name.
    pub fn set_certificate(&mut self, host: &str, spec: CertificateSpec) -> bool {
        let Some(&i) = self
            .by_host
            .get(&host.trim_end_matches('.').to_ascii_lowercase())
        else {
            return false;
        };
        let Some(site) = self.sites.get_mut(i) else {
            return false;
        };
        site.certificate = Some(spec);
        let cert = SiteCertificate::new(&site.host, spec.not_before, spec.not_after).ok();
        if let Some(slot) = self.certs.get_mut(i) {
            *slot = cert;
        }
        true
    }

    /// The certificate validity `host` serves, if it is a site.
    pub fn certificate(&self, host: &str) -> Option<CertificateSpec> {
        let i = *self
            .by_host
            .get(&host.trim_end_matches('.').to_ascii_lowercase())?;
        let cert = self.certs.get(i)?.as_ref()?;
        Some(CertificateSpec {
            not_before: cert.not_before,
            not_after: cert.not_after,
        })
    }

    /// Every connection a BitTorrent peer (a site's `bittorrent` port)
    /// accepted, with the bytes it received, oldest first.
    pub fn peer_contacts(&self) -> &[PeerContact] {
        &self.peer_contacts
    }

    /// Sockets the node holds (listening, serving, closing).
    pub fn sockets_in_use(&self) -> usize {
        self.slots.iter().filter(|s| s.phase != Phase::Free).count()
    }

    /// The address a name resolves to in the simulated DNS.
    pub fn resolve(&self, name: &str) -> Option<Ipv4Addr> {
        self.zone
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .copied()
    }

    /// The endpoint DNS queries go to.
    pub fn dns_endpoint(&self) -> IpEndpoint {
        IpEndpoint::new(self.dns_server.into(), 53)
    }
}

/// The HTTP response to `request` once it is complete (`None` before).
fn http_answer(
    sites: &[Site],
    by_host: &HashMap<String, usize>,
    site: Option<usize>,
    now: Instant,
    request: &[u8],
) -> Option<Vec<u8>> {
    match web::parse_request(request) {
        Ok(None) => None,
        Ok(Some(head)) => {
            let site = head
                .host
                .as_deref()
                .and_then(|h| by_host.get(h).copied())
                .or(site);
            Some(
                match site.and_then(|s| sites.get(s)?.pages.iter().find(|p| p.path == head.target))
                {
                    Some(page) => web::response(now, page.status, &page.content_type, &page.body),
                    None => web::response(now, 404, "text/html", NOT_FOUND),
                },
            )
        }
        Err(web::MalformedRequest) => Some(web::response(now, 400, "text/html", BAD_REQUEST)),
    }
}

const NOT_FOUND: &str =
    "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n";
const BAD_REQUEST: &str =
    "<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1></body></html>\n";
