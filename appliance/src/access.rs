//! What the gateway allowed: one compact record per inspected web request.
//!
//! The service keeps no per-access log of allowed traffic (seed 000, Q6: "いつ
//! どの端末がどのサイトへアクセスしたか" is not recorded), only statistics per
//! category and per host ("分析とレポート > インターネットアクセス"). The gateway
//! says what it let through in [`crate::Actions::stats`]; the driver folds the
//! records into the store's statistics tables and never keeps them as rows.

use crate::proto::http::Request;
use crate::time::Instant;
use serde::Serialize;
use std::net::Ipv4Addr;

/// One allowed request, as the statistics need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessRecord {
    pub time: Instant,
    pub src_ip: Ipv4Addr,
    /// The host name asked for (HTTP Host without a port, TLS SNI), if any.
    pub host: Option<String>,
    /// The URL category, when an engine looked it up.
    pub category: Option<String>,
    /// Bytes of the request the gateway inspected (header and declared body).
    pub bytes: u64,
}

impl AccessRecord {
    /// An allowed HTTP request whose header took `header_len` bytes.
    pub fn http(time: Instant, src_ip: Ipv4Addr, request: &Request, header_len: usize) -> Self {
        AccessRecord {
            time,
            src_ip,
            host: request.host.as_deref().map(host_without_port),
            category: None,
            bytes: header_len.saturating_add(request.content_length.unwrap_or(0)) as u64,
        }
    }
}

/// The host part of an HTTP `Host` header value: lower case, without a port.
pub fn host_without_port(host: &str) -> String {
    let host = host.trim();
    let bare = match host.rsplit_once(':') {
        // Keep bracketed IPv6 literals whole; drop a numeric port.
        Some((name, port)) if !name.ends_with(']') || host.starts_with('[') => {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        }
        _ => host,
    };
    bare.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_loses_its_port_and_case() {
        assert_eq!(host_without_port("WWW.Example.jp:8080"), "www.example.jp");
        assert_eq!(host_without_port("www.example.jp"), "www.example.jp");
        assert_eq!(host_without_port("a.example:x"), "a.example:x");
    }
}
