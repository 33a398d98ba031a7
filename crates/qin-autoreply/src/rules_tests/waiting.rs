//! Table tests of the waiting rules: busy (place and estimate), agents' personal
//! auto-replies, away and off-hours (leave a message), someone-is-here, holding messages on
//! the clock, and rebuilding a chat's memory from its log.

use super::*;
use crate::chat::Wait;
use qin_proto::Message;

/// Saturday 2026-03-07 12:00 in Shanghai, and the Monday 09:00 after it.
const SATURDAY: Millis = 1_772_856_000_000;
const MONDAY_9: Millis = 1_773_018_000_000;

/// The demo shop open on weekdays 09:00-18:00 only.
fn office_hours() -> Engine {
    let mut shop = demo();
    shop.hours.open = vec!["mon-fri 09:00-18:00".into()];
    engine_of(shop)
}

#[test]
fn busy_tells_place_and_estimate_once_per_change() {
    let e = engine();
    let mut c = chat("lady");
    let r = step(&e, &mut c, &queued("lady", 3, 2, Some(240)), NOON);
    assert_eq!(rules_of(&r), [Rule::Busy]);
    assert_eq!(r[0].cid, "auto:busy:3:240");
    assert_eq!(
        r[0].body,
        "亲，现在咨询的人有点多，您排在第3位，预计等待约4分钟，请稍候～"
    );
    assert!(
        step(&e, &mut c, &queued("lady", 3, 2, Some(240)), NOON).is_empty(),
        "the same news is not told twice"
    );
    assert!(
        step(&e, &mut c, &queued("lady", 2, 2, Some(120)), NOON + 59 * S).is_empty(),
        "at most one busy message a minute (busy_every_s)"
    );
    let r = step(&e, &mut c, &queued("lady", 2, 2, Some(119)), NOON + 60 * S);
    assert_eq!(r[0].cid, "auto:busy:2:119");
    let waiting = routed(
        "lady",
        RouteOutcome::WaitingAgent {
            agent: agent("anhong"),
            position: 1,
        },
        None,
    );
    let r = step(&e, &mut c, &waiting, NOON + 120 * S);
    assert_eq!(r[0].cid, "auto:busy:1:-");
    assert!(r[0].body.contains("稍等片刻"), "{}", r[0].body);
}

#[test]
fn every_meaningful_change_is_told_when_busy_every_s_is_0() {
    let mut shop = demo();
    shop.auto_reply.busy_every_s = 0;
    let e = engine_of(shop);
    let mut c = chat("lady");
    for position in (1..=3).rev() {
        let r = step(&e, &mut c, &queued("lady", position, 1, None), NOON);
        assert_eq!(rules_of(&r), [Rule::Busy], "{position}");
    }
}

#[test]
fn busy_stays_silent_when_something_else_says_more() {
    let e = engine();
    // Nobody online: the away message instead.
    let r = step(&e, &mut chat("lady"), &queued("lady", 1, 0, None), NOON);
    assert_eq!(rules_of(&r), [Rule::Away]);
    // The unavailable favourite's explanation already gave the place.
    let mut event = queued("lady", 2, 1, Some(60));
    if let ShopEvent::Routed { unavailable, .. } = &mut event {
        *unavailable = Some(qin_proto::Unavailable {
            agent: agent("anhong"),
            status: AgentStatus::Offline,
        });
    }
    assert_eq!(
        rules_of(&step(&e, &mut chat("lady"), &event, NOON)),
        [Rule::Unavailable]
    );
    // Sent back to the queue while the agent was answering.
    let mut c = chat("lady");
    step(&e, &mut c, &answered(2), NOON);
    assert!(step(&e, &mut c, &queued("lady", 2, 1, Some(60)), NOON + S).is_empty());
    // Closed: the off-hours message instead.
    let r = step(
        &office_hours(),
        &mut chat("lady"),
        &queued("lady", 2, 1, Some(60)),
        SATURDAY,
    );
    assert_eq!(rules_of(&r), [Rule::Closed]);
    // Turned off.
    let mut shop = demo();
    shop.auto_reply.busy_message = String::new();
    assert!(
        step(
            &engine_of(shop),
            &mut chat("lady"),
            &queued("lady", 2, 1, None),
            NOON
        )
        .is_empty()
    );
}

