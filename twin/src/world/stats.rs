//! The counters of a run: frames and bytes per link, events, mail, steps.

use std::time::Duration;

/// Counters of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorldStats {
    /// Frames put on the lan link (both directions).
    pub frames_lan: u64,
    /// Frames put on the wan link (both directions).
    pub frames_wan: u64,
    pub bytes_lan: u64,
    pub bytes_wan: u64,
    /// Frames an unplugged host sent or should have received.
    pub frames_lost_unplugged: u64,
    /// Gateway events so far (drained or not).
    pub events: u64,
    pub alerts: u64,
    /// Events the gateway produced while offline, which reached no one.
    pub unreported: u64,
    pub mails_delivered: u64,
    pub mails_bounced: u64,
    /// HTTP exchanges finished, all hosts.
    pub exchanges: u64,
    /// Agenda entries processed.
    pub steps: u64,
    /// Times a node asked to be polled again at the instant it had just been
    /// polled at; it is then polled [`super::STALL_BACKOFF`] later so the clock
    /// keeps moving. Always zero unless a stack or engine has a bug.
    pub stalls: u64,
    /// Virtual time since the scenario start.
    pub simulated: Duration,
}
