//! Checks on every console request and response that no page should have to
//! remember: the `Host` header (DNS rebinding), redirect targets, download
//! names and the security headers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Host names the console answers to besides the loopback ones; a comma
/// separated list (e.g. a name in the hosts file for a shared screen).
pub const HOSTS_ENV: &str = "OFFICETWIN_CONSOLE_HOSTS";

/// The names the console answers to: loopback, plus the configured ones.
#[derive(Clone, Debug)]
pub struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    /// `127.0.0.1`, `localhost`, `[::1]` and each name in `configured`
    /// (comma separated, as [`HOSTS_ENV`] holds them).
    pub fn new(configured: Option<&str>) -> AllowedHosts {
        let mut names: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.extend(
            configured
                .unwrap_or("")
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
        );
        AllowedHosts(names)
    }

    /// Whether a `Host` header names this console. A page reached through
    /// a rebound DNS name carries that name, and is refused.
    pub fn allows(&self, host: Option<&str>) -> bool {
        let Some(host) = host else {
            return false;
        };
        let host = host.trim().to_ascii_lowercase();
        let name = match host.rsplit_once(':') {
            // `[::1]:8080`, `localhost:8080`; a bare `[::1]` has its colons inside.
            Some((name, port))
                if !name.is_empty()
                    && (!name.starts_with('[') || name.ends_with(']'))
                    && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => host.as_str(),
        };
        self.0.iter().any(|allowed| allowed == name)
    }
}

/// Refuses a request whose `Host` is not one of the console's names.
pub async fn check_host(
    State(hosts): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    if !hosts.allows(host) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            format!("this console answers only to its own address (127.0.0.1, localhost or {HOSTS_ENV})\n"),
        )
            .into_response();
    }
    next.run(request).await
}

/// The headers every console response carries: no framing (clickjacking),
/// a content security policy, no MIME sniffing, no referrer to elsewhere.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_security_headers(response.headers_mut());
    response
}

/// The content security policy. The pages carry their own small inline
/// style and refresh script, and nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn add_security_headers(h: &mut HeaderMap) {
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
}

/// A redirect target from a form: a path of this site, or `None`. Browsers
/// read `\` as `/` and drop tabs and newlines, so `/\evil.example` and
/// `/\t/evil.example` mean `//evil.example`, another site.
pub fn local_path(back: &str) -> Option<&str> {
    let mut chars = back.chars();
    let first_ok = chars.next() == Some('/');
    let second_ok = !matches!(chars.next(), Some('/' | '\\'));
    let clean = back.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    (first_ok && second_ok && clean).then_some(back)
}

/// The `Content-Disposition` of a download named `name`: an ASCII file name
/// (anything else, quotes and line breaks included, becomes `_`) and the
/// full name percent-encoded as `filename*` (RFC 6266), so a gateway name
/// can neither end the header nor add one.
pub fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"logs.csv\""))
}

#[cfg(test)]
mod tests;
