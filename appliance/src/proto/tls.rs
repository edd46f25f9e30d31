//! TLS, as far as a gateway without decryption can read it: the client's
//! ClientHello (the SNI names the site) and, in TLS 1.2, the server's
//! certificate, which travels in clear (its validity dates are a signal of
//! their own). Records are taken from the reassembled stream, so a hello
//! split over many segments or records reads the same as a whole one.
//! Parsing is tls-parser's and x509-parser's (rusticata); this module only
//! frames records and handshake messages with checked lengths.

use crate::time::Instant;
use tls_parser::{
    SNIType, TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_client_hello_extensions,
    parse_tls_extensions, parse_tls_message_handshake,
};

const CONTENT_HANDSHAKE: u8 = 22;
/// Largest record a peer may send (2^14 plus expansion, RFC 5246 6.2.3).
const MAX_RECORD: usize = 16_384 + 2_048;
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;
/// A ClientHello claiming more than this is not one the gateway waits for
/// (real ones are a few hundred bytes to a few KiB): the flow passes.
const MAX_CLIENT_HELLO: usize = 32 * 1024;

/// What the start of a client stream says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientHello {
    /// TLS so far, but the hello is not complete yet.
    Partial,
    /// Not a TLS handshake.
    NotTls,
    /// A complete ClientHello; `sni` is the first host name, lowercased.
    Hello { sni: Option<String> },
}

/// The server's certificate, as far as the gateway can see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerCert {
    Partial,
    /// No certificate in clear (TLS 1.3, a resumed session, not TLS).
    Hidden,
    Cert(CertInfo),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub not_before: Instant,
    pub not_after: Instant,
}

/// Handshake bytes gathered from the leading handshake records of `stream`.
struct Gathered {
    bytes: Vec<u8>,
    /// The stream ended inside a record (more may come).
    partial_record: bool,
    /// A record of another type (or garbage) followed.
    other: bool,
}

fn gather(stream: &[u8]) -> Option<Gathered> {
    let mut bytes = Vec::new();
    let mut rest = stream;
    loop {
        if rest.is_empty() {
            return Some(Gathered {
                bytes,
                partial_record: false,
                other: false,
            });
        }
        let Some(header) = rest.get(..5) else {
            // Not even a header: is what we have plausible?
            if rest.first() != Some(&CONTENT_HANDSHAKE) || rest.get(1).is_some_and(|v| *v != 3) {
                return (!bytes.is_empty()).then_some(Gathered {
                    bytes,
                    partial_record: false,
                    other: true,
                });
            }
            return Some(Gathered {
                bytes,
                partial_record: true,
                other: false,
            });
        };
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if header[0] != CONTENT_HANDSHAKE || header[1] != 3 || len == 0 || len > MAX_RECORD {
            return (!bytes.is_empty()).then_some(Gathered {
                bytes,
                partial_record: false,
                other: true,
            });
        }
        let Some(body) = rest.get(5..5 + len) else {
            bytes.extend_from_slice(rest.get(5..).unwrap_or_default());
            return Some(Gathered {
                bytes,
                partial_record: true,
                other: false,
            });
        };
        bytes.extend_from_slice(body);
        rest = rest.get(5 + len..).unwrap_or_default();
    }
}

/// Splits complete handshake messages (header included) off `bytes`.
fn messages(bytes: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(h) = rest.get(..4) {
        let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
        match rest.get(..4 + len) {
            Some(msg) => {
                out.push(msg);
                rest = rest.get(4 + len..).unwrap_or_default();
            }
            None => return (out, true),
        }
    }
    (out, !rest.is_empty())
}

/// Reads the ClientHello at the start of a client stream.
pub fn client_hello(stream: &[u8]) -> ClientHello {
    let Some(g) = gather(stream) else {
        return ClientHello::NotTls;
    };
    if let Some(h) = g.bytes.get(..4) {
        let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
        if len > MAX_CLIENT_HELLO {
            return ClientHello::NotTls;
        }
    }
    let (msgs, incomplete) = messages(&g.bytes);
    let Some(first) = msgs.first() else {
        return if (incomplete || g.partial_record || g.bytes.is_empty()) && !g.other {
            if g.bytes.first().is_some_and(|t| *t != HS_CLIENT_HELLO) {
                ClientHello::NotTls
            } else {
                ClientHello::Partial
            }
        } else {
            ClientHello::NotTls
        };
    };
    if first.first() != Some(&HS_CLIENT_HELLO) {
        return ClientHello::NotTls;
    }
    match parse_tls_message_handshake(first) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)))) => {
            let sni = ch
                .ext
                .and_then(|ext| parse_tls_client_hello_extensions(ext).ok())
                .and_then(|(_, exts)| {
                    exts.into_iter().find_map(|e| match e {
                        TlsExtension::SNI(names) => names
                            .into_iter()
                            .find(|(t, _)| *t == SNIType::HostName)
                            .and_then(|(_, name)| std::str::from_utf8(name).ok())
                            .map(|n| n.trim_end_matches('.').to_ascii_lowercase()),
                        _ => None,
                    })
                });
            ClientHello::Hello { sni }
        }
        _ => ClientHello::NotTls,
    }
}

