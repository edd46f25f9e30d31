//! Demo scripts: a seed incident told to an audience, moment by moment.
//!
//! A trainer runs `officetwin demo SCENARIO`; the twin replays the incident on
//! its virtual clock and, as each moment of the script comes true (the first
//! C&C callback is logged, the alert reaches the support desk, the PC is
//! unplugged...), its narration is told in the seed's words, in Japanese by
//! default or in English. Scripts live in `scenarios/demos/ID.yaml` beside the
//! scenario they tell; the loader is [`crate::load::demo_from_str`].

use appliance::{Engine, Instant};
use std::net::Ipv4Addr;
use std::time::Duration;

/// One scenario's demo script.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoScript {
    /// File stem, e.g. `winxp-cnc-beacon`.
    pub id: String,
    /// The scenario it tells.
    pub scenario: String,
    /// The demo runs unpaced up to here (the quiet night before an incident),
    /// then at the audience's pace.
    pub paced_from: Instant,
    pub title: Text,
    /// Told in order: a moment is only looked for once the one before it was told.
    pub moments: Vec<Moment>,
}

/// The same words in both languages of the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    /// The text in `lang` (`"en"`; anything else is Japanese, the default).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.ja }
    }
}

/// One moment of the story.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    pub when: Trigger,
    pub text: Text,
    /// The console page the audience should look at, e.g. `/logs`.
    pub show: Option<String>,
    /// What the support desk does in the console when the moment is told.
    pub act: Option<Act>,
}

/// An action the demo takes in the console, as the desk would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// Adds the entry to the security profile's allow list and deploys all
    /// (support case ②: 「URL許可リストに追加する設定変更を即座に実施」).
    AllowAndDeploy(String),
}

/// What makes a moment come true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The virtual clock reaches this time.
    At(Instant),
    /// The log store holds at least `count` events of `engine` (from `src_ip`,
    /// if given).
    Detection {
        engine: Engine,
        src_ip: Option<Ipv4Addr>,
        count: u64,
    },
    /// At least this many alert mails reached the support desk.
    Alert(usize),
    /// This long after the previous moment was told.
    After(Duration),
    /// The host has been unplugged.
    Isolated(String),
    /// An office host (`host`, or any) received the page at `url` (HTTP
    /// 200) since the previous moment was told.
    Loaded { host: Option<String>, url: String },
    /// The host is unplugged and nothing from it has reached the internet
    /// for this long.
    Quiet {
        host: String,
        ip: Ipv4Addr,
        quiet_for: Duration,
    },
}
