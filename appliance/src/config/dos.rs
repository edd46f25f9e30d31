//! DoS protection settings (`inspect::dos`): flood kinds and their thresholds.

use serde::Deserialize;

/// What kind of flood (a reason names it, so it lives with the reasons).
pub use crate::reason::FloodKind;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DosAction {
    /// Drop what exceeds the threshold.
    Drop,
    /// Log the episode, pass everything.
    Monitor,
}

/// DoS protection settings (seed 001's "DoS攻撃対策" tab).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DosPolicy {
    pub enabled: bool,
    pub action: DosAction,
    /// Packets per second per destination before an episode starts.
    pub syn_pps: u32,
    pub udp_pps: u32,
    pub icmp_pps: u32,
    /// Seconds under the threshold that end an episode.
    pub quiet_secs: u32,
}

impl Default for DosPolicy {
    fn default() -> Self {
        DosPolicy {
            enabled: true,
            action: DosAction::Drop,
            syn_pps: 1000,
            udp_pps: 5000,
            icmp_pps: 500,
            quiet_secs: 10,
        }
    }
}

impl DosPolicy {
    pub(crate) fn threshold(&self, kind: FloodKind) -> u32 {
        match kind {
            FloodKind::Syn => self.syn_pps,
            FloodKind::Udp => self.udp_pps,
            FloodKind::Icmp => self.icmp_pps,
        }
    }
}
