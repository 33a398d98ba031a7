//! The auto-reply worker: follows a shop's events, keeps its open chats' memory and holding
//! timers, and posts the engine's replies to the conversations' logs as the shop's bot.

mod chats;
mod clock;
mod replier;

use crate::engine::Engine;
use clock::Clock;
use qin_bus::{Bus, BusError, Subscription};
use qin_config::ShopConfig;
use qin_proto::{Millis, topic};
use qin_store::Store;
use replier::Replier;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Why the worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum AutoReplyError {
    /// The shop's event topic could not be followed.
    #[error("cannot follow the shop's events: {0}")]
    Bus(#[from] BusError),
    /// The bus went away under the worker.
    #[error("the bus closed")]
    BusClosed,
    /// The shop's auto-reply config cannot be used (a validated config always can).
    #[error("bad auto-reply config: {0}")]
    Config(String),
}

/// The bot's sender id; fixed so the store deduplicates replies across workers by `cid`.
pub const BOT_ID: &str = "bot";

/// Runs the auto-reply service for `shop` until `shutdown` is cancelled.
///
/// Any number of workers may run for one shop on one store and bus: each reply is stored
/// and delivered once.
pub async fn run(
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    shutdown: CancellationToken,
) -> Result<(), AutoReplyError> {
    Worker::start(shop, store, bus).await?.run(shutdown).await
}

/// An auto-reply worker that already follows its shop's events.
pub struct Worker {
    events: Subscription,
    replier: Replier,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("shop", &self.replier.engine.shop().id)
            .finish_non_exhaustive()
    }
}

/// Shop events queued for answering before the worker pushes back on the bus.
const EVENT_BACKLOG: usize = 65_536;

/// Most queued shop events decided before their replies are posted.
const EVENTS_AT_ONCE: usize = 256;

/// How often chats idle for a day are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(600);

impl Worker {
    /// Follows the shop's events; anything published after this returns is seen by
    /// [`Worker::run`] (tests rely on that to publish without racing the subscription).
    pub async fn start(
        shop: Arc<ShopConfig>,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
    ) -> Result<Self, AutoReplyError> {
        let engine = Engine::new(shop.clone()).map_err(AutoReplyError::Config)?;
        let events = bus.subscribe(&topic::shop(&shop.id)).await?;
        Ok(Self {
            events,
            replier: Replier::new(engine, store, bus, Clock::system()),
        })
    }

    /// Makes the worker's clock read `wall` (ms since the epoch) now, for tests of opening
    /// hours; it then runs on tokio's time as usual.
    #[doc(hidden)]
    pub fn with_wall_clock(mut self, wall: Millis) -> Self {
        self.replier.clock = Clock::starting_at(wall);
        self
    }

    /// Answers events and timers until `shutdown` is cancelled (`Ok`) or the bus goes away.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AutoReplyError> {
        let Self {
            events,
            mut replier,
        } = self;
        tracing::info!(shop = %replier.engine.shop().id, "auto-reply running");
        // Answering takes store round trips; a burst of chats (a Double Eleven midnight) must
        // not overflow the bus's small per-topic buffer, so it waits in a deep queue.
        let mut queue = events.with_backlog(EVENT_BACKLOG);
        let mut restore: VecDeque<_> = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            open = replier.load() => open.into(),
        };
        let mut forget = tokio::time::interval(FORGET_EVERY);
        forget.reset();
        loop {
            let wake = replier
                .chats
                .next_wake()
                .map(|at| replier.clock.instant(at));
            // Events first, then due timers, then chats left to restore while idle.
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return Ok(()),
                burst = queue.next_burst(EVENTS_AT_ONCE) => {
                    let burst = burst.ok_or(AutoReplyError::BusClosed)?;
                    if burst.gap {
                        tracing::warn!(shop = %replier.engine.shop().id, "shop events were lost; some chats may miss an auto-reply");
                    }
                    // Cancelling mid-event is safe: an append either happened or not, and a
                    // stored reply that was not published reaches the parties through `sync`.
                    tokio::select! {
                        () = shutdown.cancelled() => return Ok(()),
                        () = replier.handle_burst(&burst.payloads) => {}
                    }
                }
                () = sleep_until(wake) => {
                    tokio::select! {
                        () = shutdown.cancelled() => return Ok(()),
                        () = replier.on_timers() => {}
                    }
                }
                _ = forget.tick() => replier.forget_idle(),
                () = std::future::ready(()), if !restore.is_empty() => {
                    if let Some(record) = restore.pop_front() {
                        replier.restore(record).await;
                    }
                }
            }
        }
    }
}

/// Sleeps until `at`, or forever without a timer.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
