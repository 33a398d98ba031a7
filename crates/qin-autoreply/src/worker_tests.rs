//! The worker over the in-memory store and bus: replies are stored once and delivered.

use super::*;
use qin_bus::MemoryBus;
use qin_config::Config;
use qin_proto::{AgentId, ConvId, ConvState, GroupId, RouteOutcome};
use qin_store::{Conversation, MemoryStore};
use std::time::Duration;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(5);

fn shop() -> Arc<ShopConfig> {
    let text = include_str!("../../../config/qin.toml");
    Arc::new(Config::parse(text, "qin.toml").unwrap().shops.remove(0))
}

struct Setup {
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    stop: CancellationToken,
    workers: Vec<JoinHandle<Result<(), AutoReplyError>>>,
}

impl Setup {
    /// `workers` workers on a fresh store and bus, already following the shop's events.
    async fn new(workers: usize) -> Self {
        let shop = shop();
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new());
        let stop = CancellationToken::new();
        let mut handles = Vec::new();
        for _ in 0..workers {
            let worker = Worker::start(shop.clone(), store.clone(), bus.clone())
                .await
                .unwrap();
            handles.push(tokio::spawn(worker.run(stop.clone())));
        }
        Self {
            shop,
            store,
            bus,
            stop,
            workers: handles,
        }
    }

    /// Stores a chat in group `lady` and subscribes to its topic.
    async fn chat(&self, id: &str, state: ConvState) -> (ConvId, qin_bus::Subscription) {
        let conv = ConvId::parse(id).unwrap();
        let closed = state == ConvState::Closed;
        self.store
            .save_conversation(&Conversation {
                id: conv.clone(),
                shop: self.shop.id.clone(),
                shopper: shopper(),
                group: lady(),
                requested_agent: None,
                state,
                agent: None,
                opened_at: 1,
                closed_at: closed.then_some(2),
                tags: vec![],
                rating: None,
            })
            .await
            .unwrap();
        let sub = self
            .bus
            .subscribe(&topic::conversation(&conv))
            .await
            .unwrap();
        (conv, sub)
    }

    async fn publish(&self, event: &ShopEvent) {
        self.publish_raw(serde_json::to_vec(event).unwrap()).await;
    }

    async fn publish_raw(&self, payload: Vec<u8>) {
        self.bus
            .publish(&topic::shop(&self.shop.id), payload.into())
            .await
            .unwrap();
    }

    /// Stops the workers and checks they end cleanly.
    async fn stop(self) {
        self.stop.cancel();
        for worker in self.workers {
            let ended = tokio::time::timeout(WAIT, worker)
                .await
                .expect("worker stops in time")
                .expect("worker did not panic");
            assert!(ended.is_ok(), "{ended:?}");
        }
    }
}

fn shopper() -> Party {
    Party {
        role: Role::Shopper,
        id: "v1".into(),
        name: "亲".into(),
    }
}

fn lady() -> GroupId {
    GroupId::parse("lady").unwrap()
}

fn opened(conv: &ConvId) -> ShopEvent {
    ShopEvent::ChatOpened {
        conv: conv.clone(),
        shopper: shopper(),
        group: lady(),
        requested_agent: None,
    }
}

fn said(conv: &ConvId, seq: u64, body: &str) -> ShopEvent {
    ShopEvent::ShopperMessage {
        conv: conv.clone(),
        seq,
        kind: MessageKind::Text,
        body: body.into(),
    }
}

fn queued(conv: &ConvId, online: u32) -> ShopEvent {
    ShopEvent::Routed {
        conv: conv.clone(),
        group: lady(),
        outcome: RouteOutcome::Queued {
            position: 1,
            online,
        },
        unavailable: None,
    }
}

