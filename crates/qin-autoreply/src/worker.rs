//! The auto-reply worker: follows a shop's events, posts the rules' replies to the
//! conversations' logs as the shop's bot, and delivers them to the parties.

use crate::rules::{Reply, replies};
use qin_bus::{Bus, BusError, Subscription};
use qin_config::ShopConfig;
use qin_proto::{Audience, Delivery, MessageKind, Party, Role, ServerFrame, ShopEvent, topic};
use qin_store::{NewMessage, Store, StoreError};
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
}

const ATTEMPTS: u32 = 3;

/// Runs the auto-reply service for `shop` until `shutdown` is cancelled.
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
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    events: Subscription,
    bot: Party,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("shop", &self.shop.id)
            .finish()
    }
}

impl Worker {
    /// Follows the shop's events; anything published afterwards is seen by [`Worker::run`].
    pub async fn start(
        shop: Arc<ShopConfig>,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
    ) -> Result<Self, AutoReplyError> {
        let events = bus.subscribe(&topic::shop(&shop.id)).await?;
        let bot = Party {
            role: Role::Bot,
            id: "bot".into(),
            name: shop.bot_name.clone(),
        };
        Ok(Self {
            shop,
            store,
            bus,
            events,
            bot,
        })
    }

    /// Answers events until `shutdown` is cancelled.
    pub async fn run(mut self, shutdown: CancellationToken) -> Result<(), AutoReplyError> {
        tracing::info!(shop = %self.shop.id, "auto-reply running");
        loop {
            let payload = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                next = self.events.recv() => next.ok_or(AutoReplyError::BusClosed)?,
            };
            let event: ShopEvent = match serde_json::from_slice(&payload) {
                Ok(event) => event,
                Err(error) => {
                    tracing::warn!(shop = %self.shop.id, %error, "malformed shop event skipped");
                    continue;
                }
            };
            let group = match &event {
                ShopEvent::ShopperMessage { conv, .. } => match self.store.conversation(conv).await
                {
                    Ok(Some(c)) if c.is_open() => Some(c.group),
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::warn!(%conv, %error, "cannot read conversation; no keyword answer");
                        continue;
                    }
                },
                _ => None,
            };
            for reply in replies(&self.shop, &event, group.as_ref()) {
                post(&*self.store, &*self.bus, &self.bot, reply).await;
            }
        }
    }
}

/// Appends `reply` (retrying briefly) and publishes it unless another worker already did.
async fn post(store: &dyn Store, bus: &dyn Bus, bot: &Party, reply: Reply) {
    let Reply {
        conv,
        cid,
        body,
        rule,
    } = reply;
    let message = NewMessage {
        cid,
        from: bot.clone(),
        kind: MessageKind::Text,
        body,
        ts: now_ms(),
    };
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=ATTEMPTS {
        match store.append(&conv, message.clone()).await {
            Ok(appended) if appended.duplicate => return,
            Ok(appended) => {
                tracing::debug!(%conv, ?rule, seq = appended.message.seq, "auto-reply posted");
                let frame = Delivery::frame(Audience::All, &ServerFrame::Message(appended.message));
                if let Err(error) = bus.publish(&topic::conversation(&conv), frame.into()).await {
                    // Stored: the parties get it with `sync`.
                    tracing::warn!(%conv, %error, "auto-reply stored but not delivered live");
                }
                return;
            }
            Err(StoreError::Unavailable(error)) if attempt < ATTEMPTS => {
                tracing::warn!(%conv, %error, attempt, "store unavailable; retrying auto-reply");
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            Err(error) => {
                tracing::warn!(%conv, ?rule, %error, "auto-reply dropped");
                return;
            }
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
