//! The mail proxy with real TCP stacks on both sides (smoltcp on a virtual
//! clock): an SMTP client and server, and a POP3 client and server, speak
//! through the gateway; what the far side receives is checked byte for byte
//! where it must not change, and for the tag and notice where it must.

use crate::smoltcp_hosts::Host;
use appliance::gateway::Actions;
use appliance::inspect::anti_malware::eicar::EICAR;
use appliance::inspect::email_reputation::{ZOMBIE_ZONE, query_name};
use appliance::inspect::mail_security::rewrite::base64;
use appliance::proto::mime;
use appliance::{Action, Config, Engine, Event, FrozenIntel, Gateway, Instant, Port};
use smoltcp::socket::tcp;
use std::net::Ipv4Addr;

const PC_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 11);
const ROUTER_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
const MAIL_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 25);
const ZOMBIE_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 77);

fn mail_with(attachment: &[u8], name: &str) -> Vec<u8> {
    format!(
        "From: partner@example.jp\r\nTo: office@print-shop.example\r\nSubject: Re: invoice\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n\
--XX\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nPlease see the file.\r\n.leading dot line\r\n\
--XX\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\
Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
        base64(attachment)
    )
    .into_bytes()
}

/// A line-oriented peer: a script of (wait for a line starting with, then send).
struct Script {
    steps: Vec<(&'static str, Vec<u8>)>,
    at: usize,
    got: Vec<u8>,
    seen: usize,
}

impl Script {
    fn new(steps: Vec<(&'static str, Vec<u8>)>) -> Script {
        Script {
            steps,
            at: 0,
            got: Vec::new(),
            seen: 0,
        }
    }

    /// Feeds received bytes; returns what to send now.
    fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.got.extend_from_slice(data);
        let mut send = Vec::new();
        while let Some((expect, reply)) = self.steps.get(self.at) {
            let text = String::from_utf8_lossy(&self.got[self.seen..]).into_owned();
            let Some(pos) = text.find(expect) else { break };
            self.seen += pos + expect.len();
            send.extend_from_slice(reply);
            self.at += 1;
        }
        send
    }
}

struct Run {
    client_got: Vec<u8>,
    server_got: Vec<u8>,
    events: Vec<Event>,
}

/// Runs `client` (a script against what the server says) from `client_ip`
/// on `client_port` to `server` (a script against what the client says).
fn converse(
    gw: &mut Gateway,
    client_on_lan: bool,
    server_ip: Ipv4Addr,
    port: u16,
    mut client: Script,
    mut server: Script,
) -> Run {
    let (lan_ip, wan_ip) = if client_on_lan {
        (PC_IP, server_ip)
    } else {
        (server_ip, ZOMBIE_IP)
    };
    let mut lan = Host::new([0x00, 0x0c, 0x29, 0x11, 0x22, 0x33], &[(lan_ip, 24)], 7);
    lan.iface
        .routes_mut()
        .add_default_ipv4_route(ROUTER_IP)
        .ok();
    let mut wan = Host::new(
        [0x00, 0x1b, 0x8b, 0xaa, 0xbb, 0xcc],
        &[(wan_ip, 24), (ROUTER_IP, 24)],
        11,
    );
    wan.iface
        .routes_mut()
        .add_default_ipv4_route(ROUTER_IP)
        .ok();
    let (cli, srv) = if client_on_lan {
        (&mut lan, &mut wan)
    } else {
        (&mut wan, &mut lan)
    };
    srv.tcp().listen(port).ok();
    let target = if client_on_lan { server_ip } else { lan_ip };
    {
        let cx = cli.iface.context();
        let sock = cli.sockets.get_mut::<tcp::Socket>(cli.socket);
        if client_on_lan {
            sock.connect(cx, (target, port), 49_152).ok();
        } else {
            // The WAN node also answers as the router; speak as the zombie.
            sock.connect(cx, (target, port), (ZOMBIE_IP, 49_152)).ok();
        }
    }
    let mut out = Actions::default();
    let mut run = Run {
        client_got: Vec::new(),
        server_got: Vec::new(),
        events: Vec::new(),
    };
    let greeting = server.feed(b"");
    let mut greeted = false;
    let (mut client_pending, mut server_pending) = (Vec::new(), Vec::new());
    for ms in 0..30_000i64 {
        let now = Instant::from_micros(1_700_000_000_000_000 + ms * 1000);
        if gw.poll_at().is_some_and(|t| t <= now) {
            gw.poll(now, &mut out);
        }
        lan.poll(ms);
        wan.poll(ms);
        let (cli, srv) = if client_on_lan {
            (&mut lan, &mut wan)
        } else {
            (&mut wan, &mut lan)
        };
        let mut buf = vec![0u8; 65536];
        let s = srv.tcp();
        if !greeted && s.may_send() {
            s.send_slice(&greeting).ok();
            greeted = true;
        }
        while let Ok(n @ 1..) = s.recv_slice(&mut buf) {
            run.server_got.extend_from_slice(&buf[..n]);
            server_pending.extend(server.feed(&buf[..n]));
        }
        // What does not fit the socket's buffer goes on a later turn.
        if let Ok(n) = s.send_slice(&server_pending) {
            server_pending.drain(..n);
        }
        if s.state() == tcp::State::CloseWait {
            s.close();
        }
        let c = cli.tcp();
        while let Ok(n @ 1..) = c.recv_slice(&mut buf) {
            run.client_got.extend_from_slice(&buf[..n]);
            client_pending.extend(client.feed(&buf[..n]));
        }
        if let Ok(n) = c.send_slice(&client_pending) {
            client_pending.drain(..n);
        }
        if c.state() == tcp::State::CloseWait {
            c.close();
        }
        lan.poll(ms);
        wan.poll(ms);
        let now = Instant::from_micros(1_700_000_000_000_000 + ms * 1000);
        for frame in std::mem::take(&mut lan.nic.tx) {
            gw.handle(now, Port::Lan, &frame, &mut out);
        }
        for frame in std::mem::take(&mut wan.nic.tx) {
            gw.handle(now, Port::Wan, &frame, &mut out);
        }
        for emit in out.frames.drain(..) {
            match emit.port {
                Port::Lan => lan.nic.rx.push_back(emit.frame),
                Port::Wan => wan.nic.rx.push_back(emit.frame),
            }
        }
        run.events.append(&mut out.events);
        out.clear();
    }
    run
}

fn smtp_client(message: &[u8]) -> Script {
    let mut data = appliance::proxy::smtp::stuff(message);
    data.splice(0..0, Vec::new());
    Script::new(vec![
        ("220 ", b"EHLO pc-01\r\n".to_vec()),
        ("250 ", b"MAIL FROM:<partner@example.jp>\r\n".to_vec()),
        ("250 ", b"RCPT TO:<office@print-shop.example>\r\n".to_vec()),
        ("250 ", b"DATA\r\n".to_vec()),
        ("354 ", data),
        ("250 ", b"QUIT\r\n".to_vec()),
    ])
}

fn smtp_server() -> Script {
    Script::new(vec![
        ("", b"220 mx.isp.example ESMTP\r\n".to_vec()),
        (
            "EHLO",
            b"250-mx.isp.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n".to_vec(),
        ),
        ("MAIL", b"250 2.1.0 Ok\r\n".to_vec()),
        ("RCPT", b"250 2.1.5 Ok\r\n".to_vec()),
        ("DATA", b"354 End data with <CR><LF>.<CR><LF>\r\n".to_vec()),
        ("\r\n.\r\n", b"250 2.0.0 Ok: queued\r\n".to_vec()),
        ("QUIT", b"221 2.0.0 Bye\r\n".to_vec()),
    ])
}

/// The message the server stored, from what it read.
fn stored(server_got: &[u8]) -> Vec<u8> {
    let text = server_got;
    let start = text
        .windows(6)
        .position(|w| w == b"DATA\r\n")
        .map_or(0, |p| p + 6);
    let body = &text[start..];
    let (len, _) = appliance::proxy::smtp::find_end(body, 0).unwrap_or((body.len(), 0));
    appliance::proxy::smtp::unstuff(&body[..len])
}

#[test]
fn smtp_clean_mail_passes_byte_for_byte() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mail = mail_with(b"just a text file", "notes.txt");
    let run = converse(
        &mut gw,
        true,
        MAIL_IP,
        25,
        smtp_client(&mail),
        smtp_server(),
    );
    assert_eq!(stored(&run.server_got), mail);
    assert!(run.events.is_empty(), "{:?}", run.events);
    let client = String::from_utf8_lossy(&run.client_got);
    assert!(client.contains("250 2.0.0 Ok: queued"), "{client}");
    assert!(
        !client.contains("CHUNKING"),
        "CHUNKING is hidden from clients: {client}"
    );
    assert!(client.contains("221 2.0.0 Bye"));
}

