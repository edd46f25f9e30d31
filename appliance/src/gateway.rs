//! The gateway: one sans-I/O core between the office LAN and the WAN.
//!
//! It runs in bridge mode (Cloud Edge's transparent deployment): frames that
//! pass are forwarded unchanged to the other port; frames that a policy stops
//! are dropped, answered (a block page, a reset) or rewritten. Time comes in as
//! an argument; the caller drains [`Actions`] after every call.
//!
//! How a C&C request is stopped on the wire (the twin's hosts run real TCP
//! stacks, so this has to be a conversation both ends accept):
//!
//! 1. A LAN-initiated TCP flow's client stream is reassembled; while a request
//!    header is incomplete, the client's data segments are *held*, not
//!    forwarded (pure ACKs still pass). A clean header releases them.
//! 2. A header that hits the C&C list is never forwarded. The client gets a
//!    403 block page from the server's address and port, with the sequence
//!    number the server would use next, acknowledging the request, and FIN;
//!    the server gets a RST in the client's name at the point where the
//!    request would have started.
//! 3. The flow is then *blocked*: every further frame of it is consumed. The
//!    client's FIN is ACKed so it closes without retransmitting; a client
//!    retransmitting its request (it never saw the page) gets the page again,
//!    a bounded number of times, without a new event.
//!
//! A listed server IP is refused earlier, at the SYN, with a RST to the client.
//!
//! Each complete request goes through the engines in a fixed order: C&C
//! first, then the web pipeline (`inspect::web`: allow list, block list, web
//! reputation, URL filtering / application control rules). A client stream
//! that is not HTTP is read as TLS: the ClientHello's SNI goes through the
//! same web pipeline (a block is a RST both ways and the reason in the log:
//! no page can be shown inside TLS), and the server's certificate, in clear
//! in TLS 1.2, is checked for its validity dates. Other streams are checked
//! for an application's handshake (BitTorrent), else passed uninspected.

use crate::access::AccessRecord;
use crate::alert::Alert;
use crate::config::Config;
use crate::event::{Action, Engine, Event};
use crate::inspect::anti_malware::Scanner;
use crate::inspect::app_control::{self, StreamId};
use crate::inspect::network::{Fate, FlowView, Input, NetStats, NetworkStage};
use crate::inspect::notify::{self, Parties};
use crate::inspect::web::{self, Access, WebRequest};
use crate::inspect::{Detection, Verdict, block_page, cnc, url_filter, web_reputation};
use crate::intel::Intel;
use crate::proto::{dns, http, tls};
use crate::reason::Reason;
use crate::time::Instant;
use crate::wire::flow::{FlowKey, FlowTable, Proto, TcpState, TcpTrack};
use crate::wire::forge::{self, Endpoints, TcpSpec};
use crate::wire::frame::{self, Datagram, Flags, L4, Packet, Parsed, TcpSeg};
use crate::wire::reassembly::{Push, Reassembler};
use crate::wire::seq;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

mod download;
mod mail_flow;

/// The gateway's two network ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    Lan,
    Wan,
}

impl Port {
    pub fn other(self) -> Port {
        match self {
            Port::Lan => Port::Wan,
            Port::Wan => Port::Lan,
        }
    }
}

/// A frame the gateway emits on one of its ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emit {
    pub port: Port,
    pub frame: Vec<u8>,
}

/// Everything a call into the gateway produced. The caller drains it.
#[derive(Debug, Default)]
pub struct Actions {
    pub frames: Vec<Emit>,
    pub events: Vec<Event>,
    pub alerts: Vec<Alert>,
    /// Requests let through, for the allowed-traffic statistics (never logged
    /// per access; see [`crate::access`]).
    pub stats: Vec<crate::access::AccessRecord>,
    /// Web accesses the engines looked at (HTTP requests, TLS SNIs), for
    /// the internet access statistics; allowed ones are not logged as events.
    pub accesses: Vec<Access>,
}

impl Actions {
    pub fn clear(&mut self) {
        self.frames.clear();
        self.events.clear();
        self.alerts.clear();
        self.stats.clear();
        self.accesses.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
            && self.events.is_empty()
            && self.alerts.is_empty()
            && self.stats.is_empty()
    }
}

/// The outcome of deploying a new configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The new configuration is live.
    Success { version: u32 },
    /// Refused; the previous configuration stays live.
    Failed { kept_version: u32, reason: String },
}

/// Counters of what the gateway did with frames, for tests and the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames_in: u64,
    /// Frames passed to the other port unchanged.
    pub forwarded: u64,
    /// Frames refused by the checked parsers (see `wire::frame`), and LAN
    /// SYNs carrying data.
    pub malformed: u64,
    /// IPv4 fragments of TCP, dropped.
    pub tcp_fragments: u64,
    /// Frames of blocked or reset flows, and absorbed retransmissions.
    pub consumed: u64,
    /// Frames the gateway built itself (block pages, RSTs, ACKs).
    pub forged: u64,
    /// Client segments dropped for rewriting bytes already received.
    pub conflicts: u64,
    pub flows_created: u64,
    pub flows_expired: u64,
    pub flows_evicted: u64,
    /// Flows whose client stream is no longer read as HTTP (not HTTP at all,
    /// or over the header/buffer limits): passed as is.
    pub gave_up: u64,
}

/// Most flows tracked at once; beyond it the flow nearest expiry is evicted.
pub const MAX_FLOWS: usize = 16_384;
/// Bytes of client stream a flow may buffer (reassembly and held frames).
pub const MAX_STREAM_BUFFER: usize = 64 * 1024;
/// TTL of forged frames: what a Linux-based appliance uses.
pub const FORGED_TTL: u8 = 64;

const TIMEOUT_HANDSHAKE: Duration = Duration::from_secs(30);
const TIMEOUT_ESTABLISHED: Duration = Duration::from_secs(600);
const TIMEOUT_CLOSING: Duration = Duration::from_secs(30);
const TIMEOUT_CLOSED: Duration = Duration::from_secs(10);
/// Blocked and reset flows are remembered this long so late retransmissions
/// (a client backing off for a minute and more) are consumed, not re-detected.
const TIMEOUT_BLOCKED: Duration = Duration::from_secs(120);
const TIMEOUT_UDP: Duration = Duration::from_secs(60);
/// Held frames per flow, besides the byte bound.
const MAX_HELD_FRAMES: usize = 128;
/// How often a blocked client retransmitting its request gets the page again.
const MAX_PAGE_RESENDS: u8 = 3;
/// MSS assumed when the client's SYN was not seen (RFC 1122 default).
const DEFAULT_MSS: u16 = 536;
const MAX_DNS_NAMES: usize = 4096;
const MAX_ALERTED_HOSTS: usize = 4096;

