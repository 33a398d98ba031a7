//! Redis-only tests of the routing desk's keys (fans, last agent, routing records, request
//! inbox, profile, leases): their layout, and corrupt data reported as such.

use super::tests::{Fixture, fixture, sample_conversation};
use crate::{Store, StoreError};
use qin_proto::{AgentId, ShopId, VisitorId};

/// The routing desk's readers report data this code did not write as corrupt.
#[tokio::test]
async fn corrupt_desk_data_is_reported_as_corrupt() {
    let Fixture {
        server: _server,
        store,
        keys,
        mut raw,
    } = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let visitor = VisitorId::parse("v1").expect("valid id");

    redis::cmd("RPUSH")
        .arg(keys.follows(&shop, "v1"))
        .arg("not an id!")
        .exec_async(&mut raw)
        .await
        .expect("RPUSH");
    let fans = store.following(&shop, &visitor).await;
    assert!(matches!(fans, Err(StoreError::Corrupt(_))), "got {fans:?}");

    redis::cmd("HSET")
        .arg(keys.last_agent(&shop, "v1"))
        .arg("agent")
        .arg("anhong")
        .arg("at")
        .arg("yesterday")
        .exec_async(&mut raw)
        .await
        .expect("HSET");
    let last = store.last_agent(&shop, &visitor).await;
    assert!(matches!(last, Err(StoreError::Corrupt(_))), "got {last:?}");

    redis::cmd("HDEL")
        .arg(keys.last_agent(&shop, "v1"))
        .arg("at")
        .exec_async(&mut raw)
        .await
        .expect("HDEL");
    let half = store.last_agent(&shop, &visitor).await;
    assert!(matches!(half, Err(StoreError::Corrupt(_))), "got {half:?}");

    redis::cmd("HSET")
        .arg(keys.profile(&shop))
        .arg("f")
        .arg("v")
        .exec_async(&mut raw)
        .await
        .expect("HSET");
    let profile = store.profile(&shop).await;
    assert!(
        matches!(profile, Err(StoreError::Corrupt(_))),
        "got {profile:?}"
    );
}

/// The desk's keys are the documented ones, and a lease key expires in Redis itself.
#[tokio::test]
async fn desk_keys_follow_the_documented_layout() {
    let Fixture {
        server: _server,
        store,
        keys,
        mut raw,
    } = fixture().await;
    let conv = sample_conversation();
    let visitor = VisitorId::parse("v1").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");
    store
        .follow(&conv.shop, &visitor, &agent)
        .await
        .expect("follow");
    store
        .set_last_agent(&conv.shop, &visitor, &agent, 9)
        .await
        .expect("set");
    store.append_routing(&conv.id, "{}").await.expect("append");
    store.push_request(&conv.shop, "{}").await.expect("push");
    store
        .set_profile(&conv.shop, Some("double11"))
        .await
        .expect("set");
    assert!(
        store
            .try_lease("router:afu", "n1", 60_000)
            .await
            .expect("take")
    );

    let mut found: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", keys.prefix()))
        .query_async(&mut raw)
        .await
        .expect("KEYS");
    found.sort();
    let mut expected = vec![
        keys.follows(&conv.shop, "v1"),
        keys.last_agent(&conv.shop, "v1"),
        keys.routing(&conv.id),
        keys.requests(&conv.shop),
        keys.profile(&conv.shop),
        keys.lease("router:afu"),
    ];
    expected.sort();
    assert_eq!(found, expected);
    let pttl: i64 = redis::cmd("PTTL")
        .arg(keys.lease("router:afu"))
        .query_async(&mut raw)
        .await
        .expect("PTTL");
    assert!(pttl > 50_000 && pttl <= 60_000, "lease PTTL {pttl}");

    // Emptied lists and cleared values leave no key behind.
    store
        .unfollow(&conv.shop, &visitor, &agent)
        .await
        .expect("unfollow");
    store.ack_requests(&conv.shop, 1).await.expect("ack");
    store.set_profile(&conv.shop, None).await.expect("clear");
    store
        .release_lease("router:afu", "n1")
        .await
        .expect("release");
    let left: usize = redis::cmd("EXISTS")
        .arg(keys.follows(&conv.shop, "v1"))
        .arg(keys.requests(&conv.shop))
        .arg(keys.profile(&conv.shop))
        .arg(keys.lease("router:afu"))
        .query_async(&mut raw)
        .await
        .expect("EXISTS");
    assert_eq!(left, 0);
}
