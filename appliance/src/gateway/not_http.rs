//! How a LAN client's TCP flow is told to be none of the protocols the
//! gateway reads by their first bytes (HTTP, TLS, a BitTorrent handshake),
//! so that it passes at once instead of waiting for a request that never
//! comes. Decided by what the bytes are, never by the port:
//!
//! - The server spoke first. HTTP, TLS and BitTorrent are client-first:
//!   their servers say nothing before they have read a request, a hello or
//!   a handshake. The gateway is inline, so every client byte passes it
//!   before the server can read it: a server segment carrying data while
//!   the client has sent nothing past its SYN is a banner (SMTP `220`,
//!   POP3 `+OK`, IMAP `* OK`, FTP `220`, `SSH-2.0-`, any line protocol, on
//!   any port, 80 and 8080 included). The flow passes both ways from that
//!   segment on; nothing of the client's was held, it had sent nothing.
//!   Only a flow whose handshake the gateway saw is judged so (one picked
//!   up mid-stream may have had its request before).
//! - The client's first line is no request line. A client stream that
//!   starts like one (`TOKEN SP`, as `USER tanaka` or `EHLO pc04` do) is
//!   held only until its first line ends; a complete first line is a
//!   request line when it names a version (`HTTP/1.x`), a request target
//!   (origin `/...`, absolute `scheme://...`, `*`) or an HTTP method (so a
//!   versionless `GET gen.php`, as malware sends it, is still read as
//!   HTTP). Anything else goes where every stream that is not HTTP goes:
//!   TLS, an application's handshake, else passed, held frames first.
//!
//! Either way the flow is counted in `Stats::gave_up`. The cost: a server
//! that talks first, or a client whose first line is neither, is not read
//! per request, like any protocol the gateway does not know; the C&C check
//! at the SYN (by address) still applies.

use super::*;

/// Methods a request line may use with any target (RFC 9110, WebDAV).
const METHODS: [&[u8]; 16] = [
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
];

/// Whether the server's segment `seg` brings data before any byte of the
/// client's: the handshake seen, the client's stream still at its SYN.
pub(super) fn server_spoke_first(track: &TcpTrack, seg: &TcpSeg<'_>) -> bool {
    !seg.payload.is_empty()
        && track.saw_handshake
        && track.initiator == Port::Lan
        && track
            .isn
            .is_some_and(|isn| track.lan.next == Some(seq::add(isn, 1)))
}

/// Whether the client stream `ready` (nothing of it read as a request yet)
/// starts with a complete line that is no HTTP request line; `false` while
/// that line has not ended.
pub(super) fn first_line_not_request(ready: &[u8]) -> bool {
    let Some(end) = ready.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = ready.get(..end).unwrap_or_default();
    let mut words = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    let version = words.any(|w| w.get(..5).is_some_and(|v| v.eq_ignore_ascii_case(b"HTTP/")));
    let request = version
        || target.starts_with(b"/")
        || target == b"*"
        || target.windows(3).any(|w| w == b"://")
        || METHODS.contains(&method);
    !request
}
