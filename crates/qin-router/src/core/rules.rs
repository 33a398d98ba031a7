//! The routing rules: requested agent, least loaded, queue, and queue drain when room opens.

use super::decision::{Decision, Loads, Rule};
use super::eta::queue_eta_s;
use super::state::{Placement, RouterState};
use qin_proto::{AgentId, AgentStatus, ConvId, GroupId, Millis};

/// One event's handling: its time, the decisions so far, and which groups' queues need their
/// positions re-announced.
pub(super) struct Pass {
    pub now: Millis,
    pub out: Vec<Decision>,
    pub dirty: Vec<bool>,
}

impl Pass {
    pub fn new(groups: usize, now: Millis) -> Self {
        Self {
            now,
            out: Vec::new(),
            dirty: vec![false; groups],
        }
    }
}

impl RouterState {
    /// A new chat: its requested agent if online with room, else the group's least-loaded
    /// agent with room, else the back of the group's queue.
    pub(super) fn open(
        &mut self,
        conv: ConvId,
        group: Option<&GroupId>,
        requested: Option<&AgentId>,
        pass: &mut Pass,
    ) {
        if self.convs.contains_key(&conv) {
            return; // a repeated open (e.g. seen by the restore and on the bus)
        }
        let g = self.resolve_group(group);
        if let Some(&a) = requested.and_then(|id| self.agent_ix.get(id))
            && self.agents[a].has_room()
        {
            let candidates = Loads(vec![self.agents[a].load()]);
            self.assign(conv, g, a, Rule::RequestedAgent, candidates, pass);
            return;
        }
        // Work conservation keeps a non-empty queue's group full; checking anyway keeps the
        // queue strictly FIFO should that ever not hold.
        if self.groups[g].queue.is_empty()
            && let Some(a) = self.groups[g].pick(&self.agents)
        {
            let candidates = self.groups[g].online_loads(&self.agents);
            self.assign(conv, g, a, Rule::LeastLoaded, candidates, pass);
            return;
        }
        self.groups[g].queue.push_back(conv.clone());
        let position = u32::try_from(self.groups[g].queue.len()).unwrap_or(u32::MAX);
        let (online, capacity, _) = self.groups[g].availability(&self.agents);
        let eta_s = queue_eta_s(position, self.avg_chat_s, capacity);
        self.convs.insert(
            conv.clone(),
            Placement::Queued {
                group: g,
                announced: Some((position, eta_s)),
            },
        );
        pass.out.push(Decision::Queue {
            conv,
            group: self.groups[g].id.clone(),
            position,
            eta_s,
            online,
            rule: Rule::Queued,
            candidates: self.groups[g].online_loads(&self.agents),
        });
    }

    /// A chat ended: it leaves its queue, or frees its agent's slot for the agent's queue.
    pub(super) fn close(&mut self, conv: &ConvId, pass: &mut Pass) {
        let Some(placement) = self.convs.remove(conv) else {
            return;
        };
        match placement {
            Placement::Queued { group, .. } => {
                let queue = &mut self.groups[group].queue;
                if let Some(i) = queue.iter().position(|c| c == conv) {
                    queue.remove(i);
                }
                pass.dirty[group] = true;
                pass.out.push(Decision::Released {
                    conv: conv.clone(),
                    group: self.groups[group].id.clone(),
                    agent: None,
                });
            }
            Placement::Assigned { group, agent } => {
                let a = &mut self.agents[agent];
                a.load = a.load.saturating_sub(1);
                let own_group = a.group;
                pass.out.push(Decision::Released {
                    conv: conv.clone(),
                    group: self.groups[group].id.clone(),
                    agent: Some(a.id.clone()),
                });
                pass.dirty[own_group] = true;
                self.drain(own_group, pass);
            }
        }
    }

    /// An agent's status changed. Only `online` takes new chats; chats already held stay.
    pub(super) fn set_status(&mut self, agent: &AgentId, status: AgentStatus, pass: &mut Pass) {
        let Some(&a) = self.agent_ix.get(agent) else {
            return;
        };
        let book = &mut self.agents[a];
        if book.status == status {
            return;
        }
        book.status = status;
        if status == AgentStatus::Online {
            book.since = pass.now;
        }
        let g = book.group;
        pass.dirty[g] = true; // online capacity changed: so do the queue's estimates
        self.drain(g, pass);
    }

    /// Gives the oldest queued chats of group `g` to its agents while any has room.
    pub(super) fn drain(&mut self, g: usize, pass: &mut Pass) {
        while !self.groups[g].queue.is_empty() {
            let Some(a) = self.groups[g].pick(&self.agents) else {
                break;
            };
            let candidates = self.groups[g].online_loads(&self.agents);
            let Some(conv) = self.groups[g].queue.pop_front() else {
                break;
            };
            pass.dirty[g] = true;
            self.assign(conv, g, a, Rule::QueueDrain, candidates, pass);
        }
    }

    fn assign(
        &mut self,
        conv: ConvId,
        group: usize,
        agent: usize,
        rule: Rule,
        candidates: Loads,
        pass: &mut Pass,
    ) {
        let a = &mut self.agents[agent];
        a.load += 1;
        a.since = pass.now;
        self.convs
            .insert(conv.clone(), Placement::Assigned { group, agent });
        pass.out.push(Decision::Assign {
            conv,
            group: self.groups[group].id.clone(),
            agent: self.agents[agent].id.clone(),
            rule,
            candidates,
        });
    }

    /// Ends a pass: re-announces positions in the groups touched, then availability if it changed.
    pub(super) fn finish(&mut self, mut pass: Pass) -> Vec<Decision> {
        for g in 0..self.groups.len() {
            if pass.dirty[g] {
                self.announce_positions(g, &mut pass);
            }
        }
        let groups = self.groups_live();
        if groups != self.last_groups {
            self.last_groups.clone_from(&groups);
            pass.out.push(Decision::GroupsChanged { groups });
        }
        pass.out
    }

    /// A [`Decision::Position`] for every chat of `g`'s queue whose place or estimate changed.
    fn announce_positions(&mut self, g: usize, pass: &mut Pass) {
        let (_, capacity, _) = self.groups[g].availability(&self.agents);
        for (i, conv) in self.groups[g].queue.iter().enumerate() {
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let eta_s = queue_eta_s(position, self.avg_chat_s, capacity);
            if let Some(Placement::Queued { announced, .. }) = self.convs.get_mut(conv)
                && *announced != Some((position, eta_s))
            {
                *announced = Some((position, eta_s));
                pass.out.push(Decision::Position {
                    conv: conv.clone(),
                    group: self.groups[g].id.clone(),
                    position,
                    eta_s,
                });
            }
        }
    }
}
