//! The engine: a shop's auto-reply config made ready for the rules (regexes compiled, rules
//! in priority order, the calendar parsed), and the pure steps the worker drives — an event
//! in, the chat's memory updated and the bot replies out; a moment in, the holding messages
//! due. No I/O, no clock: the time is always given.

use crate::chat::Chat;
use crate::rules::{self, Reply};
use crate::text::short_id;
use qin_config::ShopConfig;
use qin_config::calendar::Calendar;
use qin_proto::{AgentStatus, ConvId, GroupId, Millis, ShopEvent};
use regex::{Regex, RegexBuilder};
use std::sync::Arc;

/// The auto-reply rules of one shop, ready to run.
#[derive(Debug)]
pub struct Engine {
    pub(crate) shop: Arc<ShopConfig>,
    /// Keyword rules, highest priority first (ties: config order).
    pub(crate) keywords: Vec<Keyword>,
    /// Holding thresholds, soonest first.
    pub(crate) holding: Vec<Holding>,
    pub(crate) calendar: Calendar,
    pub(crate) quiet_ms: Millis,
}

/// A keyword rule with its words lowercased and its patterns compiled.
#[derive(Debug)]
pub(crate) struct Keyword {
    /// Index in the config, for logs.
    pub index: usize,
    /// Stable id in `cid`s: from the answer, so reordering the config keeps it.
    pub id: String,
    pub words: Vec<String>,
    pub patterns: Vec<Regex>,
    pub reply: String,
    pub groups: Vec<GroupId>,
    pub repeat: bool,
}

impl Keyword {
    /// Whether the rule applies in `group` and `text` (already lowercased) triggers it.
    pub fn matches(&self, group: &GroupId, text: &str) -> bool {
        (self.groups.is_empty() || self.groups.contains(group))
            && (self
                .words
                .iter()
                .any(|w| !w.is_empty() && text.contains(w.as_str()))
                || self.patterns.iter().any(|p| p.is_match(text)))
    }
}

/// A no-reply holding message.
#[derive(Debug)]
pub(crate) struct Holding {
    pub after_s: u32,
    pub after_ms: Millis,
    pub message: String,
}

/// What the worker knows besides the event and the chat's memory.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Now, ms since the epoch.
    pub now: Millis,
    /// The status of the chat's assigned agent.
    pub agent_status: Option<AgentStatus>,
    /// That agent's personal auto-reply, set from the console (read only when the agent is
    /// busy or away and a shopper wrote).
    pub agent_reply: Option<&'a str>,
}

impl Facts<'_> {
    /// Just the time.
    pub fn at(now: Millis) -> Self {
        Self {
            now,
            agent_status: None,
            agent_reply: None,
        }
    }
}

impl Engine {
    /// Prepares `shop`'s rules; an error (a pattern or the hours that do not parse) names the
    /// key. A validated config always succeeds.
    pub fn new(shop: Arc<ShopConfig>) -> Result<Self, String> {
        let mut keywords = Vec::with_capacity(shop.keywords.len());
        for (index, k) in shop.keywords.iter().enumerate() {
            let patterns = k
                .patterns
                .iter()
                .map(|p| {
                    RegexBuilder::new(p)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| format!("keywords[{index}].patterns: {e}"))
                })
                .collect::<Result<_, _>>()?;
            keywords.push((
                k.priority,
                Keyword {
                    index,
                    id: short_id(&k.reply),
                    words: k.keywords.iter().map(|w| w.to_lowercase()).collect(),
                    patterns,
                    reply: k.reply.clone(),
                    groups: k.groups.clone(),
                    repeat: k.repeat,
                },
            ));
        }
        // Stable: equal priorities keep config order.
        keywords.sort_by_key(|(priority, _)| std::cmp::Reverse(*priority));
        let mut holding: Vec<Holding> = shop
            .auto_reply
            .holding
            .iter()
            .map(|h| Holding {
                after_s: h.after_s,
                after_ms: Millis::from(h.after_s) * 1000,
                message: h.message.clone(),
            })
            .collect();
        holding.sort_by_key(|h| h.after_s);
        let calendar = shop.hours.calendar().map_err(|e| format!("hours: {e}"))?;
        let quiet_ms = Millis::from(shop.auto_reply.quiet_after_agent_s) * 1000;
        Ok(Self {
            keywords: keywords.into_iter().map(|(_, k)| k).collect(),
            holding,
            calendar,
            quiet_ms,
            shop,
        })
    }

    /// The shop this engine speaks for.
    pub fn shop(&self) -> &Arc<ShopConfig> {
        &self.shop
    }

    /// Updates `chat` with `event` and returns the replies it calls for, in rule order
    /// (see [`rules`]). Replies already posted in the chat (same `cid`) are left out, and the
    /// returned ones are remembered as posted.
    pub fn on_event(
        &self,
        conv: &ConvId,
        chat: &mut Chat,
        event: &ShopEvent,
        facts: &Facts<'_>,
    ) -> Vec<Reply> {
        chat.observe(event, facts.now);
        let out = rules::for_event(self, conv, chat, event, facts);
        for reply in &out {
            chat.remember(&reply.cid);
            if reply.rule == rules::Rule::Busy {
                chat.last_busy_at = Some(facts.now);
            }
        }
        if matches!(
            event,
            ShopEvent::Routed {
                outcome: qin_proto::RouteOutcome::Assigned { .. },
                ..
            }
        ) {
            // An agent has the chat: nobody-can-answer is over, announced or not.
            chat.unanswerable = None;
        }
        out
    }

    /// The holding message due at `now`, if any: the latest threshold passed in the current
    /// wait. Earlier thresholds passed at the same time are skipped, not sent late, and so
    /// are thresholds passed while nobody can answer; afterwards [`Engine::next_wake`] is
    /// always later than `now`.
    pub fn on_time(&self, conv: &ConvId, chat: &mut Chat, now: Millis) -> Option<Reply> {
        let wait = chat.wait?;
        if chat.quiet(now, self.quiet_ms) {
            return None;
        }
        let due: Vec<&Holding> = self
            .holding
            .iter()
            .filter(|h| wait.since + h.after_ms <= now)
            .filter(|h| {
                !chat
                    .fired
                    .contains(&rules::holding_cid(wait.seq, h.after_s))
            })
            .collect();
        let latest = due.last()?;
        let reply = rules::holding(self, conv, chat, wait, latest, now);
        for h in &due {
            chat.remember(&rules::holding_cid(wait.seq, h.after_s));
        }
        reply
    }

    /// When [`Engine::on_time`] may next have something to say for `chat`: the next holding
    /// threshold of its wait, or the end of the agent's quiet time if later.
    pub fn next_wake(&self, chat: &Chat) -> Option<Millis> {
        let wait = chat.wait?;
        if chat.unanswerable.is_some() {
            return None;
        }
        let next = self
            .holding
            .iter()
            .filter(|h| {
                !chat
                    .fired
                    .contains(&rules::holding_cid(wait.seq, h.after_s))
            })
            .map(|h| wait.since + h.after_ms)
            .min()?;
        let quiet_end = chat.last_agent_at.map_or(0, |t| t + self.quiet_ms);
        Some(next.max(quiet_end))
    }

    /// Whether the shop is open at `now` (its hours, holidays and special days).
    pub fn open(&self, now: Millis) -> bool {
        self.calendar.is_open(now)
    }
}
