//! The agent's file scanning: the vendor's pattern as of a moment (a file
//! matched by its SHA-256 or a byte signature), and the machine-learning
//! scan on write, a documented score over what a file is and is named.
//!
//! This is the agent's own engine, not the gateway's: the twin plays a
//! different product on the PC and never asks the gateway's code what a
//! file is.

use crate::model::endpoint::{PatternRelease, Signature, ThreatSpec};
use appliance::Instant;
use std::collections::HashMap;

/// The vendor's pattern releases, oldest first, with their digests
/// indexed: a file costs one SHA-256 and one lookup, however many entries
/// the releases hold, plus a search per byte signature.
#[derive(Clone, Debug, Default)]
pub struct Patterns {
    releases: Vec<PatternRelease>,
    /// Each digest's first entry: (release, entry).
    digests: HashMap<[u8; 32], (usize, usize)>,
    /// The byte signatures: (release, entry), oldest first.
    strings: Vec<(usize, usize)>,
}

impl Patterns {
    pub fn new(releases: Vec<PatternRelease>) -> Patterns {
        let mut digests = HashMap::new();
        let mut strings = Vec::new();
        for (r, release) in releases.iter().enumerate() {
            for (t, threat) in release.threats.iter().enumerate() {
                match &threat.signature {
                    Signature::Sha256(d) => {
                        digests.entry(*d).or_insert((r, t));
                    }
                    Signature::Contains(_) => strings.push((r, t)),
                }
            }
        }
        Patterns {
            releases,
            digests,
            strings,
        }
    }

    /// The index of the newest release out by `cutoff`, if any.
    pub fn newest_by(&self, cutoff: Instant) -> Option<usize> {
        self.releases.iter().rposition(|r| r.released <= cutoff)
    }

    pub fn release(&self, index: usize) -> Option<&PatternRelease> {
        self.releases.get(index)
    }

