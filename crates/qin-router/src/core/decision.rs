//! What the routing core decided, with the rule that fired and the candidates it weighed,
//! for the worker to apply, record and log.

use qin_proto::{AgentId, AgentStatus, ConvId, GroupId, GroupLive};
use std::fmt;

/// Which routing rule produced a decision, so logs, records and tests can tell why a chat
/// went where it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The shopper asked for this agent in `open`.
    RequestedAgent,
    /// The shopper follows this agent (a fan).
    FollowedAgent,
    /// This agent handled the shopper's last chat within `recent_days`.
    RecentAgent,
    /// The least-loaded agent of the chat's group with room (ties: idle longest).
    LeastLoaded,
    /// Nobody of the group had room: the chat waits in the group's FIFO queue.
    Queued,
    /// The shop is closed (opening hours, holiday): the chat waits for opening time.
    Closed,
    /// The wanted agent is at the desk but full: the chat waits in their own queue.
    WaitAgent,
    /// Room opened up and the oldest waiting chat went to an agent.
    QueueDrain,
    /// The shopper chose the next agent of the group instead of waiting for their favourite.
    AnyAgent,
    /// The chat waited past its group's `max_wait_s` and a fallback group's agent took it.
    Overflow,
    /// The agent left the shopper unanswered past `transfer_after_s`.
    SlowReply,
    /// The agent has been offline past `offline_grace_s` (or away, for their own queue).
    AgentGone,
    /// The agent's shift ended (`shift_end = "hand_over"`).
    ShiftEnd,
    /// An agent handed the chat on.
    Transfer,
    /// A supervisor moved the chat.
    Reassign,
    /// A request could not be carried out.
    Refused,
    /// The shopper of a waiting chat was gone past `abandon_after_s`.
    Abandoned,
}

impl Rule {
    /// A short stable name for logs, records and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestedAgent => "requested_agent",
            Self::FollowedAgent => "followed_agent",
            Self::RecentAgent => "recent_agent",
            Self::LeastLoaded => "least_loaded",
            Self::Queued => "queued",
            Self::Closed => "closed_hours",
            Self::WaitAgent => "wait_agent",
            Self::QueueDrain => "queue_drain",
            Self::AnyAgent => "any_agent",
            Self::Overflow => "overflow",
            Self::SlowReply => "slow_reply",
            Self::AgentGone => "agent_gone",
            Self::ShiftEnd => "shift_end",
            Self::Transfer => "transfer",
            Self::Reassign => "reassign",
            Self::Refused => "refused",
            Self::Abandoned => "abandoned",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One candidate agent when a decision was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// Agent.
    pub agent: AgentId,
    /// Their status then.
    pub status: AgentStatus,
    /// Chats held before the decision, in thousandths (an idle chat may count less than 1000).
    pub load_milli: u32,
    /// Their cap (`max_chats`, or the active profile's).
    pub max: u32,
}

/// The agents weighed for a decision: how many were considered, and the few best of them
/// (least loaded first), shown in logs as `4 considered: anhong=2/5 dan=5/5`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// Agents that could have been chosen (with room, in the right status and shift).
    pub considered: u32,
    /// Up to [`Candidates::SHOWN`] of them, or for a queued chat the group's present agents.
    pub shown: Vec<Load>,
}

impl Candidates {
    /// How many candidates a decision lists.
    pub const SHOWN: usize = 5;
}

impl fmt::Display for Candidates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} considered:", self.considered)?;
        for l in &self.shown {
            let load = f64::from(l.load_milli) / 1000.0;
            write!(f, " {}={load}/{}", l.agent, l.max)?;
        }
        Ok(())
    }
}

/// A routing decision. The core has already updated its own state; the worker makes the
/// store and the parties agree with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Give `conv` to `agent` (taking it from `from` if set).
    Assign {
        /// Conversation.
        conv: ConvId,
        /// The chat's persona group (the shopper's choice; may differ from the agent's).
        group: GroupId,
        /// Agent.
        agent: AgentId,
        /// The agent who held it before (transfer, escalation, agent gone).
        from: Option<AgentId>,
        /// Why this agent.
        rule: Rule,
        /// The agents weighed.
        candidates: Candidates,
        /// A transfer's note for the new agent.
        note: Option<String>,
        /// A wanted agent who could not take it (away, offline, off shift).
        unavailable: Option<(AgentId, AgentStatus)>,
    },
    /// `conv` now waits in `group`'s queue (taken from `from` if set).
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
        /// The agent who held it before.
        from: Option<AgentId>,
        /// Why it waits.
        rule: Rule,
        /// The group's agents at the desk, all full.
        candidates: Candidates,
        /// A wanted agent who could not take it.
        unavailable: Option<(AgentId, AgentStatus)>,
    },
    /// `conv` waits in `agent`'s own queue; the shopper may choose any agent instead.
    WaitAgent {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// The awaited agent.
        agent: AgentId,
        /// 1-based place in the agent's queue.
        position: u32,
        /// Estimated seconds until the agent has room.
        eta_s: Option<u32>,
        /// Always [`Rule::WaitAgent`].
        rule: Rule,
        /// The awaited agent's load.
        candidates: Candidates,
    },
    /// A waiting `conv` moved in its queue or its estimate changed meaningfully.
    Position {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// The awaited agent when waiting in an agent's own queue.
        agent: Option<AgentId>,
        /// New 1-based place.
        position: u32,
        /// New estimate.
        eta_s: Option<u32>,
    },
    /// A closed chat left its queue (`agent: None`) or freed a slot of `agent`.
    Released {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// The agent whose slot it freed.
        agent: Option<AgentId>,
    },
    /// The shopper has waited `waited_s` for `agent`'s reply: alert the agent's consoles.
    Alert {
        /// Conversation.
        conv: ConvId,
        /// The agent holding it.
        agent: AgentId,
        /// Seconds since the unanswered shopper message.
        waited_s: u32,
    },
    /// A request was not carried out; `requester` (an agent) is told why.
    Refused {
        /// Conversation (`None` for a profile switch).
        conv: Option<ConvId>,
        /// The agent who asked, if an agent asked.
        requester: Option<AgentId>,
        /// Why.
        reason: String,
    },
    /// A waiting chat whose shopper has been gone past `abandon_after_s` left its queue:
    /// the worker closes it as abandoned.
    Abandoned {
        /// Conversation.
        conv: ConvId,
        /// Its persona group.
        group: GroupId,
        /// The agent it waited for, if it waited for one.
        agent: Option<AgentId>,
        /// Seconds since its shopper was last connected.
        away_s: u32,
    },
    /// The active peak-day profile changed.
    ProfileChanged {
        /// The profile now on, `None` for the base settings.
        profile: Option<String>,
    },
    /// The shop's live persona-group availability changed: here is all of it, in config order.
    GroupsChanged {
        /// Every group of the shop.
        groups: Vec<GroupLive>,
    },
}

impl Decision {
    /// The conversation it is about, if one.
    pub fn conv(&self) -> Option<&ConvId> {
        match self {
            Self::Assign { conv, .. }
            | Self::Queue { conv, .. }
            | Self::WaitAgent { conv, .. }
            | Self::Position { conv, .. }
            | Self::Released { conv, .. }
            | Self::Alert { conv, .. }
            | Self::Abandoned { conv, .. } => Some(conv),
            Self::Refused { conv, .. } => conv.as_ref(),
            Self::ProfileChanged { .. } | Self::GroupsChanged { .. } => None,
        }
    }
}
