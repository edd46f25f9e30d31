//! Endpoint identification: the device list (デバイスリスト) the console
//! shows, built from what crosses the gateway's LAN port, and blocking a
//! device by IP or MAC (FAQ Q2: a device that is not the company's appears;
//! it can be blocked by its IP or MAC address).
//!
//! Sources, most telling last: any IPv4 frame from the LAN (MAC, IP, TTL),
//! ARP (sender MAC and IP), DHCP (client MAC, requested IP, host name,
//! vendor class) and HTTP requests (User-Agent). The OS guess takes the most
//! specific evidence seen: a browser's User-Agent, then DHCP's vendor
//! class, then the initial TTL family. The vendor comes from the MAC's OUI
//! (a table of the vendors an office like the seeds' has; not the whole IEEE
//! registry). The list is bounded: past `MAX_DEVICES` the device seen
//! longest ago is dropped.

pub use crate::config::devices::{BlockedDevice, DevicePolicy, MacAddr};
use crate::time::Instant;
use crate::wire::frame::Mac;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub const MAX_DEVICES: usize = 1024;

/// One device, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub mac: Mac,
    pub ip: Option<Ipv4Addr>,
    pub vendor: Option<&'static str>,
    pub hostname: Option<String>,
    pub os_guess: Option<String>,
    /// How good the OS guess is: 1 TTL, 2 DHCP, 3 User-Agent.
    os_rank: u8,
    pub first_seen: Instant,
    pub last_seen: Instant,
    /// Flagged as a C&C callback host (more than N C&C events in a window).
    pub callback_host: Option<Instant>,
}

/// The device list.
#[derive(Debug, Default)]
pub struct Devices {
    by_mac: BTreeMap<Mac, Device>,
}

impl Devices {
    pub fn list(&self) -> impl Iterator<Item = &Device> {
        self.by_mac.values()
    }

    pub fn len(&self) -> usize {
        self.by_mac.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_mac.is_empty()
    }

    pub fn by_ip(&self, ip: Ipv4Addr) -> Option<&Device> {
        self.by_mac
            .values()
            .filter(|d| d.ip == Some(ip))
            .max_by_key(|d| d.last_seen)
    }

    fn entry(&mut self, now: Instant, mac: Mac) -> Option<&mut Device> {
        if mac.0[0] & 1 == 1 || mac.0 == [0; 6] {
            return None;
        }
        if !self.by_mac.contains_key(&mac)
            && self.by_mac.len() >= MAX_DEVICES
            && let Some(oldest) = self
                .by_mac
                .values()
                .min_by_key(|d| d.last_seen)
                .map(|d| d.mac)
        {
            self.by_mac.remove(&oldest);
        }
        let d = self.by_mac.entry(mac).or_insert_with(|| Device {
            mac,
            ip: None,
            vendor: vendor(mac),
            hostname: None,
            os_guess: None,
            os_rank: 0,
            first_seen: now,
            last_seen: now,
            callback_host: None,
        });
        d.last_seen = d.last_seen.max(now);
        Some(d)
    }

