//! What the console shows and acts on: a log store alone (`officetwin console
//! --store FILE`), or a running twin (`officetwin demo`, `officetwin console`
//! on a scenario), whose gateway the console can deploy policies to.
//!
//! The console holds its source behind a mutex; the twin's thread takes the
//! same lock for each slice of virtual time, so a page always sees one
//! consistent moment.

use crate::app_security::AppSecurityStore;
use crate::endpoint::EndpointStore;
use crate::store::{LogStore, SqliteStore};
use appliance::{Config, Instant};
use std::net::Ipv4Addr;

/// The office behind the gateway, as the console shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Office {
    pub title: String,
    /// The office administrator's mailbox (monthly reports go there).
    pub admin_mail: String,
    pub hosts: Vec<Device>,
}

/// One machine of the office's device list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub name: String,
    pub ip: Ipv4Addr,
    /// `00:14:22:8e:5a:3b`.
    pub mac: String,
    /// OS label, e.g. `Windows XP`.
    pub os: String,
    pub user: Option<String>,
}

impl Office {
    pub fn host_by_ip(&self, ip: Ipv4Addr) -> Option<&Device> {
        self.hosts.iter().find(|h| h.ip == ip)
    }
}

/// What crossed the gateway's links so far in a running twin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Frames put on the lan link (both directions).
    pub frames_lan: u64,
    /// Frames put on the wan link (both directions).
    pub frames_wan: u64,
    pub bytes_wan: u64,
}

/// The same words in both languages (a demo's title).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    /// The text in `lang` (`"en"`; anything else is Japanese, the default).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.ja }
    }
}

/// One moment of a demo that has been told.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Told {
    /// Virtual time, JST.
    pub at: String,
    pub ja: String,
    pub en: String,
    pub show: Option<String>,
}

/// The story of a running demo, as the console shows it.
#[derive(Clone, Debug, Default)]
pub struct Story {
    pub title: Option<Text>,
    pub speed: String,
    pub told: Vec<Told>,
    pub finished: bool,
}

/// One "deploy all" and what each gateway answered.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeployRecord {
    pub gateway: String,
    pub version: u32,
    /// `deploying`, `success` or `failed`: the last of `history`.
    pub status: &'static str,
    /// Every status the gateway went through, e.g. `deploying`, `success`.
    pub history: Vec<&'static str>,
    pub reason: Option<String>,
    /// Virtual time of the deploy, JST.
    pub at: String,
}

/// A device to block, as the console's form names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceKey {
    Ip(std::net::Ipv4Addr),
    Mac(String),
}

