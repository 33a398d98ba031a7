//! The one keyed hash of this crate: HMAC-SHA256 in lower-case hex, for agents' handles and
//! signed buyers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A MAC of `parts` (concatenated) under `key`.
pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// `hex(HMAC-SHA256(key, parts…))`: 64 lower-case hex digits.
pub(crate) fn hex(key: &[u8], parts: &[&[u8]]) -> String {
    mac(key, parts)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
