//! The validated world a scenario describes: the office, the internet, the
//! actors and the timeline.
//!
//! These are the high-level types every other module of the twin consumes.
//! They are built once from raw YAML by [`crate::load`], which checks every
//! reference and reports bad input with file, line and column; nothing past
//! that point re-validates.

pub mod cloud_apps;
pub mod endpoint;

use appliance::{Config, FrozenIntel, Instant};
use std::net::Ipv4Addr;
use std::time::Duration;

/// A MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// An office: its LAN, its gateway and its hosts (`scenarios/offices/*.yaml`).
#[derive(Clone, Debug, PartialEq)]
pub struct Office {
    /// File stem, e.g. `print-shop`.
    pub id: String,
    pub title: String,
    /// The LAN, e.g. 192.168.1.0/24.
    pub lan: Ipv4Addr,
    pub lan_prefix: u8,
    /// The ISP router the PCs use as default gateway (on the WAN side of the
    /// bridge-mode gateway), e.g. 192.168.1.1.
    pub router_ip: Ipv4Addr,
    pub router_mac: Mac,
    /// The DNS resolver the PCs use (an internet host).
    pub dns_server: Ipv4Addr,
    /// The gateway's name in logs and alerts.
    pub gateway_name: String,
    /// The gateways of the office's other sites (a head office's branch):
    /// "deploy all" reaches them too. Their LANs are not simulated.
    pub branch_gateways: Vec<String>,
    /// The office administrator's mailbox (monthly reports land there).
    pub admin_mail: String,
    pub hosts: Vec<HostSpec>,
    /// The endpoint option (seed 002): the licence and the hosts with an
    /// agent; `None` if the office has none.
    pub endpoint: Option<endpoint::EndpointOption>,
}

impl Office {
    pub fn host(&self, name: &str) -> Option<&HostSpec> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// Whether `ip` is an address of the office's LAN (network and
    /// broadcast addresses included).
    pub fn in_lan(&self, ip: Ipv4Addr) -> bool {
        let mask = self.lan_mask();
        u32::from(ip) & mask == u32::from(self.lan) & mask
    }

    /// Whether `ip` can be a device's address in the LAN: inside it, and
    /// neither its network nor its broadcast address.
    pub fn is_host_address(&self, ip: Ipv4Addr) -> bool {
        let host_bits = u32::from(ip) & !self.lan_mask();
        self.in_lan(ip) && host_bits != 0 && host_bits != !self.lan_mask()
    }

    fn lan_mask(&self) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(self.lan_prefix))
            .unwrap_or(0)
    }

    pub fn host_by_ip(&self, ip: Ipv4Addr) -> Option<&HostSpec> {
        self.hosts.iter().find(|h| h.ip == ip)
    }
}

/// One machine on the office LAN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSpec {
    /// Unique within the office, e.g. `PC-XP`.
    pub name: String,
    pub ip: Ipv4Addr,
    pub mac: Mac,
    /// OS label, e.g. `Windows XP`.
    pub os: String,
    pub kind: HostKind,
    /// Who uses it, for reports and demos (optional in YAML).
    pub user: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    Pc,
    Server,
    Nas,
    Printer,
}

/// One incident (`scenarios/*.yaml`).
#[derive(Clone, Debug)]
pub struct Scenario {
    /// File stem, e.g. `winxp-cnc-beacon`.
    pub id: String,
    pub title: String,
    /// The seed line this scenario reproduces, e.g. `seed 000, support case ①`.
    pub reproduces: String,
    pub office: Office,
    /// Start of the simulation (given in JST in YAML).
    pub start: Instant,
    /// How long `officetwin run` simulates.
    pub duration: Duration,
    /// Since when the gateway has been in service and reaching the cloud
    /// before `start` (`online_since:`): the cloud records that span as
    /// uptime, without simulating its traffic, so a month's report is not
    /// short of data only because the scenario tells one day of it.
    pub online_since: Option<Instant>,
    /// Seed of every random choice of the twin (jitter, ports, sequence numbers).
    pub seed: u64,
    /// The gateway's policy.
    pub gateway: Config,
    pub internet: Internet,
    pub intel: FrozenIntel,
    pub actors: Vec<ActorSpec>,
    pub timeline: Vec<TimelineEntry>,
    /// Packet sequences synthesised directly (scans, floods, worms, a device
    /// joining the LAN): see [`crate::scripted`].
    pub scripted: Vec<ScriptedSpec>,
    /// Mail: the office's mail server, its staff's mail programs, and the
    /// messages sent at fixed times (`mail:`; see [`MailSpec`]).
    pub mail: MailSpec,
    /// The endpoint side: pattern releases, disk files, moments.
    pub endpoint: endpoint::EndpointPlan,
    /// Cloud App Security (seed 003): the office's cloud mail and storage,
    /// scanned through their APIs, if the scenario has them.
    pub cloud_apps: Option<cloud_apps::CloudAppsPlan>,
}

