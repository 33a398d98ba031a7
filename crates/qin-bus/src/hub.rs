//! The node's local fan-out table: topic → broadcast sender, shared by both backends.
//!
//! Not synchronised by itself: the memory bus keeps it behind a mutex, the Redis driver task
//! owns it outright. Only the hub creates receivers, so a receiver count of zero means the
//! topic has no local subscriber left.

use crate::subscription::{Item, LOCAL_CAPACITY, Registry, Subscription};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Weak;
use tokio::sync::broadcast;

/// Topics with at least one local subscriber (or one just released and not yet collected).
#[derive(Default)]
pub(crate) struct Hub {
    topics: HashMap<String, broadcast::Sender<Item>>,
}

impl Hub {
    /// A new subscription to `topic`, creating the topic if needed.
    pub(crate) fn join(&mut self, topic: &str, registry: Weak<dyn Registry>) -> Subscription {
        let tx = self
            .topics
            .entry(topic.to_owned())
            .or_insert_with(|| broadcast::channel(LOCAL_CAPACITY).0);
        Subscription::new(topic, tx.subscribe(), registry)
    }

    /// A new subscription to `topic` if the topic already exists here.
    pub(crate) fn join_existing(
        &mut self,
        topic: &str,
        registry: Weak<dyn Registry>,
    ) -> Option<Subscription> {
        let tx = self.topics.get(topic)?;
        Some(Subscription::new(topic, tx.subscribe(), registry))
    }

    /// Removes `topic` if no local subscriber is left; true if it was removed.
    pub(crate) fn remove_if_unused(&mut self, topic: &str) -> bool {
        let unused = self
            .topics
            .get(topic)
            .is_some_and(|tx| tx.receiver_count() == 0);
        if unused {
            self.topics.remove(topic);
        }
        unused
    }

    /// Removes every topic that no local subscriber is left on.
    pub(crate) fn retain_used(&mut self) {
        self.topics.retain(|_, tx| tx.receiver_count() > 0);
    }

    /// The sender of `topic`, if it has local subscribers.
    pub(crate) fn sender(&self, topic: &str) -> Option<&broadcast::Sender<Item>> {
        self.topics.get(topic)
    }

    /// Hands `payload` to the local subscribers of `topic`; nobody listening is not an error.
    pub(crate) fn send(&self, topic: &str, payload: Bytes) {
        if let Some(tx) = self.topics.get(topic) {
            // Fails only when every receiver is gone; the release is already on its way.
            let _ = tx.send(Item::Payload(payload));
        }
    }

    /// Tells every local subscriber that payloads may have been lost (the upstream
    /// subscription was down), so they can catch up from the store.
    pub(crate) fn mark_gap(&self) {
        for tx in self.topics.values() {
            let _ = tx.send(Item::Gap);
        }
    }

    /// The topics currently held.
    pub(crate) fn topics(&self) -> impl Iterator<Item = &str> {
        self.topics.keys().map(String::as_str)
    }

    /// How many topics are held.
    pub(crate) fn len(&self) -> usize {
        self.topics.len()
    }
}
