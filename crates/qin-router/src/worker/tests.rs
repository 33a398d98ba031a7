//! The worker over the in-memory store and bus: what a shop sees end to end.

use super::{RECONCILE_EVERY, now_ms, run};
use crate::testing::{agent, conv, group, shop};
use bytes::Bytes;
use qin_bus::{Bus, MemoryBus, Subscription};
use qin_config::ShopConfig;
use qin_proto::{
    AgentEvent, AgentStatus, ConvState, ConversationView, Delivery, GroupLive, Party, Role,
    RouteOutcome, ServerFrame, ShopEvent, topic,
};
use qin_store::{Conversation, Conversations, Fans, MemoryStore, Presence, RoutingDesk, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

/// How long any single wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);

/// A running router over memory backends, with the shop topic and groups topic subscribed.
struct Harness {
    shop: Arc<ShopConfig>,
    store: Arc<MemoryStore>,
    bus: MemoryBus,
    shop_events: Subscription,
    groups: Subscription,
    stop: CancellationToken,
    task: JoinHandle<Result<(), crate::RouterError>>,
}

impl Harness {
    /// Starts the router on `store` and waits until it has restored (its first groups frame).
    async fn start(shop: ShopConfig, store: MemoryStore) -> (Self, Vec<GroupLive>) {
        Self::start_on(shop, store, MemoryBus::new()).await
    }

    /// [`Harness::start`] on a bus the test already follows topics of.
    async fn start_on(
        shop: ShopConfig,
        store: MemoryStore,
        bus: MemoryBus,
    ) -> (Self, Vec<GroupLive>) {
        let shop = Arc::new(shop);
        let store = Arc::new(store);
        let shop_events = bus
            .subscribe(&topic::shop(&shop.id))
            .await
            .expect("subscribe");
        let mut groups = bus
            .subscribe(&topic::groups(&shop.id))
            .await
            .expect("subscribe");
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(
            shop.clone(),
            store.clone() as Arc<dyn Store>,
            Arc::new(bus.clone()) as Arc<dyn Bus>,
            stop.clone(),
        ));
        let first = groups_frame(&mut groups).await;
        let h = Self {
            shop,
            store,
            bus,
            shop_events,
            groups,
            stop,
            task,
        };
        (h, first)
    }

    async fn publish(&self, event: &ShopEvent) {
        let json = serde_json::to_vec(event).expect("encode");
        self.bus
            .publish(&topic::shop(&self.shop.id), json.into())
            .await
            .expect("publish");
    }

    /// Sets an agent's status as the gateway does, and waits until the router has seen it.
    async fn set_status(&mut self, id: &str, status: AgentStatus) {
        self.store
            .set_agent_status(&self.shop.id, &agent(id), status)
            .await
            .expect("store");
        self.publish(&ShopEvent::AgentStatusChanged {
            agent: agent(id),
            status,
        })
        .await;
        // Availability is coalesced: skip frames until one shows this change.
        let group = self.shop.agent(&agent(id)).expect("agent").group.clone();
        let statuses = self
            .store
            .agent_statuses(&self.shop.id)
            .await
            .expect("store");
        let online = self
            .shop
            .agents
            .iter()
            .filter(|a| a.group == group && statuses.get(&a.id) == Some(&AgentStatus::Online))
            .count();
        loop {
            let groups = groups_frame(&mut self.groups).await;
            if groups
                .iter()
                .any(|g| g.id == group && g.online as usize == online)
            {
                break;
            }
        }
    }

    /// Opens a chat as the gateway does: store it queued, then announce it.
    async fn open(&self, id: &str, at: i64) {
        let record = queued(&self.shop, id, at);
        self.store.save_conversation(&record).await.expect("store");
        self.publish(&ShopEvent::ChatOpened {
            conv: conv(id),
            shopper: record.shopper,
            group: record.group,
            requested_agent: None,
            group_chosen: false,
        })
        .await;
    }

    /// Closes a chat as the gateway does: store it closed, then announce it.
    async fn close(&self, id: &str) {
        let mut record = self
            .store
            .conversation(&conv(id))
            .await
            .expect("store")
            .expect("exists");
        record.state = ConvState::Closed;
        record.closed_at = Some(record.opened_at + 1);
        self.store.save_conversation(&record).await.expect("store");
        self.publish(&ShopEvent::ChatClosed {
            conv: conv(id),
            by: Role::Agent,
        })
        .await;
    }

    /// The next `routed` event about `id`, skipping other shop events (and garbage).
    async fn routed(&mut self, id: &str) -> RouteOutcome {
        loop {
            let payload = next(&mut self.shop_events).await;
            if let Ok(ShopEvent::Routed {
                conv: c, outcome, ..
            }) = serde_json::from_slice(&payload)
                && c == conv(id)
            {
                return outcome;
            }
        }
    }

    async fn stop(self) {
        self.stop.cancel();
        let ended = timeout(WAIT, self.task).await.expect("router stops");
        assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
    }
}