/// A relayed mail's buffer goes back to the gateway once the server has
/// acknowledged it, and the next mail of the session fills it: both mails
/// arrive byte for byte, and the gateway ends holding one buffer, not two.
#[test]
fn a_relayed_mails_buffer_is_filled_by_the_next_mail() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let first = mail_with(&vec![b'a'; 90_000], "first.txt");
    let second = mail_with(&vec![b'b'; 60_000], "second.txt");
    let transaction = |mail: &[u8]| {
        vec![
            ("250 ", b"MAIL FROM:<partner@example.jp>\r\n".to_vec()),
            ("250 ", b"RCPT TO:<office@print-shop.example>\r\n".to_vec()),
            ("250 ", b"DATA\r\n".to_vec()),
            ("354 ", appliance::proxy::smtp::stuff(mail)),
        ]
    };
    let mut client = vec![("220 ", b"EHLO pc-01\r\n".to_vec())];
    client.extend(transaction(&first));
    client.extend(transaction(&second));
    client.push(("250 ", b"QUIT\r\n".to_vec()));
    let mut server = vec![
        ("", b"220 mx.isp.example ESMTP\r\n".to_vec()),
        ("EHLO", b"250 mx.isp.example\r\n".to_vec()),
    ];
    for _ in 0..2 {
        server.extend([
            ("MAIL", b"250 2.1.0 Ok\r\n".to_vec()),
            ("RCPT", b"250 2.1.5 Ok\r\n".to_vec()),
            ("DATA", b"354 End data with <CR><LF>.<CR><LF>\r\n".to_vec()),
            ("\r\n.\r\n", b"250 2.0.0 Ok: queued\r\n".to_vec()),
        ]);
    }
    server.push(("QUIT", b"221 2.0.0 Bye\r\n".to_vec()));
    let run = converse(
        &mut gw,
        true,
        MAIL_IP,
        25,
        Script::new(client),
        Script::new(server),
    );
    let second_at = memchr::memmem::rfind(&run.server_got, b"MAIL FROM").unwrap_or(0);
    let (one, two) = run.server_got.split_at(second_at);
    for (i, (got, sent)) in [(stored(one), &first), (stored(two), &second)]
        .iter()
        .enumerate()
    {
        assert!(
            got == *sent,
            "mail {i}: stored {} of {} bytes",
            got.len(),
            sent.len()
        );
    }
    // One buffer is kept, sized to the second mail: the first mail's,
    // filled again and then given back what the smaller mail did not need.
    // A fresh buffer for the second mail would have left both kept.
    let kept = gw.pooled_mail_buffer_bytes();
    assert!(
        (second.len()..first.len()).contains(&kept),
        "{kept} bytes kept"
    );
}

