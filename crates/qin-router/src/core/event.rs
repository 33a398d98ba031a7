//! What the routing core reacts to: live events, and the snapshot it is rebuilt from at start.

use qin_proto::{AgentId, AgentStatus, ConvId, ConvState, GroupId, Millis};
use std::collections::HashMap;

/// A change the router must react to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterEvent {
    /// A shopper opened a conversation.
    ChatOpened {
        /// Conversation.
        conv: ConvId,
        /// The persona group asked for; `None` or a group the shop lacks means the default.
        group: Option<GroupId>,
        /// An agent the shopper asked for (their favourite).
        requested_agent: Option<AgentId>,
    },
    /// A conversation ended (or turned out to be closed when the router tried to assign it).
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
    /// The assigned agent, if any.
    pub agent: Option<AgentId>,
    /// When it was opened: queued conversations re-enter their queue in this order.
    pub opened_at: Millis,
}

/// Everything the router rebuilds its state from when it starts (or takes over a shop).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Open conversations of the shop, in any order.
    pub conversations: Vec<RestoredConv>,
    /// Recorded agent statuses; agents absent here are offline.
    pub statuses: HashMap<AgentId, AgentStatus>,
}
