//! What time does on its own, on every tick: opening hours, shifts and dated profiles, offline
//! agents' grace, idle chats, the slow-reply ladder, overflow to fallback groups, and telling
//! waiting shoppers and the widget what changed.

use super::capacity::Move;
use super::decision::{Decision, Rule};
use super::eta::queue_eta_s;
use super::state::{Place, RouterState};
use qin_proto::{AgentStatus, ConvId, Millis};

/// Whether a waiting chat's new `(position, eta_s)` is worth a frame: near the front, a
/// tenth closer, or a minute's change in the estimate. (A queue of 100,000 moving by one
/// must not send 100,000 frames.)
pub(super) fn worth_telling(old: Option<(u32, Option<u32>)>, new: (u32, Option<u32>)) -> bool {
    let Some(old) = old else {
        return true;
    };
    if old == new {
        return false;
    }
    let (pos, eta) = new;
    let eta_moved = match (old.1, eta) {
        (Some(a), Some(b)) => a.abs_diff(b) >= 60,
        (a, b) => a.is_some() != b.is_some(),
    };
    pos <= 10 || u64::from(pos) * 10 <= u64::from(old.0) * 9 || eta_moved
}

impl RouterState {
    /// One tick at `self.now`.
    pub(super) fn tick(&mut self, out: &mut Vec<Decision>) {
        self.evaluate_calendar(out);
        self.gone_agents(out);
        self.idle_chats(out);
        self.slow_replies(out);
        self.overflow(out);
        self.abandon_waiting(out);
        self.announce_positions(out);
        self.announce_groups(out);
    }

    /// Opening hours, shifts and the dated profile, once per minute of local time.
    pub(super) fn evaluate_calendar(&mut self, out: &mut Vec<Decision>) {
        let Some(cal) = &self.calendar else {
            if self.evaluated.is_none() {
                self.evaluated = Some((String::new(), 0));
                self.update_profile(out);
            }
            return;
        };
        let local = cal.local(self.now);
        let stamp = (cal.date(self.now), local.minute_of_day());
        if self.evaluated.as_ref() == Some(&stamp) {
            return;
        }
        let new_day = self.evaluated.as_ref().is_none_or(|(d, _)| *d != stamp.0);
        let was_open = self.open;
        self.open = cal.is_open(self.now);
        self.opens_at = if self.open {
            None
        } else {
            cal.next_open(self.now)
        };
        let mut changed = Vec::new();
        for (a, agent) in self.agents.iter_mut().enumerate() {
            let on = agent.shift.as_ref().is_none_or(|w| w.contains(&local));
            if on != agent.on_shift {
                agent.on_shift = on;
                changed.push(a);
            }
        }
        self.evaluated = Some(stamp);
        if new_day {
            self.update_profile(out);
        }
        for &a in &changed {
            self.refresh(a);
            self.groups[self.agents[a].group].queue.dirty = true;
            if !self.agents[a].on_shift {
                if self.settings.hand_over {
                    self.hand_over_all(a, Rule::ShiftEnd, out);
                } else {
                    self.release_agent_queue(a, Rule::ShiftEnd, out);
                }
            }
        }
        if self.open && !was_open {
            for a in 0..self.agents.len() {
                self.fill(a, out);
            }
        } else {
            for a in changed {
                self.fill(a, out);
            }
        }
    }

    /// Agents offline past the grace period hand their chats over.
    fn gone_agents(&mut self, out: &mut Vec<Decision>) {
        let grace = self.settings.offline_grace_ms;
        for a in 0..self.agents.len() {
            let agent = &self.agents[a];
            let Some(since) = agent.gone_since else {
                continue;
            };
            if agent.status != AgentStatus::Offline || self.now - since < grace {
                continue;
            }
            self.agents[a].gone_since = None;
            self.hand_over_all(a, Rule::AgentGone, out);
        }
    }

    /// Chats whose last message has been the agent's for `idle_after_s` count less.
    fn idle_chats(&mut self, out: &mut Vec<Decision>) {
        let (Some(after), weight) = (self.settings.idle_after_ms, self.settings.idle_weight_milli)
        else {
            return;
        };
        let mut freed = Vec::new();
        while let Some((&(since, key), _)) = self.quiet.first_key_value() {
            if self.now - since < after {
                break;
            }
            let Some(conv) = self.quiet.remove(&(since, key)) else {
                break;
            };
            let Some(c) = self.convs.get_mut(&conv) else {
                continue;
            };
            let Place::Assigned(a) = c.place else {
                continue;
            };
            let less = c.weight.saturating_sub(weight);
            c.weight -= less;
            self.agents[a].load_milli = self.agents[a].load_milli.saturating_sub(less);
            self.refresh(a);
            freed.push(a);
        }
        freed.dedup();
        for a in freed {
            self.fill(a, out);
        }
    }

