//! HTTP/1.x request headers, through `httparse`, with a tolerant fallback.
//!
//! Malware speaks broken HTTP: suricata-verify's `http-missing-protocol`
//! case sends `GET /gen.php?... \r\n` with no `HTTP/1.x`, and servers answer
//! it. `httparse` rightly refuses that line, so a request it rejects is read
//! again by a small line-based parser that accepts a missing version and
//! headers without a space after the colon. A C&C engine that only
//! understood well-formed requests would be trivially evaded.

/// A request header, as far as the engines need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent: `/path?query` or an absolute URL.
    pub target: String,
    /// `Host` header value, as sent (may carry a port).
    pub host: Option<String>,
    /// Minor version (`HTTP/1.x`), `None` when the line had none.
    pub version: Option<u8>,
    pub content_length: Option<usize>,
    pub chunked: bool,
    /// Read by the tolerant parser, not by `httparse`.
    pub tolerant: bool,
}

/// The outcome of looking at the start of a client stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parse {
    /// A whole request header of `header_len` bytes.
    Complete { request: Request, header_len: usize },
    /// Could be HTTP; more bytes needed.
    Partial,
    /// Not an HTTP request (TLS, SSH, anything else).
    NotHttp,
    /// Looks like HTTP but the header exceeds [`MAX_HEADER`].
    TooLong,
}

/// The largest request header the gateway waits for.
pub const MAX_HEADER: usize = 16 * 1024;

const MAX_HEADERS: usize = 64;
const MAX_METHOD: usize = 16;

/// Whether `buf` starts like an HTTP request line (`TOKEN SP`):
/// `Some(true)` yes, `Some(false)` no, `None` too short to tell.
pub fn looks_like_http(buf: &[u8]) -> Option<bool> {
    for (i, &b) in buf.iter().enumerate().take(MAX_METHOD + 1) {
        match b {
            b'A'..=b'Z' | b'-' | b'_' => {}
            b' ' => return Some(i > 0),
            _ => return Some(false),
        }
    }
    if buf.len() > MAX_METHOD {
        Some(false)
    } else {
        None
    }
}

/// Parses the request header at the start of `buf`.
pub fn parse_request(buf: &[u8]) -> Parse {
    match looks_like_http(buf) {
        None => return Parse::Partial,
        Some(false) => return Parse::NotHttp,
        Some(true) => {}
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(header_len)) => {
            let fields = req
                .headers
                .iter()
                .map(|h| (h.name, h.value))
                .collect::<Vec<_>>();
            let request = build(
                req.method.unwrap_or_default(),
                req.path.unwrap_or_default(),
                req.version,
                &fields,
                false,
            );
            Parse::Complete {
                request,
                header_len,
            }
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEADER => Parse::TooLong,
        Ok(httparse::Status::Partial) => Parse::Partial,
        Err(_) => tolerant(buf),
    }
}

/// The line-based fallback for requests `httparse` refuses.
fn tolerant(buf: &[u8]) -> Parse {
    let window = buf.get(..MAX_HEADER).unwrap_or(buf);
    let Some(header_len) = header_end(window) else {
        return if buf.len() >= MAX_HEADER {
            Parse::TooLong
        } else {
            Parse::Partial
        };
    };
    let head = String::from_utf8_lossy(window.get(..header_len).unwrap_or(window));
    let mut lines = head.lines();
    let Some(request_line) = lines.next() else {
        return Parse::NotHttp;
    };
    let mut parts = request_line.split_ascii_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Parse::NotHttp;
    };
    let version = parts
        .next()
        .and_then(|v| v.strip_prefix("HTTP/1."))
        .and_then(|minor| minor.parse::<u8>().ok());
    let fields = lines
        .take(MAX_HEADERS)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim().as_bytes()))
        .collect::<Vec<_>>();
    Parse::Complete {
        request: build(method, target, version, &fields, true),
        header_len,
    }
}

/// Index just past the blank line ending the header (`\r\n\r\n` or `\n\n`).
fn header_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(&b) = buf.get(i) {
        if b == b'\n' {
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some(i + 2),
                (Some(b'\r'), Some(b'\n')) => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn build(
    method: &str,
    target: &str,
    version: Option<u8>,
    fields: &[(&str, &[u8])],
    tolerant: bool,
) -> Request {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
    };
    Request {
        method: method.to_string(),
        target: target.to_string(),
        host: value("host").filter(|h| !h.is_empty()),
        version,
        content_length: value("content-length").and_then(|v| v.parse().ok()),
        chunked: value("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked")),
        tolerant,
    }
}

impl Request {
    /// The host the client asked for, without port, lowercased: the `Host`
    /// header, else the authority of an absolute target.
    pub fn host_name(&self) -> Option<String> {
        let authority = match &self.host {
            Some(h) => h.as_str(),
            None => absolute_authority(&self.target)?,
        };
        let name = strip_port(authority)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!name.is_empty()).then_some(name)
    }

    /// The URL as the console shows it: `http://host/path?query`. `fallback`
    /// names the server when the request does not (no Host, origin form).
    pub fn url(&self, fallback: &str) -> String {
        if absolute_authority(&self.target).is_some() {
            return self.target.clone();
        }
        let host = self
            .host
            .as_deref()
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| fallback.to_string());
        if self.target.starts_with('/') {
            format!("http://{host}{}", self.target)
        } else {
            // Asterisk or authority form: nothing path-like to show.
            format!("http://{host}/")
        }
    }
}

