//! Reasons: why the gateway decided, as typed values, one per link of a chain.
//!
//! Every detection carries its reason chain, outermost first (which list,
//! which indicator, which threat; which rule, category, schedule). Each link
//! is a [`Reason`] holding its facts as fields (the log store keeps each
//! link typed, its [`Reason::kind`] as the serde tag), and the statistics,
//! widgets and reports read fields, never text. [`fmt::Display`] renders a
//! link as the log's English text: the console's CSV export, its log page
//! and the block page show exactly this.

use crate::engine::Engine;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

/// One link of a reason chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    // --- C&C callbacks
    /// The server is on the C&C list.
    CncList,
    /// What on the C&C list matched: a URL, a domain or an IP address.
    Indicator { indicator: Indicator },
    /// The threat's name as the intel gives it (`CnC.Win32.Generic`).
    Threat { name: String },
    /// Where the C&C name was seen: the TLS ClientHello's server name (SNI),
    /// the gateway cannot read the request inside TLS.
    TlsSni { name: String },
    /// Where the C&C name was seen: a PC's DNS query for it (UDP 53).
    DnsQuery { name: String },
    /// The gateway answered the DNS query itself (the C&C policy's
    /// sinkhole): with this address, or NXDOMAIN when `None`.
    Sinkhole { answer: Option<Ipv4Addr> },
    /// A beacon scored past the threshold (RITA's method, `inspect::beacon`).
    BeaconScore,
    /// The beacon's score against the threshold, in thousandths.
    BeaconThreshold {
        score: Thousandths,
        threshold: Thousandths,
        to: String,
    },
    /// The beacon score's breakdown.
    BeaconTiming(Box<BeaconTiming>),
    /// The server of a beacon is on no C&C list.
    NotOnCncList,

    // --- firewall, device list, flow table
    /// The device is on the gateway's device block list.
    DeviceBlockList,
    /// The block list's entry that matched.
    BlockedDevice { key: DeviceKey },
    /// The operator's note on an entry, as written.
    Note { text: String },
    /// A firewall rule denied it.
    FirewallRule,
    /// The rule's name (firewall rules; also the anti-malware signature rule).
    Rule { name: String },
    /// Inbound traffic that nothing allows.
    InboundNotAllowed,
    /// Not a reply on an established flow, not to a published service.
    NotEstablished,
    /// The denied traffic: protocol and destination.
    Traffic { traffic: Traffic },
    /// The flow table has no room for a new flow.
    FlowTableFull,
    /// How many flows the table holds when full.
    FlowsTracked { count: usize },
    /// An overflow episode ended: the table has had room for a while.
    FlowTableRoom,
    /// How many new flows the full table turned away, over how long.
    FlowsTurnedAway { flows: u64, secs: u64 },
    /// What the gateway does with new flows while the table is full.
    WhenFull { fail_open: bool },
    /// What an episode let through uninspected (fail-open flows and their
    /// replies, or frames of a protocol the gateway cannot read).
    UninspectedTraffic {
        flows: u64,
        packets: u64,
        bytes: u64,
    },
    /// Frames of a protocol the gateway does not inspect (not IPv4, not
    /// ARP), forwarded as they are.
    UnsupportedProtocol { ethertype: u16 },

    // --- DoS protection and scans
    /// A flood against one destination.
    Flood { kind: FloodKind },
    /// The packet rate over its limit.
    RateExceeded { limit: u32, dst: Ipv4Addr },
    /// Whether the excess is dropped or only logged.
    Excess { dropped: bool },
    /// A vertical port scan.
    PortScan,
    /// Many ports of one host in a window.
    PortsProbed {
        count: usize,
        transport: Transport,
        dst: Ipv4Addr,
        secs: u64,
    },
    /// A sweep of many hosts on one port; a worm when the port is a share's.
    Sweep { worm: bool },
    /// Many hosts on one port in a window.
    HostsProbed {
        count: usize,
        transport: Transport,
        port: u16,
        secs: u64,
    },

    // --- intrusion prevention
    /// An IPS rule matched.
    IpsRule,
    /// The rule's id and revision.
    Signature { sid: u32, rev: u32 },
    /// The rule's message, as its author wrote it.
    RuleMessage { text: String },
    /// The rule's class type.
    Classtype { name: String },

    // --- web: lists, URL filtering, application control, reputation
    /// The URL is on the profile's block list.
    BlockList,
    /// The list entry that matched, as written.
    ListEntry { text: String },
    /// A URL-filtering or application-control rule of the profile.
    PolicyRule { name: String },
    /// The application the rule names.
    Application { name: String, kind: String },
    /// The URL category (with its Japanese name where the category table has one).
    Category { name: String, ja: Option<String> },
    /// The category's group.
    CategoryGroup { name: String },
    /// The schedule under which the rule applies.
    Schedule { name: String },
    /// Web reputation blocked the site.
    WebReputation,
    /// The site's score and its band.
    ReputationScore { score: u8, band: Band },
    /// The profile's web reputation security level.
    SecurityLevel { level: SecurityLevel },
    /// The server's TLS certificate is not valid.
    InvalidCertificate,
    /// The certificate's validity period, against the time of the connection.
    CertificateValidity { bound: ValidityBound, at: Instant },

    // --- anti-malware
    /// A file downloaded over HTTP.
    File { name: String },
    /// An attachment of a mail.
    Attachment { name: String },
    /// The object where the threat sits inside an archive or document.
    Within { path: String },
    /// The scanner could not look inside the object.
    Unscannable,
    /// Why the scanner could not (an encrypted entry, a limit, a corrupt archive).
    UnscannableDetail { text: String },
    /// The object's digest.
    Sha256 { hex: String },
    /// Found by the pattern file.
    PatternFile,
    /// The EICAR test file's exact rule.
    EicarExactRule,
    /// Found by smart scan (the file hash list).
    SmartScan,
    /// The digest is on the file hash list.
    HashListed { hex: String },
    /// Found by a signature of the pattern file.
    SignatureMatch,
    /// Found by the machine-learning scan's model.
    MachineLearning,
    /// The model's score against its threshold.
    ModelScore { score: u32, threshold: u32 },
    /// A feature of the object that counted in the model's score.
    Feature { feature: Feature },

    // --- mail
    /// The mail an engine looked at.
    Mail { from: String, to: String },
    /// The sender is on the block list.
    SenderBlockList,
    /// The sender entry that matched.
    Sender { entry: String },
    /// The content score of anti-spam.
    ContentScore,
    /// The content score against the detection level's threshold.
    SpamScore {
        points: u32,
        threshold: u32,
        level: SecurityLevel,
    },
    /// A rule of the content score that fired.
    SpamSign { sign: SpamSign },
    /// A link in the mail's body, rated by web reputation (the reasons
    /// after it are the rating's).
    MailLink { url: String },
    /// The SMTP client is on a DNSBL list (RBL+ or Zombie).
    DnsblList { list: String },
    /// The client's address and the DNSBL's answer.
    DnsblAnswer { ip: Ipv4Addr, answer: u8 },
    /// The SMTP reply code the client got.
    SmtpReply { code: u16 },
    /// The connection was only logged.
    LogOnly,
}

