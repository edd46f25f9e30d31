//! Settings of the packet-level stage itself (`inspect::network`): the flow table and the C&C callback-host rule.

use serde::Deserialize;

/// Most flows tracked at once; beyond it the flow nearest expiry is evicted.
pub const MAX_FLOWS: usize = 16_384;

/// What to do with new flows when the flow table is full.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Pass them uninspected (the office stays online).
    FailOpen,
    /// Drop them (nothing passes uninspected).
    FailClosed,
}

/// The flow table's size and overflow rule.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct FlowTablePolicy {
    pub max_flows: usize,
    pub when_full: Overflow,
}

impl Default for FlowTablePolicy {
    fn default() -> Self {
        FlowTablePolicy {
            max_flows: MAX_FLOWS,
            when_full: Overflow::FailOpen,
        }
    }
}

/// The C&C callback-host rule.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CallbackHostPolicy {
    pub enabled: bool,
    /// More than this many C&C events...
    pub max_events: usize,
    /// ...within this many seconds flag the host.
    pub window_secs: u64,
}

impl Default for CallbackHostPolicy {
    fn default() -> Self {
        CallbackHostPolicy {
            enabled: true,
            max_events: 50,
            window_secs: 3600,
        }
    }
}
