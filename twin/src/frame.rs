//! Frames the twin synthesises without a TCP stack (scripted scans, floods,
//! a new device's DHCP), built and read with smoltcp's wire views: the
//! twin's own, never the gateway's frame builder or parser, so a bug in
//! either shows as a difference instead of agreeing with itself.

use crate::model::Mac;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, IpAddress, IpProtocol, Ipv4Packet, TcpPacket,
    TcpSeqNumber, UdpPacket,
};
use std::net::Ipv4Addr;

const ETH_LEN: usize = 14;
const IPV4_LEN: usize = 20;
const TCP_LEN: usize = 20;
const UDP_LEN: usize = 8;
/// The MSS option a scripted SYN carries (kind 2, length 4, 1460).
const MSS_OPTION: [u8; 4] = [2, 4, 0x05, 0xb4];

/// One end of a synthesised packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct End {
    pub mac: Mac,
    pub ip: Ipv4Addr,
    pub port: u16,
}

/// Writes the Ethernet and IPv4 headers of `buf`, a whole frame whose
/// IPv4 packet runs to its end.
fn ethernet_ipv4(
    buf: &mut [u8],
    src: &End,
    dst: &End,
    protocol: IpProtocol,
    ident: u16,
    dont_frag: bool,
) {
    let mut eth = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.set_dst_addr(EthernetAddress(dst.mac.0));
    eth.set_src_addr(EthernetAddress(src.mac.0));
    eth.set_ethertype(EthernetProtocol::Ipv4);
    let ip_len = buf.len() - ETH_LEN;
    let mut ip = Ipv4Packet::new_unchecked(&mut buf[ETH_LEN..]);
    ip.set_version(4);
    ip.set_header_len(IPV4_LEN as u8);
    ip.set_dscp(0);
    ip.set_ecn(0);
    // Callers build small packets, far below 64 KiB.
    ip.set_total_len(ip_len as u16);
    ip.set_ident(ident);
    ip.clear_flags();
    ip.set_dont_frag(dont_frag);
    ip.set_frag_offset(0);
    ip.set_hop_limit(64);
    ip.set_next_header(protocol);
    ip.set_src_addr(src.ip);
    ip.set_dst_addr(dst.ip);
    ip.fill_checksum();
}

/// A TCP SYN as a scanner or flooder sends it: IPv4 with DF, TTL 64, the
/// given identification, window 1024, an MSS option of 1460, no payload.
pub fn tcp_syn(src: &End, dst: &End, seq: u32, ident: u16) -> Vec<u8> {
    let tcp_len = TCP_LEN + MSS_OPTION.len();
    let mut buf = vec![0u8; ETH_LEN + IPV4_LEN + tcp_len];
    ethernet_ipv4(&mut buf, src, dst, IpProtocol::Tcp, ident, true);
    let mut seg = TcpPacket::new_unchecked(&mut buf[ETH_LEN + IPV4_LEN..]);
    seg.set_src_port(src.port);
    seg.set_dst_port(dst.port);
    // The sequence number's bits as they are; smoltcp keeps them signed.
    seg.set_seq_number(TcpSeqNumber(i32::from_ne_bytes(seq.to_ne_bytes())));
    seg.set_ack_number(TcpSeqNumber(0));
    seg.set_header_len(tcp_len as u8);
    seg.clear_flags();
    seg.set_syn(true);
    seg.set_window_len(1024);
    seg.set_urgent_at(0);
    seg.options_mut().copy_from_slice(&MSS_OPTION);
    seg.fill_checksum(&IpAddress::Ipv4(src.ip), &IpAddress::Ipv4(dst.ip));
    buf
}

