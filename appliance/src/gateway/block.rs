//! Blocking: a blocked request answered with the block page (cut at the
//! client's MSS) and the server reset, the rest of a blocked flow consumed,
//! resets at the SYN and of held streams, and every forged frame's IP id.

use super::*;

pub(super) struct Blocked {
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

    /// A client segment after its request was blocked.
    pub(super) fn client_segment(&mut self, gw: &mut Gateway, seg: &TcpSeg<'_>, out: &mut Actions) {
        if seg.flags.rst {
            return;
        }
        if seg.flags.fin {
            // ACK the client's FIN so it can close instead of retransmitting.
            let spec = TcpSpec {
                seq: self.end_seq(),
                ack: seq::add(seg.seq, seg.payload.len() + 1),
                flags: Flags {
                    ack: true,
                    ..Flags::default()
                },
                window: 8192,
                mss: None,
                payload: b"",
            };
            let to_client = self.to_client;
            gw.emit_forged(Port::Lan, &to_client, &spec, out);
            return;
        }
        let page_unacked = !seg.flags.ack || seq::gt(self.end_seq(), seg.ack);
        if !seg.payload.is_empty() && page_unacked && self.resends < MAX_PAGE_RESENDS {
            self.resends += 1;
            self.send_page(gw, out);
        }
    }

    /// The page, cut at the client's MSS, FIN on the last segment.
    fn send_page(&self, gw: &mut Gateway, out: &mut Actions) {
        let chunks: Vec<&[u8]> = self.page.chunks(usize::from(self.mss)).collect();
        let last = chunks.len().saturating_sub(1);
        let mut seq_no = self.page_seq;
        for (i, chunk) in chunks.iter().enumerate() {
            let spec = TcpSpec {
                seq: seq_no,
                ack: self.page_ack,
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
            gw.emit_forged(Port::Lan, &self.to_client, &spec, out);
            seq_no = seq::add(seq_no, chunk.len());
        }
    }
}

impl HttpInspect {
    /// Answers the held request with the block page and resets the server;
    /// the flow is blocked from now on.
    pub(super) fn block(
        &mut self,
        gw: &mut Gateway,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        detection: &Detection,
        out: &mut Actions,
    ) -> Mode {
        let (request_seq, mut ack) = match &self.stream {
            Some(s) => (s.ready_seq(), s.next_seq()),
            None => (seg.seq, seq::add(seg.seq, seg.payload.len())),
        };
        if track.lan.fin == Some(ack) {
            ack = seq::add(ack, 1);
        }
        // What the server would send next; the client's own ACK if the
        // server has not been seen (a flow picked up mid-stream).
        let page_seq = track.wan.next.unwrap_or(seg.ack);
        gw.stats.consumed += self.held.len() as u64;
        let from_client = Endpoints::of_segment(packet, seg);
        let url = detection.url.clone().unwrap_or_default();
        let blocked = Blocked {
            to_client: from_client.reversed(),
            page: if detection.engine == Engine::Cnc {
                block_page::render(&url, &detection.reasons, &gw.config.name)
            } else {
                block_page::render_detection(detection, &gw.config.name)
            },
            page_seq,
            page_ack: ack,
            mss: track.lan.mss.unwrap_or(DEFAULT_MSS).clamp(64, 1460),
            resends: 0,
        };
        blocked.send_page(gw, out);
        // The server never saw the request: reset it where the request
        // would have begun, so the RST is in its window.
        gw.emit_rst(Port::Wan, &from_client, request_seq, page_seq, out);
        Mode::Blocked(blocked)
    }

    /// Refuses a flow whose held client bytes (a ClientHello, a peer
    /// handshake) were blocked: RST to both ends, nothing forwarded.
    pub(super) fn reset_held(
        &mut self,
        gw: &mut Gateway,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Mode {
        let (held_start, client_next) = match &self.stream {
            Some(s) => (s.ready_seq(), s.next_seq()),
            None => (seg.seq, seq::add(seg.seq, seg.payload.len())),
        };
        gw.stats.consumed += self.held.len() as u64;
        let from_client = Endpoints::of_segment(packet, seg);
        let server_next = track.wan.next.unwrap_or(seg.ack);
        gw.emit_rst(
            Port::Lan,
            &from_client.reversed(),
            server_next,
            client_next,
            out,
        );
        gw.emit_rst(Port::Wan, &from_client, held_start, server_next, out);
        // Consumed from now on, like a flow reset at its SYN.
        Mode::ResetAtSyn
    }
}

impl Gateway {
    /// RST|ACK back to the sender of `seg`, in its peer's name.
    pub(super) fn reset_sender(
        &mut self,
        port: Port,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        out: &mut Actions,
    ) {
        let to_sender = Endpoints::of_segment(packet, seg).reversed();
        let seq_no = if seg.flags.ack { seg.ack } else { 0 };
        self.emit_rst(
            port,
            &to_sender,
            seq_no,
            seq::add(seg.seq, seg.seq_len()),
            out,
        );
    }

    /// RST|ACK to a client whose SYN went to a listed IP.
    pub(super) fn reset_syn(&mut self, packet: &Packet<'_>, seg: &TcpSeg<'_>, out: &mut Actions) {
        let to_client = Endpoints::of_segment(packet, seg).reversed();
        self.emit_rst(
            Port::Lan,
            &to_client,
            0,
            seq::add(seg.seq, seg.seq_len()),
            out,
        );
    }

    pub(super) fn emit_rst(
        &mut self,
        port: Port,
        ends: &Endpoints,
        seq_no: u32,
        ack: u32,
        out: &mut Actions,
    ) {
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

    pub(super) fn emit_forged(
        &mut self,
        port: Port,
        ends: &Endpoints,
        spec: &TcpSpec<'_>,
        out: &mut Actions,
    ) {
        let ident = forged_ident(self.config.seed, self.forge_counter);
        self.forge_counter += 1;
        self.stats.forged += 1;
        out.frames.push(Emit {
            port,
            frame: forge::tcp(ends, spec, ident, FORGED_TTL),
        });
    }
}

/// IPv4 identification of the n-th forged frame: a SplitMix64 step of the
/// configured seed, so it looks like a real stack's and replays identically.
pub(super) fn forged_ident(seed: u64, n: u64) -> u16 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z & 0xffff) as u16
}