#[test]
fn a_busy_or_away_agents_own_auto_reply_once_per_wait() {
    let e = engine();
    let mut c = chat("lady");
    step(&e, &mut c, &assigned("lady", "anhong"), NOON);
    let facts = |now, status| Facts {
        now,
        agent_status: Some(status),
        agent_reply: Some("在仓库盘点，10分钟回来"),
    };
    let ask = |c: &mut Chat, seq, now, status| {
        e.on_event(&conv(), c, &said(seq, "在吗"), &facts(now, status))
    };
    assert!(
        ask(&mut c, 2, NOON, AgentStatus::Online).is_empty(),
        "online: no"
    );
    let r = ask(&mut c, 3, NOON, AgentStatus::Busy);
    assert_eq!(rules_of(&r), [Rule::AgentReply]);
    assert_eq!(r[0].body, "【安红的自动回复】在仓库盘点，10分钟回来");
    assert_eq!(
        r[0].cid, "auto:agent:anhong:2",
        "named after the wait's first message"
    );
    assert!(
        ask(&mut c, 4, NOON, AgentStatus::Away).is_empty(),
        "once per wait"
    );
    step(&e, &mut c, &answered(5), NOON + S);
    assert!(
        ask(&mut c, 6, NOON + 2 * S, AgentStatus::Away).is_empty(),
        "quiet: she just wrote"
    );
    let r = ask(&mut c, 7, NOON + 120 * S, AgentStatus::Away);
    assert_eq!(r[0].cid, "auto:agent:anhong:6", "a new wait, told again");
    let none = Facts {
        agent_reply: None,
        ..facts(NOON + 300 * S, AgentStatus::Busy)
    };
    step(&e, &mut c, &answered(8), NOON + 200 * S);
    assert!(
        e.on_event(&conv(), &mut c, &said(9, "在吗"), &none)
            .is_empty(),
        "none set"
    );
}

#[test]
fn off_hours_say_when_the_shop_opens_and_that_messages_are_kept() {
    let e = office_hours();
    let mut c = chat("lady");
    let r = step(&e, &mut c, &opened("lady"), SATURDAY);
    assert_eq!(rules_of(&r), [Rule::Greeting, Rule::Closed]);
    assert_eq!(r[1].cid, format!("auto:closed:{MONDAY_9}"));
    assert!(r[1].body.contains("03-09 09:00"), "{}", r[1].body);
    assert!(r[1].body.contains("留言"));
    assert_eq!(c.unanswerable.as_deref(), Some(r[1].cid.as_str()));
    // Once per closed period: queueing and writing during it add nothing.
    assert!(step(&e, &mut c, &queued("lady", 1, 0, None), SATURDAY + S).is_empty());
    assert!(step(&e, &mut c, &said(3, "在吗"), SATURDAY + 2 * S).is_empty());
    // Monday morning an agent takes it: someone is here.
    let r = step(&e, &mut c, &assigned("lady", "xiaoya"), MONDAY_9 + S);
    assert_eq!(rules_of(&r), [Rule::Back]);
    assert_eq!(r[0].body, "亲，小雅来啦～您的留言都看到了，马上为您处理！");
    assert_eq!(r[0].cid, format!("auto:back:closed:{MONDAY_9}"));
    // Closed again in the evening, agent not at the desk: told again, with the new time.
    let evening = MONDAY_9 + 10 * 3600 * S;
    let facts = Facts {
        agent_status: Some(AgentStatus::Offline),
        ..Facts::at(evening)
    };
    let r = e.on_event(&conv(), &mut c, &said(9, "还在吗"), &facts);
    assert_eq!(rules_of(&r), [Rule::Closed]);
    assert!(r[0].body.contains("03-10 09:00"), "{}", r[0].body);
    // An agent still at the desk after hours answers herself.
    let mut c = chat("lady");
    step(&e, &mut c, &assigned("lady", "xiaoya"), evening);
    let at_desk = Facts {
        agent_status: Some(AgentStatus::Online),
        ..Facts::at(evening)
    };
    assert!(
        e.on_event(&conv(), &mut c, &said(2, "在吗"), &at_desk)
            .is_empty()
    );
}

