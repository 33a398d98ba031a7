//! Table tests: one per routing rule and edge case, driving the core with explicit times.

use super::*;
use crate::testing::{agent, conv, group, shop};
use AgentStatus::{Away, Busy, Offline, Online};
use qin_config::{ProfileConfig, ShopConfig};
use qin_proto::{AgentStatus, Choice, ConvState};

const S: i64 = 1000;

fn opened(c: &str, g: Option<&str>) -> RouterEvent {
    RouterEvent::ChatOpened {
        conv: conv(c),
        group: g.map(group),
        prefs: Prefs::default(),
    }
}

fn opened_by(c: &str, prefs: Prefs) -> RouterEvent {
    RouterEvent::ChatOpened {
        conv: conv(c),
        group: None,
        prefs,
    }
}

fn opened_in(c: &str, g: &str, prefs: Prefs) -> RouterEvent {
    RouterEvent::ChatOpened {
        conv: conv(c),
        group: Some(group(g)),
        prefs,
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

fn shopper(c: &str) -> RouterEvent {
    RouterEvent::ShopperMessage { conv: conv(c) }
}

fn replied(c: &str) -> RouterEvent {
    RouterEvent::AgentMessage { conv: conv(c) }
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

fn a(c: &str, ag: &str, rule: Rule) -> (String, String, Rule) {
    (c.into(), ag.into(), rule)
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

fn refused(ds: &[Decision]) -> Option<&str> {
    ds.iter().find_map(|d| match d {
        Decision::Refused { reason, .. } => Some(reason.as_str()),
        _ => None,
    })
}

/// Groups `lady` (default) and `bold`; `an`, `bo` in lady with 2 slots, `xi` in bold with 1.
fn afu_config() -> ShopConfig {
    shop(
        &["lady", "bold"],
        &[("an", "lady", 2), ("bo", "lady", 2), ("xi", "bold", 1)],
    )
}

fn afu() -> RouterState {
    RouterState::new(&afu_config())
}

fn online(s: &mut RouterState, agents: &[&str], at: i64) {
    for (i, ag) in agents.iter().enumerate() {
        s.handle(status(ag, Online), at + i as i64);
    }
}

#[test]
fn least_loaded_then_idle_longest() {
    let mut s = afu();
    online(&mut s, &["bo", "an"], 1);
    // Equal loads: bo came online first, so bo has been idle longest.
    assert_eq!(
        assigns(&s.handle(opened("c1", None), 10)),
        [a("c1", "bo", Rule::LeastLoaded)]
    );
    assert_eq!(
        assigns(&s.handle(opened("c2", None), 11)),
        [a("c2", "an", Rule::LeastLoaded)]
    );
    // Both hold one: bo got its chat first, so bo again.
    assert_eq!(
        assigns(&s.handle(opened("c3", None), 12)),
        [a("c3", "bo", Rule::LeastLoaded)]
    );
}

#[test]
fn the_candidates_weighed_are_recorded_with_their_loads() {
    let mut s = afu();
    online(&mut s, &["an", "bo"], 1);
    s.handle(opened("c1", None), 10);
    let ds = s.handle(opened("c2", None), 11);
    let Some(Decision::Assign { candidates, .. }) = ds.first() else {
        panic!("{ds:?}");
    };
    assert_eq!(candidates.considered, 2);
    let loads: Vec<_> = candidates
        .shown
        .iter()
        .map(|l| (l.agent.to_string(), l.load_milli, l.max))
        .collect();
    assert_eq!(loads, [("bo".into(), 0, 2), ("an".to_string(), 1000, 2)]);
}

#[test]
fn a_full_group_queues_fifo_and_drains_oldest_first() {
    let mut s = afu();
    online(&mut s, &["xi"], 1);
    s.handle(opened("c1", Some("bold")), 10);
    let ds = s.handle(opened("c2", Some("bold")), 11);
    assert!(matches!(
        ds.as_slice(),
        [Decision::Queue {
            position: 1,
            eta_s: Some(120),
            online: 1,
            rule: Rule::Queued,
            ..
        }]
    ));
    s.handle(opened("c3", Some("bold")), 12);
    assert_eq!(
        assigns(&s.handle(closed("c1"), 20)),
        [a("c2", "xi", Rule::QueueDrain)]
    );
    // Positions are told on the next tick, not on every change.
    assert_eq!(
        positions(&s.handle(RouterEvent::Tick, 21)),
        [("c3".into(), 1, Some(120))]
    );
    assert_eq!(positions(&s.handle(RouterEvent::Tick, 22)), []);
}

#[test]
fn a_requested_agent_comes_first_then_followed_then_recent() {
    let mut s = afu();
    online(&mut s, &["an", "bo", "xi"], 1);
    let prefs = Prefs {
        requested: Some(agent("xi")),
        followed: vec![agent("bo")],
        recent: Some((agent("an"), 0)),
    };
    assert_eq!(
        assigns(&s.handle(opened_by("c1", prefs.clone()), 10)),
        [a("c1", "xi", Rule::RequestedAgent)]
    );
    // xi (max 1) is full, but at the desk: the shopper waits for xi and may choose.
    let ds = s.handle(opened_by("c2", prefs.clone()), 11);
    assert!(
        matches!(ds.as_slice(), [Decision::WaitAgent { position: 1, .. }]),
        "{ds:?}"
    );
    let follow = Prefs {
        followed: vec![agent("bo")],
        recent: Some((agent("an"), 0)),
        ..Prefs::default()
    };
    assert_eq!(
        assigns(&s.handle(opened_by("c3", follow), 12)),
        [a("c3", "bo", Rule::FollowedAgent)]
    );
    let recent = Prefs {
        recent: Some((agent("an"), 0)),
        ..Prefs::default()
    };
    assert_eq!(
        assigns(&s.handle(opened_by("c4", recent), 13)),
        [a("c4", "an", Rule::RecentAgent)]
    );
}

#[test]
fn a_picked_group_beats_a_followed_or_last_agent_of_another_group() {
    let mut s = afu();
    online(&mut s, &["an", "bo", "xi"], 1);
    let prefs = Prefs {
        followed: vec![agent("xi")],
        recent: Some((agent("an"), 0)),
        ..Prefs::default()
    };
    // Picking lady: xi (bold) is passed over, an (lady, last talked to) is not.
    assert_eq!(
        assigns(&s.handle(opened_in("c1", "lady", prefs.clone()), 10)),
        [a("c1", "an", Rule::RecentAgent)]
    );
    // Picking lady with only a favourite of bold: lady's least loaded, and no word of xi.
    let fan_of_xi = Prefs {
        followed: vec![agent("xi")],
        ..Prefs::default()
    };
    let ds = s.handle(opened_in("c2", "lady", fan_of_xi.clone()), 11);
    assert!(
        matches!(
            ds.as_slice(),
            [Decision::Assign { agent, rule: Rule::LeastLoaded, unavailable: None, .. }]
                if agent.as_str() == "bo"
        ),
        "{ds:?}"
    );
    // No group picked: the favourite, whatever their group.
    assert_eq!(
        assigns(&s.handle(opened_by("c3", fan_of_xi), 12)),
        [a("c3", "xi", Rule::FollowedAgent)]
    );
    // The agent asked for in the same `open` counts whatever the group: xi is full now.
    let asked = Prefs {
        requested: Some(agent("xi")),
        ..Prefs::default()
    };
    let ds = s.handle(opened_in("c4", "lady", asked), 13);
    assert!(
        matches!(ds.as_slice(), [Decision::WaitAgent { agent, .. }] if agent.as_str() == "xi"),
        "{ds:?}"
    );
}

#[test]
fn a_recent_agent_older_than_recent_days_is_not_preferred() {
    let mut s = afu();
    online(&mut s, &["an", "bo"], 1);
    let day = 86_400 * S;
    let prefs = Prefs {
        recent: Some((agent("bo"), 0)),
        ..Prefs::default()
    };
    s.handle(opened("c0", None), 2); // an is idle longer than bo now? No: bo got nothing yet.
    let ds = s.handle(opened_by("c1", prefs), 4 * day);
    assert_eq!(
        ds.iter()
            .filter(|d| matches!(
                d,
                Decision::Assign {
                    rule: Rule::RecentAgent,
                    ..
                }
            ))
            .count(),
        0
    );
}

#[test]
fn waiting_for_a_full_favourite_then_any_agent_or_their_free_slot() {
    let mut s = afu();
    online(&mut s, &["an", "bo"], 1);
    let fan = |c| {
        opened_by(
            c,
            Prefs {
                followed: vec![agent("an")],
                ..Prefs::default()
            },
        )
    };
    s.handle(fan("c1"), 10);
    s.handle(fan("c2"), 11);
    let ds = s.handle(fan("c3"), 12);
    assert!(
        matches!(
            ds.as_slice(),
            [Decision::WaitAgent {
                position: 1,
                eta_s: Some(60),
                ..
            }]
        ),
        "{ds:?}"
    );
    s.handle(fan("c4"), 13);
    assert_eq!(
        s.placement(&conv("c4")),
        Some(Placed::WaitingAgent {
            group: group("lady"),
            agent: agent("an"),
            position: 2
        })
    );
    // "wait" changes nothing; "any_agent" takes the group's next agent now.
    assert!(
        s.handle(
            RouterEvent::Choose {
                conv: conv("c4"),
                choice: Choice::Wait
            },
            14
        )
        .is_empty()
    );
    assert_eq!(
        assigns(&s.handle(
            RouterEvent::Choose {
                conv: conv("c4"),
                choice: Choice::AnyAgent
            },
            15
        )),
        [a("c4", "bo", Rule::AnyAgent)]
    );
    // an's free slot goes to the fan waiting for her, before the group's queue.
    assert_eq!(
        assigns(&s.handle(closed("c1"), 20)),
        [a("c3", "an", Rule::QueueDrain)]
    );
}

#[test]
fn a_favourite_away_or_offline_sends_the_chat_to_the_group_and_says_so() {
    let mut s = afu();
    online(&mut s, &["bo"], 1);
    s.handle(status("an", Away), 2);
    let ds = s.handle(
        opened_by(
            "c1",
            Prefs {
                followed: vec![agent("an")],
                ..Prefs::default()
            },
        ),
        10,
    );
    let Some(Decision::Assign {
        agent: to,
        rule,
        unavailable,
        ..
    }) = ds.first()
    else {
        panic!("{ds:?}");
    };
    assert_eq!((to.as_str(), *rule), ("bo", Rule::LeastLoaded));
    assert_eq!(unavailable, &Some((agent("an"), Away)));
}

#[test]
fn a_busy_agent_takes_only_fans_and_returning_shoppers() {
    let mut s = afu();
    s.handle(status("an", Busy), 1);
    let ds = s.handle(opened("c1", None), 10);
    assert!(
        matches!(ds.as_slice(), [Decision::Queue { online: 0, .. }]),
        "{ds:?}"
    );
    let fan = Prefs {
        followed: vec![agent("an")],
        ..Prefs::default()
    };
    assert_eq!(
        assigns(&s.handle(opened_by("c2", fan), 11)),
        [a("c2", "an", Rule::FollowedAgent)]
    );
    // Going online serves the group's queue.
    assert_eq!(
        assigns(&s.handle(status("an", Online), 12)),
        [a("c1", "an", Rule::QueueDrain)]
    );
}

#[test]
fn caps_hold_under_a_burst_of_opens() {
    let mut s = afu();
    online(&mut s, &["an", "bo"], 1);
    let mut assigned = 0;
    for i in 0..50 {
        assigned += assigns(&s.handle(opened(&format!("c{i}"), None), 10 + i)).len();
    }
    assert_eq!(assigned, 4);
    assert_eq!(s.load_milli(&agent("an")), Some(2000));
    assert_eq!(s.queue(&group("lady")).map(Iterator::count), Some(46));
}

#[test]
fn an_overdue_chat_overflows_to_a_fallback_group() {
    let mut cfg = afu_config();
    cfg.groups[0].max_wait_s = 60;
    cfg.groups[0].fallback = vec![group("bold")];
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an", "xi"], 1);
    for c in ["c1", "c2", "c3"] {
        s.handle(opened(c, None), 10);
    }
    assert!(assigns(&s.handle(RouterEvent::Tick, 59 * S)).is_empty());
    assert_eq!(
        assigns(&s.handle(RouterEvent::Tick, 61 * S)),
        [a("c3", "xi", Rule::Overflow)]
    );
    assert_eq!(
        s.placement(&conv("c3")),
        Some(Placed::Assigned {
            group: group("lady"),
            agent: agent("xi")
        })
    );
}

#[test]
fn the_escalation_ladder_alerts_then_moves_the_chat() {
    let mut cfg = afu_config();
    cfg.routing.slow_reply_s = 100;
    cfg.routing.transfer_after_s = 300;
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an"], 1);
    s.handle(opened("c1", None), 10);
    s.handle(shopper("c1"), 20);
    let alerts = |ds: Vec<Decision>| -> Vec<u32> {
        ds.iter()
            .filter_map(|d| match d {
                Decision::Alert { waited_s, .. } => Some(*waited_s),
                _ => None,
            })
            .collect()
    };
    assert!(alerts(s.handle(RouterEvent::Tick, 100 * S)).is_empty());
    assert_eq!(alerts(s.handle(RouterEvent::Tick, 121 * S)), [120]);
    assert!(
        alerts(s.handle(RouterEvent::Tick, 122 * S)).is_empty(),
        "one alert per wait"
    );
    // Nobody else is online: the chat stays with an past transfer_after_s.
    assert!(assigns(&s.handle(RouterEvent::Tick, 400 * S)).is_empty());
    online(&mut s, &["bo"], 401 * S);
    let ds = s.handle(RouterEvent::Tick, 402 * S);
    let Some(Decision::Assign {
        agent: to,
        from,
        rule,
        ..
    }) = ds.first()
    else {
        panic!("{ds:?}");
    };
    assert_eq!(
        (
            to.as_str(),
            from.as_ref().map(qin_proto::AgentId::as_str),
            *rule
        ),
        ("bo", Some("an"), Rule::SlowReply)
    );
    // A reply stops the ladder.
    s.handle(replied("c1"), 403 * S);
    assert!(
        s.handle(RouterEvent::Tick, 2000 * S)
            .iter()
            .all(|d| !matches!(d, Decision::Alert { .. }))
    );
}

#[test]
fn an_agent_offline_past_the_grace_period_hands_chats_over() {
    let mut cfg = afu_config();
    cfg.routing.offline_grace_s = 60;
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an", "bo"], 1);
    s.handle(opened("c1", None), 10);
    assert_eq!(
        assigns(&s.handle(opened("c2", None), 11)),
        [a("c2", "bo", Rule::LeastLoaded)]
    );
    // A console reload: back within the grace period, chats stay.
    s.handle(status("an", Offline), 20 * S);
    s.handle(status("an", Online), 30 * S);
    assert!(assigns(&s.handle(RouterEvent::Tick, 200 * S)).is_empty());
    s.handle(status("an", Offline), 300 * S);
    assert!(assigns(&s.handle(RouterEvent::Tick, 359 * S)).is_empty());
    let ds = s.handle(RouterEvent::Tick, 361 * S);
    assert_eq!(assigns(&ds), [a("c1", "bo", Rule::AgentGone)]);
}

#[test]
fn chats_of_a_gone_agent_with_nobody_free_wait_at_their_age() {
    let mut cfg = afu_config();
    cfg.routing.offline_grace_s = 0;
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an"], 1);
    s.handle(opened("c1", None), 10);
    s.handle(opened("c2", None), 11);
    s.handle(opened("c3", None), 12); // queued
    s.handle(status("an", Offline), 20);
    s.handle(RouterEvent::Tick, 21);
    let queue: Vec<_> = s
        .queue(&group("lady"))
        .unwrap()
        .map(ToString::to_string)
        .collect();
    assert_eq!(queue, ["c1", "c2", "c3"]);
}

#[test]
fn transfers_move_chats_with_the_note_or_are_refused() {
    let mut s = afu();
    online(&mut s, &["an", "bo", "xi"], 1);
    s.handle(opened("c1", None), 10); // an
    let to = |c: &str, by: &str, target: Target| RouterEvent::Transfer {
        conv: conv(c),
        by: Actor::Agent(agent(by)),
        to: target,
        note: Some("想要退货".into()),
    };
    assert_eq!(
        refused(&s.handle(to("c1", "bo", Target::Agent(agent("xi"))), 11)),
        Some("the conversation is not yours")
    );
    let ds = s.handle(to("c1", "an", Target::Agent(agent("xi"))), 12);
    let Some(Decision::Assign {
        agent: b,
        from,
        note,
        rule,
        ..
    }) = ds.first()
    else {
        panic!("{ds:?}");
    };
    assert_eq!(
        (
            b.as_str(),
            from.as_ref().map(qin_proto::AgentId::as_str),
            note.as_deref(),
            *rule
        ),
        ("xi", Some("an"), Some("想要退货"), Rule::Transfer)
    );
    assert_eq!(s.load_milli(&agent("an")), Some(0));
    // Both lady agents hold nothing now: bo has been idle longest.
    assert_eq!(
        assigns(&s.handle(opened("c2", None), 13)),
        [a("c2", "bo", Rule::LeastLoaded)]
    );
    assert_eq!(
        refused(&s.handle(to("c2", "bo", Target::Agent(agent("xi"))), 14)),
        Some("xi has no room")
    );
    assert_eq!(
        refused(&s.handle(to("c2", "bo", Target::Group(group("bold"))), 15)),
        Some("nobody of bold has room now")
    );
    assert_eq!(
        assigns(&s.handle(to("c2", "bo", Target::Group(group("lady"))), 16)),
        [a("c2", "an", Rule::Transfer)]
    );
    // A supervisor may move any open chat, also a queued one.
    let reassign = RouterEvent::Transfer {
        conv: conv("c2"),
        by: Actor::Supervisor("boss".into()),
        to: Target::Agent(agent("bo")),
        note: None,
    };
    assert_eq!(
        assigns(&s.handle(reassign, 17)),
        [a("c2", "bo", Rule::Reassign)]
    );
}

#[test]
fn a_peak_day_profile_raises_caps_and_drains_queues() {
    let mut cfg = afu_config();
    cfg.profiles.push(ProfileConfig {
        name: "double11".into(),
        dates: Vec::new(),
        max_chats: Some(3),
        slow_reply_s: None,
        transfer_after_s: None,
        max_wait_s: None,
    });
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["xi"], 1);
    s.handle(opened("c1", Some("bold")), 10);
    s.handle(opened("c2", Some("bold")), 11);
    let ds = s.handle(
        RouterEvent::SetProfile {
            profile: Some("double11".into()),
        },
        12,
    );
    assert_eq!(assigns(&ds), [a("c2", "xi", Rule::QueueDrain)]);
    assert_eq!(
        (s.profile(), s.max_chats(&agent("xi"))),
        (Some("double11"), Some(3))
    );
    assert!(
        refused(&s.handle(
            RouterEvent::SetProfile {
                profile: Some("nope".into())
            },
            13
        ))
        .is_some()
    );
    s.handle(RouterEvent::SetProfile { profile: None }, 14);
    assert_eq!((s.profile(), s.max_chats(&agent("xi"))), (None, Some(1)));
}

#[test]
fn an_idle_chat_counts_less_toward_the_cap() {
    let mut cfg = afu_config();
    cfg.routing.idle_after_s = 60;
    cfg.routing.idle_weight = 0.5;
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["xi"], 1);
    s.handle(opened("c1", Some("bold")), 10);
    s.handle(opened("c2", Some("bold")), 11); // queued: xi has max 1
    s.handle(replied("c1"), 20 * S);
    assert!(assigns(&s.handle(RouterEvent::Tick, 79 * S)).is_empty());
    // c1 idle: xi holds 0.5 of 1, not room for a whole chat yet...
    assert!(assigns(&s.handle(RouterEvent::Tick, 81 * S)).is_empty());
    assert_eq!(s.load_milli(&agent("xi")), Some(500));
    // ...the shopper writing again makes it count fully.
    s.handle(shopper("c1"), 82 * S);
    assert_eq!(s.load_milli(&agent("xi")), Some(1000));
}

#[test]
fn restore_rebuilds_waits_for_agents_and_queues() {
    let cfg = afu_config();
    let snapshot = Snapshot {
        conversations: vec![
            RestoredConv {
                conv: conv("c1"),
                group: group("lady"),
                state: ConvState::Assigned,
                agent: Some(agent("an")),
                opened_at: 1,
            },
            RestoredConv {
                conv: conv("c2"),
                group: group("lady"),
                state: ConvState::Assigned,
                agent: Some(agent("an")),
                opened_at: 2,
            },
            RestoredConv {
                conv: conv("c3"),
                group: group("lady"),
                state: ConvState::WaitingAgent,
                agent: Some(agent("an")),
                opened_at: 3,
            },
            RestoredConv {
                conv: conv("c4"),
                group: group("lady"),
                state: ConvState::Queued,
                agent: None,
                opened_at: 4,
            },
        ],
        statuses: [(agent("an"), Online)].into(),
        profile: None,
    };
    let (s, ds) = RouterState::restored(&cfg, &snapshot, 100);
    assert!(assigns(&ds).is_empty());
    assert_eq!(
        s.placement(&conv("c3")),
        Some(Placed::WaitingAgent {
            group: group("lady"),
            agent: agent("an"),
            position: 1
        })
    );
    assert_eq!(
        s.placement(&conv("c4")),
        Some(Placed::Queued {
            group: group("lady"),
            position: 1
        })
    );
    assert_eq!(positions(&ds).len(), 2);
    assert!(
        ds.iter()
            .any(|d| matches!(d, Decision::GroupsChanged { .. }))
    );
}

#[test]
fn group_availability_is_announced_on_ticks_only_when_it_changed() {
    let mut s = afu();
    online(&mut s, &["an"], 1);
    let live = |ds: &[Decision]| {
        ds.iter()
            .any(|d| matches!(d, Decision::GroupsChanged { .. }))
    };
    assert!(live(&s.handle(RouterEvent::Tick, 2)));
    assert!(!live(&s.handle(RouterEvent::Tick, 3)));
    assert!(!live(&s.handle(opened("c1", None), 4)));
    assert!(
        !live(&s.handle(RouterEvent::Tick, 5)),
        "an still has room: eta 0, waiting 0"
    );
    s.handle(opened("c2", None), 6);
    s.handle(opened("c3", None), 7);
    let ds = s.handle(RouterEvent::Tick, 8);
    let Some(Decision::GroupsChanged { groups }) = ds.last() else {
        panic!("{ds:?}")
    };
    assert_eq!(
        (groups[0].online, groups[0].waiting, groups[0].eta_s),
        (1, 1, 120)
    );
}

#[test]
fn worth_telling_filters_small_moves_far_back() {
    use super::tick::worth_telling;
    assert!(worth_telling(None, (500, Some(900))));
    assert!(worth_telling(Some((11, Some(100))), (10, Some(100))));
    assert!(!worth_telling(Some((500, Some(1000))), (499, Some(998))));
    assert!(worth_telling(Some((500, Some(1000))), (450, Some(998))));
    assert!(worth_telling(Some((500, Some(1000))), (499, Some(900))));
    assert!(worth_telling(Some((500, None)), (499, Some(900))));
}

/// ms of a local wall-clock time in Shanghai.
fn shanghai(s: &str) -> i64 {
    let cal = qin_config::HoursConfig::default()
        .calendar()
        .expect("calendar");
    let day = |s: &str| s.parse::<i64>().expect("number");
    // 2026-11-30 00:00 in Shanghai is 2026-11-29 16:00 UTC.
    let base = 1_795_968_000_000_i64;
    let (d, hm) = s.split_once(' ').expect("day and time");
    let (h, m) = hm.split_once(':').expect("HH:MM");
    let t = base + (day(d) * 24 * 60 + day(h) * 60 + day(m)) * 60_000;
    assert_eq!(cal.date(base), "2026-11-30");
    t
}

#[test]
fn shifts_take_agents_in_and_out_of_routing_and_hand_chats_over() {
    let mut cfg = afu_config();
    cfg.agents[0].shift = vec!["daily 08:00-16:00".into()]; // an
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an", "bo"], shanghai("0 07:00"));
    // Before an's shift only bo takes chats.
    assert_eq!(
        assigns(&s.handle(opened("c1", None), shanghai("0 07:01"))),
        [a("c1", "bo", Rule::LeastLoaded)]
    );
    // At 08:00 an starts, and takes the next chat (bo holds one).
    s.handle(RouterEvent::Tick, shanghai("0 08:00"));
    assert_eq!(
        assigns(&s.handle(opened("c2", None), shanghai("0 08:01"))),
        [a("c2", "an", Rule::LeastLoaded)]
    );
    // At 16:00 an's shift ends: the chat is handed over to bo.
    let ds = s.handle(RouterEvent::Tick, shanghai("0 16:00"));
    assert_eq!(assigns(&ds), [a("c2", "bo", Rule::ShiftEnd)]);
}

#[test]
fn with_shift_end_finish_an_agent_keeps_their_chats_but_takes_no_new_ones() {
    let mut cfg = afu_config();
    cfg.routing.shift_end = qin_config::ShiftEnd::Finish;
    cfg.agents[0].shift = vec!["daily 08:00-16:00".into()];
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an"], shanghai("0 09:00"));
    s.handle(opened("c1", None), shanghai("0 09:01"));
    assert!(assigns(&s.handle(RouterEvent::Tick, shanghai("0 16:00"))).is_empty());
    assert_eq!(s.load_milli(&agent("an")), Some(1000));
    let ds = s.handle(opened("c2", None), shanghai("0 16:01"));
    assert!(
        matches!(ds.as_slice(), [Decision::Queue { online: 0, .. }]),
        "{ds:?}"
    );
}

#[test]
fn outside_opening_hours_chats_wait_and_are_served_at_opening() {
    let mut cfg = afu_config();
    cfg.hours.open = vec!["daily 09:00-18:00".into()];
    cfg.hours.holidays = vec!["2026-12-01".into()];
    let mut s = RouterState::new(&cfg);
    online(&mut s, &["an"], shanghai("0 08:00"));
    let ds = s.handle(opened("c1", None), shanghai("0 08:30"));
    assert!(
        matches!(
            ds.as_slice(),
            [Decision::Queue {
                rule: Rule::Closed,
                ..
            }]
        ),
        "{ds:?}"
    );
    assert!(!s.is_open());
    // Every group tells shoppers when the shop opens, so nobody reads "0 before you".
    let opens_at =
        |s: &RouterState| -> Vec<_> { s.groups_live().iter().map(|g| g.opens_at).collect() };
    assert_eq!(opens_at(&s), [Some(shanghai("0 09:00")); 2]);
    let ds = s.handle(RouterEvent::Tick, shanghai("0 09:00"));
    assert_eq!(assigns(&ds), [a("c1", "an", Rule::QueueDrain)]);
    assert_eq!(opens_at(&s), [None, None]);
    assert!(
        ds.iter().any(
            |d| matches!(d, Decision::GroupsChanged { groups } if groups[0].opens_at.is_none())
        ),
        "{ds:?}"
    );
    // The holiday keeps the shop closed all day: it opens the morning after.
    s.handle(RouterEvent::Tick, shanghai("1 10:00"));
    assert!(!s.is_open());
    assert_eq!(opens_at(&s), [Some(shanghai("2 09:00")); 2]);
}

#[test]
fn a_dated_profile_turns_itself_on_and_off() {
    let mut cfg = afu_config();
    cfg.profiles.push(ProfileConfig {
        name: "double11".into(),
        dates: vec!["2026-12-01".into()],
        max_chats: Some(8),
        slow_reply_s: None,
        transfer_after_s: None,
        max_wait_s: None,
    });
    let mut s = RouterState::new(&cfg);
    s.handle(RouterEvent::Tick, shanghai("0 23:59"));
    assert_eq!(s.profile(), None);
    s.handle(RouterEvent::Tick, shanghai("1 00:00"));
    assert_eq!(
        (s.profile(), s.max_chats(&agent("an"))),
        (Some("double11"), Some(8))
    );
    s.handle(RouterEvent::Tick, shanghai("2 00:00"));
    assert_eq!((s.profile(), s.max_chats(&agent("an"))), (None, Some(2)));
}

fn away(c: &str) -> RouterEvent {
    RouterEvent::ShopperAway { conv: conv(c) }
}

fn back(c: &str) -> RouterEvent {
    RouterEvent::ShopperBack { conv: conv(c) }
}

fn abandoned(ds: &[Decision]) -> Vec<(String, u32)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Abandoned { conv, away_s, .. } => Some((conv.to_string(), *away_s)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_waiting_chat_whose_shopper_is_gone_past_the_grace_leaves_the_queue() {
    let mut s = afu();
    for (c, at) in [("c1", 10), ("c2", 11), ("c3", 12)] {
        s.handle(opened(c, None), at);
    }
    // c1's shopper leaves for good; c2's comes back within the grace; c3's shopper has two
    // gateways and leaves only one.
    s.handle(away("c1"), 20);
    s.handle(away("c2"), 20);
    s.handle(back("c3"), 20);
    s.handle(away("c3"), 21);
    s.handle(back("c2"), 100 * S);
    assert_eq!(abandoned(&s.handle(RouterEvent::Tick, 20 + 179 * S)), []);
    let ds = s.handle(RouterEvent::Tick, 20 + 180 * S);
    assert_eq!(abandoned(&ds), [("c1".into(), 180)]);
    assert_eq!(s.placement(&conv("c1")), None);
    assert_eq!(
        s.placement(&conv("c2")),
        Some(Placed::Queued {
            group: group("lady"),
            position: 1
        })
    );
    // Its close coming back from the worker changes nothing.
    assert!(s.handle(closed("c1"), 20 + 181 * S).is_empty());
}

#[test]
fn a_chat_an_agent_holds_is_not_abandoned_when_its_shopper_leaves() {
    let mut s = afu();
    online(&mut s, &["an"], 1);
    s.handle(opened("c1", None), 10);
    s.handle(away("c1"), 20);
    assert_eq!(abandoned(&s.handle(RouterEvent::Tick, 20 + 3600 * S)), []);
    assert!(matches!(
        s.placement(&conv("c1")),
        Some(Placed::Assigned { .. })
    ));
}

#[test]
fn chats_of_a_removed_or_disabled_agent_are_routed_again_on_restore() {
    let mut cfg = afu_config();
    cfg.agents[0].disabled = true; // an
    let held = |c: &str, at| RestoredConv {
        conv: conv(c),
        group: group("lady"),
        state: ConvState::Assigned,
        agent: Some(agent("an")),
        opened_at: at,
    };
    let snapshot = Snapshot {
        conversations: vec![held("c1", 1), held("c2", 2), held("c3", 3)],
        statuses: [(agent("an"), Online), (agent("bo"), Online)].into(),
        profile: None,
    };
    let (s, ds) = RouterState::restored(&cfg, &snapshot, 100);
    // bo (2 slots) takes the two oldest; the third is stored as queued, not left "assigned".
    assert_eq!(
        assigns(&ds),
        [
            a("c1", "bo", Rule::AgentGone),
            a("c2", "bo", Rule::AgentGone)
        ]
    );
    assert!(
        ds.iter()
            .any(|d| matches!(d, Decision::Queue { conv, .. } if conv.as_str() == "c3")),
        "{ds:?}"
    );
    assert_eq!(
        s.max_chats(&agent("an")),
        None,
        "a disabled agent is not routed to"
    );
}