/// Per-flow state.
enum Flow {
    Tcp(Box<TcpFlow>),
    Udp,
}

struct TcpFlow {
    track: TcpTrack,
    mode: Mode,
}

enum Mode {
    /// Reading the client stream for HTTP requests.
    Inspect(HttpInspect),
    /// Nothing (more) to inspect: forward both ways.
    Pass,
    /// The SYN went to a listed IP and was answered with a RST.
    ResetAtSyn,
    /// A request was blocked; the rest of the flow is consumed.
    Blocked(Blocked),
    /// SMTP/POP3 terminated by the mail proxy (`crate::proxy`).
    Mail(Box<mail_flow::MailFlow>),
    /// A TLS flow whose ClientHello passed: the server's first flight is
    /// read for its certificate; frames pass both ways meanwhile.
    Tls(TlsWatch),
}

struct TlsWatch {
    sni: Option<String>,
    server: Reassembler,
}

#[derive(Default)]
struct HttpInspect {
    /// Created at the client's first data (or SYN).
    stream: Option<Reassembler>,
    /// Client frames not forwarded yet, in arrival order.
    held: Vec<Vec<u8>>,
    held_bytes: usize,
    /// Body bytes of a passed request still to skip.
    body_left: usize,
    /// The chunked body of a passed request, being skipped.
    chunked: Option<crate::proto::chunked::ChunkedSkip>,
    /// The server's side: responses scanned by anti-malware.
    downloads: Box<download::Downloads>,
    /// HTTP requests already read on this connection. A stream that turns
    /// into something else after one is not let through uninspected.
    requests_seen: u32,
}

struct Blocked {
    /// Server -> client addressing (swapped from the client's frames).
    to_client: Endpoints,
    page: Vec<u8>,
    page_seq: u32,
    /// The acknowledgement number the page carried.
    page_ack: u32,
    mss: u16,
    resends: u8,
}

impl Blocked {
    /// Sequence number just after the page's FIN.
    fn end_seq(&self) -> u32 {
        seq::add(self.page_seq, self.page.len() + 1)
    }
}

/// The gateway core.
pub struct Gateway {
    config: Config,
    intel: Box<dyn Intel + Send>,
    flows: FlowTable<Flow>,
    /// Addresses the office resolved, with the name asked for.
    dns_names: BTreeMap<Ipv4Addr, String>,
    /// When each source host last caused an alert.
    alerted: BTreeMap<Ipv4Addr, Instant>,
    /// Frames forged so far: the input of their IPv4 identification.
    forge_counter: u64,
    stats: Stats,
    /// The packet-level protections run before the flow handling.
    net: NetworkStage,
    /// Anti-malware, compiled from the config and the intel's patterns.
    scanner: Scanner,
}

