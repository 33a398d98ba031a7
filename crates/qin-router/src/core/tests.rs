//! Table tests: one per routing rule and edge case.

use super::*;
use crate::testing::{agent, conv, group, shop};
use AgentStatus::{Away, Busy, Offline, Online};
use qin_proto::{AgentStatus, ConvState, GroupLive};

fn opened(c: &str, g: Option<&str>, req: Option<&str>) -> RouterEvent {
    RouterEvent::ChatOpened {
        conv: conv(c),
        group: g.map(group),
        requested_agent: req.map(agent),
    }
}

fn closed(c: &str) -> RouterEvent {
    RouterEvent::ChatClosed { conv: conv(c) }
}

fn status(a: &str, s: AgentStatus) -> RouterEvent {
    RouterEvent::AgentStatusChanged {
        agent: agent(a),
        status: s,
    }
}

/// `(conv, agent, rule)` of every assignment, in order.
fn assigns(ds: &[Decision]) -> Vec<(String, String, Rule)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Assign {
                conv, agent, rule, ..
            } => Some((conv.to_string(), agent.to_string(), *rule)),
            _ => None,
        })
        .collect()
}

/// `(conv, position, eta_s)` of every position update, in order.
fn positions(ds: &[Decision]) -> Vec<(String, u32, Option<u32>)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Position {
                conv,
                position,
                eta_s,
                ..
            } => Some((conv.to_string(), *position, *eta_s)),
            _ => None,
        })
        .collect()
}

fn live(ds: &[Decision]) -> Option<&Vec<GroupLive>> {
    ds.iter().rev().find_map(|d| match d {
        Decision::GroupsChanged { groups } => Some(groups),
        _ => None,
    })
}

fn a(c: &str, ag: &str, rule: Rule) -> (String, String, Rule) {
    (c.into(), ag.into(), rule)
}

/// Groups `lady` (default) and `bold`; `an`, `bo` in lady with 2 slots, `xi` in bold with 1.
fn afu() -> RouterState {
    RouterState::new(&shop(
        &["lady", "bold"],
        &[("an", "lady", 2), ("bo", "lady", 2), ("xi", "bold", 1)],
    ))
}

#[test]
fn least_loaded_then_idle_longest() {
    let mut s = afu();
    s.handle(status("bo", Online), 1);
    s.handle(status("an", Online), 2);
    // Equal loads: bo came online first, so bo has been idle longest.
    assert_eq!(
        assigns(&s.handle(opened("c1", None, None), 10)),
        [a("c1", "bo", Rule::LeastLoaded)]
    );
    assert_eq!(
        assigns(&s.handle(opened("c2", None, None), 20)),
        [a("c2", "an", Rule::LeastLoaded)]
    );
    // Loads 1/1 again: bo got a chat at 10, an at 20.
    let ds = s.handle(opened("c3", Some("lady"), None), 30);
    assert_eq!(assigns(&ds), [a("c3", "bo", Rule::LeastLoaded)]);
    let Some(Decision::Assign { candidates, .. }) = ds.first() else {
        panic!("expected an assignment first: {ds:?}");
    };
    assert_eq!(candidates.to_string(), "an=1/2 bo=1/2");
    assert_eq!(s.load(&agent("bo")), Some(2));
}

#[test]
fn requested_agent_wins_and_keeps_the_chosen_group() {
    let mut s = afu();
    s.handle(status("an", Online), 1);
    s.handle(status("xi", Online), 1);
    let ds = s.handle(opened("c1", Some("lady"), Some("xi")), 5);
    assert_eq!(assigns(&ds), [a("c1", "xi", Rule::RequestedAgent)]);
    assert_eq!(
        s.placement(&conv("c1")),
        Some(Placed::Assigned {
            group: group("lady"),
            agent: agent("xi")
        })
    );
    // xi is full now: the next request for xi falls back to the chat's group.
    assert_eq!(
        assigns(&s.handle(opened("c2", Some("lady"), Some("xi")), 6)),
        [a("c2", "an", Rule::LeastLoaded)]
    );
}

#[test]
fn requested_agent_not_online_or_unknown_falls_back() {
    let mut s = afu();
    s.handle(status("an", Online), 1);
    s.handle(status("bo", Busy), 1);
    assert_eq!(
        assigns(&s.handle(opened("c1", None, Some("bo")), 2)),
        [a("c1", "an", Rule::LeastLoaded)]
    );
    assert_eq!(
        assigns(&s.handle(opened("c2", None, Some("nobody")), 3)),
        [a("c2", "an", Rule::LeastLoaded)]
    );
}

