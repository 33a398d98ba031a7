//! The auto-reply rules and their order. Pure: the event, the chat's memory and the facts
//! the worker gathered in; bot replies out.
//!
//! For each shop event the rules are tried **in this order**, and every rule that fires adds
//! one reply (a rule answers only the events it is about):
//!
//! | # | rule | on | says | fires |
//! |---|---|---|---|---|
//! | 1 | [`Rule::Greeting`] | chat opened | the persona group's greeting, in its voice | once per chat |
//! | 2 | [`Rule::Unavailable`] | routed | the wanted agent is away/offline, who takes over | once per chat |
//! | 3 | [`Rule::Back`] | routed to an agent | someone is here, after a leave-a-message wait | once per such wait |
//! | 4 | [`Rule::AgentGreeting`] | routed to an agent | that agent's own greeting | once per agent per chat |
//! | 5 | [`Rule::Keyword`] | shopper text | the matching FAQ answer of highest priority | once per rule per chat, or per message with `repeat` |
//! | 6 | [`Rule::Busy`] | queued, agents online | place and estimate | again on each meaningful change |
//! | 7 | [`Rule::AgentReply`] | shopper message, agent busy/away | the agent's personal auto-reply | once per wait |
//! | 8 | [`Rule::Away`] | queued, nobody online | leave a message (留言) | once per chat |
//! | 9 | [`Rule::Closed`] | opened, queued or written while the shop is closed | next opening time, leave a message | once per closed period |
//!
//! And on the clock, [`Rule::Holding`]: a shopper message without an agent's answer for a
//! threshold gets that threshold's holding message, once per threshold per wait.
//!
//! Discipline, common to all rules:
//! - only shoppers' messages and the router's and gateways' events are answered — never an
//!   agent's or the bot's own message;
//! - **quiet**: within `quiet_after_agent_s` of an agent's message in the chat, rules 5–7, 9
//!   (on messages) and holding stay silent — a human is answering;
//! - every reply has a deterministic `cid` naming its occasion, so the store's `(from, cid)`
//!   deduplication posts it once however many workers see the event, and the chat's memory
//!   ([`Chat::fired`]) keeps it from firing again.

mod away;
mod busy;
mod first_contact;
mod keywords;

use crate::chat::{Chat, Wait};
use crate::engine::{Engine, Facts, Holding};
use qin_proto::{ConvId, Millis, ShopEvent};

/// Which rule produced a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The persona group's greeting when a chat opens.
    Greeting,
    /// The agent the shopper wanted (asked for, follows, talked to last) is away or offline.
    Unavailable,
    /// An agent took a chat that waited with nobody to answer.
    Back,
    /// The assigned agent's own greeting.
    AgentGreeting,
    /// Keyword rule number `n` (0-based, in config order).
    Keyword(usize),
    /// The chat's place in the queue and the estimate.
    Busy,
    /// The assigned agent's personal auto-reply while busy or away.
    AgentReply,
    /// Nobody in the group is online: leave a message.
    Away,
    /// The shop is closed: when it opens, leave a message.
    Closed,
    /// No agent's answer for this many seconds.
    Holding(u32),
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

/// What one rule looks at.
pub(crate) struct Input<'a> {
    pub engine: &'a Engine,
    pub conv: &'a ConvId,
    pub chat: &'a Chat,
    pub event: &'a ShopEvent,
    pub facts: &'a Facts<'a>,
    /// Replies of earlier rules for the same event.
    pub earlier: &'a [Reply],
}

impl Input<'_> {
    pub fn reply(&self, cid: String, body: String, rule: Rule) -> Reply {
        Reply {
            conv: self.conv.clone(),
            cid,
            body,
            rule,
        }
    }

    /// A human agent wrote in the chat recently.
    pub fn quiet(&self) -> bool {
        self.chat.quiet(self.facts.now, self.engine.quiet_ms)
    }
}

type RuleFn = fn(&Input<'_>) -> Option<Reply>;

/// The event rules in the order they are tried (the table above).
const ORDER: [RuleFn; 9] = [
    first_contact::greeting,
    first_contact::unavailable,
    first_contact::back,
    first_contact::agent_greeting,
    keywords::keyword,
    busy::busy,
    busy::agent_reply,
    away::away,
    away::closed,
];

/// The replies `event` calls for, in rule order, leaving out those already posted.
pub(crate) fn for_event(
    engine: &Engine,
    conv: &ConvId,
    chat: &Chat,
    event: &ShopEvent,
    facts: &Facts<'_>,
) -> Vec<Reply> {
    let mut out: Vec<Reply> = Vec::new();
    for rule in ORDER {
        let input = Input {
            engine,
            conv,
            chat,
            event,
            facts,
            earlier: &out,
        };
        let reply = rule(&input);
        if let Some(reply) = reply
            && !chat.fired.contains(&reply.cid)
        {
            out.push(reply);
        }
    }
    out
}

/// The `cid` of the holding message after `after_s` in the wait begun at `seq`.
pub(crate) fn holding_cid(seq: u64, after_s: u32) -> String {
    format!("auto:hold:{seq}:{after_s}")
}

/// The holding message `h` of `wait`, unless nobody can answer now (the shopper was told to
/// leave a message, or the shop is closed): a promise that someone comes would be false.
pub(crate) fn holding(
    engine: &Engine,
    conv: &ConvId,
    chat: &Chat,
    wait: Wait,
    h: &Holding,
    now: Millis,
) -> Option<Reply> {
    if chat.unanswerable.is_some() || !engine.open(now) {
        return None;
    }
    Some(Reply {
        conv: conv.clone(),
        cid: holding_cid(wait.seq, h.after_s),
        body: h.message.clone(),
        rule: Rule::Holding(h.after_s),
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