/// Reads the server's flight (ServerHello, Certificate) from its stream.
pub fn server_certificate(stream: &[u8]) -> ServerCert {
    let Some(g) = gather(stream) else {
        return ServerCert::Hidden;
    };
    let (msgs, _) = messages(&g.bytes);
    for msg in &msgs {
        match msg.first().copied() {
            Some(HS_SERVER_HELLO) => {
                if is_tls13(msg) {
                    return ServerCert::Hidden;
                }
            }
            Some(HS_CERTIFICATE) => return certificate(msg),
            _ => return ServerCert::Hidden,
        }
    }
    if g.other {
        // Something other than a handshake record before any certificate
        // (ChangeCipherSpec of a resumed session, an alert).
        ServerCert::Hidden
    } else {
        ServerCert::Partial
    }
}

fn is_tls13(server_hello: &[u8]) -> bool {
    match parse_tls_message_handshake(server_hello) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)))) => sh
            .ext
            .and_then(|ext| parse_tls_extensions(ext).ok())
            .is_some_and(|(_, exts)| {
                exts.iter().any(|e| match e {
                    TlsExtension::Unknown(t, data) => {
                        t.0 == EXT_SUPPORTED_VERSIONS && data.get(..2) == Some(&[3, 4])
                    }
                    TlsExtension::SupportedVersions(v) => v.iter().any(|v| v.0 == 0x0304),
                    _ => false,
                })
            }),
        _ => false,
    }
}

fn certificate(msg: &[u8]) -> ServerCert {
    let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) =
        parse_tls_message_handshake(msg)
    else {
        return ServerCert::Hidden;
    };
    let Some(leaf) = c.cert_chain.first() else {
        return ServerCert::Hidden;
    };
    match x509_parser::parse_x509_certificate(leaf.data) {
        Ok((_, cert)) => {
            let v = cert.validity();
            ServerCert::Cert(CertInfo {
                subject: cert.subject().to_string(),
                not_before: Instant::from_secs(v.not_before.timestamp()),
                not_after: Instant::from_secs(v.not_after.timestamp()),
            })
        }
        Err(_) => ServerCert::Hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ClientHello with SNI `name`, built by hand.
    pub(crate) fn hello(name: &str) -> Vec<u8> {
        let mut sni = Vec::new();
        let n = name.len() as u16;
        sni.extend_from_slice(&(n + 3).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&n.to_be_bytes());
        sni.extend_from_slice(name.as_bytes());
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        ext.extend_from_slice(&sni);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0xc0, 0x2f]); // one cipher suite
        body.extend_from_slice(&[1, 0]); // null compression
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn sni_whole_split_and_cut() {
        let h = hello("WWW.Example.co.jp");
        assert_eq!(
            client_hello(&h),
            ClientHello::Hello {
                sni: Some("www.example.co.jp".into())
            }
        );
        for cut in [1, 4, 5, 6, 20, h.len() - 1] {
            assert_eq!(client_hello(&h[..cut]), ClientHello::Partial, "cut {cut}");
        }
        // The same handshake message split over two records.
        let hs = &h[5..];
        let mut two = vec![22, 3, 1, 0, 10];
        two.extend_from_slice(&hs[..10]);
        two.extend_from_slice(&[22, 3, 1]);
        two.extend_from_slice(&((hs.len() - 10) as u16).to_be_bytes());
        two.extend_from_slice(&hs[10..]);
        assert!(matches!(
            client_hello(&two),
            ClientHello::Hello { sni: Some(_) }
        ));
    }

    #[test]
    fn not_tls() {
        assert_eq!(client_hello(b"GET / HTTP/1.1\r\n"), ClientHello::NotTls);
        assert_eq!(client_hello(b"SSH-2.0-x"), ClientHello::NotTls);
        assert_eq!(
            client_hello(&[22, 3, 1, 0, 4, 2, 0, 0, 0]),
            ClientHello::NotTls
        );
        assert_eq!(client_hello(&[23, 3, 3, 0, 1, 0]), ClientHello::NotTls);
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let len = (x % 200) as usize;
            let mut v = vec![22, 3, 1];
            for _ in 0..len {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                v.push((x >> 16) as u8);
            }
            let _ = client_hello(&v);
            let _ = server_certificate(&v);
        }
    }
}
