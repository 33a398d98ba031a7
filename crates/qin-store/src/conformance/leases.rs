//! Conformance checks for [`Leases`]: one holder at a time, renewal, expiry and release, and
//! names, holders and terms of any kind.

use super::{ODD, unique};
use crate::Leases;
use std::sync::Arc;
use std::time::Duration;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; leases: Leases;
            leases_have_one_holder,
            leases_are_independent_by_name,
            leases_take_odd_input,
        }
    };
}
pub(crate) use suite;

/// The lease term the checks use; short so expiry is quick to wait for.
const TTL_MS: u64 = 400;

async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// A lease has one holder at a time; its holder renews it (moving the expiry), another takes it
/// once it expires or is released, and a release by anyone else changes nothing.
pub async fn leases_have_one_holder(store: &Arc<dyn Leases>) {
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
pub async fn leases_are_independent_by_name(store: &Arc<dyn Leases>) {
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

/// Lease names and holders of any text work; a zero term holds for at most a moment and a
/// huge one (capped, never overflowing) holds.
pub async fn leases_take_odd_input(store: &Arc<dyn Leases>) {
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
