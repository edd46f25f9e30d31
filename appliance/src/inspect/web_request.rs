//! One web access as the web engines see it (an HTTP request or a TLS SNI),
//! and the small text helpers they share for log texts.

use crate::time::Instant;
use std::net::Ipv4Addr;

/// One web access, as the engines see it.
#[derive(Clone, Copy, Debug)]
pub struct WebRequest<'a> {
    pub now: Instant,
    pub src_ip: Ipv4Addr,
    pub src_mac: [u8; 6],
    /// Lowercase host name (HTTP Host or TLS SNI).
    pub host: &'a str,
    /// `/path?query`; `None` for TLS, where only the host is visible.
    pub path: Option<&'a str>,
    /// The URL as logs and block pages show it.
    pub url: &'a str,
}

/// `parts` joined, in one allocation of the right size: the reason texts
/// of a detection are built for every blocked request, so they skip the
/// formatting machinery.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}
