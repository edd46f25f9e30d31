//! The transparent mail proxy: SMTP (port 25) and POP3 (port 110) flows are
//! terminated by the gateway on both sides so mail can really be rewritten.
//!
//! Design (sans-I/O, like the rest of the gateway): the TCP handshake passes
//! unchanged, so each end keeps the sequence numbers it agreed on; the
//! gateway then completes the handshake towards the server itself and from
//! there runs two independent TCP halves ([`tcp::Half`]): towards the client
//! in the server's name and towards the server in the client's name. Bytes
//! received in order on one half go to the protocol relay ([`smtp`],
//! [`pop3`]), whose output is queued on the other half. Rewriting changes
//! byte counts freely because nothing maps one side's numbers onto the
//! other's. Frames are built with `wire::forge` from the endpoints seen in
//! the SYN; timers (retransmission) are deadlines read by `Gateway::poll_at`.

mod buffers;
pub mod pop3;
mod send_queue;
pub mod smtp;
pub mod tcp;

pub use buffers::BufferPool;

use crate::config::MailSecurityPolicy;
use crate::inspect::Detection;
use crate::inspect::anti_malware::Scanner;
use crate::inspect::mail_security::MailOutcome;
use crate::time::Instant;
use crate::wire::Port;
use crate::wire::forge::Endpoints;
use crate::wire::frame::TcpSeg;
use crate::wire::seq;
use tcp::{Half, Out};

/// The SMTP port; the proxy takes flows to it in both directions.
pub const SMTP_PORT: u16 = 25;
/// The POP3 port.
pub const POP3_PORT: u16 = 110;
const DEFAULT_MSS: u16 = 536;

/// Which relay a port gets, if any.
pub fn kind_for_port(port: u16) -> Option<Kind> {
    match port {
        SMTP_PORT => Some(Kind::Smtp),
        POP3_PORT => Some(Kind::Pop3),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Smtp,
    Pop3,
}

/// What the relays see of the gateway.
pub struct Ctx<'a> {
    pub policy: &'a MailSecurityPolicy,
    pub scanner: &'a Scanner,
    /// How the links of a mail are rated (the web policy's reputation and
    /// the intel); `None`: not rated.
    pub links: Option<crate::inspect::mail_links::Links<'a>>,
    /// Buffers of relayed mails, for the next mails to fill.
    pub buffers: &'a mut BufferPool,
}

/// What a relay wants done after reading some bytes.
#[derive(Default)]
pub struct RelayOut {
    pub to_client: Vec<u8>,
    pub to_server: Vec<u8>,
    pub close_client: bool,
    pub close_server: bool,
    pub reset_server: bool,
    /// Messages scanned (with their detections and delivered bytes).
    pub mails: Vec<MailOutcome>,
    /// Things worth a log line that are not detections.
    pub notes: Vec<String>,
}

