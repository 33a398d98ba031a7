//! What the routing core decided, with the rule that fired, for the worker to apply and log.

use qin_proto::{AgentId, ConvId, GroupId, GroupLive};
use std::fmt;

/// Which routing rule produced a decision. Kept explicit so logs, metrics and tests can tell
/// why a chat went where it went; later rules (fans, overflow, shifts, escalation) add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The shopper asked for this agent, who is online with room.
    RequestedAgent,
    /// The least-loaded online agent of the chat's group with room (ties: idle longest).
    LeastLoaded,
    /// Nobody of the group had room: the chat waits in the group's FIFO queue.
    Queued,
    /// Room opened up and the oldest queued chat of the group went to the least-loaded agent.
    QueueDrain,
}

impl Rule {
    /// A short stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestedAgent => "requested_agent",
            Self::LeastLoaded => "least_loaded",
            Self::Queued => "queued",
            Self::QueueDrain => "queue_drain",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One candidate agent's load when a decision was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// Agent.
    pub agent: AgentId,
    /// Chats held before the decision.
    pub load: u32,
    /// The agent's `max_chats`.
    pub max: u32,
}

/// The online agents considered for a decision, shown in logs as `anhong=2/5 dan=5/5`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loads(pub Vec<Load>);

impl fmt::Display for Loads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, l) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}={}/{}", l.agent, l.load, l.max)?;
        }
        Ok(())
    }
}

/// A routing decision. The core has already updated its own state; the worker makes the
/// store and the parties agree with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Give `conv` to `agent`. `group` is the chat's group (for [`Rule::RequestedAgent`] it
    /// may differ from the agent's own group: the shopper's choice of persona is kept).
    Assign {
        /// Conversation.
        conv: ConvId,
        /// The chat's persona group.
        group: GroupId,
        /// Agent.
        agent: AgentId,
        /// Why this agent.
        rule: Rule,
        /// The online agents considered, with their loads before this assignment.
        candidates: Loads,
    },
    /// `conv` is new in its group's queue (always [`Rule::Queued`]).
    Queue {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// 1-based place in the queue.
        position: u32,
        /// Estimated seconds until taken; `None` when nobody of the group is online.
        eta_s: Option<u32>,
        /// Online agents in the group (0: the auto-reply service sends the away message).
        online: u32,
        /// Always [`Rule::Queued`].
        rule: Rule,
        /// The group's online agents, all at capacity.
        candidates: Loads,
    },
    /// An already queued `conv` moved in its queue or its estimate changed.
    Position {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// New 1-based place in the queue.
        position: u32,
        /// New estimate; `None` when nobody of the group is online.
        eta_s: Option<u32>,
    },
    /// A closed chat left the queue (`agent: None`) or freed a slot of `agent`.
    Released {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// The agent whose slot it freed.
        agent: Option<AgentId>,
    },
    /// The shop's live persona-group availability changed: here is all of it, in config order.
    GroupsChanged {
        /// Every group of the shop.
        groups: Vec<GroupLive>,
    },
}
