//! Endpoint identification settings (`inspect::devices`): the device block list.

use crate::wire::frame::Mac;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::net::Ipv4Addr;

/// A MAC address in configuration: `aa:bb:cc:dd:ee:ff` (or with `-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MacAddr(pub Mac);

impl std::str::FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<MacAddr, String> {
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        let mut out = [0u8; 6];
        if parts.len() != 6 {
            return Err(format!("`{s}` is not a MAC address like 00:11:22:33:44:55"));
        }
        for (o, p) in out.iter_mut().zip(&parts) {
            *o = u8::from_str_radix(p, 16)
                .ok()
                .filter(|_| p.len() == 2)
                .ok_or_else(|| format!("`{s}` is not a MAC address like 00:11:22:33:44:55"))?;
        }
        Ok(MacAddr(Mac(out)))
    }
}

impl std::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Written as it is read, so a block list can travel to a firmware build
/// (the lockstep control protocol's device-list deploy).
impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MacAddr, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

/// One entry of the device block list: by IP or by MAC.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BlockedDevice {
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub mac: Option<MacAddr>,
    /// Why, for the log (e.g. "not company equipment").
    #[serde(default)]
    pub note: Option<String>,
}

/// Endpoint identification settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DevicePolicy {
    pub enabled: bool,
    pub blocked: Vec<BlockedDevice>,
    /// A blocked device's traffic is logged at most once per this many seconds.
    pub log_hold_down_secs: u64,
}

impl Default for DevicePolicy {
    fn default() -> Self {
        DevicePolicy {
            enabled: true,
            blocked: Vec::new(),
            log_hold_down_secs: 600,
        }
    }
}

impl DevicePolicy {
    /// The block-list entry matching a LAN frame's MAC or IP, if any.
    pub fn block_for(&self, mac: Mac, ip: Option<Ipv4Addr>) -> Option<&BlockedDevice> {
        self.blocked
            .iter()
            .find(|b| b.mac.is_some_and(|m| m.0 == mac) || (b.ip.is_some() && b.ip == ip))
    }
}
