//! TCP sequence-number arithmetic (RFC 793 modulo 2^32 comparisons).
//!
//! smoltcp's `SeqNumber` panics on additions larger than `i32::MAX`; sequence
//! numbers here come from the network, so the gateway uses these total,
//! wrapping helpers instead.

/// `a - b` as a signed distance in sequence space.
pub fn diff(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// `a` comes strictly after `b`.
pub fn gt(a: u32, b: u32) -> bool {
    diff(a, b) > 0
}

/// `a` comes at or after `b`.
pub fn ge(a: u32, b: u32) -> bool {
    diff(a, b) >= 0
}

/// The later of two sequence numbers.
pub fn max(a: u32, b: u32) -> u32 {
    if gt(a, b) { a } else { b }
}

/// `seq` advanced by `len` bytes, wrapping.
pub fn add(seq: u32, len: usize) -> u32 {
    // Truncation is the point: sequence space is modulo 2^32.
    seq.wrapping_add(len as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_wrap() {
        assert!(gt(5, u32::MAX - 5));
        assert!(!gt(u32::MAX - 5, 5));
        assert_eq!(diff(3, u32::MAX), 4);
        assert_eq!(max(1, u32::MAX), 1);
        assert!(ge(7, 7));
        assert_eq!(add(u32::MAX, 2), 1);
    }
}