impl Gateway {
    pub fn new(config: Config, intel: impl Intel + Send + 'static) -> Self {
        Gateway {
            net: NetworkStage::new(&config),
            flows: FlowTable::new(config.flow_table.max_flows),
            scanner: Scanner::new(&config.anti_malware, &intel),
            config,
            intel: Box::new(intel),
            dns_names: BTreeMap::new(),
            alerted: BTreeMap::new(),
            forge_counter: 0,
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What the gateway has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Flows currently tracked.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// A frame arrived on `port` at `now`.
    pub fn handle(&mut self, now: Instant, port: Port, frame: &[u8], out: &mut Actions) {
        self.stats.frames_in += 1;
        let packet = match frame::parse(frame) {
            Ok(Parsed::Other) => {
                self.net.other_frame(&self.config, now, port, frame);
                return self.forward(port, frame, out);
            }
            Ok(Parsed::Ipv4(packet)) => packet,
            Err(_) => {
                self.stats.malformed += 1;
                return;
            }
        };
        let first_event = out.events.len();
        if !self.protect(now, port, frame, &packet, out) {
            return;
        }
        match &packet.l4 {
            L4::Tcp(seg) => self.handle_tcp(now, port, frame, &packet, seg, out),
            L4::Udp(dgram) => self.handle_udp(now, port, frame, &packet, dgram, out),
            L4::Fragment { protocol } if *protocol == 6 => self.stats.tcp_fragments += 1,
            L4::Fragment { .. } | L4::Other { .. } => self.forward(port, frame, out),
        }
        self.net.after(
            &self.config,
            now,
            out.events.get(first_event..).unwrap_or(&[]),
        );
    }

    /// Timers: flow expiry and anything else due at `now`.
    pub fn poll(&mut self, now: Instant, out: &mut Actions) {
        let expired = self.flows.expire(now);
        let mut gone = 0;
        for (key, flow) in expired {
            // Mail proxies also use the deadline for their retransmission
            // timers: those flows come back unless they went idle.
            match flow {
                Flow::Tcp(mut tcp) if matches!(tcp.mode, Mode::Mail(_)) => {
                    if let Some(deadline) = self.mail_poll(now, &mut tcp, out) {
                        self.flows.insert(key, Flow::Tcp(tcp), deadline);
                    } else {
                        gone += 1;
                    }
                }
                _ => gone += 1,
            }
        }
        self.stats.flows_expired += gone;
    }

    /// When the gateway next wants [`Gateway::poll`] called, if ever.
    pub fn poll_at(&self) -> Option<Instant> {
        self.flows.next_deadline()
    }

    /// Replaces the configuration atomically. The version comes with the
    /// configuration and must go up; otherwise the old one stays live.
    pub fn deploy(&mut self, config: Config) -> DeployOutcome {
        let current = self.config.version;
        if config.version <= current {
            return DeployOutcome::Failed {
                kept_version: current,
                reason: format!(
                    "version {} is not newer than the running version {current}",
                    config.version
                ),
            };
        }
        self.scanner = Scanner::new(&config.anti_malware, self.intel.as_ref());
        self.config = config;
        self.net.reconfigure(&self.config);
        DeployOutcome::Success {
            version: self.config.version,
        }
    }

    /// The device list (endpoint identification).
    pub fn devices(&self) -> &crate::inspect::devices::Devices {
        &self.net.devices
    }

    /// Hosts flagged by the C&C callback-host rule, and when.
    pub fn callback_hosts(&self) -> &BTreeMap<Ipv4Addr, Instant> {
        self.net.callback_hosts()
    }

    /// What the packet-level protections did so far.
    pub fn net_stats(&self) -> NetStats {
        self.net.stats
    }

    /// The packet-level protections (`inspect::network`); false if they
    /// disposed of the frame.
    fn protect(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        out: &mut Actions,
    ) -> bool {
        let ports = match &packet.l4 {
            L4::Tcp(seg) => Some((Proto::Tcp, seg.src_port, seg.dst_port)),
            L4::Udp(d) => Some((Proto::Udp, d.src_port, d.dst_port)),
            _ => None,
        };
        let mut flow = FlowView::default();
        let mut table_full = false;
        if let Some((proto, sport, dport)) = ports {
            let key = FlowKey::oriented(proto, port, (packet.src, sport), (packet.dst, dport));
            match self.flows.get(&key) {
                Some(Flow::Tcp(f)) => {
                    flow = FlowView {
                        known: true,
                        initiator: Some(f.track.initiator),
                        established: matches!(
                            f.track.state,
                            TcpState::Established | TcpState::Closing
                        ),
                    };
                }
                Some(Flow::Udp) => {
                    flow = FlowView {
                        known: true,
                        initiator: None,
                        established: true,
                    };
                }
                None => table_full = self.flows.is_full(),
            }
        }
        let remote = match port {
            Port::Lan => packet.dst,
            Port::Wan => packet.src,
        };
        let input = Input {
            now,
            port,
            frame,
            packet,
            flow,
            table_full,
            remote_name: self.dns_names.get(&remote).map(String::as_str),
        };
        match self.net.inspect(&self.config, &input, &mut out.events) {
            Fate::Continue => true,
            Fate::Drop => {
                self.stats.consumed += 1;
                false
            }
            Fate::Uninspected => {
                self.forward(port, frame, out);
                false
            }
            Fate::Reset => {
                self.stats.consumed += 1;
                if let L4::Tcp(seg) = &packet.l4 {
                    self.reset_sender(port, packet, seg, out);
                }
                false
            }
        }
    }

    /// RST|ACK back to the sender of `seg`, in its peer's name.
    fn reset_sender(
        &mut self,
        port: Port,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        out: &mut Actions,
    ) {
        let to_sender = Endpoints {
            src_mac: packet.dst_mac,
            dst_mac: packet.src_mac,
            src: packet.dst,
            dst: packet.src,
            src_port: seg.dst_port,
            dst_port: seg.src_port,
        };
        let spec = TcpSpec {
            seq: if seg.flags.ack { seg.ack } else { 0 },
            ack: seq::add(seg.seq, seg.seq_len()),
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            window: 0,
            mss: None,
            payload: b"",
        };
        self.emit_forged(port, &to_sender, &spec, out);
    }

    /// The cloud's answers changed (a site re-rated, a list updated): later
    /// decisions use `intel`; flows already decided keep their verdict.
    pub fn replace_intel(&mut self, intel: impl Intel + Send + 'static) {
        self.intel = Box::new(intel);
    }

    fn forward(&mut self, port: Port, frame: &[u8], out: &mut Actions) {
        self.stats.forwarded += 1;
        out.frames.push(Emit {
            port: port.other(),
            frame: frame.to_vec(),
        });
    }

    fn handle_udp(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        dgram: &Datagram<'_>,
        out: &mut Actions,
    ) {
        let key = FlowKey::oriented(
            Proto::Udp,
            port,
            (packet.src, dgram.src_port),
            (packet.dst, dgram.dst_port),
        );
        if self.flows.get(&key).is_some() {
            self.flows.set_deadline(&key, now + TIMEOUT_UDP);
        } else {
            self.insert_flow(key, Flow::Udp, now + TIMEOUT_UDP);
        }
        if port == Port::Wan
            && dgram.src_port == 53
            && let Some(msg) = dns::parse(dgram.payload)
            && msg.response
        {
            for (name, ip) in msg.a_records {
                // Name the address after what the PC asked for (the first
                // question), not a CNAME target in the chain.
                let asked = msg.questions.first().cloned().unwrap_or(name);
                if self.dns_names.len() >= MAX_DNS_NAMES && !self.dns_names.contains_key(&ip) {
                    self.dns_names.pop_first();
                }
                self.dns_names.insert(ip, asked);
            }
        }
        self.forward(port, frame, out);
    }

    fn insert_flow(&mut self, key: FlowKey, flow: Flow, deadline: Instant) {
        self.stats.flows_created += 1;
        if self.flows.insert(key, flow, deadline).is_some() {
            self.stats.flows_evicted += 1;
        }
    }

    fn handle_tcp(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        out: &mut Actions,
    ) {
        let key = FlowKey::oriented(
            Proto::Tcp,
            port,
            (packet.src, seg.src_port),
            (packet.dst, seg.dst_port),
        );
        if port == Port::Lan && seg.flags.syn && !seg.payload.is_empty() {
            // Data on a SYN (TCP Fast Open) would reach the server before any
            // request header could be read; the office's stacks never send
            // it, so it is refused and the client falls back to a plain SYN.
            self.stats.malformed += 1;
            return;
        }
        let fresh_syn = seg.flags.syn && !seg.flags.ack;
        let known = match self.flows.get(&key) {
            Some(Flow::Tcp(flow)) => {
                // A SYN with a new ISN from the side that opened the flow is
                // a new connection (a reused port): start over rather than
                // inherit a verdict. A SYN from the other side cannot take
                // over a flow and its inspection.
                !(fresh_syn && port == flow.track.initiator && flow.track.isn != Some(seg.seq))
            }
            Some(Flow::Udp) | None => false,
        };
        if !known {
            if seg.flags.rst {
                // Nothing to track: a reset for a connection we never saw.
                // One carrying data (diagnostic text, RFC 1122) is dropped
                // rather than passed uninspected.
                if seg.payload.is_empty() {
                    self.forward(port, frame, out);
                } else {
                    self.stats.consumed += 1;
                }
                return;
            }
            self.start_tcp_flow(now, port, frame, packet, seg, key, out);
            return;
        }
        let Some(Flow::Tcp(mut flow)) = self.flows.remove(&key) else {
            return;
        };
        self.continue_tcp_flow(now, port, frame, packet, seg, &mut flow, out);
        let deadline = mail_flow::deadline(now, &flow.mode).unwrap_or(now + timeout(&flow));
        // Re-inserting what was just removed cannot evict anything.
        self.flows.insert(key, Flow::Tcp(flow), deadline);
    }

    #[allow(clippy::too_many_arguments)]
    fn start_tcp_flow(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        key: FlowKey,
        out: &mut Actions,
    ) {
        let track = TcpTrack::start(port, seg);
        let fresh_syn = seg.flags.syn && !seg.flags.ack;
        let mut flow = Box::new(TcpFlow {
            track,
            mode: Mode::Pass,
        });
        if port == Port::Wan
            && fresh_syn
            && let Some(mode) = self.mail_mode(now, port, packet, seg, out)
        {
            flow.mode = mode;
            self.insert_flow(key, Flow::Tcp(flow), now + TIMEOUT_HANDSHAKE);
            return self.forward(port, frame, out);
        }
        if port == Port::Lan && fresh_syn {
            let name = self.dns_names.get(&packet.dst).cloned();
            let verdict = cnc::inspect_syn(
                packet.dst,
                name.as_deref(),
                &self.config.cnc,
                self.intel.as_ref(),
            );
            if let Verdict::Detect(d) = verdict {
                self.report(now, &d, packet, seg.dst_port, out);
                if d.action == Action::Reset {
                    self.reset_syn(packet, seg, out);
                    flow.mode = Mode::ResetAtSyn;
                    self.stats.consumed += 1;
                    self.insert_flow(key, Flow::Tcp(flow), now + TIMEOUT_BLOCKED);
                    return;
                }
            }
            if let Some(mode) = self.mail_mode(now, port, packet, seg, out) {
                flow.mode = mode;
                self.insert_flow(key, Flow::Tcp(flow), now + TIMEOUT_HANDSHAKE);
                return self.forward(port, frame, out);
            }
            flow.mode = Mode::Inspect(HttpInspect {
                stream: Some(Reassembler::new(seq::add(seg.seq, 1), MAX_STREAM_BUFFER)),
                ..HttpInspect::default()
            });
            self.insert_flow(key, Flow::Tcp(flow), now + TIMEOUT_HANDSHAKE);
            return self.forward(port, frame, out);
        }
        if !fresh_syn {
            // Picked up mid-stream (the gateway restarted, or the flow was
            // evicted): the LAN side is taken as the client, and its stream
            // is read from the first data byte seen.
            flow.mode = Mode::Inspect(HttpInspect::default());
            self.dispatch(now, port, frame, packet, seg, &mut flow, out);
            let deadline = now + timeout(&flow);
            self.insert_flow(key, Flow::Tcp(flow), deadline);
            return;
        }
        // Inbound connections (from the WAN) are not C&C callbacks.
        self.insert_flow(key, Flow::Tcp(flow), now + TIMEOUT_HANDSHAKE);
        self.forward(port, frame, out);
    }

    /// Handles a segment of a known flow.
    #[allow(clippy::too_many_arguments)]
    fn continue_tcp_flow(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        if !matches!(flow.mode, Mode::ResetAtSyn | Mode::Blocked(_)) {
            flow.track.observe(port, seg);
        }
        self.dispatch(now, port, frame, packet, seg, flow, out)
    }

    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        match &mut flow.mode {
            Mode::Pass => {
                self.forward(port, frame, out);
            }
            Mode::Mail(_) => self.mail_segment(now, port, frame, seg, flow, out),
            Mode::ResetAtSyn => {
                self.stats.consumed += 1;
                if port == Port::Lan && seg.flags.syn && !seg.flags.ack {
                    // The same SYN again: same answer, no new event.
                    self.reset_syn(packet, seg, out);
                }
            }
            Mode::Blocked(blocked) => {
                self.stats.consumed += 1;
                if port == Port::Lan {
                    self.blocked_client_segment(seg, blocked, out);
                }
            }
            Mode::Inspect(_) if port == Port::Wan => {
                self.download_segment(now, frame, packet, seg, flow, out);
            }
            Mode::Tls(_) if port == Port::Lan => {
                self.forward(port, frame, out);
            }
            Mode::Tls(_) => {
                self.tls_server_segment(now, frame, packet, seg, flow, out);
            }
            Mode::Inspect(_) => {
                self.inspect_client_segment(now, frame, packet, seg, flow, out);
            }
        }
    }

    /// A client segment of a flow under HTTP inspection.
    fn inspect_client_segment(
        &mut self,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        let Mode::Inspect(insp) = &mut flow.mode else {
            return self.forward(Port::Lan, frame, out);
        };
        if seg.payload.is_empty() {
            // SYNs, ACKs, window updates and RSTs carry nothing to inspect;
            // a FIN must not overtake held data, so it waits with it.
            if seg.flags.fin && !insp.held.is_empty() {
                insp.held_bytes += frame.len();
                insp.held.push(frame.to_vec());
            } else {
                self.forward(Port::Lan, frame, out);
            }
            return;
        }
        let stream = insp
            .stream
            .get_or_insert_with(|| Reassembler::new(seg.seq, MAX_STREAM_BUFFER));
        match stream.push(seg.seq, seg.payload) {
            Push::Duplicate if insp.held.is_empty() => {
                // A retransmission of bytes the server already has.
                return self.forward(Port::Lan, frame, out);
            }
            Push::Duplicate => {
                // The original is held and will be forwarded (or blocked).
                self.stats.consumed += 1;
                return;
            }
            Push::Conflict => {
                // Different bytes for the same sequence numbers: never let
                // the server see a version the engines did not.
                self.stats.conflicts += 1;
                return;
            }
            Push::Overflow | Push::OutOfWindow => {
                insp.held.push(frame.to_vec());
                return self.give_up(flow, out);
            }
            Push::InOrder(_) | Push::Buffered => {
                insp.held_bytes += frame.len();
                insp.held.push(frame.to_vec());
            }
        }
        if insp.held.len() > MAX_HELD_FRAMES || insp.held_bytes > 2 * MAX_STREAM_BUFFER {
            return self.give_up(flow, out);
        }
        self.read_requests(now, packet, seg, flow, out);
    }

    /// Reads every complete request now in the client stream.
    fn read_requests(
        &mut self,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        loop {
            let Mode::Inspect(insp) = &mut flow.mode else {
                return;
            };
            let Some(stream) = insp.stream.as_mut() else {
                return;
            };
            if insp.body_left > 0 {
                let n = insp.body_left.min(stream.ready().len());
                stream.consume(n);
                insp.body_left -= n;
                if insp.body_left > 0 {
                    break;
                }
            }
            if let Some(chunked) = insp.chunked.as_mut() {
                match chunked.skip(stream.ready()) {
                    Ok(n) => {
                        stream.consume(n);
                        if !chunked.is_done() {
                            break;
                        }
                        insp.chunked = None;
                    }
                    // Framing a server would not follow either: inspection
                    // resumes at the next line that starts a request (the
                    // junk path below), never stops.
                    Err(_) => insp.chunked = None,
                }
            }
            if stream.ready().is_empty() {
                break;
            }
            if matches!(stream.ready().first(), Some(0x16 | 0x13)) {
                // A TLS handshake record or a BitTorrent handshake: the
                // HTTP parser would wait for a line end that never comes.
                return self.not_http(now, packet, seg, flow, out);
            }
            let (request, header_len) = match http::parse_request(stream.ready()) {
                http::Parse::Partial => break,
                http::Parse::NotHttp if insp.requests_seen > 0 => {
                    // HTTP, then bytes that are not a request: header lines
                    // of an HTTP/0.9-style request, or junk hiding a request
                    // behind it. Giving up here would pass everything after
                    // it uninspected, so skip to the next line that starts a
                    // request and keep inspecting.
                    let ready = stream.ready();
                    let skip = http::next_request_start(ready).unwrap_or_else(|| {
                        ready
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map_or(ready.len(), |i| i + 1)
                    });
                    stream.consume(skip.max(1).min(ready.len()));
                    continue;
                }
                http::Parse::NotHttp => return self.not_http(now, packet, seg, flow, out),
                http::Parse::TooLong => return self.give_up(flow, out),
                http::Parse::Complete {
                    request,
                    header_len,
                } => (request, header_len),
            };
            let verdict = cnc::inspect_request(
                &request,
                packet.dst,
                seg.dst_port,
                &self.config.cnc,
                self.intel.as_ref(),
            );
            if let Verdict::Detect(d) = verdict {
                self.report(now, &d, packet, seg.dst_port, out);
                if d.action == Action::Block {
                    return self.block(packet, seg, flow, &d, out);
                }
            }
            if let Some(d) = self.web_request(now, &request, packet, seg.dst_port, out) {
                return self.block(packet, seg, flow, &d, out);
            }
            let Mode::Inspect(insp) = &mut flow.mode else {
                return;
            };
            let Some(stream) = insp.stream.as_mut() else {
                return;
            };
            let category = out.accesses.last().and_then(|a| a.category.clone());
            let mut record = AccessRecord::http(now, packet.src, &request, header_len);
            record.category = category;
            out.stats.push(record);
            stream.consume(header_len);
            insp.requests_seen = insp.requests_seen.saturating_add(1);
            insp.downloads.note_request(&request);
            if request.chunked {
                // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3).
                insp.chunked = Some(crate::proto::chunked::ChunkedSkip::new());
            } else {
                insp.body_left = request.content_length.unwrap_or(0);
            }
        }
        let Mode::Inspect(insp) = &mut flow.mode else {
            return;
        };
        let idle = insp
            .stream
            .as_ref()
            .is_none_or(|s| s.ready().is_empty() && !s.has_gap());
        if idle {
            self.release(insp, out);
        }
    }

    fn release(&mut self, insp: &mut HttpInspect, out: &mut Actions) {
        insp.held_bytes = 0;
        for held in std::mem::take(&mut insp.held) {
            self.stats.forwarded += 1;
            out.frames.push(Emit {
                port: Port::Wan,
                frame: held,
            });
        }
    }

    /// Stops inspecting a flow and lets it through, held frames first.
    fn give_up(&mut self, flow: &mut TcpFlow, out: &mut Actions) {
        self.stats.gave_up += 1;
        if let Mode::Inspect(insp) = &mut flow.mode {
            let mut insp = std::mem::take(insp);
            self.release(&mut insp, out);
        }
        flow.mode = Mode::Pass;
    }

    /// Runs the web pipeline on a request C&C let through: logs its
    /// detections and the access, and returns the detection that blocks it.
    fn web_request(
        &mut self,
        now: Instant,
        request: &http::Request,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) -> Option<Detection> {
        let fallback = if dst_port == 80 {
            packet.dst.to_string()
        } else {
            format!("{}:{dst_port}", packet.dst)
        };
        let host = request
            .host_name()
            .unwrap_or_else(|| packet.dst.to_string());
        let url = request.url(&fallback);
        let path = request_path(&request.target);
        let req = WebRequest {
            now,
            src_ip: packet.src,
            src_mac: packet.src_mac.0,
            host: &host,
            path: Some(path),
            url: &url,
        };
        self.web_decide(&req, packet, dst_port, out)
    }

    fn web_decide(
        &mut self,
        req: &WebRequest<'_>,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) -> Option<Detection> {
        let decision = web::inspect(req, &self.config.policy, self.intel.as_ref());
        let category = decision.category.as_deref().map(str::to_string);
        let mut detection = decision.detection(req);
        if req.path.is_none()
            && let Some(d) = &mut detection
            && d.action == Action::Block
        {
            // Inside TLS no page can be shown: a block is a reset.
            d.action = Action::Reset;
        }
        if let Some(d) = &detection {
            self.report(req.now, d, packet, dst_port, out);
        }
        let blocking = detection.filter(|d| matches!(d.action, Action::Block | Action::Reset));
        out.accesses.push(Access {
            time: req.now,
            src_ip: packet.src,
            dst_ip: packet.dst,
            dst_port,
            host: req.host.to_string(),
            url: req.url.to_string(),
            tls: req.path.is_none(),
            category,
            blocked: blocking.is_some(),
        });
        blocking
    }

    /// A client stream that is not HTTP: TLS, a known application's
    /// handshake, or something the gateway passes uninspected.
    fn not_http(
        &mut self,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        let Mode::Inspect(insp) = &mut flow.mode else {
            return;
        };
        let Some(stream) = insp.stream.as_ref() else {
            return self.give_up(flow, out);
        };
        let ready = stream.ready();
        match tls::client_hello(ready) {
            // Wait for the rest of the hello (the frames stay held).
            tls::ClientHello::Partial => {}
            tls::ClientHello::Hello { sni } => self.client_hello(now, packet, seg, flow, sni, out),
            tls::ClientHello::NotTls => match app_control::identify_stream(ready) {
                StreamId::NeedMore => {}
                StreamId::Unknown => self.give_up(flow, out),
                StreamId::App(app) => {
                    let host = packet.dst.to_string();
                    let url = format!("{}:{}", packet.dst, seg.dst_port);
                    let req = WebRequest {
                        now,
                        src_ip: packet.src,
                        src_mac: packet.src_mac.0,
                        host: &host,
                        path: None,
                        url: &url,
                    };
                    match url_filter::rules(&req, None, Some(app), &self.config.policy) {
                        Some(mut d) => {
                            if d.action == Action::Block {
                                d.action = Action::Reset;
                            }
                            self.report(now, &d, packet, seg.dst_port, out);
                            if d.action == Action::Reset {
                                self.reset_held(packet, seg, flow, out);
                            } else {
                                self.give_up(flow, out);
                            }
                        }
                        None => self.give_up(flow, out),
                    }
                }
            },
        }
    }

    /// A complete ClientHello: the SNI through the web pipeline.
    fn client_hello(
        &mut self,
        now: Instant,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        sni: Option<String>,
        out: &mut Actions,
    ) {
        if let Some(name) = &sni {
            let url = if seg.dst_port == 443 {
                format!("https://{name}/")
            } else {
                format!("https://{name}:{}/", seg.dst_port)
            };
            let req = WebRequest {
                now,
                src_ip: packet.src,
                src_mac: packet.src_mac.0,
                host: name,
                path: None,
                url: &url,
            };
            if self.web_decide(&req, packet, seg.dst_port, out).is_some() {
                return self.reset_held(packet, seg, flow, out);
            }
        }
        let Mode::Inspect(insp) = &mut flow.mode else {
            return;
        };
        let mut insp = std::mem::take(insp);
        let hello_len = insp.stream.as_ref().map_or(0, |s| s.ready().len());
        let category = out.accesses.last().and_then(|a| a.category.clone());
        out.stats.push(AccessRecord {
            time: now,
            src_ip: packet.src,
            host: sni.clone(),
            category: if sni.is_some() { category } else { None },
            bytes: hello_len as u64,
        });
        self.release(&mut insp, out);
        flow.mode = match flow.track.wan.next {
            Some(server_next) => Mode::Tls(TlsWatch {
                sni,
                server: Reassembler::new(server_next, MAX_STREAM_BUFFER),
            }),
            // The server's handshake was not seen: nothing to anchor its stream.
            None => Mode::Pass,
        };
    }

    /// A server segment of a TLS flow: look for its certificate.
    fn tls_server_segment(
        &mut self,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        let Mode::Tls(watch) = &mut flow.mode else {
            return self.forward(Port::Wan, frame, out);
        };
        if seg.payload.is_empty() {
            return self.forward(Port::Wan, frame, out);
        }
        match watch.server.push(seg.seq, seg.payload) {
            Push::InOrder(_) | Push::Buffered | Push::Duplicate => {}
            Push::Conflict | Push::Overflow | Push::OutOfWindow => {
                flow.mode = Mode::Pass;
                return self.forward(Port::Wan, frame, out);
            }
        }
        let info = match tls::server_certificate(watch.server.ready()) {
            tls::ServerCert::Partial => return self.forward(Port::Wan, frame, out),
            tls::ServerCert::Hidden => {
                flow.mode = Mode::Pass;
                return self.forward(Port::Wan, frame, out);
            }
            tls::ServerCert::Cert(info) => info,
        };
        let host = watch.sni.clone().unwrap_or_else(|| packet.src.to_string());
        let url = format!("https://{host}/");
        flow.mode = Mode::Pass;
        let Some(d) = web_reputation::inspect_certificate(
            &host,
            &url,
            info.not_before,
            info.not_after,
            now,
            &self.config.policy.web_reputation,
        ) else {
            return self.forward(Port::Wan, frame, out);
        };
        // The event names the client as its source, like every web event.
        let client = Packet {
            src_mac: packet.dst_mac,
            dst_mac: packet.src_mac,
            src: packet.dst,
            dst: packet.src,
            l4: packet.l4.clone(),
        };
        self.report(now, &d, &client, seg.src_port, out);
        if d.action != Action::Reset {
            return self.forward(Port::Wan, frame, out);
        }
        // The segment completing the certificate is not delivered: the
        // client gets a RST where it would have started, the server one
        // at the client's next sequence number.
        self.stats.consumed += 1;
        let to_client = Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        };
        let client_next = flow.track.lan.next.unwrap_or(seg.ack);
        let server_next = seq::add(seg.seq, seg.payload.len());
        self.emit_rst(Port::Lan, &to_client, seg.seq, client_next, out);
        self.emit_rst(
            Port::Wan,
            &to_client.reversed(),
            client_next,
            server_next,
            out,
        );
        flow.mode = Mode::ResetAtSyn;
    }

