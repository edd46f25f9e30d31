//! The endpoint agents on the office's PCs and servers (seed 002:
//! おまかせアンチウイルス / EDRプラス), played by the twin on the virtual clock.
//!
//! Each agent keeps its host's disk (the files a scenario puts there), its
//! pattern (the vendor's releases it has taken: every release out by its
//! last contact with the management server, unless its updates stopped) and
//! its protections. It scans a file when it is written (real-time scan,
//! then the machine-learning scan), scans the whole disk when someone asks
//! (the desk's full scan in case ①) or on its daily schedule, and watches
//! what programs do (behaviour monitoring; with EDR, events needing
//! attention and automatic isolation, FAQ Q12). What it finds goes to the
//! cloud as [`cloud::endpoint::EndpointEvent`]s; what the management server
//! knows of it as [`cloud::endpoint::AgentStatus`].
//!
//! The agents' engines are the twin's own ([`scan`], [`behaviour`]): a
//! different product from the gateway, never the gateway's code.

pub mod behaviour;
pub mod os;
pub mod saved;
pub use saved::{BROWSER_CACHE_DIR, MAIL_CACHE_DIR};
pub mod scan;

use crate::model::endpoint::{
    Activity, AgentSpec, EndpointAction, EndpointEntry, EndpointOption, EndpointPlan, FileAction,
    FileBytes, ThreatKind, Via,
};
use crate::model::{HostKind, Office};
use appliance::Instant;
use behaviour::{Rule, Watch};
use chrono::NaiveDate;
use cloud::endpoint::{
    Action, AgentStatus, DeviceKind, EdrStatus, EndpointEvent, Feature, Licence, ScanKind,
};
use saved::{attachments, saved_name};
use scan::{ML_THRESHOLD, Patterns, ml_score};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Something the agents do at a moment (an agenda entry of the world).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointDue {
    /// `endpoint.timeline[i]` happens.
    Entry(usize),
    /// Agent `i`'s daily scheduled scan.
    ScheduledScan(usize),
    /// Running program `i` does its next step.
    Step(usize),
}

/// What the world tells an agent of its host's network cable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub plugged: bool,
    /// When it was last unplugged.
    pub unplugged_at: Option<Instant>,
}

/// Where a file on a disk stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    Present,
    /// Moved to the quarantine folder.
    Quarantined,
    Deleted,
    /// Renamed to this path (`.vir`).
    Renamed(String),
    /// Restored to a clean file.
    Cleaned,
    /// Cleaning completes at the next restart.
    RestartPending,
}

/// One file on an agent's host.
#[derive(Clone, Debug)]
pub struct FileOnDisk {
    pub path: String,
    pub bytes: FileBytes,
    /// Its SHA-256, worked out once when it is written (the agent's scan
    /// cache: a nightly scan looks it up again, it does not hash again).
    pub digest: [u8; 32],
    pub running: bool,
    pub written: Instant,
    /// How it arrived during the run (`None`: on the disk at the start).
    pub via: Option<Via>,
    pub state: FileState,
}

struct Agent {
    spec: AgentSpec,
    device: DeviceKind,
    os: String,
    disk: Vec<FileOnDisk>,
    /// EDR has cut the host off the network (its management link stays).
    edr_isolated: bool,
    /// Documents a program encrypted on this host.
    encrypted: u32,
    /// How many of the host's web exchanges and fetched mails the agent
    /// has seen written to the disk.
    exchanges_seen: usize,
    mails_seen: usize,
}

/// A program started by a `run` entry, going through its activities.
struct Run {
    agent: usize,
    path: String,
    activities: Vec<Activity>,
    /// The activity under way and how many of its units are done.
    activity: usize,
    done: u32,
    watch: Watch,
    stopped: bool,
}

/// What firing an endpoint entry asks of the world.
#[derive(Debug, Default)]
pub struct Fired {
    /// Hosts EDR isolates now.
    pub isolate: Vec<String>,
    /// Further endpoint entries.
    pub schedule: Vec<(Instant, EndpointDue)>,
    /// Programs that stopped running: (host, path).
    pub stopped: Vec<(String, String)>,
}

/// Every agent of the office.
pub struct EndpointTwin {
    licence: Licence,
    program: String,
    patterns: Patterns,
    agents: Vec<Agent>,
    entries: Vec<EndpointEntry>,
    runs: Vec<Run>,
    pending: Vec<EndpointEvent>,
    log: Vec<EndpointEvent>,
}

