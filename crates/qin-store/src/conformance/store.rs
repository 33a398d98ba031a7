//! Conformance checks of the [`Store`] as a whole.

use crate::Store;
use std::sync::Arc;

/// `ping` succeeds on a working backend.
pub async fn ping_answers(store: &Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; store: Store; ping_answers}
    };
}
pub(crate) use suite;
