//! Identifiers of shops, persona groups, agents, shoppers (visitors) and conversations.
//!
//! Every id is 1–64 characters of `[A-Za-z0-9_-]`, so it is safe inside Redis keys, topics and URLs.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Longest id accepted anywhere.
pub const MAX_ID_LEN: usize = 64;

/// Whether `s` is a well-formed id.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `s` and wraps it; `None` when it is not a well-formed id.
            pub fn parse(s: impl Into<String>) -> Option<Self> {
                let s = s.into();
                is_valid_id(&s).then_some(Self(s))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(s).ok_or_else(|| {
                    serde::de::Error::custom(concat!(
                        "invalid ",
                        stringify!($name),
                        ": expected 1-64 characters of A-Z a-z 0-9 _ -"
                    ))
                })
            }
        }
    };
}

id_type!(
    /// A shop (tenant), e.g. `afu`.
    ShopId
);
id_type!(
    /// A persona group of a shop, e.g. `lady` (淑女组).
    GroupId
);
id_type!(
    /// An agent (customer-service staff member) of a shop, e.g. `anhong`.
    AgentId
);
id_type!(
    /// A shopper's identity, kept by the widget in its signed token.
    VisitorId
);
id_type!(
    /// A conversation between one shopper and the shop.
    ConvId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_safe_characters_only() {
        assert!(ShopId::parse("afu").is_some());
        assert!(ConvId::parse("c_01-AZ").is_some());
        assert!(ShopId::parse("").is_none());
        assert!(ShopId::parse("a:b").is_none());
        assert!(ShopId::parse("a b").is_none());
        assert!(ShopId::parse("阿芙").is_none());
        assert!(ShopId::parse("x".repeat(65)).is_none());
        assert!(ShopId::parse("x".repeat(64)).is_some());
    }
}