/// An indicator on the C&C list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Url(String),
    Domain(String),
    Ip(Ipv4Addr),
}

/// A device block list entry's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKey {
    /// `aa:bb:cc:dd:ee:ff`.
    Mac(String),
    Ip(Ipv4Addr),
    /// An entry with neither (it matches nothing in practice).
    Entry,
}

/// Denied traffic, by protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Traffic {
    Tcp { dst: Ipv4Addr, port: u16 },
    Udp { dst: Ipv4Addr, port: u16 },
    Icmp { dst: Ipv4Addr },
    Other { protocol: u8, dst: Ipv4Addr },
}

/// A transport protocol, as scans are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Tcp,
    Udp,
}

/// The kinds of flood DoS protection counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloodKind {
    Syn,
    Udp,
    Icmp,
}

impl FloodKind {
    pub fn label(self) -> &'static str {
        match self {
            FloodKind::Syn => "SYN flood",
            FloodKind::Udp => "UDP flood",
            FloodKind::Icmp => "ICMP flood",
        }
    }
}

/// The score band of a web reputation score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Dangerous,
    HighlySuspicious,
    Suspicious,
    Safe,
    Untested,
}

impl Band {
    pub fn of(score: u8) -> Band {
        match score {
            71 => Band::Untested,
            0..=50 => Band::Dangerous,
            51..=65 => Band::HighlySuspicious,
            66..=80 => Band::Suspicious,
            _ => Band::Safe,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Dangerous => "dangerous",
            Band::HighlySuspicious => "highly suspicious",
            Band::Suspicious => "suspicious",
            Band::Safe => "safe",
            Band::Untested => "untested",
        }
    }
}

