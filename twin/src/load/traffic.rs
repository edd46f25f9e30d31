//! Loading the network-protection parts of a scenario: scripted traffic
//! (`traffic:`), the device-block timeline action, and the IPS rule files
//! the gateway section names. The raw shapes are in `raw::traffic`; their
//! validation lives here so the rest of the loader only gains a call each.

use super::LoadError;
use super::checks::{INTERNET_RANGES, INTERNET_RANGES_HELP, is_internet_addr};
use super::raw::Cidr;
use super::raw::traffic::{RawBlockDevice, RawTraffic};
use super::scenario::{ScenarioCheck, Window};
use crate::model::{Internet, Mac, Origin, ScriptedKind, ScriptedSpec};
use appliance::Config;
use appliance::inspect::ips::{self, RuleVars};
use std::net::Ipv4Addr;
use std::time::Duration;

/// Reads a file next to the scenario: `Some((name for errors, text))`, or
/// `None` if there is no such file.
pub type FileReader<'r> = dyn Fn(&str) -> Option<Result<(String, Vec<u8>), LoadError>> + 'r;

/// Packets per second a scripted sequence may send.
const MAX_RATE: u32 = 200_000;

impl ScenarioCheck<'_, '_> {
    pub(super) fn traffic(
        &self,
        raw: Vec<RawTraffic>,
        window: Window,
        internet: &Internet,
    ) -> Result<Vec<ScriptedSpec>, LoadError> {
        let doc = self.doc;
        let mut out = Vec::with_capacity(raw.len());
        for (i, t) in raw.into_iter().enumerate() {
            let at = |key: &str| format!("traffic[{i}].{key}");
            self.time_in(&at("at"), t.at.0, window.start, window.end, "the scenario")?;
            let kinds = usize::from(t.port_scan.is_some())
                + usize::from(t.syn_flood.is_some())
                + usize::from(t.worm.is_some())
                + usize::from(t.new_device.is_some())
                + usize::from(t.ntp.is_some());
            if kinds != 1 {
                return Err(doc
                    .error_at(
                        &format!("traffic[{i}]"),
                        "a traffic entry needs exactly one of `port_scan`, `syn_flood`, `worm`, `new_device` or `ntp`",
                    )
                    .label("what does it send?")
                    .into());
            }
            let (origin, kind) = if let Some(d) = t.new_device {
                let ip = self.lan_device_ip(&at("from"), &t.from)?;
                let mac = d.mac.0;
                if mac.0[0] & 1 == 1
                    || self.office.hosts.iter().any(|h| h.mac == mac)
                    || mac == self.office.router_mac
                {
                    return Err(doc
                        .error_at(
                            &at("new_device.mac"),
                            format!("{mac} is a multicast MAC or already an office device's"),
                        )
                        .label("not a new device")
                        .into());
                }
                let visit = internet.site(&d.visit).map(|s| s.ip).ok_or_else(|| {
                    LoadError::from(
                        doc.error_at(
                            &at("new_device.visit"),
                            format!("`{}` is not a site of the scenario's internet", d.visit),
                        )
                        .label("unknown site"),
                    )
                })?;
                self.positive(&at("new_device.interval"), d.interval.0)?;
                (
                    Origin::Device { ip, mac },
                    ScriptedKind::NewDevice {
                        hostname: d.hostname,
                        vendor_class: d.vendor_class,
                        visit,
                        interval: d.interval.0,
                    },
                )
            } else {
                let origin = self.origin(&at("from"), &t.from)?;
                let kind = if let Some(s) = t.port_scan {
                    let target = self.target(&at("port_scan.target"), &s.target)?;
                    let (first, last) = parse_ports(&s.ports).map_err(|m| {
                        LoadError::from(
                            doc.error_at(&at("port_scan.ports"), m)
                                .label("not a port range"),
                        )
                    })?;
                    self.rate(&at("port_scan.rate"), s.rate)?;
                    ScriptedKind::PortScan {
                        target,
                        first,
                        last,
                        rate: s.rate,
                    }
                } else if let Some(f) = t.syn_flood {
                    let target = self.target(&at("syn_flood.target"), &f.target)?;
                    self.rate(&at("syn_flood.rate"), f.rate)?;
                    self.positive(&at("syn_flood.duration"), f.duration.0)?;
                    if let Some(net) = f.spoof {
                        self.internet_net(&at("syn_flood.spoof"), net)?;
                    }
                    ScriptedKind::SynFlood {
                        target,
                        port: f.port,
                        rate: f.rate,
                        duration: f.duration.0,
                        spoof: f.spoof.map(|c| (c.net, c.prefix)),
                    }
                } else if let Some(w) = t.worm {
                    self.internet_net(&at("worm.targets"), w.targets)?;
                    self.rate(&at("worm.rate"), w.rate)?;
                    if w.count == 0 {
                        return Err(doc
                            .error_at(&at("worm.count"), "a worm must try at least one address")
                            .label("zero")
                            .into());
                    }
                    ScriptedKind::Worm {
                        port: w.port,
                        targets: (w.targets.net, w.targets.prefix),
                        count: w.count,
                        rate: w.rate,
                    }
                } else if let Some(n) = t.ntp {
                    let min_poll = n.min_poll.map_or(crate::ntp::MIN_POLL, |d| d.0);
                    let max_poll = n.max_poll.map_or(crate::ntp::MAX_POLL, |d| d.0);
                    self.positive(&at("ntp.min_poll"), min_poll)?;
                    if !is_internet_addr(n.server) || max_poll < min_poll {
                        return Err(doc
                            .error_at(
                                &at("ntp"),
                                "an NTP server is an internet address, polled from `min_poll` up to a `max_poll` no shorter",
                            )
                            .label("bad NTP client")
                            .into());
                    }
                    ScriptedKind::Ntp {
                        server: n.server,
                        min_poll,
                        max_poll,
                    }
                } else {
                    return Err(doc
                        .error_at(&format!("traffic[{i}]"), "no traffic kind")
                        .into());
                };
                (origin, kind)
            };
            out.push(ScriptedSpec {
                origin,
                start: t.at.0,
                kind,
            });
        }
        Ok(out)
    }

