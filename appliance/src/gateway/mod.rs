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
//! A ClientHello whose server name (SNI) is listed is never forwarded: both
//! ends get a RST (no page can be shown inside TLS). A DNS query for a listed
//! name is logged unless the call it announces is detected (`dns_flow`), or
//! answered by the gateway when the policy sinkholes it.
//!
//! Each complete request goes through the engines in a fixed order: C&C
//! first, then the web pipeline (`inspect::web`: allow list, block list, web
//! reputation, URL filtering / application control rules). A client stream
//! that is not HTTP is read as TLS: the ClientHello's SNI goes through the
//! same web pipeline (a block is a RST both ways and the reason in the log:
//! no page can be shown inside TLS), and the server's certificate, in clear
//! in TLS 1.2, is checked for its validity dates. Other streams are checked
//! for an application's handshake (BitTorrent), else passed uninspected.
//!
//! Each flow is in one [`Mode`]; [`Gateway::dispatch`] matches it once and
//! hands the segment to that mode's own type: `http` (an inspected client
//! stream), `tls` (a server's certificate), `block` (a blocked flow, its page
//! and the resets), `mail_flow` (the mail proxy), `download` (the server's
//! side of an inspected HTTP flow), `not_http` (a server speaking first);
//! `alerts` logs detections and mails the desk.

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
use crate::time::Instant;
use crate::wire::flow::{FlowKey, FlowTable, Proto, TcpState, TcpTrack};
use crate::wire::forge::{self, Endpoints, TcpSpec};
use crate::wire::frame::{self, Datagram, Flags, L4, Packet, Parsed, TcpSeg};
use crate::wire::reassembly::{Push, Reassembler};
use crate::wire::seq;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

mod alerts;
mod block;
mod close;
mod dns_flow;
mod download;
mod http_flow;
mod mail_flow;
mod not_http;
mod stats;
mod streamed_body;
mod tls_flow;

#[cfg(test)]
mod tests;

pub use crate::config::network::MAX_FLOWS;
/// The gateway's ports; they live in `wire`, named here too for callers.
pub use crate::wire::Port;
pub use stats::Stats;

use block::Blocked;
use http_flow::HttpInspect;
use tls_flow::TlsWatch;

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
    /// Buffers of frames the caller cleared, reused for the next frames
    /// forwarded: no allocation per frame on the hot path.
    spare: Vec<Vec<u8>>,
}

/// Cleared frame buffers kept for reuse, and the largest one kept.
const SPARE_FRAMES: usize = 64;
const SPARE_CAPACITY: usize = 2048;

