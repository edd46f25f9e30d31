//! An office host's NTP client (the Windows time service, ntpd): a 48-byte
//! client request to UDP 123 of a time server, polled every `min_poll` at
//! first and, as the clock settles, twice as long each time up to
//! `max_poll` (ntpd's 64 s to 1024 s by default). Sent as scripted frames
//! (`traffic: ... ntp:`); the twin's internet does not answer, which
//! changes nothing for the gateway, which only sees the requests.

use std::time::Duration;

/// NTP's port.
pub const PORT: u16 = 123;
/// ntpd's default shortest and longest poll intervals.
pub const MIN_POLL: Duration = Duration::from_secs(64);
pub const MAX_POLL: Duration = Duration::from_secs(1024);
/// Seconds from 1900 (NTP's era) to 1970 (Unix).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The poll interval before request number `n` (0-based) is followed by the
/// next: `min` doubled `n` times, at most `max`.
pub fn poll(n: u64, min: Duration, max: Duration) -> Duration {
    let factor = 1u32 << n.min(20);
    min.saturating_mul(factor)
        .min(max)
        .max(Duration::from_secs(1))
}

/// An NTPv4 client request (mode 3) sent at `unix_micros`, its transmit
/// timestamp set as a client sets it.
pub fn request(unix_micros: i64) -> [u8; 48] {
    let mut p = [0u8; 48];
    // LI 0, version 4, mode 3 (client).
    p[0] = (4 << 3) | 3;
    // Poll exponent 6 (64 s), precision 2^-20.
    p[2] = 6;
    p[3] = 0xec;
    let micros = u64::try_from(unix_micros).unwrap_or(0);
    let secs = (micros / 1_000_000 + NTP_UNIX_OFFSET) as u32;
    let frac = (((micros % 1_000_000) << 32) / 1_000_000) as u32;
    p[40..44].copy_from_slice(&secs.to_be_bytes());
    p[44..48].copy_from_slice(&frac.to_be_bytes());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_double_up_to_the_maximum() {
        let polls: Vec<u64> = (0..7)
            .map(|n| poll(n, MIN_POLL, MAX_POLL).as_secs())
            .collect();
        assert_eq!(polls, [64, 128, 256, 512, 1024, 1024, 1024]);
        assert_eq!(poll(u64::MAX, MIN_POLL, MAX_POLL), MAX_POLL);
    }

    #[test]
    fn a_client_request() {
        // 2017-10-06 00:00:00 UTC.
        let p = request(1_507_248_000_500_000);
        assert_eq!(p[0] & 7, 3, "mode 3");
        assert_eq!(p[0] >> 3 & 7, 4, "version 4");
        let secs = u32::from_be_bytes([p[40], p[41], p[42], p[43]]);
        assert_eq!(u64::from(secs), 1_507_248_000 + 2_208_988_800);
        let frac = u32::from_be_bytes([p[44], p[45], p[46], p[47]]);
        assert_eq!(frac, 1 << 31, "half a second");
    }
}
