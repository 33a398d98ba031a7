//! Cross-field checks that serde cannot express; each error names the key at fault.

use crate::{Config, ConfigError};
use std::collections::HashSet;

mod auto_reply;
mod connections;
mod login;
mod phrases;
mod routing;

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

pub(crate) fn config(c: &Config) -> Result<(), ConfigError> {
    let l = &c.limits;
    if !(256..=1024 * 1024).contains(&l.max_frame_bytes) {
        return Err(invalid("limits.max_frame_bytes", "must be 256 to 1048576"));
    }
    if l.max_body_chars == 0 || l.max_body_chars * 4 > l.max_frame_bytes {
        return Err(invalid(
            "limits.max_body_chars",
            "must be at least 1 and at most max_frame_bytes / 4 (a character takes up to 4 bytes)",
        ));
    }
    if !(8..=256).contains(&l.max_cid_len) {
        return Err(invalid("limits.max_cid_len", "must be 8 to 256"));
    }
    if l.frames_per_s == 0 || l.frame_burst == 0 {
        return Err(invalid(
            "limits.frames_per_s",
            "frames_per_s and frame_burst must be at least 1",
        ));
    }
    if l.outbox_frames < 16 {
        return Err(invalid("limits.outbox_frames", "must be at least 16"));
    }
    if l.open_chats_per_shopper == 0 {
        return Err(invalid(
            "limits.open_chats_per_shopper",
            "must be at least 1",
        ));
    }
    if !(1..=86_400).contains(&l.flood_window_s) {
        return Err(invalid(
            "limits.flood_window_s",
            "must be 1 to 86400 seconds",
        ));
    }
    if c.server.agent_token_ttl_s == 0 || c.server.shopper_token_ttl_s == 0 {
        return Err(invalid(
            "server.agent_token_ttl_s",
            "token lifetimes must be at least 1 s",
        ));
    }
    login::check(&c.login)?;
    connections::connections(&c.connections)?;
    if c.shops.is_empty() {
        return Err(invalid("shops", "at least one shop is needed"));
    }
    let mut shop_ids = HashSet::new();
    for (si, shop) in c.shops.iter().enumerate() {
        let at = format!("shops[{si}]");
        if !shop_ids.insert(&shop.id) {
            return Err(invalid(
                format!("{at}.id"),
                format!("duplicate shop id {}", shop.id),
            ));
        }
        if shop.groups.is_empty() {
            return Err(invalid(
                format!("{at}.groups"),
                "a shop needs at least one persona group",
            ));
        }
        let mut groups = HashSet::new();
        for (gi, g) in shop.groups.iter().enumerate() {
            if !groups.insert(&g.id) {
                return Err(invalid(
                    format!("{at}.groups[{gi}].id"),
                    format!("duplicate group {}", g.id),
                ));
            }
            if g.greeting.trim().is_empty() {
                return Err(invalid(
                    format!("{at}.groups[{gi}].greeting"),
                    "must not be empty",
                ));
            }
        }
        if !groups.contains(&shop.default_group) {
            return Err(invalid(
                format!("{at}.default_group"),
                format!("no group {} in this shop", shop.default_group),
            ));
        }
        let mut agents = HashSet::new();
        for (ai, a) in shop.agents.iter().enumerate() {
            let key = format!("{at}.agents[{ai}]");
            if !agents.insert(&a.id) {
                return Err(invalid(
                    format!("{key}.id"),
                    format!("duplicate agent {}", a.id),
                ));
            }
            if !groups.contains(&a.group) {
                return Err(invalid(
                    format!("{key}.group"),
                    format!("no group {} in this shop", a.group),
                ));
            }
            // A supervisor may take no chats at all.
            let least = u32::from(!a.supervisor);
            if !(least..=200).contains(&a.max_chats) {
                let range = if a.supervisor { "0 to 200" } else { "1 to 200" };
                return Err(invalid(
                    format!("{key}.max_chats"),
                    format!("must be {range}"),
                ));
            }
            if argon2::PasswordHash::new(&a.password_hash).is_err() {
                return Err(invalid(
                    format!("{key}.password_hash"),
                    "not a PHC password hash; create one with `qin hash-password`",
                ));
            }
        }
        if shop.avg_chat_s == 0 {
            return Err(invalid(format!("{at}.avg_chat_s"), "must be at least 1"));
        }
        routing::shop(shop, &at)?;
        phrases::shop(shop, &at, l.max_body_chars)?;
        for (hi, host) in shop.image_hosts.iter().enumerate() {
            qin_proto::image_url::check_image_host(host)
                .map_err(|e| invalid(format!("{at}.image_hosts[{hi}]"), e.message))?;
        }
        connections::origins(shop, &at)?;
        dispositions(shop, &at)?;
        if shop.identity_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(invalid(
                format!("{at}.identity_secret"),
                "at least 32 bytes: make one with `qin gen-secret`",
            ));
        }
        auto_reply::shop(shop, &at)?;
    }
    Ok(())
}

/// Most dispositions a shop offers.
const MAX_DISPOSITIONS: usize = 32;

/// A shop's dispositions: 1–32 characters each (like a close tag), distinct, at most
/// [`MAX_DISPOSITIONS`]; requiring one needs some to choose from.
fn dispositions(shop: &crate::ShopConfig, at: &str) -> Result<(), ConfigError> {
    if shop.dispositions.len() > MAX_DISPOSITIONS {
        return Err(invalid(
            format!("{at}.dispositions"),
            format!("at most {MAX_DISPOSITIONS}"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, d) in shop.dispositions.iter().enumerate() {
        let chars = d.trim().chars().count();
        if chars == 0 || chars > 32 || d.trim() != d {
            return Err(invalid(
                format!("{at}.dispositions[{i}]"),
                "1-32 characters, no spaces around",
            ));
        }
        if !seen.insert(d) {
            return Err(invalid(format!("{at}.dispositions[{i}]"), "listed twice"));
        }
    }
    if shop.disposition_required && shop.dispositions.is_empty() {
        return Err(invalid(
            format!("{at}.disposition_required"),
            "needs dispositions to choose from",
        ));
    }
    Ok(())
}
