//! The raw YAML shapes, exactly as written, and the small scalar types they use.
//!
//! Scalars (addresses, times, durations, hours) are parsed while serde_yaml
//! still holds the position, so a bad one is reported at its own line and
//! column for free. Everything that needs the whole file (references,
//! duplicates, ranges) is left to the validators. These types never leave
//! the loader. The shapes of the `traffic:` and `mail:` sections are in the
//! child modules, beside each other and below their validators.

pub(crate) mod cloud_apps;
pub(crate) mod endpoint;
pub(crate) mod mail;
pub(crate) mod traffic;

use crate::duration::HumanDuration;
use crate::model::Mac;
use appliance::time::jst;
use appliance::{Config, FrozenIntel, Instant};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;
use std::net::Ipv4Addr;
use std::str::FromStr;

// ---------------------------------------------------------------- office

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOffice {
    pub title: String,
    pub lan: Cidr,
    pub router: RawRouter,
    pub dns_server: Ipv4Addr,
    pub gateway_name: String,
    /// The gateways of the office's other sites (a branch), which "deploy
    /// all" reaches too; their LANs are not simulated.
    #[serde(default)]
    pub branch_gateways: Vec<String>,
    pub admin_mail: String,
    pub hosts: Vec<RawHost>,
    /// The endpoint option: licence and agents (seed 002).
    #[serde(default)]
    pub endpoint: Option<endpoint::RawEndpointOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRouter {
    pub ip: Ipv4Addr,
    pub mac: MacText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHost {
    pub name: String,
    pub ip: Ipv4Addr,
    pub mac: MacText,
    pub os: String,
    pub kind: RawHostKind,
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawHostKind {
    Pc,
    Server,
    Nas,
    Printer,
}

// ---------------------------------------------------------------- scenario

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub title: String,
    pub reproduces: String,
    pub office: String,
    pub start: JstTime,
    pub duration: HumanDuration,
    pub seed: u64,
    /// Since when the gateway has been in service and online before `start`.
    #[serde(default)]
    pub online_since: Option<JstTime>,
    #[serde(default)]
    pub gateway: Option<Config>,
    /// The web policy (security profile), validated by `appliance::policy`.
    #[serde(default)]
    pub policy: Option<appliance::policy::RawPolicy>,
    #[serde(default)]
    pub intel: FrozenIntel,
    #[serde(default)]
    pub internet: RawInternet,
    #[serde(default)]
    pub actors: Vec<RawActor>,
    #[serde(default)]
    pub timeline: Vec<RawTimelineEntry>,
    #[serde(default)]
    pub traffic: Vec<traffic::RawTraffic>,
    #[serde(default)]
    pub mail: Option<mail::RawMail>,
    /// Patterns, disk files and moments for the office's agents.
    #[serde(default)]
    pub endpoint: Option<endpoint::RawEndpointPlan>,
    /// Cloud App Security: services, policies, moments (seed 003).
    #[serde(default)]
    pub cloud_apps: Option<cloud_apps::RawCloudApps>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInternet {
    #[serde(default)]
    pub sites: Vec<RawSite>,
    #[serde(default)]
    pub mail: Option<RawMailServer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSite {
    pub host: String,
    pub ip: Ipv4Addr,
    #[serde(default)]
    pub pages: Option<Vec<RawPage>>,
    /// The certificate served on 443 (validity in JST).
    #[serde(default)]
    pub certificate: Option<RawCertificate>,
    /// Further TCP ports it serves plain HTTP on, besides 80 (e.g. a C&C
    /// server on 8080).
    #[serde(default)]
    pub ports: Vec<u16>,
    /// TCP ports it is a BitTorrent peer on (e.g. 6881).
    #[serde(default)]
    pub bittorrent: Vec<u16>,
    /// False: the name is not in DNS (a taken-down C&C domain): clients
    /// asking for it get NXDOMAIN.
    #[serde(default = "yes")]
    pub in_dns: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCertificate {
    /// Defaults to one year before `not_after`.
    #[serde(default)]
    pub not_before: Option<JstTime>,
    pub not_after: JstTime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPage {
    pub path: String,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default = "default_content_type")]
    pub content_type: String,
    #[serde(default)]
    pub body: String,
}

fn default_status() -> u16 {
    200
}

pub(crate) fn default_content_type() -> String {
    "text/html; charset=utf-8".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMailServer {
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub mailboxes: Vec<String>,
}

/// One actor entry. Exactly one of `browse` / `beacon`, and exactly one of
/// `host` / `hosts`; the validator enforces both with a located error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActor {
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    #[serde(default)]
    pub start: Option<JstTime>,
    #[serde(default)]
    pub stop: Option<JstTime>,
    #[serde(default)]
    pub browse: Option<RawBrowse>,
    #[serde(default)]
    pub beacon: Option<RawBeacon>,
    /// The file the program runs from on its host.
    #[serde(default)]
    pub program: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBrowse {
    pub urls: Vec<String>,
    pub interval: HumanDuration,
    #[serde(default)]
    pub jitter: crate::jitter::Jitter,
    #[serde(default)]
    pub hours: Option<Hours>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBeacon {
    pub urls: Vec<String>,
    #[serde(default)]
    pub script: Vec<RawScripted>,
    pub interval: HumanDuration,
    #[serde(default)]
    pub jitter: crate::jitter::Jitter,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScripted {
    pub at: JstTime,
    pub url: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawGatewayState {
    Offline,
    Online,
}

/// One timeline entry: `at`, exactly one action key, an optional note.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimelineEntry {
    pub at: JstTime,
    #[serde(default)]
    pub isolate: Option<String>,
    #[serde(default)]
    pub reconnect: Option<String>,
    /// `offline` or `online`: the gateway's link to the cloud console.
    #[serde(default)]
    pub gateway: Option<RawGatewayState>,
    /// Which gateway goes offline or online: one of the office's
    /// `branch_gateways` (the office's own gateway if left out).
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub block_device: Option<traffic::RawBlockDevice>,
    /// A host gets a new address (its DHCP lease changed, seed 004:
    /// 「IPアドレスが固定となっていない場合」).
    #[serde(default)]
    pub renumber: Option<RawRenumber>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRenumber {
    pub host: String,
    pub ip: Ipv4Addr,
}

// ---------------------------------------------------------------- scalars

/// Deserializes any `FromStr` type from a YAML scalar, so its own error
/// message reaches the user at the scalar's position.
fn from_scalar<'de, D, T>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct Visitor<T>(&'static str, PhantomData<T>);
    impl<T> serde::de::Visitor<'_> for Visitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
        // `hours: 9` or `mac: 1234` arrive as numbers; let the type's own
        // parser explain what it wanted instead of "invalid type".
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
            self.visit_str(&v.to_string())
        }
    }
    deserializer.deserialize_str(Visitor(expecting, PhantomData))
}

macro_rules! deserialize_via_from_str {
    ($ty:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                from_scalar(d, $expecting)
            }
        }
    };
}

/// An IPv4 network in CIDR notation, e.g. `192.168.1.0/24`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub net: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    fn mask(prefix: u8) -> u32 {
        u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
    }

    pub fn contains(self, ip: Ipv4Addr) -> bool {
        let mask = Self::mask(self.prefix);
        u32::from(ip) & mask == u32::from(self.net) & mask
    }

    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.net) | !Self::mask(self.prefix))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = "a LAN is written as NETWORK/PREFIX, e.g. `192.168.1.0/24`";
        let (net, prefix) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("`{s}` has no /PREFIX: {usage}"))?;
        let net: Ipv4Addr = net
            .parse()
            .map_err(|_| format!("`{net}` is not an IPv4 address: {usage}"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| (8..=30).contains(p))
            .ok_or_else(|| format!("`/{prefix}` is not a prefix length from 8 to 30"))?;
        let cidr = Cidr { net, prefix };
        let masked = Ipv4Addr::from(u32::from(net) & Self::mask(prefix));
        if masked != net {
            return Err(format!(
                "`{s}` has host bits set: did you mean `{masked}/{prefix}`?"
            ));
        }
        Ok(cidr)
    }
}
deserialize_via_from_str!(Cidr, "a network such as `192.168.1.0/24`");

