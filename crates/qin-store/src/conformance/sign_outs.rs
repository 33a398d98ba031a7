//! Conformance checks for [`SignOuts`]: nothing recorded until a sign-out, the latest time
//! kept whatever order the calls come in, and agents and shops kept apart.

use super::{agent_id, shop_id};
use crate::SignOuts;
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; sign_outs: SignOuts;
            sign_outs_keep_the_latest_time,
            sign_outs_are_per_agent_and_shop,
        }
    };
}
pub(crate) use suite;

/// A time in ms like today's (1.8e12), so a backend that loses precision fails.
const NOW: i64 = 1_796_000_000_123;

/// Nothing before the first sign-out; then the latest time, also when an older one comes
/// later (two gateways recording the same removal).
pub async fn sign_outs_keep_the_latest_time(store: &Arc<dyn SignOuts>) {
    let (shop, agent) = (shop_id(), agent_id("anhong"));
    assert_eq!(
        store.signed_out_at(&shop, &agent).await.expect("read"),
        None
    );
    store.sign_out(&shop, &agent, NOW).await.expect("sign out");
    assert_eq!(
        store.signed_out_at(&shop, &agent).await.expect("read"),
        Some(NOW)
    );
    store.sign_out(&shop, &agent, NOW - 5).await.expect("older");
    assert_eq!(
        store.signed_out_at(&shop, &agent).await.expect("read"),
        Some(NOW),
        "an older time does not move it back"
    );
    store.sign_out(&shop, &agent, NOW + 1).await.expect("newer");
    assert_eq!(
        store.signed_out_at(&shop, &agent).await.expect("read"),
        Some(NOW + 1),
        "a later time moves it on, by one ms too"
    );
}

/// One agent's sign-out says nothing of another agent, nor of the same id in another shop.
pub async fn sign_outs_are_per_agent_and_shop(store: &Arc<dyn SignOuts>) {
    let (shop, other_shop) = (shop_id(), shop_id());
    let (agent, colleague) = (agent_id("anhong"), agent_id("xiaoya"));
    store.sign_out(&shop, &agent, NOW).await.expect("sign out");
    assert_eq!(
        store.signed_out_at(&shop, &colleague).await.expect("read"),
        None
    );
    assert_eq!(
        store
            .signed_out_at(&other_shop, &agent)
            .await
            .expect("read"),
        None
    );
}
