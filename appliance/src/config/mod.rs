//! The gateway's configuration: the policy it enforces and where its alerts go.
//!
//! This is the validated, in-memory shape, one submodule per engine's settings
//! (the engines in `inspect` read them, never the other way round). YAML is parsed into it once, at the
//! edge (the twin's loaders, the appliance binary); engines only ever see these
//! types.

pub mod beacon;
pub mod devices;
pub mod dos;
pub mod firewall;
pub mod ips;
pub mod mail;
pub mod network;
pub mod port_scan;
pub mod thresholds;

use crate::policy::Policy;
use beacon::BeaconPolicy;
use devices::DevicePolicy;
use dos::DosPolicy;
use firewall::FirewallPolicy;
use ips::IpsPolicy;
use network::{CallbackHostPolicy, FlowTablePolicy};
use port_scan::ScanPolicy;
use serde::Deserialize;
use std::net::Ipv4Addr;

pub use mail::{
    AntiMalwarePolicy, AntiSpamPolicy, EmailReputationPolicy, MailSecurityPolicy,
    MalwareMailAction, ReputationMode, Sensitivity, SmtpCode, SmtpText, SpamAction,
    UnscannableAction,
};

/// Everything a gateway needs to run; replaced as a whole by `Gateway::deploy`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The gateway's name in logs and alerts, e.g. `CloudEdge50-printshop`.
    pub name: String,
    /// Policy version, bumped by every deploy.
    pub version: u32,
    /// What happens to C&C callbacks.
    pub cnc: CncPolicy,
    /// Where immediate alerts are mailed.
    pub alerts: AlertPolicy,
    /// Seed for the gateway's own randomness (initial sequence numbers of the
    /// packets it forges). The gateway never touches a global RNG.
    pub seed: u64,
    /// Zones LAN/WAN, rules, published services (`inspect::firewall`).
    pub firewall: FirewallPolicy,
    /// Suricata-style rules (`inspect::ips`); files are read at the edge.
    pub ips: IpsPolicy,
    /// SYN/UDP/ICMP flood thresholds (`inspect::dos`).
    pub dos: DosPolicy,
    /// Port scans and worm sweeps (`inspect::port_scan`).
    pub scan: ScanPolicy,
    /// Beacon scoring of unlisted C&C (`inspect::beacon`).
    pub beacon: BeaconPolicy,
    /// The C&C callback-host rule (`inspect::network`).
    pub callback_host: CallbackHostPolicy,
    /// The device list and device blocking (`inspect::devices`).
    pub devices: DevicePolicy,
    /// Flow-table size and what happens when it is full (`inspect::network`).
    pub flow_table: FlowTablePolicy,
    /// Anti-malware (不正プログラム対策) for HTTP downloads and mail attachments.
    #[serde(default)]
    pub anti_malware: AntiMalwarePolicy,
    /// Mail security (メールセキュリティ対策): attachments, anti-spam, email reputation.
    #[serde(default)]
    pub mail: MailSecurityPolicy,
    /// The web policy (security profile, reputation, URL filtering, lists).
    pub policy: Policy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            name: "CloudEdge50".to_string(),
            version: 1,
            cnc: CncPolicy::default(),
            alerts: AlertPolicy::default(),
            seed: 0,
            firewall: FirewallPolicy::default(),
            ips: IpsPolicy::default(),
            dos: DosPolicy::default(),
            scan: ScanPolicy::default(),
            beacon: BeaconPolicy::default(),
            callback_host: CallbackHostPolicy::default(),
            devices: DevicePolicy::default(),
            flow_table: FlowTablePolicy::default(),
            anti_malware: AntiMalwarePolicy::default(),
            mail: MailSecurityPolicy::default(),
            policy: Policy::default(),
        }
    }
}

/// The C&C callback engine's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CncPolicy {
    pub enabled: bool,
    /// Block (the product's default) or only log.
    pub action: CncAction,
    /// What the gateway does with a PC's DNS query for a listed name:
    /// log it (the default; the query goes on to the resolver) or answer
    /// it itself (`sinkhole`).
    pub dns: CncDns,
    /// The address the sinkhole answers with; none: NXDOMAIN.
    pub sinkhole_ip: Option<Ipv4Addr>,
}

impl Default for CncPolicy {
    fn default() -> Self {
        CncPolicy {
            enabled: true,
            action: CncAction::Block,
            dns: CncDns::Log,
            sinkhole_ip: None,
        }
    }
}

/// The C&C policy's answer to a DNS query for a listed name.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CncDns {
    /// Logged; the query is forwarded and answered by the resolver.
    #[default]
    Log,
    /// Answered by the gateway (`sinkhole_ip`, or NXDOMAIN), never forwarded.
    Sinkhole,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CncAction {
    Block,
    Monitor,
}

/// Immediate alerts (FAQ Q7: C&C detections are reported at once by mail).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertPolicy {
    pub enabled: bool,
    /// The support desk's address.
    pub to: String,
    pub from: String,
    /// A host that already caused an alert is not alerted again within this many seconds.
    pub hold_down_secs: u64,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            enabled: true,
            to: "support-desk@isp.example".to_string(),
            from: "cloudedge-alert@isp.example".to_string(),
            hold_down_secs: 24 * 3600,
        }
    }
}
