//! Loading offices and scenarios from YAML into the validated [`crate::model`].
//!
//! Two steps, as in ripgrep's low/high argument split: serde_yaml reads the
//! text into private raw shapes (`deny_unknown_fields`, scalars parsed on the
//! spot), then the validators here check everything that needs the whole
//! picture — references between hosts, sites and actors, duplicates, address
//! ranges, the order of times — and build the model. Nothing past this module
//! re-validates. Every error, whether serde's or ours, is reported as
//! `FILE:LINE:COL: message` and renders as a miette diagnostic; see
//! `scenarios/README.md` for the format itself.

mod demo;
mod error;
mod index;
mod mail;
mod raw;
mod traffic;

pub use demo::{DEMO_PAGES, demo_from_str};
pub use error::{LoadError, SourceError};
pub use traffic::FileReader;

use crate::model::{
    ActorKind, ActorSpec, CertificateSpec, HostKind, HostSpec, Internet, Mac, MailServerSpec,
    Office, Page, Scenario, ScriptedRequest, Site, TimelineAction, TimelineEntry,
};
use appliance::policy::{self, Policy, RawPolicy, UrlCategories};
use appliance::{Config, Instant};
use error::Doc;
use raw::{
    Cidr, RawActor, RawGatewayState, RawHostKind, RawOffice, RawScenario, RawSite, RawTimelineEntry,
};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

/// Loads an office from its YAML text. `path` is how the file is named in
/// errors (e.g. `scenarios/offices/print-shop.yaml`); its stem is the id.
pub fn office_from_str(path: &str, text: &str) -> Result<Office, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawOffice = serde_yaml::from_str(text).map_err(|e| doc.serde_error(&e))?;
    validate_office(&doc, raw)
}

/// Loads a scenario from its YAML text. `offices` resolves the `office:` name
/// to a loaded office, `None` if there is no such office.
pub fn scenario_from_str(
    path: &str,
    text: &str,
    offices: impl FnOnce(&str) -> Option<Result<Office, LoadError>>,
) -> Result<Scenario, LoadError> {
    scenario_from_str_with_files(path, text, offices, &|_| None)
}

/// Like [`scenario_from_str`], with `files` reading the files a scenario
/// names beside it (IPS rule files, relative to the scenarios folder).
pub fn scenario_from_str_with_files(
    path: &str,
    text: &str,
    offices: impl FnOnce(&str) -> Option<Result<Office, LoadError>>,
    files: &FileReader<'_>,
) -> Result<Scenario, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawScenario = serde_yaml::from_str(text).map_err(|e| doc.serde_error(&e))?;
    let office = match offices(&raw.office) {
        Some(office) => office?,
        None => {
            return Err(doc
                .error_at("office", format!("unknown office `{}`", raw.office))
                .label("no such office")
                .help(format!(
                    "offices are files in the `offices/` folder beside the scenario: `offices/{}.yaml`",
                    raw.office
                ))
                .into());
        }
    };
    ScenarioCheck {
        doc: &doc,
        office: &office,
        files,
    }
    .validate(raw)
}

/// A time as scenarios write it (JST, or RFC 3339 with an offset), for
/// steps and tools that take one.
pub fn jst_time(text: &str) -> Result<Instant, String> {
    text.parse::<raw::JstTime>().map(|t| t.0)
}

/// Loads a web policy (a security profile, `scenarios/policies/*.yaml`)
/// from its YAML text. A refused policy never reaches a gateway.
pub fn policy_from_str(path: &str, text: &str) -> Result<Policy, LoadError> {
    let doc = Doc::new(path, text);
    let raw: RawPolicy = serde_yaml::from_str(text).map_err(|e| doc.serde_error(&e))?;
    policy_at(&doc, "", &raw)
}

/// Reads and loads a policy file.
pub fn policy_file(path: &Path) -> Result<Policy, LoadError> {
    let text = read(path)?;
    policy_from_str(&display(path), &text)
}

/// Validates a raw policy found at `prefix` in `doc`.
fn policy_at(doc: &Doc<'_>, prefix: &str, raw: &RawPolicy) -> Result<Policy, LoadError> {
    policy::validate(raw, UrlCategories::builtin()).map_err(|e| {
        let path = if prefix.is_empty() {
            e.path.clone()
        } else {
            format!("{prefix}.{}", e.path)
        };
        let problem = doc.error_at(&path, e.message).label("refused");
        match e.help {
            Some(help) => problem.help(help).into(),
            None => problem.into(),
        }
    })
}