#[test]
fn smtp_eicar_attachment_is_removed_and_the_subject_tagged() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mail = mail_with(EICAR, "eicar.com");
    let run = converse(
        &mut gw,
        true,
        MAIL_IP,
        25,
        smtp_client(&mail),
        smtp_server(),
    );
    let delivered = stored(&run.server_got);
    let parsed = mime::parse(&delivered);
    assert_eq!(parsed.subject, "[ウイルス駆除済み] Re: invoice");
    assert!(parsed.attachments.is_empty(), "the EICAR part is gone");
    assert!(
        parsed.text.contains("eicar.com") && parsed.text.contains("Eicar_test_file"),
        "{}",
        parsed.text
    );
    assert!(
        parsed.text.contains(".leading dot line"),
        "dot-stuffing survived: {}",
        parsed.text
    );
    assert_eq!(run.events.len(), 1, "{:?}", run.events);
    let e = &run.events[0];
    assert_eq!(
        (e.engine, e.action, e.src_ip, e.dst_port),
        (Engine::AntiMalware, Action::Tag, PC_IP, 25)
    );
    assert!(e.reason().contains("EICAR"), "{}", e.reason());
    assert!(String::from_utf8_lossy(&run.client_got).contains("250 2.0.0 Ok: queued"));
}

#[test]
fn pop3_retr_is_rewritten_for_the_pc() {
    let mut gw = Gateway::new(Config::default(), FrozenIntel::default());
    let mail = mail_with(EICAR, "eicar.com");
    let mut retr = b"+OK message follows\r\n".to_vec();
    retr.extend_from_slice(&appliance::proxy::smtp::stuff(&mail));
    let server = Script::new(vec![
        ("", b"+OK POP3 ready\r\n".to_vec()),
        ("USER", b"+OK\r\n".to_vec()),
        ("PASS", b"+OK logged in\r\n".to_vec()),
        ("LIST", b"+OK 1 messages\r\n1 999\r\n.\r\n".to_vec()),
        ("RETR 1", retr),
        ("QUIT", b"+OK bye\r\n".to_vec()),
    ]);
    let client = Script::new(vec![
        ("+OK POP3", b"USER office\r\n".to_vec()),
        ("+OK", b"PASS secret\r\n".to_vec()),
        ("+OK logged", b"LIST\r\n".to_vec()),
        ("\r\n.\r\n", b"RETR 1\r\n".to_vec()),
        ("\r\n.\r\n", b"QUIT\r\n".to_vec()),
    ]);
    let run = converse(&mut gw, true, MAIL_IP, 110, client, server);
    let got = &run.client_got;
    let start = got
        .windows(20)
        .position(|w| w == b"+OK message follows\r")
        .map(|p| p + 21)
        .unwrap_or(0);
    let (len, _) = appliance::proxy::smtp::find_end(&got[start..], 0).unwrap_or((0, 0));
    let delivered = appliance::proxy::smtp::unstuff(&got[start..start + len]);
    let parsed = mime::parse(&delivered);
    assert_eq!(parsed.subject, "[ウイルス駆除済み] Re: invoice");
    assert!(parsed.attachments.is_empty());
    assert!(String::from_utf8_lossy(got).contains("+OK bye"));
    assert_eq!(run.events.len(), 1);
}