/// A MAC address as text: `00:1b:21:3a:4f:5e` (or with `-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MacText(pub Mac);

impl FromStr for MacText {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("`{s}` is not a MAC address: write six hex pairs, e.g. `00:1b:21:3a:4f:5e`");
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut bytes = [0u8; 6];
        for (byte, part) in bytes.iter_mut().zip(&parts) {
            if part.len() != 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        Ok(MacText(Mac(bytes)))
    }
}
deserialize_via_from_str!(MacText, "a MAC address such as `00:1b:21:3a:4f:5e`");

/// A moment, written in JST: `2017-09-26 10:09:45` (JST implied), or RFC 3339
/// with an explicit offset, `2017-09-26T10:09:45+09:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct JstTime(pub Instant);

impl FromStr for JstTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(JstTime(Instant::from(t)));
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
                return jst_instant(naive, s);
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return jst_instant(date.and_time(chrono::NaiveTime::MIN), s);
        }
        Err(format!(
            "`{s}` is not a time: write `2017-09-26 10:09:45` (JST) or RFC 3339 such as `2017-09-26T10:09:45+09:00`"
        ))
    }
}

fn jst_instant(naive: NaiveDateTime, s: &str) -> Result<JstTime, String> {
    jst()
        .from_local_datetime(&naive)
        .single()
        .map(|t| JstTime(Instant::from(t)))
        .ok_or_else(|| format!("`{s}` does not exist in JST"))
}
deserialize_via_from_str!(JstTime, "a time such as `2017-09-26 10:09:45`");

