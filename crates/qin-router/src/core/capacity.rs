//! Capacity bookkeeping: giving a chat to an agent, taking it back, queueing it, and
//! draining queues whenever an agent has room. Every cap check goes through here.

use super::book::QueueKey;
use super::decision::{Candidates, Decision, Rule};
use super::eta::queue_eta_s;
use super::state::{ConvBook, Place, RouterState};
use qin_proto::{AgentId, AgentStatus, ConvId};

/// How a chat is being placed: why, from whom, and what the next agent should know.
#[derive(Debug, Clone, Default)]
pub(super) struct Move {
    pub from: Option<usize>,
    pub note: Option<String>,
    pub unavailable: Option<(AgentId, AgentStatus)>,
}

impl RouterState {
    /// Brings agent `a`'s entries in its group's `ready` set and availability counters in
    /// line with its status, shift, cap and load. Call after changing any of them.
    pub(super) fn refresh(&mut self, a: usize) {
        let g = self.agents[a].group;
        if let Some(key) = self.agents[a].ready.take() {
            self.groups[g].ready.remove(&key);
        }
        if let Some(cap) = self.agents[a].counted.take() {
            self.groups[g].online -= 1;
            self.groups[g].capacity -= cap;
        }
        let agent = &self.agents[a];
        if agent.status == AgentStatus::Online && agent.on_shift {
            self.groups[g].online += 1;
            self.groups[g].capacity = self.groups[g].capacity.saturating_add(agent.max);
            self.agents[a].counted = Some(agent.max);
        }
        let agent = &self.agents[a];
        if agent.ready() {
            let key = (agent.load_milli, agent.since, a);
            self.groups[g].ready.insert(key);
            self.agents[a].ready = Some(key);
        }
    }