impl EndpointTwin {
    pub fn new(option: &EndpointOption, plan: &EndpointPlan, office: &Office) -> EndpointTwin {
        let agents = option
            .agents
            .iter()
            .map(|spec| {
                let host = office.host(&spec.host);
                Agent {
                    device: match host.map(|h| h.kind) {
                        Some(HostKind::Server) => DeviceKind::Server,
                        _ => DeviceKind::Desktop,
                    },
                    os: host.map(|h| h.os.clone()).unwrap_or_default(),
                    disk: plan
                        .files
                        .iter()
                        .filter(|f| f.host == spec.host)
                        .map(|f| FileOnDisk {
                            path: f.path.clone(),
                            digest: Sha256::digest(f.bytes.as_slice()).into(),
                            bytes: f.bytes.clone(),
                            running: f.running,
                            written: f.written,
                            via: None,
                            state: FileState::Present,
                        })
                        .collect(),
                    spec: AgentSpec {
                        offline_since: plan
                            .offline
                            .iter()
                            .find(|(host, _)| *host == spec.host)
                            .map(|&(_, since)| since)
                            .or(spec.offline_since),
                        ..spec.clone()
                    },
                    edr_isolated: false,
                    encrypted: 0,
                    exchanges_seen: 0,
                    mails_seen: 0,
                }
            })
            .collect();
        EndpointTwin {
            licence: option.licence.clone(),
            program: option.program.clone(),
            patterns: Patterns::new(plan.patterns.clone()),
            agents,
            entries: plan.entries.clone(),
            runs: Vec::new(),
            pending: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The entries to put on the agenda at the start.
    pub fn first_wakes(&self, start: Instant) -> Vec<(Instant, EndpointDue)> {
        let mut wakes: Vec<(Instant, EndpointDue)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.at.max(start), EndpointDue::Entry(i)))
            .collect();
        for (i, agent) in self.agents.iter().enumerate() {
            if let Some((h, m)) = agent.spec.scheduled_scan {
                wakes.push((next_time_of_day(start, h, m), EndpointDue::ScheduledScan(i)));
            }
        }
        wakes
    }

    pub fn licence(&self) -> &Licence {
        &self.licence
    }

    /// Detections since the last drain, in the order they happened.
    pub fn drain_events(&mut self) -> Vec<EndpointEvent> {
        std::mem::take(&mut self.pending)
    }

    /// Every detection of the run so far.
    pub fn events(&self) -> &[EndpointEvent] {
        &self.log
    }

    /// The files on `host`'s disk and where each stands.
    pub fn disk(&self, host: &str) -> Option<&[FileOnDisk]> {
        self.agent(host).map(|a| a.disk.as_slice())
    }

    /// How many documents programs encrypted on `host`.
    pub fn encrypted(&self, host: &str) -> u32 {
        self.agent(host).map_or(0, |a| a.encrypted)
    }

    /// Whether EDR has isolated `host`.
    pub fn edr_isolated(&self, host: &str) -> bool {
        self.agent(host).is_some_and(|a| a.edr_isolated)
    }