impl Actions {
    pub fn clear(&mut self) {
        for emit in self.frames.drain(..) {
            let mut frame = emit.frame;
            if self.spare.len() < SPARE_FRAMES && frame.capacity() <= SPARE_CAPACITY {
                frame.clear();
                self.spare.push(frame);
            }
        }
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
    /// DNS lookups of listed names waiting for their call (`dns_flow`).
    lookups: BTreeMap<(Ipv4Addr, String), dns_flow::Lookup>,
    /// Spam kept at the gateway (`anti_spam.action: quarantine`), oldest
    /// first, at most [`QUARANTINE_MAILS`] (the oldest goes first).
    quarantine: std::collections::VecDeque<QuarantinedMail>,
    /// Buffers of relayed mails, for the next mails to fill.
    mail_buffers: crate::proxy::BufferPool,
}

/// Mails the quarantine keeps before the oldest is let go.
pub const QUARANTINE_MAILS: usize = 100;

/// A mail anti-spam quarantined: when, between whom, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantinedMail {
    pub time: Instant,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub raw: Vec<u8>,
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
            lookups: BTreeMap::new(),
            quarantine: std::collections::VecDeque::new(),
            mail_buffers: crate::proxy::BufferPool::default(),
        }
    }

    /// The spam kept at the gateway, oldest first.
    pub fn quarantine(&self) -> impl Iterator<Item = &QuarantinedMail> {
        self.quarantine.iter()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What the gateway has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Bytes of relayed mails' buffers kept for the next mails to fill.
    pub fn pooled_mail_buffer_bytes(&self) -> usize {
        self.mail_buffers.held()
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
                self.net
                    .other_frame(&self.config, now, port, frame, &mut out.events);
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
        let first_event = out.events.len();
        self.lookups_due(now, out);
        self.net.poll(&self.config, now, &mut out.events);
        self.net.after(
            &self.config,
            now,
            out.events.get(first_event..).unwrap_or(&[]),
        );
        let expired = self.flows.expire(now);
        let mut gone = 0;
        for (key, flow) in expired {
            // Mail proxies also use the deadline for their retransmission
            // timers: those flows come back unless they went idle.
            let Flow::Tcp(mut tcp) = flow else {
                gone += 1;
                continue;
            };
            let next = match &mut tcp.mode {
                Mode::Mail(mail) => mail.poll(self, now, out),
                _ => None,
            };
            match next {
                Some(deadline) => {
                    self.flows.insert(key, Flow::Tcp(tcp), deadline);
                }
                None => gone += 1,
            }
        }
        self.stats.flows_expired += gone;
    }

    /// When the gateway next wants [`Gateway::poll`] called, if ever.
    pub fn poll_at(&self) -> Option<Instant> {
        [
            self.flows.next_deadline(),
            self.next_lookup_due(),
            self.net.poll_at(),
        ]
        .into_iter()
        .flatten()
        .min()
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

    /// The cloud's answers changed (a site re-rated, a list updated): later
    /// decisions use `intel`; flows already decided keep their verdict.
    pub fn replace_intel(&mut self, intel: impl Intel + Send + 'static) {
        self.intel = Box::new(intel);
    }

    fn forward(&mut self, port: Port, frame: &[u8], out: &mut Actions) {
        self.stats.forwarded += 1;
        let mut copy = out.spare.pop().unwrap_or_default();
        copy.extend_from_slice(frame);
        out.frames.push(Emit {
            port: port.other(),
            frame: copy,
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
        if port == Port::Lan && dgram.dst_port == 53 && self.dns_query(now, packet, dgram, out) {
            // Answered by the C&C sinkhole: the query never leaves.
            return;
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
        // The flow is taken out of its entry (a placeholder meanwhile:
        // nothing in the handling looks this key up) and put back after.
        let taken = self.flows.replace(&key, Flow::Udp);
        let known = match &taken {
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
            if let Some(flow) = taken {
                self.flows.replace(&key, flow);
            }
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
        let Some(Flow::Tcp(mut flow)) = taken else {
            return;
        };
        // A reset at exactly the sequence number its receiver expects ends
        // the connection (RFC 5961 3.2); one elsewhere in the window is
        // ignored by the receiver and must not end inspection either. What
        // the receiver expects is what it acknowledged, and the sender must
        // have sent nothing beyond it (no gap left to fill after the reset).
        let reset = seg.flags.rst
            && flow.track.side(port).next == Some(seg.seq)
            && flow.track.side(port.other()).ack == Some(seg.seq);
        self.continue_tcp_flow(now, port, frame, packet, seg, &mut flow, out);
        if reset || flow.track.closed_both_ways() {
            flow.release_buffers();
        }
        let deadline = deadline(now, &flow);
        if let Err(flow) = self.flows.restore(&key, Flow::Tcp(flow), deadline) {
            self.flows.insert(key, flow, deadline);
        }
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

    /// The one match on a flow's mode: the segment goes to that mode's
    /// handler, which may name the mode the flow goes on in.
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
        let TcpFlow { track, mode } = flow;
        let next = match mode {
            Mode::Pass => {
                self.forward(port, frame, out);
                None
            }
            Mode::Mail(mail) => {
                mail.segment(self, now, port, frame, seg, out);
                None
            }
            Mode::ResetAtSyn => {
                self.stats.consumed += 1;
                if port == Port::Lan && seg.flags.syn && !seg.flags.ack {
                    // The same SYN again: same answer, no new event.
                    self.reset_syn(packet, seg, out);
                }
                None
            }
            Mode::Blocked(blocked) => {
                self.stats.consumed += 1;
                if port == Port::Lan {
                    blocked.client_segment(self, seg, out);
                }
                None
            }
            Mode::Inspect(insp) if port == Port::Wan => {
                insp.server_segment(self, now, frame, packet, seg, track, out)
            }
            Mode::Tls(_) if port == Port::Lan => {
                self.forward(port, frame, out);
                None
            }
            Mode::Tls(watch) => watch.server_segment(self, now, frame, packet, seg, track, out),
            Mode::Inspect(insp) => insp.client_segment(self, now, frame, packet, seg, track, out),
        };
        if let Some(next) = next {
            *mode = next;
        }
    }
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

/// When a flow next needs the gateway: a mail flow's own timers, else its
/// state's idle timeout.
fn deadline(now: Instant, flow: &TcpFlow) -> Instant {
    match &flow.mode {
        Mode::Mail(mail) => mail.deadline(),
        _ => now + timeout(flow),
    }
}