/// A sensitivity or security level: web reputation's, anti-spam's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityLevel {
    High,
    Medium,
    Low,
}

impl SecurityLevel {
    pub fn label(self) -> &'static str {
        match self {
            SecurityLevel::High => "high",
            SecurityLevel::Medium => "medium",
            SecurityLevel::Low => "low",
        }
    }
}

/// Which end of a certificate's validity period was crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidityBound {
    /// Expired: the time is past `not_after`.
    NotAfter,
    /// Not valid yet: the time is before `not_before`.
    NotBefore,
}

/// A score in [0, 1] kept in thousandths, shown with three decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Thousandths(pub u16);

impl fmt::Display for Thousandths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}", f64::from(self.0) / 1000.0)
    }
}

/// A measured figure (a beacon statistic); equal when its bits are, so a
/// reason chain stays `Eq`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Figure(pub f64);

impl PartialEq for Figure {
    fn eq(&self, other: &Figure) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Figure {}

/// The breakdown of a beacon's score (see `inspect::beacon` for the formula).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeaconTiming {
    /// Check-ins scored.
    pub connections: usize,
    /// Minutes from the first to the last of them.
    pub window_min: u64,
    /// Their median interval, seconds.
    #[serde(default)]
    pub interval_secs: u64,
    pub timing: Figure,
    pub ts_skew: Figure,
    pub ts_madm: Figure,
    #[serde(default)]
    pub ts_fill: Figure,
    pub ds_skew: Figure,
    pub ds_madm: Figure,
    pub ds_small: Figure,
    /// The median bytes the server sent per check-in.
    #[serde(default)]
    pub reply_bytes: u64,
    /// Set only on events logged by the one-hour scoring that came before
    /// the 24 h one: a store keeps 62 days of logs across an upgrade, and
    /// those lines must still read as they were written.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub hourly: Option<HourlyParts>,
}

/// The parts of the one-hour beacon score that the 24 h score replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyParts {
    pub ts_count: Figure,
    pub coverage: Figure,
}

/// A feature of a file that the machine-learning scan's model counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    VbaProject,
    AutoExecMacro(String),
    SuspiciousCalls(Vec<String>),
    WindowsShortcut,
    ShortcutStarts(String),
    OneNoteEmbedded(u32),
    OneNoteScript,
    DoubleExtension(String),
    Inflated {
        document: String,
        mib: u64,
        ratio: u64,
    },
}

/// A sign of spam that the content score counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpamSign {
    Phrases(Vec<String>),
    ShoutingSubject,
    AttachmentsOnly,
    ManyUrls(usize),
    BareIpUrl,
    ReplyToDiffers { reply_to: String, from: String },
}