/// Reads and loads an office file.
pub fn office_file(path: &Path) -> Result<Office, LoadError> {
    let text = read(path)?;
    office_from_str(&display(path), &text)
}

/// Reads and loads a scenario file; its office comes from `offices/NAME.yaml`
/// in the scenario's folder.
pub fn scenario_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = read(path)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let files = |name: &str| {
        let file = dir.join(name);
        file.is_file()
            .then(|| read(&file).map(|text| (display(&file), text)))
    };
    scenario_from_str_with_files(
        &display(path),
        &text,
        |name| {
            let office = dir.join("offices").join(format!("{name}.yaml"));
            (is_plain_name(name) && office.is_file()).then(|| office_file(&office))
        },
        &files,
    )
}

pub(crate) fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: display(path),
        source,
    })
}

pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A name usable as a file stem: no separators, no `..`.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The file stem of a displayed path: `scenarios/offices/print-shop.yaml` -> `print-shop`.
fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// RFC 5737's documentation ranges: the only addresses the simulated
/// internet may use, so no scenario can ever name a real machine.
const INTERNET_RANGES: [Cidr; 3] = [
    Cidr {
        net: Ipv4Addr::new(192, 0, 2, 0),
        prefix: 24,
    },
    Cidr {
        net: Ipv4Addr::new(198, 51, 100, 0),
        prefix: 24,
    },
    Cidr {
        net: Ipv4Addr::new(203, 0, 113, 0),
        prefix: 24,
    },
];

const INTERNET_RANGES_HELP: &str = "internet hosts use the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), so a scenario can never address a real machine";

fn is_internet_addr(ip: Ipv4Addr) -> bool {
    INTERNET_RANGES.iter().any(|range| range.contains(ip))
}

// ---------------------------------------------------------------- office

fn validate_office(doc: &Doc<'_>, raw: RawOffice) -> Result<Office, LoadError> {
    let lan = raw.lan;
    let lan_help = || format!("the office LAN is {lan} (`lan:`)");
    let in_lan = |path: &str, what: &str, ip: Ipv4Addr| -> Result<(), LoadError> {
        if !lan.contains(ip) {
            return Err(doc
                .error_at(path, format!("{what} {ip} is outside the LAN {lan}"))
                .label("not in the LAN")
                .help(lan_help())
                .into());
        }
        if ip == lan.net || ip == lan.broadcast() {
            return Err(doc
                .error_at(
                    path,
                    format!("{what} {ip} is the LAN's network or broadcast address"),
                )
                .label("reserved address")
                .help(lan_help())
                .into());
        }
        Ok(())
    };
    let usable_mac = |path: &str, mac: Mac| -> Result<(), LoadError> {
        if mac.0 == [0; 6] || mac.0[0] & 1 == 1 {
            return Err(doc
                .error_at(path, format!("{mac} is not a unicast MAC address"))
                .label("not a device address")
                .help("a device's MAC has the lowest bit of its first byte clear and is not all zeros")
                .into());
        }
        Ok(())
    };

    require_text(doc, "title", &raw.title)?;
    require_text(doc, "gateway_name", &raw.gateway_name)?;
    require_mail(doc, "admin_mail", &raw.admin_mail)?;
    in_lan("router.ip", "the router's address", raw.router.ip)?;
    usable_mac("router.mac", raw.router.mac.0)?;
    if lan.contains(raw.dns_server) || !is_internet_addr(raw.dns_server) {
        return Err(doc
            .error_at(
                "dns_server",
                format!("DNS server {} is not an internet address", raw.dns_server),
            )
            .label("not on the simulated internet")
            .help(INTERNET_RANGES_HELP)
            .into());
    }

    // Each address and MAC remembers the path that claimed it first, so a
    // duplicate can say where the original is.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut ips: HashMap<Ipv4Addr, String> = HashMap::from([(raw.router.ip, "router.ip".into())]);
    let mut macs: HashMap<Mac, String> = HashMap::from([(raw.router.mac.0, "router.mac".into())]);
    let mut hosts = Vec::with_capacity(raw.hosts.len());
    for (i, host) in raw.hosts.into_iter().enumerate() {
        let at = |key: &str| format!("hosts[{i}].{key}");
        if !is_host_name(&host.name) {
            return Err(doc
                .error_at(&at("name"), format!("`{}` is not a usable host name", host.name))
                .label("bad host name")
                .help("host names are letters, digits, `-` and `_` (like `PC-XP`), and not an IP address")
                .into());
        }
        claim(
            doc,
            &mut names,
            host.name.to_ascii_lowercase(),
            &at("name"),
            || format!("host name `{}` is used twice", host.name),
        )?;
        in_lan(&at("ip"), &format!("host {}'s address", host.name), host.ip)?;
        claim(doc, &mut ips, host.ip, &at("ip"), || {
            format!("IP address {} is used twice", host.ip)
        })?;
        usable_mac(&at("mac"), host.mac.0)?;
        claim(doc, &mut macs, host.mac.0, &at("mac"), || {
            format!("MAC address {} is used twice", host.mac.0)
        })?;
        require_text(doc, &at("os"), &host.os)?;
        hosts.push(HostSpec {
            name: host.name,
            ip: host.ip,
            mac: host.mac.0,
            os: host.os,
            kind: match host.kind {
                RawHostKind::Pc => HostKind::Pc,
                RawHostKind::Server => HostKind::Server,
                RawHostKind::Nas => HostKind::Nas,
                RawHostKind::Printer => HostKind::Printer,
            },
            user: host.user.filter(|u| !u.trim().is_empty()),
        });
    }

    Ok(Office {
        id: stem(doc.path),
        title: raw.title,
        lan: lan.net,
        lan_prefix: lan.prefix,
        router_ip: raw.router.ip,
        router_mac: raw.router.mac.0,
        dns_server: raw.dns_server,
        gateway_name: raw.gateway_name,
        admin_mail: raw.admin_mail,
        hosts,
    })
}

