//! Loading a scenario's `mail:` section: the office's own mail server (and
//! the published port 25 it needs in the gateway's firewall), the staff's
//! mail programs (POP3 accounts at the ISP, whose mailboxes are added to
//! the ISP's server) and messages sent at fixed times, read from
//! `mails/NAME.eml` beside the scenario.

use super::LoadError;
use super::checks::{INTERNET_RANGES_HELP, is_internet_addr};
use super::raw::mail::RawMail;
use super::scenario::{ScenarioCheck, Window};
use crate::model::{Internet, MailClient, MailOrigin, MailSend, MailSpec, OfficeMailServer};
use appliance::Config;
use std::net::Ipv4Addr;

fn is_address(a: &str) -> bool {
    a.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !a.contains(char::is_whitespace))
}

impl ScenarioCheck<'_, '_> {
    pub(super) fn mail(
        &self,
        raw: Option<RawMail>,
        window: Window,
        mut internet: Internet,
        gateway: &Config,
    ) -> Result<(MailSpec, Internet), LoadError> {
        let doc = self.doc;
        let Some(raw) = raw else {
            return Ok((MailSpec::default(), internet));
        };
        let office_server = match raw.office_server {
            None => None,
            Some(s) => {
                let Some(host) = self.office.host(&s.host) else {
                    return Err(doc
                        .error_at(
                            "mail.office_server.host",
                            format!("no host `{}` in office `{}`", s.host, self.office.id),
                        )
                        .label("unknown host")
                        .into());
                };
                let published = gateway
                    .firewall
                    .published
                    .iter()
                    .any(|p| p.ip == host.ip && p.port == 25);
                if !published {
                    return Err(doc
                        .error_at(
                            "mail.office_server.host",
                            format!(
                                "the office's mail server {} ({}) receives mail from the internet, but port 25 is not published",
                                host.name, host.ip
                            ),
                        )
                        .label("not reachable from the internet")
                        .help(format!(
                            "add `{{ip: {}, port: 25}}` to `gateway.firewall.published`",
                            host.ip
                        ))
                        .into());
                }
                for (i, m) in s.mailboxes.iter().enumerate() {
                    let at = format!("mail.office_server.mailboxes[{i}]");
                    if !is_address(m)
                        || !m
                            .to_ascii_lowercase()
                            .ends_with(&format!("@{}", s.domain.to_ascii_lowercase()))
                    {
                        return Err(doc
                            .error_at(&at, format!("`{m}` is not an address @{}", s.domain))
                            .label("not a local address")
                            .into());
                    }
                }
                Some(OfficeMailServer {
                    host: host.name.clone(),
                    ip: host.ip,
                    name: s.name,
                    domain: s.domain.to_ascii_lowercase(),
                    mailboxes: s.mailboxes,
                })
            }
        };
        let mut clients = Vec::new();
        for (i, c) in raw.clients.into_iter().enumerate() {
            let at = |k: &str| format!("mail.clients[{i}].{k}");
            if self.office.host(&c.host).is_none() {
                return Err(doc
                    .error_at(
                        &at("host"),
                        format!("no host `{}` in office `{}`", c.host, self.office.id),
                    )
                    .label("unknown host")
                    .into());
            }
            if !is_address(&c.address) {
                return Err(doc
                    .error_at(
                        &at("address"),
                        format!("`{}` is not a mail address", c.address),
                    )
                    .label("not an address")
                    .into());
            }
            if let Some(d) = c.check_every {
                self.positive(&at("check_every"), d.0)?;
            }
            // Its mailbox lives on the ISP's server.
            if !internet
                .mail
                .mailboxes
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&c.address))
            {
                internet.mail.mailboxes.push(c.address.clone());
            }
            clients.push(MailClient {
                host: c.host,
                address: c.address,
                password: c.password,
                check_every: c.check_every.map(|d| d.0),
            });
        }
        let mut sends = Vec::new();
        for (i, s) in raw.send.into_iter().enumerate() {
            let at = |k: &str| format!("mail.send[{i}].{k}");
            self.time_in(&at("at"), s.at.0, window.start, window.end, "the scenario")?;
            let from = if self.office.host(&s.from).is_some() {
                MailOrigin::Host(s.from.clone())
            } else {
                match s.from.parse::<Ipv4Addr>() {
                    Ok(ip) if is_internet_addr(ip) => MailOrigin::Internet(ip),
                    _ => {
                        return Err(doc
                            .error_at(
                                &at("from"),
                                format!(
                                    "`{}` is neither a host of office `{}` nor an internet address",
                                    s.from, self.office.id
                                ),
                            )
                            .label("unknown sender")
                            .help(INTERNET_RANGES_HELP)
                            .into());
                    }
                }
            };
            if !is_address(&s.to) {
                return Err(doc
                    .error_at(&at("to"), format!("`{}` is not a mail address", s.to))
                    .label("not an address")
                    .into());
            }
            let plain = !s.mail.is_empty() && !s.mail.contains('/') && !s.mail.starts_with('.');
            let found = if plain {
                (self.files)(&format!("mails/{}", s.mail))
            } else {
                None
            };
            let Some(found) = found else {
                return Err(doc
                    .error_at(&at("mail"), format!("no mail `mails/{}` beside the scenario", s.mail))
                    .label("not found")
                    .help("mails are files in the `mails/` folder beside the scenario, named without the folder")
                    .into());
            };
            let (_, raw) = found?;
            sends.push(MailSend {
                at: s.at.0,
                from,
                to: s.to,
                name: s.mail,
                raw,
                note: s.note,
            });
        }
        sends.sort_by_key(|s| s.at);
        Ok((
            MailSpec {
                office_server,
                clients,
                sends,
            },
            internet,
        ))
    }
}
