//! The core's bookkeeping per agent and per persona group, and candidate selection.

use super::decision::{Load, Loads};
use qin_proto::{AgentId, AgentStatus, ConvId, GroupId, Millis};
use std::collections::VecDeque;

/// One agent as the router tracks it.
#[derive(Debug, Clone)]
pub(super) struct AgentBook {
    pub id: AgentId,
    /// Index of the agent's own group in `RouterState::groups`.
    pub group: usize,
    pub max: u32,
    pub status: AgentStatus,
    /// Open chats assigned to the agent (may exceed `max` only if restored over a lowered cap).
    pub load: u32,
    /// When the agent last got a chat or came online: the tie-break favours the idle longest.
    pub since: Millis,
}

impl AgentBook {
    /// Whether the agent may take one more chat now.
    pub fn has_room(&self) -> bool {
        self.status == AgentStatus::Online && self.load < self.max
    }

    pub fn load(&self) -> Load {
        Load {
            agent: self.id.clone(),
            load: self.load,
            max: self.max,
        }
    }
}

/// One persona group as the router tracks it.
#[derive(Debug, Clone)]
pub(super) struct GroupBook {
    pub id: GroupId,
    pub name: String,
    pub tagline: String,
    /// Indexes of the group's agents in `RouterState::agents`, in config order.
    pub members: Vec<usize>,
    /// Waiting chats, oldest first.
    pub queue: VecDeque<ConvId>,
}

impl GroupBook {
    /// The member to give the next chat: least loaded with room, then idle longest, then
    /// first in config order (so the choice never depends on hash order).
    pub fn pick(&self, agents: &[AgentBook]) -> Option<usize> {
        self.members
            .iter()
            .copied()
            .filter(|&i| agents[i].has_room())
            .min_by_key(|&i| (agents[i].load, agents[i].since, i))
    }

    /// Online members and their loads, for logs.
    pub fn online_loads(&self, agents: &[AgentBook]) -> Loads {
        Loads(
            self.members
                .iter()
                .map(|&i| &agents[i])
                .filter(|a| a.status == AgentStatus::Online)
                .map(AgentBook::load)
                .collect(),
        )
    }

    /// `(online agents, their summed max_chats, whether one has room)`.
    pub fn availability(&self, agents: &[AgentBook]) -> (u32, u32, bool) {
        let mut online = 0u32;
        let mut capacity = 0u32;
        let mut spare = false;
        for a in self.members.iter().map(|&i| &agents[i]) {
            if a.status == AgentStatus::Online {
                online += 1;
                capacity = capacity.saturating_add(a.max);
                spare |= a.load < a.max;
            }
        }
        (online, capacity, spare)
    }
}
