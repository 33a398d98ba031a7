//! What the routing core reacts to: live events, requests, the clock, and the snapshot it
//! is rebuilt from when it takes over a shop.

use qin_proto::{AgentId, AgentStatus, Choice, ConvId, ConvState, GroupId, Millis};
use std::collections::HashMap;

/// A change the router must react to. Every event comes with the time `now` (ms) it is
/// handled at; the core reads no clock of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterEvent {
    /// A shopper opened a conversation.
    ChatOpened {
        /// Conversation.
        conv: ConvId,
        /// The persona group the shopper picked; `None` (or a group the shop lacks) means
        /// the default, and that the shopper's followed or last agent may take the chat
        /// whatever their group.
        group: Option<GroupId>,
        /// The agents the shopper would like, from the store and the `open` frame.
        prefs: Prefs,
    },
    /// A conversation ended (or turned out to be closed when the router tried to route it).
    ChatClosed {
        /// Conversation.
        conv: ConvId,
    },
    /// An agent's status changed.
    AgentStatusChanged {
        /// Agent.
        agent: AgentId,
        /// New status.
        status: AgentStatus,
    },
    /// The shopper wrote: the agent owes a reply from now on (escalation ladder).
    ShopperMessage {
        /// Conversation.
        conv: ConvId,
    },
    /// The agent answered.
    AgentMessage {
        /// Conversation.
        conv: ConvId,
    },
    /// An agent or a supervisor moves a chat to an agent or a persona group.
    Transfer {
        /// Conversation.
        conv: ConvId,
        /// Who asks.
        by: Actor,
        /// Where to.
        to: Target,
        /// Words for the next agent (agents only).
        note: Option<String>,
    },
    /// A shopper waiting for a full favourite answered the offer.
    Choose {
        /// Conversation.
        conv: ConvId,
        /// The answer.
        choice: Choice,
    },
    /// A supervisor switched the peak-day profile; `None`: back to the dated schedule.
    SetProfile {
        /// Profile name.
        profile: Option<String>,
    },
    /// The chat's shopper has no socket left on one gateway.
    ShopperAway {
        /// Conversation.
        conv: ConvId,
    },
    /// The chat's shopper is connected again on one gateway.
    ShopperBack {
        /// Conversation.
        conv: ConvId,
    },
    /// Time passed: shifts, opening hours, escalation, overflow, idle chats, offline grace,
    /// abandoned chats, queue positions and group availability are brought up to date.
    Tick,
}

/// The agents a shopper would like for a new chat, most wanted first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    /// The agent asked for in the `open` frame.
    pub requested: Option<AgentId>,
    /// Agents the shopper follows, in the order they were followed.
    pub followed: Vec<AgentId>,
    /// The agent who last handled a chat of this shopper, and when.
    pub recent: Option<(AgentId, Millis)>,
}

/// Who asks for a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An agent, who must hold the chat.
    Agent(AgentId),
    /// A shop supervisor: may move any open chat.
    Supervisor(String),
}

/// Where a transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One agent, who must be able to take it now.
    Agent(AgentId),
    /// A persona group: its least-loaded agent, else the front of its queue (by age).
    Group(GroupId),
}

/// An open conversation as the store holds it, for [`RouterState::restored`](crate::RouterState::restored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredConv {
    /// Conversation.
    pub conv: ConvId,
    /// Its persona group (a group the shop lacks means the default).
    pub group: GroupId,
    /// Where it stands in the store.
    pub state: ConvState,
    /// The assigned agent (state `assigned`) or the awaited one (state `waiting_agent`).
    pub agent: Option<AgentId>,
    /// When it was opened: waiting conversations re-enter their queue in this order.
    pub opened_at: Millis,
}

/// Everything the router rebuilds its state from when it starts (or takes over a shop).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Open conversations of the shop, in any order.
    pub conversations: Vec<RestoredConv>,
    /// Recorded agent statuses; agents absent here are offline.
    pub statuses: HashMap<AgentId, AgentStatus>,
    /// The profile a supervisor switched to, if any.
    pub profile: Option<String>,
}