/// Hours of the day in JST, `9-18`: from 09:00 up to (not including) 18:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hours(pub u8, pub u8);

impl FromStr for Hours {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("`{s}` is not a range of hours: write e.g. `9-18` (09:00 to 18:00 JST)");
        let (from, to) = s.trim().split_once('-').ok_or_else(bad)?;
        let from: u8 = from.trim().parse().map_err(|_| bad())?;
        let to: u8 = to.trim().parse().map_err(|_| bad())?;
        if from >= to || to > 24 {
            return Err(format!(
                "hours `{s}` must run forwards within one day: 0 <= from < to <= 24"
            ));
        }
        Ok(Hours(from, to))
    }
}
deserialize_via_from_str!(Hours, "a range of hours such as `9-18`");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr() {
        let lan: Cidr = "192.168.1.0/24".parse().unwrap();
        assert!(lan.contains(Ipv4Addr::new(192, 168, 1, 11)));
        assert!(!lan.contains(Ipv4Addr::new(192, 168, 2, 11)));
        assert_eq!(lan.broadcast(), Ipv4Addr::new(192, 168, 1, 255));
        let err = "192.168.1.1/24".parse::<Cidr>().unwrap_err();
        assert!(err.contains("`192.168.1.0/24`"), "{err}");
        assert!("192.168.1.0".parse::<Cidr>().is_err());
        assert!("192.168.1.0/33".parse::<Cidr>().is_err());
    }

    #[test]
    fn mac() {
        let mac: MacText = "00:1B:21:3a:4f:5e".parse().unwrap();
        assert_eq!(mac.0, Mac([0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5e]));
        assert_eq!("00-1b-21-3a-4f-5e".parse::<MacText>().unwrap(), mac);
        for bad in [
            "00:1b:21:3a:4f",
            "00:1b:21:3a:4f:5g",
            "001b:21:3a:4f:5e:00",
            "",
        ] {
            assert!(bad.parse::<MacText>().is_err(), "{bad}");
        }
    }

    #[test]
    fn jst_times() {
        let seed_line = Instant::from_secs(1_506_388_185);
        for text in [
            "2017-09-26 10:09:45",
            "2017-09-26T10:09:45",
            "2017-09-26T10:09:45+09:00",
            "2017-09-26T01:09:45Z",
            "2017-09-26 01:09:45Z",
        ] {
            assert_eq!(text.parse::<JstTime>(), Ok(JstTime(seed_line)), "{text}");
        }
        let midnight: JstTime = "2017-09-26".parse().unwrap();
        assert_eq!(midnight.0.jst_string(), "2017-09-26 00:00:00");
        assert!("2017-09-31 10:00:00".parse::<JstTime>().is_err());
        assert!("yesterday".parse::<JstTime>().is_err());
    }

    #[test]
    fn hours() {
        assert_eq!("9-18".parse::<Hours>(), Ok(Hours(9, 18)));
        assert_eq!("0-24".parse::<Hours>(), Ok(Hours(0, 24)));
        assert!("18-9".parse::<Hours>().is_err());
        assert!("9-25".parse::<Hours>().is_err());
        assert!("9".parse::<Hours>().is_err());
    }
}
