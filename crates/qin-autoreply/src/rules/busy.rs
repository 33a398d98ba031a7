//! While waiting: the chat's place and estimate (again on a meaningful change, as the router
//! tells it, at most every `busy_every_s`), and the assigned agent's personal auto-reply while they are busy or away.

use super::first_contact::agent_name;
use super::{Input, Reply, Rule};
use crate::text::{eta, fill};
use qin_proto::{AgentStatus, Millis, RouteOutcome, ShopEvent};

/// Queued (agents online, all full) or waiting for one agent: where the chat stands. The
/// router publishes a `routed` event only when the place or estimate changed meaningfully,
/// and the `cid` names both, so the same news is never told twice.
pub(super) fn busy(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::Routed {
        group,
        outcome,
        eta_s,
        ..
    } = i.event
    else {
        return None;
    };
    let position = match outcome {
        RouteOutcome::Queued { online: 0, .. } | RouteOutcome::Assigned { .. } => return None,
        RouteOutcome::Queued { position, .. } | RouteOutcome::WaitingAgent { position, .. } => {
            *position
        }
    };
    let settings = &i.engine.shop.auto_reply;
    let template = &settings.busy_message;
    let told = i.earlier.iter().any(|r| r.rule == Rule::Unavailable);
    if template.trim().is_empty() || told || i.quiet() || !i.engine.open(i.facts.now) {
        return None;
    }
    // However often the router tells a change, the chat's log gets one every `busy_every_s`.
    let every = Millis::from(settings.busy_every_s) * 1000;
    if i.chat
        .last_busy_at
        .is_some_and(|at| i.facts.now - at < every)
    {
        return None;
    }
    let group_name = i
        .engine
        .shop
        .group(group)
        .map_or_else(|| group.to_string(), |g| g.name.clone());
    let body = fill(
        template,
        &[
            ("position", &position.to_string()),
            ("ahead", &position.saturating_sub(1).to_string()),
            ("eta", &eta(*eta_s)),
            ("group", &group_name),
        ],
    );
    let eta_key = eta_s.map_or_else(|| "-".to_owned(), |s| s.to_string());
    Some(i.reply(format!("auto:busy:{position}:{eta_key}"), body, Rule::Busy))
}

/// A shopper wrote while their agent is busy or away and has set a personal auto-reply in
/// the console: it is sent once per wait for an answer.
pub(super) fn agent_reply(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::ShopperMessage { .. } = i.event else {
        return None;
    };
    let agent = i.chat.agent.as_ref()?;
    let wait = i.chat.wait?;
    let away = matches!(
        i.facts.agent_status,
        Some(AgentStatus::Busy | AgentStatus::Away)
    );
    let text = i.facts.agent_reply.filter(|t| !t.trim().is_empty())?;
    let format = &i.engine.shop.auto_reply.agent_reply_format;
    if !away || format.trim().is_empty() || i.quiet() {
        return None;
    }
    let body = fill(format, &[("agent", &agent_name(i, agent)), ("text", text)]);
    Some(i.reply(
        format!("auto:agent:{agent}:{}", wait.seq),
        body,
        Rule::AgentReply,
    ))
}