/// Records `key` as claimed by `path`, or fails naming the first claimant.
fn claim<K: std::hash::Hash + Eq>(
    doc: &Doc<'_>,
    seen: &mut HashMap<K, String>,
    key: K,
    path: &str,
    message: impl FnOnce() -> String,
) -> Result<(), LoadError> {
    if let Some(first) = seen.get(&key) {
        let line = doc.line_of(first);
        return Err(doc
            .error_at(path, message())
            .label("duplicate")
            .help(format!("first used at line {line} (`{first}`)"))
            .into());
    }
    seen.insert(key, path.to_string());
    Ok(())
}

fn require_text(doc: &Doc<'_>, path: &str, text: &str) -> Result<(), LoadError> {
    if text.trim().is_empty() {
        return Err(doc
            .error_at(path, format!("`{path}` must not be empty"))
            .label("empty")
            .into());
    }
    Ok(())
}

fn require_mail(doc: &Doc<'_>, path: &str, address: &str) -> Result<(), LoadError> {
    let ok = address
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !address.contains(char::is_whitespace);
    if !ok {
        return Err(doc
            .error_at(path, format!("`{address}` is not a mail address"))
            .label("not a mail address")
            .help("write e.g. `admin@print-shop.example`")
            .into());
    }
    Ok(())
}

fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.parse::<Ipv4Addr>().is_err()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.parse::<Ipv4Addr>().is_err()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The host part of an `http://` or `https://` URL.
fn url_host(url: &str) -> Result<&str, String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return Err(format!("`{url}` is not an http:// or https:// URL"));
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.split_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok_and(|p| p > 0) => host,
        Some(_) => return Err(format!("`{url}` has a bad port")),
        None => host_port,
    };
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    Ok(host)
}

// ---------------------------------------------------------------- scenario

struct ScenarioCheck<'d, 'a> {
    doc: &'d Doc<'a>,
    office: &'d Office,
    files: &'d FileReader<'d>,
}

