//! What the console shows and acts on: a log store alone (`officetwin console
//! --store FILE`), or a running twin (`officetwin demo`, `officetwin console`
//! on a scenario), whose gateway the console can deploy policies to.
//!
//! The console holds its source behind a mutex; the twin's thread takes the
//! same lock for each slice of virtual time, so a page always sees one
//! consistent moment.

use crate::session::Session;
use appliance::gateway::DeployOutcome;
use appliance::policy::Policy;
use appliance::store::{LogStore, SqliteStore};
use appliance::{Config, Instant};
use std::collections::HashMap;
use twin::WorldStats;
use twin::demo::Text;
use twin::model::Office;

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
    fn traffic(&self) -> Option<WorldStats> {
        None
    }
    /// Alert mails the support desk received.
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
    fn profile(&self) -> Option<super::profile::ProfileView> {
        None
    }
    /// The security profile as an editable YAML text (the shape of a
    /// scenario's `policy:`), if it can be edited here.
    fn profile_text(&self) -> Option<String> {
        None
    }
    /// Validates `text` as a security profile and keeps it as the draft; one
    /// that does not validate is refused with its place and reason.
    fn save_profile(&mut self, _text: &str) -> Result<(), String> {
        Err("policies are read-only here".into())
    }
    /// Adds an entry to, or removes one from, the draft's allow or block
    /// list; an entry that does not validate is refused with its reason.
    fn edit_list(
        &mut self,
        _list: super::profile::ListKind,
        _op: super::profile::ListOp,
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
}

/// A log store on its own: what `officetwin console --store FILE` serves.
pub struct StoredLogs {
    pub store: SqliteStore,
    pub office: Option<Office>,
    pub name: String,
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
}

/// A running twin: its session, the policy draft and the demo's story.
pub struct LiveTwin {
    pub session: Session,
    /// The policy as last saved in the console (YAML, the shape of a
    /// scenario's `gateway:`).
    pub draft: String,
    pub deploys: Vec<DeployRecord>,
    pub story: Option<Story>,
    versions: HashMap<String, u32>,
    /// The web policy (security profile) as edited in the console and not
    /// yet deployed; `None`: the running one.
    web_draft: Option<Policy>,
    /// The security profile's YAML text (the shape of a scenario's
    /// `policy:`), kept in step with the list edits.
    pub profile_text: String,
    /// Whether the gateway settings (`draft`) were saved since the last
    /// deploy, so "deploy all" sends them too.
    settings_saved: bool,
}

impl LiveTwin {
    pub fn new(session: Session, policy_yaml: String) -> LiveTwin {
        let mut versions = HashMap::new();
        versions.insert(
            session.scenario.office.gateway_name.clone(),
            session.scenario.gateway.version,
        );
        LiveTwin {
            session,
            draft: policy_yaml,
            deploys: Vec::new(),
            story: None,
            versions,
            web_draft: None,
            profile_text: "{}\n".to_string(),
            settings_saved: false,
        }
    }
}

/// Parses the console's policy text into the gateway's validated config.
pub fn parse_policy(text: &str) -> Result<Config, String> {
    serde_yaml::from_str::<Config>(text).map_err(|e| match e.location() {
        Some(at) => format!("line {} column {}: {e}", at.line(), at.column()),
        None => e.to_string(),
    })
}

