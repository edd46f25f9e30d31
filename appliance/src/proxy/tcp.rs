//! One side of a terminated TCP connection: the gateway speaking TCP to the
//! client in the server's name, or to the server in the client's name.
//!
//! The handshake passes through the gateway unchanged, so each side keeps
//! the initial sequence numbers it agreed on; from then on the two sides'
//! byte streams are independent and a rewritten mail can be longer or
//! shorter than the original. A half receives in order (the wire's
//! reassembler), acknowledges what it took, sends from its own buffer within
//! the peer's window and MSS, and retransmits from the oldest unacknowledged
//! byte on a doubling timeout (go-back-N). No wall clock: the timer is a
//! deadline the gateway's `poll` honours.

use super::send_queue::SendQueue;
use crate::time::Instant;
use crate::wire::frame::{Flags, TcpSeg};
use crate::wire::reassembly::{Push, Reassembler};
use crate::wire::seq;
use std::time::Duration;

/// Receive buffer and the window advertised.
const RECV_BUFFER: usize = 256 * 1024;
pub const WINDOW: u16 = 65_535;
const RTO_INITIAL: Duration = Duration::from_millis(1_000);
const RTO_MAX: Duration = Duration::from_secs(30);
/// Retransmissions of the same data before the connection is given up.
const MAX_RETRIES: u32 = 8;

/// A segment the half wants sent (the proxy forges the frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Out {
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
    pub payload: Vec<u8>,
}

/// What a received segment brought.
#[derive(Debug, Default)]
pub struct Received {
    /// New in-order bytes for the application.
    pub data: Vec<u8>,
    /// The peer closed its direction (FIN reached in order).
    pub fin: bool,
    /// The peer reset the connection.
    pub rst: bool,
}

#[derive(Debug)]
pub struct Half {
    /// Next sequence number we send, oldest unacknowledged, and our ISN side.
    snd_una: u32,
    snd_nxt: u32,
    /// Bytes from `snd_una` on: sent-unacknowledged, then unsent.
    send_buf: SendQueue,
    /// We are to send FIN after the buffer.
    fin_queued: bool,
    fin_sent: bool,
    fin_acked: bool,
    recv: Reassembler,
    peer_fin_seen: bool,
    peer_window: u32,
    mss: usize,
    rto: Duration,
    retries: u32,
    deadline: Option<Instant>,
    /// Gave up (too many retransmissions).
    pub failed: bool,
}

impl Half {
    /// `snd_next`: our first data sequence number; `rcv_next`: the peer's.
    pub fn new(snd_next: u32, rcv_next: u32, mss: u16) -> Half {
        Half {
            snd_una: snd_next,
            snd_nxt: snd_next,
            send_buf: SendQueue::default(),
            fin_queued: false,
            fin_sent: false,
            fin_acked: false,
            recv: Reassembler::new(rcv_next, RECV_BUFFER),
            peer_fin_seen: false,
            peer_window: u32::from(WINDOW),
            mss: usize::from(mss.clamp(64, 1460)),
            rto: RTO_INITIAL,
            retries: 0,
            deadline: None,
            failed: false,
        }
    }

    pub fn rcv_nxt(&self) -> u32 {
        let n = self.recv.next_seq();
        if self.peer_fin_seen {
            seq::add(n, 1)
        } else {
            n
        }
    }

    pub fn snd_nxt(&self) -> u32 {
        self.snd_nxt
    }

    /// Everything we were asked to send is acknowledged, FIN included if queued.
    pub fn drained(&self) -> bool {
        self.send_buf.is_empty() && (!self.fin_queued || self.fin_acked)
    }

    pub fn closed_both_ways(&self) -> bool {
        self.peer_fin_seen && self.fin_acked
    }

