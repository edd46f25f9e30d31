//! Just enough HTTP/1.1 for the twin: URLs as the actors write them, the
//! request a browser (or a beacon) sends, the response a site sends back, and
//! reading a response that may have been forged by the gateway.

use appliance::Instant;
use chrono::{TimeZone, Utc};
use std::fmt::Write as _;

/// An `http://` or `https://` URL split for a client, or a
/// `bittorrent://PEER:PORT/` address (a BitTorrent client's connection to
/// a peer: the peer wire handshake instead of an HTTP request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    /// Lower-case host name or IPv4 literal.
    pub host: String,
    pub port: u16,
    /// Path and query, e.g. `/account.asp?qu=cmd`.
    pub target: String,
    /// `https://`: the request goes inside TLS (see `crate::tls`).
    pub tls: bool,
    /// `bittorrent://`: the client sends the BitTorrent handshake.
    pub peer: bool,
}

/// The port a `bittorrent://` URL without one connects to (the clients'
/// historical default).
pub const BITTORRENT_PORT: u16 = 6881;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("only http://, https:// and bittorrent:// URLs are simulated: {0}")]
    Scheme(String),
    #[error("URL without a host: {0}")]
    NoHost(String),
    #[error("bad port in URL: {0}")]
    Port(String),
}

impl HttpUrl {
    pub fn parse(url: &str) -> Result<HttpUrl, UrlError> {
        const PEER: &str = "bittorrent://";
        let peer = url
            .get(..PEER.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(PEER));
        let (rest, tls) = match (url.get(..7), url.get(..8)) {
            _ if peer => (&url[PEER.len()..], false),
            (Some(s), _) if s.eq_ignore_ascii_case("http://") => (&url[7..], false),
            (_, Some(s)) if s.eq_ignore_ascii_case("https://") => (&url[8..], true),
            _ => return Err(UrlError::Scheme(url.to_string())),
        };
        let rest = rest.split('#').next().unwrap_or("");
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        // Credentials in URLs are never used by the actors; ignore them.
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .ok()
                    .filter(|&p| p != 0)
                    .ok_or_else(|| UrlError::Port(url.to_string()))?,
            ),
            None if peer => (authority, BITTORRENT_PORT),
            None => (authority, if tls { 443 } else { 80 }),
        };
        if host.is_empty() {
            return Err(UrlError::NoHost(url.to_string()));
        }
        Ok(HttpUrl {
            host: host.to_ascii_lowercase(),
            port,
            target,
            tls,
            peer,
        })
    }

    /// The `Host` header value.
    pub fn host_header(&self) -> String {
        if self.port == if self.tls { 443 } else { 80 } {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A GET request as a browser of the host's era would send it.
pub fn get_request(url: &HttpUrl, user_agent: &str) -> Vec<u8> {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.target,
        url.host_header(),
        user_agent
    )
    .into_bytes()
}

/// The User-Agent a host's browser sends, by OS label.
pub fn user_agent(os: &str) -> &'static str {
    let os = os.to_ascii_lowercase();
    if os.contains("xp") {
        "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)"
    } else if os.contains("vista") {
        "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)"
    } else if os.contains('7') {
        "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko"
    } else if os.contains("8.1") {
        "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko"
    } else if os.contains("mac") {
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_6) AppleWebKit/603.3.8 (KHTML, like Gecko) Version/10.1.2 Safari/603.3.8"
    } else {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/61.0.3163.100 Safari/537.36"
    }
}

/// A parsed request head (the server side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
}

/// A request that is not HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MalformedRequest;

/// Parses a request head; `Ok(None)` while incomplete, `Err` if malformed.
pub fn parse_request(buf: &[u8]) -> Result<Option<RequestHead>, MalformedRequest> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(_)) => {
            let host = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("host"))
                .and_then(|h| std::str::from_utf8(h.value).ok())
                .map(|h| {
                    let h = h.trim();
                    let h = h.rsplit_once(':').map_or(h, |(name, _)| name);
                    h.to_ascii_lowercase()
                });
            Ok(Some(RequestHead {
                method: req.method.unwrap_or("").to_string(),
                target: req.path.unwrap_or("/").to_string(),
                host,
            }))
        }
        Err(_) => Err(MalformedRequest),
    }
}

/// `Date:` header format (RFC 7231 IMF-fixdate) from the virtual clock.
pub fn http_date(at: Instant) -> String {
    Utc.timestamp_micros(at.as_micros())
        .single()
        .unwrap_or(chrono::DateTime::<Utc>::UNIX_EPOCH)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// A complete response with `Connection: close`.
pub fn response(at: Instant, status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let mut head = String::with_capacity(160 + body.len());
    let _ = write!(
        head,
        "HTTP/1.1 {status} {}\r\nDate: {}\r\nServer: Apache\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason_phrase(status),
        http_date(at),
        body.len()
    );
    head.push_str(body);
    head.into_bytes()
}

/// The head of a response a client received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    /// Offset of the body in the buffer.
    pub body_start: usize,
    pub content_length: Option<usize>,
    pub chunked: bool,
}

