//! The router's state for one shop and its entry points: build, restore, handle an event.

use super::book::{AgentBook, GroupBook};
use super::decision::Decision;
use super::eta::group_eta_s;
use super::event::{RouterEvent, Snapshot};
use super::rules::Pass;
use qin_config::ShopConfig;
use qin_proto::{AgentId, AgentStatus, ConvId, ConvState, GroupId, GroupLive, Millis};
use std::collections::{HashMap, VecDeque};

/// Where the core has put an open conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placement {
    /// In `group`'s queue; `announced` is the `(position, eta_s)` last told to its parties.
    Queued {
        group: usize,
        announced: Option<(u32, Option<u32>)>,
    },
    /// Held by `agent`; `group` is the chat's group (not necessarily the agent's).
    Assigned { group: usize, agent: usize },
}

/// Where an open conversation stands, as [`RouterState::placement`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Waiting in `group`'s queue at 1-based `position`.
    Queued {
        /// Persona group.
        group: GroupId,
        /// 1-based place in the queue.
        position: u32,
    },
    /// Held by `agent`.
    Assigned {
        /// The chat's persona group.
        group: GroupId,
        /// Agent.
        agent: AgentId,
    },
}

/// The routing state of one shop: agents' statuses and loads, per-group queues, and where
/// every open conversation is. Deterministic: same events and times, same decisions.
#[derive(Debug, Clone)]
pub struct RouterState {
    pub(super) default_group: usize,
    pub(super) avg_chat_s: u32,
    pub(super) groups: Vec<GroupBook>,
    pub(super) agents: Vec<AgentBook>,
    pub(super) group_ix: HashMap<GroupId, usize>,
    pub(super) agent_ix: HashMap<AgentId, usize>,
    pub(super) convs: HashMap<ConvId, Placement>,
    /// The availability last announced with [`Decision::GroupsChanged`].
    pub(super) last_groups: Vec<GroupLive>,
}

impl RouterState {
    /// An empty state for `shop`: every agent offline, no conversations.
    ///
    /// Never panics, even on an unvalidated config: a missing default group is created
    /// empty, and an agent whose group is unknown works in the default group.
    pub fn new(shop: &ShopConfig) -> Self {
        let mut groups: Vec<GroupBook> = Vec::with_capacity(shop.groups.len() + 1);
        let mut group_ix = HashMap::new();
        for g in &shop.groups {
            if group_ix.contains_key(&g.id) {
                continue;
            }
            group_ix.insert(g.id.clone(), groups.len());
            groups.push(GroupBook {
                id: g.id.clone(),
                name: g.name.clone(),
                tagline: g.tagline.clone(),
                members: Vec::new(),
                queue: VecDeque::new(),
            });
        }
        let default_group = match group_ix.get(&shop.default_group) {
            Some(&i) => i,
            None => {
                group_ix.insert(shop.default_group.clone(), groups.len());
                groups.push(GroupBook {
                    id: shop.default_group.clone(),
                    name: shop.default_group.to_string(),
                    tagline: String::new(),
                    members: Vec::new(),
                    queue: VecDeque::new(),
                });
                groups.len() - 1
            }
        };
        let mut agents = Vec::with_capacity(shop.agents.len());
        let mut agent_ix = HashMap::new();
        for a in &shop.agents {
            if agent_ix.contains_key(&a.id) {
                continue;
            }
            let group = group_ix.get(&a.group).copied().unwrap_or(default_group);
            groups[group].members.push(agents.len());
            agent_ix.insert(a.id.clone(), agents.len());
            agents.push(AgentBook {
                id: a.id.clone(),
                group,
                max: a.max_chats,
                status: AgentStatus::Offline,
                load: 0,
                since: 0,
            });
        }
        Self {
            default_group,
            avg_chat_s: shop.avg_chat_s,
            groups,
            agents,
            group_ix,
            agent_ix,
            convs: HashMap::new(),
            last_groups: Vec::new(),
        }
    }

