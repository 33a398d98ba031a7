//! Tests of the memory store beyond the conformance suite (which each part's file runs, one
//! test per case, on a fresh store from [`backend`]).

use super::{MemoryStore, locked};
use crate::conformance;
use crate::{Conversation, Conversations};
use qin_proto::{AgentId, ConvId, ShopId};
use std::sync::Arc;
use std::time::Duration;

/// A fresh store for one conformance case (nothing to keep alive beside it).
pub(super) async fn backend() -> ((), Arc<MemoryStore>) {
    ((), Arc::new(MemoryStore::new()))
}

/// The readers skip stale index entries, so look at the indexes themselves.
#[tokio::test]
async fn indexes_keep_no_stale_entries() {
    let store = MemoryStore::new();
    let mut conv = Conversation {
        id: ConvId::parse("c1").expect("valid id"),
        shop: ShopId::parse("afu").expect("valid id"),
        shopper: qin_proto::Party {
            role: qin_proto::Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: qin_proto::GroupId::parse("lady").expect("valid id"),
        requested_agent: None,
        group_chosen: false,
        state: qin_proto::ConvState::Assigned,
        agent: AgentId::parse("anhong"),
        opened_at: 1,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
        disposition: None,
    };
    store.save_conversation(&conv).await.expect("assign");
    conv.agent = AgentId::parse("xiaoxi");
    store.save_conversation(&conv).await.expect("transfer");
    {
        let chats = locked(&store.conversations);
        let agents: Vec<_> = chats.open_by_agent.keys().map(|(_, a)| a.clone()).collect();
        assert_eq!(agents, vec![AgentId::parse("xiaoxi").expect("valid id")]);
    }
    conv.state = qin_proto::ConvState::Closed;
    store.save_conversation(&conv).await.expect("close");
    let chats = locked(&store.conversations);
    assert!(chats.open_by_shop.is_empty());
    assert!(chats.open_by_shopper.is_empty());
    assert!(chats.open_by_agent.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_handles_append_gap_free() {
    let store: Arc<dyn Conversations> = Arc::new(MemoryStore::new());
    let run = conformance::conversations::append_concurrent_across_stores(&store, &store);
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("timed out");
}
