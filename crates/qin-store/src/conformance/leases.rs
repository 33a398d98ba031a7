//! Conformance checks for leases: one holder at a time, renewal, expiry and release.

use super::unique;
use crate::Store;
use std::sync::Arc;
use std::time::Duration;

/// The lease term the checks use; short so expiry is quick to wait for.
const TTL_MS: u64 = 400;

async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// A lease has one holder at a time; its holder renews it (moving the expiry), another takes it
/// once it expires or is released, and a release by anyone else changes nothing.
pub async fn leases_have_one_holder(store: &Arc<dyn Store>) {
    let name = unique("router");
    let take = |holder: &'static str| {
        let (store, name) = (Arc::clone(store), name.clone());
        async move { store.try_lease(&name, holder, TTL_MS).await.expect("try") }
    };
    assert!(take("a").await, "a free lease is taken");
    assert!(take("a").await, "its holder renews it");
    assert!(!take("b").await, "refused to another holder while valid");
    store
        .release_lease(&name, "b")
        .await
        .expect("release by another");
    assert!(
        !take("b").await,
        "a release by a non-holder changes nothing"
    );

    // Renew part-way through the term: the lease must outlive the first term.
    pause(TTL_MS * 5 / 8).await;
    assert!(take("a").await, "renewed by its holder");
    pause(TTL_MS * 5 / 8).await;
    assert!(!take("b").await, "renewal moved the expiry");
    pause(TTL_MS * 3 / 4).await;
    assert!(take("b").await, "taken by another after expiry");
    assert!(!take("a").await, "the former holder is now refused");

    store.release_lease(&name, "b").await.expect("release");
    assert!(take("a").await, "free at once after its holder releases it");
    store.release_lease(&name, "a").await.expect("release");
}

/// Leases of different names are independent; releasing a lease nobody holds is a no-op.
pub async fn leases_are_independent_by_name(store: &Arc<dyn Store>) {
    let (first, second) = (unique("router"), unique("router"));
    store
        .release_lease(&first, "a")
        .await
        .expect("release a free lease");
    assert!(store.try_lease(&first, "a", 60_000).await.expect("take"));
    assert!(store.try_lease(&second, "b", 60_000).await.expect("take"));
    assert!(
        !store
            .try_lease(&second, "a", 60_000)
            .await
            .expect("refused")
    );
    store.release_lease(&first, "a").await.expect("release");
    assert!(
        !store
            .try_lease(&second, "a", 60_000)
            .await
            .expect("refused")
    );
    assert!(store.try_lease(&first, "c", 60_000).await.expect("take"));
    store.release_lease(&first, "c").await.expect("release");
    store.release_lease(&second, "b").await.expect("release");
}
