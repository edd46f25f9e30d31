//! The world's mail: scheduling the scenario's messages and mail checks,
//! starting SMTP and POP3 sessions on the right machine, and answering
//! "what did the recipient get".
//!
//! Routing follows a small office's reality: an office PC submits to the
//! ISP's server and fetches from it by POP3, both through the gateway; a
//! sender on the internet delivers to the office's own mail server (through
//! the gateway, port 25 published) when the recipient's domain is the
//! office server's, and otherwise to the ISP's server, internet to
//! internet, which the gateway never sees: that delivery is not simulated
//! as a TCP session, the message is put in the mailbox and recorded.

use super::{Due, World, WorldError};
use crate::mail::{MailServer, StoredMail};
use crate::mail_net::{MailRecord, SessionKind, stored};
use crate::mail_proto::{ClientResult, Pop3Client, SmtpClient};
use crate::model::{MailOrigin, MailSpec, Scenario};
use std::net::Ipv4Addr;

pub(super) struct MailTwin {
    spec: MailSpec,
    isp: Ipv4Addr,
    /// Messages from the internet to the ISP's mailboxes (no session).
    direct: Vec<MailRecord>,
}

impl MailTwin {
    pub(super) fn new(spec: &MailSpec) -> MailTwin {
        MailTwin {
            spec: spec.clone(),
            isp: Ipv4Addr::UNSPECIFIED,
            direct: Vec::new(),
        }
    }
}

/// Where a recipient reads a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailWhere {
    /// Fetched by the mail program on this office host.
    Inbox(String),
    /// In its mailbox on the office's mail server.
    OfficeServer,
    /// In its mailbox on the ISP's server (not fetched yet).
    Isp,
    /// Relayed by the ISP to another provider (an office's outgoing mail).
    Relayed,
}

/// A message as its recipient sees it.
#[derive(Clone, Debug)]
pub struct MailSeen<'w> {
    pub place: MailWhere,
    pub mail: &'w StoredMail,
}

impl World {
    pub(super) fn start_mail(&mut self, scenario: &Scenario) -> Result<(), WorldError> {
        self.mail.isp = scenario.internet.mail.ip;
        let spec = &scenario.mail;
        if let Some(server) = &spec.office_server {
            let i = self.host(&server.host)?;
            self.hosts[i].serve_mail(&server.name, MailServer::new(&server.mailboxes));
        }
        for (i, send) in spec.sends.iter().enumerate() {
            if let MailOrigin::Host(h) = &send.from {
                self.host(h)?;
            }
            self.agenda
                .schedule(send.at.max(self.now), Due::MailSend(i));
        }
        for (i, client) in spec.clients.iter().enumerate() {
            self.host(&client.host)?;
            if let Some(every) = client.check_every {
                self.agenda.schedule(self.start + every, Due::MailCheck(i));
            }
        }
        Ok(())
    }

    pub(super) fn fire_mail_send(&mut self, i: usize) {
        let Some(send) = self.mail.spec.sends.get(i).cloned() else {
            return;
        };
        let from = match &send.from {
            MailOrigin::Host(h) => h.clone(),
            MailOrigin::Internet(ip) => ip.to_string(),
        };
        // Senders were checked when the world was built.
        let _ = self.send_mail(&from, &send.to, &send.name, &send.raw);
    }

    pub(super) fn fire_mail_check(&mut self, i: usize) {
        let Some(client) = self.mail.spec.clients.get(i).cloned() else {
            return;
        };
        let _ = self.fetch_mail(&client.host);
        if let Some(every) = client.check_every {
            self.agenda.schedule(self.now + every, Due::MailCheck(i));
        }
    }

