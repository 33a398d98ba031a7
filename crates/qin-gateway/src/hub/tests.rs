//! The hub over an in-memory bus and store, with outboxes standing in for sockets.

use super::*;
use crate::testing::{Gateway, WAIT, next_frame};
use qin_proto::{ConvState, GroupId, MessageKind, Party, Role, ShopId, topic, unsequenced};
use qin_store::{Announcement, Conversation, Conversations, NewMessage};
use qin_testkit::eventually;

fn member(staff: bool) -> (Member, Arc<Outbox>) {
    let outbox = Arc::new(Outbox::new(16));
    let member = Member {
        outbox: outbox.clone(),
        staff,
    };
    (member, outbox)
}

fn typing_frame(conv: &ConvId, on: bool) -> ServerFrame {
    ServerFrame::Typing {
        conv: conv.clone(),
        on,
        from: Party {
            role: Role::Agent,
            id: "anhong".into(),
            name: "安红".into(),
        },
    }
}

fn note_frame(conv: &ConvId) -> ServerFrame {
    ServerFrame::Note {
        conv: conv.clone(),
        text: "老顾客".into(),
        from: Party {
            role: Role::Agent,
            id: "anhong".into(),
            name: "安红".into(),
        },
        ts: 1,
    }
}

fn conv_id() -> ConvId {
    ConvId::parse("c1").expect("valid id")
}

async fn publish(gw: &Gateway, topic: &str, payload: Vec<u8>) {
    gw.bus
        .publish(topic, payload.into())
        .await
        .expect("publish");
}

#[tokio::test]
async fn one_upstream_subscription_per_topic_shared_until_its_last_member_leaves() {
    let gw = Gateway::new();
    let hub = &gw.state.hub;
    let topic = topic::groups(&ShopId::parse("afu").expect("valid id"));
    let (a, a_box) = member(false);
    let (b, b_box) = member(false);
    hub.join(&topic, TopicKind::Frames, 1, a)
        .await
        .expect("join");
    hub.join(&topic, TopicKind::Frames, 2, b)
        .await
        .expect("join");
    assert_eq!((hub.topic_count(), gw.bus.topic_count()), (1, 1));

    let frame = typing_frame(&conv_id(), true);
    publish(&gw, &topic, Delivery::frame(Audience::All, &frame)).await;
    assert_eq!(next_frame(&a_box).await["type"], "typing");
    assert_eq!(next_frame(&b_box).await["type"], "typing");

    hub.leave(&topic, 1);
    assert_eq!(hub.topic_count(), 1, "b still follows it");
    hub.leave(&topic, 2);
    assert_eq!(hub.topic_count(), 0);
    eventually("the node unsubscribed upstream", async || {
        gw.bus.topic_count() == 0
    })
    .await;
}

#[tokio::test]
async fn staff_only_frames_skip_shoppers() {
    let gw = Gateway::new();
    let conv = conv_id();
    let topic = topic::conversation(&conv);
    let (shopper, shopper_box) = member(false);
    let (agent, agent_box) = member(true);
    let hub = &gw.state.hub;
    let kind = TopicKind::Conversation(conv.clone());
    hub.join(&topic, kind.clone(), 1, shopper)
        .await
        .expect("join");
    hub.join(&topic, kind, 2, agent).await.expect("join");

    publish(
        &gw,
        &topic,
        Delivery::frame(Audience::Staff, &note_frame(&conv)),
    )
    .await;
    publish(
        &gw,
        &topic,
        Delivery::frame(Audience::All, &typing_frame(&conv, true)),
    )
    .await;
    assert_eq!(next_frame(&agent_box).await["type"], "note");
    assert_eq!(next_frame(&agent_box).await["type"], "typing");
    // Frames of a topic arrive in order: the shopper's first is the typing, so the note
    // was never offered to them.
    assert_eq!(next_frame(&shopper_box).await["type"], "typing");
    assert!(shopper_box.is_empty());
}

#[tokio::test]
async fn events_go_to_the_session_as_they_are() {
    let gw = Gateway::new();
    let topic = "agent-topic-for-test";
    let (agent, agent_box) = member(true);
    gw.state
        .hub
        .join(topic, TopicKind::Events, 1, agent)
        .await
        .expect("join");
    publish(
        &gw,
        topic,
        br#"{"type":"status","status":"online"}"#.to_vec(),
    )
    .await;
    match tokio::time::timeout(WAIT, agent_box.recv()).await {
        Ok(Next::Item(Outgoing::Event(payload))) => {
            assert_eq!(&payload[..], br#"{"type":"status","status":"online"}"#);
        }
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_the_bus_lost_is_repaired_from_the_store_before_the_next() {
    let gw = Gateway::new();
    let conv = conv_id();
    let record = Conversation {
        id: conv.clone(),
        shop: ShopId::parse("afu").expect("valid id"),
        shopper: Party {
            role: Role::Shopper,
            id: "vAbc".into(),
            name: "亲Abc".into(),
        },
        group: GroupId::parse("lady").expect("valid id"),
        requested_agent: None,
        group_chosen: true,
        state: ConvState::Assigned,
        agent: None,
        opened_at: 1,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
        disposition: None,
    };
    gw.store.save_conversation(&record).await.expect("save");
    let (shopper, shopper_box) = member(false);
    let topic = topic::conversation(&conv);
    let kind = TopicKind::Conversation(conv.clone());
    gw.state
        .hub
        .join(&topic, kind, 1, shopper)
        .await
        .expect("join");
    let message = |cid: &str, body: &str| NewMessage {
        cid: cid.into(),
        from: record.shopper.clone(),
        kind: MessageKind::Text,
        body: body.into(),
        ts: 2,
    };
    // Seq 1 is stored but its delivery never published (lost); seq 2 is published.
    gw.store
        .append(&conv, message("a", "一"))
        .await
        .expect("append");
    let second = message("b", "二");
    let delivery = Announcement::delivery(&conv, &second);
    gw.store.append(&conv, second).await.expect("append");
    publish(&gw, &topic, unsequenced::fill(&delivery.payload, 2)).await;

    let first = next_frame(&shopper_box).await;
    assert_eq!(
        (&first["seq"], &first["body"]),
        (&serde_json::json!(1), &serde_json::json!("一"))
    );
    let then = next_frame(&shopper_box).await;
    assert_eq!(
        (&then["seq"], &then["body"]),
        (&serde_json::json!(2), &serde_json::json!("二"))
    );
}