/// An Ethernet/IPv4/UDP datagram with valid checksums (identification 1,
/// TTL 64, no DF: a DHCP client's first packet).
pub fn udp(src: &End, dst: &End, payload: &[u8]) -> Vec<u8> {
    let udp_len = UDP_LEN + payload.len();
    let mut buf = vec![0u8; ETH_LEN + IPV4_LEN + udp_len];
    ethernet_ipv4(&mut buf, src, dst, IpProtocol::Udp, 1, false);
    let mut dgram = UdpPacket::new_unchecked(&mut buf[ETH_LEN + IPV4_LEN..]);
    dgram.set_src_port(src.port);
    dgram.set_dst_port(dst.port);
    dgram.set_len(udp_len as u16);
    dgram.payload_mut().copy_from_slice(payload);
    dgram.fill_checksum(&IpAddress::Ipv4(src.ip), &IpAddress::Ipv4(dst.ip));
    buf
}

/// What a test reads back from a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// Not IPv4 (ARP, ...).
    NotIpv4,
    Tcp {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        dst_port: u16,
        syn: bool,
    },
    Udp {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        dst_port: u16,
    },
    /// IPv4 carrying something else.
    Other,
}

/// Reads a frame through smoltcp's checked views; `None` if a header is
/// short or a checksum is wrong.
pub fn read(frame: &[u8]) -> Option<Read> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return Some(Read::NotIpv4);
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if !ip.verify_checksum() {
        return None;
    }
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let (s, d) = (IpAddress::Ipv4(src), IpAddress::Ipv4(dst));
    match ip.next_header() {
        IpProtocol::Tcp => {
            let seg = TcpPacket::new_checked(ip.payload()).ok()?;
            seg.verify_checksum(&s, &d).then_some(Read::Tcp {
                src,
                dst,
                dst_port: seg.dst_port(),
                syn: seg.syn(),
            })
        }
        IpProtocol::Udp => {
            let dgram = UdpPacket::new_checked(ip.payload()).ok()?;
            dgram.verify_checksum(&s, &d).then_some(Read::Udp {
                src,
                dst,
                dst_port: dgram.dst_port(),
            })
        }
        _ => Some(Read::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends() -> (End, End) {
        (
            End {
                mac: Mac([2, 0, 0, 0, 0, 1]),
                ip: Ipv4Addr::new(203, 0, 113, 66),
                port: 40001,
            },
            End {
                mac: Mac([2, 0, 0, 0, 0, 9]),
                ip: Ipv4Addr::new(192, 168, 1, 2),
                port: 445,
            },
        )
    }

    #[test]
    fn a_syn_has_the_scanners_headers() {
        let (src, dst) = ends();
        let f = tcp_syn(&src, &dst, 0x8000_0001, 0xbeef);
        assert_eq!(f.len(), 14 + 20 + 24);
        assert_eq!(&f[0..6], &dst.mac.0);
        assert_eq!(&f[6..12], &src.mac.0);
        assert_eq!(&f[12..14], &[0x08, 0x00]);
        // Version/IHL, DSCP, total length, ident, DF, TTL, protocol.
        assert_eq!(&f[14..24], &[0x45, 0, 0, 44, 0xbe, 0xef, 0x40, 0, 64, 6]);
        assert_eq!(&f[38..42], &[0x80, 0, 0, 1], "sequence number");
        assert_eq!(f[46], 6 << 4, "data offset: 24 bytes");
        assert_eq!(f[47], 0x02, "SYN only");
        assert_eq!(&f[48..50], &1024u16.to_be_bytes());
        assert_eq!(&f[54..58], &MSS_OPTION);
        assert_eq!(
            read(&f),
            Some(Read::Tcp {
                src: src.ip,
                dst: dst.ip,
                dst_port: 445,
                syn: true
            })
        );
    }

    #[test]
    fn a_udp_datagram_has_valid_checksums_and_no_df() {
        let (src, dst) = ends();
        let f = udp(&src, &dst, b"hello");
        assert_eq!(&f[14..24], &[0x45, 0, 0, 33, 0, 1, 0, 0, 64, 17]);
        assert_eq!(&f[38..40], &13u16.to_be_bytes());
        assert!(matches!(read(&f), Some(Read::Udp { dst_port: 445, .. })));
        let mut bad = f.clone();
        bad[45] ^= 1;
        assert_eq!(
            read(&bad),
            None,
            "a corrupted payload fails the UDP checksum"
        );
    }
}
