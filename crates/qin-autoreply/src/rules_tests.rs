//! Table tests of the auto-reply rules against the demo shop (`config/qin.toml`): first
//! contact, keywords, quiet, and the order and once-only discipline. Waiting rules (busy,
//! agents' auto-replies, away, off-hours, holding) are in `rules_tests/waiting.rs`.

use super::*;
use crate::chat::Chat;
use crate::engine::{Engine, Facts};
use qin_config::{Config, ShopConfig};
use qin_proto::{AgentId, AgentStatus, GroupId, MessageKind, Party, Role, RouteOutcome};
use std::sync::Arc;

#[path = "rules_tests/waiting.rs"]
mod waiting;

/// Monday 2026-03-02 12:00 in Shanghai: the demo shop is open around the clock.
pub(crate) const NOON: Millis = 1_772_424_000_000;
const S: Millis = 1000;

pub(crate) fn demo() -> ShopConfig {
    let text = include_str!("../../../config/qin.toml");
    Config::parse(text, "qin.toml").unwrap().shops.remove(0)
}

pub(crate) fn engine_of(shop: ShopConfig) -> Engine {
    Engine::new(Arc::new(shop)).unwrap()
}

pub(crate) fn engine() -> Engine {
    engine_of(demo())
}

pub(crate) fn conv() -> ConvId {
    ConvId::parse("c1").unwrap()
}

pub(crate) fn group(id: &str) -> GroupId {
    GroupId::parse(id).unwrap()
}

pub(crate) fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

pub(crate) fn chat(g: &str) -> Chat {
    Chat::new(group(g))
}

