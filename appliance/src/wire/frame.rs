//! Checked views of one Ethernet frame: Ethernet, IPv4, and TCP or UDP.
//!
//! The forwarding rule the gateway applies to what this module says:
//!
//! * not IPv4 (ARP, IPv6, VLAN tags, ...): [`Parsed::Other`], forwarded unchanged,
//!   because a bridge that ate ARP would cut the office off;
//! * an Ethernet header shorter than 14 bytes, an IPv4 header that fails the
//!   checked view, the version test or its checksum, or a TCP/UDP header that
//!   fails the checked view or its checksum: [`Malformed`], dropped, because
//!   the endpoints would drop it too and passing it uninspected would be a
//!   way around the engines;
//! * IPv4 fragments: [`L4::Fragment`]; the gateway drops TCP fragments (they
//!   could smuggle a request past inspection) and forwards the rest.

use smoltcp::wire::{
    EthernetFrame, EthernetProtocol, IpAddress, IpProtocol, Ipv4Packet, TcpOption, TcpPacket,
    UdpPacket,
};
use std::fmt;
use std::net::Ipv4Addr;

/// A MAC address, shown as the console shows it: `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// What a frame turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// Not IPv4: forwarded unchanged.
    Other,
    Ipv4(Packet<'a>),
}

/// Why a frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Malformed {
    Ethernet,
    Ipv4Header,
    Ipv4Checksum,
    TcpHeader,
    TcpChecksum,
    UdpHeader,
    UdpChecksum,
}

impl Malformed {
    pub fn label(self) -> &'static str {
        match self {
            Malformed::Ethernet => "truncated Ethernet header",
            Malformed::Ipv4Header => "bad IPv4 header",
            Malformed::Ipv4Checksum => "bad IPv4 checksum",
            Malformed::TcpHeader => "bad TCP header",
            Malformed::TcpChecksum => "bad TCP checksum",
            Malformed::UdpHeader => "bad UDP header",
            Malformed::UdpChecksum => "bad UDP checksum",
        }
    }
}

/// An IPv4 packet inside an Ethernet frame, with the fields the engines need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    pub src_mac: Mac,
    pub dst_mac: Mac,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub l4: L4<'a>,
}

/// The transport layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum L4<'a> {
    Tcp(TcpSeg<'a>),
    Udp(Datagram<'a>),
    /// A fragment: its ports may not even be in this frame.
    Fragment {
        protocol: u8,
    },
    /// ICMP, GRE, ...: forwarded.
    Other {
        protocol: u8,
    },
}

/// TCP control flags the gateway cares about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
}

/// A TCP segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSeg<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
    pub window: u16,
    /// The MSS option, if the segment carries one (SYNs do).
    pub mss: Option<u16>,
    pub payload: &'a [u8],
}

impl TcpSeg<'_> {
    /// Length in sequence space: payload plus one for each of SYN and FIN.
    pub fn seq_len(&self) -> usize {
        self.payload.len() + usize::from(self.flags.syn) + usize::from(self.flags.fin)
    }
}

/// A UDP datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// Parses one Ethernet frame through checked views.
pub fn parse(frame: &[u8]) -> Result<Parsed<'_>, Malformed> {
    let eth = EthernetFrame::new_checked(frame).map_err(|_| Malformed::Ethernet)?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return Ok(Parsed::Other);
    }
    let src_mac = Mac(eth.src_addr().0);
    let dst_mac = Mac(eth.dst_addr().0);
    let ip = Ipv4Packet::new_checked(eth.payload()).map_err(|_| Malformed::Ipv4Header)?;
    if ip.version() != 4 {
        return Err(Malformed::Ipv4Header);
    }
    if !ip.verify_checksum() {
        return Err(Malformed::Ipv4Checksum);
    }
    let src = ip.src_addr();
    let dst = ip.dst_addr();
    let protocol = u8::from(ip.next_header());
    let l4 = if ip.more_frags() || ip.frag_offset() != 0 {
        L4::Fragment { protocol }
    } else {
        // Trailing Ethernet padding is outside total_len, so payload() is exact.
        let body = ip.payload();
        let (s, d) = (IpAddress::Ipv4(src), IpAddress::Ipv4(dst));
        match ip.next_header() {
            IpProtocol::Tcp => {
                let tcp = TcpPacket::new_checked(body).map_err(|_| Malformed::TcpHeader)?;
                if !tcp.verify_checksum(&s, &d) {
                    return Err(Malformed::TcpChecksum);
                }
                L4::Tcp(TcpSeg {
                    src_port: tcp.src_port(),
                    dst_port: tcp.dst_port(),
                    seq: tcp.seq_number().0 as u32,
                    ack: tcp.ack_number().0 as u32,
                    flags: Flags {
                        syn: tcp.syn(),
                        ack: tcp.ack(),
                        fin: tcp.fin(),
                        rst: tcp.rst(),
                        psh: tcp.psh(),
                    },
                    window: tcp.window_len(),
                    mss: mss_option(tcp.options()),
                    payload: tcp.payload(),
                })
            }
            IpProtocol::Udp => {
                let udp = UdpPacket::new_checked(body).map_err(|_| Malformed::UdpHeader)?;
                if !udp.verify_checksum(&s, &d) {
                    return Err(Malformed::UdpChecksum);
                }
                let payload = udp.payload();
                L4::Udp(Datagram {
                    src_port: udp.src_port(),
                    dst_port: udp.dst_port(),
                    payload,
                })
            }
            _ => L4::Other { protocol },
        }
    };
    Ok(Parsed::Ipv4(Packet {
        src_mac,
        dst_mac,
        src,
        dst,
        l4,
    }))
}

