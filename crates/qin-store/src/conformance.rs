//! The conformance suite every [`Store`] backend must pass, so memory and Redis stay mirrors.
//!
//! Each check makes its own shop and conversation ids, so all of them can share one store
//! (and be run again on it). Checks panic on failure, like test assertions; callers bound
//! them with a timeout. Enabled in other crates by the `conformance` feature.

mod auto_replies;
mod conversations;
mod desk;
mod leases;
mod messages;
mod odd_input;
mod phrases;

pub use auto_replies::*;
pub use conversations::*;
pub use desk::*;
pub use leases::*;
pub use messages::*;
pub use odd_input::*;
pub use phrases::*;

use crate::{Conversation, NewMessage, Store};
use qin_proto::{
    AgentId, AgentStatus, ConvId, ConvState, GroupId, GroupLive, MessageKind, Millis, Party, Role,
    ShopId,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs every check against `store`.
pub async fn run_all(store: &Arc<dyn Store>) {
    ping_answers(store).await;
    save_and_get_round_trip(store).await;
    open_indexes_list_oldest_first(store).await;
    closing_leaves_the_open_indexes(store).await;
    closed_is_terminal(store).await;
    reassigning_moves_the_agent_index(store).await;
    append_numbers_from_one(store).await;
    append_to_unknown_conversation_fails(store).await;
    duplicate_cid_returns_the_original(store).await;
    same_cid_from_another_sender_is_new(store).await;
    append_after_close_is_refused(store).await;
    messages_after_pages(store).await;
    concurrent_appends_are_gap_free(store).await;
    concurrent_same_cid_is_stored_once(store).await;
    agent_statuses_round_trip(store).await;
    groups_live_round_trip(store).await;
    follows_round_trip(store).await;
    last_agent_round_trip(store).await;
    routing_records_are_capped_in_order(store).await;
    requests_are_fifo_until_acked(store).await;
    profile_round_trip(store).await;
    leases_have_one_holder(store).await;
    leases_are_independent_by_name(store).await;
    desk_text_and_counts_round_trip(store).await;
    leases_take_odd_input(store).await;
    phrases_round_trip(store).await;
    phrase_text_round_trips(store).await;
    phrases_are_capped_per_owner(store).await;
    concurrent_phrase_saves_respect_the_cap(store).await;
    agent_auto_replies_round_trip(store).await;
}

/// `ping` succeeds on a working backend.
pub async fn ping_answers(store: &Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

/// Agent statuses are recorded per shop, the last one wins, other shops see none.
pub async fn agent_statuses_round_trip(store: &Arc<dyn Store>) {
    let shop = shop_id();
    let other = shop_id();
    let anhong = agent_id("anhong");
    let xiaoxi = agent_id("xiaoxi");
    assert!(
        store
            .agent_statuses(&shop)
            .await
            .expect("statuses")
            .is_empty()
    );
    for (agent, status) in [
        (&anhong, AgentStatus::Online),
        (&xiaoxi, AgentStatus::Busy),
        (&anhong, AgentStatus::Away),
    ] {
        store
            .set_agent_status(&shop, agent, status)
            .await
            .expect("set status");
    }
    store
        .set_agent_status(&other, &anhong, AgentStatus::Offline)
        .await
        .expect("set status");
    let expected = HashMap::from([(anhong, AgentStatus::Away), (xiaoxi, AgentStatus::Busy)]);
    assert_eq!(
        store.agent_statuses(&shop).await.expect("statuses"),
        expected
    );
}

/// Group availability is replaced as a whole and read back exactly; empty if never written.
pub async fn groups_live_round_trip(store: &Arc<dyn Store>) {
    let shop = shop_id();
    assert!(store.groups_live(&shop).await.expect("groups").is_empty());
    let group = |id: &str, name: &str, online| GroupLive {
        id: GroupId::parse(id).expect("valid id"),
        name: name.into(),
        tagline: "亲，有什么可以帮您？".into(),
        online,
        waiting: 3,
        eta_s: 40,
        opens_at: (online == 0).then_some(1_764_381_600_000),
    };
    let first = vec![group("lady", "淑女组", 2), group("zany", "疯癫组", 0)];
    store.set_groups_live(&shop, &first).await.expect("set");
    assert_eq!(store.groups_live(&shop).await.expect("groups"), first);
    let second = vec![group("fresh", "小清新", 5)];
    store.set_groups_live(&shop, &second).await.expect("set");
    assert_eq!(store.groups_live(&shop).await.expect("groups"), second);
}

/// A fresh id fragment no other check (or run of the suite in this process) uses.
fn unique(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{tag}-{}-{n}", std::process::id())
}

fn shop_id() -> ShopId {
    ShopId::parse(unique("shop")).expect("valid id")
}

fn conv_id(tag: &str) -> ConvId {
    ConvId::parse(unique(tag)).expect("valid id")
}

fn agent_id(name: &str) -> AgentId {
    AgentId::parse(name).expect("valid id")
}

fn shopper(visitor: &str) -> Party {
    Party {
        role: Role::Shopper,
        id: visitor.into(),
        name: format!("亲 {visitor}"),
    }
}

fn agent_party(agent: &AgentId) -> Party {
    Party {
        role: Role::Agent,
        id: agent.as_str().into(),
        name: "安红".into(),
    }
}

/// A queued conversation of `visitor` in `shop`.
fn conversation(shop: &ShopId, id: ConvId, visitor: &str, opened_at: Millis) -> Conversation {
    Conversation {
        id,
        shop: shop.clone(),
        shopper: shopper(visitor),
        group: GroupId::parse("lady").expect("valid id"),
        requested_agent: None,
        group_chosen: false,
        state: ConvState::Queued,
        agent: None,
        opened_at,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
    }
}

/// Saves a new queued conversation and returns it.
async fn saved_conversation(store: &Arc<dyn Store>) -> Conversation {
    let conv = conversation(&shop_id(), conv_id("conv"), "v1", 1_700_000_000_000);
    store.save_conversation(&conv).await.expect("save");
    conv
}

fn text(from: &Party, cid: &str, body: &str) -> NewMessage {
    NewMessage {
        cid: cid.into(),
        from: from.clone(),
        kind: MessageKind::Text,
        body: body.into(),
        ts: 1_700_000_000_123,
    }
}
