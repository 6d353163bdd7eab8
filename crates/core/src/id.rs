//! Stable listing ids.
//!
//! An id is derived from the source that first describes a listing and that source's own record
//! key, so rebuilding from the same data gives the same id. FNV-1a is used because it is tiny,
//! dependency-free and stable across Rust versions (unlike `DefaultHasher`).

/// FNV-1a, 64 bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A stable id such as `ft-3f9a0c2b7d41e855` from a source prefix and a record key.
pub fn stable_id(prefix: &str, key: &str) -> String {
    format!("{prefix}-{:016x}", fnv1a64(key.as_bytes()))
}

/// Whether `s` looks like an id this crate makes (used to reject junk ids in URLs early).
pub fn is_well_formed(s: &str) -> bool {
    let Some((prefix, hash)) = s.rsplit_once('-') else { return false };
    !prefix.is_empty()
        && prefix.len() <= 24
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_well_formed() {
        let a = stable_id("ft", "811a90dea1");
        assert_eq!(a, stable_id("ft", "811a90dea1"));
        assert_ne!(a, stable_id("ft", "811a90dea2"));
        assert!(is_well_formed(&a));
        assert!(!is_well_formed("ft-xyz"));
        assert!(!is_well_formed("<script>-0123456789abcdef"));
    }
}
