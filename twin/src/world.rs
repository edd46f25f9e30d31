//! The world: the office, the gateway and the internet wired together and run
//! on the virtual clock.
//!
//! Topology (the gateway in bridge mode):
//!
//! ```text
//! hosts --- switch ==[lan]== Gateway (Lan | Wan) ==[wan]== internet
//! ```
//!
//! Everything that happens is an entry on the [`Agenda`]: a frame arriving at
//! a node after its link's latency, a node's timer, an actor's next action, a
//! timeline step, a mail reaching a mailbox. After each entry every node it
//! touched is polled at once, its output put on the wire, and its next timer
//! (smoltcp's `poll_at`, the gateway's `poll_at`) scheduled. No entry ever
//! lands in the past, so the clock only moves forward, and with the
//! insertion-order tie-break a run is a pure function of the scenario.

use crate::actor::Actor;
use crate::attach::GatewayDriver;
use crate::capture::{Capture, CaptureError};
use crate::clock::Agenda;
use crate::host::Host;
pub use crate::host::{HttpExchange, Outcome};
use crate::internet::Internet;
use crate::link::{LAN_LATENCY, LinkId, Switch, SwitchPort, WAN_LATENCY};
pub use crate::mail::StoredMail;
use crate::model::{ActorKind, Mac, Origin, Scenario, ScriptedSpec, TimelineAction, TimelineEntry};
use crate::scripted::{Entry, Scripted};
use crate::web::{HttpUrl, UrlError};
use appliance::gateway::DeployOutcome;
use appliance::inspect::devices::{BlockedDevice, MacAddr};
use appliance::wire::frame::Mac as WireMac;
use appliance::{AccessRecord, Actions, Config, Event, FrozenIntel, Gateway, Instant, Port};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

mod cloud_apps;
mod endpoint;
mod mail;
mod stats;
mod step;
pub use mail::{MailSeen, MailWhere};
pub use stats::WorldStats;

/// The time the service's cloud takes to turn a detection into a mail in the
/// support desk's mailbox. The real Cloud Edge reports detections to Trend
/// Micro's cloud, which mails the desk; the seed shows alerts arriving within
/// a minute. A fixed delay keeps runs reproducible.
pub const ALERT_RELAY_DELAY: Duration = Duration::from_secs(20);

/// See [`WorldStats::stalls`].
pub const STALL_BACKOFF: Duration = Duration::from_millis(1);

/// How the world runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorldOptions {
    /// Record a pcapng of the lan and wan links (costs time and memory).
    pub capture: bool,
}

impl Default for WorldOptions {
    fn default() -> Self {
        WorldOptions { capture: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("no host named {0:?} in the office")]
    UnknownHost(String),
    #[error("{context}: {source}")]
    Url {
        context: String,
        #[source]
        source: UrlError,
    },
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("mail: {0}")]
    Mail(String),
}

/// Something due on the agenda.
#[derive(Debug)]
enum Due {
    AtGateway(Port, Vec<u8>),
    AtSwitch(Vec<u8>),
    AtHost(usize, Vec<u8>),
    AtInternet(Vec<u8>),
    WakeHost(usize),
    WakeInternet,
    WakeGateway,
    Actor(usize),
    Timeline(usize),
    Mail(Box<StoredMail>),
    Scripted(usize),
    /// A scheduled message (`mail.send[i]`) is sent.
    MailSend(usize),
    /// Mail program `mail.clients[i]` checks for new mail.
    MailCheck(usize),
    /// The endpoint agents do something.
    Endpoint(crate::endpoint::EndpointDue),
    /// Moment `cloud_apps.timeline[i]` happens in the office's cloud services.
    CloudApps(usize),
}