/// Parses a response head; `None` while incomplete or if malformed.
pub fn parse_response(buf: &[u8]) -> Option<ResponseHead> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(body_start)) => {
            let value = |name: &str| {
                resp.headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .map(str::trim)
            };
            let content_length = value("content-length").and_then(|v| v.parse().ok());
            let chunked = value("transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            Some(ResponseHead {
                status: resp.code?,
                body_start,
                content_length,
                chunked,
            })
        }
        _ => None,
    }
}

impl ResponseHead {
    /// Whether the whole body is in `buf` by the response's own framing
    /// (without framing, only the server closing the connection tells).
    pub fn is_complete(&self, buf: &[u8]) -> bool {
        let body = buf.get(self.body_start..).unwrap_or(&[]);
        if self.chunked {
            return decode_chunked(body).1;
        }
        self.content_length.is_some_and(|n| body.len() >= n)
    }

    /// The body as text (chunked encoding removed, cut at Content-Length).
    pub fn body(&self, buf: &[u8]) -> String {
        let body = buf.get(self.body_start..).unwrap_or(&[]);
        if self.chunked {
            return String::from_utf8_lossy(&decode_chunked(body).0).into_owned();
        }
        let body = match self.content_length {
            Some(n) => &body[..n.min(body.len())],
            None => body,
        };
        String::from_utf8_lossy(body).into_owned()
    }
}

/// Decodes a chunked body as far as it goes; `true` once the last chunk is in.
fn decode_chunked(mut body: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return (out, false);
        };
        let size = std::str::from_utf8(&body[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size else {
            return (out, false);
        };
        body = &body[eol + 2..];
        if size == 0 {
            return (out, true);
        }
        if body.len() < size {
            out.extend_from_slice(body);
            return (out, false);
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://XXXrzy8823l68me.net/account.asp?qu=cmd").expect("url");
        assert_eq!(u.host, "xxxrzy8823l68me.net");
        assert_eq!(u.port, 80);
        assert_eq!(u.target, "/account.asp?qu=cmd");
        let u = HttpUrl::parse("http://example.com:8080?x=1#frag").expect("url");
        assert_eq!((u.port, u.target.as_str()), (8080, "/?x=1"));
        assert_eq!(u.host_header(), "example.com:8080");
        assert_eq!(HttpUrl::parse("http://a.example").expect("url").target, "/");
        assert!(HttpUrl::parse("ftp://a.example/").is_err());
        let u = HttpUrl::parse("HTTPS://WWW.A.example/x").expect("https");
        assert_eq!(
            (u.port, u.tls, u.host_header()),
            (443, true, "www.a.example".into())
        );
        assert!(HttpUrl::parse("http:///x").is_err());
        assert!(HttpUrl::parse("http://a:99999/").is_err());
        assert!(HttpUrl::parse("ht").is_err());
        let u = HttpUrl::parse("BitTorrent://203.0.113.66/").expect("peer");
        assert_eq!((u.port, u.peer, u.tls), (BITTORRENT_PORT, true, false));
        let u = HttpUrl::parse("bittorrent://203.0.113.66:51413").expect("peer");
        assert_eq!((u.host.as_str(), u.port), ("203.0.113.66", 51413));
        assert!(!HttpUrl::parse("http://a.example/").expect("url").peer);
    }

    #[test]
    fn response_round_trip() {
        let bytes = response(Instant::from_secs(1_506_388_185), 404, "text/html", "nope");
        let head = parse_response(&bytes).expect("head");
        assert_eq!(head.status, 404);
        assert!(head.is_complete(&bytes));
        assert_eq!(head.body(&bytes), "nope");
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(text.contains("Date: Tue, 26 Sep 2017 01:09:45 GMT\r\n"));
    }

    #[test]
    fn chunked_bodies_decode() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
        let head = parse_response(raw).expect("head");
        assert!(head.is_complete(raw));
        assert_eq!(head.body(raw), "Wikipedia");
        assert!(!head.is_complete(&raw[..raw.len() - 5]));
    }

    #[test]
    fn request_head_parses_host() {
        let req = b"GET /login.asp HTTP/1.1\r\nHost: Example.ORG:80\r\n\r\n";
        let head = parse_request(req).expect("ok").expect("complete");
        assert_eq!(head.target, "/login.asp");
        assert_eq!(head.host.as_deref(), Some("example.org"));
        assert_eq!(parse_request(b"GET / HT"), Ok(None));
        assert!(parse_request(b"\x00\x01 garbage\r\n\r\n").is_err());
    }
}