/// A conversation as the gateway stores it on `open`: queued in the default group.
fn queued(shop: &ShopConfig, id: &str, at: i64) -> Conversation {
    Conversation {
        id: conv(id),
        shop: shop.id.clone(),
        shopper: Party {
            role: Role::Shopper,
            id: format!("v-{id}"),
            name: "亲".into(),
        },
        group: shop.default_group.clone(),
        requested_agent: None,
        group_chosen: false,
        state: ConvState::Queued,
        agent: None,
        opened_at: at,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
        disposition: None,
    }
}

async fn next(sub: &mut Subscription) -> Bytes {
    timeout(WAIT, sub.recv())
        .await
        .expect("timed out waiting on the bus")
        .expect("bus open")
}

fn json<T: serde::de::DeserializeOwned>(payload: &[u8]) -> T {
    serde_json::from_slice(payload).expect("valid json")
}

fn frame(payload: &[u8]) -> ServerFrame {
    let (_, _, text) = Delivery::decode(payload).expect("delivery");
    serde_json::from_str(text).expect("frame")
}

async fn groups_frame(sub: &mut Subscription) -> Vec<GroupLive> {
    match frame(&next(sub).await) {
        ServerFrame::Groups { groups } => groups,
        other => panic!("expected groups, got {other:?}"),
    }
}

async fn conversation_frame(sub: &mut Subscription) -> ConversationView {
    match frame(&next(sub).await) {
        ServerFrame::Conversation(view) => view,
        other => panic!("expected conversation, got {other:?}"),
    }
}

#[tokio::test]
async fn an_online_agent_gets_the_chat() {
    let (mut h, groups) =
        Harness::start(shop(&["lady"], &[("an", "lady", 3)]), MemoryStore::new()).await;
    assert_eq!((groups[0].online, groups[0].waiting), (0, 0));
    h.set_status("an", AgentStatus::Online).await;
    let live = h.store.groups_live(&h.shop.id).await.expect("store");
    assert_eq!(live[0].online, 1);

    // Garbage on the shop topic is skipped, not fatal.
    h.bus
        .publish(&topic::shop(&h.shop.id), Bytes::from_static(b"{not json"))
        .await
        .expect("publish");

    let mut conv_topic = h
        .bus
        .subscribe(&topic::conversation(&conv("c1")))
        .await
        .expect("sub");
    let mut agent_topic = h
        .bus
        .subscribe(&topic::agent(&h.shop.id, &agent("an")))
        .await
        .expect("sub");
    h.open("c1", 1).await;

    let view = conversation_frame(&mut conv_topic).await;
    assert_eq!(view.state, ConvState::Assigned);
    let party = view.agent.as_ref().expect("agent party");
    // Shoppers see her handle, not her login name.
    let an = h.shop.agent(&agent("an")).expect("agent an");
    let handle = h.shop.agent_handle(an);
    assert_eq!(
        (party.role, party.id.as_str()),
        (Role::Agent, handle.as_str())
    );
    assert_eq!(party.name, "Agent an");
    assert_eq!(view.shopper.as_ref().map(|s| s.id.as_str()), Some("v-c1"));

    let AgentEvent::Assigned { conversation, .. } = json(&next(&mut agent_topic).await) else {
        panic!("expected assigned");
    };
    assert_eq!(conversation, view);
    assert_eq!(
        h.routed("c1").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );

    let stored = h
        .store
        .conversation(&conv("c1"))
        .await
        .expect("store")
        .expect("exists");
    assert_eq!(
        (stored.state, stored.agent),
        (ConvState::Assigned, Some(agent("an")))
    );
    h.stop().await;
}

