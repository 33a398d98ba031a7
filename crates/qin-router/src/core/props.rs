//! Property tests: random event sequences (opens with favourites, closes, statuses, messages,
//! transfers, choices, profile switches, time passing) checked against the rules' promises.

use super::*;
use crate::testing::{agent, conv, group, shop};
use proptest::prelude::*;
use qin_config::{ProfileConfig, ShopConfig};
use qin_proto::{AgentId, AgentStatus, Choice, ConvId, ConvState, Millis};
use std::collections::{HashMap, HashSet};

const GROUPS: [&str; 3] = ["lady", "bold", "zany"];
const AGENTS: [(&str, &str); 5] = [
    ("a0", "lady"),
    ("a1", "lady"),
    ("a2", "bold"),
    ("a3", "bold"),
    ("a4", "zany"),
];
const STATUSES: [AgentStatus; 4] = [
    AgentStatus::Online,
    AgentStatus::Busy,
    AgentStatus::Away,
    AgentStatus::Offline,
];

#[derive(Debug, Clone)]
enum Op {
    /// Group index (3: none, 4: unknown); requested, followed agent indexes (5: unknown).
    Open(usize, Option<usize>, Option<usize>),
    /// Index into every conversation opened so far (closed or not).
    Close(usize),
    Reopen(usize),
    Status(usize, usize),
    Shopper(usize),
    Reply(usize),
    /// Conversation; by agent (5: a supervisor); to agent (index < 5) or group (5 + index).
    Transfer(usize, usize, usize),
    Choose(usize, bool),
    Profile(bool),
    /// The chat's shopper leaves one gateway (`false`) or comes back to one (`true`).
    Presence(usize, bool),
    /// Seconds passing, then a tick.
    Tick(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..5usize, proptest::option::of(0..6usize), proptest::option::of(0..6usize))
            .prop_map(|(g, r, f)| Op::Open(g, r, f)),
        3 => any::<usize>().prop_map(Op::Close),
        1 => any::<usize>().prop_map(Op::Reopen),
        3 => (0..6usize, 0..4usize).prop_map(|(a, s)| Op::Status(a, s)),
        2 => any::<usize>().prop_map(Op::Shopper),
        2 => any::<usize>().prop_map(Op::Reply),
        2 => (any::<usize>(), 0..6usize, 0..8usize).prop_map(|(c, b, t)| Op::Transfer(c, b, t)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(c, a)| Op::Choose(c, a)),
        1 => any::<bool>().prop_map(Op::Profile),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(c, back)| Op::Presence(c, back)),
        3 => (1..200u16).prop_map(Op::Tick),
    ]
}

fn test_shop(maxes: &[u32]) -> ShopConfig {
    let agents: Vec<_> = AGENTS
        .iter()
        .zip(maxes)
        .map(|(&(id, g), &max)| (id, g, max))
        .collect();
    let mut cfg = shop(&GROUPS, &agents);
    cfg.routing.slow_reply_s = 100;
    cfg.routing.transfer_after_s = 300;
    cfg.routing.offline_grace_s = 60;
    cfg.routing.abandon_after_s = 90;
    cfg.groups[0].max_wait_s = 120;
    cfg.groups[0].fallback = vec![group("zany")];
    cfg.profiles.push(ProfileConfig {
        name: "peak".into(),
        dates: Vec::new(),
        max_chats: Some(4),
        slow_reply_s: Some(30),
        transfer_after_s: Some(60),
        max_wait_s: Some(30),
    });
    cfg
}

fn agent_id(i: usize) -> AgentId {
    agent(AGENTS.get(i).map_or("ghost", |a| a.0))
}

