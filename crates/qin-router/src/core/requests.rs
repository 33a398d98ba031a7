//! Requests from people: agents' transfers, supervisors' reassignments and profile switches,
//! and shoppers' answers while waiting for a full favourite agent.

use super::capacity::Move;
use super::decision::{Candidates, Decision, Rule};
use super::event::{Actor, Target};
use super::state::{Place, RouterState};
use qin_proto::{Choice, ConvId};

impl RouterState {
    /// Moves a chat to an agent who can take it now, or to the least-loaded agent of a
    /// group (never back to its holder). Refused, changing nothing, when the chat is not
    /// the asking agent's, or nobody fitting has room.
    pub(super) fn transfer(
        &mut self,
        conv: &ConvId,
        by: &Actor,
        to: &Target,
        note: Option<String>,
        out: &mut Vec<Decision>,
    ) {
        let requester = match by {
            Actor::Agent(id) => Some(id.clone()),
            Actor::Supervisor(_) => None,
        };
        let refuse = |out: &mut Vec<Decision>, reason: String| {
            out.push(Decision::Refused {
                conv: Some(conv.clone()),
                requester: requester.clone(),
                reason,
            });
        };
        let Some(c) = self.convs.get(conv) else {
            return refuse(out, "the conversation is not open".into());
        };
        let holder = match c.place {
            Place::Assigned(a) => Some(a),
            Place::Agent(_) | Place::Group => None,
        };
        let rule = match by {
            Actor::Agent(id) => {
                if holder.is_none_or(|h| &self.agents[h].id != id) {
                    return refuse(out, "the conversation is not yours".into());
                }
                Rule::Transfer
            }
            Actor::Supervisor(_) => Rule::Reassign,
        };
        let (target, group) = match to {
            Target::Agent(id) => {
                let Some(&b) = self.agent_ix.get(id) else {
                    return refuse(out, format!("no agent {id} in this shop"));
                };
                let agent = &self.agents[b];
                if Some(b) == holder {
                    return refuse(out, format!("{id} already has it"));
                }
                if !agent.present() {
                    return refuse(out, format!("{id} is not at the desk"));
                }
                if !agent.has_room() {
                    return refuse(out, format!("{id} has no room"));
                }
                (b, None)
            }
            Target::Group(id) => {
                let Some(&g) = self.group_ix.get(id) else {
                    return refuse(out, format!("no persona group {id} in this shop"));
                };
                let Some(b) = self.groups[g].pick(holder) else {
                    return refuse(out, format!("nobody of {id} has room now"));
                };
                (b, Some(g))
            }
        };
        let candidates = match group {
            Some(g) => self.groups[g].candidates(&self.agents, holder),
            None => Candidates {
                considered: 1,
                shown: vec![self.agents[target].load()],
            },
        };
        self.unhold(conv);
        if let (Some(g), Some(c)) = (group, self.convs.get_mut(conv)) {
            c.group = g;
        }
        let mv = Move {
            from: holder,
            note,
            unavailable: None,
        };
        self.assign(conv, target, rule, candidates, mv, out);
        if let Some(h) = holder {
            self.fill(h, out);
        }
    }

    /// `any_agent`: the chat leaves the favourite's queue for its group; `wait`: no change.
    pub(super) fn choose(&mut self, conv: &ConvId, choice: Choice, out: &mut Vec<Decision>) {
        let Some(c) = self.convs.get(conv) else {
            return;
        };
        if choice == Choice::Wait || !matches!(c.place, Place::Agent(_)) {
            return;
        }
        let except = match c.place {
            Place::Agent(a) => Some(a),
            _ => None,
        };
        self.unhold(conv);
        self.place_in_group(conv, except, Rule::AnyAgent, Move::default(), out);
    }

    /// A supervisor's switch: a named profile, or `None` for the dated schedule.
    pub(super) fn set_profile(&mut self, profile: Option<String>, out: &mut Vec<Decision>) {
        if let Some(name) = &profile
            && !self.shop.profiles.iter().any(|p| &p.name == name)
        {
            out.push(Decision::Refused {
                conv: None,
                requester: None,
                reason: format!("no profile {name} in this shop"),
            });
            return;
        }
        self.profile_override = profile;
        self.update_profile(out);
    }

    /// Puts the profile due now in force (the supervisor's choice, else the one dated
    /// today, else none): caps and thresholds change, and queues drain to new room.
    pub(super) fn update_profile(&mut self, out: &mut Vec<Decision>) {
        let today = self.calendar.as_ref().map(|c| c.date(self.now));
        let due = self
            .shop
            .profile_due(self.profile_override.as_deref(), today.as_deref());
        if due == self.profile {
            return;
        }
        self.profile = due;
        self.settings =
            super::settings::Settings::new(&self.shop, due.map(|p| &self.shop.profiles[p]));
        for a in 0..self.agents.len() {
            let agent = &mut self.agents[a];
            agent.max = self.settings.max_chats.unwrap_or(agent.base_max);
            if agent.base_max == 0 {
                agent.max = 0; // supervisors who take no chats stay so
            }
            self.refresh(a);
        }
        out.push(Decision::ProfileChanged {
            profile: self.profile().map(str::to_owned),
        });
        for a in 0..self.agents.len() {
            self.fill(a, out);
        }
    }
}
