//! The router's thin async shell for one shop: bus events in, core decisions out to the
//! store and the bus.
//!
//! Order at start matters: subscribe to the shop topic first, then read the store, so that no
//! event falls between the snapshot and the subscription (the core ignores events it has
//! already seen through the snapshot). Chats left queued while no router ran are picked up
//! by that restore.

mod apply;
mod coalesce;
#[cfg(test)]
mod tests;

use crate::RouterError;
use crate::core::{Decision, RestoredConv, RouterEvent, RouterState, Snapshot};
use coalesce::Coalescer;
use qin_bus::{Bus, BusError, Received};
use qin_config::ShopConfig;
use qin_proto::{GroupLive, Millis, ShopEvent, topic};
use qin_retry::retry;
use qin_store::Store;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// Tries per store or bus call; with the doubling delay a call gives up after about 0.75 s.
const ATTEMPTS: u32 = 5;

/// How often the router compares its state with the store, catching events the bus lost
/// (it also does so at once when the bus reports a gap).
pub const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Connected shoppers get a frame with the shop's group availability at most this often
/// (the latest state always reaches them, at most this late; the store has it at once).
pub const GROUPS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

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
        sub = retry("subscribe", ATTEMPTS, || bus.subscribe(&shop_topic)) => sub?,
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
        groups: Coalescer::new(GROUPS_EVERY, tokio::time::Instant::now()),
    };
    worker.apply(decisions).await;

    let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
    reconcile.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reconcile.reset();
    loop {
        // Before the events, so a steady stream of them cannot hold the availability back.
        let groups_due = worker.groups.due_at();
        let received = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(()),
            () = sleep_until_some(groups_due), if groups_due.is_some() => {
                worker.flush_groups().await;
                continue;
            }
            received = events.next() => received,
            _ = reconcile.tick() => {
                worker.reconcile().await;
                continue;
            }
        };
        let payload = match received {
            Some(Received::Payload(payload)) => payload,
            Some(Received::Gap) => {
                // Events were lost on the way: the store knows what happened.
                worker.reconcile().await;
                continue;
            }
            None => {
                tracing::error!(shop = %worker.shop.id, "shop topic ended: the bus is gone");
                return Err(BusError::Closed.into());
            }
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
        | ShopEvent::Routed { .. }
        | ShopEvent::RequestPending => None,
    }
}

/// Reads what the router rebuilds its state from: open conversations and agent statuses.
async fn read_snapshot(shop: &ShopConfig, store: &dyn Store) -> Result<Snapshot, RouterError> {
    let open = retry("read open conversations", ATTEMPTS, || {
        store.open_conversations(&shop.id)
    })
    .await?;
    let statuses = retry("read agent statuses", ATTEMPTS, || {
        store.agent_statuses(&shop.id)
    })
    .await?;
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

/// Sleeps until `at` (never called with `None`: the select arm is disabled then).
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    tokio::time::sleep_until(at.unwrap_or_else(tokio::time::Instant::now)).await;
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
    /// The shop's group availability, published at most every [`GROUPS_EVERY`].
    groups: Coalescer<Vec<GroupLive>>,
}

impl Worker {
    /// Hands one event to the core and applies what it decides.
    async fn feed(&mut self, event: RouterEvent) {
        let decisions = self.state.handle(event, now_ms());
        self.apply(decisions).await;
    }

    /// Feeds the core whatever the store shows that the core missed: chats opened or closed
    /// and status changes whose events the bus lost. Events arriving later for the same
    /// changes are ignored by the core as already seen.
    async fn reconcile(&mut self) {
        let snapshot = match read_snapshot(&self.shop, self.store.as_ref()).await {
            Ok(snapshot) => snapshot,
            Err(error) => {
                tracing::warn!(shop = %self.shop.id, %error, "cannot reconcile with the store");
                return;
            }
        };
        let open: std::collections::HashSet<_> =
            snapshot.conversations.iter().map(|c| &c.conv).collect();
        let mut missed: Vec<RouterEvent> = self
            .state
            .conversations()
            .filter(|conv| !open.contains(conv))
            .map(|conv| RouterEvent::ChatClosed { conv: conv.clone() })
            .collect();
        for (agent, &status) in &snapshot.statuses {
            if self
                .state
                .status(agent)
                .is_some_and(|known| known != status)
            {
                missed.push(RouterEvent::AgentStatusChanged {
                    agent: agent.clone(),
                    status,
                });
            }
        }
        for c in &snapshot.conversations {
            if self.state.placement(&c.conv).is_none() {
                missed.push(RouterEvent::ChatOpened {
                    conv: c.conv.clone(),
                    group: Some(c.group.clone()),
                    requested_agent: None,
                });
            }
        }
        if !missed.is_empty() {
            tracing::info!(shop = %self.shop.id, events = missed.len(), "reconciled missed events from the store");
        }
        for event in missed {
            self.feed(event).await;
        }
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