    /// The oldest entry of releases `0..=upto` that recognises `bytes`,
    /// with the version that added it.
    /// `digest` is the file's SHA-256 (an agent computes it once per file:
    /// its scan cache).
    pub fn find(
        &self,
        upto: usize,
        bytes: &[u8],
        digest: &[u8; 32],
    ) -> Option<(&ThreatSpec, &str)> {
        let by_digest = self
            .digests
            .get(digest)
            .copied()
            .filter(|&(r, _)| r <= upto);
        let by_string = self.strings.iter().copied().find(|&(r, t)| {
            r <= upto
                && matches!(&self.releases[r].threats[t].signature,
                    Signature::Contains(needle) if contains(bytes, needle))
        });
        let (r, t) = match (by_digest, by_string) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        let release = &self.releases[r];
        Some((&release.threats[t], &release.version))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// At or above this score the machine-learning scan quarantines a file.
pub const ML_THRESHOLD: u32 = 70;

/// What the machine-learning scan makes of a file: its score (0-100) and
/// the features that gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlScore {
    pub score: u32,
    pub features: Vec<&'static str>,
}

/// Extensions that run when opened.
const RUNNABLE: &[&str] = &["exe", "scr", "com", "pif", "bat", "cmd", "js", "vbs", "lnk"];
/// Extensions of documents a person expects to open.
const DOCUMENT: &[&str] = &["pdf", "doc", "docx", "xls", "xlsx", "txt", "jpg", "png"];

/// Scores a file written at `path`. The scan reads what can run: an
/// executable (`MZ`), a shortcut, or a file named with a runnable
/// extension; anything else (documents, archives) scores 0 and is the
/// pattern's. The features and weights are the model, in the open: an
/// executable 30; a runnable extension behind a document's
/// (`請求書.pdf.exe`) 50; a shortcut that starts a command shell or
/// PowerShell 80; naming the tool that deletes shadow copies 40. Sum capped
/// at 100.
pub fn ml_score(path: &str, bytes: &[u8]) -> MlScore {
    const LNK: &[u8] = &[0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0];
    let mut score = 0u32;
    let mut features = Vec::new();
    let name = path
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let mut parts = name.rsplit('.');
    let last = parts.next().unwrap_or("");
    let before = parts.next();
    let runnable = name.contains('.') && RUNNABLE.contains(&last);
    let (exe, lnk) = (bytes.starts_with(b"MZ"), bytes.starts_with(LNK));
    if !(exe || lnk || runnable) {
        return MlScore { score, features };
    }
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    if exe {
        score += 30;
        features.push("Windows executable");
    }
    if runnable && before.is_some_and(|b| DOCUMENT.contains(&b)) && name.matches('.').count() >= 2 {
        score += 50;
        features.push("runnable behind a document's extension");
    }
    if lnk && (has_text(&lower, "cmd") || has_text(&lower, "powershell")) {
        score += 80;
        features.push("shortcut starting a command shell");
    }
    if has_text(&lower, "vssadmin") {
        score += 40;
        features.push("names the shadow-copy tool");
    }
    MlScore {
        score: score.min(100),
        features,
    }
}

/// `word` (lower case) in ASCII or UTF-16LE in `lower` (a file in lower
/// case).
fn has_text(lower: &[u8], word: &str) -> bool {
    let ascii = word.as_bytes();
    let wide: Vec<u8> = ascii.iter().flat_map(|&b| [b, 0]).collect();
    contains(lower, ascii) || contains(lower, &wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn digest(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }
    use crate::model::endpoint::ThreatKind;

    fn release(version: &str, at: i64, threats: Vec<ThreatSpec>) -> PatternRelease {
        PatternRelease {
            version: version.to_string(),
            released: Instant::from_secs(at),
            threats,
        }
    }

    fn threat(name: &str, signature: Signature) -> ThreatSpec {
        ThreatSpec {
            name: name.to_string(),
            kind: ThreatKind::Malware,
            signature,
            cleanable: false,
        }
    }

    #[test]
    fn a_pattern_knows_only_what_was_released_by_its_version() {
        let file = b"officetwin test program".to_vec();
        let patterns = Patterns::new(vec![
            release(
                "1.0",
                100,
                vec![threat("OLD", Signature::Contains(b"nothing-here".to_vec()))],
            ),
            release(
                "1.1",
                200,
                vec![threat(
                    "NEW",
                    Signature::Sha256(Sha256::digest(&file).into()),
                )],
            ),
        ]);
        assert_eq!(patterns.newest_by(Instant::from_secs(99)), None);
        assert_eq!(patterns.newest_by(Instant::from_secs(150)), Some(0));
        assert_eq!(patterns.newest_by(Instant::from_secs(200)), Some(1));
        assert!(patterns.find(0, &file, &digest(&file)).is_none());
        let (hit, version) = patterns
            .find(1, &file, &digest(&file))
            .expect("known in 1.1");
        assert_eq!((hit.name.as_str(), version), ("NEW", "1.1"));
    }

    #[test]
    fn byte_signatures_match_anywhere() {
        let patterns = Patterns::new(vec![release(
            "1",
            0,
            vec![threat(
                "EICAR",
                Signature::Contains(b"EICAR-STANDARD".to_vec()),
            )],
        )]);
        let (hit, miss) = (b"xxEICAR-STANDARDxx", b"EICAR-STANDAR");
        assert!(patterns.find(0, hit, &digest(hit)).is_some());
        assert!(patterns.find(0, miss, &digest(miss)).is_none());
    }

    #[test]
    fn the_machine_learning_scan_scores_by_its_published_features() {
        let exe = b"MZ\x90\x00officetwin".to_vec();
        assert_eq!(ml_score("C:\\a.exe", &exe).score, 30);
        assert_eq!(ml_score("E:\\請求書.pdf.exe", &exe).score, 80);
        assert!(ml_score("E:\\請求書.pdf.exe", &exe).score >= ML_THRESHOLD);
        assert_eq!(ml_score("E:\\report.pdf", b"%PDF-1.4").score, 0);
        // A document naming the tool is not read: documents are the pattern's.
        assert_eq!(
            ml_score("E:\\notes.txt", b"vssadmin delete shadows").score,
            0
        );
        assert_eq!(ml_score("E:\\x.bat", b"vssadmin delete shadows").score, 40);
        let mut lnk = vec![0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0];
        lnk.extend(
            "C:\\Windows\\System32\\CMD.exe"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(ml_score("INV.lnk", &lnk).score, 80);
    }
}