    /// `from` (an office host's mail program, or a mail server at an
    /// internet address) sends `raw` (file `name`) to `to`, starting now.
    pub fn send_mail(
        &mut self,
        from: &str,
        to: &str,
        name: &str,
        raw: &[u8],
    ) -> Result<(), WorldError> {
        let now = self.now;
        let kind = SessionKind::Send {
            to: vec![to.to_string()],
            mail: name.to_string(),
        };
        let header_from = crate::mail::heading(raw).from;
        if let Ok(i) = self.host(from) {
            let envelope = self
                .mail
                .spec
                .client(from)
                .map_or(header_from, |c| c.address.clone());
            let client = SmtpClient::new(
                &from.to_ascii_lowercase(),
                &envelope,
                &[to.to_string()],
                raw,
            );
            let isp = self.mail.isp;
            self.hosts[i].start_mail(now, isp, crate::host::MailSession::Send { client, kind });
            self.mark_host(i);
            self.settle();
            return Ok(());
        }
        let ip: Ipv4Addr = from.parse().map_err(|_| {
            WorldError::Mail(format!(
                "{from:?} is neither an office host nor an internet address"
            ))
        })?;
        let domain = to.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
        let office = self
            .mail
            .spec
            .office_server
            .as_ref()
            .filter(|s| domain.as_deref() == Some(s.domain.as_str()))
            .map(|s| s.ip);
        match office {
            Some(server) => {
                let helo = format!("[{ip}]");
                let client = SmtpClient::new(&helo, &header_from, &[to.to_string()], raw);
                self.internet.send_mail(now, ip, server, client, kind);
                self.internet_dirty = true;
                self.settle();
            }
            None => {
                let delivered =
                    self.internet
                        .mail
                        .store
                        .deliver(stored(now, &header_from, to, raw));
                self.mail.direct.push(MailRecord {
                    who: from.to_string(),
                    client: ip,
                    server: self.mail.isp,
                    kind,
                    started: now,
                    finished: Some(now),
                    result: Some(if delivered {
                        ClientResult::Sent
                    } else {
                        ClientResult::Refused {
                            code: 550,
                            reply: format!("550 5.1.1 <{to}>: Recipient address rejected"),
                            stage: "RCPT TO",
                        }
                    }),
                });
            }
        }
        Ok(())
    }

    /// The mail program on `host` fetches its mailbox from the ISP now.
    pub fn fetch_mail(&mut self, host: &str) -> Result<(), WorldError> {
        let i = self.host(host)?;
        let Some(account) = self.mail.spec.client(host).cloned() else {
            return Err(WorldError::Mail(format!(
                "host {host} has no mail program: add it to the scenario's `mail.clients`"
            )));
        };
        let client = Pop3Client::new(&account.address, &account.password);
        let isp = self.mail.isp;
        self.hosts[i].start_mail(
            self.now,
            isp,
            crate::host::MailSession::Fetch {
                client,
                mailbox: account.address,
            },
        );
        self.mark_host(i);
        self.settle();
        Ok(())
    }

    /// Every mail session so far (SMTP deliveries, POP3 fetches), in the
    /// order they started.
    pub fn mail_sessions(&self) -> Vec<&MailRecord> {
        let mut all: Vec<&MailRecord> = self
            .hosts
            .iter()
            .flat_map(|h| h.mail.records.iter())
            .chain(self.internet.mail.records.iter())
            .chain(self.mail.direct.iter())
            .collect();
        all.sort_by_key(|r| r.started);
        all
    }

    /// Mail sessions still running.
    pub fn mail_pending(&self) -> usize {
        self.hosts.iter().map(|h| h.mail.pending()).sum::<usize>() + self.internet.mail.pending()
    }

    /// What the mail program of `host` fetched, in order.
    pub fn inbox(&self, host: &str) -> &[StoredMail] {
        self.host_index
            .get(host)
            .map_or(&[], |&i| self.hosts[i].mail.inbox.as_slice())
    }

    /// The mailbox of `address` on the office's mail server.
    pub fn office_mailbox(&self, address: &str) -> &[StoredMail] {
        let Some(server) = &self.mail.spec.office_server else {
            return &[];
        };
        self.host_index
            .get(&server.host)
            .map_or(&[], |&i| self.hosts[i].mail.store.mailbox(address))
    }

    /// Messages for `address` where its recipient reads them: fetched into
    /// a mail program, on the office's server, waiting at the ISP, or
    /// relayed out by the ISP; oldest first within each place.
    pub fn mail_to(&self, address: &str) -> Vec<MailSeen<'_>> {
        let mut seen = Vec::new();
        for c in &self.mail.spec.clients {
            if c.address.eq_ignore_ascii_case(address) {
                for m in self.inbox(&c.host) {
                    seen.push(MailSeen {
                        place: MailWhere::Inbox(c.host.clone()),
                        mail: m,
                    });
                }
            }
        }
        for m in self.office_mailbox(address) {
            seen.push(MailSeen {
                place: MailWhere::OfficeServer,
                mail: m,
            });
        }
        for m in self.internet.mail.store.mailbox(address) {
            seen.push(MailSeen {
                place: MailWhere::Isp,
                mail: m,
            });
        }
        for m in self.internet.mail.store.bounced() {
            if m.to.eq_ignore_ascii_case(address) {
                seen.push(MailSeen {
                    place: MailWhere::Relayed,
                    mail: m,
                });
            }
        }
        seen
    }
}
