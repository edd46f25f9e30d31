//! Hand-built conversations: a LAN PC and an internet server, with helpers to
//! forge their segments and to read what the gateway emitted.

use appliance::gateway::Emit;
use appliance::wire::forge::{self, Endpoints, TcpSpec};
use appliance::wire::frame::{self, Flags, L4, Mac, Parsed};
use appliance::{FrozenIntel, Port};
use std::net::Ipv4Addr;

pub const PC_MAC: Mac = Mac([0x00, 0x0c, 0x29, 0x11, 0x22, 0x33]);
pub const ROUTER_MAC: Mac = Mac([0x00, 0x1b, 0x8b, 0xaa, 0xbb, 0xcc]);
pub const PC_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);
pub const CNC_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);

/// The spine's C&C list.
pub fn spine_intel() -> FrozenIntel {
    let mut intel = FrozenIntel::default();
    intel.cnc.urls.insert(
        "http://xxxrzy8823l68me.net/account.asp?qu=cmd".into(),
        "CnC.Win32.Spine".into(),
    );
    intel
        .cnc
        .domains
        .insert("xxxsiebabanahujtr.org".into(), "CnC.Win32.Spine".into());
    intel
}

/// One TCP conversation between the PC and a server, from the PC's side.
pub struct Conn {
    pub ends: Endpoints,
}

impl Conn {
    pub fn new(client_port: u16, server: Ipv4Addr) -> Conn {
        Conn {
            ends: Endpoints {
                src_mac: PC_MAC,
                dst_mac: ROUTER_MAC,
                src: PC_IP,
                dst: server,
                src_port: client_port,
                dst_port: 80,
            },
        }
    }

    /// A frame from the client (to be handed in on the LAN port).
    pub fn client(&self, seq: u32, ack: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
        seg(&self.ends, seq, ack, flags, payload)
    }

    /// A frame from the server (to be handed in on the WAN port).
    pub fn server(&self, seq: u32, ack: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
        seg(&self.ends.reversed(), seq, ack, flags, payload)
    }
}

/// A conversation with each side's next sequence number tracked: a frame
/// is built at its side's next number (or an offset from it), acknowledging
/// the other side's.
pub struct Sequenced {
    pub conn: Conn,
    pub client: u32,
    pub server: u32,
}

impl Sequenced {
    /// A frame from `port`'s side at its next sequence number, which then
    /// moves past the payload (and a SYN or FIN).
    pub fn next(&mut self, port: Port, flags: Flags, payload: &[u8]) -> Vec<u8> {
        let frame = self.at(port, 0, flags, payload);
        let grow = payload.len() as u32 + u32::from(flags.syn || flags.fin);
        match port {
            Port::Lan => self.client = self.client.wrapping_add(grow),
            Port::Wan => self.server = self.server.wrapping_add(grow),
        }
        frame
    }

    /// A frame `offset` bytes past (or, wrapping, before) `port`'s side's
    /// next sequence number, which stays where it is.
    pub fn at(&self, port: Port, offset: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
        match port {
            Port::Lan => self.conn.client(
                self.client.wrapping_add(offset),
                self.server,
                flags,
                payload,
            ),
            Port::Wan => self.conn.server(
                self.server.wrapping_add(offset),
                self.client,
                flags,
                payload,
            ),
        }
    }
}

fn seg(ends: &Endpoints, seq: u32, ack: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let spec = TcpSpec {
        seq,
        ack,
        flags,
        window: 64240,
        mss: flags.syn.then_some(1460),
        payload,
    };
    forge::tcp(ends, &spec, 0x1234, 128)
}

pub fn syn() -> Flags {
    Flags {
        syn: true,
        ..Flags::default()
    }
}

pub fn synack() -> Flags {
    Flags {
        syn: true,
        ack: true,
        ..Flags::default()
    }
}

pub fn ack() -> Flags {
    Flags {
        ack: true,
        ..Flags::default()
    }
}

pub fn psh() -> Flags {
    Flags {
        ack: true,
        psh: true,
        ..Flags::default()
    }
}

pub fn fin() -> Flags {
    Flags {
        ack: true,
        fin: true,
        ..Flags::default()
    }
}

/// A TCP segment the gateway emitted, decoded.
#[derive(Debug, Clone)]
pub struct Seen {
    pub port: Port,
    pub src_mac: Mac,
    pub dst_mac: Mac,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
    pub ident: u16,
    pub ttl: u8,
    pub payload: Vec<u8>,
}

/// Decodes an emitted TCP frame (through the same checked parser, so bad
/// checksums fail the test).
pub fn decode(emit: &Emit) -> Seen {
    let parsed = frame::parse(&emit.frame).expect("emitted frame must parse with valid checksums");
    let Parsed::Ipv4(p) = parsed else {
        panic!("not IPv4");
    };
    let L4::Tcp(t) = p.l4 else {
        panic!("not TCP");
    };
    Seen {
        port: emit.port,
        src_mac: p.src_mac,
        dst_mac: p.dst_mac,
        src: p.src,
        dst: p.dst,
        src_port: t.src_port,
        dst_port: t.dst_port,
        seq: t.seq,
        ack: t.ack,
        flags: t.flags,
        ident: u16::from_be_bytes([emit.frame[18], emit.frame[19]]),
        ttl: emit.frame[22],
        payload: t.payload.to_vec(),
    }
}

/// Whether `emits` is exactly `frame` forwarded to `port`.
pub fn forwarded(emits: &[Emit], port: Port, frame: &[u8]) -> bool {
    emits.len() == 1 && emits[0].port == port && emits[0].frame == frame
}
