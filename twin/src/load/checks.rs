//! Checks the loader's validators share: the simulated internet's address
//! ranges, duplicates claimed by a YAML path, required text and mail
//! addresses, host and DNS names, the host of a URL.

use super::error::{Doc, LoadError};
use super::raw::Cidr;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// RFC 5737's documentation ranges: the only addresses the simulated
/// internet may use, so no scenario can ever name a real machine.
pub(super) const INTERNET_RANGES: [Cidr; 3] = [
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

pub(super) const INTERNET_RANGES_HELP: &str = "internet hosts use the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), so a scenario can never address a real machine";

pub(super) fn is_internet_addr(ip: Ipv4Addr) -> bool {
    INTERNET_RANGES.iter().any(|range| range.contains(ip))
}

/// Records `key` as claimed by `path`, or fails naming the first claimant.
pub(super) fn claim<K: std::hash::Hash + Eq>(
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

pub(super) fn require_text(doc: &Doc<'_>, path: &str, text: &str) -> Result<(), LoadError> {
    if text.trim().is_empty() {
        return Err(doc
            .error_at(path, format!("`{path}` must not be empty"))
            .label("empty")
            .into());
    }
    Ok(())
}

pub(super) fn require_mail(doc: &Doc<'_>, path: &str, address: &str) -> Result<(), LoadError> {
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

pub(super) fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.parse::<Ipv4Addr>().is_err()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(super) fn is_dns_name(name: &str) -> bool {
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

/// The host part of an `http://`, `https://` or `bittorrent://` URL.
pub(super) fn url_host(url: &str) -> Result<&str, String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let peer = url
        .get(..13)
        .is_some_and(|s| s.eq_ignore_ascii_case("bittorrent://"));
    let rest = if peer {
        &url[13..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return Err(format!(
            "`{url}` is not an http://, https:// or bittorrent:// URL"
        ));
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
