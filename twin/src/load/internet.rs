//! Validating a scenario's simulated internet: its web sites (names,
//! addresses in the documentation ranges, pages, certificates) and the
//! ISP's mail server and mailboxes.

use super::checks::{INTERNET_RANGES_HELP, claim, is_dns_name, is_internet_addr, require_mail};
use super::error::LoadError;
use super::raw::{self, RawSite};
use super::scenario::ScenarioCheck;
use crate::model::{CertificateSpec, Internet, MailServerSpec, Page, Site};
use appliance::Config;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

impl ScenarioCheck<'_, '_> {
    pub(super) fn internet(
        &self,
        raw: raw::RawInternet,
        gateway: &Config,
    ) -> Result<Internet, LoadError> {
        let doc = self.doc;
        let mail = self.mail_server(raw.mail, gateway)?;
        let mut hosts: HashMap<String, String> = HashMap::new();
        // The resolver and the mail server are single-purpose machines: a
        // site on their address would have to share their ports.
        let reserved: HashMap<Ipv4Addr, &str> = HashMap::from([
            (self.office.dns_server, "the office's DNS server"),
            (mail.ip, "the mail server"),
        ]);
        if self.office.dns_server == mail.ip {
            return Err(doc
                .error_at(
                    "internet.mail.ip",
                    "the mail server has the DNS server's address",
                )
                .label("taken by the DNS server")
                .into());
        }
        let mut sites = Vec::with_capacity(raw.sites.len());
        for (i, site) in raw.sites.into_iter().enumerate() {
            let at = |key: &str| format!("internet.sites[{i}].{key}");
            let RawSite {
                host,
                ip,
                pages,
                certificate,
                ports,
                bittorrent,
                in_dns,
            } = site;
            if !is_dns_name(&host) {
                return Err(doc
                    .error_at(&at("host"), format!("`{host}` is not a DNS name"))
                    .label("bad host name")
                    .help("write a host name such as `www.print-shop.example`, without scheme or path")
                    .into());
            }
            claim(
                doc,
                &mut hosts,
                host.to_ascii_lowercase(),
                &at("host"),
                || format!("site `{host}` is defined twice"),
            )?;
            self.internet_ip(&at("ip"), ip)?;
            if let Some(owner) = reserved.get(&ip) {
                return Err(doc
                    .error_at(&at("ip"), format!("{ip} is already {owner}'s address"))
                    .label("address taken")
                    .into());
            }
            let pages = match pages {
                None => vec![default_page(&host)],
                Some(pages) => self.pages(i, pages)?,
            };
            let certificate = match certificate {
                None => None,
                Some(c) => {
                    let not_after = c.not_after.0;
                    let not_before = c
                        .not_before
                        .map_or(not_after - Duration::from_secs(365 * 86_400), |t| t.0);
                    if not_before >= not_after {
                        return Err(doc
                            .error_at(
                                &at("certificate.not_before"),
                                format!(
                                    "the certificate of `{host}` would be valid from {not_before} to {not_after}"
                                ),
                            )
                            .label("not before its end")
                            .help("`not_before` must come before `not_after`")
                            .into());
                    }
                    Some(CertificateSpec {
                        not_before,
                        not_after,
                    })
                }
            };
            for (j, port) in ports.iter().enumerate() {
                if matches!(port, 0 | 25 | 53 | 80 | 110 | 443) {
                    return Err(doc
                        .error_at(
                            &at(&format!("ports[{j}]")),
                            format!("port {port} cannot be a further HTTP port"),
                        )
                        .label("reserved port")
                        .help("80 and 443 are always served; 0, 25, 53 and 110 are not web ports")
                        .into());
                }
            }
            for (j, port) in bittorrent.iter().enumerate() {
                if matches!(port, 0 | 25 | 53 | 80 | 110 | 443) || ports.contains(port) {
                    return Err(doc
                        .error_at(
                            &at(&format!("bittorrent[{j}]")),
                            format!("port {port} cannot be a BitTorrent port"),
                        )
                        .label("reserved port")
                        .help("a BitTorrent port is none of 0, 25, 53, 80, 110, 443 and not in `ports`; 6881 is usual")
                        .into());
                }
            }
            sites.push(Site {
                host,
                ip,
                pages,
                certificate,
                ports,
                bittorrent,
                in_dns,
            });
        }
        Ok(Internet { sites, mail })
    }

