//! Checks of a shop's auto-reply settings: keyword rules (words, regexes, groups), agents'
//! greetings, holding messages and the placeholders of every text. Each error names the key.

use super::invalid;
use crate::{ConfigError, ShopConfig};
use std::collections::HashSet;

/// Longest pattern accepted, so a config cannot make the regex compiler work for long.
const MAX_PATTERN_LEN: usize = 1000;

pub(crate) fn shop(shop: &ShopConfig, at: &str) -> Result<(), ConfigError> {
    for (ki, k) in shop.keywords.iter().enumerate() {
        let key = format!("{at}.keywords[{ki}]");
        if k.keywords.iter().any(|w| w.trim().is_empty()) {
            return Err(invalid(
                format!("{key}.keywords"),
                "keywords must not be empty",
            ));
        }
        if k.keywords.is_empty() && k.patterns.is_empty() {
            return Err(invalid(
                format!("{key}.keywords"),
                "needs at least one keyword or pattern",
            ));
        }
        for (pi, p) in k.patterns.iter().enumerate() {
            compile(p).map_err(|e| invalid(format!("{key}.patterns[{pi}]"), e))?;
        }
        if k.reply.trim().is_empty() {
            return Err(invalid(format!("{key}.reply"), "must not be empty"));
        }
        if let Some(g) = k.groups.iter().find(|g| shop.group(g).is_none()) {
            return Err(invalid(
                format!("{key}.groups"),
                format!("no group {g} in this shop"),
            ));
        }
    }
    for (ai, a) in shop.agents.iter().enumerate() {
        if a.greeting.as_ref().is_some_and(|g| g.trim().is_empty()) {
            return Err(invalid(
                format!("{at}.agents[{ai}].greeting"),
                "must not be empty (leave it out for none)",
            ));
        }
    }
    let r = &shop.auto_reply;
    let key = format!("{at}.auto_reply");
    if r.quiet_after_agent_s > 86_400 {
        return Err(invalid(
            format!("{key}.quiet_after_agent_s"),
            "must be 0 to 86400",
        ));
    }
    if r.busy_every_s > 86_400 {
        return Err(invalid(format!("{key}.busy_every_s"), "must be 0 to 86400"));
    }
    let texts: [(&str, &str, &[&str]); 4] = [
        (
            "busy_message",
            &r.busy_message,
            &["position", "ahead", "eta", "group"],
        ),
        ("closed_message", &r.closed_message, &["next_open"]),
        ("back_message", &r.back_message, &["agent"]),
        (
            "agent_reply_format",
            &r.agent_reply_format,
            &["agent", "text"],
        ),
    ];
    for (name, text, known) in texts {
        placeholders(text, known).map_err(|e| invalid(format!("{key}.{name}"), e))?;
    }
    if !r.agent_reply_format.trim().is_empty() && !r.agent_reply_format.contains("{text}") {
        return Err(invalid(
            format!("{key}.agent_reply_format"),
            "must contain {text} (the agent's words), or be empty to send none",
        ));
    }
    let mut after = HashSet::new();
    for (hi, h) in r.holding.iter().enumerate() {
        let key = format!("{key}.holding[{hi}]");
        if !(1..=86_400).contains(&h.after_s) {
            return Err(invalid(format!("{key}.after_s"), "must be 1 to 86400"));
        }
        if !after.insert(h.after_s) {
            return Err(invalid(
                format!("{key}.after_s"),
                format!("another holding message is also sent after {} s", h.after_s),
            ));
        }
        if h.message.trim().is_empty() {
            return Err(invalid(format!("{key}.message"), "must not be empty"));
        }
    }
    Ok(())
}

/// Compiles a keyword pattern as the auto-reply service does (case-insensitive).
fn compile(pattern: &str) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!("longer than {MAX_PATTERN_LEN} bytes"));
    }
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map(drop)
        .map_err(|e| format!("not a valid regex: {e}"))
}

/// Checks that every `{name}` in `text` is one of `known`.
fn placeholders(text: &str, known: &[&str]) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        let is_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if is_name && !known.contains(&name) {
            let list: Vec<String> = known.iter().map(|k| format!("{{{k}}}")).collect();
            return Err(format!(
                "unknown placeholder {{{name}}}; this text may use {}",
                list.join(" ")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}
