//! Property tests: random event sequences against an independent model of the rules' promises.

use super::*;
use crate::testing::{agent, conv, group, shop};
use proptest::prelude::*;
use qin_config::ShopConfig;
use qin_proto::{AgentId, AgentStatus, ConvId, ConvState, GroupId, Millis};
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
    /// Group index (3: none, 4: unknown); requested agent index (5: unknown).
    Open(usize, Option<usize>),
    /// Index into every conversation opened so far (closed or not).
    Close(usize),
    /// Opens again an already opened conversation.
    Reopen(usize),
    Status(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..5usize, proptest::option::of(0..6usize)).prop_map(|(g, r)| Op::Open(g, r)),
        3 => any::<usize>().prop_map(Op::Close),
        1 => any::<usize>().prop_map(Op::Reopen),
        3 => (0..6usize, 0..4usize).prop_map(|(a, s)| Op::Status(a, s)),
    ]
}

fn test_shop(maxes: &[u32]) -> ShopConfig {
    let agents: Vec<_> = AGENTS
        .iter()
        .zip(maxes)
        .map(|(&(id, g), &max)| (id, g, max))
        .collect();
    shop(&GROUPS, &agents)
}

fn agent_name(i: usize) -> &'static str {
    AGENTS.get(i).map_or("ghost", |a| a.0)
}

/// Turns ops into events, numbering new conversations `c0`, `c1`, …
fn events(ops: &[Op]) -> Vec<RouterEvent> {
    let mut opened: Vec<ConvId> = Vec::new();
    let pick = |opened: &[ConvId], i: usize| {
        opened
            .get(i.checked_rem(opened.len()).unwrap_or(0))
            .cloned()
            .unwrap_or_else(|| conv("ghost"))
    };
    ops.iter()
        .map(|op| match *op {
            Op::Open(g, r) => {
                let c = conv(&format!("c{}", opened.len()));
                opened.push(c.clone());
                RouterEvent::ChatOpened {
                    conv: c,
                    group: match g {
                        0..3 => Some(group(GROUPS[g])),
                        3 => None,
                        _ => Some(group("nope")),
                    },
                    requested_agent: r.map(|r| agent(agent_name(r))),
                }
            }
            Op::Close(i) => RouterEvent::ChatClosed {
                conv: pick(&opened, i),
            },
            Op::Reopen(i) => RouterEvent::ChatOpened {
                conv: pick(&opened, i),
                group: None,
                requested_agent: None,
            },
            Op::Status(a, s) => RouterEvent::AgentStatusChanged {
                agent: agent(agent_name(a)),
                status: STATUSES[s],
            },
        })
        .collect()
}

/// What the decisions promise, rebuilt from the decisions alone.
#[derive(Default)]
struct Model {
    max: HashMap<AgentId, u32>,
    group_of: HashMap<AgentId, GroupId>,
    status: HashMap<AgentId, AgentStatus>,
    load: HashMap<AgentId, u32>,
    queues: HashMap<GroupId, Vec<ConvId>>,
    assigned: HashMap<ConvId, (GroupId, AgentId)>,
    ever_assigned: HashSet<ConvId>,
    closed: HashSet<ConvId>,
    announced: HashMap<ConvId, u32>,
    opened_at: HashMap<ConvId, Millis>,
}

impl Model {
    fn new(shop: &ShopConfig) -> Self {
        let mut m = Self::default();
        for a in &shop.agents {
            m.max.insert(a.id.clone(), a.max_chats);
            m.group_of.insert(a.id.clone(), a.group.clone());
        }
        for g in &shop.groups {
            m.queues.insert(g.id.clone(), Vec::new());
        }
        m
    }

    fn queued(&self, c: &ConvId) -> bool {
        self.queues.values().any(|q| q.contains(c))
    }

    fn step(
        &mut self,
        event: &RouterEvent,
        now: Millis,
        ds: &[Decision],
    ) -> Result<(), TestCaseError> {
        match event {
            RouterEvent::AgentStatusChanged { agent, status } if self.max.contains_key(agent) => {
                self.status.insert(agent.clone(), *status);
            }
            // A closed id opened again is a new chat to the router (ids are never reused in
            // practice; the worker tells the core when a chat turns out to be closed).
            RouterEvent::ChatOpened { conv, .. }
                if !self.assigned.contains_key(conv) && !self.queued(conv) =>
            {
                self.opened_at.insert(conv.clone(), now);
                self.ever_assigned.remove(conv);
                self.closed.remove(conv);
            }
            _ => {}
        }
        for d in ds {
            self.apply(d)?;
        }
        self.check_work_conserving()
    }

