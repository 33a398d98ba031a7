//! Conformance checks for [`Fans`]: followed agents and the last agent.

use super::{agent_id, shop_id, visitor};
use crate::{Fans, MAX_FOLLOWS};
use qin_proto::AgentId;
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; fans: Fans;
            follows_round_trip,
            last_agent_round_trip,
            fans_take_odd_input,
        }
    };
}
pub(crate) use suite;

/// Follows keep their order, a repeat is a no-op, the oldest drops past the cap, and each
/// (shop, shopper) has its own list.
pub async fn follows_round_trip(store: &Arc<dyn Fans>) {
    let (shop, other_shop, v, w) = (shop_id(), shop_id(), visitor(), visitor());
    let (a, b) = (agent_id("anhong"), agent_id("xiaoya"));
    assert!(
        store
            .following(&shop, &v)
            .await
            .expect("following")
            .is_empty()
    );
    store.follow(&shop, &v, &a).await.expect("follow");
    store.follow(&shop, &v, &b).await.expect("follow");
    store.follow(&shop, &v, &a).await.expect("follow again");
    assert_eq!(
        store.following(&shop, &v).await.expect("following"),
        [a.clone(), b.clone()]
    );
    assert!(
        store
            .following(&shop, &w)
            .await
            .expect("following")
            .is_empty()
    );
    assert!(
        store
            .following(&other_shop, &v)
            .await
            .expect("following")
            .is_empty()
    );
    store.unfollow(&shop, &v, &a).await.expect("unfollow");
    store.unfollow(&shop, &v, &a).await.expect("unfollow again");
    assert_eq!(
        store.following(&shop, &v).await.expect("following"),
        std::slice::from_ref(&b)
    );
    let many: Vec<AgentId> = (0..MAX_FOLLOWS + 2)
        .map(|i| agent_id(&format!("a{i}")))
        .collect();
    for agent in &many {
        store.follow(&shop, &w, agent).await.expect("follow");
    }
    assert_eq!(
        store.following(&shop, &w).await.expect("following"),
        many[2..]
    );
    // At the cap, following one already followed drops nobody and keeps its place.
    store
        .follow(&shop, &w, &many[5])
        .await
        .expect("follow again");
    assert_eq!(
        store.following(&shop, &w).await.expect("following"),
        many[2..]
    );
    // Another shopper's list is untouched; following after unfollowing goes to the end.
    assert_eq!(
        store.following(&shop, &v).await.expect("following"),
        std::slice::from_ref(&b)
    );
    store.follow(&shop, &v, &a).await.expect("follow");
    store.unfollow(&shop, &v, &b).await.expect("unfollow");
    store.follow(&shop, &v, &b).await.expect("follow back");
    assert_eq!(
        store.following(&shop, &v).await.expect("following"),
        [a.clone(), b.clone()]
    );
    store.follow(&other_shop, &v, &b).await.expect("follow");
    assert_eq!(
        store.following(&other_shop, &v).await.expect("following"),
        std::slice::from_ref(&b)
    );
    assert_eq!(store.following(&shop, &v).await.expect("following"), [a, b]);
}

/// The latest `set_last_agent` wins, per (shop, shopper).
pub async fn last_agent_round_trip(store: &Arc<dyn Fans>) {
    let (shop, v) = (shop_id(), visitor());
    assert_eq!(store.last_agent(&shop, &v).await.expect("last"), None);
    store
        .set_last_agent(&shop, &v, &agent_id("anhong"), 1)
        .await
        .expect("set");
    store
        .set_last_agent(&shop, &v, &agent_id("xiaoya"), 1_800_000_000_000)
        .await
        .expect("set");
    assert_eq!(
        store.last_agent(&shop, &v).await.expect("last"),
        Some((agent_id("xiaoya"), 1_800_000_000_000))
    );
    assert_eq!(store.last_agent(&shop_id(), &v).await.expect("last"), None);
    let w = visitor();
    assert_eq!(store.last_agent(&shop, &w).await.expect("last"), None);
    store
        .set_last_agent(&shop, &w, &agent_id("anhong"), 7)
        .await
        .expect("set");
    assert_eq!(
        store.last_agent(&shop, &w).await.expect("last"),
        Some((agent_id("anhong"), 7))
    );
    assert_eq!(
        store.last_agent(&shop, &v).await.expect("last"),
        Some((agent_id("xiaoya"), 1_800_000_000_000))
    );
    // Latest call wins even when its time is earlier.
    store
        .set_last_agent(&shop, &v, &agent_id("anhong"), 5)
        .await
        .expect("set");
    assert_eq!(
        store.last_agent(&shop, &v).await.expect("last"),
        Some((agent_id("anhong"), 5))
    );
}

/// Extreme times and unknown agents are stored or ignored, never a panic.
pub async fn fans_take_odd_input(store: &Arc<dyn Fans>) {
    let (shop, v, a) = (shop_id(), visitor(), agent_id("anhong"));
    for at in [i64::MIN, 0, i64::MAX] {
        store.set_last_agent(&shop, &v, &a, at).await.expect("set");
        assert_eq!(
            store.last_agent(&shop, &v).await.expect("last"),
            Some((a.clone(), at))
        );
    }
    store
        .unfollow(&shop, &v, &a)
        .await
        .expect("unfollow unknown");
    assert!(
        store
            .following(&shop, &v)
            .await
            .expect("following")
            .is_empty()
    );
}