    /// An IPv4 frame from the LAN: `ttl` from its header.
    pub fn ipv4(&mut self, now: Instant, mac: Mac, ip: Ipv4Addr, ttl: u8) {
        if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
            return;
        }
        if let Some(d) = self.entry(now, mac) {
            d.ip = Some(ip);
            let guess = match ttl {
                65..=128 => "Windows (TTL 128)",
                33..=64 => "Linux/Unix/macOS (TTL 64)",
                129..=255 => "network device (TTL 255)",
                _ => return,
            };
            set_os(d, 1, guess);
        }
    }

    /// An ARP frame from the LAN (the whole Ethernet frame).
    pub fn arp(&mut self, now: Instant, frame: &[u8]) {
        // Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4.
        let Some(arp) = frame.get(14..42) else { return };
        if frame.get(12..14) != Some(&[0x08, 0x06]) || arp[0..6] != [0, 1, 8, 0, 6, 4] {
            return;
        }
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&arp[8..14]);
        let ip = Ipv4Addr::new(arp[14], arp[15], arp[16], arp[17]);
        if let Some(d) = self.entry(now, Mac(mac))
            && !ip.is_unspecified()
        {
            d.ip = Some(ip);
        }
    }

    /// A DHCP message (the UDP payload) from a client on the LAN.
    pub fn dhcp(&mut self, now: Instant, payload: &[u8]) {
        // BOOTP: op 1 (request), htype 1, hlen 6; chaddr at 28; magic cookie at 236.
        if payload.len() < 240 || payload[0] != 1 || payload[1] != 1 || payload[2] != 6 {
            return;
        }
        if payload[236..240] != [99, 130, 83, 99] {
            return;
        }
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&payload[28..34]);
        let ciaddr = Ipv4Addr::new(payload[12], payload[13], payload[14], payload[15]);
        let (mut hostname, mut requested, mut vendor_class) = (None, None, None);
        let mut opts = &payload[240..];
        // Each step consumes at least one byte: the loop is bounded.
        while let Some((&code, rest)) = opts.split_first() {
            match code {
                0 => {
                    opts = rest;
                    continue;
                }
                255 => break,
                _ => {}
            }
            let Some((&len, rest)) = rest.split_first() else {
                break;
            };
            let Some(value) = rest.get(..usize::from(len)) else {
                break;
            };
            match code {
                12 => hostname = Some(String::from_utf8_lossy(value).into_owned()),
                50 if value.len() == 4 => {
                    requested = Some(Ipv4Addr::new(value[0], value[1], value[2], value[3]));
                }
                60 => vendor_class = Some(String::from_utf8_lossy(value).into_owned()),
                _ => {}
            }
            opts = &rest[usize::from(len)..];
        }
        let Some(d) = self.entry(now, Mac(mac)) else {
            return;
        };
        if let Some(ip) = requested.or((!ciaddr.is_unspecified()).then_some(ciaddr)) {
            d.ip = Some(ip);
        }
        if let Some(h) = hostname.filter(|h| !h.trim().is_empty()) {
            d.hostname = Some(h);
        }
        if let Some(v) = vendor_class {
            let guess = if v.starts_with("MSFT") {
                Some("Windows (DHCP MSFT)".to_string())
            } else if v.starts_with("android-dhcp") {
                Some("Android (DHCP)".to_string())
            } else if v.to_ascii_lowercase().contains("udhcp") || v.contains("dhcpcd") {
                Some("Linux (DHCP)".to_string())
            } else {
                None
            };
            if let Some(g) = guess {
                set_os(d, 2, &g);
            }
        }
    }

    /// A TCP payload from the LAN: an HTTP request's User-Agent, if any.
    pub fn http_payload(&mut self, now: Instant, mac: Mac, payload: &[u8]) {
        if !(payload.starts_with(b"GET ")
            || payload.starts_with(b"POST ")
            || payload.starts_with(b"HEAD "))
        {
            return;
        }
        let head = &payload[..payload.len().min(4096)];
        let Some(ua) = header_value(head, b"user-agent") else {
            return;
        };
        if let Some(os) = os_from_user_agent(&ua)
            && let Some(d) = self.entry(now, mac)
        {
            set_os(d, 3, os);
        }
    }

    /// Marks the device with `ip` as a C&C callback host.
    pub fn flag_callback_host(&mut self, ip: Ipv4Addr, now: Instant) {
        if let Some(d) = self
            .by_mac
            .values_mut()
            .filter(|d| d.ip == Some(ip))
            .max_by_key(|d| d.last_seen)
        {
            d.callback_host.get_or_insert(now);
        }
    }
}

fn set_os(d: &mut Device, rank: u8, guess: &str) {
    if rank >= d.os_rank {
        d.os_rank = rank;
        d.os_guess = Some(guess.to_string());
    }
}

fn header_value(head: &[u8], name: &[u8]) -> Option<String> {
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        if line[..colon].eq_ignore_ascii_case(name) {
            return Some(
                String::from_utf8_lossy(&line[colon + 1..])
                    .trim()
                    .to_string(),
            );
        }
    }
    None
}

