//! Checksums of captured frames. Captures taken on a sending host carry the
//! checksums the NIC was to fill in (offload), i.e. garbage; the gateway,
//! like any receiver, drops such frames. Replays recompute them first, as
//! `suricata -k none` and `tcpreplay --fixcsum` do.

/// Captures taken on a sending host carry the checksums the NIC was to fill
/// in (offload), i.e. garbage; the gateway, like any receiver, drops such
/// frames. As `suricata -k none` and `tcpreplay --fixcsum` do, the replay
/// recomputes the IPv4, TCP and UDP checksums of whole IPv4 frames. Returns
/// `None` when the frame is not one (left as captured).
pub fn fix_checksums(frame: &[u8]) -> Option<Vec<u8>> {
    if frame.get(12..14) != Some(&[0x08, 0x00]) {
        return None;
    }
    let ip = frame.get(14..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let fragmented = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x3fff != 0;
    if ihl < 20 || total < ihl || total > ip.len() || fragmented {
        return None;
    }
    let mut out = frame.to_vec();
    let ip = out.get_mut(14..14 + total)?;
    ip[10] = 0;
    ip[11] = 0;
    let sum = checksum(&[&ip[..ihl]], 0);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let proto = ip[9];
    let at = match proto {
        6 if total >= ihl + 20 => ihl + 16,
        17 if total >= ihl + 8 => ihl + 6,
        _ => return Some(out),
    };
    let mut pseudo = [0u8; 12];
    pseudo[..8].copy_from_slice(&ip[12..20]);
    pseudo[9] = proto;
    pseudo[10..12].copy_from_slice(&u16::try_from(total - ihl).ok()?.to_be_bytes());
    ip[at] = 0;
    ip[at + 1] = 0;
    let mut sum = checksum(&[&pseudo, &ip[ihl..]], 0);
    if proto == 17 && sum == 0 {
        sum = 0xffff;
    }
    ip[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    Some(out)
}

/// The Internet checksum (RFC 1071) over the concatenated parts (a header
/// with its own sum field zero gives the value to write there).
pub fn checksum(parts: &[&[u8]], init: u32) -> u16 {
    let mut acc = init;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match odd.take() {
                Some(hi) => acc += u32::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        acc += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}
