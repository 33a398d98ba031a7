//! The in-process bus for the embedded (single-process) mode: the same local fan-out as the
//! Redis bus, without anything upstream.

use crate::hub::Hub;
use crate::subscription::{Registry, Subscription};
use crate::{Bus, Result};
use async_trait::async_trait;
use bytes::Bytes;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

/// A bus inside one process. Clones share the same topics, like nodes of one deployment.
#[derive(Clone, Default)]
pub struct MemoryBus {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    hub: Mutex<Hub>,
}

impl Inner {
    fn hub(&self) -> MutexGuard<'_, Hub> {
        // The hub stays consistent even if a holder panicked: every update is a single call.
        self.hub.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Registry for Inner {
    fn release(&self, topic: &str) {
        self.hub().remove_if_unused(topic);
    }
}

impl MemoryBus {
    /// A new, empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many topics have local subscribers (for tests and metrics).
    pub fn topic_count(&self) -> usize {
        self.inner.hub().len()
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, topic: &str, payload: Bytes) -> Result<()> {
        self.inner.hub().send(topic, payload);
        Ok(())
    }

    async fn subscribe(&self, topic: &str) -> Result<Subscription> {
        let registry: Weak<dyn Registry> = Arc::downgrade(&self.inner) as Weak<dyn Registry>;
        Ok(self.inner.hub().join(topic, registry))
    }
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus")
            .field("topics", &self.topic_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscription::LOCAL_CAPACITY;
    use std::time::Duration;
    use tokio::time::timeout;

    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn last_drop_removes_the_topic() {
        let bus = MemoryBus::new();
        let first = bus.subscribe("conv:1").await.expect("subscribe");
        let second = bus.subscribe("conv:1").await.expect("subscribe");
        assert_eq!(bus.topic_count(), 1);
        drop(first);
        assert_eq!(bus.topic_count(), 1);
        drop(second);
        assert_eq!(bus.topic_count(), 0);
    }

    #[tokio::test]
    async fn thousands_of_topics_come_and_go_without_leaking() {
        let bus = MemoryBus::new();
        for i in 0..5_000 {
            let sub = bus
                .subscribe(&format!("conv:{i}"))
                .await
                .expect("subscribe");
            assert_eq!(sub.topic(), format!("conv:{i}"));
        }
        assert_eq!(bus.topic_count(), 0);
    }

    #[tokio::test]
    async fn lagging_subscriber_skips_lost_payloads_and_continues() {
        let bus = MemoryBus::new();
        let mut sub = bus.subscribe("busy").await.expect("subscribe");
        let overflow = 10;
        for i in 0..LOCAL_CAPACITY + overflow {
            bus.publish("busy", Bytes::from(i.to_string()))
                .await
                .expect("publish");
        }
        let next = timeout(WAIT, sub.recv()).await.expect("recv timed out");
        assert_eq!(next, Some(Bytes::from(overflow.to_string())));
    }

    #[tokio::test]
    async fn recv_ends_when_the_bus_is_gone() {
        let bus = MemoryBus::new();
        let mut sub = bus.subscribe("t").await.expect("subscribe");
        drop(bus);
        let next = timeout(WAIT, sub.recv()).await.expect("recv timed out");
        assert_eq!(next, None);
    }
}
