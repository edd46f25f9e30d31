//! The raw shapes of a scenario's network-protection parts: `traffic:`
//! entries and the timeline's `block_device:` (validated in `load::traffic`).

use super::{Cidr, JstTime, MacText};
use crate::duration::HumanDuration;
use serde::Deserialize;
use std::net::Ipv4Addr;

/// One `traffic:` entry: where from, when, and exactly one kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTraffic {
    pub from: String,
    pub at: JstTime,
    #[serde(default)]
    pub port_scan: Option<RawPortScan>,
    #[serde(default)]
    pub syn_flood: Option<RawSynFlood>,
    #[serde(default)]
    pub worm: Option<RawWorm>,
    #[serde(default)]
    pub new_device: Option<RawNewDevice>,
    #[serde(default)]
    pub ntp: Option<RawNtp>,
}

/// `ntp:`: a host's NTP client (`twin::ntp`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNtp {
    pub server: Ipv4Addr,
    #[serde(default)]
    pub min_poll: Option<HumanDuration>,
    #[serde(default)]
    pub max_poll: Option<HumanDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPortScan {
    pub target: String,
    /// `1-1024`
    pub ports: String,
    #[serde(default = "default_rate")]
    pub rate: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSynFlood {
    pub target: String,
    pub port: u16,
    pub rate: u32,
    pub duration: HumanDuration,
    #[serde(default)]
    pub spoof: Option<Cidr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorm {
    #[serde(default = "smb_port")]
    pub port: u16,
    pub targets: Cidr,
    pub count: u32,
    #[serde(default = "default_rate")]
    pub rate: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNewDevice {
    pub mac: MacText,
    pub hostname: String,
    #[serde(default)]
    pub vendor_class: String,
    /// A site of the scenario's internet.
    pub visit: String,
    pub interval: HumanDuration,
}

/// `block_device:` in a timeline entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBlockDevice {
    #[serde(default)]
    pub mac: Option<MacText>,
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
}

fn default_rate() -> u32 {
    100
}
fn smb_port() -> u16 {
    445
}