    /// Rebuilds the state from the store at start (or when taking over the shop).
    ///
    /// Assigned conversations count toward their agent's load (one assigned to an agent the
    /// config no longer has is queued again); queued (and waiting-agent) ones re-enter their
    /// group's queue in `opened_at` order. Then queues drain to agents with room. The decisions
    /// returned are those assignments, a [`Decision::Position`] for every conversation still
    /// queued (its parties learn their place afresh) and always one [`Decision::GroupsChanged`].
    pub fn restored(shop: &ShopConfig, snapshot: &Snapshot, now: Millis) -> (Self, Vec<Decision>) {
        let mut state = Self::new(shop);
        for (agent, &status) in &snapshot.statuses {
            if let Some(&i) = state.agent_ix.get(agent) {
                state.agents[i].status = status;
                state.agents[i].since = now;
            }
        }
        let mut convs: Vec<_> = snapshot.conversations.iter().collect();
        // Stable: equal `opened_at` keep the store's order.
        convs.sort_by_key(|c| c.opened_at);
        for c in convs {
            if c.state == ConvState::Closed || state.convs.contains_key(&c.conv) {
                continue;
            }
            let group = state.resolve_group(Some(&c.group));
            let holder = match (c.state, &c.agent) {
                (ConvState::Assigned, Some(agent)) => state.agent_ix.get(agent).copied(),
                _ => None,
            };
            let placement = match holder {
                Some(agent) => {
                    state.agents[agent].load += 1;
                    Placement::Assigned { group, agent }
                }
                None => {
                    state.groups[group].queue.push_back(c.conv.clone());
                    Placement::Queued {
                        group,
                        announced: None,
                    }
                }
            };
            state.convs.insert(c.conv.clone(), placement);
        }
        let mut pass = Pass::new(state.groups.len(), now);
        for g in 0..state.groups.len() {
            state.drain(g, &mut pass);
            pass.dirty[g] = true;
        }
        state.last_groups.clear(); // forces a `GroupsChanged`
        let decisions = state.finish(pass);
        (state, decisions)
    }

    /// Reacts to one event at time `now`. Unknown conversations and agents, repeated opens
    /// and unchanged statuses yield no decisions; nothing here panics.
    pub fn handle(&mut self, event: RouterEvent, now: Millis) -> Vec<Decision> {
        let mut pass = Pass::new(self.groups.len(), now);
        match event {
            RouterEvent::ChatOpened {
                conv,
                group,
                requested_agent,
            } => self.open(conv, group.as_ref(), requested_agent.as_ref(), &mut pass),
            RouterEvent::ChatClosed { conv } => self.close(&conv, &mut pass),
            RouterEvent::AgentStatusChanged { agent, status } => {
                self.set_status(&agent, status, &mut pass);
            }
        }
        self.finish(pass)
    }

    /// Live availability of every persona group, in config order.
    pub fn groups_live(&self) -> Vec<GroupLive> {
        self.groups
            .iter()
            .map(|g| {
                let (online, capacity, spare) = g.availability(&self.agents);
                let waiting = u32::try_from(g.queue.len()).unwrap_or(u32::MAX);
                GroupLive {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    tagline: g.tagline.clone(),
                    online,
                    waiting,
                    eta_s: group_eta_s(spare, waiting, self.avg_chat_s, capacity),
                }
            })
            .collect()
    }

    /// Where an open conversation stands; `None` when the router does not know it.
    pub fn placement(&self, conv: &ConvId) -> Option<Placed> {
        Some(match *self.convs.get(conv)? {
            Placement::Queued { group, .. } => Placed::Queued {
                group: self.groups[group].id.clone(),
                position: self.position(group, conv)?,
            },
            Placement::Assigned { group, agent } => Placed::Assigned {
                group: self.groups[group].id.clone(),
                agent: self.agents[agent].id.clone(),
            },
        })
    }

    /// Every open chat the router knows (queued or assigned).
    pub fn conversations(&self) -> impl Iterator<Item = &ConvId> {
        self.convs.keys()
    }

    /// Open chats assigned to `agent`; `None` for an agent the shop lacks.
    pub fn load(&self, agent: &AgentId) -> Option<u32> {
        Some(self.agents[*self.agent_ix.get(agent)?].load)
    }

    /// The status the router holds for `agent`; `None` for an agent the shop lacks.
    pub fn status(&self, agent: &AgentId) -> Option<AgentStatus> {
        Some(self.agents[*self.agent_ix.get(agent)?].status)
    }

    /// A group's queue, oldest first; `None` for a group the shop lacks.
    pub fn queue(&self, group: &GroupId) -> Option<impl Iterator<Item = &ConvId>> {
        Some(self.groups[*self.group_ix.get(group)?].queue.iter())
    }

    /// The group a chat asking for `group` goes to: that group if the shop has it, else the default.
    pub(super) fn resolve_group(&self, group: Option<&GroupId>) -> usize {
        group
            .and_then(|g| self.group_ix.get(g).copied())
            .unwrap_or(self.default_group)
    }

    /// 1-based position of `conv` in group `g`'s queue.
    fn position(&self, g: usize, conv: &ConvId) -> Option<u32> {
        let i = self.groups[g].queue.iter().position(|c| c == conv)?;
        u32::try_from(i + 1).ok()
    }
}
