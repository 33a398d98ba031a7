//! First contact: the persona group's greeting when a chat opens; when it is routed, who
//! takes it instead of an unavailable favourite, that someone is here after a wait with
//! nobody to answer, and the agent's own greeting.

use super::{Input, Reply, Rule};
use crate::chat::BACK_CID;
use crate::text::fill;
use qin_proto::{AgentId, AgentStatus, RouteOutcome, ShopEvent};

/// A chat opened: its group's greeting, in the group's voice (unknown group: the default's).
pub(super) fn greeting(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::ChatOpened { group, .. } = i.event else {
        return None;
    };
    let shop = &i.engine.shop;
    let g = shop
        .group(group)
        .or_else(|| shop.group(&shop.default_group))?;
    Some(i.reply("auto:greeting".into(), g.greeting.clone(), Rule::Greeting))
}

/// The wanted agent cannot take the chat: say so, and who takes it instead.
pub(super) fn unavailable(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        group,
        outcome,
        unavailable: Some(wanted),
        ..
    } = i.event
    else {
        return None;
    };
    let shop = &i.engine.shop;
    let group_name = shop
        .group(group)
        .map_or_else(|| group.to_string(), |g| g.name.clone());
    let gone = match wanted.status {
        AgentStatus::Away => "暂时离开了",
        _ => "现在不在线",
    };
    let next = match outcome {
        RouteOutcome::Assigned { agent } => {
            format!("已为您接通{group_name}的{}", agent_name(i, agent))
        }
        RouteOutcome::Queued { position, .. } => {
            format!(
                "已为您排入{group_name}，前面还有{}位",
                position.saturating_sub(1)
            )
        }
        RouteOutcome::WaitingAgent { .. } => return None,
    };
    let body = format!(
        "亲，{}{gone}～{next}，请稍等哦！",
        agent_name(i, &wanted.agent)
    );
    Some(i.reply("auto:unavailable".into(), body, Rule::Unavailable))
}

/// An agent took a chat whose shopper was told nobody could answer (and to leave a message):
/// someone is here now. Once per such wait: the `cid` names the notice it follows.
pub(super) fn back(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        outcome: RouteOutcome::Assigned { agent },
        ..
    } = i.event
    else {
        return None;
    };
    let notice = i.chat.unanswerable.as_deref()?;
    let template = &i.engine.shop.auto_reply.back_message;
    if template.trim().is_empty() {
        return None;
    }
    let occasion = notice.strip_prefix("auto:").unwrap_or(notice);
    let body = fill(template, &[("agent", &agent_name(i, agent))]);
    Some(i.reply(format!("{BACK_CID}{occasion}"), body, Rule::Back))
}

/// A chat was given to an agent who has their own greeting: once per agent per chat.
pub(super) fn agent_greeting(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        outcome: RouteOutcome::Assigned { agent },
        ..
    } = i.event
    else {
        return None;
    };
    let greeting = i.engine.shop.agent(agent)?.greeting.clone()?;
    Some(i.reply(format!("auto:hello:{agent}"), greeting, Rule::AgentGreeting))
}

/// An agent's display name (their id if the config no longer has them).
pub(super) fn agent_name(i: &Input<'_>, id: &AgentId) -> String {
    i.engine
        .shop
        .agent(id)
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}
