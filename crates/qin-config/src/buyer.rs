//! Buyers the shop vouches for: its backend signs the logged-in buyer's id with the shop's
//! `identity_secret` (HMAC-SHA256, as Intercom's identity verification does), and Qin makes
//! her the same shopper (visitor id) on every device, so her chats, follows and notes follow
//! her. The visitor id is itself a keyed hash, so it does not show her id in the shop.

use crate::{ShopConfig, keyed};
use hmac::Mac;
use qin_proto::VisitorId;

/// Why a buyer identity was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyerRefusal {
    /// The shop has no `identity_secret`: it does not sign buyers.
    NotSigned,
    /// The signature is not the shop's for this id.
    BadSignature,
}

impl ShopConfig {
    /// The visitor id of buyer `id` if `sig_hex` is the shop's signature of it.
    pub fn buyer_visitor(&self, id: &str, sig_hex: &str) -> Result<VisitorId, BuyerRefusal> {
        let secret = self
            .identity_secret
            .as_deref()
            .ok_or(BuyerRefusal::NotSigned)?;
        let sig = decode_hex(sig_hex).ok_or(BuyerRefusal::BadSignature)?;
        keyed::mac(secret.as_bytes(), &[id.as_bytes()])
            .verify_slice(&sig)
            .map_err(|_| BuyerRefusal::BadSignature)?;
        let digest = keyed::hex(secret.as_bytes(), &[b"qin buyer visitor\0", id.as_bytes()]);
        Ok(VisitorId::parse(format!("b{}", &digest[..30]))
            .expect("a letter and hex digits make an id"))
    }
}

/// `hex(HMAC-SHA256(secret, id))`, what a shop's backend computes (tests and docs).
pub fn sign_buyer(secret: &str, id: &str) -> String {
    keyed::hex(secret.as_bytes(), &[id.as_bytes()])
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn shop(secret: Option<&str>) -> ShopConfig {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
        let config = Config::parse(&std::fs::read_to_string(path).unwrap(), "qin.toml").unwrap();
        let mut shop = config.shops[0].clone();
        shop.identity_secret = secret.map(str::to_owned);
        shop
    }

    const SECRET: &str = "a-shop-identity-secret-0123456789abcdef";

    #[test]
    fn a_signed_buyer_is_one_visitor_and_a_forged_one_is_refused() {
        let shop = shop(Some(SECRET));
        let sig = sign_buyer(SECRET, "buyer-42");
        let v = shop.buyer_visitor("buyer-42", &sig).expect("signed");
        assert_eq!(
            shop.buyer_visitor("buyer-42", &sig),
            Ok(v.clone()),
            "stable"
        );
        assert!(!v.as_str().contains("42"), "{v}");
        assert_eq!(
            shop.buyer_visitor("buyer-43", &sig),
            Err(BuyerRefusal::BadSignature),
            "another id"
        );
        let other = sign_buyer("another-shop-secret-0123456789abcdef", "buyer-42");
        assert_eq!(
            shop.buyer_visitor("buyer-42", &other),
            Err(BuyerRefusal::BadSignature)
        );
        let flipped = format!(
            "{}{}",
            if sig.starts_with('0') { '1' } else { '0' },
            &sig[1..]
        );
        for bad in ["", "zz", &sig[..63], &flipped] {
            assert_eq!(
                shop.buyer_visitor("buyer-42", bad),
                Err(BuyerRefusal::BadSignature),
                "{bad}"
            );
        }
        let b = shop.buyer_visitor("buyer-43", &sign_buyer(SECRET, "buyer-43"));
        assert_ne!(b, Ok(v), "two buyers, two visitors");
    }

    #[test]
    fn a_shop_without_a_secret_signs_nobody() {
        let sig = sign_buyer(SECRET, "buyer-42");
        assert_eq!(
            shop(None).buyer_visitor("buyer-42", &sig),
            Err(BuyerRefusal::NotSigned)
        );
    }
}
