//! Quick phrases (快捷短语): canned replies an agent inserts by typing `/shortcut` in the
//! console. Shop-wide ones are kept by supervisors (and the shop's config), personal ones by
//! each agent. Shared by the config, the store and the gateway's REST API.

use crate::{ErrorCode, ProtoError};
use serde::{Deserialize, Serialize};

/// Longest shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// Most phrases one owner (the shop, or one agent of it) keeps.
pub const MAX_PHRASES: usize = 200;

/// One canned reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phrase {
    /// What the agent types after `/`, e.g. `hi` or `发货`.
    pub shortcut: String,
    /// The reply inserted into the reply box.
    pub text: String,
}

/// Whether `s` is a well-formed shortcut: 1–[`MAX_SHORTCUT_CHARS`] letters (any script, so
/// 发货 is one), digits, `_` or `-`. Such a shortcut is safe in URLs once percent-encoded and
/// never holds `/`, `:`, spaces or control characters.
pub fn is_valid_shortcut(s: &str) -> bool {
    let n = s.chars().count();
    (1..=MAX_SHORTCUT_CHARS).contains(&n)
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Checks a shortcut (`bad_frame` naming the rule).
pub fn check_shortcut(s: &str) -> Result<(), ProtoError> {
    if is_valid_shortcut(s) {
        Ok(())
    } else {
        Err(ProtoError::bad_frame(format!(
            "a shortcut is 1-{MAX_SHORTCUT_CHARS} letters, digits, _ or -; not {s:?}"
        )))
    }
}

/// Checks a phrase's text: not blank (`bad_frame`), at most `max_chars` characters
/// (`too_large`), as a message body would be.
pub fn check_phrase_text(text: &str, max_chars: usize) -> Result<(), ProtoError> {
    if text.trim().is_empty() {
        return Err(ProtoError::bad_frame("a phrase's text must not be blank"));
    }
    if text.chars().count() > max_chars {
        return Err(ProtoError::new(
            ErrorCode::TooLarge,
            format!("a phrase's text is at most {max_chars} characters"),
        ));
    }
    Ok(())
}

impl Phrase {
    /// Checks both the shortcut and the text (see [`check_shortcut`], [`check_phrase_text`]).
    pub fn check(&self, max_chars: usize) -> Result<(), ProtoError> {
        check_shortcut(&self.shortcut)?;
        check_phrase_text(&self.text, max_chars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_letters_digits_cjk_underscore_dash() {
        for ok in [
            "hi",
            "发货",
            "ship_2",
            "a-b",
            "退换货",
            &"x".repeat(32),
            &"好".repeat(32),
        ] {
            assert!(is_valid_shortcut(ok), "{ok}");
        }
        let long = "x".repeat(33);
        for bad in ["", "a b", "a/b", "a:b", "/hi", "a\n", "hi!", "😀", &long] {
            assert!(!is_valid_shortcut(bad), "{bad:?}");
            assert_eq!(check_shortcut(bad).unwrap_err().code, ErrorCode::BadFrame);
        }
    }

    #[test]
    fn text_is_not_blank_and_within_the_limit() {
        assert!(check_phrase_text("亲，在的～", 5).is_ok());
        assert_eq!(
            check_phrase_text(" \n\t", 10).unwrap_err().code,
            ErrorCode::BadFrame
        );
        assert_eq!(
            check_phrase_text("亲，在的～有", 5).unwrap_err().code,
            ErrorCode::TooLarge
        );
        let p = Phrase {
            shortcut: "hi".into(),
            text: "亲".into(),
        };
        assert!(p.check(10).is_ok());
    }
}
