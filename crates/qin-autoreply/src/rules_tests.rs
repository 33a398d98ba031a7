//! Table tests of the auto-reply rules against the demo shop (`config/qin.toml`).

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

fn in_group(g: &GroupId) -> Context<'_> {
    Context { group: Some(g) }
}

fn opened(g: &str) -> ShopEvent {
    ShopEvent::ChatOpened {
        conv: conv(),
        shopper: Party {
            role: Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: group(g),
        requested_agent: None,
    }
}

fn said(body: &str, kind: MessageKind) -> ShopEvent {
    ShopEvent::ShopperMessage {
        conv: conv(),
        seq: 7,
        kind,
        body: body.into(),
    }
}

fn queued(g: &str, online: u32) -> ShopEvent {
    ShopEvent::Routed {
        conv: conv(),
        group: group(g),
        outcome: RouteOutcome::Queued {
            position: 1,
            online,
        },
        unavailable: None,
    }
}

#[test]
fn greeting_is_in_the_chosen_groups_voice() {
    let shop = shop();
    let r = replies(&shop, &opened("zany"), &Context::default());
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].rule, Rule::Greeting);
    assert_eq!(r[0].cid, "auto:greeting");
    assert_eq!(r[0].conv, conv());
    assert!(r[0].body.contains("疯癫组"));
    let r = replies(&shop, &opened("nosuch"), &Context::default());
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
        ("包邮吗", Some(0)),
        ("包邮吗？", Some(0)),
        ("我想退换一下", Some(2)),
        ("Do you offer FREE SHIPPING?", Some(0)), // case-insensitive
        ("When is Shipping?", Some(1)),
        ("RETURN please", Some(2)),
        ("发货和包邮都问一下", Some(0)), // first matching rule wins, one answer only
        ("你好", None),
        ("", None),
    ];
    let lady = group("lady");
    for (body, expected) in cases {
        let r = replies(&shop, &said(body, MessageKind::Text), &in_group(&lady));
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
        replies(&shop, &image, &in_group(&lady)).is_empty(),
        "images are not read for keywords"
    );
}

#[test]
fn keyword_rules_can_be_limited_to_groups() {
    let mut shop = shop();
    shop.keywords[1].groups = vec![group("bold"), group("zany")];
    let event = said("发货了吗", MessageKind::Text);
    assert!(replies(&shop, &event, &in_group(&group("lady"))).is_empty());
    assert!(
        replies(&shop, &event, &Context::default()).is_empty(),
        "a limited rule needs the group"
    );
    assert_eq!(replies(&shop, &event, &in_group(&group("bold"))).len(), 1);
    assert_eq!(replies(&shop, &event, &in_group(&group("zany"))).len(), 1);
    // A limited rule that does not apply lets a later rule answer.
    let both = said("发货还是退货", MessageKind::Text);
    let r = replies(&shop, &both, &in_group(&group("lady")));
    assert_eq!(r[0].rule, Rule::Keyword(2));
}

#[test]
fn away_only_when_nobody_in_the_group_is_online() {
    let shop = shop();
    let r = replies(&shop, &queued("lady", 0), &Context::default());
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].rule, r[0].cid.as_str()), (Rule::Away, "auto:away"));
    assert_eq!(
        r[0].body, shop.away_message,
        "no group message → the shop's"
    );
    let r = replies(&shop, &queued("fresh", 0), &Context::default());
    assert!(r[0].body.contains("小清新"), "group's own away message");
    let r = replies(&shop, &queued("nosuch", 0), &Context::default());
    assert_eq!(r[0].body, shop.away_message);
    assert!(replies(&shop, &queued("lady", 2), &Context::default()).is_empty());
    let assigned = ShopEvent::Routed {
        conv: conv(),
        group: group("lady"),
        outcome: RouteOutcome::Assigned {
            agent: AgentId::parse("anhong").unwrap(),
        },
        unavailable: None,
    };
    assert!(replies(&shop, &assigned, &Context::default()).is_empty());
}

#[test]
fn never_answers_agents_closes_or_status_changes() {
    let shop = shop();
    let lady = group("lady");
    let quiet = [
        ShopEvent::AgentMessage {
            conv: conv(),
            seq: 3,
            agent: AgentId::parse("anhong").unwrap(),
        },
        ShopEvent::ChatClosed {
            conv: conv(),
            by: Role::Agent,
        },
        ShopEvent::AgentStatusChanged {
            agent: AgentId::parse("anhong").unwrap(),
            status: qin_proto::AgentStatus::Offline,
        },
    ];
    for event in &quiet {
        assert!(
            replies(&shop, event, &in_group(&lady)).is_empty(),
            "{event:?}"
        );
        assert_eq!(candidate(&shop, event), None, "{event:?}");
    }
}

#[test]
fn cids_are_deterministic_per_occasion() {
    let shop = shop();
    let lady = group("lady");
    let ctx = in_group(&lady);
    for event in [
        opened("lady"),
        said("包邮吗", MessageKind::Text),
        queued("lady", 0),
    ] {
        assert_eq!(replies(&shop, &event, &ctx), replies(&shop, &event, &ctx));
    }
    let second = ShopEvent::ShopperMessage {
        conv: conv(),
        seq: 8,
        kind: MessageKind::Text,
        body: "包邮吗".into(),
    };
    assert_eq!(
        replies(&shop, &second, &ctx)[0].cid,
        "auto:kw:8",
        "another message, another answer"
    );
}

#[test]
fn candidate_covers_every_reply() {
    let mut shop = shop();
    shop.keywords[1].groups = vec![group("bold")];
    let bold = group("bold");
    let events = [
        opened("lady"),
        opened("nosuch"),
        said("包邮吗", MessageKind::Text),
        said("发货了吗", MessageKind::Text),
        said("你好", MessageKind::Text),
        said("包邮", MessageKind::Image),
        queued("lady", 0),
        queued("lady", 1),
    ];
    for event in &events {
        let any = !replies(&shop, event, &in_group(&bold)).is_empty()
            || !replies(&shop, event, &Context::default()).is_empty();
        assert_eq!(candidate(&shop, event).is_some(), any, "{event:?}");
    }
}

#[test]
fn an_unavailable_favourite_is_explained_with_who_takes_over() {
    let shop = shop();
    let event = ShopEvent::Routed {
        conv: conv(),
        group: group("lady"),
        outcome: RouteOutcome::Assigned {
            agent: AgentId::parse("anhong").unwrap(),
        },
        unavailable: Some(qin_proto::Unavailable {
            agent: AgentId::parse("anhong").unwrap(),
            status: qin_proto::AgentStatus::Offline,
        }),
    };
    let r = replies(&shop, &event, &Context::default());
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].rule, Rule::Unavailable);
    assert_eq!(r[0].cid, "auto:unavailable");
    assert!(r[0].body.contains("现在不在线"), "{}", r[0].body);
    assert_eq!(candidate(&shop, &event), Some(&conv()));
}