/// The running twin.
pub struct World {
    now: Instant,
    start: Instant,
    end: Instant,
    agenda: Agenda<Due>,
    hosts: Vec<Host>,
    host_index: HashMap<String, usize>,
    host_wake: Vec<Option<Instant>>,
    host_dirty: Vec<bool>,
    dirty: Vec<usize>,
    switch: Switch,
    /// Plays the gateway: the in-process [`Gateway`], or a firmware build
    /// under test. The world reaches the gateway only through it.
    gateway: Box<dyn GatewayDriver>,
    /// The configuration the gateway runs: the scenario's, then each one it
    /// took since (the world's own record; the driver is never asked).
    gateway_config: Config,
    /// Whether a gateway build outside this process plays the gateway.
    gateway_external: bool,
    /// The gateways of the office's other sites, reached by "deploy all".
    branches: Vec<crate::deploy::BranchGateway>,
    gateway_wake: Option<Instant>,
    actions: Actions,
    internet: Internet,
    internet_wake: Option<Instant>,
    internet_dirty: bool,
    actors: Vec<Actor>,
    timeline: Vec<TimelineEntry>,
    /// Mail: the scenario's plan and what happened outside any TCP session.
    mail: mail::MailTwin,
    events: Vec<Event>,
    access: Vec<AccessRecord>,
    /// Since when the gateway has been offline (cut off from the cloud), if it is.
    offline_since: Option<Instant>,
    /// Finished offline periods, oldest first.
    offline_periods: Vec<(Instant, Instant)>,
    capture: Option<Capture>,
    last_wan_egress: HashMap<Ipv4Addr, Instant>,
    stats: WorldStats,
    scratch: Vec<Vec<u8>>,
    /// Hosts whose traffic is carried by something outside (a namespace
    /// running real programs): their simulated stack is muted and frames
    /// for them wait in `outbound`.
    attached: Vec<bool>,
    outbound: Vec<(usize, Vec<u8>)>,
    /// Each gateway's status after the last "deploy all".
    deployments: Vec<crate::deploy::GatewayDeployment>,
    /// Network protections (issue 5): scripted traffic and device blocks.
    net: NetTwin,
    /// The endpoint agents, if the office has the option (seed 002).
    endpoint: Option<crate::endpoint::EndpointTwin>,
    /// The office's cloud services and their scan (seed 003).
    cloud_apps: Option<cloud_apps::CloudAppsTwin>,
}

/// The world's scripted traffic and what it needs to address it.
struct NetTwin {
    scripted: Vec<Scripted>,
    /// Office addresses to MACs; anything else goes to the router.
    macs: HashMap<Ipv4Addr, Mac>,
    /// The LAN's prefix length (a renumbered host keeps it).
    lan_prefix: u8,
    router_mac: Mac,
    seed: u64,
    /// The last time a frame with this IPv4 source left the gateway's LAN port.
    last_lan_delivery: HashMap<Ipv4Addr, Instant>,
    /// Device blocks deployed so far: (when, MAC, IP).
    blocks: Vec<(Instant, Option<Mac>, Option<Ipv4Addr>)>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("now", &self.now)
            .field("hosts", &self.hosts.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl World {
    pub fn new(scenario: &Scenario, options: WorldOptions) -> Result<World, WorldError> {
        let now = scenario.start;
        let office = &scenario.office;
        let hosts: Vec<Host> = office
            .hosts
            .iter()
            .enumerate()
            .map(|(i, spec)| Host::new(spec, office, i, scenario.seed, now))
            .collect();
        let host_index: HashMap<String, usize> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.name.clone(), i))
            .collect();
        let find = |name: &str| {
            host_index
                .get(name)
                .copied()
                .ok_or_else(|| WorldError::UnknownHost(name.to_string()))
        };

        let mut agenda = Agenda::new();
        let mut actors = Vec::with_capacity(scenario.actors.len());
        for (i, spec) in scenario.actors.iter().enumerate() {
            let host = find(&spec.host)?;
            let urls: Vec<&String> = match &spec.kind {
                ActorKind::Browse { urls, .. } => urls.iter().collect(),
                ActorKind::Beacon { urls, script, .. } => {
                    urls.iter().chain(script.iter().map(|s| &s.url)).collect()
                }
            };
            for url in urls {
                HttpUrl::parse(url).map_err(|source| WorldError::Url {
                    context: format!("actor {} on {}", i + 1, spec.host),
                    source,
                })?;
            }
            let mut actor = Actor::new(i, host, spec, scenario.start, scenario.seed);
            if let Some(at) = actor.first_wake() {
                agenda.schedule(at.max(now), Due::Actor(i));
            }
            actors.push(actor);
        }
        for (i, entry) in scenario.timeline.iter().enumerate() {
            match &entry.action {
                TimelineAction::Isolate { host }
                | TimelineAction::Reconnect { host }
                | TimelineAction::Renumber { host, .. } => {
                    find(host)?;
                }
                TimelineAction::GatewayOffline
                | TimelineAction::GatewayOnline
                | TimelineAction::BranchOffline { .. }
                | TimelineAction::BranchOnline { .. } => {}
                TimelineAction::BlockDevice { .. } => {}
            }
            agenda.schedule(entry.at.max(now), Due::Timeline(i));
        }

        let capture = if options.capture {
            Some(Capture::new()?)
        } else {
            None
        };
        let n = hosts.len();
        Ok(World {
            now,
            start: scenario.start,
            end: scenario.start + scenario.duration,
            agenda,
            hosts,
            host_index,
            host_wake: vec![None; n],
            host_dirty: vec![false; n],
            dirty: Vec::with_capacity(n),
            switch: Switch::new(),
            gateway: Box::new(Gateway::new(
                scenario.gateway.clone(),
                scenario.intel.clone(),
            )),
            gateway_config: scenario.gateway.clone(),
            gateway_external: false,
            branches: office
                .branch_gateways
                .iter()
                .map(|name| {
                    crate::deploy::BranchGateway::new(name, &scenario.gateway, &scenario.intel)
                })
                .collect(),
            gateway_wake: None,
            actions: Actions::default(),
            internet: Internet::new(scenario, now),
            internet_wake: None,
            internet_dirty: false,
            actors,
            timeline: scenario.timeline.clone(),
            mail: mail::MailTwin::new(&scenario.mail),
            events: Vec::new(),
            access: Vec::new(),
            offline_since: None,
            offline_periods: Vec::new(),
            capture,
            last_wan_egress: HashMap::new(),
            stats: WorldStats::default(),
            scratch: Vec::new(),
            attached: vec![false; n],
            outbound: Vec::new(),
            net: NetTwin {
                macs: office.hosts.iter().map(|h| (h.ip, h.mac)).collect(),
                lan_prefix: office.lan_prefix,
                router_mac: office.router_mac,
                seed: scenario.seed,
                scripted: Vec::new(),
                last_lan_delivery: HashMap::new(),
                blocks: Vec::new(),
            },
            deployments: Vec::new(),
            endpoint: None,
            cloud_apps: None,
        })
        .and_then(|mut world| {
            world.start_endpoint(scenario);
            world.start_cloud_apps(scenario);
            for spec in &scenario.scripted {
                world.start_scripted(spec)?;
            }
            world.start_mail(scenario)?;
            Ok(world)
        })
    }

