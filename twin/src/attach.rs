//! Seams through which the world lends one of its nodes to something outside
//! the process: the gateway to a firmware build running as its own process,
//! an office host to a real network namespace where real programs run.
//!
//! The world stays the one event loop; these hooks only decide where a frame
//! goes when it reaches such a node, so the in-memory run and a run through
//! kernel interfaces share every other line of code.

use appliance::gateway::DeployOutcome;
use appliance::{Actions, Config, Gateway, Instant, Port};

/// Something that plays the gateway for the world: the in-process
/// [`Gateway`] or a driver of an external firmware process. Same contract as
/// the sans-I/O core: frames and time in, frames, events and alerts out.
/// `Send`, so a running world can be shared with the console's threads.
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
}