    /// The escalation ladder: alert the agent after `slow_reply_s` without a reply, move
    /// the chat to the group's least-loaded other agent after `transfer_after_s` (it stays
    /// if nobody else has room, and is tried again on the next tick).
    fn slow_replies(&mut self, out: &mut Vec<Decision>) {
        let steps = [self.settings.slow_reply_ms, self.settings.transfer_after_ms];
        let Some(first) = steps.iter().flatten().min().copied() else {
            return;
        };
        let due: Vec<(Millis, ConvId)> = self
            .owed
            .iter()
            .take_while(|((since, _), _)| self.now - since >= first)
            .map(|((since, _), conv)| (*since, conv.clone()))
            .collect();
        for (since, conv) in due {
            let Some(c) = self.convs.get(&conv) else {
                continue;
            };
            let Place::Assigned(a) = c.place else {
                continue;
            };
            let waited = self.now - since;
            let with_agent = self.now - since.max(c.assigned_at);
            if self
                .settings
                .transfer_after_ms
                .is_some_and(|t| with_agent >= t)
                && let Some(b) = self.groups[c.group].pick(Some(a))
            {
                let candidates = self.groups[c.group].candidates(&self.agents, Some(a));
                self.unhold(&conv);
                let mv = Move {
                    from: Some(a),
                    ..Move::default()
                };
                self.assign(&conv, b, Rule::SlowReply, candidates, mv, out);
                self.fill(a, out);
                continue;
            }
            if !c.alerted && self.settings.slow_reply_ms.is_some_and(|s| with_agent >= s) {
                if let Some(c) = self.convs.get_mut(&conv) {
                    c.alerted = true;
                }
                out.push(Decision::Alert {
                    conv,
                    agent: self.agents[a].id.clone(),
                    waited_s: u32::try_from(waited / 1000).unwrap_or(u32::MAX),
                });
            }
        }
    }

    /// Chats waiting past their group's `max_wait_s`: a fallback group's ready agent takes
    /// the oldest; chats waiting that long for one agent go to their group instead.
    fn overflow(&mut self, out: &mut Vec<Decision>) {
        if !self.open {
            return;
        }
        for g in 0..self.groups.len() {
            let Some(max_wait) = self.max_wait_ms(g) else {
                continue;
            };
            while let Some((key, conv)) = self.groups[g].queue.front() {
                let conv = conv.clone();
                if !self.overdue(&conv, max_wait) {
                    break;
                }
                let taker = self.groups[g]
                    .fallback
                    .iter()
                    .find_map(|&f| self.groups[f].pick(None).map(|a| (f, a)));
                let Some((f, a)) = taker else {
                    break;
                };
                let candidates = self.groups[f].candidates(&self.agents, None);
                self.groups[g].queue.remove(&key);
                self.assign(&conv, a, Rule::Overflow, candidates, Move::default(), out);
            }
        }
        for a in 0..self.agents.len() {
            let Some(max_wait) = self.max_wait_ms(self.agents[a].group) else {
                continue;
            };
            while let Some((_, conv)) = self.agents[a].queue.front() {
                let conv = conv.clone();
                if !self.overdue(&conv, max_wait) {
                    break;
                }
                self.unhold(&conv);
                let mv = Move {
                    unavailable: Some((self.agents[a].id.clone(), self.agents[a].status)),
                    ..Move::default()
                };
                self.place_in_group(&conv, Some(a), Rule::Overflow, mv, out);
            }
        }
    }

    /// Whether `conv` has waited where it waits for `max_wait` ms or more.
    fn overdue(&self, conv: &ConvId, max_wait: Millis) -> bool {
        self.convs
            .get(conv)
            .is_some_and(|c| self.now - c.waiting_since >= max_wait)
    }

    /// Group `g`'s `max_wait_s` in force, in ms; `None`: never overflows.
    fn max_wait_ms(&self, g: usize) -> Option<Millis> {
        let ms = self
            .settings
            .max_wait_ms
            .unwrap_or(self.groups[g].base_max_wait_ms);
        (ms > 0).then_some(ms)
    }

    /// A [`Decision::Position`] for every waiting chat whose place or estimate changed
    /// enough to tell (see [`worth_telling`]), in the queues that changed.
    fn announce_positions(&mut self, out: &mut Vec<Decision>) {
        for g in 0..self.groups.len() {
            if !std::mem::take(&mut self.groups[g].queue.dirty) {
                continue;
            }
            let capacity = self.groups[g].capacity;
            let waiting: Vec<ConvId> = self.groups[g]
                .queue
                .iter()
                .map(|(_, c)| c.clone())
                .collect();
            self.tell_places(waiting, capacity, None, out);
        }
        for a in 0..self.agents.len() {
            if !std::mem::take(&mut self.agents[a].queue.dirty) {
                continue;
            }
            let capacity = if self.agents[a].present() {
                self.agents[a].max
            } else {
                0
            };
            let waiting: Vec<ConvId> = self.agents[a]
                .queue
                .iter()
                .map(|(_, c)| c.clone())
                .collect();
            self.tell_places(waiting, capacity, Some(a), out);
        }
    }

    fn tell_places(
        &mut self,
        waiting: Vec<ConvId>,
        capacity: u32,
        agent: Option<usize>,
        out: &mut Vec<Decision>,
    ) {
        for (i, conv) in waiting.into_iter().enumerate() {
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let eta_s = queue_eta_s(position, self.avg_chat_s, capacity);
            let Some(c) = self.convs.get_mut(&conv) else {
                continue;
            };
            if !worth_telling(c.announced, (position, eta_s)) {
                continue;
            }
            c.announced = Some((position, eta_s));
            out.push(Decision::Position {
                group: self.groups[c.group].id.clone(),
                conv,
                agent: agent.map(|a| self.agents[a].id.clone()),
                position,
                eta_s,
            });
        }
    }

    /// One [`Decision::GroupsChanged`] when any group's availability changed.
    fn announce_groups(&mut self, out: &mut Vec<Decision>) {
        let live = (
            self.groups.iter().map(|g| self.live_of(g)).collect(),
            self.opens_at,
        );
        if live != self.last_live {
            self.last_live = live;
            out.push(Decision::GroupsChanged {
                groups: self.groups_live(),
            });
        }
    }
}
