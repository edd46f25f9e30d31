//! The virtual analyzer (仮想アナライザ): the sandbox a suspicious file goes
//! to when the virus engines found nothing and no blocking rule took it.
//!
//! The twin's analyzer runs nothing. It opens the file layer by layer
//! (zip archives inside zip archives) and rates what it finds inside by
//! the traits seed 003's risk-level table names, each rule published here:
//!
//! | trait found | risk |
//! |---|---|
//! | a macro that runs on open (`AutoOpen`, `Document_Open`...) and calls out (`Shell`, `URLDownloadToFile`, `powershell`...): 「ドキュメントを介した実行可能ファイルのドロップまたはダウンロード」 | 高 |
//! | a shortcut or script that starts a script host or downloads | 高 |
//! | a OneNote notebook carrying a script | 高 |
//! | an executable without an Authenticode signature: 「署名されていない実行可能ファイル」 | 中 |
//! | a macro that runs on open without calling out: 「起動時のシステム設定…の変更」 | 中 |
//! | a shortcut, script or OneNote embedded file with none of the above | 中 |
//! | a macro that only runs when asked | 低 |
//! | nothing of the above | リスクなし |
//! | nothing of the above, but a part could not be opened: more than [`MAX_LAYERS`] compression layers (the seed's example), an encrypted entry, an archive format the analyzer does not open | 不明 |
//!
//! The worst trait decides. What is submitted at all: a file whose true
//! type can run or carry what runs ([`FileType::is_active`]), looked at
//! through every layer; an archive of only documents and pictures is not.
//!
//! A URL in a text or file that the vendor has not rated (no rating, or
//! the untested score 71) is opened in the sandbox ([`analyze_url`]):
//!
//! | what the sandbox got | risk |
//! |---|---|
//! | a page with a password field (an `<input>` named or typed `password`) on that unrated site: credential phishing | 高 |
//! | a file: rated as a file, by the table above | the file's |
//! | an ordinary page | リスクなし |
//! | nothing: no such site, or an error status | 不明 |

use super::file_type::{self, FileType};
use crate::app_security::RiskLevel;
use appliance::inspect::anti_malware::archive::is_zip;
use appliance::inspect::anti_malware::heuristic::Features;
use appliance::inspect::anti_malware::office;
use std::io::{Cursor, Read};

/// The most compression layers the analyzer opens (seed 003: 「20を超える
/// 圧縮レイヤがあったためにファイルを分析できなかった」 is 不明).
pub const MAX_LAYERS: usize = 20;
/// Entries read from one archive.
const MAX_ENTRIES: usize = 1_000;
/// Largest entry inflated.
const MAX_ENTRY: u64 = 32 * 1024 * 1024;
/// Bytes inflated for one file, every layer together: past it the rest is
/// not opened (a zip bomb is 不明, never unbounded work).
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// The analyzer's verdict on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    /// Whether the file was submitted at all (something inside can run,
    /// or could not be opened).
    pub submitted: bool,
    pub risk: RiskLevel,
    /// Why, in the analyzer's English: each trait with where it was found.
    pub traits: Vec<String>,
}

/// What a walk through the layers found.
#[derive(Default)]
struct Findings {
    /// (risk, trait) for each suspicious trait.
    traits: Vec<(RiskLevel, String)>,
    /// Why a part could not be analysed.
    unopened: Vec<String>,
    active: bool,
    /// Bytes inflated so far, all layers.
    inflated: u64,
}

/// How bad a level is: higher is worse; 不明 sits below 低, since it
/// showed no suspicious trait (seed: 「不審な特性を示しませんが」).
pub fn severity(risk: RiskLevel) -> u8 {
    match risk {
        RiskLevel::High => 4,
        RiskLevel::Medium => 3,
        RiskLevel::Low => 2,
        RiskLevel::Unknown => 1,
        RiskLevel::NoRisk => 0,
    }
}

/// Whether `risk` is `threshold` or worse (不明 is never at a threshold:
/// its policy is its own).
pub fn at_or_above(risk: RiskLevel, threshold: RiskLevel) -> bool {
    risk != RiskLevel::Unknown && severity(risk) >= severity(threshold)
}

