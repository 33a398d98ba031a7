//! The router's async shell for one shop: it holds the shop's lease (one router per shop at
//! a time, another takes over when it dies), feeds the core from the bus, the request inbox
//! and the clock, and applies the core's decisions to the store and the bus.
//!
//! Order on taking over matters: subscribe to the shop topic first, then read the store, so
//! that no event falls between the snapshot and the subscription (the core ignores events
//! it has already seen through the snapshot). Chats left waiting while no router ran are
//! picked up by that restore; requests wait in the store's inbox.

mod apply;
mod inbox;
mod lease;
mod owner;
mod record;
#[cfg(test)]
mod tests;

use crate::RouterError;
use lease::Lease;
use qin_bus::Bus;
use qin_config::ShopConfig;
use qin_proto::Millis;
use qin_store::Store;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// Tries per store or bus call; with the doubling delay a call gives up after about 0.75 s.
const ATTEMPTS: u32 = 5;

/// Most decisions (about different chats) applied at once.
const APPLY_AT_ONCE: usize = 64;

/// Shop events queued for routing before the router pushes back on the bus: a spike waits
/// here rather than overflowing the bus's small buffer (which forces a reconcile).
const EVENT_BACKLOG: usize = 65_536;

/// Most queued shop events the core hears before their decisions are applied.
const EVENTS_AT_ONCE: usize = 256;

/// How often the router compares its state with the store, catching events the bus lost
/// (it also does so at once when the bus reports a gap). A comparison falling due while
/// events wait is made once the router has caught up with them: until then the store is
/// ahead of the router by exactly those events.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// A chat opened this recently before the store was read is not missed yet: its gateway
/// saves it, then publishes `chat_opened`, which may still be on its way.
const OPEN_GRACE_MS: i64 = 2_000;

/// How often time moves the core: escalation, overflow, shifts, queue positions, and the
/// shop's group availability to connected shoppers (at most one frame per tick).
pub const TICK_EVERY: Duration = Duration::from_millis(500);

/// Routes the chats of `shop` until `shutdown` is cancelled, whenever this process holds the
/// shop's lease; stands by otherwise.
///
/// Returns `Ok(())` on shutdown; an error if the bus goes away for good. Failures while
/// running are logged and retried, never fatal. Run one per shop per router process; any
/// number of router processes may run: exactly one routes a shop at a time.
pub async fn run(
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    shutdown: CancellationToken,
) -> Result<(), RouterError> {
    let lease = Lease::new(&shop.id);
    loop {
        if !lease.acquire(store.as_ref(), &shutdown).await {
            return Ok(());
        }
        tracing::info!(shop = %shop.id, holder = lease.holder(), "routing this shop");
        let keeping = shutdown.child_token();
        tokio::spawn(lease.clone().keep(store.clone(), keeping.clone()));
        let ended = owner::route(&shop, &store, &bus, &lease, &shutdown).await;
        keeping.cancel();
        if shutdown.is_cancelled() {
            lease.release(store.as_ref()).await;
            return ended;
        }
        ended?;
        tracing::warn!(shop = %shop.id, "lost the routing lease; standing by");
    }
}

/// Wall-clock time in ms since the epoch: the only clock read of the router.
fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| Millis::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}
