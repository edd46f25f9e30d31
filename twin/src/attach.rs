//! Seams through which the world lends one of its nodes to something outside
//! the process: the gateway to a firmware build running as its own process,
//! an office host to a real network namespace where real programs run.
//!
//! The world stays the one event loop; these hooks only decide where a frame
//! goes when it reaches such a node, so the in-memory run and a run through
//! kernel interfaces share every other line of code.

use appliance::gateway::DeployOutcome;
use appliance::inspect::devices::Devices;
use appliance::inspect::network::NetStats;
use appliance::{Actions, Config, FrozenIntel, Gateway, Instant, Port};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Something that plays the gateway for the world: the in-process
/// [`Gateway`] or a driver of an external firmware process. Same contract as
/// the sans-I/O core: frames and time in, frames, events and alerts out.
/// `Send`, so a running world can be shared with the console's threads.
///
/// The world holds exactly one driver and reaches the gateway only through
/// it. What a caller may want to read or change beyond frames and deploys
/// (the device list, counters, the intel) is a method here; a driver that
/// cannot do it (a firmware process: its lockstep control protocol carries
/// frames, time, events and device-list deploys, nothing else) keeps the
/// default, which says so (`None` / `Err`) instead of showing a stand-in.
pub trait GatewayDriver: Send {
    fn handle(&mut self, now: Instant, port: Port, frame: &[u8], out: &mut Actions);
    fn poll(&mut self, now: Instant, out: &mut Actions);
    fn poll_at(&self) -> Option<Instant>;
    /// A new policy, live at once (`Gateway::deploy`).
    fn deploy(&mut self, config: Config) -> DeployOutcome;
    /// Why the gateway stopped answering (an external process crashed or
    /// hung), once that has happened; the runner turns it into a failure.
    fn failure(&self) -> Option<String> {
        None
    }
    /// Whether the gateway is a process of its own on kernel interfaces (a
    /// firmware build in TUN mode) rather than code in this one.
    fn is_external(&self) -> bool {
        false
    }
    /// The world's clock reached `now`; from now on the gateway reaches the
    /// cloud (`cloud_online`) or not. Called at least at every change of
    /// the cloud link and whenever the run hands its results to the cloud.
    /// A driver whose gateway keeps its own store (a firmware process)
    /// records its uptime from this; the in-process gateway has no store.
    fn clock(&mut self, _now: Instant, _cloud_online: bool) {}
    /// The gateway's device list (endpoint identification), where the
    /// driver can read it.
    fn devices(&self) -> Option<&Devices> {
        None
    }
    /// Hosts flagged by the C&C callback-host rule, and when.
    fn callback_hosts(&self) -> Option<&BTreeMap<Ipv4Addr, Instant>> {
        None
    }
    /// What the packet-level protections did so far.
    fn net_stats(&self) -> Option<NetStats> {
        None
    }
    /// The spam kept at the gateway (anti-spam's quarantine), oldest first,
    /// where the driver can read it (the firmware's control protocol
    /// carries no quarantine).
    fn quarantine(&self) -> Option<Vec<appliance::gateway::QuarantinedMail>> {
        None
    }
    /// Gives the gateway new intel (a scenario step re-rating a site).
    fn replace_intel(&mut self, _intel: FrozenIntel) -> Result<(), String> {
        Err("this gateway driver cannot replace the gateway's intel during a run".to_string())
    }
}

impl GatewayDriver for Gateway {
    fn handle(&mut self, now: Instant, port: Port, frame: &[u8], out: &mut Actions) {
        Gateway::handle(self, now, port, frame, out);
    }
    fn poll(&mut self, now: Instant, out: &mut Actions) {
        Gateway::poll(self, now, out);
    }
    fn poll_at(&self) -> Option<Instant> {
        Gateway::poll_at(self)
    }
    fn deploy(&mut self, config: Config) -> DeployOutcome {
        Gateway::deploy(self, config)
    }
    fn devices(&self) -> Option<&Devices> {
        Some(Gateway::devices(self))
    }
    fn callback_hosts(&self) -> Option<&BTreeMap<Ipv4Addr, Instant>> {
        Some(Gateway::callback_hosts(self))
    }
    fn net_stats(&self) -> Option<NetStats> {
        Some(Gateway::net_stats(self))
    }
    fn quarantine(&self) -> Option<Vec<appliance::gateway::QuarantinedMail>> {
        Some(Gateway::quarantine(self).cloned().collect())
    }
    fn replace_intel(&mut self, intel: FrozenIntel) -> Result<(), String> {
        Gateway::replace_intel(self, intel);
        Ok(())
    }
}