#[test]
fn unknown_or_missing_group_means_the_default() {
    let mut s = afu();
    for (c, g) in [("c1", None), ("c2", Some("zany"))] {
        let ds = s.handle(opened(c, g, None), 1);
        assert!(
            matches!(&ds[0], Decision::Queue { group: gr, .. } if *gr == group("lady")),
            "{ds:?}"
        );
    }
}

#[test]
fn queued_when_nobody_has_room_with_position_and_eta() {
    let mut s = afu();
    // Nobody online: queued, no estimate, online 0 (the away message goes out).
    let ds = s.handle(opened("c1", None, None), 1);
    assert_eq!(
        ds[0],
        Decision::Queue {
            conv: conv("c1"),
            group: group("lady"),
            position: 1,
            eta_s: None,
            online: 0,
            rule: Rule::Queued,
            candidates: Loads::default(),
        }
    );
    // an comes online and takes c1; fill an up, then the next chat queues behind.
    let ds = s.handle(status("an", Online), 2);
    assert_eq!(assigns(&ds), [a("c1", "an", Rule::QueueDrain)]);
    s.handle(opened("c2", None, None), 3);
    let ds = s.handle(opened("c3", None, None), 4);
    let Decision::Queue {
        position,
        eta_s,
        online,
        ..
    } = &ds[0]
    else {
        panic!("expected queue: {ds:?}");
    };
    // Capacity 2, avg 120 s: position 1 waits ceil(1 * 120 / 2) = 60 s.
    assert_eq!((*position, *eta_s, *online), (1, Some(60), 1));
    let ds = s.handle(opened("c4", None, None), 5);
    assert!(matches!(
        ds[0],
        Decision::Queue {
            position: 2,
            eta_s: Some(120),
            ..
        }
    ));
}

#[test]
fn closing_drains_the_oldest_and_updates_positions() {
    let mut s = afu();
    s.handle(status("an", Online), 1);
    for c in ["c1", "c2", "c3", "c4", "c5"] {
        s.handle(opened(c, None, None), 2);
    }
    let ds = s.handle(closed("c1"), 3);
    assert_eq!(
        ds[0],
        Decision::Released {
            conv: conv("c1"),
            group: group("lady"),
            agent: Some(agent("an")),
        }
    );
    assert_eq!(assigns(&ds), [a("c3", "an", Rule::QueueDrain)]);
    assert_eq!(
        positions(&ds),
        [("c4".into(), 1, Some(60)), ("c5".into(), 2, Some(120))]
    );
    assert_eq!(s.queue(&group("lady")).map(|q| q.count()), Some(2));
}

#[test]
fn closing_a_queued_chat_moves_only_those_behind() {
    let mut s = afu();
    for c in ["c1", "c2", "c3"] {
        s.handle(opened(c, None, None), 1);
    }
    let ds = s.handle(closed("c2"), 2);
    assert_eq!(
        ds[0],
        Decision::Released {
            conv: conv("c2"),
            group: group("lady"),
            agent: None,
        }
    );
    assert_eq!(positions(&ds), [("c3".into(), 2, None)]);
    assert_eq!(s.placement(&conv("c2")), None);
}

#[test]
fn coming_online_drains_fifo_up_to_capacity() {
    let mut s = afu();
    for c in ["c1", "c2", "c3"] {
        s.handle(opened(c, None, None), 1);
    }
    let ds = s.handle(status("an", Online), 2);
    assert_eq!(
        assigns(&ds),
        [
            a("c1", "an", Rule::QueueDrain),
            a("c2", "an", Rule::QueueDrain)
        ]
    );
    assert_eq!(positions(&ds), [("c3".into(), 1, Some(60))]);
    assert_eq!(s.load(&agent("an")), Some(2));
}

#[test]
fn busy_away_offline_take_nothing_but_keep_their_chats() {
    let mut s = afu();
    s.handle(status("an", Online), 1);
    s.handle(opened("c1", None, None), 2);
    for (i, st) in [Busy, Away, Offline].into_iter().enumerate() {
        s.handle(status("an", st), 3);
        let c = format!("q{i}");
        let ds = s.handle(opened(&c, None, None), 4);
        assert!(matches!(ds[0], Decision::Queue { .. }), "{st:?}: {ds:?}");
        assert_eq!(s.load(&agent("an")), Some(1));
    }
    // Busy → online: only the one free slot is filled.
    let ds = s.handle(status("an", Online), 5);
    assert_eq!(assigns(&ds), [a("q0", "an", Rule::QueueDrain)]);
}