pub(crate) fn opened(g: &str) -> ShopEvent {
    ShopEvent::ChatOpened {
        conv: conv(),
        shopper: Party {
            role: Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: group(g),
        requested_agent: None,
        group_chosen: false,
    }
}

pub(crate) fn said(seq: u64, body: &str) -> ShopEvent {
    ShopEvent::ShopperMessage {
        conv: conv(),
        seq,
        kind: MessageKind::Text,
        body: body.into(),
    }
}

pub(crate) fn answered(seq: u64) -> ShopEvent {
    ShopEvent::AgentMessage {
        conv: conv(),
        seq,
        agent: agent("anhong"),
    }
}

pub(crate) fn routed(g: &str, outcome: RouteOutcome, eta_s: Option<u32>) -> ShopEvent {
    ShopEvent::Routed {
        conv: conv(),
        group: group(g),
        outcome,
        unavailable: None,
        eta_s,
    }
}

pub(crate) fn assigned(g: &str, to: &str) -> ShopEvent {
    routed(g, RouteOutcome::Assigned { agent: agent(to) }, None)
}

pub(crate) fn queued(g: &str, position: u32, online: u32, eta_s: Option<u32>) -> ShopEvent {
    routed(g, RouteOutcome::Queued { position, online }, eta_s)
}

/// Runs `event` at `now` with no other facts; the rules that fired.
pub(crate) fn step(e: &Engine, chat: &mut Chat, event: &ShopEvent, now: Millis) -> Vec<Reply> {
    e.on_event(&conv(), chat, event, &Facts::at(now))
}

pub(crate) fn rules_of(replies: &[Reply]) -> Vec<Rule> {
    replies.iter().map(|r| r.rule).collect()
}

#[test]
fn greeting_is_in_the_chosen_groups_voice_once() {
    let e = engine();
    let mut c = chat("zany");
    let r = step(&e, &mut c, &opened("zany"), NOON);
    assert_eq!(rules_of(&r), [Rule::Greeting]);
    assert_eq!((r[0].cid.as_str(), &r[0].conv), ("auto:greeting", &conv()));
    assert!(r[0].body.contains("疯癫组"));
    assert!(
        step(&e, &mut c, &opened("zany"), NOON).is_empty(),
        "a re-delivered open is not greeted twice"
    );
    let r = step(&e, &mut chat("nosuch"), &opened("nosuch"), NOON);
    assert!(r[0].body.contains("淑女组"), "unknown group → default's");
}

#[test]
fn an_agent_with_a_greeting_greets_once_assigned() {
    let e = engine();
    let shop = demo();
    let mut c = chat("lady");
    let r = step(&e, &mut c, &assigned("fresh", "xiaolu"), NOON);
    assert_eq!(rules_of(&r), [Rule::AgentGreeting]);
    assert_eq!(r[0].cid, "auto:hello:xiaolu");
    assert_eq!(Some(&r[0].body), shop.agents[5].greeting.as_ref());
    assert!(step(&e, &mut c, &assigned("fresh", "xiaolu"), NOON).is_empty());
    assert!(
        step(&e, &mut c, &assigned("lady", "xiaoya"), NOON).is_empty(),
        "小雅 has no greeting"
    );
    let r = step(&e, &mut c, &assigned("zany", "doudou"), NOON);
    assert_eq!(
        r[0].cid, "auto:hello:doudou",
        "transferred: the new agent greets"
    );
    assert_eq!(c.agent, Some(agent("doudou")));
}

#[test]
fn an_unavailable_favourite_is_explained_with_who_takes_over() {
    let e = engine();
    let mut event = assigned("lady", "xiaoya");
    if let ShopEvent::Routed { unavailable, .. } = &mut event {
        *unavailable = Some(qin_proto::Unavailable {
            agent: agent("anhong"),
            status: AgentStatus::Offline,
        });
    }
    let r = step(&e, &mut chat("lady"), &event, NOON);
    assert_eq!(rules_of(&r), [Rule::Unavailable]);
    assert_eq!(r[0].cid, "auto:unavailable");
    assert_eq!(
        r[0].body,
        "亲，安红现在不在线～已为您接通淑女组的小雅，请稍等哦！"
    );
}

#[test]
fn keyword_answers_by_priority_words_and_patterns() {
    let e = engine();
    let shop = demo();
    let cases = [
        ("亲，发货了吗", Some(1)),
        ("包邮吗？", Some(0)),
        ("Do you offer FREE SHIPPING?", Some(0)), // priority 10 beats "shipping"
        ("When is Shipping?", Some(1)),
        ("how soon will it arrive", Some(1)), // pattern
        ("几天能到呀", Some(1)),              // pattern
        ("有30ML的吗", Some(3)),              // pattern, any case
        ("尺码怎么选", Some(3)),
        ("RETURN please", Some(2)),
        ("是正品吗", Some(4)),
        ("你好", None),
        ("", None),
    ];
    for (body, expected) in cases {
        let r = step(&e, &mut chat("lady"), &said(7, body), NOON);
        match expected {
            Some(i) => {
                assert_eq!(rules_of(&r), [Rule::Keyword(i)], "{body}");
                assert_eq!(r[0].body, shop.keywords[i].reply, "{body}");
                assert!(r[0].cid.starts_with("auto:kw:"), "{body}");
            }
            None => assert!(r.is_empty(), "{body}: {r:?}"),
        }
    }
    let image = ShopEvent::ShopperMessage {
        conv: conv(),
        seq: 7,
        kind: MessageKind::Image,
        body: "https://img.example/发货.png".into(),
    };
    assert!(step(&e, &mut chat("lady"), &image, NOON).is_empty());
}

#[test]
fn group_rules_answer_in_their_group_only() {
    let e = engine();
    let r = step(&e, &mut chat("bold"), &said(2, "是正品吗"), NOON);
    assert_eq!(rules_of(&r), [Rule::Keyword(5)], "重口味's own voice");
    assert!(r[0].body.contains("大壮"));
    let r = step(&e, &mut chat("lady"), &said(2, "是正品吗"), NOON);
    assert_eq!(rules_of(&r), [Rule::Keyword(4)]);
    let mut shop = demo();
    shop.keywords[1].groups = vec![group("zany")];
    let e = engine_of(shop);
    assert!(step(&e, &mut chat("lady"), &said(2, "发货了吗"), NOON).is_empty());
    assert_eq!(
        step(&e, &mut chat("zany"), &said(2, "发货了吗"), NOON).len(),
        1
    );
}

#[test]
fn a_rule_answers_once_per_chat_unless_it_repeats() {
    let e = engine();
    let mut c = chat("lady");
    let first = step(&e, &mut c, &said(2, "包邮吗"), NOON);
    assert_eq!(rules_of(&first), [Rule::Keyword(0)]);
    assert!(step(&e, &mut c, &said(3, "包邮吗？？"), NOON).is_empty());
    // Asked together with another question, the other one is answered now.
    let r = step(&e, &mut c, &said(4, "包邮吗，什么时候发货"), NOON);
    assert_eq!(rules_of(&r), [Rule::Keyword(1)]);

    let mut shop = demo();
    shop.keywords[0].repeat = true;
    let e = engine_of(shop);
    let mut c = chat("lady");
    let a = step(&e, &mut c, &said(2, "包邮吗"), NOON);
    let b = step(&e, &mut c, &said(3, "包邮吗"), NOON);
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_ne!(a[0].cid, b[0].cid, "a repeating rule answers each message");
    assert!(
        step(&e, &mut c, &said(3, "包邮吗"), NOON).is_empty(),
        "but a re-delivered message only once"
    );
}

#[test]
fn keyword_ids_survive_reordering_the_config() {
    let cid = |shop: ShopConfig| {
        step(&engine_of(shop), &mut chat("lady"), &said(2, "退货"), NOON)[0]
            .cid
            .clone()
    };
    let mut reordered = demo();
    reordered.keywords.reverse();
    assert_eq!(cid(demo()), cid(reordered));
}

#[test]
fn quiet_while_an_agent_is_answering() {
    let e = engine(); // quiet_after_agent_s = 60
    let mut c = chat("lady");
    step(&e, &mut c, &assigned("lady", "xiaoya"), NOON);
    step(&e, &mut c, &answered(2), NOON);
    assert!(step(&e, &mut c, &said(3, "包邮吗"), NOON + 59 * S).is_empty());
    assert_eq!(step(&e, &mut c, &said(4, "包邮吗"), NOON + 60 * S).len(), 1);

    let mut shop = demo();
    shop.auto_reply.quiet_after_agent_s = 0;
    let e = engine_of(shop);
    let mut c = chat("lady");
    step(&e, &mut c, &answered(2), NOON);
    assert_eq!(
        step(&e, &mut c, &said(3, "包邮吗"), NOON).len(),
        1,
        "0: never quiet"
    );
}

#[test]
fn never_answers_agents_closes_or_status_changes() {
    let e = engine();
    let quiet = [
        answered(3),
        ShopEvent::ChatClosed {
            conv: conv(),
            by: Role::Agent,
        },
        ShopEvent::AgentStatusChanged {
            agent: agent("anhong"),
            status: AgentStatus::Offline,
        },
        ShopEvent::RequestPending,
    ];
    for event in &quiet {
        assert!(
            step(&e, &mut chat("lady"), event, NOON).is_empty(),
            "{event:?}"
        );
    }
}

#[test]
fn rules_fire_in_the_documented_order() {
    let e = engine();
    // Nobody online → away; then an agent whose favourite was away takes it: the
    // explanation, that someone is here, the agent's own greeting — in that order.
    let mut c = chat("lady");
    step(&e, &mut c, &opened("lady"), NOON);
    assert_eq!(
        rules_of(&step(&e, &mut c, &queued("lady", 1, 0, None), NOON)),
        [Rule::Away]
    );
    let mut event = assigned("lady", "xiaolu");
    if let ShopEvent::Routed { unavailable, .. } = &mut event {
        *unavailable = Some(qin_proto::Unavailable {
            agent: agent("xiaoya"),
            status: AgentStatus::Away,
        });
    }
    let r = step(&e, &mut c, &event, NOON + S);
    assert_eq!(
        rules_of(&r),
        [Rule::Unavailable, Rule::Back, Rule::AgentGreeting]
    );
    // A question to a busy agent: the FAQ answer, then the agent's own words.
    let facts = Facts {
        now: NOON + 2 * S,
        agent_status: Some(AgentStatus::Busy),
        agent_reply: Some("盘点中"),
    };
    let r = e.on_event(&conv(), &mut c, &said(5, "包邮吗"), &facts);
    assert_eq!(rules_of(&r), [Rule::Keyword(0), Rule::AgentReply]);
    // Every cid is new: nothing above fires twice in one chat.
    let mut cids: Vec<_> = c.fired.iter().collect();
    cids.sort();
    cids.dedup();
    assert_eq!(cids.len(), c.fired.len());
}

#[test]
fn the_same_events_give_the_same_replies_in_every_worker() {
    let e = engine();
    let events = [
        opened("lady"),
        queued("lady", 1, 0, None),
        assigned("lady", "xiaolu"),
        said(4, "包邮吗"),
        queued("lady", 3, 2, Some(180)),
    ];
    let run = || {
        let mut c = chat("lady");
        let mut all = Vec::new();
        for (i, event) in events.iter().enumerate() {
            all.extend(step(
                &e,
                &mut c,
                event,
                NOON + Millis::try_from(i).unwrap() * S,
            ));
        }
        all
    };
    let first = run();
    assert_eq!(first.len(), 6, "{first:?}");
    assert_eq!(
        first,
        run(),
        "two workers post the same cids, so the store keeps one"
    );
}
