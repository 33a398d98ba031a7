//! The worker over the in-memory store and bus: replies are stored once and delivered.
//! Timers (holding messages) are in `worker_tests/holding.rs`, under paused time.

use super::*;
use qin_bus::MemoryBus;
use qin_config::Config;
use qin_proto::{
    AgentId, AgentStatus, Audience, ConvId, ConvState, Delivery, GroupId, MessageKind, Party, Role,
    RouteOutcome, ServerFrame, ShopEvent,
};
use qin_store::{Conversation, MemoryStore, NewMessage};
use std::time::Duration;
use tokio::task::JoinHandle;

#[path = "worker_tests/holding.rs"]
mod holding;

/// Long enough for paused-time tests to pass every holding threshold.
const WAIT: Duration = Duration::from_secs(600);

fn demo() -> ShopConfig {
    let text = include_str!("../../../config/qin.toml");
    Config::parse(text, "qin.toml").unwrap().shops.remove(0)
}

struct Setup {
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    stop: CancellationToken,
    workers: Vec<JoinHandle<Result<(), AutoReplyError>>>,
}

impl Setup {
    /// `workers` workers of the demo shop on a fresh store and bus.
    async fn new(workers: usize) -> Self {
        Self::with(demo(), workers, None).await
    }

    /// `workers` workers of `shop`, their clocks at `wall` if given; already following the
    /// shop's events.
    async fn with(shop: ShopConfig, workers: usize, wall: Option<Millis>) -> Self {
        let s = Self {
            shop: Arc::new(shop),
            store: Arc::new(MemoryStore::new()),
            bus: Arc::new(MemoryBus::new()),
            stop: CancellationToken::new(),
            workers: Vec::new(),
        };
        s.add_workers(workers, wall).await
    }

    async fn add_workers(mut self, n: usize, wall: Option<Millis>) -> Self {
        for _ in 0..n {
            let mut worker = Worker::start(self.shop.clone(), self.store.clone(), self.bus.clone())
                .await
                .unwrap();
            if let Some(wall) = wall {
                worker = worker.with_wall_clock(wall);
            }
            self.workers
                .push(tokio::spawn(worker.run(self.stop.clone())));
        }
        self
    }

    /// Stores a chat in group `lady` and subscribes to its topic.
    async fn chat(&self, id: &str, state: ConvState) -> (ConvId, Subscription) {
        self.chat_of(id, state, None).await
    }

