//! Conformance checks for the routing desk's state: followed agents, the last agent, routing
//! records, the router's request inbox, the profile choice and leases.

use super::{agent_id, conv_id, shop_id, unique};
use crate::{MAX_FOLLOWS, MAX_ROUTING_RECORDS, Store};
use qin_proto::{AgentId, VisitorId};
use std::sync::Arc;
use std::time::Duration;

fn visitor() -> VisitorId {
    VisitorId::parse(unique("v")).expect("valid id")
}

/// Follows keep their order, a repeat is a no-op, the oldest drops past the cap, and each
/// (shop, shopper) has its own list.
pub async fn follows_round_trip(store: &Arc<dyn Store>) {
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
}

/// The latest `set_last_agent` wins, per (shop, shopper).
pub async fn last_agent_round_trip(store: &Arc<dyn Store>) {
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
}

/// Routing records read back in order, the last [`MAX_ROUTING_RECORDS`] kept.
pub async fn routing_records_are_capped_in_order(store: &Arc<dyn Store>) {
    let conv = conv_id("routed");
    assert!(store.routing(&conv).await.expect("routing").is_empty());
    for i in 0..MAX_ROUTING_RECORDS + 3 {
        store
            .append_routing(&conv, &format!("{{\"n\":{i}}}"))
            .await
            .expect("append");
    }
    let records = store.routing(&conv).await.expect("routing");
    assert_eq!(records.len(), MAX_ROUTING_RECORDS);
    assert_eq!(records[0], "{\"n\":3}");
    assert_eq!(
        records.last().map(String::as_str),
        Some(&*format!("{{\"n\":{}}}", MAX_ROUTING_RECORDS + 2))
    );
}

/// The inbox is FIFO: reads do not remove, acks remove the oldest.
pub async fn requests_are_fifo_until_acked(store: &Arc<dyn Store>) {
    let shop = shop_id();
    assert!(
        store
            .requests(&shop, 10)
            .await
            .expect("requests")
            .is_empty()
    );
    store.ack_requests(&shop, 5).await.expect("ack on empty");
    for r in ["r1", "r2", "r3"] {
        store.push_request(&shop, r).await.expect("push");
    }
    assert_eq!(
        store.requests(&shop, 2).await.expect("requests"),
        ["r1", "r2"]
    );
    assert_eq!(
        store.requests(&shop, 0).await.expect("requests"),
        Vec::<String>::new()
    );
    store.ack_requests(&shop, 2).await.expect("ack");
    assert_eq!(store.requests(&shop, 10).await.expect("requests"), ["r3"]);
    store
        .ack_requests(&shop, 9)
        .await
        .expect("ack more than there is");
    assert!(
        store
            .requests(&shop, 10)
            .await
            .expect("requests")
            .is_empty()
    );
    assert!(
        store
            .requests(&shop_id(), 10)
            .await
            .expect("requests")
            .is_empty()
    );
}

/// The profile choice is set, replaced and cleared.
pub async fn profile_round_trip(store: &Arc<dyn Store>) {
    let shop = shop_id();
    assert_eq!(store.profile(&shop).await.expect("profile"), None);
    store
        .set_profile(&shop, Some("double11"))
        .await
        .expect("set");
    assert_eq!(
        store.profile(&shop).await.expect("profile").as_deref(),
        Some("double11")
    );
    store.set_profile(&shop, None).await.expect("clear");
    assert_eq!(store.profile(&shop).await.expect("profile"), None);
}

/// A lease has one holder at a time until it expires or is released.
pub async fn leases_have_one_holder(store: &Arc<dyn Store>) {
    let name = unique("router");
    assert!(store.try_lease(&name, "a", 300).await.expect("take"));
    assert!(store.try_lease(&name, "a", 300).await.expect("renew"));
    assert!(!store.try_lease(&name, "b", 300).await.expect("refused"));
    store
        .release_lease(&name, "b")
        .await
        .expect("release by another");
    assert!(
        !store
            .try_lease(&name, "b", 300)
            .await
            .expect("still refused")
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        store
            .try_lease(&name, "b", 300)
            .await
            .expect("taken after expiry")
    );
    store.release_lease(&name, "b").await.expect("release");
    assert!(
        store
            .try_lease(&name, "a", 300)
            .await
            .expect("free after release")
    );
}
