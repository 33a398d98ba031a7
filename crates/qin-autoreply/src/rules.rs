//! The pure auto-reply rules: which bot replies an event calls for. No I/O, no clock.

use qin_config::{KeywordRule, ShopConfig};
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
    /// The agent the shopper wanted (asked for, follows, talked to last) is away or offline.
    Unavailable,
}

/// A bot message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Conversation.
    pub conv: ConvId,
    /// Deterministic client id: the same occasion always yields the same `cid`, so the
    /// store's deduplication posts it once however many workers see the event.
    pub cid: String,
    /// Text.
    pub body: String,
    /// Which rule fired.
    pub rule: Rule,
}

/// What the caller knows about the event's conversation that the event itself does not say.
/// Later rules (off-hours, agents' own auto-replies) add their facts here, so the rules stay
/// free of I/O and clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The conversation's persona group; needed for keyword rules limited to some groups.
    pub group: Option<&'a GroupId>,
}

/// One rule of the engine: at most one reply for an event.
type RuleFn = fn(&ShopConfig, &ShopEvent, &Context<'_>) -> Option<Reply>;

/// The rules, in the order they are tried; every rule that fires adds its reply.
const ORDER: [RuleFn; 4] = [greeting, keyword, unavailable, away];

/// The replies `event` calls for, in rule order.
pub fn replies(shop: &ShopConfig, event: &ShopEvent, ctx: &Context<'_>) -> Vec<Reply> {
    ORDER
        .iter()
        .filter_map(|rule| rule(shop, event, ctx))
        .collect()
}

/// The conversation `event` may call for a reply in, judged without its [`Context`]: `None`
/// means no reply whatever the context, so the worker skips the store read that most
/// shopper messages (matching no keyword in any group) would otherwise cost.
pub fn candidate<'e>(shop: &ShopConfig, event: &'e ShopEvent) -> Option<&'e ConvId> {
    match event {
        ShopEvent::ChatOpened { conv, .. } => Some(conv),
        ShopEvent::ShopperMessage {
            conv,
            kind: MessageKind::Text,
            body,
            ..
        } => {
            let text = body.to_lowercase();
            shop.keywords
                .iter()
                .any(|rule| mentions(rule, &text))
                .then_some(conv)
        }
        ShopEvent::Routed {
            conv,
            outcome: RouteOutcome::Queued { online: 0, .. },
            ..
        }
        | ShopEvent::Routed {
            conv,
            unavailable: Some(_),
            ..
        } => Some(conv),
        _ => None,
    }
}

/// A chat opened: its group's greeting, in the group's voice (unknown group: the default's).
fn greeting(shop: &ShopConfig, event: &ShopEvent, _: &Context<'_>) -> Option<Reply> {
    let ShopEvent::ChatOpened { conv, group, .. } = event else {
        return None;
    };
    let g = shop
        .group(group)
        .or_else(|| shop.group(&shop.default_group))?;
    Some(Reply {
        conv: conv.clone(),
        cid: "auto:greeting".into(),
        body: g.greeting.clone(),
        rule: Rule::Greeting,
    })
}

/// The wanted agent cannot take the chat: say so, and who takes it instead.
fn unavailable(shop: &ShopConfig, event: &ShopEvent, _: &Context<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        conv,
        group,
        outcome,
        unavailable: Some(wanted),
    } = event
    else {
        return None;
    };
    let name = |id: &qin_proto::AgentId| {
        shop.agent(id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    };
    let group_name = shop
        .group(group)
        .map_or_else(|| group.to_string(), |g| g.name.clone());
    let gone = match wanted.status {
        qin_proto::AgentStatus::Away => "暂时离开了",
        _ => "现在不在线",
    };
    let next = match outcome {
        RouteOutcome::Assigned { agent } => format!("已为您接通{group_name}的{}", name(agent)),
        RouteOutcome::Queued { position, .. } => {
            format!(
                "已为您排入{group_name}，前面还有{}位",
                position.saturating_sub(1)
            )
        }
        RouteOutcome::WaitingAgent { .. } => return None,
    };
    Some(Reply {
        conv: conv.clone(),
        cid: "auto:unavailable".into(),
        body: format!("亲，{}{gone}～{next}，请稍等哦！", name(&wanted.agent)),
        rule: Rule::Unavailable,
    })
}

/// A shopper's text: the first keyword rule that matches in the conversation's group.
fn keyword(shop: &ShopConfig, event: &ShopEvent, ctx: &Context<'_>) -> Option<Reply> {
    let ShopEvent::ShopperMessage {
        conv,
        seq,
        kind: MessageKind::Text,
        body,
    } = event
    else {
        return None;
    };
    let text = body.to_lowercase();
    let (i, rule) = shop.keywords.iter().enumerate().find(|(_, rule)| {
        let in_group = rule.groups.is_empty() || ctx.group.is_some_and(|g| rule.groups.contains(g));
        in_group && mentions(rule, &text)
    })?;
    Some(Reply {
        conv: conv.clone(),
        // Per shopper message: each question gets its own answer, a re-delivered one none.
        cid: format!("auto:kw:{seq}"),
        body: rule.reply.clone(),
        rule: Rule::Keyword(i),
    })
}

/// Queued with nobody of the group online: the group's away message, else the shop's.
fn away(shop: &ShopConfig, event: &ShopEvent, _: &Context<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        conv,
        group,
        outcome: RouteOutcome::Queued { online: 0, .. },
        ..
    } = event
    else {
        return None;
    };
    let body = shop
        .group(group)
        .and_then(|g| g.away_message.clone())
        .unwrap_or_else(|| shop.away_message.clone());
    Some(Reply {
        conv: conv.clone(),
        // Once per conversation: re-queueing (e.g. after a transfer) does not repeat it.
        cid: "auto:away".into(),
        body,
        rule: Rule::Away,
    })
}

/// Whether already-lowercased `text` contains one of the rule's keywords, ignoring case.
/// Empty keywords never match: config validation rejects them, but an unvalidated one
/// would otherwise answer every message.
fn mentions(rule: &KeywordRule, text: &str) -> bool {
    rule.keywords
        .iter()
        .any(|k| !k.is_empty() && text.contains(&k.to_lowercase()))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
