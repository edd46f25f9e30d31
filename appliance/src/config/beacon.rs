//! Beacon scoring settings (`inspect::beacon`): threshold, window, benign names.

use serde::Deserialize;
use serde::de::{self, Deserializer};

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

/// Beacon scoring settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct BeaconPolicy {
    pub enabled: bool,
    pub action: BeaconAction,
    pub threshold: Score,
    pub window_secs: u64,
    pub min_connections: usize,
    /// The timing score a flagged pair needs on its own.
    pub min_timing: Score,
    /// Connections per window that give the full count score.
    pub full_count: usize,
    /// Name suffixes never scored (well-known periodic services).
    pub benign_domains: Vec<String>,
}

impl Default for BeaconPolicy {
    fn default() -> Self {
        BeaconPolicy {
            enabled: true,
            action: BeaconAction::Monitor,
            threshold: Score(800),
            window_secs: 3600,
            min_connections: 20,
            min_timing: Score(700),
            full_count: 60,
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