/// The MSS option; a malformed option list just means "no MSS known".
fn mss_option(mut options: &[u8]) -> Option<u16> {
    // At most 40 bytes of options, each at least one byte: the loop is bounded.
    while !options.is_empty() {
        let (rest, option) = TcpOption::parse(options).ok()?;
        match option {
            TcpOption::MaxSegmentSize(mss) => return Some(mss),
            TcpOption::EndOfList => return None,
            _ => {}
        }
        if rest.len() >= options.len() {
            return None;
        }
        options = rest;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::forge::{self, Endpoints, TcpSpec};
    use proptest::prelude::*;

    fn endpoints() -> Endpoints {
        Endpoints {
            src_mac: Mac([2, 0, 0, 0, 0, 1]),
            dst_mac: Mac([2, 0, 0, 0, 0, 2]),
            src: Ipv4Addr::new(192, 168, 1, 11),
            dst: Ipv4Addr::new(203, 0, 113, 5),
            src_port: 1030,
            dst_port: 80,
        }
    }

    #[test]
    fn parses_a_forged_segment() {
        let spec = TcpSpec {
            seq: 7,
            ack: 9,
            flags: Flags {
                ack: true,
                psh: true,
                ..Flags::default()
            },
            window: 1000,
            mss: None,
            payload: b"GET / HTTP/1.1\r\n\r\n",
        };
        let frame = forge::tcp(&endpoints(), &spec, 1, 64);
        let Ok(Parsed::Ipv4(p)) = parse(&frame) else {
            panic!("forged frame must parse");
        };
        assert_eq!(p.src, Ipv4Addr::new(192, 168, 1, 11));
        assert_eq!(p.src_mac.to_string(), "02:00:00:00:00:01");
        let L4::Tcp(t) = p.l4 else { panic!("tcp") };
        assert_eq!((t.seq, t.ack, t.src_port, t.dst_port), (7, 9, 1030, 80));
        assert_eq!(t.payload, b"GET / HTTP/1.1\r\n\r\n");
        assert!(t.flags.psh && t.flags.ack && !t.flags.syn);
    }

    #[test]
    fn syn_mss_is_read() {
        let spec = TcpSpec {
            seq: 1,
            ack: 0,
            flags: Flags {
                syn: true,
                ..Flags::default()
            },
            window: 1000,
            mss: Some(1460),
            payload: b"",
        };
        let frame = forge::tcp(&endpoints(), &spec, 1, 64);
        let Ok(Parsed::Ipv4(Packet { l4: L4::Tcp(t), .. })) = parse(&frame) else {
            panic!("syn must parse");
        };
        assert_eq!(t.mss, Some(1460));
        assert_eq!(t.seq_len(), 1);
    }

    #[test]
    fn corrupted_checksums_and_truncation_are_refused() {
        let spec = TcpSpec {
            seq: 1,
            ack: 1,
            flags: Flags::default(),
            window: 0,
            mss: None,
            payload: b"hello",
        };
        let frame = forge::tcp(&endpoints(), &spec, 1, 64);
        let mut bad = frame.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert_eq!(parse(&bad), Err(Malformed::TcpChecksum));
        let mut bad_ip = frame.clone();
        bad_ip[14 + 8] ^= 1; // TTL
        assert_eq!(parse(&bad_ip), Err(Malformed::Ipv4Checksum));
        assert_eq!(parse(&frame[..40]), Err(Malformed::Ipv4Header));
        assert_eq!(parse(&frame[..10]), Err(Malformed::Ethernet));
    }

    #[test]
    fn arp_is_other() {
        let mut arp = vec![0xff; 6];
        arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
        arp.extend_from_slice(&[0; 28]);
        assert_eq!(parse(&arp), Ok(Parsed::Other));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_mangled_ipv4(tail in proptest::collection::vec(any::<u8>(), 0..120)) {
            let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
            frame.extend_from_slice(&tail);
            let _ = parse(&frame);
            let _ = mss_option(&tail);
        }
    }
}