    fn apply(&mut self, d: &Decision) -> Result<(), TestCaseError> {
        match d {
            Decision::Assign {
                conv,
                group,
                agent,
                rule,
                ..
            } => {
                prop_assert!(
                    self.ever_assigned.insert(conv.clone()),
                    "{conv} assigned twice"
                );
                prop_assert!(!self.closed.contains(conv), "closed {conv} assigned");
                prop_assert_eq!(self.status.get(agent), Some(&AgentStatus::Online));
                let load = self.load.entry(agent.clone()).or_default();
                *load += 1;
                prop_assert!(*load <= self.max[agent], "{agent} over its cap");
                if *rule == Rule::QueueDrain {
                    let q = self.queues.get_mut(group).expect("known group");
                    prop_assert_eq!(q.first(), Some(conv), "drain not FIFO");
                    q.remove(0);
                    self.announced.remove(conv);
                } else {
                    prop_assert!(!self.queued(conv), "{conv} both queued and assigned");
                }
                self.assigned
                    .insert(conv.clone(), (group.clone(), agent.clone()));
            }
            Decision::Queue {
                conv,
                group,
                position,
                ..
            } => {
                prop_assert!(!self.assigned.contains_key(conv) && !self.queued(conv));
                let q = self.queues.get_mut(group).expect("known group");
                q.push(conv.clone());
                prop_assert_eq!(*position as usize, q.len());
                self.announced.insert(conv.clone(), *position);
            }
            Decision::Position {
                conv,
                group,
                position,
                ..
            } => {
                let q = &self.queues[group];
                prop_assert_eq!(q.get(*position as usize - 1), Some(conv));
                self.announced.insert(conv.clone(), *position);
            }
            Decision::Released { conv, group, agent } => {
                match agent {
                    Some(agent) => {
                        let held = self.assigned.remove(conv);
                        prop_assert_eq!(held, Some((group.clone(), agent.clone())));
                        *self.load.entry(agent.clone()).or_default() -= 1;
                    }
                    None => {
                        let q = self.queues.get_mut(group).expect("known group");
                        let i = q.iter().position(|c| c == conv);
                        prop_assert!(i.is_some(), "released {conv} was not queued");
                        q.retain(|c| c != conv);
                        self.announced.remove(conv);
                    }
                }
                self.closed.insert(conv.clone());
            }
            Decision::GroupsChanged { groups } => {
                for g in groups {
                    prop_assert_eq!(g.waiting as usize, self.queues[&g.id].len());
                    let online = self
                        .group_of
                        .iter()
                        .filter(|(a, gr)| {
                            **gr == g.id && self.status.get(*a) == Some(&AgentStatus::Online)
                        })
                        .count();
                    prop_assert_eq!(g.online as usize, online);
                }
            }
        }
        Ok(())
    }

    /// Whenever a group's queue is non-empty, none of its online agents has room; and every
    /// queued chat's parties know its current place.
    fn check_work_conserving(&self) -> Result<(), TestCaseError> {
        for (g, q) in &self.queues {
            for (i, c) in q.iter().enumerate() {
                prop_assert_eq!(
                    self.announced.get(c),
                    Some(&(i as u32 + 1)),
                    "stale position"
                );
            }
            if q.is_empty() {
                continue;
            }
            for (a, ag) in &self.group_of {
                if ag == g && self.status.get(a) == Some(&AgentStatus::Online) {
                    let load = self.load.get(a).copied().unwrap_or(0);
                    prop_assert!(load >= self.max[a], "{a} idle while {g} has a queue");
                }
            }
        }
        Ok(())
    }

    /// The store's view of the shop, as the worker would read it at start.
    fn snapshot(&self) -> Snapshot {
        let mut conversations = Vec::new();
        for (g, q) in &self.queues {
            conversations.extend(q.iter().map(|c| RestoredConv {
                conv: c.clone(),
                group: g.clone(),
                state: ConvState::Queued,
                agent: None,
                opened_at: self.opened_at[c],
            }));
        }
        conversations.extend(self.assigned.iter().map(|(c, (g, a))| RestoredConv {
            conv: c.clone(),
            group: g.clone(),
            state: ConvState::Assigned,
            agent: Some(a.clone()),
            opened_at: self.opened_at[c],
        }));
        Snapshot {
            conversations,
            statuses: self.status.clone(),
        }
    }
}

proptest! {
    #[test]
    fn routing_keeps_its_promises(
        maxes in proptest::collection::vec(1..4u32, 5),
        ops in proptest::collection::vec(op(), 0..150),
    ) {
        let shop = test_shop(&maxes);
        let mut state = RouterState::new(&shop);
        let mut model = Model::new(&shop);
        let mut log = Vec::new();
        for (i, e) in events(&ops).into_iter().enumerate() {
            let now = i as Millis * 7;
            let ds = state.handle(e.clone(), now);
            model.step(&e, now, &ds)?;
            log.push(ds);
            for (a, &load) in &model.load {
                prop_assert_eq!(state.load(a), Some(load));
            }
        }

        // Deterministic: the same events at the same times give the same decisions.
        let mut again = RouterState::new(&shop);
        for (i, e) in events(&ops).into_iter().enumerate() {
            prop_assert_eq!(&again.handle(e, i as Millis * 7), &log[i]);
        }

        // Restoring from what the store would hold rebuilds the same state, assigning nothing.
        let (restored, ds) = RouterState::restored(&shop, &model.snapshot(), 1_000_000);
        let drained = ds.iter().any(|d| matches!(d, Decision::Assign { .. }));
        prop_assert!(!drained, "restore assigned chats a work-conserving state held back");
        for g in GROUPS {
            let gid = group(g);
            let a: Vec<_> = restored.queue(&gid).into_iter().flatten().collect();
            let b: Vec<_> = state.queue(&gid).into_iter().flatten().collect();
            prop_assert_eq!(a, b);
        }
        for (id, _) in AGENTS {
            prop_assert_eq!(restored.load(&agent(id)), state.load(&agent(id)));
        }
        for c in model.assigned.keys() {
            prop_assert_eq!(restored.placement(c), state.placement(c));
        }
        prop_assert_eq!(restored.groups_live(), state.groups_live());
    }
}