#[test]
fn holidays_close_the_shop() {
    let mut shop = demo();
    shop.hours.holidays = vec!["2026-03-02".into()];
    let e = engine_of(shop);
    let r = step(&e, &mut chat("lady"), &opened("lady"), NOON);
    assert_eq!(rules_of(&r), [Rule::Greeting, Rule::Closed]);
    assert!(r[1].body.contains("03-03 00:00"), "{}", r[1].body);
    let mut shop = demo();
    shop.hours.open = Vec::new();
    let r = step(&engine_of(shop), &mut chat("lady"), &opened("lady"), NOON);
    assert!(
        r[1].body.contains("稍后") && r[1].cid == "auto:closed:never",
        "{r:?}"
    );
}

#[test]
fn away_once_and_someone_is_here_once_an_agent_takes_the_chat() {
    let e = engine();
    let mut c = chat("fresh");
    let r = step(&e, &mut c, &queued("fresh", 1, 0, None), NOON);
    assert_eq!((r[0].rule, r[0].cid.as_str()), (Rule::Away, "auto:away"));
    assert!(r[0].body.contains("小清新"), "the group's own away message");
    assert!(step(&e, &mut c, &queued("fresh", 1, 0, None), NOON).is_empty());
    let r = step(&e, &mut c, &assigned("fresh", "shasha"), NOON + 60 * S);
    assert_eq!(
        (r[0].rule, r[0].cid.as_str()),
        (Rule::Back, "auto:back:away")
    );
    assert!(r[0].body.contains("沙沙"));
    assert_eq!(c.unanswerable, None);
    let r = step(&e, &mut c, &assigned("fresh", "xiaolu"), NOON + 61 * S);
    assert_eq!(rules_of(&r), [Rule::AgentGreeting], "announced once");
    // No announcement when an agent already answered (or the text is off).
    let mut c = chat("lady");
    step(&e, &mut c, &queued("lady", 1, 0, None), NOON);
    step(&e, &mut c, &answered(3), NOON);
    assert!(step(&e, &mut c, &assigned("lady", "xiaoya"), NOON).is_empty());
    let r = step(&e, &mut chat("lady"), &queued("nosuch", 1, 0, None), NOON);
    assert_eq!(r[0].body, demo().away_message, "unknown group → the shop's");
}

fn held(e: &Engine, c: &mut Chat, now: Millis) -> Option<(u32, String)> {
    e.on_time(&conv(), c, now).map(|r| match r.rule {
        Rule::Holding(after) => (after, r.cid),
        other => panic!("{other:?}"),
    })
}

#[test]
fn holding_messages_once_per_threshold_per_wait() {
    let e = engine(); // 30 s and 90 s
    let mut c = chat("lady");
    step(&e, &mut c, &assigned("lady", "anhong"), NOON);
    step(&e, &mut c, &said(2, "在吗"), NOON);
    step(&e, &mut c, &said(3, "有人吗"), NOON + 5 * S);
    assert_eq!(
        c.wait,
        Some(Wait {
            seq: 2,
            since: NOON
        }),
        "the wait began with seq 2"
    );
    assert_eq!(e.next_wake(&c), Some(NOON + 30 * S));
    assert_eq!(held(&e, &mut c, NOON + 30 * S - 1), None);
    assert_eq!(
        held(&e, &mut c, NOON + 30 * S),
        Some((30, "auto:hold:2:30".into()))
    );
    assert_eq!(held(&e, &mut c, NOON + 31 * S), None, "once");
    assert_eq!(e.next_wake(&c), Some(NOON + 90 * S));
    assert_eq!(
        held(&e, &mut c, NOON + 90 * S),
        Some((90, "auto:hold:2:90".into()))
    );
    assert_eq!(e.next_wake(&c), None);
    // The agent answers; the shopper's next message starts a new wait.
    step(&e, &mut c, &answered(4), NOON + 100 * S);
    assert_eq!((c.wait, e.next_wake(&c)), (None, None));
    step(&e, &mut c, &said(5, "好的，还有个问题"), NOON + 200 * S);
    assert_eq!(
        held(&e, &mut c, NOON + 230 * S),
        Some((30, "auto:hold:5:30".into()))
    );
}

#[test]
fn an_agent_taking_the_chat_restarts_the_holding_clock() {
    let e = engine();
    let mut c = chat("lady");
    step(&e, &mut c, &queued("lady", 1, 2, Some(60)), NOON);
    step(&e, &mut c, &said(2, "在吗"), NOON);
    assert_eq!(held(&e, &mut c, NOON + 30 * S).map(|h| h.0), Some(30));
    step(&e, &mut c, &assigned("lady", "xiaoya"), NOON + 80 * S);
    assert_eq!(
        e.next_wake(&c),
        Some(NOON + 170 * S),
        "90 s from the assignment"
    );
    assert_eq!(
        c.wait.map(|w| w.seq),
        Some(2),
        "the same wait: 30 s is not repeated"
    );
}