/// Turns ops into timed events, numbering new conversations `c0`, `c1`, …
fn events(ops: &[Op]) -> Vec<(RouterEvent, Millis)> {
    let mut opened: Vec<ConvId> = Vec::new();
    let mut now: Millis = 0;
    let pick = |opened: &[ConvId], i: usize| {
        opened
            .get(i.checked_rem(opened.len()).unwrap_or(0))
            .cloned()
            .unwrap_or_else(|| conv("ghost"))
    };
    ops.iter()
        .map(|op| {
            now += 7;
            let e = match *op {
                Op::Open(g, r, f) => {
                    let c = conv(&format!("c{}", opened.len()));
                    opened.push(c.clone());
                    RouterEvent::ChatOpened {
                        conv: c,
                        group: match g {
                            0..3 => Some(group(GROUPS[g])),
                            3 => None,
                            _ => Some(group("nope")),
                        },
                        prefs: Prefs {
                            requested: r.map(agent_id),
                            followed: f.map(agent_id).into_iter().collect(),
                            recent: None,
                        },
                    }
                }
                Op::Close(i) => RouterEvent::ChatClosed {
                    conv: pick(&opened, i),
                },
                Op::Reopen(i) => RouterEvent::ChatOpened {
                    conv: pick(&opened, i),
                    group: None,
                    prefs: Prefs::default(),
                },
                Op::Status(a, s) => RouterEvent::AgentStatusChanged {
                    agent: agent_id(a),
                    status: STATUSES[s],
                },
                Op::Shopper(i) => RouterEvent::ShopperMessage {
                    conv: pick(&opened, i),
                },
                Op::Reply(i) => RouterEvent::AgentMessage {
                    conv: pick(&opened, i),
                },
                Op::Transfer(c, b, t) => RouterEvent::Transfer {
                    conv: pick(&opened, c),
                    by: if b < 5 {
                        Actor::Agent(agent_id(b))
                    } else {
                        Actor::Supervisor("boss".into())
                    },
                    to: if t < 5 {
                        Target::Agent(agent_id(t))
                    } else {
                        Target::Group(group(GROUPS[t - 5]))
                    },
                    note: None,
                },
                Op::Choose(c, any) => RouterEvent::Choose {
                    conv: pick(&opened, c),
                    choice: if any { Choice::AnyAgent } else { Choice::Wait },
                },
                Op::Profile(on) => RouterEvent::SetProfile {
                    profile: on.then(|| "peak".to_owned()),
                },
                Op::Presence(i, true) => RouterEvent::ShopperBack {
                    conv: pick(&opened, i),
                },
                Op::Presence(i, false) => RouterEvent::ShopperAway {
                    conv: pick(&opened, i),
                },
                Op::Tick(s) => {
                    now += Millis::from(s) * 1000;
                    RouterEvent::Tick
                }
            };
            (e, now)
        })
        .collect()
}

/// What the decisions promise, rebuilt from the decisions alone.
#[derive(Default)]
struct Model {
    status: HashMap<AgentId, AgentStatus>,
    holder: HashMap<ConvId, AgentId>,
    load: HashMap<AgentId, u32>,
    /// Chats waiting in some agent's own queue.
    waiting_agent: HashMap<ConvId, AgentId>,
    announced: HashMap<ConvId, u32>,
    open: HashSet<ConvId>,
}

impl Model {
    fn step(
        &mut self,
        state: &RouterState,
        event: &RouterEvent,
        ds: &[Decision],
    ) -> Result<(), TestCaseError> {
        if let RouterEvent::AgentStatusChanged { agent, status } = event
            && state.status(agent).is_some()
        {
            self.status.insert(agent.clone(), *status);
        }
        if let RouterEvent::ChatOpened { conv, .. } = event {
            self.open.insert(conv.clone());
        }
        for d in ds {
            self.apply(state, d)?;
        }
        Ok(())
    }

    fn apply(&mut self, state: &RouterState, d: &Decision) -> Result<(), TestCaseError> {
        match d {
            Decision::Assign {
                conv,
                agent,
                from,
                rule,
                ..
            } => {
                prop_assert!(self.open.contains(conv), "closed {conv} assigned");
                prop_assert_eq!(
                    self.holder.get(conv),
                    from.as_ref(),
                    "{} moved from a non-holder",
                    conv
                );
                if let Some(f) = from {
                    *self.load.entry(f.clone()).or_default() -= 1;
                }
                let status = self
                    .status
                    .get(agent)
                    .copied()
                    .unwrap_or(AgentStatus::Offline);
                let own_queue = self.waiting_agent.remove(conv).as_ref() == Some(agent);
                match status {
                    AgentStatus::Online => {}
                    AgentStatus::Busy => prop_assert!(
                        own_queue
                            || matches!(
                                rule,
                                Rule::RequestedAgent
                                    | Rule::FollowedAgent
                                    | Rule::RecentAgent
                                    | Rule::Transfer
                                    | Rule::Reassign
                            ),
                        "busy {agent} got a group chat by {rule}"
                    ),
                    _ => prop_assert!(false, "{conv} assigned to {agent} who is {status:?}"),
                }
                let load = self.load.entry(agent.clone()).or_default();
                *load += 1;
                let max = state.max_chats(agent).unwrap_or(0);
                prop_assert!(*load <= max, "{agent} over its cap: {load} > {max}");
                self.holder.insert(conv.clone(), agent.clone());
                self.announced.remove(conv);
            }
            Decision::Queue {
                conv,
                from,
                position,
                ..
            } => {
                prop_assert_eq!(self.holder.get(conv), from.as_ref());
                if let Some(f) = from {
                    *self.load.entry(f.clone()).or_default() -= 1;
                    self.holder.remove(conv);
                }
                self.waiting_agent.remove(conv);
                self.announced.insert(conv.clone(), *position);
            }
            Decision::WaitAgent {
                conv,
                agent,
                position,
                ..
            } => {
                prop_assert!(!self.holder.contains_key(conv));
                self.waiting_agent.insert(conv.clone(), agent.clone());
                self.announced.insert(conv.clone(), *position);
            }
            Decision::Position { conv, position, .. } => {
                prop_assert!(!self.holder.contains_key(conv), "position for held {conv}");
                self.announced.insert(conv.clone(), *position);
            }
            Decision::Abandoned { conv, agent, .. } => {
                prop_assert!(
                    self.open.remove(conv),
                    "abandoned {conv} twice or never opened"
                );
                prop_assert!(
                    !self.holder.contains_key(conv),
                    "abandoned {conv} an agent holds"
                );
                let awaited = self.waiting_agent.remove(conv);
                prop_assert_eq!(awaited.as_ref(), agent.as_ref());
                self.announced.remove(conv);
            }
            Decision::Released { conv, agent, .. } => {
                prop_assert!(self.open.remove(conv), "released {conv} twice");
                let held = self.holder.remove(conv);
                prop_assert_eq!(held.as_ref(), agent.as_ref());
                if let Some(a) = agent {
                    *self.load.entry(a.clone()).or_default() -= 1;
                }
                self.waiting_agent.remove(conv);
                self.announced.remove(conv);
            }
            _ => {}
        }
        Ok(())
    }