    fn internet_ip(&self, path: &str, ip: Ipv4Addr) -> Result<(), LoadError> {
        if !is_internet_addr(ip) {
            return Err(self
                .doc
                .error_at(
                    path,
                    format!("{ip} is not an address of the simulated internet"),
                )
                .label("outside the documentation ranges")
                .help(INTERNET_RANGES_HELP)
                .into());
        }
        Ok(())
    }

    pub(super) fn pages(
        &self,
        site: usize,
        raw: Vec<raw::RawPage>,
    ) -> Result<Vec<Page>, LoadError> {
        let doc = self.doc;
        let mut paths: HashMap<String, String> = HashMap::new();
        let mut pages = Vec::with_capacity(raw.len());
        for (j, page) in raw.into_iter().enumerate() {
            let at = |key: &str| format!("internet.sites[{site}].pages[{j}].{key}");
            if !page.path.starts_with('/') {
                return Err(doc
                    .error_at(
                        &at("path"),
                        format!("page path `{}` must start with `/`", page.path),
                    )
                    .label("not a path")
                    .help("write the path and query only, e.g. `/account.asp?qu=cmd`")
                    .into());
            }
            claim(doc, &mut paths, page.path.clone(), &at("path"), || {
                format!("page `{}` is defined twice", page.path)
            })?;
            if !(100..=599).contains(&page.status) {
                return Err(doc
                    .error_at(
                        &at("status"),
                        format!("{} is not an HTTP status", page.status),
                    )
                    .label("not 100-599")
                    .into());
            }
            pages.push(Page {
                path: page.path,
                status: page.status,
                content_type: page.content_type,
                body: page.body,
            });
        }
        Ok(pages)
    }

    /// Without a `mail:` section the ISP's server gets exactly the mailboxes
    /// the scenario needs: the support desk's and the office admin's.
    pub(super) fn mail_server(
        &self,
        raw: Option<raw::RawMailServer>,
        gateway: &Config,
    ) -> Result<MailServerSpec, LoadError> {
        let doc = self.doc;
        let default = MailServerSpec::default();
        let Some(raw) = raw else {
            let mut mailboxes = Vec::new();
            if gateway.alerts.enabled {
                mailboxes.push(gateway.alerts.to.clone());
            }
            if !mailboxes.contains(&self.office.admin_mail) {
                mailboxes.push(self.office.admin_mail.clone());
            }
            return Ok(MailServerSpec {
                mailboxes,
                ..default
            });
        };
        let host = raw.host.unwrap_or(default.host);
        if !is_dns_name(&host) {
            return Err(doc
                .error_at("internet.mail.host", format!("`{host}` is not a DNS name"))
                .label("bad host name")
                .into());
        }
        let ip = raw.ip.unwrap_or(default.ip);
        self.internet_ip("internet.mail.ip", ip)?;
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, mailbox) in raw.mailboxes.iter().enumerate() {
            let at = format!("internet.mail.mailboxes[{i}]");
            require_mail(doc, &at, mailbox)?;
            claim(doc, &mut seen, mailbox.to_ascii_lowercase(), &at, || {
                format!("mailbox `{mailbox}` is listed twice")
            })?;
        }
        let has = |address: &str| seen.contains_key(&address.to_ascii_lowercase());
        if gateway.alerts.enabled && !has(&gateway.alerts.to) {
            return Err(doc
                .error_at(
                    "gateway.alerts.to",
                    format!(
                        "alerts go to `{}`, which has no mailbox on {host}",
                        gateway.alerts.to
                    ),
                )
                .label("no such mailbox")
                .help("add it to `internet.mail.mailboxes`")
                .into());
        }
        if !has(&self.office.admin_mail) {
            return Err(doc
                .error_at(
                    "internet.mail.mailboxes",
                    format!(
                        "the office admin's address `{}` has no mailbox on {host}",
                        self.office.admin_mail
                    ),
                )
                .label("admin mailbox missing")
                .help("monthly reports are mailed to the office's `admin_mail`: list it here")
                .into());
        }
        Ok(MailServerSpec {
            host,
            ip,
            mailboxes: raw.mailboxes,
        })
    }
}

/// The page a site without `pages:` serves at `/`.
fn default_page(host: &str) -> Page {
    Page {
        path: "/".to_string(),
        status: 200,
        content_type: raw::default_content_type(),
        body: format!(
            "<!DOCTYPE html>\n<html><head><title>{host}</title></head><body><h1>{host}</h1></body></html>\n"
        ),
    }
}