    /// Starts a scripted packet sequence (a scan, a flood, a worm, a new
    /// device) at its start time, or now if that has passed.
    pub fn start_scripted(&mut self, spec: &ScriptedSpec) -> Result<(), WorldError> {
        let (entry, ip, mac) = match &spec.origin {
            Origin::Host(name) => {
                let i = self.host(name)?;
                let h = &self.hosts[i];
                let mac = self
                    .net
                    .macs
                    .get(&h.ip)
                    .copied()
                    .unwrap_or(self.net.router_mac);
                (Entry::Host(i), h.ip, mac)
            }
            Origin::Internet(ip) => (Entry::Wan, *ip, self.net.router_mac),
            Origin::Device { ip, mac } => (Entry::Lan, *ip, *mac),
        };
        let index = self.net.scripted.len();
        let s = Scripted::new(index, spec, entry, ip, mac, self.net.seed);
        self.agenda
            .schedule(spec.start.max(self.now), Due::Scripted(index));
        self.net.scripted.push(s);
        Ok(())
    }

    /// Deploys a new gateway policy with the device on the block list (FAQ
    /// Q2: block by IP or MAC).
    pub fn block_device(&mut self, mac: Option<Mac>, ip: Option<Ipv4Addr>) -> DeployOutcome {
        let mut config = self.gateway_config.clone();
        config.version += 1;
        config.devices.blocked.push(BlockedDevice {
            ip,
            mac: mac.map(|m| MacAddr(WireMac(m.0))),
            note: None,
        });
        let outcome = self.deploy_gateway(config);
        if matches!(outcome, DeployOutcome::Success { .. }) {
            self.net.blocks.push((self.now, mac, ip));
        }
        outcome
    }

    /// Device blocks deployed so far: (when, MAC, IP).
    pub fn device_blocks(&self) -> &[(Instant, Option<Mac>, Option<Ipv4Addr>)] {
        &self.net.blocks
    }

    /// The last time a frame with source address `ip` left the gateway on its
    /// LAN port (reached the office).
    pub fn last_lan_delivery_from(&self, ip: Ipv4Addr) -> Option<Instant> {
        self.net.last_lan_delivery.get(&ip).copied()
    }

