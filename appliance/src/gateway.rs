//! The gateway: one sans-I/O core between the office LAN and the WAN.
//!
//! It runs in bridge mode (Cloud Edge's transparent deployment): frames that
//! pass are forwarded unchanged to the other port; frames that a policy stops
//! are dropped, answered (a block page, a reset) or rewritten. Time comes in as
//! an argument; the caller drains [`Actions`] after every call.

use crate::alert::Alert;
use crate::config::Config;
use crate::event::Event;
use crate::intel::Intel;
use crate::time::Instant;

/// The gateway's two network ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Port {
    Lan,
    Wan,
}

impl Port {
    pub fn other(self) -> Port {
        match self {
            Port::Lan => Port::Wan,
            Port::Wan => Port::Lan,
        }
    }
}

/// A frame the gateway emits on one of its ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emit {
    pub port: Port,
    pub frame: Vec<u8>,
}

/// Everything a call into the gateway produced. The caller drains it.
#[derive(Debug, Default)]
pub struct Actions {
    pub frames: Vec<Emit>,
    pub events: Vec<Event>,
    pub alerts: Vec<Alert>,
}

impl Actions {
    pub fn clear(&mut self) {
        self.frames.clear();
        self.events.clear();
        self.alerts.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.events.is_empty() && self.alerts.is_empty()
    }
}

/// The outcome of deploying a new configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The new configuration is live.
    Success { version: u32 },
    /// Refused; the previous configuration stays live.
    Failed { kept_version: u32, reason: String },
}

/// The gateway core.
pub struct Gateway {
    config: Config,
    intel: Box<dyn Intel + Send>,
}

impl Gateway {
    pub fn new(config: Config, intel: impl Intel + Send + 'static) -> Self {
        Gateway {
            config,
            intel: Box::new(intel),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A frame arrived on `port` at `now`.
    pub fn handle(&mut self, now: Instant, port: Port, frame: &[u8], out: &mut Actions) {
        let _ = (now, &self.intel);
        out.frames.push(Emit {
            port: port.other(),
            frame: frame.to_vec(),
        });
    }

    /// Timers: flow expiry and anything else due at `now`.
    pub fn poll(&mut self, now: Instant, out: &mut Actions) {
        let _ = (now, out);
    }

    /// When the gateway next wants [`Gateway::poll`] called, if ever.
    pub fn poll_at(&self) -> Option<Instant> {
        None
    }

    /// Replaces the configuration atomically.
    pub fn deploy(&mut self, config: Config) -> DeployOutcome {
        self.config = config;
        DeployOutcome::Success {
            version: self.config.version,
        }
    }
}
