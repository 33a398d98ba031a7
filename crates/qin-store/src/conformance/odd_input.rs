//! Conformance checks that odd or extreme input to the routing desk's methods is stored as
//! given or refused with an error, never a panic: empty and unusual strings, zero and huge
//! counts and lease terms.

use super::desk::visitor;
use super::{agent_id, conv_id, shop_id, unique};
use crate::Store;
use std::sync::Arc;
use std::time::Duration;

/// Text no id may hold, kept byte for byte by every store.
const ODD: [&str; 4] = ["", "{x}}", "路由 / 记录\n\t\"quoted\"", "\u{0}nul"];

/// Records, requests and profiles of any text round-trip exactly; extreme counts are fine.
pub async fn desk_text_and_counts_round_trip(store: &Arc<dyn Store>) {
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
    let (v, a) = (visitor(), agent_id("anhong"));
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

/// Lease names and holders of any text work; a zero term holds for at most a moment and a
/// huge one (capped, never overflowing) holds.
pub async fn leases_take_odd_input(store: &Arc<dyn Store>) {
    for odd in ODD {
        let name = format!("{odd}{}", unique("lease"));
        assert!(store.try_lease(&name, odd, 60_000).await.expect("take"));
        assert!(store.try_lease(&name, odd, 60_000).await.expect("renew"));
        assert!(
            !store
                .try_lease(&name, "other", 60_000)
                .await
                .expect("refused")
        );
        store.release_lease(&name, odd).await.expect("release");
        assert!(store.try_lease(&name, "other", 60_000).await.expect("take"));
        store.release_lease(&name, "other").await.expect("release");
    }

    let brief = unique("lease");
    assert!(store.try_lease(&brief, "a", 0).await.expect("zero term"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(store.try_lease(&brief, "b", 60_000).await.expect("expired"));
    store.release_lease(&brief, "b").await.expect("release");

    let long = unique("lease");
    assert!(
        store
            .try_lease(&long, "a", u64::MAX)
            .await
            .expect("huge term")
    );
    assert!(
        !store
            .try_lease(&long, "b", u64::MAX)
            .await
            .expect("refused")
    );
    assert!(store.try_lease(&long, "a", u64::MAX).await.expect("renew"));
    store.release_lease(&long, "a").await.expect("release");
    assert!(store.try_lease(&long, "b", 1_000).await.expect("take"));
    store.release_lease(&long, "b").await.expect("release");
}