async fn next_message(sub: &mut qin_bus::Subscription) -> qin_proto::Message {
    let payload = tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a delivery in time")
        .expect("bus open");
    let (audience, _, json) = Delivery::decode(&payload).unwrap();
    assert_eq!(audience, Audience::All);
    match serde_json::from_str(json).unwrap() {
        ServerFrame::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[tokio::test]
async fn greets_answers_keywords_and_says_away() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;

    s.publish(&opened(&conv)).await;
    let greeting = next_message(&mut sub).await;
    assert_eq!((greeting.seq, greeting.cid.as_str()), (1, "auto:greeting"));
    assert_eq!(greeting.conv, conv);
    assert_eq!(greeting.from.role, Role::Bot);
    assert_eq!(greeting.from.id, BOT_ID);
    assert_eq!(greeting.from.name, s.shop.bot_name);
    assert_eq!(greeting.kind, MessageKind::Text);
    assert!(greeting.body.contains("淑女组"));
    assert!(greeting.ts > 0);

    s.publish(&said(&conv, 2, "包邮吗")).await;
    let answer = next_message(&mut sub).await;
    assert_eq!((answer.seq, answer.cid.as_str()), (2, "auto:kw:2"));
    assert_eq!(answer.body, s.shop.keywords[0].reply);

    s.publish(&queued(&conv, 0)).await;
    let away = next_message(&mut sub).await;
    assert_eq!((away.seq, away.cid.as_str()), (3, "auto:away"));
    assert_eq!(away.body, s.shop.away_message);

    let stored = s.store.messages_after(&conv, 0, 10).await.unwrap();
    assert_eq!(stored, vec![greeting, answer, away]);
    s.stop().await;
}

#[tokio::test]
async fn stays_quiet_unless_a_rule_applies() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;
    let agent = AgentId::parse("anhong").unwrap();
    s.publish(&queued(&conv, 2)).await;
    s.publish(&ShopEvent::Routed {
        conv: conv.clone(),
        group: lady(),
        outcome: RouteOutcome::Assigned {
            agent: agent.clone(),
        },
        unavailable: None,
    })
    .await;
    s.publish(&ShopEvent::AgentMessage {
        conv: conv.clone(),
        seq: 1,
        agent,
    })
    .await;
    s.publish_raw(b"{not json".to_vec()).await;
    s.publish_raw(br#"{"event":"no_such_event"}"#.to_vec())
        .await;
    s.publish(&said(&conv, 2, "你好")).await;
    // Events are handled in order, so the first delivery shows all of the above were quiet
    // (and that malformed events did not stop the worker).
    s.publish(&queued(&conv, 0)).await;
    let away = next_message(&mut sub).await;
    assert_eq!((away.seq, away.cid.as_str()), (1, "auto:away"));
    s.stop().await;
}

#[tokio::test]
async fn closed_chats_get_no_replies() {
    let s = Setup::new(1).await;
    let (closed, _closed_sub) = s.chat("c1", ConvState::Closed).await;
    let (open, mut open_sub) = s.chat("c2", ConvState::Queued).await;
    s.publish(&opened(&closed)).await;
    s.publish(&said(&closed, 5, "包邮吗")).await;
    s.publish(&queued(&closed, 0)).await;
    s.publish(&said(&ConvId::parse("nosuch").unwrap(), 1, "包邮吗"))
        .await;
    s.publish(&opened(&open)).await;
    let greeting = next_message(&mut open_sub).await;
    assert_eq!(greeting.cid, "auto:greeting");
    assert_eq!(s.store.last_seq(&closed).await.unwrap(), 0);
    s.stop().await;
}

#[tokio::test]
async fn two_workers_reply_once() {
    let s = Setup::new(2).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;
    // The same occasions twice each (e.g. a re-published event): still one reply each.
    for _ in 0..2 {
        s.publish(&opened(&conv)).await;
        s.publish(&queued(&conv, 0)).await;
    }
    let greeting = next_message(&mut sub).await;
    assert_eq!((greeting.seq, greeting.cid.as_str()), (1, "auto:greeting"));
    let away = next_message(&mut sub).await;
    assert_eq!((away.seq, away.cid.as_str()), (2, "auto:away"));
    // A later, different reply: stored third, so nothing above was stored twice.
    s.publish(&said(&conv, 9, "退货")).await;
    let next = next_message(&mut sub).await;
    assert_eq!((next.seq, next.cid.as_str()), (3, "auto:kw:9"));
    let (store, _bus) = (s.store.clone(), s.bus.clone());
    s.stop().await;
    assert_eq!(store.last_seq(&conv).await.unwrap(), 3);
    // With both workers stopped, no second copy of any reply is on its way.
    let extra = tokio::time::timeout(Duration::ZERO, sub.recv()).await;
    assert!(extra.is_err(), "a reply was delivered twice: {extra:?}");
}
