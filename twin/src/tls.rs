//! TLS 1.2 as the twin's browsers and web sites speak it, shaped for what a
//! gateway without the keys can see: the ClientHello (its SNI names the
//! site) and the server's first flight (ServerHello, Certificate,
//! ServerKeyExchange, ServerHelloDone), which TLS 1.2 sends in clear.
//!
//! Every site has a real X.509 certificate with the validity dates of its
//! scenario, built by rcgen and signed with an Ed25519 key derived from the
//! host name (so the same scenario gives the same bytes on every run). The
//! ServerKeyExchange carries a real Ed25519 signature over both randoms and
//! the key share, as RFC 8422 defines it for ECDHE_ECDSA suites.
//!
//! What the twin does not do is cryptography past the handshake: there is
//! no key agreement, and the Finished messages and application data records
//! are opaque bytes of the right shape. Application data records carry the
//! HTTP bytes as they are, so the browser and the site can still exchange a
//! page; a gateway without the keys (ours and the real one) sees opaque
//! records either way. The browser checks the certificate's validity period
//! and its name, not a chain (the twin has no trust store).

use appliance::Instant;
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

pub const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CONTENT_ALERT: u8 = 21;
pub const CONTENT_HANDSHAKE: u8 = 22;
pub const CONTENT_APPLICATION_DATA: u8 = 23;
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_KEY_EXCHANGE: u8 = 12;
const HS_SERVER_HELLO_DONE: u8 = 14;
const HS_CLIENT_KEY_EXCHANGE: u8 = 16;
/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289), which Ed25519
/// certificates may use in TLS 1.2 (RFC 8422).
const SUITE: u16 = 0xc02b;
const CLIENT_SUITES: [u16; 4] = [0xc02b, 0xc02f, 0xc02c, 0xc030];
const GROUP_X25519: u16 = 0x001d;
const SIG_ED25519: u16 = 0x0807;
/// Alert description `certificate_expired` (RFC 5246 7.2.2).
pub const ALERT_CERTIFICATE_EXPIRED: u8 = 45;
/// Alert `handshake_failure`: a flight the browser cannot use.
pub const ALERT_HANDSHAKE_FAILURE: u8 = 40;
/// Alert `bad_certificate`: the certificate is for another name.
pub const ALERT_BAD_CERTIFICATE: u8 = 42;
/// Largest plaintext a record carries (RFC 5246 6.2.1).
const MAX_FRAGMENT: usize = 16_384;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the certificate of {host}: {message}")]
pub struct CertError {
    pub host: String,
    pub message: String,
}

/// A site's certificate and the key that signs its handshakes.
#[derive(Clone)]
pub struct SiteCertificate {
    pub der: Vec<u8>,
    pub not_before: Instant,
    pub not_after: Instant,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SiteCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteCertificate")
            .field("der", &self.der.len())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

/// The site key as rcgen wants it: SubjectPublicKeyInfo data and a signer.
struct SiteKey<'a> {
    key: &'a ed25519_dalek::SigningKey,
    public: [u8; 32],
}

impl rcgen::PublicKeyData for SiteKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

impl rcgen::SigningKey for SiteKey<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

fn offset_time(host: &str, t: Instant) -> Result<time::OffsetDateTime, CertError> {
    time::OffsetDateTime::from_unix_timestamp(t.as_micros().div_euclid(1_000_000)).map_err(|e| {
        CertError {
            host: host.to_string(),
            message: e.to_string(),
        }
    })
}

impl SiteCertificate {
    /// The certificate of `host`, valid from `not_before` to `not_after`.
    /// The key comes from the host name, the serial number from the name
    /// and the dates, so a renewed certificate has a new serial.
    pub fn new(
        host: &str,
        not_before: Instant,
        not_after: Instant,
    ) -> Result<SiteCertificate, CertError> {
        let err = |message: String| CertError {
            host: host.to_string(),
            message,
        };
        let host = host.to_ascii_lowercase();
        let seed: [u8; 32] = Sha256::new()
            .chain_update(b"officetwin site key\0")
            .chain_update(host.as_bytes())
            .finalize()
            .into();
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let site_key = SiteKey {
            key: &key,
            public: key.verifying_key().to_bytes(),
        };
        let mut params =
            rcgen::CertificateParams::new(vec![host.clone()]).map_err(|e| err(e.to_string()))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, host.as_str());
        params.not_before = offset_time(&host, not_before)?;
        params.not_after = offset_time(&host, not_after)?;
        let serial: [u8; 32] = Sha256::new()
            .chain_update(host.as_bytes())
            .chain_update(not_before.as_micros().to_be_bytes())
            .chain_update(not_after.as_micros().to_be_bytes())
            .finalize()
            .into();
        // Positive and at most 20 octets (RFC 5280 4.1.2.2).
        let mut serial = serial[..16].to_vec();
        serial[0] &= 0x7f;
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        // Subject key identifier: SHA-256 of the key, cut to 160 bits.
        let ski = Sha256::digest(site_key.public);
        params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(ski[..20].to_vec());
        let cert = params
            .self_signed(&site_key)
            .map_err(|e| err(e.to_string()))?;
        Ok(SiteCertificate {
            der: cert.der().to_vec(),
            not_before,
            not_after,
            key,
        })
    }
}