impl Source for LiveTwin {
    fn store(&self) -> &dyn LogStore {
        &self.session.store
    }
    fn office(&self) -> Option<&Office> {
        Some(&self.session.scenario.office)
    }
    fn gateway_name(&self) -> String {
        self.session.scenario.office.gateway_name.clone()
    }
    fn now(&self) -> Option<Instant> {
        Some(self.session.now())
    }
    fn traffic(&self) -> Option<WorldStats> {
        Some(self.session.world.stats())
    }
    fn alerts(&self) -> Option<usize> {
        Some(
            self.session
                .world
                .mailbox(&self.session.scenario.gateway.alerts.to)
                .len(),
        )
    }
    fn is_isolated(&self, host: &str) -> bool {
        self.session.world.is_isolated(host)
    }
    fn policy_text(&self) -> Option<String> {
        Some(self.draft.clone())
    }
    fn running_version(&self) -> Option<u32> {
        self.versions.get(&self.gateway_name()).copied()
    }
    fn deploys(&self) -> &[DeployRecord] {
        &self.deploys
    }
    fn save_policy(&mut self, text: &str) -> Result<(), String> {
        parse_policy(text)?;
        self.draft = text.to_string();
        self.settings_saved = true;
        Ok(())
    }
    fn deploy_all(&mut self) -> Result<(), String> {
        let policy = self
            .web_draft
            .clone()
            .unwrap_or_else(|| self.session.world.gateway_config().policy.clone());
        let records = if self.settings_saved {
            self.deploy_settings(policy)?
        } else {
            // The security profile alone: the twin's "deploy all" to every
            // gateway of the office, the rest of their settings unchanged.
            let at = self.session.now().jst_string();
            self.session
                .world
                .deploy_all(Ok(policy))
                .iter()
                .map(|d| DeployRecord {
                    gateway: d.gateway.clone(),
                    version: d.running_version,
                    status: d.status().label(),
                    history: d.history.iter().map(|s| s.label()).collect(),
                    reason: d.reason.clone(),
                    at: at.clone(),
                })
                .collect()
        };
        let mut failed = None;
        for r in &records {
            if r.status == "success" {
                self.versions.insert(r.gateway.clone(), r.version);
            } else if failed.is_none() {
                failed = Some(r.reason.clone().unwrap_or_else(|| "deploy failed".into()));
            }
        }
        self.deploys.extend(records);
        match failed {
            // The drafts stay, to be fixed and deployed again.
            Some(reason) => Err(reason),
            None => {
                self.web_draft = None;
                self.settings_saved = false;
                Ok(())
            }
        }
    }
    fn profile(&self) -> Option<super::profile::ProfileView> {
        let running = &self.session.world.gateway_config().policy;
        Some(super::profile::ProfileView::of(
            self.web_draft.as_ref().unwrap_or(running),
            self.web_draft.as_ref().is_some_and(|d| d != running),
        ))
    }
    fn edit_list(
        &mut self,
        list: super::profile::ListKind,
        op: super::profile::ListOp,
        entry: &str,
    ) -> Result<(), String> {
        let mut draft = self
            .web_draft
            .clone()
            .unwrap_or_else(|| self.session.world.gateway_config().policy.clone());
        super::profile::edit(&mut draft, list, op, entry)?;
        self.profile_text = super::profile::edit_text(&self.profile_text, list, op, entry)?;
        self.web_draft = Some(draft);
        Ok(())
    }
    fn profile_text(&self) -> Option<String> {
        Some(self.profile_text.clone())
    }
    fn save_profile(&mut self, text: &str) -> Result<(), String> {
        let policy =
            twin::load::policy_from_str("security-profile", text).map_err(|e| e.to_string())?;
        self.profile_text = text.to_string();
        self.web_draft = Some(policy);
        Ok(())
    }
    fn story(&self) -> Option<&Story> {
        self.story.as_ref()
    }
    fn can_block(&self) -> bool {
        true
    }
    fn is_blocked(&self, ip: std::net::Ipv4Addr, mac: &str) -> bool {
        self.session
            .world
            .device_blocks()
            .iter()
            .any(|(_, m, i)| *i == Some(ip) || m.is_some_and(|m| m.to_string() == mac))
    }
    fn block_device(&mut self, key: &DeviceKey) -> Result<(), String> {
        let (mac, ip) = match key {
            DeviceKey::Ip(ip) => (None, Some(*ip)),
            DeviceKey::Mac(text) => (Some(parse_mac(text)?), None),
        };
        let name = self.gateway_name();
        let at = self.session.now().jst_string();
        // The gateway's device block list is part of its policy: a block is
        // a deploy like any other, and shows in the deployment status.
        let (record, result) = match self.session.world.block_device(mac, ip) {
            DeployOutcome::Success { version } => {
                self.versions.insert(name.clone(), version);
                (
                    DeployRecord {
                        gateway: name,
                        version,
                        status: "success",
                        history: vec!["deploying", "success"],
                        reason: None,
                        at,
                    },
                    Ok(()),
                )
            }
            DeployOutcome::Failed {
                kept_version,
                reason,
            } => (
                DeployRecord {
                    gateway: name,
                    version: kept_version,
                    status: "failed",
                    history: vec!["deploying", "failed"],
                    reason: Some(reason.clone()),
                    at,
                },
                Err(reason),
            ),
        };
        self.deploys.push(record);
        result
    }
}

impl LiveTwin {
    /// "Deploy all" with the gateway settings saved in the console: the
    /// whole configuration replaced, its web policy taken from the security
    /// profile (`policy`), which the profile's own editor owns.
    fn deploy_settings(&mut self, policy: Policy) -> Result<Vec<DeployRecord>, String> {
        let mut config = parse_policy(&self.draft)?;
        let name = self.gateway_name();
        let running = self.session.world.gateway_config().clone();
        // The cloud numbers versions; the draft's own number is ignored. The
        // name and the seed are the gateway's, not the console's.
        config.version = running.version + 1;
        config.name = running.name;
        config.seed = running.seed;
        config.policy = policy;
        let at = self.session.now().jst_string();
        let record = match self.session.world.deploy_gateway(config) {
            DeployOutcome::Success { version } => DeployRecord {
                gateway: name,
                version,
                status: "success",
                history: vec!["deploying", "success"],
                reason: None,
                at,
            },
            DeployOutcome::Failed {
                kept_version,
                reason,
            } => DeployRecord {
                gateway: name,
                version: kept_version,
                status: "failed",
                history: vec!["deploying", "failed"],
                reason: Some(reason),
                at,
            },
        };
        Ok(vec![record])
    }
}

/// `00:14:22:8e:5a:3b` (or with `-`) as the twin's MAC.
fn parse_mac(text: &str) -> Result<twin::model::Mac, String> {
    let bad = || format!("`{text}` is not a MAC address (six hex pairs, e.g. 00:14:22:8e:5a:3b)");
    let parts: Vec<&str> = text.trim().split([':', '-']).collect();
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
    Ok(twin::model::Mac(bytes))
}
