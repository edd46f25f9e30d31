//! Port-scan and worm-sweep settings (`inspect::port_scan`).

use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScanAction {
    Block,
    Monitor,
}

/// Port-scan and worm-sweep settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ScanPolicy {
    pub enabled: bool,
    pub action: ScanAction,
    /// The window, in seconds.
    pub window_secs: u64,
    /// Distinct ports of one destination that make a port scan.
    pub ports: usize,
    /// Distinct destinations on one port that make a sweep.
    pub hosts: usize,
    /// Ports whose sweeps are reported as worm activity.
    pub worm_ports: Vec<u16>,
}

impl Default for ScanPolicy {
    fn default() -> Self {
        ScanPolicy {
            enabled: true,
            action: ScanAction::Block,
            window_secs: 60,
            ports: 20,
            hosts: 20,
            worm_ports: vec![445, 139, 135],
        }
    }
}