/// Appends one record per `MAX_FRAGMENT` bytes of `body`.
fn push_records(out: &mut Vec<u8>, content: u8, body: &[u8]) {
    for chunk in body.chunks(MAX_FRAGMENT) {
        out.push(content);
        out.extend_from_slice(&[3, 3]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
}

fn push_u24(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(4 + body.len());
    msg.push(kind);
    push_u24(&mut msg, body.len());
    msg.extend_from_slice(body);
    msg
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// A browser's ClientHello for `sni` (one record, version TLS 1.0 on the
/// record layer and TLS 1.2 in the hello, as browsers send it).
pub fn client_hello(random: &[u8; 32], sni: &str) -> Vec<u8> {
    let mut ext = Vec::new();
    let name = sni.as_bytes();
    let mut server_name = Vec::with_capacity(name.len() + 5);
    server_name.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    server_name.push(0); // host_name
    server_name.extend_from_slice(&(name.len() as u16).to_be_bytes());
    server_name.extend_from_slice(name);
    extension(&mut ext, 0x0000, &server_name);
    extension(&mut ext, 0xff01, &[0]); // renegotiation_info, empty
    let mut groups = vec![0, 4];
    groups.extend_from_slice(&GROUP_X25519.to_be_bytes());
    groups.extend_from_slice(&0x0017u16.to_be_bytes()); // secp256r1
    extension(&mut ext, 0x000a, &groups);
    extension(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    let mut sigs = vec![0, 6];
    for s in [SIG_ED25519, 0x0403, 0x0804] {
        sigs.extend_from_slice(&u16::to_be_bytes(s));
    }
    extension(&mut ext, 0x000d, &sigs);

    let mut body = vec![3, 3];
    body.extend_from_slice(random);
    body.push(0); // no session id
    body.extend_from_slice(&((CLIENT_SUITES.len() * 2) as u16).to_be_bytes());
    for s in CLIENT_SUITES {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let msg = handshake(HS_CLIENT_HELLO, &body);
    let mut out = Vec::with_capacity(msg.len() + 5);
    out.push(CONTENT_HANDSHAKE);
    out.extend_from_slice(&[3, 1]);
    out.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    out.extend_from_slice(&msg);
    out
}

/// The server's first flight answering a ClientHello with `client_random`:
/// ServerHello, Certificate, ServerKeyExchange (x25519 share signed with
/// the site key), ServerHelloDone, in handshake records.
pub fn server_flight(
    cert: &SiteCertificate,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    key_share: &[u8; 32],
) -> Vec<u8> {
    let mut hello = vec![3, 3];
    hello.extend_from_slice(server_random);
    hello.push(0); // no session id: nothing to resume
    hello.extend_from_slice(&SUITE.to_be_bytes());
    hello.push(0);
    let mut ext = Vec::new();
    extension(&mut ext, 0xff01, &[0]);
    extension(&mut ext, 0x000b, &[1, 0]);
    hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    hello.extend_from_slice(&ext);

    let mut chain = Vec::with_capacity(cert.der.len() + 6);
    push_u24(&mut chain, cert.der.len() + 3);
    push_u24(&mut chain, cert.der.len());
    chain.extend_from_slice(&cert.der);

    let mut params = vec![3]; // named_curve
    params.extend_from_slice(&GROUP_X25519.to_be_bytes());
    params.push(32);
    params.extend_from_slice(key_share);
    let mut signed = Vec::with_capacity(64 + params.len());
    signed.extend_from_slice(client_random);
    signed.extend_from_slice(server_random);
    signed.extend_from_slice(&params);
    let signature = cert.key.sign(&signed).to_bytes();
    let mut ske = params;
    ske.extend_from_slice(&SIG_ED25519.to_be_bytes());
    ske.extend_from_slice(&(signature.len() as u16).to_be_bytes());
    ske.extend_from_slice(&signature);

    let mut flight = handshake(HS_SERVER_HELLO, &hello);
    flight.extend_from_slice(&handshake(HS_CERTIFICATE, &chain));
    flight.extend_from_slice(&handshake(HS_SERVER_KEY_EXCHANGE, &ske));
    flight.extend_from_slice(&handshake(HS_SERVER_HELLO_DONE, &[]));
    let mut out = Vec::with_capacity(flight.len() + 10);
    push_records(&mut out, CONTENT_HANDSHAKE, &flight);
    out
}

/// The client's second flight and its first application data:
/// ClientKeyExchange, ChangeCipherSpec, the (opaque) Finished, then `data`.
pub fn client_finish(key_share: &[u8; 32], finished: &[u8; 40], data: &[u8]) -> Vec<u8> {
    let mut cke = vec![32];
    cke.extend_from_slice(key_share);
    let mut out = Vec::new();
    push_records(
        &mut out,
        CONTENT_HANDSHAKE,
        &handshake(HS_CLIENT_KEY_EXCHANGE, &cke),
    );
    push_records(&mut out, CONTENT_CHANGE_CIPHER_SPEC, &[1]);
    push_records(&mut out, CONTENT_HANDSHAKE, finished);
    push_records(&mut out, CONTENT_APPLICATION_DATA, data);
    out
}

/// The server's ChangeCipherSpec, Finished, `data` and close_notify.
pub fn server_finish(finished: &[u8; 40], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    push_records(&mut out, CONTENT_CHANGE_CIPHER_SPEC, &[1]);
    push_records(&mut out, CONTENT_HANDSHAKE, finished);
    push_records(&mut out, CONTENT_APPLICATION_DATA, data);
    push_records(&mut out, CONTENT_ALERT, &[1, 0]);
    out
}

/// A fatal alert, e.g. [`ALERT_CERTIFICATE_EXPIRED`].
pub fn fatal_alert(description: u8) -> Vec<u8> {
    let mut out = Vec::new();
    push_records(&mut out, CONTENT_ALERT, &[2, description]);
    out
}

/// The complete records at the start of `stream`, as (content type, body);
/// stops at the first incomplete one or at bytes that are no record.
pub fn records(stream: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut rest = stream;
    while let Some(h) = rest.get(..5) {
        let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        if h[1] != 3 || !(20..=23).contains(&h[0]) {
            break;
        }
        let Some(body) = rest.get(5..5 + len) else {
            break;
        };
        out.push((h[0], body));
        rest = rest.get(5 + len..).unwrap_or_default();
    }
    out
}

/// The complete handshake messages of the leading handshake records of
/// `stream` (type and body), up to the first record of another type.
fn handshake_messages(stream: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut bytes = Vec::new();
    for (kind, body) in records(stream) {
        if kind != CONTENT_HANDSHAKE {
            break;
        }
        bytes.extend_from_slice(body);
    }
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while let Some(h) = rest.get(..4) {
        let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
        let Some(body) = rest.get(4..4 + len) else {
            break;
        };
        out.push((h[0], body.to_vec()));
        rest = rest.get(4 + len..).unwrap_or_default();
    }
    out
}

/// What a site reads from the start of a client stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub random: [u8; 32],
    /// The length of the records that carried it.
    pub len: usize,
}

/// The client's ClientHello, once complete (the site needs its random).
pub fn read_client_hello(stream: &[u8]) -> Option<Hello> {
    let (kind, body) = *records(stream).first()?;
    if kind != CONTENT_HANDSHAKE || body.first() != Some(&HS_CLIENT_HELLO) {
        return None;
    }
    let random: [u8; 32] = body.get(6..38)?.try_into().ok()?;
    Some(Hello {
        random,
        len: 5 + body.len(),
    })
}

/// What a browser makes of the server's first flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerFlight {
    /// Not complete yet (no ServerHelloDone).
    Partial,
    /// Not a TLS 1.2 handshake the browser can use.
    Broken(String),
    /// The leaf certificate's validity period and the names it is for.
    Certificate {
        not_before: Instant,
        not_after: Instant,
        names: Vec<String>,
        len: usize,
    },
}

/// Reads the server's flight, as a browser does before it answers.
pub fn read_server_flight(stream: &[u8]) -> ServerFlight {
    let msgs = handshake_messages(stream);
    if !msgs.iter().any(|(k, _)| *k == HS_SERVER_HELLO_DONE) {
        return ServerFlight::Partial;
    }
    let len: usize = records(stream)
        .iter()
        .take_while(|(k, _)| *k == CONTENT_HANDSHAKE)
        .map(|(_, b)| 5 + b.len())
        .sum();
    let Some((_, chain)) = msgs.iter().find(|(k, _)| *k == HS_CERTIFICATE) else {
        return ServerFlight::Broken("no certificate".into());
    };
    let Some(leaf) = chain.get(3..6).and_then(|l| {
        let n = (usize::from(l[0]) << 16) | (usize::from(l[1]) << 8) | usize::from(l[2]);
        chain.get(6..6 + n)
    }) else {
        return ServerFlight::Broken("empty certificate list".into());
    };
    match x509_parser::parse_x509_certificate(leaf) {
        Ok((_, cert)) => {
            let v = cert.validity();
            let mut names: Vec<String> = cert
                .subject_alternative_name()
                .ok()
                .flatten()
                .map(|san| {
                    san.value
                        .general_names
                        .iter()
                        .filter_map(|n| match n {
                            x509_parser::extensions::GeneralName::DNSName(d) => {
                                Some(d.to_ascii_lowercase())
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            if names.is_empty() {
                names.extend(
                    cert.subject()
                        .iter_common_name()
                        .filter_map(|cn| cn.as_str().ok())
                        .map(str::to_ascii_lowercase),
                );
            }
            ServerFlight::Certificate {
                not_before: Instant::from_secs(v.not_before.timestamp()),
                not_after: Instant::from_secs(v.not_after.timestamp()),
                names,
                len,
            }
        }
        Err(e) => ServerFlight::Broken(format!("unreadable certificate: {e}")),
    }
}

/// The application data of `stream` (every record of that type, in order),
/// and whether an alert came.
pub fn application_data(stream: &[u8]) -> (Vec<u8>, bool) {
    let mut data = Vec::new();
    let mut alert = false;
    for (kind, body) in records(stream) {
        match kind {
            CONTENT_APPLICATION_DATA => data.extend_from_slice(body),
            CONTENT_ALERT => alert = true,
            _ => {}
        }
    }
    (data, alert)
}

/// Whether a certificate for `names` covers `host` (one leading `*.` label
/// wildcard, as browsers accept).
pub fn name_matches(names: &[String], host: &str) -> bool {
    names.iter().any(|n| {
        n == host
            || n.strip_prefix("*.").is_some_and(|suffix| {
                host.split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_reads_back_with_its_dates() {
        let (nb, na) = (
            Instant::from_secs(1_733_000_000),
            Instant::from_secs(1_764_536_400),
        );
        let cert = SiteCertificate::new("www.print-shop.example", nb, na).expect("cert");
        let again = SiteCertificate::new("www.print-shop.example", nb, na).expect("cert");
        assert_eq!(cert.der, again.der, "deterministic");
        let flight = server_flight(&cert, &[1; 32], &[2; 32], &[3; 32]);
        match read_server_flight(&flight) {
            ServerFlight::Certificate {
                not_before,
                not_after,
                names,
                len,
            } => {
                assert_eq!((not_before, not_after), (nb, na));
                assert_eq!(names, vec!["www.print-shop.example".to_string()]);
                assert_eq!(len, flight.len());
            }
            other => panic!("{other:?}"),
        }
        for cut in [0, 5, 100, flight.len() - 1] {
            assert_eq!(read_server_flight(&flight[..cut]), ServerFlight::Partial);
        }
    }

    #[test]
    fn hello_and_data() {
        let hello = client_hello(&[9; 32], "www.example.jp");
        let h = read_client_hello(&hello).expect("hello");
        assert_eq!((h.random, h.len), ([9; 32], hello.len()));
        assert!(read_client_hello(&hello[..hello.len() - 1]).is_none());
        let big = vec![b'x'; 40_000];
        let fin = client_finish(&[1; 32], &[2; 40], &big);
        assert_eq!(application_data(&fin), (big.clone(), false));
        let sf = server_finish(&[2; 40], b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(
            application_data(&sf),
            (b"HTTP/1.1 200 OK\r\n\r\n".to_vec(), true)
        );
    }

    #[test]
    fn names() {
        let n = vec!["*.example.jp".to_string(), "example.jp".to_string()];
        assert!(name_matches(&n, "www.example.jp"));
        assert!(name_matches(&n, "example.jp"));
        assert!(!name_matches(&n, "a.b.example.jp"));
        assert!(!name_matches(&n, "example.com"));
    }
}
