//! What a PC's programs write to its disk on their own: the files a browser
//! saves (its cache) and the attachments a mail program stores, named as
//! Windows would store them.

/// Where the browser keeps what it saved, and the mail program the
/// attachments it opened (Windows' own folders).
pub const BROWSER_CACHE_DIR: &str = r"C:\Users\staff\AppData\Local\Microsoft\Windows\INetCache\IE";
pub const MAIL_CACHE_DIR: &str =
    r"C:\Users\staff\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook";

/// The file name a browser saves `url`'s response under, if it is a file
/// and not a page.
pub fn saved_name(url: &str) -> Option<String> {
    const PAGES: &[&str] = &["html", "htm", "asp", "aspx", "php", "jsp", "cgi"];
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let after_host = path.splitn(4, '/').nth(3)?;
    let name = after_host.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty() && !PAGES.contains(&ext.to_ascii_lowercase().as_str()))
        .then(|| safe_name(name))
}

/// A name as Windows would store it: no folders, no characters it refuses.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if "\\/:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "attachment".to_string()
    } else {
        cleaned
    }
}

/// Each attachment of a raw message: its name and decoded bytes.
pub fn attachments(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    use mail_parser::MimeHeaders;
    let Some(message) = mail_parser::MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    message
        .attachments()
        .map(|part| {
            let name = part
                .attachment_name()
                .map_or_else(|| "attachment".to_string(), safe_name);
            (name, part.contents().to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_saves_files_not_pages() {
        assert_eq!(
            saved_name("http://a.example/up/header.jpg").as_deref(),
            Some("header.jpg")
        );
        assert_eq!(
            saved_name("http://a.example/x/inv.exe?x=1").as_deref(),
            Some("inv.exe")
        );
        for page in [
            "http://a.example/",
            "http://a.example/index.html",
            "http://a.example/login.asp",
            "http://a.example/path/noext",
            "http://a.example",
        ] {
            assert_eq!(saved_name(page), None, "{page}");
        }
    }

    #[test]
    fn names_lose_what_windows_refuses() {
        assert_eq!(safe_name("..\\..\\evil.exe"), ".._.._evil.exe");
        assert_eq!(safe_name("a:b*c?.doc"), "a_b_c_.doc");
        assert_eq!(safe_name(".."), "attachment");
        assert_eq!(safe_name("請求書.doc"), "請求書.doc");
    }

    #[test]
    fn attachments_are_decoded() {
        let raw = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"t.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nb2ZmaWNldHdpbg==\r\n--B--\r\n";
        let found = attachments(raw);
        assert_eq!(found, vec![("t.bin".to_string(), b"officetwin".to_vec())]);
    }
}
