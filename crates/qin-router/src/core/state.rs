//! The router's state for one shop and its entry points: build, restore, handle an event,
//! and the read-only views the worker and tests use.

use super::book::{AgentBook, GroupBook, Queue, QueueKey};
use super::capacity::Move;
use super::decision::{Decision, Rule};
use super::eta::group_eta_s;
use super::event::{RouterEvent, Snapshot};
use super::settings::Settings;
use qin_config::ShopConfig;
use qin_config::calendar::{Calendar, Windows};
use qin_proto::{AgentId, AgentStatus, ConvId, ConvState, GroupId, GroupLive, Millis};
use std::collections::{BTreeMap, HashMap};

/// Where the core has put an open conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// In its group's queue (or, when overdue, offered to the fallback groups).
    Group,
    /// In this agent's own queue.
    Agent(usize),
    /// Held by this agent.
    Assigned(usize),
}

/// One open conversation as the core tracks it.
#[derive(Debug, Clone)]
pub(super) struct ConvBook {
    /// The chat's persona group (the shopper's choice, or where a transfer sent it).
    pub group: usize,
    pub place: Place,
    /// Its age: its place in any queue it waits in.
    pub key: QueueKey,
    /// When it began waiting where it waits now (for `max_wait_s`).
    pub waiting_since: Millis,
    /// `(position, eta_s)` last told to its parties while waiting.
    pub announced: Option<(u32, Option<u32>)>,
    /// When its agent got it.
    pub assigned_at: Millis,
    /// Since when the shopper has waited for a reply, if they have.
    pub owed_since: Option<Millis>,
    pub alerted: bool,
    /// Since when the agent's message has been the last, if it is (idle-chat weighting).
    pub quiet_since: Option<Millis>,
    /// What the chat counts toward its agent's load, in thousandths.
    pub weight: u32,
    /// Gateways where its shopper has a socket (1 when opened or restored).
    pub present: u32,
    /// Since when its shopper has had no socket anywhere, if so.
    pub away_since: Option<Millis>,
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
    /// Waiting in `agent`'s own queue.
    WaitingAgent {
        /// Persona group.
        group: GroupId,
        /// The awaited agent.
        agent: AgentId,
        /// 1-based place in the agent's queue.
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

/// The routing state of one shop: agents' statuses, shifts and loads, the queues, and where
/// every open conversation is. Deterministic: the same events at the same times give the
/// same decisions.
#[derive(Debug, Clone)]
pub struct RouterState {
    pub(super) shop: ShopConfig,
    pub(super) settings: Settings,
    /// The profile a supervisor switched to (overrides the dates).
    pub(super) profile_override: Option<String>,
    /// Index into `shop.profiles` of the profile in force.
    pub(super) profile: Option<usize>,
    pub(super) calendar: Option<Calendar>,
    /// Within opening hours.
    pub(super) open: bool,
    /// While closed: when the shop next opens (ms), as the widget tells waiting shoppers.
    pub(super) opens_at: Option<Millis>,
    /// `(date, minute of day)` the shifts and hours were last evaluated for.
    pub(super) evaluated: Option<(String, u32)>,
    pub(super) default_group: usize,
    pub(super) avg_chat_s: u32,
    pub(super) groups: Vec<GroupBook>,
    pub(super) agents: Vec<AgentBook>,
    pub(super) group_ix: HashMap<GroupId, usize>,
    pub(super) agent_ix: HashMap<AgentId, usize>,
    pub(super) convs: HashMap<ConvId, ConvBook>,
    /// Chats held by each agent, oldest first (for handing them all over).
    pub(super) held: Vec<BTreeMap<QueueKey, ConvId>>,
    /// Assigned chats whose shopper waits for a reply, by waiting time.
    pub(super) owed: BTreeMap<(Millis, QueueKey), ConvId>,
    /// Assigned chats whose last message is the agent's, by its time.
    pub(super) quiet: BTreeMap<(Millis, QueueKey), ConvId>,
    /// Chats whose shopper is gone, by since when.
    pub(super) away: BTreeMap<(Millis, QueueKey), ConvId>,
    pub(super) serial: u64,
    /// `(online, waiting, eta_s)` per group and the opening time, as last announced.
    pub(super) last_live: (Vec<(u32, u32, u32)>, Option<Millis>),
    pub(super) now: Millis,
}

impl RouterState {
    /// An empty state for `shop`: every agent offline, no conversations, opening hours and
    /// shifts not yet evaluated (the first event does it).
    ///
    /// Never panics, even on an unvalidated config: a missing default group is created
    /// empty, an agent whose group is unknown works in the default group, an unreadable
    /// shift or calendar means "always".
    pub fn new(shop: &ShopConfig) -> Self {
        let mut groups: Vec<GroupBook> = Vec::with_capacity(shop.groups.len() + 1);
        let mut group_ix = HashMap::new();
        let new_group = |id: &GroupId, name: &str, tagline: &str, max_wait_s: u32| GroupBook {
            id: id.clone(),
            name: name.to_owned(),
            tagline: tagline.to_owned(),
            members: Vec::new(),
            queue: Queue::default(),
            base_max_wait_ms: Millis::from(max_wait_s) * 1000,
            fallback: Vec::new(),
            ready: std::collections::BTreeSet::new(),
            online: 0,
            capacity: 0,
        };
        for g in &shop.groups {
            if !group_ix.contains_key(&g.id) {
                group_ix.insert(g.id.clone(), groups.len());
                groups.push(new_group(&g.id, &g.name, &g.tagline, g.max_wait_s));
            }
        }
        let default_group = if let Some(&i) = group_ix.get(&shop.default_group) {
            i
        } else {
            group_ix.insert(shop.default_group.clone(), groups.len());
            let id = &shop.default_group;
            groups.push(new_group(id, id.as_str(), "", 0));
            groups.len() - 1
        };
        for g in &shop.groups {
            let me = group_ix[&g.id];
            let fallback: Vec<usize> = g
                .fallback
                .iter()
                .filter_map(|f| group_ix.get(f).copied())
                .filter(|&f| f != me)
                .collect();
            if groups[me].fallback.is_empty() {
                groups[me].fallback = fallback;
            }
        }
        let mut agents = Vec::with_capacity(shop.agents.len());
        let mut agent_ix = HashMap::new();
        // A disabled agent is as good as gone: her held chats wait again on restore.
        for a in shop.agents.iter().filter(|a| !a.disabled) {
            if agent_ix.contains_key(&a.id) {
                continue;
            }
            let group = group_ix.get(&a.group).copied().unwrap_or(default_group);
            groups[group].members.push(agents.len());
            agent_ix.insert(a.id.clone(), agents.len());
            let shift = (!a.shift.is_empty())
                .then(|| Windows::parse(&a.shift).ok())
                .flatten();
            agents.push(AgentBook {
                id: a.id.clone(),
                group,
                base_max: a.max_chats,
                max: a.max_chats,
                status: AgentStatus::Offline,
                shift,
                on_shift: true,
                load_milli: 0,
                since: 0,
                gone_since: None,
                queue: Queue::default(),
                ready: None,
                counted: None,
            });
        }
        let held = vec![BTreeMap::new(); agents.len()];
        Self {
            settings: Settings::new(shop, None),
            profile_override: None,
            profile: None,
            calendar: shop.hours.calendar().ok(),
            open: true,
            opens_at: None,
            evaluated: None,
            default_group,
            avg_chat_s: shop.avg_chat_s,
            groups,
            agents,
            group_ix,
            agent_ix,
            convs: HashMap::new(),
            held,
            owed: BTreeMap::new(),
            quiet: BTreeMap::new(),
            away: BTreeMap::new(),
            serial: 0,
            last_live: (Vec::new(), None),
            now: 0,
            shop: shop.clone(),
        }
    }

    /// Rebuilds the state from the store at start (or when taking over the shop).
    ///
    /// Assigned conversations count toward their agent's load (one held by an agent the
    /// config no longer has, or has disabled, is routed again: to an agent with room, else
    /// stored as queued); conversations waiting for an agent re-enter that
    /// agent's queue, the others their group's queue, oldest first. Then hours, shifts and
    /// profile are evaluated and queues drain to agents with room. The decisions returned
    /// are those assignments, a [`Decision::Position`] for every chat still waiting (its
    /// parties learn their place afresh) and always one [`Decision::GroupsChanged`].
    /// Reply timers (slow-reply alerts, idle chats) start afresh at `now`; offline agents'
    /// grace starts at `now`.
    pub fn restored(shop: &ShopConfig, snapshot: &Snapshot, now: Millis) -> (Self, Vec<Decision>) {
        let mut state = Self::new(shop);
        state.now = now;
        state.profile_override = snapshot.profile.clone();
        for a in &mut state.agents {
            a.status = snapshot
                .statuses
                .get(&a.id)
                .copied()
                .unwrap_or(AgentStatus::Offline);
            a.since = now;
            if matches!(a.status, AgentStatus::Offline | AgentStatus::Away) {
                a.gone_since = Some(now);
            }
        }
        // Chats the store gives to an agent the config no longer has (removed or disabled):
        // routed again once the rest is rebuilt, and stored as where they end up.
        let mut orphans = Vec::new();
        let mut convs: Vec<_> = snapshot.conversations.iter().collect();
        // Stable: equal `opened_at` keep the store's order.
        convs.sort_by_key(|c| c.opened_at);
        for c in convs {
            if c.state == ConvState::Closed || state.convs.contains_key(&c.conv) {
                continue;
            }
            let group = state.resolve_group(Some(&c.group));
            let agent = c
                .agent
                .as_ref()
                .and_then(|a| state.agent_ix.get(a).copied());
            let key = state.next_key(c.opened_at);
            let place = match (c.state, agent) {
                (ConvState::Assigned, Some(a)) => Place::Assigned(a),
                (ConvState::WaitingAgent, Some(a)) => Place::Agent(a),
                (ConvState::Assigned | ConvState::WaitingAgent, None) => {
                    state
                        .convs
                        .insert(c.conv.clone(), Self::new_book(group, key, now));
                    orphans.push(c.conv.clone());
                    continue;
                }
                _ => Place::Group,
            };
            let mut book = Self::new_book(group, key, now);
            book.place = place;
            state.convs.insert(c.conv.clone(), book);
            match place {
                Place::Assigned(a) => {
                    state.agents[a].load_milli += 1000;
                    state.held[a].insert(key, c.conv.clone());
                }
                Place::Agent(a) => {
                    state.agents[a].queue.push(key, c.conv.clone());
                }
                Place::Group => {
                    state.groups[group].queue.push(key, c.conv.clone());
                }
            }
        }
        for g in &mut state.groups {
            g.queue.dirty = true;
        }
        for a in &mut state.agents {
            a.queue.dirty = true;
        }
        let mut out = Vec::new();
        for a in 0..state.agents.len() {
            state.refresh(a);
        }
        state.evaluate_calendar(&mut out);
        for a in 0..state.agents.len() {
            state.fill(a, &mut out);
        }
        for conv in orphans {
            state.place_in_group(&conv, None, Rule::AgentGone, Move::default(), &mut out);
        }
        state.tick(&mut out);
        (state, out)
    }

    /// Reacts to one event at time `now` (times going backwards are taken as `now` = the
    /// latest seen). Unknown conversations and agents, repeated opens and unchanged
    /// statuses yield no decisions; nothing here panics.
    pub fn handle(&mut self, event: RouterEvent, now: Millis) -> Vec<Decision> {
        self.now = self.now.max(now);
        let mut out = Vec::new();
        if self.evaluated.is_none() {
            self.evaluate_calendar(&mut out);
        }
        match event {
            RouterEvent::ChatOpened { conv, group, prefs } => {
                self.open_chat(conv, group.as_ref(), &prefs, &mut out);
            }
            RouterEvent::ChatClosed { conv } => self.close(&conv, &mut out),
            RouterEvent::AgentStatusChanged { agent, status } => {
                self.set_status(&agent, status, &mut out);
            }
            RouterEvent::ShopperMessage { conv } => self.shopper_wrote(&conv),
            RouterEvent::AgentMessage { conv } => self.agent_wrote(&conv),
            RouterEvent::Transfer { conv, by, to, note } => {
                self.transfer(&conv, &by, &to, note, &mut out);
            }
            RouterEvent::Choose { conv, choice } => self.choose(&conv, choice, &mut out),
            RouterEvent::SetProfile { profile } => self.set_profile(profile, &mut out),
            RouterEvent::ShopperAway { conv } => self.shopper_away(&conv),
            RouterEvent::ShopperBack { conv } => self.shopper_back(&conv),
            RouterEvent::Tick => self.tick(&mut out),
        }
        out
    }

    /// Live availability of every persona group, in config order.
    pub fn groups_live(&self) -> Vec<GroupLive> {
        self.groups
            .iter()
            .map(|g| {
                let (online, waiting, eta_s) = self.live_of(g);
                GroupLive {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    tagline: g.tagline.clone(),
                    online,
                    waiting,
                    eta_s,
                    opens_at: self.opens_at,
                }
            })
            .collect()
    }

    /// `(online, waiting, eta_s)` of one group.
    pub(super) fn live_of(&self, g: &GroupBook) -> (u32, u32, u32) {
        let waiting = g.queue.len();
        let spare = self.open && !g.ready.is_empty();
        let eta = group_eta_s(spare, waiting, self.avg_chat_s, g.capacity);
        (g.online, waiting, eta)
    }

    /// Where an open conversation stands; `None` when the router does not know it.
    pub fn placement(&self, conv: &ConvId) -> Option<Placed> {
        let c = self.convs.get(conv)?;
        let group = self.groups[c.group].id.clone();
        Some(match c.place {
            Place::Group => Placed::Queued {
                group,
                position: self.groups[c.group].queue.position(&c.key),
            },
            Place::Agent(a) => Placed::WaitingAgent {
                group,
                agent: self.agents[a].id.clone(),
                position: self.agents[a].queue.position(&c.key),
            },
            Place::Assigned(a) => Placed::Assigned {
                group,
                agent: self.agents[a].id.clone(),
            },
        })
    }

    /// Every open chat the router knows.
    pub fn conversations(&self) -> impl Iterator<Item = &ConvId> {
        self.convs.keys()
    }

    /// Chats `agent` holds, in thousandths (an idle chat may count less than 1000); `None`
    /// for an agent the shop lacks.
    pub fn load_milli(&self, agent: &AgentId) -> Option<u32> {
        Some(self.agents[*self.agent_ix.get(agent)?].load_milli)
    }

    /// The cap in force for `agent`.
    pub fn max_chats(&self, agent: &AgentId) -> Option<u32> {
        Some(self.agents[*self.agent_ix.get(agent)?].max)
    }

    /// The status the router holds for `agent`; `None` for an agent the shop lacks.
    pub fn status(&self, agent: &AgentId) -> Option<AgentStatus> {
        Some(self.agents[*self.agent_ix.get(agent)?].status)
    }

    /// A group's queue, oldest first; `None` for a group the shop lacks.
    pub fn queue(&self, group: &GroupId) -> Option<impl Iterator<Item = &ConvId>> {
        Some(
            self.groups[*self.group_ix.get(group)?]
                .queue
                .iter()
                .map(|(_, c)| c),
        )
    }

    /// An agent's own queue, oldest first; `None` for an agent the shop lacks.
    pub fn agent_queue(&self, agent: &AgentId) -> Option<impl Iterator<Item = &ConvId>> {
        Some(
            self.agents[*self.agent_ix.get(agent)?]
                .queue
                .iter()
                .map(|(_, c)| c),
        )
    }

    /// The peak-day profile in force, if any.
    pub fn profile(&self) -> Option<&str> {
        self.profile.map(|p| self.shop.profiles[p].name.as_str())
    }

    /// Whether the shop is within its opening hours (as of the last event).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The group a chat asking for `group` goes to: that group if the shop has it, else the default.
    pub(super) fn resolve_group(&self, group: Option<&GroupId>) -> usize {
        group
            .and_then(|g| self.group_ix.get(g).copied())
            .unwrap_or(self.default_group)
    }

    /// A fresh queue key for a chat opened at `opened_at`.
    pub(super) fn next_key(&mut self, opened_at: Millis) -> QueueKey {
        self.serial += 1;
        (opened_at, self.serial)
    }
}