#[test]
fn zombie_listed_sender_gets_the_configured_code() {
    let mut intel = FrozenIntel::default();
    intel.dnsbl.insert(
        query_name(ZOMBIE_IP, ZOMBIE_ZONE),
        Ipv4Addr::new(127, 0, 0, 2),
    );
    let office_mx = Ipv4Addr::new(192, 168, 1, 25);
    let mut config = Config::default();
    // The office's own mail server is a published service (inbound SMTP).
    config
        .firewall
        .published
        .push(appliance::inspect::firewall::Published {
            ip: office_mx,
            port: 25,
            protocol: appliance::inspect::firewall::Protocol::Tcp,
        });
    let mut gw = Gateway::new(config, intel);
    let mail = mail_with(b"hello", "a.txt");
    let run = converse(
        &mut gw,
        false,
        office_mx,
        25,
        smtp_client(&mail),
        smtp_server(),
    );
    let client = String::from_utf8_lossy(&run.client_got);
    assert!(client.starts_with("450 4.7.1 "), "{client}");
    assert!(
        !client.contains("220 mx"),
        "the office server's greeting never reaches a zombie"
    );
    assert!(
        !run.server_got.windows(4).any(|w| w == b"MAIL"),
        "nothing reaches the office server"
    );
    assert_eq!(run.events.len(), 1);
    assert_eq!(run.events[0].engine, Engine::EmailReputation);
    assert_eq!(run.events[0].action, Action::Reject);
    assert_eq!(run.events[0].src_ip, ZOMBIE_IP);
}
