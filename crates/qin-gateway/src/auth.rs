//! Signed, expiring tokens for shoppers and agents, agent password checks, and who calls
//! the REST API ([`rest`]).
//!
//! A token is `base64url(claims JSON) "." base64url(HMAC-SHA256(claims))`: stateless, so any
//! gateway holding the deployment's secret can verify it.

mod rest;

pub(crate) use rest::{Agent, Caller, Supervisor};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use qin_proto::{Millis, ShopId};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Whose token it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A shopper's identity, kept by the widget.
    Shopper,
    /// An agent's login.
    Agent,
}

/// What a token asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Shopper or agent.
    pub kind: TokenKind,
    /// The shop.
    pub shop: ShopId,
    /// Visitor id or agent id.
    pub sub: String,
    /// Expiry, ms since the epoch.
    pub exp: Millis,
    /// When it was issued, ms since the epoch (0 in tokens older than the field): an agent
    /// signed out at some time refuses her tokens issued before it.
    #[serde(default)]
    pub iat: Millis,
}

/// Signs and verifies tokens with the deployment's secret.
#[derive(Clone)]
pub struct Tokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(..)")
    }
}

impl Tokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        }
    }

    /// A token for `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let body = serde_json::to_vec(claims).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&body);
        let sig = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// The claims of a genuine, unexpired token; `None` for anything else.
    pub fn verify(&self, token: &str, now: Millis) -> Option<Claims> {
        let (body, sig) = token.split_once('.')?;
        let body = URL_SAFE_NO_PAD.decode(body).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mut mac = self.mac();
        mac.update(&body);
        mac.verify_slice(&sig).ok()?;
        let claims: Claims = serde_json::from_slice(&body).ok()?;
        (claims.exp > now).then_some(claims)
    }
}

/// Whether `password` matches the PHC `hash` from the config. Slow on purpose (Argon2):
/// call it off the async runtime's worker threads.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: Millis) -> Claims {
        Claims {
            kind: TokenKind::Agent,
            shop: ShopId::parse("afu").unwrap(),
            sub: "anhong".into(),
            exp,
            iat: 0,
        }
    }

    #[test]
    fn genuine_tokens_verify_until_they_expire() {
        let tokens = Tokens::new(b"secret");
        let t = tokens.sign(&claims(1000));
        assert_eq!(tokens.verify(&t, 999), Some(claims(1000)));
        assert_eq!(tokens.verify(&t, 1000), None);
    }

    #[test]
    fn forged_or_garbled_tokens_are_refused() {
        let t = Tokens::new(b"secret").sign(&claims(1000));
        assert_eq!(Tokens::new(b"other").verify(&t, 0), None);
        let (body, sig) = t.split_once('.').unwrap();
        let forged_body = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                sub: "shasha".into(),
                ..claims(1000)
            })
            .unwrap(),
        );
        let tokens = Tokens::new(b"secret");
        assert_eq!(tokens.verify(&format!("{forged_body}.{sig}"), 0), None);
        assert_eq!(tokens.verify(body, 0), None);
        assert_eq!(tokens.verify("", 0), None);
        assert_eq!(tokens.verify("a.b.c", 0), None);
    }
}