/// The OS a browser's User-Agent names.
pub fn os_from_user_agent(ua: &str) -> Option<&'static str> {
    const TABLE: [(&str, &str); 11] = [
        ("Windows NT 5.1", "Windows XP"),
        ("Windows NT 5.2", "Windows XP x64 / Server 2003"),
        ("Windows NT 6.0", "Windows Vista"),
        ("Windows NT 6.1", "Windows 7"),
        ("Windows NT 6.2", "Windows 8"),
        ("Windows NT 6.3", "Windows 8.1"),
        ("Windows NT 10.0", "Windows 10/11"),
        ("iPhone", "iOS"),
        ("Android", "Android"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    TABLE.iter().find(|(k, _)| ua.contains(k)).map(|(_, v)| *v)
}

/// Vendors by OUI (the first three bytes of the MAC), from the IEEE registry.
/// A subset: the makers of the seeds' office equipment and common phones.
const OUI: &[([u8; 3], &str)] = &[
    ([0x00, 0x0b, 0x5d], "Fujitsu"),
    ([0x00, 0x14, 0x22], "Dell"),
    ([0x00, 0x17, 0x42], "Fujitsu"),
    ([0x00, 0x19, 0x99], "Fujitsu Technology Solutions"),
    ([0x00, 0x1e, 0x8f], "Canon"),
    ([0x00, 0x24, 0xa5], "Buffalo"),
    ([0x00, 0x26, 0x73], "Ricoh"),
    ([0x00, 0x26, 0xab], "Seiko Epson"),
    ([0x00, 0x50, 0xaa], "Konica Minolta"),
    ([0x10, 0xc5, 0x95], "Lenovo"),
    ([0x18, 0x03, 0x73], "Dell"),
    ([0x3c, 0x07, 0x54], "Apple"),
    ([0x3c, 0xd9, 0x2b], "Hewlett Packard"),
    ([0x54, 0x05, 0xdb], "LCFC (Lenovo)"),
    ([0x60, 0x8b, 0x0e], "Apple"),
    ([0x64, 0x00, 0x6a], "Dell"),
    ([0x6c, 0xe4, 0xda], "NEC Platforms"),
    ([0x70, 0x5a, 0x0f], "Hewlett Packard"),
    ([0x98, 0x90, 0x96], "Dell"),
    ([0xa0, 0x8c, 0xfd], "Hewlett Packard"),
    ([0xac, 0x87, 0xa3], "Apple"),
    ([0xb8, 0xca, 0x3a], "Dell"),
    ([0xc8, 0x5b, 0x76], "LCFC (Lenovo)"),
    ([0xf4, 0x6e, 0x24], "NEC Personal Computers"),
    ([0x28, 0x6c, 0x07], "Xiaomi"),
    ([0xf0, 0x18, 0x98], "Apple"),
    ([0xdc, 0xa6, 0x32], "Raspberry Pi"),
    ([0xb8, 0x27, 0xeb], "Raspberry Pi"),
    ([0x5c, 0x0a, 0x5b], "Samsung"),
    ([0x00, 0x0c, 0x29], "VMware"),
];

/// The vendor of `mac`, if its OUI is in the table. Locally administered
/// addresses (random MACs of phones) have none.
pub fn vendor(mac: Mac) -> Option<&'static str> {
    if mac.0[0] & 2 == 2 {
        return None;
    }
    OUI.iter()
        .find(|(p, _)| *p == [mac.0[0], mac.0[1], mac.0[2]])
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XP: Mac = Mac([0x00, 0x14, 0x22, 0x8e, 0x5a, 0x3b]);

    #[test]
    fn a_device_from_ip_then_user_agent() {
        let mut d = Devices::default();
        d.ipv4(
            Instant::from_secs(10),
            XP,
            Ipv4Addr::new(192, 168, 1, 11),
            128,
        );
        d.http_payload(
            Instant::from_secs(20),
            XP,
            b"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1)\r\n\r\n",
        );
        d.ipv4(
            Instant::from_secs(30),
            XP,
            Ipv4Addr::new(192, 168, 1, 11),
            128,
        );
        let dev = d.by_ip(Ipv4Addr::new(192, 168, 1, 11)).expect("listed");
        assert_eq!(dev.vendor, Some("Dell"));
        assert_eq!(
            dev.os_guess.as_deref(),
            Some("Windows XP"),
            "the UA beats the TTL"
        );
        assert_eq!(
            (dev.first_seen, dev.last_seen),
            (Instant::from_secs(10), Instant::from_secs(30))
        );
    }

    fn dhcp_request(mac: [u8; 6], host: &str, vendor_class: &str, ip: [u8; 4]) -> Vec<u8> {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[1] = 1;
        p[2] = 6;
        p[28..34].copy_from_slice(&mac);
        p[236..240].copy_from_slice(&[99, 130, 83, 99]);
        p.extend_from_slice(&[53, 1, 3]);
        p.extend_from_slice(&[12, host.len() as u8]);
        p.extend_from_slice(host.as_bytes());
        p.extend_from_slice(&[60, vendor_class.len() as u8]);
        p.extend_from_slice(vendor_class.as_bytes());
        p.extend_from_slice(&[50, 4]);
        p.extend_from_slice(&ip);
        p.push(255);
        p
    }

    #[test]
    fn dhcp_names_the_device_and_arp_tracks_it() {
        let mut d = Devices::default();
        let mac = [0x28, 0x6c, 0x07, 0x01, 0x02, 0x03];
        d.dhcp(
            Instant::from_secs(1),
            &dhcp_request(mac, "Galaxy-S9", "android-dhcp-10", [192, 168, 1, 120]),
        );
        let dev = d.by_ip(Ipv4Addr::new(192, 168, 1, 120)).expect("listed");
        assert_eq!(dev.hostname.as_deref(), Some("Galaxy-S9"));
        assert_eq!(dev.os_guess.as_deref(), Some("Android (DHCP)"));
        assert_eq!(dev.vendor, Some("Xiaomi"));
        // Truncated and hostile DHCP never panics.
        let full = dhcp_request(mac, "x", "y", [1, 2, 3, 4]);
        for n in 0..full.len() {
            d.dhcp(Instant::from_secs(2), &full[..n]);
        }
        let mut arp = vec![0xff; 6];
        arp.extend_from_slice(&[0x02, 0, 0, 0, 0, 9, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
        arp.extend_from_slice(&[0x02, 0, 0, 0, 0, 9, 192, 168, 1, 77]);
        arp.extend_from_slice(&[0; 10]);
        d.arp(Instant::from_secs(3), &arp);
        let dev = d.by_ip(Ipv4Addr::new(192, 168, 1, 77)).expect("arp");
        assert_eq!(dev.vendor, None, "locally administered");
    }

    #[test]
    fn block_by_ip_or_mac_and_a_bounded_list() {
        let policy: DevicePolicy =
            serde_yaml::from_str("blocked:\n  - mac: 28:6c:07:01:02:03\n  - ip: 192.168.1.99\n")
                .expect("policy");
        assert!(
            policy
                .block_for(Mac([0x28, 0x6c, 0x07, 1, 2, 3]), None)
                .is_some()
        );
        assert!(
            policy
                .block_for(XP, Some(Ipv4Addr::new(192, 168, 1, 99)))
                .is_some()
        );
        assert!(
            policy
                .block_for(XP, Some(Ipv4Addr::new(192, 168, 1, 11)))
                .is_none()
        );
        assert!("00:11:22:33:44".parse::<MacAddr>().is_err());
        let mut d = Devices::default();
        for i in 0..5000u32 {
            let b = i.to_be_bytes();
            d.ipv4(
                Instant::from_secs(i64::from(i)),
                Mac([0x02, 0, b[0], b[1], b[2], b[3]]),
                Ipv4Addr::new(10, 0, b[2], b[3]),
                64,
            );
        }
        assert_eq!(d.len(), MAX_DEVICES);
    }
}
