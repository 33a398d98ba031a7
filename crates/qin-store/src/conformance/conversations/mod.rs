//! Conformance checks for [`Conversations`]: records and their open indexes here, message
//! logs in `logs.rs`.

mod logs;

pub use logs::*;

use super::{agent_id, conv_id, shop_id, shopper};
use crate::{Conversation, Conversations, NewMessage, StoreError};
use qin_proto::{
    AgentId, ConvId, ConvState, GroupId, MessageKind, Millis, Party, ShopId, VisitorId,
};
use std::sync::Arc;

/// Every case of this module and `logs.rs`, as tests for a backend's fixture or run on a store
/// (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; conversations: Conversations;
            save_and_get_round_trip,
            open_indexes_list_oldest_first,
            closing_leaves_the_open_indexes,
            closed_is_terminal,
            reassigning_moves_the_agent_index,
            append_numbers_from_one,
            append_to_unknown_conversation_fails,
            duplicate_cid_returns_the_original,
            same_cid_from_another_sender_is_new,
            append_after_close_is_refused,
            messages_after_pages,
            concurrent_appends_are_gap_free,
            concurrent_same_cid_is_stored_once,
        }
    };
}
pub(crate) use suite;

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
        disposition: None,
    }
}

/// Saves a new queued conversation and returns it.
async fn saved_conversation(store: &Arc<dyn Conversations>) -> Conversation {
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

fn ids(convs: &[Conversation]) -> Vec<ConvId> {
    convs.iter().map(|c| c.id.clone()).collect()
}

fn visitor(id: &str) -> VisitorId {
    VisitorId::parse(id).expect("valid id")
}

async fn agent_ids(
    store: &Arc<dyn Conversations>,
    conv: &Conversation,
    agent: &AgentId,
) -> Vec<ConvId> {
    ids(&store
        .open_conversations_of_agent(&conv.shop, agent)
        .await
        .expect("agent's open conversations"))
}

/// A saved record reads back field for field; an unknown id reads back as `None`.
pub async fn save_and_get_round_trip(store: &Arc<dyn Conversations>) {
    let shop = shop_id();
    let mut conv = conversation(&shop, conv_id("rt"), "v1", 1_700_000_000_000);
    conv.requested_agent = Some(agent_id("anhong"));
    conv.state = ConvState::Assigned;
    conv.agent = Some(agent_id("anhong"));
    conv.tags = vec!["物流".into(), "refund".into()];
    store.save_conversation(&conv).await.expect("save");
    let read = store.conversation(&conv.id).await.expect("read");
    assert_eq!(read.as_ref(), Some(&conv));
    let unknown = store.conversation(&conv_id("nope")).await.expect("read");
    assert_eq!(unknown, None);
}

/// Each open index lists its conversations oldest first (ties by id) and nothing else.
pub async fn open_indexes_list_oldest_first(store: &Arc<dyn Conversations>) {
    let shop = shop_id();
    let other_shop = shop_id();
    let anhong = agent_id("anhong");
    let tie = conv_id("tie");
    let mk = |suffix: &str, visitor: &str, at| {
        let id = ConvId::parse(format!("{tie}-{suffix}")).expect("valid id");
        conversation(&shop, id, visitor, at)
    };
    let late = mk("late", "v1", 300);
    let mut early = mk("early", "v2", 100);
    let tie_b = mk("b", "v1", 200);
    let mut tie_a = mk("a", "v1", 200);
    early.state = ConvState::Assigned;
    early.agent = Some(anhong.clone());
    tie_a.state = ConvState::Assigned;
    tie_a.agent = Some(anhong.clone());
    let elsewhere = conversation(&other_shop, conv_id("else"), "v1", 50);
    for conv in [&late, &early, &tie_b, &tie_a, &elsewhere] {
        store.save_conversation(conv).await.expect("save");
    }

    let all = store.open_conversations(&shop).await.expect("open");
    assert_eq!(
        all,
        vec![early.clone(), tie_a.clone(), tie_b.clone(), late.clone()]
    );
    let of_v1 = store
        .open_conversations_of_shopper(&shop, &visitor("v1"))
        .await
        .expect("shopper's open");
    assert_eq!(ids(&of_v1), ids(&[tie_a.clone(), tie_b, late]));
    assert_eq!(
        agent_ids(store, &early, &anhong).await,
        ids(&[early, tie_a])
    );
    let nobody = store
        .open_conversations_of_shopper(&shop, &visitor("v9"))
        .await
        .expect("shopper's open");
    assert!(nobody.is_empty());
    let elsewhere_open = store.open_conversations(&other_shop).await.expect("open");
    assert_eq!(ids(&elsewhere_open), ids(&[elsewhere]));
}

/// Closing removes a conversation from every open index but keeps its record.
pub async fn closing_leaves_the_open_indexes(store: &Arc<dyn Conversations>) {
    let shop = shop_id();
    let anhong = agent_id("anhong");
    let mut conv = conversation(&shop, conv_id("close"), "v1", 10);
    conv.state = ConvState::Assigned;
    conv.agent = Some(anhong.clone());
    store.save_conversation(&conv).await.expect("save");
    let stays = conversation(&shop, conv_id("stay"), "v1", 20);
    store.save_conversation(&stays).await.expect("save");

    conv.state = ConvState::Closed;
    conv.closed_at = Some(99);
    conv.tags = vec!["resolved".into()];
    store.save_conversation(&conv).await.expect("close");

    let open = store.open_conversations(&shop).await.expect("open");
    assert_eq!(ids(&open), vec![stays.id.clone()]);
    let of_v1 = store
        .open_conversations_of_shopper(&shop, &visitor("v1"))
        .await
        .expect("shopper's open");
    assert_eq!(ids(&of_v1), vec![stays.id]);
    assert!(agent_ids(store, &conv, &anhong).await.is_empty());
    let read = store.conversation(&conv.id).await.expect("read");
    assert_eq!(read, Some(conv));
}

/// A closed conversation never reopens; saving it closed again (a rating) is allowed.
pub async fn closed_is_terminal(store: &Arc<dyn Conversations>) {
    let shop = shop_id();
    let mut conv = conversation(&shop, conv_id("term"), "v1", 10);
    conv.state = ConvState::Closed;
    conv.closed_at = Some(20);
    store.save_conversation(&conv).await.expect("save closed");

    let mut reopened = conv.clone();
    reopened.state = ConvState::Assigned;
    reopened.agent = Some(agent_id("anhong"));
    match store.save_conversation(&reopened).await {
        Err(StoreError::Closed(id)) => assert_eq!(id, conv.id),
        other => panic!("reopening a closed conversation gave {other:?}"),
    }
    let read = store.conversation(&conv.id).await.expect("read");
    assert_eq!(read.as_ref(), Some(&conv), "a refused save changes nothing");
    assert!(
        store
            .open_conversations(&shop)
            .await
            .expect("open")
            .is_empty()
    );
    assert!(
        agent_ids(store, &conv, &agent_id("anhong"))
            .await
            .is_empty()
    );

    conv.rating = Some(5);
    store.save_conversation(&conv).await.expect("rate closed");
    let read = store.conversation(&conv.id).await.expect("read");
    assert_eq!(read.and_then(|c| c.rating), Some(5));
    assert!(
        store
            .open_conversations(&shop)
            .await
            .expect("open")
            .is_empty()
    );
}

/// Moving a conversation between agents moves it between their indexes; unassigning it
/// removes it from both but keeps it open.
pub async fn reassigning_moves_the_agent_index(store: &Arc<dyn Conversations>) {
    let shop = shop_id();
    let (anhong, xiaoxi) = (agent_id("anhong"), agent_id("xiaoxi"));
    let mut conv = conversation(&shop, conv_id("move"), "v1", 10);
    conv.state = ConvState::Assigned;
    conv.agent = Some(anhong.clone());
    store.save_conversation(&conv).await.expect("assign");
    assert_eq!(
        agent_ids(store, &conv, &anhong).await,
        vec![conv.id.clone()]
    );

    conv.agent = Some(xiaoxi.clone());
    store.save_conversation(&conv).await.expect("transfer");
    assert!(agent_ids(store, &conv, &anhong).await.is_empty());
    assert_eq!(
        agent_ids(store, &conv, &xiaoxi).await,
        vec![conv.id.clone()]
    );

    conv.state = ConvState::Queued;
    conv.agent = None;
    store.save_conversation(&conv).await.expect("requeue");
    assert!(agent_ids(store, &conv, &anhong).await.is_empty());
    assert!(agent_ids(store, &conv, &xiaoxi).await.is_empty());
    let open = store.open_conversations(&shop).await.expect("open");
    assert_eq!(open, vec![conv]);
}
