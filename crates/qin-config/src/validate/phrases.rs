//! Checks of a shop's quick phrases (`[[shops.phrases]]`): well-formed shortcuts, none twice,
//! text within the message limit, at most as many as the API allows. Errors name the key.

use super::invalid;
use crate::{ConfigError, ShopConfig};
use qin_proto::MAX_PHRASES;
use qin_proto::phrase::{check_phrase_text, check_shortcut};
use std::collections::HashSet;

pub(crate) fn shop(shop: &ShopConfig, at: &str, max_body_chars: usize) -> Result<(), ConfigError> {
    if shop.phrases.len() > MAX_PHRASES {
        return Err(invalid(
            format!("{at}.phrases"),
            format!("at most {MAX_PHRASES} phrases per shop"),
        ));
    }
    let mut seen = HashSet::new();
    for (pi, p) in shop.phrases.iter().enumerate() {
        let key = format!("{at}.phrases[{pi}]");
        check_shortcut(&p.shortcut).map_err(|e| invalid(format!("{key}.shortcut"), e.message))?;
        if !seen.insert(&p.shortcut) {
            return Err(invalid(
                format!("{key}.shortcut"),
                format!("duplicate shortcut {:?}", p.shortcut),
            ));
        }
        check_phrase_text(&p.text, max_body_chars)
            .map_err(|e| invalid(format!("{key}.text"), e.message))?;
    }
    Ok(())
}