    pub fn peer_closed(&self) -> bool {
        self.peer_fin_seen
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Queues bytes to send, taking the buffer they are in.
    pub fn write(&mut self, data: Vec<u8>) {
        if !self.fin_queued {
            self.send_buf.push(data);
        }
    }

    /// Hands the large buffers the peer has acknowledged to `pool`.
    pub fn recycle(&mut self, pool: &mut super::buffers::BufferPool) {
        self.send_buf.recycle(pool);
    }

    /// Gives up the large buffers still queued (the connection is over).
    pub fn release(&mut self, into: &mut Vec<Vec<u8>>) {
        self.send_buf.release(into);
    }

    /// Queues our FIN after the data.
    pub fn close(&mut self) {
        self.fin_queued = true;
    }

    /// A segment from the peer. Returns what it brought; appends the
    /// segments to send (ACKs, data the window now allows) to `out`.
    pub fn receive(&mut self, now: Instant, seg: &TcpSeg<'_>, out: &mut Vec<Out>) -> Received {
        let mut got = Received::default();
        if seg.flags.rst {
            got.rst = true;
            return got;
        }
        if seg.flags.syn {
            // A retransmitted SYN or SYN-ACK: the handshake is behind us;
            // answer with where we are so the peer resynchronises.
            out.push(self.ack_segment());
            return got;
        }
        if seg.flags.ack {
            self.on_ack(now, seg.ack, seg.window);
        }
        let mut need_ack = false;
        if !seg.payload.is_empty() {
            need_ack = true;
            match self.recv.push(seg.seq, seg.payload) {
                Push::InOrder(_) => {
                    got.data = self.recv.ready().to_vec();
                    let n = got.data.len();
                    self.recv.consume(n);
                }
                Push::Buffered | Push::Duplicate | Push::OutOfWindow | Push::Conflict => {}
                Push::Overflow => {}
            }
        }
        if seg.flags.fin && !self.peer_fin_seen {
            need_ack = true;
            let fin_seq = seq::add(seg.seq, seg.payload.len());
            if fin_seq == self.recv.next_seq() && !self.recv.has_gap() {
                self.peer_fin_seen = true;
                got.fin = true;
            }
        }
        if need_ack {
            out.push(self.ack_segment());
        }
        self.transmit(now, out);
        got
    }

    fn on_ack(&mut self, now: Instant, ack: u32, window: u16) {
        self.peer_window = u32::from(window);
        let fin_seq = seq::add(self.snd_una, self.send_buf.len());
        let limit = if self.fin_sent {
            seq::add(fin_seq, 1)
        } else {
            self.snd_nxt
        };
        if seq::gt(ack, self.snd_una) && !seq::gt(ack, limit) {
            let acked = ack.wrapping_sub(self.snd_una) as usize;
            let data = acked.min(self.send_buf.len());
            self.send_buf.consume(data);
            self.snd_una = seq::add(self.snd_una, data);
            if acked > data && self.fin_sent {
                self.fin_acked = true;
                self.snd_una = ack;
            }
            if seq::gt(self.snd_una, self.snd_nxt) {
                self.snd_nxt = self.snd_una;
            }
            self.retries = 0;
            self.rto = RTO_INITIAL;
            let outstanding = self.snd_nxt != self.snd_una || (self.fin_sent && !self.fin_acked);
            self.deadline = outstanding.then(|| now + self.rto);
        }
    }

    fn ack_segment(&self) -> Out {
        Out {
            seq: self.snd_nxt,
            ack: self.rcv_nxt(),
            flags: Flags {
                ack: true,
                ..Flags::default()
            },
            payload: Vec::new(),
        }
    }

    /// Sends what the window allows, then FIN if due.
    pub fn transmit(&mut self, now: Instant, out: &mut Vec<Out>) {
        if self.failed {
            return;
        }
        loop {
            let in_flight = self.snd_nxt.wrapping_sub(self.snd_una) as usize;
            let unsent = self.send_buf.len().saturating_sub(in_flight);
            // Always allow one segment in flight, so a zero window is
            // probed by the retransmission timer instead of stalling.
            let window = (self.peer_window as usize).max(if in_flight == 0 { 1 } else { 0 });
            let room = window.saturating_sub(in_flight);
            let n = unsent.min(room).min(self.mss);
            if n == 0 {
                break;
            }
            let mut payload = Vec::with_capacity(n);
            self.send_buf.copy_range(in_flight, n, &mut payload);
            let last = in_flight + n == self.send_buf.len();
            out.push(Out {
                seq: self.snd_nxt,
                ack: self.rcv_nxt(),
                flags: Flags {
                    ack: true,
                    psh: last,
                    ..Flags::default()
                },
                payload,
            });
            self.snd_nxt = seq::add(self.snd_nxt, n);
            if self.deadline.is_none() {
                self.deadline = Some(now + self.rto);
            }
        }
        let all_sent = self.snd_nxt.wrapping_sub(self.snd_una) as usize == self.send_buf.len();
        if self.fin_queued && !self.fin_sent && all_sent {
            out.push(Out {
                seq: self.snd_nxt,
                ack: self.rcv_nxt(),
                flags: Flags {
                    ack: true,
                    fin: true,
                    ..Flags::default()
                },
                payload: Vec::new(),
            });
            self.fin_sent = true;
            if self.deadline.is_none() {
                self.deadline = Some(now + self.rto);
            }
        }
    }

    /// The retransmission timer.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Out>) {
        let Some(due) = self.deadline else {
            return;
        };
        if now < due {
            return;
        }
        self.retries += 1;
        if self.retries > MAX_RETRIES {
            self.failed = true;
            self.deadline = None;
            return;
        }
        self.rto = (self.rto * 2).min(RTO_MAX);
        self.deadline = Some(now + self.rto);
        // Go back to the oldest unacknowledged byte.
        self.snd_nxt = self.snd_una;
        if self.fin_sent && !self.fin_acked {
            self.fin_sent = false;
        }
        self.transmit(now, out);
    }

    /// A RST for this side, at our current position.
    pub fn reset(&self) -> Out {
        Out {
            seq: self.snd_nxt,
            ack: self.rcv_nxt(),
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            payload: Vec::new(),
        }
    }
}