#[tokio::test]
async fn a_full_agent_queues_the_next_chat_until_one_closes() {
    let (mut h, _) =
        Harness::start(shop(&["lady"], &[("an", "lady", 1)]), MemoryStore::new()).await;
    h.set_status("an", AgentStatus::Online).await;
    let mut second = h
        .bus
        .subscribe(&topic::conversation(&conv("c2")))
        .await
        .expect("sub");

    h.open("c1", 1).await;
    assert!(matches!(
        h.routed("c1").await,
        RouteOutcome::Assigned { .. }
    ));
    h.open("c2", 2).await;
    assert_eq!(
        h.routed("c2").await,
        RouteOutcome::Queued {
            position: 1,
            online: 1
        }
    );
    let view = conversation_frame(&mut second).await;
    assert_eq!(
        (view.state, view.position, view.eta_s),
        (ConvState::Queued, Some(1), Some(h.shop.avg_chat_s))
    );
    let stored = h
        .store
        .conversation(&conv("c2"))
        .await
        .expect("store")
        .expect("exists");
    assert_eq!(stored.state, ConvState::Queued);

    h.close("c1").await;
    assert_eq!(
        h.routed("c2").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );
    let view = conversation_frame(&mut second).await;
    assert_eq!((view.state, view.position), (ConvState::Assigned, None));
    let stored = h
        .store
        .conversation(&conv("c2"))
        .await
        .expect("store")
        .expect("exists");
    assert_eq!(
        (stored.state, stored.agent),
        (ConvState::Assigned, Some(agent("an")))
    );
    h.stop().await;
}

#[tokio::test]
async fn chats_left_queued_while_no_router_ran_are_assigned_at_start() {
    let cfg = shop(&["lady", "bold"], &[("an", "lady", 2)]);
    let store = MemoryStore::new();
    for (i, id) in ["old1", "old2", "old3"].into_iter().enumerate() {
        store
            .save_conversation(&queued(&cfg, id, i as i64))
            .await
            .expect("store");
    }
    store
        .set_agent_status(&cfg.id, &agent("an"), AgentStatus::Online)
        .await
        .expect("store");

    let (h, groups) = Harness::start(cfg, store).await;
    // The oldest two went to `an`; the third waits first in line.
    assert_eq!((groups[0].online, groups[0].waiting), (1, 1));
    for (id, state) in [
        ("old1", ConvState::Assigned),
        ("old2", ConvState::Assigned),
        ("old3", ConvState::Queued),
    ] {
        let stored = h
            .store
            .conversation(&conv(id))
            .await
            .expect("store")
            .expect("exists");
        assert_eq!(stored.state, state, "{id}");
    }
    assert_eq!(
        h.store.groups_live(&h.shop.id).await.expect("store"),
        groups
    );
    assert_eq!(groups[1].id, group("bold"));
    h.stop().await;
}

#[tokio::test]
async fn a_router_taking_over_tells_again_where_held_chats_stand() {
    // A router died between storing an assignment and publishing it: the next one tells the
    // shopper and the agent, who would otherwise never hear.
    let cfg = shop(&["lady"], &[("an", "lady", 2)]);
    let store = MemoryStore::new();
    let mut held = queued(&cfg, "held", 1);
    held.state = ConvState::Assigned;
    held.agent = Some(agent("an"));
    store.save_conversation(&held).await.expect("store");
    let bus = MemoryBus::new();
    let mut parties = bus
        .subscribe(&topic::conversation(&conv("held")))
        .await
        .expect("subscribe");
    let mut console = bus
        .subscribe(&topic::agent(&cfg.id, &agent("an")))
        .await
        .expect("subscribe");

    let handle = cfg.agent_handle(cfg.agent(&agent("an")).expect("agent an"));
    let (h, _) = Harness::start_on(cfg, store, bus).await;
    let view = conversation_frame(&mut parties).await;
    assert_eq!(
        (view.state, view.agent.map(|a| a.id)),
        (ConvState::Assigned, Some(handle.to_string()))
    );
    match json::<AgentEvent>(&next(&mut console).await) {
        AgentEvent::Assigned {
            conversation,
            handover,
        } => {
            assert_eq!((conversation.conv, handover), (conv("held"), None));
        }
        other => panic!("expected assigned, got {other:?}"),
    }
    h.stop().await;
}

