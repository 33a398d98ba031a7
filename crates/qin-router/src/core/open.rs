//! New chats (the shopper's wanted agents first, then the group), agent status changes, and
//! the messages that start and stop the reply timers.

use super::capacity::Move;
use super::decision::{Candidates, Decision, Rule};
use super::event::Prefs;
use super::state::{Place, RouterState};
use qin_proto::{AgentStatus, ConvId, GroupId};

impl RouterState {
    /// A new chat: a wanted agent at the desk with room takes it; a wanted agent at the
    /// desk but full makes it wait in their own queue (the shopper may choose any agent);
    /// otherwise the group's least-loaded agent, else the group's queue. Outside opening
    /// hours every new chat waits in its group's queue. A group the shopper picked is an
    /// explicit choice: only the agent asked for in the same `open`, or followed and last
    /// agents of that group, come before it.
    pub(super) fn open_chat(
        &mut self,
        conv: ConvId,
        group: Option<&GroupId>,
        prefs: &Prefs,
        out: &mut Vec<Decision>,
    ) {
        if self.convs.contains_key(&conv) {
            return; // a repeated open (e.g. seen by the restore and on the bus)
        }
        let g = self.resolve_group(group);
        let picked = group.and_then(|id| self.group_ix.get(id).copied());
        let key = self.next_key(self.now);
        self.convs
            .insert(conv.clone(), Self::new_book(g, key, self.now));
        let wanted = self.wanted(prefs, picked);
        // The most wanted agent at the desk decides: room → theirs; full → wait for them.
        if self.open
            && let Some(&(a, rule)) = wanted.iter().find(|(a, _)| self.agents[*a].present())
        {
            if self.agents[a].has_room() {
                let candidates = Candidates {
                    considered: 1,
                    shown: vec![self.agents[a].load()],
                };
                self.assign(&conv, a, rule, candidates, Move::default(), out);
            } else {
                self.enqueue_agent(&conv, a, out);
            }
            return;
        }
        let unavailable = wanted.first().map(|&(a, _)| {
            let agent = &self.agents[a];
            // Online but off shift reads as offline to the shopper.
            let status = if agent.on_shift {
                agent.status
            } else {
                AgentStatus::Offline
            };
            (agent.id.clone(), status)
        });
        let mv = Move {
            unavailable,
            ..Move::default()
        };
        self.place_in_group(&conv, None, Rule::LeastLoaded, mv, out);
    }

    /// The agents a shopper wants, most wanted first, each once: asked for, followed,
    /// last talked to within `recent_days`. Agents the shop lacks (or who take no chats) are
    /// skipped, and so are followed and last agents outside the group the shopper `picked`.
    fn wanted(&self, prefs: &Prefs, picked: Option<usize>) -> Vec<(usize, Rule)> {
        let recent = prefs
            .recent
            .as_ref()
            .filter(|(_, at)| self.now - at <= self.settings.recent_ms)
            .map(|(a, _)| a);
        let all = prefs
            .requested
            .iter()
            .map(|a| (a, Rule::RequestedAgent))
            .chain(prefs.followed.iter().map(|a| (a, Rule::FollowedAgent)))
            .chain(recent.map(|a| (a, Rule::RecentAgent)));
        let mut wanted: Vec<(usize, Rule)> = Vec::new();
        for (id, rule) in all {
            if let Some(&a) = self.agent_ix.get(id)
                && self.agents[a].base_max > 0
                && (rule == Rule::RequestedAgent
                    || picked.is_none_or(|g| self.agents[a].group == g))
                && !wanted.iter().any(|&(w, _)| w == a)
            {
                wanted.push((a, rule));
            }
        }
        wanted
    }

    /// An agent's status changed. `online` takes group chats; `busy` only their own fans and
    /// returning shoppers; `away` sends the chats waiting for them to their group at once;
    /// `offline` past `offline_grace_s` hands their chats over (on a tick).
    pub(super) fn set_status(
        &mut self,
        agent: &qin_proto::AgentId,
        status: AgentStatus,
        out: &mut Vec<Decision>,
    ) {
        let Some(&a) = self.agent_ix.get(agent) else {
            return;
        };
        let book = &mut self.agents[a];
        if book.status == status {
            return;
        }
        if status == AgentStatus::Online && book.status != AgentStatus::Busy {
            book.since = self.now;
        }
        book.status = status;
        book.gone_since = match status {
            AgentStatus::Offline | AgentStatus::Away => Some(self.now),
            AgentStatus::Online | AgentStatus::Busy => None,
        };
        self.groups[book.group].queue.dirty = true; // estimates change with capacity
        self.refresh(a);
        if status == AgentStatus::Away {
            self.release_agent_queue(a, Rule::AgentGone, out);
        }
        self.fill(a, out);
    }

    /// The shopper wrote: from now on the agent owes a reply, and an idle chat counts fully.
    pub(super) fn shopper_wrote(&mut self, conv: &ConvId) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        let Place::Assigned(a) = c.place else {
            return;
        };
        if c.owed_since.is_none() {
            c.owed_since = Some(now);
            self.owed.insert((now, c.key), conv.clone());
        }
        if let Some(since) = c.quiet_since.take() {
            self.quiet.remove(&(since, c.key));
        }
        if c.weight < 1000 {
            let back = 1000 - c.weight;
            c.weight = 1000;
            self.agents[a].load_milli += back;
            self.refresh(a);
        }
    }

    /// The agent answered: nothing is owed, and the idle-chat clock starts.
    pub(super) fn agent_wrote(&mut self, conv: &ConvId) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        if !matches!(c.place, Place::Assigned(_)) {
            return;
        }
        if let Some(since) = c.owed_since.take() {
            self.owed.remove(&(since, c.key));
        }
        c.alerted = false;
        if let Some(since) = c.quiet_since.replace(now) {
            self.quiet.remove(&(since, c.key));
        }
        if self.settings.idle_after_ms.is_some() && c.weight == 1000 {
            self.quiet.insert((now, c.key), conv.clone());
        }
    }
}
