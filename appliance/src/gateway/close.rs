//! A connection's end: a flow's stream buffers are freed as soon as the
//! connection is over both ways (each side's first FIN, at the end of what
//! it sent, acknowledged; or a reset at the sequence its receiver last
//! acknowledged, nothing sent past it), not at the flow's idle expiry; the
//! entry itself stays, small, for late ACKs. Freeing turns the download
//! reading off: safe only because a close the peer would not accept never
//! gets here (`flow_close.rs` tests the counter-class).

use super::*;

impl TcpFlow {
    /// Frees the flow's stream buffers; the mode stays, so whatever still
    /// comes is handled as before, without history.
    pub(super) fn release_buffers(&mut self) {
        match &mut self.mode {
            Mode::Inspect(insp) => insp.release_buffers(),
            Mode::Tls(_) => self.mode = Mode::Pass,
            _ => {}
        }
    }
}

impl Gateway {
    /// Heap bytes the flows hold for their streams (reassembly buffers,
    /// held frames, responses being read): what closing a connection frees.
    pub fn stream_bytes(&self) -> usize {
        self.flows
            .values()
            .map(|f| match f {
                Flow::Tcp(tcp) => match &tcp.mode {
                    Mode::Inspect(insp) => insp.buffered_bytes(),
                    Mode::Tls(watch) => watch.server.capacity(),
                    _ => 0,
                },
                Flow::Udp => 0,
            })
            .sum()
    }
}
