//! IFC GlobalIds (IfcGloballyUniqueId): the 22-character compressed form of a 128-bit
//! GUID, its encoding and decoding, and the deterministic GUIDs aecos mints for what has
//! no valid IFC GlobalId of its own (AEC OS's 22-hex-character element ids, spatial
//! structure, relationships, property sets).
//!
//! The alphabet is `0-9 A-Z a-z _ $` in that order (not RFC 4648 base64); the first
//! character carries the top 2 bits, so it is `0`-`3`, and each of the 21 others 6 bits.
//! A minted GUID is the first 128 bits of SHA-256(`aecos-ifc-guid/v1` NUL project NUL
//! label), stamped as an RFC 9562 version 8 (custom) UUID: the same project and label
//! always give the same GUID, so re-exports keep every element's identity.
//!
//! Pure functions; this module must not read or write files.

use sha2::{Digest, Sha256};

/// The IFC base64 alphabet, in order.
pub const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$";

/// Domain separation for minted GUIDs; changing it changes every minted GUID.
const NAMESPACE: &str = "aecos-ifc-guid/v1";

/// Encodes 128 bits as a 22-character IFC GlobalId.
pub fn encode(value: u128) -> String {
    let mut out = String::with_capacity(22);
    out.push(char::from(ALPHABET[(value >> 126) as usize]));
    for i in (0..21).rev() {
        out.push(char::from(ALPHABET[((value >> (i * 6)) & 0x3F) as usize]));
    }
    out
}

/// Decodes a 22-character IFC GlobalId; `None` unless it is valid (length 22, alphabet
/// only, first character `0`-`3`).
pub fn decode(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.len() != 22 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, b) in bytes.iter().enumerate() {
        let digit = ALPHABET.iter().position(|a| a == b)? as u128;
        if i == 0 && digit > 3 {
            return None;
        }
        value = (value << 6) | digit;
    }
    Some(value)
}

/// True when `text` is a valid IFC GlobalId.
pub fn is_valid(text: &str) -> bool {
    decode(text).is_some()
}

/// The GUID aecos mints for `label` in project `project`: deterministic, valid, and in
/// practice unique (128 bits of SHA-256, 122 of them free).
pub fn mint(project: &str, label: &str) -> String {
    let mut h = Sha256::new();
    h.update(NAMESPACE.as_bytes());
    h.update([0]);
    h.update(project.as_bytes());
    h.update([0]);
    h.update(label.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let mut value = u128::from_be_bytes(first);
    // RFC 9562: version 8 (bits 76-79 = 1000), variant 10 (bits 62-63).
    value = (value & !(0xF << 76)) | (0x8 << 76);
    value = (value & !(0x3 << 62)) | (0x2 << 62);
    encode(value)
}

/// The IFC GlobalId an AEC OS element gets: its own id when that is already a valid IFC
/// GlobalId made by an IFC tool, else a minted one (label `element/<id>`). The bool says
/// whether it was minted. 22-hex ids are always minted, even the rare ones that happen
/// to decode (first character `0`-`3`): they were never IFC GUIDs.
pub fn element_guid(project: &str, aecos_id: &str) -> (String, bool) {
    use crate::project::elements::{classify_global_id, GlobalIdKind};
    match classify_global_id(aecos_id) {
        GlobalIdKind::IfcBase64 => (aecos_id.to_string(), false),
        GlobalIdKind::Hex22 | GlobalIdKind::Other => {
            (mint(project, &format!("element/{aecos_id}")), true)
        }
    }
}

/// The same 128 bits in the usual 8-4-4-4-12 hex form (what ifcopenshell's
/// `guid.expand` prints), for reports.
pub fn to_uuid(value: u128) -> String {
    let h = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_value_matches_ifcopenshell() {
        // ifcopenshell.guid.compress("00000000000000000000000000000000") == "0" * 22 and
        // compress("ffffffffffffffffffffffffffffffff") == "3" + "$" * 21.
        assert_eq!(encode(0), "0000000000000000000000");
        assert_eq!(encode(u128::MAX), "3$$$$$$$$$$$$$$$$$$$$$");
        // ifcopenshell.guid.compress("28e0f4c9-5a30-4bba-a4b5-4c1a8c2a2c2f")
        let v = u128::from_str_radix("28e0f4c95a304bbaa4b54c1a8c2a2c2f", 16).unwrap();
        assert_eq!(encode(v), "0euFJ9MZ1BkgIrJ1gCAYml");
        assert_eq!(decode("0euFJ9MZ1BkgIrJ1gCAYml"), Some(v));
        assert_eq!(to_uuid(v), "28e0f4c9-5a30-4bba-a4b5-4c1a8c2a2c2f");
    }

    #[test]
    fn round_trips() {
        for v in [
            1u128,
            63,
            64,
            1 << 100,
            u128::MAX - 1,
            0x0123_4567_89AB_CDEF,
        ] {
            assert_eq!(decode(&encode(v)), Some(v));
        }
    }

    #[test]
    fn rejects_invalid() {
        assert!(!is_valid("4000000000000000000000"), "first char > 3");
        assert!(!is_valid("000000000000000000000"), "21 chars");
        assert!(!is_valid("00000000000000000000000"), "23 chars");
        assert!(!is_valid("00000000000000000000-0"), "bad char");
        assert!(!is_valid("B5580D04D4754C4885A247"), "AEC OS hex id");
        assert!(is_valid("2O2Fr$t4X7Zf8NOew3FLOH"));
    }

    #[test]
    fn mint_is_deterministic_valid_and_distinct() {
        let a = mint("Clinic", "element/B5580D04D4754C4885A247");
        assert_eq!(a, mint("Clinic", "element/B5580D04D4754C4885A247"));
        assert!(is_valid(&a));
        assert_ne!(a, mint("Clinic", "element/B5580D04D4754C4885A248"));
        assert_ne!(a, mint("Other", "element/B5580D04D4754C4885A247"));
        // No ambiguity between project and label boundaries.
        assert_ne!(mint("ab", "c"), mint("a", "bc"));
        let v = decode(&a).unwrap();
        assert_eq!((v >> 76) & 0xF, 8, "UUID version 8");
        assert_eq!((v >> 62) & 0x3, 2, "RFC variant");
    }

    #[test]
    fn element_guid_keeps_ifc_ids_and_mints_hex() {
        assert_eq!(
            element_guid("P", "2O2Fr$t4X7Zf8NOew3FLOH"),
            ("2O2Fr$t4X7Zf8NOew3FLOH".to_string(), false)
        );
        let (g, minted) = element_guid("P", "B5580D04D4754C4885A247");
        assert!(minted && is_valid(&g));
        // A hex id that would decode is still minted.
        let (g2, minted2) = element_guid("P", "0123456789ABCDEF012345");
        assert!(minted2 && g2 != "0123456789ABCDEF012345");
    }

    #[test]
    fn many_minted_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..20_000 {
            assert!(seen.insert(mint("P", &format!("element/{i:022X}"))));
        }
    }
}
