//! The console's view of a running twin: [`LiveTwin`], a scenario's session
//! with the console's policy drafts, its deploy history and the demo's
//! story, read and acted on by the console through [`cloud::console::Source`].
//!
//! The console holds it behind a mutex; the twin's thread takes the same
//! lock for each slice of virtual time, so a page always sees one
//! consistent moment.

use crate::session::Session;
use appliance::Instant;
use appliance::gateway::DeployOutcome;
use appliance::policy::Policy;
use cloud::console::profile::{self, ListKind, ListOp, ProfileView};
use cloud::console::source::{
    DeployRecord, DeviceKey, Office, Source, Story, Traffic, parse_policy,
};
use cloud::store::LogStore;
use std::collections::HashMap;

/// A running twin: its session, the policy draft and the demo's story.
pub struct LiveTwin {
    pub session: Session,
    /// The policy as last saved in the console (YAML, the shape of a
    /// scenario's `gateway:`).
    pub draft: String,
    pub deploys: Vec<DeployRecord>,
    pub story: Option<Story>,
    /// The office as the console shows it.
    office: Office,
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
        let office = crate::session::office_view(&session.scenario.office);
        LiveTwin {
            office,
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

impl Source for LiveTwin {
    fn store(&self) -> &dyn LogStore {
        &self.session.cloud.store
    }
    fn office(&self) -> Option<&Office> {
        Some(&self.office)
    }
    fn gateway_name(&self) -> String {
        self.session.scenario.office.gateway_name.clone()
    }
    fn now(&self) -> Option<Instant> {
        Some(self.session.now())
    }
    fn traffic(&self) -> Option<Traffic> {
        let s = self.session.world.stats();
        Some(Traffic {
            frames_lan: s.frames_lan,
            frames_wan: s.frames_wan,
            bytes_wan: s.bytes_wan,
        })
    }
    fn gateway_online(&self) -> Option<bool> {
        Some(self.session.world.gateway_online())
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
    fn endpoint_store(&self) -> Option<&cloud::endpoint::EndpointStore> {
        self.session.cloud.endpoint_store()
    }
    fn app_security_store(&self) -> Option<&cloud::app_security::AppSecurityStore> {
        self.session.cloud.app_security_store()
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
    fn profile(&self) -> Option<ProfileView> {
        let running = &self.session.world.gateway_config().policy;
        Some(ProfileView::of(
            self.web_draft.as_ref().unwrap_or(running),
            self.web_draft.as_ref().is_some_and(|d| d != running),
        ))
    }
    fn edit_list(&mut self, list: ListKind, op: ListOp, entry: &str) -> Result<(), String> {
        let mut draft = self
            .web_draft
            .clone()
            .unwrap_or_else(|| self.session.world.gateway_config().policy.clone());
        profile::edit(&mut draft, list, op, entry)?;
        self.profile_text = profile::edit_text(&self.profile_text, list, op, entry)?;
        self.web_draft = Some(draft);
        Ok(())
    }
    fn profile_text(&self) -> Option<String> {
        Some(self.profile_text.clone())
    }
    fn profile_parser(&self) -> Option<cloud::console::ProfileParser> {
        Some(|text| {
            twin::load::policy_from_str("security-profile", text).map_err(|e| e.to_string())
        })
    }
    fn save_profile(
        &mut self,
        text: &str,
        policy: appliance::policy::Policy,
    ) -> Result<(), String> {
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
