//! The gateway's side of the mail proxy: which SYNs it takes, turning the
//! proxy's segments into forged frames and its scan results into events.
//! Kept out of `gateway.rs` so the HTTP path there stays as it was.

use super::*;
use crate::inspect::email_reputation;
use crate::proxy::{self, Ctx, MailProxy};

pub(super) struct MailFlow {
    proxy: MailProxy,
    /// The flow is forgotten if nothing happens until then.
    idle_until: Instant,
    /// Client (sender) and server, for log events.
    parties: Parties,
}

/// When a mail flow next needs the gateway: its retransmission timer or
/// its idle expiry, whichever is first. `None` for other modes.
pub(super) fn deadline(_now: Instant, mode: &Mode) -> Option<Instant> {
    match mode {
        Mode::Mail(m) => Some(
            m.proxy
                .poll_at()
                .map_or(m.idle_until, |t| t.min(m.idle_until)),
        ),
        _ => None,
    }
}

impl Gateway {
    /// A proxy for a fresh SYN to the SMTP or POP3 port, if mail security
    /// is on. An SMTP client from outside the office is looked up in the
    /// email reputation lists here, so a listed one is refused at once.
    pub(super) fn mail_mode(
        &mut self,
        now: Instant,
        port: Port,
        packet: &Packet<'_>,
        seg: &TcpSeg<'_>,
        out: &mut Actions,
    ) -> Option<Mode> {
        if !self.config.mail.enabled {
            return None;
        }
        let kind = proxy::kind_for_port(seg.dst_port)?;
        let from_client = Endpoints {
            src_mac: packet.src_mac,
            dst_mac: packet.dst_mac,
            src: packet.src,
            dst: packet.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
        };
        let mut refusal = None;
        let outside =
            !(packet.src.is_private() || packet.src.is_loopback() || packet.src.is_link_local());
        if kind == proxy::Kind::Smtp && outside {
            let rep = email_reputation::inspect(
                packet.src,
                &self.config.mail.email_reputation,
                self.intel.as_ref(),
            );
            if let Verdict::Detect(d) = rep.verdict {
                match rep.smtp_code {
                    Some(code) => {
                        let list = if code == 550 && d.threat.starts_with("RBL+") {
                            "RBL+"
                        } else {
                            "Zombie"
                        };
                        let class = if code >= 500 { 5 } else { 4 };
                        let line = format!(
                            "{code} {class}.7.1 Service unavailable; client host [{}] blocked using {list}\r\n",
                            packet.src
                        );
                        refusal = Some((line, d));
                    }
                    None => self.report_mail(now, &d, &parties_of(&from_client), out),
                }
            }
        }
        let proxy = MailProxy::new(kind, port, from_client, seg, refusal);
        Some(Mode::Mail(Box::new(MailFlow {
            proxy,
            idle_until: now + TIMEOUT_HANDSHAKE,
            parties: parties_of(&from_client),
        })))
    }

    /// A segment of a proxied mail flow.
    pub(super) fn mail_segment(
        &mut self,
        now: Instant,
        port: Port,
        frame: &[u8],
        seg: &TcpSeg<'_>,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) {
        let Mode::Mail(mail) = &mut flow.mode else {
            return;
        };
        let mut ctx = Ctx {
            policy: &self.config.mail,
            scanner: &self.scanner,
        };
        let output = mail.proxy.handle(now, port, seg, &mut ctx);
        mail.idle_until = now
            + if mail.proxy.is_done() {
                TIMEOUT_CLOSED
            } else {
                TIMEOUT_ESTABLISHED
            };
        if output.forward {
            self.forward(port, frame, out);
        } else {
            self.stats.consumed += 1;
        }
        let parties = mail.parties.clone();
        self.mail_emit(now, &parties, output, out);
    }

    /// Timers of a proxied flow whose deadline passed; the flow's next
    /// deadline, or `None` if it is idle and forgotten.
    pub(super) fn mail_poll(
        &mut self,
        now: Instant,
        flow: &mut TcpFlow,
        out: &mut Actions,
    ) -> Option<Instant> {
        let Mode::Mail(mail) = &mut flow.mode else {
            return None;
        };
        if now >= mail.idle_until {
            return None;
        }
        let output = mail.proxy.poll(now);
        let parties = mail.parties.clone();
        self.mail_emit(now, &parties, output, out);
        deadline(now, &flow.mode)
    }

    fn mail_emit(
        &mut self,
        now: Instant,
        parties: &Parties,
        output: proxy::Output,
        out: &mut Actions,
    ) {
        for s in output.segments {
            let spec = TcpSpec {
                seq: s.out.seq,
                ack: s.out.ack,
                flags: s.out.flags,
                window: proxy::tcp::WINDOW,
                mss: None,
                payload: &s.out.payload,
            };
            self.emit_forged(s.port, &s.ends, &spec, out);
        }
        for d in &output.detections {
            self.report_mail(now, d, parties, out);
        }
        for mail in &output.mails {
            let context = Reason::Mail {
                from: if mail.mail.from.is_empty() {
                    "(unknown)".to_string()
                } else {
                    mail.mail.from.clone()
                },
                to: if mail.mail.to.is_empty() {
                    "(unknown)".to_string()
                } else {
                    mail.mail.to.join(", ")
                },
            };
            for d in &mail.detections {
                let mut d = d.clone();
                d.reasons.insert(0, context.clone());
                self.report_mail(now, &d, parties, out);
            }
        }
    }

    fn report_mail(&mut self, now: Instant, d: &Detection, parties: &Parties, out: &mut Actions) {
        out.events.push(notify::event(now, d, parties));
    }
}

fn parties_of(from_client: &Endpoints) -> Parties {
    Parties {
        src_ip: from_client.src,
        src_mac: from_client.src_mac.to_string(),
        dst_ip: from_client.dst,
        dst_port: from_client.dst_port,
    }
}