    /// The state agrees with the model; queues are FIFO by age and work-conserving; every
    /// open chat is somewhere; after a tick, the front of every queue knows its place.
    fn check(&self, state: &RouterState, ticked: bool) -> Result<(), TestCaseError> {
        for (a, _) in AGENTS {
            let id = agent(a);
            let load = self.load.get(&id).copied().unwrap_or(0);
            prop_assert_eq!(state.load_milli(&id), Some(load * 1000));
        }
        for c in &self.open {
            let placed = state.placement(c);
            prop_assert!(placed.is_some(), "open {c} lost");
            if let Some(Placed::Assigned { agent, .. }) = &placed {
                prop_assert_eq!(self.holder.get(c), Some(agent));
            }
            if ticked
                && let Some(Placed::Queued { position, .. } | Placed::WaitingAgent { position, .. }) =
                    placed
                && position <= 10
            {
                prop_assert_eq!(
                    self.announced.get(c),
                    Some(&position),
                    "{} not told its place",
                    c
                );
            }
        }
        prop_assert_eq!(state.conversations().count(), self.open.len());
        for (g, ()) in GROUPS.iter().map(|g| (group(g), ())) {
            let waiting = state.queue(&g).map_or(0, Iterator::count);
            if waiting == 0 {
                continue;
            }
            for (a, ag) in AGENTS {
                let id = agent(a);
                if group(ag) != g || self.status.get(&id) != Some(&AgentStatus::Online) {
                    continue;
                }
                let load = self.load.get(&id).copied().unwrap_or(0);
                prop_assert!(
                    load >= state.max_chats(&id).unwrap_or(0),
                    "{a} idle while {g} has a queue"
                );
            }
        }
        Ok(())
    }
}

/// The store's view of the shop, as the worker would read it when taking over.
fn snapshot(state: &RouterState, model: &Model) -> Snapshot {
    let conversations = model
        .open
        .iter()
        .map(|c| {
            let (state_, group, agent) = match state.placement(c).expect("placed") {
                Placed::Queued { group, .. } => (ConvState::Queued, group, None),
                Placed::WaitingAgent { group, agent, .. } => {
                    (ConvState::WaitingAgent, group, Some(agent))
                }
                Placed::Assigned { group, agent } => (ConvState::Assigned, group, Some(agent)),
            };
            let n: i64 = c.as_str()[1..].parse().unwrap_or(0);
            RestoredConv {
                conv: c.clone(),
                group,
                state: state_,
                agent,
                opened_at: n,
            }
        })
        .collect();
    Snapshot {
        conversations,
        statuses: model.status.clone(),
        profile: state.profile().map(str::to_owned),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn routing_keeps_its_promises(
        maxes in proptest::collection::vec(1..4u32, 5),
        ops in proptest::collection::vec(op(), 0..200),
    ) {
        let shop = test_shop(&maxes);
        let mut state = RouterState::new(&shop);
        let mut model = Model::default();
        let mut log = Vec::new();
        for (e, now) in events(&ops) {
            let ds = state.handle(e.clone(), now);
            model.step(&state, &e, &ds)?;
            model.check(&state, e == RouterEvent::Tick)?;
            log.push(ds);
        }

        // Deterministic: the same events at the same times give the same decisions.
        let mut again = RouterState::new(&shop);
        for (i, (e, now)) in events(&ops).into_iter().enumerate() {
            prop_assert_eq!(&again.handle(e, now), &log[i]);
        }

        // Taking over from what the store would hold keeps every chat where it is.
        let (restored, ds) = RouterState::restored(&shop, &snapshot(&state, &model), 10_000_000);
        for d in &ds {
            if let Decision::Assign { conv, .. } = d {
                // Only chats a work-conserving state could not have held back move.
                prop_assert!(!model.holder.contains_key(conv), "restore moved held {conv}");
            }
        }
        for (id, _) in AGENTS {
            let id = agent(id);
            prop_assert!(restored.load_milli(&id) >= state.load_milli(&id) || model.status.get(&id) != Some(&AgentStatus::Online));
        }
        prop_assert_eq!(restored.conversations().count(), model.open.len());
    }
}
