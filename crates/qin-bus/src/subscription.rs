//! A local subscriber of one topic: a broadcast receiver shared with the node's other local
//! subscribers, plus a guard that tells the bus when the topic's last local subscriber is gone.

use bytes::Bytes;
use std::sync::Weak;
use tokio::sync::broadcast::{self, error::RecvError};

/// How many payloads a topic buffers for its slowest local subscriber before that subscriber
/// starts skipping. Each topic allocates this many slots up front (tens of bytes each), and a
/// gateway follows one topic per open conversation, so it stays small; the hub's forwarder
/// reads each topic continuously and hands payloads to per-socket outboxes.
pub const LOCAL_CAPACITY: usize = 256;

/// What travels through a topic's local broadcast channel.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A published payload.
    Payload(Bytes),
    /// Payloads may have been lost upstream (the node's subscription was re-established).
    Gap,
}

/// What a subscriber receives from [`Subscription::next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A published payload.
    Payload(Bytes),
    /// Payloads may have been lost since the previous one: the node's upstream subscription
    /// was cut and re-established, or this subscriber fell behind. Catch up from the store.
    Gap,
}

/// Whoever handed out a [`Subscription`] and must hear when one ends, so that it can drop the
/// topic (and its upstream subscription) once no local subscriber is left.
pub(crate) trait Registry: Send + Sync {
    /// Called after a subscription of `topic` has dropped its receiver.
    fn release(&self, topic: &str);
}

/// A live subscription to one topic on this node. Dropping it unsubscribes.
pub struct Subscription {
    // Field order matters: fields drop in declaration order, so the receiver is gone before
    // the guard reports the release, and the bus sees an accurate receiver count.
    rx: broadcast::Receiver<Item>,
    guard: ReleaseGuard,
}

struct ReleaseGuard {
    topic: String,
    // Weak: a subscription must not keep the bus alive; `recv` returns `None` once it is gone.
    registry: Weak<dyn Registry>,
}

impl Drop for ReleaseGuard {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.release(&self.topic);
        }
    }
}

impl Subscription {
    pub(crate) fn new(
        topic: &str,
        rx: broadcast::Receiver<Item>,
        registry: Weak<dyn Registry>,
    ) -> Self {
        Self {
            rx,
            guard: ReleaseGuard {
                topic: topic.to_owned(),
                registry,
            },
        }
    }

    /// The next payload published to the topic; `None` once the bus is gone. Possible
    /// losses are skipped (logged): use [`Subscription::next`] to hear about them.
    pub async fn recv(&mut self) -> Option<Bytes> {
        loop {
            match self.next().await? {
                Received::Payload(payload) => return Some(payload),
                Received::Gap => {}
            }
        }
    }

    /// The next payload, or word that some may have been lost; `None` once the bus is gone.
    ///
    /// A subscriber that fell more than [`LOCAL_CAPACITY`] payloads behind skips the ones it
    /// lost (logged) and gets a [`Received::Gap`]: the bus is at-most-once, and consumers
    /// recover from the store.
    pub async fn next(&mut self) -> Option<Received> {
        match self.rx.recv().await {
            Ok(Item::Payload(payload)) => Some(Received::Payload(payload)),
            Ok(Item::Gap) => Some(Received::Gap),
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(topic = %self.guard.topic, skipped, "subscriber lagged");
                Some(Received::Gap)
            }
            Err(RecvError::Closed) => None,
        }
    }

    /// The topic this subscription listens to.
    pub fn topic(&self) -> &str {
        &self.guard.topic
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.guard.topic)
            .field("queued", &self.rx.len())
            .finish()
    }
}
