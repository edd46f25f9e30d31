//! What the network stages read of one packet (protocol, ports, payload,
//! flags), worked out once from the stage's [`Input`].

use super::{FlowView, Input};
use crate::time::Instant;
use crate::wire::Port;
use crate::wire::frame::{L4, Packet};

/// What the stages read of one packet, worked out once.
#[derive(Clone, Copy)]
pub(super) struct Seen<'a> {
    pub(super) now: Instant,
    pub(super) port: Port,
    pub(super) frame: &'a [u8],
    pub(super) packet: &'a Packet<'a>,
    pub(super) flow: FlowView,
    pub(super) table_full: bool,
    pub(super) remote_name: Option<&'a str>,
    pub(super) protocol: u8,
    pub(super) src_port: Option<u16>,
    pub(super) dst_port: Option<u16>,
    pub(super) payload: &'a [u8],
    /// A TCP SYN without ACK.
    pub(super) syn: bool,
    pub(super) rst: bool,
    pub(super) fragment: bool,
    pub(super) icmp_type: Option<u8>,
}

impl<'a> Seen<'a> {
    pub(super) fn of(input: &Input<'a>) -> Seen<'a> {
        let packet = input.packet;
        let (protocol, src_port, dst_port, payload, syn, rst) = match &packet.l4 {
            L4::Tcp(s) => (
                6u8,
                Some(s.src_port),
                Some(s.dst_port),
                s.payload,
                s.flags.syn && !s.flags.ack,
                s.flags.rst,
            ),
            L4::Udp(d) => (
                17,
                Some(d.src_port),
                Some(d.dst_port),
                d.payload,
                false,
                false,
            ),
            L4::Fragment { protocol } | L4::Other { protocol } => {
                (*protocol, None, None, &[][..], false, false)
            }
        };
        let fragment = matches!(packet.l4, L4::Fragment { .. });
        let icmp_type = if protocol == 1 && !fragment {
            icmp_type(input.frame)
        } else {
            None
        };
        Seen {
            now: input.now,
            port: input.port,
            frame: input.frame,
            packet,
            flow: input.flow,
            table_full: input.table_full,
            remote_name: input.remote_name,
            protocol,
            src_port,
            dst_port,
            payload,
            syn,
            rst,
            fragment,
            icmp_type,
        }
    }
}

/// The ICMP type of an unfragmented ICMP packet.
fn icmp_type(frame: &[u8]) -> Option<u8> {
    let ihl = usize::from(frame.get(14)? & 0x0f) * 4;
    frame.get(14 + ihl).copied()
}
