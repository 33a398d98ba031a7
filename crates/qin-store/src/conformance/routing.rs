//! Conformance checks for [`RoutingDesk`]: routing records, the router's request inbox and
//! the profile choice.

use super::{ODD, conv_id, shop_id};
use crate::{MAX_ROUTING_RECORDS, RoutingDesk};
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; routing: RoutingDesk;
            routing_records_are_capped_in_order,
            requests_are_fifo_until_acked,
            profile_round_trip,
            routing_text_and_counts_round_trip,
        }
    };
}
pub(crate) use suite;

/// Routing records read back in order, the last [`MAX_ROUTING_RECORDS`] kept.
pub async fn routing_records_are_capped_in_order(store: &Arc<dyn RoutingDesk>) {
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
pub async fn requests_are_fifo_until_acked(store: &Arc<dyn RoutingDesk>) {
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
pub async fn profile_round_trip(store: &Arc<dyn RoutingDesk>) {
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

/// Records, requests and profiles of any text round-trip exactly; extreme counts are fine.
pub async fn routing_text_and_counts_round_trip(store: &Arc<dyn RoutingDesk>) {
    let (shop, conv) = (shop_id(), conv_id("odd"));
    for text in ODD {
        store.append_routing(&conv, text).await.expect("append");
        store.push_request(&shop, text).await.expect("push");
    }
    assert_eq!(store.routing(&conv).await.expect("routing"), ODD);
    assert_eq!(store.requests(&shop, usize::MAX).await.expect("all"), ODD);
    store
        .ack_requests(&shop, usize::MAX)
        .await
        .expect("ack all");
    assert!(
        store
            .requests(&shop, usize::MAX)
            .await
            .expect("none")
            .is_empty()
    );
    store
        .ack_requests(&shop, usize::MAX)
        .await
        .expect("ack empty");
    for text in ODD {
        store.set_profile(&shop, Some(text)).await.expect("set");
        assert_eq!(
            store.profile(&shop).await.expect("profile").as_deref(),
            Some(text)
        );
    }
}