#[tokio::test]
async fn a_chat_closed_before_its_assignment_frees_the_slot_again() {
    let (mut h, _) =
        Harness::start(shop(&["lady"], &[("an", "lady", 1)]), MemoryStore::new()).await;
    h.set_status("an", AgentStatus::Online).await;
    // Closed in the store already when its `chat_opened` arrives.
    let mut gone = queued(&h.shop, "gone", 1);
    gone.state = ConvState::Closed;
    h.store.save_conversation(&gone).await.expect("store");
    h.publish(&ShopEvent::ChatOpened {
        conv: conv("gone"),
        shopper: gone.shopper.clone(),
        group: gone.group.clone(),
        requested_agent: None,
        group_chosen: false,
    })
    .await;
    // `an` (cap 1) is free again for the next chat, and nothing was said about `gone`. (If
    // both opens reach the router in one burst, `c2` may be queued for a moment while the
    // router still counts `gone` on `an`.)
    h.open("c2", 2).await;
    loop {
        let event: ShopEvent = json(&next(&mut h.shop_events).await);
        if let ShopEvent::Routed {
            conv: c, outcome, ..
        } = event
        {
            assert_eq!(c, conv("c2"), "no routing for the closed chat");
            if outcome == (RouteOutcome::Assigned { agent: agent("an") }) {
                break;
            }
            assert!(
                matches!(outcome, RouteOutcome::Queued { .. }),
                "{outcome:?}"
            );
        }
    }
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn events_the_bus_lost_are_reconciled_from_the_store() {
    let (mut h, _) =
        Harness::start(shop(&["lady"], &[("an", "lady", 1)]), MemoryStore::new()).await;
    h.set_status("an", AgentStatus::Online).await;
    h.open("c1", 1).await;
    assert_eq!(
        h.routed("c1").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );

    // c1 closes and c2 opens, but neither event reaches the router: only the store knows.
    let mut record = h.store.conversation(&conv("c1")).await.unwrap().unwrap();
    record.state = ConvState::Closed;
    h.store.save_conversation(&record).await.unwrap();
    h.store
        .save_conversation(&queued(&h.shop, "c2", 2))
        .await
        .unwrap();

    // Within one reconcile period (paused time runs ahead while everyone waits) the router
    // frees an's slot and gives c2 to an.
    assert_eq!(
        h.routed("c2").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );
    let c2 = h.store.conversation(&conv("c2")).await.unwrap().unwrap();
    assert_eq!(
        (c2.state, c2.agent),
        (ConvState::Assigned, Some(agent("an")))
    );
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_chat_the_bus_lost_is_routed_with_its_shoppers_preferences() {
    let (mut h, _) = Harness::start(
        shop(&["lady"], &[("an", "lady", 2), ("bo", "lady", 2)]),
        MemoryStore::new(),
    )
    .await;
    h.set_status("an", AgentStatus::Online).await;
    h.set_status("bo", AgentStatus::Online).await;
    h.open("c1", 1).await;
    let first = match h.routed("c1").await {
        RouteOutcome::Assigned { agent } => agent,
        other => panic!("{other:?}"),
    };
    // c2's shopper follows the agent who is busier now, so only their preference sends c2
    // there; c2's `chat_opened` never reaches the router.
    let c2 = queued(&h.shop, "c2", 2);
    let visitor = qin_proto::VisitorId::parse(&c2.shopper.id).expect("visitor id");
    h.store
        .follow(&h.shop.id, &visitor, &first)
        .await
        .expect("store");
    h.store.save_conversation(&c2).await.expect("store");
    assert_eq!(
        h.routed("c2").await,
        RouteOutcome::Assigned { agent: first }
    );
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_chat_opened_just_now_waits_for_its_event_rather_than_being_taken_for_missed() {
    let (mut h, _) =
        Harness::start(shop(&["lady"], &[("an", "lady", 1)]), MemoryStore::new()).await;
    h.set_status("an", AgentStatus::Online).await;
    // Saved a moment ago (by the wall clock, which paused time does not move), its
    // `chat_opened` still on the way: reconciles come and go without routing it.
    let c1 = queued(&h.shop, "c1", now_ms());
    h.store.save_conversation(&c1).await.expect("store");
    let early = timeout(RECONCILE_EVERY * 3, async {
        while let Some(payload) = h.shop_events.recv().await {
            if let Ok(ShopEvent::Routed { conv: c, .. }) = serde_json::from_slice(&payload)
                && c == c1.id
            {
                return payload;
            }
        }
        Bytes::new()
    })
    .await;
    assert!(early.is_err(), "routed before its event: {early:?}");
    h.publish(&ShopEvent::ChatOpened {
        conv: c1.id.clone(),
        shopper: c1.shopper.clone(),
        group: c1.group.clone(),
        requested_agent: None,
        group_chosen: false,
    })
    .await;
    assert_eq!(
        h.routed("c1").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_changes_reaches_shoppers_as_one_frame_with_the_latest_state() {
    let (mut h, groups) =
        Harness::start(shop(&["lady"], &[("an", "lady", 1)]), MemoryStore::new()).await;
    assert_eq!(groups[0].waiting, 0);
    // Nobody online: every chat queues, each changing the group's availability.
    for i in 1..=5 {
        h.open(&format!("c{i}"), i).await;
    }
    for i in 1..=5 {
        assert!(matches!(
            h.routed(&format!("c{i}")).await,
            RouteOutcome::Queued { .. }
        ));
    }
    // The restore's frame went out at start, so the burst waits out the period and goes
    // out once, as the latest state (paused time runs ahead while everyone waits).
    let trailing = groups_frame(&mut h.groups).await;
    assert_eq!(trailing[0].waiting, 5);
    let live = h.store.groups_live(&h.shop.id).await.expect("store");
    assert_eq!(live[0].waiting, 5);
    h.stop().await;
}

/// Pushes a request into the shop's inbox and nudges the router, as gateways do.
async fn request(h: &Harness, request: &qin_proto::RouterRequest) {
    let json = serde_json::to_string(request).expect("encode");
    h.store
        .push_request(&h.shop.id, &json)
        .await
        .expect("store");
    h.publish(&ShopEvent::RequestPending).await;
}

#[tokio::test]
async fn an_agents_transfer_moves_the_chat_with_its_note_and_is_recorded() {
    let (mut h, _) = Harness::start(
        shop(&["lady"], &[("an", "lady", 2), ("bo", "lady", 2)]),
        MemoryStore::new(),
    )
    .await;
    h.set_status("an", AgentStatus::Online).await;
    h.open("c1", 1).await;
    assert_eq!(
        h.routed("c1").await,
        RouteOutcome::Assigned { agent: agent("an") }
    );
    h.set_status("bo", AgentStatus::Online).await;
    let mut an_topic = h
        .bus
        .subscribe(&topic::agent(&h.shop.id, &agent("an")))
        .await
        .expect("sub");
    let mut bo_topic = h
        .bus
        .subscribe(&topic::agent(&h.shop.id, &agent("bo")))
        .await
        .expect("sub");
    request(
        &h,
        &qin_proto::RouterRequest::Transfer {
            conv: conv("c1"),
            by: Party {
                role: Role::Agent,
                id: "an".into(),
                name: "Agent an".into(),
            },
            to_agent: Some(agent("bo")),
            to_group: None,
            note: Some("wants a refund".into()),
        },
    )
    .await;
    let AgentEvent::Assigned {
        conversation,
        handover,
    } = json(&next(&mut bo_topic).await)
    else {
        panic!("expected assigned");
    };
    assert_eq!(conversation.conv, conv("c1"));
    let handover = handover.expect("handover");
    assert_eq!(
        (
            handover.from,
            handover.reason.as_str(),
            handover.note.as_deref()
        ),
        (Some(agent("an")), "transfer", Some("wants a refund"))
    );
    let AgentEvent::Unassigned { conv: c, reason } = json(&next(&mut an_topic).await) else {
        panic!("expected unassigned");
    };
    assert_eq!((c, reason.as_str()), (conv("c1"), "transferred"));
    let stored = h
        .store
        .conversation(&conv("c1"))
        .await
        .expect("store")
        .expect("exists");
    assert_eq!(stored.agent, Some(agent("bo")));
    // The inbox is empty once applied, and both decisions are on record with their rules.
    assert!(
        h.store
            .requests(&h.shop.id, 10)
            .await
            .expect("store")
            .is_empty()
    );
    let rules: Vec<String> = h
        .store
        .routing(&conv("c1"))
        .await
        .expect("store")
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r).expect("json")["rule"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(rules, ["least_loaded", "transfer"]);

    // A refused transfer tells the asking agent why.
    request(
        &h,
        &qin_proto::RouterRequest::Transfer {
            conv: conv("c1"),
            by: Party {
                role: Role::Agent,
                id: "an".into(),
                name: "Agent an".into(),
            },
            to_agent: Some(agent("an")),
            to_group: None,
            note: None,
        },
    )
    .await;
    let AgentEvent::Refused { reason, .. } = json(&next(&mut an_topic).await) else {
        panic!("expected refused");
    };
    assert_eq!(reason, "the conversation is not yours");
    h.stop().await;
}

#[tokio::test]
async fn a_second_router_stands_by_and_takes_over_when_the_first_stops() {
    let cfg = Arc::new(shop(&["lady"], &[("an", "lady", 5)]));
    let store = Arc::new(MemoryStore::new());
    let bus = MemoryBus::new();
    let mut groups = bus.subscribe(&topic::groups(&cfg.id)).await.expect("sub");
    let mut shop_events = bus.subscribe(&topic::shop(&cfg.id)).await.expect("sub");
    let start = |stop: CancellationToken| {
        tokio::spawn(run(
            cfg.clone(),
            store.clone() as Arc<dyn Store>,
            Arc::new(bus.clone()) as Arc<dyn Bus>,
            stop,
        ))
    };
    let (stop1, stop2) = (CancellationToken::new(), CancellationToken::new());
    let first = start(stop1.clone());
    groups_frame(&mut groups).await; // the first router restored
    let second = start(stop2.clone());
    store
        .set_agent_status(&cfg.id, &agent("an"), AgentStatus::Online)
        .await
        .expect("store");
    let opened = |id: &str| {
        let record = queued(&cfg, id, 1);
        let store = store.clone();
        let bus = bus.clone();
        let cfg = cfg.clone();
        async move {
            store.save_conversation(&record).await.expect("store");
            let event = ShopEvent::ChatOpened {
                conv: record.id.clone(),
                shopper: record.shopper,
                group: record.group,
                requested_agent: None,
                group_chosen: false,
            };
            bus.publish(
                &topic::shop(&cfg.id),
                serde_json::to_vec(&event).expect("json").into(),
            )
            .await
            .expect("publish");
        }
    };
    let publish_status = ShopEvent::AgentStatusChanged {
        agent: agent("an"),
        status: AgentStatus::Online,
    };
    bus.publish(
        &topic::shop(&cfg.id),
        serde_json::to_vec(&publish_status).expect("json").into(),
    )
    .await
    .expect("publish");
    opened("c1").await;
    // Exactly one router answers.
    let mut routed = 0;
    while let Ok(Some(payload)) = timeout(Duration::from_secs(2), shop_events.recv()).await {
        if let Ok(ShopEvent::Routed { .. }) = serde_json::from_slice(&payload) {
            routed += 1;
        }
    }
    assert_eq!(routed, 1, "one router per shop");
    stop1.cancel();
    assert!(matches!(timeout(WAIT, first).await, Ok(Ok(Ok(())))));
    // The second takes over at once (the first released the lease) and routes new chats.
    opened("c2").await;
    let outcome = loop {
        let payload = next(&mut shop_events).await;
        if let Ok(ShopEvent::Routed {
            conv: c, outcome, ..
        }) = serde_json::from_slice(&payload)
            && c == conv("c2")
        {
            break outcome;
        }
    };
    assert_eq!(outcome, RouteOutcome::Assigned { agent: agent("an") });
    stop2.cancel();
    assert!(matches!(timeout(WAIT, second).await, Ok(Ok(Ok(())))));
}