/// What the console reads and acts on.
pub trait Source: Send {
    fn store(&self) -> &dyn LogStore;
    /// The office behind the gateway, when known (device names, users).
    fn office(&self) -> Option<&Office>;
    fn gateway_name(&self) -> String;
    /// The virtual clock of a running twin.
    fn now(&self) -> Option<Instant> {
        None
    }
    fn traffic(&self) -> Option<Traffic> {
        None
    }
    /// Alert mails the support desk received.
    /// Whether the gateway reaches the cloud now (seed 000 FAQ: its
    /// 「Cloud Consoleに接続」 LED is green), where the source knows.
    fn gateway_online(&self) -> Option<bool> {
        None
    }
    fn alerts(&self) -> Option<usize> {
        None
    }
    fn is_isolated(&self, _host: &str) -> bool {
        false
    }
    /// The policy as an editable YAML text, if policies can be edited here.
    fn policy_text(&self) -> Option<String> {
        None
    }
    fn running_version(&self) -> Option<u32> {
        None
    }
    fn deploys(&self) -> &[DeployRecord] {
        &[]
    }
    /// Validates `text` and keeps it as the draft; a policy that does not
    /// validate is refused with its reason and nothing changes.
    fn save_policy(&mut self, _text: &str) -> Result<(), String> {
        Err("policies are read-only here".into())
    }
    /// "Deploy all": the saved draft to every gateway.
    fn deploy_all(&mut self) -> Result<(), String> {
        Err("policies are read-only here".into())
    }
    /// The security profile as the console shows it: the draft if one is
    /// pending, else the one running.
    fn profile(&self) -> Option<crate::console::profile::ProfileView> {
        None
    }
    /// The security profile as an editable YAML text (the shape of a
    /// scenario's `policy:`), if it can be edited here.
    fn profile_text(&self) -> Option<String> {
        None
    }
    /// How this source reads a posted security profile, if it can be edited
    /// here. The console runs it outside its locks, so a large or deep text
    /// never holds up the other pages.
    fn profile_parser(&self) -> Option<ProfileParser> {
        None
    }
    /// Keeps `text`, read by [`Source::profile_parser`] into `policy`, as
    /// the draft.
    fn save_profile(
        &mut self,
        _text: &str,
        _policy: appliance::policy::Policy,
    ) -> Result<(), String> {
        Err("policies are read-only here".into())
    }
    /// Adds an entry to, or removes one from, the draft's allow or block
    /// list; an entry that does not validate is refused with its reason.
    fn edit_list(
        &mut self,
        _list: crate::console::profile::ListKind,
        _op: crate::console::profile::ListOp,
        _entry: &str,
    ) -> Result<(), String> {
        Err("policies are read-only here".into())
    }
    /// Blocks a device at the gateway, by IP or MAC.
    fn block_device(&mut self, _key: &DeviceKey) -> Result<(), String> {
        Err("blocking a device needs the gateway's device list".into())
    }
    fn can_block(&self) -> bool {
        false
    }
    /// Whether the gateway blocks this device (by its IP or its MAC).
    fn is_blocked(&self, _ip: std::net::Ipv4Addr, _mac: &str) -> bool {
        false
    }
    fn story(&self) -> Option<&Story> {
        None
    }
    /// The endpoint option's store (seed 002), when the office has the
    /// option: the endpoints page, the cross-view and the endpoint reports
    /// of the archive read it (its licence is kept in it).
    fn endpoint_store(&self) -> Option<&EndpointStore> {
        None
    }
    /// Cloud App Security's store (seed 003), when the office has the
    /// option: the report archive lists its reports beside the others.
    fn app_security_store(&self) -> Option<&AppSecurityStore> {
        None
    }
}

/// Reads a security profile's YAML into the gateway's validated policy, or
/// says where and why it is refused.
pub type ProfileParser = fn(&str) -> Result<appliance::policy::Policy, String>;

/// A log store on its own: what `officetwin console --store FILE` serves.
pub struct StoredLogs {
    pub store: SqliteStore,
    pub office: Option<Office>,
    pub name: String,
    /// The endpoint tables of the same file, when it holds the option's
    /// licence ([`StoredLogs::endpoint_tables`]).
    pub endpoint: Option<EndpointStore>,
    /// Cloud App Security's tables of the same file, when the office had
    /// the option ([`StoredLogs::app_security_tables`]).
    pub app_security: Option<AppSecurityStore>,
}

impl StoredLogs {
    /// The endpoint tables of the log store file at `path`, read-only, if
    /// the office had the endpoint option (the file keeps its licence);
    /// `None` otherwise, or when they cannot be read.
    pub fn endpoint_tables(path: &std::path::Path) -> Option<EndpointStore> {
        EndpointStore::open_read_only(path).ok().flatten()
    }

    /// Cloud App Security's tables of the log store file at `path`,
    /// read-only, if the office had the option; `None` otherwise, or when
    /// they cannot be read.
    pub fn app_security_tables(path: &std::path::Path) -> Option<AppSecurityStore> {
        AppSecurityStore::open_read_only(path).ok().flatten()
    }
}

impl Source for StoredLogs {
    fn store(&self) -> &dyn LogStore {
        &self.store
    }
    fn office(&self) -> Option<&Office> {
        self.office.as_ref()
    }
    fn gateway_name(&self) -> String {
        self.name.clone()
    }
    fn endpoint_store(&self) -> Option<&EndpointStore> {
        self.endpoint.as_ref()
    }
    fn app_security_store(&self) -> Option<&AppSecurityStore> {
        self.app_security.as_ref()
    }
}

/// Parses the console's policy text into the gateway's validated config.
pub fn parse_policy(text: &str) -> Result<Config, String> {
    appliance::yaml_guard::check(text, appliance::yaml_guard::YamlLimits::DEFAULT)
        .map_err(|e| format!("line {} column {}: {}", e.line, e.column, e.message))?;
    serde_yaml::from_str::<Config>(text).map_err(|e| match e.location() {
        Some(at) => format!("line {} column {}: {e}", at.line(), at.column()),
        None => e.to_string(),
    })
}