#[test]
fn late_thresholds_are_skipped_not_sent_late() {
    let e = engine();
    let mut c = chat("lady");
    step(&e, &mut c, &said(2, "在吗"), NOON);
    assert_eq!(held(&e, &mut c, NOON + 95 * S).map(|h| h.0), Some(90));
    assert_eq!(e.next_wake(&c), None, "30 s is not sent after 90 s");
}

#[test]
fn holding_waits_out_the_agents_quiet_time() {
    let e = engine(); // quiet 60 s
    let mut c = chat("lady");
    step(&e, &mut c, &answered(2), NOON - 10 * S);
    step(&e, &mut c, &said(3, "嗯"), NOON);
    assert_eq!(
        e.next_wake(&c),
        Some(NOON + 50 * S),
        "quiet until 60 s after her message"
    );
    assert_eq!(held(&e, &mut c, NOON + 30 * S), None);
    assert_eq!(held(&e, &mut c, NOON + 50 * S).map(|h| h.0), Some(30));
}

#[test]
fn no_holding_promise_when_nobody_can_answer() {
    let e = engine();
    let mut c = chat("lady");
    step(&e, &mut c, &queued("lady", 1, 0, None), NOON);
    step(&e, &mut c, &said(2, "在吗"), NOON);
    assert_eq!(e.next_wake(&c), None, "told to leave a message");
    assert_eq!(held(&e, &mut c, NOON + 40 * S), None);
    // Closed without an off-hours text: thresholds pass silently, and the timer moves on.
    let mut shop = demo();
    shop.hours.open = vec!["mon-fri 09:00-18:00".into()];
    shop.auto_reply.closed_message = String::new();
    let e = engine_of(shop);
    let mut c = chat("lady");
    step(&e, &mut c, &said(2, "在吗"), SATURDAY);
    let at = e.next_wake(&c).unwrap();
    assert_eq!(held(&e, &mut c, at), None);
    assert!(
        e.next_wake(&c).is_none_or(|next| next > at),
        "never a busy loop"
    );
}

fn msg(seq: u64, role: Role, cid: &str, ts: Millis) -> Message {
    Message {
        conv: conv(),
        seq,
        cid: cid.into(),
        from: Party {
            role,
            id: "x".into(),
            name: "x".into(),
        },
        kind: MessageKind::Text,
        body: "…".into(),
        ts,
    }
}

#[test]
fn memory_is_rebuilt_from_the_log() {
    let log = [
        msg(1, Role::Bot, "auto:greeting", NOON),
        msg(2, Role::Bot, "auto:away", NOON),
        msg(3, Role::Shopper, "w-1", NOON + S),
        msg(4, Role::Agent, "a-1", NOON + 2 * S),
        msg(5, Role::Shopper, "w-2", NOON + 3 * S),
        msg(6, Role::Shopper, "w-3", NOON + 4 * S),
        msg(7, Role::Bot, "auto:hold:5:30", NOON + 33 * S),
        msg(8, Role::Bot, "auto:busy:2:60", NOON + 40 * S),
    ];
    let c = Chat::from_log(group("lady"), None, &log);
    assert_eq!(
        c.wait,
        Some(Wait {
            seq: 5,
            since: NOON + 3 * S
        })
    );
    assert_eq!(c.last_agent_at, Some(NOON + 2 * S));
    assert_eq!(c.last_busy_at, Some(NOON + 40 * S));
    assert_eq!(
        c.unanswerable, None,
        "an agent answered after the away message"
    );
    assert!(c.fired.contains("auto:greeting") && c.fired.contains("auto:hold:5:30"));
    assert_eq!(
        engine().next_wake(&c),
        Some(NOON + 93 * S),
        "the 90 s holding is next"
    );
    let waiting = Chat::from_log(group("lady"), None, &log[..3]);
    assert_eq!(waiting.unanswerable.as_deref(), Some("auto:away"));
    let taken = Chat::from_log(group("lady"), Some(agent("xiaoya")), &log[..3]);
    assert_eq!(taken.unanswerable, None, "taken since: not announced late");
}