/// The scenario's mail (`mail:` in YAML).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailSpec {
    /// The office's own mail server, receiving from the internet through
    /// the gateway (a published port 25), if it has one.
    pub office_server: Option<OfficeMailServer>,
    /// Mail programs on office hosts fetching from the ISP by POP3.
    pub clients: Vec<MailClient>,
    /// Messages sent at fixed times, oldest first.
    pub sends: Vec<MailSend>,
}

impl MailSpec {
    /// The mail program of office host `host`, if it has one.
    pub fn client(&self, host: &str) -> Option<&MailClient> {
        self.clients.iter().find(|c| c.host == host)
    }
}

/// An office host that is the office's mail server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeMailServer {
    pub host: String,
    pub ip: Ipv4Addr,
    /// Its name in the SMTP greeting, e.g. `mail.print-shop.example`.
    pub name: String,
    /// Mail for addresses `@domain` is delivered to it.
    pub domain: String,
    pub mailboxes: Vec<String>,
}

/// A mail program on an office host: one POP3 account at the ISP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailClient {
    pub host: String,
    pub address: String,
    pub password: String,
    /// Checks for new mail this often (from the scenario start); `None`:
    /// only when told (a step, `officetwin run` never).
    pub check_every: Option<Duration>,
}

/// Who sends a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailOrigin {
    /// An office host's mail program, submitting to the ISP.
    Host(String),
    /// A mail server on the internet at this address.
    Internet(Ipv4Addr),
}

/// One message sent at a fixed time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSend {
    pub at: Instant,
    pub from: MailOrigin,
    pub to: String,
    /// The file under `mails/`, e.g. `emotet-2019-macro-reply.eml`.
    pub name: String,
    /// Its bytes.
    pub raw: Vec<u8>,
    pub note: Option<String>,
}

/// The simulated internet's services.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Internet {
    /// Web sites (ordinary sites and C&C servers alike: the C&C list, not the
    /// site, decides what the gateway thinks of them).
    pub sites: Vec<Site>,
    /// The ISP's mail server and its mailboxes.
    pub mail: MailServerSpec,
}

impl Internet {
    pub fn site(&self, host: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.host.eq_ignore_ascii_case(host))
    }
}

/// A web site: one host name on one address, serving pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub host: String,
    pub ip: Ipv4Addr,
    /// Pages by path (path and query, e.g. `/account.asp?qu=cmd`). A request for
    /// an unlisted path gets 404.
    pub pages: Vec<Page>,
    /// The validity of the certificate it serves on 443; `None` gives one
    /// valid from 90 days before the scenario's start to 275 days after.
    pub certificate: Option<CertificateSpec>,
    /// Further TCP ports it serves plain HTTP on, besides 80 (TLS is 443).
    pub ports: Vec<u16>,
    /// TCP ports it is a BitTorrent peer on (`crate::peer`): it answers
    /// the handshake and records what it received.
    pub bittorrent: Vec<u16>,
    /// Whether the internet's resolver knows its name (false: NXDOMAIN).
    pub in_dns: bool,
}

/// A site certificate's validity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateSpec {
    pub not_before: Instant,
    pub not_after: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// The ISP's mail server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailServerSpec {
    pub host: String,
    pub ip: Ipv4Addr,
    /// Addresses with a mailbox (the support desk, the office admin, staff).
    pub mailboxes: Vec<String>,
}

impl Default for MailServerSpec {
    fn default() -> Self {
        MailServerSpec {
            host: "mail.isp.example".to_string(),
            ip: Ipv4Addr::new(198, 51, 100, 25),
            mailboxes: Vec::new(),
        }
    }
}

