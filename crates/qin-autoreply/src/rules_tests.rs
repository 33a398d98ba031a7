//! Table tests of the auto-reply rules against the demo shop.

use super::*;
use qin_config::Config;
use qin_proto::{AgentId, Party, Role};

fn shop() -> ShopConfig {
    let text = include_str!("../../../config/qin.toml");
    Config::parse(text, "qin.toml").unwrap().shops.remove(0)
}

fn conv() -> ConvId {
    ConvId::parse("c1").unwrap()
}

fn group(id: &str) -> GroupId {
    GroupId::parse(id).unwrap()
}

fn said(body: &str, kind: MessageKind) -> ShopEvent {
    ShopEvent::ShopperMessage {
        conv: conv(),
        seq: 7,
        kind,
        body: body.into(),
    }
}

#[test]
fn greeting_is_in_the_chosen_groups_voice() {
    let shop = shop();
    let opened = |g: &str| ShopEvent::ChatOpened {
        conv: conv(),
        shopper: Party {
            role: Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: group(g),
        requested_agent: None,
    };
    let r = replies(&shop, &opened("zany"), None);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].rule, Rule::Greeting);
    assert_eq!(r[0].cid, "auto:greeting");
    assert!(r[0].body.contains("疯癫组"));
    let r = replies(&shop, &opened("nosuch"), None);
    assert!(
        r[0].body.contains("淑女组"),
        "unknown group → default group's greeting"
    );
}

#[test]
fn keyword_answers() {
    let shop = shop();
    let cases = [
        ("亲，发货了吗", Some(1)),
        ("包邮吗？", Some(0)),
        ("我想退换一下", Some(2)),
        ("Do you offer FREE SHIPPING?", Some(0)),
        ("When is shipping?", Some(1)),
        ("发货和包邮都问一下", Some(0)), // first matching rule wins
        ("你好", None),
    ];
    for (body, expected) in cases {
        let r = replies(&shop, &said(body, MessageKind::Text), Some(&group("lady")));
        match expected {
            Some(i) => {
                assert_eq!(r.len(), 1, "{body}");
                assert_eq!(r[0].rule, Rule::Keyword(i), "{body}");
                assert_eq!(r[0].cid, "auto:kw:7");
                assert_eq!(r[0].body, shop.keywords[i].reply);
            }
            None => assert!(r.is_empty(), "{body}: {r:?}"),
        }
    }
    let image = said("https://img.example/发货.png", MessageKind::Image);
    assert!(
        replies(&shop, &image, None).is_empty(),
        "images are not read for keywords"
    );
}

#[test]
fn keyword_rules_can_be_limited_to_groups() {
    let mut shop = shop();
    shop.keywords[1].groups = vec![group("bold")];
    let event = said("发货了吗", MessageKind::Text);
    assert!(replies(&shop, &event, Some(&group("lady"))).is_empty());
    assert_eq!(replies(&shop, &event, Some(&group("bold"))).len(), 1);
}

#[test]
fn away_only_when_nobody_in_the_group_is_online() {
    let shop = shop();
    let queued = |g: &str, online| ShopEvent::Routed {
        conv: conv(),
        group: group(g),
        outcome: RouteOutcome::Queued {
            position: 1,
            online,
        },
    };
    let r = replies(&shop, &queued("lady", 0), None);
    assert_eq!(r[0].rule, Rule::Away);
    assert_eq!(r[0].body, shop.away_message);
    let r = replies(&shop, &queued("fresh", 0), None);
    assert!(r[0].body.contains("小清新"), "group's own away message");
    assert!(replies(&shop, &queued("lady", 2), None).is_empty());
    let assigned = ShopEvent::Routed {
        conv: conv(),
        group: group("lady"),
        outcome: RouteOutcome::Assigned {
            agent: AgentId::parse("anhong").unwrap(),
        },
    };
    assert!(replies(&shop, &assigned, None).is_empty());
}

#[test]
fn never_answers_agents_or_bots() {
    let shop = shop();
    let agent_said = ShopEvent::AgentMessage {
        conv: conv(),
        seq: 3,
        agent: AgentId::parse("anhong").unwrap(),
    };
    assert!(replies(&shop, &agent_said, Some(&group("lady"))).is_empty());
    let closed = ShopEvent::ChatClosed {
        conv: conv(),
        by: Role::Agent,
    };
    assert!(replies(&shop, &closed, None).is_empty());
}
