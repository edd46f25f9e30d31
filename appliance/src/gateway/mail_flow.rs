//! The gateway's side of the mail proxy: which SYNs it takes, turning the
//! proxy's segments into forged frames and its scan results into events.

use super::*;
use crate::inspect::email_reputation;
use crate::proxy::{self, Ctx, MailProxy};
use crate::reason::Reason;

pub(super) struct MailFlow {
    proxy: MailProxy,
    /// The flow is forgotten if nothing happens until then.
    idle_until: Instant,
    /// Client (sender) and server, for log events.
    parties: Parties,
}

impl MailFlow {
    /// When the flow next needs the gateway: its retransmission timer or
    /// its idle expiry, whichever is first.
    pub(super) fn deadline(&self) -> Instant {
        self.proxy
            .poll_at()
            .map_or(self.idle_until, |t| t.min(self.idle_until))
    }

    /// A segment of a proxied mail flow.
    pub(super) fn segment(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        port: Port,
        frame: &[u8],
        seg: &TcpSeg<'_>,
        out: &mut Actions,
    ) {
        let mut ctx = Ctx {
            policy: &gw.config.mail,
            scanner: &gw.scanner,
            links: Some(crate::inspect::mail_links::Links {
                reputation: &gw.config.policy.web_reputation,
                intel: gw.intel.as_ref(),
            }),
            buffers: &mut gw.mail_buffers,
        };
        let output = self.proxy.handle(now, port, seg, &mut ctx);
        self.proxy.recycle(&mut gw.mail_buffers);
        self.idle_until = now
            + if self.proxy.is_done() {
                TIMEOUT_CLOSED
            } else {
                TIMEOUT_ESTABLISHED
            };
        if output.forward {
            gw.forward(port, frame, out);
        } else {
            gw.stats.consumed += 1;
        }
        let parties = self.parties.clone();
        gw.mail_emit(now, &parties, output, out);
    }

    /// Timers of a proxied flow whose deadline passed; the flow's next
    /// deadline, or `None` if it is idle and forgotten.
    pub(super) fn poll(
        &mut self,
        gw: &mut Gateway,
        now: Instant,
        out: &mut Actions,
    ) -> Option<Instant> {
        if now >= self.idle_until {
            self.proxy.end();
            self.proxy.recycle(&mut gw.mail_buffers);
            return None;
        }
        let output = self.proxy.poll(now);
        self.proxy.recycle(&mut gw.mail_buffers);
        let parties = self.parties.clone();
        gw.mail_emit(now, &parties, output, out);
        Some(self.deadline())
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
                        let list = if d.threat.starts_with("RBL+") {
                            "RBL+"
                        } else {
                            "Zombie"
                        };
                        let class = if code >= 500 { 5 } else { 4 };
                        let line = match &rep.smtp_text {
                            // SMTPのエラー文字列 (checked printable ASCII on load).
                            Some(text) => format!("{code} {text}\r\n"),
                            None => format!(
                                "{code} {class}.7.1 Service unavailable; client host [{}] blocked using {list}\r\n",
                                packet.src
                            ),
                        };
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
            if let Some(raw) = &mail.quarantined {
                if self.quarantine.len() >= super::QUARANTINE_MAILS {
                    self.quarantine.pop_front();
                }
                self.quarantine.push_back(super::QuarantinedMail {
                    time: now,
                    from: mail.mail.from.clone(),
                    to: mail.mail.to.clone(),
                    subject: mail.mail.subject.clone(),
                    raw: raw.clone(),
                });
            }
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