/// A program running on an office host.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorSpec {
    /// The office host it runs on (checked to exist).
    pub host: String,
    /// When it starts; the scenario start if not given.
    pub start: Option<Instant>,
    /// When it stops; runs until the end if not given.
    pub stop: Option<Instant>,
    /// The file it runs from on its host (`C:\...\a.exe`): it stops for
    /// good when the host's endpoint agent quarantines, deletes or cleans
    /// that file, or stops the program.
    pub program: Option<String>,
    pub kind: ActorKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActorKind {
    /// A person browsing: opens one of `urls` every `interval` ± `jitter`,
    /// only within `hours` (JST hours of day, e.g. 9..18) if given.
    Browse {
        urls: Vec<String>,
        interval: Duration,
        jitter: Duration,
        hours: Option<(u8, u8)>,
    },
    /// Malware calling home: first the `script`ed attempts at exact times (the
    /// seed's log lines), then one of `urls` every `interval` ± `jitter`.
    Beacon {
        urls: Vec<String>,
        script: Vec<ScriptedRequest>,
        interval: Duration,
        jitter: Duration,
    },
}

/// One request at an exact time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedRequest {
    pub at: Instant,
    pub url: String,
}

/// Something that happens at a fixed moment (the support desk's response steps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Instant,
    pub action: TimelineAction,
    /// What happened, in the seed's words, for logs and demos.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineAction {
    /// The host is unplugged from the LAN (LANケーブル抜去).
    Isolate { host: String },
    /// The host is plugged back in.
    Reconnect { host: String },
    /// The gateway loses its link to the cloud console (Q21: 専用BOXがオフライン):
    /// it keeps filtering, but its logs, statistics and alerts reach nobody.
    GatewayOffline,
    /// The gateway reports to the cloud again.
    GatewayOnline,
    /// A branch's gateway loses its link to the cloud console: "deploy
    /// all" cannot reach it.
    BranchOffline { gateway: String },
    /// The branch's gateway reaches the cloud again.
    BranchOnline { gateway: String },
    /// The host's address changes: its DHCP lease gave it another one
    /// (seed 004: 「お客さまの端末のIPアドレスが固定となっていない場合など感染
    /// 端末が特定できない場合がございます」). Its MAC stays.
    Renumber { host: String, ip: Ipv4Addr },
    /// The administrator blocks a device by MAC or IP on the gateway (FAQ
    /// Q2): a new policy version is deployed with the device on the list.
    BlockDevice {
        mac: Option<Mac>,
        ip: Option<Ipv4Addr>,
    },
}

/// Where scripted traffic comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An office host (checked to exist): its address and MAC, through its
    /// switch port.
    Host(String),
    /// An address on the simulated internet, arriving at the WAN port.
    Internet(Ipv4Addr),
    /// A device that is not one of the office's hosts, on the LAN.
    Device { ip: Ipv4Addr, mac: Mac },
}

/// One scripted packet sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedSpec {
    pub origin: Origin,
    pub start: Instant,
    pub kind: ScriptedKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptedKind {
    /// TCP SYNs to ports `first..=last` of `target`, `rate` per second.
    PortScan {
        target: Ipv4Addr,
        first: u16,
        last: u16,
        rate: u32,
    },
    /// SYNs to `target:port` at `rate` per second for `duration`, from
    /// addresses drawn in `spoof` (or the origin's own).
    SynFlood {
        target: Ipv4Addr,
        port: u16,
        rate: u32,
        duration: Duration,
        spoof: Option<(Ipv4Addr, u8)>,
    },
    /// SYNs to `port` of `count` addresses of the network `targets`, at
    /// `rate` per second (a worm looking for file shares).
    Worm {
        port: u16,
        targets: (Ipv4Addr, u8),
        count: u32,
        rate: u32,
    },
    /// A device joins the LAN (ARP, DHCP with its name and vendor class) and
    /// then opens a connection to `visit` port 80 every `interval`.
    NewDevice {
        hostname: String,
        vendor_class: String,
        visit: Ipv4Addr,
        interval: Duration,
    },
    /// An NTP client polling UDP 123 of `server`, every `min_poll` doubling
    /// to `max_poll` ([`crate::ntp`]).
    Ntp {
        server: Ipv4Addr,
        min_poll: Duration,
        max_poll: Duration,
    },
}