    /// Gives `conv` (already in `convs`, not held or queued anywhere) to agent `a`.
    pub(super) fn assign(
        &mut self,
        conv: &ConvId,
        a: usize,
        rule: Rule,
        candidates: Candidates,
        mv: Move,
        out: &mut Vec<Decision>,
    ) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        c.place = Place::Assigned(a);
        c.assigned_at = now;
        c.alerted = false;
        c.weight = 1000;
        c.announced = None;
        c.quiet_since = None;
        let (key, group) = (c.key, c.group);
        if let Some(since) = c.owed_since {
            self.owed.insert((since, key), conv.clone());
        }
        self.held[a].insert(key, conv.clone());
        let agent = &mut self.agents[a];
        agent.load_milli += 1000;
        agent.since = now;
        self.refresh(a);
        out.push(Decision::Assign {
            conv: conv.clone(),
            group: self.groups[group].id.clone(),
            agent: self.agents[a].id.clone(),
            from: mv.from.map(|f| self.agents[f].id.clone()),
            rule,
            candidates,
            note: mv.note,
            unavailable: mv.unavailable,
        });
    }

    /// Takes `conv` out of wherever it is (an agent's hands or a queue), keeping its book.
    /// Returns the agent who held it.
    pub(super) fn unhold(&mut self, conv: &ConvId) -> Option<usize> {
        let c = self.convs.get(conv)?;
        let (place, key, group, weight) = (c.place, c.key, c.group, c.weight);
        if let Some(since) = c.owed_since {
            self.owed.remove(&(since, key));
        }
        if let Some(since) = c.quiet_since {
            self.quiet.remove(&(since, key));
        }
        match place {
            Place::Assigned(a) => {
                self.held[a].remove(&key);
                let agent = &mut self.agents[a];
                agent.load_milli = agent.load_milli.saturating_sub(weight);
                self.refresh(a);
                Some(a)
            }
            Place::Agent(a) => {
                self.agents[a].queue.remove(&key);
                None
            }
            Place::Group => {
                self.groups[group].queue.remove(&key);
                None
            }
        }
    }

    /// Places `conv` (in `convs`, not held or queued) in its group: the least-loaded ready
    /// agent but `except` if the group's queue holds no older chat, else the group's queue.
    pub(super) fn place_in_group(
        &mut self,
        conv: &ConvId,
        except: Option<usize>,
        rule: Rule,
        mv: Move,
        out: &mut Vec<Decision>,
    ) {
        let Some(c) = self.convs.get(conv) else {
            return;
        };
        let (g, key) = (c.group, c.key);
        let first = self.groups[g].queue.front().is_none_or(|(k, _)| key < k);
        if self.open
            && first
            && let Some(a) = self.groups[g].pick(except)
        {
            let candidates = self.groups[g].candidates(&self.agents, except);
            self.assign(conv, a, rule, candidates, mv, out);
            return;
        }
        let rule = if self.open {
            Rule::Queued
        } else {
            Rule::Closed
        };
        self.enqueue_group(conv, rule, mv, out);
    }

    /// Puts `conv` in its group's queue at its age's place.
    pub(super) fn enqueue_group(
        &mut self,
        conv: &ConvId,
        rule: Rule,
        mv: Move,
        out: &mut Vec<Decision>,
    ) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        c.place = Place::Group;
        c.waiting_since = now;
        let (g, key) = (c.group, c.key);
        let position = self.groups[g].queue.push(key, conv.clone());
        let group = &self.groups[g];
        let eta_s = queue_eta_s(position, self.avg_chat_s, group.capacity);
        if let Some(c) = self.convs.get_mut(conv) {
            c.announced = Some((position, eta_s));
        }
        out.push(Decision::Queue {
            conv: conv.clone(),
            group: group.id.clone(),
            position,
            eta_s,
            online: group.online,
            from: mv.from.map(|f| self.agents[f].id.clone()),
            rule,
            candidates: group.present(&self.agents),
            unavailable: mv.unavailable,
        });
    }

    /// Puts `conv` in agent `a`'s own queue.
    pub(super) fn enqueue_agent(&mut self, conv: &ConvId, a: usize, out: &mut Vec<Decision>) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        c.place = Place::Agent(a);
        c.waiting_since = now;
        let (g, key) = (c.group, c.key);
        let position = self.agents[a].queue.push(key, conv.clone());
        let eta_s = queue_eta_s(position, self.avg_chat_s, self.agents[a].max);
        if let Some(c) = self.convs.get_mut(conv) {
            c.announced = Some((position, eta_s));
        }
        out.push(Decision::WaitAgent {
            conv: conv.clone(),
            group: self.groups[g].id.clone(),
            agent: self.agents[a].id.clone(),
            position,
            eta_s,
            rule: Rule::WaitAgent,
            candidates: Candidates {
                considered: 1,
                shown: vec![self.agents[a].load()],
            },
        });
    }

    /// Gives agent `a` the chats waiting for them while they have room, then drains their
    /// group's queue to whoever of the group has room.
    pub(super) fn fill(&mut self, a: usize, out: &mut Vec<Decision>) {
        while self.open && self.agents[a].present() && self.agents[a].has_room() {
            let Some((key, conv)) = self.agents[a].queue.front() else {
                break;
            };
            let conv = conv.clone();
            self.agents[a].queue.remove(&key);
            let candidates = Candidates {
                considered: 1,
                shown: vec![self.agents[a].load()],
            };
            self.assign(&conv, a, Rule::QueueDrain, candidates, Move::default(), out);
        }
        self.drain_group(self.agents[a].group, out);
    }

    /// Gives the oldest chats of group `g`'s queue to its ready agents while any has room.
    pub(super) fn drain_group(&mut self, g: usize, out: &mut Vec<Decision>) {
        while self.open {
            let Some(a) = self.groups[g].pick(None) else {
                break;
            };
            let Some((key, conv)) = self.groups[g].queue.front() else {
                break;
            };
            let conv = conv.clone();
            let candidates = self.groups[g].candidates(&self.agents, None);
            self.groups[g].queue.remove(&key);
            self.assign(&conv, a, Rule::QueueDrain, candidates, Move::default(), out);
        }
    }

    /// A chat ended: it leaves its queue, or frees its agent's slot for their queues.
    pub(super) fn close(&mut self, conv: &ConvId, out: &mut Vec<Decision>) {
        let Some(c) = self.convs.get(conv) else {
            return;
        };
        let group = c.group;
        let holder = self.unhold(conv);
        self.forget_away(conv);
        self.convs.remove(conv);
        out.push(Decision::Released {
            conv: conv.clone(),
            group: self.groups[group].id.clone(),
            agent: holder.map(|a| self.agents[a].id.clone()),
        });
        if let Some(a) = holder {
            self.fill(a, out);
        }
    }

    /// Sends every chat agent `a` holds back to routing (their group's other agents, else
    /// the queue at their age's place), and every chat waiting for them to their group.
    pub(super) fn hand_over_all(&mut self, a: usize, rule: Rule, out: &mut Vec<Decision>) {
        let held: Vec<ConvId> = self.held[a].values().cloned().collect();
        for conv in held {
            self.unhold(&conv);
            let mv = Move {
                from: Some(a),
                ..Move::default()
            };
            self.place_in_group(&conv, Some(a), rule, mv, out);
        }
        self.release_agent_queue(a, rule, out);
    }

    /// Sends the chats waiting in agent `a`'s own queue to their groups.
    pub(super) fn release_agent_queue(&mut self, a: usize, rule: Rule, out: &mut Vec<Decision>) {
        let waiting: Vec<ConvId> = self.agents[a]
            .queue
            .iter()
            .map(|(_, c)| c.clone())
            .collect();
        for conv in waiting {
            self.unhold(&conv);
            let status = self.agents[a].status;
            let mv = Move {
                unavailable: Some((self.agents[a].id.clone(), status)),
                ..Move::default()
            };
            self.place_in_group(&conv, Some(a), rule, mv, out);
        }
    }

    /// A fresh book for a chat that starts waiting or being held now.
    pub(super) fn new_book(group: usize, key: QueueKey, now: qin_proto::Millis) -> ConvBook {
        ConvBook {
            group,
            place: Place::Group,
            key,
            waiting_since: now,
            announced: None,
            assigned_at: now,
            owed_since: None,
            alerted: false,
            quiet_since: None,
            weight: 1000,
            present: 1,
            away_since: None,
        }
    }
}
