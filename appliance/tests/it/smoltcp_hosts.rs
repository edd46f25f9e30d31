//! Real TCP stacks on both sides: a smoltcp PC on the LAN port and a smoltcp
//! web server on the WAN port, on a virtual clock. This is what the twin's
//! hosts see, so the block has to be a conversation a real stack accepts:
//! the PC reads the page and closes cleanly, the server is reset and never
//! reads the request.

use crate::support::{CNC_IP, PC_IP, spine_intel};
use appliance::gateway::Actions;
use appliance::{Config, Gateway, Instant, Port};
use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::socket::tcp;
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr};
use std::collections::VecDeque;
use std::net::Ipv4Addr;

const T0_MICROS: i64 = 1_506_388_185_000_000;

/// A network card whose wire is two queues the test moves frames between.
#[derive(Default)]
pub(crate) struct Nic {
    pub(crate) rx: VecDeque<Vec<u8>>,
    pub(crate) tx: Vec<Vec<u8>>,
}

pub(crate) struct Rx(Vec<u8>);
pub(crate) struct Tx<'a>(&'a mut Vec<Vec<u8>>);

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        self.0.push(buf);
        r
    }
}

impl Device for Nic {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: SmolInstant) -> Option<(Rx, Tx<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((Rx(frame), Tx(&mut self.tx)))
    }

    fn transmit(&mut self, _: SmolInstant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps
    }
}

pub(crate) struct Host {
    pub(crate) nic: Nic,
    pub(crate) iface: Interface,
    pub(crate) sockets: SocketSet<'static>,
    pub(crate) socket: SocketHandle,
}

impl Host {
    pub(crate) fn new(mac: [u8; 6], addrs: &[(Ipv4Addr, u8)], seed: u64) -> Host {
        let mut nic = Nic::default();
        let mut config = IfaceConfig::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut nic, SmolInstant::from_millis(0));
        iface.update_ip_addrs(|ips| {
            for (ip, len) in addrs {
                ips.push(IpCidr::new((*ip).into(), *len))
                    .expect("room for addresses");
            }
        });
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 8192]),
            tcp::SocketBuffer::new(vec![0; 8192]),
        );
        let mut sockets = SocketSet::new(Vec::new());
        let socket = sockets.add(socket);
        Host {
            nic,
            iface,
            sockets,
            socket,
        }
    }

    pub(crate) fn poll(&mut self, ms: i64) {
        self.iface.poll(
            SmolInstant::from_millis(ms),
            &mut self.nic,
            &mut self.sockets,
        );
    }

    pub(crate) fn tcp(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(self.socket)
    }
}

struct Outcome {
    client_got: Vec<u8>,
    client_state: tcp::State,
    server_got: Vec<u8>,
    server_state: tcp::State,
    events: usize,
    alerts: usize,
    client_frames: usize,
}

/// The PC sends `request` to the server; the server answers `200 OK` and
/// closes if it ever reads a whole request.
fn run(request: &[u8]) -> Outcome {
    let router_ip = Ipv4Addr::new(192, 168, 1, 1);
    let mut pc = Host::new([0x00, 0x0c, 0x29, 0x11, 0x22, 0x33], &[(PC_IP, 24)], 7);
    pc.iface
        .routes_mut()
        .add_default_ipv4_route(router_ip)
        .expect("route");
    // The "internet" answers for the C&C address and, as the office router,
    // for the PC's default gateway.
    let mut server = Host::new(
        [0x00, 0x1b, 0x8b, 0xaa, 0xbb, 0xcc],
        &[(CNC_IP, 24), (router_ip, 24)],
        11,
    );
    server.tcp().listen(80).expect("listen");
    let connect = {
        let cx = pc.iface.context();
        let sock = pc.sockets.get_mut::<tcp::Socket>(pc.socket);
        sock.connect(cx, (CNC_IP, 80), 49_152)
    };
    connect.expect("connect");

    let mut gw = Gateway::new(Config::default(), spine_intel());
    let mut out = Actions::default();
    let (mut sent, mut client_got, mut server_got) = (false, Vec::new(), Vec::new());
    let (mut events, mut alerts, mut client_frames, mut answered) = (0, 0, 0, false);
    for ms in 0..20_000i64 {
        let now = Instant::from_micros(T0_MICROS + ms * 1000);
        if gw.poll_at().is_some_and(|t| t <= now) {
            gw.poll(now, &mut out);
        }
        pc.poll(ms);
        server.poll(ms);
        // Applications.
        let sock = pc.tcp();
        if !sent && sock.may_send() {
            sock.send_slice(request).expect("send");
            sent = true;
        }
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = sock.recv_slice(&mut buf) {
            client_got.extend_from_slice(&buf[..n]);
        }
        if sent && !sock.may_recv() && sock.state() == tcp::State::CloseWait {
            sock.close();
        }
        let srv = server.tcp();
        while let Ok(n @ 1..) = srv.recv_slice(&mut buf) {
            server_got.extend_from_slice(&buf[..n]);
        }
        if !answered && server_got.windows(4).any(|w| w == b"\r\n\r\n") {
            srv.send_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .expect("answer");
            srv.close();
            answered = true;
        }
        pc.poll(ms);
        server.poll(ms);
        // The wire, through the gateway.
        for frame in std::mem::take(&mut pc.nic.tx) {
            client_frames += 1;
            gw.handle(now, Port::Lan, &frame, &mut out);
        }
        for frame in std::mem::take(&mut server.nic.tx) {
            gw.handle(now, Port::Wan, &frame, &mut out);
        }
        for emit in out.frames.drain(..) {
            match emit.port {
                Port::Lan => pc.nic.rx.push_back(emit.frame),
                Port::Wan => server.nic.rx.push_back(emit.frame),
            }
        }
        events += out.events.len();
        alerts += out.alerts.len();
        out.clear();
    }
    Outcome {
        client_got,
        client_state: pc.tcp().state(),
        server_got,
        server_state: server.tcp().state(),
        events,
        alerts,
        client_frames,
    }
}

#[test]
fn smoltcp_pc_reads_the_block_page_and_closes_cleanly() {
    let o = run(b"GET /login.asp HTTP/1.1\r\nHost: xxxsiebabanahujtr.org\r\n\r\n");
    let page = String::from_utf8(o.client_got).expect("UTF-8");
    assert!(page.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{page}");
    assert!(page.contains("C&amp;Cサーバへの通信をブロックしました"));
    assert!(
        o.server_got.is_empty(),
        "the request never reached the server"
    );
    assert_eq!(o.client_state, tcp::State::Closed, "PC closed cleanly");
    assert!(
        matches!(o.server_state, tcp::State::Listen | tcp::State::Closed),
        "server forgot the connection: {:?}",
        o.server_state
    );
    assert_eq!((o.events, o.alerts), (1, 1));
    // ARP, SYN, ACK, request, ACK of the page, FIN: no retransmissions.
    assert!(o.client_frames <= 7, "PC sent {} frames", o.client_frames);
}

#[test]
fn smoltcp_pc_gets_a_clean_page_through_the_gateway() {
    let o = run(b"GET /index.html HTTP/1.1\r\nHost: www.example.jp\r\n\r\n");
    assert_eq!(o.events, 0);
    assert_eq!(
        o.server_got,
        b"GET /index.html HTTP/1.1\r\nHost: www.example.jp\r\n\r\n".to_vec()
    );
    let page = String::from_utf8(o.client_got).expect("UTF-8");
    assert!(page.ends_with("\r\n\r\nok"), "{page}");
}
