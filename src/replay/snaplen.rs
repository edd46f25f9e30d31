//! Frames a capture cut short (`tcpdump -s 96`): what is left of them made
//! into a frame the gateway can read, and how far the cut went.
//!
//! A record whose captured length is below its original length holds the
//! frame's first bytes only. Its IPv4 total length (and a UDP length) still
//! claim the bytes the capture dropped, so the gateway, like any receiver,
//! would refuse it as malformed. Replay inspects what is there instead: the
//! lengths are cut to the captured bytes and the checksums recomputed (the
//! original ones covered bytes that are gone, so they cannot be checked).
//! The packet-level engines then see every header (flows, the firewall, DoS,
//! scans, C&C by address), and the payload that survived reaches the stream
//! engines, with a gap where the rest was. A frame cut inside its own
//! headers is handed in as captured: the gateway counts it malformed.

/// How a record's cut left its frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Nothing the headers claim is missing (the cut fell in the Ethernet
    /// padding, or the frame is not IPv4): handed in as captured.
    Whole,
    /// Headers complete, payload cut: the frame with its lengths cut to
    /// what was captured and its checksums recomputed.
    Payload(Vec<u8>),
    /// Cut inside the IPv4, TCP or UDP header: handed in as captured.
    Headers,
}

/// What is left of `frame`, a record the capture cut short.
pub fn cut(frame: &[u8]) -> Cut {
    if frame.get(12..14) != Some(&[0x08, 0x00]) {
        return if frame.len() < 14 {
            Cut::Headers
        } else {
            Cut::Whole
        };
    }
    let Some(ip) = frame.get(14..) else {
        return Cut::Headers;
    };
    let Some(&first) = ip.first() else {
        return Cut::Headers;
    };
    let ihl = usize::from(first & 0x0f) * 4;
    let (Some(&hi), Some(&lo)) = (ip.get(2), ip.get(3)) else {
        return Cut::Headers;
    };
    let claimed = usize::from(u16::from_be_bytes([hi, lo]));
    if ihl < 20 || ip.len() < ihl {
        return Cut::Headers;
    }
    if claimed <= ip.len() {
        return Cut::Whole;
    }
    let have = ip.len();
    let fragment = ip
        .get(6..8)
        .is_some_and(|f| u16::from_be_bytes([f[0], f[1]]) & 0x3fff != 0);
    let protocol = ip.get(9).copied().unwrap_or(0);
    let l4 = have - ihl;
    let tcp_header = ip.get(ihl + 12).map(|b| usize::from(b >> 4) * 4);
    let headers_whole = fragment
        || match protocol {
            6 => tcp_header.is_some_and(|h| h >= 20 && l4 >= h),
            17 => l4 >= 8,
            _ => true,
        };
    if !headers_whole {
        return Cut::Headers;
    }
    let Ok(total) = u16::try_from(have) else {
        return Cut::Headers;
    };
    let mut out = frame.to_vec();
    out[16..18].copy_from_slice(&total.to_be_bytes());
    if protocol == 17 && !fragment {
        let Ok(len) = u16::try_from(l4) else {
            return Cut::Headers;
        };
        out[14 + ihl + 4..14 + ihl + 6].copy_from_slice(&len.to_be_bytes());
    }
    if fragment {
        // A fragment's transport checksum covers the whole datagram: only
        // the IPv4 header's is ours to redo.
        out[24] = 0;
        out[25] = 0;
        let sum = appliance::wire::checksum::checksum(&[&out[14..14 + ihl]], 0);
        out[24..26].copy_from_slice(&sum.to_be_bytes());
        return Cut::Payload(out);
    }
    match appliance::wire::checksum::fix_checksums(&out) {
        Some(fixed) => Cut::Payload(fixed),
        None => Cut::Headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet + IPv4 + UDP with a 10-byte payload, lengths as sent.
    fn udp_frame() -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 8 + 10];
        f[12] = 0x08;
        f[14] = 0x45;
        f[16..18].copy_from_slice(&38u16.to_be_bytes());
        f[22] = 64;
        f[23] = 17;
        f[26..30].copy_from_slice(&[192, 168, 1, 10]);
        f[30..34].copy_from_slice(&[198, 51, 100, 1]);
        f[34..36].copy_from_slice(&5353u16.to_be_bytes());
        f[36..38].copy_from_slice(&53u16.to_be_bytes());
        f[38..40].copy_from_slice(&18u16.to_be_bytes());
        f
    }

    #[test]
    fn a_udp_datagram_cut_in_its_payload_gets_its_lengths_cut() {
        let f = udp_frame();
        let Cut::Payload(out) = cut(&f[..46]) else {
            panic!("{:?}", cut(&f[..46]));
        };
        assert_eq!(out.len(), 46);
        assert_eq!(u16::from_be_bytes([out[16], out[17]]), 32, "IPv4 total");
        assert_eq!(u16::from_be_bytes([out[38], out[39]]), 12, "UDP length");
        assert_ne!([out[24], out[25]], [0, 0], "IPv4 checksum written");
    }

    #[test]
    fn cuts_inside_the_headers_and_whole_frames_are_told_apart() {
        let f = udp_frame();
        assert_eq!(cut(&f), Cut::Whole);
        for n in [0, 5, 13, 14, 20, 33, 34, 41] {
            assert_eq!(cut(&f[..n]), Cut::Headers, "cut at {n}");
        }
        assert!(matches!(cut(&f[..42]), Cut::Payload(_)));
        let mut arp = f.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(cut(&arp[..20]), Cut::Whole);
    }

    mod any_bytes {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any bytes, IPv4-looking or not: a cut never panics, never
            /// grows the frame, and a frame it rewrites claims no more
            /// than it holds.
            #[test]
            fn a_cut_never_panics_nor_claims_more_than_it_holds(
                mut bytes in proptest::collection::vec(any::<u8>(), 0..200),
                ipv4 in any::<bool>(),
            ) {
                if ipv4 && bytes.len() >= 15 {
                    bytes[12] = 0x08;
                    bytes[13] = 0x00;
                    bytes[14] = 0x40 | (bytes[14] & 0x0f);
                }
                if let Cut::Payload(out) = cut(&bytes) {
                    prop_assert_eq!(out.len(), bytes.len());
                    let total = usize::from(u16::from_be_bytes([out[16], out[17]]));
                    prop_assert_eq!(total, out.len() - 14);
                }
            }
        }
    }
}
