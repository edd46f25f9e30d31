//! Beacon scoring settings (`inspect::beacon`): threshold, window, benign names.

use serde::Deserialize;
use serde::de::{self, Deserializer};

/// Check-ins kept per pair at most (a 5-minute beacon's day is 288; faster
/// beacons are scored over their last 256); `min_connections` cannot ask
/// for more.
pub const MAX_CHECK_INS: usize = 256;

/// A score in [0, 1], kept in thousandths so the config stays `Eq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(pub u16);

impl Score {
    pub fn from_f64(x: f64) -> Score {
        Score((x.clamp(0.0, 1.0) * 1000.0).round() as u16)
    }
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3}", self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Score, D::Error> {
        let x = f64::deserialize(d)?;
        if !(0.0..=1.0).contains(&x) {
            return Err(de::Error::custom(format!(
                "a score is between 0 and 1, not {x}"
            )));
        }
        Ok(Score::from_f64(x))
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BeaconAction {
    /// Reset the pair's later connections.
    Block,
    /// Log only.
    Monitor,
}

/// Beacon scoring settings (the formula and where each default comes from:
/// `inspect::beacon`'s module doc).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct BeaconPolicy {
    pub enabled: bool,
    pub action: BeaconAction,
    /// The score a pair must reach (0.80).
    pub threshold: Score,
    /// The sliding window a pair is scored over (24 h, RITA's day).
    pub window_secs: u64,
    /// Check-ins (connection starts more than 5 s apart) a pair needs in the
    /// window before it is scored (16).
    pub min_connections: usize,
    /// The timing score a flagged pair needs on its own (0.80).
    pub min_timing: Score,
    /// A pair whose median reply per check-in is at least this many bytes is
    /// serving content (a page, update metadata), not tasking (4096).
    pub content_bytes: u32,
    /// Name suffixes never scored (well-known periodic services).
    pub benign_domains: Vec<String>,
}

impl Default for BeaconPolicy {
    fn default() -> Self {
        BeaconPolicy {
            enabled: true,
            action: BeaconAction::Monitor,
            threshold: Score(800),
            window_secs: 24 * 3600,
            min_connections: 16,
            min_timing: Score(800),
            content_bytes: 4096,
            benign_domains: [
                "windowsupdate.com",
                "update.microsoft.com",
                "delivery.mp.microsoft.com",
                "swscan.apple.com",
                "update.example",
                "trendmicro.com",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}
