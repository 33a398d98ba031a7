//! Qin's bus: at-most-once publish/subscribe between processes, in memory or over Redis pub/sub.
//!
//! A node (process) subscribes upstream once per topic, however many local subscribers the
//! topic has; local subscribers share it through a broadcast channel. Durability lives in the
//! store, not here: a subscriber that misses a message recovers from the store's log.

use async_trait::async_trait;
use bytes::Bytes;

mod backlog;
mod hub;
mod memory;
mod redis_bus;
mod subscription;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use backlog::{Backlog, Burst};
pub use memory::MemoryBus;
pub use redis_bus::RedisBus;
pub use subscription::{LOCAL_CAPACITY, Received, Subscription};

/// What can go wrong on the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The backend cannot be reached; the caller may retry.
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    /// The bus was shut down.
    #[error("bus closed")]
    Closed,
}

/// Result alias for bus calls.
pub type Result<T, E = BusError> = std::result::Result<T, E>;

/// Publish/subscribe shared by every Qin process of a deployment.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `payload` to every current subscriber of `topic`, in any process.
    /// Publishes from one task to one topic arrive in order.
    async fn publish(&self, topic: &str, payload: Bytes) -> Result<()>;

    /// Subscribes to `topic`. Returns once the subscription is active: anything published
    /// after this returns reaches it. Dropping the last local subscription of a topic ends
    /// the node's upstream subscription.
    async fn subscribe(&self, topic: &str) -> Result<Subscription>;

    /// Whether live delivery works now (for readiness checks). A bus that lost its upstream
    /// connection reports false until it is re-established.
    fn is_connected(&self) -> bool {
        true
    }
}
