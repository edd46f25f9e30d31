//! A TLS flow whose ClientHello passed: the server's first flight is read
//! for its certificate (in clear in TLS 1.2); an expired one is a web
//! reputation event, and by default a reset of both ends.

use super::*;

/// The server's side of a TLS flow, until its certificate is seen.
pub(super) struct TlsWatch {
    pub(super) sni: Option<String>,
    pub(super) server: Reassembler,
}

impl TlsWatch {
    /// A server segment of a TLS flow: look for its certificate. The mode the
    /// flow goes on in, if it changes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn server_segment(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        frame: &[u8],
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        track: &TcpTrack,
        out: &mut Actions,
    ) -> Option<Mode> {
        if seg.payload.is_empty() {
            gw.forward(Port::Wan, frame, out);
            return None;
        }
        match self.server.push(seg.seq, seg.payload) {
            Push::InOrder(_) | Push::Buffered | Push::Duplicate => {}
            Push::Conflict | Push::Overflow | Push::OutOfWindow => {
                gw.forward(Port::Wan, frame, out);
                return Some(Mode::Pass);
            }
        }
        let info = match tls::server_certificate(self.server.ready()) {
            tls::ServerCert::Partial => {
                gw.forward(Port::Wan, frame, out);
                return None;
            }
            tls::ServerCert::Hidden => {
                gw.forward(Port::Wan, frame, out);
                return Some(Mode::Pass);
            }
            tls::ServerCert::Cert(info) => info,
        };
        let host = self.sni.clone().unwrap_or_else(|| packet.src.to_string());
        let url = format!("https://{host}/");
        // Past the certificate nothing more is read: the flow passes, unless
        // the certificate resets it.
        let Some(d) = web_reputation::inspect_certificate(
            &host,
            &url,
            info.not_before,
            info.not_after,
            now,
            &gw.config.policy.web_reputation,
        ) else {
            gw.forward(Port::Wan, frame, out);
            return Some(Mode::Pass);
        };
        // The event names the client as its source, like every web event.
        let client = Packet {
            src_mac: packet.dst_mac,
            dst_mac: packet.src_mac,
            src: packet.dst,
            dst: packet.src,
            l4: packet.l4.clone(),
        };
        gw.report(now, &d, &client, seg.src_port, out);
        if d.action != Action::Reset {
            gw.forward(Port::Wan, frame, out);
            return Some(Mode::Pass);
        }
        // The segment completing the certificate is not delivered: the
        // client gets a RST where it would have started, the server one
        // at the client's next sequence number.
        gw.stats.consumed += 1;
        let to_client = Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        };
        let client_next = track.lan.next.unwrap_or(seg.ack);
        let server_next = seq::add(seg.seq, seg.payload.len());
        gw.emit_rst(Port::Lan, &to_client, seg.seq, client_next, out);
        gw.emit_rst(
            Port::Wan,
            &to_client.reversed(),
            client_next,
            server_next,
            out,
        );
        Some(Mode::ResetAtSyn)
    }
}
