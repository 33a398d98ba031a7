//! Fuzzing token checks: `Tokens::verify` on any string or a tampered genuine token never
//! panics and never accepts anything but the genuine, unexpired token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use qin_gateway::{Claims, TokenKind, Tokens};
use qin_proto::ShopId;

const SECRET: &[u8] = b"token-fuzz-secret-0123456789abcdef";

fn claims() -> impl Strategy<Value = Claims> {
    (
        prop_oneof![Just(TokenKind::Shopper), Just(TokenKind::Agent)],
        "[a-z][a-z0-9_-]{0,15}",
        "\\PC{0,30}",
        0i64..i64::MAX / 2,
        0i64..i64::MAX / 2,
    )
        .prop_filter_map("a valid shop id", |(kind, shop, sub, exp, iat)| {
            Some(Claims {
                kind,
                shop: ShopId::parse(shop)?,
                sub,
                exp: exp + 1,
                iat,
            })
        })
}

/// A change to a token: a byte removed, replaced or put in (kept as text).
fn tamper(token: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = token.as_bytes().to_vec();
    for &(at, byte, how) in edits {
        let at = at % (bytes.len() + 1);
        match how % 3 {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = byte,
            _ => bytes.insert(at, byte),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_is_refused(text in "\\PC{0,200}", now in any::<i64>()) {
        prop_assert_eq!(Tokens::new(SECRET).verify(&text, now), None);
    }

    #[test]
    fn dotted_base64_garbage_is_refused(
        body in prop::collection::vec(any::<u8>(), 0..200),
        sig in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let text = format!("{}.{}", URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(&sig));
        prop_assert_eq!(Tokens::new(SECRET).verify(&text, 0), None);
    }

    #[test]
    fn genuine_tokens_verify_and_tampered_ones_never(
        claims in claims(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let tokens = Tokens::new(SECRET);
        let token = tokens.sign(&claims);
        prop_assert_eq!(tokens.verify(&token, 0), Some(claims.clone()));
        let tampered = tamper(&token, &edits);
        if tampered != token {
            prop_assert_eq!(tokens.verify(&tampered, 0), None, "accepted {}", tampered);
        }
        prop_assert_eq!(Tokens::new(b"another-secret-0123456789abcdef-xyz").verify(&token, 0), None);
    }

    #[test]
    fn changed_claims_under_the_old_signature_are_refused(claims in claims(), other in claims()) {
        prop_assume!(claims != other);
        let tokens = Tokens::new(SECRET);
        let token = tokens.sign(&claims);
        let (_, sig) = token.split_once('.').unwrap();
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
        prop_assert_eq!(tokens.verify(&format!("{body}.{sig}"), 0), None);
    }
}
