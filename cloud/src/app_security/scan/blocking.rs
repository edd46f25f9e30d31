//! File blocking (ファイルのブロック): whether a file matches one of the
//! administrator's rules, by true type, extension, name, or a suspicious
//! URL in its content (seed 003: 「ファイルタイプ、ファイル名、ファイル拡張子、
//! または不審URLを含むファイルコンテンツに基づいてブロック」).
//!
//! A suspicious URL here is one a document should not carry: an IP
//! address for a host, or a path ending in a program or script (a
//! download of what runs). Rated URLs are web reputation's, not this.

use super::file_type::{self, FileType};
use super::policy::{FileBlocking, name_matches};
use appliance::inspect::mail_links::split_url;
use appliance::proto::mime::extract_urls;
use std::net::Ipv4Addr;

/// Extensions of what runs, at the end of a URL's path.
const RUNNABLE: &[&str] = &[
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "hta", "ps1",
    "msi", "dll", "cpl", "jar", "lnk",
];

/// The rule a file matched, in the log's words, if any.
pub fn matched_rule(rules: &FileBlocking, name: &str, bytes: &[u8], text: &str) -> Option<String> {
    let kind = file_type::detect(name, bytes);
    if rules.types.contains(&kind) && kind != FileType::Other {
        return Some(format!("true file type {}", kind.code()));
    }
    if let Some(ext) = file_type::extension(name)
        && rules.extensions.contains(&ext)
    {
        return Some(format!("extension .{ext}"));
    }
    if let Some(pattern) = rules.names.iter().find(|p| name_matches(p, name)) {
        return Some(format!("name matches \"{pattern}\""));
    }
    if rules.suspicious_urls
        && let Some(url) = suspicious_url(text)
    {
        return Some(format!("content links to {url}"));
    }
    None
}

/// The first suspicious URL of a text.
pub fn suspicious_url(text: &str) -> Option<String> {
    let mut urls = Vec::new();
    extract_urls(text, &mut urls);
    urls.into_iter().find(|url| {
        let Some((host, path)) = split_url(url) else {
            return false;
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let runnable =
            file_type::extension(path).is_some_and(|ext| RUNNABLE.contains(&ext.as_str()));
        host.parse::<Ipv4Addr>().is_ok() || runnable
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_security::Action;

    fn rules() -> FileBlocking {
        FileBlocking {
            types: vec![FileType::OfficeMacro, FileType::Executable],
            extensions: vec!["scr".into()],
            names: vec!["*請求書*.zip".into()],
            suspicious_urls: true,
            action: Action::Quarantined,
        }
    }

    #[test]
    fn each_kind_of_rule_names_itself() {
        let r = rules();
        assert_eq!(
            matched_rule(&r, "report.pdf", b"MZ\x90\x00", "").as_deref(),
            Some("true file type executable")
        );
        assert_eq!(
            matched_rule(&r, "Photo.SCR", b"text", "").as_deref(),
            Some("extension .scr")
        );
        assert_eq!(
            matched_rule(&r, "box/12月請求書.zip", b"PK\x05\x06", "").as_deref(),
            Some("name matches \"*請求書*.zip\"")
        );
        assert_eq!(
            matched_rule(&r, "memo.txt", b"x", "see http://203.0.113.9/a for it").as_deref(),
            Some("content links to http://203.0.113.9/a")
        );
        assert_eq!(
            matched_rule(&r, "memo.txt", b"x", "get https://cdn.example/tool.EXE?x=1").as_deref(),
            Some("content links to https://cdn.example/tool.EXE?x=1")
        );
        assert_eq!(
            matched_rule(&r, "memo.txt", b"x", "https://www.example.jp/about"),
            None
        );
    }
}