/// Analyses one file.
pub fn analyze(name: &str, bytes: &[u8]) -> Analysis {
    let mut found = Findings::default();
    walk(name, bytes, 0, &mut found);
    let submitted = found.active || !found.unopened.is_empty();
    let worst = found
        .traits
        .iter()
        .map(|(r, _)| *r)
        .max_by_key(|r| severity(*r));
    let risk = match worst {
        Some(r) => r,
        None if !found.unopened.is_empty() => RiskLevel::Unknown,
        None => RiskLevel::NoRisk,
    };
    let mut traits: Vec<String> = found.traits.into_iter().map(|(_, t)| t).collect();
    traits.extend(found.unopened);
    Analysis {
        submitted,
        risk,
        traits,
    }
}

/// Analyses a URL by what the sandbox got when it opened it.
pub fn analyze_url(url: &str, visit: Option<&super::api::Visit>) -> Analysis {
    let Some(visit) = visit.filter(|v| v.status < 400) else {
        return Analysis {
            submitted: true,
            risk: RiskLevel::Unknown,
            traits: vec![format!("{url}: could not be opened, not analysed")],
        };
    };
    let is_page = visit
        .content_type
        .to_ascii_lowercase()
        .starts_with("text/html");
    if !is_page {
        let name = url
            .split(['?', '#'])
            .next()
            .and_then(|u| u.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .unwrap_or("download");
        let mut file = analyze(name, &visit.body);
        file.submitted = true;
        file.traits
            .iter_mut()
            .for_each(|t| *t = format!("{url} serves {t}"));
        return file;
    }
    let page = String::from_utf8_lossy(&visit.body).to_ascii_lowercase();
    // An input field named or typed as a password, in any quoting.
    let asks_password = page.split("<input").skip(1).any(|tag| {
        let tag = tag.split('>').next().unwrap_or("");
        tag.contains("password") || tag.contains("passwd")
    });
    if asks_password {
        return Analysis {
            submitted: true,
            risk: RiskLevel::High,
            traits: vec![format!(
                "{url}: an unrated site asking for a password (credential phishing)"
            )],
        };
    }
    Analysis {
        submitted: true,
        risk: RiskLevel::NoRisk,
        traits: Vec::new(),
    }
}

fn walk(path: &str, bytes: &[u8], layers: usize, found: &mut Findings) {
    let kind = file_type::detect(path, bytes);
    if kind == FileType::Archive {
        if !is_zip(bytes) {
            found.unopened.push(format!(
                "{path}: an archive format the analyzer does not open"
            ));
            return;
        }
        if layers >= MAX_LAYERS {
            found.unopened.push(format!(
                "{path}: more than {MAX_LAYERS} compression layers, not analysed"
            ));
            return;
        }
        walk_zip(path, bytes, layers + 1, found);
        return;
    }
    if kind.is_active() {
        found.active = true;
    }
    match kind {
        FileType::Executable => {
            if !authenticode_signed(bytes) {
                found
                    .traits
                    .push((RiskLevel::Medium, format!("{path}: unsigned executable")));
            }
        }
        FileType::OfficeMacro => {
            let features = file_type::macro_features(bytes).unwrap_or_default();
            found.traits.push(macro_trait(path, &features));
        }
        FileType::Script => {
            let mut features = Features::default();
            features.add_source(&String::from_utf8_lossy(bytes));
            found
                .traits
                .push(calls_out_trait(path, "script", &features));
        }
        FileType::Shortcut => {
            let mut features = Features::default();
            office::lnk_features(bytes, &mut features);
            let risk =
                if features.lnk_script_host.is_some() || !features.suspicious_calls.is_empty() {
                    RiskLevel::High
                } else {
                    RiskLevel::Medium
                };
            found
                .traits
                .push((risk, format!("{path}: shortcut{}", describe(&features))));
        }
        FileType::OneNote => {
            for (i, embedded) in office::onenote_embedded(bytes).into_iter().enumerate() {
                let inner = format!("{path}/embedded-{i}");
                let script = file_type::detect(&inner, embedded) == FileType::Script
                    || appliance::inspect::anti_malware::heuristic::looks_like_script(embedded);
                let risk = if script {
                    RiskLevel::High
                } else {
                    RiskLevel::Medium
                };
                found.traits.push((
                    risk,
                    format!(
                        "{inner}: file embedded in a notebook{}",
                        if script { " (a script)" } else { "" }
                    ),
                ));
            }
        }
        FileType::Archive | FileType::Pdf | FileType::Other => {}
    }
}

fn walk_zip(path: &str, bytes: &[u8], layers: usize, found: &mut Findings) {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            found
                .unopened
                .push(format!("{path}: unreadable archive ({e})"));
            return;
        }
    };
    for index in 0..archive.len().min(MAX_ENTRIES) {
        let Ok(entry) = archive.by_index_raw(index) else {
            found
                .unopened
                .push(format!("{path}: entry {index} unreadable"));
            continue;
        };
        let entry_name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry-{index}"));
        let inner = format!("{path}/{entry_name}");
        if entry.is_dir() {
            continue;
        }
        if entry.encrypted() {
            found
                .unopened
                .push(format!("{inner}: encrypted, not analysed"));
            continue;
        }
        drop(entry);
        let room = MAX_INFLATED.saturating_sub(found.inflated);
        if room == 0 {
            found.unopened.push(format!(
                "{path}: more than {} MiB inflated, the rest not analysed",
                MAX_INFLATED >> 20
            ));
            return;
        }
        let Ok(entry) = archive.by_index(index) else {
            found.unopened.push(format!("{inner}: unreadable"));
            continue;
        };
        let mut data = Vec::new();
        if entry
            .take(MAX_ENTRY.min(room))
            .read_to_end(&mut data)
            .is_err()
        {
            found
                .unopened
                .push(format!("{inner}: could not be inflated"));
            continue;
        }
        found.inflated += data.len() as u64;
        walk(&inner, &data, layers, found);
    }
    if archive.len() > MAX_ENTRIES {
        found.unopened.push(format!(
            "{path}: {} entries, only the first {MAX_ENTRIES} analysed",
            archive.len()
        ));
    }
}