fn absolute_authority(target: &str) -> Option<&str> {
    let rest = target
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .and_then(|_| target.get(7..))?;
    Some(rest.split(['/', '?']).next().unwrap_or(rest))
}

fn strip_port(authority: &str) -> &str {
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn complete(buf: &[u8]) -> (Request, usize) {
        match parse_request(buf) {
            Parse::Complete {
                request,
                header_len,
            } => (request, header_len),
            other => panic!("expected a complete request, got {other:?}"),
        }
    }

    #[test]
    fn well_formed_request() {
        let buf = b"GET /account.asp?qu=cmd HTTP/1.1\r\nHost: XXXRZY8823L68ME.net\r\nUser-Agent: x\r\n\r\nrest";
        let (req, len) = complete(buf);
        assert_eq!(len, buf.len() - 4);
        assert_eq!(req.method, "GET");
        assert_eq!(req.version, Some(1));
        assert!(!req.tolerant);
        assert_eq!(req.host_name().as_deref(), Some("xxxrzy8823l68me.net"));
        assert_eq!(
            req.url("203.0.113.5"),
            "http://xxxrzy8823l68me.net/account.asp?qu=cmd"
        );
    }

    #[test]
    fn missing_protocol_is_read_tolerantly() {
        let buf =
            b"GET /gen.php?generate=1&hwid=2\r\nHost: 5.8.88.25\r\nConnection:keep-alive\r\n\r\n";
        let (req, len) = complete(buf);
        assert_eq!(len, buf.len());
        assert!(req.tolerant);
        assert_eq!(req.version, None);
        assert_eq!(req.host.as_deref(), Some("5.8.88.25"));
        assert_eq!(req.url("x"), "http://5.8.88.25/gen.php?generate=1&hwid=2");
    }

    #[test]
    fn partial_not_http_and_too_long() {
        assert_eq!(parse_request(b"GE"), Parse::Partial);
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\nHost: a"), Parse::Partial);
        assert_eq!(parse_request(b"GET /nover\r\nHost: a"), Parse::Partial);
        assert_eq!(parse_request(b"\x16\x03\x01\x02\x00"), Parse::NotHttp);
        assert_eq!(parse_request(b"SSH-2.0-OpenSSH"), Parse::NotHttp);
        let mut long = b"GET /".to_vec();
        long.resize(MAX_HEADER + 10, b'a');
        assert_eq!(parse_request(&long), Parse::TooLong);
    }

    #[test]
    fn absolute_form_and_ports() {
        let (req, _) = complete(b"GET http://Evil.example:8080/x?y HTTP/1.0\r\n\r\n");
        assert_eq!(req.host_name().as_deref(), Some("evil.example"));
        assert_eq!(req.url("z"), "http://Evil.example:8080/x?y");
        let (req, _) =
            complete(b"POST /p HTTP/1.1\r\nHost: a.example:81\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(req.host_name().as_deref(), Some("a.example"));
        assert_eq!(req.content_length, Some(5));
        let (req, _) = complete(b"GET /p HTTP/1.0\r\n\r\n");
        assert_eq!(req.url("203.0.113.5"), "http://203.0.113.5/p");
        assert_eq!(req.host_name(), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Parse::Complete { request, header_len } = parse_request(&bytes) {
                prop_assert!(header_len <= bytes.len());
                let _ = (request.host_name(), request.url("x"));
            }
        }

        #[test]
        fn never_panics_on_request_like_bytes(
            tail in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b':'), Just(b' '), any::<u8>()], 0..200)
        ) {
            let mut bytes = b"GET ".to_vec();
            bytes.extend_from_slice(&tail);
            if let Parse::Complete { request, header_len } = parse_request(&bytes) {
                prop_assert!(header_len <= bytes.len());
                let _ = (request.host_name(), request.url("x"));
            }
        }
    }
}

/// Methods a request line may start with, for finding the next request in a
/// stream that went off the rails.
const METHODS: [&[u8]; 9] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
    b"TRACE ",
];

/// The offset of the first line after the start of `bytes` that begins with
/// a request method, if any.
pub fn next_request_start(bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .find(|&start| {
            let rest = bytes.get(start..).unwrap_or(&[]);
            METHODS.iter().any(|m| rest.starts_with(m))
        })
}

#[cfg(test)]
mod resync_tests {
    use super::next_request_start;

    #[test]
    fn finds_a_request_behind_junk() {
        assert_eq!(next_request_start(b"[junk\nGET /x HTTP/1.1\r\n"), Some(6));
        assert_eq!(next_request_start(b"Host: a\r\nAccept: */*\r\n"), None);
        assert_eq!(next_request_start(b"GET / HTTP/1.1\r\n"), None);
    }
}