/// A protocol relay between two byte streams.
pub trait Relay {
    fn on_client(&mut self, data: &[u8], ctx: &mut Ctx<'_>, out: &mut RelayOut);
    fn on_server(&mut self, data: &[u8], ctx: &mut Ctx<'_>, out: &mut RelayOut);
    fn client_closed(&mut self, out: &mut RelayOut);
    fn server_closed(&mut self, out: &mut RelayOut);
}

/// A segment for the gateway to forge and emit.
#[derive(Clone, Debug)]
pub struct Segment {
    pub port: Port,
    pub ends: Endpoints,
    pub out: Out,
}

/// What one call into the proxy produced.
#[derive(Default)]
pub struct Output {
    /// Forward the frame that came in, unchanged (handshake).
    pub forward: bool,
    pub segments: Vec<Segment>,
    pub detections: Vec<Detection>,
    pub mails: Vec<MailOutcome>,
}

// The proxy lives boxed inside the flow table; `Relaying` is its state for
// nearly all of its life, so boxing the halves would only add a hop.
#[allow(clippy::large_enum_variant)]
enum Phase {
    /// The client's SYN went through; waiting for the server's SYN-ACK.
    Handshake,
    Relaying {
        client: Half,
        server: Half,
        server_dead: bool,
    },
    Done,
}

/// One proxied connection.
pub struct MailProxy {
    pub kind: Kind,
    relay: Box<dyn Relay + Send>,
    client_port: Port,
    /// Frames to the client come from the server's address, and vice versa.
    to_client: Endpoints,
    to_server: Endpoints,
    client_isn: u32,
    client_mss: u16,
    /// An email reputation refusal decided at the SYN: (reply line, detection).
    refusal: Option<(String, Detection)>,
    phase: Phase,
    /// Large buffers the halves held when the relay ended, for the pool.
    left: Vec<Vec<u8>>,
}

impl MailProxy {
    /// A proxy for the connection opened by `syn`, which arrived on `client_port`.
    pub fn new(
        kind: Kind,
        client_port: Port,
        from_client: Endpoints,
        syn: &TcpSeg<'_>,
        refusal: Option<(String, Detection)>,
    ) -> MailProxy {
        let relay: Box<dyn Relay + Send> = match kind {
            Kind::Smtp => Box::new(smtp::Smtp::default()),
            Kind::Pop3 => Box::new(pop3::Pop3::default()),
        };
        MailProxy {
            kind,
            relay,
            client_port,
            to_client: from_client.reversed(),
            to_server: from_client,
            client_isn: syn.seq,
            client_mss: syn.mss.unwrap_or(DEFAULT_MSS),
            refusal,
            phase: Phase::Handshake,
            left: Vec::new(),
        }
    }

    /// Ends the relay, keeping the large buffers its halves held.
    pub fn end(&mut self) {
        if let Phase::Relaying { client, server, .. } = &mut self.phase {
            client.release(&mut self.left);
            server.release(&mut self.left);
        }
        self.phase = Phase::Done;
    }

    /// Hands the large buffers this relay is done with to `pool`: those
    /// the peers acknowledged, and those left when it ended.
    pub fn recycle(&mut self, pool: &mut BufferPool) {
        if let Phase::Relaying { client, server, .. } = &mut self.phase {
            client.recycle(pool);
            server.recycle(pool);
        }
        for buf in self.left.drain(..) {
            pool.give(buf);
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// The earliest retransmission deadline.
    pub fn poll_at(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Relaying { client, server, .. } => {
                match (client.deadline(), server.deadline()) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            _ => None,
        }
    }

    /// A segment of this connection from `port`.
    pub fn handle(
        &mut self,
        now: Instant,
        port: Port,
        seg: &TcpSeg<'_>,
        ctx: &mut Ctx<'_>,
    ) -> Output {
        let mut output = Output::default();
        let from_client = port == self.client_port;
        match &mut self.phase {
            Phase::Done => {}
            Phase::Handshake => {
                if from_client {
                    // SYN retransmissions and anything else before the
                    // server answered pass as they are.
                    output.forward = seg.flags.syn || seg.flags.rst;
                    if seg.flags.rst {
                        self.phase = Phase::Done;
                    }
                } else if seg.flags.syn && seg.flags.ack && seg.ack == seq::add(self.client_isn, 1)
                {
                    output.forward = true;
                    self.established(now, seg, ctx, &mut output);
                } else if seg.flags.rst {
                    output.forward = true;
                    self.phase = Phase::Done;
                }
            }
            Phase::Relaying { .. } => self.relaying(now, from_client, seg, ctx, &mut output),
        }
        output
    }

    fn established(
        &mut self,
        now: Instant,
        synack: &TcpSeg<'_>,
        ctx: &mut Ctx<'_>,
        output: &mut Output,
    ) {
        let c_next = seq::add(self.client_isn, 1);
        let s_next = seq::add(synack.seq, 1);
        let client = Half::new(s_next, c_next, self.client_mss);
        let mut server = Half::new(c_next, s_next, synack.mss.unwrap_or(DEFAULT_MSS));
        // Complete the handshake towards the server ourselves: the client's
        // own ACK is taken by the client half from now on.
        let mut outs = Vec::new();
        server.transmit(now, &mut outs);
        outs.push(Out {
            seq: c_next,
            ack: s_next,
            flags: crate::wire::frame::Flags {
                ack: true,
                ..Default::default()
            },
            payload: Vec::new(),
        });
        self.push_server(outs, output);
        self.phase = Phase::Relaying {
            client,
            server,
            server_dead: false,
        };
        if let Some((line, detection)) = self.refusal.take() {
            output.detections.push(detection);
            let mut out = RelayOut {
                to_client: line.into_bytes(),
                close_client: true,
                reset_server: true,
                ..RelayOut::default()
            };
            self.apply(now, &mut out, output);
            // Nothing from this client reaches the server any more.
            self.relay = Box::new(Refused);
        }
        let _ = ctx;
    }

    fn relaying(
        &mut self,
        now: Instant,
        from_client: bool,
        seg: &TcpSeg<'_>,
        ctx: &mut Ctx<'_>,
        output: &mut Output,
    ) {
        let Phase::Relaying {
            client,
            server,
            server_dead,
        } = &mut self.phase
        else {
            return;
        };
        let mut outs = Vec::new();
        let mut relay_out = RelayOut::default();
        if from_client {
            let got = client.receive(now, seg, &mut outs);
            if got.rst {
                let rst = (!*server_dead).then(|| server.reset());
                self.end();
                if let Some(r) = rst {
                    self.push_server(vec![r], output);
                }
                return;
            }
            self.push_client(outs, output);
            if !got.data.is_empty() {
                self.relay.on_client(&got.data, ctx, &mut relay_out);
            }
            if got.fin {
                self.relay.client_closed(&mut relay_out);
            }
        } else {
            if *server_dead {
                return;
            }
            let got = server.receive(now, seg, &mut outs);
            if got.rst {
                let rst = client.reset();
                self.end();
                self.push_client(vec![rst], output);
                return;
            }
            self.push_server(outs, output);
            if !got.data.is_empty() {
                self.relay.on_server(&got.data, ctx, &mut relay_out);
            }
            if got.fin {
                self.relay.server_closed(&mut relay_out);
            }
        }
        self.apply(now, &mut relay_out, output);
    }

    /// Queues a relay's output on the halves and sends what can go.
    fn apply(&mut self, now: Instant, out: &mut RelayOut, output: &mut Output) {
        let Phase::Relaying {
            client,
            server,
            server_dead,
        } = &mut self.phase
        else {
            return;
        };
        let mut to_client = Vec::new();
        let mut to_server = Vec::new();
        client.write(std::mem::take(&mut out.to_client));
        if out.close_client {
            client.close();
        }
        if !*server_dead {
            server.write(std::mem::take(&mut out.to_server));
            if out.close_server {
                server.close();
            }
            if out.reset_server {
                to_server.push(server.reset());
                *server_dead = true;
            } else {
                server.transmit(now, &mut to_server);
            }
        }
        client.transmit(now, &mut to_client);
        let finished = (client.closed_both_ways() || client.failed)
            && (*server_dead || server.closed_both_ways() || server.failed);
        output.mails.append(&mut out.mails);
        self.push_client(to_client, output);
        self.push_server(to_server, output);
        if finished {
            self.end();
        }
    }

    /// Retransmission timers.
    pub fn poll(&mut self, now: Instant) -> Output {
        let mut output = Output::default();
        let Phase::Relaying {
            client,
            server,
            server_dead,
        } = &mut self.phase
        else {
            return output;
        };
        let mut to_client = Vec::new();
        let mut to_server = Vec::new();
        client.poll(now, &mut to_client);
        if !*server_dead {
            server.poll(now, &mut to_server);
        }
        if client.failed || server.failed {
            // One side stopped answering: reset both, like a proxy whose
            // connection timed out.
            to_client.push(client.reset());
            if !*server_dead {
                to_server.push(server.reset());
            }
            self.end();
        }
        self.push_client(to_client, &mut output);
        self.push_server(to_server, &mut output);
        output
    }

    fn push_client(&self, outs: Vec<Out>, output: &mut Output) {
        for out in outs {
            output.segments.push(Segment {
                port: self.client_port,
                ends: self.to_client,
                out,
            });
        }
    }

    fn push_server(&self, outs: Vec<Out>, output: &mut Output) {
        for out in outs {
            output.segments.push(Segment {
                port: self.client_port.other(),
                ends: self.to_server,
                out,
            });
        }
    }
}

/// The relay of a refused connection: the client only ever gets the
/// refusal; whatever it says is answered with nothing and closed.
struct Refused;

impl Relay for Refused {
    fn on_client(&mut self, _: &[u8], _: &mut Ctx<'_>, out: &mut RelayOut) {
        out.close_client = true;
    }
    fn on_server(&mut self, _: &[u8], _: &mut Ctx<'_>, _: &mut RelayOut) {}
    fn client_closed(&mut self, out: &mut RelayOut) {
        out.close_client = true;
    }
    fn server_closed(&mut self, _: &mut RelayOut) {}
}