impl Reason {
    /// The kind of link without its facts, as the log store's `kind`
    /// column and the serde tag (`reason`) name it (`cnc_list`, `policy_rule`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::CncList => "cnc_list",
            Reason::Indicator { .. } => "indicator",
            Reason::Threat { .. } => "threat",
            Reason::TlsSni { .. } => "tls_sni",
            Reason::DnsQuery { .. } => "dns_query",
            Reason::Sinkhole { .. } => "sinkhole",
            Reason::BeaconScore => "beacon_score",
            Reason::BeaconThreshold { .. } => "beacon_threshold",
            Reason::BeaconTiming(..) => "beacon_timing",
            Reason::NotOnCncList => "not_on_cnc_list",
            Reason::DeviceBlockList => "device_block_list",
            Reason::BlockedDevice { .. } => "blocked_device",
            Reason::Note { .. } => "note",
            Reason::FirewallRule => "firewall_rule",
            Reason::Rule { .. } => "rule",
            Reason::InboundNotAllowed => "inbound_not_allowed",
            Reason::NotEstablished => "not_established",
            Reason::Traffic { .. } => "traffic",
            Reason::FlowTableFull => "flow_table_full",
            Reason::FlowsTracked { .. } => "flows_tracked",
            Reason::FlowTableRoom => "flow_table_room",
            Reason::FlowsTurnedAway { .. } => "flows_turned_away",
            Reason::WhenFull { .. } => "when_full",
            Reason::UninspectedTraffic { .. } => "uninspected_traffic",
            Reason::UnsupportedProtocol { .. } => "unsupported_protocol",
            Reason::Flood { .. } => "flood",
            Reason::RateExceeded { .. } => "rate_exceeded",
            Reason::Excess { .. } => "excess",
            Reason::PortScan => "port_scan",
            Reason::PortsProbed { .. } => "ports_probed",
            Reason::Sweep { .. } => "sweep",
            Reason::HostsProbed { .. } => "hosts_probed",
            Reason::IpsRule => "ips_rule",
            Reason::Signature { .. } => "signature",
            Reason::RuleMessage { .. } => "rule_message",
            Reason::Classtype { .. } => "classtype",
            Reason::BlockList => "block_list",
            Reason::ListEntry { .. } => "list_entry",
            Reason::PolicyRule { .. } => "policy_rule",
            Reason::Application { .. } => "application",
            Reason::Category { .. } => "category",
            Reason::CategoryGroup { .. } => "category_group",
            Reason::Schedule { .. } => "schedule",
            Reason::WebReputation => "web_reputation",
            Reason::ReputationScore { .. } => "reputation_score",
            Reason::SecurityLevel { .. } => "security_level",
            Reason::InvalidCertificate => "invalid_certificate",
            Reason::CertificateValidity { .. } => "certificate_validity",
            Reason::File { .. } => "file",
            Reason::Attachment { .. } => "attachment",
            Reason::Within { .. } => "within",
            Reason::Unscannable => "unscannable",
            Reason::UnscannableDetail { .. } => "unscannable_detail",
            Reason::Sha256 { .. } => "sha256",
            Reason::PatternFile => "pattern_file",
            Reason::EicarExactRule => "eicar_exact_rule",
            Reason::SmartScan => "smart_scan",
            Reason::HashListed { .. } => "hash_listed",
            Reason::SignatureMatch => "signature_match",
            Reason::MachineLearning => "machine_learning",
            Reason::ModelScore { .. } => "model_score",
            Reason::Feature { .. } => "feature",
            Reason::Mail { .. } => "mail",
            Reason::SenderBlockList => "sender_block_list",
            Reason::Sender { .. } => "sender",
            Reason::ContentScore => "content_score",
            Reason::SpamScore { .. } => "spam_score",
            Reason::SpamSign { .. } => "spam_sign",
            Reason::MailLink { .. } => "mail_link",
            Reason::DnsblList { .. } => "dnsbl_list",
            Reason::DnsblAnswer { .. } => "dnsbl_answer",
            Reason::SmtpReply { .. } => "smtp_reply",
            Reason::LogOnly => "log_only",
        }
    }

    /// The URL category this link names, if it is one.
    pub fn category(&self) -> Option<String> {
        match self {
            Reason::Category { name, ja: Some(ja) } => Some(format!("{name} ({ja})")),
            Reason::Category { name, ja: None } => Some(name.clone()),
            _ => None,
        }
    }

    /// The rule this link names, if it is one: a policy rule of the
    /// profile, a firewall rule or an anti-malware signature.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Reason::PolicyRule { name } | Reason::Rule { name } => Some(name),
            _ => None,
        }
    }

    /// The threat this link names, if it is one.
    pub fn threat(&self) -> Option<&str> {
        match self {
            Reason::Threat { name } => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Indicator::Url(u) => write!(f, "URL {u}"),
            Indicator::Domain(d) => write!(f, "domain {d}"),
            Indicator::Ip(ip) => write!(f, "IP {ip}"),
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        })
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feature::VbaProject => f.write_str("VBA macro project"),
            Feature::AutoExecMacro(name) => write!(f, "auto-exec macro {name}"),
            Feature::SuspiciousCalls(calls) => write!(f, "suspicious calls {}", calls.join(", ")),
            Feature::WindowsShortcut => f.write_str("Windows shortcut"),
            Feature::ShortcutStarts(host) => write!(f, "shortcut starts {host}"),
            Feature::OneNoteEmbedded(n) => write!(f, "OneNote with {n} embedded file(s)"),
            Feature::OneNoteScript => f.write_str("embedded script in OneNote"),
            Feature::DoubleExtension(ext) => write!(f, "double extension {ext}"),
            Feature::Inflated {
                document,
                mib,
                ratio,
            } => write!(
                f,
                "document {document} inflated to {mib} MiB (ratio {ratio}:1)"
            ),
        }
    }
}