    /// Refuses a flow whose held client bytes (a ClientHello, a peer
    /// handshake) were blocked: RST to both ends, nothing forwarded.
    fn reset_held(
        &mut self,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        let Mode::Inspect(insp) = &mut flow.mode else {
            return;
        };
        let (held_start, client_next) = match &insp.stream {
            Some(s) => (s.ready_seq(), s.next_seq()),
            None => (seg.seq, seq::add(seg.seq, seg.payload.len())),
        };
        self.stats.consumed += insp.held.len() as u64;
        let from_client = Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        };
        let server_next = flow.track.wan.next.unwrap_or(seg.ack);
        self.emit_rst(
            Port::Lan,
            &from_client.reversed(),
            server_next,
            client_next,
            out,
        );
        self.emit_rst(Port::Wan, &from_client, held_start, server_next, out);
        // Consumed from now on, like a flow reset at its SYN.
        flow.mode = Mode::ResetAtSyn;
    }

    fn emit_rst(&mut self, port: Port, ends: &Endpoints, seq_no: u32, ack: u32, out: &mut Actions) {
        let spec = TcpSpec {
            seq: seq_no,
            ack,
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            window: 0,
            mss: None,
            payload: b"",
        };
        self.emit_forged(port, ends, &spec, out);
    }

    /// Logs a detection, and alerts the desk if this host has not caused an
    /// alert within the hold-down.
    fn report(
        &mut self,
        now: Instant,
        detection: &Detection,
        packet: &Packet<'_>,
        dst_port: u16,
        out: &mut Actions,
    ) {
        let parties = Parties {
            src_ip: packet.src,
            src_mac: packet.src_mac.to_string(),
            dst_ip: packet.dst,
            dst_port,
        };
        let event = notify::event(now, detection, &parties);
        let alerts = &self.config.alerts;
        // Immediate alerts are for C&C callbacks (FAQ Q7); web blocks are
        // logged and reported monthly.
        if alerts.enabled && detection.engine == Engine::Cnc {
            let hold = Duration::from_secs(alerts.hold_down_secs);
            let due = self
                .alerted
                .get(&packet.src)
                .is_none_or(|last| now.saturating_since(*last) >= hold);
            if due {
                out.alerts
                    .push(notify::cnc_alert(&self.config, &event, &detection.threat));
                if self.alerted.len() >= MAX_ALERTED_HOSTS
                    && !self.alerted.contains_key(&packet.src)
                {
                    // Forget the host alerted longest ago.
                    if let Some(oldest) = self
                        .alerted
                        .iter()
                        .min_by_key(|(_, t)| **t)
                        .map(|(ip, _)| *ip)
                    {
                        self.alerted.remove(&oldest);
                    }
                }
                self.alerted.insert(packet.src, now);
            }
        }
        out.events.push(event);
    }

    /// Answers the held request with the block page and resets the server.
    fn block(
        &mut self,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        detection: &Detection,
        out: &mut Actions,
    ) {
        let Mode::Inspect(insp) = &mut flow.mode else {
            return;
        };
        let (request_seq, mut ack) = match &insp.stream {
            Some(s) => (s.ready_seq(), s.next_seq()),
            None => (seg.seq, seq::add(seg.seq, seg.payload.len())),
        };
        let track = &flow.track;
        if track.lan.fin == Some(ack) {
            ack = seq::add(ack, 1);
        }
        // What the server would send next; the client's own ACK if the
        // server has not been seen (a flow picked up mid-stream).
        let page_seq = track.wan.next.unwrap_or(seg.ack);
        self.stats.consumed += insp.held.len() as u64;
        let from_client = Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        };
        let url = detection.url.clone().unwrap_or_default();
        let blocked = Blocked {
            to_client: from_client.reversed(),
            page: if detection.engine == Engine::Cnc {
                block_page::render(&url, &detection.reasons, &self.config.name)
            } else {
                block_page::render_detection(detection, &self.config.name)
            },
            page_seq,
            page_ack: ack,
            mss: track.lan.mss.unwrap_or(DEFAULT_MSS).clamp(64, 1460),
            resends: 0,
        };
        self.send_page(&blocked, out);
        // The server never saw the request: reset it where the request
        // would have begun, so the RST is in its window.
        let rst = TcpSpec {
            seq: request_seq,
            ack: page_seq,
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            window: 0,
            mss: None,
            payload: b"",
        };
        self.emit_forged(Port::Wan, &from_client, &rst, out);
        flow.mode = Mode::Blocked(blocked);
    }

    /// The page, cut at the client's MSS, FIN on the last segment.
    fn send_page(&mut self, blocked: &Blocked, out: &mut Actions) {
        let chunks: Vec<&[u8]> = blocked.page.chunks(usize::from(blocked.mss)).collect();
        let last = chunks.len().saturating_sub(1);
        let mut seq_no = blocked.page_seq;
        for (i, chunk) in chunks.iter().enumerate() {
            let spec = TcpSpec {
                seq: seq_no,
                ack: blocked.page_ack,
                flags: Flags {
                    ack: true,
                    psh: i == last,
                    fin: i == last,
                    ..Flags::default()
                },
                window: 8192,
                mss: None,
                payload: chunk,
            };
            self.emit_forged(Port::Lan, &blocked.to_client, &spec, out);
            seq_no = seq::add(seq_no, chunk.len());
        }
    }

    /// A client segment after its request was blocked.
    fn blocked_client_segment(
        &mut self,
        seg: &TcpSeg<'_>,
        blocked: &mut Blocked,
        out: &mut Actions,
    ) {
        if seg.flags.rst {
            return;
        }
        if seg.flags.fin {
            // ACK the client's FIN so it can close instead of retransmitting.
            let spec = TcpSpec {
                seq: blocked.end_seq(),
                ack: seq::add(seg.seq, seg.payload.len() + 1),
                flags: Flags {
                    ack: true,
                    ..Flags::default()
                },
                window: 8192,
                mss: None,
                payload: b"",
            };
            let to_client = blocked.to_client;
            self.emit_forged(Port::Lan, &to_client, &spec, out);
            return;
        }
        let page_unacked = !seg.flags.ack || seq::gt(blocked.end_seq(), seg.ack);
        if !seg.payload.is_empty() && page_unacked && blocked.resends < MAX_PAGE_RESENDS {
            blocked.resends += 1;
            self.send_page(blocked, out);
        }
    }

    /// RST|ACK to a client whose SYN went to a listed IP.
    fn reset_syn(&mut self, packet: &Packet<'_>, seg: &TcpSeg<'_>, out: &mut Actions) {
        let to_client = Endpoints {
            src_mac: packet.dst_mac,
            dst_mac: packet.src_mac,
            src: packet.dst,
            dst: packet.src,
            src_port: seg.dst_port,
            dst_port: seg.src_port,
        };
        let spec = TcpSpec {
            seq: 0,
            ack: seq::add(seg.seq, seg.seq_len()),
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            window: 0,
            mss: None,
            payload: b"",
        };
        self.emit_forged(Port::Lan, &to_client, &spec, out);
    }

    fn emit_forged(&mut self, port: Port, ends: &Endpoints, spec: &TcpSpec<'_>, out: &mut Actions) {
        let ident = forged_ident(self.config.seed, self.forge_counter);
        self.forge_counter += 1;
        self.stats.forged += 1;
        out.frames.push(Emit {
            port,
            frame: forge::tcp(ends, spec, ident, FORGED_TTL),
        });
    }
}

