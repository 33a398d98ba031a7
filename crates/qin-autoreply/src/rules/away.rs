//! Nobody can answer: nobody of the group is online (the away message), or the shop is
//! closed (the off-hours message with the next opening time). Both invite the shopper to
//! leave a message (留言): it stays in the chat's log for the agent who takes it.

use super::{Input, Reply, Rule};
use crate::chat::{AWAY_CID, CLOSED_CID};
use crate::text::fill;
use qin_proto::{AgentStatus, RouteOutcome, ShopEvent};

/// Queued while the shop is open and nobody of the group is online: the group's away
/// message, else the shop's. Once per chat.
pub(super) fn away(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        group,
        outcome: RouteOutcome::Queued { online: 0, .. },
        ..
    } = i.event
    else {
        return None;
    };
    if !i.engine.open(i.facts.now) {
        return None; // the off-hours message says more
    }
    let shop = &i.engine.shop;
    let body = shop
        .group(group)
        .and_then(|g| g.away_message.clone())
        .unwrap_or_else(|| shop.away_message.clone());
    Some(i.reply(AWAY_CID.into(), body, Rule::Away))
}

/// The shop is closed (hours, holiday): when it opens again, and that a message is kept.
/// Said when a chat opens or is queued, and when a shopper writes with no agent at the desk
/// for them; once per closed period (the `cid` names the opening time).
pub(super) fn closed(i: &Input<'_>) -> Option<Reply> {
    let now = i.facts.now;
    let applies = match i.event {
        ShopEvent::ChatOpened { .. } => true,
        ShopEvent::Routed { outcome, .. } => !matches!(outcome, RouteOutcome::Assigned { .. }),
        ShopEvent::ShopperMessage { .. } => {
            let at_desk =
                i.chat.agent.is_some() && i.facts.agent_status == Some(AgentStatus::Online);
            !at_desk && !i.quiet()
        }
        _ => false,
    };
    let template = &i.engine.shop.auto_reply.closed_message;
    if !applies || template.trim().is_empty() || i.engine.open(now) {
        return None;
    }
    let calendar = &i.engine.calendar;
    let next = calendar.next_open(now);
    let when = next.map_or_else(|| "稍后".to_owned(), |at| calendar.format(at));
    let key = next.map_or_else(|| "never".to_owned(), |at| at.to_string());
    let body = fill(template, &[("next_open", &when)]);
    Some(i.reply(format!("{CLOSED_CID}{key}"), body, Rule::Closed))
}
