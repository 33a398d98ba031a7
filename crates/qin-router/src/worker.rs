//! The router's thin async shell for one shop: bus events in, core decisions out to the
//! store and the bus.
//!
//! Order at start matters: subscribe to the shop topic first, then read the store, so that no
//! event falls between the snapshot and the subscription (the core ignores events it has
//! already seen through the snapshot). Chats left queued while no router ran are picked up
//! by that restore.

mod apply;
mod retry;
#[cfg(test)]
mod tests;

use crate::RouterError;
use crate::core::{Decision, RestoredConv, RouterEvent, RouterState, Snapshot};
use qin_bus::{Bus, BusError};
use qin_config::ShopConfig;
use qin_proto::{Millis, ShopEvent, topic};
use qin_store::Store;
use retry::retry;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// Routes the chats of `shop` until `shutdown` is cancelled.
///
/// Returns `Ok(())` on shutdown; an error if the bus or the store cannot be reached at start
/// (after a few retries), or if the bus goes away for good. Failures while running are logged
/// and retried, never fatal. Run one per shop (`tokio::spawn(run(..))`); for now exactly one
/// router may run per shop in a deployment.
pub async fn run(
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    shutdown: CancellationToken,
) -> Result<(), RouterError> {
    let shop_topic = topic::shop(&shop.id);
    let mut events = tokio::select! {
        () = shutdown.cancelled() => return Ok(()),
        sub = retry("subscribe", || bus.subscribe(&shop_topic)) => sub?,
    };
    let snapshot = tokio::select! {
        () = shutdown.cancelled() => return Ok(()),
        snapshot = read_snapshot(&shop, store.as_ref()) => snapshot?,
    };
    let (state, decisions) = RouterState::restored(&shop, &snapshot, now_ms());
    tracing::info!(
        shop = %shop.id,
        open = snapshot.conversations.len(),
        "router restored from the store"
    );
    let mut worker = Worker {
        shop,
        store,
        bus,
        state,
    };
    worker.apply(decisions).await;

    loop {
        let payload = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(()),
            payload = events.recv() => payload,
        };
        let Some(payload) = payload else {
            tracing::error!(shop = %worker.shop.id, "shop topic ended: the bus is gone");
            return Err(BusError::Closed.into());
        };
        match serde_json::from_slice::<ShopEvent>(&payload) {
            Ok(event) => {
                if let Some(event) = router_event(event) {
                    worker.feed(event).await;
                }
            }
            Err(error) => tracing::warn!(
                shop = %worker.shop.id,
                %error,
                bytes = payload.len(),
                "malformed shop event skipped"
            ),
        }
    }
}

/// The part of a shop event the router reacts to; `None` for events it does not route on
/// (messages, and its own `routed` events coming back).
fn router_event(event: ShopEvent) -> Option<RouterEvent> {
    match event {
        ShopEvent::ChatOpened {
            conv,
            group,
            requested_agent,
            ..
        } => Some(RouterEvent::ChatOpened {
            conv,
            group: Some(group),
            requested_agent,
        }),
        ShopEvent::ChatClosed { conv, .. } => Some(RouterEvent::ChatClosed { conv }),
        ShopEvent::AgentStatusChanged { agent, status } => {
            Some(RouterEvent::AgentStatusChanged { agent, status })
        }
        ShopEvent::ShopperMessage { .. }
        | ShopEvent::AgentMessage { .. }
        | ShopEvent::Routed { .. } => None,
    }
}

/// Reads what the router rebuilds its state from: open conversations and agent statuses.
async fn read_snapshot(shop: &ShopConfig, store: &dyn Store) -> Result<Snapshot, RouterError> {
    let open = retry("read open conversations", || {
        store.open_conversations(&shop.id)
    })
    .await?;
    let statuses = retry("read agent statuses", || store.agent_statuses(&shop.id)).await?;
    let conversations = open
        .into_iter()
        .map(|c| RestoredConv {
            conv: c.id,
            group: c.group,
            state: c.state,
            agent: c.agent,
            opened_at: c.opened_at,
        })
        .collect();
    Ok(Snapshot {
        conversations,
        statuses,
    })
}

/// Wall-clock time in ms since the epoch: the only clock read of the router.
fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| Millis::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

/// The running router of one shop: the core's state and the handles to apply its decisions.
struct Worker {
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    state: RouterState,
}

impl Worker {
    /// Hands one event to the core and applies what it decides.
    async fn feed(&mut self, event: RouterEvent) {
        let decisions = self.state.handle(event, now_ms());
        self.apply(decisions).await;
    }

    /// Applies decisions in order. Applying one may reveal that its chat is already closed;
    /// the core then hears so, and its follow-up decisions (a freed slot drains the queue)
    /// are applied after the ones already pending.
    async fn apply(&mut self, decisions: Vec<Decision>) {
        let mut pending = VecDeque::from(decisions);
        while let Some(decision) = pending.pop_front() {
            if let Some(event) = self.apply_one(decision).await {
                pending.extend(self.state.handle(event, now_ms()));
            }
        }
    }
}
