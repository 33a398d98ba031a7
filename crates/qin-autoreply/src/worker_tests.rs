//! The worker over the in-memory store and bus: replies are stored once and delivered.

use super::*;
use qin_bus::MemoryBus;
use qin_config::Config;
use qin_proto::{ConvId, ConvState, GroupId, RouteOutcome};
use qin_store::{Conversation, MemoryStore};

const WAIT: Duration = Duration::from_secs(5);

fn shop() -> Arc<ShopConfig> {
    let text = include_str!("../../../config/qin.toml");
    Arc::new(Config::parse(text, "qin.toml").unwrap().shops.remove(0))
}

struct Setup {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    stop: CancellationToken,
    conv: ConvId,
}

async fn setup(workers: usize) -> Setup {
    let shop = shop();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new());
    let stop = CancellationToken::new();
    let conv = ConvId::parse("c1").unwrap();
    store
        .save_conversation(&Conversation {
            id: conv.clone(),
            shop: shop.id.clone(),
            shopper: Party {
                role: Role::Shopper,
                id: "v1".into(),
                name: "亲".into(),
            },
            group: GroupId::parse("lady").unwrap(),
            requested_agent: None,
            state: ConvState::Queued,
            agent: None,
            opened_at: 1,
            closed_at: None,
            tags: vec![],
            rating: None,
        })
        .await
        .unwrap();
    for _ in 0..workers {
        let worker = Worker::start(shop.clone(), store.clone(), bus.clone())
            .await
            .unwrap();
        tokio::spawn(worker.run(stop.clone()));
    }
    Setup {
        store,
        bus,
        stop,
        conv,
    }
}

async fn publish(bus: &dyn Bus, event: &ShopEvent) {
    let shop = shop();
    bus.publish(
        &topic::shop(&shop.id),
        serde_json::to_vec(event).unwrap().into(),
    )
    .await
    .unwrap();
}

async fn next_message(sub: &mut qin_bus::Subscription) -> qin_proto::Message {
    let payload = tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a delivery in time")
        .expect("bus open");
    let (_, json) = Delivery::decode(&payload).unwrap();
    match serde_json::from_str(json).unwrap() {
        ServerFrame::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[tokio::test]
async fn greets_answers_keywords_and_says_away() {
    let s = setup(1).await;
    let mut sub = s
        .bus
        .subscribe(&topic::conversation(&s.conv))
        .await
        .unwrap();
    publish(
        &*s.bus,
        &ShopEvent::ChatOpened {
            conv: s.conv.clone(),
            shopper: Party {
                role: Role::Shopper,
                id: "v1".into(),
                name: "亲".into(),
            },
            group: GroupId::parse("lady").unwrap(),
            requested_agent: None,
        },
    )
    .await;
    let greeting = next_message(&mut sub).await;
    assert_eq!((greeting.seq, greeting.from.role), (1, Role::Bot));
    assert!(greeting.body.contains("淑女组"));

    publish(
        &*s.bus,
        &ShopEvent::ShopperMessage {
            conv: s.conv.clone(),
            seq: 2,
            kind: MessageKind::Text,
            body: "包邮吗".into(),
        },
    )
    .await;
    let answer = next_message(&mut sub).await;
    assert_eq!(answer.cid, "auto:kw:2");
    assert!(answer.body.contains("包邮"));

    publish(
        &*s.bus,
        &ShopEvent::Routed {
            conv: s.conv.clone(),
            group: GroupId::parse("lady").unwrap(),
            outcome: RouteOutcome::Queued {
                position: 1,
                online: 0,
            },
        },
    )
    .await;
    let away = next_message(&mut sub).await;
    assert_eq!(away.cid, "auto:away");
    assert_eq!(s.store.last_seq(&s.conv).await.unwrap(), 3);
    s.stop.cancel();
}

#[tokio::test]
async fn two_workers_reply_once() {
    let s = setup(2).await;
    let mut sub = s
        .bus
        .subscribe(&topic::conversation(&s.conv))
        .await
        .unwrap();
    for _ in 0..2 {
        // The same occasion twice (e.g. a re-published event): still one reply.
        publish(
            &*s.bus,
            &ShopEvent::Routed {
                conv: s.conv.clone(),
                group: GroupId::parse("bold").unwrap(),
                outcome: RouteOutcome::Queued {
                    position: 1,
                    online: 0,
                },
            },
        )
        .await;
    }
    let away = next_message(&mut sub).await;
    assert_eq!(away.seq, 1);
    // A later, different reply proves nothing else was delivered in between.
    publish(
        &*s.bus,
        &ShopEvent::ShopperMessage {
            conv: s.conv.clone(),
            seq: 9,
            kind: MessageKind::Text,
            body: "退货".into(),
        },
    )
    .await;
    let next = next_message(&mut sub).await;
    assert_eq!((next.seq, next.cid.as_str()), (2, "auto:kw:9"));
    assert_eq!(s.store.last_seq(&s.conv).await.unwrap(), 2);
    s.stop.cancel();
}
