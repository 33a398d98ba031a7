//! The pure auto-reply rules: which bot replies an event calls for. No I/O, no clock.

use qin_config::ShopConfig;
use qin_proto::{ConvId, GroupId, MessageKind, RouteOutcome, ShopEvent};

/// Which rule produced a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The persona group's greeting when a chat opens.
    Greeting,
    /// Keyword rule number `n` (0-based, in config order).
    Keyword(usize),
    /// Nobody in the group is online.
    Away,
}

/// A bot message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Conversation.
    pub conv: ConvId,
    /// Deterministic client id: the same occasion always yields the same `cid`.
    pub cid: String,
    /// Text.
    pub body: String,
    /// Which rule fired.
    pub rule: Rule,
}

/// The replies `event` calls for. `group` is the conversation's persona group where the
/// event does not carry it (shopper messages); unknown groups fall back to the shop default.
pub fn replies(shop: &ShopConfig, event: &ShopEvent, group: Option<&GroupId>) -> Vec<Reply> {
    match event {
        ShopEvent::ChatOpened { conv, group, .. } => {
            let g = shop
                .group(group)
                .or_else(|| shop.group(&shop.default_group));
            g.map(|g| Reply {
                conv: conv.clone(),
                cid: "auto:greeting".into(),
                body: g.greeting.clone(),
                rule: Rule::Greeting,
            })
            .into_iter()
            .collect()
        }
        ShopEvent::ShopperMessage {
            conv,
            seq,
            kind: MessageKind::Text,
            body,
        } => keyword(shop, body, group)
            .map(|(i, reply)| Reply {
                conv: conv.clone(),
                cid: format!("auto:kw:{seq}"),
                body: reply.to_owned(),
                rule: Rule::Keyword(i),
            })
            .into_iter()
            .collect(),
        ShopEvent::Routed {
            conv,
            group,
            outcome: RouteOutcome::Queued { online: 0, .. },
        } => {
            let body = shop
                .group(group)
                .and_then(|g| g.away_message.clone())
                .unwrap_or_else(|| shop.away_message.clone());
            vec![Reply {
                conv: conv.clone(),
                cid: "auto:away".into(),
                body,
                rule: Rule::Away,
            }]
        }
        _ => Vec::new(),
    }
}

/// The first keyword rule matching `body` in `group`: its index and reply.
fn keyword<'a>(
    shop: &'a ShopConfig,
    body: &str,
    group: Option<&GroupId>,
) -> Option<(usize, &'a str)> {
    let text = body.to_lowercase();
    shop.keywords.iter().enumerate().find_map(|(i, rule)| {
        let in_group = rule.groups.is_empty() || group.is_some_and(|g| rule.groups.contains(g));
        let hit = rule
            .keywords
            .iter()
            .any(|k| text.contains(&k.to_lowercase()));
        (in_group && hit).then_some((i, rule.reply.as_str()))
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
