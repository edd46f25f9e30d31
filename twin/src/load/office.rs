//! Validating an office: its LAN, router, DNS server and hosts (names,
//! addresses and MACs each used once, inside the LAN).

use super::checks::{
    INTERNET_RANGES_HELP, claim, is_host_name, is_internet_addr, require_mail, require_text,
};
use super::error::{Doc, LoadError};
use super::raw::{RawHostKind, RawOffice};
use super::stem;
use crate::model::{HostKind, HostSpec, Mac, Office};
use std::collections::HashMap;
use std::net::Ipv4Addr;

pub(super) fn validate_office(doc: &Doc<'_>, raw: RawOffice) -> Result<Office, LoadError> {
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
    let mut gateway_names = vec![raw.gateway_name.clone()];
    for (i, name) in raw.branch_gateways.iter().enumerate() {
        let at = format!("branch_gateways[{i}]");
        require_text(doc, &at, name)?;
        if gateway_names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(doc
                .error_at(&at, format!("gateway name `{name}` is used twice"))
                .label("each gateway has its own name")
                .into());
        }
        gateway_names.push(name.clone());
    }
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

    let endpoint = match raw.endpoint {
        Some(e) => Some(super::endpoint::validate_endpoint_option(doc, e, &hosts)?),
        None => None,
    };
    Ok(Office {
        id: stem(doc.path),
        title: raw.title,
        lan: lan.net,
        lan_prefix: lan.prefix,
        router_ip: raw.router.ip,
        router_mac: raw.router.mac.0,
        dns_server: raw.dns_server,
        gateway_name: raw.gateway_name,
        branch_gateways: raw.branch_gateways,
        admin_mail: raw.admin_mail,
        hosts,
        endpoint,
    })
}
