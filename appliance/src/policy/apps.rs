//! The applications the gateway can recognise (アプリケーション利用制限's
//! table): names, kinds and host patterns. Policy rules name them in
//! `applications:`; `inspect::app_control` identifies flows with them.

/// One application the gateway can recognise.
#[derive(Debug)]
pub struct App {
    pub name: &'static str,
    pub ja: &'static str,
    /// Its kind, for the log and the block page.
    pub kind: &'static str,
    /// Host (SNI) patterns, list-entry syntax.
    pub hosts: &'static [&'static str],
}

pub const APPS: &[App] = &[
    App {
        name: "YouTube",
        ja: "YouTube",
        kind: "video streaming",
        hosts: &[
            "youtube.com",
            "*.youtube.com",
            "*.googlevideo.com",
            "*.ytimg.com",
            "youtu.be",
        ],
    },
    App {
        name: "Niconico",
        ja: "ニコニコ動画",
        kind: "video streaming",
        hosts: &["nicovideo.jp", "*.nicovideo.jp", "*.nimg.jp"],
    },
    App {
        name: "Dropbox",
        ja: "Dropbox",
        kind: "file sharing",
        hosts: &["dropbox.com", "*.dropbox.com", "*.dropboxusercontent.com"],
    },
    App {
        name: "GigaFile",
        ja: "ギガファイル便",
        kind: "file transfer",
        hosts: &["gigafile.nu", "*.gigafile.nu"],
    },
    App {
        name: "BitTorrent",
        ja: "BitTorrent",
        kind: "peer-to-peer",
        // Trackers over HTTP are recognised by their announce request.
        hosts: &[],
    },
];

pub fn by_name(name: &str) -> Option<&'static App> {
    APPS.iter()
        .find(|a| a.name.eq_ignore_ascii_case(name.trim()))
}

pub fn names() -> Vec<&'static str> {
    APPS.iter().map(|a| a.name).collect()
}
