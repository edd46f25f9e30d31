//! A file's true type, read from its bytes (and, for scripts, which are
//! plain text, from its extension): what file blocking by type and the
//! virtual analyzer's choice of what to analyse go by. A renamed file keeps
//! its true type (`invoice.pdf` that starts with `MZ` is an executable).

use appliance::inspect::anti_malware::archive::is_zip;
use appliance::inspect::anti_malware::heuristic::Features;
use appliance::inspect::anti_malware::office;
use std::io::{Cursor, Read};

/// The types a file-blocking rule can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileType {
    /// A program: PE (`MZ`), ELF or Mach-O.
    Executable,
    /// A script Windows runs by double-click (`.js`, `.vbs`, `.ps1`, `.bat`,
    /// `.hta`...).
    Script,
    /// An Office document with a VBA project (OLE `.doc`/`.xls` with
    /// macros, or OOXML with `vbaProject.bin`).
    OfficeMacro,
    /// A Windows shortcut.
    Shortcut,
    /// A OneNote notebook.
    OneNote,
    /// An archive: zip (not an OOXML document), rar, 7z, gzip.
    Archive,
    /// A PDF document.
    Pdf,
    /// Anything else (documents without macros, images, text).
    Other,
}

impl FileType {
    /// Every type, in declaration order.
    pub const ALL: [FileType; 8] = [
        FileType::Executable,
        FileType::Script,
        FileType::OfficeMacro,
        FileType::Shortcut,
        FileType::OneNote,
        FileType::Archive,
        FileType::Pdf,
        FileType::Other,
    ];

    /// The name scenarios and logs use.
    pub fn code(self) -> &'static str {
        match self {
            FileType::Executable => "executable",
            FileType::Script => "script",
            FileType::OfficeMacro => "office_macro",
            FileType::Shortcut => "shortcut",
            FileType::OneNote => "onenote",
            FileType::Archive => "archive",
            FileType::Pdf => "pdf",
            FileType::Other => "other",
        }
    }

    /// The type of a code, `None` for an unknown one.
    pub fn from_code(code: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Types the virtual analyzer takes when nothing else caught the file:
    /// what can run or carry what runs.
    pub fn is_active(self) -> bool {
        !matches!(self, FileType::Pdf | FileType::Other)
    }
}

/// Extensions of scripts the Windows shell runs by double-click.
const SCRIPT_EXTENSIONS: &[&str] = &[
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "bat", "cmd", "hta", "scr",
];

/// The lowered extension of a file name (after its last dot, if any).
pub fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (_, ext) = base.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_lowercase())
}

/// Whether the bytes start an executable image.
pub fn is_executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MZ")
        || bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
}

/// Whether the bytes start an archive format (zip, rar, 7z, gzip).
pub fn is_archive_bytes(bytes: &[u8]) -> bool {
    is_zip(bytes)
        || bytes.starts_with(b"Rar!\x1a\x07")
        || bytes.starts_with(b"7z\xbc\xaf\x27\x1c")
        || bytes.starts_with(&[0x1f, 0x8b])
}

/// Whether a zip is an OOXML document (it has `[Content_Types].xml`).
fn is_ooxml(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|z| z.file_names().flatten().any(|n| n == "[Content_Types].xml"))
}

/// The largest `vbaProject.bin` read out of an OOXML document.
const MAX_VBA: u64 = 8 * 1024 * 1024;

/// An OOXML document's VBA project, if it has one.
fn ooxml_vba(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let name = zip
        .file_names()
        .flatten()
        .find(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin"))?
        .into_owned();
    let entry = zip.by_name(&name).ok()?;
    let mut out = Vec::new();
    entry.take(MAX_VBA).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The VBA features of an Office document: macro project, auto-exec entry
/// points and suspicious calls (the gateway's readers, which the vendor's
/// engines share), `None` when it has no macros or is no Office file.
pub fn macro_features(bytes: &[u8]) -> Option<Features> {
    let mut features = Features::default();
    if office::is_ole(bytes) {
        office::ole_features(bytes, &mut features);
    } else if is_zip(bytes) {
        let vba = ooxml_vba(bytes)?;
        features.vba_project = true;
        office::ole_features(&vba, &mut features);
    }
    features.vba_project.then_some(features)
}

/// The true type of a file named `name` with these bytes.
pub fn detect(name: &str, bytes: &[u8]) -> FileType {
    if is_executable(bytes) {
        return FileType::Executable;
    }
    if office::is_lnk(bytes) {
        return FileType::Shortcut;
    }
    if office::is_onenote(bytes) {
        return FileType::OneNote;
    }
    if bytes.starts_with(b"%PDF-") {
        return FileType::Pdf;
    }
    if office::is_ole(bytes) {
        return match macro_features(bytes) {
            Some(_) => FileType::OfficeMacro,
            None => FileType::Other,
        };
    }
    if is_zip(bytes) && is_ooxml(bytes) {
        return match ooxml_vba(bytes) {
            Some(_) => FileType::OfficeMacro,
            None => FileType::Other,
        };
    }
    if is_archive_bytes(bytes) {
        return FileType::Archive;
    }
    match extension(name) {
        Some(ext) if SCRIPT_EXTENSIONS.contains(&ext.as_str()) => FileType::Script,
        _ => FileType::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            std::io::Write::write_all(&mut w, bytes).expect("write");
        }
        w.finish().expect("finish");
        out.into_inner()
    }

    #[test]
    fn true_types_come_from_the_bytes_not_the_name() {
        assert_eq!(detect("invoice.pdf", b"MZ\x90\x00"), FileType::Executable);
        assert_eq!(detect("report.pdf", b"%PDF-1.7\n"), FileType::Pdf);
        assert_eq!(detect("a.txt", b"hello"), FileType::Other);
        assert_eq!(detect("run.VBS", b"WScript.Echo 1"), FileType::Script);
        assert_eq!(
            detect("x.zip", &zip_of(&[("a.txt", b"hi")])),
            FileType::Archive
        );
        assert_eq!(
            detect(
                "plain.docx",
                &zip_of(&[
                    ("[Content_Types].xml", b"<Types/>"),
                    ("word/document.xml", b"<w/>")
                ])
            ),
            FileType::Other
        );
        assert_eq!(
            detect(
                "macro.docm",
                &zip_of(&[
                    ("[Content_Types].xml", b"<Types/>"),
                    ("word/vbaProject.bin", b"not a real project")
                ])
            ),
            FileType::OfficeMacro
        );
    }

    #[test]
    fn extensions_are_lowered_and_need_a_dot() {
        assert_eq!(extension("A/B/Setup.EXE").as_deref(), Some("exe"));
        assert_eq!(extension("README"), None);
        assert_eq!(extension("trailing."), None);
        assert_eq!(extension("C:\\x\\y.Scr").as_deref(), Some("scr"));
    }
}