    async fn chat_of(
        &self,
        id: &str,
        state: ConvState,
        agent: Option<&str>,
    ) -> (ConvId, Subscription) {
        let conv = ConvId::parse(id).unwrap();
        let closed = state == ConvState::Closed;
        self.store
            .save_conversation(&Conversation {
                id: conv.clone(),
                shop: self.shop.id.clone(),
                shopper: shopper(),
                group: lady(),
                requested_agent: None,
                group_chosen: false,
                state,
                agent: agent.map(|a| AgentId::parse(a).unwrap()),
                opened_at: 1,
                closed_at: closed.then_some(2),
                tags: vec![],
                rating: None,
                disposition: None,
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

    /// Stores a message from `from` as a gateway does (without announcing it); its seq.
    async fn store_message(&self, conv: &ConvId, from: Party, cid: &str, body: &str) -> u64 {
        let ts = Clock::system().now();
        let message = NewMessage {
            cid: cid.into(),
            from,
            kind: MessageKind::Text,
            body: body.into(),
            ts,
        };
        self.store.append(conv, message).await.unwrap().message.seq
    }

    /// A shopper's message, stored and announced; its seq.
    async fn shopper_says(&self, conv: &ConvId, body: &str) -> u64 {
        let n = self.store.last_seq(conv).await.unwrap();
        let seq = self
            .store_message(conv, shopper(), &format!("w-{n}"), body)
            .await;
        self.publish(&said(conv, seq, body)).await;
        seq
    }

    /// An agent's message, stored and announced (unless `lost`); its seq.
    async fn agent_says(&self, conv: &ConvId, agent: &str, lost: bool) -> u64 {
        let n = self.store.last_seq(conv).await.unwrap();
        let party = Party {
            role: Role::Agent,
            id: agent.into(),
            name: agent.into(),
        };
        let seq = self
            .store_message(conv, party, &format!("a-{n}"), "亲，在的")
            .await;
        if !lost {
            self.publish(&ShopEvent::AgentMessage {
                conv: conv.clone(),
                seq,
                agent: AgentId::parse(agent).unwrap(),
            })
            .await;
        }
        seq
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
        group_chosen: false,
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

fn routed(conv: &ConvId, outcome: RouteOutcome, eta_s: Option<u32>) -> ShopEvent {
    ShopEvent::Routed {
        conv: conv.clone(),
        group: lady(),
        outcome,
        unavailable: None,
        eta_s,
    }
}

fn queued(conv: &ConvId, online: u32) -> ShopEvent {
    let position = 1;
    routed(conv, RouteOutcome::Queued { position, online }, Some(60))
}

fn assigned(conv: &ConvId, agent: &str) -> ShopEvent {
    let agent = AgentId::parse(agent).unwrap();
    routed(conv, RouteOutcome::Assigned { agent }, None)
}

async fn next_message(sub: &mut Subscription) -> qin_proto::Message {
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
    assert_eq!(answer.seq, 2);
    assert!(answer.cid.starts_with("auto:kw:"), "{}", answer.cid);
    assert_eq!(answer.body, s.shop.keywords[0].reply);

    s.publish(&queued(&conv, 0)).await;
    let away = next_message(&mut sub).await;
    assert_eq!((away.seq, away.cid.as_str()), (3, "auto:away"));
    assert_eq!(away.body, s.shop.away_message);

    s.publish(&assigned(&conv, "xiaolu")).await;
    let back = next_message(&mut sub).await;
    assert_eq!(back.cid, "auto:back:away");
    let hello = next_message(&mut sub).await;
    assert_eq!(hello.cid, "auto:hello:xiaolu");

    let stored = s.store.messages_after(&conv, 0, 10).await.unwrap();
    assert_eq!(stored, vec![greeting, answer, away, back, hello]);
    s.stop().await;
}

#[tokio::test]
async fn stays_quiet_unless_a_rule_applies() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;
    let agent = AgentId::parse("xiaoya").unwrap();
    s.publish(&assigned(&conv, "xiaoya")).await; // 小雅 has no greeting of her own
    s.publish(&ShopEvent::AgentMessage {
        conv: conv.clone(),
        seq: 1,
        agent,
    })
    .await;
    s.publish(&said(&conv, 2, "包邮吗")).await; // quiet: she just wrote
    s.publish_raw(b"{not json".to_vec()).await;
    s.publish_raw(br#"{"event":"no_such_event"}"#.to_vec())
        .await;
    s.publish(&said(&conv, 3, "你好")).await;
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
    assert_eq!(next.seq, 3);
    assert!(next.cid.starts_with("auto:kw:"));
    let (store, _bus) = (s.store.clone(), s.bus.clone());
    s.stop().await;
    assert_eq!(store.last_seq(&conv).await.unwrap(), 3);
    // With both workers stopped, no second copy of any reply is on its way.
    let extra = tokio::time::timeout(Duration::ZERO, sub.recv()).await;
    assert!(extra.is_err(), "a reply was delivered twice: {extra:?}");
}

#[tokio::test]
async fn queue_places_and_a_busy_agents_own_auto_reply() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat_of("c1", ConvState::Assigned, Some("anhong")).await;
    s.publish(&routed(
        &conv,
        RouteOutcome::Queued {
            position: 4,
            online: 2,
        },
        Some(240),
    ))
    .await;
    let busy = next_message(&mut sub).await;
    assert_eq!(busy.cid, "auto:busy:4:240");
    assert!(
        busy.body.contains("第4位") && busy.body.contains("约4分钟"),
        "{}",
        busy.body
    );

    let anhong = AgentId::parse("anhong").unwrap();
    s.store
        .set_agent_auto_reply(&s.shop.id, &anhong, Some("在仓库盘点，10分钟回来"))
        .await
        .unwrap();
    s.publish(&assigned(&conv, "doudou")).await; // transferred to 豆豆 and back
    assert_eq!(next_message(&mut sub).await.cid, "auto:hello:doudou");
    s.publish(&assigned(&conv, "anhong")).await;
    s.publish(&ShopEvent::AgentStatusChanged {
        agent: anhong,
        status: AgentStatus::Busy,
    })
    .await;
    let seq = s.shopper_says(&conv, "在吗").await;
    let own = next_message(&mut sub).await;
    assert_eq!(own.cid, format!("auto:agent:anhong:{seq}"));
    assert_eq!(own.body, "【安红的自动回复】在仓库盘点，10分钟回来");
    assert_eq!(own.from.role, Role::Bot);
    s.stop().await;
}

#[tokio::test]
async fn off_hours_give_the_next_opening_time() {
    let mut shop = demo();
    shop.hours.open = vec!["mon-fri 09:00-18:00".into()];
    // Saturday 2026-03-07 12:00 in Shanghai.
    let s = Setup::with(shop, 1, Some(1_772_856_000_000)).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;
    s.publish(&opened(&conv)).await;
    assert_eq!(next_message(&mut sub).await.cid, "auto:greeting");
    let closed = next_message(&mut sub).await;
    assert!(closed.cid.starts_with("auto:closed:"), "{}", closed.cid);
    assert!(closed.body.contains("03-09 09:00"), "{}", closed.body);
    s.stop().await;
}
