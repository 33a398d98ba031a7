//! Conformance checks for the routing desk's state: followed agents, the last agent, routing
//! records, the router's request inbox and the profile choice (leases: `leases.rs`).

use super::{agent_id, conv_id, shop_id, unique};
use crate::{MAX_FOLLOWS, MAX_ROUTING_RECORDS, Store};
use qin_proto::{AgentId, VisitorId};
use std::sync::Arc;

pub(super) fn visitor() -> VisitorId {
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
    let expected: Vec<String> = (3..MAX_ROUTING_RECORDS + 3)
        .map(|i| format!("{{\"n\":{i}}}"))
        .collect();
    assert_eq!(records, expected);
    // Each conversation has its own record.
    let other = conv_id("routed");
    store.append_routing(&other, "{}").await.expect("append");
    assert_eq!(store.routing(&other).await.expect("routing"), ["{}"]);
    assert_eq!(store.routing(&conv).await.expect("routing"), expected);
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
    store.ack_requests(&shop, 0).await.expect("ack nothing");
    assert_eq!(
        store.requests(&shop, 10).await.expect("requests"),
        ["r1", "r2", "r3"]
    );
    store.ack_requests(&shop, 2).await.expect("ack");
    assert_eq!(store.requests(&shop, 10).await.expect("requests"), ["r3"]);
    // Another shop has its own inbox; later pushes queue behind what is left.
    let other = shop_id();
    store.push_request(&other, "o1").await.expect("push");
    store.push_request(&shop, "r4").await.expect("push");
    assert_eq!(
        store.requests(&shop, 10).await.expect("requests"),
        ["r3", "r4"]
    );
    assert_eq!(store.requests(&other, 10).await.expect("requests"), ["o1"]);
    store.ack_requests(&shop, 1).await.expect("ack");
    assert_eq!(store.requests(&shop, 10).await.expect("requests"), ["r4"]);
    assert_eq!(store.requests(&other, 10).await.expect("requests"), ["o1"]);
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
    store
        .set_profile(&shop, Some("calm"))
        .await
        .expect("replace");
    assert_eq!(
        store.profile(&shop).await.expect("profile").as_deref(),
        Some("calm")
    );
    let other = shop_id();
    assert_eq!(store.profile(&other).await.expect("profile"), None);
    store.set_profile(&other, None).await.expect("clear unset");
    store.set_profile(&other, Some("1212")).await.expect("set");
    store.set_profile(&shop, None).await.expect("clear");
    assert_eq!(store.profile(&shop).await.expect("profile"), None);
    assert_eq!(
        store.profile(&other).await.expect("profile").as_deref(),
        Some("1212")
    );
}
