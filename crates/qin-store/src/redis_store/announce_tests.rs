//! Appends that announce themselves: the Redis store publishes a new message's announcements
//! in its append script, where a `RedisBus` on the same server hears them.

use super::tests::{Fixture, connect, fixture, sample_conversation};
use crate::{Announcement, Conversations, NewMessage, StoreError};
use qin_bus::{Bus, RedisBus, Subscription};
use qin_proto::{ConvState, MessageKind, ShopEvent};
use qin_proto::{topic, unsequenced};
use qin_testkit::{WAIT, unique_prefix};
use std::time::Duration;

fn message(cid: &str, body: &str) -> NewMessage {
    NewMessage {
        cid: cid.into(),
        from: sample_conversation().shopper,
        kind: MessageKind::Text,
        body: body.into(),
        ts: 5,
    }
}

/// What the gateway announces for a shopper's message: its delivery and the shop event.
fn announcements(msg: &NewMessage) -> Vec<Announcement> {
    let conv = sample_conversation().id;
    let event = unsequenced::json(|seq| ShopEvent::ShopperMessage {
        conv: conv.clone(),
        seq,
        kind: msg.kind,
        body: msg.body.clone(),
    });
    vec![
        Announcement::delivery(&conv, msg),
        Announcement {
            topic: topic::shop(&sample_conversation().shop),
            payload: event,
        },
    ]
}

/// A bus on the fixture's server under a fresh prefix, subscribed to the sample chat's topic
/// and its shop's (the subscriptions end with the bus).
async fn listen(f: &Fixture) -> (RedisBus, Subscription, Subscription) {
    let prefix = unique_prefix();
    let bus = RedisBus::connect(&f.server.url(), &prefix)
        .await
        .expect("bus");
    let chat = sample_conversation();
    let deliveries = bus.subscribe(&topic::conversation(&chat.id)).await;
    let events = bus.subscribe(&topic::shop(&chat.shop)).await;
    (
        bus,
        deliveries.expect("subscribe"),
        events.expect("subscribe"),
    )
}

async fn next(sub: &mut Subscription) -> Vec<u8> {
    let payload = tokio::time::timeout(WAIT, sub.recv()).await;
    payload
        .expect("nothing announced")
        .expect("bus gone")
        .to_vec()
}

async fn nothing_more(sub: &mut Subscription) {
    let more = tokio::time::timeout(Duration::from_millis(300), sub.recv()).await;
    assert!(more.is_err(), "unexpected announcement: {more:?}");
}

#[tokio::test]
async fn a_new_message_is_announced_in_seq_order_by_the_append_itself() {
    let f = fixture().await;
    let (bus, mut deliveries, mut events) = listen(&f).await;
    let store = f.store.announcing_on(bus.prefix());
    store
        .save_conversation(&sample_conversation())
        .await
        .expect("save");

    for (seq, body) in [(1, "在吗"), (2, "\"seq\":18446744073709551615")] {
        let msg = message(&format!("k{seq}"), body);
        let announce = announcements(&msg);
        let (appended, announced) = store
            .append_announced(&sample_conversation().id, msg, &announce)
            .await
            .expect("append");
        assert!(announced && !appended.duplicate);
        assert_eq!(appended.message.seq, seq);
        assert_eq!(
            next(&mut deliveries).await,
            unsequenced::fill(&announce[0].payload, seq)
        );
        assert_eq!(
            next(&mut events).await,
            unsequenced::fill(&announce[1].payload, seq)
        );
    }

    // A retry is answered with the original and announced to nobody.
    let retry = message("k1", "again");
    let (appended, _) = store
        .append_announced(
            &sample_conversation().id,
            retry.clone(),
            &announcements(&retry),
        )
        .await
        .expect("retry");
    assert!(appended.duplicate && appended.message.seq == 1);
    nothing_more(&mut deliveries).await;

    // Neither is a refused send.
    let mut closed = sample_conversation();
    closed.state = ConvState::Closed;
    store.save_conversation(&closed).await.expect("close");
    let late = message("k9", "late");
    let refused = store
        .append_announced(&closed.id, late.clone(), &announcements(&late))
        .await;
    assert!(matches!(refused, Err(StoreError::Closed(_))), "{refused:?}");
    nothing_more(&mut deliveries).await;
    nothing_more(&mut events).await;
}

#[tokio::test]
async fn a_store_not_told_of_the_bus_leaves_the_announcing_to_the_caller() {
    let f = fixture().await;
    let (_bus, mut deliveries, _events) = listen(&f).await;
    let store = connect(&f.server, &unique_prefix()).await;
    store
        .save_conversation(&sample_conversation())
        .await
        .expect("save");
    let msg = message("k1", "hi");
    let (appended, announced) = store
        .append_announced(&sample_conversation().id, msg.clone(), &announcements(&msg))
        .await
        .expect("append");
    assert!(!announced && appended.message.seq == 1);
    nothing_more(&mut deliveries).await;
}
