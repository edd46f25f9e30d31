//! The BitTorrent peer wire handshake (BEP 3) as a client sends it and a
//! peer on the simulated internet answers it, and what each peer received:
//! the oracle of application control (did any handshake byte get through?).

use std::net::Ipv4Addr;

/// The handshake's first 20 bytes: the name's length (19), then the name.
pub const PROTOCOL: &[u8; 20] = b"\x13BitTorrent protocol";
/// A whole handshake: protocol, 8 reserved bytes, info hash, peer id.
pub const HANDSHAKE_LEN: usize = 68;

/// A handshake for the torrent `info_hash` from the peer `peer_id`.
pub fn handshake(info_hash: &[u8; 20], peer_id: &[u8; 20]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HANDSHAKE_LEN);
    out.extend_from_slice(PROTOCOL);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(info_hash);
    out.extend_from_slice(peer_id);
    out
}

/// What the first bytes of a connection to a peer are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// A prefix of a handshake: wait for more.
    Partial,
    /// A whole handshake, for this torrent.
    Handshake { info_hash: [u8; 20] },
    /// Not a BitTorrent handshake.
    Other,
}

/// Reads the start of a peer connection.
pub fn read_handshake(buf: &[u8]) -> Read {
    let n = buf.len().min(PROTOCOL.len());
    if buf.get(..n) != PROTOCOL.get(..n) {
        return Read::Other;
    }
    if buf.len() < HANDSHAKE_LEN {
        return Read::Partial;
    }
    // Protocol (20), reserved (8), then the info hash.
    let mut info_hash = [0; 20];
    if let Some(hash) = buf.get(28..48) {
        info_hash.copy_from_slice(hash);
    }
    Read::Handshake { info_hash }
}

/// One connection a peer accepted, and every byte it received on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerContact {
    /// The peer's address and port.
    pub peer: (Ipv4Addr, u16),
    /// Who connected (an office host's address, as the peer saw it).
    pub client: Ipv4Addr,
    /// The bytes the peer received, in order.
    pub received: Vec<u8>,
    /// Whether the peer answered with its own handshake.
    pub answered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshakes_read_back_at_any_length() {
        let hs = handshake(&[7; 20], b"-UT3550-abcdefghijkl");
        assert_eq!(hs.len(), HANDSHAKE_LEN);
        for n in 0..HANDSHAKE_LEN {
            assert_eq!(read_handshake(&hs[..n]), Read::Partial, "{n}");
        }
        assert_eq!(read_handshake(&hs), Read::Handshake { info_hash: [7; 20] });
        assert_eq!(read_handshake(b"GET / HTTP/1.1\r\n"), Read::Other);
        assert_eq!(read_handshake(b"\x13BitTorrent protocoX"), Read::Other);
    }
}