/// The path and query of a request target (origin or absolute form).
fn request_path(target: &str) -> &str {
    if target.starts_with('/') {
        return target;
    }
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    match rest.find('/') {
        Some(i) => rest.get(i..).unwrap_or("/"),
        None => "/",
    }
}

/// IPv4 identification of the n-th forged frame: a SplitMix64 step of the
/// configured seed, so it looks like a real stack's and replays identically.
fn forged_ident(seed: u64, n: u64) -> u16 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z & 0xffff) as u16
}

fn timeout(flow: &TcpFlow) -> Duration {
    match flow.mode {
        Mode::Blocked(_) | Mode::ResetAtSyn => TIMEOUT_BLOCKED,
        _ => match flow.track.state {
            TcpState::SynSent | TcpState::SynReceived => TIMEOUT_HANDSHAKE,
            TcpState::Established => TIMEOUT_ESTABLISHED,
            TcpState::Closing => TIMEOUT_CLOSING,
            TcpState::Closed => TIMEOUT_CLOSED,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::FrozenIntel;
    use crate::wire::frame::Mac;
    use proptest::prelude::*;

    fn gateway() -> Gateway {
        let mut intel = FrozenIntel::default();
        intel
            .cnc
            .domains
            .insert("evil.example".into(), "CnC.Test".into());
        intel
            .cnc
            .ips
            .insert(Ipv4Addr::new(203, 0, 113, 9), "CnC.Ip".into());
        Gateway::new(Config::default(), intel)
    }

    #[test]
    fn forged_idents_depend_on_seed_and_counter_only() {
        assert_eq!(forged_ident(1, 5), forged_ident(1, 5));
        assert_ne!(forged_ident(1, 5), forged_ident(1, 6));
        assert_ne!(forged_ident(1, 5), forged_ident(2, 5));
    }

    #[test]
    fn dns_answers_name_later_ip_detections() {
        use simple_dns::rdata::{A, RData};
        use simple_dns::{CLASS, Name, Packet as Dns, ResourceRecord};
        let mut gw = gateway();
        // An answer nobody asked for: the stateful firewall would rightly
        // drop it, and this test is about naming, not state.
        gw.config.firewall.enabled = false;
        let mut reply = Dns::new_reply(1);
        reply.answers.push(ResourceRecord::new(
            Name::new_unchecked("c2.evil.example"),
            CLASS::IN,
            60,
            RData::A(A::from(Ipv4Addr::new(203, 0, 113, 9))),
        ));
        let payload = reply.build_bytes_vec().expect("dns");
        let mut udp = vec![0u8; 8 + payload.len()];
        udp[0..2].copy_from_slice(&53u16.to_be_bytes());
        udp[2..4].copy_from_slice(&5353u16.to_be_bytes());
        let udp_len = udp.len() as u16;
        udp[4..6].copy_from_slice(&udp_len.to_be_bytes());
        udp[8..].copy_from_slice(&payload);
        let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0];
        ip.extend_from_slice(&[198, 51, 100, 53, 192, 168, 1, 11]);
        let total = (ip.len() + udp.len()) as u16;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&udp);
        {
            let mut p = smoltcp::wire::Ipv4Packet::new_unchecked(&mut frame[14..]);
            p.fill_checksum();
        }
        let mut out = Actions::default();
        gw.handle(Instant::from_secs(1), Port::Wan, &frame, &mut out);
        assert_eq!(out.frames.len(), 1, "DNS passes");
        assert!(out.events.is_empty(), "DNS is not a C&C attempt");

        let ends = Endpoints {
            src_mac: Mac([2, 0, 0, 0, 0, 2]),
            dst_mac: Mac([2, 0, 0, 0, 0, 1]),
            src: Ipv4Addr::new(192, 168, 1, 11),
            dst: Ipv4Addr::new(203, 0, 113, 9),
            src_port: 1025,
            dst_port: 80,
        };
        let syn = forge::tcp(
            &ends,
            &TcpSpec {
                seq: 1,
                ack: 0,
                flags: Flags {
                    syn: true,
                    ..Flags::default()
                },
                window: 1000,
                mss: None,
                payload: b"",
            },
            1,
            64,
        );
        out.clear();
        gw.handle(Instant::from_secs(2), Port::Lan, &syn, &mut out);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].host.as_deref(), Some("c2.evil.example"));
        assert_eq!(out.events[0].action, Action::Reset);
    }

    fn arb_segment() -> impl Strategy<Value = (bool, u8, u32, u32, Vec<u8>)> {
        (
            any::<bool>(),
            any::<u8>(),
            0u32..4000,
            0u32..4000,
            prop_oneof![
                Just(b"GET /x HTTP/1.1\r\nHost: evil.example\r\n\r\n".to_vec()),
                Just(b"GET /x HTTP/1.1\r\nHost: ok.example\r\n\r\n".to_vec()),
                Just(b"GET /nover\r\n\r\n".to_vec()),
                // Flows whose first client bytes are not HTTP pass
                // uninspected by design (TLS, SSH); keep the junk HTTP-like.
                proptest::collection::vec(any::<u8>(), 0..64).prop_map(|tail| {
                    let mut v = b"GET /".to_vec();
                    v.extend_from_slice(&tail);
                    v
                }),
            ],
        )
    }

    proptest! {
        /// Random bytes on either port never panic.
        #[test]
        fn arbitrary_frames_never_panic(
            frames in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..120)), 0..20)
        ) {
            let mut gw = gateway();
            let mut out = Actions::default();
            for (i, (lan, bytes)) in frames.iter().enumerate() {
                let port = if *lan { Port::Lan } else { Port::Wan };
                gw.handle(Instant::from_secs(i as i64), port, bytes, &mut out);
            }
        }

        /// Valid TCP segments with random flags, numbers and payloads, in any
        /// order on either port: no panic, bounded state, and nothing C&C
        /// ever reaches the WAN on a flow the LAN side started (flows the
        /// WAN starts are inbound connections, not callbacks, and pass).
        #[test]
        fn random_conversations_hold_the_invariants(
            segs in proptest::collection::vec(arb_segment(), 1..40)
        ) {
            let mut gw = gateway();
            let mut out = Actions::default();
            let lan = Endpoints {
                src_mac: Mac([2, 0, 0, 0, 0, 2]),
                dst_mac: Mac([2, 0, 0, 0, 0, 1]),
                src: Ipv4Addr::new(192, 168, 1, 11),
                dst: Ipv4Addr::new(198, 51, 100, 7),
                src_port: 1025,
                dst_port: 80,
            };
            for (i, (from_lan, flags, seq_no, ack, payload)) in segs.iter().enumerate() {
                // The LAN side opens the flow (an ACK: a SYN with data or a
                // RST would be refused and open nothing); everything happens within a second, so the
                // flow never expires and an inbound flow cannot replace it.
                let from_lan = &(*from_lan || i == 0);
                let flags = &if i == 0 { 16 | (flags & 8) } else { *flags };
                let ends = if *from_lan { lan } else { lan.reversed() };
                let spec = TcpSpec {
                    seq: *seq_no,
                    ack: *ack,
                    flags: Flags {
                        fin: flags & 1 != 0,
                        syn: flags & 2 != 0,
                        rst: flags & 4 != 0,
                        psh: flags & 8 != 0,
                        ack: flags & 16 != 0,
                    },
                    window: 1000,
                    mss: None,
                    payload,
                };
                let frame = forge::tcp(&ends, &spec, 1, 64);
                let port = if *from_lan { Port::Lan } else { Port::Wan };
                let now = Instant::from_micros(i as i64 * 1000);
                gw.handle(now, port, &frame, &mut out);
                gw.poll(now, &mut out);
            }
            let leaked = out.frames.iter().filter(|e| e.port == Port::Wan).any(|e| {
                e.frame.windows(12).any(|w| w == b"evil.example")
            });
            prop_assert!(!leaked);
            prop_assert!(gw.flow_count() <= 1);
        }
    }
}