    fn origin(&self, path: &str, from: &str) -> Result<Origin, LoadError> {
        if self.office.host(from).is_some() {
            return Ok(Origin::Host(from.to_string()));
        }
        match from.parse::<Ipv4Addr>() {
            Ok(ip) if is_internet_addr(ip) => Ok(Origin::Internet(ip)),
            _ => Err(self
                .doc
                .error_at(
                    path,
                    format!(
                        "`{from}` is neither a host of office `{}` nor an internet address",
                        self.office.id
                    ),
                )
                .label("unknown origin")
                .help(INTERNET_RANGES_HELP)
                .into()),
        }
    }

    /// An office host by name, or an address on the LAN or the internet.
    fn target(&self, path: &str, target: &str) -> Result<Ipv4Addr, LoadError> {
        if let Some(h) = self.office.host(target) {
            return Ok(h.ip);
        }
        match target.parse::<Ipv4Addr>() {
            Ok(ip) if is_internet_addr(ip) || self.in_lan(ip) => Ok(ip),
            _ => Err(self
                .doc
                .error_at(path, format!("`{target}` is neither a host of office `{}` nor an address of the LAN or the internet", self.office.id))
                .label("unknown target")
                .into()),
        }
    }

    fn in_lan(&self, ip: Ipv4Addr) -> bool {
        let bits = u32::MAX
            .checked_shl(32 - u32::from(self.office.lan_prefix))
            .unwrap_or(0);
        u32::from(ip) & bits == u32::from(self.office.lan) & bits
    }

    fn lan_device_ip(&self, path: &str, from: &str) -> Result<Ipv4Addr, LoadError> {
        let doc = self.doc;
        let ip = from
            .parse::<Ipv4Addr>()
            .ok()
            .filter(|ip| self.in_lan(*ip))
            .ok_or_else(|| {
                LoadError::from(
                    doc.error_at(
                        path,
                        format!("a new device is given by its LAN address, not `{from}`"),
                    )
                    .label("not a LAN address"),
                )
            })?;
        if self.office.host_by_ip(ip).is_some() || ip == self.office.router_ip {
            return Err(doc
                .error_at(path, format!("{ip} already belongs to an office device"))
                .label("address taken")
                .into());
        }
        Ok(ip)
    }

