//! Redis-only tests of the routing desk's keys (fans, last agent, routing records, request
//! inbox, profile, leases): their layout, and corrupt data reported as such.

use super::tests::{fixture, sample_conversation};
use crate::{Fans, Leases, RoutingDesk, StoreError};
use qin_proto::{AgentId, ShopId, VisitorId};

/// The routing desk's readers report data this code did not write as corrupt.
#[tokio::test]
async fn corrupt_desk_data_is_reported_as_corrupt() {
    let mut f = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let visitor = VisitorId::parse("v1").expect("valid id");

    redis::cmd("RPUSH")
        .arg(f.keys.follows(&shop, "v1"))
        .arg("not an id!")
        .exec_async(&mut f.raw)
        .await
        .expect("RPUSH");
    let fans = f.store.following(&shop, &visitor).await;
    assert!(matches!(fans, Err(StoreError::Corrupt(_))), "got {fans:?}");

    redis::cmd("HSET")
        .arg(f.keys.last_agent(&shop, "v1"))
        .arg("agent")
        .arg("anhong")
        .arg("at")
        .arg("yesterday")
        .exec_async(&mut f.raw)
        .await
        .expect("HSET");
    let last = f.store.last_agent(&shop, &visitor).await;
    assert!(matches!(last, Err(StoreError::Corrupt(_))), "got {last:?}");

    redis::cmd("HDEL")
        .arg(f.keys.last_agent(&shop, "v1"))
        .arg("at")
        .exec_async(&mut f.raw)
        .await
        .expect("HDEL");
    let half = f.store.last_agent(&shop, &visitor).await;
    assert!(matches!(half, Err(StoreError::Corrupt(_))), "got {half:?}");

    redis::cmd("HSET")
        .arg(f.keys.profile(&shop))
        .arg("f")
        .arg("v")
        .exec_async(&mut f.raw)
        .await
        .expect("HSET");
    let profile = f.store.profile(&shop).await;
    assert!(
        matches!(profile, Err(StoreError::Corrupt(_))),
        "got {profile:?}"
    );
}

/// The desk's keys are the documented ones, and a lease key expires in Redis itself.
#[tokio::test]
async fn desk_keys_follow_the_documented_layout() {
    let mut f = fixture().await;
    let conv = sample_conversation();
    let visitor = VisitorId::parse("v1").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");
    f.store
        .follow(&conv.shop, &visitor, &agent)
        .await
        .expect("follow");
    f.store
        .set_last_agent(&conv.shop, &visitor, &agent, 9)
        .await
        .expect("set");
    f.store
        .append_routing(&conv.id, "{}")
        .await
        .expect("append");
    f.store.push_request(&conv.shop, "{}").await.expect("push");
    f.store
        .set_profile(&conv.shop, Some("double11"))
        .await
        .expect("set");
    assert!(
        f.store
            .try_lease("router:afu", "n1", 60_000)
            .await
            .expect("take")
    );

    let mut found: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", f.keys.prefix()))
        .query_async(&mut f.raw)
        .await
        .expect("KEYS");
    found.sort();
    let mut expected = vec![
        f.keys.follows(&conv.shop, "v1"),
        f.keys.last_agent(&conv.shop, "v1"),
        f.keys.routing(&conv.id),
        f.keys.requests(&conv.shop),
        f.keys.profile(&conv.shop),
        f.keys.lease("router:afu"),
    ];
    expected.sort();
    assert_eq!(found, expected);
    let pttl: i64 = redis::cmd("PTTL")
        .arg(f.keys.lease("router:afu"))
        .query_async(&mut f.raw)
        .await
        .expect("PTTL");
    assert!(pttl > 50_000 && pttl <= 60_000, "lease PTTL {pttl}");

    // Emptied lists and cleared values leave no key behind.
    f.store
        .unfollow(&conv.shop, &visitor, &agent)
        .await
        .expect("unfollow");
    f.store.ack_requests(&conv.shop, 1).await.expect("ack");
    f.store.set_profile(&conv.shop, None).await.expect("clear");
    f.store
        .release_lease("router:afu", "n1")
        .await
        .expect("release");
    let left: usize = redis::cmd("EXISTS")
        .arg(f.keys.follows(&conv.shop, "v1"))
        .arg(f.keys.requests(&conv.shop))
        .arg(f.keys.profile(&conv.shop))
        .arg(f.keys.lease("router:afu"))
        .query_async(&mut f.raw)
        .await
        .expect("EXISTS");
    assert_eq!(left, 0);
}
