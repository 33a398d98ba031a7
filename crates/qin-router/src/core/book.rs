//! The core's bookkeeping: queues ordered by age, and each agent and persona group with the
//! counters that keep every decision O(log n) however many agents and waiting chats there are.

use super::decision::{Candidates, Load};
use qin_config::calendar::Windows;
use qin_proto::{AgentId, AgentStatus, ConvId, GroupId, Millis};
use std::collections::{BTreeMap, BTreeSet};

/// A chat's place in a queue: oldest `opened_at` first (so a chat sent back to a queue
/// keeps its age), ties by arrival at the router.
pub(super) type QueueKey = (Millis, u64);

/// Chats waiting for a group or for one agent, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Queue {
    items: BTreeMap<QueueKey, ConvId>,
    /// Places changed since positions were last announced.
    pub dirty: bool,
}

impl Queue {
    /// Adds `conv`; returns its 1-based position.
    pub fn push(&mut self, key: QueueKey, conv: ConvId) -> u32 {
        let last = self.items.last_key_value().is_none_or(|(k, _)| *k < key);
        self.items.insert(key, conv);
        let position = if last {
            self.items.len()
        } else {
            self.dirty = true; // chats behind it moved back
            self.items.range(..key).count() + 1
        };
        u32::try_from(position).unwrap_or(u32::MAX)
    }

    pub fn remove(&mut self, key: &QueueKey) -> Option<ConvId> {
        let conv = self.items.remove(key)?;
        self.dirty = true;
        Some(conv)
    }

    pub fn front(&self) -> Option<(QueueKey, &ConvId)> {
        self.items.first_key_value().map(|(k, c)| (*k, c))
    }

    pub fn len(&self) -> u32 {
        u32::try_from(self.items.len()).unwrap_or(u32::MAX)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&QueueKey, &ConvId)> {
        self.items.iter()
    }

    /// 1-based position of the chat at `key`.
    pub fn position(&self, key: &QueueKey) -> u32 {
        u32::try_from(self.items.range(..key).count() + 1).unwrap_or(u32::MAX)
    }
}

/// Orders agents with room for the least-loaded rule: load, then idle longest, then config order.
pub(super) type ReadyKey = (u32, Millis, usize);

/// One agent as the router tracks it.
#[derive(Debug, Clone)]
pub(super) struct AgentBook {
    pub id: AgentId,
    /// Index of the agent's own group.
    pub group: usize,
    /// `max_chats` from the config.
    pub base_max: u32,
    /// The cap in force (the active profile may raise it).
    pub max: u32,
    pub status: AgentStatus,
    /// When the agent works; `None`: always.
    pub shift: Option<Windows>,
    pub on_shift: bool,
    /// Held chats, in thousandths (idle chats may count less).
    pub load_milli: u32,
    /// When the agent last got a chat or came online: ties go to the idle longest.
    pub since: Millis,
    /// When the agent went offline (or away), for `offline_grace_s`.
    pub gone_since: Option<Millis>,
    /// Chats waiting for this agent in particular (fans, returning shoppers).
    pub queue: Queue,
    /// The agent's key in its group's `ready` set, if it is there.
    pub ready: Option<ReadyKey>,
    /// What the agent adds to its group's `capacity` while counted online.
    pub counted: Option<u32>,
}

impl AgentBook {
    /// At the desk and on shift: takes their own fans and returning shoppers (also when busy).
    pub fn present(&self) -> bool {
        matches!(self.status, AgentStatus::Online | AgentStatus::Busy) && self.on_shift
    }

    /// Room for one more chat under the cap in force.
    pub fn has_room(&self) -> bool {
        u64::from(self.load_milli) + 1000 <= u64::from(self.max) * 1000
    }

    /// Takes chats of the group (status `online`, on shift, room).
    pub fn ready(&self) -> bool {
        self.status == AgentStatus::Online && self.on_shift && self.has_room()
    }

    pub fn load(&self) -> Load {
        Load {
            agent: self.id.clone(),
            status: self.status,
            load_milli: self.load_milli,
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
    /// Indexes of the group's agents, in config order.
    pub members: Vec<usize>,
    /// Waiting chats, oldest first.
    pub queue: Queue,
    /// `max_wait_s` from the config, in ms (0: never overflows).
    pub base_max_wait_ms: i64,
    /// Groups whose agents take overdue chats, in order.
    pub fallback: Vec<usize>,
    /// Members that take chats now, least loaded first.
    pub ready: BTreeSet<ReadyKey>,
    /// Members online and on shift.
    pub online: u32,
    /// Their summed caps.
    pub capacity: u32,
}

impl GroupBook {
    /// The ready member to give the next chat, skipping `except`.
    pub fn pick(&self, except: Option<usize>) -> Option<usize> {
        self.ready
            .iter()
            .map(|&(_, _, i)| i)
            .find(|&i| Some(i) != except)
    }

    /// The agents weighed for a pick: all ready ones counted, the least loaded shown.
    pub fn candidates(&self, agents: &[AgentBook], except: Option<usize>) -> Candidates {
        let skipped = except
            .and_then(|e| agents[e].ready)
            .is_some_and(|k| self.ready.contains(&k));
        let ready = self.ready.iter().filter(|k| Some(k.2) != except);
        Candidates {
            considered: u32::try_from(self.ready.len() - usize::from(skipped)).unwrap_or(u32::MAX),
            shown: ready
                .take(Candidates::SHOWN)
                .map(|&(_, _, i)| agents[i].load())
                .collect(),
        }
    }

    /// For a chat that must wait: the members at the desk (all full), a few shown.
    pub fn present(&self, agents: &[AgentBook]) -> Candidates {
        let present = self
            .members
            .iter()
            .map(|&i| &agents[i])
            .filter(|a| a.present());
        Candidates {
            considered: 0,
            shown: present
                .take(Candidates::SHOWN)
                .map(AgentBook::load)
                .collect(),
        }
    }
}