/// What the scenario's clock allows: `[start, end]`.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl ScenarioCheck<'_, '_> {
    fn validate(&self, raw: RawScenario) -> Result<Scenario, LoadError> {
        let doc = self.doc;
        require_text(doc, "title", &raw.title)?;
        require_text(doc, "reproduces", &raw.reproduces)?;
        if raw.duration.0 == Duration::ZERO {
            return Err(doc
                .error_at("duration", "a scenario must last longer than 0s")
                .label("zero")
                .into());
        }
        let window = Window {
            start: raw.start.0,
            end: raw.start.0 + raw.duration.0,
        };
        let mut gateway = self.gateway(raw.gateway, raw.seed)?;
        self.rule_files(&mut gateway, self.files)?;
        if let Some(p) = &raw.policy {
            gateway.policy = policy_at(doc, "policy", p)?;
        }
        self.web_intel(&raw.intel)?;
        let internet = self.internet(raw.internet, &gateway)?;
        let mut actors = Vec::new();
        for (i, actor) in raw.actors.into_iter().enumerate() {
            self.actor(i, actor, window, &internet, &mut actors)?;
        }
        let timeline = self.timeline(raw.timeline, window)?;
        let scripted = self.traffic(raw.traffic, window, &internet)?;
        let (mail, internet) = self.mail(raw.mail, window, internet, &gateway)?;
        Ok(Scenario {
            id: stem(doc.path),
            title: raw.title,
            reproduces: raw.reproduces,
            office: self.office.clone(),
            start: window.start,
            duration: raw.duration.0,
            seed: raw.seed,
            gateway,
            internet,
            intel: raw.intel,
            actors,
            timeline,
            scripted,
            mail,
        })
    }

    /// The gateway's name is the office's; its seed the scenario's unless
    /// the YAML says otherwise.
    fn gateway(&self, raw: Option<Config>, seed: u64) -> Result<Config, LoadError> {
        let doc = self.doc;
        let office_name = &self.office.gateway_name;
        let mut config = raw.unwrap_or_default();
        if doc.has("gateway.name") && config.name != *office_name {
            return Err(doc
                .error_at(
                    "gateway.name",
                    format!(
                        "gateway name `{}` differs from the office's gateway `{office_name}`",
                        config.name
                    ),
                )
                .label("not this office's gateway")
                .help("leave `gateway.name` out: it is taken from the office's `gateway_name`")
                .into());
        }
        config.name.clone_from(office_name);
        if !doc.has("gateway.seed") {
            config.seed = seed;
        }
        if config.alerts.enabled {
            require_mail(doc, "gateway.alerts.to", &config.alerts.to)?;
            require_mail(doc, "gateway.alerts.from", &config.alerts.from)?;
        }
        Ok(config)
    }

    fn internet(&self, raw: raw::RawInternet, gateway: &Config) -> Result<Internet, LoadError> {
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
            sites.push(Site {
                host,
                ip,
                pages,
                certificate,
            });
        }
        Ok(Internet { sites, mail })
    }

    /// Web ratings name known categories and scores of 0-100.
    fn web_intel(&self, intel: &appliance::FrozenIntel) -> Result<(), LoadError> {
        let table = UrlCategories::builtin();
        let mut ratings: Vec<(&str, appliance::intel::WebRating)> = intel.web.iter().collect();
        ratings.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, rating) in ratings {
            // Keys hold dots, which the YAML path cannot: point at `intel.web`.
            if rating.score > 100 {
                return Err(self
                    .doc
                    .error_at(
                        "intel.web",
                        format!("`{key}`: score {} is over 100", rating.score),
                    )
                    .label("scores are 0-100")
                    .into());
            }
            if table.get(&rating.category).is_none() {
                return Err(self
                    .doc
                    .error_at(
                        "intel.web",
                        format!("`{key}`: unknown URL category `{}`", rating.category),
                    )
                    .label("unknown category")
                    .help("see appliance/data/url-categories.yaml for the category names")
                    .into());
            }
        }
        Ok(())
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

    fn pages(&self, site: usize, raw: Vec<raw::RawPage>) -> Result<Vec<Page>, LoadError> {
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
    fn mail_server(
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

    fn host_ref(&self, path: &str, name: &str) -> Result<(), LoadError> {
        if self.office.host(name).is_some() {
            return Ok(());
        }
        let known: Vec<&str> = self.office.hosts.iter().map(|h| h.name.as_str()).collect();
        Err(self
            .doc
            .error_at(
                path,
                format!("no host `{name}` in office `{}`", self.office.id),
            )
            .label("unknown host")
            .help(format!("the office's hosts are: {}", known.join(", ")))
            .into())
    }

    fn url_ref(&self, path: &str, url: &str, internet: &Internet) -> Result<(), LoadError> {
        let doc = self.doc;
        let host = url_host(url).map_err(|message| {
            LoadError::from(
                doc.error_at(path, message)
                    .label("bad URL")
                    .help("write a full URL, e.g. `http://www.print-shop.example/`"),
            )
        })?;
        if internet.site(host).is_none() {
            let known: Vec<&str> = internet.sites.iter().map(|s| s.host.as_str()).collect();
            return Err(doc
                .error_at(
                    path,
                    format!("`{host}` is not a site of the scenario's internet"),
                )
                .label("unknown site")
                .help(format!(
                    "add it under `internet.sites`; the sites are: {}",
                    known.join(", ")
                ))
                .into());
        }
        Ok(())
    }

    /// Checks that `at` lies within `[from, to]`; `what` names the bounds.
    fn time_in(
        &self,
        path: &str,
        at: Instant,
        from: Instant,
        to: Instant,
        what: &str,
    ) -> Result<(), LoadError> {
        if at < from || at > to {
            return Err(self
                .doc
                .error_at(path, format!("{at} is outside {what} ({from} to {to} JST)"))
                .label("out of range")
                .into());
        }
        Ok(())
    }

    fn pace(&self, path: &str, interval: Duration, jitter: Duration) -> Result<(), LoadError> {
        let doc = self.doc;
        if interval == Duration::ZERO {
            return Err(doc
                .error_at(
                    &format!("{path}.interval"),
                    "the interval must be longer than 0s",
                )
                .label("zero")
                .into());
        }
        if jitter >= interval {
            return Err(doc
                .error_at(
                    &format!("{path}.jitter"),
                    format!(
                        "jitter {} must be shorter than the interval {}",
                        crate::duration::format(jitter),
                        crate::duration::format(interval)
                    ),
                )
                .label("too large")
                .help("the next attempt comes `interval ± jitter` later, which must stay positive")
                .into());
        }
        Ok(())
    }

    fn actor(
        &self,
        i: usize,
        raw: RawActor,
        window: Window,
        internet: &Internet,
        out: &mut Vec<ActorSpec>,
    ) -> Result<(), LoadError> {
        let doc = self.doc;
        let at = |key: &str| format!("actors[{i}].{key}");
        let hosts: Vec<(String, String)> = match (raw.host, raw.hosts) {
            (Some(host), None) => vec![(at("host"), host)],
            (None, Some(hosts)) if !hosts.is_empty() => hosts
                .into_iter()
                .enumerate()
                .map(|(j, h)| (format!("actors[{i}].hosts[{j}]"), h))
                .collect(),
            (None, Some(_)) => {
                return Err(doc
                    .error_at(&at("hosts"), "`hosts` lists no host")
                    .label("empty")
                    .into());
            }
            _ => {
                return Err(doc
                    .error_at(&format!("actors[{i}]"), "an actor needs exactly one of `host` or `hosts`")
                    .label("which host?")
                    .help("`host: PC-XP` for one machine, `hosts: [PC-01, PC-02]` for the same program on several")
                    .into());
            }
        };
        for (path, host) in &hosts {
            self.host_ref(path, host)?;
        }
        let start = raw.start.map(|t| t.0);
        let stop = raw.stop.map(|t| t.0);
        if let Some(start) = start {
            self.time_in(
                &at("start"),
                start,
                window.start,
                window.end,
                "the scenario",
            )?;
        }
        if let Some(stop) = stop {
            let from = start.unwrap_or(window.start);
            if stop <= from {
                return Err(doc
                    .error_at(
                        &at("stop"),
                        format!("the actor stops at {stop}, before it starts at {from}"),
                    )
                    .label("out of order")
                    .into());
            }
            self.time_in(&at("stop"), stop, window.start, window.end, "the scenario")?;
        }
        let kind = match (raw.browse, raw.beacon) {
            (Some(browse), None) => {
                let base = at("browse");
                self.urls(&base, &browse.urls, internet)?;
                self.pace(&base, browse.interval.0, browse.jitter.0)?;
                ActorKind::Browse {
                    urls: browse.urls,
                    interval: browse.interval.0,
                    jitter: browse.jitter.0,
                    hours: browse.hours.map(|h| (h.0, h.1)),
                }
            }
            (None, Some(beacon)) => {
                let base = at("beacon");
                self.urls(&base, &beacon.urls, internet)?;
                self.pace(&base, beacon.interval.0, beacon.jitter.0)?;
                let from = start.unwrap_or(window.start);
                let to = stop.unwrap_or(window.end);
                let mut script = Vec::with_capacity(beacon.script.len());
                let mut previous: Option<Instant> = None;
                for (k, line) in beacon.script.into_iter().enumerate() {
                    let line_at = |key: &str| format!("{base}.script[{k}].{key}");
                    self.url_ref(&line_at("url"), &line.url, internet)?;
                    if let Some(previous) = previous.filter(|&p| line.at.0 < p) {
                        return Err(doc
                            .error_at(
                                &line_at("at"),
                                format!("{} comes before the previous line's {previous}", line.at.0),
                            )
                            .label("out of order")
                            .help("list scripted requests oldest first (the seed's log shows them newest first)")
                            .into());
                    }
                    previous = Some(line.at.0);
                    self.time_in(&line_at("at"), line.at.0, from, to, "the actor's run")?;
                    script.push(ScriptedRequest {
                        at: line.at.0,
                        url: line.url,
                    });
                }
                ActorKind::Beacon {
                    urls: beacon.urls,
                    script,
                    interval: beacon.interval.0,
                    jitter: beacon.jitter.0,
                }
            }
            _ => {
                return Err(doc
                    .error_at(
                        &format!("actors[{i}]"),
                        "an actor needs exactly one of `browse` or `beacon`",
                    )
                    .label("what does it run?")
                    .into());
            }
        };
        out.extend(hosts.into_iter().map(|(_, host)| ActorSpec {
            host,
            start,
            stop,
            kind: kind.clone(),
        }));
        Ok(())
    }

    fn urls(&self, base: &str, urls: &[String], internet: &Internet) -> Result<(), LoadError> {
        if urls.is_empty() {
            return Err(self
                .doc
                .error_at(&format!("{base}.urls"), "`urls` lists no URL")
                .label("empty")
                .into());
        }
        for (j, url) in urls.iter().enumerate() {
            self.url_ref(&format!("{base}.urls[{j}]"), url, internet)?;
        }
        Ok(())
    }

    fn timeline(
        &self,
        raw: Vec<RawTimelineEntry>,
        window: Window,
    ) -> Result<Vec<TimelineEntry>, LoadError> {
        let doc = self.doc;
        let mut isolated: Vec<String> = Vec::new();
        let mut offline = false;
        let mut previous: Option<Instant> = None;
        let mut entries = Vec::with_capacity(raw.len());
        for (i, entry) in raw.into_iter().enumerate() {
            let at = |key: &str| format!("timeline[{i}].{key}");
            let when = entry.at.0;
            if let Some(previous) = previous.filter(|&p| when < p) {
                return Err(doc
                    .error_at(
                        &at("at"),
                        format!("{when} comes before the previous entry's {previous}"),
                    )
                    .label("out of order")
                    .help("list timeline entries oldest first")
                    .into());
            }
            previous = Some(when);
            self.time_in(&at("at"), when, window.start, window.end, "the scenario")?;
            if let Some(block) = entry.block_device {
                if entry.isolate.is_some() || entry.reconnect.is_some() || entry.gateway.is_some() {
                    return Err(doc
                        .error_at(
                            &format!("timeline[{i}]"),
                            "a timeline entry needs exactly one action",
                        )
                        .label("what happens?")
                        .into());
                }
                let (mac, ip) = self.block_device(&at("block_device"), block)?;
                entries.push(TimelineEntry {
                    at: when,
                    action: TimelineAction::BlockDevice { mac, ip },
                    note: entry.note,
                });
                continue;
            }
            let action = match (entry.isolate, entry.reconnect, entry.gateway) {
                (None, None, Some(state)) => {
                    let going_offline = state == RawGatewayState::Offline;
                    if going_offline == offline {
                        let now = if offline { "offline" } else { "online" };
                        return Err(doc
                            .error_at(&at("gateway"), format!("the gateway is already {now}"))
                            .label("no change")
                            .into());
                    }
                    offline = going_offline;
                    if going_offline {
                        TimelineAction::GatewayOffline
                    } else {
                        TimelineAction::GatewayOnline
                    }
                }
                (Some(host), None, None) => {
                    self.host_ref(&at("isolate"), &host)?;
                    if isolated.contains(&host) {
                        return Err(doc
                            .error_at(&at("isolate"), format!("{host} is already isolated"))
                            .label("isolated twice")
                            .into());
                    }
                    isolated.push(host.clone());
                    TimelineAction::Isolate { host }
                }
                (None, Some(host), None) => {
                    self.host_ref(&at("reconnect"), &host)?;
                    let Some(pos) = isolated.iter().position(|h| *h == host) else {
                        return Err(doc
                            .error_at(
                                &at("reconnect"),
                                format!("{host} is not isolated at {when}"),
                            )
                            .label("nothing to reconnect")
                            .into());
                    };
                    isolated.remove(pos);
                    TimelineAction::Reconnect { host }
                }
                _ => {
                    return Err(doc
                        .error_at(
                            &format!("timeline[{i}]"),
                            "a timeline entry needs exactly one action: `isolate`, `reconnect` or `gateway`",
                        )
                        .label("what happens?")
                        .into());
                }
            };
            entries.push(TimelineEntry {
                at: when,
                action,
                note: entry.note,
            });
        }
        Ok(entries)
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
