//! Building frames the gateway sends in someone else's name: block pages,
//! resets, the ACK that lets a blocked client close.
//!
//! Built with smoltcp's wire views, so the IPv4 and TCP checksums are right
//! and a smoltcp host on the other end accepts them. The IPv4 identification
//! and TTL are chosen by the caller (the gateway derives them from its seed
//! and a counter), never by a clock or a global RNG.

use super::frame::{Flags, Mac, Packet, TcpSeg};
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, IpAddress, IpProtocol, Ipv4Packet, TcpPacket,
    TcpSeqNumber as SeqNumber, UdpPacket,
};
use std::net::Ipv4Addr;

const ETH_LEN: usize = 14;
const IP_LEN: usize = 20;
const TCP_LEN: usize = 20;
const UDP_LEN: usize = 8;

/// Who a forged segment claims to come from and go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub src_mac: Mac,
    pub dst_mac: Mac,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
}

impl Endpoints {
    /// The ends of a TCP segment as it travelled (sender first).
    pub fn of_segment(packet: &Packet<'_>, seg: &TcpSeg<'_>) -> Endpoints {
        Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        }
    }

    /// The same conversation seen from the other side.
    pub fn reversed(&self) -> Endpoints {
        Endpoints {
            src_mac: self.dst_mac,
            dst_mac: self.src_mac,
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }
}

/// The TCP header and payload of a forged segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpSpec<'a> {
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
    pub window: u16,
    /// Emitted as an MSS option (used by tests that forge SYNs).
    pub mss: Option<u16>,
    pub payload: &'a [u8],
}

/// An Ethernet/IPv4/TCP frame with valid checksums.
///
/// Payloads longer than one IPv4 packet can hold are cut at the limit; the
/// gateway's own payloads (block pages) are segmented well below it.
pub fn tcp(ends: &Endpoints, spec: &TcpSpec<'_>, ident: u16, ttl: u8) -> Vec<u8> {
    let opt_len = if spec.mss.is_some() { 4 } else { 0 };
    let max_payload = usize::from(u16::MAX) - IP_LEN - TCP_LEN - opt_len;
    let payload = spec.payload.get(..max_payload).unwrap_or(spec.payload);
    let tcp_len = TCP_LEN + opt_len + payload.len();
    let mut buf = eth_ipv4(ends, IpProtocol::Tcp, tcp_len, ident, ttl);

    let mut seg = TcpPacket::new_unchecked(&mut buf[ETH_LEN + IP_LEN..]);
    seg.set_src_port(ends.src_port);
    seg.set_dst_port(ends.dst_port);
    seg.set_seq_number(SeqNumber(spec.seq as i32));
    seg.set_ack_number(SeqNumber(spec.ack as i32));
    seg.set_header_len((TCP_LEN + opt_len) as u8);
    seg.clear_flags();
    seg.set_syn(spec.flags.syn);
    seg.set_ack(spec.flags.ack);
    seg.set_fin(spec.flags.fin);
    seg.set_rst(spec.flags.rst);
    seg.set_psh(spec.flags.psh);
    seg.set_window_len(spec.window);
    seg.set_urgent_at(0);
    if let Some(mss) = spec.mss {
        let [hi, lo] = mss.to_be_bytes();
        seg.options_mut().copy_from_slice(&[2, 4, hi, lo]);
    }
    seg.payload_mut().copy_from_slice(payload);
    seg.fill_checksum(&IpAddress::Ipv4(ends.src), &IpAddress::Ipv4(ends.dst));
    buf
}

/// An Ethernet/IPv4/UDP datagram with valid checksums (the C&C policy's
/// DNS sinkhole answer). Payloads longer than one IPv4 packet can hold are
/// cut at the limit.
pub fn udp(ends: &Endpoints, payload: &[u8], ident: u16, ttl: u8) -> Vec<u8> {
    let max_payload = usize::from(u16::MAX) - IP_LEN - UDP_LEN;
    let payload = payload.get(..max_payload).unwrap_or(payload);
    let udp_len = UDP_LEN + payload.len();
    let mut buf = eth_ipv4(ends, IpProtocol::Udp, udp_len, ident, ttl);

    let mut dgram = UdpPacket::new_unchecked(&mut buf[ETH_LEN + IP_LEN..]);
    dgram.set_src_port(ends.src_port);
    dgram.set_dst_port(ends.dst_port);
    dgram.set_len(udp_len as u16);
    dgram.payload_mut().copy_from_slice(payload);
    dgram.fill_checksum(&IpAddress::Ipv4(ends.src), &IpAddress::Ipv4(ends.dst));
    buf
}

/// A frame of `l4_len` bytes after its Ethernet and IPv4 headers, those two
/// written (checksum included) and the transport part left zero for the
/// caller. `l4_len` is at most what one IPv4 packet holds (callers cut).
fn eth_ipv4(ends: &Endpoints, protocol: IpProtocol, l4_len: usize, ident: u16, ttl: u8) -> Vec<u8> {
    let mut buf = vec![0u8; ETH_LEN + IP_LEN + l4_len];

    let mut eth = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.set_src_addr(EthernetAddress(ends.src_mac.0));
    eth.set_dst_addr(EthernetAddress(ends.dst_mac.0));
    eth.set_ethertype(EthernetProtocol::Ipv4);

    let mut ip = Ipv4Packet::new_unchecked(&mut buf[ETH_LEN..]);
    ip.set_version(4);
    ip.set_header_len(IP_LEN as u8);
    ip.set_dscp(0);
    ip.set_ecn(0);
    // Bounded above by the callers' cut, so this never truncates.
    ip.set_total_len((IP_LEN + l4_len) as u16);
    ip.set_ident(ident);
    ip.clear_flags();
    ip.set_dont_frag(true);
    ip.set_frag_offset(0);
    ip.set_hop_limit(ttl);
    ip.set_next_header(protocol);
    ip.set_src_addr(ends.src);
    ip.set_dst_addr(ends.dst);
    ip.fill_checksum();
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::{L4, Parsed, parse};

    #[test]
    fn reversed_swaps_everything() {
        let e = Endpoints {
            src_mac: Mac([1; 6]),
            dst_mac: Mac([2; 6]),
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            src_port: 1,
            dst_port: 2,
        };
        let r = e.reversed();
        assert_eq!((r.src_mac, r.src, r.src_port), (Mac([2; 6]), e.dst, 2));
        assert_eq!(r.reversed(), e);
    }

    #[test]
    fn forged_rst_round_trips_with_ident_and_ttl() {
        let e = Endpoints {
            src_mac: Mac([1; 6]),
            dst_mac: Mac([2; 6]),
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            src_port: 1,
            dst_port: 2,
        };
        let spec = TcpSpec {
            seq: u32::MAX,
            ack: 3,
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
            window: 0,
            mss: None,
            payload: b"",
        };
        let frame = tcp(&e, &spec, 0xbeef, 64);
        assert_eq!(frame.len(), 54);
        assert_eq!(&frame[18..20], &[0xbe, 0xef]);
        assert_eq!(frame[22], 64);
        let Ok(Parsed::Ipv4(p)) = parse(&frame) else {
            panic!("must parse")
        };
        let L4::Tcp(t) = p.l4 else { panic!("tcp") };
        assert_eq!(t.seq, u32::MAX);
        assert!(t.flags.rst && t.flags.ack);
    }
}