/// A macro's trait: runs on open and calls out (高), runs on open (中), or
/// runs only when asked (低).
fn macro_trait(path: &str, features: &Features) -> (RiskLevel, String) {
    let risk = match (&features.auto_exec, features.suspicious_calls.is_empty()) {
        (Some(_), false) => RiskLevel::High,
        (Some(_), true) => RiskLevel::Medium,
        (None, _) => RiskLevel::Low,
    };
    (
        risk,
        format!("{path}: document macro{}", describe(features)),
    )
}

/// A script's trait: it calls out (高) or not (中).
fn calls_out_trait(path: &str, what: &str, features: &Features) -> (RiskLevel, String) {
    let risk = if features.suspicious_calls.is_empty() {
        RiskLevel::Medium
    } else {
        RiskLevel::High
    };
    (risk, format!("{path}: {what}{}", describe(features)))
}

/// The features in the log's words: `, runs on open (AutoOpen), calls Shell(`.
fn describe(features: &Features) -> String {
    let mut out = String::new();
    if let Some(entry) = &features.auto_exec {
        out.push_str(&format!(", runs on open ({entry})"));
    }
    if let Some(host) = &features.lnk_script_host {
        out.push_str(&format!(", starts {host}"));
    }
    if !features.suspicious_calls.is_empty() {
        out.push_str(&format!(", calls {}", features.suspicious_calls.join(", ")));
    }
    out
}

/// Whether a PE image carries an Authenticode signature: its certificate
/// table (data directory 4) is present. Anything that does not parse as
/// PE counts as unsigned.
fn authenticode_signed(bytes: &[u8]) -> bool {
    let read_u32 = |at: usize| -> Option<u32> {
        let b = bytes.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let read_u16 = |at: usize| -> Option<u16> {
        let b = bytes.get(at..at.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    };
    let signed = || -> Option<bool> {
        let pe = usize::try_from(read_u32(0x3c)?).ok()?;
        if bytes.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
            return Some(false);
        }
        let optional = pe.checked_add(24)?;
        let directories = match read_u16(optional)? {
            0x10b => optional.checked_add(96)?,
            0x20b => optional.checked_add(112)?,
            _ => return Some(false),
        };
        let certificate = directories.checked_add(4 * 8)?;
        Some(read_u32(certificate.checked_add(4)?)? > 0)
    };
    signed().unwrap_or(false)
}

#[cfg(test)]
mod tests;