    fn fire_scripted(&mut self, i: usize) {
        let now = self.now;
        let Some(s) = self.net.scripted.get_mut(i) else {
            return;
        };
        let (macs, router) = (&self.net.macs, self.net.router_mac);
        let (frames, next) = s.fire(now, &|ip| macs.get(&ip).copied().unwrap_or(router));
        let entry = s.entry();
        for frame in frames {
            match entry {
                Entry::Host(h) => {
                    if self.hosts[h].plugged {
                        self.switch_in(SwitchPort::Host(h), frame);
                    } else {
                        self.stats.frames_lost_unplugged += 1;
                    }
                }
                Entry::Lan => {
                    self.on_link(LinkId::Lan, &frame);
                    self.agenda
                        .schedule(now + LAN_LATENCY, Due::AtGateway(Port::Lan, frame));
                }
                Entry::Wan => {
                    self.on_link(LinkId::Wan, &frame);
                    self.agenda
                        .schedule(now + WAN_LATENCY, Due::AtGateway(Port::Wan, frame));
                }
            }
        }
        if let Some(next) = next {
            self.agenda.schedule(next.max(now), Due::Scripted(i));
        }
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// The scenario's start.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// The scenario's end: its start plus its duration.
    pub fn end(&self) -> Instant {
        self.end
    }

    /// Processes everything due up to and including `until`; afterwards
    /// `now() == until` (or later, if `until` was in the past).
    pub fn run_until(&mut self, until: Instant) {
        while let Some((at, due)) = self.agenda.pop_due(until) {
            self.now = self.now.max(at);
            self.stats.steps += 1;
            self.process(due);
            self.settle();
        }
        self.now = self.now.max(until);
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Allowed requests since the last drain (for the access statistics).
    pub fn drain_access(&mut self) -> Vec<AccessRecord> {
        std::mem::take(&mut self.access)
    }

    /// Tells the gateway's driver the world's time and whether the gateway
    /// reaches the cloud ([`GatewayDriver::clock`]).
    pub fn tell_gateway_clock(&mut self) {
        let online = self.offline_since.is_none();
        self.gateway.clock(self.now, online);
    }

    /// Takes the gateway off the cloud (`false`) or puts it back (`true`).
    pub fn set_gateway_online(&mut self, online: bool) {
        if online == self.offline_since.is_some() {
            self.gateway.clock(self.now, online);
        }
        match (online, self.offline_since) {
            (false, None) => self.offline_since = Some(self.now),
            (true, Some(since)) => {
                self.offline_periods.push((since, self.now));
                self.offline_since = None;
            }
            _ => {}
        }
    }

    /// Whether the gateway reaches the cloud now (its 「Cloud Consoleに接続」
    /// LED is green).
    pub fn gateway_online(&self) -> bool {
        self.offline_since.is_none()
    }

    /// The periods the gateway was offline, oldest first; an ongoing one ends `None`.
    pub fn gateway_offline_periods(&self) -> Vec<(Instant, Option<Instant>)> {
        self.offline_periods
            .iter()
            .map(|&(from, until)| (from, Some(until)))
            .chain(self.offline_since.map(|since| (since, None)))
            .collect()
    }

    /// Delivers `mail` to its mailbox now (the monthly report mail); false if
    /// there is no such mailbox.
    pub fn post_mail(&mut self, mail: StoredMail) -> bool {
        self.internet.mail.store.deliver(mail)
    }

    /// Gateway events since the last drain, in the order they happened.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Unplugs `host` from the switch now. Its programs keep running; nothing
    /// it sends leaves the PC and nothing reaches it.
    pub fn isolate(&mut self, host: &str) -> Result<(), WorldError> {
        let i = self.host(host)?;
        let h = &mut self.hosts[i];
        if h.plugged {
            h.plugged = false;
            h.isolated_at = Some(self.now);
        }
        Ok(())
    }

    /// Gives `host` the address `ip` (a new DHCP lease): the twin's own
    /// map of who is where follows; the gateway and the cloud learn it from
    /// the traffic, as the real ones would (seed 004's caveat).
    pub fn renumber(&mut self, host: &str, ip: Ipv4Addr) -> Result<(), WorldError> {
        let i = self.host(host)?;
        let (old, mac) = (self.hosts[i].ip, self.hosts[i].mac);
        self.hosts[i].renumber(ip, self.net.lan_prefix);
        self.net.macs.remove(&old);
        self.net.macs.insert(ip, mac);
        self.mark_host(i);
        Ok(())
    }

    /// Plugs `host` back in.
    pub fn reconnect(&mut self, host: &str) -> Result<(), WorldError> {
        let i = self.host(host)?;
        self.hosts[i].plugged = true;
        self.mark_host(i);
        self.settle();
        Ok(())
    }

    /// When `host` was last unplugged (kept after a reconnect), if ever.
    pub fn isolated_at(&self, host: &str) -> Option<Instant> {
        self.host_index
            .get(host)
            .and_then(|&i| self.hosts[i].isolated_at)
    }

    /// Whether `host` is unplugged now.
    pub fn is_isolated(&self, host: &str) -> bool {
        self.host_index
            .get(host)
            .is_some_and(|&i| !self.hosts[i].plugged)
    }

    /// The last time a frame with source address `ip` left the gateway on its
    /// WAN port.
    pub fn last_wan_egress_from(&self, ip: Ipv4Addr) -> Option<Instant> {
        self.last_wan_egress.get(&ip).copied()
    }

    /// `host` starts loading `url` now.
    pub fn open(&mut self, host: &str, url: &str) -> Result<(), WorldError> {
        let i = self.host(host)?;
        self.hosts[i]
            .open(self.now, url)
            .map_err(|source| WorldError::Url {
                context: format!("host {host}"),
                source,
            })?;
        self.mark_host(i);
        self.settle();
        Ok(())
    }

    /// The web site `host` now serves a certificate with this validity
    /// (renewed, or left to expire); false if no site has that name.
    pub fn set_site_certificate(
        &mut self,
        host: &str,
        spec: crate::model::CertificateSpec,
    ) -> bool {
        self.internet.set_certificate(host, spec)
    }

    /// The validity of the certificate the web site `host` serves.
    pub fn site_certificate(&self, host: &str) -> Option<crate::model::CertificateSpec> {
        self.internet.certificate(host)
    }

    /// Every connection a BitTorrent peer of the internet accepted, with
    /// every byte it received (the oracle of application control).
    pub fn peer_contacts(&self) -> &[crate::peer::PeerContact] {
        self.internet.peer_contacts()
    }

    /// Every finished exchange of `host`, in order of completion (empty for
    /// an unknown host).
    pub fn exchanges(&self, host: &str) -> &[HttpExchange] {
        self.host_index
            .get(host)
            .map_or(&[], |&i| self.hosts[i].exchanges())
    }

    /// The last exchange in which `host` fetched exactly `url`.
    pub fn last_exchange(&self, host: &str, url: &str) -> Option<&HttpExchange> {
        self.exchanges(host).iter().rev().find(|e| e.url == url)
    }

    /// Names of the office hosts, in office order.
    pub fn host_names(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(|h| h.name.as_str())
    }

    /// The mail delivered to `address` at the ISP's mail server.
    pub fn mailbox(&self, address: &str) -> &[StoredMail] {
        self.internet.mail.store.mailbox(address)
    }

    /// Mail for addresses without a mailbox.
    pub fn bounced_mail(&self) -> &[StoredMail] {
        self.internet.mail.store.bounced()
    }

    /// The gateway, through its driver: what it can show (device list,
    /// counters) and whether it failed. Changes go through the world
    /// ([`World::deploy_gateway`], [`World::replace_intel`]).
    pub fn gateway_driver(&self) -> &dyn GatewayDriver {
        self.gateway.as_ref()
    }

    /// The configuration the gateway runs now.
    pub fn gateway_config(&self) -> &Config {
        &self.gateway_config
    }

    /// Whether a gateway build outside this process (a firmware under test)
    /// plays the gateway.
    pub fn gateway_is_external(&self) -> bool {
        self.gateway_external
    }

    /// Deploys `config` to the gateway now; on success it is the running
    /// configuration.
    pub fn deploy_gateway(&mut self, config: Config) -> DeployOutcome {
        self.deploy_target().deploy(config)
    }

    /// Gives the gateway new intel now (a re-rated site).
    pub fn replace_intel(&mut self, intel: FrozenIntel) -> Result<(), String> {
        self.gateway.replace_intel(intel)
    }

    fn deploy_target(&mut self) -> crate::deploy::Target<'_> {
        crate::deploy::Target {
            driver: self.gateway.as_mut(),
            config: &mut self.gateway_config,
            offline_since: self.offline_since,
        }
    }

    /// "Deploy all": `policy` (or why it was refused) to every gateway of
    /// the office (its own, then its branches'), now; see
    /// [`crate::deploy`]. Each gateway's driver answers for it (a firmware
    /// under test refuses what its control protocol cannot carry); one the
    /// cloud cannot reach fails and keeps its policy.
    pub fn deploy_all(
        &mut self,
        policy: Result<appliance::policy::Policy, String>,
    ) -> &[crate::deploy::GatewayDeployment] {
        let now = self.now;
        let head = crate::deploy::Target {
            driver: self.gateway.as_mut(),
            config: &mut self.gateway_config,
            offline_since: self.offline_since,
        };
        let mut targets = vec![head];
        targets.extend(self.branches.iter_mut().map(|b| b.target()));
        self.deployments = crate::deploy::deploy_all(&mut targets, policy, now);
        &self.deployments
    }

    /// The spam the gateway quarantined, oldest first (`None`: the driver
    /// cannot read it, e.g. a firmware build).
    pub fn gateway_quarantine(&self) -> Option<Vec<appliance::gateway::QuarantinedMail>> {
        self.gateway.quarantine()
    }

    /// The configuration the branch gateway `name` runs, if the office has it.
    pub fn branch_config(&self, name: &str) -> Option<&Config> {
        self.branches
            .iter()
            .find(|b| b.config.name == name)
            .map(|b| &b.config)
    }

    /// Takes a branch's gateway off the cloud (`false`) or puts it back.
    pub fn set_branch_online(&mut self, name: &str, online: bool) {
        let now = self.now;
        if let Some(b) = self.branches.iter_mut().find(|b| b.config.name == name) {
            b.offline_since = if online {
                None
            } else {
                b.offline_since.or(Some(now))
            };
        }
    }

    /// Each gateway's status after the last "deploy all" (empty before any).
    pub fn deployments(&self) -> &[crate::deploy::GatewayDeployment] {
        &self.deployments
    }

    /// The whole capture so far (`None` if capture is off).
    pub fn pcapng(&self) -> Option<Vec<u8>> {
        self.capture.as_ref().map(|c| c.bytes().to_vec())
    }

    pub fn stats(&self) -> WorldStats {
        let mut stats = self.stats.clone();
        stats.exchanges = self.hosts.iter().map(|h| h.exchanges().len() as u64).sum();
        stats.simulated = self.now.saturating_since(self.start);
        stats
    }

    /// Lets `driver` play the gateway from now on (a firmware build under
    /// test, started with the configuration the gateway runs); the
    /// in-process gateway is dropped.
    pub fn set_gateway_driver(&mut self, driver: Box<dyn GatewayDriver>) {
        self.gateway = driver;
        self.gateway_external = true;
        self.gateway_wake = None;
    }

    /// The gateway's failure (an external process crashed or hung), if any.
    pub fn gateway_failure(&self) -> Option<String> {
        self.gateway.failure()
    }

    /// Whether everything of this world runs in this process's memory: no
    /// firmware process and no real program on kernel interfaces. Only such
    /// a world may be moved to another thread (TUN mode keeps to the thread
    /// that entered the twin's network namespace).
    pub fn runs_in_memory(&self) -> bool {
        !self.gateway.is_external() && !self.attached.iter().any(|a| *a)
    }

    /// Hands `host`'s network traffic to the caller: its simulated stack
    /// (and the actors on it) go quiet, frames the switch delivers to it are
    /// queued for [`World::take_outbound`], and the caller feeds what the
    /// real host sends through [`World::from_attached_host`].
    pub fn attach_host(&mut self, host: &str) -> Result<usize, WorldError> {
        let i = self.host(host)?;
        self.attached[i] = true;
        Ok(i)
    }

    /// A frame sent by the real program side of attached host `i`, now.
    pub fn from_attached_host(&mut self, i: usize, frame: Vec<u8>) {
        if !self.attached.get(i).copied().unwrap_or(false) {
            return;
        }
        if self.hosts[i].plugged {
            self.switch_in(SwitchPort::Host(i), frame);
        } else {
            self.stats.frames_lost_unplugged += 1;
        }
        self.settle();
    }

    /// Frames for attached hosts, in delivery order, with the host's index.
    pub fn take_outbound(&mut self) -> Vec<(usize, Vec<u8>)> {
        std::mem::take(&mut self.outbound)
    }

    /// When the next entry on the agenda is due (a wall-clock driver sleeps
    /// until then or until a real frame arrives).
    pub fn next_due(&self) -> Option<Instant> {
        self.agenda.next_at()
    }

    fn host(&self, name: &str) -> Result<usize, WorldError> {
        self.host_index
            .get(name)
            .copied()
            .ok_or_else(|| WorldError::UnknownHost(name.to_string()))
    }

    fn mark_host(&mut self, i: usize) {
        if !self.host_dirty[i] {
            self.host_dirty[i] = true;
            self.dirty.push(i);
        }
    }
}