    fn agent(&self, host: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.spec.host == host)
    }

    /// What the management server knows of every agent at `now`.
    pub fn statuses(&self, now: Instant, link: &dyn Fn(&str) -> Link) -> Vec<AgentStatus> {
        let newest = self.patterns.newest_by(now);
        self.agents
            .iter()
            .map(|agent| {
                let contact = last_contact(agent, now, link(&agent.spec.host));
                let has = self.pattern_index(agent, now, contact);
                let (version, date) = match has.and_then(|i| self.patterns.release(i)) {
                    Some(r) => (r.version.clone(), r.released.to_jst().date_naive()),
                    None => ("-".to_string(), NaiveDate::MIN),
                };
                AgentStatus {
                    endpoint: agent.spec.host.clone(),
                    device: agent.device,
                    os: agent.os.clone(),
                    os_supported: os::supported(&agent.os, now),
                    program: self.program.clone(),
                    pattern_version: version,
                    pattern_date: date,
                    up_to_date: has == newest,
                    last_contact: contact,
                    protections: agent.spec.protections,
                    isolated: agent.edr_isolated,
                }
            })
            .collect()
    }

    /// The newest release `agent` has at `now`.
    fn pattern_index(&self, agent: &Agent, now: Instant, contact: Instant) -> Option<usize> {
        let mut cutoff = now.min(contact);
        if let Some(until) = agent.spec.updates_until {
            cutoff = cutoff.min(until);
        }
        self.patterns.newest_by(cutoff)
    }

    /// Does what `due` says at `now`.
    pub fn fire(&mut self, due: EndpointDue, now: Instant, link: &dyn Fn(&str) -> Link) -> Fired {
        let mut fired = Fired::default();
        match due {
            EndpointDue::Entry(i) => {
                let Some(entry) = self.entries.get(i).cloned() else {
                    return fired;
                };
                let Some(a) = self.agent_index(entry.action.host()) else {
                    return fired;
                };
                match entry.action {
                    EndpointAction::Write {
                        path, bytes, via, ..
                    } => {
                        self.write(a, now, &path, bytes, Some(via), link);
                    }
                    EndpointAction::FullScan { .. } => {
                        self.scan_disk(a, now, ScanKind::Manual, link, &mut fired);
                    }
                    EndpointAction::Run {
                        path,
                        bytes,
                        activities,
                        ..
                    } => self.start(a, now, path, bytes, activities, link, &mut fired),
                }
            }
            EndpointDue::ScheduledScan(a) => {
                self.scan_disk(a, now, ScanKind::Scheduled, link, &mut fired);
                fired.schedule.push((
                    now + Duration::from_secs(86_400),
                    EndpointDue::ScheduledScan(a),
                ));
            }
            EndpointDue::Step(r) => self.step(r, now, &mut fired),
        }
        fired
    }

    /// How many web exchanges and mails of `host` its agent has seen, if
    /// it has one.
    pub fn seen(&self, host: &str) -> Option<(usize, usize)> {
        self.agent(host).map(|a| (a.exchanges_seen, a.mails_seen))
    }

    /// `host`'s browser finished `exchanges` and its mail program fetched
    /// `mails` (each list: what came since the last call): what they wrote
    /// to the disk goes through the real-time scan. A browser saves a
    /// response that is a file (its URL ends in a name with an extension
    /// other than a web page's) in its cache; a mail program saves each
    /// attachment when the mail arrives.
    pub fn arrived(
        &mut self,
        host: &str,
        now: Instant,
        exchanges: &[crate::host::HttpExchange],
        mails: &[crate::mail::StoredMail],
        link: &dyn Fn(&str) -> Link,
    ) {
        let Some(a) = self.agent_index(host) else {
            return;
        };
        self.agents[a].exchanges_seen += exchanges.len();
        self.agents[a].mails_seen += mails.len();
        for exchange in exchanges {
            if exchange.status != Some(200) {
                continue;
            }
            if let Some(name) = saved_name(&exchange.url) {
                let path = format!("{BROWSER_CACHE_DIR}\\{name}");
                let bytes = std::sync::Arc::new(exchange.body.as_bytes().to_vec());
                self.write(a, now, &path, bytes, Some(Via::Download), link);
            }
        }
        for mail in mails {
            for (name, bytes) in attachments(mail.raw.as_bytes()) {
                let path = format!("{MAIL_CACHE_DIR}\\{name}");
                self.write(
                    a,
                    now,
                    &path,
                    std::sync::Arc::new(bytes),
                    Some(Via::Mail),
                    link,
                );
            }
        }
    }

    fn agent_index(&self, host: &str) -> Option<usize> {
        self.agents.iter().position(|a| a.spec.host == host)
    }

    /// A file is written: the real-time scan, then the machine-learning
    /// scan, read it if they are on. Returns whether it is still there.
    fn write(
        &mut self,
        a: usize,
        now: Instant,
        path: &str,
        bytes: FileBytes,
        via: Option<Via>,
        link: &dyn Fn(&str) -> Link,
    ) -> bool {
        let agent = &mut self.agents[a];
        agent.disk.retain(|f| f.path != path);
        agent.disk.push(FileOnDisk {
            path: path.to_string(),
            digest: Sha256::digest(bytes.as_slice()).into(),
            bytes,
            running: false,
            written: now,
            via,
            state: FileState::Present,
        });
        let f = agent.disk.len() - 1;
        if !agent.spec.protections.real_time {
            return true;
        }
        if self.scan_file(a, f, now, ScanKind::RealTime, link) {
            return self.agents[a].disk[f].state == FileState::Present;
        }
        let agent = &mut self.agents[a];
        if !agent.spec.protections.machine_learning {
            return true;
        }
        let file = &agent.disk[f];
        let ml = ml_score(&file.path, &file.bytes);
        if ml.score < ML_THRESHOLD {
            return true;
        }
        let reason = format!(
            "machine-learning score {} >= {ML_THRESHOLD}: {}",
            ml.score,
            ml.features.join(", ")
        );
        let event = EndpointEvent {
            at: now,
            endpoint: agent.spec.host.clone(),
            device: agent.device,
            feature: Feature::VirusMalware,
            threat: format!(
                "ML: {}",
                ml.features.first().copied().unwrap_or("suspicious file")
            ),
            object: file.path.clone(),
            scan: Some(ScanKind::MachineLearning),
            action: Action::Quarantined,
            reason,
            status: None,
        };
        agent.disk[f].state = FileState::Quarantined;
        self.report(event);
        false
    }

    /// Scans file `f` of agent `a` with its pattern of the moment; on a
    /// hit acts and reports. Returns whether the pattern knew it.
    fn scan_file(
        &mut self,
        a: usize,
        f: usize,
        now: Instant,
        kind: ScanKind,
        link: &dyn Fn(&str) -> Link,
    ) -> bool {
        let agent = &self.agents[a];
        let contact = last_contact(agent, now, link(&agent.spec.host));
        let Some(index) = self.pattern_index(agent, now, contact) else {
            return false;
        };
        let file = &agent.disk[f];
        let Some((threat, version)) = self.patterns.find(index, &file.bytes, &file.digest) else {
            return false;
        };
        let (feature, action, state) = match threat.kind {
            ThreatKind::Malware if threat.cleanable => {
                (Feature::VirusMalware, Action::Cleaned, FileState::Cleaned)
            }
            ThreatKind::Malware => match agent.spec.file_action {
                FileAction::Quarantine => (
                    Feature::VirusMalware,
                    Action::Quarantined,
                    FileState::Quarantined,
                ),
                FileAction::Delete => (Feature::VirusMalware, Action::Deleted, FileState::Deleted),
                FileAction::Rename => (
                    Feature::VirusMalware,
                    Action::Renamed,
                    FileState::Renamed(format!("{}.vir", file.path)),
                ),
                FileAction::Pass => (Feature::VirusMalware, Action::Passed, FileState::Present),
            },
            ThreatKind::Spyware | ThreatKind::Grayware if file.running => (
                Feature::SpywareGrayware,
                Action::RestartRequired,
                FileState::RestartPending,
            ),
            ThreatKind::Spyware | ThreatKind::Grayware => (
                Feature::SpywareGrayware,
                Action::Cleaned,
                FileState::Cleaned,
            ),
        };
        let how = match kind {
            ScanKind::RealTime => "real-time scan",
            ScanKind::Manual => "manual scan",
            ScanKind::Scheduled => "scheduled scan",
            ScanKind::MachineLearning => "machine-learning scan",
        };
        let running = if file.running {
            ", its process running"
        } else {
            ""
        };
        let event = EndpointEvent {
            at: now,
            endpoint: agent.spec.host.clone(),
            device: agent.device,
            feature,
            threat: threat.name.clone(),
            object: file.path.clone(),
            scan: Some(kind),
            action,
            reason: format!(
                "{how} with pattern {}: {} (added in {version}){running}",
                self.patterns
                    .release(index)
                    .map_or("-", |r| r.version.as_str()),
                threat.name
            ),
            status: None,
        };
        let stops = matches!(
            state,
            FileState::Quarantined
                | FileState::Deleted
                | FileState::Renamed(_)
                | FileState::Cleaned
        );
        let file = &mut self.agents[a].disk[f];
        file.state = state;
        if stops {
            file.running = false;
        }
        self.report(event);
        true
    }

    fn scan_disk(
        &mut self,
        a: usize,
        now: Instant,
        kind: ScanKind,
        link: &dyn Fn(&str) -> Link,
        fired: &mut Fired,
    ) {
        for f in 0..self.agents[a].disk.len() {
            let file = &self.agents[a].disk[f];
            if file.state != FileState::Present {
                continue;
            }
            let was_running = file.running;
            if self.scan_file(a, f, now, kind, link)
                && was_running
                && !self.agents[a].disk[f].running
            {
                fired.stopped.push((
                    self.agents[a].spec.host.clone(),
                    self.agents[a].disk[f].path.clone(),
                ));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        a: usize,
        now: Instant,
        path: String,
        bytes: Option<FileBytes>,
        activities: Vec<Activity>,
        link: &dyn Fn(&str) -> Link,
        fired: &mut Fired,
    ) {
        if let Some(bytes) = bytes
            && !self.write(a, now, &path, bytes, None, link)
        {
            return;
        }
        if let Some(file) = self.agents[a].disk.iter_mut().find(|f| f.path == path) {
            file.running = true;
        }
        self.runs.push(Run {
            agent: a,
            path,
            activities,
            activity: 0,
            done: 0,
            watch: Watch::default(),
            stopped: false,
        });
        fired
            .schedule
            .push((now, EndpointDue::Step(self.runs.len() - 1)));
    }

    /// Running program `r` does one unit of its current activity, which
    /// behaviour monitoring and EDR watch.
    fn step(&mut self, r: usize, now: Instant, fired: &mut Fired) {
        let Some(run) = self.runs.get_mut(r) else {
            return;
        };
        if run.stopped {
            return;
        }
        let Some(activity) = run.activities.get(run.activity).cloned() else {
            return;
        };
        let a = run.agent;
        let (rule, units, pace) = match &activity {
            Activity::Encrypt { files, within, .. } => {
                self.agents[a].encrypted += 1;
                (run.watch.encrypted(now), *files, *within / *files)
            }
            Activity::DeleteShadowCopies => (Some(Rule::ShadowCopies), 1, Duration::from_secs(1)),
            Activity::Autorun { name } => (
                Some(Rule::Autorun { name: name.clone() }),
                1,
                Duration::from_secs(1),
            ),
        };
        run.done += 1;
        if run.done >= units {
            run.activity += 1;
            run.done = 0;
        }
        let more = run.activity < run.activities.len();
        if let Some(rule) = rule {
            self.detect(r, now, &rule, fired);
        }
        let run = &self.runs[r];
        if more && !run.stopped {
            fired.schedule.push((now + pace, EndpointDue::Step(r)));
        } else if !run.stopped {
            fired
                .stopped
                .push((self.agents[a].spec.host.clone(), run.path.clone()));
        }
    }

    /// Behaviour monitoring stops the program; EDR raises an event needing
    /// attention and, for a high-risk rule, isolates the host.
    fn detect(&mut self, r: usize, now: Instant, rule: &Rule, fired: &mut Fired) {
        let a = self.runs[r].agent;
        let path = self.runs[r].path.clone();
        let program = path.rsplit(['\\', '/']).next().unwrap_or(&path).to_string();
        let agent = &self.agents[a];
        let protections = agent.spec.protections;
        let mut events = Vec::new();
        if protections.behaviour {
            events.push(EndpointEvent {
                at: now,
                endpoint: agent.spec.host.clone(),
                device: agent.device,
                feature: Feature::BehaviourMonitoring,
                threat: program.clone(),
                object: path.clone(),
                scan: None,
                action: Action::Blocked,
                reason: format!("{}: the program was stopped", rule.reason()),
                status: None,
            });
        }
        let mut isolate = false;
        if protections.edr {
            isolate = rule.high_risk() && !agent.edr_isolated;
            let (action, status) = if rule.high_risk() {
                (Action::Isolated, EdrStatus::InProgress)
            } else {
                (Action::Logged, EdrStatus::New)
            };
            events.push(EndpointEvent {
                at: now,
                endpoint: agent.spec.host.clone(),
                device: agent.device,
                feature: Feature::SuspiciousActivity,
                threat: rule.name().to_string(),
                object: program.clone(),
                scan: None,
                action,
                reason: if isolate {
                    format!(
                        "{}: the endpoint was isolated from the network",
                        rule.reason()
                    )
                } else {
                    rule.reason()
                },
                status: Some(status),
            });
        }
        if protections.behaviour {
            self.runs[r].stopped = true;
            if let Some(file) = self.agents[a].disk.iter_mut().find(|f| f.path == path) {
                file.running = false;
            }
            fired.stopped.push((self.agents[a].spec.host.clone(), path));
        }
        if isolate {
            self.agents[a].edr_isolated = true;
            fired.isolate.push(self.agents[a].spec.host.clone());
        }
        for event in events {
            self.report(event);
        }
    }

    fn report(&mut self, event: EndpointEvent) {
        self.log.push(event.clone());
        self.pending.push(event);
    }
}

/// When `agent` last reached the management server: now if its host is
/// connected (EDR isolation keeps that link), else when it was unplugged or
/// went away.
fn last_contact(agent: &Agent, now: Instant, link: Link) -> Instant {
    if let Some(since) = agent.spec.offline_since {
        return since.min(now);
    }
    if link.plugged || agent.edr_isolated {
        now
    } else {
        link.unplugged_at.unwrap_or(now)
    }
}

/// The first `HH:MM` JST at or after `from`.
fn next_time_of_day(from: Instant, hour: u8, minute: u8) -> Instant {
    let day = 86_400i64;
    let jst = from.as_secs() + 9 * 3600;
    let midnight = jst - jst.rem_euclid(day);
    let mut at = midnight + i64::from(hour) * 3600 + i64::from(minute) * 60;
    if at < jst {
        at += day;
    }
    Instant::from_secs(at - 9 * 3600)
}

#[cfg(test)]
mod tests;