impl fmt::Display for SpamSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpamSign::Phrases(p) => write!(f, "spam phrases {}", p.join(", ")),
            SpamSign::ShoutingSubject => f.write_str("shouting subject"),
            SpamSign::AttachmentsOnly => f.write_str("no text, attachments only"),
            SpamSign::ManyUrls(n) => write!(f, "{n} URLs"),
            SpamSign::BareIpUrl => f.write_str("URL to a bare IP address"),
            SpamSign::ReplyToDiffers { reply_to, from } => {
                write!(
                    f,
                    "Reply-To domain {reply_to} differs from From domain {from}"
                )
            }
        }
    }
}

impl fmt::Display for Reason {
    /// The link as the log's reason column writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::CncList => f.write_str("C&C list"),
            Reason::Indicator { indicator } => indicator.fmt(f),
            Reason::Threat { name } => write!(f, "threat {name}"),
            Reason::TlsSni { name } => write!(f, "TLS SNI {name}"),
            Reason::DnsQuery { name } => write!(f, "DNS query {name}"),
            Reason::Sinkhole { answer: Some(ip) } => write!(f, "sinkhole answer {ip}"),
            Reason::Sinkhole { answer: None } => f.write_str("sinkhole answer NXDOMAIN"),
            Reason::BeaconScore => f.write_str("beacon score"),
            Reason::BeaconThreshold {
                score,
                threshold,
                to,
            } => write!(f, "score {score} >= {threshold} to {to}"),
            Reason::BeaconTiming(t) => match t.hourly {
                Some(h) => write!(
                    f,
                    "{} check-ins in {} min; timing {:.2} (skew {:.2} dispersion {:.2} count {:.2}), \
                     size skew {:.2} dispersion {:.2} smallness {:.2}, coverage {:.2}",
                    t.connections,
                    t.window_min,
                    t.timing.0,
                    t.ts_skew.0,
                    t.ts_madm.0,
                    h.ts_count.0,
                    t.ds_skew.0,
                    t.ds_madm.0,
                    t.ds_small.0,
                    h.coverage.0
                ),
                None => write!(
                    f,
                    "{} check-ins in {} min, every {} s; timing {:.2} (skew {:.2} dispersion {:.2} \
                     fill {:.2}), size skew {:.2} dispersion {:.2} smallness {:.2}; median reply {} bytes",
                    t.connections,
                    t.window_min,
                    t.interval_secs,
                    t.timing.0,
                    t.ts_skew.0,
                    t.ts_madm.0,
                    t.ts_fill.0,
                    t.ds_skew.0,
                    t.ds_madm.0,
                    t.ds_small.0,
                    t.reply_bytes
                ),
            },
            Reason::NotOnCncList => f.write_str("not on any C&C list"),
            Reason::DeviceBlockList => f.write_str("device block list"),
            Reason::BlockedDevice { key } => match key {
                DeviceKey::Mac(m) => write!(f, "MAC {m}"),
                DeviceKey::Ip(ip) => write!(f, "IP {ip}"),
                DeviceKey::Entry => f.write_str("entry"),
            },
            Reason::Note { text } => f.write_str(text),
            Reason::FirewallRule => write!(f, "{} rule", Engine::Firewall.label()),
            Reason::Rule { name } => write!(f, "rule {name}"),
            Reason::InboundNotAllowed => f.write_str("inbound not allowed"),
            Reason::NotEstablished => f.write_str("not an established flow or published service"),
            Reason::Traffic { traffic } => match traffic {
                Traffic::Tcp { dst, port } => write!(f, "TCP {dst}:{port}"),
                Traffic::Udp { dst, port } => write!(f, "UDP {dst}:{port}"),
                Traffic::Icmp { dst } => write!(f, "ICMP to {dst}"),
                Traffic::Other { protocol, dst } => write!(f, "protocol {protocol} to {dst}"),
            },
            Reason::FlowTableFull => f.write_str("flow table full"),
            Reason::FlowsTracked { count } => write!(f, "{count} flows tracked"),
            Reason::FlowTableRoom => f.write_str("flow table has room again"),
            Reason::FlowsTurnedAway { flows, secs } => {
                write!(f, "{flows} new flows found it full over {secs} s")
            }
            Reason::WhenFull { fail_open: true } => {
                f.write_str("fail-open: new flows pass uninspected")
            }
            Reason::WhenFull { fail_open: false } => f.write_str("fail-closed: new flows dropped"),
            Reason::UninspectedTraffic {
                flows,
                packets,
                bytes,
            } => write!(
                f,
                "{flows} flows, {packets} packets, {bytes} bytes passed uninspected"
            ),
            Reason::UnsupportedProtocol { ethertype } => {
                let name = match ethertype {
                    0x86dd => " (IPv6)",
                    0x8100 => " (VLAN)",
                    0x8863 | 0x8864 => " (PPPoE)",
                    _ => "",
                };
                write!(
                    f,
                    "EtherType {ethertype:#06x}{name} is not inspected: its frames pass as they are"
                )
            }
            Reason::Flood { kind } => f.write_str(kind.label()),
            Reason::RateExceeded { limit, dst } => {
                write!(f, "more than {limit} packets/s to {dst}")
            }
            Reason::Excess { dropped: true } => f.write_str("excess dropped"),
            Reason::Excess { dropped: false } => f.write_str("monitor only"),
            Reason::PortScan => f.write_str("port scan"),
            Reason::PortsProbed {
                count,
                transport,
                dst,
                secs,
            } => write!(f, "{count} {transport} ports of {dst} within {secs}s"),
            Reason::Sweep { worm: true } => f.write_str("worm (network share sweep)"),
            Reason::Sweep { worm: false } => f.write_str("host sweep"),
            Reason::HostsProbed {
                count,
                transport,
                port,
                secs,
            } => write!(f, "{count} hosts on {transport} port {port} within {secs}s"),
            Reason::IpsRule => f.write_str("IPS rule"),
            Reason::Signature { sid, rev } => write!(f, "sid {sid} rev {rev}"),
            Reason::RuleMessage { text } => f.write_str(text),
            Reason::Classtype { name } => write!(f, "classtype {name}"),
            Reason::BlockList => f.write_str("block list"),
            Reason::ListEntry { text } => write!(f, "entry {text}"),
            Reason::PolicyRule { name } => write!(f, "policy rule {name}"),
            Reason::Application { name, kind } => write!(f, "application {name} ({kind})"),
            Reason::Category { name, ja: Some(ja) } => write!(f, "category {name} ({ja})"),
            Reason::Category { name, ja: None } => write!(f, "category {name}"),
            Reason::CategoryGroup { name } => write!(f, "group {name}"),
            Reason::Schedule { name } => write!(f, "schedule {name}"),
            Reason::WebReputation => f.write_str(Engine::WebReputation.label()),
            Reason::ReputationScore { score, band } => {
                write!(f, "score {score} ({} / {})", band.label(), band.ja())
            }
            Reason::SecurityLevel { level } => write!(f, "security level {}", level.label()),
            Reason::InvalidCertificate => f.write_str("invalid SSL certificate"),
            Reason::CertificateValidity {
                bound: ValidityBound::NotAfter,
                at,
            } => write!(f, "certificate expired on {} (JST)", at.jst_string()),
            Reason::CertificateValidity {
                bound: ValidityBound::NotBefore,
                at,
            } => write!(f, "certificate not valid before {} (JST)", at.jst_string()),
            Reason::File { name } => write!(f, "file {name}"),
            Reason::Attachment { name } => write!(f, "attachment {name}"),
            Reason::Within { path } => write!(f, "in {path}"),
            Reason::Unscannable => f.write_str("unscannable"),
            Reason::UnscannableDetail { text } => f.write_str(text),
            Reason::Sha256 { hex } => write!(f, "SHA-256 {hex}"),
            Reason::PatternFile => f.write_str("pattern file"),
            Reason::EicarExactRule => f.write_str("EICAR test file (exact rule)"),
            Reason::SmartScan => f.write_str("smart scan"),
            Reason::HashListed { hex } => write!(f, "SHA-256 {hex} on the file hash list"),
            Reason::SignatureMatch => f.write_str("signature"),
            Reason::MachineLearning => f.write_str("machine-learning scan (heuristic model)"),
            Reason::ModelScore { score, threshold } => write!(f, "score {score} >= {threshold}"),
            Reason::Feature { feature } => feature.fmt(f),
            Reason::Mail { from, to } => write!(f, "mail from {from} to {to}"),
            Reason::SenderBlockList => f.write_str("sender block list"),
            Reason::Sender { entry } => write!(f, "sender {entry}"),
            Reason::ContentScore => f.write_str("content score"),
            Reason::SpamScore {
                points,
                threshold,
                level,
            } => write!(
                f,
                "score {points} >= {threshold} (detection level {})",
                level.label()
            ),
            Reason::SpamSign { sign } => sign.fmt(f),
            Reason::MailLink { url } => write!(f, "link {url}"),
            Reason::DnsblList { list } => write!(f, "{list} list"),
            Reason::DnsblAnswer { ip, answer } => {
                write!(f, "IP {ip} (DNSBL answer 127.0.0.{answer})")
            }
            Reason::SmtpReply { code } => write!(f, "SMTP {code}"),
            Reason::LogOnly => f.write_str("log only"),
        }
    }
}

/// A reason chain as one log column: the links joined by `"; "`.
pub fn join(reasons: &[Reason]) -> String {
    let mut out = String::new();
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        use fmt::Write as _;
        let _ = write!(out, "{r}");
    }
    out
}

#[cfg(test)]
mod tests;
