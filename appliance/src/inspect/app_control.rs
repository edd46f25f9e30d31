//! Application control (アプリケーション利用制限): which application a flow
//! belongs to, by host/SNI pattern or by the protocol's own first bytes.
//!
//! The table is a handful of applications the seeds' offices meet (a video
//! service, file sharing, BitTorrent); policy rules name them in
//! `applications:` and decide block / monitor / allow like categories.

use crate::hash::HostKeys;
use crate::policy::{Entry, Subject, UrlList};

pub use crate::policy::apps::{APPS, App, by_name, names};
use std::sync::OnceLock;

/// The BitTorrent peer handshake: length 19, then the protocol name.
const BITTORRENT_HANDSHAKE: &[u8] = b"\x13BitTorrent protocol";

struct Index {
    list: UrlList,
    /// Entry text -> application.
    owner: Vec<(String, &'static App)>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut entries = Vec::new();
        let mut owner = Vec::new();
        for app in APPS {
            for h in app.hosts {
                if let Ok(e) = Entry::parse(h) {
                    owner.push((e.text.clone(), app));
                    entries.push(e);
                }
            }
        }
        Index {
            list: UrlList::new(entries),
            owner,
        }
    })
}

/// The application a web request (or TLS SNI, `path` = `None`) belongs to.
pub fn identify(host: &str, path: Option<&str>) -> Option<&'static App> {
    let keys = HostKeys::new(host);
    identify_in(&Subject::new(&keys, path), path)
}

/// [`identify`] with the request prepared once for every list; `path` is
/// the request's (`None` for TLS).
pub fn identify_in(subject: &Subject, path: Option<&str>) -> Option<&'static App> {
    if let Some(p) = path
        && p.starts_with("/announce?")
        && p.contains("info_hash=")
    {
        return by_name("BitTorrent");
    }
    let idx = index();
    let hit = idx.list.find_in(subject)?;
    idx.owner
        .iter()
        .find(|(text, _)| *text == hit.text)
        .map(|(_, app)| *app)
}

/// What the first client bytes of a non-HTTP, non-TLS flow say.
pub enum StreamId {
    /// Not enough bytes yet to tell.
    NeedMore,
    App(&'static App),
    Unknown,
}

pub fn identify_stream(first: &[u8]) -> StreamId {
    let n = first.len().min(BITTORRENT_HANDSHAKE.len());
    if first.get(..n) != BITTORRENT_HANDSHAKE.get(..n) {
        return StreamId::Unknown;
    }
    if n < BITTORRENT_HANDSHAKE.len() {
        return StreamId::NeedMore;
    }
    by_name("BitTorrent").map_or(StreamId::Unknown, StreamId::App)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_trackers_and_handshakes() {
        assert_eq!(
            identify("www.youtube.com", None).map(|a| a.name),
            Some("YouTube")
        );
        assert_eq!(
            identify("r3---sn-abc.googlevideo.com", Some("/videoplayback")).map(|a| a.name),
            Some("YouTube")
        );
        assert_eq!(
            identify("dl.dropboxusercontent.com", None).map(|a| a.name),
            Some("Dropbox")
        );
        assert_eq!(
            identify(
                "tracker.example",
                Some("/announce?info_hash=%12%34&port=6881")
            )
            .map(|a| a.name),
            Some("BitTorrent")
        );
        assert!(identify("www.print-shop.example", Some("/")).is_none());
        assert!(matches!(
            identify_stream(b"\x13BitTorrent protocol\0\0"),
            StreamId::App(_)
        ));
        assert!(matches!(identify_stream(b"\x13BitTor"), StreamId::NeedMore));
        assert!(matches!(
            identify_stream(b"SSH-2.0-OpenSSH"),
            StreamId::Unknown
        ));
        assert!(by_name("bittorrent").is_some());
    }
}