#[test]
fn unknown_and_repeated_events_are_ignored() {
    let mut s = afu();
    s.handle(status("an", Online), 1);
    assert!(s.handle(closed("ghost"), 2).is_empty());
    assert!(s.handle(status("ghost", Online), 2).is_empty());
    assert!(s.handle(status("an", Online), 2).is_empty());
    assert_eq!(assigns(&s.handle(opened("c1", None, None), 3)).len(), 1);
    assert!(s.handle(opened("c1", None, None), 4).is_empty());
    assert_eq!(s.load(&agent("an")), Some(1));
}

#[test]
fn groups_live_reports_online_waiting_and_eta() {
    let mut s = afu();
    let ds = s.handle(status("an", Online), 1);
    let groups = live(&ds).expect("availability changed");
    assert_eq!(
        (groups[0].online, groups[0].waiting, groups[0].eta_s),
        (1, 0, 0)
    );
    assert_eq!(groups[0].name, "lady组");
    s.handle(opened("c1", None, None), 2);
    // an full (2/2): a new chat would wait ceil(1 * 120 / 2) = 60 s.
    let ds = s.handle(opened("c2", None, None), 3);
    let groups = live(&ds).expect("availability changed");
    assert_eq!(
        (groups[0].online, groups[0].waiting, groups[0].eta_s),
        (1, 0, 60)
    );
    let ds = s.handle(opened("c3", None, None), 4);
    let groups = live(&ds).expect("availability changed");
    assert_eq!(
        (groups[0].online, groups[0].waiting, groups[0].eta_s),
        (1, 1, 120)
    );
    // Nothing visible changes: no decision about groups.
    assert!(live(&s.handle(status("bo", Away), 5)).is_none());
}

#[test]
fn restore_counts_loads_requeues_in_opened_order_and_drains() {
    let shop = shop(&["lady", "bold"], &[("an", "lady", 2), ("xi", "bold", 1)]);
    let restored = |c: &str, g: &str, state, ag: Option<&str>, at| RestoredConv {
        conv: conv(c),
        group: group(g),
        state,
        agent: ag.map(agent),
        opened_at: at,
    };
    let snapshot = Snapshot {
        conversations: vec![
            restored("late", "lady", ConvState::Queued, None, 30),
            restored("held", "lady", ConvState::Assigned, Some("an"), 5),
            restored("early", "lady", ConvState::Queued, None, 10),
            restored("orphan", "bold", ConvState::Assigned, Some("gone"), 20),
            restored("mid", "nogroup", ConvState::WaitingAgent, None, 25),
            restored("done", "lady", ConvState::Closed, Some("an"), 1),
        ],
        statuses: [(agent("an"), Online), (agent("gone"), Online)].into(),
    };
    let (s, ds) = RouterState::restored(&shop, &snapshot, 100);
    // an holds `held` and has one slot: the oldest lady chat takes it.
    assert_eq!(assigns(&ds), [a("early", "an", Rule::QueueDrain)]);
    assert_eq!(
        positions(&ds),
        [
            ("mid".into(), 1, Some(60)),
            ("late".into(), 2, Some(120)),
            ("orphan".into(), 1, None)
        ]
    );
    assert!(matches!(ds.last(), Some(Decision::GroupsChanged { .. })));
    assert_eq!(s.load(&agent("an")), Some(2));
    assert_eq!(s.placement(&conv("done")), None);
}

#[test]
fn restore_always_announces_groups() {
    let shop = shop(&["lady"], &[("an", "lady", 2)]);
    let (_, ds) = RouterState::restored(&shop, &Snapshot::default(), 0);
    assert_eq!(ds.len(), 1);
    assert!(matches!(&ds[0], Decision::GroupsChanged { groups } if groups.len() == 1));
}

#[test]
fn an_unvalidated_config_does_not_panic() {
    let mut cfg = shop(&["lady"], &[("an", "lady", 1)]);
    cfg.default_group = group("missing");
    cfg.agents[0].group = group("elsewhere");
    let mut s = RouterState::new(&cfg);
    s.handle(status("an", Online), 1);
    assert_eq!(
        assigns(&s.handle(opened("c1", None, None), 2)),
        [a("c1", "an", Rule::LeastLoaded)]
    );
    assert_eq!(s.groups_live().len(), 2);
}
