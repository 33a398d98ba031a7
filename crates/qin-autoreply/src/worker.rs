//! The auto-reply worker: follows a shop's events, posts the rules' replies to the
//! conversations' logs as the shop's bot, and delivers them to the parties.

use crate::rules::{Context, Reply, candidate, replies};
use bytes::Bytes;
use qin_bus::{Bus, BusError, Received, Subscription};
use qin_config::ShopConfig;
use qin_proto::{
    Audience, Delivery, MessageKind, Millis, Party, Role, ServerFrame, ShopEvent, topic,
};
use qin_retry::retry;
use qin_store::{NewMessage, Store, StoreError};
use std::sync::Arc;
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
            .field("shop", &self.replier.shop.id)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Follows the shop's events; anything published after this returns is seen by
    /// [`Worker::run`] (tests rely on that to publish without racing the subscription).
    pub async fn start(
        shop: Arc<ShopConfig>,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
    ) -> Result<Self, AutoReplyError> {
        let events = bus.subscribe(&topic::shop(&shop.id)).await?;
        let bot = Party {
            role: Role::Bot,
            id: BOT_ID.into(),
            name: shop.bot_name.clone(),
        };
        Ok(Self {
            events,
            replier: Replier {
                shop,
                store,
                bus,
                bot,
            },
        })
    }

    /// Answers events until `shutdown` is cancelled (`Ok`) or the bus goes away.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AutoReplyError> {
        tracing::info!(shop = %self.replier.shop.id, "auto-reply running");
        // Answering takes store round trips; a burst of chats (a Double Eleven midnight) must
        // not overflow the bus's small per-topic buffer, so a reader moves events into a
        // deep queue of our own as fast as they come.
        let (tx, mut queue) = tokio::sync::mpsc::channel(EVENT_BACKLOG);
        let reader = tokio::spawn(read_events(self.events, tx));
        let _stop_reader = AbortOnDrop(reader);
        loop {
            let payload = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                next = queue.recv() => next.ok_or(AutoReplyError::BusClosed)?,
            };
            // Cancelling mid-event is safe: an append either happened or not, and a stored
            // reply that was not published reaches the parties through `sync`.
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                () = self.replier.handle(&payload) => {}
            }
        }
    }
}

/// Tries per store or bus call: a short blip is ridden out, a long outage drops the reply
/// rather than stalling every later event of the shop behind it.
const ATTEMPTS: u32 = 3;

/// Shop events queued for answering before the worker pushes back on the bus.
const EVENT_BACKLOG: usize = 65_536;

/// Moves the shop's events into the worker's queue until the bus or the worker goes away.
async fn read_events(mut events: Subscription, queue: tokio::sync::mpsc::Sender<Bytes>) {
    while let Some(received) = events.next().await {
        match received {
            Received::Payload(payload) => {
                if queue.send(payload).await.is_err() {
                    return;
                }
            }
            Received::Gap => tracing::warn!(
                topic = events.topic(),
                "shop events were lost; some chats may miss an auto-reply"
            ),
        }
    }
}

/// Aborts a task when dropped, so the reader ends with the worker.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Turns one event into stored and delivered bot replies.
struct Replier {
    shop: Arc<ShopConfig>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    bot: Party,
}

impl Replier {
    async fn handle(&self, payload: &[u8]) {
        let shop = &self.shop.id;
        let event: ShopEvent = match serde_json::from_slice(payload) {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%shop, %error, "malformed shop event skipped");
                return;
            }
        };
        let Some(conv) = candidate(&self.shop, &event) else {
            return;
        };
        let conversation = match retry("load conversation", ATTEMPTS, || {
            self.store.conversation(conv)
        })
        .await
        {
            Ok(Some(c)) if c.is_open() && &c.shop == shop => c,
            Ok(Some(c)) if &c.shop != shop => {
                tracing::warn!(%conv, owner = %c.shop, %shop, "event for another shop's chat");
                return;
            }
            Ok(Some(_)) => {
                tracing::debug!(%conv, "chat closed; no auto-reply");
                return;
            }
            Ok(None) => {
                tracing::debug!(%conv, "unknown chat; no auto-reply");
                return;
            }
            Err(error) => {
                tracing::warn!(%conv, %error, "cannot load chat; no auto-reply");
                return;
            }
        };
        let ctx = Context {
            group: Some(&conversation.group),
        };
        for reply in replies(&self.shop, &event, &ctx) {
            self.post(reply).await;
        }
    }

    /// Appends `reply` and publishes it, unless another worker (or an earlier copy of the
    /// event) already stored it: only the worker whose append was new publishes.
    async fn post(&self, reply: Reply) {
        let Reply {
            conv,
            cid,
            body,
            rule,
        } = reply;
        let message = NewMessage {
            cid,
            from: self.bot.clone(),
            kind: MessageKind::Text,
            body,
            ts: now_ms(),
        };
        let appended = match retry("append auto-reply", ATTEMPTS, || {
            self.store.append(&conv, message.clone())
        })
        .await
        {
            Ok(a) if a.duplicate => {
                tracing::debug!(%conv, ?rule, seq = a.message.seq, "auto-reply already posted");
                return;
            }
            Ok(a) => a.message,
            Err(StoreError::Closed(_)) => {
                tracing::debug!(%conv, ?rule, "chat closed; auto-reply dropped");
                return;
            }
            Err(error) => {
                tracing::warn!(%conv, ?rule, %error, "auto-reply dropped");
                return;
            }
        };
        let seq = appended.seq;
        let payload = Bytes::from(Delivery::frame(
            Audience::All,
            &ServerFrame::Message(appended),
        ));
        let topic = topic::conversation(&conv);
        match retry("publish auto-reply", ATTEMPTS, || {
            self.bus.publish(&topic, payload.clone())
        })
        .await
        {
            Ok(()) => tracing::debug!(%conv, ?rule, seq, "auto-reply posted"),
            // Stored all the same: the parties get it with `sync`.
            Err(error) => tracing::warn!(%conv, seq, %error, "auto-reply stored, not delivered"),
        }
    }
}

fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
        })
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