    fn internet_net(&self, path: &str, net: Cidr) -> Result<(), LoadError> {
        let inside = INTERNET_RANGES
            .iter()
            .any(|r| net.prefix >= r.prefix && r.contains(net.net));
        if !inside {
            return Err(self
                .doc
                .error_at(path, format!("{net} is not inside the simulated internet"))
                .label("outside the documentation ranges")
                .help(INTERNET_RANGES_HELP)
                .into());
        }
        Ok(())
    }

    fn rate(&self, path: &str, rate: u32) -> Result<(), LoadError> {
        if rate == 0 || rate > MAX_RATE {
            return Err(self
                .doc
                .error_at(
                    path,
                    format!("a rate is 1 to {MAX_RATE} packets per second, not {rate}"),
                )
                .label("bad rate")
                .into());
        }
        Ok(())
    }

    pub(super) fn positive(&self, path: &str, d: Duration) -> Result<(), LoadError> {
        if d == Duration::ZERO {
            return Err(self
                .doc
                .error_at(path, "must be longer than 0s")
                .label("zero")
                .into());
        }
        Ok(())
    }

    pub(super) fn block_device(
        &self,
        path: &str,
        raw: RawBlockDevice,
    ) -> Result<(Option<Mac>, Option<Ipv4Addr>), LoadError> {
        if raw.mac.is_none() && raw.ip.is_none() {
            return Err(self
                .doc
                .error_at(path, "`block_device` needs a `mac` or an `ip`")
                .label("which device?")
                .help("FAQ Q2: a device is blocked by its IP address or its MAC address")
                .into());
        }
        Ok((raw.mac.map(|m| m.0), raw.ip))
    }

    /// Reads and parses the IPS rule files the gateway section names; the
    /// shipped rules stay when it names none.
    pub(super) fn rule_files(
        &self,
        config: &mut Config,
        files: &FileReader<'_>,
    ) -> Result<(), LoadError> {
        if config.ips.rule_files.is_empty() {
            return Ok(());
        }
        let vars = RuleVars {
            home_net: vec![appliance::inspect::firewall::Cidr {
                net: self.office.lan,
                prefix: self.office.lan_prefix,
            }],
        };
        let mut rules = Vec::new();
        for (i, name) in config.ips.rule_files.iter().enumerate() {
            let path = format!("gateway.ips.rule_files[{i}]");
            let plain = !name.is_empty()
                && !name.starts_with('/')
                && name
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..");
            let found = if plain { files(name) } else { None };
            let Some(found) = found else {
                return Err(self
                    .doc
                    .error_at(&path, format!("no rule file `{name}` beside the scenario"))
                    .label("not found")
                    .help("rule files are named relative to the scenarios folder, e.g. `rules/qa.rules`")
                    .into());
            };
            let (display, bytes) = found?;
            let Ok(text) = String::from_utf8(bytes) else {
                return Err(self
                    .doc
                    .error_at(&path, format!("rule file `{name}` is not UTF-8 text"))
                    .label("not text")
                    .into());
            };
            rules.extend(ips::parse_rules(&display, &text, &vars)?);
        }
        let mut seen = std::collections::BTreeMap::new();
        for r in &rules {
            if let Some(first) = seen.insert(r.sid, r.origin.clone()) {
                return Err(self
                    .doc
                    .error_at(
                        "gateway.ips.rule_files",
                        format!("sid {} is in {first} and in {}", r.sid, r.origin),
                    )
                    .label("duplicate sid")
                    .into());
            }
        }
        config.ips.rules = rules;
        Ok(())
    }
}

fn parse_ports(s: &str) -> Result<(u16, u16), String> {
    let usage = format!("`{s}` is not a port range like `1-1024`");
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u16 = a.trim().parse().map_err(|_| usage.clone())?;
    let b: u16 = b.trim().parse().map_err(|_| usage.clone())?;
    if a == 0 || a > b {
        return Err(usage);
    }
    Ok((a, b))
}
